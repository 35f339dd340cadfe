/*
 * The ssd family's decoder (TFLite_Detection_PostProcess outputs to detections) on
 * outputs written by hand: the count, the threshold, the background offset of the label
 * map, boxes in photo pixels, sorting, the cap, bad shapes.
 */
#include "core/arena.h"
#include "detect/detect_int.h"
#include "t.h"

struct outs {
    float boxes[3][4], classes[3], scores[3], count;
    struct seer_tensor t[4];
    const struct seer_tensor *p[4];
};

static void outs_init(struct outs *o, int64_t rows)
{
    static const float boxes[3][4] = {
        {0.1f, 0.2f, 0.5f, 0.6f}, {0.0f, -0.01f, 1.0f, 1.0f}, {0.2f, 0.2f, 0.3f, 0.3f}};
    const int64_t d3[3] = {1, rows, 4}, d2[2] = {1, rows}, d1[1] = {1};

    memcpy(o->boxes, boxes, sizeof(boxes));
    o->classes[0] = 46;
    o->classes[1] = 0;
    o->classes[2] = 5;
    o->scores[0] = 0.25f;
    o->scores[1] = 0.9f;
    o->scores[2] = 0.99f; /* past the count: never reported */
    o->count = 2;
    memset(o->t, 0, sizeof(o->t));
    seer_tensor_set_shape(&o->t[0], SEER_DTYPE_F32, 3, d3);
    seer_tensor_set_shape(&o->t[1], SEER_DTYPE_F32, 2, d2);
    seer_tensor_set_shape(&o->t[2], SEER_DTYPE_F32, 2, d2);
    seer_tensor_set_shape(&o->t[3], SEER_DTYPE_F32, 1, d1);
    o->t[0].data = o->boxes;
    o->t[1].data = o->classes;
    o->t[2].data = o->scores;
    o->t[3].data = &o->count;
    for (int i = 0; i < 4; i++)
        o->p[i] = &o->t[i];
}

static struct seer__decode_args args(float thr, int max, int offset)
{
    struct seer__decode_args da = {0};

    da.in_w = da.in_h = 300;
    da.orig_w = 640;
    da.orig_h = 480;
    da.score_threshold = thr;
    da.max_detections = max;
    da.label_offset = offset;
    return da;
}

TEST(ssd_rows_up_to_count_sorted_with_offset)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err e = {{0}};
    struct seer__decode_args da = args(0.2f, 10, 1);
    struct seer_det *d;
    struct outs o;
    int n;

    outs_init(&o, 3);
    ASSERT_OK(seer__ssd_decode(o.p, &da, a, &d, &n, &e));
    ASSERT_EQ(n, 2);
    /* Best first: row 1 (class 0 + 1 for "???"), the whole photo, x from -0.01. */
    ASSERT_EQ(d[0].class_index, 1);
    ASSERT_NEAR(d[0].score, 0.9, 1e-7);
    ASSERT_NEAR(d[0].box[0], -6.4, 1e-4);
    ASSERT_NEAR(d[0].box[1], 0.0, 1e-6);
    ASSERT_NEAR(d[0].box[2], 640.0, 1e-4);
    ASSERT_NEAR(d[0].box[3], 480.0, 1e-4);
    /* Row 0: class 46 + 1 = 47 (cup in TFLite's label map); (y 0.1, x 0.2, y 0.5, x 0.6)
     * -> x 128..384, y 48..240. */
    ASSERT_EQ(d[1].class_index, 47);
    ASSERT_NEAR(d[1].box[0], 128.0, 1e-4);
    ASSERT_NEAR(d[1].box[1], 48.0, 1e-4);
    ASSERT_NEAR(d[1].box[2], 384.0, 1e-4);
    ASSERT_NEAR(d[1].box[3], 240.0, 1e-4);
    seer_arena_free(a);
}

TEST(ssd_threshold_cap_and_count)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err e = {{0}};
    struct seer__decode_args da = args(0.3f, 10, 0);
    struct seer_det *d;
    struct outs o;
    int n;

    outs_init(&o, 3);
    ASSERT_OK(seer__ssd_decode(o.p, &da, a, &d, &n, &e));
    ASSERT_EQ(n, 1); /* 0.25 is not above 0.3 */
    ASSERT_EQ(d[0].class_index, 0);
    da = args(0.0f, 1, 0);
    ASSERT_OK(seer__ssd_decode(o.p, &da, a, &d, &n, &e));
    ASSERT_EQ(n, 1); /* capped */
    ASSERT_NEAR(d[0].score, 0.9, 1e-7);
    /* A count that is not a count (negative, NaN) means every row. */
    o.count = -1;
    da = args(0.0f, 10, 0);
    ASSERT_OK(seer__ssd_decode(o.p, &da, a, &d, &n, &e));
    ASSERT_EQ(n, 3);
    ASSERT_NEAR(d[0].score, 0.99, 1e-7);
    seer_arena_free(a);
}

TEST(ssd_bad_outputs_are_errors)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer_err e = {{0}};
    struct seer__decode_args da = args(0.3f, 10, 0);
    struct seer_det *d;
    struct outs o;
    int n;

    outs_init(&o, 3);
    o.t[1].dims[1] = 2; /* classes shorter than boxes */
    ASSERT_EQ(seer__ssd_decode(o.p, &da, a, &d, &n, &e), SEER_EFORMAT);
    ASSERT(strstr(e.msg, "ssd: expected float32"));
    outs_init(&o, 3);
    o.t[2].dtype = SEER_DTYPE_U8;
    ASSERT_EQ(seer__ssd_decode(o.p, &da, a, &d, &n, &e), SEER_EFORMAT);
    ASSERT(d == NULL && n == 0);
    seer_arena_free(a);
}

T_MAIN(T_CASE(ssd_rows_up_to_count_sorted_with_offset), T_CASE(ssd_threshold_cap_and_count),
       T_CASE(ssd_bad_outputs_are_errors))
