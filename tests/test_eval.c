/*
 * Tests for eval: COCO metrics on hand-made cases whose answers are worked out below from
 * the COCOeval definitions, on coco-dev against pycocotools' own numbers, and bad input.
 *
 * Precision in pycocotools is tp / (tp + fp + eps) with eps = np.spacing(1) = DBL_EPSILON,
 * so "perfect" is 1 / (1 + eps); the expected values below keep that term.
 */
#include <cjson/cJSON.h>
#include <float.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <seer/eval.h>

#include "core/alloc.h"
#include "core/file.h"
#include "t.h"

#define EPS DBL_EPSILON

enum {
    AP = SEER_EVAL_METRIC_AP,
    AP50 = SEER_EVAL_METRIC_AP50,
    AP75 = SEER_EVAL_METRIC_AP75,
    APS = SEER_EVAL_METRIC_APS,
    APM = SEER_EVAL_METRIC_APM,
    APL = SEER_EVAL_METRIC_APL,
    AR1 = SEER_EVAL_METRIC_AR1,
    AR10 = SEER_EVAL_METRIC_AR10,
    AR100 = SEER_EVAL_METRIC_AR100,
    ARS = SEER_EVAL_METRIC_ARS,
    ARM = SEER_EVAL_METRIC_ARM,
    ARL = SEER_EVAL_METRIC_ARL,
};

/* Parses gt_json and evaluates dets against it. */
static int eval_str(const char *gt_json, const struct seer_eval_det *dets, size_t n,
                    struct seer_eval_metrics *m, struct seer_err *err)
{
    struct seer_eval_gt *gt = NULL;
    int rc = seer_eval_gt_parse(gt_json, strlen(gt_json), &gt, err);

    if (!rc)
        rc = seer_eval_coco(gt, dets, n, m, err);
    seer_eval_gt_free(gt);
    return rc;
}

/* One image (id 1), one category (id 1) unless the test says otherwise. */
#define GT_HEAD                                                                                    \
    "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\"}], "                                       \
    "\"categories\": [{\"id\": 1, \"name\": \"thing\"}], \"annotations\": ["
/* Ground truth with one image and category holding boxes[i] = {x, y, w, h, iscrowd},
 * area w*h. */
static const char *gt_text(char *buf, size_t cap, const double (*boxes)[5], size_t n)
{
    size_t len = (size_t)snprintf(buf, cap, "%s", GT_HEAD);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"id\": %zu, \"image_id\": 1, \"category_id\": 1, "
                                "\"bbox\": [%g, %g, %g, %g], \"area\": %g, \"iscrowd\": %d}",
                                i ? ", " : "", i + 1, boxes[i][0], boxes[i][1], boxes[i][2],
                                boxes[i][3], boxes[i][2] * boxes[i][3], (int)boxes[i][4]);
    snprintf(buf + len, cap - len, "]}");
    return buf;
}

static struct seer_eval_det det(double x, double y, double w, double h, double score)
{
    return (struct seer_eval_det){1, 1, {x, y, w, h}, score};
}

TEST(perfect_detections_score_one)
{
    /* Three images, two categories, every area range, one crowd region, one box per
     * (image, category) so that AR1 is 1 too. */
    static const char gt[] =
        "{\"images\": [{\"id\": 7}, {\"id\": 3}, {\"id\": 12}],"
        " \"categories\": [{\"id\": 1}, {\"id\": 5}, {\"id\": 9}], \"annotations\": ["
        "{\"id\": 1, \"image_id\": 7, \"category_id\": 1, \"bbox\": [5, 5, 20, 20],"
        " \"area\": 400, \"iscrowd\": 0},"
        "{\"id\": 2, \"image_id\": 7, \"category_id\": 5, \"bbox\": [50, 50, 60, 60],"
        " \"area\": 3600, \"iscrowd\": 0},"
        "{\"id\": 3, \"image_id\": 3, \"category_id\": 1, \"bbox\": [0, 0, 300, 200],"
        " \"area\": 60000, \"iscrowd\": 0},"
        "{\"id\": 4, \"image_id\": 3, \"category_id\": 5, \"bbox\": [100, 0, 300, 300],"
        " \"area\": 90000, \"iscrowd\": 1},"
        "{\"id\": 5, \"image_id\": 12, \"category_id\": 9, \"bbox\": [1.5, 2.5, 40.25, 30.5],"
        " \"area\": 1200, \"iscrowd\": 0}]}";
    struct seer_eval_det d[] = {
        {7, 1, {5, 5, 20, 20}, 0.9},
        {7, 5, {50, 50, 60, 60}, 0.8},
        {3, 1, {0, 0, 300, 200}, 0.7},
        {12, 9, {1.5, 2.5, 40.25, 30.5}, 0.6},
    };
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt, d, 4, &m, &err));
    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++)
        ASSERT_NEAR(m.v[i], 1.0, 1e-12);
    ASSERT_EQ(m.n_images, 3);
    ASSERT_EQ(m.n_categories, 3);
    ASSERT_EQ(m.n_dets_unknown_category, 0);
}

