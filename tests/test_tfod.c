/*
 * The TF Object Detection API family end to end: label maps in protobuf text format
 * (parsed by hand-checked examples and broken ones), `seer import` of the original lab's
 * kind of folder into a model repository (manifest, labels, the version folder appearing
 * only when complete), and detection through the one inference path: the person/cat/dog
 * model (fixed 256x256 input) finds the cyclist, and the Pikachu model (open input dims:
 * the photo goes in at its own size) finds Pikachu where TF.js did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "detect/detect_int.h"
#include "repo/model_import.h"
#include "shared.h"
#include "t.h"

#define FROZEN "models/tf-frozen/"

static int parse(const char *text, const char ***names, int *n, struct seer_arena *a,
                 struct seer_err *err)
{
    return seer__labelmap_parse(text, strlen(text), "label_map.pbtxt", a, names, n, err);
}

TEST(label_map_text_format)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err = {{0}};
    const char **names;
    int n;

    /* mscoco_label_map.pbtxt's style, a comment, both quotes, a gap, an escape, a field
     * we do not know with a nested message, and ids out of order. */
    ASSERT_OK(parse("# COCO, abridged\n"
                    "item {\n  name: \"/m/01g317\"\n  id: 1\n  display_name: \"person\"\n}\n"
                    "item: < id: 4 name: 'motor\\x' >\n"
                    "item { id: 3; name: 'car' keypoints { id: 0 label: \"nose\" } }\n",
                    &names, &n, a, &err));
    ASSERT_EQ(n, 5);
    ASSERT_STR(names[0], "???"); /* the background */
    ASSERT_STR(names[1], "person");
    ASSERT_STR(names[2], "???");
    ASSERT_STR(names[3], "car");
    ASSERT_STR(names[4], "motorx");
    /* The lab's own files in ../shared parse too. */
    static const struct {
        const char *err_sub, *text;
    } bad[] = {
        {"line 2, column 9: a string is not closed", "item {\n  name: 'cat\n id: 1 }"},
        {"line 1, column 1: an item has no id", "item { name: 'cat' }"},
        {"two items have this id", "item { id: 1 name: 'a' } item { id: 1 name: 'b' }"},
        {"over 100000", "item { id: 1000000 name: 'a' }"},
        {"line 1, column 14: unexpected character", "item { id: 1 @ }"},
        {"ends inside an item", "item { id: 1 name: 'a' "},
        {"no items", "# nothing\n"},
        {"id must be a whole number", "item { id: 1.5 name: 'a' }"},
        {"neither name nor display_name", "item { id: 2 }"},
        {"nested too deep", "item { id: 1 name: 'a' x {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{ }"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i].text, &names, &n, a, &err);
        if (rc != SEER_EFORMAT || !strstr(err.msg, bad[i].err_sub))
            T_FAILF("%s: %d \"%s\"", bad[i].text, rc, err.msg);
    }
    seer_arena_free(a);
}

TEST(shared_label_maps_parse)
{
    static const char *const dirs[] = {"aiy-ssd-mbv1-0.125-person-cat-dog",
                                       "aiy-ssd-mbv1-0.125-pikachu", "aiy-ssd-mbv1-0.125-voc"};
    static const int want[] = {4, 2, 21};
    struct seer_arena *a = seer_arena_new(4096);

    for (int i = 0; i < 3; i++) {
        char rel[256];
        uint8_t *buf = NULL;
        size_t len;
        const char **names;
        int n;
        struct seer_err err = {{0}};
        snprintf(rel, sizeof(rel), FROZEN "%s/labelmap.pbtxt", dirs[i]);
        if (seer_file_read(shared_path(rel), 0, &buf, &len, NULL)) {
            seer_arena_free(a);
            T_SKIP("needs %s", shared_path(rel));
        }
        int rc = seer__labelmap_parse((const char *)buf, len, rel, a, &names, &n, &err);
        seer_free(buf);
        if (rc)
            T_FAILF("%s", err.msg);
        ASSERT_EQ(n, want[i]);
    }
    seer_arena_free(a);
}

static char MODELS[64];

static void remove_tree(const char *dir)
{
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", dir);
}

static void cleanup(void)
{
    if (MODELS[0])
        remove_tree(MODELS);
}

static bool models_dir(void)
{
    if (MODELS[0])
        return true;
    snprintf(MODELS, sizeof(MODELS), "/tmp/seer-test-tfod-XXXXXX");
    if (!mkdtemp(MODELS))
        return false;
    atexit(cleanup);
    return true;
}

/* Detects on a photo file with a model of the repository, which the caller unrefs (the
 * labels borrow from it). */
static int detect_file(const char *name, const char *photo, struct seer_arena *a,
                       struct seer_dets *d, struct seer_model **mp, struct seer_err *err)
{
    struct seer_model_opts mo = {.n_threads = 1};
    struct seer_model *m = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    char dir[256];
    int rc;

    snprintf(dir, sizeof(dir), "%s/%s/1", MODELS, name);
    rc = seer_model_load(dir, NULL, 0, &mo, &m, err);
    if (!rc)
        rc = seer_file_read(photo, 0, &buf, &n, err);
    if (!rc)
        rc = seer_detect_bytes(m, buf, n, 0, NULL, a, d, err);
    seer_free(buf);
    *mp = m;
    return rc;
}

