/*
 * MaxPool on oneDNN (NHWC, as the convolutions). The maximum over a window's cells inside
 * the input is what the reference computes (padding takes no part in either), so the
 * twin is exact. NanoDet's 3x3 stride-2 pool after its first convolution is the user.
 */
#include "kernels/fast.h"

#include <oneapi/dnnl/dnnl.h>

#include "core/alloc.h"
#include "kernels/dnnl/engine.h"

struct pool_state {
    dnnl_primitive_t prim;
    dnnl_memory_t src, dst;
    dnnl_stream_t stream;
};

static void pool_free(void *p)
{
    struct pool_state *s = p;

    if (!s)
        return;
    dnnl_primitive_destroy(s->prim);
    dnnl_memory_destroy(s->src);
    dnnl_memory_destroy(s->dst);
    dnnl_stream_destroy(s->stream);
    seer_free(s);
}

static void pool_run(const struct seer_kctx *k, const struct seer_node *nd)
{
    struct pool_state *s = nd->prepared;
    dnnl_exec_arg_t args[2];

    (void)k;
    dnnl_memory_set_data_handle(s->src, nd->in[0]->data);
    dnnl_memory_set_data_handle(s->dst, nd->out[0]->data);
    args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, s->src};
    args[1] = (dnnl_exec_arg_t){DNNL_ARG_DST, s->dst};
    dnnl_primitive_execute(s->prim, s->stream, 2, args);
    dnnl_stream_wait(s->stream);
}

int seer__dnnl_pool_prepare(const struct seer_node *nd, int n_threads, struct seer_fast *out)
{
    const struct seer_tensor *x = nd->in[0], *y = nd->out[0];
    const struct seer_attrs *a = &nd->a;
    dnnl_engine_t eng = seer__dnnl_engine();
    dnnl_memory_desc_t src_md, dst_md;
    dnnl_pooling_desc_t pd_desc;
    dnnl_primitive_desc_t pd = NULL;
    struct pool_state *s = NULL;
    int64_t pt, pl, tmp;
    int rc = SEER_EUNSUPPORTED;

    if (!eng || nd->op != SEER_OP_MAXPOOL || x->dtype != SEER_DTYPE_F32 || x->ndim != 4)
        return SEER_EUNSUPPORTED;
    int64_t sh = a->stride[0] ? a->stride[0] : 1, sw = a->stride[1] ? a->stride[1] : 1;
    int64_t kh = a->ksize[0], kw = a->ksize[1];
    if (seer_conv_out_dim(x->dims[1], kh, (int32_t)sh, 1, a->padding, a->pads[0], a->pads[1], &tmp,
                          &pt) ||
        seer_conv_out_dim(x->dims[2], kw, (int32_t)sw, 1, a->padding, a->pads[2], a->pads[3], &tmp,
                          &pl))
        return SEER_EUNSUPPORTED;
    int64_t pb = (y->dims[1] - 1) * sh + kh - x->dims[1] - pt;
    int64_t pr = (y->dims[2] - 1) * sw + kw - x->dims[2] - pl;
    /* VALID may leave input rows unused: no padding there (oneDNN rounds down too). A
     * window of padding only has no maximum (the shape function rejects one for explicit
     * padding; SAME never makes one). */
    pb = pb < 0 ? 0 : pb;
    pr = pr < 0 ? 0 : pr;
    if (pt >= kh || pb >= kh || pl >= kw || pr >= kw)
        return SEER_EUNSUPPORTED;
    dnnl_dims_t xd = {x->dims[0], x->dims[3], x->dims[1], x->dims[2]};
    dnnl_dims_t yd = {y->dims[0], y->dims[3], y->dims[1], y->dims[2]};
    dnnl_dims_t st = {sh, sw}, ker = {kh, kw}, pad_l = {pt, pl}, pad_r = {pb, pr};
    if (dnnl_memory_desc_init_by_tag(&src_md, 4, xd, dnnl_f32, dnnl_nhwc) ||
        dnnl_memory_desc_init_by_tag(&dst_md, 4, yd, dnnl_f32, dnnl_nhwc) ||
        dnnl_pooling_forward_desc_init(&pd_desc, dnnl_forward_inference, dnnl_pooling_max, &src_md,
                                       &dst_md, st, ker, pad_l, pad_r))
        return SEER_EUNSUPPORTED;
    s = seer_calloc(1, sizeof(*s));
    if (!s)
        return SEER_ENOMEM;
    seer__omp_set_threads(n_threads);
    if (dnnl_primitive_desc_create(&pd, &pd_desc, NULL, eng, NULL) ||
        dnnl_primitive_create(&s->prim, pd) ||
        dnnl_memory_create(&s->src, &src_md, eng, DNNL_MEMORY_NONE) ||
        dnnl_memory_create(&s->dst, &dst_md, eng, DNNL_MEMORY_NONE) ||
        dnnl_stream_create(&s->stream, eng, dnnl_stream_default_flags))
        goto out;
    out->fn = pool_run;
    out->state = s;
    out->free = pool_free;
    out->threads_inside = true;
    s = NULL;
    rc = SEER_OK;
out:
    dnnl_primitive_desc_destroy(pd);
    pool_free(s);
    return rc;
}
