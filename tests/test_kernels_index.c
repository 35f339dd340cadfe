/*
 * Tests for the indexing and data-movement reference kernels: StridedSlice (mask
 * combinations, negative strides and indices, clamping), Transpose (against a direct
 * per-element reference), GatherV2 (axis, batch_dims, out-of-range indices), TopKV2
 * (ties, and large random inputs against a brute-force sort), SparseToDense and SplitV.
 * Every kernel run is also checked for identical results with nth = 1..8 (see kops.h).
 */
#include <stdint.h>

#include "core/alloc.h"
#include "kops.h"

/* ---- StridedSlice ---------------------------------------------------------------- */

/* A StridedSlice node on x with int32 begin/end/strides of length n and the masks. */
static struct seer_node *ss(struct seer_graph *g, struct seer_value *x, int n, const int32_t *b,
                            const int32_t *e, const int32_t *s, int bm, int em, int ellm, int nam,
                            int sam)
{
    struct seer_value *vb = k_const(g, SEER_DTYPE_I32, 1, DIMS(n), b, (size_t)n);
    struct seer_value *ve = k_const(g, SEER_DTYPE_I32, 1, DIMS(n), e, (size_t)n);
    struct seer_value *vs = k_const(g, SEER_DTYPE_I32, 1, DIMS(n), s, (size_t)n);
    struct seer_node *nd = NODE(g, SEER_OP_STRIDED_SLICE, 1, x, vb, ve, vs);
    nd->a.begin_mask = bm;
    nd->a.end_mask = em;
    nd->a.ellipsis_mask = ellm;
    nd->a.new_axis_mask = nam;
    nd->a.shrink_axis_mask = sam;
    return nd;
}

#define V3(a, b, c) ((const int32_t[]){a, b, c})
#define V2(a, b)    ((const int32_t[]){a, b})

