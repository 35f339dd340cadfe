/*
 * TFLite's uint8 kernels: the fixed-point helpers against hand-worked values (rounding
 * ties, double rounding, saturation, tiny and huge multipliers), each op on small cases
 * worked out by hand, TFLite_Detection_PostProcess (decoding, thresholds, NMS, the heap
 * order of tied scores, regular NMS), and the AVX-512 VNNI and AVX2 twins against the
 * reference kernels on random shapes, zero points and scales (every byte equal, 1 to 8
 * workers).
 */
#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "kernels/fast.h"
#include "kernels/ref/q_util.h"
#include "t.h"

TEST(quantize_multiplier_hand_values)
{
    int32_t m;
    int s;

    seer__q_quantize_multiplier(0.5, &m, &s);
    ASSERT_EQ(m, 1 << 30);
    ASSERT_EQ(s, 0);
    seer__q_quantize_multiplier(1.0, &m, &s); /* frexp: 0.5 * 2^1 */
    ASSERT_EQ(m, 1 << 30);
    ASSERT_EQ(s, 1);
    seer__q_quantize_multiplier(0.75, &m, &s); /* 0.75 * 2^31 */
    ASSERT_EQ(m, 1610612736);
    ASSERT_EQ(s, 0);
    /* A mantissa that rounds up to 2^31 is renormalised to 2^30 with one more shift. */
    seer__q_quantize_multiplier(1.0 - 1.0 / (1 << 30) / (1 << 10), &m, &s);
    ASSERT_EQ(m, 1 << 30);
    ASSERT_EQ(s, 1);
    /* Tiny: 2^-32 still fits (shift -31), 2^-33 flushes to zero. */
    seer__q_quantize_multiplier(1.0 / 4294967296.0, &m, &s);
    ASSERT_EQ(m, 1 << 30);
    ASSERT_EQ(s, -31);
    seer__q_quantize_multiplier(1.0 / 8589934592.0, &m, &s);
    ASSERT_EQ(m, 0);
    ASSERT_EQ(s, 0);
    /* Huge: 3e9 = 0.6985 * 2^32. */
    seer__q_quantize_multiplier(3e9, &m, &s);
    ASSERT_EQ(s, 32);
    ASSERT_EQ(m, (int32_t)llround(3e9 / 4294967296.0 * 2147483648.0));
}

TEST(fixed_point_rounding_hand_values)
{
    /* SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties toward +infinity. */
    ASSERT_EQ(seer__q_srdhm(1 << 15, 1 << 15), 1);             /* 0.5 -> 1 */
    ASSERT_EQ(seer__q_srdhm(3 << 15, 1 << 15), 2);             /* 1.5 -> 2 */
    ASSERT_EQ(seer__q_srdhm(-(1 << 15), 1 << 15), 0);          /* -0.5 -> 0 */
    ASSERT_EQ(seer__q_srdhm(-(3 << 15), 1 << 15), -1);         /* -1.5 -> -1 */
    ASSERT_EQ(seer__q_srdhm(INT32_MIN, INT32_MIN), INT32_MAX); /* the saturating case */
    ASSERT_EQ(seer__q_srdhm(INT32_MAX, INT32_MAX), INT32_MAX - 1);
    /* RoundingDivideByPOT: ties away from zero. */
    ASSERT_EQ(seer__q_rdbpot(5, 1), 3);
    ASSERT_EQ(seer__q_rdbpot(-5, 1), -3);
    ASSERT_EQ(seer__q_rdbpot(-4, 1), -2);
    ASSERT_EQ(seer__q_rdbpot(6, 2), 2);   /* 1.5 */
    ASSERT_EQ(seer__q_rdbpot(-6, 2), -2); /* -1.5 */
    ASSERT_EQ(seer__q_rdbpot(7, 0), 7);
    ASSERT_EQ(seer__q_rdbpot(INT32_MAX, 31), 1);
    ASSERT_EQ(seer__q_rdbpot(INT32_MIN, 31), -1);
    /* MultiplyByQuantizedMultiplier rounds twice: 5 * 0.25 = 1.25 comes out 2 (2.5 -> 3,
     * then 1.5 -> 2); -6 * 0.25 = -1.5 -> -2; 6 * 0.25 = 1.5 -> 2. */
    ASSERT_EQ(seer__q_mul(5, 1 << 30, -1), 2);
    ASSERT_EQ(seer__q_mul(-5, 1 << 30, -1), -1);
    ASSERT_EQ(seer__q_mul(-6, 1 << 30, -1), -2);
    ASSERT_EQ(seer__q_mul(6, 1 << 30, -1), 2);
    ASSERT_EQ(seer__q_mul(100, 1 << 30, 0), 50);
    ASSERT_EQ(seer__q_mul(3, 1 << 30, 2), 6); /* left shift first: 3 * 4 * 0.5 */
    ASSERT_EQ(seer__q_mul(12345, 0, 0), 0);   /* a flushed multiplier */
}

