/*
 * A batch job: inputs through the pipeline into the crash-safe store, then the final files.
 *
 * Design
 * ------
 * Inputs. A job's inputs are a fixed, ordered list: a glob is expanded and sorted by byte
 * value (directory order differs between machines and runs), a list file or a JSON Lines
 * file keeps its own order, a COCO annotation file gives its images in id order. Inputs are
 * known by their position in that list.
 *
 * Shards. `--shard i/N` keeps the inputs whose position modulo N is i. Modulo rather than a
 * hash of the path: every shard gets the same number of inputs (within one), neighbouring
 * inputs (often similar sizes) spread evenly, and the rule needs nothing but the sorted
 * list, so N machines that see the same files agree without talking to each other. Each
 * shard writes its own files (results-0000i-of-0000N), so shards can share one output
 * folder and run at the same time.
 *
 * Pipeline. Decode threads read and decode photos ahead into a bounded queue; inference
 * workers run the detect path (run.c). Outcomes (results and failures alike) reach the
 * store one at a time.
 *
 * Crash safety and resume. Outcomes are committed in chunks: after 64 outcomes or 2 s,
 * whichever comes first, the queued lines are written to a new chunk file under a temporary
 * name, fsynced and renamed into .seer-batch-<i>-of-<N>/ (then the folder is fsynced). A
 * chunk's first line lists the inputs it holds (its done-index). After kill -9 the chunks
 * present are exactly the committed work, so a rerun of the same command reads the chunk
 * headers, skips those inputs and runs the rest; at most the last uncommitted chunk (64
 * inputs or 2 s of work) is done again, never written twice, because each input enters
 * exactly one committed chunk. A flock on the work folder keeps two runs of one shard apart,
 * and a fingerprint (inputs, model name and version, thresholds, shard) refuses to mix the
 * chunks of two different jobs.
 *
 * Final files. When every input has an outcome, the chunks are streamed, in commit order,
 * into prediction.results-<i>-of-<N> (JSON Lines, one result per input), prediction.
 * errors_stats-<i>-of-<N> (one line per failed input) and, for COCO inputs, the COCO results
 * file; each is written to a temporary name, fsynced and renamed. A "complete" marker is
 * written last and the chunks deleted, so a rerun after completion does nothing and a crash
 * during the merge just merges again. Lines are in commit order (close to input order, not
 * equal to it); each carries its path or key, as Cloud ML Engine's output does.
 */
#include <stdio.h>
#include <string.h>

#include <seer/batch.h>

#include "core/alloc.h"
#include "core/arena.h"

struct job_sink {
    const struct seer_batch_job *j;
    struct seer_batch_store *store;
    struct seer_arena *a; /* scratch for one outcome's lines (sink calls are serialised) */
};

static void report(const struct job_sink *js)
{
    if (js->j->on_progress)
        js->j->on_progress(js->j->ctx, seer_batch_store_n_done(js->store),
                           seer_batch_store_n_failed(js->store), js->j->inputs->n);
}

static int sink_done(void *ctx, size_t i, const struct seer_dets *d, int rc, const char *msg,
                     struct seer_err *err)
{
    struct job_sink *js = ctx;
    const struct seer_batch_input *x = &js->j->inputs->v[i];
    char *line = NULL, *coco = NULL;
    size_t len = 0, coco_len = 0;
    int frc;

    seer_arena_reset(js->a);
    if (d) {
        frc = seer_batch_format_result(x, js->j->model, d, js->a, &line, &len);
        if (!frc && js->j->coco && x->image_id >= 0)
            frc = seer_batch_format_coco(x, d, js->a, &coco, &coco_len);
    } else {
        frc = seer_batch_format_error(x, rc, msg, js->a, &line, &len);
    }
    if (frc)
        return seer_errf(err, frc, "batch: out of memory formatting a result");
    return seer_batch_store_put(js->store, i, d == NULL, line, len, coco, coco_len, err);
}

static int sink_tick(void *ctx, struct seer_err *err)
{
    struct job_sink *js = ctx;
    int rc = seer_batch_store_commit(js->store, false, err);

    report(js);
    return rc;
}

/* Everything that changes what the results would be, folded into one number. */
static uint64_t job_fingerprint(const struct seer_batch_job *j)
{
    const struct seer_detect_opts *d = &j->run.detect;
    char text[512];
    uint64_t h = 0xcbf29ce484222325ull;
    int n;

    n = snprintf(text, sizeof(text),
                 "inputs=%016llx model=%s version=%d score=%.9g iou=%.9g max=%d shard=%d/%d "
                 "coco=%d",
                 (unsigned long long)seer_batch_inputs_digest(j->inputs), seer_model_name(j->model),
                 seer_model_version(j->model), (double)d->score_threshold, (double)d->iou_threshold,
                 d->max_detections, j->shard, j->n_shards, j->coco ? 1 : 0);
    for (int i = 0; i < n && i < (int)sizeof(text); i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int seer_batch_job_run(const struct seer_batch_job *j, struct seer_batch_stats *st,
                       struct seer_err *err)
{
    struct seer_batch_store_opts so = {0};
    struct job_sink js = {j, NULL, NULL};
    struct seer_batch_sink sink = {&js, sink_done, sink_tick};
    uint8_t *skip = NULL;
    int rc;

    memset(st, 0, sizeof(*st));
    so.dir = j->out_dir;
    so.shard = j->shard;
    so.n_shards = j->n_shards;
    so.fingerprint = job_fingerprint(j);
    so.n_inputs = j->inputs->n;
    so.coco = j->coco;
    so.chunk_items = j->chunk_items;
    so.chunk_ms = j->chunk_ms;
    rc = seer_batch_store_open(&so, &js.store, err);
    if (rc)
        return rc;
    if (seer_batch_store_is_complete(js.store)) {
        report(&js);
        goto out;
    }
    js.a = seer_arena_new((size_t)1 << 16);
    skip = seer_malloc(j->inputs->n ? j->inputs->n : 1);
    if (!js.a || !skip) {
        rc = seer_errf(err, SEER_ENOMEM, "batch: out of memory");
        goto out;
    }
    /* A copy: the store marks inputs done while the pipeline still reads its skip list. */
    memcpy(skip, seer_batch_store_done(js.store), j->inputs->n);
    rc = seer_batch_run(j->model, j->inputs, skip, &j->run, &sink, st, err);
    if (rc || st->cancelled) {
        /* Keep what finished: the next run starts after it. */
        struct seer_err ignored;
        int crc = seer_batch_store_commit(js.store, true, rc ? &ignored : err);

        rc = rc ? rc : crc;
        report(&js);
        goto out;
    }
    rc = seer_batch_store_finish(js.store, err);
    report(&js);
out:
    seer_free(skip);
    seer_arena_free(js.a);
    seer_batch_store_free(js.store);
    return rc;
}