/* x[i][j][k] = 12i + 4j + k throughout. */
TEST(strided_slice_ranges_steps_and_clamping)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 3, DIMS(2, 3, 4));

    struct seer_node *nd = ss(g, x, 3, V3(0, 1, 0), V3(2, 3, 4), V3(1, 1, 2), 0, 0, 0, 0, 0);
    RUN_OK(g, nd); /* x[0:2, 1:3, 0:4:2] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 4, 6, 8, 10, 16, 18, 20, 22);

    nd = ss(g, x, 3, V3(0, -100, 1), V3(100, 2, 3), V3(1, 1, 1), 0, 0, 0, 0, 0);
    RUN_OK(g, nd); /* x[0:100, -100:2, 1:3] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 5, 6, 13, 14, 17, 18);

    nd = ss(g, x, 3, V3(0, 2, 0), V3(0, 1, 0), V3(1, 1, 1), 5, 5, 0, 0, 0);
    RUN_OK(g, nd); /* x[:, 2:1, :] is empty */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 0, 4);

    nd = ss(g, x, 3, V3(0, 0, 0), V3(0, 3, 1), V3(1, 5, 1), 1, 1, 0, 0, 4);
    RUN_OK(g, nd); /* x[:, 0:3:5, 0] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 1);
    ASSERT_F32S(nd->out[0], 0, 0, 12);
    seer_graph_free(g);
}

TEST(strided_slice_negative_strides_and_indices)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 3, DIMS(2, 3, 4));

    struct seer_node *nd = ss(g, x, 3, V3(0, 0, 0), V3(0, 0, 0), V3(1, 1, -1), 7, 7, 0, 0, 0);
    RUN_OK(g, nd); /* x[:, :, ::-1] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 4);
    ASSERT_F32S(nd->out[0], 0, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16,
                23, 22, 21, 20);

    nd = ss(g, x, 3, V3(1, 2, 3), V3(2, 3, 0), V3(1, 1, -2), 0, 0, 0, 0, 3);
    RUN_OK(g, nd); /* x[1, 2, 3:0:-2] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2);
    ASSERT_F32S(nd->out[0], 0, 23, 21);

    nd = ss(g, x, 3, V3(1, 1, 0), V3(2, 2, 0), V3(1, 1, -2), 4, 4, 0, 0, 3);
    RUN_OK(g, nd); /* x[1, 1, ::-2] */
    ASSERT_F32S(nd->out[0], 0, 19, 17);

    nd = ss(g, x, 3, V3(-1, -2, -3), V3(0, 0, -1), V3(1, 1, 1), 0, 2, 0, 0, 1);
    RUN_OK(g, nd); /* x[-1, -2:, -3:-1] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 17, 18, 21, 22);

    nd = ss(g, x, 3, V3(0, 10, 0), V3(1, -10, 1), V3(1, -1, 1), 0, 0, 0, 0, 5);
    RUN_OK(g, nd); /* x[0, 10:-10:-1, 0]: both ends clamp */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3);
    ASSERT_F32S(nd->out[0], 0, 8, 4, 0);

    struct seer_value *v = CI32(g, 1, DIMS(5), 10, 20, 30, 40, 50);
    nd = ss(g, v, 1, (const int32_t[]){-2}, (const int32_t[]){0}, (const int32_t[]){-2}, 0, 1, 0, 0,
            0);
    RUN_OK(g, nd); /* v[-2::-2] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 2);
    ASSERT_INTS(nd->out[0], int32_t, 40, 20);
    seer_graph_free(g);
}

TEST(strided_slice_ellipsis_new_axis_shrink)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 3, DIMS(2, 3, 4));

    struct seer_node *nd = ss(g, x, 3, V3(0, 0, 1), V3(0, 0, 2), V3(1, 1, 1), 0, 0, 1, 2, 4);
    RUN_OK(g, nd); /* x[..., tf.newaxis, 1] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 1);
    ASSERT_F32S(nd->out[0], 0, 1, 5, 9, 13, 17, 21);

    nd = ss(g, x, 2, V2(0, 0), V2(0, 1), V2(1, 1), 0, 0, 0, 1, 2);
    RUN_OK(g, nd); /* x[tf.newaxis, 0]: the implied ellipsis comes last */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 3, 4);
    ASSERT_F32S(nd->out[0], 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);

    nd = ss(g, x, 3, V3(0, 0, 1), V3(1, 0, 2), V3(1, 1, 1), 0, 0, 2, 0, 5);
    RUN_OK(g, nd); /* x[0, ..., 1] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3);
    ASSERT_F32S(nd->out[0], 0, 1, 5, 9);

    nd = ss(g, x, 3, V3(0, 0, 0), V3(0, 0, 0), V3(1, 1, 1), 0, 0, 1, 6, 0);
    RUN_OK(g, nd); /* x[..., tf.newaxis, tf.newaxis] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3, 4, 1, 1);

    nd = ss(g, x, 1, (const int32_t[]){0}, (const int32_t[]){0}, (const int32_t[]){1}, 0, 0, 0, 1,
            1);
    RUN_OK(g, nd); /* a bit in both new_axis_mask and shrink_axis_mask is a new axis */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 2, 3, 4);
    for (int i = 0; i < 24; i++)
        ASSERT_EQ(((const float *)nd->out[0]->data)[i], i);

    nd = ss(g, x, 4, (const int32_t[]){0, 1, 2, 3}, (const int32_t[]){0, 2, 3, 4},
            (const int32_t[]){1, 1, 1, 1}, 0, 0, 1, 0, 14);
    RUN_OK(g, nd); /* x[..., 1, 2, 3]: the ellipsis stands for no dims */
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(nd->out[0], 0, 23);

    nd = ss(g, x, 3, V3(1, 2, 3), V3(2, 3, 4), V3(1, 1, 1), 0, 0, 0, 0, 7);
    RUN_OK(g, nd); /* x[1, 2, 3] */
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(nd->out[0], 0, 23);
    seer_graph_free(g);
}

/* Python's slice rule for one dim: the indices x[b:e:s] visits, with b or e left out
 * when masked. Returns how many were written to out. */
static int py_slice(int64_t n, int64_t b, int64_t e, int64_t s, bool bm, bool em, int64_t *out)
{
    int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? n : n - 1, cnt = 0;

    b = bm ? (s > 0 ? 0 : n - 1) : (b < 0 ? b + n : b);
    e = em ? (s > 0 ? n : -1) : (e < 0 ? e + n : e);
    b = b < lo ? lo : b > hi ? hi : b;
    e = e < lo ? lo : e > hi ? hi : e;
    for (int64_t i = b; s > 0 ? i < e : i > e; i += s)
        out[cnt++] = i;
    return (int)cnt;
}

