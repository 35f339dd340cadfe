/*
 * Batch inputs: what a job runs, in a fixed order, and the bytes of each one.
 *
 * The order is part of the job's identity: shards and the resume index both refer to
 * inputs by position. Globs are sorted (byte order) because directory order is not stable
 * between machines or runs; list and JSON Lines files keep their own order, which the user
 * controls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <seer/batch.h>
#include <seer/eval.h>
#include <sodium.h>

#include "batch/batch_int.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "import/json.h"

/* List files are text of paths; a gigabyte is some 20 million of them. */
#define MAX_LIST_BYTES ((size_t)1 << 30)

void seer_batch_inputs_init(struct seer_batch_inputs *in)
{
    memset(in, 0, sizeof(*in));
}

void seer_batch_inputs_clear(struct seer_batch_inputs *in)
{
    seer_free(in->v);
    seer_arena_free(in->arena);
    seer_batch_inputs_init(in);
}

/* A new zeroed input at the end (index = its position) in *out. */
static int push(struct seer_batch_inputs *in, struct seer_batch_input **out, struct seer_err *err)
{
    struct seer_batch_input *x;

    *out = NULL;
    if (in->n >= SEER_BATCH_MAX_INPUTS)
        return seer_errf(err, SEER_ELIMIT, "more than %zu inputs", SEER_BATCH_MAX_INPUTS);
    if (!in->arena && !(in->arena = seer_arena_new((size_t)1 << 16)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256, bytes;
        struct seer_batch_input *v;

        if (!seer_mul_size(cap, sizeof(*v), &bytes) || !(v = seer_realloc(in->v, bytes)))
            return seer_errf(err, SEER_ENOMEM, "out of memory for %zu inputs", cap);
        in->v = v;
        in->cap = cap;
    }
    x = &in->v[in->n];
    memset(x, 0, sizeof(*x));
    x->image_id = -1;
    x->index = in->n++;
    *out = x;
    return SEER_OK;
}

/* A new input for the file path[0..n). */
static int push_path(struct seer_batch_inputs *in, const char *path, size_t n, struct seer_err *err)
{
    struct seer_batch_input *x;
    int rc = push(in, &x, err);

    if (rc)
        return rc;
    x->path = seer_arena_strndup(in->arena, path, n);
    if (!x->path) {
        in->n--;
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    return SEER_OK;
}

static int glob_add(void *ctx, const char *path, struct seer_err *err)
{
    return push_path(ctx, path, strlen(path), err);
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct seer_batch_input *)a)->path,
                  ((const struct seer_batch_input *)b)->path);
}

int seer_batch_inputs_glob(struct seer_batch_inputs *in, const char *pattern, struct seer_err *err)
{
    size_t k = 0;
    int rc;

    in->source = SEER_BATCH_SOURCE_FILES;
    rc = seer__glob(pattern, glob_add, in, err);
    if (rc)
        return rc;
    if (in->n == 0)
        return seer_errf(err, SEER_ENOTFOUND, "no file matches '%s'", pattern);
    qsort(in->v, in->n, sizeof(*in->v), cmp_path);
    /* Overlapping '**' can reach a file twice; each file is one input. */
    for (size_t i = 0; i < in->n; i++) {
        if (k > 0 && !strcmp(in->v[k - 1].path, in->v[i].path))
            continue;
        in->v[k] = in->v[i];
        in->v[k].index = k;
        k++;
    }
    in->n = k;
    return SEER_OK;
}

int seer_batch_inputs_list(struct seer_batch_inputs *in, const char *list_path,
                           struct seer_err *err)
{
    uint8_t *text = NULL;
    size_t n = 0;
    int rc;

    in->source = SEER_BATCH_SOURCE_FILES;
    rc = seer_file_read(list_path, MAX_LIST_BYTES, &text, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc;) {
        const char *s = (const char *)text + i;
        const char *nl = memchr(s, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) : n - i;

        i += len + 1;
        while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        if (memchr(s, '\0', len)) {
            rc = seer_errf(err, SEER_EFORMAT, "%s: a line holds a NUL byte", list_path);
            break;
        }
        rc = push_path(in, s, len, err);
    }
    seer_free(text);
    if (!rc && in->n == 0)
        rc = seer_errf(err, SEER_ENOTFOUND, "%s: lists no file", list_path);
    return rc;
}

/* The instance's "key" as text: a string as is, an integral number in decimal. NULL when
 * absent or of another type. */
static const char *instance_key(cJSON *obj, char *num, size_t cap)
{
    cJSON *k = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, "key") : NULL;
    int64_t v;

    if (cJSON_IsString(k) && k->valuestring)
        return k->valuestring;
    if (cJSON_IsNumber(k)) {
        if (seer__json_int64(k, &v))
            snprintf(num, cap, "%lld", (long long)v);
        else
            snprintf(num, cap, "%.17g", k->valuedouble);
        return num;
    }
    return NULL;
}

/* Records one JSON Lines line as an input; buf holds the line when it was small enough
 * to keep (else NULL: the input will fail with ELIMIT when loaded). */
