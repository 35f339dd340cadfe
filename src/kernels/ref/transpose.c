/*
 * Reference Transpose: in[1] is a constant permutation (int32/int64), out dim j is input
 * dim perm[j]. Any dtype (elements are moved by size).
 *
 * The kernel first simplifies the permutation: size-1 dims are dropped and input dims
 * that stay neighbours in the output are merged. NHWC<->NCHW on a 4-D tensor (perm
 * [0,3,1,2] or [0,2,3,1]) then becomes a batch of 2-D transposes, which run in cache
 * tiles; anything else walks the output in rows with a strided read.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

#define TILE 32

static int read_perm(const struct seer_node *nd, int *perm, struct seer_err *err)
{
    int64_t v[SEER_MAX_DIMS];
    int n = 0, rank = nd->in[0]->ndim;
    unsigned seen = 0;
    char buf[96];

    if (nd->in[1]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "perm must be a vector, got rank %d", nd->in[1]->ndim);
    int rc = seer__const_ints(nd, 1, "perm", v, SEER_MAX_DIMS, &n, err);
    if (rc)
        return rc;
    if (n != rank)
        return seer_errf(err, SEER_EFORMAT, "perm %s has %d entries for an input of rank %d",
                         seer__ints_str(v, n, buf, sizeof(buf)), n, rank);
    for (int i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] >= rank || (seen & (1u << v[i])))
            return seer_errf(err, SEER_EFORMAT, "perm %s is not a permutation of 0..%d",
                             seer__ints_str(v, n, buf, sizeof(buf)), rank - 1);
        seen |= 1u << v[i];
        perm[i] = (int)v[i];
    }
    return SEER_OK;
}

int seer_shape_transpose(struct seer_node *nd, struct seer_err *err)
{
    int perm[SEER_MAX_DIMS];
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    rc = read_perm(nd, perm, err);
    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    struct seer_tensor *y = nd->out[0];
    for (int j = 0; j < x->ndim; j++)
        y->dims[j] = x->dims[perm[j]];
    y->ndim = x->ndim;
    y->dtype = x->dtype;
    return SEER_OK;
}

/* The simplified problem: input dims d[0..n) (row-major) and out dim j = d[perm[j]]. */
struct simple {
    int n;
    int64_t d[SEER_MAX_DIMS];
    int perm[SEER_MAX_DIMS];
};

static void simplify(const struct seer_tensor *x, const int *perm, struct simple *s)
{
    int map[SEER_MAX_DIMS], p[SEER_MAX_DIMS] = {0}, n = 0, r = x->ndim;
    int64_t d[SEER_MAX_DIMS] = {0};

    /* Drop size-1 dims and renumber the rest. */
    for (int i = 0, m = 0; i < r; i++)
        map[i] = x->dims[i] == 1 ? -1 : m++;
    for (int j = 0; j < r; j++)
        if (map[perm[j]] >= 0)
            p[n++] = map[perm[j]];
    for (int i = 0, m = 0; i < r; i++)
        if (map[i] >= 0)
            d[m++] = x->dims[i];

    /* Merge runs where consecutive output dims are consecutive input dims. A group is
     * named by its first input dim; head[i] is true for input dims that start a group. */
    bool head[SEER_MAX_DIMS];
    for (int i = 0; i < n; i++)
        head[i] = true;
    for (int j = 1; j < n; j++)
        if (p[j] == p[j - 1] + 1)
            head[p[j]] = false;
    int group_of[SEER_MAX_DIMS], g = 0;
    s->n = 0;
    for (int i = 0; i < n; i++) {
        if (head[i]) {
            s->d[g] = 1;
            g++;
        }
        group_of[i] = g - 1;
        s->d[g - 1] *= d[i];
    }
    s->n = g;
    int k = 0;
    for (int j = 0; j < n; j++)
        if (head[p[j]])
            s->perm[k++] = group_of[p[j]];
}

/* For element type T: a batch of 2-D transposes in [B,R,C] -> out [B,C,R], split into
 * (batch, tile of C) units, and the general strided walk over output elements. */
