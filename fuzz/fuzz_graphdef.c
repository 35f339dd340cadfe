/*
 * Fuzz target for the TensorFlow GraphDef importer (protobuf wire format). Limits are
 * small so one input stays fast and small. Besides "no crash", it checks the importer's
 * contract: a failure leaves *out NULL, says why and is one of the statuses for bad
 * input; a success is a well-formed graph (every input of a node is a value of the
 * graph, every constant has data, outputs are marked, loop frames numbered from 1);
 * nothing leaks. Prepare and runs are left out: a hostile graph may legitimately ask
 * them for gigabytes (a Fill of a huge shape), which is a limit test, not a fuzz one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seer/graph.h>

#include "core/alloc.h"
#include "import/import.h"

#include "graph_check.h"

static void check_graph(const struct seer_graph *g)
{
    fuzz_check_graph(g, &(struct fuzz_graph_rules){.loops = true, .open_shapes = true});
    for (int i = 0; i < g->n_nodes; i++)
        check(g->nodes[i]->op != SEER_OP_ENTER || g->nodes[i]->a.frame >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seer_limits lim = {
        .max_model_bytes = 1 << 20, .max_elements = 1 << 16, .max_nodes = 4096};
    static const char *const outs[] = {"y", "detection_boxes:0"};
    struct seer_import_opts opts = {.outputs = outs, .n_outputs = 1};
    int64_t live = seer_alloc_live();

    for (int pass = 0; pass < 2; pass++) {
        struct seer_graph *g = (struct seer_graph *)&lim; /* must be overwritten */
        struct seer_err err = {{0}};
        int rc = seer_graphdef_import_mem(data, size, &lim, pass ? &opts : NULL, &g, &err);
        if (rc) {
            check(g == NULL && err.msg[0] != '\0');
            check(rc == SEER_EFORMAT || rc == SEER_EUNSUPPORTED || rc == SEER_ELIMIT);
        } else {
            check(g != NULL);
            check_graph(g);
            seer_graph_free(g);
        }
    }
    check(seer_alloc_live() == live);
    return 0;
}
