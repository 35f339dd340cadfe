/*
 * A small bounds-checked reader for the one EXIF field we need: Orientation (tag 0x0112)
 * in IFD0 of the TIFF structure inside a JPEG APP1 segment. Every read goes through
 * rd16/rd32, which check the offset against the segment's end, so a hostile segment can
 * only make us answer "1" (as stored).
 */
#include <string.h>

#include "image/image_int.h"

#define EXIF_TAG_ORIENTATION 0x0112
#define TIFF_SHORT           3
#define TIFF_LONG            4

struct tiff {
    const uint8_t *p; /* start of the TIFF header (byte-order mark) */
    size_t n;         /* bytes from p to the end of the segment */
    int big_endian;   /* "MM" (Motorola) rather than "II" (Intel) */
};

static int rd16(const struct tiff *t, uint64_t off, unsigned *v)
{
    if (off > t->n || t->n - off < 2)
        return -1;
    const uint8_t *q = t->p + off;
    *v = t->big_endian ? (unsigned)(q[0] << 8 | q[1]) : (unsigned)(q[1] << 8 | q[0]);
    return 0;
}

static int rd32(const struct tiff *t, uint64_t off, uint32_t *v)
{
    unsigned hi, lo;

    if (rd16(t, off, t->big_endian ? &hi : &lo) || rd16(t, off + 2, t->big_endian ? &lo : &hi))
        return -1;
    *v = (uint32_t)hi << 16 | lo;
    return 0;
}

int seer__exif_orientation(const uint8_t *p, size_t n)
{
    struct tiff t;
    unsigned magic, count, tag, type, value;
    uint32_t ifd0, nvals;

    if (!p || n < 6 || memcmp(p, "Exif\0\0", 6) != 0)
        return 1;
    t.p = p + 6;
    t.n = n - 6;
    if (t.n < 8)
        return 1;
    if (t.p[0] == 'I' && t.p[1] == 'I')
        t.big_endian = 0;
    else if (t.p[0] == 'M' && t.p[1] == 'M')
        t.big_endian = 1;
    else
        return 1;
    if (rd16(&t, 2, &magic) || magic != 42 || rd32(&t, 4, &ifd0))
        return 1;
    if (rd16(&t, ifd0, &count))
        return 1;
    /* Entries are 12 bytes each; rd16/rd32 stop us at the segment's end, so a count that
     * overstates the table just ends the loop early. */
    for (unsigned i = 0; i < count; i++) {
        uint64_t e = (uint64_t)ifd0 + 2 + (uint64_t)i * 12;
        if (rd16(&t, e, &tag) || rd16(&t, e + 2, &type) || rd32(&t, e + 4, &nvals))
            return 1;
        if (tag != EXIF_TAG_ORIENTATION)
            continue;
        if (nvals != 1)
            return 1;
        /* A value that fits in four bytes sits in the entry itself, left-justified. */
        if (type == TIFF_SHORT) {
            if (rd16(&t, e + 8, &value))
                return 1;
        } else if (type == TIFF_LONG) {
            uint32_t v32;
            if (rd32(&t, e + 8, &v32))
                return 1;
            value = v32 > 8 ? 0 : (unsigned)v32;
        } else {
            return 1;
        }
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 1;
}
