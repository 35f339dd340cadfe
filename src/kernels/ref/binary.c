/*
 * Reference elementwise binary ops with NumPy/TensorFlow broadcasting: Add, Sub, Mul,
 * RealDiv, FloorDiv, FloorMod, Maximum, Minimum, Equal, Less, Greater, GreaterEqual,
 * LessEqual, NotEqual and Pow (float32 only: powf, as TensorFlow's std::pow functor).
 *
 * The kernel coalesces the broadcast into as few dims as possible (dropping size-1 dims
 * and merging neighbours whose strides line up in both inputs), then walks the output in
 * runs along the innermost dim, where each input either advances by one element or stays
 * put (broadcast). That makes the hot cases cheap without separate code: same shapes are
 * one run, a scalar operand is one run with step 0, and a per-channel vector ([C] against
 * [N,H,W,C], MobileNetV3's Mul by constants) is runs of C.
 *
 * Integer semantics: Add/Sub/Mul wrap around (computed in unsigned arithmetic, as the
 * hardware does for TensorFlow, without C's signed-overflow UB). Integer division by zero
 * yields 0: TensorFlow reports an error there, but a kernel has no failure path, so we
 * define the result instead of trapping. INT_MIN / -1 wraps to INT_MIN.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/kernel.h"
#include "kernels/ref/args.h"

int seer_broadcast_shape(const struct seer_tensor *a, const struct seer_tensor *b,
                         struct seer_tensor *out, struct seer_err *err)
{
    int r = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t dims[SEER_MAX_DIMS];

    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->ndim), ib = i - (r - b->ndim);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da == db || db == 1) {
            dims[i] = da;
        } else if (da == 1) {
            dims[i] = db;
        } else {
            char sa[96], sb[96];
            return seer_errf(err, SEER_EFORMAT, "shapes %s and %s cannot broadcast",
                             seer_tensor_shape_str(a, sa, sizeof(sa)),
                             seer_tensor_shape_str(b, sb, sizeof(sb)));
        }
    }
    out->ndim = r;
    for (int i = 0; i < r; i++)
        out->dims[i] = dims[i];
    return SEER_OK;
}

/* One contiguous run: y[i] = a[i*sa] op b[i*sb] for i < n, with sa and sb 0 or 1. */
typedef void (*run_fn)(const void *a, int64_t sa, const void *b, int64_t sb, void *y, int64_t n);

/* Defines run function NAME computing EXPR from u (element of a) and v (element of b).
 * The four loops let the compiler vectorise each stepping pattern on its own. */
#define RUN(NAME, T, TY, EXPR)                                                                     \
    static void NAME(const void *pa, int64_t sa, const void *pb, int64_t sb, void *py, int64_t n)  \
    {                                                                                              \
        const T *a = pa, *b = pb;                                                                  \
        TY *y = py;                                                                                \
        if (sa && sb) {                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T u = a[i], v = b[i];                                                              \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        } else if (sa) {                                                                           \
            T v = b[0];                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T u = a[i];                                                                        \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        } else if (sb) {                                                                           \
            T u = a[0];                                                                            \
            for (int64_t i = 0; i < n; i++) {                                                      \
                T v = b[i];                                                                        \
                y[i] = (TY)(EXPR);                                                                 \
            }                                                                                      \
        } else {                                                                                   \
            T u = a[0], v = b[0];                                                                  \
            for (int64_t i = 0; i < n; i++)                                                        \
                y[i] = (TY)(EXPR);                                                                 \
        }                                                                                          \
    }

/* TensorFlow's float FloorMod: the remainder takes the sign of the divisor. */
static inline float fmod_floor(float u, float v)
{
    float r = fmodf(u, v);

    return r != 0.0f && ((r < 0.0f) != (v < 0.0f)) ? r + v : r;
}

/* Maximum and Minimum propagate NaN, as TensorFlow's Eigen functors do. */
static inline float fmax_nan(float u, float v)
{
    return isnan(u) ? u : isnan(v) ? v : u < v ? v : u;
}

static inline float fmin_nan(float u, float v)
{
    return isnan(u) ? u : isnan(v) ? v : v < u ? v : u;
}

