/*
 * Plan-time fusion of CenterNet's peak finding (see kernels/fast/peak_topk.c):
 *
 *     m = MaxPool(x); e = Equal(x, m); c = Cast(e, float32); p = Mul(x, c);
 *     r = Reshape(p, [N, -1]); TopK(r, k)
 *
 * becomes one TopK node that reads x. The chain's values must have no other reader and
 * not be graph outputs; x itself may be anything (CenterNet's x is an output).
 */
#include "graph/plan_int.h"

#include "core/alloc.h"
#include "core/log.h"

struct chain {
    const struct seer_plan *p;
    const int *n_readers; /* by value id, graph outputs counted */
};

/* The plan node writing t when it is op, runs, and t is read only once; else -1. */
static int private_producer(const struct chain *c, const struct seer_tensor *t, enum seer_op op)
{
    const struct seer_value *v = c->p->g->values[seer__plan_vid(c->p, t)];

    if (!v->producer || v->is_output || c->n_readers[v->id] != 1)
        return -1;
    int j = v->producer->id;
    if (c->p->skip[j] || c->p->nodes[j].op != op || c->p->nodes[j].out[0] != t)
        return -1;
    return j;
}

/* Index (0 or 1) of the operand of binary node nd that is t, or -1. */
static int operand(const struct seer_node *nd, const struct seer_tensor *t)
{
    if (nd->n_in != 2)
        return -1;
    return nd->in[0] == t ? 0 : nd->in[1] == t ? 1 : -1;
}

static int fuse_at(struct seer_plan *p, const struct chain *c, int jt, struct seer_err *err)
{
    struct seer_node *t = &p->nodes[jt];
    int jr = private_producer(c, t->in[0], SEER_OP_RESHAPE);
    int jm = jr >= 0 ? private_producer(c, p->nodes[jr].in[0], SEER_OP_MUL) : -1;

    if (jm < 0)
        return SEER_OK;
    const struct seer_node *mul = &p->nodes[jm];
    for (int s = 0; s < 2; s++) {
        int jc = private_producer(c, mul->in[1 - s], SEER_OP_CAST);
        struct seer_tensor *x = mul->in[s];
        int je = jc >= 0 ? private_producer(c, p->nodes[jc].in[0], SEER_OP_EQUAL) : -1;
        if (je < 0 || p->nodes[jc].out[0]->dtype != SEER_DTYPE_F32 || x->dtype != SEER_DTYPE_F32)
            continue;
        const struct seer_node *eq = &p->nodes[je];
        int xi = operand(eq, x);
        if (xi < 0)
            continue;
        int jp = private_producer(c, eq->in[1 - xi], SEER_OP_MAXPOOL);
        if (jp < 0 || p->nodes[jp].in[0] != x)
            continue;
        struct seer_fast f = {0};
        struct seer_tensor *old = t->in[0];
        t->in[0] = x;
        int rc = seer__fast_peak_topk_prepare(t, &p->nodes[jp].a, p->n_threads, &f);
        if (rc) {
            t->in[0] = old;
            return rc == SEER_ENOMEM ? seer_errf(err, rc, "out of memory fusing '%s'", t->name)
                                     : SEER_OK;
        }
        seer_log_debug("fuse: %s absorbs its peak-finding chain", t->name);
        seer__plan_take_fast(p, jt, &f);
        p->skip[jr] = p->skip[jm] = p->skip[jc] = p->skip[je] = p->skip[jp] = true;
        return SEER_OK;
    }
    return SEER_OK;
}

int seer__plan_fuse_peaks(struct seer_plan *p, struct seer_err *err)
{
    const struct seer_graph *g = p->g;
    int *n = seer__plan_count_readers(p);
    int rc = SEER_OK;

    if (!n)
        return seer_errf(err, SEER_ENOMEM, "out of memory planning fusion");
    struct chain c = {p, n};
    for (int j = 0; j < g->n_nodes && !rc; j++)
        if (!p->skip[j] && !p->fast[j].fn && p->nodes[j].op == SEER_OP_TOPK)
            rc = fuse_at(p, &c, j, err);
    seer_free(n);
    return rc;
}
