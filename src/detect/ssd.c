/*
 * SSD models that end in TFLite_Detection_PostProcess (TFLite's COCO SSD MobileNet): the
 * graph already decoded the anchors and ran NMS, so this only reads its four outputs,
 * keeps the first `count` rows above the score threshold, shifts the class numbers past
 * the background placeholder of the label map and scales the normalised boxes to the
 * photo. Boxes are not clipped (TFLite's are not either; a box may start at -0.001).
 */
#include <math.h>

#include "core/arena.h"
#include "detect/detect_int.h"

static bool shaped(const struct seer_tensor *t, int ndim, int64_t d1, int64_t d2)
{
    return t && t->dtype == SEER_DTYPE_F32 && t->ndim == ndim && t->dims[0] == 1 &&
           (ndim < 2 || t->dims[1] == d1) && (ndim < 3 || t->dims[2] == d2);
}

int seer__ssd_decode(const struct seer_tensor *const outs[4], const struct seer__decode_args *da,
                     struct seer_arena *ar, struct seer_det **out, int *n, struct seer_err *err)
{
    const struct seer_tensor *boxes = outs[0], *classes = outs[1], *scores = outs[2];
    const struct seer_tensor *count = outs[3];
    const float *b, *c, *s;
    struct seer_det *d;
    int64_t rows, m;
    float cnt;
    int k = 0;

    *out = NULL;
    *n = 0;
    rows = boxes && boxes->ndim == 3 ? boxes->dims[1] : -1;
    if (rows < 0 || rows > 1000000 || !shaped(boxes, 3, rows, 4) || !shaped(classes, 2, rows, 0) ||
        !shaped(scores, 2, rows, 0) || !shaped(count, 1, 0, 0))
        return seer_errf(err, SEER_EFORMAT,
                         "ssd: expected float32 outputs boxes [1,N,4], classes [1,N], "
                         "scores [1,N] and count [1]");
    b = boxes->data;
    c = classes->data;
    s = scores->data;
    cnt = ((const float *)count->data)[0];
    /* The count is a float the model computed; anything odd means "all rows". */
    m = cnt >= 0.0f && cnt <= (float)rows ? (int64_t)cnt : rows;
    d = seer_arena_array(ar, (size_t)(m > 0 ? m : 1), sizeof(*d));
    if (!d)
        return seer_errf(err, SEER_ENOMEM, "ssd: out of memory");
    for (int64_t i = 0; i < m; i++) {
        const float *r = b + 4 * i;
        if (!(s[i] > da->score_threshold) || !(c[i] >= 0.0f && c[i] < 1e6f))
            continue;
        d[k].class_index = (int)lrintf(c[i]) + da->label_offset;
        d[k].category_id = d[k].class_index;
        d[k].label = NULL;
        d[k].score = s[i];
        d[k].box[0] = r[1] * (float)da->orig_w;
        d[k].box[1] = r[0] * (float)da->orig_h;
        d[k].box[2] = r[3] * (float)da->orig_w;
        d[k].box[3] = r[2] * (float)da->orig_h;
        k++;
    }
    seer__dets_sort(d, k);
    if (k > da->max_detections)
        k = da->max_detections;
    *out = d;
    *n = k;
    return SEER_OK;
}
