/*
 * A loaded model: manifest, labels, the prepared graph and a pool of plans.
 *
 * The model is immutable after load and shared by reference (atomic count). Each
 * inference borrows a plan from the pool: plans are made on demand, so N concurrent
 * callers end up with N plans and none ever waits for another (a plan is one set of
 * activation buffers and runs one inference at a time).
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/log.h"
#include "detect/detect_int.h"
#include "import/import.h"
#include "repo/repo_int.h"

/* Labels files are a few KB; this only stops a wrong file from being slurped. */
#define LABELS_MAX_BYTES (4u << 20)

struct seer_model {
    atomic_int refs;
    struct seer_arena *arena; /* owns name, dir, manifest strings, labels, ids */
    const char *name, *dir;
    int version;
    struct seer_manifest man;
    struct seer_graph *graph;    /* owns */
    struct seer_signature *sigs; /* a SavedModel's, in the arena */
    int n_sigs;
    const char **labels; /* n_labels names */
    int *ids;            /* category id per label */
    int n_labels;
    struct seer_plan_opts popts;
    pthread_mutex_t mu;      /* guards idle, n_idle, cap_idle */
    struct seer_plan **idle; /* owns the plans nobody is using */
    int n_idle, cap_idle;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void model_free(struct seer_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_idle; i++)
        seer_plan_free(m->idle[i]);
    seer_free(m->idle);
    seer_graph_free(m->graph);
    pthread_mutex_destroy(&m->mu);
    seer_arena_free(m->arena);
    seer_free(m);
}

void seer_model_ref(struct seer_model *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void seer_model_unref(struct seer_model *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        model_free(m);
}

/* The one place that maps a manifest format to its importer. Formats whose importer has
 * not been written yet are refused here with a clear message. */
static int import_graph(struct seer_model *m, const char *path, const struct seer_limits *lim,
                        struct seer_graph **g, struct seer_err *err)
{
    const struct seer_manifest *man = &m->man;
    const char *f = man->format;
    struct seer_import_opts io = {0};

    /* A graph that leaves its input size open gets the manifest's. */
    if (man->input.width > 0) {
        io.input_ndim = 4;
        io.input_dims[0] = 1;
        io.input_dims[1] = man->input.nchw ? 3 : man->input.height;
        io.input_dims[2] = man->input.nchw ? man->input.height : man->input.width;
        io.input_dims[3] = man->input.nchw ? man->input.width : 3;
    }
    if (!strcmp(f, "tfjs"))
        return seer_tfjs_import_file_opts(path, lim, &io, g, err);
    if (!strcmp(f, "tflite"))
        return seer_tflite_import_file(path, lim, g, err);
    if (!strcmp(f, "graphdef")) {
        /* A TF Object Detection API export takes the photo at its own size and has four
         * outputs by name; other graphs take the manifest's size and every sink. */
        static const char *const od_outputs[] = {"detection_boxes", "detection_scores",
                                                 "detection_classes", "num_detections"};
        if (!strcmp(man->family, "tf-od-api")) {
            struct seer_import_opts od = {.outputs = od_outputs, .n_outputs = 4};
            return seer_graphdef_import_file(path, lim, &od, g, err);
        }
        return seer_graphdef_import_file(path, lim, &io, g, err);
    }
    /* A SavedModel is its folder: saved_model.pb and variables/ (the manifest's model
     * names the .pb). */
    if (!strcmp(f, "savedmodel"))
        return seer_savedmodel_import_dir(m->dir, lim, m->arena, &m->sigs, &m->n_sigs, g, err);
    return seer_errf(err, SEER_EUNSUPPORTED, "format '%s' is not supported yet", f);
}

/* "a/b/c/" -> "a/b/c": trailing slashes would make the parent-name logic see "". */
static char *dup_dir(struct seer_arena *a, const char *dir)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    return seer_arena_strndup(a, dir, n);
}

/* Name and version from the folder when the caller gave none: models/<name>/<version>. */
static int name_from_dir(struct seer_model *m, const char *name, int version, struct seer_err *err)
{
    char abs[PATH_MAX], *slash, *base;
    long long v;

    if (!realpath(m->dir, abs))
        return seer_errf(err, SEER_ENOTFOUND, "%s: no such model folder", m->dir);
    slash = strrchr(abs, '/');
    base = slash ? slash + 1 : abs;
    v = seer__version_parse(base);
    m->version = version > 0 ? version : v > 0 ? (int)v : 1;
    if (!name) {
        name = base;
        /* A versioned folder is named after its parent; a bare model folder after
         * itself. */
        if (v > 0 && slash && slash != abs) {
            *slash = '\0';
            slash = strrchr(abs, '/');
            name = slash ? slash + 1 : abs;
        }
    }
    m->name = seer_arena_strdup(m->arena, name[0] ? name : "model");
    return m->name ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}

