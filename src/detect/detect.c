/*
 * The one detection path: preprocess a photo as the model's manifest says, run the
 * graph on a plan borrowed from the model, decode the raw outputs by model family, and
 * attach label names and COCO ids. Families plug in through the table below.
 */
#include <string.h>
#include <time.h>

#include <seer/detect.h>

#include "core/arena.h"
#include "detect/detect_int.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef int (*decode_fn)(const struct seer_plan *p, const struct seer__decode_args *da,
                         struct seer_arena *a, struct seer_det **out, int *n, struct seer_err *err);

static bool is_rows6(const struct seer_tensor *t)
{
    return t && t->dtype == SEER_DTYPE_F32 && t->ndim == 3 && t->dims[0] == 1 && t->dims[2] == 6;
}

/* CenterNet's graph names its box output "<scope>/detections"; the TF.js export calls it
 * tower_0/detections. Falling back to the only [1,N,6] output covers re-exports that
 * rename the scope. */
static int dec_centernet(const struct seer_plan *p, const struct seer__decode_args *da,
                         struct seer_arena *a, struct seer_det **out, int *n, struct seer_err *err)
{
    int idx = seer_plan_find_output(p, "tower_0/detections");

    for (int i = 0; idx < 0 && i < seer_plan_n_outputs(p); i++)
        if (is_rows6(seer_plan_output(p, i)))
            idx = i;
    if (idx < 0)
        return seer_errf(err, SEER_EFORMAT,
                         "centernet: the graph has no 'tower_0/detections' output [1,N,6]");
    return seer__centernet_decode(seer_plan_output(p, idx), da, a, out, n, err);
}

static int dec_nanodet(const struct seer_plan *p, const struct seer__decode_args *da,
                       struct seer_arena *a, struct seer_det **out, int *n, struct seer_err *err)
{
    int n_out = seer_plan_n_outputs(p);
    const struct seer_tensor **outs =
        seer_arena_array(a, (size_t)(n_out > 0 ? n_out : 1), sizeof(*outs));

    if (!outs)
        return seer_errf(err, SEER_ENOMEM, "nanodet: out of memory");
    for (int i = 0; i < n_out; i++)
        outs[i] = seer_plan_output(p, i);
    return seer__nanodet_decode(outs, n_out, da, a, out, n, err);
}

/* TFLite_Detection_PostProcess's outputs by their TFLite names; a graph that renamed them
 * still works when its four outputs come in the op's order. */
static int dec_ssd(const struct seer_plan *p, const struct seer__decode_args *da,
                   struct seer_arena *a, struct seer_det **out, int *n, struct seer_err *err)
{
    static const char *const names[4] = {
        "TFLite_Detection_PostProcess", "TFLite_Detection_PostProcess:1",
        "TFLite_Detection_PostProcess:2", "TFLite_Detection_PostProcess:3"};
    const struct seer_tensor *outs[4];

    for (int i = 0; i < 4; i++) {
        int idx = seer_plan_find_output(p, names[i]);
        if (idx < 0 && seer_plan_n_outputs(p) == 4)
            idx = i;
        if (idx < 0)
            return seer_errf(err, SEER_EFORMAT, "ssd: the graph has no output '%s'", names[i]);
        outs[i] = seer_plan_output(p, idx);
    }
    return seer__ssd_decode(outs, da, a, out, n, err);
}

/* A TF Object Detection API export: the same four outputs as TFLite's post-processing,
 * named as the exporter names them, with class numbers that are label map ids (from 1).
 * Labels made from a label map (or starting with "???") are indexed by id; a plain list
 * starts at id 1. */
static int dec_tfod(const struct seer_plan *p, const struct seer__decode_args *da,
                    struct seer_arena *a, struct seer_det **out, int *n, struct seer_err *err)
{
    static const char *const names[4] = {"detection_boxes", "detection_classes", "detection_scores",
                                         "num_detections"};
    const struct seer_tensor *outs[4];
    struct seer__decode_args d = *da;

    for (int i = 0; i < 4; i++) {
        int idx = seer_plan_find_output(p, names[i]);
        if (idx < 0)
            return seer_errf(err, SEER_EFORMAT, "tf-od-api: the graph has no output '%s'",
                             names[i]);
        outs[i] = seer_plan_output(p, idx);
    }
    d.label_offset = da->label_offset - 1;
    return seer__ssd_decode(outs, &d, a, out, n, err);
}

static const struct {
    const char *family;
    decode_fn decode;
} decoders[] = {
    {"centernet", dec_centernet},
    {"nanodet", dec_nanodet},
    {"ssd", dec_ssd},
    {"tf-od-api", dec_tfod},
};

static decode_fn find_decoder(const char *family)
{
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
        if (!strcmp(decoders[i].family, family))
            return decoders[i].decode;
    return NULL;
}

/* Writes the photo into the plan's input tensor as the manifest asks, at width x height
 * (the manifest's input size, or the photo's own for a graph that resizes it itself). */
static int preprocess(const struct seer_manifest *man, const struct seer_image *img, int width,
                      int height, struct seer_tensor *in, struct seer_err *err)
{
    struct seer_image_prep prep = {0};
    bool u8 = !strcmp(man->input.dtype, "uint8");

    /* The load-time check guarantees this; a plan is still never written past its end. */
    if (!in || !in->data || in->dtype != (u8 ? SEER_DTYPE_U8 : SEER_DTYPE_F32) ||
        seer_tensor_numel(in) != (int64_t)width * height * 3)
        return seer_errf(err, SEER_EFORMAT, "the graph's input does not match seer.json input");
    prep.width = width;
    prep.height = height;
    prep.nchw = man->input.nchw;
    prep.bgr = man->input.bgr;
    for (int c = 0; c < 3; c++) {
        prep.mean[c] = man->input.mean[c];
        prep.std[c] = man->input.std[c];
    }
    if (u8)
        seer_image_to_tensor_u8(img, &prep, in->data);
    else
        seer_image_to_tensor(img, &prep, in->data);
    return SEER_OK;
}

