/*
 * Reference TFLite_Detection_PostProcess, TFLite's custom op at the end of its SSD
 * models, computed as TFLite's kernel does so the detections match it exactly:
 *
 * 1. Decode every anchor's box: the encodings (ty, tx, th, tw) and anchors (y, x, h, w),
 *    dequantised in float when uint8, give centre = t / scale * anchor_size + anchor_centre
 *    and half size = 0.5 * exp(t / scale) * anchor_size, in double, rounded to float;
 *    corners are centre -/+ half size (float).
 * 2. Scores are the class predictions (dequantised as float(double(s) * (q - z))); with
 *    num_classes_with_background = num_classes + 1, column 0 is the background and skipped.
 * 3. Fast NMS (use_regular_nms false): each anchor is ranked by its best class score
 *    (first maximum); anchors scoring >= the score threshold are sorted by score
 *    (equal scores in the reference runtime's heap order, see partial_sort_desc) and
 *    greedily kept unless their IoU with a kept box is > the IoU threshold, up to
 *    max_detections; each kept anchor reports its max_classes_per_detection best classes.
 *    Regular NMS: the same greedy NMS per class (up to detections_per_class), merged
 *    class by class into the best max_detections.
 * 4. Outputs (float32): boxes [1, D, 4] as (ymin, xmin, ymax, xmax), classes [1, D] (0 is
 *    the first non-background class), scores [1, D], count [1]; D = max_detections *
 *    max_classes_per_detection. Unused rows are zero.
 *
 * The options come in as a constant float32 input (graph.h, enum seer_pp_param).
 */
#include <math.h>
#include <string.h>

#include "kernels/kernel.h"

struct pp {
    int64_t n;                                       /* anchors */
    int64_t c;                                       /* class columns, background included */
    int max_det, max_cls, per_class, num_classes, k; /* k: classes reported per anchor */
    bool regular;
    float score_thr, iou_thr;
    float scale[4]; /* y, x, h, w */
    int off;        /* label offset: 1 when column 0 is the background */
};

/* Scratch layout, in 4-byte units from the start. */
struct layout {
    size_t boxes, best, cls, keep_s, keep_i, order, active, sel;
    size_t col, after_i, after_s, sorted, sorted_v, total;
};

static void read_params(const struct seer_node *nd, struct pp *p)
{
    const float *v = nd->in[3]->data;

    p->n = nd->in[0]->dims[1];
    p->c = nd->in[1]->dims[2];
    p->max_det = (int)v[SEER_PP_MAX_DETECTIONS];
    p->max_cls = (int)v[SEER_PP_MAX_CLASSES_PER_DETECTION];
    p->per_class = (int)v[SEER_PP_DETECTIONS_PER_CLASS];
    p->regular = v[SEER_PP_USE_REGULAR_NMS] != 0.0f;
    p->score_thr = v[SEER_PP_SCORE_THRESHOLD];
    p->iou_thr = v[SEER_PP_IOU_THRESHOLD];
    p->num_classes = (int)v[SEER_PP_NUM_CLASSES];
    for (int i = 0; i < 4; i++)
        p->scale[i] = v[SEER_PP_Y_SCALE + i];
    p->k = p->max_cls < p->num_classes ? p->max_cls : p->num_classes;
    p->off = (int)(p->c - p->num_classes);
}

static size_t make_layout(const struct pp *p, struct layout *l)
{
    size_t n = (size_t)p->n, d = (size_t)p->max_det, at = 0;
    size_t sel = d > (size_t)p->per_class ? d : (size_t)p->per_class;

#define TAKE(field, count)                                                                         \
    do {                                                                                           \
        l->field = at;                                                                             \
        at += (count);                                                                             \
    } while (0)
    TAKE(boxes, 4 * n);
    TAKE(best, n);
    TAKE(cls, n * (size_t)(p->k > 0 ? p->k : 1));
    TAKE(keep_s, n);
    TAKE(keep_i, n);
    TAKE(order, n + d > (size_t)p->c ? n + d : (size_t)p->c);
    TAKE(active, n);
    TAKE(sel, sel);
    TAKE(col, n > (size_t)p->c ? n : (size_t)p->c);
    TAKE(after_i, n + d);
    TAKE(after_s, n + d);
    TAKE(sorted, n + d);
    TAKE(sorted_v, d);
#undef TAKE
    l->total = at;
    return at * 4;
}

