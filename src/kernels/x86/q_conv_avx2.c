/*
 * AVX2 twins of the quantised (uint8) Conv2D and DepthwiseConv2D, for CPUs without
 * AVX-512 VNNI, byte for byte the reference kernels (ref/q_conv.c).
 *
 * Conv2D: each tile of pixels is first turned into int16 patches of x - zx (taps outside
 * the input are 0, as TFLite skips them), the weights are packed once as int16 w - zw,
 * and vpmaddwd multiplies pairs of them into int32 lanes: every product is at most
 * 255 * 255 and a pair's sum fits easily, so the sums are the reference's own sums, in
 * the same modulo-2^32 ring, plus the bias. The output stage is TFLite's fixed-point
 * multiply (q_util.h) on 8 lanes. Tiles are 6 pixels x 16 channels (12 accumulators).
 *
 * Depthwise: 8 channels at a time in int32 (vpmulld), valid taps only; depth
 * multipliers other than 1 stay on the reference kernel.
 */
#include "kernels/fast.h"

#include <immintrin.h>
#include <string.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/ref/conv_util.h"
#include "kernels/ref/q_util.h"
#include "kernels/x86/q_pack.h"

#define TARGET __attribute__((target("avx2")))
#define TILE_P 6 /* output pixels per tile */
#define TILE_B 2 /* 8-channel blocks per tile */

struct q2state {
    bool depthwise;
    struct seer__win g;
    int64_t co, nblk; /* output channels, 8-channel blocks */
    int64_t k, k2;    /* taps per output and pairs of them (padded) */
    int16_t *w;       /* conv: [nblk][k2][8][2] of w - zw */
    int32_t *wdw;     /* depthwise: [KH*KW][nblk*8] of w - zw */
    int32_t *bias;    /* [nblk*8] */
    int32_t xz, yz, m, lo, hi;
    int shift;
    int16_t *patch;     /* conv: n_threads x TILE_P x k2*2 int16 */
    size_t patch_elems; /* per worker */
    int n_threads;
};

static void q2state_free(void *p)
{
    struct q2state *s = p;

    if (!s)
        return;
    seer_free_aligned(s->w);
    seer_free_aligned(s->wdw);
    seer_free_aligned(s->bias);
    seer_free_aligned(s->patch);
    seer_free(s);
}

/* ---- the output stage on 8 lanes (see q_conv_vnni.c for the derivation) ---- */

TARGET static inline __m256i srdhm8(__m256i a, __m256i m)
{
    const __m256i half = _mm256_set1_epi64x((int64_t)1 << 30);
    /* floor((a*m + 2^30) / 2^31): its low 32 bits are the same whether the 64-bit shift
     * is arithmetic or logical, and AVX2 has only the logical one. */
    __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(a, m), half), 31);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), m), half);

    odd = _mm256_slli_epi64(_mm256_srli_epi64(odd, 31), 32);
    return _mm256_blend_epi32(even, odd, 0xAA);
}

TARGET static inline __m256i rdbpot8(__m256i x, int e)
{
    const __m256i mask = _mm256_set1_epi32((int32_t)(((int64_t)1 << e) - 1));
    const __m128i cnt = _mm_cvtsi32_si128(e);
    __m256i rem = _mm256_and_si256(x, mask);
    __m256i thr = _mm256_add_epi32(_mm256_srli_epi32(mask, 1), _mm256_srli_epi32(x, 31));
    __m256i q = _mm256_sra_epi32(x, cnt);

    /* cmpgt gives -1 where rem > thr: subtracting it adds one. */
    return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

/* acc -> uint8 for n (1..8) channels at dst. */
TARGET static inline void store8(const struct q2state *s, __m256i acc, uint8_t *dst, int64_t n)
{
    int left = s->shift > 0 ? s->shift : 0, right = s->shift > 0 ? 0 : -s->shift;
    __m256i v = _mm256_sll_epi32(acc, _mm_cvtsi32_si128(left));
    uint8_t tmp[32];

    v = rdbpot8(srdhm8(v, _mm256_set1_epi32(s->m)), right);
    v = _mm256_max_epi32(v, _mm256_set1_epi32(s->lo - s->yz));
    v = _mm256_min_epi32(v, _mm256_set1_epi32(s->hi - s->yz));
    v = _mm256_add_epi32(v, _mm256_set1_epi32(s->yz));
    /* Values are in [0, 255]: pack to bytes, then gather the two lanes' first dwords. */
    v = _mm256_packus_epi32(v, v);
    v = _mm256_packus_epi16(v, v);
    v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
    if (n >= 8) {
        _mm_storel_epi64((__m128i *)dst, _mm256_castsi256_si128(v));
    } else {
        _mm256_storeu_si256((__m256i *)tmp, v);
        memcpy(dst, tmp, (size_t)n);
    }
}

/* ---- Conv2D ---- */

/* Pixel p's window as int16 x - zx into dst (k values, 0 outside the input). */
static void gather16(const struct q2state *s, const uint8_t *x, int64_t p, int16_t *dst)
{
    const struct seer__win *g = &s->g;
    int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
    int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;

    for (int64_t fy = 0; fy < g->kh; fy++) {
        int64_t iy = iy0 + fy * g->dh;
        for (int64_t fx = 0; fx < g->kw; fx++) {
            int64_t ix = ix0 + fx * g->dw;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) {
                memset(dst, 0, (size_t)g->c * sizeof(*dst));
            } else {
                const uint8_t *src = x + ((b * g->h + iy) * g->w + ix) * g->c;
                for (int64_t c = 0; c < g->c; c++)
                    dst[c] = (int16_t)(src[c] - s->xz);
            }
            dst += g->c;
        }
    }
}

