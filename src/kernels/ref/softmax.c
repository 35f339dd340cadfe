/*
 * Reference Softmax over attrs.axis (negative counts from the end; importers set -1 for
 * TensorFlow's Softmax, which always uses the last dim). Like TensorFlow's CPU kernel it
 * subtracts the maximum for stability, exponentiates, sums in float and multiplies by
 * the reciprocal of the sum. Work is split over the lines being normalised.
 */
#include <math.h>
#include <stdint.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_softmax(struct seer_node *nd, struct seer_err *err)
{
    int ax;
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    const struct seer_tensor *x = nd->in[0];
    if (x->dtype != SEER_DTYPE_F32)
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported (float32 only)",
                         seer_dtype_name(x->dtype));
    rc = seer__axis(nd->a.axis, x->ndim, "axis", &ax, err);
    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], x->dtype, x->ndim, x->dims);
    return SEER_OK;
}

void seer_kref_softmax(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    int ax = nd->a.axis < 0 ? nd->a.axis + x->ndim : nd->a.axis;
    int64_t outer = 1, inner = 1, n = x->dims[ax], lo, hi;

    for (int i = 0; i < ax; i++)
        outer *= x->dims[i];
    for (int i = ax + 1; i < x->ndim; i++)
        inner *= x->dims[i];
    seer_split_range(outer * inner, k->ith, k->nth, &lo, &hi);
    for (int64_t line = lo; line < hi; line++) {
        int64_t base = (line / inner) * n * inner + line % inner;
        const float *in = (const float *)x->data + base;
        float *out = (float *)nd->out[0]->data + base;
        float mx = -INFINITY, sum = 0.0f;
        for (int64_t j = 0; j < n; j++)
            mx = in[j * inner] > mx ? in[j * inner] : mx;
        for (int64_t j = 0; j < n; j++) {
            out[j * inner] = expf(in[j * inner] - mx);
            sum += out[j * inner];
        }
        float inv = 1.0f / sum;
        for (int64_t j = 0; j < n; j++)
            out[j * inner] *= inv;
    }
}
