/* The bounded inference queue and its workers (see infer.h). */
#include "serve/infer.h"

#include <pthread.h>
#include <stdbool.h>

#include <seer/status.h>

#include "core/alloc.h"

struct job {
    seer_infer_fn fn;
    void *ctx;
};

struct seer_infer {
    pthread_mutex_t mu;
    pthread_cond_t more; /* a job was queued, or stopping */
    struct job *ring;    /* capacity slots */
    int capacity, head, count, busy;
    bool stopping;
    pthread_t *threads;
    int n_threads;
};

static void *worker(void *arg)
{
    struct seer_infer *q = arg;

    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->count == 0 && !q->stopping)
            pthread_cond_wait(&q->more, &q->mu);
        if (q->count == 0)
            break; /* stopping and drained */
        struct job j = q->ring[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        q->busy++;
        pthread_mutex_unlock(&q->mu);
        j.fn(j.ctx);
        pthread_mutex_lock(&q->mu);
        q->busy--;
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

struct seer_infer *seer_infer_new(int n_workers, int queue_len)
{
    struct seer_infer *q;

    if (n_workers < 1 || queue_len < 1)
        return NULL;
    q = seer_calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->more, NULL);
    q->capacity = queue_len;
    q->ring = seer_calloc((size_t)queue_len, sizeof(*q->ring));
    q->threads = seer_calloc((size_t)n_workers, sizeof(*q->threads));
    if (!q->ring || !q->threads) {
        seer_infer_free(q);
        return NULL;
    }
    for (int i = 0; i < n_workers; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
            seer_infer_free(q);
            return NULL;
        }
        q->n_threads++;
    }
    return q;
}

void seer_infer_stop(struct seer_infer *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->n_threads; i++)
        pthread_join(q->threads[i], NULL);
    q->n_threads = 0;
}

void seer_infer_free(struct seer_infer *q)
{
    if (!q)
        return;
    seer_infer_stop(q);
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->mu);
    seer_free(q->ring);
    seer_free(q->threads);
    seer_free(q);
}

int seer_infer_submit(struct seer_infer *q, seer_infer_fn fn, void *ctx)
{
    int rc = 0;

    pthread_mutex_lock(&q->mu);
    if (q->count == q->capacity || q->stopping) {
        rc = SEER_EBUSY;
    } else {
        q->ring[(q->head + q->count) % q->capacity] = (struct job){fn, ctx};
        q->count++;
        pthread_cond_signal(&q->more);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int seer_infer_depth(struct seer_infer *q)
{
    pthread_mutex_lock(&q->mu);
    int n = q->count;
    pthread_mutex_unlock(&q->mu);
    return n;
}

int seer_infer_busy(struct seer_infer *q)
{
    pthread_mutex_lock(&q->mu);
    int n = q->busy;
    pthread_mutex_unlock(&q->mu);
    return n;
}

int seer_infer_capacity(const struct seer_infer *q)
{
    return q->capacity;
}

int seer_infer_workers(const struct seer_infer *q)
{
    return q->n_threads;
}
