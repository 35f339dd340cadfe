/*
 * Reference Conv2D (TensorFlow semantics): x NHWC float32, filter HWIO [KH,KW,CI,CO],
 * optional bias [CO] and residual (output-shaped), then a fused activation.
 *
 * The kernel works on blocks of PB output pixels by CB output channels held in a
 * small accumulator: for each filter tap and input channel it broadcasts one input
 * value per pixel and multiplies it by a contiguous row of CB weights (the HWIO
 * layout makes w[kh,kw,ci,co..co+CB) contiguous), which compilers vectorise at -O2;
 * each step is an fmaf() (see conv_util.h for why).
 * Pixels whose window crosses the padding take a one-pixel path that skips the
 * padded taps. Every output element is the same sum in the same order (taps in
 * (kh, kw) order, then input channels) whichever path computes it, so results do not
 * depend on the block a pixel lands in nor on how rows are split across workers.
 */
#include <math.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"

enum {
    PB = 4,        /* output pixels per block */
    CB = SEER__CB, /* output channels per block: two SSE vectors, one AVX vector */
};

int seer_shape_conv2d(struct seer_node *nd, struct seer_err *err)
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
    if (w->dims[2] != x->dims[3]) {
        if (x->dims[3] % w->dims[2] == 0)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input 1 (filter) shape %s has %lld input channels for %lld: "
                             "grouped convolution is not supported",
                             seer_tensor_shape_str(w, s, sizeof(s)), (long long)w->dims[2],
                             (long long)x->dims[3]);
        return seer_errf(err, SEER_EFORMAT,
                         "input 1 (filter) shape %s does not match %lld input channels",
                         seer_tensor_shape_str(w, s, sizeof(s)), (long long)x->dims[3]);
    }
    rc = seer__win_init(nd, w->dims[0], w->dims[1], true, &g, err);
    if (rc)
        return rc;
    out[0] = g.n;
    out[1] = g.oh;
    out[2] = g.ow;
    out[3] = w->dims[3];
    if (!seer__dims_numel(4, out, &numel))
        return seer_errf(err, SEER_ELIMIT, "output shape [%lld,%lld,%lld,%lld] is too large",
                         (long long)out[0], (long long)out[1], (long long)out[2],
                         (long long)out[3]);
    rc = seer__check_fused(nd, out[3], out, err);
    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 4, out);
    return SEER_OK;
}

/* What every block of one node shares. */
struct conv {
    struct seer__win g;
    int64_t ci, co;
    const float *x, *w, *bias, *res;
    float *y;
    enum seer_act act;
    float alpha;
};

/* One pixel, nc <= CB channels from c0: the valid taps are [kh0,kh1) x [kw0,kw1) and
 * xt points at the input pixel of tap (kh0, kw0). */
SEER__FMA_CLONES static void acc_1(const struct conv *c, const float *xt, int64_t kh0, int64_t kh1,
                                   int64_t kw0, int64_t kw1, int64_t c0, int nc, float acc[CB])
{
    const struct seer__win *g = &c->g;
    int64_t ci_n = c->ci, co_n = c->co;
    float a[CB] = {0}; /* local, so the compiler knows it aliases nothing */

    for (int64_t kh = kh0; kh < kh1; kh++) {
        const float *xr = xt + (kh - kh0) * g->dh * g->w * ci_n;
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const float *xp = xr + (kw - kw0) * g->dw * ci_n;
            const float *wt = c->w + (kh * g->kw + kw) * ci_n * co_n + c0;
            for (int64_t i = 0; i < ci_n; i++) {
                const float *wr = wt + i * co_n;
                float xv = xp[i];
                for (int j = 0; j < nc; j++)
                    a[j] = fmaf(xv, wr[j], a[j]);
            }
        }
    }
    memcpy(acc, a, sizeof(a));
}

/* PB interior pixels (all kw taps valid), CB channels from c0. xt points at the input
 * pixel of tap (kh0, 0) of the first pixel; the next pixel is xstep floats on. */
SEER__FMA_CLONES static void acc_block(const struct conv *c, const float *xt, int64_t kh0,
                                       int64_t kh1, int64_t c0, float acc[PB][CB])
{
    const struct seer__win *g = &c->g;
    int64_t ci_n = c->ci, co_n = c->co, xstep = g->sw * ci_n;
    float a[PB][CB] = {{0}}; /* local, so the compiler knows it aliases nothing */

    for (int64_t kh = kh0; kh < kh1; kh++) {
        const float *xr = xt + (kh - kh0) * g->dh * g->w * ci_n;
        for (int64_t kw = 0; kw < g->kw; kw++) {
            const float *xp = xr + kw * g->dw * ci_n;
            const float *wt = c->w + (kh * g->kw + kw) * ci_n * co_n + c0;
            for (int64_t i = 0; i < ci_n; i++) {
                const float *wr = wt + i * co_n;
                for (int q = 0; q < PB; q++) {
                    float xv = xp[q * xstep + i];
                    for (int j = 0; j < CB; j++)
                        a[q][j] = fmaf(xv, wr[j], a[q][j]);
                }
            }
        }
    }
    memcpy(acc, a, sizeof(a));
}

