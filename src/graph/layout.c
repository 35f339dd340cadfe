/*
 * Transpose sinking: the layout pass of seer_graph_prepare (see passes.h).
 *
 * A model converted from an NCHW framework (NanoDet went ONNX -> TF -> TF.js) wraps every
 * convolution in Transposes: NCHW -> NHWC before it, back after it, with the activation,
 * Pad and Concat between convolutions done in NCHW. NanoDet has 83 of them; each moves a
 * whole activation through memory for nothing.
 *
 * The pass walks the nodes in topological order. At a layout-agnostic node N whose
 * activation inputs all come out of Transposes with the same permutation P, it rewires N
 * to read the Transposes' inputs (permuting N's axis, paddings or constant operands to
 * match) and puts one Transpose P after each of N's outputs instead. The Transposes thus
 * move down the graph until they meet a Transpose that undoes them, and the pair
 * disappears (two Transposes in a row become one; an identity permutation becomes
 * nothing). Near a graph input, where NanoDet pads the NCHW image before its first
 * Transpose, a Transpose moves up through Pad and unary ops instead, so that it becomes
 * the first op of the graph.
 *
 * Every move is exact: the same elements go through the same arithmetic, only stored in
 * another order. The value a moved Transpose writes keeps its name, shape and consumers
 * (the new Transpose writes the old value), so graph outputs are never touched; a
 * Transpose is not moved past a node when another reader of its output could not follow
 * it, which would leave two Transposes where there was one.
 */
#include "graph/passes.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "kernels/kernel.h"

/* Readers of one value (a node reading it twice appears twice). */
struct ulist {
    struct seer_node **nd;
    int n, cap;
};

struct lay {
    struct seer_graph *g;
    struct ulist *u; /* by value id */
    int n_u;
    struct seer_node **pinned; /* Transposes moved up to a graph input: they stay there */
    int n_pinned;
    bool changed;
    struct seer_err *err;
};

enum kind { K_NONE, K_UNARY, K_BINARY, K_PAD, K_CONCAT, K_SPLITV, K_RESHAPE };

static enum kind kind_of(const struct seer_node *nd)
{
    switch (nd->op) {
    case SEER_OP_IDENTITY:
    case SEER_OP_RELU:
    case SEER_OP_RELU6:
    case SEER_OP_LEAKY_RELU:
    case SEER_OP_SIGMOID:
    case SEER_OP_TANH:
    case SEER_OP_EXP:
    case SEER_OP_HARD_SWISH:
    case SEER_OP_CAST: return nd->n_in == 1 ? K_UNARY : K_NONE;
    case SEER_OP_ADD:
    case SEER_OP_SUB:
    case SEER_OP_MUL:
    case SEER_OP_DIV:
    case SEER_OP_FLOORDIV:
    case SEER_OP_FLOORMOD:
    case SEER_OP_MAXIMUM:
    case SEER_OP_MINIMUM:
    case SEER_OP_EQUAL:
    case SEER_OP_LESS:
    case SEER_OP_GREATER: return nd->n_in == 2 && nd->n_out == 1 ? K_BINARY : K_NONE;
    case SEER_OP_PAD: return K_PAD;
    case SEER_OP_CONCAT: return K_CONCAT;
    case SEER_OP_SPLITV: return K_SPLITV;
    case SEER_OP_RESHAPE: return K_RESHAPE;
    default: return K_NONE;
    }
}

static struct seer_value *val(struct seer_tensor *t)
{
    return t ? seer_value_of(t) : NULL;
}

static bool is_const(const struct seer_tensor *t)
{
    return seer_value_of((struct seer_tensor *)t)->kind == SEER_VALUE_CONST && t->data;
}

/* ---- readers of values ---- */

static struct ulist *uses(struct lay *L, const struct seer_value *v)
{
    if (v->id >= L->n_u) {
        int n = L->n_u ? L->n_u : 64;
        while (n <= v->id)
            n *= 2;
        struct ulist *u = seer_realloc(L->u, (size_t)n * sizeof(*u));
        if (!u)
            return NULL;
        memset(u + L->n_u, 0, (size_t)(n - L->n_u) * sizeof(*u));
        L->u = u;
        L->n_u = n;
    }
    return &L->u[v->id];
}

