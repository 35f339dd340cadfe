/*
 * The ops TensorFlow 1 frozen graphs need beyond the TF.js set, one by one against values
 * worked out by hand from TensorFlow's definitions: Fill, Range, Shape, Size, Rank,
 * ZerosLike, Tile, Slice, Pack, Unpack, Split, Select, Where, LogicalAnd, Sqrt, Max,
 * Prod, All, FusedBatchNorm, CropAndResize and NonMaxSuppressionV2/V3, plus the shape
 * functions of the control-flow and TensorArray ops (which the interpreter runs; see
 * test_dynexec.c). Every kernel also runs with nth = 2..8 and must agree with nth = 1.
 */
#include <math.h>

#include "core/alloc.h"
#include "kops.h"
#include "t.h"

static struct seer_node *node_attr(struct seer_graph *g, struct seer_node *nd, int32_t axis)
{
    if (nd)
        nd->a.axis = axis;
    return nd;
}

TEST(fill_and_zeros_like)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_node *nd =
        NODE(g, SEER_OP_FILL, 1, CI32(g, 1, DIMS(2), 2, 3), CF32(g, 0, NULL, 1.5f));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f);
    nd = NODE(g, SEER_OP_FILL, 1, CI32(g, 1, DIMS(1), 3), CI32(g, 0, NULL, 7));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 7, 7, 7);
    nd = NODE(g, SEER_OP_ZEROS_LIKE, 1, CI32(g, 2, DIMS(1, 3), 4, 5, 6));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 1, 3);
    ASSERT_INTS(nd->out[0], int32_t, 0, 0, 0);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_FILL, 1, CI32(g, 1, DIMS(2), 2, -1), CF32(g, 0, NULL, 1)),
                     SEER_EFORMAT, "negative");
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_FILL, 1, INPUT(g, SEER_DTYPE_I32, 1, DIMS(2)), CF32(g, 0, NULL, 1)),
        SEER_EUNSUPPORTED, "constant");
    seer_graph_free(g);
}

TEST(range_int_and_float)
{
    struct seer_graph *g = seer_graph_new();
    /* range(3, 10, 3) = [3, 6, 9]; range(5, 1, -2) = [5, 3]. */
    struct seer_node *nd =
        NODE(g, SEER_OP_RANGE, 1, CI32(g, 0, NULL, 3), CI32(g, 0, NULL, 10), CI32(g, 0, NULL, 3));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 3, 6, 9);
    nd = NODE(g, SEER_OP_RANGE, 1, CI32(g, 0, NULL, 5), CI32(g, 0, NULL, 1), CI32(g, 0, NULL, -2));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 5, 3);
    /* A float range accumulates: 0, 0.25, 0.5, 0.75 (ceil(1 / 0.25) = 4 values). */
    nd = NODE(g, SEER_OP_RANGE, 1, CF32(g, 0, NULL, 0), CF32(g, 0, NULL, 1),
              CF32(g, 0, NULL, 0.25f));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 0.0f, 0.25f, 0.5f, 0.75f);
    /* An empty range is fine; a zero delta or the wrong direction is not. */
    nd = NODE(g, SEER_OP_RANGE, 1, CI32(g, 0, NULL, 2), CI32(g, 0, NULL, 2), CI32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 0);
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_RANGE, 1, CI32(g, 0, NULL, 0), CI32(g, 0, NULL, 5), CI32(g, 0, NULL, 0)),
        SEER_EFORMAT, "delta");
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_RANGE, 1, CI32(g, 0, NULL, 5), CI32(g, 0, NULL, 0), CI32(g, 0, NULL, 1)),
        SEER_EFORMAT, "wrong way");
    seer_graph_free(g);
}

