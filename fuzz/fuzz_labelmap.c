/*
 * Fuzz target for the TF Object Detection API label map parser (protobuf text format).
 * Checks: no crash; a failure says why (EFORMAT, or ENOMEM); a success gives names for
 * ids 0..n-1, every one a string ("???" for the background and gaps); nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "detect/detect_int.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t live = seer_alloc_live();
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err err = {{0}};
    const char **names = NULL;
    int n = 0;

    check(a != NULL);
    int rc = seer__labelmap_parse((const char *)data, size, "fuzz", a, &names, &n, &err);
    if (rc) {
        check(rc == SEER_EFORMAT && err.msg[0] && !names && n == 0);
    } else {
        check(names && n >= 2);
        for (int i = 0; i < n; i++)
            check(names[i] != NULL);
    }
    seer_arena_free(a);
    check(seer_alloc_live() == live);
    return 0;
}
