/*
 * Global average pooling: Mean over the spatial dims (1, 2) of an NHWC float tensor,
 * MobileNetV3's squeeze-excite and CenterNet's head.
 *
 * The reference Mean walks the reduced dims for one output at a time, which for NHWC
 * means a stride of C floats per read and C passes over the tensor. This twin makes one
 * pass over the pixels and adds each row of channels into a row of accumulators. Each
 * channel still sums its pixels in index order in double precision and divides the same
 * way, so the results are bit for bit the reference's. Workers take blocks of channels.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/fast.h"

enum { CHUNK = 256 }; /* channels per pass: 2 KiB of accumulators stay in L1 */

struct mean_state {
    int64_t n, hw, c;
};

static void mean_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct mean_state *s = nd->prepared;
    const float *x = nd->in[0]->data;
    float *y = nd->out[0]->data;
    int64_t blocks = (s->c + 15) / 16, lo, hi;
    double inv_count = (double)s->hw;

    seer_split_range(s->n * blocks, k->ith, k->nth, &lo, &hi);
    while (lo < hi) {
        int64_t b = lo % blocks, img = lo / blocks;
        /* This worker's channels in image img: [c0, c1), at most CHUNK at a time. */
        int64_t nb = hi - lo < blocks - b ? hi - lo : blocks - b;
        if (nb > CHUNK / 16)
            nb = CHUNK / 16;
        int64_t c0 = b * 16, c1 = (b + nb) * 16 < s->c ? (b + nb) * 16 : s->c, w = c1 - c0;
        double acc[CHUNK];
        const float *xp = x + img * s->hw * s->c + c0;

        memset(acc, 0, sizeof(acc));
        for (int64_t p = 0; p < s->hw; p++, xp += s->c) {
            int64_t c = 0;
            for (; c + 8 <= w; c += 8)
                for (int j = 0; j < 8; j++)
                    acc[c + j] += (double)xp[c + j];
            for (; c < w; c++)
                acc[c] += (double)xp[c];
        }
        for (int64_t c = 0; c < w; c++)
            y[img * s->c + c0 + c] = (float)(acc[c] / inv_count);
        lo += nb;
    }
}

int seer__fast_mean_prepare(const struct seer_node *nd, struct seer_fast *out)
{
    const struct seer_tensor *x = nd->in[0], *ax = nd->in[1];
    unsigned mask = 0;

    if (x->dtype != SEER_DTYPE_F32 || x->ndim != 4 || !ax || !ax->data || seer_tensor_numel(ax) > 4)
        return SEER_EUNSUPPORTED;
    for (int64_t i = 0; i < seer_tensor_numel(ax); i++) {
        int64_t a = seer_tensor_get_int(ax, i);
        if (a < 0)
            a += 4;
        if (a < 0 || a > 3)
            return SEER_EUNSUPPORTED;
        mask |= 1u << a;
    }
    if (mask != 6u || x->dims[1] * x->dims[2] == 0 || x->dims[3] == 0)
        return SEER_EUNSUPPORTED;
    struct mean_state *s = seer_calloc(1, sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->n = x->dims[0];
    s->hw = x->dims[1] * x->dims[2];
    s->c = x->dims[3];
    out->fn = mean_run;
    out->state = s;
    out->free = seer_free;
    out->threads_inside = false;
    return SEER_OK;
}
