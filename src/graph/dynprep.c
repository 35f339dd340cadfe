/*
 * Preparing graphs for the dataflow interpreter (see dyn_int.h).
 *
 * A TF1 while loop is a cycle: Merge reads the loop variable from NextIteration. The
 * topological sort leaves those back edges out, so a loop sorts like straight-line code
 * and any other cycle is an error that names a node on it.
 *
 * Shapes: every value a node makes starts unknown (rank -1). In topological order, a node
 * whose inputs all have known shapes gets its shape function, exactly as in a static
 * plan; a shape function that needs an input's value it cannot see yet (EUNSUPPORTED
 * with an input that is not constant) leaves the outputs unknown, and so does one that
 * reports unknown dims (Where, TensorArray reads). Any other failure is a real error in
 * the graph and fails prepare, naming the node. The interpreter calls the same shape
 * functions at run time, when every value is there.
 *
 * Folding: a node whose inputs are all constants runs now with its reference kernel,
 * except the control-flow and TensorArray ops (they have run-time state and deadness),
 * and Shape, Size and Rank of a value whose shape is known fold even when the value is
 * not constant, provided it can never be dead (nothing between it and the inputs passes
 * a Switch): a folded constant is live everywhere, and the Shape of a value in a branch
 * not taken must stay dead. Inputs with a known shape must be fed that shape at run time
 * (seer_plan_set_input_shape checks it), which is what makes the folding sound.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "graph/dyn_int.h"
#include "graph/graph_int.h"
#include "kernels/kernel.h"

bool seer__op_is_control(enum seer_op op)
{
    switch (op) {
    case SEER_OP_ENTER:
    case SEER_OP_EXIT:
    case SEER_OP_SWITCH:
    case SEER_OP_MERGE:
    case SEER_OP_NEXT_ITERATION:
    case SEER_OP_LOOP_COND:
    case SEER_OP_CONTROL_DEP:
    case SEER_OP_TA_NEW:
    case SEER_OP_TA_READ:
    case SEER_OP_TA_WRITE:
    case SEER_OP_TA_GATHER:
    case SEER_OP_TA_SCATTER:
    case SEER_OP_TA_SIZE:
    case SEER_OP_TA_CONCAT: return true;
    default: return false;
    }
}

bool seer__graph_is_dynamic(const struct seer_graph *g)
{
    for (int j = 0; j < g->n_nodes; j++) {
        enum seer_op op = g->nodes[j]->op;
        if (seer__op_is_control(op) || op == SEER_OP_NMS || op == SEER_OP_WHERE)
            return true;
    }
    for (int i = 0; i < g->n_values; i++)
        if (!seer__tensor_is_known(&g->values[i]->t))
            return true;
    return false;
}

/* Shape inference and folding for one node; *folded when it became constants. */
static int infer_node(struct seer_graph *g, struct seer_node *nd, const struct seer_limits *lim,
                      bool *maybe_dead, bool *folded, struct seer_err *err)
{
    const struct seer_op_info *info = seer_op_info(nd->op);
    bool all_known = true, all_const = true, missing_data = false;
    int rc;

    *folded = false;
    if (!info)
        return seer_errf(err, SEER_EUNSUPPORTED, "node '%s': op %s has no kernel", nd->name,
                         seer_op_name(nd->op));
    for (int i = 0; i < nd->n_in; i++) {
        struct seer_value *v = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
        if (!v)
            continue;
        if (v->kind == SEER_VALUE_ACT && !v->producer)
            return seer_errf(err, SEER_EFORMAT, "node '%s': input %d has no producer", nd->name, i);
        all_known = all_known && seer__tensor_is_known(&v->t);
        all_const = all_const && v->kind == SEER_VALUE_CONST;
        missing_data = missing_data || !v->t.data;
    }
    if (!all_known)
        return SEER_OK; /* outputs stay unknown */
    rc = info->shape(nd, err);
    if (rc == SEER_EUNSUPPORTED && missing_data && !all_const) {
        seer_err_clear(err);
        for (int i = 0; i < nd->n_out; i++)
            nd->out[i]->ndim = -1;
        return SEER_OK;
    }
    if (rc) {
        seer_err_prefix(err, "node '%s' (%s): ", nd->name, info->name);
        return rc;
    }
    for (int i = 0; i < nd->n_out; i++) {
        size_t n;
        if (!seer__tensor_is_known(nd->out[i])) {
            nd->out[i]->ndim = -1;
            return SEER_OK;
        }
        if (!seer_tensor_nbytes(nd->out[i], &n) ||
            seer_tensor_numel(nd->out[i]) > lim->max_elements)
            return seer_errf(err, SEER_ELIMIT, "node '%s': output %d is too large", nd->name, i);
    }
    if (seer__op_is_control(nd->op))
        return SEER_OK;
    if (all_const ||
        ((nd->op == SEER_OP_SHAPE || nd->op == SEER_OP_SIZE || nd->op == SEER_OP_RANK) &&
         !maybe_dead[seer_value_of(nd->in[0])->id])) {
        rc = seer__graph_fold_node(g, nd, info, err);
        *folded = rc == SEER_OK;
    }
    return rc;
}

