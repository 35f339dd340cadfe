/*
 * The dataflow interpreter: runs graphs that a static plan cannot, namely TensorFlow 1
 * control flow (while loops as Enter/Merge/Switch/NextIteration/Exit frames, tf.cond as
 * Switch/Merge with dead branches), TensorArrays, and ops whose output shape depends on
 * data (Where, NonMaxSuppression), with inputs of any size.
 *
 * Design (the semantics are TensorFlow's executor's; the code is our own):
 * - Tokens. A value produced at run time is delivered to every consumer's input slot in
 *   a (frame instance, iteration); a node runs when all its non-constant inputs have
 *   arrived. Constants are read straight from the graph and never travel. A token may
 *   be dead: a node with a dead input does not run and its outputs are dead, except
 *   Merge, which forwards its first live input and is dead only when every expected
 *   input arrived dead. Switch sends its data to one output and a dead token to the
 *   other.
 * - Frames. Static frames come from prepare (dynprep.c). A frame instance is one
 *   execution of a loop, made by the first Enter that fires for it in a given parent
 *   iteration; it holds iterations. Enter delivers to iteration 0 (a loop invariant,
 *   is_constant, to every iteration, present and future); NextIteration delivers to the
 *   next iteration, creating it; a dead NextIteration ends the loop; Exit delivers to the
 *   parent. A loop's Merge expects its forward inputs in iteration 0 and its back edges
 *   afterwards. An iteration is done when nothing in it is queued or running, no loop it
 *   started is alive and (iteration 0) every Enter has fired, or (later ones) the one
 *   before is done; a frame is done when all its iterations are, and then each Exit that
 *   never delivered a live value delivers a dead one (a loop inside a dead branch).
 * - The graph is analysed once per plan (dynplan.c): each node's frame, input slots and
 *   expected input count, and every value's consumers.
 * - Shapes are computed per run by the ops' own shape functions, now that every input
 *   is there, and reference kernels do the work (parallel ones on OpenMP, as plan.c).
 *   Ops that only rename or reshape share their input's buffer.
 * - Memory comes from the run (dynmem.c): freed tensors are reused by size class and
 *   the whole run is released when it ends. Graph outputs are copied into buffers the
 *   plan owns, valid until the next run. Inputs live in the plan too, and
 *   seer_plan_set_input_shape resizes them (an input whose shape the graph fixes accepts
 *   only that shape).
 * - Limits: a run stops with ELIMIT after SEER_DYN_MAX_STEPS node runs (a loop that
 *   never ends) or when its live tensors pass SEER_DYN_MAX_LIVE_BYTES; every failure
 *   names the node.
 * The run is single-threaded apart from the kernels; a plan runs one inference at a
 * time, as every plan does.
 */
#include <omp.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/threadpool.h"
#include "graph/dyn_int.h"
#include "graph/dynrt.h"
#include "graph/graph_int.h"
#include "graph/plan_int.h"
#include "kernels/kernel.h"

#define MAX_ITERATIONS (1 << 22)

int64_t seer__dyn_step_limit = SEER_DYN_MAX_STEPS;
/* Elementwise work below this many outputs runs on one thread. */
#define PAR_MIN 16384

struct tok {
    struct seer__val *v;
    bool dead, has;
};

struct finst;

struct iter {
    int *pending;
    int *dead;      /* Merge: dead inputs seen */
    uint8_t *fired; /* Merge: fired in this iteration */
    struct tok *slots;
    int outstanding; /* queued or running nodes, live child frames */
    struct finst **kids;
    int n_kids, cap_kids;
};

struct inv {
    int vid; /* the Enter's output value */
    struct seer__val *v;
    bool dead;
};

struct finst {
    int sf;
    struct finst *parent;
    int parent_iter;
    int pending_enters;
    struct iter **iters;
    int n_iters, cap_iters, first_live;
    struct inv *invs;
    int n_invs, cap_invs;
    uint8_t *exit_done; /* per local node */
};

struct task {
    int node;
    struct finst *f;
    int iter;
};