TEST(no_detections_score_zero_and_empty_ranges_minus_one)
{
    static const double boxes[][5] = {{0, 0, 200, 100, 0}, {300, 300, 150, 150, 0}};
    char buf[2048];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 2), NULL, 0, &m, &err));
    /* Both boxes are large: small and medium have no gt at all. */
    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++) {
        if (i == APS || i == APM || i == ARS || i == ARM)
            ASSERT_EQ(m.v[i], -1);
        else
            ASSERT_EQ(m.v[i], 0);
    }
}

TEST(shifted_box_iou_exactly_0_6_counts_at_three_thresholds)
{
    /* gt [0,0,100,100], detection shifted right by 25: intersection 75*100, union
     * 2*10000 - 7500, IoU = 7500/12500 = 0.6, which is >= the thresholds .50 .55 .60
     * (np.linspace gives exactly 0.6 there) and below the other seven. */
    static const double boxes[][5] = {{0, 0, 100, 100, 0}};
    struct seer_eval_det d = det(25, 0, 100, 100, 0.9);
    char buf[1024];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), &d, 1, &m, &err));
    ASSERT_NEAR(m.v[AP], 0.3 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AP50], 1 / (1 + EPS), 1e-15);
    ASSERT_EQ(m.v[AP75], 0);
    ASSERT_NEAR(m.v[APL], 0.3 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AR1], 0.3, 1e-15);
    ASSERT_NEAR(m.v[AR100], 0.3, 1e-15);

    /* Shifted by 20: IoU = 80/120 = 0.667, a hit at .50 .55 .60 .65. */
    d = det(20, 0, 100, 100, 0.9);
    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), &d, 1, &m, &err));
    ASSERT_NEAR(m.v[AP], 0.4 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AR100], 0.4, 1e-15);
}

TEST(crowd_region_detections_are_ignored)
{
    /* A real box and a crowd region. Two confident detections inside the crowd have IoU 1
     * with it (the union is the detection's own area), so they are ignored, not false
     * positives, and the one true positive makes AP 1. */
    static const double crowd[][5] = {{10, 10, 100, 100, 0}, {200, 0, 300, 300, 1}};
    static const double no_crowd[][5] = {{10, 10, 100, 100, 0}, {200, 0, 300, 300, 0}};
    struct seer_eval_det d[] = {det(210, 10, 50, 50, 0.95), det(300, 100, 60, 60, 0.9),
                                det(10, 10, 100, 100, 0.5)};
    char buf[2048];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), crowd, 2), d, 3, &m, &err));
    ASSERT_NEAR(m.v[AP], 1, 1e-12);
    ASSERT_NEAR(m.v[AR100], 1, 1e-12);
    /* AR1 keeps only the top detection, which lies on the crowd: recall 0. */
    ASSERT_EQ(m.v[AR1], 0);

    /* The same region as a real box: both become false positives ahead of the hit.
     * tp = 0 0 1, fp = 1 2 2, recall = 0 0 .5 (of 2 gts), precision 1/(3+eps) after the
     * envelope for the 51 recall thresholds 0 .. .50 and 0 for the rest. */
    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), no_crowd, 2), d, 3, &m, &err));
    ASSERT_NEAR(m.v[AP], 51.0 / 101 / (3 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AR100], 0.5, 1e-15);
}