TEST(shape_size_rank)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 3, DIMS(2, 5, 7));
    struct seer_node *nd = NODE(g, SEER_OP_SHAPE, 1, x);
    nd->a.dtype = SEER_DTYPE_I32;
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 2, 5, 7);
    nd = NODE(g, SEER_OP_SHAPE, 1, x);
    nd->a.dtype = SEER_DTYPE_I64;
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int64_t, 2, 5, 7);
    nd = NODE(g, SEER_OP_SIZE, 1, x);
    nd->a.dtype = SEER_DTYPE_I32;
    RUN_OK(g, nd);
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_I32);
    ASSERT_INTS(nd->out[0], int32_t, 70);
    nd = NODE(g, SEER_OP_RANK, 1, x);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 3);
    nd = NODE(g, SEER_OP_SHAPE, 1, x);
    nd->a.dtype = SEER_DTYPE_F32;
    ASSERT_SHAPE_ERR(nd, SEER_EFORMAT, "out_type");
    seer_graph_free(g);
}

TEST(tile_and_slice)
{
    struct seer_graph *g = seer_graph_new();
    /* [[1,2],[3,4]] tiled [2,1] then [1,2]. */
    struct seer_value *x = CI32(g, 2, DIMS(2, 2), 1, 2, 3, 4);
    struct seer_node *nd = NODE(g, SEER_OP_TILE, 1, x, CI32(g, 1, DIMS(2), 2, 1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 4, 2);
    ASSERT_INTS(nd->out[0], int32_t, 1, 2, 3, 4, 1, 2, 3, 4);
    nd = NODE(g, SEER_OP_TILE, 1, x, CI32(g, 1, DIMS(2), 1, 2));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 1, 2, 1, 2, 3, 4, 3, 4);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TILE, 1, x, CI32(g, 1, DIMS(1), 2)), SEER_EFORMAT, "rank");
    /* arange(24) as [2,3,4]: begin [1,0,1], size [1,-1,2] -> rows 12+{1,2}, 16+..., 20+... */
    struct seer_value *y = k_arange_f32(g, 3, DIMS(2, 3, 4));
    nd = NODE(g, SEER_OP_SLICE, 1, y, CI32(g, 1, DIMS(3), 1, 0, 1), CI32(g, 1, DIMS(3), 1, -1, 2));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 3, 2);
    ASSERT_F32S(nd->out[0], 0, 13, 14, 17, 18, 21, 22);
    ASSERT_SHAPE_ERR(
        NODE(g, SEER_OP_SLICE, 1, y, CI32(g, 1, DIMS(3), 0, 0, 3), CI32(g, 1, DIMS(3), 1, 1, 2)),
        SEER_EFORMAT, "outside");
    seer_graph_free(g);
}

TEST(pack_unpack_split)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *a = CF32(g, 1, DIMS(3), 1, 2, 3), *b = CF32(g, 1, DIMS(3), 4, 5, 6);
    /* stack([a, b], axis=0) = [[1,2,3],[4,5,6]]; axis=1 = [[1,4],[2,5],[3,6]]. */
    struct seer_node *nd = node_attr(g, NODE(g, SEER_OP_PACK, 1, a, b), 0);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 3);
    ASSERT_F32S(nd->out[0], 0, 1, 2, 3, 4, 5, 6);
    nd = node_attr(g, NODE(g, SEER_OP_PACK, 1, a, b), -1);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 2);
    ASSERT_F32S(nd->out[0], 0, 1, 4, 2, 5, 3, 6);
    ASSERT_SHAPE_ERR(node_attr(g, NODE(g, SEER_OP_PACK, 1, a, CF32(g, 1, DIMS(2), 1, 2)), 0),
                     SEER_EFORMAT, "input 1");
    /* unstack(arange [2,3], axis=1) = [0,3], [1,4], [2,5]. */
    struct seer_value *m = k_arange_f32(g, 2, DIMS(2, 3));
    nd = node_attr(g, NODE(g, SEER_OP_UNPACK, 3, m), 1);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[2], SEER_DTYPE_F32, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 3);
    ASSERT_F32S(nd->out[2], 0, 2, 5);
    ASSERT_SHAPE_ERR(node_attr(g, NODE(g, SEER_OP_UNPACK, 2, m), 1), SEER_EFORMAT, "num");
    /* split(axis=1, arange [2,4], 2) = [[0,1],[4,5]] and [[2,3],[6,7]]. */
    struct seer_value *s = k_arange_f32(g, 2, DIMS(2, 4));
    nd = NODE(g, SEER_OP_SPLIT, 2, CI32(g, 0, NULL, 1), s);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[1], SEER_DTYPE_F32, 2, 2);
    ASSERT_F32S(nd->out[0], 0, 0, 1, 4, 5);
    ASSERT_F32S(nd->out[1], 0, 2, 3, 6, 7);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SPLIT, 3, CI32(g, 0, NULL, 1), s), SEER_EFORMAT, "equal");
    seer_graph_free(g);
}

