/*
 * The GraphDef importer and the dataflow interpreter on real TF1 frozen graphs
 * (../shared/models/tf-frozen: three TF Object Detection API SSDs with while loops and
 * TensorArrays, and MTCNN with tf.cond, CropAndResize and several NMS stages), fed the
 * exact pixels in inputs/NAME.ppm and compared with every output TensorFlow.js computed
 * (expected/NAME.tfjs.json): detections as sets within 1e-4, num_detections exactly.
 *
 * Then small GraphDefs written here byte by byte: both encodings of constants (with
 * TensorFlow's repeat-the-last-value rule), and malformed files, which must fail with a
 * message that says what and where (truncated varints, lengths past the end, a cycle
 * that is no loop, a missing input node, a huge declared tensor), and out-of-memory at
 * every allocation of an import.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "core/file.h"
#include "import/import.h"
#include "shared.h"
#include "t.h"

#define TOL 1e-4

/* ---- real graphs ---- */

static uint8_t *read_ppm(const char *path, int *w, int *h)
{
    uint8_t *buf = NULL, *px = NULL;
    size_t n = 0;
    int maxv = 0, off = 0;

    if (seer_file_read(path, 0, &buf, &n, NULL))
        return NULL;
    if (sscanf((const char *)buf, "P6 %d %d %d%n", w, h, &maxv, &off) == 3 && maxv == 255 &&
        (size_t)off + 1 + (size_t)*w * *h * 3 <= n) {
        px = malloc((size_t)*w * *h * 3);
        if (px)
            memcpy(px, buf + off + 1, (size_t)*w * *h * 3);
    }
    seer_free(buf);
    return px;
}

static cJSON *read_json(const char *path)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    cJSON *j;

    if (seer_file_read(path, 0, &buf, &n, NULL))
        return NULL;
    j = cJSON_Parse((const char *)buf);
    seer_free(buf);
    return j;
}

static const cJSON *expected_values(const cJSON *root, const char *name, int64_t *numel)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(root, name), "values");

    *numel = cJSON_GetArraySize(v);
    return v;
}

static double jv(const cJSON *arr, int i)
{
    return cJSON_GetArrayItem(arr, i)->valuedouble;
}

static int load(const char *path, const struct seer_import_opts *io, struct seer_graph **g,
                struct seer_plan **p, struct seer_err *err)
{
    int rc = seer_graphdef_import_file(path, NULL, io, g, err);
    struct seer_plan_opts o = {.n_threads = 2};

    if (!rc)
        rc = seer_graph_prepare(*g, err);
    if (!rc)
        rc = seer_plan_new(*g, &o, p, err);
    return rc;
}

static int out_index(const struct seer_plan *p, const char *name)
{
    int i = seer_plan_find_output(p, name);
    return i;
}

/* Rows of `width` values (a detection: box and score and class; a face: box, prob,
 * landmarks) match one to one, in any order, each value within tol. */
static int match_rows(const float *got, const double *want, int n, int width, double tol)
{
    bool *used = calloc((size_t)n + 1, 1);
    int matched = 0;

    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            bool ok = !used[j];
            for (int k = 0; ok && k < width; k++)
                ok = fabs(got[j * width + k] - want[i * width + k]) <= tol;
            if (ok) {
                used[j] = true;
                matched++;
                break;
            }
        }
    }
    free(used);
    return matched;
}

