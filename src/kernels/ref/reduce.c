/*
 * Reference Mean over constant axes (in[1]: int32/int64 scalar or vector, negative axes
 * allowed, duplicates rejected as TensorFlow does), attrs.keep_dims.
 *
 * Each output element sums its inputs in index order in a double accumulator and divides
 * by the count. TensorFlow sums in float (in Eigen's vectorised order) and then divides;
 * the double sum is closer to the exact mean than either float order, so the two agree
 * to float rounding (well within 1e-5 relative) rather than bit for bit. An empty
 * reduction gives NaN (0/0), as in TensorFlow.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_mean(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 2, 2, 1, err);
    unsigned mask;

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported (float32 only)",
                         seer_dtype_name(x->dtype));
    rc = seer__reduce_mask(nd, &mask, err);
    if (rc)
        return rc;
    struct seer_tensor *y = nd->out[0];
    int r = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (!(mask & (1u << i)))
            y->dims[r++] = x->dims[i];
        else if (nd->a.keep_dims)
            y->dims[r++] = 1;
    }
    y->ndim = r;
    y->dtype = SEER_DTYPE_F32;
    return SEER_OK;
}

/* Dims of one kind (kept or reduced) with their input strides, adjacent dims merged. */
struct group {
    int n;
    int64_t dims[SEER_MAX_DIMS], strides[SEER_MAX_DIMS];
};

static void group_add(struct group *g, int64_t dim, int64_t stride, bool adjacent)
{
    if (adjacent && g->n > 0) {
        /* The previous dim of this group is the input's next-outer dim: merge them. */
        g->dims[g->n - 1] *= dim;
        g->strides[g->n - 1] = stride;
        return;
    }
    g->dims[g->n] = dim;
    g->strides[g->n] = stride;
    g->n++;
}

void seer_kref_mean(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    const float *in = x->data;
    float *out = nd->out[0]->data;
    int64_t strides[SEER_MAX_DIMS], lo, hi, count = 1;
    struct group kept = {0}, red = {0};
    unsigned mask = 0;

    if (seer__reduce_mask(nd, &mask, NULL))
        return;
    seer__strides(x, strides);
    for (int i = 0; i < x->ndim; i++) {
        bool r = mask & (1u << i);
        bool adjacent = i > 0 && (bool)(mask & (1u << (i - 1))) == r;
        group_add(r ? &red : &kept, x->dims[i], strides[i], adjacent);
        if (r)
            count *= x->dims[i];
    }
    if (red.n == 0)
        group_add(&red, 1, 0, false);

    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    int last = red.n - 1;
    for (int64_t o = lo; o < hi; o++) {
        int64_t base = 0, rem = o, idx[SEER_MAX_DIMS] = {0};
        for (int i = kept.n - 1; i >= 0; i--) {
            base += (rem % kept.dims[i]) * kept.strides[i];
            rem /= kept.dims[i];
        }
        double sum = 0.0;
        int64_t off = base;
        if (count == 0) {
            out[o] = NAN;
            continue;
        }
        /* Odometer over the reduced dims, innermost as a plain loop. */
        for (;;) {
            if (red.dims[last] > 0) {
                const float *p = in + off;
                for (int64_t j = 0; j < red.dims[last]; j++)
                    sum += p[j * red.strides[last]];
            }
            int i = last - 1;
            while (i >= 0 && ++idx[i] == red.dims[i]) {
                off -= (red.dims[i] - 1) * red.strides[i];
                idx[i] = 0;
                i--;
            }
            if (i < 0)
                break;
            off += red.strides[i];
        }
        out[o] = (float)(sum / (double)count);
    }
}
