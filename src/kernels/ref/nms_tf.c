/*
 * Reference NonMaxSuppression (v1), V2 and V3 with TensorFlow's semantics: boxes [N,4]
 * float32 (y1, x1, y2, x2 in either corner order), scores [N] float32, max_output_size
 * (int32 scalar), iou_threshold (a float scalar input; v1 has it as an attribute, which
 * the importer puts in attrs.alpha) and, for V3, score_threshold (v1, V2: none). Out:
 * int32 indices of the kept boxes, at most max_output_size, in the order they were
 * picked.
 *
 * Candidates with score > score_threshold are visited by score, highest first (ties:
 * lower index first); one is kept unless its IoU with a box kept before it is greater
 * than iou_threshold. A box with no area overlaps nothing. IoU is computed in float.
 *
 * The output's length depends on the data, so the shape function gives an upper bound
 * (min(max_output_size, N)) and the kernel sets the output's dim 0 to the number kept:
 * such a kernel only runs in the dataflow interpreter, which sizes buffers per run.
 * The kernel sorts a scratch copy of the candidate indices.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_nms(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *boxes, *scores;
    int64_t max_out, n;
    int rc = seer__check_arity(nd, 3, 5, 1, err);

    if (rc)
        return rc;
    boxes = nd->in[0];
    scores = nd->in[1];
    if (boxes->dtype != SEER_DTYPE_F32 || boxes->ndim != 2 || boxes->dims[1] != 4)
        return seer_errf(err, SEER_EFORMAT, "boxes must be float32 [N,4]");
    if (scores->dtype != SEER_DTYPE_F32 || scores->ndim != 1 || scores->dims[0] != boxes->dims[0])
        return seer_errf(err, SEER_EFORMAT, "scores must be float32 [N] with N = %lld",
                         (long long)boxes->dims[0]);
    for (int i = 3; i < nd->n_in; i++)
        if (nd->in[i]->dtype != SEER_DTYPE_F32 || seer_tensor_numel(nd->in[i]) != 1)
            return seer_errf(err, SEER_EFORMAT, "%s must be a float scalar",
                             i == 3 ? "iou_threshold" : "score_threshold");
    rc = seer__const_scalar(nd, 2, "max_output_size", &max_out, err);
    if (rc)
        return rc;
    if (max_out < 0)
        return seer_errf(err, SEER_EFORMAT, "max_output_size is negative");
    n = boxes->dims[0] < max_out ? boxes->dims[0] : max_out;
    if (n > INT32_MAX)
        return seer_errf(err, SEER_ELIMIT, "too many boxes");
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I32, 1, &n);
    return SEER_OK;
}

size_t seer_scratch_nms(const struct seer_node *nd)
{
    return (size_t)nd->in[0]->dims[0] * sizeof(int32_t) + 64;
}

static float iou(const float *a, const float *b)
{
    float ay1 = fminf(a[0], a[2]), ax1 = fminf(a[1], a[3]);
    float ay2 = fmaxf(a[0], a[2]), ax2 = fmaxf(a[1], a[3]);
    float by1 = fminf(b[0], b[2]), bx1 = fminf(b[1], b[3]);
    float by2 = fmaxf(b[0], b[2]), bx2 = fmaxf(b[1], b[3]);
    float area_a = (ay2 - ay1) * (ax2 - ax1), area_b = (by2 - by1) * (bx2 - bx1);

    if (area_a <= 0.0f || area_b <= 0.0f)
        return 0.0f;
    float iy = fmaxf(fminf(ay2, by2) - fmaxf(ay1, by1), 0.0f);
    float ix = fmaxf(fminf(ax2, bx2) - fmaxf(ax1, bx1), 0.0f);
    float inter = iy * ix;
    return inter / (area_a + area_b - inter);
}

/* qsort context: the scores (qsort has none, and the kernel runs on one thread). */
static _Thread_local const float *sort_scores;

static int by_score(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    float sa = sort_scores[a], sb = sort_scores[b];

    if (sa != sb)
        return sa > sb ? -1 : 1;
    return a < b ? -1 : a > b;
}

void seer_kref_nms(const struct seer_kctx *k, const struct seer_node *nd)
{
    const float *boxes = nd->in[0]->data, *scores = nd->in[1]->data;
    float iou_thr = nd->n_in > 3 ? ((const float *)nd->in[3]->data)[0] : nd->a.alpha;
    float score_thr = nd->n_in > 4 ? ((const float *)nd->in[4]->data)[0] : -INFINITY;
    int64_t n = nd->in[0]->dims[0], max_out = nd->out[0]->dims[0], n_cand = 0, n_sel = 0;
    int32_t *cand = k->scratch, *sel = nd->out[0]->data;

    if (k->ith != 0)
        return;
    for (int64_t i = 0; i < n; i++)
        if (scores[i] > score_thr)
            cand[n_cand++] = (int32_t)i;
    sort_scores = scores;
    qsort(cand, (size_t)n_cand, sizeof(*cand), by_score);
    for (int64_t c = 0; c < n_cand && n_sel < max_out; c++) {
        const float *b = boxes + (int64_t)cand[c] * 4;
        bool keep = true;
        for (int64_t j = n_sel - 1; j >= 0 && keep; j--)
            keep = !(iou(b, boxes + (int64_t)sel[j] * 4) > iou_thr);
        if (keep)
            sel[n_sel++] = cand[c];
    }
    nd->out[0]->dims[0] = n_sel;
}
