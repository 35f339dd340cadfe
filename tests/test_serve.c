/* The server without sockets: parsers, routing, status mapping, auth, handlers. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "serve/auth.h"
#include "serve/http.h"
#include "serve/infer.h"
#include "serve/metrics.h"
#include "serve/serve.h"
#include "t.h"

static struct seer_arena *A;
static struct seer_server SRV;

static void fresh(void)
{
    seer_arena_free(A);
    A = seer_arena_new(1 << 16);
}

/* A request as server.c would build it. */
static void mkreq(struct seer_req *rq, struct seer_resp *rs, const char *method, const char *path,
                  const char *body)
{
    fresh();
    memset(rq, 0, sizeof(*rq));
    memset(rs, 0, sizeof(*rs));
    rq->method = method;
    rq->path = path;
    rq->query = "";
    rq->content_type = "";
    rq->authorization = "";
    rq->cookie = "";
    rq->csrf = "";
    rq->accept = "";
    rq->request_id = "t";
    rq->client_ip = "192.0.2.1";
    rq->body = (const uint8_t *)(body ? body : "");
    rq->body_len = body ? strlen(body) : 0;
    rq->arena = A;
    rq->srv = &SRV;
}

/* The "error" string of a JSON answer, or "". */
static const char *err_of(const struct seer_resp *rs)
{
    static char buf[512];
    cJSON *j = cJSON_ParseWithLength((const char *)rs->body, rs->len);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    snprintf(buf, sizeof(buf), "%s", cJSON_IsString(e) ? e->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

TEST(query_parse_decodes_and_limits)
{
    struct seer_err e = {{0}};
    struct seer_kv *kv;
    int n;

    fresh();
    const char *q = "model=center%6Eet&threshold=0.5&x&q=a+b%20c";
    ASSERT_OK(seer__query_parse(q, strlen(q), A, &kv, &n, &e));
    ASSERT_EQ(n, 4);
    ASSERT_STR(seer__kv_get(kv, n, "model"), "centernet");
    ASSERT_STR(seer__kv_get(kv, n, "threshold"), "0.5");
    ASSERT_STR(seer__kv_get(kv, n, "x"), "");
    ASSERT_STR(seer__kv_get(kv, n, "q"), "a b c");
    ASSERT(seer__kv_get(kv, n, "nope") == NULL);
    ASSERT_EQ(seer__query_parse("a=%4", 4, A, &kv, &n, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "percent escape"));
    ASSERT_EQ(seer__query_parse("a=%zz", 5, A, &kv, &n, &e), SEER_EFORMAT);
    ASSERT_EQ(seer__query_parse("a=%00", 5, A, &kv, &n, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "NUL"));
    /* 33 parameters: one over the limit. */
    char many[200] = "";
    for (int i = 0; i < 33; i++)
        strcat(many, "a=1&");
    ASSERT_EQ(seer__query_parse(many, strlen(many), A, &kv, &n, &e), SEER_ELIMIT);
    char *big = seer_malloc(SEER_HTTP_MAX_QUERY + 2);
    memset(big, 'a', SEER_HTTP_MAX_QUERY + 1);
    big[SEER_HTTP_MAX_QUERY + 1] = 0;
    ASSERT_EQ(seer__query_parse(big, strlen(big), A, &kv, &n, &e), SEER_ELIMIT);
    seer_free(big);
    ASSERT_OK(seer__query_parse("&&", 2, A, &kv, &n, &e));
    ASSERT_EQ(n, 0);
}

TEST(cookies_and_content_types)
{
    fresh();
    ASSERT_STR(seer__cookie_get("a=1; seer_session=abc; b=2", "seer_session", A), "abc");
    ASSERT_STR(seer__cookie_get("seer_session=xyz", "seer_session", A), "xyz");
    ASSERT(seer__cookie_get("xseer_session=1", "seer_session", A) == NULL);
    ASSERT(seer__cookie_get("", "seer_session", A) == NULL);
    ASSERT_STR(seer__ctype_media("Multipart/Form-Data; boundary=xy", A), "multipart/form-data");
    ASSERT_STR(seer__ctype_param("multipart/form-data; boundary=\"a b\"", "boundary", A), "a b");
    ASSERT_STR(seer__ctype_param("multipart/form-data; charset=x; BOUNDARY=q1", "boundary", A),
               "q1");
    ASSERT(seer__ctype_param("multipart/form-data", "boundary", A) == NULL);
}

TEST(multipart_finds_the_file_field)
{
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                               "hello\r\n"
                               "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"file\"; "
                               "filename=\"dog.jpg\"\r\n"
                               "Content-Type: image/jpeg\r\n\r\n"
                               "\xff\xd8\r\nraw\r\n"
                               "--XyZ--\r\n";
    const char *ct = "multipart/form-data; boundary=XyZ";
    struct seer_err e = {{0}};
    const uint8_t *p;
    size_t n;
    const char *fname;

    fresh();
    ASSERT_OK(seer__multipart_find(ct, (const uint8_t *)body, sizeof(body) - 1, "file", A, &p, &n,
                                   &fname, &e));
    ASSERT_EQ(n, 7);
    ASSERT(!memcmp(p, "\xff\xd8\r\nraw", 7));
    ASSERT_STR(fname, "dog.jpg");
    ASSERT_OK(seer__multipart_find(ct, (const uint8_t *)body, sizeof(body) - 1, "note", A, &p, &n,
                                   &fname, &e));
    ASSERT_EQ(n, 5);
    ASSERT_EQ(seer__multipart_find(ct, (const uint8_t *)body, sizeof(body) - 1, "other", A, &p, &n,
                                   &fname, &e),
              SEER_ENOTFOUND);
    /* Every truncation is an error, never a read past the end. */
    for (size_t cut = 0; cut < sizeof(body) - 12; cut++) {
        int rc =
            seer__multipart_find(ct, (const uint8_t *)body, cut, "file", A, &p, &n, &fname, &e);
        ASSERT(rc != 0);
    }
    ASSERT_EQ(seer__multipart_find("multipart/form-data", (const uint8_t *)body, sizeof(body) - 1,
                                   "file", A, &p, &n, &fname, &e),
              SEER_EFORMAT);
    ASSERT_EQ(seer__multipart_find("multipart/form-data; boundary=nothere", (const uint8_t *)body,
                                   sizeof(body) - 1, "file", A, &p, &n, &fname, &e),
              SEER_EFORMAT);
}

TEST(base64_variants_and_errors)
{
    struct seer_err e = {{0}};
    uint8_t *p;
    size_t n;

    fresh();
    ASSERT_OK(seer__b64_decode("aGVsbG8=", 8, A, &p, &n, &e));
    ASSERT_EQ(n, 5);
    ASSERT(!memcmp(p, "hello", 5));
    ASSERT_OK(seer__b64_decode("aGVsbG8", 7, A, &p, &n, &e));
    ASSERT_EQ(n, 5);
    ASSERT_OK(seer__b64_decode("aGVs\nbG8=\n", 10, A, &p, &n, &e));
    ASSERT_EQ(n, 5);
    /* 0xfb 0xff as standard (+/) and URL-safe (-_) base64. */
    ASSERT_OK(seer__b64_decode("+/8=", 4, A, &p, &n, &e));
    ASSERT_EQ(n, 2);
    ASSERT_EQ(p[0], 0xfb);
    ASSERT_EQ(p[1], 0xff);
    ASSERT_OK(seer__b64_decode("-_8", 3, A, &p, &n, &e));
    ASSERT_EQ(n, 2);
    ASSERT_EQ(p[0], 0xfb);
    ASSERT_OK(seer__b64_decode("", 0, A, &p, &n, &e));
    ASSERT_EQ(n, 0);
    ASSERT_EQ(seer__b64_decode("aGV$bG8=", 8, A, &p, &n, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "character 3"));
    ASSERT_EQ(seer__b64_decode("aGVsb", 5, A, &p, &n, &e), SEER_EFORMAT);
    ASSERT_EQ(seer__b64_decode("aG=Vs", 5, A, &p, &n, &e), SEER_EFORMAT);
    char enc[64];
    ASSERT_OK(seer__b64url_encode((const uint8_t *)"\xfb\xff", 2, enc, sizeof(enc)));
    ASSERT_STR(enc, "-_8");
}

TEST(json_parse_limits_depth_and_reports_offsets)
{
    struct seer_err e = {{0}};
    cJSON *j = NULL;
    char deep[100];

    ASSERT_OK(seer__http_json((const uint8_t *)"{\"a\": [1, \"]]]\"]} \n", 19, &j, &e));
    cJSON_Delete(j);
    ASSERT_EQ(seer__http_json((const uint8_t *)"{\"a\": [1,}", 10, &j, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "offset 9"));
    ASSERT(j == NULL);
    ASSERT_EQ(seer__http_json((const uint8_t *)"{} x", 4, &j, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "trailing"));
    ASSERT_EQ(seer__http_json((const uint8_t *)"", 0, &j, &e), SEER_EFORMAT);
    memset(deep, '[', 40);
    memset(deep + 40, ']', 40);
    ASSERT_EQ(seer__http_json((const uint8_t *)deep, 80, &j, &e), SEER_ELIMIT);
    memset(deep, '[', 32);
    memset(deep + 32, ']', 32);
    ASSERT_OK(seer__http_json((const uint8_t *)deep, 64, &j, &e));
    cJSON_Delete(j);
}

TEST(routes_match_params_suffix_and_methods)
{
    struct seer_req rq;
    struct seer_resp rs;
    bool ok;
    const struct seer_route *r;

    mkreq(&rq, &rs, "POST", "/v1/models/centernet:predict", NULL);
    r = seer__route_match(&rq, &ok);
    ASSERT(r && r->fn == seer__h_predict);
    ASSERT_EQ(rq.n_params, 1);
    ASSERT_STR(rq.params[0], "centernet");
    mkreq(&rq, &rs, "POST", "/v1/models/centernet/versions/2:predict", NULL);
    r = seer__route_match(&rq, &ok);
    ASSERT(r && r->fn == seer__h_predict);
    ASSERT_EQ(rq.n_params, 2);
    ASSERT_STR(rq.params[1], "2");
    mkreq(&rq, &rs, "GET", "/v1/models/centernet/versions/3/metadata", NULL);
    r = seer__route_match(&rq, &ok);
    ASSERT(r && r->fn == seer__h_model_metadata);
    ASSERT_STR(rq.params[0], "centernet");
    ASSERT_STR(rq.params[1], "3");
    mkreq(&rq, &rs, "HEAD", "/healthz", NULL);
    r = seer__route_match(&rq, &ok);
    ASSERT(r && r->fn == seer__h_healthz);
    /* ":predict" alone is no model name. */
    mkreq(&rq, &rs, "POST", "/v1/models/:predict", NULL);
    ASSERT(seer__route_match(&rq, &ok) == NULL);
    mkreq(&rq, &rs, "GET", "/v1/detect", NULL);
    ASSERT(seer__route_match(&rq, &ok) == NULL);
    ASSERT(!ok); /* exists, wrong method: 405 */
    mkreq(&rq, &rs, "GET", "/v1/nothing/here", NULL);
    ASSERT(seer__route_match(&rq, &ok) == NULL);
    ASSERT(ok); /* 404 */
    mkreq(&rq, &rs, "GET", "/v1/nothing/here", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 404);
    mkreq(&rq, &rs, "DELETE", "/v1/models", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 405);
    ASSERT_STR(err_of(&rs), "method not allowed on this path");
}

TEST(status_table)
{
    ASSERT_EQ(seer__status_http(SEER_EINVAL), 400);
    ASSERT_EQ(seer__status_http(SEER_EFORMAT), 400);
    ASSERT_EQ(seer__status_http(SEER_ELIMIT), 413);
    ASSERT_EQ(seer__status_http(SEER_EUNSUPPORTED), 422);
    ASSERT_EQ(seer__status_http(SEER_ENOTFOUND), 404);
    ASSERT_EQ(seer__status_http(SEER_EBUSY), 503);
    ASSERT_EQ(seer__status_http(SEER_ENOMEM), 503);
    ASSERT_EQ(seer__status_http(SEER_EIO), 500);
    ASSERT_EQ(seer__status_http(-99), 500);
    ASSERT_STR(seer__status_grpc(SEER_EFORMAT), "INVALID_ARGUMENT");
    ASSERT_STR(seer__status_grpc(SEER_ENOTFOUND), "NOT_FOUND");
}

/* A handler's failing status becomes {"error": msg} with the mapped HTTP status. */
static int h_fail_busy(struct seer_req *rq, struct seer_resp *rs)
{
    (void)rs;
    return seer_errf(&rq->err, SEER_EBUSY, "queue full");
}

TEST(failing_handler_answers_json_error)
{
    struct seer_route r = {"GET", "/x", NULL, h_fail_busy, SEER_ROUTE_PUBLIC};
    struct seer_req rq;
    struct seer_resp rs;

    mkreq(&rq, &rs, "GET", "/x", NULL);
    seer__route_run(&r, &rq, &rs);
    ASSERT_EQ(rs.status, 503);
    ASSERT_STR(err_of(&rs), "queue full");
    ASSERT_STR(rs.type, "application/json");
    ASSERT_STR(seer__resp_get_header(&rs, "Retry-After"), "1");
}

static char STATE[64];

static struct seer_auth *open_auth(void)
{
    struct seer_err e = {{0}};
    struct seer_auth *a = NULL;

    if (!STATE[0]) {
        snprintf(STATE, sizeof(STATE), "/tmp/seer-test-serve-XXXXXX");
        if (!mkdtemp(STATE))
            return NULL;
    }
    if (seer_auth_open(STATE, &a, &e))
        printf("    auth: %s\n", e.msg);
    return a;
}

TEST(auth_users_tokens_sessions)
{
    struct seer_err e = {{0}};
    struct seer_auth *a = open_auth();
    char pw[64], tok[SEER_AUTH_TOKEN_CHARS], sid[SEER_AUTH_TOKEN_CHARS],
        csrf[SEER_AUTH_TOKEN_CHARS];
    const char *user, *c2;
    bool created, ok;
    int n;

    ASSERT(a);
    fresh();
    ASSERT_OK(seer_auth_bootstrap(a, pw, sizeof(pw), &created, &e));
    ASSERT(created);
    ASSERT(strlen(pw) >= 20);
    ASSERT_OK(seer_auth_password_check(a, "admin", pw, &ok, &e));
    ASSERT(ok);
    ASSERT_OK(seer_auth_password_check(a, "admin", pw, &ok, &e)); /* cached path */
    ASSERT(ok);
    ASSERT_OK(seer_auth_password_check(a, "admin", "wrong-password", &ok, &e));
    ASSERT(!ok);
    ASSERT_OK(seer_auth_password_check(a, "nobody", pw, &ok, &e));
    ASSERT(!ok);
    /* A second start finds the user and makes nothing. */
    char pw2[64];
    ASSERT_OK(seer_auth_bootstrap(a, pw2, sizeof(pw2), &created, &e));
    ASSERT(!created);
    ASSERT_STR(pw2, "");
    ASSERT_EQ(seer_auth_user_set(a, "admin", "another-pass", false, &e), SEER_EINVAL);
    ASSERT_EQ(seer_auth_user_set(a, "bob", "short", false, &e), SEER_EINVAL);
    ASSERT_EQ(seer_auth_user_set(a, "bad name", "long-enough", false, &e), SEER_EINVAL);
    ASSERT_EQ(seer_auth_user_set(a, "ghost", "long-enough", true, &e), SEER_ENOTFOUND);
    ASSERT_OK(seer_auth_user_set(a, "bob", "bobs-password", false, &e));
    ASSERT_OK(seer_auth_user_count(a, &n, &e));
    ASSERT_EQ(n, 2);
    /* passwd: the old password stops working (the cache is keyed on the stored hash). */
    ASSERT_OK(seer_auth_password_check(a, "bob", "bobs-password", &ok, &e));
    ASSERT(ok);
    ASSERT_OK(seer_auth_user_set(a, "bob", "bobs-new-password", true, &e));
    ASSERT_OK(seer_auth_password_check(a, "bob", "bobs-password", &ok, &e));
    ASSERT(!ok);

    ASSERT_OK(seer_auth_token_create(a, "ci", "bob", tok, &e));
    ASSERT(!strncmp(tok, "seer_", 5));
    ASSERT_EQ(seer_auth_token_create(a, "ci", "bob", tok + 0, &e), SEER_EINVAL);
    ASSERT_EQ(seer_auth_token_create(a, "x", "nobody", tok + 0, &e), SEER_ENOTFOUND);
    ASSERT_OK(seer_auth_token_create(a, "ci2", "bob", tok, &e));
    ASSERT_OK(seer_auth_token_check(a, tok, A, &user));
    ASSERT_STR(user, "bob");
    tok[10] ^= 1;
    ASSERT_EQ(seer_auth_token_check(a, tok, A, &user), SEER_ENOTFOUND);
    tok[10] ^= 1;
    ASSERT_OK(seer_auth_token_revoke(a, "ci2", &e));
    ASSERT_EQ(seer_auth_token_check(a, tok, A, &user), SEER_ENOTFOUND);
    ASSERT_EQ(seer_auth_token_revoke(a, "ci2", &e), SEER_ENOTFOUND);

    ASSERT_OK(seer_auth_session_new(a, "bob", 1000, sid, csrf, &e));
    ASSERT_OK(seer_auth_session_get(a, sid, 1001, A, &user, &c2));
    ASSERT_STR(user, "bob");
    ASSERT_STR(c2, csrf);
    ASSERT_EQ(seer_auth_session_get(a, sid, 1000 + SEER_AUTH_SESSION_S, A, &user, &c2),
              SEER_ENOTFOUND);
    seer_auth_session_end(a, sid);
    ASSERT_EQ(seer_auth_session_get(a, sid, 1001, A, &user, &c2), SEER_ENOTFOUND);
    /* Deleting a user takes their tokens along. */
    ASSERT_OK(seer_auth_user_del(a, "bob", &e));
    ASSERT_EQ(seer_auth_user_del(a, "bob", &e), SEER_ENOTFOUND);
    ASSERT(seer_auth_str_eq("abc", "abc"));
    ASSERT(!seer_auth_str_eq("abc", "abd"));
    ASSERT(!seer_auth_str_eq("abc", "abcd"));
    ASSERT(!seer_auth_str_eq("", ""));
    seer_auth_free(a);
}

TEST(throttle_backs_off_exponentially)
{
    struct seer_auth *a = open_auth();
    int64_t t = 5000000;

    ASSERT(a);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 0);
        seer_auth_throttle_fail(a, "10.0.0.9", t);
    }
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 0); /* three are free */
    seer_auth_throttle_fail(a, "10.0.0.9", t);
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 1000);
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.8", t), 0); /* per address */
    t += 1000;
    seer_auth_throttle_fail(a, "10.0.0.9", t);
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 2000);
    t += 2000;
    seer_auth_throttle_fail(a, "10.0.0.9", t);
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t + 1000), 3000);
    for (int i = 0; i < 30; i++)
        seer_auth_throttle_fail(a, "10.0.0.9", t);
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 15 * 60 * 1000); /* capped */
    seer_auth_throttle_ok(a, "10.0.0.9");
    ASSERT_EQ(seer_auth_throttle_wait_ms(a, "10.0.0.9", t), 0);
    seer_auth_free(a);
}

