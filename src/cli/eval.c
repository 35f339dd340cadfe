/*
 * seer eval: COCO detection metrics.
 *
 *   seer eval --annotations instances.json --detections results.json [--json]
 *   seer eval --annotations instances.json --model NAME --images DIR [--json]
 *   seer eval --table [--annotations instances.json --images DIR] [--json]
 *
 * Every form ends in the same place: a detections array in memory, evaluated by
 * seer_eval_coco. Only where the array comes from differs. With --model the array comes
 * from the batch pipeline (src/batch/coco.c), so evaluation runs exactly the decode and
 * detect path that serving and batch jobs run.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seer/batch.h>
#include <seer/eval.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/threadpool.h"
#include "repo/repo_int.h"

/* The reference pipeline's settings (../shared/golden/reference/<model>-coco-dev.info.json): COCO
 * AP rewards low-score detections, so evaluation keeps everything above 0.05, at most 100 per
 * image, as the TF Object Detection API's COCO evaluation does. */
#define EVAL_SCORE_THRESHOLD 0.05f
#define EVAL_MAX_DETECTIONS  100

struct opts {
    const char *annotations, *detections, *model, *images, *models;
    int threads;
    bool json, table;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: seer eval --annotations FILE --detections FILE [--json]\n"
            "       seer eval --annotations FILE --model NAME|PATH --images DIR [--json]\n"
            "       seer eval --table [--annotations FILE --images DIR] [--json]\n"
            "\n"
            "Prints the 12 COCO box metrics (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100,\n"
            "ARs, ARm, ARl) as pycocotools' COCOeval computes and prints them.\n"
            "\n"
            "  --annotations FILE  COCO annotation file (images, annotations, categories)\n"
            "  --detections FILE   COCO results file: [{\"image_id\", \"category_id\", "
            "\"bbox\", \"score\"}]\n"
            "  --model NAME|PATH   run a model over the annotation file's images (scores\n"
            "                      above 0.05, at most 100 per image)\n"
            "  --images DIR        folder holding the images' file_name entries\n"
            "  --table             every installed model: name, ms/image here, COCO mAP\n"
            "                      (default set: $SEER_SHARED or ../shared data/coco-dev)\n"
            "  --models DIR        the model repository (default ./models)\n"
            "  --threads N         threads in all (default: every CPU)\n"
            "  --json              print JSON instead (one object; one per model with --table)\n");
}

/* 0 when parsed, 1 when help was asked for, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
        const char *v = NULL;

        if (!strcmp(argv[i], "--json")) {
            o->json = true;
            continue;
        }
        if (!strcmp(argv[i], "--table")) {
            o->table = true;
            continue;
        }
        static const char *const names[] = {"--annotations", "--detections", "--model",
                                            "--images", "--models"};
        const char **slots[] = {&o->annotations, &o->detections, &o->model, &o->images,
                                &o->models};
        bool matched = false;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !matched; k++) {
            if (!seer__cli_opt(argc, argv, &i, names[k], &v))
                continue;
            if (!v) {
                fprintf(stderr, "seer eval: %s needs a value\n", names[k]);
                return 2;
            }
            *slots[k] = v;
            matched = true;
        }
        if (matched)
            continue;
        if (seer__cli_opt(argc, argv, &i, "--threads", &v)) {
            if (!seer__cli_int(v, 1, 256, &o->threads)) {
                fprintf(stderr, "seer eval: --threads needs an integer from 1 to 256\n");
                return 2;
            }
            continue;
        }
        fprintf(stderr, "seer eval: unknown option or missing value: '%s'\n", argv[i]);
        return 2;
    }
    if (!o->models)
        o->models = "models";
    if (o->table) {
        if (o->model || o->detections) {
            fprintf(stderr, "seer eval: --table runs every installed model; drop --model "
                            "and --detections\n");
            return 2;
        }
        if (!o->annotations != !o->images) {
            fprintf(stderr, "seer eval: --annotations and --images go together\n");
            return 2;
        }
        return 0;
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

/* Batch options for evaluation: all threads as single-threaded workers (as seer batch
 * shares them), the reference's score threshold and detection cap. */