TEST(strided_slice_random_ranges_match_python_slicing)
{
    for (int trial = 0; trial < 60; trial++) {
        struct seer_graph *g = seer_graph_new();
        int r = 1 + k_randn(4), bm = 0, em = 0;
        int64_t dims[4], vis[4][16];
        int32_t b[4], e[4], st[4];
        int nvis[4];
        for (int i = 0; i < r; i++) {
            dims[i] = 1 + k_randn(6);
            b[i] = k_randn(17) - 8;
            e[i] = k_randn(17) - 8;
            st[i] = (k_randn(3) + 1) * (k_randn(2) ? 1 : -1);
            bm |= k_randn(4) == 0 ? 1 << i : 0;
            em |= k_randn(4) == 0 ? 1 << i : 0;
            nvis[i] = py_slice(dims[i], b[i], e[i], st[i], bm & (1 << i), em & (1 << i), vis[i]);
        }
        struct seer_value *x = k_arange_f32(g, r, dims);
        struct seer_node *nd = ss(g, x, r, b, e, st, bm, em, 0, 0, 0);
        RUN_OK(g, nd);
        ASSERT_EQ(nd->out[0]->ndim, r);
        int64_t total = 1;
        for (int i = 0; i < r; i++) {
            ASSERT_EQ(nd->out[0]->dims[i], nvis[i]);
            total *= nvis[i];
        }
        const float *y = nd->out[0]->data;
        for (int64_t o = 0; o < total; o++) {
            int64_t rem = o, src = 0, scale = 1;
            for (int i = r - 1; i >= 0; i--) {
                src += vis[i][rem % nvis[i]] * scale;
                rem /= nvis[i];
                scale *= dims[i];
            }
            if (y[o] != (float)src)
                T_FAILF("trial %d element %lld: got %g want %lld", trial, (long long)o, y[o],
                        (long long)src);
        }
        seer_graph_free(g);
    }
}

TEST(strided_slice_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 3, DIMS(2, 3, 4));
    struct seer_value *six = CI32(g, 1, DIMS(6), 0, 0, 0, 0, 0, 0);
    struct seer_value *ones = CI32(g, 1, DIMS(6), 1, 1, 1, 1, 1, 1);

    ASSERT_SHAPE_ERR(ss(g, x, 3, V3(0, 0, 0), V3(1, 1, 1), V3(1, 1, 0), 0, 0, 0, 0, 0),
                     SEER_EFORMAT, "strides[2] must be non-zero");
    ASSERT_SHAPE_ERR(ss(g, x, 1, (const int32_t[]){2}, (const int32_t[]){3}, (const int32_t[]){1},
                        0, 0, 0, 0, 1),
                     SEER_EFORMAT, "slice index 2 of dimension 0 out of bounds");
    ASSERT_SHAPE_ERR(ss(g, x, 1, (const int32_t[]){-3}, (const int32_t[]){0}, (const int32_t[]){1},
                        0, 0, 0, 0, 1),
                     SEER_EFORMAT, "slice index -3 of dimension 0 out of bounds");
    ASSERT_SHAPE_ERR(ss(g, x, 2, V2(0, 0), V2(0, 0), V2(1, 1), 0, 0, 3, 0, 0), SEER_EFORMAT,
                     "ellipsis_mask has more than one bit set");
    ASSERT_SHAPE_ERR(ss(g, x, 1, (const int32_t[]){0}, (const int32_t[]){1}, (const int32_t[]){-1},
                        0, 0, 0, 0, 1),
                     SEER_EFORMAT, "only stride 1 allowed on non-range indexing");
    ASSERT_SHAPE_ERR(ss(g, x, 4, (const int32_t[]){0, 0, 0, 0}, (const int32_t[]){1, 1, 1, 1},
                        (const int32_t[]){1, 1, 1, 1}, 0, 0, 0, 0, 0),
                     SEER_EFORMAT, "slice spec entry 3 indexes past the input's 3 dims");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_STRIDED_SLICE, 1, x, CI32(g, 1, DIMS(2), 0, 0), six, ones),
                     SEER_EFORMAT, "begin, end and strides have lengths 2, 6, 6");
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_STRIDED_SLICE, 1, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(6)), six, ones),
        SEER_EUNSUPPORTED, "begin must be constant");
    /* Six new axes on a rank-3 input would make rank 9. */
    struct seer_node *nd = NODE(g, SEER_OP_STRIDED_SLICE, 1, x, six, six, ones);
    nd->a.new_axis_mask = 63;
    ASSERT_SHAPE_ERR(nd, SEER_EUNSUPPORTED, "more than 8 dims");
    seer_graph_free(g);
}

/* ---- Transpose ------------------------------------------------------------------- */

