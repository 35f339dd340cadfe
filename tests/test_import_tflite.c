/*
 * TFLite importer: a tiny hand-built model (tests/tflite_fixture.h) computes what was
 * worked out by hand; malformed copies of it (truncated, offsets and vectors past the
 * end, a self-reference, operators out of order, wrong types, per-axis quantisation,
 * unknown operators, every single-byte mutation) fail with clear messages and no leak;
 * allocation torture; the FlexBuffers reader; and, when ../shared has it, the real SSD
 * MobileNet v1: the two uint8 tensors feeding TFLite_Detection_PostProcess equal TFLite's
 * byte for byte and the post-processing equals TFLite's detections exactly.
 */
#include <cjson/cJSON.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "core/file.h"
#include "import/flexbuf.h"
#include "import/import.h"
#include "shared.h"
#include "t.h"
#include "tflite_fixture.h"

#define MODEL "models/ssd_mobilenet_v1_coco_quant/detect.tflite"
#define REF   "data/tflite-table/reference/"

static int import_fx(const struct fbb *f, size_t n, struct seer_graph **g, struct seer_err *e)
{
    return seer_tflite_import_mem(f->b, n, NULL, g, e);
}

/* Imports, prepares, runs the fixture on tfl_input; 0 and the probs in *out on success. */
static int run_fx(const struct fbb *f, size_t n, bool reference, uint8_t out[8], struct seer_err *e)
{
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    struct seer_plan_opts po = {0};
    int rc = import_fx(f, n, &g, e);

    po.reference = reference;
    po.n_threads = 2;
    if (!rc)
        rc = seer_graph_prepare(g, e);
    if (!rc)
        rc = seer_plan_new(g, &po, &p, e);
    if (!rc) {
        struct seer_tensor *in = seer_plan_input(p, 0);
        if (in->dtype == SEER_DTYPE_U8 && seer_tensor_numel(in) == 8)
            memcpy(in->data, tfl_input, 8);
        rc = seer_plan_run(p, e);
    }
    if (!rc && out) {
        const struct seer_tensor *y = seer_plan_output(p, 0);
        if (y->dtype == SEER_DTYPE_U8 && seer_tensor_numel(y) == 8)
            memcpy(out, y->data, 8);
    }
    seer_plan_free(p);
    seer_graph_free(g);
    return rc;
}

TEST(tiny_model_computes_hand_worked_values)
{
    /* conv (acc * 0.25 + 10, ReLU at 10) = {16,10, 12,10, 32,10, 10,255}; logistic of
     * 0.5 * (q - 10) in 1/256: sig(3) = 0.9526 -> 244, sig(0) -> 128, sig(1) = 0.7311
     * -> 187, sig(11) and sig(122.5) round to 256 -> 255. */
    struct fbb f;
    uint8_t out[8] = {0};
    struct seer_err e = {{0}};

    tfl_build(&f, NULL, NULL);
    ASSERT_OK(run_fx(&f, f.n, true, out, &e));
    ASSERT(!memcmp(out, tfl_probs, 8));
    memset(out, 0, 8);
    ASSERT_OK(run_fx(&f, f.n, false, out, &e));
    ASSERT(!memcmp(out, tfl_probs, 8));
}

TEST(tiny_model_keeps_names_and_quantisation)
{
    struct fbb f;
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    struct seer_value *v;

    tfl_build(&f, NULL, NULL);
    ASSERT_OK(import_fx(&f, f.n, &g, &e));
    ASSERT_EQ(g->n_inputs, 1);
    ASSERT_STR(g->inputs[0]->name, "input");
    ASSERT_EQ(g->n_outputs, 1);
    ASSERT_STR(g->outputs[0]->name, "probs");
    v = seer_graph_find(g, "conv");
    ASSERT(v && v->producer && v->producer->op == SEER_OP_QCONV2D);
    ASSERT_NEAR(v->t.q.scale, 0.5, 0);
    ASSERT_EQ(v->t.q.zero_point, 10);
    ASSERT_EQ(v->producer->a.act, SEER_ACT_RELU);
    ASSERT_EQ(v->producer->a.padding, SEER_PAD_VALID);
    v = seer_graph_find(g, "w");
    ASSERT(v && v->kind == SEER_VALUE_CONST && v->t.dtype == SEER_DTYPE_U8);
    ASSERT_EQ(((const uint8_t *)v->t.data)[1], 124);
    ASSERT_EQ(v->t.q.zero_point, 128);
    ASSERT(seer_graph_find(g, "unused") == NULL); /* never read, never made */
    seer_graph_free(g);
}

