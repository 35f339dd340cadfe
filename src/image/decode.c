/* Image decoding entry point: format sniffing, option defaults, EXIF orientation. */
#include <string.h>

#include <seer/image.h>

#include "core/compiler.h"
#include "image/image_int.h"

enum seer_image_format seer_image_sniff(const uint8_t *p, size_t n)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (!p)
        return SEER_IMAGE_UNKNOWN;
    /* SOI followed by the first marker's 0xFF: every JPEG variant starts this way. */
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return SEER_IMAGE_JPEG;
    if (n >= 8 && memcmp(p, png_sig, 8) == 0)
        return SEER_IMAGE_PNG;
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return SEER_IMAGE_WEBP;
    return SEER_IMAGE_UNKNOWN;
}

const char *seer_image_format_name(enum seer_image_format f)
{
    switch (f) {
    case SEER_IMAGE_JPEG: return "JPEG";
    case SEER_IMAGE_PNG: return "PNG";
    case SEER_IMAGE_WEBP: return "WebP";
    case SEER_IMAGE_UNKNOWN: break;
    }
    return "unknown";
}

int seer_image_decode(const uint8_t *p, size_t n, const struct seer_image_opts *opt,
                      struct seer_arena *a, struct seer_image *out, struct seer_err *err)
{
    static const struct seer_image_opts defaults = {0};
    int64_t max_pixels;

    SEER_ASSERT(a && out && (p || n == 0));
    memset(out, 0, sizeof(*out));
    if (!opt)
        opt = &defaults;
    if (opt->max_pixels < 0 || opt->min_width < 0 || opt->min_height < 0)
        return seer_errf(err, SEER_EINVAL, "image options: negative limit or size");
    max_pixels = opt->max_pixels ? opt->max_pixels : SEER__IMAGE_DEFAULT_MAX_PIXELS;
    if (n == 0)
        return seer_errf(err, SEER_EFORMAT, "empty image (0 bytes)");

    switch (seer_image_sniff(p, n)) {
    case SEER_IMAGE_JPEG: return seer__image_decode_jpeg(p, n, opt, max_pixels, a, out, err);
    case SEER_IMAGE_PNG: return seer__image_decode_png(p, n, max_pixels, a, out, err);
    case SEER_IMAGE_WEBP:
        /* libwebp is not among the project's dependencies; say so instead of "bad file". */
        return seer_errf(err, SEER_EUNSUPPORTED, "WebP is not supported; send JPEG or PNG");
    case SEER_IMAGE_UNKNOWN: break;
    }
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return seer_errf(err, SEER_EUNSUPPORTED, "GIF is not supported; send JPEG or PNG");
    return seer_errf(err, SEER_EFORMAT,
                     "not a JPEG or PNG image (%zu bytes starting %02x %02x %02x %02x)", n, p[0],
                     n > 1 ? p[1] : 0, n > 2 ? p[2] : 0, n > 3 ? p[3] : 0);
}

/*
 * EXIF orientation o says how the stored rows must be turned for display:
 *   1 as stored            2 mirrored left-right     3 turned 180 degrees
 *   4 mirrored top-bottom  5 transposed              6 turned 90 degrees clockwise
 *   7 transversed          8 turned 90 degrees counter-clockwise
 * Each is a transpose or not followed by mirroring x and/or y. For output pixel (x, y),
 * (u, v) is (y, x) when transposing, else (x, y), and the stored pixel read is
 * (flip_x ? w - 1 - u : u, flip_y ? h - 1 - v : v).
 */
void seer__image_orient(const uint8_t *src, int w, int h, int o, uint8_t *dst)
{
    static const struct {
        bool swap, flip_x, flip_y;
    } t[9] = {
        [1] = {0, 0, 0}, [2] = {0, 1, 0}, [3] = {0, 1, 1}, [4] = {0, 0, 1},
        [5] = {1, 0, 0}, [6] = {1, 0, 1}, [7] = {1, 1, 1}, [8] = {1, 1, 0},
    };
    int k = o >= 1 && o <= 8 ? o : 1;
    int ow = t[k].swap ? h : w, oh = t[k].swap ? w : h;
    size_t stride = (size_t)w * 3;

    for (int y = 0; y < oh; y++) {
        uint8_t *d = dst + (size_t)y * ow * 3;
        for (int x = 0; x < ow; x++, d += 3) {
            int u = t[k].swap ? y : x, v = t[k].swap ? x : y;
            int sx = t[k].flip_x ? w - 1 - u : u, sy = t[k].flip_y ? h - 1 - v : v;
            const uint8_t *s = src + (size_t)sy * stride + (size_t)sx * 3;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
    }
}
