/*
 * COCO box evaluation, step for step as pycocotools' COCOeval does it for iouType "bbox":
 * evaluate() matches detections to ground truth per (image, category) cell, accumulate()
 * builds precision/recall per (category, area range, maxDets), summarize() averages over
 * categories. Comments name the pycocotools step each part mirrors, because matching its
 * numbers to 1e-6 depends on details (stable sorts, tie rules, float thresholds) that look
 * arbitrary without it.
 *
 * Work is grouped by category, and inside a category by image, from two sorted arrays, so
 * a 5000-image set with half a million detections costs a few sorts and linear passes.
 */
#include "eval/coco.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define N_THR    10  /* IoU thresholds .50:.05:.95 */
#define N_REC    101 /* recall thresholds 0:.01:1 */
#define N_AREA   4   /* all, small, medium, large */
#define N_MAXDET 3   /* 1, 10, 100 */
#define MAX_DET  100 /* maxDets[-1]: only this many detections per cell are looked at */

enum { ALL, SMALL, MEDIUM, LARGE }; /* area range indices */

#define ST_MATCHED 1u /* dtMatches != 0 */
#define ST_IGNORED 2u /* dtIgnore */

static const int maxdets[N_MAXDET] = {1, 10, 100};

/* areaRng: [0, 1e5^2], [0, 32^2], [32^2, 96^2], [96^2, 1e5^2]; both ends are inclusive. */
static const double area_rng[N_AREA][2] = {
    {0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}};

/* A detection of a known category, for sorting into cells. */
struct dref {
    double score;
    uint32_t cat, img;
    uint32_t idx; /* index in the caller's array: pycocotools keeps file order on ties */
};

/* A detection that takes part in its category's accumulation (rank < MAX_DET). */
struct cdet {
    double score;
    uint32_t rank;             /* position in its cell after the score sort */
    uint8_t st[N_AREA][N_THR]; /* ST_* per area range and IoU threshold */
};

/* Sort key for accumulate(): score descending, then the concatenation position. */
struct skey {
    double score;
    uint32_t pos;
};

/* Per-category numbers kept for summarize(). */
struct cat_result {
    bool valid[N_AREA];                       /* some non-ignored gt in the area range */
    double prec_sum[N_AREA][N_MAXDET][N_THR]; /* sum over the 101 recall thresholds */
    double recall[N_AREA][N_MAXDET][N_THR];
};

/* Scratch that grows to the largest cell or category seen. */
struct scratch {
    double *iou; /* D x G */
    size_t iou_cap;
    uint32_t *perm; /* gt order with ignored ones last */
    uint8_t *gtig, *crowd, *gtm;
    size_t g_cap;
    struct cdet *cd; /* the current category's detections, in concatenation order */
    struct skey *keys;
    double *pr, *rc;
    size_t d_cap;
};

struct params {
    double iou_thr[N_THR];
    double rec_thr[N_REC];
};

/* np.linspace bit for bit: numpy multiplies i by the step, adds start, then sets the last
 * element to stop. 0.5 + 0.05 * i differs in the last bit (0.9 comes out of linspace as
 * 0.8999999999999999), and a match whose IoU sits exactly on a threshold would flip. */
static void linspace(double start, double stop, int num, double *out)
{
    double step = (stop - start) / (double)(num - 1);

    for (int i = 0; i < num; i++) {
        double y = (double)i * step;
        out[i] = y + start;
    }
    out[num - 1] = stop;
}

