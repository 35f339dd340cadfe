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
    seer_kernel_fn fn; /* runs with nd->prepared == state */
    void *state;
    void (*free)(void *state);
    bool threads_inside; /* fn parallelises itself: call it once, with nth = 1 */
};

int seer__fast_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                       struct seer_fast *out);

/* The instruction sets the fast kernels may use: what the CPU has, capped by the
 * environment variable SEER_ISA ("avx512", "avx2", "sse41": the fallbacks can be tested
 * on any machine). oneDNN is capped the same way; SEER_NO_DNNL=1 turns it off. */
enum seer_isa {
    SEER_ISA_BASE = 0, /* x86-64 baseline: portable twins only */
    SEER_ISA_SSE41,
    SEER_ISA_AVX2,
    SEER_ISA_AVX512, /* AVX-512 F, BW, VL, DQ */
};
enum seer_isa seer__isa(void);
/* Whether the CPU has AVX512_BF16 (for the bf16 precision), within the SEER_ISA cap. */
bool seer__cpu_bf16(void);

/* ConcatV2 with an optional fused Relu (relu: the node's output is the Relu's). */
int seer__fast_concat_prepare(const struct seer_node *nd, bool relu, struct seer_fast *out);

/* AVX-512 twins (kernels/x86/, files *_avx512.c): call only when seer__isa() >=
 * SEER_ISA_AVX512, since their code may use AVX-512 anywhere. */
int seer__x86_binary_prepare(const struct seer_node *nd, bool bf16_out, struct seer_fast *out);
int seer__x86_unary_prepare(const struct seer_node *nd, struct seer_fast *out);
int seer__x86_concat_prepare(const struct seer_node *nd, bool relu, bool bf16_out,
                             struct seer_fast *out);
/* Whether twin f (a binary op or a concat) can store its output as bf16, and switching
 * it to do so (call only with AVX512_BF16: seer__cpu_bf16()). */
bool seer__x86_can_store_bf16(const struct seer_fast *f);
int seer__x86_store_bf16(const struct seer_node *nd, struct seer_fast *f);
/* ResizeBilinear; add_input >= 0: in[add_input] (output-shaped) is added afterwards. */
int seer__x86_resize_prepare(const struct seer_node *nd, int add_input, struct seer_fast *out);

/* Portable twins (kernels/fast/). */
/* Mean over dims 1 and 2 of an NHWC tensor, bit for bit the reference. */
int seer__fast_mean_prepare(const struct seer_node *nd, struct seer_fast *out);
/* CenterNet's peak finding fused: nd is a TopK node reading x [N,H,W,C] directly (the
 * plan removed MaxPool(pool) -> Equal -> Cast -> Mul -> Reshape between them); its
 * outputs are the TopK's ([N, k] values and int32 indices). */
int seer__fast_peak_topk_prepare(const struct seer_node *nd, const struct seer_attrs *pool,
                                 int n_threads, struct seer_fast *out);

/* TFLite uint8 Conv2D / DepthwiseConv2D on AVX-512 VNNI, byte-exact with the reference
 * (kernels/x86/q_conv_vnni.c). */
int seer__qconv_vnni_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out);
/* The same on AVX2 (vpmaddwd on int16), for CPUs without VNNI (kernels/x86/q_conv_avx2.c). */
int seer__qconv_avx2_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out);

/* oneDNN convolutions (kernels/dnnl/conv.c). */
int seer__dnnl_conv_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                            struct seer_fast *out);
/* The same with the storage of the source and the output chosen: bf16 (with prec bf16
 * on a CPU that has it) or fp32. EUNSUPPORTED when bf16 storage is asked without bf16. */
int seer__dnnl_conv_prepare_io(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                               bool src_bf16, bool dst_bf16, struct seer_fast *out);
/* Whether a twin is a oneDNN convolution (the bf16 planner looks for them). */
bool seer__dnnl_is_conv(const struct seer_fast *f);
/* oneDNN MaxPool (kernels/dnnl/pool.c), exact. */
int seer__dnnl_pool_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out);
/* Whether oneDNN is usable here (it needs at least SSE4.1 and a working engine). */
bool seer__dnnl_available(void);
/* Sets the OpenMP thread count for the calling thread (oneDNN runs on OpenMP). */
void seer__omp_set_threads(int n);

#endif /* SEER_FAST_H */
