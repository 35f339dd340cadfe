/*
 * TF.js weights manifest: parsing, size checks and dequantisation (see tfjs_weights.h).
 * Dequantisation reproduces TF.js (tfjs-core io_utils decodeWeights): float16 becomes
 * the exact float32; uint8/uint16 become q * scale + min, which JavaScript computes in
 * double precision before storing into a Float32Array (one rounding, to nearest), or for
 * int32 weights Math.round of it stored into an Int32Array.
 */
#include "import/tfjs_weights.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fp16.h"
#include "import/json.h"

void seer__tfjs_weights_clear(struct seer__tfjs_weights *ws)
{
    seer_free(ws->w);
    seer_free(ws->group_bytes);
    seer_strmap_clear(&ws->by_name);
    memset(ws, 0, sizeof(*ws));
}

static size_t stored_size(enum seer_dtype dt, enum seer__tfjs_quant q)
{
    switch (q) {
    case SEER__TFJS_Q_F16:
    case SEER__TFJS_Q_U16: return 2;
    case SEER__TFJS_Q_U8: return 1;
    case SEER__TFJS_Q_NONE: break;
    }
    return seer_dtype_size(dt);
}

static int parse_quant(const cJSON *q, struct seer__tfjs_weight *w, struct seer_err *err)
{
    const char *qt = seer__json_str(q, "dtype");

    if (!cJSON_IsObject(q) || !qt)
        return seer_errf(err, SEER_EFORMAT, "weight '%s': quantization has no dtype", w->name);
    if (!strcmp(qt, "float16")) {
        /* TF.js only stores float32 weights as float16. */
        if (w->dtype != SEER_DTYPE_F32)
            return seer_errf(err, SEER_EUNSUPPORTED,
                             "weight '%s': float16 quantization of "
                             "a %s weight",
                             w->name, seer_dtype_name(w->dtype));
        w->quant = SEER__TFJS_Q_F16;
        return SEER_OK;
    }
    if (!strcmp(qt, "uint8"))
        w->quant = SEER__TFJS_Q_U8;
    else if (!strcmp(qt, "uint16"))
        w->quant = SEER__TFJS_Q_U16;
    else
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "weight '%s': quantization dtype '%.32s' is "
                         "not supported",
                         w->name, qt);
    if (w->dtype == SEER_DTYPE_BOOL)
        return seer_errf(err, SEER_EUNSUPPORTED, "weight '%s': quantized bool", w->name);
    if (!seer__json_double(cJSON_GetObjectItemCaseSensitive(q, "scale"), &w->scale) ||
        !seer__json_double(cJSON_GetObjectItemCaseSensitive(q, "min"), &w->min) ||
        !isfinite(w->scale) || !isfinite(w->min))
        return seer_errf(err, SEER_EFORMAT,
                         "weight '%s': %s quantization needs a finite scale "
                         "and min",
                         w->name, qt);
    return SEER_OK;
}

static int parse_weight(const cJSON *js, const struct seer_limits *lim, struct seer__tfjs_weight *w,
                        struct seer_err *err)
{
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(js, "shape"), *d;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(js, "quantization");
    const char *dt = seer__json_str(js, "dtype");
    size_t nb;
    int rc;

    w->name = seer__json_str(js, "name");
    if (!w->name)
        return seer_errf(err, SEER_EFORMAT, "a weight has no name");
    if (!dt)
        return seer_errf(err, SEER_EFORMAT, "weight '%s': no dtype", w->name);
    if (!strcmp(dt, "float32"))
        w->dtype = SEER_DTYPE_F32;
    else if (!strcmp(dt, "int32"))
        w->dtype = SEER_DTYPE_I32;
    else if (!strcmp(dt, "bool"))
        w->dtype = SEER_DTYPE_BOOL;
    else
        return seer_errf(err, SEER_EUNSUPPORTED, "weight '%s': dtype '%.32s' is not supported",
                         w->name, dt);
    if (!cJSON_IsArray(shape))
        return seer_errf(err, SEER_EFORMAT, "weight '%s': no shape", w->name);
    w->numel = 1;
    cJSON_ArrayForEach(d, shape)
    {
        int64_t v;
        if (w->ndim == SEER_MAX_DIMS)
            return seer_errf(err, SEER_EUNSUPPORTED, "weight '%s': more than %d dims", w->name,
                             SEER_MAX_DIMS);
        if (!seer__json_int64(d, &v) || v < 0)
            return seer_errf(err, SEER_EFORMAT, "weight '%s': dim %d is not a size", w->name,
                             w->ndim);
        if (v > lim->max_elements || (v && w->numel > lim->max_elements / v))
            return seer_errf(err, SEER_ELIMIT, "weight '%s': more than %lld elements", w->name,
                             (long long)lim->max_elements);
        w->numel *= v;
        w->dims[w->ndim++] = v;
    }
    if (q && !cJSON_IsNull(q)) {
        rc = parse_quant(q, w, err);
        if (rc)
            return rc;
    }
    if (!seer_mul_size((size_t)w->numel, stored_size(w->dtype, w->quant), &nb))
        return seer_errf(err, SEER_ELIMIT, "weight '%s': size overflows", w->name);
    w->n_bytes = nb;
    return SEER_OK;
}

int seer__tfjs_weights_parse(const cJSON *manifest, const struct seer_limits *lim,
                             struct seer__tfjs_weights *ws, struct seer_err *err)
{
    const cJSON *grp, *wj;
    size_t off = 0;
    int n = 0, g = 0, rc = SEER_OK;

