/*
 * Tests for the elementwise, reduction and reshaping reference kernels (binary ops with
 * broadcasting, unary ops, Cast, Mean, Concat, Reshape/ExpandDims/Squeeze, Softmax,
 * Identity): hand-worked values, shape errors with their messages, and a random
 * broadcasting check against a direct per-element reference. Every kernel run is also
 * checked for identical results with nth = 1..8 (see kops.h).
 */
#include <stdint.h>

#include "kops.h"

/* ---- binary ops ---------------------------------------------------------------- */

TEST(add_broadcasts_2x1x3_with_4x1)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CF32(g, 3, DIMS(2, 1, 3), 0, 1, 2, 3, 4, 5);
    struct seer_value *b = CF32(g, 2, DIMS(4, 1), 10, 20, 30, 40);
    struct seer_node *nd = NODE(g, SEER_OP_ADD, 1, a, b);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 4, 3);
    ASSERT_F32S(nd->out[0], 0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, /* i = 0 */
                13, 14, 15, 23, 24, 25, 33, 34, 35, 43, 44, 45);               /* i = 1 */
    seer_graph_free(g);
}

TEST(sub_and_mul_with_scalars_and_channels)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *s = CF32(g, 0, NULL, 5);
    struct seer_value *v = CF32(g, 1, DIMS(3), 1, 2, 3);
    struct seer_node *left = NODE(g, SEER_OP_SUB, 1, s, v);
    struct seer_node *right = NODE(g, SEER_OP_SUB, 1, v, s);
    RUN_OK(g, left);
    RUN_OK(g, right);
    ASSERT_F32S(left->out[0], 0, 4, 3, 2);
    ASSERT_F32S(right->out[0], 0, -4, -3, -2);

    /* Per-channel Mul: [1,2,2,3] by [3], the MobileNetV3 pattern. */
    struct seer_value *x = CF32(g, 4, DIMS(1, 2, 2, 3), 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4);
    struct seer_value *c = CF32(g, 1, DIMS(3), 0.5f, -1, 10);
    struct seer_node *mul = NODE(g, SEER_OP_MUL, 1, x, c);
    RUN_OK(g, mul);
    ASSERT_DIMS(mul->out[0], SEER_DTYPE_F32, 1, 2, 2, 3);
    ASSERT_F32S(mul->out[0], 0, 0.5f, -1, 10, 1, -2, 20, 1.5f, -3, 30, 2, -4, 40);

    /* Scalar op scalar stays a scalar. */
    struct seer_node *ss = NODE(g, SEER_OP_MUL, 1, s, s);
    RUN_OK(g, ss);
    ASSERT_SCALAR(ss->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(ss->out[0], 0, 25);
    seer_graph_free(g);
}

TEST(floordiv_floormod_int32_round_toward_minus_infinity)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CI32(g, 1, DIMS(8), 7, -7, 7, -7, 0, 5, INT32_MIN, -6);
    struct seer_value *b = CI32(g, 1, DIMS(8), 2, 2, -2, -2, 3, 0, -1, 3);
    struct seer_node *fd = NODE(g, SEER_OP_FLOORDIV, 1, a, b);
    struct seer_node *fm = NODE(g, SEER_OP_FLOORMOD, 1, a, b);
    struct seer_node *dv = NODE(g, SEER_OP_DIV, 1, a, b);
    RUN_OK(g, fd);
    RUN_OK(g, fm);
    RUN_OK(g, dv);
    ASSERT_DIMS(fd->out[0], SEER_DTYPE_I32, 8);
    /* x / 0 is defined as 0; INT_MIN / -1 wraps to INT_MIN. */
    ASSERT_INTS(fd->out[0], int32_t, 3, -4, -4, 3, 0, 0, INT32_MIN, -2);
    ASSERT_INTS(fm->out[0], int32_t, 1, 1, -1, -1, 0, 0, 0, 0);
    /* RealDiv on integers truncates toward zero, as TensorFlow's Div does. */
    ASSERT_INTS(dv->out[0], int32_t, 3, -3, -3, 3, 0, 0, INT32_MIN, -2);
    seer_graph_free(g);
}

