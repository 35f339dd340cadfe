/*
 * Gaussian process regression for the Bayesian search (see gp.h). The hyperparameter
 * fit is a projected BFGS on theta = (log length scales, log signal variance, log noise
 * variance) with the analytic gradient of the log marginal likelihood:
 *   d lml / d theta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j).
 */
#include "tune/gp.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "tune/linalg.h"

#define SQRT5   2.23606797749979
#define LOG_2PI 1.8378770664093453

/* Weak log-normal priors and hard bounds, in units of the standardised target over the
 * unit cube. The length-scale prior keeps a GP fitted to a handful of points from
 * collapsing to a spike or flattening to a plane. */
#define LS_MU (-1.2) /* log 0.3 */
#define LS_SD 1.0
#define LS_LO (-4.6) /* 0.01 */
#define LS_HI 3.0    /* 20 */
#define SF_MU 0.0
#define SF_SD 1.5
#define SF_LO (-4.6)
#define SF_HI 4.6
#define SN_MU (-6.9) /* log 1e-3 */
#define SN_SD 2.0
#define SN_LO (-18.4) /* 1e-8 */
#define SN_HI 0.7

double seer__matern52(double r)
{
    return (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * exp(-SQRT5 * r);
}

int seer__gp_init(struct seer__gp *gp, size_t n, size_t d, const double *x, const double *y)
{
    size_t nd, nn;

    memset(gp, 0, sizeof(*gp));
    if (!seer_mul_size(n, d, &nd) || !seer_mul_size(n, n, &nn))
        return -1;
    gp->x = seer_calloc(nd ? nd : 1, sizeof(double));
    gp->y = seer_calloc(n ? n : 1, sizeof(double));
    gp->ls = seer_calloc(d ? d : 1, sizeof(double));
    gp->l = seer_calloc(nn ? nn : 1, sizeof(double));
    gp->alpha = seer_calloc(n ? n : 1, sizeof(double));
    if (!gp->x || !gp->y || !gp->ls || !gp->l || !gp->alpha) {
        seer__gp_clear(gp);
        return -1;
    }
    gp->n = n;
    gp->d = d;
    memcpy(gp->x, x, nd * sizeof(double));
    memcpy(gp->y, y, n * sizeof(double));
    for (size_t k = 0; k < d; k++)
        gp->ls[k] = exp(LS_MU);
    gp->sf2 = 1.0;
    gp->sn2 = exp(SN_MU);
    return 0;
}

void seer__gp_clear(struct seer__gp *gp)
{
    seer_free(gp->x);
    seer_free(gp->y);
    seer_free(gp->ls);
    seer_free(gp->l);
    seer_free(gp->alpha);
    memset(gp, 0, sizeof(*gp));
}

static double scaled_dist(const struct seer__gp *gp, const double *a, const double *b)
{
    double s = 0;

    for (size_t k = 0; k < gp->d; k++) {
        double t = (a[k] - b[k]) / gp->ls[k];

        s += t * t;
    }
    return sqrt(s);
}

int seer__gp_factor(struct seer__gp *gp)
{
    size_t n = gp->n;
    double jitter = 0;

    for (int attempt = 0; attempt < 6; attempt++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j <= i; j++) {
                double k =
                    gp->sf2 * seer__matern52(scaled_dist(gp, gp->x + i * gp->d, gp->x + j * gp->d));

                gp->l[i * n + j] = gp->l[j * n + i] = k;
            }
            gp->l[i * n + i] += gp->sn2 + jitter;
        }
        if (seer__chol(gp->l, n) == 0) {
            memcpy(gp->alpha, gp->y, n * sizeof(double));
            seer__chol_solve(gp->l, n, gp->alpha);
            return 0;
        }
        /* Near-duplicate points make K singular; a little extra noise is the cure. */
        jitter = jitter ? jitter * 100 : 1e-8 * gp->sf2;
    }
    return -1;
}

static double lml_now(const struct seer__gp *gp)
{
    double s = 0;

    for (size_t i = 0; i < gp->n; i++)
        s += -0.5 * gp->y[i] * gp->alpha[i] - log(gp->l[i * gp->n + i]);
    return s - 0.5 * (double)gp->n * LOG_2PI;
}

