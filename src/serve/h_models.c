/* GET /v1/models, /v1/models/{name}[/versions/{v}] and .../metadata (TF Serving shapes). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <seer/model.h>

#include "core/arena.h"
#include "serve/predict_tensor.h"
#include "serve/serve.h"

/* Parses a version path segment: a positive decimal integer. */
static int parse_version(struct seer_req *rq, const char *s, int *v)
{
    long x = 0;

    *v = 0;
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || x > INT_MAX / 10)
            return seer_errf(&rq->err, SEER_EINVAL, "version \"%.40s\" is not a positive integer",
                             s);
        x = x * 10 + (*p - '0');
    }
    if (x <= 0 || x > INT_MAX)
        return seer_errf(&rq->err, SEER_EINVAL, "version \"%.40s\" is not a positive integer", s);
    *v = (int)x;
    return 0;
}

int seer__req_model(struct seer_req *rq, const char *name, const char *version,
                    struct seer_model **out)
{
    int v, rc;

    *out = NULL;
    rc = parse_version(rq, version, &v);
    if (rc)
        return rc;
    if (!rq->srv->repo)
        return seer_errf(&rq->err, SEER_ENOTFOUND, "model \"%.64s\" not found", name);
    rc = seer_repo_get(rq->srv->repo, name, v, out, &rq->err);
    if (rc)
        return rc;
    rq->model_label =
        seer_arena_printf(rq->arena, "%s:%d", seer_model_name(*out), seer_model_version(*out));
    return 0;
}

static const char *state_name(enum seer_model_state s)
{
    switch (s) {
    case SEER_MODEL_LOADING: return "LOADING";
    case SEER_MODEL_AVAILABLE: return "AVAILABLE";
    default: return "END"; /* TF Serving's state for a version that failed to load */
    }
}

/* GET /v1/models: every model version (Seer's own listing; TF Serving has none). */
int seer__h_models(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_repo_entry *e = NULL;
    int n = 0, rc;
    cJSON *o = cJSON_CreateObject(), *arr;

    if (!o)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    arr = cJSON_AddArrayToObject(o, "models");
    if (rq->srv->repo) {
        rc = seer_repo_list(rq->srv->repo, rq->arena, &e, &n);
        if (rc) {
            cJSON_Delete(o);
            return seer_errf(&rq->err, rc, "cannot list models");
        }
    }
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        char ver[16];
        /* The default version of a name is its highest available one. */
        bool is_default = e[i].state == SEER_MODEL_AVAILABLE;
        for (int k = i + 1; k < n && !strcmp(e[k].name, e[i].name); k++)
            if (e[k].state == SEER_MODEL_AVAILABLE)
                is_default = false;
        snprintf(ver, sizeof(ver), "%d", e[i].version);
        cJSON_AddItemToArray(arr, m);
        cJSON_AddStringToObject(m, "name", e[i].name);
        cJSON_AddStringToObject(m, "version", ver);
        cJSON_AddStringToObject(m, "state", state_name(e[i].state));
        cJSON_AddBoolToObject(m, "default", is_default);
        cJSON_AddStringToObject(m, "format", e[i].format ? e[i].format : "");
        cJSON_AddStringToObject(m, "family", e[i].family ? e[i].family : "");
        cJSON_AddNumberToObject(m, "input_width", e[i].input_width);
        cJSON_AddNumberToObject(m, "input_height", e[i].input_height);
        if (e[i].error)
            cJSON_AddStringToObject(m, "error", e[i].error);
    }
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc;
}

/* GET /v1/models/{name}[/versions/{v}]: TF Serving's model status answer. */
int seer__h_model_status(struct seer_req *rq, struct seer_resp *rs)
{
    const char *name = rq->params[0];
    struct seer_repo_entry *e = NULL;
    int n = 0, v = 0, found = 0, rc;
    cJSON *o, *arr;

    rc = parse_version(rq, rq->n_params > 1 ? rq->params[1] : NULL, &v);
    if (rc)
        return rc;
    if (rq->srv->repo && (rc = seer_repo_list(rq->srv->repo, rq->arena, &e, &n)))
        return seer_errf(&rq->err, rc, "cannot list models");
    o = cJSON_CreateObject();
    if (!o)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    arr = cJSON_AddArrayToObject(o, "model_version_status");
    /* TF Serving lists the newest version first. */
    for (int i = n - 1; i >= 0; i--) {
        if (strcmp(e[i].name, name) || (v && e[i].version != v))
            continue;
        cJSON *s = cJSON_CreateObject(), *st;
        char ver[16];
        snprintf(ver, sizeof(ver), "%d", e[i].version);
        cJSON_AddItemToArray(arr, s);
        cJSON_AddStringToObject(s, "version", ver);
        cJSON_AddStringToObject(s, "state", state_name(e[i].state));
        st = cJSON_AddObjectToObject(s, "status");
        cJSON_AddStringToObject(st, "error_code",
                                e[i].state == SEER_MODEL_FAILED ? "UNKNOWN" : "OK");
        cJSON_AddStringToObject(st, "error_message", e[i].error ? e[i].error : "");
        found++;
    }
    if (!found) {
        cJSON_Delete(o);
        if (v)
            return seer_errf(&rq->err, SEER_ENOTFOUND, "model \"%.64s\" has no version %d", name,
                             v);
        return seer_errf(&rq->err, SEER_ENOTFOUND, "model \"%.64s\" not found", name);
    }
    rq->model_label = name;
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc;
}

