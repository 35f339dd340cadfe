/*
 * Encoding an RGB image as PNG (libspng) or JPEG (libjpeg-turbo) into the caller's
 * arena, for responses that carry a picture (boxes drawn on a photo).
 *
 * Both libraries build the file in a growing heap buffer of ours (seer_malloc), which
 * is copied into the arena once its size is known and then freed; libjpeg's errors
 * longjmp out of run_jpeg(), so that buffer lives in struct jenc, which the caller of
 * run_jpeg() frees on every path.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <spng.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "image/image_int.h"

static int check_image(const struct seer_image *img, struct seer_err *err)
{
    if (!img || !img->px || img->width <= 0 || img->height <= 0)
        return seer_errf(err, SEER_EINVAL, "encode: empty image");
    return 0;
}

int seer_image_encode_png(const struct seer_image *img, struct seer_arena *a, uint8_t **out,
                          size_t *n, struct seer_err *err)
{
    struct spng_alloc alloc;
    struct spng_ihdr ihdr = {0};
    spng_ctx *ctx = NULL;
    uint8_t *png = NULL;
    size_t len, png_len = 0;
    int e = 0, rc;

    *out = NULL;
    *n = 0;
    if ((rc = check_image(img, err)))
        return rc;
    if (!seer_mul_size((size_t)img->width * 3, (size_t)img->height, &len))
        return seer_errf(err, SEER_EINVAL, "encode: image size overflows");
    seer__spng_alloc_init(&alloc);
    ctx = spng_ctx_new2(&alloc, SPNG_CTX_ENCODER);
    if (!ctx)
        return seer_errf(err, SEER_ENOMEM, "out of memory encoding PNG");
    ihdr.width = (uint32_t)img->width;
    ihdr.height = (uint32_t)img->height;
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
    if ((e = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1)) || (e = spng_set_ihdr(ctx, &ihdr)) ||
        (e = spng_encode_image(ctx, img->px, len, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE)))
        goto out;
    /* The buffer now belongs to us, allocated with our allocator. */
    png = spng_get_png_buffer(ctx, &png_len, &e);
    if (!png)
        goto out;
    *out = seer_arena_memdup(a, png, png_len);
    if (!*out) {
        e = SPNG_EMEM;
        goto out;
    }
    *n = png_len;
out:
    seer_free(png);
    spng_ctx_free(ctx);
    if (!e)
        return SEER_OK;
    if (seer__spng_oom_take() || e == SPNG_EMEM || e == SPNG_EZLIB_INIT)
        return seer_errf(err, SEER_ENOMEM, "out of memory encoding PNG");
    return seer_errf(err, SEER_EINVAL, "encode PNG: %s", spng_strerror(e));
}

struct jenc {
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    struct jpeg_destination_mgr dest;
    jmp_buf jb;
    int rc;
    char msg[JMSG_LENGTH_MAX];
    uint8_t *buf; /* the file so far, seer_malloc'd; freed by the caller of run_jpeg */
    size_t cap;   /* bytes allocated at buf */
    size_t len;   /* bytes written, set when the encoder finishes */
};

#define JENC(c) ((struct jenc *)((char *)(c)-offsetof(struct jenc, ci)))

static void enc_error(j_common_ptr c)
{
    struct jenc *d = JENC(c);

    c->err->format_message(c, d->msg);
    d->rc = c->err->msg_code == JERR_OUT_OF_MEMORY ? SEER_ENOMEM : SEER_EINVAL;
    longjmp(d->jb, 1);
}

static void dest_init(j_compress_ptr ci)
{
    struct jenc *d = JENC(ci);

    d->cap = 64 * 1024;
    d->buf = seer_malloc(d->cap);
    if (!d->buf)
        ERREXIT1(ci, JERR_OUT_OF_MEMORY, 0);
    d->dest.next_output_byte = d->buf;
    d->dest.free_in_buffer = d->cap;
}

/* libjpeg calls this when the buffer is full; we keep everything and double it. */
static boolean dest_grow(j_compress_ptr ci)
{
    struct jenc *d = JENC(ci);
    size_t cap;
    uint8_t *nb;

    if (!seer_mul_size(d->cap, 2, &cap) || !(nb = seer_realloc(d->buf, cap)))
        ERREXIT1(ci, JERR_OUT_OF_MEMORY, 1);
    d->buf = nb;
    d->dest.next_output_byte = nb + d->cap;
    d->dest.free_in_buffer = cap - d->cap;
    d->cap = cap;
    return TRUE;
}

static void dest_term(j_compress_ptr ci)
{
    struct jenc *d = JENC(ci);

    d->len = d->cap - d->dest.free_in_buffer;
}

static int run_jpeg(struct jenc *d, const struct seer_image *img, int quality)
{
    j_compress_ptr ci = &d->ci;
    size_t stride = (size_t)img->width * 3;

    if (setjmp(d->jb))
        return d->rc;
    jpeg_create_compress(ci);
    ci->dest = &d->dest;
    ci->image_width = (JDIMENSION)img->width;
    ci->image_height = (JDIMENSION)img->height;
    ci->input_components = 3;
    ci->in_color_space = JCS_RGB;
    jpeg_set_defaults(ci);
    jpeg_set_quality(ci, quality, TRUE);
    jpeg_start_compress(ci, TRUE);
    while (ci->next_scanline < ci->image_height) {
        /* libjpeg's API is not const-correct; it only reads the row. */
        JSAMPROW row = (JSAMPROW)(img->px + (size_t)ci->next_scanline * stride);
        jpeg_write_scanlines(ci, &row, 1);
    }
    jpeg_finish_compress(ci);
    return SEER_OK;
}

int seer_image_encode_jpeg(const struct seer_image *img, int quality, struct seer_arena *a,
                           uint8_t **out, size_t *n, struct seer_err *err)
{
    struct jenc d;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = check_image(img, err)))
        return rc;
    if (quality < 1 || quality > 100)
        return seer_errf(err, SEER_EINVAL, "encode JPEG: quality %d is not in 1..100", quality);
    if (img->width > JPEG_MAX_DIMENSION || img->height > JPEG_MAX_DIMENSION)
        return seer_errf(err, SEER_EINVAL, "encode JPEG: %dx%d is over JPEG's %d limit", img->width,
                         img->height, (int)JPEG_MAX_DIMENSION);

    memset(&d, 0, sizeof(d));
    d.ci.err = jpeg_std_error(&d.jerr);
    d.jerr.error_exit = enc_error;
    d.dest.init_destination = dest_init;
    d.dest.empty_output_buffer = dest_grow;
    d.dest.term_destination = dest_term;

    rc = run_jpeg(&d, img, quality);
    if (rc) {
        seer_errf(err, rc, "encode JPEG: %s", d.msg);
    } else {
        *out = seer_arena_memdup(a, d.buf, d.len);
        if (*out)
            *n = d.len;
        else
            rc = seer_errf(err, SEER_ENOMEM, "out of memory encoding JPEG");
    }
    jpeg_destroy_compress(&d.ci);
    seer_free(d.buf);
    return rc;
}
