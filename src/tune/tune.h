/*
 * HyperTune: hyperparameter search with Cloud ML Engine's spec (trainingInput.
 * hyperparameters), for any trainer command. This is the API the CLI (`seer tune`) and the
 * server call; everything else in src/tune/ is internal.
 *
 * A study is created from a config document (YAML or JSON: a Job with trainingInput) and
 * a trainer command, then run to its end; all state lives in an SQLite store under a state
 * directory, so a study that was stopped or killed is run again by its job id and continues
 * where it was. One seer_tune_db handle per thread; a study runs in one thread at a time
 * (a lock file refuses a second runner).
 */
#ifndef SEER_TUNE_H
#define SEER_TUNE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seer/status.h>

#define SEER_TUNE_JOB_ID_MAX 72 /* buffer size for a job id and its NUL */

struct seer_tune_db; /* opaque: the store and the trial directories */

/* How the trials of a new study run. Strings are copied into the store. */
struct seer_tune_opts {
    const char *const *argv; /* trainer command, NULL-terminated; "--name=value" appended */
    const char *executor;    /* NULL: local; else a template with {cmd} (also {env},
                                {trial}, {dir}) run by /bin/sh */
    const char *job_id;      /* NULL: the config's jobId, else tune_YYYYMMDD_HHMMSS */
    const char *cwd;         /* NULL: the current directory */
    int64_t parallel;        /* 0: the spec's maxParallelTrials */
    double trial_timeout_s;  /* 0: none; a trial running longer is killed and FAILED */
    uint64_t seed;           /* 0: chosen from the clock */
    bool chdir_trial;        /* run each trial inside its own directory */
};

/* Controls for a running study. All fields optional. */
struct seer_tune_ctl {
    volatile sig_atomic_t *stop; /* set to non-zero to stop: trials are killed, the study
                                    is CANCELLED and can be resumed */
    atomic_int *cancel;          /* the same, for another thread to set (stop is only
                                    for signal handlers: a plain write from another
                                    thread would be a data race) */
    FILE *progress;              /* one line per finished trial */
};

/* Opens or creates <state_dir>/tune.db (creating state_dir). */
int seer_tune_open(const char *state_dir, struct seer_tune_db **out, struct seer_err *err);
void seer_tune_close(struct seer_tune_db *db); /* NULL ok */

/* Validates config (n bytes of YAML or JSON) and records a new QUEUED study; writes its
 * job id into job_id (SEER_TUNE_JOB_ID_MAX bytes). Messages name the config field, e.g.
 * "trainingInput.hyperparameters.params[1].minValue: must be > 0 for UNIT_LOG_SCALE". */
int seer_tune_create(struct seer_tune_db *db, const char *config, size_t n,
                     const struct seer_tune_opts *o, char *job_id, struct seer_err *err);

/* Runs (or resumes) a study until it ends or ctl->stop is set. Trials that failed are part
 * of a normal end. Writes the study's state ("SUCCEEDED", "FAILED", "CANCELLED") into
 * state (16 bytes) when not NULL. Returns 0, or a status for a store or system error. */
int seer_tune_run(struct seer_tune_db *db, const char *job_id, const struct seer_tune_ctl *ctl,
                  char *state, struct seer_err *err);

/* The study as Cloud ML Engine's Job JSON (jobId, trainingInput, state, times and
 * trainingOutput with trials best first, completedTrialCount, isHyperparameterTuningJob).
 * *out is seer_malloc'd. */
int seer_tune_show_json(struct seer_tune_db *db, const char *job_id, char **out,
                        struct seer_err *err);

/* All studies as {"jobs": [{jobId, state, createTime, completedTrialCount, ...}]}. */
int seer_tune_list_json(struct seer_tune_db *db, char **out, struct seer_err *err);

/* Human-readable forms of the above. */
int seer_tune_show_table(struct seer_tune_db *db, const char *job_id, FILE *f,
                         struct seer_err *err);
int seer_tune_list_table(struct seer_tune_db *db, FILE *f, struct seer_err *err);

#endif /* SEER_TUNE_H */