TEST(authorize_token_basic_session_csrf)
{
    struct seer_err e = {{0}};
    struct seer_auth *a = open_auth();
    char tok[SEER_AUTH_TOKEN_CHARS], sid[SEER_AUTH_TOKEN_CHARS], csrf[SEER_AUTH_TOKEN_CHARS];
    char hdr[160], cookie[128];
    struct seer_req rq;
    struct seer_resp rs;
    bool ok;
    const struct seer_route *r;

    ASSERT(a);
    SRV.auth = a;
    seer_auth_user_set(a, "carol", "carols-password", false, &e);
    ASSERT_OK(seer_auth_token_create(a, "c1", "carol", tok, &e));
    ASSERT_OK(seer_auth_session_new(a, "carol", (int64_t)time(NULL), sid, csrf, &e));

    /* No credentials: 401 JSON for the API, a redirect for the page. */
    mkreq(&rq, &rs, "GET", "/v1/models", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 401);
    ASSERT(strstr(err_of(&rs), "log in"));
    ASSERT(seer__resp_get_header(&rs, "WWW-Authenticate"));
    mkreq(&rq, &rs, "GET", "/", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 303);
    ASSERT_STR(seer__resp_get_header(&rs, "Location"), "/login");
    /* /healthz and the login page need nothing. */
    mkreq(&rq, &rs, "GET", "/healthz", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    mkreq(&rq, &rs, "GET", "/login", NULL);
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    ASSERT(strstr(rs.type, "text/html"));

    snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.authorization = hdr;
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    ASSERT_STR(rq.user, "carol");
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.authorization = "Bearer seer_not-a-token";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 401);
    /* Basic: base64("carol:carols-password"). */
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.authorization = "Basic Y2Fyb2w6Y2Fyb2xzLXBhc3N3b3Jk";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.authorization = "Basic !!!";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 401);
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.authorization = "Digest x";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 401);

    /* Session cookie: GET fine; POST needs the session's CSRF token. */
    snprintf(cookie, sizeof(cookie), "theme=dark; seer_session=%s", sid);
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.cookie = cookie;
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    ASSERT(strstr((const char *)rs.body, csrf));
    mkreq(&rq, &rs, "POST", "/v1/detect", NULL);
    rq.cookie = cookie;
    r = seer__route_match(&rq, &ok);
    ASSERT(r);
    ASSERT(!seer__route_authorize(r, &rq, &rs));
    ASSERT_EQ(rs.status, 403);
    mkreq(&rq, &rs, "POST", "/v1/detect", NULL);
    rq.cookie = cookie;
    rq.csrf = "wrong";
    r = seer__route_match(&rq, &ok);
    ASSERT(!seer__route_authorize(r, &rq, &rs));
    mkreq(&rq, &rs, "POST", "/v1/detect", NULL);
    rq.cookie = cookie;
    rq.csrf = csrf;
    r = seer__route_match(&rq, &ok);
    ASSERT(seer__route_authorize(r, &rq, &rs));
    ASSERT(rq.via_session);
    /* Logout ends the session. */
    mkreq(&rq, &rs, "POST", "/logout", NULL);
    rq.cookie = cookie;
    rq.csrf = csrf;
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    ASSERT(strstr(seer__resp_get_header(&rs, "Set-Cookie"), "Max-Age=0"));
    mkreq(&rq, &rs, "GET", "/v1/session", NULL);
    rq.cookie = cookie;
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 401);
    SRV.auth = NULL;
    seer_auth_free(a);
}

