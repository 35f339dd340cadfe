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
#include "tune/metric.h"
#include "tune/runner.h"
#include "tune/search.h"
#include "tune/space.h"
#include "tune/study.h"

#define KILL_GRACE_S      2.0
#define MAX_LINE          4096
#define MAX_LOG_BYTES     (16u << 20)
#define MAX_METRIC_FILE   (1u << 20)
#define MIN_DONE_FOR_STOP 3

enum phase { PH_QUEUED, PH_RUNNING, PH_DONE };

struct trial {
    int64_t id;
    double *point;
    char *params; /* JSON, owned */
    enum phase phase;
    const char *state; /* final state when PH_DONE */
    bool has_obj, stopped_early;
    double obj;
    int64_t step;
    struct seer__metrics m;
    /* while running */
    pid_t pid;
    int out_fd, log_fd;
    bool reaped, timed_out, stopping;
    int wstatus;
    double t0, t_signal; /* monotonic start, time of SIGTERM (0: none) */
    size_t n_checked;    /* measurements already seen by the stopping rule */
    char line[MAX_LINE];
    size_t line_n;
    bool line_long;
    size_t log_bytes;
    char dir[1100], metric_path[1200];
    struct timespec metric_mtime;
    off_t metric_size;
    char *spawn_error; /* owned */
};

struct run {
    struct seer_tune_db *db;
    const char *job_id;
    struct seer__study_row row;
    struct seer_tune_spec *spec;
    const char **argv; /* NULL-terminated, from row.command */
    size_t argc;
    struct trial *t;
    size_t n, cap;
    int64_t limit; /* trial ids run 1..limit */
    int64_t n_failed;
    double *prior, *prior_y;
    size_t n_prior;
    const struct seer_tune_ctl *ctl;
    char study_dir[1024];
};

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct trial *add_trial(struct run *r, int64_t id)
{
    struct trial *t;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct trial *nt = seer_realloc(r->t, cap * sizeof(*nt));

        if (!nt)
            return NULL;
        r->t = nt;
        r->cap = cap;
    }
    t = &r->t[r->n];
    memset(t, 0, sizeof(*t));
    t->point = seer_calloc(r->spec->n_params, sizeof(double));
    if (!t->point)
        return NULL;
    t->id = id;
    t->out_fd = t->log_fd = -1;
    t->pid = -1;
    r->n++;
    return t;
}

static void free_trials(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct trial *t = &r->t[i];

        if (t->out_fd >= 0)
            close(t->out_fd);
        if (t->log_fd >= 0)
            close(t->log_fd);
        seer__metrics_clear(&t->m);
        seer_free(t->point);
        seer_free(t->params);
        seer_free(t->spawn_error);
    }
    seer_free(r->t);
}

static bool maximize(const struct run *r)
{
    return r->spec->goal == SEER_TUNE_GOAL_MAXIMIZE;
}

static void take_line(struct run *r, struct trial *t)
{
    /* Out of memory here only loses this report; the trial then fails visibly. */
    if (!t->line_long)
        (void)seer__metrics_parse_line(&t->m, t->line, t->line_n, r->spec->metric_tag);
    t->line_n = 0;
    t->line_long = false;
}

/* Reads what the trial printed: copies it to stdout.log (up to a cap) and parses whole
 * lines. Over-long lines are dropped, not split, so a flood cannot fake a report. */
static void drain_stdout(struct run *r, struct trial *t, int max_reads)
{
    char buf[8192];

    /* Bounded, so a trainer that floods its output cannot starve the other trials. */
    for (int k = 0; k < max_reads && t->out_fd >= 0; k++) {
        ssize_t got = read(t->out_fd, buf, sizeof(buf));

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0 || errno != EAGAIN) {
                close(t->out_fd);
                t->out_fd = -1;
                if (t->line_n)
                    take_line(r, t);
            }
            return;
        }
        if (t->log_fd >= 0 && t->log_bytes < MAX_LOG_BYTES) {
            size_t w = (size_t)got;

            if (w > MAX_LOG_BYTES - t->log_bytes)
                w = MAX_LOG_BYTES - t->log_bytes;
            if (write(t->log_fd, buf, w) == (ssize_t)w)
                t->log_bytes += w;
        }
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                take_line(r, t);
            } else if (t->line_n < MAX_LINE - 1) {
                t->line[t->line_n++] = buf[i];
            } else {
                t->line_long = true;
            }
        }
    }
}

