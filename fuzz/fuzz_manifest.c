/*
 * Fuzz target for the model package's text files: the input is parsed as seer.json and
 * as a labels file. Besides "no crash", it checks the contracts: a failure carries a
 * message, a parsed manifest has every field the loader relies on in range, and nothing
 * leaks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "detect/detect_int.h"
#include "repo/repo_int.h"

/* True when path has a ".." component or is absolute: the loader must never see one. */
static bool escapes(const char *path)
{
    if (path[0] == '/')
        return true;
    for (const char *p = path; *p;) {
        size_t seg = strcspn(p, "/");

        if (seg == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += seg + (p[seg] == '/');
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t live = seer_alloc_live(); /* before the arena, which must go too */
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_manifest m;
    struct seer_err err = {{0}};
    const char **names = NULL;
    int n = 0, rc;

    if (!a)
        return 0;
    rc = seer__manifest_parse((const char *)data, size, a, &m, &err);
    if (rc && !err.msg[0])
        abort();
    if (!rc && (!m.format || !m.model || !m.family || m.input.width < 0 || m.input.width > 16384 ||
                m.input.height < 0 || m.max_detections < 1 ||
                !(m.score_threshold >= 0.0f && m.score_threshold <= 1.0f) ||
                !(m.input.std[0] > 0.0f && m.input.std[1] > 0.0f && m.input.std[2] > 0.0f) ||
                escapes(m.model) || (m.labels && escapes(m.labels))))
        abort();
    err.msg[0] = '\0';
    rc = seer__labels_parse((const char *)data, size, "labels.txt", a, &names, &n, &err);
    if (rc && !err.msg[0])
        abort();
    for (int i = 0; !rc && i < n; i++)
        if (!names[i] || !names[i][0])
            abort();
    seer_arena_free(a);
    if (seer_alloc_live() != live)
        abort();
    return 0;
}