double seer__gp_lml(struct seer__gp *gp)
{
    return seer__gp_factor(gp) ? -INFINITY : lml_now(gp);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void theta_bounds(size_t j, size_t d, double *lo, double *hi)
{
    if (j < d) {
        *lo = LS_LO;
        *hi = LS_HI;
    } else if (j == d) {
        *lo = SF_LO;
        *hi = SF_HI;
    } else {
        *lo = SN_LO;
        *hi = SN_HI;
    }
}

static double log_prior(double v, double mu, double sd, double *dv)
{
    double z = (v - mu) / sd;

    *dv = -z / sd;
    return -0.5 * z * z;
}

/* Negative penalised log likelihood and its gradient at theta; inv is n x n scratch.
 * Returns INFINITY when K cannot be factorised. */
static double objective(struct seer__gp *gp, const double *theta, double *grad, double *inv,
                        double *work)
{
    size_t n = gp->n, d = gp->d, p = d + 2;
    double f, dp;

    for (size_t k = 0; k < d; k++)
        gp->ls[k] = exp(theta[k]);
    gp->sf2 = exp(theta[d]);
    gp->sn2 = exp(theta[d + 1]);
    if (seer__gp_factor(gp))
        return INFINITY;
    f = lml_now(gp);
    memset(grad, 0, p * sizeof(double));
    for (size_t k = 0; k < d; k++) {
        f += log_prior(theta[k], LS_MU, LS_SD, &dp);
        grad[k] += dp;
    }
    f += log_prior(theta[d], SF_MU, SF_SD, &dp);
    grad[d] += dp;
    f += log_prior(theta[d + 1], SN_MU, SN_SD, &dp);
    grad[d + 1] += dp;

    /* W = alpha alpha^T - K^-1, kept in inv. */
    seer__chol_inverse(gp->l, n, inv, work);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            inv[i * n + j] = gp->alpha[i] * gp->alpha[j] - inv[i * n + j];
    for (size_t i = 0; i < n; i++) {
        const double *xi = gp->x + i * d;

        grad[d] += 0.5 * inv[i * n + i] * gp->sf2;
        grad[d + 1] += 0.5 * inv[i * n + i] * gp->sn2;
        for (size_t j = 0; j < i; j++) {
            const double *xj = gp->x + j * d;
            double r = scaled_dist(gp, xi, xj), e = exp(-SQRT5 * r), w = inv[i * n + j];
            double kf = gp->sf2 * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * e;
            /* dk/dlog(ls_k) = 5/3 sf2 (1 + sqrt5 r) e^(-sqrt5 r) (dx_k / ls_k)^2; the pair
             * (i, j) appears twice in the trace, which cancels the 1/2. */
            double common = w * (5.0 / 3.0) * gp->sf2 * (1.0 + SQRT5 * r) * e;

            grad[d] += w * kf;
            for (size_t k = 0; k < d; k++) {
                double t = (xi[k] - xj[k]) / gp->ls[k];

                grad[k] += common * t * t;
            }
        }
    }
    for (size_t k = 0; k < p; k++)
        grad[k] = -grad[k];
    return -f;
}

/* Projected gradient: components pushing through an active bound count as zero. */
static double pg_norm(const double *theta, const double *g, size_t p, size_t d)
{
    double m = 0;

    for (size_t j = 0; j < p; j++) {
        double lo, hi, gj = g[j];

        theta_bounds(j, d, &lo, &hi);
        if ((theta[j] <= lo && gj > 0) || (theta[j] >= hi && gj < 0))
            gj = 0;
        m = fmax(m, fabs(gj));
    }
    return m;
}

/* Minimises objective from theta (updated in place) with BFGS and a backtracking line
 * search, projecting onto the bounds. Returns the final value. */
static double bfgs(struct seer__gp *gp, double *theta, double *buf, double *inv, double *work)
{
    size_t d = gp->d, p = d + 2;
    double *g = buf, *gn = g + p, *h = gn + p, *dir = h + p * p, *tn = dir + p, *s = tn + p,
           *yv = s + p, *hy = yv + p;
    double f = objective(gp, theta, g, inv, work);

    if (!isfinite(f))
        return f;
    for (size_t i = 0; i < p * p; i++)
        h[i] = i % (p + 1) == 0 ? 1.0 : 0.0;
    for (int it = 0; it < 60; it++) {
        double slope = 0, step = 1.0, fn = INFINITY, maxd = 0;

        if (pg_norm(theta, g, p, d) < 1e-5)
            break;
        for (size_t i = 0; i < p; i++) {
            dir[i] = 0;
            for (size_t j = 0; j < p; j++)
                dir[i] -= h[i * p + j] * g[j];
            slope += dir[i] * g[i];
        }
        if (slope >= 0) { /* not a descent direction: restart from steepest descent */
            for (size_t i = 0; i < p * p; i++)
                h[i] = i % (p + 1) == 0 ? 1.0 : 0.0;
            for (size_t i = 0; i < p; i++)
                dir[i] = -g[i];
            slope = 0;
            for (size_t i = 0; i < p; i++)
                slope -= g[i] * g[i];
        }
        for (size_t i = 0; i < p; i++)
            maxd = fmax(maxd, fabs(dir[i]));
        if (maxd > 2.0) /* at most a factor e^2 per step in any hyperparameter */
            step = 2.0 / maxd;
        int ls;
        for (ls = 0; ls < 25; ls++) {
            for (size_t i = 0; i < p; i++) {
                double lo, hi;

                theta_bounds(i, d, &lo, &hi);
                tn[i] = clampd(theta[i] + step * dir[i], lo, hi);
            }
            fn = objective(gp, tn, gn, inv, work);
            if (isfinite(fn) && fn <= f + 1e-4 * step * slope)
                break;
            step *= 0.5;
        }
        if (ls == 25)
            break;
        double sy = 0, yhy = 0;
        for (size_t i = 0; i < p; i++) {
            s[i] = tn[i] - theta[i];
            yv[i] = gn[i] - g[i];
            sy += s[i] * yv[i];
        }
        for (size_t i = 0; i < p; i++) {
            hy[i] = 0;
            for (size_t j = 0; j < p; j++)
                hy[i] += h[i * p + j] * yv[j];
            yhy += yv[i] * hy[i];
        }
        if (sy > 1e-10) {
            /* H += (sy + yHy) ss^T / sy^2 - (Hy s^T + s (Hy)^T) / sy */
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j < p; j++)
                    h[i * p + j] +=
                        (sy + yhy) * s[i] * s[j] / (sy * sy) - (hy[i] * s[j] + s[i] * hy[j]) / sy;
        }
        double df = f - fn;
        memcpy(theta, tn, p * sizeof(double));
        memcpy(g, gn, p * sizeof(double));
        f = fn;
        if (df < 1e-9 * (1.0 + fabs(f)))
            break;
    }
    return f;
}