static int jsonl_line(struct seer_batch_inputs *in, const char *path, int64_t line_no, uint64_t off,
                      size_t len, const char *buf, struct seer_err *err)
{
    struct seer_batch_input *x;
    size_t blank = 0;
    int rc;

    if (buf) {
        while (blank < len && (buf[blank] == ' ' || buf[blank] == '\t' || buf[blank] == '\r'))
            blank++;
        if (blank == len)
            return SEER_OK;
    }
    if ((rc = push(in, &x, err)))
        return rc;
    x->path = path;
    x->line = line_no;
    x->offset = off;
    x->len = len;
    if (buf) {
        cJSON *root = NULL;
        char num[64];
        const char *k;

        seer__json_init();
        root = cJSON_ParseWithLength(buf, len);
        k = instance_key(root, num, sizeof(num));
        if (k && !(x->key = seer_arena_strdup(in->arena, k))) {
            cJSON_Delete(root);
            return seer_errf(err, SEER_ENOMEM, "out of memory");
        }
        cJSON_Delete(root);
    }
    return SEER_OK;
}

int seer_batch_inputs_jsonl(struct seer_batch_inputs *in, const char *jsonl_path,
                            struct seer_err *err)
{
    struct seer__buf line = {0};
    char *blk = NULL, *path = NULL;
    uint64_t off = 0, line_off = 0;
    int64_t line_no = 1;
    bool too_long = false;
    FILE *f = NULL;
    int rc = SEER_OK;

    in->source = SEER_BATCH_SOURCE_JSONL;
    if (!in->arena && !(in->arena = seer_arena_new((size_t)1 << 16)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    path = seer_arena_strdup(in->arena, jsonl_path);
    blk = seer_malloc((size_t)1 << 20);
    if (!path || !blk) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    f = fopen(jsonl_path, "rb");
    if (!f) {
        rc = seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO, "%s: %s", jsonl_path,
                       strerror(errno));
        goto out;
    }
    /* Lines are found block by block so a file of many gigabytes costs one line of memory;
     * a line over the limit is recorded by position only and fails when loaded. */
    for (;;) {
        size_t got = fread(blk, 1, (size_t)1 << 20, f), i = 0;

        if (got == 0) {
            if (ferror(f))
                rc = seer_errf(err, SEER_EIO, "%s: read failed at byte %llu", jsonl_path,
                               (unsigned long long)off);
            break;
        }
        while (i < got && !rc) {
            char *nl = memchr(blk + i, '\n', got - i);
            size_t n = nl ? (size_t)(nl - (blk + i)) : got - i;

            if (!too_long && line.len + n > SEER_BATCH_MAX_JSONL_LINE) {
                too_long = true;
                seer__buf_free(&line);
            }
            if (!too_long)
                seer__buf_put(&line, blk + i, n);
            if (line.oom) {
                rc = seer_errf(err, SEER_ENOMEM, "%s: out of memory on line %lld", jsonl_path,
                               (long long)line_no);
                break;
            }
            i += n;
            off += n;
            if (!nl)
                break;
            rc = jsonl_line(in, path, line_no, line_off, (size_t)(off - line_off),
                            too_long ? NULL
                            : line.p ? line.p
                                     : "",
                            err);
            i++;
            off++;
            line_no++;
            line_off = off;
            line.len = 0;
            too_long = false;
        }
        if (rc)
            break;
    }
    if (!rc && off > line_off)
        rc = jsonl_line(in, path, line_no, line_off, (size_t)(off - line_off),
                        too_long ? NULL
                        : line.p ? line.p
                                 : "",
                        err);
    if (!rc && in->n == 0)
        rc = seer_errf(err, SEER_ENOTFOUND, "%s: holds no instance", jsonl_path);
out:
    if (f)
        fclose(f);
    seer__buf_free(&line);
    seer_free(blk);
    return rc;
}

int seer_batch_inputs_coco(struct seer_batch_inputs *in, const struct seer_eval_gt *gt,
                           const char *images_dir, struct seer_err *err)
{
    size_t n = 0;
    const struct seer_eval_image *im = seer_eval_gt_images(gt, &n);

    in->source = SEER_BATCH_SOURCE_COCO;
    for (size_t i = 0; i < n; i++) {
        struct seer_batch_input *x;
        int rc;

        if (!im[i].file_name)
            return seer_errf(err, SEER_EFORMAT, "annotations: image %lld has no file_name",
                             (long long)im[i].id);
        if ((rc = push(in, &x, err)))
            return rc;
        x->image_id = im[i].id;
        x->path = seer_arena_printf(in->arena, "%s/%s", images_dir, im[i].file_name);
        if (!x->path)
            return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    if (in->n == 0)
        return seer_errf(err, SEER_ENOTFOUND, "the annotation file lists no image");
    return SEER_OK;
}

int seer_batch_inputs_shard(struct seer_batch_inputs *in, int ith, int nth, struct seer_err *err)
{
    size_t k = 0;

    if (nth < 1 || ith < 0 || ith >= nth)
        return seer_errf(err, SEER_EINVAL, "shard %d/%d: need 0 <= i < N", ith, nth);
    for (size_t i = 0; i < in->n; i++)
        if (in->v[i].index % (size_t)nth == (size_t)ith)
            in->v[k++] = in->v[i];
    in->n = k;
    return SEER_OK;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    /* The NUL keeps "ab","c" apart from "a","bc". */
    return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "\xff", 1);
}

uint64_t seer_batch_inputs_digest(const struct seer_batch_inputs *in)
{
    uint64_t h = 0xcbf29ce484222325ull, src = (uint64_t)in->source, n = in->n;

    h = fnv(h, &src, sizeof(src));
    h = fnv(h, &n, sizeof(n));
    for (size_t i = 0; i < in->n; i++) {
        const struct seer_batch_input *x = &in->v[i];
        uint64_t nums[5] = {(uint64_t)x->image_id, (uint64_t)x->line, x->offset, x->len, x->index};

        h = fnv_str(h, x->path);
        h = fnv_str(h, x->key);
        h = fnv(h, nums, sizeof(nums));
    }
    return h;
}

/* Reads len bytes at off from path. */
static int read_span(const char *path, uint64_t off, size_t len, char **out, struct seer_err *err)
{
    char *buf = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = SEER_OK;

    *out = NULL;
    if (fd < 0)
        return seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO, "%s: %s", path,
                         strerror(errno));
    if (!(buf = seer_malloc(len + 1))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory for %zu bytes", len);
        goto out;
    }
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = seer_errf(err, SEER_EIO, "%s: read failed at byte %llu", path,
                           (unsigned long long)(off + got));
            goto out;
        }
        got += (size_t)r;
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL;
out:
    seer_free(buf);
    close(fd);
    return rc;
}

