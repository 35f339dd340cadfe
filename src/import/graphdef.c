/*
 * TensorFlow GraphDef importer (frozen_inference_graph.pb and the graph of a SavedModel's
 * MetaGraphDef) into a struct seer_graph.
 *
 * Design:
 * - The file is read through the bounded wire reader of pb.h: every NodeDef, AttrValue,
 *   TensorShapeProto and TensorProto is decoded by graphdef_pb.c from a sub-reader that
 *   cannot see past its field. Attributes land in the structs of tfattr.h, so op names
 *   and attribute semantics (including TensorFlow's OpDef defaults for attributes an old
 *   exporter left out, such as Conv2D's dilations) come from the same mapping as the TF.js
 *   importer: only the encoding differs. Constants come from tensor_content or from the
 *   typed *_val fields (a short list repeats its last value, as TensorFlow reads it).
 * - Only what the outputs need is built: a reverse walk from the outputs (the caller's
 *   tensor names, or every node nothing consumes) over data inputs and the control
 *   inputs that matter. Asserts, savers and other side effects fall away.
 * - TF1 loops are cycles (NextIteration feeds Merge), so nodes are created in two
 *   passes: every needed node first, with its outputs, then every input is wired. A cycle
 *   that is not a loop (no NextIteration on it) is refused by seer_graph_prepare.
 * - Control inputs carry no data, but in a graph with control flow they carry deadness
 *   and frame membership: a constant inside a tf.cond branch or a while body has a
 *   control input from the branch's switch or the loop's pivot, and a dead branch's
 *   constants must be dead. Such an edge becomes a data edge of a ControlDependency
 *   node (SEER_OP_CONTROL_DEP) in front of the constant (or of the first data input of
 *   any other op). Control inputs from Assert, NoOp, Const and Placeholder nodes, and all
 *   control inputs of graphs without control flow, are dropped: they order side effects
 *   only.
 * - Placeholders keep their unknown dims (-1) unless the caller's options give them;
 *   graphs with unknown input dims or control flow run on the dataflow interpreter.
 *   Feeds (SavedModel signatures name intermediate tensors such as "x:0") replace a
 *   node's output by a graph input of unknown shape, and variables take their value
 *   from a callback (the SavedModel's checkpoint).
 * Everything temporary lives in a scratch arena freed at the end; the graph owns its
 * constants.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/strmap.h"
#include "import/graphdef_int.h"

/* Output indices beyond this are refused while parsing input names. */
#define MAX_OUTPUT_INDEX 65535
/* Control dependencies one node can carry (more are refused, not truncated). */
#define MAX_DEPS 63

enum { ST_NEEDED = 1 };

struct bnode {
    int n_out;
    struct seer_value **out; /* what consumers see, per output */
    struct seer_node *gn;    /* the engine node, NULL for constants and inputs */
    struct seer_node *dep;   /* the ControlDependency in front, or NULL */
    int n_data;              /* data inputs of the TF node */
    bool axis_from_last, zero_axis;
};

struct feed {
    int node, idx;
    struct seer_value *v;
};

struct ctx {
    const struct seer_limits *lim;
    const struct seer__gd_opts *o;
    struct seer_arena *scratch;
    struct seer_graph *g;
    struct seer__gd_node *nodes;
    struct bnode *b;
    int n;
    struct seer_strmap by_name, frames;
    int n_frames;
    bool control_flow;
    struct feed *feeds;
    int n_feeds;
    struct seer_value *zero;         /* the shared int32 0 for Gather's axis */
    struct seer_value *const *nulls; /* NULL inputs for nodes wired later (max_in of them) */
    size_t budget;                   /* bytes constants may still take */
    struct seer_err *err;
};

static int oom(struct ctx *c, const char *what)
{
    return seer_errf(c->err, SEER_ENOMEM, "out of memory (%s)", what);
}

static bool op_is(const struct seer__gd_node *nd, const char *op)
{
    return !strcmp(nd->op, op);
}

