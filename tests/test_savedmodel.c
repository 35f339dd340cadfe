/*
 * SavedModels: TF Serving's own test models (../shared/models/tf-serving) load from a
 * model repository and answer through the predict and metadata handlers as TF Serving
 * documents: half_plus_two turns {"instances": [1.0, 2.0, 5.0]} into
 * {"predictions": [2.5, 3.0, 4.5]}, its metadata lists the same signatures as TF
 * Serving's own answer (half_plus_two_model_metadata.json), and the two-version folder
 * serves version 124 unless a request asks for 123. Also the checkpoint reader on
 * broken files, and a TF2 SavedModel refused with a clear message.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "import/bundle.h"
#include "import/import.h"
#include "serve/serve.h"
#include "shared.h"
#include "t.h"

#define TFS "models/tf-serving/"

static struct seer_server SRV;
static struct seer_arena *A;
static char REPO[64];

static void mkreq(struct seer_req *rq, struct seer_resp *rs, const char *name, const char *version,
                  const char *body)
{
    seer_arena_free(A);
    A = seer_arena_new(1 << 16);
    memset(rq, 0, sizeof(*rq));
    memset(rs, 0, sizeof(*rs));
    rq->method = body ? "POST" : "GET";
    rq->path = "/v1/models";
    rq->query = rq->content_type = rq->authorization = rq->cookie = rq->csrf = rq->accept = "";
    rq->request_id = "t";
    rq->client_ip = "192.0.2.1";
    rq->body = (const uint8_t *)(body ? body : "");
    rq->body_len = body ? strlen(body) : 0;
    rq->arena = A;
    rq->srv = &SRV;
    rq->params[0] = name;
    rq->params[1] = version;
    rq->n_params = version ? 2 : 1;
}

static const char *body_of(const struct seer_resp *rs)
{
    static char buf[65536];
    snprintf(buf, sizeof(buf), "%.*s", (int)rs->len, (const char *)rs->body);
    return buf;
}

static void cleanup(void)
{
    char link[128];

    seer_repo_free(SRV.repo);
    SRV.repo = NULL;
    seer_arena_free(A);
    A = NULL;
    if (REPO[0]) {
        snprintf(link, sizeof(link), "%s/half_plus_two", REPO);
        unlink(link);
        snprintf(link, sizeof(link), "%s/half_plus_two_cpu", REPO);
        unlink(link);
        rmdir(REPO);
    }
}

/* Links name in REPO to the shared folder rel. */
static bool link_model(const char *name, const char *rel)
{
    char link[128], *target = realpath(shared_path(rel), NULL);
    bool ok;

    snprintf(link, sizeof(link), "%s/%s", REPO, name);
    ok = target && symlink(target, link) == 0;
    free(target); /* realpath's buffer comes from libc */
    return ok;
}

/* A repository of links to the shared SavedModels; false when they are missing. */
static bool open_repo(void)
{
    struct seer_model_opts mo = {.n_threads = 1};
    struct seer_err err = {{0}};

    if (SRV.repo)
        return true;
    if (!file_exists(shared_path(TFS "saved_model_half_plus_two_2_versions/00000124/"
                                     "saved_model.pb")))
        return false;
    snprintf(REPO, sizeof(REPO), "/tmp/seer-test-sm-XXXXXX");
    if (!mkdtemp(REPO))
        return false;
    atexit(cleanup);
    if (!link_model("half_plus_two", TFS "saved_model_half_plus_two_2_versions") ||
        !link_model("half_plus_two_cpu", TFS "saved_model_half_plus_two_cpu"))
        return false;
    if (seer_repo_open(REPO, &mo, &SRV.repo, &err)) {
        printf("    %s\n", err.msg);
        return false;
    }
    return true;
}

