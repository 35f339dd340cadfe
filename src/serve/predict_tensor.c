/*
 * :predict and metadata for generic models (tensor in, tensor out), as TensorFlow Serving
 * documents its REST API: a SavedModel's signature names the inputs and outputs.
 *
 * Row format: {"instances": [i0, i1, ...]} stacks the instances along a new first dim
 * (an instance is a value, nested lists of numbers, or {"input": value, ...} for several
 * inputs) and answers {"predictions": [...]}, one entry per instance: the output's row,
 * or {"output": row, ...} for several outputs. Columnar format: {"inputs": value or
 * {"input": value}} is the whole tensor and the answer is {"outputs": value or {...}}.
 * So half_plus_two answers {"instances": [1.0, 2.0, 5.0]} with
 * {"predictions": [2.5, 3.0, 4.5]}. Numbers are converted to the input's dtype; strings
 * (DT_STRING inputs such as tf.Example) are not supported.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seer/model.h>
#include <seer/plan.h>

#include "core/arena.h"
#include "serve/predict_tensor.h"
#include "serve/serve.h"

/* The names a model's inputs and outputs go by: its serving signature's keys, or else
 * its graph's tensor names. */
struct io {
    int n_in, n_out;
    const char **in_key, **out_key;
    int *in_idx;  /* graph input index per key */
    int *out_idx; /* plan output index per key (filled once a plan is at hand) */
    const char **out_name;
};

static const struct seer_signature *serving(const struct seer_model *m)
{
    const struct seer_signature *s;
    int n = seer_model_signatures(m, &s);

    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, SEER_DEFAULT_SIGNATURE))
            return &s[i];
    return n == 1 ? s : NULL;
}

/* Index of the graph input named name ("x" or "x:0"), or -1. */
static int input_index(const struct seer_graph *g, const char *name)
{
    size_t n = strlen(name);

    for (int i = 0; i < g->n_inputs; i++) {
        const char *v = g->inputs[i]->name;
        if (!strcmp(v, name) || (n > 2 && !strcmp(name + n - 2, ":0") && strlen(v) == n - 2 &&
                                 !strncmp(v, name, n - 2)))
            return i;
    }
    return -1;
}

static int make_io(struct seer_req *rq, const struct seer_model *m, struct io *io)
{
    const struct seer_graph *g = seer_model_graph(m);
    const struct seer_signature *s = serving(m);

    io->n_in = s ? s->n_inputs : g->n_inputs;
    io->n_out = s ? s->n_outputs : g->n_outputs;
    io->in_key = seer_arena_array(rq->arena, (size_t)io->n_in + 1, sizeof(*io->in_key));
    io->out_key = seer_arena_array(rq->arena, (size_t)io->n_out + 1, sizeof(*io->out_key));
    io->out_name = seer_arena_array(rq->arena, (size_t)io->n_out + 1, sizeof(*io->out_name));
    io->in_idx = seer_arena_array(rq->arena, (size_t)io->n_in + 1, sizeof(*io->in_idx));
    io->out_idx = seer_arena_array(rq->arena, (size_t)io->n_out + 1, sizeof(*io->out_idx));
    if (!io->in_key || !io->out_key || !io->out_name || !io->in_idx || !io->out_idx)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    for (int i = 0; i < io->n_in; i++) {
        io->in_key[i] = s ? s->inputs[i].key : g->inputs[i]->name;
        io->in_idx[i] = s ? input_index(g, s->inputs[i].name) : i;
        if (io->in_idx[i] < 0)
            return seer_errf(&rq->err, SEER_EFORMAT, "the model has no input '%s'",
                             s->inputs[i].name);
    }
    for (int i = 0; i < io->n_out; i++) {
        io->out_key[i] = s ? s->outputs[i].key : g->outputs[i]->name;
        io->out_name[i] = s ? s->outputs[i].name : g->outputs[i]->name;
    }
    return SEER_OK;
}

