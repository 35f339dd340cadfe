/*
 * Fuzz target for the TF.js graph-model importer. An input is model.json, then a NUL
 * byte, then the weights (the concatenated shards); without a NUL it is all model.json.
 * Limits are small so that one input stays fast and small. Besides "no crash", it checks
 * the importer's contract: a failure leaves *out NULL and says why; a success is a
 * well-formed graph (every input of a node is a value of the graph made before it, every
 * constant has data, outputs are marked); nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seer/graph.h>

#include "core/alloc.h"
#include "import/import.h"

#include "graph_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n_json = nul ? (size_t)(nul - data) : size;
    const uint8_t *w = nul ? nul + 1 : NULL;
    size_t n_w = nul ? size - n_json - 1 : 0;
    struct seer_limits lim = {
        .max_model_bytes = 1 << 20, .max_elements = 1 << 16, .max_nodes = 4096};
    struct seer_import_opts opts = {.input_ndim = 4, .input_dims = {1, 8, 8, 3}};
    int64_t live = seer_alloc_live();

    for (int pass = 0; pass < 2; pass++) {
        struct seer_graph *g = (struct seer_graph *)&lim; /* must be overwritten */
        struct seer_err err = {{0}};
        int rc =
            seer_tfjs_import_mem_opts(data, n_json, w, n_w, &lim, pass ? &opts : NULL, &g, &err);
        if (rc) {
            check(g == NULL && err.msg[0] != '\0');
            check(rc == SEER_EFORMAT || rc == SEER_EUNSUPPORTED || rc == SEER_ELIMIT);
        } else {
            check(g != NULL);
            fuzz_check_graph(g, &(struct fuzz_graph_rules){0});
            check(seer_import_find_tensor(g, g->outputs[0]->name) == g->outputs[0]);
            seer_graph_free(g);
        }
    }
    check(seer_alloc_live() == live);
    return 0;
}
