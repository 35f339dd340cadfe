/*
 * A bounds-checked FlexBuffers reader, for the options of TFLite custom operators (a
 * FlexBuffers map such as TFLite_Detection_PostProcess's {"max_detections": 10, ...}).
 * Read-only and small: a root, map lookup by key, and scalars (ints, uints, floats,
 * bools, inline or indirect). Every read is checked against the buffer; errors are
 * EFORMAT naming the byte offset inside the options blob.
 *
 * A struct seer_flex_ref borrows the blob it came from.
 */
#ifndef SEER_IMPORT_FLEXBUF_H
#define SEER_IMPORT_FLEXBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

enum seer_flex_type {
    SEER_FLEX_NULL = 0,
    SEER_FLEX_INT = 1,
    SEER_FLEX_UINT = 2,
    SEER_FLEX_FLOAT = 3,
    SEER_FLEX_KEY = 4,
    SEER_FLEX_STRING = 5,
    SEER_FLEX_INDIRECT_INT = 6,
    SEER_FLEX_INDIRECT_UINT = 7,
    SEER_FLEX_INDIRECT_FLOAT = 8,
    SEER_FLEX_MAP = 9,
    SEER_FLEX_VECTOR = 10,
    SEER_FLEX_BOOL = 26,
};

struct seer_flex_ref {
    const uint8_t *p; /* the whole blob, borrowed */
    size_t n;
    size_t pos;           /* where the value (or the offset to it) is stored */
    uint8_t parent_width; /* bytes of the slot at pos: 1, 2, 4 or 8 */
    uint8_t byte_width;   /* bytes of the elements of what an offset points to */
    uint8_t type;         /* enum seer_flex_type (other values: unsupported) */
};

/* The root value of blob p[0..n). */
int seer_flex_root(const uint8_t *p, size_t n, struct seer_flex_ref *out, struct seer_err *err);

/* Looks key up in a map. *found false (and *out a NULL value) when the key is absent;
 * EFORMAT when map is not a map or is malformed. */
int seer_flex_map_get(const struct seer_flex_ref *map, const char *key, struct seer_flex_ref *out,
                      bool *found, struct seer_err *err);

/* Scalars, converted as FlexBuffers' AsInt64 / AsDouble / AsBool do for numbers and
 * bools. EFORMAT for a string, map, vector or other non-scalar. */
int seer_flex_as_int(const struct seer_flex_ref *r, int64_t *v, struct seer_err *err);
int seer_flex_as_double(const struct seer_flex_ref *r, double *v, struct seer_err *err);
int seer_flex_as_bool(const struct seer_flex_ref *r, bool *v, struct seer_err *err);

#endif /* SEER_IMPORT_FLEXBUF_H */