/* ---- JSON to tensors ---- */

/* The shape of a nested list (a bare number is a scalar). */
static int json_shape(struct seer_req *rq, const cJSON *v, const char *what, int *ndim,
                      int64_t *dims)
{
    *ndim = 0;
    while (cJSON_IsArray(v)) {
        if (*ndim == SEER_MAX_DIMS)
            return seer_errf(&rq->err, SEER_EINVAL, "%s is nested deeper than %d", what,
                             SEER_MAX_DIMS);
        dims[(*ndim)++] = cJSON_GetArraySize(v);
        v = v->child;
        if (!v)
            break;
    }
    return SEER_OK;
}

/* Writes v (shaped dims[depth..ndim)) into t's data from element *pos on. */
static int json_fill(struct seer_req *rq, const cJSON *v, const char *what, int depth, int ndim,
                     const int64_t *dims, struct seer_tensor *t, int64_t *pos)
{
    if (depth < ndim) {
        const cJSON *e;
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != dims[depth])
            return seer_errf(&rq->err, SEER_EINVAL,
                             "%s is not a list of %lld at depth %d "
                             "(ragged lists are not tensors)",
                             what, (long long)dims[depth], depth);
        cJSON_ArrayForEach(e, v)
        {
            int rc = json_fill(rq, e, what, depth + 1, ndim, dims, t, pos);
            if (rc)
                return rc;
        }
        return SEER_OK;
    }
    double d;
    if (cJSON_IsNumber(v))
        d = v->valuedouble;
    else if (cJSON_IsBool(v))
        d = cJSON_IsTrue(v);
    else
        return seer_errf(
            &rq->err, cJSON_IsString(v) || cJSON_IsObject(v) ? SEER_EUNSUPPORTED : SEER_EINVAL,
            "%s: expected a number%s", what,
            cJSON_IsString(v) || cJSON_IsObject(v) ? " (string and binary inputs are not supported)"
                                                   : "");
    int64_t i = (*pos)++;
    switch (t->dtype) {
    case SEER_DTYPE_F32: ((float *)t->data)[i] = (float)d; break;
    case SEER_DTYPE_I32: ((int32_t *)t->data)[i] = (int32_t)d; break;
    case SEER_DTYPE_I64: ((int64_t *)t->data)[i] = (int64_t)d; break;
    case SEER_DTYPE_U8: ((uint8_t *)t->data)[i] = (uint8_t)d; break;
    case SEER_DTYPE_BOOL: ((uint8_t *)t->data)[i] = d != 0; break;
    default:
        return seer_errf(&rq->err, SEER_EUNSUPPORTED, "%s: dtype %s is not supported here", what,
                         seer_dtype_name(t->dtype));
    }
    return SEER_OK;
}

/* Input k from values[0..n) (row format: n instances stacked; columnar: one value). */
static int set_input(struct seer_req *rq, struct seer_plan *p, const struct io *io, int k,
                     const cJSON *const *values, int n, bool rows)
{
    const char *what = io->in_key[k];
    int64_t dims[SEER_MAX_DIMS + 1], pos = 0;
    int ndim, rc;

    rc = json_shape(rq, values[0], what, &ndim, dims + rows);
    if (rc)
        return rc;
    if (rows) {
        dims[0] = n;
        ndim++;
    }
    if (ndim > SEER_MAX_DIMS)
        return seer_errf(&rq->err, SEER_EINVAL, "%s has too many dims", what);
    rc = seer_plan_set_input_shape(p, io->in_idx[k], ndim, dims, &rq->err);
    if (rc) {
        seer_err_prefix(&rq->err, "%s: ", what);
        return rc == SEER_EINVAL ? SEER_EINVAL : rc;
    }
    struct seer_tensor *t = seer_plan_input(p, io->in_idx[k]);
    for (int i = 0; i < n; i++)
        if ((rc = json_fill(rq, values[i], what, 0, ndim - rows, dims + rows, t, &pos)))
            return rc;
    return SEER_OK;
}

