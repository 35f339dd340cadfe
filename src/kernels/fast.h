/*
 * Fast twins of reference kernels, chosen once per node at plan time.
 *
 * seer__fast_prepare looks at a node (its op, attributes, shapes, constant weights) and,
 * when a faster implementation handles it on this CPU, fills *out with a kernel and its
 * state (packed weights, library primitives). The plan frees the state with out->free.
 * SEER_EUNSUPPORTED means "no twin; use the reference kernel" and is not an error.
 */
#ifndef SEER_FAST_H
#define SEER_FAST_H

#include <seer/plan.h>

#include "kernels/kernel.h"

struct seer_fast {
    seer_kernel_fn fn;        /* runs with nd->prepared == state */
    void *state;
    void (*free)(void *state);
    bool threads_inside;      /* fn parallelises itself: call it once, with nth = 1 */
};

int seer__fast_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                       struct seer_fast *out);

/* oneDNN convolutions (kernels/dnnl/conv.c). */
int seer__dnnl_conv_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                            struct seer_fast *out);
/* Whether oneDNN is usable here (it needs at least SSE4.1 and a working engine). */
bool seer__dnnl_available(void);
/* Sets the OpenMP thread count for the calling thread (oneDNN runs on OpenMP). */
void seer__omp_set_threads(int n);

#endif /* SEER_FAST_H */
