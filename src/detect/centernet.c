/*
 * CenterNet (MobileNetV3 CenterNet from the TF.js model zoo): the graph already does
 * the peak picking (a 3x3 max-pool, TopK 100) and emits its `detections` output,
 * rows [x1, y1, x2, y2, score, class] in input pixels. Decoding is a threshold and a
 * scale back to the photo; no NMS, no clipping (the reference pipeline does neither).
 */
#include <math.h>

#include "core/arena.h"
#include "detect/detect_int.h"

int seer__centernet_decode(const struct seer_tensor *det, const struct seer__decode_args *da,
                           struct seer_arena *ar, struct seer_det **out, int *n,
                           struct seer_err *err)
{
    const float *r;
    struct seer_det *d;
    int64_t rows;
    int k = 0;
    double sx, sy;

    *out = NULL;
    *n = 0;
    if (det->dtype != SEER_DTYPE_F32 || det->ndim != 3 || det->dims[0] != 1 || det->dims[2] != 6 ||
        det->dims[1] < 0 || det->dims[1] > 1000000) {
        char s[96];
        return seer_errf(err, SEER_EFORMAT,
                         "centernet: detections output is %s %s, expected float32 [1,N,6]",
                         seer_dtype_name(det->dtype), seer_tensor_shape_str(det, s, sizeof(s)));
    }
    rows = det->dims[1];
    r = det->data;
    d = seer_arena_array(ar, (size_t)(rows > 0 ? rows : 1), sizeof(*d));
    if (!d)
        return seer_errf(err, SEER_ENOMEM, "centernet: out of memory");
    sx = (double)da->orig_w / da->in_w;
    sy = (double)da->orig_h / da->in_h;
    for (int64_t i = 0; i < rows; i++, r += 6) {
        float cls = r[5];

        if (!(r[4] > da->score_threshold))
            continue;
        /* The class column is a float holding an index; anything that is not a small
         * whole number is a broken model, not a class. */
        if (!(cls >= 0.0f && cls < 1e6f))
            continue;
        d[k].class_index = (int)lrintf(cls);
        d[k].category_id = d[k].class_index;
        d[k].label = NULL;
        d[k].score = r[4];
        d[k].box[0] = (float)(r[0] * sx);
        d[k].box[1] = (float)(r[1] * sy);
        d[k].box[2] = (float)(r[2] * sx);
        d[k].box[3] = (float)(r[3] * sy);
        k++;
    }
    seer__dets_sort(d, k);
    if (k > da->max_detections)
        k = da->max_detections;
    *out = d;
    *n = k;
    return SEER_OK;
}