TEST(activation_ranges_hand_values)
{
    struct seer_tensor t = {0};
    int32_t lo, hi;

    t.dtype = SEER_DTYPE_U8;
    t.q.scale = 6.0f / 255;
    seer__q_act_range(&t, SEER_ACT_RELU6, &lo, &hi);
    ASSERT_EQ(lo, 0);
    ASSERT_EQ(hi, 255);
    t.q.scale = 0.1f;
    t.q.zero_point = 10;
    seer__q_act_range(&t, SEER_ACT_RELU, &lo, &hi);
    ASSERT_EQ(lo, 10);
    ASSERT_EQ(hi, 255);
    seer__q_act_range(&t, SEER_ACT_RELU6, &lo, &hi);
    ASSERT_EQ(hi, 70); /* 10 + round(6 / 0.1) */
    seer__q_act_range(&t, SEER_ACT_NONE, &lo, &hi);
    ASSERT_EQ(lo, 0);
    ASSERT_EQ(hi, 255);
    t.q.scale = 1.0f;
    t.q.zero_point = 250;
    seer__q_act_range(&t, SEER_ACT_RELU6, &lo, &hi);
    ASSERT_EQ(hi, 255); /* 256 clamps to the type */
}

/* ---- single-node graphs ---- */

struct tin {
    enum seer_dtype dt;
    int ndim;
    int64_t dims[4];
    const void *data;
    float scale;
    int32_t zp;
    bool input; /* a graph input (else a constant) */
};

struct one {
    struct seer_graph *g;
    struct seer_plan *p;
};

/* Builds in -> op -> n_out outputs (quantisation outq[i]), plans it with nth workers
 * (reference kernels or the defaults), feeds the inputs and runs. */
static int one_run(enum seer_op op, const struct seer_attrs *a, int n_in, const struct tin *in,
                   int n_out, const struct seer_quant *outq, bool reference, int nth, struct one *o,
                   struct seer_err *e)
{
    struct seer_value *v[8] = {0};
    struct seer_node *nd;
    struct seer_plan_opts po = {0};
    int rc, k = 0;

    memset(o, 0, sizeof(*o));
    o->g = seer_graph_new();
    for (int i = 0; i < n_in; i++) {
        if (!in[i].dt && !in[i].ndim && !in[i].data)
            continue; /* absent optional input */
        v[i] = in[i].input ? seer_graph_add_input(o->g, NULL, in[i].dt, in[i].ndim, in[i].dims)
                           : seer_graph_add_const(o->g, NULL, in[i].dt, in[i].ndim, in[i].dims,
                                                  in[i].data, true);
        v[i]->t.q.scale = in[i].scale;
        v[i]->t.q.zero_point = in[i].zp;
    }
    nd = seer_graph_add_node(o->g, op, "op", n_in, v, n_out);
    if (a)
        nd->a = *a;
    for (int i = 0; i < n_out; i++) {
        nd->out[i]->q = outq ? outq[i] : (struct seer_quant){0};
        seer_graph_mark_output(o->g, seer_value_of(nd->out[i]));
    }
    po.reference = reference;
    po.n_threads = nth;
    if ((rc = seer_graph_prepare(o->g, e)) || (rc = seer_plan_new(o->g, &po, &o->p, e)))
        return rc;
    for (int i = 0; i < n_in; i++) {
        size_t nb;
        if (!in[i].input)
            continue;
        struct seer_tensor *t = seer_plan_input(o->p, k++);
        seer_tensor_nbytes(t, &nb);
        memcpy(t->data, in[i].data, nb);
    }
    return seer_plan_run(o->p, e);
}

static void one_free(struct one *o)
{
    seer_plan_free(o->p);
    seer_graph_free(o->g);
}

static const uint8_t *out_u8(const struct one *o, int i)
{
    return seer_plan_output(o->p, i)->data;
}

TEST(qconv_padding_taps_contribute_nothing)
{
    /* 2x2 input, x - 3 = {-2, -1, 0, 1}; a 3x3 filter of (w - zw) = 1 with SAME padding
     * covers the whole input from every output pixel: sum -2, times M = 1, plus the
     * output zero point 20 -> 18 everywhere. Padding with real zeros instead of the zero
     * point would add (0 - 3) * 1 for each of the 5 outside taps. */
    const uint8_t x[4] = {1, 2, 3, 4};
    uint8_t w[9];
    struct seer_attrs a = {0};
    struct seer_quant yq = {1.0f, 20};
    struct seer_err e = {{0}};
    struct one o;

    memset(w, 11, sizeof(w));
    struct tin in[2] = {{SEER_DTYPE_U8, 4, {1, 2, 2, 1}, x, 1.0f, 3, true},
                        {SEER_DTYPE_U8, 4, {1, 3, 3, 1}, w, 1.0f, 10, false}};
    a.padding = SEER_PAD_SAME;
    for (int ref = 0; ref < 2; ref++) {
        ASSERT_OK(one_run(SEER_OP_QCONV2D, &a, 2, in, 1, &yq, ref, 1, &o, &e));
        for (int i = 0; i < 4; i++)
            ASSERT_EQ(out_u8(&o, 0)[i], 18);
        one_free(&o);
    }
}

