/*
 * The model repository: seer.json parsing (every bad field named), folders without a
 * manifest, model load with labels and the plan pool, and the repository's versions
 * (highest available wins, zero-padded names, a broken new version keeps the old one
 * serving, rescans). Model folders are written to a temporary directory; the loadable
 * ones hold a tiny TF.js graph (y = x + [1, 2, 3, 4]).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "repo/repo_int.h"
#include "t.h"

/* ---- names and versions ---- */

TEST(version_folder_names)
{
    ASSERT_EQ(seer__version_parse("1"), 1);
    ASSERT_EQ(seer__version_parse("42"), 42);
    ASSERT_EQ(seer__version_parse("00000123"), 123);
    ASSERT_EQ(seer__version_parse("2147483647"), 2147483647LL);
    ASSERT_EQ(seer__version_parse("2147483648"), -1);
    ASSERT_EQ(seer__version_parse("0"), -1);
    ASSERT_EQ(seer__version_parse("0000"), -1);
    ASSERT_EQ(seer__version_parse(""), -1);
    ASSERT_EQ(seer__version_parse("-1"), -1);
    ASSERT_EQ(seer__version_parse("1a"), -1);
    ASSERT_EQ(seer__version_parse(" 1"), -1);
    ASSERT_EQ(seer__version_parse("0000000000000000001"), -1); /* 19 digits */
    ASSERT(seer__model_name_ok("centernet"));
    ASSERT(seer__model_name_ok("ssd_mobilenet-v1.2"));
    ASSERT(!seer__model_name_ok(".hidden"));
    ASSERT(!seer__model_name_ok("a b"));
    ASSERT(!seer__model_name_ok("a/b"));
    ASSERT(!seer__model_name_ok(""));
}

/* ---- manifests ---- */

static int parse(const char *json, struct seer_arena *a, struct seer_manifest *m,
                 struct seer_err *err)
{
    return seer__manifest_parse(json, strlen(json), a, m, err);
}

/* The manifests shipped for the default models parse to what their models need. */
TEST(manifest_shipped_defaults)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err = {{0}};
    struct seer_manifest m;
    uint8_t *buf;
    size_t n;

    ASSERT_OK(seer_file_read("share/models/centernet/seer.json", 0, &buf, &n, &err));
    ASSERT_OK(seer__manifest_parse((const char *)buf, n, a, &m, &err));
    seer_free(buf);
    ASSERT_STR(m.format, "tfjs");
    ASSERT_STR(m.model, "centernet.json");
    ASSERT_STR(m.family, "centernet");
    ASSERT_EQ(m.input.width, 512);
    ASSERT_EQ(m.input.height, 512);
    ASSERT(!m.input.nchw && !m.input.bgr);
    ASSERT_NEAR(m.input.mean[1], 0, 0);
    ASSERT_NEAR(m.input.std[2], 1, 0);
    ASSERT_STR(m.labels, "labels.txt");
    ASSERT_STR(m.label_ids, "coco91");
    ASSERT_NEAR(m.score_threshold, 0.3, 1e-7);
    ASSERT_NEAR(m.iou_threshold, 0.6, 1e-7);
    ASSERT_EQ(m.max_detections, 100);

    ASSERT_OK(seer_file_read("share/models/nanodet/seer.json", 0, &buf, &n, &err));
    ASSERT_OK(seer__manifest_parse((const char *)buf, n, a, &m, &err));
    seer_free(buf);
    ASSERT_STR(m.model, "nanodet.json");
    ASSERT_STR(m.family, "nanodet");
    ASSERT_EQ(m.input.width, 416);
    ASSERT(m.input.nchw && m.input.bgr);
    /* NanoDet's upstream normalisation, blue first. */
    ASSERT_NEAR(m.input.mean[0], 103.53, 1e-4);
    ASSERT_NEAR(m.input.mean[2], 123.675, 1e-4);
    ASSERT_NEAR(m.input.std[0], 57.375, 1e-4);
    ASSERT_NEAR(m.input.std[2], 58.395, 1e-4);
    seer_arena_free(a);
}

