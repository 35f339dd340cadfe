/* POST /login, POST /logout, GET /v1/session: the web page's sessions. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "serve/auth.h"
#include "serve/http.h"
#include "serve/serve.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads user and password from a JSON or form-urlencoded body. */
static int credentials(struct seer_req *rq, const char **user, const char **pw, bool *form)
{
    const char *media = seer__ctype_media(rq->content_type, rq->arena);
    int rc;

    *form = !strcmp(media, "application/x-www-form-urlencoded");
    if (*form) {
        struct seer_kv *kv;
        int n;
        rc = seer__query_parse((const char *)rq->body, rq->body_len, rq->arena, &kv, &n, &rq->err);
        if (rc)
            return rc;
        *user = seer__kv_get(kv, n, "user");
        *pw = seer__kv_get(kv, n, "password");
    } else {
        cJSON *j = NULL;
        rc = seer__http_json(rq->body, rq->body_len, &j, &rq->err);
        if (rc)
            return rc;
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "user");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "password");
        *user = cJSON_IsString(u) ? seer_arena_strdup(rq->arena, u->valuestring) : NULL;
        *pw = cJSON_IsString(p) ? seer_arena_strdup(rq->arena, p->valuestring) : NULL;
        cJSON_Delete(j);
    }
    if (!*user || !*pw)
        return seer_errf(&rq->err, SEER_EINVAL, "login needs \"user\" and \"password\"");
    return 0;
}

static int set_cookie(struct seer_req *rq, struct seer_resp *rs, const char *sid, int max_age)
{
    char *c = seer_arena_printf(rq->arena,
                                "seer_session=%s; Path=/; HttpOnly; SameSite=Strict; "
                                "Max-Age=%d%s",
                                sid, max_age, rq->tls ? "; Secure" : "");
    if (!c)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    return seer__resp_header(rq, rs, "Set-Cookie", c);
}

int seer__h_login(struct seer_req *rq, struct seer_resp *rs)
{
    struct seer_auth *auth = rq->srv->auth;
    char sid[SEER_AUTH_TOKEN_CHARS], csrf[SEER_AUTH_TOKEN_CHARS], secs[32];
    const char *user, *pw;
    bool form, ok = false;
    int64_t wait;
    cJSON *o;
    int rc;

    if (!auth)
        return seer_errf(&rq->err, SEER_EBUSY, "authentication is not configured");
    wait = seer_auth_throttle_wait_ms(auth, rq->client_ip, mono_ms());
    if (wait > 0) {
        snprintf(secs, sizeof(secs), "%lld", (long long)((wait + 999) / 1000));
        rc = seer__resp_error(rq, rs, 429,
                              "too many failed logins from this address; try again later");
        return rc ? rc : seer__resp_header(rq, rs, "Retry-After", secs);
    }
    rc = credentials(rq, &user, &pw, &form);
    if (rc)
        return rc;
    rc = seer_auth_password_check(auth, user, pw, &ok, &rq->err);
    if (rc)
        return rc;
    if (!ok) {
        seer_auth_throttle_fail(auth, rq->client_ip, mono_ms());
        return seer__resp_error(rq, rs, 401, "wrong user name or password");
    }
    seer_auth_throttle_ok(auth, rq->client_ip);
    rc = seer_auth_session_new(auth, user, (int64_t)time(NULL), sid, csrf, &rq->err);
    if (rc)
        return rc;
    rq->user = user;
    if (form) {
        /* A plain HTML form post (no script): go to the page. */
        rs->status = 303;
        rs->type = "text/plain";
        rs->body = (const uint8_t *)"see /";
        rs->len = 5;
        rc = seer__resp_header(rq, rs, "Location", "/");
        return rc ? rc : set_cookie(rq, rs, sid, SEER_AUTH_SESSION_S);
    }
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "user", user) ||
        !cJSON_AddStringToObject(o, "csrf", csrf)) {
        cJSON_Delete(o);
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    }
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc ? rc : set_cookie(rq, rs, sid, SEER_AUTH_SESSION_S);
}

int seer__h_logout(struct seer_req *rq, struct seer_resp *rs)
{
    const char *sid = seer__cookie_get(rq->cookie, "seer_session", rq->arena);
    static const char ok[] = "{\"logged_out\":true}";
    int rc;

    if (sid && rq->srv->auth)
        seer_auth_session_end(rq->srv->auth, sid);
    rc = seer__resp_bytes(rq, rs, 200, "application/json", ok, sizeof(ok) - 1);
    return rc ? rc : set_cookie(rq, rs, "", 0);
}

int seer__h_session(struct seer_req *rq, struct seer_resp *rs)
{
    const char *sid, *user = NULL, *csrf = NULL;
    cJSON *o = cJSON_CreateObject();
    int rc;

    if (!o)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    cJSON_AddStringToObject(o, "user", rq->user ? rq->user : "");
    if (rq->via_session) {
        sid = seer__cookie_get(rq->cookie, "seer_session", rq->arena);
        if (sid && seer_auth_session_get(rq->srv->auth, sid, (int64_t)time(NULL), rq->arena, &user,
                                         &csrf) == 0)
            cJSON_AddStringToObject(o, "csrf", csrf);
    }
    cJSON_AddStringToObject(o, "auth", rq->via_session ? "session" : "credentials");
    rc = seer__resp_json(rq, rs, 200, o);
    cJSON_Delete(o);
    return rc;
}
