/*
 * The dataflow interpreter on small hand-built TF1 graphs, checked against values worked
 * out by hand: a counted while loop, a loop over TensorArrays (map_fn), a tf.cond with a
 * constant in each branch (a dead branch's constant must stay dead), data-dependent
 * shapes with inputs of any size, and the errors: a cycle that is no loop, values that
 * leave a loop without Exit, a dead output, a loop that never ends, out of memory.
 */
#include <string.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "graph/dyn_int.h"
#include "t.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static struct seer_value *cst_i32(struct seer_graph *g, const char *name, int32_t v)
{
    return seer_graph_add_const(g, name, SEER_DTYPE_I32, 0, NULL, &v, true);
}

static struct seer_value *cst_f32(struct seer_graph *g, const char *name, int ndim,
                                  const int64_t *dims, const float *v)
{
    return seer_graph_add_const(g, name, SEER_DTYPE_F32, ndim, dims, v, true);
}

/* A node with the given inputs; its outputs are node->out[i]. */
static struct seer_node *add(struct seer_graph *g, enum seer_op op, const char *name, int n_out,
                             int n_in, struct seer_value *const *in)
{
    struct seer_node *nd = seer_graph_add_node(g, op, name, n_in, in, n_out);
    if (!nd)
        abort();
    return nd;
}

#define ADD(g, op, name, n_out, ...)                                                               \
    add(g, op, name, n_out, (int)(sizeof((struct seer_value *[]){__VA_ARGS__}) / sizeof(void *)),  \
        (struct seer_value *[]){__VA_ARGS__})
#define V(nd, i) seer_value_of((nd)->out[i])

static struct seer_node *enter(struct seer_graph *g, const char *name, struct seer_value *x,
                               bool invariant)
{
    struct seer_node *nd = ADD(g, SEER_OP_ENTER, name, 1, x);
    nd->a.frame = 1;
    nd->a.is_constant = invariant;
    return nd;
}

/* while (i < n) { i += 1; acc *= 2; } -> (i, acc), with n an int32 scalar input. */
static struct seer_graph *counted_loop(void)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *n = seer_graph_add_input(g, "n", SEER_DTYPE_I32, 0, NULL);
    struct seer_node *ei = enter(g, "enter_i", cst_i32(g, "i0", 0), false);
    struct seer_node *ea = enter(g, "enter_acc", cst_f32(g, "acc0", 0, NULL, (float[]){1}), false);
    struct seer_node *en = enter(g, "enter_n", n, true);
    struct seer_node *mi = ADD(g, SEER_OP_MERGE, "merge_i", 2, V(ei, 0), NULL);
    struct seer_node *ma = ADD(g, SEER_OP_MERGE, "merge_acc", 2, V(ea, 0), NULL);
    struct seer_node *less = ADD(g, SEER_OP_LESS, "less", 1, V(mi, 0), V(en, 0));
    struct seer_node *lc = ADD(g, SEER_OP_LOOP_COND, "cond", 1, V(less, 0));
    struct seer_node *si = ADD(g, SEER_OP_SWITCH, "switch_i", 2, V(mi, 0), V(lc, 0));
    struct seer_node *sa = ADD(g, SEER_OP_SWITCH, "switch_acc", 2, V(ma, 0), V(lc, 0));
    struct seer_node *id = ADD(g, SEER_OP_IDENTITY, "body_i", 1, V(si, 1));
    struct seer_node *inc = ADD(g, SEER_OP_ADD, "i_plus_1", 1, V(id, 0), cst_i32(g, "one", 1));
    struct seer_node *dbl =
        ADD(g, SEER_OP_MUL, "acc_times_2", 1, V(sa, 1), cst_f32(g, "two", 0, NULL, (float[]){2}));
    struct seer_node *ni = ADD(g, SEER_OP_NEXT_ITERATION, "next_i", 1, V(inc, 0));
    struct seer_node *na = ADD(g, SEER_OP_NEXT_ITERATION, "next_acc", 1, V(dbl, 0));
    struct seer_node *xi = ADD(g, SEER_OP_EXIT, "exit_i", 1, V(si, 0));
    struct seer_node *xa = ADD(g, SEER_OP_EXIT, "exit_acc", 1, V(sa, 0));

    mi->in[1] = ni->out[0];
    ma->in[1] = na->out[0];
    seer_graph_mark_output(g, V(xi, 0));
    seer_graph_mark_output(g, V(xa, 0));
    return g;
}