TEST(import_and_detect_person)
{
    const char *src = shared_path(FROZEN "aiy-ssd-mbv1-0.125-person-cat-dog");
    const char *photo =
        shared_path(FROZEN "aiy-ssd-mbv1-0.125-person-cat-dog/cyclist_1200x800.jpg");
    char labels[512];
    struct seer__import_opts o = {.name = "pcd", .labels = labels};
    struct seer__import_result res;
    struct seer_err err = {{0}};
    struct seer_model *m = NULL;
    struct seer_arena *a;
    struct seer_dets d;

    if (!file_exists(photo))
        T_SKIP("needs %s", photo);
    ASSERT(models_dir());
    snprintf(labels, sizeof(labels), "%s/labelmap.pbtxt", src);
    o.models_dir = MODELS;
    if (seer__model_import(src, &o, &res, &err))
        T_FAILF("%s", err.msg);
    ASSERT_STR(res.family, "tf-od-api");
    ASSERT_STR(res.format, "graphdef");
    ASSERT_EQ(res.n_labels, 4);
    ASSERT(strstr(res.dir, "/pcd/1"));
    /* Importing again would overwrite: refused, and nothing is left half-made. */
    ASSERT_EQ(seer__model_import(src, &o, &res, &err), SEER_EINVAL);
    ASSERT(strstr(err.msg, "already exists"));
    a = seer_arena_new(1 << 16);
    if (detect_file("pcd", photo, a, &d, &m, &err))
        T_FAILF("%s", err.msg);
    ASSERT(d.n >= 1);
    ASSERT_STR(d.d[0].label, "person");
    ASSERT_EQ(d.d[0].category_id, 1);
    ASSERT(d.d[0].score > 0.8f);
    /* In photo pixels: the cyclist stands in the middle third, most of the height. */
    ASSERT(d.d[0].box[0] > 200 && d.d[0].box[2] < 800);
    ASSERT(d.d[0].box[3] - d.d[0].box[1] > 600);
    ASSERT_EQ(d.width, 1200);
    seer_model_unref(m);
    seer_arena_free(a);
}

TEST(open_input_dims_take_the_photo_as_is)
{
    const char *src = shared_path(FROZEN "aiy-ssd-mbv1-0.125-pikachu");
    const char *photo = shared_path(FROZEN "aiy-ssd-mbv1-0.125-pikachu/pikachu_screen_photo.jpg");
    char labels[512];
    struct seer__import_opts o = {.labels = labels};
    struct seer__import_result res;
    struct seer_err err = {{0}};
    struct seer_model *m = NULL;
    struct seer_arena *a;
    struct seer_dets d;

    if (!file_exists(photo))
        T_SKIP("needs %s", photo);
    ASSERT(models_dir());
    snprintf(labels, sizeof(labels), "%s/labelmap.pbtxt", src);
    o.models_dir = MODELS;
    if (seer__model_import(src, &o, &res, &err))
        T_FAILF("%s", err.msg);
    ASSERT_STR(res.name, "aiy-ssd-mbv1-0.125-pikachu");
    a = seer_arena_new(1 << 16);
    if (detect_file(res.name, photo, a, &d, &m, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(d.n, 1);
    ASSERT_STR(d.d[0].label, "pikachu");
    /* TF.js on the same photo at 636x436: 0.758, box (0.119, 0.446, 0.808, 0.680). */
    ASSERT_NEAR(d.d[0].score, 0.758, 0.05);
    ASSERT_NEAR(d.d[0].box[0] / d.width, 0.446, 0.02);
    ASSERT_NEAR(d.d[0].box[1] / d.height, 0.119, 0.02);
    ASSERT_NEAR(d.d[0].box[2] / d.width, 0.680, 0.02);
    ASSERT_NEAR(d.d[0].box[3] / d.height, 0.808, 0.02);
    seer_model_unref(m);
    seer_arena_free(a);
}

TEST(import_defaults_and_errors)
{
    struct seer__import_opts o = {0};
    struct seer__import_result res;
    struct seer_err err = {{0}};
    const char *voc = shared_path(FROZEN "aiy-ssd-mbv1-0.125-voc/frozen_inference_graph.pb");
    char path[512];

    if (!file_exists(voc))
        T_SKIP("needs %s", voc);
    ASSERT(models_dir());
    o.models_dir = MODELS;
    /* A detection graph without labels gets COCO's, by id (as the lab's models). */
    o.name = "voc";
    if (seer__model_import(voc, &o, &res, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(res.n_labels, 91);
    snprintf(path, sizeof(path), "%s/voc/1/labels.txt", MODELS);
    ASSERT(file_exists(path));
    o.name = "../escape";
    ASSERT_EQ(seer__model_import(voc, &o, &res, &err), SEER_EINVAL);
    o.name = NULL;
    ASSERT_EQ(seer__model_import("/nonexistent/folder", &o, &res, &err), SEER_ENOTFOUND);
    /* A bad label map fails the import (naming the line) and leaves nothing behind. */
    o.name = "badlabels";
    snprintf(path, sizeof(path), "%s/bad.pbtxt", MODELS);
    ASSERT_OK(seer_file_write_atomic(path, "item { name: 'x' }\n", 19, NULL));
    o.labels = path;
    ASSERT_EQ(seer__model_import(voc, &o, &res, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 1"));
    snprintf(path, sizeof(path), "%s/badlabels", MODELS);
    ASSERT(access(path, F_OK) != 0);
    o.labels = "/nonexistent/labels.pbtxt";
    ASSERT_EQ(seer__model_import(voc, &o, &res, &err), SEER_ENOTFOUND);
}

T_MAIN(T_CASE(label_map_text_format), T_CASE(shared_label_maps_parse),
       T_CASE(import_and_detect_person), T_CASE(open_input_dims_take_the_photo_as_is),
       T_CASE(import_defaults_and_errors))