/* Expects import (and, when it succeeds, prepare) of f[0..n) to fail with rc and a
 * message containing want. */
static int expect_error(const struct fbb *f, size_t n, int want_rc, const char *want)
{
    struct seer_graph *g = NULL;
    struct seer_err e = {{0}};
    int rc = import_fx(f, n, &g, &e);

    if (!rc) {
        rc = seer_graph_prepare(g, &e);
        seer_graph_free(g);
    } else if (g) {
        printf("    graph returned with an error\n");
        return 0;
    }
    if (rc != want_rc || !strstr(e.msg, want)) {
        printf("    got %s \"%s\", want %s containing \"%s\"\n", seer_status_name(rc), e.msg,
               seer_status_name(want_rc), want);
        return 0;
    }
    return 1;
}

TEST(every_truncation_is_an_error)
{
    struct fbb f;
    int64_t live = seer_alloc_live();

    tfl_build(&f, NULL, NULL);
    for (size_t n = 0; n < f.n; n++) {
        struct seer_graph *g = NULL;
        struct seer_err e = {{0}};
        int rc = import_fx(&f, n, &g, &e);
        if (rc == SEER_OK)
            T_FAILF("%zu of %zu bytes imported", n, f.n);
        if (g || !e.msg[0])
            T_FAILF("%zu bytes: graph %p, message \"%s\"", n, (void *)g, e.msg);
    }
    ASSERT(expect_error(&f, 100, SEER_EFORMAT, "past the end"));
    ASSERT(expect_error(&f, 5, SEER_EFORMAT, "too short"));
    ASSERT_EQ(seer_alloc_live(), live);
}

TEST(offsets_past_the_end_name_the_offset)
{
    struct fbb f;
    struct tfl_marks m;

    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.root, (uint32_t)f.n + 100);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, "offset 0: root table offset"));
    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.op0_inputs_ref, 0x7ffffff0u);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, "points past the end"));
}

TEST(vector_longer_than_the_file)
{
    struct fbb f;
    struct tfl_marks m;
    char want[64];

    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.tensors_len, 0x10000000u);
    snprintf(want, sizeof(want), "offset %zu: vector of 268435456 elements", m.tensors_len);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, want));
}

TEST(self_reference_and_operator_cycle)
{
    struct fbb f;
    struct tfl_marks m;
    struct tfl_opts o = {0};

    /* A zero offset points at itself: the one way to loop inside a FlatBuffer. */
    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.op0_inputs_ref, 0);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, "reference to itself (a cycle)"));
    /* Operators must come in execution order; reading a tensor before it is written
     * (which a cycle between operators would need) is an error. */
    o.swap_ops = 1;
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT,
                        "operator 0 reads tensor 5 'flat' before any operator writes it"));
}

TEST(wrong_tensor_types_are_named)
{
    struct fbb f;
    struct tfl_marks m;
    struct tfl_opts o = {0};

    tfl_build(&f, NULL, &m);
    f.b[m.w_type] = 42;
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, "tensor 1 'w': unknown tensor type 42"));
    o.weight_type = 1; /* FLOAT16: 4 elements need 8 bytes, the buffer has 4 */
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT,
                        "tensor 1 'w': its buffer has 4 bytes but 4 float16 elements need 8"));
    o.weight_type = 9; /* INT8 weights under a uint8 conv */
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EUNSUPPORTED, "only uint8"));
    o.weight_type = 0;
    o.input_type = 5; /* STRING */
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EUNSUPPORTED,
                        "tensor 0 'input': tensor type STRING is not supported"));
    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.w_data_len, 3);
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT, "its buffer has 3 bytes"));
}