TEST(login_handler_sets_cookie_and_throttles)
{
    struct seer_err e = {{0}};
    struct seer_auth *a = open_auth();
    struct seer_req rq;
    struct seer_resp rs;
    const char *sc;

    ASSERT(a);
    SRV.auth = a;
    seer_auth_user_set(a, "dave", "daves-password", false, &e);
    mkreq(&rq, &rs, "POST", "/login", "{\"user\":\"dave\",\"password\":\"daves-password\"}");
    rq.content_type = "application/json";
    rq.client_ip = "198.51.100.7";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 200);
    sc = seer__resp_get_header(&rs, "Set-Cookie");
    ASSERT(sc && strstr(sc, "seer_session=") && strstr(sc, "HttpOnly") &&
           strstr(sc, "SameSite=Strict"));
    ASSERT(!strstr(sc, "Secure"));
    ASSERT(strstr((const char *)rs.body, "\"csrf\""));
    /* Form posts work too, and go to the page; under TLS the cookie is Secure. */
    mkreq(&rq, &rs, "POST", "/login", "user=dave&password=daves-password");
    rq.content_type = "application/x-www-form-urlencoded";
    rq.tls = true;
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 303);
    ASSERT(strstr(seer__resp_get_header(&rs, "Set-Cookie"), "; Secure"));
    mkreq(&rq, &rs, "POST", "/login", "{\"user\":\"dave\"}");
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 400);
    mkreq(&rq, &rs, "POST", "/login", "{not json");
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 400);
    /* Four wrong passwords from one address: the fifth try is refused unchecked. */
    for (int i = 0; i < 4; i++) {
        mkreq(&rq, &rs, "POST", "/login", "{\"user\":\"dave\",\"password\":\"nope-nope\"}");
        rq.client_ip = "203.0.113.5";
        seer__route_handle(&rq, &rs);
        ASSERT_EQ(rs.status, 401);
    }
    mkreq(&rq, &rs, "POST", "/login", "{\"user\":\"dave\",\"password\":\"daves-password\"}");
    rq.client_ip = "203.0.113.5";
    seer__route_handle(&rq, &rs);
    ASSERT_EQ(rs.status, 429);
    ASSERT(seer__resp_get_header(&rs, "Retry-After"));
    SRV.auth = NULL;
    seer_auth_free(a);
}