TEST(transpose_2d_and_nhwc_to_nchw)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 2, DIMS(2, 3));
    struct seer_node *nd = NODE(g, SEER_OP_TRANSPOSE, 1, x, CI32(g, 1, DIMS(2), 1, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 3, 1, 4, 2, 5);

    /* x[h][w][c] = 3 (2h + w) + c into [c][h][w]. */
    struct seer_value *y = k_arange_f32(g, 4, DIMS(1, 2, 2, 3));
    nd = NODE(g, SEER_OP_TRANSPOSE, 1, y, CI64(g, 1, DIMS(4), 0, 3, 1, 2));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 3, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11);

    /* Only size-1 dims move: the bytes stay. */
    struct seer_value *z = CU8(g, 3, DIMS(1, 1, 3), 7, 8, 9);
    nd = NODE(g, SEER_OP_TRANSPOSE, 1, z, CI32(g, 1, DIMS(3), 2, 0, 1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_U8, 3, 1, 1);
    ASSERT_INTS(nd->out[0], uint8_t, 7, 8, 9);
    seer_graph_free(g);
}

/* Checks a transpose of random data of element type T against the direct definition. */
#define CHECK_TRANSPOSE(T, dt, r, dims, perm)                                                      \
    do {                                                                                           \
        struct seer_graph *g_ = seer_graph_new();                                                  \
        struct seer_tensor t_ = {0};                                                               \
        seer_tensor_set_shape(&t_, dt, r, dims);                                                   \
        int64_t n_ = seer_tensor_numel(&t_);                                                       \
        T *p_ = seer_arena_array(g_->arena, (size_t)n_, sizeof(T));                                \
        ASSERT(p_);                                                                                \
        for (int64_t i_ = 0; i_ < n_; i_++)                                                        \
            p_[i_] = (T)k_rand();                                                                  \
        int64_t pv_[8];                                                                            \
        for (int i_ = 0; i_ < r; i_++)                                                             \
            pv_[i_] = perm[i_];                                                                    \
        struct seer_value *x_ = k_const(g_, dt, r, dims, p_, (size_t)n_);                          \
        struct seer_value *pp_ = k_const(g_, SEER_DTYPE_I64, 1, DIMS(r), pv_, (size_t)r);          \
        struct seer_node *nd_ = NODE(g_, SEER_OP_TRANSPOSE, 1, x_, pp_);                           \
        RUN_OK(g_, nd_);                                                                           \
        const T *y_ = nd_->out[0]->data;                                                           \
        int64_t st_[8], acc_ = 1;                                                                  \
        for (int i_ = r - 1; i_ >= 0; i_--) {                                                      \
            st_[i_] = acc_;                                                                        \
            acc_ *= dims[i_];                                                                      \
        }                                                                                          \
        for (int64_t o_ = 0; o_ < n_; o_++) {                                                      \
            int64_t rem_ = o_, src_ = 0;                                                           \
            for (int j_ = r - 1; j_ >= 0; j_--) {                                                  \
                int64_t d_ = dims[perm[j_]];                                                       \
                src_ += (rem_ % d_) * st_[perm[j_]];                                               \
                rem_ /= d_;                                                                        \
            }                                                                                      \
            if (y_[o_] != p_[src_])                                                                \
                T_FAILF("element %lld differs", (long long)o_);                                    \
        }                                                                                          \
        seer_graph_free(g_);                                                                       \
    } while (0)

TEST(transpose_matches_direct_reference)
{
    /* NCHW <-> NHWC with sizes around the tile size. */
    CHECK_TRANSPOSE(float, SEER_DTYPE_F32, 4, DIMS(2, 3, 40, 37), ((const int[]){0, 2, 3, 1}));
    CHECK_TRANSPOSE(float, SEER_DTYPE_F32, 4, DIMS(1, 33, 5, 35), ((const int[]){0, 3, 1, 2}));
    CHECK_TRANSPOSE(uint16_t, SEER_DTYPE_F16, 3, DIMS(3, 1, 5), ((const int[]){2, 1, 0}));
    static const int64_t sizes[] = {1, 2, 3, 4, 7};
    for (int trial = 0; trial < 40; trial++) {
        int r = 1 + k_randn(6), perm[8];
        int64_t dims[8];
        for (int i = 0; i < r; i++) {
            dims[i] = sizes[k_randn(5)];
            perm[i] = i;
        }
        for (int i = r - 1; i > 0; i--) {
            int j = k_randn(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        if (trial % 2)
            CHECK_TRANSPOSE(uint8_t, SEER_DTYPE_U8, r, dims, perm);
        else
            CHECK_TRANSPOSE(int64_t, SEER_DTYPE_I64, r, dims, perm);
    }
}

TEST(transpose_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 3, DIMS(2, 3, 4));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TRANSPOSE, 1, x, CI32(g, 1, DIMS(3), 0, 2, 2)), SEER_EFORMAT,
                     "perm [0,2,2] is not a permutation of 0..2");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TRANSPOSE, 1, x, CI32(g, 1, DIMS(3), 0, -1, 1)), SEER_EFORMAT,
                     "is not a permutation");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TRANSPOSE, 1, x, CI32(g, 1, DIMS(2), 1, 0)), SEER_EFORMAT,
                     "perm [1,0] has 2 entries for an input of rank 3");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TRANSPOSE, 1, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(3))),
                     SEER_EUNSUPPORTED, "perm must be constant");
    seer_graph_free(g);
}

