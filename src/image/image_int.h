/*
 * Internals of the image module, shared by its files only. The decoders fill a struct
 * seer_image whose pixels borrow from the caller's arena; scratch buffers they need are
 * owned by the decoder and freed before it returns, on every path.
 */
#ifndef SEER_IMAGE_INT_H
#define SEER_IMAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/image.h>

/* Default decoded pixel limit when seer_image_opts.max_pixels is 0: 100 megapixels. */
#define SEER__IMAGE_DEFAULT_MAX_PIXELS ((int64_t)100 * 1000 * 1000)

/* The decoders, called by seer_image_decode after sniffing. opt is never NULL here and
 * max_pixels is already resolved (> 0). */
int seer__image_decode_jpeg(const uint8_t *p, size_t n, const struct seer_image_opts *opt,
                            int64_t max_pixels, struct seer_arena *a, struct seer_image *out,
                            struct seer_err *err);
int seer__image_decode_png(const uint8_t *p, size_t n, int64_t max_pixels, struct seer_arena *a,
                           struct seer_image *out, struct seer_err *err);

/* spng allocates through these (seer_malloc & co.). zlib's inflate reports running out of
 * memory to spng, which reports it to us as a broken IDAT stream; so the wrappers note a
 * failed allocation in a per-thread flag that seer__spng_oom_take returns and clears. */
struct spng_alloc;
void seer__spng_alloc_init(struct spng_alloc *al);
bool seer__spng_oom_take(void);

/* EXIF orientation (1..8) from the body of a JPEG APP1 segment ("Exif\0\0" + TIFF).
 * Returns 1 (as stored) when the segment is not EXIF, has no orientation tag, or is
 * malformed: a broken EXIF block must never make a good photo undecodable. */
int seer__exif_orientation(const uint8_t *p, size_t n);

/* True when EXIF orientation o swaps width and height (the 90 degree cases 5..8). */
static inline int seer__orient_swaps(int o)
{
    return o >= 5 && o <= 8;
}

/* Writes src (w x h RGB) into dst with EXIF orientation o applied; dst is h x w for the
 * orientations that swap. src and dst must not overlap. */
void seer__image_orient(const uint8_t *src, int w, int h, int o, uint8_t *dst);

#endif /* SEER_IMAGE_INT_H */