TARGET static inline void tile2(const struct q2state *s, const int16_t *const r[TILE_P], int np,
                                int64_t b0, int nb, uint8_t *const yrow[TILE_P])
{
    __m256i acc[TILE_P][TILE_B];
    const int16_t *wb[TILE_B];

    for (int b = 0; b < TILE_B; b++) {
        wb[b] = s->w + (b0 + (b < nb ? b : 0)) * s->k2 * 16;
        for (int p = 0; p < TILE_P; p++)
            acc[p][b] = _mm256_setzero_si256();
    }
    for (int64_t k = 0; k < s->k2; k++) {
        __m256i w[TILE_B];
        for (int b = 0; b < TILE_B; b++)
            if (b < nb)
                w[b] = _mm256_load_si256((const __m256i *)(wb[b] + k * 16));
        for (int p = 0; p < TILE_P; p++) {
            int32_t x2;
            memcpy(&x2, r[p] + 2 * k, 4);
            __m256i xv = _mm256_set1_epi32(x2);
            for (int b = 0; b < TILE_B; b++)
                if (b < nb)
                    acc[p][b] = _mm256_add_epi32(acc[p][b], _mm256_madd_epi16(xv, w[b]));
        }
    }
    for (int b = 0; b < nb; b++) {
        int64_t c0 = (b0 + b) * 8;
        __m256i bias = _mm256_load_si256((const __m256i *)(s->bias + c0));
        for (int p = 0; p < np; p++)
            store8(s, _mm256_add_epi32(acc[p][b], bias), yrow[p] + c0, s->co - c0);
    }
}

TARGET static void q2conv_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct q2state *s = nd->prepared;
    const uint8_t *x = nd->in[0]->data;
    uint8_t *y = nd->out[0]->data;
    int16_t *buf = s->patch + (size_t)k->ith * s->patch_elems;
    const size_t row = (size_t)s->k2 * 2;
    int64_t lo, hi;

    seer_split_range(s->g.n * s->g.oh * s->g.ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p0 = lo; p0 < hi; p0 += TILE_P) {
        const int16_t *r[TILE_P];
        uint8_t *yrow[TILE_P];
        int np = hi - p0 < TILE_P ? (int)(hi - p0) : TILE_P;

        for (int i = 0; i < TILE_P; i++) {
            int16_t *d = buf + (size_t)i * row;
            if (i < np) {
                gather16(s, x, p0 + i, d);
                memset(d + s->k, 0, (row - (size_t)s->k) * sizeof(*d));
            } else {
                memcpy(d, buf + (size_t)(np - 1) * row, row * sizeof(*d));
            }
            r[i] = d;
            yrow[i] = y + (p0 + (i < np ? i : np - 1)) * s->co;
        }
        for (int64_t b = 0; b < s->nblk; b += TILE_B) {
            if (s->nblk - b >= 2)
                tile2(s, r, np, b, 2, yrow);
            else
                tile2(s, r, np, b, 1, yrow);
        }
    }
}

