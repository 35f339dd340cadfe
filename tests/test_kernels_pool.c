/*
 * Tests for MaxPool, AvgPool, Pad/PadV2, ResizeBilinear and ResizeNearestNeighbor:
 * values worked out by hand from TensorFlow's documented semantics, nth = 2..8 against
 * nth = 1 bit for bit on random odd shapes, and shape errors.
 */
#include "kconv.h"

/* ---- pooling ---------------------------------------------------------------------- */

static float *pool_5x5(enum seer_op op, enum seer_padding pad, bool negative, int64_t *oh,
                       int64_t *ow)
{
    struct seer_graph *g = seer_graph_new();
    float x[25];
    int64_t xd[4] = {1, 5, 5, 1};
    struct seer_err err;
    int rc;

    for (int i = 0; i < 25; i++)
        x[i] = negative ? -(float)(i + 1) : (float)(i + 1);
    struct seer_value *in[1] = {f32_input(g, "x", 4, xd, x)};
    struct seer_node *nd = add_node(g, op, 1, in);
    nd->a.ksize[0] = nd->a.ksize[1] = 3;
    nd->a.stride[0] = nd->a.stride[1] = 2;
    nd->a.padding = pad;
    float *y = run1(nd, &err, &rc);
    if (y) {
        *oh = nd->out[0]->dims[1];
        *ow = nd->out[0]->dims[2];
    }
    seer_graph_free(g);
    return y;
}

TEST(maxpool_odd_sizes_ignore_padding)
{
    /* All inputs negative: a zero pad would win every border window. */
    static const float same[9] = {-1, -2, -4, -6, -7, -9, -16, -17, -19};
    static const float valid[4] = {-1, -3, -11, -13};
    int64_t oh = 0, ow = 0;
    float *y = pool_5x5(SEER_OP_MAXPOOL, SEER_PAD_SAME, true, &oh, &ow);

    ASSERT(y);
    ASSERT_EQ(oh, 3);
    ASSERT_EQ(ow, 3);
    ASSERT_VALUES(y, same, 9, 0);
    seer_free(y);
    y = pool_5x5(SEER_OP_MAXPOOL, SEER_PAD_VALID, true, &oh, &ow);
    ASSERT(y);
    ASSERT_EQ(oh, 2);
    ASSERT_VALUES(y, valid, 4, 0);
    seer_free(y);
}

TEST(avgpool_same_divides_by_valid_count)
{
    /* x = 1..25; border windows average only their cells inside the input. */
    static const float same[9] = {4, 5.5f, 7, 11.5f, 13, 14.5f, 19, 20.5f, 22};
    static const float valid[4] = {7, 9, 17, 19};
    int64_t oh = 0, ow = 0;
    float *y = pool_5x5(SEER_OP_AVGPOOL, SEER_PAD_SAME, false, &oh, &ow);

    ASSERT(y);
    ASSERT_EQ(oh, 3);
    ASSERT_VALUES(y, same, 9, 1e-5);
    seer_free(y);
    y = pool_5x5(SEER_OP_AVGPOOL, SEER_PAD_VALID, false, &oh, &ow);
    ASSERT(y);
    ASSERT_VALUES(y, valid, 4, 1e-5);
    seer_free(y);
}

TEST(pools_nth_invariant_on_random_odd_shapes)
{
    for (int t = 0; t < 40; t++) {
        struct seer_graph *g = seer_graph_new();
        int64_t xd[4] = {rnd_int(1, 2), rnd_int(3, 15), rnd_int(3, 15), rnd_int(1, 19)};
        float *x = rnd_buf(xd[0] * xd[1] * xd[2] * xd[3]);
        struct seer_value *in[1] = {f32_input(g, "x", 4, xd, x)};
        struct seer_node *nd = add_node(g, t & 1 ? SEER_OP_AVGPOOL : SEER_OP_MAXPOOL, 1, in);
        struct seer_err err;
        int rc;
        nd->a.ksize[0] = rnd_int(1, 3);
        nd->a.ksize[1] = rnd_int(1, 3);
        nd->a.stride[0] = rnd_int(1, 3);
        nd->a.stride[1] = rnd_int(1, 3);
        nd->a.padding = t % 4 < 2 ? SEER_PAD_SAME : SEER_PAD_VALID;
        float *y = run1(nd, &err, &rc);
        if (rc)
            T_FAILF("shape: %s", err.msg);
        if (!nth_invariant(nd))
            T_FAILF("case %d: nth > 1 differs", t);
        seer_free(y);
        seer_free(x);
        seer_graph_free(g);
    }
}

/* ---- Pad -------------------------------------------------------------------------- */

