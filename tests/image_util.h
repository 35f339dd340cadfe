/*
 * Helpers for tests/test_image.c: small JPEGs and PNGs with chosen properties (CMYK,
 * EXIF orientation, progressive, 16-bit, palette...) built with libjpeg and libspng
 * directly, checksums, and a guarded drawing canvas. Included by that one file only.
 */
#ifndef SEER_TESTS_IMAGE_UTIL_H
#define SEER_TESTS_IMAGE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <spng.h>

#include <seer/image.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "shared.h"

static uint64_t fnv(const uint8_t *p, size_t n, size_t step)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i += step) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static const uint8_t *pix(const struct seer_image *im, int x, int y)
{
    return im->px + ((size_t)y * im->width + x) * 3;
}

static int near_rgb(const uint8_t *p, int r, int g, int b, int tol)
{
    return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol;
}

/* EXIF APP1 body: "Exif\0\0", TIFF header, IFD0 with a Make tag then Orientation. */
static size_t make_exif(uint8_t *b, int orient, int big_endian)
{
    static const uint8_t le[] = {'I', 'I', 42, 0, 8, 0,   0,   0,   2, 0,    0x0f, 0x01, 2,
                                 0,   4,   0,  0, 0, 'S', 'e', 'r', 0, 0x12, 0x01, 3,    0,
                                 1,   0,   0,  0, 0, 0,   0,   0,   0, 0,    0,    0};
    static const uint8_t be[] = {'M', 'M', 0, 42, 0, 0,   0,   8,   0, 2,    0x01, 0x0f, 0,
                                 2,   0,   0, 0,  4, 'S', 'e', 'r', 0, 0x01, 0x12, 0,    3,
                                 0,   0,   0, 1,  0, 0,   0,   0,   0, 0,    0,    0};
    memcpy(b, "Exif\0\0", 6);
    memcpy(b + 6, big_endian ? be : le, sizeof(le));
    b[6 + 30 + (big_endian ? 1 : 0)] = (uint8_t)orient;
    return 6 + sizeof(le);
}

struct jspec {
    int w, h;
    J_COLOR_SPACE in_cs;   /* JCS_RGB, JCS_GRAYSCALE or JCS_CMYK */
    J_COLOR_SPACE jpeg_cs; /* 0: libjpeg's default for in_cs */
    int quality;
    int progressive, full_chroma, no_adobe;
    const jpeg_scan_info *scans; /* a custom progressive scan script, n_scans long */
    int n_scans;
    int orient, big_endian, xmp_first;
};

/* Encodes px with libjpeg into a malloc'd buffer (free() it). */
static uint8_t *make_jpeg(const struct jspec *s, const uint8_t *px, size_t *n)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    unsigned char *buf = NULL;
    unsigned long len = 0;
    int comps = s->in_cs == JCS_GRAYSCALE ? 1 : s->in_cs == JCS_CMYK ? 4 : 3;

    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &buf, &len);
    ci.image_width = (JDIMENSION)s->w;
    ci.image_height = (JDIMENSION)s->h;
    ci.input_components = comps;
    ci.in_color_space = s->in_cs;
    jpeg_set_defaults(&ci);
    if (s->jpeg_cs)
        jpeg_set_colorspace(&ci, s->jpeg_cs);
    if (s->no_adobe)
        ci.write_Adobe_marker = FALSE;
    jpeg_set_quality(&ci, s->quality ? s->quality : 90, TRUE);
    if (s->full_chroma)
        for (int c = 0; c < ci.num_components; c++)
            ci.comp_info[c].h_samp_factor = ci.comp_info[c].v_samp_factor = 1;
    if (s->progressive)
        jpeg_simple_progression(&ci);
    if (s->scans) {
        ci.scan_info = s->scans;
        ci.num_scans = s->n_scans;
    }
    jpeg_start_compress(&ci, TRUE);
    if (s->xmp_first) {
        static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
        jpeg_write_marker(&ci, JPEG_APP0 + 1, (const JOCTET *)xmp, sizeof(xmp));
    }
    if (s->orient) {
        uint8_t ex[64];
        size_t en = make_exif(ex, s->orient, s->big_endian);
        jpeg_write_marker(&ci, JPEG_APP0 + 1, ex, (unsigned)en);
    }
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)ci.next_scanline * s->w * comps);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *n = len;
    return buf;
}