TEST(qconv_rounding_bias_and_clamps)
{
    /* 1x1, one input and one output channel; x - zx = {5, -5, -6, 6, 100, -100}, w - zw
     * = 1, M = 0.5 * 0.5 / 1 = 0.25, output zero point 10:
     * 5 -> 2 (double rounding), -5 -> -1, -6 -> -2, 6 -> 2, then +10;
     * 100 + bias 1000 -> 275 -> clamps to 255; -100 -> -25 -> -15 clamps to 0. */
    const uint8_t x[6] = {105, 95, 94, 106, 200, 0};
    const uint8_t w[1] = {51};
    const int32_t b0[1] = {0}, b1[1] = {1000};
    struct seer_quant yq = {1.0f, 10};
    struct seer_err e = {{0}};
    struct one o;
    struct tin in[3] = {{SEER_DTYPE_U8, 4, {1, 2, 3, 1}, x, 0.5f, 100, true},
                        {SEER_DTYPE_U8, 4, {1, 1, 1, 1}, w, 0.5f, 50, false},
                        {SEER_DTYPE_I32, 1, {1}, b0, 0.25f, 0, false}};
    const uint8_t want[6] = {12, 9, 8, 12, 35, 0};

    for (int ref = 0; ref < 2; ref++) {
        ASSERT_OK(one_run(SEER_OP_QCONV2D, NULL, 3, in, 1, &yq, ref, 1, &o, &e));
        ASSERT(!memcmp(out_u8(&o, 0), want, 6));
        one_free(&o);
    }
    in[2].data = b1;
    ASSERT_OK(one_run(SEER_OP_QCONV2D, NULL, 3, in, 1, &yq, true, 1, &o, &e));
    ASSERT_EQ(out_u8(&o, 0)[4], 255); /* (100 + 1000) / 4 + 10 */
    ASSERT_EQ(out_u8(&o, 0)[5], 235); /* (-100 + 1000) / 4 + 10 */
    one_free(&o);
    /* ReLU6 at scale 1, zero 10: [10, 16]. */
    struct seer_attrs a = {0};
    a.act = SEER_ACT_RELU6;
    in[2].data = b0;
    ASSERT_OK(one_run(SEER_OP_QCONV2D, &a, 3, in, 1, &yq, true, 1, &o, &e));
    const uint8_t want6[6] = {12, 10, 10, 12, 16, 10};
    ASSERT(!memcmp(out_u8(&o, 0), want6, 6));
    one_free(&o);
}

TEST(qconv_multiplier_limits)
{
    const uint8_t x[1] = {200}, w[1] = {200};
    struct seer_quant big = {1e-12f, 0}, tiny = {1e12f, 7};
    struct seer_err e = {{0}};
    struct one o;
    struct tin in[2] = {{SEER_DTYPE_U8, 4, {1, 1, 1, 1}, x, 1.0f, 0, true},
                        {SEER_DTYPE_U8, 4, {1, 1, 1, 1}, w, 1.0f, 0, false}};

    /* M = 1e12 needs a shift of 40: refused at prepare, with a reason. */
    ASSERT_EQ(one_run(SEER_OP_QCONV2D, NULL, 2, in, 1, &big, true, 1, &o, &e), SEER_EUNSUPPORTED);
    ASSERT(strstr(e.msg, "fixed point"));
    one_free(&o);
    /* M = 1e-12 flushes to zero: every output is the zero point. */
    ASSERT_OK(one_run(SEER_OP_QCONV2D, NULL, 2, in, 1, &tiny, true, 1, &o, &e));
    ASSERT_EQ(out_u8(&o, 0)[0], 7);
    one_free(&o);
}

TEST(qdepthwise_hand_values_with_multiplier)
{
    /* One pixel, 2 input channels, depth multiplier 2: output c*2+m reads channel c.
     * x - zx = {4, -8}; (w - zw) = {1, 2, 3, -1}; M = 1: outputs 4, 8, -24, 8, + 100. */
    const uint8_t x[2] = {14, 2}, w[4] = {21, 22, 23, 19};
    struct seer_quant yq = {1.0f, 100};
    struct seer_err e = {{0}};
    struct one o;
    struct tin in[2] = {{SEER_DTYPE_U8, 4, {1, 1, 1, 2}, x, 1.0f, 10, true},
                        {SEER_DTYPE_U8, 4, {1, 1, 1, 4}, w, 1.0f, 20, false}};
    const uint8_t want[4] = {104, 108, 76, 108};

    for (int ref = 0; ref < 2; ref++) {
        ASSERT_OK(one_run(SEER_OP_QDEPTHWISE_CONV2D, NULL, 2, in, 1, &yq, ref, 1, &o, &e));
        ASSERT(!memcmp(out_u8(&o, 0), want, 4));
        one_free(&o);
    }
}