/* One SSD on one input: every output against TF.js. */
static void check_ssd(const char *dir, const char *input)
{
    char path[512], exp[512];
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};
    cJSON *want = NULL;
    uint8_t *px = NULL;
    int w, h;

    snprintf(path, sizeof(path), "models/tf-frozen/%s/frozen_inference_graph.pb", dir);
    snprintf(exp, sizeof(exp), "models/tf-frozen/%s/expected/%s.tfjs.json", dir, input);
    if (!file_exists(shared_path(path)) || !file_exists(shared_path(exp)))
        T_SKIP("needs %s", shared_path(path));
    snprintf(path, sizeof(path), "models/tf-frozen/%s/inputs/%s.ppm", dir, input);
    px = read_ppm(shared_path(path), &w, &h);
    want = read_json(shared_path(exp));
    ASSERT(px && want);
    snprintf(path, sizeof(path), "models/tf-frozen/%s/frozen_inference_graph.pb", dir);
    if (load(shared_path(path), NULL, &g, &p, &err))
        T_FAILF("%s: %s", dir, err.msg);
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 4, (const int64_t[]){1, h, w, 3}, &err));
    memcpy(seer_plan_input(p, 0)->data, px, (size_t)w * h * 3);
    if (seer_plan_run(p, &err))
        T_FAILF("%s: %s", dir, err.msg);

    int ib = out_index(p, "detection_boxes"), is = out_index(p, "detection_scores");
    int ic = out_index(p, "detection_classes"), in = out_index(p, "num_detections");
    ASSERT(ib >= 0 && is >= 0 && ic >= 0 && in >= 0);
    const struct seer_tensor *tb = seer_plan_output(p, ib), *ts = seer_plan_output(p, is);
    const struct seer_tensor *tc = seer_plan_output(p, ic), *tn = seer_plan_output(p, in);
    int64_t nb, ns, nc, nn;
    const cJSON *eb = expected_values(want, "detection_boxes", &nb);
    const cJSON *es = expected_values(want, "detection_scores", &ns);
    const cJSON *ec = expected_values(want, "detection_classes", &nc);
    const cJSON *en = expected_values(want, "num_detections", &nn);
    ASSERT_EQ(seer_tensor_numel(tb), nb);
    ASSERT_EQ(seer_tensor_numel(ts), ns);
    ASSERT_EQ(seer_tensor_numel(tc), nc);
    ASSERT_EQ(nn, 1);
    ASSERT_EQ(((const float *)tn->data)[0], jv(en, 0));
    /* Detections as rows (4 box values, score, class). */
    int n = (int)ns;
    float *got = calloc(6 * (size_t)n + 1, sizeof(float));
    double *exp_rows = calloc(6 * (size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) {
            got[i * 6 + k] = ((const float *)tb->data)[i * 4 + k];
            exp_rows[i * 6 + k] = jv(eb, i * 4 + k);
        }
        got[i * 6 + 4] = ((const float *)ts->data)[i];
        got[i * 6 + 5] = ((const float *)tc->data)[i];
        exp_rows[i * 6 + 4] = jv(es, i);
        exp_rows[i * 6 + 5] = jv(ec, i);
    }
    int matched = match_rows(got, exp_rows, n, 6, TOL);
    for (int i = 1; i < n; i++)
        ASSERT(got[(i - 1) * 6 + 4] >= got[i * 6 + 4]);
    free(got);
    free(exp_rows);
    if (matched != n)
        T_FAILF("%s %s: %d of %d detections match TF.js", dir, input, matched, n);
    seer_plan_free(p);
    seer_graph_free(g);
    cJSON_Delete(want);
    free(px);
}

TEST(person_cat_dog_cyclist)
{
    check_ssd("aiy-ssd-mbv1-0.125-person-cat-dog", "cyclist_crop256");
}

TEST(person_cat_dog_dog_cat)
{
    check_ssd("aiy-ssd-mbv1-0.125-person-cat-dog", "dog_cat_256x256");
}

TEST(pikachu_pikachu)
{
    check_ssd("aiy-ssd-mbv1-0.125-pikachu", "pikachu_636x436");
}

TEST(pikachu_cyclist)
{
    check_ssd("aiy-ssd-mbv1-0.125-pikachu", "cyclist_600x400");
}

TEST(voc_cyclist)
{
    check_ssd("aiy-ssd-mbv1-0.125-voc", "cyclist_600x400");
}

TEST(voc_motorbikes)
{
    check_ssd("aiy-ssd-mbv1-0.125-voc", "motorbikes_250x187");
}

