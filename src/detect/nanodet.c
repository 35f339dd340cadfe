/*
 * NanoDet (NanoDet-g, a GFL head): for each of three feature levels (strides 8, 16, 32)
 * the graph emits per-cell class scores (already through a sigmoid) and, per box side,
 * a distribution over 11 distance bins. Decoding follows upstream NanoDet: keep the
 * 1000 best cells of each level by their best class score, read each side's distance
 * as the expectation of the softmax'ed bins times the stride, measured from the cell
 * centre, clip to the input, then threshold and per-class NMS over all levels.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "detect/detect_int.h"

#define N_LEVELS  3
#define N_BINS    (SEER__NANODET_REG_MAX + 1)
#define BOX_CH    (4 * N_BINS)
#define TOP_CELLS 1000

static const int strides[N_LEVELS] = {8, 16, 32};

struct level {
    int stride, gw, gh, cells;
    const float *cls; /* [cells, n_cls] */
    const float *box; /* [cells, 4 * N_BINS] */
};

static bool is_f32_3d(const struct seer_tensor *t, int64_t cells)
{
    return t->dtype == SEER_DTYPE_F32 && t->ndim == 3 && t->dims[0] == 1 && t->dims[1] == cells;
}

/* Finds each level's two tensors by shape: the graph's output order (Identity, Identity_1,
 * ...) is an accident of the converter and differs between exports. */
static int find_levels(const struct seer_tensor *const *outs, int n_outs,
                       const struct seer__decode_args *da, struct level *lv, int *n_cls,
                       struct seer_err *err)
{
    *n_cls = -1;
    for (int l = 0; l < N_LEVELS; l++) {
        int s = strides[l];

        lv[l].stride = s;
        lv[l].gw = (da->in_w + s - 1) / s;
        lv[l].gh = (da->in_h + s - 1) / s;
        lv[l].cells = lv[l].gw * lv[l].gh;
        lv[l].cls = lv[l].box = NULL;
        for (int i = 0; i < n_outs; i++) {
            const struct seer_tensor *t = outs[i];

            if (!t || !is_f32_3d(t, lv[l].cells))
                continue;
            if (t->dims[2] == BOX_CH && !lv[l].box) {
                lv[l].box = t->data;
            } else if (t->dims[2] != BOX_CH && !lv[l].cls) {
                if (*n_cls >= 0 && t->dims[2] != *n_cls)
                    return seer_errf(err, SEER_EFORMAT,
                                     "nanodet: stride %d scores %lld classes, stride %d %d", s,
                                     (long long)t->dims[2], strides[0], *n_cls);
                if (t->dims[2] < 1 || t->dims[2] > 100000)
                    return seer_errf(err, SEER_EFORMAT, "nanodet: stride %d has %lld classes", s,
                                     (long long)t->dims[2]);
                lv[l].cls = t->data;
                *n_cls = (int)t->dims[2];
            }
        }
        if (!lv[l].cls || !lv[l].box)
            return seer_errf(err, SEER_EFORMAT,
                             "nanodet: no float32 outputs [1,%d,C] and [1,%d,%d] for stride %d "
                             "(input %dx%d)",
                             lv[l].cells, lv[l].cells, BOX_CH, s, da->in_w, da->in_h);
    }
    if (da->n_classes > 0 && *n_cls != da->n_classes)
        return seer_errf(err, SEER_EFORMAT,
                         "nanodet: the model scores %d classes but has %d "
                         "labels",
                         *n_cls, da->n_classes);
    return SEER_OK;
}

struct cell_score {
    float score;
    int cell;
};

static int cmp_cell(const void *pa, const void *pb)
{
    const struct cell_score *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->cell > b->cell) - (a->cell < b->cell);
}

/* Marks the (at most TOP_CELLS) cells of a level that upstream keeps: the best by their
 * highest class score. Ties go to the lower cell index. */
static int select_cells(const struct level *lv, int n_cls, bool *sel)
{
    struct cell_score *cs;
    int n = lv->cells;

    if (n <= TOP_CELLS) {
        for (int c = 0; c < n; c++)
            sel[c] = true;
        return SEER_OK;
    }
    cs = seer_calloc((size_t)n, sizeof(*cs));
    if (!cs)
        return SEER_ENOMEM;
    for (int c = 0; c < n; c++) {
        const float *p = lv->cls + (size_t)c * (size_t)n_cls;
        float m = p[0];

        for (int k = 1; k < n_cls; k++)
            m = p[k] > m ? p[k] : m;
        /* A NaN score would make the order undefined; it can never pass the threshold. */
        cs[c].score = m == m ? m : -INFINITY;
        cs[c].cell = c;
        sel[c] = false;
    }
    qsort(cs, (size_t)n, sizeof(*cs), cmp_cell);
    for (int k = 0; k < TOP_CELLS; k++)
        sel[cs[k].cell] = true;
    seer_free(cs);
    return SEER_OK;
}

