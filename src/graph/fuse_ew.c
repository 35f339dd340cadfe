/*
 * Plan-time fusions around our own twins, each saving a pass over an activation:
 *   - a Relu into the ConcatV2 before it (CenterNet's head concatenates an upsampled map
 *     with a skip connection, then applies Relu to the whole): the concat twin applies
 *     max(x, 0) while copying, which commutes with the copy exactly;
 *   - an Add into the ResizeBilinear before it (NanoDet's feature pyramid adds every
 *     upsampled map to a lateral one): the resize twin adds the other operand as it
 *     stores, the Add's own u + v.
 */
#include "graph/plan_int.h"

#include "core/alloc.h"
#include "core/log.h"

/* The one node reading value v after node j, or -1. */
static int only_reader(const struct seer_plan *p, int j, const struct seer_tensor *v)
{
    int r = -1;

    for (int k = j + 1; k < p->g->n_nodes; k++)
        for (int i = 0; i < p->nodes[k].n_in; i++)
            if (p->nodes[k].in[i] == v) {
                if (r >= 0 && r != k)
                    return -1;
                r = k;
            }
    return r;
}

/* Whether t is ready when node j runs: an input, a constant, or written before j. */
static bool ready_before(const struct seer_plan *p, const struct seer_tensor *t, int j)
{
    const struct seer_value *v = p->g->values[seer__plan_vid(p, t)];

    return !v->producer || v->producer->id < j;
}

static int fuse_resize_add(struct seer_plan *p, const int *n, int j, struct seer_err *err)
{
    struct seer_node *rz = &p->nodes[j];
    int v = seer__plan_vid(p, rz->out[0]);

    if (p->g->values[v]->is_output || n[v] != 1)
        return SEER_OK;
    int ja = only_reader(p, j, rz->out[0]);
    if (ja < 0 || p->skip[ja] || p->fast[ja].fn || p->nodes[ja].op != SEER_OP_ADD ||
        p->nodes[ja].n_in != 2)
        return SEER_OK;
    const struct seer_node *add = &p->nodes[ja];
    struct seer_tensor *other = add->in[0] == rz->out[0] ? add->in[1] : add->in[0];
    if (other == rz->out[0] || !ready_before(p, other, j))
        return SEER_OK;
    struct seer_node nd = *rz;
    struct seer_fast f = {0};
    /* The node copy's in[] has one spare slot (plan.c allocates n_in + 1). */
    nd.in[nd.n_in] = other;
    nd.n_in++;
    nd.out = p->nodes[ja].out;
    int frc = seer__x86_resize_prepare(&nd, nd.n_in - 1, &f);
    if (frc) {
        rz->in[rz->n_in] = NULL;
        return frc == SEER_ENOMEM ? seer_errf(err, frc, "out of memory fusing '%s'", rz->name)
                                  : SEER_OK;
    }
    seer_log_debug("fuse: %s absorbs %s (Add)", rz->name, add->name);
    *rz = nd;
    seer__plan_take_fast(p, j, &f);
    p->skip[ja] = true;
    return SEER_OK;
}

int seer__plan_fuse_concat_relu(struct seer_plan *p, struct seer_err *err)
{
    const struct seer_graph *g = p->g;
    int *n = seer__plan_count_readers(p);
    int rc = SEER_OK;

    if (!n)
        return seer_errf(err, SEER_ENOMEM, "out of memory planning fusion");
    for (int j = 0; j < g->n_nodes && !rc; j++) {
        struct seer_node *c = &p->nodes[j];
        if (!p->skip[j] && !p->fast[j].fn && c->op == SEER_OP_RESIZE_BILINEAR &&
            seer__isa() >= SEER_ISA_AVX512) {
            rc = fuse_resize_add(p, n, j, err);
            continue;
        }
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
        *c = nd;
        seer__plan_take_fast(p, j, &f);
        p->skip[jr] = true;
    }
    seer_free(n);
    return rc;
}