TEST(select_where_logical_and)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *c = k_const(g, SEER_DTYPE_BOOL, 1, DIMS(2), (const uint8_t[]){1, 0}, 2);
    struct seer_value *t = CF32(g, 2, DIMS(2, 2), 1, 2, 3, 4);
    struct seer_value *e = CF32(g, 2, DIMS(2, 2), -1, -2, -3, -4);
    /* A vector condition picks whole rows (TF1 Select). */
    struct seer_node *nd = NODE(g, SEER_OP_SELECT, 1, c, t, e);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 1, 2, -3, -4);
    struct seer_value *c2 =
        k_const(g, SEER_DTYPE_BOOL, 2, DIMS(2, 2), (const uint8_t[]){0, 1, 1, 0}, 4);
    nd = NODE(g, SEER_OP_SELECT, 1, c2, t, e);
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, -1, 2, 3, -4);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SELECT, 1, c, t, CF32(g, 1, DIMS(2), 1, 2)), SEER_EFORMAT,
                     "branches");
    /* where([[0,1],[1,1]] != 0) = [[0,1],[1,0],[1,1]] (int64, row-major). */
    nd = NODE(g, SEER_OP_WHERE, 1, c2);
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I64, 2, 2);
    ASSERT_INTS(nd->out[0], int64_t, 0, 1, 1, 0);
    nd = NODE(g, SEER_OP_WHERE, 1, CF32(g, 1, DIMS(4), 0, 2.5f, 0, -1));
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I64, 2, 1);
    ASSERT_INTS(nd->out[0], int64_t, 1, 3);
    /* Without data the count is unknown (-1) until run time. */
    nd = NODE(g, SEER_OP_WHERE, 1, INPUT(g, SEER_DTYPE_BOOL, 1, DIMS(5)));
    ASSERT_OK(seer_op_info(SEER_OP_WHERE)->shape(nd, NULL));
    ASSERT_EQ(nd->out[0]->dims[0], -1);
    /* LogicalAnd broadcasts: [2,2] and [2]. */
    nd = NODE(g, SEER_OP_LOGICAL_AND, 1, c2, c);
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 0, 0, 1, 0);
    seer_graph_free(g);
}

