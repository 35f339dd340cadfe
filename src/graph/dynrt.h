/*
 * The dataflow interpreter's state, shared by dynplan.c (the per-plan analysis below),
 * dynexec.c (scheduling, frames), dynmem.c (a run's memory) and dyn_ta.c (TensorArray
 * ops). One struct seer__rt lives for one run and owns everything in it: bookkeeping in
 * its arena, tensor buffers in its pool (both released when the run ends); frame and
 * iteration state is on the heap, freed as frames finish.
 *
 * Values are refcounted: a struct seer__val is one tensor (shape and a data pointer into
 * a struct seer__buf) held by the tokens waiting in consumers' input slots, by
 * TensorArrays and by the recorded outputs. Ops that only rename or reshape share the
 * buffer (buf->refs) instead of copying it.
 */
#ifndef SEER_GRAPH_DYNRT_H
#define SEER_GRAPH_DYNRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/plan.h>
#include <seer/status.h>

struct seer_arena;
struct seer_dynplan;

struct seer__buf {
    void *p;
    size_t bytes; /* capacity (a size class) */
    int refs;
    bool borrowed;          /* a constant's or an input's memory: never freed here */
    struct seer__buf *next; /* free list */
};

struct seer__val {
    struct seer_tensor t; /* data == buf->p */
    struct seer__buf *buf;
    int refs;
    struct seer__val *next; /* free list */
};

/* A TensorArray of one run. */
struct seer__ta {
    enum seer_dtype dtype;
    int64_t size; /* elements (grows when dynamic) */
    bool dynamic;
    struct seer__val **elem; /* size entries, NULL until written */
    int64_t cap;
};

/* The interpreter's view of a graph, made once per plan (dynplan.c) and read by every
 * run (dynexec.c). Frames are the static loop frames of seer__dyn_frames. */
struct seer__dnode {
    int exec, outf; /* frame it runs in, frame its outputs go to */
    int local;      /* index in its frame */
    int slot0;      /* first input slot in its frame's slot array */
    int n_expect;   /* non-constant inputs (forward ones for a Merge) */
    int n_back;     /* Merge: back-edge inputs */
};

struct seer__dframe {
    int parent;
    int n_nodes, n_slots, n_enters;
    int *expect; /* n_expect per local node */
    int *exits;  /* node ids of the Exits reading from this frame */
    int n_exits;
};

struct seer__dcons {
    int node, slot;
};

struct seer_dynplan {
    const struct seer_graph *g;
    int n_threads;
    struct seer__dnode *sn;
    struct seer__dframe *sf;
    int n_frames;
    int *cstart; /* consumers of value v: cons[cstart[v] .. cstart[v + 1]) */
    struct seer__dcons *cons;
    int *out_index; /* per value: its graph output index, or -1 */
    int max_in, max_out;
    void **in_buf; /* per graph input */
    size_t *in_cap;
    void **out_buf; /* per graph output */
    size_t *out_cap;
    size_t peak;
};

#define SEER__N_CLASSES 48

struct seer__rt {
    struct seer_plan *p;
    struct seer_dynplan *d;
    const struct seer_graph *g;
    struct seer_arena *arena; /* vals, bufs and small bookkeeping */
    struct seer__val *free_vals;
    struct seer__buf *free_bufs;
    void *free_blocks[SEER__N_CLASSES]; /* tensor memory by size class, linked through
                                           their first word */
    void **blocks;                      /* every block allocated, freed at teardown */
    size_t n_blocks, cap_blocks;
    size_t live_bytes, peak_bytes;
    struct seer__ta *tas;
    int n_tas, cap_tas;
    int64_t steps;
    struct seer_err *err;
};

/* A new value with refs 1 and no buffer yet (dtype and shape to be set). NULL: ENOMEM. */
struct seer__val *seer__rt_val(struct seer__rt *rt);
/* Gives v a fresh buffer for its current shape. ENOMEM or ELIMIT with a message. */
int seer__rt_alloc(struct seer__rt *rt, struct seer__val *v, const char *who);
/* A value over t's memory (a constant's or an input's), which the run never frees. */
struct seer__val *seer__rt_borrow(struct seer__rt *rt, const struct seer_tensor *t);
/* A new value of v's bytes with another shape (same element count, not checked). */
struct seer__val *seer__rt_alias(struct seer__rt *rt, struct seer__val *v);
void seer__rt_retain(struct seer__val *v);
void seer__rt_release(struct seer__rt *rt, struct seer__val *v); /* NULL ok */

/* Runs TensorArray op nd (a TA_* op other than none) on inputs in[] (tensors, none
 * dead); out[] receives new values (refs 1) for each of nd's outputs. Errors name the
 * node. */
int seer__rt_ta_exec(struct seer__rt *rt, const struct seer_node *nd, struct seer_tensor *const *in,
                     struct seer__val **out);

#endif /* SEER_GRAPH_DYNRT_H */
