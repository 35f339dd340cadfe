/*
 * Internals of the batch module shared by its files: the glob walker and a small text
 * buffer for JSON lines.
 */
#ifndef SEER_BATCH_INT_H
#define SEER_BATCH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <seer/batch.h>

/* Called for every matching regular file; path is borrowed for the call. */
typedef int (*seer__glob_fn)(void *ctx, const char *path, struct seer_err *err);

/* Walks the files matching pattern (see seer_batch_inputs_glob), unsorted, possibly with
 * duplicates; stops at the first non-zero return of add. */
int seer__glob(const char *pattern, seer__glob_fn add, void *ctx, struct seer_err *err);

/* A growable text buffer on the heap; oom is sticky so callers check once at the end. */
struct seer__buf {
    char *p; /* owns; NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;
};

void seer__buf_put(struct seer__buf *b, const char *s, size_t n);
void seer__buf_puts(struct seer__buf *b, const char *s);
void seer__buf_printf(struct seer__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON string with RFC 8259 escapes (other bytes pass through). */
void seer__buf_json_str(struct seer__buf *b, const char *s);
/* A number with at most `decimals` decimals, trailing zeros dropped; null if not finite. */
void seer__buf_json_num(struct seer__buf *b, double v, int decimals);
void seer__buf_free(struct seer__buf *b);

#endif /* SEER_BATCH_INT_H */
