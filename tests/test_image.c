/*
 * Tests for the image module: decode (JPEG, PNG, EXIF, limits, bad input), resize into
 * tensors, drawing and encoding.
 *
 * Reference pixels for the shared photos come from an independent decoder: djpeg
 * (libjpeg-turbo-progs 2.1.5, default settings: islow IDCT, fancy upsampling), e.g.
 *   djpeg -ppm dog.jpg | (pixel at x,y; FNV-1a 64 of all RGB bytes)
 *   djpeg -scale 4/8 -ppm dog.jpg    (the DCT-scaled decode)
 * Small JPEGs and PNGs with special properties (CMYK, EXIF, 16-bit, palette...) are
 * built by tests/image_util.h with libjpeg and libspng directly: no fixture files.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <spng.h>

#include <seer/image.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "image/image_int.h"
#include "image_util.h"
#include "t.h"

/* ---- sniffing ---- */

TEST(sniff_by_magic_bytes)
{
    static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0};
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const uint8_t webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    ASSERT_EQ(seer_image_sniff(jpg, sizeof(jpg)), SEER_IMAGE_JPEG);
    ASSERT_EQ(seer_image_sniff(jpg, 2), SEER_IMAGE_UNKNOWN);
    ASSERT_EQ(seer_image_sniff(png, sizeof(png)), SEER_IMAGE_PNG);
    ASSERT_EQ(seer_image_sniff(png, 7), SEER_IMAGE_UNKNOWN);
    ASSERT_EQ(seer_image_sniff(webp, 16), SEER_IMAGE_WEBP);
    ASSERT_EQ(seer_image_sniff((const uint8_t *)"GIF89a", 6), SEER_IMAGE_UNKNOWN);
    ASSERT_EQ(seer_image_sniff(NULL, 0), SEER_IMAGE_UNKNOWN);
    ASSERT_STR(seer_image_format_name(SEER_IMAGE_PNG), "PNG");
    ASSERT_STR(seer_image_format_name(SEER_IMAGE_JPEG), "JPEG");
}

/* ---- JPEG against an independent decoder ---- */

TEST(jpeg_dog_matches_djpeg)
{
    size_t n;
    uint8_t *buf = load_shared("data/photos/dog.jpg", &n);
    struct seer_arena *a;
    struct seer_image im;
    struct seer_err err;
    /* (x, y, r, g, b) read from `djpeg -ppm dog.jpg`. */
    static const int ref[][5] = {{0, 0, 57, 58, 50},       {767, 0, 63, 71, 47},
                                 {0, 575, 157, 165, 176},  {767, 575, 50, 39, 35},
                                 {384, 288, 119, 6, 10},   {100, 400, 147, 155, 168},
                                 {600, 100, 201, 201, 191}};
    if (!buf)
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    int rc = dec(buf, n, NULL, &a, &im, &err);
    seer_free(buf);
    if (rc) {
        seer_arena_free(a);
        T_FAILF("decode: %d %s", rc, err.msg);
    }
    ASSERT_EQ(im.width, 768);
    ASSERT_EQ(im.height, 576);
    ASSERT_EQ(im.orig_width, 768);
    ASSERT_EQ(im.orig_height, 576);
    for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
        const uint8_t *p = pix(&im, ref[i][0], ref[i][1]);
        ASSERT_EQ(p[0], ref[i][2]);
        ASSERT_EQ(p[1], ref[i][3]);
        ASSERT_EQ(p[2], ref[i][4]);
    }
    ASSERT_EQ(fnv(im.px, (size_t)768 * 576 * 3, 1), 0x1f3251457142c378ull);
    seer_arena_free(a);
}

TEST(jpeg_dog_dct_scaled_matches_djpeg)
{
    size_t n;
    uint8_t *buf = load_shared("data/photos/dog.jpg", &n);
    struct seer_image_opts o = {.min_width = 300, .min_height = 200};
    struct seer_arena *a;
    struct seer_image im;
    struct seer_err err;
    if (!buf)
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    /* 768x576: 3/8 gives 288 wide (< 300), 4/8 gives 384x288, the smallest that fits. */
    int rc = dec(buf, n, &o, &a, &im, &err);
    seer_free(buf);
    ASSERT_OK(rc);
    ASSERT_EQ(im.width, 384);
    ASSERT_EQ(im.height, 288);
    ASSERT_EQ(im.orig_width, 768);
    ASSERT_EQ(im.orig_height, 576);
    ASSERT(near_rgb(pix(&im, 0, 0), 58, 59, 51, 0)); /* djpeg -scale 4/8 */
    ASSERT(near_rgb(pix(&im, 192, 144), 125, 43, 29, 0));
    ASSERT_EQ(fnv(im.px, (size_t)384 * 288 * 3, 1), 0xb080aa6ecec84182ull);
    seer_arena_free(a);
}