TEST(floordiv_floormod_int64_and_float)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CI64(g, 1, DIMS(4), -7, 7, 5000000000LL, -1);
    struct seer_value *b = CI64(g, 0, NULL, -3);
    struct seer_node *fd = NODE(g, SEER_OP_FLOORDIV, 1, a, b);
    struct seer_node *fm = NODE(g, SEER_OP_FLOORMOD, 1, a, b);
    RUN_OK(g, fd);
    RUN_OK(g, fm);
    ASSERT_INTS(fd->out[0], int64_t, 2, -3, -1666666667LL, 0);
    ASSERT_INTS(fm->out[0], int64_t, -1, -2, -1, -1);

    struct seer_value *x = CF32(g, 1, DIMS(6), 7, -7, 7, -7, 5.5f, -0.5f);
    struct seer_value *y = CF32(g, 1, DIMS(6), 2, 2, -2, -2, 2, 1);
    struct seer_node *ffd = NODE(g, SEER_OP_FLOORDIV, 1, x, y);
    struct seer_node *ffm = NODE(g, SEER_OP_FLOORMOD, 1, x, y);
    RUN_OK(g, ffd);
    RUN_OK(g, ffm);
    ASSERT_F32S(ffd->out[0], 0, 3, -4, -4, 3, 2, -1);
    ASSERT_F32S(ffm->out[0], 0, 1, 1, -1, -1, 1.5f, 0.5f);
    seer_graph_free(g);
}

TEST(int_arithmetic_wraps_and_compares)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CI32(g, 1, DIMS(3), INT32_MAX, -5, 65536);
    struct seer_value *b = CI32(g, 1, DIMS(3), 1, 3, 65536);
    struct seer_node *add = NODE(g, SEER_OP_ADD, 1, a, b);
    struct seer_node *mul = NODE(g, SEER_OP_MUL, 1, a, b);
    struct seer_node *mx = NODE(g, SEER_OP_MAXIMUM, 1, a, b);
    struct seer_node *mn = NODE(g, SEER_OP_MINIMUM, 1, a, b);
    struct seer_node *eq = NODE(g, SEER_OP_EQUAL, 1, a, b);
    struct seer_node *gt = NODE(g, SEER_OP_GREATER, 1, a, b);
    RUN_OK(g, add);
    RUN_OK(g, mul);
    RUN_OK(g, mx);
    RUN_OK(g, mn);
    RUN_OK(g, eq);
    RUN_OK(g, gt);
    ASSERT_INTS(add->out[0], int32_t, INT32_MIN, -2, 131072);
    ASSERT_INTS(mul->out[0], int32_t, INT32_MAX, -15, 0);
    ASSERT_INTS(mx->out[0], int32_t, INT32_MAX, 3, 65536);
    ASSERT_INTS(mn->out[0], int32_t, 1, -5, 65536);
    ASSERT_DIMS(eq->out[0], SEER_DTYPE_BOOL, 3);
    ASSERT_INTS(eq->out[0], uint8_t, 0, 0, 1);
    ASSERT_INTS(gt->out[0], uint8_t, 1, 0, 0);
    seer_graph_free(g);
}

TEST(float_compare_div_and_nan_propagation)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CF32(g, 2, DIMS(2, 2), 1, 2, NAN, 4);
    struct seer_value *b = CF32(g, 1, DIMS(2), 2, 2);
    struct seer_value *c = CF32(g, 1, DIMS(2), NAN, 3);
    struct seer_node *lt = NODE(g, SEER_OP_LESS, 1, a, b);
    struct seer_node *eq = NODE(g, SEER_OP_EQUAL, 1, a, b);
    struct seer_node *gt = NODE(g, SEER_OP_GREATER, 1, a, b);
    struct seer_node *dv = NODE(g, SEER_OP_DIV, 1, a, b);
    struct seer_node *mx = NODE(g, SEER_OP_MAXIMUM, 1, a, c);
    struct seer_node *mn = NODE(g, SEER_OP_MINIMUM, 1, c, a);
    RUN_OK(g, lt);
    RUN_OK(g, eq);
    RUN_OK(g, gt);
    RUN_OK(g, dv);
    RUN_OK(g, mx);
    RUN_OK(g, mn);
    ASSERT_DIMS(lt->out[0], SEER_DTYPE_BOOL, 2, 2);
    ASSERT_INTS(lt->out[0], uint8_t, 1, 0, 0, 0);
    ASSERT_INTS(eq->out[0], uint8_t, 0, 1, 0, 0);
    ASSERT_INTS(gt->out[0], uint8_t, 0, 0, 0, 1);
    ASSERT_F32S(dv->out[0], 0, 0.5f, 1, NAN, 2);
    ASSERT_F32S(mx->out[0], 0, NAN, 3, NAN, 4);
    ASSERT_F32S(mn->out[0], 0, NAN, 2, NAN, 3);
    seer_graph_free(g);
}

