/*
 * GraphDef messages off the wire: NodeDef, AttrValue (with its ListValue),
 * TensorShapeProto and TensorProto (see graphdef_int.h). Field numbers follow
 * tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape}.proto.
 * Unknown fields are skipped, as protobuf readers do; a known field with the wrong wire
 * type is EFORMAT naming its offset.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "import/graphdef_int.h"

enum {
    GRAPH_NODE = 1,
    NODE_NAME = 1,
    NODE_OP = 2,
    NODE_INPUT = 3,
    NODE_ATTR = 5,
    ENTRY_KEY = 1,
    ENTRY_VALUE = 2,
    AV_LIST = 1,
    AV_S = 2,
    AV_I = 3,
    AV_F = 4,
    AV_B = 5,
    AV_TYPE = 6,
    AV_SHAPE = 7,
    AV_TENSOR = 8,
    LV_S = 2,
    LV_I = 3,
    LV_F = 4,
    LV_B = 5,
    LV_TYPE = 6,
    SHAPE_DIM = 2,
    SHAPE_UNKNOWN_RANK = 3,
    DIM_SIZE = 1,
    TP_DTYPE = 1,
    TP_SHAPE = 2,
    TP_CONTENT = 4,
    TP_FLOAT = 5,
    TP_INT = 7,
    TP_INT64 = 10,
    TP_BOOL = 11,
    TP_HALF = 13,
};

static int oom(struct seer_err *err, const char *what)
{
    return seer_errf(err, SEER_ENOMEM, "out of memory (%s)", what);
}

/* A LEN field as a NUL-terminated string in a; names may not contain NUL. */
static int str_field(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                     struct seer_arena *a, const char **out)
{
    if (f->wire != SEER__PB_LEN)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s is not a string", f->off, what);
    if (memchr(f->data, 0, f->len))
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s contains a NUL byte", f->off, what);
    *out = seer_arena_strndup(a, (const char *)f->data, f->len);
    return *out ? SEER_OK : oom(r->err, what);
}

static int sub_of(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                  struct seer__pb *sub)
{
    if (f->wire != SEER__PB_LEN)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s is not a message", f->off, what);
    seer__pb_sub(r, f, sub);
    return SEER_OK;
}

int seer__gd_shape(const struct seer__pb *r, const struct seer__pb_field *f,
                   struct seer__tf_shape *out, struct seer_err *err)
{
    struct seer__pb s, d;
    struct seer__pb_field g, h;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sub_of(r, f, "a shape", &s);
    while (!rc && (rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == SHAPE_UNKNOWN_RANK && g.wire == SEER__PB_VARINT) {
            out->unknown_rank = g.v != 0;
        } else if (g.num == SHAPE_DIM) {
            int64_t size = 0;
            if ((rc = sub_of(&s, &g, "a shape dim", &d)))
                break;
            while ((rc = seer__pb_next(&d, &h)) == 1) {
                rc = 0;
                if (h.num == DIM_SIZE && (rc = seer__pb_int(&d, &h, "a dim size", &size)))
                    break;
            }
            if (rc)
                break;
            if (out->ndim == SEER_MAX_DIMS)
                return seer_errf(err, SEER_EUNSUPPORTED,
                                 "offset %zu: a shape has more than %d "
                                 "dims",
                                 g.off, SEER_MAX_DIMS);
            if (size < -1)
                return seer_errf(err, SEER_EFORMAT, "offset %zu: dim size %lld", g.off,
                                 (long long)size);
            out->dims[out->ndim++] = size;
        }
    }
    if (rc)
        return rc;
    if (out->unknown_rank)
        out->ndim = 0;
    return SEER_OK;
}

/* ---- AttrValue ---- */

struct lists {
    int n_s, n_i, n_f, n_b, n_type;
};

static int put_i(void *ctx, uint64_t raw)
{
    struct seer__tf_list *l = ctx;

    ((int64_t *)l->i)[l->n_i++] = (int64_t)raw;
    return SEER_OK;
}

