/*
 * Internals of a running study, shared by trial.c (one trial's life: start, output,
 * outcome) and loop.c (the decisions). A struct seer__run owns its trials; a struct seer__trial
 * owns its point, params JSON, measurements and, while running, its pipe and log descriptors.
 */
#ifndef SEER_TUNE_RUN_H
#define SEER_TUNE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "tune/metric.h"
#include "tune/study.h"

#define SEER_TUNE_KILL_GRACE_S      2.0
#define SEER_TUNE_MAX_LINE          4096
#define SEER_TUNE_MAX_LOG_BYTES     (16u << 20)
#define SEER_TUNE_MAX_METRIC_FILE   (1u << 20)
#define SEER_TUNE_MIN_DONE_FOR_STOP 3

enum seer__phase { SEER__PHASE_QUEUED, SEER__PHASE_RUNNING, SEER__PHASE_DONE };

struct seer__trial {
    int64_t id;
    double *point;
    char *params; /* JSON, owned */
    enum seer__phase phase;
    const char *state; /* final state when SEER__PHASE_DONE */
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
    char line[SEER_TUNE_MAX_LINE];
    size_t line_n;
    bool line_long;
    size_t log_bytes;
    char dir[1100], metric_path[1200];
    struct timespec metric_mtime;
    off_t metric_size;
    char *spawn_error; /* owned */
};

struct seer__run {
    struct seer_tune_db *db;
    const char *job_id;
    struct seer__study_row row;
    struct seer_tune_spec *spec;
    const char **argv; /* NULL-terminated, from row.command */
    size_t argc;
    struct seer__trial *t;
    size_t n, cap;
    int64_t limit; /* trial ids run 1..limit */
    int64_t n_failed;
    double *prior, *prior_y;
    size_t n_prior;
    const struct seer_tune_ctl *ctl;
    char study_dir[1024];
};

/* Monotonic clock in seconds. */
double seer__mono(void);

/* Appends a trial with id (phase SEER__PHASE_QUEUED, no point yet); NULL on ENOMEM. The pointer is
 * valid until the next seer__trial_add. */
struct seer__trial *seer__trial_add(struct seer__run *r, int64_t id);
void seer__trials_free(struct seer__run *r);
bool seer__run_maximize(const struct seer__run *r);

/* Records the trial RUNNING in the store and starts its process; a trial that cannot start
 * is committed FAILED. */
int seer__trial_start(struct seer__run *r, struct seer__trial *t, struct seer_err *err);

/* Reads up to max_reads chunks of the trial's standard output, and its metric file when it
 * changed. */
void seer__trial_drain(struct seer__run *r, struct seer__trial *t, int max_reads);
void seer__trial_read_metrics(struct seer__run *r, struct seer__trial *t);

/* Signals the trial's process group (SIGTERM also starts the grace period). */
void seer__trial_signal(struct seer__trial *t, int sig);

/* Decides the outcome of a trial whose process has ended (or never started) and commits
 * it with its measurements. */
int seer__trial_finish(struct seer__run *r, struct seer__trial *t, struct seer_err *err);

#endif /* SEER_TUNE_RUN_H */