struct run {
    struct seer__rt rt;
    struct seer_dynplan *d;
    const struct seer_graph *g;
    struct task *stack;
    int sp, cap;
    struct seer__val **outs;
    bool *out_dead;
    struct seer_tensor **in; /* max_in scratch pointers for one node */
    struct seer__val **inv;
    struct seer__val **outv; /* max_out */
    struct seer_tensor **outt;
    void *scratch;
    size_t scratch_bytes;
    struct finst *root;
    struct seer_err *err;
};

/* ---- frames and iterations ---- */

static void free_frame(struct run *r, struct finst *f);

static void free_iter(struct run *r, struct finst *f, struct iter *it)
{
    const struct seer__dframe *sf = &r->d->sf[f->sf];

    if (!it)
        return;
    for (int i = 0; it->slots && i < sf->n_slots; i++)
        seer__rt_release(&r->rt, it->slots[i].v);
    for (int i = 0; i < it->n_kids; i++)
        free_frame(r, it->kids[i]);
    seer_free(it->kids);
    seer_free(it->pending);
    seer_free(it->dead);
    seer_free(it->fired);
    seer_free(it->slots);
    seer_free(it);
}

static void free_frame(struct run *r, struct finst *f)
{
    if (!f)
        return;
    for (int k = f->first_live; k < f->n_iters; k++)
        free_iter(r, f, f->iters[k]);
    for (int i = 0; i < f->n_invs; i++)
        seer__rt_release(&r->rt, f->invs[i].v);
    seer_free(f->invs);
    seer_free(f->iters);
    seer_free(f->exit_done);
    seer_free(f);
}

static int deliver(struct run *r, struct finst *f, int k, int vid, struct seer__val *v, bool dead);

static int new_iter(struct run *r, struct finst *f)
{
    const struct seer__dframe *sf = &r->d->sf[f->sf];
    struct iter *it;
    int k = f->n_iters, rc;

    if (k >= MAX_ITERATIONS)
        return seer_errf(r->err, SEER_ELIMIT, "a loop ran more than %d iterations", MAX_ITERATIONS);
    if (k == f->cap_iters) {
        int nc = f->cap_iters ? f->cap_iters * 2 : 4;
        struct iter **ni = seer_realloc(f->iters, (size_t)nc * sizeof(*ni));
        if (!ni)
            return seer_errf(r->err, SEER_ENOMEM, "out of memory");
        f->iters = ni;
        f->cap_iters = nc;
    }
    it = seer_calloc(1, sizeof(*it));
    if (!it)
        return seer_errf(r->err, SEER_ENOMEM, "out of memory");
    it->pending = seer_calloc((size_t)sf->n_nodes + 1, sizeof(int));
    it->dead = seer_calloc((size_t)sf->n_nodes + 1, sizeof(int));
    it->fired = seer_calloc((size_t)sf->n_nodes + 1, 1);
    it->slots = seer_calloc((size_t)sf->n_slots + 1, sizeof(*it->slots));
    if (!it->pending || !it->dead || !it->fired || !it->slots) {
        free_iter(r, f, it);
        return seer_errf(r->err, SEER_ENOMEM, "out of memory");
    }
    memcpy(it->pending, sf->expect, (size_t)sf->n_nodes * sizeof(int));
    f->iters[f->n_iters++] = it;
    for (int i = 0; i < f->n_invs; i++) {
        rc = deliver(r, f, k, f->invs[i].vid, f->invs[i].v, f->invs[i].dead);
        if (rc)
            return rc;
    }
    return SEER_OK;
}

static struct finst *new_frame(struct run *r, int sf, struct finst *parent, int parent_iter)
{
    struct finst *f = seer_calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->sf = sf;
    f->parent = parent;
    f->parent_iter = parent_iter;
    f->pending_enters = r->d->sf[sf].n_enters;
    f->exit_done = seer_calloc((size_t)r->d->sf[sf].n_nodes + 1, 1);
    if (!f->exit_done || new_iter(r, f)) {
        free_frame(r, f);
        return NULL;
    }
    return f;
}