TEST(qconcat_copies_or_requantises)
{
    /* Input 0 has the output's scale and zero point: copied. Input 1 (0.5, 10) into
     * (1, 0): round(q * 0.5 - 5), half away from zero: 10 -> 0, 13 -> 1.5 -> 2,
     * 15 -> 2.5 -> 3, 255 -> 122.5 -> 123, 0 -> -5 -> clamps to 0. */
    const uint8_t x0[2] = {7, 250}, x1[5] = {10, 13, 15, 255, 0};
    struct seer_quant yq = {1.0f, 0};
    struct seer_attrs a = {0};
    struct seer_err e = {{0}};
    struct one o;
    struct tin in[2] = {{SEER_DTYPE_U8, 2, {1, 2}, x0, 1.0f, 0, true},
                        {SEER_DTYPE_U8, 2, {1, 5}, x1, 0.5f, 10, true}};
    const uint8_t want[7] = {7, 250, 0, 2, 3, 123, 0};

    a.axis = -1;
    ASSERT_OK(one_run(SEER_OP_QCONCAT, &a, 2, in, 1, &yq, true, 3, &o, &e));
    ASSERT(!memcmp(out_u8(&o, 0), want, 7));
    one_free(&o);
}

TEST(qlogistic_dequantize_quantize_hand_values)
{
    const uint8_t lx[4] = {0, 128, 255, 144};
    const uint8_t dx[3] = {200, 100, 0};
    const int8_t dx8[2] = {-128, 127};
    const float qx[5] = {2.6f, -100.0f, 1.25f, 1000.0f, -0.25f};
    const uint8_t rx[2] = {5, 200};
    struct seer_quant lq = {1.0f / 256, 0}, uq = {0.5f, 3}, rq = {2.0f, 10}, none = {0};
    struct seer_attrs a = {0};
    struct seer_err e = {{0}};
    struct one o;

    /* Logistic of (q - 128) / 16: sig(-8) * 256 = 0.09 -> 0, 0.5 -> 128, sig(7.94) *
     * 256 = 255.9 -> 256 -> 255, sig(1) * 256 = 187.15 -> 187. */
    struct tin l = {SEER_DTYPE_U8, 1, {4}, lx, 1.0f / 16, 128, true};
    ASSERT_OK(one_run(SEER_OP_QLOGISTIC, NULL, 1, &l, 1, &lq, true, 2, &o, &e));
    const uint8_t lw[4] = {0, 128, 255, 187};
    ASSERT(!memcmp(out_u8(&o, 0), lw, 4));
    one_free(&o);
    /* Its output must be scale 1/256, zero 0 (TFLite's rule). */
    ASSERT_EQ(one_run(SEER_OP_QLOGISTIC, NULL, 1, &l, 1, &uq, true, 2, &o, &e), SEER_EUNSUPPORTED);
    one_free(&o);
    /* Dequantize: 0.5 * (q - 100); int8 with 0.25 and -1. */
    struct tin d = {SEER_DTYPE_U8, 1, {3}, dx, 0.5f, 100, true};
    ASSERT_OK(one_run(SEER_OP_DEQUANTIZE, NULL, 1, &d, 1, &none, true, 1, &o, &e));
    const float *f = seer_plan_output(o.p, 0)->data;
    ASSERT(f[0] == 50.0f && f[1] == 0.0f && f[2] == -50.0f);
    one_free(&o);
    struct tin d8 = {SEER_DTYPE_I8, 1, {2}, dx8, 0.25f, -1, true};
    ASSERT_OK(one_run(SEER_OP_DEQUANTIZE, NULL, 1, &d8, 1, &none, true, 1, &o, &e));
    f = seer_plan_output(o.p, 0)->data;
    ASSERT(f[0] == -31.75f && f[1] == 32.0f);
    one_free(&o);
    /* Quantize to (0.5, 3): round(x / 0.5) + 3 clamped; ties away from zero. */
    struct tin q = {SEER_DTYPE_F32, 1, {5}, qx, 0, 0, true};
    a.dtype = SEER_DTYPE_U8;
    ASSERT_OK(one_run(SEER_OP_QUANTIZE, &a, 1, &q, 1, &uq, true, 1, &o, &e));
    const uint8_t qw[5] = {8, 0, 6, 255, 2};
    ASSERT(!memcmp(out_u8(&o, 0), qw, 5));
    one_free(&o);
    /* Requantise uint8 (1, 0) -> (2, 10): 5 * 0.5 = 2.5 -> 3 -> 13; 200 -> 110. */
    struct tin r = {SEER_DTYPE_U8, 1, {2}, rx, 1.0f, 0, true};
    ASSERT_OK(one_run(SEER_OP_QUANTIZE, &a, 1, &r, 1, &rq, true, 1, &o, &e));
    ASSERT_EQ(out_u8(&o, 0)[0], 13);
    ASSERT_EQ(out_u8(&o, 0)[1], 110);
    one_free(&o);
}

