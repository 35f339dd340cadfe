/*
 * Internals of the TFLite importer, shared by tflite.c (model, tensors, buffers, graph
 * assembly) and tflite_ops.c (one mapping per operator, options, custom ops). Everything
 * borrows the model bytes, which the graph's arena owns for the graph's life.
 */
#ifndef SEER_IMPORT_TFLITE_INT_H
#define SEER_IMPORT_TFLITE_INT_H

#include <stdint.h>

#include <seer/graph.h>
#include <seer/status.h>

#include "import/flatbuf.h"

/* TFLite BuiltinOperator codes the importer maps. */
enum {
    SEER__TFL_CONCATENATION = 2,
    SEER__TFL_CONV_2D = 3,
    SEER__TFL_DEPTHWISE_CONV_2D = 4,
    SEER__TFL_DEQUANTIZE = 6,
    SEER__TFL_LOGISTIC = 14,
    SEER__TFL_RESHAPE = 22,
    SEER__TFL_CUSTOM = 32,
    SEER__TFL_QUANTIZE = 114,
};

/* TFLite TensorType codes. */
enum {
    SEER__TFL_FLOAT32 = 0,
    SEER__TFL_FLOAT16 = 1,
    SEER__TFL_INT32 = 2,
    SEER__TFL_UINT8 = 3,
    SEER__TFL_INT64 = 4,
    SEER__TFL_BOOL = 6,
    SEER__TFL_INT16 = 7,
    SEER__TFL_INT8 = 9,
};

struct seer__tfl_tensor {
    const char *name; /* borrowed from the model bytes */
    int type;         /* TFLite TensorType */
    int dt;           /* enum seer_dtype, or -1 when Seer has no such type */
    int ndim;
    int64_t dims[SEER_MAX_DIMS];
    struct seer_quant q;
    const uint8_t *data; /* constant bytes (borrowed), or NULL */
    size_t nbytes;
    bool is_input;        /* listed in the subgraph's inputs */
    struct seer_value *v; /* its graph value, once made */
};

struct seer__tfl {
    struct seer_fb fb; /* the model bytes (owned by g's arena) */
    struct seer_graph *g;
    const struct seer_limits *lim;
    struct seer_err *err;
    struct seer__tfl_tensor *t; /* seer_calloc'd, n_t entries */
    uint32_t n_t;
};

/* The graph value of tensor idx read by operator op (its number, for messages):
 * constants and inputs are made on first use; anything else must have been written by
 * an earlier operator. EFORMAT names the operator and the tensor. */
int seer__tfl_value(struct seer__tfl *c, uint32_t op, int32_t idx, struct seer_value **out);

/* Adds the node for operator number op (table t, operator code code, custom code custom
 * or NULL) to the graph and binds its outputs. EUNSUPPORTED names the operator. */
int seer__tfl_add_op(struct seer__tfl *c, uint32_t op, const struct seer_fb_table *t, int32_t code,
                     const char *custom);

/* "CONV_2D" for a builtin operator code; NULL when unknown. */
const char *seer__tfl_op_name(int32_t code);

#endif /* SEER_IMPORT_TFLITE_INT_H */
