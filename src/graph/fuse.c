/*
 * Plan-time fusion: a fast convolution absorbs the elementwise nodes that follow it.
 *
 * MobileNetV3 (CenterNet's backbone) spends more time in the small ops around its
 * convolutions than in the convolutions: hard-swish is four nodes (Mul, Add, Relu6, Mul),
 * the squeeze-excite gate three, residual connections an Add. Each reads and writes a
 * whole activation. oneDNN applies such tails as post-ops while the convolution's output
 * is still in cache, so a plan that runs convolutions on oneDNN hands them the tail.
 *
 * Fusion lives in the plan, not the graph: the graph stays what the file said, the
 * reference plan runs every node as written, and a fast plan changes only its private
 * node copies. A node is absorbed only when the value between it and the convolution has
 * no other reader and is not a graph output; the tail's steps keep TensorFlow's order of
 * operations (see enum seer_post_kind).
 */
#include "graph/plan_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"

struct uses {
    int *start;  /* CSR: consumers of value v are node[start[v]..start[v+1]) */
    int *node;
};

static int uses_build(const struct seer_plan *p, struct uses *u)
{
    const struct seer_graph *g = p->g;
    int n_edges = 0, *fill;

    u->start = seer_calloc((size_t)g->n_values + 2, sizeof(int));
    fill = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    for (int j = 0; j < g->n_nodes; j++)
        n_edges += p->nodes[j].n_in;
    u->node = seer_calloc((size_t)n_edges + 1, sizeof(int));
    if (!u->start || !fill || !u->node) {
        seer_free(fill);
        return SEER_ENOMEM;
    }
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < p->nodes[j].n_in; i++)
            if (p->nodes[j].in[i])
                u->start[seer__plan_vid(p, p->nodes[j].in[i]) + 1]++;
    for (int v = 0; v < g->n_values; v++)
        u->start[v + 1] += u->start[v];
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < p->nodes[j].n_in; i++)
            if (p->nodes[j].in[i]) {
                int v = seer__plan_vid(p, p->nodes[j].in[i]);
                u->node[u->start[v] + fill[v]++] = j;
            }
    seer_free(fill);
    return SEER_OK;
}

/* Number of node inputs reading v (a node reading it twice counts twice). */
static int n_readers(const struct uses *u, int v)
{
    return u->start[v + 1] - u->start[v];
}

static bool is_output(const struct seer_plan *p, int v)
{
    return p->g->values[v]->is_output;
}

/* The scalar value of a constant one-element float tensor. */
static bool const_scalar(const struct seer_tensor *t, float *out)
{
    if (!t || !t->data || t->dtype != SEER_DTYPE_F32 || seer_tensor_numel(t) != 1)
        return false;
    *out = *(const float *)t->data;
    return true;
}

/* For a binary node reading value v, the other operand's tensor. */
static const struct seer_tensor *other_operand(const struct seer_plan *p,
                                               const struct seer_node *nd, int v, int *idx)
{
    if (nd->n_in != 2 || !nd->in[0] || !nd->in[1])
        return NULL;
    if (seer__plan_vid(p, nd->in[0]) == v && seer__plan_vid(p, nd->in[1]) != v) {
        *idx = 1;
        return nd->in[1];
    }
    if (seer__plan_vid(p, nd->in[1]) == v && seer__plan_vid(p, nd->in[0]) != v) {
        *idx = 0;
        return nd->in[0];
    }
    return NULL;
}

/* Whether t is available when node j runs: an input, a constant, or made earlier. */
static bool ready_before(const struct seer_plan *p, const struct seer_tensor *t, int j)
{
    const struct seer_value *v = p->g->values[seer__plan_vid(p, t)];

    return !v->producer || v->producer->id < j;
}

static bool is_const(const struct seer_plan *p, const struct seer_tensor *t)
{
    return p->g->values[seer__plan_vid(p, t)]->kind == SEER_VALUE_CONST;
}

/* Tries hard-swish: v feeds exactly Mul(c, v) and Add(v, 3); the Add feeds Relu6; the
 * two meet in a Mul. On success returns the final Mul's index and sets *scale = c. */