/* Parses a :predict body; returns the status and fills n/columnar; *keys counts the
 * instances that carried a "key" (the JSON is gone after the call). */
static int n_keys;
static int predict_parse(const char *body, int *n, bool *columnar, struct seer_instance **in)
{
    struct seer_req rq;
    struct seer_resp rs;
    cJSON *j = NULL;
    int rc;

    mkreq(&rq, &rs, "POST", "/v1/models/m:predict", body);
    rc = seer__http_json(rq.body, rq.body_len, &j, &rq.err);
    if (!rc)
        rc = seer__predict_parse(&rq, j, columnar, in, n);
    n_keys = 0;
    for (int i = 0; !rc && i < *n; i++)
        n_keys += (*in)[i].key != NULL;
    if (rc)
        printf("    (%s)\n", rq.err.msg);
    cJSON_Delete(j);
    return rc;
}

TEST(predict_request_shapes)
{
    struct seer_instance *in;
    bool col;
    int n;

    SRV.opts.max_instances = 4;
    /* "aGk=" is "hi". */
    ASSERT_OK(predict_parse("{\"instances\":[{\"b64\":\"aGk=\"},\"aGk\","
                            "{\"image_bytes\":{\"b64\":\"aGk=\"},\"key\":\"k1\"}]}",
                            &n, &col, &in));
    ASSERT_EQ(n, 3);
    ASSERT(!col);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(in[i].n, 2);
        ASSERT(!memcmp(in[i].p, "hi", 2));
    }
    ASSERT_EQ(n_keys, 1);
    ASSERT_OK(predict_parse("{\"inputs\":{\"image_bytes\":[{\"b64\":\"aGk=\"},"
                            "{\"b64\":\"aGk=\"}]}}",
                            &n, &col, &in));
    ASSERT_EQ(n, 2);
    ASSERT(col);
    ASSERT_OK(predict_parse("{\"inputs\":{\"b64\":\"aGk=\"}}", &n, &col, &in));
    ASSERT_EQ(n, 1);
    ASSERT_OK(predict_parse("{\"inputs\":[\"aGk=\"]}", &n, &col, &in));
    ASSERT_EQ(n, 1);
    ASSERT_EQ(predict_parse("{\"instances\":[{\"b64\":\"a$k=\"}]}", &n, &col, &in), SEER_EFORMAT);
    ASSERT_EQ(predict_parse("{\"instances\":[]}", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":{}}", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":[1]}", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":[{\"b64\":7}]}", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":[{\"a\":{\"b64\":\"aGk=\"},\"b\":{}}]}", &n, &col, &in),
              SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"signature_name\":\"x\"}", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("[1]", &n, &col, &in), SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":[\"aGk=\"],\"inputs\":[\"aGk=\"]}", &n, &col, &in),
              SEER_EINVAL);
    ASSERT_EQ(predict_parse("{\"instances\":[\"aGk=\",\"aGk=\",\"aGk=\",\"aGk=\",\"aGk=\"]}", &n,
                            &col, &in),
              SEER_ELIMIT);
    SRV.opts.max_instances = 0;
}

