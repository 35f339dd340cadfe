/*
 * Models and the model repository.
 *
 * A model package is a folder `models/<name>/<version>/` with the model file(s) and a
 * manifest `seer.json` (format, family, input, labels, default thresholds; see README).
 * struct seer_model is loaded once and shared: it is refcounted (atomic), immutable
 * after load, and safe to run from many threads (it keeps a small pool of plans).
 *
 * The repository (struct seer_repo) maps names and versions to loaded models. It is
 * thread-safe; seer_repo_get hands out a reference the caller must unref.
 */
#ifndef SEER_MODEL_H
#define SEER_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/plan.h>
#include <seer/signature.h>
#include <seer/status.h>

struct seer_manifest {
    const char *format;       /* "tfjs", "tflite", "graphdef", "savedmodel", "onnx" */
    const char *model;        /* model file, relative to the folder */
    const char *family;       /* "centernet", "nanodet", "ssd", "tf-od-api", "generic" */
    struct {
        int width, height;
        bool nchw;            /* layout "NCHW" (else NHWC) */
        const char *dtype;    /* "float32" or "uint8" */
        bool bgr;             /* channels "BGR" (else RGB) */
        float mean[3], std[3];/* in the tensor's channel order */
        const char *resize;   /* "stretch" */
        const char *interpolation; /* "tf-bilinear" */
    } input;
    const char *labels;       /* labels file, one name per line, relative to the folder */
    const char *label_ids;    /* "coco91": category ids for COCO's 80 names */
    float score_threshold;    /* defaults */
    float iou_threshold;
    int max_detections;
    const char *source;       /* where the files came from (free text) */
};

struct seer_model_opts {
    int n_threads;            /* per inference; 0: every online CPU */
    enum seer_precision precision;
    struct seer_limits limits;
    bool no_warmup;           /* skip the warm-up run at load */
};

struct seer_model; /* opaque, refcounted */

/* Loads the model package in dir (with or without a manifest). name/version label it
 * (name NULL: the folder's parent name; version 0: from the folder name or 1). */
int seer_model_load(const char *dir, const char *name, int version,
                    const struct seer_model_opts *o, struct seer_model **out,
                    struct seer_err *err);
void seer_model_ref(struct seer_model *m);
void seer_model_unref(struct seer_model *m); /* frees at zero; NULL ok */

const char *seer_model_name(const struct seer_model *m);
int seer_model_version(const struct seer_model *m);
const char *seer_model_dir(const struct seer_model *m);
const struct seer_manifest *seer_model_manifest(const struct seer_model *m);
const struct seer_graph *seer_model_graph(const struct seer_model *m);
/* Number of labels and label i's name and COCO category id (id = i when no id map). */
int seer_model_n_labels(const struct seer_model *m);
const char *seer_model_label(const struct seer_model *m, int i);
int seer_model_category_id(const struct seer_model *m, int i);

/* The model's signatures (a SavedModel's SignatureDefs; none for other formats) into
 * *sigs, borrowed from the model; returns their count. */
int seer_model_signatures(const struct seer_model *m, const struct seer_signature **sigs);

/* Borrow a plan for one run (blocks only to create one; never waits for another
 * caller) and give it back. */
int seer_model_acquire_plan(struct seer_model *m, struct seer_plan **out, struct seer_err *err);
void seer_model_release_plan(struct seer_model *m, struct seer_plan *p);

/* ---- the repository ---- */

enum seer_model_state {
    SEER_MODEL_LOADING = 0,
    SEER_MODEL_AVAILABLE,
    SEER_MODEL_FAILED,
};

struct seer_repo_entry {
    const char *name;
    int version;
    enum seer_model_state state;
    const char *format, *family;
    int input_width, input_height;
    const char *error;        /* why it failed, or NULL */
};

struct seer_repo; /* opaque */

int seer_repo_open(const char *dir, const struct seer_model_opts *o, struct seer_repo **out,
                   struct seer_err *err);
void seer_repo_free(struct seer_repo *r); /* NULL ok; models live on while referenced */
/* Rescans the folder: loads new versions (a broken one is recorded as FAILED and the
 * old version keeps serving), drops removed ones. Returns the number of changes. */
int seer_repo_scan(struct seer_repo *r, struct seer_err *err);
/* A referenced model; version 0 means the highest AVAILABLE version. ENOTFOUND when the
 * name or version does not exist or is not available; the message says which. */
int seer_repo_get(struct seer_repo *r, const char *name, int version, struct seer_model **out,
                  struct seer_err *err);
/* A snapshot of every entry, sorted by name then version, allocated in a (strings too). */
int seer_repo_list(struct seer_repo *r, struct seer_arena *a, struct seer_repo_entry **out,
                   int *n);

#endif /* SEER_MODEL_H */
