/*
 * `seer import` (see model_import.h): a model from elsewhere into the repository.
 *
 * The version folder is built as a hidden sibling (.import-XXXXXX, which the repository
 * ignores: it is not a version number), checked by loading it exactly as the server will
 * (import, prepare, a warm-up run), and only then renamed into place, so a server that
 * rescans the folder meanwhile never sees half a model, and a failed import leaves
 * nothing behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/file.h"
#include "detect/detect_int.h"
#include "import/import.h"
#include "repo/model_import.h"
#include "repo/repo_int.h"

#define MAX_FILES 256

struct job {
    char tmp[PATH_MAX];              /* the hidden folder being built */
    char files[MAX_FILES][PATH_MAX]; /* what was written there, to undo */
    int n_files;
    struct seer_err *err;
};

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int remember(struct job *j, const char *path)
{
    if (j->n_files == MAX_FILES)
        return seer_errf(j->err, SEER_ELIMIT, "more than %d files to copy", MAX_FILES);
    snprintf(j->files[j->n_files++], PATH_MAX, "%s", path);
    return SEER_OK;
}

/* a/b into out (PATH_MAX); ELIMIT when it does not fit. */
static int join(struct job *j, char *out, const char *a, const char *b)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", a, b) >= PATH_MAX)
        return seer_errf(j->err, SEER_ELIMIT, "%s: the path is too long", a);
    return SEER_OK;
}

/* Streams src into dst (created, not overwritten). */
static int copy_file(struct job *j, const char *src, const char *dst)
{
    char buf[1 << 16];
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = SEER_OK;
    ssize_t n;

    if (in < 0)
        return seer_errf(j->err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO, "%s: %s", src,
                         strerror(errno));
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return seer_errf(j->err, SEER_EIO, "%s: %s", dst, strerror(errno));
    }
    rc = remember(j, dst);
    while (!rc && (n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0 || write(out, buf, (size_t)n) != n)
            rc = seer_errf(j->err, SEER_EIO, "copying %s: %s", src, strerror(errno));
    }
    if (!rc && fsync(out) != 0)
        rc = seer_errf(j->err, SEER_EIO, "%s: %s", dst, strerror(errno));
    close(in);
    close(out);
    return rc;
}

/* Copies every regular file of folder src into a new folder dst. */
static int copy_dir(struct job *j, const char *src, const char *dst)
{
    DIR *d = opendir(src);
    struct dirent *e;
    int rc = SEER_OK;

    if (!d)
        return seer_errf(j->err, SEER_EIO, "%s: %s", src, strerror(errno));
    if (mkdir(dst, 0755) != 0) {
        closedir(d);
        return seer_errf(j->err, SEER_EIO, "%s: %s", dst, strerror(errno));
    }
    while (!rc && (e = readdir(d))) {
        char from[PATH_MAX], to[PATH_MAX];
        if (e->d_name[0] == '.')
            continue;
        if (!(rc = join(j, from, src, e->d_name)) && !(rc = join(j, to, dst, e->d_name)) &&
            is_file(from))
            rc = copy_file(j, from, to);
    }
    closedir(d);
    /* Remembered after its files, so undoing removes them first. */
    return rc ? rc : remember(j, dst);
}

static void undo(struct job *j)
{
    for (int i = j->n_files - 1; i >= 0; i--)
        if (unlink(j->files[i]) != 0)
            rmdir(j->files[i]);
    if (j->tmp[0])
        rmdir(j->tmp);
}

/* The model file in src and its format. */
static int find_model(const char *src, char *file, size_t n, const char **format,
                      struct seer_err *err)
{
    DIR *d;
    struct dirent *e;
    int found = 0;

    if (is_file(src)) {
        snprintf(file, n, "%s", src);
        *format = !strcmp(base_name(src), "saved_model.pb") ? "savedmodel" : "graphdef";
        return ends_with(src, ".pb") ? SEER_OK
                                     : seer_errf(err, SEER_EUNSUPPORTED, "%s: not a .pb file", src);
    }
    if (!is_dir(src))
        return seer_errf(err, SEER_ENOTFOUND, "%s: no such file or folder", src);
    /* The lab's download has both a frozen graph and a saved_model/: the frozen graph is
     * what it loads. */
    snprintf(file, n, "%s/frozen_inference_graph.pb", src);
    if (is_file(file)) {
        *format = "graphdef";
        return SEER_OK;
    }
    snprintf(file, n, "%s/saved_model.pb", src);
    if (is_file(file)) {
        *format = "savedmodel";
        return SEER_OK;
    }
    d = opendir(src);
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && ends_with(e->d_name, ".pb") && found++ == 0)
            snprintf(file, n, "%s/%s", src, e->d_name);
    if (d)
        closedir(d);
    if (found == 1) {
        *format = "graphdef";
        return SEER_OK;
    }
    return seer_errf(err, SEER_ENOTFOUND, "%s: %s", src,
                     found ? "more than one .pb file; name the one to import"
                           : "no frozen_inference_graph.pb, saved_model.pb or other .pb file");
}

