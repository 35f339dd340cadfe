/*
 * Tuning jobs in the server (see tune_jobs.h): the trainer allow-list, the tune_jobs table,
 * the runner thread and the API's operations on studies.
 *
 * States are the study store's (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED), plus
 * CANCELLING, shown while a cancel asked of a running study waits for its trials to die.
 * The runner takes the oldest study that is neither finished nor cancelled; a study a
 * stopped server left RUNNING or CANCELLED (a shutdown stops a study the way a cancel does)
 * comes first, since it is older, and seer_tune_run resumes it without rerunning a finished
 * trial.
 *
 * Priority: the runner thread runs at nice +10, and trials inherit it through fork, so
 * online requests get the CPU first, as with batch jobs.
 */
#define _GNU_SOURCE
#include "serve/tune_jobs.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/threadpool.h"
#include "serve/db.h"
#include "serve/serve.h"
#include "tune/tune.h"

#define TUNE_NICE        10
#define MAX_TRAINERS     16
#define MAX_NAME         64
#define MAX_COMMAND      4096
#define STATE_MAX        16
#define MAX_TRAINER_LIST 600 /* bytes of the "it has: a, b" list in messages */

static const char *const schema[] = {
    "CREATE TABLE tune_jobs ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " user TEXT NOT NULL,"
    " trainer TEXT NOT NULL,"
    " cancel INTEGER NOT NULL DEFAULT 0," /* a user asked to cancel it */
    " done INTEGER NOT NULL DEFAULT 0,"   /* the runner is finished with it */
    " error TEXT,"                        /* why the runner could not run it */
    " create_time INTEGER NOT NULL);",
};

struct trainer {
    char *name;    /* owns */
    char *command; /* owns: a shell command line, from the server's configuration */
};

struct seer_tune_jobs {
    struct trainer trainers[MAX_TRAINERS];
    int n_trainers;
    sqlite3 *db;              /* owns: seer.db (serialized mode, any thread) */
    struct seer_tune_db *hdb; /* owns: the request threads' store handle, behind hmu */
    pthread_mutex_t hmu;
    struct seer_tune_db *rdb; /* owns: the runner's store handle */
    pthread_t thread;
    bool have_thread;
    pthread_mutex_t mu; /* guards the fields below and which study the runner takes */
    pthread_cond_t cv;
    bool stopping;
    char running[SEER_TUNE_JOB_ID_MAX]; /* the study the runner is on, "" when none */
    atomic_int cancel;                  /* non-zero stops the running study */
};

/* A study's row in tune_jobs. */
struct job_row {
    bool found;
    char user[MAX_NAME + 1];
    char trainer[MAX_NAME + 1];
    bool cancel, done;
    char error[256];
};

/* ---- the trainer list ---- */

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_NAME || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}

static int add_trainer(struct seer_tune_jobs *t, const char *spec, struct seer_err *err)
{
    const char *eq = strchr(spec, '=');
    const char *cmd = eq ? eq + 1 : "";
    size_t n = eq ? (size_t)(eq - spec) : 0;

    while (n > 0 && isspace((unsigned char)spec[n - 1]))
        n--;
    while (isspace((unsigned char)*cmd))
        cmd++;
    if (!eq || !name_ok(spec, n) || !*cmd)
        return seer_errf(err, SEER_EINVAL,
                         "--tune-trainer '%.80s': expected NAME=COMMAND (NAME: a letter, then "
                         "letters, digits, '_', '-' or '.')",
                         spec);
    if (strlen(cmd) > MAX_COMMAND)
        return seer_errf(err, SEER_ELIMIT, "--tune-trainer %.*s: command over %d bytes", (int)n,
                         spec, MAX_COMMAND);
    for (int i = 0; i < t->n_trainers; i++)
        if (strlen(t->trainers[i].name) == n && !strncmp(t->trainers[i].name, spec, n))
            return seer_errf(err, SEER_EINVAL, "--tune-trainer %.*s: given twice", (int)n, spec);
    if (t->n_trainers == MAX_TRAINERS)
        return seer_errf(err, SEER_ELIMIT, "--tune-trainer: at most %d trainers", MAX_TRAINERS);
    t->trainers[t->n_trainers].name = seer_strndup(spec, n);
    t->trainers[t->n_trainers].command = seer_strdup(cmd);
    t->n_trainers++;
    if (!t->trainers[t->n_trainers - 1].name || !t->trainers[t->n_trainers - 1].command)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    return SEER_OK;
}

