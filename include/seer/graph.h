/*
 * The in-memory model: values (tensors with names) and nodes (ops reading and writing
 * values), in a graph that owns everything through its model arena.
 *
 * Lifecycle: an importer builds a graph with seer_graph_add_*; seer_graph_prepare()
 * infers every shape, folds constants, removes dead nodes and orders the rest; after
 * that the graph is immutable and shared (read-only) by every plan that runs it
 * (see plan.h). Values and nodes are allocated one by one in the arena, so pointers to
 * them stay valid for the graph's life.
 */
#ifndef SEER_GRAPH_H
#define SEER_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include <seer/status.h>
#include <seer/tensor.h>

struct seer_arena;

/* Every op the engine knows. Importers map their format's op names onto these. */
enum seer_op {
    SEER_OP_IDENTITY = 0,
    /* convolution family (NHWC activations; see struct seer_attrs for weights layout) */
    SEER_OP_CONV2D,          /* in: x, w[KH,KW,CI/groups... see attrs], [bias] */
    SEER_OP_DEPTHWISE_CONV2D,/* in: x, w[KH,KW,C,M], [bias] */
    SEER_OP_MAXPOOL,
    SEER_OP_AVGPOOL,
    SEER_OP_PAD,             /* in: x, paddings[ndim,2], [constant value] */
    SEER_OP_RESIZE_BILINEAR, /* in: x NHWC, size[2] */
    SEER_OP_RESIZE_NEAREST,  /* in: x NHWC, size[2] */
    /* elementwise binary with NumPy/TF broadcasting */
    SEER_OP_ADD,
    SEER_OP_SUB,
    SEER_OP_MUL,
    SEER_OP_DIV,
    SEER_OP_FLOORDIV,
    SEER_OP_FLOORMOD,
    SEER_OP_MAXIMUM,
    SEER_OP_MINIMUM,
    SEER_OP_EQUAL,           /* output bool */
    SEER_OP_LESS,
    SEER_OP_GREATER,
    /* elementwise unary */
    SEER_OP_RELU,
    SEER_OP_RELU6,
    SEER_OP_LEAKY_RELU,      /* attrs.alpha */
    SEER_OP_SIGMOID,
    SEER_OP_TANH,
    SEER_OP_EXP,
    SEER_OP_HARD_SWISH,
    SEER_OP_CAST,            /* attrs.dtype is the target */
    /* reductions and shape ops */
    SEER_OP_MEAN,            /* in: x, axes; attrs.keep_dims */
    SEER_OP_CONCAT,          /* in: x0..xn-1; attrs.axis (may be negative) */
    SEER_OP_RESHAPE,         /* in: x, shape (int, one -1 allowed) */
    SEER_OP_EXPAND_DIMS,     /* in: x, axis */
    SEER_OP_SQUEEZE,         /* attrs.axes / n_axes */
    SEER_OP_STRIDED_SLICE,   /* in: x, begin, end, strides; attrs masks */
    SEER_OP_TRANSPOSE,       /* in: x, perm */
    SEER_OP_GATHER,          /* in: params, indices, axis; attrs.batch_dims */
    SEER_OP_TOPK,            /* in: x, k; out: values, indices(i32); attrs.sorted */
    SEER_OP_SPARSE_TO_DENSE, /* in: indices, output_shape, values, default_value */
    SEER_OP_SPLITV,          /* in: x, size_splits, axis; n_out outputs */
    SEER_OP_SOFTMAX,         /* attrs.axis (last by default) */
    /* TFLite's asymmetric uint8 ops: scale and zero point come from each tensor's q
     * (the output's q is set by the importer), arithmetic as TFLite's integer kernels */
    SEER_OP_QCONV2D,         /* in: x u8 NHWC, w u8 [CO,KH,KW,CI] (OHWI), [bias i32 [CO]] */
    SEER_OP_QDEPTHWISE_CONV2D, /* in: x u8 NHWC, w u8 [1,KH,KW,C*M], [bias i32 [C*M]] */
    SEER_OP_QCONCAT,         /* in: x0..xn-1 u8; attrs.axis; requantised to out's q */
    SEER_OP_QLOGISTIC,       /* in: x u8; out u8 with scale 1/256, zero point 0 */
    SEER_OP_DEQUANTIZE,      /* in: x u8/i8 (q) -> float32 */
    SEER_OP_QUANTIZE,        /* in: x float32 or u8/i8 -> u8/i8 (attrs.dtype, out's q) */
    SEER_OP_DETECTION_POSTPROCESS, /* TFLite_Detection_PostProcess: in: box encodings,
                              * class scores, anchors, params f32[SEER_PP_COUNT]
                              * (enum seer_pp_param); out: boxes, classes,
                              * scores, count (float32) */
    /* TensorFlow 1 dataflow control flow and data-dependent shapes: graphs with these run
     * through the dataflow interpreter (graph/dynexec.c), never a static plan */
    SEER_OP_ENTER,           /* in: x; attrs.frame (loop id, from 1), attrs.is_constant */
    SEER_OP_EXIT,            /* in: x; leaves the loop frame */
    SEER_OP_SWITCH,          /* in: data, pred (bool scalar); out: false, true (one is dead) */
    SEER_OP_MERGE,           /* in: x0..xn-1; out: the live input, its index (int32) */
    SEER_OP_NEXT_ITERATION,  /* in: x; to the next iteration of its frame */
    SEER_OP_LOOP_COND,       /* in: pred (bool scalar) */
    SEER_OP_CONTROL_DEP,     /* in: x, deps...; out: x, dead or in a frame as its deps are
                              * (TensorFlow's control inputs where they carry deadness) */
    SEER_OP_TA_NEW,          /* TensorArrayV3: in: size; out: handle (int32), flow (f32);
                              * attrs.dtype, attrs.dynamic_size */
    SEER_OP_TA_READ,         /* in: handle, index, flow; attrs.dtype */
    SEER_OP_TA_WRITE,        /* in: handle, index, value, flow; out: flow */
    SEER_OP_TA_GATHER,       /* in: handle, indices, flow; attrs.dtype */
    SEER_OP_TA_SCATTER,      /* in: handle, indices, value, flow; out: flow */
    SEER_OP_TA_SIZE,         /* in: handle, flow; out: int32 scalar */
    SEER_OP_TA_CONCAT,       /* in: handle, flow; out: value, lengths (int64); attrs.dtype */
    SEER_OP_NMS,             /* NonMaxSuppressionV2/V3: in: boxes [N,4], scores [N],
                              * max_output_size, iou_threshold, [score_threshold]; out: int32
                              * indices, at most max_output_size (data-dependent count) */
    SEER_OP_WHERE,           /* in: x; out: int64 [count, rank] coordinates of true elements */
    SEER_OP_FILL,            /* in: dims, value */
    SEER_OP_RANGE,           /* in: start, limit, delta (int32 or float32) */
    SEER_OP_TILE,            /* in: x, multiples */
    SEER_OP_SLICE,           /* in: x, begin, size (-1: to the end) */
    SEER_OP_SHAPE,           /* in: x; out: attrs.dtype (int32/int64) vector */
    SEER_OP_SIZE,            /* in: x; out: attrs.dtype scalar */
    SEER_OP_RANK,            /* in: x; out: int32 scalar */
    SEER_OP_PACK,            /* in: x0..xn-1; attrs.axis */
    SEER_OP_UNPACK,          /* in: x; n_out outputs along attrs.axis */
    SEER_OP_SPLIT,           /* in: axis, x; n_out equal pieces */
    SEER_OP_ZEROS_LIKE,
    SEER_OP_SELECT,          /* in: cond (bool), t, e: elementwise, or cond [N] picks rows */
    SEER_OP_FUSED_BATCH_NORM, /* in: x NHWC, scale, offset, mean, variance; attrs.alpha is
                              * epsilon; out: y and four statistics (inference mode) */
    SEER_OP_CROP_AND_RESIZE, /* in: image NHWC, boxes [N,4], box_ind [N], crop_size [2];
                              * bilinear; attrs.alpha is the extrapolation value */
    SEER_OP_LOGICAL_AND,
    SEER_OP_SQRT,
    SEER_OP_REDUCE_MAX,      /* in: x, axes; attrs.keep_dims */
    SEER_OP_REDUCE_PROD,     /* in: x, axes; attrs.keep_dims */
    SEER_OP_REDUCE_ALL,      /* in: x (bool), axes; attrs.keep_dims */
    /* more TensorFlow ops (Faster R-CNN, R-FCN and the atrous Inception-ResNet exports) */
    SEER_OP_MATMUL,          /* MatMul, BatchMatMul(V2): in: a [...,M,K], b [...,K,N] with
                              * broadcast batch dims; attrs.adj_x/adj_y transpose the last two */
    SEER_OP_SPACE_TO_BATCH_ND, /* in: x, block_shape [M], paddings [M,2] */
    SEER_OP_BATCH_TO_SPACE_ND, /* in: x, block_shape [M], crops [M,2] */
    SEER_OP_GREATER_EQUAL,   /* output bool, broadcasting */
    SEER_OP_LESS_EQUAL,
    SEER_OP_NOT_EQUAL,
    SEER_OP_POW,             /* broadcasting */
    SEER_OP_NEG,             /* elementwise unary */
    SEER_OP_ABS,
    SEER_OP_LOG,
    SEER_OP_SQUARE,
    SEER_OP_RSQRT,
    SEER_OP_CEIL,
    SEER_OP_FLOOR,
    SEER_OP_ROUND,           /* half to even, as TensorFlow's Round */
    SEER_OP_REDUCE_SUM,      /* in: x, axes; attrs.keep_dims */
    SEER_OP_REDUCE_MIN,      /* in: x, axes; attrs.keep_dims */
    SEER_OP_ARGMAX,          /* in: x, axis (scalar); out: attrs.dtype (int32/int64) */
    SEER_OP_ARGMIN,
    SEER_OP_CLIP_BY_VALUE,   /* in: t, min, max (scalars or t's shape) */
    SEER_OP_ONE_HOT,         /* in: indices, depth, on, off; attrs.axis (-1: last) */
    SEER_OP_COUNT,
};

