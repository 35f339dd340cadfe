/*
 * Reference ResizeBilinear and ResizeNearestNeighbor over NHWC, computed the way
 * TensorFlow's CPU kernels compute them, in float:
 *
 *   scale = align_corners && out > 1 ? (in - 1) / (out - 1) : in / out
 *   bilinear: src = half_pixel_centers ? (o + 0.5) * scale - 0.5 : o * scale
 *             lower = max(floor(src), 0), upper = min(ceil(src), in - 1),
 *             lerp = src - floor(src); top = tl + (tr - tl) * xl, bottom likewise,
 *             out = top + (bottom - top) * yl
 *   nearest:  src = half_pixel_centers ? (o + 0.5) * scale : o * scale,
 *             index = min(align_corners ? round(src) : floor(src), in - 1), >= 0
 *
 * in[1] is the output size [height, width], int32 (or int64), and must be constant.
 * Bilinear reads and writes float32; nearest copies elements of any dtype.
 */
#include <math.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"

static int resize_shape(struct seer_node *nd, bool any_dtype, struct seer_err *err)
{
    const struct seer_tensor *x, *sz;
    int64_t out[4], numel;
    char s[96];
    int rc;

    rc = seer__conv_check_inputs(nd, 2, err);
    if (rc)
        return rc;
    x = nd->in[0];
    sz = nd->in[1];
    if (x->ndim != 4)
        return seer_errf(err, SEER_EFORMAT, "input 0 (x) must have rank 4, got shape %s",
                         seer_tensor_shape_str(x, s, sizeof(s)));
    if (!any_dtype && x->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "input 0 (x) has dtype %s, expected float32",
                         seer_dtype_name(x->dtype));
    if ((unsigned)x->dtype >= SEER_DTYPE_COUNT)
        return seer_errf(err, SEER_EFORMAT, "input 0 (x) has an invalid dtype %d", (int)x->dtype);
    for (int d = 0; d < 4; d++)
        if (x->dims[d] < 1)
            return seer_errf(err, SEER_EFORMAT, "input 0 (x) shape %s has an empty dimension",
                             seer_tensor_shape_str(x, s, sizeof(s)));
    if ((sz->dtype != SEER_DTYPE_I32 && sz->dtype != SEER_DTYPE_I64) || sz->ndim != 1 ||
        sz->dims[0] != 2)
        return seer_errf(err, SEER_EFORMAT,
                         "input 1 (size) must be 2 int32 values, got %s shape %s",
                         seer_dtype_name(sz->dtype), seer_tensor_shape_str(sz, s, sizeof(s)));
    if (!sz->data)
        return seer_errf(err, SEER_EUNSUPPORTED, "input 1 (size) must be constant");
    out[0] = x->dims[0];
    out[1] = seer_tensor_get_int(sz, 0);
    out[2] = seer_tensor_get_int(sz, 1);
    out[3] = x->dims[3];
    if (out[1] < 1 || out[2] < 1)
        return seer_errf(err, SEER_EFORMAT, "input 1 (size) is [%lld,%lld]: sizes must be positive",
                         (long long)out[1], (long long)out[2]);
    if (nd->a.align_corners && nd->a.half_pixel_centers)
        return seer_errf(err, SEER_EFORMAT,
                         "align_corners and half_pixel_centers cannot both be true");
    if (!seer__dims_numel(4, out, &numel))
        return seer_errf(err, SEER_ELIMIT, "output of size [%lld,%lld] is too large",
                         (long long)out[1], (long long)out[2]);
    seer_tensor_set_shape(nd->out[0], x->dtype, 4, out);
    return SEER_OK;
}

int seer_shape_resize_bilinear(struct seer_node *nd, struct seer_err *err)
{
    return resize_shape(nd, false, err);
}

int seer_shape_resize_nearest(struct seer_node *nd, struct seer_err *err)
{
    return resize_shape(nd, true, err);
}

