/* COCO metrics as JSON and as pycocotools' summarize() table. */
#include <stdio.h>

#include <seer/eval.h>

static const char *const keys[SEER_EVAL_METRIC_COUNT] = {
    "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl",
};

const char *seer_eval_metric_key(enum seer_eval_metric m)
{
    return (unsigned)m < SEER_EVAL_METRIC_COUNT ? keys[m] : NULL;
}

size_t seer_eval_metrics_json(const struct seer_eval_metrics *m, char *buf, size_t cap)
{
    size_t len = 0;

    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++) {
        /* Each piece is written at buf + len while it fits and only counted after that,
         * so the return value is the full length as with snprintf. */
        char *at = len < cap ? buf + len : NULL;
        int n = snprintf(at, at ? cap - len : 0, "%s\"%s\": %.6f%s", i ? ", " : "{", keys[i],
                         m->v[i], i == SEER_EVAL_METRIC_COUNT - 1 ? "}" : "");
        if (n < 0)
            return 0;
        len += (size_t)n;
    }
    return len;
}

void seer_eval_metrics_print(const struct seer_eval_metrics *m, FILE *f)
{
    /* The rows of COCOeval._summarizeDets(), in its order. */
    static const struct {
        int ap;
        const char *iou, *area;
        int max_dets;
    } rows[SEER_EVAL_METRIC_COUNT] = {
        {1, "0.50:0.95", "all", 100},    {1, "0.50", "all", 100},
        {1, "0.75", "all", 100},         {1, "0.50:0.95", "small", 100},
        {1, "0.50:0.95", "medium", 100}, {1, "0.50:0.95", "large", 100},
        {0, "0.50:0.95", "all", 1},      {0, "0.50:0.95", "all", 10},
        {0, "0.50:0.95", "all", 100},    {0, "0.50:0.95", "small", 100},
        {0, "0.50:0.95", "medium", 100}, {0, "0.50:0.95", "large", 100},
    };

    for (int i = 0; i < SEER_EVAL_METRIC_COUNT; i++)
        fprintf(f, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                rows[i].ap ? "Average Precision" : "Average Recall", rows[i].ap ? "(AP)" : "(AR)",
                rows[i].iou, rows[i].area, rows[i].max_dets, m->v[i]);
}
