/*
 * TensorFlow op names and attributes -> Seer ops (see tfattr.h). The semantics follow
 * TensorFlow's op definitions (tensorflow/core/ops/): NHWC lists for strides,
 * dilations and ksize, SAME/VALID/EXPLICIT padding, defaults where an attribute is absent.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "import/tfattr.h"

/* Op families: how the attributes and inputs of each TensorFlow op are read. */
enum fam {
    F_CONV,       /* Conv2D, DepthwiseConv2dNative */
    F_FUSED_CONV, /* _FusedConv2D, FusedDepthwiseConv2dNative */
    F_POOL,
    F_PAD, /* Pad (2 inputs), PadV2 (3) */
    F_RESIZE,
    F_PLAIN, /* no attributes we need: the input count is checked */
    F_LEAKY,
    F_CAST,
    F_MEAN,
    F_CONCAT,
    F_SQUEEZE,
    F_SSLICE,
    F_GATHER,
    F_TOPK,
    F_SPLITV,
    F_SOFTMAX,
    F_BIASADD,
    F_OUT_TYPE, /* Shape, Size: out_type (default int32) */
    F_PACK,
    F_UNPACK,
    F_SPLIT, /* Split: num_split outputs */
    F_MERGE,
    F_ENTER,
    F_TA_NEW,
    F_TA_DTYPE, /* TensorArrayReadV3, GatherV3: dtype */
    F_TA_CONCAT,
    F_BATCH_NORM,
    F_CROP,
    F_GATHER1, /* Gather: axis 0 */
    F_TWO_OUT, /* Switch: two outputs */
    F_MATMUL,  /* MatMul: transpose_a, transpose_b */
    F_BMM,     /* BatchMatMul, BatchMatMulV2: adj_x, adj_y */
    F_ARG,     /* ArgMax, ArgMin: output_type (default int64) */
    F_ONE_HOT, /* OneHot: axis (default -1) */
    F_NMS1,    /* NonMaxSuppression (v1): iou_threshold is an attribute (default 0.5) */
};

