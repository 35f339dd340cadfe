/*
 * Plans: memory planning and the executor.
 *
 * A plan copies the graph's nodes (sharing their attributes and prepared state) and
 * gives every value a tensor of its own: constants borrow the graph's data; inputs,
 * outputs and activations live in one buffer allocated once. Activation offsets come
 * from liveness: a value lives from the node that makes it to the last node that reads
 * it, and two values may share bytes only when their lifetimes do not overlap. Offsets
 * are assigned greedily, largest value first, at the lowest address that fits (the
 * approach of TFLite's and ggml's arena planners).
 *
 * Threads: oneDNN (the convolutions' fast twins) runs on OpenMP, so the executor runs
 * the reference kernels' ith/nth slices on OpenMP too. One team of threads then serves
 * every node; with our own pool beside OpenMP's, the two teams' spinning workers fought
 * over the cores.
 */
#include <seer/plan.h>

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/compiler.h"
#include "core/threadpool.h"
#include "graph/dyn_int.h"
#include "graph/plan_int.h"

#define PLAN_ALIGN 64

struct life {
    int id;          /* value id */
    int first, last; /* node indices; -1 = before the first node, n = after the last */
    size_t size;
    size_t offset;
};

static size_t align_up(size_t n)
{
    return (n + PLAN_ALIGN - 1) & ~(size_t)(PLAN_ALIGN - 1);
}

static int by_size_desc(const void *a_, const void *b_)
{
    const struct life *a = a_, *b = b_;

    if (a->size != b->size)
        return a->size < b->size ? 1 : -1;
    return a->id - b->id;
}

/* Assigns offsets; returns the buffer size. O(n^2) in the number of planned values,
 * which is a few hundred for these models. */
static size_t assign_offsets(struct life *lv, int n)
{
    size_t total = 0;

    qsort(lv, (size_t)n, sizeof(*lv), by_size_desc);
    for (int i = 0; i < n; i++) {
        size_t off = 0;
        bool moved = true;
        /* Move past every placed block that overlaps in time and address, until none
         * does. Placed blocks are few, so rescanning is cheap. */
        while (moved) {
            moved = false;
            for (int j = 0; j < i; j++) {
                if (lv[j].last < lv[i].first || lv[i].last < lv[j].first)
                    continue;
                if (off < lv[j].offset + lv[j].size && lv[j].offset < off + lv[i].size) {
                    off = align_up(lv[j].offset + lv[j].size);
                    moved = true;
                }
            }
        }
        lv[i].offset = off;
        if (off + lv[i].size > total)
            total = off + lv[i].size;
    }
    return total;
}

/* Whether node nd only relabels its input's bytes (Reshape and friends, Identity): its
 * output can then share the input's storage instead of copying it. */
static bool is_alias_op(const struct seer_plan *p, const struct seer_node *nd)
{
    size_t a, b;

    switch (nd->op) {
    case SEER_OP_IDENTITY:
    case SEER_OP_RESHAPE:
    case SEER_OP_EXPAND_DIMS:
    case SEER_OP_SQUEEZE: break;
    default: return false;
    }
    if (nd->n_out != 1 || nd->n_in < 1 || !nd->in[0] ||
        p->g->values[seer__plan_vid(p, nd->in[0])]->kind == SEER_VALUE_CONST)
        return false;
    return seer_tensor_nbytes(nd->in[0], &a) && seer_tensor_nbytes(nd->out[0], &b) && a == b &&
           nd->in[0]->dtype == nd->out[0]->dtype;
}

