/*
 * The jobs API for both kinds of job, and the Tuning page:
 *
 *   POST /v1/jobs              {"jobId"?, "trainingInput": {"hyperparameters": ...,
 *                              "pythonModule": TRAINER, "args"?}} -> the tuning job; the
 *                              same document as YAML with Content-Type application/yaml
 *                              (the trainer may then come as ?trainer=NAME); any other
 *                              body is a batch prediction job (h_jobs.c)
 *   GET  /v1/jobs              {"jobs": [both kinds, newest first], "roots", "trainers"}
 *   GET  /v1/jobs/{id}         a tuning job (Cloud ML Engine's Job with trainingOutput),
 *                              else the batch job
 *   POST /v1/jobs/{id}:cancel  the same dispatch
 *   GET  /tuning               the page
 *
 * Job ids are one namespace: a new job may not take the id of a job of the other kind.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "core/arena.h"
#include "serve/assets.h"
#include "serve/http.h"
#include "serve/jobs.h"
#include "serve/serve.h"
#include "serve/tune_jobs.h"
#include "tune/spec.h"

#define LIST_MAX         200
#define MAX_CONFIG_BYTES ((size_t)1 << 20)

static int answer(struct seer_req *rq, struct seer_resp *rs, cJSON *o)
{
    int rc = seer__resp_json(rq, rs, 200, o);

    cJSON_Delete(o);
    return rc;
}

static bool is_yaml(const char *media)
{
    return !strcmp(media, "application/yaml") || !strcmp(media, "application/x-yaml") ||
           !strcmp(media, "text/yaml") || !strcmp(media, "text/x-yaml");
}

/* Whether the other kind of job already has this id. */
static bool batch_has(struct seer_req *rq, const char *id)
{
    struct seer_err e = {{0}};
    cJSON *o = NULL;
    bool has = rq->srv->jobs && seer__jobs_get(rq->srv->jobs, id, &o, &e) == SEER_OK;

    cJSON_Delete(o);
    return has;
}

static bool tune_has(struct seer_req *rq, const char *id)
{
    struct seer_err e = {{0}};
    cJSON *o = NULL;
    bool has = rq->srv->tune && seer__tune_jobs_get(rq->srv->tune, id, &o, &e) == SEER_OK;

    cJSON_Delete(o);
    return has;
}

int seer__h_jobs_any_create(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_tune_jobs *t = rq->srv ? rq->srv->tune : NULL;
    const char *media = seer__ctype_media(rq->content_type, rq->arena);
    const char *p = (const char *)rq->body, *end = p + rq->body_len, *id = NULL, *trainer;
    struct seer_kv *kv = NULL;
    cJSON *root = NULL, *job = NULL;
    const cJSON *jid;
    int n_kv = 0, rc;

    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < end && *p == '{') {
        rc = seer__http_json(rq->body, rq->body_len, &root, &rq->err);
        if (rc)
            return rc;
    } else if (is_yaml(media)) {
        if (rq->body_len > MAX_CONFIG_BYTES)
            return seer_errf(&rq->err, SEER_ELIMIT, "a tuning config is at most %zu bytes",
                             MAX_CONFIG_BYTES);
        rc = seer__tune_doc_parse((const char *)rq->body, rq->body_len, &root, &rq->err);
        if (rc)
            return rc;
    }
    jid = cJSON_GetObjectItemCaseSensitive(root, "jobId");
    if (root && !cJSON_IsObject(root))
        jid = NULL;
    if (is_yaml(media) && !cJSON_GetObjectItemCaseSensitive(root, "trainingInput")) {
        cJSON_Delete(root);
        return seer_errf(&rq->err, SEER_EINVAL,
                         "trainingInput: required (a YAML body is a tuning job's config)");
    }
    if (!cJSON_GetObjectItemCaseSensitive(root, "trainingInput")) {
        rc =
            cJSON_IsString(jid) && tune_has(rq, jid->valuestring)
                ? seer_errf(&rq->err, SEER_EINVAL, "jobId: a job '%.128s' exists", jid->valuestring)
                : SEER_OK;
        cJSON_Delete(root);
        return rc ? rc : seer__h_jobs_create(rq, rs); /* a batch job, or its error */
    }
    if (!t) {
        rc = seer_errf(&rq->err, SEER_EUNSUPPORTED, "tuning jobs are not enabled here");
        goto out;
    }
    if (cJSON_IsString(jid) &&
        (batch_has(rq, jid->valuestring) || tune_has(rq, jid->valuestring))) {
        rc = seer_errf(&rq->err, SEER_EINVAL, "jobId: a job '%.128s' exists", jid->valuestring);
        goto out;
    }
    rc = seer__query_parse(rq->query, strlen(rq->query), rq->arena, &kv, &n_kv, &rq->err);
    if (rc)
        goto out;
    trainer = seer__kv_get(kv, n_kv, "trainer");
    rc = seer__tune_jobs_submit(t, rq->user, root, trainer, rq->arena, &id, &rq->err);
    if (!rc)
        rc = seer__tune_jobs_get(t, id, &job, &rq->err);
