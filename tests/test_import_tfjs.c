/*
 * Tests for the TF.js graph-model importer: op mapping, dequantisation (values worked out
 * by hand from the bytes), graph structure, error messages, limits, allocation torture,
 * and the two real models when they are installed.
 *
 * Inline models are written with single quotes (J() turns them into double quotes) so
 * they stay readable. Base64 attribute strings: "TkhXQw==" NHWC, "TkNIVw==" NCHW,
 * "U0FNRQ==" SAME, "VkFMSUQ=" VALID, "RVhQTElDSVQ=" EXPLICIT, "Qmlhc0FkZA==" BiasAdd,
 * "UmVsdTY=" Relu6, "UmVsdQ==" Relu, "TGVha3lSZWx1" LeakyRelu, "QWRk" Add, "RWx1" Elu.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seer/graph.h>

#include "core/alloc.h"
#include "core/fp16.h"
#include "import/import.h"
#include "t.h"

#define FIXTURES "tests/data/tfjs"

/* Swaps ' for " in a JSON literal; rotating static buffers keep callers simple. */
static const char *J(const char *s)
{
    static char bufs[4][16384];
    static int k;
    char *b = bufs[k++ % 4];
    size_t n = strlen(s);

    if (n >= sizeof(bufs[0]))
        abort();
    for (size_t i = 0; i <= n; i++)
        b[i] = s[i] == '\'' ? '"' : s[i];
    return b;
}

static int imp(const char *json_sq, const void *w, size_t nw, struct seer_graph **g,
               struct seer_err *e)
{
    const char *js = J(json_sq);

    return seer_tfjs_import_mem((const uint8_t *)js, strlen(js), w, nw, NULL, g, e);
}

static struct seer_node *node_named(const struct seer_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i]->name, name))
            return g->nodes[i];
    return NULL;
}

static int count_kind(const struct seer_graph *g, enum seer_value_kind k)
{
    int n = 0;

    for (int i = 0; i < g->n_values; i++)
        n += g->values[i]->kind == k;
    return n;
}

static float f32_at(const struct seer_value *v, int i)
{
    return ((const float *)v->t.data)[i];
}

static int32_t i32_at(const struct seer_value *v, int i)
{
    return ((const int32_t *)v->t.data)[i];
}

/* The model literals below are laid out by hand (clang-format would split them mid-key),
 * hence the clang-format off/on pairs around the tests that hold them. */
/* clang-format off */
/* A model.json wrapper: nodes, then the weights manifest, then the rest of the object. */
#define MODEL(nodes, manifest) \
    "{'format': 'graph-model', 'modelTopology': {'node': [" nodes "]}, " \
    "'weightsManifest': [" manifest "]}"
#define PH(name, dims) \
    "{'name': '" name "', 'op': 'Placeholder', 'attr': {'dtype': {'type': 'DT_FLOAT'}, " \
    "'shape': {'shape': {'dim': [" dims "]}}}}"
#define CONST(name) "{'name': '" name "', 'op': 'Const'}"
/* clang-format on */

TEST(fused_conv_f16_weights_from_file)
{
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(seer_tfjs_import_file(FIXTURES "/conv_f16/model.json", NULL, &g, &e));
    ASSERT_EQ(g->n_nodes, 3);
    ASSERT_EQ(g->n_inputs, 1);
    ASSERT_STR(g->inputs[0]->name, "x");
    /* The -1 batch dim becomes 1. */
    ASSERT_EQ(g->inputs[0]->t.ndim, 4);
    ASSERT_EQ(g->inputs[0]->t.dims[0], 1);
    ASSERT_EQ(g->inputs[0]->t.dims[3], 2);

    struct seer_node *conv = node_named(g, "conv");
    ASSERT(conv);
    ASSERT_EQ(conv->op, SEER_OP_CONV2D);
    ASSERT_EQ(conv->n_in, 3);
    ASSERT(conv->a.has_bias);
    ASSERT(!conv->a.has_residual);
    ASSERT_EQ(conv->a.act, SEER_ACT_RELU6);
    ASSERT_EQ(conv->a.stride[0], 2);
    ASSERT_EQ(conv->a.stride[1], 2);
    ASSERT_EQ(conv->a.dilation[0], 1);
    ASSERT_EQ(conv->a.padding, SEER_PAD_SAME);
    ASSERT(seer_value_of(conv->in[0]) == g->inputs[0]);

    /* Float16 bits 3c00, c000, 3555, 0001 are exactly these float32 values. */
    struct seer_value *w = seer_value_of(conv->in[1]);
    ASSERT_STR(w->name, "w");
    ASSERT_EQ(w->kind, SEER_VALUE_CONST);
    ASSERT_EQ(w->t.dtype, SEER_DTYPE_F32);
    ASSERT_EQ(w->t.ndim, 4);
    ASSERT_EQ(w->t.dims[2], 2);
    ASSERT_EQ(w->t.dims[3], 2);
    ASSERT(f32_at(w, 0) == 1.0f);
    ASSERT(f32_at(w, 1) == -2.0f);
    ASSERT(f32_at(w, 2) == 0.333251953125f);
    ASSERT(f32_at(w, 3) == 5.9604644775390625e-08f); /* 2^-24, the smallest subnormal */
    struct seer_value *b = seer_value_of(conv->in[2]);
    ASSERT(f32_at(b, 0) == 0.5f);
    ASSERT(f32_at(b, 1) == -0.25f);

    /* uint8 with min -1, scale 0.5: q 3 -> 0.5, q 255 -> 126.5. */
    struct seer_node *mul = node_named(g, "mul");
    ASSERT(mul && mul->op == SEER_OP_MUL && mul->n_in == 2);
    ASSERT(seer_value_of(mul->in[0]) == seer_value_of(conv->out[0]));
    struct seer_value *s = seer_value_of(mul->in[1]);
    ASSERT(f32_at(s, 0) == 0.5f);
    ASSERT(f32_at(s, 1) == 126.5f);

    /* No signature: the output is the node nobody consumes. */
    ASSERT_EQ(g->n_outputs, 1);
    ASSERT_STR(g->outputs[0]->name, "out");
    ASSERT(g->outputs[0]->is_output);
    seer_graph_free(g);
}

