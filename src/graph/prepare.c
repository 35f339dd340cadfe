/*
 * seer_graph_prepare: from an imported graph to one ready to plan.
 *
 * 1. Keep only nodes the outputs need (a reverse walk from the outputs).
 * 2. Sort them topologically (Kahn's algorithm); a cycle is a format error.
 * 3. Infer shapes node by node, in order, with each op's shape function.
 * 4. Fold constants: a node whose inputs are all constant runs now, with its reference
 *    kernel, and its outputs become constants in the model arena.
 * 5. Run the exact rewrites of graph/passes.h (transpose sinking, folds into convolutions)
 *    and, when they changed something, steps 1 to 4 once more.
 * 6. Count the uses of every value, so the planner knows lifetimes.
 */
#include <seer/graph.h>

#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "graph/dyn_int.h"
#include "graph/passes.h"
#include "graph/graph_int.h"
#include "kernels/kernel.h"

/* Marks the nodes reachable backwards from the outputs. */
int seer__graph_mark_live(struct seer_graph *g, bool *live, struct seer_err *err)
{
    struct seer_node **stack = seer_calloc((size_t)g->n_nodes + 1, sizeof(*stack));
    int sp = 0;

    if (!stack)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (int i = 0; i < g->n_outputs; i++) {
        struct seer_node *p = g->outputs[i]->producer;
        if (p && !live[p->id]) {
            live[p->id] = true;
            stack[sp++] = p;
        }
    }
    while (sp > 0) {
        struct seer_node *nd = stack[--sp];
        for (int i = 0; i < nd->n_in; i++) {
            struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;
            if (p && !live[p->id]) {
                live[p->id] = true;
                stack[sp++] = p;
            }
        }
    }
    seer_free(stack);
    return SEER_OK;
}

/* Kahn's algorithm over the live nodes, leaving out loop back edges (a static graph has
 * none); writes the order into g->nodes. */
int seer__graph_topo_sort(struct seer_graph *g, const bool *live, struct seer_err *err)
{
    int n = g->n_nodes, n_live = 0, head = 0, tail = 0, n_edges = 0, rc = SEER_OK;
    int *indeg = seer_calloc((size_t)n + 1, sizeof(int));
    int *start = seer_calloc((size_t)n + 2, sizeof(int));
    int *fill = seer_calloc((size_t)n + 1, sizeof(int));
    int *edges = NULL;
    struct seer_node **queue = seer_calloc((size_t)n + 1, sizeof(*queue));

    if (!indeg || !start || !fill || !queue) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int j = 0; j < n; j++) {
        struct seer_node *nd = g->nodes[j];
        if (!live[j])
            continue;
        n_live++;
        for (int i = 0; i < nd->n_in; i++) {
            struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;
            if (p && !seer__graph_back_edge(nd, i)) {
                indeg[j]++;
                start[p->id + 1]++;
                n_edges++;
            }
        }
    }
    for (int j = 0; j < n; j++)
        start[j + 1] += start[j];
    edges = seer_calloc((size_t)n_edges + 1, sizeof(int));
    if (!edges) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int j = 0; j < n; j++) {
        struct seer_node *nd = g->nodes[j];
        if (!live[j])
            continue;
        for (int i = 0; i < nd->n_in; i++) {
            struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;
            if (p && !seer__graph_back_edge(nd, i))
                edges[start[p->id] + fill[p->id]++] = j;
        }
    }
    for (int j = 0; j < n; j++)
        if (live[j] && indeg[j] == 0)
            queue[tail++] = g->nodes[j];
    while (head < tail) {
        struct seer_node *nd = queue[head++];
        for (int e = start[nd->id]; e < start[nd->id + 1]; e++)
            if (--indeg[edges[e]] == 0)
                queue[tail++] = g->nodes[edges[e]];
    }
    if (tail != n_live) {
        for (int j = 0; j < n; j++)
            if (live[j] && indeg[j] > 0) {
                rc = seer_errf(err, SEER_EFORMAT,
                               "node '%s' is on a cycle that is not a loop "
                               "(no NextIteration into a Merge closes it)",
                               g->nodes[j]->name);
                goto out;
            }
    }
    if (tail) /* a graph with no nodes has no node array to copy into */
        memcpy(g->nodes, queue, (size_t)tail * sizeof(*queue));
    g->n_nodes = tail;
    for (int j = 0; j < tail; j++)
        g->nodes[j]->id = j;
out:
    seer_free(indeg);
    seer_free(start);
    seer_free(fill);
    seer_free(edges);
    seer_free(queue);
    return rc;
}

static bool all_inputs_const(const struct seer_node *nd)
{
    for (int i = 0; i < nd->n_in; i++)
        if (nd->in[i] && seer_value_of(nd->in[i])->kind != SEER_VALUE_CONST)
            return false;
    return true;
}

