/*
 * Reference SpaceToBatchND and BatchToSpaceND, the pair TensorFlow wraps around a
 * dilated ("atrous") convolution. x is [batch] + spatial (M dims) + remaining dims;
 * block_shape [M] and paddings / crops [M, 2] must be known (constants, or values the
 * dataflow interpreter has computed) when the shape function runs.
 *
 * SpaceToBatchND pads the spatial dims, cuts each into blocks of block_shape and moves
 * the offset inside the block to the batch dim, outermost: output batch entry
 * (o_1 * B_2 + o_2 ... ) * batch + n holds padded[n, i_1 * B_1 + o_1, ...]. Positions
 * in the padding read as zero. BatchToSpaceND is its inverse, then drops crops[i][0]
 * leading and crops[i][1] trailing elements of each spatial dim.
 */
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

/* block_shape and the [M,2] pads of a node, read and checked. */
struct s2b {
    int m;                         /* spatial dims */
    int64_t block[SEER_MAX_DIMS];  /* B_i >= 1 */
    int64_t pad[SEER_MAX_DIMS][2]; /* paddings or crops, >= 0 */
    int64_t prod;                  /* product of block */
};

static int read_args(const struct seer_node *nd, const char *pads_name, struct s2b *s,
                     struct seer_err *err)
{
    const struct seer_tensor *x = nd->in[0], *p = nd->in[2];
    int rc = seer__const_ints(nd, 1, "block_shape", s->block, SEER_MAX_DIMS, &s->m, err);

    if (rc)
        return rc;
    if (nd->in[1]->ndim != 1 || s->m < 1)
        return seer_errf(err, SEER_EFORMAT, "block_shape must be a vector of at least one value");
    if (x->ndim < 1 + s->m)
        return seer_errf(err, SEER_EFORMAT, "input rank %d is too small for %d block dims", x->ndim,
                         s->m);
    if (p->dtype != SEER_DTYPE_I32 && p->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "%s must be int32 or int64, got %s", pads_name,
                         seer_dtype_name(p->dtype));
    if (p->ndim != 2 || p->dims[0] != s->m || p->dims[1] != 2)
        return seer_errf(err, SEER_EFORMAT, "%s must have shape [%d,2]", pads_name, s->m);
    if (!p->data)
        return seer_errf(err, SEER_EUNSUPPORTED, "%s must be constant", pads_name);
    s->prod = 1;
    for (int i = 0; i < s->m; i++) {
        if (s->block[i] < 1)
            return seer_errf(err, SEER_EFORMAT, "block_shape[%d] is %lld, must be at least 1", i,
                             (long long)s->block[i]);
        if (__builtin_mul_overflow(s->prod, s->block[i], &s->prod))
            return seer_errf(err, SEER_ELIMIT, "block_shape product overflows");
        for (int j = 0; j < 2; j++) {
            s->pad[i][j] = seer_tensor_get_int(p, 2 * i + j);
            if (s->pad[i][j] < 0)
                return seer_errf(err, SEER_EFORMAT, "%s[%d][%d] is negative (%lld)", pads_name, i,
                                 j, (long long)s->pad[i][j]);
        }
    }
    return SEER_OK;
}

int seer_shape_space_to_batch_nd(struct seer_node *nd, struct seer_err *err)
{
    struct s2b s;
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (rc)
        return rc;
    rc = read_args(nd, "paddings", &s, err);
    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    struct seer_tensor *y = nd->out[0];
    int64_t dims[SEER_MAX_DIMS];
    memcpy(dims, x->dims, sizeof(dims[0]) * (size_t)x->ndim);
    if (__builtin_mul_overflow(x->dims[0], s.prod, &dims[0]))
        return seer_errf(err, SEER_ELIMIT, "output batch overflows");
    for (int i = 0; i < s.m; i++) {
        int64_t padded;
        if (__builtin_add_overflow(x->dims[1 + i], s.pad[i][0], &padded) ||
            __builtin_add_overflow(padded, s.pad[i][1], &padded))
            return seer_errf(err, SEER_ELIMIT, "padded dim %d overflows", 1 + i);
        if (padded % s.block[i])
            return seer_errf(err, SEER_EFORMAT,
                             "padded dim %d (%lld) is not divisible by block_shape[%d] = %lld",
                             1 + i, (long long)padded, i, (long long)s.block[i]);
        dims[1 + i] = padded / s.block[i];
    }
    seer_tensor_set_shape(y, x->dtype, x->ndim, dims);
    return SEER_OK;
}

