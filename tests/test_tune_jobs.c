/* Tuning jobs in the server without sockets: the trainer allow-list, the /v1/jobs handlers
 * for both kinds (create, list order, get, cancel) and a real study run by the runner. */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/compiler.h"
#include "core/log.h"
#include "serve/jobs.h"
#include "serve/serve.h"
#include "serve/tune_jobs.h"
#include "t.h"

static struct seer_arena *A;
static char DIR_[64];

static void mkreq(struct seer_req *rq, struct seer_resp *rs, struct seer_server *srv,
                  const char *method, const char *body)
{
    seer_arena_free(A);
    A = seer_arena_new(1 << 16);
    memset(rq, 0, sizeof(*rq));
    memset(rs, 0, sizeof(*rs));
    rq->method = method;
    rq->path = "/v1/jobs";
    rq->query = "";
    rq->content_type = "application/json";
    rq->authorization = rq->cookie = rq->csrf = rq->accept = "";
    rq->request_id = "t";
    rq->client_ip = "192.0.2.1";
    rq->body = (const uint8_t *)(body ? body : "");
    rq->body_len = body ? strlen(body) : 0;
    rq->arena = A;
    rq->srv = srv;
    rq->user = "tester";
}

/* s with its first `from` replaced by `to`, in out. */
static const char *subst(const char *s, const char *from, const char *to, char *out, size_t cap)
{
    const char *p = strstr(s, from);

    SEER_ASSERT(p);
    snprintf(out, cap, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return out;
}

static cJSON *body_of(const struct seer_resp *rs)
{
    return cJSON_ParseWithLength((const char *)rs->body, rs->len);
}

static void tmpdir_make(void)
{
    seer_log_set_level(SEER_LOG_WARN); /* the runner's info lines are noise here */
    snprintf(DIR_, sizeof(DIR_), "/tmp/seer-test-tune-jobs.XXXXXX");
    SEER_ASSERT(mkdtemp(DIR_));
}

static void tmpdir_remove(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", DIR_);
}

static int start_with(const char *const *trainers, int n, struct seer_tune_jobs **t,
                      struct seer_err *e)
{
    struct seer_serve_opts o;

    seer__serve_opts_init(&o);
    o.state_dir = DIR_;
    for (int i = 0; i < n; i++)
        o.tune_trainers[i] = trainers[i];
    o.n_tune_trainers = n;
    return seer__tune_jobs_start(&o, t, e);
}

TEST(trainer_list_is_checked)
{
    static const char *const bad[][2] = {
        {"noequals", "expected NAME=COMMAND"}, {"9lives=true", "expected NAME=COMMAND"},
        {"a b=true", "expected NAME=COMMAND"}, {"empty=   ", "expected NAME=COMMAND"},
        {"=true", "expected NAME=COMMAND"},
    };
    const char *twice[] = {"a=true", "a = false"};
    const char *good[] = {"trainer.task=python3 -m trainer.task", "b-2 = sh /x.sh"};
    struct seer_tune_jobs *t = NULL;
    struct seer_err e = {{0}};

    tmpdir_make();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ASSERT_EQ(start_with(&bad[i][0], 1, &t, &e), SEER_EINVAL);
        ASSERT(t == NULL);
        ASSERT(strstr(e.msg, bad[i][1]));
        ASSERT(strstr(e.msg, bad[i][0]));
    }
    ASSERT_EQ(start_with(twice, 2, &t, &e), SEER_EINVAL);
    ASSERT(strstr(e.msg, "--tune-trainer a: given twice"));
    ASSERT_OK(start_with(good, 2, &t, &e));
    cJSON *arr = cJSON_CreateArray();
    ASSERT_OK(seer__tune_jobs_trainers(t, arr, &e));
    char *txt = cJSON_PrintUnformatted(arr);
    ASSERT_STR(txt, "[\"trainer.task\",\"b-2\"]");
    cJSON_free(txt);
    cJSON_Delete(arr);
    seer__tune_jobs_stop(t);
    tmpdir_remove();
}

