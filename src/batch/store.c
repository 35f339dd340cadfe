/*
 * The crash-safe result store of a batch job (the design is at the top of job.c).
 *
 * Layout inside the output folder, per shard:
 *
 *   .seer-batch-00000-of-00001/lock        flock()ed while a run owns the shard
 *   .seer-batch-00000-of-00001/job         "seer-batch 1" / fingerprint / input count
 *   .seer-batch-00000-of-00001/chunk-00000007
 *       "#seer-chunk 1 n=64 failed=2 idx=0-60,62,64-65\n"   the chunk's done-index
 *       "R 0 {result line}\n" "E 61 {error line}\n" "C 0 {coco entries}\n" ...
 *   .seer-batch-00000-of-00001/complete    written once the final files are in place
 *   prediction.results-00000-of-00001, prediction.errors_stats-00000-of-00001,
 *   coco_results.json                      the final files, written at the end
 *
 * Every file is written to a temporary name, fsynced and renamed, then the folder is
 * fsynced: a chunk either exists whole or not at all, so after kill -9 (or a power cut)
 * the chunks present say exactly which inputs are done. A chunk's first line lists its
 * inputs, so resuming reads one short line per chunk, not the results.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <seer/batch.h>

#include "batch/batch_int.h"
#include "core/alloc.h"
#include "core/file.h"

#define CHUNK_MAGIC     "#seer-chunk 1 "
#define JOB_MAGIC       "seer-batch 1"
#define HEADER_MAX      ((size_t)1 << 20)
#define CHUNK_MAX_BYTES ((size_t)1 << 31)

struct seer_batch_store {
    struct seer_batch_store_opts o; /* o.dir points at dir */
    char *dir;                      /* owns: the output folder */
    char *work;                     /* owns: the shard's work folder */
    int lock_fd;
    bool complete;
    uint8_t *done; /* owns: n_inputs flags, committed or queued */
    size_t n_done, n_failed;
    uint64_t next_seq;     /* the next chunk's number */
    struct seer__buf body; /* queued records */
    size_t *pending;       /* owns: indices in body, chunk_items of them at most */
    size_t n_pending, n_pending_failed;
    double first_pending_ms;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

size_t seer_batch_file_name(char *buf, size_t cap, const char *kind, int shard, int n_shards)
{
    int n;

    if (!strcmp(kind, "coco"))
        n = n_shards == 1 ? snprintf(buf, cap, "coco_results.json")
                          : snprintf(buf, cap, "coco_results-%05d-of-%05d.json", shard, n_shards);
    else
        n = snprintf(buf, cap, "prediction.%s-%05d-of-%05d", kind, shard, n_shards);
    return n < 0 ? 0 : (size_t)n;
}

/* "dir/name" on the heap. */
static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name), n;
    char *s;

    if (!seer_add_size(a, b, &n) || !seer_add_size(n, 2, &n) || !(s = seer_malloc(n)))
        return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

/* "dir/name" into a caller buffer, for best-effort clean-up that must not allocate;
 * false when it does not fit. */
static bool path_in(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);

    return n > 0 && (size_t)n < cap;
}