static int put_f(void *ctx, uint64_t raw)
{
    struct seer__tf_list *l = ctx;
    uint32_t bits = (uint32_t)raw;

    memcpy((float *)l->f + l->n_f++, &bits, sizeof(float));
    return SEER_OK;
}

static int put_b(void *ctx, uint64_t raw)
{
    struct seer__tf_list *l = ctx;

    ((bool *)l->b)[l->n_b++] = raw != 0;
    return SEER_OK;
}

static int put_type(void *ctx, uint64_t raw)
{
    struct seer__tf_list *l = ctx;

    ((int *)l->type)[l->n_type++] = raw > 1000 ? 0 : (int)raw;
    return SEER_OK;
}

/* ListValue: counts first, then arrays of exactly that size. */
static int list_value(const struct seer__pb *r, const struct seer__pb_field *f,
                      struct seer_arena *a, struct seer__tf_list *l)
{
    struct seer__pb s;
    struct seer__pb_field g;
    size_t ns = 0, ni = 0, nf = 0, nb = 0, nt = 0;
    int rc;

    memset(l, 0, sizeof(*l));
    if ((rc = sub_of(r, f, "a list", &s)))
        return rc;
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == LV_S && g.wire == SEER__PB_LEN)
            ns++;
        else if (g.num == LV_I)
            rc = seer__pb_rep_count(&s, &g, SEER__PB_VARINT, "list.i", &ni);
        else if (g.num == LV_F)
            rc = seer__pb_rep_count(&s, &g, SEER__PB_I32, "list.f", &nf);
        else if (g.num == LV_B)
            rc = seer__pb_rep_count(&s, &g, SEER__PB_VARINT, "list.b", &nb);
        else if (g.num == LV_TYPE)
            rc = seer__pb_rep_count(&s, &g, SEER__PB_VARINT, "list.type", &nt);
        if (rc)
            return rc;
    }
    if (rc)
        return rc;
    l->s = seer_arena_array(a, ns + 1, sizeof(*l->s));
    l->i = seer_arena_array(a, ni + 1, sizeof(*l->i));
    l->f = seer_arena_array(a, nf + 1, sizeof(*l->f));
    l->b = seer_arena_array(a, nb + 1, sizeof(*l->b));
    l->type = seer_arena_array(a, nt + 1, sizeof(*l->type));
    if (!l->s || !l->i || !l->f || !l->b || !l->type)
        return oom(r->err, "attribute list");
    if ((rc = sub_of(r, f, "a list", &s)))
        return rc;
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == LV_S && g.wire == SEER__PB_LEN) {
            struct seer__tf_bytes *b = (struct seer__tf_bytes *)&l->s[l->n_s++];
            b->p = (const char *)g.data;
            b->n = g.len;
        } else if (g.num == LV_I) {
            rc = seer__pb_rep_each(&s, &g, SEER__PB_VARINT, "list.i", put_i, l);
        } else if (g.num == LV_F) {
            rc = seer__pb_rep_each(&s, &g, SEER__PB_I32, "list.f", put_f, l);
        } else if (g.num == LV_B) {
            rc = seer__pb_rep_each(&s, &g, SEER__PB_VARINT, "list.b", put_b, l);
        } else if (g.num == LV_TYPE) {
            rc = seer__pb_rep_each(&s, &g, SEER__PB_VARINT, "list.type", put_type, l);
        }
        if (rc)
            return rc;
    }
    return rc;
}

static int attr_value(const struct seer__pb *r, const struct seer__pb_field *f,
                      struct seer_arena *a, struct seer__tf_attr *at)
{
    struct seer__pb s;
    struct seer__pb_field g;
    int rc;