TEST(shards_concatenate_across_groups)
{
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(seer_tfjs_import_file(FIXTURES "/two_groups/model.json", NULL, &g, &e));
    struct seer_value *a = seer_import_find_tensor(g, "a");
    struct seer_value *b = seer_import_find_tensor(g, "b:0");
    ASSERT(a && b);
    /* a spans two shards: 1.5 and -2 in the first, 3 in the second. */
    ASSERT(f32_at(a, 0) == 1.5f);
    ASSERT(f32_at(a, 1) == -2.0f);
    ASSERT(f32_at(a, 2) == 3.0f);
    ASSERT_EQ(b->t.dtype, SEER_DTYPE_I32);
    ASSERT_EQ(i32_at(b, 0), 1);
    ASSERT_EQ(i32_at(b, 1), 3);
    /* The placeholder has no shape; the signature gives [3]. */
    ASSERT_EQ(g->inputs[0]->t.ndim, 1);
    ASSERT_EQ(g->inputs[0]->t.dims[0], 3);
    ASSERT_EQ(node_named(g, "add")->op, SEER_OP_ADD);
    ASSERT_EQ(g->n_outputs, 1);
    ASSERT_STR(g->outputs[0]->name, "reshape");
    seer_graph_free(g);
}

/* clang-format off */
TEST(quantised_uint16_and_int32_follow_tfjs)
{
    /* u16: q 3, scale 0.1, min -0.3. JavaScript computes 3 * 0.1 + -0.3 in double
     * precision (5.55e-17) and rounds that once to float32; float32 arithmetic would
     * give 0. i32 (uint8, scale 0.5, min -2): Math.round(-2, -1.5, -0.5, 0.5, 125.5) is
     * -2, -1, -0 (stored as 0), 1, 126. */
    static const uint8_t wb[] = {3, 0, 0, 1, 1, 0, 2, 0, /* u16: 3, 256, 1, 2 */
                                 0, 1, 3, 5, 255};
    const char *m = MODEL(
        CONST("q16") "," CONST("qi") ","
        "{'name': 'out', 'op': 'Add', 'input': ['q16', 'qi']}",
        "{'paths': ['x.bin'], 'weights': ["
        "{'name': 'q16', 'shape': [4], 'dtype': 'float32', "
        " 'quantization': {'dtype': 'uint16', 'scale': 0.1, 'min': -0.3}},"
        "{'name': 'qi', 'shape': [5], 'dtype': 'int32', "
        " 'quantization': {'dtype': 'uint8', 'scale': 0.5, 'min': -2}}]}");
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, wb, sizeof(wb), &g, &e));
    struct seer_value *q16 = seer_import_find_tensor(g, "q16");
    struct seer_value *qi = seer_import_find_tensor(g, "qi");
    ASSERT(q16 && qi);
    ASSERT(f32_at(q16, 0) == (float)(3 * 0.1 + -0.3));
    ASSERT(f32_at(q16, 0) != 0.0f);
    ASSERT(f32_at(q16, 1) == (float)(256 * 0.1 + -0.3));
    ASSERT(f32_at(q16, 3) == (float)(2 * 0.1 + -0.3));
    ASSERT_EQ(qi->t.dtype, SEER_DTYPE_I32);
    ASSERT_EQ(i32_at(qi, 0), -2);
    ASSERT_EQ(i32_at(qi, 1), -1);
    ASSERT_EQ(i32_at(qi, 2), 0);
    ASSERT_EQ(i32_at(qi, 3), 1);
    ASSERT_EQ(i32_at(qi, 4), 126);
    seer_graph_free(g);
}

TEST(concat_axis_moves_into_attrs)
{
    static const uint8_t wb[] = {0xff, 0xff, 0xff, 0xff}; /* int32 -1 */
    const char *m = MODEL(
        PH("a", "{'size': '1'}, {'size': '2'}") "," PH("b", "{'size': '1'}, {'size': '3'}") ","
        CONST("axis") ","
        "{'name': 'cat', 'op': 'ConcatV2', 'input': ['a', 'b', 'axis'], "
        " 'attr': {'N': {'i': '2'}, 'T': {'type': 'DT_FLOAT'}, 'Tidx': {'type': 'DT_INT32'}}}",
        "{'paths': ['x.bin'], 'weights': [{'name': 'axis', 'shape': [], 'dtype': 'int32'}]}");
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, wb, sizeof(wb), &g, &e));
    struct seer_node *cat = node_named(g, "cat");
    ASSERT(cat);
    ASSERT_EQ(cat->op, SEER_OP_CONCAT);
    ASSERT_EQ(cat->n_in, 2);
    ASSERT_EQ(cat->a.axis, -1);
    ASSERT_STR(seer_value_of(cat->in[0])->name, "a");
    ASSERT_STR(seer_value_of(cat->in[1])->name, "b");
    /* The axis is an attribute now, not a constant of the graph. */
    ASSERT(seer_import_find_tensor(g, "axis") == NULL);
    ASSERT_EQ(count_kind(g, SEER_VALUE_CONST), 0);
    seer_graph_free(g);
}

