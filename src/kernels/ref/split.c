/*
 * Reference SplitV: in[0] x (any dtype), in[1] constant size_splits (int32/int64, one
 * entry per output, at most one -1 meaning "the rest"), in[2] a constant scalar axis
 * (negative counts from the end). Output o takes the next size_splits[o] slices of x
 * along the axis.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_splitv(struct seer_node *nd, struct seer_err *err)
{
    int64_t axis;
    int ax, infer = -1;
    int rc = seer__check_arity(nd, 3, 3, -1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0], *sz = nd->in[1];
    rc = seer__const_scalar(nd, 2, "axis", &axis, err);
    if (rc)
        return rc;
    rc = seer__axis(axis, x->ndim, "axis", &ax, err);
    if (rc)
        return rc;
    if (sz->dtype != SEER_DTYPE_I32 && sz->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "size_splits must be int32 or int64, got %s",
                         seer_dtype_name(sz->dtype));
    if (sz->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "size_splits must be a vector, got rank %d", sz->ndim);
    if (!sz->data)
        return seer_errf(err, SEER_EUNSUPPORTED, "size_splits must be constant");
    if (sz->dims[0] != nd->n_out)
        return seer_errf(err, SEER_EFORMAT, "size_splits has %lld entries for %d outputs",
                         (long long)sz->dims[0], nd->n_out);
    int64_t dim = x->dims[ax], known = 0;
    for (int o = 0; o < nd->n_out; o++) {
        int64_t s = seer_tensor_get_int(sz, o);
        if (s == -1 && infer < 0) {
            infer = o;
            continue;
        }
        if (s < 0)
            return seer_errf(err, SEER_EFORMAT, "size_splits[%d] = %lld is invalid", o,
                             (long long)s);
        if (__builtin_add_overflow(known, s, &known))
            return seer_errf(err, SEER_EFORMAT, "size_splits overflow");
    }
    if (infer >= 0 ? known > dim : known != dim)
        return seer_errf(err, SEER_EFORMAT, "size_splits sum to %lld%s but dim %d has %lld",
                         (long long)known, infer >= 0 ? " plus the -1" : "", ax, (long long)dim);
    for (int o = 0; o < nd->n_out; o++) {
        seer_tensor_set_shape(nd->out[o], x->dtype, x->ndim, x->dims);
        nd->out[o]->dims[ax] = o == infer ? dim - known : seer_tensor_get_int(sz, o);
    }
    return SEER_OK;
}

void seer_kref_splitv(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    int64_t sz_axis = nd->in[2] ? seer_tensor_get_int(nd->in[2], 0) : 0;
    int ax = (int)(sz_axis < 0 ? sz_axis + x->ndim : sz_axis);
    size_t es = seer_dtype_size(x->dtype);
    int64_t outer = 1, inner = 1, lo, hi;

    for (int i = 0; i < ax; i++)
        outer *= x->dims[i];
    for (int i = ax + 1; i < x->ndim; i++)
        inner *= x->dims[i];
    size_t in_row = (size_t)x->dims[ax] * (size_t)inner * es;
    /* Units are (output, row) pairs in output-major order, so the running offset of each
     * output's slab inside an input row is updated as the outputs go by. */
    seer_split_range((int64_t)nd->n_out * outer, k->ith, k->nth, &lo, &hi);
    size_t start = 0;
    int o = 0;
    for (int64_t u = lo; u < hi; u++) {
        int uo = (int)(u / outer);
        while (o < uo) {
            start += (size_t)nd->out[o]->dims[ax] * (size_t)inner * es;
            o++;
        }
        int64_t row = u % outer;
        size_t slab = (size_t)nd->out[o]->dims[ax] * (size_t)inner * es;
        if (slab == 0)
            continue;
        memcpy((char *)nd->out[o]->data + (size_t)row * slab,
               (const char *)x->data + (size_t)row * in_row + start, slab);
    }
}