static int plan_memory(struct seer_plan *p, struct seer_err *err)
{
    const struct seer_graph *g = p->g;
    struct life *lv = seer_calloc((size_t)g->n_values + 1, sizeof(*lv));
    int *slot = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    int *root = seer_calloc((size_t)g->n_values + 1, sizeof(int));
    int n = 0, rc = SEER_OK;

    if (!lv || !slot || !root) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory planning");
        goto out;
    }
    for (int i = 0; i < g->n_values; i++) {
        slot[i] = -1;
        root[i] = i;
    }
    /* Lifetimes come from the plan's own nodes: fusion may have moved a value's writer
     * to an earlier node and left absorbed values with no writer (and no storage). A
     * value that aliases another (root) extends the root's life instead of its own. */
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i]->id;
        slot[v] = n;
        lv[n++] = (struct life){v, -1, g->n_nodes, 0, 0};
    }
    for (int j = 0; j < g->n_nodes; j++) {
        const struct seer_node *nd = &p->nodes[j];
        if (p->skip[j])
            continue;
        for (int i = 0; i < nd->n_in; i++) {
            int s;
            if (!nd->in[i] || (s = slot[root[seer__plan_vid(p, nd->in[i])]]) < 0)
                continue;
            if (lv[s].last < j)
                lv[s].last = j;
        }
        if (is_alias_op(p, nd) && slot[root[seer__plan_vid(p, nd->in[0])]] >= 0) {
            root[seer__plan_vid(p, nd->out[0])] = root[seer__plan_vid(p, nd->in[0])];
            continue;
        }
        for (int i = 0; i < nd->n_out; i++) {
            int v = seer__plan_vid(p, nd->out[i]);
            if (slot[v] < 0) {
                slot[v] = n;
                lv[n++] = (struct life){v, j, j, 0, 0};
            }
        }
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v]->is_output && slot[root[v]] >= 0)
            lv[slot[root[v]]].last = g->n_nodes;
    for (int i = 0; i < n; i++) {
        size_t bytes;
        if (!seer_tensor_nbytes(&p->ts[lv[i].id], &bytes)) {
            rc = seer_errf(err, SEER_ELIMIT, "value '%s' is too large", g->values[lv[i].id]->name);
            goto out;
        }
        lv[i].size = align_up(bytes ? bytes : 1);
    }
    p->buf_bytes = assign_offsets(lv, n);
    p->buf = seer_aligned_alloc(PLAN_ALIGN, p->buf_bytes ? p->buf_bytes : PLAN_ALIGN);
    if (!p->buf) {
        rc =
            seer_errf(err, SEER_ENOMEM, "out of memory for %zu bytes of activations", p->buf_bytes);
        goto out;
    }
    /* Touch the memory now so the first run does not pay for page faults. */
    memset(p->buf, 0, p->buf_bytes);
    for (int i = 0; i < n; i++)
        p->ts[lv[i].id].data = p->buf + lv[i].offset;
    for (int v = 0; v < g->n_values; v++)
        if (root[v] != v)
            p->ts[v].data = p->ts[root[v]].data;
out:
    seer_free(lv);
    seer_free(slot);
    seer_free(root);
    return rc;
}

int seer_plan_new(const struct seer_graph *g, const struct seer_plan_opts *o,
                  struct seer_plan **out, struct seer_err *err)
{
    struct seer_plan *p = NULL;
    int rc = SEER_OK, n_ptrs = 0;

