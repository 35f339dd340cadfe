/*
 * Tests for batch: glob with '**', list and JSON Lines inputs, sharding, the crash-safe
 * store (a lost uncommitted chunk, resume, refusal of a second writer or another job, the
 * final files), result lines, and, with the installed models, the pipeline against the
 * detect path it wraps.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <seer/batch.h>
#include <seer/eval.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "shared.h"
#include "t.h"

static char tmp_root[64];

static void cleanup(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_root);
}

/* A fresh temporary folder for one test (removed at the end of the run). */
static const char *tmpdir(void)
{
    static char buf[8][128];
    static int k;
    char *b = buf[k++ & 7];

    if (!tmp_root[0]) {
        snprintf(tmp_root, sizeof(tmp_root), "/tmp/seer-test-batch-XXXXXX");
        if (!mkdtemp(tmp_root))
            return NULL;
        atexit(cleanup);
    }
    snprintf(b, sizeof(buf[0]), "%s/t%d", tmp_root, k);
    return mkdir(b, 0755) == 0 ? b : NULL;
}

static void put_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void make_dir(const char *dir, const char *rel)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    mkdir(path, 0755);
}

/* The i-th input's path without the folder prefix. */
static const char *rel(const struct seer_batch_inputs *in, size_t i, const char *dir)
{
    size_t n = strlen(dir);

    return strncmp(in->v[i].path, dir, n) ? in->v[i].path : in->v[i].path + n + 1;
}

static void make_tree(const char *d)
{
    char target[512], link[512];

    make_dir(d, "a");
    make_dir(d, "a/b");
    make_dir(d, "a/b/c");
    make_dir(d, "a/.hidden");
    put_file(d, "top.jpg", "x");
    put_file(d, "a/x.jpg", "x");
    put_file(d, "a/b/y.jpg", "x");
    put_file(d, "a/b/c/z.JPG", "x");
    put_file(d, "a/b/c/w.jpg", "x");
    put_file(d, "a/b/.dot.jpg", "x");
    put_file(d, "a/.hidden/h.jpg", "x");
    put_file(d, "a/b/notes.txt", "x");
    /* A loop: a/b/loop -> a. '**' must not follow it. */
    snprintf(target, sizeof(target), "%s/a", d);
    snprintf(link, sizeof(link), "%s/a/b/loop", d);
    (void)symlink(target, link);
}

