/*
 * The one inference path for object detection: photo (bytes or decoded image) in,
 * detections in original-image pixels out. The CLI, the server, batch jobs and
 * evaluation all call these, so one fix fixes all.
 */
#ifndef SEER_DETECT_H
#define SEER_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include <seer/image.h>
#include <seer/model.h>
#include <seer/status.h>

struct seer_arena;

struct seer_det {
    int class_index;          /* 0-based index into the model's labels */
    int category_id;          /* COCO category id (or class_index without an id map) */
    const char *label;        /* borrowed from the model */
    float score;
    float box[4];             /* x_min, y_min, x_max, y_max in original-image pixels */
};

struct seer_dets {
    struct seer_det *d;       /* sorted by score, highest first; borrowed from the arena */
    int n;
    int width, height;        /* original image size (after EXIF orientation) */
    double time_ms;           /* decode + preprocess + model + decode, this call */
    double model_ms;          /* the graph run alone */
};

struct seer_detect_opts {
    float score_threshold;    /* < 0: the manifest's default */
    float iou_threshold;      /* < 0: the manifest's default */
    int max_detections;       /* <= 0: the manifest's default */
};

/* Options that mean "use the manifest's defaults". */
static inline struct seer_detect_opts seer_detect_defaults(void)
{
    struct seer_detect_opts o = {-1.0f, -1.0f, 0};
    return o;
}

int seer_detect_image(struct seer_model *m, const struct seer_image *img,
                      const struct seer_detect_opts *o, struct seer_arena *a,
                      struct seer_dets *out, struct seer_err *err);

/* Decodes (JPEG with DCT scaling to the smallest size >= the model input) and detects.
 * max_pixels 0 means the image module's default. */
int seer_detect_bytes(struct seer_model *m, const uint8_t *p, size_t n, int64_t max_pixels,
                      const struct seer_detect_opts *o, struct seer_arena *a,
                      struct seer_dets *out, struct seer_err *err);

#endif /* SEER_DETECT_H */