TEST(sqrt_and_reductions)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_node *nd = NODE(g, SEER_OP_SQRT, 1, CF32(g, 1, DIMS(3), 4, 2.25f, 0));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 0, 2, 1.5f, 0);
    /* max over axis 1 of [[1,5,2],[7,-1,3]] = [5,7]; keep_dims gives [2,1]. */
    struct seer_value *x = CF32(g, 2, DIMS(2, 3), 1, 5, 2, 7, -1, 3);
    nd = NODE(g, SEER_OP_REDUCE_MAX, 1, x, CI32(g, 0, NULL, 1));
    nd->a.keep_dims = true;
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 2, 1);
    ASSERT_F32S(nd->out[0], 0, 5, 7);
    nd = NODE(g, SEER_OP_REDUCE_MAX, 1, x, CI32(g, 1, DIMS(2), 0, -1));
    RUN_OK(g, nd);
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_F32);
    ASSERT_F32S(nd->out[0], 0, 7);
    /* prod over axis 0 of int32 [[2,3],[4,5]] = [8,15]; over no axes it is the input. */
    struct seer_value *y = CI32(g, 2, DIMS(2, 2), 2, 3, 4, 5);
    nd = NODE(g, SEER_OP_REDUCE_PROD, 1, y, CI32(g, 1, DIMS(1), 0));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 8, 15);
    nd = NODE(g, SEER_OP_REDUCE_PROD, 1, y, k_const(g, SEER_DTYPE_I32, 1, DIMS(0), NULL, 0));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], int32_t, 2, 3, 4, 5);
    /* all over axis 1 of [[1,1],[1,0]] = [1,0]; an empty reduction is true. */
    struct seer_value *b =
        k_const(g, SEER_DTYPE_BOOL, 2, DIMS(2, 2), (const uint8_t[]){1, 1, 1, 0}, 4);
    nd = NODE(g, SEER_OP_REDUCE_ALL, 1, b, CI32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 1, 0);
    nd = NODE(g, SEER_OP_REDUCE_ALL, 1, k_const(g, SEER_DTYPE_BOOL, 2, DIMS(2, 0), NULL, 0),
              CI32(g, 0, NULL, 1));
    RUN_OK(g, nd);
    ASSERT_INTS(nd->out[0], uint8_t, 1, 1);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_REDUCE_MAX, 1, x, CI32(g, 1, DIMS(2), 1, 1)), SEER_EFORMAT,
                     "twice");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_REDUCE_ALL, 1, x, CI32(g, 0, NULL, 1)), SEER_EUNSUPPORTED,
                     "float32");
    seer_graph_free(g);
}

TEST(fused_batch_norm_inference)
{
    struct seer_graph *g = seer_graph_new();
    /* Channel 0: (x - 1) * 2 / sqrt(3 + 1) + 0.5 = x - 0.5; channel 1: (x - 0) * 1 /
     * sqrt(0 + 1) - 1 = x - 1. */
    struct seer_value *x = CF32(g, 4, DIMS(1, 1, 2, 2), 1, 2, 3, 4);
    struct seer_node *nd =
        NODE(g, SEER_OP_FUSED_BATCH_NORM, 5, x, CF32(g, 1, DIMS(2), 2, 1),
             CF32(g, 1, DIMS(2), 0.5f, -1), CF32(g, 1, DIMS(2), 1, 0), CF32(g, 1, DIMS(2), 3, 0));
    nd->a.alpha = 1.0f;
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 1, 1, 2, 2);
    ASSERT_F32S(nd->out[0], 1e-6, 0.5f, 1, 2.5f, 3);
    ASSERT_F32S(nd->out[1], 0, 1, 0);
    ASSERT_F32S(nd->out[2], 0, 3, 0);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_FUSED_BATCH_NORM, 5, x, CF32(g, 1, DIMS(3), 1, 1, 1),
                          CF32(g, 1, DIMS(2), 0, 0), CF32(g, 1, DIMS(2), 0, 0),
                          CF32(g, 1, DIMS(2), 1, 1)),
                     SEER_EFORMAT, "channels");
    seer_graph_free(g);
}