static void eval_run_opts(int workers, struct seer_batch_opts *bo)
{
    seer_batch_opts_init(bo);
    bo->n_workers = workers;
    bo->detect.score_threshold = EVAL_SCORE_THRESHOLD;
    bo->detect.max_detections = EVAL_MAX_DETECTIONS;
    bo->full_size = true;
    bo->progress = isatty(2);
}

static int threads_of(const struct opts *o)
{
    return o->threads > 0 ? o->threads : seer_cpu_count();
}

/* Model options for `workers` workers sharing `threads` threads. */
static struct seer_model_opts eval_model_opts(int threads, int workers)
{
    struct seer_model_opts mo = {0};

    mo.n_threads = threads / workers > 0 ? threads / workers : 1;
    return mo;
}

/* Runs m over gt's images (images_dir/file_name) and returns COCO detections: category_id in
 * COCO's 91 ids (the model's label map), bbox [x, y, w, h] in original pixels, at most 100
 * per image above 0.05. A photo that fails is reported on stderr and contributes nothing, as
 * a missing results entry would. *out is owned by the caller (seer_free). */
static int dets_from_model(struct seer_model *m, int workers, const char *images_dir,
                           const struct seer_eval_gt *gt, struct seer_eval_det **out,
                           size_t *n_dets, struct seer_batch_stats *st, double *mean_ms,
                           struct seer_err *err)
{
    struct seer_batch_opts bo;
    struct seer_err first = {{0}};
    int rc;

    eval_run_opts(workers, &bo);
    rc = seer_batch_coco_dets(m, gt, images_dir, &bo, out, n_dets, st, mean_ms, &first, err);
    if (!rc && st->failed)
        fprintf(stderr, "seer eval: warning: %zu of %zu images failed (first: %s)\n", st->failed,
                st->total, first.msg);
    return rc;
}

/* The default evaluation set for --table: coco-dev from the shared test material. */
static bool default_set(struct opts *o, char *ann, char *img, size_t cap)
{
    const char *shared = getenv("SEER_SHARED");
    struct stat st;

    if (!shared || !*shared)
        shared = "../shared";
    snprintf(ann, cap, "%s/data/coco-dev/instances.json", shared);
    snprintf(img, cap, "%s/data/coco-dev/images", shared);
    if (stat(ann, &st) != 0 || stat(img, &st) != 0)
        return false;
    o->annotations = ann;
    o->images = img;
    return true;
}

/* A JSON string; bytes below 0x20 become '?' (error messages are one line anyway). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else
            putchar((unsigned char)*s < 0x20 ? '?' : *s);
    }
    putchar('"');
}

/* One row of the model table: mt and st are NULL when error says why there is no row. */
static void table_row(const struct opts *o, const struct seer_repo_entry *e,
                      const struct seer_eval_metrics *mt, const struct seer_batch_stats *st,
                      double mean_ms, const char *error)
{
    size_t n = st ? st->done + st->failed : 0;
    double ms = n ? st->seconds * 1e3 / (double)n : 0;
    char name[160], buf[512];

    if (o->json) {
        printf("{\"model\": ");
        json_str(e->name);
        printf(", \"version\": %d, ", e->version);
        if (error) {
            printf("\"error\": ");
            json_str(error);
            printf("}\n");
        } else {
            if (seer_eval_metrics_json(mt, buf, sizeof(buf)) >= sizeof(buf))
                snprintf(buf, sizeof(buf), "null");
            printf("\"ms_per_image\": %.2f, \"latency_ms\": %.2f, \"images\": %zu, "
                   "\"failed\": %zu, \"metrics\": %s}\n",
                   ms, mean_ms, n, st->failed, buf);
        }
        return;
    }
    snprintf(name, sizeof(name), "%s v%d", e->name, e->version);
    if (error)
        printf("%-24s %10s %9s  %-7s  error: %s\n", name, "-", "-", "-", error);
    else
        printf("%-24s %10.1f %9.1f  %-7s\n", name, ms, mt->v[SEER_EVAL_METRIC_AP] * 100.0, "Boxes");
}

/*
 * The original lab's model table (TF detection model zoo style): for the default version of
 * every installed model, ms per image on this machine (wall time over the whole set with all
 * threads, decode included) and COCO mAP (AP@[.50:.95], in percent as the zoo prints it).
 */