/* The instance of frame sf started from iteration k of f, made on first use. */
static int child(struct run *r, struct finst *f, int k, int sf, struct finst **out)
{
    struct iter *it = f->iters[k];
    struct finst *c;

    for (int i = 0; i < it->n_kids; i++) {
        if (it->kids[i]->sf == sf) {
            *out = it->kids[i];
            return SEER_OK;
        }
    }
    if (it->n_kids == it->cap_kids) {
        int nc = it->cap_kids ? it->cap_kids * 2 : 4;
        struct finst **nk = seer_realloc(it->kids, (size_t)nc * sizeof(*nk));
        if (!nk)
            return seer_errf(r->err, SEER_ENOMEM, "out of memory");
        it->kids = nk;
        it->cap_kids = nc;
    }
    c = new_frame(r, sf, f, k);
    if (!c)
        return seer_errf(r->err, SEER_ENOMEM, "out of memory (or too many iterations)");
    it->kids[it->n_kids++] = c;
    it->outstanding++;
    *out = c;
    return SEER_OK;
}

static int push(struct run *r, int node, struct finst *f, int k)
{
    if (r->sp == r->cap) {
        int nc = r->cap ? r->cap * 2 : 256;
        struct task *ns = seer_realloc(r->stack, (size_t)nc * sizeof(*ns));
        if (!ns)
            return seer_errf(r->err, SEER_ENOMEM, "out of memory");
        r->stack = ns;
        r->cap = nc;
    }
    r->stack[r->sp++] = (struct task){node, f, k};
    f->iters[k]->outstanding++;
    return SEER_OK;
}

/* Hands v (or a dead token) to every consumer of value vid in iteration k of f. The
 * caller keeps its own reference to v. */
static int deliver(struct run *r, struct finst *f, int k, int vid, struct seer__val *v, bool dead)
{
    const struct seer_dynplan *d = r->d;
    struct iter *it;
    int oi = d->out_index[vid];

    if (k < f->first_live || k >= f->n_iters)
        return seer_errf(r->err, SEER_EFORMAT, "value '%s' arrived in a finished iteration",
                         r->g->values[vid]->name);
    it = f->iters[k];
    if (oi >= 0 && f == r->root) {
        seer__rt_release(&r->rt, r->outs[oi]);
        r->outs[oi] = dead ? NULL : v;
        r->out_dead[oi] = dead;
        if (!dead)
            seer__rt_retain(v);
    }
    for (int e = d->cstart[vid]; e < d->cstart[vid + 1]; e++) {
        const struct seer__dcons *c = &d->cons[e];
        const struct seer__dnode *sn = &d->sn[c->node];
        struct tok *t = &it->slots[sn->slot0 + c->slot];
        bool ready;
        int rc;

        if (r->g->nodes[c->node]->op == SEER_OP_MERGE) {
            /* The first live input wins; dead only when every expected one is dead. */
            int expect = sn->n_back && k > 0 ? sn->n_back : sn->n_expect;
            if (it->fired[sn->local])
                continue;
            if (dead) {
                if (++it->dead[sn->local] < expect)
                    continue;
                it->fired[sn->local] = 1;
                rc = push(r, c->node, f, k);
                if (rc)
                    return rc;
                continue;
            }
            it->fired[sn->local] = 1;
            ready = true;
        } else {
            ready = --it->pending[sn->local] == 0;
        }
        if (t->has)
            return seer_errf(r->err, SEER_EFORMAT,
                             "node '%s' got input %d twice in one "
                             "iteration",
                             r->g->nodes[c->node]->name, c->slot);
        t->has = true;
        t->dead = dead;
        t->v = dead ? NULL : v;
        if (!dead)
            seer__rt_retain(v);
        if (ready && (rc = push(r, c->node, f, k)))
            return rc;
    }
    return SEER_OK;
}

/* Frees finished iterations of f from the oldest on; a finished frame delivers its dead
 * exits and lets its parent iteration go on, and so on up. */
