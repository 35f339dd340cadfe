/*
 * Internals shared by the study files: the database handle behind struct seer_tune_db and
 * loading a stored study's spec and command.
 */
#ifndef SEER_TUNE_STUDY_H
#define SEER_TUNE_STUDY_H

#include "core/arena.h"
#include "tune/spec.h"
#include "tune/store.h"
#include "tune/tune.h"

struct seer_tune_db {
    struct seer__store *st;
    char *state_dir; /* absolute, owned */
};

/* Parses a trial's stored params JSON into point (n_params values). Returns false when a
 * parameter is missing or its value is not one of the spec's. */
bool seer__study_parse_point(const struct seer_tune_spec *s, const char *params_json,
                             double *point);

/* Writes the params JSON object for point (seer_malloc'd string), NULL on ENOMEM. */
char *seer__study_point_json(const struct seer_tune_spec *s, const double *point);

#endif /* SEER_TUNE_STUDY_H */