TEST(jpeg_grayscale_coco_photo_is_grey_rgb)
{
    const char *rel = "data/coco-dev/images/000000007888.jpg";
    size_t n;
    uint8_t *buf = load_shared(rel, &n);
    struct seer_arena *a;
    struct seer_image im;
    struct seer_err err;
    if (!buf)
        T_SKIP("needs %s", shared_path(rel));
    int rc = dec(buf, n, NULL, &a, &im, &err);
    seer_free(buf);
    ASSERT_OK(rc);
    ASSERT_EQ(im.width, 638);
    ASSERT_EQ(im.height, 640);
    size_t np = (size_t)638 * 640, bad = 0;
    for (size_t i = 0; i < np; i++)
        bad += im.px[3 * i] != im.px[3 * i + 1] || im.px[3 * i] != im.px[3 * i + 2];
    ASSERT_EQ(bad, 0);
    /* The grey plane from `djpeg -ppm` (a PGM): FNV-1a and three samples. */
    ASSERT_EQ(fnv(im.px, np * 3, 3), 0xfd0a95a9ea6ef4fdull);
    ASSERT_EQ(pix(&im, 0, 0)[0], 180);
    ASSERT_EQ(pix(&im, 319, 320)[0], 99);
    ASSERT_EQ(pix(&im, 300, 100)[0], 188);
    seer_arena_free(a);
}

/* ---- JPEG variants built here ---- */

TEST(jpeg_dct_scaling_picks_smallest_fitting_size)
{
    struct jspec s = {.w = 4000, .h = 3000, .in_cs = JCS_RGB, .quality = 40};
    size_t n;
    uint8_t *px = gradient(s.w, s.h, 3);
    uint8_t *jpg = make_jpeg(&s, px, &n);
    /* {min_w, min_h, expected w, h}: output is ceil(size * k / 8) for the least k. */
    static const int cases[][4] = {
        {512, 512, 1000, 750},    /* 1/8 gives 500x375: too small; 2/8 fits */
        {416, 416, 1000, 750},    /* 375 < 416 at 1/8 */
        {375, 375, 500, 375},     /* exactly 1/8 */
        {376, 0, 500, 375},       /* only a width asked for */
        {0, 1200, 2000, 1500},    /* 1125 < 1200 at 3/8, so 4/8 */
        {5000, 5000, 4000, 3000}, /* never upscaled */
    };
    seer_free(px);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seer_image_opts o = {.min_width = cases[i][0], .min_height = cases[i][1]};
        struct seer_arena *a;
        struct seer_image im;
        struct seer_err err;
        int rc = dec(jpg, n, &o, &a, &im, &err);
        int w = im.width, h = im.height, ow = im.orig_width, oh = im.orig_height;
        seer_arena_free(a);
        if (rc) {
            free(jpg);
            T_FAILF("case %zu: %d %s", i, rc, err.msg);
        }
        if (w != cases[i][2] || h != cases[i][3] || ow != 4000 || oh != 3000) {
            free(jpg);
            T_FAILF("case %zu: got %dx%d (orig %dx%d), want %dx%d", i, w, h, ow, oh, cases[i][2],
                    cases[i][3]);
        }
    }
    free(jpg);
}

TEST(jpeg_dct_scaling_accounts_for_exif_rotation)
{
    struct jspec s = {.w = 800, .h = 600, .in_cs = JCS_RGB, .orient = 6};
    struct seer_image_opts o = {.min_width = 200, .min_height = 100};
    struct seer_arena *a;
    struct seer_image im;
    struct seer_err err;
    size_t n;
    uint8_t *px = gradient(s.w, s.h, 3), *jpg = make_jpeg(&s, px, &n);
    seer_free(px);
    /* Displayed 600x800: width 200 needs 3/8 (225); ignoring the rotation would pick 2/8
     * (200x150 stored, 150 wide displayed: too narrow). */
    int rc = dec(jpg, n, &o, &a, &im, &err);
    free(jpg);
    ASSERT_OK(rc);
    ASSERT_EQ(im.width, 225);
    ASSERT_EQ(im.height, 300);
    ASSERT_EQ(im.orig_width, 600);
    ASSERT_EQ(im.orig_height, 800);
    seer_arena_free(a);
}

TEST(jpeg_exif_orientation_turns_pixels)
{
    /* Expected block layout (letters index block_rgb: R G B C M Y), worked out by hand:
     * 2 mirrors, 3 turns 180, 4 flips, 5 transposes, 6 turns clockwise, 7 transverses,
     * 8 turns counter-clockwise. */
    static const struct {
        int o, big;
        const char *rows;
    } cases[] = {
        {1, 0, "RGB/CMY"},  {2, 1, "BGR/YMC"},  {3, 0, "YMC/BGR"},  {4, 1, "CMY/RGB"},
        {5, 0, "RC/GM/BY"}, {6, 1, "CR/MG/YB"}, {7, 0, "YB/MG/CR"}, {8, 1, "BY/GM/RC"},
    };
    uint8_t *px = blocks();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct jspec s = {.w = 24,
                          .h = 16,
                          .in_cs = JCS_RGB,
                          .quality = 100,
                          .full_chroma = 1,
                          .orient = cases[i].o,
                          .big_endian = cases[i].big,
                          .xmp_first = (int)(i & 1)};
        size_t n;
        uint8_t *jpg = make_jpeg(&s, px, &n);
        struct seer_arena *a;
        struct seer_image im;
        struct seer_err err;
        int rc = dec(jpg, n, NULL, &a, &im, &err);
        free(jpg);
        if (rc) {
            seer_arena_free(a);
            seer_free(px);
            T_FAILF("orientation %d: %s", cases[i].o, err.msg);
        }
        int swap = cases[i].o >= 5, ok = 1;
        ok &= im.width == (swap ? 16 : 24) && im.height == (swap ? 24 : 16);
        ok &= im.orig_width == im.width && im.orig_height == im.height;
        const char *r = cases[i].rows;
        for (int by = 0, bx = 0; ok && *r; r++) {
            if (*r == '/') {
                by++;
                bx = 0;
                continue;
            }
            int k = (int)(strchr("RGBCMY", *r) - "RGBCMY");
            ok &= near_rgb(pix(&im, bx * 8 + 4, by * 8 + 4), block_rgb[k][0], block_rgb[k][1],
                           block_rgb[k][2], 8);
            bx++;
        }
        seer_arena_free(a);
        if (!ok) {
            seer_free(px);
            T_FAILF("orientation %d: wrong layout or size %dx%d", cases[i].o, im.width, im.height);
        }
    }
    /* no_exif keeps the stored layout. */
    struct jspec s = {
        .w = 24, .h = 16, .in_cs = JCS_RGB, .quality = 100, .full_chroma = 1, .orient = 6};
    struct seer_image_opts o = {.no_exif = true};
    size_t n;
    uint8_t *jpg = make_jpeg(&s, px, &n);
    struct seer_arena *a;
    struct seer_image im;
    struct seer_err err;
    seer_free(px);
    int rc = dec(jpg, n, &o, &a, &im, &err);
    free(jpg);
    ASSERT_OK(rc);
    ASSERT_EQ(im.width, 24);
    ASSERT(near_rgb(pix(&im, 4, 4), 255, 0, 0, 8));
    seer_arena_free(a);
}