static int cmp_dref(const void *pa, const void *pb)
{
    const struct dref *a = pa, *b = pb;

    if (a->cat != b->cat)
        return a->cat < b->cat ? -1 : 1;
    if (a->img != b->img)
        return a->img < b->img ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_skey(const void *pa, const void *pb)
{
    const struct skey *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* maskUtils.iou for boxes (bbIou in maskApi.c): against a crowd region the union is the
 * detection's own area, so a detection inside a crowd scores 1. */
static double box_iou(const double *d, const double *g, bool crowd)
{
    double w = fmin(d[2] + d[0], g[2] + g[0]) - fmax(d[0], g[0]);
    if (w <= 0)
        return 0;
    double h = fmin(d[3] + d[1], g[3] + g[1]) - fmax(d[1], g[1]);
    if (h <= 0)
        return 0;
    double i = w * h;
    double da = d[2] * d[3];
    double u = crowd ? da : da + g[2] * g[3] - i;
    return i / u;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t bytes;
    void *q;

    if (need <= *cap)
        return true;
    if (!seer_mul_size(need, elem, &bytes))
        return false;
    q = seer_realloc(*p, bytes);
    if (!q)
        return false;
    *p = q;
    *cap = need;
    return true;
}

static bool scratch_gts(struct scratch *s, size_t d, size_t g)
{
    size_t cells, cap = s->g_cap;

    if (!seer_mul_size(d, g, &cells) || !grow((void **)&s->iou, &s->iou_cap, cells, sizeof(double)))
        return false;
    if (g <= s->g_cap)
        return true;
    /* All four per-gt arrays share g_cap, so grow them from the same old capacity. */
    size_t c1 = cap, c2 = cap, c3 = cap;
    if (!grow((void **)&s->perm, &c1, g, sizeof(uint32_t)) || !grow((void **)&s->gtig, &c2, g, 1) ||
        !grow((void **)&s->crowd, &c3, g, 1) || !grow((void **)&s->gtm, &s->g_cap, g, 1))
        return false;
    return true;
}

static void scratch_clear(struct scratch *s)
{
    seer_free(s->iou);
    seer_free(s->perm);
    seer_free(s->gtig);
    seer_free(s->crowd);
    seer_free(s->gtm);
    seer_free(s->cd);
    seer_free(s->keys);
    seer_free(s->pr);
    seer_free(s->rc);
}

/*
 * computeIoU() and evaluateImg() for one cell: gts gt[0..ng) in file order, detections
 * ds[0..nd) already sorted by score and cut to MAX_DET. Writes each detection's state per
 * area range and threshold into out[0..nd), and adds the non-ignored gts to npig[].
 */
static void eval_cell(const struct params *p, struct scratch *s, const struct seer__coco_box *gt,
                      size_t ng, const struct dref *ds, const struct seer_eval_det *dets, size_t nd,
                      struct cdet *out, size_t npig[N_AREA])
{
    for (size_t d = 0; d < nd; d++)
        for (size_t g = 0; g < ng; g++)
            s->iou[d * ng + g] = box_iou(dets[ds[d].idx].bbox, gt[g].bbox, gt[g].crowd);

    for (int a = 0; a < N_AREA; a++) {
        double lo = area_rng[a][0], hi = area_rng[a][1];
        size_t j = 0;

        /* gt['_ignore'] = crowd or outside the area range; a stable argsort puts the
         * ignored ones last. */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t g = 0; g < ng; g++) {
                bool ig = gt[g].crowd || gt[g].area < lo || gt[g].area > hi;
                if (ig != (pass == 1))
                    continue;
                s->perm[j] = (uint32_t)g;
                s->gtig[j] = ig;
                s->crowd[j] = gt[g].crowd;
                j++;
                npig[a] += !ig;
            }
        }

        for (int t = 0; t < N_THR; t++) {
            if (ng)
                memset(s->gtm, 0, ng);
            for (size_t d = 0; d < nd; d++) {
                const double *row = s->iou + d * ng;
                double best = fmin(p->iou_thr[t], 1 - 1e-10);
                const double *bb = dets[ds[d].idx].bbox;
                double da = bb[2] * bb[3];
                ptrdiff_t m = -1;
                uint8_t st = 0;

                for (size_t g = 0; g < ng; g++) {
                    /* A matched gt is taken, unless it is a crowd region. */
                    if (s->gtm[g] && !s->crowd[g])
                        continue;
                    /* Once matched to a real gt, the ignored ones (all later) cannot win. */
                    if (m > -1 && !s->gtig[m] && s->gtig[g])
                        break;
                    /* The best IoU so far wins; a later gt with an equal IoU replaces it. */
                    if (row[s->perm[g]] < best)
                        continue;
                    best = row[s->perm[g]];
                    m = (ptrdiff_t)g;
                }
                if (m >= 0) {
                    /* pycocotools stores the gt's id as the match, so a gt whose "id" is 0
                     * would read as unmatched there; here a match is a match. */
                    st = ST_MATCHED | (s->gtig[m] ? ST_IGNORED : 0);
                    s->gtm[m] = 1;
                } else if (da < lo || da > hi) {
                    /* Unmatched detections outside the area range do not count. */
                    st = ST_IGNORED;
                }
                out[d].st[a][t] = st;
            }
        }
    }
}

/*
 * accumulate() for one category: cd[0..n) holds its detections in pycocotools'
 * concatenation order (images by id, each cell by score).
 */
