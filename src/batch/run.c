/*
 * The batch pipeline: decode threads feed a bounded queue of decoded photos, inference
 * workers drain it through the detect path, and one sink receives every outcome.
 *
 * Why this shape: decoding a JPEG is single-threaded work that would leave the other cores
 * idle while one inference waits for it, so decoding runs ahead in its own threads. The
 * queue is bounded by a fixed set of slots (each with its own arena for the pixels), so
 * memory stays flat however many inputs there are and decoders stall when inference is the
 * bottleneck. Workers each borrow a plan from the model's pool (thread-safe), so W workers
 * run W inferences at once; how many threads each inference uses is the model's setting.
 *
 * Locking: one mutex guards the queue and counters; a second serialises sink calls (the
 * sink may do file I/O, which must not hold up decoders). Outcomes reach the sink in
 * completion order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <seer/batch.h>
#include <seer/image.h>

#include "core/alloc.h"
#include "core/arena.h"

#define MAX_THREADS 256
#define TICK_MS     250

struct slot {
    size_t i;             /* input position */
    struct seer_arena *a; /* owns the decoded pixels */
    struct seer_image img;
    int rc; /* a failed read or decode */
    struct seer_err err;
    double decode_ms;
    struct slot *next;
};

struct run {
    struct seer_model *m;
    const struct seer_batch_inputs *in;
    const uint8_t *skip;
    const struct seer_batch_opts *o;
    const struct seer_batch_sink *sink;
    int min_w, min_h; /* decode at least this big (JPEG DCT scaling) */

    pthread_mutex_t mu; /* guards everything below up to sink_mu */
    pthread_cond_t cv_free, cv_ready, cv_done;
    struct slot *free_list, *ready_head, *ready_tail;
    size_t next_input;
    int decoders_left, workers_left;
    atomic_bool stop; /* set under mu; workers also peek without it between photos */
    int rc; /* first fatal status (sink failure, ENOMEM) */
    struct seer_err err;

    pthread_mutex_t sink_mu; /* serialises sink calls and guards the counts */
    size_t done, failed;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Lowers the calling thread's priority (Linux nice values are per thread, and threads it
 * starts later, such as its OpenMP team, inherit it). */
