/*
 * AVX-512 twins of the elementwise ops that plan-time fusion leaves between the
 * convolutions: binary Add/Sub/Mul on same shapes, a scalar or a per-channel row
 * (MobileNetV3's squeeze-excite scale, [N,1,1,C] times [N,H,W,C]); Relu, Relu6,
 * LeakyRelu and HardSwish; and ConcatV2 on the last axis, optionally with the Relu that
 * follows it (CenterNet's head) applied while copying.
 *
 * Each computes exactly the reference's expression per element (the same IEEE operations
 * in the same order; max/min against 0 and 6 resolve NaN and -0 as the reference's
 * comparisons do), so results are bit for bit the reference's. Workers split rows.
 *
 * In bf16 precision the binary ops and the concat can store their result as bf16 when
 * only bf16 convolutions read it (graph/bf16.c decides): the same fp32 result, rounded to
 * nearest even as oneDNN's own conversion does, without a separate conversion pass.
 */
#include <immintrin.h>
#include <string.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "kernels/fast.h"

/* ---- binary ---- */

enum bin_kind { B_ADD, B_SUB, B_MUL };

struct bin_state {
    enum bin_kind op;
    bool bf16;            /* store bf16 (the value is read only by bf16 convolutions) */
    int64_t rows, cols;   /* the output as rows x cols */
    int64_t a_row, b_row; /* elements an operand advances per row: cols, or 0 (broadcast) */
    int64_t a_col, b_col; /* per element: 1 or 0 */
    int64_t rows_per_vec; /* a broadcast row operand changes every rows_per_vec rows */
};

static inline __m512 bin_op(enum bin_kind op, __m512 u, __m512 v)
{
    switch (op) {
    case B_ADD: return _mm512_add_ps(u, v);
    case B_SUB: return _mm512_sub_ps(u, v);
    default: return _mm512_mul_ps(u, v);
    }
}

static void bin_row(enum bin_kind op, const float *a, int64_t sa, const float *b, int64_t sb,
                    float *y, int64_t n)
{
    __m512 ua = _mm512_set1_ps(a[0]), vb = _mm512_set1_ps(b[0]);
    int64_t i = 0;

    for (; i + 16 <= n; i += 16) {
        __m512 u = sa ? _mm512_loadu_ps(a + i) : ua, v = sb ? _mm512_loadu_ps(b + i) : vb;
        _mm512_storeu_ps(y + i, bin_op(op, u, v));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 u = sa ? _mm512_maskz_loadu_ps(m, a + i) : ua;
        __m512 v = sb ? _mm512_maskz_loadu_ps(m, b + i) : vb;
        _mm512_mask_storeu_ps(y + i, m, bin_op(op, u, v));
    }
}

/* Rounds 16 floats to bf16 (nearest even) and stores the lanes in m. */
__attribute__((target("avx512bf16"))) static inline void store_bf16(uint16_t *y, __mmask16 m,
                                                                    __m512 v)
{
    _mm256_mask_storeu_epi16(y, m, (__m256i)_mm512_cvtneps_pbh(v));
}

__attribute__((target("avx512bf16"))) static void bin_row_bf16(enum bin_kind op, const float *a,
                                                               int64_t sa, const float *b,
                                                               int64_t sb, uint16_t *y, int64_t n)
{
    __m512 ua = _mm512_set1_ps(a[0]), vb = _mm512_set1_ps(b[0]);

    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 u = sa ? _mm512_maskz_loadu_ps(m, a + i) : ua;
        __m512 v = sb ? _mm512_maskz_loadu_ps(m, b + i) : vb;
        store_bf16(y + i, m, bin_op(op, u, v));
    }
}

static void bin_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct bin_state *s = nd->prepared;
    const float *a = nd->in[0]->data, *b = nd->in[1]->data;
    float *y = nd->out[0]->data;
    int64_t lo, hi;

    seer_split_range(s->rows, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        /* A broadcast row operand ([N,1,1,C]) moves to the next image's row once every
         * rows_per_vec rows; a full operand moves every row. */
        int64_t ra = s->a_row ? r * s->a_row : (r / s->rows_per_vec) * s->cols * s->a_col;
        int64_t rb = s->b_row ? r * s->b_row : (r / s->rows_per_vec) * s->cols * s->b_col;
        if (s->bf16)
            bin_row_bf16(s->op, a + ra, s->a_col, b + rb, s->b_col,
                         (uint16_t *)nd->out[0]->data + r * s->cols, s->cols);
        else
            bin_row(s->op, a + ra, s->a_col, b + rb, s->b_col, y + r * s->cols, s->cols);
    }
}

