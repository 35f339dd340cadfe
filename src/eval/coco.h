/*
 * Internals shared by the COCO loader (coco_load.c) and the evaluator (coco.c). The gt
 * owns its arrays (heap) and its strings (an arena).
 */
#ifndef SEER_EVAL_COCO_H
#define SEER_EVAL_COCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/eval.h>

/* Upper bound on images, annotations, categories and detections: indices are uint32. */
#define SEER__COCO_MAX_ITEMS ((size_t)1 << 28)

/* A ground-truth box whose image and category are both listed in the file. */
struct seer__coco_box {
    uint32_t img;   /* index into gt->images */
    uint32_t cat;   /* index into gt->cats */
    double bbox[4]; /* x, y, w, h */
    double area;    /* the annotation's "area" (the segment's in COCO): picks the area range */
    bool crowd;     /* iscrowd != 0: an ignore region */
};

struct seer_eval_gt {
    struct seer_eval_image *images; /* sorted by id, unique */
    size_t n_images;
    struct seer_eval_category *cats; /* sorted by id, unique */
    size_t n_cats;
    struct seer__coco_box *boxes; /* sorted by (cat, img, order in the file) */
    size_t n_boxes;
    struct seer_arena *strings; /* file names and category names */
};

/* Index of the image with this id, or -1. */
int64_t seer__coco_find_image(const struct seer_eval_gt *gt, int64_t id);

/* Index of the category with this id, or -1. */
int64_t seer__coco_find_category(const struct seer_eval_gt *gt, int64_t id);

#endif /* SEER_EVAL_COCO_H */
