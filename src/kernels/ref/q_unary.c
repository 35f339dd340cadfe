/*
 * Reference quantised elementwise ops, as TFLite computes them:
 *
 * - Logistic on uint8: a 256-entry table, entry v = clamp(round(sigmoid(s_in * (v - z_in))
 *   * (1 / s_out)) + z_out), every step in float (TFLite's PopulateLookupTable). The
 *   output must be scale 1/256, zero point 0, as TFLite requires.
 * - Dequantize: float(s * (q - z)) with s in double (exact for 8-bit q either way).
 * - Quantize from float: clamp(round(x / s) + z) in float; from uint8/int8 (a
 *   requantisation): MultiplyByQuantizedMultiplier(q - z_in) with s_in / s_out, + z_out.
 */
#include <math.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/q_util.h"

static bool is_q8(const struct seer_tensor *t)
{
    int lo = t->dtype == SEER_DTYPE_I8 ? -128 : 0;

    return (t->dtype == SEER_DTYPE_U8 || t->dtype == SEER_DTYPE_I8) && t->q.scale > 0.0f &&
           isfinite(t->q.scale) && t->q.zero_point >= lo && t->q.zero_point <= lo + 255;
}

static int one_in_one_out(const struct seer_node *nd, struct seer_err *err)
{
    if (nd->n_in != 1 || !nd->in[0] || nd->n_out != 1)
        return seer_errf(err, SEER_EFORMAT, "expects one input and one output");
    return SEER_OK;
}

int seer_shape_qlogistic(struct seer_node *nd, struct seer_err *err)
{
    int rc = one_in_one_out(nd, err);
    struct seer_tensor *y;

    if (rc)
        return rc;
    y = nd->out[0];
    if (!seer__q_is_u8(nd->in[0]))
        return seer_errf(err, SEER_EUNSUPPORTED, "input must be uint8 with a scale");
    if (y->q.scale != 1.0f / 256 || y->q.zero_point != 0)
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "output must have scale 1/256 and zero point 0 (got %g, %d)",
                         (double)y->q.scale, (int)y->q.zero_point);
    seer_tensor_set_shape(y, SEER_DTYPE_U8, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

/* The 256-entry table of a uint8 logistic. */
static void logistic_table(const struct seer_tensor *x, const struct seer_tensor *y, uint8_t *table)
{
    const float inv = 1.0f / y->q.scale;

    for (int32_t v = 0; v <= 255; v++) {
        float real = x->q.scale * (float)(v - x->q.zero_point);
        float sig = 1.0f / (1.0f + expf(-real));
        int32_t q = (int32_t)(roundf(sig * inv) + (float)y->q.zero_point);
        table[v] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
}

void seer_kref_qlogistic(const struct seer_kctx *k, const struct seer_node *nd)
{
    const uint8_t *x = nd->in[0]->data;
    uint8_t *y = nd->out[0]->data, table[256];
    int64_t lo, hi;

    logistic_table(nd->in[0], nd->out[0], table);
    seer_split_range(seer_tensor_numel(nd->out[0]), k->ith, k->nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++)
        y[i] = table[x[i]];
}

int seer_shape_dequantize(struct seer_node *nd, struct seer_err *err)
{
    int rc = one_in_one_out(nd, err);

    if (rc)
        return rc;
    if (!is_q8(nd->in[0]))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "input must be uint8 or int8 with a scale and zero point (got %s)",
                         seer_dtype_name(nd->in[0]->dtype));
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

void seer_kref_dequantize(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    float *y = nd->out[0]->data;
    const double s = x->q.scale;
    const int32_t z = x->q.zero_point;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(x), k->ith, k->nth, &lo, &hi);
    if (x->dtype == SEER_DTYPE_U8) {
        const uint8_t *p = x->data;
        for (int64_t i = lo; i < hi; i++)
            y[i] = (float)(s * (p[i] - z));
    } else {
        const int8_t *p = x->data;
        for (int64_t i = lo; i < hi; i++)
            y[i] = (float)(s * (p[i] - z));
    }
}

int seer_shape_quantize(struct seer_node *nd, struct seer_err *err)
{
    int rc = one_in_one_out(nd, err);
    struct seer_tensor *y;
    enum seer_dtype dt = nd->a.dtype;

    if (rc)
        return rc;
    y = nd->out[0];
    if (dt != SEER_DTYPE_U8 && dt != SEER_DTYPE_I8)
        return seer_errf(err, SEER_EUNSUPPORTED, "output type %s (uint8 or int8 only)",
                         seer_dtype_name(dt));
    y->dtype = dt;
    if (!is_q8(y))
        return seer_errf(err, SEER_EUNSUPPORTED, "output needs a scale and zero point");
    if (nd->in[0]->dtype != SEER_DTYPE_F32) {
        int32_t m;
        int shift;
        double real = (double)nd->in[0]->q.scale / (double)y->q.scale;
        if (!is_q8(nd->in[0]))
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input must be float32, or uint8/int8 with a scale (got %s)",
                             seer_dtype_name(nd->in[0]->dtype));
        seer__q_quantize_multiplier(real, &m, &shift);
        if (!isfinite(real) || shift > 31)
            return seer_errf(err, SEER_EUNSUPPORTED, "requantisation scale %g", real);
    }
    seer_tensor_set_shape(y, dt, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

static int32_t clamp_q(int32_t v, enum seer_dtype dt)
{
    int32_t lo = dt == SEER_DTYPE_I8 ? -128 : 0, hi = lo + 255;

    return v < lo ? lo : v > hi ? hi : v;
}

static int32_t load_q(const struct seer_tensor *t, int64_t i)
{
    return t->dtype == SEER_DTYPE_U8 ? ((const uint8_t *)t->data)[i] : ((const int8_t *)t->data)[i];
}

static void store_q(const struct seer_tensor *t, int64_t i, int32_t v)
{
    if (t->dtype == SEER_DTYPE_U8)
        ((uint8_t *)t->data)[i] = (uint8_t)v;
    else
        ((int8_t *)t->data)[i] = (int8_t)v;
}

void seer_kref_quantize(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    const int32_t yz = y->q.zero_point;
    int64_t lo, hi;

    seer_split_range(seer_tensor_numel(x), k->ith, k->nth, &lo, &hi);
    if (x->dtype == SEER_DTYPE_F32) {
        const float *p = x->data;
        for (int64_t i = lo; i < hi; i++) {
            float r = roundf(p[i] / y->q.scale);
            /* Keep the float-to-int conversion defined for huge or NaN inputs. */
            int32_t v = r >= 2147483520.0f   ? INT32_MAX
                        : r > -2147483648.0f ? (int32_t)r
                                             : INT32_MIN;
            v = v > INT32_MAX - 255 ? INT32_MAX - 255 : v < INT32_MIN + 255 ? INT32_MIN + 255 : v;
            store_q(y, i, clamp_q(v + yz, y->dtype));
        }
        return;
    }
    int32_t m;
    int shift;
    seer__q_quantize_multiplier((double)x->q.scale / (double)y->q.scale, &m, &shift);
    for (int64_t i = lo; i < hi; i++) {
        int32_t v = seer__q_mul(load_q(x, i) - x->q.zero_point, m, shift) + yz;
        store_q(y, i, clamp_q(v, y->dtype));
    }
}
