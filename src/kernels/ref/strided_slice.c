/*
 * Reference StridedSlice with TensorFlow's full semantics: in[1..3] are constant begin,
 * end and strides (int32 or int64 vectors of one length, the "sparse spec"), and attrs
 * carry begin_mask, end_mask, ellipsis_mask, new_axis_mask and shrink_axis_mask.
 *
 * As in TensorFlow, the sparse spec is first expanded into a dense one with an entry per
 * input dim: the ellipsis (explicit, or implied at the end) stands for as many full-range
 * dims as the other entries leave over; new-axis entries consume no input dim and add a
 * 1 to the output shape; shrink entries take one element and drop the dim. Then each
 * dense dim's begin and end are made canonical: negative indices count from the end,
 * masked ends take the full range in the stride's direction, and the rest is clamped to
 * [0, dim] (or [-1, dim-1] for a negative stride). A bit that is both new-axis and shrink
 * is a new axis (TensorFlow checks new-axis first); an ellipsis bit wins over both.
 *
 * Shape function and kernel both derive the same plan from the constant inputs, so the
 * kernel needs no state made at prepare time.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

#define SPEC_MAX 32 /* entries in begin/end/strides: one per mask bit */

enum { G_NEW = -1, G_SHRINK = -2 }; /* final-shape entries that are not dense dims */

struct plan {
    int rank;                     /* dense dims = input rank */
    int64_t begin[SEER_MAX_DIMS]; /* canonical first index per dense dim */
    int64_t stride[SEER_MAX_DIMS];
    int64_t size[SEER_MAX_DIMS]; /* elements taken per dense dim */
    int out_ndim;
    int64_t out_dims[SEER_MAX_DIMS];
};

/* Reads one of begin/end/strides (in[i]); all three must be vectors of n values. */
static int read_spec(const struct seer_node *nd, int i, const char *what, int64_t *v, int *n,
                     struct seer_err *err)
{
    if (nd->in[i]->ndim != 1)
        return seer_errf(err, SEER_EFORMAT, "%s must be a vector, got rank %d", what,
                         nd->in[i]->ndim);
    return seer__const_ints(nd, i, what, v, SPEC_MAX, n, err);
}

static int make_plan(const struct seer_node *nd, struct plan *p, struct seer_err *err)
{
    const struct seer_tensor *x = nd->in[0];
    const struct seer_attrs *a = &nd->a;
    int64_t sb[SPEC_MAX], se[SPEC_MAX], ss[SPEC_MAX];
    int nb = 0, ne = 0, ns = 0, rc;

    if ((rc = read_spec(nd, 1, "begin", sb, &nb, err)) ||
        (rc = read_spec(nd, 2, "end", se, &ne, err)) ||
        (rc = read_spec(nd, 3, "strides", ss, &ns, err)))
        return rc;
    if (nb != ne || nb != ns)
        return seer_errf(err, SEER_EFORMAT, "begin, end and strides have lengths %d, %d, %d", nb,
                         ne, ns);
    int n = nb;
    /* Mask bits past the spec's length mean nothing; dropping them keeps the implied
     * ellipsis below from colliding with a stray bit. */
    uint64_t keep = (n == 64) ? ~0ull : (1ull << n) - 1;
    uint64_t ell = (uint64_t)(uint32_t)a->ellipsis_mask & keep;
    uint64_t newax = (uint64_t)(uint32_t)a->new_axis_mask & keep;
    uint64_t shrink = (uint64_t)(uint32_t)a->shrink_axis_mask & keep;
    uint64_t bmask = (uint64_t)(uint32_t)a->begin_mask & keep;
    uint64_t emask = (uint64_t)(uint32_t)a->end_mask & keep;
    if (ell & (ell - 1))
        return seer_errf(err, SEER_EFORMAT, "ellipsis_mask has more than one bit set");

    int add_after = 0;
    bool seen = false;
    for (int i = 0; i < n; i++) {
        if (seen && (newax & (1ull << i)))
            add_after++;
        if (ell & (1ull << i))
            seen = true;
    }
    int n_sparse = n;
    if (!seen) {
        ell |= 1ull << n;
        n_sparse = n + 1;
    }

    int rank = x->ndim, full = 0, n_gather = 0;
    int gather[SPEC_MAX + SEER_MAX_DIMS + 1];
    int64_t db[SEER_MAX_DIMS], de[SEER_MAX_DIMS], ds[SEER_MAX_DIMS];
    unsigned dbm = 0, dem = 0, dsm = 0;
    for (int i = 0; i < n_sparse; i++) {
        if (ell & (1ull << i)) {
            int next = rank - (n_sparse - i) + 1 + add_after;
            if (next > rank)
                next = rank;
            for (; full < next; full++) {
                db[full] = de[full] = 0;
                ds[full] = 1;
                dbm |= 1u << full;
                dem |= 1u << full;
                gather[n_gather++] = full;
            }
        } else if (newax & (1ull << i)) {
            gather[n_gather++] = G_NEW;
        } else {
            if (full == rank)
                return seer_errf(err, SEER_EFORMAT,
                                 "slice spec entry %d indexes past the input's %d dims", i, rank);
            db[full] = sb[i];
            de[full] = se[i];
            ds[full] = ss[i];
            if (bmask & (1ull << i))
                dbm |= 1u << full;
            if (emask & (1ull << i))
                dem |= 1u << full;
            if (shrink & (1ull << i)) {
                dsm |= 1u << full;
                gather[n_gather++] = G_SHRINK;
            } else {
                gather[n_gather++] = full;
            }
            full++;
        }
    }
    if (full != rank)
        return seer_errf(err, SEER_EFORMAT, "slice spec covers %d of the input's %d dims", full,
                         rank);

    p->rank = rank;
    for (int i = 0; i < rank; i++) {
        int64_t dim = x->dims[i], st = ds[i], b = db[i], e = de[i];
        bool shr = dsm & (1u << i);
        if (st == 0)
            return seer_errf(err, SEER_EFORMAT, "strides[%d] must be non-zero", i);
        if (shr && st < 0)
            return seer_errf(err, SEER_EFORMAT,
                             "dim %d: only stride 1 allowed on non-range indexing", i);
        if (shr) {
            int64_t fwd = b < 0 ? dim + b : b;
            if (fwd < 0 || fwd >= dim)
                return seer_errf(err, SEER_EFORMAT,
                                 "slice index %lld of dimension %d out of bounds (size %lld)",
                                 (long long)b, i, (long long)dim);
            p->begin[i] = fwd;
            p->stride[i] = st;
            p->size[i] = 1;
            continue;
        }
        /* The valid range is [0, dim] going forward, [-1, dim-1] going backward; -1 is
         * a sentinel "one before the start", not a negative index. */
        int64_t lo = st > 0 ? 0 : -1, hi = st > 0 ? dim : dim - 1;
        if (dbm & (1u << i)) {
            b = st > 0 ? lo : hi;
        } else {
            b = b < 0 ? dim + b : b;
            b = b < lo ? lo : b > hi ? hi : b;
        }
        if (dem & (1u << i)) {
            e = st > 0 ? hi : lo;
        } else {
            e = e < 0 ? dim + e : e;
            e = e < lo ? lo : e > hi ? hi : e;
        }
        int64_t len = e - b, size;
        if (len == 0 || ((len < 0) != (st < 0)))
            size = 0;
        else
            size = len / st + (len % st != 0);
        p->begin[i] = b;
        p->stride[i] = st;
        p->size[i] = size;
    }

    p->out_ndim = 0;
    for (int g = 0; g < n_gather; g++) {
        if (gather[g] == G_SHRINK)
            continue;
        if (p->out_ndim == SEER_MAX_DIMS)
            return seer_errf(err, SEER_EUNSUPPORTED, "result would have more than %d dims",
                             SEER_MAX_DIMS);
        p->out_dims[p->out_ndim++] = gather[g] == G_NEW ? 1 : p->size[gather[g]];
    }
    return SEER_OK;
}

