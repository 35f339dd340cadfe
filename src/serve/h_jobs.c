/*
 * The batch jobs API (Cloud ML Engine's projects.jobs, for prediction jobs) and the Jobs
 * page:
 *
 *   POST /v1/jobs                  {"jobId"?, "predictionInput": {...}} -> the job
 *   GET  /v1/jobs                  {"jobs": [...newest first], "roots": [...]}
 *   GET  /v1/jobs/{id}             the job: state, progress, times, output
 *   POST /v1/jobs/{id}:cancel      the job, CANCELLING or CANCELLED
 *   GET  /v1/jobs/{id}/results     a page of a finished job's result and error lines
 *   GET  /jobs                     the page
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "serve/assets.h"
#include "serve/http.h"
#include "serve/jobs.h"
#include "serve/serve.h"

#define LIST_MAX       200
#define PAGE_MAX       500
#define LINE_MAX_BYTES ((size_t)16 << 20)

static int jobs_of(struct seer_req *rq, struct seer_jobs **out)
{
    *out = rq->srv ? rq->srv->jobs : NULL;
    return *out ? SEER_OK
                : seer_errf(&rq->err, SEER_EUNSUPPORTED, "batch jobs are not enabled here");
}

/* Answers with a cJSON tree and frees it. */
static int answer(struct seer_req *rq, struct seer_resp *rs, cJSON *o)
{
    int rc = seer__resp_json(rq, rs, 200, o);

    cJSON_Delete(o);
    return rc;
}

int seer__h_jobs_create(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_jobs *j;
    cJSON *body = NULL, *job = NULL;
    const char *id = NULL;
    int rc;

    if ((rc = jobs_of(rq, &j)))
        return rc;
    rc = seer__http_json(rq->body, rq->body_len, &body, &rq->err);
    if (!rc)
        rc = seer__jobs_submit(j, rq->user, body, rq->arena, &id, &rq->err);
    if (!rc)
        rc = seer__jobs_get(j, id, &job, &rq->err);
    cJSON_Delete(body);
    return rc ? rc : answer(rq, rs, job);
}

int seer__h_jobs_list(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_jobs *j;
    cJSON *o = NULL;
    int rc;

    if ((rc = jobs_of(rq, &j)) || (rc = seer__jobs_list(j, LIST_MAX, &o, &rq->err)))
        return rc;
    return answer(rq, rs, o);
}

int seer__h_jobs_get(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_jobs *j;
    cJSON *o = NULL;
    int rc;

    if ((rc = jobs_of(rq, &j)) || (rc = seer__jobs_get(j, rq->params[0], &o, &rq->err)))
        return rc;
    return answer(rq, rs, o);
}

int seer__h_jobs_cancel(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_jobs *j;
    cJSON *o = NULL;
    int rc;

    if ((rc = jobs_of(rq, &j)) || (rc = seer__jobs_cancel(j, rq->params[0], &rq->err)) ||
        (rc = seer__jobs_get(j, rq->params[0], &o, &rq->err)))
        return rc;
    return answer(rq, rs, o);
}

/* One line of f into *buf (grown on the heap), without the newline. False at the end. */
static bool read_line(FILE *f, char **buf, size_t *cap, size_t *len, bool *too_long)
{
    int c;

    *len = 0;
    *too_long = false;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (*len + 2 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb;

            if (ncap > LINE_MAX_BYTES) {
                *too_long = true;
                continue;
            }
            if (!(nb = seer_realloc(*buf, ncap))) {
                *too_long = true;
                continue;
            }
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[(*len)++] = (char)c;
    }
    if (*buf)
        (*buf)[*len] = '\0';
    return c != EOF || *len > 0;
}

/* Lines [offset, offset + limit) of path as parsed JSON into arr; *total counts them all. */
static int page_lines(const char *path, long offset, long limit, cJSON *arr, long *total,
                      struct seer_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len;
    bool too_long;
    long n = 0;

    *total = 0;
    if (!f)
        return seer_errf(err, SEER_ENOTFOUND, "%s: no such results file", path);
    while (read_line(f, &buf, &cap, &len, &too_long)) {
        if (n >= offset && n < offset + limit) {
            cJSON *item = too_long ? NULL : cJSON_ParseWithLength(buf, len);

            cJSON_AddItemToArray(arr, item ? item : cJSON_CreateNull());
        }
        n++;
    }
    fclose(f);
    seer_free(buf);
    *total = n;
    return SEER_OK;
}

static long query_long(const struct seer_kv *kv, int n, const char *key, long def, long lo, long hi)
{
    const char *v = seer__kv_get(kv, n, key);
    char *end;
    long x;

    if (!v)
        return def;
    x = strtol(v, &end, 10);
    return *end || x < lo ? def : x > hi ? hi : x;
}

int seer__h_jobs_results(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_jobs *j;
    struct seer_kv *kv = NULL;
    const char *out = NULL, *state = NULL;
    cJSON *o = NULL, *res, *errs;
    char *rpath, *epath;
    long offset, limit, total = 0, etotal = 0;
    int n_kv = 0, rc;

    if ((rc = jobs_of(rq, &j)) ||
        (rc = seer__jobs_output(j, rq->params[0], rq->arena, &out, &state, &rq->err)) ||
        (rc = seer__query_parse(rq->query, strlen(rq->query), rq->arena, &kv, &n_kv, &rq->err)))
        return rc;
    if (strcmp(state, "SUCCEEDED") || !out)
        return seer_errf(&rq->err, SEER_ENOTFOUND, "job '%s' has no results yet (%s)",
                         rq->params[0], state);
    offset = query_long(kv, n_kv, "offset", 0, 0, 1L << 40);
    limit = query_long(kv, n_kv, "limit", 50, 1, PAGE_MAX);
    rpath = seer_arena_printf(rq->arena, "%s/prediction.results-00000-of-00001", out);
    epath = seer_arena_printf(rq->arena, "%s/prediction.errors_stats-00000-of-00001", out);
    o = cJSON_CreateObject();
    res = o ? cJSON_AddArrayToObject(o, "results") : NULL;
    errs = o ? cJSON_AddArrayToObject(o, "errors") : NULL;
    if (!rpath || !epath || !res || !errs) {
        cJSON_Delete(o);
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    }
    rc = page_lines(rpath, offset, limit, res, &total, &rq->err);
    if (!rc)
        rc = page_lines(epath, 0, PAGE_MAX, errs, &etotal, &rq->err);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    cJSON_AddNumberToObject(o, "offset", (double)offset);
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddNumberToObject(o, "errorTotal", (double)etotal);
    cJSON_AddStringToObject(o, "resultsFile", rpath);
    cJSON_AddStringToObject(o, "errorsFile", epath);
    return answer(rq, rs, o);
}

int seer__h_jobs_page(struct seer_req *rq, struct seer_resp *rs)
{
    for (const struct seer_asset *a = seer_assets; a->path; a++) {
        if (strcmp(a->path, "/jobs.html"))
            continue;
        rs->status = 200;
        rs->type = a->type;
        rs->body = a->data;
        rs->len = a->len;
        return seer__resp_header(rq, rs, "Cache-Control", "no-cache");
    }
    return seer_errf(&rq->err, SEER_ENOTFOUND, "no jobs page in this build");
}
