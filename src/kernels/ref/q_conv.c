/*
 * Reference quantised Conv2D and DepthwiseConv2D on asymmetric uint8, computed exactly as
 * TFLite's reference kernels: int32 sums of (x - x_zero) * (w - w_zero) over the taps
 * inside the input (padding contributes nothing), plus the int32 bias, scaled by the
 * fixed-point output multiplier (q_util.h), plus the output zero point, clamped to the
 * fused activation's range. Weights are TFLite's: [CO, KH, KW, CI] for Conv2D and
 * [1, KH, KW, C*M] for depthwise (output channel c*M + m reads input channel c).
 *
 * Sums wrap around in 32 bits (unsigned arithmetic, so the wrap is defined), as TFLite's
 * int32 accumulators do in practice; only absurd models get near it.
 *
 * These kernels are the oracle for the fast twins (kernels/x86/q_conv_vnni.c): worker
 * ith of nth computes a contiguous share of the output pixels.
 */
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"
#include "kernels/ref/q_util.h"

/* Output channels accumulated at once by the depthwise kernel (a stack buffer). */
#define DW_CHUNK 256

static int check_q(const struct seer_tensor *t, const char *what, struct seer_err *err)
{
    if (!seer__q_is_u8(t))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "%s must be uint8 with a per-tensor scale and zero point "
                         "(got %s, scale %g, zero point %d)",
                         what, seer_dtype_name(t->dtype), (double)t->q.scale, (int)t->q.zero_point);
    return SEER_OK;
}

/* Checks shared by both convs; *bias is the bias input or NULL. */
static int qconv_common(struct seer_node *nd, int64_t co, struct seer__win *g,
                        const struct seer_tensor **bias, struct seer_err *err)
{
    const struct seer_tensor *x = nd->in[0], *w = nd->in[1];
    struct seer_tensor *y;
    int32_t m;
    int shift, rc;

    if (nd->n_in < 2 || nd->n_in > 3 || !x || !w || nd->n_out != 1)
        return seer_errf(err, SEER_EFORMAT, "expects inputs x, w and an optional bias");
    y = nd->out[0];
    /* The output's dtype is set below; its quantisation came from the importer. */
    y->dtype = SEER_DTYPE_U8;
    if ((rc = check_q(x, "input", err)) || (rc = check_q(w, "weights", err)) ||
        (rc = check_q(y, "output", err)))
        return rc;
    if (x->ndim != 4 || w->ndim != 4)
        return seer_errf(err, SEER_EFORMAT, "input and weights must have rank 4 (got %d, %d)",
                         x->ndim, w->ndim);
    for (int i = 0; i < 4; i++)
        if (x->dims[i] < 1 || w->dims[i] < 1)
            return seer_errf(err, SEER_EFORMAT, "input and weights need positive dims");
    *bias = nd->n_in > 2 ? nd->in[2] : NULL;
    if (*bias && ((*bias)->dtype != SEER_DTYPE_I32 || (*bias)->ndim != 1 || (*bias)->dims[0] != co))
        return seer_errf(err, SEER_EFORMAT, "bias must be int32 [%lld]", (long long)co);
    if (nd->a.act != SEER_ACT_NONE && nd->a.act != SEER_ACT_RELU && nd->a.act != SEER_ACT_RELU6)
        return seer_errf(err, SEER_EUNSUPPORTED, "fused activation %d on uint8", (int)nd->a.act);
    if (!seer__q_conv_multiplier(x, w, y, &m, &shift))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "output multiplier %g * %g / %g cannot be applied in fixed point",
                         (double)x->q.scale, (double)w->q.scale, (double)y->q.scale);
    rc = seer__win_init(nd, w->dims[1], w->dims[2], true, g, err);
    if (rc)
        return rc;
    int64_t dims[4] = {g->n, g->oh, g->ow, co};
    /* The output keeps the quantisation the importer gave it. */
    seer_tensor_set_shape(y, SEER_DTYPE_U8, 4, dims);
    return SEER_OK;
}

int seer_shape_qconv2d(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *bias;
    struct seer__win g;
    int64_t co = nd->n_in >= 2 && nd->in[1] ? nd->in[1]->dims[0] : 0;
    int rc = qconv_common(nd, co, &g, &bias, err);

    if (rc)
        return rc;
    if (nd->in[1]->dims[3] != nd->in[0]->dims[3])
        return seer_errf(err, SEER_EFORMAT, "weights have %lld input channels, input has %lld",
                         (long long)nd->in[1]->dims[3], (long long)nd->in[0]->dims[3]);
    return SEER_OK;
}

int seer_shape_qdepthwise_conv2d(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *bias;
    struct seer__win g;
    int64_t co = nd->n_in >= 2 && nd->in[1] ? nd->in[1]->dims[3] : 0;
    int rc = qconv_common(nd, co, &g, &bias, err);

    if (rc)
        return rc;
    if (nd->in[1]->dims[0] != 1 || co % nd->in[0]->dims[3] != 0)
        return seer_errf(err, SEER_EFORMAT,
                         "depthwise weights must be [1, KH, KW, C*M] with C = %lld input "
                         "channels (got %lld outputs)",
                         (long long)nd->in[0]->dims[3], (long long)co);
    return SEER_OK;
}