/* The params input of SEER_OP_DETECTION_POSTPROCESS: float32[SEER_PP_COUNT], the options
 * of TFLite's custom op (whole numbers for the counts, 0/1 for the flag). */
enum seer_pp_param {
    SEER_PP_MAX_DETECTIONS = 0,
    SEER_PP_MAX_CLASSES_PER_DETECTION,
    SEER_PP_DETECTIONS_PER_CLASS,
    SEER_PP_USE_REGULAR_NMS,
    SEER_PP_SCORE_THRESHOLD,
    SEER_PP_IOU_THRESHOLD,
    SEER_PP_NUM_CLASSES,
    SEER_PP_Y_SCALE,
    SEER_PP_X_SCALE,
    SEER_PP_H_SCALE,
    SEER_PP_W_SCALE,
    SEER_PP_COUNT,
};

enum seer_padding {
    SEER_PAD_VALID = 0,
    SEER_PAD_SAME,           /* TensorFlow SAME: extra pixel at the bottom/right */
    SEER_PAD_EXPLICIT,       /* attrs.pads */
};

/* Activation fused into a conv (after bias). */
enum seer_act {
    SEER_ACT_NONE = 0,
    SEER_ACT_RELU,
    SEER_ACT_RELU6,
    SEER_ACT_LEAKY_RELU,     /* attrs.alpha */
    SEER_ACT_SIGMOID,
    SEER_ACT_HARD_SWISH,
};