TEST(crop_and_resize_bilinear)
{
    struct seer_graph *g = seer_graph_new();
    /* A 3x3 image 0..8, one channel. Box (0,0)-(1,1) at 2x2 takes the corners; box
     * (0,0)-(0.5,0.5) at 2x2 samples rows/cols 0 and 1: 0,1,3,4; at 1x1 the centre of
     * (0,0)-(1,1) is pixel (1,1) = 4. A box reaching past the image extrapolates. */
    struct seer_value *img = k_arange_f32(g, 4, DIMS(1, 3, 3, 1));
    struct seer_value *boxes =
        CF32(g, 2, DIMS(3, 4), 0, 0, 1, 1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, 1.5f, 1.5f);
    struct seer_value *ind = CI32(g, 1, DIMS(3), 0, 0, 0);
    struct seer_node *nd =
        NODE(g, SEER_OP_CROP_AND_RESIZE, 1, img, boxes, ind, CI32(g, 1, DIMS(2), 2, 2));
    nd->a.alpha = -1.0f;
    RUN_OK(g, nd);
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_F32, 3, 2, 2, 1);
    /* Third box: rows 1 and 3 (past the end), cols 1 and 3. */
    ASSERT_F32S(nd->out[0], 1e-6, 0, 2, 6, 8, 0, 1, 3, 4, 4, -1, -1, -1);
    nd = NODE(g, SEER_OP_CROP_AND_RESIZE, 1, img, CF32(g, 2, DIMS(1, 4), 0, 0, 1, 1),
              CI32(g, 1, DIMS(1), 0), CI32(g, 1, DIMS(2), 1, 1));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 1e-6, 4);
    /* A fractional position interpolates: box (0,0)-(0.25,0.25) at 2x2 -> rows 0 and 0.5. */
    nd = NODE(g, SEER_OP_CROP_AND_RESIZE, 1, img, CF32(g, 2, DIMS(1, 4), 0, 0, 0.25f, 0.25f),
              CI32(g, 1, DIMS(1), 0), CI32(g, 1, DIMS(2), 2, 2));
    RUN_OK(g, nd);
    ASSERT_F32S(nd->out[0], 1e-6, 0, 0.5f, 1.5f, 2);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_CROP_AND_RESIZE, 1, img, CF32(g, 2, DIMS(1, 4), 0, 0, 1, 1),
                          CI32(g, 1, DIMS(1), 1), CI32(g, 1, DIMS(2), 1, 1)),
                     SEER_EFORMAT, "box_ind");
    seer_graph_free(g);
}

/* NMS needs scratch, which the kops harness does not give, so it runs by hand. */
static int run_nms(struct seer_graph *g, struct seer_node *nd)
{
    const struct seer_op_info *info = seer_op_info(SEER_OP_NMS);
    int rc = info->shape(nd, NULL);
    size_t n;

    if (rc)
        return rc;
    seer_tensor_nbytes(nd->out[0], &n);
    nd->out[0]->data = seer_arena_alloc(g->arena, n + 1);
    struct seer_kctx k = {0, 1, seer_arena_alloc(g->arena, info->scratch(nd)), 0};
    info->ref(&k, nd);
    return SEER_OK;
}

