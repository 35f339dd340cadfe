/*
 * Shape functions for TensorFlow 1 control flow (Enter, Exit, Switch, Merge,
 * NextIteration, LoopCond, and the control dependencies importers turn into data edges)
 * and for the TensorArrayV3 family.
 *
 * These ops move tensors between frames and iterations, pick live branches and keep
 * per-run state, so they cannot be pure kernels: the dataflow interpreter
 * (graph/dynexec.c) runs them itself. They are registered so that shape inference at
 * prepare time knows what it can (a switch passes its data's shape, a TensorArray's flow
 * is a float scalar) and reports the rest as unknown: rank -1, or dims of -1. Only the
 * interpreter's prepare (graph/dynprep.c) sees unknown shapes.
 *
 * The registered kernels exist because every registry entry has one. The pass-through
 * ops copy their input, which is what they mean; Switch, Merge and the TensorArray ops
 * are never called as kernels and do nothing.
 */
#include <stdint.h>

#include "kernels/kernel.h"
#include "kernels/ref/args.h"

static void set_unknown(struct seer_tensor *t, enum seer_dtype dt)
{
    t->dtype = dt;
    t->ndim = -1;
}

static void copy_kernel(const struct seer_kctx *k, const struct seer_node *nd)
{
    size_t n = (size_t)seer_tensor_numel(nd->out[0]) * seer_dtype_size(nd->out[0]->dtype);

    seer__copy_share(nd->out[0]->data, nd->in[0]->data, n, k->ith, k->nth);
}

static void no_kernel(const struct seer_kctx *k, const struct seer_node *nd)
{
    (void)k;
    (void)nd;
}

/* Enter, Exit, NextIteration: one input, passed on unchanged. */
static int shape_pass(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 1, err);

    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

static int check_pred(const struct seer_tensor *p, struct seer_err *err)
{
    if (p->dtype != SEER_DTYPE_BOOL || p->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "the predicate must be a bool scalar");
    return SEER_OK;
}

int seer_shape_enter(struct seer_node *nd, struct seer_err *err)
{
    if (nd->a.frame < 1)
        return seer_errf(err, SEER_EFORMAT, "Enter has no loop frame");
    return shape_pass(nd, err);
}

