/*
 * Reference GatherV2: in[0] params (any dtype), in[1] indices (int32/int64), in[2] a
 * constant scalar axis (negative counts from the end), attrs.batch_dims (negative counts
 * from the end of the indices' rank, as in TensorFlow). The output shape is
 * params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis+1:].
 *
 * An index outside [0, params.shape[axis]) makes TensorFlow's CPU kernel fail the run. A
 * kernel has no failure path and the shape function cannot see run-time indices, so such
 * an element of the output is written as zeros instead (never read out of bounds).
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

/* The gather as B batches x O outer rows x N indices of rows of I elements, picking
 * from G candidates. */
struct geom {
    int64_t B, O, G, N, I;
};

static int make_geom(const struct seer_node *nd, struct geom *g, int *axis_out, int *bd_out,
                     struct seer_err *err)
{
    const struct seer_tensor *p = nd->in[0], *ix = nd->in[1];
    int64_t axis;
    int ax, bd = nd->a.batch_dims;
    char sp[96], si[96];

    if (ix->dtype != SEER_DTYPE_I32 && ix->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "indices must be int32 or int64, got %s",
                         seer_dtype_name(ix->dtype));
    int rc = seer__const_scalar(nd, 2, "axis", &axis, err);
    if (rc)
        return rc;
    rc = seer__axis(axis, p->ndim, "axis", &ax, err);
    if (rc)
        return rc;
    if (bd < -ix->ndim || bd > ix->ndim)
        return seer_errf(err, SEER_EFORMAT, "batch_dims %d out of range for indices of rank %d", bd,
                         ix->ndim);
    if (bd < 0)
        bd += ix->ndim;
    if (bd > 0 && bd >= p->ndim)
        return seer_errf(err, SEER_EFORMAT,
                         "batch_dims %d must be less than the rank %d of "
                         "params",
                         bd, p->ndim);
    if (bd > ax)
        return seer_errf(err, SEER_EFORMAT, "batch_dims %d must not exceed axis %d", bd, ax);
    for (int i = 0; i < bd; i++)
        if (p->dims[i] != ix->dims[i])
            return seer_errf(err, SEER_EFORMAT, "params %s and indices %s differ in batch dim %d",
                             seer_tensor_shape_str(p, sp, sizeof(sp)),
                             seer_tensor_shape_str(ix, si, sizeof(si)), i);
    g->B = g->O = g->N = g->I = 1;
    for (int i = 0; i < bd; i++)
        g->B *= p->dims[i];
    for (int i = bd; i < ax; i++)
        g->O *= p->dims[i];
    g->G = p->dims[ax];
    for (int i = bd; i < ix->ndim; i++)
        g->N *= ix->dims[i];
    for (int i = ax + 1; i < p->ndim; i++)
        g->I *= p->dims[i];
    *axis_out = ax;
    *bd_out = bd;
    return SEER_OK;
}

int seer_shape_gather(struct seer_node *nd, struct seer_err *err)
{
    struct geom g;
    int ax, bd;
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (rc)
        return rc;
    rc = make_geom(nd, &g, &ax, &bd, err);
    if (rc)
        return rc;
    const struct seer_tensor *p = nd->in[0], *ix = nd->in[1];
    int r = p->ndim - 1 + ix->ndim - bd;
    if (r > SEER_MAX_DIMS)
        return seer_errf(err, SEER_EUNSUPPORTED, "result would have %d dims, more than %d", r,
                         SEER_MAX_DIMS);
    struct seer_tensor *y = nd->out[0];
    int k = 0;
    for (int i = 0; i < ax; i++)
        y->dims[k++] = p->dims[i];
    for (int i = bd; i < ix->ndim; i++)
        y->dims[k++] = ix->dims[i];
    for (int i = ax + 1; i < p->ndim; i++)
        y->dims[k++] = p->dims[i];
    y->ndim = k;
    y->dtype = p->dtype;
    return SEER_OK;
}

void seer_kref_gather(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *p = nd->in[0], *ix = nd->in[1];
    struct geom g;
    int ax, bd;
    int64_t lo, hi;

    if (make_geom(nd, &g, &ax, &bd, NULL))
        return;
    size_t row = (size_t)g.I * seer_dtype_size(p->dtype);
    if (row == 0)
        return;
    const char *src = p->data;
    char *dst = nd->out[0]->data;
    seer_split_range(g.B * g.O * g.N, k->ith, k->nth, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        int64_t b = u / (g.O * g.N), o = (u / g.N) % g.O, j = u % g.N;
        int64_t at = b * g.N + j;
        int64_t i = ix->dtype == SEER_DTYPE_I32 ? ((const int32_t *)ix->data)[at]
                                                : ((const int64_t *)ix->data)[at];
        if (i < 0 || i >= g.G)
            memset(dst + (size_t)u * row, 0, row);
        else
            memcpy(dst + (size_t)u * row, src + (size_t)((b * g.O + o) * g.G + i) * row, row);
    }
}