TEST(manifest_minimal_gets_defaults)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err = {{0}};
    struct seer_manifest m;

    ASSERT_OK(parse("{\"format\": \"onnx\", \"model\": \"sub/model.onnx\"}", a, &m, &err));
    ASSERT_STR(m.format, "onnx");
    ASSERT_STR(m.model, "sub/model.onnx");
    ASSERT_STR(m.family, "generic");
    ASSERT_EQ(m.input.width, 0);
    ASSERT(m.labels == NULL && m.label_ids == NULL);
    ASSERT_EQ(m.max_detections, 100);
    /* One number for mean/std means all three channels. */
    ASSERT_OK(parse("{\"format\": \"tfjs\", \"model\": \"m.json\", \"family\": \"ssd\", "
                    "\"input\": {\"width\": 300, \"height\": 300, \"mean\": 127.5, "
                    "\"std\": 127.5, \"dtype\": \"uint8\"}}",
                    a, &m, &err));
    ASSERT_NEAR(m.input.mean[2], 127.5, 0);
    ASSERT_NEAR(m.input.std[1], 127.5, 0);
    ASSERT_STR(m.input.dtype, "uint8");
    seer_arena_free(a);
}

TEST(manifest_bad_fields_are_named)
{
    static const struct {
        const char *json, *msg;
    } bad[] = {
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"family\": \"centernet\", \"input\": "
         "{\"width\": -5, \"height\": 512}}",
         "seer.json: input.width must be a positive integer"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 1.5, "
         "\"height\": 2}}",
         "input.width must be a positive integer"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": \"512\", "
         "\"height\": 2}}",
         "input.width must be a positive integer"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5}}",
         "input.height is required"},
        {"{\"model\": \"m.json\"}", "seer.json: format is required"},
        {"{\"format\": \"caffe\", \"model\": \"m.json\"}", "format must be 'tfjs', "},
        {"{\"format\": 3, \"model\": \"m.json\"}", "format must be a string"},
        {"{\"format\": \"tfjs\"}", "model is required"},
        {"{\"format\": \"tfjs\", \"model\": \"../other/m.json\"}", "model must not contain '..'"},
        {"{\"format\": \"tfjs\", \"model\": \"/etc/passwd\"}", "model must be a file name"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"family\": \"yolo\"}",
         "family must be 'centernet'"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"family\": \"nanodet\"}",
         "input is required for family 'nanodet'"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"mean\": [1, 2]}}",
         "input.mean must be an array of 3 numbers"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"std\": [1, 0, 1]}}",
         "input.std[1] must be a positive number"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"layout\": \"HWC\"}}",
         "input.layout must be 'NHWC' or 'NCHW', not 'HWC'"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"channels\": \"GRB\"}}",
         "input.channels must be"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"resize\": \"letterbox\"}}",
         "input.resize must be 'stretch'"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"dtype\": \"uint8\", \"layout\": \"NCHW\"}}",
         "input.layout must be 'NHWC' for uint8"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": {\"width\": 5, \"height\": "
         "5, \"widht\": 5}}",
         "unknown field input.widht"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"lables\": \"l.txt\"}",
         "unknown field lables"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"label_ids\": \"coco80\"}",
         "label_ids must be 'coco91' or 'index'"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"defaults\": {\"score_threshold\": "
         "2}}",
         "defaults.score_threshold must be a number from 0 to 1"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"defaults\": {\"max_detections\": "
         "0}}",
         "defaults.max_detections must be a positive integer"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"defaults\": 3}",
         "defaults must be an object"},
        {"{\"format\": \"tfjs\", \"model\": \"m.json\", \"input\": [1]}",
         "input must be an object"},
        {"[\"format\"]", "seer.json: must be a JSON object"},
        {"{\"format\": \"tfjs\",", "seer.json: not valid JSON"},
        {"", "seer.json: not valid JSON"},
    };
    struct seer_arena *a = seer_arena_new(4096);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct seer_err err = {{0}};
        struct seer_manifest m;
        int rc = parse(bad[i].json, a, &m, &err);

        if (rc != SEER_EFORMAT || !strstr(err.msg, bad[i].msg)) {
            seer_arena_free(a);
            T_FAILF("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, err.msg, bad[i].msg);
        }
    }
    seer_arena_free(a);
}

/* ---- temporary model folders ---- */

static char tmp_root[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool make_root(void)
{
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/seer-test-repo-XXXXXX");
    return mkdtemp(tmp_root) != NULL;
}

static bool write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    FILE *f;
    bool ok;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f)
        return false;
    ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static bool write_text(const char *dir, const char *name, const char *text)
{
    return write_file(dir, name, text, strlen(text));
}