static int fsync_dir(const char *dir, struct seer_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = SEER_OK;

    if (fd < 0)
        return seer_errf(err, SEER_EIO, "%s: %s", dir, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = seer_errf(err, SEER_EIO, "%s: fsync failed: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

/* mkdir -p. */
static int make_dirs(const char *path, struct seer_err *err)
{
    char *p = seer_strdup(path);
    int rc = SEER_OK;

    if (!p)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s)
            continue;
        char c = *s;

        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = seer_errf(err, SEER_EIO, "%s: cannot create: %s", p, strerror(errno));
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    if (!rc) {
        struct stat st;

        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = seer_errf(err, SEER_EIO, "%s: not a folder", path);
    }
    seer_free(p);
    return rc;
}

/* Writes p[0..n) to dir/name atomically and makes the rename durable. */
static int write_file(const char *dir, const char *name, const void *p, size_t n,
                      struct seer_err *err)
{
    char *path = join(dir, name);
    int rc;

    if (!path)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer_file_write_atomic(path, p, n, err);
    seer_free(path);
    return rc ? rc : fsync_dir(dir, err);
}

/* Parses "a-b,c,..." into done[], counting; EFORMAT on a bad, out-of-range or repeated
 * index (two chunks holding one input would put it twice in the results). */
static int mark_ranges(struct seer_batch_store *s, const char *p, const char *chunk, size_t *count,
                       struct seer_err *err)
{
    *count = 0;
    while (*p && *p != '\n') {
        char *end;
        unsigned long long a, b;

        errno = 0;
        a = strtoull(p, &end, 10);
        if (end == p || errno)
            goto bad;
        b = a;
        if (*end == '-') {
            p = end + 1;
            b = strtoull(p, &end, 10);
            if (end == p || errno)
                goto bad;
        }
        if (a > b || b >= s->o.n_inputs)
            goto bad;
        for (unsigned long long i = a; i <= b; i++) {
            if (s->done[i])
                return seer_errf(err, SEER_EFORMAT, "%s: input %llu is in another chunk too", chunk,
                                 i);
            s->done[i] = 1;
            (*count)++;
        }
        p = end;
        if (*p == ',')
            p++;
        else if (*p && *p != '\n')
            goto bad;
    }
    return SEER_OK;
bad:
    return seer_errf(err, SEER_EFORMAT, "%s: bad index list in the chunk header", chunk);
}

/* Reads a chunk's first line (its done-index) and marks its inputs. */
static int read_chunk_header(struct seer_batch_store *s, const char *name, struct seer_err *err)
{
    char *path = join(s->work, name), *line = NULL, *p;
    unsigned long long n = 0, failed = 0;
    size_t count = 0, got = 0;
    int fd = -1, rc = SEER_OK;

    if (!path || !(line = seer_malloc(HEADER_MAX + 1))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    while (got < HEADER_MAX) {
        ssize_t r = read(fd, line + got, HEADER_MAX - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(line + got - (size_t)r, '\n', (size_t)r))
            break;
    }
    line[got] = '\0';
    if (strncmp(line, CHUNK_MAGIC, strlen(CHUNK_MAGIC)) || !strchr(line, '\n') ||
        sscanf(line + strlen(CHUNK_MAGIC), "n=%llu failed=%llu", &n, &failed) != 2 ||
        !(p = strstr(line, " idx="))) {
        rc = seer_errf(err, SEER_EFORMAT, "%s: not a chunk file", path);
        goto out;
    }
    rc = mark_ranges(s, p + 5, path, &count, err);
    if (!rc && (count != n || failed > n))
        rc = seer_errf(err, SEER_EFORMAT, "%s: header counts do not match its index list", path);
    if (!rc) {
        s->n_done += count;
        s->n_failed += (size_t)failed;
    }
out:
    if (fd >= 0)
        close(fd);
    seer_free(line);
    seer_free(path);
    return rc;
}

static bool is_chunk_name(const char *name, uint64_t *seq)
{
    char *end;

    if (strncmp(name, "chunk-", 6) || !name[6])
        return false;
    *seq = strtoull(name + 6, &end, 10);
    return *end == '\0';
}

/* Drops temporary files a crash left, reads every chunk's header. */
static int scan_work(struct seer_batch_store *s, struct seer_err *err)
{
    DIR *d = opendir(s->work);
    struct dirent *e;
    int rc = SEER_OK;

    if (!d)
        return seer_errf(err, SEER_EIO, "%s: %s", s->work, strerror(errno));
    while (!rc && (e = readdir(d))) {
        uint64_t seq;

        if (strstr(e->d_name, ".tmp.")) {
            char p[PATH_MAX];

            if (path_in(p, sizeof(p), s->work, e->d_name))
                unlink(p);
        } else if (is_chunk_name(e->d_name, &seq)) {
            rc = read_chunk_header(s, e->d_name, err);
            if (seq >= s->next_seq)
                s->next_seq = seq + 1;
        }
    }
    closedir(d);
    return rc;
}

/* Reads or writes the job file; a different fingerprint is refused. */
static int check_job(struct seer_batch_store *s, struct seer_err *err)
{
    char want[128], *path = join(s->work, "job");
    uint8_t *have = NULL;
    size_t n = 0;
    int rc;

    if (!path)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    snprintf(want, sizeof(want), JOB_MAGIC "\nfingerprint %016" PRIx64 "\ninputs %zu\n",
             s->o.fingerprint, s->o.n_inputs);
    rc = seer_file_read(path, 4096, &have, &n, err);
    if (rc == SEER_ENOTFOUND) {
        seer_err_clear(err);
        rc = write_file(s->work, "job", want, strlen(want), err);
    } else if (!rc && (n != strlen(want) || memcmp(have, want, n))) {
        rc = seer_errf(err, SEER_EINVAL,
                       "%s holds partial results of a different job (other inputs, model or "
                       "options); use another output folder or delete %s",
                       s->o.dir, s->work);
    }
    seer_free(have);
    seer_free(path);
    return rc;
}

int seer_batch_store_open(const struct seer_batch_store_opts *o, struct seer_batch_store **out,
                          struct seer_err *err)
{
    struct seer_batch_store *s = NULL;
    char name[64], *lock = NULL;
    struct stat st;
    int rc;

    *out = NULL;
    if (!o->dir || !*o->dir || o->n_shards < 1 || o->n_shards > 99999 || o->shard < 0 ||
        o->shard >= o->n_shards)
        return seer_errf(err, SEER_EINVAL, "batch store: bad folder or shard %d/%d", o->shard,
                         o->n_shards);
    if (!(s = seer_calloc(1, sizeof(*s))))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    s->o = *o;
    s->dir = seer_strdup(o->dir);
    s->o.dir = s->dir;
    s->o.chunk_items = o->chunk_items > 0 ? o->chunk_items : 64;
    s->o.chunk_ms = o->chunk_ms > 0 ? o->chunk_ms : 2000;
    s->lock_fd = -1;
    snprintf(name, sizeof(name), ".seer-batch-%05d-of-%05d", o->shard, o->n_shards);
    s->work = join(o->dir, name);
    s->done = seer_calloc(o->n_inputs ? o->n_inputs : 1, 1);
    s->pending = seer_calloc((size_t)s->o.chunk_items, sizeof(*s->pending));
    lock = s->work ? join(s->work, "lock") : NULL;
    if (!s->dir || !s->work || !s->done || !s->pending || !lock) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = make_dirs(s->work, err)))
        goto out;
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", lock, strerror(errno));
        goto out;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = seer_errf(err, SEER_EBUSY, "%s: another run is writing shard %d of %d there", o->dir,
                       o->shard, o->n_shards);
        goto out;
    }
    if ((rc = check_job(s, err)))
        goto out;
    seer_free(lock);
    lock = join(s->work, "complete");
    if (!lock) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if (stat(lock, &st) == 0) {
        s->complete = true;
        memset(s->done, 1, o->n_inputs);
        s->n_done = o->n_inputs;
    } else {
        rc = scan_work(s, err);
    }
out:
    seer_free(lock);
    if (rc) {
        seer_batch_store_free(s);
        return rc;
    }
    *out = s;
    return SEER_OK;
}