/* Label names and category ids from the model; a class the labels do not cover (a
 * model with more outputs than its labels file) gets a made-up name, never NULL. */
static int attach_labels(struct seer_model *m, struct seer_det *d, int n, struct seer_arena *a,
                         struct seer_err *err)
{
    for (int i = 0; i < n; i++) {
        const char *l = seer_model_label(m, d[i].class_index);

        d[i].category_id = seer_model_category_id(m, d[i].class_index);
        if (!l && !(l = seer_arena_printf(a, "class %d", d[i].class_index)))
            return seer_errf(err, SEER_ENOMEM, "out of memory");
        d[i].label = l;
    }
    return SEER_OK;
}

/* A graph whose input leaves height and width open (a TF Object Detection API export
 * takes uint8 [1,H,W,3] and resizes inside) gets the photo at its own size. */
static int fit_input(struct seer_model *m, const struct seer_image *img, struct seer_plan *p,
                     struct seer__decode_args *da, struct seer_err *err)
{
    const struct seer_graph *g = seer_model_graph(m);
    const struct seer_tensor *decl = g && g->n_inputs > 0 ? &g->inputs[0]->t : NULL;

    if (!decl || decl->ndim != 4 || (decl->dims[1] >= 0 && decl->dims[2] >= 0) ||
        seer_model_manifest(m)->input.nchw)
        return SEER_OK;
    da->in_w = img->width;
    da->in_h = img->height;
    return seer_plan_set_input_shape(p, 0, 4, (const int64_t[]){1, img->height, img->width, 3},
                                     err);
}

int seer_detect_image(struct seer_model *m, const struct seer_image *img,
                      const struct seer_detect_opts *o, struct seer_arena *a, struct seer_dets *out,
                      struct seer_err *err)
{
    const struct seer_manifest *man = seer_model_manifest(m);
    struct seer_detect_opts opts = o ? *o : seer_detect_defaults();
    struct seer__decode_args da = {0};
    struct seer_plan *p = NULL;
    decode_fn decode = find_decoder(man->family);
    double t0 = now_ms(), t1;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!decode)
        return seer_errf(err, SEER_EUNSUPPORTED, "model '%s': family '%s' has no detection decoder",
                         seer_model_name(m), man->family);
    if (!img || !img->px || img->width <= 0 || img->height <= 0)
        return seer_errf(err, SEER_EINVAL, "empty image");
    da.in_w = man->input.width;
    da.in_h = man->input.height;
    /* Boxes are reported in the photo's full-resolution pixels even when the decoder
     * scaled it down (JPEG DCT scaling): only the ratio to the input matters. */
    da.orig_w = img->orig_width > 0 ? img->orig_width : img->width;
    da.orig_h = img->orig_height > 0 ? img->orig_height : img->height;
    da.score_threshold = opts.score_threshold >= 0.0f ? opts.score_threshold : man->score_threshold;
    da.iou_threshold = opts.iou_threshold >= 0.0f ? opts.iou_threshold : man->iou_threshold;
    da.max_detections = opts.max_detections > 0 ? opts.max_detections : man->max_detections;
    da.n_classes = seer_model_n_labels(m);
    /* TFLite label maps start with a "???" line for the background class the model's
     * class numbers skip. */
    da.label_offset = seer_model_label(m, 0) && !strcmp(seer_model_label(m, 0), "???");
    rc = seer_model_acquire_plan(m, &p, err);
    if (rc)
        return rc;
    rc = fit_input(m, img, p, &da, err);
    if (!rc)
        rc = preprocess(man, img, da.in_w, da.in_h, seer_plan_input(p, 0), err);
    if (rc)
        goto out;
    t1 = now_ms();
    rc = seer_plan_run(p, err);
    out->model_ms = now_ms() - t1;
    if (rc)
        goto out;
    rc = decode(p, &da, a, &out->d, &out->n, err);
    if (rc)
        goto out;
    rc = attach_labels(m, out->d, out->n, a, err);
    if (rc)
        goto out;
    out->width = da.orig_w;
    out->height = da.orig_h;
    out->time_ms = now_ms() - t0;
out:
    seer_model_release_plan(m, p);
    if (rc) {
        out->d = NULL;
        out->n = 0;
    }
    return rc;
}

int seer_detect_bytes(struct seer_model *m, const uint8_t *p, size_t n, int64_t max_pixels,
                      const struct seer_detect_opts *o, struct seer_arena *a, struct seer_dets *out,
                      struct seer_err *err)
{
    const struct seer_manifest *man = seer_model_manifest(m);
    struct seer_image_opts io = {0};
    struct seer_image img;
    double t0 = now_ms();
    int rc;

    memset(out, 0, sizeof(*out));
    io.max_pixels = max_pixels;
    /* Big JPEGs are decoded at the smallest DCT scale still at least the model input:
     * the stretch to the input throws the extra pixels away anyway. */
    io.min_width = man->input.width;
    io.min_height = man->input.height;
    rc = seer_image_decode(p, n, &io, a, &img, err);
    if (rc)
        return rc;
    rc = seer_detect_image(m, &img, o, a, out, err);
    if (rc)
        return rc;
    out->time_ms = now_ms() - t0;
    return SEER_OK;
}