/* mkdir -p for two levels under tmp_root; returns the path in buf. */
static const char *make_dir(char *buf, size_t n, const char *model, const char *version)
{
    snprintf(buf, n, "%s/%s", tmp_root, model);
    mkdir(buf, 0755);
    if (version) {
        snprintf(buf, n, "%s/%s/%s", tmp_root, model, version);
        mkdir(buf, 0755);
    }
    return buf;
}

static const char tiny_json[] =
    "{\"format\": \"graph-model\",\n"
    " \"signature\": {\"inputs\": {\"x:0\": {\"name\": \"x:0\", \"dtype\": \"DT_FLOAT\"}},\n"
    "               \"outputs\": {\"Identity:0\": {\"name\": \"Identity:0\"}}},\n"
    " \"modelTopology\": {\"node\": [\n"
    "  {\"name\": \"x\", \"op\": \"Placeholder\", \"attr\": {\"dtype\": {\"type\": "
    "\"DT_FLOAT\"}, \"shape\": {\"shape\": {\"dim\": [{\"size\": \"1\"}, {\"size\": "
    "\"4\"}]}}}},\n"
    "  {\"name\": \"c\", \"op\": \"Const\", \"attr\": {\"dtype\": {\"type\": \"DT_FLOAT\"}}},\n"
    "  {\"name\": \"y\", \"op\": \"AddV2\", \"input\": [\"x\", \"c\"]},\n"
    "  {\"name\": \"Identity\", \"op\": \"Identity\", \"input\": [\"y\"]}]},\n"
    " \"weightsManifest\": [{\"paths\": [\"tiny.bin\"],\n"
    "   \"weights\": [{\"name\": \"c\", \"shape\": [4], \"dtype\": \"float32\"}]}]}\n";

/* A loadable generic model: model.json + tiny.bin, and seer.json unless manifest is NULL
 * ("" means the default generic manifest). */
static bool write_tiny(const char *dir, const char *manifest)
{
    static const float c[4] = {1, 2, 3, 4};

    if (!write_text(dir, "model.json", tiny_json) || !write_file(dir, "tiny.bin", c, sizeof(c)))
        return false;
    if (!manifest)
        return true;
    return write_text(dir, "seer.json",
                      manifest[0] ? manifest
                                  : "{\"format\": \"tfjs\", \"model\": \"model.json\", "
                                    "\"family\": \"generic\"}");
}

TEST(manifest_default_from_files)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err = {{0}};
    struct seer_manifest m;
    char d[256];

    ASSERT(a && make_root());
    make_dir(d, sizeof(d), "x", NULL);
    ASSERT_EQ(seer__manifest_default(d, a, &m, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "no seer.json and no model file"));
    ASSERT(write_text(d, "notes.txt", "x"));
    ASSERT(write_text(d, "weights.pb", "x"));
    ASSERT_OK(seer__manifest_default(d, a, &m, &err));
    ASSERT_STR(m.format, "graphdef");
    ASSERT_STR(m.model, "weights.pb");
    ASSERT_STR(m.family, "generic");
    ASSERT(write_text(d, "detect.tflite", "x"));
    ASSERT_OK(seer__manifest_default(d, a, &m, &err));
    ASSERT_STR(m.format, "tflite");
    ASSERT(write_text(d, "frozen_inference_graph.pb", "x"));
    ASSERT_OK(seer__manifest_default(d, a, &m, &err));
    ASSERT_STR(m.format, "graphdef");
    ASSERT_STR(m.model, "frozen_inference_graph.pb");
    ASSERT(write_text(d, "saved_model.pb", "x"));
    ASSERT_OK(seer__manifest_default(d, a, &m, &err));
    ASSERT_STR(m.format, "savedmodel");
    ASSERT(write_text(d, "model.json", "x"));
    ASSERT_OK(seer__manifest_default(d, a, &m, &err));
    ASSERT_STR(m.format, "tfjs");
    rm_tree(tmp_root);
    seer_arena_free(a);
}

/* ---- model load ---- */

static struct seer_model_opts quick_opts(void)
{
    struct seer_model_opts o = {0};

    o.n_threads = 1;
    return o;
}