TEST(exif_reader_is_bounded)
{
    uint8_t b[64];
    size_t n = make_exif(b, 6, 0);
    ASSERT_EQ(seer__exif_orientation(b, n), 6);
    n = make_exif(b, 8, 1);
    ASSERT_EQ(seer__exif_orientation(b, n), 8);
    /* Every truncation of a valid block answers 1 or the value, never reads past n. */
    for (size_t k = 0; k < n; k++) {
        uint8_t *t = seer_malloc(k ? k : 1);
        memcpy(t, b, k);
        int o = seer__exif_orientation(t, k);
        seer_free(t);
        ASSERT(o == 1 || (o == 8 && k >= 38));
    }
    n = make_exif(b, 9, 0);
    ASSERT_EQ(seer__exif_orientation(b, n), 1); /* out of range */
    n = make_exif(b, 3, 0);
    b[6 + 4] = 0xf0; /* IFD0 offset far past the end */
    ASSERT_EQ(seer__exif_orientation(b, n), 1);
    n = make_exif(b, 3, 0);
    b[6 + 8] = 0xff; /* entry count overstated */
    b[6 + 9] = 0xff;
    ASSERT_EQ(seer__exif_orientation(b, n), 3); /* the tag is still found in bounds */
    n = make_exif(b, 3, 0);
    b[6 + 2] = 43; /* bad TIFF magic */
    ASSERT_EQ(seer__exif_orientation(b, n), 1);
    ASSERT_EQ(seer__exif_orientation((const uint8_t *)"http://ns.adobe.com/", 20), 1);
}

