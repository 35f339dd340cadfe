/*
 * The model repository: models/<name>/<version>/ folders mapped to loaded models.
 *
 * One mutex guards the entry table; loading (seconds for a big model) happens outside
 * it, so seer_repo_get never waits for a load. Scans are serialised by a second mutex.
 * A version that fails to load is recorded as FAILED with its error and never replaces
 * what is serving: seer_repo_get(name, 0) keeps returning the highest AVAILABLE one.
 * A FAILED version is retried by a later scan once its folder changes (its files'
 * modification times), so fixing a broken package needs no restart.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/log.h"
#include "repo/repo_int.h"

struct entry {
    char *name; /* owned */
    int version;
    char *dir; /* owned: <repo>/<name>/<folder> */
    enum seer_model_state state;
    struct seer_model *model; /* a reference, when AVAILABLE */
    char *error;              /* owned, when FAILED */
    char *format, *family;    /* owned, when FAILED and its manifest parses */
    int in_w, in_h;           /*   (so a listing can still say what it is) */
    long long stamp;          /* folder change stamp at the last load attempt */
    bool seen;                /* found by the current scan */
};

struct seer_repo {
    char *dir;
    struct seer_model_opts opts;
    pthread_mutex_t mu;      /* guards e, n, cap */
    pthread_mutex_t scan_mu; /* one scan at a time */
    struct entry *e;
    int n, cap;
};

long long seer__version_parse(const char *name)
{
    long long v = 0;
    size_t len = strlen(name);

    /* 18 digits cannot overflow; TF Serving pads to 8 or so, nobody writes 19. */
    if (len == 0 || len > 18)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v >= 1 && v <= INT_MAX ? v : -1;
}

bool seer__model_name_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 128 || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void entry_clear(struct entry *e)
{
    seer_model_unref(e->model);
    seer_free(e->name);
    seer_free(e->dir);
    seer_free(e->error);
    seer_free(e->format);
    seer_free(e->family);
    memset(e, 0, sizeof(*e));
}

/* A cheap "did this folder change" stamp: the newest modification time (ns) of the
 * folder and the files directly in it. */
static long long folder_stamp(const char *dir)
{
    struct stat st;
    long long best = 0;
    DIR *d;
    struct dirent *de;
    char path[PATH_MAX];

    if (stat(dir, &st) == 0)
        best = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    d = opendir(dir);
    if (!d)
        return best;
    while ((de = readdir(d))) {
        long long t;

        if (de->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
            stat(path, &st) != 0)
            continue;
        t = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        best = t > best ? t : best;
    }
    closedir(d);
    return best;
}

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A version folder found on disk by the current scan. */
struct found {
    char name[256];
    int version;
    char dir[PATH_MAX];
};

static int cmp_found(const void *pa, const void *pb)
{
    const struct found *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);

    if (c)
        return c;
    if (a->version != b->version)
        return a->version < b->version ? -1 : 1;
    /* "1" and "001" both say version 1: the shorter (canonical) name wins. */
    return (strlen(a->dir) > strlen(b->dir)) - (strlen(a->dir) < strlen(b->dir));
}

static int push_found(struct found **v, int *n, int *cap, const char *name, int version,
                      const char *dir)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 16;
        struct found *nv = nc <= 1 << 16 ? seer_realloc(*v, (size_t)nc * sizeof(**v)) : NULL;

        if (!nv)
            return nc <= 1 << 16 ? SEER_ENOMEM : SEER_ELIMIT;
        *v = nv;
        *cap = nc;
    }
    snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
    (*v)[*n].version = version;
    snprintf((*v)[*n].dir, sizeof((*v)[*n].dir), "%s", dir);
    (*n)++;
    return SEER_OK;
}

/* Every <name>/<version>/ folder under the repository, sorted, duplicates dropped. */
static int list_disk(const char *root, struct found **out, int *n_out, struct seer_err *err)
{
    struct found *v = NULL;
    int n = 0, cap = 0, rc = SEER_OK, w = 0;
    DIR *d = opendir(root), *vd;
    struct dirent *de, *ve;
    char mdir[PATH_MAX], vdir[PATH_MAX];

    *out = NULL;
    *n_out = 0;
    if (!d)
        return seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO,
                         "%s: cannot open the model repository: %s", root, strerror(errno));
    while (rc == SEER_OK && (de = readdir(d))) {
        if (!seer__model_name_ok(de->d_name))
            continue;
        if (snprintf(mdir, sizeof(mdir), "%s/%s", root, de->d_name) >= (int)sizeof(mdir) ||
            !is_dir(mdir))
            continue;
        vd = opendir(mdir);
        if (!vd)
            continue;
        while (rc == SEER_OK && (ve = readdir(vd))) {
            long long ver = seer__version_parse(ve->d_name);

            if (ver < 1 ||
                snprintf(vdir, sizeof(vdir), "%s/%s", mdir, ve->d_name) >= (int)sizeof(vdir) ||
                !is_dir(vdir))
                continue;
            rc = push_found(&v, &n, &cap, de->d_name, (int)ver, vdir);
        }
        closedir(vd);
    }
    closedir(d);
    if (rc) {
        seer_free(v);
        return seer_errf(err, rc, "%s: too many model folders", root);
    }
    if (n)
        qsort(v, (size_t)n, sizeof(*v), cmp_found);
    for (int i = 0; i < n; i++) {
        if (w > 0 && !strcmp(v[w - 1].name, v[i].name) && v[w - 1].version == v[i].version) {
            seer_log_warn("models: %s and %s are both version %d; using the first", v[w - 1].dir,
                          v[i].dir, v[i].version);
            continue;
        }
        v[w++] = v[i];
    }
    *out = v;
    *n_out = w;
    return SEER_OK;
}