static int run_loop(struct seer_plan *p, int32_t n, int32_t *i, float *acc, struct seer_err *err)
{
    *(int32_t *)seer_plan_input(p, 0)->data = n;
    int rc = seer_plan_run(p, err);
    if (!rc) {
        *i = *(const int32_t *)seer_plan_output(p, 0)->data;
        *acc = *(const float *)seer_plan_output(p, 1)->data;
    }
    return rc;
}

TEST(counted_loop)
{
    struct seer_graph *g = counted_loop();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    int32_t i = -1;
    float acc = 0;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT(seer__graph_is_dynamic(g));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(run_loop(p, 5, &i, &acc, &err));
    ASSERT_EQ(i, 5);
    ASSERT_NEAR(acc, 32.0, 0);
    /* The same plan again: zero iterations, then many. */
    ASSERT_OK(run_loop(p, 0, &i, &acc, &err));
    ASSERT_EQ(i, 0);
    ASSERT_NEAR(acc, 1.0, 0);
    ASSERT_OK(run_loop(p, 100, &i, &acc, &err));
    ASSERT_EQ(i, 100);
    ASSERT_NEAR(acc, 1.2676506e30, 1e24);
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(loop_that_never_ends_is_stopped)
{
    struct seer_graph *g = counted_loop();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    int64_t saved = seer__dyn_step_limit;
    int32_t i;
    float acc;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    seer__dyn_step_limit = 5000;
    int rc = run_loop(p, 1 << 30, &i, &acc, &err);
    seer__dyn_step_limit = saved;
    ASSERT_EQ(rc, SEER_ELIMIT);
    ASSERT(strstr(err.msg, "steps"));
    /* The plan is still good. */
    ASSERT_OK(run_loop(p, 3, &i, &acc, &err));
    ASSERT_EQ(i, 3);
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(loop_survives_every_allocation_failure)
{
    struct seer_graph *g = counted_loop();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    int32_t i;
    float acc;
    bool ok = false;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    /* One run first: the plan keeps its output buffers from then on. */
    ASSERT_OK(run_loop(p, 4, &i, &acc, &err));
    for (int64_t n = 1; n < 10000 && !ok; n++) {
        int64_t live = seer_alloc_live();
        seer_alloc_fail_at(n);
        int rc = run_loop(p, 4, &i, &acc, &err);
        bool failed = seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (!failed) {
            ASSERT_OK(rc);
            ok = true;
        } else if (rc != SEER_ENOMEM) {
            T_FAILF("failing allocation %lld gave %d (%s)", (long long)n, rc, err.msg);
        }
        ASSERT_EQ(seer_alloc_live(), live);
    }
    ASSERT(ok);
    ASSERT_EQ(i, 4);
    ASSERT_NEAR(acc, 16.0, 0);
    seer_plan_free(p);
    seer_graph_free(g);
}

/* map_fn(lambda v: v * v, x) the way TF1 builds it: scatter x into one TensorArray, read
 * it in the loop, write squares into another, gather them after the loop. */
static struct seer_graph *map_square(void)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(-1));
    struct seer_node *shape = ADD(g, SEER_OP_SHAPE, "shape", 1, x);
    shape->a.dtype = SEER_DTYPE_I32;
    struct seer_node *n = ADD(g, SEER_OP_SQUEEZE, "n", 1, V(shape, 0));
    struct seer_value *zero = cst_i32(g, "zero", 0), *one = cst_i32(g, "one", 1);
    struct seer_node *rng = ADD(g, SEER_OP_RANGE, "range", 1, zero, V(n, 0), one);
    struct seer_node *ta_in = ADD(g, SEER_OP_TA_NEW, "ta_in", 2, V(n, 0));
    struct seer_node *ta_out = ADD(g, SEER_OP_TA_NEW, "ta_out", 2, V(n, 0));
    ta_in->a.dtype = ta_out->a.dtype = SEER_DTYPE_F32;
    struct seer_node *sc =
        ADD(g, SEER_OP_TA_SCATTER, "scatter", 1, V(ta_in, 0), V(rng, 0), x, V(ta_in, 1));
    struct seer_node *ei = enter(g, "enter_i", zero, false);
    struct seer_node *ef = enter(g, "enter_flow", V(ta_out, 1), false);
    struct seer_node *en = enter(g, "enter_n", V(n, 0), true);
    struct seer_node *eh_in = enter(g, "enter_h_in", V(ta_in, 0), true);
    struct seer_node *ef_in = enter(g, "enter_flow_in", V(sc, 0), true);
    struct seer_node *eh_out = enter(g, "enter_h_out", V(ta_out, 0), true);
    struct seer_node *mi = ADD(g, SEER_OP_MERGE, "merge_i", 2, V(ei, 0), NULL);
    struct seer_node *mf = ADD(g, SEER_OP_MERGE, "merge_flow", 2, V(ef, 0), NULL);
    struct seer_node *less = ADD(g, SEER_OP_LESS, "less", 1, V(mi, 0), V(en, 0));
    struct seer_node *lc = ADD(g, SEER_OP_LOOP_COND, "cond", 1, V(less, 0));
    struct seer_node *si = ADD(g, SEER_OP_SWITCH, "switch_i", 2, V(mi, 0), V(lc, 0));
    struct seer_node *sf = ADD(g, SEER_OP_SWITCH, "switch_flow", 2, V(mf, 0), V(lc, 0));
    struct seer_node *rd = ADD(g, SEER_OP_TA_READ, "read", 1, V(eh_in, 0), V(si, 1), V(ef_in, 0));
    rd->a.dtype = SEER_DTYPE_F32;
    struct seer_node *sq = ADD(g, SEER_OP_MUL, "square", 1, V(rd, 0), V(rd, 0));
    struct seer_node *wr =
        ADD(g, SEER_OP_TA_WRITE, "write", 1, V(eh_out, 0), V(si, 1), V(sq, 0), V(sf, 1));
    struct seer_node *inc = ADD(g, SEER_OP_ADD, "inc", 1, V(si, 1), one);
    struct seer_node *ni = ADD(g, SEER_OP_NEXT_ITERATION, "next_i", 1, V(inc, 0));
    struct seer_node *nf = ADD(g, SEER_OP_NEXT_ITERATION, "next_flow", 1, V(wr, 0));
    struct seer_node *xf = ADD(g, SEER_OP_EXIT, "exit_flow", 1, V(sf, 0));
    struct seer_node *size = ADD(g, SEER_OP_TA_SIZE, "size", 1, V(ta_out, 0), V(xf, 0));
    struct seer_node *rng2 = ADD(g, SEER_OP_RANGE, "range2", 1, zero, V(size, 0), one);
    struct seer_node *ga =
        ADD(g, SEER_OP_TA_GATHER, "gather", 1, V(ta_out, 0), V(rng2, 0), V(xf, 0));
    ga->a.dtype = SEER_DTYPE_F32;

    n->a.n_axes = 0;
    mi->in[1] = ni->out[0];
    mf->in[1] = nf->out[0];
    seer_graph_mark_output(g, V(ga, 0));
    return g;
}