static const struct {
    const char *tf;
    enum seer_op op;
    enum fam fam;
    int n_in; /* exact data input count; 0 when the family decides */
} ops[] = {
    {"Conv2D", SEER_OP_CONV2D, F_CONV, 2},
    {"DepthwiseConv2dNative", SEER_OP_DEPTHWISE_CONV2D, F_CONV, 2},
    {"_FusedConv2D", SEER_OP_CONV2D, F_FUSED_CONV, 0},
    {"FusedDepthwiseConv2dNative", SEER_OP_DEPTHWISE_CONV2D, F_FUSED_CONV, 0},
    {"_FusedDepthwiseConv2dNative", SEER_OP_DEPTHWISE_CONV2D, F_FUSED_CONV, 0},
    {"MaxPool", SEER_OP_MAXPOOL, F_POOL, 1},
    {"AvgPool", SEER_OP_AVGPOOL, F_POOL, 1},
    {"Pad", SEER_OP_PAD, F_PAD, 2},
    {"PadV2", SEER_OP_PAD, F_PAD, 3},
    {"ResizeBilinear", SEER_OP_RESIZE_BILINEAR, F_RESIZE, 2},
    {"ResizeNearestNeighbor", SEER_OP_RESIZE_NEAREST, F_RESIZE, 2},
    {"Add", SEER_OP_ADD, F_PLAIN, 2},
    {"AddV2", SEER_OP_ADD, F_PLAIN, 2},
    {"BiasAdd", SEER_OP_ADD, F_BIASADD, 2},
    {"Sub", SEER_OP_SUB, F_PLAIN, 2},
    {"Mul", SEER_OP_MUL, F_PLAIN, 2},
    {"RealDiv", SEER_OP_DIV, F_PLAIN, 2},
    {"Div", SEER_OP_DIV, F_PLAIN, 2},
    {"FloorDiv", SEER_OP_FLOORDIV, F_PLAIN, 2},
    {"FloorMod", SEER_OP_FLOORMOD, F_PLAIN, 2},
    {"Maximum", SEER_OP_MAXIMUM, F_PLAIN, 2},
    {"Minimum", SEER_OP_MINIMUM, F_PLAIN, 2},
    {"Equal", SEER_OP_EQUAL, F_PLAIN, 2},
    {"Less", SEER_OP_LESS, F_PLAIN, 2},
    {"Greater", SEER_OP_GREATER, F_PLAIN, 2},
    {"Relu", SEER_OP_RELU, F_PLAIN, 1},
    {"Relu6", SEER_OP_RELU6, F_PLAIN, 1},
    {"LeakyRelu", SEER_OP_LEAKY_RELU, F_LEAKY, 1},
    {"Sigmoid", SEER_OP_SIGMOID, F_PLAIN, 1},
    {"Tanh", SEER_OP_TANH, F_PLAIN, 1},
    {"Exp", SEER_OP_EXP, F_PLAIN, 1},
    {"Cast", SEER_OP_CAST, F_CAST, 1},
    {"Mean", SEER_OP_MEAN, F_MEAN, 2},
    {"ConcatV2", SEER_OP_CONCAT, F_CONCAT, 0},
    {"Reshape", SEER_OP_RESHAPE, F_PLAIN, 2},
    {"ExpandDims", SEER_OP_EXPAND_DIMS, F_PLAIN, 2},
    {"Squeeze", SEER_OP_SQUEEZE, F_SQUEEZE, 1},
    {"StridedSlice", SEER_OP_STRIDED_SLICE, F_SSLICE, 4},
    {"Transpose", SEER_OP_TRANSPOSE, F_PLAIN, 2},
    {"GatherV2", SEER_OP_GATHER, F_GATHER, 3},
    {"TopKV2", SEER_OP_TOPK, F_TOPK, 2},
    {"SparseToDense", SEER_OP_SPARSE_TO_DENSE, F_PLAIN, 4},
    {"SplitV", SEER_OP_SPLITV, F_SPLITV, 3},
    {"Softmax", SEER_OP_SOFTMAX, F_SOFTMAX, 1},
    {"Max", SEER_OP_REDUCE_MAX, F_MEAN, 2},
    {"Prod", SEER_OP_REDUCE_PROD, F_MEAN, 2},
    {"All", SEER_OP_REDUCE_ALL, F_MEAN, 2},
    {"Gather", SEER_OP_GATHER, F_GATHER1, 2},
    {"Fill", SEER_OP_FILL, F_PLAIN, 2},
    {"Range", SEER_OP_RANGE, F_PLAIN, 3},
    {"Tile", SEER_OP_TILE, F_PLAIN, 2},
    {"Slice", SEER_OP_SLICE, F_PLAIN, 3},
    {"Shape", SEER_OP_SHAPE, F_OUT_TYPE, 1},
    {"Size", SEER_OP_SIZE, F_OUT_TYPE, 1},
    {"Rank", SEER_OP_RANK, F_PLAIN, 1},
    {"Pack", SEER_OP_PACK, F_PACK, 0},
    {"Unpack", SEER_OP_UNPACK, F_UNPACK, 1},
    {"Split", SEER_OP_SPLIT, F_SPLIT, 2},
    {"ZerosLike", SEER_OP_ZEROS_LIKE, F_PLAIN, 1},
    {"Select", SEER_OP_SELECT, F_PLAIN, 3},
    {"Where", SEER_OP_WHERE, F_PLAIN, 1},
    {"LogicalAnd", SEER_OP_LOGICAL_AND, F_PLAIN, 2},
    {"Sqrt", SEER_OP_SQRT, F_PLAIN, 1},
    {"FusedBatchNorm", SEER_OP_FUSED_BATCH_NORM, F_BATCH_NORM, 5},
    {"CropAndResize", SEER_OP_CROP_AND_RESIZE, F_CROP, 4},
    {"NonMaxSuppression", SEER_OP_NMS, F_NMS1, 3},
    {"NonMaxSuppressionV2", SEER_OP_NMS, F_PLAIN, 4},
    {"NonMaxSuppressionV3", SEER_OP_NMS, F_PLAIN, 5},
    /* Faster R-CNN / R-FCN second stages and the atrous Inception-ResNet backbone */
    {"MatMul", SEER_OP_MATMUL, F_MATMUL, 2},
    {"BatchMatMul", SEER_OP_MATMUL, F_BMM, 2},
    {"BatchMatMulV2", SEER_OP_MATMUL, F_BMM, 2},
    {"SpaceToBatchND", SEER_OP_SPACE_TO_BATCH_ND, F_PLAIN, 3},
    {"BatchToSpaceND", SEER_OP_BATCH_TO_SPACE_ND, F_PLAIN, 3},
    {"GreaterEqual", SEER_OP_GREATER_EQUAL, F_PLAIN, 2},
    {"LessEqual", SEER_OP_LESS_EQUAL, F_PLAIN, 2},
    {"NotEqual", SEER_OP_NOT_EQUAL, F_PLAIN, 2},
    {"Pow", SEER_OP_POW, F_PLAIN, 2},
    {"Neg", SEER_OP_NEG, F_PLAIN, 1},
    {"Abs", SEER_OP_ABS, F_PLAIN, 1},
    {"Log", SEER_OP_LOG, F_PLAIN, 1},
    {"Square", SEER_OP_SQUARE, F_PLAIN, 1},
    {"Rsqrt", SEER_OP_RSQRT, F_PLAIN, 1},
    {"Ceil", SEER_OP_CEIL, F_PLAIN, 1},
    {"Floor", SEER_OP_FLOOR, F_PLAIN, 1},
    {"Round", SEER_OP_ROUND, F_PLAIN, 1},
    {"Sum", SEER_OP_REDUCE_SUM, F_MEAN, 2},
    {"Min", SEER_OP_REDUCE_MIN, F_MEAN, 2},
    {"ArgMax", SEER_OP_ARGMAX, F_ARG, 2},
    {"ArgMin", SEER_OP_ARGMIN, F_ARG, 2},
    {"ClipByValue", SEER_OP_CLIP_BY_VALUE, F_PLAIN, 3},
    {"OneHot", SEER_OP_ONE_HOT, F_ONE_HOT, 4},
    /* TensorFlow 1 control flow and TensorArrays (run by the dataflow interpreter) */
    {"Enter", SEER_OP_ENTER, F_ENTER, 1},
    {"Exit", SEER_OP_EXIT, F_PLAIN, 1},
    {"Switch", SEER_OP_SWITCH, F_TWO_OUT, 2},
    {"Merge", SEER_OP_MERGE, F_MERGE, 0},
    {"NextIteration", SEER_OP_NEXT_ITERATION, F_PLAIN, 1},
    {"LoopCond", SEER_OP_LOOP_COND, F_PLAIN, 1},
    {"TensorArrayV3", SEER_OP_TA_NEW, F_TA_NEW, 1},
    {"TensorArrayReadV3", SEER_OP_TA_READ, F_TA_DTYPE, 3},
    {"TensorArrayWriteV3", SEER_OP_TA_WRITE, F_PLAIN, 4},
    {"TensorArrayGatherV3", SEER_OP_TA_GATHER, F_TA_DTYPE, 3},
    {"TensorArrayScatterV3", SEER_OP_TA_SCATTER, F_PLAIN, 4},
    {"TensorArraySizeV3", SEER_OP_TA_SIZE, F_PLAIN, 2},
    {"TensorArrayConcatV3", SEER_OP_TA_CONCAT, F_TA_CONCAT, 2},
    /* Gradient and debugging markers are identities at inference time. */
    {"Identity", SEER_OP_IDENTITY, F_PLAIN, 1},
    {"StopGradient", SEER_OP_IDENTITY, F_PLAIN, 1},
    {"PreventGradient", SEER_OP_IDENTITY, F_PLAIN, 1},
    {"Snapshot", SEER_OP_IDENTITY, F_PLAIN, 1},
    {"CheckNumerics", SEER_OP_IDENTITY, F_PLAIN, 1},
};