TEST(predict_half_plus_two)
{
    struct seer_req rq;
    struct seer_resp rs;

    if (!open_repo())
        T_SKIP("needs %s", shared_path(TFS));
    mkreq(&rq, &rs, "half_plus_two", NULL, "{\"instances\": [1.0, 2.0, 5.0]}");
    ASSERT_OK(seer__h_predict(&rq, &rs));
    ASSERT_EQ(rs.status, 200);
    ASSERT_STR(body_of(&rs), "{\"predictions\":[2.5,3,4.5]}");
    ASSERT_STR(rq.model_label, "half_plus_two:124");
    /* The snappy-compressed checkpoint of half_plus_two_cpu gives the same. */
    mkreq(&rq, &rs, "half_plus_two_cpu", NULL, "{\"instances\": [1.0, 2.0, 5.0]}");
    ASSERT_OK(seer__h_predict(&rq, &rs));
    ASSERT_STR(body_of(&rs), "{\"predictions\":[2.5,3,4.5]}");
    /* Columnar, named, and with instances that are lists. */
    mkreq(&rq, &rs, "half_plus_two", NULL, "{\"inputs\": {\"x\": [[1], [3]]}}");
    ASSERT_OK(seer__h_predict(&rq, &rs));
    ASSERT_STR(body_of(&rs), "{\"outputs\":[[2.5],[3.5]]}");
    mkreq(&rq, &rs, "half_plus_two", NULL, "{\"instances\": [{\"x\": [0.5]}, {\"x\": [-4]}]}");
    ASSERT_OK(seer__h_predict(&rq, &rs));
    ASSERT_STR(body_of(&rs), "{\"predictions\":[[2.25],[0]]}");
}

TEST(versions_by_default_and_by_path)
{
    struct seer_req rq;
    struct seer_resp rs;

    if (!open_repo())
        T_SKIP("needs %s", shared_path(TFS));
    mkreq(&rq, &rs, "half_plus_two", "123", "{\"instances\": [1.0]}");
    ASSERT_OK(seer__h_predict(&rq, &rs));
    ASSERT_STR(rq.model_label, "half_plus_two:123");
    ASSERT_STR(body_of(&rs), "{\"predictions\":[2.5]}");
    mkreq(&rq, &rs, "half_plus_two", NULL, NULL);
    ASSERT_OK(seer__h_model_status(&rq, &rs));
    ASSERT(strstr(body_of(&rs), "\"version\":\"124\""));
    ASSERT(strstr(body_of(&rs), "\"version\":\"123\""));
    mkreq(&rq, &rs, "half_plus_two", "125", "{\"instances\": [1.0]}");
    ASSERT_EQ(seer__h_predict(&rq, &rs), SEER_ENOTFOUND);
}

TEST(bad_predict_requests)
{
    static const struct {
        const char *body, *sub;
        int rc;
    } cases[] = {
        {"{\"instances\": []}", "no instances", SEER_EINVAL},
        {"{\"instances\": [[1, 2], [3]]}", "ragged", SEER_EINVAL},
        {"{\"instances\": [\"a\"]}", "string", SEER_EUNSUPPORTED},
        {"{\"inputs\": {\"y\": [1]}}", "no input \"x\"", SEER_EINVAL},
        {"{\"signature_name\": \"regress_x_to_y\", \"instances\": [1]}", "not served", SEER_EINVAL},
        {"[1]", "JSON object", SEER_EINVAL},
    };
    struct seer_req rq;
    struct seer_resp rs;

    if (!open_repo())
        T_SKIP("needs %s", shared_path(TFS));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mkreq(&rq, &rs, "half_plus_two", NULL, cases[i].body);
        int rc = seer__h_predict(&rq, &rs);
        if (rc != cases[i].rc || !strstr(rq.err.msg, cases[i].sub))
            T_FAILF("%s: %d \"%s\"", cases[i].body, rc, rq.err.msg);
    }
}

/* The signature_def maps of two metadata answers hold the same signatures, inputs and
 * outputs (dtype, shape and tensor name). */
static bool same_signatures(const cJSON *a, const cJSON *b)
{
    const cJSON *sa, *sb;

    if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
        return false;
    cJSON_ArrayForEach(sa, a)
    {
        sb = cJSON_GetObjectItemCaseSensitive(b, sa->string);
        if (!sb)
            return false;
        const char *m1 = cJSON_GetStringValue(cJSON_GetObjectItem(sa, "method_name"));
        const char *m2 = cJSON_GetStringValue(cJSON_GetObjectItem(sb, "method_name"));
        if (!m1 || !m2 || strcmp(m1, m2))
            return false;
        for (int io = 0; io < 2; io++) {
            const char *k = io ? "outputs" : "inputs";
            const cJSON *ta = cJSON_GetObjectItem(sa, k), *tb = cJSON_GetObjectItem(sb, k), *t;
            if (cJSON_GetArraySize(ta) != cJSON_GetArraySize(tb))
                return false;
            cJSON_ArrayForEach(t, ta)
            {
                const cJSON *u = cJSON_GetObjectItemCaseSensitive(tb, t->string);
                if (!u || !cJSON_Compare(t, u, true)) {
                    printf("    %s %s %s differs\n", sa->string, k, t->string);
                    return false;
                }
            }
        }
    }
    return true;
}

