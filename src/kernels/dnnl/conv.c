/*
 * Convolutions on oneDNN (Debian libdnnl 2.6, C API).
 *
 * Measured on this project's machines (issue #4): oneDNN reaches 80-100% of fp32 peak
 * on 1x1 and 3x3 convolutions and beats our portable kernels by an order of magnitude,
 * so every CONV2D and DEPTHWISE_CONV2D it accepts goes here. Activations stay NHWC (what
 * oneDNN picks on AVX-512 for these shapes, so there are no reorders on the hot path);
 * weights are reordered once, at plan time, into the layout the primitive asks for.
 * Bias, the fused activation, a residual add and the elementwise tail that plan-time
 * fusion (graph/fuse.c) hands over are oneDNN post-ops.
 */
#include "kernels/fast.h"

#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "core/alloc.h"
#include "core/log.h"
#include "kernels/dnnl/engine.h"

struct conv_state {
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, bias, dst, scratch;
    dnnl_stream_t stream;
    void *wei_buf;     /* reordered weights, owned */
    void *scratch_buf; /* owned */
    size_t dst_bytes;
    int prefill; /* index in in[] copied into dst before a sum post-op, or -1 */
    /* bf16 with an fp32 source: the source is converted into src_buf first */
    dnnl_primitive_t src_reorder;
    dnnl_memory_t src_user; /* fp32 view of in[0] */
    void *src_buf;          /* owned */
};

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static bool engine_ok;

static void engine_init(void)
{
    const char *off = getenv("SEER_NO_DNNL");
    enum seer_isa isa = seer__isa();

    if ((off && *off && strcmp(off, "0")) || isa < SEER_ISA_SSE41)
        return;
    /* The same cap as our own kernels (SEER_ISA), set before oneDNN picks any kernel. */
    if (isa == SEER_ISA_AVX2)
        dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
    else if (isa == SEER_ISA_SSE41)
        dnnl_set_max_cpu_isa(dnnl_cpu_isa_sse41);
    engine_ok = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success;
    if (!engine_ok)
        seer_log_warn("oneDNN: no CPU engine; using reference kernels");
}

bool seer__dnnl_available(void)
{
    pthread_once(&engine_once, engine_init);
    return engine_ok;
}

dnnl_engine_t seer__dnnl_engine(void)
{
    return seer__dnnl_available() ? engine : NULL;
}

void seer__omp_set_threads(int n)
{
    if (omp_get_max_threads() != n)
        omp_set_num_threads(n);
}

static void conv_free(void *p)
{
    struct conv_state *s = p;

    if (!s)
        return;
    dnnl_primitive_destroy(s->prim);
    dnnl_memory_destroy(s->src);
    dnnl_memory_destroy(s->wei);
    dnnl_memory_destroy(s->bias);
    dnnl_memory_destroy(s->dst);
    dnnl_memory_destroy(s->scratch);
    dnnl_stream_destroy(s->stream);
    dnnl_primitive_destroy(s->src_reorder);
    dnnl_memory_destroy(s->src_user);
    seer_free_aligned(s->src_buf);
    seer_free_aligned(s->wei_buf);
    seer_free_aligned(s->scratch_buf);
    seer_free(s);
}

static void conv_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    struct conv_state *s = nd->prepared;
    int n_args = 0;
    dnnl_exec_arg_t args[5];

    (void)k;
    /* oneDNN's sum post-op adds what dst holds before the run. */
    if (s->prefill >= 0)
        memcpy(nd->out[0]->data, nd->in[s->prefill]->data, s->dst_bytes);
    if (s->src_reorder) {
        dnnl_exec_arg_t ra[2];
        ra[0] = (dnnl_exec_arg_t){DNNL_ARG_FROM, s->src_user};
        ra[1] = (dnnl_exec_arg_t){DNNL_ARG_TO, s->src};
        dnnl_memory_set_data_handle(s->src_user, nd->in[0]->data);
        dnnl_primitive_execute(s->src_reorder, s->stream, 2, ra);
    } else {
        dnnl_memory_set_data_handle(s->src, nd->in[0]->data);
    }
    dnnl_memory_set_data_handle(s->dst, nd->out[0]->data);
    args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, s->src};
    args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, s->wei};
    if (s->bias)
        args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, s->bias};
    args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_DST, s->dst};
    if (s->scratch)
        args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, s->scratch};
    dnnl_primitive_execute(s->prim, s->stream, n_args, args);
    dnnl_stream_wait(s->stream);
}