/* Whether t is [N,1,...,1,C] against the output y [N,...,C] (N may be 1 or y's N). */
static bool is_channel_row(const struct seer_tensor *t, const struct seer_tensor *y)
{
    if (t->ndim != y->ndim || y->ndim < 2 || t->dims[t->ndim - 1] != y->dims[y->ndim - 1] ||
        t->dims[0] != y->dims[0])
        return false;
    for (int i = 1; i < t->ndim - 1; i++)
        if (t->dims[i] != 1)
            return false;
    return true;
}

int seer__x86_binary_prepare(const struct seer_node *nd, bool bf16_out, struct seer_fast *out)
{
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1], *y = nd->out[0];
    struct bin_state s = {0};

    s.bf16 = bf16_out;
    if (nd->n_in != 2 || !a || !b || a->dtype != SEER_DTYPE_F32 || b->dtype != SEER_DTYPE_F32 ||
        y->ndim < 1)
        return SEER_EUNSUPPORTED;
    switch (nd->op) {
    case SEER_OP_ADD: s.op = B_ADD; break;
    case SEER_OP_SUB: s.op = B_SUB; break;
    case SEER_OP_MUL: s.op = B_MUL; break;
    default: return SEER_EUNSUPPORTED;
    }
    int64_t n = seer_tensor_numel(y);
    bool a_full = seer_tensor_same_shape(a, y), b_full = seer_tensor_same_shape(b, y);
    if (n == 0)
        return SEER_EUNSUPPORTED;
    if (a_full && (b_full || seer_tensor_numel(b) == 1)) {
        /* Same shapes or a scalar: rows of 4096 so workers share the work evenly. */
        s.cols = n % 4096 == 0 ? 4096 : n < 4096 ? n : 1024;
        if (n % s.cols)
            s.cols = n;
        s.rows = n / s.cols;
        s.a_row = s.cols;
        s.a_col = 1;
        s.b_row = b_full ? s.cols : 0;
        s.b_col = b_full;
        s.rows_per_vec = s.rows;
    } else if (!a_full && seer_tensor_numel(a) == 1 && b_full) {
        s.cols = n % 4096 == 0 ? 4096 : n < 4096 ? n : 1024;
        if (n % s.cols)
            s.cols = n;
        s.rows = n / s.cols;
        s.b_row = s.cols;
        s.b_col = 1;
        s.rows_per_vec = s.rows;
    } else if ((a_full && is_channel_row(b, y)) || (b_full && is_channel_row(a, y))) {
        s.cols = y->dims[y->ndim - 1];
        s.rows = n / s.cols;
        s.rows_per_vec = s.rows / y->dims[0];
        s.a_row = a_full ? s.cols : 0;
        s.b_row = b_full ? s.cols : 0;
        s.a_col = s.b_col = 1;
    } else {
        return SEER_EUNSUPPORTED;
    }
    struct bin_state *st = seer_malloc(sizeof(*st));
    if (!st)
        return SEER_ENOMEM;
    *st = s;
    out->fn = bin_run;
    out->state = st;
    out->free = seer_free;
    out->threads_inside = false;
    return SEER_OK;
}

/* ---- unary ---- */

struct un_state {
    enum seer_op op;
    float alpha;
};

static inline __m512 relu6_v(__m512 x)
{
    /* max(x, 0) gives 0 for NaN and -0 (it returns its second operand then), as the
     * reference's x > 0 ? ... : 0 does; min(., 6) then caps. */
    return _mm512_min_ps(_mm512_max_ps(x, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
}

static inline __m512 un_op(const struct un_state *s, __m512 x)
{
    switch (s->op) {
    case SEER_OP_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    case SEER_OP_RELU6: return relu6_v(x);
    case SEER_OP_LEAKY_RELU: {
        __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(x, neg, x, _mm512_set1_ps(s->alpha));
    }
    default: { /* HardSwish: x * relu6(x + 3) / 6, in that order */
        __m512 t = relu6_v(_mm512_add_ps(x, _mm512_set1_ps(3.0f)));
        return _mm512_div_ps(_mm512_mul_ps(x, t), _mm512_set1_ps(6.0f));
    }
    }
}

static void un_span(const struct un_state *s, const float *x, float *y, int64_t n)
{
    int64_t i = 0;

    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, un_op(s, _mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, un_op(s, _mm512_maskz_loadu_ps(m, x + i)));
    }
}

static void un_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    int64_t lo, hi, n = seer_tensor_numel(nd->out[0]);

    /* Slices of whole 64-byte lines so two workers never write the same line. */
    seer_split_range((n + 15) / 16, k->ith, k->nth, &lo, &hi);
    lo *= 16;
    hi = hi * 16 < n ? hi * 16 : n;
    if (lo < hi)
        un_span(nd->prepared, (const float *)nd->in[0]->data + lo, (float *)nd->out[0]->data + lo,
                hi - lo);
}

