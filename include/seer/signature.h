/*
 * Signatures: the named inputs and outputs a model offers, as a TensorFlow SavedModel's
 * SignatureDefs describe them ("serving_default": x -> y). TF Serving's metadata and
 * predict APIs speak in these terms. The structs are plain data owned by whoever made
 * them (a model's arena); every pointer in them borrows from that owner.
 */
#ifndef SEER_SIGNATURE_H
#define SEER_SIGNATURE_H

#include <stdbool.h>
#include <stdint.h>

#include <seer/tensor.h>

struct seer_sig_tensor {
    const char *key;  /* the signature's name for it ("x") */
    const char *name; /* the graph tensor ("x:0") */
    int tf_dtype;     /* TensorFlow DataType number (DT_FLOAT is 1) */
    bool unknown_rank;
    int ndim;
    int64_t dims[SEER_MAX_DIMS]; /* -1 for an open dim */
};

struct seer_signature {
    const char *name;        /* "serving_default" */
    const char *method_name; /* "tensorflow/serving/predict" */
    int n_inputs, n_outputs;
    struct seer_sig_tensor *inputs, *outputs;
};

/* The signature a model serves by default: TensorFlow's "serving_default". */
#define SEER_DEFAULT_SIGNATURE "serving_default"

#endif /* SEER_SIGNATURE_H */
