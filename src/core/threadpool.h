/*
 * A fixed pool of worker threads that run one parallel job at a time: fn(ctx, ith, nth)
 * for ith in 0..nth-1, the caller's thread taking ith = 0. seer_pool_run returns when
 * all nth calls have returned. The pool owns its threads; ctx is borrowed for the call.
 * One caller at a time per pool (the executor serialises runs on a model).
 */
#ifndef SEER_THREADPOOL_H
#define SEER_THREADPOOL_H

#include <stdint.h>

struct seer_pool; /* opaque */

typedef void (*seer_pool_fn)(void *ctx, int ith, int nth);

/* n_threads >= 1 (including the caller). NULL on ENOMEM or thread creation failure. */
struct seer_pool *seer_pool_new(int n_threads);
void seer_pool_free(struct seer_pool *p); /* joins workers; NULL ok */
int seer_pool_threads(const struct seer_pool *p);

/* Runs fn on nth <= seer_pool_threads(p) workers and waits. p may be NULL (runs inline). */
void seer_pool_run(struct seer_pool *p, int nth, seer_pool_fn fn, void *ctx);

/* Splits [0, n) into nth near-equal contiguous slices; slice ith is [*lo, *hi). */
void seer_split_range(int64_t n, int ith, int nth, int64_t *lo, int64_t *hi);

/* Number of online CPUs (>= 1). */
int seer_cpu_count(void);

#endif /* SEER_THREADPOOL_H */
