/*
 * Tests for Conv2D and DepthwiseConv2D: TensorFlow's window geometry, values worked out
 * by hand (SAME pad placement, dilation, fused bias and activations, the depthwise
 * channel order), a direct convolution written from the definition on random odd
 * shapes (which also checks nth = 2..8 against nth = 1 bit for bit), and shape errors.
 */
#include "kconv.h"

/* ---- window geometry ------------------------------------------------------------- */

TEST(conv_out_dim_follows_tensorflow)
{
    int64_t o, p;

    /* SAME: out = ceil(in / s); pad_total = (out-1)*s + k - in, the smaller half first. */
    ASSERT_OK(seer_conv_out_dim(5, 3, 2, 1, SEER_PAD_SAME, 0, 0, &o, &p));
    ASSERT_EQ(o, 3);
    ASSERT_EQ(p, 1); /* total 2: one each side */
    ASSERT_OK(seer_conv_out_dim(6, 3, 2, 1, SEER_PAD_SAME, 0, 0, &o, &p));
    ASSERT_EQ(o, 3);
    ASSERT_EQ(p, 0); /* total 1: all of it after */
    ASSERT_OK(seer_conv_out_dim(2, 1, 2, 1, SEER_PAD_SAME, 0, 0, &o, &p));
    ASSERT_EQ(o, 1);
    ASSERT_EQ(p, 0); /* negative total clamps to 0 */
    ASSERT_OK(seer_conv_out_dim(7, 3, 1, 2, SEER_PAD_SAME, 0, 0, &o, &p));
    ASSERT_EQ(o, 7);
    ASSERT_EQ(p, 2); /* dilated extent 5: total 4 */
    /* VALID: ceil((in - (k-1)*d) / s). */
    ASSERT_OK(seer_conv_out_dim(5, 3, 2, 1, SEER_PAD_VALID, 0, 0, &o, &p));
    ASSERT_EQ(o, 2);
    ASSERT_EQ(p, 0);
    ASSERT_OK(seer_conv_out_dim(7, 3, 1, 2, SEER_PAD_VALID, 0, 0, &o, &p));
    ASSERT_EQ(o, 3);
    ASSERT_OK(seer_conv_out_dim(8, 3, 3, 0, SEER_PAD_VALID, 0, 0, &o, &p));
    ASSERT_EQ(o, 2); /* dilation 0 means 1 */
    ASSERT_EQ(seer_conv_out_dim(4, 5, 1, 1, SEER_PAD_VALID, 0, 0, &o, &p), SEER_EFORMAT);
    ASSERT_EQ(seer_conv_out_dim(4, 3, 1, 2, SEER_PAD_VALID, 0, 0, &o, &p), SEER_EFORMAT);
    /* EXPLICIT: floor((in + lo + hi - k) / s) + 1, leading pad lo. */
    ASSERT_OK(seer_conv_out_dim(5, 3, 2, 1, SEER_PAD_EXPLICIT, 2, 1, &o, &p));
    ASSERT_EQ(o, 3);
    ASSERT_EQ(p, 2);
    ASSERT_EQ(seer_conv_out_dim(5, 3, 1, 1, SEER_PAD_EXPLICIT, -1, 0, &o, &p), SEER_EFORMAT);
    ASSERT_EQ(seer_conv_out_dim(5, 3, -1, 1, SEER_PAD_VALID, 0, 0, &o, &p), SEER_EFORMAT);
    ASSERT_EQ(seer_conv_out_dim(INT64_MAX / 2, INT64_MAX / 2, 1, 4, SEER_PAD_SAME, 0, 0, &o, &p),
              SEER_EFORMAT);
}

/* ---- Conv2D, values by hand ----------------------------------------------------- */

/* A single-channel conv of an all-ones h x w input with the 3x3 filter 1..9: each
 * output is the sum of the weights of its valid taps, which shows where the pads went. */
