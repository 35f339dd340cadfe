/*
 * POST /v1/models/{name}[/versions/{v}]:predict — TF Serving's and Cloud ML Engine's
 * online prediction API for detection models.
 *
 * Row format {"instances": [...]} answers {"predictions": [...]}; columnar format
 * {"inputs": ...} answers {"outputs": {...}}. An image instance is {"b64": "..."},
 * {"image_bytes": {"b64": "..."}} or a bare base64 string; an instance's "key" is echoed.
 * One bad instance fails the whole request, as in TF Serving.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/arena.h"
#include "serve/http.h"
#include "serve/predict_tensor.h"
#include "serve/serve.h"

/* Rounds to 6 decimals so cJSON prints short numbers (floats carry no more anyway). */
static double r6(double x)
{
    return round(x * 1e6) / 1e6;
}

static int decode_b64_item(struct seer_req *rq, const cJSON *s, int idx, struct seer_instance *in)
{
    int rc;

    if (!cJSON_IsString(s))
        return seer_errf(&rq->err, SEER_EINVAL, "instance %d: \"b64\" must be a string", idx);
    rc = seer__b64_decode(s->valuestring, strlen(s->valuestring), rq->arena, &in->p, &in->n,
                          &rq->err);
    if (rc)
        seer_err_prefix(&rq->err, "instance %d: ", idx);
    return rc;
}

/* One instance: a base64 string, {"b64": s}, or an object whose image member
 * (image_bytes or any single non-"key" member) is {"b64": s} or a base64 string. */
static int instance_bytes(struct seer_req *rq, const cJSON *it, int idx, struct seer_instance *in)
{
    const cJSON *b64, *img = NULL, *child;

    in->key = NULL;
    if (cJSON_IsString(it))
        return decode_b64_item(rq, it, idx, in);
    if (!cJSON_IsObject(it))
        return seer_errf(&rq->err, SEER_EINVAL,
                         "instance %d: expected {\"b64\": ...}, {\"image_bytes\": {\"b64\": ...}}"
                         " or a base64 string",
                         idx);
    b64 = cJSON_GetObjectItemCaseSensitive(it, "b64");
    if (b64)
        return decode_b64_item(rq, b64, idx, in);
    in->key = cJSON_GetObjectItemCaseSensitive(it, "key");
    img = cJSON_GetObjectItemCaseSensitive(it, "image_bytes");
    if (!img) {
        /* Any one named input will do: clients name the image tensor variously. */
        int n_inputs = 0;
        cJSON_ArrayForEach(child, it)
        {
            if (child->string && strcmp(child->string, "key")) {
                n_inputs++;
                img = child;
            }
        }
        if (n_inputs > 1)
            return seer_errf(&rq->err, SEER_EINVAL,
                             "instance %d: more than one input; this model takes one "
                             "image (\"image_bytes\")",
                             idx);
    }
    if (!img)
        return seer_errf(&rq->err, SEER_EINVAL, "instance %d: no image (\"image_bytes\")", idx);
    if (cJSON_IsObject(img) && (b64 = cJSON_GetObjectItemCaseSensitive(img, "b64")))
        return decode_b64_item(rq, b64, idx, in);
    if (cJSON_IsString(img))
        return decode_b64_item(rq, img, idx, in);
    return seer_errf(&rq->err, SEER_EINVAL,
                     "instance %d: \"%.40s\" must be {\"b64\": \"...\"} with base64 image bytes",
                     idx, img->string ? img->string : "");
}

int seer__predict_parse(struct seer_req *rq, const struct cJSON *req, bool *columnar,
                        struct seer_instance **out, int *n_out)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(req, "instances");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(req, "inputs");
    const cJSON *list = NULL, *single = NULL, *it;
    struct seer_instance *in;
    int n, i = 0, rc;
    int max = rq->srv->opts.max_instances > 0 ? rq->srv->opts.max_instances : 64;

    *out = NULL;
    *n_out = 0;
    if (!cJSON_IsObject(req))
        return seer_errf(&rq->err, SEER_EINVAL, "request body must be a JSON object");
    if (rows && cols)
        return seer_errf(&rq->err, SEER_EINVAL, "use \"instances\" or \"inputs\", not both");
    *columnar = cols != NULL;
    if (rows) {
        if (!cJSON_IsArray(rows))
            return seer_errf(&rq->err, SEER_EINVAL, "\"instances\" must be a list");
        list = rows;
    } else if (cols) {
        /* {"inputs": [...]} or {"inputs": {"image_bytes": [...]}} or one instance. */
        const cJSON *named = cJSON_IsObject(cols) && cJSON_GetArraySize(cols) == 1 &&
                                     !cJSON_GetObjectItemCaseSensitive(cols, "b64")
                                 ? cols->child
                                 : NULL;
        if (cJSON_IsArray(cols))
            list = cols;
        else if (named && cJSON_IsArray(named))
            list = named;
        else
            single = cols;
    } else {
        return seer_errf(&rq->err, SEER_EINVAL,
                         "request needs \"instances\" (row format) or \"inputs\" (columnar)");
    }
    n = list ? cJSON_GetArraySize(list) : 1;
    if (n == 0)
        return seer_errf(&rq->err, SEER_EINVAL, "no instances to predict");
    if (n > max)
        return seer_errf(&rq->err, SEER_ELIMIT, "%d instances in one request (limit %d)", n, max);
    in = seer_arena_array(rq->arena, (size_t)n, sizeof(*in));
    if (!in)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    if (single) {
        rc = instance_bytes(rq, single, 0, &in[0]);
        if (rc)
            return rc;
    } else {
        cJSON_ArrayForEach(it, list)
        {
            rc = instance_bytes(rq, it, i, &in[i]);
            if (rc)
                return rc;
            i++;
        }
    }
    *out = in;
    *n_out = n;
    return 0;
}