TEST(padv2_float_constant)
{
    struct seer_graph *g = seer_graph_new();
    float x[6] = {1, 2, 3, 4, 5, 6}, c = -1;
    int32_t pads[4] = {1, 0, 0, 2};
    int64_t xd[2] = {2, 3}, pd[2] = {2, 2};
    static const float want[15] = {-1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1};
    struct seer_err err;
    int rc;

    struct seer_value *in[3] = {f32_input(g, "x", 2, xd, x),
                                seer_graph_add_const(g, "p", SEER_DTYPE_I32, 2, pd, pads, true),
                                f32_const(g, "c", 0, NULL, &c)};
    struct seer_node *nd = add_node(g, SEER_OP_PAD, 3, in);
    float *y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(nd->out[0]->dims[0], 3);
    ASSERT_EQ(nd->out[0]->dims[1], 5);
    ASSERT_VALUES(y, want, 15, 0);
    seer_free(y);
    seer_graph_free(g);
}

TEST(pad_uint8_rank3_int64_paddings_and_zero_point)
{
    struct seer_graph *g = seer_graph_new();
    uint8_t x[4] = {1, 2, 3, 4}, q[1] = {5};
    int64_t pads[6] = {0, 1, 1, 0, 0, 1}, qpads[2] = {1, 1};
    int64_t xd[3] = {1, 2, 2}, pd[2] = {3, 2}, qd[1] = {1}, qpd[2] = {1, 2};
    static const uint8_t want[18] = {0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    struct seer_err err;
    int rc;

    struct seer_value *in[2] = {seer_graph_add_input(g, "x", SEER_DTYPE_U8, 3, xd),
                                seer_graph_add_const(g, "p", SEER_DTYPE_I64, 2, pd, pads, true)};
    in[0]->t.data = x;
    struct seer_node *nd = add_node(g, SEER_OP_PAD, 2, in);
    uint8_t *y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(nd->out[0]->dtype, SEER_DTYPE_U8);
    ASSERT_EQ(nd->out[0]->dims[0], 2);
    ASSERT_EQ(nd->out[0]->dims[1], 3);
    ASSERT_EQ(nd->out[0]->dims[2], 3);
    ASSERT_VALUES(y, want, 18, 0);
    seer_free(y);

    /* A quantised tensor pads with its zero point, the code for 0.0. */
    struct seer_value *qin[2] = {
        seer_graph_add_input(g, "q", SEER_DTYPE_U8, 1, qd),
        seer_graph_add_const(g, "qp", SEER_DTYPE_I64, 2, qpd, qpads, true)};
    qin[0]->t.data = q;
    qin[0]->t.q.scale = 0.5f;
    qin[0]->t.q.zero_point = 128;
    nd = add_node(g, SEER_OP_PAD, 2, qin);
    y = run1(nd, &err, &rc);
    ASSERT_OK(rc);
    ASSERT_EQ(y[0], 128);
    ASSERT_EQ(y[1], 5);
    ASSERT_EQ(y[2], 128);
    seer_free(y);
    seer_graph_free(g);
}

TEST(pad_nth_invariant_on_random_odd_shapes)
{
    for (int t = 0; t < 30; t++) {
        struct seer_graph *g = seer_graph_new();
        int rank = rnd_int(1, 5);
        int64_t xd[5], pd[2] = {rank, 2}, n = 1;
        int32_t pads[10];
        struct seer_err err;
        int rc;
        for (int d = 0; d < rank; d++) {
            xd[d] = rnd_int(1, 7);
            n *= xd[d];
            pads[2 * d] = rnd_int(0, 3);
            pads[2 * d + 1] = rnd_int(0, 3);
        }
        float *x = rnd_buf(n);
        float c = 7.5f;
        struct seer_value *in[3] = {f32_input(g, "x", rank, xd, x),
                                    seer_graph_add_const(g, "p", SEER_DTYPE_I32, 2, pd, pads, true),
                                    t & 1 ? f32_const(g, "c", 0, NULL, &c) : NULL};
        struct seer_node *nd = add_node(g, SEER_OP_PAD, 3, in);
        float *y = run1(nd, &err, &rc);
        if (rc)
            T_FAILF("shape: %s", err.msg);
        if (!nth_invariant(nd))
            T_FAILF("case %d: nth > 1 differs", t);
        /* Spot check: element 0 is padding unless every leading pad is 0. */
        bool corner_is_x = true;
        for (int d = 0; d < rank; d++)
            corner_is_x = corner_is_x && pads[2 * d] == 0;
        ASSERT_EQ(y[0] == (corner_is_x ? x[0] : (t & 1 ? 7.5f : 0.0f)), 1);
        seer_free(y);
        seer_free(x);
        seer_graph_free(g);
    }
}

/* ---- resize ----------------------------------------------------------------------- */

/* Resizes the 2x2 image [[1,2],[3,4]] (or a given one) to oh x ow. */
static float *resize(enum seer_op op, const float *x, int64_t ih, int64_t iw, int32_t oh,
                     int32_t ow, bool ac, bool hp, int *rc)
{
    struct seer_graph *g = seer_graph_new();
    int64_t xd[4] = {1, ih, iw, 1}, sd[1] = {2};
    int32_t size[2] = {oh, ow};
    struct seer_err err;

    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, (float *)x),
                                seer_graph_add_const(g, "s", SEER_DTYPE_I32, 1, sd, size, true)};
    struct seer_node *nd = add_node(g, op, 2, in);
    nd->a.align_corners = ac;
    nd->a.half_pixel_centers = hp;
    float *y = run1(nd, &err, rc);
    seer_graph_free(g);
    return y;
}