static void conv_ones(int64_t h, int64_t w, enum seer_padding pad, int stride, int dil, float *y,
                      int64_t *oh, int64_t *ow, int *rc)
{
    struct seer_graph *g = seer_graph_new();
    float x[64], wt[9];
    int64_t xd[4] = {1, h, w, 1}, wd[4] = {3, 3, 1, 1};
    struct seer_err err;

    for (int i = 0; i < 64; i++)
        x[i] = 1.0f;
    for (int i = 0; i < 9; i++)
        wt[i] = (float)(i + 1);
    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, wt)};
    struct seer_node *nd = add_node(g, SEER_OP_CONV2D, 2, in);
    nd->a.padding = pad;
    nd->a.stride[0] = nd->a.stride[1] = stride;
    nd->a.dilation[0] = nd->a.dilation[1] = dil;
    float *out = run1(nd, &err, rc);
    if (out) {
        *oh = nd->out[0]->dims[1];
        *ow = nd->out[0]->dims[2];
        memcpy(y, out, (size_t)(*oh * *ow) * sizeof(float));
    }
    seer_free(out);
    seer_graph_free(g);
}

TEST(conv_same_stride2_pad_placement)
{
    float y[64];
    int64_t oh = 0, ow = 0;
    int rc;
    /* 5x5: total pad 2 -> one row/col each side. */
    static const float want5[9] = {28, 39, 24, 33, 45, 27, 16, 21, 12};
    /* 6x6: total pad 1 -> only at the bottom/right. */
    static const float want6[9] = {45, 45, 27, 45, 45, 27, 21, 21, 12};

    conv_ones(5, 5, SEER_PAD_SAME, 2, 1, y, &oh, &ow, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(oh, 3);
    ASSERT_EQ(ow, 3);
    ASSERT_VALUES(y, want5, 9, 0);
    conv_ones(6, 6, SEER_PAD_SAME, 2, 1, y, &oh, &ow, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(oh, 3);
    ASSERT_EQ(ow, 3);
    ASSERT_VALUES(y, want6, 9, 0);
}

TEST(conv_valid_vs_same_sizes_on_odd_input)
{
    float y[64];
    int64_t oh = 0, ow = 0;
    int rc;

    conv_ones(7, 5, SEER_PAD_VALID, 2, 1, y, &oh, &ow, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(oh, 3);
    ASSERT_EQ(ow, 2);
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(y[i], 45); /* every VALID window is whole */
    conv_ones(7, 5, SEER_PAD_SAME, 2, 1, y, &oh, &ow, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(oh, 4);
    ASSERT_EQ(ow, 3);
    /* H: total pad 2 (1 top); W: total pad 2 (1 left). Top-left sees kh,kw in {1,2}. */
    ASSERT_EQ(y[0], 28);
    /* Bottom row: window rows 5,6,7 -> kh {0,1}; right col: cols 3,4,5 -> kw {0,1}. */
    ASSERT_EQ(y[3 * 3 + 2], 12);
    conv_ones(7, 5, SEER_PAD_VALID, 1, 1, y, &oh, &ow, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(oh, 5);
    ASSERT_EQ(ow, 3);
    conv_ones(2, 5, SEER_PAD_VALID, 1, 1, y, &oh, &ow, &rc);
    ASSERT_EQ(rc, SEER_EFORMAT); /* a 3-tall window does not fit in 2 rows */
}

TEST(conv_dilation_2)
{
    struct seer_graph *g = seer_graph_new();
    float x[25], w[9];
    int64_t xd[4] = {1, 5, 5, 1}, wd[4] = {3, 3, 1, 1};
    struct seer_err err;
    int rc;

    for (int i = 0; i < 25; i++)
        x[i] = (float)(i + 1); /* x[h][w] = 5h + w + 1 */
    for (int i = 0; i < 9; i++)
        w[i] = 1.0f;
    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, w)};
    struct seer_node *nd = add_node(g, SEER_OP_CONV2D, 2, in);
    nd->a.dilation[0] = nd->a.dilation[1] = 2;
    nd->a.padding = SEER_PAD_VALID;
    float *y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(nd->out[0]->dims[1], 1);
    /* Rows and cols 0, 2, 4: 1+3+5 + 11+13+15 + 21+23+25. */
    ASSERT_EQ(y[0], 117);
    seer_free(y);
    nd->a.padding = SEER_PAD_SAME; /* extent 5: total pad 4, 2 before */
    y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(nd->out[0]->dims[1], 5);
    ASSERT_EQ(nd->out[0]->dims[2], 5);
    ASSERT_EQ(y[0], 1 + 3 + 11 + 13);    /* rows/cols -2, 0, 2 */
    ASSERT_EQ(y[6], 7 + 9 + 17 + 19);    /* rows/cols -1, 1, 3 */
    ASSERT_EQ(y[12], 117);               /* centre: whole window */
    ASSERT_EQ(y[24], 13 + 15 + 23 + 25); /* rows/cols 2, 4, 6 */
    seer_free(y);
    seer_graph_free(g);
}

TEST(conv_channels_hwio)
{
    /* 1x1 conv, CI=2, CO=2: y[co] = sum_ci x[ci] * w[ci][co]. */
    struct seer_graph *g = seer_graph_new();
    float x[4] = {1, 2, 3, 4};
    float w[4] = {1, 10, 100, 1000};
    int64_t xd[4] = {1, 1, 2, 2}, wd[4] = {1, 1, 2, 2};
    static const float want[4] = {201, 2010, 403, 4030};
    struct seer_err err;
    int rc;

    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, w)};
    struct seer_node *nd = add_node(g, SEER_OP_CONV2D, 2, in);
    float *y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, want, 4, 0);
    seer_free(y);
    seer_graph_free(g);
}