/* ---- GatherV2 -------------------------------------------------------------------- */

TEST(gather_axis_0_and_1)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *p = CF32(g, 2, DIMS(3, 2), 1, 2, 3, 4, 5, 6);
    struct seer_node *nd =
        NODE(g, SEER_OP_GATHER, 1, p, CI32(g, 1, DIMS(2), 2, 0), CI32(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 5, 6, 1, 2);

    /* A scalar index drops the axis. */
    nd = NODE(g, SEER_OP_GATHER, 1, p, CI64(g, 0, NULL, 1), CI64(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2);
    ASSERT_F32S(nd->out[0], 0, 3, 4);

    /* params [2,3], indices [2,2] along axis 1 (given as -1): out[i][a][b] = p[i][ix[a][b]]. */
    struct seer_value *q = k_arange_f32(g, 2, DIMS(2, 3));
    struct seer_value *ix = CI32(g, 2, DIMS(2, 2), 2, 0, 1, 1);
    nd = NODE(g, SEER_OP_GATHER, 1, q, ix, CI32(g, 1, DIMS(1), -1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 2, 0, 1, 1, 5, 3, 4, 4);

    /* Out-of-range indices (TensorFlow fails the run) give zeros. */
    struct seer_value *r = CI32(g, 1, DIMS(3), 7, 8, 9);
    nd = NODE(g, SEER_OP_GATHER, 1, r, CI32(g, 1, DIMS(4), 3, -1, 1, 2), CI32(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 0, 0, 8, 9);
    seer_graph_free(g);
}

TEST(gather_batch_dims)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *q = k_arange_f32(g, 2, DIMS(2, 3));
    struct seer_value *ix = CI32(g, 2, DIMS(2, 2), 2, 0, 1, 1);
    struct seer_node *nd = NODE(g, SEER_OP_GATHER, 1, q, ix, CI32(g, 0, NULL, 1));
    nd->a.batch_dims = 1;
    RUN_OK(g, nd); /* out[b][j] = q[b][ix[b][j]] */
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 2, 0, 4, 4);

    /* batch_dims 1 (as -1 of the indices' rank 2), axis 2: out[b][o][j] = p[b][o][ix[b][j]]. */
    struct seer_value *p = k_arange_f32(g, 3, DIMS(2, 2, 3));
    nd = NODE(g, SEER_OP_GATHER, 1, p, CI64(g, 2, DIMS(2, 1), 2, 0), CI32(g, 0, NULL, 2));
    nd->a.batch_dims = -1;
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 2, 1);
    ASSERT_F32S(nd->out[0], 0, 2, 5, 6, 9);
    seer_graph_free(g);
}

TEST(gather_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *p = INPUT(g, SEER_DTYPE_F32, 2, DIMS(2, 3));
    struct seer_value *ix = INPUT(g, SEER_DTYPE_I32, 2, DIMS(3, 2));
    struct seer_value *fx = INPUT(g, SEER_DTYPE_F32, 1, DIMS(2));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_GATHER, 1, p, ix, CI32(g, 0, NULL, 2)), SEER_EFORMAT,
                     "axis 2 out of range for rank 2");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_GATHER, 1, p, fx, CI32(g, 0, NULL, 0)), SEER_EFORMAT,
                     "indices must be int32 or int64, got float32");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_GATHER, 1, p, ix, INPUT(g, SEER_DTYPE_I32, 0, NULL)),
                     SEER_EUNSUPPORTED, "axis must be constant");
    struct seer_node *nd = NODE(g, SEER_OP_GATHER, 1, p, ix, CI32(g, 0, NULL, 1));
    nd->a.batch_dims = 1;
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT, "params [2,3] and indices [3,2] differ in batch dim 0");
    nd = NODE(g, SEER_OP_GATHER, 1, p, ix, CI32(g, 0, NULL, 0));
    nd->a.batch_dims = 1;
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT, "batch_dims 1 must not exceed axis 0");
    seer_graph_free(g);
}

