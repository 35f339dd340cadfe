/*
 * Reading a trial's reported metric, and the median stopping rule.
 *
 * Two report forms are read. The cloudml-hypertune file (CLOUD_ML_HP_METRIC_FILE) holds
 * JSON lines {"global_step": "100", "<tag>": "0.9", "timestamp": 1.5e9, "trial": "1"};
 * the library rewrites the whole file (its last 100 reports) on every report, so entries
 * are told apart by timestamp. Standard output lines may carry "<tag>=<value>", with an
 * optional "global_step=N" or "step=N" on the same line. Anything else is ignored; a
 * value that is not a finite number is counted as garbage.
 */
#ifndef SEER_TUNE_METRIC_H
#define SEER_TUNE_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEER_TUNE_MAX_MEASUREMENTS 10000 /* per trial; later ones replace the last */

struct seer__meas {
    int64_t step;
    double value;
};

/* A trial's measurements in report order. Owns v. */
struct seer__metrics {
    struct seer__meas *v;
    size_t n, cap;
    double file_ts;    /* newest hypertune timestamp taken */
    size_t file_lines; /* hypertune lines taken that had no timestamp */
    int64_t seq;       /* step given to stdout reports without one */
    size_t n_garbage;  /* reports whose value was not a finite number */
};

void seer__metrics_clear(struct seer__metrics *m); /* frees v; zeroed m ok */

/* Appends one measurement. Returns 0 or SEER_ENOMEM. */
int seer__metrics_push(struct seer__metrics *m, int64_t step, double value);

/* Takes the new entries for tag from the whole text of a hypertune metric file. */
int seer__metrics_parse_file(struct seer__metrics *m, const char *text, size_t n, const char *tag);

/* Takes a report for tag from one line of standard output (no newline). */
int seer__metrics_parse_line(struct seer__metrics *m, const char *line, size_t n, const char *tag);

/* The median stopping rule: true when the trial's best value up to its latest step s is
 * worse than the median, over completed trials, of each one's average of the values it
 * reported at steps <= s. Needs at least min_done completed trials with such values. */
bool seer__median_should_stop(const struct seer__metrics *trial,
                              const struct seer__metrics *const *done, size_t n_done, bool maximize,
                              size_t min_done);

#endif /* SEER_TUNE_METRIC_H */
