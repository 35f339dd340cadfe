/*
 * Reference TopKV2 over the last dim: in[0] x (float32 or int32), in[1] a constant scalar
 * k; out[0] the k largest values of each row, out[1] their int32 indices. Results are
 * always sorted by value, descending, with equal values in index order (lower index first),
 * which is TensorFlow's order; attrs.sorted = false allows any order, so sorting anyway is
 * still correct. NaN inputs are not ordered (as in TensorFlow): the result is then some
 * valid selection, never an out-of-bounds access.
 *
 * CenterNet asks for k = 100 of 1.3M scores, so each row is a single pass with a min-heap
 * of the best k kept in the output row itself (no scratch): most elements cost one compare
 * with the heap's root. The heap is then sorted in place. Work is split by rows.
 */
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_topk(struct seer_node *nd, struct seer_err *err)
{
    int64_t k;
    int rc = seer__check_arity(nd, 2, 2, 2, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->dtype != SEER_DTYPE_F32 && x->dtype != SEER_DTYPE_I32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported",
                         seer_dtype_name(x->dtype));
    if (x->ndim < 1)
        return seer_errf(err, SEER_EFORMAT, "input must have at least one dim");
    rc = seer__const_scalar(nd, 1, "k", &k, err);
    if (rc)
        return rc;
    int64_t n = x->dims[x->ndim - 1];
    if (k < 0 || k > n)
        return seer_errf(err, SEER_EFORMAT, "k = %lld out of range: the last dim has %lld",
                         (long long)k, (long long)n);
    if (n > INT32_MAX)
        return seer_errf(err, SEER_EUNSUPPORTED, "last dim %lld too large for int32 indices",
                         (long long)n);
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, x->dims);
    nd->out[0]->dims[x->ndim - 1] = k;
    seer_tensor_set_shape(nd->out[1], SEER_DTYPE_I32, x->ndim, x->dims);
    nd->out[1]->dims[x->ndim - 1] = k;
    return SEER_OK;
}

/* For value type T: WORSE(i, j) is true when heap entry i ranks below entry j (smaller
 * value, or the same value at a higher index). The heap's root is the worst kept entry. */
#define TOPK_T(S, T)                                                                               \
    static inline bool worse_##S(const T *v, const int32_t *ix, int64_t i, int64_t j)              \
    {                                                                                              \
        return v[i] < v[j] || (v[i] == v[j] && ix[i] > ix[j]);                                     \
    }                                                                                              \
    static void sift_down_##S(T *v, int32_t *ix, int64_t i, int64_t m)                             \
    {                                                                                              \
        for (;;) {                                                                                 \
            int64_t c = 2 * i + 1, w = i;                                                          \
            if (c < m && worse_##S(v, ix, c, w))                                                   \
                w = c;                                                                             \
            if (c + 1 < m && worse_##S(v, ix, c + 1, w))                                           \
                w = c + 1;                                                                         \
            if (w == i)                                                                            \
                return;                                                                            \
            T tv = v[i];                                                                           \
            int32_t ti = ix[i];                                                                    \
            v[i] = v[w];                                                                           \
            ix[i] = ix[w];                                                                         \
            v[w] = tv;                                                                             \
            ix[w] = ti;                                                                            \
            i = w;                                                                                 \
        }                                                                                          \
    }                                                                                              \
    static void row_##S(const T *x, int64_t n, T *v, int32_t *ix, int64_t k)                       \
    {                                                                                              \
        int64_t m = 0;                                                                             \
        for (int64_t j = 0; j < n; j++) {                                                          \
            if (m < k) {                                                                           \
                /* Sift up the new entry. */                                                       \
                int64_t i = m++;                                                                   \
                v[i] = x[j];                                                                       \
                ix[i] = (int32_t)j;                                                                \
                while (i > 0 && worse_##S(v, ix, i, (i - 1) / 2)) {                                \
                    int64_t p = (i - 1) / 2;                                                       \
                    T tv = v[i];                                                                   \
                    int32_t ti = ix[i];                                                            \
                    v[i] = v[p];                                                                   \
                    ix[i] = ix[p];                                                                 \
                    v[p] = tv;                                                                     \
                    ix[p] = ti;                                                                    \
                    i = p;                                                                         \
                }                                                                                  \
            } else if (k > 0 && x[j] > v[0]) {                                                     \
                /* Later indices lose ties, so only a strictly larger value enters. */             \
                v[0] = x[j];                                                                       \
                ix[0] = (int32_t)j;                                                                \
                sift_down_##S(v, ix, 0, m);                                                        \
            }                                                                                      \
        }                                                                                          \
        /* Heap sort: moving the worst to the end each time leaves the best first. */              \
        for (int64_t end = m - 1; end > 0; end--) {                                                \
            T tv = v[0];                                                                           \
            int32_t ti = ix[0];                                                                    \
            v[0] = v[end];                                                                         \
            ix[0] = ix[end];                                                                       \
            v[end] = tv;                                                                           \
            ix[end] = ti;                                                                          \
            sift_down_##S(v, ix, 0, end);                                                          \
        }                                                                                          \
    }

TOPK_T(f32, float)
TOPK_T(i32, int32_t)

void seer_kref_topk(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    int64_t n = x->dims[x->ndim - 1];
    int64_t kk = nd->out[0]->dims[x->ndim - 1];
    int64_t rows = n ? seer_tensor_numel(x) / n : 0, lo, hi;
    int32_t *ix = nd->out[1]->data;

    seer_split_range(rows, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        if (x->dtype == SEER_DTYPE_F32)
            row_f32((const float *)x->data + r * n, n, (float *)nd->out[0]->data + r * kk,
                    ix + r * kk, kk);
        else
            row_i32((const int32_t *)x->data + r * n, n, (int32_t *)nd->out[0]->data + r * kk,
                    ix + r * kk, kk);
    }
}