/* 1x1 conv with weight 1 over 7 pixels, bias 1 (and a residual when res is given). */
static void fused_case(enum seer_act act, float alpha, const float *res, float *out, int *rc)
{
    struct seer_graph *g = seer_graph_new();
    float x[7] = {-5, -1, 0, 0.5f, 2, 4, 7}, w[1] = {1}, b[1] = {1};
    int64_t xd[4] = {1, 1, 7, 1}, wd[4] = {1, 1, 1, 1}, bd[1] = {1};
    struct seer_err err;

    struct seer_value *in[4] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, w),
                                f32_const(g, "b", 1, bd, b),
                                res ? f32_input(g, "r", 4, xd, (float *)res) : NULL};
    struct seer_node *nd = add_node(g, SEER_OP_CONV2D, res ? 4 : 3, in);
    nd->a.has_bias = true;
    nd->a.has_residual = res != NULL;
    nd->a.act = act;
    nd->a.alpha = alpha;
    float *y = run1(nd, &err, rc);
    if (y)
        memcpy(out, y, sizeof(float) * 7);
    seer_free(y);
    seer_graph_free(g);
}

TEST(conv_fused_bias_and_activations)
{
    /* Before the activation: x + 1 = {-4, 0, 1, 1.5, 3, 5, 8}. */
    static const float relu[7] = {0, 0, 1, 1.5f, 3, 5, 8};
    static const float relu6[7] = {0, 0, 1, 1.5f, 3, 5, 6};
    static const float leaky[7] = {-0.4f, 0, 1, 1.5f, 3, 5, 8};
    /* x * relu6(x + 3) / 6 */
    static const float hswish[7] = {0, 0, 4.0f / 6, 1.125f, 3, 5, 8};
    static const float sigm[7] = {0.01798621f, 0.5f,       0.7310586f, 0.8175745f,
                                  0.9525741f,  0.9933072f, 0.9996646f};
    /* With a residual, before the activation: {6, 0, -1, 1.5, 3, 5, -2}. */
    static const float res[7] = {10, 0, -2, 0, 0, 0, -10};
    static const float res_relu6[7] = {6, 0, 0, 1.5f, 3, 5, 0};
    float y[7];
    int rc;

    fused_case(SEER_ACT_RELU, 0, NULL, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, relu, 7, 0);
    fused_case(SEER_ACT_RELU6, 0, NULL, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, relu6, 7, 0);
    fused_case(SEER_ACT_LEAKY_RELU, 0.1f, NULL, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, leaky, 7, 1e-6);
    fused_case(SEER_ACT_HARD_SWISH, 0, NULL, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, hswish, 7, 1e-6);
    fused_case(SEER_ACT_SIGMOID, 0, NULL, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, sigm, 7, 1e-6);
    fused_case(SEER_ACT_RELU6, 0, res, y, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, res_relu6, 7, 0);
}