static int in_range(float v, double lo, double hi, bool integer)
{
    return v >= lo && v <= hi && (!integer || v == floorf(v));
}

int seer_shape_detection_postprocess(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *box, *cls, *anc, *par;
    struct pp p;

    if (nd->n_in != 4 || nd->n_out != 4 || !nd->in[0] || !nd->in[1] || !nd->in[2] || !nd->in[3])
        return seer_errf(err, SEER_EFORMAT,
                         "expects inputs boxes, scores, anchors, params and 4 outputs");
    box = nd->in[0];
    cls = nd->in[1];
    anc = nd->in[2];
    par = nd->in[3];
    if (par->dtype != SEER_DTYPE_F32 || par->ndim != 1 || par->dims[0] != SEER_PP_COUNT ||
        !par->data)
        return seer_errf(err, SEER_EFORMAT, "params must be a constant float32[%d]", SEER_PP_COUNT);
    if (box->ndim != 3 || box->dims[0] != 1 || box->dims[2] < 4 || box->dims[1] < 1)
        return seer_errf(err, SEER_EFORMAT, "box encodings must be [1, anchors, >=4]");
    if (cls->ndim != 3 || cls->dims[0] != 1 || cls->dims[1] != box->dims[1] || cls->dims[2] < 1)
        return seer_errf(err, SEER_EFORMAT, "class predictions must be [1, %lld, classes]",
                         (long long)box->dims[1]);
    if (anc->ndim != 2 || anc->dims[0] != box->dims[1] || anc->dims[1] != 4)
        return seer_errf(err, SEER_EFORMAT, "anchors must be [%lld, 4]", (long long)box->dims[1]);
    for (int i = 0; i < 3; i++) {
        const struct seer_tensor *t = nd->in[i];
        bool q = t->dtype == SEER_DTYPE_U8 && t->q.scale > 0.0f && isfinite(t->q.scale);
        if (t->dtype != SEER_DTYPE_F32 && !q)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input %d must be float32 or quantised uint8 (got %s)", i,
                             seer_dtype_name(t->dtype));
    }
    if (anc->dtype != box->dtype)
        return seer_errf(err, SEER_EUNSUPPORTED, "anchors must have the box encodings' type");
    const float *v = par->data;
    if (!in_range(v[SEER_PP_MAX_DETECTIONS], 0, 100000, true) ||
        !in_range(v[SEER_PP_MAX_CLASSES_PER_DETECTION], 1, 100000, true) ||
        !in_range(v[SEER_PP_DETECTIONS_PER_CLASS], 1, 100000, true) ||
        !in_range(v[SEER_PP_NUM_CLASSES], 1, (double)cls->dims[2], true))
        return seer_errf(err, SEER_EFORMAT,
                         "max_detections %g, max_classes_per_detection %g, "
                         "detections_per_class %g or num_classes %g out of range",
                         (double)v[SEER_PP_MAX_DETECTIONS],
                         (double)v[SEER_PP_MAX_CLASSES_PER_DETECTION],
                         (double)v[SEER_PP_DETECTIONS_PER_CLASS], (double)v[SEER_PP_NUM_CLASSES]);
    read_params(nd, &p);
    /* TFLite sizes the outputs max_detections * max_classes_per_detection rows; a
     * million is far beyond any real model and keeps a bad file from asking for GBs. */
    if ((int64_t)p.max_det * p.max_cls > (1 << 20))
        return seer_errf(err, SEER_ELIMIT, "%d detections of %d classes each is too many",
                         p.max_det, p.max_cls);
    if (p.off > 1)
        return seer_errf(err, SEER_EFORMAT,
                         "%lld class columns for %d classes (at most one background column)",
                         (long long)p.c, p.num_classes);
    if (!(p.iou_thr > 0.0f && p.iou_thr <= 1.0f) || !isfinite(p.score_thr))
        return seer_errf(err, SEER_EFORMAT, "nms_iou_threshold %g must be in (0, 1]",
                         (double)p.iou_thr);
    for (int i = 0; i < 4; i++)
        if (!(p.scale[i] != 0.0f) || !isfinite(p.scale[i]))
            return seer_errf(err, SEER_EFORMAT, "box scale %d is %g", i, (double)p.scale[i]);
    int64_t d = (int64_t)p.max_det * p.max_cls, one = 1;
    int64_t dims3[3] = {1, d, 4}, dims2[2] = {1, d};
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 3, dims3);
    seer_tensor_set_shape(nd->out[1], SEER_DTYPE_F32, 2, dims2);
    seer_tensor_set_shape(nd->out[2], SEER_DTYPE_F32, 2, dims2);
    seer_tensor_set_shape(nd->out[3], SEER_DTYPE_F32, 1, &one);
    return SEER_OK;
}

