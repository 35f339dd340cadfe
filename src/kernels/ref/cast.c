/*
 * Reference Cast between float32, int32, int64, uint8 and bool (attrs.dtype is the
 * target), with TensorFlow's semantics:
 *   - float to integer truncates toward zero;
 *   - integer to a narrower integer wraps around (two's complement), as C++'s
 *     static_cast does in TensorFlow;
 *   - anything to bool is x != 0 (so NaN is true); bool to anything is 0 or 1.
 * Where C++ (and so TensorFlow) leaves float-to-integer undefined, we define it: NaN
 * becomes 0 and values beyond the target's range saturate to its limits; to uint8 the
 * float first truncates (saturating) to int64 and then wraps, like an integer would.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static bool castable(enum seer_dtype dt)
{
    return dt == SEER_DTYPE_F32 || dt == SEER_DTYPE_I32 || dt == SEER_DTYPE_I64 ||
           dt == SEER_DTYPE_U8 || dt == SEER_DTYPE_BOOL;
}

int seer_shape_cast(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (!castable(x->dtype) || !castable(nd->a.dtype))
        return seer_errf(err, SEER_EUNSUPPORTED, "cast from %s to %s is not supported",
                         seer_dtype_name(x->dtype), seer_dtype_name(nd->a.dtype));
    seer_tensor_set_shape(nd->out[0], nd->a.dtype, x->ndim, x->dims);
    return SEER_OK;
}

/* Float to int64, truncating toward zero; NaN is 0 and out-of-range values saturate.
 * 9223372036854775808.0f is 2^63, exactly representable, the first value past the top. */
static inline int64_t f2i64(float x)
{
    if (isnan(x))
        return 0;
    if (x >= 9223372036854775808.0f)
        return INT64_MAX;
    if (x < -9223372036854775808.0f)
        return INT64_MIN;
    return (int64_t)x;
}

static inline int32_t f2i32(float x)
{
    if (isnan(x))
        return 0;
    if (x >= 2147483648.0f)
        return INT32_MAX;
    if (x < -2147483648.0f)
        return INT32_MIN;
    return (int32_t)x;
}

/* Converts elements [lo, hi) of x, whose element type is ST, into y of dtype `to`.
 * FROM_FLOAT selects the float rules for integer targets. */
#define CAST_FROM(ST, FROM_FLOAT)                                                                  \
    do {                                                                                           \
        const ST *src = x;                                                                         \
        switch (to) {                                                                              \
        case SEER_DTYPE_F32:                                                                       \
            for (int64_t i = lo; i < hi; i++)                                                      \
                ((float *)y)[i] = (float)src[i];                                                   \
            break;                                                                                 \
        case SEER_DTYPE_I32:                                                                       \
            for (int64_t i = lo; i < hi; i++)                                                      \
                ((int32_t *)y)[i] =                                                                \
                    FROM_FLOAT ? f2i32((float)src[i]) : (int32_t)(uint32_t)(int64_t)src[i];        \
            break;                                                                                 \
        case SEER_DTYPE_I64:                                                                       \
            for (int64_t i = lo; i < hi; i++)                                                      \
                ((int64_t *)y)[i] = FROM_FLOAT ? f2i64((float)src[i]) : (int64_t)src[i];           \
            break;                                                                                 \
        case SEER_DTYPE_U8:                                                                        \
            for (int64_t i = lo; i < hi; i++)                                                      \
                ((uint8_t *)y)[i] = FROM_FLOAT ? (uint8_t)(uint64_t)f2i64((float)src[i])           \
                                               : (uint8_t)(uint64_t)(int64_t)src[i];               \
            break;                                                                                 \
        case SEER_DTYPE_BOOL:                                                                      \
            for (int64_t i = lo; i < hi; i++)                                                      \
                ((uint8_t *)y)[i] = src[i] != 0;                                                   \
            break;                                                                                 \
        default: break;                                                                            \
        }                                                                                          \
    } while (0)

void seer_kref_cast(const struct seer_kctx *k, const struct seer_node *nd)
{
    const void *x = nd->in[0]->data;
    void *y = nd->out[0]->data;
    enum seer_dtype to = nd->out[0]->dtype;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    switch (nd->in[0]->dtype) {
    case SEER_DTYPE_F32: CAST_FROM(float, 1); break;
    case SEER_DTYPE_I32: CAST_FROM(int32_t, 0); break;
    case SEER_DTYPE_I64: CAST_FROM(int64_t, 0); break;
    case SEER_DTYPE_U8: CAST_FROM(uint8_t, 0); break;
    case SEER_DTYPE_BOOL: CAST_FROM(uint8_t, 0); break;
    default: break;
    }
}