TEST(topk_has_two_outputs)
{
    static const uint8_t wb[] = {3, 0, 0, 0};
    const char *m = MODEL(
        "{'name': 'vals', 'op': 'Identity', 'input': ['top']},"
        "{'name': 'idx', 'op': 'Identity', 'input': ['top:1']},"
        "{'name': 'top', 'op': 'TopKV2', 'input': ['x', 'k'], 'attr': {'sorted': {'b': true}}},"
        CONST("k") "," PH("x", "{'size': '1'}, {'size': '10'}"),
        "{'paths': ['x.bin'], 'weights': [{'name': 'k', 'shape': [], 'dtype': 'int32'}]}");
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, wb, sizeof(wb), &g, &e));
    struct seer_node *top = node_named(g, "top");
    ASSERT(top);
    ASSERT_EQ(top->op, SEER_OP_TOPK);
    ASSERT_EQ(top->n_out, 2);
    ASSERT(top->a.sorted);
    ASSERT_STR(seer_value_of(top->out[0])->name, "top:0");
    ASSERT_STR(seer_value_of(top->out[1])->name, "top:1");
    ASSERT(seer_value_of(node_named(g, "vals")->in[0]) == seer_value_of(top->out[0]));
    ASSERT(seer_value_of(node_named(g, "idx")->in[0]) == seer_value_of(top->out[1]));
    /* "top" and "top:0" both name output 0. */
    ASSERT(seer_import_find_tensor(g, "top") == seer_value_of(top->out[0]));
    ASSERT(seer_import_find_tensor(g, "top:0") == seer_value_of(top->out[0]));
    ASSERT(seer_import_find_tensor(g, "top:1") == seer_value_of(top->out[1]));
    ASSERT(seer_import_find_tensor(g, "top:2") == NULL);
    ASSERT(seer_import_find_tensor(g, "vals:0") == seer_import_find_tensor(g, "vals"));
    ASSERT_EQ(i32_at(seer_import_find_tensor(g, "k"), 0), 3);
    /* Two sinks, in file order. */
    ASSERT_EQ(g->n_outputs, 2);
    ASSERT_STR(g->outputs[0]->name, "vals");
    ASSERT_STR(g->outputs[1]->name, "idx");
    seer_graph_free(g);
}

TEST(out_of_order_nodes_and_control_inputs)
{
    /* Consumers before producers, a control input on a NoOp, and a signature that
     * names an output with ":0". */
    const char *m =
        "{'signature': {'outputs': {'y:0': {'name': 'y:0'}}},"
        " 'modelTopology': {'node': ["
        "  {'name': 'y', 'op': 'Sigmoid', 'input': ['r', '^init']},"
        "  {'name': 'r', 'op': 'LeakyRelu', 'input': ['x', '^init'],"
        "   'attr': {'alpha': {'f': 0.1}}},"
        "  {'name': 'init', 'op': 'NoOp'},"
        "  " PH("x", "{'size': '1'}, {'size': '4'}") "]}}";
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, NULL, 0, &g, &e));
    ASSERT_EQ(g->n_nodes, 2);
    struct seer_node *r = node_named(g, "r"), *y = node_named(g, "y");
    ASSERT(r && y);
    ASSERT_EQ(r->op, SEER_OP_LEAKY_RELU);
    ASSERT_NEAR(r->a.alpha, 0.1, 1e-7);
    ASSERT_EQ(r->n_in, 1);
    ASSERT_EQ(y->n_in, 1);
    ASSERT(seer_value_of(y->in[0]) == seer_value_of(r->out[0]));
    /* Producers come before consumers in the graph. */
    ASSERT(r->id < y->id);
    ASSERT_EQ(g->n_outputs, 1);
    ASSERT_STR(g->outputs[0]->name, "y");
    seer_graph_free(g);
}

TEST(inline_const_tensors)
{
    /* tensorContent "AQAAAP7///8=" is int32 1, -2; floatVal [2.5] fills all 3 elements. */
    const char *m = MODEL(
        "{'name': 'ci', 'op': 'Const', 'attr': {'value': {'tensor': {'dtype': 'DT_INT32',"
        "  'tensorShape': {'dim': [{'size': '2'}]}, 'tensorContent': 'AQAAAP7///8='}}}},"
        "{'name': 'cf', 'op': 'Const', 'attr': {'value': {'tensor': {'dtype': 'DT_FLOAT',"
        "  'tensorShape': {'dim': [{'size': '3'}]}, 'floatVal': [2.5]}}}},"
        "{'name': 'cl', 'op': 'Const', 'attr': {'value': {'tensor': {'dtype': 'DT_INT64',"
        "  'tensorShape': {'dim': [{'size': '2'}]}, 'int64Val': ['7', '-8']}}}},"
        "{'name': 'o1', 'op': 'Identity', 'input': ['ci']},"
        "{'name': 'o2', 'op': 'Identity', 'input': ['cf']},"
        "{'name': 'o3', 'op': 'Identity', 'input': ['cl']}", "");
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, NULL, 0, &g, &e));
    struct seer_value *ci = seer_import_find_tensor(g, "ci");
    struct seer_value *cf = seer_import_find_tensor(g, "cf");
    struct seer_value *cl = seer_import_find_tensor(g, "cl");
    ASSERT(ci && cf && cl);
    ASSERT_EQ(i32_at(ci, 0), 1);
    ASSERT_EQ(i32_at(ci, 1), -2);
    ASSERT(f32_at(cf, 0) == 2.5f && f32_at(cf, 1) == 2.5f && f32_at(cf, 2) == 2.5f);
    /* TF.js keeps int64 as int32. */
    ASSERT_EQ(cl->t.dtype, SEER_DTYPE_I32);
    ASSERT_EQ(i32_at(cl, 0), 7);
    ASSERT_EQ(i32_at(cl, 1), -8);
    seer_graph_free(g);
}

