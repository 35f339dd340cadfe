/*
 * Helpers for the convolution-family kernel tests (test_kernels_conv.c,
 * test_kernels_pool.c): a small deterministic random generator, one-node graphs with
 * float inputs whose data the test owns, running a node's shape function and reference
 * kernel, and the nth = 2..8 versus nth = 1 bit-for-bit check. Buffers returned by
 * rnd_buf and run1 are the caller's to seer_free.
 */
#ifndef SEER_TESTS_KCONV_H
#define SEER_TESTS_KCONV_H

#include <stdint.h>

#include <seer/graph.h>

#include "core/alloc.h"
#include "kernels/kernel.h"
#include "t.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static inline uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static inline int rnd_int(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static inline float rnd_f(void)
{
    return (float)(rnd() % 2001) / 1000.0f - 1.0f;
}

static inline float *rnd_buf(int64_t n)
{
    float *p = seer_malloc((size_t)(n ? n : 1) * sizeof(*p));
    for (int64_t i = 0; i < n; i++)
        p[i] = rnd_f();
    return p;
}

static inline struct seer_value *f32_input(struct seer_graph *g, const char *name, int ndim,
                                           const int64_t *dims, float *data)
{
    struct seer_value *v = seer_graph_add_input(g, name, SEER_DTYPE_F32, ndim, dims);
    if (v)
        v->t.data = data;
    return v;
}

static inline struct seer_value *f32_const(struct seer_graph *g, const char *name, int ndim,
                                           const int64_t *dims, const float *data)
{
    return seer_graph_add_const(g, name, SEER_DTYPE_F32, ndim, dims, data, true);
}

static inline struct seer_node *add_node(struct seer_graph *g, enum seer_op op, int n_in,
                                         struct seer_value **in)
{
    return seer_graph_add_node(g, op, "n", n_in, in, 1);
}

static inline int shape(struct seer_node *nd, struct seer_err *err)
{
    const struct seer_op_info *oi = seer_op_info(nd->op);
    err->msg[0] = '\0';
    return oi ? oi->shape(nd, err) : SEER_EUNSUPPORTED;
}

static inline size_t out_bytes(const struct seer_node *nd)
{
    size_t n = 0;
    seer_tensor_nbytes(nd->out[0], &n);
    return n;
}

/* Runs the reference kernel as nth workers, one after the other. */
static inline void run_nth(const struct seer_node *nd, int nth)
{
    const struct seer_op_info *oi = seer_op_info(nd->op);
    for (int i = 0; i < nth; i++) {
        struct seer_kctx k = {i, nth, NULL, 0};
        oi->ref(&k, nd);
    }
}

/* Shape, allocate the output (filled with NaN bytes so unwritten elements show), run
 * with one worker. Returns the output (caller frees) or NULL when shape failed. */
static inline void *run1(struct seer_node *nd, struct seer_err *err, int *rc)
{
    *rc = shape(nd, err);
    if (*rc)
        return NULL;
    size_t n = out_bytes(nd);
    void *y = seer_malloc(n ? n : 1);
    memset(y, 0xff, n);
    nd->out[0]->data = y;
    run_nth(nd, 1);
    return y;
}

/* True when nth = 2..8 workers give the nth = 1 output bit for bit. */
static inline bool nth_invariant(struct seer_node *nd)
{
    size_t n = out_bytes(nd);
    void *y1 = nd->out[0]->data, *yk = seer_malloc(n ? n : 1);
    bool same = true;

    for (int nth = 2; nth <= 8 && same; nth++) {
        memset(yk, 0xff, n);
        nd->out[0]->data = yk;
        run_nth(nd, nth);
        same = memcmp(y1, yk, n) == 0;
    }
    nd->out[0]->data = y1;
    seer_free(yk);
    return same;
}

#define ASSERT_VALUES(y, want, n, tol)                                                             \
    do {                                                                                           \
        for (int i_ = 0; i_ < (int)(n); i_++)                                                      \
            if (!(fabs((double)(y)[i_] - (double)(want)[i_]) <= (tol)))                            \
                T_FAILF("element %d: got %.7g, want %.7g", i_, (double)(y)[i_],                    \
                        (double)(want)[i_]);                                                       \
    } while (0)

#endif /* SEER_TESTS_KCONV_H */
