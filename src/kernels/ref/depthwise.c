/*
 * Reference DepthwiseConv2dNative (TensorFlow semantics): x NHWC float32 with C
 * channels, filter [KH,KW,C,M], output channel c*M + m = sum over taps of
 * x[c] * w[kh,kw,c,m]; then the same fused bias, residual and activation as Conv2D.
 *
 * Flattened, w[kh,kw] is a contiguous row of C*M weights indexed by the output
 * channel, so the kernel accumulates a chunk of up to DC output channels of one output
 * pixel over its valid taps (in (kh, kw) order); with M == 1 the input is read
 * contiguously too and the fixed-width inner blocks vectorise. Each step is an fmaf()
 * (see conv_util.h for why).
 */
#include <math.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"

enum {
    CB = SEER__CB, /* channels per vectorisable block */
    DC = 8 * CB,   /* channels per chunk: the taps loop runs once per chunk */
};

int seer_shape_depthwise_conv2d(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x, *w;
    struct seer__win g;
    int64_t out[4], numel;
    char s[96];
    int rc;

    rc = seer__conv_check_x_filter(nd, err);
    if (rc)
        return rc;
    x = nd->in[0];
    w = nd->in[1];
    if (w->dims[2] != x->dims[3])
        return seer_errf(err, SEER_EFORMAT,
                         "input 1 (filter) shape %s does not match %lld input channels",
                         seer_tensor_shape_str(w, s, sizeof(s)), (long long)x->dims[3]);
    rc = seer__win_init(nd, w->dims[0], w->dims[1], true, &g, err);
    if (rc)
        return rc;
    out[0] = g.n;
    out[1] = g.oh;
    out[2] = g.ow;
    if (__builtin_mul_overflow(w->dims[2], w->dims[3], &out[3]) ||
        !seer__dims_numel(4, out, &numel))
        return seer_errf(err, SEER_ELIMIT, "output of %lld x %lld channels is too large",
                         (long long)w->dims[2], (long long)w->dims[3]);
    rc = seer__check_fused(nd, out[3], out, err);
    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 4, out);
    return SEER_OK;
}

struct dw {
    struct seer__win g;
    int64_t m, co; /* channel multiplier, output channels C*M */
    const float *x, *w, *bias, *res;
    float *y;
    enum seer_act act;
    float alpha;
};

/* Output channels [c0, c0+nc), nc <= DC, of one output pixel: taps [kh0,kh1) x
 * [kw0,kw1), in that order; xt is the input pixel of tap (kh0, kw0), channel 0. */
SEER__FMA_CLONES static void dw_chunk(const struct dw *d, const float *xt, int64_t kh0, int64_t kh1,
                                      int64_t kw0, int64_t kw1, int64_t c0, int nc, float acc[DC])
{
    const struct seer__win *g = &d->g;
    float a[DC] = {0}; /* local, so the compiler knows it aliases nothing */
    int nb = nc - nc % CB;

    for (int64_t kh = kh0; kh < kh1; kh++) {
        const float *xr = xt + (kh - kh0) * g->dh * g->w * g->c;
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const float *xp = xr + (kw - kw0) * g->dw * g->c;
            const float *wp = d->w + (kh * g->kw + kw) * d->co + c0;
            if (d->m == 1) {
                /* Fixed-width blocks vectorise; the tail is the same sum, scalar. */
                const float *xc = xp + c0;
                for (int b = 0; b < nb; b += CB)
                    for (int j = 0; j < CB; j++)
                        a[b + j] = fmaf(xc[b + j], wp[b + j], a[b + j]);
                for (int j = nb; j < nc; j++)
                    a[j] = fmaf(xc[j], wp[j], a[j]);
            } else {
                for (int j = 0; j < nc; j++)
                    a[j] = fmaf(xp[(c0 + j) / d->m], wp[j], a[j]);
            }
        }
    }
    memcpy(acc, a, sizeof(a));
}

static void dw_row(const struct dw *d, int64_t r)
{
    const struct seer__win *g = &d->g;
    int64_t n = r / g->oh, oh = r % g->oh, ih0 = oh * g->sh - g->pt, kh0, kh1;

    seer__win_taps(ih0, g->kh, g->dh, g->h, &kh0, &kh1);
    for (int64_t o = 0; o < g->ow; o++) {
        int64_t iw0 = o * g->sw - g->pl, kw0, kw1, pix = r * g->ow + o;
        const float *xt = d->x;

        seer__win_taps(iw0, g->kw, g->dw, g->w, &kw0, &kw1);
        if (kh0 < kh1 && kw0 < kw1)
            xt += ((n * g->h + ih0 + kh0 * g->dh) * g->w + iw0 + kw0 * g->dw) * g->c;
        for (int64_t c0 = 0; c0 < d->co; c0 += DC) {
            int nc = d->co - c0 < DC ? (int)(d->co - c0) : DC;
            float acc[DC];
            float *yp = d->y + pix * d->co + c0;
            const float *bp = d->bias ? d->bias + c0 : NULL;
            const float *rp = d->res ? d->res + pix * d->co + c0 : NULL;
            dw_chunk(d, xt, kh0, kh1, kw0, kw1, c0, nc, acc);
            int j = 0;
            for (; j + CB <= nc; j += CB)
                seer__fused_store_cb(yp + j, acc + j, bp ? bp + j : NULL, rp ? rp + j : NULL,
                                     d->act, d->alpha);
            seer__fused_store(yp + j, acc + j, nc - j, bp ? bp + j : NULL, rp ? rp + j : NULL,
                              d->act, d->alpha);
        }
    }
}

/* Worker ith of nth computes a contiguous slice of the N*OH output rows. */
void seer_kref_depthwise_conv2d(const struct seer_kctx *k, const struct seer_node *nd)
{
    struct dw d = {0};
    int ri = seer__residual_index(nd);
    int64_t lo, hi;

    (void)seer__win_init(nd, nd->in[1]->dims[0], nd->in[1]->dims[1], true, &d.g, NULL);
    d.m = nd->in[1]->dims[3];
    d.co = d.g.c * d.m;
    d.x = nd->in[0]->data;
    d.w = nd->in[1]->data;
    d.bias = nd->a.has_bias ? nd->in[2]->data : NULL;
    d.res = ri >= 0 ? nd->in[ri]->data : NULL;
    d.y = nd->out[0]->data;
    d.act = nd->a.act;
    d.alpha = nd->a.alpha;
    seer_split_range(d.g.n * d.g.oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++)
        dw_row(&d, r);
}