static int add_use(struct lay *L, const struct seer_value *v, struct seer_node *nd)
{
    struct ulist *u = uses(L, v);

    if (!u)
        return SEER_ENOMEM;
    if (u->n == u->cap) {
        int cap = u->cap ? 2 * u->cap : 4;
        struct seer_node **p = seer_realloc(u->nd, (size_t)cap * sizeof(*p));
        if (!p)
            return SEER_ENOMEM;
        u->nd = p;
        u->cap = cap;
    }
    u->nd[u->n++] = nd;
    return SEER_OK;
}

static void del_use(struct lay *L, const struct seer_value *v, const struct seer_node *nd)
{
    struct ulist *u = uses(L, v);

    for (int i = 0; u && i < u->n; i++)
        if (u->nd[i] == nd) {
            u->nd[i] = u->nd[--u->n];
            return;
        }
}

static int n_uses(struct lay *L, const struct seer_value *v)
{
    struct ulist *u = uses(L, v);

    return u ? u->n : 0;
}

/* nd->in[i] = v, keeping the reader lists right. */
static int set_input(struct lay *L, struct seer_node *nd, int i, struct seer_value *v)
{
    if (nd->in[i])
        del_use(L, val(nd->in[i]), nd);
    nd->in[i] = v ? &v->t : NULL;
    return v ? add_use(L, v, nd) : SEER_OK;
}

/* Every reader of from reads to instead. */
static int redirect(struct lay *L, struct seer_value *from, struct seer_value *to)
{
    struct ulist *u = uses(L, from);

    while (u && u->n > 0) {
        struct seer_node *nd = u->nd[0];
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] == &from->t) {
                int rc = set_input(L, nd, i, to);
                if (rc)
                    return rc;
                u = uses(L, from); /* set_input may have moved the table */
            }
    }
    return SEER_OK;
}

/* ---- permutations ---- */

/* The permutation of a Transpose with a valid constant perm; returns its rank or -1. */
static int node_perm(const struct seer_node *nd, int *perm)
{
    if (!nd || nd->op != SEER_OP_TRANSPOSE || nd->n_in != 2 || nd->n_out != 1 || !nd->in[0] ||
        !nd->in[1])
        return -1;
    const struct seer_tensor *p = nd->in[1];
    int r = nd->in[0]->ndim;
    unsigned seen = 0;
    if (!is_const(p) || p->ndim != 1 || p->dims[0] != r ||
        (p->dtype != SEER_DTYPE_I32 && p->dtype != SEER_DTYPE_I64))
        return -1;
    for (int i = 0; i < r; i++) {
        int64_t v = seer_tensor_get_int(p, i);
        if (v < 0 || v >= r || (seen & (1u << v)))
            return -1;
        seen |= 1u << v;
        perm[i] = (int)v;
    }
    return r;
}

/* The perm of the Transpose that makes v, or -1 when v does not come from one. */
static int producer_perm(const struct seer_value *v, int *perm)
{
    return v->kind == SEER_VALUE_ACT ? node_perm(v->producer, perm) : -1;
}

static bool is_identity(const int *perm, int r)
{
    for (int i = 0; i < r; i++)
        if (perm[i] != i)
            return false;
    return true;
}

/* Whether a Transpose with this perm leaves the bytes of x in place (it only moves
 * size-1 dims): then it is a Reshape. */
static bool moves_only_ones(const struct seer_tensor *x, const int *perm, int r)
{
    int last = -1;

    for (int i = 0; i < r; i++) {
        if (x->dims[perm[i]] == 1)
            continue;
        if (perm[i] < last)
            return false;
        last = perm[i];
    }
    return true;
}

static struct seer_value *ints_const(struct lay *L, const char *name, const int64_t *v, int n,
                                     int ndim)
{
    int32_t buf[SEER_MAX_DIMS * 2];
    int64_t dims[1] = {n};

    for (int i = 0; i < n; i++) {
        if (v[i] < INT32_MIN || v[i] > INT32_MAX)
            return seer_graph_add_const(L->g, name, SEER_DTYPE_I64, ndim, dims, v, true);
        buf[i] = (int32_t)v[i];
    }
    return seer_graph_add_const(L->g, name, SEER_DTYPE_I32, ndim, dims, buf, true);
}

static struct seer_value *perm_const(struct lay *L, const int *perm, int r)
{
    int64_t v[SEER_MAX_DIMS];

