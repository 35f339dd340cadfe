/*
 * Folding into convolutions and pools: the fold pass of seer_graph_prepare (passes.h).
 *
 * Models converted from other frameworks spell out what TensorFlow fuses: NanoDet pads
 * every convolution's input with an explicit Pad (zeros) before a VALID Conv2D, pads the
 * MaxPool's input with -inf, and adds the bias with a separate Add of a per-channel
 * vector. Each of those is a pass over a whole activation. Here they become the
 * convolution's explicit padding and bias, and the pool's explicit padding.
 *
 * A convolution whose output channels a SplitV then cuts apart (NanoDet's heads: 80
 * class scores, which get a Sigmoid, and 44 box distances) becomes one convolution per
 * part, so each part's tail (the Sigmoid) can fuse into its convolution.
 *
 * Exactness with the reference kernels: a padded zero adds fmaf(0, w, acc) == acc to a
 * sum (up to the sign of a zero result), which is what skipping the cell does; MaxPool
 * with explicit padding ignores padded cells, which is what -inf cells do when every
 * window keeps at least one real cell (checked); the reference convolution adds its
 * bias after the sum in one rounding, exactly as the separate Add did; and an output
 * channel's sum does not depend on which other channels are computed beside it.
 */
#include "graph/passes.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

struct fold {
    struct seer_graph *g;
    int *n_uses; /* by value id, graph outputs counted as readers */
    bool changed;
};

static struct seer_value *val(struct seer_tensor *t)
{
    return seer_value_of(t);
}

static bool is_const(const struct seer_tensor *t)
{
    return t && seer_value_of((struct seer_tensor *)t)->kind == SEER_VALUE_CONST && t->data;
}

/* v is an activation read once (by the node being folded into) and not a graph output. */
static bool private_act(const struct fold *f, const struct seer_value *v)
{
    return v->kind == SEER_VALUE_ACT && v->producer && !v->is_output && f->n_uses[v->id] == 1;
}

/* The spatial paddings of a rank-4 NHWC Pad node whose constant value (0 when absent) is
 * want, with nothing padded on the batch and channel dims; false otherwise. */
static bool spatial_pad(const struct seer_node *p, float want, int64_t pads[4])
{
    const struct seer_tensor *x = p->in[0], *pp = p->n_in > 1 ? p->in[1] : NULL;

    if (p->op != SEER_OP_PAD || p->n_out != 1 || !x || x->dtype != SEER_DTYPE_F32 || x->ndim != 4 ||
        x->q.scale != 0 || !is_const(pp) || pp->ndim != 2 || pp->dims[0] != 4 || pp->dims[1] != 2)
        return false;
    float c = 0;
    if (p->n_in > 2 && p->in[2]) {
        if (!is_const(p->in[2]) || p->in[2]->dtype != SEER_DTYPE_F32 ||
            seer_tensor_numel(p->in[2]) != 1)
            return false;
        c = *(const float *)p->in[2]->data;
    }
    if (!(c == want) && !(isinf(want) && isinf(c) && c < 0))
        return false;
    for (int d = 0; d < 4; d++) {
        int64_t lo = seer_tensor_get_int(pp, 2 * d), hi = seer_tensor_get_int(pp, 2 * d + 1);
        if ((d == 0 || d == 3) ? (lo != 0 || hi != 0)
                               : (lo < 0 || hi < 0 || lo > 4096 || hi > 4096))
            return false;
        if (d == 1 || d == 2) {
            pads[2 * (d - 1)] = lo;
            pads[2 * (d - 1) + 1] = hi;
        }
    }
    return true;
}