int seer__x86_unary_prepare(const struct seer_node *nd, struct seer_fast *out)
{
    if (nd->n_in != 1 || nd->in[0]->dtype != SEER_DTYPE_F32)
        return SEER_EUNSUPPORTED;
    switch (nd->op) {
    case SEER_OP_RELU:
    case SEER_OP_RELU6:
    case SEER_OP_LEAKY_RELU:
    case SEER_OP_HARD_SWISH: break;
    default: return SEER_EUNSUPPORTED;
    }
    struct un_state *s = seer_malloc(sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->op = nd->op;
    s->alpha = nd->a.alpha;
    out->fn = un_run;
    out->state = s;
    out->free = seer_free;
    out->threads_inside = false;
    return SEER_OK;
}

/* ---- ConcatV2 on the last axis ---- */

struct cat_state {
    int64_t rows, total;
    int n;
    bool relu;        /* a fused Relu (graph/fuse_ew.c) */
    bool bf16;        /* store bf16 */
    int64_t widths[]; /* per input */
};

__attribute__((target("avx512bf16"))) static void cat_row_bf16(const float *x, uint16_t *y,
                                                               int64_t n, bool relu)
{
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        store_bf16(y + i, m, relu ? _mm512_max_ps(v, _mm512_setzero_ps()) : v);
    }
}

static void cat_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct cat_state *s = nd->prepared;
    static const struct un_state relu = {SEER_OP_RELU, 0};
    float *y = nd->out[0]->data;
    int64_t lo, hi;

    seer_split_range(s->rows, k->ith, k->nth, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        float *yr = y + r * s->total;
        uint16_t *yb = (uint16_t *)nd->out[0]->data + r * s->total;
        for (int i = 0; i < s->n; i++) {
            const float *x = (const float *)nd->in[i]->data + r * s->widths[i];
            if (s->bf16) {
                cat_row_bf16(x, yb, s->widths[i], s->relu);
                yb += s->widths[i];
                continue;
            }
            if (s->relu)
                un_span(&relu, x, yr, s->widths[i]);
            else
                memcpy(yr, x, (size_t)s->widths[i] * sizeof(float));
            yr += s->widths[i];
        }
    }
}

int seer__x86_concat_prepare(const struct seer_node *nd, bool relu, bool bf16_out,
                             struct seer_fast *out)
{
    const struct seer_tensor *y = nd->out[0];
    int axis = nd->a.axis < 0 ? nd->a.axis + y->ndim : nd->a.axis;

    if (y->dtype != SEER_DTYPE_F32 || y->ndim < 1 || axis != y->ndim - 1 || nd->n_in < 1 ||
        nd->n_in > 4096)
        return SEER_EUNSUPPORTED;
    for (int i = 0; i < nd->n_in; i++)
        if (!nd->in[i] || nd->in[i]->dtype != SEER_DTYPE_F32)
            return SEER_EUNSUPPORTED;
    struct cat_state *s = seer_malloc(sizeof(*s) + (size_t)nd->n_in * sizeof(int64_t));
    if (!s)
        return SEER_ENOMEM;
    s->total = y->dims[axis];
    s->rows = s->total ? seer_tensor_numel(y) / s->total : 0;
    s->n = nd->n_in;
    s->relu = relu;
    s->bf16 = bf16_out;
    for (int i = 0; i < nd->n_in; i++)
        s->widths[i] = nd->in[i]->dims[axis];
    out->fn = cat_run;
    out->state = s;
    out->free = seer_free;
    out->threads_inside = false;
    return SEER_OK;
}

bool seer__x86_can_store_bf16(const struct seer_fast *f)
{
    return f->fn == bin_run || f->fn == cat_run;
}

int seer__x86_store_bf16(const struct seer_node *nd, struct seer_fast *f)
{
    if (f->fn == bin_run)
        ((struct bin_state *)f->state)->bf16 = true;
    else if (f->fn == cat_run)
        ((struct cat_state *)f->state)->bf16 = true;
    else
        return SEER_EUNSUPPORTED;
    (void)nd;
    return SEER_OK;
}
