/*
 * Memory of one interpreter run (see dynrt.h): value and buffer records come from the
 * run's arena and are recycled through free lists; tensor bytes come from a pool of
 * power-of-two size classes, so a buffer freed by one node is reused by the next of its
 * size and the run's footprint follows the tensors alive at once, not the sum of all.
 * Everything is released when the run ends.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "graph/dyn_int.h"
#include "graph/dynrt.h"

#define MIN_CLASS 6 /* 64 bytes */

struct seer__val *seer__rt_val(struct seer__rt *rt)
{
    struct seer__val *v = rt->free_vals;

    if (v)
        rt->free_vals = v->next;
    else if (!(v = seer_arena_alloc(rt->arena, sizeof(*v))))
        return NULL;
    memset(v, 0, sizeof(*v));
    v->refs = 1;
    return v;
}

static struct seer__buf *new_buf(struct seer__rt *rt)
{
    struct seer__buf *b = rt->free_bufs;

    if (b)
        rt->free_bufs = b->next;
    else if (!(b = seer_arena_alloc(rt->arena, sizeof(*b))))
        return NULL;
    memset(b, 0, sizeof(*b));
    b->refs = 1;
    return b;
}

static int size_class(size_t n)
{
    int c = MIN_CLASS;

    while (c < SEER__N_CLASSES - 1 && ((size_t)1 << c) < n)
        c++;
    return c;
}

int seer__rt_alloc(struct seer__rt *rt, struct seer__val *v, const char *who)
{
    struct seer__buf *b;
    size_t n, cap;
    int c;
    void *p;

    if (!seer_tensor_nbytes(&v->t, &n) || n > SEER_DYN_MAX_LIVE_BYTES)
        return seer_errf(rt->err, SEER_ELIMIT, "node '%s': an output is too large", who);
    c = size_class(n);
    cap = (size_t)1 << c;
    if (rt->live_bytes + cap > SEER_DYN_MAX_LIVE_BYTES)
        return seer_errf(rt->err, SEER_ELIMIT,
                         "node '%s': the run needs more than %zu bytes "
                         "of live tensors",
                         who, SEER_DYN_MAX_LIVE_BYTES);
    b = new_buf(rt);
    if (!b)
        return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
    p = rt->free_blocks[c];
    if (p) {
        memcpy(&rt->free_blocks[c], p, sizeof(void *));
    } else {
        if (rt->n_blocks == rt->cap_blocks) {
            size_t nc = rt->cap_blocks ? rt->cap_blocks * 2 : 256;
            void **nb = seer_realloc(rt->blocks, nc * sizeof(*nb));
            if (!nb) {
                b->next = rt->free_bufs;
                rt->free_bufs = b;
                return seer_errf(rt->err, SEER_ENOMEM, "out of memory");
            }
            rt->blocks = nb;
            rt->cap_blocks = nc;
        }
        p = seer_aligned_alloc(64, cap);
        if (!p) {
            b->next = rt->free_bufs;
            rt->free_bufs = b;
            return seer_errf(rt->err, SEER_ENOMEM, "out of memory for %zu bytes (node '%s')", cap,
                             who);
        }
        rt->blocks[rt->n_blocks++] = p;
    }
    b->p = p;
    b->bytes = cap;
    rt->live_bytes += cap;
    if (rt->live_bytes > rt->peak_bytes)
        rt->peak_bytes = rt->live_bytes;
    v->buf = b;
    v->t.data = p;
    return SEER_OK;
}

struct seer__val *seer__rt_alias(struct seer__rt *rt, struct seer__val *v)
{
    struct seer__val *a = seer__rt_val(rt);

    if (!a)
        return NULL;
    a->t = v->t;
    a->buf = v->buf;
    if (a->buf)
        a->buf->refs++;
    return a;
}

void seer__rt_retain(struct seer__val *v)
{
    v->refs++;
}

static void release_buf(struct seer__rt *rt, struct seer__buf *b)
{
    if (!b || --b->refs > 0)
        return;
    if (!b->borrowed) {
        int c = size_class(b->bytes);
        memcpy(b->p, &rt->free_blocks[c], sizeof(void *));
        rt->free_blocks[c] = b->p;
        rt->live_bytes -= b->bytes;
    }
    b->next = rt->free_bufs;
    rt->free_bufs = b;
}

void seer__rt_release(struct seer__rt *rt, struct seer__val *v)
{
    if (!v || --v->refs > 0)
        return;
    release_buf(rt, v->buf);
    v->next = rt->free_vals;
    rt->free_vals = v;
}

struct seer__val *seer__rt_borrow(struct seer__rt *rt, const struct seer_tensor *t)
{
    struct seer__val *v = seer__rt_val(rt);

    if (!v)
        return NULL;
    v->buf = new_buf(rt);
    if (!v->buf) {
        v->next = rt->free_vals;
        rt->free_vals = v;
        return NULL;
    }
    v->buf->borrowed = true;
    v->buf->p = t->data;
    v->t = *t;
    return v;
}