TEST(metadata_matches_tf_serving)
{
    struct seer_req rq;
    struct seer_resp rs;
    uint8_t *buf = NULL;
    size_t n;
    cJSON *want, *got;

    if (!open_repo())
        T_SKIP("needs %s", shared_path(TFS));
    ASSERT_OK(
        seer_file_read(shared_path(TFS "half_plus_two_model_metadata.json"), 0, &buf, &n, NULL));
    want = cJSON_Parse((const char *)buf);
    seer_free(buf);
    mkreq(&rq, &rs, "half_plus_two_cpu", NULL, NULL);
    ASSERT_OK(seer__h_model_metadata(&rq, &rs));
    got = cJSON_ParseWithLength((const char *)rs.body, rs.len);
    ASSERT(want && got);
    const cJSON *ws = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(want, "metadata"), "signature_def"),
        "signature_def");
    const cJSON *gs = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(got, "metadata"), "signature_def"),
        "signature_def");
    ASSERT(ws && gs);
    ASSERT(same_signatures(ws, gs));
    ASSERT_STR(cJSON_GetStringValue(
                   cJSON_GetObjectItem(cJSON_GetObjectItem(got, "model_spec"), "version")),
               "123");
    cJSON_Delete(want);
    cJSON_Delete(got);
}

TEST(tf2_saved_model_is_refused_clearly)
{
    struct seer_graph *g = NULL;
    struct seer_err err = {{0}};
    const char *dir = shared_path(TFS "saved_model_half_plus_two_tf2_cpu/00000123");

    if (!file_exists(dir))
        T_SKIP("needs %s", dir);
    ASSERT_EQ(seer_savedmodel_import_dir(dir, NULL, NULL, NULL, NULL, &g, &err), SEER_EUNSUPPORTED);
    ASSERT(strstr(err.msg, "TensorFlow 2"));
    ASSERT(!g);
}

/* Writes n bytes of p to path. */
static bool put_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;
    if (f)
        fclose(f);
    return ok;
}

TEST(broken_checkpoints)
{
    const char *src = shared_path(TFS "saved_model_half_plus_two_cpu/00000123/variables/"
                                      "variables.index");
    char dir[] = "/tmp/seer-test-ckpt-XXXXXX", prefix[96], path[128];
    struct seer__bundle *b = NULL;
    struct seer_err err = {{0}};
    uint8_t *buf = NULL;
    size_t n = 0;

    if (seer_file_read(src, 0, &buf, &n, NULL))
        T_SKIP("needs %s", src);
    ASSERT(mkdtemp(dir));
    snprintf(prefix, sizeof(prefix), "%s/variables", dir);
    snprintf(path, sizeof(path), "%s.index", prefix);
    /* Cut anywhere: never a crash, always a message. */
    for (size_t cut = 0; cut < n; cut++) {
        ASSERT(put_file(path, buf, cut));
        if (!seer__bundle_open(prefix, NULL, &b, &err)) {
            seer__bundle_free(b);
            b = NULL;
        } else {
            ASSERT(err.msg[0]);
        }
    }
    /* Every byte flipped in turn: the same. */
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x5a;
        ASSERT(put_file(path, buf, n));
        if (!seer__bundle_open(prefix, NULL, &b, &err)) {
            seer__bundle_free(b);
            b = NULL;
        }
        buf[i] ^= 0x5a;
    }
    /* Intact, but the data shard is missing. */
    ASSERT(put_file(path, buf, n));
    ASSERT_OK(seer__bundle_open(prefix, NULL, &b, &err));
    ASSERT(seer__bundle_has(b, "a"));
    struct seer_graph *g = seer_graph_new();
    struct seer_value *v = NULL;
    ASSERT_EQ(seer__bundle_read(b, "a", "a", g, &v, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "variables.data-00000-of-00001"));
    ASSERT_EQ(seer__bundle_read(b, "nope", "nope", g, &v, &err), SEER_ENOTFOUND);
    seer_graph_free(g);
    seer__bundle_free(b);
    unlink(path);
    rmdir(dir);
    seer_free(buf);
}

T_MAIN(T_CASE(predict_half_plus_two), T_CASE(versions_by_default_and_by_path),
       T_CASE(bad_predict_requests), T_CASE(metadata_matches_tf_serving),
       T_CASE(tf2_saved_model_is_refused_clearly), T_CASE(broken_checkpoints))
