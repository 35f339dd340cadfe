/*
 * Tuning jobs in the server: POST /v1/jobs with a trainingInput creates a HyperTune study
 * (tune/tune.h) that one runner thread runs at low priority, one study at a time, and
 * resumes after a restart.
 *
 * The trainer command never comes from a request, since running a command named in an
 * HTTP body would hand the machine to anyone with a token. The server is given an
 * allow-list (--tune-trainer NAME=COMMAND); a request names an entry through
 * trainingInput.pythonModule, as a Cloud ML Engine job names its trainer module, and may
 * add trainingInput.args, which reach the command as arguments and are never parsed by
 * a shell.
 *
 * Studies live in STATE/tune.db, the store `seer tune --state STATE` uses, so the API
 * also shows studies the CLI runs. The server runs and cancels only the studies it
 * created; it records them in the state database (table tune_jobs, component
 * "tune_jobs") with the user who submitted them and whether a cancel was asked for.
 *
 * Ownership: struct seer_tune_jobs owns its trainer list, its database connections and
 * its runner thread. Request threads share one study-store handle behind a mutex; the
 * runner has its own (tune.h: one handle per thread at a time).
 */
#ifndef SEER_SERVE_TUNE_JOBS_H
#define SEER_SERVE_TUNE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <seer/status.h>

struct cJSON;
struct seer_arena;
struct seer_serve_opts;
struct seer_tune_jobs; /* opaque */

#define SEER_TUNE_JOBS_MAX_ARGS      64   /* trainingInput.args entries */
#define SEER_TUNE_JOBS_MAX_ARG_BYTES 1024 /* bytes of one entry */

/* ---- the runner (tune_jobs.c) ---- */

/* Checks the trainer list (o->tune_trainers, "NAME=COMMAND" each; EINVAL names a bad
 * entry), opens o->state_dir/tune.db and the tune_jobs table of o->state_dir/seer.db, and
 * starts the runner, which first resumes a study the last server left unfinished. */
int seer__tune_jobs_start(const struct seer_serve_opts *o, struct seer_tune_jobs **out,
                          struct seer_err *err);
/* Stops the runner: the running study's trials are killed and it is left to resume at the
 * next start. NULL ok. */
void seer__tune_jobs_stop(struct seer_tune_jobs *t);

/* The trainer names, in configuration order, appended to arr (a cJSON array). */
int seer__tune_jobs_trainers(struct seer_tune_jobs *t, struct cJSON *arr, struct seer_err *err);

/* Creates a study from a parsed config document (root: {"jobId"?, "trainingInput":
 * {"hyperparameters": ..., "pythonModule": TRAINER, "args"?: [...]}}) for user and queues
 * it. trainer, when not NULL, names the trainer instead of trainingInput.pythonModule
 * (both may be given only when they agree) and is written into the stored config. *id
 * (in a) names the new job. EINVAL/EFORMAT name the field; EUNSUPPORTED when the server
 * has no trainers. */
int seer__tune_jobs_submit(struct seer_tune_jobs *t, const char *user, struct cJSON *root,
                           const char *trainer, struct seer_arena *a, const char **id,
                           struct seer_err *err);
/* A study as Cloud ML Engine's Job JSON (a new cJSON tree the caller deletes), with
 * "user" when the server ran it and CANCELLING while a cancel is under way. ENOTFOUND. */
int seer__tune_jobs_get(struct seer_tune_jobs *t, const char *id, struct cJSON **out,
                        struct seer_err *err);
/* Every study as a Job (trainingOutput with bestTrial instead of trials), appended to arr
 * in creation order. */
int seer__tune_jobs_list(struct seer_tune_jobs *t, struct cJSON *arr, struct seer_err *err);
/* Cancels a study the server runs: a queued one is CANCELLED at once, a running one is
 * CANCELLING until its trials are killed. EINVAL when it has ended or is run by another
 * process (seer tune); ENOTFOUND. */
int seer__tune_jobs_cancel(struct seer_tune_jobs *t, const char *id, struct seer_err *err);

/* ---- handlers (h_tune.c) ---- */

struct seer_req;
struct seer_resp;
/* /v1/jobs for both kinds: a body with trainingInput (JSON, or YAML sent as
 * application/yaml) is a tuning job, anything else goes to the batch handlers. */
int seer__h_jobs_any_create(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_any_list(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_any_get(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_any_cancel(struct seer_req *rq, struct seer_resp *rs);
int seer__h_tuning_page(struct seer_req *rq, struct seer_resp *rs);

#endif /* SEER_SERVE_TUNE_JOBS_H */
