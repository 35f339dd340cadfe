/*
 * Internals of the repo module: the manifest parser and version folder names, shared by
 * manifest.c, model.c, repo.c and the CLI.
 */
#ifndef SEER_REPO_INT_H
#define SEER_REPO_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <seer/model.h>
#include <seer/status.h>

struct seer_arena;

/* The manifest's file name inside a model folder. */
#define SEER__MANIFEST_NAME "seer.json"
/* Manifests are a few hundred bytes; anything much bigger is the wrong file. */
#define SEER__MANIFEST_MAX_BYTES (1u << 20)

/* Parses seer.json text (n bytes, NUL-terminated at text[n]) into m, validating every
 * field; strings are copied into a. Errors name the field ("seer.json: input.width must
 * be a positive integer"). */
int seer__manifest_parse(const char *text, size_t n, struct seer_arena *a, struct seer_manifest *m,
                         struct seer_err *err);

/* The manifest of a folder without seer.json: a generic model whose format comes from
 * the model file present (model.json, *.tflite, saved_model.pb, *.pb, *.onnx).
 * ENOTFOUND when there is none. */
int seer__manifest_default(const char *dir, struct seer_arena *a, struct seer_manifest *m,
                           struct seer_err *err);

/* Defaults every manifest field starts from (family generic, no input size, NHWC RGB
 * float32, mean 0, std 1, thresholds 0.3 / 0.6 / 100). */
void seer__manifest_init(struct seer_manifest *m);

/* The version a folder name stands for: a positive decimal integer, zero padding allowed
 * ("7", "00000123" as TensorFlow Serving writes them). -1 when it is not one. */
long long seer__version_parse(const char *name);

/* True when name is usable as a model name (letters, digits, '.', '_', '-'; not starting
 * with '.'; at most 128 bytes): it ends up in URLs and file paths. */
bool seer__model_name_ok(const char *name);

/* Loads one model for a command-line tool without opening the whole repository: spec is
 * a model name in models_dir (its highest version that loads; a failure of a higher one
 * is logged as a warning) or a path to a folder (a model folder, or a folder of version
 * folders). ENOTFOUND names what was looked for. */
int seer__repo_load_one(const char *models_dir, const char *spec, const struct seer_model_opts *o,
                        struct seer_model **out, struct seer_err *err);

#endif /* SEER_REPO_INT_H */