/* Runs the tiny model on [10, 20, 30, 40] and checks [11, 22, 33, 44]. */
static bool tiny_runs(struct seer_model *m)
{
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};
    const struct seer_tensor *y;
    float *x;
    bool ok;

    if (seer_model_acquire_plan(m, &p, &err))
        return false;
    x = seer_plan_input(p, 0)->data;
    for (int i = 0; i < 4; i++)
        x[i] = 10.0f * (i + 1);
    ok = seer_plan_run(p, &err) == 0;
    y = seer_plan_output(p, 0);
    for (int i = 0; ok && i < 4; i++)
        ok = ((const float *)y->data)[i] == 11.0f * (i + 1);
    seer_model_release_plan(m, p);
    return ok;
}

TEST(model_load_labels_and_plans)
{
    struct seer_model_opts o = quick_opts();
    struct seer_model *m = NULL;
    struct seer_err err = {{0}};
    struct seer_plan *p1 = NULL, *p2 = NULL, *p3 = NULL;
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_image img = {0};
    struct seer_dets dets;
    uint8_t px[3] = {0};
    char d[256], labels[2048];
    size_t len = 0;

    ASSERT(a && make_root());
    make_dir(d, sizeof(d), "tiny", "0007");
    for (int i = 0; i < 80; i++) {
        static const char *const some[] = {"person", "bicycle", "car"};

        len += (size_t)snprintf(labels + len, sizeof(labels) - len, "%s%s", i < 3 ? some[i] : "x",
                                i == 0 ? "\r\n" : "\n");
    }
    ASSERT(write_tiny(d, "{\"format\": \"tfjs\", \"model\": \"model.json\", \"labels\": "
                         "\"labels.txt\", \"label_ids\": \"coco91\"}"));
    ASSERT(write_text(d, "labels.txt", labels));
    ASSERT_OK(seer_model_load(d, NULL, 0, &o, &m, &err));
    ASSERT_STR(seer_model_name(m), "tiny");
    ASSERT_EQ(seer_model_version(m), 7);
    ASSERT_STR(seer_model_manifest(m)->family, "generic");
    ASSERT_EQ(seer_model_n_labels(m), 80);
    ASSERT_STR(seer_model_label(m, 0), "person");
    ASSERT_EQ(seer_model_category_id(m, 2), 3);
    ASSERT_EQ(seer_model_category_id(m, 79), 90);
    ASSERT(seer_model_label(m, 80) == NULL);
    ASSERT(tiny_runs(m));
    /* Two callers at once get two plans; released plans are reused. */
    ASSERT_OK(seer_model_acquire_plan(m, &p1, &err));
    ASSERT_OK(seer_model_acquire_plan(m, &p2, &err));
    ASSERT(p1 && p2 && p1 != p2);
    seer_model_release_plan(m, p1);
    seer_model_release_plan(m, p2);
    ASSERT_OK(seer_model_acquire_plan(m, &p3, &err));
    ASSERT(p3 == p1 || p3 == p2);
    seer_model_release_plan(m, p3);
    /* A generic model has no detection decoder: a clear refusal. */
    img.width = img.height = 1;
    img.px = px;
    ASSERT_EQ(seer_detect_image(m, &img, NULL, a, &dets, &err), SEER_EUNSUPPORTED);
    ASSERT(strstr(err.msg, "family 'generic' has no detection decoder"));
    /* References keep the model alive. */
    seer_model_ref(m);
    seer_model_unref(m);
    ASSERT(tiny_runs(m));
    seer_model_unref(m);
    rm_tree(tmp_root);
    seer_arena_free(a);
}

static void *run_many(void *arg)
{
    struct seer_model *m = arg;

    for (int i = 0; i < 50; i++)
        if (!tiny_runs(m))
            return m;
    return NULL;
}

/* Threads sharing one model each borrow their own plan; every run stays correct. */
TEST(model_shared_by_threads)
{
    struct seer_model_opts o = quick_opts();
    struct seer_model *m = NULL;
    struct seer_err err = {{0}};
    pthread_t th[4];
    void *bad[4];
    char d[256];

    ASSERT(make_root());
    ASSERT(write_tiny(make_dir(d, sizeof(d), "tiny", "1"), ""));
    ASSERT_OK(seer_model_load(d, NULL, 0, &o, &m, &err));
    for (int i = 0; i < 4; i++)
        ASSERT_OK(pthread_create(&th[i], NULL, run_many, m));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], &bad[i]);
    seer_model_unref(m);
    rm_tree(tmp_root);
    for (int i = 0; i < 4; i++)
        ASSERT(bad[i] == NULL);
}

