/*
 * Reference elementwise math ops of TensorFlow beyond the activations in unary.c:
 * Neg, Abs, Square and Round on float32, int32 and int64; Log, Rsqrt, Ceil and Floor on
 * float32; and ClipByValue. Worker ith of nth handles one contiguous slice.
 *
 * Semantics follow TensorFlow's CPU functors: integer Neg, Abs and Square wrap around
 * (computed in unsigned arithmetic, so INT_MIN stays INT_MIN without C's signed-overflow
 * UB); Round rounds half to even (nearbyintf in the default rounding mode) and is the
 * identity on integers; Log and Rsqrt give -inf / NaN / inf as the C library does for 0
 * and negatives. ClipByValue is max(min(t, hi), lo) with std::min / std::max's
 * comparisons, so lo wins when lo > hi and a NaN in t stays NaN.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static int shape_math(struct seer_node *nd, bool ints, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    bool ok = x->dtype == SEER_DTYPE_F32 ||
              (ints && (x->dtype == SEER_DTYPE_I32 || x->dtype == SEER_DTYPE_I64));
    if (!ok)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported (%s)",
                         seer_dtype_name(x->dtype),
                         ints ? "float32, int32 or int64" : "float32 only");
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, x->dims);
    return SEER_OK;
}

/* Defines op f on float32 as FEXPR of x and, when INTS, on int32/int64 as IEXPR of x
 * with UT the unsigned twin of the integer type. */
#define MATH_OP(f, INTS, FEXPR, IEXPR)                                                             \
    int seer_shape_##f(struct seer_node *nd, struct seer_err *err)                                 \
    {                                                                                              \
        return shape_math(nd, INTS, err);                                                          \
    }                                                                                              \
    void seer_kref_##f(const struct seer_kctx *k, const struct seer_node *nd)                      \
    {                                                                                              \
        const struct seer_tensor *t = nd->in[0];                                                   \
        int64_t lo, hi;                                                                            \
        seer_split_range(seer_tensor_numel(t), k->ith, k->nth, &lo, &hi);                          \
        if (t->dtype == SEER_DTYPE_F32) {                                                          \
            const float *in = t->data;                                                             \
            float *out = nd->out[0]->data;                                                         \
            for (int64_t i = lo; i < hi; i++) {                                                    \
                float x = in[i];                                                                   \
                out[i] = (FEXPR);                                                                  \
            }                                                                                      \
        } else if (t->dtype == SEER_DTYPE_I32) {                                                   \
            MATH_INT(int32_t, uint32_t, IEXPR)                                                     \
        } else {                                                                                   \
            MATH_INT(int64_t, uint64_t, IEXPR)                                                     \
        }                                                                                          \
    }

#define MATH_INT(T, U, IEXPR)                                                                      \
    typedef U UT;                                                                                  \
    const T *in = nd->in[0]->data;                                                                 \
    T *out = nd->out[0]->data;                                                                     \
    for (int64_t i = lo; i < hi; i++) {                                                            \
        T x = in[i];                                                                               \
        out[i] = (T)(IEXPR);                                                                       \
    }

MATH_OP(neg, true, -x, (UT)0 - (UT)x)
MATH_OP(abs, true, fabsf(x), x < 0 ? (UT)0 - (UT)x : (UT)x)
MATH_OP(square, true, x *x, (UT)x *(UT)x)
MATH_OP(round, true, nearbyintf(x), (UT)x)
MATH_OP(log, false, logf(x), (UT)x)
MATH_OP(rsqrt, false, 1.0f / sqrtf(x), (UT)x)
MATH_OP(ceil, false, ceilf(x), (UT)x)
MATH_OP(floor, false, floorf(x), (UT)x)

int seer_shape_clip_by_value(struct seer_node *nd, struct seer_err *err)
{
    static const char *const names[] = {"t", "clip_value_min", "clip_value_max"};
    int rc = seer__check_arity(nd, 3, 3, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *t = nd->in[0];
    if (t->dtype != SEER_DTYPE_F32 && t->dtype != SEER_DTYPE_I32 && t->dtype != SEER_DTYPE_I64)
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "dtype %s is not supported (float32, int32 or int64)",
                         seer_dtype_name(t->dtype));
    for (int i = 1; i < 3; i++) {
        const struct seer_tensor *c = nd->in[i];
        if (c->dtype != t->dtype)
            return seer_errf(err, SEER_EFORMAT, "%s is %s, t is %s", names[i],
                             seer_dtype_name(c->dtype), seer_dtype_name(t->dtype));
        bool same = c->ndim == t->ndim;
        for (int d = 0; same && d < t->ndim; d++)
            same = c->dims[d] == t->dims[d];
        if (c->ndim != 0 && !same) {
            char sc[96], st[96];
            return seer_errf(err, SEER_EFORMAT, "%s must be a scalar or have t's shape %s, got %s",
                             names[i], seer_tensor_shape_str(t, st, sizeof(st)),
                             seer_tensor_shape_str(c, sc, sizeof(sc)));
        }
    }
    seer_tensor_set_shape(nd->out[0], t->dtype, t->ndim, t->dims);
    return SEER_OK;
}

/* std::min(v, hi) then std::max(that, lo): (b < a) ? b : a and (a < b) ? b : a. */
#define CLIP_LOOP(T)                                                                               \
    do {                                                                                           \
        const T *tv = t->data, *lv = nd->in[1]->data, *hv = nd->in[2]->data;                       \
        T *out = nd->out[0]->data;                                                                 \
        for (int64_t i = lo; i < hi; i++) {                                                        \
            T v = tv[i], l = lv[sl ? i : 0], h = hv[sh ? i : 0];                                   \
            T m = h < v ? h : v;                                                                   \
            out[i] = m < l ? l : m;                                                                \
        }                                                                                          \
    } while (0)

void seer_kref_clip_by_value(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *t = nd->in[0];
    bool sl = nd->in[1]->ndim != 0, sh = nd->in[2]->ndim != 0;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(t), k->ith, k->nth, &lo, &hi);
    if (t->dtype == SEER_DTYPE_F32)
        CLIP_LOOP(float);
    else if (t->dtype == SEER_DTYPE_I32)
        CLIP_LOOP(int32_t);
    else
        CLIP_LOOP(int64_t);
}