/* ---- tensors to JSON ---- */

/* A float as the shortest decimal that reads back as the same float, so 2.5f prints
 * 2.5 and 0.1f prints 0.1 (cJSON prints doubles). */
static double short_float(float f)
{
    char buf[32];

    if (!isfinite(f))
        return f;
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        if ((float)strtod(buf, NULL) == f)
            return strtod(buf, NULL);
    }
    return f;
}

static cJSON *element(const struct seer_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case SEER_DTYPE_F32: return cJSON_CreateNumber(short_float(((const float *)t->data)[i]));
    case SEER_DTYPE_BOOL: return cJSON_CreateBool(((const uint8_t *)t->data)[i]);
    default: return cJSON_CreateNumber(seer_tensor_get_f64(t, i));
    }
}

/* Dims [from, ndim) of t starting at element *pos, as nested lists. */
static cJSON *tensor_json(const struct seer_tensor *t, int from, int64_t *pos)
{
    if (from == t->ndim)
        return element(t, (*pos)++);
    cJSON *a = cJSON_CreateArray();
    for (int64_t i = 0; a && i < t->dims[from]; i++) {
        cJSON *e = tensor_json(t, from + 1, pos);
        if (!e) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

static int answer(struct seer_req *rq, struct seer_resp *rs, struct seer_plan *p,
                  const struct io *io, int n, bool rows)
{
    cJSON *o = cJSON_CreateObject(), *body;
    int rc = SEER_OK;

    if (!o)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    for (int k = 0; k < io->n_out; k++) {
        const struct seer_tensor *t = seer_plan_output(p, io->out_idx[k]);
        if (rows && (t->ndim < 1 || t->dims[0] != n)) {
            cJSON_Delete(o);
            return seer_errf(&rq->err, SEER_EINVAL,
                             "output '%s' has no first dim of %d rows to "
                             "split into predictions; use the columnar format (\"inputs\")",
                             io->out_key[k], n);
        }
    }
    if (!rows) {
        body = io->n_out == 1 ? NULL : cJSON_AddObjectToObject(o, "outputs");
        for (int k = 0; k < io->n_out; k++) {
            int64_t pos = 0;
            cJSON *v = tensor_json(seer_plan_output(p, io->out_idx[k]), 0, &pos);
            if (body)
                cJSON_AddItemToObject(body, io->out_key[k], v);
            else
                cJSON_AddItemToObject(o, "outputs", v);
        }
    } else {
        body = cJSON_AddArrayToObject(o, "predictions");
        for (int i = 0; i < n; i++) {
            cJSON *row = io->n_out == 1 ? NULL : cJSON_CreateObject();
            for (int k = 0; k < io->n_out; k++) {
                const struct seer_tensor *t = seer_plan_output(p, io->out_idx[k]);
                int64_t pos = i * (seer_tensor_numel(t) / n);
                cJSON *v = tensor_json(t, 1, &pos);
                if (row)
                    cJSON_AddItemToObject(row, io->out_key[k], v);
                else
                    row = v;
            }
            cJSON_AddItemToArray(body, row);
        }
    }
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc;
}

int seer__predict_tensor(struct seer_req *rq, struct seer_resp *rs, struct seer_model *m,
                         const struct cJSON *req)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(req, "instances");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(req, "inputs");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(req, "signature_name");
    int max = rq->srv && rq->srv->opts.max_instances > 0 ? rq->srv->opts.max_instances : 64;
    struct seer_plan *p = NULL;
    const cJSON **vals = NULL;
    struct io io;
    int n = 1, rc;

    if (!cJSON_IsObject(req))
        return seer_errf(&rq->err, SEER_EINVAL, "request body must be a JSON object");
    if (sig && (!cJSON_IsString(sig) ||
                (sig->valuestring[0] && strcmp(sig->valuestring, SEER_DEFAULT_SIGNATURE))))
        return seer_errf(&rq->err, SEER_EINVAL, "signature \"%.60s\" is not served (only %s)",
                         cJSON_IsString(sig) ? sig->valuestring : "?", SEER_DEFAULT_SIGNATURE);
    if ((rows != NULL) == (cols != NULL))
        return seer_errf(&rq->err, SEER_EINVAL,
                         rows ? "use \"instances\" or \"inputs\", not both"
                              : "request needs \"instances\" (row format) "
                                "or \"inputs\" (columnar)");
    if (rows && !cJSON_IsArray(rows))
        return seer_errf(&rq->err, SEER_EINVAL, "\"instances\" must be a list");
    if (rows && (n = cJSON_GetArraySize(rows)) < 1)
        return seer_errf(&rq->err, SEER_EINVAL, "no instances to predict");
    if (n > max)
        return seer_errf(&rq->err, SEER_ELIMIT, "%d instances in one request (limit %d)", n, max);
    rc = make_io(rq, m, &io);
    if (rc)
        return rc;
    vals = seer_arena_array(rq->arena, (size_t)n + 1, sizeof(*vals));
    if (!vals)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    rc = seer_model_acquire_plan(m, &p, &rq->err);
    if (rc)
        return rc;
    for (int k = 0; !rc && k < io.n_in; k++) {
        const cJSON *src = rows ? rows->child : cols;
        for (int i = 0; i < n && !rc; i++, src = src ? src->next : NULL) {
            const cJSON *v = src;
            /* Named inputs: {"x": ...}; a single input may be given bare. */
            if (cJSON_IsObject(v) || io.n_in > 1) {
                v = cJSON_GetObjectItemCaseSensitive(src, io.in_key[k]);
                if (!v)
                    rc = seer_errf(&rq->err, SEER_EINVAL, "%s%d has no input \"%s\"",
                                   rows ? "instance " : "inputs", rows ? i : 0, io.in_key[k]);
            }
            vals[i] = v;
        }
        if (!rc)
            rc = set_input(rq, p, &io, k, vals, n, rows != NULL);
    }
    for (int k = 0; !rc && k < io.n_out; k++) {
        io.out_idx[k] = seer_plan_find_output(p, io.out_name[k]);
        if (io.out_idx[k] < 0)
            rc = seer_errf(&rq->err, SEER_EFORMAT, "the model has no output '%s'", io.out_name[k]);
    }
    if (!rc && (rc = seer_plan_run(p, &rq->err)) == SEER_EINVAL)
        rc = SEER_EFORMAT;
    if (!rc)
        rc = answer(rq, rs, p, &io, n, rows != NULL);
    seer_model_release_plan(m, p);
    return rc;
}

/* ---- metadata ---- */

static void shape_json(cJSON *parent, bool unknown_rank, int ndim, const int64_t *dims)
{
    cJSON *shape = cJSON_AddObjectToObject(parent, "tensor_shape");
    cJSON *d = cJSON_AddArrayToObject(shape, "dim");
    char size[24];

    for (int i = 0; !unknown_rank && i < ndim; i++) {
        cJSON *e = cJSON_CreateObject();
        snprintf(size, sizeof(size), "%lld", (long long)dims[i]);
        cJSON_AddStringToObject(e, "size", size);
        cJSON_AddStringToObject(e, "name", "");
        cJSON_AddItemToArray(d, e);
    }
    cJSON_AddBoolToObject(shape, "unknown_rank", unknown_rank);
}

static void tensor_info(cJSON *map, const char *key, const char *dtype, const char *name,
                        bool unknown_rank, int ndim, const int64_t *dims)
{
    cJSON *t = cJSON_AddObjectToObject(map, key);

    cJSON_AddStringToObject(t, "dtype", dtype);
    shape_json(t, unknown_rank, ndim, dims);
    cJSON_AddStringToObject(t, "name", name);
}

/* TensorFlow's name of a Seer dtype. */
static const char *tf_dtype(enum seer_dtype dt)
{
    switch (dt) {
    case SEER_DTYPE_F32: return "DT_FLOAT";
    case SEER_DTYPE_F16: return "DT_HALF";
    case SEER_DTYPE_I32: return "DT_INT32";
    case SEER_DTYPE_I64: return "DT_INT64";
    case SEER_DTYPE_U8: return "DT_UINT8";
    case SEER_DTYPE_I8: return "DT_INT8";
    case SEER_DTYPE_I16: return "DT_INT16";
    case SEER_DTYPE_BOOL: return "DT_BOOL";
    default: return "DT_INVALID";
    }
}

/* TensorFlow's names of the DataType numbers a signature uses. */
static const char *tf_dtype_num(int dt)
{
    static const char *const names[] = {
        "DT_INVALID", "DT_FLOAT",  "DT_DOUBLE",    "DT_INT32", "DT_UINT8", "DT_INT16",
        "DT_INT8",    "DT_STRING", "DT_COMPLEX64", "DT_INT64", "DT_BOOL",
    };
    if (dt >= 0 && dt < (int)(sizeof(names) / sizeof(names[0])))
        return names[dt];
    return dt == 19 ? "DT_HALF" : dt == 14 ? "DT_BFLOAT16" : "DT_INVALID";
}

void seer__signatures_json(const struct seer_model *m, struct cJSON *sigdefs)
{
    const struct seer_signature *s;
    int n = seer_model_signatures(m, &s);

    for (int i = 0; i < n; i++) {
        cJSON *def = cJSON_AddObjectToObject(sigdefs, s[i].name);
        cJSON *in = cJSON_AddObjectToObject(def, "inputs");
        cJSON *out = cJSON_AddObjectToObject(def, "outputs");
        for (int k = 0; k < s[i].n_inputs; k++) {
            const struct seer_sig_tensor *t = &s[i].inputs[k];
            tensor_info(in, t->key, tf_dtype_num(t->tf_dtype), t->name, t->unknown_rank, t->ndim,
                        t->dims);
        }
        for (int k = 0; k < s[i].n_outputs; k++) {
            const struct seer_sig_tensor *t = &s[i].outputs[k];
            tensor_info(out, t->key, tf_dtype_num(t->tf_dtype), t->name, t->unknown_rank, t->ndim,
                        t->dims);
        }
        cJSON_AddStringToObject(def, "method_name", s[i].method_name);
        cJSON_AddObjectToObject(def, "defaults");
    }
    if (n > 0)
        return;
    /* No SavedModel signature: the graph's own inputs and outputs. */
    const struct seer_graph *g = seer_model_graph(m);
    cJSON *def = cJSON_AddObjectToObject(sigdefs, SEER_DEFAULT_SIGNATURE);
    cJSON *in = cJSON_AddObjectToObject(def, "inputs");
    cJSON *out = cJSON_AddObjectToObject(def, "outputs");
    for (int k = 0; k < g->n_inputs; k++) {
        const struct seer_tensor *t = &g->inputs[k]->t;
        tensor_info(in, g->inputs[k]->name, tf_dtype(t->dtype), g->inputs[k]->name, t->ndim < 0,
                    t->ndim, t->dims);
    }
    for (int k = 0; k < g->n_outputs; k++) {
        const struct seer_tensor *t = &g->outputs[k]->t;
        tensor_info(out, g->outputs[k]->name, tf_dtype(t->dtype), g->outputs[k]->name, t->ndim < 0,
                    t->ndim, t->dims);
    }
    cJSON_AddStringToObject(def, "method_name", "tensorflow/serving/predict");
    cJSON_AddObjectToObject(def, "defaults");
}
