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
#include "graph/plan_int.h"
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
    static const int64_t sizes[][4] = {
        {7, 9, 3, 5}, {13, 11, 8, 16}, {5, 5, 17, 3}, {16, 16, 24, 40}};
    /* oneDNN's narrower kernels (SEER_ISA=avx2, the fallback test) add up the 216-term
     * sums in another order; on inputs of +-4 the cancellation then leaves errors just
     * above 1e-5 of max(1, |y|), still ~1e-7 of the sum of the terms' magnitudes. */
    double tol = seer__isa() >= SEER_ISA_AVX512 ? 1e-5 : 5e-5;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (int dw = 0; dw < 2; dw++)
            for (int k = 1; k <= 3; k += 2)
                for (int stride = 1; stride <= 2; stride++)
                    for (int tail = 0; tail <= 6; tail++) {
                        double worst = 0;
                        enum seer_act act = (enum seer_act)((s + tail + k) % 4);
                        enum seer_padding pad = (tail & 1) ? SEER_PAD_VALID : SEER_PAD_SAME;
                        int rc = check_case(dw, sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3],
                                            k, stride, pad, act, tail, 1 + (int)(s % 2), &worst);
                        if (rc)
                            T_FAILF("case s=%zu dw=%d k=%d stride=%d tail=%d: rc %d", s, dw, k,
                                    stride, tail, rc);
                        if (!(worst <= tol))
                            T_FAILF("case s=%zu dw=%d k=%d stride=%d tail=%d act=%d: rel err %.3g",
                                    s, dw, k, stride, tail, act, worst);
                    }
}

/* ---- twins of other ops: a graph against itself, reference plan vs fast plan ---- */

/* Prepares g, runs it on the reference kernels and on a fast plan with the given threads
 * and the same random inputs (fill maps a random number to an input value). Returns the
 * worst relative error |r - f| / max(1, |r|) over every output (int outputs: 0 or
 * INFINITY), or -1 on a failure; *n_fast counts the nodes that ran on a twin, *n_skip
 * those fused away. */
static double ref_vs_fast_prec(struct seer_graph *g, int threads, enum seer_precision prec,
                               float (*fill)(void), int *n_fast, int *n_skip);

static double ref_vs_fast(struct seer_graph *g, int threads, float (*fill)(void), int *n_fast,
                          int *n_skip)
{
    return ref_vs_fast_prec(g, threads, SEER_PRECISION_FP32, fill, n_fast, n_skip);
}

static double ref_vs_fast_prec(struct seer_graph *g, int threads, enum seer_precision prec,
                               float (*fill)(void), int *n_fast, int *n_skip)
{
    struct seer_err err = {{0}};
    struct seer_plan *pr = NULL, *pf = NULL;
    double worst = -1;

    if (seer_graph_prepare(g, &err) ||
        seer_plan_new(g, &(struct seer_plan_opts){1, 0, true}, &pr, &err) ||
        seer_plan_new(g, &(struct seer_plan_opts){threads, prec, false}, &pf, &err)) {
        printf("    %s\n", err.msg);
        goto out;
    }
    *n_fast = *n_skip = 0;
    for (int j = 0; j < g->n_nodes; j++) {
        *n_fast += pf->fast[j].fn != NULL;
        *n_skip += pf->skip[j];
    }
    for (int in = 0; in < seer_plan_n_inputs(pr); in++) {
        int64_t n = seer_tensor_numel(seer_plan_input(pr, in));
        float *a = seer_plan_input(pr, in)->data, *b = seer_plan_input(pf, in)->data;
        for (int64_t i = 0; i < n; i++)
            a[i] = b[i] = fill();
    }
    if (seer_plan_run(pr, &err) || seer_plan_run(pf, &err))
        goto out;
    worst = 0;
    for (int o = 0; o < seer_plan_n_outputs(pr); o++) {
        const struct seer_tensor *ya = seer_plan_output(pr, o), *yb = seer_plan_output(pf, o);
        /* bf16 is judged at the output's scale, |r - f| / (|r| + rms(r)), as the golden
         * tests do: bf16 rounds every term, so a sum that cancels keeps an error of the
         * terms' size. */
        double rms = 0;
        if (prec == SEER_PRECISION_BF16 && ya->dtype == SEER_DTYPE_F32) {
            for (int64_t i = 0; i < seer_tensor_numel(ya); i++)
                rms += (double)((const float *)ya->data)[i] * ((const float *)ya->data)[i];
            rms = sqrt(rms / (double)seer_tensor_numel(ya));
        }
        for (int64_t i = 0; i < seer_tensor_numel(ya); i++) {
            double e;
            if (ya->dtype == SEER_DTYPE_F32) {
                double r = ((const float *)ya->data)[i], f = ((const float *)yb->data)[i];
                /* Equal (infinities too) or both NaN: no error. */
                e = r == f || (isnan(r) && isnan(f)) ? 0
                    : rms > 0                        ? fabs(r - f) / (fabs(r) + rms)
                                                     : fabs(r - f) / fmax(1.0, fabs(r));
                if (isnan(e))
                    e = INFINITY;
            } else {
                e = ((const int32_t *)ya->data)[i] == ((const int32_t *)yb->data)[i] ? 0 : INFINITY;
            }
            if (e > worst)
                worst = e;
        }
    }
out:
    seer_plan_free(pr);
    seer_plan_free(pf);
    return worst;
}