/* Sum of (-1)(1 + 2^-11) + (1 + 2^-12)^2, one fused multiply-add at a time: the exact
 * result is 2^-24, which a rounded product (1 + 2^-11) would cancel to 0. TensorFlow's
 * CPU kernels accumulate this way, and the whole-model goldens depend on it. */
TEST(conv_and_depthwise_accumulate_with_fma)
{
    const float a = -1.0f, b = 1.0f + 0x1p-11f, c = 1.0f + 0x1p-12f;
    struct seer_graph *g = seer_graph_new();
    float x[5 * 2], w[2 * 9];
    int64_t xd[4] = {1, 1, 5, 2}, wd[4] = {1, 1, 2, 9};
    int64_t dxd[4] = {1, 1, 2, 1}, dwd[4] = {1, 2, 1, 1};
    float dx[2] = {a, c}, dw[2] = {b, c};
    struct seer_err err;
    int rc;

    for (int p = 0; p < 5; p++) { /* 5 pixels: one 4-pixel block and one single */
        x[2 * p] = a;
        x[2 * p + 1] = c;
    }
    for (int o = 0; o < 9; o++) { /* 9 channels: one 8-channel block and a tail */
        w[o] = b;
        w[9 + o] = c;
    }
    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, w)};
    float *y = run1(add_node(g, SEER_OP_CONV2D, 2, in), &err, &rc);
    ASSERT_OK(rc);
    for (int i = 0; i < 45; i++)
        ASSERT_EQ(y[i] == 0x1p-24f, 1);
    seer_free(y);
    /* Depthwise: the two products are the two taps of a 1x2 window. */
    struct seer_value *din[2] = {f32_input(g, "dx", 4, dxd, dx), f32_const(g, "dw", 4, dwd, dw)};
    y = run1(add_node(g, SEER_OP_DEPTHWISE_CONV2D, 2, din), &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(y[0] == 0x1p-24f, 1);
    seer_free(y);
    seer_graph_free(g);
}

/* ---- Conv2D and depthwise against a direct implementation ------------------------ */

struct cparams {
    int64_t n, h, w, ci, kh, kw, co, m; /* m: depthwise multiplier (co = ci * m) */
    int sh, sw, dh, dw;
    enum seer_padding pad;
    int32_t pads[4];
    bool bias, res, depthwise;
    enum seer_act act;
};

static double act_ref(double v, enum seer_act act, double alpha)
{
    switch (act) {
    case SEER_ACT_RELU: return v > 0 ? v : 0;
    case SEER_ACT_RELU6: return v < 0 ? 0 : v > 6 ? 6 : v;
    case SEER_ACT_LEAKY_RELU: return v > 0 ? v : v * alpha;
    case SEER_ACT_SIGMOID: return 1 / (1 + exp(-v));
    case SEER_ACT_HARD_SWISH: {
        double r = v + 3 < 0 ? 0 : v + 3 > 6 ? 6 : v + 3;
        return v * r / 6;
    }
    default: return v;
    }
}

/* Output size and leading pad of one dim, written out from TensorFlow's rules. */
static int64_t ref_dim(int64_t in, int64_t k, int s, int d, enum seer_padding pad, int32_t lo,
                       int32_t hi, int64_t *before)
{
    int64_t ek = (k - 1) * d + 1, out;
    *before = 0;
    if (pad == SEER_PAD_VALID)
        return in >= ek ? (in - ek) / s + 1 : 0;
    if (pad == SEER_PAD_EXPLICIT) {
        *before = lo;
        return in + lo + hi >= ek ? (in + lo + hi - ek) / s + 1 : 0;
    }
    out = (in + s - 1) / s;
    int64_t total = (out - 1) * s + ek - in;
    *before = total > 0 ? total / 2 : 0;
    return out;
}

