/*
 * TFLite operators to Seer nodes: builtin options, fused activations, the custom
 * TFLite_Detection_PostProcess (its options are a FlexBuffers map), and the names of
 * the builtin operators for messages. Quantised (uint8) operators map to the q ops of
 * graph.h, which compute exactly as TFLite's integer kernels; float operators map to
 * the float ops where Seer has them. Anything else is refused with the operator's name.
 */
#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "import/flexbuf.h"
#include "import/tflite_int.h"

/* Field ids (schema.fbs order). */
enum {
    OP_INPUTS = 1,
    OP_OUTPUTS = 2,
    OP_OPTIONS_TYPE = 3,
    OP_OPTIONS = 4,
    OP_CUSTOM = 5,
    OP_CUSTOM_FORMAT = 6
};
/* BuiltinOptions union members. */
enum { OPT_CONV = 1, OPT_DEPTHWISE = 2, OPT_CONCAT = 10, OPT_RESHAPE = 17 };
enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU6 = 3 };
enum { PAD_SAME = 0, PAD_VALID = 1 };

#define MAX_IN 16

/* clang-format off */
static const char *const builtin_names[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
    "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL",
    "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
    "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL",
    "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE",
    "FILL", "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG",
    "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D",
    "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
    "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM",
    "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE",
};
/* clang-format on */

const char *seer__tfl_op_name(int32_t code)
{
    if (code < 0 || (size_t)code >= sizeof(builtin_names) / sizeof(builtin_names[0]))
        return NULL;
    return builtin_names[code];
}

/* One operator being mapped. */
struct op {
    struct seer__tfl *c;
    uint32_t index;
    const struct seer_fb_table *t;
    struct seer_fb_vec in, out;
    struct seer_value *x[MAX_IN]; /* inputs (NULL for an absent optional one) */
    const char *name;             /* node name: its first output tensor's name */
};

static int unsupported(struct op *o, const char *what)
{
    return seer_errf(o->c->err, SEER_EUNSUPPORTED, "%s", what);
}

/* Reads the inputs (an index of -1 is an absent optional input). */
static int gather_inputs(struct op *o)
{
    if (o->in.n > MAX_IN)
        return seer_errf(o->c->err, SEER_EUNSUPPORTED, "%u inputs (at most %d)", o->in.n, MAX_IN);
    for (uint32_t i = 0; i < o->in.n; i++) {
        int32_t idx = seer_fb_vec_i32(&o->in, i);
        int rc;
        o->x[i] = NULL;
        if (idx == -1)
            continue;
        if ((rc = seer__tfl_value(o->c, o->index, idx, &o->x[i])))
            return rc;
    }
    return SEER_OK;
}

static int want_inputs(struct op *o, uint32_t lo, uint32_t hi, uint32_t n_out)
{
    if (o->in.n < lo || o->in.n > hi || o->out.n != n_out)
        return seer_errf(o->c->err, SEER_EFORMAT,
                         "has %u inputs and %u outputs (expected %u to %u inputs, %u outputs)",
                         o->in.n, o->out.n, lo, hi, n_out);
    for (uint32_t i = 0; i < lo; i++)
        if (!o->x[i])
            return seer_errf(o->c->err, SEER_EFORMAT, "input %u is missing", i);
    return SEER_OK;
}

/* The options table when its union type is want; *has false when absent. */
static int options(struct op *o, uint8_t want, struct seer_fb_table *opt, bool *has)
{
    uint8_t type;
    int rc = seer_fb_u8(o->t, OP_OPTIONS_TYPE, 0, &type);

    *has = false;
    if (rc)
        return rc;
    if (type == 0)
        return SEER_OK;
    if (type != want)
        return seer_errf(o->c->err, SEER_EFORMAT, "options of type %u (expected %u)", type, want);
    return seer_fb_union(o->t, OP_OPTIONS, opt, has);
}

static int act_of(struct op *o, int8_t a, enum seer_act *out)
{
    switch (a) {
    case ACT_NONE: *out = SEER_ACT_NONE; return SEER_OK;
    case ACT_RELU: *out = SEER_ACT_RELU; return SEER_OK;
    case ACT_RELU6: *out = SEER_ACT_RELU6; return SEER_OK;
    default:
        return seer_errf(o->c->err, SEER_EUNSUPPORTED, "fused activation %d is not supported", a);
    }
}

/* Adds the node and binds its outputs to their tensors (names and quantisation). */
static int emit(struct op *o, enum seer_op sop, int n_in, const struct seer_attrs *a,
                struct seer_node **out)
{
    struct seer__tfl *c = o->c;
    struct seer_node *nd = seer_graph_add_node(c->g, sop, o->name, n_in, o->x, (int)o->out.n);