size_t seer_scratch_detection_postprocess(const struct seer_node *nd)
{
    struct pp p;
    struct layout l;

    read_params(nd, &p);
    return make_layout(&p, &l);
}

/* Element i of a uint8 or float32 tensor as TFLite's box decoder reads it. */
static float box_value(const struct seer_tensor *t, int64_t i)
{
    if (t->dtype == SEER_DTYPE_F32)
        return ((const float *)t->data)[i];
    return ((float)((const uint8_t *)t->data)[i] - (float)t->q.zero_point) * t->q.scale;
}

static void decode_boxes(const struct seer_node *nd, const struct pp *p, float *out)
{
    const struct seer_tensor *box = nd->in[0], *anc = nd->in[2];
    const int64_t stride = box->dims[2];

    for (int64_t i = 0; i < p->n; i++) {
        double ty = box_value(box, i * stride), tx = box_value(box, i * stride + 1);
        double th = box_value(box, i * stride + 2), tw = box_value(box, i * stride + 3);
        double ay = box_value(anc, i * 4), ax = box_value(anc, i * 4 + 1);
        double ah = box_value(anc, i * 4 + 2), aw = box_value(anc, i * 4 + 3);
        float yc = (float)(ty / p->scale[0] * ah + ay);
        float xc = (float)(tx / p->scale[1] * aw + ax);
        float hh = (float)(0.5 * exp(th / p->scale[2]) * ah);
        float hw = (float)(0.5 * exp(tw / p->scale[3]) * aw);
        out[4 * i] = yc - hh;
        out[4 * i + 1] = xc - hw;
        out[4 * i + 2] = yc + hh;
        out[4 * i + 3] = xc + hw;
    }
}

/* Score of anchor a, class column j (background included). */
static float score(const struct seer_tensor *t, int64_t c, int64_t a, int64_t j)
{
    int64_t i = a * c + j;

    if (t->dtype == SEER_DTYPE_F32)
        return ((const float *)t->data)[i];
    return (float)((double)t->q.scale * (((const uint8_t *)t->data)[i] - t->q.zero_point));
}

static float iou(const float *b, int64_t i, int64_t j)
{
    const float *p = b + 4 * i, *q = b + 4 * j;
    const float ai = (p[2] - p[0]) * (p[3] - p[1]), aj = (q[2] - q[0]) * (q[3] - q[1]);

    if (ai <= 0 || aj <= 0)
        return 0.0f;
    float ymin = fmaxf(p[0], q[0]), xmin = fmaxf(p[1], q[1]);
    float ymax = fminf(p[2], q[2]), xmax = fminf(p[3], q[3]);
    float inter = fmaxf(ymax - ymin, 0.0f) * fmaxf(xmax - xmin, 0.0f);
    return inter / (ai + aj - inter);
}