TEST(handlers_without_models)
{
    struct seer_req rq;
    struct seer_resp rs;

    mkreq(&rq, &rs, "GET", "/v1/models", NULL);
    ASSERT_OK(seer__h_models(&rq, &rs));
    ASSERT_EQ(rs.status, 200);
    ASSERT(strstr((const char *)rs.body, "\"models\":[]"));
    mkreq(&rq, &rs, "GET", "/readyz", NULL);
    ASSERT_OK(seer__h_readyz(&rq, &rs));
    ASSERT_EQ(rs.status, 503);
    mkreq(&rq, &rs, "GET", "/v1/models/x", NULL);
    rq.params[0] = "x";
    rq.n_params = 1;
    ASSERT_EQ(seer__h_model_status(&rq, &rs), SEER_ENOTFOUND);
    mkreq(&rq, &rs, "GET", "/v1/models/x/versions/0/metadata", NULL);
    rq.params[0] = "x";
    rq.params[1] = "0";
    rq.n_params = 2;
    ASSERT_EQ(seer__h_model_metadata(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "positive integer"));
    mkreq(&rq, &rs, "POST", "/v1/detect", "abc");
    rq.query = "threshold=2";
    ASSERT_EQ(seer__h_detect(&rq, &rs), SEER_EINVAL);
    mkreq(&rq, &rs, "GET", "/", NULL);
    ASSERT_OK(seer__h_static(&rq, &rs));
    ASSERT(strstr(rs.type, "text/html"));
    mkreq(&rq, &rs, "GET", "/login.html", NULL);
    ASSERT_EQ(seer__h_static(&rq, &rs), SEER_ENOTFOUND);
    mkreq(&rq, &rs, "GET", "/nope.js", NULL);
    ASSERT_EQ(seer__h_static(&rq, &rs), SEER_ENOTFOUND);
}

