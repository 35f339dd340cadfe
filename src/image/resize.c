/*
 * Resizing a decoded image into a model's input tensor.
 *
 * The models were trained and checked against TensorFlow's ResizeBilinear with
 * align_corners=false and half_pixel_centers=false, evaluated in double precision and
 * rounded once to float32 (the reference pipeline). To get the same numbers we follow
 * its arithmetic step for step, in the same order:
 *   scale = in / out;  src = dst * scale;  i0 = floor(src);  i1 = min(i0 + 1, in - 1)
 *   top = tl + (tr - tl) * dx;  bottom = bl + (br - bl) * dx;  v = top + (bottom - top) * dy
 * and only then normalise in float32: (v - mean) / std.
 *
 * This runs on every request. The x taps and weights are worked out once per call, in
 * tiles of XTILE columns kept on the stack, so no allocation is needed and a bad size
 * cannot fail halfway. Rows are independent, so big outputs are split over the calling
 * thread's OpenMP team (the detect path has just set it to the model's thread count):
 * at 2 threads this step was the main gap between model time and end-to-end time.
 */
#include <math.h>
#include <stdint.h>

#include <seer/image.h>

#include "core/compiler.h"

#define XTILE 256

struct xtap {
    int x0, x1; /* byte offsets of the left and right source pixels in a row */
    double dx;  /* weight of the right pixel */
};

static void tap(int i, double scale, int in, int *i0, int *i1, double *frac)
{
    double src = (double)i * scale;
    int lo = (int)floor(src);

    /* src < in holds mathematically; the clamp guards against rounding at the edge. */
    if (lo > in - 1)
        lo = in - 1;
    *i0 = lo;
    *i1 = lo + 1 < in ? lo + 1 : in - 1;
    *frac = src - (double)lo;
}

/* One pass for both output types: exactly one of f32 and u8 is not NULL. */
static void resize(const struct seer_image *img, const struct seer_image_prep *prep, float *f32,
                   uint8_t *u8)
{
    const int iw = img->width, ih = img->height, ow = prep->width, oh = prep->height;
    const double sx = (double)iw / ow, sy = (double)ih / oh;
    const size_t stride = (size_t)iw * 3, plane = (size_t)ow * oh;
    const int src_c[3] = {prep->bgr ? 2 : 0, 1, prep->bgr ? 0 : 2};
    struct xtap xt[XTILE];

    SEER_ASSERT(img->px && iw > 0 && ih > 0 && ow > 0 && oh > 0);
    for (int tx = 0; tx < ow; tx += XTILE) {
        int nt = ow - tx < XTILE ? ow - tx : XTILE;
        for (int i = 0; i < nt; i++) {
            int x0, x1;
            tap(tx + i, sx, iw, &x0, &x1, &xt[i].dx);
            xt[i].x0 = x0 * 3;
            xt[i].x1 = x1 * 3;
        }
#pragma omp parallel for schedule(static) if ((int64_t)oh * nt >= 32768)
        for (int y = 0; y < oh; y++) {
            int y0, y1;
            double dy;
            tap(y, sy, ih, &y0, &y1, &dy);
            const uint8_t *r0 = img->px + (size_t)y0 * stride;
            const uint8_t *r1 = img->px + (size_t)y1 * stride;
            size_t o = (size_t)y * ow + (size_t)tx;
            for (int i = 0; i < nt; i++, o++) {
                const struct xtap *t = &xt[i];
                for (int c = 0; c < 3; c++) {
                    int s = src_c[c];
                    double tl = r0[t->x0 + s], tr = r0[t->x1 + s];
                    double bl = r1[t->x0 + s], br = r1[t->x1 + s];
                    double top = tl + (tr - tl) * t->dx;
                    double bottom = bl + (br - bl) * t->dx;
                    double v = top + (bottom - top) * dy;
                    size_t at = prep->nchw ? (size_t)c * plane + o : o * 3 + (size_t)c;
                    if (f32)
                        f32[at] = ((float)v - prep->mean[c]) / prep->std[c];
                    else
                        u8[at] = (uint8_t)floor(v + 0.5);
                }
            }
        }
    }
}

void seer_image_to_tensor(const struct seer_image *img, const struct seer_image_prep *prep,
                          float *dst)
{
    SEER_ASSERT(dst);
    resize(img, prep, dst, NULL);
}

void seer_image_to_tensor_u8(const struct seer_image *img, const struct seer_image_prep *prep,
                             uint8_t *dst)
{
    SEER_ASSERT(dst);
    resize(img, prep, NULL, dst);
}
