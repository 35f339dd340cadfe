/*
 * Reference Pack (tf.stack), Unpack (tf.unstack) and Split with TensorFlow's semantics,
 * for any dtype. All three view their tensors as [outer, axis, inner] blocks of bytes:
 * Pack interleaves whole inner blocks of its inputs, Unpack and Split cut them apart.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

/* Products of the dims before and after axis. */
static void outer_inner(const struct seer_tensor *t, int axis, int64_t *outer, int64_t *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= t->dims[i];
    for (int i = axis + 1; i < t->ndim; i++)
        *inner *= t->dims[i];
}

/* ---- Pack ---- */

int seer_shape_pack(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x;
    struct seer_tensor *y = nd->out[0];
    int ax, rc = seer__check_arity(nd, 1, 1 << 16, 1, err);

    if (rc)
        return rc;
    x = nd->in[0];
    for (int i = 1; i < nd->n_in; i++) {
        if (!nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "input %d is missing", i);
        if (nd->in[i]->dtype != x->dtype || !seer_tensor_same_shape(nd->in[i], x)) {
            char a[96], b[96];
            return seer_errf(err, SEER_EFORMAT, "input %d is %s %s, input 0 is %s %s", i,
                             seer_dtype_name(nd->in[i]->dtype),
                             seer_tensor_shape_str(nd->in[i], a, sizeof(a)),
                             seer_dtype_name(x->dtype), seer_tensor_shape_str(x, b, sizeof(b)));
        }
    }
    if (x->ndim >= SEER_MAX_DIMS)
        return seer_errf(err, SEER_EUNSUPPORTED, "result would have more than %d dims",
                         SEER_MAX_DIMS);
    rc = seer__axis(nd->a.axis, x->ndim + 1, "axis", &ax, err);
    if (rc)
        return rc;
    y->dtype = x->dtype;
    y->ndim = x->ndim + 1;
    for (int i = 0, j = 0; i < y->ndim; i++)
        y->dims[i] = i == ax ? nd->n_in : x->dims[j++];
    return SEER_OK;
}

void seer_kref_pack(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    int ax = nd->a.axis < 0 ? nd->a.axis + x->ndim + 1 : nd->a.axis;
    int64_t outer, inner, lo, hi;
    size_t blk;

    /* The inputs' [outer, inner] split at the new axis. */
    outer = inner = 1;
    for (int i = 0; i < ax; i++)
        outer *= x->dims[i];
    for (int i = ax; i < x->ndim; i++)
        inner *= x->dims[i];
    blk = (size_t)inner * seer_dtype_size(x->dtype);
    seer_split_range(outer * nd->n_in, k->ith, k->nth, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        int64_t o = u / nd->n_in, j = u % nd->n_in;
        memcpy((char *)nd->out[0]->data + (size_t)u * blk,
               (const char *)nd->in[j]->data + (size_t)o * blk, blk);
    }
}

/* ---- Unpack and Split: n_out pieces along an axis ---- */

/* Copies piece p of n_out (each of len along the axis) out of x. */
static void cut(const struct seer_kctx *k, const struct seer_tensor *x, int ax, int n_out,
                struct seer_tensor *const *out)
{
    int64_t outer, inner, lo, hi, len = n_out ? x->dims[ax] / n_out : 0;
    size_t es = seer_dtype_size(x->dtype), blk;

    outer_inner(x, ax, &outer, &inner);
    blk = (size_t)(len * inner) * es;
    seer_split_range(outer * n_out, k->ith, k->nth, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        int64_t o = u / n_out, p = u % n_out;
        memcpy((char *)out[p]->data + (size_t)o * blk,
               (const char *)x->data + ((size_t)o * (size_t)n_out + (size_t)p) * blk, blk);
    }
}

int seer_shape_unpack(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x;
    int ax, rc = seer__check_arity(nd, 1, 1, -1, err);

    if (rc)
        return rc;
    x = nd->in[0];
    if (x->ndim < 1)
        return seer_errf(err, SEER_EFORMAT, "cannot unstack a scalar");
    rc = seer__axis(nd->a.axis, x->ndim, "axis", &ax, err);
    if (rc)
        return rc;
    if (x->dims[ax] != nd->n_out)
        return seer_errf(err, SEER_EFORMAT, "dim %d is %lld, not num = %d", ax,
                         (long long)x->dims[ax], nd->n_out);
    for (int i = 0; i < nd->n_out; i++) {
        struct seer_tensor *y = nd->out[i];
        y->dtype = x->dtype;
        y->ndim = x->ndim - 1;
        for (int d = 0, j = 0; d < x->ndim; d++)
            if (d != ax)
                y->dims[j++] = x->dims[d];
    }
    return SEER_OK;
}

void seer_kref_unpack(const struct seer_kctx *k, const struct seer_node *nd)
{
    int ax = nd->a.axis < 0 ? nd->a.axis + nd->in[0]->ndim : nd->a.axis;

    cut(k, nd->in[0], ax, nd->n_out, nd->out);
}

/* Split: in[0] is the axis (a scalar), in[1] the value. */
static int split_axis(const struct seer_node *nd, int *ax, struct seer_err *err)
{
    int64_t a;
    int rc = seer__const_scalar(nd, 0, "axis", &a, err);

    return rc ? rc : seer__axis(a, nd->in[1]->ndim, "axis", ax, err);
}

int seer_shape_split(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x;
    int ax, rc = seer__check_arity(nd, 2, 2, -1, err);

    if (rc)
        return rc;
    x = nd->in[1];
    rc = split_axis(nd, &ax, err);
    if (rc)
        return rc;
    if (x->dims[ax] % nd->n_out)
        return seer_errf(err, SEER_EFORMAT, "dim %d (%lld) does not split into %d equal pieces", ax,
                         (long long)x->dims[ax], nd->n_out);
    for (int i = 0; i < nd->n_out; i++) {
        seer_tensor_set_shape(nd->out[i], x->dtype, x->ndim, x->dims);
        nd->out[i]->dims[ax] = x->dims[ax] / nd->n_out;
    }
    return SEER_OK;
}

void seer_kref_split(const struct seer_kctx *k, const struct seer_node *nd)
{
    int ax;

    if (split_axis(nd, &ax, NULL))
        return;
    cut(k, nd->in[1], ax, nd->n_out, nd->out);
}
