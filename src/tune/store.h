/*
 * The study store: one SQLite database (WAL mode) holding studies, trials and their
 * intermediate measurements. A trial is recorded RUNNING before its process starts and
 * committed with its result (one transaction with its measurements) before the next
 * decision, so a study killed at any moment resumes without losing or rerunning a
 * finished trial. Rows come back in caller-provided arenas.
 */
#ifndef SEER_TUNE_STORE_H
#define SEER_TUNE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

#include "core/arena.h"
#include "tune/metric.h"

struct seer__store;

struct seer__study_row {
    const char *job_id;
    const char *config;   /* the config document as JSON */
    const char *command;  /* JSON array of the trainer's argv */
    const char *executor; /* NULL for local */
    const char *cwd;
    int64_t parallel;
    double timeout_s; /* 0: none */
    bool chdir_trial;
    uint64_t seed;
    const char *state;                        /* QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED */
    const char *message;                      /* NULL or why it failed */
    double create_time, start_time, end_time; /* Unix seconds; 0 when unset */
};

struct seer__trial_row {
    int64_t trial_id;
    const char *params; /* JSON object: parameter name -> value text */
    const char *state;  /* RUNNING, SUCCEEDED, FAILED, CANCELLED */
    bool has_objective;
    double objective;
    int64_t step;
    bool stopped_early;
    double start_time, end_time;
    const char *message;
    int64_t pid;
    uint64_t pid_start; /* seer__proc_start_ticks of pid */
};

/* Opens (creating) the database at path. */
int seer__store_open(const char *path, struct seer__store **out, struct seer_err *err);
void seer__store_close(struct seer__store *st); /* NULL ok */

/* EINVAL (with message) when the job id exists. */
int seer__store_study_insert(struct seer__store *st, const struct seer__study_row *row,
                             struct seer_err *err);
/* ENOTFOUND when there is no such job. Strings live in a. */
int seer__store_study_get(struct seer__store *st, const char *job_id, struct seer_arena *a,
                          struct seer__study_row *row, struct seer_err *err);
int seer__store_study_set_state(struct seer__store *st, const char *job_id, const char *state,
                                const char *message, bool set_start, bool set_end,
                                struct seer_err *err);
/* All studies, oldest first. */
int seer__store_study_list(struct seer__store *st, struct seer_arena *a,
                           struct seer__study_row **rows, size_t *n, struct seer_err *err);

/* Records a trial as RUNNING (replacing an interrupted attempt of the same id). */
int seer__store_trial_begin(struct seer__store *st, const char *job_id, int64_t trial_id,
                            const char *params, struct seer_err *err);
int seer__store_trial_set_pid(struct seer__store *st, const char *job_id, int64_t trial_id,
                              int64_t pid, uint64_t pid_start, struct seer_err *err);
/* Commits a trial's end: state, objective (when has_objective), message and all its
 * measurements, in one transaction. */
int seer__store_trial_finish(struct seer__store *st, const char *job_id,
                             const struct seer__trial_row *row, const struct seer__metrics *m,
                             struct seer_err *err);
/* A study's trials by id. */
int seer__store_trials(struct seer__store *st, const char *job_id, struct seer_arena *a,
                       struct seer__trial_row **rows, size_t *n, struct seer_err *err);
/* A trial's measurements in report order, appended to m. */
int seer__store_measurements(struct seer__store *st, const char *job_id, int64_t trial_id,
                             struct seer__metrics *m, struct seer_err *err);

/* Wall-clock time in Unix seconds. */
double seer__now(void);

#endif /* SEER_TUNE_STORE_H */