int seer_shape_batch_to_space_nd(struct seer_node *nd, struct seer_err *err)
{
    struct s2b s;
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (rc)
        return rc;
    rc = read_args(nd, "crops", &s, err);
    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    struct seer_tensor *y = nd->out[0];
    int64_t dims[SEER_MAX_DIMS];
    memcpy(dims, x->dims, sizeof(dims[0]) * (size_t)x->ndim);
    if (x->dims[0] % s.prod)
        return seer_errf(err, SEER_EFORMAT,
                         "input batch %lld is not divisible by the block_shape product %lld",
                         (long long)x->dims[0], (long long)s.prod);
    dims[0] = x->dims[0] / s.prod;
    for (int i = 0; i < s.m; i++) {
        int64_t full;
        if (__builtin_mul_overflow(x->dims[1 + i], s.block[i], &full))
            return seer_errf(err, SEER_ELIMIT, "dim %d overflows", 1 + i);
        if (s.pad[i][0] > full || s.pad[i][1] > full - s.pad[i][0])
            return seer_errf(err, SEER_EFORMAT,
                             "crops[%d] = [%lld,%lld] are larger than dim %d (%lld after the "
                             "block)",
                             i, (long long)s.pad[i][0], (long long)s.pad[i][1], 1 + i,
                             (long long)full);
        dims[1 + i] = full - s.pad[i][0] - s.pad[i][1];
    }
    seer_tensor_set_shape(y, x->dtype, x->ndim, dims);
    return SEER_OK;
}

/*
 * Both kernels walk the output in "rows" of the remaining dims (inner elements, copied
 * as one block of bytes) and map each row to its source row, or to zeros for padding.
 * to_batch selects the direction: the space (unbatched) tensor is x for SpaceToBatchND
 * and y for BatchToSpaceND, with the pads subtracted (paddings) or added (crops).
 */
static void kref_s2b(const struct seer_kctx *k, const struct seer_node *nd, bool to_batch)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    struct s2b s;
    size_t es = seer_dtype_size(x->dtype);
    int64_t lo, hi, inner = 1;

    if (read_args(nd, to_batch ? "paddings" : "crops", &s, NULL))
        return;
    for (int i = 1 + s.m; i < x->ndim; i++)
        inner *= x->dims[i];
    const struct seer_tensor *space = to_batch ? x : y;
    int64_t nb = space->dims[0];
    size_t row = (size_t)inner * es;
    int64_t rows = inner ? seer_tensor_numel(y) / inner : 0;

    seer_split_range(rows, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        /* Unravel r over y's outer dims (batch and spatial). */
        int64_t idx[SEER_MAX_DIMS] = {0}, rem = r;
        for (int i = s.m; i >= 0; i--) {
            idx[i] = rem % y->dims[i];
            rem /= y->dims[i];
        }
        /* Batched coordinates: entry b, block position bidx[i]; space coordinates. */
        int64_t b, sp[SEER_MAX_DIMS], boff[SEER_MAX_DIMS];
        bool inside = true;
        if (to_batch) {
            b = idx[0];
            int64_t q = b / nb;
            for (int i = s.m - 1; i >= 0; i--) {
                boff[i] = q % s.block[i];
                q /= s.block[i];
            }
            for (int i = 0; i < s.m; i++) {
                sp[i] = idx[1 + i] * s.block[i] + boff[i] - s.pad[i][0];
                if (sp[i] < 0 || sp[i] >= space->dims[1 + i])
                    inside = false;
            }
        } else {
            int64_t q = 0;
            for (int i = 0; i < s.m; i++) {
                int64_t full = idx[1 + i] + s.pad[i][0];
                boff[i] = full % s.block[i];
                sp[i] = full / s.block[i];
                q = q * s.block[i] + boff[i];
            }
            b = q * nb + idx[0];
        }
        char *dst = (char *)y->data + (size_t)r * row;
        if (!inside) {
            memset(dst, 0, row);
            continue;
        }
        /* Source row: in the space tensor for SpaceToBatchND, the batched one otherwise. */
        int64_t src = to_batch ? idx[0] % nb : b;
        for (int i = 0; i < s.m; i++)
            src = src * x->dims[1 + i] + sp[i];
        memcpy(dst, (const char *)x->data + (size_t)src * row, row);
    }
}

void seer_kref_space_to_batch_nd(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_s2b(k, nd, true);
}

void seer_kref_batch_to_space_nd(const struct seer_kctx *k, const struct seer_node *nd)
{
    kref_s2b(k, nd, false);
}
