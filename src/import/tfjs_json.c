/*
 * Protobuf JSON (as TF.js writes modelTopology) into TensorFlow attribute structs and
 * constant tensors (see tfjs_json.h).
 */
#include "import/tfjs_json.h"

#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "import/json.h"

/* What every decoder here needs: the node (for messages), an arena and limits. */
struct jctx {
    const char *name;
    struct seer_arena *scratch;
    const struct seer_limits *lim;
    struct seer_err *err;
};

static int oom(struct jctx *j, const char *what)
{
    return seer_errf(j->err, SEER_ENOMEM, "out of memory (%s)", what);
}

static int parse_shape(struct jctx *j, const cJSON *js, struct seer__tf_shape *sh)
{
    const cJSON *dims = cJSON_GetObjectItemCaseSensitive(js, "dim"), *d;

    memset(sh, 0, sizeof(*sh));
    if (!cJSON_IsObject(js))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': a shape is not an object", j->name);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(js, "unknownRank"))) {
        sh->unknown_rank = true;
        return SEER_OK;
    }
    cJSON_ArrayForEach(d, dims)
    {
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(d, "size");
        int64_t v = 0; /* protobuf's JSON form leaves out zero fields: no size is 0 */
        if (sh->ndim == SEER_MAX_DIMS)
            return seer_errf(j->err, SEER_EUNSUPPORTED,
                             "node '%s': a shape has more than %d "
                             "dims",
                             j->name, SEER_MAX_DIMS);
        if (size && (!seer__json_int64(size, &v) || v < -1))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': shape dim %d is not a size", j->name,
                             sh->ndim);
        sh->dims[sh->ndim++] = v;
    }
    return SEER_OK;
}

/* Decodes a base64 protobuf "bytes" value into the scratch arena. */
static int parse_bytes(struct jctx *j, const cJSON *js, struct seer__tf_bytes *b)
{
    size_t n, cap;
    uint8_t *p;

    if (!cJSON_IsString(js))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': a string attr is not base64 text",
                         j->name);
    n = strlen(js->valuestring);
    cap = n / 4 * 3 + 3;
    p = seer_arena_alloc(j->scratch, cap);
    if (!p)
        return oom(j, "attr bytes");
    if (!seer__base64_decode(js->valuestring, n, p, &b->n))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': a string attr is not base64", j->name);
    b->p = (const char *)p;
    return SEER_OK;
}

static int parse_list(struct jctx *j, const cJSON *js, struct seer__tf_list *l)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(js, "s");
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(js, "i");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(js, "f");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(js, "b");
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(js, "type");
    const cJSON *e;
    int rc, k;

    memset(l, 0, sizeof(*l));
    if (!cJSON_IsObject(js))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': a list attr is not an object", j->name);
    l->n_s = cJSON_GetArraySize(s);
    l->n_i = cJSON_GetArraySize(i);
    l->n_f = cJSON_GetArraySize(f);
    l->n_b = cJSON_GetArraySize(b);
    l->n_type = cJSON_GetArraySize(ty);
    struct seer__tf_bytes *vs = seer_arena_array(j->scratch, (size_t)l->n_s + 1, sizeof(*vs));
    int64_t *vi = seer_arena_array(j->scratch, (size_t)l->n_i + 1, sizeof(*vi));
    float *vf = seer_arena_array(j->scratch, (size_t)l->n_f + 1, sizeof(*vf));
    bool *vb = seer_arena_array(j->scratch, (size_t)l->n_b + 1, sizeof(*vb));
    int *vt = seer_arena_array(j->scratch, (size_t)l->n_type + 1, sizeof(*vt));
    if (!vs || !vi || !vf || !vb || !vt)
        return oom(j, "attr list");
    k = 0;
    cJSON_ArrayForEach(e, s)
    {
        rc = parse_bytes(j, e, &vs[k++]);
        if (rc)
            return rc;
    }
    k = 0;
    cJSON_ArrayForEach(e, i)
    {
        if (!seer__json_int64(e, &vi[k++]))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': a list entry is not an int",
                             j->name);
    }
    k = 0;
    cJSON_ArrayForEach(e, f)
    {
        double d;
        if (!seer__json_double(e, &d))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': a list entry is not a float",
                             j->name);
        vf[k++] = (float)d;
    }
    k = 0;
    cJSON_ArrayForEach(e, b) vb[k++] = cJSON_IsTrue(e);
    k = 0;
    cJSON_ArrayForEach(e, ty)
    {
        if (!cJSON_IsString(e) || !seer__tf_dt_parse(e->valuestring, &vt[k]))
            vt[k] = SEER__TF_DT_INVALID;
        k++;
    }
    l->s = vs;
    l->i = vi;
    l->f = vf;
    l->b = vb;
    l->type = vt;
    return SEER_OK;
}

