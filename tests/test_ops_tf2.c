/*
 * The TensorFlow ops the Object Detection API's Faster R-CNN, R-FCN and atrous
 * Inception-ResNet exports need beyond test_ops_tf.c's set: MatMul / BatchMatMul(V2),
 * SpaceToBatchND, BatchToSpaceND, GreaterEqual, LessEqual, NotEqual, Pow, Neg, Abs, Log,
 * Square, Rsqrt, Ceil, Floor, Round, Sum, Min, ArgMax, ArgMin, ClipByValue and OneHot,
 * each against values worked out by hand from TensorFlow's definitions (and, for odd
 * shapes, a plain loop written here), plus the TensorFlow name mapping of each. Every
 * kernel also runs with nth = 2..8 and must agree with nth = 1.
 */
#include <float.h>
#include <math.h>

#include "import/tfattr.h"
#include "kops.h"
#include "t.h"

/* Element i of float tensor t is an infinity of the given sign (ASSERT_F32S's tolerance
 * test cannot take infinities: inf - inf is NaN). */
#define ASSERT_INF(t, i, sign)                                                                     \
    do {                                                                                           \
        float v_ = ((const float *)(t)->data)[i];                                                  \
        if (!isinf(v_) || (v_ > 0) != ((sign) > 0))                                                \
            T_FAILF("element %d: got %.9g, want %sinf", (int)(i), (double)v_,                      \
                    (sign) > 0 ? "+" : "-");                                                       \
    } while (0)

static struct seer_node *mm(struct seer_graph *g, struct seer_value *a, struct seer_value *b,
                            bool adj_x, bool adj_y)
{
    struct seer_node *nd = NODE(g, SEER_OP_MATMUL, 1, a, b);

    if (nd) {
        nd->a.adj_x = adj_x;
        nd->a.adj_y = adj_y;
    }
    return nd;
}

TEST(matmul_transposes)
{
    struct seer_graph *g = seer_graph_new();
    /* [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]. */
    struct seer_value *a = CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
    struct seer_value *b = CF32(g, 2, DIMS(3, 2), 7, 8, 9, 10, 11, 12);
    struct seer_value *at = CF32(g, 2, DIMS(3, 2), 1, 4, 2, 5, 3, 6);
    struct seer_value *bt = CF32(g, 2, DIMS(2, 3), 7, 9, 11, 8, 10, 12);
    struct seer_node *nd = mm(g, a, b, false, false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 58, 64, 139, 154);
    nd = mm(g, at, b, true, false);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 58, 64, 139, 154);
    nd = mm(g, a, bt, false, true);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 58, 64, 139, 154);
    nd = mm(g, at, bt, true, true);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 58, 64, 139, 154);
    /* a^T a with both transposes off the same operand: [3,2]^T x [3,2] = [2,2]:
     * [1+4+9, 4+10+18; ., 16+25+36] = [14 32; 32 77]. */
    nd = mm(g, at, at, true, false);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 14, 32, 32, 77);
    /* K = 0: an empty sum is 0. */
    nd = mm(g, k_const(g, SEER_DTYPE_F32, 2, DIMS(2, 0), NULL, 0),
            k_const(g, SEER_DTYPE_F32, 2, DIMS(0, 3), NULL, 0), false, false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, 0, 0, 0, 0, 0, 0);
    seer_graph_free(g);
}

