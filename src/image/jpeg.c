/*
 * JPEG decoding with libjpeg-turbo: baseline and progressive, grayscale, YCbCr/RGB and
 * CMYK/YCCK, EXIF orientation, DCT scaling for big photos and a pixel limit checked
 * against the header before anything large is allocated.
 *
 * libjpeg reports errors by calling error_exit, which must not return; ours longjmps
 * back into run(). So that nothing leaks on that path, every resource lives in struct
 * jdec (in the caller's frame, outside the function that calls setjmp) and the caller
 * frees it whatever run() returned. libjpeg's own memory comes from its own allocator
 * and is released by jpeg_destroy_decompress.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "image/image_int.h"

/* Legitimate progressive JPEGs use around ten scans; a file with thousands of tiny scans
 * is a known way to make a decoder spin, so we refuse it (TurboJPEG does the same). */
#define MAX_SCANS 500

struct jdec {
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    int rc;                         /* status to return after a longjmp */
    char msg[JMSG_LENGTH_MAX + 16]; /* libjpeg's message or ours */
    /* Inputs and outputs of run(). */
    const uint8_t *p;
    size_t n;
    const struct seer_image_opts *opt;
    int64_t max_pixels;
    struct seer_arena *arena;
    struct seer_image *out;
    /* Scratch owned by the decoder, freed by the caller of run(). */
    uint8_t *tmp;  /* decoded rows before orientation, or NULL */
    uint8_t *row4; /* one CMYK row, or NULL */
};

static _Noreturn void fail(struct jdec *d, int rc)
{
    d->rc = rc;
    longjmp(d->jb, 1);
}

static void on_error(j_common_ptr c)
{
    struct jdec *d = (struct jdec *)((char *)c->err - offsetof(struct jdec, jerr));
    int code = c->err->msg_code;
    int rc = SEER_EFORMAT;
    char lib[JMSG_LENGTH_MAX];

    c->err->format_message(c, lib);
    snprintf(d->msg, sizeof(d->msg), "bad JPEG: %s", lib);
    if (code == JERR_OUT_OF_MEMORY)
        rc = SEER_ENOMEM;
    else if (code == JERR_BAD_PRECISION || code == JERR_NOT_COMPILED || code == JERR_ARITH_NOTIMPL)
        rc = SEER_EUNSUPPORTED;
    fail(d, rc);
}

/* Warnings (level -1) are tolerated, as every browser does, except for one: libjpeg's
 * memory source pads a file that ends early with a fake end marker and only warns, which
 * would hand back a half-grey picture as a success. */
static void on_message(j_common_ptr c, int level)
{
    struct jdec *d = (struct jdec *)((char *)c->err - offsetof(struct jdec, jerr));

    if (level >= 0)
        return;
    if (c->err->msg_code == JWRN_JPEG_EOF) {
        snprintf(d->msg, sizeof(d->msg), "truncated JPEG: the data ends before the image does");
        fail(d, SEER_EFORMAT);
    }
    c->err->num_warnings++;
}

static void on_progress(j_common_ptr c)
{
    struct jdec *d = (struct jdec *)((char *)c->err - offsetof(struct jdec, jerr));

    if (d->ci.progressive_mode && d->ci.input_scan_number > MAX_SCANS) {
        snprintf(d->msg, sizeof(d->msg), "progressive JPEG with more than %d scans", MAX_SCANS);
        fail(d, SEER_ELIMIT);
    }
}

static int find_orientation(j_decompress_ptr ci)
{
    for (jpeg_saved_marker_ptr m = ci->marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1)
            continue;
        int o = seer__exif_orientation(m->data, m->data_length);
        if (o != 1)
            return o;
    }
    return 1;
}

/* The smallest DCT scale num/8 whose output, turned by the EXIF orientation, is still
 * at least min_w x min_h; full size when even 8/8 is smaller. libjpeg's own rounding for
 * scaled output is ceil(size * num / 8). */
static unsigned pick_scale(unsigned w, unsigned h, int orient, int min_w, int min_h)
{
    if (seer__orient_swaps(orient)) {
        unsigned t = w;
        w = h;
        h = t;
    }
    for (unsigned num = 1; num < 8; num++) {
        uint64_t sw = ((uint64_t)w * num + 7) / 8, sh = ((uint64_t)h * num + 7) / 8;
        if (sw >= (uint64_t)min_w && sh >= (uint64_t)min_h)
            return num;
    }
    return 8;
}

/* Adobe's CMYK JPEGs (Photoshop and nearly every other writer that sets the APP14
 * marker) store the channels inverted: 255 means no ink. */