static int match_hswish(const struct seer_plan *p, const struct uses *u, int v, int *absorbed,
                        float *scale)
{
    int a = -1, m1 = -1, idx;
    float c;

    if (n_readers(u, v) != 2)
        return -1;
    for (int e = u->start[v]; e < u->start[v + 1]; e++) {
        const struct seer_node *nd = &p->nodes[u->node[e]];
        const struct seer_tensor *o = other_operand(p, nd, v, &idx);
        if (!o || !is_const(p, o) || !const_scalar(o, &c))
            return -1;
        if (nd->op == SEER_OP_ADD && c == 3.0f)
            a = u->node[e];
        else if (nd->op == SEER_OP_MUL) {
            m1 = u->node[e];
            *scale = c;
        }
    }
    if (a < 0 || m1 < 0)
        return -1;
    int va = seer__plan_vid(p, p->nodes[a].out[0]), vm1 = seer__plan_vid(p, p->nodes[m1].out[0]);
    if (n_readers(u, va) != 1 || is_output(p, va) || n_readers(u, vm1) != 1 || is_output(p, vm1))
        return -1;
    int r = u->node[u->start[va]];
    if (p->nodes[r].op != SEER_OP_RELU6)
        return -1;
    int vr = seer__plan_vid(p, p->nodes[r].out[0]);
    if (n_readers(u, vr) != 1 || is_output(p, vr))
        return -1;
    int m2 = u->node[u->start[vr]];
    if (m2 != u->node[u->start[vm1]] || p->nodes[m2].op != SEER_OP_MUL)
        return -1;
    absorbed[0] = a;
    absorbed[1] = m1;
    absorbed[2] = r;
    return m2;
}

/* One step of a growing tail, so a refused tail can shrink back to an accepted one. */
struct step {
    struct seer_attrs a;
    struct seer_tensor **out;
    int n_abs;
    struct seer_tensor *extra;
};

/* Grows the fused tail of conv node j as far as the rules allow, then asks the fast
 * kernel for it, shortening the tail until it accepts. On success the tail's nodes are
 * skipped and the conv writes the tail's output. */
