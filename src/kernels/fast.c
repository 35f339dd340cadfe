/*
 * Picks a fast twin for a node at plan time (see fast.h). The order of preference is
 * fixed here, in one place: oneDNN for convolutions, then our own twins by op; anything
 * else stays on its reference kernel.
 */
#include "kernels/fast.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static enum seer_isa isa;
static bool has_bf16;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void isa_init(void)
{
    const char *cap = getenv("SEER_ISA");
    enum seer_isa max = SEER_ISA_AVX512;

    __builtin_cpu_init();
    if (cap && *cap) {
        if (!strcmp(cap, "avx2"))
            max = SEER_ISA_AVX2;
        else if (!strcmp(cap, "sse41") || !strcmp(cap, "sse4.1"))
            max = SEER_ISA_SSE41;
        else if (strcmp(cap, "avx512"))
            max = SEER_ISA_BASE;
    }
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        isa = SEER_ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        isa = SEER_ISA_AVX2;
    else if (__builtin_cpu_supports("sse4.1"))
        isa = SEER_ISA_SSE41;
    if (isa > max)
        isa = max;
    has_bf16 = isa == SEER_ISA_AVX512 && __builtin_cpu_supports("avx512bf16");
}

enum seer_isa seer__isa(void)
{
    pthread_once(&isa_once, isa_init);
    return isa;
}

bool seer__cpu_bf16(void)
{
    pthread_once(&isa_once, isa_init);
    return has_bf16;
}

int seer__fast_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                       struct seer_fast *out)
{
    switch (nd->op) {
    case SEER_OP_CONV2D:
    case SEER_OP_DEPTHWISE_CONV2D: return seer__dnnl_conv_prepare(nd, n_threads, prec, out);
    case SEER_OP_MEAN: return seer__fast_mean_prepare(nd, out);
    case SEER_OP_CONCAT: return seer__fast_concat_prepare(nd, false, out);
    case SEER_OP_MAXPOOL: return seer__dnnl_pool_prepare(nd, n_threads, out);
    case SEER_OP_RESIZE_BILINEAR:
        return seer__isa() >= SEER_ISA_AVX512 ? seer__x86_resize_prepare(nd, -1, out)
                                              : SEER_EUNSUPPORTED;
    case SEER_OP_ADD:
    case SEER_OP_SUB:
    case SEER_OP_MUL:
        return seer__isa() >= SEER_ISA_AVX512 ? seer__x86_binary_prepare(nd, false, out)
                                              : SEER_EUNSUPPORTED;
    case SEER_OP_RELU:
    case SEER_OP_RELU6:
    case SEER_OP_LEAKY_RELU:
    case SEER_OP_HARD_SWISH:
        return seer__isa() >= SEER_ISA_AVX512 ? seer__x86_unary_prepare(nd, out)
                                              : SEER_EUNSUPPORTED;
    case SEER_OP_QCONV2D:
    case SEER_OP_QDEPTHWISE_CONV2D: {
        /* Both byte-exact with the reference: VNNI where the CPU has it, else AVX2. */
        int rc = seer__qconv_vnni_prepare(nd, n_threads, out);
        return rc == SEER_EUNSUPPORTED ? seer__qconv_avx2_prepare(nd, n_threads, out) : rc;
    }
    default: return SEER_EUNSUPPORTED;
    }
}

int seer__fast_concat_prepare(const struct seer_node *nd, bool relu, struct seer_fast *out)
{
    return seer__isa() >= SEER_ISA_AVX512 ? seer__x86_concat_prepare(nd, relu, false, out)
                                          : SEER_EUNSUPPORTED;
}
