/*
 * The exact graph rewrites of seer_graph_prepare (graph/passes.h): transpose sinking and
 * folds into convolutions. Each case builds the same graph twice, prepares one copy with
 * the passes and one without, runs both on the reference kernels with the same random
 * inputs and requires every output to be equal (==, so only the sign of a zero may
 * differ), and checks what the passes left (how many Transposes, Pads, Adds).
 */
#include <math.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "graph/passes.h"
#include "import/import.h"
#include "shared.h"
#include "t.h"

static uint32_t rng = 7;

static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* ---- a small graph builder ---- */

typedef struct seer_value V;

static V *cf(struct seer_graph *g, int ndim, const int64_t *dims)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= dims[i];
    float *d = seer_calloc((size_t)n, sizeof(float));
    for (int64_t i = 0; i < n; i++)
        d[i] = frand();
    V *v = seer_graph_add_const(g, "c", SEER_DTYPE_F32, ndim, dims, d, true);
    seer_free(d);
    return v;
}

static V *scalar(struct seer_graph *g, float x)
{
    return seer_graph_add_const(g, "s", SEER_DTYPE_F32, 0, NULL, &x, true);
}

static V *ints(struct seer_graph *g, int n, const int32_t *v)
{
    int64_t d[1] = {n};
    return seer_graph_add_const(g, "i", SEER_DTYPE_I32, 1, d, v, true);
}

static struct seer_node *node(struct seer_graph *g, enum seer_op op, int n_in, V **in, int n_out)
{
    return seer_graph_add_node(g, op, "n", n_in, in, n_out);
}

static V *out0(struct seer_node *nd)
{
    return seer_value_of(nd->out[0]);
}

static V *un(struct seer_graph *g, enum seer_op op, V *x)
{
    return out0(node(g, op, 1, (V *[]){x}, 1));
}

static V *bin(struct seer_graph *g, enum seer_op op, V *a, V *b)
{
    return out0(node(g, op, 2, (V *[]){a, b}, 1));
}

static V *tr(struct seer_graph *g, V *x, int r, const int32_t *perm)
{
    return bin(g, SEER_OP_TRANSPOSE, x, ints(g, r, perm));
}

static const int32_t TO_NHWC[] = {0, 2, 3, 1}, TO_NCHW[] = {0, 3, 1, 2};

static V *pad(struct seer_graph *g, V *x, const int32_t *p8, const float *value)
{
    int64_t d[2] = {4, 2};
    V *pv = seer_graph_add_const(g, "p", SEER_DTYPE_I32, 2, d, p8, true);
    if (!value)
        return bin(g, SEER_OP_PAD, x, pv);
    return out0(node(g, SEER_OP_PAD, 3, (V *[]){x, pv, scalar(g, *value)}, 1));
}

/* NCHW in, NCHW out: Transpose, VALID conv, Add of a bias vector, Transpose back. */
static V *nchw_conv(struct seer_graph *g, V *x, int64_t ci, int64_t co, int k, int stride)
{
    int64_t wd[] = {k, k, ci, co}, bd[] = {co};
    struct seer_node *c =
        node(g, SEER_OP_CONV2D, 2, (V *[]){tr(g, x, 4, TO_NHWC), cf(g, 4, wd)}, 1);
    c->a.stride[0] = c->a.stride[1] = stride;
    c->a.padding = SEER_PAD_VALID;
    return tr(g, bin(g, SEER_OP_ADD, out0(c), cf(g, 1, bd)), 4, TO_NCHW);
}

/* ---- running ---- */

typedef void (*build_fn)(struct seer_graph *g);

static int count_op(const struct seer_graph *g, enum seer_op op)
{
    int n = 0;
    for (int j = 0; j < g->n_nodes; j++)
        n += g->nodes[j]->op == op;
    return n;
}

