/*
 * Reference FusedBatchNorm in inference mode (is_training false; the importer refuses
 * training mode): y = (x - mean) * scale / sqrt(variance + epsilon) + offset per channel
 * of an NHWC input, epsilon in attrs.alpha. Each element is computed in double and
 * rounded once, which agrees with TensorFlow's float arithmetic to float rounding.
 * Outputs 1 to 4 (batch mean and variance, and the two reserve spaces) are the given
 * mean and variance, which is what TensorFlow returns for them in inference mode.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_shape_fused_batch_norm(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_tensor *x;
    int64_t c;
    int rc = seer__check_arity(nd, 5, 5, 5, err);

    if (rc)
        return rc;
    x = nd->in[0];
    if (x->ndim != 4)
        return seer_errf(err, SEER_EFORMAT, "x must be 4-D NHWC, got rank %d", x->ndim);
    c = x->dims[3];
    for (int i = 0; i < 5; i++)
        if (nd->in[i]->dtype != SEER_DTYPE_F32)
            return seer_errf(err, SEER_EUNSUPPORTED, "input %d: dtype %s is not supported", i,
                             seer_dtype_name(nd->in[i]->dtype));
    for (int i = 1; i < 5; i++)
        if (nd->in[i]->ndim != 1 || nd->in[i]->dims[0] != c)
            return seer_errf(err, SEER_EFORMAT, "input %d must be a vector of %lld channels", i,
                             (long long)c);
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_F32, 4, x->dims);
    for (int i = 1; i < 5; i++)
        seer_tensor_set_shape(nd->out[i], SEER_DTYPE_F32, 1, &c);
    return SEER_OK;
}

void seer_kref_fused_batch_norm(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *x = nd->in[0];
    const float *xv = x->data, *scale = nd->in[1]->data, *offset = nd->in[2]->data;
    const float *mean = nd->in[3]->data, *var = nd->in[4]->data;
    float *y = nd->out[0]->data;
    int64_t c = x->dims[3], n = seer_tensor_numel(x), lo, hi;
    double eps = nd->a.alpha;

    seer_split_range(n, k->ith, k->nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++) {
        int64_t ch = i % c;
        y[i] = (float)(((double)xv[i] - mean[ch]) * scale[ch] / sqrt((double)var[ch] + eps) +
                       offset[ch]);
    }
    if (k->ith == 0) {
        size_t bytes = (size_t)c * sizeof(float);
        memcpy(nd->out[1]->data, mean, bytes);
        memcpy(nd->out[2]->data, var, bytes);
        memcpy(nd->out[3]->data, mean, bytes);
        memcpy(nd->out[4]->data, var, bytes);
    }
}
