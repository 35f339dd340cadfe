/*
 * Reference Max, Min, Sum, Prod and All over the axes in in[1] (int32/int64 scalar or
 * vector, negative axes allowed, duplicates refused as TensorFlow does), attrs.keep_dims.
 * Max, Min, Sum and Prod take float32 or int32; All takes bool. An empty reduction gives
 * the identity of the op, as TensorFlow's: the lowest value for Max (-inf for float), the
 * highest for Min (+inf), 0 for Sum, 1 for Prod, true for All. Max and Min propagate NaN,
 * like TensorFlow's CPU kernels. A float Sum accumulates in double and rounds once, so the
 * result is the same whatever the split across workers; integer sums wrap.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static int shape_reduce(struct seer_node *nd, bool is_bool, struct seer_err *err)
{
    const struct seer_tensor *x;
    struct seer_tensor *y = nd->out[0];
    unsigned mask;
    int r = 0, rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    x = nd->in[0];
    if (is_bool ? x->dtype != SEER_DTYPE_BOOL
                : x->dtype != SEER_DTYPE_F32 && x->dtype != SEER_DTYPE_I32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported",
                         seer_dtype_name(x->dtype));
    rc = seer__reduce_mask(nd, &mask, err);
    if (rc)
        return rc;
    for (int i = 0; i < x->ndim; i++) {
        if (!(mask & (1u << i)))
            y->dims[r++] = x->dims[i];
        else if (nd->a.keep_dims)
            y->dims[r++] = 1;
    }
    y->ndim = r;
    y->dtype = x->dtype;
    return SEER_OK;
}

/* Visits every output element o with the input offsets of its reduced elements. */
struct rwalk {
    int nk, nr;
    int64_t kd[SEER_MAX_DIMS], ks[SEER_MAX_DIMS]; /* kept dims and input strides */
    int64_t rd[SEER_MAX_DIMS], rs[SEER_MAX_DIMS]; /* reduced dims and input strides */
    int64_t count;                                /* reduced elements per output */
};

static void rwalk_init(const struct seer_node *nd, unsigned mask, struct rwalk *w)
{
    const struct seer_tensor *x = nd->in[0];
    int64_t s[SEER_MAX_DIMS];

    seer__strides(x, s);
    w->nk = w->nr = 0;
    w->count = 1;
    for (int i = 0; i < x->ndim; i++) {
        if (mask & (1u << i)) {
            w->rd[w->nr] = x->dims[i];
            w->rs[w->nr++] = s[i];
            w->count *= x->dims[i];
        } else {
            w->kd[w->nk] = x->dims[i];
            w->ks[w->nk++] = s[i];
        }
    }
}

static int64_t base_of(const struct rwalk *w, int64_t o)
{
    int64_t base = 0;

    for (int i = w->nk - 1; i >= 0; i--) {
        base += (o % w->kd[i]) * w->ks[i];
        o /= w->kd[i];
    }
    return base;
}

static int64_t offset_of(const struct rwalk *w, int64_t j)
{
    int64_t off = 0;

    for (int i = w->nr - 1; i >= 0; i--) {
        off += (j % w->rd[i]) * w->rs[i];
        j /= w->rd[i];
    }
    return off;
}

enum rop { R_MAX, R_PROD, R_ALL, R_SUM, R_MIN };

static void kref_reduce(const struct seer_kctx *k, const struct seer_node *nd, enum rop op)
{
    const struct seer_tensor *x = nd->in[0];
    struct rwalk w;
    unsigned mask;
    int64_t lo, hi;

    if (seer__reduce_mask(nd, &mask, NULL))
        return;
    rwalk_init(nd, mask, &w);
    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        int64_t b = base_of(&w, o);
        if (op == R_ALL) {
            uint8_t acc = 1;
            for (int64_t j = 0; j < w.count && acc; j++)
                acc = ((const uint8_t *)x->data)[b + offset_of(&w, j)] != 0;
            ((uint8_t *)nd->out[0]->data)[o] = acc;
        } else if (x->dtype == SEER_DTYPE_F32 && op == R_SUM) {
            const float *xv = x->data;
            double acc = 0.0;
            for (int64_t j = 0; j < w.count; j++)
                acc += xv[b + offset_of(&w, j)];
            ((float *)nd->out[0]->data)[o] = (float)acc;
        } else if (x->dtype == SEER_DTYPE_F32 && op == R_MIN) {
            const float *xv = x->data;
            float acc = INFINITY;
            for (int64_t j = 0; j < w.count; j++) {
                float v = xv[b + offset_of(&w, j)];
                if (isnan(v) || v < acc)
                    acc = isnan(acc) ? acc : v;
            }
            ((float *)nd->out[0]->data)[o] = acc;
        } else if (x->dtype == SEER_DTYPE_F32) {
            const float *xv = x->data;
            float acc = op == R_MAX ? -INFINITY : 1.0f;
            for (int64_t j = 0; j < w.count; j++) {
                float v = xv[b + offset_of(&w, j)];
                if (op == R_PROD)
                    acc *= v;
                else if (isnan(v) || v > acc)
                    acc = isnan(acc) ? acc : v;
            }
            ((float *)nd->out[0]->data)[o] = acc;
        } else {
            const int32_t *xv = x->data;
            int32_t acc = op == R_MAX ? INT32_MIN : op == R_MIN ? INT32_MAX : op == R_SUM ? 0 : 1;
            for (int64_t j = 0; j < w.count; j++) {
                int32_t v = xv[b + offset_of(&w, j)];
                /* Wrapping sum and product, as the hardware gives TensorFlow. */
                if (op == R_PROD)
                    acc = (int32_t)((uint32_t)acc * (uint32_t)v);
                else if (op == R_SUM)
                    acc = (int32_t)((uint32_t)acc + (uint32_t)v);
                else if (op == R_MIN)
                    acc = v < acc ? v : acc;
                else
                    acc = v > acc ? v : acc;
            }
            ((int32_t *)nd->out[0]->data)[o] = acc;
        }
    }
}

int seer_shape_reduce_max(struct seer_node *nd, struct seer_err *err)
{
    return shape_reduce(nd, false, err);
}

void seer_kref_reduce_max(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_reduce(k, nd, R_MAX);
}

int seer_shape_reduce_prod(struct seer_node *nd, struct seer_err *err)
{
    return shape_reduce(nd, false, err);
}

void seer_kref_reduce_prod(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_reduce(k, nd, R_PROD);
}

int seer_shape_reduce_all(struct seer_node *nd, struct seer_err *err)
{
    return shape_reduce(nd, true, err);
}

void seer_kref_reduce_all(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_reduce(k, nd, R_ALL);
}

int seer_shape_reduce_sum(struct seer_node *nd, struct seer_err *err)
{
    return shape_reduce(nd, false, err);
}

void seer_kref_reduce_sum(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_reduce(k, nd, R_SUM);
}

int seer_shape_reduce_min(struct seer_node *nd, struct seer_err *err)
{
    return shape_reduce(nd, false, err);
}

void seer_kref_reduce_min(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_reduce(k, nd, R_MIN);
}
