/*
 * Helpers shared by the convolution-family reference kernels (conv.c, depthwise.c,
 * pool.c): input checks that name the offending input, window geometry with
 * TensorFlow's padding rules, valid-tap ranges, and the fused epilogue
 * (bias, residual, activation) of Conv2D and DepthwiseConv2D.
 *
 * Nothing here allocates; every pointer argument is borrowed for the call.
 */
#ifndef SEER_KERNELS_CONV_UTIL_H
#define SEER_KERNELS_CONV_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/status.h>

/* Geometry of a 2-D window (conv filter or pool) sliding over an NHWC input. */
struct seer__win {
    int64_t n, h, w, c;     /* input dims */
    int64_t kh, kw;         /* window size */
    int32_t sh, sw, dh, dw; /* strides and dilations, all >= 1 */
    int64_t oh, ow;         /* output size, >= 1 */
    int64_t pt, pl;         /* leading (top, left) pads */
};

/* Checks the node's input count: inputs [0, n_req) must be present and any input past
 * them must be absent (NULL), and it must have exactly one output. */
int seer__conv_check_inputs(const struct seer_node *nd, int n_req, struct seer_err *err);

/* Checks that input i (called name in messages) is a float32 rank-4 tensor with
 * positive dims. */
int seer__check_f32_rank4(const struct seer_node *nd, int i, const char *name,
                          struct seer_err *err);

/* The input checks Conv2D and DepthwiseConv2D share: x and filter (inputs 0 and 1), then
 * bias and residual as the node's attrs say, and nothing more; x and filter float32
 * rank 4. */
int seer__conv_check_x_filter(const struct seer_node *nd, struct seer_err *err);

/* Fills *g for a kh x kw window over nd->in[0] (already checked NHWC) with the node's
 * stride, padding and, when use_dilation, dilation attrs. EFORMAT with a message for
 * bad attrs or an empty output. err may be NULL (kernels recomputing a checked node). */
int seer__win_init(const struct seer_node *nd, int64_t kh, int64_t kw, bool use_dilation,
                   struct seer__win *g, struct seer_err *err);

/* Taps [*lo, *hi) of a k-tap window with dilation d whose first tap is at input
 * coordinate i0 that land inside [0, in). Empty ranges come back as lo == hi. */
void seer__win_taps(int64_t i0, int64_t k, int32_t d, int64_t in, int64_t *lo, int64_t *hi);

/* Output columns [*a, *b) whose whole window lies inside the input along W. */
void seer__win_interior_w(const struct seer__win *g, int64_t *a, int64_t *b);

/* Index of the residual input of a fused conv, or -1 when it has none. */
int seer__residual_index(const struct seer_node *nd);

/* Validates the fused inputs of a conv with co output channels and output shape
 * out_dims: bias [co] float32 when has_bias, residual of the output's shape when
 * has_residual, and a known activation. */
int seer__check_fused(const struct seer_node *nd, int64_t co, const int64_t out_dims[4],
                      struct seer_err *err);

/* y[j] = act(acc[j] + bias[j] + res[j]) for j < n, in that order of operations
 * (TensorFlow's BiasAdd, then Add, then the activation). bias and res may be NULL. */
void seer__fused_store(float *y, const float *acc, int64_t n, const float *bias, const float *res,
                       enum seer_act act, float alpha);

/*
 * The conv kernels accumulate with fmaf(): it is exactly rounded on every CPU, so results
 * do not depend on the machine, and it is how TensorFlow's CPU kernels (oneDNN, Eigen)
 * accumulate on x86-64; with separate multiply and add, whole models drift past the
 * 1e-4 goldens. Where the compiler can, the hot loops also get a clone built for CPUs
 * with FMA, picked at load time (an ifunc, i.e. __builtin_cpu_supports); without it
 * fmaf() is a libm call: slower, same bits. ThreadSanitizer builds go without the clones:
 * its runtime is not ready when the loader resolves an ifunc, and the process dies
 * before main.
 */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute) &&                  \
    !defined(__SANITIZE_THREAD__)
#if __has_attribute(target_clones)
#define SEER__FMA_CLONES __attribute__((target_clones("fma", "default")))
#endif
#endif
#ifndef SEER__FMA_CLONES
#define SEER__FMA_CLONES
#endif

/* Width of the fixed-size channel blocks the conv kernels accumulate and store. */
#define SEER__CB 8

/* seer__fused_store for exactly SEER__CB channels. The fixed width and the local copy
 * (which aliases nothing) let compilers vectorise it at -O2; it computes the same values
 * as seer__fused_store, operation for operation. */
static inline void seer__fused_store_cb(float *y, const float *acc, const float *bias,
                                        const float *res, enum seer_act act, float alpha)
{
    float v[SEER__CB];

    for (int j = 0; j < SEER__CB; j++)
        v[j] = acc[j];
    if (bias)
        for (int j = 0; j < SEER__CB; j++)
            v[j] += bias[j];
    if (res)
        for (int j = 0; j < SEER__CB; j++)
            v[j] += res[j];
    switch (act) {
    case SEER_ACT_NONE: break;
    case SEER_ACT_RELU:
        for (int j = 0; j < SEER__CB; j++)
            v[j] = v[j] > 0.0f ? v[j] : 0.0f;
        break;
    case SEER_ACT_RELU6:
        for (int j = 0; j < SEER__CB; j++) {
            float t = v[j] > 0.0f ? v[j] : 0.0f;
            v[j] = t < 6.0f ? t : 6.0f;
        }
        break;
    case SEER_ACT_LEAKY_RELU:
        for (int j = 0; j < SEER__CB; j++)
            v[j] = v[j] > 0.0f ? v[j] : v[j] * alpha;
        break;
    case SEER_ACT_HARD_SWISH:
        for (int j = 0; j < SEER__CB; j++) {
            float t = v[j] + 3.0f;
            t = t > 0.0f ? t : 0.0f;
            t = t < 6.0f ? t : 6.0f;
            v[j] = v[j] * t / 6.0f;
        }
        break;
    default: seer__fused_store(v, v, SEER__CB, NULL, NULL, act, alpha); break;
    }
    for (int j = 0; j < SEER__CB; j++)
        y[j] = v[j];
}

/* Sets *out to the product of dims, false when it overflows int64 or a dim is negative. */
bool seer__dims_numel(int ndim, const int64_t *dims, int64_t *out);

#endif /* SEER_KERNELS_CONV_UTIL_H */
