/*
 * Batch prediction jobs in the server: Cloud ML Engine-style job records in the state
 * database (table jobs, migrated as component "jobs"), one runner thread that runs them
 * one at a time through the batch pipeline at lower priority than online requests, and
 * resumes a job that was running when the server stopped.
 *
 * Paths a job reads or writes are confined to the configured job roots: every path is
 * resolved with realpath() and must lie inside a root, '..' components are refused, and
 * each file a pattern matches is checked again (a symlink out of a root is refused).
 *
 * Ownership: struct seer_jobs owns its database connection and thread; it borrows the
 * server (its repository and options), which must outlive it.
 */
#ifndef SEER_SERVE_JOBS_H
#define SEER_SERVE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <seer/status.h>

struct cJSON;
struct seer_arena;
struct seer_server;
struct seer_jobs; /* opaque */

/* ---- the runner (jobs.c) ---- */

/* Opens the jobs table in state_dir/seer.db, resolves the job roots (srv->opts.job_roots,
 * default state_dir/jobs, created), marks jobs that were being cancelled as CANCELLED and
 * starts the runner, which picks up a job left RUNNING first. */
int seer__jobs_start(struct seer_server *srv, struct seer_jobs **out, struct seer_err *err);
/* Stops the runner. A running job is interrupted after committing its finished chunk and
 * stays RUNNING, so the next start resumes it. NULL ok. */
void seer__jobs_stop(struct seer_jobs *j);

/* Validates a POST /v1/jobs body ({"jobId"?, "predictionInput": {...}}) and queues the job
 * for user. *id (in a) names it. EINVAL/EFORMAT for a bad request (the message names the
 * field), ENOTFOUND for an unknown model. */
int seer__jobs_submit(struct seer_jobs *j, const char *user, const struct cJSON *body,
                      struct seer_arena *a, const char **id, struct seer_err *err);
/* One job as its JSON resource (a new cJSON tree the caller deletes); ENOTFOUND. */
int seer__jobs_get(struct seer_jobs *j, const char *id, struct cJSON **out, struct seer_err *err);
/* {"jobs": [...], "roots": [...]}: the newest jobs first (at most max). */
int seer__jobs_list(struct seer_jobs *j, int max, struct cJSON **out, struct seer_err *err);
/* Cancels a job: QUEUED becomes CANCELLED at once, PREPARING/RUNNING become CANCELLING
 * until the runner stops it. EINVAL when the job has already ended; ENOTFOUND. */
int seer__jobs_cancel(struct seer_jobs *j, const char *id, struct seer_err *err);
/* The output folder and state of a job (strings in a). */
int seer__jobs_output(struct seer_jobs *j, const char *id, struct seer_arena *a,
                      const char **output_path, const char **state, struct seer_err *err);

/* ---- path confinement (jobs_paths.c) ---- */

#define SEER__JOBS_MAX_ROOTS 16

/* roots[] are real paths (realpath, no trailing '/'). */
struct seer__job_roots {
    char *v[SEER__JOBS_MAX_ROOTS]; /* owns */
    int n;
};

/* Resolves and adds a root (created when create is set and it does not exist). */
int seer__job_roots_add(struct seer__job_roots *r, const char *dir, bool create,
                        struct seer_err *err);
void seer__job_roots_clear(struct seer__job_roots *r);
/* True when the real path p is one of the roots or inside one. */
bool seer__job_roots_contain(const struct seer__job_roots *r, const char *p);

/* An input pattern (absolute, or relative to the first root) made absolute, with the folder
 * part before its first wildcard resolved and checked: *out (heap) is the pattern to glob.
 * EINVAL names the problem ('..', outside the roots, no such folder). */
int seer__job_pattern(const struct seer__job_roots *r, const char *pattern, char **out,
                      struct seer_err *err);
/* A file a pattern matched: its real path must be inside a root (catches symlinks). */
int seer__job_file_check(const struct seer__job_roots *r, const char *path, struct seer_err *err);
/* An output folder (absolute or relative to the first root): checked and, with create,
 * created; *out (heap) is its real path when it exists, else the checked absolute path. */
int seer__job_output(const struct seer__job_roots *r, const char *path, bool create, char **out,
                     struct seer_err *err);

/* ---- handlers (h_jobs.c) ---- */

struct seer_req;
struct seer_resp;
int seer__h_jobs_create(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_list(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_get(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_cancel(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_results(struct seer_req *rq, struct seer_resp *rs);
int seer__h_jobs_page(struct seer_req *rq, struct seer_resp *rs);

#endif /* SEER_SERVE_JOBS_H */
