/*
 * Picks a fast twin for a node at plan time (see fast.h). The order of preference is
 * fixed here, in one place: oneDNN for convolutions; everything else stays on the
 * reference kernels until a measured twin lands.
 */
#include "kernels/fast.h"

int seer__fast_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                       struct seer_fast *out)
{
    switch (nd->op) {
    case SEER_OP_CONV2D:
    case SEER_OP_DEPTHWISE_CONV2D:
        return seer__dnnl_conv_prepare(nd, n_threads, prec, out);
    default:
        return SEER_EUNSUPPORTED;
    }
}
