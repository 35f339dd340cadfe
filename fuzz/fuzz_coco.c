/*
 * Fuzz target for the COCO loaders and evaluator: the input is tried as an annotation file
 * and as a results file; parsed detections are evaluated against a fixed small ground
 * truth, and against the input's own ground truth when both parse.
 */
#include <stdint.h>
#include <string.h>

#include <seer/eval.h>

#include "core/alloc.h"

static const char fixed_gt[] =
    "{\"images\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}],"
    " \"categories\": [{\"id\": 1}, {\"id\": 2}], \"annotations\": ["
    "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 10, 10], \"area\": 100,"
    " \"iscrowd\": 0},"
    "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 200, 200], \"area\": 40000,"
    " \"iscrowd\": 1},"
    "{\"image_id\": 2, \"category_id\": 2, \"bbox\": [5, 5, 50, 40], \"area\": 2000,"
    " \"iscrowd\": 0}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seer_eval_gt *own = NULL, *fixed = NULL;
    struct seer_eval_det *dets = NULL;
    struct seer_eval_metrics m;
    struct seer_err err;
    size_t n = 0;

    seer_eval_gt_parse((const char *)data, size, &own, &err);
    seer_eval_dets_parse((const char *)data, size, &dets, &n, &err);
    if (!seer_eval_gt_parse(fixed_gt, strlen(fixed_gt), &fixed, &err)) {
        seer_eval_coco(fixed, dets, n, &m, &err);
        seer_eval_gt_free(fixed);
    }
    if (own)
        seer_eval_coco(own, dets, n, &m, &err);
    seer_eval_gt_free(own);
    seer_free(dets);
    return 0;
}