/* The person/cat/dog model finds the cyclist: its top detection is a person. */
TEST(person_found_on_cyclist)
{
    const char *pb = shared_path("models/tf-frozen/aiy-ssd-mbv1-0.125-person-cat-dog/"
                                 "frozen_inference_graph.pb");
    const char *in = shared_path("models/tf-frozen/aiy-ssd-mbv1-0.125-person-cat-dog/inputs/"
                                 "cyclist_crop256.ppm");
    const char *const outs[] = {"detection_boxes", "detection_scores", "detection_classes"};
    struct seer_import_opts io = {.outputs = outs, .n_outputs = 3};
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};
    uint8_t *px;
    int w, h;

    if (!file_exists(pb) || !file_exists(in))
        T_SKIP("needs %s", pb);
    px = read_ppm(in, &w, &h);
    ASSERT(px && w == 256 && h == 256);
    if (load(pb, &io, &g, &p, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(seer_plan_n_outputs(p), 3);
    memcpy(seer_plan_input(p, 0)->data, px, (size_t)w * h * 3);
    ASSERT_OK(seer_plan_run(p, &err));
    const float *box = seer_plan_output(p, 0)->data;
    float score = ((const float *)seer_plan_output(p, 1)->data)[0];
    float cls = ((const float *)seer_plan_output(p, 2)->data)[0];
    ASSERT_EQ((int)cls, 1); /* label map: 1 person */
    ASSERT(score > 0.9f);
    /* Tall and in the left half: ymin, xmin, ymax, xmax. */
    ASSERT(box[0] < 0.1f && box[2] > 0.9f && box[1] > 0.1f && box[3] < 0.6f);
    seer_plan_free(p);
    seer_graph_free(g);
    free(px);
}

TEST(mtcnn_faces)
{
    const char *pb = shared_path("models/tf-frozen/mtcnn-blaueck/mtcnn.pb");
    const char *in = shared_path("models/tf-frozen/mtcnn-blaueck/inputs/test_image_498x310.ppm");
    const char *ex = shared_path("models/tf-frozen/mtcnn-blaueck/expected/"
                                 "test_image_498x310.tfjs.json");
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};
    cJSON *want;
    uint8_t *px;
    int w, h;

    if (!file_exists(pb) || !file_exists(in) || !file_exists(ex))
        T_SKIP("needs %s", pb);
    px = read_ppm(in, &w, &h);
    want = read_json(ex);
    ASSERT(px && want);
    if (load(pb, NULL, &g, &p, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(seer_plan_n_inputs(p), 4);
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 3, (const int64_t[]){h, w, 3}, &err));
    float *x = seer_plan_input(p, 0)->data;
    for (int i = 0; i < w * h; i++)
        for (int c = 0; c < 3; c++)
            x[i * 3 + c] = px[i * 3 + 2 - c]; /* BGR, as the demo feeds cv2 pixels */
    *(float *)seer_plan_input(p, 1)->data = 40.0f;
    memcpy(seer_plan_input(p, 2)->data, (const float[]){0.6f, 0.7f, 0.7f}, 3 * sizeof(float));
    *(float *)seer_plan_input(p, 3)->data = 0.709f;
    if (seer_plan_run(p, &err))
        T_FAILF("%s", err.msg);
    const struct seer_tensor *prob = seer_plan_output(p, out_index(p, "prob"));
    const struct seer_tensor *lm = seer_plan_output(p, out_index(p, "landmarks"));
    const struct seer_tensor *box = seer_plan_output(p, out_index(p, "box"));
    int64_t np, nl, nbx;
    const cJSON *ep = expected_values(want, "prob", &np);
    const cJSON *el = expected_values(want, "landmarks", &nl);
    const cJSON *eb = expected_values(want, "box", &nbx);
    ASSERT_EQ(np, 6);
    ASSERT_EQ(seer_tensor_numel(prob), np);
    ASSERT_EQ(seer_tensor_numel(lm), nl);
    ASSERT_EQ(seer_tensor_numel(box), nbx);
    /* Rows of prob, box (pixels) and landmarks (pixels), matched as a set. Pixel values
     * are in the hundreds, so 1e-4 is relative to them. */
    float got[6 * 15];
    double exp_rows[6 * 15];
    for (int i = 0; i < 6; i++) {
        got[i * 15] = ((const float *)prob->data)[i];
        exp_rows[i * 15] = jv(ep, i);
        for (int k = 0; k < 4; k++) {
            got[i * 15 + 1 + k] = ((const float *)box->data)[i * 4 + k] / 500.0f;
            exp_rows[i * 15 + 1 + k] = jv(eb, i * 4 + k) / 500.0;
        }
        for (int k = 0; k < 10; k++) {
            got[i * 15 + 5 + k] = ((const float *)lm->data)[i * 10 + k] / 500.0f;
            exp_rows[i * 15 + 5 + k] = jv(el, i * 10 + k) / 500.0;
        }
    }
    ASSERT_EQ(match_rows(got, exp_rows, 6, 15, TOL), 6);
    seer_plan_free(p);
    seer_graph_free(g);
    cJSON_Delete(want);
    free(px);
}

/* ---- GraphDefs written here ---- */

struct pbw {
    uint8_t b[8192];
    size_t n;
};

static void w_byte(struct pbw *w, uint8_t c)
{
    if (w->n < sizeof(w->b))
        w->b[w->n++] = c;
}

