/*
 * Reference Pad / PadV2 (TensorFlow semantics) for any dtype and rank 0..8:
 * in[0] x, in[1] paddings int32/int64 [rank, 2] (constant: it decides the output
 * shape), optional in[2] scalar fill value of x's dtype (PadV2). Without a fill value
 * the pads are zero; for a quantised uint8/int8 tensor that is the zero point, which
 * stands for 0.0 as TFLite pads.
 *
 * Elements are copied as bytes of the dtype's size, so one kernel serves every dtype.
 */
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/conv_util.h"

int seer_shape_pad(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x, *p, *v;
    int64_t out[SEER_MAX_DIMS], numel;
    char s[96];
    int rc;

    rc = seer__conv_check_inputs(nd, nd->n_in >= 3 && nd->in[2] ? 3 : 2, err);
    if (rc)
        return rc;
    x = nd->in[0];
    p = nd->in[1];
    if ((unsigned)x->dtype >= SEER_DTYPE_COUNT)
        return seer_errf(err, SEER_EFORMAT, "input 0 (x) has an invalid dtype %d", (int)x->dtype);
    for (int d = 0; d < x->ndim; d++)
        if (x->dims[d] < 0)
            return seer_errf(err, SEER_EFORMAT, "input 0 (x) shape %s has a negative dimension",
                             seer_tensor_shape_str(x, s, sizeof(s)));
    if (p->dtype != SEER_DTYPE_I32 && p->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT,
                         "input 1 (paddings) has dtype %s, expected int32 or int64",
                         seer_dtype_name(p->dtype));
    if (p->ndim != 2 || p->dims[0] != x->ndim || p->dims[1] != 2)
        return seer_errf(err, SEER_EFORMAT, "input 1 (paddings) shape %s does not match rank %d",
                         seer_tensor_shape_str(p, s, sizeof(s)), x->ndim);
    if (!p->data)
        return seer_errf(err, SEER_EUNSUPPORTED, "input 1 (paddings) must be constant");
    for (int d = 0; d < x->ndim; d++) {
        int64_t lo = seer_tensor_get_int(p, 2 * d), hi = seer_tensor_get_int(p, 2 * d + 1);
        if (lo < 0 || hi < 0)
            return seer_errf(err, SEER_EFORMAT,
                             "input 1 (paddings) for dim %d are [%lld,%lld]: paddings must be "
                             "non-negative",
                             d, (long long)lo, (long long)hi);
        if (__builtin_add_overflow(x->dims[d], lo, &out[d]) ||
            __builtin_add_overflow(out[d], hi, &out[d]))
            return seer_errf(err, SEER_ELIMIT, "padded dim %d is too large", d);
    }
    if (!seer__dims_numel(x->ndim, out, &numel))
        return seer_errf(err, SEER_ELIMIT, "padded output is too large");
    if (nd->n_in >= 3 && nd->in[2]) {
        v = nd->in[2];
        if (v->dtype != x->dtype || seer_tensor_numel(v) != 1)
            return seer_errf(err, SEER_EFORMAT,
                             "input 2 (constant) must be one %s, got %s shape %s",
                             seer_dtype_name(x->dtype), seer_dtype_name(v->dtype),
                             seer_tensor_shape_str(v, s, sizeof(s)));
    }
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, out);
    return SEER_OK;
}

/* Writes n copies of the esz-byte value val at dst. memcpy with a constant size is a
 * plain store once compiled, and it keeps one code path for every dtype. */
static void fill(unsigned char *dst, int64_t n, const unsigned char *val, size_t esz, bool zero)
{
    if (n <= 0)
        return;
    if (zero || esz == 1) {
        memset(dst, zero ? 0 : val[0], (size_t)n * esz);
        return;
    }
    switch (esz) {
    case 2:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + 2 * i, val, 2);
        break;
    case 4:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + 4 * i, val, 4);
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + (size_t)i * esz, val, esz);
        break;
    }
}

/* Worker ith of nth writes a contiguous slice of the output's rows (all dims but the
 * last); each row is pad, copied input row, pad, or pad only. */
void seer_kref_pad(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0], *p = nd->in[1], *y = nd->out[0];
    const unsigned char *xb = x->data;
    unsigned char *yb = y->data, val[8] = {0};
    size_t esz = seer_dtype_size(x->dtype);
    int r = x->ndim;
    int64_t lo, hi, before[SEER_MAX_DIMS], rows, olast, ilast, blast;
    bool zero = true;

    if (nd->n_in >= 3 && nd->in[2]) {
        memcpy(val, nd->in[2]->data, esz);
        zero = false;
    } else if (x->q.scale != 0.0f && x->dtype == SEER_DTYPE_U8) {
        val[0] = (unsigned char)x->q.zero_point;
        zero = false;
    } else if (x->q.scale != 0.0f && x->dtype == SEER_DTYPE_I8) {
        val[0] = (unsigned char)(signed char)x->q.zero_point;
        zero = false;
    }
    if (!zero) {
        /* A value whose bytes are all zero is still a memset. */
        zero = true;
        for (size_t i = 0; i < esz; i++)
            zero = zero && val[i] == 0;
    }
    if (r == 0) {
        if (k->ith == 0)
            memcpy(yb, xb, esz);
        return;
    }
    for (int d = 0; d < r; d++)
        before[d] = seer_tensor_get_int(p, 2 * d);
    olast = y->dims[r - 1];
    ilast = x->dims[r - 1];
    blast = before[r - 1];
    if (olast == 0)
        return;
    rows = seer_tensor_numel(y) / olast;
    seer_split_range(rows, k->ith, k->nth, &lo, &hi);
    for (int64_t row = lo; row < hi; row++) {
        unsigned char *yr = yb + (size_t)(row * olast) * esz;
        int64_t rem = row, src = 0, stride = 1;
        bool inside = true;
        /* Walk the outer coordinates from the innermost out, building the source row. */
        for (int d = r - 2; d >= 0; d--) {
            int64_t oc = rem % y->dims[d], ic = oc - before[d];
            rem /= y->dims[d];
            if (ic < 0 || ic >= x->dims[d])
                inside = false;
            src += ic * stride;
            stride *= x->dims[d];
        }
        if (!inside || ilast == 0) {
            fill(yr, olast, val, esz, zero);
            continue;
        }
        fill(yr, blast, val, esz, zero);
        memcpy(yr + (size_t)blast * esz, xb + (size_t)(src * ilast) * esz, (size_t)ilast * esz);
        fill(yr + (size_t)(blast + ilast) * esz, olast - blast - ilast, val, esz, zero);
    }
}