TEST(op_attributes_map)
{
    static const uint8_t wb[16] = {0};
    /* Explicit padding, a depthwise conv with residual and LeakyRelu, pools, resize. */
    const char *m = MODEL(
        PH("x", "{'size': '1'}, {'size': '8'}, {'size': '8'}, {'size': '4'}") ","
        CONST("w") "," CONST("b") "," CONST("sz") ","
        "{'name': 'c', 'op': 'Conv2D', 'input': ['x', 'w'], 'attr': {"
        "  'padding': {'s': 'RVhQTElDSVQ='}, 'strides': {'list': {'i': ['1', '1', '2', '1']}},"
        "  'dilations': {'list': {'i': ['1', '2', '2', '1']}},"
        "  'explicit_paddings': {'list': {'i': ['0', '0', '1', '2', '3', '4', '0', '0']}}}},"
        "{'name': 'd', 'op': 'FusedDepthwiseConv2dNative', 'input': ['c', 'w', 'b', 'x'],"
        "  'attr': {'padding': {'s': 'VkFMSUQ='}, 'num_args': {'i': '2'},"
        "  'fused_ops': {'list': {'s': ['Qmlhc0FkZA==', 'QWRk', 'TGVha3lSZWx1']}},"
        "  'leakyrelu_alpha': {'f': 0.25}}},"
        "{'name': 'p', 'op': 'MaxPool', 'input': ['d'], 'attr': {'padding': {'s': 'U0FNRQ=='},"
        "  'ksize': {'list': {'i': ['1', '3', '2', '1']}},"
        "  'strides': {'list': {'i': ['1', '2', '1', '1']}}}},"
        "{'name': 'r', 'op': 'ResizeBilinear', 'input': ['p', 'sz'],"
        "  'attr': {'align_corners': {'b': false}, 'half_pixel_centers': {'b': true}}},"
        "{'name': 's', 'op': 'StridedSlice', 'input': ['r', 'sz', 'sz', 'sz'],"
        "  'attr': {'begin_mask': {'i': '5'}, 'shrink_axis_mask': {'i': '2'}}},"
        "{'name': 'q', 'op': 'Squeeze', 'input': ['s'],"
        "  'attr': {'squeeze_dims': {'list': {'i': ['0', '-1']}}}},"
        "{'name': 'm', 'op': 'Mean', 'input': ['q', 'sz'], 'attr': {'keep_dims': {'b': true}}},"
        "{'name': 'k', 'op': 'Cast', 'input': ['m'], 'attr': {'DstT': {'type': 'DT_INT64'}}},"
        "{'name': 'sp', 'op': 'SplitV', 'input': ['k', 'sz', 'sz'],"
        "  'attr': {'num_split': {'i': '3'}}},"
        "{'name': 'o', 'op': 'Softmax', 'input': ['sp:2']}",
        "{'paths': ['x.bin'], 'weights': ["
        "  {'name': 'w', 'shape': [1, 1, 1, 1], 'dtype': 'float32'},"
        "  {'name': 'b', 'shape': [1], 'dtype': 'float32'},"
        "  {'name': 'sz', 'shape': [2], 'dtype': 'int32'}]}");
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, wb, sizeof(wb), &g, &e));
    struct seer_node *c = node_named(g, "c"), *d = node_named(g, "d"), *p = node_named(g, "p");
    ASSERT(c && d && p);
    ASSERT_EQ(c->a.padding, SEER_PAD_EXPLICIT);
    ASSERT_EQ(c->a.pads[0], 1);
    ASSERT_EQ(c->a.pads[1], 2);
    ASSERT_EQ(c->a.pads[2], 3);
    ASSERT_EQ(c->a.pads[3], 4);
    ASSERT_EQ(c->a.stride[0], 1);
    ASSERT_EQ(c->a.stride[1], 2);
    ASSERT_EQ(c->a.dilation[0], 2);
    ASSERT(!c->a.has_bias);
    ASSERT_EQ(d->op, SEER_OP_DEPTHWISE_CONV2D);
    ASSERT_EQ(d->n_in, 4);
    ASSERT(d->a.has_bias && d->a.has_residual);
    ASSERT_EQ(d->a.act, SEER_ACT_LEAKY_RELU);
    ASSERT(d->a.alpha == 0.25f);
    ASSERT_EQ(d->a.padding, SEER_PAD_VALID);
    ASSERT_EQ(p->a.ksize[0], 3);
    ASSERT_EQ(p->a.ksize[1], 2);
    ASSERT_EQ(p->a.stride[0], 2);
    ASSERT_EQ(p->a.stride[1], 1);
    struct seer_node *r = node_named(g, "r");
    ASSERT(!r->a.align_corners && r->a.half_pixel_centers);
    struct seer_node *s = node_named(g, "s");
    ASSERT_EQ(s->n_in, 4);
    ASSERT_EQ(s->a.begin_mask, 5);
    ASSERT_EQ(s->a.shrink_axis_mask, 2);
    struct seer_node *q = node_named(g, "q");
    ASSERT_EQ(q->a.n_axes, 2);
    ASSERT_EQ(q->a.axes[1], -1);
    ASSERT(node_named(g, "m")->a.keep_dims);
    ASSERT_EQ(node_named(g, "k")->a.dtype, SEER_DTYPE_I32);
    ASSERT_EQ(node_named(g, "sp")->n_out, 3);
    struct seer_node *o = node_named(g, "o");
    ASSERT_EQ(o->a.axis, -1);
    ASSERT(seer_value_of(o->in[0]) == seer_value_of(node_named(g, "sp")->out[2]));
    seer_graph_free(g);
}

TEST(input_dims_from_signature_or_options)
{
    const char *m_unknown =
        "{'modelTopology': {'node': [" PH("x", "{'size': '-1'}, {'size': '-1'}, {'size': '3'}")
        ", {'name': 'y', 'op': 'Relu', 'input': ['x']}]}}";
    const char *m_sig =
        "{'signature': {'inputs': {'x:0': {'name': 'x:0', 'tensorShape': {'dim': ["
        "  {'size': '-1'}, {'size': '7'}, {'size': '3'}]}}}},"
        " 'modelTopology': {'node': [" PH("x", "{'size': '-1'}, {'size': '-1'}, {'size': '3'}")
        ", {'name': 'y', 'op': 'Relu', 'input': ['x']}]}}";
    struct seer_import_opts o = {.input_ndim = 3, .input_dims = {2, 5, 3}};
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    const char *js;

    ASSERT_EQ(imp(m_unknown, NULL, 0, &g, &e), SEER_EUNSUPPORTED);
    ASSERT(!g);
    ASSERT(strstr(e.msg, "input 'x' has an unknown dim 1"));
    ASSERT(strstr(e.msg, "give the input size"));

    ASSERT_OK(imp(m_sig, NULL, 0, &g, &e));
    ASSERT_EQ(g->inputs[0]->t.dims[0], 1);
    ASSERT_EQ(g->inputs[0]->t.dims[1], 7);
    seer_graph_free(g);

    js = J(m_unknown);
    ASSERT_OK(seer_tfjs_import_mem_opts((const uint8_t *)js, strlen(js), NULL, 0, NULL, &o, &g,
                                        &e));
    ASSERT_EQ(g->inputs[0]->t.dims[0], 2);
    ASSERT_EQ(g->inputs[0]->t.dims[1], 5);
    ASSERT_EQ(g->inputs[0]->t.dims[2], 3);
    seer_graph_free(g);
}
/* clang-format on */