/* Splits "^name", "name" or "name:3"; false when malformed. */
static bool split_name(const char *s, size_t n, size_t *off, size_t *len, int *idx, bool *ctrl)
{
    size_t colon = n;
    long v = 0;

    *ctrl = n > 0 && s[0] == '^';
    *off = *ctrl;
    *idx = 0;
    for (size_t i = n; i > *off; i--) {
        if (s[i - 1] == ':') {
            colon = i - 1;
            break;
        }
    }
    if (colon < n) {
        if (colon + 1 == n || *ctrl)
            return false;
        for (size_t i = colon + 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            v = v * 10 + (s[i] - '0');
            if (v > MAX_OUTPUT_INDEX)
                return false;
        }
    }
    *len = colon - *off;
    *idx = (int)v;
    return *len > 0;
}

static int resolve_text(struct ctx *c, const char *who, const char *s, size_t n,
                        struct seer__gd_ref *r)
{
    size_t off, len;
    struct seer__gd_node *t;

    if (!split_name(s, n, &off, &len, &r->idx, &r->ctrl))
        return seer_errf(c->err, SEER_EFORMAT, "%s: bad tensor name '%.*s'", who,
                         (int)(n > 80 ? 80 : n), s);
    t = seer_strmap_getn(&c->by_name, s + off, len);
    if (!t)
        return seer_errf(c->err, SEER_EFORMAT,
                         "%s: input '%.*s' names a node that does not "
                         "exist",
                         who, (int)(n > 80 ? 80 : n), s);
    r->node = (int)(t - c->nodes);
    return SEER_OK;
}

static int index_nodes(struct ctx *c)
{
    static const char *const flow_ops[] = {"Switch", "Merge",         "Enter",
                                           "Exit",   "NextIteration", "LoopCond"};
    char who[160];
    int rc;

    for (int i = 0; i < c->n; i++) {
        struct seer__gd_node *nd = &c->nodes[i];
        if (seer_strmap_get(&c->by_name, nd->name))
            return seer_errf(c->err, SEER_EFORMAT, "two nodes are named '%s'", nd->name);
        if (seer_strmap_put(&c->by_name, nd->name, nd))
            return oom(c, "node names");
        for (size_t k = 0; k < sizeof(flow_ops) / sizeof(flow_ops[0]); k++)
            c->control_flow = c->control_flow || op_is(nd, flow_ops[k]);
    }
    for (int i = 0; i < c->n; i++) {
        struct seer__gd_node *nd = &c->nodes[i];
        snprintf(who, sizeof(who), "node '%.120s'", nd->name);
        for (int k = 0; k < nd->n_in; k++) {
            rc = resolve_text(c, who, (const char *)nd->in_text[k].data, nd->in_text[k].len,
                              &nd->in[k]);
            if (rc)
                return rc;
        }
    }
    return SEER_OK;
}

/* Whether a control input from node src must be kept (see the file comment). */
static bool ctrl_kept(const struct ctx *c, const struct seer__gd_node *src)
{
    return c->control_flow && !op_is(src, "Assert") && !op_is(src, "NoOp") &&
           !op_is(src, "Const") && !op_is(src, "Placeholder");
}

static struct feed *find_feed(const struct ctx *c, int node, int idx)
{
    for (int i = 0; i < c->n_feeds; i++)
        if (c->feeds[i].node == node && c->feeds[i].idx == idx)
            return &c->feeds[i];
    return NULL;
}

