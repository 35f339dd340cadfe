/*
 * Fast twins of the quantised (uint8) Conv2D and DepthwiseConv2D on AVX-512 VNNI, byte
 * for byte the reference kernels (ref/q_conv.c), so they are on by default.
 *
 * Conv2D: vpdpbusd multiplies unsigned bytes by signed bytes, four at a time, into
 * int32 lanes. The input bytes x are unsigned already; the weights w are shifted to
 * signed w - 128 when they are packed. With zero points zx, zw and the patch sum
 * sx = sum(x) over the window,
 *     sum((x - zx) * (w - zw)) = sum(x * (w - 128)) + (128 - zw) * sx - zx * sum(w - zw),
 * and the last term (with the bias) is a per-channel constant computed at plan time.
 * Taps outside the input are filled with zx, so they add (zx - zx) * (w - zw) = 0 as
 * TFLite's skipped taps do. All of it is integer arithmetic modulo 2^32, the same ring
 * the reference sums in, so the accumulators equal the reference's exactly; the output
 * stage is TFLite's fixed-point multiply (q_util.h) on 16 lanes at a time.
 *
 * Work: each worker takes a contiguous share of the output pixels, six at a time (a
 * 6 x 64-channel tile of accumulators lives in 24 registers). 1x1 stride-1 convs read
 * the input rows in place; other shapes gather each pixel's window into a per-worker
 * buffer allocated here at plan time.
 *
 * Depthwise: 16 channels at a time in int32 (vpmulld), valid taps only, as the
 * reference. Depth multipliers other than 1 stay on the reference kernel.
 *
 * The functions that use AVX-512 carry target attributes and run only when the CPU has
 * AVX512F/BW/VL and AVX512_VNNI (checked once, at plan time); SEER_ISA=avx2 or lower
 * turns them off.
 */
#include "kernels/fast.h"

#include <immintrin.h>
#include <string.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/ref/conv_util.h"
#include "kernels/ref/q_util.h"
#include "kernels/x86/q_pack.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define TILE_P 6 /* output pixels per tile */
#define TILE_B 4 /* 16-channel blocks per tile */

struct qstate {
    bool depthwise;
    struct seer__win g;
    int64_t co, nblk; /* output channels, 16-channel blocks */
    int64_t k, k4;    /* taps per output (KH*KW*CI) and 4-byte groups (padded) */
    bool direct;      /* 1x1, stride 1, no padding, k % 4 == 0: rows in place */
    int8_t *w;        /* conv: [nblk][k4][16][4] of w - 128; depthwise: unused */
    int32_t *wdw;     /* depthwise: [KH*KW][nblk*16] of w - zw */
    int32_t *cst;     /* [nblk*16]: bias - zx * sum(w - zw) (conv), bias (dw) */
    int32_t cx;       /* conv: 128 - zw, the weight of sx */
    int32_t xz, yz, m, lo, hi;
    int shift;
    uint8_t *patch;     /* conv, not direct: n_threads x TILE_P x k4*4 bytes */
    size_t patch_bytes; /* per worker */
    int n_threads;
};

static void qstate_free(void *p)
{
    struct qstate *s = p;

    if (!s)
        return;
    seer_free_aligned(s->w);
    seer_free_aligned(s->wdw);
    seer_free_aligned(s->cst);
    seer_free_aligned(s->patch);
    seer_free(s);
}

/* AVX-512 F/BW/VL (within the SEER_ISA cap, see fast.h) and VNNI. */
static bool cpu_ok(void)
{
    if (seer__isa() < SEER_ISA_AVX512)
        return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni");
}

/* ---- the output stage: TFLite's MultiplyByQuantizedMultiplier on 16 lanes ---- */

/* round(a * m / 2^31) with ties up, i.e. floor((a*m + 2^30) / 2^31): the same as
 * seer__q_srdhm, whose nudge and truncation toward zero amount to this for every a and
 * m >= 0 (m == INT32_MIN never occurs: multipliers are non-negative). */
