/*
 * Reference elementwise unary float ops: Relu, Relu6, LeakyRelu, Sigmoid, Tanh, Exp,
 * HardSwish, and Identity (any dtype, a copy). Worker ith of nth handles one contiguous
 * slice of the elements.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static int shape_unary_f32(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported (float32 only)",
                         seer_dtype_name(x->dtype));
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, x->dims);
    return SEER_OK;
}

static inline float relu6(float x)
{
    return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
}

/* HardSwish: x * relu6(x + 3) / 6. */
static inline float hswish(float x)
{
    return x * relu6(x + 3.0f) / 6.0f;
}

/* Defines the shape function and kernel of a float op computing EXPR from x (and the
 * node's attrs a, for LeakyRelu's slope). */
#define UNARY_OP(f, EXPR)                                                                          \
    int seer_shape_##f(struct seer_node *nd, struct seer_err *err)                                 \
    {                                                                                              \
        return shape_unary_f32(nd, err);                                                           \
    }                                                                                              \
    void seer_kref_##f(const struct seer_kctx *k, const struct seer_node *nd)                      \
    {                                                                                              \
        const float *in = nd->in[0]->data;                                                         \
        float *out = nd->out[0]->data;                                                             \
        const struct seer_attrs *a = &nd->a;                                                       \
        int64_t lo, hi;                                                                            \
        (void)a;                                                                                   \
        seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);                 \
        for (int64_t i = lo; i < hi; i++) {                                                        \
            float x = in[i];                                                                       \
            out[i] = (EXPR);                                                                       \
        }                                                                                          \
    }

UNARY_OP(relu, x > 0.0f ? x : 0.0f)
UNARY_OP(relu6, relu6(x))
UNARY_OP(leaky_relu, x < 0.0f ? a->alpha * x : x)
/* TensorFlow's CPU kernel uses a numerically careful form of the logistic; the plain one
 * agrees with it to float rounding, except below about -88 where expf(-x) overflows and
 * we return 0 instead of a denormal (an absolute difference under 1e-38). */
UNARY_OP(sigmoid, 1.0f / (1.0f + expf(-x)))
UNARY_OP(tanh, tanhf(x))
UNARY_OP(exp, expf(x))
UNARY_OP(hard_swish, hswish(x))

int seer_shape_identity(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, x->dims);
    return SEER_OK;
}

void seer_kref_identity(const struct seer_kctx *k, const struct seer_node *nd)
{
    size_t n = (size_t)seer_tensor_numel(nd->out[0]) * seer_dtype_size(nd->out[0]->dtype);

    seer__copy_share(nd->out[0]->data, nd->in[0]->data, n, k->ith, k->nth);
}