    for (int i = 0; i < r; i++)
        v[i] = perm[i];
    return ints_const(L, "seer_layout/perm", v, r, 1);
}

/* A constant operand c of a binary op whose output (rank r) moves to the layout x with
 * y = transpose(x, perm): the constant c' with transpose(c', perm) == c (as broadcast to
 * rank r), or c itself when it is a single element. NULL only for out-of-memory. */
static struct seer_value *permute_const(struct lay *L, struct seer_value *c, const int *perm, int r)
{
    const struct seer_tensor *t = &c->t;
    int64_t full[SEER_MAX_DIMS], nd[SEER_MAX_DIMS], ns[SEER_MAX_DIMS], fs[SEER_MAX_DIMS];
    int64_t n = seer_tensor_numel(t);
    size_t es = seer_dtype_size(t->dtype);

    if (n == 1)
        return c;
    for (int i = 0; i < r; i++)
        full[i] = i < r - t->ndim ? 1 : t->dims[i - (r - t->ndim)];
    /* c'.dims[perm[i]] = full[i]; walk c' in order and read c at the matching index. */
    for (int i = 0; i < r; i++)
        nd[perm[i]] = full[i];
    fs[r - 1] = 1;
    ns[r - 1] = 1;
    for (int i = r - 2; i >= 0; i--) {
        fs[i] = fs[i + 1] * full[i + 1];
        ns[i] = ns[i + 1] * nd[i + 1];
    }
    uint8_t *data = seer_arena_alloc(L->g->arena, (size_t)n * es);
    if (!data)
        return NULL;
    for (int64_t k = 0; k < n; k++) {
        int64_t rest = k, src = 0;
        for (int j = 0; j < r; j++) {
            int64_t idx = rest / ns[j];
            rest -= idx * ns[j];
            /* c' dim j is full dim i with perm[i] == j */
            for (int i = 0; i < r; i++)
                if (perm[i] == j)
                    src += idx * fs[i];
        }
        memcpy(data + (size_t)k * es, (const uint8_t *)t->data + (size_t)src * es, es);
    }
    return seer_graph_add_const(L->g, c->name, t->dtype, r, nd, data, false);
}

/*
 * Reshape after Transpose: z = reshape(transpose(x, perm), zdims). When the reshape only
 * merges or splits dims that stay neighbours, in order, in x, then z = transpose(
 * reshape(x, xz), q) for a shape xz of z's rank and a perm q, both written here. Size-1
 * dims take no part: they may go anywhere. Returns false when the reshape mixes dims that
 * the transpose separates.
 */
static bool reshape_through(const struct seer_tensor *x, const int *perm, int r,
                            const struct seer_tensor *z, int64_t *xz, int *q)
{
    int sx[SEER_MAX_DIMS], ylist[SEER_MAX_DIMS], zlist[SEER_MAX_DIMS], zslot[SEER_MAX_DIMS];
    int ny = 0, nz = 0, ns = 0;
    /* groups: y entries from gy0 and z entries [gz0, gz1); gx: first squeezed x dim */
    int gy0[SEER_MAX_DIMS], gz0[SEER_MAX_DIMS], gz1[SEER_MAX_DIMS];
    int gx[SEER_MAX_DIMS], n_g = 0;

    for (int i = 0; i < r; i++) {
        if (x->dims[i] == 0)
            return false;
        sx[i] = x->dims[i] == 1 ? -1 : ns++;
    }
    int64_t xs[SEER_MAX_DIMS];
    for (int i = 0, k = 0; i < r; i++)
        if (sx[i] >= 0)
            xs[k++] = x->dims[i];
    for (int i = 0; i < r; i++)
        if (sx[perm[i]] >= 0)
            ylist[ny++] = sx[perm[i]];
    for (int i = 0; i < z->ndim; i++) {
        if (z->dims[i] == 0)
            return false;
        if (z->dims[i] != 1)
            zlist[nz++] = i;
    }
    int a = 0, b = 0;
    while (a < ny && b < nz) {
        int64_t py = xs[ylist[a]], pz = z->dims[zlist[b]];
        gy0[n_g] = a++;
        gz0[n_g] = b++;
        while (py != pz) {
            if (py < pz) {
                if (a >= ny)
                    return false;
                py *= xs[ylist[a++]];
            } else {
                if (b >= nz)
                    return false;
                pz *= z->dims[zlist[b++]];
            }
        }
        gz1[n_g] = b;
        for (int k = gy0[n_g] + 1; k < a; k++)
            if (ylist[k] != ylist[k - 1] + 1)
                return false;
        gx[n_g] = ylist[gy0[n_g]];
        n_g++;
    }
    if (a != ny || b != nz)
        return false;
    /* Fill z's non-1 slots with the groups in x's order. */
    for (int i = 0; i < z->ndim; i++) {
        xz[i] = 1;
        q[i] = i;
    }
    int t = 0, done = 0;
    while (done < n_g) {
        int best = -1;
        for (int k = 0; k < n_g; k++)
            if (gx[k] >= 0 && (best < 0 || gx[k] < gx[best]))
                best = k;
        for (int e = gz0[best]; e < gz1[best]; e++, t++)
            zslot[t] = zlist[e];
        gx[best] = -1;
        done++;
    }
    /* zslot[t] is the z dim that lands in the t-th non-1 slot of xz. */
    for (int k = 0; k < nz; k++) {
        xz[zlist[k]] = z->dims[zslot[k]];
        q[zslot[k]] = zlist[k];
    }
    return true;
}