TEST(model_load_errors_name_the_problem)
{
    static const struct {
        const char *manifest, *msg;
        int rc;
    } bad[] = {
        {"{\"format\": \"onnx\", \"model\": \"model.json\"}",
         "format 'onnx' is not supported yet", SEER_EUNSUPPORTED},
        {"{\"format\": \"tfjs\", \"model\": \"model.json\", \"input\": {\"width\": 0, "
         "\"height\": 1}}",
         "/seer.json: input.width must be a positive integer", SEER_EFORMAT},
        {"{\"format\": \"tfjs\", \"model\": \"model.json\", \"labels\": \"nope.txt\"}", "nope.txt",
         SEER_ENOTFOUND},
        {"{\"format\": \"tfjs\", \"model\": \"missing.json\"}", "missing.json", SEER_ENOTFOUND},
        {"{\"format\": \"tfjs\", \"model\": \"model.json\", \"family\": \"centernet\", "
         "\"input\": {\"width\": 512, \"height\": 512}}",
         "seer.json says input 512x512 NHWC float32, but the graph's input 'x'", SEER_EFORMAT},
    };
    struct seer_model_opts o = quick_opts();
    char d[256];

    ASSERT(make_root());
    make_dir(d, sizeof(d), "bad", "1");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct seer_model *m = NULL;
        struct seer_err err = {{0}};
        int rc;

        ASSERT(write_tiny(d, bad[i].manifest));
        rc = seer_model_load(d, NULL, 0, &o, &m, &err);
        if (!(m == NULL && strstr(err.msg, bad[i].msg) &&
              (rc == bad[i].rc || (bad[i].rc == SEER_ENOTFOUND && rc == SEER_EIO)))) {
            seer_model_unref(m);
            rm_tree(tmp_root);
            T_FAILF("case %zu: rc %d, \"%s\", wanted \"%s\"", i, rc, err.msg, bad[i].msg);
        }
    }
    rm_tree(tmp_root);
}

/* ---- the repository ---- */

static int find_entry(const struct seer_repo_entry *e, int n, const char *name, int version)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].name, name) && e[i].version == version)
            return i;
    return -1;
}

TEST(repo_versions_and_failures)
{
    struct seer_model_opts o = quick_opts();
    struct seer_repo *r = NULL;
    struct seer_model *m = NULL, *held = NULL;
    struct seer_err err = {{0}};
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_repo_entry *e;
    char d[256];
    int n, i;

    ASSERT(a && make_root());
    ASSERT(write_tiny(make_dir(d, sizeof(d), "tiny", "1"), ""));
    ASSERT(write_tiny(make_dir(d, sizeof(d), "tiny", "00000002"), ""));
    /* Version 3 is newer but broken: it must not take over. */
    ASSERT(write_tiny(make_dir(d, sizeof(d), "tiny", "3"), ""));
    ASSERT(write_text(d, "model.json", "{\"format\": \"graph-model\", \"modelTopology\": "));
    /* Not versions, not models: ignored. */
    make_dir(d, sizeof(d), "tiny", "latest");
    make_dir(d, sizeof(d), ".cache", "1");
    ASSERT(write_tiny(make_dir(d, sizeof(d), "bare", "5"), NULL));

    ASSERT_OK(seer_repo_open(tmp_root, &o, &r, &err));
    ASSERT_OK(seer_repo_get(r, "tiny", 0, &m, &err));
    ASSERT_EQ(seer_model_version(m), 2);
    ASSERT(tiny_runs(m));
    seer_model_unref(m);
    ASSERT_EQ(seer_repo_get(r, "tiny", 3, &m, &err), SEER_ENOTFOUND);
    ASSERT(m == NULL);
    ASSERT(strstr(err.msg, "version 3 is not available"));
    ASSERT(strstr(err.msg, "model.json"));
    ASSERT_EQ(seer_repo_get(r, "tiny", 9, &m, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "has no version 9"));
    ASSERT_EQ(seer_repo_get(r, "nosuch", 0, &m, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "'nosuch' not found"));
    ASSERT_OK(seer_repo_get(r, "bare", 0, &m, &err));
    ASSERT_EQ(seer_model_version(m), 5);
    ASSERT_STR(seer_model_manifest(m)->format, "tfjs");
    seer_model_unref(m);

    ASSERT_OK(seer_repo_list(r, a, &e, &n));
    ASSERT_EQ(n, 4);
    ASSERT_STR(e[0].name, "bare");
    ASSERT_EQ(e[1].version, 1);
    ASSERT_EQ(e[2].version, 2);
    ASSERT_EQ(e[3].version, 3);
    ASSERT_EQ(e[2].state, SEER_MODEL_AVAILABLE);
    ASSERT_STR(e[2].format, "tfjs");
    ASSERT_STR(e[2].family, "generic");
    ASSERT(e[2].error == NULL);
    ASSERT_EQ(e[3].state, SEER_MODEL_FAILED);
    ASSERT(e[3].error && strstr(e[3].error, "model.json"));
    /* A failed version still says what it is when its manifest does. */
    ASSERT_STR(e[3].format, "tfjs");
    ASSERT_STR(e[3].family, "generic");

    /* Nothing changed: a rescan does nothing. */
    ASSERT_EQ(seer_repo_scan(r, &err), 0);
    /* Fixing version 3 makes a rescan load it; it becomes the default. */
    snprintf(d, sizeof(d), "%s/tiny/3", tmp_root);
    ASSERT(write_tiny(d, ""));
    ASSERT(seer_repo_scan(r, &err) >= 1);
    ASSERT_OK(seer_repo_get(r, "tiny", 0, &held, &err));
    ASSERT_EQ(seer_model_version(held), 3);
    /* Removing it falls back to version 2; the caller still holding 3 keeps using it. */
    rm_tree(d);
    ASSERT_EQ(seer_repo_scan(r, &err), 1);
    ASSERT_OK(seer_repo_get(r, "tiny", 0, &m, &err));
    ASSERT_EQ(seer_model_version(m), 2);
    seer_model_unref(m);
    ASSERT_OK(seer_repo_list(r, a, &e, &n));
    ASSERT_EQ(n, 3);
    ASSERT_EQ(find_entry(e, n, "tiny", 3), -1);
    i = find_entry(e, n, "tiny", 2);
    ASSERT(i >= 0 && e[i].state == SEER_MODEL_AVAILABLE);
    seer_repo_free(r);
    ASSERT(tiny_runs(held));
    seer_model_unref(held);
    ASSERT_EQ(seer_repo_open("/nonexistent/models", &o, &r, &err), SEER_ENOTFOUND);
    rm_tree(tmp_root);
    seer_arena_free(a);
}