/* Encodes raw PNG-format samples (big-endian for 16 bits) with spng; seer_free() it. */
static uint8_t *make_png(int w, int h, int depth, int ctype, int interlace, const void *raw,
                         size_t raw_len, const struct spng_plte *plte, size_t *n)
{
    struct spng_alloc alloc = {seer_malloc, seer_realloc, seer_calloc, seer_free};
    struct spng_ihdr ih = {(uint32_t)w, (uint32_t)h, (uint8_t)depth,    (uint8_t)ctype,
                           0,           0,           (uint8_t)interlace};
    spng_ctx *ctx = spng_ctx_new2(&alloc, SPNG_CTX_ENCODER);
    uint8_t *out = NULL;
    int e;

    spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
    spng_set_ihdr(ctx, &ih);
    if (plte)
        spng_set_plte(ctx, (struct spng_plte *)plte);
    e = spng_encode_image(ctx, raw, raw_len, SPNG_FMT_RAW, SPNG_ENCODE_FINALIZE);
    if (!e)
        out = spng_get_png_buffer(ctx, n, &e);
    if (e)
        fprintf(stderr, "make_png: %s\n", spng_strerror(e));
    spng_ctx_free(ctx);
    return out;
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Decode with a fresh arena; the caller frees *ap. */
static int dec(const uint8_t *p, size_t n, const struct seer_image_opts *o, struct seer_arena **ap,
               struct seer_image *im, struct seer_err *err)
{
    *ap = seer_arena_new(1 << 16);
    if (!*ap)
        return SEER_ENOMEM;
    err->msg[0] = '\0';
    return seer_image_decode(p, n, o, *ap, im, err);
}

static uint8_t *load_shared(const char *rel, size_t *n)
{
    uint8_t *buf = NULL;
    struct seer_err err;
    if (!file_exists(shared_path(rel)))
        return NULL;
    if (seer_file_read(shared_path(rel), 0, &buf, n, &err))
        return NULL;
    return buf;
}

static uint8_t *gradient(int w, int h, int comps)
{
    uint8_t *px = seer_malloc((size_t)w * h * comps);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < comps; c++)
                px[((size_t)y * w + x) * comps + c] =
                    (uint8_t)((x * 255 / w + y * 97 / h + c * 60 + (int)(rnd() % 9)) & 255);
    return px;
}

/* A 24x16 picture of six 8x8 blocks (R G B / C M Y): JPEG keeps block centres exact. */
static const int block_rgb[6][3] = {{255, 0, 0},   {0, 255, 0},   {0, 0, 255},
                                    {0, 255, 255}, {255, 0, 255}, {255, 255, 0}};

static uint8_t *blocks(void)
{
    uint8_t *px = seer_malloc(24 * 16 * 3);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 24; x++)
            for (int c = 0; c < 3; c++)
                px[(y * 24 + x) * 3 + c] = (uint8_t)block_rgb[(y / 8) * 3 + x / 8][c];
    return px;
}

static int dec_rc(const uint8_t *p, size_t n, const struct seer_image_opts *o, struct seer_err *err)
{
    struct seer_arena *a;
    struct seer_image im;
    int rc = dec(p, n, o, &a, &im, err);
    if (rc && (im.px || im.width || im.height))
        rc = 999; /* a failure must leave out cleared */
    seer_arena_free(a);
    return rc;
}

struct canvas {
    uint8_t mem[64 + 40 * 20 * 3 + 64];
    struct seer_image im;
};

static void canvas_init(struct canvas *c, int w, int h, uint8_t fill)
{
    memset(c->mem, 0xee, sizeof(c->mem));
    c->im = (struct seer_image){.width = w, .height = h, .px = c->mem + 64};
    memset(c->im.px, fill, (size_t)w * h * 3);
}

static int canvas_guards_ok(const struct canvas *c)
{
    size_t used = (size_t)c->im.width * c->im.height * 3;
    for (size_t i = 0; i < 64; i++)
        if (c->mem[i] != 0xee)
            return 0;
    for (size_t i = 64 + used; i < sizeof(c->mem); i++)
        if (c->mem[i] != 0xee)
            return 0;
    return 1;
}

static int count_rgb(const struct seer_image *im, uint32_t rgb)
{
    int k = 0;
    for (int i = 0; i < im->width * im->height; i++)
        k += im->px[3 * i] == (uint8_t)(rgb >> 16) && im->px[3 * i + 1] == (uint8_t)(rgb >> 8) &&
             im->px[3 * i + 2] == (uint8_t)rgb;
    return k;
}

#endif /* SEER_TESTS_IMAGE_UTIL_H */
