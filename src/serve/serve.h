/*
 * The HTTP server's internals: requests, responses, handlers and the server context.
 *
 * No libmicrohttpd type appears here: server.c (the only file that includes
 * microhttpd.h) turns a connection into a struct seer_req, and a handler turns that into a
 * struct seer_resp. Handlers are plain functions, so tests call them without a socket.
 *
 * Ownership: a request owns its arena (created on the first MHD callback, freed when the
 * connection reports the request completed); everything a handler allocates for the
 * response lives in rq->arena. The server context (struct seer_server) is borrowed by
 * every request and outlives them all.
 */
#ifndef SEER_SERVE_H
#define SEER_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

struct seer_arena;
struct seer_repo;
struct seer_model;
struct seer_auth;
struct seer_metrics;
struct seer_infer;
struct seer_jobs;
struct seer_tune_jobs;

#define SEER_SERVE_MAX_PARAMS  4
#define SEER_SERVE_MAX_HEADERS 8

/* The configuration of one server; every field has a default (seer__serve_opts_init). */
struct seer_serve_opts {
    int port;               /* 8080 */
    const char *bind;       /* NULL: every address */
    const char *models_dir; /* "./models" */
    const char *state_dir;  /* "./state" */
    int n_workers;          /* inference workers; 0: one per 4 cores (at least 1) */
    int model_threads;      /* threads per inference; 0: the cores shared among workers */
    int queue_len;          /* waiting inference requests; 0: 4 per worker */
    size_t max_body_bytes;  /* 20 MB */
    int64_t max_pixels;     /* decoded pixel limit per photo; 0: the image module's */
    int max_instances;      /* instances per :predict call (64) */
    int scan_interval_ms;   /* model folder rescan period (2000; 0 disables) */
    const char *tls_cert;   /* PEM files; both or neither */
    const char *tls_key;
    const char *job_roots[16]; /* where batch jobs may read and write; none: state/jobs */
    int n_job_roots;
    const char *tune_trainers[16]; /* "NAME=COMMAND": what tuning jobs may run */
    int n_tune_trainers;
};

/* What a request carries, as the transport saw it. Strings are NUL-terminated and
 * borrowed (valid until the request completes). */
struct seer_req {
    const char *method;        /* "GET", "POST", ... */
    const char *path;          /* percent-decoded path without the query */
    const char *query;         /* raw query string ("" when none) */
    const char *content_type;  /* "" when none */
    const char *authorization; /* the Authorization header or "" */
    const char *cookie;        /* the Cookie header or "" */
    const char *csrf;          /* the X-CSRF-Token header or "" */
    const char *accept;        /* the Accept header or "" */
    const char *request_id;    /* echoed as X-Request-Id */
    const char *client_ip;     /* for throttling and the access log */
    bool tls;                  /* came over HTTPS */
    const uint8_t *body;       /* the whole body (NUL after it); borrowed */
    size_t body_len;
    struct seer_arena *arena; /* the request arena */
    struct seer_server *srv;  /* borrowed */

    /* Filled by routing. */
    const char *params[SEER_SERVE_MAX_PARAMS]; /* path captures, in pattern order */
    int n_params;
    const char *route;       /* the matching pattern (metrics label) */
    const char *user;        /* authenticated user name, NULL when anonymous */
    bool via_session;        /* authenticated by the session cookie (CSRF applies) */
    const char *model_label; /* "name:version" once a model is resolved (metrics) */
    double infer_ms;         /* model time, for the inference histogram (0: none) */
    struct seer_err err;     /* a failing handler's message */
};

struct seer_resp {
    int status;          /* HTTP status; 0 means "from the handler's return code" */
    const char *type;    /* Content-Type */
    const uint8_t *body; /* borrowed: the request arena or static data */
    size_t len;
    struct {
        const char *name, *value;
    } headers[SEER_SERVE_MAX_HEADERS];
    int n_headers;
};

typedef int (*seer_handler_fn)(struct seer_req *rq, struct seer_resp *rs);

/* Route flags. */
enum {
    SEER_ROUTE_PUBLIC = 1, /* no authentication (only /healthz and the login page) */
    SEER_ROUTE_QUEUED = 2, /* runs on an inference worker, never on a network thread */
    SEER_ROUTE_PAGE = 4,   /* an HTML page: anonymous users are sent to /login */
};

struct seer_route {
    const char *method;
    const char *pattern; /* "/v1/models/{}/versions/{}/metadata"; "{}" = one segment */
    const char *suffix;  /* required ending of the last capture (":predict") or NULL */
    seer_handler_fn fn;
    int flags;
};