static float fill_uniform(void)
{
    return frand() * 4;
}

/* Heat-map-like values: mostly small, plateaus (equal neighbours) and some negatives. */
static float fill_heat(void)
{
    float u = frand();
    return u > 0.9f ? roundf(u * 64) / 8 : u < -0.95f ? u : u * u * 0.01f;
}

/* Every value negative: a non-peak's product (-0) then beats the peaks. */
static float fill_negative(void)
{
    return roundf(frand() * 16) / 16 - 1.5f;
}

TEST(mean_twin_is_bit_exact_on_random_shapes)
{
    static const int64_t shapes[][4] = {{1, 7, 5, 1},   {2, 3, 9, 17}, {1, 16, 16, 72},
                                        {1, 5, 3, 300}, {3, 1, 1, 8},  {1, 13, 11, 529}};
    static const int32_t axes[][2] = {{1, 2}, {2, 1}, {-3, -2}};
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int a = 0; a < 3; a++) {
            struct seer_graph *g = seer_graph_new();
            int64_t ad[] = {2};
            struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, shapes[s]);
            struct seer_value *av =
                seer_graph_add_const(g, "a", SEER_DTYPE_I32, 1, ad, axes[a], true);
            struct seer_node *m =
                seer_graph_add_node(g, SEER_OP_MEAN, "mean", 2, (struct seer_value *[]){x, av}, 1);
            m->a.keep_dims = a != 1;
            seer_graph_mark_output(g, seer_value_of(m->out[0]));
            int n_fast = 0, n_skip = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + a) % 3), fill_uniform, &n_fast, &n_skip);
            seer_graph_free(g);
            if (e != 0 || n_fast != 1)
                T_FAILF("shape %zu axes %d: error %g, %d twins", s, a, e, n_fast);
        }
}

/* CenterNet's chain: TopK(Reshape(x * Cast(Equal(x, MaxPool(x))), [N, -1]), k). */
static struct seer_graph *peak_graph(const int64_t *xd, int kh, int kw, int64_t k, bool same)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
    struct seer_node *mp = seer_graph_add_node(g, SEER_OP_MAXPOOL, "mp", 1, &x, 1);
    mp->a.ksize[0] = kh;
    mp->a.ksize[1] = kw;
    mp->a.stride[0] = mp->a.stride[1] = 1;
    mp->a.padding = same ? SEER_PAD_SAME : SEER_PAD_EXPLICIT;
    if (!same) {
        mp->a.pads[0] = kh / 2;
        mp->a.pads[1] = kh - 1 - kh / 2;
        mp->a.pads[2] = kw - 1 - kw / 2;
        mp->a.pads[3] = kw / 2;
    }
    struct seer_value *eq = op2(g, SEER_OP_EQUAL, seer_value_of(mp->out[0]), x);
    struct seer_node *cast = seer_graph_add_node(g, SEER_OP_CAST, "cast", 1, &eq, 1);
    cast->a.dtype = SEER_DTYPE_F32;
    struct seer_value *m = op2(g, SEER_OP_MUL, x, seer_value_of(cast->out[0]));
    int32_t shape[] = {(int32_t)xd[0], -1}, kk = (int32_t)k;
    int64_t sd[] = {2};
    struct seer_value *r = op2(g, SEER_OP_RESHAPE, m,
                               seer_graph_add_const(g, "s", SEER_DTYPE_I32, 1, sd, shape, true));
    struct seer_node *t =
        seer_graph_add_node(g, SEER_OP_TOPK, "topk", 2,
                            (struct seer_value *[]){r, seer_graph_add_const(g, "k", SEER_DTYPE_I32,
                                                                            0, NULL, &kk, true)},
                            2);
    t->a.sorted = true;
    seer_graph_mark_output(g, seer_value_of(t->out[0]));
    seer_graph_mark_output(g, seer_value_of(t->out[1]));
    seer_graph_mark_output(g, x);
    return g;
}