static int cleanup(struct run *r, struct finst *f)
{
    /* The root frame runs once and ends with the run. */
    while (f && f != r->root) {
        while (f->first_live < f->n_iters) {
            int k = f->first_live;
            if (f->iters[k]->outstanding > 0 || (k == 0 && f->pending_enters > 0))
                return SEER_OK;
            free_iter(r, f, f->iters[k]);
            f->iters[k] = NULL;
            f->first_live++;
        }
        struct finst *p = f->parent;
        int pk = f->parent_iter;
        const struct seer__dframe *sf = &r->d->sf[f->sf];
        for (int i = 0; i < sf->n_exits; i++) {
            int j = sf->exits[i];
            if (!f->exit_done[r->d->sn[j].local]) {
                int rc = deliver(r, p, pk, seer_value_of(r->g->nodes[j]->out[0])->id, NULL, true);
                if (rc)
                    return rc;
            }
        }
        struct iter *pit = p->iters[pk];
        for (int i = 0; i < pit->n_kids; i++) {
            if (pit->kids[i] == f) {
                pit->kids[i] = pit->kids[--pit->n_kids];
                break;
            }
        }
        free_frame(r, f);
        pit->outstanding--;
        f = p;
    }
    return SEER_OK;
}

/* ---- running one node ---- */

/* Ops whose output is their first input under another name or shape. */
static bool aliases(enum seer_op op)
{
    return op == SEER_OP_IDENTITY || op == SEER_OP_RESHAPE || op == SEER_OP_EXPAND_DIMS ||
           op == SEER_OP_SQUEEZE;
}

static int scratch_for(struct run *r, size_t per_thread, int nth)
{
    size_t total;

    if (!seer_mul_size(per_thread, (size_t)nth, &total))
        return seer_errf(r->err, SEER_ELIMIT, "scratch too large");
    if (total <= r->scratch_bytes)
        return SEER_OK;
    seer_free_aligned(r->scratch);
    r->scratch = seer_aligned_alloc(64, total);
    r->scratch_bytes = r->scratch ? total : 0;
    return r->scratch ? SEER_OK : seer_errf(r->err, SEER_ENOMEM, "out of memory for scratch");
}

/* Shape function, buffers and reference kernel for an ordinary op; r->outv receives its
 * outputs. */
static int run_kernel(struct run *r, const struct seer_node *nd)
{
    const struct seer_op_info *info = seer_op_info(nd->op);
    struct seer_limits lim = seer_limits_default(NULL);
    struct seer_node tmp = *nd;
    size_t per = 0;
    int nth = 1, rc;

    tmp.in = r->in;
    tmp.out = r->outt;
    for (int k = 0; k < nd->n_out; k++) {
        r->outv[k] = seer__rt_val(&r->rt);
        if (!r->outv[k])
            return seer_errf(r->err, SEER_ENOMEM, "out of memory");
        r->outt[k] = &r->outv[k]->t;
    }
    rc = info->shape(&tmp, r->err);
    if (rc) {
        seer_err_prefix(r->err, "node '%s' (%s): ", nd->name, info->name);
        return rc;
    }
    for (int k = 0; k < nd->n_out; k++) {
        if (!seer__tensor_is_known(r->outt[k]))
            return seer_errf(r->err, SEER_EFORMAT, "node '%s' (%s): output %d has no shape",
                             nd->name, info->name, k);
        if (seer_tensor_numel(r->outt[k]) > lim.max_elements)
            return seer_errf(r->err, SEER_ELIMIT, "node '%s': output %d is too large", nd->name, k);
    }
    if (aliases(nd->op)) {
        struct seer__val *src = r->inv[0];
        struct seer__buf *b = src ? src->buf : NULL;
        if (!src) {
            /* A constant's bytes: borrow them. */
            src = seer__rt_borrow(&r->rt, r->in[0]);
            if (!src)
                return seer_errf(r->err, SEER_ENOMEM, "out of memory");
            b = src->buf;
            b->refs++;
            seer__rt_release(&r->rt, src);
        } else if (b) {
            b->refs++;
        }
        r->outv[0]->buf = b;
        r->outv[0]->t.data = r->in[0]->data;
        return SEER_OK;
    }
    for (int k = 0; k < nd->n_out; k++)
        if ((rc = seer__rt_alloc(&r->rt, r->outv[k], nd->name)))
            return rc;
    if (info->parallel && r->d->n_threads > 1 && nd->n_out > 0 &&
        seer_tensor_numel(r->outt[0]) >= PAR_MIN)
        nth = r->d->n_threads;
    if (info->scratch && (per = info->scratch(&tmp)) && (rc = scratch_for(r, per, nth)))
        return rc;
    if (nth == 1) {
        struct seer_kctx k = {0, 1, r->scratch, per};
        info->ref(&k, &tmp);
    } else {
#pragma omp parallel num_threads(nth)
        {
            int ith = omp_get_thread_num(), got = omp_get_num_threads();
            struct seer_kctx k = {ith, got, NULL, per};
            if (per)
                k.scratch = (uint8_t *)r->scratch + (size_t)ith * per;
            info->ref(&k, &tmp);
        }
    }
    return SEER_OK;
}