/* Base64 as Cloud ML Engine clients send it: standard alphabet, padded or not; URL-safe
 * too, since TF Serving accepts it. Whitespace (line-wrapped base64) is skipped. */
static int b64_decode(const char *s, size_t n, size_t max_bytes, uint8_t **out, size_t *out_n,
                      int64_t line, struct seer_err *err)
{
    static const int variants[] = {
        sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    size_t cap = n / 4 * 3 + 3, got = 0;
    uint8_t *buf;

    *out = NULL;
    if (cap > max_bytes + 3)
        return seer_errf(err, SEER_ELIMIT, "line %lld: photo is over the limit of %zu bytes",
                         (long long)line, max_bytes);
    if (!(buf = seer_malloc(cap + 1)))
        return seer_errf(err, SEER_ENOMEM, "line %lld: out of memory", (long long)line);
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        const char *end = NULL;

        if (sodium_base642bin(buf, cap, s, n, " \t\r\n", &got, &end, variants[v]) == 0 &&
            end == s + n) {
            *out = buf;
            *out_n = got;
            return SEER_OK;
        }
    }
    seer_free(buf);
    return seer_errf(err, SEER_EFORMAT, "line %lld: \"b64\" is not valid base64", (long long)line);
}

static int load_jsonl(const struct seer_batch_input *x, size_t max_bytes, uint8_t **out, size_t *n,
                      struct seer_err *err)
{
    char *text = NULL, what[64];
    cJSON *root = NULL, *b64;
    int rc;

    if (x->len > SEER_BATCH_MAX_JSONL_LINE)
        return seer_errf(err, SEER_ELIMIT, "line %lld: %zu bytes is over the limit of %zu",
                         (long long)x->line, x->len, SEER_BATCH_MAX_JSONL_LINE);
    rc = read_span(x->path, x->offset, x->len, &text, err);
    if (rc)
        return rc;
    snprintf(what, sizeof(what), "line %lld", (long long)x->line);
    rc = seer__json_parse((const uint8_t *)text, x->len, what, &root, err);
    if (rc)
        goto out;
    b64 = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "b64") : NULL;
    if (!b64 && cJSON_IsObject(root)) {
        cJSON *ib = cJSON_GetObjectItemCaseSensitive(root, "image_bytes");

        b64 = cJSON_IsObject(ib) ? cJSON_GetObjectItemCaseSensitive(ib, "b64") : NULL;
    }
    if (!b64) {
        rc = seer_errf(err, SEER_EFORMAT,
                       "line %lld: an instance needs {\"b64\": ...} or "
                       "{\"image_bytes\": {\"b64\": ...}}",
                       (long long)x->line);
        goto out;
    }
    if (!cJSON_IsString(b64) || !b64->valuestring) {
        rc =
            seer_errf(err, SEER_EFORMAT, "line %lld: \"b64\" must be a string", (long long)x->line);
        goto out;
    }
    rc = b64_decode(b64->valuestring, strlen(b64->valuestring), max_bytes, out, n, x->line, err);
out:
    cJSON_Delete(root);
    seer_free(text);
    return rc;
}

int seer_batch_input_load(const struct seer_batch_input *x, size_t max_bytes, uint8_t **out,
                          size_t *n, struct seer_err *err)
{
    *out = NULL;
    *n = 0;
    if (!max_bytes)
        max_bytes = SEER_BATCH_MAX_PHOTO_BYTES;
    if (x->line > 0)
        return load_jsonl(x, max_bytes, out, n, err);
    return seer_file_read(x->path, max_bytes, out, n, err);
}