/* Pad -> Conv2D / DepthwiseConv2dNative / MaxPool with VALID or explicit padding. */
static void fold_pad(struct fold *f, struct seer_node *nd)
{
    bool pool = nd->op == SEER_OP_MAXPOOL;
    int64_t pads[4];
    struct seer_value *x = nd->n_in > 0 && nd->in[0] ? val(nd->in[0]) : NULL;

    if (!x || !private_act(f, x) ||
        (nd->a.padding != SEER_PAD_VALID && nd->a.padding != SEER_PAD_EXPLICIT))
        return;
    if (!spatial_pad(x->producer, pool ? -INFINITY : 0.0f, pads))
        return;
    int32_t now[4] = {0, 0, 0, 0};
    if (nd->a.padding == SEER_PAD_EXPLICIT)
        memcpy(now, nd->a.pads, sizeof(now));
    for (int i = 0; i < 4; i++) {
        if (now[i] < 0 || now[i] + pads[i] > 8192)
            return;
        pads[i] += now[i];
        /* A window made only of padding has no maximum to take. */
        if (pool && pads[i] >= nd->a.ksize[i / 2])
            return;
    }
    struct seer_value *src = val(x->producer->in[0]);
    nd->in[0] = &src->t;
    nd->a.padding = SEER_PAD_EXPLICIT;
    for (int i = 0; i < 4; i++)
        nd->a.pads[i] = (int32_t)pads[i];
    f->n_uses[src->id]++; /* the Pad, now dead, no longer counts: harmless over-count */
    f->changed = true;
}

/* Conv -> Add(per-channel constant) into the convolution's bias. */
static int fold_bias(struct fold *f, struct seer_node *add)
{
    if (add->op != SEER_OP_ADD || add->n_in != 2 || add->n_out != 1 || !add->in[0] || !add->in[1])
        return SEER_OK;
    for (int s = 0; s < 2; s++) {
        struct seer_value *c = val(add->in[s]);
        const struct seer_tensor *b = add->in[1 - s];
        struct seer_node *cv = c->producer;
        if (!private_act(f, c) || !is_const(b) || b->dtype != SEER_DTYPE_F32)
            continue;
        if ((cv->op != SEER_OP_CONV2D && cv->op != SEER_OP_DEPTHWISE_CONV2D) || cv->n_out != 1 ||
            cv->n_in != 2 || cv->a.has_bias || cv->a.has_residual || cv->a.act != SEER_ACT_NONE ||
            cv->a.n_post != 0 || c->t.dtype != SEER_DTYPE_F32 || c->t.ndim != 4)
            continue;
        int64_t co = c->t.dims[3];
        bool ok = b->ndim >= 1 && b->ndim <= 4 && b->dims[b->ndim - 1] == co;
        for (int i = 0; ok && i < b->ndim - 1; i++)
            ok = b->dims[i] == 1;
        if (!ok || !seer_tensor_same_shape(&c->t, add->out[0]))
            continue;
        struct seer_tensor **in = seer_arena_array(f->g->arena, 3, sizeof(*in));
        struct seer_value *bv = seer_graph_add_const(f->g, val((struct seer_tensor *)b)->name,
                                                     SEER_DTYPE_F32, 1, &co, b->data, false);
        if (!in || !bv)
            return SEER_ENOMEM;
        in[0] = cv->in[0];
        in[1] = cv->in[1];
        in[2] = &bv->t;
        cv->in = in;
        cv->n_in = 3;
        cv->a.has_bias = true;
        /* The convolution now writes the Add's value (its name, its readers). */
        struct seer_value *y = val(add->out[0]);
        cv->out[0] = &y->t;
        y->producer = cv;
        f->changed = true;
        return SEER_OK;
    }
    return SEER_OK;
}

