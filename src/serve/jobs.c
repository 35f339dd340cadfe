/*
 * Batch prediction jobs in the server (see jobs.h): records in SQLite, one runner thread.
 *
 * States follow Cloud ML Engine: QUEUED -> PREPARING (model resolved, inputs listed, paths
 * checked) -> RUNNING -> SUCCEEDED | FAILED, and CANCELLING -> CANCELLED. The runner takes
 * the oldest job, but a job left PREPARING or RUNNING by a stopped server comes first: the
 * batch store in its output folder remembers which inputs are done (src/batch/job.c), so
 * it resumes where it stopped. The model version is pinned at the first start, so a resume
 * after a model upgrade finishes with the version it began with.
 *
 * Priority: the runner's threads (and the OpenMP team a worker starts) run at nice +10 with
 * one inference worker, so online requests on the inference queue get the CPU first and a
 * job only soaks up what is left.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <seer/batch.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/log.h"
#include "serve/db.h"
#include "serve/jobs.h"
#include "serve/serve.h"

#define JOB_NICE        10
#define MAX_INPUT_PATHS 64
#define ID_MAX          128
#define PROGRESS_MS     500

static const char *const schema[] = {
    "CREATE TABLE jobs ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " user TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " data_format TEXT NOT NULL,"
    " input_paths TEXT NOT NULL," /* the request's JSON array */
    " output_path TEXT NOT NULL," /* as requested */
    " output_real TEXT,"          /* resolved at the first start */
    " model TEXT NOT NULL,"
    " version INTEGER NOT NULL," /* 0 until pinned at the first start */
    " batch_size INTEGER NOT NULL,"
    " total INTEGER NOT NULL DEFAULT 0,"
    " done INTEGER NOT NULL DEFAULT 0," /* finished inputs, failed ones included */
    " failed INTEGER NOT NULL DEFAULT 0,"
    " error TEXT,"
    " create_time INTEGER NOT NULL, start_time INTEGER, end_time INTEGER);"
    "CREATE INDEX jobs_state ON jobs(state);",
};

struct seer_jobs {
    struct seer_server *srv;      /* borrowed */
    sqlite3 *db;                  /* owns */
    struct seer__job_roots roots; /* owns */
    pthread_t thread;
    bool have_thread;
    pthread_mutex_t mu; /* guards the fields below and state changes of the running job */
    pthread_cond_t cv;
    bool stopping;
    char running[ID_MAX + 1]; /* the job the runner is on, "" when none */
    atomic_int cancel;        /* non-zero stops the running job */
};

/* A job's row, strings in an arena. */
struct job_row {
    const char *id, *state, *data_format, *input_paths, *output_path, *model;
    int version, batch_size;
};

/* ---- small SQLite helpers ---- */

