/*
 * Internals of the detect module: label maps, NMS and the per-family output decoders.
 * The decoders read plain tensors (a plan's outputs, or synthetic ones in tests) and
 * write detections into an arena; they never touch a model or a plan, so they can be
 * tested without the engine. Labels and category ids are filled in by detect.c.
 */
#ifndef SEER_DETECT_INT_H
#define SEER_DETECT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <seer/detect.h>
#include <seer/status.h>
#include <seer/tensor.h>

struct seer_arena;

/* ---- labels (labels.c) ---- */

#define SEER__COCO80_N 80

/* Name of COCO class i (0..79, the usual 80-class order), or NULL out of range. */
const char *seer__coco80_name(int i);
/* Official COCO category id (1..90, with gaps) of class i, or -1 out of range. */
int seer__coco91_id(int i);
/* Category id of a COCO class name ("dog" -> 18), or -1 when it is not one. */
int seer__coco91_id_of_name(const char *name);

/* Parses a labels file: one name per line, surrounding whitespace and CR trimmed, blank
 * lines at the end ignored, a blank line elsewhere an error naming it. A "???" line is a
 * placeholder class and is kept. Names are copied into a; *names borrows from a.
 * what names the file in messages. */
int seer__labels_parse(const char *text, size_t n, const char *what, struct seer_arena *a,
                       const char ***names, int *n_names, struct seer_err *err);

/* Parses a TF Object Detection API label map (protobuf text format, labelmap.c) into
 * names by id: (*names)[id] is the item's display_name, or its name without one; index 0
 * (the background) and ids no item has are "???". Copies into a; errors name the line
 * and column of what. */
int seer__labelmap_parse(const char *text, size_t n, const char *what, struct seer_arena *a,
                         const char ***names, int *n_names, struct seer_err *err);

/* ---- NMS (nms.c) ---- */

/* Greedy non-maximum suppression per class over n detections (class_index, score and
 * box used). Candidates are visited by score, highest first, ties by index; one is kept
 * unless its IoU with an already kept box of the same class is > iou_threshold. Stops
 * after max_keep. keep[] (room for min(n, max_keep)) receives the kept indices in that
 * order; returns their count, or -1 when out of memory. */
int seer__nms(const struct seer_det *d, int n, float iou_threshold, int max_keep, int *keep);

/* IoU of two [x1, y1, x2, y2] boxes, area = (x2 - x1) * (y2 - y1); 0 when the union is
 * empty. */
float seer__iou(const float *a, const float *b);

/* Sorts d[0..n) by score, highest first, ties by their current order (stable). */
void seer__dets_sort(struct seer_det *d, int n);

/* ---- family decoders ---- */

struct seer__decode_args {
    int in_w, in_h;        /* model input size: the units of the raw boxes */
    int orig_w, orig_h;    /* boxes are mapped to these pixels */
    float score_threshold; /* keep scores > this */
    float iou_threshold;   /* NMS, for families that need one */
    int max_detections;    /* > 0 */
    int n_classes;         /* labels of the model (0: unknown) */
    int label_offset;      /* ssd: added to the raw class numbers, which skip the
                              background (1 when the labels start with TFLite's "???") */
};

/* CenterNet: det is the graph's [1, N, 6] detections output, rows [x1, y1, x2, y2, score,
 * class] in input pixels. Rows with score > threshold, scaled to original pixels (not
 * clipped), sorted by score (stable), at most max_detections. *out borrows from ar. */
int seer__centernet_decode(const struct seer_tensor *det, const struct seer__decode_args *da,
                           struct seer_arena *ar, struct seer_det **out, int *n,
                           struct seer_err *err);

/* NanoDet (GFL head): outs are every graph output; per stride 8, 16, 32 it needs a class
 * score tensor [1, cells, C] (already sigmoid) and a box tensor [1, cells, 4 * 11],
 * matched by shape. Upstream decoding: top 1000 cells per level by best class score,
 * softmax over each side's 11 bins, expectation times stride from the cell centre
 * ((x + 0.5) * stride), clipped to the input, score > threshold, per-class NMS,
 * at most max_detections; boxes scaled to original pixels. */
int seer__nanodet_decode(const struct seer_tensor *const *outs, int n_outs,
                         const struct seer__decode_args *da, struct seer_arena *ar,
                         struct seer_det **out, int *n, struct seer_err *err);

/* SSD with TFLite_Detection_PostProcess: outs are its four outputs, boxes [1, N, 4] as
 * normalised (ymin, xmin, ymax, xmax), classes [1, N] (raw numbers, 0 the first
 * non-background class), scores [1, N] and count [1], all float32. The first count rows
 * scoring > the threshold, class raw + label_offset, boxes scaled to original pixels (not
 * clipped), sorted by score (stable), at most max_detections; the model did the NMS. */
int seer__ssd_decode(const struct seer_tensor *const outs[4], const struct seer__decode_args *da,
                     struct seer_arena *ar, struct seer_det **out, int *n, struct seer_err *err);

/* NanoDet's regression range: each side is a distribution over 0..SEER__NANODET_REG_MAX. */
#define SEER__NANODET_REG_MAX 10

#endif /* SEER_DETECT_INT_H */