void seer_batch_store_free(struct seer_batch_store *s)
{
    if (!s)
        return;
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    seer__buf_free(&s->body);
    seer_free(s->pending);
    seer_free(s->done);
    seer_free(s->work);
    seer_free(s->dir);
    seer_free(s);
}

bool seer_batch_store_is_complete(const struct seer_batch_store *s)
{
    return s->complete;
}

const uint8_t *seer_batch_store_done(const struct seer_batch_store *s)
{
    return s->done;
}

size_t seer_batch_store_n_done(const struct seer_batch_store *s)
{
    return s->n_done;
}

size_t seer_batch_store_n_failed(const struct seer_batch_store *s)
{
    return s->n_failed;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

int seer_batch_store_commit(struct seer_batch_store *s, bool force, struct seer_err *err)
{
    struct seer__buf chunk = {0};
    char name[32];
    int rc;

    if (s->n_pending == 0)
        return SEER_OK;
    if (!force && s->n_pending < (size_t)s->o.chunk_items &&
        now_ms() - s->first_pending_ms < s->o.chunk_ms)
        return SEER_OK;
    qsort(s->pending, s->n_pending, sizeof(*s->pending), cmp_size);
    seer__buf_printf(&chunk, CHUNK_MAGIC "n=%zu failed=%zu idx=", s->n_pending,
                     s->n_pending_failed);
    for (size_t i = 0; i < s->n_pending;) {
        size_t j = i;

        while (j + 1 < s->n_pending && s->pending[j + 1] == s->pending[j] + 1)
            j++;
        seer__buf_printf(&chunk, i ? ",%zu" : "%zu", s->pending[i]);
        if (j > i)
            seer__buf_printf(&chunk, "-%zu", s->pending[j]);
        i = j + 1;
    }
    seer__buf_put(&chunk, "\n", 1);
    seer__buf_put(&chunk, s->body.p ? s->body.p : "", s->body.len);
    if (chunk.oom) {
        seer__buf_free(&chunk);
        return seer_errf(err, SEER_ENOMEM, "batch: out of memory for a chunk");
    }
    snprintf(name, sizeof(name), "chunk-%08llu", (unsigned long long)s->next_seq);
    rc = write_file(s->work, name, chunk.p, chunk.len, err);
    seer__buf_free(&chunk);
    if (rc)
        return rc;
    s->next_seq++;
    s->n_pending = 0;
    s->n_pending_failed = 0;
    s->body.len = 0;
    return SEER_OK;
}

int seer_batch_store_put(struct seer_batch_store *s, size_t i, bool failed, const char *line,
                         size_t len, const char *coco, size_t coco_len, struct seer_err *err)
{
    if (i >= s->o.n_inputs || s->done[i])
        return seer_errf(err, SEER_EINVAL, "batch store: input %zu is out of range or done", i);
    if (memchr(line, '\n', len) || (coco && memchr(coco, '\n', coco_len)))
        return seer_errf(err, SEER_EINVAL, "batch store: a record holds a newline");
    seer__buf_printf(&s->body, "%c %zu ", failed ? 'E' : 'R', i);
    seer__buf_put(&s->body, line, len);
    seer__buf_put(&s->body, "\n", 1);
    if (coco && coco_len) {
        seer__buf_printf(&s->body, "C %zu ", i);
        seer__buf_put(&s->body, coco, coco_len);
        seer__buf_put(&s->body, "\n", 1);
    }
    if (s->body.oom)
        return seer_errf(err, SEER_ENOMEM, "batch: out of memory for results");
    if (s->n_pending == 0)
        s->first_pending_ms = now_ms();
    s->pending[s->n_pending++] = i;
    s->n_pending_failed += failed;
    s->done[i] = 1;
    s->n_done++;
    s->n_failed += failed;
    return s->n_pending >= (size_t)s->o.chunk_items ? seer_batch_store_commit(s, true, err)
                                                    : SEER_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* The chunk numbers in the work folder, sorted. *out is owned by the caller. */
static int list_chunks(const struct seer_batch_store *s, uint64_t **out, size_t *n,
                       struct seer_err *err)
{
    DIR *d = opendir(s->work);
    struct dirent *e;
    uint64_t *v = NULL, seq;
    size_t cap = 0;

    *out = NULL;
    *n = 0;
    if (!d)
        return seer_errf(err, SEER_EIO, "%s: %s", s->work, strerror(errno));
    while ((e = readdir(d))) {
        if (!is_chunk_name(e->d_name, &seq))
            continue;
        if (*n == cap) {
            uint64_t *nv = seer_realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

            if (!nv) {
                closedir(d);
                seer_free(v);
                return seer_errf(err, SEER_ENOMEM, "out of memory");
            }
            v = nv;
        }
        v[(*n)++] = seq;
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof(*v), cmp_u64);
    *out = v;
    return SEER_OK;
}

struct outf {
    char name[64];
    char *path, *tmp;
    FILE *f;
    bool first; /* COCO: no comma before the first entry */
};

/* Removes dir/prefix* files: temporary final files of a run that crashed while merging. */
static void remove_stale(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = strlen(prefix);

    if (!d)
        return;
    while ((e = readdir(d))) {
        char p[PATH_MAX];

        if (!strncmp(e->d_name, prefix, n) && path_in(p, sizeof(p), dir, e->d_name))
            unlink(p);
    }
    closedir(d);
}

static int outf_open(struct outf *o, const struct seer_batch_store *s, const char *kind,
                     struct seer_err *err)
{
    char t[sizeof(((struct outf *)0)->name) + 32];

    seer_batch_file_name(o->name, sizeof(o->name), kind, s->o.shard, s->o.n_shards);
    snprintf(t, sizeof(t), "%.63s.tmp.", o->name);
    remove_stale(s->o.dir, t);
    snprintf(t, sizeof(t), "%.63s.tmp.%d", o->name, (int)getpid());
    o->path = join(s->o.dir, o->name);
    o->tmp = join(s->o.dir, t);
    o->first = true;
    if (!o->path || !o->tmp)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (!(o->f = fopen(o->tmp, "wb")))
        return seer_errf(err, SEER_EIO, "%s: %s", o->tmp, strerror(errno));
    return SEER_OK;
}

/* Flushes, fsyncs and closes; the rename comes after every file is ready. */
static int outf_close(struct outf *o, struct seer_err *err)
{
    int bad;

    if (!o->f)
        return SEER_OK;
    bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    return bad ? seer_errf(err, SEER_EIO, "%s: write failed", o->tmp) : SEER_OK;
}

static void outf_drop(struct outf *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    seer_free(o->path);
    seer_free(o->tmp);
    memset(o, 0, sizeof(*o));
}

/* Streams one chunk's records into the final files. seen[] catches an input twice. */
static int merge_chunk(const struct seer_batch_store *s, uint64_t seq, struct outf *out,
                       uint8_t *seen, struct seer_err *err)
{
    char name[32], *path;
    uint8_t *text = NULL;
    size_t n = 0;
    int rc;

    snprintf(name, sizeof(name), "chunk-%08llu", (unsigned long long)seq);
    if (!(path = join(s->work, name)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer_file_read(path, CHUNK_MAX_BYTES, &text, &n, err);
    for (size_t i = 0; !rc && i < n;) {
        char *l = (char *)text + i, *nl = memchr(l, '\n', n - i), *end;
        size_t len = nl ? (size_t)(nl - l) : n - i;
        unsigned long long idx;
        int k;

        i += len + 1;
        if (l[0] == '#')
            continue;
        k = l[0] == 'R' ? 0 : l[0] == 'E' ? 1 : l[0] == 'C' ? 2 : -1;
        errno = 0;
        idx = len > 2 && l[1] == ' ' ? strtoull(l + 2, &end, 10) : ULLONG_MAX;
        if (k < 0 || !nl || errno || idx >= s->o.n_inputs || *end != ' ') {
            rc = seer_errf(err, SEER_EFORMAT, "%s: bad record at byte %zu", path,
                           (size_t)(l - (char *)text));
            break;
        }
        end++;
        if (k < 2 && seen[idx]++) {
            rc = seer_errf(err, SEER_EFORMAT, "%s: input %llu appears twice", path, idx);
            break;
        }
        if (k == 2 && !out[2].f)
            continue;
        if (k == 2 && !out[2].first)
            fputs(",\n", out[2].f);
        fwrite(end, 1, (size_t)(l + len - end), out[k].f);
        if (k < 2)
            fputc('\n', out[k].f);
        else
            out[2].first = false;
    }
    seer_free(text);
    seer_free(path);
    return rc;
}

int seer_batch_store_finish(struct seer_batch_store *s, struct seer_err *err)
{
    struct outf out[3];
    static const char *const kinds[3] = {"results", "errors_stats", "coco"};
    uint64_t *seqs = NULL;
    uint8_t *seen = NULL;
    size_t n_seq = 0, n_seen = 0;
    int rc;

    memset(out, 0, sizeof(out));
    if (s->complete)
        return SEER_OK;
    if ((rc = seer_batch_store_commit(s, true, err)))
        return rc;
    if (s->n_done != s->o.n_inputs)
        return seer_errf(err, SEER_EINVAL, "batch: %zu of %zu inputs have no outcome yet",
                         s->o.n_inputs - s->n_done, s->o.n_inputs);
    if ((rc = list_chunks(s, &seqs, &n_seq, err)))
        return rc;
    if (!(seen = seer_calloc(s->o.n_inputs ? s->o.n_inputs : 1, 1))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k < 3 && !rc; k++)
        if (k < 2 || s->o.coco)
            rc = outf_open(&out[k], s, kinds[k], err);
    if (!rc && out[2].f)
        fputs("[\n", out[2].f);
    for (size_t c = 0; !rc && c < n_seq; c++)
        rc = merge_chunk(s, seqs[c], out, seen, err);
    for (size_t i = 0; !rc && i < s->o.n_inputs; i++)
        n_seen += seen[i];
    if (!rc && n_seen != s->o.n_inputs)
        rc = seer_errf(err, SEER_EFORMAT, "%s: the chunks hold %zu of %zu inputs", s->work, n_seen,
                       s->o.n_inputs);
    if (!rc && out[2].f)
        fputs(out[2].first ? "]\n" : "\n]\n", out[2].f);
    for (int k = 0; k < 3 && !rc; k++)
        rc = outf_close(&out[k], err);
    /* Renaming three files is not one atomic step, but the "complete" marker comes last:
     * a crash in between leaves the chunks, and the rerun writes all three again. */
    for (int k = 0; k < 3 && !rc; k++)
        if (out[k].tmp) {
            if (rename(out[k].tmp, out[k].path) != 0)
                rc =
                    seer_errf(err, SEER_EIO, "%s: rename failed: %s", out[k].path, strerror(errno));
            seer_free(out[k].tmp);
            out[k].tmp = NULL;
        }
    if (!rc)
        rc = fsync_dir(s->o.dir, err);
    if (!rc)
        rc = write_file(s->work, "complete", "complete\n", 9, err);
    if (!rc) {
        s->complete = true;
        for (size_t c = 0; c < n_seq; c++) {
            char name[32], p[PATH_MAX];

            snprintf(name, sizeof(name), "chunk-%08llu", (unsigned long long)seqs[c]);
            if (path_in(p, sizeof(p), s->work, name))
                unlink(p);
        }
        rc = fsync_dir(s->work, err);
    }
out:
    for (int k = 0; k < 3; k++)
        outf_drop(&out[k]);
    seer_free(seen);
    seer_free(seqs);
    return rc;
}