static void w_varint(struct pbw *w, uint64_t v)
{
    while (v >= 0x80) {
        w_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    w_byte(w, (uint8_t)v);
}

static void w_tag(struct pbw *w, int field, int wire)
{
    w_varint(w, (uint64_t)field << 3 | (uint64_t)wire);
}

static void w_bytes(struct pbw *w, int field, const void *p, size_t n)
{
    w_tag(w, field, 2);
    w_varint(w, n);
    for (size_t i = 0; i < n; i++)
        w_byte(w, ((const uint8_t *)p)[i]);
}

static void w_str(struct pbw *w, int field, const char *s)
{
    w_bytes(w, field, s, strlen(s));
}

static void w_sub(struct pbw *w, int field, const struct pbw *sub)
{
    w_bytes(w, field, sub->b, sub->n);
}

static void w_int(struct pbw *w, int field, uint64_t v)
{
    w_tag(w, field, 0);
    w_varint(w, v);
}

/* TensorShapeProto with the given dims. */
static void w_shape(struct pbw *w, int field, int ndim, const int64_t *dims)
{
    struct pbw s = {0};
    for (int i = 0; i < ndim; i++) {
        struct pbw d = {0};
        w_int(&d, 1, (uint64_t)dims[i]);
        w_sub(&s, 2, &d);
    }
    w_sub(w, field, &s);
}

/* attr entry {key, AttrValue} of a NodeDef. */
static void w_attr(struct pbw *node, const char *key, const struct pbw *value)
{
    struct pbw e = {0};
    w_str(&e, 1, key);
    w_sub(&e, 2, value);
    w_sub(node, 5, &e);
}

static void w_attr_type(struct pbw *node, const char *key, int dt)
{
    struct pbw v = {0};
    w_int(&v, 6, (uint64_t)dt);
    w_attr(node, key, &v);
}

/* A node: name, op, inputs, then already-encoded attributes. */
static void w_node(struct pbw *graph, const char *name, const char *op, const char *const *in,
                   int n_in, const struct pbw *attrs)
{
    struct pbw nd = {0};
    w_str(&nd, 1, name);
    w_str(&nd, 2, op);
    for (int i = 0; i < n_in; i++)
        w_str(&nd, 3, in[i]);
    if (attrs)
        for (size_t i = 0; i < attrs->n; i++)
            w_byte(&nd, attrs->b[i]);
    w_sub(graph, 1, &nd);
}

/* A float Const whose TensorProto has the shape and either packed float_val (content
 * false) or tensor_content. */
static void w_const_f32(struct pbw *graph, const char *name, int ndim, const int64_t *dims,
                        const float *v, int n, bool content)
{
    struct pbw t = {0}, val = {0}, attrs = {0};
    w_int(&t, 1, 1);
    w_shape(&t, 2, ndim, dims);
    if (content)
        w_bytes(&t, 4, v, (size_t)n * sizeof(float));
    else if (n > 0)
        w_bytes(&t, 5, v, (size_t)n * sizeof(float));
    w_sub(&val, 8, &t);
    w_attr_type(&attrs, "dtype", 1);
    w_attr(&attrs, "value", &val);
    w_node(graph, name, "Const", NULL, 0, &attrs);
}

static void w_placeholder(struct pbw *graph, const char *name, int ndim, const int64_t *dims)
{
    struct pbw attrs = {0}, sh = {0};
    w_attr_type(&attrs, "dtype", 1);
    w_shape(&sh, 7, ndim, dims);
    w_attr(&attrs, "shape", &sh);
    w_node(graph, name, "Placeholder", NULL, 0, &attrs);
}

static int import(const struct pbw *w, struct seer_graph **g, struct seer_err *err)
{
    int rc = seer_graphdef_import_mem(w->b, w->n, NULL, NULL, g, err);
    if (!rc && (rc = seer_graph_prepare(*g, err))) {
        seer_graph_free(*g);
        *g = NULL;
    }
    return rc;
}

TEST(constants_in_both_encodings)
{
    struct pbw w = {0};
    struct seer_graph *g = NULL;
    struct seer_err err = {{0}};
    const char *in_a[] = {"a"}, *in_b[] = {"b"}, *in_c[] = {"c"}, *in_d[] = {"d"};

    /* tensor_content; one float_val for three elements (repeated); two for four (the
     * last repeats); none (zeros). */
    w_const_f32(&w, "a", 1, (const int64_t[]){2}, (const float[]){1.5f, -2}, 2, true);
    w_const_f32(&w, "b", 1, (const int64_t[]){3}, (const float[]){0.25f}, 1, false);
    w_const_f32(&w, "c", 2, (const int64_t[]){2, 2}, (const float[]){1, 2}, 2, false);
    w_const_f32(&w, "d", 1, (const int64_t[]){2}, NULL, 0, false);
    w_node(&w, "ya", "Identity", in_a, 1, NULL);
    w_node(&w, "yb", "Identity", in_b, 1, NULL);
    w_node(&w, "yc", "Identity", in_c, 1, NULL);
    w_node(&w, "yd", "Identity", in_d, 1, NULL);
    if (import(&w, &g, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(g->n_outputs, 4);
    const float *a = g->outputs[0]->t.data, *b = g->outputs[1]->t.data;
    const float *c = g->outputs[2]->t.data, *d = g->outputs[3]->t.data;
    ASSERT(a[0] == 1.5f && a[1] == -2);
    ASSERT(b[0] == 0.25f && b[1] == 0.25f && b[2] == 0.25f);
    ASSERT(c[0] == 1 && c[1] == 2 && c[2] == 2 && c[3] == 2);
    ASSERT(d[0] == 0 && d[1] == 0);
    seer_graph_free(g);
}

/* A graph that computes: x + c, with Placeholder x [-1] and a float const. */
static void small_graph(struct pbw *w, const char *extra_input)
{
    const char *in[] = {"x", "c", extra_input};
    w_placeholder(w, "x", 1, (const int64_t[]){-1});
    w_const_f32(w, "c", 1, (const int64_t[]){1}, (const float[]){2}, 1, false);
    w_node(w, "y", "Add", in, extra_input ? 3 : 2, NULL);
}

TEST(small_graph_runs_with_open_dims)
{
    struct pbw w = {0};
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};

    small_graph(&w, "^c");
    if (import(&w, &g, &err))
        T_FAILF("%s", err.msg);
    ASSERT_EQ(g->inputs[0]->t.dims[0], -1);
    ASSERT_OK(seer_plan_new(g, NULL, &p, &err));
    ASSERT_OK(seer_plan_set_input_shape(p, 0, 1, (const int64_t[]){3}, &err));
    memcpy(seer_plan_input(p, 0)->data, (const float[]){1, 2, 3}, 3 * sizeof(float));
    ASSERT_OK(seer_plan_run(p, &err));
    const float *y = seer_plan_output(p, 0)->data;
    ASSERT(y[0] == 3 && y[1] == 4 && y[2] == 5);
    seer_plan_free(p);
    seer_graph_free(g);
}

/* Imports bytes expected to fail with rc and a message containing sub. */
#define ASSERT_BAD(bytes, n, want_rc, sub)                                                         \
    do {                                                                                           \
        struct seer_graph *g_ = NULL;                                                              \
        struct seer_err e_ = {{0}};                                                                \
        int rc_ = seer_graphdef_import_mem(bytes, n, NULL, NULL, &g_, &e_);                        \
        if (!rc_ && (rc_ = seer_graph_prepare(g_, &e_)))                                           \
            seer_graph_free(g_), g_ = NULL;                                                        \
        if (rc_ != (want_rc))                                                                      \
            T_FAILF("status %d, want %d (%s)", rc_, (int)(want_rc), e_.msg);                       \
        if (!strstr(e_.msg, sub))                                                                  \
            T_FAILF("message \"%s\" lacks \"%s\"", e_.msg, sub);                                   \
        ASSERT(!g_);                                                                               \
    } while (0)

TEST(malformed_wire_format)
{
    struct pbw w = {0};

    /* A length varint cut off, a length past the end, a tag with field 0, a group. */
    ASSERT_BAD((const uint8_t *)"\x0a\x80", 2, SEER_EFORMAT, "offset 0");
    ASSERT_BAD((const uint8_t *)"\x0a\x10\x0a", 3, SEER_EFORMAT, "past the end");
    ASSERT_BAD((const uint8_t *)"\x02\x00", 2, SEER_EFORMAT, "field number 0");
    ASSERT_BAD((const uint8_t *)"\x0b", 1, SEER_EFORMAT, "wire type 3");
    /* A varint of 11 bytes. */
    ASSERT_BAD((const uint8_t *)"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12,
               SEER_EFORMAT, "truncated varint");
    /* A node whose inner name field runs past the node: truncate a real graph. */
    small_graph(&w, NULL);
    for (size_t cut = 1; cut < w.n; cut++) {
        struct seer_graph *g = NULL;
        struct seer_err e = {{0}};
        int rc = seer_graphdef_import_mem(w.b, cut, NULL, NULL, &g, &e);
        if (rc)
            ASSERT(e.msg[0]);
        seer_graph_free(g);
    }
    ASSERT_BAD((const uint8_t *)"", 0, SEER_EFORMAT, "no outputs");
}

TEST(malformed_graphs)
{
    struct pbw w = {0}, t = {0}, val = {0}, attrs = {0};
    const char *cyc_a[] = {"x", "b"}, *cyc_b[] = {"a", "a"};

    /* An input naming no node. */
    small_graph(&w, "nope");
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "'nope' names a node that does not exist");
    /* A cycle with no loop frame. */
    memset(&w, 0, sizeof(w));
    w_placeholder(&w, "x", 1, (const int64_t[]){2});
    w_node(&w, "a", "Add", cyc_a, 2, NULL);
    w_node(&w, "b", "Mul", cyc_b, 2, NULL);
    w_node(&w, "y", "Identity", (const char *const[]){"b"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "cycle");
    /* A huge declared tensor (2^40 elements) with no data. */
    memset(&w, 0, sizeof(w));
    w_int(&t, 1, 1);
    w_shape(&t, 2, 2, (const int64_t[]){1 << 20, 1 << 20});
    w_sub(&val, 8, &t);
    w_attr_type(&attrs, "dtype", 1);
    w_attr(&attrs, "value", &val);
    w_node(&w, "huge", "Const", NULL, 0, &attrs);
    w_node(&w, "y", "Identity", (const char *const[]){"huge"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_ELIMIT, "'huge' declares more than");
    /* tensor_content of the wrong size. */
    memset(&w, 0, sizeof(w));
    w_const_f32(&w, "c", 1, (const int64_t[]){3}, (const float[]){1, 2}, 2, true);
    w_node(&w, "y", "Identity", (const char *const[]){"c"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "tensor_content is 8 bytes");
    /* More values than elements. */
    memset(&w, 0, sizeof(w));
    w_const_f32(&w, "c", 1, (const int64_t[]){1}, (const float[]){1, 2}, 2, false);
    w_node(&w, "y", "Identity", (const char *const[]){"c"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "2 values for 1 elements");
    /* Two nodes of one name; an op we do not know; an output index past the end. */
    memset(&w, 0, sizeof(w));
    small_graph(&w, NULL);
    w_placeholder(&w, "x", 1, (const int64_t[]){2});
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "two nodes are named 'x'");
    memset(&w, 0, sizeof(w));
    w_placeholder(&w, "x", 1, (const int64_t[]){2});
    w_node(&w, "y", "FancyOp", (const char *const[]){"x"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_EUNSUPPORTED, "'FancyOp' is not supported");
    memset(&w, 0, sizeof(w));
    w_placeholder(&w, "x", 1, (const int64_t[]){2});
    w_node(&w, "y", "Relu", (const char *const[]){"x:3"}, 1, NULL);
    ASSERT_BAD(w.b, w.n, SEER_EFORMAT, "has 1 output");
}

TEST(import_survives_every_allocation_failure)
{
    struct pbw w = {0};
    bool ok = false;

    small_graph(&w, "^c");
    for (int64_t n = 1; n < 5000 && !ok; n++) {
        struct seer_graph *g = NULL;
        struct seer_err e = {{0}};
        int64_t live = seer_alloc_live();
        seer_alloc_fail_at(n);
        int rc = seer_graphdef_import_mem(w.b, w.n, NULL, NULL, &g, &e);
        bool failed = seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (!failed) {
            ASSERT_OK(rc);
            ok = true;
        } else {
            ASSERT_EQ(rc, SEER_ENOMEM);
            ASSERT(!g);
        }
        seer_graph_free(g);
        ASSERT_EQ(seer_alloc_live(), live);
    }
    ASSERT(ok);
}

T_MAIN(T_CASE(person_cat_dog_cyclist), T_CASE(person_cat_dog_dog_cat), T_CASE(pikachu_pikachu),
       T_CASE(pikachu_cyclist), T_CASE(voc_cyclist), T_CASE(voc_motorbikes),
       T_CASE(person_found_on_cyclist), T_CASE(mtcnn_faces), T_CASE(constants_in_both_encodings),
       T_CASE(small_graph_runs_with_open_dims), T_CASE(malformed_wire_format),
       T_CASE(malformed_graphs), T_CASE(import_survives_every_allocation_failure))