int seer__graph_prepare_dynamic(struct seer_graph *g, struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(NULL);
    bool *maybe_dead = NULL;
    int *exec = NULL, *outf = NULL, *parent = NULL, n_frames, kept = 0, rc;

    if (g->prepared)
        return SEER_OK;
    if (g->n_outputs == 0)
        return seer_errf(err, SEER_EFORMAT, "the graph has no outputs");
    rc = seer__graph_prune_and_sort(g, err);
    if (rc)
        return rc;
    /* Made values are unknown until inferred (and back edges are read before then). */
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < g->nodes[j]->n_out; i++)
            g->nodes[j]->out[i]->ndim = -1;
    maybe_dead = seer_calloc((size_t)g->n_values + 1, sizeof(bool));
    if (!maybe_dead)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (int j = 0; j < g->n_nodes; j++) {
        struct seer_node *nd = g->nodes[j];
        bool folded, dead = nd->op == SEER_OP_SWITCH;
        /* Deadness flows from a Switch to everything after it (back edges aside, which
         * only close loops whose bodies start at a Switch anyway). */
        for (int i = 0; i < nd->n_in && !dead; i++)
            dead = nd->in[i] && maybe_dead[seer_value_of(nd->in[i])->id];
        for (int i = 0; i < nd->n_out; i++)
            maybe_dead[seer_value_of(nd->out[i])->id] = dead;
        rc = infer_node(g, nd, &lim, maybe_dead, &folded, err);
        if (rc) {
            seer_free(maybe_dead);
            return rc;
        }
        if (folded)
            continue;
        g->nodes[kept] = nd;
        nd->id = kept++;
    }
    seer_free(maybe_dead);
    g->n_nodes = kept;
    /* Folding can leave producers without consumers; drop them and sort again. */
    rc = seer__graph_prune_and_sort(g, err);
    if (rc)
        return rc;
    exec = seer_calloc((size_t)g->n_nodes + 1, sizeof(int));
    outf = seer_calloc((size_t)g->n_nodes + 1, sizeof(int));
    parent = seer_calloc((size_t)g->n_nodes + 2, sizeof(int));
    if (!exec || !outf || !parent)
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
    else
        rc = seer__dyn_frames(g, exec, outf, parent, &n_frames, err);
    seer_free(exec);
    seer_free(outf);
    seer_free(parent);
    if (rc)
        return rc;
    seer__graph_count_uses(g);
    g->prepared = true;
    return SEER_OK;
}

/* ---- frames ---- */

int seer__dyn_frames(const struct seer_graph *g, int *exec, int *out, int *parent, int *n_frames,
                     struct seer_err *err)
{
    int n = g->n_nodes, nf = 1, rc = SEER_OK;
    /* Frame ids in attrs are the importer's; they map to dense indices here. */
    int *dense = seer_calloc((size_t)n + 2, sizeof(int));

    if (!dense)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    parent[0] = -1;
    for (int j = 0; j < n; j++) {
        const struct seer_node *nd = g->nodes[j];
        int f = -1, fi = -1;
        for (int i = 0; i < nd->n_in; i++) {
            const struct seer_value *v = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
            int vf;
            if (!v || v->kind == SEER_VALUE_CONST || seer__graph_back_edge(nd, i))
                continue;
            vf = v->producer ? out[v->producer->id] : 0;
            if (f < 0) {
                f = vf;
                fi = i;
            } else if (vf != f) {
                rc = seer_errf(err, SEER_EFORMAT,
                               "node '%s': inputs %d and %d come from "
                               "different loop frames (a loop value used outside its loop "
                               "without Exit?)",
                               nd->name, fi, i);
                goto out;
            }
        }
        exec[j] = f < 0 ? 0 : f;
        out[j] = exec[j];
        if (nd->op == SEER_OP_ENTER) {
            int id = nd->a.frame;
            if (id < 1 || id > n) {
                rc = seer_errf(err, SEER_EFORMAT, "node '%s': Enter has frame id %d", nd->name, id);
                goto out;
            }
            if (!dense[id]) {
                dense[id] = nf;
                parent[nf++] = exec[j];
            } else if (parent[dense[id]] != exec[j]) {
                rc = seer_errf(err, SEER_EFORMAT,
                               "node '%s': Enter into a loop frame from "
                               "another frame than its other Enters",
                               nd->name);
                goto out;
            }
            out[j] = dense[id];
        } else if (nd->op == SEER_OP_EXIT) {
            if (exec[j] == 0) {
                rc = seer_errf(err, SEER_EFORMAT, "node '%s': Exit outside any loop", nd->name);
                goto out;
            }
            out[j] = parent[exec[j]];
        }
    }
    /* Back edges stay inside one frame. */
    for (int j = 0; j < n; j++) {
        const struct seer_node *nd = g->nodes[j];
        for (int i = 0; i < nd->n_in; i++)
            if (seer__graph_back_edge(nd, i) && out[seer_value_of(nd->in[i])->producer->id] != exec[j]) {
                rc = seer_errf(err, SEER_EFORMAT,
                               "node '%s': NextIteration from another loop "
                               "frame",
                               nd->name);
                goto out;
            }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const struct seer_node *p = g->outputs[i]->producer;
        if (p && out[p->id] != 0) {
            rc = seer_errf(err, SEER_EFORMAT, "output '%s' is inside a loop frame",
                           g->outputs[i]->name);
            goto out;
        }
    }
    *n_frames = nf;
out:
    seer_free(dense);
    return rc;
}
