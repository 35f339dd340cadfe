/*
 * Plans: an executable instance of a prepared graph. A plan owns its activation memory
 * (one buffer, offsets from liveness analysis, allocated once), its thread pool and any
 * fast-kernel state; it borrows the graph (which must outlive it) and never changes it.
 * One plan runs one inference at a time; run several plans on one graph for concurrency.
 */
#ifndef SEER_PLAN_H
#define SEER_PLAN_H

#include <stdio.h>

#include <seer/graph.h>
#include <seer/status.h>
#include <seer/tensor.h>

enum seer_precision {
    SEER_PRECISION_FP32 = 0,
    SEER_PRECISION_BF16,      /* falls back to fp32 where the CPU has no bf16 */
};

struct seer_plan_opts {
    int n_threads;            /* 0: every online CPU */
    enum seer_precision precision;
    bool reference;           /* reference kernels only (tests, debugging) */
};

struct seer_plan; /* opaque */

/* g must be prepared (seer_graph_prepare). o may be NULL (defaults). */
int seer_plan_new(const struct seer_graph *g, const struct seer_plan_opts *o,
                  struct seer_plan **out, struct seer_err *err);
void seer_plan_free(struct seer_plan *p); /* NULL ok */

/* Input i's tensor: write input data into its data buffer (owned by the plan) before
 * seer_plan_run. Shape and dtype are fixed by the graph, except for the open dims (-1)
 * of a graph that runs on the dataflow interpreter (see seer_plan_set_input_shape). */
struct seer_tensor *seer_plan_input(struct seer_plan *p, int i);
int seer_plan_n_inputs(const struct seer_plan *p);
/* Sets input i's shape for the next runs; its buffer (seer_plan_input) is resized and its
 * contents are undefined until written. The shape must match the graph's input in rank
 * and in every dim the graph fixes; a graph input of unknown rank takes any shape.
 * Static plans accept only their own shape. EINVAL naming the input otherwise, ELIMIT
 * over the element limit. */
int seer_plan_set_input_shape(struct seer_plan *p, int i, int ndim, const int64_t *dims,
                              struct seer_err *err);
/* Output i after a run; its data is valid until the next run or seer_plan_free. */
const struct seer_tensor *seer_plan_output(const struct seer_plan *p, int i);
int seer_plan_n_outputs(const struct seer_plan *p);
/* Index of the graph output whose value is named name ("x", "x:0" or "x:1"), or -1. */
int seer_plan_find_output(const struct seer_plan *p, const char *name);

/* Runs every node once. Fails only on a run-time problem such as out-of-memory in a
 * dynamic op; the plan stays usable. */
int seer_plan_run(struct seer_plan *p, struct seer_err *err);

/* Per-node timing: on clears and starts it; print sums per op, divided by runs. */
int seer_plan_profile(struct seer_plan *p, bool on);
void seer_plan_profile_print(const struct seer_plan *p, int runs, FILE *f);

/* Bytes of activation memory the plan allocated (for tests and `seer models`). */
size_t seer_plan_activation_bytes(const struct seer_plan *p);

#endif /* SEER_PLAN_H */