/* Prints the nodes of g (when a count is off, to show what is left). */
static void dump(const struct seer_graph *g)
{
    for (int j = 0; j < g->n_nodes; j++) {
        char b[96];
        printf("    %3d %-16s %s <-", j, seer_op_name(g->nodes[j]->op),
               seer_tensor_shape_str(g->nodes[j]->out[0], b, sizeof(b)));
        for (int i = 0; i < g->nodes[j]->n_in; i++) {
            const struct seer_value *v =
                g->nodes[j]->in[i] ? seer_value_of(g->nodes[j]->in[i]) : NULL;
            printf(" %s", !v                            ? "-"
                          : v->producer                 ? seer_op_name(v->producer->op)
                          : v->kind == SEER_VALUE_CONST ? "const"
                                                        : "input");
        }
        printf("\n");
    }
}

/* Builds the graph twice (same seed), prepares with and without the passes, runs both
 * on reference kernels; returns the number of unequal output elements (-1 on error) and
 * leaves the rewritten graph in *kept for inspection. */
static int64_t compare(build_fn build, struct seer_graph **kept)
{
    struct seer_graph *g[2] = {seer_graph_new(), seer_graph_new()};
    struct seer_plan *p[2] = {NULL, NULL};
    struct seer_err err = {{0}};
    int64_t bad = -1;

    for (int k = 0; k < 2; k++) {
        rng = 7;
        build(g[k]);
        if (seer__graph_prepare(g[k], k ? SEER_PASS_ALL : 0, &err) ||
            seer_plan_new(g[k], &(struct seer_plan_opts){1, 0, true}, &p[k], &err)) {
            printf("    %s\n", err.msg);
            goto out;
        }
    }
    if (g[0]->n_inputs != g[1]->n_inputs || g[0]->n_outputs != g[1]->n_outputs)
        goto out;
    rng = 99;
    for (int i = 0; i < g[0]->n_inputs; i++) {
        struct seer_tensor *a = seer_plan_input(p[0], i), *b = seer_plan_input(p[1], i);
        if (!seer_tensor_same_shape(a, b))
            goto out;
        for (int64_t e = 0; e < seer_tensor_numel(a); e++)
            ((float *)a->data)[e] = ((float *)b->data)[e] = 3 * frand();
    }
    if (seer_plan_run(p[0], &err) || seer_plan_run(p[1], &err))
        goto out;
    bad = 0;
    for (int o = 0; o < g[0]->n_outputs; o++) {
        const struct seer_tensor *a = seer_plan_output(p[0], o), *b = seer_plan_output(p[1], o);
        if (!seer_tensor_same_shape(a, b) || a->dtype != b->dtype ||
            strcmp(g[0]->outputs[o]->name, g[1]->outputs[o]->name)) {
            bad = -1;
            goto out;
        }
        size_t es = seer_dtype_size(a->dtype);
        for (int64_t e = 0; e < seer_tensor_numel(a); e++) {
            if (a->dtype == SEER_DTYPE_F32) {
                float u = ((float *)a->data)[e], v = ((float *)b->data)[e];
                bad += !(u == v || (isnan(u) && isnan(v)));
            } else {
                bad += memcmp((char *)a->data + e * es, (char *)b->data + e * es, es) != 0;
            }
        }
    }
out:
    seer_plan_free(p[0]);
    seer_plan_free(p[1]);
    seer_graph_free(g[0]);
    *kept = g[1];
    return bad;
}

/* ---- cases ---- */

/* NanoDet's shape: an NCHW image padded, then convolutions each wrapped in Transposes,
 * LeakyRelu and Pads in NCHW, a Concat on channels, a -inf Pad before MaxPool, and a
 * head that splits channels, reshapes and transposes to [1, H*W, C]. */
