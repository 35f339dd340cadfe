/*
 * seer batch: batch prediction over many photos into Cloud ML Engine's result files.
 *
 *   seer batch --model centernet --input GLOB --output out/     (GLOB may hold '**')
 *   seer batch --model nanodet --input-list files.txt --output out/ --shard 2/8
 *   seer batch --model centernet --input-jsonl instances.jsonl --output out/
 *   seer batch --model centernet --annotations instances.json --images DIR --output out/
 *              --format coco
 *
 * Rerunning the same command resumes (see src/batch/job.c); Ctrl-C commits what is done.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seer/batch.h>
#include <seer/eval.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/threadpool.h"
#include "repo/repo_int.h"

struct batch_cli {
    const char *model, *models, *output, *glob, *list, *jsonl, *annotations, *images;
    int shard, n_shards, threads, workers, decoders, batch_size, max, commit_every;
    float threshold;
    bool coco, quiet, full_size;
};

static atomic_int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: seer batch --model NAME|PATH --output DIR INPUTS [options]\n"
               "\n"
               "INPUTS (one of):\n"
               "  --input 'GLOB'        files matching a pattern; '**' matches any folders\n"
               "                        (quote it so the shell leaves it alone)\n"
               "  --input-list FILE     one path per line\n"
               "  --input-jsonl FILE    JSON instances, one per line: {\"b64\": ...} or\n"
               "                        {\"image_bytes\": {\"b64\": ...}}, optional \"key\"\n"
               "  --annotations FILE --images DIR   the images of a COCO annotation file\n"
               "\n"
               "options:\n"
               "  --models DIR          the model repository (default ./models)\n"
               "  --shard i/N           run only inputs whose position modulo N is i\n"
               "  --threads N           threads in all (default: every CPU)\n"
               "  --workers W           inference workers sharing them (default: see docs)\n"
               "  --decoders D          photo decoding threads (default 1)\n"
               "  --batch-size K        photos a worker takes from the queue at once (default 1)\n"
               "  --format coco         also write coco_results.json (with --annotations)\n"
               "  --threshold T         keep scores above T (default: the model's manifest)\n"
               "  --max N               at most N detections per photo (default: the manifest)\n"
               "  --commit-every N      commit results every N inputs (default 64) or 2 s\n"
               "  --full-size           decode JPEGs at full size (as `seer eval` does), not\n"
               "                        DCT-scaled to the model input (as the online path does)\n"
               "  --quiet               no progress line\n"
               "\n"
               "Writes DIR/prediction.results-0000i-of-0000N (JSON Lines) and\n"
               "DIR/prediction.errors_stats-0000i-of-0000N. Rerun the same command to resume.\n");
}

static bool parse_shard(const char *s, int *i, int *n)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    char head[16];

    if (!slash || (size_t)(slash - s) >= sizeof(head))
        return false;
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    return seer__cli_int(head, 0, 99998, i) && seer__cli_int(slash + 1, 1, 99999, n) && *i < *n;
}

/* 0 parsed, 1 help shown, 2 usage error (reported). */
static int parse_args(int argc, char **argv, struct batch_cli *o)
{
    int n_sources;

    o->models = "models";
    o->n_shards = 1;
    o->threshold = -1.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool ok = true;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = true;
            continue;
        } else if (!strcmp(a, "--full-size")) {
            o->full_size = true;
            continue;
        } else if (seer__cli_opt(argc, argv, &i, "--model", &v)) {
            o->model = v;
        } else if (seer__cli_opt(argc, argv, &i, "--models", &v)) {
            o->models = v;
        } else if (seer__cli_opt(argc, argv, &i, "--output", &v)) {
            o->output = v;
        } else if (seer__cli_opt(argc, argv, &i, "--input", &v)) {
            o->glob = v;
        } else if (seer__cli_opt(argc, argv, &i, "--input-list", &v)) {
            o->list = v;
        } else if (seer__cli_opt(argc, argv, &i, "--input-jsonl", &v)) {
            o->jsonl = v;
        } else if (seer__cli_opt(argc, argv, &i, "--annotations", &v)) {
            o->annotations = v;
        } else if (seer__cli_opt(argc, argv, &i, "--images", &v)) {
            o->images = v;
        } else if (seer__cli_opt(argc, argv, &i, "--shard", &v)) {
            ok = parse_shard(v, &o->shard, &o->n_shards);
        } else if (seer__cli_opt(argc, argv, &i, "--threads", &v)) {
            ok = seer__cli_int(v, 1, 256, &o->threads);
        } else if (seer__cli_opt(argc, argv, &i, "--workers", &v)) {
            ok = seer__cli_int(v, 1, 256, &o->workers);
        } else if (seer__cli_opt(argc, argv, &i, "--decoders", &v)) {
            ok = seer__cli_int(v, 1, 256, &o->decoders);
        } else if (seer__cli_opt(argc, argv, &i, "--batch-size", &v)) {
            ok = seer__cli_int(v, 1, 4096, &o->batch_size);
        } else if (seer__cli_opt(argc, argv, &i, "--commit-every", &v)) {
            ok = seer__cli_int(v, 1, 100000, &o->commit_every);
        } else if (seer__cli_opt(argc, argv, &i, "--max", &v)) {
            ok = seer__cli_int(v, 1, 10000, &o->max);
        } else if (seer__cli_opt(argc, argv, &i, "--format", &v)) {
            ok = v && (!strcmp(v, "coco") || !strcmp(v, "jsonl"));
            o->coco = ok && !strcmp(v, "coco");
        } else if (seer__cli_opt(argc, argv, &i, "--threshold", &v)) {
            char *end = NULL;
            double t = v ? strtod(v, &end) : -1;

            ok = v && !*end && t >= 0.0 && t <= 1.0;
            o->threshold = (float)t;
        } else {
            fprintf(stderr, "seer batch: unknown option '%s'\n", a);
            return 2;
        }
        if (!v) {
            fprintf(stderr, "seer batch: %s needs a value\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "seer batch: bad value for %s: '%s'\n", a, v);
            return 2;
        }
    }
    n_sources = !!o->glob + !!o->list + !!o->jsonl + !!o->annotations;
    if (!o->model || !o->output) {
        fprintf(stderr, "seer batch: --model and --output are required\n");
        return 2;
    }
    if (n_sources != 1) {
        fprintf(stderr, "seer batch: give one of --input, --input-list, --input-jsonl, "
                        "--annotations\n");
        return 2;
    }
    if (!o->annotations != !o->images) {
        fprintf(stderr, "seer batch: --annotations and --images go together\n");
        return 2;
    }
    if (o->coco && !o->annotations) {
        fprintf(stderr, "seer batch: --format coco needs --annotations (image ids)\n");
        return 2;
    }
    return 0;
}