TEST(fused_peak_topk_matches_the_chain)
{
    static const int64_t shapes[][4] = {
        {1, 9, 7, 3}, {2, 12, 10, 5}, {1, 40, 40, 41}, {1, 64, 48, 24}, {1, 5, 5, 1}};
    static const int64_t ks[] = {1, 7, 100, 100, 25};
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int v = 0; v < 4; v++) {
            int kh = v == 3 ? 2 : 3, kw = v == 3 ? 3 : v == 2 ? 5 : 3;
            int64_t n = shapes[s][1] * shapes[s][2] * shapes[s][3];
            int64_t k = v == 1 ? n : ks[s] < n ? ks[s] : n;
            struct seer_graph *g = peak_graph(shapes[s], kh, kw, k, v != 3);
            int n_fast = 0, n_skip = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + v) % 3), v == 2 ? fill_negative : fill_heat,
                                   &n_fast, &n_skip);
            seer_graph_free(g);
            if (e != 0 || n_skip != 5)
                T_FAILF("shape %zu variant %d: error %g, %d nodes fused away", s, v, e, n_skip);
        }
}

/* Uniform values with NaN, infinities, signed zeros and exact 6s sprinkled in. */
static float fill_edgy(void)
{
    static const float edge[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 6.0f, -3.0f, 3.0f};
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 28) == 0 ? edge[(rng >> 8) & 7] : frand() * 10;
}

TEST(elementwise_twins_are_bit_exact)
{
    static const int64_t shapes[][4] = {
        {1, 7, 5, 3}, {2, 4, 9, 17}, {1, 16, 16, 72}, {1, 1, 1, 33}};
    static const enum seer_op bops[] = {SEER_OP_ADD, SEER_OP_SUB, SEER_OP_MUL};
    static const enum seer_op uops[] = {SEER_OP_RELU, SEER_OP_RELU6, SEER_OP_LEAKY_RELU,
                                        SEER_OP_HARD_SWISH};
    bool avx512 = seer__isa() >= SEER_ISA_AVX512;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        const int64_t *d = shapes[s];
        int64_t row[4] = {d[0], 1, 1, d[3]}, one[1] = {1};
        for (int form = 0; form < 4; form++)
            for (size_t o = 0; o < 3; o++) {
                /* form 0: same shapes; 1: scalar second; 2: channel row second; 3: first */
                struct seer_graph *g = seer_graph_new();
                struct seer_value *a =
                    seer_graph_add_input(g, "a", SEER_DTYPE_F32, 4, form == 3 ? row : d);
                struct seer_value *b =
                    seer_graph_add_input(g, "b", SEER_DTYPE_F32, form == 1 ? 1 : 4,
                                         form == 1   ? one
                                         : form == 2 ? row
                                                     : d);
                seer_graph_mark_output(g, op2(g, bops[o], a, b));
                int nf = 0, ns = 0;
                double e = ref_vs_fast(g, 1 + (int)(s % 3), fill_edgy, &nf, &ns);
                seer_graph_free(g);
                if (e != 0 || nf != (avx512 ? 1 : 0))
                    T_FAILF("shape %zu form %d op %zu: error %g, %d twins", s, form, o, e, nf);
            }
        for (size_t o = 0; o < 4; o++) {
            struct seer_graph *g = seer_graph_new();
            struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, d);
            struct seer_node *u = seer_graph_add_node(g, uops[o], "u", 1, &x, 1);
            u->a.alpha = 0.1f;
            seer_graph_mark_output(g, seer_value_of(u->out[0]));
            int nf = 0, ns = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + o) % 3), fill_edgy, &nf, &ns);
            seer_graph_free(g);
            if (e != 0 || nf != (avx512 ? 1 : 0))
                T_FAILF("shape %zu unary %zu: error %g, %d twins", s, o, e, nf);
        }
        /* Concat on channels of three inputs, alone and followed by a Relu. */
        for (int relu = 0; relu < 2; relu++) {
            struct seer_graph *g = seer_graph_new();
            int64_t d1[4] = {d[0], d[1], d[2], 5}, d2[4] = {d[0], d[1], d[2], 1};
            struct seer_value *in[3] = {seer_graph_add_input(g, "a", SEER_DTYPE_F32, 4, d),
                                        seer_graph_add_input(g, "b", SEER_DTYPE_F32, 4, d1),
                                        seer_graph_add_input(g, "c", SEER_DTYPE_F32, 4, d2)};
            struct seer_node *c = seer_graph_add_node(g, SEER_OP_CONCAT, "cat", 3, in, 1);
            c->a.axis = -1;
            struct seer_value *y = seer_value_of(c->out[0]);
            seer_graph_mark_output(g, relu ? op1(g, SEER_OP_RELU, y) : y);
            int nf = 0, ns = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + relu) % 3), fill_edgy, &nf, &ns);
            seer_graph_free(g);
            if (e != 0 || nf != (avx512 ? 1 : 0) || ns != (avx512 ? relu : 0))
                T_FAILF("shape %zu concat relu=%d: error %g, %d twins, %d fused", s, relu, e, nf,
                        ns);
        }
    }
}

