/*
 * TFLite importer: a .tflite FlatBuffer (schema version 3) into a struct seer_graph.
 *
 * The model's bytes are copied once into the graph's arena and constant tensors use
 * their buffers in place from there (copied again only when a buffer is not aligned for
 * its type), so a 4 MB model costs one 4 MB copy and no per-weight work. Only the main
 * subgraph (subgraphs[0]) is imported; its operators are in execution order, so each
 * operator's inputs must be constants, subgraph inputs, or outputs of earlier operators
 * (anything else, including a cycle, is an error naming the operator and the tensor).
 * Tensors keep their TFLite names and per-tensor quantisation (scale, zero point);
 * per-axis quantisation is refused by name. Operators are mapped in tflite_ops.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "import/import.h"
#include "import/tflite_int.h"

/* Field ids of the tables read here (schema.fbs order). */
enum { MODEL_VERSION = 0, MODEL_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { CODE_DEPRECATED = 0, CODE_CUSTOM = 1, CODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_NAME = 3, T_QUANT = 4, T_SPARSITY = 6 };
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DETAILS_TYPE = 4 };
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };
enum { OP_OPCODE = 0 };

static int dtype_of(int type)
{
    switch (type) {
    case SEER__TFL_FLOAT32: return SEER_DTYPE_F32;
    case SEER__TFL_FLOAT16: return SEER_DTYPE_F16;
    case SEER__TFL_INT32: return SEER_DTYPE_I32;
    case SEER__TFL_UINT8: return SEER_DTYPE_U8;
    case SEER__TFL_INT64: return SEER_DTYPE_I64;
    case SEER__TFL_BOOL: return SEER_DTYPE_BOOL;
    case SEER__TFL_INT16: return SEER_DTYPE_I16;
    case SEER__TFL_INT8: return SEER_DTYPE_I8;
    default: return -1;
    }
}

static const char *type_name(int type)
{
    static const char *const names[] = {"FLOAT32", "FLOAT16",    "INT32",  "UINT8",     "INT64",
                                        "STRING",  "BOOL",       "INT16",  "COMPLEX64", "INT8",
                                        "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE",  "VARIANT",
                                        "UINT32",  "UINT16",     "INT4"};

    return type >= 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : NULL;
}

/* Per-tensor quantisation: one scale and one zero point (or none). */
static int parse_quant(struct seer__tfl *c, const struct seer_fb_table *tt,
                       struct seer__tfl_tensor *t)
{
    struct seer_fb_table qt;
    struct seer_fb_vec scale, zp;
    uint8_t details;
    bool has;
    int rc;

    if ((rc = seer_fb_table(tt, T_QUANT, &qt, &has)) || !has)
        return rc;
    if ((rc = seer_fb_vector(&qt, Q_SCALE, 4, &scale)) ||
        (rc = seer_fb_vector(&qt, Q_ZERO_POINT, 8, &zp)) ||
        (rc = seer_fb_u8(&qt, Q_DETAILS_TYPE, 0, &details)))
        return rc;
    if (details != 0)
        return seer_errf(c->err, SEER_EUNSUPPORTED, "custom quantisation is not supported");
    if (scale.n > 1)
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "per-axis quantisation (%u scales) is not supported", scale.n);
    if (scale.n == 0)
        return SEER_OK;
    t->q.scale = seer_fb_vec_f32(&scale, 0);
    if (zp.n > 1)
        return seer_errf(c->err, SEER_EUNSUPPORTED,
                         "per-axis quantisation (%u zero points) is not supported", zp.n);
    if (zp.n == 1) {
        int64_t z = seer_fb_vec_i64(&zp, 0);
        if (z < -32768 || z > 65535)
            return seer_errf(c->err, SEER_EFORMAT, "zero point %lld is out of range", (long long)z);
        t->q.zero_point = (int32_t)z;
    }
    if (!(t->q.scale >= 0.0f) || t->q.scale > 1e30f)
        return seer_errf(c->err, SEER_EFORMAT, "quantisation scale %g is not a positive number",
                         (double)t->q.scale);
    return SEER_OK;
}

