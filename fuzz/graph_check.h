/*
 * Shared by the importer fuzz targets (fuzz_tfjs.c, fuzz_tflite.c, fuzz_graphdef.c):
 * check(), which aborts so that the fuzzer reports a broken invariant as a crash, and the
 * invariants of an imported graph. The few that differ by format are named in struct
 * fuzz_graph_rules; everything else holds for every importer.
 */
#ifndef SEER_FUZZ_GRAPH_CHECK_H
#define SEER_FUZZ_GRAPH_CHECK_H

#include <stdbool.h>
#include <stdlib.h>

#include <seer/graph.h>

static inline void check(int ok)
{
    if (!ok)
        abort();
}

struct fuzz_graph_rules {
    bool optional_inputs; /* an input slot may be empty (TFLite's -1 tensor index) */
    bool any_n_out;       /* a node's output count is not checked */
    bool loops;           /* a producer may come after its reader (TF1 while loops) */
    bool open_shapes;     /* rank may be unknown (-1), an empty constant may have no data */
};

/* Every value is numbered by its place and named, every constant has data, every node
 * input is a value of g (made before the node unless r->loops), and the outputs are
 * marked. */
static inline void fuzz_check_graph(const struct seer_graph *g, const struct fuzz_graph_rules *r)
{
    for (int i = 0; i < g->n_values; i++) {
        const struct seer_value *v = g->values[i];
        check(v->id == i && v->name);
        check(v->kind != SEER_VALUE_CONST || v->t.data ||
              (r->open_shapes && seer_tensor_numel(&v->t) == 0));
        check(v->t.ndim >= (r->open_shapes ? -1 : 0) && v->t.ndim <= SEER_MAX_DIMS);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const struct seer_node *nd = g->nodes[i];
        check(nd->op >= 0 && nd->op < SEER_OP_COUNT && (r->any_n_out || nd->n_out >= 1));
        for (int k = 0; k < nd->n_in; k++) {
            const struct seer_value *v = nd->in[k] ? seer_value_of(nd->in[k]) : NULL;
            if (!v && r->optional_inputs)
                continue;
            check(v && v->id < g->n_values && g->values[v->id] == v);
            check(r->loops || !v->producer || v->producer->id < nd->id);
        }
    }
    check(g->n_outputs >= 1);
    for (int i = 0; i < g->n_outputs; i++)
        check(g->outputs[i]->is_output);
}

#endif /* SEER_FUZZ_GRAPH_CHECK_H */