    if (!nd)
        return seer_errf(c->err, SEER_ENOMEM, "out of memory");
    if (a)
        nd->a = *a;
    for (uint32_t i = 0; i < o->out.n; i++) {
        int32_t idx = seer_fb_vec_i32(&o->out, i);
        struct seer_value *v = seer_value_of(nd->out[i]);
        struct seer__tfl_tensor *t;
        if (idx < 0 || (uint32_t)idx >= c->n_t)
            return seer_errf(c->err, SEER_EFORMAT, "output %u: tensor index %d out of range", i,
                             idx);
        t = &c->t[idx];
        if (t->v || t->data || t->is_input)
            return seer_errf(c->err, SEER_EFORMAT,
                             "output %u: tensor %d '%s' is already a constant, an input or "
                             "another operator's output",
                             i, idx, t->name);
        v->name = seer_arena_strdup(c->g->arena, t->name);
        if (!v->name)
            return seer_errf(c->err, SEER_ENOMEM, "out of memory");
        v->t.q = t->q;
        /* The declared type, so later operators can be mapped by it; the shape
         * functions set the real one at prepare time. */
        if (t->dt >= 0)
            v->t.dtype = (enum seer_dtype)t->dt;
        t->v = v;
    }
    if (out)
        *out = nd;
    return SEER_OK;
}

static bool is_u8(const struct seer_value *v)
{
    return v && v->t.dtype == SEER_DTYPE_U8;
}

static int conv(struct op *o, bool depthwise)
{
    struct seer_attrs a = {0};
    struct seer_fb_table opt;
    int8_t pad = 0, act = 0;
    int32_t sw = 1, sh = 1, dw = 1, dh = 1;
    bool has;
    int rc;

    if ((rc = want_inputs(o, 2, 3, 1)) ||
        (rc = options(o, depthwise ? OPT_DEPTHWISE : OPT_CONV, &opt, &has)))
        return rc;
    if (has) {
        /* Depthwise has depth_multiplier at field 3, which moves the later fields. */
        int f_act = depthwise ? 4 : 3, f_dil = depthwise ? 5 : 4;
        if ((rc = seer_fb_i8(&opt, 0, 0, &pad)) || (rc = seer_fb_i32(&opt, 1, 1, &sw)) ||
            (rc = seer_fb_i32(&opt, 2, 1, &sh)) || (rc = seer_fb_i8(&opt, f_act, 0, &act)) ||
            (rc = seer_fb_i32(&opt, f_dil, 1, &dw)) || (rc = seer_fb_i32(&opt, f_dil + 1, 1, &dh)))
            return rc;
    }
    if (pad != PAD_SAME && pad != PAD_VALID)
        return seer_errf(o->c->err, SEER_EFORMAT, "unknown padding %d", pad);
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || sw > 4096 || sh > 4096 || dw > 4096 || dh > 4096)
        return seer_errf(o->c->err, SEER_EFORMAT, "strides %d,%d or dilations %d,%d out of range",
                         sh, sw, dh, dw);
    if ((rc = act_of(o, act, &a.act)))
        return rc;
    if (!is_u8(o->x[0]) || !is_u8(o->x[1]))
        return unsupported(o, "only uint8 (asymmetric quantised) convolutions are supported");
    a.padding = pad == PAD_SAME ? SEER_PAD_SAME : SEER_PAD_VALID;
    a.stride[0] = sh;
    a.stride[1] = sw;
    a.dilation[0] = dh;
    a.dilation[1] = dw;
    a.has_bias = o->in.n > 2 && o->x[2];
    return emit(o, depthwise ? SEER_OP_QDEPTHWISE_CONV2D : SEER_OP_QCONV2D, (int)o->in.n, &a, NULL);
}

static int concat(struct op *o)
{
    struct seer_attrs a = {0};
    struct seer_fb_table opt;
    int32_t axis = 0;
    int8_t act = 0;
    bool has, q;
    int rc;

    if (o->in.n < 1 || o->out.n != 1)
        return seer_errf(o->c->err, SEER_EFORMAT, "needs inputs and one output");
    for (uint32_t i = 0; i < o->in.n; i++)
        if (!o->x[i])
            return seer_errf(o->c->err, SEER_EFORMAT, "input %u is missing", i);
    if ((rc = options(o, OPT_CONCAT, &opt, &has)))
        return rc;
    if (has && ((rc = seer_fb_i32(&opt, 0, 0, &axis)) || (rc = seer_fb_i8(&opt, 1, 0, &act))))
        return rc;
    if (act != ACT_NONE)
        return unsupported(o, "a fused activation on CONCATENATION is not supported");
    q = is_u8(o->x[0]);
    for (uint32_t i = 0; i < o->in.n; i++)
        if (is_u8(o->x[i]) != q)
            return seer_errf(o->c->err, SEER_EFORMAT, "input %u's type differs from input 0's", i);
    a.axis = axis;
    return emit(o, q ? SEER_OP_QCONCAT : SEER_OP_CONCAT, (int)o->in.n, &a, NULL);
}

