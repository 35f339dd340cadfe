/*
 * Importing a model from elsewhere into the repository (`seer import`): a TF Object
 * Detection API folder as the original lab downloads it (ssd_mobilenet_v1_coco_11_06_2017/
 * with frozen_inference_graph.pb), a frozen graph file, or a SavedModel folder becomes
 * models/<name>/<version>/ with its files copied and a seer.json manifest written.
 */
#ifndef SEER_REPO_MODEL_IMPORT_H
#define SEER_REPO_MODEL_IMPORT_H

#include <limits.h>

#include <seer/status.h>

struct seer__import_opts {
    const char *name;       /* NULL: the source folder's (or file's) name */
    const char *labels;     /* a label_map.pbtxt or labels.txt to copy, or NULL */
    const char *models_dir; /* NULL: "./models" */
    int version;            /* 0: 1 */
};

struct seer__import_result {
    char dir[PATH_MAX]; /* the version folder written */
    char name[160];
    const char *format; /* "graphdef" or "savedmodel" (static strings) */
    const char *family; /* "tf-od-api" or "generic" */
    int n_labels;
};

/* Copies src's model files into <models_dir>/<name>/<version>/ with a manifest, after
 * checking that the result loads (import, prepare, one run). A graph with the TF Object
 * Detection API's image_tensor input and detection outputs becomes family tf-od-api (its
 * labels: o->labels, or else COCO's by id, as the lab's models use); anything else is a
 * generic tensor model. The version folder appears only once complete; an existing one
 * is never touched (EINVAL naming it). Errors name the file. */
int seer__model_import(const char *src, const struct seer__import_opts *o,
                       struct seer__import_result *res, struct seer_err *err);

#endif /* SEER_REPO_MODEL_IMPORT_H */