TEST(binary_zero_size_and_bool_equal)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *e = k_const(g, SEER_DTYPE_F32, 2, DIMS(0, 3), NULL, 0);
    struct seer_value *v = CF32(g, 1, DIMS(3), 1, 2, 3);
    struct seer_node *nd = NODE(g, SEER_OP_ADD, 1, e, v);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 0, 3);

    struct seer_value *p = k_const(g, SEER_DTYPE_BOOL, 1, DIMS(3), (const uint8_t[]){1, 0, 1}, 3);
    struct seer_value *q = k_const(g, SEER_DTYPE_BOOL, 0, NULL, (const uint8_t[]){1}, 1);
    struct seer_node *eq = NODE(g, SEER_OP_EQUAL, 1, p, q);
    RUN_OK(g, eq);
    ASSERT_INTS(eq->out[0], uint8_t, 1, 0, 1);
    seer_graph_free(g);
}

TEST(binary_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = INPUT(g, SEER_DTYPE_F32, 3, DIMS(1, 3, 4));
    struct seer_value *b = INPUT(g, SEER_DTYPE_F32, 3, DIMS(1, 5, 4));
    struct seer_value *i = INPUT(g, SEER_DTYPE_I32, 1, DIMS(4));
    struct seer_value *t = INPUT(g, SEER_DTYPE_BOOL, 1, DIMS(4));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_ADD, 1, a, b), SEER_EFORMAT,
                     "shapes [1,3,4] and [1,5,4] cannot broadcast");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MUL, 1, a, i), SEER_EFORMAT,
                     "operand dtypes differ: float32 and int32");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_ADD, 1, t, t), SEER_EUNSUPPORTED, "dtype bool");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_LESS, 1, t, t), SEER_EUNSUPPORTED, "dtype bool");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_ADD, 1, a), SEER_EFORMAT, "expects 2 inputs, got 1");
    seer_graph_free(g);
}

/* Direct reference for a op b with broadcasting: unravel each output index. */
static float ref_binop(enum seer_op op, float u, float v)
{
    switch (op) {
    case SEER_OP_ADD: return u + v;
    case SEER_OP_SUB: return u - v;
    case SEER_OP_MUL: return u * v;
    default: return u > v ? u : v; /* Maximum, NaN-free inputs */
    }
}

TEST(binary_random_broadcasts_match_direct_reference)
{
    static const enum seer_op ops[] = {SEER_OP_ADD, SEER_OP_SUB, SEER_OP_MUL, SEER_OP_MAXIMUM};
    static const int64_t sizes[] = {1, 2, 3, 5, 7};

    for (int trial = 0; trial < 60; trial++) {
        struct seer_graph *g = seer_graph_new();
        int r = 1 + k_randn(5), ra = 1 + k_randn(r), rb = 1 + k_randn(r);
        int64_t od[5], ad[5], bd[5];
        if (k_randn(2))
            ra = r;
        else
            rb = r;
        for (int i = 0; i < r; i++)
            od[i] = sizes[k_randn(5)];
        /* Each input takes the output's trailing dims, some of them set to 1. */
        for (int i = 0; i < ra; i++)
            ad[i] = k_randn(3) ? od[r - ra + i] : 1;
        for (int i = 0; i < rb; i++)
            bd[i] = k_randn(3) ? od[r - rb + i] : 1;
        struct seer_tensor ta = {0}, tb = {0};
        seer_tensor_set_shape(&ta, SEER_DTYPE_F32, ra, ad);
        seer_tensor_set_shape(&tb, SEER_DTYPE_F32, rb, bd);
        int64_t na = seer_tensor_numel(&ta), nb = seer_tensor_numel(&tb);
        float *pa = seer_arena_array(g->arena, (size_t)na, sizeof(float));
        float *pb = seer_arena_array(g->arena, (size_t)nb, sizeof(float));
        ASSERT(pa && pb);
        for (int64_t i = 0; i < na; i++)
            pa[i] = (float)k_randn(200) - 100;
        for (int64_t i = 0; i < nb; i++)
            pb[i] = (float)k_randn(200) - 100;
        enum seer_op op = ops[k_randn(4)];
        struct seer_value *va = k_const(g, SEER_DTYPE_F32, ra, ad, pa, (size_t)na);
        struct seer_value *vb = k_const(g, SEER_DTYPE_F32, rb, bd, pb, (size_t)nb);
        struct seer_node *nd = k_randn(2) ? NODE(g, op, 1, va, vb) : NODE(g, op, 1, vb, va);
        bool swapped = nd->in[0] == &vb->t;
        RUN_OK(g, nd);
        const struct seer_tensor *y = nd->out[0];
        ASSERT_EQ(y->ndim, r);
        for (int i = 0; i < r; i++) {
            int64_t da = i >= r - ra ? ad[i - (r - ra)] : 1;
            int64_t db = i >= r - rb ? bd[i - (r - rb)] : 1;
            ASSERT_EQ(y->dims[i], da > db ? da : db);
        }
        const float *got = y->data;
        for (int64_t o = 0; o < seer_tensor_numel(y); o++) {
            int64_t idx[5], rem = o, ia = 0, ib = 0;
            for (int i = r - 1; i >= 0; i--) {
                idx[i] = rem % y->dims[i];
                rem /= y->dims[i];
            }
            for (int i = 0; i < ra; i++)
                ia = ia * ad[i] + (ad[i] == 1 ? 0 : idx[r - ra + i]);
            for (int i = 0; i < rb; i++)
                ib = ib * bd[i] + (bd[i] == 1 ? 0 : idx[r - rb + i]);
            float want = swapped ? ref_binop(op, pb[ib], pa[ia]) : ref_binop(op, pa[ia], pb[ib]);
            if (got[o] != want)
                T_FAILF("trial %d op %d element %lld: got %g want %g", trial, op, (long long)o,
                        got[o], want);
        }
        seer_graph_free(g);
    }
}

