/*
 * Batch prediction: many photos through one model at full throughput, results written in
 * Cloud ML Engine's file layout (prediction.results-00000-of-00001, ...), resumable after
 * a crash. Three layers, usable on their own:
 *
 *   inputs    what to run: a glob with '**', a list file, Cloud ML Engine JSON instances
 *             (JSON Lines with base64 photos) or a COCO annotation file; sorted, sharded.
 *   run       the pipeline: decode threads feed a bounded queue, inference workers run
 *             the detect path, a sink receives every outcome (one call at a time).
 *   store     the crash-safe sink behind `seer batch` and server jobs: chunk files
 *             committed atomically, merged into the final files at the end.
 *
 * seer_batch_job ties the three together. The design (chunks, resume, sharding) is
 * described at the top of src/batch/job.c.
 *
 * Ownership: struct seer_batch_inputs owns its array and strings (seer_batch_inputs_clear
 * frees them). The pipeline borrows the model, the inputs and the sink for the call.
 */
#ifndef SEER_BATCH_H
#define SEER_BATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/detect.h>
#include <seer/model.h>
#include <seer/status.h>

struct seer_arena;
struct seer_eval_gt;

/* Where the inputs came from; it decides what a result line names the input by. */
enum seer_batch_source {
    SEER_BATCH_SOURCE_FILES = 0, /* glob or list file: "path" */
    SEER_BATCH_SOURCE_JSONL,     /* JSON instances: "key" (or the line number) */
    SEER_BATCH_SOURCE_COCO,      /* annotation file: "path" and "image_id" */
};

/* One input. Strings are owned by the struct seer_batch_inputs holding it. */
struct seer_batch_input {
    const char *path; /* the photo (FILES, COCO) or the JSON Lines file (JSONL) */
    const char *key;  /* JSONL: the instance's "key", NULL when it has none */
    int64_t image_id; /* COCO: the image id; -1 otherwise */
    int64_t line;     /* JSONL: 1-based line number; 0 otherwise */
    uint64_t offset;  /* JSONL: byte offset of the line in the file */
    size_t len;       /* JSONL: length of the line in bytes (without the newline) */
    size_t index;     /* position in the whole input set, before sharding */
};

struct seer_batch_inputs {
    enum seer_batch_source source;
    struct seer_batch_input *v; /* owns */
    size_t n, cap;
    struct seer_arena *arena; /* owns the strings */
};

/* Limits on untrusted inputs. */
#define SEER_BATCH_MAX_INPUTS      ((size_t)50 * 1000 * 1000)
#define SEER_BATCH_MAX_PHOTO_BYTES ((size_t)256 << 20)
#define SEER_BATCH_MAX_JSONL_LINE  ((size_t)64 << 20)
#define SEER_BATCH_GLOB_MAX_DEPTH  64

/* ---- inputs (inputs.c, glob.c) ---- */

void seer_batch_inputs_init(struct seer_batch_inputs *in);
void seer_batch_inputs_clear(struct seer_batch_inputs *in); /* frees everything; init state */

/* Files matching pattern, sorted by byte value (strcmp) without duplicates. Components are
 * matched with fnmatch ('*', '?', '[...]'; a leading '.' only by a pattern that starts with
 * '.'); a component "**" matches zero or more directories. Only regular files (symlinks to
 * them too) are taken; "**" does not descend into symlinked directories, so a link loop
 * cannot trap it. ENOTFOUND when nothing matches, ELIMIT past SEER_BATCH_MAX_INPUTS. */
int seer_batch_inputs_glob(struct seer_batch_inputs *in, const char *pattern, struct seer_err *err);

/* One path per line of list_path, in the file's order ('#' comments and blank lines skipped,
 * a trailing '\r' dropped). Paths are taken as written (relative to the working folder). */
int seer_batch_inputs_list(struct seer_batch_inputs *in, const char *list_path,
                           struct seer_err *err);

/* Cloud ML Engine JSON instances, one per line of jsonl_path, in the file's order: {"b64":
 * ...} or {"image_bytes": {"b64": ...}}, optional "key" (a string or a number). A line that
 * is not such an instance is still an input: it fails when loaded and lands in the errors
 * file. Only the key is kept in memory; the photo is read again when it is run. */
int seer_batch_inputs_jsonl(struct seer_batch_inputs *in, const char *jsonl_path,
                            struct seer_err *err);