static int parse_attr(struct jctx *j, const cJSON *js, struct seer__tf_attr *a)
{
    const cJSON *v;
    double d;

    memset(a, 0, sizeof(*a));
    a->name = js->string;
    if (!a->name || !cJSON_IsObject(js))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': an attr is not an object", j->name);
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "s"))) {
        a->kind = SEER__TF_ATTR_S;
        return parse_bytes(j, v, &a->s);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "i"))) {
        a->kind = SEER__TF_ATTR_I;
        if (!seer__json_int64(v, &a->i))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': attr '%s' is not an int", j->name,
                             a->name);
        return SEER_OK;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "f"))) {
        a->kind = SEER__TF_ATTR_F;
        if (!seer__json_double(v, &d))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': attr '%s' is not a float", j->name,
                             a->name);
        a->f = (float)d;
        return SEER_OK;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "b"))) {
        a->kind = SEER__TF_ATTR_B;
        if (!cJSON_IsBool(v))
            return seer_errf(j->err, SEER_EFORMAT, "node '%s': attr '%s' is not a bool", j->name,
                             a->name);
        a->b = cJSON_IsTrue(v);
        return SEER_OK;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "type"))) {
        a->kind = SEER__TF_ATTR_TYPE;
        if (!cJSON_IsString(v) || !seer__tf_dt_parse(v->valuestring, &a->type))
            a->type = SEER__TF_DT_INVALID;
        return SEER_OK;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "shape"))) {
        a->kind = SEER__TF_ATTR_SHAPE;
        return parse_shape(j, v, &a->shape);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "tensor"))) {
        a->kind = SEER__TF_ATTR_TENSOR;
        a->tensor = v;
        return SEER_OK;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(js, "list"))) {
        a->kind = SEER__TF_ATTR_LIST;
        return parse_list(j, v, &a->list);
    }
    return SEER_OK; /* func, placeholder: nothing the ops we map read */
}

int seer__tfjs_node_attrs(const cJSON *js, const char *name, const char *op,
                          struct seer_arena *scratch, struct seer__tf_node *nd,
                          struct seer_err *err)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(js, "attr"), *a;
    struct jctx jc = {.name = name, .scratch = scratch, .err = err}, *j = &jc;
    struct seer__tf_attr *arr;
    int n = 0, rc;

    nd->name = name;
    nd->op = op;
    nd->n_attr = 0;
    nd->attr = NULL;
    if (!attrs)
        return SEER_OK;
    if (!cJSON_IsObject(attrs))
        return seer_errf(j->err, SEER_EFORMAT, "node '%s': attr is not an object", j->name);
    arr = seer_arena_array(j->scratch, (size_t)cJSON_GetArraySize(attrs) + 1, sizeof(*arr));
    if (!arr)
        return oom(j, "attrs");
    cJSON_ArrayForEach(a, attrs)
    {
        rc = parse_attr(j, a, &arr[n]);
        if (rc)
            return rc;
        n++;
    }
    nd->attr = arr;
    nd->n_attr = n;
    return SEER_OK;
}

int seer__tfjs_shape(const cJSON *js, const char *name, struct seer__tf_shape *sh,
                     struct seer_err *err)
{
    struct jctx jc = {.name = name, .err = err};

    return parse_shape(&jc, js, sh);
}

/* Constants */

static size_t elem_bytes(int tf_dt)
{
    switch (tf_dt) {
    case SEER__TF_DT_FLOAT:
    case SEER__TF_DT_INT32: return 4;
    case SEER__TF_DT_INT64: return 8;
    case SEER__TF_DT_BOOL: return 1;
    default: return 0;
    }
}

/* Element k of an inline TensorProto's value list into the destination element i. */
static bool inline_elem(int tf_dt, const cJSON *e, void *dst, int64_t i)
{
    int64_t v;
    double d;

    switch (tf_dt) {
    case SEER__TF_DT_FLOAT:
        if (!seer__json_double(e, &d))
            return false;
        ((float *)dst)[i] = (float)d;
        return true;
    case SEER__TF_DT_INT32:
    case SEER__TF_DT_INT64:
        /* TF.js keeps int64 as int32; a value that does not fit is refused. */
        if (!seer__json_int64(e, &v) || v < INT32_MIN || v > INT32_MAX)
            return false;
        ((int32_t *)dst)[i] = (int32_t)v;
        return true;
    case SEER__TF_DT_BOOL:
        if (!cJSON_IsBool(e))
            return false;
        ((uint8_t *)dst)[i] = cJSON_IsTrue(e);
        return true;
    default: return false;
    }
}

/* An inline TensorProto (protobuf JSON) into cv, with data in arena a. TensorFlow fills
 * a tensor with fewer listed values than elements by repeating the last value. */
