/*
 * Dynamic plans (see dyn_int.h): the static analysis the interpreter runs on (frames,
 * input slots, expected inputs per node, consumers of every value), the plan's input
 * and output buffers, and seer_plan_set_input_shape, which works for static plans too.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/threadpool.h"
#include "graph/dyn_int.h"
#include "graph/dynrt.h"
#include "graph/plan_int.h"

static bool back_edge(const struct seer_node *nd, int i)
{
    const struct seer_node *p = nd->in[i] ? seer_value_of(nd->in[i])->producer : NULL;

    return nd->op == SEER_OP_MERGE && p && p->op == SEER_OP_NEXT_ITERATION;
}

static int analyse(struct seer_dynplan *d, struct seer_err *err)
{
    const struct seer_graph *g = d->g;
    int n = g->n_nodes, rc;
    int *exec = seer_calloc((size_t)n + 1, sizeof(int));
    int *outf = seer_calloc((size_t)n + 1, sizeof(int));
    int *parent = seer_calloc((size_t)n + 2, sizeof(int));
    int *fill = NULL;

    if (!exec || !outf || !parent) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    rc = seer__dyn_frames(g, exec, outf, parent, &d->n_frames, err);
    if (rc)
        goto out;
    d->sf = seer_calloc((size_t)d->n_frames, sizeof(*d->sf));
    d->sn = seer_calloc((size_t)n + 1, sizeof(*d->sn));
    d->cstart = seer_calloc((size_t)g->n_values + 2, sizeof(int));
    d->out_index = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    fill = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    if (!d->sf || !d->sn || !d->cstart || !d->out_index || !fill) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int f = 0; f < d->n_frames; f++)
        d->sf[f].parent = parent[f];
    d->max_in = d->max_out = 1;
    for (int j = 0; j < n; j++) {
        const struct seer_node *nd = g->nodes[j];
        struct seer__dnode *sn = &d->sn[j];
        struct seer__dframe *sf = &d->sf[exec[j]];
        sn->exec = exec[j];
        sn->outf = outf[j];
        sn->local = sf->n_nodes++;
        sn->slot0 = sf->n_slots;
        sf->n_slots += nd->n_in;
        for (int i = 0; i < nd->n_in; i++) {
            const struct seer_value *v = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
            if (!v || v->kind == SEER_VALUE_CONST)
                continue;
            if (back_edge(nd, i))
                sn->n_back++;
            else
                sn->n_expect++;
            d->cstart[v->id + 1]++;
        }
        if (nd->op == SEER_OP_MERGE) {
            for (int i = 0; i < nd->n_in; i++)
                if (!nd->in[i] || seer_value_of(nd->in[i])->kind == SEER_VALUE_CONST) {
                    rc = seer_errf(err, SEER_EUNSUPPORTED,
                                   "node '%s': a Merge with a constant "
                                   "or missing input",
                                   nd->name);
                    goto out;
                }
            if (sn->n_expect == 0) {
                rc = seer_errf(err, SEER_EFORMAT,
                               "node '%s': a Merge with no input from "
                               "outside its loop",
                               nd->name);
                goto out;
            }
        }
        if (nd->op == SEER_OP_ENTER)
            d->sf[outf[j]].n_enters++;
        if (nd->op == SEER_OP_EXIT)
            sf->n_exits++;
        d->max_in = nd->n_in > d->max_in ? nd->n_in : d->max_in;
        d->max_out = nd->n_out > d->max_out ? nd->n_out : d->max_out;
    }
    for (int f = 0; f < d->n_frames; f++) {
        struct seer__dframe *sf = &d->sf[f];
        sf->expect = seer_calloc((size_t)sf->n_nodes + 1, sizeof(int));
        sf->exits = seer_calloc((size_t)sf->n_exits + 1, sizeof(int));
        if (!sf->expect || !sf->exits) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            goto out;
        }
        sf->n_exits = 0;
    }
    for (int j = 0; j < n; j++) {
        struct seer__dframe *sf = &d->sf[exec[j]];
        sf->expect[d->sn[j].local] = d->sn[j].n_expect;
        if (g->nodes[j]->op == SEER_OP_EXIT)
            sf->exits[sf->n_exits++] = j;
    }
    for (int v = 0; v < g->n_values; v++)
        d->cstart[v + 1] += d->cstart[v];
    d->cons = seer_calloc((size_t)d->cstart[g->n_values] + 1, sizeof(*d->cons));
    if (!d->cons) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int j = 0; j < n; j++) {
        const struct seer_node *nd = g->nodes[j];
        for (int i = 0; i < nd->n_in; i++) {
            const struct seer_value *v = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
            if (v && v->kind != SEER_VALUE_CONST)
                d->cons[d->cstart[v->id] + fill[v->id]++] = (struct seer__dcons){j, i};
        }
    }
    for (int v = 0; v < g->n_values; v++)
        d->out_index[v] = -1;
    for (int k = 0; k < g->n_outputs; k++)
        d->out_index[g->outputs[k]->id] = k;
out:
    seer_free(exec);
    seer_free(outf);
    seer_free(parent);
    seer_free(fill);
    return rc;
}

/* ---- the plan ---- */