/* ---- TopKV2 ---------------------------------------------------------------------- */

TEST(topk_ties_go_to_the_lower_index)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = CF32(g, 2, DIMS(2, 5), 1, 3, 3, 2, 5, 0, -1, 4, 4, 4);
    struct seer_node *nd = NODE(g, SEER_OP_TOPK, 2, x, CI32(g, 0, NULL, 3));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_DIMS(nd->out[1], SEER_DTYPE_I32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, 5, 3, 3, 4, 4, 4);
    ASSERT_INTS(nd->out[1], int32_t, 4, 1, 2, 2, 3, 4);

    nd = NODE(g, SEER_OP_TOPK, 2, x, CI64(g, 0, NULL, 5));
    RUN_OK(g, nd); /* k = n sorts the whole row */
    ASSERT_F32S(nd->out[0], 0, 5, 3, 3, 2, 1, 4, 4, 4, 0, -1);
    ASSERT_INTS(nd->out[1], int32_t, 4, 1, 2, 3, 0, 2, 3, 4, 0, 1);

    nd = NODE(g, SEER_OP_TOPK, 2, x, CI32(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 0);

    struct seer_value *iv = CI32(g, 1, DIMS(6), 7, -3, 7, 9, 0, 9);
    nd = NODE(g, SEER_OP_TOPK, 2, iv, CI32(g, 1, DIMS(1), 4));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 9, 9, 7, 7);
    ASSERT_INTS(nd->out[1], int32_t, 3, 5, 0, 2);
    seer_graph_free(g);
}

static const float *cmp_vals;

/* Brute-force order: value descending, then index ascending. */
static int cmp_rank(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;

    if (cmp_vals[a] != cmp_vals[b])
        return cmp_vals[a] > cmp_vals[b] ? -1 : 1;
    return a < b ? -1 : 1;
}

/* TopK of rows x n random values with many ties against a full sort of each row. */
static bool topk_vs_sort(int64_t rows, int64_t n, int64_t k)
{
    struct seer_graph *g = seer_graph_new();
    float *x = seer_arena_array(g->arena, (size_t)(rows * n), sizeof(float));
    int32_t *order = seer_malloc((size_t)n * sizeof(int32_t));
    bool ok = x && order;

    for (int64_t i = 0; ok && i < rows * n; i++)
        x[i] = (float)k_randn(1000) * 0.25f - 100;
    struct seer_value *vx = k_const(g, SEER_DTYPE_F32, 2, DIMS(rows, n), x, (size_t)(rows * n));
    struct seer_node *nd = NODE(g, SEER_OP_TOPK, 2, vx, CI64(g, 0, NULL, k));
    struct seer_err err = {{0}};
    bool same = false;
    ok = ok && k_run(g, nd, &err, &same) == 0 && same;
    for (int64_t r = 0; ok && r < rows; r++) {
        for (int64_t j = 0; j < n; j++)
            order[j] = (int32_t)j;
        cmp_vals = x + r * n;
        qsort(order, (size_t)n, sizeof(*order), cmp_rank);
        const float *v = (const float *)nd->out[0]->data + r * k;
        const int32_t *ix = (const int32_t *)nd->out[1]->data + r * k;
        for (int64_t j = 0; ok && j < k; j++)
            ok = ix[j] == order[j] && v[j] == cmp_vals[order[j]];
    }
    seer_free(order);
    seer_graph_free(g);
    return ok;
}

TEST(topk_matches_brute_force_sort)
{
    ASSERT(topk_vs_sort(7, 301, 50));
    ASSERT(topk_vs_sort(3, 301, 301));
    ASSERT(topk_vs_sort(1, 1 << 17, 100));
    ASSERT(topk_vs_sort(1, 1 << 17, 5000));
}