/* The server context shared by every request. */
struct seer_server {
    struct seer_serve_opts opts;
    struct seer_repo *repo;       /* may be NULL in tests: model routes answer 404 */
    struct seer_auth *auth;       /* may be NULL only in tests of public routes */
    struct seer_metrics *metrics; /* may be NULL */
    struct seer_infer *infer;     /* the inference queue; NULL runs handlers inline */
    bool tls;
    atomic_int in_flight;        /* requests between first byte and answer */
    struct seer_jobs *jobs;      /* batch jobs (jobs.h); NULL: the jobs API answers 422 */
    struct seer_tune_jobs *tune; /* tuning jobs (tune_jobs.h); NULL: none */
};

/* ---- routes.c ---- */

/* The route for method and path, filling rq->params/route; NULL when none matches.
 * *method_ok is false when the path exists but not for this method (405). */
const struct seer_route *seer__route_match(struct seer_req *rq, bool *method_ok);
/* Authenticates rq for route r (fills rq->user) and writes a 401/403/429 answer into
 * rs when it fails. Returns true when the handler may run. */
bool seer__route_authorize(const struct seer_route *r, struct seer_req *rq, struct seer_resp *rs);
/* Runs r's handler and turns a failing status into the JSON error answer. */
void seer__route_run(const struct seer_route *r, struct seer_req *rq, struct seer_resp *rs);
/* The whole pipeline for one request: match, authorize, run (inline), 404/405. */
void seer__route_handle(struct seer_req *rq, struct seer_resp *rs);
/* HTTP status for a Seer status code (the one table), and its TF Serving code name. */
int seer__status_http(int rc);
const char *seer__status_grpc(int rc);

/* ---- resp.c: building answers in the request arena ---- */

int seer__resp_bytes(struct seer_req *rq, struct seer_resp *rs, int status, const char *type,
                     const void *p, size_t n);
/* Prints a cJSON tree (not freed) as the body. */
int seer__resp_json(struct seer_req *rq, struct seer_resp *rs, int status, const void *cjson);
/* {"error": msg} with the given HTTP status. */
int seer__resp_error(struct seer_req *rq, struct seer_resp *rs, int status, const char *msg);
/* Adds a header (name and value are copied into the arena). */
int seer__resp_header(struct seer_req *rq, struct seer_resp *rs, const char *name,
                      const char *value);
/* The value of a response header, or NULL. */
const char *seer__resp_get_header(const struct seer_resp *rs, const char *name);

/* ---- models (h_models.c) ---- */

/* A referenced model for name and an optional version string (NULL or "" = latest);
 * sets rq->model_label. ENOTFOUND/EINVAL with a message in rq->err. */
int seer__req_model(struct seer_req *rq, const char *name, const char *version,
                    struct seer_model **out);

/* ---- :predict request parsing (h_predict.c) ---- */

struct cJSON;
struct seer_instance {
    uint8_t *p; /* decoded image bytes, in the request arena */
    size_t n;
    const struct cJSON *key; /* the instance's "key" (echoed), borrowed from the JSON */
};

/* The image instances of a parsed :predict body, row ({"instances"}) or columnar
 * ({"inputs"}); base64 decoded into rq->arena. EINVAL/EFORMAT/ELIMIT name the instance. */
int seer__predict_parse(struct seer_req *rq, const struct cJSON *req, bool *columnar,
                        struct seer_instance **out, int *n_out);

/* ---- handlers (h_*.c) ---- */

int seer__h_healthz(struct seer_req *rq, struct seer_resp *rs);
int seer__h_readyz(struct seer_req *rq, struct seer_resp *rs);
int seer__h_metrics(struct seer_req *rq, struct seer_resp *rs);
int seer__h_static(struct seer_req *rq, struct seer_resp *rs);
int seer__h_login_page(struct seer_req *rq, struct seer_resp *rs);
int seer__h_openapi(struct seer_req *rq, struct seer_resp *rs);
int seer__h_login(struct seer_req *rq, struct seer_resp *rs);
int seer__h_logout(struct seer_req *rq, struct seer_resp *rs);
int seer__h_session(struct seer_req *rq, struct seer_resp *rs);
int seer__h_models(struct seer_req *rq, struct seer_resp *rs);
int seer__h_model_status(struct seer_req *rq, struct seer_resp *rs);
int seer__h_model_metadata(struct seer_req *rq, struct seer_resp *rs);
int seer__h_predict(struct seer_req *rq, struct seer_resp *rs);
int seer__h_detect(struct seer_req *rq, struct seer_resp *rs);

/* ---- the server (server.c) ---- */

void seer__serve_opts_init(struct seer_serve_opts *o);
/* Runs the server until SIGTERM/SIGINT (drains, returns 0). SIGHUP rescans models. */
int seer_serve_run(const struct seer_serve_opts *o, struct seer_err *err);

#endif /* SEER_SERVE_H */