static void lower_priority(int nice)
{
    if (nice > 0)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

static bool cancelled(const struct run *r)
{
    return r->o->cancel && atomic_load(r->o->cancel) != 0;
}

/* Called with r->mu held: stops the run, keeping the first fatal status. */
static void stop_locked(struct run *r, int rc, const struct seer_err *err)
{
    if (rc && !r->rc) {
        r->rc = rc;
        if (err)
            r->err = *err;
    }
    r->stop = true;
    pthread_cond_broadcast(&r->cv_free);
    pthread_cond_broadcast(&r->cv_ready);
    pthread_cond_broadcast(&r->cv_done);
}

static void load_slot(struct run *r, struct slot *s)
{
    const struct seer_batch_input *x = &r->in->v[s->i];
    struct seer_image_opts io = {0};
    uint8_t *bytes = NULL;
    size_t n = 0;
    double t0 = now_ms();

    seer_arena_reset(s->a);
    seer_err_clear(&s->err);
    memset(&s->img, 0, sizeof(s->img));
    s->rc = seer_batch_input_load(x, r->o->max_photo_bytes, &bytes, &n, &s->err);
    if (!s->rc) {
        io.max_pixels = r->o->max_pixels;
        io.min_width = r->min_w;
        io.min_height = r->min_h;
        s->rc = seer_image_decode(bytes, n, &io, s->a, &s->img, &s->err);
    }
    seer_free(bytes);
    s->decode_ms = now_ms() - t0;
}

static void *decoder_main(void *arg)
{
    struct run *r = arg;
    size_t n = r->in->n;

    lower_priority(r->o->nice);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        struct slot *s;

        while (r->next_input < n && r->skip && r->skip[r->next_input])
            r->next_input++;
        if (r->stop || r->next_input >= n)
            break;
        while (!r->free_list && !r->stop)
            pthread_cond_wait(&r->cv_free, &r->mu);
        if (r->stop)
            break;
        s = r->free_list;
        r->free_list = s->next;
        s->next = NULL;
        s->i = r->next_input++;
        pthread_mutex_unlock(&r->mu);

        load_slot(r, s);

        pthread_mutex_lock(&r->mu);
        if (r->ready_tail)
            r->ready_tail->next = s;
        else
            r->ready_head = s;
        r->ready_tail = s;
        pthread_cond_signal(&r->cv_ready);
    }
    if (--r->decoders_left == 0)
        pthread_cond_broadcast(&r->cv_ready);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Hands one outcome to the sink; false when the sink failed (the run stops). */
static bool deliver(struct run *r, size_t i, const struct seer_dets *d, int rc, const char *msg)
{
    struct seer_err err = {{0}};
    int src;

    pthread_mutex_lock(&r->sink_mu);
    src = r->sink->done(r->sink->ctx, i, d, rc, msg, &err);
    if (!src) {
        if (d)
            r->done++;
        else
            r->failed++;
    }
    pthread_mutex_unlock(&r->sink_mu);
    if (src) {
        pthread_mutex_lock(&r->mu);
        stop_locked(r, src, &err);
        pthread_mutex_unlock(&r->mu);
    }
    return src == 0;
}

static void run_slot(struct run *r, struct slot *s, struct seer_arena *a)
{
    struct seer_dets d;
    struct seer_err err = {{0}};
    int rc;

    if (s->rc) {
        deliver(r, s->i, NULL, s->rc, s->err.msg);
        return;
    }
    seer_arena_reset(a);
    rc = seer_detect_image(r->m, &s->img, &r->o->detect, a, &d, &err);
    if (rc == SEER_ENOMEM) {
        /* Out of memory is the machine's problem, not the photo's: stop rather than
         * record every remaining input as failed. */
        pthread_mutex_lock(&r->mu);
        stop_locked(r, rc, &err);
        pthread_mutex_unlock(&r->mu);
        return;
    }
    if (rc) {
        deliver(r, s->i, NULL, rc, err.msg);
        return;
    }
    d.time_ms += s->decode_ms;
    deliver(r, s->i, &d, 0, NULL);
}

static void *worker_main(void *arg)
{
    struct run *r = arg;
    int k = r->o->batch_size > 0 ? r->o->batch_size : 1;
    struct slot **batch = seer_calloc((size_t)k, sizeof(*batch));
    struct seer_arena *a = seer_arena_new((size_t)1 << 20);

    lower_priority(r->o->nice);
    pthread_mutex_lock(&r->mu);
    if (!batch || !a) {
        struct seer_err e;

        seer_errf(&e, SEER_ENOMEM, "batch: out of memory for a worker");
        stop_locked(r, SEER_ENOMEM, &e);
    }
    for (;;) {
        int got = 0;

        while (!r->ready_head && r->decoders_left > 0 && !r->stop)
            pthread_cond_wait(&r->cv_ready, &r->mu);
        if (r->stop || !r->ready_head)
            break;
        while (got < k && r->ready_head) {
            batch[got++] = r->ready_head;
            r->ready_head = r->ready_head->next;
            if (!r->ready_head)
                r->ready_tail = NULL;
        }
        pthread_mutex_unlock(&r->mu);
        for (int b = 0; b < got; b++) {
            if (!r->stop)
                run_slot(r, batch[b], a);
            pthread_mutex_lock(&r->mu);
            batch[b]->next = r->free_list;
            r->free_list = batch[b];
            pthread_cond_signal(&r->cv_free);
            pthread_mutex_unlock(&r->mu);
        }
        pthread_mutex_lock(&r->mu);
    }
    if (--r->workers_left == 0)
        pthread_cond_broadcast(&r->cv_done);
    pthread_mutex_unlock(&r->mu);
    seer_arena_free(a);
    seer_free(batch);
    return NULL;
}

static void fmt_eta(char *buf, size_t cap, double s)
{
    long t = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;

    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

/* "12/112 done, 1 failed, 23.4 images/s, ETA 4s" over the previous line; the last one
 * says how long the run took and ends the line. */
static void progress(const struct run *r, size_t total, double t0, bool last)
{
    size_t n = r->done + r->failed;
    double s = (now_ms() - t0) / 1e3, rate = s > 0 ? n / s : 0;
    char t[32];

    fmt_eta(t, sizeof(t), last ? s : rate > 0 ? (total - n) / rate : 0);
    fprintf(stderr, "\r%zu/%zu done, %zu failed, %.1f images/s, %s %s\033[K%s", n, total, r->failed,
            rate, last ? "took" : "ETA", t, last ? "\n" : "");
    fflush(stderr);
}

void seer_batch_opts_init(struct seer_batch_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->n_workers = 1;
    o->n_decoders = 1;
    o->batch_size = 1;
    o->detect = seer_detect_defaults();
}

int seer_batch_run(struct seer_model *m, const struct seer_batch_inputs *in, const uint8_t *skip,
                   const struct seer_batch_opts *o, const struct seer_batch_sink *sink,
                   struct seer_batch_stats *st, struct seer_err *err)
{
    const struct seer_manifest *man = seer_model_manifest(m);
    struct run r = {0};
    struct slot *slots = NULL;
    pthread_t *tids = NULL;
    int nw = o->n_workers > 0 ? o->n_workers : 1, nd = o->n_decoders > 0 ? o->n_decoders : 1;
    int k = o->batch_size > 0 ? o->batch_size : 1, nq = o->queue_len, started = 0;
    double t0 = now_ms(), last_tick = t0;
    bool show = o->progress;
    int rc = SEER_OK;

    memset(st, 0, sizeof(*st));
    for (size_t i = 0; i < in->n; i++)
        st->total += !(skip && skip[i]);
    if (st->total == 0)
        return SEER_OK;
    if (nw > MAX_THREADS || nd > MAX_THREADS || k > 4096)
        return seer_errf(err, SEER_EINVAL, "batch: at most %d workers and decoders, batch 4096",
                         MAX_THREADS);
    if (nq <= 0)
        nq = 2 * nw * k + nd;
    r.m = m;
    r.in = in;
    r.skip = skip;
    r.o = o;
    r.sink = sink;
    /* DCT scaling (as seer_detect_bytes does) unless full size is asked for. */
    r.min_w = o->full_size ? 0 : man->input.width;
    r.min_h = o->full_size ? 0 : man->input.height;
    pthread_mutex_init(&r.mu, NULL);
    pthread_mutex_init(&r.sink_mu, NULL);
    pthread_cond_init(&r.cv_free, NULL);
    pthread_cond_init(&r.cv_ready, NULL);
    pthread_cond_init(&r.cv_done, NULL);
    slots = seer_calloc((size_t)nq, sizeof(*slots));
    tids = seer_calloc((size_t)(nw + nd), sizeof(*tids));
    if (!slots || !tids) {
        rc = seer_errf(err, SEER_ENOMEM, "batch: out of memory");
        goto out;
    }
    for (int i = 0; i < nq; i++) {
        if (!(slots[i].a = seer_arena_new((size_t)1 << 20))) {
            rc = seer_errf(err, SEER_ENOMEM, "batch: out of memory");
            goto out;
        }
        slots[i].next = r.free_list;
        r.free_list = &slots[i];
    }
    r.decoders_left = nd;
    r.workers_left = nw;
    for (int i = 0; i < nw + nd; i++) {
        int e = pthread_create(&tids[i], NULL, i < nw ? worker_main : decoder_main, &r);

        if (e) {
            struct seer_err terr;

            /* Threads that never started will not count themselves down. */
            pthread_mutex_lock(&r.mu);
            r.workers_left -= i < nw ? nw - i : 0;
            r.decoders_left -= i < nw ? nd : nw + nd - i;
            seer_errf(&terr, SEER_EIO, "batch: cannot start a thread: %s", strerror(e));
            stop_locked(&r, SEER_EIO, &terr);
            pthread_mutex_unlock(&r.mu);
            break;
        }
        started++;
    }
    pthread_mutex_lock(&r.mu);
    while (r.workers_left > 0) {
        struct timespec ts;
        double t = now_ms();

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&r.cv_done, &r.mu, &ts);
        if (r.workers_left == 0)
            break;
        if (!r.stop && cancelled(&r)) {
            st->cancelled = true;
            stop_locked(&r, 0, NULL);
        }
        if (t - last_tick < TICK_MS)
            continue;
        last_tick = t;
        pthread_mutex_unlock(&r.mu);
        pthread_mutex_lock(&r.sink_mu);
        if (sink->tick) {
            struct seer_err terr = {{0}};
            int trc = sink->tick(sink->ctx, &terr);

            if (trc) {
                pthread_mutex_lock(&r.mu);
                stop_locked(&r, trc, &terr);
                pthread_mutex_unlock(&r.mu);
            }
        }
        if (show)
            progress(&r, st->total, t0, false);
        pthread_mutex_unlock(&r.sink_mu);
        pthread_mutex_lock(&r.mu);
    }
    pthread_mutex_unlock(&r.mu);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    /* A cancel that came after the last tick still counts when inputs were left. */
    if (!st->cancelled && cancelled(&r) && r.done + r.failed < st->total)
        st->cancelled = true;
    if (show)
        progress(&r, st->total, t0, true);
    if (r.rc && !rc) {
        rc = r.rc;
        if (err)
            *err = r.err;
    }
out:
    st->done = r.done;
    st->failed = r.failed;
    st->seconds = (now_ms() - t0) / 1e3;
    for (int i = 0; slots && i < nq; i++)
        seer_arena_free(slots[i].a);
    seer_free(slots);
    seer_free(tids);
    pthread_cond_destroy(&r.cv_free);
    pthread_cond_destroy(&r.cv_ready);
    pthread_cond_destroy(&r.cv_done);
    pthread_mutex_destroy(&r.sink_mu);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