static void build_nanodet_like(struct seer_graph *g)
{
    static const int32_t p1[] = {0, 0, 0, 0, 1, 1, 1, 1}, p2[] = {0, 0, 0, 0, 2, 0, 0, 2};
    int64_t xd[] = {1, 3, 17, 15};
    float ninf = -INFINITY;
    V *x = seer_graph_add_input(g, "image", SEER_DTYPE_F32, 4, xd);
    V *a = nchw_conv(g, pad(g, x, p1, NULL), 3, 8, 3, 2);
    struct seer_node *lr = node(g, SEER_OP_LEAKY_RELU, 1, (V *[]){a}, 1);
    lr->a.alpha = 0.1f;
    a = out0(lr);
    V *m = pad(g, a, p1, &ninf);
    struct seer_node *mp = node(g, SEER_OP_MAXPOOL, 1, (V *[]){tr(g, m, 4, TO_NHWC)}, 1);
    mp->a.ksize[0] = mp->a.ksize[1] = 3;
    mp->a.stride[0] = mp->a.stride[1] = 1;
    V *b = tr(g, out0(mp), 4, TO_NCHW);
    V *c = un(g, SEER_OP_RELU, nchw_conv(g, pad(g, b, p2, NULL), 8, 6, 3, 1));
    struct seer_node *cat = node(g, SEER_OP_CONCAT, 2, (V *[]){c, b}, 1);
    cat->a.axis = 1;
    V *h = nchw_conv(g, out0(cat), 14, 10, 1, 1);
    V *k = bin(g, SEER_OP_MUL, h, scalar(g, 0.5f));
    int32_t sizes[] = {6, 4}, ax = 1;
    struct seer_node *sp =
        node(g, SEER_OP_SPLITV, 3,
             (V *[]){k, ints(g, 2, sizes),
                     seer_graph_add_const(g, "ax", SEER_DTYPE_I32, 0, NULL, &ax, true)},
             2);
    static const int32_t flat[] = {1, 6, -1}, flat2[] = {1, 4, -1}, swap[] = {0, 2, 1};
    V *s0 = un(g, SEER_OP_SIGMOID, out0(sp));
    V *r0 = tr(g, bin(g, SEER_OP_RESHAPE, s0, ints(g, 3, flat)), 3, swap);
    V *r1 = tr(g, bin(g, SEER_OP_RESHAPE, seer_value_of(sp->out[1]), ints(g, 3, flat2)), 3, swap);
    seer_graph_mark_output(g, un(g, SEER_OP_IDENTITY, r0));
    seer_graph_mark_output(g, un(g, SEER_OP_IDENTITY, r1));
    seer_graph_mark_output(g, c); /* an NCHW value that is also an output */
}

TEST(nanodet_like_graph_runs_nhwc_end_to_end)
{
    struct seer_graph *g = NULL;
    int64_t bad = compare(build_nanodet_like, &g);
    ASSERT(g);
    if (bad) {
        seer_graph_free(g);
        T_FAILF("%lld outputs differ (or shapes, names; -1)", (long long)bad);
    }
    /* Left: the image's Transpose, and one to keep the NCHW output c in NCHW. */
    int n_tr = count_op(g, SEER_OP_TRANSPOSE), n_pad = count_op(g, SEER_OP_PAD);
    int n_add = count_op(g, SEER_OP_ADD);
    bool first =
        g->nodes[0]->op == SEER_OP_TRANSPOSE && seer_value_of(g->nodes[0]->in[0]) == g->inputs[0];
    if (n_tr != 2)
        dump(g);
    seer_graph_free(g);
    ASSERT_EQ(n_tr, 2);
    ASSERT(first);
    ASSERT_EQ(n_pad, 0);
    ASSERT_EQ(n_add, 0);
}

/* Elementwise ops with constant operands of every broadcast rank, between Transposes
 * that cancel. */
