/*
 * Running a study (seer_tune_run): the decision loop. Each turn reads the running trials'
 * output, reaps the finished ones and commits each result before anything else is
 * decided, applies the time limit and the median stopping rule, then proposes and starts
 * new trials up to the parallel limit. Interrupted trials of a resumed study are started
 * again with their recorded values; finished ones are never rerun.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "tune/run.h"
#include "tune/runner.h"
#include "tune/search.h"

/* The history the search sees: prior study, finished, running and failed trials. */
static int propose(struct seer__run *r, struct seer__trial *t, struct seer_err *err)
{
    size_t np = r->spec->n_params, nd = 0, npd = 0, nf = 0, cap = r->n + r->n_prior + 1;
    double *done = seer_calloc(cap * np, sizeof(double)), *y = seer_calloc(cap, sizeof(double));
    double *pend = seer_calloc(cap * np, sizeof(double)),
           *fail = seer_calloc(cap * np, sizeof(double));
    int rc = 0;

    if (!done || !y || !pend || !fail) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->n_prior; i++) {
        memcpy(done + nd * np, r->prior + i * np, np * sizeof(double));
        y[nd++] = seer__run_maximize(r) ? r->prior_y[i] : -r->prior_y[i];
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct seer__trial *o = &r->t[i];

        if (o == t)
            continue;
        if (o->phase == SEER__PHASE_DONE && o->has_obj) {
            memcpy(done + nd * np, o->point, np * sizeof(double));
            y[nd++] = seer__run_maximize(r) ? o->obj : -o->obj;
        } else if (o->phase == SEER__PHASE_DONE) {
            memcpy(fail + nf++ * np, o->point, np * sizeof(double));
        } else {
            memcpy(pend + npd++ * np, o->point, np * sizeof(double));
        }
    }
    struct seer__history h = {nd, done, y, npd, pend, nf, fail};
    rc = seer__search_propose(r->spec, r->row.seed, t->id, &h, t->point, err);
    if (!rc && !(t->params = seer__study_point_json(r->spec, t->point)))
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
out:
    seer_free(done);
    seer_free(y);
    seer_free(pend);
    seer_free(fail);
    return rc;
}

static void check_stop(struct seer__run *r, struct seer__trial *t)
{
    const struct seer__metrics *done[256];
    size_t k = 0;

    if (!r->spec->early_stopping || t->stopping || t->timed_out || t->m.n == t->n_checked)
        return;
    t->n_checked = t->m.n;
    /* Trials that ran to completion are the reference; most recent last. */
    for (size_t i = r->n; i-- > 0 && k < 256;) {
        const struct seer__trial *o = &r->t[i];

        if (o->phase == SEER__PHASE_DONE && o->has_obj && !o->stopped_early)
            done[k++] = &o->m;
    }
    if (seer__median_should_stop(&t->m, done, k, seer__run_maximize(r),
                                 SEER_TUNE_MIN_DONE_FOR_STOP)) {
        t->stopping = true;
        seer__trial_signal(t, SIGTERM);
    }
}