TEST(jpeg_cmyk_and_ycck_convert_to_rgb)
{
    /* Adobe (inverted) CMYK: 255 means no ink. c=255 m=0 y=0 k=255 is full magenta and
     * yellow: red. Without the Adobe marker the values are plain: c=0 m=255 y=255 k=0 is
     * red too. */
    static const struct {
        J_COLOR_SPACE cs;
        int no_adobe;
        uint8_t cmyk[4];
    } cases[] = {
        {JCS_CMYK, 0, {255, 0, 0, 255}},
        {JCS_YCCK, 0, {255, 0, 0, 255}},
        {JCS_CMYK, 1, {0, 255, 255, 0}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t px[16 * 16 * 4];
        for (int k = 0; k < 16 * 16; k++) {
            memcpy(px + 4 * k, cases[i].cmyk, 4);
            if (k % 16 >= 8) /* right half: only black ink at half strength (grey) */
                memcpy(px + 4 * k,
                       cases[i].no_adobe ? (uint8_t[4]){0, 0, 0, 128}
                                         : (uint8_t[4]){255, 255, 255, 127},
                       4);
        }
        struct jspec s = {.w = 16,
                          .h = 16,
                          .in_cs = JCS_CMYK,
                          .jpeg_cs = cases[i].cs,
                          .quality = 100,
                          .full_chroma = 1,
                          .no_adobe = cases[i].no_adobe};
        size_t n;
        uint8_t *jpg = make_jpeg(&s, px, &n);
        struct seer_arena *a;
        struct seer_image im;
        struct seer_err err;
        int rc = dec(jpg, n, NULL, &a, &im, &err);
        free(jpg);
        if (rc) {
            seer_arena_free(a);
            T_FAILF("case %zu: %s", i, err.msg);
        }
        int ok =
            near_rgb(pix(&im, 3, 8), 255, 0, 0, 6) && near_rgb(pix(&im, 12, 8), 127, 127, 127, 6);
        seer_arena_free(a);
        ASSERT(ok);
    }
}

TEST(jpeg_progressive_equals_baseline_and_gray_input)
{
    struct jspec s = {.w = 61, .h = 37, .in_cs = JCS_RGB, .quality = 85};
    uint8_t *px = gradient(s.w, s.h, 3);
    size_t nb, np;
    uint8_t *base = make_jpeg(&s, px, &nb);
    s.progressive = 1;
    uint8_t *prog = make_jpeg(&s, px, &np);
    seer_free(px);
    int sof2 = 0;
    for (size_t i = 0; i + 1 < np; i++)
        sof2 |= prog[i] == 0xff && prog[i + 1] == 0xc2;
    ASSERT(sof2); /* it really is progressive */
    struct seer_arena *a1, *a2;
    struct seer_image i1, i2;
    struct seer_err err;
    int rc1 = dec(base, nb, NULL, &a1, &i1, &err);
    int rc2 = dec(prog, np, NULL, &a2, &i2, &err);
    free(base);
    free(prog);
    int same = !rc1 && !rc2 && i1.width == i2.width && i1.height == i2.height &&
               memcmp(i1.px, i2.px, (size_t)61 * 37 * 3) == 0;
    seer_arena_free(a1);
    seer_arena_free(a2);
    ASSERT(same); /* same coefficients, only the entropy coding differs */
}

/* ---- PNG ---- */

TEST(png_formats_decode_to_rgb8)
{
    enum { W = 7, H = 5 };
    uint8_t raw[W * H * 8], want[W * H * 3];
    struct spng_plte plte = {.n_entries = 4};
    static const uint8_t pal[4][3] = {{10, 20, 30}, {200, 100, 0}, {0, 255, 7}, {9, 9, 9}};
    for (int i = 0; i < 4; i++) {
        plte.entries[i].red = pal[i][0];
        plte.entries[i].green = pal[i][1];
        plte.entries[i].blue = pal[i][2];
    }
    /* Each case fills raw (PNG byte layout) and want (the RGB8 we expect). */
    for (int kind = 0; kind < 8; kind++) {
        int depth = 8, ctype = SPNG_COLOR_TYPE_TRUECOLOR, interlace = 0, bpp = 3;
        switch (kind) {
        case 0: break; /* RGB 8 */
        case 1:
            ctype = SPNG_COLOR_TYPE_GRAYSCALE;
            bpp = 1;
            break; /* grey 8 */
        case 2:
            ctype = SPNG_COLOR_TYPE_INDEXED;
            bpp = 1;
            break; /* palette 8 */
        case 3:
            ctype = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
            bpp = 4;
            break;
        case 4:
            ctype = SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
            bpp = 2;
            break;
        case 5:
            depth = 16;
            bpp = 6;
            break; /* RGB 16 */
        case 6:
            depth = 16;
            ctype = SPNG_COLOR_TYPE_GRAYSCALE;
            bpp = 2;
            break;
        case 7: interlace = 1; break; /* Adam7 RGB 8 */
        }
        for (int i = 0; i < W * H; i++) {
            uint8_t *r = raw + i * bpp, *w = want + i * 3;
            uint8_t v = (uint8_t)rnd(), u = (uint8_t)rnd(), t = (uint8_t)rnd();
            switch (kind) {
            case 1: r[0] = w[0] = w[1] = w[2] = v; break;
            case 2:
                r[0] = v & 3;
                memcpy(w, pal[v & 3], 3);
                break;
            case 3:
                r[0] = w[0] = v;
                r[1] = w[1] = u;
                r[2] = w[2] = t;
                r[3] = (uint8_t)(i * 37);
                break; /* alpha, even 0, is dropped */
            case 4:
                r[0] = w[0] = w[1] = w[2] = v;
                r[1] = u;
                break;
            case 5: /* big-endian 16-bit samples; we keep the high byte */
                for (int c = 0; c < 3; c++) {
                    r[2 * c] = w[c] = (uint8_t)rnd();
                    r[2 * c + 1] = (uint8_t)rnd();
                }
                break;
            case 6:
                r[0] = w[0] = w[1] = w[2] = v;
                r[1] = u;
                break;
            default:
                r[0] = w[0] = v;
                r[1] = w[1] = u;
                r[2] = w[2] = t;
                break;
            }
        }
        size_t n;
        uint8_t *png = make_png(W, H, depth, ctype, interlace, raw, (size_t)W * H * bpp,
                                kind == 2 ? &plte : NULL, &n);
        ASSERT(png);
        struct seer_arena *a;
        struct seer_image im;
        struct seer_err err;
        int rc = dec(png, n, NULL, &a, &im, &err);
        seer_free(png);
        int ok = !rc && im.width == W && im.height == H && im.orig_width == W &&
                 memcmp(im.px, want, sizeof(want)) == 0;
        seer_arena_free(a);
        if (!ok)
            T_FAILF("kind %d: rc %d %s", kind, rc, err.msg);
    }
}

TEST(png_bad_crc_or_truncation_is_format_error)
{
    struct seer_image src = {.width = 9, .height = 4};
    uint8_t px[9 * 4 * 3];
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err;
    uint8_t *png;
    size_t n;
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (uint8_t)rnd();
    src.px = px;
    ASSERT_OK(seer_image_encode_png(&src, a, &png, &n, &err));
    for (int where = 0; where < 2; where++) {
        uint8_t *bad = seer_arena_memdup(a, png, n);
        struct seer_arena *b;
        struct seer_image im;
        if (where == 0)
            bad[29] ^= 0x01; /* last byte of IHDR's CRC (8 + 4 + 4 + 13 = 29) */
        else
            bad[n - 12 - 2] ^= 0x40; /* IDAT's CRC, just before IEND */
        int rc = dec(bad, n, NULL, &b, &im, &err);
        seer_arena_free(b);
        if (rc != SEER_EFORMAT || !strstr(err.msg, "CRC") || im.px) {
            seer_arena_free(a);
            T_FAILF("where %d: rc %d \"%s\"", where, rc, err.msg);
        }
    }
    /* Cut anywhere before the last IDAT's CRC: the file is truncated. */
    size_t cuts[] = {n - 13, n / 2, 34, 33, 20, 9};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        struct seer_arena *b;
        struct seer_image im;
        int rc = dec(png, cuts[i], NULL, &b, &im, &err);
        seer_arena_free(b);
        if (rc != SEER_EFORMAT || !strstr(err.msg, "truncated PNG")) {
            seer_arena_free(a);
            T_FAILF("cut at %zu of %zu: rc %d \"%s\"", cuts[i], n, rc, err.msg);
        }
    }
    seer_arena_free(a);
}

