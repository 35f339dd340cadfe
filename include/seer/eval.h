/*
 * COCO detection metrics: the 12 numbers pycocotools' COCOeval (iouType "bbox") prints,
 * computed the same way (IoU thresholds .50:.05:.95, 101-point interpolated precision,
 * area ranges, maxDets 1/10/100, crowd regions as ignore regions).
 *
 * Ownership: a struct seer_eval_gt owns everything it holds, including the strings its
 * images and categories point to (valid until seer_eval_gt_free). Detection arrays are
 * plain heap arrays the caller owns and frees with seer_free. The evaluation itself
 * borrows both and keeps nothing.
 *
 * Evaluation takes detections as an in-memory array, so a results file, a batch job or a
 * model run over the annotation's images all feed the same code.
 */
#ifndef SEER_EVAL_H
#define SEER_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seer/status.h>

/* The 12 summary metrics in pycocotools' order (COCOeval.stats[0..11]). */
enum seer_eval_metric {
    SEER_EVAL_METRIC_AP,    /* AP @[IoU=.50:.95, area all, maxDets 100] */
    SEER_EVAL_METRIC_AP50,  /* AP @[IoU=.50] */
    SEER_EVAL_METRIC_AP75,  /* AP @[IoU=.75] */
    SEER_EVAL_METRIC_APS,   /* AP, small objects (area < 32^2) */
    SEER_EVAL_METRIC_APM,   /* AP, medium (32^2 .. 96^2) */
    SEER_EVAL_METRIC_APL,   /* AP, large (> 96^2) */
    SEER_EVAL_METRIC_AR1,   /* AR with at most 1 detection per image and class */
    SEER_EVAL_METRIC_AR10,  /* AR, maxDets 10 */
    SEER_EVAL_METRIC_AR100, /* AR, maxDets 100 */
    SEER_EVAL_METRIC_ARS,   /* AR, small */
    SEER_EVAL_METRIC_ARM,   /* AR, medium */
    SEER_EVAL_METRIC_ARL,   /* AR, large */
    SEER_EVAL_METRIC_COUNT
};

/* One image of the annotation file. */
struct seer_eval_image {
    int64_t id;
    const char *file_name; /* NULL when absent; owned by the gt */
    int64_t width, height; /* 0 when absent */
};

/* One category of the annotation file. */
struct seer_eval_category {
    int64_t id;
    const char *name; /* NULL when absent; owned by the gt */
};

/* One detection in COCO results form. */
struct seer_eval_det {
    int64_t image_id;
    int64_t category_id;
    double bbox[4]; /* x, y, width, height in pixels of the original image */
    double score;
};

/* What an evaluation measured. A metric is -1 when no category has a (non-crowd) ground
 * truth box in its area range, as in pycocotools. */
struct seer_eval_metrics {
    double v[SEER_EVAL_METRIC_COUNT]; /* fractions in 0..1, or -1 */
    size_t n_images;                  /* images of the annotation file */
    size_t n_categories;              /* categories of the annotation file */
    size_t n_dets;                    /* detections given */
    size_t n_dets_unknown_category;   /* skipped: category_id not in the file's categories */
};

struct seer_eval_gt; /* opaque: a parsed annotation file */

/* Loading ground truth */

/* Parses a COCO "instances" annotation file held in text[0..n_bytes) (no NUL needed).
 * Requires "images" (each with an integer "id"), "annotations" (each with "image_id",
 * "category_id", "bbox" [x,y,w,h], "area", "iscrowd") and "categories" (each with "id").
 * Annotations whose image or category is not listed are skipped, as pycocotools does.
 * EFORMAT with a message naming the field and array index (or line and column for
 * malformed JSON); ENOMEM; ELIMIT for absurd counts. On failure *out is NULL. */
int seer_eval_gt_parse(const char *text, size_t n_bytes, struct seer_eval_gt **out,
                       struct seer_err *err);

/* Reads and parses an annotation file; err is prefixed with the path. */
int seer_eval_gt_load(const char *path, struct seer_eval_gt **out, struct seer_err *err);

/* Frees gt and everything it owns. NULL ok. */
void seer_eval_gt_free(struct seer_eval_gt *gt);

/* The images, sorted by id with duplicates removed; *n receives the count. Borrows from gt
 * (valid until seer_eval_gt_free). */
const struct seer_eval_image *seer_eval_gt_images(const struct seer_eval_gt *gt, size_t *n);

/* The categories, sorted by id with duplicates removed. Borrows from gt. */
const struct seer_eval_category *seer_eval_gt_categories(const struct seer_eval_gt *gt, size_t *n);

/* Loading detections */

/* Parses a COCO results file ([{"image_id", "category_id", "bbox", "score"}, ...]) held in
 * text[0..n_bytes). Elements are parsed one at a time, so memory stays proportional to the
 * detections, not to a JSON tree. *out is a heap array the caller frees with seer_free
 * (NULL when there are none or on failure). EFORMAT names the element index and field. */
int seer_eval_dets_parse(const char *text, size_t n_bytes, struct seer_eval_det **out,
                         size_t *n_dets, struct seer_err *err);

/* Reads and parses a results file; err is prefixed with the path. */
int seer_eval_dets_load(const char *path, struct seer_eval_det **out, size_t *n_dets,
                        struct seer_err *err);

/* Evaluating */

/* Computes the 12 COCO metrics of dets against gt, as COCOeval.evaluate(), accumulate()
 * and summarize() do for iouType "bbox". Every detection's image must be one of gt's
 * images (EFORMAT naming the detection index and image id otherwise, where pycocotools
 * asserts); detections of categories gt does not list are counted and skipped. ENOMEM. */
int seer_eval_coco(const struct seer_eval_gt *gt, const struct seer_eval_det *dets, size_t n_dets,
                   struct seer_eval_metrics *out, struct seer_err *err);

/* Reporting */

/* The JSON key of a metric: "AP", "AP50", ..., "ARl". NULL for an out-of-range value. */
const char *seer_eval_metric_key(enum seer_eval_metric m);

/* Writes {"AP": 0.316227, ..., "ARl": 0.633281} (keys in pycocotools' order, 6 decimals,
 * -1 where undefined) into buf, snprintf-style: returns the length the whole text needs,
 * and writes at most cap bytes including the NUL. */
size_t seer_eval_metrics_json(const struct seer_eval_metrics *m, char *buf, size_t cap);

/* Prints the 12 lines of pycocotools' COCOeval.summarize(), e.g.
 * " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.316". */
void seer_eval_metrics_print(const struct seer_eval_metrics *m, FILE *f);

#endif /* SEER_EVAL_H */
