/*
 * The inference queue: a bounded FIFO of jobs served by a fixed set of worker threads.
 * Network threads only enqueue and never wait for a model, and the workers never touch
 * a socket, so a slow client cannot hold up inference and inference cannot stall the
 * network threads. A full queue is refused at once (EBUSY → 503 with Retry-After).
 */
#ifndef SEER_SERVE_INFER_H
#define SEER_SERVE_INFER_H

struct seer_infer; /* opaque */

typedef void (*seer_infer_fn)(void *ctx);

/* n_workers >= 1 threads, queue_len >= 1 waiting jobs. NULL on failure. */
struct seer_infer *seer_infer_new(int n_workers, int queue_len);
/* Runs every queued job and joins the workers; later submits get EBUSY. NULL ok. */
void seer_infer_stop(struct seer_infer *q);
/* Stops (as above) and frees. NULL ok. */
void seer_infer_free(struct seer_infer *q);
/* Queues fn(ctx); SEER_EBUSY when the queue is full. ctx is borrowed until fn runs. */
int seer_infer_submit(struct seer_infer *q, seer_infer_fn fn, void *ctx);
/* Jobs waiting, queue capacity, and jobs running now. */
int seer_infer_depth(struct seer_infer *q);
int seer_infer_capacity(const struct seer_infer *q);
int seer_infer_busy(struct seer_infer *q);
int seer_infer_workers(const struct seer_infer *q);

#endif /* SEER_SERVE_INFER_H */