double seer__gp_objective(struct seer__gp *gp, const double *theta, double *grad)
{
    size_t n = gp->n;
    double *inv = seer_calloc(n > 0 ? n * n : 1, sizeof(double));
    double *work = seer_calloc(n ? n : 1, sizeof(double));
    double f = NAN;

    if (inv && work)
        f = objective(gp, theta, grad, inv, work);
    seer_free(inv);
    seer_free(work);
    return f;
}

int seer__gp_fit(struct seer__gp *gp, int n_starts, struct seer__rng *r)
{
    size_t d = gp->d, p = d + 2, n = gp->n;
    double *theta = seer_calloc(p, sizeof(double)), *best = seer_calloc(p, sizeof(double));
    double *buf = seer_calloc(p * p + 7 * p, sizeof(double));
    double *inv = seer_calloc(n > 0 ? n * n : 1, sizeof(double));
    double *work = seer_calloc(n ? n : 1, sizeof(double));
    double fbest = INFINITY;
    int rc = 0;

    if (!theta || !best || !buf || !inv || !work) {
        rc = SEER_ENOMEM;
        goto out;
    }
    for (int start = 0; start <= n_starts; start++) {
        double f;

        /* Start 0 is the prior's centre; the others are drawn from the prior. */
        for (size_t k = 0; k < d; k++)
            theta[k] = LS_MU + (start ? LS_SD * seer__rng_normal(r) : 0.0);
        theta[d] = SF_MU + (start ? 0.5 * seer__rng_normal(r) : 0.0);
        theta[d + 1] = SN_MU + (start ? SN_SD * seer__rng_normal(r) : 0.0);
        for (size_t j = 0; j < p; j++) {
            double lo, hi;

            theta_bounds(j, d, &lo, &hi);
            theta[j] = clampd(theta[j], lo, hi);
        }
        f = bfgs(gp, theta, buf, inv, work);
        if (f < fbest) {
            fbest = f;
            memcpy(best, theta, p * sizeof(double));
        }
    }
    if (!isfinite(fbest)) {
        rc = -1;
        goto out;
    }
    for (size_t k = 0; k < d; k++)
        gp->ls[k] = exp(best[k]);
    gp->sf2 = exp(best[d]);
    gp->sn2 = exp(best[d + 1]);
    rc = seer__gp_factor(gp);
out:
    seer_free(theta);
    seer_free(best);
    seer_free(buf);
    seer_free(inv);
    seer_free(work);
    return rc;
}

void seer__gp_predict(const struct seer__gp *gp, const double *xs, double *mu, double *var,
                      double *work)
{
    size_t n = gp->n;
    double m = 0, v = gp->sf2;

    for (size_t i = 0; i < n; i++) {
        work[i] = gp->sf2 * seer__matern52(scaled_dist(gp, xs, gp->x + i * gp->d));
        m += work[i] * gp->alpha[i];
    }
    seer__trsv_lower(gp->l, n, work);
    for (size_t i = 0; i < n; i++)
        v -= work[i] * work[i];
    *mu = m;
    *var = v > 1e-12 ? v : 1e-12;
}

double seer__ei(double mu, double sigma, double best, double xi)
{
    double imp = mu - best - xi, z;

    if (!(sigma > 1e-12))
        return imp > 0 ? imp : 0;
    z = imp / sigma;
    return imp * 0.5 * erfc(-z / sqrt(2.0)) + sigma * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}