TARGET static inline __m512i srdhm16(__m512i a, __m512i m)
{
    const __m512i half = _mm512_set1_epi64((int64_t)1 << 30);
    __m512i even = _mm512_add_epi64(_mm512_mul_epi32(a, m), half);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(a, 32), m), half);

    even = _mm512_srai_epi64(even, 31);
    odd = _mm512_slli_epi64(_mm512_srai_epi64(odd, 31), 32);
    return _mm512_mask_blend_epi32(0xAAAA, even, odd);
}

TARGET static inline __m512i rdbpot16(__m512i x, int e)
{
    const __m512i mask = _mm512_set1_epi32((int32_t)(((int64_t)1 << e) - 1));
    const __m128i cnt = _mm_cvtsi32_si128(e);
    __m512i rem = _mm512_and_si512(x, mask);
    __m512i thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1), _mm512_srli_epi32(x, 31));
    __m512i q = _mm512_sra_epi32(x, cnt);
    __mmask16 up = _mm512_cmpgt_epi32_mask(rem, thr);

    return _mm512_mask_add_epi32(q, up, q, _mm512_set1_epi32(1));
}

/* acc -> uint8 for 16 channels, stored under mask. */
TARGET static inline void store16(const struct qstate *s, __m512i acc, uint8_t *dst, __mmask16 mask)
{
    int left = s->shift > 0 ? s->shift : 0, right = s->shift > 0 ? 0 : -s->shift;
    __m512i v = _mm512_sll_epi32(acc, _mm_cvtsi32_si128(left));

    v = rdbpot16(srdhm16(v, _mm512_set1_epi32(s->m)), right);
    /* Clamped before adding the zero point, so nothing can overflow. */
    v = _mm512_max_epi32(v, _mm512_set1_epi32(s->lo - s->yz));
    v = _mm512_min_epi32(v, _mm512_set1_epi32(s->hi - s->yz));
    v = _mm512_add_epi32(v, _mm512_set1_epi32(s->yz));
    _mm_mask_storeu_epi8(dst, mask, _mm512_cvtepi32_epi8(v));
}

static inline __mmask16 lane_mask(int64_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
}

/* ---- Conv2D ---- */

TARGET static int32_t sum_u8(const uint8_t *p, int64_t n)
{
    __m512i acc = _mm512_setzero_si512();
    int64_t i = 0;

    for (; i + 64 <= n; i += 64)
        acc = _mm512_add_epi64(acc,
                               _mm512_sad_epu8(_mm512_loadu_si512(p + i), _mm512_setzero_si512()));
    if (i < n) {
        __mmask64 m = ((__mmask64)1 << (n - i)) - 1;
        acc = _mm512_add_epi64(
            acc, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(m, p + i), _mm512_setzero_si512()));
    }
    return (int32_t)(uint32_t)_mm512_reduce_add_epi64(acc);
}

/* Six pixels (rows r[0..5], k4 groups each) times nb (1..4) blocks from block b0:
 * accumulators, then the output stage into y rows (channel offset b0*16). np of the six
 * pixels are real; the others repeat a real row and are not stored. */
TARGET static inline void tile(const struct qstate *s, const uint8_t *const r[TILE_P],
                               const int32_t sx[TILE_P], int np, int64_t b0, int nb,
                               uint8_t *const yrow[TILE_P])
{
    __m512i acc[TILE_P][TILE_B];
    const int8_t *wb[TILE_B];

    for (int b = 0; b < TILE_B; b++) {
        wb[b] = s->w + (b0 + (b < nb ? b : 0)) * s->k4 * 64;
        for (int p = 0; p < TILE_P; p++)
            acc[p][b] = _mm512_setzero_si512();
    }
    for (int64_t k = 0; k < s->k4; k++) {
        __m512i w[TILE_B];
        for (int b = 0; b < TILE_B; b++)
            if (b < nb)
                w[b] = _mm512_load_si512(wb[b] + k * 64);
        for (int p = 0; p < TILE_P; p++) {
            int32_t x4;
            memcpy(&x4, r[p] + 4 * k, 4);
            __m512i xv = _mm512_set1_epi32(x4);
            for (int b = 0; b < TILE_B; b++)
                if (b < nb)
                    acc[p][b] = _mm512_dpbusd_epi32(acc[p][b], xv, w[b]);
        }
    }
    for (int b = 0; b < nb; b++) {
        int64_t c0 = (b0 + b) * 16;
        __m512i cst = _mm512_load_si512(s->cst + c0);
        __m512i cx = _mm512_set1_epi32(s->cx);
        __mmask16 mask = lane_mask(s->co - c0);
        for (int p = 0; p < np; p++) {
            __m512i a = _mm512_add_epi32(acc[p][b], cst);
            a = _mm512_add_epi32(a, _mm512_mullo_epi32(cx, _mm512_set1_epi32(sx[p])));
            store16(s, a, yrow[p] + c0, mask);
        }
    }
}