TEST(maxpool_twin_is_exact)
{
    static const int64_t shapes[][4] = {{1, 9, 7, 3}, {2, 13, 12, 17}, {1, 208, 208, 32}};
    if (!seer__dnnl_available())
        T_SKIP("oneDNN has no CPU engine here");
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int v = 0; v < 6; v++) {
            struct seer_graph *g = seer_graph_new();
            struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, shapes[s]);
            struct seer_node *mp = seer_graph_add_node(g, SEER_OP_MAXPOOL, "mp", 1, &x, 1);
            mp->a.ksize[0] = 2 + v % 3;
            mp->a.ksize[1] = 3;
            mp->a.stride[0] = 1 + v % 2;
            mp->a.stride[1] = 1 + (v / 2) % 2;
            mp->a.padding = (enum seer_padding)(v % 3);
            mp->a.pads[0] = mp->a.pads[3] = 1;
            mp->a.pads[2] = v % 2;
            seer_graph_mark_output(g, seer_value_of(mp->out[0]));
            int nf = 0, ns = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + v) % 2), fill_uniform, &nf, &ns);
            seer_graph_free(g);
            if (e != 0 || nf != 1)
                T_FAILF("shape %zu variant %d: error %g, %d twins", s, v, e, nf);
        }
}

/* bf16: a 1x1 expand, a depthwise and a 1x1 projection with a residual, and a channel
 * scale and a concat before another convolution, so that values between convolutions
 * (and those our twins write for them) are stored as bf16. Documented tolerance: 3e-2 of |y| +
 * rms(y) (bf16 keeps 8 bits of mantissa; three layers deep the measured error reaches 1.6e-2). */
TEST(bf16_convolutions_within_tolerance)
{
    if (!seer__dnnl_available())
        T_SKIP("oneDNN has no CPU engine here");
    static const int64_t shapes[][4] = {{1, 9, 7, 16}, {1, 32, 32, 24}, {2, 13, 11, 8}};
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        struct seer_graph *g = seer_graph_new();
        int64_t c = shapes[s][3], w1[] = {1, 1, c, 2 * c}, w2[] = {3, 3, 2 * c, 1};
        int64_t w3[] = {1, 1, 2 * c, c}, b1[] = {2 * c}, b3[] = {c};
        struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, shapes[s]);
        struct seer_node *c1 = seer_graph_add_node(
            g, SEER_OP_CONV2D, "c1", 3,
            (struct seer_value *[]){x, rand_const(g, 4, w1), rand_const(g, 1, b1)}, 1);
        c1->a.has_bias = true;
        c1->a.act = SEER_ACT_RELU6;
        c1->a.padding = SEER_PAD_SAME;
        struct seer_node *c2 = seer_graph_add_node(
            g, SEER_OP_DEPTHWISE_CONV2D, "c2", 2,
            (struct seer_value *[]){seer_value_of(c1->out[0]), rand_const(g, 4, w2)}, 1);
        c2->a.padding = SEER_PAD_SAME;
        c2->a.act = SEER_ACT_RELU;
        struct seer_node *c3 =
            seer_graph_add_node(g, SEER_OP_CONV2D, "c3", 3,
                                (struct seer_value *[]){seer_value_of(c2->out[0]),
                                                        rand_const(g, 4, w3), rand_const(g, 1, b3)},
                                1);
        c3->a.has_bias = true;
        c3->a.padding = SEER_PAD_SAME;
        /* Also through our twins that store bf16: a channel scale read by a conv, and a
         * concat read by a conv. */
        int64_t rowd[] = {shapes[s][0], 1, 1, 2 * c}, w4[] = {1, 1, 2 * c, c};
        int64_t w5[] = {1, 1, 2 * c, c};
        struct seer_value *scaled = op2(g, SEER_OP_MUL, seer_value_of(c2->out[0]),
                                        seer_graph_add_input(g, "gate", SEER_DTYPE_F32, 4, rowd));
        struct seer_node *c5 = seer_graph_add_node(
            g, SEER_OP_CONV2D, "c5", 2, (struct seer_value *[]){scaled, rand_const(g, 4, w5)}, 1);
        c5->a.padding = SEER_PAD_SAME;
        struct seer_node *cat = seer_graph_add_node(
            g, SEER_OP_CONCAT, "cat", 2, (struct seer_value *[]){seer_value_of(c5->out[0]), x}, 1);
        cat->a.axis = 3;
        struct seer_node *c4 = seer_graph_add_node(
            g, SEER_OP_CONV2D, "c4", 2,
            (struct seer_value *[]){seer_value_of(cat->out[0]), rand_const(g, 4, w4)}, 1);
        c4->a.padding = SEER_PAD_SAME;
        seer_graph_mark_output(g, op2(g, SEER_OP_ADD, seer_value_of(c3->out[0]), x));
        seer_graph_mark_output(g, seer_value_of(c4->out[0]));
        int nf = 0, ns = 0;
        double e =
            ref_vs_fast_prec(g, 1 + (int)(s % 2), SEER_PRECISION_BF16, fill_uniform, &nf, &ns);
        seer_graph_free(g);
        if (!(e <= 3e-2) || nf != (seer__isa() >= SEER_ISA_AVX512 ? 7 : 5))
            T_FAILF("shape %zu: error %g, %d twins", s, e, nf);
        printf("    shape %zu: bf16 error %.2g%s\n", s, e,
               seer__cpu_bf16() ? "" : " (fp32 fallback)");
    }
}

