/*
 * COCO detections from a model run over an annotation file's images, for `seer eval
 * --model`: the batch pipeline (the same decode, detect and threading as `seer batch`) with a
 * sink that keeps the detections in memory at full precision instead of writing files.
 */
#include <string.h>

#include <seer/batch.h>
#include <seer/eval.h>

#include "core/alloc.h"

struct coco_sink {
    const struct seer_batch_inputs *in;
    struct seer_eval_det *v; /* owns */
    size_t n, cap;
    double sum_ms;
    size_t n_ok;
    struct seer_err *first_failure;
    bool have_failure;
};

static int coco_done(void *ctx, size_t i, const struct seer_dets *d, int rc, const char *msg,
                     struct seer_err *err)
{
    struct coco_sink *cs = ctx;
    const struct seer_batch_input *x = &cs->in->v[i];

    if (!d) {
        if (!cs->have_failure && cs->first_failure) {
            size_t pn = strlen(x->path);

            /* File errors already start with the path. */
            if (msg && !strncmp(msg, x->path, pn) && msg[pn] == ':')
                seer_errf(cs->first_failure, rc, "%s", msg);
            else
                seer_errf(cs->first_failure, rc, "%s: %s", x->path,
                          msg && *msg ? msg : seer_status_name(rc));
        }
        cs->have_failure = true;
        return SEER_OK;
    }
    if (cs->n + (size_t)d->n > cs->cap) {
        size_t cap = cs->cap ? cs->cap : 1024, bytes;
        struct seer_eval_det *v;

        while (cap < cs->n + (size_t)d->n)
            cap *= 2;
        if (!seer_mul_size(cap, sizeof(*v), &bytes) || !(v = seer_realloc(cs->v, bytes)))
            return seer_errf(err, SEER_ENOMEM, "eval: out of memory for %zu detections", cap);
        cs->v = v;
        cs->cap = cap;
    }
    for (int k = 0; k < d->n; k++) {
        const struct seer_det *e = &d->d[k];
        struct seer_eval_det *o = &cs->v[cs->n++];

        o->image_id = x->image_id;
        o->category_id = e->category_id;
        o->bbox[0] = e->box[0];
        o->bbox[1] = e->box[1];
        o->bbox[2] = (double)e->box[2] - e->box[0];
        o->bbox[3] = (double)e->box[3] - e->box[1];
        o->score = e->score;
    }
    cs->sum_ms += d->time_ms;
    cs->n_ok++;
    return SEER_OK;
}

int seer_batch_coco_dets(struct seer_model *m, const struct seer_eval_gt *gt,
                         const char *images_dir, const struct seer_batch_opts *o,
                         struct seer_eval_det **out, size_t *n_dets, struct seer_batch_stats *st,
                         double *mean_ms, struct seer_err *first_failure, struct seer_err *err)
{
    struct seer_batch_inputs in;
    struct coco_sink cs = {0};
    struct seer_batch_sink sink = {&cs, coco_done, NULL};
    int rc;

    *out = NULL;
    *n_dets = 0;
    memset(st, 0, sizeof(*st));
    if (mean_ms)
        *mean_ms = 0;
    seer_batch_inputs_init(&in);
    rc = seer_batch_inputs_coco(&in, gt, images_dir, err);
    if (rc)
        goto out;
    cs.in = &in;
    cs.first_failure = first_failure;
    rc = seer_batch_run(m, &in, NULL, o, &sink, st, err);
    if (rc)
        goto out;
    *out = cs.v;
    *n_dets = cs.n;
    cs.v = NULL;
    if (mean_ms)
        *mean_ms = cs.n_ok ? cs.sum_ms / cs.n_ok : 0;
out:
    seer_free(cs.v);
    seer_batch_inputs_clear(&in);
    return rc;
}