/* Index of (name, version) in the table, or -1. Caller holds mu. */
static int find_entry(const struct seer_repo *r, const char *name, int version)
{
    for (int i = 0; i < r->n; i++)
        if (r->e[i].version == version && !strcmp(r->e[i].name, name))
            return i;
    return -1;
}

/* Appends a LOADING entry. Caller holds mu. */
static int add_entry(struct seer_repo *r, const struct found *f)
{
    struct entry *e;

    if (r->n == r->cap) {
        int nc = r->cap ? r->cap * 2 : 16;
        struct entry *ne = seer_realloc(r->e, (size_t)nc * sizeof(*ne));

        if (!ne)
            return -1;
        r->e = ne;
        r->cap = nc;
    }
    e = &r->e[r->n];
    memset(e, 0, sizeof(*e));
    e->name = seer_strdup(f->name);
    e->dir = seer_strdup(f->dir);
    e->version = f->version;
    e->state = SEER_MODEL_LOADING;
    if (!e->name || !e->dir) {
        entry_clear(e);
        return -1;
    }
    return r->n++;
}

/* What a version that failed to load says it is, when its manifest (or its files) tell:
 * format, family and input size for listings. Best effort: NULLs when unknown. */
static void failed_summary(const char *dir, char **format, char **family, int *w, int *h)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_manifest m;
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *format = *family = NULL;
    *w = *h = 0;
    if (!a || snprintf(path, sizeof(path), "%s/" SEER__MANIFEST_NAME, dir) >= (int)sizeof(path))
        goto out;
    rc = seer_file_read(path, SEER__MANIFEST_MAX_BYTES, &buf, &n, NULL);
    if (rc == SEER_ENOTFOUND)
        rc = seer__manifest_default(dir, a, &m, NULL);
    else if (!rc)
        rc = seer__manifest_parse((const char *)buf, n, a, &m, NULL);
    if (rc)
        goto out;
    *format = seer_strdup(m.format);
    *family = seer_strdup(m.family);
    *w = m.input.width;
    *h = m.input.height;
out:
    seer_free(buf);
    seer_arena_free(a);
}

/* Loads one version outside the lock and records the outcome. Only the scanning thread
 * adds or removes entries, so looking the entry up again by key is safe. */
static void load_version(struct seer_repo *r, const char *name, int version, const char *dir)
{
    struct seer_model *m = NULL;
    struct seer_err err = {{0}};
    long long stamp = folder_stamp(dir);
    int rc = seer_model_load(dir, name, version, &r->opts, &m, &err);
    char *msg = NULL, *format = NULL, *family = NULL;
    int i, w = 0, h = 0;

    if (rc) {
        failed_summary(dir, &format, &family, &w, &h);
        msg = seer_strdup(err.msg[0] ? err.msg : seer_status_name(rc));
        seer_log_warn("models: %s version %d failed to load: %s", name, version,
                      err.msg[0] ? err.msg : seer_status_name(rc));
    }
    pthread_mutex_lock(&r->mu);
    i = find_entry(r, name, version);
    if (i >= 0) {
        struct entry *e = &r->e[i];

        seer_free(e->error);
        seer_free(e->format);
        seer_free(e->family);
        e->error = msg;
        e->format = format;
        e->family = family;
        e->in_w = w;
        e->in_h = h;
        msg = format = family = NULL;
        e->state = rc ? SEER_MODEL_FAILED : SEER_MODEL_AVAILABLE;
        e->model = m;
        m = NULL;
        e->stamp = stamp;
    }
    pthread_mutex_unlock(&r->mu);
    seer_free(msg);
    seer_free(format);
    seer_free(family);
    seer_model_unref(m);
}

