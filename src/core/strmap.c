/* Open-addressing string map (see strmap.h). */
#include "core/strmap.h"

#include <string.h>

#include <seer/status.h>

#include "core/alloc.h"

/* FNV-1a: simple, no seed to manage, and good enough for names from model files, whose
 * worst case (many colliding names) costs time linear in the map, not a crash. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void seer_strmap_init(struct seer_strmap *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->n = 0;
}

void seer_strmap_clear(struct seer_strmap *m)
{
    seer_free(m->slots);
    seer_strmap_init(m);
}

static struct seer_strmap_slot *find_slot(struct seer_strmap_slot *slots, size_t cap,
                                          const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    /* The table is never more than half full, so the probe always ends. */
    for (;;) {
        struct seer_strmap_slot *s = &slots[i];
        if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len)))
            return s;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(struct seer_strmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 16;
    struct seer_strmap_slot *ns;

    if (nc < m->cap)
        return SEER_ENOMEM;
    ns = seer_calloc(nc, sizeof(*ns));
    if (!ns)
        return SEER_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct seer_strmap_slot *o = &m->slots[i];
        if (o->key)
            *find_slot(ns, nc, o->key, o->len, o->hash) = *o;
    }
    seer_free(m->slots);
    m->slots = ns;
    m->cap = nc;
    return SEER_OK;
}

int seer_strmap_putn(struct seer_strmap *m, const char *key, size_t len, void *val)
{
    uint64_t h = hash_bytes(key, len);
    struct seer_strmap_slot *s;

    if ((m->n + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    s = find_slot(m->slots, m->cap, key, len, h);
    if (!s->key) {
        s->key = key;
        s->len = len;
        s->hash = h;
        m->n++;
    }
    s->val = val;
    return SEER_OK;
}

int seer_strmap_put(struct seer_strmap *m, const char *key, void *val)
{
    return seer_strmap_putn(m, key, strlen(key), val);
}

static const struct seer_strmap_slot *lookup(const struct seer_strmap *m, const char *key,
                                             size_t len)
{
    struct seer_strmap_slot *s;

    if (!m->cap)
        return NULL;
    s = find_slot(m->slots, m->cap, key, len, hash_bytes(key, len));
    return s->key ? s : NULL;
}

bool seer_strmap_has(const struct seer_strmap *m, const char *key, void **val)
{
    const struct seer_strmap_slot *s = lookup(m, key, strlen(key));

    if (s && val)
        *val = s->val;
    return s != NULL;
}

void *seer_strmap_getn(const struct seer_strmap *m, const char *key, size_t len)
{
    const struct seer_strmap_slot *s = lookup(m, key, len);

    return s ? s->val : NULL;
}

void *seer_strmap_get(const struct seer_strmap *m, const char *key)
{
    return seer_strmap_getn(m, key, strlen(key));
}
