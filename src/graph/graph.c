/* Graph builder: values and nodes allocated in the model arena. */
#include <seer/graph.h>

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/compiler.h"
#include "kernels/kernel.h"

struct seer_graph *seer_graph_new(void)
{
    struct seer_graph *g = seer_calloc(1, sizeof(*g));

    if (!g)
        return NULL;
    g->arena = seer_arena_new(1 << 20);
    if (!g->arena) {
        seer_free(g);
        return NULL;
    }
    return g;
}

void seer_graph_free(struct seer_graph *g)
{
    if (!g)
        return;
    seer_free(g->values);
    seer_free(g->nodes);
    seer_free(g->inputs);
    seer_free(g->outputs);
    seer_arena_free(g->arena);
    seer_free(g);
}

/* Appends p to a growable pointer array. */
static int push(void ***arr, int *n, int *cap, void *p)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        void **na = seer_realloc(*arr, (size_t)nc * sizeof(void *));
        if (!na)
            return SEER_ENOMEM;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = p;
    return SEER_OK;
}

static struct seer_value *new_value(struct seer_graph *g, const char *name,
                                    enum seer_value_kind kind)
{
    struct seer_value *v = seer_arena_array(g->arena, 1, sizeof(*v));

    if (!v)
        return NULL;
    v->name = seer_arena_strdup(g->arena, name ? name : "");
    if (!v->name)
        return NULL;
    v->kind = kind;
    v->id = g->n_values;
    if (push((void ***)&g->values, &g->n_values, &g->cap_values, v))
        return NULL;
    return v;
}

struct seer_value *seer_graph_add_const(struct seer_graph *g, const char *name,
                                        enum seer_dtype dt, int ndim, const int64_t *dims,
                                        const void *data, bool copy)
{
    struct seer_value *v = new_value(g, name, SEER_VALUE_CONST);
    size_t n;

    if (!v)
        return NULL;
    seer_tensor_set_shape(&v->t, dt, ndim, dims);
    if (!seer_tensor_nbytes(&v->t, &n))
        return NULL;
    if (copy) {
        v->t.data = seer_arena_alloc(g->arena, n ? n : 1);
        if (!v->t.data)
            return NULL;
        if (n)
            memcpy(v->t.data, data, n);
    } else {
        v->t.data = (void *)data;
    }
    return v;
}

struct seer_value *seer_graph_add_input(struct seer_graph *g, const char *name,
                                        enum seer_dtype dt, int ndim, const int64_t *dims)
{
    struct seer_value *v = new_value(g, name, SEER_VALUE_INPUT);

    if (!v)
        return NULL;
    seer_tensor_set_shape(&v->t, dt, ndim, dims);
    /* Inputs and outputs are few: their arrays grow one slot at a time. */
    int cap = g->n_inputs;
    if (push((void ***)&g->inputs, &g->n_inputs, &cap, v))
        return NULL;
    return v;
}

struct seer_node *seer_graph_add_node(struct seer_graph *g, enum seer_op op, const char *name,
                                      int n_in, struct seer_value *const *in, int n_out)
{
    struct seer_node *nd = seer_arena_array(g->arena, 1, sizeof(*nd));

    if (!nd)
        return NULL;
    nd->op = op;
    nd->name = seer_arena_strdup(g->arena, name ? name : "");
    nd->n_in = n_in;
    nd->n_out = n_out;
    nd->in = seer_arena_array(g->arena, (size_t)(n_in ? n_in : 1), sizeof(*nd->in));
    nd->out = seer_arena_array(g->arena, (size_t)(n_out ? n_out : 1), sizeof(*nd->out));
    if (!nd->name || !nd->in || !nd->out)
        return NULL;
    for (int i = 0; i < n_in; i++)
        nd->in[i] = in[i] ? &in[i]->t : NULL;
    for (int i = 0; i < n_out; i++) {
        char buf[512];
        const char *vname = nd->name;
        if (n_out > 1 || i > 0) {
            snprintf(buf, sizeof(buf), "%s:%d", nd->name, i);
            vname = buf;
        }
        struct seer_value *v = new_value(g, vname, SEER_VALUE_ACT);
        if (!v)
            return NULL;
        v->producer = nd;
        nd->out[i] = &v->t;
    }
    nd->id = g->n_nodes;
    if (push((void ***)&g->nodes, &g->n_nodes, &g->cap_nodes, nd))
        return NULL;
    return nd;
}

int seer_graph_mark_output(struct seer_graph *g, struct seer_value *v)
{
    int cap = g->n_outputs;

    v->is_output = true;
    return push((void ***)&g->outputs, &g->n_outputs, &cap, v);
}

struct seer_value *seer_graph_find(const struct seer_graph *g, const char *name)
{
    for (int i = 0; i < g->n_values; i++)
        if (!strcmp(g->values[i]->name, name))
            return g->values[i];
    return NULL;
}

const char *seer_op_name(enum seer_op op)
{
    return seer__op_tf_name(op);
}

struct seer_limits seer_limits_default(const struct seer_limits *lim)
{
    struct seer_limits l = {0};

    if (lim)
        l = *lim;
    if (!l.max_model_bytes)
        l.max_model_bytes = (size_t)2 << 30;
    if (!l.max_elements)
        l.max_elements = (int64_t)1 << 30;
    if (!l.max_nodes)
        l.max_nodes = 1 << 20;
    return l;
}
