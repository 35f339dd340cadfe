/*
 * The HTTP transport: the only file that includes microhttpd.h.
 *
 * libmicrohttpd runs its own pool of network threads (epoll). For each request this file
 * collects the body up to the limit, builds a struct seer_req in a request arena (made on
 * the first callback, freed when MHD reports the request completed), and dispatches
 * through routes.c. Inference routes are suspended and handed to the inference queue, so
 * network threads never wait for a model; the worker resumes the connection with the
 * answer ready. The main thread waits for signals: SIGHUP rescans the model folder,
 * SIGTERM/SIGINT stop accepting, drain requests in flight, and return 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/log.h"
#include "core/threadpool.h"
#include "serve/auth.h"
#include "serve/infer.h"
#include "serve/jobs.h"
#include "serve/metrics.h"
#include "serve/serve.h"
#include "serve/tune_jobs.h"

enum conn_state { ST_RECV, ST_QUEUED, ST_DONE };

struct conn {
    struct seer_server *srv;
    struct MHD_Connection *mc;
    struct seer_arena *arena;
    uint8_t *body; /* owned (seer_malloc), NUL-terminated */
    size_t len, cap;
    bool too_big, answered;
    enum conn_state state;
    const struct seer_route *route;
    struct timespec t0;
    struct seer_req rq;
    struct seer_resp rs;
};

void seer__serve_opts_init(struct seer_serve_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->port = 8080;
    o->models_dir = "./models";
    o->state_dir = "./state";
    o->max_body_bytes = 20u << 20;
    o->max_instances = 64;
    o->scan_interval_ms = 2000;
}

static double since_s(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static const char *header(struct conn *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, name);
    return v ? v : "";
}

/* The client's X-Request-Id when it is short and plain, else a fresh random one. */
static const char *request_id(struct conn *c)
{
    const char *id = header(c, "X-Request-Id");
    size_t n = strlen(id);
    uint8_t r[8];
    char *hex;

    if (n > 0 && n <= 64 &&
        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-") == n)
        return id;
    randombytes_buf(r, sizeof(r));
    hex = seer_arena_alloc(c->arena, 2 * sizeof(r) + 1);
    if (!hex)
        return "-";
    sodium_bin2hex(hex, 2 * sizeof(r) + 1, r, sizeof(r));
    return hex;
}

static const char *client_ip(struct conn *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c->mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char *buf = seer_arena_alloc(c->arena, INET6_ADDRSTRLEN);

    if (!ci || !ci->client_addr || !buf)
        return "?";
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
                  INET6_ADDRSTRLEN);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
                  INET6_ADDRSTRLEN);
    else
        return "?";
    return buf;
}

/* MHD hands out the query already split and decoded; it is re-encoded here so the route
 * handlers parse one raw form with the same bounded parser as a form body. */
struct qbuf {
    struct conn *c;
    char *p;
    size_t n, cap;
    bool over;
};

static void qput(struct qbuf *q, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (q->n + 4 >= q->cap) {
            q->over = true;
            return;
        }
        if (plain) {
            q->p[q->n++] = (char)ch;
        } else {
            q->p[q->n++] = '%';
            q->p[q->n++] = hex[ch >> 4];
            q->p[q->n++] = hex[ch & 15];
        }
    }
}

static enum MHD_Result query_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct qbuf *q = cls;

    (void)kind;
    if (q->n && q->n + 1 < q->cap)
        q->p[q->n++] = '&';
    qput(q, key);
    if (value) {
        if (q->n + 1 < q->cap)
            q->p[q->n++] = '=';
        qput(q, value);
    }
    q->p[q->n] = 0;
    return q->over ? MHD_NO : MHD_YES;
}

