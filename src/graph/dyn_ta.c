/*
 * TensorArrayV3 and its reads and writes, as the interpreter runs them (see dynrt.h).
 *
 * A handle is an int32 scalar holding the array's index in the run's table; a flow is a
 * float scalar that only orders the ops (its value is 0). Elements are values kept alive
 * by the array: a write keeps a copy of the value, a read hands the element on without
 * copying, Gather and Concat copy elements into one new tensor, Scatter copies slices
 * out. As in
 * TensorFlow, reading an element nobody wrote, writing past the end of a fixed-size array
 * and gathering elements of different shapes are errors; they name the node and index.
 */
#include <string.h>

#include "core/alloc.h"
#include "graph/dyn_int.h"
#include "graph/dynrt.h"

static int new_scalar(struct seer__rt *rt, enum seer_dtype dt, struct seer__val **out,
                      const char *who)
{
    struct seer__val *v = seer__rt_val(rt);
    int rc;

    if (!v)
        return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
    seer_tensor_set_shape(&v->t, dt, 0, NULL);
    rc = seer__rt_alloc(rt, v, who);
    if (rc) {
        seer__rt_release(rt, v);
        return rc;
    }
    memset(v->t.data, 0, seer_dtype_size(dt));
    *out = v;
    return SEER_OK;
}

static int get_ta(struct seer__rt *rt, const struct seer_node *nd, const struct seer_tensor *h,
                  struct seer__ta **ta)
{
    int64_t i = 0;

    if (h->dtype != SEER_DTYPE_I32 || h->ndim != 0)
        return seer_errf(rt->err, SEER_EFORMAT, "node '%s': input 0 is not a TensorArray handle",
                         nd->name);
    i = seer_tensor_get_int(h, 0);
    if (i < 0 || i >= rt->n_tas)
        return seer_errf(rt->err, SEER_EFORMAT,
                         "node '%s': TensorArray handle %lld does not "
                         "exist",
                         nd->name, (long long)i);
    *ta = &rt->tas[i];
    return SEER_OK;
}

static int int_scalar(struct seer__rt *rt, const struct seer_node *nd, const struct seer_tensor *t,
                      const char *what, int64_t *v)
{
    if ((t->dtype != SEER_DTYPE_I32 && t->dtype != SEER_DTYPE_I64) || seer_tensor_numel(t) != 1)
        return seer_errf(rt->err, SEER_EFORMAT, "node '%s': %s must be an integer scalar", nd->name,
                         what);
    *v = seer_tensor_get_int(t, 0);
    return SEER_OK;
}

/* Makes room for index i (growing a dynamic array), or fails. */
static int reach(struct seer__rt *rt, const struct seer_node *nd, struct seer__ta *ta, int64_t i)
{
    if (i < 0 || (i >= ta->size && !ta->dynamic) || i >= SEER_DYN_MAX_TA_SIZE)
        return seer_errf(rt->err, SEER_EFORMAT,
                         "node '%s': index %lld is outside the "
                         "TensorArray of size %lld",
                         nd->name, (long long)i, (long long)ta->size);
    if (i >= ta->cap) {
        int64_t nc = ta->cap ? ta->cap : 8;
        while (nc <= i)
            nc *= 2;
        struct seer__val **ne = seer_realloc(ta->elem, (size_t)nc * sizeof(*ne));
        if (!ne)
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
        memset(ne + ta->cap, 0, (size_t)(nc - ta->cap) * sizeof(*ne));
        ta->elem = ne;
        ta->cap = nc;
    }
    if (i >= ta->size)
        ta->size = i + 1;
    return SEER_OK;
}

static int put(struct seer__rt *rt, const struct seer_node *nd, struct seer__ta *ta, int64_t i,
               struct seer__val *v)
{
    int rc = reach(rt, nd, ta, i);

    if (rc)
        return rc;
    if (v->t.dtype != ta->dtype)
        return seer_errf(rt->err, SEER_EFORMAT, "node '%s': writes %s into a TensorArray of %s",
                         nd->name, seer_dtype_name(v->t.dtype), seer_dtype_name(ta->dtype));
    seer__rt_release(rt, ta->elem[i]);
    seer__rt_retain(v);
    ta->elem[i] = v;
    return SEER_OK;
}