/* One turn over the running trials: output, reaping, time limit, stopping rule. */
static int service(struct seer__run *r, struct seer_err *err)
{
    struct pollfd fds[SEER_TUNE_MAX_PARALLEL];
    size_t nfds = 0;
    bool eof_waiting = false;
    int rc;

    for (size_t i = 0; i < r->n; i++) {
        struct seer__trial *t = &r->t[i];

        if (t->phase != SEER__PHASE_RUNNING)
            continue;
        if (t->out_fd >= 0 && nfds < SEER_TUNE_MAX_PARALLEL)
            fds[nfds++] = (struct pollfd){.fd = t->out_fd, .events = POLLIN};
        else
            eof_waiting = true;
    }
    /* A closed pipe does not wake poll, so poll briefly while an exit is awaited. */
    if (poll(fds, nfds, eof_waiting ? 10 : 100) < 0 && errno != EINTR)
        return seer_errf(err, SEER_EIO, "poll: %s", strerror(errno));
    for (size_t i = 0; i < r->n; i++) {
        struct seer__trial *t = &r->t[i];
        double now = seer__mono();
        pid_t w;

        if (t->phase != SEER__PHASE_RUNNING)
            continue;
        seer__trial_drain(r, t, 64);
        seer__trial_read_metrics(r, t);
        do {
            w = waitpid(t->pid, &t->wstatus, WNOHANG);
        } while (w < 0 && errno == EINTR);
        if (w == t->pid || (w < 0 && errno == ECHILD)) {
            t->reaped = true;
            rc = seer__trial_finish(r, t, err);
            if (rc)
                return rc;
            continue;
        }
        if (r->row.timeout_s > 0 && now - t->t0 > r->row.timeout_s && !t->timed_out &&
            !t->stopping) {
            t->timed_out = true;
            seer__trial_signal(t, SIGTERM);
        }
        check_stop(r, t);
        if (t->t_signal > 0 && now - t->t_signal > SEER_TUNE_KILL_GRACE_S)
            seer__trial_signal(t, SIGKILL);
    }
    return 0;
}

static size_t n_running(const struct seer__run *r)
{
    size_t k = 0;

    for (size_t i = 0; i < r->n; i++)
        k += r->t[i].phase == SEER__PHASE_RUNNING;
    return k;
}

/* Kills every running trial and waits for it; they stay RUNNING in the store, so a resume
 * starts them again. */
