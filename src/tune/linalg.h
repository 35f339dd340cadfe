/*
 * Small dense linear algebra for the Gaussian process: Cholesky factorisation and
 * triangular solves on row-major n x n matrices of doubles. Sizes are tiny (the number of
 * trials), so plain loops are enough. Callers own every buffer.
 */
#ifndef SEER_TUNE_LINALG_H
#define SEER_TUNE_LINALG_H

#include <stddef.h>

/* Factorises the symmetric positive definite a (n x n) in place into its lower triangle
 * L with a = L L^T; the strict upper triangle is zeroed. Returns 0, or -1 when a is not
 * positive definite (a is then garbage). */
int seer__chol(double *a, size_t n);

/* Solves L x = b in place (b becomes x); l is lower triangular from seer__chol. */
void seer__trsv_lower(const double *l, size_t n, double *b);

/* Solves L^T x = b in place. */
void seer__trsv_lower_t(const double *l, size_t n, double *b);

/* Solves (L L^T) x = b in place. */
void seer__chol_solve(const double *l, size_t n, double *b);

/* Writes (L L^T)^-1 into inv (n x n, full symmetric); work holds n doubles. */
void seer__chol_inverse(const double *l, size_t n, double *inv, double *work);

#endif /* SEER_TUNE_LINALG_H */
