/*
 * Reference Select, Where, LogicalAnd and Sqrt with TensorFlow's semantics.
 *
 * Select (TensorFlow 1, not SelectV2) does not broadcast: the condition has the shape of
 * the branches, or is a scalar, or is a vector that picks whole rows (dim 0).
 * Where returns the int64 coordinates of the true (non-zero) elements in row-major
 * order, [count, rank]: a data-dependent shape that its shape function counts from the
 * input's data, so it is known exactly once the input is (at run time in the dataflow
 * interpreter, or at prepare time for a constant).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

/* ---- Select ---- */

int seer_shape_select(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *c, *t, *e;
    char sc[96], st[96];
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (rc)
        return rc;
    c = nd->in[0];
    t = nd->in[1];
    e = nd->in[2];
    if (c->dtype != SEER_DTYPE_BOOL)
        return seer_errf(err, SEER_EFORMAT, "the condition must be bool, got %s",
                         seer_dtype_name(c->dtype));
    if (t->dtype != e->dtype || !seer_tensor_same_shape(t, e))
        return seer_errf(err, SEER_EFORMAT, "the two branches differ in dtype or shape");
    if (!(c->ndim == 0 || seer_tensor_same_shape(c, t) ||
          (c->ndim == 1 && t->ndim >= 1 && c->dims[0] == t->dims[0])))
        return seer_errf(err, SEER_EFORMAT, "condition %s does not fit branches %s",
                         seer_tensor_shape_str(c, sc, sizeof(sc)),
                         seer_tensor_shape_str(t, st, sizeof(st)));
    seer_tensor_set_shape(nd->out[0], t->dtype, t->ndim, t->dims);
    return SEER_OK;
}

void seer_kref_select(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *c = nd->in[0], *t = nd->in[1], *e = nd->in[2];
    const uint8_t *cv = c->data;
    size_t es = seer_dtype_size(t->dtype);
    int64_t n = seer_tensor_numel(t), lo, hi, per;

    /* Elements per condition value: all (scalar), one (same shape) or a row. */
    if (c->ndim == 0)
        per = n ? n : 1;
    else if (seer_tensor_same_shape(c, t))
        per = 1;
    else
        per = c->dims[0] ? n / c->dims[0] : 1;
    seer_split_range(n, k->ith, k->nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++) {
        const char *src = cv[i / per] ? t->data : e->data;
        memcpy((char *)nd->out[0]->data + (size_t)i * es, src + (size_t)i * es, es);
    }
}

/* ---- Where ---- */

static bool nonzero(const struct seer_tensor *x, int64_t i)
{
    switch (x->dtype) {
    case SEER_DTYPE_F32: return ((const float *)x->data)[i] != 0.0f;
    case SEER_DTYPE_I32: return ((const int32_t *)x->data)[i] != 0;
    case SEER_DTYPE_I64: return ((const int64_t *)x->data)[i] != 0;
    default: return ((const uint8_t *)x->data)[i] != 0; /* bool, uint8 */
    }
}

int seer_shape_where(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x;
    int64_t dims[2], count = 0;
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    x = nd->in[0];
    if (x->dtype != SEER_DTYPE_BOOL && x->dtype != SEER_DTYPE_F32 && x->dtype != SEER_DTYPE_I32 &&
        x->dtype != SEER_DTYPE_I64 && x->dtype != SEER_DTYPE_U8)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported",
                         seer_dtype_name(x->dtype));
    dims[1] = x->ndim;
    if (!x->data) {
        /* The count depends on the data: unknown until it is there. */
        dims[0] = -1;
        seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I64, 2, dims);
        return SEER_OK;
    }
    for (int64_t i = 0, n = seer_tensor_numel(x); i < n; i++)
        count += nonzero(x, i);
    dims[0] = count;
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I64, 2, dims);
    return SEER_OK;
}

void seer_kref_where(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    int64_t *y = nd->out[0]->data, row = 0, n = seer_tensor_numel(x);
    int r = x->ndim;

    if (k->ith != 0)
        return;
    for (int64_t i = 0; i < n; i++) {
        int64_t rem = i;
        if (!nonzero(x, i))
            continue;
        for (int d = r - 1; d >= 0; d--) {
            y[row * r + d] = rem % x->dims[d];
            rem /= x->dims[d];
        }
        row++;
    }
}

/* ---- LogicalAnd ---- */

int seer_shape_logical_and(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    if (nd->in[0]->dtype != SEER_DTYPE_BOOL || nd->in[1]->dtype != SEER_DTYPE_BOOL)
        return seer_errf(err, SEER_EFORMAT, "operands must be bool");
    rc = seer_broadcast_shape(nd->in[0], nd->in[1], nd->out[0], err);
    nd->out[0]->dtype = SEER_DTYPE_BOOL;
    return rc;
}

/* Element offset into t (broadcast against the output y) of output element o. */
static int64_t bcast_index(const struct seer_tensor *t, const struct seer_tensor *y, int64_t o)
{
    int64_t idx = 0, stride = 1;

    for (int d = y->ndim - 1; d >= 0; d--) {
        int td = d - (y->ndim - t->ndim);
        int64_t c = o % y->dims[d];
        o /= y->dims[d];
        if (td >= 0) {
            if (t->dims[td] != 1)
                idx += c * stride;
            stride *= t->dims[td];
        }
    }
    return idx;
}

void seer_kref_logical_and(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1], *y = nd->out[0];
    const uint8_t *av = a->data, *bv = b->data;
    uint8_t *yv = y->data;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++)
        yv[o] = av[bcast_index(a, y, o)] && bv[bcast_index(b, y, o)];
}

/* ---- Sqrt ---- */

int seer_shape_sqrt(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    if (nd->in[0]->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported (float32 only)",
                         seer_dtype_name(nd->in[0]->dtype));
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

void seer_kref_sqrt(const struct seer_kctx *k, const struct seer_node *nd)
{
    const float *x = nd->in[0]->data;
    float *y = nd->out[0]->data;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++)
        y[i] = sqrtf(x[i]);
}
