/*
 * The FlexBuffers reader (see flexbuf.h).
 *
 * Layout reminders: a FlexBuffer is built back to front. Its last byte is the byte width
 * of the root slot, the byte before it the root's packed type, and the root slot sits
 * just before those two. A packed type byte holds the type in its top six bits and, for
 * values reached through an offset, the byte width of their elements in the low two.
 * Offsets are unsigned and point backwards: target = slot - value. A map at target t of
 * width w stores, before t, the offset to its keys vector (t - 3w), the keys' byte width
 * (t - 2w) and its length (t - w); at t its values, then one packed type byte per value.
 * Keys are sorted NUL-terminated strings.
 */
#include "import/flexbuf.h"

#include <string.h>

/* Longest key compared; TFLite's option names are far shorter. */
#define MAX_KEY 256

static bool in_blob(const struct seer_flex_ref *r, size_t off, size_t len)
{
    return off <= r->n && len <= r->n - off;
}

static bool width_ok(size_t w)
{
    return w == 1 || w == 2 || w == 4 || w == 8;
}

static uint64_t rd_uint(const uint8_t *p, size_t w)
{
    uint64_t v = 0;

    for (size_t i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int64_t rd_int(const uint8_t *p, size_t w)
{
    uint64_t u = rd_uint(p, w);

    /* Sign-extend from w bytes. */
    if (w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w);
    return (int64_t)u;
}

/* Follows the offset stored in the slot of r; *target is what it points to. */
static int indirect(const struct seer_flex_ref *r, size_t *target, struct seer_err *err)
{
    uint64_t off;

    if (!in_blob(r, r->pos, r->parent_width))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: value past the end (%zu bytes)", r->pos,
                         r->n);
    off = rd_uint(r->p + r->pos, r->parent_width);
    /* Offsets point strictly backwards; zero would point at the slot itself. */
    if (off == 0 || off > r->pos)
        return seer_errf(err, SEER_EFORMAT, "offset %zu: reference -%llu points outside the blob",
                         r->pos, (unsigned long long)off);
    *target = r->pos - (size_t)off;
    return SEER_OK;
}

int seer_flex_root(const uint8_t *p, size_t n, struct seer_flex_ref *out, struct seer_err *err)
{
    size_t w;

    memset(out, 0, sizeof(*out));
    out->p = p;
    out->n = n;
    if (n < 3)
        return seer_errf(err, SEER_EFORMAT, "%zu bytes is too short for a FlexBuffer", n);
    w = p[n - 1];
    if (!width_ok(w) || w > n - 2)
        return seer_errf(err, SEER_EFORMAT, "offset %zu: bad root width %zu", n - 1, w);
    out->pos = n - 2 - w;
    out->parent_width = (uint8_t)w;
    out->byte_width = (uint8_t)(1u << (p[n - 2] & 3));
    out->type = p[n - 2] >> 2;
    return SEER_OK;
}

/* The NUL-terminated key at off; false when it runs off the blob or is too long. */
static bool key_at(const struct seer_flex_ref *m, size_t off, const char **key)
{
    size_t len = 0;

    while (off + len < m->n && m->p[off + len] != '\0' && len < MAX_KEY)
        len++;
    if (off + len >= m->n || m->p[off + len] != '\0')
        return false;
    *key = (const char *)m->p + off;
    return true;
}

int seer_flex_map_get(const struct seer_flex_ref *map, const char *key, struct seer_flex_ref *out,
                      bool *found, struct seer_err *err)
{
    size_t t, w = map->byte_width, kw, kt, len, types;
    struct seer_flex_ref keys;
    int rc;

    memset(out, 0, sizeof(*out));
    out->p = map->p;
    out->n = map->n;
    out->type = SEER_FLEX_NULL;
    *found = false;
    if (map->type != SEER_FLEX_MAP)
        return seer_errf(err, SEER_EFORMAT, "offset %zu: value of type %u is not a map", map->pos,
                         map->type);
    rc = indirect(map, &t, err);
    if (rc)
        return rc;
    if (t < 3 * w || !in_blob(map, t - 3 * w, 3 * w))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: map header outside the blob", t);
    len = (size_t)rd_uint(map->p + t - w, w);
    kw = (size_t)rd_uint(map->p + t - 2 * w, w);
    /* Values (len slots of w bytes) and their type bytes must fit after t. */
    if (len > map->n || !in_blob(map, t, len * w) || !in_blob(map, t + len * w, len))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: map of %zu values runs past the end", t,
                         len);
    if (!width_ok(kw))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: bad key width %zu", t - 2 * w, kw);
    keys = *map;
    keys.pos = t - 3 * w;
    keys.parent_width = (uint8_t)w;
    rc = indirect(&keys, &kt, err);
    if (rc)
        return rc;
    if (kt < kw || !in_blob(map, kt - kw, kw) || !in_blob(map, kt, len * kw))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: map keys run outside the blob", kt);
    types = t + len * w;
    for (size_t i = 0; i < len; i++) {
        struct seer_flex_ref kr = *map;
        const char *k;
        size_t ks;

        kr.pos = kt + i * kw;
        kr.parent_width = (uint8_t)kw;
        rc = indirect(&kr, &ks, err);
        if (rc)
            return rc;
        if (!key_at(map, ks, &k))
            return seer_errf(err, SEER_EFORMAT, "offset %zu: map key %zu is not a string", ks, i);
        if (strcmp(k, key) != 0)
            continue;
        out->pos = t + i * w;
        out->parent_width = (uint8_t)w;
        out->byte_width = (uint8_t)(1u << (map->p[types + i] & 3));
        out->type = map->p[types + i] >> 2;
        *found = true;
        return SEER_OK;
    }
    return SEER_OK;
}