/* Error cases: each returns the right status, names the problem and builds nothing. */
static void expect_err(const char *m, const void *w, size_t nw, int rc, const char *needle)
{
    struct seer_graph *g = (struct seer_graph *)1;
    struct seer_err e = {{0}};
    int got = imp(m, w, nw, &g, &e);

    if (got != rc || g != NULL || !strstr(e.msg, needle))
        T_FAILF("want %s containing \"%s\", got %s \"%s\"", seer_status_name(rc), needle,
                seer_status_name(got), e.msg);
}

/* clang-format off */
TEST(errors_in_the_graph)
{
    expect_err(MODEL(PH("x", "{'size': '1'}") ", {'name': 'f', 'op': 'Foo', 'input': ['x']}",
                     ""),
               NULL, 0, SEER_EUNSUPPORTED, "node 'f': op 'Foo' is not supported");
    if (t_failed_now)
        return;
    expect_err(MODEL("{'name': 'y', 'op': 'Relu', 'input': ['nope:0']}", ""), NULL, 0,
               SEER_EFORMAT, "node 'y': input 'nope:0' names a node that does not exist");
    if (t_failed_now)
        return;
    expect_err(MODEL("{'name': 'a', 'op': 'Relu', 'input': ['b']},"
                     "{'name': 'b', 'op': 'Relu', 'input': ['c']},"
                     "{'name': 'c', 'op': 'Relu', 'input': ['a']},"
                     "{'name': 'out', 'op': 'Relu', 'input': ['a']}", ""),
               NULL, 0, SEER_EFORMAT, "cycle through node");
    if (t_failed_now)
        return;
    expect_err(MODEL(PH("x", "{'size': '1'}") ","
                     "{'name': 'y', 'op': 'Relu', 'input': ['x:1']}", ""),
               NULL, 0, SEER_EFORMAT, "input 'x:1' but 'x' has 1 output");
    if (t_failed_now)
        return;
    expect_err(MODEL(PH("x", "{'size': '1'}") "," PH("x", "{'size': '1'}"), ""), NULL, 0,
               SEER_EFORMAT, "two nodes are named 'x'");
    if (t_failed_now)
        return;
    expect_err(MODEL(PH("x", "{'size': '1'}") "," CONST("w") ","
                     "{'name': 'c', 'op': '_FusedConv2D', 'input': ['x', 'w', 'w'],"
                     " 'attr': {'padding': {'s': 'U0FNRQ=='},"
                     " 'fused_ops': {'list': {'s': ['Qmlhc0FkZA==', 'RWx1']}}}}",
                     "{'paths': ['x.bin'], 'weights': [{'name': 'w', 'shape': [1],"
                     " 'dtype': 'float32'}]}"),
               "\0\0\0\0", 4, SEER_EUNSUPPORTED,
               "node 'c' (_FusedConv2D): fused_ops [BiasAdd,Elu]");
    if (t_failed_now)
        return;
    expect_err(MODEL(PH("x", "{'size': '1'}") ","
                     "{'name': 'p', 'op': 'MaxPool', 'input': ['x'], 'attr': {"
                     " 'data_format': {'s': 'TkNIVw=='}, 'padding': {'s': 'U0FNRQ=='}}}", ""),
               NULL, 0, SEER_EUNSUPPORTED, "data_format 'NCHW' is not supported");
    if (t_failed_now)
        return;
    expect_err(MODEL(CONST("w") ", {'name': 'y', 'op': 'Relu', 'input': ['w']}", ""), NULL, 0,
               SEER_EFORMAT, "const 'w' has no value");
    if (t_failed_now)
        return;
    expect_err("{'format': 'layers-model', 'modelTopology': {'class_name': 'Model'}}", NULL, 0,
               SEER_EUNSUPPORTED, "layers-model");
    if (t_failed_now)
        return;
    expect_err("{'signature': {'outputs': {'zz:0': {'name': 'zz:0'}}}, 'modelTopology': {"
               "'node': [" PH("x", "{'size': '1'}") "]}}",
               NULL, 0, SEER_EFORMAT, "signature output 'zz:0' names a node that does not exist");
}

TEST(only_what_the_outputs_need_is_built)
{
    /* 'dead' has an op we do not know, but the signature's output does not need it. */
    const char *m = "{'signature': {'outputs': {'y': {'name': 'y'}}}, 'modelTopology': {"
                    "'node': [" PH("x", "{'size': '2'}") ","
                    "{'name': 'dead', 'op': 'Foo', 'input': ['x']},"
                    "{'name': 'y', 'op': 'Tanh', 'input': ['x']}]}}";
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(imp(m, NULL, 0, &g, &e));
    ASSERT_EQ(g->n_nodes, 1);
    ASSERT_EQ(g->nodes[0]->op, SEER_OP_TANH);
    ASSERT(node_named(g, "dead") == NULL);
    seer_graph_free(g);
}