/* The graph's outputs as node references: the caller's, or every sink. */
static int find_outputs(struct ctx *c, struct seer__gd_ref **outs, int *n_outs)
{
    bool *used;
    int n = 0, rc;

    *outs =
        seer_arena_array(c->scratch, (size_t)c->n + (size_t)c->o->n_outputs + 1, sizeof(**outs));
    used = seer_arena_array(c->scratch, (size_t)c->n + 1, sizeof(*used));
    if (!*outs || !used)
        return oom(c, "outputs");
    if (c->o->outputs) {
        for (int i = 0; i < c->o->n_outputs; i++) {
            const char *s = c->o->outputs[i];
            rc = resolve_text(c, "output", s, strlen(s), &(*outs)[n]);
            if (rc)
                return rc;
            if ((*outs)[n++].ctrl)
                return seer_errf(c->err, SEER_EFORMAT, "output '%s' is a control name", s);
        }
    } else {
        for (int i = 0; i < c->n; i++)
            for (int k = 0; k < c->nodes[i].n_in; k++)
                used[c->nodes[i].in[k].node] = true;
        for (int i = 0; i < c->n; i++) {
            const struct seer__gd_node *nd = &c->nodes[i];
            if (used[i] || op_is(nd, "NoOp") || op_is(nd, "Assert") || op_is(nd, "Const") ||
                op_is(nd, "Placeholder"))
                continue;
            (*outs)[n++] = (struct seer__gd_ref){i, 0, false};
        }
    }
    if (!n)
        return seer_errf(c->err, SEER_EFORMAT, "the graph has no outputs");
    *n_outs = n;
    return SEER_OK;
}

/* Marks every node the outputs need, without recursion. */
static int mark_needed(struct ctx *c, const struct seer__gd_ref *outs, int n_outs)
{
    int *stack = seer_arena_array(c->scratch, (size_t)c->n + 1, sizeof(*stack)), sp = 0;

    if (!stack)
        return oom(c, "stack");
    for (int i = 0; i < n_outs; i++) {
        int j = outs[i].node;
        if (!find_feed(c, j, outs[i].idx) && !c->nodes[j].state) {
            c->nodes[j].state = ST_NEEDED;
            stack[sp++] = j;
        }
    }
    while (sp > 0) {
        const struct seer__gd_node *nd = &c->nodes[stack[--sp]];
        for (int k = 0; k < nd->n_in; k++) {
            const struct seer__gd_ref *r = &nd->in[k];
            struct seer__gd_node *src = &c->nodes[r->node];
            if (src->state || (r->ctrl ? !ctrl_kept(c, src) : find_feed(c, r->node, r->idx) != 0))
                continue;
            src->state = ST_NEEDED;
            stack[sp++] = r->node;
        }
    }
    return SEER_OK;
}

static int set_outputs(struct ctx *c, int j, int n_out, struct seer_value *const *v)
{
    struct bnode *b = &c->b[j];

    b->n_out = n_out;
    b->out = seer_arena_array(c->scratch, (size_t)n_out + 1, sizeof(*b->out));
    if (!b->out)
        return oom(c, "outputs");
    for (int i = 0; i < n_out; i++)
        b->out[i] = v[i];
    return SEER_OK;
}

static int build_const(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    int64_t dims[SEER_MAX_DIMS];
    enum seer_dtype dt;
    void *data;
    int ndim, rc;
    struct seer_value *v;

    rc = seer__gd_const_value(nd, c->lim, c->g->arena, &c->budget, &dt, &ndim, dims, &data, c->err);
    if (rc)
        return rc;
    v = seer_graph_add_const(c->g, nd->name, dt, ndim, dims, data, false);
    if (!v)
        return oom(c, nd->name);
    return set_outputs(c, j, 1, &v);
}

/* A graph input with the placeholder's dtype and shape; unknown dims stay -1 unless the
 * caller's options give them. */
