/*
 * Proposing the next trial's point: grid (in order), random, or Bayesian optimisation
 * (quasi-random Halton seed points, then a Gaussian process with expected improvement;
 * running trials enter the model as "kriging believers" at their predicted value, so
 * parallel proposals spread out instead of piling onto one point).
 */
#ifndef SEER_TUNE_SEARCH_H
#define SEER_TUNE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "tune/rng.h"
#include "tune/spec.h"

/* What is known when a proposal is made. Points are n_params doubles each (spec.h). */
struct seer__history {
    size_t n_done;
    const double *done; /* n_done points with an objective */
    const double *y;    /* their objectives, oriented so that larger is better */
    size_t n_pend;
    const double *pend; /* points of running trials */
    size_t n_fail;
    const double *fail; /* points of failed trials: not proposed again */
};

/* Seed trials for the Bayesian search before the Gaussian process takes over. */
int64_t seer__search_n_seed(const struct seer_tune_spec *s);

/* Writes the point for trial trial_id (1-based) into point. Deterministic in (seed,
 * trial_id, history). Returns 0 or SEER_ENOMEM. */
int seer__search_propose(const struct seer_tune_spec *s, uint64_t seed, int64_t trial_id,
                         const struct seer__history *h, double *point, struct seer_err *err);

/* Bayesian proposal alone (exposed for tests and the benchmark). */
int seer__search_bayes(const struct seer_tune_spec *s, struct seer__rng *r,
                       const struct seer__history *h, double *point, struct seer_err *err);

#endif /* SEER_TUNE_SEARCH_H */