TEST(errors_in_the_weights)
{
    const char *m = MODEL(CONST("a") "," CONST("w") ", {'name': 'y', 'op': 'Add', "
                          "'input': ['a', 'w']}",
                          "{'paths': ['x.bin'], 'weights': ["
                          "{'name': 'a', 'shape': [1], 'dtype': 'float32'},"
                          "{'name': 'w', 'shape': [3], 'dtype': 'float32'}]}");
    static const uint8_t wb[17] = {0};

    /* w needs 12 bytes after a's 4. */
    expect_err(m, wb, 10, SEER_EFORMAT, "weight 'w' needs 12 bytes at offset 4 but the weights "
                                        "end at 10");
    if (t_failed_now)
        return;
    expect_err(m, wb, 17, SEER_EFORMAT, "the weights are 17 bytes but the manifest describes 16");
    if (t_failed_now)
        return;
    expect_err(MODEL(CONST("a"), "{'paths': ['x.bin'], 'weights': [{'name': 'a', 'shape': [1],"
                                 " 'dtype': 'string'}]}"),
               NULL, 0, SEER_EUNSUPPORTED, "weight 'a': dtype 'string'");
    if (t_failed_now)
        return;
    expect_err(MODEL(CONST("a"), "{'paths': ['x.bin'], 'weights': [{'name': 'a', 'shape': [1],"
                                 " 'dtype': 'int32', 'quantization': {'dtype': 'float16'}}]}"),
               NULL, 0, SEER_EUNSUPPORTED, "weight 'a': float16 quantization of a int32");
    if (t_failed_now)
        return;
    expect_err(MODEL(CONST("a"), "{'paths': ['x.bin'], 'weights': [{'name': 'a', 'shape': [-1],"
                                 " 'dtype': 'float32'}]}"),
               NULL, 0, SEER_EFORMAT, "weight 'a': dim 0 is not a size");
}

TEST(errors_in_the_json)
{
    const char *full = J(MODEL(PH("x", "{'size': '1'}"), ""));
    char cut[512];
    size_t n = strlen(full);
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    char want[64];

    ASSERT(n < sizeof(cut));
    /* Every truncation of a valid model.json is an EFORMAT with an offset in range. */
    for (size_t k = 0; k < n; k++) {
        memcpy(cut, full, k);
        int rc = seer_tfjs_import_mem((const uint8_t *)cut, k, NULL, 0, NULL, &g, &e);
        ASSERT_EQ(rc, SEER_EFORMAT);
        ASSERT(!g);
        const char *at = strstr(e.msg, "invalid JSON at byte ");
        ASSERT(at);
        ASSERT(strtoul(at + strlen("invalid JSON at byte "), NULL, 10) <= k);
    }
    /* A bad literal: cJSON stops at the start of "tru" (byte 11). */
    const char *bad = "{\"format\": tru}";
    ASSERT_EQ(seer_tfjs_import_mem((const uint8_t *)bad, strlen(bad), NULL, 0, NULL, &g, &e),
              SEER_EFORMAT);
    snprintf(want, sizeof(want), "invalid JSON at byte %d (line 1)", 11);
    ASSERT(strstr(e.msg, want));
    ASSERT_EQ(seer_tfjs_import_mem((const uint8_t *)"[]", 2, NULL, 0, NULL, &g, &e),
              SEER_EFORMAT);
}

TEST(limits)
{
    const char *js = J(MODEL(PH("x", "{'size': '1000'}, {'size': '1000'}") ","
                             "{'name': 'y', 'op': 'Relu', 'input': ['x']}", ""));
    struct seer_limits few_nodes = {.max_nodes = 1}, few_elems = {.max_elements = 1000},
                       few_bytes = {.max_model_bytes = 64};
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    size_t n = strlen(js);

    ASSERT_EQ(seer_tfjs_import_mem((const uint8_t *)js, n, NULL, 0, &few_nodes, &g, &e),
              SEER_ELIMIT);
    ASSERT(strstr(e.msg, "2 nodes is over the limit of 1"));
    ASSERT_EQ(seer_tfjs_import_mem((const uint8_t *)js, n, NULL, 0, &few_elems, &g, &e),
              SEER_ELIMIT);
    ASSERT(strstr(e.msg, "input 'x'"));
    ASSERT_EQ(seer_tfjs_import_mem((const uint8_t *)js, n, NULL, 0, &few_bytes, &g, &e),
              SEER_ELIMIT);
    ASSERT_OK(seer_tfjs_import_mem((const uint8_t *)js, n, NULL, 0, NULL, &g, &e));
    seer_graph_free(g);
}
/* clang-format on */

/* Copies a fixture folder's files into a fresh temp dir; returns its path. */
static int copy_file(const char *from, const char *to, long keep)
{
    FILE *in = fopen(from, "rb"), *out;
    char buf[4096];
    size_t n;
    long done = 0;

    if (!in)
        return -1;
    out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (keep >= 0 && done + (long)n > keep)
            n = (size_t)(keep - done);
        fwrite(buf, 1, n, out);
        done += (long)n;
    }
    fclose(in);
    fclose(out);
    return 0;
}

/* clang-format off */
TEST(file_errors_name_the_shard)
{
    char dir[] = "/tmp/seer-tfjs-XXXXXX", json[256], bin[256];
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    FILE *f;

    ASSERT(mkdtemp(dir));
    snprintf(json, sizeof(json), "%s/model.json", dir);
    snprintf(bin, sizeof(bin), "%s/group1-shard1of1.bin", dir);
    ASSERT_OK(copy_file(FIXTURES "/conv_f16/model.json", json, -1));

    /* Missing shard. */
    ASSERT_EQ(seer_tfjs_import_file(json, NULL, &g, &e), SEER_EIO);
    ASSERT(!g);
    ASSERT(strstr(e.msg, "model.json: weight shard 'group1-shard1of1.bin' is missing"));

    /* A shard one byte short, then one byte long. */
    ASSERT_OK(copy_file(FIXTURES "/conv_f16/group1-shard1of1.bin", bin, 13));
    ASSERT_EQ(seer_tfjs_import_file(json, NULL, &g, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "weight shard 'group1-shard1of1.bin' is 13 bytes but the manifest's "
                         "weights need 14"));
    f = fopen(bin, "ab");
    ASSERT(f);
    fputs("xy", f);
    fclose(f);
    ASSERT_EQ(seer_tfjs_import_file(json, NULL, &g, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "is 15 bytes but the manifest's weights need 14"));

    /* The right length loads. */
    ASSERT_OK(copy_file(FIXTURES "/conv_f16/group1-shard1of1.bin", bin, -1));
    ASSERT_OK(seer_tfjs_import_file(json, NULL, &g, &e));
    seer_graph_free(g);
    g = NULL;

    /* A shard path that leaves the folder is refused before any file is opened. */
    f = fopen(json, "wb");
    ASSERT(f);
    fputs(J(MODEL(CONST("a"), "{'paths': ['../a.bin'], 'weights': [{'name': 'a', 'shape': [1],"
                              " 'dtype': 'float32'}]}")), f);
    fclose(f);
    ASSERT_EQ(seer_tfjs_import_file(json, NULL, &g, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "not a plain relative path"));

    unlink(json);
    unlink(bin);
    rmdir(dir);
    snprintf(json, sizeof(json), "%s/model.json", dir);
    ASSERT_EQ(seer_tfjs_import_file(json, NULL, &g, &e), SEER_ENOTFOUND);
}
/* clang-format on */