static void fill_request(struct conn *c, const char *url, const char *method)
{
    struct seer_req *rq = &c->rq;
    struct qbuf q = {c, seer_arena_alloc(c->arena, 8192 + 1), 0, 8192, false};

    rq->method = seer_arena_strdup(c->arena, method);
    rq->path = seer_arena_strdup(c->arena, url);
    if (q.p) {
        q.p[0] = 0;
        MHD_get_connection_values(c->mc, MHD_GET_ARGUMENT_KIND, query_kv, &q);
    }
    /* An over-long query becomes one long enough to fail the parser's limit. */
    rq->query = q.p && !q.over ? q.p
                               : "x="
                                 "\x01";
    rq->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    rq->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    rq->cookie = header(c, MHD_HTTP_HEADER_COOKIE);
    rq->csrf = header(c, "X-CSRF-Token");
    rq->accept = header(c, MHD_HTTP_HEADER_ACCEPT);
    rq->request_id = request_id(c);
    rq->client_ip = client_ip(c);
    rq->tls = c->srv->tls;
    rq->body = c->body ? c->body : (const uint8_t *)"";
    rq->body_len = c->len;
    rq->arena = c->arena;
    rq->srv = c->srv;
    if (!rq->method || !rq->path)
        rq->method = rq->path = "";
}

