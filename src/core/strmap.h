/*
 * A string-keyed hash map (open addressing, linear probing) for name lookups in
 * importers and tools: node names, weight names, tensor names.
 *
 * The map borrows its keys (valid until the map is cleared: keep them in an arena or a
 * parsed document that outlives the map) and stores one void * per key. There is no
 * removal: maps are built once and then read. Keys may contain any byte but NUL and are
 * compared by length and content, so a prefix of a longer string can be looked up
 * without copying it (seer_strmap_getn).
 */
#ifndef SEER_STRMAP_H
#define SEER_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seer_strmap_slot {
    const char *key; /* borrowed; NULL for an empty slot */
    size_t len;      /* key length in bytes */
    uint64_t hash;
    void *val;
};

struct seer_strmap {
    struct seer_strmap_slot *slots; /* owns (seer_malloc); NULL until the first put */
    size_t cap;                     /* power of two, or 0 */
    size_t n;                       /* keys stored */
};

/* Empties *m without allocating (cannot fail). */
void seer_strmap_init(struct seer_strmap *m);
/* Frees the slot table; the map is empty and reusable afterwards. */
void seer_strmap_clear(struct seer_strmap *m);

/* Sets key -> val, replacing any previous value. key is borrowed. 0 or SEER_ENOMEM. */
int seer_strmap_put(struct seer_strmap *m, const char *key, void *val);
/* The same with an explicit length (key[0..len) need not be NUL-terminated). */
int seer_strmap_putn(struct seer_strmap *m, const char *key, size_t len, void *val);

/* True when key is present; its value goes to *val (val may be NULL). */
bool seer_strmap_has(const struct seer_strmap *m, const char *key, void **val);
/* The value for key, or NULL when absent (use seer_strmap_has to store NULL values). */
void *seer_strmap_get(const struct seer_strmap *m, const char *key);
void *seer_strmap_getn(const struct seer_strmap *m, const char *key, size_t len);

#endif /* SEER_STRMAP_H */