/* Output pixel o of row r (image n, output row oh) through the one-pixel path. */
static void pixel_1(const struct conv *c, int64_t n, int64_t ih0, int64_t kh0, int64_t kh1,
                    int64_t r, int64_t o, int64_t c0, int nc)
{
    const struct seer__win *g = &c->g;
    int64_t iw0 = o * g->sw - g->pl, kw0, kw1, pix = r * g->ow + o;
    float acc[CB];

    seer__win_taps(iw0, g->kw, g->dw, g->w, &kw0, &kw1);
    /* Without a valid tap the pointer is never read (and must not be formed). */
    const float *xt = c->x;
    if (kh0 < kh1 && kw0 < kw1)
        xt += ((n * g->h + ih0 + kh0 * g->dh) * g->w + iw0 + kw0 * g->dw) * c->ci;
    acc_1(c, xt, kh0, kh1, kw0, kw1, c0, nc, acc);
    if (nc == CB)
        seer__fused_store_cb(c->y + pix * c->co + c0, acc, c->bias ? c->bias + c0 : NULL,
                             c->res ? c->res + pix * c->co + c0 : NULL, c->act, c->alpha);
    else
        seer__fused_store(c->y + pix * c->co + c0, acc, nc, c->bias ? c->bias + c0 : NULL,
                          c->res ? c->res + pix * c->co + c0 : NULL, c->act, c->alpha);
}

/* Output row r = n * OH + oh, every channel. */
static void conv_row(const struct conv *c, int64_t r, int64_t ow_a, int64_t ow_b)
{
    const struct seer__win *g = &c->g;
    int64_t n = r / g->oh, oh = r % g->oh, ih0 = oh * g->sh - g->pt, kh0, kh1;
    int64_t co_full = c->co - c->co % CB;

    seer__win_taps(ih0, g->kh, g->dh, g->h, &kh0, &kh1);
    /* Channel blocks outermost: one block's weights stay in cache across the row. */
    for (int64_t c0 = 0; c0 < co_full; c0 += CB) {
        int64_t o = 0;
        for (; o < ow_a; o++)
            pixel_1(c, n, ih0, kh0, kh1, r, o, c0, CB);
        for (; o + PB <= ow_b; o += PB) {
            float acc[PB][CB];
            int64_t pix = r * g->ow + o;
            const float *xt = c->x;
            if (kh0 < kh1)
                xt += ((n * g->h + ih0 + kh0 * g->dh) * g->w + o * g->sw - g->pl) * c->ci;
            acc_block(c, xt, kh0, kh1, c0, acc);
            for (int q = 0; q < PB; q++)
                seer__fused_store_cb(
                    c->y + (pix + q) * c->co + c0, acc[q], c->bias ? c->bias + c0 : NULL,
                    c->res ? c->res + (pix + q) * c->co + c0 : NULL, c->act, c->alpha);
        }
        for (; o < g->ow; o++)
            pixel_1(c, n, ih0, kh0, kh1, r, o, c0, CB);
    }
    if (co_full < c->co)
        for (int64_t o = 0; o < g->ow; o++)
            pixel_1(c, n, ih0, kh0, kh1, r, o, co_full, (int)(c->co - co_full));
}

/* Worker ith of nth computes a contiguous slice of the N*OH output rows. */
void seer_kref_conv2d(const struct seer_kctx *k, const struct seer_node *nd)
{
    struct conv c;
    int ri = seer__residual_index(nd);
    int64_t lo, hi, ow_a, ow_b;

    memset(&c, 0, sizeof(c));
    (void)seer__win_init(nd, nd->in[1]->dims[0], nd->in[1]->dims[1], true, &c.g, NULL);
    c.ci = c.g.c;
    c.co = nd->in[1]->dims[3];
    c.x = nd->in[0]->data;
    c.w = nd->in[1]->data;
    c.bias = nd->a.has_bias ? nd->in[2]->data : NULL;
    c.res = ri >= 0 ? nd->in[ri]->data : NULL;
    c.y = nd->out[0]->data;
    c.act = nd->a.act;
    c.alpha = nd->a.alpha;
    seer__win_interior_w(&c.g, &ow_a, &ow_b);
    seer_split_range(c.g.n * c.g.oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++)
        conv_row(&c, r, ow_a, ow_b);
}
