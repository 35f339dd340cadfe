/*
 * The tensor-bundle reader (see bundle.h).
 *
 * variables.index is a LevelDB-style SSTable: data blocks of prefix-compressed
 * key/value entries ending in a restart array, an index block whose values are handles
 * (varint offset and size) of the data blocks, and a 48-byte footer with the handles of
 * the metaindex and index blocks and a magic number. Each block is followed by a
 * 5-byte trailer: a compression byte (0: none, 1: Snappy, which TensorFlow 2 writes) and
 * a CRC32C, which is not checked (bounds are, everywhere). Snappy blocks are expanded by
 * the small bounded decoder below: a literal or a back-reference at a time, each length
 * and offset checked against the output written so far and the size it declared. The value of key
 * "" is a BundleHeaderProto (shard count); every other value is a BundleEntryProto (dtype, shape,
 * shard, offset, size) for a tensor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/strmap.h"
#include "import/bundle.h"
#include "import/graphdef_int.h"
#include "import/pb.h"

#define FOOTER     48
#define MAX_KEY    4096
#define MAX_SHARDS 100000
/* An index block bigger than this once expanded is not a variables index. */
#define MAX_BLOCK ((size_t)256 << 20)
static const uint8_t magic[8] = {0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb};

struct entry {
    int dtype;
    struct seer__tf_shape shape;
    int64_t shard, offset, size;
};

struct seer__bundle {
    struct seer_arena *arena;   /* keys and entries */
    struct seer_strmap entries; /* key -> struct entry */
    const char *prefix;
    int64_t n_shards;
    struct seer_limits lim;
};

struct idx {
    const uint8_t *p;
    size_t n;
    const char *path;
    struct seer_err *err;
    struct seer_arena *arena; /* expanded Snappy blocks */
};