TEST(batch_matmul_broadcasts)
{
    struct seer_graph *g = seer_graph_new();
    /* [2,1,2] x a rank-2 [2,1] shared by both batch entries: [1 2].[5 6] = 17, [3 4] = 39. */
    struct seer_node *nd =
        mm(g, CF32(g, 3, DIMS(2, 1, 2), 1, 2, 3, 4), CF32(g, 2, DIMS(2, 1), 5, 6), false, false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 1, 1);
    ASSERT_F32S(nd->out[0], 0, 17, 39);
    /* Batch dims [2,1] against [1,3] give [2,3]: a_i = [1 2], [3 4]; b_j = [1 1], [1 0],
     * [0 2] (columns); out[i][j] = a_i . b_j = 3 1 4 / 7 3 8. */
    nd = mm(g, CF32(g, 4, DIMS(2, 1, 1, 2), 1, 2, 3, 4),
            CF32(g, 4, DIMS(1, 3, 2, 1), 1, 1, 1, 0, 0, 2), false, false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 1, 1);
    ASSERT_F32S(nd->out[0], 0, 3, 1, 4, 7, 3, 8);
    /* Odd sizes with both transposes and a broadcast batch, against a plain loop. */
    struct seer_value *a = k_arange_f32(g, 3, DIMS(3, 7, 5));     /* op(a) = [3][5][7] */
    struct seer_value *b = k_arange_f32(g, 4, DIMS(2, 1, 11, 7)); /* op(b) = [2][1][7][11] */
    nd = mm(g, a, b, true, true);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 5, 11);
    const float *av = a->t.data, *bv = b->t.data, *y = nd->out[0]->data;
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 3; q++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 11; j++) {
                    double want = 0;
                    for (int kk = 0; kk < 7; kk++)
                        want += (double)av[q * 35 + kk * 5 + i] * bv[p * 77 + j * 7 + kk];
                    ASSERT_NEAR(y[((p * 3 + q) * 5 + i) * 11 + j], want, want * 1e-6);
                }
    ASSERT_SHAPE_ERR(mm(g, CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6),
                        CF32(g, 2, DIMS(2, 2), 1, 2, 3, 4), false, false),
                     SEER_EFORMAT, "inner dims differ");
    ASSERT_SHAPE_ERR(
        mm(g, k_arange_f32(g, 3, DIMS(2, 2, 2)), k_arange_f32(g, 3, DIMS(3, 2, 2)), false, false),
        SEER_EFORMAT, "cannot broadcast");
    ASSERT_SHAPE_ERR(mm(g, CF32(g, 1, DIMS(2), 1, 2), CF32(g, 2, DIMS(2, 1), 1, 2), false, false),
                     SEER_EFORMAT, "rank 2 or more");
    ASSERT_SHAPE_ERR(mm(g, CI32(g, 2, DIMS(1, 1), 1), CI32(g, 2, DIMS(1, 1), 2), false, false),
                     SEER_EUNSUPPORTED, "float32 only");
    seer_graph_free(g);
}

static struct seer_node *s2b(struct seer_graph *g, enum seer_op op, struct seer_value *x,
                             struct seer_value *block, struct seer_value *pads)
{
    return NODE(g, op, 1, x, block, pads);
}

TEST(space_to_batch_and_back)
{
    struct seer_graph *g = seer_graph_new();
    /* TensorFlow's first documented example: [1,2,2,1] with 2x2 blocks -> [4,1,1,1]. */
    struct seer_node *nd =
        s2b(g, SEER_OP_SPACE_TO_BATCH_ND, CF32(g, 4, DIMS(1, 2, 2, 1), 1, 2, 3, 4),
            CI32(g, 1, DIMS(2), 2, 2), CI32(g, 2, DIMS(2, 2), 0, 0, 0, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 4, 1, 1, 1);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 3, 4);
    /* Rows [1 2 3; 4 5 6] padded one column on the left: [0 1 2 3; 0 4 5 6]. Block
     * offset (r, c) is batch entry 2r + c: [0 2], [1 3], [0 5], [4 6]. */
    struct seer_value *crops = CI64(g, 2, DIMS(2, 2), 0, 0, 1, 0);
    nd = s2b(g, SEER_OP_SPACE_TO_BATCH_ND, CF32(g, 4, DIMS(1, 2, 3, 1), 1, 2, 3, 4, 5, 6),
             CI32(g, 1, DIMS(2), 2, 2), crops);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 4, 1, 2, 1);
    ASSERT_F32S(nd->out[0], 0, 0, 2, 1, 3, 0, 5, 4, 6);
    struct seer_node *back = s2b(g, SEER_OP_BATCH_TO_SPACE_ND, seer_value_of(nd->out[0]),
                                 CI32(g, 1, DIMS(2), 2, 2), crops);
    RUN_OK(g, back);
    ASSERT_DIMS(back->out[0], SEER_DTYPE_F32, 1, 2, 3, 1);
    ASSERT_F32S(back->out[0], 0, 1, 2, 3, 4, 5, 6);
    /* One block dim, batch 2, two channels: x[n][i][c] = 8n + 2i + c; entry 2o + n takes
     * x[n][2j + o]. */
    nd = s2b(g, SEER_OP_SPACE_TO_BATCH_ND, k_arange_f32(g, 3, DIMS(2, 4, 2)),
             CI32(g, 1, DIMS(1), 2), CI32(g, 2, DIMS(1, 2), 0, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 4, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    /* Odd sizes round trip: [3,5,7,2], blocks 2x3, paddings [[1,0],[1,1]] -> [18,3,3,2];
     * the padding reads as zeros and cropping it gives x back exactly. */
    struct seer_value *x = k_arange_f32(g, 4, DIMS(3, 5, 7, 2));
    struct seer_value *pads = CI32(g, 2, DIMS(2, 2), 1, 0, 1, 1);
    nd = s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, CI32(g, 1, DIMS(2), 2, 3), pads);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 18, 3, 3, 2);
    /* Entry 0 is block offset (0, 0) of image 0: padded (0, 0) is padding, so zeros. */
    ASSERT_EQ(((const float *)nd->out[0]->data)[0], 0.0f);
    /* Block offset (1, 1) of image 2 is entry (1*3 + 1)*3 + 2 = 14; its first pixel is
     * padded (1, 1), i.e. x[2][0][0][0] = 2 * 70 = 140. */
    ASSERT_EQ(((const float *)nd->out[0]->data)[14 * 18], 140.0f);
    back = s2b(g, SEER_OP_BATCH_TO_SPACE_ND, seer_value_of(nd->out[0]), CI32(g, 1, DIMS(2), 2, 3),
               pads);
    RUN_OK(g, back);
    ASSERT_DIMS(back->out[0], SEER_DTYPE_F32, 3, 5, 7, 2);
    ASSERT(!memcmp(back->out[0]->data, x->t.data, 3 * 5 * 7 * 2 * sizeof(float)));
    seer_graph_free(g);
}

