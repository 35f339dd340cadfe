/*
 * bf16 storage between convolutions (precision SEER_PRECISION_BF16 on a CPU with
 * AVX512_BF16).
 *
 * A bf16 convolution reads and writes half the bytes of an fp32 one, but only when its
 * neighbours agree: a value may be stored as bf16 when a oneDNN convolution writes it
 * (or one of our twins that can store bf16: the binary ops and the concat) and only
 * oneDNN convolutions read it, as their source or as the residual their sum post-op adds
 * (which oneDNN reads in the output's type, so the residual and the output must be
 * stored alike). Every other value stays fp32: graph outputs, and whatever our own
 * kernels read. A bf16 value keeps its fp32-sized slot in the activation buffer (half of
 * it used), so the memory plan does not change.
 *
 * The convolutions were prepared (by fusion and the plan) reading and writing fp32; here
 * the ones whose source or output became bf16 are prepared again.
 */
#include "graph/plan_int.h"

#include "core/alloc.h"

/* Index in in[] of the residual a convolution's sum post-op adds, or -1. */
static int sum_input(const struct seer_node *nd)
{
    if (nd->a.has_residual)
        return nd->a.has_bias ? 3 : 2;
    for (int i = 0; i < nd->a.n_post; i++)
        if (nd->a.post[i].kind == SEER_POST_SUM)
            return nd->a.post_sum_input;
    return -1;
}

static bool is_conv(const struct seer_plan *p, int j)
{
    return !p->skip[j] && seer__dnnl_is_conv(&p->fast[j]);
}

int seer__plan_bf16(struct seer_plan *p, struct seer_err *err)
{
    const struct seer_graph *g = p->g;
    bool *bf = NULL, *cur_src = NULL, *cur_dst = NULL, again = true;
    int rc = SEER_OK;

    if (p->precision != SEER_PRECISION_BF16 || !seer__cpu_bf16())
        return SEER_OK;
    bf = seer_calloc((size_t)g->n_values + 1, sizeof(bool));
    cur_src = seer_calloc((size_t)g->n_nodes + 1, sizeof(bool));
    cur_dst = seer_calloc((size_t)g->n_nodes + 1, sizeof(bool));
    if (!bf || !cur_src || !cur_dst) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory planning bf16");
        goto out;
    }
    for (int j = 0; j < g->n_nodes; j++) {
        int v = seer__plan_vid(p, p->nodes[j].out[0]);
        bool writer = is_conv(p, j) || (!p->skip[j] && seer__x86_can_store_bf16(&p->fast[j]));
        if (writer && p->nodes[j].n_out == 1 && !g->values[v]->is_output)
            bf[v] = true;
    }
    for (int j = 0; j < g->n_nodes; j++) {
        const struct seer_node *nd = &p->nodes[j];
        if (p->skip[j])
            continue;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] && !(is_conv(p, j) && (i == 0 || i == sum_input(nd))))
                bf[seer__plan_vid(p, nd->in[i])] = false;
    }
    while (again) {
        again = false;
        /* A residual and the output it is added into are stored alike. */
        for (int j = 0; j < g->n_nodes; j++) {
            int si = is_conv(p, j) ? sum_input(&p->nodes[j]) : -1;
            if (si < 0)
                continue;
            int s = seer__plan_vid(p, p->nodes[j].in[si]),
                d = seer__plan_vid(p, p->nodes[j].out[0]);
            if (bf[s] != bf[d]) {
                bf[s] = bf[d] = false;
                again = true;
            }
        }
        if (again)
            continue;
        for (int j = 0; j < g->n_nodes && !again; j++) {
            if (!is_conv(p, j))
                continue;
            struct seer_node *nd = &p->nodes[j];
            int vs = seer__plan_vid(p, nd->in[0]), vd = seer__plan_vid(p, nd->out[0]);
            struct seer_fast f = {0};
            if (bf[vs] == cur_src[j] && bf[vd] == cur_dst[j])
                continue;
            int frc =
                seer__dnnl_conv_prepare_io(nd, p->n_threads, p->precision, bf[vs], bf[vd], &f);
            if (frc == SEER_ENOMEM) {
                rc = seer_errf(err, frc, "out of memory preparing '%s' in bf16", nd->name);
                goto out;
            }
            if (frc) {
                /* This convolution cannot take that storage: keep its values fp32 and
                 * settle the others again. */
                bf[vs] = bf[vd] = false;
                again = true;
                continue;
            }
            if (p->fast[j].free)
                p->fast[j].free(p->fast[j].state);
            p->fast[j] = f;
            nd->prepared = f.state;
            p->fns[j] = f.fn;
            cur_src[j] = bf[vs];
            cur_dst[j] = bf[vd];
        }
    }
    /* The storage is settled: our twins just switch their stores. */
    for (int j = 0; j < g->n_nodes; j++)
        if (!p->skip[j] && seer__x86_can_store_bf16(&p->fast[j]) &&
            bf[seer__plan_vid(p, p->nodes[j].out[0])])
            seer__x86_store_bf16(&p->nodes[j], &p->fast[j]);
out:
    seer_free(bf);
    seer_free(cur_src);
    seer_free(cur_dst);
    return rc;
}