static bool varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;

    for (int i = 0; i < 10 && *pp < end; i++) {
        uint8_t c = *(*pp)++;
        x |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* Offset of p in the file, for messages (0 inside an expanded block, which has none). */
static size_t off_of(const struct idx *x, const uint8_t *p)
{
    return p >= x->p && p <= x->p + x->n ? (size_t)(p - x->p) : 0;
}

static int bad(const struct idx *x, size_t off, const char *what)
{
    return seer_errf(x->err, SEER_EFORMAT, "%s: offset %zu: %s", x->path, off, what);
}

static uint32_t le(const uint8_t *p, int n)
{
    uint32_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Expands Snappy's raw format (no framing) from in[0..n) into a new buffer. */
static int unsnappy(const struct idx *x, size_t at, const uint8_t *in, size_t n, uint8_t **out,
                    size_t *out_n)
{
    const uint8_t *p = in, *end = in + n;
    uint64_t want;
    size_t o = 0;
    uint8_t *dst;

    if (!varint(&p, end, &want) || want > MAX_BLOCK)
        return bad(x, at, "a compressed block has a bad or huge length");
    dst = seer_arena_alloc(x->arena, want ? (size_t)want : 1);
    if (!dst)
        return seer_errf(x->err, SEER_ENOMEM, "out of memory");
    while (p < end) {
        uint8_t tag = *p++;
        size_t len, off = 0;
        if ((tag & 3) == 0) {
            len = (size_t)(tag >> 2) + 1;
            if (len > 60) {
                int k = (int)len - 60;
                if (end - p < k)
                    return bad(x, at, "a compressed literal is cut short");
                len = (size_t)le(p, k) + 1;
                p += k;
            }
            if (len > (size_t)(end - p) || len > want - o)
                return bad(x, at, "a compressed literal runs past its block");
            memcpy(dst + o, p, len);
            p += len;
            o += len;
            continue;
        }
        if ((tag & 3) == 1) {
            if (end - p < 1)
                return bad(x, at, "a compressed copy is cut short");
            len = 4 + ((tag >> 2) & 7);
            off = ((size_t)(tag >> 5) << 8) | *p++;
        } else {
            int k = (tag & 3) == 2 ? 2 : 4;
            if (end - p < k)
                return bad(x, at, "a compressed copy is cut short");
            len = (size_t)(tag >> 2) + 1;
            off = le(p, k);
            p += k;
        }
        if (off == 0 || off > o || len > want - o)
            return bad(x, at, "a compressed copy reaches outside its block");
        /* Byte by byte: a copy may overlap what it writes (a run). */
        for (size_t i = 0; i < len; i++, o++)
            dst[o] = dst[o - off];
    }
    if (o != want)
        return bad(x, at, "a compressed block is shorter than it says");
    *out = dst;
    *out_n = o;
    return SEER_OK;
}

/* A block handle at *pp: the block's bytes, checked, with the trailer checked too. */
static int handle(const struct idx *x, const uint8_t **pp, const uint8_t *end, const uint8_t **blk,
                  size_t *len)
{
    uint64_t off, size;
    size_t at = off_of(x, *pp);

    if (!varint(pp, end, &off) || !varint(pp, end, &size))
        return bad(x, at, "a block handle is cut short");
    if (off > x->n || size > x->n - off || x->n - off - size < 5)
        return bad(x, at, "a block handle points past the end of the file");
    if (x->p[off + size] == 1) {
        uint8_t *d = NULL;
        int rc = unsnappy(x, (size_t)off, x->p + off, (size_t)size, &d, len);
        *blk = d;
        return rc;
    }
    if (x->p[off + size] != 0)
        return seer_errf(x->err, SEER_EUNSUPPORTED,
                         "%s: offset %llu: block compression type "
                         "%d is not supported",
                         x->path, (unsigned long long)off, x->p[off + size]);
    *blk = x->p + off;
    *len = (size_t)size;
    return SEER_OK;
}

typedef int (*entry_fn)(void *ctx, const char *key, size_t klen, const uint8_t *v, size_t vlen);

/* Calls fn for every entry of a block, keys rebuilt from their shared prefixes. */
static int each_entry(const struct idx *x, const uint8_t *blk, size_t len, entry_fn fn, void *ctx)
{
    char key[MAX_KEY];
    size_t klen = 0, at = off_of(x, blk);
    uint32_t n_restarts;
    const uint8_t *p = blk, *end;
    int rc;

    if (len < 4)
        return bad(x, at, "a block is too short");
    memcpy(&n_restarts, blk + len - 4, 4);
    if (n_restarts > (len - 4) / 4)
        return bad(x, at, "a block's restart count runs past its start");
    end = blk + len - 4 - 4 * (size_t)n_restarts;
    while (p < end) {
        uint64_t shared, non_shared, vlen;
        size_t e_at = off_of(x, p);
        if (!varint(&p, end, &shared) || !varint(&p, end, &non_shared) || !varint(&p, end, &vlen))
            return bad(x, e_at, "an entry header is cut short");
        if (shared > klen || non_shared > MAX_KEY - shared)
            return bad(x, e_at, "an entry's key is malformed or too long");
        if (non_shared > (uint64_t)(end - p) || vlen > (uint64_t)(end - p) - non_shared)
            return bad(x, e_at, "an entry runs past its block");
        memcpy(key + shared, p, (size_t)non_shared);
        klen = (size_t)(shared + non_shared);
        p += non_shared;
        rc = fn(ctx, key, klen, p, (size_t)vlen);
        if (rc)
            return rc;
        p += vlen;
    }
    return SEER_OK;
}

struct scan {
    struct seer__bundle *b;
    const struct idx *x;
};

/* One entry of a data block: the header, or a tensor's BundleEntryProto. */
static int add_entry(void *ctx, const char *key, size_t klen, const uint8_t *v, size_t vlen)
{
    struct scan *s = ctx;
    struct seer__pb r;
    struct seer__pb_field f;
    struct entry *e;
    char *k;
    int rc;

    seer__pb_init(&r, v, vlen, s->x->err);
    if (klen == 0) {
        s->b->n_shards = 1;
        while ((rc = seer__pb_next(&r, &f)) == 1)
            if (f.num == 1 && f.wire == SEER__PB_VARINT)
                s->b->n_shards = (int64_t)f.v;
        if (rc)
            return rc;
        if (s->b->n_shards < 1 || s->b->n_shards > MAX_SHARDS)
            return seer_errf(s->x->err, SEER_EFORMAT, "%s: the header says %lld shards", s->x->path,
                             (long long)s->b->n_shards);
        return SEER_OK;
    }
    e = seer_arena_array(s->b->arena, 1, sizeof(*e));
    k = seer_arena_strndup(s->b->arena, key, klen);
    if (!e || !k)
        return seer_errf(s->x->err, SEER_ENOMEM, "out of memory");
    while ((rc = seer__pb_next(&r, &f)) == 1) {
        rc = 0;
        if (f.num == 1 && f.wire == SEER__PB_VARINT)
            e->dtype = f.v > 1000 ? 0 : (int)f.v;
        else if (f.num == 2)
            rc = seer__gd_shape(&r, &f, &e->shape, s->x->err);
        else if (f.num == 3 && f.wire == SEER__PB_VARINT)
            e->shard = (int64_t)f.v;
        else if (f.num == 4 && f.wire == SEER__PB_VARINT)
            e->offset = (int64_t)f.v;
        else if (f.num == 5 && f.wire == SEER__PB_VARINT)
            e->size = (int64_t)f.v;
        else if (f.num == 7)
            rc = seer_errf(s->x->err, SEER_EUNSUPPORTED, "%s: tensor '%s' is saved in slices",
                           s->x->path, k);
        if (rc)
            break;
    }
    if (rc) {
        seer_err_prefix(s->x->err, "%s: entry '%.100s': ", s->x->path, k);
        return rc;
    }
    if (memchr(key, 0, klen))
        return seer_errf(s->x->err, SEER_EFORMAT, "%s: a key contains a NUL byte", s->x->path);
    return seer_strmap_put(&s->b->entries, k, e)
               ? seer_errf(s->x->err, SEER_ENOMEM, "out of memory")
               : SEER_OK;
}

/* One entry of the index block: a handle of a data block. */
static int add_block(void *ctx, const char *key, size_t klen, const uint8_t *v, size_t vlen)
{
    struct scan *s = ctx;
    const uint8_t *blk, *p = v;
    size_t len;
    int rc = handle(s->x, &p, v + vlen, &blk, &len);

    (void)key;
    (void)klen;
    return rc ? rc : each_entry(s->x, blk, len, add_entry, s);
}

int seer__bundle_open(const char *prefix, const struct seer_limits *lim, struct seer__bundle **out,
                      struct seer_err *err)
{
    struct seer__bundle *b = seer_calloc(1, sizeof(*b));
    struct idx x = {NULL, 0, NULL, err, NULL};
    const uint8_t *p, *blk;
    uint8_t *buf = NULL;
    size_t len;
    int rc;

    *out = NULL;
    if (!b || !(b->arena = seer_arena_new(4096))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    seer_strmap_init(&b->entries);
    x.arena = b->arena;
    b->lim = seer_limits_default(lim);
    b->prefix = seer_arena_strdup(b->arena, prefix);
    x.path = seer_arena_printf(b->arena, "%s.index", prefix);
    if (!b->prefix || !x.path) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    rc = seer_file_read(x.path, b->lim.max_model_bytes, &buf, &x.n, err);
    if (rc)
        goto out;
    x.p = buf;
    if (x.n < FOOTER || memcmp(x.p + x.n - 8, magic, 8)) {
        rc = bad(&x, 0, "not a TensorFlow checkpoint index (no SSTable footer)");
        goto out;
    }
    /* Footer: the metaindex handle, then the index handle. */
    p = x.p + x.n - FOOTER;
    rc = handle(&x, &p, x.p + x.n - 8, &blk, &len);
    if (!rc)
        rc = handle(&x, &p, x.p + x.n - 8, &blk, &len);
    if (!rc) {
        struct scan s = {b, &x};
        b->n_shards = 1;
        rc = each_entry(&x, blk, len, add_block, &s);
    }
    if (rc)
        goto out;
    *out = b;
    b = NULL;
out:
    seer_free(buf);
    seer__bundle_free(b);
    return rc;
}

void seer__bundle_free(struct seer__bundle *b)
{
    if (!b)
        return;
    seer_strmap_clear(&b->entries);
    seer_arena_free(b->arena);
    seer_free(b);
}

bool seer__bundle_has(const struct seer__bundle *b, const char *key)
{
    return seer_strmap_get(&b->entries, key) != NULL;
}

int seer__bundle_read(struct seer__bundle *b, const char *key, const char *name,
                      struct seer_graph *g, struct seer_value **out, struct seer_err *err)
{
    const struct entry *e = seer_strmap_get(&b->entries, key);
    struct seer_tensor t = {0};
    enum seer_dtype dt;
    char path[4096];
    struct stat st;
    size_t bytes;
    void *data;
    int fd, rc = SEER_OK;

    *out = NULL;
    if (!e)
        return seer_errf(err, SEER_ENOTFOUND, "the checkpoint has no tensor '%s'", key);
    if (!seer__tf_dt_to_seer(e->dtype, false, &dt))
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "checkpoint tensor '%s': dtype %s is not "
                         "supported",
                         key, seer__tf_dt_name(e->dtype));
    if (e->shape.unknown_rank)
        return seer_errf(err, SEER_EFORMAT, "checkpoint tensor '%s' has no shape", key);
    for (int i = 0; i < e->shape.ndim; i++)
        if (e->shape.dims[i] < 0)
            return seer_errf(err, SEER_EFORMAT, "checkpoint tensor '%s' has an open dim", key);
    seer_tensor_set_shape(&t, dt, e->shape.ndim, e->shape.dims);
    if (!seer_tensor_nbytes(&t, &bytes) || seer_tensor_numel(&t) > b->lim.max_elements)
        return seer_errf(err, SEER_ELIMIT, "checkpoint tensor '%s' is too large", key);
    if ((int64_t)bytes != e->size || e->shard < 0 || e->shard >= b->n_shards || e->offset < 0)
        return seer_errf(err, SEER_EFORMAT,
                         "checkpoint tensor '%s': %lld bytes in shard %lld "
                         "for a shape of %zu bytes",
                         key, (long long)e->size, (long long)e->shard, bytes);
    snprintf(path, sizeof(path), "%s.data-%05lld-of-%05lld", b->prefix, (long long)e->shard,
             (long long)b->n_shards);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO, "%s: %s", path,
                         strerror(errno));
    if (fstat(fd, &st) || st.st_size < e->offset || (int64_t)bytes > st.st_size - e->offset) {
        close(fd);
        return seer_errf(err, SEER_EFORMAT, "%s: tensor '%s' lies past the end of the file", path,
                         key);
    }
    data = seer_arena_alloc(g->arena, bytes ? bytes : 1);
    if (!data) {
        close(fd);
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    for (size_t got = 0; got < bytes && !rc;) {
        ssize_t r = pread(fd, (char *)data + got, bytes - got, (off_t)(e->offset + (int64_t)got));
        if (r <= 0)
            rc = seer_errf(err, SEER_EIO, "%s: %s", path, r < 0 ? strerror(errno) : "cut short");
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc)
        return rc;
    *out = seer_graph_add_const(g, name, dt, t.ndim, t.dims, data, false);
    return *out ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}