/* The value of input i to pass on unchanged: its token's, or a constant's, borrowed.
 * The caller owns one reference. */
static struct seer__val *pass_on(struct run *r, int i)
{
    if (r->inv[i]) {
        seer__rt_retain(r->inv[i]);
        return r->inv[i];
    }
    return seer__rt_borrow(&r->rt, r->in[i]);
}

static int vid_of(const struct seer_node *nd, int k)
{
    return seer_value_of(nd->out[k])->id;
}

static int exec_task(struct run *r, const struct task *t)
{
    const struct seer_node *nd = r->g->nodes[t->node];
    const struct seer__dnode *sn = &r->d->sn[t->node];
    struct iter *it = t->f->iters[t->iter];
    struct tok *slots = it->slots + sn->slot0;
    struct seer__val *v = NULL;
    bool dead = false, live_seen = false;
    int rc = SEER_OK, chosen = -1;

    for (int i = 0; i < nd->n_in; i++) {
        const struct seer_value *gv = nd->in[i] ? seer_value_of(nd->in[i]) : NULL;
        r->inv[i] = NULL;
        r->in[i] = NULL;
        if (!gv)
            continue;
        if (gv->kind == SEER_VALUE_CONST) {
            r->in[i] = (struct seer_tensor *)&gv->t;
            continue;
        }
        if (!slots[i].has)
            continue; /* a Merge's inputs that did not come */
        dead = dead || slots[i].dead;
        if (slots[i].v) {
            r->inv[i] = slots[i].v;
            r->in[i] = &slots[i].v->t;
            if (!live_seen) {
                chosen = i;
                live_seen = true;
            }
        }
    }
    switch (nd->op) {
    case SEER_OP_MERGE:
        if (chosen < 0) {
            rc = deliver(r, t->f, t->iter, vid_of(nd, 0), NULL, true);
            if (!rc)
                rc = deliver(r, t->f, t->iter, vid_of(nd, 1), NULL, true);
            break;
        }
        rc = deliver(r, t->f, t->iter, vid_of(nd, 0), r->inv[chosen], false);
        if (!rc && !(v = seer__rt_val(&r->rt)))
            rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
        if (!rc) {
            seer_tensor_set_shape(&v->t, SEER_DTYPE_I32, 0, NULL);
            rc = seer__rt_alloc(&r->rt, v, nd->name);
        }
        if (!rc) {
            *(int32_t *)v->t.data = chosen;
            rc = deliver(r, t->f, t->iter, vid_of(nd, 1), v, false);
        }
        break;
    case SEER_OP_SWITCH:
        if (dead) {
            rc = deliver(r, t->f, t->iter, vid_of(nd, 0), NULL, true);
            if (!rc)
                rc = deliver(r, t->f, t->iter, vid_of(nd, 1), NULL, true);
            break;
        }
        if (r->in[1]->dtype != SEER_DTYPE_BOOL || seer_tensor_numel(r->in[1]) != 1) {
            rc = seer_errf(r->err, SEER_EFORMAT,
                           "node '%s' (Switch): the predicate is not a "
                           "bool scalar",
                           nd->name);
            break;
        }
        int port = ((const uint8_t *)r->in[1]->data)[0] != 0;
        if (!(v = pass_on(r, 0))) {
            rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
            break;
        }
        rc = deliver(r, t->f, t->iter, vid_of(nd, port), v, false);
        if (!rc)
            rc = deliver(r, t->f, t->iter, vid_of(nd, !port), NULL, true);
        break;
    case SEER_OP_ENTER: {
        struct finst *c = NULL;
        rc = child(r, t->f, t->iter, sn->outf, &c);
        if (rc)
            break;
        if (!dead && !(v = pass_on(r, 0))) {
            rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
            break;
        }
        if (nd->a.is_constant) {
            /* Every iteration sees a loop invariant, including ones not started yet. */
            if (c->n_invs == c->cap_invs) {
                int nc = c->cap_invs ? c->cap_invs * 2 : 8;
                struct inv *ni = seer_realloc(c->invs, (size_t)nc * sizeof(*ni));
                if (!ni) {
                    rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
                    break;
                }
                c->invs = ni;
                c->cap_invs = nc;
            }
            c->invs[c->n_invs++] = (struct inv){vid_of(nd, 0), v, dead};
            if (v)
                seer__rt_retain(v);
            for (int k = c->first_live; !rc && k < c->n_iters; k++)
                rc = deliver(r, c, k, vid_of(nd, 0), v, dead);
        } else {
            rc = deliver(r, c, 0, vid_of(nd, 0), v, dead);
        }
        c->pending_enters--;
        if (!rc)
            rc = cleanup(r, c);
        break;
    }
    case SEER_OP_EXIT:
        if (dead)
            break; /* a live one comes in the last iteration, or a dead one at the end */
        if (!(v = pass_on(r, 0))) {
            rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
            break;
        }
        t->f->exit_done[sn->local] = 1;
        rc = deliver(r, t->f->parent, t->f->parent_iter, vid_of(nd, 0), v, false);
        break;
    case SEER_OP_NEXT_ITERATION:
        if (dead)
            break; /* the loop ends: no next iteration */
        if (!(v = pass_on(r, 0))) {
            rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
            break;
        }
        if (t->iter + 1 == t->f->n_iters)
            rc = new_iter(r, t->f);
        if (!rc)
            rc = deliver(r, t->f, t->iter + 1, vid_of(nd, 0), v, false);
        break;
    default:
        if (dead) {
            for (int k = 0; !rc && k < nd->n_out; k++)
                rc = deliver(r, t->f, t->iter, vid_of(nd, k), NULL, true);
            break;
        }
        if (nd->op == SEER_OP_LOOP_COND || nd->op == SEER_OP_CONTROL_DEP) {
            if (!(v = pass_on(r, 0)))
                rc = seer_errf(r->err, SEER_ENOMEM, "out of memory");
            else
                rc = deliver(r, t->f, t->iter, vid_of(nd, 0), v, false);
            break;
        }
        for (int k = 0; k < nd->n_out; k++)
            r->outv[k] = NULL;
        if (seer__op_is_control(nd->op))
            rc = seer__rt_ta_exec(&r->rt, nd, r->in, r->outv);
        else
            rc = run_kernel(r, nd);
        for (int k = 0; !rc && k < nd->n_out; k++)
            rc = deliver(r, t->f, t->iter, vid_of(nd, k), r->outv[k], false);
        for (int k = 0; k < nd->n_out; k++)
            seer__rt_release(&r->rt, r->outv[k]);
        break;
    }
    seer__rt_release(&r->rt, v);
    /* The inputs are used up. */
    for (int i = 0; i < nd->n_in; i++) {
        if (slots[i].has) {
            seer__rt_release(&r->rt, slots[i].v);
            slots[i] = (struct tok){0};
        }
    }
    it->pending[sn->local] = r->d->sf[sn->exec].expect[sn->local];
    return rc;
}

