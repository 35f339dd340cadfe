/*
 * TF.js graph-model importer: model.json (modelTopology is a GraphDef in protobuf's JSON
 * form, weightsManifest lists the weights and their shards) into a struct seer_graph.
 *
 * The nodes of model.json may come in any order, so the importer first indexes them by
 * name, resolves every input, then walks back from the model's outputs depth first and
 * creates each node after its inputs. Only what the outputs need is built (as TF.js
 * executes only that); a cycle on the way is an error naming a node on it. Constants take
 * their values from the weights (dequantised as TF.js does, see tfjs_weights.c) or from
 * an inline tensor. Everything temporary lives in a scratch arena freed at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/strmap.h"
#include "import/import.h"
#include "import/json.h"
#include "import/tfattr.h"
#include "import/tfjs_json.h"
#include "import/tfjs_weights.h"

/* Output indices beyond this are refused while parsing input names ("x:70000"). */
#define MAX_OUTPUT_INDEX 65535

struct tref {
    int node;         /* index in ctx.nodes */
    int idx;          /* output index */
    const char *text; /* the input string as written, for messages */
};

struct tnode {
    const cJSON *js;
    const char *name, *op;
    int n_in; /* data inputs (control inputs are dropped) */
    struct tref *in;
    int n_deps;   /* inputs that must be built first (ConcatV2: all but the axis) */
    int state;    /* 0: not visited, 1: on the DFS stack, 2: built */
    int next_dep; /* DFS cursor over in[] */
    int n_uses;   /* data consumers, to find the sinks without a signature */
    int n_out;
    struct seer_value **out; /* the values this node makes, once built */
};

struct ctx {
    const cJSON *root;
    const struct seer_limits *lim;
    const struct seer_import_opts *opts;
    struct seer_arena *scratch;
    struct seer_graph *g;
    struct tnode *nodes;
    int n_nodes;
    struct seer_strmap by_name;
    struct seer__tfjs_weights *ws;
    size_t inline_budget; /* bytes inline constants may still expand to */
    struct seer_err *err;
};

static int oom(struct ctx *c, const char *what)
{
    return seer_errf(c->err, SEER_ENOMEM, "out of memory (%s)", what);
}

/* Splits "name:3" into the node name (length *len) and the index (0 when absent). */
static bool split_tensor_name(const char *s, size_t *len, int *idx)
{
    const char *colon = strrchr(s, ':');
    long v = 0;

    *len = strlen(s);
    *idx = 0;
    if (!colon)
        return *len > 0;
    if (!colon[1])
        return false;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > MAX_OUTPUT_INDEX)
            return false;
    }
    *len = (size_t)(colon - s);
    *idx = (int)v;
    return *len > 0;
}

static int resolve(struct ctx *c, const char *who, const char *s, struct tref *r)
{
    size_t len;
    struct tnode *t;

    /* who is the consuming node, or NULL for the signature's outputs. */
    if (!split_tensor_name(s, &len, &r->idx))
        return seer_errf(c->err, SEER_EFORMAT, "%s%s%s: bad tensor name '%s'",
                         who ? "node '" : "signature output", who ? who : "", who ? "'" : "", s);
    t = seer_strmap_getn(&c->by_name, s, len);
    if (!t)
        return seer_errf(c->err, SEER_EFORMAT, "%s%s%s '%s' names a node that does not exist",
                         who ? "node '" : "signature output", who ? who : "", who ? "': input" : "",
                         s);
    r->node = (int)(t - c->nodes);
    r->text = s;
    return SEER_OK;
}

