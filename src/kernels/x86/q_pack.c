/* Weight packing shared by the quantised-conv twins (see q_pack.h). */
#include "kernels/x86/q_pack.h"

#include <string.h>

#include "core/alloc.h"

int seer__qdw_pack(const struct seer_node *nd, int64_t block, int64_t *co, int64_t *nblk,
                   int32_t **wdw, int32_t **bias)
{
    const struct seer_tensor *w = nd->in[1];
    const int32_t *b = nd->n_in > 2 && nd->in[2] ? nd->in[2]->data : NULL;
    const uint8_t *wd = w->data;
    int64_t taps = w->dims[1] * w->dims[2], cp;
    size_t n;

    *co = w->dims[3];
    if (*co != nd->in[0]->dims[3])
        return SEER_EUNSUPPORTED; /* depth multiplier > 1: the reference handles it */
    *nblk = (*co + block - 1) / block;
    cp = *nblk * block;
    if (!seer_mul_size((size_t)(taps * cp), sizeof(int32_t), &n))
        return SEER_EUNSUPPORTED;
    *wdw = seer_aligned_alloc(64, n);
    *bias = seer_aligned_alloc(64, (size_t)cp * sizeof(int32_t));
    if (!*wdw || !*bias)
        return SEER_ENOMEM;
    memset(*wdw, 0, n);
    memset(*bias, 0, (size_t)cp * sizeof(int32_t));
    for (int64_t t = 0; t < taps; t++)
        for (int64_t o = 0; o < *co; o++)
            (*wdw)[t * cp + o] = (int32_t)wd[t * *co + o] - w->q.zero_point;
    for (int64_t o = 0; o < *co; o++)
        (*bias)[o] = b ? b[o] : 0;
    return SEER_OK;
}
