/*
 * Reference quantised Concatenation (uint8), as TFLite's ConcatenationWithScaling: an
 * input whose scale and zero point equal the output's is copied; any other is
 * requantised in float, q_out = round(q_in * s + b) + z_out with s = s_in * (1 / s_out)
 * and b = -z_in * s, clamped to [0, 255]. The float steps are TFLite's own, in its
 * order, so the bytes match. Work is split into (outer row, input) slabs.
 */
#include <math.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/q_util.h"

SEER_DECLARE_OP(concat);

int seer_shape_qconcat(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer_shape_concat(nd, err);

    if (rc)
        return rc;
    for (int i = 0; i < nd->n_in; i++)
        if (!seer__q_is_u8(nd->in[i]))
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "input %d must be uint8 with a scale and zero point", i);
    if (!seer__q_is_u8(nd->out[0]))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "output must be uint8 with a scale and zero point");
    return SEER_OK;
}

void seer_kref_qconcat(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *y = nd->out[0];
    int axis = nd->a.axis < 0 ? nd->a.axis + y->ndim : nd->a.axis;
    int64_t outer = 1, inner = 1, lo, hi;
    const float inv_out = 1.0f / y->q.scale;
    const int32_t yz = y->q.zero_point;

    for (int d = 0; d < axis; d++)
        outer *= y->dims[d];
    for (int d = axis + 1; d < y->ndim; d++)
        inner *= y->dims[d];
    seer_split_range(outer * nd->n_in, k->ith, k->nth, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        int64_t row = u / nd->n_in, off = 0;
        int i = (int)(u % nd->n_in);
        const struct seer_tensor *x = nd->in[i];
        int64_t n = x->dims[axis] * inner;
        const uint8_t *src = (const uint8_t *)x->data + row * n;
        uint8_t *dst;

        for (int j = 0; j < i; j++)
            off += nd->in[j]->dims[axis] * inner;
        dst = (uint8_t *)y->data + row * y->dims[axis] * inner + off;
        if (x->q.zero_point == yz && x->q.scale == y->q.scale) {
            memcpy(dst, src, (size_t)n);
            continue;
        }
        const float s = x->q.scale * inv_out;
        const float b = (float)-x->q.zero_point * s;
        for (int64_t j = 0; j < n; j++) {
            float r = roundf((float)src[j] * s + b);
            /* Clamped first (NaN included) so absurd scales cannot break the conversion. */
            int32_t v = (int32_t)(r >= -1e6f ? (r <= 1e6f ? r : 1e6f) : -1e6f) + yz;
            dst[j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}
