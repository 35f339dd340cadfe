/*
 * A Gaussian process with a Matern 5/2 kernel and one length scale per input dimension,
 * for the Bayesian search. Inputs live in the unit cube; targets are zero-mean (the
 * caller standardises them). Hyperparameters are fitted by maximising the log marginal
 * likelihood plus weak log-normal priors. The GP owns its buffers (seer__gp_clear).
 */
#ifndef SEER_TUNE_GP_H
#define SEER_TUNE_GP_H

#include <stddef.h>

#include <seer/status.h>

#include "tune/rng.h"

struct seer__gp {
    size_t n, d;
    double *x;     /* n x d inputs, owned */
    double *y;     /* n targets, owned */
    double *ls;    /* d length scales, owned */
    double sf2;    /* signal variance */
    double sn2;    /* noise variance */
    double *l;     /* n x n Cholesky factor of K + sn2 I, owned */
    double *alpha; /* (K + sn2 I)^-1 y, owned */
};

/* Matern 5/2 correlation at scaled distance r. */
double seer__matern52(double r);

/* Copies n points of d dimensions and their targets; sets default hyperparameters.
 * Returns 0 or SEER_ENOMEM. */
int seer__gp_init(struct seer__gp *gp, size_t n, size_t d, const double *x, const double *y);
void seer__gp_clear(struct seer__gp *gp); /* frees the buffers; zeroed gp ok */

/* Factorises with the current hyperparameters (adding jitter when needed). Returns 0 or
 * -1 when K stays singular. */
int seer__gp_factor(struct seer__gp *gp);

/* Log marginal likelihood at the current hyperparameters (factorises). -INFINITY when K
 * is singular. */
double seer__gp_lml(struct seer__gp *gp);

/* Fits length scales, signal and noise variance by maximum (penalised) likelihood from a
 * default start and n_starts random ones; leaves the GP factorised at the best fit.
 * Returns 0, SEER_ENOMEM, or -1 when no start could be factorised. */
int seer__gp_fit(struct seer__gp *gp, int n_starts, struct seer__rng *r);

/* The fit's objective at theta = (log length scales, log sf2, log sn2): the negative log
 * marginal likelihood plus the priors' penalty, and its gradient (d + 2 values). Leaves the
 * GP at theta. NAN on ENOMEM, INFINITY when K is singular. For tests. */
double seer__gp_objective(struct seer__gp *gp, const double *theta, double *grad);

/* Posterior mean and variance of the latent function at xs (d values); work holds n
 * doubles. */
void seer__gp_predict(const struct seer__gp *gp, const double *xs, double *mu, double *var,
                      double *work);

/* Expected improvement over best (maximisation) for a normal posterior N(mu, sigma^2),
 * with exploration margin xi. */
double seer__ei(double mu, double sigma, double best, double xi);

#endif /* SEER_TUNE_GP_H */