static int build_input(struct ctx *c, int j, const char *name, int tf_dt,
                       const struct seer__tf_shape *shape)
{
    const struct seer_import_opts *io = c->o->io;
    struct seer__tf_shape sh = *shape;
    enum seer_dtype dt;
    struct seer_value *v;

    if (!seer__tf_dt_to_seer(tf_dt, false, &dt))
        return seer_errf(c->err, SEER_EUNSUPPORTED, "input '%s': dtype %s is not supported", name,
                         seer__tf_dt_name(tf_dt));
    if (sh.unknown_rank && io && io->input_ndim > 0 && io->input_ndim <= SEER_MAX_DIMS) {
        sh.unknown_rank = false;
        sh.ndim = io->input_ndim;
        for (int i = 0; i < sh.ndim; i++)
            sh.dims[i] = -1;
    }
    for (int i = 0; !sh.unknown_rank && i < sh.ndim; i++)
        if (sh.dims[i] < 0 && io && io->input_ndim == sh.ndim && io->input_dims[i] > 0)
            sh.dims[i] = io->input_dims[i];
    v = seer_graph_add_input(c->g, name, dt, sh.unknown_rank ? 0 : sh.ndim, sh.dims);
    if (!v)
        return oom(c, name);
    if (sh.unknown_rank)
        v->t.ndim = -1; /* unknown rank: the caller sets a shape for each run */
    return j >= 0 ? set_outputs(c, j, 1, &v) : SEER_OK;
}

static int build_placeholder(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct seer__tf_node tn = {nd->name, nd->op, nd->n_attr, nd->attr};
    const struct seer__tf_attr *dt = seer__tf_attr_find(&tn, "dtype");
    const struct seer__tf_attr *sh = seer__tf_attr_find(&tn, "shape");
    struct seer__tf_shape shape = {.unknown_rank = true};

    if (!dt || dt->kind != SEER__TF_ATTR_TYPE)
        return seer_errf(c->err, SEER_EFORMAT, "input '%s' has no dtype", nd->name);
    if (sh && sh->kind == SEER__TF_ATTR_SHAPE)
        shape = sh->shape;
    return build_input(c, j, nd->name, dt->type, &shape);
}

static int build_variable(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct seer_value *v = NULL;
    int rc;

    if (!c->o->variable)
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "node '%s' is a variable (%s) and the graph has no checkpoint: freeze "
                         "the graph, or import the SavedModel folder",
                         nd->name, nd->op);
    rc = c->o->variable(c->o->var_ctx, nd->name, c->g, &v, c->err);
    if (rc)
        return rc;
    return set_outputs(c, j, 1, &v);
}

/* A TF op: mapped through tfattr.h, created with its inputs unwired. */
static int build_op(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct seer__tf_node tn = {nd->name, nd->op, nd->n_attr, nd->attr};
    struct bnode *b = &c->b[j];
    struct seer__tf_op op;
    struct seer_node *gn;
    const char *tf_op = nd->op;
    int n_in, rc;

    for (int k = 0; k < nd->n_in; k++)
        b->n_data += !nd->in[k].ctrl;
    /* Resource reads and defaulted placeholders pass a value on. */
    if (op_is(nd, "ReadVariableOp") || op_is(nd, "PlaceholderWithDefault"))
        tn.op = "Identity";
    rc = seer__tf_map_op(&tn, b->n_data, false, &op, c->err);
    tn.op = tf_op;
    if (rc)
        return rc;
    b->axis_from_last = op.axis_from_last;
    b->zero_axis = op.zero_axis;
    n_in = b->n_data - op.axis_from_last + op.zero_axis;
    if (op.axis_from_last) {
        const struct seer__gd_ref *r = NULL;
        for (int k = nd->n_in - 1; k >= 0 && !r; k--)
            if (!nd->in[k].ctrl)
                r = &nd->in[k];
        const struct seer__gd_node *an = &c->nodes[r->node];
        enum seer_dtype dt;
        int64_t dims[SEER_MAX_DIMS];
        void *data;
        int ndim;
        if (!op_is(an, "Const") || r->idx != 0)
            return seer_errf(c->err, SEER_EUNSUPPORTED,
                             "node '%s' (%s): the axis '%s' is not "
                             "a constant",
                             nd->name, nd->op, an->name);
        rc = seer__gd_const_value(an, c->lim, c->scratch, &c->budget, &dt, &ndim, dims, &data,
                                  c->err);
        if (rc)
            return rc;
        if (ndim != 0 || (dt != SEER_DTYPE_I32 && dt != SEER_DTYPE_I64))
            return seer_errf(c->err, SEER_EFORMAT, "node '%s' (%s): the axis is not one int",
                             nd->name, nd->op);
        op.a.axis = dt == SEER_DTYPE_I32 ? *(int32_t *)data : (int32_t) * (int64_t *)data;
    }
    if (op.frame) {
        void *id = seer_strmap_getn(&c->frames, op.frame, op.frame_len);
        if (!id) {
            id = (void *)(intptr_t)++c->n_frames;
            if (seer_strmap_putn(&c->frames, op.frame, op.frame_len, id))
                return oom(c, "frames");
        }
        op.a.frame = (int32_t)(intptr_t)id;
    }
    gn = seer_graph_add_node(c->g, op.op, nd->name, n_in, c->nulls, op.n_out);
    if (!gn)
        return oom(c, nd->name);
    gn->a = op.a;
    b->gn = gn;
    b->n_out = op.n_out;
    b->out = seer_arena_array(c->scratch, (size_t)op.n_out + 1, sizeof(*b->out));
    if (!b->out)
        return oom(c, "outputs");
    for (int i = 0; i < op.n_out; i++)
        b->out[i] = seer_value_of(gn->out[i]);
    return SEER_OK;
}