/* SplitV makes one value per piece; a bound keeps a hostile num_split from asking the
 * graph for millions of outputs. */
#define MAX_SPLIT 4096

/* An integer attribute that must fit an int32 (masks, batch_dims). */
static int attr_i32(const struct seer__tf_node *nd, const char *name, int32_t dflt, int32_t *out,
                    struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);

    *out = dflt;
    if (!at)
        return SEER_OK;
    if (at->kind != SEER__TF_ATTR_I || at->i < INT32_MIN || at->i > INT32_MAX)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is not a 32-bit int",
                         nd->name, nd->op, name);
    *out = (int32_t)at->i;
    return SEER_OK;
}

static int attr_bool(const struct seer__tf_node *nd, const char *name, bool dflt, bool *out,
                     struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);

    *out = dflt;
    if (!at)
        return SEER_OK;
    if (at->kind != SEER__TF_ATTR_B)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is not a bool", nd->name,
                         nd->op, name);
    *out = at->b;
    return SEER_OK;
}

static int attr_float(const struct seer__tf_node *nd, const char *name, float dflt, float *out,
                      struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);

    *out = dflt;
    if (!at)
        return SEER_OK;
    if (at->kind != SEER__TF_ATTR_F)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is not a float", nd->name,
                         nd->op, name);
    *out = at->f;
    return SEER_OK;
}