TEST(matching_prefers_real_gt_over_crowd)
{
    /* The detection overlaps the real box with IoU 10000/12000 = .833 and lies inside a
     * crowd region (IoU 1). At thresholds .50 .. .80 it matches the real box (7 hits); at
     * .85 .90 .95 only the crowd qualifies, so it is ignored and the box is missed. */
    static const double boxes[][5] = {{0, 0, 100, 100, 0}, {0, 0, 400, 400, 1}};
    struct seer_eval_det d = det(0, 0, 100, 120, 0.9);
    char buf[2048];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 2), &d, 1, &m, &err));
    ASSERT_NEAR(m.v[AP], 0.7 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AR100], 0.7, 1e-15);
}

TEST(duplicate_detection_is_a_false_positive)
{
    /* Two boxes; the first is found twice. Sorted: hit (.9), duplicate (.8, its gt is
     * taken and it overlaps nothing else), hit (.7): tp = 1 1 2, fp = 0 1 1, recall
     * .5 .5 1, precision 1/(1+eps), .5, 2/(3+eps); the envelope gives 1/(1+eps) for the
     * 51 recall thresholds up to .50 and 2/(3+eps) for the 50 above. */
    static const double boxes[][5] = {{0, 0, 100, 100, 0}, {200, 200, 100, 100, 0}};
    struct seer_eval_det d[] = {det(0, 0, 100, 100, 0.9), det(2, 2, 100, 100, 0.8),
                                det(200, 200, 100, 100, 0.7)};
    char buf[2048];
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    double want = (51 / (1 + EPS) + 50 * 2 / (3 + EPS)) / 101;

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 2), d, 3, &m, &err));
    ASSERT_NEAR(m.v[AP], want, 1e-14);
    ASSERT_NEAR(m.v[AP50], want, 1e-14);
    ASSERT_NEAR(m.v[AR100], 1, 1e-15);
    /* One detection per image and category: recall 1/2. */
    ASSERT_NEAR(m.v[AR1], 0.5, 1e-15);
}

TEST(area_ranges_route_gts_and_detections)
{
    /* A small (10x10), a medium (50x50) and a large (200x200) box. Detections: a large
     * false positive (.95) away from everything, the small box (.9), the large box (.8).
     * - small: the FP is unmatched and outside the range, so ignored; the large hit is
     *   matched to an ignored gt, so ignored: AP 1, AR 1.
     * - medium: nothing matches the medium box, everything else is ignored: AP 0, AR 0.
     * - large: FP then hit: precision 1/(2+eps) at recall 1: AP 1/(2+eps), AR 1.
     * - all: FP, hit, hit of 3: recall 0 1/3 2/3, precision envelope 2/(3+eps) for the
     *   67 recall thresholds 0 .. .66: AP 67 * 2/(3+eps) / 101, AR 2/3.
     * - AR1: one detection per cell, the FP: 0. */
    static const double boxes[][5] = {
        {5, 5, 10, 10, 0}, {100, 100, 50, 50, 0}, {300, 300, 200, 200, 0}};
    struct seer_eval_det d[] = {det(600, 0, 200, 200, 0.95), det(5, 5, 10, 10, 0.9),
                                det(300, 300, 200, 200, 0.8)};
    char buf[2048];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 3), d, 3, &m, &err));
    ASSERT_NEAR(m.v[APS], 1 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[ARS], 1, 1e-15);
    ASSERT_EQ(m.v[APM], 0);
    ASSERT_EQ(m.v[ARM], 0);
    ASSERT_NEAR(m.v[APL], 1 / (2 + EPS), 1e-15);
    ASSERT_NEAR(m.v[ARL], 1, 1e-15);
    ASSERT_NEAR(m.v[AP], 67 * 2 / (3 + EPS) / 101, 1e-15);
    ASSERT_NEAR(m.v[AR100], 2.0 / 3, 1e-15);
    ASSERT_NEAR(m.v[AR10], 2.0 / 3, 1e-15);
    ASSERT_EQ(m.v[AR1], 0);
}