TEST(per_axis_quantisation_is_refused_by_name)
{
    struct fbb f;
    struct tfl_opts o = {0};

    o.per_axis = 1;
    tfl_build(&f, &o, NULL);
    ASSERT(
        expect_error(&f, f.n, SEER_EUNSUPPORTED, "tensor 1 'w': per-axis quantisation (2 scales)"));
}

TEST(unsupported_operators_are_named)
{
    struct fbb f;
    struct tfl_opts o = {0};

    o.conv_code = 17;
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EUNSUPPORTED,
                        "operator 0 (MAX_POOL_2D): this operator is not supported"));
    o.conv_code = 250;
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EUNSUPPORTED, "operator 0 (builtin code 250)"));
    o.conv_code = 0;
    o.custom = "MyFancyOp";
    tfl_build(&f, &o, NULL);
    ASSERT(expect_error(&f, f.n, SEER_EUNSUPPORTED,
                        "operator 0 (MyFancyOp): this custom operator is not supported"));
}

TEST(single_byte_mutations_never_crash)
{
    static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
    struct fbb f, m;
    int64_t live = seer_alloc_live();
    int ok = 0, failed = 0;

    tfl_build(&f, NULL, NULL);
    for (size_t i = 0; i < f.n; i++) {
        for (size_t k = 0; k < sizeof(vals); k++) {
            struct seer_err e = {{0}};
            int rc;
            if (f.b[i] == vals[k])
                continue;
            m = f;
            m.b[i] = vals[k];
            rc = run_fx(&m, m.n, true, NULL, &e);
            if (rc == SEER_OK)
                ok++;
            else if (!e.msg[0])
                T_FAILF("byte %zu = 0x%02x: %s with no message", i, vals[k], seer_status_name(rc));
            else
                failed++;
        }
    }
    /* Padding and values change harmlessly; structure changes fail. Both happen. */
    ASSERT(ok > 0 && failed > 0);
    ASSERT_EQ(seer_alloc_live(), live);
}

static int run_torture(struct seer_graph **g, struct seer_err *e)
{
    struct fbb f;

    tfl_build(&f, NULL, NULL);
    return import_fx(&f, f.n, g, e);
}

TEST(allocation_failures_are_enomem_without_leaks)
{
    int64_t live = seer_alloc_live();
    int i, rc = -1;

    for (i = 1; i < 2000; i++) {
        struct seer_graph *g = NULL;
        struct seer_err e = {{0}};
        seer_alloc_fail_at(i);
        rc = run_torture(&g, &e);
        bool fired = seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (rc == SEER_OK)
            seer_graph_free(g);
        else if (rc != SEER_ENOMEM || g)
            T_FAILF("allocation %d: %s \"%s\"", i, seer_status_name(rc), e.msg);
        if (seer_alloc_live() != live)
            T_FAILF("allocation %d: %lld blocks leaked", i, (long long)(seer_alloc_live() - live));
        if (!fired)
            break;
    }
    ASSERT_EQ(rc, SEER_OK);
    ASSERT(i > 5);
}

/* {"a": 1, "b": 2.5} as FlexBuffers lays it out (see flexbuf.c): keys, the keys vector,
 * the map's header (keys offset, key width, length), two 4-byte values and their types,
 * then the root's offset, type (map, 4-byte elements) and width. */
static const uint8_t flex_ab[32] = {
    'a', 0, 'b',  0,    2, 5,  4, 0,  /* keys, keys vector [2: -5, -4], pad */
    3,   0, 0,    0,    1, 0,  0, 0,  /* keys at -3, key width 1 */
    2,   0, 0,    0,    1, 0,  0, 0,  /* length 2; value "a" = int 1 */
    0,   0, 0x20, 0x40, 4, 14, 0, 11, /* value "b" = 2.5f; types int, float32; pad; root -11 */
};