/* The int list of a LIST attribute (an empty list is a LIST with no elements). */
static int attr_ints(const struct seer__tf_node *nd, const char *name, const int64_t **v, int *n,
                     struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);

    *v = NULL;
    *n = 0;
    if (!at)
        return SEER_OK;
    if (at->kind != SEER__TF_ATTR_LIST || at->list.n_s || at->list.n_f)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is not a list of ints",
                         nd->name, nd->op, name);
    *v = at->list.i;
    *n = at->list.n_i;
    return SEER_OK;
}

/* A TYPE attribute mapped to a Seer dtype; dflt when absent (INVALID: required). */
static int attr_dtype(const struct seer__tf_node *nd, const char *name, int dflt, bool tfjs,
                      enum seer_dtype *out, struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);
    int dt = dflt;

    if (at && at->kind != SEER__TF_ATTR_TYPE)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is not a type", nd->name,
                         nd->op, name);
    if (at)
        dt = at->type;
    if (dt == SEER__TF_DT_INVALID)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' is missing", nd->name,
                         nd->op, name);
    if (!seer__tf_dt_to_seer(dt, tfjs, out))
        return seer_errf(err, SEER_EUNSUPPORTED, "node '%s' (%s): %s %s is not supported", nd->name,
                         nd->op, name, seer__tf_dt_name(dt));
    return SEER_OK;
}

/* A count attribute (num, num_split): positive and bounded. */
static int attr_count(const struct seer__tf_node *nd, const char *name, int *out,
                      struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, name);

    if (!at || at->kind != SEER__TF_ATTR_I || at->i < 1)
        return seer_errf(err, SEER_EFORMAT,
                         "node '%s' (%s): attr '%s' is missing or not "
                         "positive",
                         nd->name, nd->op, name);
    if (at->i > MAX_SPLIT)
        return seer_errf(err, SEER_ELIMIT, "node '%s' (%s): %s %lld is over %d", nd->name, nd->op,
                         name, (long long)at->i, MAX_SPLIT);
    *out = (int)at->i;
    return SEER_OK;
}

static int check_nhwc(const struct seer__tf_node *nd, struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, "data_format");

    if (!at)
        return SEER_OK;
    if (at->kind != SEER__TF_ATTR_S)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr 'data_format' is not a string",
                         nd->name, nd->op);
    if (!seer__tf_bytes_eq(at->s, "NHWC"))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "node '%s' (%s): data_format '%.*s' is not supported (only NHWC)",
                         nd->name, nd->op, (int)(at->s.n > 16 ? 16 : at->s.n), at->s.p);
    return SEER_OK;
}