/* Elementwise steps a fast convolution applies after its own bias and activation. Only
 * plan-time fusion (graph/fuse.c) sets them, on a plan's private node copies, and only
 * for nodes that run on a fast twin; reference kernels never see them. */
enum seer_post_kind {
    SEER_POST_SUM = 0,        /* y += in[post_sum_input] (a residual, same shape) */
    SEER_POST_LINEAR,         /* y = a*y + b */
    SEER_POST_CLIP,           /* y = min(max(y, a), b) */
    SEER_POST_RELU,           /* y = y > 0 ? y : a*y */
    SEER_POST_SIGMOID,        /* y = 1 / (1 + exp(-y)) */
    SEER_POST_HSWISH,         /* y = (a*y) * min(max(y + 3, 0), 6) */
};

struct seer_post {
    enum seer_post_kind kind;
    float a, b;
    float scale;              /* then y = scale * y; 0 means 1 */
};

#define SEER_MAX_POST 6

/*
 * Op attributes, one flat struct for every op (fields unused by an op stay zero).
 * Spatial fields are in (H, W) order. Conv weights are TensorFlow's HWIO
 * ([KH, KW, CI, CO]); depthwise weights are [KH, KW, C, M] with CO = C*M.
 */
struct seer_attrs {
    int32_t stride[2];        /* conv / pool; 0 means 1 */
    int32_t dilation[2];      /* conv; 0 means 1 */
    int32_t ksize[2];         /* pool window */
    enum seer_padding padding;
    int32_t pads[4];          /* explicit: top, bottom, left, right */
    enum seer_act act;        /* fused activation (conv) */
    float alpha;              /* leaky relu slope (op or fused) */
    bool has_bias;            /* conv: in[2] is a bias [CO] */
    bool has_residual;        /* conv: in[3] (or in[2] without bias) is added before act */
    bool align_corners;       /* resize */
    bool half_pixel_centers;  /* resize */
    bool keep_dims;           /* mean */
    bool sorted;              /* topk */
    int32_t axis;             /* concat, softmax, squeeze */
    int32_t batch_dims;       /* gather */
    int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
    enum seer_dtype dtype;    /* cast target */
    int32_t n_axes;           /* squeeze */
    int32_t axes[SEER_MAX_DIMS];
    int32_t n_post;           /* fused elementwise tail (fast kernels only) */
    struct seer_post post[SEER_MAX_POST];
    int32_t post_sum_input;   /* index in in[] of a SEER_POST_SUM operand */
    int32_t frame;            /* Enter: its loop frame (importers number frames from 1) */
    bool is_constant;         /* Enter: a loop invariant, seen by every iteration */
    bool dynamic_size;        /* TensorArrayV3: may grow past its initial size */
    bool adj_x, adj_y;        /* MatMul: transpose the last two dims of in[0] / in[1] */
};