void seer__dyn_free(struct seer_dynplan *d)
{
    if (!d)
        return;
    for (int f = 0; d->sf && f < d->n_frames; f++) {
        seer_free(d->sf[f].expect);
        seer_free(d->sf[f].exits);
    }
    for (int i = 0; d->in_buf && i < d->g->n_inputs; i++)
        seer_free_aligned(d->in_buf[i]);
    for (int i = 0; d->out_buf && i < d->g->n_outputs; i++)
        seer_free_aligned(d->out_buf[i]);
    seer_free(d->in_buf);
    seer_free(d->in_cap);
    seer_free(d->out_buf);
    seer_free(d->out_cap);
    seer_free(d->sf);
    seer_free(d->sn);
    seer_free(d->cstart);
    seer_free(d->cons);
    seer_free(d->out_index);
    seer_free(d);
}

size_t seer__dyn_peak_bytes(const struct seer_dynplan *d)
{
    return d->peak;
}

int seer__dyn_plan_new(const struct seer_graph *g, const struct seer_plan_opts *o,
                       struct seer_plan **out, struct seer_err *err)
{
    struct seer_plan *p = seer_calloc(1, sizeof(*p));
    struct seer_dynplan *d = seer_calloc(1, sizeof(*d));
    int rc;

    *out = NULL;
    if (!p || !d || !(p->ts = seer_calloc((size_t)g->n_values + 1, sizeof(*p->ts))) ||
        !(d->in_buf = seer_calloc((size_t)g->n_inputs + 1, sizeof(void *))) ||
        !(d->in_cap = seer_calloc((size_t)g->n_inputs + 1, sizeof(size_t))) ||
        !(d->out_buf = seer_calloc((size_t)g->n_outputs + 1, sizeof(void *))) ||
        !(d->out_cap = seer_calloc((size_t)g->n_outputs + 1, sizeof(size_t)))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    p->g = g;
    p->dyn = d;
    d->g = g;
    p->n_threads = d->n_threads = o && o->n_threads > 0 ? o->n_threads : seer_cpu_count();
    p->reference = true;
    for (int i = 0; i < g->n_values; i++)
        p->ts[i] = g->values[i]->t;
    rc = analyse(d, err);
    /* Inputs start with their open dims at 1 (an open rank as a scalar). */
    for (int i = 0; !rc && i < g->n_inputs; i++) {
        const struct seer_tensor *decl = &g->inputs[i]->t;
        int64_t dims[SEER_MAX_DIMS];
        int nd = decl->ndim < 0 ? 0 : decl->ndim;
        for (int k = 0; k < nd; k++)
            dims[k] = decl->dims[k] < 0 ? 1 : decl->dims[k];
        rc = seer_plan_set_input_shape(p, i, nd, dims, err);
    }
    if (rc)
        goto out;
    *out = p;
    p = NULL;
    d = NULL;
out:
    if (p && p->dyn)
        d = NULL; /* freed with p */
    seer_plan_free(p);
    seer__dyn_free(d);
    return rc;
}

int seer_plan_set_input_shape(struct seer_plan *p, int i, int ndim, const int64_t *dims,
                              struct seer_err *err)
{
    const struct seer_value *in;
    struct seer_limits lim = seer_limits_default(NULL);
    struct seer_tensor t = {0};
    struct seer_dynplan *d = p->dyn;
    size_t bytes;
    char s[96];

    if (i < 0 || i >= p->g->n_inputs || ndim < 0 || ndim > SEER_MAX_DIMS)
        return seer_errf(err, SEER_EINVAL, "no input %d of rank %d", i, ndim);
    in = p->g->inputs[i];
    seer_tensor_set_shape(&t, in->t.dtype, ndim, dims);
    if (in->t.ndim >= 0) {
        bool ok = ndim == in->t.ndim;
        for (int k = 0; ok && k < ndim; k++)
            ok = in->t.dims[k] < 0 || in->t.dims[k] == dims[k];
        if (!ok)
            return seer_errf(err, SEER_EINVAL, "input '%s' is %s, not %s", in->name,
                             seer_tensor_shape_str(&in->t, s, sizeof(s)),
                             seer_tensor_shape_str(&t, s + 48, 48));
    }
    if (!d)
        return SEER_OK; /* a static plan's shapes are fixed and match */
    for (int k = 0; k < ndim; k++)
        if (dims[k] < 0)
            return seer_errf(err, SEER_EINVAL, "input '%s': dim %d is negative", in->name, k);
    if (!seer_tensor_nbytes(&t, &bytes) || seer_tensor_numel(&t) > lim.max_elements)
        return seer_errf(err, SEER_ELIMIT, "input '%s' of %s is too large", in->name,
                         seer_tensor_shape_str(&t, s, sizeof(s)));
    if (bytes > d->in_cap[i] || !d->in_buf[i]) {
        void *nb = seer_aligned_alloc(64, bytes ? bytes : 64);
        if (!nb)
            return seer_errf(err, SEER_ENOMEM, "out of memory for input '%s'", in->name);
        seer_free_aligned(d->in_buf[i]);
        d->in_buf[i] = nb;
        d->in_cap[i] = bytes ? bytes : 64;
    }
    t.data = d->in_buf[i];
    p->ts[in->id] = t;
    return SEER_OK;
}