/* The model's name from its source: the folder's (or the file's, without .pb); a
 * SavedModel version folder ("00000123") is named after its parent. */
static void default_name(const char *src, const char *file, char *name, size_t n)
{
    char tmp[PATH_MAX];
    size_t len;

    snprintf(tmp, sizeof(tmp), "%s", is_dir(src) ? src : file);
    while ((len = strlen(tmp)) > 1 && tmp[len - 1] == '/')
        tmp[len - 1] = '\0';
    if (!is_dir(src)) {
        char *slash = strrchr(tmp, '/');
        if (!strcmp(base_name(tmp), "saved_model.pb") ||
            !strcmp(base_name(tmp), "frozen_inference_graph.pb")) {
            if (slash)
                *slash = '\0';
        } else if (ends_with(tmp, ".pb")) {
            tmp[strlen(tmp) - 3] = '\0';
        }
    }
    if (seer__version_parse(base_name(tmp)) > 0 && strrchr(tmp, '/'))
        *strrchr(tmp, '/') = '\0';
    snprintf(name, n, "%s", base_name(tmp));
}

/* Whether the graph is a TF Object Detection API export: uint8 [1?,H?,W?,3] image in,
 * the four detection outputs. */
static bool is_od_api(const char *pb)
{
    static const char *const outs[] = {"detection_boxes", "detection_scores", "detection_classes",
                                       "num_detections"};
    struct seer_import_opts io = {.outputs = outs, .n_outputs = 4};
    struct seer_graph *g = NULL;
    bool od = false;

    if (seer_graphdef_import_file(pb, NULL, &io, &g, NULL) == SEER_OK && g->n_inputs == 1) {
        const struct seer_tensor *t = &g->inputs[0]->t;
        od = t->dtype == SEER_DTYPE_U8 && t->ndim == 4 && t->dims[3] == 3;
    }
    seer_graph_free(g);
    return od;
}

/* The input size to write: the graph's when fixed; for open dims the smallest a photo
 * is decoded at (the graph resizes it itself, and 1024 is above every OD API model's
 * resize target, so no detail is lost). */
static void input_size(const char *pb, int *w, int *h)
{
    struct seer_graph *g = NULL;

    *w = *h = 1024;
    if (seer_graphdef_import_file(pb, NULL, NULL, &g, NULL) == SEER_OK && g->n_inputs > 0) {
        const struct seer_tensor *t = &g->inputs[0]->t;
        if (t->ndim == 4 && t->dims[1] > 0 && t->dims[2] > 0 && t->dims[1] <= 16384 &&
            t->dims[2] <= 16384) {
            *h = (int)t->dims[1];
            *w = (int)t->dims[2];
        }
    }
    seer_graph_free(g);
}

/* COCO's label map for models without one: line i is category id i, "???" for ids COCO
 * does not use (and the background, 0). */
static int write_coco_labels(struct job *j, const char *path)
{
    char text[4096];
    size_t len = 0;

    for (int id = 0; id <= 90; id++) {
        const char *name = "???";
        for (int i = 0; i < SEER__COCO80_N; i++)
            if (seer__coco91_id(i) == id)
                name = seer__coco80_name(i);
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", name);
    }
    int rc = seer_file_write_atomic(path, text, len, j->err);
    return rc ? rc : remember(j, path);
}

static int write_manifest(struct job *j, const char *format, const char *model_file,
                          const char *family, const char *pb, const char *labels, bool coco,
                          const char *src)
{
    cJSON *m = cJSON_CreateObject();
    char path[PATH_MAX], abs[PATH_MAX], *text;
    int rc;

    if (!m)
        return seer_errf(j->err, SEER_ENOMEM, "out of memory");
    cJSON_AddStringToObject(m, "format", format);
    cJSON_AddStringToObject(m, "model", model_file);
    cJSON_AddStringToObject(m, "family", family);
    if (!strcmp(family, "tf-od-api")) {
        int w, h;
        cJSON *in = cJSON_AddObjectToObject(m, "input");
        input_size(pb, &w, &h);
        cJSON_AddNumberToObject(in, "width", w);
        cJSON_AddNumberToObject(in, "height", h);
        cJSON_AddStringToObject(in, "dtype", "uint8");
    }
    if (labels)
        cJSON_AddStringToObject(m, "labels", labels);
    if (coco)
        cJSON_AddStringToObject(m, "label_ids", "coco91");
    cJSON_AddStringToObject(m, "source", realpath(src, abs) ? abs : src);
    text = cJSON_Print(m);
    cJSON_Delete(m);
    if (!text)
        return seer_errf(j->err, SEER_ENOMEM, "out of memory");
    rc = join(j, path, j->tmp, SEER__MANIFEST_NAME);
    if (!rc)
        rc = seer_file_write_atomic(path, text, strlen(text), j->err);
    cJSON_free(text);
    return rc ? rc : remember(j, path);
}