/* Polls a study until it has ended (10 s at most); returns its state. */
static const char *wait_end(struct seer_tune_jobs *t, const char *id, cJSON **job)
{
    struct seer_err e = {{0}};

    for (int i = 0; i < 200; i++) {
        const cJSON *s;

        cJSON_Delete(*job);
        *job = NULL;
        if (seer__tune_jobs_get(t, id, job, &e))
            return "?";
        s = cJSON_GetObjectItemCaseSensitive(*job, "state");
        if (!cJSON_IsString(s))
            return "?";
        if (strcmp(s->valuestring, "QUEUED") && strcmp(s->valuestring, "RUNNING") &&
            strcmp(s->valuestring, "CANCELLING"))
            return s->valuestring;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return "timeout";
}

/* Batch job rows put straight into the jobs table, to see both kinds in one list. */
static void add_batch_row(const char *id, long long create_time)
{
    char path[128], *sql;
    sqlite3 *db = NULL;

    snprintf(path, sizeof(path), "%s/seer.db", DIR_);
    SEER_ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
    sql = sqlite3_mprintf("INSERT INTO jobs(id, user, state, data_format, input_paths,"
                          " output_path, model, version, batch_size, create_time)"
                          " VALUES(%Q, 'u', 'SUCCEEDED', 'IMAGE', '[\"a\"]', 'o', 'm', 1, 1, %lld)",
                          id, create_time);
    SEER_ASSERT(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
}

TEST(handlers_create_list_get_cancel)
{
    /* The trainer reports x as its score; its argument list is the trial's. */
    const char *trainers[] = {
        "echo=f() { for a; do case $a in --x=*) echo score=${a#--x=};; esac; done; }; f",
        "sleepy=sleep 20; :"};
    const char *grid = "{\"jobId\": \"g1\", \"trainingInput\": {\"pythonModule\": \"echo\","
                       " \"hyperparameters\": {\"goal\": \"MINIMIZE\", \"hyperparameterMetric"
                       "Tag\": \"score\", \"algorithm\": \"GRID_SEARCH\", \"maxTrials\": 5,"
                       " \"params\": [{\"parameterName\": \"x\", \"type\": \"DISCRETE\","
                       " \"discreteValues\": [2, 3, 5]}]}}}";
    struct seer_server srv = {0};
    struct seer_req rq;
    struct seer_resp rs;
    struct seer_err e = {{0}};
    cJSON *j = NULL;
    char body[1024], tmp[1024];

    tmpdir_make();
    seer__serve_opts_init(&srv.opts);
    srv.opts.state_dir = DIR_;
    ASSERT_OK(seer__jobs_start(&srv, &srv.jobs, &e));
    ASSERT_OK(start_with(trainers, 2, &srv.tune, &e));
    add_batch_row("old_batch", (long long)time(NULL) - 3600);
    add_batch_row("new_batch", (long long)time(NULL) + 3600);

    mkreq(&rq, &rs, &srv, "POST", grid);
    ASSERT_OK(seer__h_jobs_any_create(&rq, &rs));
    ASSERT_EQ(rs.status, 200);
    j = body_of(&rs);
    ASSERT_STR(cJSON_GetObjectItemCaseSensitive(j, "jobId")->valuestring, "g1");
    ASSERT_STR(cJSON_GetObjectItemCaseSensitive(j, "user")->valuestring, "tester");
    ASSERT_STR(wait_end(srv.tune, "g1", &j), "SUCCEEDED");
    {
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(j, "trainingOutput");
        const cJSON *trials = cJSON_GetObjectItemCaseSensitive(out, "trials");
        const cJSON *best = cJSON_GetArrayItem(trials, 0);
        const cJSON *fm = cJSON_GetObjectItemCaseSensitive(best, "finalMetric");

        ASSERT_STR(cJSON_GetObjectItemCaseSensitive(out, "completedTrialCount")->valuestring, "3");
        ASSERT_EQ(cJSON_GetArraySize(trials), 3);
        ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(fm, "objectiveValue")->valuedouble, 2.0,
                    1e-12);
    }
    cJSON_Delete(j);
    j = NULL;

    /* A second study that never ends; a third waits behind it. */
    subst(grid, "\"echo\"", "\"sleepy\"", tmp, sizeof(tmp));
    mkreq(&rq, &rs, &srv, "POST", subst(tmp, "g1", "g2", body, sizeof(body)));
    ASSERT_OK(seer__h_jobs_any_create(&rq, &rs));
    mkreq(&rq, &rs, &srv, "POST", subst(tmp, "g1", "g3", body, sizeof(body)));
    ASSERT_OK(seer__h_jobs_any_create(&rq, &rs));

    /* One list, newest first: the newer batch row, the studies, the older batch row. */
    mkreq(&rq, &rs, &srv, "GET", NULL);
    ASSERT_OK(seer__h_jobs_any_list(&rq, &rs));
    j = body_of(&rs);
    {
        const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
        const char *want[] = {"new_batch", "g3", "g2", "g1", "old_batch"};

        ASSERT_EQ(cJSON_GetArraySize(jobs), 5);
        for (int i = 0; i < 5; i++)
            ASSERT_STR(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(jobs, i), "jobId")->valuestring,
                want[i]);
        ASSERT(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(jobs, 0), "predictionInput"));
        ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "trainers")), 2);
    }
    cJSON_Delete(j);
    j = NULL;

    /* GET and cancel reach each kind by id. */
    mkreq(&rq, &rs, &srv, "GET", NULL);
    rq.params[0] = "old_batch";
    ASSERT_OK(seer__h_jobs_any_get(&rq, &rs));
    j = body_of(&rs);
    ASSERT(cJSON_GetObjectItemCaseSensitive(j, "predictionInput"));
    cJSON_Delete(j);
    mkreq(&rq, &rs, &srv, "POST", NULL);
    rq.params[0] = "old_batch";
    ASSERT_EQ(seer__h_jobs_any_cancel(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "already ended"));
    mkreq(&rq, &rs, &srv, "POST", NULL);
    rq.params[0] = "g3";
    ASSERT_OK(seer__h_jobs_any_cancel(&rq, &rs));
    j = body_of(&rs);
    ASSERT_STR(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "CANCELLED");
    cJSON_Delete(j);
    mkreq(&rq, &rs, &srv, "POST", NULL);
    rq.params[0] = "g2";
    ASSERT_OK(seer__h_jobs_any_cancel(&rq, &rs));
    j = NULL;
    ASSERT_STR(wait_end(srv.tune, "g2", &j), "CANCELLED");
    cJSON_Delete(j);
    mkreq(&rq, &rs, &srv, "GET", NULL);
    rq.params[0] = "nosuch";
    ASSERT_EQ(seer__h_jobs_any_get(&rq, &rs), SEER_ENOTFOUND);

    /* Ids are shared: neither kind may take the other's. */
    mkreq(&rq, &rs, &srv, "POST",
          "{\"jobId\": \"g1\", \"predictionInput\": {\"dataFormat\": \"IMAGE\"}}");
    ASSERT_EQ(seer__h_jobs_any_create(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "jobId: a job 'g1' exists"));
    mkreq(&rq, &rs, &srv, "POST", subst(grid, "\"g1\"", "\"old_batch\"", body, sizeof(body)));
    ASSERT_EQ(seer__h_jobs_any_create(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "jobId: a job 'old_batch' exists"));

    /* The trainer must be on the list; a YAML body needs trainingInput. */
    mkreq(&rq, &rs, &srv, "POST",
          "{\"trainingInput\": {\"pythonModule\": \"/bin/rm\", \"hyperparameters\": {}}}");
    ASSERT_EQ(seer__h_jobs_any_create(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "no trainer '/bin/rm' on this server (it has: echo, sleepy)"));
    mkreq(&rq, &rs, &srv, "POST", "jobId: x\n");
    rq.content_type = "application/yaml; charset=utf-8";
    ASSERT_EQ(seer__h_jobs_any_create(&rq, &rs), SEER_EINVAL);
    ASSERT(strstr(rq.err.msg, "trainingInput: required"));

    seer__tune_jobs_stop(srv.tune);
    seer__jobs_stop(srv.jobs);
    seer_arena_free(A);
    A = NULL;
    tmpdir_remove();
}

T_MAIN(T_CASE(trainer_list_is_checked), T_CASE(handlers_create_list_get_cancel))