TEST(space_batch_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 4, DIMS(1, 3, 4, 1));
    struct seer_value *blk = CI32(g, 1, DIMS(2), 2, 2);
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, blk, CI32(g, 2, DIMS(2, 2), 0, 0, 0, 0)),
                     SEER_EFORMAT, "not divisible by block_shape[0]");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, blk, CI32(g, 2, DIMS(2, 2), 1, 0, 0, -2)),
                     SEER_EFORMAT, "paddings[1][1] is negative");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, blk, CI32(g, 1, DIMS(4), 1, 0, 0, 0)),
                     SEER_EFORMAT, "shape [2,2]");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, CI32(g, 1, DIMS(2), 0, 2),
                         CI32(g, 2, DIMS(2, 2), 0, 0, 0, 0)),
                     SEER_EFORMAT, "at least 1");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2)),
                         CI32(g, 2, DIMS(2, 2), 0, 0, 0, 0)),
                     SEER_EUNSUPPORTED, "constant");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_SPACE_TO_BATCH_ND, x, CI32(g, 1, DIMS(4), 1, 1, 1, 1),
                         CI32(g, 2, DIMS(4, 2), 0, 0, 0, 0, 0, 0, 0, 0)),
                     SEER_EFORMAT, "too small");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_BATCH_TO_SPACE_ND, x, blk, CI32(g, 2, DIMS(2, 2), 0, 0, 0, 0)),
                     SEER_EFORMAT, "batch 1 is not divisible");
    ASSERT_SHAPE_ERR(s2b(g, SEER_OP_BATCH_TO_SPACE_ND, k_arange_f32(g, 4, DIMS(4, 1, 1, 1)), blk,
                         CI32(g, 2, DIMS(2, 2), 1, 2, 0, 0)),
                     SEER_EFORMAT, "crops[0]");
    seer_graph_free(g);
}

TEST(comparisons_and_pow)
{
    struct seer_graph *g = seer_graph_new();
    /* [2,3] against [3] (broadcast over rows). */
    struct seer_value *a = CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
    struct seer_value *b = CF32(g, 1, DIMS(3), 2, 5, 3);
    struct seer_node *nd = NODE(g, SEER_OP_GREATER_EQUAL, 1, a, b);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_BOOL, 2, 3);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 0, 1, 1, 1, 1);
    nd = NODE(g, SEER_OP_LESS_EQUAL, 1, a, b);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 1, 1, 1, 0, 1, 0);
    nd = NODE(g, SEER_OP_NOT_EQUAL, 1, a, b);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 1, 1, 0, 1, 0, 1);
    /* NaN compares unequal to everything, itself included, and fails >= and <=. */
    struct seer_value *n = CF32(g, 1, DIMS(2), NAN, 1);
    nd = NODE(g, SEER_OP_NOT_EQUAL, 1, n, n);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 1, 0);
    nd = NODE(g, SEER_OP_GREATER_EQUAL, 1, n, n);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 1);
    /* int32 with a scalar on the left, int64, and bool NotEqual. */
    nd = NODE(g, SEER_OP_LESS_EQUAL, 1, CI32(g, 0, NULL, 3), CI32(g, 1, DIMS(3), 2, 3, 4));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 1, 1);
    nd = NODE(g, SEER_OP_GREATER_EQUAL, 1, CI64(g, 1, DIMS(2), -5, 5), CI64(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 1);
    struct seer_value *t = k_const(g, SEER_DTYPE_BOOL, 1, DIMS(2), (const uint8_t[]){1, 0}, 2);
    nd = NODE(g, SEER_OP_NOT_EQUAL, 1, t, k_const(g, SEER_DTYPE_BOOL, 0, NULL, (uint8_t[]){1}, 1));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 1);
    /* Pow: sqrt through 0.5, 0^0 = 1, a negative base with a fractional power is NaN,
     * 2^-1 = 0.5. */
    nd = NODE(g, SEER_OP_POW, 1, CF32(g, 1, DIMS(3), 4, 9, 2), CF32(g, 0, NULL, 0.5f));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 1e-6, 2, 3, 1.41421356f);
    nd = NODE(g, SEER_OP_POW, 1, CF32(g, 1, DIMS(4), 0, -8, 2, -2),
              CF32(g, 1, DIMS(4), 0, 1.0f / 3, -1, 3));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 1e-6, 1, NAN, 0.5f, -8);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_POW, 1, CI32(g, 0, NULL, 2), CI32(g, 0, NULL, 3)),
                     SEER_EUNSUPPORTED, "int32 is not supported");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_GREATER_EQUAL, 1, a, CI32(g, 0, NULL, 3)), SEER_EFORMAT,
                     "dtypes differ");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_NOT_EQUAL, 1, a, CF32(g, 1, DIMS(2), 1, 2)), SEER_EFORMAT,
                     "cannot broadcast");
    seer_graph_free(g);
}

