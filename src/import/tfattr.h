/*
 * TensorFlow node attributes and op mapping, shared by the TF.js graph-model importer
 * (attributes arrive as protobuf JSON) and the GraphDef importer (attributes arrive as
 * protobuf wire format). Each importer decodes a node's AttrValues into the plain
 * structs below; seer__tf_map_op then turns the op name and attributes into a Seer op
 * with its struct seer_attrs, so both formats share one set of TensorFlow semantics.
 *
 * Attribute structs borrow everything (names, strings, lists) from the importer, which
 * keeps them alive (in a scratch arena or the parsed document) while it maps the node.
 */
#ifndef SEER_IMPORT_TFATTR_H
#define SEER_IMPORT_TFATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/status.h>
#include <seer/tensor.h>

/* TensorFlow's DataType enum (tensorflow/core/framework/types.proto), by number. */
enum seer__tf_dt {
    SEER__TF_DT_INVALID = 0,
    SEER__TF_DT_FLOAT = 1,
    SEER__TF_DT_DOUBLE = 2,
    SEER__TF_DT_INT32 = 3,
    SEER__TF_DT_UINT8 = 4,
    SEER__TF_DT_INT16 = 5,
    SEER__TF_DT_INT8 = 6,
    SEER__TF_DT_STRING = 7,
    SEER__TF_DT_COMPLEX64 = 8,
    SEER__TF_DT_INT64 = 9,
    SEER__TF_DT_BOOL = 10,
    SEER__TF_DT_BFLOAT16 = 14,
    SEER__TF_DT_UINT16 = 17,
    SEER__TF_DT_HALF = 19,
    SEER__TF_DT_UINT32 = 22,
    SEER__TF_DT_UINT64 = 23,
};

enum seer__tf_attr_kind {
    SEER__TF_ATTR_OTHER = 0, /* func, placeholder, or a kind we do not read */
    SEER__TF_ATTR_S,
    SEER__TF_ATTR_I,
    SEER__TF_ATTR_F,
    SEER__TF_ATTR_B,
    SEER__TF_ATTR_TYPE,
    SEER__TF_ATTR_SHAPE,
    SEER__TF_ATTR_TENSOR,
    SEER__TF_ATTR_LIST,
};

struct seer__tf_bytes {
    const char *p; /* borrowed; not NUL-terminated */
    size_t n;
};

struct seer__tf_shape {
    bool unknown_rank;
    int ndim;
    int64_t dims[SEER_MAX_DIMS]; /* -1 for an unknown dim */
};

/* A ListValue: TensorFlow lists hold one kind of element, but the message has a field
 * per kind, so each gets its own count. Arrays are borrowed. */
struct seer__tf_list {
    int n_s, n_i, n_f, n_b, n_type;
    const struct seer__tf_bytes *s;
    const int64_t *i;
    const float *f;
    const bool *b;
    const int *type;
};

struct seer__tf_attr {
    const char *name; /* borrowed */
    enum seer__tf_attr_kind kind;
    struct seer__tf_bytes s;     /* kind S */
    int64_t i;                   /* kind I */
    float f;                     /* kind F */
    bool b;                      /* kind B */
    int type;                    /* kind TYPE: enum seer__tf_dt */
    struct seer__tf_shape shape; /* kind SHAPE */
    struct seer__tf_list list;   /* kind LIST */
    const void *tensor;          /* kind TENSOR: the importer's own handle, borrowed */
};

/* One node as the op mapper sees it: name, op type and decoded attributes. */
struct seer__tf_node {
    const char *name; /* borrowed */
    const char *op;   /* borrowed */
    int n_attr;
    const struct seer__tf_attr *attr; /* borrowed array of n_attr */
};

/* What a TensorFlow node becomes. */
struct seer__tf_op {
    enum seer_op op;
    struct seer_attrs a;
    int n_out;           /* outputs the node makes (TopKV2: 2, SplitV: num_split) */
    bool axis_from_last; /* ConcatV2: the last input is the axis; the importer reads
                            that constant into a.axis and passes only the others */
    bool zero_axis;      /* Gather (v1): the importer appends a constant axis 0 */
    const char *frame;   /* Enter: its frame_name (borrowed from the node, NUL-terminated
                            only up to frame_len); the importer numbers frames */
    size_t frame_len;
};

/* Data types */
/* "DT_FLOAT" -> SEER__TF_DT_FLOAT. False for an unknown name. */
bool seer__tf_dt_parse(const char *s, int *out);
/* "DT_FLOAT", or "DT_<number>" style text for others; never NULL. */
const char *seer__tf_dt_name(int dt);
/* Maps a TensorFlow dtype to a Seer dtype. With tfjs set, the mapping follows TF.js,
 * which has only float32, int32 and bool: every float type becomes F32 and every integer
 * type I32 (TF.js converts int64 weights and casts to int32). False when unsupported. */
bool seer__tf_dt_to_seer(int dt, bool tfjs, enum seer_dtype *out);

/* Standard or URL-safe base64 with optional padding into out (room for n / 4 * 3 + 3
 * bytes). False on a bad character or length. */
bool seer__base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_n);

/* Attributes */
/* The attribute called name, or NULL. */
const struct seer__tf_attr *seer__tf_attr_find(const struct seer__tf_node *nd, const char *name);
/* True when a's kind is S and its bytes equal the C string s. */
bool seer__tf_bytes_eq(struct seer__tf_bytes b, const char *s);

/* Op mapping */
/* Maps node nd, which has n_in data inputs (control inputs already dropped), onto a Seer
 * op. Placeholder, Const and NoOp are the importer's business and are not accepted here.
 * tfjs selects TF.js dtype semantics for Cast. EUNSUPPORTED for an unknown op or an
 * unsupported attribute value, EFORMAT for a wrong input count or a malformed attribute;
 * messages name the node. */
int seer__tf_map_op(const struct seer__tf_node *nd, int n_in, bool tfjs, struct seer__tf_op *out,
                    struct seer_err *err);

#endif /* SEER_IMPORT_TFATTR_H */
