/* Shared helpers of the convolution family: checks, TensorFlow window geometry, epilogue. */
#include "kernels/ref/conv_util.h"

#include <math.h>

#include "kernels/kernel.h"

int seer_conv_out_dim(int64_t in, int64_t k, int32_t stride, int32_t dilation,
                      enum seer_padding pad, int32_t pad_lo, int32_t pad_hi, int64_t *out,
                      int64_t *pad_before)
{
    int64_t s = stride ? stride : 1, d = dilation ? dilation : 1, ek, span, o;

    *out = 0;
    *pad_before = 0;
    if (in < 1 || k < 1 || s < 1 || d < 1)
        return SEER_EFORMAT;
    /* The window's extent once dilated: (k - 1) * d + 1 input cells. */
    if (__builtin_mul_overflow(k - 1, d, &ek) || __builtin_add_overflow(ek, 1, &ek))
        return SEER_EFORMAT;
    switch (pad) {
    case SEER_PAD_VALID:
        /* TensorFlow: ceil((in - (k - 1) * d) / s), i.e. every window fully inside. */
        o = in >= ek ? (in - ek) / s + 1 : 0;
        break;
    case SEER_PAD_SAME: {
        int64_t need;
        o = in / s + (in % s != 0);
        /* Total padding so the last window ends at the input's end; the odd pixel goes
         * after (bottom/right), so the leading pad is the smaller half. */
        if (__builtin_mul_overflow(o - 1, s, &need) || __builtin_add_overflow(need, ek, &need))
            return SEER_EFORMAT;
        need -= in;
        *pad_before = need > 0 ? need / 2 : 0;
        break;
    }
    case SEER_PAD_EXPLICIT:
        if (pad_lo < 0 || pad_hi < 0)
            return SEER_EFORMAT;
        if (__builtin_add_overflow(in, (int64_t)pad_lo + pad_hi, &span))
            return SEER_EFORMAT;
        o = span >= ek ? (span - ek) / s + 1 : 0;
        *pad_before = pad_lo;
        break;
    default: return SEER_EFORMAT;
    }
    *out = o;
    return o >= 1 ? SEER_OK : SEER_EFORMAT;
}

bool seer__dims_numel(int ndim, const int64_t *dims, int64_t *out)
{
    int64_t n = 1;

    for (int i = 0; i < ndim; i++)
        if (dims[i] < 0 || __builtin_mul_overflow(n, dims[i], &n))
            return false;
    *out = n;
    return true;
}

int seer__conv_check_inputs(const struct seer_node *nd, int n_req, struct seer_err *err)
{
    if (nd->n_in < n_req)
        return seer_errf(err, SEER_EFORMAT, "expects %d inputs, got %d", n_req, nd->n_in);
    for (int i = 0; i < n_req; i++)
        if (!nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "input %d is missing", i);
    for (int i = n_req; i < nd->n_in; i++)
        if (nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "unexpected input %d (expects %d inputs)", i,
                             n_req);
    if (nd->n_out != 1 || !nd->out[0])
        return seer_errf(err, SEER_EFORMAT, "expects 1 output, got %d", nd->n_out);
    return SEER_OK;
}

int seer__check_f32_rank4(const struct seer_node *nd, int i, const char *name, struct seer_err *err)
{
    const struct seer_tensor *t = nd->in[i];
    char s[96];

    if (t->ndim != 4)
        return seer_errf(err, SEER_EFORMAT, "input %d (%s) must have rank 4, got shape %s", i, name,
                         seer_tensor_shape_str(t, s, sizeof(s)));
    if (t->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "input %d (%s) has dtype %s, expected float32", i,
                         name, seer_dtype_name(t->dtype));
    for (int d = 0; d < 4; d++)
        if (t->dims[d] < 1)
            return seer_errf(err, SEER_EFORMAT, "input %d (%s) shape %s has an empty dimension", i,
                             name, seer_tensor_shape_str(t, s, sizeof(s)));
    return SEER_OK;
}