/* ---- a run ---- */

static void teardown(struct run *r)
{
    struct seer__rt *rt = &r->rt;

    for (int k = 0; r->outs && k < r->g->n_outputs; k++)
        seer__rt_release(rt, r->outs[k]);
    free_frame(r, r->root);
    for (int i = 0; i < rt->n_tas; i++) {
        for (int64_t e = 0; e < rt->tas[i].size; e++)
            seer__rt_release(rt, rt->tas[i].elem[e]);
        seer_free(rt->tas[i].elem);
    }
    seer_free(rt->tas);
    for (size_t b = 0; b < rt->n_blocks; b++)
        seer_free_aligned(rt->blocks[b]);
    seer_free(rt->blocks);
    seer_arena_free(rt->arena);
    seer_free(r->stack);
    seer_free(r->outs);
    seer_free(r->out_dead);
    seer_free(r->in);
    seer_free(r->inv);
    seer_free(r->outv);
    seer_free(r->outt);
    seer_free_aligned(r->scratch);
}

/* Copies output k into the plan's buffer for it. */
static int keep_output(struct run *r, struct seer_plan *p, int k)
{
    const struct seer_value *gv = r->g->outputs[k];
    struct seer_dynplan *d = r->d;
    struct seer__val *v = r->outs[k];
    size_t bytes;

    if (gv->kind != SEER_VALUE_ACT)
        return SEER_OK; /* a constant or an input: p->ts has it */
    if (!v)
        return seer_errf(r->err, SEER_EFORMAT,
                         r->out_dead[k] ? "output '%s' is dead: the branch that "
                                          "makes it was not taken"
                                        : "output '%s' was never computed (the "
                                          "graph waits for a value that never "
                                          "comes)",
                         gv->name);
    seer_tensor_nbytes(&v->t, &bytes);
    if (bytes > d->out_cap[k] || !d->out_buf[k]) {
        void *nb = seer_aligned_alloc(64, bytes ? bytes : 64);
        if (!nb)
            return seer_errf(r->err, SEER_ENOMEM, "out of memory for output '%s'", gv->name);
        seer_free_aligned(d->out_buf[k]);
        d->out_buf[k] = nb;
        d->out_cap[k] = bytes ? bytes : 64;
    }
    if (bytes)
        memcpy(d->out_buf[k], v->t.data, bytes);
    p->ts[gv->id] = v->t;
    p->ts[gv->id].data = d->out_buf[k];
    return SEER_OK;
}