/* Indexes the nodes by name and resolves their data inputs. */
static int index_nodes(struct ctx *c, const cJSON *list)
{
    const cJSON *js, *in;
    int i = 0, rc;

    c->n_nodes = cJSON_GetArraySize(list);
    if (c->n_nodes > c->lim->max_nodes)
        return seer_errf(c->err, SEER_ELIMIT, "%d nodes is over the limit of %d", c->n_nodes,
                         c->lim->max_nodes);
    c->nodes =
        seer_arena_array(c->scratch, (size_t)(c->n_nodes ? c->n_nodes : 1), sizeof(*c->nodes));
    if (!c->nodes)
        return oom(c, "node table");
    cJSON_ArrayForEach(js, list)
    {
        struct tnode *t = &c->nodes[i];
        t->js = js;
        t->name = seer__json_str(js, "name");
        t->op = seer__json_str(js, "op");
        if (!t->name || !*t->name)
            return seer_errf(c->err, SEER_EFORMAT, "node %d has no name", i);
        if (!t->op)
            return seer_errf(c->err, SEER_EFORMAT, "node '%s' has no op", t->name);
        if (seer_strmap_get(&c->by_name, t->name))
            return seer_errf(c->err, SEER_EFORMAT, "two nodes are named '%s'", t->name);
        if (seer_strmap_put(&c->by_name, t->name, t))
            return oom(c, "node names");
        i++;
    }
    for (i = 0; i < c->n_nodes; i++) {
        struct tnode *t = &c->nodes[i];
        const cJSON *ins = cJSON_GetObjectItemCaseSensitive(t->js, "input");
        if (ins && !cJSON_IsArray(ins))
            return seer_errf(c->err, SEER_EFORMAT, "node '%s': input is not a list", t->name);
        cJSON_ArrayForEach(in, ins)
        {
            if (!cJSON_IsString(in))
                return seer_errf(c->err, SEER_EFORMAT, "node '%s': an input is not a string",
                                 t->name);
            t->n_in += in->valuestring[0] != '^';
        }
        t->in = seer_arena_array(c->scratch, (size_t)(t->n_in ? t->n_in : 1), sizeof(*t->in));
        if (!t->in)
            return oom(c, "inputs");
        int k = 0;
        cJSON_ArrayForEach(in, ins)
        {
            /* "^name" orders execution only; it carries no data. */
            if (in->valuestring[0] == '^')
                continue;
            rc = resolve(c, t->name, in->valuestring, &t->in[k]);
            if (rc)
                return rc;
            c->nodes[t->in[k].node].n_uses++;
            k++;
        }
        /* ConcatV2's axis is read as a constant while mapping, not built as a value. */
        t->n_deps = t->n_in - (!strcmp(t->op, "ConcatV2") && t->n_in > 0);
    }
    return SEER_OK;
}

/* The value of Const node t, from the weights or else an inline tensor, into arena a. */
static int load_const(struct ctx *c, const struct tnode *t, struct seer_arena *a,
                      struct seer__tfjs_const *cv)
{
    const struct seer__tfjs_weight *w = seer__tfjs_weight_find(c->ws, t->name);
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(t->js, "attr");
    const cJSON *tj = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(attrs, "value"), "tensor");
    size_t nb;

    memset(cv, 0, sizeof(*cv));
    /* TF.js takes a Const's value from the weights; a plain GraphDef converted by hand
     * may carry it inline instead. */
    if (!w && tj && seer__tfjs_tensor_has_values(tj))
        return seer__tfjs_inline_tensor(tj, t->name, c->lim, a, &c->inline_budget, cv, c->err);
    if (!w)
        return seer_errf(c->err, SEER_EFORMAT,
                         "const '%s' has no value: it is not in the "
                         "weights manifest and has no inline tensor",
                         t->name);
    cv->dt = w->dtype;
    cv->ndim = w->ndim;
    memcpy(cv->dims, w->dims, sizeof(cv->dims));
    cv->numel = w->numel;
    if (!seer_mul_size((size_t)w->numel, seer_dtype_size(w->dtype), &nb))
        return seer_errf(c->err, SEER_ELIMIT, "weight '%s': size overflows", w->name);
    cv->data = seer_arena_alloc(a, nb ? nb : 1);
    if (!cv->data)
        return oom(c, "weights");
    seer__tfjs_weight_decode(c->ws, w, cv->data);
    return SEER_OK;
}

/* Building nodes */

static int build_input(struct ctx *c, struct tnode *t, struct seer_value **v);