    if ((rc = sub_of(r, f, "an attribute value", &s)))
        return rc;
    at->kind = SEER__TF_ATTR_OTHER;
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        switch (g.num) {
        case AV_LIST:
            at->kind = SEER__TF_ATTR_LIST;
            rc = list_value(&s, &g, a, &at->list);
            break;
        case AV_S:
            if (g.wire != SEER__PB_LEN)
                return seer_errf(r->err, SEER_EFORMAT, "offset %zu: attr s is not bytes", g.off);
            at->kind = SEER__TF_ATTR_S;
            at->s.p = (const char *)g.data;
            at->s.n = g.len;
            break;
        case AV_I:
            at->kind = SEER__TF_ATTR_I;
            rc = seer__pb_int(&s, &g, "attr i", &at->i);
            break;
        case AV_F:
            at->kind = SEER__TF_ATTR_F;
            rc = seer__pb_float(&s, &g, "attr f", &at->f);
            break;
        case AV_B:
            at->kind = SEER__TF_ATTR_B;
            if (g.wire != SEER__PB_VARINT)
                return seer_errf(r->err, SEER_EFORMAT, "offset %zu: attr b is not a bool", g.off);
            at->b = g.v != 0;
            break;
        case AV_TYPE:
            at->kind = SEER__TF_ATTR_TYPE;
            if (g.wire != SEER__PB_VARINT)
                return seer_errf(r->err, SEER_EFORMAT, "offset %zu: attr type is not an enum",
                                 g.off);
            at->type = g.v > 1000 ? SEER__TF_DT_INVALID : (int)g.v;
            break;
        case AV_SHAPE:
            at->kind = SEER__TF_ATTR_SHAPE;
            rc = seer__gd_shape(&s, &g, &at->shape, r->err);
            break;
        case AV_TENSOR: {
            struct seer__pb_field *copy = seer_arena_memdup(a, &g, sizeof(g));
            if (!copy)
                return oom(r->err, "attribute");
            if (g.wire != SEER__PB_LEN)
                return seer_errf(r->err, SEER_EFORMAT,
                                 "offset %zu: attr tensor is not a "
                                 "message",
                                 g.off);
            at->kind = SEER__TF_ATTR_TENSOR;
            at->tensor = copy;
            break;
        }
        default: break;
        }
        if (rc)
            return rc;
    }
    return rc;
}

/* ---- NodeDef ---- */

static int parse_node(struct seer__pb *r, const struct seer__pb_field *f, struct seer_arena *a,
                      struct seer__gd_node *nd)
{
    struct seer__pb s, e;
    struct seer__pb_field g, h;
    int n_in = 0, n_attr = 0, rc;

    nd->off = f->off;
    if ((rc = sub_of(r, f, "a node", &s)))
        return rc;
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == NODE_NAME)
            rc = str_field(&s, &g, "node name", a, &nd->name);
        else if (g.num == NODE_OP)
            rc = str_field(&s, &g, "node op", a, &nd->op);
        else if (g.num == NODE_INPUT)
            n_in++;
        else if (g.num == NODE_ATTR)
            n_attr++;
        if (rc)
            return rc;
    }
    if (rc)
        return rc;
    if (!nd->name || !nd->name[0])
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: a node has no name", f->off);
    if (!nd->op || !nd->op[0])
        return seer_errf(r->err, SEER_EFORMAT, "node '%s' has no op", nd->name);
    nd->in = seer_arena_array(a, (size_t)n_in + 1, sizeof(*nd->in));
    nd->in_text = seer_arena_array(a, (size_t)n_in + 1, sizeof(*nd->in_text));
    nd->attr = seer_arena_array(a, (size_t)n_attr + 1, sizeof(*nd->attr));
    if (!nd->in || !nd->in_text || !nd->attr)
        return oom(r->err, nd->name);
    seer__pb_sub(r, f, &s);
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == NODE_INPUT) {
            if (g.wire != SEER__PB_LEN)
                return seer_errf(r->err, SEER_EFORMAT, "node '%s': an input is not a string",
                                 nd->name);
            ((struct seer__pb_field *)nd->in_text)[nd->n_in++] = g;
        } else if (g.num == NODE_ATTR) {
            struct seer__tf_attr *at = &nd->attr[nd->n_attr];
            bool has_value = false;
            if ((rc = sub_of(&s, &g, "an attribute", &e)))
                return rc;
            while ((rc = seer__pb_next(&e, &h)) == 1) {
                rc = 0;
                if (h.num == ENTRY_KEY) {
                    rc = str_field(&e, &h, "attribute name", a, &at->name);
                } else if (h.num == ENTRY_VALUE) {
                    rc = attr_value(&e, &h, a, at);
                    has_value = true;
                }
                if (rc) {
                    seer_err_prefix(r->err, "node '%s': ", nd->name);
                    return rc;
                }
            }
            if (rc)
                return rc;
            if (!at->name)
                return seer_errf(r->err, SEER_EFORMAT, "node '%s': an attribute has no name",
                                 nd->name);
            if (has_value)
                nd->n_attr++;
        }
    }
    return rc;
}