TEST(unary_math)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 1, DIMS(5), -1.5f, -0.5f, 0.5f, 1.5f, 2);
    struct seer_node *nd = NODE(g, SEER_OP_NEG, 1, x);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 1.5f, 0.5f, -0.5f, -1.5f, -2);
    nd = NODE(g, SEER_OP_ABS, 1, x);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 1.5f, 0.5f, 0.5f, 1.5f, 2);
    nd = NODE(g, SEER_OP_SQUARE, 1, x);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 2.25f, 0.25f, 0.25f, 2.25f, 4);
    nd = NODE(g, SEER_OP_CEIL, 1, x);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, -1, 0, 1, 2, 2);
    ASSERT(signbit(((const float *)nd->out[0]->data)[1])); /* ceil(-0.5) is -0 */
    nd = NODE(g, SEER_OP_FLOOR, 1, x);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, -2, -1, 0, 1, 2);
    /* Round is half to even, unlike C's round(). */
    nd = NODE(g, SEER_OP_ROUND, 1,
              CF32(g, 2, DIMS(2, 4), -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.6f, -0.4f));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 4);
    ASSERT_F32S(nd->out[0], 0, -2, -2, 0, 0, 2, 2, 3, 0);
    nd = NODE(g, SEER_OP_LOG, 1, CF32(g, 1, DIMS(4), 1, 2.71828183f, -1, 0));
    RUN_OK(g, nd);
    ASSERT_NEAR(((const float *)nd->out[0]->data)[0], 0, 1e-6);
    ASSERT_NEAR(((const float *)nd->out[0]->data)[1], 1, 1e-6);
    ASSERT(isnan(((const float *)nd->out[0]->data)[2]));
    ASSERT_INF(nd->out[0], 3, -1);
    nd = NODE(g, SEER_OP_RSQRT, 1, CF32(g, 1, DIMS(3), 4, 0.25f, 0));
    RUN_OK(g, nd);
    ASSERT_NEAR(((const float *)nd->out[0]->data)[0], 0.5, 1e-6);
    ASSERT_NEAR(((const float *)nd->out[0]->data)[1], 2, 1e-6);
    ASSERT_INF(nd->out[0], 2, 1);
    /* Integers wrap: -INT32_MIN and |INT32_MIN| are INT32_MIN; 65536^2 wraps to 0. */
    struct seer_value *xi = CI32(g, 1, DIMS(4), INT32_MIN, -3, 0, 65536);
    nd = NODE(g, SEER_OP_NEG, 1, xi);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, INT32_MIN, 3, 0, -65536);
    nd = NODE(g, SEER_OP_ABS, 1, xi);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, INT32_MIN, 3, 0, 65536);
    nd = NODE(g, SEER_OP_SQUARE, 1, xi);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 0, 9, 0, 0);
    nd = NODE(g, SEER_OP_SQUARE, 1, CI64(g, 1, DIMS(2), -3, 65536));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int64_t, 9, 4294967296LL);
    nd = NODE(g, SEER_OP_ROUND, 1, CI64(g, 1, DIMS(2), -7, 7));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int64_t, -7, 7);
    /* Odd length with many workers: elementwise Neg of 0..36. */
    nd = NODE(g, SEER_OP_NEG, 1, k_arange_f32(g, 3, DIMS(1, 37, 1)));
    RUN_OK(g, nd);
    for (int i = 0; i < 37; i++)
        ASSERT_EQ(((const float *)nd->out[0]->data)[i], -(float)i);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_LOG, 1, xi), SEER_EUNSUPPORTED, "float32 only");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_ABS, 1, CU8(g, 1, DIMS(1), 1)), SEER_EUNSUPPORTED,
                     "uint8 is not supported");
    seer_graph_free(g);
}