static int build_op(struct ctx *c, struct tnode *t)
{
    struct seer__tf_node nd;
    struct seer__tf_op op;
    struct seer_value **in;
    struct seer_node *gn;
    int n_data = t->n_in, rc;

    rc = seer__tfjs_node_attrs(t->js, t->name, t->op, c->scratch, &nd, c->err);
    if (!rc)
        rc = seer__tf_map_op(&nd, t->n_in, true, &op, c->err);
    if (rc)
        return rc;
    if (op.axis_from_last) {
        const struct tref *r = &t->in[t->n_in - 1];
        struct tnode *at = &c->nodes[r->node];
        struct seer__tfjs_const cv;
        if (strcmp(at->op, "Const") || r->idx != 0)
            return seer_errf(c->err, SEER_EUNSUPPORTED,
                             "node '%s' (%s): the axis '%s' is not "
                             "a constant",
                             t->name, t->op, r->text);
        rc = load_const(c, at, c->scratch, &cv);
        if (rc)
            return rc;
        if (cv.numel != 1 || cv.dt != SEER_DTYPE_I32)
            return seer_errf(c->err, SEER_EFORMAT,
                             "node '%s' (%s): the axis '%s' is not one "
                             "int",
                             t->name, t->op, r->text);
        op.a.axis = *(const int32_t *)cv.data;
        n_data--;
    }
    in = seer_arena_array(c->scratch, (size_t)n_data + 1, sizeof(*in));
    if (!in)
        return oom(c, "inputs");
    for (int i = 0; i < n_data; i++) {
        const struct tref *r = &t->in[i];
        const struct tnode *p = &c->nodes[r->node];
        if (r->idx >= p->n_out)
            return seer_errf(c->err, SEER_EFORMAT,
                             "node '%s': input '%s' but '%s' has %d "
                             "output%s",
                             t->name, r->text, p->name, p->n_out, p->n_out == 1 ? "" : "s");
        in[i] = p->out[r->idx];
    }
    gn = seer_graph_add_node(c->g, op.op, t->name, n_data, in, op.n_out);
    if (!gn)
        return oom(c, t->name);
    gn->a = op.a;
    t->n_out = op.n_out;
    t->out = seer_arena_array(c->scratch, (size_t)op.n_out, sizeof(*t->out));
    if (!t->out)
        return oom(c, "outputs");
    for (int i = 0; i < op.n_out; i++)
        t->out[i] = seer_value_of(gn->out[i]);
    return SEER_OK;
}

static int build(struct ctx *c, struct tnode *t)
{
    struct seer_value *v = NULL;
    struct seer__tfjs_const cv;
    int rc;

    if (!strcmp(t->op, "NoOp"))
        return seer_errf(c->err, SEER_EFORMAT, "node '%s' (NoOp) has no outputs to use", t->name);
    if (strcmp(t->op, "Const") && strcmp(t->op, "Placeholder"))
        return build_op(c, t);
    if (!strcmp(t->op, "Const")) {
        rc = load_const(c, t, c->g->arena, &cv);
        if (rc)
            return rc;
        v = seer_graph_add_const(c->g, t->name, cv.dt, cv.ndim, cv.dims, cv.data, false);
        if (!v)
            return oom(c, t->name);
    } else {
        rc = build_input(c, t, &v);
        if (rc)
            return rc;
    }
    t->out = seer_arena_array(c->scratch, 1, sizeof(*t->out));
    if (!t->out)
        return oom(c, "outputs");
    t->out[0] = v;
    t->n_out = 1;
    return SEER_OK;
}

/* Builds t and everything it depends on, depth first without recursion (a hostile
 * model can chain a million nodes). stack has room for every node. */
static int visit(struct ctx *c, int root, int *stack)
{
    int sp = 0, rc;

    if (c->nodes[root].state == 2)
        return SEER_OK;
    stack[sp++] = root;
    c->nodes[root].state = 1;
    while (sp > 0) {
        struct tnode *t = &c->nodes[stack[sp - 1]];
        if (t->next_dep < t->n_deps) {
            struct tnode *d = &c->nodes[t->in[t->next_dep++].node];
            if (d->state == 2)
                continue;
            if (d->state == 1)
                return seer_errf(c->err, SEER_EFORMAT,
                                 "the graph has a cycle through node "
                                 "'%s'",
                                 d->name);
            d->state = 1;
            stack[sp++] = (int)(d - c->nodes);
            continue;
        }
        rc = build(c, t);
        if (rc)
            return rc;
        t->state = 2;
        sp--;
    }
    return SEER_OK;
}