/* ---- moves ---- */

static int node_name(char *buf, size_t n, const struct seer_node *nd, const char *what, int k)
{
    return snprintf(buf, n, "%s/seer_%s:%d", nd->name, what, k);
}

/* Re-infers nd's output shapes. A failure here is a bug in this pass, reported as such
 * rather than left to produce wrong numbers. */
static int reshape_node(struct lay *L, struct seer_node *nd)
{
    const struct seer_op_info *info = seer_op_info(nd->op);
    int rc = info ? info->shape(nd, L->err) : SEER_EINVAL;

    if (rc)
        seer_err_prefix(L->err, "layout pass, node '%s': ", nd->name);
    return rc;
}

/* Puts transpose(., perm) after output k of nd: nd writes a new value, the new Transpose
 * writes the old one (same name, shape and readers). */
static int transpose_after(struct lay *L, struct seer_node *nd, int k, struct seer_value *pv,
                           struct seer_node **made)
{
    char name[512];
    struct seer_value *v = val(nd->out[k]);
    struct seer_value *in[2] = {NULL, pv};

    node_name(name, sizeof(name), nd, "layout", k);
    struct seer_node *t = seer_graph_add_node(L->g, SEER_OP_TRANSPOSE, name, 2, in, 1);
    if (!t)
        return SEER_ENOMEM;
    struct seer_value *f = val(t->out[0]);
    nd->out[k] = &f->t;
    f->producer = nd;
    t->out[0] = &v->t;
    v->producer = t;
    if (set_input(L, t, 0, f) || add_use(L, pv, t))
        return SEER_ENOMEM;
    *made = t;
    return SEER_OK;
}

/* Whether every reader of the Transpose output tv can take a Transpose from above:
 * otherwise moving it past one reader leaves it in place for the others. (A graph output
 * keeps its Transpose either way; what moves on may still cancel.) */
static bool readers_follow(struct lay *L, const struct seer_value *tv)
{
    struct ulist *u = uses(L, tv);

    for (int i = 0; u && i < u->n; i++)
        if (kind_of(u->nd[i]) == K_NONE && u->nd[i]->op != SEER_OP_TRANSPOSE)
            return false;
    return true;
}