TEST(area_boundary_32_squared_is_small_and_medium)
{
    /* pycocotools compares with < and >, so area 1024 is in both small and medium. */
    static const double boxes[][5] = {{0, 0, 32, 32, 0}};
    struct seer_eval_det d = det(0, 0, 32, 32, 0.5);
    char buf[1024];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), &d, 1, &m, &err));
    ASSERT_NEAR(m.v[APS], 1, 1e-12);
    ASSERT_NEAR(m.v[APM], 1, 1e-12);
    ASSERT_EQ(m.v[APL], -1);
}

TEST(categories_without_real_gt_are_left_out_of_the_mean)
{
    /* Category 1: one box found exactly. Category 2: only a crowd region, with a
     * detection on it. Category 3: nothing. Only category 1 counts: AP 1, not 1/3. A
     * detection of category 4 (not in the file) is counted and skipped. */
    static const char gt[] =
        "{\"images\": [{\"id\": 1}], \"categories\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}],"
        " \"annotations\": ["
        "{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 50, 50],"
        " \"area\": 2500, \"iscrowd\": 0},"
        "{\"id\": 2, \"image_id\": 1, \"category_id\": 2, \"bbox\": [0, 0, 500, 500],"
        " \"area\": 250000, \"iscrowd\": 1}]}";
    struct seer_eval_det d[] = {
        {1, 1, {0, 0, 50, 50}, 0.9}, {1, 2, {10, 10, 30, 30}, 0.8}, {1, 4, {0, 0, 50, 50}, 0.99}};
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt, d, 3, &m, &err));
    ASSERT_NEAR(m.v[AP], 1, 1e-12);
    ASSERT_NEAR(m.v[APM], 1, 1e-12);
    ASSERT_EQ(m.v[APL], -1);
    ASSERT_EQ(m.n_dets_unknown_category, 1);
    ASSERT_EQ(m.n_dets, 3);
}

TEST(score_ties_keep_file_order)
{
    /* Two detections with equal scores on one box: pycocotools' stable sort keeps the
     * file order, so the first one is the hit and the second the duplicate. With the miss
     * first the order is FP, hit: precision 1/(2+eps). */
    static const double boxes[][5] = {{0, 0, 100, 100, 0}};
    struct seer_eval_det hit_first[] = {det(0, 0, 100, 100, 0.5), det(300, 0, 100, 100, 0.5)};
    struct seer_eval_det miss_first[] = {det(300, 0, 100, 100, 0.5), det(0, 0, 100, 100, 0.5)};
    char buf[1024];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), hit_first, 2, &m, &err));
    ASSERT_NEAR(m.v[AP], 1 / (1 + EPS), 1e-15);
    ASSERT_NEAR(m.v[AR1], 1, 1e-15);
    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), miss_first, 2, &m, &err));
    ASSERT_NEAR(m.v[AP], 1 / (2 + EPS), 1e-15);
    ASSERT_EQ(m.v[AR1], 0);
}

TEST(only_100_detections_per_image_and_category_count)
{
    /* 100 misses outrank the one hit: the hit is the 101st and is dropped. */
    static const double boxes[][5] = {{0, 0, 100, 100, 0}};
    struct seer_eval_det d[101];
    char buf[1024];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    for (int i = 0; i < 100; i++)
        d[i] = det(1000 + 10 * i, 0, 5, 5, 0.9);
    d[100] = det(0, 0, 100, 100, 0.1);
    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), d, 101, &m, &err));
    ASSERT_EQ(m.v[AP], 0);
    ASSERT_EQ(m.v[AR100], 0);
    d[100].score = 0.95;
    ASSERT_OK(eval_str(gt_text(buf, sizeof(buf), boxes, 1), d, 101, &m, &err));
    ASSERT_NEAR(m.v[AP], 1 / (1 + EPS), 1e-15);
}

/* Bad input */

static int parse_gt_err(const char *text, struct seer_err *err)
{
    struct seer_eval_gt *gt = (struct seer_eval_gt *)1;
    int rc = seer_eval_gt_parse(text, strlen(text), &gt, err);

    if (rc && gt)
        return 99; /* *out must be NULL on failure */
    seer_eval_gt_free(gt);
    return rc;
}