/* The signature's entry for a tensor of node name (keys and names may carry ":0"). */
static const cJSON *sig_entry(const cJSON *map, const char *name)
{
    const cJSON *e;
    size_t n = strlen(name);

    cJSON_ArrayForEach(e, map)
    {
        const char *s = seer__json_str(e, "name");
        if (!s)
            s = e->string;
        if (s && !strncmp(s, name, n) && (!s[n] || !strcmp(s + n, ":0")))
            return e;
    }
    return NULL;
}

/* A Placeholder becomes a graph input with a fixed shape. Unknown dims come from the
 * signature when it is concrete there, else from the caller's options; an unknown batch
 * dim (the first) defaults to 1. */
static int build_input(struct ctx *c, struct tnode *t, struct seer_value **v)
{
    struct seer__tf_node nd;
    const struct seer__tf_attr *at;
    const cJSON *se =
        sig_entry(cJSON_GetObjectItemCaseSensitive(
                      cJSON_GetObjectItemCaseSensitive(c->root, "signature"), "inputs"),
                  t->name);
    struct seer__tf_shape sh = {.unknown_rank = true}, sig = {.unknown_rank = true};
    const struct seer_import_opts *o = c->opts;
    enum seer_dtype dt = SEER_DTYPE_F32;
    int64_t numel = 1;
    int rc;

    rc = seer__tfjs_node_attrs(t->js, t->name, t->op, c->scratch, &nd, c->err);
    if (rc)
        return rc;
    at = seer__tf_attr_find(&nd, "dtype");
    if (at && (at->kind != SEER__TF_ATTR_TYPE || !seer__tf_dt_to_seer(at->type, true, &dt)))
        return seer_errf(c->err, SEER_EUNSUPPORTED, "input '%s': dtype %s is not supported",
                         t->name, seer__tf_dt_name(at->type));
    at = seer__tf_attr_find(&nd, "shape");
    if (at && at->kind == SEER__TF_ATTR_SHAPE)
        sh = at->shape;
    if (se && cJSON_GetObjectItemCaseSensitive(se, "tensorShape")) {
        rc = seer__tfjs_shape(cJSON_GetObjectItemCaseSensitive(se, "tensorShape"), t->name, &sig,
                              c->err);
        if (rc)
            return rc;
    }
    if (sh.unknown_rank)
        sh = sig;
    if (sh.unknown_rank && o && o->input_ndim > 0 && o->input_ndim <= SEER_MAX_DIMS) {
        sh.unknown_rank = false;
        sh.ndim = o->input_ndim;
        for (int i = 0; i < sh.ndim; i++)
            sh.dims[i] = -1;
    }
    if (sh.unknown_rank)
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "input '%s' has an unknown rank; give the "
                         "input size in the manifest",
                         t->name);
    for (int i = 0; i < sh.ndim; i++) {
        if (sh.dims[i] < 0) {
            if (!sig.unknown_rank && sig.ndim == sh.ndim && sig.dims[i] >= 0)
                sh.dims[i] = sig.dims[i];
            else if (o && o->input_ndim == sh.ndim && o->input_dims[i] > 0)
                sh.dims[i] = o->input_dims[i];
            else if (i == 0)
                sh.dims[i] = 1;
            else
                return seer_errf(c->err, SEER_EUNSUPPORTED,
                                 "input '%s' has an unknown dim "
                                 "%d; give the input size in the manifest",
                                 t->name, i);
        }
        if (sh.dims[i] && numel > c->lim->max_elements / sh.dims[i])
            return seer_errf(c->err, SEER_ELIMIT, "input '%s': more than %lld elements", t->name,
                             (long long)c->lim->max_elements);
        numel *= sh.dims[i];
    }
    *v = seer_graph_add_input(c->g, t->name, dt, sh.ndim, sh.dims);
    return *v ? SEER_OK : oom(c, t->name);
}

/* The model's outputs: the signature's, in file order, or else every node whose value
 * nothing consumes. */