void seer_kref_enter(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_exit(struct seer_node *nd, struct seer_err *err)
{
    return shape_pass(nd, err);
}

void seer_kref_exit(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_next_iteration(struct seer_node *nd, struct seer_err *err)
{
    return shape_pass(nd, err);
}

void seer_kref_next_iteration(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_loop_cond(struct seer_node *nd, struct seer_err *err)
{
    int rc = shape_pass(nd, err);

    return rc ? rc : check_pred(nd->in[0], err);
}

void seer_kref_loop_cond(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

/* A control dependency: input 0 is the value, the others only order and kill it. */
int seer_shape_control_dep(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 2, 64, 1, err);

    if (rc)
        return rc;
    seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

void seer_kref_control_dep(const struct seer_kctx *k, const struct seer_node *nd)
{
    copy_kernel(k, nd);
}

int seer_shape_switch(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 2, 2, 2, err);

    if (rc)
        return rc;
    rc = check_pred(nd->in[1], err);
    if (rc)
        return rc;
    for (int i = 0; i < 2; i++)
        seer_tensor_set_shape(nd->out[i], nd->in[0]->dtype, nd->in[0]->ndim, nd->in[0]->dims);
    return SEER_OK;
}

void seer_kref_switch(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

/* Merge's value has the inputs' shape when they all agree (a loop variable may change
 * shape from one iteration to the next, and its back edge is not inferred yet). */
int seer_shape_merge(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 64, 2, err);
    bool same = true;

    if (rc)
        return rc;
    for (int i = 1; i < nd->n_in; i++) {
        if (!nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "input %d is missing", i);
        if (nd->in[i]->dtype != nd->in[0]->dtype)
            return seer_errf(err, SEER_EFORMAT, "inputs differ in dtype: %s and %s",
                             seer_dtype_name(nd->in[0]->dtype), seer_dtype_name(nd->in[i]->dtype));
        same = same && seer_tensor_same_shape(nd->in[i], nd->in[0]);
    }
    if (same)
        seer_tensor_set_shape(nd->out[0], nd->in[0]->dtype, nd->in[0]->ndim, nd->in[0]->dims);
    else
        set_unknown(nd->out[0], nd->in[0]->dtype);
    seer_tensor_set_shape(nd->out[1], SEER_DTYPE_I32, 0, NULL);
    return SEER_OK;
}

void seer_kref_merge(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

/* TensorArray handles are int32 scalars (an index into the run's arrays); flows are
 * float scalars that only order the reads and writes. */
static int check_handle(const struct seer_node *nd, int n_in, struct seer_err *err)
{
    if (nd->n_in != n_in)
        return seer_errf(err, SEER_EFORMAT, "expects %d inputs, got %d", n_in, nd->n_in);
    for (int i = 0; i < n_in; i++)
        if (!nd->in[i])
            return seer_errf(err, SEER_EFORMAT, "input %d is missing", i);
    if (nd->in[0]->dtype != SEER_DTYPE_I32 || nd->in[0]->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "input 0 is not a TensorArray handle");
    return SEER_OK;
}

static void set_flow(struct seer_tensor *t)
{
    seer_tensor_set_shape(t, SEER_DTYPE_F32, 0, NULL);
}

int seer_shape_ta_new(struct seer_node *nd, struct seer_err *err)
{
    int rc = seer__check_arity(nd, 1, 1, 2, err);

    if (rc)
        return rc;
    if ((nd->in[0]->dtype != SEER_DTYPE_I32 && nd->in[0]->dtype != SEER_DTYPE_I64) ||
        nd->in[0]->ndim != 0)
        return seer_errf(err, SEER_EFORMAT, "size must be an integer scalar");
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I32, 0, NULL);
    set_flow(nd->out[1]);
    return SEER_OK;
}

void seer_kref_ta_new(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_read(struct seer_node *nd, struct seer_err *err)
{
    int rc = check_handle(nd, 3, err);

    if (rc)
        return rc;
    if (nd->n_out != 1)
        return seer_errf(err, SEER_EFORMAT, "expects 1 output");
    set_unknown(nd->out[0], nd->a.dtype);
    return SEER_OK;
}

void seer_kref_ta_read(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_write(struct seer_node *nd, struct seer_err *err)
{
    int rc = check_handle(nd, 4, err);

    if (rc)
        return rc;
    if (nd->n_out != 1)
        return seer_errf(err, SEER_EFORMAT, "expects 1 output");
    set_flow(nd->out[0]);
    return SEER_OK;
}

void seer_kref_ta_write(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_gather(struct seer_node *nd, struct seer_err *err)
{
    return seer_shape_ta_read(nd, err);
}

void seer_kref_ta_gather(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_scatter(struct seer_node *nd, struct seer_err *err)
{
    return seer_shape_ta_write(nd, err);
}

void seer_kref_ta_scatter(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_size(struct seer_node *nd, struct seer_err *err)
{
    int rc = check_handle(nd, 2, err);

    if (rc)
        return rc;
    if (nd->n_out != 1)
        return seer_errf(err, SEER_EFORMAT, "expects 1 output");
    seer_tensor_set_shape(nd->out[0], SEER_DTYPE_I32, 0, NULL);
    return SEER_OK;
}

void seer_kref_ta_size(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}

int seer_shape_ta_concat(struct seer_node *nd, struct seer_err *err)
{
    int rc = check_handle(nd, 2, err);
    int64_t unknown = -1;

    if (rc)
        return rc;
    if (nd->n_out != 2)
        return seer_errf(err, SEER_EFORMAT, "expects 2 outputs");
    set_unknown(nd->out[0], nd->a.dtype);
    seer_tensor_set_shape(nd->out[1], SEER_DTYPE_I64, 1, &unknown);
    return SEER_OK;
}

void seer_kref_ta_concat(const struct seer_kctx *k, const struct seer_node *nd)
{
    no_kernel(k, nd);
}