TEST(flexbuffers_map_lookup)
{
    uint8_t blob[34];
    struct seer_flex_ref root, v;
    struct seer_err e = {{0}};
    bool found;
    int64_t i;
    double d;

    memcpy(blob, flex_ab, 32);
    blob[32] = (9 << 2) | 2; /* map with 4-byte elements */
    blob[33] = 1;            /* the root slot is one byte */
    ASSERT_OK(seer_flex_root(blob, 34, &root, &e));
    ASSERT_EQ(root.type, SEER_FLEX_MAP);
    ASSERT_OK(seer_flex_map_get(&root, "a", &v, &found, &e));
    ASSERT(found);
    ASSERT_OK(seer_flex_as_int(&v, &i, &e));
    ASSERT_EQ(i, 1);
    ASSERT_OK(seer_flex_map_get(&root, "b", &v, &found, &e));
    ASSERT(found);
    ASSERT_OK(seer_flex_as_double(&v, &d, &e));
    ASSERT_NEAR(d, 2.5, 0);
    ASSERT_OK(seer_flex_as_int(&v, &i, &e));
    ASSERT_EQ(i, 2);
    ASSERT_OK(seer_flex_map_get(&root, "c", &v, &found, &e));
    ASSERT(!found);
    /* Every truncation fails cleanly (the root moves to bytes that are not a map). */
    for (size_t n = 0; n < 34; n++) {
        int rc = seer_flex_root(blob, n, &root, &e);
        if (!rc)
            rc = seer_flex_map_get(&root, "a", &v, &found, &e);
        if (!rc && found)
            rc = seer_flex_as_int(&v, &i, &e);
        ASSERT(rc != SEER_OK || !found || i != 1 || n == 34);
    }
    /* An offset reaching before the blob, and a map that is an int. */
    memcpy(blob, flex_ab, 32);
    blob[32] = (9 << 2) | 2;
    blob[33] = 1;
    blob[31] = 200;
    ASSERT_OK(seer_flex_root(blob, 34, &root, &e));
    ASSERT_EQ(seer_flex_map_get(&root, "a", &v, &found, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "points outside the blob"));
    blob[32] = (1 << 2);
    ASSERT_OK(seer_flex_root(blob, 34, &root, &e));
    ASSERT_EQ(seer_flex_map_get(&root, "a", &v, &found, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "is not a map"));
}

TEST(postprocess_model_reads_flexbuffer_options)
{
    /* Zero encodings: boxes are the anchors. Anchor 0 scores 200/256 for class 0,
     * anchor 1 100/256 for class 1, both over 0.3 and apart: two detections, best
     * first, with either NMS. */
    uint8_t boxes[8], scores[6] = {0, 200, 10, 0, 10, 100};
    const float want_params[SEER_PP_COUNT] = {2, 1, 100, 0, 0.3f, 0.5f, 2, 10, 10, 5, 5};

    memset(boxes, 128, sizeof(boxes));
    for (int regular = 0; regular < 2; regular++) {
        struct fbb f;
        struct seer_graph *g = NULL;
        struct seer_plan *p = NULL;
        struct seer_err e = {{0}};
        struct seer_value *pv;

        tfl_build_pp(&f, regular);
        ASSERT_OK(import_fx(&f, f.n, &g, &e));
        pv = seer_graph_find(g, "TFLite_Detection_PostProcess/params");
        ASSERT(pv && pv->t.dtype == SEER_DTYPE_F32 && pv->t.dims[0] == SEER_PP_COUNT);
        for (int i = 0; i < SEER_PP_COUNT; i++) {
            float want = i == SEER_PP_USE_REGULAR_NMS ? (float)regular : want_params[i];
            ASSERT_NEAR(((const float *)pv->t.data)[i], want, 0);
        }
        ASSERT_OK(seer_graph_prepare(g, &e));
        ASSERT_OK(seer_plan_new(g, NULL, &p, &e));
        memcpy(seer_plan_input(p, 0)->data, boxes, 8);
        memcpy(seer_plan_input(p, 1)->data, scores, 6);
        ASSERT_OK(seer_plan_run(p, &e));
        const float *b = seer_plan_output(p, 0)->data, *c = seer_plan_output(p, 1)->data;
        const float *sc = seer_plan_output(p, 2)->data, *n = seer_plan_output(p, 3)->data;
        ASSERT(n[0] == 2);
        ASSERT(c[0] == 0 && sc[0] == 200.0f / 256 && c[1] == 1 && sc[1] == 100.0f / 256);
        ASSERT(b[0] == 0.375f && b[1] == 0.375f && b[2] == 0.625f && b[3] == 0.625f);
        ASSERT(b[4] == 0.1875f && b[7] == 0.3125f);
        seer_plan_free(p);
        seer_graph_free(g);
    }
}

