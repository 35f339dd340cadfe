/* GET /healthz, /readyz, /metrics, the embedded page and the OpenAPI file. */
#include <cjson/cJSON.h>
#include <string.h>

#include <seer/model.h>

#include "core/arena.h"
#include "serve/assets.h"
#include "serve/infer.h"
#include "serve/metrics.h"
#include "serve/serve.h"

/* GET /healthz: the process answers. No auth, no work. */
int seer__h_healthz(struct seer_req *rq, struct seer_resp *rs)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    return seer__resp_bytes(rq, rs, 200, "application/json", ok, sizeof(ok) - 1);
}

/* Counts available and failed model versions. */
static int count_models(struct seer_req *rq, int *avail, int *failed)
{
    struct seer_repo_entry *e = NULL;
    int n = 0, rc;

    *avail = *failed = 0;
    if (!rq->srv->repo)
        return 0;
    rc = seer_repo_list(rq->srv->repo, rq->arena, &e, &n);
    if (rc)
        return seer_errf(&rq->err, rc, "cannot list models");
    for (int i = 0; i < n; i++) {
        *avail += e[i].state == SEER_MODEL_AVAILABLE;
        *failed += e[i].state == SEER_MODEL_FAILED;
    }
    return 0;
}

/* GET /readyz: 200 once at least one model can serve, else 503. */
int seer__h_readyz(struct seer_req *rq, struct seer_resp *rs)
{
    int avail, failed, rc = count_models(rq, &avail, &failed);
    cJSON *o;

    if (rc)
        return rc;
    o = cJSON_CreateObject();
    if (!o)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    cJSON_AddStringToObject(o, "status", avail > 0 ? "ready" : "no model loaded");
    cJSON_AddNumberToObject(o, "models_available", avail);
    cJSON_AddNumberToObject(o, "models_failed", failed);
    rc = seer__resp_json(rq, rs, avail > 0 ? 200 : 503, o);
    cJSON_Delete(o);
    return rc;
}

/* GET /metrics: Prometheus text format. */
int seer__h_metrics(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_metrics_gauges g = {0};
    struct seer_server *s = rq->srv;
    char *text;
    size_t n;
    int rc;

    if (!s->metrics)
        return seer_errf(&rq->err, SEER_ENOTFOUND, "metrics are off");
    rc = count_models(rq, &g.models_loaded, &g.models_failed);
    if (rc)
        return rc;
    if (s->infer) {
        g.queue_depth = seer_infer_depth(s->infer);
        g.queue_capacity = seer_infer_capacity(s->infer);
        g.workers_busy = seer_infer_busy(s->infer);
    }
    g.in_flight = atomic_load(&s->in_flight);
    text = seer_metrics_render(s->metrics, &g, rq->arena, &n);
    if (!text)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory rendering metrics");
    rs->status = 200;
    rs->type = "text/plain; version=0.0.4; charset=utf-8";
    rs->body = (const uint8_t *)text;
    rs->len = n;
    return 0;
}

static int asset(struct seer_req *rq, struct seer_resp *rs, const char *path)
{
    for (const struct seer_asset *a = seer_assets; a->path; a++) {
        if (strcmp(a->path, path))
            continue;
        rs->status = 200;
        rs->type = a->type;
        rs->body = a->data; /* static: lives as long as the program */
        rs->len = a->len;
        /* The page changes only with the binary; revalidating is cheap and keeps an
         * upgraded server from running an old script. */
        return seer__resp_header(rq, rs, "Cache-Control", "no-cache");
    }
    return seer_errf(&rq->err, SEER_ENOTFOUND, "no file %s", path);
}

/* GET / and the page's files. */
int seer__h_static(struct seer_req *rq, struct seer_resp *rs)
{
    const char *p = rq->path;

    if (!strcmp(p, "/") || !strcmp(p, "/index.html"))
        return asset(rq, rs, "/index.html");
    if (!strcmp(p, "/favicon.ico")) /* what browsers ask for unprompted */
        return asset(rq, rs, "/favicon.svg");
    /* login.html is only reachable through /login, openapi.json through /v1. */
    if (!strcmp(p, "/login.html") || !strcmp(p, "/openapi.json"))
        return seer_errf(&rq->err, SEER_ENOTFOUND, "no file %s", p);
    return asset(rq, rs, p);
}

/* GET /login: the login form. */
int seer__h_login_page(struct seer_req *rq, struct seer_resp *rs)
{
    return asset(rq, rs, "/login.html");
}

/* GET /v1/openapi.json */
int seer__h_openapi(struct seer_req *rq, struct seer_resp *rs)
{
    return asset(rq, rs, "/openapi.json");
}