static int append_act(dnnl_post_ops_t po, const struct seer_attrs *a)
{
    switch (a->act) {
    case SEER_ACT_NONE: return 0;
    case SEER_ACT_RELU: return dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0, 0);
    case SEER_ACT_RELU6: return dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_clip, 0, 6);
    case SEER_ACT_LEAKY_RELU:
        return dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, a->alpha, 0);
    case SEER_ACT_SIGMOID:
        return dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_logistic, 0, 0);
    case SEER_ACT_HARD_SWISH:
        return dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_hardswish, 0, 0);
    }
    return -1;
}

static dnnl_alg_kind_t act_alg(enum seer_act act)
{
    switch (act) {
    case SEER_ACT_RELU:
    case SEER_ACT_LEAKY_RELU: return dnnl_eltwise_relu;
    case SEER_ACT_RELU6: return dnnl_eltwise_clip;
    case SEER_ACT_SIGMOID: return dnnl_eltwise_logistic;
    case SEER_ACT_HARD_SWISH: return dnnl_eltwise_hardswish;
    case SEER_ACT_NONE: break;
    }
    return dnnl_alg_kind_undef;
}

/*
 * The plan-time fused tail (graph/fuse.c), in order. oneDNN 2.6's brgemm convolutions
 * apply the parameters of the first eltwise post-op of a kind to every later one of the
 * same kind (two `linear` steps (1,3) then (0.5,0) computed y+3+3; reproduced in a
 * ten-line program), so a chain that repeats a kind is refused and fusion tries a
 * shorter tail.
 */
static int append_post(dnnl_post_ops_t po, const struct seer_attrs *a)
{
    dnnl_alg_kind_t used[SEER_MAX_POST + 1];
    int n_used = 0;

    if (a->act != SEER_ACT_NONE)
        used[n_used++] = act_alg(a->act);
    for (int i = 0; i < a->n_post; i++) {
        const struct seer_post *q = &a->post[i];
        float sc = q->scale != 0 ? q->scale : 1.f, alpha = 0, beta = 0;
        dnnl_alg_kind_t alg;

        switch (q->kind) {
        case SEER_POST_SUM:
            if (sc != 1.f || dnnl_post_ops_append_sum(po, 1.f))
                return -1;
            continue;
        case SEER_POST_LINEAR: alg = dnnl_eltwise_linear, alpha = q->a, beta = q->b; break;
        case SEER_POST_CLIP: alg = dnnl_eltwise_clip, alpha = q->a, beta = q->b; break;
        case SEER_POST_RELU: alg = dnnl_eltwise_relu, alpha = q->a; break;
        case SEER_POST_SIGMOID: alg = dnnl_eltwise_logistic; break;
        case SEER_POST_HSWISH:
            /* (a*y) * relu6(y + 3) == 6a * hardswish(y), hardswish(y) = y*relu6(y+3)/6 */
            alg = dnnl_eltwise_hardswish, sc *= 6.f * q->a;
            break;
        default: return -1;
        }
        for (int k = 0; k < n_used; k++)
            if (used[k] == alg)
                return -1;
        used[n_used++] = alg;
        if (dnnl_post_ops_append_eltwise(po, sc, alg, alpha, beta))
            return -1;
    }
    return 0;
}

int seer__dnnl_conv_prepare(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                            struct seer_fast *out)
{
    return seer__dnnl_conv_prepare_io(nd, n_threads, prec, false, false, out);
}

/*
 * bf16 (prec SEER_PRECISION_BF16 on a CPU with AVX512_BF16): weights and the source are
 * bf16, accumulation and post-ops fp32 inside oneDNN. src_bf16 says in[0] already holds
 * bf16 (written by another bf16 convolution), else the twin converts the fp32 source;
 * dst_bf16 says the output (and a residual operand) is stored as bf16 for the next
 * convolutions, else fp32. The plan decides both (graph/bf16.c).
 */