RUN(f32_add, float, float, u + v)
RUN(f32_sub, float, float, u - v)
RUN(f32_mul, float, float, (u) * (v))
RUN(f32_div, float, float, u / v)
RUN(f32_floordiv, float, float, floorf(u / v))
RUN(f32_floormod, float, float, fmod_floor(u, v))
RUN(f32_max, float, float, fmax_nan(u, v))
RUN(f32_min, float, float, fmin_nan(u, v))
RUN(f32_eq, float, uint8_t, u == v)
RUN(f32_lt, float, uint8_t, u < v)
RUN(f32_gt, float, uint8_t, u > v)
RUN(f32_ge, float, uint8_t, u >= v)
RUN(f32_le, float, uint8_t, u <= v)
RUN(f32_ne, float, uint8_t, u != v)
RUN(f32_pow, float, float, powf(u, v))

/* Integer helpers for type T with unsigned twin UT. Division follows the header comment:
 * x / 0 is 0 and x / -1 is the wrapped negation (the one case where C's / overflows). */
#define INT_HELPERS(S, T, UT)                                                                      \
    static inline T S##_neg(T u)                                                                   \
    {                                                                                              \
        return (T)(UT)(0u - (UT)u);                                                                \
    }                                                                                              \
    static inline T S##_tdiv(T u, T v)                                                             \
    {                                                                                              \
        return v == 0 ? 0 : v == -1 ? S##_neg(u) : (T)(u / v);                                     \
    }                                                                                              \
    static inline T S##_fdiv(T u, T v)                                                             \
    {                                                                                              \
        if (v == 0)                                                                                \
            return 0;                                                                              \
        if (v == -1)                                                                               \
            return S##_neg(u);                                                                     \
        T q = (T)(u / v);                                                                          \
        return (u % v != 0 && ((u < 0) != (v < 0))) ? (T)(q - 1) : q;                              \
    }                                                                                              \
    static inline T S##_fmod(T u, T v)                                                             \
    {                                                                                              \
        if (v == 0 || v == -1)                                                                     \
            return 0;                                                                              \
        T r = (T)(u % v);                                                                          \
        return (r != 0 && ((r < 0) != (v < 0))) ? (T)(r + v) : r;                                  \
    }

INT_HELPERS(i32, int32_t, uint32_t)
INT_HELPERS(i64, int64_t, uint64_t)

