/*
 * The weights manifest of a TF.js graph model: which named tensors the shards hold, with
 * what shape, dtype and quantisation, and where. Internal to the TF.js importer.
 *
 * The converter writes each group's weights back to back into that group's shards, and
 * the groups follow each other in manifest order, so in the concatenation of every shard
 * (in manifest order) each weight has one offset. Parsing computes those offsets from the
 * manifest alone; binding then checks them against the bytes actually present.
 */
#ifndef SEER_IMPORT_TFJS_WEIGHTS_H
#define SEER_IMPORT_TFJS_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <seer/graph.h>
#include <seer/status.h>

#include "core/strmap.h"

enum seer__tfjs_quant {
    SEER__TFJS_Q_NONE = 0,
    SEER__TFJS_Q_F16, /* IEEE half, float32 weights only */
    SEER__TFJS_Q_U8,  /* value = q * scale + min */
    SEER__TFJS_Q_U16,
};

struct seer__tfjs_weight {
    const char *name;      /* borrowed from the manifest's cJSON tree */
    enum seer_dtype dtype; /* after dequantisation: F32, I32 or BOOL */
    int ndim;
    int64_t dims[SEER_MAX_DIMS];
    int64_t numel;
    int group;      /* index of its group in the manifest */
    size_t offset;  /* into the concatenated shards */
    size_t n_bytes; /* bytes stored there */
    enum seer__tfjs_quant quant;
    double scale, min; /* Q_U8, Q_U16 */
};

struct seer__tfjs_weights {
    struct seer__tfjs_weight *w; /* owns (seer_malloc); n entries in manifest order */
    int n;
    struct seer_strmap by_name; /* name -> weight; a repeated name maps to the last one,
                                   as in TF.js */
    size_t *group_bytes;        /* owns; bytes each group's weights occupy */
    int n_groups;
    size_t total_bytes;  /* sum of group_bytes */
    const uint8_t *data; /* borrowed (valid until the import ends); set by bind */
};

/* Parses manifest (the weightsManifest array, or NULL for none) into *ws (which it
 * initialises; seer__tfjs_weights_clear it even on failure). Checks every shape against
 * lim and every size for overflow. Errors name the weight. */
int seer__tfjs_weights_parse(const cJSON *manifest, const struct seer_limits *lim,
                             struct seer__tfjs_weights *ws, struct seer_err *err);
/* Checks that data[0..n) holds exactly the weights parse found and remembers data
 * (borrowed). EFORMAT naming the first weight past the end, or the extra bytes. */
int seer__tfjs_weights_bind(struct seer__tfjs_weights *ws, const uint8_t *data, size_t n,
                            struct seer_err *err);
void seer__tfjs_weights_clear(struct seer__tfjs_weights *ws);

/* The weight called name, or NULL. */
const struct seer__tfjs_weight *seer__tfjs_weight_find(const struct seer__tfjs_weights *ws,
                                                       const char *name);
/* Decodes (dequantises) w into dst, which has room for w->numel elements of w->dtype.
 * Bound weights only; cannot fail. */
void seer__tfjs_weight_decode(const struct seer__tfjs_weights *ws,
                              const struct seer__tfjs_weight *w, void *dst);

#endif /* SEER_IMPORT_TFJS_WEIGHTS_H */