static struct seer_node *reduce(struct seer_graph *g, enum seer_op op, struct seer_value *x,
                                struct seer_value *axes, bool keep)
{
    struct seer_node *nd = NODE(g, op, 1, x, axes);

    if (nd)
        nd->a.keep_dims = keep;
    return nd;
}

TEST(sum_and_min)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
    struct seer_node *nd = reduce(g, SEER_OP_REDUCE_SUM, x, CI32(g, 0, NULL, 1), false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2);
    ASSERT_F32S(nd->out[0], 0, 6, 15);
    nd = reduce(g, SEER_OP_REDUCE_SUM, x, CI32(g, 0, NULL, -2), true);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 3);
    ASSERT_F32S(nd->out[0], 0, 5, 7, 9);
    nd = reduce(g, SEER_OP_REDUCE_SUM, x, CI64(g, 1, DIMS(2), 1, 0), false);
    RUN_OK(g, nd);
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(nd->out[0], 0, 21);
    /* No axes: the identity reduction keeps x. */
    nd = reduce(g, SEER_OP_REDUCE_SUM, x, k_const(g, SEER_DTYPE_I32, 1, DIMS(0), NULL, 0), false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 3, 4, 5, 6);
    nd = reduce(g, SEER_OP_REDUCE_MIN, x, CI32(g, 0, NULL, 0), true);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 3);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 3);
    /* Min propagates NaN; an empty reduction gives +inf (Min) and 0 (Sum). */
    nd = reduce(g, SEER_OP_REDUCE_MIN, CF32(g, 2, DIMS(2, 2), 3, NAN, -1, 2), CI32(g, 0, NULL, 1),
                false);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, NAN, -1);
    struct seer_value *empty = k_const(g, SEER_DTYPE_F32, 2, DIMS(2, 0), NULL, 0);
    nd = reduce(g, SEER_OP_REDUCE_MIN, empty, CI32(g, 0, NULL, 1), false);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2);
    ASSERT_INF(nd->out[0], 0, 1);
    ASSERT_INF(nd->out[0], 1, 1);
    nd = reduce(g, SEER_OP_REDUCE_SUM, empty, CI32(g, 0, NULL, 1), false);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 0, 0);
    /* int32: Sum wraps, Min of [5, -7, 2] is -7. */
    nd = reduce(g, SEER_OP_REDUCE_SUM, CI32(g, 1, DIMS(2), INT32_MAX, 1), CI32(g, 0, NULL, 0),
                false);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, INT32_MIN);
    nd = reduce(g, SEER_OP_REDUCE_MIN, CI32(g, 1, DIMS(3), 5, -7, 2), CI32(g, 0, NULL, 0), false);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, -7);
    /* Odd shape [3,5,7] summed over axes 0 and 2, against a plain loop. */
    struct seer_value *big = k_arange_f32(g, 3, DIMS(3, 5, 7));
    nd = reduce(g, SEER_OP_REDUCE_SUM, big, CI32(g, 1, DIMS(2), 2, 0), true);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 5, 1);
    for (int j = 0; j < 5; j++) {
        double want = 0;
        for (int i = 0; i < 3; i++)
            for (int kk = 0; kk < 7; kk++)
                want += i * 35 + j * 7 + kk;
        ASSERT_NEAR(((const float *)nd->out[0]->data)[j], want, 0);
    }
    ASSERT_SHAPE_ERR(reduce(g, SEER_OP_REDUCE_SUM, x, CI32(g, 1, DIMS(2), 1, -1), false),
                     SEER_EFORMAT, "twice");
    ASSERT_SHAPE_ERR(reduce(g, SEER_OP_REDUCE_MIN, x, CI32(g, 0, NULL, 2), false), SEER_EFORMAT,
                     "out of range");
    seer_graph_free(g);
}

static struct seer_node *arg(struct seer_graph *g, enum seer_op op, struct seer_value *x,
                             struct seer_value *axis, enum seer_dtype dt)
{
    struct seer_node *nd = NODE(g, op, 1, x, axis);

