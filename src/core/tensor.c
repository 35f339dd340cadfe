/* Tensor helpers: sizes, names, shapes and element access. */
#include <seer/tensor.h>

#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "core/fp16.h"

size_t seer_dtype_size(enum seer_dtype dt)
{
    switch (dt) {
    case SEER_DTYPE_F32: return 4;
    case SEER_DTYPE_F16: return 2;
    case SEER_DTYPE_I32: return 4;
    case SEER_DTYPE_I64: return 8;
    case SEER_DTYPE_U8: return 1;
    case SEER_DTYPE_I8: return 1;
    case SEER_DTYPE_BOOL: return 1;
    case SEER_DTYPE_I16: return 2;
    case SEER_DTYPE_COUNT: break;
    }
    return 0;
}

const char *seer_dtype_name(enum seer_dtype dt)
{
    static const char *names[] = {"float32", "float16", "int32", "int64",
                                  "uint8",   "int8",    "bool",  "int16"};
    return (unsigned)dt < SEER_ARRAY_LEN(names) ? names[dt] : "invalid";
}

int64_t seer_tensor_numel(const struct seer_tensor *t)
{
    int64_t n = 1;

    for (int i = 0; i < t->ndim; i++)
        n *= t->dims[i];
    return n;
}

bool seer_tensor_nbytes(const struct seer_tensor *t, size_t *n)
{
    size_t acc = seer_dtype_size(t->dtype);

    for (int i = 0; i < t->ndim; i++) {
        if (t->dims[i] < 0 || __builtin_mul_overflow(acc, (size_t)t->dims[i], &acc))
            return false;
    }
    *n = acc;
    return true;
}

void seer_tensor_set_shape(struct seer_tensor *t, enum seer_dtype dt, int ndim,
                           const int64_t *dims)
{
    SEER_ASSERT(ndim >= 0 && ndim <= SEER_MAX_DIMS);
    t->dtype = dt;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->dims[i] = dims[i];
}

bool seer_tensor_same_shape(const struct seer_tensor *a, const struct seer_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

char *seer_tensor_shape_str(const struct seer_tensor *t, char *buf, size_t n)
{
    size_t used = 0;

    if (n == 0)
        return buf;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, n - used, "[");
    for (int i = 0; i < t->ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? ",%lld" : "%lld",
                                 (long long)t->dims[i]);
    if (used < n)
        snprintf(buf + used, n - used, "]");
    return buf;
}

int64_t seer_tensor_get_int(const struct seer_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case SEER_DTYPE_I32: return ((const int32_t *)t->data)[i];
    case SEER_DTYPE_I64: return ((const int64_t *)t->data)[i];
    case SEER_DTYPE_U8: return ((const uint8_t *)t->data)[i];
    case SEER_DTYPE_BOOL: return ((const uint8_t *)t->data)[i];
    case SEER_DTYPE_I8: return ((const int8_t *)t->data)[i];
    case SEER_DTYPE_I16: return ((const int16_t *)t->data)[i];
    case SEER_DTYPE_F32: return (int64_t)((const float *)t->data)[i];
    case SEER_DTYPE_F16: return (int64_t)seer_f16_to_f32(((const uint16_t *)t->data)[i]);
    case SEER_DTYPE_COUNT: break;
    }
    return 0;
}

double seer_tensor_get_f64(const struct seer_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case SEER_DTYPE_F32: return ((const float *)t->data)[i];
    case SEER_DTYPE_F16: return seer_f16_to_f32(((const uint16_t *)t->data)[i]);
    default: return (double)seer_tensor_get_int(t, i);
    }
}