TEST(metrics_text_format)
{
    struct seer_metrics *m = seer_metrics_new();
    struct seer_metrics_gauges g = {3, 8, 2, 1, 2, 0};
    size_t n;
    char *t;

    ASSERT(m);
    fresh();
    seer_metrics_request(m, "/v1/detect", "centernet:1", 200, 0.03);
    seer_metrics_request(m, "/v1/detect", "centernet:1", 200, 0.2);
    seer_metrics_request(m, "/v1/detect", "bad\"name\n", 404, 0.001);
    seer_metrics_inference(m, "centernet:1", 0.02);
    t = seer_metrics_render(m, &g, A, &n);
    ASSERT(t);
    ASSERT(strstr(t, "seer_http_requests_total{route=\"/v1/detect\",model=\"centernet:1\","
                     "code=\"200\"} 2\n"));
    ASSERT(strstr(t, "model=\"bad_name_\""));
    ASSERT(strstr(t, "seer_http_request_duration_seconds_bucket{route=\"/v1/detect\","
                     "le=\"0.05\"} 2\n")); /* 0.001 and 0.03 */
    ASSERT(strstr(t, "seer_http_request_duration_seconds_count{route=\"/v1/detect\"} 3\n"));
    ASSERT(strstr(t, "seer_inference_duration_seconds_bucket{model=\"centernet:1\","
                     "le=\"0.025\"} 1\n"));
    ASSERT(strstr(t, "seer_queue_depth 3\n"));
    ASSERT(strstr(t, "seer_models_loaded 2\n"));
    seer_metrics_free(m);
}

