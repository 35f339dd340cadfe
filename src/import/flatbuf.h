/*
 * A bounds-checked FlatBuffers reader, written for the TFLite importer (no generated
 * code). It walks tables through their vtables, vectors, strings and unions of an
 * untrusted buffer: every offset and every length is checked against the buffer before a
 * byte is read, so a malformed file is an EFORMAT whose message names the byte offset,
 * never a read out of bounds.
 *
 * FlatBuffers references (uoffset_t) always point forward, so the only way to make a
 * loop is a zero offset, which is refused; a depth limit on nested tables bounds the work
 * on any input. Values are read with memcpy, so nothing needs to be aligned.
 *
 * Every struct here borrows the buffer (valid while the caller keeps it alive) and the
 * struct seer_err the root was opened with.
 */
#ifndef SEER_IMPORT_FLATBUF_H
#define SEER_IMPORT_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

/* Tables nested deeper than this are refused (TFLite needs 5). */
#define SEER_FB_MAX_DEPTH 32

struct seer_fb {
    const uint8_t *p; /* borrowed */
    size_t n;
    struct seer_err *err; /* borrowed; receives every message */
};

struct seer_fb_table {
    const struct seer_fb *fb;
    size_t pos;         /* offset of the table in the buffer */
    size_t vt;          /* offset of its vtable */
    uint16_t vt_bytes;  /* vtable size, including its two header fields */
    uint16_t obj_bytes; /* inline size of the table */
    int depth;
};

struct seer_fb_vec {
    const struct seer_fb *fb;
    size_t pos;  /* offset of element 0 */
    uint32_t n;  /* element count */
    size_t elem; /* bytes per element */
    int depth;
};

/* Opens the root table of fb (p, n, err filled by the caller). ident, if not NULL, is
 * the 4-byte file identifier that must follow the root offset ("TFL3"). */
int seer_fb_root(const struct seer_fb *fb, const char *ident, struct seer_fb_table *out);

/* Whether field id is present (its vtable slot is non-zero). */
bool seer_fb_has(const struct seer_fb_table *t, int id);

/* Scalar fields: the default when absent, else the value (checked to lie inside the
 * table and the buffer). */
int seer_fb_u8(const struct seer_fb_table *t, int id, uint8_t def, uint8_t *out);
int seer_fb_i8(const struct seer_fb_table *t, int id, int8_t def, int8_t *out);
int seer_fb_i32(const struct seer_fb_table *t, int id, int32_t def, int32_t *out);
int seer_fb_u32(const struct seer_fb_table *t, int id, uint32_t def, uint32_t *out);
int seer_fb_u64(const struct seer_fb_table *t, int id, uint64_t def, uint64_t *out);
int seer_fb_f32(const struct seer_fb_table *t, int id, float def, float *out);

/* A sub-table field; *present false (and *out zeroed) when absent. */
int seer_fb_table(const struct seer_fb_table *t, int id, struct seer_fb_table *out, bool *present);
/* A vector field of elem-byte elements (scalars, or 4-byte offsets for vectors of
 * tables or strings); an absent field gives an empty vector. */
int seer_fb_vector(const struct seer_fb_table *t, int id, size_t elem, struct seer_fb_vec *out);
/* A string field: *s points into the buffer (NUL-terminated there, checked), *len its
 * length. Absent: *s NULL, *len 0. */
int seer_fb_string(const struct seer_fb_table *t, int id, const char **s, size_t *len);
/* A union value field (the table the union's type field selects); like seer_fb_table. */
static inline int seer_fb_union(const struct seer_fb_table *t, int id, struct seer_fb_table *out,
                                bool *present)
{
    return seer_fb_table(t, id, out, present);
}

/* Element i (< v->n) of a vector of tables. */
int seer_fb_vec_table(const struct seer_fb_vec *v, uint32_t i, struct seer_fb_table *out);
/* Element i (< v->n) of a vector of strings. */
int seer_fb_vec_string(const struct seer_fb_vec *v, uint32_t i, const char **s, size_t *len);

/* Elements of scalar vectors; i < v->n and the element size are the caller's promise
 * (the bytes were bounds-checked when the vector was opened). */
int32_t seer_fb_vec_i32(const struct seer_fb_vec *v, uint32_t i);
int64_t seer_fb_vec_i64(const struct seer_fb_vec *v, uint32_t i);
float seer_fb_vec_f32(const struct seer_fb_vec *v, uint32_t i);
/* Pointer to the first byte of the vector's data (for [ubyte] blobs). */
static inline const uint8_t *seer_fb_vec_data(const struct seer_fb_vec *v)
{
    return v->fb->p + v->pos;
}

#endif /* SEER_IMPORT_FLATBUF_H */