    memset(ws, 0, sizeof(*ws));
    seer_strmap_init(&ws->by_name);
    if (!manifest || cJSON_IsNull(manifest))
        return SEER_OK;
    if (!cJSON_IsArray(manifest))
        return seer_errf(err, SEER_EFORMAT, "weightsManifest is not a list");
    ws->n_groups = cJSON_GetArraySize(manifest);
    cJSON_ArrayForEach(grp, manifest)
    {
        const cJSON *wl = cJSON_GetObjectItemCaseSensitive(grp, "weights");
        if (!cJSON_IsArray(wl))
            return seer_errf(err, SEER_EFORMAT, "weightsManifest group %d has no weights list", g);
        n += cJSON_GetArraySize(wl);
        if (n < 0)
            return seer_errf(err, SEER_ELIMIT, "too many weights");
        g++;
    }
    ws->w = seer_calloc((size_t)(n ? n : 1), sizeof(*ws->w));
    ws->group_bytes = seer_calloc((size_t)(ws->n_groups ? ws->n_groups : 1), sizeof(size_t));
    if (!ws->w || !ws->group_bytes)
        return seer_errf(err, SEER_ENOMEM, "out of memory for %d weights", n);
    g = 0;
    cJSON_ArrayForEach(grp, manifest)
    {
        size_t start = off;
        cJSON_ArrayForEach(wj, cJSON_GetObjectItemCaseSensitive(grp, "weights"))
        {
            struct seer__tfjs_weight *w = &ws->w[ws->n];
            rc = parse_weight(wj, lim, w, err);
            if (rc)
                return rc;
            w->group = g;
            w->offset = off;
            if (!seer_add_size(off, w->n_bytes, &off) || off > lim->max_model_bytes)
                return seer_errf(err, SEER_ELIMIT,
                                 "weight '%s': the weights pass the model "
                                 "size limit of %zu bytes",
                                 w->name, lim->max_model_bytes);
            if (seer_strmap_put(&ws->by_name, w->name, w))
                return seer_errf(err, SEER_ENOMEM, "out of memory for weight names");
            ws->n++;
        }
        ws->group_bytes[g++] = off - start;
    }
    ws->total_bytes = off;
    return SEER_OK;
}

int seer__tfjs_weights_bind(struct seer__tfjs_weights *ws, const uint8_t *data, size_t n,
                            struct seer_err *err)
{
    for (int i = 0; i < ws->n; i++) {
        const struct seer__tfjs_weight *w = &ws->w[i];
        if (w->offset > n || w->n_bytes > n - w->offset)
            return seer_errf(err, SEER_EFORMAT,
                             "weight '%s' needs %zu bytes at offset %zu but "
                             "the weights end at %zu",
                             w->name, w->n_bytes, w->offset, n);
    }
    if (n != ws->total_bytes)
        return seer_errf(err, SEER_EFORMAT,
                         "the weights are %zu bytes but the manifest "
                         "describes %zu",
                         n, ws->total_bytes);
    ws->data = data;
    return SEER_OK;
}

const struct seer__tfjs_weight *seer__tfjs_weight_find(const struct seer__tfjs_weights *ws,
                                                       const char *name)
{
    return seer_strmap_get(&ws->by_name, name);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* JavaScript's Math.round (halves go up) followed by the ToInt32 conversion an
 * Int32Array store applies (modulo 2^32; NaN and infinities become 0). */
static int32_t js_round_int32(double x)
{
    double r;

    if (!isfinite(x))
        return 0;
    r = floor(x);
    if (x - r >= 0.5)
        r += 1.0;
    r = fmod(r, 4294967296.0);
    if (r < 0)
        r += 4294967296.0;
    return (int32_t)(uint32_t)r;
}

void seer__tfjs_weight_decode(const struct seer__tfjs_weights *ws,
                              const struct seer__tfjs_weight *w, void *dst)
{
    const uint8_t *src = ws->data + w->offset;
    int64_t n = w->numel;

    if (w->quant == SEER__TFJS_Q_U8 || w->quant == SEER__TFJS_Q_U16) {
        for (int64_t i = 0; i < n; i++) {
            double q = w->quant == SEER__TFJS_Q_U8 ? src[i] : rd16(src + 2 * i);
            double v = q * w->scale + w->min;
            if (w->dtype == SEER_DTYPE_F32)
                ((float *)dst)[i] = (float)v;
            else
                ((int32_t *)dst)[i] = js_round_int32(v);
        }
        return;
    }
    if (w->quant == SEER__TFJS_Q_F16) {
        for (int64_t i = 0; i < n; i++)
            ((float *)dst)[i] = seer_f16_to_f32(rd16(src + 2 * i));
        return;
    }
    switch (w->dtype) {
    case SEER_DTYPE_BOOL:
        for (int64_t i = 0; i < n; i++)
            ((uint8_t *)dst)[i] = src[i] != 0;
        break;
    case SEER_DTYPE_F32:
    case SEER_DTYPE_I32:
        /* Shards are little-endian; reading byte by byte keeps big-endian hosts right. */
        for (int64_t i = 0; i < n; i++) {
            uint32_t u = rd32(src + 4 * i);
            memcpy((uint8_t *)dst + 4 * i, &u, 4);
        }
        break;
    default: break;
    }
}