int seer_repo_scan(struct seer_repo *r, struct seer_err *err)
{
    struct found *f = NULL;
    int n_found = 0, changes = 0, rc;

    pthread_mutex_lock(&r->scan_mu);
    rc = list_disk(r->dir, &f, &n_found, err);
    if (rc)
        goto out;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        r->e[i].seen = false;
    pthread_mutex_unlock(&r->mu);
    for (int k = 0; k < n_found; k++) {
        bool load = false;
        int i;

        pthread_mutex_lock(&r->mu);
        i = find_entry(r, f[k].name, f[k].version);
        if (i < 0) {
            i = add_entry(r, &f[k]);
            if (i < 0) {
                pthread_mutex_unlock(&r->mu);
                rc = seer_errf(err, SEER_ENOMEM, "models: out of memory");
                goto out;
            }
            load = true;
        } else if (r->e[i].state == SEER_MODEL_FAILED &&
                   folder_stamp(r->e[i].dir) != r->e[i].stamp) {
            r->e[i].state = SEER_MODEL_LOADING;
            load = true;
        }
        r->e[i].seen = true;
        pthread_mutex_unlock(&r->mu);
        if (load) {
            load_version(r, f[k].name, f[k].version, f[k].dir);
            changes++;
        }
    }
    /* Versions whose folder is gone stop serving; callers holding a reference keep
     * their model until they let go. */
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n;) {
        if (r->e[i].seen) {
            i++;
            continue;
        }
        seer_log_info("models: %s version %d removed", r->e[i].name, r->e[i].version);
        entry_clear(&r->e[i]);
        memmove(&r->e[i], &r->e[i + 1], (size_t)(r->n - i - 1) * sizeof(r->e[0]));
        r->n--;
        changes++;
    }
    pthread_mutex_unlock(&r->mu);
    rc = changes;
out:
    pthread_mutex_unlock(&r->scan_mu);
    seer_free(f);
    return rc;
}

int seer_repo_open(const char *dir, const struct seer_model_opts *o, struct seer_repo **out,
                   struct seer_err *err)
{
    struct seer_repo *r;
    int rc;

    *out = NULL;
    if (!is_dir(dir))
        return seer_errf(err, SEER_ENOTFOUND, "%s: no such model repository folder", dir);
    r = seer_calloc(1, sizeof(*r));
    if (!r)
        return seer_errf(err, SEER_ENOMEM, "models: out of memory");
    r->dir = seer_strdup(dir);
    if (!r->dir) {
        seer_free(r);
        return seer_errf(err, SEER_ENOMEM, "models: out of memory");
    }
    if (o)
        r->opts = *o;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->scan_mu, NULL);
    rc = seer_repo_scan(r, err);
    if (rc < 0) {
        seer_repo_free(r);
        return rc;
    }
    *out = r;
    return SEER_OK;
}

void seer_repo_free(struct seer_repo *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        entry_clear(&r->e[i]);
    seer_free(r->e);
    seer_free(r->dir);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->scan_mu);
    seer_free(r);
}

int seer_repo_get(struct seer_repo *r, const char *name, int version, struct seer_model **out,
                  struct seer_err *err)
{
    int best = -1, any = 0, rc = SEER_OK;

    *out = NULL;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];

        if (strcmp(e->name, name))
            continue;
        any++;
        if (version > 0 && e->version != version)
            continue;
        if (version > 0 && e->state != SEER_MODEL_AVAILABLE) {
            rc = seer_errf(err, SEER_ENOTFOUND, "model '%s' version %d is not available: %s", name,
                           version,
                           e->state == SEER_MODEL_LOADING ? "still loading"
                                                          : (e->error ? e->error : "failed"));
            goto out;
        }
        if (e->state == SEER_MODEL_AVAILABLE && (best < 0 || e->version > r->e[best].version))
            best = i;
    }
    if (best < 0) {
        if (!any)
            rc = seer_errf(err, SEER_ENOTFOUND, "model '%s' not found in %s", name, r->dir);
        else if (version > 0)
            rc = seer_errf(err, SEER_ENOTFOUND, "model '%s' has no version %d", name, version);
        else
            rc = seer_errf(err, SEER_ENOTFOUND, "model '%s' has no available version", name);
        goto out;
    }
    seer_model_ref(r->e[best].model);
    *out = r->e[best].model;
out:
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct seer_repo_entry *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);

    return c ? c : (a->version > b->version) - (a->version < b->version);
}

/* Copies a string into the arena; NULL stays NULL. */
static bool dup_into(struct seer_arena *a, const char *s, const char **out)
{
    *out = s ? seer_arena_strdup(a, s) : NULL;
    return !s || *out;
}