/*
 * Partial sort, descending, the way the reference runtime orders equal scores. TFLite
 * (up to 2.5) sorted every candidate list with std::partial_sort, which libc++ implements
 * as a binary heap: build the heap over the first k, push each later element that beats
 * the heap's top, then pop the heap in order. Tied scores come out in that heap's order,
 * not by index, and the reference detections depend on it (four anchors tie at 0.5 on
 * the test photo), so this is the same heap: sift-down stops at a child that does not
 * beat the moving element, and a pop swaps the top with the last leaf and sifts it down.
 * (Later TFLite versions use a stable sort, which orders ties by index instead.)
 */
static inline bool before(const float *v, int a, int b)
{
    return v[a] > v[b];
}

static void sift_down(const float *v, int *h, int len, int s)
{
    int child = s, top;

    if (len < 2 || (len - 2) / 2 < child)
        return;
    child = 2 * child + 1;
    if (child + 1 < len && before(v, h[child], h[child + 1]))
        child++;
    if (before(v, h[child], h[s]))
        return;
    top = h[s];
    do {
        h[s] = h[child];
        s = child;
        if ((len - 2) / 2 < child)
            break;
        child = 2 * child + 1;
        if (child + 1 < len && before(v, h[child], h[child + 1]))
            child++;
    } while (!before(v, h[child], top));
    h[s] = top;
}

/* Puts the k best of idx[0..n) (indices into v) first, in descending order of v. */
static void partial_sort_desc(const float *v, int *idx, int n, int k)
{
    if (k > n)
        k = n;
    for (int s = (k - 2) / 2; k > 1 && s >= 0; s--)
        sift_down(v, idx, k, s);
    for (int i = k; i < n; i++) {
        if (before(v, idx[i], idx[0])) {
            int t = idx[i];
            idx[i] = idx[0];
            idx[0] = t;
            sift_down(v, idx, k, 0);
        }
    }
    for (int len = k; len > 1; len--) {
        int t = idx[0];
        idx[0] = idx[len - 1];
        idx[len - 1] = t;
        sift_down(v, idx, len - 1, 0);
    }
}

/* Greedy single-class NMS over scores s[0..n): writes at most max_out anchor indices to
 * sel and returns their count (TFLite's NonMaxSuppressionSingleClassHelper). */
static int nms(const struct pp *p, const float *boxes, const float *s, int max_out, float *ks,
               int *ki, int *order, uint8_t *active, int *sel)
{
    int kept = 0, n_sel = 0, live;

    for (int64_t i = 0; i < p->n; i++) {
        if (s[i] >= p->score_thr) {
            ks[kept] = s[i];
            ki[kept++] = (int)i;
        }
    }
    for (int i = 0; i < kept; i++)
        order[i] = i;
    partial_sort_desc(ks, order, kept, kept);
    if (kept > 0)
        memset(active, 1, (size_t)kept);
    live = kept;
    for (int i = 0; i < kept; i++) {
        if (live == 0 || n_sel >= max_out)
            break;
        if (!active[i])
            continue;
        sel[n_sel++] = ki[order[i]];
        active[i] = 0;
        live--;
        for (int j = i + 1; j < kept; j++) {
            if (active[j] && iou(boxes, ki[order[i]], ki[order[j]]) > p->iou_thr) {
                active[j] = 0;
                live--;
            }
        }
    }
    return n_sel;
}

static void put(const struct seer_node *nd, int row, const float *box, float cls, float sc)
{
    float *b = (float *)nd->out[0]->data + 4 * (int64_t)row;

    memcpy(b, box, 4 * sizeof(float));
    ((float *)nd->out[1]->data)[row] = cls;
    ((float *)nd->out[2]->data)[row] = sc;
}

