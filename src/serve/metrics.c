/* Prometheus counters and histograms (see metrics.h). */
#include "serve/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

#define MAX_SERIES  256
#define MAX_HIST    64
#define LABEL_CHARS 96

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct counter {
    char route[LABEL_CHARS], model[LABEL_CHARS];
    int status;
    unsigned long long n;
};

struct hist {
    char label[LABEL_CHARS]; /* route or model */
    unsigned long long b[N_BUCKETS], count;
    double sum;
};

struct seer_metrics {
    pthread_mutex_t mu;
    struct counter c[MAX_SERIES];
    int n_c;
    struct hist lat[MAX_HIST], inf[MAX_HIST];
    int n_lat, n_inf;
};

struct seer_metrics *seer_metrics_new(void)
{
    struct seer_metrics *m = seer_calloc(1, sizeof(*m));

    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void seer_metrics_free(struct seer_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    seer_free(m);
}

/* Copies a label value, keeping it printable and free of the characters the text format
 * would need escaped (labels come from model names, which are input too). */
static void label_copy(char dst[LABEL_CHARS], const char *s)
{
    size_t j = 0;

    for (size_t i = 0; s && s[i] && j + 1 < LABEL_CHARS; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[j++] = (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) ? '_' : (char)c;
    }
    dst[j] = 0;
}

static void hist_add(struct hist *h, int *n, const char *label, double v)
{
    char l[LABEL_CHARS];
    struct hist *x = NULL;

    label_copy(l, label);
    for (int i = 0; i < *n; i++)
        if (!strcmp(h[i].label, l))
            x = &h[i];
    if (!x && *n < MAX_HIST) {
        x = &h[(*n)++];
        memcpy(x->label, l, sizeof(l));
    }
    if (!x)
        x = &h[MAX_HIST - 1]; /* full: the last series absorbs the rest */
    for (size_t b = 0; b < N_BUCKETS; b++)
        if (v <= buckets[b])
            x->b[b]++;
    x->count++;
    x->sum += v;
}

void seer_metrics_request(struct seer_metrics *m, const char *route, const char *model,
                          int http_status, double seconds)
{
    char r[LABEL_CHARS], md[LABEL_CHARS];
    struct counter *c = NULL;

    if (!m)
        return;
    label_copy(r, route ? route : "other");
    label_copy(md, model ? model : "");
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->n_c; i++)
        if (m->c[i].status == http_status && !strcmp(m->c[i].route, r) &&
            !strcmp(m->c[i].model, md))
            c = &m->c[i];
    if (!c && m->n_c < MAX_SERIES) {
        c = &m->c[m->n_c++];
        memcpy(c->route, r, sizeof(r));
        memcpy(c->model, md, sizeof(md));
        c->status = http_status;
    }
    if (c)
        c->n++;
    hist_add(m->lat, &m->n_lat, r, seconds);
    pthread_mutex_unlock(&m->mu);
}

void seer_metrics_inference(struct seer_metrics *m, const char *model, double seconds)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    hist_add(m->inf, &m->n_inf, model ? model : "", seconds);
    pthread_mutex_unlock(&m->mu);
}

struct buf {
    char *p;
    size_t n, cap;
    bool oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (b->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        char *np = seer_realloc(b->p, b->cap * 2);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap *= 2;
    }
}

static void put_hist(struct buf *b, const char *name, const char *lname, const struct hist *h,
                     int n)
{
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < N_BUCKETS; k++)
            put(b, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name, lname, h[i].label, buckets[k],
                h[i].b[k]);
        put(b, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, lname, h[i].label, h[i].count);
        put(b, "%s_sum{%s=\"%s\"} %.6f\n", name, lname, h[i].label, h[i].sum);
        put(b, "%s_count{%s=\"%s\"} %llu\n", name, lname, h[i].label, h[i].count);
    }
}

char *seer_metrics_render(struct seer_metrics *m, const struct seer_metrics_gauges *g,
                          struct seer_arena *a, size_t *n)
{
    struct buf b = {seer_malloc(4096), 0, 4096, false};
    char *out = NULL;

    *n = 0;
    if (!b.p)
        return NULL;
    b.p[0] = 0;
    pthread_mutex_lock(&m->mu);
    put(&b, "# HELP seer_http_requests_total HTTP requests by route, model and status.\n"
            "# TYPE seer_http_requests_total counter\n");
    for (int i = 0; i < m->n_c; i++)
        put(&b, "seer_http_requests_total{route=\"%s\",model=\"%s\",code=\"%d\"} %llu\n",
            m->c[i].route, m->c[i].model, m->c[i].status, m->c[i].n);
    put(&b, "# HELP seer_http_request_duration_seconds Time from request to answer.\n"
            "# TYPE seer_http_request_duration_seconds histogram\n");
    put_hist(&b, "seer_http_request_duration_seconds", "route", m->lat, m->n_lat);
    put(&b, "# HELP seer_inference_duration_seconds Decode, preprocess, model and "
            "postprocess time per photo.\n"
            "# TYPE seer_inference_duration_seconds histogram\n");
    put_hist(&b, "seer_inference_duration_seconds", "model", m->inf, m->n_inf);
    pthread_mutex_unlock(&m->mu);
    put(&b,
        "# HELP seer_queue_depth Inference requests waiting for a worker.\n"
        "# TYPE seer_queue_depth gauge\nseer_queue_depth %d\n"
        "# HELP seer_queue_capacity Inference requests that may wait before 503.\n"
        "# TYPE seer_queue_capacity gauge\nseer_queue_capacity %d\n"
        "# HELP seer_workers_busy Inference workers running a model now.\n"
        "# TYPE seer_workers_busy gauge\nseer_workers_busy %d\n"
        "# HELP seer_http_in_flight Requests being handled now.\n"
        "# TYPE seer_http_in_flight gauge\nseer_http_in_flight %d\n"
        "# HELP seer_models_loaded Model versions available for prediction.\n"
        "# TYPE seer_models_loaded gauge\nseer_models_loaded %d\n"
        "# HELP seer_models_failed Model versions that failed to load.\n"
        "# TYPE seer_models_failed gauge\nseer_models_failed %d\n",
        g->queue_depth, g->queue_capacity, g->workers_busy, g->in_flight, g->models_loaded,
        g->models_failed);
    if (!b.oom) {
        out = seer_arena_memdup(a, b.p, b.n + 1);
        *n = out ? b.n : 0;
    }
    seer_free(b.p);
    return out;
}
