/*
 * A small reader for NumPy .npy files (version 1/2, little-endian, C order) used by the
 * golden-output tests. Only for test material we trust; still bounds-checked.
 */
#ifndef SEER_TESTS_NPY_H
#define SEER_TESTS_NPY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"

struct npy {
    char descr[8];      /* "<f4", "|u1", ... */
    int ndim;
    int64_t dims[8];
    int64_t numel;
    uint8_t *file;      /* whole file, seer_free it via npy_free */
    void *data;         /* into file */
};

static inline void npy_free(struct npy *a)
{
    seer_free(a->file);
    a->file = NULL;
}

/* Returns 0 on success. */
static inline int npy_load(const char *path, struct npy *a)
{
    size_t n, hlen, off;
    const char *h, *p;

    memset(a, 0, sizeof(*a));
    if (seer_file_read(path, 0, &a->file, &n, NULL))
        return -1;
    if (n < 12 || memcmp(a->file, "\x93NUMPY", 6))
        goto bad;
    if (a->file[6] == 1) {
        hlen = a->file[8] | (size_t)a->file[9] << 8;
        off = 10;
    } else {
        hlen = a->file[8] | (size_t)a->file[9] << 8 | (size_t)a->file[10] << 16 |
               (size_t)a->file[11] << 24;
        off = 12;
    }
    if (off + hlen > n)
        goto bad;
    h = (const char *)a->file + off;
    p = strstr(h, "'descr': '");
    if (!p || p > h + hlen)
        goto bad;
    memcpy(a->descr, p + 10, 3);
    a->descr[3] = 0;
    if (strstr(h, "'fortran_order': True"))
        goto bad;
    p = strstr(h, "'shape': (");
    if (!p)
        goto bad;
    p += 10;
    a->numel = 1;
    while (*p && *p != ')') {
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p)
            break;
        if (a->ndim >= 8)
            goto bad;
        a->dims[a->ndim++] = d;
        a->numel *= d;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    a->data = a->file + off + hlen;
    {
        size_t es = a->descr[2] == '8' ? 8 : a->descr[2] == '4' ? 4 : a->descr[2] == '2' ? 2 : 1;
        if ((size_t)a->numel * es > n - off - hlen)
            goto bad;
    }
    return 0;
bad:
    npy_free(a);
    return -1;
}

#endif /* SEER_TESTS_NPY_H */
