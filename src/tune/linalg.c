/* Cholesky factorisation and triangular solves (see linalg.h). */
#include "tune/linalg.h"

#include <math.h>
#include <string.h>

int seer__chol(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];

        for (size_t k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        /* The negated test also catches NaN, which a bad kernel value could produce. */
        if (!(d > 0.0))
            return -1;
        d = sqrt(d);
        a[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];

            for (size_t k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / d;
        }
        for (size_t k = j + 1; k < n; k++)
            a[j * n + k] = 0.0;
    }
    return 0;
}

void seer__trsv_lower(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double s = b[i];

        for (size_t k = 0; k < i; k++)
            s -= l[i * n + k] * b[k];
        b[i] = s / l[i * n + i];
    }
}

void seer__trsv_lower_t(const double *l, size_t n, double *b)
{
    for (size_t i = n; i-- > 0;) {
        double s = b[i];

        for (size_t k = i + 1; k < n; k++)
            s -= l[k * n + i] * b[k];
        b[i] = s / l[i * n + i];
    }
}

void seer__chol_solve(const double *l, size_t n, double *b)
{
    seer__trsv_lower(l, n, b);
    seer__trsv_lower_t(l, n, b);
}

void seer__chol_inverse(const double *l, size_t n, double *inv, double *work)
{
    /* Column j of the inverse solves K x = e_j; the result is symmetric, so only the
     * lower part of each column is kept and mirrored. */
    for (size_t j = 0; j < n; j++) {
        memset(work, 0, n * sizeof(*work));
        work[j] = 1.0;
        seer__chol_solve(l, n, work);
        for (size_t i = 0; i < n; i++)
            inv[i * n + j] = work[i];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            double m = 0.5 * (inv[i * n + j] + inv[j * n + i]);

            inv[i * n + j] = inv[j * n + i] = m;
        }
}