static int find_outputs(struct ctx *c, struct tref **outs, int *n_outs)
{
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(c->root, "signature"), "outputs");
    const cJSON *e;
    int n = 0, rc;

    *outs = seer_arena_array(c->scratch, (size_t)c->n_nodes + 1, sizeof(**outs));
    if (!*outs)
        return oom(c, "outputs");
    if (cJSON_GetArraySize(map) > 0) {
        if (cJSON_GetArraySize(map) > c->n_nodes)
            return seer_errf(c->err, SEER_EFORMAT,
                             "the signature lists more outputs than "
                             "there are nodes");
        cJSON_ArrayForEach(e, map)
        {
            const char *s = seer__json_str(e, "name");
            if (!s)
                s = e->string;
            if (!s)
                return seer_errf(c->err, SEER_EFORMAT, "a signature output has no name");
            rc = resolve(c, NULL, s, &(*outs)[n]);
            if (rc)
                return rc;
            n++;
        }
    } else {
        for (int i = 0; i < c->n_nodes; i++) {
            const char *op = c->nodes[i].op;
            if (c->nodes[i].n_uses || !strcmp(op, "NoOp") || !strcmp(op, "Const"))
                continue;
            (*outs)[n].node = i;
            (*outs)[n].idx = 0;
            (*outs)[n++].text = c->nodes[i].name;
        }
    }
    if (!n)
        return seer_errf(c->err, SEER_EFORMAT, "the model has no outputs");
    *n_outs = n;
    return SEER_OK;
}

static int build_graph(struct ctx *c)
{
    const cJSON *topo = cJSON_GetObjectItemCaseSensitive(c->root, "modelTopology");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(topo, "node");
    const char *format = seer__json_str(c->root, "format");
    struct tref *outs = NULL;
    int n_outs = 0, *stack, rc;

    if (!cJSON_IsObject(c->root))
        return seer_errf(c->err, SEER_EFORMAT, "not a JSON object");
    if ((format && strcmp(format, "graph-model")) ||
        (cJSON_IsObject(topo) && !list && cJSON_GetObjectItemCaseSensitive(topo, "config")))
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "a TF.js %s is not supported (only "
                         "graph models)",
                         format ? format : "layers model");
    if (!cJSON_IsObject(topo))
        return seer_errf(c->err, SEER_EFORMAT, "no modelTopology object");
    if (!cJSON_IsArray(list))
        return seer_errf(c->err, SEER_EFORMAT, "modelTopology has no node list");
    rc = index_nodes(c, list);
    if (!rc)
        rc = find_outputs(c, &outs, &n_outs);
    if (rc)
        return rc;
    stack = seer_arena_array(c->scratch, (size_t)c->n_nodes + 1, sizeof(*stack));
    if (!stack)
        return oom(c, "stack");
    for (int i = 0; i < n_outs; i++) {
        rc = visit(c, outs[i].node, stack);
        if (rc)
            return rc;
    }
    for (int i = 0; i < n_outs; i++) {
        const struct tnode *t = &c->nodes[outs[i].node];
        struct seer_value *v;
        if (outs[i].idx >= t->n_out)
            return seer_errf(c->err, SEER_EFORMAT, "output '%s' but '%s' has %d output%s",
                             outs[i].text, t->name, t->n_out, t->n_out == 1 ? "" : "s");
        v = t->out[outs[i].idx];
        if (!v->is_output && seer_graph_mark_output(c->g, v))
            return oom(c, "outputs");
    }
    return SEER_OK;
}

/* Builds the graph from parsed model.json and bound weights. */
static int import_tree(const cJSON *root, struct seer__tfjs_weights *ws,
                       const struct seer_limits *lim, const struct seer_import_opts *opts,
                       struct seer_graph **out, struct seer_err *err)
{
    struct ctx c = {.root = root,
                    .lim = lim,
                    .opts = opts,
                    .ws = ws,
                    .err = err,
                    .inline_budget = lim->max_model_bytes};
    int rc;