#define INT_RUNS(S, T, UT)                                                                         \
    RUN(S##_add, T, T, (UT)u + (UT)v)                                                              \
    RUN(S##_sub, T, T, (UT)u - (UT)v)                                                              \
    RUN(S##_mul, T, T, (UT)(u) * (UT)(v))                                                          \
    RUN(S##_div, T, T, S##_tdiv(u, v))                                                             \
    RUN(S##_floordiv, T, T, S##_fdiv(u, v))                                                        \
    RUN(S##_floormod, T, T, S##_fmod(u, v))                                                        \
    RUN(S##_max, T, T, u < v ? v : u)                                                              \
    RUN(S##_min, T, T, v < u ? v : u)                                                              \
    RUN(S##_eq, T, uint8_t, u == v)                                                                \
    RUN(S##_lt, T, uint8_t, u < v)                                                                 \
    RUN(S##_gt, T, uint8_t, u > v)                                                                 \
    RUN(S##_ge, T, uint8_t, u >= v)                                                                \
    RUN(S##_le, T, uint8_t, u <= v)                                                                \
    RUN(S##_ne, T, uint8_t, u != v)

INT_RUNS(i32, int32_t, uint32_t)
INT_RUNS(i64, int64_t, uint64_t)

/* Comparisons on one-byte types (uint8, and bool for Equal). */
RUN(u8_eq, uint8_t, uint8_t, u == v)
RUN(u8_lt, uint8_t, uint8_t, u < v)
RUN(u8_gt, uint8_t, uint8_t, u > v)
RUN(u8_ge, uint8_t, uint8_t, u >= v)
RUN(u8_le, uint8_t, uint8_t, u <= v)
RUN(u8_ne, uint8_t, uint8_t, u != v)

enum { D_F32, D_I32, D_I64, D_U8, D_BOOL, N_D };

struct binop {
    enum seer_op op;
    bool compare;   /* output is bool */
    run_fn fn[N_D]; /* NULL: dtype not supported for this op */
};

static const struct binop binops[] = {
    {SEER_OP_ADD, false, {f32_add, i32_add, i64_add, NULL, NULL}},
    {SEER_OP_SUB, false, {f32_sub, i32_sub, i64_sub, NULL, NULL}},
    {SEER_OP_MUL, false, {f32_mul, i32_mul, i64_mul, NULL, NULL}},
    {SEER_OP_DIV, false, {f32_div, i32_div, i64_div, NULL, NULL}},
    {SEER_OP_FLOORDIV, false, {f32_floordiv, i32_floordiv, i64_floordiv, NULL, NULL}},
    {SEER_OP_FLOORMOD, false, {f32_floormod, i32_floormod, i64_floormod, NULL, NULL}},
    {SEER_OP_MAXIMUM, false, {f32_max, i32_max, i64_max, NULL, NULL}},
    {SEER_OP_MINIMUM, false, {f32_min, i32_min, i64_min, NULL, NULL}},
    {SEER_OP_EQUAL, true, {f32_eq, i32_eq, i64_eq, u8_eq, u8_eq}},
    {SEER_OP_LESS, true, {f32_lt, i32_lt, i64_lt, u8_lt, NULL}},
    {SEER_OP_GREATER, true, {f32_gt, i32_gt, i64_gt, u8_gt, NULL}},
    {SEER_OP_GREATER_EQUAL, true, {f32_ge, i32_ge, i64_ge, u8_ge, NULL}},
    {SEER_OP_LESS_EQUAL, true, {f32_le, i32_le, i64_le, u8_le, NULL}},
    {SEER_OP_NOT_EQUAL, true, {f32_ne, i32_ne, i64_ne, u8_ne, u8_ne}},
    {SEER_OP_POW, false, {f32_pow, NULL, NULL, NULL, NULL}},
};

static int dtype_slot(enum seer_dtype dt)
{
    switch (dt) {
    case SEER_DTYPE_F32: return D_F32;
    case SEER_DTYPE_I32: return D_I32;
    case SEER_DTYPE_I64: return D_I64;
    case SEER_DTYPE_U8: return D_U8;
    case SEER_DTYPE_BOOL: return D_BOOL;
    default: return -1;
    }
}

static const struct binop *find_binop(enum seer_op op)
{
    for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
        if (binops[i].op == op)
            return &binops[i];
    return NULL;
}

static int shape_binary(struct seer_node *nd, struct seer_err *err)
{
    const struct binop *bo = find_binop(nd->op);
    int rc = seer__check_arity(nd, 2, 2, 1, err);

    if (rc)
        return rc;
    if (!bo)
        return seer_errf(err, SEER_EINVAL, "not a binary op");
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1];
    if (a->dtype != b->dtype)
        return seer_errf(err, SEER_EFORMAT, "operand dtypes differ: %s and %s",
                         seer_dtype_name(a->dtype), seer_dtype_name(b->dtype));
    int slot = dtype_slot(a->dtype);
    if (slot < 0 || !bo->fn[slot])
        return seer_errf(err, SEER_EUNSUPPORTED, "dtype %s is not supported",
                         seer_dtype_name(a->dtype));
    struct seer_tensor *y = nd->out[0];
    rc = seer_broadcast_shape(a, b, y, err);
    if (rc)
        return rc;
    y->dtype = bo->compare ? SEER_DTYPE_BOOL : a->dtype;
    return SEER_OK;
}

/* The broadcast walk after coalescing: nd dims with per-input element strides (0 where
 * the input is broadcast). The innermost strides are 0 or 1. */
struct walk {
    int nd;
    int64_t dims[SEER_MAX_DIMS];
    int64_t sa[SEER_MAX_DIMS], sb[SEER_MAX_DIMS];
};

/* Input strides along the output's dims, 0 where t is broadcast (dim 1 or missing). */
static void bcast_strides(const struct seer_tensor *t, int r, int64_t *s)
{
    int64_t acc = 1;

    for (int i = r - 1; i >= 0; i--) {
        int it = i - (r - t->ndim);
        int64_t d = it >= 0 ? t->dims[it] : 1;
        s[i] = d == 1 ? 0 : acc;
        acc *= d;
    }
}

static void walk_init(struct walk *w, const struct seer_tensor *a, const struct seer_tensor *b,
                      const struct seer_tensor *y)
{
    int64_t sa[SEER_MAX_DIMS], sb[SEER_MAX_DIMS];
    int r = y->ndim;

    bcast_strides(a, r, sa);
    bcast_strides(b, r, sb);
    w->nd = 0;
    for (int i = 0; i < r; i++) {
        if (y->dims[i] == 1)
            continue;
        int k = w->nd - 1;
        /* Merge into the previous kept dim when both inputs keep walking contiguously
         * (or both stay broadcast) across the boundary. */
        if (k >= 0 && w->sa[k] == sa[i] * y->dims[i] && w->sb[k] == sb[i] * y->dims[i]) {
            w->dims[k] *= y->dims[i];
            w->sa[k] = sa[i];
            w->sb[k] = sb[i];
            continue;
        }
        w->dims[w->nd] = y->dims[i];
        w->sa[w->nd] = sa[i];
        w->sb[w->nd] = sb[i];
        w->nd++;
    }
    if (w->nd == 0) {
        w->nd = 1;
        w->dims[0] = 1;
        w->sa[0] = w->sb[0] = 0;
    }
}

static void kref_binary(const struct seer_kctx *k, const struct seer_node *nd)
{
    const struct seer_tensor *a = nd->in[0], *b = nd->in[1];
    const struct seer_tensor *y = nd->out[0];
    const struct binop *bo = find_binop(nd->op);
    run_fn fn = bo->fn[dtype_slot(a->dtype)];
    size_t ea = seer_dtype_size(a->dtype), ey = seer_dtype_size(y->dtype);
    struct walk w;
    int64_t lo, hi, idx[SEER_MAX_DIMS];

    seer_split_range(seer_tensor_numel(y), k->ith, k->nth, &lo, &hi);
    if (hi <= lo)
        return;
    walk_init(&w, a, b, y);

    /* Unravel lo into the walk's index and both input offsets. */
    int64_t rem = lo, oa = 0, ob = 0;
    for (int i = w.nd - 1; i >= 0; i--) {
        idx[i] = rem % w.dims[i];
        rem /= w.dims[i];
        oa += idx[i] * w.sa[i];
        ob += idx[i] * w.sb[i];
    }
    int last = w.nd - 1;
    const char *pa = a->data, *pb = b->data;
    char *py = y->data;
    for (int64_t pos = lo; pos < hi;) {
        int64_t len = w.dims[last] - idx[last];
        if (len > hi - pos)
            len = hi - pos;
        fn(pa + (size_t)oa * ea, w.sa[last], pb + (size_t)ob * ea, w.sb[last],
           py + (size_t)pos * ey, len);
        pos += len;
        idx[last] += len;
        oa += len * w.sa[last];
        ob += len * w.sb[last];
        /* Carry into the outer dims when a run reaches the end of its row. */
        for (int i = last; i > 0 && idx[i] == w.dims[i]; i--) {
            oa -= w.dims[i] * w.sa[i];
            ob -= w.dims[i] * w.sb[i];
            idx[i] = 0;
            idx[i - 1]++;
            oa += w.sa[i - 1];
            ob += w.sb[i - 1];
        }
    }
}

#define BINARY_OP(f)                                                                               \
    int seer_shape_##f(struct seer_node *nd, struct seer_err *err)                                 \
    {                                                                                              \
        return shape_binary(nd, err);                                                              \
    }                                                                                              \
    void seer_kref_##f(const struct seer_kctx *k, const struct seer_node *nd)                      \
    {                                                                                              \
        kref_binary(k, nd);                                                                        \
    }

BINARY_OP(add)
BINARY_OP(sub)
BINARY_OP(mul)
BINARY_OP(div)
BINARY_OP(floordiv)
BINARY_OP(floormod)
BINARY_OP(maximum)
BINARY_OP(minimum)
BINARY_OP(equal)
BINARY_OP(less)
BINARY_OP(greater)
BINARY_OP(greater_equal)
BINARY_OP(less_equal)
BINARY_OP(not_equal)
BINARY_OP(pow)