TEST(resize_twin_is_bit_exact_with_and_without_a_fused_add)
{
    static const int64_t shapes[][6] = {/* n, ih, iw, c, oh, ow */
                                        {1, 13, 13, 128, 26, 26},
                                        {2, 5, 7, 3, 9, 4},
                                        {1, 16, 16, 17, 32, 32},
                                        {1, 8, 6, 40, 3, 11}};
    bool avx512 = seer__isa() >= SEER_ISA_AVX512;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int v = 0; v < 6; v++) {
            const int64_t *d = shapes[s];
            int64_t xd[4] = {d[0], d[1], d[2], d[3]}, yd[4] = {d[0], d[4], d[5], d[3]};
            int64_t two[1] = {2};
            int32_t size[2] = {(int32_t)d[4], (int32_t)d[5]};
            struct seer_graph *g = seer_graph_new();
            struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
            struct seer_value *sz =
                seer_graph_add_const(g, "s", SEER_DTYPE_I32, 1, two, size, true);
            struct seer_node *rz = seer_graph_add_node(g, SEER_OP_RESIZE_BILINEAR, "rz", 2,
                                                       (struct seer_value *[]){x, sz}, 1);
            rz->a.align_corners = v % 3 == 1;
            rz->a.half_pixel_centers = v % 3 == 2;
            struct seer_value *y = seer_value_of(rz->out[0]);
            bool add = v >= 3;
            if (add) {
                struct seer_value *lat = seer_graph_add_input(g, "lat", SEER_DTYPE_F32, 4, yd);
                y = v == 4 ? op2(g, SEER_OP_ADD, y, lat) : op2(g, SEER_OP_ADD, lat, y);
            }
            seer_graph_mark_output(g, y);
            int nf = 0, ns = 0;
            double e = ref_vs_fast(g, 1 + (int)((s + v) % 3), fill_edgy, &nf, &ns);
            seer_graph_free(g);
            if (e != 0 || nf != (avx512 ? 1 : 0) || ns != (avx512 && add ? 1 : 0))
                T_FAILF("shape %zu variant %d: error %g, %d twins, %d fused", s, v, e, nf, ns);
        }
}

T_MAIN(T_CASE(dnnl_conv_matches_reference_with_fused_tails), T_CASE(maxpool_twin_is_exact),
       T_CASE(bf16_convolutions_within_tolerance), T_CASE(elementwise_twins_are_bit_exact),
       T_CASE(resize_twin_is_bit_exact_with_and_without_a_fused_add),
       T_CASE(mean_twin_is_bit_exact_on_random_shapes), T_CASE(fused_peak_topk_matches_the_chain))