#define TRANSPOSE_T(S, T)                                                                          \
    static void tr2d_##S(const T *in, T *out, int64_t B, int64_t R, int64_t C, int ith, int nth)   \
    {                                                                                              \
        int64_t tiles = (C + TILE - 1) / TILE, lo, hi;                                             \
        seer_split_range(B *tiles, ith, nth, &lo, &hi);                                            \
        for (int64_t u = lo; u < hi; u++) {                                                        \
            int64_t b = u / tiles, c0 = (u % tiles) * TILE;                                        \
            int64_t c1 = c0 + TILE < C ? c0 + TILE : C;                                            \
            const T *ib = in + b * R * C;                                                          \
            T *ob = out + b * R * C;                                                               \
            for (int64_t r0 = 0; r0 < R; r0 += TILE) {                                             \
                int64_t r1 = r0 + TILE < R ? r0 + TILE : R;                                        \
                for (int64_t c = c0; c < c1; c++)                                                  \
                    for (int64_t r = r0; r < r1; r++)                                              \
                        ob[c * R + r] = ib[r * C + c];                                             \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void walk_##S(const T *in, T *out, const struct simple *s, int ith, int nth)            \
    {                                                                                              \
        int64_t od[SEER_MAX_DIMS] = {0}, st[SEER_MAX_DIMS] = {0}, ist[SEER_MAX_DIMS] = {0};        \
        int64_t idx[SEER_MAX_DIMS], total = 1, acc = 1, lo, hi;                                    \
        int n = s->n, last = s->n - 1;                                                             \
        for (int i = n - 1; i >= 0; i--) {                                                         \
            ist[i] = acc;                                                                          \
            acc *= s->d[i];                                                                        \
        }                                                                                          \
        for (int j = 0; j < n; j++) {                                                              \
            od[j] = s->d[s->perm[j]];                                                              \
            st[j] = ist[s->perm[j]];                                                               \
            total *= od[j];                                                                        \
        }                                                                                          \
        seer_split_range(total, ith, nth, &lo, &hi);                                               \
        int64_t rem = lo, off = 0;                                                                 \
        for (int j = last; j >= 0; j--) {                                                          \
            idx[j] = rem % od[j];                                                                  \
            rem /= od[j];                                                                          \
            off += idx[j] * st[j];                                                                 \
        }                                                                                          \
        for (int64_t pos = lo; pos < hi;) {                                                        \
            int64_t m = od[last] - idx[last];                                                      \
            if (m > hi - pos)                                                                      \
                m = hi - pos;                                                                      \
            for (int64_t t = 0; t < m; t++)                                                        \
                out[pos + t] = in[off + t * st[last]];                                             \
            pos += m;                                                                              \
            idx[last] += m;                                                                        \
            off += m * st[last];                                                                   \
            for (int j = last; j > 0 && idx[j] == od[j]; j--) {                                    \
                off -= od[j] * st[j];                                                              \
                idx[j] = 0;                                                                        \
                idx[j - 1]++;                                                                      \
                off += st[j - 1];                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void run_##S(const void *in, void *out, const struct simple *s, int ith, int nth)       \
    {                                                                                              \
        if (s->n == 2 && s->perm[0] == 1)                                                          \
            tr2d_##S(in, out, 1, s->d[0], s->d[1], ith, nth);                                      \
        else if (s->n == 3 && s->perm[0] == 0 && s->perm[1] == 2 && s->perm[2] == 1)               \
            tr2d_##S(in, out, s->d[0], s->d[1], s->d[2], ith, nth);                                \
        else                                                                                       \
            walk_##S(in, out, s, ith, nth);                                                        \
    }

TRANSPOSE_T(u8, uint8_t)
TRANSPOSE_T(u16, uint16_t)
TRANSPOSE_T(u32, uint32_t)
TRANSPOSE_T(u64, uint64_t)

void seer_kref_transpose(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    const struct seer_tensor *y = nd->out[0];
    size_t es = seer_dtype_size(x->dtype);
    int perm[SEER_MAX_DIMS];
    struct simple s;

    if (seer_tensor_numel(y) == 0 || read_perm(nd, perm, NULL))
        return;
    simplify(x, perm, &s);
    if (s.n <= 1) {
        /* The permutation only moves size-1 dims: the bytes do not change. */
        seer__copy_share(y->data, x->data, (size_t)seer_tensor_numel(y) * es, k->ith, k->nth);
        return;
    }
    switch (es) {
    case 1: run_u8(x->data, y->data, &s, k->ith, k->nth); break;
    case 2: run_u16(x->data, y->data, &s, k->ith, k->nth); break;
    case 4: run_u32(x->data, y->data, &s, k->ith, k->nth); break;
    case 8: run_u64(x->data, y->data, &s, k->ith, k->nth); break;
    default: break;
    }
}