TEST(postprocess_model_missing_option_is_named)
{
    struct fbb f;
    size_t i = 0;

    tfl_build_pp(&f, 0);
    while (i + 11 < f.n && memcmp(f.b + i, "num_classes", 11))
        i++;
    ASSERT(i + 11 < f.n);
    f.b[i + 4] = 'X';
    ASSERT(expect_error(&f, f.n, SEER_EFORMAT,
                        "operator 0 (TFLite_Detection_PostProcess): custom option 'num_classes' "
                        "is missing"));
}

/* ---- the real model (../shared) ---- */

struct real {
    struct seer_graph *g;
    struct seer_plan *p;
    int sq, cs; /* output indices of Squeeze and convert_scores */
};

static int real_run(struct real *r, bool reference, struct seer_err *e)
{
    struct seer_plan_opts po = {0};
    uint8_t *ppm = NULL;
    size_t n = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    rc = seer_tflite_import_file(shared_path(MODEL), NULL, &r->g, e);
    if (rc)
        return rc;
    /* The two tensors feeding the post-process become outputs too. */
    r->sq = r->g->n_outputs;
    r->cs = r->sq + 1;
    if (seer_graph_mark_output(r->g, seer_graph_find(r->g, "Squeeze")) ||
        seer_graph_mark_output(r->g, seer_graph_find(r->g, "convert_scores")))
        return SEER_ENOMEM;
    po.reference = reference;
    if ((rc = seer_graph_prepare(r->g, e)) || (rc = seer_plan_new(r->g, &po, &r->p, e)) ||
        (rc = seer_file_read(shared_path(REF "table_300x300.ppm"), 0, &ppm, &n, e)))
        return rc;
    /* A binary PPM whose pixels are its last 300*300*3 bytes. */
    if (n < 270000 || memcmp(ppm, "P6", 2)) {
        seer_free(ppm);
        return seer_errf(e, SEER_EFORMAT, "table_300x300.ppm is not a 300x300 P6");
    }
    memcpy(seer_plan_input(r->p, 0)->data, ppm + n - 270000, 270000);
    seer_free(ppm);
    return seer_plan_run(r->p, e);
}

static void real_free(struct real *r)
{
    seer_plan_free(r->p);
    seer_graph_free(r->g);
}

/* Counts the bytes of t that differ from the file rel. -1 when it cannot be read or
 * has another size. */