static int element(struct seer__rt *rt, const struct seer_node *nd, struct seer__ta *ta, int64_t i,
                   struct seer__val **v)
{
    if (i < 0 || i >= ta->size)
        return seer_errf(rt->err, SEER_EFORMAT,
                         "node '%s': index %lld is outside the "
                         "TensorArray of size %lld",
                         nd->name, (long long)i, (long long)ta->size);
    if (!ta->elem[i])
        return seer_errf(rt->err, SEER_EFORMAT,
                         "node '%s': element %lld of the TensorArray was "
                         "never written",
                         nd->name, (long long)i);
    *v = ta->elem[i];
    return SEER_OK;
}

static int ta_new(struct seer__rt *rt, const struct seer_node *nd, struct seer_tensor *const *in,
                  struct seer__val **out)
{
    int64_t size = 0;
    int rc = int_scalar(rt, nd, in[0], "size", &size);

    if (rc)
        return rc;
    if (size < 0 || size > SEER_DYN_MAX_TA_SIZE)
        return seer_errf(rt->err, SEER_ELIMIT, "node '%s': TensorArray size %lld", nd->name,
                         (long long)size);
    if (rt->n_tas == rt->cap_tas) {
        int nc = rt->cap_tas ? rt->cap_tas * 2 : 16;
        struct seer__ta *nt = seer_realloc(rt->tas, (size_t)nc * sizeof(*nt));
        if (!nt)
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
        rt->tas = nt;
        rt->cap_tas = nc;
    }
    struct seer__ta *ta = &rt->tas[rt->n_tas];
    memset(ta, 0, sizeof(*ta));
    ta->dtype = nd->a.dtype;
    ta->dynamic = nd->a.dynamic_size;
    if (size > 0) {
        bool dyn = ta->dynamic;
        ta->dynamic = true;
        rc = reach(rt, nd, ta, size - 1);
        ta->dynamic = dyn;
        if (rc)
            return rc;
    }
    rt->n_tas++;
    rc = new_scalar(rt, SEER_DTYPE_I32, &out[0], nd->name);
    if (!rc)
        *(int32_t *)out[0]->t.data = rt->n_tas - 1;
    return rc ? rc : new_scalar(rt, SEER_DTYPE_F32, &out[1], nd->name);
}

/* Stacks elements idx[0..n) (or all, idx NULL) along a new dim 0 (concat: along dim 0). */
static int stack(struct seer__rt *rt, const struct seer_node *nd, struct seer__ta *ta,
                 const struct seer_tensor *idx, bool concat, struct seer__val **out)
{
    int64_t n = idx ? seer_tensor_numel(idx) : ta->size, rows = 0;
    struct seer__val *first = NULL, *e, *y;
    size_t off = 0;
    int rc;

    if (idx && idx->dtype != SEER_DTYPE_I32 && idx->dtype != SEER_DTYPE_I64)
        return seer_errf(rt->err, SEER_EFORMAT, "node '%s': indices must be integers", nd->name);
    for (int64_t k = 0; k < n; k++) {
        rc = element(rt, nd, ta, idx ? seer_tensor_get_int(idx, k) : k, &e);
        if (rc)
            return rc;
        if (concat && e->t.ndim < 1)
            return seer_errf(rt->err, SEER_EFORMAT, "node '%s': cannot concatenate scalars",
                             nd->name);
        if (!first) {
            first = e;
        } else {
            bool same = e->t.ndim == first->t.ndim;
            for (int d = concat; same && d < e->t.ndim; d++)
                same = e->t.dims[d] == first->t.dims[d];
            if (!same)
                return seer_errf(rt->err, SEER_EFORMAT,
                                 "node '%s': TensorArray elements differ "
                                 "in shape",
                                 nd->name);
        }
        rows += concat ? e->t.dims[0] : 1;
    }
    y = seer__rt_val(rt);
    if (!y)
        return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
    if (!first) {
        int64_t zero = 0;
        seer_tensor_set_shape(&y->t, ta->dtype, 1, &zero);
    } else if (concat) {
        seer_tensor_set_shape(&y->t, ta->dtype, first->t.ndim, first->t.dims);
        y->t.dims[0] = rows;
    } else {
        if (first->t.ndim >= SEER_MAX_DIMS) {
            seer__rt_release(rt, y);
            return seer_errf(rt->err, SEER_EUNSUPPORTED, "node '%s': too many dims", nd->name);
        }
        y->t.dtype = ta->dtype;
        y->t.ndim = first->t.ndim + 1;
        y->t.dims[0] = rows;
        for (int d = 0; d < first->t.ndim; d++)
            y->t.dims[d + 1] = first->t.dims[d];
    }
    rc = seer__rt_alloc(rt, y, nd->name);
    if (rc) {
        seer__rt_release(rt, y);
        return rc;
    }
    for (int64_t k = 0; k < n; k++) {
        size_t b;
        element(rt, nd, ta, idx ? seer_tensor_get_int(idx, k) : k, &e);
        seer_tensor_nbytes(&e->t, &b);
        if (b)
            memcpy((char *)y->t.data + off, e->t.data, b);
        off += b;
    }
    *out = y;
    return SEER_OK;
}