int seer__gd_parse_nodes(struct seer__pb *r, const struct seer_limits *lim,
                         struct seer_arena *scratch, struct seer__gd_node **nodes, int *n_nodes,
                         struct seer_err *err)
{
    struct seer__pb s = *r;
    struct seer__pb_field f;
    int n = 0, k = 0, rc;

    while ((rc = seer__pb_next(&s, &f)) == 1) {
        if (f.num == GRAPH_NODE && ++n > lim->max_nodes)
            return seer_errf(err, SEER_ELIMIT, "more than %d nodes", lim->max_nodes);
    }
    if (rc)
        return rc;
    *nodes = seer_arena_array(scratch, (size_t)n + 1, sizeof(**nodes));
    if (!*nodes)
        return oom(err, "node table");
    s = *r;
    while ((rc = seer__pb_next(&s, &f)) == 1) {
        if (f.num != GRAPH_NODE)
            continue;
        rc = parse_node(&s, &f, scratch, &(*nodes)[k]);
        if (rc)
            return rc;
        k++;
    }
    *n_nodes = k;
    return rc;
}

/* ---- TensorProto ---- */

struct fill {
    uint8_t *p;    /* destination */
    size_t es;     /* bytes per element */
    size_t n, cap; /* written, room */
    enum seer_dtype dt;
};

static int put_val(void *ctx, uint64_t raw)
{
    struct fill *fl = ctx;

    /* Counted beforehand, so there is room; the check keeps it so regardless. */
    if (fl->n >= fl->cap)
        return SEER_OK;
    uint8_t *d = fl->p + fl->n++ * fl->es;
    switch (fl->dt) {
    case SEER_DTYPE_BOOL: *d = raw != 0; break;
    case SEER_DTYPE_U8:
    case SEER_DTYPE_I8: *d = (uint8_t)raw; break;
    case SEER_DTYPE_I16:
    case SEER_DTYPE_F16: {
        uint16_t v = (uint16_t)raw;
        memcpy(d, &v, 2);
        break;
    }
    case SEER_DTYPE_F32:
    case SEER_DTYPE_I32: {
        uint32_t v = (uint32_t)raw;
        memcpy(d, &v, 4);
        break;
    }
    default: memcpy(d, &raw, 8); break;
    }
    return SEER_OK;
}

/* The typed field holding values of dtype dt, and its wire kind. */
static void typed_field(enum seer_dtype dt, uint32_t *num, enum seer__pb_wire *kind)
{
    *kind = SEER__PB_VARINT;
    switch (dt) {
    case SEER_DTYPE_F32:
        *num = TP_FLOAT;
        *kind = SEER__PB_I32;
        break;
    case SEER_DTYPE_F16: *num = TP_HALF; break;
    case SEER_DTYPE_I64: *num = TP_INT64; break;
    case SEER_DTYPE_BOOL: *num = TP_BOOL; break;
    default: *num = TP_INT; break; /* int32, uint8, int8, int16 */
    }
}

