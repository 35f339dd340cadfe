/* The SQLite study store (see store.h). */
#include "tune/store.h"

#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

struct seer__store {
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS tune_studies("
    " job_id TEXT PRIMARY KEY, config TEXT NOT NULL, command TEXT NOT NULL, executor TEXT,"
    " cwd TEXT NOT NULL, parallel INTEGER NOT NULL, timeout_s REAL NOT NULL,"
    " chdir_trial INTEGER NOT NULL, seed INTEGER NOT NULL, state TEXT NOT NULL, message TEXT,"
    " create_time REAL NOT NULL, start_time REAL, end_time REAL);"
    "CREATE TABLE IF NOT EXISTS tune_trials("
    " job_id TEXT NOT NULL, trial_id INTEGER NOT NULL, params TEXT NOT NULL,"
    " state TEXT NOT NULL, objective REAL, step INTEGER, stopped_early INTEGER NOT NULL"
    " DEFAULT 0, start_time REAL, end_time REAL, message TEXT, pid INTEGER, pid_start INTEGER,"
    " PRIMARY KEY(job_id, trial_id));"
    "CREATE TABLE IF NOT EXISTS tune_measurements("
    " job_id TEXT NOT NULL, trial_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " step INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(job_id, trial_id, seq));";

double seer__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int db_err(struct seer__store *st, struct seer_err *err, const char *what)
{
    return seer_errf(err, SEER_EIO, "study store: %s: %s", what, sqlite3_errmsg(st->db));
}

int seer__store_open(const char *path, struct seer__store **out, struct seer_err *err)
{
    struct seer__store *st = seer_calloc(1, sizeof(*st));
    int rc = 0;

    *out = NULL;
    if (!st)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = seer_errf(err, SEER_EIO, "%.200s: %s", path,
                       st->db ? sqlite3_errmsg(st->db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(st->db, 10000);
    /* In WAL mode NORMAL sync makes each commit durable against a crash or kill -9 of the
     * process (the OS holds the pages) without an fsync per trial; only a power loss can
     * take back the last few trials, and a resume then reruns them. */
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_err(st, err, path);
        goto out;
    }
    *out = st;
    st = NULL;
out:
    seer__store_close(st);
    return rc;
}

void seer__store_close(struct seer__store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    seer_free(st);
}

static const char *col_str(sqlite3_stmt *s, int i, struct seer_arena *a, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    const char *c;

    if (!t)
        return NULL;
    c = seer_arena_strdup(a, (const char *)t);
    if (!c)
        *oom = true;
    return c;
}

int seer__store_study_insert(struct seer__store *st, const struct seer__study_row *r,
                             struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0, src;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO tune_studies(job_id, config, command, executor, cwd,"
                           " parallel, timeout_s, chdir_trial, seed, state, create_time)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "insert study");
    sqlite3_bind_text(s, 1, r->job_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->command, -1, SQLITE_STATIC);
    if (r->executor)
        sqlite3_bind_text(s, 4, r->executor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->cwd, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, r->parallel);
    sqlite3_bind_double(s, 7, r->timeout_s);
    sqlite3_bind_int(s, 8, r->chdir_trial);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)r->seed);
    sqlite3_bind_text(s, 10, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 11, r->create_time);
    src = sqlite3_step(s);
    if (src == SQLITE_CONSTRAINT)
        rc = seer_errf(err, SEER_EINVAL, "job id '%s' already exists", r->job_id);
    else if (src != SQLITE_DONE)
        rc = db_err(st, err, "insert study");
    sqlite3_finalize(s);
    return rc;
}

#define STUDY_COLS                                                                                 \
    "job_id, config, command, executor, cwd, parallel, timeout_s, chdir_trial,"                    \
    " seed, state, message, create_time, start_time, end_time"

/* Room for one more row after the k in v (*cap slots of size bytes): a copy twice as
 * large (first slots at the start) in arena a, which frees nothing one by one. NULL when
 * out of memory. */
static void *grow_rows(struct seer_arena *a, void *v, size_t k, size_t *cap, size_t first,
                       size_t size)
{
    size_t n_new = *cap ? *cap * 2 : first;
    void *nv = seer_arena_array(a, n_new, size);

    if (!nv)
        return NULL;
    if (k)
        memcpy(nv, v, k * size);
    *cap = n_new;
    return nv;
}

static bool read_study(sqlite3_stmt *s, struct seer_arena *a, struct seer__study_row *r)
{
    bool oom = false;

    r->job_id = col_str(s, 0, a, &oom);
    r->config = col_str(s, 1, a, &oom);
    r->command = col_str(s, 2, a, &oom);
    r->executor = col_str(s, 3, a, &oom);
    r->cwd = col_str(s, 4, a, &oom);
    r->parallel = sqlite3_column_int64(s, 5);
    r->timeout_s = sqlite3_column_double(s, 6);
    r->chdir_trial = sqlite3_column_int(s, 7) != 0;
    r->seed = (uint64_t)sqlite3_column_int64(s, 8);
    r->state = col_str(s, 9, a, &oom);
    r->message = col_str(s, 10, a, &oom);
    r->create_time = sqlite3_column_double(s, 11);
    r->start_time = sqlite3_column_double(s, 12);
    r->end_time = sqlite3_column_double(s, 13);
    return !oom;
}

int seer__store_study_get(struct seer__store *st, const char *job_id, struct seer_arena *a,
                          struct seer__study_row *row, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0, src;

    if (sqlite3_prepare_v2(st->db, "SELECT " STUDY_COLS " FROM tune_studies WHERE job_id=?", -1, &s,
                           NULL) != SQLITE_OK)
        return db_err(st, err, "read study");
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    src = sqlite3_step(s);
    if (src == SQLITE_DONE)
        rc = seer_errf(err, SEER_ENOTFOUND, "no tuning job '%.100s'", job_id);
    else if (src != SQLITE_ROW)
        rc = db_err(st, err, "read study");
    else if (!read_study(s, a, row))
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
    sqlite3_finalize(s);
    return rc;
}

int seer__store_study_list(struct seer__store *st, struct seer_arena *a,
                           struct seer__study_row **rows, size_t *n, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0, k = 0;
    struct seer__study_row *v = NULL;
    int rc = 0, src;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT " STUDY_COLS " FROM tune_studies ORDER BY "
                           "create_time, job_id",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "list studies");
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            struct seer__study_row *nv = grow_rows(a, v, k, &cap, 16, sizeof(*v));