static const struct trainer *find_trainer(const struct seer_tune_jobs *t, const char *name)
{
    for (int i = 0; i < t->n_trainers; i++)
        if (!strcmp(t->trainers[i].name, name))
            return &t->trainers[i];
    return NULL;
}

/* "a, b, c" for messages. */
static void trainer_names(const struct seer_tune_jobs *t, char *buf, size_t cap)
{
    size_t k = 0;

    buf[0] = '\0';
    for (int i = 0; i < t->n_trainers && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", t->trainers[i].name);
}

int seer__tune_jobs_trainers(struct seer_tune_jobs *t, cJSON *arr, struct seer_err *err)
{
    for (int i = 0; i < t->n_trainers; i++)
        if (!cJSON_AddItemToArray(arr, cJSON_CreateString(t->trainers[i].name)))
            return seer_errf(err, SEER_ENOMEM, "out of memory");
    return SEER_OK;
}

/* ---- the tune_jobs table ---- */

static int db_fail(struct seer_tune_jobs *t, struct seer_err *err)
{
    return seer_errf(err, SEER_EIO, "tuning jobs database: %s", sqlite3_errmsg(t->db));
}

static int row_get(struct seer_tune_jobs *t, const char *id, struct job_row *r,
                   struct seer_err *err)
{
    sqlite3_stmt *st = NULL;

    memset(r, 0, sizeof(*r));
    if (sqlite3_prepare_v2(t->db,
                           "SELECT user, cancel, done, error, trainer FROM tune_jobs WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(t, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *e = sqlite3_column_text(st, 3);

        r->found = true;
        snprintf(r->user, sizeof(r->user), "%s", (const char *)sqlite3_column_text(st, 0));
        r->cancel = sqlite3_column_int(st, 1) != 0;
        r->done = sqlite3_column_int(st, 2) != 0;
        if (e)
            snprintf(r->error, sizeof(r->error), "%s", (const char *)e);
        snprintf(r->trainer, sizeof(r->trainer), "%s", (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    return SEER_OK;
}

/* Sets the cancel and done marks of a study (a negative value leaves one as it is) and
 * its error when error is not NULL. */
static int row_mark(struct seer_tune_jobs *t, const char *id, int cancel, int done,
                    const char *error, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(t->db,
                           "UPDATE tune_jobs SET cancel = CASE WHEN ?1 < 0 THEN cancel ELSE ?1 END,"
                           " done = CASE WHEN ?2 < 0 THEN done ELSE ?2 END,"
                           " error = COALESCE(?3, error) WHERE id = ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(t, err);
    sqlite3_bind_int(st, 1, cancel);
    sqlite3_bind_int(st, 2, done);
    if (error)
        sqlite3_bind_text(st, 3, error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SEER_OK : db_fail(t, err);
}

/* ---- reading a study's state from the store ---- */

/* The Job JSON of a study, parsed. The caller holds the lock of db, if any. */
static int study_json(struct seer_tune_db *db, const char *id, cJSON **out, struct seer_err *err)
{
    char *txt = NULL;
    int rc = seer_tune_show_json(db, id, &txt, err);

    *out = NULL;
    if (rc == SEER_ENOTFOUND)
        return seer_errf(err, SEER_ENOTFOUND, "no job '%s'", id);
    if (rc)
        return rc;
    *out = cJSON_Parse(txt);
    seer_free(txt);
    return *out ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}

static int study_state(struct seer_tune_db *db, const char *id, char *state, struct seer_err *err)
{
    cJSON *o = NULL;
    const cJSON *s;
    int rc = study_json(db, id, &o, err);

    if (!rc) {
        s = cJSON_GetObjectItemCaseSensitive(o, "state");
        snprintf(state, STATE_MAX, "%s", cJSON_IsString(s) ? s->valuestring : "?");
    }
    cJSON_Delete(o);
    return rc;
}

static bool is_active(const char *state)
{
    return !strcmp(state, "QUEUED") || !strcmp(state, "RUNNING");
}

/* Adds what the server knows about a study to its Job JSON: who submitted it, a cancel
 * under way, and why the runner could not run it. */
static int overlay(struct seer_tune_jobs *t, cJSON *job, struct seer_err *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(job, "jobId");
    cJSON *state = cJSON_GetObjectItemCaseSensitive(job, "state");
    struct job_row r;
    int rc;

    if (!cJSON_IsString(id) || !cJSON_IsString(state))
        return SEER_OK;
    rc = row_get(t, id->valuestring, &r, err);
    if (rc || !r.found)
        return rc;
    if (!cJSON_AddStringToObject(job, "user", r.user))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (r.cancel && is_active(state->valuestring) &&
        !cJSON_ReplaceItemInObjectCaseSensitive(job, "state", cJSON_CreateString("CANCELLING")))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (r.error[0] && !cJSON_GetObjectItemCaseSensitive(job, "errorMessage") &&
        !cJSON_AddStringToObject(job, "errorMessage", r.error))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    return SEER_OK;
}

/* ---- the runner ---- */

/* With t->mu held: the oldest study still to run into id; false when there is none. */
static bool pick(struct seer_tune_jobs *t, char *id)
{
    sqlite3_stmt *st = NULL;
    bool got = false;

    if (sqlite3_prepare_v2(t->db,
                           "SELECT id FROM tune_jobs WHERE done = 0 AND cancel = 0"
                           " ORDER BY seq LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(id, SEER_TUNE_JOB_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
        got = true;
    }
    sqlite3_finalize(st);
    return got;
}

static void run_one(struct seer_tune_jobs *t, const char *id)
{
    struct seer_tune_ctl ctl = {.cancel = &t->cancel};
    struct seer_err err = {{0}}, e2 = {{0}};
    struct job_row r;
    char state[STATE_MAX] = "", now[STATE_MAX] = "";
    int rc;

    if (!row_get(t, id, &r, &e2) && r.found && !find_trainer(t, r.trainer)) {
        /* The administrator took its trainer off the list since: it must not run again. A
         * run whose stop is already set records it CANCELLED without starting a trial (and
         * kills what a killed server may have left running). */
        atomic_int stop = 1;
        struct seer_tune_ctl now_ctl = {.cancel = &stop};

        snprintf(err.msg, sizeof(err.msg), "trainer '%s' is no longer on this server's list",
                 r.trainer);
        seer_log_warn("tuning job %s: %s", id, err.msg);
        (void)seer_tune_run(t->rdb, id, &now_ctl, NULL, &e2);
        pthread_mutex_lock(&t->mu);
        if (row_mark(t, id, -1, 1, err.msg, &e2))
            seer_log_error("tuning job %s: %s", id, e2.msg);
        pthread_mutex_unlock(&t->mu);
        return;
    }
    seer_log_info("tuning job %s: running", id);
    rc = seer_tune_run(t->rdb, id, &ctl, state, &err);
    pthread_mutex_lock(&t->mu);
    if (row_get(t, id, &r, &e2))
        seer_log_error("tuning job %s: %s", id, e2.msg);
    if (rc && study_state(t->rdb, id, now, &e2) == 0 && !is_active(now) &&
        strcmp(now, "CANCELLED")) {
        /* It had ended already: the last server stopped between its end and our mark. */
        rc = SEER_OK;
        snprintf(state, sizeof(state), "%s", now);
    }
    if (rc && t->stopping) {
        seer_log_info("tuning job %s: interrupted by shutdown (%s)", id, err.msg);
    } else if (rc) {
        seer_log_warn("tuning job %s: %s", id, err.msg);
        row_mark(t, id, -1, 1, err.msg[0] ? err.msg : seer_status_name(rc), &e2);
    } else if (!strcmp(state, "CANCELLED") && !r.cancel) {
        /* Stopped by the shutdown: the next start resumes it. */
        seer_log_info("tuning job %s: interrupted by shutdown; it resumes at the next start", id);
    } else {
        seer_log_info("tuning job %s: %s", id, state);
        if (row_mark(t, id, -1, 1, NULL, &e2))
            seer_log_error("tuning job %s: %s", id, e2.msg);
    }
    pthread_mutex_unlock(&t->mu);
}

static void *runner(void *arg)
{
    struct seer_tune_jobs *t = arg;

    /* Trials are forked from this thread and inherit its nice value; relative to the
     * server's own, so a server started under nice never gains priority here. */
    int prio = getpriority(PRIO_PROCESS, 0) + TUNE_NICE;

    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), prio > 19 ? 19 : prio);
    pthread_mutex_lock(&t->mu);
    while (!t->stopping) {
        char id[SEER_TUNE_JOB_ID_MAX];

        if (!pick(t, id)) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
            continue;
        }
        snprintf(t->running, sizeof(t->running), "%s", id);
        atomic_store(&t->cancel, 0);
        pthread_mutex_unlock(&t->mu);
        run_one(t, id);
        pthread_mutex_lock(&t->mu);
        t->running[0] = '\0';
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

int seer__tune_jobs_start(const struct seer_serve_opts *o, struct seer_tune_jobs **out,
                          struct seer_err *err)
{
    struct seer_tune_jobs *t = seer_calloc(1, sizeof(*t));
    char path[4096];
    int rc = SEER_OK;

    *out = NULL;
    if (!t)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_init(&t->hmu, NULL);
    pthread_cond_init(&t->cv, NULL);
    for (int i = 0; !rc && i < o->n_tune_trainers; i++)
        rc = add_trainer(t, o->tune_trainers[i], err);
    snprintf(path, sizeof(path), "%s/seer.db", o->state_dir);
    if (!rc)
        rc = seer_db_open(path, &t->db, err);
    if (!rc)
        rc = seer_db_migrate(t->db, "tune_jobs", schema, sizeof(schema) / sizeof(schema[0]), err);
    if (!rc)
        rc = seer_tune_open(o->state_dir, &t->hdb, err);
    if (!rc)
        rc = seer_tune_open(o->state_dir, &t->rdb, err);
    if (!rc) {
        if (pthread_create(&t->thread, NULL, runner, t) != 0)
            rc = seer_errf(err, SEER_EIO, "tuning jobs: cannot start the runner thread");
        else
            t->have_thread = true;
    }
    if (rc) {
        seer__tune_jobs_stop(t);
        return rc;
    }
    for (int i = 0; i < t->n_trainers; i++)
        seer_log_info("tuning: trainer %s: %s", t->trainers[i].name, t->trainers[i].command);
    *out = t;
    return SEER_OK;
}

void seer__tune_jobs_stop(struct seer_tune_jobs *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    atomic_store(&t->cancel, 1);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (t->have_thread)
        pthread_join(t->thread, NULL);
    seer_tune_close(t->rdb);
    seer_tune_close(t->hdb);
    sqlite3_close(t->db);
    for (int i = 0; i < t->n_trainers; i++) {
        seer_free(t->trainers[i].name);
        seer_free(t->trainers[i].command);
    }
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->hmu);
    seer_free(t);
}

/* ---- the API's operations ---- */

/* The trainer a request names, checked against the allow-list. */
static int pick_trainer(struct seer_tune_jobs *t, cJSON *input, const char *trainer,
                        const struct trainer **out, struct seer_err *err)
{
    const cJSON *pm = cJSON_GetObjectItemCaseSensitive(input, "pythonModule");
    char names[MAX_TRAINER_LIST];

    *out = NULL;
    if (pm && !cJSON_IsString(pm))
        return seer_errf(err, SEER_EINVAL, "trainingInput.pythonModule: must be a string");
    if (trainer && pm && strcmp(trainer, pm->valuestring))
        return seer_errf(err, SEER_EINVAL,
                         "trainer: the query names '%.64s' but trainingInput.pythonModule names "
                         "'%.64s'",
                         trainer, pm->valuestring);
    if (t->n_trainers == 0)
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "this server has no trainers for tuning jobs (start it with "
                         "--tune-trainer NAME=COMMAND)");
    trainer_names(t, names, sizeof(names));
    if (!trainer && !pm)
        return seer_errf(err, SEER_EINVAL,
                         "trainingInput.pythonModule: required: the trainer to run, one of "
                         "this server's: %s",
                         names);
    if (!trainer)
        trainer = pm->valuestring;
    if (!(*out = find_trainer(t, trainer)))
        return seer_errf(err, SEER_EINVAL,
                         "trainingInput.pythonModule: no trainer '%.64s' on this server (it "
                         "has: %s)",
                         trainer, names);
    if (!pm && !cJSON_AddStringToObject(input, "pythonModule", trainer))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    return SEER_OK;
}

/* The trial command: the trainer's command line run by /bin/sh with trainingInput.args
 * and then each trial's --name=value as its arguments ("$@"), so that nothing a request
 * sends is ever read by a shell. argv lives in a. */
static int trial_argv(const struct trainer *tr, const cJSON *input, struct seer_arena *a,
                      const char ***out, struct seer_err *err)
{
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(input, "args"), *x;
    int n = 0, k = 0;
    const char **argv;

    *out = NULL;
    if (args && (!cJSON_IsArray(args) || cJSON_GetArraySize(args) > SEER_TUNE_JOBS_MAX_ARGS))
        return seer_errf(err, SEER_EINVAL, "trainingInput.args: an array of at most %d strings",
                         SEER_TUNE_JOBS_MAX_ARGS);
    cJSON_ArrayForEach(x, args)
    {
        if (!cJSON_IsString(x) || strlen(x->valuestring) > SEER_TUNE_JOBS_MAX_ARG_BYTES)
            return seer_errf(err, SEER_EINVAL,
                             "trainingInput.args[%d]: must be a string of at most %d bytes", n,
                             SEER_TUNE_JOBS_MAX_ARG_BYTES);
        n++;
    }
    argv = seer_arena_array(a, (size_t)n + 5, sizeof(*argv));
    if (!argv)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    argv[k++] = "/bin/sh";
    argv[k++] = "-c";
    argv[k++] = seer_arena_printf(a, "%s \"$@\"", tr->command);
    argv[k++] = tr->name; /* $0: names the trainer in the shell's messages */
    cJSON_ArrayForEach(x, args) argv[k++] = x->valuestring;
    argv[k] = NULL;
    if (!argv[2])
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    *out = argv;
    return SEER_OK;
}

/* maxParallelTrials, capped at the machine's cores: a server shares its CPU. 0 leaves the
 * spec's value (and its validation) to seer_tune_create. */
static int64_t parallel_cap(const cJSON *input)
{
    const cJSON *hp = cJSON_GetObjectItemCaseSensitive(input, "hyperparameters");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(hp, "maxParallelTrials");
    double v = cJSON_IsNumber(p)   ? p->valuedouble
               : cJSON_IsString(p) ? strtod(p->valuestring, NULL)
                                   : 0;
    int cores = seer_cpu_count();

    return v > cores && v <= 1e9 && v == (double)(int64_t)v ? cores : 0;
}

int seer__tune_jobs_submit(struct seer_tune_jobs *t, const char *user, cJSON *root,
                           const char *trainer, struct seer_arena *a, const char **id,
                           struct seer_err *err)
{
    cJSON *input = cJSON_GetObjectItemCaseSensitive(root, "trainingInput");
    const struct trainer *tr;
    const char **argv = NULL;
    struct seer_tune_opts o = {0};
    char job_id[SEER_TUNE_JOB_ID_MAX], *text = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    *id = NULL;
    if (!cJSON_IsObject(root) || !cJSON_IsObject(input))
        return seer_errf(err, SEER_EINVAL, "trainingInput: required object");
    if (!cJSON_GetObjectItemCaseSensitive(input, "hyperparameters"))
        return seer_errf(err, SEER_EINVAL,
                         "trainingInput.hyperparameters: required (this server runs "
                         "hyperparameter tuning jobs, not single training runs)");
    rc = pick_trainer(t, input, trainer, &tr, err);
    if (!rc)
        rc = trial_argv(tr, input, a, &argv, err);
    if (rc)
        return rc;
    o.argv = argv;
    o.parallel = parallel_cap(input);
    o.chdir_trial = true; /* parallel trials never share a working directory */
    if (!(text = cJSON_PrintUnformatted(root)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    pthread_mutex_lock(&t->hmu);
    rc = seer_tune_create(t->hdb, text, strlen(text), &o, job_id, err);
    pthread_mutex_unlock(&t->hmu);
    cJSON_free(text);
    if (rc == SEER_ENOTFOUND) /* resumePreviousJobId names no study */
        rc = SEER_EINVAL;
    if (rc)
        return rc;
    /* The study exists from here on; should this insert fail it stays QUEUED in the store,
     * where `seer tune --resume` can still run it. */
    pthread_mutex_lock(&t->mu);
    if (sqlite3_prepare_v2(t->db,
                           "INSERT INTO tune_jobs(id, user, trainer, create_time) VALUES(?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(t, err);
    } else {
        sqlite3_bind_text(st, 1, job_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, user ? user : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, tr->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
        rc = sqlite3_step(st) == SQLITE_DONE ? SEER_OK : db_fail(t, err);
        sqlite3_finalize(st);
    }
    if (!rc)
        pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    if (rc)
        return rc;
    seer_log_info("tuning job %s: queued by %s (trainer %s)", job_id, user ? user : "-", tr->name);
    *id = seer_arena_strdup(a, job_id);
    return *id ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}

int seer__tune_jobs_get(struct seer_tune_jobs *t, const char *id, cJSON **out, struct seer_err *err)
{
    int rc;

    pthread_mutex_lock(&t->hmu);
    rc = study_json(t->hdb, id, out, err);
    pthread_mutex_unlock(&t->hmu);
    if (!rc && (rc = overlay(t, *out, err))) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

int seer__tune_jobs_list(struct seer_tune_jobs *t, cJSON *arr, struct seer_err *err)
{
    char *txt = NULL;
    cJSON *o = NULL, *jobs, *j;
    int rc;

    pthread_mutex_lock(&t->hmu);
    rc = seer_tune_list_json(t->hdb, &txt, err);
    pthread_mutex_unlock(&t->hmu);
    if (rc)
        return rc;
    o = cJSON_Parse(txt);
    seer_free(txt);
    jobs = cJSON_GetObjectItemCaseSensitive(o, "jobs");
    if (!cJSON_IsArray(jobs)) {
        cJSON_Delete(o);
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    while (!rc && (j = cJSON_DetachItemFromArray(jobs, 0))) {
        rc = overlay(t, j, err);
        if (!rc && !cJSON_AddItemToArray(arr, j))
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        if (rc)
            cJSON_Delete(j);
    }
    cJSON_Delete(o);
    return rc;
}

int seer__tune_jobs_cancel(struct seer_tune_jobs *t, const char *id, struct seer_err *err)
{
    struct job_row r;
    char state[STATE_MAX];
    int rc;

    pthread_mutex_lock(&t->mu);
    pthread_mutex_lock(&t->hmu);
    rc = study_state(t->hdb, id, state, err);
    if (!rc)
        rc = row_get(t, id, &r, err);
    if (rc)
        goto out;
    if (!r.found) {
        rc = seer_errf(err, SEER_EINVAL,
                       "job '%s' is a study run by `seer tune`, not by this server; stop it "
                       "there",
                       id);
    } else if (r.cancel && (is_active(state) || !strcmp(t->running, id))) {
        rc = SEER_OK; /* a cancel is under way */
    } else if (!strcmp(t->running, id)) {
        rc = row_mark(t, id, 1, -1, NULL, err);
        if (!rc)
            atomic_store(&t->cancel, 1);
    } else if (is_active(state) || (!strcmp(state, "CANCELLED") && !r.done)) {
        /* Not started yet, or left by a stopped server: the runner will not take it now
         * that it is marked. A run whose stop is already set records the study CANCELLED
         * (and kills what a killed server may have left running) without starting a
         * trial. */
        atomic_int stop = 1;
        struct seer_tune_ctl ctl = {.cancel = &stop};

        rc = row_mark(t, id, 1, 1, NULL, err);
        if (!rc && is_active(state))
            rc = seer_tune_run(t->hdb, id, &ctl, NULL, err);
    } else {
        rc = seer_errf(err, SEER_EINVAL, "job '%s' has already ended (%s)", id, state);
    }
out:
    pthread_mutex_unlock(&t->hmu);
    pthread_mutex_unlock(&t->mu);
    return rc;
}