static void fast_nms(const struct seer_node *nd, const struct pp *p, const struct layout *l,
                     float *f, int *u)
{
    const struct seer_tensor *t = nd->in[1];
    float *boxes = f + l->boxes, *best = f + l->best, *row = f + l->col;
    int *cls = u + l->cls, *sel = u + l->sel, n_sel, out = 0;

    for (int64_t a = 0; a < p->n; a++) {
        for (int j = 0; j < p->num_classes; j++)
            row[j] = score(t, p->c, a, j + p->off);
        int *ci = cls + a * p->k, *all = u + l->order;
        for (int j = 0; j < p->num_classes; j++)
            all[j] = j;
        partial_sort_desc(row, all, p->num_classes, p->k);
        memcpy(ci, all, (size_t)p->k * sizeof(*ci));
        best[a] = row[cls[a * p->k]];
    }
    n_sel = nms(p, boxes, best, p->max_det, f + l->keep_s, u + l->keep_i, u + l->order,
                (uint8_t *)(u + l->active), sel);
    for (int i = 0; i < n_sel; i++, out++) {
        int64_t a = sel[i];
        for (int c = 0; c < p->k; c++) {
            int j = cls[a * p->k + c];
            put(nd, p->max_cls * out + c, boxes + 4 * a, (float)j, score(t, p->c, a, j + p->off));
        }
    }
    ((float *)nd->out[3]->data)[0] = (float)out;
}

static void regular_nms(const struct seer_node *nd, const struct pp *p, const struct layout *l,
                        float *f, int *u)
{
    const struct seer_tensor *t = nd->in[1];
    float *boxes = f + l->boxes, *col = f + l->col, *after_s = f + l->after_s;
    float *sorted_v = f + l->sorted_v;
    int *after_i = u + l->after_i, *sorted = u + l->sorted, *sel = u + l->sel, size = 0;

    for (int j = 0; j < p->num_classes; j++) {
        int n_sel, n, keep;
        for (int64_t a = 0; a < p->n; a++)
            col[a] = score(t, p->c, a, j + p->off);
        n_sel = nms(p, boxes, col, p->per_class, f + l->keep_s, u + l->keep_i, u + l->order,
                    (uint8_t *)(u + l->active), sel);
        n = size;
        for (int i = 0; i < n_sel; i++, n++) {
            after_i[n] = (int)(sel[i] * p->c + j + p->off);
            after_s[n] = col[sel[i]];
        }
        keep = n < p->max_det ? n : p->max_det;
        for (int r = 0; r < n; r++)
            sorted[r] = r;
        partial_sort_desc(after_s, sorted, n, keep);
        for (int r = 0; r < keep; r++) {
            int s = sorted[r];
            sorted[r] = after_i[s];
            sorted_v[r] = after_s[s];
        }
        for (int r = 0; r < keep; r++) {
            after_i[r] = sorted[r];
            after_s[r] = sorted_v[r];
        }
        size = keep;
    }
    for (int r = 0; r < size; r++) {
        int64_t a = after_i[r] / p->c;
        int cls = (int)(after_i[r] - a * p->c - p->off);
        put(nd, r, boxes + 4 * a, (float)cls, after_s[r]);
    }
    ((float *)nd->out[3]->data)[0] = (float)size;
}

void seer_kref_detection_postprocess(const struct seer_kctx *k, const struct seer_node *nd)
{
    struct pp p;
    struct layout l;
    float *f = k->scratch;
    int *u = k->scratch;

    if (k->ith != 0)
        return;
    read_params(nd, &p);
    make_layout(&p, &l);
    for (int i = 0; i < 3; i++)
        memset(nd->out[i]->data, 0, (size_t)seer_tensor_numel(nd->out[i]) * sizeof(float));
    decode_boxes(nd, &p, f + l.boxes);
    if (p.regular)
        regular_nms(nd, &p, &l, f, u);
    else
        fast_nms(nd, &p, &l, f, u);
}
