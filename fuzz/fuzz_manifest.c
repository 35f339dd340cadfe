/*
 * Fuzz target for the model package's text files: the input is parsed as seer.json and
 * as a labels file. Besides "no crash", it checks the contracts: a failure carries a
 * message, a parsed manifest has every field the loader relies on in range, and nothing
 * leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "detect/detect_int.h"
#include "repo/repo_int.h"

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
    if (!rc && (!m.format || !m.model || !m.family || m.input.width < 0 ||
                m.input.width > 16384 || m.input.height < 0 || m.max_detections < 1 ||
                !(m.score_threshold >= 0.0f && m.score_threshold <= 1.0f) ||
                !(m.input.std[0] > 0.0f && m.input.std[1] > 0.0f && m.input.std[2] > 0.0f) ||
                strstr(m.model, "..") == m.model))
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