TEST(topk_centernet_size)
{
    /* CenterNet's 128*128*80 scores, k = 100, checked in O(n): every element left out
     * must rank below the last one kept. */
    int64_t n = 128 * 128 * 80, k = 100;
    struct seer_graph *g = seer_graph_new();
    float *x = seer_arena_array(g->arena, (size_t)n, sizeof(float));
    uint8_t *kept = seer_calloc((size_t)n, 1);
    ASSERT(x && kept);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(k_rand() % 100000) / 100000.0f;
    struct seer_node *nd =
        NODE(g, SEER_OP_TOPK, 2, k_const(g, SEER_DTYPE_F32, 2, DIMS(1, n), x, (size_t)n),
             CI32(g, 0, NULL, 100));
    const struct seer_op_info *info = seer_op_info(SEER_OP_TOPK);
    struct seer_err err = {{0}};
    ASSERT(nd && info);
    ASSERT_OK(info->shape(nd, &err));
    nd->out[0]->data = seer_arena_array(g->arena, (size_t)k, sizeof(float));
    nd->out[1]->data = seer_arena_array(g->arena, (size_t)k, sizeof(int32_t));
    info->ref(&(struct seer_kctx){0, 1, NULL, 0}, nd);
    const float *v = nd->out[0]->data;
    const int32_t *ix = nd->out[1]->data;
    for (int64_t j = 0; j < k; j++) {
        ASSERT(ix[j] >= 0 && ix[j] < n && !kept[ix[j]]);
        ASSERT(v[j] == x[ix[j]]);
        if (j > 0)
            ASSERT(v[j] < v[j - 1] || (v[j] == v[j - 1] && ix[j] > ix[j - 1]));
        kept[ix[j]] = 1;
    }
    for (int64_t i = 0; i < n; i++)
        if (!kept[i] && !(x[i] < v[k - 1] || (x[i] == v[k - 1] && i > ix[k - 1])))
            T_FAILF("element %lld (%g) should have been kept", (long long)i, x[i]);
    seer_free(kept);
    seer_graph_free(g);
}

TEST(topk_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 2, DIMS(2, 5));
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TOPK, 2, x, CI32(g, 0, NULL, 6)), SEER_EFORMAT,
                     "k = 6 out of range: the last dim has 5");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TOPK, 2, x, CI32(g, 0, NULL, -1)), SEER_EFORMAT,
                     "k = -1 out of range");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TOPK, 2, x, INPUT(g, SEER_DTYPE_I32, 0, NULL)),
                     SEER_EUNSUPPORTED, "k must be constant");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TOPK, 1, x, CI32(g, 0, NULL, 1)), SEER_EFORMAT,
                     "expects 2 outputs, got 1");
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_TOPK, 2, INPUT(g, SEER_DTYPE_F32, 0, NULL), CI32(g, 0, NULL, 1)),
        SEER_EFORMAT, "at least one dim");
    seer_graph_free(g);
}

/* ---- SparseToDense --------------------------------------------------------------- */

TEST(sparse_to_dense_forms)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_node *nd =
        NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, CI32(g, 2, DIMS(2, 2), 0, 1, 2, 3),
             CI32(g, 1, DIMS(2), 3, 4), CF32(g, 1, DIMS(2), 5, 7), CF32(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 4);
    ASSERT_F32S(nd->out[0], 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7);

    /* 1-D indices with one scalar value for all (a mask, as NanoDet's graph builds). */
    nd = NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, CI64(g, 1, DIMS(3), 0, 2, 5), CI64(g, 1, DIMS(1), 6),
              CF32(g, 0, NULL, 1), CF32(g, 0, NULL, -1));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 1, -1, 1, -1, -1, 1);

    nd = NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, CI32(g, 0, NULL, 2), CI32(g, 1, DIMS(1), 4),
              CI32(g, 0, NULL, 9), CI32(g, 0, NULL, 0));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 0, 0, 9, 0);

    /* Out-of-range indices are skipped; a repeated index keeps the later value. */
    nd = NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, CI32(g, 1, DIMS(4), 1, 7, -1, 1),
              CI32(g, 1, DIMS(1), 4), CI32(g, 1, DIMS(4), 10, 20, 30, 40), CI32(g, 0, NULL, 3));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 3, 40, 3, 3);
    seer_graph_free(g);
}