int seer__graph_fold_node(struct seer_graph *g, struct seer_node *nd,
                          const struct seer_op_info *info, struct seer_err *err)
{
    struct seer_kctx k = {0, 1, NULL, 0};
    void *scratch = NULL;

    for (int i = 0; i < nd->n_out; i++) {
        size_t n;
        if (!seer_tensor_nbytes(nd->out[i], &n))
            return seer_errf(err, SEER_ELIMIT, "node '%s': output %d is too large", nd->name, i);
        nd->out[i]->data = seer_arena_alloc(g->arena, n ? n : 1);
        if (!nd->out[i]->data)
            return seer_errf(err, SEER_ENOMEM, "out of memory folding '%s'", nd->name);
    }
    if (info->scratch && (k.scratch_bytes = info->scratch(nd))) {
        scratch = seer_malloc(k.scratch_bytes);
        if (!scratch)
            return seer_errf(err, SEER_ENOMEM, "out of memory folding '%s'", nd->name);
        k.scratch = scratch;
    }
    info->ref(&k, nd);
    seer_free(scratch);
    for (int i = 0; i < nd->n_out; i++) {
        struct seer_value *v = seer_value_of(nd->out[i]);
        v->kind = SEER_VALUE_CONST;
        v->producer = NULL;
    }
    return SEER_OK;
}

int seer__graph_prune_and_sort(struct seer_graph *g, struct seer_err *err)
{
    bool *live = seer_calloc((size_t)g->n_nodes + 1, sizeof(bool));
    int rc;

    if (!live)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer__graph_mark_live(g, live, err);
    if (!rc)
        rc = seer__graph_topo_sort(g, live, err);
    seer_free(live);
    return rc;
}

void seer__graph_count_uses(struct seer_graph *g)
{
    for (int i = 0; i < g->n_values; i++)
        g->values[i]->n_uses = 0;
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < g->nodes[j]->n_in; i++)
            if (g->nodes[j]->in[i])
                seer_value_of(g->nodes[j]->in[i])->n_uses++;
    for (int i = 0; i < g->n_outputs; i++)
        g->outputs[i]->n_uses++;
}

/* Infers every node's output shapes in order and folds the nodes whose inputs are all
 * constant (dropping them from g->nodes). */
static int infer(struct seer_graph *g, const struct seer_limits *lim, struct seer_err *err)
{
    int rc, kept = 0;

    for (int j = 0; j < g->n_nodes; j++) {
        struct seer_node *nd = g->nodes[j];
        const struct seer_op_info *info = seer_op_info(nd->op);

        if (!info)
            return seer_errf(err, SEER_EUNSUPPORTED, "node '%s': op %s has no kernel", nd->name,
                             seer_op_name(nd->op));
        for (int i = 0; i < nd->n_in; i++) {
            struct seer_value *v = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
            if (v && v->kind == SEER_VALUE_ACT && !v->producer)
                return seer_errf(err, SEER_EFORMAT, "node '%s': input %d has no producer", nd->name,
                                 i);
        }
        rc = info->shape(nd, err);
        if (rc) {
            seer_err_prefix(err, "node '%s' (%s): ", nd->name, info->name);
            return rc;
        }
        for (int i = 0; i < nd->n_out; i++) {
            size_t n;
            if (!seer_tensor_nbytes(nd->out[i], &n) ||
                seer_tensor_numel(nd->out[i]) > lim->max_elements)
                return seer_errf(err, SEER_ELIMIT, "node '%s': output %d is too large", nd->name,
                                 i);
        }
        if (all_inputs_const(nd)) {
            rc = seer__graph_fold_node(g, nd, info, err);
            if (rc)
                return rc;
            continue; /* folded: drop the node */
        }
        g->nodes[kept] = nd;
        nd->id = kept++;
    }
    g->n_nodes = kept;
    return SEER_OK;
}

static int reinfer(struct seer_graph *g, const struct seer_limits *lim, struct seer_err *err)
{
    int rc = seer__graph_prune_and_sort(g, err);

    return rc ? rc : infer(g, lim, err);
}

int seer_graph_prepare(struct seer_graph *g, struct seer_err *err)
{
    return seer__graph_prepare(g, SEER_PASS_ALL, err);
}

int seer__graph_prepare(struct seer_graph *g, unsigned passes, struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(NULL);
    bool changed = false;
    int rc;

    if (g->prepared)
        return SEER_OK;
    /* Control flow, data-dependent shapes and open input dims: see graph/dynprep.c. */
    if (seer__graph_is_dynamic(g))
        return seer__graph_prepare_dynamic(g, err);
    if (g->n_outputs == 0)
        return seer_errf(err, SEER_EFORMAT, "the graph has no outputs");
    rc = seer__graph_prune_and_sort(g, err);
    if (!rc)
        rc = infer(g, &lim, err);
    /* The passes need shapes, folded constants and no dead readers; what a pass changes
     * is pruned, sorted and inferred again before the next one. */
    if (!rc && (passes & SEER_PASS_LAYOUT)) {
        rc = seer__graph_sink_transposes(g, &changed, err);
        if (!rc && changed)
            rc = reinfer(g, &lim, err);
    }
    if (!rc && (passes & SEER_PASS_FOLD)) {
        rc = seer__graph_fold_convs(g, &changed, err);
        if (!rc && changed)
            rc = reinfer(g, &lim, err);
    }
    if (rc)
        return rc;

    seer__graph_count_uses(g);
    g->prepared = true;
    return SEER_OK;
}