/* The constant bytes of buffer index b, if it holds any. */
static int buffer_bytes(struct seer__tfl *c, const struct seer_fb_vec *buffers, uint32_t b,
                        const uint8_t **data, size_t *n)
{
    struct seer_fb_table bt;
    struct seer_fb_vec v;
    uint64_t off, size;
    int rc;

    *data = NULL;
    *n = 0;
    if (b >= buffers->n)
        return seer_errf(c->err, SEER_EFORMAT, "buffer %u does not exist (the model has %u)", b,
                         buffers->n);
    if ((rc = seer_fb_vec_table(buffers, b, &bt)) || (rc = seer_fb_vector(&bt, BUF_DATA, 1, &v)) ||
        (rc = seer_fb_u64(&bt, BUF_OFFSET, 0, &off)) || (rc = seer_fb_u64(&bt, BUF_SIZE, 0, &size)))
        return rc;
    if (v.n > 0) {
        *data = seer_fb_vec_data(&v);
        *n = v.n;
    } else if (off > 1 && size > 0) {
        /* Models over 2 GB keep their buffers after the FlatBuffer, at a file offset. */
        if (off > c->fb.n || size > c->fb.n - off)
            return seer_errf(c->err, SEER_EFORMAT,
                             "buffer %u: %llu bytes at offset %llu run past the end (%zu bytes)", b,
                             (unsigned long long)size, (unsigned long long)off, c->fb.n);
        *data = c->fb.p + off;
        *n = (size_t)size;
    }
    return SEER_OK;
}

static int parse_tensor(struct seer__tfl *c, const struct seer_fb_vec *buffers,
                        const struct seer_fb_table *tt, struct seer__tfl_tensor *t)
{
    struct seer_fb_vec shape;
    int8_t type;
    uint32_t buf;
    size_t len;
    int rc;

    if ((rc = seer_fb_string(tt, T_NAME, &t->name, &len)) ||
        (rc = seer_fb_vector(tt, T_SHAPE, 4, &shape)) || (rc = seer_fb_i8(tt, T_TYPE, 0, &type)) ||
        (rc = seer_fb_u32(tt, T_BUFFER, 0, &buf)))
        return rc;
    if (!t->name)
        t->name = "";
    t->type = type;
    t->dt = dtype_of(type);
    if (!type_name(type))
        return seer_errf(c->err, SEER_EFORMAT, "unknown tensor type %d", type);
    if (shape.n > SEER_MAX_DIMS)
        return seer_errf(c->err, SEER_EUNSUPPORTED, "rank %u is over the limit of %d", shape.n,
                         SEER_MAX_DIMS);
    t->ndim = (int)shape.n;
    for (uint32_t d = 0; d < shape.n; d++)
        t->dims[d] = seer_fb_vec_i32(&shape, d);
    if (seer_fb_has(tt, T_SPARSITY))
        return seer_errf(c->err, SEER_EUNSUPPORTED, "sparse tensors are not supported");
    if ((rc = parse_quant(c, tt, t)))
        return rc;
    return buffer_bytes(c, buffers, buf, &t->data, &t->nbytes);
}

/* Element count of t's shape, checked against the limits. */
static int tensor_numel(struct seer__tfl *c, const struct seer__tfl_tensor *t, int64_t *numel)
{
    int64_t n = 1;

    for (int d = 0; d < t->ndim; d++) {
        if (t->dims[d] < 0)
            return seer_errf(c->err, SEER_EUNSUPPORTED, "dim %d is unknown (%lld)", d,
                             (long long)t->dims[d]);
        if (__builtin_mul_overflow(n, t->dims[d], &n) || n > c->lim->max_elements)
            return seer_errf(c->err, SEER_ELIMIT, "more than %lld elements",
                             (long long)c->lim->max_elements);
    }
    *numel = n;
    return SEER_OK;
}

static int make_value(struct seer__tfl *c, struct seer__tfl_tensor *t)
{
    int64_t numel = 0;
    int rc;

    if (t->dt < 0)
        return seer_errf(c->err, SEER_EUNSUPPORTED, "tensor type %s is not supported",
                         type_name(t->type));
    if ((rc = tensor_numel(c, t, &numel)))
        return rc;
    if (t->is_input) {
        for (int d = 0; d < t->ndim; d++)
            if (t->dims[d] < 1)
                return seer_errf(c->err, SEER_EUNSUPPORTED, "input dim %d is %lld", d,
                                 (long long)t->dims[d]);
        t->v = seer_graph_add_input(c->g, t->name, t->dt, t->ndim, t->dims);
    } else {
        size_t es = seer_dtype_size(t->dt), want = (size_t)numel * es;
        if (t->nbytes != want)
            return seer_errf(c->err, SEER_EFORMAT,
                             "its buffer has %zu bytes but %lld %s elements need %zu", t->nbytes,
                             (long long)numel, seer_dtype_name(t->dt), want);
        /* In place when aligned for its type; the graph's arena owns the bytes. */
        bool aligned = ((uintptr_t)t->data % es) == 0;
        t->v = seer_graph_add_const(c->g, t->name, t->dt, t->ndim, t->dims, t->data, !aligned);
    }
    if (!t->v)
        return seer_errf(c->err, SEER_ENOMEM, "out of memory");
    t->v->t.q = t->q;
    return SEER_OK;
}