TEST(png_huge_header_is_limit_before_allocating)
{
    uint8_t h[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    put32be(h + 16, 100000);
    put32be(h + 20, 100000);
    h[24] = 8; /* depth */
    h[25] = 2; /* RGB */
    put32be(h + 29, crc32_png(h + 12, 17));
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_image im;
    struct seer_err err;
    size_t used = seer_arena_used(a);
    int64_t live = seer_alloc_live();
    ASSERT_EQ(seer_image_decode(h, sizeof(h), NULL, a, &im, &err), SEER_ELIMIT);
    ASSERT(strstr(err.msg, "100000x100000"));
    ASSERT_EQ(seer_arena_used(a), used);
    ASSERT_EQ(seer_alloc_live(), live);
    /* The same header at 4x4 is well-formed but ends before any pixel data. */
    put32be(h + 16, 4);
    put32be(h + 20, 4);
    put32be(h + 29, crc32_png(h + 12, 17));
    ASSERT_EQ(seer_image_decode(h, sizeof(h), NULL, a, &im, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "PNG"));
    seer_arena_free(a);
}

/* ---- bad input ---- */

TEST(bad_input_gets_clear_errors)
{
    struct seer_err err;
    const char *text = "just some text, saved as photo.jpg\n";
    ASSERT_EQ(dec_rc(NULL, 0, NULL, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "empty"));
    ASSERT_EQ(dec_rc((const uint8_t *)text, strlen(text), NULL, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "not a JPEG or PNG image"));
    ASSERT_EQ(dec_rc((const uint8_t *)"RIFF\x10\0\0\0WEBPVP8 ", 16, NULL, &err), SEER_EUNSUPPORTED);
    ASSERT_STR(err.msg, "WebP is not supported; send JPEG or PNG");

    /* Random garbage, alone and behind each magic number. */
    uint8_t g[4096];
    static const uint8_t jpg_magic[] = {0xff, 0xd8, 0xff};
    static const uint8_t png_magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (int round = 0; round < 30; round++) {
        for (size_t i = 0; i < sizeof(g); i++)
            g[i] = (uint8_t)rnd();
        if (round % 3 == 1)
            memcpy(g, jpg_magic, sizeof(jpg_magic));
        if (round % 3 == 2)
            memcpy(g, png_magic, sizeof(png_magic));
        size_t n = 1 + rnd() % sizeof(g);
        int rc = dec_rc(g, n, NULL, &err);
        ASSERT(rc == SEER_EFORMAT || rc == SEER_EUNSUPPORTED || rc == SEER_ELIMIT);
        ASSERT(err.msg[0]);
    }
}

TEST(truncated_jpeg_is_format_error)
{
    struct jspec s = {.w = 64, .h = 64, .in_cs = JCS_RGB};
    struct seer_err err;
    size_t n;
    uint8_t *px = gradient(64, 64, 3), *jpg = make_jpeg(&s, px, &n);
    seer_free(px);
    ASSERT_OK(dec_rc(jpg, n, NULL, &err));
    int rc = dec_rc(jpg, n / 2, NULL, &err);
    s.progressive = 1;
    free(jpg);
    ASSERT_EQ(rc, SEER_EFORMAT);
    ASSERT(strstr(err.msg, "truncated JPEG"));
    px = gradient(64, 64, 3);
    jpg = make_jpeg(&s, px, &n);
    seer_free(px);
    rc = dec_rc(jpg, n * 2 / 3, NULL, &err);
    free(jpg);
    ASSERT_EQ(rc, SEER_EFORMAT);
    ASSERT(strstr(err.msg, "truncated JPEG"));

    size_t dn;
    uint8_t *dog = load_shared("data/photos/dog.jpg", &dn);
    if (!dog)
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    rc = dec_rc(dog, dn / 2, NULL, &err);
    seer_free(dog);
    ASSERT_EQ(rc, SEER_EFORMAT);
    ASSERT(strstr(err.msg, "truncated JPEG"));
}

/* A legal progressive script with one scan per AC coefficient per component, refined
 * `passes` times: 1 + 3 * 63 * passes scans in all. */
static int many_scans(jpeg_scan_info *sc, int passes)
{
    int k = 0;
    sc[k++] = (jpeg_scan_info){3, {0, 1, 2}, 0, 0, 0, 0};
    for (int c = 0; c < 3; c++)
        for (int coef = 1; coef < 64; coef++)
            for (int al = passes - 1; al >= 0; al--)
                sc[k++] = (jpeg_scan_info){1, {c}, coef, coef, al == passes - 1 ? 0 : al + 1, al};
    return k;
}

TEST(jpeg_progressive_scan_limit)
{
    static jpeg_scan_info sc[1 + 3 * 63 * 3];
    struct jspec s = {.w = 16, .h = 16, .in_cs = JCS_RGB, .scans = sc};
    struct seer_err err;
    size_t n;
    uint8_t *px = gradient(16, 16, 3), *jpg;
    s.n_scans = many_scans(sc, 2); /* 379 scans: odd but allowed */
    jpg = make_jpeg(&s, px, &n);
    int rc1 = dec_rc(jpg, n, NULL, &err);
    free(jpg);
    s.n_scans = many_scans(sc, 3); /* 568 scans: over the limit of 500 */
    jpg = make_jpeg(&s, px, &n);
    seer_free(px);
    int rc2 = dec_rc(jpg, n, NULL, &err);
    free(jpg);
    ASSERT_OK(rc1);
    ASSERT_EQ(rc2, SEER_ELIMIT);
    ASSERT(strstr(err.msg, "scans"));
}

TEST(jpeg_pixel_limit_from_header)
{
    struct jspec s = {.w = 100, .h = 50, .in_cs = JCS_GRAYSCALE};
    struct seer_image_opts o = {.max_pixels = 4999};
    struct seer_err err;
    size_t n;
    uint8_t *px = gradient(100, 50, 1), *jpg = make_jpeg(&s, px, &n);
    seer_free(px);
    int rc1 = dec_rc(jpg, n, &o, &err);
    char msg[sizeof(err.msg)];
    memcpy(msg, err.msg, sizeof(msg));
    o.max_pixels = 5000;
    int rc2 = dec_rc(jpg, n, &o, &err);
    free(jpg);
    ASSERT_EQ(rc1, SEER_ELIMIT);
    ASSERT(strstr(msg, "100x50"));
    ASSERT_OK(rc2);
}

/* ---- resize ---- */

/* The 3x2 image used for the hand-worked TF bilinear example. R is
 *    10  50  20
 *    90  30 200
 * G = R / 2 and B = 255 - R, so (bilinear weights summing to 1) G and B follow R. */
static const uint8_t tf_r[6] = {10, 50, 20, 90, 30, 200};

/* 3x2 -> 5x4. x: scale 3/5 = 0.6, src x = 0, .6, 1.2, 1.8, 2.4 -> (x0, x1, dx) =
 * (0,1,0) (0,1,.6) (1,2,.2) (1,2,.8) (2,2,.4). y: scale 2/4 = .5, src y = 0, .5, 1, 1.5 ->
 * (y0, y1, dy) = (0,1,0) (0,1,.5) (1,1,0) (1,1,.5).
 * Row 0 along x: 10, 10+40*.6=34, 50-30*.2=44, 50-30*.8=26, 20.
 * Row 1 along x: 90, 90-60*.6=54, 30+170*.2=64, 30+170*.8=166, 200.
 * Output rows: y0 = row 0; y1 = halfway: 50 44 54 96 110; y2 = y3 = row 1. */
static const double tf_want[4][5] = {
    {10, 34, 44, 26, 20}, {50, 44, 54, 96, 110}, {90, 54, 64, 166, 200}, {90, 54, 64, 166, 200}};

static void tf_image(struct seer_image *im, uint8_t *px)
{
    for (int i = 0; i < 6; i++) {
        px[3 * i] = tf_r[i];
        px[3 * i + 1] = tf_r[i] / 2;
        px[3 * i + 2] = (uint8_t)(255 - tf_r[i]);
    }
    *im = (struct seer_image){.width = 3, .height = 2, .orig_width = 3, .orig_height = 2, .px = px};
}

TEST(resize_tf_bilinear_hand_worked)
{
    uint8_t px[18];
    float t[5 * 4 * 3];
    uint8_t u[5 * 4 * 3];
    struct seer_image im;
    struct seer_image_prep prep = {.width = 5, .height = 4, .mean = {0, 0, 0}, .std = {1, 1, 1}};
    tf_image(&im, px);
    seer_image_to_tensor(&im, &prep, t);
    seer_image_to_tensor_u8(&im, &prep, u);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++) {
            double r = tf_want[y][x];
            const float *p = t + (y * 5 + x) * 3;
            ASSERT_NEAR(p[0], r, 1e-4);
            ASSERT_NEAR(p[1], r / 2, 1e-4);
            ASSERT_NEAR(p[2], 255 - r, 1e-4);
            ASSERT_EQ(u[(y * 5 + x) * 3], (int)r);
        }

    /* NCHW, BGR, with mean/std given in the tensor's (BGR) order. */
    struct seer_image_prep p2 = {
        .width = 5, .height = 4, .nchw = true, .bgr = true, .mean = {1, 2, 3}, .std = {2, 4, 8}};
    seer_image_to_tensor(&im, &p2, t);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++) {
            double r = tf_want[y][x];
            ASSERT_NEAR(t[0 * 20 + y * 5 + x], (255 - r - 1) / 2, 1e-4); /* B */
            ASSERT_NEAR(t[1 * 20 + y * 5 + x], (r / 2 - 2) / 4, 1e-4);   /* G */
            ASSERT_NEAR(t[2 * 20 + y * 5 + x], (r - 3) / 8, 1e-4);       /* R */
        }
}