/* An NHWC list of 4 (strides, dilations, ksize) into (H, W); absent means 1s. TensorFlow
 * refuses batch and channel entries other than 1, and so do we. */
static int spatial(const struct seer__tf_node *nd, const char *name, int32_t hw[2],
                   struct seer_err *err)
{
    const int64_t *v;
    int n, rc;

    hw[0] = hw[1] = 1;
    rc = attr_ints(nd, name, &v, &n, err);
    if (rc || n == 0)
        return rc;
    if (n != 4)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' has %d entries, not 4",
                         nd->name, nd->op, name, n);
    for (int i = 0; i < 4; i++)
        if (v[i] < 1 || v[i] > INT32_MAX)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr '%s' has entry %lld",
                             nd->name, nd->op, name, (long long)v[i]);
    if (v[0] != 1 || v[3] != 1)
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "node '%s' (%s): attr '%s' must be 1 in the batch and channel dims",
                         nd->name, nd->op, name);
    hw[0] = (int32_t)v[1];
    hw[1] = (int32_t)v[2];
    return SEER_OK;
}

static int padding(const struct seer__tf_node *nd, struct seer_attrs *a, struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, "padding");
    const int64_t *v;
    int n, rc;

    if (!at || at->kind != SEER__TF_ATTR_S)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr 'padding' is missing", nd->name,
                         nd->op);
    if (seer__tf_bytes_eq(at->s, "SAME")) {
        a->padding = SEER_PAD_SAME;
        return SEER_OK;
    }
    if (seer__tf_bytes_eq(at->s, "VALID")) {
        a->padding = SEER_PAD_VALID;
        return SEER_OK;
    }
    if (!seer__tf_bytes_eq(at->s, "EXPLICIT"))
        return seer_errf(err, SEER_EUNSUPPORTED, "node '%s' (%s): padding '%.*s' is not supported",
                         nd->name, nd->op, (int)(at->s.n > 16 ? 16 : at->s.n), at->s.p);
    a->padding = SEER_PAD_EXPLICIT;
    rc = attr_ints(nd, "explicit_paddings", &v, &n, err);
    if (rc)
        return rc;
    if (n != 8)
        return seer_errf(err, SEER_EFORMAT,
                         "node '%s' (%s): EXPLICIT padding needs 8 explicit_paddings, has %d",
                         nd->name, nd->op, n);
    for (int i = 0; i < 8; i++)
        if (v[i] < 0 || v[i] > INT32_MAX)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): explicit padding %lld", nd->name,
                             nd->op, (long long)v[i]);
    if (v[0] || v[1] || v[6] || v[7])
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "node '%s' (%s): explicit padding of the batch or channel dim", nd->name,
                         nd->op);
    /* NHWC pairs: [batch lo, hi, H lo, hi, W lo, hi, C lo, hi]. */
    for (int i = 0; i < 4; i++)
        a->pads[i] = (int32_t)v[2 + i];
    return SEER_OK;
}

static int conv_attrs(const struct seer__tf_node *nd, struct seer_attrs *a, struct seer_err *err)
{
    int rc = check_nhwc(nd, err);

    if (!rc)
        rc = spatial(nd, "strides", a->stride, err);
    if (!rc)
        rc = spatial(nd, "dilations", a->dilation, err);
    if (!rc)
        rc = padding(nd, a, err);
    return rc;
}

/* fused_ops of a fused conv: BiasAdd, then optionally Add (a residual input), then
 * optionally one activation. Returns the number of extra inputs through *n_args. */
static int fused_ops(const struct seer__tf_node *nd, struct seer_attrs *a, int *n_args,
                     struct seer_err *err)
{
    const struct seer__tf_attr *at = seer__tf_attr_find(nd, "fused_ops");
    static const struct {
        const char *name;
        enum seer_act act;
    } acts[] = {
        {"Relu", SEER_ACT_RELU},
        {"Relu6", SEER_ACT_RELU6},
        {"LeakyRelu", SEER_ACT_LEAKY_RELU},
        {"Sigmoid", SEER_ACT_SIGMOID},
    };
    char list[128];
    size_t len = 0;
    int n, k = 0;

