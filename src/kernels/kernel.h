/*
 * The kernel interface and registry.
 *
 * Every op has a shape function (validates inputs, sets output dtype and dims; inputs
 * that decide a shape, such as Reshape's target shape, must be constants, i.e. have data
 * at shape time) and a reference kernel in plain C (src/kernels/ref/). Fast twins
 * (src/kernels/x86/, dnnl/) are chosen once, at plan time, by ISA.
 *
 * A kernel is a pure function: no malloc, no I/O, no locks, no failure path. Worker ith
 * of nth does its share; with nth == 1 it does everything. Scratch memory, if the op
 * asks for some at plan time, is k->scratch (private to the worker).
 */
#ifndef SEER_KERNEL_H
#define SEER_KERNEL_H

#include <stddef.h>

#include <seer/graph.h>
#include <seer/status.h>

struct seer_kctx {
    int ith, nth;             /* this worker and the number of workers */
    void *scratch;            /* per-worker scratch of scratch_bytes, or NULL */
    size_t scratch_bytes;
};

typedef void (*seer_kernel_fn)(const struct seer_kctx *k, const struct seer_node *nd);
/* Validates nd->in and sets every nd->out's dtype and dims. err names the problem;
 * the caller prefixes the node name. EFORMAT for bad shapes, EUNSUPPORTED for a
 * combination the kernel does not handle (e.g. a non-constant shape input). */
typedef int (*seer_shape_fn)(struct seer_node *nd, struct seer_err *err);
/* Per-worker scratch bytes the kernel needs for this node (after shapes). */
typedef size_t (*seer_scratch_fn)(const struct seer_node *nd);

struct seer_op_info {
    enum seer_op op;
    const char *name;         /* TensorFlow-style name, for messages */
    seer_shape_fn shape;
    seer_kernel_fn ref;       /* reference kernel; NULL means "shape-only" (aliasing) op */
    seer_scratch_fn scratch;  /* NULL: no scratch */
    bool parallel;            /* ref kernel splits work by ith/nth */
};

/* The registry entry for op, or NULL when the op has no kernel yet. */
const struct seer_op_info *seer_op_info(enum seer_op op);

/* Every shape and reference kernel, declared here and defined in src/kernels/ref/. */
#define SEER_DECLARE_OP(x)                                                          \
    int seer_shape_##x(struct seer_node *nd, struct seer_err *err);                \
    void seer_kref_##x(const struct seer_kctx *k, const struct seer_node *nd)

/* Broadcasting helper shared by binary ops: output shape of a op b (NumPy rules). */
int seer_broadcast_shape(const struct seer_tensor *a, const struct seer_tensor *b,
                         struct seer_tensor *out, struct seer_err *err);

/* TensorFlow's output size and leading pad for one spatial dim. */
int seer_conv_out_dim(int64_t in, int64_t k, int32_t stride, int32_t dilation,
                      enum seer_padding pad, int32_t pad_lo, int32_t pad_hi, int64_t *out,
                      int64_t *pad_before);

/* Name of any op, even one without a kernel yet (registry.c). */
const char *seer__op_tf_name(enum seer_op op);

#endif /* SEER_KERNEL_H */