static int reshape(struct op *o)
{
    struct seer_fb_table opt;
    struct seer_fb_vec ns;
    bool has;
    int rc;

    if (o->in.n < 1 || o->in.n > 2 || o->out.n != 1 || !o->x[0])
        return seer_errf(o->c->err, SEER_EFORMAT, "expects x, an optional shape and one output");
    if (o->in.n < 2 || !o->x[1]) {
        /* Older models give the new shape only in the options. */
        int32_t dims[SEER_MAX_DIMS];
        int64_t n;
        if ((rc = options(o, OPT_RESHAPE, &opt, &has)))
            return rc;
        if (!has)
            return seer_errf(o->c->err, SEER_EFORMAT, "has neither a shape input nor new_shape");
        if ((rc = seer_fb_vector(&opt, 0, 4, &ns)))
            return rc;
        if (ns.n > SEER_MAX_DIMS)
            return seer_errf(o->c->err, SEER_EUNSUPPORTED, "new_shape of rank %u", ns.n);
        for (uint32_t i = 0; i < ns.n; i++)
            dims[i] = seer_fb_vec_i32(&ns, i);
        n = ns.n;
        char *nm = seer_arena_printf(o->c->g->arena, "%s/new_shape", o->name);
        o->x[1] = nm ? seer_graph_add_const(o->c->g, nm, SEER_DTYPE_I32, 1, &n, dims, true) : NULL;
        if (!o->x[1])
            return seer_errf(o->c->err, SEER_ENOMEM, "out of memory");
    }
    return emit(o, SEER_OP_RESHAPE, 2, NULL, NULL);
}

static int unary(struct op *o, int32_t code)
{
    struct seer_attrs a = {0};
    int rc = want_inputs(o, 1, 1, 1);
    const struct seer_value *x = o->x[0];
    const struct seer__tfl_tensor *y;
    int32_t yi;

    if (rc)
        return rc;
    switch (code) {
    case SEER__TFL_LOGISTIC:
        if (x->t.dtype == SEER_DTYPE_F32)
            return emit(o, SEER_OP_SIGMOID, 1, NULL, NULL);
        if (!is_u8(x))
            return unsupported(o, "LOGISTIC is supported on uint8 and float32 only");
        return emit(o, SEER_OP_QLOGISTIC, 1, NULL, NULL);
    case SEER__TFL_DEQUANTIZE:
        if (x->t.dtype == SEER_DTYPE_F16) {
            /* float16 weights stored for size: a plain conversion. */
            a.dtype = SEER_DTYPE_F32;
            return emit(o, SEER_OP_CAST, 1, &a, NULL);
        }
        return emit(o, SEER_OP_DEQUANTIZE, 1, NULL, NULL);
    default: /* QUANTIZE: the output tensor's type is the target */
        yi = seer_fb_vec_i32(&o->out, 0);
        if (yi < 0 || (uint32_t)yi >= o->c->n_t)
            return seer_errf(o->c->err, SEER_EFORMAT, "output tensor index %d out of range", yi);
        y = &o->c->t[yi];
        if (y->dt != SEER_DTYPE_U8 && y->dt != SEER_DTYPE_I8)
            return unsupported(o, "QUANTIZE to a type other than uint8 or int8");
        a.dtype = (enum seer_dtype)y->dt;
        return emit(o, SEER_OP_QUANTIZE, 1, &a, NULL);
    }
}

/* One FlexBuffers option as a float; required ones missing are an error. */
static int flex_opt(struct op *o, const struct seer_flex_ref *map, const char *key, double def,
                    bool required, float *out)
{
    struct seer_flex_ref v;
    bool found;
    double d;
    int rc = seer_flex_map_get(map, key, &v, &found, o->c->err);

    *out = (float)def;
    if (rc)
        return rc;
    if (!found || v.type == SEER_FLEX_NULL) {
        if (required)
            return seer_errf(o->c->err, SEER_EFORMAT, "custom option '%s' is missing", key);
        return SEER_OK;
    }
    if ((rc = seer_flex_as_double(&v, &d, o->c->err))) {
        seer_err_prefix(o->c->err, "custom option '%s': ", key);
        return rc;
    }
    if (!isfinite(d) || fabs(d) > 1e9)
        return seer_errf(o->c->err, SEER_EFORMAT, "custom option '%s' is %g", key, d);
    *out = (float)d;
    return SEER_OK;
}

