/*
 * Bump allocator. An arena owns every block it hands out; nothing inside is freed one
 * by one. Four lifetimes use arenas: process, model, plan and request/job item.
 * Not thread-safe: one owner at a time.
 */
#ifndef SEER_ARENA_H
#define SEER_ARENA_H

#include <stddef.h>

struct seer_arena; /* opaque */

struct seer_arena *seer_arena_new(size_t block_bytes);   /* NULL on ENOMEM */
void seer_arena_free(struct seer_arena *a);              /* frees all; NULL ok */
void seer_arena_reset(struct seer_arena *a);             /* keeps the first block */

/* 64-byte aligned, uninitialised. NULL on ENOMEM. */
void *seer_arena_alloc(struct seer_arena *a, size_t n);
/* Zeroed, overflow-checked count * size. NULL on ENOMEM or overflow. */
void *seer_arena_array(struct seer_arena *a, size_t count, size_t size);
/* Copies of strings and bytes into the arena. NULL on ENOMEM. */
char *seer_arena_strdup(struct seer_arena *a, const char *s);
char *seer_arena_strndup(struct seer_arena *a, const char *s, size_t n);
void *seer_arena_memdup(struct seer_arena *a, const void *p, size_t n);
/* printf into the arena. NULL on ENOMEM. */
char *seer_arena_printf(struct seer_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for tests and metrics). */
size_t seer_arena_used(const struct seer_arena *a);

#endif /* SEER_ARENA_H */