/* The command-line loader: a name (highest version that loads) or a folder. */
TEST(repo_load_one_by_name_or_folder)
{
    struct seer_model_opts o = quick_opts();
    struct seer_model *m = NULL;
    struct seer_err err = {{0}};
    char d[256];

    ASSERT(make_root());
    ASSERT(write_tiny(make_dir(d, sizeof(d), "tiny", "4"), ""));
    ASSERT(write_text(make_dir(d, sizeof(d), "tiny", "10"), "seer.json", "{"));
    ASSERT_OK(seer__repo_load_one(tmp_root, "tiny", &o, &m, &err));
    ASSERT_EQ(seer_model_version(m), 4);
    seer_model_unref(m);
    snprintf(d, sizeof(d), "%s/tiny/4", tmp_root);
    ASSERT_OK(seer__repo_load_one("/nonexistent", d, &o, &m, &err));
    ASSERT_STR(seer_model_name(m), "tiny");
    seer_model_unref(m);
    snprintf(d, sizeof(d), "%s/tiny", tmp_root);
    ASSERT_OK(seer__repo_load_one("/nonexistent", d, &o, &m, &err));
    ASSERT_EQ(seer_model_version(m), 4);
    seer_model_unref(m);
    ASSERT_EQ(seer__repo_load_one(tmp_root, "nosuch", &o, &m, &err), SEER_ENOTFOUND);
    ASSERT(strstr(err.msg, "model 'nosuch' not found"));
    snprintf(d, sizeof(d), "%s/tiny/10", tmp_root);
    ASSERT(seer__repo_load_one(tmp_root, d, &o, &m, &err) != 0);
    ASSERT(strstr(err.msg, "seer.json: not valid JSON"));
    rm_tree(tmp_root);
}

T_MAIN(T_CASE(version_folder_names), T_CASE(manifest_shipped_defaults),
       T_CASE(manifest_minimal_gets_defaults), T_CASE(manifest_bad_fields_are_named),
       T_CASE(manifest_default_from_files), T_CASE(model_load_labels_and_plans),
       T_CASE(model_shared_by_threads), T_CASE(model_load_errors_name_the_problem),
       T_CASE(repo_versions_and_failures), T_CASE(repo_load_one_by_name_or_folder))