int seer__gd_const_value(const struct seer__gd_node *nd, const struct seer_limits *lim,
                         struct seer_arena *a, size_t *budget, enum seer_dtype *dt, int *ndim,
                         int64_t *dims, void **data, struct seer_err *err)
{
    const struct seer__tf_attr *at = NULL;
    const struct seer__pb_field *tf;
    struct seer__pb s;
    struct seer__pb_field g, content = {0};
    struct seer__tf_shape shape = {0};
    int tf_dt = SEER__TF_DT_INVALID, rc;
    int64_t numel = 1;
    size_t count = 0, bytes, es;
    uint32_t num;
    enum seer__pb_wire kind;
    struct fill fl;

    for (int i = 0; i < nd->n_attr; i++)
        if (!strcmp(nd->attr[i].name, "value"))
            at = &nd->attr[i];
    if (!at || at->kind != SEER__TF_ATTR_TENSOR)
        return seer_errf(err, SEER_EFORMAT, "const '%s' has no tensor value", nd->name);
    tf = at->tensor;
    /* The tensor's bytes lie inside the file; a reader over just them. */
    seer__pb_init(&s, tf->data, tf->len, err);
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == TP_DTYPE && g.wire == SEER__PB_VARINT)
            tf_dt = g.v > 1000 ? SEER__TF_DT_INVALID : (int)g.v;
        else if (g.num == TP_SHAPE)
            rc = seer__gd_shape(&s, &g, &shape, err);
        else if (g.num == TP_CONTENT && g.wire == SEER__PB_LEN)
            content = g;
        if (rc)
            break;
    }
    if (rc) {
        seer_err_prefix(err, "const '%s' (tensor at offset %zu): ", nd->name, tf->off);
        return rc;
    }
    if (!seer__tf_dt_to_seer(tf_dt, false, dt))
        return seer_errf(err, SEER_EUNSUPPORTED, "const '%s': dtype %s is not supported", nd->name,
                         seer__tf_dt_name(tf_dt));
    if (shape.unknown_rank)
        return seer_errf(err, SEER_EFORMAT, "const '%s' has an unknown rank", nd->name);
    for (int i = 0; i < shape.ndim; i++) {
        if (shape.dims[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "const '%s' has an unknown dim", nd->name);
        if (__builtin_mul_overflow(numel, shape.dims[i], &numel) || numel > lim->max_elements)
            return seer_errf(err, SEER_ELIMIT, "const '%s' declares more than %lld elements",
                             nd->name, (long long)lim->max_elements);
    }
    es = seer_dtype_size(*dt);
    if (!seer_mul_size((size_t)numel, es, &bytes) || bytes > *budget)
        return seer_errf(err, SEER_ELIMIT,
                         "const '%s' of %lld elements is over the model's "
                         "size limit",
                         nd->name, (long long)numel);
    *ndim = shape.ndim;
    memcpy(dims, shape.dims, sizeof(shape.dims[0]) * (size_t)shape.ndim);
    *data = seer_arena_alloc(a, bytes ? bytes : 1);
    if (!*data)
        return oom(err, nd->name);
    *budget -= bytes;
    if (content.data) {
        if (content.len != bytes)
            return seer_errf(err, SEER_EFORMAT,
                             "const '%s': tensor_content is %zu bytes, its "
                             "shape needs %zu",
                             nd->name, content.len, bytes);
        if (bytes)
            memcpy(*data, content.data, bytes);
        return SEER_OK;
    }
    typed_field(*dt, &num, &kind);
    seer__pb_init(&s, tf->data, tf->len, err);
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == num && (rc = seer__pb_rep_count(&s, &g, kind, "tensor values", &count)))
            break;
    }
    if (rc)
        return rc;
    if (count > (size_t)numel)
        return seer_errf(err, SEER_EFORMAT, "const '%s' has %zu values for %lld elements", nd->name,
                         count, (long long)numel);
    fl = (struct fill){*data, es, 0, count, *dt};
    seer__pb_init(&s, tf->data, tf->len, err);
    while ((rc = seer__pb_next(&s, &g)) == 1) {
        rc = 0;
        if (g.num == num && (rc = seer__pb_rep_each(&s, &g, kind, "tensor values", put_val, &fl)))
            break;
    }
    if (rc)
        return rc;
    /* TensorFlow repeats the last value to fill the shape, or zeros with none. */
    if (count == 0)
        memset(*data, 0, bytes);
    for (size_t i = count ? count : (size_t)numel; i < (size_t)numel; i++)
        memcpy((uint8_t *)*data + i * es, (uint8_t *)*data + (count - 1) * es, es);
    return SEER_OK;
}
