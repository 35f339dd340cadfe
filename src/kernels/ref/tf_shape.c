/*
 * Reference shape-building ops with TensorFlow's semantics: Fill, Range, Shape, Size,
 * Rank, ZerosLike, Tile and Slice.
 *
 * Fill, Range, Tile and Slice take their shape from input values (dims, limits,
 * multiples, begin and size), so their shape functions need those inputs' data: a
 * constant at prepare time, or any value when the dataflow interpreter runs them. A
 * bad value (Range with a zero delta, a slice past the end) is EFORMAT from the shape
 * function, as TensorFlow's kernels fail the run.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

/* ---- Fill ---- */

int seer_shape_fill(struct seer_node *nd, struct seer_err *err)
{
    int64_t dims[SEER_MAX_DIMS];
    int n = 0;
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    if (nd->in[0]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "dims must be a vector, got rank %d", nd->in[0]->ndim);
    if (nd->in[1]->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "value must be a scalar, got rank %d", nd->in[1]->ndim);
    rc = seer__const_ints(nd, 0, "dims", dims, SEER_MAX_DIMS, &n, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        if (dims[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "dims[%d] is negative (%lld)", i,
                             (long long)dims[i]);
    seer_tensor_set_shape(nd->out[0], nd->in[1]->dtype, n, dims);
    return SEER_OK;
}

void seer_kref_fill(const struct seer_kctx *k, const struct seer_node *nd)
{
    size_t es = seer_dtype_size(nd->out[0]->dtype);
    char *y = nd->out[0]->data;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++)
        memcpy(y + (size_t)i * es, nd->in[1]->data, es);
}

/* ---- Range ---- */

static double scalar_f64(const struct seer_tensor *t)
{
    return seer_tensor_get_f64(t, 0);
}

int seer_shape_range(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 3, 3, 1, err);
    enum seer_dtype dt;
    int64_t n;

    if (rc)
        return rc;
    dt = nd->in[0]->dtype;
    for (int i = 0; i < 3; i++) {
        if (nd->in[i]->dtype != dt || seer_tensor_numel(nd->in[i]) != 1 || nd->in[i]->ndim > 1)
            return seer_errf(err, SEER_EFORMAT,
                             "start, limit and delta must be scalars of one "
                             "dtype");
        if (!nd->in[i]->data)
            return seer_errf(err, SEER_EUNSUPPORTED, "start, limit and delta must be constant");
    }
    if (dt == SEER_DTYPE_I32 || dt == SEER_DTYPE_I64) {
        int64_t s = seer_tensor_get_int(nd->in[0], 0), l = seer_tensor_get_int(nd->in[1], 0);
        int64_t d = seer_tensor_get_int(nd->in[2], 0);
        if (d == 0)
            return seer_errf(err, SEER_EFORMAT, "delta must not be 0");
        if ((d > 0 && s > l) || (d < 0 && s < l))
            return seer_errf(err, SEER_EFORMAT,
                             "start %lld, limit %lld and delta %lld go the "
                             "wrong way",
                             (long long)s, (long long)l, (long long)d);
        /* |l - s| and |d| fit in uint64 even at the int64 extremes. */
        uint64_t span = d > 0 ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
        uint64_t step = d > 0 ? (uint64_t)d : 0 - (uint64_t)d;
        if (step == 0) /* d == 0 was refused above; this keeps the division safe alone */
            return seer_errf(err, SEER_EFORMAT, "delta must not be 0");
        uint64_t cnt = span / step + (span % step != 0);
        if (cnt > (uint64_t)INT64_MAX)
            return seer_errf(err, SEER_ELIMIT, "range is too long");
        n = (int64_t)cnt;
    } else if (dt == SEER_DTYPE_F32) {
        /* The count in float, as TensorFlow computes it for a float range. */
        float s = (float)scalar_f64(nd->in[0]), l = (float)scalar_f64(nd->in[1]);
        float d = (float)scalar_f64(nd->in[2]);
        if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d))
            return seer_errf(err, SEER_EFORMAT,
                             "start, limit and delta must be finite and "
                             "delta not 0");
        if ((d > 0 && s > l) || (d < 0 && s < l))
            return seer_errf(err, SEER_EFORMAT, "start %g, limit %g and delta %g go the wrong way",
                             (double)s, (double)l, (double)d);
        double c = ceilf(fabsf((l - s) / d));
        if (c > 9e15)
            return seer_errf(err, SEER_ELIMIT, "range is too long");
        n = (int64_t)c;
    } else {
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported", seer_dtype_name(dt));
    }
    seer_tensor_set_shape(nd->out[0], dt, 1, &n);
    return SEER_OK;
}