/* The images of a COCO annotation file, in id order: images_dir/file_name. */
int seer_batch_inputs_coco(struct seer_batch_inputs *in, const struct seer_eval_gt *gt,
                           const char *images_dir, struct seer_err *err);

/* Keeps shard ith of nth: the inputs whose index (position in the whole, ordered input
 * set) is ith modulo nth. Order and index fields are kept. EINVAL unless 0 <= ith < nth. */
int seer_batch_inputs_shard(struct seer_batch_inputs *in, int ith, int nth, struct seer_err *err);

/* A 64-bit FNV-1a digest of the source and every input's identity (path, key, line,
 * offset, index): two runs with the same digest run the same inputs in the same order. */
uint64_t seer_batch_inputs_digest(const struct seer_batch_inputs *in);

/* The photo bytes of one input: the file, or the JSONL line's base64 decoded. *out is
 * owned by the caller (seer_free). EFORMAT names the line and field for a bad instance. */
int seer_batch_input_load(const struct seer_batch_input *x, size_t max_bytes, uint8_t **out,
                          size_t *n, struct seer_err *err);

/* ---- the pipeline (run.c) ---- */

/* Receives each input's outcome. Calls are serialised (one at a time, under a lock) but come
 * from worker threads and in completion order, not input order. */
struct seer_batch_sink {
    void *ctx;
    /* Input i finished: d on success; d NULL and rc/msg on failure. A non-zero return stops
     * the run with that status (the sink's own message in err). */
    int (*done)(void *ctx, size_t i, const struct seer_dets *d, int rc, const char *msg,
                struct seer_err *err);
    /* Called about every 250 ms from the thread running seer_batch_run (may be NULL). */
    int (*tick)(void *ctx, struct seer_err *err);
};

struct seer_batch_opts {
    int n_workers;          /* inference workers, each running its own plan; 0: 1 */
    int n_decoders;         /* threads reading and decoding photos; 0: 1 */
    int batch_size;         /* photos a worker takes from the queue at once; 0: 1 */
    int queue_len;          /* decoded photos waiting; 0: 2 per worker slot + decoders */
    size_t max_photo_bytes; /* 0: SEER_BATCH_MAX_PHOTO_BYTES */
    int64_t max_pixels;     /* per photo; 0: the image module's default */
    bool full_size;         /* decode JPEGs at full size, not DCT-scaled to the input */
    struct seer_detect_opts detect;
    int nice;           /* > 0: the run's threads lower their priority this much */
    bool progress;      /* a progress line on stderr (done/total, images/s, ETA) */
    atomic_int *cancel; /* non-zero stops the run soon (may be NULL) */
};

/* Options as `seer batch` uses them by default (one worker, one decoder, detect defaults). */
void seer_batch_opts_init(struct seer_batch_opts *o);

struct seer_batch_stats {
    size_t total;        /* inputs to run this time (not skipped) */
    size_t done, failed; /* outcomes handed to the sink */
    double seconds;      /* wall time of the run */
    bool cancelled;
};

/* Runs every input of in whose skip[i] is 0 (skip may be NULL) through m and hands each
 * outcome to sink. A bad input (unreadable, not a photo, over a limit) is an outcome, not a
 * failure of the run. Fails only when the sink fails, on ENOMEM or when threads cannot
 * start. Cancellation returns SEER_OK with st->cancelled set. */
int seer_batch_run(struct seer_model *m, const struct seer_batch_inputs *in, const uint8_t *skip,
                   const struct seer_batch_opts *o, const struct seer_batch_sink *sink,
                   struct seer_batch_stats *st, struct seer_err *err);

/* ---- results as text (format.c) ---- */

/* The result line of one input (no newline): the `seer detect --json` object with "image",
 * "width", "height", "model", "version", "time_ms", "detections", plus "path" or "key" (and
 * "image_id" for COCO inputs). *out is allocated in a. */
int seer_batch_format_result(const struct seer_batch_input *x, const struct seer_model *m,
                             const struct seer_dets *d, struct seer_arena *a, char **out,
                             size_t *len);
/* The error line of one input: {"path" or "key", "line", "status", "error"}. */
int seer_batch_format_error(const struct seer_batch_input *x, int rc, const char *msg,
                            struct seer_arena *a, char **out, size_t *len);
/* COCO results entries of one input, comma-separated, without brackets ("" when none):
 * {"image_id", "category_id", "bbox": [x, y, w, h], "score"}. */
int seer_batch_format_coco(const struct seer_batch_input *x, const struct seer_dets *d,
                           struct seer_arena *a, char **out, size_t *len);