    seer_strmap_init(&c.by_name);
    c.scratch = seer_arena_new(1 << 16);
    c.g = seer_graph_new();
    if (!c.scratch || !c.g) {
        rc = oom(&c, "graph");
        goto out;
    }
    rc = build_graph(&c);
    if (rc)
        goto out;
    *out = c.g;
    c.g = NULL;
out:
    seer_graph_free(c.g);
    seer_arena_free(c.scratch);
    seer_strmap_clear(&c.by_name);
    return rc;
}

int seer_tfjs_import_mem_opts(const uint8_t *json, size_t n, const uint8_t *weights,
                              size_t n_weights, const struct seer_limits *lim_in,
                              const struct seer_import_opts *opts, struct seer_graph **out,
                              struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(lim_in);
    struct seer__tfjs_weights ws;
    cJSON *root = NULL;
    size_t total;
    int rc;

    *out = NULL;
    seer_err_clear(err);
    memset(&ws, 0, sizeof(ws));
    if (!seer_add_size(n, n_weights, &total) || total > lim.max_model_bytes)
        return seer_errf(err, SEER_ELIMIT,
                         "model.json and weights are over the limit of %zu "
                         "bytes",
                         lim.max_model_bytes);
    rc = seer__json_parse(json, n, "model.json", &root, err);
    if (rc)
        return rc;
    rc = seer__tfjs_weights_parse(cJSON_GetObjectItemCaseSensitive(root, "weightsManifest"), &lim,
                                  &ws, err);
    if (!rc)
        rc = seer__tfjs_weights_bind(&ws, weights, n_weights, err);
    if (!rc)
        rc = import_tree(root, &ws, &lim, opts, out, err);
    seer__tfjs_weights_clear(&ws);
    cJSON_Delete(root);
    return rc;
}

int seer_tfjs_import_mem(const uint8_t *json, size_t n, const uint8_t *weights, size_t n_weights,
                         const struct seer_limits *lim, struct seer_graph **out,
                         struct seer_err *err)
{
    return seer_tfjs_import_mem_opts(json, n, weights, n_weights, lim, NULL, out, err);
}

/* A shard path from the manifest must stay inside the model's folder: relative, no "..",
 * no URL. */
static bool shard_path_ok(const char *p)
{
    const char *seg = p;

    if (!*p || *p == '/' || strstr(p, "://"))
        return false;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 2 && seg[0] == '.' && seg[1] == '.')
            return false;
        if (!end)
            return true;
        seg = end + 1;
    }
}

struct shard {
    const char *rel;  /* as the manifest writes it (borrowed from the tree) */
    const char *path; /* folder + rel (scratch arena) */
    size_t n_bytes;
};

/* Finds every shard, checks each group's shards against the bytes its weights need, then
 * reads them back to back into one buffer (*all, seer_free). */
