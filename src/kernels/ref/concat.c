/*
 * Reference ConcatV2: inputs 0..n-1 joined along attrs.axis (negative counts from the
 * end). Any dtype: the kernel copies bytes. The output is a sequence of rows (one per
 * index of the dims before the axis), each row the inputs' slabs side by side; worker ith
 * of nth copies an equal share of the output's bytes, so even an axis-0 concat of two
 * inputs spreads over every worker.
 */
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_concat(struct seer_node *nd, struct seer_err *err)
{
    int rc, axis;

    if (nd->n_in < 1)
        return seer_errf(err, SEER_EFORMAT, "expects at least one input");
    rc = seer__check_arity(nd, nd->n_in, nd->n_in, 1, err);
    if (rc)
        return rc;
    const struct seer_tensor *x0 = nd->in[0];
    if (x0->ndim == 0)
        return seer_errf(err, SEER_EFORMAT, "cannot concatenate scalars");
    rc = seer__axis(nd->a.axis, x0->ndim, "axis", &axis, err);
    if (rc)
        return rc;
    int64_t total = 0;
    for (int i = 0; i < nd->n_in; i++) {
        const struct seer_tensor *x = nd->in[i];
        char s0[96], si[96];
        if (x->dtype != x0->dtype)
            return seer_errf(err, SEER_EFORMAT, "input %d is %s but input 0 is %s", i,
                             seer_dtype_name(x->dtype), seer_dtype_name(x0->dtype));
        bool ok = x->ndim == x0->ndim;
        for (int d = 0; ok && d < x->ndim; d++)
            ok = d == axis || x->dims[d] == x0->dims[d];
        if (!ok)
            return seer_errf(err, SEER_EFORMAT,
                             "input %d has shape %s but input 0 has %s; all dims but axis %d "
                             "must match",
                             i, seer_tensor_shape_str(x, si, sizeof(si)),
                             seer_tensor_shape_str(x0, s0, sizeof(s0)), axis);
        if (__builtin_add_overflow(total, x->dims[axis], &total))
            return seer_errf(err, SEER_EFORMAT, "concatenated dim %d overflows", axis);
    }
    struct seer_tensor *y = nd->out[0];
    seer_tensor_set_shape(y, x0->dtype, x0->ndim, x0->dims);
    y->dims[axis] = total;
    return SEER_OK;
}

/* Bytes of one row of t: the product of its dims from axis on, times the element size. */
static size_t row_bytes(const struct seer_tensor *t, int axis)
{
    size_t n = seer_dtype_size(t->dtype);

    for (int d = axis; d < t->ndim; d++)
        n *= (size_t)t->dims[d];
    return n;
}

void seer_kref_concat(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *y = nd->out[0];
    int axis = nd->a.axis < 0 ? nd->a.axis + y->ndim : nd->a.axis;
    size_t out_row = row_bytes(y, axis);
    size_t total = (size_t)seer_tensor_numel(y) * seer_dtype_size(y->dtype);
    int64_t lo, hi;

    seer_split_range((int64_t)total, k->ith, k->nth, &lo, &hi);
    if (hi <= lo || out_row == 0)
        return;
    size_t pos = (size_t)lo, end = (size_t)hi;
    size_t row = pos / out_row, off = pos % out_row;
    char *dst = y->data;
    /* Find the input whose slab holds byte off of the row, then copy slab pieces until
     * the share ends, wrapping to the next row after the last input. */
    int i = 0;
    size_t start = 0;
    while (start + row_bytes(nd->in[i], axis) <= off) {
        start += row_bytes(nd->in[i], axis);
        i++;
    }
    while (pos < end) {
        size_t slab = row_bytes(nd->in[i], axis);
        size_t in_off = off - start, n = slab - in_off;
        if (n > end - pos)
            n = end - pos;
        if (n > 0)
            memcpy(dst + pos, (const char *)nd->in[i]->data + row * slab + in_off, n);
        pos += n;
        off += n;
        if (off - start == slab) {
            start += slab;
            i++;
            if (i == nd->n_in) {
                i = 0;
                start = 0;
                off = 0;
                row++;
            }
        }
    }
}
