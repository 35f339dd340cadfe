/*
 * Reference ArgMax, ArgMin and OneHot.
 *
 * ArgMax / ArgMin: in x (float32, int32, int64 or uint8), axis (a scalar known at shape
 * time); out attrs.dtype (int32 or int64: TensorFlow's output_type), x's shape without
 * the axis. Ties give the smallest index, as TensorFlow's kernels do. A NaN only compares
 * false, so it is never preferred over the running best (and wins only from index 0).
 * An empty axis is an error, as in TensorFlow ("reduction axis is empty").
 *
 * OneHot: in indices (uint8, int32 or int64), depth (int32 scalar), on_value, off_value
 * (scalars of the output dtype); attrs.axis (-1 appends the new dim). Output element
 * [..., d, ...] is on_value where indices[...] == d, off_value elsewhere, so an index
 * outside [0, depth) gives a row of off_value.
 */
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static int arg_axis(const struct seer_node *nd, int *ax, struct seer_err *err)
{
    int64_t v;
    int rc = seer__const_scalar(nd, 1, "axis", &v, err);

    return rc ? rc : seer__axis(v, nd->in[0]->ndim, "axis", ax, err);
}

static int shape_arg(struct seer_node *nd, struct seer_err *err)
{
    struct seer_tensor *y = nd->out[0];
    int ax, r = 0, rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->dtype != SEER_DTYPE_F32 && x->dtype != SEER_DTYPE_I32 && x->dtype != SEER_DTYPE_I64 &&
        x->dtype != SEER_DTYPE_U8)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported",
                         seer_dtype_name(x->dtype));
    if (nd->a.dtype != SEER_DTYPE_I32 && nd->a.dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "output_type %s must be int32 or int64",
                         seer_dtype_name(nd->a.dtype));
    if (x->ndim == 0)
        return seer_errf(err, SEER_EFORMAT, "input must have rank 1 or more, got a scalar");
    rc = arg_axis(nd, &ax, err);
    if (rc)
        return rc;
    if (x->dims[ax] == 0)
        return seer_errf(err, SEER_EFORMAT, "reduction axis %d is empty", ax);
    for (int i = 0; i < x->ndim; i++)
        if (i != ax)
            y->dims[r++] = x->dims[i];
    y->ndim = r;
    y->dtype = nd->a.dtype;
    return SEER_OK;
}

/* Best index along the axis for output element o; better(a, b) says a beats b. */
#define ARG_SCAN(T, BETTER)                                                                        \
    do {                                                                                           \
        const T *xv = (const T *)x->data + (o / inner) * d * inner + o % inner;                    \
        T cur = xv[0];                                                                             \
        for (int64_t j = 1; j < d; j++) {                                                          \
            T v = xv[j * inner];                                                                   \
            if (BETTER) {                                                                          \
                cur = v;                                                                           \
                best = j;                                                                          \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void kref_arg(const struct seer_kctx *k, const struct seer_node *nd, bool is_max)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    int64_t lo, hi, inner = 1;
    int ax;

    if (arg_axis(nd, &ax, NULL))
        return;
    int64_t d = x->dims[ax];
    for (int i = ax + 1; i < x->ndim; i++)
        inner *= x->dims[i];
    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        int64_t best = 0;
        switch (x->dtype) {
        case SEER_DTYPE_F32:
            if (is_max)
                ARG_SCAN(float, v > cur);
            else
                ARG_SCAN(float, v < cur);
            break;
        case SEER_DTYPE_I32:
            if (is_max)
                ARG_SCAN(int32_t, v > cur);
            else
                ARG_SCAN(int32_t, v < cur);
            break;
        case SEER_DTYPE_I64:
            if (is_max)
                ARG_SCAN(int64_t, v > cur);
            else
                ARG_SCAN(int64_t, v < cur);
            break;
        default:
            if (is_max)
                ARG_SCAN(uint8_t, v > cur);
            else
                ARG_SCAN(uint8_t, v < cur);
            break;
        }
        if (y->dtype == SEER_DTYPE_I32)
            ((int32_t *)y->data)[o] = (int32_t)best;
        else
            ((int64_t *)y->data)[o] = best;
    }
}

int seer_shape_argmax(struct seer_node *nd, struct seer_err *err)
{
    return shape_arg(nd, err);
}

void seer_kref_argmax(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_arg(k, nd, true);
}

int seer_shape_argmin(struct seer_node *nd, struct seer_err *err)
{
    return shape_arg(nd, err);
}

void seer_kref_argmin(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_arg(k, nd, false);
}

int seer_shape_one_hot(struct seer_node *nd, struct seer_err *err)
{
    int64_t depth;
    int rc = seer__check_arity(nd, 4, 4, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *ix = nd->in[0], *on = nd->in[2], *off = nd->in[3];
    if (ix->dtype != SEER_DTYPE_U8 && ix->dtype != SEER_DTYPE_I32 && ix->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EUNSUPPORTED, "indices dtype %s is not supported",
                         seer_dtype_name(ix->dtype));
    if (ix->ndim + 1 > SEER_MAX_DIMS)
        return seer_errf(err, SEER_EUNSUPPORTED, "indices rank %d is too large", ix->ndim);
    if (nd->in[1]->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "depth must be a scalar, got rank %d", nd->in[1]->ndim);
    rc = seer__const_scalar(nd, 1, "depth", &depth, err);
    if (rc)
        return rc;
    if (depth < 0)
        return seer_errf(err, SEER_EFORMAT, "depth must be non-negative, got %lld",
                         (long long)depth);
    if (on->ndim != 0 || off->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "on_value and off_value must be scalars");
    if (on->dtype != off->dtype)
        return seer_errf(err, SEER_EFORMAT, "on_value is %s, off_value is %s",
                         seer_dtype_name(on->dtype), seer_dtype_name(off->dtype));
    int rank = ix->ndim + 1, axis = nd->a.axis;
    if (axis != -1 && (axis < 0 || axis >= rank))
        return seer_errf(err, SEER_EFORMAT, "axis %d must be -1 or in [0, %d)", axis, rank);
    if (axis == -1)
        axis = rank - 1;
    struct seer_tensor *y = nd->out[0];
    for (int i = 0, j = 0; i < rank; i++)
        y->dims[i] = i == axis ? depth : ix->dims[j++];
    y->ndim = rank;
    y->dtype = on->dtype;
    return SEER_OK;
}

void seer_kref_one_hot(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *ix = nd->in[0], *y = nd->out[0];
    int rank = ix->ndim + 1, axis = nd->a.axis == -1 ? rank - 1 : nd->a.axis;
    int64_t depth = y->dims[axis], suffix = 1, lo, hi;
    size_t es = seer_dtype_size(y->dtype);
    const void *on = nd->in[2]->data, *off = nd->in[3]->data;

    for (int i = axis + 1; i < rank; i++)
        suffix *= y->dims[i];
    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        int64_t s = o % suffix, dd = (o / suffix) % depth, p = o / suffix / depth;
        int64_t idx = seer_tensor_get_int(ix, p * suffix + s);
        memcpy((char *)y->data + (size_t)o * es, idx == dd ? on : off, es);
    }
}
