/* Tests for graph prepare (pruning, ordering, shapes, folding) and plans (memory, runs). */
#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "t.h"

static const int64_t d4[] = {1, 2, 2, 3};

/* y = relu(x + c1) * (c2 + c3), where c2 + c3 folds at prepare time. */
static struct seer_graph *small_graph(void)
{
    static const float c1[12] = {-1, 0, 1, -2, 2, 0, 3, -3, 1, 1, 1, 1};
    static const float c2[3] = {1, 2, 3}, c3[3] = {1, 1, 1};
    struct seer_graph *g = seer_graph_new();
    int64_t d1[] = {3};
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 4, d4);
    struct seer_value *k1 = seer_graph_add_const(g, "c1", SEER_DTYPE_F32, 4, d4, c1, true);
    struct seer_value *k2 = seer_graph_add_const(g, "c2", SEER_DTYPE_F32, 1, d1, c2, true);
    struct seer_value *k3 = seer_graph_add_const(g, "c3", SEER_DTYPE_F32, 1, d1, c3, true);
    struct seer_node *add = seer_graph_add_node(g, SEER_OP_ADD, "add", 2,
                                                (struct seer_value *[]){x, k1}, 1);
    struct seer_node *relu = seer_graph_add_node(
        g, SEER_OP_RELU, "relu", 1, (struct seer_value *[]){seer_value_of(add->out[0])}, 1);
    struct seer_node *sum = seer_graph_add_node(g, SEER_OP_ADD, "sum", 2,
                                                (struct seer_value *[]){k2, k3}, 1);
    struct seer_node *mul = seer_graph_add_node(
        g, SEER_OP_MUL, "y", 2,
        (struct seer_value *[]){seer_value_of(relu->out[0]), seer_value_of(sum->out[0])}, 1);
    /* A node nothing needs: pruned. */
    seer_graph_add_node(g, SEER_OP_RELU, "dead", 1, (struct seer_value *[]){x}, 1);
    seer_graph_mark_output(g, seer_value_of(mul->out[0]));
    return g;
}

TEST(prepare_prunes_folds_and_orders)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = small_graph();
    ASSERT(g);
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_EQ(g->n_nodes, 3); /* add, relu, y: "sum" folded, "dead" pruned */
    ASSERT_STR(g->nodes[0]->name, "add");
    ASSERT_STR(g->nodes[2]->name, "y");
    struct seer_value *sum = seer_graph_find(g, "sum");
    ASSERT(sum && sum->kind == SEER_VALUE_CONST);
    ASSERT_NEAR(((float *)sum->t.data)[2], 4.0, 0);
    ASSERT_EQ(g->outputs[0]->t.ndim, 4);
    ASSERT_EQ(g->outputs[0]->t.dims[3], 3);
    seer_graph_free(g);
}

TEST(plan_runs_and_reuses_memory)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = small_graph();
    struct seer_plan *p = NULL;
    ASSERT_OK(seer_graph_prepare(g, &err));
    for (int threads = 1; threads <= 3; threads++) {
        ASSERT_OK(seer_plan_new(g, &(struct seer_plan_opts){threads, 0, false}, &p, &err));
        float *x = seer_plan_input(p, 0)->data;
        for (int i = 0; i < 12; i++)
            x[i] = (float)i;
        ASSERT_OK(seer_plan_run(p, &err));
        const float *y = seer_plan_output(p, 0)->data;
        /* x + c1 = {-1,1,3,1,6,5,9,4,9,10,11,12}; relu; times {2,3,4} per channel */
        static const float want[12] = {0, 3, 12, 2, 18, 20, 18, 12, 36, 20, 33, 48};
        for (int i = 0; i < 12; i++)
            ASSERT_NEAR(y[i], want[i], 0);
        ASSERT_EQ(seer_plan_find_output(p, "y:0"), 0);
        ASSERT_EQ(seer_plan_find_output(p, "nope"), -1);
        seer_plan_free(p);
    }
    seer_graph_free(g);
}

TEST(plan_shares_dead_buffers)
{
    /* A chain of 8 relus over a 1 MiB tensor: liveness lets the plan use a handful of
     * buffers, not 9. */
    struct seer_err err = {{0}};
    struct seer_graph *g = seer_graph_new();
    int64_t d[] = {256, 1024};
    struct seer_value *v = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 2, d);
    struct seer_plan *p = NULL;
    for (int i = 0; i < 8; i++) {
        struct seer_node *nd = seer_graph_add_node(g, SEER_OP_RELU, i == 7 ? "y" : "r", 1,
                                                   (struct seer_value *[]){v}, 1);
        v = seer_value_of(nd->out[0]);
    }
    seer_graph_mark_output(g, v);
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT(seer_plan_activation_bytes(p) <= 4u * 1024 * 1024);
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(prepare_reports_cycle)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = seer_graph_new();
    int64_t d[] = {2};
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 1, d);
    struct seer_node *a = seer_graph_add_node(g, SEER_OP_ADD, "a", 2,
                                              (struct seer_value *[]){x, x}, 1);
    struct seer_node *b = seer_graph_add_node(
        g, SEER_OP_RELU, "b", 1, (struct seer_value *[]){seer_value_of(a->out[0])}, 1);
    a->in[1] = b->out[0]; /* a reads b, b reads a */
    seer_graph_mark_output(g, seer_value_of(b->out[0]));
    ASSERT_EQ(seer_graph_prepare(g, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "cycle"));
    seer_graph_free(g);
}

TEST(prepare_reports_shape_mismatch_with_node_name)
{
    struct seer_err err = {{0}};
    struct seer_graph *g = seer_graph_new();
    int64_t da[] = {1, 3, 4}, db[] = {1, 5, 4};
    struct seer_value *x = seer_graph_add_input(g, "x", SEER_DTYPE_F32, 3, da);
    struct seer_value *y = seer_graph_add_input(g, "y", SEER_DTYPE_F32, 3, db);
    struct seer_node *a = seer_graph_add_node(g, SEER_OP_ADD, "bad_add", 2,
                                              (struct seer_value *[]){x, y}, 1);
    seer_graph_mark_output(g, seer_value_of(a->out[0]));
    ASSERT_EQ(seer_graph_prepare(g, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "bad_add"));
    seer_graph_free(g);
}

TEST(graph_free_leaks_nothing)
{
    int64_t live = seer_alloc_live();
    struct seer_graph *g = small_graph();
    struct seer_err err;
    struct seer_plan *p = NULL;
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, &(struct seer_plan_opts){2, 0, false}, &p, &err));
    seer_plan_free(p);
    seer_graph_free(g);
    ASSERT_EQ(seer_alloc_live(), live);
}

T_MAIN(T_CASE(prepare_prunes_folds_and_orders), T_CASE(plan_runs_and_reuses_memory),
       T_CASE(plan_shares_dead_buffers), T_CASE(prepare_reports_cycle),
       T_CASE(prepare_reports_shape_mismatch_with_node_name), T_CASE(graph_free_leaks_nothing))
