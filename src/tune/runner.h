/*
 * Running one trial's process: fork/exec with the trial's environment, standard output
 * through a pipe (for "tag=value" reports), standard error to a file, its own process
 * group so that a stop, a timeout or the end of the study reaches everything it started.
 * Trials run locally, or through an executor template (srun, kubectl, ssh, parallel) in
 * which {cmd} is replaced by the shell-quoted command.
 */
#ifndef SEER_TUNE_RUNNER_H
#define SEER_TUNE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seer/status.h>

struct seer__spawn {
    const char *const *argv; /* the trial's full command, NULL-terminated */
    const char *executor;    /* template or NULL for local */
    const char *const *env;  /* extra "NAME=value" entries, NULL-terminated */
    const char *cwd;         /* working directory of the trial */
    const char *stderr_path; /* file receiving standard error */
    const char *trial_id;    /* for {trial} */
    const char *trial_dir;   /* for {dir} */
};

/* Builds the executor's shell command: {cmd} becomes the quoted command, {env} the quoted
 * NAME=value list, {trial} and {dir} the trial's id and directory. Returns a seer_malloc'd
 * string, or NULL on ENOMEM or when the result would exceed 64 KiB. */
char *seer__executor_expand(const struct seer__spawn *sp);

/* Quotes s for POSIX sh into buf (always single quotes). Returns the length or -1. */
int seer__sh_quote(const char *s, char *buf, size_t cap);

/* Finds an executable on PATH (or checks a path with a slash). Returns 0 and the path in
 * buf, or SEER_ENOTFOUND. */
int seer__which(const char *name, char *buf, size_t cap);

/* Starts the trial. *pid is the process (and group) id; *out_fd reads its standard
 * output (non-blocking, close-on-exec). On failure nothing is left running. */
int seer__spawn(const struct seer__spawn *sp, pid_t *pid, int *out_fd, struct seer_err *err);

/* Start time of a process in clock ticks since boot (from /proc), 0 when unknown; used to
 * recognise a trial process after a restart without killing a recycled pid. */
uint64_t seer__proc_start_ticks(pid_t pid);

#endif /* SEER_TUNE_RUNNER_H */