/* ---- unary ops and Cast --------------------------------------------------------- */

TEST(unary_float_ops)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(1, 7), -4, -2, -1, 0, 1, 2, 7);
    struct seer_node *relu = NODE(g, SEER_OP_RELU, 1, x);
    struct seer_node *relu6 = NODE(g, SEER_OP_RELU6, 1, x);
    struct seer_node *leaky = NODE(g, SEER_OP_LEAKY_RELU, 1, x);
    struct seer_node *sig = NODE(g, SEER_OP_SIGMOID, 1, x);
    struct seer_node *th = NODE(g, SEER_OP_TANH, 1, x);
    struct seer_node *ex = NODE(g, SEER_OP_EXP, 1, x);
    struct seer_node *hs = NODE(g, SEER_OP_HARD_SWISH, 1, x);
    leaky->a.alpha = 0.2f;
    RUN_OK(g, relu);
    RUN_OK(g, relu6);
    RUN_OK(g, leaky);
    RUN_OK(g, sig);
    RUN_OK(g, th);
    RUN_OK(g, ex);
    RUN_OK(g, hs);
    ASSERT_DIMS(relu->out[0], SEER_DTYPE_F32, 1, 7);
    ASSERT_F32S(relu->out[0], 0, 0, 0, 0, 0, 1, 2, 7);
    ASSERT_F32S(relu6->out[0], 0, 0, 0, 0, 0, 1, 2, 6);
    ASSERT_F32S(leaky->out[0], 1e-7, -0.8f, -0.4f, -0.2f, 0, 1, 2, 7);
    /* 1 / (1 + e^-x) and tanh, worked out to 9 digits. */
    ASSERT_F32S(sig->out[0], 1e-7, 0.0179862100f, 0.119202922f, 0.268941421f, 0.5f, 0.731058579f,
                0.880797078f, 0.999088949f);
    ASSERT_F32S(th->out[0], 1e-7, -0.999329300f, -0.964027580f, -0.761594156f, 0, 0.761594156f,
                0.964027580f, 0.999998337f);
    ASSERT_F32S(ex->out[0], 1e-4, 0.0183156389f, 0.135335283f, 0.367879441f, 1, 2.71828183f,
                7.38905610f, 1096.63316f);
    /* x * relu6(x + 3) / 6 */
    ASSERT_F32S(hs->out[0], 1e-6, 0, -0.333333333f, -0.333333333f, 0, 0.666666667f, 1.66666667f, 7);
    seer_graph_free(g);
}

TEST(unary_rejects_non_float)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_I32, 1, DIMS(3));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RELU, 1, x), SEER_EUNSUPPORTED, "dtype int32");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SIGMOID, 1, x, x), SEER_EFORMAT, "expects 1 inputs");
    seer_graph_free(g);
}

