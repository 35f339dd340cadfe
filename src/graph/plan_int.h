/* Plan internals shared by plan.c (memory, executor) and fuse.c (plan-time fusion). */
#ifndef SEER_PLAN_INT_H
#define SEER_PLAN_INT_H

#include <seer/plan.h>

#include "kernels/fast.h"
#include "kernels/kernel.h"

struct seer_plan {
    const struct seer_graph *g;
    int n_threads;
    enum seer_precision precision;
    bool reference;            /* reference kernels only, no fusion */
    seer_kernel_fn *fns;       /* per node: fast twin or reference kernel */
    bool *inside;              /* per node: the kernel threads itself */
    bool *skip;                /* per node: absorbed by a fused node, never runs */
    struct seer_fast *fast;    /* per node: twin state to free */
    struct seer_tensor *ts;    /* one per graph value, by value id */
    struct seer_node *nodes;   /* copies of g->nodes with in/out pointing into ts */
    struct seer_tensor **ptrs; /* backing store for the copies' in/out arrays */
    const struct seer_op_info **infos;
    uint8_t *buf; /* inputs, outputs and activations */
    size_t buf_bytes;
    void *scratch; /* n_threads slices of scratch_bytes */
    size_t scratch_bytes;
    double *prof_ms;          /* per node, summed over runs; NULL unless profiling */
    struct seer_dynplan *dyn; /* a dynamic graph's: runs on the dataflow interpreter
                                 (graph/dynexec.c), which owns it */
};

/* Value id of a tensor pointer into p->ts. */
static inline int seer__plan_vid(const struct seer_plan *p, const struct seer_tensor *t)
{
    return (int)(t - p->ts);
}

/* Readers of each value among the plan's nodes, indexed by value id; a seer_calloc'd
 * array the caller frees, NULL when out of memory. */
int *seer__plan_count_readers(const struct seer_plan *p);
/* Node j (its copy in p->nodes already rewritten) runs the prepared fast twin f. */
void seer__plan_take_fast(struct seer_plan *p, int j, const struct seer_fast *f);

/* Fuses elementwise tails into fast convolutions and prepares their twins; marks the
 * absorbed nodes in p->skip. Returns 0 or ENOMEM. */
int seer__plan_fuse(struct seer_plan *p, struct seer_err *err);
/* Fuses CenterNet's MaxPool/Equal/Cast/Mul/Reshape/TopK peak finding into one TopK node
 * (fuse_peak.c). Returns 0 or ENOMEM. */
int seer__plan_fuse_peaks(struct seer_plan *p, struct seer_err *err);
/* A ConcatV2 absorbs the Relu after it, a ResizeBilinear the Add after it (fuse_ew.c).
 * Returns 0 or ENOMEM. */
int seer__plan_fuse_concat_relu(struct seer_plan *p, struct seer_err *err);
/* In bf16 precision, stores the values between oneDNN convolutions as bf16 and prepares
 * those convolutions again to match (bf16.c). Returns 0 or ENOMEM. */
int seer__plan_bf16(struct seer_plan *p, struct seer_err *err);

#endif /* SEER_PLAN_INT_H */