static void build_binary_consts(struct seer_graph *g)
{
    int64_t xd[] = {2, 5, 3, 4}, c4[] = {1, 4, 1, 1}, c3[] = {4, 1, 3}, c2[] = {5, 1};
    int64_t c1[] = {1};
    V *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
    V *y = tr(g, x, 4, TO_NCHW); /* [2,4,5,3] */
    y = bin(g, SEER_OP_MUL, y, cf(g, 4, c4));
    y = bin(g, SEER_OP_SUB, cf(g, 3, c3), y);
    y = bin(g, SEER_OP_MAXIMUM, y, cf(g, 2, c2));
    y = bin(g, SEER_OP_DIV, y, cf(g, 1, c1));
    y = un(g, SEER_OP_TANH, y);
    V *z = bin(g, SEER_OP_GREATER, y, scalar(g, 0.1f));
    seer_graph_mark_output(g, tr(g, y, 4, TO_NHWC));
    seer_graph_mark_output(g, tr(g, z, 4, TO_NHWC));
}

TEST(binary_ops_take_permuted_constants)
{
    struct seer_graph *g = NULL;
    int64_t bad = compare(build_binary_consts, &g);
    int n_tr = g ? count_op(g, SEER_OP_TRANSPOSE) : -1;
    seer_graph_free(g);
    ASSERT_EQ(bad, 0);
    ASSERT_EQ(n_tr, 0);
}

/* A Transpose read by a node that cannot take it (Mean over NCHW axes) stays; one that
 * two Transposes compose into a single one; one that only moves a size-1 dim becomes a
 * Reshape; a reshape that mixes dims the transpose separated is not moved. */
static void build_mixed(struct seer_graph *g)
{
    int64_t xd[] = {1, 6, 5, 4}, yd[] = {3, 4, 5};
    static const int32_t ax[] = {2, 3}, rev[] = {0, 3, 2, 1}, one[] = {1, 0, 2, 3};
    static const int32_t p021[] = {0, 2, 1}, to2[] = {3, 20}, to60[] = {60};
    V *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
    V *t = tr(g, x, 4, TO_NCHW);
    V *e = un(g, SEER_OP_EXP, t);
    struct seer_node *mean = node(g, SEER_OP_MEAN, 2, (V *[]){t, ints(g, 2, ax)}, 1);
    seer_graph_mark_output(g, out0(mean));
    seer_graph_mark_output(g, tr(g, tr(g, e, 4, rev), 4, TO_NHWC));
    seer_graph_mark_output(g, tr(g, un(g, SEER_OP_RELU, x), 4, one));
    V *y = seer_graph_add_input(g, "y", SEER_DTYPE_F32, 3, yd);
    V *u = un(g, SEER_OP_SIGMOID, tr(g, y, 3, p021)); /* [3,5,4] */
    seer_graph_mark_output(g, bin(g, SEER_OP_RESHAPE, u, ints(g, 2, to2)));
    seer_graph_mark_output(g, bin(g, SEER_OP_RESHAPE, u, ints(g, 1, to60)));
}

TEST(transposes_compose_stay_or_become_reshapes)
{
    struct seer_graph *g = NULL;
    int64_t bad = compare(build_mixed, &g);
    int n_tr = g ? count_op(g, SEER_OP_TRANSPOSE) : -1;
    seer_graph_free(g);
    ASSERT_EQ(bad, 0);
    /* x's Transpose (for Mean and Exp, moved past Exp into the composed one), the
     * composed pair, and y's Transpose for the reshapes. */
    ASSERT_EQ(n_tr, 3);
}

/* Reshapes after a Transpose on random shapes: merge and split groups, size-1 dims. */
static int64_t rs_in[4], rs_out[4];
static int rs_perm[4], rs_rank, rs_orank;

static void build_reshape(struct seer_graph *g)
{
    int32_t p[4], s[4];
    for (int i = 0; i < rs_rank; i++)
        p[i] = rs_perm[i];
    for (int i = 0; i < rs_orank; i++)
        s[i] = (int32_t)rs_out[i];
    V *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, rs_rank, rs_in);
    V *y = bin(g, SEER_OP_RESHAPE, un(g, SEER_OP_RELU, tr(g, x, rs_rank, p)), ints(g, rs_orank, s));
    seer_graph_mark_output(g, un(g, SEER_OP_IDENTITY, y));
}