/* The TF Object Detection API's outputs for one photo, plus names and pixel boxes. */
static cJSON *prediction(const struct seer_dets *d, const cJSON *key)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *boxes = cJSON_AddArrayToObject(p, "detection_boxes");
    cJSON *scores = cJSON_AddArrayToObject(p, "detection_scores");
    cJSON *classes = cJSON_AddArrayToObject(p, "detection_classes");
    cJSON *names, *px;
    double w = d->width > 0 ? d->width : 1, h = d->height > 0 ? d->height : 1;

    cJSON_AddNumberToObject(p, "num_detections", d->n);
    names = cJSON_AddArrayToObject(p, "detection_class_names");
    px = cJSON_AddArrayToObject(p, "detection_boxes_px");
    for (int i = 0; i < d->n; i++) {
        const struct seer_det *e = &d->d[i];
        double nb[4] = {r6(e->box[1] / h), r6(e->box[0] / w), r6(e->box[3] / h), r6(e->box[2] / w)};
        double pb[4] = {r6(e->box[0]), r6(e->box[1]), r6(e->box[2]), r6(e->box[3])};
        cJSON_AddItemToArray(boxes, cJSON_CreateDoubleArray(nb, 4));
        cJSON_AddItemToArray(px, cJSON_CreateDoubleArray(pb, 4));
        cJSON_AddItemToArray(scores, cJSON_CreateNumber(r6(e->score)));
        cJSON_AddItemToArray(classes, cJSON_CreateNumber(e->category_id));
        cJSON_AddItemToArray(names, cJSON_CreateString(e->label ? e->label : ""));
    }
    if (key)
        cJSON_AddItemToObject(p, "key", cJSON_Duplicate(key, 1));
    return p;
}

int seer__h_predict(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_detect_opts opts = seer_detect_defaults();
    struct seer_model *m = NULL;
    struct seer_instance *in = NULL;
    cJSON *req = NULL, *ans = NULL, *preds = NULL;
    bool columnar = false;
    int n = 0, rc;

    rc = seer__req_model(rq, rq->params[0], rq->n_params > 1 ? rq->params[1] : NULL, &m);
    if (rc)
        goto out;
    rc = seer__http_json(rq->body, rq->body_len, &req, &rq->err);
    if (rc)
        goto out;
    /* Tensor-in/tensor-out models (a SavedModel) answer in TF Serving's generic form. */
    if (!strcmp(seer_model_manifest(m)->family, "generic")) {
        rc = seer__predict_tensor(rq, rs, m, req);
        goto out;
    }
    rc = seer__predict_parse(rq, req, &columnar, &in, &n);
    if (rc)
        goto out;
    ans = cJSON_CreateObject();
    preds = cJSON_CreateArray();
    if (!ans || !preds) {
        rc = seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        struct seer_dets d;
        rc = seer_detect_bytes(m, in[i].p, in[i].n, rq->srv->opts.max_pixels, &opts, rq->arena, &d,
                               &rq->err);
        if (rc) {
            seer_err_prefix(&rq->err, "instance %d: ", i);
            goto out;
        }
        rq->infer_ms += d.time_ms;
        cJSON_AddItemToArray(preds, prediction(&d, in[i].key));
    }
    if (!columnar) {
        cJSON_AddItemToObject(ans, "predictions", preds);
    } else {
        /* Columnar answers batch each named output across the instances. */
        static const char *const names[] = {"detection_boxes",       "detection_scores",
                                            "detection_classes",     "num_detections",
                                            "detection_class_names", "detection_boxes_px"};
        cJSON *outs = cJSON_AddObjectToObject(ans, "outputs");
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            cJSON *col = cJSON_AddArrayToObject(outs, names[k]), *p;
            cJSON_ArrayForEach(p, preds)
            {
                cJSON_AddItemToArray(col, cJSON_DetachItemFromObjectCaseSensitive(p, names[k]));
            }
        }
        cJSON_Delete(preds);
    }
    preds = NULL;
    rc = seer__resp_json(rq, rs, 200, ans);
out:
    cJSON_Delete(preds);
    cJSON_Delete(ans);
    cJSON_Delete(req);
    seer_model_unref(m);
    return rc;
}