int seer__dyn_run(struct seer_plan *p, struct seer_err *err)
{
    struct seer_dynplan *d = p->dyn;
    const struct seer_graph *g = d->g;
    struct run r = {.d = d, .g = g, .err = err};
    int rc = SEER_OK;

    r.rt.p = p;
    r.rt.d = d;
    r.rt.g = g;
    r.rt.err = err;
    r.rt.arena = seer_arena_new(1 << 16);
    r.outs = seer_calloc((size_t)g->n_outputs + 1, sizeof(*r.outs));
    r.out_dead = seer_calloc((size_t)g->n_outputs + 1, sizeof(*r.out_dead));
    r.in = seer_calloc((size_t)d->max_in + 1, sizeof(*r.in));
    r.inv = seer_calloc((size_t)d->max_in + 1, sizeof(*r.inv));
    r.outv = seer_calloc((size_t)d->max_out + 1, sizeof(*r.outv));
    r.outt = seer_calloc((size_t)d->max_out + 1, sizeof(*r.outt));
    if (!r.rt.arena || !r.outs || !r.out_dead || !r.in || !r.inv || !r.outv || !r.outt ||
        !(r.root = new_frame(&r, 0, NULL, 0))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; !rc && i < g->n_inputs; i++) {
        struct seer__val *v = seer__rt_borrow(&r.rt, &p->ts[g->inputs[i]->id]);
        if (!v) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            break;
        }
        rc = deliver(&r, r.root, 0, g->inputs[i]->id, v, false);
        seer__rt_release(&r.rt, v);
    }
    /* Nodes without run-time inputs start the run (they are all in the root frame). */
    for (int j = 0; !rc && j < g->n_nodes; j++)
        if (d->sn[j].n_expect == 0 && d->sn[j].n_back == 0)
            rc = push(&r, j, r.root, 0);
    while (!rc && r.sp > 0) {
        struct task t = r.stack[--r.sp];
        if (++r.rt.steps > seer__dyn_step_limit) {
            rc = seer_errf(err, SEER_ELIMIT,
                           "the run took more than %lld steps (a loop that "
                           "does not end?)",
                           (long long)seer__dyn_step_limit);
            break;
        }
        rc = exec_task(&r, &t);
        if (rc)
            break;
        t.f->iters[t.iter]->outstanding--;
        rc = cleanup(&r, t.f);
    }
    for (int k = 0; !rc && k < g->n_outputs; k++)
        rc = keep_output(&r, p, k);
out:
    d->peak = r.rt.peak_bytes;
    p->buf_bytes = d->peak;
    teardown(&r);
    return rc;
}
