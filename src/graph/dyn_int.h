/*
 * Internals of the dataflow interpreter for graphs a static plan cannot run: TensorFlow 1
 * control flow (frames, iterations, dead branches), TensorArrays and data-dependent
 * shapes. dynprep.c prepares such graphs (partial shape inference, folding, frame
 * checks), dynplan.c makes their plans (the static analysis runs need), dynexec.c runs
 * them, dynmem.c holds a run's memory and dyn_ta.c the TensorArray ops. plan.c hands a
 * dynamic graph's plan to seer__dyn_plan_new and forwards run and free.
 *
 * A struct seer_dynplan borrows its graph and owns its static analysis and the buffers
 * of the plan's inputs and outputs; everything a run makes lives in that run's memory
 * and is freed when the run ends.
 */
#ifndef SEER_GRAPH_DYN_INT_H
#define SEER_GRAPH_DYN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/plan.h>
#include <seer/status.h>

/* Runs a plan may take: a loop that never ends is stopped here (ELIMIT), and so is one
 * that grows its live tensors past the byte limit. */
#define SEER_DYN_MAX_STEPS (50 * 1000 * 1000)
/* The step limit in force (SEER_DYN_MAX_STEPS; tests lower it to see it trip). */
extern int64_t seer__dyn_step_limit;
#define SEER_DYN_MAX_LIVE_BYTES ((size_t)4 << 30)
#define SEER_DYN_MAX_TA_SIZE    (1 << 24)

/* Whether op is run by the interpreter itself (control flow, TensorArrays): never folded,
 * never given to a static plan. */
bool seer__op_is_control(enum seer_op op);
/* Whether a graph needs the interpreter: it has control flow, TensorArrays or ops whose
 * output shape depends on data (Where, NonMaxSuppression), or a value whose shape is
 * unknown (an input with open dims, or anything prepare could not infer). */
bool seer__graph_is_dynamic(const struct seer_graph *g);

/* seer_graph_prepare for a dynamic graph: keeps what the outputs need, sorts it
 * topologically with loop back edges (NextIteration into Merge) left out, so that a
 * cycle without a NextIteration is an error; infers the shapes that do not depend on
 * run-time values (the rest are unknown: rank -1 or dims -1); folds constants, except
 * through control flow; and checks the loop frames (every node's inputs come from one
 * frame, Enter and Exit move between a frame and its parent). */
int seer__graph_prepare_dynamic(struct seer_graph *g, struct seer_err *err);

/* Static frame analysis, shared by prepare (to check) and the interpreter (to run).
 * Frames are numbered 0 (the root) to n_frames - 1; each node executes in exec[j] and
 * its outputs live in out[j] (different only for Enter and Exit). parent[f] is the frame
 * an Enter into f reads from (-1 for the root). Arrays are caller-allocated, of
 * g->n_nodes entries (parent: g->n_nodes + 1). Node ids must be g's topological order. */
int seer__dyn_frames(const struct seer_graph *g, int *exec, int *out, int *parent, int *n_frames,
                     struct seer_err *err);

struct seer_dynplan; /* opaque; see dynexec.c */

/* A plan for dynamic graph g (prepared). Allocates the struct seer_plan that plan.c
 * expects, with p->dyn set; its inputs start with unknown dims at 1 and unknown rank as a
 * scalar until seer_plan_set_input_shape. */
int seer__dyn_plan_new(const struct seer_graph *g, const struct seer_plan_opts *o,
                       struct seer_plan **out, struct seer_err *err);
void seer__dyn_free(struct seer_dynplan *d); /* NULL ok */
int seer__dyn_run(struct seer_plan *p, struct seer_err *err);
/* Bytes of tensors alive at the peak of the last run. */
size_t seer__dyn_peak_bytes(const struct seer_dynplan *d);

#endif /* SEER_GRAPH_DYN_INT_H */
