/* Bump allocator over a chain of 64-byte aligned blocks. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#define ARENA_ALIGN 64

struct block {
    struct block *next;
    size_t cap;  /* usable bytes after the header */
    size_t used;
    /* data follows, ARENA_ALIGN aligned */
};

#define HDR (((sizeof(struct block) + ARENA_ALIGN - 1) / ARENA_ALIGN) * ARENA_ALIGN)

struct seer_arena {
    struct block *head; /* current block; older blocks follow */
    size_t block_bytes;
    size_t total_used;
};

static struct block *block_new(size_t cap)
{
    size_t n;
    struct block *b;

    if (!seer_add_size(cap, HDR, &n))
        return NULL;
    b = seer_aligned_alloc(ARENA_ALIGN, n);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

struct seer_arena *seer_arena_new(size_t block_bytes)
{
    struct seer_arena *a = seer_malloc(sizeof(*a));

    if (!a)
        return NULL;
    a->block_bytes = block_bytes < 256 ? 256 : block_bytes;
    a->total_used = 0;
    a->head = block_new(a->block_bytes);
    if (!a->head) {
        seer_free(a);
        return NULL;
    }
    return a;
}

void seer_arena_free(struct seer_arena *a)
{
    struct block *b, *next;

    if (!a)
        return;
    for (b = a->head; b; b = next) {
        next = b->next;
        seer_free_aligned(b);
    }
    seer_free(a);
}

void seer_arena_reset(struct seer_arena *a)
{
    struct block *b, *next;

    /* Keep only the oldest block, which is the one sized block_bytes. */
    while (a->head->next) {
        b = a->head;
        next = b->next;
        seer_free_aligned(b);
        a->head = next;
    }
    a->head->used = 0;
    a->total_used = 0;
}

void *seer_arena_alloc(struct seer_arena *a, size_t n)
{
    struct block *b = a->head;
    size_t off = (b->used + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    if (off > b->cap || n > b->cap - off) {
        size_t cap = n > a->block_bytes ? n : a->block_bytes;
        struct block *nb = block_new(cap);
        if (!nb)
            return NULL;
        /* A big one-off allocation goes behind the current block so the current
         * block's free space is not wasted. */
        if (n > a->block_bytes && b->used < b->cap / 2) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        nb->used = n;
        a->total_used += n;
        return (char *)nb + HDR;
    }
    b->used = off + n;
    a->total_used += n;
    return (char *)b + HDR + off;
}

void *seer_arena_array(struct seer_arena *a, size_t count, size_t size)
{
    size_t n;
    void *p;

    if (!seer_mul_size(count, size, &n))
        return NULL;
    p = seer_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *seer_arena_memdup(struct seer_arena *a, const void *p, size_t n)
{
    void *d = seer_arena_alloc(a, n);

    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *seer_arena_strndup(struct seer_arena *a, const char *s, size_t n)
{
    char *d;

    if (n == SIZE_MAX)
        return NULL;
    d = seer_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *seer_arena_strdup(struct seer_arena *a, const char *s)
{
    return seer_arena_strndup(a, s, strlen(s));
}

char *seer_arena_printf(struct seer_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *d;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    d = seer_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

size_t seer_arena_used(const struct seer_arena *a)
{
    return a->total_used;
}
