/* The bounded protobuf wire reader (see pb.h). */
#include "import/pb.h"

#include <string.h>

/* A varint is at most 10 bytes; the 10th may only hold the top bit of a uint64. */
#define MAX_VARINT 10

void seer__pb_init(struct seer__pb *r, const uint8_t *p, size_t n, struct seer_err *err)
{
    r->p = p;
    r->end = p + n;
    r->base = p;
    r->err = err;
}

size_t seer__pb_offset(const struct seer__pb *r, const uint8_t *p)
{
    return (size_t)(p - r->base);
}

/* Reads a varint at *pp (not past end); false when truncated or over 64 bits. */
static bool varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;

    for (int i = 0; i < MAX_VARINT; i++) {
        if (p >= end)
            return false;
        uint8_t c = *p++;
        if (i == MAX_VARINT - 1 && c > 1)
            return false;
        x |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80)) {
            *v = x;
            *pp = p;
            return true;
        }
    }
    return false;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int seer__pb_next(struct seer__pb *r, struct seer__pb_field *f)
{
    const uint8_t *p = r->p;
    uint64_t key, n;

    if (p >= r->end)
        return 0;
    memset(f, 0, sizeof(*f));
    f->off = seer__pb_offset(r, p);
    if (!varint(&p, r->end, &key))
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: truncated or overlong field tag",
                         f->off);
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field number %llu is out of range",
                         f->off, (unsigned long long)(key >> 3));
    f->num = (uint32_t)(key >> 3);
    f->wire = (enum seer__pb_wire)(key & 7);
    switch (key & 7) {
    case SEER__PB_VARINT:
        if (!varint(&p, r->end, &f->v))
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u: truncated varint", f->off,
                             f->num);
        break;
    case SEER__PB_I64:
        if (r->end - p < 8)
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u: 8 bytes past the end",
                             f->off, f->num);
        f->v = le(p, 8);
        p += 8;
        break;
    case SEER__PB_I32:
        if (r->end - p < 4)
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u: 4 bytes past the end",
                             f->off, f->num);
        f->v = le(p, 4);
        p += 4;
        break;
    case SEER__PB_LEN:
        if (!varint(&p, r->end, &n))
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u: truncated length", f->off,
                             f->num);
        if (n > (uint64_t)(r->end - p))
            return seer_errf(r->err, SEER_EFORMAT,
                             "offset %zu: field %u: length %llu runs past the end of its "
                             "message (%zu bytes left)",
                             f->off, f->num, (unsigned long long)n, (size_t)(r->end - p));
        f->data = p;
        f->len = (size_t)n;
        p += n;
        break;
    default:
        return seer_errf(r->err, SEER_EFORMAT,
                         "offset %zu: field %u: wire type %u is not "
                         "supported",
                         f->off, f->num, (unsigned)(key & 7));
    }
    r->p = p;
    return 1;
}

void seer__pb_sub(const struct seer__pb *r, const struct seer__pb_field *f, struct seer__pb *sub)
{
    sub->p = f->data;
    sub->end = f->data + f->len;
    sub->base = r->base;
    sub->err = r->err;
}

int seer__pb_float(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                   float *out)
{
    uint32_t bits;

    if (f->wire != SEER__PB_I32)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s is not a float", f->off, what);
    bits = (uint32_t)f->v;
    memcpy(out, &bits, sizeof(*out));
    return SEER_OK;
}

int seer__pb_int(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                 int64_t *out)
{
    if (f->wire != SEER__PB_VARINT)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s is not an integer", f->off, what);
    *out = (int64_t)f->v;
    return SEER_OK;
}

static int kind_bytes(enum seer__pb_wire kind)
{
    return kind == SEER__PB_I32 ? 4 : kind == SEER__PB_I64 ? 8 : 0;
}

int seer__pb_rep_count(const struct seer__pb *r, const struct seer__pb_field *f,
                       enum seer__pb_wire kind, const char *what, size_t *n)
{
    const uint8_t *p, *end;
    uint64_t v;
    size_t c = 0;

    if (f->wire == kind) {
        (*n)++;
        return SEER_OK;
    }
    if (f->wire != SEER__PB_LEN)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s has the wrong wire type", f->off,
                         what);
    if (kind_bytes(kind)) {
        if (f->len % (size_t)kind_bytes(kind))
            return seer_errf(r->err, SEER_EFORMAT,
                             "offset %zu: packed %s is %zu bytes, not a multiple of %d", f->off,
                             what, f->len, kind_bytes(kind));
        *n += f->len / (size_t)kind_bytes(kind);
        return SEER_OK;
    }
    p = f->data;
    end = f->data + f->len;
    while (p < end) {
        if (!varint(&p, end, &v))
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: packed %s: truncated varint",
                             seer__pb_offset(r, p), what);
        c++;
    }
    *n += c;
    return SEER_OK;
}

int seer__pb_rep_each(const struct seer__pb *r, const struct seer__pb_field *f,
                      enum seer__pb_wire kind, const char *what,
                      int (*put)(void *ctx, uint64_t raw), void *ctx)
{
    const uint8_t *p, *end;
    int w = kind_bytes(kind), rc;
    uint64_t v;

    if (f->wire == kind)
        return put(ctx, f->v);
    if (f->wire != SEER__PB_LEN)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: %s has the wrong wire type", f->off,
                         what);
    p = f->data;
    end = f->data + f->len;
    while (p < end) {
        if (w) {
            if (end - p < w)
                return seer_errf(r->err, SEER_EFORMAT, "offset %zu: packed %s is cut short",
                                 seer__pb_offset(r, p), what);
            v = le(p, w);
            p += w;
        } else if (!varint(&p, end, &v)) {
            return seer_errf(r->err, SEER_EFORMAT, "offset %zu: packed %s: truncated varint",
                             seer__pb_offset(r, p), what);
        }
        rc = put(ctx, v);
        if (rc)
            return rc;
    }
    return SEER_OK;
}

bool seer__pb_str_eq(const struct seer__pb_field *f, const char *s)
{
    size_t n = strlen(s);

    return f->wire == SEER__PB_LEN && f->len == n && (n == 0 || !memcmp(f->data, s, n));
}
