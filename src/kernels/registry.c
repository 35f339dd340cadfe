/*
 * The op registry: for every op, its name, shape function, reference kernel and whether
 * the reference kernel splits work across workers. Listed explicitly, no linker magic.
 * Fast twins are chosen at plan time (see graph/plan.c).
 */
#include "kernels/kernel.h"

#include <pthread.h>

#include "core/compiler.h"

#define OPS(X)                                                                           \
    X(IDENTITY, identity, "Identity", false)                                             \
    X(CONV2D, conv2d, "Conv2D", true)                                                    \
    X(DEPTHWISE_CONV2D, depthwise_conv2d, "DepthwiseConv2dNative", true)                 \
    X(MAXPOOL, maxpool, "MaxPool", true)                                                 \
    X(AVGPOOL, avgpool, "AvgPool", true)                                                 \
    X(PAD, pad, "Pad", true)                                                             \
    X(RESIZE_BILINEAR, resize_bilinear, "ResizeBilinear", true)                          \
    X(RESIZE_NEAREST, resize_nearest, "ResizeNearestNeighbor", true)                     \
    X(ADD, add, "Add", true)                                                             \
    X(SUB, sub, "Sub", true)                                                             \
    X(MUL, mul, "Mul", true)                                                             \
    X(DIV, div, "RealDiv", true)                                                         \
    X(FLOORDIV, floordiv, "FloorDiv", true)                                              \
    X(FLOORMOD, floormod, "FloorMod", true)                                              \
    X(MAXIMUM, maximum, "Maximum", true)                                                 \
    X(MINIMUM, minimum, "Minimum", true)                                                 \
    X(EQUAL, equal, "Equal", true)                                                       \
    X(LESS, less, "Less", true)                                                          \
    X(GREATER, greater, "Greater", true)                                                 \
    X(RELU, relu, "Relu", true)                                                          \
    X(RELU6, relu6, "Relu6", true)                                                       \
    X(LEAKY_RELU, leaky_relu, "LeakyRelu", true)                                         \
    X(SIGMOID, sigmoid, "Sigmoid", true)                                                 \
    X(TANH, tanh, "Tanh", true)                                                          \
    X(EXP, exp, "Exp", true)                                                             \
    X(HARD_SWISH, hard_swish, "HardSwish", true)                                         \
    X(CAST, cast, "Cast", true)                                                          \
    X(MEAN, mean, "Mean", true)                                                          \
    X(CONCAT, concat, "ConcatV2", true)                                                  \
    X(RESHAPE, reshape, "Reshape", false)                                                \
    X(EXPAND_DIMS, expand_dims, "ExpandDims", false)                                     \
    X(SQUEEZE, squeeze, "Squeeze", false)                                                \
    X(STRIDED_SLICE, strided_slice, "StridedSlice", false)                               \
    X(TRANSPOSE, transpose, "Transpose", true)                                           \
    X(GATHER, gather, "GatherV2", false)                                                 \
    X(TOPK, topk, "TopKV2", false)                                                       \
    X(SPARSE_TO_DENSE, sparse_to_dense, "SparseToDense", false)                          \
    X(SPLITV, splitv, "SplitV", false)                                                   \
    X(SOFTMAX, softmax, "Softmax", true)                                                 \
    X(QCONV2D, qconv2d, "CONV_2D (uint8)", true)                                         \
    X(QDEPTHWISE_CONV2D, qdepthwise_conv2d, "DEPTHWISE_CONV_2D (uint8)", true)           \
    X(QCONCAT, qconcat, "CONCATENATION (uint8)", true)                                   \
    X(QLOGISTIC, qlogistic, "LOGISTIC (uint8)", true)                                    \
    X(DEQUANTIZE, dequantize, "DEQUANTIZE", true)                                        \
    X(QUANTIZE, quantize, "QUANTIZE", true)                                              \
    X(DETECTION_POSTPROCESS, detection_postprocess, "TFLite_Detection_PostProcess", false) \
    X(ENTER, enter, "Enter", false)                                                      \
    X(EXIT, exit, "Exit", false)                                                         \
    X(SWITCH, switch, "Switch", false)                                                   \
    X(MERGE, merge, "Merge", false)                                                      \
    X(NEXT_ITERATION, next_iteration, "NextIteration", false)                            \
    X(LOOP_COND, loop_cond, "LoopCond", false)                                           \
    X(CONTROL_DEP, control_dep, "ControlDependency", false)                              \
    X(TA_NEW, ta_new, "TensorArrayV3", false)                                            \
    X(TA_READ, ta_read, "TensorArrayReadV3", false)                                      \
    X(TA_WRITE, ta_write, "TensorArrayWriteV3", false)                                   \
    X(TA_GATHER, ta_gather, "TensorArrayGatherV3", false)                                \
    X(TA_SCATTER, ta_scatter, "TensorArrayScatterV3", false)                             \
    X(TA_SIZE, ta_size, "TensorArraySizeV3", false)                                      \
    X(TA_CONCAT, ta_concat, "TensorArrayConcatV3", false)                                \
    X(NMS, nms, "NonMaxSuppressionV3", false)                                            \
    X(WHERE, where, "Where", false)                                                      \
    X(FILL, fill, "Fill", true)                                                          \
    X(RANGE, range, "Range", false)                                                      \
    X(TILE, tile, "Tile", true)                                                          \
    X(SLICE, slice, "Slice", true)                                                       \
    X(SHAPE, shape, "Shape", false)                                                      \
    X(SIZE, size, "Size", false)                                                         \
    X(RANK, rank, "Rank", false)                                                         \
    X(PACK, pack, "Pack", true)                                                          \
    X(UNPACK, unpack, "Unpack", true)                                                    \
    X(SPLIT, split, "Split", true)                                                       \
    X(ZEROS_LIKE, zeros_like, "ZerosLike", true)                                         \
    X(SELECT, select, "Select", true)                                                    \
    X(FUSED_BATCH_NORM, fused_batch_norm, "FusedBatchNorm", true)                        \
    X(CROP_AND_RESIZE, crop_and_resize, "CropAndResize", true)                           \
    X(LOGICAL_AND, logical_and, "LogicalAnd", true)                                      \
    X(SQRT, sqrt, "Sqrt", true)                                                          \
    X(REDUCE_MAX, reduce_max, "Max", true)                                               \
    X(REDUCE_PROD, reduce_prod, "Prod", true)                                            \
    X(REDUCE_ALL, reduce_all, "All", true)                                               \
    X(MATMUL, matmul, "BatchMatMulV2", true)                                             \
    X(SPACE_TO_BATCH_ND, space_to_batch_nd, "SpaceToBatchND", true)                      \
    X(BATCH_TO_SPACE_ND, batch_to_space_nd, "BatchToSpaceND", true)                      \
    X(GREATER_EQUAL, greater_equal, "GreaterEqual", true)                                \
    X(LESS_EQUAL, less_equal, "LessEqual", true)                                         \
    X(NOT_EQUAL, not_equal, "NotEqual", true)                                            \
    X(POW, pow, "Pow", true)                                                             \
    X(NEG, neg, "Neg", true)                                                             \
    X(ABS, abs, "Abs", true)                                                             \
    X(LOG, log, "Log", true)                                                             \
    X(SQUARE, square, "Square", true)                                                    \
    X(RSQRT, rsqrt, "Rsqrt", true)                                                       \
    X(CEIL, ceil, "Ceil", true)                                                          \
    X(FLOOR, floor, "Floor", true)                                                       \
    X(ROUND, round, "Round", true)                                                       \
    X(REDUCE_SUM, reduce_sum, "Sum", true)                                               \
    X(REDUCE_MIN, reduce_min, "Min", true)                                               \
    X(ARGMAX, argmax, "ArgMax", true)                                                    \
    X(ARGMIN, argmin, "ArgMin", true)                                                    \
    X(CLIP_BY_VALUE, clip_by_value, "ClipByValue", true)                                 \
    X(ONE_HOT, one_hot, "OneHot", true)