TEST(resize_u8_rounds_to_nearest)
{
    /* 1x2 -> 1x4: src y = 0, .5, 1, 1.5; 10 and 13: 10, 11.5 -> 12, 13, 13. BGR swaps. */
    uint8_t px[6] = {10, 0, 200, 13, 0, 201};
    uint8_t u[12];
    struct seer_image im = {.width = 1, .height = 2, .px = px};
    struct seer_image_prep prep = {.width = 1, .height = 4, .bgr = true};
    seer_image_to_tensor_u8(&im, &prep, u);
    ASSERT_EQ(u[2], 10);
    ASSERT_EQ(u[5], 12);
    ASSERT_EQ(u[8], 13);
    ASSERT_EQ(u[11], 13);
    ASSERT_EQ(u[0], 200);
    ASSERT_EQ(u[3], 201); /* 200.5 rounds up */
}

TEST(resize_identity_when_sizes_equal)
{
    enum { W = 300, H = 23 }; /* wider than one x tile */
    uint8_t *px = seer_malloc(W * H * 3), *u = seer_malloc(W * H * 3);
    float *t = seer_malloc(sizeof(float) * W * H * 3);
    for (int i = 0; i < W * H * 3; i++)
        px[i] = (uint8_t)rnd();
    struct seer_image im = {.width = W, .height = H, .px = px};
    struct seer_image_prep prep = {.width = W, .height = H, .mean = {0, 0, 0}, .std = {1, 1, 1}};
    seer_image_to_tensor(&im, &prep, t);
    seer_image_to_tensor_u8(&im, &prep, u);
    int bad = 0;
    for (int i = 0; i < W * H * 3; i++)
        bad += t[i] != (float)px[i] || u[i] != px[i];
    seer_free(px);
    seer_free(u);
    seer_free(t);
    ASSERT_EQ(bad, 0);
}