/* Gathers output pixel p's window into dst (k bytes, zx outside the input). */
static void gather(const struct qstate *s, const uint8_t *x, int64_t p, uint8_t *dst)
{
    const struct seer__win *g = &s->g;
    int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
    int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;

    for (int64_t fy = 0; fy < g->kh; fy++) {
        int64_t iy = iy0 + fy * g->dh;
        for (int64_t fx = 0; fx < g->kw; fx++) {
            int64_t ix = ix0 + fx * g->dw;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                memset(dst, s->xz, (size_t)g->c);
            else
                memcpy(dst, x + ((b * g->h + iy) * g->w + ix) * g->c, (size_t)g->c);
            dst += g->c;
        }
    }
}

TARGET static void qconv_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct qstate *s = nd->prepared;
    const uint8_t *x = nd->in[0]->data;
    uint8_t *y = nd->out[0]->data;
    uint8_t *buf = s->patch ? s->patch + (size_t)k->ith * s->patch_bytes : NULL;
    int64_t lo, hi;

    seer_split_range(s->g.n * s->g.oh * s->g.ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p0 = lo; p0 < hi; p0 += TILE_P) {
        const uint8_t *r[TILE_P];
        uint8_t *yrow[TILE_P];
        int32_t sx[TILE_P];
        int np = hi - p0 < TILE_P ? (int)(hi - p0) : TILE_P;

        for (int i = 0; i < TILE_P; i++) {
            int64_t p = p0 + (i < np ? i : np - 1);
            if (s->direct) {
                r[i] = x + p * s->k;
            } else {
                uint8_t *d = buf + (size_t)i * (size_t)s->k4 * 4;
                if (i < np) {
                    gather(s, x, p, d);
                    memset(d + s->k, 0, (size_t)(s->k4 * 4 - s->k));
                } else {
                    memcpy(d, buf + (size_t)(np - 1) * (size_t)s->k4 * 4, (size_t)s->k4 * 4);
                }
                r[i] = d;
            }
            sx[i] = sum_u8(r[i], s->k);
            yrow[i] = y + p * s->co;
        }
        for (int64_t b = 0; b < s->nblk; b += TILE_B) {
            int nb = s->nblk - b < TILE_B ? (int)(s->nblk - b) : TILE_B;
            switch (nb) {
            case 4: tile(s, r, sx, np, b, 4, yrow); break;
            case 3: tile(s, r, sx, np, b, 3, yrow); break;
            case 2: tile(s, r, sx, np, b, 2, yrow); break;
            default: tile(s, r, sx, np, b, 1, yrow); break;
            }
        }
    }
}