/* The ControlDependency in front of node j when it has control inputs that matter. */
static int build_dep(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct bnode *b = &c->b[j];
    int n_deps = 0;
    char name[300];

    for (int k = 0; k < nd->n_in; k++)
        n_deps += nd->in[k].ctrl && ctrl_kept(c, &c->nodes[nd->in[k].node]);
    if (!n_deps || (!b->gn && !op_is(nd, "Const")) || (b->gn && b->gn->n_in == 0))
        return SEER_OK;
    if (n_deps > MAX_DEPS)
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "node '%s' has %d control inputs (at most "
                         "%d)",
                         nd->name, n_deps, MAX_DEPS);
    snprintf(name, sizeof(name), "%.240s/^deps", nd->name);
    b->dep = seer_graph_add_node(c->g, SEER_OP_CONTROL_DEP, name, 1 + n_deps, c->nulls, 1);
    if (!b->dep)
        return oom(c, name);
    return SEER_OK;
}

static int build_node(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct feed *f;
    int rc;

    if (op_is(nd, "Const"))
        rc = build_const(c, j);
    else if (op_is(nd, "Placeholder"))
        rc = build_placeholder(c, j);
    else if (op_is(nd, "VariableV2") || op_is(nd, "Variable") || op_is(nd, "VarHandleOp"))
        rc = build_variable(c, j);
    else if (op_is(nd, "NoOp") || op_is(nd, "Assert"))
        rc = seer_errf(c->err, SEER_EFORMAT, "node '%s' (%s) has no outputs to use", nd->name,
                       nd->op);
    else
        rc = build_op(c, j);
    if (!rc)
        rc = build_dep(c, j);
    if (rc)
        return rc;
    /* A fed output of a needed node: consumers see the feed instead. */
    for (int i = 0; i < c->b[j].n_out; i++)
        if ((f = find_feed(c, j, i)))
            c->b[j].out[i] = f->v;
    return SEER_OK;
}

/* The value a reference names: a feed, or the output of a built node. */
static int value_of(struct ctx *c, int consumer, const struct seer__gd_ref *r,
                    struct seer_value **v)
{
    const struct bnode *b = &c->b[r->node];
    const struct feed *f = find_feed(c, r->node, r->idx);

    if (f) {
        *v = f->v;
        return SEER_OK;
    }
    if (r->idx >= b->n_out)
        return seer_errf(c->err, SEER_EFORMAT,
                         "node '%s': input '%s:%d' but '%s' has %d "
                         "output%s",
                         c->nodes[consumer].name, c->nodes[r->node].name, r->idx,
                         c->nodes[r->node].name, b->n_out, b->n_out == 1 ? "" : "s");
    *v = b->out[r->idx];
    return SEER_OK;
}