static int db_fail(struct seer_jobs *j, struct seer_err *err)
{
    return seer_errf(err, SEER_EIO, "jobs database: %s", sqlite3_errmsg(j->db));
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* Runs sql with text (s) and integer (i) parameters given by fmt ("ssi..."). */
static int db_exec(struct seer_jobs *j, const char *sql, const char *fmt, struct seer_err *err, ...)
{
    sqlite3_stmt *st = NULL;
    va_list ap;
    int rc;

    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(j, err);
    va_start(ap, err);
    for (int k = 0; fmt[k]; k++) {
        if (fmt[k] == 's') {
            const char *s = va_arg(ap, const char *);

            if (s)
                sqlite3_bind_text(st, k + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, k + 1);
        } else {
            sqlite3_bind_int64(st, k + 1, va_arg(ap, int64_t));
        }
    }
    va_end(ap);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(j, err);
    return SEER_OK;
}

static const char *col_str(sqlite3_stmt *st, int c, struct seer_arena *a)
{
    const unsigned char *s = sqlite3_column_text(st, c);

    return s ? seer_arena_strdup(a, (const char *)s) : NULL;
}

static int load_row(struct seer_jobs *j, const char *id, struct seer_arena *a, struct job_row *r,
                    struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SEER_OK;

    if (sqlite3_prepare_v2(j->db,
                           "SELECT id, state, data_format, input_paths, output_path, model,"
                           " version, batch_size FROM jobs WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(j, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = seer_errf(err, SEER_ENOTFOUND, "no job '%s'", id);
        goto out;
    }
    r->id = col_str(st, 0, a);
    r->state = col_str(st, 1, a);
    r->data_format = col_str(st, 2, a);
    r->input_paths = col_str(st, 3, a);
    r->output_path = col_str(st, 4, a);
    r->model = col_str(st, 5, a);
    r->version = sqlite3_column_int(st, 6);
    r->batch_size = sqlite3_column_int(st, 7);
    if (!r->id || !r->state || !r->data_format || !r->input_paths || !r->output_path || !r->model)
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
out:
    sqlite3_finalize(st);
    return rc;
}

/* ---- running one job ---- */

struct progress {
    struct seer_jobs *j;
    const char *id;
    struct timespec last;
};

static void on_progress(void *ctx, size_t done, size_t failed, size_t total)
{
    struct progress *p = ctx;
    struct timespec now;
    struct seer_err err;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (now.tv_sec - p->last.tv_sec) * 1e3 + (now.tv_nsec - p->last.tv_nsec) / 1e6;
    if (ms < PROGRESS_MS && done < total)
        return;
    p->last = now;
    if (db_exec(p->j, "UPDATE jobs SET done = ?, failed = ?, total = ? WHERE id = ?", "iiis", &err,
                (int64_t)done, (int64_t)failed, (int64_t)total, p->id))
        seer_log_warn("job %s: %s", p->id, err.msg);
}

/* The inputs of a job: every pattern expanded (and every matched file checked against the
 * roots), photos sorted as one list, JSON Lines files read in order. */
static int job_inputs(struct seer_jobs *j, const struct job_row *r, struct seer_batch_inputs *in,
                      struct seer_err *err)
{
    cJSON *paths = cJSON_Parse(r->input_paths), *p;
    bool json = !strcmp(r->data_format, "JSON");
    int rc = SEER_OK;

    if (!cJSON_IsArray(paths)) {
        cJSON_Delete(paths);
        return seer_errf(err, SEER_EFORMAT, "inputPaths: not an array");
    }
    cJSON_ArrayForEach(p, paths)
    {
        char *pat = NULL;

        rc = seer__job_pattern(&j->roots, p->valuestring, &pat, err);
        if (!rc && !json) {
            /* Appending keeps one sorted list without duplicates over every pattern. */
            rc = seer_batch_inputs_glob(in, pat, err);
        } else if (!rc) {
            struct seer_batch_inputs files;

            seer_batch_inputs_init(&files);
            rc = seer_batch_inputs_glob(&files, pat, err);
            for (size_t i = 0; !rc && i < files.n; i++) {
                rc = seer__job_file_check(&j->roots, files.v[i].path, err);
                if (!rc)
                    rc = seer_batch_inputs_jsonl(in, files.v[i].path, err);
            }
            seer_batch_inputs_clear(&files);
        }
        seer_free(pat);
        if (rc == SEER_ENOTFOUND && in->n > 0)
            rc = SEER_OK, seer_err_clear(err); /* another pattern found inputs */
        if (rc)
            break;
    }
    cJSON_Delete(paths);
    for (size_t i = 0; !rc && !json && i < in->n; i++)
        rc = seer__job_file_check(&j->roots, in->v[i].path, err);
    return rc;
}

static void set_failed(struct seer_jobs *j, const char *id, const char *msg)
{
    struct seer_err err;

    seer_log_warn("job %s failed: %s", id, msg);
    if (db_exec(j, "UPDATE jobs SET state = 'FAILED', error = ?, end_time = ? WHERE id = ?", "sis",
                &err, msg, now_s(), id))
        seer_log_error("job %s: %s", id, err.msg);
}

static void run_job(struct seer_jobs *j, const char *id)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct job_row r = {0};
    struct seer_batch_inputs in;
    struct seer_batch_job bj = {0};
    struct seer_batch_stats st = {0};
    struct seer_model *m = NULL;
    struct progress prog = {j, id, {0, 0}};
    struct seer_err err = {{0}};
    char *out_dir = NULL;
    bool stopping, cancelled = false;
    int rc;

    seer_batch_inputs_init(&in);
    if (!a) {
        set_failed(j, id, "out of memory");
        return;
    }
    rc = load_row(j, id, a, &r, &err);
    if (rc)
        goto out;
    seer_log_info("job %s: %s", id, !strcmp(r.state, "RUNNING") ? "resuming" : "starting");
    rc = j->srv->repo ? seer_repo_get(j->srv->repo, r.model, r.version, &m, &err)
                      : seer_errf(&err, SEER_ENOTFOUND, "the server has no models");
    if (!rc && r.version == 0)
        rc = db_exec(j, "UPDATE jobs SET version = ? WHERE id = ?", "is", &err,
                     (int64_t)seer_model_version(m), id);
    if (!rc)
        rc = job_inputs(j, &r, &in, &err);
    if (!rc)
        rc = seer__job_output(&j->roots, r.output_path, true, &out_dir, &err);
    if (!rc)
        rc = db_exec(j,
                     "UPDATE jobs SET total = ?, output_real = ?,"
                     " state = CASE state WHEN 'PREPARING' THEN 'RUNNING' ELSE state END"
                     " WHERE id = ?",
                     "iss", &err, (int64_t)in.n, out_dir, id);
    if (rc)
        goto out;
    bj.model = m;
    bj.inputs = &in;
    bj.out_dir = out_dir;
    bj.n_shards = 1;
    seer_batch_opts_init(&bj.run);
    bj.run.n_workers = 1;
    bj.run.batch_size = r.batch_size > 0 ? r.batch_size : 1;
    bj.run.queue_len = 4;
    bj.run.nice = JOB_NICE;
    bj.run.max_pixels = j->srv->opts.max_pixels;
    bj.run.cancel = &j->cancel;
    /* Small chunks: a server restart redoes at most 16 photos of a job. */
    bj.chunk_items = 16;
    bj.on_progress = on_progress;
    bj.ctx = &prog;
    /* A cancel while preparing stops here; one while running stops the pipeline. */
    cancelled = atomic_load(&j->cancel) != 0;
    if (!cancelled) {
        rc = seer_batch_job_run(&bj, &st, &err);
        cancelled = st.cancelled;
    }
out:
    pthread_mutex_lock(&j->mu);
    stopping = j->stopping;
    if (rc && !stopping) {
        set_failed(j, id, err.msg[0] ? err.msg : seer_status_name(rc));
    } else if (stopping && (rc || cancelled)) {
        /* Left PREPARING or RUNNING: the next start resumes it. */
        seer_log_info("job %s: interrupted by shutdown; it resumes at the next start", id);
    } else if (cancelled) {
        db_exec(j, "UPDATE jobs SET state = 'CANCELLED', end_time = ? WHERE id = ?", "is", &err,
                now_s(), id);
        seer_log_info("job %s: cancelled", id);
    } else {
        db_exec(j, "UPDATE jobs SET state = 'SUCCEEDED', end_time = ? WHERE id = ?", "is", &err,
                now_s(), id);
        seer_log_info("job %s: succeeded (%zu inputs, %zu failed this run)", id, in.n, st.failed);
    }
    pthread_mutex_unlock(&j->mu);
    seer_free(out_dir);
    seer_model_unref(m);
    seer_batch_inputs_clear(&in);
    seer_arena_free(a);
}

/* With j->mu held: the next job to run (a resumed one first), moved from QUEUED to
 * PREPARING. False when there is none. */
static bool pick(struct seer_jobs *j, char *id, size_t cap)
{
    sqlite3_stmt *st = NULL;
    struct seer_err err;
    bool got = false, queued = false;

    if (sqlite3_prepare_v2(j->db,
                           "SELECT id, state FROM jobs"
                           " WHERE state IN ('PREPARING', 'RUNNING', 'QUEUED')"
                           " ORDER BY state = 'QUEUED', seq LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(id, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        queued = !strcmp((const char *)sqlite3_column_text(st, 1), "QUEUED");
        got = true;
    }
    sqlite3_finalize(st);
    if (got && queued &&
        db_exec(j,
                "UPDATE jobs SET state = 'PREPARING', start_time = ? WHERE id = ? AND"
                " state = 'QUEUED'",
                "is", &err, now_s(), id)) {
        seer_log_error("jobs: %s", err.msg);
        return false;
    }
    return got;
}

static void *runner(void *arg)
{
    struct seer_jobs *j = arg;

    /* The runner is the pipeline's controlling thread: it ticks commits and progress. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), JOB_NICE);
    pthread_mutex_lock(&j->mu);
    while (!j->stopping) {
        char id[ID_MAX + 1];

        if (!pick(j, id, sizeof(id))) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            pthread_cond_timedwait(&j->cv, &j->mu, &ts);
            continue;
        }
        snprintf(j->running, sizeof(j->running), "%s", id);
        atomic_store(&j->cancel, 0);
        pthread_mutex_unlock(&j->mu);
        run_job(j, id);
        pthread_mutex_lock(&j->mu);
        j->running[0] = '\0';
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

int seer__jobs_start(struct seer_server *srv, struct seer_jobs **out, struct seer_err *err)
{
    struct seer_jobs *j = seer_calloc(1, sizeof(*j));
    char path[4096];
    int rc;

    *out = NULL;
    if (!j)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    j->srv = srv;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    snprintf(path, sizeof(path), "%s/seer.db", srv->opts.state_dir);
    rc = seer_db_open(path, &j->db, err);
    if (!rc)
        rc = seer_db_migrate(j->db, "jobs", schema, sizeof(schema) / sizeof(schema[0]), err);
    for (int i = 0; !rc && i < srv->opts.n_job_roots; i++)
        rc = seer__job_roots_add(&j->roots, srv->opts.job_roots[i], false, err);
    if (!rc && j->roots.n == 0) {
        snprintf(path, sizeof(path), "%s/jobs", srv->opts.state_dir);
        rc = seer__job_roots_add(&j->roots, path, true, err);
    }
    /* A cancel the last run did not finish is finished now. */
    if (!rc)
        rc = db_exec(j,
                     "UPDATE jobs SET state = 'CANCELLED', end_time = ? WHERE state = "
                     "'CANCELLING'",
                     "i", err, now_s());
    if (!rc) {
        if (pthread_create(&j->thread, NULL, runner, j) != 0)
            rc = seer_errf(err, SEER_EIO, "jobs: cannot start the runner thread");
        else
            j->have_thread = true;
    }
    if (rc) {
        seer__jobs_stop(j);
        return rc;
    }
    for (int i = 0; i < j->roots.n; i++)
        seer_log_info("jobs: root %s", j->roots.v[i]);
    *out = j;
    return SEER_OK;
}

void seer__jobs_stop(struct seer_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = true;
    atomic_store(&j->cancel, 1);
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (j->have_thread)
        pthread_join(j->thread, NULL);
    sqlite3_close(j->db);
    seer__job_roots_clear(&j->roots);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    seer_free(j);
}

/* ---- the API's operations ---- */

static bool id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > ID_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* "centernet", "projects/p/models/centernet" or ".../models/centernet/versions/2". */
static int parse_model(const char *field, const char *s, struct seer_arena *a, const char **name,
                       int *version, struct seer_err *err)
{
    const char *m = strstr(s, "models/"), *v;
    size_t n;

    m = m ? m + 7 : s;
    v = strstr(m, "/versions/");
    n = v ? (size_t)(v - m) : strlen(m);
    if (n == 0 || memchr(m, '/', n))
        return seer_errf(err, SEER_EINVAL, "predictionInput.%s: '%s' names no model", field, s);
    *name = seer_arena_strndup(a, m, n);
    *version = 0;
    if (v) {
        char *end;
        long x = strtol(v + 10, &end, 10);

        if (*end || x < 1 || x > 2000000000)
            return seer_errf(err, SEER_EINVAL, "predictionInput.%s: bad version in '%s'", field, s);
        *version = (int)x;
    }
    return *name ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}

int seer__jobs_submit(struct seer_jobs *j, const char *user, const cJSON *body,
                      struct seer_arena *a, const char **id, struct seer_err *err)
{
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(body, "predictionInput");
    const cJSON *jid = cJSON_GetObjectItemCaseSensitive(body, "jobId");
    const cJSON *fmt, *paths, *outp, *mn, *vn, *bs, *p;
    const char *model = NULL;
    struct seer_model *m = NULL;
    char *paths_json = NULL, *checked = NULL, gen[64];
    int version = 0, batch = 1, n_paths = 0, rc;

    *id = NULL;
    if (!cJSON_IsObject(body) || !cJSON_IsObject(pi))
        return seer_errf(err, SEER_EINVAL, "predictionInput: required object");
    fmt = cJSON_GetObjectItemCaseSensitive(pi, "dataFormat");
    paths = cJSON_GetObjectItemCaseSensitive(pi, "inputPaths");
    outp = cJSON_GetObjectItemCaseSensitive(pi, "outputPath");
    mn = cJSON_GetObjectItemCaseSensitive(pi, "modelName");
    vn = cJSON_GetObjectItemCaseSensitive(pi, "versionName");
    bs = cJSON_GetObjectItemCaseSensitive(pi, "batchSize");
    if (!cJSON_IsString(fmt) ||
        (strcmp(fmt->valuestring, "JSON") && strcmp(fmt->valuestring, "IMAGE")))
        return seer_errf(err, SEER_EINVAL,
                         "predictionInput.dataFormat: JSON (instances, one per line) or IMAGE "
                         "(photo files)");
    if (!cJSON_IsArray(paths) || cJSON_GetArraySize(paths) < 1 ||
        cJSON_GetArraySize(paths) > MAX_INPUT_PATHS)
        return seer_errf(err, SEER_EINVAL,
                         "predictionInput.inputPaths: an array of 1 to %d paths (wildcards "
                         "allowed)",
                         MAX_INPUT_PATHS);
    cJSON_ArrayForEach(p, paths)
    {
        if (!cJSON_IsString(p))
            return seer_errf(err, SEER_EINVAL, "predictionInput.inputPaths[%d]: not a string",
                             n_paths);
        rc = seer__job_pattern(&j->roots, p->valuestring, &checked, err);
        seer_free(checked);
        if (rc) {
            seer_err_prefix(err, "predictionInput.inputPaths[%d]: ", n_paths);
            return rc == SEER_ENOTFOUND ? SEER_EINVAL : rc;
        }
        n_paths++;
    }
    if (!cJSON_IsString(outp))
        return seer_errf(err, SEER_EINVAL, "predictionInput.outputPath: required string");
    rc = seer__job_output(&j->roots, outp->valuestring, false, &checked, err);
    seer_free(checked);
    if (rc) {
        seer_err_prefix(err, "predictionInput.");
        return rc;
    }
    if (cJSON_IsString(vn))
        rc = parse_model("versionName", vn->valuestring, a, &model, &version, err);
    else if (cJSON_IsString(mn))
        rc = parse_model("modelName", mn->valuestring, a, &model, &version, err);
    else
        rc = seer_errf(err, SEER_EINVAL, "predictionInput: modelName or versionName required");
    if (rc)
        return rc;
    if (bs) {
        double v = cJSON_IsNumber(bs)   ? bs->valuedouble
                   : cJSON_IsString(bs) ? strtod(bs->valuestring, NULL)
                                        : -1;

        if (!(v >= 1 && v <= 4096) || v != (int)v)
            return seer_errf(err, SEER_EINVAL, "predictionInput.batchSize: 1 to 4096");
        batch = (int)v;
    }
    if (!j->srv->repo)
        return seer_errf(err, SEER_ENOTFOUND, "the server has no models");
    rc = seer_repo_get(j->srv->repo, model, version, &m, err);
    if (rc)
        return rc;
    seer_model_unref(m);
    if (jid) {
        if (!cJSON_IsString(jid) || !id_ok(jid->valuestring))
            return seer_errf(err, SEER_EINVAL,
                             "jobId: a letter, then letters, digits or '_' (at most %d)", ID_MAX);
        *id = seer_arena_strdup(a, jid->valuestring);
    } else {
        struct tm tm;
        time_t t = time(NULL);

        gmtime_r(&t, &tm);
        snprintf(gen, sizeof(gen), "job_%04d%02d%02d_%02d%02d%02d_%04x", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (unsigned)(randombytes_random() & 0xffff));
        *id = seer_arena_strdup(a, gen);
    }
    paths_json = cJSON_PrintUnformatted(paths);
    if (!*id || !paths_json) {
        cJSON_free(paths_json);
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    pthread_mutex_lock(&j->mu);
    rc = db_exec(j,
                 "INSERT INTO jobs(id, user, state, data_format, input_paths, output_path,"
                 " model, version, batch_size, create_time)"
                 " VALUES(?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, ?)",
                 "ssssssiii", err, *id, user ? user : "", fmt->valuestring, paths_json,
                 outp->valuestring, model, (int64_t)version, (int64_t)batch, now_s());
    if (rc && sqlite3_extended_errcode(j->db) == SQLITE_CONSTRAINT_UNIQUE)
        rc = seer_errf(err, SEER_EINVAL, "jobId: a job '%s' exists", *id);
    if (!rc)
        pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    cJSON_free(paths_json);
    return rc;
}

/* RFC 3339 UTC time, as Cloud ML Engine writes job times. */
static void add_time(cJSON *o, const char *key, sqlite3_stmt *st, int c)
{
    char buf[32];
    struct tm tm;
    time_t t;

    if (sqlite3_column_type(st, c) == SQLITE_NULL)
        return;
    t = (time_t)sqlite3_column_int64(st, c);
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(o, key, buf);
}

#define JOB_COLUMNS                                                                                \
    "id, user, state, data_format, input_paths, output_path, output_real, model, version,"         \
    " batch_size, total, done, failed, error, create_time, start_time, end_time"

/* The job resource of the current row (columns as JOB_COLUMNS). NULL on out of memory. */
static cJSON *row_json(sqlite3_stmt *st)
{
    cJSON *o = cJSON_CreateObject(), *pi, *po, *pr;
    const char *state = (const char *)sqlite3_column_text(st, 2);
    const char *real = (const char *)sqlite3_column_text(st, 6);
    int64_t done = sqlite3_column_int64(st, 11), failed = sqlite3_column_int64(st, 12);
    char name[256];

    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "jobId", (const char *)sqlite3_column_text(st, 0));
    cJSON_AddStringToObject(o, "user", (const char *)sqlite3_column_text(st, 1));
    cJSON_AddStringToObject(o, "state", state);
    add_time(o, "createTime", st, 14);
    add_time(o, "startTime", st, 15);
    add_time(o, "endTime", st, 16);
    pi = cJSON_AddObjectToObject(o, "predictionInput");
    if (pi) {
        cJSON_AddStringToObject(pi, "dataFormat", (const char *)sqlite3_column_text(st, 3));
        cJSON_AddItemToObject(pi, "inputPaths",
                              cJSON_Parse((const char *)sqlite3_column_text(st, 4)));
        cJSON_AddStringToObject(pi, "outputPath", (const char *)sqlite3_column_text(st, 5));
        cJSON_AddStringToObject(pi, "modelName", (const char *)sqlite3_column_text(st, 7));
        if (sqlite3_column_int(st, 8) > 0) {
            snprintf(name, sizeof(name), "models/%s/versions/%d", sqlite3_column_text(st, 7),
                     sqlite3_column_int(st, 8));
            cJSON_AddStringToObject(pi, "versionName", name);
        }
        cJSON_AddNumberToObject(pi, "batchSize", sqlite3_column_int(st, 9));
    }
    po = cJSON_AddObjectToObject(o, "predictionOutput");
    if (po) {
        cJSON_AddStringToObject(po, "outputPath",
                                real ? real : (const char *)sqlite3_column_text(st, 5));
        cJSON_AddNumberToObject(po, "predictionCount", (double)(done - failed));
        cJSON_AddNumberToObject(po, "errorCount", (double)failed);
    }
    pr = cJSON_AddObjectToObject(o, "progress");
    if (pr) {
        cJSON_AddNumberToObject(pr, "done", (double)done);
        cJSON_AddNumberToObject(pr, "failed", (double)failed);
        cJSON_AddNumberToObject(pr, "total", (double)sqlite3_column_int64(st, 10));
    }
    if (sqlite3_column_type(st, 13) != SQLITE_NULL)
        cJSON_AddStringToObject(o, "errorMessage", (const char *)sqlite3_column_text(st, 13));
    return o;
}

int seer__jobs_get(struct seer_jobs *j, const char *id, cJSON **out, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SEER_OK;

    *out = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(j, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = seer_errf(err, SEER_ENOTFOUND, "no job '%s'", id);
    else if (!(*out = row_json(st)))
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
    sqlite3_finalize(st);
    return rc;
}

int seer__jobs_list(struct seer_jobs *j, int max, cJSON **out, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    cJSON *o = cJSON_CreateObject(), *arr, *roots;
    int rc = SEER_OK;

    *out = NULL;
    arr = o ? cJSON_AddArrayToObject(o, "jobs") : NULL;
    roots = o ? cJSON_AddArrayToObject(o, "roots") : NULL;
    if (!arr || !roots) {
        cJSON_Delete(o);
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    for (int i = 0; i < j->roots.n; i++)
        cJSON_AddItemToArray(roots, cJSON_CreateString(j->roots.v[i]));
    if (sqlite3_prepare_v2(j->db, "SELECT " JOB_COLUMNS " FROM jobs ORDER BY seq DESC LIMIT ?", -1,
                           &st, NULL) != SQLITE_OK) {
        cJSON_Delete(o);
        return db_fail(j, err);
    }
    sqlite3_bind_int(st, 1, max);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *row = row_json(st);

        if (!row)
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        else
            cJSON_AddItemToArray(arr, row);
    }
    sqlite3_finalize(st);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return SEER_OK;
}

int seer__jobs_cancel(struct seer_jobs *j, const char *id, struct seer_err *err)
{
    struct seer_arena *a = seer_arena_new(1024);
    struct job_row r;
    int rc;

    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    pthread_mutex_lock(&j->mu);
    rc = load_row(j, id, a, &r, err);
    if (rc)
        goto out;
    if (!strcmp(r.state, "QUEUED")) {
        rc = db_exec(j, "UPDATE jobs SET state = 'CANCELLED', end_time = ? WHERE id = ?", "is", err,
                     now_s(), id);
    } else if (!strcmp(r.state, "PREPARING") || !strcmp(r.state, "RUNNING")) {
        rc = db_exec(j, "UPDATE jobs SET state = 'CANCELLING' WHERE id = ?", "s", err, id);
        if (!rc && !strcmp(j->running, id))
            atomic_store(&j->cancel, 1);
    } else if (strcmp(r.state, "CANCELLING")) {
        rc = seer_errf(err, SEER_EINVAL, "job '%s' has already ended (%s)", id, r.state);
    }
out:
    pthread_mutex_unlock(&j->mu);
    seer_arena_free(a);
    return rc;
}

int seer__jobs_output(struct seer_jobs *j, const char *id, struct seer_arena *a,
                      const char **output_path, const char **state, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SEER_OK;

    if (sqlite3_prepare_v2(j->db, "SELECT output_real, state FROM jobs WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(j, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = seer_errf(err, SEER_ENOTFOUND, "no job '%s'", id);
    } else {
        *output_path = col_str(st, 0, a);
        *state = col_str(st, 1, a);
        if (!*state)
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}
