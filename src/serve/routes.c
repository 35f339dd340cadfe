/* The route table, authentication of each request, and the one status → HTTP table. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "serve/auth.h"
#include "serve/http.h"
#include "serve/jobs.h"
#include "serve/serve.h"
#include "serve/tune_jobs.h"

/* Order matters only where patterns overlap: the first route whose pattern and method
 * match wins, so exact paths come before the catch-all static route. */
static const struct seer_route routes[] = {
    {"GET", "/healthz", NULL, seer__h_healthz, SEER_ROUTE_PUBLIC},
    {"GET", "/readyz", NULL, seer__h_readyz, 0},
    {"GET", "/metrics", NULL, seer__h_metrics, 0},
    /* The login page and what it loads are public: they hold no data. */
    {"GET", "/login", NULL, seer__h_login_page, SEER_ROUTE_PUBLIC},
    {"GET", "/app.css", NULL, seer__h_static, SEER_ROUTE_PUBLIC},
    {"GET", "/login.js", NULL, seer__h_static, SEER_ROUTE_PUBLIC},
    {"GET", "/favicon.svg", NULL, seer__h_static, SEER_ROUTE_PUBLIC},
    {"GET", "/favicon.ico", NULL, seer__h_static, SEER_ROUTE_PUBLIC},
    {"POST", "/login", NULL, seer__h_login, SEER_ROUTE_PUBLIC},
    {"POST", "/logout", NULL, seer__h_logout, 0},
    {"GET", "/v1/session", NULL, seer__h_session, 0},
    {"GET", "/v1/openapi.json", NULL, seer__h_openapi, 0},
    {"GET", "/v1/models", NULL, seer__h_models, 0},
    {"GET", "/v1/models/{}", NULL, seer__h_model_status, 0},
    {"GET", "/v1/models/{}/versions/{}", NULL, seer__h_model_status, 0},
    {"GET", "/v1/models/{}/metadata", NULL, seer__h_model_metadata, 0},
    {"GET", "/v1/models/{}/versions/{}/metadata", NULL, seer__h_model_metadata, 0},
    {"POST", "/v1/models/{}", ":predict", seer__h_predict, SEER_ROUTE_QUEUED},
    {"POST", "/v1/models/{}/versions/{}", ":predict", seer__h_predict, SEER_ROUTE_QUEUED},
    {"POST", "/v1/detect", NULL, seer__h_detect, SEER_ROUTE_QUEUED},
    /* Batch and tuning jobs share /v1/jobs; h_tune.c sends each request to its kind. */
    {"GET", "/v1/jobs", NULL, seer__h_jobs_any_list, 0},
    {"POST", "/v1/jobs", NULL, seer__h_jobs_any_create, 0},
    {"GET", "/v1/jobs/{}", NULL, seer__h_jobs_any_get, 0},
    {"POST", "/v1/jobs/{}", ":cancel", seer__h_jobs_any_cancel, 0},
    {"GET", "/v1/jobs/{}/results", NULL, seer__h_jobs_results, 0},
    {"GET", "/jobs", NULL, seer__h_jobs_page, SEER_ROUTE_PAGE},
    {"GET", "/tuning", NULL, seer__h_tuning_page, SEER_ROUTE_PAGE},
    {"GET", "/", NULL, seer__h_static, SEER_ROUTE_PAGE},
    {"GET", "/{}", NULL, seer__h_static, SEER_ROUTE_PAGE},
};

/* The one table from Seer status to HTTP status, with the TF Serving (gRPC) code a
 * TF Serving client would see for the same failure. */