            if (!nv) {
                rc = seer_errf(err, SEER_ENOMEM, "out of memory");
                goto out;
            }
            v = nv;
        }
        if (!read_study(s, a, &v[k++])) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (src != SQLITE_DONE)
        rc = db_err(st, err, "list studies");
out:
    sqlite3_finalize(s);
    *rows = v;
    *n = rc ? 0 : k;
    return rc;
}

int seer__store_study_set_state(struct seer__store *st, const char *job_id, const char *state,
                                const char *message, bool set_start, bool set_end,
                                struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(st->db,
                           "UPDATE tune_studies SET state=?, message=?,"
                           " start_time=CASE WHEN ? THEN ? ELSE start_time END,"
                           " end_time=CASE WHEN ? THEN ? ELSE NULL END WHERE job_id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "update study");
    double now = seer__now();
    sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    if (message)
        sqlite3_bind_text(s, 2, message, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, set_start);
    sqlite3_bind_double(s, 4, now);
    sqlite3_bind_int(s, 5, set_end);
    sqlite3_bind_double(s, 6, now);
    sqlite3_bind_text(s, 7, job_id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = db_err(st, err, "update study");
    sqlite3_finalize(s);
    return rc;
}

int seer__store_trial_begin(struct seer__store *st, const char *job_id, int64_t trial_id,
                            const char *params, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(st, err, "begin trial");
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO tune_trials(job_id, trial_id, params, state,"
                           " start_time) VALUES(?,?,?,'RUNNING',?)",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, trial_id);
    sqlite3_bind_text(s, 3, params, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 4, seer__now());
    if (sqlite3_step(s) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    s = NULL;
    /* A rerun of an interrupted trial starts its curve afresh. */
    if (sqlite3_prepare_v2(st->db,
                           "DELETE FROM tune_measurements WHERE job_id=? AND "
                           "trial_id=?",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, trial_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(st, err, "commit trial");
    return rc;
fail:
    rc = db_err(st, err, "begin trial");
    sqlite3_finalize(s);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int seer__store_trial_set_pid(struct seer__store *st, const char *job_id, int64_t trial_id,
                              int64_t pid, uint64_t pid_start, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(st->db,
                           "UPDATE tune_trials SET pid=?, pid_start=? WHERE job_id=?"
                           " AND trial_id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "update trial");
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)pid_start);
    sqlite3_bind_text(s, 3, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, trial_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = db_err(st, err, "update trial");
    sqlite3_finalize(s);
    return rc;
}

int seer__store_trial_finish(struct seer__store *st, const char *job_id,
                             const struct seer__trial_row *r, const struct seer__metrics *m,
                             struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(st, err, "finish trial");
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE tune_trials SET state=?, objective=?, step=?,"
                           " stopped_early=?, end_time=?, message=? WHERE job_id=? AND"
                           " trial_id=?",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(s, 1, r->state, -1, SQLITE_STATIC);
    if (r->has_objective) {
        sqlite3_bind_double(s, 2, r->objective);
        sqlite3_bind_int64(s, 3, r->step);
    }
    sqlite3_bind_int(s, 4, r->stopped_early);
    sqlite3_bind_double(s, 5, r->end_time);
    if (r->message)
        sqlite3_bind_text(s, 6, r->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, r->trial_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO tune_measurements(job_id, trial_id,"
                           " seq, step, value) VALUES(?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; m && i < m->n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, r->trial_id);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)i);
        sqlite3_bind_int64(s, 4, m->v[i].step);
        sqlite3_bind_double(s, 5, m->v[i].value);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(s);
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(st, err, "commit trial");
    return 0;
fail:
    rc = db_err(st, err, "finish trial");
    sqlite3_finalize(s);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int seer__store_trials(struct seer__store *st, const char *job_id, struct seer_arena *a,
                       struct seer__trial_row **rows, size_t *n, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0, k = 0;
    struct seer__trial_row *v = NULL;
    int rc = 0, src;

    *rows = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT trial_id, params, state, objective, step, stopped_early,"
                           " start_time, end_time, message, pid, pid_start FROM tune_trials"
                           " WHERE job_id=? ORDER BY trial_id",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "read trials");
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        bool oom = false;

        if (k == cap) {
            struct seer__trial_row *nv = grow_rows(a, v, k, &cap, 32, sizeof(*v));

            if (!nv) {
                rc = seer_errf(err, SEER_ENOMEM, "out of memory");
                goto out;
            }
            v = nv;
        }
        struct seer__trial_row *r = &v[k++];
        r->trial_id = sqlite3_column_int64(s, 0);
        r->params = col_str(s, 1, a, &oom);
        r->state = col_str(s, 2, a, &oom);
        r->has_objective = sqlite3_column_type(s, 3) != SQLITE_NULL;
        r->objective = sqlite3_column_double(s, 3);
        r->step = sqlite3_column_int64(s, 4);
        r->stopped_early = sqlite3_column_int(s, 5) != 0;
        r->start_time = sqlite3_column_double(s, 6);
        r->end_time = sqlite3_column_double(s, 7);
        r->message = col_str(s, 8, a, &oom);
        r->pid = sqlite3_column_int64(s, 9);
        r->pid_start = (uint64_t)sqlite3_column_int64(s, 10);
        if (oom || !r->params || !r->state) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (src != SQLITE_DONE)
        rc = db_err(st, err, "read trials");
out:
    sqlite3_finalize(s);
    if (!rc) {
        *rows = v;
        *n = k;
    }
    return rc;
}

int seer__store_measurements(struct seer__store *st, const char *job_id, int64_t trial_id,
                             struct seer__metrics *m, struct seer_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0, src;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT step, value FROM tune_measurements WHERE job_id=?"
                           " AND trial_id=? ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(st, err, "read measurements");
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, trial_id);
    while ((src = sqlite3_step(s)) == SQLITE_ROW)
        if (seer__metrics_push(m, sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1))) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            break;
        }
    if (!rc && src != SQLITE_DONE)
        rc = db_err(st, err, "read measurements");
    sqlite3_finalize(s);
    return rc;
}