static void accumulate(const struct params *p, struct scratch *s, size_t n,
                       const size_t npig[N_AREA], struct cat_result *res)
{
    /* One stable score sort serves all three maxDets: dropping the detections ranked
     * past maxDet from a stably sorted list leaves the stable sort of what remains. */
    for (size_t i = 0; i < n; i++) {
        s->keys[i].score = s->cd[i].score;
        s->keys[i].pos = (uint32_t)i;
    }
    qsort(s->keys, n, sizeof(*s->keys), cmp_skey);

    for (int a = 0; a < N_AREA; a++)
        res->valid[a] = npig[a] > 0;
    for (int m = 0; m < N_MAXDET; m++) {
        for (int a = 0; a < N_AREA; a++) {
            if (!npig[a])
                continue; /* precision and recall stay -1 */
            for (int t = 0; t < N_THR; t++) {
                double tp = 0, fp = 0, sum = 0;
                size_t nd = 0;

                /* np.cumsum of tps and fps; ignored detections repeat the last value. */
                for (size_t i = 0; i < n; i++) {
                    const struct cdet *c = &s->cd[s->keys[i].pos];
                    uint8_t st = c->st[a][t];

                    if (c->rank >= (uint32_t)maxdets[m])
                        continue;
                    if (!(st & ST_IGNORED)) {
                        if (st & ST_MATCHED)
                            tp += 1;
                        else
                            fp += 1;
                    }
                    s->rc[nd] = tp / (double)npig[a];
                    s->pr[nd] = tp / (fp + tp + DBL_EPSILON); /* np.spacing(1) */
                    nd++;
                }
                res->recall[a][m][t] = nd ? s->rc[nd - 1] : 0;
                /* The precision envelope: each point takes the best precision to its right. */
                for (size_t i = nd; i-- > 1;)
                    if (s->pr[i] > s->pr[i - 1])
                        s->pr[i - 1] = s->pr[i];
                /* np.searchsorted(rc, recThrs, side='left'); thresholds past the last
                 * recall reached contribute 0. */
                size_t at = 0;
                for (int r = 0; r < N_REC; r++) {
                    while (at < nd && s->rc[at] < p->rec_thr[r])
                        at++;
                    if (at >= nd)
                        break;
                    sum += s->pr[at];
                }
                res->prec_sum[a][m][t] = sum;
            }
        }
    }
}

/* summarize(): the mean over categories (and thresholds) of the entries that are not -1. */
static double summarize(const struct cat_result *res, size_t n_cats, bool ap, int t0, int t1, int a,
                        int m)
{
    double sum = 0;
    size_t n = 0;

    for (size_t k = 0; k < n_cats; k++) {
        if (!res[k].valid[a])
            continue;
        for (int t = t0; t < t1; t++) {
            sum += ap ? res[k].prec_sum[a][m][t] : res[k].recall[a][m][t];
            n += ap ? N_REC : 1;
        }
    }
    return n ? sum / (double)n : -1;
}

/* Maps detections to (category, image) indices and sorts them into cells. */
static int index_dets(const struct seer_eval_gt *gt, const struct seer_eval_det *dets,
                      size_t n_dets, struct dref **out, size_t *n_out, size_t *n_unknown,
                      struct seer_err *err)
{
    struct dref *refs;
    size_t n = 0;

    *out = NULL;
    *n_out = *n_unknown = 0;
    if (n_dets > SEER__COCO_MAX_ITEMS)
        return seer_errf(err, SEER_ELIMIT, "%zu detections is over the limit of %zu", n_dets,
                         SEER__COCO_MAX_ITEMS);
    refs = seer_calloc(n_dets ? n_dets : 1, sizeof(*refs));
    if (!refs)
        return seer_errf(err, SEER_ENOMEM, "out of memory for %zu detections", n_dets);
    for (size_t i = 0; i < n_dets; i++) {
        int64_t img = seer__coco_find_image(gt, dets[i].image_id);
        int64_t cat;

        /* pycocotools' loadRes asserts this: results must be for the gt's images. */
        if (img < 0) {
            seer_free(refs);
            return seer_errf(err, SEER_EFORMAT,
                             "detections[%zu]: image_id %lld is not an "
                             "image of the annotation file",
                             i, (long long)dets[i].image_id);
        }
        if (!isfinite(dets[i].score)) {
            seer_free(refs);
            return seer_errf(err, SEER_EFORMAT, "detections[%zu].score: not a finite number", i);
        }
        cat = seer__coco_find_category(gt, dets[i].category_id);
        if (cat < 0) {
            (*n_unknown)++;
            continue;
        }
        refs[n].score = dets[i].score;
        refs[n].cat = (uint32_t)cat;
        refs[n].img = (uint32_t)img;
        refs[n].idx = (uint32_t)i;
        n++;
    }
    qsort(refs, n, sizeof(*refs), cmp_dref);
    *out = refs;
    *n_out = n;
    return SEER_OK;
}

int seer_eval_coco(const struct seer_eval_gt *gt, const struct seer_eval_det *dets, size_t n_dets,
                   struct seer_eval_metrics *out, struct seer_err *err)
{
    struct params p;
    struct scratch s = {0};
    struct dref *refs = NULL;
    struct cat_result *res = NULL;
    size_t n_refs = 0, n_unknown = 0, di = 0, gi = 0, cap_keys = 0, cap_pr = 0, cap_rc = 0;
    double *v = out->v;
    int rc;