/* The definition, one output element at a time, in double. */
static void conv_direct(const struct cparams *p, const float *x, const float *w, const float *b,
                        const float *r, int64_t oh, int64_t ow, int64_t pt, int64_t pl, double *y)
{
    for (int64_t n = 0; n < p->n; n++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++)
                for (int64_t o = 0; o < p->co; o++) {
                    double s = 0;
                    for (int64_t a = 0; a < p->kh; a++)
                        for (int64_t c = 0; c < p->kw; c++) {
                            int64_t ih = i * p->sh - pt + a * p->dh;
                            int64_t iw = j * p->sw - pl + c * p->dw;
                            if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w)
                                continue;
                            const float *xp = x + ((n * p->h + ih) * p->w + iw) * p->ci;
                            if (p->depthwise) {
                                s += (double)xp[o / p->m] * w[(a * p->kw + c) * p->co + o];
                            } else {
                                for (int64_t q = 0; q < p->ci; q++)
                                    s += (double)xp[q] *
                                         w[((a * p->kw + c) * p->ci + q) * p->co + o];
                            }
                        }
                    int64_t idx = ((n * oh + i) * ow + j) * p->co + o;
                    if (b)
                        s += b[o];
                    if (r)
                        s += r[idx];
                    y[idx] = act_ref(s, p->act, 0.2);
                }
}

/* Builds the node, checks the shape against ref_dim, the values against conv_direct
 * and nth = 2..8 against nth = 1. Returns false (after reporting) on a failure. */
static bool conv_check(const struct cparams *p)
{
    struct seer_graph *g = seer_graph_new();
    int64_t pt, pl;
    int64_t oh = ref_dim(p->h, p->kh, p->sh, p->dh, p->pad, p->pads[0], p->pads[1], &pt);
    int64_t ow = ref_dim(p->w, p->kw, p->sw, p->dw, p->pad, p->pads[2], p->pads[3], &pl);
    int64_t xd[4] = {p->n, p->h, p->w, p->ci};
    int64_t wd[4] = {p->kh, p->kw, p->ci, p->depthwise ? p->m : p->co};
    int64_t bd[1] = {p->co}, yd[4] = {p->n, oh, ow, p->co};
    int64_t ny = p->n * oh * ow * p->co;
    float *x = rnd_buf(xd[0] * xd[1] * xd[2] * xd[3]);
    float *w = rnd_buf(wd[0] * wd[1] * wd[2] * wd[3]);
    float *b = p->bias ? rnd_buf(p->co) : NULL;
    float *r = p->res && ny > 0 ? rnd_buf(ny) : NULL;
    double *want = NULL;
    float *y = NULL;
    struct seer_value *in[4];
    struct seer_err err;
    bool ok = false;
    int rc, k = 0;

    in[k++] = f32_input(g, "x", 4, xd, x);
    in[k++] = f32_const(g, "w", 4, wd, w);
    if (b)
        in[k++] = f32_const(g, "b", 1, bd, b);
    if (p->res)
        in[k++] = f32_input(g, "r", 4, yd, r);
    struct seer_node *nd =
        add_node(g, p->depthwise ? SEER_OP_DEPTHWISE_CONV2D : SEER_OP_CONV2D, k, in);
    nd->a.stride[0] = p->sh;
    nd->a.stride[1] = p->sw;
    nd->a.dilation[0] = p->dh;
    nd->a.dilation[1] = p->dw;
    nd->a.padding = p->pad;
    memcpy(nd->a.pads, p->pads, sizeof(p->pads));
    nd->a.has_bias = p->bias;
    nd->a.has_residual = p->res;
    nd->a.act = p->act;
    nd->a.alpha = 0.2f;
    if (oh < 1 || ow < 1) {
        /* The output would be empty: the shape function must say so. */
        ok = shape(nd, &err) == SEER_EFORMAT && strstr(err.msg, "output");
        if (!ok)
            printf("    empty output not rejected: %s\n", err.msg);
        goto out;
    }
    y = run1(nd, &err, &rc);
    if (rc) {
        printf("    shape failed: %s\n", err.msg);
        goto out;
    }
    if (nd->out[0]->dims[1] != oh || nd->out[0]->dims[2] != ow) {
        printf("    output %lldx%lld, want %lldx%lld\n", (long long)nd->out[0]->dims[1],
               (long long)nd->out[0]->dims[2], (long long)oh, (long long)ow);
        goto out;
    }
    want = seer_malloc((size_t)ny * sizeof(*want));
    conv_direct(p, x, w, b, r, oh, ow, pt, pl, want);
    for (int64_t i = 0; i < ny; i++)
        if (!(fabs(y[i] - want[i]) <= 1e-4 * (1 + fabs(want[i])))) {
            printf("    element %lld: got %.7g, want %.7g\n", (long long)i, y[i], want[i]);
            goto out;
        }
    ok = nth_invariant(nd);
    if (!ok)
        printf("    nth > 1 differs from nth = 1\n");
out:
    if (!ok)
        printf("    case: n%lld h%lld w%lld ci%lld k%lldx%lld co%lld s%d,%d d%d,%d pad%d\n",
               (long long)p->n, (long long)p->h, (long long)p->w, (long long)p->ci,
               (long long)p->kh, (long long)p->kw, (long long)p->co, p->sh, p->sw, p->dh, p->dw,
               (int)p->pad);
    seer_free(x);
    seer_free(w);
    seer_free(b);
    seer_free(r);
    seer_free(y);
    seer_free(want);
    seer_graph_free(g);
    return ok;
}

