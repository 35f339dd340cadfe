/*
 * Thread pool: workers sleep on a condition variable between jobs and count down a
 * "remaining" counter when done. Jobs in an inference run are short (one op), so workers
 * spin briefly before sleeping to keep the hand-off cheap.
 */
#include "core/threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "core/alloc.h"

#define SPIN_ROUNDS 20000

struct seer_pool {
    int n_threads;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work;
    pthread_cond_t cv_done;
    atomic_uint_fast64_t generation; /* bumped for each job */
    atomic_int remaining;             /* workers still running the current job */
    seer_pool_fn fn;
    void *ctx;
    int nth;
    bool stop;
};

struct worker_arg {
    struct seer_pool *p;
    int ith;
};

static void *worker(void *arg_)
{
    struct worker_arg *arg = arg_;
    struct seer_pool *p = arg->p;
    int ith = arg->ith;
    uint_fast64_t seen = 0;

    seer_free(arg);
    for (;;) {
        uint_fast64_t g;
        int spins = 0;

        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
               spins < SPIN_ROUNDS) {
            spins++;
            if ((spins & 63) == 0)
                sched_yield();
        }
        pthread_mutex_lock(&p->mu);
        while ((g = atomic_load(&p->generation)) == seen && !p->stop)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = g;
        seer_pool_fn fn = p->fn;
        void *ctx = p->ctx;
        int nth = p->nth;
        pthread_mutex_unlock(&p->mu);

        if (ith < nth)
            fn(ctx, ith, nth);
        if (atomic_fetch_sub(&p->remaining, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

struct seer_pool *seer_pool_new(int n_threads)
{
    struct seer_pool *p;

    if (n_threads < 1)
        n_threads = 1;
    p = seer_calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->n_threads = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    if (n_threads > 1) {
        p->threads = seer_calloc((size_t)n_threads - 1, sizeof(*p->threads));
        if (!p->threads)
            goto fail;
        for (int i = 1; i < n_threads; i++) {
            struct worker_arg *arg = seer_malloc(sizeof(*arg));
            if (!arg)
                goto fail_threads;
            arg->p = p;
            arg->ith = i;
            if (pthread_create(&p->threads[i - 1], NULL, worker, arg) != 0) {
                seer_free(arg);
                goto fail_threads;
            }
            continue;
        fail_threads:
            p->n_threads = i; /* only i-1 workers exist */
            seer_pool_free(p);
            return NULL;
        }
    }
    return p;
fail:
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    seer_free(p);
    return NULL;
}

void seer_pool_free(struct seer_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n_threads; i++)
        pthread_join(p->threads[i - 1], NULL);
    seer_free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    seer_free(p);
}

int seer_pool_threads(const struct seer_pool *p)
{
    return p ? p->n_threads : 1;
}

void seer_pool_run(struct seer_pool *p, int nth, seer_pool_fn fn, void *ctx)
{
    if (!p || p->n_threads == 1 || nth <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (nth > p->n_threads)
        nth = p->n_threads;
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->nth = nth;
    atomic_store(&p->remaining, p->n_threads - 1);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);

    fn(ctx, 0, nth);

    int spins = 0;
    while (atomic_load_explicit(&p->remaining, memory_order_acquire) > 0 && spins < SPIN_ROUNDS)
        spins++;
    if (atomic_load(&p->remaining) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->remaining) > 0)
            pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void seer_split_range(int64_t n, int ith, int nth, int64_t *lo, int64_t *hi)
{
    int64_t per = n / nth, rem = n % nth;

    *lo = ith * per + (ith < rem ? ith : rem);
    *hi = *lo + per + (ith < rem ? 1 : 0);
}

int seer_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : (int)n;
}