    memset(out, 0, sizeof(*out));
    linspace(0.5, 0.95, N_THR, p.iou_thr);
    linspace(0.0, 1.0, N_REC, p.rec_thr);
    rc = index_dets(gt, dets, n_dets, &refs, &n_refs, &n_unknown, err);
    if (rc)
        goto out;
    res = seer_calloc(gt->n_cats ? gt->n_cats : 1, sizeof(*res));
    if (!res || !grow((void **)&s.cd, &s.d_cap, n_refs ? n_refs : 1, sizeof(*s.cd))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if (!grow((void **)&s.keys, &cap_keys, s.d_cap, sizeof(*s.keys)) ||
        !grow((void **)&s.pr, &cap_pr, s.d_cap, sizeof(double)) ||
        !grow((void **)&s.rc, &cap_rc, s.d_cap, sizeof(double))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }

    for (uint32_t k = 0; k < gt->n_cats; k++) {
        size_t n_cd = 0, npig[N_AREA] = {0};

        /* Cells of this category in image order: the union of images with a gt box or a
         * detection of it (pycocotools skips cells with neither). */
        while ((gi < gt->n_boxes && gt->boxes[gi].cat == k) || (di < n_refs && refs[di].cat == k)) {
            uint32_t img = UINT32_MAX;
            if (gi < gt->n_boxes && gt->boxes[gi].cat == k)
                img = gt->boxes[gi].img;
            if (di < n_refs && refs[di].cat == k && refs[di].img < img)
                img = refs[di].img;
            size_t g0 = gi, d0 = di;
            while (gi < gt->n_boxes && gt->boxes[gi].cat == k && gt->boxes[gi].img == img)
                gi++;
            while (di < n_refs && refs[di].cat == k && refs[di].img == img)
                di++;
            size_t ng = gi - g0, nd = di - d0 < MAX_DET ? di - d0 : MAX_DET;

            if (!scratch_gts(&s, nd, ng)) {
                rc = seer_errf(err, SEER_ENOMEM, "out of memory");
                goto out;
            }
            eval_cell(&p, &s, gt->boxes + g0, ng, refs + d0, dets, nd, s.cd + n_cd, npig);
            for (size_t d = 0; d < nd; d++) {
                s.cd[n_cd + d].score = refs[d0 + d].score;
                s.cd[n_cd + d].rank = (uint32_t)d;
            }
            n_cd += nd;
        }
        accumulate(&p, &s, n_cd, npig, &res[k]);
    }

    /* summarize() for bbox: stats[0..11]. Threshold 0 is IoU .50 and 5 is .75. */
    v[SEER_EVAL_METRIC_AP] = summarize(res, gt->n_cats, true, 0, N_THR, ALL, 2);
    v[SEER_EVAL_METRIC_AP50] = summarize(res, gt->n_cats, true, 0, 1, ALL, 2);
    v[SEER_EVAL_METRIC_AP75] = summarize(res, gt->n_cats, true, 5, 6, ALL, 2);
    v[SEER_EVAL_METRIC_APS] = summarize(res, gt->n_cats, true, 0, N_THR, SMALL, 2);
    v[SEER_EVAL_METRIC_APM] = summarize(res, gt->n_cats, true, 0, N_THR, MEDIUM, 2);
    v[SEER_EVAL_METRIC_APL] = summarize(res, gt->n_cats, true, 0, N_THR, LARGE, 2);
    v[SEER_EVAL_METRIC_AR1] = summarize(res, gt->n_cats, false, 0, N_THR, ALL, 0);
    v[SEER_EVAL_METRIC_AR10] = summarize(res, gt->n_cats, false, 0, N_THR, ALL, 1);
    v[SEER_EVAL_METRIC_AR100] = summarize(res, gt->n_cats, false, 0, N_THR, ALL, 2);
    v[SEER_EVAL_METRIC_ARS] = summarize(res, gt->n_cats, false, 0, N_THR, SMALL, 2);
    v[SEER_EVAL_METRIC_ARM] = summarize(res, gt->n_cats, false, 0, N_THR, MEDIUM, 2);
    v[SEER_EVAL_METRIC_ARL] = summarize(res, gt->n_cats, false, 0, N_THR, LARGE, 2);
    out->n_images = gt->n_images;
    out->n_categories = gt->n_cats;
    out->n_dets = n_dets;
    out->n_dets_unknown_category = n_unknown;
out:
    if (rc) {
        for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++)
            out->v[i] = -1;
    }
    scratch_clear(&s);
    seer_free(refs);
    seer_free(res);
    return rc;
}