int seer__tfl_value(struct seer__tfl *c, uint32_t op, int32_t idx, struct seer_value **out)
{
    struct seer__tfl_tensor *t;
    int rc;

    *out = NULL;
    if (idx < 0 || (uint32_t)idx >= c->n_t)
        return seer_errf(c->err, SEER_EFORMAT, "operator %u: tensor index %d out of range (%u)", op,
                         idx, c->n_t);
    t = &c->t[idx];
    if (!t->v) {
        if (!t->data && !t->is_input)
            return seer_errf(c->err, SEER_EFORMAT,
                             "operator %u reads tensor %d '%s' before any operator writes it "
                             "(operators out of order, or a cycle)",
                             op, idx, t->name);
        rc = make_value(c, t);
        if (rc) {
            seer_err_prefix(c->err, "tensor %d '%s': ", idx, t->name);
            return rc;
        }
    }
    *out = t->v;
    return SEER_OK;
}

/* Reads operator codes: code[i] is the builtin code (max of the deprecated byte and the
 * int field, as TFLite reads it), custom[i] the custom name or NULL. */
static int parse_codes(struct seer__tfl *c, const struct seer_fb_table *model, int32_t **code,
                       const char ***custom, uint32_t *n)
{
    struct seer_fb_vec v;
    int rc = seer_fb_vector(model, MODEL_CODES, 4, &v);

    *n = 0;
    if (rc)
        return rc;
    *code = seer_calloc(v.n + 1, sizeof(**code));
    *custom = seer_calloc(v.n + 1, sizeof(**custom));
    if (!*code || !*custom)
        return seer_errf(c->err, SEER_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < v.n; i++) {
        struct seer_fb_table ct;
        int8_t dep;
        int32_t b;
        size_t len;
        if ((rc = seer_fb_vec_table(&v, i, &ct)) ||
            (rc = seer_fb_i8(&ct, CODE_DEPRECATED, 0, &dep)) ||
            (rc = seer_fb_i32(&ct, CODE_BUILTIN, 0, &b)) ||
            (rc = seer_fb_string(&ct, CODE_CUSTOM, &(*custom)[i], &len))) {
            seer_err_prefix(c->err, "operator code %u: ", i);
            return rc;
        }
        (*code)[i] = b > dep ? b : dep;
    }
    *n = v.n;
    return SEER_OK;
}