static const struct {
    int rc, http;
    const char *grpc;
} status_map[] = {
    {SEER_OK, 200, "OK"},
    {SEER_EINVAL, 400, "INVALID_ARGUMENT"},
    {SEER_EFORMAT, 400, "INVALID_ARGUMENT"},
    {SEER_ELIMIT, 413, "RESOURCE_EXHAUSTED"},
    {SEER_EUNSUPPORTED, 422, "UNIMPLEMENTED"},
    {SEER_ENOTFOUND, 404, "NOT_FOUND"},
    {SEER_EBUSY, 503, "UNAVAILABLE"},
    {SEER_ENOMEM, 503, "RESOURCE_EXHAUSTED"},
};

int seer__status_http(int rc)
{
    for (size_t i = 0; i < sizeof(status_map) / sizeof(status_map[0]); i++)
        if (status_map[i].rc == rc)
            return status_map[i].http;
    return 500;
}

const char *seer__status_grpc(int rc)
{
    for (size_t i = 0; i < sizeof(status_map) / sizeof(status_map[0]); i++)
        if (status_map[i].rc == rc)
            return status_map[i].grpc;
    return "INTERNAL";
}

/* Matches path against pattern, capturing "{}" segments into rq->params. */
static bool match(const struct seer_route *r, struct seer_req *rq, const char *path)
{
    const char *p = r->pattern, *s = path;
    int n = 0;

    while (*p) {
        if (p[0] == '{' && p[1] == '}') {
            const char *e = strchr(s, '/');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            if (len == 0 || n == SEER_SERVE_MAX_PARAMS)
                return false;
            if (!p[2] && r->suffix) {
                size_t sl = strlen(r->suffix);
                if (e || len <= sl || strcmp(s + len - sl, r->suffix))
                    return false;
                len -= sl;
            }
            rq->params[n++] = seer_arena_strndup(rq->arena, s, len);
            if (!rq->params[n - 1])
                return false;
            s += e ? (size_t)(e - s) : strlen(s);
            p += 2;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*s)
        return false;
    rq->n_params = n;
    return true;
}

const struct seer_route *seer__route_match(struct seer_req *rq, bool *method_ok)
{
    const char *m = rq->method;

    *method_ok = false;
    /* HEAD is answered like GET (the transport drops the body). */
    if (!strcmp(m, "HEAD"))
        m = "GET";
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (!match(&routes[i], rq, rq->path))
            continue;
        if (strcmp(routes[i].method, m))
            continue;
        *method_ok = true;
        rq->route = routes[i].pattern;
        return &routes[i];
    }
    /* A second pass tells "no such path" (404) from "wrong method" (405). */
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (routes[i].fn != seer__h_static && match(&routes[i], rq, rq->path)) {
            rq->route = routes[i].pattern;
            return NULL;
        }
    }
    *method_ok = true;
    rq->n_params = 0;
    return NULL;
}

static bool unauthorized(struct seer_req *rq, struct seer_resp *rs, const char *msg,
                         const struct seer_route *r)
{
    if (r && (r->flags & SEER_ROUTE_PAGE)) {
        /* A person opening the page without a session is sent to the login form. */
        rs->status = 303;
        rs->type = "text/plain";
        rs->body = (const uint8_t *)"see /login";
        rs->len = 10;
        seer__resp_header(rq, rs, "Location", "/login");
        return false;
    }
    seer__resp_error(rq, rs, 401, msg);
    seer__resp_header(rq, rs, "WWW-Authenticate", "Bearer realm=\"seer\"");
    return false;
}