static int parse_dets_err(const char *text, struct seer_err *err)
{
    struct seer_eval_det *d = NULL;
    size_t n = 7;
    int rc = seer_eval_dets_parse(text, strlen(text), &d, &n, err);

    if (rc && (d || n))
        return 99;
    seer_free(d);
    return rc;
}

TEST(malformed_json_names_line_and_offset)
{
    struct seer_err err = {""};

    ASSERT_EQ(parse_gt_err("{\n  \"images\": [\n    {\"id\": 1,}\n  ]\n}", &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 3"));
    ASSERT(strstr(err.msg, "offset"));
    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1,2,3,4], "
                             "\"score\": 0.5} {}]",
                             &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "line 1, column 69 (offset 68)"));
    ASSERT(strstr(err.msg, "after element 0"));
    /* Truncated, empty, trailing text, wrong top-level types. */
    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1", &err), SEER_EFORMAT);
    ASSERT_EQ(parse_dets_err("", &err), SEER_EFORMAT);
    ASSERT_EQ(parse_dets_err("[] x", &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "after the end"));
    ASSERT_EQ(parse_dets_err("{}", &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "expected a JSON array"));
    ASSERT_EQ(parse_gt_err("[]", &err), SEER_EFORMAT);
    ASSERT_EQ(parse_gt_err("{\"images\": [], \"categories\": []}", &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "missing \"annotations\""));
    ASSERT_EQ(parse_gt_err("{\"images\": [], \"images\": [], \"annotations\": []}", &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "twice"));
}

TEST(bad_fields_name_the_index_and_field)
{
    struct seer_err err = {""};

    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1,2,3,4], "
                             "\"score\": 0.5}, {\"image_id\": 1, \"category_id\": 1, "
                             "\"bbox\": [1,2,3], \"score\": 0.5}]",
                             &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[1].bbox"));
    ASSERT(strstr(err.msg, "got 3"));
    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1,2,\"3\",4], "
                             "\"score\": 0.5}]",
                             &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[0].bbox[2]"));
    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1.5, \"category_id\": 1, \"bbox\": [1,2,3,4], "
                             "\"score\": 0.5}]",
                             &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[0].image_id"));
    ASSERT_EQ(parse_dets_err("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1,2,3,4]}]", &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[0]: missing \"score\""));
    ASSERT_EQ(parse_dets_err("[3]", &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[0]: expected an object"));

    ASSERT_EQ(parse_gt_err("{\"images\": [{\"id\": 1}], \"categories\": [{\"id\": 1}], "
                           "\"annotations\": [{\"image_id\": 1, \"category_id\": 1, "
                           "\"bbox\": [0,0,1,1], \"area\": 1, \"iscrowd\": 0}, "
                           "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0,0,1,1], "
                           "\"iscrowd\": 0}]}",
                           &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "annotations[1]: missing \"area\""));
    ASSERT_EQ(parse_gt_err("{\"images\": [{\"id\": 1}, {\"id\": \"2\"}], \"categories\": [], "
                           "\"annotations\": []}",
                           &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "images[1].id"));
    ASSERT_EQ(parse_gt_err("{\"images\": [], \"categories\": [{\"name\": \"x\"}], "
                           "\"annotations\": []}",
                           &err),
              SEER_EFORMAT);
    ASSERT(strstr(err.msg, "categories[0]: missing \"id\""));
}

TEST(detection_for_unknown_image_is_an_error)
{
    static const double boxes[][5] = {{0, 0, 10, 10, 0}};
    struct seer_eval_det d[] = {det(0, 0, 10, 10, 0.9), {424242, 1, {0, 0, 10, 10}, 0.5}};
    char buf[1024];
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_EQ(eval_str(gt_text(buf, sizeof(buf), boxes, 1), d, 2, &m, &err), SEER_EFORMAT);
    ASSERT(strstr(err.msg, "detections[1]"));
    ASSERT(strstr(err.msg, "424242"));
    ASSERT_EQ(m.v[AP], -1);
}

TEST(empty_annotation_file_gives_minus_one)
{
    struct seer_eval_metrics m;
    struct seer_err err = {""};

    ASSERT_OK(
        eval_str("{\"images\": [], \"annotations\": [], \"categories\": []}", NULL, 0, &m, &err));
    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++)
        ASSERT_EQ(m.v[i], -1);
}