static int import(struct seer__tfl *c)
{
    struct seer_fb_table model, sg;
    struct seer_fb_vec subgraphs, buffers, tensors, inputs, outputs, ops;
    int32_t *code = NULL;
    const char **custom = NULL;
    uint32_t version, n_codes = 0;
    int rc;

    if ((rc = seer_fb_root(&c->fb, "TFL3", &model)))
        goto out;
    if ((rc = seer_fb_u32(&model, MODEL_VERSION, 0, &version)))
        goto out;
    if (version != 3) {
        rc = seer_errf(c->err, SEER_EUNSUPPORTED, "schema version %u (only 3 is supported)",
                       version);
        goto out;
    }
    if ((rc = parse_codes(c, &model, &code, &custom, &n_codes)) ||
        (rc = seer_fb_vector(&model, MODEL_SUBGRAPHS, 4, &subgraphs)) ||
        (rc = seer_fb_vector(&model, MODEL_BUFFERS, 4, &buffers)))
        goto out;
    if (subgraphs.n < 1) {
        rc = seer_errf(c->err, SEER_EFORMAT, "the model has no subgraph");
        goto out;
    }
    if ((rc = seer_fb_vec_table(&subgraphs, 0, &sg)) ||
        (rc = seer_fb_vector(&sg, SG_TENSORS, 4, &tensors)) ||
        (rc = seer_fb_vector(&sg, SG_INPUTS, 4, &inputs)) ||
        (rc = seer_fb_vector(&sg, SG_OUTPUTS, 4, &outputs)) ||
        (rc = seer_fb_vector(&sg, SG_OPERATORS, 4, &ops))) {
        seer_err_prefix(c->err, "subgraph 0: ");
        goto out;
    }
    if (ops.n > (uint32_t)c->lim->max_nodes) {
        rc = seer_errf(c->err, SEER_ELIMIT, "%u operators is over the limit of %d", ops.n,
                       c->lim->max_nodes);
        goto out;
    }
    c->n_t = tensors.n;
    c->t = seer_calloc((size_t)tensors.n + 1, sizeof(*c->t));
    if (!c->t) {
        rc = seer_errf(c->err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < tensors.n; i++) {
        struct seer_fb_table tt;
        c->t[i].name = "";
        rc = seer_fb_vec_table(&tensors, i, &tt);
        if (!rc)
            rc = parse_tensor(c, &buffers, &tt, &c->t[i]);
        if (rc) {
            seer_err_prefix(c->err, "tensor %u '%s': ", i, c->t[i].name);
            goto out;
        }
    }
    /* Inputs first, so the graph's inputs come in the model's order. */
    for (uint32_t i = 0; i < inputs.n; i++) {
        int32_t idx = seer_fb_vec_i32(&inputs, i);
        struct seer_value *v;
        if (idx < 0 || (uint32_t)idx >= c->n_t) {
            rc = seer_errf(c->err, SEER_EFORMAT, "input %u: tensor index %d out of range", i, idx);
            goto out;
        }
        if (c->t[idx].data) {
            rc = seer_errf(c->err, SEER_EFORMAT, "input %u: tensor '%s' is a constant", i,
                           c->t[idx].name);
            goto out;
        }
        c->t[idx].is_input = true;
        if ((rc = seer__tfl_value(c, 0, idx, &v)))
            goto out;
    }
    for (uint32_t i = 0; i < ops.n; i++) {
        struct seer_fb_table ot;
        uint32_t oc;
        if ((rc = seer_fb_vec_table(&ops, i, &ot)) || (rc = seer_fb_u32(&ot, OP_OPCODE, 0, &oc))) {
            seer_err_prefix(c->err, "operator %u: ", i);
            goto out;
        }
        if (oc >= n_codes) {
            rc = seer_errf(c->err, SEER_EFORMAT, "operator %u: operator code %u does not exist", i,
                           oc);
            goto out;
        }
        if ((rc = seer__tfl_add_op(c, i, &ot, code[oc], custom[oc])))
            goto out;
    }
    for (uint32_t i = 0; i < outputs.n; i++) {
        struct seer_value *v;
        if ((rc = seer__tfl_value(c, ops.n, seer_fb_vec_i32(&outputs, i), &v))) {
            seer_err_prefix(c->err, "output %u: ", i);
            goto out;
        }
        if (seer_graph_mark_output(c->g, v)) {
            rc = seer_errf(c->err, SEER_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (outputs.n == 0)
        rc = seer_errf(c->err, SEER_EFORMAT, "subgraph 0 has no outputs");
out:
    seer_free(code);
    seer_free(custom);
    return rc;
}

/* Imports n bytes that already live in g's arena. */
static int import_owned(struct seer_graph *g, const uint8_t *p, size_t n,
                        const struct seer_limits *lim, struct seer_err *err)
{
    struct seer_limits l = seer_limits_default(lim);
    struct seer__tfl c = {0};
    int rc;

    c.fb.p = p;
    c.fb.n = n;
    c.fb.err = err;
    c.g = g;
    c.lim = &l;
    c.err = err;
    rc = import(&c);
    seer_free(c.t);
    return rc;
}

int seer_tflite_import_mem(const uint8_t *p, size_t n, const struct seer_limits *lim,
                           struct seer_graph **out, struct seer_err *err)
{
    struct seer_limits l = seer_limits_default(lim);
    struct seer_graph *g = NULL;
    uint8_t *copy;
    int rc;

    *out = NULL;
    if (n > l.max_model_bytes)
        return seer_errf(err, SEER_ELIMIT, "model of %zu bytes is over the limit of %zu", n,
                         l.max_model_bytes);
    g = seer_graph_new();
    copy = g ? seer_arena_alloc(g->arena, n ? n : 1) : NULL;
    if (!copy) {
        seer_graph_free(g);
        return seer_errf(err, SEER_ENOMEM, "out of memory for a %zu-byte model", n);
    }
    if (n)
        memcpy(copy, p, n);
    rc = import_owned(g, copy, n, &l, err);
    if (rc) {
        seer_err_prefix(err, "tflite: ");
        seer_graph_free(g);
        return rc;
    }
    *out = g;
    return SEER_OK;
}

int seer_tflite_import_file(const char *path, const struct seer_limits *lim,
                            struct seer_graph **out, struct seer_err *err)
{
    struct seer_limits l = seer_limits_default(lim);
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    rc = seer_file_read(path, l.max_model_bytes, &buf, &n, err);
    if (rc)
        return rc;
    rc = seer_tflite_import_mem(buf, n, &l, out, err);
    seer_free(buf);
    if (rc)
        seer_err_prefix(err, "%s: ", path);
    return rc;
}