static long count_diff(const struct seer_tensor *t, const char *rel)
{
    uint8_t *ref = NULL;
    size_t n = 0;
    long bad = 0;
    struct seer_err e = {{0}};

    if (seer_file_read(shared_path(rel), 0, &ref, &n, &e) || n != (size_t)seer_tensor_numel(t) ||
        t->dtype != SEER_DTYPE_U8) {
        seer_free(ref);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        bad += ((const uint8_t *)t->data)[i] != ref[i];
    seer_free(ref);
    return bad;
}

static void check_real_bytes(bool reference)
{
    struct real r;
    struct seer_err e = {{0}};

    if (!file_exists(shared_path(MODEL)) || !file_exists(shared_path(REF "table_300x300.ppm")))
        T_SKIP("needs %s and %s", shared_path(MODEL), shared_path(REF "table_300x300.ppm"));
    int rc = real_run(&r, reference, &e);
    if (rc)
        printf("    %s\n", e.msg);
    ASSERT_OK(rc);
    ASSERT_EQ(count_diff(seer_plan_output(r.p, r.sq), REF "table_640x480.Squeeze.u8"), 0);
    ASSERT_EQ(count_diff(seer_plan_output(r.p, r.cs), REF "table_640x480.convert_scores.u8"), 0);
    real_free(&r);
}

TEST(real_model_postprocess_inputs_byte_exact_reference_kernels)
{
    check_real_bytes(true);
}

TEST(real_model_postprocess_inputs_byte_exact_default_kernels)
{
    check_real_bytes(false);
}

TEST(real_model_detections_equal_tflite)
{
    static const char *const names[4] = {
        "TFLite_Detection_PostProcess", "TFLite_Detection_PostProcess:1",
        "TFLite_Detection_PostProcess:2", "TFLite_Detection_PostProcess:3"};
    struct real r;
    struct seer_err e = {{0}};
    uint8_t *js = NULL;
    size_t n = 0;
    cJSON *root = NULL, *outs;

    if (!file_exists(shared_path(MODEL)) || !file_exists(shared_path(REF "table_640x480.json")))
        T_SKIP("needs %s and %s", shared_path(MODEL), shared_path(REF "table_640x480.json"));
    ASSERT_OK(real_run(&r, false, &e));
    ASSERT_OK(seer_file_read(shared_path(REF "table_640x480.json"), 0, &js, &n, &e));
    root = cJSON_ParseWithLength((const char *)js, n);
    outs = cJSON_GetObjectItem(root, "outputs");
    ASSERT(outs);
    for (int k = 0; k < 4; k++) {
        const cJSON *o = cJSON_GetObjectItem(outs, names[k]);
        const cJSON *vals = cJSON_GetObjectItem(o, "values");
        int idx = seer_plan_find_output(r.p, names[k]);
        const struct seer_tensor *t;
        ASSERT(vals && idx >= 0);
        t = seer_plan_output(r.p, idx);
        ASSERT_EQ(seer_tensor_numel(t), cJSON_GetArraySize(vals));
        for (int i = 0; i < cJSON_GetArraySize(vals); i++) {
            /* The JSON holds float32 values printed as doubles: equal after rounding
             * back to float, or the detections differ. */
            float want = (float)cJSON_GetArrayItem(vals, i)->valuedouble;
            float got = ((const float *)t->data)[i];
            if (got != want)
                T_FAILF("%s[%d] = %.9g, TFLite %.9g", names[k], i, got, want);
        }
    }
    cJSON_Delete(root);
    seer_free(js);
    real_free(&r);
}

T_MAIN(T_CASE(tiny_model_computes_hand_worked_values),
       T_CASE(tiny_model_keeps_names_and_quantisation), T_CASE(every_truncation_is_an_error),
       T_CASE(offsets_past_the_end_name_the_offset), T_CASE(vector_longer_than_the_file),
       T_CASE(self_reference_and_operator_cycle), T_CASE(wrong_tensor_types_are_named),
       T_CASE(per_axis_quantisation_is_refused_by_name), T_CASE(unsupported_operators_are_named),
       T_CASE(single_byte_mutations_never_crash),
       T_CASE(allocation_failures_are_enomem_without_leaks), T_CASE(flexbuffers_map_lookup),
       T_CASE(postprocess_model_reads_flexbuffer_options),
       T_CASE(postprocess_model_missing_option_is_named),
       T_CASE(real_model_postprocess_inputs_byte_exact_reference_kernels),
       T_CASE(real_model_postprocess_inputs_byte_exact_default_kernels),
       T_CASE(real_model_detections_equal_tflite))