static int try_push(struct lay *L, struct seer_node *nd)
{
    enum kind k = kind_of(nd);
    int perm[SEER_MAX_DIMS], p2[SEER_MAX_DIMS], r = -1, rc = SEER_OK, n_act = 0;
    struct seer_value **nin = NULL;
    struct seer_node **tn = NULL;
    struct seer_tensor *olds = NULL;
    int q[SEER_MAX_DIMS];
    bool q_id = false;

    if (k == K_NONE || nd->n_in < 1)
        return SEER_OK;
    /* Which inputs are activations: all of them for elementwise ops and Concat, the first
     * for the rest (whose other inputs must be constants). */
    for (int i = 0; i < nd->n_in; i++) {
        struct seer_tensor *t = nd->in[i];
        bool act_slot = k == K_BINARY || k == K_CONCAT || i == 0;
        if (!t) {
            if (act_slot)
                return SEER_OK;
            continue;
        }
        if (is_const(t)) {
            if (i == 0 && k != K_BINARY && k != K_CONCAT)
                return SEER_OK;
            continue;
        }
        if (!act_slot)
            return SEER_OK;
        int rr = producer_perm(val(t), p2);
        for (int pi = 0; rr >= 0 && pi < L->n_pinned; pi++)
            if (L->pinned[pi] == val(t)->producer)
                return SEER_OK;
        if (rr < 0 || (r >= 0 && (rr != r || memcmp(p2, perm, sizeof(int) * (size_t)r))))
            return SEER_OK;
        if (r < 0) {
            r = rr;
            memcpy(perm, p2, sizeof(int) * (size_t)r);
        }
        if (!readers_follow(L, val(t)))
            return SEER_OK;
        n_act++;
    }
    if (r < 1 || n_act == 0 || is_identity(perm, r))
        return SEER_OK;
    for (int o = 0; o < nd->n_out; o++)
        if (!nd->out[o] || nd->out[o]->ndim != (k == K_RESHAPE ? nd->out[o]->ndim : r))
            return SEER_OK;
    for (int i = 0; i < nd->n_in; i++)
        if (nd->in[i] && !is_const(nd->in[i]) && nd->in[i]->ndim != r)
            return SEER_OK;

    nin = seer_calloc((size_t)nd->n_in, sizeof(*nin));
    if (!nin)
        return SEER_ENOMEM;
    const struct seer_tensor *x0 = NULL;
    for (int i = 0; i < nd->n_in; i++) {
        struct seer_tensor *t = nd->in[i];
        if (!t)
            continue;
        if (!is_const(t)) {
            nin[i] = val(val(t)->producer->in[0]);
            if (!x0)
                x0 = &nin[i]->t;
            continue;
        }
        nin[i] = val(t);
        if ((k == K_BINARY || k == K_CONCAT) && t->ndim > r)
            goto refuse;
        if (k == K_BINARY || k == K_CONCAT) {
            if (k == K_CONCAT && t->ndim != r)
                goto refuse;
            nin[i] = permute_const(L, val(t), perm, r);
        } else if (k == K_PAD && i == 1) {
            int64_t pads[SEER_MAX_DIMS * 2];
            if (t->ndim != 2 || t->dims[0] != r || t->dims[1] != 2)
                goto refuse;
            for (int d = 0; d < r; d++) {
                pads[2 * perm[d]] = seer_tensor_get_int(t, 2 * d);
                pads[2 * perm[d] + 1] = seer_tensor_get_int(t, 2 * d + 1);
            }
            nin[i] = ints_const(L, "seer_layout/paddings", pads, 2 * r, 1);
            if (nin[i]) {
                nin[i]->t.ndim = 2;
                nin[i]->t.dims[0] = r;
                nin[i]->t.dims[1] = 2;
            }
        } else if (k == K_SPLITV && i == 2) {
            int64_t ax;
            if (seer_tensor_numel(t) != 1)
                goto refuse;
            ax = seer_tensor_get_int(t, 0);
            if (ax < -r || ax >= r)
                goto refuse;
            ax = perm[ax < 0 ? ax + r : ax];
            nin[i] = ints_const(L, "seer_layout/axis", &ax, 1, t->ndim);
        } else if (k == K_RESHAPE && i == 1) {
            int64_t xz[SEER_MAX_DIMS];
            if (!reshape_through(x0, perm, r, nd->out[0], xz, q))
                goto refuse;
            q_id = is_identity(q, nd->out[0]->ndim);
            nin[i] = ints_const(L, "seer_layout/shape", xz, nd->out[0]->ndim, 1);
        } else if (k == K_UNARY || i > 0) {
            continue; /* Pad's constant value, SplitV's sizes: unchanged */
        }
        if (!nin[i]) {
            rc = seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
            goto out;
        }
    }
    if (k == K_CONCAT) {
        int ax = nd->a.axis < 0 ? nd->a.axis + r : nd->a.axis;
        if (ax < 0 || ax >= r)
            goto refuse;
        nd->a.axis = perm[ax];
    }

    /* Commit: new inputs, a Transpose after each output, new shapes. */
    tn = seer_calloc((size_t)nd->n_out, sizeof(*tn));
    olds = seer_calloc((size_t)nd->n_out, sizeof(*olds));
    if (!tn || !olds) {
        rc = seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
        goto out;
    }
    for (int i = 0; i < nd->n_in; i++)
        if (nin[i] && nin[i] != val(nd->in[i]) && set_input(L, nd, i, nin[i])) {
            rc = seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
            goto out;
        }
    for (int o = 0; o < nd->n_out; o++) {
        olds[o] = *nd->out[o];
        if (k == K_RESHAPE && q_id)
            continue;
        struct seer_value *pv =
            k == K_RESHAPE ? perm_const(L, q, nd->out[o]->ndim) : perm_const(L, perm, r);
        if (!pv || transpose_after(L, nd, o, pv, &tn[o])) {
            rc = seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
            goto out;
        }
    }
    rc = reshape_node(L, nd);
    for (int o = 0; !rc && o < nd->n_out; o++) {
        const struct seer_tensor *y = tn[o] ? tn[o]->out[0] : nd->out[o];
        if (tn[o])
            rc = reshape_node(L, tn[o]);
        if (!rc && (y->ndim != olds[o].ndim || y->dtype != olds[o].dtype ||
                    memcmp(y->dims, olds[o].dims, sizeof(int64_t) * (size_t)y->ndim)))
            rc = seer_errf(L->err, SEER_EINVAL, "layout pass: node '%s' output %d changed shape",
                           nd->name, o);
    }
    L->changed = true;
    goto out;
refuse:
    rc = SEER_OK;
out:
    seer_free(nin);
    seer_free(tn);
    seer_free(olds);
    return rc;
}