static int wire(struct ctx *c, int j)
{
    const struct seer__gd_node *nd = &c->nodes[j];
    struct bnode *b = &c->b[j];
    struct seer_value *v;
    int k = 0, seen = 0, rc;

    if (b->gn) {
        for (int i = 0; i < nd->n_in; i++) {
            if (nd->in[i].ctrl)
                continue;
            if (b->axis_from_last && ++seen == b->n_data)
                break;
            rc = value_of(c, j, &nd->in[i], &v);
            if (rc)
                return rc;
            b->gn->in[k++] = &v->t;
        }
        if (b->zero_axis) {
            if (!c->zero) {
                int32_t zero = 0;
                c->zero = seer_graph_add_const(c->g, "seer/gather_axis_0", SEER_DTYPE_I32, 0, NULL,
                                               &zero, true);
                if (!c->zero)
                    return oom(c, "axis");
            }
            b->gn->in[k++] = &c->zero->t;
        }
    }
    if (b->dep) {
        int d = 1;
        /* In front of a constant it replaces the constant; in front of an op it takes
         * the op's first input. */
        if (b->gn) {
            b->dep->in[0] = b->gn->in[0];
            b->gn->in[0] = b->dep->out[0];
        } else {
            b->dep->in[0] = &b->out[0]->t;
            b->out[0] = seer_value_of(b->dep->out[0]);
        }
        for (int i = 0; i < nd->n_in; i++) {
            const struct seer__gd_ref *r = &nd->in[i];
            if (!r->ctrl || !ctrl_kept(c, &c->nodes[r->node]))
                continue;
            const struct bnode *src = &c->b[r->node];
            if (src->n_out < 1)
                return seer_errf(c->err, SEER_EFORMAT,
                                 "node '%s': control input '%s' has no "
                                 "output",
                                 nd->name, c->nodes[r->node].name);
            b->dep->in[d++] = &src->out[0]->t;
        }
    }
    return SEER_OK;
}

static int make_feeds(struct ctx *c)
{
    c->feeds = seer_arena_array(c->scratch, (size_t)c->o->n_feeds + 1, sizeof(*c->feeds));
    if (!c->feeds)
        return oom(c, "feeds");
    for (int i = 0; i < c->o->n_feeds; i++) {
        const char *s = c->o->feeds[i];
        struct seer__gd_ref r;
        struct seer__tf_shape unknown = {.unknown_rank = true};
        int rc = resolve_text(c, "feed", s, strlen(s), &r);
        if (rc)
            return rc;
        if (r.ctrl)
            return seer_errf(c->err, SEER_EFORMAT, "feed '%s' is a control name", s);
        if (find_feed(c, r.node, r.idx))
            continue;
        /* A placeholder is an input already, with its own dtype and shape. */
        if (op_is(&c->nodes[r.node], "Placeholder"))
            continue;
        rc = build_input(c, -1, s, c->o->feed_dtypes ? c->o->feed_dtypes[i] : SEER__TF_DT_FLOAT,
                         &unknown);
        if (rc)
            return rc;
        c->feeds[c->n_feeds++] = (struct feed){r.node, r.idx, c->g->inputs[c->g->n_inputs - 1]};
    }
    return SEER_OK;
}

