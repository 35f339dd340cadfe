/*
 * Reference SparseToDense: in[0] sparse_indices (int32/int64; a scalar, [N] or [N,R]),
 * in[1] a constant output_shape ([R]), in[2] sparse_values ([N] or a scalar used for
 * every index), in[3] default_value (a scalar of the values' dtype). The output has
 * output_shape, holds default_value everywhere except at the listed indices.
 *
 * TensorFlow's kernel fails the run on an index outside output_shape (and, with
 * validate_indices, on unsorted or repeated ones). A kernel cannot fail and the indices
 * are only known at run time, so out-of-range indices are skipped, and when an index
 * repeats the later value wins. Each worker fills its share of the output and then
 * scatters only the entries that land in that share, so any worker count gives the same
 * bytes.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_sparse_to_dense(struct seer_node *nd, struct seer_err *err)
{
    int64_t shape[SEER_MAX_DIMS];
    int r = 0;
    int rc = seer__check_arity(nd, 4, 4, 1, err);
    char buf[96];

    if (rc)
        return rc;
    const struct seer_tensor *ix = nd->in[0], *vals = nd->in[2], *def = nd->in[3];
    if (ix->dtype != SEER_DTYPE_I32 && ix->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "sparse_indices must be int32 or int64, got %s",
                         seer_dtype_name(ix->dtype));
    if (ix->ndim > 2)
        return seer_errf(err, SEER_EFORMAT, "sparse_indices must have rank 0, 1 or 2, got %d",
                         ix->ndim);
    if (nd->in[1]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "output_shape must be a vector, got rank %d",
                         nd->in[1]->ndim);
    rc = seer__const_ints(nd, 1, "output_shape", shape, SEER_MAX_DIMS, &r, err);
    if (rc)
        return rc;
    for (int i = 0; i < r; i++)
        if (shape[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "output_shape %s has a negative dim",
                             seer__ints_str(shape, r, buf, sizeof(buf)));
    int64_t n = ix->ndim > 0 ? ix->dims[0] : 1, rank = ix->ndim > 1 ? ix->dims[1] : 1;
    if (rank != r)
        return seer_errf(err, SEER_EFORMAT,
                         "sparse_indices give %lld coordinates per entry but output_shape %s "
                         "has %d dims",
                         (long long)rank, seer__ints_str(shape, r, buf, sizeof(buf)), r);
    if (!(vals->ndim == 0 || (vals->ndim == 1 && vals->dims[0] == n)))
        return seer_errf(err, SEER_EFORMAT,
                         "sparse_values must be a scalar or have %lld entries, got %s",
                         (long long)n, seer_tensor_shape_str(vals, buf, sizeof(buf)));
    if (seer_tensor_numel(def) != 1)
        return seer_errf(err, SEER_EFORMAT, "default_value must be a scalar, got %s",
                         seer_tensor_shape_str(def, buf, sizeof(buf)));
    if (def->dtype != vals->dtype)
        return seer_errf(err, SEER_EFORMAT, "default_value is %s but sparse_values is %s",
                         seer_dtype_name(def->dtype), seer_dtype_name(vals->dtype));
    seer_tensor_set_shape(nd->out[0], vals->dtype, r, shape);
    return SEER_OK;
}

void seer_kref_sparse_to_dense(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *ix = nd->in[0], *vals = nd->in[2];
    const struct seer_tensor *y = nd->out[0];
    size_t es = seer_dtype_size(y->dtype);
    const char *dv = nd->in[3]->data, *vv = vals->data;
    char *out = y->data;
    int64_t lo, hi, strides[SEER_MAX_DIMS];
    int r = y->ndim;

    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    if (hi <= lo)
        return;
    for (int64_t i = lo; i < hi; i++)
        memcpy(out + (size_t)i * es, dv, es);
    seer__strides(y, strides);
    int64_t n = ix->ndim > 0 ? ix->dims[0] : 1;
    for (int64_t e = 0; e < n; e++) {
        int64_t off = 0;
        bool ok = true;
        for (int d = 0; d < r && ok; d++) {
            int64_t c = seer_tensor_get_int(ix, e * r + d);
            ok = c >= 0 && c < y->dims[d];
            off += c * strides[d];
        }
        if (!ok || off < lo || off >= hi)
            continue;
        memcpy(out + (size_t)off * es, vv + (vals->ndim ? (size_t)e * es : 0), es);
    }
}