int seer__conv_check_x_filter(const struct seer_node *nd, struct seer_err *err)
{
    int n_req = 2 + (nd->a.has_bias ? 1 : 0) + (nd->a.has_residual ? 1 : 0);
    int rc = seer__conv_check_inputs(nd, n_req, err);

    if (!rc)
        rc = seer__check_f32_rank4(nd, 0, "x", err);
    if (!rc)
        rc = seer__check_f32_rank4(nd, 1, "filter", err);
    return rc;
}

static const char *pad_name(enum seer_padding p)
{
    switch (p) {
    case SEER_PAD_VALID: return "VALID";
    case SEER_PAD_SAME: return "SAME";
    case SEER_PAD_EXPLICIT: return "EXPLICIT";
    }
    return "unknown";
}

int seer__win_init(const struct seer_node *nd, int64_t kh, int64_t kw, bool use_dilation,
                   struct seer__win *g, struct seer_err *err)
{
    const struct seer_tensor *x = nd->in[0];
    const struct seer_attrs *a = &nd->a;
    int64_t pt, pl;
    int rc;

    for (int i = 0; i < 2; i++) {
        if (a->stride[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "stride %d must be positive", a->stride[i]);
        if (use_dilation && a->dilation[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "dilation %d must be positive", a->dilation[i]);
    }
    if (a->padding != SEER_PAD_VALID && a->padding != SEER_PAD_SAME &&
        a->padding != SEER_PAD_EXPLICIT)
        return seer_errf(err, SEER_EFORMAT, "unknown padding %d", (int)a->padding);
    if (a->padding == SEER_PAD_EXPLICIT)
        for (int i = 0; i < 4; i++)
            if (a->pads[i] < 0)
                return seer_errf(err, SEER_EFORMAT, "explicit pad %d is negative", a->pads[i]);
    g->n = x->dims[0];
    g->h = x->dims[1];
    g->w = x->dims[2];
    g->c = x->dims[3];
    g->kh = kh;
    g->kw = kw;
    g->sh = a->stride[0] ? a->stride[0] : 1;
    g->sw = a->stride[1] ? a->stride[1] : 1;
    g->dh = use_dilation && a->dilation[0] ? a->dilation[0] : 1;
    g->dw = use_dilation && a->dilation[1] ? a->dilation[1] : 1;
    rc = seer_conv_out_dim(g->h, kh, g->sh, g->dh, a->padding, a->pads[0], a->pads[1], &g->oh, &pt);
    if (rc)
        return seer_errf(err, rc,
                         "output height would be %lld (input %lld, window %lld, stride %d, "
                         "dilation %d, %s padding)",
                         (long long)g->oh, (long long)g->h, (long long)kh, g->sh, g->dh,
                         pad_name(a->padding));
    rc = seer_conv_out_dim(g->w, kw, g->sw, g->dw, a->padding, a->pads[2], a->pads[3], &g->ow, &pl);
    if (rc)
        return seer_errf(err, rc,
                         "output width would be %lld (input %lld, window %lld, stride %d, "
                         "dilation %d, %s padding)",
                         (long long)g->ow, (long long)g->w, (long long)kw, g->sw, g->dw,
                         pad_name(a->padding));
    g->pt = pt;
    g->pl = pl;
    return SEER_OK;
}

void seer__win_taps(int64_t i0, int64_t k, int32_t d, int64_t in, int64_t *lo, int64_t *hi)
{
    /* Tap t reads coordinate i0 + t*d; keep the t with 0 <= i0 + t*d <= in - 1. */
    int64_t l = i0 >= 0 ? 0 : (-i0 + d - 1) / d;
    int64_t h = in - 1 - i0 >= 0 ? (in - 1 - i0) / d + 1 : 0;

    if (h > k)
        h = k;
    if (l > h)
        l = h;
    *lo = l;
    *hi = h;
}

void seer__win_interior_w(const struct seer__win *g, int64_t *a, int64_t *b)
{
    /* Column o is interior when o*sw - pl >= 0 and o*sw - pl + (kw-1)*dw <= w - 1. */
    int64_t lo = (g->pl + g->sw - 1) / g->sw;
    int64_t last = g->w - 1 - (g->kw - 1) * g->dw + g->pl;
    int64_t hi = last >= 0 ? last / g->sw + 1 : 0;

    if (lo > g->ow)
        lo = g->ow;
    if (hi > g->ow)
        hi = g->ow;
    if (hi < lo)
        hi = lo;
    *a = lo;
    *b = hi;
}

int seer__residual_index(const struct seer_node *nd)
{
    return nd->a.has_residual ? 2 + (nd->a.has_bias ? 1 : 0) : -1;
}

int seer__check_fused(const struct seer_node *nd, int64_t co, const int64_t out_dims[4],
                      struct seer_err *err)
{
    char s[96];
    int ri = seer__residual_index(nd);

    if (nd->a.has_bias) {
        const struct seer_tensor *b = nd->in[2];
        if (b->dtype != SEER_DTYPE_F32)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input 2 (bias) has dtype %s, expected float32",
                             seer_dtype_name(b->dtype));
        if (b->ndim != 1 || b->dims[0] != co)
            return seer_errf(err, SEER_EFORMAT,
                             "input 2 (bias) shape %s does not match %lld output channels",
                             seer_tensor_shape_str(b, s, sizeof(s)), (long long)co);
    }
    if (ri >= 0) {
        const struct seer_tensor *r = nd->in[ri];
        bool same = r->ndim == 4;
        for (int d = 0; same && d < 4; d++)
            same = r->dims[d] == out_dims[d];
        if (r->dtype != SEER_DTYPE_F32)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input %d (residual) has dtype %s, expected float32", ri,
                             seer_dtype_name(r->dtype));
        if (!same)
            return seer_errf(err, SEER_EFORMAT,
                             "input %d (residual) shape %s does not match output shape "
                             "[%lld,%lld,%lld,%lld]",
                             ri, seer_tensor_shape_str(r, s, sizeof(s)), (long long)out_dims[0],
                             (long long)out_dims[1], (long long)out_dims[2],
                             (long long)out_dims[3]);
    }
    switch (nd->a.act) {
    case SEER_ACT_NONE:
    case SEER_ACT_RELU:
    case SEER_ACT_RELU6:
    case SEER_ACT_LEAKY_RELU:
    case SEER_ACT_SIGMOID:
    case SEER_ACT_HARD_SWISH: break;
    default: return seer_errf(err, SEER_EFORMAT, "unknown fused activation %d", (int)nd->a.act);
    }
    return SEER_OK;
}