int seer_shape_strided_slice(struct seer_node *nd, struct seer_err *err)
{
    struct plan p;
    int rc = seer__check_arity(nd, 4, 4, 1, err);

    if (rc)
        return rc;
    rc = make_plan(nd, &p, err);
    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, p.out_ndim, p.out_dims);
    return SEER_OK;
}

/* Copies n elements of type T from src (step st elements) to dst. */
#define GATHER_RUN(T)                                                                              \
    do {                                                                                           \
        const T *s_ = (const T *)src;                                                              \
        T *d_ = (T *)dst;                                                                          \
        for (int64_t j = 0; j < n; j++)                                                            \
            d_[j] = s_[j * st];                                                                    \
    } while (0)

static void copy_run(char *dst, const char *src, int64_t st, int64_t n, size_t esize)
{
    switch (esize) {
    case 1: GATHER_RUN(uint8_t); break;
    case 2: GATHER_RUN(uint16_t); break;
    case 4: GATHER_RUN(uint32_t); break;
    case 8: GATHER_RUN(uint64_t); break;
    default:
        for (int64_t j = 0; j < n; j++)
            memcpy(dst + (size_t)j * esize, src + (size_t)(j * st) * esize, esize);
    }
}

void seer_kref_strided_slice(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    size_t es = seer_dtype_size(x->dtype);
    int64_t in_st[SEER_MAX_DIMS], idx[SEER_MAX_DIMS], lo, hi;
    struct plan p;

    if (make_plan(nd, &p, NULL))
        return;
    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    if (hi <= lo)
        return;
    seer__strides(x, in_st);
    if (p.rank == 0) {
        memcpy(nd->out[0]->data, x->data, es);
        return;
    }
    /* Unravel lo over the dense dims; off is the input element it reads. */
    int64_t rem = lo, off = 0;
    for (int i = p.rank - 1; i >= 0; i--) {
        idx[i] = rem % p.size[i];
        rem /= p.size[i];
        off += (p.begin[i] + idx[i] * p.stride[i]) * in_st[i];
    }
    int last = p.rank - 1;
    int64_t step = p.stride[last] * in_st[last];
    char *dst = nd->out[0]->data;
    const char *src = x->data;
    for (int64_t pos = lo; pos < hi;) {
        int64_t n = p.size[last] - idx[last];
        if (n > hi - pos)
            n = hi - pos;
        copy_run(dst + (size_t)pos * es, src + off * (int64_t)es, step, n, es);
        pos += n;
        idx[last] += n;
        off += n * step;
        for (int i = last; i > 0 && idx[i] == p.size[i]; i--) {
            off -= p.size[i] * p.stride[i] * in_st[i];
            idx[i] = 0;
            idx[i - 1]++;
            off += p.stride[i - 1] * in_st[i - 1];
        }
    }
}
