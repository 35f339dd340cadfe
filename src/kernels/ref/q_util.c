/* TFLite's quantisation helpers (see q_util.h). */
#include "kernels/ref/q_util.h"

#include <math.h>

void seer__q_quantize_multiplier(double x, int32_t *m, int *shift)
{
    double q;
    int64_t fixed;

    *m = 0;
    *shift = 0;
    if (!(x > 0.0) || !isfinite(x))
        return;
    q = frexp(x, shift);
    /* q is in [0.5, 1); round() is half away from zero, as TfLiteRound. */
    fixed = (int64_t)round(q * (double)((int64_t)1 << 31));
    if (fixed == ((int64_t)1 << 31)) {
        fixed /= 2;
        ++*shift;
    }
    /* Below 2^-31 every product would shift out; TFLite flushes to zero. */
    if (*shift < -31) {
        *shift = 0;
        fixed = 0;
    }
    *m = (int32_t)fixed;
}

void seer__q_act_range(const struct seer_tensor *out, enum seer_act act, int32_t *lo, int32_t *hi)
{
    float scale = out->q.scale;
    int32_t zp = out->q.zero_point;
    int32_t qmin = 0, qmax = 255;

    if (out->dtype == SEER_DTYPE_I8) {
        qmin = -128;
        qmax = 127;
    }
    *lo = qmin;
    *hi = qmax;
    /* TFLite quantises the bounds in float: zero_point + (int)round(f / scale). */
    if (act == SEER_ACT_RELU || act == SEER_ACT_RELU6) {
        int32_t z = zp + (int32_t)roundf(0.0f / scale);
        *lo = z > qmin ? z : qmin;
    }
    if (act == SEER_ACT_RELU6) {
        int32_t six = zp + (int32_t)roundf(6.0f / scale);
        *hi = six < qmax ? six : qmax;
    }
}

bool seer__q_is_u8(const struct seer_tensor *t)
{
    return t->dtype == SEER_DTYPE_U8 && t->q.scale > 0.0f && isfinite(t->q.scale) &&
           t->q.zero_point >= 0 && t->q.zero_point <= 255;
}

bool seer__q_conv_multiplier(const struct seer_tensor *x, const struct seer_tensor *w,
                             const struct seer_tensor *y, int32_t *m, int *shift)
{
    /* TFLite's uint8 path multiplies the two float scales in float and only then widens
     * to double (GetQuantizedConvolutionMultipler); the product rounded to float moves
     * the multiplier by an ulp or so, which flips a rare output near a rounding tie. */
    float xw = x->q.scale * w->q.scale;
    double real = (double)xw / (double)y->q.scale;

    seer__q_quantize_multiplier(real, m, shift);
    return isfinite(real) && real > 0.0 && *shift <= 31;
}
