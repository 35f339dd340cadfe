/*
 * A bounded reader for the protobuf wire format, written for the GraphDef and SavedModel
 * importers (no code generated from .proto files). A reader is a cursor over one
 * message's bytes; a length-delimited field opens a sub-reader that ends where the field
 * ends, so a nested message can never read past its own field. Every varint and length
 * is checked against the end before a byte is read, and every message names the byte
 * offset from the start of the whole buffer.
 *
 * Readers borrow the buffer (valid while the caller keeps it) and the struct seer_err
 * given to seer__pb_init, which receives every message.
 */
#ifndef SEER_IMPORT_PB_H
#define SEER_IMPORT_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

enum seer__pb_wire {
    SEER__PB_VARINT = 0,
    SEER__PB_I64 = 1,
    SEER__PB_LEN = 2,
    SEER__PB_I32 = 5,
};

struct seer__pb {
    const uint8_t *p;     /* cursor (borrowed) */
    const uint8_t *end;   /* end of this message */
    const uint8_t *base;  /* start of the whole buffer, for offsets in messages */
    struct seer_err *err; /* borrowed */
};

/* One field as read from the wire. */
struct seer__pb_field {
    uint32_t num; /* field number (>= 1) */
    enum seer__pb_wire wire;
    uint64_t v;          /* VARINT value, or the raw bits of I32 / I64 */
    const uint8_t *data; /* LEN: the field's bytes (borrowed) */
    size_t len;          /* LEN: their count */
    size_t off;          /* offset of the field's tag in the whole buffer */
};

/* A reader over p[0..n), the whole buffer. */
void seer__pb_init(struct seer__pb *r, const uint8_t *p, size_t n, struct seer_err *err);

/* Reads the next field into *f. Returns 1 when a field was read, 0 at the end of the
 * message, or SEER_EFORMAT (truncated varint, length past the end, field number 0, a
 * group or an unknown wire type) with a message naming the offset. */
int seer__pb_next(struct seer__pb *r, struct seer__pb_field *f);

/* A reader over the bytes of LEN field f (read by r): it cannot see past the field. */
void seer__pb_sub(const struct seer__pb *r, const struct seer__pb_field *f, struct seer__pb *sub);

/* Offset of p (inside r's buffer) from the start of the buffer. */
size_t seer__pb_offset(const struct seer__pb *r, const uint8_t *p);

/* Field f as a value: float (I32), int64 (VARINT, two's complement), bool (VARINT).
 * EFORMAT naming what when the wire type does not fit. */
int seer__pb_float(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                   float *out);
int seer__pb_int(const struct seer__pb *r, const struct seer__pb_field *f, const char *what,
                 int64_t *out);

/* Repeated scalars arrive either packed (one LEN field) or one field per value; both
 * are accepted. count adds the number of values in occurrence f to *n; get writes value
 * number i of the occurrence (i < what count gave) into *out. kind is the wire type of
 * a single value (VARINT, I32 or I64). */
int seer__pb_rep_count(const struct seer__pb *r, const struct seer__pb_field *f,
                       enum seer__pb_wire kind, const char *what, size_t *n);
/* Decodes every value of occurrence f, in order, calling put(ctx, raw) for each (raw is
 * the varint or the little-endian bits). put returns 0 to go on or a status to stop. */
int seer__pb_rep_each(const struct seer__pb *r, const struct seer__pb_field *f,
                      enum seer__pb_wire kind, const char *what,
                      int (*put)(void *ctx, uint64_t raw), void *ctx);

/* Whether a LEN field's bytes equal the C string s. */
bool seer__pb_str_eq(const struct seer__pb_field *f, const char *s);

#endif /* SEER_IMPORT_PB_H */