static int build_graph(struct ctx *c, struct seer__pb *r)
{
    struct seer__gd_ref *outs = NULL;
    int n_outs = 0, max_in = 0, rc;

    rc = seer__gd_parse_nodes(r, c->lim, c->scratch, &c->nodes, &c->n, c->err);
    if (rc)
        return rc;
    c->b = seer_arena_array(c->scratch, (size_t)c->n + 1, sizeof(*c->b));
    for (int j = 0; j < c->n; j++)
        max_in = c->nodes[j].n_in > max_in ? c->nodes[j].n_in : max_in;
    c->nulls = seer_arena_array(c->scratch, (size_t)max_in + 2, sizeof(*c->nulls));
    if (!c->b || !c->nulls)
        return oom(c, "nodes");
    if ((rc = index_nodes(c)) || (rc = make_feeds(c)) || (rc = find_outputs(c, &outs, &n_outs)) ||
        (rc = mark_needed(c, outs, n_outs)))
        return rc;
    /* Function calls first: they explain a failure better than what they use. */
    for (int j = 0; j < c->n; j++) {
        const struct seer__gd_node *nd = &c->nodes[j];
        if (nd->state == ST_NEEDED &&
            (op_is(nd, "StatefulPartitionedCall") || op_is(nd, "PartitionedCall")))
            return seer_errf(c->err, SEER_EUNSUPPORTED,
                             "node '%s' calls a function (%s): TensorFlow 2 SavedModels are "
                             "not supported; export a TF1 graph (frozen, or a TF1 SavedModel)",
                             nd->name, nd->op);
    }
    for (int j = 0; j < c->n; j++)
        if (c->nodes[j].state == ST_NEEDED && (rc = build_node(c, j)))
            return rc;
    for (int j = 0; j < c->n; j++)
        if (c->nodes[j].state == ST_NEEDED && (rc = wire(c, j)))
            return rc;
    for (int i = 0; i < n_outs; i++) {
        struct seer_value *v;
        rc = value_of(c, outs[i].node, &outs[i], &v);
        if (rc)
            return rc;
        if (!v->is_output && seer_graph_mark_output(c->g, v))
            return oom(c, "outputs");
    }
    return SEER_OK;
}

int seer__gd_build(struct seer__pb *r, const struct seer_limits *lim, const struct seer__gd_opts *o,
                   struct seer_graph **out, struct seer_err *err)
{
    struct ctx c = {.lim = lim, .o = o, .err = err, .budget = lim->max_model_bytes};
    int rc;

    *out = NULL;
    seer_strmap_init(&c.by_name);
    seer_strmap_init(&c.frames);
    c.scratch = seer_arena_new(1 << 16);
    c.g = seer_graph_new();
    if (!c.scratch || !c.g) {
        rc = oom(&c, "graph");
        goto out;
    }
    rc = build_graph(&c, r);
    if (rc)
        goto out;
    *out = c.g;
    c.g = NULL;
out:
    seer_graph_free(c.g);
    seer_arena_free(c.scratch);
    seer_strmap_clear(&c.by_name);
    seer_strmap_clear(&c.frames);
    return rc;
}

int seer_graphdef_import_mem(const uint8_t *p, size_t n, const struct seer_limits *lim_in,
                             const struct seer_import_opts *io, struct seer_graph **out,
                             struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(lim_in);
    struct seer__gd_opts o = {0};
    struct seer__pb r;

    *out = NULL;
    seer_err_clear(err);
    if (n > lim.max_model_bytes)
        return seer_errf(err, SEER_ELIMIT, "the graph is over the limit of %zu bytes",
                         lim.max_model_bytes);
    o.io = io;
    if (io && io->n_outputs > 0) {
        o.outputs = io->outputs;
        o.n_outputs = io->n_outputs;
    }
    seer__pb_init(&r, p, n, err);
    return seer__gd_build(&r, &lim, &o, out, err);
}

int seer_graphdef_import_file(const char *path, const struct seer_limits *lim_in,
                              const struct seer_import_opts *io, struct seer_graph **out,
                              struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(lim_in);
    const char *slash = strrchr(path, '/');
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    rc = seer_file_read(path, lim.max_model_bytes, &buf, &n, err);
    if (!rc) {
        rc = seer_graphdef_import_mem(buf, n, &lim, io, out, err);
        if (rc)
            seer_err_prefix(err, "%s: ", slash ? slash + 1 : path);
    }
    seer_free(buf);
    return rc;
}