void seer_kref_range(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *y = nd->out[0];
    int64_t n = y->dims[0], lo, hi;

    if (y->dtype == SEER_DTYPE_F32) {
        /* TensorFlow accumulates: each value is the previous one plus delta, rounded to
         * float, so one worker walks the whole range (Range is registered serial). */
        float v = (float)scalar_f64(nd->in[0]), d = (float)scalar_f64(nd->in[2]);
        if (k->ith != 0)
            return;
        for (int64_t i = 0; i < n; i++) {
            ((float *)y->data)[i] = v;
            v += d;
        }
    } else {
        seer_split_range(n, k->ith, k->nth, &lo, &hi);
        int64_t s = seer_tensor_get_int(nd->in[0], 0), d = seer_tensor_get_int(nd->in[2], 0);
        for (int64_t i = lo; i < hi; i++) {
            int64_t v = (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d);
            if (y->dtype == SEER_DTYPE_I32)
                ((int32_t *)y->data)[i] = (int32_t)v;
            else
                ((int64_t *)y->data)[i] = v;
        }
    }
}

/* ---- Shape, Size, Rank ---- */

static int out_int_type(const struct seer_node *nd, enum seer_dtype *dt, struct seer_err *err)
{
    *dt = nd->a.dtype;
    if (*dt != SEER_DTYPE_I32 && *dt != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "out_type must be int32 or int64, got %s",
                         seer_dtype_name(*dt));
    return SEER_OK;
}

static void put_int(const struct seer_tensor *y, int64_t i, int64_t v)
{
    if (y->dtype == SEER_DTYPE_I32)
        ((int32_t *)y->data)[i] = (int32_t)v;
    else
        ((int64_t *)y->data)[i] = v;
}

int seer_shape_shape(struct seer_node *nd, struct seer_err *err)
{
    enum seer_dtype dt;
    int64_t r;
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (!rc)
        rc = out_int_type(nd, &dt, err);
    if (rc)
        return rc;
    for (int i = 0; i < nd->in[0]->ndim; i++)
        if (dt == SEER_DTYPE_I32 && nd->in[0]->dims[i] > INT32_MAX)
            return seer_errf(err, SEER_EFORMAT, "dim %d does not fit int32", i);
    r = nd->in[0]->ndim;
    seer_tensor_set_shape(nd->out[0], dt, 1, &r);
    return SEER_OK;
}

void seer_kref_shape(const struct seer_kctx *k, const struct seer_node *nd)
{
    if (k->ith != 0)
        return;
    for (int i = 0; i < nd->in[0]->ndim; i++)
        put_int(nd->out[0], i, nd->in[0]->dims[i]);
}

int seer_shape_size(struct seer_node *nd, struct seer_err *err)
{
    enum seer_dtype dt;
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (!rc)
        rc = out_int_type(nd, &dt, err);
    if (rc)
        return rc;
    if (dt == SEER_DTYPE_I32 && seer_tensor_numel(nd->in[0]) > INT32_MAX)
        return seer_errf(err, SEER_EFORMAT, "the size does not fit int32");
    seer_tensor_set_shape(nd->out[0], dt, 0, NULL);
    return SEER_OK;
}

void seer_kref_size(const struct seer_kctx *k, const struct seer_node *nd)
{
    if (k->ith == 0)
        put_int(nd->out[0], 0, seer_tensor_numel(nd->in[0]));
}

int seer_shape_rank(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I32, 0, NULL);
    return SEER_OK;
}

void seer_kref_rank(const struct seer_kctx *k, const struct seer_node *nd)
{
    if (k->ith == 0)
        ((int32_t *)nd->out[0]->data)[0] = nd->in[0]->ndim;
}

/* ---- ZerosLike ---- */

