/*
 * Graph rewrites that seer_graph_prepare runs after its first round of shape inference
 * and constant folding. Every rewrite here is exact: the rewritten graph computes the
 * same numbers as the original with the reference kernels (up to the sign of a zero), so
 * reference plans, fast plans and golden tests all see the benefit and none of the risk.
 *
 * A pass may add nodes, values and constants (in the graph's arena), rewire inputs and
 * change the shapes of the values it moves to another layout; values that a graph output
 * or a name lookup can reach keep their names and shapes. Nodes a pass makes dead are
 * dropped by the next round of prepare (dead-node pruning and topological sort).
 */
#ifndef SEER_GRAPH_PASSES_H
#define SEER_GRAPH_PASSES_H

#include <stdbool.h>

#include <seer/graph.h>
#include <seer/status.h>

enum {
    SEER_PASS_LAYOUT = 1u << 0, /* sink and cancel Transposes (layout.c) */
    SEER_PASS_FOLD = 1u << 1,   /* Pad and bias Add into convolutions and pools (fold.c) */
    SEER_PASS_ALL = SEER_PASS_LAYOUT | SEER_PASS_FOLD,
};

/* seer_graph_prepare with a choice of passes (tests compare a graph prepared with and
 * without them). seer_graph_prepare(g, err) is seer__graph_prepare(g, SEER_PASS_ALL,
 * err). */
int seer__graph_prepare(struct seer_graph *g, unsigned passes, struct seer_err *err);

/* Moves Transposes through the layout-agnostic ops after them (elementwise ops, Pad,
 * ConcatV2, SplitV, Reshape where the reshape keeps its meaning) and through Pad or
 * unary ops towards a graph input, then fuses back-to-back Transposes and removes those
 * that cancel. A model converted from NCHW (Transpose, Conv2D, Transpose around every
 * convolution) ends up NHWC from its first to its last op. Sets *changed when the graph
 * changed. Needs shapes (prepared once); leaves shapes of moved values updated. */
int seer__graph_sink_transposes(struct seer_graph *g, bool *changed, struct seer_err *err);

/* Folds a zero Pad of the spatial dims into the explicit padding of the Conv2D or
 * DepthwiseConv2dNative it feeds, a -inf Pad into a MaxPool, an Add of a constant
 * per-channel vector into the bias of the convolution before it, and a SplitV of a
 * Conv2D's channels into one Conv2D per part. Sets *changed. */
int seer__graph_fold_convs(struct seer_graph *g, bool *changed, struct seer_err *err);

#endif /* SEER_GRAPH_PASSES_H */