TEST(annotations_of_unlisted_images_and_categories_are_skipped)
{
    /* pycocotools only looks at annotations of listed images and categories. */
    static const char gt[] =
        "\xef\xbb\xbf{\"info\": {\"year\": 2017}, \"licenses\": [{\"id\": 1}],"
        " \"images\": [{\"id\": 1, \"width\": 640, \"height\": 480}],"
        " \"categories\": [{\"id\": 1}], \"annotations\": ["
        "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 50, 50], \"area\": 2500,"
        " \"iscrowd\": false},"
        "{\"image_id\": 2, \"category_id\": 1, \"bbox\": [0, 0, 50, 50], \"area\": 2500,"
        " \"iscrowd\": 0},"
        "{\"image_id\": 1, \"category_id\": 3, \"bbox\": [0, 0, 50, 50], \"area\": 2500,"
        " \"iscrowd\": 0}]}";
    struct seer_eval_det d = det(0, 0, 50, 50, 0.9);
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    struct seer_eval_gt *g = NULL;
    size_t n;

    ASSERT_OK(eval_str(gt, &d, 1, &m, &err));
    ASSERT_NEAR(m.v[AP], 1, 1e-12);
    ASSERT_OK(seer_eval_gt_parse(gt, strlen(gt), &g, &err));
    const struct seer_eval_image *im = seer_eval_gt_images(g, &n);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(im[0].width, 640);
    ASSERT_EQ(im[0].height, 480);
    ASSERT(im[0].file_name == NULL);
    seer_eval_gt_free(g);
}

TEST(out_of_memory_fails_cleanly)
{
    static const char dets_json[] =
        "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 100, 100], \"score\": 0.9},"
        " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [200, 200, 100, 100], \"score\": 0.7}]";
    static const double boxes[][5] = {{0, 0, 100, 100, 0}, {200, 200, 100, 100, 1}};
    char buf[2048];
    const char *gt = gt_text(buf, sizeof(buf), boxes, 2);
    int64_t live = seer_alloc_live();
    int n;

    for (n = 1; n < 1000; n++) {
        struct seer_eval_gt *g = NULL;
        struct seer_eval_det *d = NULL;
        struct seer_eval_metrics m;
        struct seer_err err = {""};
        size_t nd = 0;
        int rc;

        seer_alloc_fail_at(n);
        rc = seer_eval_gt_parse(gt, strlen(gt), &g, &err);
        if (!rc)
            rc = seer_eval_dets_parse(dets_json, strlen(dets_json), &d, &nd, &err);
        if (!rc)
            rc = seer_eval_coco(g, d, nd, &m, &err);
        bool fired = seer_alloc_failed();
        seer_alloc_fail_at(0);
        seer_eval_gt_free(g);
        seer_free(d);
        ASSERT_EQ(seer_alloc_live(), live);
        if (!fired) {
            ASSERT_OK(rc);
            ASSERT_NEAR(m.v[AP], 1, 1e-12);
            break;
        }
        ASSERT_EQ(rc, SEER_ENOMEM);
    }
    ASSERT(n > 3 && n < 1000);
}

/* coco-dev against pycocotools */