static int scatter(struct seer__rt *rt, const struct seer_node *nd, struct seer__ta *ta,
                   const struct seer_tensor *idx, const struct seer_tensor *x)
{
    int64_t n = seer_tensor_numel(idx);
    size_t row;
    int rc;

    if (idx->dtype != SEER_DTYPE_I32 && idx->dtype != SEER_DTYPE_I64)
        return seer_errf(rt->err, SEER_EFORMAT, "node '%s': indices must be integers", nd->name);
    if (x->ndim < 1 || x->dims[0] != n)
        return seer_errf(rt->err, SEER_EFORMAT,
                         "node '%s': %lld indices for a value of %lld "
                         "rows",
                         nd->name, (long long)n, x->ndim ? (long long)x->dims[0] : 0LL);
    for (int64_t k = 0; k < n; k++) {
        struct seer__val *e = seer__rt_val(rt);
        if (!e)
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
        seer_tensor_set_shape(&e->t, x->dtype, x->ndim - 1, x->dims + 1);
        rc = seer__rt_alloc(rt, e, nd->name);
        if (!rc) {
            seer_tensor_nbytes(&e->t, &row);
            if (row)
                memcpy(e->t.data, (const char *)x->data + (size_t)k * row, row);
            rc = put(rt, nd, ta, seer_tensor_get_int(idx, k), e);
        }
        seer__rt_release(rt, e);
        if (rc)
            return rc;
    }
    return SEER_OK;
}

int seer__rt_ta_exec(struct seer__rt *rt, const struct seer_node *nd, struct seer_tensor *const *in,
                     struct seer__val **out)
{
    struct seer__ta *ta = NULL;
    struct seer__val *v;
    int64_t i = 0;
    int rc;

    if (nd->op == SEER_OP_TA_NEW)
        return ta_new(rt, nd, in, out);
    rc = get_ta(rt, nd, in[0], &ta);
    if (rc)
        return rc;
    switch (nd->op) {
    case SEER_OP_TA_WRITE:
        rc = int_scalar(rt, nd, in[1], "index", &i);
        if (rc)
            return rc;
        v = seer__rt_val(rt);
        if (!v)
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
        v->t = *in[2];
        rc = seer__rt_alloc(rt, v, nd->name);
        if (!rc) {
            size_t b;
            seer_tensor_nbytes(&v->t, &b);
            if (b)
                memcpy(v->t.data, in[2]->data, b);
            rc = put(rt, nd, ta, i, v);
        }
        seer__rt_release(rt, v);
        return rc ? rc : new_scalar(rt, SEER_DTYPE_F32, &out[0], nd->name);
    case SEER_OP_TA_READ:
        rc = int_scalar(rt, nd, in[1], "index", &i);
        if (!rc)
            rc = element(rt, nd, ta, i, &v);
        if (rc)
            return rc;
        seer__rt_retain(v);
        out[0] = v;
        return SEER_OK;
    case SEER_OP_TA_GATHER: return stack(rt, nd, ta, in[1], false, &out[0]);
    case SEER_OP_TA_SCATTER:
        rc = scatter(rt, nd, ta, in[1], in[2]);
        return rc ? rc : new_scalar(rt, SEER_DTYPE_F32, &out[0], nd->name);
    case SEER_OP_TA_SIZE:
        rc = new_scalar(rt, SEER_DTYPE_I32, &out[0], nd->name);
        if (!rc)
            *(int32_t *)out[0]->t.data = (int32_t)ta->size;
        return rc;
    case SEER_OP_TA_CONCAT: {
        int64_t n = ta->size;
        rc = stack(rt, nd, ta, NULL, true, &out[0]);
        if (rc)
            return rc;
        v = seer__rt_val(rt);
        if (!v)
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
        out[1] = v;
        seer_tensor_set_shape(&v->t, SEER_DTYPE_I64, 1, &n);
        rc = seer__rt_alloc(rt, v, nd->name);
        for (int64_t k = 0; !rc && k < n; k++)
            ((int64_t *)v->t.data)[k] = ta->elem[k]->t.dims[0];
        return rc;
    }
    default: return seer_errf(rt->err, SEER_EINVAL, "node '%s': not a TensorArray op", nd->name);
    }
}
