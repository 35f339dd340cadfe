/* Counting allocator with optional fault injection (see alloc.h). */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_llong live;
static atomic_llong fail_countdown = -1; /* -1: not read from the environment yet */
static atomic_bool fired;

static bool should_fail(void)
{
    long long c = atomic_load(&fail_countdown);

    if (c == -1) {
        const char *s = getenv("SEER_ALLOC_FAIL_AT");
        long long n = s ? strtoll(s, NULL, 10) : 0;
        long long expected = -1;
        atomic_compare_exchange_strong(&fail_countdown, &expected, n > 0 ? n : 0);
        c = atomic_load(&fail_countdown);
    }
    if (c == 0)
        return false;
    c = atomic_fetch_sub(&fail_countdown, 1);
    if (c == 1) {
        atomic_store(&fired, true);
        return true;
    }
    if (c <= 0)
        atomic_store(&fail_countdown, 0);
    return false;
}

void seer_alloc_fail_at(int64_t n)
{
    atomic_store(&fail_countdown, n > 0 ? n : 0);
    atomic_store(&fired, false);
}

bool seer_alloc_failed(void)
{
    return atomic_load(&fired);
}

int64_t seer_alloc_live(void)
{
    return atomic_load(&live);
}

void *seer_malloc(size_t n)
{
    void *p;

    if (should_fail())
        return NULL;
    p = malloc(n ? n : 1);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

void *seer_calloc(size_t count, size_t size)
{
    void *p;
    size_t n;

    if (!seer_mul_size(count, size, &n) || should_fail())
        return NULL;
    p = calloc(n ? n : 1, 1);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

void *seer_realloc(void *p, size_t n)
{
    void *q;

    if (!p)
        return seer_malloc(n);
    if (should_fail())
        return NULL;
    q = realloc(p, n ? n : 1);
    return q;
}

void seer_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub(&live, 1);
    free(p);
}

void *seer_aligned_alloc(size_t align, size_t n)
{
    void *p = NULL;

    if (should_fail())
        return NULL;
    if (posix_memalign(&p, align, n ? n : 1) != 0)
        return NULL;
    atomic_fetch_add(&live, 1);
    return p;
}

void seer_free_aligned(void *p)
{
    seer_free(p);
}

char *seer_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = seer_malloc(len + 1);

    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *seer_strdup(const char *s)
{
    return seer_strndup(s, strlen(s));
}