    if (nd)
        nd->a.dtype = dt;
    return nd;
}

TEST(argmax_argmin)
{
    struct seer_graph *g = seer_graph_new();
    /* Ties go to the first index. */
    struct seer_value *x = CF32(g, 2, DIMS(2, 3), 1, 5, 5, 7, 2, 7);
    struct seer_node *nd = arg(g, SEER_OP_ARGMAX, x, CI32(g, 0, NULL, 1), SEER_DTYPE_I64);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I64, 2);
    ASSERT_INTS(nd->out[0], int64_t, 1, 0);
    nd = arg(g, SEER_OP_ARGMAX, x, CI64(g, 0, NULL, 0), SEER_DTYPE_I32);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 3);
    ASSERT_INTS(nd->out[0], int32_t, 1, 0, 1);
    nd = arg(g, SEER_OP_ARGMIN, x, CI32(g, 1, DIMS(1), -1), SEER_DTYPE_I32);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 0, 1);
    nd = arg(g, SEER_OP_ARGMIN, CU8(g, 1, DIMS(4), 9, 3, 200, 3), CI32(g, 0, NULL, 0),
             SEER_DTYPE_I64);
    RUN_OK(g, nd);
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_I64);
    ASSERT_INTS(nd->out[0], int64_t, 1);
    nd = arg(g, SEER_OP_ARGMAX, CI64(g, 1, DIMS(3), -9, INT64_MAX, 4), CI32(g, 0, NULL, 0),
             SEER_DTYPE_I32);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 1);
    /* Odd shape [3,4,5] along the middle axis, values scrambled, against a plain loop. */
    float v[60];
    for (int i = 0; i < 60; i++)
        v[i] = (float)((i * 37) % 61);
    struct seer_value *big = k_const(g, SEER_DTYPE_F32, 3, DIMS(3, 4, 5), v, 60);
    nd = arg(g, SEER_OP_ARGMAX, big, CI32(g, 0, NULL, 1), SEER_DTYPE_I32);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 3, 5);
    for (int i = 0; i < 3; i++)
        for (int kk = 0; kk < 5; kk++) {
            int best = 0;
            for (int j = 1; j < 4; j++)
                if (v[i * 20 + j * 5 + kk] > v[i * 20 + best * 5 + kk])
                    best = j;
            ASSERT_EQ(((const int32_t *)nd->out[0]->data)[i * 5 + kk], best);
        }
    ASSERT_SHAPE_ERR(arg(g, SEER_OP_ARGMAX, k_const(g, SEER_DTYPE_F32, 2, DIMS(2, 0), NULL, 0),
                         CI32(g, 0, NULL, 1), SEER_DTYPE_I64),
                     SEER_EFORMAT, "axis 1 is empty");
    ASSERT_SHAPE_ERR(arg(g, SEER_OP_ARGMAX, x, CI32(g, 0, NULL, 2), SEER_DTYPE_I64), SEER_EFORMAT,
                     "out of range");
    ASSERT_SHAPE_ERR(arg(g, SEER_OP_ARGMIN, x, CI32(g, 0, NULL, 0), SEER_DTYPE_F32), SEER_EFORMAT,
                     "output_type");
    ASSERT_SHAPE_ERR(arg(g, SEER_OP_ARGMIN, x, INPUT(g, SEER_DTYPE_I32, 0, NULL), SEER_DTYPE_I64),
                     SEER_EUNSUPPORTED, "constant");
    seer_graph_free(g);
}

TEST(clip_by_value)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *t = CF32(g, 2, DIMS(2, 3), -2, -1, 0, 1, 2, NAN);
    struct seer_node *nd =
        NODE(g, SEER_OP_CLIP_BY_VALUE, 1, t, CF32(g, 0, NULL, -0.5f), CF32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, -0.5f, -0.5f, 0, 1, 1, NAN);
    /* min > max: max(min(v, 1), 2) is 2 everywhere, as TensorFlow's functor gives. */
    nd = NODE(g, SEER_OP_CLIP_BY_VALUE, 1, t, CF32(g, 0, NULL, 2), CF32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 2, 2, 2, 2, 2, NAN);
    /* Bounds with t's shape, one scalar and one tensor. */
    nd = NODE(g, SEER_OP_CLIP_BY_VALUE, 1, t, CF32(g, 2, DIMS(2, 3), -3, 0, -1, 0, 0, 0),
              CF32(g, 0, NULL, 0.5f));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, -2, 0, 0, 0.5f, 0.5f, NAN);
    nd = NODE(g, SEER_OP_CLIP_BY_VALUE, 1, CI32(g, 1, DIMS(3), -9, 4, 9), CI32(g, 0, NULL, 0),
              CI32(g, 1, DIMS(3), 5, 3, 10));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 0, 3, 9);
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_CLIP_BY_VALUE, 1, t, CF32(g, 1, DIMS(3), 0, 0, 0), CF32(g, 0, NULL, 1)),
        SEER_EFORMAT, "clip_value_min must be a scalar or have t's shape [2,3]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_CLIP_BY_VALUE, 1, t, CF32(g, 0, NULL, 0), CI32(g, 0, NULL, 1)),
                     SEER_EFORMAT, "clip_value_max is int32");
    seer_graph_free(g);
}