int seer__dnnl_conv_prepare_io(const struct seer_node *nd, int n_threads, enum seer_precision prec,
                               bool src_bf16, bool dst_bf16, struct seer_fast *out)
{
    const struct seer_tensor *x = nd->in[0], *w = nd->in[1], *y = nd->out[0];
    const struct seer_attrs *a = &nd->a;
    bool dw = nd->op == SEER_OP_DEPTHWISE_CONV2D;
    struct conv_state *s = NULL;
    dnnl_memory_desc_t src_md, dst_md, wei_user_md, wei_any_md, bias_md;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_t wei_user = NULL;
    int rc = SEER_EUNSUPPORTED;

    bool bf = prec == SEER_PRECISION_BF16 && seer__cpu_bf16();
    dnnl_data_type_t src_dt = bf ? dnnl_bf16 : dnnl_f32,
                     dst_dt = bf && dst_bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t src_user_md;

    if ((nd->op != SEER_OP_CONV2D && !dw) || !seer__dnnl_available() ||
        (!bf && (src_bf16 || dst_bf16)))
        return SEER_EUNSUPPORTED;
    if (x->dtype != SEER_DTYPE_F32 || w->dtype != SEER_DTYPE_F32 || x->ndim != 4 || w->ndim != 4 ||
        !w->data)
        return SEER_EUNSUPPORTED;
    if (a->has_bias && (!nd->in[2] || !nd->in[2]->data))
        return SEER_EUNSUPPORTED;

    int64_t n = x->dims[0], ih = x->dims[1], iw = x->dims[2], ci = x->dims[3];
    int64_t oh = y->dims[1], ow = y->dims[2], co = y->dims[3];
    int64_t kh = w->dims[0], kw = w->dims[1];
    int64_t sh = a->stride[0] ? a->stride[0] : 1, sw = a->stride[1] ? a->stride[1] : 1;
    int64_t dh = a->dilation[0] ? a->dilation[0] : 1, dwl = a->dilation[1] ? a->dilation[1] : 1;
    int64_t pt, pb, pl, pr, tmp;

    if (a->padding == SEER_PAD_EXPLICIT) {
        pt = a->pads[0], pb = a->pads[1], pl = a->pads[2], pr = a->pads[3];
    } else {
        if (seer_conv_out_dim(ih, kh, (int32_t)sh, (int32_t)dh, a->padding, 0, 0, &tmp, &pt) ||
            seer_conv_out_dim(iw, kw, (int32_t)sw, (int32_t)dwl, a->padding, 0, 0, &tmp, &pl))
            return SEER_EUNSUPPORTED;
        pb = (oh - 1) * sh + (kh - 1) * dh + 1 - ih - pt;
        pr = (ow - 1) * sw + (kw - 1) * dwl + 1 - iw - pl;
        if (pb < 0)
            pb = 0;
        if (pr < 0)
            pr = 0;
    }

    dnnl_dims_t xd = {n, ci, ih, iw}, yd = {n, co, oh, ow};
    dnnl_dims_t strides = {sh, sw}, dil = {dh - 1, dwl - 1}, pad_l = {pt, pl}, pad_r = {pb, pr};
    if (dnnl_memory_desc_init_by_tag(&src_md, 4, xd, src_dt, dnnl_nhwc) ||
        dnnl_memory_desc_init_by_tag(&src_user_md, 4, xd, dnnl_f32, dnnl_nhwc) ||
        dnnl_memory_desc_init_by_tag(&dst_md, 4, yd, dst_dt, dnnl_nhwc))
        return SEER_EUNSUPPORTED;
    if (dw) {
        int64_t m = w->dims[3];
        dnnl_dims_t wd = {ci, m, 1, kh, kw};
        if (dnnl_memory_desc_init_by_tag(&wei_user_md, 5, wd, dnnl_f32, dnnl_hwigo) ||
            dnnl_memory_desc_init_by_tag(&wei_any_md, 5, wd, src_dt, dnnl_format_tag_any))
            return SEER_EUNSUPPORTED;
    } else {
        dnnl_dims_t wd = {co, ci, kh, kw};
        if (w->dims[2] != ci)
            return SEER_EUNSUPPORTED;
        if (dnnl_memory_desc_init_by_tag(&wei_user_md, 4, wd, dnnl_f32, dnnl_hwio) ||
            dnnl_memory_desc_init_by_tag(&wei_any_md, 4, wd, src_dt, dnnl_format_tag_any))
            return SEER_EUNSUPPORTED;
    }
    dnnl_dims_t bd = {co};
    if (dnnl_memory_desc_init_by_tag(&bias_md, 1, bd, dnnl_f32, dnnl_a))
        return SEER_EUNSUPPORTED;
    if (dnnl_dilated_convolution_forward_desc_init(
            &cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md, &wei_any_md,
            a->has_bias ? &bias_md : NULL, &dst_md, strides, dil, pad_l, pad_r))
        return SEER_EUNSUPPORTED;

    s = seer_calloc(1, sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    s->prefill = -1;
    if (a->has_residual)
        s->prefill = a->has_bias ? 3 : 2;
    for (int i = 0; i < a->n_post; i++)
        if (a->post[i].kind == SEER_POST_SUM) {
            if (s->prefill >= 0)
                goto out; /* oneDNN takes one sum */
            s->prefill = a->post_sum_input;
        }
    if (dnnl_primitive_attr_create(&attr) || dnnl_post_ops_create(&po))
        goto out;
    if (a->has_residual && dnnl_post_ops_append_sum(po, 1.f))
        goto out;
    if (append_act(po, a) || append_post(po, a))
        goto out;
    if (dnnl_primitive_attr_set_post_ops(attr, po) ||
        dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user))
        goto out;
    seer__omp_set_threads(n_threads);
    if (dnnl_primitive_desc_create(&pd, &cd, attr, engine, NULL))
        goto out;
    if (dnnl_primitive_create(&s->prim, pd))
        goto out;

    /* Weights: reorder the TensorFlow layout into the primitive's, once. */
    const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    size_t wbytes = dnnl_memory_desc_get_size(wmd);
    s->wei_buf = seer_aligned_alloc(64, wbytes ? wbytes : 64);
    if (!s->wei_buf) {
        rc = SEER_ENOMEM;
        goto out;
    }
    if (dnnl_memory_create(&wei_user, &wei_user_md, engine, w->data) ||
        dnnl_memory_create(&s->wei, wmd, engine, s->wei_buf) ||
        dnnl_stream_create(&s->stream, engine, dnnl_stream_default_flags))
        goto out;
    {
        dnnl_primitive_desc_t rpd = NULL;
        dnnl_primitive_t rp = NULL;
        int bad =
            dnnl_reorder_primitive_desc_create(&rpd, &wei_user_md, engine, wmd, engine, NULL) ||
            dnnl_primitive_create(&rp, rpd);
        if (!bad) {
            dnnl_exec_arg_t ra[2] = {{DNNL_ARG_FROM, wei_user}, {DNNL_ARG_TO, s->wei}};
            bad = dnnl_primitive_execute(rp, s->stream, 2, ra) != dnnl_success;
            dnnl_stream_wait(s->stream);
        }
        dnnl_primitive_destroy(rp);
        dnnl_primitive_desc_destroy(rpd);
        if (bad)
            goto out;
    }
    if (a->has_bias && dnnl_memory_create(&s->bias, &bias_md, engine, nd->in[2]->data))
        goto out;
    if (dnnl_memory_create(&s->dst, &dst_md, engine, DNNL_MEMORY_NONE))
        goto out;
    if (bf && !src_bf16) {
        /* A converted copy of the fp32 source, made before each run. */
        dnnl_primitive_desc_t rpd = NULL;
        size_t sb = dnnl_memory_desc_get_size(&src_md);
        s->src_buf = seer_aligned_alloc(64, sb ? sb : 64);
        if (!s->src_buf) {
            rc = SEER_ENOMEM;
            goto out;
        }
        int bad =
            dnnl_memory_create(&s->src, &src_md, engine, s->src_buf) ||
            dnnl_memory_create(&s->src_user, &src_user_md, engine, DNNL_MEMORY_NONE) ||
            dnnl_reorder_primitive_desc_create(&rpd, &src_user_md, engine, &src_md, engine, NULL) ||
            dnnl_primitive_create(&s->src_reorder, rpd);
        dnnl_primitive_desc_destroy(rpd);
        if (bad)
            goto out;
    } else if (dnnl_memory_create(&s->src, &src_md, engine, DNNL_MEMORY_NONE)) {
        goto out;
    }
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t sbytes = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (sbytes) {
        s->scratch_buf = seer_aligned_alloc(64, sbytes);
        if (!s->scratch_buf) {
            rc = SEER_ENOMEM;
            goto out;
        }
        if (dnnl_memory_create(&s->scratch, smd, engine, s->scratch_buf))
            goto out;
    }
    s->dst_bytes = (size_t)(n * oh * ow * co) * (dst_dt == dnnl_bf16 ? 2 : sizeof(float));
    out->fn = conv_run;
    out->state = s;
    out->free = conv_free;
    out->threads_inside = true;
    s = NULL;
    rc = SEER_OK;
out:
    dnnl_memory_destroy(wei_user);
    dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    conv_free(s);
    return rc;
}

bool seer__dnnl_is_conv(const struct seer_fast *f)
{
    return f->fn == conv_run;
}
