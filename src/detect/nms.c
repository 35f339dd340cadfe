/* Greedy per-class non-maximum suppression and score ordering of detections. */
#include <stdlib.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

float seer__iou(const float *a, const float *b)
{
    float ix1 = a[0] > b[0] ? a[0] : b[0];
    float iy1 = a[1] > b[1] ? a[1] : b[1];
    float ix2 = a[2] < b[2] ? a[2] : b[2];
    float iy2 = a[3] < b[3] ? a[3] : b[3];
    float iw = ix2 - ix1, ih = iy2 - iy1;
    float inter = (iw > 0.0f ? iw : 0.0f) * (ih > 0.0f ? ih : 0.0f);
    float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    float area_b = (b[2] - b[0]) * (b[3] - b[1]);
    float uni = area_a + area_b - inter;

    /* The negated test also catches a NaN union (a box with NaN corners). */
    if (!(uni > 0.0f))
        return 0.0f;
    return inter / uni;
}

/* Order of candidates: score, highest first; equal scores keep their index order, so the
 * result never depends on how qsort breaks ties. NaN scores sort last. */
struct ord {
    float score;
    int i;
};

static int cmp_ord(const void *pa, const void *pb)
{
    const struct ord *a = pa, *b = pb;
    bool na = a->score != a->score, nb = b->score != b->score;

    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static struct ord *sorted_order(const struct seer_det *d, int n)
{
    struct ord *o = seer_calloc((size_t)(n > 0 ? n : 1), sizeof(*o));

    if (!o)
        return NULL;
    for (int i = 0; i < n; i++) {
        o[i].score = d[i].score;
        o[i].i = i;
    }
    qsort(o, (size_t)n, sizeof(*o), cmp_ord);
    return o;
}

/*
 * Per-class greedy NMS followed by "best max_keep overall" equals one greedy pass over
 * all candidates in score order that checks a candidate only against kept boxes of its
 * own class: a box's fate depends only on higher-scored kept boxes of its class, and
 * those are visited first either way. The single pass can stop at max_keep, which bounds
 * the work by n * max_keep instead of the per-class n^2.
 */
int seer__nms(const struct seer_det *d, int n, float iou_threshold, int max_keep, int *keep)
{
    struct ord *o;
    int n_keep = 0;

    if (n <= 0 || max_keep <= 0)
        return 0;
    o = sorted_order(d, n);
    if (!o)
        return -1;
    for (int k = 0; k < n && n_keep < max_keep; k++) {
        const struct seer_det *c = &d[o[k].i];
        bool suppressed = false;

        for (int j = 0; j < n_keep && !suppressed; j++) {
            const struct seer_det *kd = &d[keep[j]];

            suppressed =
                kd->class_index == c->class_index && seer__iou(kd->box, c->box) > iou_threshold;
        }
        if (!suppressed)
            keep[n_keep++] = o[k].i;
    }
    seer_free(o);
    return n_keep;
}

/* Insertion into a sorted prefix is stable and needs no scratch memory; detection lists
 * are at most a few hundred long by the time they are sorted. */
void seer__dets_sort(struct seer_det *d, int n)
{
    for (int i = 1; i < n; i++) {
        struct seer_det x = d[i];
        int j = i;

        while (j > 0 && (x.score > d[j - 1].score ||
                         (d[j - 1].score != d[j - 1].score && x.score == x.score))) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = x;
    }
}