static const char *shared(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("SEER_SHARED");

    snprintf(buf, cap, "%s/%s", root && *root ? root : "../shared", rel);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

/* Evaluates a reference results file and compares with pycocotools' 12 numbers. */
static void check_reference(const char *model)
{
    char ann[512], res[512], want[512], rel[256];
    struct seer_eval_gt *gt = NULL;
    struct seer_eval_det *d = NULL;
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    uint8_t *text = NULL;
    size_t nd = 0, n_text = 0;
    cJSON *ref = NULL;

    snprintf(rel, sizeof(rel), "golden/reference/%s-coco-dev.json", model);
    if (!shared("data/coco-dev/instances.json", ann, sizeof(ann)) || !shared(rel, res, sizeof(res)))
        T_SKIP("needs ../shared/data/coco-dev/instances.json and ../shared/%s", rel);
    snprintf(rel, sizeof(rel), "golden/reference/metrics/%s-coco-dev.json", model);
    if (!shared(rel, want, sizeof(want)))
        T_SKIP("needs ../shared/%s", rel);

    ASSERT_OK(seer_file_read(want, 1 << 20, &text, &n_text, &err));
    ref = cJSON_ParseWithLength((const char *)text, n_text);
    seer_free(text);
    ASSERT(ref);
    int rc = seer_eval_gt_load(ann, &gt, &err);
    if (!rc)
        rc = seer_eval_dets_load(res, &d, &nd, &err);
    if (!rc)
        rc = seer_eval_coco(gt, d, nd, &m, &err);
    if (rc)
        printf("    %s\n", err.msg);
    seer_eval_gt_free(gt);
    seer_free(d);
    double worst = 0;
    for (int i = 0; i < SEER_EVAL_METRIC_COUNT && !rc; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ref, seer_eval_metric_key(i));
        if (!cJSON_IsNumber(v)) {
            cJSON_Delete(ref);
            T_FAILF("%s has no number \"%s\"", want, seer_eval_metric_key(i));
        }
        double diff = fabs(m.v[i] - v->valuedouble);
        if (diff > 1e-3)
            printf("    %s: %s = %.6f, pycocotools %.6f\n", model, seer_eval_metric_key(i), m.v[i],
                   v->valuedouble);
        worst = diff > worst ? diff : worst;
    }
    cJSON_Delete(ref);
    ASSERT_OK(rc);
    ASSERT_EQ(m.n_images, 112);
    ASSERT_EQ(m.n_dets_unknown_category, 0);
    ASSERT(worst <= 1e-3);
    /* The reference numbers are printed to 6 decimals; the same algorithm lands within
     * their rounding. */
    ASSERT(worst <= 6e-7);
}

TEST(coco_dev_centernet_matches_pycocotools)
{
    check_reference("centernet");
}

TEST(coco_dev_nanodet_matches_pycocotools)
{
    check_reference("nanodet");
}

/* Output formats */

TEST(json_and_table_output)
{
    struct seer_eval_metrics m;
    char buf[512], small[8];
    char *text = NULL;
    size_t len, n_text = 0;
    FILE *f;

    memset(&m, 0, sizeof(m));
    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++)
        m.v[i] = i == APS ? -1 : 0.3162274 + i * 0.01;
    len = seer_eval_metrics_json(&m, buf, sizeof(buf));
    ASSERT_EQ(len, strlen(buf));
    ASSERT(!strncmp(buf, "{\"AP\": 0.316227, \"AP50\": 0.326227, ", 35));
    ASSERT(strstr(buf, "\"APs\": -1.000000, "));
    ASSERT(strstr(buf, ", \"ARl\": 0.426227}"));
    cJSON *j = cJSON_Parse(buf);
    ASSERT(j);
    ASSERT_EQ(cJSON_GetArraySize(j), 12);
    cJSON_Delete(j);
    ASSERT_EQ(seer_eval_metrics_json(&m, small, sizeof(small)), len);
    ASSERT_EQ(strlen(small), sizeof(small) - 1);

    f = open_memstream(&text, &n_text);
    ASSERT(f);
    seer_eval_metrics_print(&m, f);
    fclose(f);
    static const char first[] = " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | "
                                "maxDets=100 ] = 0.316\n";
    ASSERT(!strncmp(text, first, strlen(first)));
    size_t lines = 0;
    for (size_t i = 0; i < n_text; i++)
        lines += text[i] == '\n';
    ASSERT_EQ(lines, 12);
    ASSERT(strstr(text, " Average Precision  (AP) @[ IoU=0.75      | area=   all | "
                        "maxDets=100 ] = 0.336\n"));
    ASSERT(strstr(text, " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | "
                        "maxDets=100 ] = -1.000\n"));
    ASSERT(strstr(text, " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | "
                        "maxDets=  1 ] = 0.376\n"));
    ASSERT(strstr(text, " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | "
                        "maxDets=100 ] = 0.426\n"));
    free(text); /* open_memstream's buffer comes from libc */
}

/* Scale: a 5000-image set must take seconds, not minutes. */

