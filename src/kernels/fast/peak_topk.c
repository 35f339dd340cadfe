/*
 * CenterNet's peak finding in one pass: the graph computes
 *
 *     TopK(Reshape(x * Cast(Equal(x, MaxPool3x3(x)))), 100)
 *
 * over x = [1, 128, 128, 80] class heat maps: a max pool, a compare, a cast, a product
 * and a copy of 1.3M values, then a top-100. Plan-time fusion (graph/fuse_peak.c) hands
 * the whole chain to this twin, which reads x once: an element whose value cannot enter
 * the current top k is skipped after one compare, and only the others get the window
 * maximum. The arithmetic is the chain's own (the same window maximum, the same
 * x * (float)(x == max)), and the selection keeps TopK's order (value descending, equal
 * values by index), so the result is the reference's for any input without NaN.
 *
 * With several threads each takes a contiguous range of the row and keeps its own top k;
 * the candidates, fed in index order through the same selection, give the row's top k.
 */
#include <float.h>
#include <omp.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/fast.h"

struct cand {
    int32_t i;
    float v;
};

struct peak_state {
    int64_t rows, h, w, c;  /* x is [rows, h, w, c] */
    int64_t kh, kw, pt, pl; /* window and its leading padding */
    int64_t k;
    int n_threads;
    float *cand_v; /* n_threads * k candidates */
    int32_t *cand_i;
    int64_t *cand_n;
    struct cand *rec; /* n_threads * k, for the merge */
};

static inline bool worse(const float *v, const int32_t *ix, int64_t i, int64_t j)
{
    return v[i] < v[j] || (v[i] == v[j] && ix[i] > ix[j]);
}

static void sift_down(float *v, int32_t *ix, int64_t i, int64_t m)
{
    for (;;) {
        int64_t c = 2 * i + 1, w = i;
        if (c < m && worse(v, ix, c, w))
            w = c;
        if (c + 1 < m && worse(v, ix, c + 1, w))
            w = c + 1;
        if (w == i)
            return;
        float tv = v[i];
        int32_t ti = ix[i];
        v[i] = v[w];
        ix[i] = ix[w];
        v[w] = tv;
        ix[w] = ti;
        i = w;
    }
}

/* Offers (value, index) to a heap of at most k entries holding m; TopK's rule. */
static inline void offer(float *v, int32_t *ix, int64_t *m, int64_t k, float val, int32_t idx)
{
    if (*m < k) {
        int64_t i = (*m)++;
        v[i] = val;
        ix[i] = idx;
        while (i > 0 && worse(v, ix, i, (i - 1) / 2)) {
            int64_t p = (i - 1) / 2;
            float tv = v[i];
            int32_t ti = ix[i];
            v[i] = v[p];
            ix[i] = ix[p];
            v[p] = tv;
            ix[p] = ti;
            i = p;
        }
    } else if (k > 0 && val > v[0]) {
        v[0] = val;
        ix[0] = idx;
        sift_down(v, ix, 0, *m);
    }
}

/* The reference MaxPool's maximum over one window (rows [ya, yb), columns [xa, xb)) of
 * channel 0 at img; the caller offsets img by the channel. */
static inline float window_max(const struct peak_state *s, const float *img, int64_t ya, int64_t yb,
                               int64_t xa, int64_t xb)
{
    float acc = -FLT_MAX;

    for (int64_t yy = ya; yy < yb; yy++)
        for (int64_t xx = xa; xx < xb; xx++) {
            float v = img[(yy * s->w + xx) * s->c];
            acc = v > acc ? v : acc;
        }
    return acc;
}

/* The top k of elements [lo, hi) of one image into (v, ix); returns how many. */
static int64_t scan(const struct peak_state *s, const float *img, int64_t lo, int64_t hi, float *v,
                    int32_t *ix)
{
    int64_t m = 0, k = s->k, j = lo;
    float thr = 0;

    while (j < hi) {
        int64_t pix = j / s->c, end = (pix + 1) * s->c < hi ? (pix + 1) * s->c : hi;
        int64_t y0 = pix / s->w - s->pt, x0 = pix % s->w - s->pl;
        int64_t ya = y0 < 0 ? 0 : y0, yb = y0 + s->kh > s->h ? s->h : y0 + s->kh;
        int64_t xa = x0 < 0 ? 0 : x0, xb = x0 + s->kw > s->w ? s->w : x0 + s->kw;
        for (; j < end; j++) {
            /* Skip 16 at a time while nothing in them can enter (a fixed-length loop the
             * compiler vectorises). */
            while (m == k && thr >= 0 && j + 16 <= end) {
                int any = 0;
                for (int q = 0; q < 16; q++)
                    any |= img[j + q] > thr;
                if (any)
                    break;
                j += 16;
            }
            if (j == end)
                break;
            float xv = img[j];
            /* Full heap: the masked value is xv or a zero; neither enters unless it
             * beats the worst kept entry. */
            if (m == k && thr >= 0 && !(xv > thr))
                continue;
            float mx = window_max(s, img + j % s->c, ya, yb, xa, xb);
            offer(v, ix, &m, k, xv * (float)(xv == mx), (int32_t)j);
            if (m == k)
                thr = v[0];
        }
    }
    return m;
}