#define DECL(E, f, n, par) SEER_DECLARE_OP(f);
OPS(DECL)
#undef DECL
size_t seer_scratch_detection_postprocess(const struct seer_node *nd);
size_t seer_scratch_nms(const struct seer_node *nd);

static struct seer_op_info table[SEER_OP_COUNT];
static const char *names[SEER_OP_COUNT];

static void fill(void)
{
#define ROW(E, f, n, par)                                                                \
    names[SEER_OP_##E] = n;                                                              \
    table[SEER_OP_##E] = (struct seer_op_info){SEER_OP_##E, n, seer_shape_##f, seer_kref_##f, \
                                               NULL, par};
    OPS(ROW)
#undef ROW
    /* Ops whose reference kernel needs planned scratch memory. */
    table[SEER_OP_DETECTION_POSTPROCESS].scratch = seer_scratch_detection_postprocess;
    table[SEER_OP_NMS].scratch = seer_scratch_nms;
}

/* The table is filled on first use, once, even when server threads load models at the
 * same time (two threads filling it together would be a data race). */
static pthread_once_t fill_once = PTHREAD_ONCE_INIT;

const struct seer_op_info *seer_op_info(enum seer_op op)
{
    if ((unsigned)op >= SEER_OP_COUNT)
        return NULL;
    pthread_once(&fill_once, fill);
    if (!table[op].shape || !table[op].ref)
        return NULL;
    return &table[op];
}

const char *seer__op_tf_name(enum seer_op op)
{
    seer_op_info(SEER_OP_IDENTITY);
    return (unsigned)op < SEER_OP_COUNT && names[op] ? names[op] : "UnknownOp";
}