TEST(loop_over_tensor_arrays)
{
    struct seer_graph *g = map_square();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    const struct seer_tensor *y;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(4), &err));
    memcpy(seer_plan_input(p, 0)->data, (float[]){1, -2, 3, 0.5f}, 4 * sizeof(float));
    ASSERT_OK(seer_plan_run(p, &err));
    y = seer_plan_output(p, 0);
    ASSERT_EQ(y->ndim, 1);
    ASSERT_EQ(y->dims[0], 4);
    ASSERT_NEAR(((float *)y->data)[0], 1, 0);
    ASSERT_NEAR(((float *)y->data)[1], 4, 0);
    ASSERT_NEAR(((float *)y->data)[2], 9, 0);
    ASSERT_NEAR(((float *)y->data)[3], 0.25, 0);
    /* Another size on the same plan, then none at all (the loop body never runs). */
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(2), &err));
    memcpy(seer_plan_input(p, 0)->data, (float[]){7, 8}, 2 * sizeof(float));
    ASSERT_OK(seer_plan_run(p, &err));
    y = seer_plan_output(p, 0);
    ASSERT_EQ(y->dims[0], 2);
    ASSERT_NEAR(((float *)y->data)[1], 64, 0);
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(0), &err));
    ASSERT_OK(seer_plan_run(p, &err));
    ASSERT_EQ(seer_tensor_numel(seer_plan_output(p, 0)), 0);
    /* The input's rank is fixed by the graph. */
    ASSERT_EQ(seer_plan_set_input_shape(p, 0, 2, DIMS(2, 2), &err), SEER_EINVAL);
    ASSERT(strstr(err.msg, "'x'"));
    seer_plan_free(p);
    seer_graph_free(g);
}

/* tf.cond(p, lambda: x + 1, lambda: tf.constant([-7, -7])): the false branch is a
 * constant with a control input from the branch's pivot. */
