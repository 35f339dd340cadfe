/*
 * The bounds-checked FlatBuffers reader (see flatbuf.h).
 *
 * Layout reminders: a buffer starts with a uoffset to the root table. A table starts with
 * an soffset to its vtable (vtable = table - soffset); the vtable holds its own size, the
 * table's inline size and one uint16 per field, the field's offset from the table start
 * (0 = absent). A reference field holds a uoffset relative to the field's own position.
 * A vector or string is a uint32 count followed by the elements (strings also by a NUL).
 */
#include "import/flatbuf.h"

#include <string.h>

static uint32_t rd_u32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint16_t rd_u16(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

/* True when [off, off + len) lies inside the buffer. */
static bool in_buf(const struct seer_fb *fb, size_t off, size_t len)
{
    return off <= fb->n && len <= fb->n - off;
}

/* Opens the table at pos: reads and checks its vtable. */
static int open_table(const struct seer_fb *fb, size_t pos, int depth, struct seer_fb_table *out)
{
    int64_t vt;
    int32_t so;

    memset(out, 0, sizeof(*out));
    if (depth > SEER_FB_MAX_DEPTH)
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: tables nested more than %d deep", pos,
                         SEER_FB_MAX_DEPTH);
    if (!in_buf(fb, pos, 4))
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: table past the end (%zu bytes)", pos,
                         fb->n);
    memcpy(&so, fb->p + pos, sizeof(so));
    vt = (int64_t)pos - so;
    if (vt < 0 || !in_buf(fb, (size_t)vt, 4))
        return seer_errf(fb->err, SEER_EFORMAT,
                         "offset %zu: vtable offset %d points outside the buffer", pos, so);
    out->fb = fb;
    out->pos = pos;
    out->vt = (size_t)vt;
    out->vt_bytes = rd_u16(fb->p + vt);
    out->obj_bytes = rd_u16(fb->p + vt + 2);
    out->depth = depth;
    if (out->vt_bytes < 4 || (out->vt_bytes & 1) || !in_buf(fb, out->vt, out->vt_bytes))
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: bad vtable (%u bytes at %zu)", pos,
                         out->vt_bytes, out->vt);
    if (out->obj_bytes < 4 || !in_buf(fb, pos, out->obj_bytes))
        return seer_errf(fb->err, SEER_EFORMAT,
                         "offset %zu: table of %u bytes runs past the end (%zu bytes)", pos,
                         out->obj_bytes, fb->n);
    return SEER_OK;
}

int seer_fb_root(const struct seer_fb *fb, const char *ident, struct seer_fb_table *out)
{
    uint32_t off;

    memset(out, 0, sizeof(*out));
    if (fb->n < 8)
        return seer_errf(fb->err, SEER_EFORMAT, "%zu bytes is too short for a FlatBuffer", fb->n);
    if (ident && memcmp(fb->p + 4, ident, 4) != 0)
        return seer_errf(fb->err, SEER_EFORMAT, "offset 4: file identifier is not \"%.4s\"", ident);
    off = rd_u32(fb->p);
    if (off == 0 || off >= fb->n)
        return seer_errf(fb->err, SEER_EFORMAT,
                         "offset 0: root table offset %u is outside the buffer (%zu bytes)", off,
                         fb->n);
    return open_table(fb, off, 0, out);
}

/* Offset of field id inside the table, 0 when absent. */
static uint16_t field_off(const struct seer_fb_table *t, int id)
{
    size_t slot = 4 + 2 * (size_t)id;

    if (id < 0 || slot + 2 > t->vt_bytes)
        return 0;
    return rd_u16(t->fb->p + t->vt + slot);
}

bool seer_fb_has(const struct seer_fb_table *t, int id)
{
    return field_off(t, id) != 0;
}

/* Position of a present scalar field of size bytes, checked; 0 when absent. */
static int scalar_pos(const struct seer_fb_table *t, int id, size_t size, size_t *pos)
{
    uint16_t off = field_off(t, id);

    *pos = 0;
    if (!off)
        return SEER_OK;
    if ((size_t)off + size > t->obj_bytes)
        return seer_errf(t->fb->err, SEER_EFORMAT,
                         "offset %zu: field %d (at +%u, %zu bytes) lies outside its table of "
                         "%u bytes",
                         t->pos, id, off, size, t->obj_bytes);
    *pos = t->pos + off;
    return SEER_OK;
}

#define SCALAR_GETTER(fname, type)                                                                 \
    int fname(const struct seer_fb_table *t, int id, type def, type *out)                          \
    {                                                                                              \
        size_t pos;                                                                                \
        int rc = scalar_pos(t, id, sizeof(type), &pos);                                            \
                                                                                                   \
        *out = def;                                                                                \
        if (rc || !pos)                                                                            \
            return rc;                                                                             \
        memcpy(out, t->fb->p + pos, sizeof(type));                                                 \
        return SEER_OK;                                                                            \
    }

SCALAR_GETTER(seer_fb_u8, uint8_t)
SCALAR_GETTER(seer_fb_i8, int8_t)
SCALAR_GETTER(seer_fb_i32, int32_t)
SCALAR_GETTER(seer_fb_u32, uint32_t)
SCALAR_GETTER(seer_fb_u64, uint64_t)
SCALAR_GETTER(seer_fb_f32, float)

