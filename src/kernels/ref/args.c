/* Argument checks shared by the shape functions (see args.h). */
#include "kernels/ref/args.h"

#include <stdio.h>
#include <string.h>

#include "core/threadpool.h"

int seer__check_arity(const struct seer_node *nd, int min_in, int max_in, int n_out,
                      struct seer_err *err)
{
    if (nd->n_in < min_in || nd->n_in > max_in) {
        if (min_in == max_in)
            return seer_errf(err, SEER_EFORMAT, "expects %d inputs, got %d", min_in, nd->n_in);
        return seer_errf(err, SEER_EFORMAT, "expects %d to %d inputs, got %d", min_in, max_in,
                         nd->n_in);
    }
    for (int i = 0; i < min_in; i++)
        if (!nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "input %d is missing", i);
    if (n_out >= 0 && nd->n_out != n_out)
        return seer_errf(err, SEER_EFORMAT, "expects %d outputs, got %d", n_out, nd->n_out);
    if (n_out < 0 && nd->n_out < 1)
        return seer_errf(err, SEER_EFORMAT, "expects at least one output");
    return SEER_OK;
}

int seer__const_ints(const struct seer_node *nd, int i, const char *what, int64_t *v, int max,
                     int *n, struct seer_err *err)
{
    const struct seer_tensor *t = i < nd->n_in ? nd->in[i] : NULL;

    if (!t)
        return seer_errf(err, SEER_EFORMAT, "%s (input %d) is missing", what, i);
    if (t->dtype != SEER_DTYPE_I32 && t->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EFORMAT, "%s must be int32 or int64, got %s", what,
                         seer_dtype_name(t->dtype));
    if (t->ndim > 1)
        return seer_errf(err, SEER_EFORMAT, "%s must be a scalar or a vector, got rank %d", what,
                         t->ndim);
    if (!t->data)
        return seer_errf(err, SEER_EUNSUPPORTED, "%s must be constant", what);
    int64_t cnt = seer_tensor_numel(t);
    if (cnt > max)
        return seer_errf(err, SEER_EFORMAT, "%s has %lld values, at most %d allowed", what,
                         (long long)cnt, max);
    for (int64_t j = 0; j < cnt; j++)
        v[j] = seer_tensor_get_int(t, j);
    *n = (int)cnt;
    return SEER_OK;
}

int seer__const_scalar(const struct seer_node *nd, int i, const char *what, int64_t *v,
                       struct seer_err *err)
{
    const struct seer_tensor *t = i < nd->n_in ? nd->in[i] : NULL;
    int64_t tmp[1];
    int n = 0;

    if (t && seer_tensor_numel(t) != 1 && t->ndim <= 1)
        return seer_errf(err, SEER_EFORMAT, "%s must hold one value, got %lld", what,
                         (long long)seer_tensor_numel(t));
    int rc = seer__const_ints(nd, i, what, tmp, 1, &n, err);
    if (rc)
        return rc;
    *v = tmp[0];
    return SEER_OK;
}

int seer__axis(int64_t axis, int rank, const char *what, int *out, struct seer_err *err)
{
    if (axis < -rank || axis >= rank)
        return seer_errf(err, SEER_EFORMAT, "%s %lld out of range for rank %d (allowed [%d, %d))",
                         what, (long long)axis, rank, -rank, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return SEER_OK;
}

char *seer__ints_str(const int64_t *v, int n, char *buf, size_t len)
{
    size_t used = 0;

    if (len < 8) {
        if (len)
            buf[0] = '\0';
        return buf;
    }
    buf[used++] = '[';
    for (int i = 0; i < n; i++) {
        char tmp[24];
        int w = snprintf(tmp, sizeof(tmp), i ? ",%lld" : "%lld", (long long)v[i]);
        /* Keep room for "...]" and the NUL so a long list still ends readably. */
        if (used + (size_t)w + 5 > len) {
            memcpy(buf + used, "...", 3);
            used += 3;
            break;
        }
        memcpy(buf + used, tmp, (size_t)w);
        used += (size_t)w;
    }
    buf[used++] = ']';
    buf[used] = '\0';
    return buf;
}

void seer__strides(const struct seer_tensor *t, int64_t *s)
{
    int64_t acc = 1;

    for (int i = t->ndim - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= t->dims[i];
    }
}

void seer__copy_share(void *dst, const void *src, size_t n, int ith, int nth)
{
    int64_t lo, hi;

    if (dst == src)
        return;
    seer_split_range((int64_t)n, ith, nth, &lo, &hi);
    if (hi > lo)
        memcpy((char *)dst + lo, (const char *)src + lo, (size_t)(hi - lo));
}

int seer__reduce_mask(const struct seer_node *nd, unsigned *mask, struct seer_err *err)
{
    int64_t axes[SEER_MAX_DIMS];
    int n = 0, rank = nd->in[0]->ndim;
    int rc = seer__const_ints(nd, 1, "axes", axes, SEER_MAX_DIMS, &n, err);

    if (rc)
        return rc;
    *mask = 0;
    for (int i = 0; i < n; i++) {
        int ax = 0;
        rc = seer__axis(axes[i], rank, "axis", &ax, err);
        if (rc)
            return rc;
        if (*mask & (1u << ax))
            return seer_errf(err, SEER_EFORMAT, "axes contain dimension %d twice", ax);
        *mask |= 1u << ax;
    }
    return SEER_OK;
}
