/* Graph passes shared by the static prepare (prepare.c) and the control-flow prepare
 * (dynprep.c). */
#ifndef SEER_GRAPH_INT_H
#define SEER_GRAPH_INT_H

#include <stdbool.h>

#include <seer/graph.h>

struct seer_op_info; /* kernels/kernel.h */

/* Input i of nd is a loop back edge: a Merge reading from a NextIteration. */
static inline bool seer__graph_back_edge(const struct seer_node *nd, int i)
{
    const struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;

    return nd->op == SEER_OP_MERGE && p && p->op == SEER_OP_NEXT_ITERATION;
}

/* Every dim of t is known (rank and dims not -1). */
static inline bool seer__tensor_is_known(const struct seer_tensor *t)
{
    if (t->ndim < 0)
        return false;
    for (int i = 0; i < t->ndim; i++)
        if (t->dims[i] < 0)
            return false;
    return true;
}

/* Sets live[node id] for every node the graph's outputs depend on. */
int seer__graph_mark_live(struct seer_graph *g, bool *live, struct seer_err *err);
/* Sorts the live nodes topologically into g->nodes (ids renumbered), leaving out loop back
 * edges (Merge reading NextIteration). EFORMAT naming a node on any other cycle. */
int seer__graph_topo_sort(struct seer_graph *g, const bool *live, struct seer_err *err);
/* Keeps the nodes the outputs need, in topological order (mark_live, then topo_sort). */
int seer__graph_prune_and_sort(struct seer_graph *g, struct seer_err *err);
/* Runs nd, whose inputs are all constant and whose output shapes are inferred and within
 * the limits, with its reference kernel; its outputs become constants in the model arena. */
int seer__graph_fold_node(struct seer_graph *g, struct seer_node *nd,
                          const struct seer_op_info *info, struct seer_err *err);
/* Sets every value's n_uses: one a reading input, one a graph output. */
void seer__graph_count_uses(struct seer_graph *g);

#endif /* SEER_GRAPH_INT_H */