/* ---- TFLite_Detection_PostProcess ---- */

struct pp_case {
    float anchors[4][4]; /* y, x, h, w */
    float scores[4][3];  /* background, class 0, class 1 */
    float params[SEER_PP_COUNT];
};

static int pp_run(const struct pp_case *c, struct one *o, struct seer_err *e)
{
    static const float enc[4][4] = {{0}};
    struct tin in[4] = {{SEER_DTYPE_F32, 3, {1, 4, 4}, enc, 0, 0, true},
                        {SEER_DTYPE_F32, 3, {1, 4, 3}, c->scores, 0, 0, true},
                        {SEER_DTYPE_F32, 2, {4, 4}, c->anchors, 0, 0, false},
                        {SEER_DTYPE_F32, 1, {SEER_PP_COUNT}, c->params, 0, 0, false}};

    return one_run(SEER_OP_DETECTION_POSTPROCESS, NULL, 4, in, 4, NULL, true, 1, o, e);
}

static const float *pp_out(const struct one *o, int i)
{
    return seer_plan_output(o->p, i)->data;
}

TEST(postprocess_ties_come_out_in_heap_order)
{
    /* Three separate boxes tie at 0.5; the fourth scores under the threshold. TFLite's
     * sort of that era was libc++'s heap-based std::partial_sort: for three equal keys
     * [0, 1, 2] the heap becomes [1, 0, 2], and popping it yields 2, 0, 1. */
    struct pp_case c = {
        {{0.2f, 0.2f, 0.1f, 0.1f},
         {0.5f, 0.5f, 0.1f, 0.1f},
         {0.8f, 0.8f, 0.1f, 0.1f},
         {0.5f, 0.2f, 0.1f, 0.1f}},
        {{0, 0.5f, 0.1f}, {0, 0.2f, 0.5f}, {0, 0.5f, 0.5f}, {0, 0.05f, 0.0f}},
        {3, 1, 100, 0, 0.1f, 0.5f, 2, 10, 10, 5, 5},
    };
    struct seer_err e = {{0}};
    struct one o;

    ASSERT_OK(pp_run(&c, &o, &e));
    ASSERT_EQ(pp_out(&o, 3)[0], 3);
    const float *b = pp_out(&o, 0), *cls = pp_out(&o, 1), *s = pp_out(&o, 2);
    /* Anchor 2 first (0.8, 0.8, half size 0.05), then 0, then 1; anchor 2's classes tie
     * too and the first maximum (class 0) wins. */
    ASSERT(b[0] == 0.8f - 0.05f && b[1] == 0.8f - 0.05f && b[2] == 0.8f + 0.05f);
    ASSERT(b[4] == 0.2f - 0.05f && b[8] == 0.5f - 0.05f);
    ASSERT(cls[0] == 0 && cls[1] == 0 && cls[2] == 1);
    ASSERT(s[0] == 0.5f && s[1] == 0.5f && s[2] == 0.5f);
    one_free(&o);
}

TEST(postprocess_fast_and_regular_nms)
{
    /* Anchors 0 and 1 are the same box; anchor 2 is elsewhere; anchor 3 scores nothing.
     * Fast NMS ranks anchors by their best class: 0 (0.9, class 0) suppresses 1 (0.7),
     * then 2 (0.6, class 1): two detections, the third row zero.
     * Regular NMS per class: class 0 keeps anchor 0 (0.9); class 1 keeps anchor 0 (0.8)
     * and anchor 2 (0.6) (anchor 1's 0.2 is under the threshold): 0.9, 0.8, 0.6. */
    struct pp_case c = {
        {{0.5f, 0.5f, 0.2f, 0.2f},
         {0.5f, 0.5f, 0.2f, 0.2f},
         {0.2f, 0.2f, 0.1f, 0.1f},
         {0.8f, 0.8f, 0.1f, 0.1f}},
        {{0, 0.9f, 0.8f}, {0, 0.7f, 0.2f}, {0, 0.1f, 0.6f}, {0, 0, 0}},
        {3, 1, 100, 0, 0.3f, 0.5f, 2, 10, 10, 5, 5},
    };
    struct seer_err e = {{0}};
    struct one o;

    ASSERT_OK(pp_run(&c, &o, &e));
    ASSERT_EQ(pp_out(&o, 3)[0], 2);
    ASSERT(pp_out(&o, 1)[0] == 0 && pp_out(&o, 2)[0] == 0.9f);
    ASSERT(pp_out(&o, 1)[1] == 1 && pp_out(&o, 2)[1] == 0.6f);
    ASSERT(pp_out(&o, 2)[2] == 0 && pp_out(&o, 0)[8] == 0);
    one_free(&o);
    c.params[SEER_PP_USE_REGULAR_NMS] = 1;
    ASSERT_OK(pp_run(&c, &o, &e));
    ASSERT_EQ(pp_out(&o, 3)[0], 3);
    const float *cls = pp_out(&o, 1), *s = pp_out(&o, 2), *b = pp_out(&o, 0);
    ASSERT(cls[0] == 0 && s[0] == 0.9f && cls[1] == 1 && s[1] == 0.8f);
    ASSERT(cls[2] == 1 && s[2] == 0.6f && b[8] == 0.2f - 0.05f);
    one_free(&o);
    /* Two classes per detection (fast NMS): anchor 0 reports class 0 then class 1. */
    c.params[SEER_PP_USE_REGULAR_NMS] = 0;
    c.params[SEER_PP_MAX_CLASSES_PER_DETECTION] = 2;
    ASSERT_OK(pp_run(&c, &o, &e));
    ASSERT_EQ(seer_plan_output(o.p, 1)->dims[1], 6);
    cls = pp_out(&o, 1);
    s = pp_out(&o, 2);
    ASSERT(cls[0] == 0 && s[0] == 0.9f && cls[1] == 1 && s[1] == 0.8f);
    ASSERT(cls[2] == 1 && s[2] == 0.6f && cls[3] == 0 && s[3] == 0.1f);
    one_free(&o);
}