/*
 * How the threads are shared: W workers, each inference on threads/W threads. On this
 * project's 2-core machine, two single-threaded workers beat one two-threaded worker for
 * these models (docs/batch.md has the numbers): one image per core needs no
 * synchronisation inside a run, while splitting a small layer across cores does.
 */
static int default_workers(int threads)
{
    return threads;
}

static int load_inputs(const struct batch_cli *o, struct seer_batch_inputs *in,
                       struct seer_err *err)
{
    struct seer_eval_gt *gt = NULL;
    int rc;

    if (o->glob)
        return seer_batch_inputs_glob(in, o->glob, err);
    if (o->list)
        return seer_batch_inputs_list(in, o->list, err);
    if (o->jsonl)
        return seer_batch_inputs_jsonl(in, o->jsonl, err);
    rc = seer_eval_gt_load(o->annotations, &gt, err);
    if (!rc)
        rc = seer_batch_inputs_coco(in, gt, o->images, err);
    seer_eval_gt_free(gt);
    return rc;
}

int seer_cli_batch(int argc, char **argv)
{
    struct batch_cli o = {0};
    struct seer_batch_inputs in;
    struct seer_model_opts mo = {0};
    struct seer_model *m = NULL;
    struct seer_batch_job j = {0};
    struct seer_batch_stats st;
    struct seer_err err = {{0}};
    struct sigaction sa, old_sa;
    char name[64];
    size_t total, all;
    int rc, threads;

    rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    seer_batch_inputs_init(&in);
    rc = load_inputs(&o, &in, &err);
    all = in.n;
    if (!rc)
        rc = seer_batch_inputs_shard(&in, o.shard, o.n_shards, &err);
    if (rc) {
        fprintf(stderr, "seer batch: %s\n", err.msg);
        seer_batch_inputs_clear(&in);
        return 1;
    }
    total = in.n;
    threads = o.threads ? o.threads : seer_cpu_count();
    if (!o.workers)
        o.workers = default_workers(threads);
    mo.n_threads = threads / o.workers > 0 ? threads / o.workers : 1;
    rc = seer__repo_load_one(o.models, o.model, &mo, &m, &err);
    if (rc) {
        fprintf(stderr, "seer batch: %s\n", err.msg);
        seer_batch_inputs_clear(&in);
        return 1;
    }
    j.model = m;
    j.inputs = &in;
    j.out_dir = o.output;
    j.shard = o.shard;
    j.n_shards = o.n_shards;
    j.coco = o.coco;
    j.chunk_items = o.commit_every;
    seer_batch_opts_init(&j.run);
    j.run.n_workers = o.workers;
    j.run.n_decoders = o.decoders ? o.decoders : 1;
    j.run.batch_size = o.batch_size ? o.batch_size : 1;
    j.run.full_size = o.full_size;
    j.run.detect.score_threshold = o.threshold;
    j.run.detect.max_detections = o.max;
    j.run.progress = !o.quiet && isatty(2);
    j.run.cancel = &interrupted;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    rc = seer_batch_job_run(&j, &st, &err);
    sigaction(SIGINT, &old_sa, NULL);
    seer_batch_file_name(name, sizeof(name), "results", o.shard, o.n_shards);
    if (rc)
        fprintf(stderr, "seer batch: %s\n", err.msg);
    else if (st.cancelled)
        fprintf(stderr,
                "seer batch: interrupted after %zu of %zu inputs; rerun the same "
                "command to resume\n",
                st.done + st.failed, st.total);
    else if (!o.quiet && o.n_shards > 1)
        fprintf(stderr,
                "seer batch: shard %d/%d: %zu of %zu inputs (%zu run now, %zu failed now, "
                "%.1f s); results in %s/%s\n",
                o.shard, o.n_shards, total, all, st.done + st.failed, st.failed, st.seconds,
                o.output, name);
    else if (!o.quiet)
        fprintf(stderr,
                "seer batch: %zu inputs (%zu run now, %zu failed now, %.1f s); "
                "results in %s/%s\n",
                total, st.done + st.failed, st.failed, st.seconds, o.output, name);
    seer_model_unref(m);
    seer_batch_inputs_clear(&in);
    return rc ? 1 : st.cancelled ? 130 : 0;
}
