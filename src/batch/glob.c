/*
 * File name patterns with '**' for batch inputs.
 *
 * The pattern is split at '/' into components and matched one folder level at a time, so
 * only folders the pattern can reach are listed: a literal component costs one stat, a
 * wildcard component one readdir, and only '**' walks a tree. A component is matched by
 * fnmatch (FNM_PERIOD: '*' does not match a leading dot, as in the shell). '**' matches zero
 * or more folders and never follows a symlinked folder, so a link loop cannot trap it; a
 * trailing '**' means '**' followed by '*' (every file below). Folders we cannot read are skipped
 * silently, as a shell glob does.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>

#include "batch/batch_int.h"
#include "core/alloc.h"

#define MAX_COMPONENTS 128
#define PATH_CAP       4096

struct walk {
    const char *comp[MAX_COMPONENTS];
    int n;
    char path[PATH_CAP];
    seer__glob_fn add;
    void *ctx;
    struct seer_err *err;
};

static bool has_wildcard(const char *s)
{
    return strpbrk(s, "*?[\\") != NULL;
}

/* Appends "/name" (or "name" at the start) to w->path at len; returns the new length, or
 * 0 when the path would not fit. */
static size_t path_push(struct walk *w, size_t len, const char *name)
{
    size_t n = strlen(name), sep = len > 0 && w->path[len - 1] != '/';

    if (len + sep + n + 1 > sizeof(w->path))
        return 0;
    if (sep)
        w->path[len++] = '/';
    memcpy(w->path + len, name, n + 1);
    return len + n;
}

static int walk(struct walk *w, size_t len, int ci, int depth);

/* Every entry of the folder at w->path[0..len) handed to fn-like matching below. */
static int walk_dir(struct walk *w, size_t len, int ci, int depth)
{
    const char *comp = w->comp[ci];
    bool star2 = !strcmp(comp, "**");
    DIR *d;
    struct dirent *e;
    int rc = SEER_OK;

    w->path[len] = '\0';
    d = opendir(len ? w->path : ".");
    if (!d)
        return SEER_OK;
    while (!rc && (e = readdir(d))) {
        size_t nlen;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (star2 ? e->d_name[0] == '.' : fnmatch(comp, e->d_name, FNM_PERIOD) != 0)
            continue;
        nlen = path_push(w, len, e->d_name);
        if (!nlen) {
            w->path[len] = '\0';
            rc = seer_errf(w->err, SEER_ELIMIT, "glob: a path under '%s' is longer than %d bytes",
                           len ? w->path : ".", PATH_CAP - 1);
            break;
        }
        if (star2) {
            struct stat st;
            bool dir = e->d_type == DT_DIR;

            /* d_type is a hint some file systems leave unknown; lstat keeps symlinked
             * folders out of the walk either way. */
            if (e->d_type == DT_UNKNOWN)
                dir = lstat(w->path, &st) == 0 && S_ISDIR(st.st_mode);
            if (dir)
                rc = walk(w, nlen, ci, depth + 1);
        } else {
            rc = walk(w, nlen, ci + 1, depth);
        }
    }
    closedir(d);
    w->path[len] = '\0';
    return rc;
}

/* Matches components ci.. below the folder w->path[0..len) ("" is the working folder). */
static int walk(struct walk *w, size_t len, int ci, int depth)
{
    const char *comp;
    size_t nlen;
    int rc;

    if (depth > SEER_BATCH_GLOB_MAX_DEPTH)
        return SEER_OK;
    if (ci == w->n) {
        struct stat st;

        w->path[len] = '\0';
        if (stat(w->path, &st) != 0 || !S_ISREG(st.st_mode))
            return SEER_OK;
        return w->add(w->ctx, w->path, w->err);
    }
    comp = w->comp[ci];
    if (!strcmp(comp, "**")) {
        /* Zero folders first, then one more level of '**'. */
        rc = walk(w, len, ci + 1, depth);
        return rc ? rc : walk_dir(w, len, ci, depth);
    }
    if (has_wildcard(comp))
        return walk_dir(w, len, ci, depth);
    nlen = path_push(w, len, comp);
    if (!nlen)
        return seer_errf(w->err, SEER_ELIMIT, "glob: pattern path is longer than %d bytes",
                         PATH_CAP - 1);
    rc = walk(w, nlen, ci + 1, depth);
    w->path[len] = '\0';
    return rc;
}

int seer__glob(const char *pattern, seer__glob_fn add, void *ctx, struct seer_err *err)
{
    struct walk *w = NULL;
    char *pat = NULL;
    size_t len = 0;
    int rc = SEER_OK;

    if (!pattern || !*pattern)
        return seer_errf(err, SEER_EINVAL, "glob: empty pattern");
    w = seer_calloc(1, sizeof(*w));
    pat = seer_strdup(pattern);
    if (!w || !pat) {
        rc = seer_errf(err, SEER_ENOMEM, "glob: out of memory");
        goto out;
    }
    w->add = add;
    w->ctx = ctx;
    w->err = err;
    if (pat[0] == '/') {
        w->path[0] = '/';
        len = 1;
    }
    for (char *p = pat, *next; p; p = next) {
        next = strchr(p, '/');
        if (next)
            *next++ = '\0';
        if (!*p)
            continue;
        /* "**" twice in a row is "**" once: it only multiplies the same matches. */
        if (!strcmp(p, "**") && w->n > 0 && !strcmp(w->comp[w->n - 1], "**"))
            continue;
        if (w->n + 2 > MAX_COMPONENTS) {
            rc = seer_errf(err, SEER_ELIMIT, "glob: more than %d components in '%s'",
                           MAX_COMPONENTS - 2, pattern);
            goto out;
        }
        w->comp[w->n++] = p;
    }
    if (w->n == 0) {
        rc = seer_errf(err, SEER_EINVAL, "glob: pattern '%s' names no file", pattern);
        goto out;
    }
    /* A trailing "**" means every file below: "**" + "*". */
    if (!strcmp(w->comp[w->n - 1], "**"))
        w->comp[w->n++] = "*";
    rc = walk(w, len, 0, 0);
out:
    seer_free(pat);
    seer_free(w);
    return rc;
}