static int eval_table(struct opts *o)
{
    char ann[1024], img[1024];
    int threads = threads_of(o), workers = threads, status = 1, n = 0;
    struct seer_model_opts mo = eval_model_opts(threads, workers);
    struct seer_eval_gt *gt = NULL;
    struct seer_repo *repo = NULL;
    struct seer_arena *a = NULL;
    struct seer_repo_entry *e = NULL;
    struct seer_err err = {{0}};
    size_t n_images = 0;

    if (!o->annotations && !default_set(o, ann, img, sizeof(ann))) {
        fprintf(stderr,
                "seer eval --table: no default evaluation set at %s; give "
                "--annotations FILE --images DIR\n",
                ann);
        return 2;
    }
    if (seer_eval_gt_load(o->annotations, &gt, &err) ||
        seer_repo_open(o->models, &mo, &repo, &err)) {
        fprintf(stderr, "seer eval: %s\n", err.msg);
        goto out;
    }
    seer_eval_gt_images(gt, &n_images);
    a = seer_arena_new(1 << 16);
    if (!a || seer_repo_list(repo, a, &e, &n)) {
        fprintf(stderr, "seer eval: out of memory\n");
        goto out;
    }
    if (!o->json) {
        printf("COCO mAP on %s (%zu images); speed with %d thread%s on this machine\n",
               o->annotations, n_images, threads, threads == 1 ? "" : "s");
        printf("%-24s %10s %9s  %-7s\n", "Model name", "Speed (ms)", "COCO mAP", "Outputs");
    }
    for (int i = 0; i < n; i++) {
        struct seer_model *m = NULL;
        struct seer_eval_det *dets = NULL;
        struct seer_eval_metrics mt;
        struct seer_batch_stats st = {0};
        size_t n_dets = 0;
        double mean_ms = 0;
        int rc;

        /* One row per name: its default (highest available) version. */
        if (i + 1 < n && !strcmp(e[i].name, e[i + 1].name))
            continue;
        seer_err_clear(&err);
        rc = seer_repo_get(repo, e[i].name, 0, &m, &err);
        if (!rc)
            rc = dets_from_model(m, workers, o->images, gt, &dets, &n_dets, &st, &mean_ms, &err);
        if (!rc)
            rc = seer_eval_coco(gt, dets, n_dets, &mt, &err);
        if (m) {
            struct seer_repo_entry row = e[i];

            row.version = seer_model_version(m);
            if (rc)
                table_row(o, &row, NULL, NULL, 0, err.msg);
            else
                table_row(o, &row, &mt, &st, mean_ms, NULL);
        } else {
            table_row(o, &e[i], NULL, NULL, 0, err.msg[0] ? err.msg : "not available");
        }
        fflush(stdout);
        seer_free(dets);
        seer_model_unref(m);
    }
    if (!o->json)
        printf("Speed: wall-clock ms per image over the whole set (decode + detect, %d "
               "worker%s). COCO mAP: AP@[.50:.95] x 100.\n",
               workers, workers == 1 ? "" : "s");
    status = fflush(stdout) ? 1 : 0;
out:
    seer_arena_free(a);
    seer_repo_free(repo);
    seer_eval_gt_free(gt);
    return status;
}

int seer_cli_eval(int argc, char **argv)
{
    struct opts o = {0};
    struct seer_eval_gt *gt = NULL;
    struct seer_eval_det *dets = NULL;
    struct seer_model *model = NULL;
    struct seer_eval_metrics m;
    struct seer_err err = {""};
    size_t n_dets = 0;
    int rc, status = 1;

    rc = parse_args(argc, argv, &o);
    if (rc) {
        usage(rc == 1 ? stdout : stderr);
        return rc == 1 ? 0 : 2;
    }
    if (o.table)
        return eval_table(&o);
    rc = seer_eval_gt_load(o.annotations, &gt, &err);
    if (rc) {
        fprintf(stderr, "seer eval: %s\n", err.msg);
        goto out;
    }
    if (o.model) {
        int threads = threads_of(&o);
        struct seer_model_opts mo = eval_model_opts(threads, threads);
        struct seer_batch_stats st;

        rc = seer__repo_load_one(o.models, o.model, &mo, &model, &err);
        if (!rc)
            rc = dets_from_model(model, threads, o.images, gt, &dets, &n_dets, &st, NULL, &err);
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
    seer_model_unref(model);
    seer_eval_gt_free(gt);
    return status;
}
