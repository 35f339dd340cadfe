/* Graph passes shared by the static prepare (prepare.c) and the control-flow prepare
 * (dynprep.c). */
#ifndef SEER_GRAPH_INT_H
#define SEER_GRAPH_INT_H

#include <stdbool.h>

#include <seer/graph.h>

/* Input i of nd is a loop back edge: a Merge reading from a NextIteration. */
static inline bool seer__graph_back_edge(const struct seer_node *nd, int i)
{
    const struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;

    return nd->op == SEER_OP_MERGE && p && p->op == SEER_OP_NEXT_ITERATION;
}

/* Sets live[node id] for every node the graph's outputs depend on. */
int seer__graph_mark_live(struct seer_graph *g, bool *live, struct seer_err *err);
/* Sorts the live nodes topologically into g->nodes (ids renumbered), leaving out loop back
 * edges (Merge reading NextIteration). EFORMAT naming a node on any other cycle. */
int seer__graph_topo_sort(struct seer_graph *g, const bool *live, struct seer_err *err);

#endif /* SEER_GRAPH_INT_H */