enum seer_value_kind {
    SEER_VALUE_ACT = 0,      /* produced by a node at run time */
    SEER_VALUE_CONST,        /* data lives in the model arena (or borrowed weights) */
    SEER_VALUE_INPUT,        /* bound by the caller before each run */
};

struct seer_value {
    struct seer_tensor t;     /* first member: a seer_tensor * to t is a seer_value * */
    const char *name;         /* owned by the graph arena */
    enum seer_value_kind kind;
    struct seer_node *producer; /* NULL for inputs and constants */
    int id;                   /* index in graph->values */
    int n_uses;               /* consumers, counting graph outputs; set by prepare */
    bool is_output;
};

struct seer_node {
    enum seer_op op;
    const char *name;         /* owned by the graph arena */
    int id;                   /* index in graph->nodes (topological after prepare) */
    int n_in, n_out;
    struct seer_tensor **in;  /* in[i] == &value->t; NULL for an absent optional input */
    struct seer_tensor **out;
    struct seer_attrs a;
    void *prepared;           /* op-specific state made at prepare time (packed weights) */
};

/* Limits on untrusted models, checked by importers and at prepare time. Zero fields
 * mean the defaults (see seer_limits_default). */
struct seer_limits {
    size_t max_model_bytes;   /* model file plus weights; default 2 GiB */
    int64_t max_elements;     /* elements of any one tensor; default 1 << 30 */
    int max_nodes;            /* default 1 << 20 */
};

/* Fills in the defaults for zero fields of *lim (lim may be NULL: returns defaults). */
struct seer_limits seer_limits_default(const struct seer_limits *lim);

struct seer_graph {
    struct seer_arena *arena; /* owns values, nodes, names, attrs, constants */
    struct seer_value **values;
    int n_values, cap_values;
    struct seer_node **nodes;
    int n_nodes, cap_nodes;
    struct seer_value **inputs;
    int n_inputs;
    struct seer_value **outputs;
    int n_outputs;
    bool prepared;
};

/* Builder. All functions return NULL only for out-of-memory. */
struct seer_graph *seer_graph_new(void);
void seer_graph_free(struct seer_graph *g);        /* frees the arena; NULL ok */

/* A constant. data is copied into the arena when copy is true, else borrowed (valid until
 * the graph is freed: the caller keeps it alive, e.g. an mmapped weights file). */
struct seer_value *seer_graph_add_const(struct seer_graph *g, const char *name,
                                        enum seer_dtype dt, int ndim, const int64_t *dims,
                                        const void *data, bool copy);
/* A model input with a fixed shape. Appended to g->inputs. */
struct seer_value *seer_graph_add_input(struct seer_graph *g, const char *name,
                                        enum seer_dtype dt, int ndim, const int64_t *dims);
/* A node with n_in inputs (entries may be NULL for absent optional inputs) and n_out new
 * activation values named "name" (n_out == 1) or "name:i". Shapes are filled by
 * seer_graph_prepare. */
struct seer_node *seer_graph_add_node(struct seer_graph *g, enum seer_op op, const char *name,
                                      int n_in, struct seer_value *const *in, int n_out);
/* Marks v as a graph output (appended to g->outputs). Returns 0 or ENOMEM. */
int seer_graph_mark_output(struct seer_graph *g, struct seer_value *v);

/* Value of a tensor pointer taken from node->in / node->out. */
static inline struct seer_value *seer_value_of(struct seer_tensor *t)
{
    return (struct seer_value *)t;
}

/* Infers shapes, folds constants, drops nodes the outputs do not need and sorts the
 * rest topologically. Errors (shape mismatch, unknown dims, a cycle) name the node. */
int seer_graph_prepare(struct seer_graph *g, struct seer_err *err);

/* Looks up a value by name (linear scan; for tools and tests). NULL when absent. */
struct seer_value *seer_graph_find(const struct seer_graph *g, const char *name);

/* Name of an op ("Conv2D"). Never NULL. */
const char *seer_op_name(enum seer_op op);

#endif /* SEER_GRAPH_H */
