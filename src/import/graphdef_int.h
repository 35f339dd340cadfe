/*
 * Internals of the TensorFlow GraphDef importer, shared by graphdef_pb.c (decoding
 * NodeDef, AttrValue, TensorShapeProto and TensorProto from the wire), graphdef.c
 * (building the engine's graph) and savedmodel.c (which feeds a MetaGraphDef's GraphDef
 * and resolves its variables from the checkpoint).
 *
 * Everything decoded borrows the file's bytes (valid for the import call) or lives in
 * the importer's scratch arena; constants are copied into the graph's arena.
 */
#ifndef SEER_IMPORT_GRAPHDEF_INT_H
#define SEER_IMPORT_GRAPHDEF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/status.h>

#include "import/import.h"
#include "import/pb.h"
#include "import/tfattr.h"

struct seer_arena;

/* A TensorProto as found on the wire: its dtype, shape and where its values are. */
struct seer__gd_tensor {
    int dtype;                     /* enum seer__tf_dt */
    struct seer__tf_shape shape;   /* never unknown_rank for a valid tensor */
    struct seer__pb_field content; /* tensor_content (len 0 when absent) */
    struct seer__pb msg;           /* the whole TensorProto, for the typed *_val fields */
    size_t off;                    /* its offset, for messages */
};

/* One reference to a node output: "name", "name:2" or "^name" (control). */
struct seer__gd_ref {
    int node; /* index in the node table */
    int idx;  /* output index (0 for a control input) */
    bool ctrl;
};

struct seer__gd_node {
    const char *name; /* NUL-terminated, scratch arena */
    const char *op;   /* NUL-terminated, scratch arena */
    size_t off;       /* offset of the NodeDef, for messages */
    int n_in;         /* all inputs, data inputs first as written */
    struct seer__gd_ref *in;
    const struct seer__pb_field *in_text; /* the input strings, for resolving */
    int n_attr;
    struct seer__tf_attr *attr; /* decoded attributes (scratch) */
    int state;                  /* importer's use (needed, built, ...) */
};

/* Parses every NodeDef of a GraphDef (bytes p[0..n) read through r, a reader whose base
 * is the file's start) into *nodes (scratch arena). Attributes are decoded, inputs are
 * kept as text for the caller to resolve. Limits: lim->max_nodes. */
int seer__gd_parse_nodes(struct seer__pb *r, const struct seer_limits *lim,
                         struct seer_arena *scratch, struct seer__gd_node **nodes, int *n_nodes,
                         struct seer_err *err);

/* The TENSOR attribute "value" of node nd decoded into a Seer dtype, shape and data
 * (copied into a; *data is NULL for an empty tensor with no bytes). Values come from
 * tensor_content or from the typed *_val fields, where fewer values than elements means
 * the last one repeats (none: zeros), as TensorFlow reads them. Sizes are checked against
 * lim->max_elements and budget (bytes constants may still take; decremented).
 * DT_STRING and other types the engine lacks are EUNSUPPORTED naming the node. */
int seer__gd_const_value(const struct seer__gd_node *nd, const struct seer_limits *lim,
                         struct seer_arena *a, size_t *budget, enum seer_dtype *dt, int *ndim,
                         int64_t *dims, void **data, struct seer_err *err);

/* A TensorShapeProto (LEN field f read by r) into *out; unknown dims are -1. More dims
 * than SEER_MAX_DIMS is EUNSUPPORTED. */
int seer__gd_shape(const struct seer__pb *r, const struct seer__pb_field *f,
                   struct seer__tf_shape *out, struct seer_err *err);

/* ---- graph building (graphdef.c) ---- */

/* Supplies the value of a variable node (VariableV2, VarHandleOp) from a checkpoint:
 * a constant in g, or ENOTFOUND. */
typedef int (*seer__gd_var_fn)(void *ctx, const char *name, struct seer_graph *g,
                               struct seer_value **out, struct seer_err *err);

struct seer__gd_opts {
    const char *const *outputs; /* tensor names ("y:0"); NULL: every sink */
    int n_outputs;
    const char *const *feeds; /* tensor names that become graph inputs */
    const int *feed_dtypes;   /* enum seer__tf_dt per feed */
    int n_feeds;
    seer__gd_var_fn variable; /* NULL: variables are an error */
    void *var_ctx;
    const struct seer_import_opts *io; /* may be NULL */
};

/* Builds the graph from the GraphDef message read through r (see graphdef.c). */
int seer__gd_build(struct seer__pb *r, const struct seer_limits *lim, const struct seer__gd_opts *o,
                   struct seer_graph **out, struct seer_err *err);

#endif /* SEER_IMPORT_GRAPHDEF_INT_H */