static inline float relu6(float v)
{
    return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
}

void seer__fused_store(float *y, const float *acc, int64_t n, const float *bias, const float *res,
                       enum seer_act act, float alpha)
{
    for (int64_t j = 0; j < n; j++)
        y[j] = acc[j];
    if (bias)
        for (int64_t j = 0; j < n; j++)
            y[j] += bias[j];
    if (res)
        for (int64_t j = 0; j < n; j++)
            y[j] += res[j];
    /* One switch per block rather than per element keeps the loops simple. */
    switch (act) {
    case SEER_ACT_NONE: break;
    case SEER_ACT_RELU:
        for (int64_t j = 0; j < n; j++)
            y[j] = y[j] > 0.0f ? y[j] : 0.0f;
        break;
    case SEER_ACT_RELU6:
        for (int64_t j = 0; j < n; j++)
            y[j] = relu6(y[j]);
        break;
    case SEER_ACT_LEAKY_RELU:
        /* TensorFlow: x > 0 ? x : x * alpha. */
        for (int64_t j = 0; j < n; j++)
            y[j] = y[j] > 0.0f ? y[j] : y[j] * alpha;
        break;
    case SEER_ACT_SIGMOID:
        for (int64_t j = 0; j < n; j++)
            y[j] = 1.0f / (1.0f + expf(-y[j]));
        break;
    case SEER_ACT_HARD_SWISH:
        for (int64_t j = 0; j < n; j++)
            y[j] = y[j] * relu6(y[j] + 3.0f) / 6.0f;
        break;
    }
}