/* Re-reads the hypertune metric file when its size or time changed. */
static void read_metric_file(struct run *r, struct trial *t)
{
    struct stat st;
    char *buf;
    int fd;
    ssize_t got;

    if (stat(t->metric_path, &st) || !S_ISREG(st.st_mode))
        return;
    if (st.st_size == t->metric_size && st.st_mtim.tv_sec == t->metric_mtime.tv_sec &&
        st.st_mtim.tv_nsec == t->metric_mtime.tv_nsec)
        return;
    if (st.st_size > (off_t)MAX_METRIC_FILE) {
        t->m.n_garbage++;
        t->metric_size = st.st_size;
        t->metric_mtime = st.st_mtim;
        return;
    }
    fd = open(t->metric_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    buf = seer_malloc((size_t)st.st_size + 1);
    got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got >= 0) {
        t->metric_size = st.st_size;
        t->metric_mtime = st.st_mtim;
        seer__metrics_parse_file(&t->m, buf, (size_t)got, r->spec->metric_tag);
    }
    seer_free(buf);
}

static void signal_trial(struct trial *t, int sig)
{
    if (t->pid > 0 && !t->reaped)
        kill(-t->pid, sig);
    if (sig == SIGTERM && t->t_signal == 0)
        t->t_signal = mono();
}

static void progress(struct run *r, const struct trial *t, double secs)
{
    FILE *f = r->ctl ? r->ctl->progress : NULL;

    if (!f)
        return;
    fprintf(f, "trial %lld/%lld %s", (long long)t->id, (long long)r->limit, t->state);
    if (t->has_obj)
        fprintf(f, " objective=%.10g step=%lld%s", t->obj, (long long)t->step,
                t->stopped_early ? " (stopped early)" : "");
    fprintf(f, " %s (%.1f s)\n", t->params, secs);
    fflush(f);
}

/* Decides the trial's outcome and commits it. */
static int finish_trial(struct run *r, struct trial *t, struct seer_err *err)
{
    char msg[256] = "";
    struct seer__trial_row row = {0};
    double secs = t->t0 > 0 ? mono() - t->t0 : 0;
    int rc;

    /* Whatever the trainer left behind in its group goes with it; what it printed stays
     * readable in the pipe. */
    if (t->pid > 0)
        kill(-t->pid, SIGKILL);
    drain_stdout(r, t, 1024);
    read_metric_file(r, t);
    if (t->out_fd >= 0) {
        close(t->out_fd);
        t->out_fd = -1;
    }
    if (t->log_fd >= 0) {
        close(t->log_fd);
        t->log_fd = -1;
    }
    t->has_obj = t->m.n > 0;
    if (t->has_obj) {
        t->obj = t->m.v[t->m.n - 1].value;
        t->step = t->m.v[t->m.n - 1].step;
    }
    if (t->spawn_error) {
        snprintf(msg, sizeof(msg), "%s", t->spawn_error);
    } else if (t->stopping && t->has_obj) {
        t->stopped_early = true;
    } else if (t->timed_out) {
        snprintf(msg, sizeof(msg), "timed out after %g s", r->row.timeout_s);
    } else if (WIFSIGNALED(t->wstatus)) {
        snprintf(msg, sizeof(msg), "killed by signal %d", WTERMSIG(t->wstatus));
    } else if (WEXITSTATUS(t->wstatus) != 0) {
        snprintf(msg, sizeof(msg), "exit status %d", WEXITSTATUS(t->wstatus));
    } else if (!t->has_obj) {
        snprintf(msg, sizeof(msg), "exited without reporting metric '%s'%s", r->spec->metric_tag,
                 t->m.n_garbage ? " (only unreadable values)" : "");
    }
    t->state = msg[0] ? "FAILED" : "SUCCEEDED";
    if (msg[0])
        t->has_obj = false;
    t->phase = PH_DONE;
    row.trial_id = t->id;
    row.state = t->state;
    row.has_objective = t->has_obj;
    row.objective = t->obj;
    row.step = t->step;
    row.stopped_early = t->stopped_early;
    row.end_time = seer__now();
    row.message = msg[0] ? msg : NULL;
    rc = seer__store_trial_finish(r->db->st, r->job_id, &row, t->has_obj ? &t->m : NULL, err);
    if (rc)
        return rc;
    if (msg[0])
        r->n_failed++;
    progress(r, t, secs);
    if (msg[0] && r->ctl && r->ctl->progress)
        fprintf(r->ctl->progress, "  trial %lld: %s (see %s)\n", (long long)t->id, msg, t->dir);
    return 0;
}