static void rnd_cparams(struct cparams *p, bool depthwise)
{
    memset(p, 0, sizeof(*p));
    p->depthwise = depthwise;
    p->n = rnd_int(1, 2);
    p->h = rnd_int(1, 13);
    p->w = rnd_int(1, 19);
    p->ci = rnd_int(1, 13);
    p->kh = rnd_int(1, 5);
    p->kw = rnd_int(1, 5);
    p->m = depthwise ? rnd_int(1, 3) : 1;
    p->co = depthwise ? p->ci * p->m : rnd_int(1, 21);
    p->sh = rnd_int(1, 3);
    p->sw = rnd_int(1, 3);
    p->dh = rnd_int(1, 3) == 3 ? 2 : 1;
    p->dw = rnd_int(1, 3) == 3 ? 2 : 1;
    p->pad = (enum seer_padding)rnd_int(0, 2);
    for (int i = 0; i < 4; i++)
        p->pads[i] = rnd_int(0, 2);
    p->bias = rnd() & 1;
    p->res = (rnd() & 3) == 0;
    p->act = (enum seer_act)rnd_int(0, 5);
}

TEST(conv_matches_direct_on_random_odd_shapes)
{
    struct cparams p;

    for (int t = 0; t < 150; t++) {
        rnd_cparams(&p, false);
        if (!conv_check(&p))
            T_FAILF("case %d", t);
    }
    /* Wide rows and CO a multiple of 8 so the 4-pixel, 8-channel blocks run too. */
    for (int t = 0; t < 20; t++) {
        rnd_cparams(&p, false);
        p.w = rnd_int(9, 37);
        p.co = 8 * rnd_int(1, 3) + (t & 1 ? rnd_int(1, 7) : 0);
        if (!conv_check(&p))
            T_FAILF("wide case %d", t);
    }
}

TEST(depthwise_multiplier_2_by_hand)
{
    /* x 3x3x2: channel 0 = 1..9, channel 1 = 10..90. Filter [3,3,2,2], VALID -> one
     * pixel with channels c*2+m:
     *   (0,0) all ones -> sum ch0 = 45;  (0,1) centre only -> 5;
     *   (1,0) corner (0,0) only -> 10;   (1,1) all 0.5 -> 225;  plus bias 1,2,3,4. */
    struct seer_graph *g = seer_graph_new();
    float x[18], w[36] = {0}, b[4] = {1, 2, 3, 4};
    int64_t xd[4] = {1, 3, 3, 2}, wd[4] = {3, 3, 2, 2}, bd[1] = {4};
    static const float want[4] = {46, 7, 13, 229};
    struct seer_err err;
    int rc;

    for (int i = 0; i < 9; i++) {
        x[2 * i] = (float)(i + 1);
        x[2 * i + 1] = (float)(10 * (i + 1));
        w[i * 4 + 0] = 1.0f;   /* c0 m0 */
        w[i * 4 + 1] = i == 4; /* c0 m1 */
        w[i * 4 + 2] = i == 0; /* c1 m0 */
        w[i * 4 + 3] = 0.5f;   /* c1 m1 */
    }
    struct seer_value *in[3] = {f32_input(g, "x", 4, xd, x), f32_const(g, "w", 4, wd, w),
                                f32_const(g, "b", 1, bd, b)};
    struct seer_node *nd = add_node(g, SEER_OP_DEPTHWISE_CONV2D, 3, in);
    nd->a.has_bias = true;
    float *y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(nd->out[0]->dims[3], 4);
    ASSERT_VALUES(y, want, 4, 0);
    seer_free(y);
    seer_graph_free(g);
}