static enum MHD_Result send_answer(struct conn *c)
{
    struct seer_resp *rs = &c->rs;
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (!rs->status)
        seer__resp_error(&c->rq, rs, 500, "no answer");
    /* The body lives in the request arena (or static data), which outlives the response:
     * the arena is freed only when MHD reports the request completed. */
    r = MHD_create_response_from_buffer(rs->len, (void *)rs->body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->type ? rs->type : "application/octet-stream");
    MHD_add_response_header(r, "X-Request-Id", c->rq.request_id ? c->rq.request_id : "-");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; "
                            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                            "form-action 'self'");
    if (c->srv->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    for (int i = 0; i < rs->n_headers; i++)
        MHD_add_response_header(r, rs->headers[i].name, rs->headers[i].value);
    ret = MHD_queue_response(c->mc, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    c->answered = true;
    return ret;
}

/* The 413 answer for a body over the limit. */
static enum MHD_Result too_big(struct conn *c, const char *url, const char *method)
{
    char msg[96];

    fill_request(c, url, method);
    snprintf(msg, sizeof(msg), "request body over the limit of %zu bytes",
             c->srv->opts.max_body_bytes);
    seer__resp_error(&c->rq, &c->rs, 413, msg);
    return send_answer(c);
}

/* Runs on an inference worker: the handler, then wake the connection. */
static void run_queued(void *arg)
{
    struct conn *c = arg;

    seer__route_run(c->route, &c->rq, &c->rs);
    c->state = ST_DONE;
    MHD_resume_connection(c->mc);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct seer_server *srv = cls;
    struct conn *c = *con_cls;
    size_t max = srv->opts.max_body_bytes;

    (void)version;
    if (!c) {
        const char *cl;
        c = seer_calloc(1, sizeof(*c));
        if (!c)
            return MHD_NO;
        c->srv = srv;
        c->mc = mc;
        c->arena = seer_arena_new(64 * 1024);
        if (!c->arena) {
            seer_free(c);
            return MHD_NO;
        }
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = c;
        cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > max) {
            /* Answer before the body is sent: a client that asked "Expect: 100-continue"
             * never uploads it, and MHD closes the connection after this answer. */
            c->too_big = true;
            return too_big(c, url, method);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (c->too_big)
            return MHD_YES; /* discard: the 413 goes out (or went out) without it */
        if (c->len + n > max) {
            c->too_big = true;
            seer_free(c->body);
            c->body = NULL;
            c->len = c->cap = 0;
            return MHD_YES;
        }
        if (c->len + n + 1 > c->cap) {
            size_t cap = c->cap ? c->cap : 64 * 1024;
            while (cap < c->len + n + 1)
                cap *= 2;
            uint8_t *nb = seer_realloc(c->body, cap);
            if (!nb)
                return MHD_NO;
            c->body = nb;
            c->cap = cap;
        }
        memcpy(c->body + c->len, upload_data, n);
        c->len += n;
        c->body[c->len] = 0;
        return MHD_YES;
    }
    if (c->state == ST_DONE)
        return send_answer(c);
    if (c->state == ST_QUEUED)
        return MHD_YES;
    if (c->answered)
        return MHD_YES; /* the early 413 is on its way */
    if (c->too_big)
        return too_big(c, url, method);
    fill_request(c, url, method);
    bool method_ok;
    c->route = seer__route_match(&c->rq, &method_ok);
    if (!c->route) {
        seer__resp_error(&c->rq, &c->rs, method_ok ? 404 : 405,
                         method_ok ? "no such path" : "method not allowed on this path");
        return send_answer(c);
    }
    if (!seer__route_authorize(c->route, &c->rq, &c->rs))
        return send_answer(c);
    if ((c->route->flags & SEER_ROUTE_QUEUED) && srv->infer) {
        /* Suspend before queueing so the worker's resume can never come first. */
        c->state = ST_QUEUED;
        MHD_suspend_connection(mc);
        if (seer_infer_submit(srv->infer, run_queued, c) != 0) {
            seer__resp_error(&c->rq, &c->rs, 503, "server busy: inference queue is full");
            seer__resp_header(&c->rq, &c->rs, "Retry-After", "1");
            c->state = ST_DONE;
            MHD_resume_connection(mc);
        }
        return MHD_YES;
    }
    seer__route_run(c->route, &c->rq, &c->rs);
    return send_answer(c);
}

/* Writes s to the log with control characters and quotes made harmless. */
static void log_safe(char *dst, size_t cap, const char *s)
{
    size_t j = 0;

    for (; s && *s && j + 1 < cap; s++)
        dst[j++] = ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f) ? '?' : *s;
    dst[j] = 0;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct seer_server *srv = cls;
    struct conn *c = *con_cls;
    char path[256];
    double s;

    (void)mc;
    if (!c)
        return;
    s = since_s(&c->t0);
    if (c->rq.method) {
        int status = c->answered ? c->rs.status : 0;
        log_safe(path, sizeof(path), c->rq.path);
        seer_log_info("access id=%s ip=%s user=%s \"%s %s\" %d %zu %.1fms%s",
                      c->rq.request_id ? c->rq.request_id : "-",
                      c->rq.client_ip ? c->rq.client_ip : "?", c->rq.user ? c->rq.user : "-",
                      c->rq.method, path, status, c->answered ? c->rs.len : 0, s * 1000,
                      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
        seer_metrics_request(srv->metrics, c->rq.route, c->rq.model_label, status, s);
        if (c->rq.infer_ms > 0)
            seer_metrics_inference(srv->metrics, c->rq.model_label, c->rq.infer_ms / 1000);
    }
    atomic_fetch_sub(&srv->in_flight, 1);
    seer_free(c->body);
    seer_arena_free(c->arena);
    seer_free(c);
    *con_cls = NULL;
}

/* ---- model folder watcher ---- */

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv = PTHREAD_COND_INITIALIZER;
static bool watch_stop, watch_now;

static void *watcher(void *arg)
{
    struct seer_server *srv = arg;
    int interval = srv->opts.scan_interval_ms;

    pthread_mutex_lock(&watch_mu);
    while (!watch_stop) {
        if (!watch_now) {
            if (interval > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += interval / 1000;
                ts.tv_nsec += (long)(interval % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&watch_cv, &watch_mu, &ts);
            } else {
                pthread_cond_wait(&watch_cv, &watch_mu);
            }
        }
        if (watch_stop)
            break;
        bool forced = watch_now;
        watch_now = false;
        pthread_mutex_unlock(&watch_mu);
        /* Loading runs here, off the request path; the repository swaps the new version
         * in atomically and in-flight requests keep their reference to the old one. */
        struct seer_err e = {{0}};
        int rc = seer_repo_scan(srv->repo, &e);
        if (rc < 0)
            seer_log_warn("models: rescan failed: %s", e.msg);
        else if (rc > 0 || forced)
            seer_log_info("models: rescan done, %d change(s)", rc);
        pthread_mutex_lock(&watch_mu);
    }
    pthread_mutex_unlock(&watch_mu);
    return NULL;
}

static void watch_signal(bool stop)
{
    pthread_mutex_lock(&watch_mu);
    if (stop)
        watch_stop = true;
    else
        watch_now = true;
    pthread_cond_broadcast(&watch_cv);
    pthread_mutex_unlock(&watch_mu);
}

/* ---- start and stop ---- */

static int listen_addr(const char *bind, int port, struct sockaddr_storage *ss, bool *v6,
                       struct seer_err *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    char ps[16];
    int g;

    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof(ps), "%d", port);
    g = getaddrinfo(bind, ps, &hints, &res);
    if (g != 0 || !res)
        return seer_errf(err, SEER_EINVAL, "--bind %s: not a numeric IPv4/IPv6 address (%s)", bind,
                         gai_strerror(g));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

static int wait_signal(sigset_t *set)
{
    int sig = 0;
    if (sigwait(set, &sig) != 0)
        return SIGTERM;
    return sig;
}

int seer_serve_run(const struct seer_serve_opts *o, struct seer_err *err)
{
    struct seer_server *srv = NULL;
    struct MHD_Daemon *d = NULL;
    struct seer_model_opts mo = {0};
    uint8_t *cert = NULL, *key = NULL;
    size_t n;
    struct sockaddr_storage ss;
    bool v6 = false, have_watcher = false;
    pthread_t wt;
    sigset_t set;
    unsigned flags;
    int workers, pool, rc = 0;
    char pw[64];
    bool created = false;

    srv = seer_calloc(1, sizeof(*srv));
    if (!srv)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    srv->opts = *o;
    /* Signals go to the main thread only: block them before any thread starts. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = seer_auth_open(o->state_dir, &srv->auth, err);
    if (rc)
        goto out;
    rc = seer_auth_bootstrap(srv->auth, pw, sizeof(pw), &created, err);
    if (rc)
        goto out;
    if (created) {
        /* Shown once, on the terminal or in the journal; only the hash is stored. */
        fprintf(stderr,
                "seer: first start: created user \"admin\" with password: %s\n"
                "seer: (shown only this once; change it with: seer user passwd admin)\n",
                pw);
        fflush(stderr);
        sodium_memzero(pw, sizeof(pw));
    }
    srv->metrics = seer_metrics_new();
    if (!srv->metrics) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }

    /* Measured on 2 cores with CenterNet (see README): one worker running each photo on
     * both cores beat two single-threaded workers in throughput, so the
     * default gives each worker about four cores and splits the machine between them. */
    workers =
        o->n_workers > 0 ? o->n_workers : (seer_cpu_count() / 4 > 1 ? seer_cpu_count() / 4 : 1);
    mo.n_threads = o->model_threads > 0
                       ? o->model_threads
                       : (seer_cpu_count() / workers > 1 ? seer_cpu_count() / workers : 1);
    if (mkdir(o->models_dir, 0755) != 0 && errno != EEXIST)
        seer_log_warn("models: cannot create %s: %s", o->models_dir, strerror(errno));
    rc = seer_repo_open(o->models_dir, &mo, &srv->repo, err);
    if (rc)
        goto out;
    {
        struct seer_arena *a = seer_arena_new(4096);
        struct seer_repo_entry *e = NULL;
        int ne = 0;
        if (a && seer_repo_list(srv->repo, a, &e, &ne) == 0) {
            for (int i = 0; i < ne; i++)
                seer_log_info("models: %s version %d %s%s%s", e[i].name, e[i].version,
                              e[i].state == SEER_MODEL_AVAILABLE ? "available" : "failed",
                              e[i].error ? ": " : "", e[i].error ? e[i].error : "");
            if (ne == 0)
                seer_log_warn("models: none in %s yet (add models/<name>/<version>/)",
                              o->models_dir);
        }
        seer_arena_free(a);
    }
    srv->infer = seer_infer_new(workers, o->queue_len > 0 ? o->queue_len : 4 * workers);
    if (!srv->infer) {
        rc = seer_errf(err, SEER_ENOMEM, "cannot start inference workers");
        goto out;
    }
    /* Batch jobs: a job left running by the last stop resumes now. */
    rc = seer__jobs_start(srv, &srv->jobs, err);
    if (rc)
        goto out;
    /* Tuning jobs: likewise, a study left running resumes now. */
    rc = seer__tune_jobs_start(o, &srv->tune, err);
    if (rc)
        goto out;

    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (o->tls_cert || o->tls_key) {
        if (!o->tls_cert || !o->tls_key) {
            rc = seer_errf(err, SEER_EINVAL, "--tls-cert and --tls-key go together");
            goto out;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = seer_errf(err, SEER_EUNSUPPORTED, "this libmicrohttpd has no TLS support");
            goto out;
        }
        rc = seer_file_read(o->tls_cert, 1 << 20, &cert, &n, err);
        if (!rc)
            rc = seer_file_read(o->tls_key, 1 << 20, &key, &n, err);
        if (rc)
            goto out;
        flags |= MHD_USE_TLS;
        srv->tls = true;
    }
    if (o->bind) {
        rc = listen_addr(o->bind, o->port, &ss, &v6, err);
        if (rc)
            goto out;
        if (v6)
            flags |= MHD_USE_IPv6;
    }
    /* Network threads only parse and answer; two per core is plenty since none of them
     * ever waits for a model. */
    pool = 2 * seer_cpu_count();
    {
        struct MHD_OptionItem opts[10];
        int k = 0;
        opts[k++] =
            (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, pool, NULL};
        /* Slow or stuck clients are cut off; they never hold a worker anyway. */
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 512, NULL};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, 128, NULL};
        if (srv->tls) {
            opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
            opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
        }
        if (o->bind)
            opts[k++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
        opts[k] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, srv,
                             MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    }
    if (!d) {
        rc = seer_errf(err, SEER_EIO, "cannot listen on %s port %d (in use? no permission?)",
                       o->bind ? o->bind : "*", o->port);
        goto out;
    }
    {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        int port = di ? di->port : o->port;
        seer_log_info("listening on %s://%s:%d/ (%d inference worker(s), %d thread(s) each, "
                      "%d network threads, body limit %zu bytes)",
                      srv->tls ? "https" : "http", o->bind ? o->bind : "0.0.0.0", port, workers,
                      mo.n_threads, pool, o->max_body_bytes);
    }
    watch_stop = watch_now = false;
    if (pthread_create(&wt, NULL, watcher, srv) == 0)
        have_watcher = true;

    for (;;) {
        int sig = wait_signal(&set);
        if (sig == SIGHUP) {
            seer_log_info("SIGHUP: rescanning %s", o->models_dir);
            watch_signal(false);
            continue;
        }
        seer_log_info("%s: draining requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    MHD_quiesce_daemon(d);
    for (int i = 0; i < 300 && atomic_load(&srv->in_flight) > 0; i++) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&srv->in_flight) > 0)
        seer_log_warn("stopping with %d request(s) still in flight after 30 s",
                      atomic_load(&srv->in_flight));
out:
    /* Workers finish first, while the daemon they resume connections on still exists;
     * a request arriving meanwhile finds the queue closed and gets a 503. */
    seer_infer_stop(srv->infer);
    if (d)
        MHD_stop_daemon(d);
    /* After the daemon, so no handler can still reach it. A running job commits what it
     * finished and stays RUNNING for the next start. */
    seer__jobs_stop(srv->jobs);
    srv->jobs = NULL;
    seer__tune_jobs_stop(srv->tune); /* kills the running trials; the study resumes later */
    srv->tune = NULL;
    if (have_watcher) {
        watch_signal(true);
        pthread_join(wt, NULL);
    }
    seer_infer_free(srv->infer);
    seer_repo_free(srv->repo);
    seer_auth_free(srv->auth);
    seer_metrics_free(srv->metrics);
    seer_free(cert);
    if (key)
        sodium_memzero(key, n);
    seer_free(key);
    seer_free(srv);
    if (!rc)
        seer_log_info("stopped");
    return rc;
}