/* Where a scalar's bytes are and how wide: inline in its slot, or behind an offset. */
static int scalar_bytes(const struct seer_flex_ref *r, size_t *pos, size_t *w, struct seer_err *err)
{
    int rc;

    switch (r->type) {
    case SEER_FLEX_INT:
    case SEER_FLEX_UINT:
    case SEER_FLEX_FLOAT:
    case SEER_FLEX_BOOL:
        *pos = r->pos;
        *w = r->parent_width;
        break;
    case SEER_FLEX_INDIRECT_INT:
    case SEER_FLEX_INDIRECT_UINT:
    case SEER_FLEX_INDIRECT_FLOAT:
        rc = indirect(r, pos, err);
        if (rc)
            return rc;
        *w = r->byte_width;
        break;
    default:
        return seer_errf(err, SEER_EFORMAT, "offset %zu: value of type %u is not a number", r->pos,
                         r->type);
    }
    if (!in_blob(r, *pos, *w))
        return seer_errf(err, SEER_EFORMAT, "offset %zu: %zu-byte value past the end", *pos, *w);
    if ((r->type == SEER_FLEX_FLOAT || r->type == SEER_FLEX_INDIRECT_FLOAT) && *w != 4 && *w != 8)
        return seer_errf(err, SEER_EFORMAT, "offset %zu: %zu-byte float", *pos, *w);
    return SEER_OK;
}

static double as_float_bytes(const uint8_t *p, size_t w)
{
    if (w == 4) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    double d;
    memcpy(&d, p, 8);
    return d;
}

int seer_flex_as_int(const struct seer_flex_ref *r, int64_t *v, struct seer_err *err)
{
    size_t pos, w;
    int rc = scalar_bytes(r, &pos, &w, err);

    *v = 0;
    if (rc)
        return rc;
    switch (r->type) {
    case SEER_FLEX_INT:
    case SEER_FLEX_INDIRECT_INT: *v = rd_int(r->p + pos, w); break;
    case SEER_FLEX_FLOAT:
    case SEER_FLEX_INDIRECT_FLOAT: {
        double d = as_float_bytes(r->p + pos, w);
        /* Out-of-range floats would be undefined behaviour to convert. */
        if (!(d > -9.2e18 && d < 9.2e18))
            return seer_errf(err, SEER_EFORMAT, "offset %zu: %g is not an integer", pos, d);
        *v = (int64_t)d;
        break;
    }
    default: /* uint, bool */ *v = (int64_t)rd_uint(r->p + pos, w); break;
    }
    return SEER_OK;
}

int seer_flex_as_double(const struct seer_flex_ref *r, double *v, struct seer_err *err)
{
    size_t pos, w;
    int rc = scalar_bytes(r, &pos, &w, err);

    *v = 0;
    if (rc)
        return rc;
    switch (r->type) {
    case SEER_FLEX_INT:
    case SEER_FLEX_INDIRECT_INT: *v = (double)rd_int(r->p + pos, w); break;
    case SEER_FLEX_FLOAT:
    case SEER_FLEX_INDIRECT_FLOAT: *v = as_float_bytes(r->p + pos, w); break;
    default: *v = (double)rd_uint(r->p + pos, w); break;
    }
    return SEER_OK;
}

int seer_flex_as_bool(const struct seer_flex_ref *r, bool *v, struct seer_err *err)
{
    double d;
    int rc = seer_flex_as_double(r, &d, err);

    *v = d != 0.0;
    return rc;
}