TEST(depthwise_matches_direct_on_random_odd_shapes)
{
    struct cparams p;

    for (int t = 0; t < 150; t++) {
        rnd_cparams(&p, true);
        if (t % 3 == 0) { /* channel counts past one 8-wide block */
            p.ci = rnd_int(8, 27);
            p.m = 1;
            p.co = p.ci;
        } else if (t % 5 == 1) { /* past one 64-channel chunk */
            p.ci = rnd_int(60, 90);
            p.m = rnd_int(1, 2);
            p.co = p.ci * p.m;
        }
        if (!conv_check(&p))
            T_FAILF("case %d", t);
    }
}

/* ---- shape errors ------------------------------------------------------------------ */

TEST(conv_shape_errors_name_the_problem)
{
    struct seer_graph *g = seer_graph_new();
    int64_t xd[4] = {1, 5, 5, 4}, x3[3] = {5, 5, 4}, wd[4] = {3, 3, 8, 16};
    int64_t wg[4] = {3, 3, 2, 16}, bd[1] = {15};
    static float zeros[3 * 3 * 8 * 16];
    struct seer_err err;
    struct seer_node *nd;

    struct seer_value *x = f32_input(g, "x", 4, xd, NULL);
    struct seer_value *w = f32_const(g, "w", 4, wd, zeros);

    struct seer_value *in[3] = {x, w, NULL};
    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT_STR(err.msg, "input 1 (filter) shape [3,3,8,16] does not match 4 input channels");

    in[0] = f32_input(g, "x3", 3, x3, NULL);
    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "input 0 (x) must have rank 4, got shape [5,5,4]"));

    in[0] = x;
    in[1] = f32_const(g, "wg", 4, wg, zeros);
    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EUNSUPPORTED);
    ASSERT(strstr(err.msg, "grouped"));

    in[1] = f32_const(g, "w4", 4, (int64_t[4]){3, 3, 4, 16}, zeros);
    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    nd->a.has_bias = true; /* ...but no bias input */
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "expects 3 inputs"));

    in[2] = f32_const(g, "b", 1, bd, zeros);
    nd = add_node(g, SEER_OP_CONV2D, 3, in);
    nd->a.has_bias = true;
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "input 2 (bias) shape [15] does not match 16 output channels"));

    nd = add_node(g, SEER_OP_CONV2D, 3, in); /* a bias input the attrs do not ask for */
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "unexpected input 2"));

    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    nd->a.stride[0] = -2;
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "stride"));

    in[1] = f32_const(g, "big", 4, (int64_t[4]){7, 1, 4, 1}, zeros);
    nd = add_node(g, SEER_OP_CONV2D, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "output height would be 0 (input 5, window 7"));

    in[1] = f32_const(g, "dw", 4, (int64_t[4]){3, 3, 3, 1}, zeros);
    nd = add_node(g, SEER_OP_DEPTHWISE_CONV2D, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "input 1 (filter) shape [3,3,3,1] does not match 4 input channels"));

    seer_graph_free(g);
}

T_MAIN(T_CASE(conv_out_dim_follows_tensorflow), T_CASE(conv_same_stride2_pad_placement),
       T_CASE(conv_valid_vs_same_sizes_on_odd_input), T_CASE(conv_dilation_2),
       T_CASE(conv_channels_hwio), T_CASE(conv_fused_bias_and_activations),
       T_CASE(conv_and_depthwise_accumulate_with_fma),
       T_CASE(conv_matches_direct_on_random_odd_shapes), T_CASE(depthwise_multiplier_2_by_hand),
       T_CASE(depthwise_matches_direct_on_random_odd_shapes),
       T_CASE(conv_shape_errors_name_the_problem))