int seer_shape_zeros_like(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

void seer_kref_zeros_like(const struct seer_kctx *k, const struct seer_node *nd)
{
    size_t es = seer_dtype_size(nd->out[0]->dtype);
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    if (hi > lo)
        memset((char *)nd->out[0]->data + (size_t)lo * es, 0, (size_t)(hi - lo) * es);
}

/* ---- Tile ---- */

int seer_shape_tile(struct seer_node *nd, struct seer_err *err)
{
    int64_t mult[SEER_MAX_DIMS], dims[SEER_MAX_DIMS];
    const struct seer_tensor *x;
    int n = 0;
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    x = nd->in[0];
    if (nd->in[1]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "multiples must be a vector");
    rc = seer__const_ints(nd, 1, "multiples", mult, SEER_MAX_DIMS, &n, err);
    if (rc)
        return rc;
    if (n != x->ndim)
        return seer_errf(err, SEER_EFORMAT, "multiples has %d values for an input of rank %d", n,
                         x->ndim);
    for (int i = 0; i < n; i++) {
        if (mult[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "multiples[%d] is negative", i);
        if (__builtin_mul_overflow(x->dims[i], mult[i], &dims[i]))
            return seer_errf(err, SEER_ELIMIT, "dim %d overflows", i);
    }
    seer_tensor_set_shape(nd->out[0], x->dtype, n, dims);
    return SEER_OK;
}

void seer_kref_tile(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    size_t es = seer_dtype_size(x->dtype);
    int64_t xs[SEER_MAX_DIMS], lo, hi;
    int r = y->ndim;

    seer__strides(x, xs);
    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        int64_t rem = o, src = 0;
        for (int d = r - 1; d >= 0; d--) {
            int64_t c = rem % y->dims[d];
            rem /= y->dims[d];
            src += (c % x->dims[d]) * xs[d];
        }
        memcpy((char *)y->data + (size_t)o * es, (const char *)x->data + (size_t)src * es, es);
    }
}

/* ---- Slice ---- */

static int slice_plan(const struct seer_node *nd, int64_t *begin, int64_t *size,
                      struct seer_err *err)
{
    const struct seer_tensor *x = nd->in[0];
    int nb = 0, ns = 0;
    int rc = seer__const_ints(nd, 1, "begin", begin, SEER_MAX_DIMS, &nb, err);

    if (!rc)
        rc = seer__const_ints(nd, 2, "size", size, SEER_MAX_DIMS, &ns, err);
    if (rc)
        return rc;
    if (nb != x->ndim || ns != x->ndim)
        return seer_errf(err, SEER_EFORMAT, "begin and size need %d values, have %d and %d",
                         x->ndim, nb, ns);
    for (int i = 0; i < x->ndim; i++) {
        if (size[i] == -1)
            size[i] = x->dims[i] - begin[i];
        if (begin[i] < 0 || size[i] < 0 || begin[i] > x->dims[i] || size[i] > x->dims[i] - begin[i])
            return seer_errf(err, SEER_EFORMAT, "dim %d: begin %lld size %lld is outside 0..%lld",
                             i, (long long)begin[i], (long long)size[i], (long long)x->dims[i]);
    }
    return SEER_OK;
}

int seer_shape_slice(struct seer_node *nd, struct seer_err *err)
{
    int64_t begin[SEER_MAX_DIMS], size[SEER_MAX_DIMS];
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (!rc)
        rc = slice_plan(nd, begin, size, err);
    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, nd->in[0]->ndim, size);
    return SEER_OK;
}

void seer_kref_slice(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    int64_t begin[SEER_MAX_DIMS], size[SEER_MAX_DIMS], xs[SEER_MAX_DIMS], lo, hi;
    size_t es = seer_dtype_size(x->dtype), row;
    int r = x->ndim;

    if (slice_plan(nd, begin, size, NULL))
        return;
    if (r == 0) {
        if (k->ith == 0)
            memcpy(y->data, x->data, es);
        return;
    }
    seer__strides(x, xs);
    /* Rows along the last dim are contiguous in both tensors. */
    row = (size_t)size[r - 1] * es;
    int64_t rows = size[r - 1] ? seer_tensor_numel(y) / size[r - 1] : 0;
    seer_split_range(rows, k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        int64_t rem = o, src = begin[r - 1];
        for (int d = r - 2; d >= 0; d--) {
            src += (begin[d] + rem % size[d]) * xs[d];
            rem /= size[d];
        }
        memcpy((char *)y->data + (size_t)o * row, (const char *)x->data + (size_t)src * es, row);
    }
}
