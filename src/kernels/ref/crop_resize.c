/*
 * Reference CropAndResize (method "bilinear") with TensorFlow's arithmetic: image
 * [B,H,W,C] (float32 or uint8), boxes [N,4] normalised (y1, x1, y2, x2; a flipped box
 * flips the crop), box_ind [N] int32, crop_size [2] int32; out [N,ch,cw,C] float32.
 *
 * For crop row y the source row is y1*(H-1) + y*(y2-y1)*(H-1)/(ch-1) (the box centre
 * when ch is 1); a source position outside [0, H-1] gives the extrapolation value
 * (attrs.alpha) for that row, and likewise for columns. Values are interpolated between
 * the floor and ceil neighbours in float, top and bottom first, as TensorFlow does.
 * A box index outside [0, B) fails the shape function when box_ind is known (TensorFlow
 * fails the run); the kernel never reads outside the image either way.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_crop_and_resize(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *img, *boxes, *ind;
    int64_t size[2], dims[4];
    int n = 0, rc = seer__check_arity(nd, 4, 4, 1, err);

    if (rc)
        return rc;
    img = nd->in[0];
    boxes = nd->in[1];
    ind = nd->in[2];
    if (img->ndim != 4 || (img->dtype != SEER_DTYPE_F32 && img->dtype != SEER_DTYPE_U8))
        return seer_errf(err, SEER_EFORMAT, "image must be 4-D float32 or uint8");
    if (boxes->ndim != 2 || boxes->dims[1] != 4 || boxes->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EFORMAT, "boxes must be float32 [N,4]");
    if (ind->ndim != 1 || ind->dims[0] != boxes->dims[0] || ind->dtype != SEER_DTYPE_I32)
        return seer_errf(err, SEER_EFORMAT, "box_ind must be int32 [N] with N = %lld",
                         (long long)boxes->dims[0]);
    rc = seer__const_ints(nd, 3, "crop_size", size, 2, &n, err);
    if (rc)
        return rc;
    if (n != 2 || size[0] < 1 || size[1] < 1)
        return seer_errf(err, SEER_EFORMAT, "crop_size must be two positive values");
    if (ind->data)
        for (int64_t i = 0; i < ind->dims[0]; i++) {
            int32_t b = ((const int32_t *)ind->data)[i];
            if (b < 0 || b >= img->dims[0])
                return seer_errf(err, SEER_EFORMAT,
                                 "box_ind[%lld] = %d is not an image of the "
                                 "batch of %lld",
                                 (long long)i, b, (long long)img->dims[0]);
        }
    dims[0] = boxes->dims[0];
    dims[1] = size[0];
    dims[2] = size[1];
    dims[3] = img->dims[3];
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 4, dims);
    return SEER_OK;
}

static float pixel(const struct seer_tensor *img, int64_t i)
{
    if (img->dtype == SEER_DTYPE_U8)
        return (float)((const uint8_t *)img->data)[i];
    return ((const float *)img->data)[i];
}

void seer_kref_crop_and_resize(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *img = nd->in[0], *y = nd->out[0];
    const float *boxes = nd->in[1]->data;
    const int32_t *ind = nd->in[2]->data;
    int64_t H = img->dims[1], W = img->dims[2], C = img->dims[3];
    int64_t ch = y->dims[1], cw = y->dims[2], lo, hi;
    float *out = y->data, extrap = nd->a.alpha;

    /* Work is split by (box, crop row). */
    seer_split_range(y->dims[0] * ch, k->ith, k->nth, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        int64_t b = u / ch, r = u % ch;
        float y1 = boxes[b * 4], x1 = boxes[b * 4 + 1], y2 = boxes[b * 4 + 2];
        float x2 = boxes[b * 4 + 3];
        int32_t bi = ind[b];
        float hs = ch > 1 ? (y2 - y1) * (float)(H - 1) / (float)(ch - 1) : 0.0f;
        float ws = cw > 1 ? (x2 - x1) * (float)(W - 1) / (float)(cw - 1) : 0.0f;
        float in_y =
            ch > 1 ? y1 * (float)(H - 1) + (float)r * hs : 0.5f * (y1 + y2) * (float)(H - 1);
        float *row = out + (b * ch + r) * cw * C;

        if (bi < 0 || bi >= img->dims[0] || !(in_y >= 0.0f && in_y <= (float)(H - 1))) {
            for (int64_t i = 0; i < cw * C; i++)
                row[i] = extrap;
            continue;
        }
        int64_t top = (int64_t)floorf(in_y), bot = (int64_t)ceilf(in_y);
        float y_lerp = in_y - (float)top;
        int64_t base = (int64_t)bi * H * W * C;
        for (int64_t x = 0; x < cw; x++) {
            float in_x =
                cw > 1 ? x1 * (float)(W - 1) + (float)x * ws : 0.5f * (x1 + x2) * (float)(W - 1);
            float *o = row + x * C;
            if (!(in_x >= 0.0f && in_x <= (float)(W - 1))) {
                for (int64_t c = 0; c < C; c++)
                    o[c] = extrap;
                continue;
            }
            int64_t left = (int64_t)floorf(in_x), right = (int64_t)ceilf(in_x);
            float x_lerp = in_x - (float)left;
            for (int64_t c = 0; c < C; c++) {
                float tl = pixel(img, base + (top * W + left) * C + c);
                float tr = pixel(img, base + (top * W + right) * C + c);
                float bl = pixel(img, base + (bot * W + left) * C + c);
                float br = pixel(img, base + (bot * W + right) * C + c);
                float t = tl + (tr - tl) * x_lerp;
                float bo = bl + (br - bl) * x_lerp;
                o[c] = t + (bo - t) * y_lerp;
            }
        }
    }
}