static void kill_running(struct seer__run *r)
{
    double t0 = seer__mono();

    for (size_t i = 0; i < r->n; i++)
        if (r->t[i].phase == SEER__PHASE_RUNNING)
            seer__trial_signal(&r->t[i], SIGTERM);
    for (;;) {
        bool left = false;

        for (size_t i = 0; i < r->n; i++) {
            struct seer__trial *t = &r->t[i];

            if (t->phase != SEER__PHASE_RUNNING)
                continue;
            if (waitpid(t->pid, &t->wstatus, WNOHANG) == t->pid) {
                kill(-t->pid, SIGKILL);
                t->reaped = true;
                t->phase = SEER__PHASE_QUEUED;
                continue;
            }
            left = true;
            if (seer__mono() - t0 > SEER_TUNE_KILL_GRACE_S)
                seer__trial_signal(t, SIGKILL);
        }
        if (!left)
            return;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Kills the running trials and records them CANCELLED; a resumed study reruns them. */
static int cancel_running(struct seer__run *r, struct seer_err *err)
{
    int rc = 0;

    kill_running(r);
    for (size_t i = 0; i < r->n && !rc; i++) {
        struct seer__trial *t = &r->t[i];
        struct seer__trial_row row = {.trial_id = t->id,
                                      .state = "CANCELLED",
                                      .end_time = seer__now(),
                                      .message = "cancelled"};

        if (t->phase == SEER__PHASE_QUEUED && t->reaped)
            rc = seer__store_trial_finish(r->db->st, r->job_id, &row, NULL, err);
    }
    return rc;
}

/* Loads the stored trials: finished ones as they are, interrupted ones queued again (after
 * killing a leftover process that is provably theirs). */
static int load_trials(struct seer__run *r, struct seer_arena *a, struct seer_err *err)
{
    struct seer__trial_row *rows;
    size_t n;
    int rc = seer__store_trials(r->db->st, r->job_id, a, &rows, &n, err);

    for (size_t i = 0; !rc && i < n; i++) {
        struct seer__trial *t = seer__trial_add(r, rows[i].trial_id);

        if (!t || !(t->params = seer_strdup(rows[i].params)))
            return seer_errf(err, SEER_ENOMEM, "out of memory");
        if (!seer__study_parse_point(r->spec, rows[i].params, t->point))
            return seer_errf(err, SEER_EFORMAT,
                             "trial %lld: stored values do not match the "
                             "spec",
                             (long long)t->id);
        if (!strcmp(rows[i].state, "RUNNING") || !strcmp(rows[i].state, "CANCELLED")) {
            if (rows[i].pid > 0 && rows[i].pid_start &&
                seer__proc_start_ticks((pid_t)rows[i].pid) == rows[i].pid_start)
                kill(-(pid_t)rows[i].pid, SIGKILL);
            t->phase = SEER__PHASE_QUEUED;
            continue;
        }
        t->phase = SEER__PHASE_DONE;
        t->state = !strcmp(rows[i].state, "SUCCEEDED") ? "SUCCEEDED" : "FAILED";
        t->has_obj = rows[i].has_objective;
        t->obj = rows[i].objective;
        t->step = rows[i].step;
        t->stopped_early = rows[i].stopped_early;
        r->n_failed += !t->has_obj;
        rc = seer__store_measurements(r->db->st, r->job_id, t->id, &t->m, err);
    }
    return rc;
}

/* Finished trials of resumePreviousJobId whose values fit this spec. */
static int load_prior(struct seer__run *r, struct seer_arena *a, struct seer_err *err)
{
    struct seer__trial_row *rows;
    size_t n, np = r->spec->n_params;
    int rc;

    if (!r->spec->resume_job_id)
        return 0;
    rc = seer__store_trials(r->db->st, r->spec->resume_job_id, a, &rows, &n, err);
    if (rc)
        return rc;
    r->prior = seer_calloc(n * np + 1, sizeof(double));
    r->prior_y = seer_calloc(n + 1, sizeof(double));
    if (!r->prior || !r->prior_y)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (rows[i].has_objective &&
            seer__study_parse_point(r->spec, rows[i].params, r->prior + r->n_prior * np))
            r->prior_y[r->n_prior++] = rows[i].objective;
    return 0;
}

static int parse_command(struct seer__run *r, struct seer_arena *a, struct seer_err *err)
{
    cJSON *cmd = cJSON_Parse(r->row.command);
    int n = cJSON_GetArraySize(cmd), rc = 0, i = 0;

    if (!cJSON_IsArray(cmd) || n == 0) {
        rc = seer_errf(err, SEER_EFORMAT, "stored command is not a list");
        goto out;
    }
    r->argv = seer_arena_array(a, (size_t)n + 1, sizeof(*r->argv));
    if (!r->argv) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (const cJSON *c = cmd->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !(r->argv[i++] = seer_arena_strdup(a, c->valuestring))) {
            rc = seer_errf(err, SEER_EFORMAT, "stored command is not a list of strings");
            goto out;
        }
    }
    r->argc = (size_t)n;
out:
    cJSON_Delete(cmd);
    return rc;
}

static struct seer__trial *next_to_start(struct seer__run *r, struct seer_err *err, int *rc)
{
    int64_t max_id = 0;

    for (size_t i = 0; i < r->n; i++) {
        if (r->t[i].phase == SEER__PHASE_QUEUED)
            return &r->t[i];
        max_id = r->t[i].id > max_id ? r->t[i].id : max_id;
    }
    if (max_id >= r->limit)
        return NULL;
    struct seer__trial *t = seer__trial_add(r, max_id + 1);
    if (!t) {
        *rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        return NULL;
    }
    t->phase = SEER__PHASE_QUEUED;
    *rc = propose(r, t, err);
    return *rc ? NULL : t;
}

static int run_loop(struct seer__run *r, const char **final, char *msg, size_t msg_cap,
                    struct seer_err *err)
{
    int rc = 0;

    for (;;) {
        if (r->ctl &&
            ((r->ctl->stop && *r->ctl->stop) || (r->ctl->cancel && atomic_load(r->ctl->cancel)))) {
            *final = "CANCELLED";
            return cancel_running(r, err);
        }
        rc = service(r, err);
        if (rc)
            return rc;
        if (r->spec->max_failed > 0 && r->n_failed >= r->spec->max_failed) {
            rc = cancel_running(r, err);
            if (rc)
                return rc;
            snprintf(msg, msg_cap, "%lld trials failed (maxFailedTrials %lld)",
                     (long long)r->n_failed, (long long)r->spec->max_failed);
            *final = "FAILED";
            return 0;
        }
        while ((int64_t)n_running(r) < r->row.parallel) {
            struct seer__trial *t = next_to_start(r, err, &rc);

            if (rc)
                return rc;
            if (!t)
                break;
            rc = seer__trial_start(r, t, err);
            if (rc)
                return rc;
        }
        if (n_running(r) == 0) {
            bool any = false;

            for (size_t i = 0; i < r->n; i++)
                any |= r->t[i].phase == SEER__PHASE_QUEUED;
            if (!any)
                break;
        }
    }
    size_t ok = 0;
    for (size_t i = 0; i < r->n; i++)
        ok += r->t[i].has_obj;
    if (!ok)
        snprintf(msg, msg_cap, "no trial succeeded (%lld failed)", (long long)r->n_failed);
    *final = ok ? "SUCCEEDED" : "FAILED";
    return 0;
}

int seer_tune_run(struct seer_tune_db *db, const char *job_id, const struct seer_tune_ctl *ctl,
                  char *state, struct seer_err *err)
{
    struct seer__run r = {.db = db, .job_id = job_id, .ctl = ctl};
    struct seer_arena *a = seer_arena_new(16384);
    const char *final = NULL;
    char lockpath[PATH_MAX], msg[200] = "";
    int lockfd = -1, rc;

    if (state)
        state[0] = '\0';
    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer__store_study_get(db->st, job_id, a, &r.row, err);
    if (rc)
        goto out;
    if (!strcmp(r.row.state, "SUCCEEDED") || !strcmp(r.row.state, "FAILED")) {
        rc = seer_errf(err, SEER_EINVAL, "study '%s' already ended (%s)", job_id, r.row.state);
        goto out;
    }
    if ((size_t)snprintf(r.study_dir, sizeof(r.study_dir), "%s/tune/%s", db->state_dir, job_id) >=
        sizeof(r.study_dir) - 64) {
        rc = seer_errf(err, SEER_ELIMIT, "state directory path too long");
        goto out;
    }
    snprintf(lockpath, sizeof(lockpath), "%s/tune", db->state_dir);
    if ((mkdir(lockpath, 0755) && errno != EEXIST) ||
        (mkdir(r.study_dir, 0755) && errno != EEXIST)) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", r.study_dir, strerror(errno));
        goto out;
    }
    /* The lock dies with its holder, so a kill -9 never leaves a study locked. */
    snprintf(lockpath, sizeof(lockpath), "%s/lock", r.study_dir);
    lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB)) {
        rc = seer_errf(err, SEER_EBUSY, "study '%s' is being run by another process", job_id);
        goto out;
    }
    {
        cJSON *root = cJSON_Parse(r.row.config);

        rc = root ? seer__tune_spec_from_json(root, &r.spec, err)
                  : seer_errf(err, SEER_EFORMAT, "stored config is not JSON");
        cJSON_Delete(root);
        if (rc)
            goto out;
    }
    r.limit = r.spec->max_trials;
    if (r.spec->algo == SEER_TUNE_ALGO_GRID && seer__tune_grid_size(r.spec) < r.limit)
        r.limit = seer__tune_grid_size(r.spec);
    rc = parse_command(&r, a, err);
    if (!rc)
        rc = load_trials(&r, a, err);
    if (!rc)
        rc = load_prior(&r, a, err);
    if (!rc)
        rc = seer__store_study_set_state(db->st, job_id, "RUNNING", NULL, r.row.start_time == 0,
                                         false, err);
    if (rc)
        goto out;
    rc = run_loop(&r, &final, msg, sizeof(msg), err);
    if (rc) {
        kill_running(&r);
        goto out;
    }
    rc = seer__store_study_set_state(db->st, job_id, final, msg[0] ? msg : NULL, false,
                                     strcmp(final, "CANCELLED") != 0, err);
    if (!rc && state)
        snprintf(state, 16, "%s", final);
out:
    if (lockfd >= 0)
        close(lockfd);
    seer__trials_free(&r);
    seer_free(r.prior);
    seer_free(r.prior_y);
    seer__tune_spec_free(r.spec);
    seer_arena_free(a);
    return rc;
}
