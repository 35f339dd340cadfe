/*
 * Fuzz target for the TFLite importer (FlatBuffers and FlexBuffers readers included). An
 * input is a .tflite file. Besides "no crash", it checks the importer's contract: a
 * failure leaves *out NULL and says why; a success is a well-formed graph (every node
 * input is a value made before the node, constants have data, outputs are marked). Small
 * graphs that prepare are also planned on the reference kernels and run once on zeros,
 * so fuzzed shapes and quantisation reach the uint8 kernels. Nothing may leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "import/import.h"

#include "graph_check.h"

/* Work a run would do, roughly: output elements times the taps of convolutions. */
static double work(const struct seer_graph *g)
{
    double w = 0;

    for (int i = 0; i < g->n_values; i++)
        w += (double)seer_tensor_numel(&g->values[i]->t);
    for (int i = 0; i < g->n_nodes; i++) {
        const struct seer_node *nd = g->nodes[i];
        if (nd->op == SEER_OP_QCONV2D || nd->op == SEER_OP_QDEPTHWISE_CONV2D)
            w += (double)seer_tensor_numel(nd->out[0]) * (double)seer_tensor_numel(nd->in[1]);
        if (nd->op == SEER_OP_DETECTION_POSTPROCESS)
            w += (double)nd->in[0]->dims[1] * (double)nd->in[0]->dims[1];
    }
    return w;
}

static void run_once(struct seer_graph *g)
{
    struct seer_plan_opts po = {0};
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};

    po.reference = true;
    po.n_threads = 1;
    if (seer_graph_prepare(g, &err) || work(g) > 2e6)
        return;
    if (seer_plan_new(g, &po, &p, &err))
        return;
    for (int i = 0; i < seer_plan_n_inputs(p); i++) {
        struct seer_tensor *t = seer_plan_input(p, i);
        size_t nb;
        if (seer_tensor_nbytes(t, &nb))
            memset(t->data, 0, nb);
    }
    check(seer_plan_run(p, &err) == SEER_OK);
    seer_plan_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seer_limits lim = {
        .max_model_bytes = 1 << 20, .max_elements = 1 << 16, .max_nodes = 1024};
    struct seer_graph *g = (struct seer_graph *)&lim; /* must be overwritten */
    struct seer_err err = {{0}};
    int64_t live = seer_alloc_live();
    int rc = seer_tflite_import_mem(data, size, &lim, &g, &err);

    if (rc) {
        check(g == NULL && err.msg[0] != '\0');
    } else {
        check(g != NULL);
        fuzz_check_graph(g, &(struct fuzz_graph_rules){.optional_inputs = true,
                                                       .any_n_out = true});
        run_once(g);
        seer_graph_free(g);
    }
    check(seer_alloc_live() == live);
    return 0;
}
