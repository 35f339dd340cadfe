/*
 * The search space of a spec: warping values into the unit interval by scale type,
 * the unit-cube encoding the Gaussian process sees (one-hot categoricals), feasible
 * points (integers rounded, discrete values snapped), the grid in deterministic order,
 * random and quasi-random (Halton) points, and the text form of values.
 */
#ifndef SEER_TUNE_SPACE_H
#define SEER_TUNE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tune/rng.h"
#include "tune/spec.h"

#define SEER_TUNE_MAX_DIMS 128 /* encoded dimensions the Bayesian search accepts */

/* Encoded dimensions: one per numeric parameter, one per category. */
size_t seer__space_dims(const struct seer_tune_spec *s);

/* Maps a numeric parameter's value into [0, 1] by its scale type and back. Integers use
 * the range widened by half a step so that every integer owns an equal share. */
double seer__space_warp(const struct seer_tune_param *p, double v);
double seer__space_unwarp(const struct seer_tune_param *p, double u);

/* The feasible value nearest to u's preimage: integers rounded, discrete values snapped in
 * warped space, categoricals (u in [0, 1)) mapped to an index. */
double seer__space_feasible(const struct seer_tune_param *p, double u);

/* Encodes a point (n_params values) into x (seer__space_dims entries). */
void seer__space_encode(const struct seer_tune_spec *s, const double *point, double *x);

/* A uniformly random point, respecting scale types (log-uniform on UNIT_LOG_SCALE). */
void seer__space_random(const struct seer_tune_spec *s, struct seer__rng *r, double *point);

/* The point for unit coordinates u (one per parameter), e.g. from seer__halton. */
void seer__space_from_unit(const struct seer_tune_spec *s, const double *u, double *point);

/* Grid point number k (0-based) in row-major order: the first parameter varies slowest,
 * values in the order given (integers ascending). k < seer__tune_grid_size(s). */
void seer__space_grid_point(const struct seer_tune_spec *s, int64_t k, double *point);

/* Halton point number index (>= 1) in dim dimensions (<= SEER_TUNE_MAX_PARAMS), each
 * coordinate shifted by shift[i] modulo 1 (a Cranley-Patterson rotation). */
void seer__halton(uint64_t index, size_t dim, const double *shift, double *u);

/* Shortest text that reads back as exactly v (or the category's name). Returns the
 * length, or -1 when buf is too small. */
int seer__space_format(const struct seer_tune_param *p, double v, char *buf, size_t cap);

/* Reads a value written by seer__space_format. Returns false when it is not one of p's
 * values. */
bool seer__space_parse(const struct seer_tune_param *p, const char *text, double *v);

/* True when two points are the same (exactly, as feasible points are). */
bool seer__space_same(const struct seer_tune_spec *s, const double *a, const double *b);

#endif /* SEER_TUNE_SPACE_H */