/* TensorFlow's CalculateResizeScale, in float as TensorFlow does it. */
static float resize_scale(int64_t in, int64_t out, bool align_corners)
{
    return align_corners && out > 1 ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
}

/* Bilinear source cells and weight of output coordinate o. */
static void bl_coord(int64_t o, float scale, bool half_pixel, int64_t in, int64_t *lower,
                     int64_t *upper, float *lerp)
{
    float src = half_pixel ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
    float f = floorf(src);
    int64_t lo = (int64_t)f, up = (int64_t)ceilf(src);

    if (lo < 0)
        lo = 0;
    if (up > in - 1)
        up = in - 1;
    /* As TensorFlow does: keep lower <= upper (also keeps both inside the input). */
    if (lo > up)
        lo = up;
    *lower = lo;
    *upper = up;
    *lerp = src - f;
}

/* Worker ith of nth computes a contiguous slice of the N*OH output rows. */
void seer_kref_resize_bilinear(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *xt = nd->in[0], *yt = nd->out[0];
    const float *x = xt->data;
    float *y = yt->data;
    int64_t ih = xt->dims[1], iw = xt->dims[2], c = xt->dims[3];
    int64_t oh = yt->dims[1], ow = yt->dims[2], lo, hi;
    bool hp = nd->a.half_pixel_centers;
    float sh = resize_scale(ih, oh, nd->a.align_corners);
    float sw = resize_scale(iw, ow, nd->a.align_corners);

    seer_split_range(yt->dims[0] * oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        int64_t n = r / oh, y0, y1;
        float yl;
        bl_coord(r % oh, sh, hp, ih, &y0, &y1, &yl);
        const float *top = x + (n * ih + y0) * iw * c, *bot = x + (n * ih + y1) * iw * c;
        float *yr = y + r * ow * c;
        for (int64_t o = 0; o < ow; o++) {
            int64_t x0, x1;
            float xl;
            bl_coord(o, sw, hp, iw, &x0, &x1, &xl);
            const float *tl = top + x0 * c, *tr = top + x1 * c;
            const float *bl = bot + x0 * c, *br = bot + x1 * c;
            float *yp = yr + o * c;
            for (int64_t j = 0; j < c; j++) {
                float t = tl[j] + (tr[j] - tl[j]) * xl;
                float b = bl[j] + (br[j] - bl[j]) * xl;
                yp[j] = t + (b - t) * yl;
            }
        }
    }
}

/* Nearest source index of output coordinate o. */
static int64_t nn_coord(int64_t o, float scale, bool align_corners, bool half_pixel, int64_t in)
{
    float src = half_pixel ? ((float)o + 0.5f) * scale : (float)o * scale;
    int64_t i = (int64_t)(align_corners ? roundf(src) : floorf(src));

    if (i > in - 1)
        i = in - 1;
    if (i < 0)
        i = 0;
    return i;
}

void seer_kref_resize_nearest(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *xt = nd->in[0], *yt = nd->out[0];
    const unsigned char *x = xt->data;
    unsigned char *y = yt->data;
    size_t px = (size_t)xt->dims[3] * seer_dtype_size(xt->dtype); /* bytes per pixel */
    int64_t ih = xt->dims[1], iw = xt->dims[2], oh = yt->dims[1], ow = yt->dims[2], lo, hi;
    bool ac = nd->a.align_corners, hp = nd->a.half_pixel_centers;
    float sh = resize_scale(ih, oh, ac), sw = resize_scale(iw, ow, ac);

    seer_split_range(yt->dims[0] * oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        int64_t n = r / oh, sy = nn_coord(r % oh, sh, ac, hp, ih);
        const unsigned char *xr = x + (size_t)((n * ih + sy) * iw) * px;
        unsigned char *yr = y + (size_t)(r * ow) * px;
        for (int64_t o = 0; o < ow; o++)
            memcpy(yr + (size_t)o * px, xr + (size_t)nn_coord(o, sw, ac, hp, iw) * px, px);
    }
}
