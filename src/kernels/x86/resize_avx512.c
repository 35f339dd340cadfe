/*
 * ResizeBilinear on AVX-512, bit for bit the reference (kernels/ref/resize.c): the same
 * source cells and weights per output pixel, and the same three lerps per element
 * (top = tl + (tr - tl) * xl, and so on: separate multiplies and adds, never fused),
 * sixteen channels at a time. Optionally adds a same-shaped tensor afterwards (NanoDet's
 * feature pyramid adds every upsampled map to a lateral one: graph/fuse_ew.c), which is
 * the Add's own u + v.
 */
#include <immintrin.h>
#include <math.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/fast.h"

struct rs_state {
    int64_t ih, iw, c, oh, ow;
    float sh, sw;
    bool hp;
    int add; /* index in in[] of the tensor added afterwards, or -1 */
};

/* The reference's bl_coord. */
static void coord(int64_t o, float scale, bool half_pixel, int64_t in, int64_t *lower,
                  int64_t *upper, float *lerp)
{
    float src = half_pixel ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
    float f = floorf(src);
    int64_t lo = (int64_t)f, up = (int64_t)ceilf(src);

    if (lo < 0)
        lo = 0;
    if (up > in - 1)
        up = in - 1;
    if (lo > up)
        lo = up;
    *lower = lo;
    *upper = up;
    *lerp = src - f;
}

static inline __m512 lerp3(__m512 tl, __m512 tr, __m512 bl, __m512 br, __m512 xl, __m512 yl)
{
    __m512 t = _mm512_add_ps(tl, _mm512_mul_ps(_mm512_sub_ps(tr, tl), xl));
    __m512 b = _mm512_add_ps(bl, _mm512_mul_ps(_mm512_sub_ps(br, bl), xl));
    return _mm512_add_ps(t, _mm512_mul_ps(_mm512_sub_ps(b, t), yl));
}

static void rs_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct rs_state *s = nd->prepared;
    const float *x = nd->in[0]->data;
    const float *add = s->add >= 0 ? nd->in[s->add]->data : NULL;
    float *y = nd->out[0]->data;
    int64_t c = s->c, lo, hi;

    seer_split_range(nd->out[0]->dims[0] * s->oh, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        int64_t n = r / s->oh, y0, y1;
        float ylf;
        coord(r % s->oh, s->sh, s->hp, s->ih, &y0, &y1, &ylf);
        const float *top = x + (n * s->ih + y0) * s->iw * c,
                    *bot = x + (n * s->ih + y1) * s->iw * c;
        float *yr = y + r * s->ow * c;
        const float *ar = add ? add + r * s->ow * c : NULL;
        __m512 yl = _mm512_set1_ps(ylf);
        for (int64_t o = 0; o < s->ow; o++) {
            int64_t x0, x1;
            float xlf;
            coord(o, s->sw, s->hp, s->iw, &x0, &x1, &xlf);
            const float *tl = top + x0 * c, *tr = top + x1 * c, *bl = bot + x0 * c,
                        *br = bot + x1 * c;
            float *yp = yr + o * c;
            const float *ap = ar ? ar + o * c : NULL;
            __m512 xl = _mm512_set1_ps(xlf);
            int64_t j = 0;
            for (; j < c; j += 16) {
                __mmask16 m = c - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - j)) - 1);
                __m512 v = lerp3(_mm512_maskz_loadu_ps(m, tl + j), _mm512_maskz_loadu_ps(m, tr + j),
                                 _mm512_maskz_loadu_ps(m, bl + j), _mm512_maskz_loadu_ps(m, br + j),
                                 xl, yl);
                if (ap)
                    v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, ap + j), v);
                _mm512_mask_storeu_ps(yp + j, m, v);
            }
        }
    }
}

int seer__x86_resize_prepare(const struct seer_node *nd, int add_input, struct seer_fast *out)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];

    if (nd->op != SEER_OP_RESIZE_BILINEAR || x->dtype != SEER_DTYPE_F32 || x->ndim != 4 ||
        y->ndim != 4 || x->dims[3] < 1)
        return SEER_EUNSUPPORTED;
    if (add_input >= 0 && (!nd->in[add_input] || nd->in[add_input]->dtype != SEER_DTYPE_F32 ||
                           !seer_tensor_same_shape(nd->in[add_input], y)))
        return SEER_EUNSUPPORTED;
    struct rs_state *s = seer_malloc(sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->ih = x->dims[1];
    s->iw = x->dims[2];
    s->c = x->dims[3];
    s->oh = y->dims[1];
    s->ow = y->dims[2];
    /* The reference's resize_scale, in float. */
    bool ac = nd->a.align_corners;
    s->sh = ac && s->oh > 1 ? (float)(s->ih - 1) / (float)(s->oh - 1) : (float)s->ih / (float)s->oh;
    s->sw = ac && s->ow > 1 ? (float)(s->iw - 1) / (float)(s->ow - 1) : (float)s->iw / (float)s->ow;
    s->hp = nd->a.half_pixel_centers;
    s->add = add_input;
    out->fn = rs_run;
    out->state = s;
    out->free = seer_free;
    out->threads_inside = false;
    return SEER_OK;
}