/* ---- drawing ---- */

TEST(draw_rect_clips_and_counts)
{
    struct canvas c;
    canvas_init(&c, 20, 10, 0);
    seer_image_draw_rect(&c.im, -5, -5, 25, 15, 2, 0xff0000); /* every side off-image */
    ASSERT_EQ(count_rgb(&c.im, 0xff0000), 0);
    seer_image_draw_rect(&c.im, 8, 6, 2, 1, 1, 0xff0000); /* corners in any order */
    ASSERT_EQ(count_rgb(&c.im, 0xff0000), 2 * (7 + 6) - 4);
    ASSERT_EQ(pix(&c.im, 2, 1)[0], 255);
    ASSERT_EQ(pix(&c.im, 3, 2)[0], 0); /* inside untouched */
    canvas_init(&c, 20, 10, 0);
    /* Right and top bands are off-image; bottom 2 rows x 5 + left 2 cols x 6 - 4. */
    seer_image_draw_rect(&c.im, 15, -3, 30, 5, 2, 0x00ff00);
    ASSERT_EQ(count_rgb(&c.im, 0x00ff00), 18);
    canvas_init(&c, 20, 10, 0);
    seer_image_draw_rect(&c.im, INT_MIN, INT_MIN, INT_MAX, INT_MAX, 3, 0x0000ff);
    ASSERT_EQ(count_rgb(&c.im, 0x0000ff), 0);
    seer_image_draw_rect(&c.im, 0, 0, INT_MAX, INT_MAX, INT_MAX, 0x0000ff);
    ASSERT_EQ(count_rgb(&c.im, 0x0000ff), 200); /* thickness fills it all */
    ASSERT(canvas_guards_ok(&c));
}

TEST(draw_label_font_and_clipping)
{
    struct canvas c;
    canvas_init(&c, 40, 20, 128);
    seer_image_draw_label(&c.im, 1, 1, "Hi", 1, 0xffffff, 0x000000);
    /* 'H' has 2x6 + 5 lit pixels, 'i' has 1 + 2 + 3 + 3: 26 in all; the rest of the two
     * 8x13 cells is background. */
    ASSERT_EQ(count_rgb(&c.im, 0xffffff), 26);
    ASSERT_EQ(count_rgb(&c.im, 0x000000), 16 * 13 - 26);
    ASSERT_EQ(pix(&c.im, 2, 3)[0], 255); /* H's top-left: cell (1,1) + glyph offset (1,2) */
    ASSERT_EQ(pix(&c.im, 3, 3)[0], 0);
    ASSERT_EQ(pix(&c.im, 0, 0)[0], 128); /* outside the box */
    ASSERT_EQ(pix(&c.im, 17, 1)[0], 128);
    canvas_init(&c, 40, 20, 128);
    seer_image_draw_label(&c.im, 1, 1, "Hi", 2, 0xffffff, 0x000000);
    ASSERT_EQ(count_rgb(&c.im, 0xffffff), 26 * 4); /* glyph row 6 lands on y 17..18 */
    canvas_init(&c, 40, 20, 128);
    seer_image_draw_label(&c.im, 30, 12, "clipped label \xc3\xa9\x01", 3, 0xffffff, 0x102030);
    seer_image_draw_label(&c.im, -50, -7, "left", 2, 0xffffff, 0x102030);
    ASSERT(canvas_guards_ok(&c));
    ASSERT_EQ(pix(&c.im, 29, 11)[0], 128);
    ASSERT_EQ(pix(&c.im, 30, 12)[0], 0x10);
}

/* ---- encode ---- */