/* Follows the uoffset stored at pos; *target is where it points. Zero offsets are
 * refused: one would point at itself, the only way to loop in a FlatBuffer. */
static int follow(const struct seer_fb *fb, size_t pos, size_t *target)
{
    uint32_t off;

    if (!in_buf(fb, pos, 4))
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: reference past the end", pos);
    off = rd_u32(fb->p + pos);
    if (off == 0)
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: reference to itself (a cycle)", pos);
    if ((uint64_t)pos + off >= fb->n)
        return seer_errf(fb->err, SEER_EFORMAT,
                         "offset %zu: reference +%u points past the end (%zu bytes)", pos, off,
                         fb->n);
    *target = pos + off;
    return SEER_OK;
}

/* Position of a present reference field, checked to hold 4 bytes; 0 when absent. */
static int ref_field(const struct seer_fb_table *t, int id, size_t *target)
{
    size_t pos;
    int rc = scalar_pos(t, id, 4, &pos);

    *target = 0;
    if (rc || !pos)
        return rc;
    return follow(t->fb, pos, target);
}

int seer_fb_table(const struct seer_fb_table *t, int id, struct seer_fb_table *out, bool *present)
{
    size_t target;
    int rc = ref_field(t, id, &target);

    memset(out, 0, sizeof(*out));
    *present = false;
    if (rc || !target)
        return rc;
    rc = open_table(t->fb, target, t->depth + 1, out);
    *present = rc == SEER_OK;
    return rc;
}

/* Opens the vector whose length field is at pos. */
static int open_vec(const struct seer_fb *fb, size_t pos, size_t elem, int depth,
                    struct seer_fb_vec *out)
{
    uint32_t n;

    memset(out, 0, sizeof(*out));
    out->fb = fb;
    out->elem = elem;
    out->depth = depth;
    if (!in_buf(fb, pos, 4))
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: vector length past the end", pos);
    n = rd_u32(fb->p + pos);
    /* n * elem cannot overflow size_t: n < 2^32 and elem is at most 8. */
    if (!in_buf(fb, pos + 4, (size_t)n * elem))
        return seer_errf(fb->err, SEER_EFORMAT,
                         "offset %zu: vector of %u elements of %zu bytes runs past the end "
                         "(%zu bytes)",
                         pos, n, elem, fb->n);
    out->pos = pos + 4;
    out->n = n;
    return SEER_OK;
}

int seer_fb_vector(const struct seer_fb_table *t, int id, size_t elem, struct seer_fb_vec *out)
{
    size_t target;
    int rc = ref_field(t, id, &target);

    memset(out, 0, sizeof(*out));
    out->fb = t->fb;
    out->elem = elem;
    out->depth = t->depth + 1;
    if (rc || !target)
        return rc;
    return open_vec(t->fb, target, elem, t->depth + 1, out);
}

/* Reads the string whose length field is at pos. */
static int read_string(const struct seer_fb *fb, size_t pos, const char **s, size_t *len)
{
    struct seer_fb_vec v;
    int rc = open_vec(fb, pos, 1, 0, &v);

    if (rc)
        return rc;
    if (!in_buf(fb, v.pos + v.n, 1) || fb->p[v.pos + v.n] != '\0')
        return seer_errf(fb->err, SEER_EFORMAT, "offset %zu: string is not NUL-terminated", pos);
    *s = (const char *)fb->p + v.pos;
    *len = v.n;
    return SEER_OK;
}

int seer_fb_string(const struct seer_fb_table *t, int id, const char **s, size_t *len)
{
    size_t target;
    int rc = ref_field(t, id, &target);

    *s = NULL;
    *len = 0;
    if (rc || !target)
        return rc;
    return read_string(t->fb, target, s, len);
}

int seer_fb_vec_table(const struct seer_fb_vec *v, uint32_t i, struct seer_fb_table *out)
{
    size_t target;
    int rc;

    memset(out, 0, sizeof(*out));
    if (i >= v->n || v->elem != 4)
        return seer_errf(v->fb->err, SEER_EINVAL, "vector element %u of %u", i, v->n);
    rc = follow(v->fb, v->pos + 4 * (size_t)i, &target);
    if (rc)
        return rc;
    return open_table(v->fb, target, v->depth, out);
}

int seer_fb_vec_string(const struct seer_fb_vec *v, uint32_t i, const char **s, size_t *len)
{
    size_t target;
    int rc;

    *s = NULL;
    *len = 0;
    if (i >= v->n || v->elem != 4)
        return seer_errf(v->fb->err, SEER_EINVAL, "vector element %u of %u", i, v->n);
    rc = follow(v->fb, v->pos + 4 * (size_t)i, &target);
    if (rc)
        return rc;
    return read_string(v->fb, target, s, len);
}

int32_t seer_fb_vec_i32(const struct seer_fb_vec *v, uint32_t i)
{
    int32_t x;

    memcpy(&x, v->fb->p + v->pos + 4 * (size_t)i, sizeof(x));
    return x;
}

int64_t seer_fb_vec_i64(const struct seer_fb_vec *v, uint32_t i)
{
    int64_t x;

    memcpy(&x, v->fb->p + v->pos + 8 * (size_t)i, sizeof(x));
    return x;
}

float seer_fb_vec_f32(const struct seer_fb_vec *v, uint32_t i)
{
    float x;

    memcpy(&x, v->fb->p + v->pos + 4 * (size_t)i, sizeof(x));
    return x;
}
