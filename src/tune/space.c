/* The search space: warps, encoding, grid, random and Halton points (see space.h). */
#include "tune/space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned primes[SEER_TUNE_MAX_PARAMS] = {
    2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,  47,  53,
    59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103, 107, 109, 113, 127, 131,
    137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223,
    227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311};

size_t seer__space_dims(const struct seer_tune_spec *s)
{
    size_t d = 0;

    for (size_t i = 0; i < s->n_params; i++)
        d += s->params[i].type == SEER_TUNE_PTYPE_CATEGORICAL ? s->params[i].n_values : 1;
    return d;
}

static void range(const struct seer_tune_param *p, double *lo, double *hi)
{
    *lo = p->min;
    *hi = p->max;
    if (p->type == SEER_TUNE_PTYPE_INTEGER) {
        *lo -= 0.5;
        *hi += 0.5; /* log scales stay positive: their smallest integer is at least 1 */
    }
}

double seer__space_warp(const struct seer_tune_param *p, double v)
{
    double lo, hi, u;

    range(p, &lo, &hi);
    if (!(hi > lo))
        return 0.5;
    switch (p->scale) {
    case SEER_TUNE_SCALE_LOG: u = (log(v) - log(lo)) / (log(hi) - log(lo)); break;
    case SEER_TUNE_SCALE_REVERSE_LOG:
        /* Dense near the top of the range: the mirror image of the log scale. */
        u = 1.0 - (log(hi + lo - v) - log(lo)) / (log(hi) - log(lo));
        break;
    default: u = (v - lo) / (hi - lo);
    }
    return u < 0 ? 0 : u > 1 ? 1 : u;
}

double seer__space_unwarp(const struct seer_tune_param *p, double u)
{
    double lo, hi, v;

    range(p, &lo, &hi);
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    switch (p->scale) {
    case SEER_TUNE_SCALE_LOG: v = exp(log(lo) + u * (log(hi) - log(lo))); break;
    case SEER_TUNE_SCALE_REVERSE_LOG:
        v = hi + lo - exp(log(lo) + (1.0 - u) * (log(hi) - log(lo)));
        break;
    default: v = lo + u * (hi - lo);
    }
    return v < lo ? lo : v > hi ? hi : v;
}

double seer__space_feasible(const struct seer_tune_param *p, double u)
{
    switch (p->type) {
    case SEER_TUNE_PTYPE_CATEGORICAL: {
        double k = floor(u * (double)p->n_values);

        return k < 0 ? 0 : k >= (double)p->n_values ? (double)p->n_values - 1 : k;
    }
    case SEER_TUNE_PTYPE_INTEGER: {
        double v = round(seer__space_unwarp(p, u));

        return v < p->min ? p->min : v > p->max ? p->max : v;
    }
    case SEER_TUNE_PTYPE_DISCRETE: {
        size_t best = 0;
        double bd = INFINITY;

        for (size_t k = 0; k < p->n_values; k++) {
            double d = fabs(seer__space_warp(p, p->discrete[k]) - u);

            if (d < bd) {
                bd = d;
                best = k;
            }
        }
        return p->discrete[best];
    }
    default: {
        double v = seer__space_unwarp(p, u);

        return v < p->min ? p->min : v > p->max ? p->max : v;
    }
    }
}

void seer__space_encode(const struct seer_tune_spec *s, const double *point, double *x)
{
    size_t d = 0;

    for (size_t i = 0; i < s->n_params; i++) {
        const struct seer_tune_param *p = &s->params[i];

        if (p->type == SEER_TUNE_PTYPE_CATEGORICAL) {
            for (size_t k = 0; k < p->n_values; k++)
                x[d + k] = (size_t)point[i] == k ? 1.0 : 0.0;
            d += p->n_values;
        } else {
            x[d++] = seer__space_warp(p, point[i]);
        }
    }
}