static int fuse_one(struct seer_plan *p, const struct uses *u, int j, struct seer_err *err)
{
    struct seer_node nd = p->nodes[j]; /* candidate copy */
    struct seer_tensor *extra = NULL;
    int absorbed[4 * SEER_MAX_POST], n_abs = 0, n_steps = 0;
    struct step steps[4 * SEER_MAX_POST];
    struct seer_fast f = {0};
    const int n_in0 = nd.n_in;

    for (;;) {
        int v = seer__plan_vid(p, nd.out[0]), idx, next = -1, hs[3];
        float c = 0, scale = 0;
        if (is_output(p, v) || nd.a.n_post >= SEER_MAX_POST)
            break;
        if ((next = match_hswish(p, u, v, hs, &scale)) >= 0) {
            nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_HSWISH, scale, 0, 0};
            memcpy(absorbed + n_abs, hs, sizeof(hs));
            n_abs += 3;
        } else {
            if (n_readers(u, v) != 1)
                break;
            next = u->node[u->start[v]];
            const struct seer_node *c_nd = &p->nodes[next];
            const struct seer_tensor *o = other_operand(p, c_nd, v, &idx);
            struct seer_post *last = nd.a.n_post ? &nd.a.post[nd.a.n_post - 1] : NULL;
            bool k_scalar = o && is_const(p, o) && const_scalar(o, &c);
            if (c_nd->op == SEER_OP_RELU)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_RELU, 0, 0, 0};
            else if (c_nd->op == SEER_OP_RELU6)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_CLIP, 0, 6, 0};
            else if (c_nd->op == SEER_OP_LEAKY_RELU)
                nd.a.post[nd.a.n_post++] =
                    (struct seer_post){SEER_POST_RELU, c_nd->a.alpha, 0, 0};
            else if (c_nd->op == SEER_OP_SIGMOID)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_SIGMOID, 0, 0, 0};
            else if (k_scalar && c_nd->op == SEER_OP_ADD)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_LINEAR, 1, c, 0};
            else if (k_scalar && c_nd->op == SEER_OP_MUL && last &&
                     last->kind != SEER_POST_SUM && last->kind != SEER_POST_LINEAR)
                /* c * f(y), in TensorFlow's order: f first, then the product. */
                last->scale = c * (last->scale != 0 ? last->scale : 1.0f);
            else if (k_scalar && c_nd->op == SEER_OP_MUL)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_LINEAR, c, 0, 0};
            else if (k_scalar && c_nd->op == SEER_OP_SUB && idx == 1)
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_LINEAR, 1, -c, 0};
            else if (o && !is_const(p, o) && c_nd->op == SEER_OP_ADD && !extra &&
                     !nd.a.has_residual && o->dtype == SEER_DTYPE_F32 &&
                     seer_tensor_same_shape(o, nd.out[0]) && ready_before(p, o, j)) {
                nd.a.post[nd.a.n_post++] = (struct seer_post){SEER_POST_SUM, 0, 0, 0};
                extra = c_nd->in[idx];
            } else {
                break;
            }
        }
        absorbed[n_abs++] = next;
        nd.out = p->nodes[next].out;
        steps[n_steps++] = (struct step){nd.a, nd.out, n_abs, extra};
    }
    /* Try the longest tail first; a kernel may refuse some chains. */
    for (; n_steps > 0; n_steps--) {
        const struct step *st = &steps[n_steps - 1];
        nd.a = st->a;
        nd.out = st->out;
        nd.n_in = n_in0;
        if (st->extra) {
            /* The node copy's in[] has one spare slot (plan.c allocates n_in + 1). */
            nd.in[nd.n_in] = st->extra;
            nd.a.post_sum_input = nd.n_in;
            nd.n_in++;
        }
        int rc = seer__fast_prepare(&nd, p->n_threads, p->precision, &f);
        if (rc == SEER_ENOMEM)
            return seer_errf(err, SEER_ENOMEM, "out of memory fusing '%s'", nd.name);
        if (rc == SEER_OK)
            break;
        nd.in[n_in0] = NULL;
    }
    if (n_steps == 0)
        return SEER_EUNSUPPORTED;
    n_abs = steps[n_steps - 1].n_abs;
    if (seer_log_get_level() >= SEER_LOG_DEBUG)
        for (int i = 0; i < n_abs; i++)
            seer_log_debug("fuse: %s absorbs %s (%s)", nd.name, p->nodes[absorbed[i]].name,
                           seer_op_name(p->nodes[absorbed[i]].op));
    p->nodes[j] = nd;
    seer__plan_take_fast(p, j, &f);
    for (int i = 0; i < n_abs; i++)
        p->skip[absorbed[i]] = true;
    return SEER_OK;
}

int *seer__plan_count_readers(const struct seer_plan *p)
{
    const struct seer_graph *g = p->g;
    int *n = seer_calloc((size_t)g->n_values + 1, sizeof(int));

    if (!n)
        return NULL;
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < p->nodes[j].n_in; i++)
            if (p->nodes[j].in[i])
                n[seer__plan_vid(p, p->nodes[j].in[i])]++;
    return n;
}

void seer__plan_take_fast(struct seer_plan *p, int j, const struct seer_fast *f)
{
    p->nodes[j].prepared = f->state;
    p->fast[j] = *f;
    p->fns[j] = f->fn;
    p->inside[j] = f->threads_inside;
}

int seer__plan_fuse(struct seer_plan *p, struct seer_err *err)
{
    struct uses u = {0};
    int rc;

    if (uses_build(p, &u)) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory planning fusion");
        goto out;
    }
    for (int j = 0; j < p->g->n_nodes; j++) {
        const struct seer_node *nd = &p->nodes[j];
        if (p->skip[j] || (nd->op != SEER_OP_CONV2D && nd->op != SEER_OP_DEPTHWISE_CONV2D))
            continue;
        rc = fuse_one(p, &u, j, err);
        if (rc == SEER_ENOMEM)
            goto out;
    }
    rc = SEER_OK;
out:
    seer_free(u.start);
    seer_free(u.node);
    return rc;
}
