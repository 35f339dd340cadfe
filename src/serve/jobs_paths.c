/*
 * Where batch jobs may read and write: the job roots.
 *
 * A job names its inputs and output folder in a request, so without a check any logged-in
 * user could read /etc/shadow through a job or write results over a system file. Every path
 * is therefore made absolute (relative paths hang off the first root), refused if it has a
 * '..' component, and resolved with realpath() so symlinks and '.' are followed before the
 * check: the real path must be a root or lie inside one. Patterns are checked on their
 * folder part before the first wildcard, and every file they match is checked again, which
 * catches a symlink inside a root that points out of it.
 *
 * What this does not stop: someone who can write inside a root swapping a checked file for
 * a symlink between the check and the read. Roots should not be writable by people who must
 * not read what the server can read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "serve/jobs.h"

void seer__job_roots_clear(struct seer__job_roots *r)
{
    for (int i = 0; i < r->n; i++)
        seer_free(r->v[i]);
    memset(r, 0, sizeof(*r));
}

/* mkdir -p with mode 0755; EEXIST is fine. */
static int make_dirs(const char *path, struct seer_err *err)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n >= sizeof(buf))
        return seer_errf(err, SEER_EINVAL, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (char *s = buf + 1;; s++) {
        char c = *s;

        if (c != '/' && c)
            continue;
        *s = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return seer_errf(err, SEER_EIO, "%s: cannot create: %s", buf, strerror(errno));
        *s = c;
        if (!c)
            break;
    }
    return SEER_OK;
}

int seer__job_roots_add(struct seer__job_roots *r, const char *dir, bool create,
                        struct seer_err *err)
{
    char real[PATH_MAX];
    struct stat st;
    int rc;

    if (r->n >= SEER__JOBS_MAX_ROOTS)
        return seer_errf(err, SEER_ELIMIT, "at most %d job roots", SEER__JOBS_MAX_ROOTS);
    if (create && (rc = make_dirs(dir, err)))
        return rc;
    if (!realpath(dir, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return seer_errf(err, SEER_ENOTFOUND, "job root %s: not a folder", dir);
    if (!(r->v[r->n] = seer_strdup(real)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    r->n++;
    return SEER_OK;
}

bool seer__job_roots_contain(const struct seer__job_roots *r, const char *p)
{
    for (int i = 0; i < r->n; i++) {
        size_t n = strlen(r->v[i]);

        if (n == 1 && r->v[i][0] == '/')
            return p[0] == '/';
        if (!strncmp(p, r->v[i], n) && (p[n] == '\0' || p[n] == '/'))
            return true;
    }
    return false;
}

static bool has_dotdot(const char *p)
{
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return true;
    return false;
}

/* path made absolute against the first root, into buf. */
static int absolute(const struct seer__job_roots *r, const char *what, const char *path, char *buf,
                    size_t cap, struct seer_err *err)
{
    int n;

    if (!path || !*path)
        return seer_errf(err, SEER_EINVAL, "%s: empty path", what);
    if (has_dotdot(path))
        return seer_errf(err, SEER_EINVAL, "%s: '..' is not allowed in '%s'", what, path);
    if (r->n == 0)
        return seer_errf(err, SEER_EINVAL, "%s: the server has no job roots", what);
    n = path[0] == '/' ? snprintf(buf, cap, "%s", path)
                       : snprintf(buf, cap, "%s/%s", r->v[0], path);
    if (n < 0 || (size_t)n >= cap)
        return seer_errf(err, SEER_EINVAL, "%s: path too long", what);
    return SEER_OK;
}

static int outside(const char *what, const char *path, const char *real, struct seer_err *err)
{
    if (!strcmp(path, real))
        return seer_errf(err, SEER_EINVAL, "%s: '%s' is outside the job roots", what, path);
    return seer_errf(err, SEER_EINVAL, "%s: '%s' resolves to '%s', outside the job roots", what,
                     path, real);
}

int seer__job_pattern(const struct seer__job_roots *r, const char *pattern, char **out,
                      struct seer_err *err)
{
    char abs[PATH_MAX], head[PATH_MAX], real[PATH_MAX], *wild, *slash, *res;
    size_t k, need;
    int rc;

    *out = NULL;
    if ((rc = absolute(r, "inputPaths", pattern, abs, sizeof(abs), err)))
        return rc;
    /* The folder part: everything before the component holding the first wildcard (or
     * before the last component when there is none). */
    memcpy(head, abs, strlen(abs) + 1);
    wild = strpbrk(head, "*?[\\");
    if (wild)
        *wild = '\0';
    slash = strrchr(head, '/');
    k = slash ? (size_t)(slash - head) : 0;
    head[k ? k : 1] = '\0';
    if (!realpath(head, real))
        return seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EINVAL,
                         "inputPaths: no folder '%s'", head);
    need = strlen(real) + strlen(abs + k) + 1;
    if (!(res = seer_malloc(need)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    /* abs + k starts with the '/' before the rest (k is 0 only for a file in "/"). */
    snprintf(res, need, "%s%s", strcmp(real, "/") ? real : "", abs + k);
    if (!seer__job_roots_contain(r, real)) {
        rc = outside("inputPaths", abs, res, err);
        seer_free(res);
        return rc;
    }
    *out = res;
    return SEER_OK;
}

int seer__job_file_check(const struct seer__job_roots *r, const char *path, struct seer_err *err)
{
    char real[PATH_MAX];

    /* A file that vanished fails when it is read, like any unreadable input. */
    if (!realpath(path, real))
        return SEER_OK;
    if (!seer__job_roots_contain(r, real))
        return outside("inputPaths", path, real, err);
    return SEER_OK;
}

int seer__job_output(const struct seer__job_roots *r, const char *path, bool create, char **out,
                     struct seer_err *err)
{
    char abs[PATH_MAX], head[PATH_MAX], real[PATH_MAX];
    struct stat st;
    size_t k;
    int rc;

    *out = NULL;
    if ((rc = absolute(r, "outputPath", path, abs, sizeof(abs), err)))
        return rc;
    /* The deepest part that exists decides where the folder really is. */
    memcpy(head, abs, strlen(abs) + 1);
    for (;;) {
        if (realpath(head, real))
            break;
        if (errno != ENOENT)
            return seer_errf(err, SEER_EINVAL, "outputPath: %s: %s", head, strerror(errno));
        k = strrchr(head, '/') ? (size_t)(strrchr(head, '/') - head) : 0;
        head[k ? k : 1] = '\0';
    }
    if (!seer__job_roots_contain(r, real))
        return outside("outputPath", head, real, err);
    if (!create) {
        *out = seer_strdup(abs);
        return *out ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    if ((rc = make_dirs(abs, err)))
        return rc;
    /* Checked again once it exists: a component created meanwhile could be a symlink. */
    if (!realpath(abs, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return seer_errf(err, SEER_EINVAL, "outputPath: '%s' is not a folder", path);
    if (!seer__job_roots_contain(r, real))
        return outside("outputPath", abs, real, err);
    *out = seer_strdup(real);
    return *out ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}
