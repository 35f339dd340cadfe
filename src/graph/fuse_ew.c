/*
 * Plan-time fusion of a Relu into the ConcatV2 before it (CenterNet's head concatenates
 * an upsampled map with a skip connection, then applies Relu to the whole): the concat
 * twin applies max(x, 0) while copying, saving a pass over the result. Relu commutes
 * with the copy exactly.
 */
#include "graph/plan_int.h"

#include "core/alloc.h"
#include "core/log.h"

int seer__plan_fuse_concat_relu(struct seer_plan *p, struct seer_err *err)
{
    const struct seer_graph *g = p->g;
    int *n = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    int rc = SEER_OK;

    if (!n)
        return seer_errf(err, SEER_ENOMEM, "out of memory planning fusion");
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < p->nodes[j].n_in; i++)
            if (p->nodes[j].in[i])
                n[seer__plan_vid(p, p->nodes[j].in[i])]++;
    for (int j = 0; j < g->n_nodes && !rc; j++) {
        struct seer_node *c = &p->nodes[j];
        if (p->skip[j] || p->fast[j].fn || c->op != SEER_OP_CONCAT)
            continue;
        int v = seer__plan_vid(p, c->out[0]);
        if (g->values[v]->is_output || n[v] != 1)
            continue;
        /* The one reader: a Relu that runs on its own. */
        int jr = -1;
        for (int k = j + 1; k < g->n_nodes && jr < 0; k++)
            for (int i = 0; i < p->nodes[k].n_in; i++)
                if (p->nodes[k].in[i] == c->out[0])
                    jr = k;
        if (jr < 0 || p->skip[jr] || p->fast[jr].fn || p->nodes[jr].op != SEER_OP_RELU)
            continue;
        struct seer_node nd = *c;
        struct seer_fast f = {0};
        nd.out = p->nodes[jr].out;
        int frc = seer__fast_concat_prepare(&nd, true, &f);
        if (frc == SEER_ENOMEM)
            rc = seer_errf(err, SEER_ENOMEM, "out of memory fusing '%s'", c->name);
        if (frc)
            continue;
        seer_log_debug("fuse: %s absorbs %s (Relu)", c->name, p->nodes[jr].name);
        nd.prepared = f.state;
        *c = nd;
        p->fast[j] = f;
        p->fns[j] = f.fn;
        p->inside[j] = f.threads_inside;
        p->skip[jr] = true;
    }
    seer_free(n);
    return rc;
}