TEST(postprocess_decodes_uint8_boxes)
{
    /* Encodings (scale 0.1, zero 128): ty = 1.0 (138) and th = 0.5 * 5 = 2.5 (153) -> the
     * centre moves by 1 / 10 * h, the half height is 0.5 * exp(2.5 / 5) * h. Anchors
     * (scale 1/64, zero 0): (32, 32, 16, 8) = (0.5, 0.5, 0.25, 0.125). */
    const uint8_t enc[4] = {138, 128, 153, 128}, anc[4] = {32, 32, 16, 8};
    const uint8_t sc[3] = {0, 200, 10};
    const float params[SEER_PP_COUNT] = {1, 1, 100, 0, 0.1f, 0.5f, 2, 10, 10, 5, 5};
    struct tin in[4] = {{SEER_DTYPE_U8, 3, {1, 1, 4}, enc, 0.1f, 128, true},
                        {SEER_DTYPE_U8, 3, {1, 1, 3}, sc, 1.0f / 256, 0, true},
                        {SEER_DTYPE_U8, 2, {1, 4}, anc, 1.0f / 64, 0, false},
                        {SEER_DTYPE_F32, 1, {SEER_PP_COUNT}, params, 0, 0, false}};
    struct seer_err e = {{0}};
    struct one o;

    ASSERT_OK(one_run(SEER_OP_DETECTION_POSTPROCESS, NULL, 4, in, 4, NULL, true, 1, &o, &e));
    const float *b = pp_out(&o, 0);
    double yc = 0.5 + 0.1 * 0.25, hh = 0.5 * exp(0.5) * 0.25, hw = 0.5 * 0.125;
    ASSERT_NEAR(b[0], yc - hh, 1e-6);
    ASSERT_NEAR(b[1], 0.5 - hw, 1e-6);
    ASSERT_NEAR(b[2], yc + hh, 1e-6);
    ASSERT_NEAR(b[3], 0.5 + hw, 1e-6);
    ASSERT(pp_out(&o, 2)[0] == 200.0f / 256 && pp_out(&o, 1)[0] == 0);
    one_free(&o);
}

/* ---- fast twins against the reference ---- */

static uint32_t rng = 12345;