/* Everything a quantised conv kernel needs, recomputed from the checked node. */
struct qparams {
    struct seer__win g;
    int32_t xz, wz, yz; /* zero points */
    int32_t m;          /* output multiplier and shift */
    int shift;
    int32_t lo, hi; /* activation clamp */
    int64_t co;
};

static void qparams_init(const struct seer_node *nd, int64_t co, struct qparams *q)
{
    const struct seer_tensor *x = nd->in[0], *w = nd->in[1], *y = nd->out[0];

    seer__win_init(nd, w->dims[1], w->dims[2], true, &q->g, NULL);
    q->xz = x->q.zero_point;
    q->wz = w->q.zero_point;
    q->yz = y->q.zero_point;
    seer__q_conv_multiplier(x, w, y, &q->m, &q->shift);
    seer__q_act_range(y, nd->a.act, &q->lo, &q->hi);
    q->co = co;
}

static inline uint8_t requant(uint32_t sum, const struct qparams *q)
{
    /* In 64 bits: a huge multiplier can bring the product near INT32_MAX. */
    int64_t v = (int64_t)seer__q_mul((int32_t)sum, q->m, q->shift) + q->yz;

    v = v < q->lo ? q->lo : v;
    v = v > q->hi ? q->hi : v;
    return (uint8_t)v;
}

void seer_kref_qconv2d(const struct seer_kctx *k, const struct seer_node *nd)
{
    const uint8_t *x = nd->in[0]->data, *w = nd->in[1]->data;
    const int32_t *bias = nd->n_in > 2 && nd->in[2] ? nd->in[2]->data : NULL;
    uint8_t *y = nd->out[0]->data;
    struct qparams q;
    int64_t lo, hi;

    qparams_init(nd, nd->in[1]->dims[0], &q);
    const struct seer__win *g = &q.g;
    const int64_t ci = g->c, kw = g->kw;
    seer_split_range(g->n * g->oh * g->ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p = lo; p < hi; p++) {
        int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl, fy0, fy1, fx0, fx1;

        seer__win_taps(iy0, g->kh, g->dh, g->h, &fy0, &fy1);
        seer__win_taps(ix0, g->kw, g->dw, g->w, &fx0, &fx1);
        for (int64_t o = 0; o < q.co; o++) {
            uint32_t acc = 0;
            for (int64_t fy = fy0; fy < fy1; fy++) {
                for (int64_t fx = fx0; fx < fx1; fx++) {
                    const uint8_t *xp =
                        x + ((b * g->h + iy0 + fy * g->dh) * g->w + ix0 + fx * g->dw) * ci;
                    const uint8_t *wp = w + ((o * g->kh + fy) * kw + fx) * ci;
                    for (int64_t c = 0; c < ci; c++)
                        acc += (uint32_t)(((int32_t)xp[c] - q.xz) * ((int32_t)wp[c] - q.wz));
                }
            }
            if (bias)
                acc += (uint32_t)bias[o];
            y[p * q.co + o] = requant(acc, &q);
        }
    }
}

void seer_kref_qdepthwise_conv2d(const struct seer_kctx *k, const struct seer_node *nd)
{
    const uint8_t *x = nd->in[0]->data, *w = nd->in[1]->data;
    const int32_t *bias = nd->n_in > 2 && nd->in[2] ? nd->in[2]->data : NULL;
    uint8_t *y = nd->out[0]->data;
    struct qparams q;
    uint32_t acc[DW_CHUNK];
    int64_t lo, hi;

    qparams_init(nd, nd->in[1]->dims[3], &q);
    const struct seer__win *g = &q.g;
    const int64_t ci = g->c, co = q.co, mult = co / ci;
    seer_split_range(g->n * g->oh * g->ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p = lo; p < hi; p++) {
        int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl, fy0, fy1, fx0, fx1;

        seer__win_taps(iy0, g->kh, g->dh, g->h, &fy0, &fy1);
        seer__win_taps(ix0, g->kw, g->dw, g->w, &fx0, &fx1);
        for (int64_t o0 = 0; o0 < co; o0 += DW_CHUNK) {
            int64_t n = co - o0 < DW_CHUNK ? co - o0 : DW_CHUNK;
            memset(acc, 0, sizeof(acc));
            for (int64_t fy = fy0; fy < fy1; fy++) {
                for (int64_t fx = fx0; fx < fx1; fx++) {
                    const uint8_t *xp =
                        x + ((b * g->h + iy0 + fy * g->dh) * g->w + ix0 + fx * g->dw) * ci;
                    const uint8_t *wp = w + (fy * g->kw + fx) * co + o0;
                    if (mult == 1) {
                        for (int64_t j = 0; j < n; j++)
                            acc[j] +=
                                (uint32_t)(((int32_t)xp[o0 + j] - q.xz) * ((int32_t)wp[j] - q.wz));
                    } else {
                        for (int64_t j = 0; j < n; j++)
                            acc[j] += (uint32_t)(((int32_t)xp[(o0 + j) / mult] - q.xz) *
                                                 ((int32_t)wp[j] - q.wz));
                    }
                }
            }
            for (int64_t j = 0; j < n; j++)
                y[p * co + o0 + j] = requant(acc[j] + (uint32_t)(bias ? bias[o0 + j] : 0), &q);
        }
    }
}
