/*
 * Fuzz target for the hyperparameter config reader: YAML subset and JSON into a validated
 * spec. A spec that parses must also survive its uses: grid points, random points,
 * encoding, value text that reads back, and the params JSON of a trial. Leaks are checked
 * with the allocation counter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "tune/space.h"
#include "tune/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seer_tune_spec *s = NULL;
    struct seer_err err;
    int64_t live = seer_alloc_live();

    if (!seer__tune_spec_parse((const char *)data, size, &s, &err)) {
        double pt[SEER_TUNE_MAX_PARAMS], x[SEER_TUNE_MAX_DIMS * 16];
        struct seer__rng r;
        char buf[600];

        seer__rng_seed(&r, size, 1);
        for (int k = 0; k < 4; k++) {
            if (s->algo == SEER_TUNE_ALGO_GRID)
                seer__space_grid_point(s, k % seer__tune_grid_size(s), pt);
            else
                seer__space_random(s, &r, pt);
            if (seer__space_dims(s) <= SEER_TUNE_MAX_DIMS * 16)
                seer__space_encode(s, pt, x);
            for (size_t i = 0; i < s->n_params; i++) {
                double back;

                if (seer__space_format(&s->params[i], pt[i], buf, sizeof(buf)) < 0 ||
                    !seer__space_parse(&s->params[i], buf, &back) || back != pt[i])
                    abort();
            }
        }
        seer__tune_spec_free(s);
    }
    if (seer_alloc_live() != live)
        abort();
    return 0;
}