out:
    cJSON_Delete(root);
    return rc ? rc : answer(rq, rs, job);
}

static const char *create_time(const cJSON *job)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(job, "createTime");

    return cJSON_IsString(c) ? c->valuestring : "";
}

/* Merges the tuning jobs (oldest first in tune) into the batch list (newest first in
 * jobs), newest first, at most LIST_MAX. Both write times as RFC 3339 UTC seconds, which
 * order as strings. */
static int merge(cJSON *jobs, cJSON *tune, struct seer_err *err)
{
    cJSON *b = cJSON_CreateArray(), *x;
    int n = 0;

    if (!b)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    while ((x = cJSON_DetachItemFromArray(jobs, 0)))
        cJSON_AddItemToArray(b, x);
    for (;;) {
        cJSON *bh = cJSON_GetArrayItem(b, 0);
        int tn = cJSON_GetArraySize(tune);
        cJSON *th = tn ? cJSON_GetArrayItem(tune, tn - 1) : NULL;

        if (!bh && !th)
            break;
        if (th && (!bh || strcmp(create_time(th), create_time(bh)) >= 0))
            x = cJSON_DetachItemFromArray(tune, tn - 1);
        else
            x = cJSON_DetachItemFromArray(b, 0);
        if (n++ < LIST_MAX)
            cJSON_AddItemToArray(jobs, x);
        else
            cJSON_Delete(x);
    }
    cJSON_Delete(b);
    return SEER_OK;
}

int seer__h_jobs_any_list(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_tune_jobs *t = rq->srv ? rq->srv->tune : NULL;
    cJSON *o = NULL, *tune = NULL, *jobs, *names;
    int rc = SEER_OK;

    if (!t)
        return seer__h_jobs_list(rq, rs);
    if (rq->srv->jobs) {
        rc = seer__jobs_list(rq->srv->jobs, LIST_MAX, &o, &rq->err);
    } else if (!(o = cJSON_CreateObject()) || !cJSON_AddArrayToObject(o, "jobs") ||
               !cJSON_AddArrayToObject(o, "roots")) {
        rc = seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    }
    jobs = cJSON_GetObjectItemCaseSensitive(o, "jobs");
    if (!rc && !(tune = cJSON_CreateArray()))
        rc = seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    if (!rc)
        rc = seer__tune_jobs_list(t, tune, &rq->err);
    if (!rc)
        rc = merge(jobs, tune, &rq->err);
    if (!rc && !(names = cJSON_AddArrayToObject(o, "trainers")))
        rc = seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    if (!rc)
        rc = seer__tune_jobs_trainers(t, names, &rq->err);
    cJSON_Delete(tune);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    return answer(rq, rs, o);
}

int seer__h_jobs_any_get(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_tune_jobs *t = rq->srv ? rq->srv->tune : NULL;
    cJSON *o = NULL;
    int rc;

    if (t) {
        rc = seer__tune_jobs_get(t, rq->params[0], &o, &rq->err);
        if (rc != SEER_ENOTFOUND)
            return rc ? rc : answer(rq, rs, o);
        seer_err_clear(&rq->err);
    }
    return seer__h_jobs_get(rq, rs);
}

int seer__h_jobs_any_cancel(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_tune_jobs *t = rq->srv ? rq->srv->tune : NULL;
    cJSON *o = NULL;
    int rc;

    if (t) {
        rc = seer__tune_jobs_cancel(t, rq->params[0], &rq->err);
        if (!rc)
            rc = seer__tune_jobs_get(t, rq->params[0], &o, &rq->err);
        if (rc != SEER_ENOTFOUND)
            return rc ? rc : answer(rq, rs, o);
        seer_err_clear(&rq->err);
    }
    return seer__h_jobs_cancel(rq, rs);
}

int seer__h_tuning_page(struct seer_req *rq, struct seer_resp *rs)
{
    for (const struct seer_asset *a = seer_assets; a->path; a++) {
        if (strcmp(a->path, "/tuning.html"))
            continue;
        rs->status = 200;
        rs->type = a->type;
        rs->body = a->data;
        rs->len = a->len;
        return seer__resp_header(rq, rs, "Cache-Control", "no-cache");
    }
    return seer_errf(&rq->err, SEER_ENOTFOUND, "no tuning page in this build");
}