static void cmyk_to_rgb(const uint8_t *s, uint8_t *d, unsigned w, int inverted)
{
    for (unsigned i = 0; i < w; i++, s += 4, d += 3) {
        unsigned c = s[0], m = s[1], y = s[2], k = s[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        d[0] = (uint8_t)(c * k / 255);
        d[1] = (uint8_t)(m * k / 255);
        d[2] = (uint8_t)(y * k / 255);
    }
}

static int run(struct jdec *d)
{
    j_decompress_ptr ci = &d->ci;
    size_t npx, nbytes, stride;
    int orient, cmyk;
    uint8_t *px, *rows;

    if (setjmp(d->jb))
        return d->rc;
    jpeg_create_decompress(ci);
    ci->progress = &d->progress;
    jpeg_mem_src(ci, d->p, (unsigned long)d->n);
    jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
    if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK) {
        snprintf(d->msg, sizeof(d->msg), "JPEG has no image (tables only)");
        return SEER_EFORMAT;
    }

    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        ci->out_color_space = JCS_RGB;
        cmyk = 0;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        ci->out_color_space = JCS_CMYK; /* libjpeg turns YCCK into CMYK for us */
        cmyk = 1;
        break;
    default:
        snprintf(d->msg, sizeof(d->msg), "JPEG with %d colour components is not supported",
                 ci->num_components);
        return SEER_EUNSUPPORTED;
    }

    if ((uint64_t)ci->image_width * ci->image_height > (uint64_t)d->max_pixels) {
        snprintf(d->msg, sizeof(d->msg), "JPEG is %ux%u = %llu pixels, over the limit of %lld",
                 ci->image_width, ci->image_height,
                 (unsigned long long)ci->image_width * ci->image_height, (long long)d->max_pixels);
        return SEER_ELIMIT;
    }

    orient = d->opt->no_exif ? 1 : find_orientation(ci);
    if (d->opt->min_width > 0 || d->opt->min_height > 0) {
        ci->scale_num = pick_scale(ci->image_width, ci->image_height, orient, d->opt->min_width,
                                   d->opt->min_height);
        ci->scale_denom = 8;
    }
    jpeg_calc_output_dimensions(ci);

    npx = (size_t)ci->output_width * ci->output_height;
    if (!seer_mul_size(npx, 3, &nbytes)) {
        snprintf(d->msg, sizeof(d->msg), "JPEG size overflows");
        return SEER_ELIMIT;
    }
    stride = (size_t)ci->output_width * 3;
    px = seer_arena_alloc(d->arena, nbytes);
    rows = px;
    if (px && orient != 1)
        rows = d->tmp = seer_malloc(nbytes);
    if (px && cmyk)
        d->row4 = seer_malloc((size_t)ci->output_width * 4);
    if (!px || !rows || (cmyk && !d->row4)) {
        snprintf(d->msg, sizeof(d->msg), "out of memory for a %ux%u JPEG", ci->output_width,
                 ci->output_height);
        return SEER_ENOMEM;
    }

    jpeg_start_decompress(ci);
    if (ci->output_components != (cmyk ? 4 : 3)) {
        snprintf(d->msg, sizeof(d->msg), "JPEG decoder gave %d components", ci->output_components);
        return SEER_EFORMAT;
    }
    while (ci->output_scanline < ci->output_height) {
        uint8_t *dst = rows + (size_t)ci->output_scanline * stride;
        JSAMPROW row = cmyk ? d->row4 : dst;
        if (jpeg_read_scanlines(ci, &row, 1) != 1) {
            /* Only a suspending data source returns 0 lines; ours never suspends. */
            snprintf(d->msg, sizeof(d->msg), "JPEG decoder stopped at row %u", ci->output_scanline);
            return SEER_EFORMAT;
        }
        if (cmyk)
            cmyk_to_rgb(d->row4, dst, ci->output_width, ci->saw_Adobe_marker);
    }

    if (orient != 1)
        seer__image_orient(rows, (int)ci->output_width, (int)ci->output_height, orient, px);
    if (seer__orient_swaps(orient)) {
        d->out->width = (int)ci->output_height;
        d->out->height = (int)ci->output_width;
        d->out->orig_width = (int)ci->image_height;
        d->out->orig_height = (int)ci->image_width;
    } else {
        d->out->width = (int)ci->output_width;
        d->out->height = (int)ci->output_height;
        d->out->orig_width = (int)ci->image_width;
        d->out->orig_height = (int)ci->image_height;
    }
    d->out->px = px;
    return SEER_OK;
}

int seer__image_decode_jpeg(const uint8_t *p, size_t n, const struct seer_image_opts *opt,
                            int64_t max_pixels, struct seer_arena *a, struct seer_image *out,
                            struct seer_err *err)
{
    struct jdec d;
    int rc;

    memset(&d, 0, sizeof(d));
    d.ci.err = jpeg_std_error(&d.jerr);
    d.jerr.error_exit = on_error;
    d.jerr.emit_message = on_message;
    d.progress.progress_monitor = on_progress;
    d.p = p;
    d.n = n;
    d.opt = opt;
    d.max_pixels = max_pixels;
    d.arena = a;
    d.out = out;

    rc = run(&d);
    if (rc) {
        memset(out, 0, sizeof(*out));
        seer_errf(err, rc, "%s", d.msg);
    }
    jpeg_destroy_decompress(&d.ci); /* safe on a half-created struct: it checks mem */
    seer_free(d.tmp);
    seer_free(d.row4);
    return rc;
}
