/*
 * Test harness for single-op kernel tests (test_kernels_ops.c, test_kernels_index.c):
 * build a one-node graph from constants, run the op's shape function, give each output a
 * buffer in the graph's arena, run the reference kernel with nth = 1 and then with every
 * nth in 2..8 (each ith in turn, on an output pre-filled with garbage), and check that
 * every run wrote the same bytes. The graph owns everything; free it with
 * seer_graph_free.
 */
#ifndef SEER_TESTS_KOPS_H
#define SEER_TESTS_KOPS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seer/graph.h>

#include "core/arena.h"
#include "kernels/kernel.h"
#include "t.h"

#define DIMS(...)       ((const int64_t[]){__VA_ARGS__})
#define K_COUNT(T, ...) (sizeof((const T[]){__VA_ARGS__}) / sizeof(T))

/* A constant of n values; aborts on a count that does not match the shape (a bug in the
 * test itself) or out of memory. */
static inline struct seer_value *k_const(struct seer_graph *g, enum seer_dtype dt, int ndim,
                                         const int64_t *dims, const void *data, size_t n)
{
    struct seer_tensor t = {0};

    seer_tensor_set_shape(&t, dt, ndim, dims);
    if ((size_t)seer_tensor_numel(&t) != n) {
        fprintf(stderr, "k_const: %zu values for %lld elements\n", n,
                (long long)seer_tensor_numel(&t));
        abort();
    }
    struct seer_value *v = seer_graph_add_const(g, "c", dt, ndim, dims, data, true);
    if (!v)
        abort();
    return v;
}

#define CF32(g, nd, dims, ...)                                                                     \
    k_const(g, SEER_DTYPE_F32, nd, dims, (const float[]){__VA_ARGS__}, K_COUNT(float, __VA_ARGS__))
#define CI32(g, nd, dims, ...)                                                                     \
    k_const(g, SEER_DTYPE_I32, nd, dims, (const int32_t[]){__VA_ARGS__},                           \
            K_COUNT(int32_t, __VA_ARGS__))
#define CI64(g, nd, dims, ...)                                                                     \
    k_const(g, SEER_DTYPE_I64, nd, dims, (const int64_t[]){__VA_ARGS__},                           \
            K_COUNT(int64_t, __VA_ARGS__))
#define CU8(g, nd, dims, ...)                                                                      \
    k_const(g, SEER_DTYPE_U8, nd, dims, (const uint8_t[]){__VA_ARGS__},                            \
            K_COUNT(uint8_t, __VA_ARGS__))
/* Shape-only inputs (no data): for "must be constant" errors. */
#define INPUT(g, dt, nd, dims) seer_graph_add_input(g, "in", dt, nd, dims)

/* A node with the given inputs and n_out outputs. */
#define NODE(g, op, n_out, ...)                                                                    \
    seer_graph_add_node(g, op, "n", (int)K_COUNT(struct seer_value *, __VA_ARGS__),                \
                        (struct seer_value *const[]){__VA_ARGS__}, n_out)

/* Arange 0, 1, 2, ... into a new float constant of the given shape. */
static inline struct seer_value *k_arange_f32(struct seer_graph *g, int ndim, const int64_t *dims)
{
    struct seer_tensor t = {0};

    seer_tensor_set_shape(&t, SEER_DTYPE_F32, ndim, dims);
    int64_t n = seer_tensor_numel(&t);
    float *p = seer_arena_array(g->arena, (size_t)(n ? n : 1), sizeof(float));
    if (!p)
        abort();
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)i;
    return k_const(g, SEER_DTYPE_F32, ndim, dims, p, (size_t)n);
}

/* Runs the shape function, then the kernel as the header comment says. Returns the
 * shape function's status (or -100 when the op has no kernel); *same tells whether every
 * nth gave the same bytes. */
static inline int k_run(struct seer_graph *g, struct seer_node *nd, struct seer_err *err,
                        bool *same)
{
    const struct seer_op_info *info = seer_op_info(nd->op);
    void *ref[8];
    size_t nbytes[8];

    *same = false;
    if (!info)
        return -100;
    int rc = info->shape(nd, err);
    if (rc)
        return rc;
    if (nd->n_out > 8)
        abort();
    for (int o = 0; o < nd->n_out; o++) {
        if (!seer_tensor_nbytes(nd->out[o], &nbytes[o]))
            abort();
        nd->out[o]->data = seer_arena_alloc(g->arena, nbytes[o] + 1);
        ref[o] = seer_arena_alloc(g->arena, nbytes[o] + 1);
        if (!nd->out[o]->data || !ref[o])
            abort();
    }
    *same = true;
    for (int nth = 1; nth <= 8; nth++) {
        for (int o = 0; o < nd->n_out; o++)
            memset(nd->out[o]->data, 0xa5, nbytes[o]);
        for (int ith = 0; ith < nth; ith++) {
            struct seer_kctx k = {ith, nth, NULL, 0};
            info->ref(&k, nd);
        }
        for (int o = 0; o < nd->n_out; o++) {
            if (nth == 1)
                memcpy(ref[o], nd->out[o]->data, nbytes[o]);
            else if (memcmp(ref[o], nd->out[o]->data, nbytes[o]))
                *same = false;
        }
    }
    return SEER_OK;
}

