/*
 * Heap allocation. Every heap byte in Seer goes through these functions, which count
 * live allocations (for leak checks in tests) and, when SEER_ALLOC_FAIL_AT=n is set in
 * the environment, fail the n-th allocation (for out-of-memory torture tests).
 */
#ifndef SEER_ALLOC_H
#define SEER_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *seer_malloc(size_t n);
void *seer_calloc(size_t count, size_t size);      /* checked multiply */
void *seer_realloc(void *p, size_t n);
void seer_free(void *p);                           /* NULL ok */
void *seer_aligned_alloc(size_t align, size_t n);  /* free with seer_free_aligned */
void seer_free_aligned(void *p);                   /* NULL ok */
char *seer_strdup(const char *s);
char *seer_strndup(const char *s, size_t n);

/* Live allocation count (malloc minus free), for leak assertions in tests. */
int64_t seer_alloc_live(void);

/* Re-reads SEER_ALLOC_FAIL_AT or sets it directly: fail the n-th allocation from now
 * (0 disables). Returns nothing; used by tests. */
void seer_alloc_fail_at(int64_t n);

/* True when a forced failure has fired since the last seer_alloc_fail_at(). */
bool seer_alloc_failed(void);

/* Overflow-checked size arithmetic: false when the result would not fit. */
static inline bool seer_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline bool seer_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

#endif /* SEER_ALLOC_H */