TEST(reshape_after_transpose_on_random_shapes)
{
    static const int64_t sizes[] = {1, 2, 3, 4, 6};
    for (int it = 0; it < 200; it++) {
        rs_rank = 2 + it % 3;
        int64_t tdims[4], n = 1;
        for (int i = 0; i < rs_rank; i++) {
            rs_in[i] = sizes[(it * 7 + i * 3 + it / 5) % 5];
            rs_perm[i] = i;
        }
        for (int i = rs_rank - 1; i > 0; i--) { /* a permutation from the iteration */
            int j = (it * 13 + i * 5) % (i + 1), t = rs_perm[i];
            rs_perm[i] = rs_perm[j];
            rs_perm[j] = t;
        }
        for (int i = 0; i < rs_rank; i++) {
            tdims[i] = rs_in[rs_perm[i]];
            n *= tdims[i];
        }
        /* Output: merge a random run of neighbours, or split the first dim, or insert 1s. */
        int mode = it % 3, a = it % rs_rank;
        rs_orank = 0;
        for (int i = 0; i < rs_rank; i++) {
            if (mode == 0 && i == a + 1 && i < rs_rank)
                rs_out[rs_orank - 1] *= tdims[i];
            else
                rs_out[rs_orank++] = tdims[i];
        }
        if (mode == 1 && rs_out[0] % 2 == 0 && rs_orank < 4) {
            memmove(rs_out + 1, rs_out, sizeof(int64_t) * (size_t)rs_orank);
            rs_out[0] = 2;
            rs_out[1] /= 2;
            rs_orank++;
        } else if (mode == 2 && rs_orank < 4) {
            rs_out[rs_orank++] = 1;
        }
        struct seer_graph *g = NULL;
        int64_t bad = compare(build_reshape, &g);
        seer_graph_free(g);
        if (bad)
            T_FAILF("iteration %d (n=%lld): %lld differ", it, (long long)n, (long long)bad);
    }
}

/* Folds: a zero Pad into a strided depthwise conv (asymmetric), a zero Pad before an
 * explicitly padded conv, a -inf Pad into a MaxPool, a [1,1,1,C] bias Add, a SplitV of a
 * conv's channels; and what must not fold: a Pad of 1.0, a Pad read twice, a bias Add
 * after an activation. */
static void build_folds(struct seer_graph *g)
{
    static const int32_t pa[] = {0, 0, 2, 1, 0, 3, 0, 0}, pb[] = {0, 0, 1, 1, 1, 1, 0, 0};
    int64_t xd[] = {1, 11, 9, 5}, dw[] = {3, 3, 5, 2}, b4[] = {1, 1, 1, 10}, w1[] = {3, 3, 10, 7};
    int64_t b1[] = {7};
    float one = 1.0f, ninf = -INFINITY;
    V *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, xd);
    struct seer_node *d =
        node(g, SEER_OP_DEPTHWISE_CONV2D, 2, (V *[]){pad(g, x, pa, NULL), cf(g, 4, dw)}, 1);
    d->a.stride[0] = 2;
    d->a.stride[1] = 1;
    V *y = bin(g, SEER_OP_ADD, out0(d), cf(g, 4, b4));
    struct seer_node *c = node(g, SEER_OP_CONV2D, 2, (V *[]){pad(g, y, pb, NULL), cf(g, 4, w1)}, 1);
    c->a.padding = SEER_PAD_EXPLICIT;
    c->a.pads[0] = 1;
    c->a.pads[3] = 2;
    V *z = un(g, SEER_OP_RELU, bin(g, SEER_OP_ADD, cf(g, 1, b1), out0(c)));
    struct seer_node *mp = node(g, SEER_OP_MAXPOOL, 1, (V *[]){pad(g, z, pb, &ninf)}, 1);
    mp->a.ksize[0] = mp->a.ksize[1] = 2;
    mp->a.stride[0] = mp->a.stride[1] = 2;
    seer_graph_mark_output(g, out0(mp));
    /* must stay */
    struct seer_node *c2 =
        node(g, SEER_OP_CONV2D, 2, (V *[]){pad(g, z, pb, &one), cf(g, 4, w1 + 0)}, 1);
    (void)c2;
    int64_t w2[] = {1, 1, 7, 3};
    V *q = pad(g, z, pb, NULL);
    struct seer_node *c3 = node(g, SEER_OP_CONV2D, 2, (V *[]){q, cf(g, 4, w2)}, 1);
    c3->a.act = SEER_ACT_RELU;
    int64_t b3[] = {3};
    seer_graph_mark_output(g, bin(g, SEER_OP_ADD, out0(c3), cf(g, 1, b3)));
    seer_graph_mark_output(g, q);
    /* A conv (bias by Add) whose channels a SplitV cuts into 3 and the rest (4). */
    int64_t w4[] = {3, 3, 7, 7}, b4v[] = {7}, one1[] = {1};
    struct seer_node *c4 = node(g, SEER_OP_CONV2D, 2, (V *[]){z, cf(g, 4, w4)}, 1);
    c4->a.padding = SEER_PAD_SAME;
    static const int32_t sizes[] = {3, -1};
    int32_t ax = -1;
    struct seer_node *sp =
        node(g, SEER_OP_SPLITV, 3,
             (V *[]){bin(g, SEER_OP_ADD, out0(c4), cf(g, 1, b4v)), ints(g, 2, sizes),
                     seer_graph_add_const(g, "ax", SEER_DTYPE_I32, 1, one1, &ax, true)},
             2);
    seer_graph_mark_output(g, un(g, SEER_OP_SIGMOID, out0(sp)));
    seer_graph_mark_output(g, seer_value_of(sp->out[1]));
}

