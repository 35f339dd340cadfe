/*
 * A small deterministic random number generator for the tuner (xoshiro256**, seeded by
 * splitmix64). Every proposal draws from a generator seeded by (study seed, trial id), so
 * a resumed study proposes what the interrupted one would have.
 */
#ifndef SEER_TUNE_RNG_H
#define SEER_TUNE_RNG_H

#include <math.h>
#include <stdint.h>

struct seer__rng {
    uint64_t s[4];
};

static inline uint64_t seer__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Seeds from two words (study seed and a stream such as the trial id). */
static inline void seer__rng_seed(struct seer__rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);

    for (int i = 0; i < 4; i++)
        r->s[i] = seer__splitmix64(&x);
}

static inline uint64_t seer__rng_next(struct seer__rng *r)
{
    uint64_t *s = r->s;
    uint64_t t = s[1] << 17;
    uint64_t x = s[1] * 5;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

/* Uniform in [0, 1). */
static inline double seer__rng_unif(struct seer__rng *r)
{
    return (double)(seer__rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n); n > 0. The modulo bias is below 2^-40 for the n used here. */
static inline uint64_t seer__rng_below(struct seer__rng *r, uint64_t n)
{
    return seer__rng_next(r) % n;
}

/* Standard normal by Box-Muller. */
static inline double seer__rng_normal(struct seer__rng *r)
{
    double u1 = seer__rng_unif(r), u2 = seer__rng_unif(r);

    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif /* SEER_TUNE_RNG_H */