static int conv2_prepare(const struct seer_node *nd, struct q2state *s)
{
    const struct seer_tensor *w = nd->in[1];
    const int32_t *bias = nd->n_in > 2 && nd->in[2] ? nd->in[2]->data : NULL;
    const uint8_t *wd = w->data;
    size_t wn, pn;

    s->co = w->dims[0];
    s->k = w->dims[1] * w->dims[2] * w->dims[3];
    s->k2 = (s->k + 1) / 2;
    s->nblk = (s->co + 7) / 8;
    if (!seer_mul_size((size_t)(s->nblk * s->k2), 16 * sizeof(int16_t), &wn) ||
        !seer_mul_size((size_t)s->k2 * 2, TILE_P, &pn))
        return SEER_EUNSUPPORTED;
    s->patch_elems = (pn + 31) & ~(size_t)31;
    s->w = seer_aligned_alloc(64, wn);
    s->bias = seer_aligned_alloc(64, (size_t)s->nblk * 8 * sizeof(int32_t));
    s->patch = seer_aligned_alloc(64, s->patch_elems * sizeof(int16_t) * (size_t)s->n_threads);
    if (!s->w || !s->bias || !s->patch)
        return SEER_ENOMEM;
    memset(s->w, 0, wn);
    memset(s->bias, 0, (size_t)s->nblk * 8 * sizeof(int32_t));
    for (int64_t o = 0; o < s->co; o++) {
        int16_t *blk = s->w + (o / 8) * s->k2 * 16;
        for (int64_t t = 0; t < s->k; t++)
            blk[(t / 2) * 16 + (o % 8) * 2 + t % 2] = (int16_t)(wd[o * s->k + t] - w->q.zero_point);
        s->bias[o] = bias ? bias[o] : 0;
    }
    return SEER_OK;
}

/* ---- DepthwiseConv2D (depth multiplier 1) ---- */

TARGET static void q2dw_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct q2state *s = nd->prepared;
    const struct seer__win *g = &s->g;
    const uint8_t *x = nd->in[0]->data;
    uint8_t *y = nd->out[0]->data;
    const int64_t c = s->co, cp = s->nblk * 8;
    const __m256i xz = _mm256_set1_epi32(s->xz);
    int64_t lo, hi;

    seer_split_range(g->n * g->oh * g->ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p = lo; p < hi; p++) {
        int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl, fy0, fy1, fx0, fx1;

        seer__win_taps(iy0, g->kh, g->dh, g->h, &fy0, &fy1);
        seer__win_taps(ix0, g->kw, g->dw, g->w, &fx0, &fx1);
        for (int64_t c0 = 0; c0 < c; c0 += 8) {
            int64_t n = c - c0 < 8 ? c - c0 : 8;
            __m256i acc = _mm256_load_si256((const __m256i *)(s->bias + c0));
            for (int64_t fy = fy0; fy < fy1; fy++) {
                const uint8_t *row = x + ((b * g->h + iy0 + fy * g->dh) * g->w) * c;
                for (int64_t fx = fx0; fx < fx1; fx++) {
                    const uint8_t *xp = row + (ix0 + fx * g->dw) * c + c0;
                    int64_t x8 = 0;
                    memcpy(&x8, xp, (size_t)n); /* never past the tensor's end */
                    __m256i xv = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(x8));
                    __m256i wv =
                        _mm256_load_si256((const __m256i *)(s->wdw + (fy * g->kw + fx) * cp + c0));
                    acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_sub_epi32(xv, xz), wv));
                }
            }
            store8(s, acc, y + p * c + c0, n);
        }
    }
}

int seer__qconv_avx2_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out)
{
    const struct seer_tensor *w = nd->n_in > 1 ? nd->in[1] : NULL;
    struct q2state *s;
    int rc;

    memset(out, 0, sizeof(*out));
    if (seer__isa() < SEER_ISA_AVX2 || !w || !w->data ||
        (nd->n_in > 2 && nd->in[2] && !nd->in[2]->data))
        return SEER_EUNSUPPORTED;
    s = seer_calloc(1, sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->depthwise = nd->op == SEER_OP_QDEPTHWISE_CONV2D;
    s->n_threads = n_threads > 0 ? n_threads : 1;
    seer__win_init(nd, w->dims[1], w->dims[2], true, &s->g, NULL);
    s->xz = nd->in[0]->q.zero_point;
    s->yz = nd->out[0]->q.zero_point;
    seer__q_conv_multiplier(nd->in[0], w, nd->out[0], &s->m, &s->shift);
    seer__q_act_range(nd->out[0], nd->a.act, &s->lo, &s->hi);
    rc = s->depthwise ? seer__qdw_pack(nd, 8, &s->co, &s->nblk, &s->wdw, &s->bias)
                      : conv2_prepare(nd, s);
    if (rc) {
        q2state_free(s);
        return rc;
    }
    out->fn = s->depthwise ? q2dw_run : q2conv_run;
    out->state = s;
    out->free = q2state_free;
    return SEER_OK;
}