static struct seer_graph *cond_graph(bool const_out)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(2));
    struct seer_value *pred = seer_graph_add_input(g, "p", SEER_DTYPE_BOOL, 0, NULL);
    struct seer_node *sw = ADD(g, SEER_OP_SWITCH, "switch", 2, x, pred);
    struct seer_node *pt = ADD(g, SEER_OP_IDENTITY, "switch_t", 1, V(sw, 1));
    struct seer_node *pf = ADD(g, SEER_OP_IDENTITY, "switch_f", 1, V(sw, 0));
    struct seer_node *add1 =
        ADD(g, SEER_OP_ADD, "x_plus_1", 1, V(pt, 0), cst_f32(g, "c1", 0, NULL, (float[]){1}));
    struct seer_node *c7 = ADD(g, SEER_OP_CONTROL_DEP, "minus_7", 1,
                               cst_f32(g, "c7", 1, DIMS(2), (float[]){-7, -7}), V(pf, 0));
    struct seer_node *m = ADD(g, SEER_OP_MERGE, "merge", 2, V(add1, 0), V(c7, 0));

    seer_graph_mark_output(g, V(m, 0));
    seer_graph_mark_output(g, V(m, 1));
    if (const_out)
        seer_graph_mark_output(g, V(c7, 0));
    return g;
}

static int run_cond(struct seer_plan *p, bool pred, float *y, int32_t *idx, struct seer_err *err)
{
    memcpy(seer_plan_input(p, 0)->data, (float[]){10, 20}, 2 * sizeof(float));
    *(uint8_t *)seer_plan_input(p, 1)->data = pred;
    int rc = seer_plan_run(p, err);
    if (!rc) {
        memcpy(y, seer_plan_output(p, 0)->data, 2 * sizeof(float));
        *idx = *(const int32_t *)seer_plan_output(p, 1)->data;
    }
    return rc;
}

TEST(cond_takes_one_branch)
{
    struct seer_graph *g = cond_graph(false);
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    float y[2];
    int32_t idx;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(run_cond(p, true, y, &idx, &err));
    ASSERT_NEAR(y[0], 11, 0);
    ASSERT_NEAR(y[1], 21, 0);
    ASSERT_EQ(idx, 0);
    /* The constant of the branch not taken is dead: it must not win the Merge. */
    ASSERT_OK(run_cond(p, false, y, &idx, &err));
    ASSERT_NEAR(y[0], -7, 0);
    ASSERT_EQ(idx, 1);
    ASSERT_OK(run_cond(p, true, y, &idx, &err));
    ASSERT_EQ(idx, 0);
    seer_plan_free(p);
    seer_graph_free(g);
}

/* tf.cond(p, lambda: tf.shape(x), lambda: tf.constant([-1])): x's shape is known when
 * the graph is prepared, but the Shape in the branch must not become a constant that is
 * live whichever way the cond goes. */
TEST(cond_branch_shape_stays_in_its_branch)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(2));
    struct seer_value *pred = seer_graph_add_input(g, "p", SEER_DTYPE_BOOL, 0, NULL);
    struct seer_node *sw = ADD(g, SEER_OP_SWITCH, "switch", 2, x, pred);
    struct seer_node *pt = ADD(g, SEER_OP_IDENTITY, "switch_t", 1, V(sw, 1));
    struct seer_node *pf = ADD(g, SEER_OP_IDENTITY, "switch_f", 1, V(sw, 0));
    struct seer_node *sh = ADD(g, SEER_OP_SHAPE, "shape", 1, V(pt, 0));
    int32_t minus1 = -1;
    struct seer_node *c =
        ADD(g, SEER_OP_CONTROL_DEP, "c", 1,
            seer_graph_add_const(g, "m1", SEER_DTYPE_I32, 1, DIMS(1), &minus1, true), V(pf, 0));
    struct seer_node *m = ADD(g, SEER_OP_MERGE, "merge", 2, V(sh, 0), V(c, 0));

    sh->a.dtype = SEER_DTYPE_I32;
    seer_graph_mark_output(g, V(m, 0));
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    for (int k = 0; k < 2; k++) {
        *(uint8_t *)seer_plan_input(p, 1)->data = k == 0;
        ASSERT_OK(seer_plan_run(p, &err));
        ASSERT_EQ(*(const int32_t *)seer_plan_output(p, 0)->data, k == 0 ? 2 : -1);
    }
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(dead_output_is_an_error)
{
    struct seer_graph *g = cond_graph(true);
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    float y[2];
    int32_t idx;

    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(run_cond(p, false, y, &idx, &err));
    ASSERT_EQ(run_cond(p, true, y, &idx, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "minus_7") && strstr(err.msg, "dead"));
    seer_plan_free(p);
    seer_graph_free(g);
}