TEST(cast_follows_tensorflow)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *f = CF32(g, 1, DIMS(8), 1.9f, -1.9f, 0.5f, -0.5f, 3e9f, -3e9f, NAN, -0.0f);
    struct seer_node *f2i = NODE(g, SEER_OP_CAST, 1, f);
    struct seer_node *f2b = NODE(g, SEER_OP_CAST, 1, f);
    struct seer_node *f2l = NODE(g, SEER_OP_CAST, 1, f);
    f2i->a.dtype = SEER_DTYPE_I32;
    f2b->a.dtype = SEER_DTYPE_BOOL;
    f2l->a.dtype = SEER_DTYPE_I64;
    RUN_OK(g, f2i);
    RUN_OK(g, f2b);
    RUN_OK(g, f2l);
    ASSERT_DIMS(f2i->out[0], SEER_DTYPE_I32, 8);
    /* Truncation toward zero; out of range saturates and NaN is 0 (our definition). */
    ASSERT_INTS(f2i->out[0], int32_t, 1, -1, 0, 0, INT32_MAX, INT32_MIN, 0, 0);
    ASSERT_INTS(f2l->out[0], int64_t, 1, -1, 0, 0, 3000000000LL, -3000000000LL, 0, 0);
    ASSERT_INTS(f2b->out[0], uint8_t, 1, 1, 1, 1, 1, 1, 1, 0);

    struct seer_value *i = CI32(g, 1, DIMS(4), 3, -4, 300, -1);
    struct seer_node *i2f = NODE(g, SEER_OP_CAST, 1, i);
    struct seer_node *i2u = NODE(g, SEER_OP_CAST, 1, i);
    i2f->a.dtype = SEER_DTYPE_F32;
    i2u->a.dtype = SEER_DTYPE_U8;
    RUN_OK(g, i2f);
    RUN_OK(g, i2u);
    ASSERT_F32S(i2f->out[0], 0, 3, -4, 300, -1);
    ASSERT_INTS(i2u->out[0], uint8_t, 3, 252, 44, 255);

    struct seer_value *l = CI64(g, 1, DIMS(2), 4294967297LL, -4294967296LL);
    struct seer_node *l2i = NODE(g, SEER_OP_CAST, 1, l);
    l2i->a.dtype = SEER_DTYPE_I32;
    RUN_OK(g, l2i);
    ASSERT_INTS(l2i->out[0], int32_t, 1, 0);

    struct seer_value *u = CF32(g, 1, DIMS(3), 255.9f, 256.5f, -1.5f);
    struct seer_node *f2u = NODE(g, SEER_OP_CAST, 1, u);
    f2u->a.dtype = SEER_DTYPE_U8;
    RUN_OK(g, f2u);
    ASSERT_INTS(f2u->out[0], uint8_t, 255, 0, 255);

    struct seer_value *b = k_const(g, SEER_DTYPE_BOOL, 1, DIMS(2), (const uint8_t[]){1, 0}, 2);
    struct seer_node *b2f = NODE(g, SEER_OP_CAST, 1, b);
    b2f->a.dtype = SEER_DTYPE_F32;
    RUN_OK(g, b2f);
    ASSERT_F32S(b2f->out[0], 0, 1, 0);

    struct seer_node *bad = NODE(g, SEER_OP_CAST, 1, f);
    bad->a.dtype = SEER_DTYPE_F16;
    ASSERT_SHAPE_ERR(bad, SEER_EUNSUPPORTED, "cast from float32 to float16");
    seer_graph_free(g);
}

/* ---- Mean ------------------------------------------------------------------------ */

TEST(mean_over_hw_keep_dims_true_and_false)
{
    struct seer_graph *g = seer_graph_new();
    /* x[0][h][w][c] = 1 + 3 * (2h + w) + c: the mean over h, w is 5.5 + c. */
    struct seer_value *x = CF32(g, 4, DIMS(1, 2, 2, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    struct seer_value *ax = CI32(g, 1, DIMS(2), 1, 2);
    struct seer_value *neg = CI64(g, 1, DIMS(2), -3, -2);
    struct seer_node *keep = NODE(g, SEER_OP_MEAN, 1, x, ax);
    struct seer_node *drop = NODE(g, SEER_OP_MEAN, 1, x, neg);
    keep->a.keep_dims = true;
    RUN_OK(g, keep);
    RUN_OK(g, drop);
    ASSERT_DIMS(keep->out[0], SEER_DTYPE_F32, 1, 1, 1, 3);
    ASSERT_DIMS(drop->out[0], SEER_DTYPE_F32, 1, 3);
    ASSERT_F32S(keep->out[0], 1e-6, 5.5f, 6.5f, 7.5f);
    ASSERT_F32S(drop->out[0], 1e-6, 5.5f, 6.5f, 7.5f);

    struct seer_node *last = NODE(g, SEER_OP_MEAN, 1, x, CI32(g, 0, NULL, 3));
    struct seer_node *all = NODE(g, SEER_OP_MEAN, 1, x, CI32(g, 1, DIMS(4), 3, 0, 2, 1));
    RUN_OK(g, last);
    RUN_OK(g, all);
    ASSERT_DIMS(last->out[0], SEER_DTYPE_F32, 1, 2, 2);
    ASSERT_F32S(last->out[0], 1e-6, 2, 5, 8, 11);
    ASSERT_SCALAR(all->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(all->out[0], 1e-6, 6.5f);

    /* Odd shape, middle axis: [3,5,2] over axis 1. */
    struct seer_value *y = CF32(g, 3, DIMS(3, 5, 2), 1, 0, 2, 0, 3, 0, 4, 0, 5, 1, /* */
                                0, 0, 0, 0, 0, 0, 0, 0, -5, 10,                    /* */
                                1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5f);
    struct seer_node *mid = NODE(g, SEER_OP_MEAN, 1, y, CI32(g, 1, DIMS(1), 1));
    RUN_OK(g, mid);
    ASSERT_DIMS(mid->out[0], SEER_DTYPE_F32, 3, 2);
    ASSERT_F32S(mid->out[0], 1e-6, 3, 0.2f, -1, 2, 1, 1.1f);
    seer_graph_free(g);
}

TEST(mean_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 4, DIMS(1, 2, 2, 3));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MEAN, 1, x, CI32(g, 1, DIMS(2), 1, -3)), SEER_EFORMAT,
                     "axes contain dimension 1 twice");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MEAN, 1, x, CI32(g, 1, DIMS(1), 4)), SEER_EFORMAT,
                     "axis 4 out of range for rank 4");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MEAN, 1, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2))),
                     SEER_EUNSUPPORTED, "axes must be constant");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MEAN, 1, x, CF32(g, 1, DIMS(1), 1)), SEER_EFORMAT,
                     "axes must be int32 or int64, got float32");
    seer_graph_free(g);
}