static int detection_postprocess(struct op *o)
{
    static const struct {
        const char *key;
        int slot;
        double def;
        bool required;
    } keys[] = {
        {"max_detections", SEER_PP_MAX_DETECTIONS, 0, true},
        {"max_classes_per_detection", SEER_PP_MAX_CLASSES_PER_DETECTION, 0, true},
        {"detections_per_class", SEER_PP_DETECTIONS_PER_CLASS, 100, false},
        {"use_regular_nms", SEER_PP_USE_REGULAR_NMS, 0, false},
        {"nms_score_threshold", SEER_PP_SCORE_THRESHOLD, 0, true},
        {"nms_iou_threshold", SEER_PP_IOU_THRESHOLD, 0, true},
        {"num_classes", SEER_PP_NUM_CLASSES, 0, true},
        {"y_scale", SEER_PP_Y_SCALE, 0, true},
        {"x_scale", SEER_PP_X_SCALE, 0, true},
        {"h_scale", SEER_PP_H_SCALE, 0, true},
        {"w_scale", SEER_PP_W_SCALE, 0, true},
    };
    float params[SEER_PP_COUNT] = {0};
    struct seer_flex_ref root;
    struct seer_fb_vec blob;
    int64_t n = SEER_PP_COUNT;
    int8_t format;
    int rc;

    if ((rc = want_inputs(o, 3, 3, 4)) || (rc = seer_fb_vector(o->t, OP_CUSTOM, 1, &blob)) ||
        (rc = seer_fb_i8(o->t, OP_CUSTOM_FORMAT, 0, &format)))
        return rc;
    if (format != 0)
        return seer_errf(o->c->err, SEER_EUNSUPPORTED, "custom options format %d", format);
    if ((rc = seer_flex_root(seer_fb_vec_data(&blob), blob.n, &root, o->c->err))) {
        seer_err_prefix(o->c->err, "custom options: ");
        return rc;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        rc = flex_opt(o, &root, keys[i].key, keys[i].def, keys[i].required, &params[keys[i].slot]);
        if (rc)
            return rc;
    }
    char *nm = seer_arena_printf(o->c->g->arena, "%s/params", o->name);
    o->x[3] = nm ? seer_graph_add_const(o->c->g, nm, SEER_DTYPE_F32, 1, &n, params, true) : NULL;
    if (!o->x[3])
        return seer_errf(o->c->err, SEER_ENOMEM, "out of memory");
    return emit(o, SEER_OP_DETECTION_POSTPROCESS, 4, NULL, NULL);
}

int seer__tfl_add_op(struct seer__tfl *c, uint32_t index, const struct seer_fb_table *t,
                     int32_t code, const char *custom)
{
    const char *opname = code == SEER__TFL_CUSTOM && custom ? custom : seer__tfl_op_name(code);
    struct op o = {0};
    int32_t first;
    int rc;

    o.c = c;
    o.index = index;
    o.t = t;
    o.name = "";
    if ((rc = seer_fb_vector(t, OP_INPUTS, 4, &o.in)) ||
        (rc = seer_fb_vector(t, OP_OUTPUTS, 4, &o.out)))
        goto out;
    first = o.out.n ? seer_fb_vec_i32(&o.out, 0) : -1;
    if (first >= 0 && (uint32_t)first < c->n_t)
        o.name = c->t[first].name;
    switch (code) {
    case SEER__TFL_CONV_2D:
    case SEER__TFL_DEPTHWISE_CONV_2D:
    case SEER__TFL_CONCATENATION:
    case SEER__TFL_RESHAPE:
    case SEER__TFL_LOGISTIC:
    case SEER__TFL_DEQUANTIZE:
    case SEER__TFL_QUANTIZE: break;
    case SEER__TFL_CUSTOM:
        if (custom && !strcmp(custom, "TFLite_Detection_PostProcess"))
            break;
        rc = seer_errf(c->err, SEER_EUNSUPPORTED, "this custom operator is not supported");
        goto out;
    default: rc = seer_errf(c->err, SEER_EUNSUPPORTED, "this operator is not supported"); goto out;
    }
    if ((rc = gather_inputs(&o)))
        goto out;
    switch (code) {
    case SEER__TFL_CONV_2D: rc = conv(&o, false); break;
    case SEER__TFL_DEPTHWISE_CONV_2D: rc = conv(&o, true); break;
    case SEER__TFL_CONCATENATION: rc = concat(&o); break;
    case SEER__TFL_RESHAPE: rc = reshape(&o); break;
    case SEER__TFL_CUSTOM: rc = detection_postprocess(&o); break;
    default: rc = unary(&o, code); break;
    }
out:
    if (rc) {
        if (opname)
            seer_err_prefix(c->err, "operator %u (%s): ", index, opname);
        else
            seer_err_prefix(c->err, "operator %u (builtin code %d): ", index, (int)code);
    }
    return rc;
}