static int load_manifest(struct seer_model *m, struct seer_err *err)
{
    char *path = seer_arena_printf(m->arena, "%s/" SEER__MANIFEST_NAME, m->dir);
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    if (!path)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer_file_read(path, SEER__MANIFEST_MAX_BYTES, &buf, &n, err);
    if (rc == SEER_ENOTFOUND)
        return seer__manifest_default(m->dir, m->arena, &m->man, err);
    if (rc)
        return rc;
    rc = seer__manifest_parse((const char *)buf, n, m->arena, &m->man, err);
    if (rc)
        seer_err_prefix(err, "%s/", m->dir);
    seer_free(buf);
    return rc;
}

static int load_labels(struct seer_model *m, struct seer_err *err)
{
    const struct seer_manifest *man = &m->man;
    bool coco = man->label_ids && !strcmp(man->label_ids, "coco91");
    int rc = SEER_OK;

    if (man->labels) {
        char *path = seer_arena_printf(m->arena, "%s/%s", m->dir, man->labels);
        uint8_t *buf = NULL;
        size_t n = 0;

        if (!path)
            return seer_errf(err, SEER_ENOMEM, "out of memory");
        rc = seer_file_read(path, LABELS_MAX_BYTES, &buf, &n, err);
        /* A TF Object Detection API label map (.pbtxt) gives names by id. */
        if (!rc && n > 6 && !strcmp(path + strlen(path) - 6, ".pbtxt"))
            rc = seer__labelmap_parse((const char *)buf, n, path, m->arena, &m->labels,
                                      &m->n_labels, err);
        else if (!rc)
            rc = seer__labels_parse((const char *)buf, n, path, m->arena, &m->labels, &m->n_labels,
                                    err);
        seer_free(buf);
        if (rc)
            return rc;
    } else if (coco) {
        /* "coco91" without a labels file: the built-in COCO names. */
        m->labels = seer_arena_array(m->arena, SEER__COCO80_N, sizeof(*m->labels));
        if (!m->labels)
            return seer_errf(err, SEER_ENOMEM, "out of memory");
        for (int i = 0; i < SEER__COCO80_N; i++)
            m->labels[i] = seer__coco80_name(i);
        m->n_labels = SEER__COCO80_N;
    }
    m->ids =
        seer_arena_array(m->arena, (size_t)(m->n_labels > 0 ? m->n_labels : 1), sizeof(*m->ids));
    if (!m->ids)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (int i = 0; i < m->n_labels; i++) {
        /* 80 labels are COCO's 80 classes in order, whatever they are called; other
         * lists (with "???" placeholders for the unused ids) map by name, -1 for a
         * placeholder. */
        if (!coco)
            m->ids[i] = i;
        else if (m->n_labels == SEER__COCO80_N)
            m->ids[i] = seer__coco91_id(i);
        else
            m->ids[i] = seer__coco91_id_of_name(m->labels[i]);
    }
    return SEER_OK;
}

/* A detector's graph must take the image tensor the manifest describes. */
static int check_input(const struct seer_model *m, struct seer_err *err)
{
    const struct seer_manifest *man = &m->man;
    const struct seer_value *in;
    enum seer_dtype want;
    int64_t d[4];
    char s[96];

    if (!strcmp(man->family, "generic"))
        return SEER_OK;
    if (m->graph->n_inputs < 1)
        return seer_errf(err, SEER_EFORMAT, "%s: the graph has no input", m->dir);
    in = m->graph->inputs[0];
    want = !strcmp(man->input.dtype, "uint8") ? SEER_DTYPE_U8 : SEER_DTYPE_F32;
    d[0] = 1;
    d[1] = man->input.nchw ? 3 : man->input.height;
    d[2] = man->input.nchw ? man->input.height : man->input.width;
    d[3] = man->input.nchw ? man->input.width : 3;
    /* An open dim (-1) takes whatever the photo gives (tf-od-api graphs). */
    for (int i = 0; i < 4 && in->t.ndim == 4; i++)
        if (in->t.dims[i] < 0)
            d[i] = in->t.dims[i];
    if (in->t.dtype != want || in->t.ndim != 4 || in->t.dims[0] != d[0] || in->t.dims[1] != d[1] ||
        in->t.dims[2] != d[2] || in->t.dims[3] != d[3])
        return seer_errf(err, SEER_EFORMAT,
                         "%s: seer.json says input %dx%d %s %s, but the graph's input '%s' "
                         "is %s %s",
                         m->dir, man->input.width, man->input.height,
                         man->input.nchw ? "NCHW" : "NHWC", man->input.dtype, in->name,
                         seer_dtype_name(in->t.dtype), seer_tensor_shape_str(&in->t, s, sizeof(s)));
    return SEER_OK;
}

/* One run on zeros: first-touch page faults, oneDNN primitive creation and lazy
 * allocations happen here instead of in the first user's request. */