/* Conv2D -> SplitV on the channel axis into one Conv2D per part. */
static int fold_split(struct fold *f, struct seer_node *sp)
{
    struct seer_value *c = sp->n_in == 3 && sp->in[0] ? val(sp->in[0]) : NULL;
    struct seer_node *cv = c ? c->producer : NULL;

    if (!c || !private_act(f, c) || cv->op != SEER_OP_CONV2D || cv->n_out != 1 ||
        cv->a.has_residual || cv->a.n_post != 0 || c->t.ndim != 4 || c->t.dtype != SEER_DTYPE_F32 ||
        !is_const(sp->in[2]) || !is_const(cv->in[1]) || cv->in[1]->dtype != SEER_DTYPE_F32 ||
        cv->in[1]->ndim != 4 || sp->n_out < 2 || sp->n_out > 64)
        return SEER_OK;
    int64_t ax = seer_tensor_get_int(sp->in[2], 0);
    if (ax != 3 && ax != -1)
        return SEER_OK;
    const struct seer_tensor *w = cv->in[1];
    const struct seer_tensor *b = cv->a.has_bias && cv->n_in > 2 ? cv->in[2] : NULL;
    if (cv->a.has_bias && (!is_const(b) || b->dtype != SEER_DTYPE_F32))
        return SEER_OK;
    int64_t co = w->dims[3], rows = w->dims[0] * w->dims[1] * w->dims[2], c0 = 0;
    for (int k = 0; k < sp->n_out; k++) {
        struct seer_tensor *part = sp->out[k];
        int64_t ck = part->dims[3];
        if (ck < 1 || c0 + ck > co)
            return SEER_OK;
        /* The part's weights: columns [c0, c0 + ck) of the [KH*KW*CI, CO] matrix. */
        int64_t wd[4] = {w->dims[0], w->dims[1], w->dims[2], ck};
        float *wk = seer_arena_array(f->g->arena, (size_t)(rows * ck), sizeof(float));
        if (!wk)
            return SEER_ENOMEM;
        for (int64_t r = 0; r < rows; r++)
            memcpy(wk + r * ck, (const float *)w->data + r * co + c0, (size_t)ck * sizeof(float));
        struct seer_value *in[3] = {
            val(cv->in[0]),
            seer_graph_add_const(f->g, val(cv->in[1])->name, SEER_DTYPE_F32, 4, wd, wk, false),
            NULL};
        if (!in[1])
            return SEER_ENOMEM;
        if (b &&
            !(in[2] = seer_graph_add_const(f->g, val((struct seer_tensor *)b)->name, SEER_DTYPE_F32,
                                           1, &ck, (const float *)b->data + c0, false)))
            return SEER_ENOMEM;
        char name[512];
        snprintf(name, sizeof(name), "%s/seer_part:%d", cv->name, k);
        struct seer_node *nk = seer_graph_add_node(f->g, SEER_OP_CONV2D, name, b ? 3 : 2, in, 1);
        if (!nk)
            return SEER_ENOMEM;
        nk->a = cv->a;
        /* The new convolution writes the SplitV's output k (its name and readers). */
        nk->out[0] = part;
        val(part)->producer = nk;
        c0 += ck;
    }
    f->changed = true;
    return SEER_OK;
}

int seer__graph_fold_convs(struct seer_graph *g, bool *changed, struct seer_err *err)
{
    struct fold f = {.g = g};
    int rc = SEER_OK;

    *changed = false;
    f.n_uses = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    if (!f.n_uses)
        return seer_errf(err, SEER_ENOMEM, "out of memory in the fold pass");
    for (int j = 0; j < g->n_nodes; j++)
        for (int i = 0; i < g->nodes[j]->n_in; i++)
            if (g->nodes[j]->in[i])
                f.n_uses[val(g->nodes[j]->in[i])->id]++;
    for (int i = 0; i < g->n_outputs; i++)
        f.n_uses[g->outputs[i]->id]++;
    /* Values added below (bias views) are constants, never looked up in n_uses. */
    int n0 = g->n_nodes; /* fold_split appends nodes: they need no visit */
    for (int j = 0; j < n0 && !rc; j++) {
        struct seer_node *nd = g->nodes[j];
        if (nd->op == SEER_OP_CONV2D || nd->op == SEER_OP_DEPTHWISE_CONV2D ||
            nd->op == SEER_OP_MAXPOOL)
            fold_pad(&f, nd);
        else if ((nd->op == SEER_OP_ADD && fold_bias(&f, nd)) ||
                 (nd->op == SEER_OP_SPLITV && fold_split(&f, nd)))
            rc = seer_errf(err, SEER_ENOMEM, "out of memory in the fold pass");
    }
    *changed = f.changed;
    seer_free(f.n_uses);
    return rc;
}
