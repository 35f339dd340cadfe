/*
 * Protobuf-JSON pieces of a TF.js model.json, decoded into the structs of tfattr.h:
 * node attributes (AttrValue), shapes (TensorShapeProto) and inline constant tensors
 * (TensorProto). Internal to the TF.js importer.
 *
 * Everything decoded borrows from the cJSON tree or lives in the arena given.
 */
#ifndef SEER_IMPORT_TFJS_JSON_H
#define SEER_IMPORT_TFJS_JSON_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <seer/graph.h>
#include <seer/status.h>

#include "import/tfattr.h"

struct seer_arena;

/* A decoded constant. */
struct seer__tfjs_const {
    enum seer_dtype dt; /* F32, I32 or BOOL (TF.js dtypes) */
    int ndim;
    int64_t dims[SEER_MAX_DIMS];
    int64_t numel;
    void *data; /* borrowed from the arena it was decoded into */
};

/* Decodes the "attr" object of node js (named name, op op) into *nd; arrays live in
 * scratch. Errors name the node and attribute. */
int seer__tfjs_node_attrs(const cJSON *js, const char *name, const char *op,
                          struct seer_arena *scratch, struct seer__tf_node *nd,
                          struct seer_err *err);
/* A TensorShapeProto: dims without a size are 0 (protobuf's JSON omits zeros), -1 is
 * unknown. name is the node, for messages. */
int seer__tfjs_shape(const cJSON *js, const char *name, struct seer__tf_shape *sh,
                     struct seer_err *err);
/* An inline TensorProto (dtype, tensorShape and tensorContent or xxxVal lists) of Const
 * node name into *cv, data allocated in a. *budget is the bytes inline constants may
 * still take (a short list can describe a big tensor); it is reduced. */
int seer__tfjs_inline_tensor(const cJSON *tj, const char *name, const struct seer_limits *lim,
                             struct seer_arena *a, size_t *budget, struct seer__tfjs_const *cv,
                             struct seer_err *err);
/* True when tj carries values (rather than only a dtype and a shape, as TF.js Const
 * nodes whose values are in the weights do). */
bool seer__tfjs_tensor_has_values(const cJSON *tj);

#endif /* SEER_IMPORT_TFJS_JSON_H */