    if (!at || at->kind != SEER__TF_ATTR_LIST)
        return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr 'fused_ops' is missing", nd->name,
                         nd->op);
    n = at->list.n_s;
    if (k < n && seer__tf_bytes_eq(at->list.s[k], "BiasAdd")) {
        a->has_bias = true;
        k++;
    }
    if (a->has_bias && k < n && seer__tf_bytes_eq(at->list.s[k], "Add")) {
        a->has_residual = true;
        k++;
    }
    if (a->has_bias && k < n) {
        for (size_t j = 0; j < sizeof(acts) / sizeof(acts[0]); j++) {
            if (seer__tf_bytes_eq(at->list.s[k], acts[j].name)) {
                a->act = acts[j].act;
                k++;
                break;
            }
        }
    }
    if (a->has_bias && k == n) {
        *n_args = 1 + a->has_residual;
        if (a->act == SEER_ACT_LEAKY_RELU)
            return attr_float(nd, "leakyrelu_alpha", 0.2f, &a->alpha, err);
        return SEER_OK;
    }
    list[0] = '\0';
    for (int i = 0; i < n && len < sizeof(list); i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%.*s", i ? "," : "",
                         (int)(at->list.s[i].n > 32 ? 32 : at->list.s[i].n), at->list.s[i].p);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return seer_errf(err, SEER_EUNSUPPORTED,
                     "node '%s' (%s): fused_ops [%s] are not supported (BiasAdd, then "
                     "optionally Add, then Relu, Relu6, LeakyRelu or Sigmoid)",
                     nd->name, nd->op, list);
}

static int map_family(const struct seer__tf_node *nd, enum fam fam, int n_in, bool tfjs,
                      struct seer__tf_op *o, struct seer_err *err)
{
    struct seer_attrs *a = &o->a;
    const struct seer__tf_attr *at;
    const int64_t *v;
    int n, rc = SEER_OK;
    bool b;