static void slow_job(void *ctx)
{
    usleep(50 * 1000);
    (*(int *)ctx)++;
}

TEST(infer_queue_refuses_when_full)
{
    struct seer_infer *q = seer_infer_new(1, 2);
    int done = 0, refused = 0;

    ASSERT(q);
    /* Two waiting fit, plus one running if the worker took one already; the rest are
     * refused at once. */
    for (int i = 0; i < 6; i++)
        if (seer_infer_submit(q, slow_job, &done) == SEER_EBUSY)
            refused++;
    ASSERT(refused >= 3 && refused <= 4);
    seer_infer_free(q); /* drains */
    ASSERT_EQ(done + refused, 6);
}

/* With the engine in: the detect handler on the default model names dog.jpg's objects. */
TEST(detect_handler_end_to_end)
{
    struct seer_err e = {{0}};
    struct seer_model_opts mo = {0};
    struct seer_repo *repo = NULL;
    const char *shared = getenv("SEER_SHARED") ? getenv("SEER_SHARED") : "../shared";
    char path[512];
    uint8_t *img = NULL;
    size_t n = 0;
    struct seer_req rq;
    struct seer_resp rs;
    FILE *f;

    snprintf(path, sizeof(path), "%s/data/photos/dog.jpg", shared);
    f = fopen(path, "rb");
    if (!f)
        T_SKIP("needs %s", path);
    img = seer_malloc(1 << 20);
    n = fread(img, 1, 1 << 20, f);
    fclose(f);
    mo.n_threads = 2;
    /* A repository holding only centernet (a link to the installed one) loads faster
     * than every installed model. */
    char repo_dir[] = "/tmp/seer-test-repo-XXXXXX", link[64], *target = NULL;
    if (access("models/centernet/1/seer.json", R_OK) != 0 || !mkdtemp(repo_dir) ||
        !(target = realpath("models/centernet", NULL))) {
        seer_free(img);
        T_SKIP("needs models/centernet/1 (run scripts/setup)");
    }
    snprintf(link, sizeof(link), "%s/centernet", repo_dir);
    int linked = symlink(target, link);
    free(target); /* realpath's buffer comes from libc malloc */
    if (linked != 0 || seer_repo_open(repo_dir, &mo, &repo, &e) != 0) {
        seer_free(img);
        T_SKIP("cannot open a repository with centernet: %s", e.msg);
    }
    unlink(link);
    rmdir(repo_dir);
    SRV.repo = repo;
    mkreq(&rq, &rs, "POST", "/v1/detect", NULL);
    rq.body = img;
    rq.body_len = n;
    rq.query = "model=centernet";
    int rc = seer__h_detect(&rq, &rs);
    if (rc == SEER_ENOTFOUND) {
        SRV.repo = NULL;
        seer_repo_free(repo);
        seer_free(img);
        T_SKIP("centernet does not load yet: %s", rq.err.msg);
    }
    ASSERT_OK(rc);
    ASSERT_EQ(rs.status, 200);
    ASSERT(strstr((const char *)rs.body, "\"label\":\"dog\""));
    ASSERT(strstr((const char *)rs.body, "\"label\":\"bicycle\""));
    ASSERT(strstr((const char *)rs.body, "\"width\":768"));
    /* A non-image is a 400 with the decoder's message. */
    mkreq(&rq, &rs, "POST", "/v1/detect", "this is not a photo");
    rq.query = "model=centernet";
    rc = seer__h_detect(&rq, &rs);
    ASSERT_EQ(seer__status_http(rc), 400);
    SRV.repo = NULL;
    seer_repo_free(repo);
    seer_free(img);
}

static void cleanup(void)
{
    char cmd[128];
    if (STATE[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf %s", STATE);
        if (system(cmd) != 0)
            printf("    could not remove %s\n", STATE);
    }
    seer_arena_free(A);
}

#define main real_main
T_MAIN(T_CASE(query_parse_decodes_and_limits), T_CASE(cookies_and_content_types),
       T_CASE(multipart_finds_the_file_field), T_CASE(base64_variants_and_errors),
       T_CASE(json_parse_limits_depth_and_reports_offsets),
       T_CASE(routes_match_params_suffix_and_methods), T_CASE(status_table),
       T_CASE(failing_handler_answers_json_error), T_CASE(auth_users_tokens_sessions),
       T_CASE(throttle_backs_off_exponentially), T_CASE(authorize_token_basic_session_csrf),
       T_CASE(login_handler_sets_cookie_and_throttles), T_CASE(predict_request_shapes),
       T_CASE(handlers_without_models), T_CASE(metrics_text_format),
       T_CASE(infer_queue_refuses_when_full), T_CASE(detect_handler_end_to_end))
#undef main

int main(int argc, char **argv)
{
    int rc = real_main(argc, argv);
    cleanup();
    return rc;
}