/* Every allocation failure surfaces as ENOMEM and leaks nothing. */
static void torture(int (*run)(struct seer_graph **g, struct seer_err *e))
{
    int64_t live = seer_alloc_live();
    int i, rc = -1;

    for (i = 1; i < 5000; i++) {
        struct seer_graph *g = NULL;
        struct seer_err e = {{0}};
        seer_alloc_fail_at(i);
        rc = run(&g, &e);
        bool fired = seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (rc == SEER_OK) {
            ASSERT(g);
            seer_graph_free(g);
        } else if (rc != SEER_ENOMEM) {
            T_FAILF("allocation %d: %s \"%s\"", i, seer_status_name(rc), e.msg);
        }
        if (seer_alloc_live() != live)
            T_FAILF("allocation %d: %lld blocks leaked", i, (long long)(seer_alloc_live() - live));
        if (!fired) /* the import finished without reaching allocation i */
            break;
    }
    ASSERT_EQ(rc, SEER_OK);
    ASSERT(i > 10);
}

static int run_file_conv(struct seer_graph **g, struct seer_err *e)
{
    return seer_tfjs_import_file(FIXTURES "/two_groups/model.json", NULL, g, e);
}

/* clang-format off */
static int run_mem_topk(struct seer_graph **g, struct seer_err *e)
{
    static const uint8_t wb[] = {3, 0, 0, 0, 0x00, 0x3c, 1, 2};
    static char js[4096];

    if (!js[0])
        snprintf(js, sizeof(js), "%s",
                 J(MODEL("{'name': 'vals', 'op': 'Identity', 'input': ['top']},"
                         "{'name': 'idx', 'op': 'Cast', 'input': ['top:1'],"
                         " 'attr': {'DstT': {'type': 'DT_FLOAT'}}},"
                         "{'name': 'cat', 'op': 'ConcatV2', 'input': ['vals', 'idx', 'ax']},"
                         "{'name': 'top', 'op': 'TopKV2', 'input': ['x', 'k']},"
                         "{'name': 'o', 'op': 'Mul', 'input': ['cat', 'h']},"
                         "{'name': 'q', 'op': 'Add', 'input': ['o', 'u', '^x']},"
                         "{'name': 'ax', 'op': 'Const', 'attr': {'value': {'tensor': {"
                         " 'dtype': 'DT_INT32', 'tensorShape': {}, 'intVal': [1]}}}},"
                         CONST("k") "," CONST("h") "," CONST("u") ","
                         PH("x", "{'size': '-1'}, {'size': '10'}"),
                         "{'paths': ['a.bin'], 'weights': ["
                         "{'name': 'k', 'shape': [], 'dtype': 'int32'},"
                         "{'name': 'h', 'shape': [], 'dtype': 'float32',"
                         " 'quantization': {'dtype': 'float16'}},"
                         "{'name': 'u', 'shape': [2], 'dtype': 'float32',"
                         " 'quantization': {'dtype': 'uint8', 'min': 0, 'scale': 1}}]}")));
    return seer_tfjs_import_mem((const uint8_t *)js, strlen(js), wb, sizeof(wb), NULL, g, e);
}
/* clang-format on */

TEST(alloc_torture_mem)
{
    torture(run_mem_topk);
}

TEST(alloc_torture_file)
{
    torture(run_file_conv);
}

/* The real models, when the setup script has installed them: the model repository
 * ($SEER_MODELS_DIR or ./models) holds <name>/1/<name>.json (or model.json); a folder
 * like the npm package's models/ holds <name>.json. Returns false with the first path
 * tried in buf when none is readable. */
static bool model_path(const char *name, char *buf, size_t n)
{
    const char *dir = getenv("SEER_MODELS_DIR");
    static const char *const forms[] = {"%s/%s/1/%s.json", "%s/%s/1/model.json", "%s/%s.json"};

    if (!dir || !*dir)
        dir = "models";
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(buf, n, forms[i], dir, name, name);
        if (!access(buf, R_OK))
            return true;
    }
    snprintf(buf, n, forms[0], dir, name, name);
    return false;
}