/* Runs nd and fails the test unless the shape function succeeds and every nth agrees. */
#define RUN_OK(g, nd)                                                                              \
    do {                                                                                           \
        struct seer_err e_ = {{0}};                                                                \
        bool same_;                                                                                \
        ASSERT(nd);                                                                                \
        int rc_ = k_run(g, nd, &e_, &same_);                                                       \
        if (rc_)                                                                                   \
            T_FAILF("shape function failed: %d %s", rc_, e_.msg);                                  \
        if (!same_)                                                                                \
            T_FAILF("kernel results differ between nth = 1 and nth = 2..8");                       \
    } while (0)

/* Runs nd's shape function and expects status rc with a message containing sub. */
#define ASSERT_SHAPE_ERR(nd, rc, sub)                                                              \
    do {                                                                                           \
        struct seer_err e_ = {{0}};                                                                \
        ASSERT(nd);                                                                                \
        const struct seer_op_info *i_ = seer_op_info((nd)->op);                                    \
        ASSERT(i_);                                                                                \
        int rc_ = i_->shape(nd, &e_);                                                              \
        if (rc_ != (rc))                                                                           \
            T_FAILF("status %d, want %d (%s)", rc_, (int)(rc), e_.msg);                            \
        if (!strstr(e_.msg, sub))                                                                  \
            T_FAILF("message \"%s\" lacks \"%s\"", e_.msg, sub);                                   \
    } while (0)

/* Checks a tensor's dtype and dims. */
#define ASSERT_DIMS(t, dt, ...)                                                                    \
    do {                                                                                           \
        const int64_t want_[] = {__VA_ARGS__};                                                     \
        int wn_ = (int)(sizeof(want_) / sizeof(want_[0]));                                         \
        char s_[96];                                                                               \
        ASSERT_EQ((t)->dtype, dt);                                                                 \
        if ((t)->ndim != wn_)                                                                      \
            T_FAILF("shape %s, want rank %d", seer_tensor_shape_str(t, s_, sizeof(s_)), wn_);      \
        for (int d_ = 0; d_ < wn_; d_++)                                                           \
            if ((t)->dims[d_] != want_[d_])                                                        \
                T_FAILF("shape %s differs at dim %d", seer_tensor_shape_str(t, s_, 96), d_);       \
    } while (0)

/* A scalar output: the rank must be 0 (ASSERT_DIMS needs at least one dim). */
#define ASSERT_SCALAR(t, dt)                                                                       \
    do {                                                                                           \
        ASSERT_EQ((t)->dtype, dt);                                                                 \
        ASSERT_EQ((t)->ndim, 0);                                                                   \
    } while (0)

/* Checks every element of a float tensor against the listed values (NaN matches NaN). */
#define ASSERT_F32S(t, tol, ...)                                                                   \
    do {                                                                                           \
        const float want_[] = {__VA_ARGS__};                                                       \
        int64_t wn_ = (int64_t)(sizeof(want_) / sizeof(want_[0]));                                 \
        const float *got_ = (const float *)(t)->data;                                              \
        ASSERT_EQ(seer_tensor_numel(t), wn_);                                                      \
        for (int64_t i_ = 0; i_ < wn_; i_++) {                                                     \
            bool ok_ =                                                                             \
                isnan(want_[i_]) ? isnan(got_[i_]) : fabs((double)got_[i_] - want_[i_]) <= (tol);  \
            if (!ok_)                                                                              \
                T_FAILF("element %lld: got %.9g, want %.9g", (long long)i_, (double)got_[i_],      \
                        (double)want_[i_]);                                                        \
        }                                                                                          \
    } while (0)

/* Checks every element of an integer tensor of C type T exactly. */
#define ASSERT_INTS(t, T, ...)                                                                     \
    do {                                                                                           \
        const T want_[] = {__VA_ARGS__};                                                           \
        int64_t wn_ = (int64_t)(sizeof(want_) / sizeof(want_[0]));                                 \
        const T *got_ = (const T *)(t)->data;                                                      \
        ASSERT_EQ(seer_tensor_numel(t), wn_);                                                      \
        for (int64_t i_ = 0; i_ < wn_; i_++)                                                       \
            if (got_[i_] != want_[i_])                                                             \
                T_FAILF("element %lld: got %lld, want %lld", (long long)i_, (long long)got_[i_],   \
                        (long long)want_[i_]);                                                     \
    } while (0)

/* A small deterministic generator for random tests (xorshift64*). */
static uint64_t k_rng = 0x9e3779b97f4a7c15ull;

static inline uint32_t k_rand(void)
{
    k_rng ^= k_rng >> 12;
    k_rng ^= k_rng << 25;
    k_rng ^= k_rng >> 27;
    return (uint32_t)((k_rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [0, n). */
static inline int k_randn(int n)
{
    return (int)(k_rand() % (uint32_t)n);
}

#endif /* SEER_TESTS_KOPS_H */
