/*
 * seer eval: COCO detection metrics.
 *
 *   seer eval --annotations instances.json --detections results.json [--json]
 *   seer eval --annotations instances.json --model NAME --images DIR [--json]
 *
 * Both forms end in the same place: a detections array in memory, evaluated by
 * seer_eval_coco. Only where the array comes from differs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <seer/eval.h>

#include "cli/cli.h"
#include "core/alloc.h"

struct opts {
    const char *annotations, *detections, *model, *images;
    bool json;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: seer eval --annotations FILE --detections FILE [--json]\n"
               "       seer eval --annotations FILE --model NAME --images DIR [--json]\n"
               "\n"
               "Prints the 12 COCO box metrics (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100,\n"
               "ARs, ARm, ARl) as pycocotools' COCOeval computes and prints them.\n"
               "\n"
               "  --annotations FILE  COCO annotation file (images, annotations, categories)\n"
               "  --detections FILE   COCO results file: [{\"image_id\", \"category_id\", "
               "\"bbox\", \"score\"}]\n"
               "  --model NAME        run an installed model over the annotation file's images\n"
               "  --images DIR        folder holding the images' file_name entries (with --model)\n"
               "  --json              print one JSON object with the 12 metrics instead\n");
}

/* Accepts "--name value" and "--name=value". */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n))
        return false;
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return false;
    *out = argv[++*i];
    return true;
}

/* 0 when parsed, 1 when help was asked for, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
        if (!strcmp(argv[i], "--json")) {
            o->json = true;
            continue;
        }
        if (opt_value(argc, argv, &i, "--annotations", &o->annotations) ||
            opt_value(argc, argv, &i, "--detections", &o->detections) ||
            opt_value(argc, argv, &i, "--model", &o->model) ||
            opt_value(argc, argv, &i, "--images", &o->images))
            continue;
        fprintf(stderr, "seer eval: unknown option or missing value: '%s'\n", argv[i]);
        return 2;
    }
    if (!o->annotations) {
        fprintf(stderr, "seer eval: --annotations is required\n");
        return 2;
    }
    if (!o->model == !o->detections) {
        fprintf(stderr, "seer eval: give either --detections or --model\n");
        return 2;
    }
    if (o->model && !o->images) {
        fprintf(stderr, "seer eval: --model needs --images DIR\n");
        return 2;
    }
    return 0;
}

/*
 * Runs model `model` over every image of gt (images_dir/file_name) and returns its
 * detections in COCO form: category_id in the annotation file's scheme (COCO's 91 ids),
 * bbox [x, y, w, h] in original pixels, at most 100 per image, and the model's scores
 * without a score threshold (COCO AP rewards low-score detections). *out is a heap array
 * owned by the caller (seer_free).
 *
 * TODO(#2): fill this in with the detect path; until then --model reports that it is
 * missing and exits 2.
 */
static int dets_from_model(const char *model, const char *images_dir, const struct seer_eval_gt *gt,
                           struct seer_eval_det **out, size_t *n_dets, struct seer_err *err)
{
    (void)model;
    (void)images_dir;
    (void)gt;
    *out = NULL;
    *n_dets = 0;
    return seer_errf(err, SEER_EUNSUPPORTED, "needs the detect path (issue #2)");
}

int seer_cli_eval(int argc, char **argv)
{
    struct opts o = {0};
    struct seer_eval_gt *gt = NULL;
    struct seer_eval_det *dets = NULL;
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    size_t n_dets = 0;
    int rc, status = 1;

    rc = parse_args(argc, argv, &o);
    if (rc) {
        usage(rc == 1 ? stdout : stderr);
        return rc == 1 ? 0 : 2;
    }
    rc = seer_eval_gt_load(o.annotations, &gt, &err);
    if (rc) {
        fprintf(stderr, "seer eval: %s\n", err.msg);
        goto out;
    }
    if (o.model) {
        rc = dets_from_model(o.model, o.images, gt, &dets, &n_dets, &err);
        if (rc == SEER_EUNSUPPORTED) {
            fprintf(stderr, "seer eval --model: %s\n", err.msg);
            status = 2;
            goto out;
        }
    } else {
        rc = seer_eval_dets_load(o.detections, &dets, &n_dets, &err);
    }
    if (!rc)
        rc = seer_eval_coco(gt, dets, n_dets, &m, &err);
    if (rc) {
        fprintf(stderr, "seer eval: %s\n", err.msg);
        goto out;
    }
    if (m.n_dets_unknown_category)
        fprintf(stderr,
                "seer eval: warning: %zu of %zu detections have a category_id that is "
                "not in %s; they were skipped\n",
                m.n_dets_unknown_category, m.n_dets, o.annotations);
    if (o.json) {
        char buf[512];
        size_t len = seer_eval_metrics_json(&m, buf, sizeof(buf));
        if (len >= sizeof(buf)) {
            fprintf(stderr, "seer eval: JSON output too long\n");
            goto out;
        }
        printf("%s\n", buf);
    } else {
        seer_eval_metrics_print(&m, stdout);
    }
    status = fflush(stdout) ? 1 : 0;
out:
    seer_free(dets);
    seer_eval_gt_free(gt);
    return status;
}
