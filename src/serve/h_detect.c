/*
 * POST /v1/detect?model=NAME[&version=V][&threshold=T] — the easy path for curl users and
 * the web page: the photo as the raw body or as multipart field "file"; the answer is
 * `seer detect --json`'s schema.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/arena.h"
#include "serve/http.h"
#include "serve/serve.h"

static double r6(double x)
{
    return round(x * 1e6) / 1e6;
}

/* "centernet" when it is available, else the first available model. */
static const char *default_model(struct seer_req *rq)
{
    struct seer_repo_entry *e = NULL;
    int n = 0;

    if (!rq->srv->repo || seer_repo_list(rq->srv->repo, rq->arena, &e, &n))
        return NULL;
    for (int i = 0; i < n; i++)
        if (e[i].state == SEER_MODEL_AVAILABLE && !strcmp(e[i].name, "centernet"))
            return e[i].name;
    for (int i = 0; i < n; i++)
        if (e[i].state == SEER_MODEL_AVAILABLE)
            return e[i].name;
    return NULL;
}

static int parse_threshold(struct seer_req *rq, const char *s, float *out)
{
    char *end = NULL;
    double v;

    if (!s)
        return 0;
    v = strtod(s, &end);
    if (!*s || *end || !(v >= 0.0 && v <= 1.0))
        return seer_errf(&rq->err, SEER_EINVAL, "threshold \"%.32s\" is not a number in [0, 1]", s);
    *out = (float)v;
    return 0;
}

int seer__h_detect(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_detect_opts opts = seer_detect_defaults();
    struct seer_model *m = NULL;
    struct seer_kv *kv = NULL;
    struct seer_dets d;
    const uint8_t *img = rq->body;
    size_t img_n = rq->body_len;
    const char *name, *filename = "";
    cJSON *o = NULL, *arr;
    int n_kv = 0, rc;

    rc = seer__query_parse(rq->query, strlen(rq->query), rq->arena, &kv, &n_kv, &rq->err);
    if (rc)
        goto out;
    rc = parse_threshold(rq, seer__kv_get(kv, n_kv, "threshold"), &opts.score_threshold);
    if (rc)
        goto out;
    name = seer__kv_get(kv, n_kv, "model");
    if (!name || !*name)
        name = default_model(rq);
    if (!name) {
        rc = seer_errf(&rq->err, SEER_ENOTFOUND, "no model is available");
        goto out;
    }
    rc = seer__req_model(rq, name, seer__kv_get(kv, n_kv, "version"), &m);
    if (rc)
        goto out;
    if (!strcmp(seer__ctype_media(rq->content_type, rq->arena), "multipart/form-data")) {
        rc = seer__multipart_find(rq->content_type, rq->body, rq->body_len, "file", rq->arena, &img,
                                  &img_n, &filename, &rq->err);
        if (rc == SEER_ENOTFOUND)
            rc = SEER_EINVAL; /* the path exists; the request lacks the field */
        if (rc)
            goto out;
    }
    if (img_n == 0) {
        rc = seer_errf(&rq->err, SEER_EINVAL,
                       "empty body: send the photo's bytes, or multipart field \"file\"");
        goto out;
    }
    rc = seer_detect_bytes(m, img, img_n, rq->srv->opts.max_pixels, &opts, rq->arena, &d, &rq->err);
    if (rc)
        goto out;
    rq->infer_ms += d.time_ms;
    o = cJSON_CreateObject();
    if (!o) {
        rc = seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddStringToObject(o, "image", filename);
    cJSON_AddNumberToObject(o, "width", d.width);
    cJSON_AddNumberToObject(o, "height", d.height);
    cJSON_AddStringToObject(o, "model", seer_model_name(m));
    cJSON_AddNumberToObject(o, "version", seer_model_version(m));
    cJSON_AddNumberToObject(o, "time_ms", round(d.time_ms * 100) / 100);
    arr = cJSON_AddArrayToObject(o, "detections");
    for (int i = 0; i < d.n; i++) {
        const struct seer_det *e = &d.d[i];
        double box[4] = {r6(e->box[0]), r6(e->box[1]), r6(e->box[2]), r6(e->box[3])};
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, x);
        cJSON_AddStringToObject(x, "label", e->label ? e->label : "");
        cJSON_AddNumberToObject(x, "category_id", e->category_id);
        cJSON_AddNumberToObject(x, "score", r6(e->score));
        cJSON_AddItemToObject(x, "box", cJSON_CreateDoubleArray(box, 4));
    }
    rc = seer__resp_json(rq, rs, 200, o);
out:
    cJSON_Delete(o);
    seer_model_unref(m);
    return rc;
}