TEST(resize_bilinear_three_modes_by_hand)
{
    /* The input is the plane 1 + 2y + x, which bilinear reproduces exactly at each
     * clamped source coordinate, so the outputs follow from the source coordinates. */
    static const float x[4] = {1, 2, 3, 4};
    /* legacy: src = o * in/out. 3: 0, 2/3, 4/3->clamped 1.  4: 0, .5, 1, 1.5->1 */
    static const float leg3[9] = {1, 5.f / 3, 2, 7.f / 3, 3, 10.f / 3, 3, 11.f / 3, 4};
    static const float leg4[16] = {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4};
    /* align_corners: src = o * (in-1)/(out-1). 3: 0, .5, 1.  4: 0, 1/3, 2/3, 1 */
    static const float ac3[9] = {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4};
    static const float ac4[16] = {1,       4.f / 3,  5.f / 3,  2,       5.f / 3, 2,
                                  7.f / 3, 8.f / 3,  7.f / 3,  8.f / 3, 3,       10.f / 3,
                                  3,       10.f / 3, 11.f / 3, 4};
    /* half_pixel: src = (o + .5) * in/out - .5. 3: -1/6->0, .5, 7/6->1.
     * 4: -.25->0, .25, .75, 1.25->1 */
    static const float hp3[9] = {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4};
    static const float hp4[16] = {1,    1.25f, 1.75f, 2,    1.5f, 1.75f, 2.25f, 2.5f,
                                  2.5f, 2.75f, 3.25f, 3.5f, 3,    3.25f, 3.75f, 4};
    int rc;
    float *y;

    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 3, 3, false, false, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, leg3, 9, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 4, 4, false, false, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, leg4, 16, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 3, 3, true, false, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, ac3, 9, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 4, 4, true, false, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, ac4, 16, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 3, 3, false, true, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, hp3, 9, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 4, 4, false, true, &rc);
    ASSERT_OK(rc);
    ASSERT_VALUES(y, hp4, 16, 1e-6);
    seer_free(y);
    y = resize(SEER_OP_RESIZE_BILINEAR, x, 2, 2, 4, 4, true, true, &rc);
    ASSERT_EQ(rc, SEER_EFORMAT); /* TensorFlow rejects both at once */
    ASSERT(y == NULL);
}

TEST(resize_nearest_three_modes_by_hand)
{
    /* 3 -> 5 along one axis. legacy: floor(o * .6) = 0,0,1,1,2;
     * align_corners: round(o * .5) = 0,1,1,2,2 (0.5 rounds up);
     * half_pixel: floor((o + .5) * .6) = 0,0,1,2,2. */
    static const float x[3] = {10, 20, 30};
    static const float leg[5] = {10, 10, 20, 20, 30};
    static const float ac[5] = {10, 20, 20, 30, 30};
    static const float hp[5] = {10, 10, 20, 30, 30};
    int rc;
    float *y;

    for (int axis = 0; axis < 2; axis++) {
        int64_t ih = axis ? 3 : 1, iw = axis ? 1 : 3;
        int32_t oh = axis ? 5 : 1, ow = axis ? 1 : 5;
        y = resize(SEER_OP_RESIZE_NEAREST, x, ih, iw, oh, ow, false, false, &rc);
        ASSERT_OK(rc);
        ASSERT_VALUES(y, leg, 5, 0);
        seer_free(y);
        y = resize(SEER_OP_RESIZE_NEAREST, x, ih, iw, oh, ow, true, false, &rc);
        ASSERT_OK(rc);
        ASSERT_VALUES(y, ac, 5, 0);
        seer_free(y);
        y = resize(SEER_OP_RESIZE_NEAREST, x, ih, iw, oh, ow, false, true, &rc);
        ASSERT_OK(rc);
        ASSERT_VALUES(y, hp, 5, 0);
        seer_free(y);
    }
}

