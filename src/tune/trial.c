/*
 * One trial's life (see run.h): its directory, environment and command line, its process,
 * its reports on standard output and in the hypertune metric file, and the outcome that is
 * committed to the store when it ends.
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
#include "tune/space.h"

double seer__mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct seer__trial *seer__trial_add(struct seer__run *r, int64_t id)
{
    struct seer__trial *t;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct seer__trial *nt = seer_realloc(r->t, cap * sizeof(*nt));

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

void seer__trials_free(struct seer__run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct seer__trial *t = &r->t[i];

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

bool seer__run_maximize(const struct seer__run *r)
{
    return r->spec->goal == SEER_TUNE_GOAL_MAXIMIZE;
}

static void take_line(struct seer__run *r, struct seer__trial *t)
{
    /* Out of memory here only loses this report; the trial then fails visibly. */
    if (!t->line_long)
        (void)seer__metrics_parse_line(&t->m, t->line, t->line_n, r->spec->metric_tag);
    t->line_n = 0;
    t->line_long = false;
}

/* Reads what the trial printed: copies it to stdout.log (up to a cap) and parses whole
 * lines. Over-long lines are dropped, not split, so a flood cannot fake a report. */
void seer__trial_drain(struct seer__run *r, struct seer__trial *t, int max_reads)
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
        if (t->log_fd >= 0 && t->log_bytes < SEER_TUNE_MAX_LOG_BYTES) {
            size_t w = (size_t)got;

            if (w > SEER_TUNE_MAX_LOG_BYTES - t->log_bytes)
                w = SEER_TUNE_MAX_LOG_BYTES - t->log_bytes;
            if (write(t->log_fd, buf, w) == (ssize_t)w)
                t->log_bytes += w;
        }
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                take_line(r, t);
            } else if (t->line_n < SEER_TUNE_MAX_LINE - 1) {
                t->line[t->line_n++] = buf[i];
            } else {
                t->line_long = true;
            }
        }
    }
}

/* Re-reads the hypertune metric file when its size or time changed. */
void seer__trial_read_metrics(struct seer__run *r, struct seer__trial *t)
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
    if (st.st_size > (off_t)SEER_TUNE_MAX_METRIC_FILE) {
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

void seer__trial_signal(struct seer__trial *t, int sig)
{
    if (t->pid > 0 && !t->reaped)
        kill(-t->pid, sig);
    if (sig == SIGTERM && t->t_signal == 0)
        t->t_signal = seer__mono();
}

static void progress(struct seer__run *r, const struct seer__trial *t, double secs)
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
int seer__trial_finish(struct seer__run *r, struct seer__trial *t, struct seer_err *err)
{
    char msg[256] = "";
    struct seer__trial_row row = {0};
    double secs = t->t0 > 0 ? seer__mono() - t->t0 : 0;
    int rc;

    /* Whatever the trainer left behind in its group goes with it; what it printed stays
     * readable in the pipe. */
    if (t->pid > 0)
        kill(-t->pid, SIGKILL);
    seer__trial_drain(r, t, 1024);
    seer__trial_read_metrics(r, t);
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
    t->phase = SEER__PHASE_DONE;
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

static void build_env(struct seer__run *r, struct seer__trial *t, char **env, char *store,
                      size_t cap)
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

int seer__trial_start(struct seer__run *r, struct seer__trial *t, struct seer_err *err)
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
    t->phase = SEER__PHASE_RUNNING;
    t->t0 = seer__mono();
    t->t_signal = 0;
    t->reaped = t->timed_out = t->stopping = false;
    t->n_checked = t->line_n = t->log_bytes = 0;
    if (seer__spawn(&sp, &t->pid, &t->out_fd, &serr)) {
        /* A trial that cannot start is a failed trial, like one that crashes. */
        t->spawn_error = seer_strdup(serr.msg);
        t->reaped = true;
        t->pid = -1;
        rc = seer__trial_finish(r, t, err);
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