/* Where + Gather on an input of any length: the positive elements, however many. */
TEST(data_dependent_shapes_per_run)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(-1));
    struct seer_node *gt =
        ADD(g, SEER_OP_GREATER, "gt", 1, x, cst_f32(g, "zero", 0, NULL, (float[]){0}));
    struct seer_node *wh = ADD(g, SEER_OP_WHERE, "where", 1, V(gt, 0));
    struct seer_node *sq = ADD(g, SEER_OP_SQUEEZE, "idx", 1, V(wh, 0));
    struct seer_node *ga = ADD(g, SEER_OP_GATHER, "pos", 1, x, V(sq, 0), cst_i32(g, "axis", 0));
    const struct seer_tensor *y;

    sq->a.n_axes = 1;
    sq->a.axes[0] = 1;
    seer_graph_mark_output(g, V(ga, 0));
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(5), &err));
    memcpy(seer_plan_input(p, 0)->data, (float[]){-1, 2, 0, 4, 5}, 5 * sizeof(float));
    ASSERT_OK(seer_plan_run(p, &err));
    y = seer_plan_output(p, 0);
    ASSERT_EQ(y->dims[0], 3);
    ASSERT_NEAR(((float *)y->data)[0], 2, 0);
    ASSERT_NEAR(((float *)y->data)[2], 5, 0);
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(3), &err));
    memcpy(seer_plan_input(p, 0)->data, (float[]){-1, -2, -3}, 3 * sizeof(float));
    ASSERT_OK(seer_plan_run(p, &err));
    ASSERT_EQ(seer_plan_output(p, 0)->dims[0], 0);
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(malformed_control_flow_is_refused)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = seer_graph_new();
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(2));
    /* a = x + b, b = a * a: a cycle without NextIteration, next to a loop frame. */
    struct seer_node *a = ADD(g, SEER_OP_ADD, "a", 1, x, NULL);
    struct seer_node *b = ADD(g, SEER_OP_MUL, "b", 1, V(a, 0), V(a, 0));
    struct seer_node *e = enter(g, "enter", x, false);
    a->in[1] = b->out[0];
    seer_graph_mark_output(g, V(b, 0));
    seer_graph_mark_output(g, V(ADD(g, SEER_OP_EXIT, "exit", 1, V(e, 0)), 0));
    ASSERT_EQ(seer_graph_prepare(g, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "cycle that is not a loop"));
    seer_graph_free(g);

    /* Exit with no loop around it. */
    g = seer_graph_new();
    x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(2));
    seer_graph_mark_output(g, V(ADD(g, SEER_OP_EXIT, "lost_exit", 1, x), 0));
    ASSERT_EQ(seer_graph_prepare(g, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "lost_exit") && strstr(err.msg, "outside"));
    seer_graph_free(g);

    /* A loop value used after the loop without Exit. */
    g = seer_graph_new();
    x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(2));
    e = enter(g, "enter", x, false);
    struct seer_node *s = ADD(g, SEER_OP_ADD, "mixed", 1, V(e, 0), x);
    seer_graph_mark_output(g, V(s, 0));
    ASSERT_EQ(seer_graph_prepare(g, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "mixed") && strstr(err.msg, "frames"));
    seer_graph_free(g);
}

TEST(static_plans_keep_their_shapes)
{
    struct seer_graph *g = seer_graph_new();
    struct seer_err err = {{0}};
    struct seer_plan *p = NULL;
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, DIMS(3));

    seer_graph_mark_output(g, V(ADD(g, SEER_OP_RELU, "r", 1, x), 0));
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT(!seer__graph_is_dynamic(g));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, DIMS(3), &err));
    ASSERT_EQ(seer_plan_set_input_shape(p, 0, 1, DIMS(4), &err), SEER_EINVAL);
    seer_plan_free(p);
    seer_graph_free(g);
}

T_MAIN(T_CASE(counted_loop), T_CASE(loop_that_never_ends_is_stopped),
       T_CASE(loop_survives_every_allocation_failure), T_CASE(loop_over_tensor_arrays),
       T_CASE(cond_takes_one_branch), T_CASE(cond_branch_shape_stays_in_its_branch),
       T_CASE(dead_output_is_an_error), T_CASE(data_dependent_shapes_per_run),
       T_CASE(malformed_control_flow_is_refused), T_CASE(static_plans_keep_their_shapes))