static uint32_t rnd(uint32_t n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

static bool twin_available(void)
{
    static const uint8_t w[4] = {1, 2, 3, 4};
    struct tin in[2] = {{SEER_DTYPE_U8, 4, {1, 2, 2, 4}, NULL, 0.1f, 3, true},
                        {SEER_DTYPE_U8, 4, {1, 1, 1, 4}, w, 0.1f, 3, false}};
    struct seer_quant yq = {0.5f, 0};
    struct seer_err e = {{0}};
    struct seer_fast f;
    struct one o;
    uint8_t x[16] = {0};
    bool ok;

    in[0].data = x;
    if (one_run(SEER_OP_QCONV2D, NULL, 2, in, 1, &yq, true, 1, &o, &e))
        return false;
    ok = seer__qconv_vnni_prepare(o.g->nodes[0], 1, &f) == SEER_OK;
    if (ok)
        f.free(f.state);
    one_free(&o);
    return ok;
}

typedef int (*twin_prepare_fn)(const struct seer_node *nd, int n_threads, struct seer_fast *out);

/* Runs a twin directly on o's prepared node, workers 0..nth-1 one after the other,
 * into out. EUNSUPPORTED when the twin does not take the node here. */
static int run_twin(twin_prepare_fn prep, struct one *o, int nth, uint8_t *out)
{
    struct seer_node *nd = o->g->nodes[0];
    struct seer_fast f;
    int rc = prep(nd, nth, &f);

    if (rc)
        return rc;
    nd->in[0]->data = seer_plan_input(o->p, 0)->data;
    nd->out[0]->data = out;
    nd->prepared = f.state;
    for (int ith = 0; ith < nth; ith++) {
        struct seer_kctx k = {ith, nth, NULL, 0};
        f.fn(&k, nd);
    }
    nd->prepared = NULL;
    nd->in[0]->data = nd->out[0]->data = NULL;
    f.free(f.state);
    return SEER_OK;
}

static void conformance(bool depthwise, int trials)
{
    struct seer_err e = {{0}};
    int ran = 0, twin_runs[2] = {0, 0};

    for (int t = 0; t < trials; t++) {
        int64_t n = 1 + rnd(2), h = 1 + rnd(9), w = 1 + rnd(9), ci = 1 + rnd(40);
        int64_t kh = 1 + rnd(3), kw = 1 + rnd(3), mult = depthwise ? 1 + rnd(2) : 1;
        int64_t co = depthwise ? ci * mult : 1 + rnd(70);
        struct seer_attrs a = {0};
        if (!depthwise && t % 3 == 0) { /* the in-place path: 1x1, stride 1, ci % 4 == 0 */
            kh = kw = 1;
            ci = 4 * (1 + rnd(24));
        }
        a.stride[0] = kh == 1 && kw == 1 && t % 3 == 0 ? 1 : 1 + (int32_t)rnd(2);
        a.stride[1] = a.stride[0] == 1 ? 1 : 1 + (int32_t)rnd(2);
        a.dilation[0] = a.dilation[1] = t % 5 == 4 ? 2 : 1;
        a.padding = rnd(2) ? SEER_PAD_SAME : SEER_PAD_VALID;
        a.act = (enum seer_act)rnd(3);
        size_t nx = (size_t)(n * h * w * ci), nw = (size_t)(kh * kw * (depthwise ? co : co * ci));
        uint8_t *x = seer_malloc(nx), *wt = seer_malloc(nw);
        int32_t *b = seer_malloc((size_t)co * sizeof(int32_t));
        for (size_t i = 0; i < nx; i++)
            x[i] = (uint8_t)rnd(256);
        for (size_t i = 0; i < nw; i++)
            wt[i] = (uint8_t)rnd(256);
        for (int64_t i = 0; i < co; i++)
            b[i] = (int32_t)rnd(20001) - 10000;
        float xs = 0.01f + 0.001f * (float)rnd(100), ws = 0.002f + 0.0001f * (float)rnd(100);
        struct tin in[3] = {{SEER_DTYPE_U8, 4, {n, h, w, ci}, x, xs, (int32_t)rnd(256), true},
                            {SEER_DTYPE_U8,
                             4,
                             {depthwise ? 1 : co, kh, kw, depthwise ? co : ci},
                             wt,
                             ws,
                             (int32_t)rnd(256),
                             false},
                            {SEER_DTYPE_I32, 1, {co}, b, xs * ws, 0, false}};
        /* Output scales that keep the outputs mostly inside [0, 255]. */
        struct seer_quant yq = {xs * ws * (float)(kh * kw * (depthwise ? 1 : ci)) * (4 + rnd(60)),
                                (int32_t)rnd(256)};
        struct one ref, fast;
        enum seer_op op = depthwise ? SEER_OP_QDEPTHWISE_CONV2D : SEER_OP_QCONV2D;
        int rc = one_run(op, &a, 3, in, 1, &yq, true, 1, &ref, &e);
        if (rc == SEER_EFORMAT) { /* an empty output (VALID, window larger than input) */
            one_free(&ref);
        } else {
            ASSERT_OK(rc);
            size_t ny = (size_t)seer_tensor_numel(seer_plan_output(ref.p, 0));
            /* Each twin on its own (whichever the plan picks, both are checked). */
            static const twin_prepare_fn twins[2] = {seer__qconv_vnni_prepare,
                                                     seer__qconv_avx2_prepare};
            uint8_t *buf = seer_malloc(ny);
            for (int tw = 0; tw < 2; tw++) {
                for (int nth = 1; nth <= 3; nth++) {
                    memset(buf, 0xAA, ny);
                    int trc = run_twin(twins[tw], &ref, nth, buf);
                    if (trc == SEER_EUNSUPPORTED)
                        break; /* not on this CPU, or a depth multiplier */
                    ASSERT_OK(trc);
                    twin_runs[tw]++;
                    if (memcmp(out_u8(&ref, 0), buf, ny))
                        T_FAILF("trial %d: the %s twin differs with %d workers", t,
                                tw ? "AVX2" : "VNNI", nth);
                }
            }
            seer_free(buf);
            for (int nth = 1; nth <= 8; nth++) {
                /* 1-4 workers on the default kernels, 5-8 on the reference ones. */
                ASSERT_OK(one_run(op, &a, 3, in, 1, &yq, nth > 4, nth, &fast, &e));
                if (memcmp(out_u8(&ref, 0), out_u8(&fast, 0), ny))
                    T_FAILF("trial %d (%s, n%lld h%lld w%lld ci%lld co%lld k%lldx%lld s%d,%d "
                            "d%d %s act %d) differs with %d workers (%s)",
                            t, depthwise ? "depthwise" : "conv", (long long)n, (long long)h,
                            (long long)w, (long long)ci, (long long)co, (long long)kh,
                            (long long)kw, a.stride[0], a.stride[1], a.dilation[0],
                            a.padding == SEER_PAD_SAME ? "SAME" : "VALID", (int)a.act, nth,
                            nth > 4 ? "reference" : "default kernels");
                one_free(&fast);
            }
            one_free(&ref);
            ran++;
        }
        seer_free(x);
        seer_free(wt);
        seer_free(b);
    }
    ASSERT(ran > trials / 2);
    printf("    %d VNNI and %d AVX2 twin runs compared\n", twin_runs[0], twin_runs[1]);
    /* The AVX2 twin runs on any x86-64 CPU this test meets in practice. */
    ASSERT(twin_runs[1] > 0 || seer__isa() < SEER_ISA_AVX2);
}

TEST(twins_rounding_ties_match_reference)
{
    /* acc = x - 128 over every byte (and -3 * that on a second channel), M = 1/8 and
     * 3/8: both rounding steps hit their ties. Default kernels and reference must both
     * equal seer__q_mul + zero point, clamped. */
    uint8_t x[256 * 4] = {0};
    const uint8_t w[8] = {11, 10, 10, 10, 7, 10, 10, 10};
    struct seer_err e = {{0}};
    struct one o;

    for (int i = 0; i < 256; i++)
        x[4 * i] = (uint8_t)i;
    for (int k = 1; k <= 3; k += 2) {
        struct tin in[2] = {{SEER_DTYPE_U8, 4, {1, 16, 16, 4}, x, 0.5f, 128, true},
                            {SEER_DTYPE_U8, 4, {2, 1, 1, 4}, w, 0.25f * (float)k, 10, false}};
        struct seer_quant yq = {1.0f, 128};
        int32_t m;
        int sh;
        seer__q_quantize_multiplier(0.125 * k, &m, &sh);
        static const twin_prepare_fn twins[2] = {seer__qconv_vnni_prepare,
                                                 seer__qconv_avx2_prepare};
        static const char *const names[4] = {"default", "reference", "VNNI", "AVX2"};
        uint8_t buf[512];
        for (int run = 0; run < 4; run++) {
            const uint8_t *got = buf;
            ASSERT_OK(one_run(SEER_OP_QCONV2D, NULL, 2, in, 1, &yq, run != 0, 2, &o, &e));
            if (run < 2)
                got = out_u8(&o, 0);
            else if (run_twin(twins[run - 2], &o, 2, buf) != SEER_OK)
                got = NULL; /* not on this CPU */
            for (int i = 0; got && i < 256; i++) {
                for (int c = 0; c < 2; c++) {
                    int32_t v = seer__q_mul((i - 128) * (c ? -3 : 1), m, sh) + 128;
                    v = v < 0 ? 0 : v > 255 ? 255 : v;
                    if (got[2 * i + c] != v)
                        T_FAILF("k %d x %d channel %d: %d, want %d (%s)", k, i, c, got[2 * i + c],
                                v, names[run]);
                }
            }
            one_free(&o);
        }
    }
}

TEST(twins_conv_equal_reference_on_random_shapes)
{
    if (!twin_available())
        printf("    note: no AVX-512 VNNI here; the default kernels are the reference\n");
    conformance(false, 60);
}

TEST(twins_depthwise_equal_reference_on_random_shapes)
{
    conformance(true, 60);
}

T_MAIN(T_CASE(quantize_multiplier_hand_values), T_CASE(fixed_point_rounding_hand_values),
       T_CASE(activation_ranges_hand_values), T_CASE(qconv_padding_taps_contribute_nothing),
       T_CASE(qconv_rounding_bias_and_clamps), T_CASE(qconv_multiplier_limits),
       T_CASE(qdepthwise_hand_values_with_multiplier), T_CASE(qconcat_copies_or_requantises),
       T_CASE(qlogistic_dequantize_quantize_hand_values),
       T_CASE(postprocess_ties_come_out_in_heap_order), T_CASE(postprocess_fast_and_regular_nms),
       T_CASE(postprocess_decodes_uint8_boxes), T_CASE(twins_rounding_ties_match_reference),
       T_CASE(twins_conv_equal_reference_on_random_shapes),
       T_CASE(twins_depthwise_equal_reference_on_random_shapes))