void seer__space_random(const struct seer_tune_spec *s, struct seer__rng *r, double *point)
{
    for (size_t i = 0; i < s->n_params; i++) {
        const struct seer_tune_param *p = &s->params[i];

        /* Listed values are drawn uniformly: the list is the user's own spacing. */
        if (p->type == SEER_TUNE_PTYPE_CATEGORICAL)
            point[i] = (double)seer__rng_below(r, p->n_values);
        else if (p->type == SEER_TUNE_PTYPE_DISCRETE)
            point[i] = p->discrete[seer__rng_below(r, p->n_values)];
        else
            point[i] = seer__space_feasible(p, seer__rng_unif(r));
    }
}

void seer__space_from_unit(const struct seer_tune_spec *s, const double *u, double *point)
{
    for (size_t i = 0; i < s->n_params; i++) {
        const struct seer_tune_param *p = &s->params[i];

        if (p->type == SEER_TUNE_PTYPE_DISCRETE) {
            size_t k = (size_t)(u[i] * (double)p->n_values);

            point[i] = p->discrete[k < p->n_values ? k : p->n_values - 1];
        } else {
            point[i] = seer__space_feasible(p, u[i]);
        }
    }
}

void seer__space_grid_point(const struct seer_tune_spec *s, int64_t k, double *point)
{
    for (size_t i = s->n_params; i-- > 0;) {
        const struct seer_tune_param *p = &s->params[i];
        int64_t n = p->type == SEER_TUNE_PTYPE_INTEGER ? (int64_t)(p->max - p->min) + 1
                                                       : (int64_t)p->n_values;
        int64_t digit = k % n;

        k /= n;
        if (p->type == SEER_TUNE_PTYPE_INTEGER)
            point[i] = p->min + (double)digit;
        else if (p->type == SEER_TUNE_PTYPE_DISCRETE)
            point[i] = p->discrete[digit];
        else
            point[i] = (double)digit;
    }
}

void seer__halton(uint64_t index, size_t dim, const double *shift, double *u)
{
    for (size_t i = 0; i < dim && i < SEER_TUNE_MAX_PARAMS; i++) {
        double f = 1.0, r = 0.0, b = primes[i];

        for (uint64_t k = index; k > 0; k /= primes[i]) {
            f /= b;
            r += f * (double)(k % primes[i]);
        }
        r += shift ? shift[i] : 0.0;
        u[i] = r - floor(r);
    }
}

int seer__space_format(const struct seer_tune_param *p, double v, char *buf, size_t cap)
{
    int n;

    if (p->type == SEER_TUNE_PTYPE_CATEGORICAL) {
        size_t k = (size_t)v;

        n = snprintf(buf, cap, "%s", k < p->n_values ? p->categories[k] : "");
    } else if (p->type == SEER_TUNE_PTYPE_INTEGER) {
        n = snprintf(buf, cap, "%lld", (long long)v);
    } else {
        /* The fewest digits that read back exactly, so trainers see 0.1, not 0.1000000001. */
        int prec = 1;

        /* Start with the integer digits so 10 prints as 10, not 1e+01. */
        if (fabs(v) >= 1 && fabs(v) < 1e17)
            prec = (int)floor(log10(fabs(v))) + 1;
        n = -1;
        for (; prec <= 17; prec++) {
            n = snprintf(buf, cap, "%.*g", prec, v);
            if (n < 0 || (size_t)n >= cap || strtod(buf, NULL) == v)
                break;
        }
    }
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

bool seer__space_parse(const struct seer_tune_param *p, const char *text, double *v)
{
    char *end;

    if (p->type == SEER_TUNE_PTYPE_CATEGORICAL) {
        for (size_t k = 0; k < p->n_values; k++)
            if (!strcmp(p->categories[k], text)) {
                *v = (double)k;
                return true;
            }
        return false;
    }
    *v = strtod(text, &end);
    if (end == text || *end || !isfinite(*v))
        return false;
    if (p->type == SEER_TUNE_PTYPE_DISCRETE) {
        for (size_t k = 0; k < p->n_values; k++)
            if (p->discrete[k] == *v)
                return true;
        return false;
    }
    if (p->type == SEER_TUNE_PTYPE_INTEGER && *v != floor(*v))
        return false;
    return *v >= p->min && *v <= p->max;
}

bool seer__space_same(const struct seer_tune_spec *s, const double *a, const double *b)
{
    for (size_t i = 0; i < s->n_params; i++)
        if (a[i] != b[i])
            return false;
    return true;
}