TEST(non_max_suppression_v1_v2_v3)
{
    struct seer_graph *g = seer_graph_new();
    /* Box 0 and 1 overlap with IoU 0.81/1.19 = 0.68; box 2 is apart; box 3 has no area.
     * Sorted by score: 1 (0.9), 0 (0.8), 3 (0.75), 2 (0.7). */
    struct seer_value *boxes =
        CF32(g, 2, DIMS(4, 4), 0, 0, 1, 1, 0.1f, 0.1f, 1.1f, 1.1f, 5, 5, 6, 6, 2, 2, 2, 3);
    struct seer_value *scores = CF32(g, 1, DIMS(4), 0.8f, 0.9f, 0.7f, 0.75f);
    struct seer_node *nd =
        NODE(g, SEER_OP_NMS, 1, boxes, scores, CI32(g, 0, NULL, 10), CF32(g, 0, NULL, 0.5f));
    ASSERT_OK(run_nms(g, nd));
    ASSERT_DIMS(nd->out[0], SEER_DTYPE_I32, 3);
    ASSERT_INTS(nd->out[0], int32_t, 1, 3, 2);
    /* A threshold above the IoU keeps both; max_output_size caps the count. */
    nd = NODE(g, SEER_OP_NMS, 1, boxes, scores, CI32(g, 0, NULL, 2), CF32(g, 0, NULL, 0.7f));
    ASSERT_OK(run_nms(g, nd));
    ASSERT_INTS(nd->out[0], int32_t, 1, 0);
    /* V3's score threshold drops everything at or below it. */
    nd = NODE(g, SEER_OP_NMS, 1, boxes, scores, CI32(g, 0, NULL, 10), CF32(g, 0, NULL, 0.5f),
              CF32(g, 0, NULL, 0.75f));
    ASSERT_OK(run_nms(g, nd));
    ASSERT_INTS(nd->out[0], int32_t, 1);
    /* Equal scores go by index; flipped corners are the same box. */
    nd = NODE(g, SEER_OP_NMS, 1, CF32(g, 2, DIMS(2, 4), 1, 1, 0, 0, 0, 0, 1, 1),
              CF32(g, 1, DIMS(2), 0.5f, 0.5f), CI32(g, 0, NULL, 5), CF32(g, 0, NULL, 0.5f));
    ASSERT_OK(run_nms(g, nd));
    ASSERT_INTS(nd->out[0], int32_t, 0);
    /* v1: the IoU threshold is an attribute (attrs.alpha), not an input. */
    nd = NODE(g, SEER_OP_NMS, 1, boxes, scores, CI32(g, 0, NULL, 10));
    nd->a.alpha = 0.5f;
    ASSERT_OK(run_nms(g, nd));
    ASSERT_INTS(nd->out[0], int32_t, 1, 3, 2);
    nd = NODE(g, SEER_OP_NMS, 1, boxes, scores, CI32(g, 0, NULL, 10));
    nd->a.alpha = 0.7f;
    ASSERT_OK(run_nms(g, nd));
    ASSERT_INTS(nd->out[0], int32_t, 1, 0, 3, 2);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_NMS, 1, boxes, CF32(g, 1, DIMS(3), 1, 1, 1),
                          CI32(g, 0, NULL, 1), CF32(g, 0, NULL, 0.5f)),
                     SEER_EFORMAT, "scores");
    seer_graph_free(g);
}

TEST(control_flow_shape_functions)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = INPUT(g, SEER_DTYPE_F32, 2, DIMS(2, 3));
    struct seer_value *p = INPUT(g, SEER_DTYPE_BOOL, 0, NULL);
    struct seer_node *nd = NODE(g, SEER_OP_SWITCH, 2, x, p);
    ASSERT_OK(seer_op_info(nd->op)->shape(nd, NULL));
    ASSERT_DIMS(nd->out[1], SEER_DTYPE_F32, 2, 3);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_SWITCH, 2, x, x), SEER_EFORMAT, "bool scalar");
    nd = NODE(g, SEER_OP_MERGE, 2, x, INPUT(g, SEER_DTYPE_F32, 2, DIMS(4, 3)));
    ASSERT_OK(seer_op_info(nd->op)->shape(nd, NULL));
    ASSERT_EQ(nd->out[0]->ndim, -1); /* shapes differ: unknown until run time */
    ASSERT_SCALAR(nd->out[1], SEER_DTYPE_I32);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_MERGE, 2, x, p), SEER_EFORMAT, "dtype");
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_ENTER, 1, x), SEER_EFORMAT, "frame");
    nd = NODE(g, SEER_OP_TA_NEW, 2, CI32(g, 0, NULL, 4));
    ASSERT_OK(seer_op_info(nd->op)->shape(nd, NULL));
    ASSERT_SCALAR(nd->out[0], SEER_DTYPE_I32);
    ASSERT_SCALAR(nd->out[1], SEER_DTYPE_F32);
    ASSERT_SHAPE_ERR(NODE(g, SEER_OP_TA_SIZE, 1, x, p), SEER_EFORMAT, "handle");
    seer_graph_free(g);
}

T_MAIN(T_CASE(fill_and_zeros_like), T_CASE(range_int_and_float), T_CASE(shape_size_rank),
       T_CASE(tile_and_slice), T_CASE(pack_unpack_split), T_CASE(select_where_logical_and),
       T_CASE(sqrt_and_reductions), T_CASE(fused_batch_norm_inference),
       T_CASE(crop_and_resize_bilinear), T_CASE(non_max_suppression_v1_v2_v3),
       T_CASE(control_flow_shape_functions))