/* Heap sort: the best first (the reference's final order). */
static void sort_heap(float *v, int32_t *ix, int64_t m)
{
    for (int64_t end = m - 1; end > 0; end--) {
        float tv = v[0];
        int32_t ti = ix[0];
        v[0] = v[end];
        ix[0] = ix[end];
        v[end] = tv;
        ix[end] = ti;
        sift_down(v, ix, 0, end);
    }
}

static int by_index(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return (x->i > y->i) - (x->i < y->i);
}

static void peak_run(const struct seer_kctx *kc, const struct seer_node *nd)
{
    struct peak_state *s = nd->prepared;
    int64_t n = s->h * s->w * s->c, k = s->k;

    (void)kc;
    for (int64_t r = 0; r < s->rows; r++) {
        const float *img = (const float *)nd->in[0]->data + r * n;
        float *v = (float *)nd->out[0]->data + r * k;
        int32_t *ix = (int32_t *)nd->out[1]->data + r * k;
        int nth = s->n_threads;
        if (nth <= 1 || n < 65536) {
            sort_heap(v, ix, scan(s, img, 0, n, v, ix));
            continue;
        }
#pragma omp parallel num_threads(nth)
        {
            int ith = omp_get_thread_num(), got = omp_get_num_threads();
            int64_t lo, hi;
            seer_split_range(n, ith, got, &lo, &hi);
            s->cand_n[ith] = scan(s, img, lo, hi, s->cand_v + ith * k, s->cand_i + ith * k);
            if (ith == 0)
                for (int t = got; t < nth; t++)
                    s->cand_n[t] = 0;
        }
        /* Candidates in index order through the same selection. */
        int64_t nc = 0, m = 0;
        for (int t = 0; t < nth; t++)
            for (int64_t e = 0; e < s->cand_n[t]; e++, nc++) {
                s->rec[nc].i = s->cand_i[t * k + e];
                s->rec[nc].v = s->cand_v[t * k + e];
            }
        qsort(s->rec, (size_t)nc, sizeof(*s->rec), by_index);
        for (int64_t e = 0; e < nc; e++)
            offer(v, ix, &m, k, s->rec[e].v, s->rec[e].i);
        sort_heap(v, ix, m);
    }
}

static void peak_free(void *p)
{
    struct peak_state *s = p;

    if (!s)
        return;
    seer_free(s->cand_v);
    seer_free(s->cand_i);
    seer_free(s->cand_n);
    seer_free(s->rec);
    seer_free(s);
}

int seer__fast_peak_topk_prepare(const struct seer_node *nd, const struct seer_attrs *pool,
                                 int n_threads, struct seer_fast *out)
{
    const struct seer_tensor *x = nd->in[0];
    int64_t oh, ow, pt, pl;

    if (x->dtype != SEER_DTYPE_F32 || x->ndim != 4 || nd->n_out != 2 ||
        nd->out[0]->dtype != SEER_DTYPE_F32 || nd->out[1]->dtype != SEER_DTYPE_I32)
        return SEER_EUNSUPPORTED;
    int64_t rows = x->dims[0], n = x->dims[1] * x->dims[2] * x->dims[3];
    const struct seer_tensor *y = nd->out[0];
    if (y->ndim < 1 || seer_tensor_numel(y) % (rows ? rows : 1) != 0 || n > INT32_MAX)
        return SEER_EUNSUPPORTED;
    int64_t k = rows ? seer_tensor_numel(y) / rows : 0;
    if (y->dims[y->ndim - 1] != k || k > n)
        return SEER_EUNSUPPORTED;
    /* The pool must keep the size (stride 1, SAME or explicit) so element j of the
     * product is element j of x. */
    if ((pool->stride[0] > 1 || pool->stride[1] > 1) || pool->ksize[0] < 1 || pool->ksize[1] < 1 ||
        seer_conv_out_dim(x->dims[1], pool->ksize[0], 1, 1, pool->padding, pool->pads[0],
                          pool->pads[1], &oh, &pt) ||
        seer_conv_out_dim(x->dims[2], pool->ksize[1], 1, 1, pool->padding, pool->pads[2],
                          pool->pads[3], &ow, &pl) ||
        oh != x->dims[1] || ow != x->dims[2])
        return SEER_EUNSUPPORTED;
    struct peak_state *s = seer_calloc(1, sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->rows = rows;
    s->h = x->dims[1];
    s->w = x->dims[2];
    s->c = x->dims[3];
    s->kh = pool->ksize[0];
    s->kw = pool->ksize[1];
    s->pt = pt;
    s->pl = pl;
    s->k = k;
    s->n_threads = n_threads > 0 ? n_threads : 1;
    s->cand_v = seer_calloc((size_t)(s->n_threads * k) + 1, sizeof(float));
    s->cand_i = seer_calloc((size_t)(s->n_threads * k) + 1, sizeof(int32_t));
    s->cand_n = seer_calloc((size_t)s->n_threads, sizeof(int64_t));
    s->rec = seer_calloc((size_t)(s->n_threads * k) + 1, sizeof(*s->rec));
    if (!s->cand_v || !s->cand_i || !s->cand_n || !s->rec) {
        peak_free(s);
        return SEER_ENOMEM;
    }
    out->fn = peak_run;
    out->state = s;
    out->free = peak_free;
    out->threads_inside = true;
    return SEER_OK;
}