/* Expected distance of one side: softmax over its bins (max subtracted for range), then
 * sum of bin index times probability. */
static double side_distance(const float *bins)
{
    double m = bins[0], sum = 0.0, acc = 0.0;

    for (int i = 1; i < N_BINS; i++)
        m = bins[i] > m ? bins[i] : m;
    for (int i = 0; i < N_BINS; i++) {
        double e = exp(bins[i] - m);

        sum += e;
        acc += e * i;
    }
    return acc / sum;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void decode_box(const struct level *lv, int cell, int in_w, int in_h, float *box)
{
    const float *b = lv->box + (size_t)cell * BOX_CH;
    double cx = ((cell % lv->gw) + 0.5) * lv->stride;
    double cy = ((cell / lv->gw) + 0.5) * lv->stride;
    double l = side_distance(b) * lv->stride;
    double t = side_distance(b + N_BINS) * lv->stride;
    double r = side_distance(b + 2 * N_BINS) * lv->stride;
    double btm = side_distance(b + 3 * N_BINS) * lv->stride;

    box[0] = (float)clampd(cx - l, 0.0, in_w);
    box[1] = (float)clampd(cy - t, 0.0, in_h);
    box[2] = (float)clampd(cx + r, 0.0, in_w);
    box[3] = (float)clampd(cy + btm, 0.0, in_h);
}

int seer__nanodet_decode(const struct seer_tensor *const *outs, int n_outs,
                         const struct seer__decode_args *da, struct seer_arena *ar,
                         struct seer_det **out, int *n, struct seer_err *err)
{
    struct level lv[N_LEVELS];
    bool *sel[N_LEVELS] = {NULL};
    struct seer_det *cand = NULL, *d;
    int *keep = NULL;
    int n_cls, n_cand = 0, k = 0, n_keep, rc;
    double sx, sy;

    *out = NULL;
    *n = 0;
    rc = find_levels(outs, n_outs, da, lv, &n_cls, err);
    if (rc)
        return rc;
    /* First pass: which cells each level keeps, and how many (cell, class) pairs pass
     * the threshold, so the candidate array is allocated once at its exact size. */
    for (int l = 0; l < N_LEVELS; l++) {
        sel[l] = seer_calloc((size_t)lv[l].cells, sizeof(bool));
        if (!sel[l] || select_cells(&lv[l], n_cls, sel[l])) {
            rc = seer_errf(err, SEER_ENOMEM, "nanodet: out of memory");
            goto out;
        }
        for (int c = 0; c < lv[l].cells; c++) {
            const float *p = lv[l].cls + (size_t)c * (size_t)n_cls;

            for (int j = 0; sel[l][c] && j < n_cls; j++)
                n_cand += p[j] > da->score_threshold;
        }
    }
    cand = seer_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof(*cand));
    keep = seer_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof(*keep));
    if (!cand || !keep) {
        rc = seer_errf(err, SEER_ENOMEM, "nanodet: out of memory for %d candidates", n_cand);
        goto out;
    }
    for (int l = 0; l < N_LEVELS; l++) {
        for (int c = 0; c < lv[l].cells; c++) {
            const float *p = lv[l].cls + (size_t)c * (size_t)n_cls;
            float box[4];
            bool have_box = false;

            if (!sel[l][c])
                continue;
            for (int j = 0; j < n_cls; j++) {
                if (!(p[j] > da->score_threshold))
                    continue;
                if (!have_box) {
                    decode_box(&lv[l], c, da->in_w, da->in_h, box);
                    have_box = true;
                }
                cand[k].class_index = j;
                cand[k].category_id = j;
                cand[k].score = p[j];
                for (int q = 0; q < 4; q++)
                    cand[k].box[q] = box[q];
                k++;
            }
        }
    }
    n_keep = seer__nms(cand, n_cand, da->iou_threshold, da->max_detections, keep);
    if (n_keep < 0) {
        rc = seer_errf(err, SEER_ENOMEM, "nanodet: out of memory in NMS");
        goto out;
    }
    d = seer_arena_array(ar, (size_t)(n_keep > 0 ? n_keep : 1), sizeof(*d));
    if (!d) {
        rc = seer_errf(err, SEER_ENOMEM, "nanodet: out of memory");
        goto out;
    }
    sx = (double)da->orig_w / da->in_w;
    sy = (double)da->orig_h / da->in_h;
    for (int i = 0; i < n_keep; i++) {
        d[i] = cand[keep[i]];
        d[i].box[0] = (float)(cand[keep[i]].box[0] * sx);
        d[i].box[1] = (float)(cand[keep[i]].box[1] * sy);
        d[i].box[2] = (float)(cand[keep[i]].box[2] * sx);
        d[i].box[3] = (float)(cand[keep[i]].box[3] * sy);
    }
    *out = d;
    *n = n_keep;
out:
    for (int l = 0; l < N_LEVELS; l++)
        seer_free(sel[l]);
    seer_free(cand);
    seer_free(keep);
    return rc;
}