    switch (fam) {
    case F_CONV: return conv_attrs(nd, a, err);
    case F_FUSED_CONV:
        rc = fused_ops(nd, a, &n, err);
        if (rc)
            return rc;
        if (n_in != 2 + n)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): fused_ops need %d inputs, has %d",
                             nd->name, nd->op, 2 + n, n_in);
        at = seer__tf_attr_find(nd, "num_args");
        if (at && (at->kind != SEER__TF_ATTR_I || at->i != n))
            return seer_errf(err, SEER_EFORMAT,
                             "node '%s' (%s): num_args does not match "
                             "fused_ops",
                             nd->name, nd->op);
        return conv_attrs(nd, a, err);
    case F_POOL:
        rc = check_nhwc(nd, err);
        if (!rc)
            rc = spatial(nd, "ksize", a->ksize, err);
        if (!rc)
            rc = spatial(nd, "strides", a->stride, err);
        if (!rc)
            rc = padding(nd, a, err);
        return rc;
    case F_RESIZE:
        rc = attr_bool(nd, "align_corners", false, &a->align_corners, err);
        if (!rc)
            rc = attr_bool(nd, "half_pixel_centers", false, &a->half_pixel_centers, err);
        if (!rc && a->align_corners && a->half_pixel_centers)
            rc = seer_errf(err, SEER_EFORMAT,
                           "node '%s' (%s): align_corners and "
                           "half_pixel_centers cannot both be true",
                           nd->name, nd->op);
        return rc;
    case F_LEAKY: return attr_float(nd, "alpha", 0.2f, &a->alpha, err);
    case F_CAST:
        at = seer__tf_attr_find(nd, "DstT");
        if (!at || at->kind != SEER__TF_ATTR_TYPE)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr 'DstT' is missing", nd->name,
                             nd->op);
        if (!seer__tf_dt_to_seer(at->type, tfjs, &a->dtype))
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "node '%s' (%s): cast to %s is not "
                             "supported",
                             nd->name, nd->op, seer__tf_dt_name(at->type));
        return SEER_OK;
    case F_MEAN: return attr_bool(nd, "keep_dims", false, &a->keep_dims, err);
    case F_CONCAT:
        if (n_in < 2)
            return seer_errf(err, SEER_EFORMAT,
                             "node '%s' (%s): needs an axis and at least "
                             "one value, has %d inputs",
                             nd->name, nd->op, n_in);
        at = seer__tf_attr_find(nd, "N");
        if (at && (at->kind != SEER__TF_ATTR_I || at->i != n_in - 1))
            return seer_errf(err, SEER_EFORMAT,
                             "node '%s' (%s): attr N does not match its "
                             "%d inputs",
                             nd->name, nd->op, n_in);
        o->axis_from_last = true;
        return SEER_OK;
    case F_SQUEEZE:
        rc = attr_ints(nd, "squeeze_dims", &v, &n, err);
        if (rc)
            return rc;
        if (n > SEER_MAX_DIMS)
            return seer_errf(err, SEER_EUNSUPPORTED, "node '%s' (%s): %d squeeze_dims", nd->name,
                             nd->op, n);
        for (int i = 0; i < n; i++) {
            if (v[i] < -SEER_MAX_DIMS || v[i] >= SEER_MAX_DIMS)
                return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): squeeze dim %lld", nd->name,
                                 nd->op, (long long)v[i]);
            a->axes[i] = (int32_t)v[i];
        }
        a->n_axes = n;
        return SEER_OK;
    case F_SSLICE:
        rc = attr_i32(nd, "begin_mask", 0, &a->begin_mask, err);
        if (!rc)
            rc = attr_i32(nd, "end_mask", 0, &a->end_mask, err);
        if (!rc)
            rc = attr_i32(nd, "ellipsis_mask", 0, &a->ellipsis_mask, err);
        if (!rc)
            rc = attr_i32(nd, "new_axis_mask", 0, &a->new_axis_mask, err);
        if (!rc)
            rc = attr_i32(nd, "shrink_axis_mask", 0, &a->shrink_axis_mask, err);
        return rc;
    case F_GATHER: return attr_i32(nd, "batch_dims", 0, &a->batch_dims, err);
    case F_TOPK: o->n_out = 2; return attr_bool(nd, "sorted", true, &a->sorted, err);
    case F_SPLITV:
        at = seer__tf_attr_find(nd, "num_split");
        if (!at || at->kind != SEER__TF_ATTR_I || at->i < 1)
            return seer_errf(err, SEER_EFORMAT,
                             "node '%s' (%s): attr 'num_split' is missing "
                             "or not positive",
                             nd->name, nd->op);
        if (at->i > MAX_SPLIT)
            return seer_errf(err, SEER_ELIMIT, "node '%s' (%s): num_split %lld is over %d",
                             nd->name, nd->op, (long long)at->i, MAX_SPLIT);
        o->n_out = (int)at->i;
        return SEER_OK;
    case F_SOFTMAX:
        a->axis = -1; /* TensorFlow's Softmax always works on the last dim */
        return SEER_OK;
    case F_BIASADD: return check_nhwc(nd, err);
    case F_OUT_TYPE: return attr_dtype(nd, "out_type", SEER__TF_DT_INT32, tfjs, &a->dtype, err);
    case F_PACK:
        if (n_in < 1)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): needs at least one input",
                             nd->name, nd->op);
        at = seer__tf_attr_find(nd, "N");
        if (at && (at->kind != SEER__TF_ATTR_I || at->i != n_in))
            return seer_errf(err, SEER_EFORMAT,
                             "node '%s' (%s): attr N does not match its "
                             "%d inputs",
                             nd->name, nd->op, n_in);
        return attr_i32(nd, "axis", 0, &a->axis, err);
    case F_UNPACK:
        rc = attr_count(nd, "num", &o->n_out, err);
        return rc ? rc : attr_i32(nd, "axis", 0, &a->axis, err);
    case F_SPLIT: return attr_count(nd, "num_split", &o->n_out, err);
    case F_MERGE:
        if (n_in < 1)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): needs at least one input",
                             nd->name, nd->op);
        o->n_out = 2;
        return SEER_OK;
    case F_TWO_OUT: o->n_out = 2; return SEER_OK;
    case F_ENTER:
        at = seer__tf_attr_find(nd, "frame_name");
        if (!at || at->kind != SEER__TF_ATTR_S || at->s.n == 0)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): attr 'frame_name' is missing",
                             nd->name, nd->op);
        o->frame = at->s.p;
        o->frame_len = at->s.n;
        return attr_bool(nd, "is_constant", false, &a->is_constant, err);
    case F_TA_NEW:
        o->n_out = 2;
        rc = attr_dtype(nd, "dtype", SEER__TF_DT_INVALID, tfjs, &a->dtype, err);
        return rc ? rc : attr_bool(nd, "dynamic_size", false, &a->dynamic_size, err);
    case F_TA_DTYPE: return attr_dtype(nd, "dtype", SEER__TF_DT_INVALID, tfjs, &a->dtype, err);
    case F_TA_CONCAT:
        o->n_out = 2;
        return attr_dtype(nd, "dtype", SEER__TF_DT_INVALID, tfjs, &a->dtype, err);
    case F_BATCH_NORM:
        o->n_out = 5;
        rc = check_nhwc(nd, err);
        if (!rc)
            rc = attr_bool(nd, "is_training", true, &b, err);
        if (!rc && b)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "node '%s' (%s): training mode is not "
                             "supported (is_training must be false)",
                             nd->name, nd->op);
        return rc ? rc : attr_float(nd, "epsilon", 0.0001f, &a->alpha, err);
    case F_CROP:
        at = seer__tf_attr_find(nd, "method");
        if (at && (at->kind != SEER__TF_ATTR_S || !seer__tf_bytes_eq(at->s, "bilinear")))
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "node '%s' (%s): only method 'bilinear' "
                             "is supported",
                             nd->name, nd->op);
        return attr_float(nd, "extrapolation_value", 0.0f, &a->alpha, err);
    case F_GATHER1: o->zero_axis = true; return SEER_OK;
    case F_NMS1: return attr_float(nd, "iou_threshold", 0.5f, &a->alpha, err);
    case F_MATMUL:
        rc = attr_bool(nd, "transpose_a", false, &a->adj_x, err);
        return rc ? rc : attr_bool(nd, "transpose_b", false, &a->adj_y, err);
    case F_BMM:
        rc = attr_bool(nd, "adj_x", false, &a->adj_x, err);
        return rc ? rc : attr_bool(nd, "adj_y", false, &a->adj_y, err);
    case F_ARG: return attr_dtype(nd, "output_type", SEER__TF_DT_INT64, tfjs, &a->dtype, err);
    case F_ONE_HOT: return attr_i32(nd, "axis", -1, &a->axis, err);
    case F_PAD:
    case F_PLAIN: return SEER_OK;
    }
    return SEER_OK;
}

int seer__tf_map_op(const struct seer__tf_node *nd, int n_in, bool tfjs, struct seer__tf_op *out,
                    struct seer_err *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(ops[i].tf, nd->op))
            continue;
        if (ops[i].n_in && n_in != ops[i].n_in)
            return seer_errf(err, SEER_EFORMAT, "node '%s' (%s): expects %d inputs, has %d",
                             nd->name, nd->op, ops[i].n_in, n_in);
        out->op = ops[i].op;
        out->n_out = 1;
        return map_family(nd, ops[i].fam, n_in, tfjs, out, err);
    }
    return seer_errf(err, SEER_EUNSUPPORTED, "node '%s': op '%s' is not supported", nd->name,
                     nd->op);
}