static struct seer_node *one_hot(struct seer_graph *g, struct seer_value *ix, int32_t depth,
                                 struct seer_value *on, struct seer_value *off, int32_t axis)
{
    struct seer_node *nd = NODE(g, SEER_OP_ONE_HOT, 1, ix, CI32(g, 0, NULL, depth), on, off);

    if (nd)
        nd->a.axis = axis;
    return nd;
}

TEST(one_hot)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *ix = CI32(g, 1, DIMS(3), 0, 2, -1);
    struct seer_value *on = CF32(g, 0, NULL, 5), *off = CF32(g, 0, NULL, 0);
    /* An index outside [0, depth) gives a row of off_value. */
    struct seer_node *nd = one_hot(g, ix, 3, on, off, -1);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 3);
    ASSERT_F32S(nd->out[0], 0, 5, 0, 0, 0, 0, 5, 0, 0, 0);
    nd = one_hot(g, ix, 3, on, off, 0);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 3);
    ASSERT_F32S(nd->out[0], 0, 5, 0, 0, 0, 0, 0, 0, 5, 0);
    /* [2,2] int64 indices, new axis in the middle: out[i][d][j] = ix[i][j] == d. */
    nd = one_hot(g, CI64(g, 2, DIMS(2, 2), 1, 0, 3, 1), 4, CI32(g, 0, NULL, 1),
                 CI32(g, 0, NULL, -1), 1);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 2, 4, 2);
    ASSERT_INTS(nd->out[0], int32_t, -1, 1, 1, -1, -1, -1, -1, -1, /* i = 0 */
                -1, -1, -1, 1, -1, -1, 1, -1);                     /* i = 1 */
    /* depth 0 gives an empty tensor. */
    nd = one_hot(g, ix, 0, on, off, -1);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 0);
    ASSERT_SHAPE_ERR(one_hot(g, ix, -2, on, off, -1), SEER_EFORMAT, "depth must be non-negative");
    ASSERT_SHAPE_ERR(one_hot(g, ix, 3, on, off, 2), SEER_EFORMAT, "axis 2 must be -1 or in [0, 2)");
    ASSERT_SHAPE_ERR(one_hot(g, ix, 3, on, CI32(g, 0, NULL, 0), -1), SEER_EFORMAT,
                     "off_value is int32");
    ASSERT_SHAPE_ERR(one_hot(g, ix, 3, CF32(g, 1, DIMS(1), 1), off, -1), SEER_EFORMAT,
                     "must be scalars");
    seer_graph_free(g);
}

/* A TensorFlow node with up to three attributes, for the name mapping. */
static int map(const char *op, int n_in, const struct seer__tf_attr *attrs, int n_attr,
               struct seer__tf_op *out, struct seer_err *err)
{
    struct seer__tf_node nd = {0};

    nd.name = "n";
    nd.op = op;
    nd.n_attr = n_attr;
    nd.attr = attrs;
    return seer__tf_map_op(&nd, n_in, false, out, err);
}