TEST(five_thousand_images_run_fast)
{
    enum { N_IMG = 5000, N_GT = 7, N_DET = 3 * N_GT };
    size_t cap = (size_t)N_IMG * (N_GT + 1) * 160 + 4096, len = 0;
    char *gt_json = seer_malloc(cap);
    struct seer_eval_det *d = seer_calloc((size_t)N_IMG * N_DET, sizeof(*d));
    struct seer_eval_gt *gt = NULL;
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    uint32_t seed = 12345;
    struct timespec t0, t1;

    ASSERT(gt_json && d);
#define RND() (seed = seed * 1664525u + 1013904223u, (double)(seed >> 8) / (1 << 24))
    len += (size_t)snprintf(gt_json + len, cap - len, "{\"images\": [");
    for (int i = 0; i < N_IMG; i++)
        len += (size_t)snprintf(gt_json + len, cap - len, "%s{\"id\": %d}", i ? "," : "", i);
    len += (size_t)snprintf(gt_json + len, cap - len, "], \"categories\": [");
    for (int c = 1; c <= 80; c++)
        len += (size_t)snprintf(gt_json + len, cap - len, "%s{\"id\": %d}", c > 1 ? "," : "", c);
    len += (size_t)snprintf(gt_json + len, cap - len, "], \"annotations\": [");
    size_t nd = 0;
    for (int i = 0; i < N_IMG; i++) {
        for (int g = 0; g < N_GT; g++) {
            double x = RND() * 500, y = RND() * 400, w = 5 + RND() * 200, h = 5 + RND() * 200;
            int cat = 1 + (int)(RND() * 8);
            len += (size_t)snprintf(gt_json + len, cap - len,
                                    "%s{\"image_id\": %d, \"category_id\": %d, \"bbox\": "
                                    "[%.2f,%.2f,%.2f,%.2f], \"area\": %.2f, \"iscrowd\": 0}",
                                    i || g ? "," : "", i, cat, x, y, w, h, w * h);
            /* A near hit, a duplicate and a miss per box. */
            d[nd++] = (struct seer_eval_det){i, cat, {x + RND() * 10, y, w, h}, RND()};
            d[nd++] = (struct seer_eval_det){i, cat, {x, y + RND() * 20, w, h}, RND()};
            d[nd++] = (struct seer_eval_det){i, cat, {x + 300, y, w, h}, RND()};
        }
    }
    snprintf(gt_json + len, cap - len, "]}");
#undef RND
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = seer_eval_gt_parse(gt_json, strlen(gt_json), &gt, &err);
    if (!rc)
        rc = seer_eval_coco(gt, d, nd, &m, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    seer_eval_gt_free(gt);
    seer_free(gt_json);
    seer_free(d);
    ASSERT_OK(rc);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("    %d images, %zu detections: %.2f s\n", N_IMG, nd, s);
    ASSERT(m.v[AP] > 0.1 && m.v[AP] < 1);
    /* Generous for a shared, sanitized build; a per-pair scan would take minutes. */
    ASSERT(s < 30);
}

T_MAIN(T_CASE(perfect_detections_score_one),
       T_CASE(no_detections_score_zero_and_empty_ranges_minus_one),
       T_CASE(shifted_box_iou_exactly_0_6_counts_at_three_thresholds),
       T_CASE(crowd_region_detections_are_ignored), T_CASE(matching_prefers_real_gt_over_crowd),
       T_CASE(duplicate_detection_is_a_false_positive),
       T_CASE(area_ranges_route_gts_and_detections),
       T_CASE(area_boundary_32_squared_is_small_and_medium),
       T_CASE(categories_without_real_gt_are_left_out_of_the_mean),
       T_CASE(score_ties_keep_file_order), T_CASE(only_100_detections_per_image_and_category_count),
       T_CASE(malformed_json_names_line_and_offset), T_CASE(bad_fields_name_the_index_and_field),
       T_CASE(detection_for_unknown_image_is_an_error),
       T_CASE(empty_annotation_file_gives_minus_one),
       T_CASE(annotations_of_unlisted_images_and_categories_are_skipped),
       T_CASE(out_of_memory_fails_cleanly), T_CASE(coco_dev_centernet_matches_pycocotools),
       T_CASE(coco_dev_nanodet_matches_pycocotools), T_CASE(json_and_table_output),
       T_CASE(five_thousand_images_run_fast))