static bool throttled(struct seer_req *rq, struct seer_resp *rs, int64_t wait_ms)
{
    char secs[32];

    snprintf(secs, sizeof(secs), "%lld", (long long)((wait_ms + 999) / 1000));
    seer__resp_error(rq, rs, 429, "too many failed logins from this address; try again later");
    seer__resp_header(rq, rs, "Retry-After", secs);
    return false;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "Basic base64(user:password)": checks the password, throttled like the login form. */
static bool basic_auth(struct seer_req *rq, struct seer_resp *rs, const char *b64)
{
    struct seer_auth *auth = rq->srv->auth;
    struct seer_err e = {{0}};
    uint8_t *raw;
    size_t n;
    char *colon;
    bool ok = false;
    int64_t wait = seer_auth_throttle_wait_ms(auth, rq->client_ip, now_ms());

    if (wait > 0)
        return throttled(rq, rs, wait);
    if (seer__b64_decode(b64, strlen(b64), rq->arena, &raw, &n, &e) || n > 2048 ||
        memchr(raw, 0, n))
        return unauthorized(rq, rs, "malformed Basic credentials", NULL);
    raw[n] = 0; /* the decoder leaves room for a terminator */
    colon = strchr((char *)raw, ':');
    if (!colon)
        return unauthorized(rq, rs, "malformed Basic credentials", NULL);
    *colon = 0;
    if (seer_auth_password_check(auth, (char *)raw, colon + 1, &ok, &e) == 0 && ok) {
        seer_auth_throttle_ok(auth, rq->client_ip);
        rq->user = (const char *)raw;
        return true;
    }
    seer_auth_throttle_fail(auth, rq->client_ip, now_ms());
    return unauthorized(rq, rs, "wrong user name or password", NULL);
}

bool seer__route_authorize(const struct seer_route *r, struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_auth *auth = rq->srv->auth;
    const char *h = rq->authorization ? rq->authorization : "";
    const char *sid, *user = NULL, *csrf = NULL;

    if (r->flags & SEER_ROUTE_PUBLIC)
        return true;
    if (!auth)
        return unauthorized(rq, rs, "authentication is not configured", r);
    if (!strncasecmp(h, "Bearer ", 7)) {
        if (seer_auth_token_check(auth, h + 7, rq->arena, &user) != 0)
            return unauthorized(rq, rs, "invalid or revoked token", NULL);
        rq->user = user;
        return true;
    }
    if (!strncasecmp(h, "Basic ", 6))
        return basic_auth(rq, rs, h + 6);
    if (*h)
        return unauthorized(rq, rs, "unsupported Authorization scheme (use Bearer or Basic)", NULL);
    sid = seer__cookie_get(rq->cookie, "seer_session", rq->arena);
    if (!sid || seer_auth_session_get(auth, sid, (int64_t)time(NULL), rq->arena, &user, &csrf))
        return unauthorized(rq, rs, "log in first: no valid session, token or password", r);
    rq->user = user;
    rq->via_session = true;
    /* A page can be made to send the cookie by another site's form; only our own page
     * knows the session's CSRF token, so state changes must carry it. */
    if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") &&
        !seer_auth_str_eq(rq->csrf, csrf)) {
        seer__resp_error(rq, rs, 403, "missing or wrong X-CSRF-Token header");
        return false;
    }
    return true;
}

void seer__route_run(const struct seer_route *r, struct seer_req *rq, struct seer_resp *rs)
{
    int rc = r->fn(rq, rs);

    if (rc == 0 && rs->status)
        return;
    if (rc == 0)
        rc = seer_errf(&rq->err, SEER_EIO, "handler gave no answer");
    /* Headers a failing handler set stay out of the error answer, bar Retry-After. */
    rs->n_headers = 0;
    seer__resp_error(rq, rs, seer__status_http(rc),
                     rq->err.msg[0] ? rq->err.msg : seer_status_name(rc));
    if (rc == SEER_EBUSY || rc == SEER_ENOMEM)
        seer__resp_header(rq, rs, "Retry-After", "1");
}

void seer__route_handle(struct seer_req *rq, struct seer_resp *rs)
{
    bool method_ok;
    const struct seer_route *r = seer__route_match(rq, &method_ok);

    if (!r) {
        if (method_ok)
            seer__resp_error(rq, rs, 404, "no such path");
        else
            seer__resp_error(rq, rs, 405, "method not allowed on this path");
        return;
    }
    if (!seer__route_authorize(r, rq, rs))
        return;
    seer__route_run(r, rq, rs);
}