/* ---- the crash-safe result store (store.c) ---- */

struct seer_batch_store; /* opaque */

struct seer_batch_store_opts {
    const char *dir;      /* the output folder (created) */
    int shard, n_shards;  /* names the files: results-<shard>-of-<n_shards> */
    uint64_t fingerprint; /* what the job is; a different one in dir is refused */
    size_t n_inputs;      /* inputs of this shard */
    bool coco;            /* also write a COCO results file */
    int chunk_items;      /* commit after this many outcomes; 0: 64 */
    int chunk_ms;         /* or this long after the first uncommitted one; 0: 2000 */
};

/* Opens (or resumes) the store in o->dir: takes its lock (EBUSY when another run holds it),
 * checks the fingerprint (EINVAL naming the folder when it differs), removes temporary
 * files a crash left and reads which inputs committed chunks already hold. */
int seer_batch_store_open(const struct seer_batch_store_opts *o, struct seer_batch_store **out,
                          struct seer_err *err);
void seer_batch_store_free(struct seer_batch_store *s); /* drops uncommitted lines; NULL ok */

/* True when an earlier run already wrote the final files. */
bool seer_batch_store_is_complete(const struct seer_batch_store *s);
/* done[i] != 0 for inputs a committed chunk holds (n_inputs bytes; borrowed). */
const uint8_t *seer_batch_store_done(const struct seer_batch_store *s);
size_t seer_batch_store_n_done(const struct seer_batch_store *s);   /* committed or queued */
size_t seer_batch_store_n_failed(const struct seer_batch_store *s); /* of those, failures */

/* Queues input i's outcome: its result line (or error line when failed) and, for COCO, its
 * entries (coco may be NULL or empty). Commits a chunk when one is due. */
int seer_batch_store_put(struct seer_batch_store *s, size_t i, bool failed, const char *line,
                         size_t len, const char *coco, size_t coco_len, struct seer_err *err);
/* Commits the queued outcomes now (force) or when the time limit has passed. */
int seer_batch_store_commit(struct seer_batch_store *s, bool force, struct seer_err *err);
/* Commits, checks every input is done (EINVAL otherwise) and writes the final files
 * atomically: prediction.results-*, prediction.errors_stats-* and, for COCO, the COCO file. */
int seer_batch_store_finish(struct seer_batch_store *s, struct seer_err *err);

/* The final file names inside dir (written into buf, snprintf-style return). kind is
 * "results", "errors_stats" or "coco". */
size_t seer_batch_file_name(char *buf, size_t cap, const char *kind, int shard, int n_shards);

/* ---- a whole job (job.c) ---- */

struct seer_batch_job {
    struct seer_model *model;               /* borrowed */
    const struct seer_batch_inputs *inputs; /* borrowed; already sharded */
    const char *out_dir;
    int shard, n_shards;
    bool coco; /* write the COCO results file (COCO inputs only) */
    struct seer_batch_opts run;
    int chunk_items, chunk_ms; /* store commit policy (0: defaults) */
    /* Called about every 250 ms and once at the end with the shard's counts (done
     * includes failed ones, and inputs an earlier run finished); may be NULL. */
    void (*on_progress)(void *ctx, size_t done, size_t failed, size_t total);
    void *ctx;
};

/* Runs (or resumes) a job into out_dir and writes the final files. st describes this run
 * (st->total: inputs still to do when it started); a job already complete does nothing. */
int seer_batch_job_run(const struct seer_batch_job *j, struct seer_batch_stats *st,
                       struct seer_err *err);

/* ---- detections for COCO evaluation (coco.c) ---- */

struct seer_eval_det;

/* Runs m over every image of gt (images_dir/file_name) through the batch pipeline with
 * options o and returns the detections in COCO form: image_id from gt, category_id from the
 * model's label map, bbox [x, y, w, h] in original pixels. *out is a heap array the caller
 * frees with seer_free (NULL when empty). An image that fails is counted in st->failed and
 * the first failure's message is kept in first_failure ("path: why"); it does not fail the
 * call. mean_ms (may be NULL) receives the mean per-image time_ms (decode + detect). */
int seer_batch_coco_dets(struct seer_model *m, const struct seer_eval_gt *gt,
                         const char *images_dir, const struct seer_batch_opts *o,
                         struct seer_eval_det **out, size_t *n_dets, struct seer_batch_stats *st,
                         double *mean_ms, struct seer_err *first_failure, struct seer_err *err);

#endif /* SEER_BATCH_H */
