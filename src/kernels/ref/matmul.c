/*
 * Reference MatMul / BatchMatMul / BatchMatMulV2 (float32): a [..., M, K] times
 * b [..., K, N], with attrs.adj_x / adj_y transposing the last two dims of a / b first
 * (MatMul's transpose_a / transpose_b; for real numbers the adjoint is the transpose).
 * The batch dims broadcast against each other with NumPy rules, as BatchMatMulV2's do;
 * a rank-2 operand is one matrix shared by every batch entry.
 *
 * Each output element is a dot product accumulated in double and rounded once, so the
 * result does not depend on how the work is split across workers (TensorFlow's blocked
 * GEMM sums in another order; the two agree to float rounding).
 */
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_matmul(struct seer_node *nd, struct seer_err *err)
{
    struct seer_tensor ba = {0}, bb = {0}, bo = {0};
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1];
    if (a->dtype != SEER_DTYPE_F32 || b->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "operands are %s and %s (float32 only)",
                         seer_dtype_name(a->dtype), seer_dtype_name(b->dtype));
    if (a->ndim < 2 || b->ndim < 2)
        return seer_errf(err, SEER_EFORMAT, "operands must have rank 2 or more, got %d and %d",
                         a->ndim, b->ndim);
    int64_t m = a->dims[a->ndim - (nd->a.adj_x ? 1 : 2)];
    int64_t ka = a->dims[a->ndim - (nd->a.adj_x ? 2 : 1)];
    int64_t kb = b->dims[b->ndim - (nd->a.adj_y ? 1 : 2)];
    int64_t n = b->dims[b->ndim - (nd->a.adj_y ? 2 : 1)];
    if (ka != kb)
        return seer_errf(err, SEER_EFORMAT,
                         "inner dims differ: a gives K = %lld, b gives K = %lld (adj_x %d, "
                         "adj_y %d)",
                         (long long)ka, (long long)kb, nd->a.adj_x, nd->a.adj_y);
    /* Broadcast the batch dims only. */
    seer_tensor_set_shape(&ba, a->dtype, a->ndim - 2, a->dims);
    seer_tensor_set_shape(&bb, b->dtype, b->ndim - 2, b->dims);
    rc = seer_broadcast_shape(&ba, &bb, &bo, err);
    if (rc)
        return rc;
    struct seer_tensor *y = nd->out[0];
    int r = bo.ndim;
    for (int i = 0; i < r; i++)
        y->dims[i] = bo.dims[i];
    y->dims[r] = m;
    y->dims[r + 1] = n;
    y->ndim = r + 2;
    y->dtype = SEER_DTYPE_F32;
    return SEER_OK;
}

/* Element offset of batch entry bi (an index into the output's batch dims) in operand t,
 * whose batch dims are right-aligned with the output's and broadcast where they are 1. */
static int64_t batch_offset(const struct seer_tensor *t, const struct seer_tensor *y, int64_t bi)
{
    int ry = y->ndim - 2, rt = t->ndim - 2;
    int64_t off = 0, stride = t->dims[t->ndim - 1] * t->dims[t->ndim - 2];

    for (int i = ry - 1; i >= 0; i--) {
        int64_t idx = bi % y->dims[i];
        bi /= y->dims[i];
        int it = i - (ry - rt);
        if (it < 0)
            break;
        if (t->dims[it] != 1)
            off += idx * stride;
        stride *= t->dims[it];
    }
    return off;
}

void seer_kref_matmul(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1], *y = nd->out[0];
    const float *av = a->data, *bv = b->data;
    float *yv = y->data;
    int64_t m = y->dims[y->ndim - 2], n = y->dims[y->ndim - 1];
    int64_t kk = a->dims[a->ndim - (nd->a.adj_x ? 2 : 1)];
    int64_t acols = a->dims[a->ndim - 1], bcols = b->dims[b->ndim - 1];
    /* Steps through a row of op(a) and a column of op(b). */
    int64_t sa_i = nd->a.adj_x ? 1 : acols, sa_k = nd->a.adj_x ? acols : 1;
    int64_t sb_k = nd->a.adj_y ? 1 : bcols, sb_j = nd->a.adj_y ? bcols : 1;
    int64_t lo, hi, cur_batch = -1, oa = 0, ob = 0;

    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    for (int64_t e = lo; e < hi; e++) {
        int64_t bi = m * n != 0 ? e / (m * n) : 0, rem = e - bi * m * n;
        int64_t i = rem / n, j = rem % n;
        if (bi != cur_batch) {
            cur_batch = bi;
            oa = batch_offset(a, y, bi);
            ob = batch_offset(b, y, bi);
        }
        const float *pa = av + oa + i * sa_i;
        const float *pb = bv + ob + j * sb_j;
        double acc = 0.0;
        for (int64_t p = 0; p < kk; p++)
            acc += (double)pa[p * sa_k] * (double)pb[p * sb_k];
        yv[e] = (float)acc;
    }
}