    *out = NULL;
    if (!g->prepared)
        return seer_errf(err, SEER_EINVAL, "graph is not prepared");
    if (seer__graph_is_dynamic(g))
        return seer__dyn_plan_new(g, o, out, err);
    p = seer_calloc(1, sizeof(*p));
    if (!p)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    p->g = g;
    p->n_threads = o && o->n_threads > 0 ? o->n_threads : seer_cpu_count();
    p->precision = o ? o->precision : SEER_PRECISION_FP32;
    p->reference = o && o->reference;
    p->ts = seer_calloc((size_t)g->n_values + 1, sizeof(*p->ts));
    p->nodes = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->nodes));
    p->infos = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->infos));
    p->fns = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->fns));
    p->inside = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->inside));
    p->fast = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->fast));
    p->skip = seer_calloc((size_t)g->n_nodes + 1, sizeof(*p->skip));
    if (!p->ts || !p->nodes || !p->infos || !p->fns || !p->inside || !p->fast || !p->skip) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < g->n_values; i++)
        p->ts[i] = g->values[i]->t; /* constants keep their data pointer */
    /* One spare input slot per node, for an operand that fusion adds. */
    for (int j = 0; j < g->n_nodes; j++)
        n_ptrs += g->nodes[j]->n_in + 1 + g->nodes[j]->n_out;
    p->ptrs = seer_calloc((size_t)n_ptrs + 1, sizeof(*p->ptrs));
    if (!p->ptrs) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    n_ptrs = 0;
    for (int j = 0; j < g->n_nodes; j++) {
        const struct seer_node *src = g->nodes[j];
        struct seer_node *nd = &p->nodes[j];
        *nd = *src;
        nd->in = p->ptrs + n_ptrs;
        n_ptrs += src->n_in + 1;
        nd->out = p->ptrs + n_ptrs;
        n_ptrs += src->n_out;
        for (int i = 0; i < src->n_in; i++)
            nd->in[i] = src->in[i] ? &p->ts[seer_value_of(src->in[i])->id] : NULL;
        for (int i = 0; i < src->n_out; i++)
            nd->out[i] = &p->ts[seer_value_of(src->out[i])->id];
        p->infos[j] = seer_op_info(src->op);
        if (!p->infos[j]) {
            rc = seer_errf(err, SEER_EUNSUPPORTED, "node '%s': op %s has no kernel", src->name,
                           seer_op_name(src->op));
            goto out;
        }
        p->fns[j] = p->infos[j]->ref;
    }
    if (!p->reference) {
        rc = seer__plan_fuse(p, err);
        if (!rc)
            rc = seer__plan_fuse_peaks(p, err);
        if (!rc)
            rc = seer__plan_fuse_concat_relu(p, err);
        if (rc)
            goto out;
    }
    for (int j = 0; j < g->n_nodes; j++) {
        struct seer_node *nd = &p->nodes[j];
        if (p->skip[j] || p->fast[j].fn)
            continue;
        if (!p->reference) {
            int frc = seer__fast_prepare(nd, p->n_threads, o ? o->precision : 0, &p->fast[j]);
            if (frc == SEER_ENOMEM) {
                rc = seer_errf(err, SEER_ENOMEM, "out of memory preparing '%s'", nd->name);
                goto out;
            }
            if (frc == SEER_OK) {
                nd->prepared = p->fast[j].state;
                p->fns[j] = p->fast[j].fn;
                p->inside[j] = p->fast[j].threads_inside;
                continue;
            }
        }
        if (p->infos[j]->scratch) {
            size_t s = p->infos[j]->scratch(nd);
            if (s > p->scratch_bytes)
                p->scratch_bytes = align_up(s);
        }
    }
    if (!p->reference) {
        rc = seer__plan_bf16(p, err);
        if (rc)
            goto out;
    }
    rc = plan_memory(p, err);
    if (rc)
        goto out;
    if (p->scratch_bytes) {
        size_t total;
        if (!seer_mul_size(p->scratch_bytes, (size_t)p->n_threads, &total) ||
            !(p->scratch = seer_aligned_alloc(PLAN_ALIGN, total))) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory for scratch");
            goto out;
        }
    }
    *out = p;
    p = NULL;
out:
    seer_plan_free(p);
    return rc;
}

void seer_plan_free(struct seer_plan *p)
{
    if (!p)
        return;
    seer__dyn_free(p->dyn);
    if (p->fast)
        for (int j = 0; j < p->g->n_nodes; j++)
            if (p->fast[j].free)
                p->fast[j].free(p->fast[j].state);
    seer_free(p->fast);
    seer_free(p->skip);
    seer_free(p->prof_ms);
    seer_free(p->fns);
    seer_free(p->inside);
    seer_free(p->ts);
    seer_free(p->nodes);
    seer_free(p->ptrs);
    seer_free(p->infos);
    seer_free_aligned(p->buf);
    seer_free_aligned(p->scratch);
    seer_free(p);
}

struct seer_tensor *seer_plan_input(struct seer_plan *p, int i)
{
    SEER_ASSERT(i >= 0 && i < p->g->n_inputs);
    return &p->ts[p->g->inputs[i]->id];
}

int seer_plan_n_inputs(const struct seer_plan *p)
{
    return p->g->n_inputs;
}

const struct seer_tensor *seer_plan_output(const struct seer_plan *p, int i)
{
    SEER_ASSERT(i >= 0 && i < p->g->n_outputs);
    return &p->ts[p->g->outputs[i]->id];
}