TEST(mean_random_axes_match_direct_reference)
{
    for (int trial = 0; trial < 40; trial++) {
        struct seer_graph *g = seer_graph_new();
        int r = 1 + k_randn(5), n_ax = 0;
        int64_t dims[5], axes[5];
        unsigned mask = 0;
        for (int i = 0; i < r; i++) {
            dims[i] = 1 + k_randn(5);
            if (k_randn(2)) {
                mask |= 1u << i;
                axes[n_ax++] = k_randn(2) ? i : i - r; /* negative half the time */
            }
        }
        struct seer_tensor t = {0};
        seer_tensor_set_shape(&t, SEER_DTYPE_F32, r, dims);
        int64_t n = seer_tensor_numel(&t);
        float *x = seer_arena_array(g->arena, (size_t)n, sizeof(float));
        double *sum = seer_arena_array(g->arena, (size_t)n, sizeof(double));
        ASSERT(x && sum);
        for (int64_t i = 0; i < n; i++) {
            x[i] = (float)k_randn(2001) / 100.0f - 10.0f;
            sum[i] = 0;
        }
        struct seer_value *vx = k_const(g, SEER_DTYPE_F32, r, dims, x, (size_t)n);
        struct seer_value *va = k_const(g, SEER_DTYPE_I64, 1, DIMS(n_ax), axes, (size_t)n_ax);
        struct seer_node *nd = NODE(g, SEER_OP_MEAN, 1, vx, va);
        nd->a.keep_dims = k_randn(2);
        RUN_OK(g, nd);
        /* Accumulate each input into its output slot: the index over the kept dims. */
        int64_t count = 1, m = 1;
        for (int i = 0; i < r; i++) {
            if (mask & (1u << i))
                count *= dims[i];
            else
                m *= dims[i];
        }
        ASSERT_EQ(seer_tensor_numel(nd->out[0]), m);
        ASSERT_EQ(nd->out[0]->ndim, nd->a.keep_dims ? r : r - n_ax);
        for (int64_t i = 0; i < n; i++) {
            int64_t rem = i, o = 0, scale = 1;
            for (int d = r - 1; d >= 0; d--) {
                int64_t c = rem % dims[d];
                rem /= dims[d];
                if (!(mask & (1u << d))) {
                    o += c * scale;
                    scale *= dims[d];
                }
            }
            sum[o] += x[i];
        }
        const float *got = nd->out[0]->data;
        for (int64_t o = 0; o < m; o++)
            ASSERT_NEAR(got[o], sum[o] / (double)count, 1e-5);
        seer_graph_free(g);
    }
}

/* ---- Concat ---------------------------------------------------------------------- */

TEST(concat_middle_axis_and_negative_axis)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CF32(g, 3, DIMS(2, 1, 2), 1, 2, 3, 4);
    struct seer_value *b = CF32(g, 3, DIMS(2, 2, 2), 5, 6, 7, 8, 9, 10, 11, 12);
    struct seer_value *e = k_const(g, SEER_DTYPE_F32, 3, DIMS(2, 0, 2), NULL, 0);
    struct seer_node *nd = NODE(g, SEER_OP_CONCAT, 1, a, e, b);
    struct seer_node *neg = NODE(g, SEER_OP_CONCAT, 1, b, a);
    nd->a.axis = 1;
    neg->a.axis = -2;
    RUN_OK(g, nd);
    RUN_OK(g, neg);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 2);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12);
    ASSERT_F32S(neg->out[0], 0, 5, 6, 7, 8, 1, 2, 9, 10, 11, 12, 3, 4);

    /* Axis 0 of three int32 inputs, split over up to 8 workers at byte boundaries. */
    struct seer_value *p = CI32(g, 2, DIMS(1, 3), 1, 2, 3);
    struct seer_value *q = CI32(g, 2, DIMS(2, 3), 4, 5, 6, 7, 8, 9);
    struct seer_value *r = CI32(g, 2, DIMS(1, 3), 10, 11, 12);
    struct seer_node *ax0 = NODE(g, SEER_OP_CONCAT, 1, p, q, r);
    RUN_OK(g, ax0);
    ASSERT_DIMS(ax0->out[0], SEER_DTYPE_I32, 4, 3);
    ASSERT_INTS(ax0->out[0], int32_t, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

    /* Last axis, one column each. */
    struct seer_node *ax1 = NODE(g, SEER_OP_CONCAT, 1, q, q);
    ax1->a.axis = 1;
    RUN_OK(g, ax1);
    ASSERT_INTS(ax1->out[0], int32_t, 4, 5, 6, 4, 5, 6, 7, 8, 9, 7, 8, 9);
    seer_graph_free(g);
}