int seer_repo_list(struct seer_repo *r, struct seer_arena *a, struct seer_repo_entry **out, int *n)
{
    struct seer_repo_entry *v;
    int rc = SEER_OK;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&r->mu);
    v = seer_arena_array(a, (size_t)(r->n > 0 ? r->n : 1), sizeof(*v));
    if (!v) {
        rc = SEER_ENOMEM;
        goto out;
    }
    for (int i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];
        const struct seer_manifest *m = e->model ? seer_model_manifest(e->model) : NULL;

        v[i].version = e->version;
        v[i].state = e->state;
        v[i].input_width = m ? m->input.width : e->in_w;
        v[i].input_height = m ? m->input.height : e->in_h;
        if (!dup_into(a, e->name, &v[i].name) || !dup_into(a, e->error, &v[i].error) ||
            !dup_into(a, m ? m->format : e->format, &v[i].format) ||
            !dup_into(a, m ? m->family : e->family, &v[i].family)) {
            rc = SEER_ENOMEM;
            goto out;
        }
    }
    qsort(v, (size_t)r->n, sizeof(*v), cmp_entry);
    *out = v;
    *n = r->n;
out:
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static int cmp_version_desc(const void *pa, const void *pb)
{
    const struct found *a = pa, *b = pb;

    return (a->version < b->version) - (a->version > b->version);
}

/* Tries the version folders of one model from the highest down. */
static int load_highest(const char *mdir, const char *name, const struct seer_model_opts *o,
                        struct seer_model **out, struct seer_err *err)
{
    struct found *v = NULL;
    int n = 0, cap = 0, rc = SEER_OK;
    struct seer_err first = {{0}};
    int first_rc = 0;
    DIR *d = opendir(mdir);
    struct dirent *de;
    char vdir[PATH_MAX];

    if (!d)
        return seer_errf(err, SEER_ENOTFOUND, "%s: cannot open the folder", mdir);
    while (rc == SEER_OK && (de = readdir(d))) {
        long long ver = seer__version_parse(de->d_name);

        if (ver < 1 ||
            snprintf(vdir, sizeof(vdir), "%s/%s", mdir, de->d_name) >= (int)sizeof(vdir) ||
            !is_dir(vdir))
            continue;
        rc = push_found(&v, &n, &cap, name ? name : "", (int)ver, vdir);
    }
    closedir(d);
    if (rc) {
        seer_free(v);
        return seer_errf(err, rc, "%s: too many version folders", mdir);
    }
    if (n == 0) {
        seer_free(v);
        return seer_errf(err, SEER_ENOTFOUND, "%s: no version folders (1/, 2/, ...)", mdir);
    }
    qsort(v, (size_t)n, sizeof(*v), cmp_version_desc);
    rc = SEER_ENOTFOUND;
    for (int i = 0; i < n; i++) {
        struct seer_err e = {{0}};

        rc = seer_model_load(v[i].dir, name, v[i].version, o, out, &e);
        if (!rc) {
            if (first_rc)
                seer_log_warn("%s; using version %d", first.msg, v[i].version);
            break;
        }
        if (!first_rc) {
            first = e;
            first_rc = rc;
        }
    }
    if (rc)
        rc = seer_errf(err, first_rc, "%s", first.msg);
    seer_free(v);
    return rc;
}

/* A folder holds a model itself (rather than version folders) when it has a manifest or
 * a model file. */
static bool holds_model(const char *dir)
{
    struct seer_arena *a = seer_arena_new(1024);
    struct seer_manifest m;
    char path[PATH_MAX];
    bool yes;

    if (snprintf(path, sizeof(path), "%s/" SEER__MANIFEST_NAME, dir) < (int)sizeof(path) &&
        access(path, F_OK) == 0) {
        seer_arena_free(a);
        return true;
    }
    yes = a && seer__manifest_default(dir, a, &m, NULL) == SEER_OK;
    seer_arena_free(a);
    return yes;
}

int seer__repo_load_one(const char *models_dir, const char *spec, const struct seer_model_opts *o,
                        struct seer_model **out, struct seer_err *err)
{
    char mdir[PATH_MAX];

    *out = NULL;
    /* A name is looked up in the repository; anything that looks like a path, or names a
     * folder that exists while the repository has no such model, is a folder. */
    if (seer__model_name_ok(spec) && !strchr(spec, '/')) {
        if (snprintf(mdir, sizeof(mdir), "%s/%s", models_dir, spec) < (int)sizeof(mdir) &&
            is_dir(mdir))
            return load_highest(mdir, spec, o, out, err);
        if (!is_dir(spec))
            return seer_errf(err, SEER_ENOTFOUND,
                             "model '%s' not found in %s (scripts/setup installs the default "
                             "models; --model PATH loads a folder)",
                             spec, models_dir);
    }
    if (!is_dir(spec))
        return seer_errf(err, SEER_ENOTFOUND, "%s: no such model folder", spec);
    if (holds_model(spec))
        return seer_model_load(spec, NULL, 0, o, out, err);
    return load_highest(spec, NULL, o, out, err);
}