/* One entry of a TF signature: {"dtype", "tensor_shape": {"dim": [...]}, "name"}. */
static void tensor_info(cJSON *parent, const char *key, const char *dtype, int rank,
                        const char *tname)
{
    cJSON *t = cJSON_AddObjectToObject(parent, key), *shape, *dims;

    cJSON_AddStringToObject(t, "dtype", dtype);
    shape = cJSON_AddObjectToObject(t, "tensor_shape");
    dims = cJSON_AddArrayToObject(shape, "dim");
    for (int i = 0; i < rank; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "size", i == 2 ? "4" : "-1");
        cJSON_AddStringToObject(d, "name", "");
        cJSON_AddItemToArray(dims, d);
    }
    cJSON_AddBoolToObject(shape, "unknown_rank", 0);
    cJSON_AddStringToObject(t, "name", tname);
}

/* GET /v1/models/{name}[/versions/{v}]/metadata: TF Serving's signature metadata for the
 * detection signature the :predict route implements, plus Seer's manifest. */
int seer__h_model_metadata(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_model *m = NULL;
    const struct seer_manifest *mf;
    cJSON *o, *spec, *sig, *def, *in, *outs, *seer, *labels;
    char ver[16];
    int rc;

    rc = seer__req_model(rq, rq->params[0], rq->n_params > 1 ? rq->params[1] : NULL, &m);
    if (rc)
        return rc;
    mf = seer_model_manifest(m);
    o = cJSON_CreateObject();
    if (!o) {
        seer_model_unref(m);
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    }
    snprintf(ver, sizeof(ver), "%d", seer_model_version(m));
    spec = cJSON_AddObjectToObject(o, "model_spec");
    cJSON_AddStringToObject(spec, "name", seer_model_name(m));
    cJSON_AddStringToObject(spec, "signature_name", "");
    cJSON_AddStringToObject(spec, "version", ver);
    sig = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "metadata"), "signature_def");
    sig = cJSON_AddObjectToObject(sig, "signature_def");
    if (mf && !strcmp(mf->family, "generic")) {
        /* A tensor model's own signatures (TF Serving's answer for a SavedModel). */
        seer__signatures_json(m, sig);
        goto seer_part;
    }
    def = cJSON_AddObjectToObject(sig, "serving_default");
    in = cJSON_AddObjectToObject(def, "inputs");
    tensor_info(in, "image_bytes", "DT_STRING", 1, "encoded_image_string_tensor:0");
    outs = cJSON_AddObjectToObject(def, "outputs");
    tensor_info(outs, "detection_boxes", "DT_FLOAT", 3, "detection_boxes:0");
    tensor_info(outs, "detection_scores", "DT_FLOAT", 2, "detection_scores:0");
    tensor_info(outs, "detection_classes", "DT_FLOAT", 2, "detection_classes:0");
    tensor_info(outs, "num_detections", "DT_FLOAT", 1, "num_detections:0");
    tensor_info(outs, "detection_class_names", "DT_STRING", 2, "detection_class_names:0");
    tensor_info(outs, "detection_boxes_px", "DT_FLOAT", 3, "detection_boxes_px:0");
    cJSON_AddStringToObject(def, "method_name", "tensorflow/serving/predict");
seer_part:
    seer = cJSON_AddObjectToObject(o, "seer");
    if (mf) {
        cJSON_AddStringToObject(seer, "format", mf->format ? mf->format : "");
        cJSON_AddStringToObject(seer, "family", mf->family ? mf->family : "");
        cJSON_AddNumberToObject(seer, "input_width", mf->input.width);
        cJSON_AddNumberToObject(seer, "input_height", mf->input.height);
        cJSON_AddNumberToObject(seer, "score_threshold", mf->score_threshold);
        cJSON_AddNumberToObject(seer, "iou_threshold", mf->iou_threshold);
        cJSON_AddNumberToObject(seer, "max_detections", mf->max_detections);
        cJSON_AddStringToObject(seer, "source", mf->source ? mf->source : "");
    }
    labels = cJSON_AddArrayToObject(seer, "labels");
    for (int i = 0; i < seer_model_n_labels(m); i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", seer_model_label(m, i) ? seer_model_label(m, i) : "");
        cJSON_AddNumberToObject(l, "id", seer_model_category_id(m, i));
        cJSON_AddItemToArray(labels, l);
    }
    seer_model_unref(m);
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc;
}