TEST(concat_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = INPUT(g, SEER_DTYPE_F32, 3, DIMS(2, 1, 2));
    struct seer_value *b = INPUT(g, SEER_DTYPE_F32, 3, DIMS(2, 2, 3));
    struct seer_value *c = INPUT(g, SEER_DTYPE_I32, 3, DIMS(2, 1, 2));
    struct seer_value *s = INPUT(g, SEER_DTYPE_F32, 0, NULL);
    struct seer_node *nd = NODE(g, SEER_OP_CONCAT, 1, a, b);
    nd->a.axis = 1;
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT,
                     "input 1 has shape [2,2,3] but input 0 has [2,1,2]; all dims but axis 1 "
                     "must match");
    nd = NODE(g, SEER_OP_CONCAT, 1, a, c);
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT, "input 1 is int32 but input 0 is float32");
    nd = NODE(g, SEER_OP_CONCAT, 1, a, a);
    nd->a.axis = 3;
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT, "axis 3 out of range for rank 3");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_CONCAT, 1, s, s), SEER_EFORMAT, "scalars");
    seer_graph_free(g);
}

/* ---- Reshape, ExpandDims, Squeeze, Identity ------------------------------------------ */

TEST(reshape_infers_minus_one)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
    struct seer_node *nd = NODE(g, SEER_OP_RESHAPE, 1, x, CI32(g, 1, DIMS(2), 3, -1));
    struct seer_node *l = NODE(g, SEER_OP_RESHAPE, 1, x, CI64(g, 1, DIMS(3), -1, 1, 2));
    RUN_OK(g, nd);
    RUN_OK(g, l);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 2);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 3, 4, 5, 6);
    ASSERT_DIMS(l->out[0], SEER_DTYPE_F32, 3, 1, 2);

    struct seer_value *one = CI32(g, 2, DIMS(1, 1), 42);
    struct seer_node *sc =
        NODE(g, SEER_OP_RESHAPE, 1, one, k_const(g, SEER_DTYPE_I32, 1, DIMS(0), NULL, 0));
    RUN_OK(g, sc);
    ASSERT_SCALAR(sc->out[0], SEER_DTYPE_I32);
    ASSERT_INTS(sc->out[0], int32_t, 42);
    seer_graph_free(g);
}

TEST(reshape_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 2, DIMS(2, 3));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, CI32(g, 1, DIMS(2), 4, -1)), SEER_EFORMAT,
                     "cannot reshape [2,3] (6 elements) into [4,-1]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, CI32(g, 1, DIMS(2), 5, 1)), SEER_EFORMAT,
                     "cannot reshape [2,3] (6 elements) into [5,1]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, CI32(g, 1, DIMS(3), -1, 2, -1)), SEER_EFORMAT,
                     "more than one -1");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, CI32(g, 1, DIMS(2), -2, -3)), SEER_EFORMAT,
                     "negative dim");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2))),
                     SEER_EUNSUPPORTED, "shape must be constant");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_RESHAPE, 1, x, CI64(g, 1, DIMS(3), INT64_MAX, INT64_MAX, 0)),
                     SEER_EFORMAT, "overflows");
    seer_graph_free(g);
}