TEST(sparse_to_dense_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *ix = INPUT(g, SEER_DTYPE_I32, 2, DIMS(2, 2));
    struct seer_value *v = INPUT(g, SEER_DTYPE_F32, 1, DIMS(2));
    struct seer_value *d = INPUT(g, SEER_DTYPE_F32, 0, NULL);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, ix, CI32(g, 1, DIMS(3), 3, 4, 5), v, d),
                     SEER_EFORMAT,
                     "sparse_indices give 2 coordinates per entry but output_shape [3,4,5]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, ix, CI32(g, 1, DIMS(2), 3, 4),
                          INPUT(g, SEER_DTYPE_F32, 1, DIMS(3)), d),
                     SEER_EFORMAT, "sparse_values must be a scalar or have 2 entries, got [3]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, ix, CI32(g, 1, DIMS(2), 3, 4), v, v),
                     SEER_EFORMAT, "default_value must be a scalar, got [2]");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, ix, CI32(g, 1, DIMS(2), 3, -4), v, d),
                     SEER_EFORMAT, "output_shape [3,-4] has a negative dim");
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_SPARSE_TO_DENSE, 1, ix, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2)), v, d),
        SEER_EUNSUPPORTED, "output_shape must be constant");
    seer_graph_free(g);
}

/* ---- SplitV ---------------------------------------------------------------------- */

TEST(splitv_with_minus_one)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = k_arange_f32(g, 2, DIMS(2, 6));
    struct seer_node *nd =
        NODE(g, SEER_OP_SPLITV, 3, x, CI32(g, 1, DIMS(3), 1, -1, 2), CI32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 1);
    ASSERT_DIMS(nd->out[1], SEER_DTYPE_F32, 2, 3);
    ASSERT_DIMS(nd->out[2], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 6);
    ASSERT_F32S(nd->out[1], 0, 1, 2, 3, 7, 8, 9);
    ASSERT_F32S(nd->out[2], 0, 4, 5, 10, 11);

    struct seer_value *y = CI32(g, 2, DIMS(3, 2), 0, 1, 2, 3, 4, 5);
    nd = NODE(g, SEER_OP_SPLITV, 3, y, CI64(g, 1, DIMS(3), 2, 0, 1), CI64(g, 0, NULL, -2));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 2, 2);
    ASSERT_DIMS(nd->out[1], SEER_DTYPE_I32, 0, 2);
    ASSERT_INTS(nd->out[0], int32_t, 0, 1, 2, 3);
    ASSERT_INTS(nd->out[2], int32_t, 4, 5);
    seer_graph_free(g);
}

TEST(splitv_shape_errors)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 2, DIMS(2, 6));
    struct seer_value *ax = CI32(g, 0, NULL, 1);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 2, x, CI32(g, 1, DIMS(2), 2, 3), ax), SEER_EFORMAT,
                     "size_splits sum to 5 but dim 1 has 6");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 2, x, CI32(g, 1, DIMS(2), 7, -1), ax), SEER_EFORMAT,
                     "size_splits sum to 7 plus the -1 but dim 1 has 6");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 3, x, CI32(g, 1, DIMS(3), -1, 2, -1), ax),
                     SEER_EFORMAT, "size_splits[2] = -1 is invalid");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 3, x, CI32(g, 1, DIMS(2), 3, 3), ax), SEER_EFORMAT,
                     "size_splits has 2 entries for 3 outputs");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 2, x, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2)), ax),
                     SEER_EUNSUPPORTED, "size_splits must be constant");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLITV, 2, x, CI32(g, 1, DIMS(2), 3, 3), CI32(g, 0, NULL, 2)),
                     SEER_EFORMAT, "axis 2 out of range for rank 2");
    seer_graph_free(g);
}

T_MAIN(T_CASE(strided_slice_ranges_steps_and_clamping),
       T_CASE(strided_slice_negative_strides_and_indices),
       T_CASE(strided_slice_ellipsis_new_axis_shrink),
       T_CASE(strided_slice_random_ranges_match_python_slicing), T_CASE(strided_slice_shape_errors),
       T_CASE(transpose_2d_and_nhwc_to_nchw), T_CASE(transpose_matches_direct_reference),
       T_CASE(transpose_shape_errors), T_CASE(gather_axis_0_and_1), T_CASE(gather_batch_dims),
       T_CASE(gather_shape_errors), T_CASE(topk_ties_go_to_the_lower_index),
       T_CASE(topk_matches_brute_force_sort), T_CASE(topk_centernet_size),
       T_CASE(topk_shape_errors), T_CASE(sparse_to_dense_forms),
       T_CASE(sparse_to_dense_shape_errors), T_CASE(splitv_with_minus_one),
       T_CASE(splitv_shape_errors))