TEST(tf_names_map_to_ops)
{
    static const struct {
        const char *tf;
        enum seer_op op;
        int n_in;
    } rows[] = {
        {"BatchMatMul", SEER_OP_MATMUL, 2},
        {"BatchMatMulV2", SEER_OP_MATMUL, 2},
        {"SpaceToBatchND", SEER_OP_SPACE_TO_BATCH_ND, 3},
        {"BatchToSpaceND", SEER_OP_BATCH_TO_SPACE_ND, 3},
        {"GreaterEqual", SEER_OP_GREATER_EQUAL, 2},
        {"LessEqual", SEER_OP_LESS_EQUAL, 2},
        {"NotEqual", SEER_OP_NOT_EQUAL, 2},
        {"Pow", SEER_OP_POW, 2},
        {"Neg", SEER_OP_NEG, 1},
        {"Abs", SEER_OP_ABS, 1},
        {"Log", SEER_OP_LOG, 1},
        {"Square", SEER_OP_SQUARE, 1},
        {"Rsqrt", SEER_OP_RSQRT, 1},
        {"Ceil", SEER_OP_CEIL, 1},
        {"Floor", SEER_OP_FLOOR, 1},
        {"Round", SEER_OP_ROUND, 1},
        {"Sum", SEER_OP_REDUCE_SUM, 2},
        {"Min", SEER_OP_REDUCE_MIN, 2},
        {"ClipByValue", SEER_OP_CLIP_BY_VALUE, 3},
    };
    struct seer__tf_op o;
    struct seer_err err = {{0}};

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int rc = map(rows[i].tf, rows[i].n_in, NULL, 0, &o, &err);
        if (rc)
            T_FAILF("%s: %s", rows[i].tf, err.msg);
        ASSERT_EQ(o.op, rows[i].op);
        ASSERT(seer_op_info(o.op));
        ASSERT(!o.a.adj_x && !o.a.adj_y && !o.a.keep_dims);
    }
    /* Attributes: MatMul's transposes, BatchMatMul's adjoints, keep_dims, ArgMax's
     * output_type (int64 when absent), OneHot's axis (-1 when absent). */
    struct seer__tf_attr ta[2] = {{.name = "transpose_a", .kind = SEER__TF_ATTR_B, .b = true},
                                  {.name = "transpose_b", .kind = SEER__TF_ATTR_B, .b = false}};
    ASSERT_OK(map("MatMul", 2, ta, 2, &o, &err));
    ASSERT(o.op == SEER_OP_MATMUL && o.a.adj_x && !o.a.adj_y);
    struct seer__tf_attr adj = {.name = "adj_y", .kind = SEER__TF_ATTR_B, .b = true};
    ASSERT_OK(map("BatchMatMulV2", 2, &adj, 1, &o, &err));
    ASSERT(!o.a.adj_x && o.a.adj_y);
    /* NonMaxSuppression (v1): iou_threshold is an attribute, 0.5 when absent. */
    ASSERT_OK(map("NonMaxSuppression", 3, NULL, 0, &o, &err));
    ASSERT(o.op == SEER_OP_NMS && o.a.alpha == 0.5f);
    struct seer__tf_attr iou = {.name = "iou_threshold", .kind = SEER__TF_ATTR_F, .f = 0.7f};
    ASSERT_OK(map("NonMaxSuppression", 3, &iou, 1, &o, &err));
    ASSERT(o.a.alpha == 0.7f);
    struct seer__tf_attr kd = {.name = "keep_dims", .kind = SEER__TF_ATTR_B, .b = true};
    ASSERT_OK(map("Sum", 2, &kd, 1, &o, &err));
    ASSERT(o.a.keep_dims);
    ASSERT_OK(map("ArgMax", 2, NULL, 0, &o, &err));
    ASSERT(o.op == SEER_OP_ARGMAX && o.a.dtype == SEER_DTYPE_I64);
    struct seer__tf_attr ot = {
        .name = "output_type", .kind = SEER__TF_ATTR_TYPE, .type = SEER__TF_DT_INT32};
    ASSERT_OK(map("ArgMin", 2, &ot, 1, &o, &err));
    ASSERT(o.op == SEER_OP_ARGMIN && o.a.dtype == SEER_DTYPE_I32);
    ASSERT_OK(map("OneHot", 4, NULL, 0, &o, &err));
    ASSERT(o.op == SEER_OP_ONE_HOT && o.a.axis == -1);
    struct seer__tf_attr ax = {.name = "axis", .kind = SEER__TF_ATTR_I, .i = 0};
    ASSERT_OK(map("OneHot", 4, &ax, 1, &o, &err));
    ASSERT_EQ(o.a.axis, 0);
    /* Bad attributes and input counts are named. */
    struct seer__tf_attr bad = {.name = "transpose_a", .kind = SEER__TF_ATTR_I, .i = 1};
    ASSERT_EQ(map("MatMul", 2, &bad, 1, &o, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "'transpose_a' is not a bool"));
    ASSERT_EQ(map("OneHot", 3, NULL, 0, &o, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "expects 4 inputs"));
}

T_MAIN(T_CASE(matmul_transposes), T_CASE(batch_matmul_broadcasts), T_CASE(space_to_batch_and_back),
       T_CASE(space_batch_errors), T_CASE(comparisons_and_pow), T_CASE(unary_math),
       T_CASE(sum_and_min), T_CASE(argmax_argmin), T_CASE(clip_by_value), T_CASE(one_hot),
       T_CASE(tf_names_map_to_ops))
