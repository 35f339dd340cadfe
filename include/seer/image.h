/*
 * Images: decode (JPEG, PNG; format from the bytes), EXIF orientation, resize to a
 * model's input with normalisation fused in, drawing, encode.
 *
 * A decoded image is 8-bit RGB, interleaved, rows of width*3 bytes. Its pixels borrow
 * from the arena passed to the decoder (valid until that arena is reset or freed).
 */
#ifndef SEER_IMAGE_H
#define SEER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

struct seer_arena;

enum seer_image_format {
    SEER_IMAGE_UNKNOWN = 0,
    SEER_IMAGE_JPEG,
    SEER_IMAGE_PNG,
    SEER_IMAGE_WEBP,
};

struct seer_image {
    int width, height;        /* of px, after EXIF orientation and any DCT scaling */
    int orig_width;           /* full-resolution size after EXIF orientation: boxes */
    int orig_height;          /*   are reported in these pixels */
    uint8_t *px;              /* RGB, borrowed from the decode arena */
};

struct seer_image_opts {
    int64_t max_pixels;       /* decoded pixel limit (width*height from the header);
                                 0 means the default, 100 megapixels */
    int min_width;            /* JPEG only: decode with DCT scaling to the smallest */
    int min_height;           /*   size that is still >= these (0: full size) */
    bool no_exif;             /* ignore EXIF orientation */
};

/* The format the bytes start with (magic numbers), whatever the file is called. */
enum seer_image_format seer_image_sniff(const uint8_t *p, size_t n);
const char *seer_image_format_name(enum seer_image_format f);

/* Decodes p[0..n) into out. opt may be NULL. Errors: EFORMAT (not an image, truncated,
 * bad CRC; the message says which), ELIMIT (over max_pixels), EUNSUPPORTED. */
int seer_image_decode(const uint8_t *p, size_t n, const struct seer_image_opts *opt,
                      struct seer_arena *a, struct seer_image *out, struct seer_err *err);

/* How a model wants its input tensor. */
struct seer_image_prep {
    int width, height;        /* model input size */
    bool nchw;                /* false: NHWC */
    bool bgr;                 /* channel order of the tensor */
    float mean[3], std[3];    /* per channel, in the tensor's channel order:
                                 value = (pixel - mean) / std */
};

/* Stretches img to prep->width x prep->height with TensorFlow's bilinear resize
 * (align_corners=false, half_pixel_centers=false), computed in double and rounded once
 * to float32, normalises, and writes float32 into dst (width*height*3 floats). Scales
 * are relative to img's own size (orig size only matters for box mapping). */
void seer_image_to_tensor(const struct seer_image *img, const struct seer_image_prep *prep,
                          float *dst);
/* The same for uint8 models: bilinear resize, rounded to nearest, RGB/BGR, NHWC (NCHW when
 * prep->nchw). mean and std are not applied. */
void seer_image_to_tensor_u8(const struct seer_image *img, const struct seer_image_prep *prep,
                             uint8_t *dst);

/* Drawing on img in place (clipped to the image). Colours are 0xRRGGBB. A rectangle's
 * corners are inclusive and its lines grow inwards from them by thickness pixels. */
void seer_image_draw_rect(struct seer_image *img, int x0, int y0, int x1, int y1,
                          int thickness, uint32_t rgb);
/* Text in a built-in bitmap font, scale 1 = 8x13 px cells, on a filled background box
 * whose top-left corner is (x, y). Bytes outside printable ASCII show as '?'. */
void seer_image_draw_label(struct seer_image *img, int x, int y, const char *text, int scale,
                           uint32_t fg, uint32_t bg);

/* Encodes img as PNG into the arena (*out borrowed from a). */
int seer_image_encode_png(const struct seer_image *img, struct seer_arena *a, uint8_t **out,
                          size_t *n, struct seer_err *err);
/* Encodes img as JPEG (quality 1..100) into the arena. */
int seer_image_encode_jpeg(const struct seer_image *img, int quality, struct seer_arena *a,
                           uint8_t **out, size_t *n, struct seer_err *err);

#endif /* SEER_IMAGE_H */