TEST(pads_and_biases_fold_into_convolutions_and_pools)
{
    struct seer_graph *g = NULL;
    int64_t bad = compare(build_folds, &g);
    int n_pad = g ? count_op(g, SEER_OP_PAD) : -1, n_add = g ? count_op(g, SEER_OP_ADD) : -1;
    int n_split = g ? count_op(g, SEER_OP_SPLITV) : -1;
    seer_graph_free(g);
    ASSERT_EQ(bad, 0);
    ASSERT_EQ(n_pad, 1); /* q: read by a conv and an output */
    ASSERT_EQ(n_add, 1); /* after a fused ReLU */
    ASSERT_EQ(n_split, 0);
}

/* The real NanoDet (converted from ONNX): 83 Transposes, 29 Pads and 38 Adds before;
 * after, one Transpose, the first op, on the NCHW input. */
TEST(nanodet_runs_nhwc_after_prepare)
{
    const char *dir = getenv("SEER_MODELS");
    char path[512];
    struct seer_graph *g = NULL;
    struct seer_err err = {{0}};

    snprintf(path, sizeof(path), "%s/nanodet/1/nanodet.json", dir && *dir ? dir : "models");
    if (!file_exists(path))
        T_SKIP("needs %s (run scripts/setup)", path);
    ASSERT_OK(seer_tfjs_import_file(path, NULL, &g, &err));
    ASSERT_OK(seer_graph_prepare(g, &err));
    int n_tr = count_op(g, SEER_OP_TRANSPOSE), n_pad = count_op(g, SEER_OP_PAD);
    bool first =
        g->nodes[0]->op == SEER_OP_TRANSPOSE && seer_value_of(g->nodes[0]->in[0]) == g->inputs[0];
    seer_graph_free(g);
    ASSERT_EQ(n_tr, 1);
    ASSERT(first);
    ASSERT_EQ(n_pad, 0);
}

T_MAIN(T_CASE(nanodet_like_graph_runs_nhwc_end_to_end), T_CASE(binary_ops_take_permuted_constants),
       T_CASE(transposes_compose_stay_or_become_reshapes),
       T_CASE(reshape_after_transpose_on_random_shapes),
       T_CASE(pads_and_biases_fold_into_convolutions_and_pools),
       T_CASE(nanodet_runs_nhwc_after_prepare))
