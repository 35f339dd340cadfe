/*
 * Reference Reshape, ExpandDims and Squeeze. They change only the shape, so each kernel
 * is a copy of the bytes (skipped when the planner aliases output and input); the work
 * is in the shape functions.
 */
#include <stdint.h>

#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static void copy_kernel(const struct seer_kctx *k, const struct seer_node *nd)
{
    size_t n = (size_t)seer_tensor_numel(nd->out[0]) * seer_dtype_size(nd->out[0]->dtype);

    seer__copy_share(nd->out[0]->data, nd->in[0]->data, n, k->ith, k->nth);
}

int seer_shape_reshape(struct seer_node *nd, struct seer_err *err)
{
    int64_t shape[SEER_MAX_DIMS];
    int n = 0, infer = -1;
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    if (nd->in[1]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "shape must be a vector, got rank %d", nd->in[1]->ndim);
    rc = seer__const_ints(nd, 1, "shape", shape, SEER_MAX_DIMS, &n, err);
    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    int64_t numel = seer_tensor_numel(x), known = 1;
    char sx[96], ss[128];
    for (int i = 0; i < n; i++) {
        if (shape[i] == -1 && infer < 0) {
            infer = i;
        } else if (shape[i] == -1) {
            return seer_errf(err, SEER_EFORMAT, "shape %s has more than one -1",
                             seer__ints_str(shape, n, ss, sizeof(ss)));
        } else if (shape[i] < 0) {
            return seer_errf(err, SEER_EFORMAT, "shape %s has a negative dim",
                             seer__ints_str(shape, n, ss, sizeof(ss)));
        } else if (__builtin_mul_overflow(known, shape[i], &known)) {
            return seer_errf(err, SEER_EFORMAT, "shape %s overflows",
                             seer__ints_str(shape, n, ss, sizeof(ss)));
        }
    }
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            goto mismatch;
        shape[infer] = numel / known;
    } else if (known != numel) {
        goto mismatch;
    }
    seer_tensor_set_shape(nd->out[0], x->dtype, n, shape);
    return SEER_OK;
mismatch:
    return seer_errf(err, SEER_EFORMAT, "cannot reshape %s (%lld elements) into %s",
                     seer_tensor_shape_str(x, sx, sizeof(sx)), (long long)numel,
                     seer__ints_str(shape, n, ss, sizeof(ss)));
}

void seer_kref_reshape(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_expand_dims(struct seer_node *nd, struct seer_err *err)
{
    int64_t axis;
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    rc = seer__const_scalar(nd, 1, "axis", &axis, err);
    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->ndim >= SEER_MAX_DIMS)
        return seer_errf(err, SEER_EUNSUPPORTED, "result would have more than %d dims",
                         SEER_MAX_DIMS);
    int ax;
    /* The new dim can go anywhere from before the first to after the last. */
    rc = seer__axis(axis, x->ndim + 1, "axis", &ax, err);
    if (rc)
        return rc;
    struct seer_tensor *y = nd->out[0];
    int r = 0;
    for (int i = 0; i <= x->ndim; i++) {
        if (i == ax)
            y->dims[r++] = 1;
        if (i < x->ndim)
            y->dims[r++] = x->dims[i];
    }
    y->ndim = r;
    y->dtype = x->dtype;
    return SEER_OK;
}

void seer_kref_expand_dims(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_squeeze(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);
    unsigned drop = 0;

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (nd->a.n_axes < 0 || nd->a.n_axes > SEER_MAX_DIMS)
        return seer_errf(err, SEER_EFORMAT, "bad axis count %d", nd->a.n_axes);
    for (int i = 0; i < nd->a.n_axes; i++) {
        int ax;
        rc = seer__axis(nd->a.axes[i], x->ndim, "axis", &ax, err);
        if (rc)
            return rc;
        if (x->dims[ax] != 1)
            return seer_errf(err, SEER_EFORMAT, "cannot squeeze dim %d of size %lld", ax,
                             (long long)x->dims[ax]);
        drop |= 1u << ax;
    }
    struct seer_tensor *y = nd->out[0];
    int r = 0;
    for (int i = 0; i < x->ndim; i++) {
        bool squeeze = nd->a.n_axes ? (drop & (1u << i)) : x->dims[i] == 1;
        if (!squeeze)
            y->dims[r++] = x->dims[i];
    }
    y->ndim = r;
    y->dtype = x->dtype;
    return SEER_OK;
}

void seer_kref_squeeze(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}