TEST(expand_dims_and_squeeze)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
    static const int32_t axes[] = {0, -1, 2, -3, 1};
    static const int64_t want[][3] = {{1, 2, 3}, {2, 3, 1}, {2, 3, 1}, {1, 2, 3}, {2, 1, 3}};
    for (int i = 0; i < 5; i++) {
        struct seer_node *nd = NODE(g, SEER_OP_EXPAND_DIMS, 1, x, CI32(g, 0, NULL, axes[i]));
        RUN_OK(g, nd);
        ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, want[i][0], want[i][1], want[i][2]);
        ASSERT_F32S(nd->out[0], 0, 1, 2, 3, 4, 5, 6);
    }
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_EXPAND_DIMS, 1, x, CI32(g, 0, NULL, 3)), SEER_EFORMAT,
                     "axis 3 out of range for rank 3");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_EXPAND_DIMS, 1, x, CI32(g, 0, NULL, -4)), SEER_EFORMAT,
                     "axis -4 out of range");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_EXPAND_DIMS, 1, x, CI32(g, 1, DIMS(2), 0, 1)), SEER_EFORMAT,
                     "axis must hold one value, got 2");

    struct seer_value *y = CF32(g, 4, DIMS(1, 2, 1, 3), 1, 2, 3, 4, 5, 6);
    struct seer_node *all = NODE(g, SEER_OP_SQUEEZE, 1, y);
    struct seer_node *first = NODE(g, SEER_OP_SQUEEZE, 1, y);
    struct seer_node *neg = NODE(g, SEER_OP_SQUEEZE, 1, y);
    struct seer_node *bad = NODE(g, SEER_OP_SQUEEZE, 1, y);
    first->a.n_axes = 1;
    first->a.axes[0] = 0;
    neg->a.n_axes = 1;
    neg->a.axes[0] = -2;
    bad->a.n_axes = 2;
    bad->a.axes[0] = 0;
    bad->a.axes[1] = 1;
    RUN_OK(g, all);
    RUN_OK(g, first);
    RUN_OK(g, neg);
    ASSERT_DIMS(all->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_DIMS(first->out[0], SEER_DTYPE_F32, 2, 1, 3);
    ASSERT_DIMS(neg->out[0], SEER_DTYPE_F32, 1, 2, 3);
    ASSERT_F32S(neg->out[0], 0, 1, 2, 3, 4, 5, 6);
    ASSERT_SHAPE_ERR(bad, SEER_EFORMAT, "cannot squeeze dim 1 of size 2");

    struct seer_value *i = CI64(g, 1, DIMS(3), -1, 0, 1LL << 40);
    struct seer_node *id = NODE(g, SEER_OP_IDENTITY, 1, i);
    RUN_OK(g, id);
    ASSERT_DIMS(id->out[0], SEER_DTYPE_I64, 3);
    ASSERT_INTS(id->out[0], int64_t, -1, 0, 1LL << 40);
    seer_graph_free(g);
}

/* ---- Softmax --------------------------------------------------------------------- */

TEST(softmax_last_and_first_axis)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(3, 3), 1, 2, 3, 0, 0, 0, 1000, 1000, -1000);
    struct seer_node *nd = NODE(g, SEER_OP_SOFTMAX, 1, x);
    nd->a.axis = -1;
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 3);
    /* e^(x - 3) / (e^-2 + e^-1 + 1); the large row stays finite thanks to the max. */
    ASSERT_F32S(nd->out[0], 1e-7, 0.0900305732f, 0.244728471f, 0.665240956f, 0.333333333f,
                0.333333333f, 0.333333333f, 0.5f, 0.5f, 0);

    struct seer_value *y = CF32(g, 2, DIMS(2, 2), 1, 2, 3, 5);
    struct seer_node *col = NODE(g, SEER_OP_SOFTMAX, 1, y);
    col->a.axis = 0;
    RUN_OK(g, col);
    ASSERT_F32S(col->out[0], 1e-7, 0.119202922f, 0.0474258732f, 0.880797078f, 0.952574127f);

    struct seer_node *bad = NODE(g, SEER_OP_SOFTMAX, 1, y);
    bad->a.axis = 2;
    ASSERT_SHAPE_ERR(bad, SEER_EFORMAT, "axis 2 out of range for rank 2");
    seer_graph_free(g);
}

T_MAIN(T_CASE(add_broadcasts_2x1x3_with_4x1), T_CASE(sub_and_mul_with_scalars_and_channels),
       T_CASE(floordiv_floormod_int32_round_toward_minus_infinity),
       T_CASE(floordiv_floormod_int64_and_float), T_CASE(int_arithmetic_wraps_and_compares),
       T_CASE(float_compare_div_and_nan_propagation), T_CASE(binary_zero_size_and_bool_equal),
       T_CASE(binary_shape_errors), T_CASE(binary_random_broadcasts_match_direct_reference),
       T_CASE(unary_float_ops), T_CASE(unary_rejects_non_float), T_CASE(cast_follows_tensorflow),
       T_CASE(mean_over_hw_keep_dims_true_and_false), T_CASE(mean_shape_errors),
       T_CASE(mean_random_axes_match_direct_reference),
       T_CASE(concat_middle_axis_and_negative_axis), T_CASE(concat_shape_errors),
       T_CASE(reshape_infers_minus_one), T_CASE(reshape_shape_errors),
       T_CASE(expand_dims_and_squeeze), T_CASE(softmax_last_and_first_axis))