TEST(resize_nth_invariant_on_random_odd_shapes)
{
    for (int t = 0; t < 40; t++) {
        struct seer_graph *g = seer_graph_new();
        int64_t xd[4] = {rnd_int(1, 2), rnd_int(1, 9), rnd_int(1, 9), rnd_int(1, 5)}, sd[1] = {2};
        int32_t size[2] = {rnd_int(1, 17), rnd_int(1, 17)};
        float *x = rnd_buf(xd[0] * xd[1] * xd[2] * xd[3]);
        struct seer_value *in[2] = {
            f32_input(g, "x", 4, xd, x),
            seer_graph_add_const(g, "s", SEER_DTYPE_I32, 1, sd, size, true)};
        struct seer_node *nd =
            add_node(g, t & 1 ? SEER_OP_RESIZE_NEAREST : SEER_OP_RESIZE_BILINEAR, 2, in);
        struct seer_err err;
        int rc, mode = (t / 2) % 3;
        nd->a.align_corners = mode == 1;
        nd->a.half_pixel_centers = mode == 2;
        float *y = run1(nd, &err, &rc);
        if (rc)
            T_FAILF("shape: %s", err.msg);
        if (!nth_invariant(nd))
            T_FAILF("case %d: nth > 1 differs", t);
        /* Both modes keep values inside the input's range. */
        for (int64_t i = 0; i < seer_tensor_numel(nd->out[0]); i++)
            if (!(y[i] >= -1.000001f && y[i] <= 1.000001f))
                T_FAILF("case %d: element %lld = %g", t, (long long)i, y[i]);
        seer_free(y);
        seer_free(x);
        seer_graph_free(g);
    }
}

/* ---- shape errors ------------------------------------------------------------------ */

TEST(window_shape_errors_name_the_problem)
{
    struct seer_graph *g = seer_graph_new();
    int64_t xd[4] = {1, 5, 5, 4}, pd[2] = {4, 2}, sd[1] = {2};
    struct seer_err err;
    struct seer_node *nd;
    struct seer_value *in[2] = {f32_input(g, "x", 4, xd, NULL), NULL};

    nd = add_node(g, SEER_OP_MAXPOOL, 1, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "window size 0x0"));

    /* Paddings computed at run time cannot decide a shape. */
    in[1] = seer_graph_add_input(g, "p", SEER_DTYPE_I32, 2, pd);
    nd = add_node(g, SEER_OP_PAD, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EUNSUPPORTED);
    ASSERT(strstr(err.msg, "paddings) must be constant"));

    int32_t neg[8] = {0, 0, -1, 0, 0, 0, 0, 0};
    in[1] = seer_graph_add_const(g, "pn", SEER_DTYPE_I32, 2, pd, neg, true);
    nd = add_node(g, SEER_OP_PAD, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "non-negative"));

    in[1] = seer_graph_add_const(g, "p3", SEER_DTYPE_I32, 2, (int64_t[2]){3, 2}, neg, true);
    nd = add_node(g, SEER_OP_PAD, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "does not match rank 4"));

    in[1] = seer_graph_add_input(g, "s", SEER_DTYPE_I32, 1, sd);
    nd = add_node(g, SEER_OP_RESIZE_BILINEAR, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EUNSUPPORTED);
    ASSERT(strstr(err.msg, "size) must be constant"));

    int32_t zero_size[2] = {0, 4};
    in[1] = seer_graph_add_const(g, "s0", SEER_DTYPE_I32, 1, sd, zero_size, true);
    nd = add_node(g, SEER_OP_RESIZE_NEAREST, 2, in);
    ASSERT_EQ(shape(nd, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "sizes must be positive"));
    seer_graph_free(g);
}

T_MAIN(T_CASE(maxpool_odd_sizes_ignore_padding), T_CASE(avgpool_same_divides_by_valid_count),
       T_CASE(pools_nth_invariant_on_random_odd_shapes), T_CASE(padv2_float_constant),
       T_CASE(pad_uint8_rank3_int64_paddings_and_zero_point),
       T_CASE(pad_nth_invariant_on_random_odd_shapes), T_CASE(resize_bilinear_three_modes_by_hand),
       T_CASE(resize_nearest_three_modes_by_hand),
       T_CASE(resize_nth_invariant_on_random_odd_shapes),
       T_CASE(window_shape_errors_name_the_problem))
