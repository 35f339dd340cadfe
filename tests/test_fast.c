/*
 * Fast twins against the reference kernels: every convolution oneDNN takes, on random
 * odd shapes, strides 1 and 2, SAME and VALID, with every fused activation and every
 * plan-time post-op, must match the reference kernels followed by the reference
 * elementwise ops to 1e-5 relative (fp32).
 */
#include <math.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "kernels/fast.h"
#include "t.h"

static uint32_t rng = 1;

static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static struct seer_value *rand_const(struct seer_graph *g, int ndim, const int64_t *dims)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= dims[i];
    float *d = seer_calloc((size_t)n, sizeof(float));
    for (int64_t i = 0; i < n; i++)
        d[i] = frand();
    struct seer_value *v = seer_graph_add_const(g, "w", SEER_DTYPE_F32, ndim, dims, d, true);
    seer_free(d);
    return v;
}

static struct seer_value *scalar(struct seer_graph *g, float x)
{
    return seer_graph_add_const(g, "s", SEER_DTYPE_F32, 0, NULL, &x, true);
}

static struct seer_value *op1(struct seer_graph *g, enum seer_op op, struct seer_value *a)
{
    return seer_value_of(seer_graph_add_node(g, op, "u", 1, (struct seer_value *[]){a}, 1)->out[0]);
}

static struct seer_value *op2(struct seer_graph *g, enum seer_op op, struct seer_value *a,
                              struct seer_value *b)
{
    return seer_value_of(
        seer_graph_add_node(g, op, "b", 2, (struct seer_value *[]){a, b}, 1)->out[0]);
}

/* Builds conv -> tail, runs it with the reference plan and a fast plan, compares. */
static int check_case(bool dw, int64_t h, int64_t w, int64_t ci, int64_t co, int k, int stride,
                      enum seer_padding pad, enum seer_act act, int tail, int threads,
                      double *worst)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = seer_graph_new();
    int64_t xd[] = {1, h, w, ci};
    int64_t m = dw ? 2 : 0;
    int64_t wd[] = {k, k, ci, dw ? m : co};
    int64_t bd[] = {dw ? ci * m : co};
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
    struct seer_value *wv = rand_const(g, 4, wd), *bv = rand_const(g, 1, bd);
    struct seer_node *c = seer_graph_add_node(g, dw ? SEER_OP_DEPTHWISE_CONV2D : SEER_OP_CONV2D,
                                              "conv", 3, (struct seer_value *[]){x, wv, bv}, 1);
    c->a.stride[0] = c->a.stride[1] = stride;
    c->a.padding = pad;
    c->a.has_bias = true;
    c->a.act = act;
    c->a.alpha = 0.1f;
    struct seer_value *y = seer_value_of(c->out[0]), *res;
    switch (tail) {
    case 0: break;
    case 1: y = op1(g, SEER_OP_RELU6, y); break;
    case 2: { /* hard-swish as MobileNetV3's TF graph writes it */
        struct seer_value *m1 = op2(g, SEER_OP_MUL, scalar(g, 0.16662598f), y);
        struct seer_value *r = op1(g, SEER_OP_RELU6, op2(g, SEER_OP_ADD, y, scalar(g, 3.0f)));
        y = op2(g, SEER_OP_MUL, m1, r);
        break;
    }
    case 3: /* squeeze-excite gate: relu6(y + 3) * c */
        y = op2(g, SEER_OP_MUL, scalar(g, 0.16662598f),
                op1(g, SEER_OP_RELU6, op2(g, SEER_OP_ADD, y, scalar(g, 3.0f))));
        break;
    case 4: { /* residual: Add of a second input of the output's shape, then Relu */
        int64_t oh = pad == SEER_PAD_SAME ? (h + stride - 1) / stride : (h - k) / stride + 1;
        int64_t ow = pad == SEER_PAD_SAME ? (w + stride - 1) / stride : (w - k) / stride + 1;
        int64_t rd[] = {1, oh, ow, dw ? ci * m : co};
        res = seer_graph_add_input(g, "r", SEER_DTYPE_F32, 4, rd);
        y = op1(g, SEER_OP_RELU, op2(g, SEER_OP_ADD, y, res));
        break;
    }
    case 5: y = op1(g, SEER_OP_SIGMOID, op2(g, SEER_OP_MUL, y, scalar(g, 16.0f))); break;
    case 6: y = op1(g, SEER_OP_LEAKY_RELU, op2(g, SEER_OP_SUB, y, scalar(g, 0.25f))); break;
    }
    seer_graph_mark_output(g, y);
    int rc = seer_graph_prepare(g, &err);
    if (rc) {
        printf("    prepare: %s\n", err.msg);
        seer_graph_free(g);
        return rc;
    }
    struct seer_plan *pr = NULL, *pf = NULL;
    rc = seer_plan_new(g, &(struct seer_plan_opts){1, 0, true}, &pr, &err);
    if (!rc)
        rc = seer_plan_new(g, &(struct seer_plan_opts){threads, 0, false}, &pf, &err);
    if (rc) {
        printf("    plan: %s\n", err.msg);
        goto out;
    }
    for (int in = 0; in < seer_plan_n_inputs(pr); in++) {
        int64_t n = seer_tensor_numel(seer_plan_input(pr, in));
        float *a = seer_plan_input(pr, in)->data, *b = seer_plan_input(pf, in)->data;
        for (int64_t i = 0; i < n; i++)
            a[i] = b[i] = frand() * 4;
    }
    if (seer_plan_run(pr, &err) || seer_plan_run(pf, &err)) {
        rc = SEER_EINVAL;
        goto out;
    }
    const struct seer_tensor *ya = seer_plan_output(pr, 0), *yb = seer_plan_output(pf, 0);
    for (int64_t i = 0; i < seer_tensor_numel(ya); i++) {
        double r = ((const float *)ya->data)[i], f = ((const float *)yb->data)[i];
        double e = fabs(r - f) / fmax(1.0, fabs(r));
        if (!(e <= *worst))
            *worst = isnan(e) ? INFINITY : e;
    }
out:
    seer_plan_free(pr);
    seer_plan_free(pf);
    seer_graph_free(g);
    return rc;
}

TEST(dnnl_conv_matches_reference_with_fused_tails)
{
    if (!seer__dnnl_available())
        T_SKIP("oneDNN has no CPU engine here");
    static const int64_t sizes[][4] = {{7, 9, 3, 5}, {13, 11, 8, 16}, {5, 5, 17, 3}, {16, 16, 24, 40}};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (int dw = 0; dw < 2; dw++)
            for (int k = 1; k <= 3; k += 2)
                for (int stride = 1; stride <= 2; stride++)
                    for (int tail = 0; tail <= 6; tail++) {
                        double worst = 0;
                        enum seer_act act = (enum seer_act)((s + tail + k) % 4);
                        enum seer_padding pad = (tail & 1) ? SEER_PAD_VALID : SEER_PAD_SAME;
                        int rc = check_case(dw, sizes[s][0], sizes[s][1], sizes[s][2],
                                            sizes[s][3], k, stride, pad, act, tail,
                                            1 + (int)(s % 2), &worst);
                        if (rc)
                            T_FAILF("case s=%zu dw=%d k=%d stride=%d tail=%d: rc %d", s, dw, k,
                                    stride, tail, rc);
                        if (!(worst <= 1e-5))
                            T_FAILF("case s=%zu dw=%d k=%d stride=%d tail=%d act=%d: rel err %.3g",
                                    s, dw, k, stride, tail, act, worst);
                    }
}

T_MAIN(T_CASE(dnnl_conv_matches_reference_with_fused_tails))