static void build_env(struct run *r, struct trial *t, char **env, char *store, size_t cap)
{
    size_t k = 0;
    int n;
    char idbuf[32];

    snprintf(idbuf, sizeof(idbuf), "%lld", (long long)t->id);
#define ADD(...)                                                                                   \
    do {                                                                                           \
        n = snprintf(store + k, cap - k, __VA_ARGS__);                                             \
        if (n < 0 || (size_t)n >= cap - k)                                                         \
            goto full;                                                                             \
        *env++ = store + k;                                                                        \
        k += (size_t)n + 1;                                                                        \
    } while (0)
    ADD("CLOUD_ML_TRIAL_ID=%s", idbuf);
    ADD("CLOUD_ML_HP_METRIC_FILE=%s", t->metric_path);
    ADD("CLOUD_ML_HP_METRIC_TAG=%s", r->spec->metric_tag);
    ADD("CLOUD_ML_JOB_ID=%s", r->job_id);
    ADD("SEER_TRIAL_DIR=%s", t->dir);
    /* TF_CONFIG as the service sets it: the cluster, this task with its trial, the job. */
    ADD("TF_CONFIG={\"cluster\":{\"master\":[\"localhost:2222\"]},\"task\":{\"type\":"
        "\"master\",\"index\":0,\"trial\":\"%s\"},\"job\":%s,\"environment\":\"cloud\"}",
        idbuf, r->spec->input_json);
#undef ADD
full:
    *env = NULL;
}

static int start_trial(struct run *r, struct trial *t, struct seer_err *err)
{
    const char **argv = NULL;
    char *env[8], *envbuf = NULL, idbuf[32], *arg = NULL, path[PATH_MAX];
    size_t np = r->spec->n_params, envcap = 8192 + strlen(r->spec->input_json);
    int rc;

    snprintf(idbuf, sizeof(idbuf), "%lld", (long long)t->id);
    snprintf(t->dir, sizeof(t->dir), "%s/trial-%lld", r->study_dir, (long long)t->id);
    snprintf(t->metric_path, sizeof(t->metric_path), "%s/output.metrics", t->dir);
    if (mkdir(t->dir, 0755) && errno != EEXIST)
        return seer_errf(err, SEER_EIO, "%s: %s", t->dir, strerror(errno));
    unlink(t->metric_path); /* a rerun must not read its interrupted attempt's reports */
    seer__metrics_clear(&t->m);
    t->metric_size = -1;
    rc = seer__store_trial_begin(r->db->st, r->job_id, t->id, t->params, err);
    if (rc)
        return rc;
    argv = seer_calloc(r->argc + np + 1, sizeof(*argv));
    arg = seer_malloc(np * 700 + 1);
    envbuf = seer_malloc(envcap);
    if (!argv || !arg || !envbuf) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(argv, r->argv, r->argc * sizeof(*argv));
    for (size_t i = 0, k = 0; i < np; i++) {
        const struct seer_tune_param *p = &r->spec->params[i];
        int n = snprintf(arg + k, 700, "--%s=", p->name);

        seer__space_format(p, t->point[i], arg + k + n, (size_t)(700 - n));
        argv[r->argc + i] = arg + k;
        k += strlen(arg + k) + 1;
    }
    build_env(r, t, env, envbuf, envcap);
    snprintf(path, sizeof(path), "%s/stdout.log", t->dir);
    t->log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    snprintf(path, sizeof(path), "%s/stderr.log", t->dir);
    struct seer__spawn sp = {
        .argv = argv,
        .executor = r->row.executor,
        .env = (const char *const *)env,
        .cwd = r->row.chdir_trial ? t->dir : r->row.cwd,
        .stderr_path = path,
        .trial_id = idbuf,
        .trial_dir = t->dir,
    };
    struct seer_err serr = {{0}};
    t->phase = PH_RUNNING;
    t->t0 = mono();
    t->t_signal = 0;
    t->reaped = t->timed_out = t->stopping = false;
    t->n_checked = t->line_n = t->log_bytes = 0;
    if (seer__spawn(&sp, &t->pid, &t->out_fd, &serr)) {
        /* A trial that cannot start is a failed trial, like one that crashes. */
        t->spawn_error = seer_strdup(serr.msg);
        t->reaped = true;
        t->pid = -1;
        rc = finish_trial(r, t, err);
        goto out;
    }
    rc = seer__store_trial_set_pid(r->db->st, r->job_id, t->id, t->pid,
                                   seer__proc_start_ticks(t->pid), err);
out:
    seer_free(argv);
    seer_free(arg);
    seer_free(envbuf);
    return rc;
}