static int build(struct job *j, const char *src, const char *file, const char *format,
                 const struct seer__import_opts *o, struct seer__import_result *res)
{
    char dst[PATH_MAX], from[PATH_MAX];
    const char *labels = NULL, *family = "generic", *model_file = base_name(file);
    bool coco = false;
    int rc;

    rc = join(j, dst, j->tmp, model_file);
    if (!rc)
        rc = copy_file(j, file, dst);
    if (!rc && !strcmp(format, "savedmodel")) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", file);
        *strrchr(dir, '/') = '\0';
        if (!(rc = join(j, from, dir, "variables")) && !(rc = join(j, dst, j->tmp, "variables")) &&
            is_dir(from))
            rc = copy_dir(j, from, dst);
    }
    if (rc)
        return rc;
    if (!strcmp(format, "graphdef") && is_od_api(file))
        family = "tf-od-api";
    if (o->labels) {
        labels = ends_with(o->labels, ".pbtxt") ? "label_map.pbtxt" : "labels.txt";
        rc = join(j, dst, j->tmp, labels);
        if (!rc)
            rc = copy_file(j, o->labels, dst);
    } else if (!strcmp(family, "tf-od-api")) {
        labels = "labels.txt";
        coco = true;
        rc = join(j, dst, j->tmp, labels);
        if (!rc)
            rc = write_coco_labels(j, dst);
    }
    if (!rc)
        rc = write_manifest(j, format, model_file, family, file, labels, coco, src);
    res->format = !strcmp(format, "graphdef") ? "graphdef" : "savedmodel";
    res->family = !strcmp(family, "tf-od-api") ? "tf-od-api" : "generic";
    return rc;
}

int seer__model_import(const char *src, const struct seer__import_opts *o,
                       struct seer__import_result *res, struct seer_err *err)
{
    struct job *j = seer_calloc(1, sizeof(*j));
    const char *models = o && o->models_dir ? o->models_dir : "./models";
    int version = o && o->version > 0 ? o->version : 1;
    struct seer__import_opts opts = {0};
    struct seer_model_opts mo = {.n_threads = 1};
    struct seer_model *m = NULL;
    char file[PATH_MAX], parent[PATH_MAX];
    const char *format = NULL;
    bool made_parent = false;
    int rc;

    memset(res, 0, sizeof(*res));
    if (!j)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (o)
        opts = *o;
    j->err = err;
    rc = find_model(src, file, sizeof(file), &format, err);
    if (rc)
        goto out;
    if (opts.name)
        snprintf(res->name, sizeof(res->name), "%s", opts.name);
    else
        default_name(src, file, res->name, sizeof(res->name));
    if (!seer__model_name_ok(res->name)) {
        rc = seer_errf(err, SEER_EINVAL,
                       "'%s' is not a model name (letters, digits, '.', '_', "
                       "'-'; give one with --name)",
                       res->name);
        goto out;
    }
    if ((size_t)snprintf(parent, sizeof(parent), "%s/%s", models, res->name) >= sizeof(parent) ||
        (size_t)snprintf(res->dir, sizeof(res->dir), "%s/%d", parent, version) >=
            sizeof(res->dir) - 16) {
        rc = seer_errf(err, SEER_ELIMIT, "%s: the path is too long", models);
        goto out;
    }
    if (mkdir(models, 0755) != 0 && errno != EEXIST) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", models, strerror(errno));
        goto out;
    }
    if (mkdir(parent, 0755) == 0)
        made_parent = true;
    else if (errno != EEXIST) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", parent, strerror(errno));
        goto out;
    }
    if (access(res->dir, F_OK) == 0) {
        rc = seer_errf(err, SEER_EINVAL, "%s already exists (import as another --version)",
                       res->dir);
        goto out;
    }
    if ((size_t)snprintf(j->tmp, sizeof(j->tmp), "%s/.import-XXXXXX", parent) >= sizeof(j->tmp) ||
        !mkdtemp(j->tmp)) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", parent, strerror(errno));
        j->tmp[0] = '\0';
        goto out;
    }
    rc = build(j, src, file, format, &opts, res);
    if (!rc)
        rc = seer_model_load(j->tmp, res->name, version, &mo, &m, err);
    if (rc)
        goto out;
    res->n_labels = seer_model_n_labels(m);
    seer_model_unref(m);
    if (rename(j->tmp, res->dir) != 0) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", res->dir, strerror(errno));
        goto out;
    }
    j->tmp[0] = '\0';
    j->n_files = 0;
out:
    undo(j);
    /* A model folder made for this import goes too when the import failed. */
    if (rc && made_parent)
        rmdir(parent);
    seer_free(j);
    return rc;
}