static int warm_up(struct seer_model *m, struct seer_err *err)
{
    struct seer_plan *p = NULL;
    int rc = seer_model_acquire_plan(m, &p, err);

    if (rc)
        return rc;
    for (int i = 0; i < seer_plan_n_inputs(p); i++) {
        struct seer_tensor *t = seer_plan_input(p, i);
        size_t nb;

        if (t && t->data && seer_tensor_nbytes(t, &nb))
            memset(t->data, 0, nb);
    }
    rc = seer_plan_run(p, err);
    seer_model_release_plan(m, p);
    return rc;
}

int seer_model_load(const char *dir, const char *name, int version, const struct seer_model_opts *o,
                    struct seer_model **out, struct seer_err *err)
{
    struct seer_model_opts opts = {0};
    struct seer_limits lim;
    struct seer_model *m;
    char *path;
    double t0 = now_ms();
    int rc;

    *out = NULL;
    if (o)
        opts = *o;
    lim = seer_limits_default(&opts.limits);
    m = seer_calloc(1, sizeof(*m));
    if (!m)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    atomic_init(&m->refs, 1);
    pthread_mutex_init(&m->mu, NULL);
    m->popts.n_threads = opts.n_threads;
    m->popts.precision = opts.precision;
    m->arena = seer_arena_new(4096);
    if (!m->arena || !(m->dir = dup_dir(m->arena, dir))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = name_from_dir(m, name, version, err)) || (rc = load_manifest(m, err)) ||
        (rc = load_labels(m, err)))
        goto out;
    path = seer_arena_printf(m->arena, "%s/%s", m->dir, m->man.model);
    if (!path) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    rc = import_graph(m, path, &lim, &m->graph, err);
    if (rc)
        goto out;
    rc = seer_graph_prepare(m->graph, err);
    if (rc) {
        seer_err_prefix(err, "%s: ", path);
        goto out;
    }
    if ((rc = check_input(m, err)))
        goto out;
    if (!opts.no_warmup && (rc = warm_up(m, err))) {
        /* Zeros suit an image model, not every tensor model (an MTCNN with a scale
         * factor of 0): for those a failed warm-up only means the first request pays. */
        if (strcmp(m->man.family, "generic"))
            goto out;
        seer_log_warn("%s: the warm-up run on zeros failed (%s); loading anyway", m->dir,
                      err ? err->msg : "");
        seer_err_clear(err);
        rc = SEER_OK;
    }
    seer_log_debug("loaded %s version %d (%s, %s) from %s in %.0f ms", m->name, m->version,
                   m->man.format, m->man.family, m->dir, now_ms() - t0);
    *out = m;
    m = NULL;
out:
    model_free(m);
    return rc;
}

const char *seer_model_name(const struct seer_model *m)
{
    return m->name;
}

int seer_model_version(const struct seer_model *m)
{
    return m->version;
}

const char *seer_model_dir(const struct seer_model *m)
{
    return m->dir;
}

const struct seer_manifest *seer_model_manifest(const struct seer_model *m)
{
    return &m->man;
}

const struct seer_graph *seer_model_graph(const struct seer_model *m)
{
    return m->graph;
}

int seer_model_signatures(const struct seer_model *m, const struct seer_signature **sigs)
{
    *sigs = m->sigs;
    return m->n_sigs;
}

int seer_model_n_labels(const struct seer_model *m)
{
    return m->n_labels;
}

const char *seer_model_label(const struct seer_model *m, int i)
{
    return i >= 0 && i < m->n_labels ? m->labels[i] : NULL;
}

int seer_model_category_id(const struct seer_model *m, int i)
{
    return i >= 0 && i < m->n_labels ? m->ids[i] : i;
}

int seer_model_acquire_plan(struct seer_model *m, struct seer_plan **out, struct seer_err *err)
{
    int rc;

    *out = NULL;
    pthread_mutex_lock(&m->mu);
    if (m->n_idle > 0)
        *out = m->idle[--m->n_idle];
    pthread_mutex_unlock(&m->mu);
    if (*out)
        return SEER_OK;
    /* Made outside the lock: creating a plan allocates its activation memory, and other
     * callers with an idle plan available should not wait for that. */
    rc = seer_plan_new(m->graph, &m->popts, out, err);
    if (rc)
        seer_err_prefix(err, "%s: ", m->name);
    return rc;
}

void seer_model_release_plan(struct seer_model *m, struct seer_plan *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&m->mu);
    if (m->n_idle == m->cap_idle) {
        int nc = m->cap_idle ? m->cap_idle * 2 : 4;
        struct seer_plan **v = seer_realloc(m->idle, (size_t)nc * sizeof(*v));

        if (v) {
            m->idle = v;
            m->cap_idle = nc;
        }
    }
    if (m->n_idle < m->cap_idle) {
        m->idle[m->n_idle++] = p;
        p = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    /* Out of memory for the pool's array: drop the plan, the next caller makes one. */
    seer_plan_free(p);
}