TEST(glob_double_star_matches_nested_files)
{
    const char *d = tmpdir();
    struct seer_batch_inputs in;
    struct seer_err err = {{0}};
    char pat[256];

    ASSERT(d);
    make_tree(d);
    seer_batch_inputs_init(&in);
    snprintf(pat, sizeof(pat), "%s/**/*.jpg", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    /* Sorted by byte value; hidden folders and files, other extensions (case matters)
     * and the symlink loop are not matched. */
    ASSERT_EQ(in.n, 4);
    ASSERT_STR(rel(&in, 0, d), "a/b/c/w.jpg");
    ASSERT_STR(rel(&in, 1, d), "a/b/y.jpg");
    ASSERT_STR(rel(&in, 2, d), "a/x.jpg");
    ASSERT_STR(rel(&in, 3, d), "top.jpg");
    for (size_t i = 0; i < in.n; i++)
        ASSERT_EQ(in.v[i].index, i);
    seer_batch_inputs_clear(&in);

    /* A trailing '**' is every (non-hidden) file below. */
    snprintf(pat, sizeof(pat), "%s/a/**", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    ASSERT_EQ(in.n, 5);
    ASSERT_STR(rel(&in, 0, d), "a/b/c/w.jpg");
    ASSERT_STR(rel(&in, 1, d), "a/b/c/z.JPG");
    ASSERT_STR(rel(&in, 2, d), "a/b/notes.txt");
    seer_batch_inputs_clear(&in);

    /* Overlapping '**' components reach files twice; each file is one input. */
    snprintf(pat, sizeof(pat), "%s/**/b/**/*.jpg", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    ASSERT_EQ(in.n, 2);
    ASSERT_STR(rel(&in, 0, d), "a/b/c/w.jpg");
    ASSERT_STR(rel(&in, 1, d), "a/b/y.jpg");
    seer_batch_inputs_clear(&in);

    /* '?', '[...]' and a plain '*' at one level. */
    snprintf(pat, sizeof(pat), "%s/a/*/[xy].jpg", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    ASSERT_EQ(in.n, 1);
    ASSERT_STR(rel(&in, 0, d), "a/b/y.jpg");
    seer_batch_inputs_clear(&in);
    snprintf(pat, sizeof(pat), "%s/a/?.jpg", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    ASSERT_EQ(in.n, 1);
    seer_batch_inputs_clear(&in);

    /* A pattern that starts with a dot does match hidden names. */
    snprintf(pat, sizeof(pat), "%s/a/.hidden/*", d);
    ASSERT_OK(seer_batch_inputs_glob(&in, pat, &err));
    ASSERT_EQ(in.n, 1);
    seer_batch_inputs_clear(&in);
}

TEST(glob_without_match_says_so)
{
    const char *d = tmpdir();
    struct seer_batch_inputs in;
    struct seer_err err = {{0}};
    char pat[256];

    ASSERT(d);
    seer_batch_inputs_init(&in);
    snprintf(pat, sizeof(pat), "%s/nothing/**/*.png", d);
    ASSERT_EQ(seer_batch_inputs_glob(&in, pat, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "no file matches"));
    ASSERT_EQ(seer_batch_inputs_glob(&in, "", &err), SEER_EINVAL);
    seer_batch_inputs_clear(&in);
}

TEST(list_file_keeps_order_and_skips_comments)
{
    const char *d = tmpdir();
    struct seer_batch_inputs in;
    struct seer_err err = {{0}};
    char path[256];

    ASSERT(d);
    put_file(d, "list.txt", "# photos\r\nb.jpg\r\n\r\na.jpg  \n  \nsub dir/c.jpg");
    snprintf(path, sizeof(path), "%s/list.txt", d);
    seer_batch_inputs_init(&in);
    ASSERT_OK(seer_batch_inputs_list(&in, path, &err));
    ASSERT_EQ(in.n, 3);
    ASSERT_STR(in.v[0].path, "b.jpg");
    ASSERT_STR(in.v[1].path, "a.jpg");
    ASSERT_STR(in.v[2].path, "sub dir/c.jpg");
    ASSERT_EQ(in.source, SEER_BATCH_SOURCE_FILES);
    seer_batch_inputs_clear(&in);
    put_file(d, "empty.txt", "# nothing\n\n");
    snprintf(path, sizeof(path), "%s/empty.txt", d);
    ASSERT_EQ(seer_batch_inputs_list(&in, path, &err), SEER_ENOTFOUND);
    seer_batch_inputs_clear(&in);
}

/* "PNG\r\n" and a few bytes, base64 in four spellings. */
#define BYTES     "\x89PNG\r\n\x1a\n\xff\xfe"
#define B64_STD   "iVBORw0KGgr//g=="
#define B64_NOPAD "iVBORw0KGgr//g"
#define B64_URL   "iVBORw0KGgr__g=="

TEST(jsonl_instances_with_keys_and_b64_forms)
{
    const char *d = tmpdir();
    struct seer_batch_inputs in;
    struct seer_err err = {{0}};
    char path[256];
    uint8_t *b = NULL;
    size_t n = 0;

    ASSERT(d);
    put_file(d, "in.jsonl",
             "{\"key\": \"first\", \"b64\": \"" B64_STD "\"}\n"
             "\n"
             "{\"image_bytes\": {\"b64\": \"" B64_NOPAD "\"}, \"key\": 42}\r\n"
             "{\"b64\": \"" B64_URL "\"}\n"
             "{\"b64\": \"not base64!\"}\n"
             "{\"key\": \"k5\", \"image\": \"x\"}\n"
             "this is not JSON\n"
             "{\"b64\": \"" B64_STD "\", \"key\": \"last, no newline\"}");
    snprintf(path, sizeof(path), "%s/in.jsonl", d);
    seer_batch_inputs_init(&in);
    ASSERT_OK(seer_batch_inputs_jsonl(&in, path, &err));
    ASSERT_EQ(in.source, SEER_BATCH_SOURCE_JSONL);
    ASSERT_EQ(in.n, 7); /* the blank line is not an instance */
    ASSERT_STR(in.v[0].key, "first");
    ASSERT_EQ(in.v[0].line, 1);
    ASSERT_STR(in.v[1].key, "42");
    ASSERT_EQ(in.v[1].line, 3);
    ASSERT(in.v[2].key == NULL);
    ASSERT_STR(in.v[6].key, "last, no newline");
    ASSERT_EQ(in.v[6].line, 8);
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(seer_batch_input_load(&in.v[i], 0, &b, &n, &err));
        ASSERT_EQ(n, sizeof(BYTES) - 1);
        ASSERT(!memcmp(b, BYTES, n));
        seer_free(b);
    }
    ASSERT_OK(seer_batch_input_load(&in.v[6], 0, &b, &n, &err));
    seer_free(b);
    /* Bad instances fail when loaded, naming the line. */
    ASSERT_EQ(seer_batch_input_load(&in.v[3], 0, &b, &n, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 5") && strstr(err.msg, "base64"));
    ASSERT_EQ(seer_batch_input_load(&in.v[4], 0, &b, &n, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 6") && strstr(err.msg, "b64"));
    ASSERT_EQ(seer_batch_input_load(&in.v[5], 0, &b, &n, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 7"));
    /* The photo size limit applies to decoded base64 too. */
    ASSERT_EQ(seer_batch_input_load(&in.v[0], 4, &b, &n, &err), SEER_ELIMIT);
    ASSERT(b == NULL);
    seer_batch_inputs_clear(&in);
}

/* Ten list inputs named 0..9. */
static void ten_inputs(struct seer_batch_inputs *in, const char *d)
{
    char path[256];
    struct seer_err err = {{0}};

    put_file(d, "ten.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    snprintf(path, sizeof(path), "%s/ten.txt", d);
    seer_batch_inputs_init(in);
    if (seer_batch_inputs_list(in, path, &err))
        in->n = 0;
}

TEST(shards_cover_every_input_exactly_once)
{
    const char *d = tmpdir();
    int seen[10] = {0};
    struct seer_err err = {{0}};

    ASSERT(d);
    for (int s = 0; s < 3; s++) {
        struct seer_batch_inputs in;

        ten_inputs(&in, d);
        ASSERT_EQ(in.n, 10);
        ASSERT_OK(seer_batch_inputs_shard(&in, s, 3, &err));
        /* Position modulo 3: sizes 4, 3, 3, and the original order and index kept. */
        ASSERT_EQ(in.n, s == 0 ? 4 : 3);
        for (size_t i = 0; i < in.n; i++) {
            ASSERT_EQ(in.v[i].index, (size_t)s + 3 * i);
            ASSERT_EQ(strtol(in.v[i].path, NULL, 10), (long)in.v[i].index);
            seen[in.v[i].index]++;
        }
        seer_batch_inputs_clear(&in);
    }
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(seen[i], 1);
    {
        struct seer_batch_inputs in;

        ten_inputs(&in, d);
        ASSERT_EQ(seer_batch_inputs_shard(&in, 3, 3, &err), SEER_EINVAL);
        ASSERT_EQ(seer_batch_inputs_shard(&in, -1, 3, &err), SEER_EINVAL);
        seer_batch_inputs_clear(&in);
    }
}

TEST(digest_names_the_input_set)
{
    const char *d = tmpdir();
    struct seer_batch_inputs a, b;
    struct seer_err err = {{0}};

    ASSERT(d);
    ten_inputs(&a, d);
    ten_inputs(&b, d);
    ASSERT(seer_batch_inputs_digest(&a) == seer_batch_inputs_digest(&b));
    ASSERT_OK(seer_batch_inputs_shard(&b, 1, 2, &err));
    ASSERT(seer_batch_inputs_digest(&a) != seer_batch_inputs_digest(&b));
    seer_batch_inputs_clear(&a);
    seer_batch_inputs_clear(&b);
}

/* Opens a store for n inputs in dir. */
static int open_store(const char *dir, size_t n, uint64_t fp, int chunk_items,
                      struct seer_batch_store **s, struct seer_err *err)
{
    struct seer_batch_store_opts o = {0};

    o.dir = dir;
    o.n_shards = 1;
    o.fingerprint = fp;
    o.n_inputs = n;
    o.chunk_items = chunk_items;
    o.chunk_ms = 60000;
    return seer_batch_store_open(&o, s, err);
}

static int put_one(struct seer_batch_store *s, size_t i, struct seer_err *err)
{
    char line[64];
    bool failed = i % 4 == 3;

    snprintf(line, sizeof(line), "{\"path\": \"in-%zu\"%s}", i, failed ? ", \"error\": \"x\"" : "");
    return seer_batch_store_put(s, i, failed, line, strlen(line), NULL, 0, err);
}

/* Lines of a file, or -1 when it cannot be read. */
static int count_lines(const char *dir, const char *name, int *per_input, size_t n)
{
    char path[512];
    uint8_t *text = NULL;
    size_t len = 0;
    int lines = 0;
    struct seer_err err;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (seer_file_read(path, 0, &text, &len, &err))
        return -1;
    for (char *p = (char *)text; p && *p;) {
        char *nl = strchr(p, '\n');
        const char *q = strstr(p, "\"in-");
        size_t i = q ? strtoul(q + 4, NULL, 10) : n;

        if (per_input && i < n)
            per_input[i]++;
        lines++;
        p = nl ? nl + 1 : NULL;
    }
    seer_free(text);
    return lines;
}

TEST(store_loses_only_uncommitted_work_and_resumes)
{
    const char *d = tmpdir();
    struct seer_batch_store *s = NULL;
    struct seer_err err = {{0}};
    int per[12] = {0};

    ASSERT(d);
    ASSERT_OK(open_store(d, 12, 7, 4, &s, &err));
    ASSERT(!seer_batch_store_is_complete(s));
    ASSERT_EQ(seer_batch_store_n_done(s), 0);
    /* 0..5 arrive out of order: the first four commit as a chunk, two stay queued. */
    for (size_t i = 0; i < 6; i++)
        ASSERT_OK(put_one(s, (i * 5) % 6, &err));
    ASSERT_EQ(put_one(s, 0, &err), SEER_EINVAL); /* one outcome per input */
    /* A crash: the queued outcomes are lost, the committed chunk is not. */
    seer_batch_store_free(s);
    ASSERT_OK(open_store(d, 12, 7, 4, &s, &err));
    ASSERT_EQ(seer_batch_store_n_done(s), 4);
    ASSERT_EQ(seer_batch_store_n_failed(s), 1); /* input 3 */
    {
        const uint8_t *done = seer_batch_store_done(s);
        int k = 0;

        for (size_t i = 0; i < 12; i++)
            k += done[i];
        ASSERT_EQ(k, 4);
        ASSERT(done[0] && done[5] && done[4] && done[3]);
        ASSERT(!done[2] && !done[1]);
    }
    /* Finishing early is refused. */
    ASSERT_EQ(seer_batch_store_finish(s, &err), SEER_EINVAL);
    ASSERT(strstr(err.msg, "have no outcome"));
    for (size_t i = 0; i < 12; i++)
        if (!seer_batch_store_done(s)[i])
            ASSERT_OK(put_one(s, i, &err));
    ASSERT_OK(seer_batch_store_finish(s, &err));
    ASSERT(seer_batch_store_is_complete(s));
    seer_batch_store_free(s);
    /* Every input exactly once: 9 results, 3 errors (3, 7, 11). */
    ASSERT_EQ(count_lines(d, "prediction.results-00000-of-00001", per, 12), 9);
    ASSERT_EQ(count_lines(d, "prediction.errors_stats-00000-of-00001", per, 12), 3);
    for (int i = 0; i < 12; i++)
        ASSERT_EQ(per[i], 1);
    /* A rerun finds the job complete and changes nothing. */
    ASSERT_OK(open_store(d, 12, 7, 4, &s, &err));
    ASSERT(seer_batch_store_is_complete(s));
    ASSERT_EQ(seer_batch_store_n_done(s), 12);
    ASSERT_OK(seer_batch_store_finish(s, &err));
    seer_batch_store_free(s);
    ASSERT_EQ(count_lines(d, "prediction.results-00000-of-00001", NULL, 0), 9);
}

TEST(store_refuses_a_second_writer_and_another_job)
{
    const char *d = tmpdir();
    struct seer_batch_store *s = NULL, *t = NULL;
    struct seer_err err = {{0}};

    ASSERT(d);
    ASSERT_OK(open_store(d, 3, 1, 0, &s, &err));
    ASSERT_EQ(open_store(d, 3, 1, 0, &t, &err), SEER_EBUSY);
    ASSERT(t == NULL);
    ASSERT(strstr(err.msg, "another run"));
    seer_batch_store_free(s);
    ASSERT_EQ(open_store(d, 3, 2, 0, &t, &err), SEER_EINVAL);
    ASSERT(strstr(err.msg, "different job"));
    ASSERT_EQ(open_store(d, 4, 1, 0, &t, &err), SEER_EINVAL);
    ASSERT_OK(open_store(d, 3, 1, 0, &t, &err));
    seer_batch_store_free(t);
}

TEST(store_commits_by_time_and_shards_name_their_files)
{
    const char *d = tmpdir();
    struct seer_batch_store_opts o = {0};
    struct seer_batch_store *s = NULL;
    struct seer_err err = {{0}};
    struct timespec ts = {0, 20 * 1000000L};
    char name[64];

    ASSERT(d);
    o.dir = d;
    o.shard = 2;
    o.n_shards = 3;
    o.n_inputs = 2;
    o.chunk_ms = 10;
    o.coco = true;
    ASSERT_OK(seer_batch_store_open(&o, &s, &err));
    ASSERT_OK(seer_batch_store_put(s, 1, false, "{\"p1\": 1}", 9, "{\"image_id\": 1}", 15, &err));
    ASSERT_OK(seer_batch_store_commit(s, false, &err)); /* not due yet */
    seer_batch_store_free(s);
    ASSERT_OK(seer_batch_store_open(&o, &s, &err));
    ASSERT_EQ(seer_batch_store_n_done(s), 0);
    ASSERT_OK(seer_batch_store_put(s, 1, false, "{\"p1\": 1}", 9, "{\"image_id\": 1}", 15, &err));
    nanosleep(&ts, NULL);
    ASSERT_OK(seer_batch_store_commit(s, false, &err)); /* due: 20 ms > 10 ms */
    seer_batch_store_free(s);
    ASSERT_OK(seer_batch_store_open(&o, &s, &err));
    ASSERT_EQ(seer_batch_store_n_done(s), 1);
    ASSERT_OK(seer_batch_store_put(s, 0, false, "{\"p0\": 1}", 9, "{\"image_id\": 0}", 15, &err));
    ASSERT_OK(seer_batch_store_finish(s, &err));
    seer_batch_store_free(s);
    seer_batch_file_name(name, sizeof(name), "results", 2, 3);
    ASSERT_STR(name, "prediction.results-00002-of-00003");
    ASSERT_EQ(count_lines(d, name, NULL, 0), 2);
    seer_batch_file_name(name, sizeof(name), "errors_stats", 2, 3);
    ASSERT_EQ(count_lines(d, name, NULL, 0), 0);
    seer_batch_file_name(name, sizeof(name), "coco", 2, 3);
    ASSERT_STR(name, "coco_results-00002-of-00003.json");
    {
        char path[512];
        uint8_t *text = NULL;
        size_t n = 0;
        cJSON *root;

        snprintf(path, sizeof(path), "%s/%s", d, name);
        ASSERT_OK(seer_file_read(path, 0, &text, &n, &err));
        root = cJSON_ParseWithLength((const char *)text, n);
        seer_free(text);
        ASSERT(cJSON_IsArray(root));
        ASSERT_EQ(cJSON_GetArraySize(root), 2);
        cJSON_Delete(root);
    }
}

TEST(store_open_and_finish_survive_allocation_failures)
{
    const char *d = tmpdir();
    int64_t live = seer_alloc_live();
    bool done = false;

    ASSERT(d);
    for (int64_t k = 1; k < 400 && !done; k++) {
        struct seer_batch_store *s = NULL;
        struct seer_err err = {{0}};
        char sub[256];
        int rc;

        snprintf(sub, sizeof(sub), "%s/k%lld", d, (long long)k);
        seer_alloc_fail_at(k);
        rc = open_store(sub, 3, 9, 2, &s, &err);
        for (size_t i = 0; !rc && i < 3; i++)
            rc = put_one(s, i, &err);
        if (!rc)
            rc = seer_batch_store_finish(s, &err);
        seer_batch_store_free(s);
        done = !seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (!done)
            ASSERT_EQ(rc, SEER_ENOMEM);
        else
            ASSERT_OK(rc);
        ASSERT_EQ(seer_alloc_live(), live);
    }
    ASSERT(done);
}

/* ---- with the installed models ---- */

static struct seer_model *load_model(const char *name, int threads, char *why, size_t n)
{
    struct seer_model_opts o = {0};
    struct seer_model *m = NULL;
    struct seer_err err = {{0}};
    char dir[256], file[300];

    snprintf(dir, sizeof(dir), "models/%s/1", name);
    snprintf(file, sizeof(file), "%s/seer.json", dir);
    if (access(file, R_OK) != 0) {
        snprintf(why, n, "needs %s (scripts/setup installs it)", file);
        return NULL;
    }
    o.no_warmup = true;
    o.n_threads = threads;
    if (seer_model_load(dir, NULL, 0, &o, &m, &err)) {
        snprintf(why, n, "LOAD FAILED %s: %s", dir, err.msg);
        return NULL;
    }
    return m;
}

/* Keeps every outcome for comparison. */
struct keep {
    struct seer_dets d[16];
    int rc[16];
    int calls[16];
    struct seer_arena *a;
    atomic_int *cancel_after_first;
    int n;
};

static int keep_done(void *ctx, size_t i, const struct seer_dets *d, int rc, const char *msg,
                     struct seer_err *err)
{
    struct keep *k = ctx;

    (void)msg;
    (void)err;
    k->n++;
    if (i >= 16)
        return SEER_OK;
    k->calls[i]++;
    k->rc[i] = rc;
    if (d) {
        k->d[i] = *d;
        k->d[i].d = seer_arena_memdup(k->a, d->d, sizeof(*d->d) * (size_t)(d->n ? d->n : 1));
    }
    if (k->cancel_after_first)
        atomic_store(k->cancel_after_first, 1);
    return SEER_OK;
}

/* A list of photos (some repeated) and one corrupt file. */
static int photo_list(const char *d, int repeat, struct seer_batch_inputs *in)
{
    static const char *const names[] = {"dog.jpg", "horses.jpg", "kite.jpg"};
    char path[512];
    struct seer_err err = {{0}};
    FILE *f;

    put_file(d, "corrupt.jpg", "\xff\xd8\xff\xe0 this is not really a JPEG");
    snprintf(path, sizeof(path), "%s/list.txt", d);
    if (!(f = fopen(path, "w")))
        return -1;
    for (int r = 0; r < repeat; r++) {
        for (int i = 0; i < 3; i++)
            fprintf(f, "%s%s\n", shared_path("data/photos/"), names[i]);
        if (r == 0)
            fprintf(f, "%s/corrupt.jpg\n", d);
    }
    fclose(f);
    seer_batch_inputs_init(in);
    return seer_batch_inputs_list(in, path, &err);
}

TEST(pipeline_gives_what_the_detect_path_gives)
{
    char why[512];
    const char *d = tmpdir();
    struct seer_model *m = load_model("centernet", 1, why, sizeof(why));
    struct seer_batch_inputs in;
    struct seer_batch_opts o;
    struct seer_batch_stats st;
    struct keep k = {0};
    struct seer_batch_sink sink = {&k, keep_done, NULL};
    struct seer_err err = {{0}};

    if (!m)
        T_SKIP("%s", why);
    if (!file_exists(shared_path("data/photos/dog.jpg"))) {
        seer_model_unref(m);
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    }
    ASSERT(d);
    ASSERT_OK(photo_list(d, 2, &in));
    ASSERT_EQ(in.n, 7);
    k.a = seer_arena_new(1 << 16);
    seer_batch_opts_init(&o);
    o.n_workers = 2;
    o.batch_size = 2;
    o.queue_len = 2; /* decoders wait for workers: the bounded queue is exercised */
    ASSERT_OK(seer_batch_run(m, &in, NULL, &o, &sink, &st, &err));
    ASSERT_EQ(st.total, 7);
    ASSERT_EQ(st.done, 6);
    ASSERT_EQ(st.failed, 1);
    ASSERT(!st.cancelled);
    for (size_t i = 0; i < 7; i++)
        ASSERT_EQ(k.calls[i], 1);
    ASSERT_EQ(k.rc[3], SEER_EFORMAT);
    /* Each photo's detections are those seer_detect_bytes gives for it, bit for bit. */
    for (size_t i = 0; i < 7; i++) {
        struct seer_arena *a = seer_arena_new(1 << 20);
        struct seer_detect_opts dopt = seer_detect_defaults();
        struct seer_dets want;
        uint8_t *bytes = NULL;
        size_t n = 0;

        if (i == 3) {
            seer_arena_free(a);
            continue;
        }
        ASSERT_OK(seer_batch_input_load(&in.v[i], 0, &bytes, &n, &err));
        ASSERT_OK(seer_detect_bytes(m, bytes, n, 0, &dopt, a, &want, &err));
        seer_free(bytes);
        ASSERT(want.n > 0);
        ASSERT_EQ(k.d[i].n, want.n);
        ASSERT_EQ(k.d[i].width, want.width);
        for (int j = 0; j < want.n; j++) {
            ASSERT_EQ(k.d[i].d[j].category_id, want.d[j].category_id);
            ASSERT(k.d[i].d[j].score == want.d[j].score);
            ASSERT(!memcmp(k.d[i].d[j].box, want.d[j].box, sizeof(want.d[j].box)));
        }
        seer_arena_free(a);
    }
    /* Skipped inputs are not run. */
    {
        uint8_t skip[7] = {1, 1, 1, 1, 1, 0, 1};
        struct keep k2 = {0};
        struct seer_batch_sink s2 = {&k2, keep_done, NULL};

        k2.a = seer_arena_new(1 << 16);
        ASSERT_OK(seer_batch_run(m, &in, skip, &o, &s2, &st, &err));
        ASSERT_EQ(st.total, 1);
        ASSERT_EQ(k2.n, 1);
        ASSERT_EQ(k2.calls[5], 1);
        seer_arena_free(k2.a);
    }
    seer_arena_free(k.a);
    seer_batch_inputs_clear(&in);
    seer_model_unref(m);
}

TEST(pipeline_stops_when_cancelled)
{
    char why[512];
    const char *d = tmpdir();
    struct seer_model *m = load_model("nanodet", 1, why, sizeof(why));
    struct seer_batch_inputs in;
    struct seer_batch_opts o;
    struct seer_batch_stats st;
    struct keep k = {0};
    struct seer_batch_sink sink = {&k, keep_done, NULL};
    struct seer_err err = {{0}};
    atomic_int cancel = 0;

    if (!m)
        T_SKIP("%s", why);
    if (!file_exists(shared_path("data/photos/dog.jpg"))) {
        seer_model_unref(m);
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    }
    ASSERT(d);
    ASSERT_OK(photo_list(d, 5, &in)); /* 16 inputs */
    k.a = seer_arena_new(1 << 16);
    k.cancel_after_first = &cancel;
    seer_batch_opts_init(&o);
    o.cancel = &cancel;
    ASSERT_OK(seer_batch_run(m, &in, NULL, &o, &sink, &st, &err));
    ASSERT(st.cancelled);
    ASSERT(st.done + st.failed < st.total);
    ASSERT_EQ((int)(st.done + st.failed), k.n);
    seer_arena_free(k.a);
    seer_batch_inputs_clear(&in);
    seer_model_unref(m);
}

TEST(result_lines_are_detect_json_with_the_input_named)
{
    char why[512];
    struct seer_model *m = load_model("nanodet", 1, why, sizeof(why));
    struct seer_arena *a = seer_arena_new(1 << 16);
    struct seer_det det = {0, 18, "dog", 0.87654f, {1.234f, 2.0f, 30.5f, 40.25f}};
    struct seer_dets dets = {&det, 1, 640, 480, 12.34, 10.0};
    struct seer_batch_input x = {0};
    char *line = NULL;
    size_t len = 0;
    cJSON *root, *e;

    if (!m) {
        seer_arena_free(a);
        T_SKIP("%s", why);
    }
    ASSERT(a);
    x.path = "photos/a \"b\".jpg";
    x.image_id = 139;
    ASSERT_OK(seer_batch_format_result(&x, m, &dets, a, &line, &len));
    ASSERT(!strchr(line, '\n'));
    root = cJSON_ParseWithLength(line, len);
    ASSERT(root);
    ASSERT_STR(cJSON_GetObjectItem(root, "image")->valuestring, x.path);
    ASSERT_STR(cJSON_GetObjectItem(root, "path")->valuestring, x.path);
    ASSERT_EQ(cJSON_GetObjectItem(root, "image_id")->valuedouble, 139);
    ASSERT_EQ(cJSON_GetObjectItem(root, "width")->valuedouble, 640);
    ASSERT_STR(cJSON_GetObjectItem(root, "model")->valuestring, "nanodet");
    ASSERT_NEAR(cJSON_GetObjectItem(root, "time_ms")->valuedouble, 12.3, 1e-9);
    e = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "detections"), 0);
    ASSERT_STR(cJSON_GetObjectItem(e, "label")->valuestring, "dog");
    ASSERT_NEAR(cJSON_GetObjectItem(e, "score")->valuedouble, 0.8765, 1e-9);
    ASSERT_NEAR(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "box"), 0)->valuedouble, 1.23, 1e-9);
    cJSON_Delete(root);

    /* A JSON instance is named by its key and line; errors say the status and why. */
    memset(&x, 0, sizeof(x));
    x.image_id = -1;
    x.path = "in.jsonl";
    x.key = "k\n1";
    x.line = 7;
    ASSERT_OK(seer_batch_format_error(&x, SEER_EFORMAT, "line 7: bad", a, &line, &len));
    root = cJSON_ParseWithLength(line, len);
    ASSERT(root);
    ASSERT_STR(cJSON_GetObjectItem(root, "key")->valuestring, "k\n1");
    ASSERT_EQ(cJSON_GetObjectItem(root, "line")->valuedouble, 7);
    ASSERT_STR(cJSON_GetObjectItem(root, "status")->valuestring, "EFORMAT");
    ASSERT_STR(cJSON_GetObjectItem(root, "error")->valuestring, "line 7: bad");
    cJSON_Delete(root);

    /* COCO entries: [x, y, w, h] from the corners, at float precision. */
    x.image_id = 5;
    ASSERT_OK(seer_batch_format_coco(&x, &dets, a, &line, &len));
    root = cJSON_Parse(seer_arena_printf(a, "[%s]", line));
    ASSERT(root);
    e = cJSON_GetArrayItem(root, 0);
    ASSERT_EQ(cJSON_GetObjectItem(e, "image_id")->valuedouble, 5);
    ASSERT_EQ(cJSON_GetObjectItem(e, "category_id")->valuedouble, 18);
    ASSERT_NEAR(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "bbox"), 2)->valuedouble, 30.5 - 1.234,
                1e-6);
    ASSERT((float)cJSON_GetObjectItem(e, "score")->valuedouble == 0.87654f);
    cJSON_Delete(root);
    seer_arena_free(a);
    seer_model_unref(m);
}

T_MAIN(T_CASE(glob_double_star_matches_nested_files), T_CASE(glob_without_match_says_so),
       T_CASE(list_file_keeps_order_and_skips_comments),
       T_CASE(jsonl_instances_with_keys_and_b64_forms),
       T_CASE(shards_cover_every_input_exactly_once), T_CASE(digest_names_the_input_set),
       T_CASE(store_loses_only_uncommitted_work_and_resumes),
       T_CASE(store_refuses_a_second_writer_and_another_job),
       T_CASE(store_commits_by_time_and_shards_name_their_files),
       T_CASE(store_open_and_finish_survive_allocation_failures),
       T_CASE(pipeline_gives_what_the_detect_path_gives), T_CASE(pipeline_stops_when_cancelled),
       T_CASE(result_lines_are_detect_json_with_the_input_named))