/* The history the search sees: prior study, finished, running and failed trials. */
static int propose(struct run *r, struct trial *t, struct seer_err *err)
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
        y[nd++] = maximize(r) ? r->prior_y[i] : -r->prior_y[i];
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct trial *o = &r->t[i];

        if (o == t)
            continue;
        if (o->phase == PH_DONE && o->has_obj) {
            memcpy(done + nd * np, o->point, np * sizeof(double));
            y[nd++] = maximize(r) ? o->obj : -o->obj;
        } else if (o->phase == PH_DONE) {
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

static void check_stop(struct run *r, struct trial *t)
{
    const struct seer__metrics *done[256];
    size_t k = 0;

    if (!r->spec->early_stopping || t->stopping || t->timed_out || t->m.n == t->n_checked)
        return;
    t->n_checked = t->m.n;
    /* Trials that ran to completion are the reference; most recent last. */
    for (size_t i = r->n; i-- > 0 && k < 256;) {
        const struct trial *o = &r->t[i];

        if (o->phase == PH_DONE && o->has_obj && !o->stopped_early)
            done[k++] = &o->m;
    }
    if (seer__median_should_stop(&t->m, done, k, maximize(r), MIN_DONE_FOR_STOP)) {
        t->stopping = true;
        signal_trial(t, SIGTERM);
    }
}

/* One turn over the running trials: output, reaping, time limit, stopping rule. */
static int service(struct run *r, struct seer_err *err)
{
    struct pollfd fds[SEER_TUNE_MAX_PARALLEL];
    size_t nfds = 0;
    bool eof_waiting = false;
    int rc;

    for (size_t i = 0; i < r->n; i++) {
        struct trial *t = &r->t[i];

        if (t->phase != PH_RUNNING)
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
        struct trial *t = &r->t[i];
        double now = mono();
        pid_t w;

        if (t->phase != PH_RUNNING)
            continue;
        drain_stdout(r, t, 64);
        read_metric_file(r, t);
        do {
            w = waitpid(t->pid, &t->wstatus, WNOHANG);
        } while (w < 0 && errno == EINTR);
        if (w == t->pid || (w < 0 && errno == ECHILD)) {
            t->reaped = true;
            rc = finish_trial(r, t, err);
            if (rc)
                return rc;
            continue;
        }
        if (r->row.timeout_s > 0 && now - t->t0 > r->row.timeout_s && !t->timed_out &&
            !t->stopping) {
            t->timed_out = true;
            signal_trial(t, SIGTERM);
        }
        check_stop(r, t);
        if (t->t_signal > 0 && now - t->t_signal > KILL_GRACE_S)
            signal_trial(t, SIGKILL);
    }
    return 0;
}

static size_t n_running(const struct run *r)
{
    size_t k = 0;

    for (size_t i = 0; i < r->n; i++)
        k += r->t[i].phase == PH_RUNNING;
    return k;
}

/* Kills every running trial and waits for it; they stay RUNNING in the store, so a resume
 * starts them again. */
static void kill_running(struct run *r)
{
    double t0 = mono();

    for (size_t i = 0; i < r->n; i++)
        if (r->t[i].phase == PH_RUNNING)
            signal_trial(&r->t[i], SIGTERM);
    for (;;) {
        bool left = false;

        for (size_t i = 0; i < r->n; i++) {
            struct trial *t = &r->t[i];

            if (t->phase != PH_RUNNING)
                continue;
            if (waitpid(t->pid, &t->wstatus, WNOHANG) == t->pid) {
                kill(-t->pid, SIGKILL);
                t->reaped = true;
                t->phase = PH_QUEUED;
                continue;
            }
            left = true;
            if (mono() - t0 > KILL_GRACE_S)
                signal_trial(t, SIGKILL);
        }
        if (!left)
            return;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Kills the running trials and records them CANCELLED; a resumed study reruns them. */
static int cancel_running(struct run *r, struct seer_err *err)
{
    int rc = 0;

    kill_running(r);
    for (size_t i = 0; i < r->n && !rc; i++) {
        struct trial *t = &r->t[i];
        struct seer__trial_row row = {.trial_id = t->id,
                                      .state = "CANCELLED",
                                      .end_time = seer__now(),
                                      .message = "cancelled"};

        if (t->phase == PH_QUEUED && t->reaped)
            rc = seer__store_trial_finish(r->db->st, r->job_id, &row, NULL, err);
    }
    return rc;
}

/* Loads the stored trials: finished ones as they are, interrupted ones queued again (after
 * killing a leftover process that is provably theirs). */
static int load_trials(struct run *r, struct seer_arena *a, struct seer_err *err)
{
    struct seer__trial_row *rows;
    size_t n;
    int rc = seer__store_trials(r->db->st, r->job_id, a, &rows, &n, err);

    for (size_t i = 0; !rc && i < n; i++) {
        struct trial *t = add_trial(r, rows[i].trial_id);

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
            t->phase = PH_QUEUED;
            continue;
        }
        t->phase = PH_DONE;
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
static int load_prior(struct run *r, struct seer_arena *a, struct seer_err *err)
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

static int parse_command(struct run *r, struct seer_arena *a, struct seer_err *err)
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

static struct trial *next_to_start(struct run *r, struct seer_err *err, int *rc)
{
    int64_t max_id = 0;

    for (size_t i = 0; i < r->n; i++) {
        if (r->t[i].phase == PH_QUEUED)
            return &r->t[i];
        max_id = r->t[i].id > max_id ? r->t[i].id : max_id;
    }
    if (max_id >= r->limit)
        return NULL;
    struct trial *t = add_trial(r, max_id + 1);
    if (!t) {
        *rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        return NULL;
    }
    t->phase = PH_QUEUED;
    *rc = propose(r, t, err);
    return *rc ? NULL : t;
}

static int run_loop(struct run *r, const char **final, char *msg, size_t msg_cap,
                    struct seer_err *err)
{
    int rc = 0;

    for (;;) {
        if (r->ctl && r->ctl->stop && *r->ctl->stop) {
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
            struct trial *t = next_to_start(r, err, &rc);

            if (rc)
                return rc;
            if (!t)
                break;
            rc = start_trial(r, t, err);
            if (rc)
                return rc;
        }
        if (n_running(r) == 0) {
            bool any = false;

            for (size_t i = 0; i < r->n; i++)
                any |= r->t[i].phase == PH_QUEUED;
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
    struct run r = {.db = db, .job_id = job_id, .ctl = ctl};
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
    free_trials(&r);
    seer_free(r.prior);
    seer_free(r.prior_y);
    seer__tune_spec_free(r.spec);
    seer_arena_free(a);
    return rc;
}