TEST(encode_png_and_jpeg_round_trip)
{
    enum { W = 33, H = 17 };
    uint8_t px[W * H * 3];
    struct seer_image src = {.width = W, .height = H, .px = px};
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_image im;
    struct seer_err err;
    uint8_t *out;
    size_t n;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 3; x++)
            px[y * W * 3 + x] = (uint8_t)(x + y * 4);
    ASSERT_OK(seer_image_encode_png(&src, a, &out, &n, &err));
    ASSERT_EQ(seer_image_sniff(out, n), SEER_IMAGE_PNG);
    ASSERT_OK(seer_image_decode(out, n, NULL, a, &im, &err));
    ASSERT(im.width == W && im.height == H && memcmp(im.px, px, sizeof(px)) == 0);

    ASSERT_OK(seer_image_encode_jpeg(&src, 95, a, &out, &n, &err));
    ASSERT_EQ(seer_image_sniff(out, n), SEER_IMAGE_JPEG);
    ASSERT_OK(seer_image_decode(out, n, NULL, a, &im, &err));
    ASSERT(im.width == W && im.height == H);
    long diff = 0;
    for (size_t i = 0; i < sizeof(px); i++)
        diff += labs((long)im.px[i] - px[i]);
    ASSERT(diff < (long)sizeof(px) * 3); /* lossy, but close: mean error under 3 */
    ASSERT_EQ(seer_image_encode_jpeg(&src, 0, a, &out, &n, &err), SEER_EINVAL);
    src.px = NULL;
    ASSERT_EQ(seer_image_encode_png(&src, a, &out, &n, &err), SEER_EINVAL);
    seer_arena_free(a);
}

/* ---- out-of-memory torture ---- */

/* Runs decode (or PNG encode) with the i-th allocation failing, for every i until one
 * run needs no failure. Each must either succeed or say ENOMEM, and leak nothing. */
static int torture(const uint8_t *p, size_t n, int encode, int *runs)
{
    for (int i = 1; i < 10000; i++) {
        int64_t live = seer_alloc_live();
        struct seer_err err;
        struct seer_image im;
        int rc = SEER_ENOMEM;
        seer_alloc_fail_at(i);
        struct seer_arena *a = seer_arena_new(256);
        if (a)
            rc = seer_image_decode(p, n, NULL, a, &im, &err);
        if (a && !rc && encode) {
            uint8_t *o;
            size_t on;
            rc = seer_image_encode_png(&im, a, &o, &on, &err);
        }
        bool failed = seer_alloc_failed();
        seer_alloc_fail_at(0);
        seer_arena_free(a);
        if (seer_alloc_live() != live)
            return -i; /* leak */
        if (!failed) {
            *runs = i;
            return rc;
        }
        if (rc != SEER_ENOMEM)
            return 1000000 + i;
    }
    return -1;
}

TEST(alloc_torture_png_and_jpeg)
{
    enum { W = 40, H = 30 };
    uint8_t raw[W * H];
    struct spng_plte plte = {.n_entries = 16};
    int runs = 0;
    for (int i = 0; i < 16; i++)
        plte.entries[i].red = plte.entries[i].green = (uint8_t)(i * 16);
    for (int i = 0; i < W * H; i++)
        raw[i] = (uint8_t)(rnd() % 16);
    size_t n;
    uint8_t *png = make_png(W, H, 8, SPNG_COLOR_TYPE_INDEXED, 1, raw, sizeof(raw), &plte, &n);
    ASSERT(png);
    int rc = torture(png, n, 1, &runs);
    seer_free(png);
    ASSERT_OK(rc);
    ASSERT(runs > 3); /* spng's own allocations were reached */

    /* JPEG: libjpeg allocates with its own malloc; ours are the arena, the pre-rotation
     * buffer and the CMYK row, all exercised by a rotated CMYK file. */
    uint8_t cmyk[W * H * 4];
    for (size_t i = 0; i < sizeof(cmyk); i++)
        cmyk[i] = (uint8_t)rnd();
    struct jspec s = {.w = W, .h = H, .in_cs = JCS_CMYK, .orient = 6};
    uint8_t *jpg = make_jpeg(&s, cmyk, &n);
    rc = torture(jpg, n, 0, &runs);
    free(jpg);
    ASSERT_OK(rc);
    ASSERT(runs > 3);
}

T_MAIN(T_CASE(sniff_by_magic_bytes), T_CASE(jpeg_dog_matches_djpeg),
       T_CASE(jpeg_dog_dct_scaled_matches_djpeg), T_CASE(jpeg_grayscale_coco_photo_is_grey_rgb),
       T_CASE(jpeg_dct_scaling_picks_smallest_fitting_size),
       T_CASE(jpeg_dct_scaling_accounts_for_exif_rotation),
       T_CASE(jpeg_exif_orientation_turns_pixels), T_CASE(exif_reader_is_bounded),
       T_CASE(jpeg_cmyk_and_ycck_convert_to_rgb),
       T_CASE(jpeg_progressive_equals_baseline_and_gray_input), T_CASE(png_formats_decode_to_rgb8),
       T_CASE(png_bad_crc_or_truncation_is_format_error),
       T_CASE(png_huge_header_is_limit_before_allocating), T_CASE(bad_input_gets_clear_errors),
       T_CASE(truncated_jpeg_is_format_error), T_CASE(jpeg_progressive_scan_limit),
       T_CASE(jpeg_pixel_limit_from_header), T_CASE(resize_tf_bilinear_hand_worked),
       T_CASE(resize_u8_rounds_to_nearest), T_CASE(resize_identity_when_sizes_equal),
       T_CASE(draw_rect_clips_and_counts), T_CASE(draw_label_font_and_clipping),
       T_CASE(encode_png_and_jpeg_round_trip), T_CASE(alloc_torture_png_and_jpeg))
