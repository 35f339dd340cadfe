/*
 * Prometheus metrics: request counts by route, model and status; latency histograms by
 * route; inference-time histograms by model. Thread-safe; a fixed number of series
 * (overflow is counted under route "other") so hostile paths cannot grow memory.
 */
#ifndef SEER_SERVE_METRICS_H
#define SEER_SERVE_METRICS_H

#include <stddef.h>

struct seer_arena;
struct seer_metrics; /* opaque */

struct seer_metrics *seer_metrics_new(void);    /* NULL on ENOMEM */
void seer_metrics_free(struct seer_metrics *m); /* NULL ok */

/* One finished request. route is a pattern from the route table (or NULL), model the
 * "name:version" label or NULL. Strings are copied. */
void seer_metrics_request(struct seer_metrics *m, const char *route, const char *model,
                          int http_status, double seconds);
/* One model run (decode + preprocess + graph + postprocess). */
void seer_metrics_inference(struct seer_metrics *m, const char *model, double seconds);

/* Gauges the server knows at render time. */
struct seer_metrics_gauges {
    int queue_depth, queue_capacity, workers_busy, in_flight, models_loaded, models_failed;
};

/* The text exposition format (version 0.0.4), in the arena. NULL on ENOMEM. */
char *seer_metrics_render(struct seer_metrics *m, const struct seer_metrics_gauges *g,
                          struct seer_arena *a, size_t *n);

#endif /* SEER_SERVE_METRICS_H */