static int conv_prepare(const struct seer_node *nd, struct qstate *s)
{
    const struct seer_tensor *x = nd->in[0], *w = nd->in[1], *y = nd->out[0];
    const int32_t *bias = nd->n_in > 2 && nd->in[2] ? nd->in[2]->data : NULL;
    const uint8_t *wd = w->data;
    const int32_t zw = w->q.zero_point;
    size_t wbytes;

    s->co = w->dims[0];
    s->k = w->dims[1] * w->dims[2] * w->dims[3];
    s->k4 = (s->k + 3) / 4;
    s->nblk = (s->co + 15) / 16;
    s->cx = 128 - zw;
    s->direct = w->dims[1] == 1 && w->dims[2] == 1 && s->g.sh == 1 && s->g.sw == 1 &&
                s->g.pt == 0 && s->g.pl == 0 && s->g.oh == s->g.h && s->g.ow == s->g.w &&
                s->k % 4 == 0;
    (void)x;
    (void)y;
    if (!seer_mul_size((size_t)(s->nblk * s->k4), 64, &wbytes))
        return SEER_EUNSUPPORTED;
    s->w = seer_aligned_alloc(64, wbytes);
    s->cst = seer_aligned_alloc(64, (size_t)s->nblk * 16 * sizeof(int32_t));
    if (!s->w || !s->cst)
        return SEER_ENOMEM;
    memset(s->w, 0, wbytes);
    memset(s->cst, 0, (size_t)s->nblk * 16 * sizeof(int32_t));
    for (int64_t o = 0; o < s->co; o++) {
        int64_t sum = 0;
        int8_t *blk = s->w + (o / 16) * s->k4 * 64;
        for (int64_t t = 0; t < s->k; t++) {
            int v = wd[o * s->k + t];
            blk[(t / 4) * 64 + (o % 16) * 4 + t % 4] = (int8_t)(v - 128);
            sum += v - zw;
        }
        /* Modulo 2^32, like every other term of the sum. */
        uint32_t c = (uint32_t)(bias ? bias[o] : 0) - (uint32_t)(int32_t)s->xz * (uint32_t)sum;
        s->cst[o] = (int32_t)c;
    }
    if (!s->direct) {
        if (!seer_mul_size((size_t)s->k4 * 4, TILE_P, &s->patch_bytes))
            return SEER_EUNSUPPORTED;
        s->patch_bytes = (s->patch_bytes + 63) & ~(size_t)63;
        s->patch = seer_aligned_alloc(64, s->patch_bytes * (size_t)s->n_threads);
        if (!s->patch)
            return SEER_ENOMEM;
    }
    return SEER_OK;
}

/* ---- DepthwiseConv2D (depth multiplier 1) ---- */

TARGET static void qdw_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct qstate *s = nd->prepared;
    const struct seer__win *g = &s->g;
    const uint8_t *x = nd->in[0]->data;
    uint8_t *y = nd->out[0]->data;
    const int64_t c = s->co, cp = s->nblk * 16;
    const __m512i xz = _mm512_set1_epi32(s->xz);
    int64_t lo, hi;

    seer_split_range(g->n * g->oh * g->ow, k->ith, k->nth, &lo, &hi);
    for (int64_t p = lo; p < hi; p++) {
        int64_t ox = p % g->ow, oy = (p / g->ow) % g->oh, b = p / (g->ow * g->oh);
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl, fy0, fy1, fx0, fx1;

        seer__win_taps(iy0, g->kh, g->dh, g->h, &fy0, &fy1);
        seer__win_taps(ix0, g->kw, g->dw, g->w, &fx0, &fx1);
        for (int64_t c0 = 0; c0 < c; c0 += 16) {
            __mmask16 mask = lane_mask(c - c0);
            __m512i acc = _mm512_load_si512(s->cst + c0);
            for (int64_t fy = fy0; fy < fy1; fy++) {
                const uint8_t *row = x + ((b * g->h + iy0 + fy * g->dh) * g->w) * c;
                for (int64_t fx = fx0; fx < fx1; fx++) {
                    const uint8_t *xp = row + (ix0 + fx * g->dw) * c + c0;
                    __m512i xv = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, xp));
                    __m512i wv = _mm512_load_si512(s->wdw + (fy * g->kw + fx) * cp + c0);
                    acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(_mm512_sub_epi32(xv, xz), wv));
                }
            }
            store16(s, acc, y + p * c + c0, mask);
        }
    }
}

int seer__qconv_vnni_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out)
{
    const struct seer_tensor *w = nd->n_in > 1 ? nd->in[1] : NULL;
    struct qstate *s;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!cpu_ok() || !w || !w->data || (nd->n_in > 2 && nd->in[2] && !nd->in[2]->data))
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
    rc = s->depthwise ? seer__qdw_pack(nd, 16, &s->co, &s->nblk, &s->wdw, &s->cst)
                      : conv_prepare(nd, s);
    if (rc) {
        qstate_free(s);
        return rc;
    }
    out->fn = s->depthwise ? qdw_run : qconv_run;
    out->state = s;
    out->free = qstate_free;
    return SEER_OK;
}