/* A Transpose whose input comes out of another Transpose reads the first one's input
 * with the two permutations composed; when they cancel, its readers read that input. */
static int try_compose(struct lay *L, struct seer_node *m)
{
    int p2[SEER_MAX_DIMS], p1[SEER_MAX_DIMS], q[SEER_MAX_DIMS];
    int r = node_perm(m, p2);
    struct seer_value *z = r >= 0 ? val(m->out[0]) : NULL;
    int rc;

    if (r < 0 || (n_uses(L, z) == 0 && !z->is_output))
        return SEER_OK;
    struct seer_value *x = val(m->in[0]);
    memcpy(q, p2, sizeof(q));
    if (producer_perm(x, p1) == r) {
        struct seer_value *a = val(x->producer->in[0]);
        for (int i = 0; i < r; i++)
            q[i] = p1[p2[i]];
        struct seer_value *pv = perm_const(L, q, r);
        if (!pv || set_input(L, m, 0, a) || set_input(L, m, 1, pv))
            return seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
        x = a;
        L->changed = true;
    }
    if (!moves_only_ones(&x->t, q, r))
        return SEER_OK;
    if (is_identity(q, r) && !z->is_output) {
        rc = redirect(L, z, x);
        if (rc)
            return seer_errf(L->err, rc, "out of memory in the layout pass");
    } else {
        /* Only size-1 dims move (or the result must keep its name): a Reshape, which
         * copies at most and costs nothing once the planner aliases it. */
        int64_t d[SEER_MAX_DIMS];
        for (int i = 0; i < r; i++)
            d[i] = z->t.dims[i];
        struct seer_value *sv = ints_const(L, "seer_layout/shape", d, r, 1);
        if (!sv || set_input(L, m, 1, sv))
            return seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
        m->op = SEER_OP_RESHAPE;
    }
    L->changed = true;
    return SEER_OK;
}

/*
 * Near a graph input: x -> N (a unary op or Pad) -> y -> Transpose(perm) -> z, with y read
 * only by the Transpose, becomes x -> Transpose -> y -> N -> z. The values keep their
 * roles (y now holds the transposed x), so z keeps its readers; N's paddings follow the
 * permutation. Node order: the Transpose takes N's place and N the Transpose's.
 */