TEST(real_centernet)
{
    char path[1024];
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    if (!model_path("centernet", path, sizeof(path)))
        T_SKIP("needs %s (SEER_MODELS_DIR or ./models)", path);
    ASSERT_OK(seer_tfjs_import_file(path, NULL, &g, &e));
    /* model.json has 544 nodes: 267 Const, 1 Placeholder and 276 ops; 4 of the Consts are
     * ConcatV2 axes, which become attributes. */
    ASSERT_EQ(g->n_nodes, 276);
    ASSERT_EQ(count_kind(g, SEER_VALUE_CONST), 263);
    ASSERT_EQ(g->n_inputs, 1);
    ASSERT_STR(g->inputs[0]->name, "tower_0/images");
    ASSERT_EQ(g->inputs[0]->t.dims[1], 512);
    ASSERT_EQ(g->inputs[0]->t.dims[3], 3);
    ASSERT_EQ(g->n_outputs, 3);
    ASSERT_STR(g->outputs[0]->name, "tower_0/wh");
    ASSERT_STR(g->outputs[1]->name, "tower_0/keypoints");
    ASSERT_STR(g->outputs[2]->name, "tower_0/detections");
    /* Values with a meaning: the output stride 512/128 = 4 (float16), the 100 detections
     * of TopKV2, a slice's unit strides, ExpandDims at the last dim. */
    ASSERT(f32_at(seer_import_find_tensor(g, "tower_0/mul_3/y"), 0) == 4.0f);
    ASSERT_EQ(i32_at(seer_import_find_tensor(g, "tower_0/TopKV2/k"), 0), 100);
    struct seer_value *st = seer_import_find_tensor(g, "tower_0/strided_slice_9/stack_2");
    ASSERT(st && st->t.dims[0] == 3);
    ASSERT(i32_at(st, 0) == 1 && i32_at(st, 1) == 1 && i32_at(st, 2) == 1);
    ASSERT_EQ(i32_at(seer_import_find_tensor(g, "tower_0/ExpandDims/dim"), 0), -1);
    struct seer_node *c0 = node_named(g, "tower_0/MobilenetV3/Conv/BatchNorm/FusedBatchNorm");
    ASSERT(c0 && c0->op == SEER_OP_CONV2D && c0->a.has_bias && c0->a.stride[0] == 2);
    ASSERT_EQ(seer_value_of(c0->in[1])->t.dims[3], 16);
    struct seer_node *top = node_named(g, "tower_0/TopKV2");
    ASSERT(top && top->n_out == 2);
    ASSERT(seer_value_of(node_named(g, "tower_0/floordiv")->in[0]) == seer_value_of(top->out[1]));
    ASSERT_EQ(node_named(g, "tower_0/concat_1")->n_in, 6);
    /* Shape inference over the imported graph reaches the signature's output shapes. */
    ASSERT_OK(seer_graph_prepare(g, &e));
    ASSERT_EQ(g->outputs[0]->t.dims[3], 4);
    ASSERT_EQ(g->outputs[1]->t.dims[3], 80);
    ASSERT_EQ(g->outputs[2]->t.ndim, 3);
    ASSERT_EQ(g->outputs[2]->t.dims[1], 100);
    ASSERT_EQ(g->outputs[2]->t.dims[2], 6);
    seer_graph_free(g);
}

TEST(real_nanodet)
{
    char path[1024];
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};

    if (!model_path("nanodet", path, sizeof(path)))
        T_SKIP("needs %s (SEER_MODELS_DIR or ./models)", path);
    ASSERT_OK(seer_tfjs_import_file(path, NULL, &g, &e));
    /* 489 nodes: 229 Const (12 are ConcatV2 axes), 1 Placeholder, 259 ops. */
    ASSERT_EQ(g->n_nodes, 259);
    ASSERT_EQ(count_kind(g, SEER_VALUE_CONST), 217);
    ASSERT_STR(g->inputs[0]->name, "input_1");
    ASSERT_EQ(g->inputs[0]->t.dims[1], 3);
    ASSERT_EQ(g->inputs[0]->t.dims[2], 416);
    /* Outputs in signature order. */
    static const char *const outs[] = {"Identity_2", "Identity_5", "Identity_1",
                                       "Identity",   "Identity_4", "Identity_3"};
    ASSERT_EQ(g->n_outputs, 6);
    for (int i = 0; i < 6; i++)
        ASSERT_STR(g->outputs[i]->name, outs[i]);
    ASSERT(seer_import_find_tensor(g, "Identity:0") == g->outputs[3]);
    /* The head splits 124 channels into 80 class scores and 4 x 11 distance bins. */
    struct seer_value *sz = seer_import_find_tensor(g, "PartitionedCall/Const_56");
    ASSERT(sz && i32_at(sz, 0) == 80 && i32_at(sz, 1) == 44);
    struct seer_node *sp = node_named(g, "PartitionedCall/onnx_tf_prefix_Split_153");
    ASSERT(sp && sp->op == SEER_OP_SPLITV && sp->n_out == 2);
    /* A zero-size weight ([0, 1]) loads as an empty constant. */
    struct seer_value *wh = seer_import_find_tensor(g, "PartitionedCall/Where");
    ASSERT(wh && wh->t.ndim == 2 && wh->t.dims[0] == 0);
    /* Shape inference reaches the signature's shapes: [1, cells, 80 or 44] per stride. */
    static const int64_t cells[] = {169, 169, 676, 2704, 676, 2704};
    ASSERT_OK(seer_graph_prepare(g, &e));
    for (int i = 0; i < 6; i++) {
        ASSERT_EQ(g->outputs[i]->t.ndim, 3);
        ASSERT_EQ(g->outputs[i]->t.dims[1], cells[i]);
        ASSERT_EQ(g->outputs[i]->t.dims[2], i == 0 || i == 2 || i == 3 ? 80 : 44);
    }
    seer_graph_free(g);
}

T_MAIN(T_CASE(fused_conv_f16_weights_from_file), T_CASE(shards_concatenate_across_groups),
       T_CASE(quantised_uint16_and_int32_follow_tfjs), T_CASE(concat_axis_moves_into_attrs),
       T_CASE(topk_has_two_outputs), T_CASE(out_of_order_nodes_and_control_inputs),
       T_CASE(inline_const_tensors), T_CASE(op_attributes_map),
       T_CASE(input_dims_from_signature_or_options), T_CASE(errors_in_the_graph),
       T_CASE(only_what_the_outputs_need_is_built), T_CASE(errors_in_the_weights),
       T_CASE(errors_in_the_json), T_CASE(limits), T_CASE(file_errors_name_the_shard),
       T_CASE(alloc_torture_mem), T_CASE(alloc_torture_file), T_CASE(real_centernet),
       T_CASE(real_nanodet))