static int read_shards(const cJSON *manifest, const char *dir, int dir_len,
                       const struct seer__tfjs_weights *ws, struct seer_arena *scratch,
                       uint8_t **all, struct seer_err *err)
{
    const cJSON *grp, *p;
    struct shard *sh;
    size_t off = 0;
    int n = 0, k = 0, g = 0, rc;

    *all = NULL;
    cJSON_ArrayForEach(grp, manifest)
    {
        const cJSON *paths = cJSON_GetObjectItemCaseSensitive(grp, "paths");
        if (!cJSON_IsArray(paths))
            return seer_errf(err, SEER_EFORMAT, "weightsManifest group %d has no paths", g);
        n += cJSON_GetArraySize(paths);
        g++;
    }
    sh = seer_arena_array(scratch, (size_t)n + 1, sizeof(*sh));
    if (!sh)
        return seer_errf(err, SEER_ENOMEM, "out of memory (shards)");
    g = 0;
    cJSON_ArrayForEach(grp, manifest)
    {
        int first = k;
        size_t got = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(grp, "paths"))
        {
            struct stat st;
            if (!cJSON_IsString(p) || !shard_path_ok(p->valuestring))
                return seer_errf(err, SEER_EFORMAT,
                                 "weightsManifest group %d: a shard path is "
                                 "not a plain relative path",
                                 g);
            sh[k].rel = p->valuestring;
            sh[k].path = seer_arena_printf(scratch, "%.*s/%s", dir_len, dir, p->valuestring);
            if (!sh[k].path)
                return seer_errf(err, SEER_ENOMEM, "out of memory (shard paths)");
            errno = 0;
            if (stat(sh[k].path, &st) != 0 || !S_ISREG(st.st_mode))
                return seer_errf(err, SEER_EIO, "weight shard '%s' is missing (%s: %s)", sh[k].rel,
                                 sh[k].path, errno ? strerror(errno) : "not a regular file");
            sh[k].n_bytes = (size_t)st.st_size;
            if (!seer_add_size(got, sh[k].n_bytes, &got))
                return seer_errf(err, SEER_ELIMIT, "weight shards too big");
            k++;
        }
        if (got != ws->group_bytes[g]) {
            if (k - first == 1)
                return seer_errf(err, SEER_EFORMAT,
                                 "weight shard '%s' is %zu bytes but the "
                                 "manifest's weights need %zu",
                                 sh[first].rel, got, ws->group_bytes[g]);
            return seer_errf(err, SEER_EFORMAT,
                             "the %d weight shards of group %d ('%s', ...) "
                             "are %zu bytes but the manifest's weights need %zu",
                             k - first, g, k > first ? sh[first].rel : "", got, ws->group_bytes[g]);
        }
        g++;
    }
    *all = seer_malloc(ws->total_bytes ? ws->total_bytes : 1);
    if (!*all)
        return seer_errf(err, SEER_ENOMEM, "out of memory for %zu bytes of weights",
                         ws->total_bytes);
    for (int i = 0; i < n; i++) {
        uint8_t *buf;
        size_t got;
        rc = seer_file_read(sh[i].path, sh[i].n_bytes ? sh[i].n_bytes : 1, &buf, &got, err);
        if (!rc && got != sh[i].n_bytes)
            rc = seer_errf(err, SEER_EIO, "%s: changed while being read", sh[i].path);
        if (rc) {
            seer_free(buf);
            return rc;
        }
        if (got)
            memcpy(*all + off, buf, got);
        off += got;
        seer_free(buf);
    }
    return SEER_OK;
}

int seer_tfjs_import_file_opts(const char *path, const struct seer_limits *lim_in,
                               const struct seer_import_opts *opts, struct seer_graph **out,
                               struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(lim_in);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    struct seer__tfjs_weights ws;
    struct seer_arena *scratch = NULL;
    uint8_t *json = NULL, *weights = NULL;
    const cJSON *manifest;
    cJSON *root = NULL;
    size_t n_json;
    int rc;

    *out = NULL;
    seer_err_clear(err);
    memset(&ws, 0, sizeof(ws));
    rc = seer_file_read(path, lim.max_model_bytes, &json, &n_json, err);
    if (rc)
        return rc;
    rc = seer__json_parse(json, n_json, base, &root, err);
    if (rc)
        goto out;
    scratch = seer_arena_new(4096);
    if (!scratch) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    manifest = cJSON_GetObjectItemCaseSensitive(root, "weightsManifest");
    rc = seer__tfjs_weights_parse(manifest, &lim, &ws, err);
    if (!rc && ws.total_bytes > lim.max_model_bytes - n_json)
        rc = seer_errf(err, SEER_ELIMIT,
                       "model.json and weights are over the limit of %zu "
                       "bytes",
                       lim.max_model_bytes);
    if (!rc && ws.n_groups)
        rc = read_shards(manifest, slash ? path : ".", slash ? (int)(slash - path) : 1, &ws,
                         scratch, &weights, err);
    if (!rc)
        rc = seer__tfjs_weights_bind(&ws, weights, ws.total_bytes, err);
    if (!rc)
        rc = import_tree(root, &ws, &lim, opts, out, err);
    if (rc)
        seer_err_prefix(err, "%s: ", base);
out:
    seer__tfjs_weights_clear(&ws);
    seer_arena_free(scratch);
    cJSON_Delete(root);
    seer_free(weights);
    seer_free(json);
    return rc;
}

int seer_tfjs_import_file(const char *path, const struct seer_limits *lim, struct seer_graph **out,
                          struct seer_err *err)
{
    return seer_tfjs_import_file_opts(path, lim, NULL, out, err);
}
