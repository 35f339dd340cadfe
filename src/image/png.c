/*
 * PNG decoding with libspng. Every colour type and bit depth (palette, grey, grey+alpha,
 * RGB, RGBA, 1..16 bits, interlaced or not) comes out as 8-bit RGB. Alpha is dropped,
 * not composited: that is what TensorFlow's decode_png(channels=3) does, and the models
 * we serve were trained on pixels decoded that way. 16-bit samples keep their high byte.
 *
 * spng allocates through seer_malloc & co., so its memory is counted and the
 * out-of-memory torture tests reach inside it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <spng.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "image/image_int.h"

/* Ancillary chunks (text, ICC profiles, EXIF) are read and kept by spng; bound what a
 * hostile file can make it hold. Pixel data (IDAT) is not subject to these limits. */
#define MAX_CHUNK_BYTES ((size_t)16 << 20)
#define MAX_CACHE_BYTES ((size_t)32 << 20)

static _Thread_local bool spng_oom;

static void *al_malloc(size_t n)
{
    void *p = seer_malloc(n);
    spng_oom |= !p;
    return p;
}

static void *al_realloc(void *p, size_t n)
{
    void *q = seer_realloc(p, n);
    spng_oom |= !q;
    return q;
}

static void *al_calloc(size_t count, size_t size)
{
    void *p = seer_calloc(count, size);
    spng_oom |= !p;
    return p;
}

void seer__spng_alloc_init(struct spng_alloc *al)
{
    al->malloc_fn = al_malloc;
    al->realloc_fn = al_realloc;
    al->calloc_fn = al_calloc;
    al->free_fn = seer_free;
    spng_oom = false;
}

bool seer__spng_oom_take(void)
{
    bool oom = spng_oom;

    spng_oom = false;
    return oom;
}

static int spng_status(int e, struct seer_err *err)
{
    /* Whatever spng called it, an error after a failed allocation is out of memory. */
    if (seer__spng_oom_take())
        e = SPNG_EMEM;
    switch (e) {
    case SPNG_EMEM:
    case SPNG_EZLIB_INIT: /* zlib's init fails only when it cannot allocate */
        return seer_errf(err, SEER_ENOMEM, "out of memory decoding PNG");
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT:
        return seer_errf(err, SEER_ELIMIT, "PNG is too large (%s)", spng_strerror(e));
    case SPNG_ECHUNK_LIMITS:
        return seer_errf(err, SEER_ELIMIT, "PNG has an ancillary chunk over %zu bytes",
                         MAX_CHUNK_BYTES);
    case SPNG_ECHUNK_CRC:
        return seer_errf(err, SEER_EFORMAT, "bad PNG: CRC mismatch (%s)", spng_strerror(e));
    case SPNG_IO_EOF:
    case SPNG_EOF:
        return seer_errf(err, SEER_EFORMAT,
                         "truncated PNG: the data ends before the image "
                         "does (%s)",
                         spng_strerror(e));
    default: return seer_errf(err, SEER_EFORMAT, "bad PNG: %s", spng_strerror(e));
    }
}

int seer__image_decode_png(const uint8_t *p, size_t n, int64_t max_pixels, struct seer_arena *a,
                           struct seer_image *out, struct seer_err *err)
{
    struct spng_alloc alloc;
    struct spng_ihdr ihdr;
    spng_ctx *ctx;
    size_t len;
    uint8_t *px;
    uint32_t dim_limit;
    int e, rc = 0;

    seer__spng_alloc_init(&alloc);
    ctx = spng_ctx_new2(&alloc, 0);
    if (!ctx)
        return seer_errf(err, SEER_ENOMEM, "out of memory decoding PNG");

    /* A broken CRC in a critical chunk (IHDR, PLTE, IDAT) is an error; in an ancillary
     * chunk we drop that chunk, as browsers do, since we never use its contents. */
    spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_DISCARD);
    dim_limit = max_pixels > INT32_MAX ? INT32_MAX : (uint32_t)max_pixels;
    if ((e = spng_set_image_limits(ctx, dim_limit, dim_limit)) ||
        (e = spng_set_chunk_limits(ctx, MAX_CHUNK_BYTES, MAX_CACHE_BYTES)) ||
        (e = spng_set_png_buffer(ctx, p, n)) || (e = spng_get_ihdr(ctx, &ihdr))) {
        rc = spng_status(e, err);
        goto out;
    }
    /* Decide on the header alone, before spng or we allocate anything image-sized. */
    if ((uint64_t)ihdr.width * ihdr.height > (uint64_t)max_pixels) {
        rc = seer_errf(err, SEER_ELIMIT, "PNG is %ux%u = %llu pixels, over the limit of %lld",
                       ihdr.width, ihdr.height, (unsigned long long)ihdr.width * ihdr.height,
                       (long long)max_pixels);
        goto out;
    }
    if ((e = spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &len))) {
        rc = spng_status(e, err);
        goto out;
    }
    px = seer_arena_alloc(a, len);
    if (!px) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory for a %ux%u PNG", ihdr.width, ihdr.height);
        goto out;
    }
    /* spng stops reading when the pixels are complete; the chunks after them (the last
     * IDAT's CRC, IEND) are read too, so that a damaged or cut file is not taken as whole. */
    if ((e = spng_decode_image(ctx, px, len, SPNG_FMT_RGB8, 0)) || (e = spng_decode_chunks(ctx))) {
        rc = spng_status(e, err);
        goto out;
    }
    out->width = out->orig_width = (int)ihdr.width;
    out->height = out->orig_height = (int)ihdr.height;
    out->px = px;
out:
    spng_ctx_free(ctx);
    return rc;
}