static int swap_up(struct lay *L, struct seer_node *n, struct seer_node *t, const int *perm, int r)
{
    struct seer_value *x = val(n->in[0]), *y = val(n->out[0]), *z = val(t->out[0]);
    struct seer_tensor oldz = z->t;
    int rc;

    if (n->op == SEER_OP_PAD) {
        int64_t pads[SEER_MAX_DIMS * 2];
        const struct seer_tensor *p = n->in[1];
        if (!p || !is_const(p) || p->ndim != 2 || p->dims[0] != r || p->dims[1] != 2)
            return SEER_OK;
        for (int d = 0; d < r; d++) {
            pads[2 * d] = seer_tensor_get_int(p, 2 * perm[d]);
            pads[2 * d + 1] = seer_tensor_get_int(p, 2 * perm[d] + 1);
        }
        struct seer_value *pv = ints_const(L, "seer_layout/paddings", pads, 2 * r, 1);
        if (!pv)
            return seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
        pv->t.ndim = 2;
        pv->t.dims[0] = r;
        pv->t.dims[1] = 2;
        if (set_input(L, n, 1, pv))
            return seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
    }
    if (set_input(L, t, 0, x) || set_input(L, n, 0, y))
        return seer_errf(L->err, SEER_ENOMEM, "out of memory in the layout pass");
    t->out[0] = &y->t;
    y->producer = t;
    n->out[0] = &z->t;
    z->producer = n;
    int in = n->id, it = t->id;
    L->g->nodes[in] = t;
    L->g->nodes[it] = n;
    t->id = in;
    n->id = it;
    rc = reshape_node(L, t);
    if (!rc)
        rc = reshape_node(L, n);
    if (!rc && !seer_tensor_same_shape(&z->t, &oldz))
        rc = seer_errf(L->err, SEER_EINVAL, "layout pass: node '%s' changed shape", n->name);
    L->changed = true;
    return rc;
}

/* Moves the first Transpose after graph input x up to x, through a chain of unary ops
 * and Pads that nothing else reads. */
static int hoist_to_input(struct lay *L, struct seer_value *x)
{
    struct seer_node *chain[16];
    int n = 0, perm[SEER_MAX_DIMS], r = -1;
    struct seer_value *v = x;

    for (;;) {
        if (n_uses(L, v) != 1 || v->is_output)
            return SEER_OK;
        struct seer_node *nd = uses(L, v)->nd[0];
        if (nd->in[0] != &v->t)
            return SEER_OK;
        if ((r = node_perm(nd, perm)) >= 0) {
            if (is_identity(perm, r) || n == 0)
                return SEER_OK;
            for (int i = n - 1; i >= 0; i--) {
                int rc = swap_up(L, chain[i], nd, perm, r);
                if (rc)
                    return rc;
            }
            L->pinned[L->n_pinned++] = nd;
            return SEER_OK;
        }
        enum kind k = kind_of(nd);
        if ((k != K_UNARY && k != K_PAD) || nd->n_out != 1 || n == 16)
            return SEER_OK;
        for (int i = 1; i < nd->n_in; i++)
            if (nd->in[i] && !is_const(nd->in[i]))
                return SEER_OK;
        chain[n++] = nd;
        v = val(nd->out[0]);
    }
}

int seer__graph_sink_transposes(struct seer_graph *g, bool *changed, struct seer_err *err)
{
    struct lay L = {.g = g, .err = err};
    int rc = SEER_OK, n0 = g->n_nodes;
    bool any = false;

    *changed = false;
    for (int j = 0; j < n0 && !any; j++)
        any = g->nodes[j]->op == SEER_OP_TRANSPOSE;
    if (!any)
        return SEER_OK;
    for (int j = 0; j < n0; j++)
        for (int i = 0; i < g->nodes[j]->n_in; i++)
            if (g->nodes[j]->in[i] && add_use(&L, val(g->nodes[j]->in[i]), g->nodes[j])) {
                rc = seer_errf(err, SEER_ENOMEM, "out of memory in the layout pass");
                goto out;
            }
    L.pinned = seer_calloc((size_t)g->n_inputs + 1, sizeof(*L.pinned));
    if (!L.pinned) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory in the layout pass");
        goto out;
    }
    for (int i = 0; i < g->n_inputs && !rc; i++)
        rc = hoist_to_input(&L, g->inputs[i]);
    /* One walk in topological order suffices: a Transpose placed after node j is read
     * only by nodes after j, which the walk has yet to visit. */
    for (int j = 0; j < n0 && !rc; j++) {
        struct seer_node *nd = g->nodes[j];
        rc = nd->op == SEER_OP_TRANSPOSE ? try_compose(&L, nd) : try_push(&L, nd);
    }
    *changed = L.changed;
out:
    for (int i = 0; i < L.n_u; i++)
        seer_free(L.u[i].nd);
    seer_free(L.u);
    seer_free(L.pinned);
    return rc;
}
