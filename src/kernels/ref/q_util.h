/*
 * TFLite's fixed-point arithmetic for asymmetric uint8 kernels, shared by the reference
 * kernels (q_*.c), their fast twins (which must stay byte-exact with them) and tests.
 *
 * A real multiplier M (e.g. input_scale * filter_scale / output_scale) is represented as
 * a Q0.31 int32 m in [2^30, 2^31) and a power-of-two exponent, M ~ m * 2^(shift - 31);
 * applying it to an int32 accumulator rounds twice, as TFLite's reference kernels do
 * (gemmlowp's SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT). Nothing
 * here allocates or fails.
 */
#ifndef SEER_KERNELS_Q_UTIL_H
#define SEER_KERNELS_Q_UTIL_H

#include <stdint.h>

#include <seer/graph.h>
#include <seer/tensor.h>

/* TFLite's QuantizeMultiplier: m and shift for real multiplier x >= 0 (frexp, the
 * mantissa rounded half away from zero to 31 bits, renormalised when it rounds up to
 * 2^31; multipliers below 2^-31 flush to m = 0, shift = 0). */
void seer__q_quantize_multiplier(double x, int32_t *m, int *shift);

/* (a * b * 2) >> 32 rounded to nearest, ties away from zero, saturating the one
 * overflowing case a == b == INT32_MIN. */
static inline int32_t seer__q_srdhm(int32_t a, int32_t b)
{
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));

    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    /* C division truncates toward zero, as TFLite's does. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^e (0 <= e <= 31) rounded to nearest, ties away from zero. */
static inline int32_t seer__q_rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t rem = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0);

    return (x >> e) + (rem > threshold);
}

/* TFLite's MultiplyByQuantizedMultiplier: x * m * 2^(shift - 31) with the rounding above.
 * A positive shift is applied to x first; its overflow wraps as TFLite's does in
 * practice (the shape functions refuse shifts past 31). */
static inline int32_t seer__q_mul(int32_t x, int32_t m, int shift)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;

    return seer__q_rdbpot(seer__q_srdhm((int32_t)((uint32_t)x << left), m), right);
}

/* The uint8 clamp range [*lo, *hi] of an activation fused into a TFLite op, in the
 * output's quantised domain (zero point plus round(f / scale) in float). */
void seer__q_act_range(const struct seer_tensor *out, enum seer_act act, int32_t *lo, int32_t *hi);

/* Whether t is a per-tensor quantised uint8 tensor (scale > 0 and finite, zero point in
 * [0, 255]). */
bool seer__q_is_u8(const struct seer_tensor *t);

/* Output multiplier of a quantised conv: (in_scale * w_scale in float) / out_scale in
 * double, as TFLite's GetQuantizedConvolutionMultipler computes it, then quantised.
 * Returns false when it cannot be applied exactly (not finite, or >= 2^31). */
bool seer__q_conv_multiplier(const struct seer_tensor *x, const struct seer_tensor *w,
                             const struct seer_tensor *y, int32_t *m, int *shift);

#endif /* SEER_KERNELS_Q_UTIL_H */