int seer__tfjs_inline_tensor(const cJSON *tj, const char *name, const struct seer_limits *lim,
                             struct seer_arena *a, size_t *budget, struct seer__tfjs_const *cv,
                             struct seer_err *err)
{
    struct jctx jc = {.name = name, .scratch = a, .lim = lim, .err = err}, *j = &jc;
    static const char *const lists[] = {"floatVal", "intVal", "int64Val", "boolVal"};
    const char *dts = seer__json_str(tj, "dtype");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(tj, "tensorContent");
    const cJSON *vals = NULL, *e;
    struct seer__tf_shape sh;
    int tf_dt = SEER__TF_DT_INVALID;
    size_t nb, esz;
    int rc;

    memset(cv, 0, sizeof(*cv));
    if (!dts || !seer__tf_dt_parse(dts, &tf_dt) || !(esz = elem_bytes(tf_dt)) ||
        !seer__tf_dt_to_seer(tf_dt, true, &cv->dt))
        return seer_errf(j->err, SEER_EUNSUPPORTED,
                         "const '%s': inline tensor dtype %s is "
                         "not supported",
                         j->name, dts ? dts : "(none)");
    rc = parse_shape(j, cJSON_GetObjectItemCaseSensitive(tj, "tensorShape"), &sh);
    if (rc)
        return rc;
    cv->ndim = sh.ndim;
    cv->numel = 1;
    for (int i = 0; i < sh.ndim; i++) {
        if (sh.unknown_rank || sh.dims[i] < 0)
            return seer_errf(j->err, SEER_EFORMAT,
                             "const '%s': inline tensor has an unknown "
                             "dim",
                             j->name);
        if (sh.dims[i] && cv->numel > j->lim->max_elements / sh.dims[i])
            return seer_errf(j->err, SEER_ELIMIT, "const '%s': more than %lld elements", j->name,
                             (long long)j->lim->max_elements);
        cv->numel *= sh.dims[i];
        cv->dims[i] = sh.dims[i];
    }
    if (!seer_mul_size((size_t)cv->numel, seer_dtype_size(cv->dt), &nb) || nb > *budget)
        return seer_errf(j->err, SEER_ELIMIT,
                         "const '%s': inline constants take more than "
                         "the model size limit",
                         j->name);
    *budget -= nb;
    cv->data = seer_arena_array(a, nb ? nb : 1, 1);
    if (!cv->data)
        return oom(j, "constant");
    if (content) {
        struct seer__tf_bytes raw;
        rc = parse_bytes(j, content, &raw);
        if (rc)
            return rc;
        if (raw.n / esz != (size_t)cv->numel || raw.n % esz)
            return seer_errf(j->err, SEER_EFORMAT,
                             "const '%s': tensorContent has %zu bytes "
                             "for %lld elements of %s",
                             j->name, raw.n, (long long)cv->numel, dts);
        for (int64_t i = 0; i < cv->numel; i++) {
            const uint8_t *p = (const uint8_t *)raw.p + (size_t)i * esz;
            uint64_t u = 0;
            for (size_t b = 0; b < esz; b++)
                u |= (uint64_t)p[b] << (8 * b);
            if (tf_dt == SEER__TF_DT_BOOL) {
                ((uint8_t *)cv->data)[i] = u != 0;
            } else if (tf_dt == SEER__TF_DT_INT64) {
                int64_t s = (int64_t)u;
                if (s < INT32_MIN || s > INT32_MAX)
                    return seer_errf(j->err, SEER_EUNSUPPORTED,
                                     "const '%s': int64 value %lld "
                                     "does not fit int32",
                                     j->name, (long long)s);
                ((int32_t *)cv->data)[i] = (int32_t)s;
            } else {
                uint32_t w = (uint32_t)u;
                memcpy((uint8_t *)cv->data + 4 * i, &w, 4);
            }
        }
        return SEER_OK;
    }
    for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]) && !vals; k++)
        vals = cJSON_GetObjectItemCaseSensitive(tj, lists[k]);
    int n = cJSON_GetArraySize(vals);
    if (n > cv->numel)
        return seer_errf(j->err, SEER_EFORMAT, "const '%s': %d values for %lld elements", j->name,
                         n, (long long)cv->numel);
    int64_t i = 0;
    cJSON_ArrayForEach(e, vals)
    {
        if (!inline_elem(tf_dt, e, cv->data, i))
            return seer_errf(j->err, SEER_EFORMAT, "const '%s': value %lld is not a %s", j->name,
                             (long long)i, dts);
        i++;
    }
    for (size_t es = seer_dtype_size(cv->dt); i > 0 && i < cv->numel; i++)
        memcpy((uint8_t *)cv->data + (size_t)i * es, (uint8_t *)cv->data + (size_t)(i - 1) * es,
               es);
    return SEER_OK; /* no values at all: the zeroed array, as in TensorFlow */
}

bool seer__tfjs_tensor_has_values(const cJSON *tj)
{
    static const char *const keys[] = {"tensorContent", "floatVal", "intVal", "int64Val",
                                       "boolVal"};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(tj, keys[i]))
            return true;
    return false;
}
