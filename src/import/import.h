/*
 * Model importers: each turns a model file format into a struct seer_graph (see
 * include/seer/graph.h). Importers read untrusted bytes: every size is checked against
 * struct seer_limits and every error names its place (node, weight, byte offset).
 *
 * The graph returned through *out is owned by the caller (seer_graph_free). On failure
 * *out is NULL and nothing leaks. The importers copy (and dequantise) what they keep, so
 * the input buffers are only borrowed for the duration of the call.
 */
#ifndef SEER_IMPORT_H
#define SEER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/signature.h>
#include <seer/status.h>
#include <seer/tensor.h>

struct seer_arena;

/* Options shared by the importers. A zeroed struct (or NULL) means the defaults. */
struct seer_import_opts {
    /* Shape for a model input whose dims the model leaves unknown (-1), e.g. from the
     * model manifest's input size. Used only for the unknown dims, and only when its rank
     * matches the input's. input_ndim 0: none. */
    int input_ndim;
    int64_t input_dims[SEER_MAX_DIMS];
    /* GraphDef: the tensor names ("detection_boxes", "y:0") to make the graph's outputs;
     * NULL means every node whose value nothing consumes. Borrowed for the call. */
    const char *const *outputs;
    int n_outputs;
};

/* TF.js graph models */
/* Parses a TF.js graph model from memory: json[0..n) is model.json; weights[0..n_weights)
 * is the concatenation of its shards in manifest order. Builds *out (caller frees).
 * lim may be NULL for the defaults. */
int seer_tfjs_import_mem(const uint8_t *json, size_t n, const uint8_t *weights, size_t n_weights,
                         const struct seer_limits *lim, struct seer_graph **out,
                         struct seer_err *err);
/* Reads path (model.json) and its shards from the same folder. A missing shard is EIO
 * and a shard whose size differs from what the manifest implies is EFORMAT; both name
 * the file. */
int seer_tfjs_import_file(const char *path, const struct seer_limits *lim, struct seer_graph **out,
                          struct seer_err *err);
/* The same with options (opts may be NULL). */
int seer_tfjs_import_mem_opts(const uint8_t *json, size_t n, const uint8_t *weights,
                              size_t n_weights, const struct seer_limits *lim,
                              const struct seer_import_opts *opts, struct seer_graph **out,
                              struct seer_err *err);
int seer_tfjs_import_file_opts(const char *path, const struct seer_limits *lim,
                               const struct seer_import_opts *opts, struct seer_graph **out,
                               struct seer_err *err);

/* TFLite flatbuffers (.tflite, schema version 3) */
/* Parses a TFLite model from memory (p[0..n) is copied into the graph's arena, and the
 * constant tensors use their buffers in place there). Imports subgraph 0; tensors keep
 * their TFLite names and per-tensor quantisation. Builds *out (caller frees). Unsupported
 * operators, types and per-axis quantisation are EUNSUPPORTED naming the operator or
 * tensor; malformed bytes are EFORMAT naming the byte offset. lim may be NULL. */
int seer_tflite_import_mem(const uint8_t *p, size_t n, const struct seer_limits *lim,
                           struct seer_graph **out, struct seer_err *err);
/* The same for a file (read whole, up to lim->max_model_bytes); errors name the path. */
int seer_tflite_import_file(const char *path, const struct seer_limits *lim,
                            struct seer_graph **out, struct seer_err *err);

/* TensorFlow GraphDef (.pb: frozen graphs such as frozen_inference_graph.pb) */
/* Parses a serialized GraphDef from p[0..n) (borrowed for the call) and builds what its
 * outputs need: opts->outputs, or every node nothing consumes. TF1 control flow
 * (while loops, tf.cond) and TensorArrays are kept for the dataflow interpreter;
 * placeholders keep unknown dims as -1 unless opts give them. Malformed bytes are
 * EFORMAT naming the byte offset or node; unsupported ops EUNSUPPORTED naming the node;
 * sizes over lim ELIMIT. opts and lim may be NULL. Builds *out (caller frees). */
int seer_graphdef_import_mem(const uint8_t *p, size_t n, const struct seer_limits *lim,
                             const struct seer_import_opts *opts, struct seer_graph **out,
                             struct seer_err *err);
/* The same for a file (read whole, up to lim->max_model_bytes); errors name the file. */
int seer_graphdef_import_file(const char *path, const struct seer_limits *lim,
                              const struct seer_import_opts *opts, struct seer_graph **out,
                              struct seer_err *err);

/* TensorFlow SavedModel (a folder: saved_model.pb and variables/) */
/* Builds the graph of dir's serving_default signature (its inputs are the graph's inputs,
 * named by tensor ("x:0"), of unknown shape unless a placeholder fixes it; its outputs
 * the graph's outputs), variables read from dir/variables. Every SignatureDef of the meta
 * graph goes to *sigs (n_sigs of them, allocated in a, which owns them) when a is not
 * NULL. Errors name the file and offset or node. */
int seer_savedmodel_import_dir(const char *dir, const struct seer_limits *lim, struct seer_arena *a,
                               struct seer_signature **sigs, int *n_sigs, struct seer_graph **out,
                               struct seer_err *err);

/* Names */
/* Finds the value a TensorFlow tensor name refers to: "x" and "x:0" are output 0 of node
 * x, "x:1" its output 1 (the builder names single-output values "x" and the outputs of
 * multi-output nodes "x:i"). Also finds inputs and constants by node name. NULL when
 * absent. Linear in the number of values: for tools, tests and binding by name. */
struct seer_value *seer_import_find_tensor(const struct seer_graph *g, const char *tf_name);

#endif /* SEER_IMPORT_H */
