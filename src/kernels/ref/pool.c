/*
 * Reference MaxPool and AvgPool (TensorFlow semantics) over NHWC float32.
 *
 * Padded cells never take part: MaxPool takes the maximum of the window's cells
 * inside the input (as if the pads were -inf), and AvgPool divides the sum of those
 * cells by their count, not by the window size, as TensorFlow does for SAME padding.
 */
#include <float.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"

enum { CB = 8 }; /* channels per block */

static int pool_shape(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_attrs *a = &nd->a;
    struct seer__win g;
    int64_t out[4];
    int rc;

    rc = seer__conv_check_inputs(nd, 1, err);
    if (rc)
        return rc;
    rc = seer__check_f32_rank4(nd, 0, "x", err);
    if (rc)
        return rc;
    if (a->ksize[0] < 1 || a->ksize[1] < 1)
        return seer_errf(err, SEER_EFORMAT, "window size %dx%d must be positive", a->ksize[0],
                         a->ksize[1]);
    /* A window made only of padding has no value to take; TensorFlow's own kernels
     * require the same. */
    if (a->padding == SEER_PAD_EXPLICIT)
        for (int i = 0; i < 4; i++)
            if (a->pads[i] >= a->ksize[i / 2])
                return seer_errf(err, SEER_EFORMAT,
                                 "explicit pad %d is not smaller than the window size %d",
                                 a->pads[i], a->ksize[i / 2]);
    rc = seer__win_init(nd, a->ksize[0], a->ksize[1], false, &g, err);
    if (rc)
        return rc;
    out[0] = g.n;
    out[1] = g.oh;
    out[2] = g.ow;
    out[3] = g.c;
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 4, out);
    return SEER_OK;
}

int seer_shape_maxpool(struct seer_node *nd, struct seer_err *err)
{
    return pool_shape(nd, err);
}

int seer_shape_avgpool(struct seer_node *nd, struct seer_err *err)
{
    return pool_shape(nd, err);
}

/* One output pixel, channels [c0, c0+nc): the window's valid cells are
 * [kh0,kh1) x [kw0,kw1) starting at xt (channel 0). */
static void max_block(const struct seer__win *g, const float *xt, int64_t kh0, int64_t kh1,
                      int64_t kw0, int64_t kw1, int64_t c0, int nc, float *y)
{
    float acc[CB];

    for (int j = 0; j < CB; j++)
        acc[j] = -FLT_MAX;
    for (int64_t kh = kh0; kh < kh1; kh++)
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const float *xp = xt + ((kh - kh0) * g->w + (kw - kw0)) * g->c + c0;
            for (int j = 0; j < nc; j++)
                acc[j] = xp[j] > acc[j] ? xp[j] : acc[j];
        }
    for (int j = 0; j < nc; j++)
        y[j] = acc[j];
}

static void avg_block(const struct seer__win *g, const float *xt, int64_t kh0, int64_t kh1,
                      int64_t kw0, int64_t kw1, int64_t c0, int nc, float *y)
{
    float acc[CB];
    float count = (float)((kh1 - kh0) * (kw1 - kw0));

    for (int j = 0; j < CB; j++)
        acc[j] = 0.0f;
    for (int64_t kh = kh0; kh < kh1; kh++)
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const float *xp = xt + ((kh - kh0) * g->w + (kw - kw0)) * g->c + c0;
            for (int j = 0; j < nc; j++)
                acc[j] += xp[j];
        }
    for (int j = 0; j < nc; j++)
        y[j] = acc[j] / count;
}

typedef void (*pool_block_fn)(const struct seer__win *g, const float *xt, int64_t kh0, int64_t kh1,
                              int64_t kw0, int64_t kw1, int64_t c0, int nc, float *y);

static void pool_run(const struct seer_kctx *k, const struct seer_node *nd, pool_block_fn fn)
{
    struct seer__win g;
    const float *x = nd->in[0]->data;
    float *y = nd->out[0]->data;
    int64_t lo, hi;

    (void)seer__win_init(nd, nd->a.ksize[0], nd->a.ksize[1], false, &g, NULL);
    seer_split_range(g.n * g.oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        int64_t n = r / g.oh, ih0 = (r % g.oh) * g.sh - g.pt, kh0, kh1;
        seer__win_taps(ih0, g.kh, 1, g.h, &kh0, &kh1);
        for (int64_t o = 0; o < g.ow; o++) {
            int64_t iw0 = o * g.sw - g.pl, kw0, kw1;
            seer__win_taps(iw0, g.kw, 1, g.w, &kw0, &kw1);
            /* The shape check guarantees at least one valid cell per window. */
            const float *xt = x + ((n * g.h + ih0 + kh0) * g.w + iw0 + kw0) * g.c;
            float *yp = y + (r * g.ow + o) * g.c;
            for (int64_t c0 = 0; c0 < g.c; c0 += CB)
                fn(&g, xt, kh0, kh1, kw0, kw1, c0, g.c - c0 < CB ? (int)(g.c - c0) : CB, yp + c0);
        }
    }
}

/* Worker ith of nth computes a contiguous slice of the N*OH output rows. */
void seer_kref_maxpool(const struct seer_kctx *k, const struct seer_node *nd)
{
    pool_run(k, nd, max_block);
}

void seer_kref_avgpool(const struct seer_kctx *k, const struct seer_node *nd)
{
    pool_run(k, nd, avg_block);
}