int seer_plan_n_outputs(const struct seer_plan *p)
{
    return p->g->n_outputs;
}

int seer_plan_find_output(const struct seer_plan *p, const char *name)
{
    size_t len = strlen(name);

    /* "x:0" names output 0 of node x, whose value is called "x". */
    if (len > 2 && !strcmp(name + len - 2, ":0"))
        len -= 2;
    for (int i = 0; i < p->g->n_outputs; i++) {
        const char *vn = p->g->outputs[i]->name;
        if (strlen(vn) == len && !strncmp(vn, name, len))
            return i;
    }
    return -1;
}

size_t seer_plan_activation_bytes(const struct seer_plan *p)
{
    return p->buf_bytes;
}

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int seer_plan_profile(struct seer_plan *p, bool on)
{
    seer_free(p->prof_ms);
    p->prof_ms = NULL;
    if (on && !(p->prof_ms = seer_calloc((size_t)p->g->n_nodes + 1, sizeof(double))))
        return SEER_ENOMEM;
    return SEER_OK;
}

void seer_plan_profile_print(const struct seer_plan *p, int runs, FILE *f)
{
    double by_op[SEER_OP_COUNT] = {0}, total = 0;
    int count[SEER_OP_COUNT] = {0};

    if (!p->prof_ms || runs < 1 || p->dyn)
        return;
    for (int j = 0; j < p->g->n_nodes; j++) {
        if (p->skip[j])
            continue;
        by_op[p->nodes[j].op] += p->prof_ms[j] / runs;
        count[p->nodes[j].op]++;
        total += p->prof_ms[j] / runs;
    }
    fprintf(f, "%-24s %6s %10s %6s\n", "op", "nodes", "ms/run", "share");
    for (int op = 0; op < SEER_OP_COUNT; op++)
        if (count[op])
            fprintf(f, "%-24s %6d %10.3f %5.1f%%\n", seer_op_name((enum seer_op)op), count[op],
                    by_op[op], 100 * by_op[op] / total);
    fprintf(f, "%-24s %6d %10.3f\n", "total", p->g->n_nodes, total);
}

/* Whether a node touches so few elements that waking a second thread costs more than it
 * saves (and, on a host whose other vCPU is busy, may cost a whole time slice at the
 * region's closing barrier): CenterNet's squeeze-excite vectors and its [1,100]
 * detection tail are dozens of such nodes. */
static bool small_work(const struct seer_node *nd)
{
    int64_t most = 0;

    for (int i = 0; i < nd->n_in; i++)
        if (nd->in[i] && seer_tensor_numel(nd->in[i]) > most)
            most = seer_tensor_numel(nd->in[i]);
    for (int i = 0; i < nd->n_out; i++)
        if (seer_tensor_numel(nd->out[i]) > most)
            most = seer_tensor_numel(nd->out[i]);
    return most < 32768;
}

int seer_plan_run(struct seer_plan *p, struct seer_err *err)
{
    if (p->dyn)
        return seer__dyn_run(p, err);
    seer__omp_set_threads(p->n_threads);
    for (int j = 0; j < p->g->n_nodes; j++) {
        const struct seer_node *nd = &p->nodes[j];
        seer_kernel_fn fn = p->fns[j];
        int nth = p->inside[j] || !p->infos[j]->parallel || small_work(nd) ? 1 : p->n_threads;
        double t0;

        if (p->skip[j])
            continue;
        t0 = p->prof_ms ? now_ms() : 0;

        if (nth == 1) {
            struct seer_kctx k = {0, 1, p->scratch, p->scratch_bytes};
            fn(&k, nd);
        } else {
#pragma omp parallel num_threads(nth)
            {
                int ith = omp_get_thread_num(), got = omp_get_num_threads();
                struct seer_kctx k = {ith, got, NULL, p->scratch_bytes};
                if (p->scratch)
                    k.scratch = (uint8_t *)p->scratch + (size_t)ith * p->scratch_bytes;
                fn(&k, nd);
            }
        }
        if (p->prof_ms)
            p->prof_ms[j] += now_ms() - t0;
    }
    return SEER_OK;
}
