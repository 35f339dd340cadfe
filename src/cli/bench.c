/*
 * seer bench: times a model alone on a fixed input, after a warm-up, and prints the
 * median, minimum and maximum ms per run, and how long the model took to load (import,
 * prepare, plan with weight packing, warm-up run). `seer bench --fma-peak` measures this
 * CPU's fp32 FMA peak per thread, which bench/run.sh prints before and after a run so a
 * contended (shared vCPU) run is visible.
 *
 * End to end: `seer bench --model M --e2e PHOTO` times seer_detect_bytes on the photo's
 * bytes (decode with DCT scaling, resize and normalise, the model, decoding and NMS)
 * against the model alone in the same calls. `seer bench --make-photo OUT --from IN
 * --size WxH` writes a big JPEG made from a small one (bench/run.sh makes its
 * 12-megapixel photo that way, so no big file lives in the repository).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seer/detect.h>
#include <seer/image.h>
#include <seer/model.h>
#include <seer/plan.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "repo/repo_int.h"

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* CPU time of the whole process: on a shared machine it moves less than wall time when
 * other processes take turns on our cores (it cannot show a slower core, only a paused
 * one). */
static double cpu_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* 12 independent 16-wide FMA chains hide the 4-cycle latency on two FMA ports. */
__attribute__((target("avx512f"))) static double fma_loop_avx512(long iters)
{
    typedef float v16 __attribute__((vector_size(64)));
    v16 acc[12], a = {0}, b = {0};
    float sum = 0;

    a += 0.999f;
    b += 1e-6f;
    for (int j = 0; j < 12; j++)
        for (int i = 0; i < 16; i++)
            acc[j][i] = (float)j;
    for (long it = 0; it < iters; it++)
        for (int j = 0; j < 12; j++)
            acc[j] = acc[j] * a + b;
    for (int j = 0; j < 12; j++)
        for (int i = 0; i < 16; i++)
            sum += acc[j][i];
    return sum;
}

__attribute__((target("avx2,fma"))) static double fma_loop_avx2(long iters)
{
    typedef float v8 __attribute__((vector_size(32)));
    v8 acc[12], a = {0}, b = {0};
    float sum = 0;

    a += 0.999f;
    b += 1e-6f;
    for (int j = 0; j < 12; j++)
        for (int i = 0; i < 8; i++)
            acc[j][i] = (float)j;
    for (long it = 0; it < iters; it++)
        for (int j = 0; j < 12; j++)
            acc[j] = acc[j] * a + b;
    for (int j = 0; j < 12; j++)
        for (int i = 0; i < 8; i++)
            sum += acc[j][i];
    return sum;
}

/* GFLOP/s of one thread, best of 5 short runs. */
static double fma_peak(void)
{
    bool wide = __builtin_cpu_supports("avx512f");
    int lanes = wide ? 16 : 8;
    long iters = 20000000;
    double best = 0;

    if (!wide && !__builtin_cpu_supports("fma"))
        return 0;
    for (int r = 0; r < 5; r++) {
        double t0 = now_ms();
        volatile double sink = wide ? fma_loop_avx512(iters) : fma_loop_avx2(iters);
        double ms = now_ms() - t0;
        (void)sink;
        double gflops = (double)iters * 12 * lanes * 2 / (ms * 1e6);
        if (gflops > best)
            best = gflops;
    }
    return best;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: seer bench --model NAME|PATH [--models DIR] [--precision fp32|bf16]\n"
               "                  [--threads N] [--runs K] [--json] [--profile] [--e2e PHOTO]\n"
               "       seer bench --fma-peak\n"
               "       seer bench --make-photo OUT.jpg --from IN [--size WxH]\n");
}

/* A big JPEG from a small photo: nearest-neighbour upscaling plus a little fixed noise,
 * so the file has the entropy (and decode cost) of a real photo of that size. */
static int make_photo(const char *in, const char *out, int w, int h)
{
    struct seer_err err = {{0}};
    struct seer_arena *a = seer_arena_new(1 << 20);
    struct seer_image src, big = {0};
    uint8_t *bytes = NULL, *jpg = NULL;
    size_t n = 0, n_jpg = 0;
    int rc = 1;

    if (!a || seer_file_read(in, (size_t)256 << 20, &bytes, &n, &err) ||
        seer_image_decode(bytes, n, NULL, a, &src, &err))
        goto out;
    big.width = big.orig_width = w;
    big.height = big.orig_height = h;
    big.px = seer_arena_array(a, (size_t)w * (size_t)h, 3);
    if (!big.px) {
        seer_errf(&err, SEER_ENOMEM, "out of memory for %dx%d", w, h);
        goto out;
    }
    uint32_t s = 1;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = src.px + (size_t)((int64_t)y * src.height / h) * src.width * 3;
        uint8_t *o = big.px + (size_t)y * w * 3;
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                s = s * 1103515245u + 12345u;
                int v = row[(int64_t)x * src.width / w * 3 + c] + (int)((s >> 16) % 13) - 6;
                o[x * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    }
    if (seer_image_encode_jpeg(&big, 90, a, &jpg, &n_jpg, &err) ||
        seer_file_write_atomic(out, jpg, n_jpg, &err))
        goto out;
    printf("%s: %dx%d, %zu bytes\n", out, w, h, n_jpg);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "seer bench: --make-photo: %s\n", err.msg);
    seer_free(bytes);
    seer_arena_free(a);
    return rc;
}

/* seer_detect_bytes on the photo, runs times after 3 warm-ups: median end-to-end and
 * model ms of the same calls. */
static int e2e(struct seer_model *m, const char *photo, int runs, bool json, const char *precision,
               int threads, double load_ms)
{
    struct seer_err err = {{0}};
    struct seer_arena *a = seer_arena_new(1 << 20);
    double *tot = seer_calloc((size_t)runs, sizeof(double));
    double *mod = seer_calloc((size_t)runs, sizeof(double));
    uint8_t *bytes = NULL;
    size_t n = 0;
    struct seer_dets d = {0};
    int rc = 1;

    if (!a || !tot || !mod || seer_file_read(photo, (size_t)256 << 20, &bytes, &n, &err))
        goto out;
    for (int r = -3; r < runs; r++) {
        seer_arena_reset(a);
        double t0 = now_ms();
        if (seer_detect_bytes(m, bytes, n, 0, NULL, a, &d, &err))
            goto out;
        if (r >= 0) {
            tot[r] = now_ms() - t0;
            mod[r] = d.model_ms;
        }
    }
    qsort(tot, (size_t)runs, sizeof(double), cmp_double);
    qsort(mod, (size_t)runs, sizeof(double), cmp_double);
    if (json)
        printf("{\"model\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"runs\": %d, "
               "\"photo\": \"%s\", \"width\": %d, \"height\": %d, \"bytes\": %zu, "
               "\"e2e_median_ms\": %.3f, \"model_median_ms\": %.3f, \"ratio\": %.3f, "
               "\"load_ms\": %.1f}\n",
               seer_model_name(m), precision, threads, runs, photo, d.width, d.height, n,
               tot[runs / 2], mod[runs / 2], tot[runs / 2] / mod[runs / 2], load_ms);
    else
        printf("%s %s, %d thread%s, %s (%dx%d, %zu bytes): end to end %.2f ms, model %.2f ms "
               "(x%.2f), %d detections\n",
               seer_model_name(m), precision, threads, threads == 1 ? "" : "s", photo, d.width,
               d.height, n, tot[runs / 2], mod[runs / 2], tot[runs / 2] / mod[runs / 2], d.n);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "seer bench: %s: %s\n", photo, err.msg);
    seer_free(bytes);
    seer_free(tot);
    seer_free(mod);
    seer_arena_free(a);
    return rc;
}

int seer_cli_bench(int argc, char **argv)
{
    const char *model = "centernet", *models = "models", *precision = "fp32";
    const char *photo = NULL, *make = NULL, *from = NULL;
    int mw = 4000, mh = 3000;
    int threads = 1, runs = 20, rc = 1;
    bool json = false, profile = false;
    struct seer_model_opts mo = {0};
    struct seer_model *m = NULL;
    struct seer_plan *p = NULL;
    struct seer_err err = {{0}};
    double *times = NULL, *cpu = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--fma-peak")) {
            printf("%.1f\n", fma_peak());
            return 0;
        } else if (!strcmp(a, "--profile")) {
            profile = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (v && !strcmp(a, "--model")) {
            model = argv[++i];
        } else if (v && !strcmp(a, "--models")) {
            models = argv[++i];
        } else if (v && !strcmp(a, "--precision")) {
            precision = argv[++i];
        } else if (v && !strcmp(a, "--threads")) {
            threads = (int)strtol(argv[++i], NULL, 10);
        } else if (v && !strcmp(a, "--runs")) {
            runs = (int)strtol(argv[++i], NULL, 10);
        } else if (v && !strcmp(a, "--e2e")) {
            photo = argv[++i];
        } else if (v && !strcmp(a, "--make-photo")) {
            make = argv[++i];
        } else if (v && !strcmp(a, "--from")) {
            from = argv[++i];
        } else if (v && !strcmp(a, "--size")) {
            if (sscanf(argv[++i], "%dx%d", &mw, &mh) != 2 || mw < 1 || mh < 1 || mw > 20000 ||
                mh > 20000) {
                fprintf(stderr, "seer bench: --size wants WxH, each 1..20000\n");
                return 2;
            }
        } else {
            fprintf(stderr, "seer bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (make) {
        if (!from) {
            usage(stderr);
            return 2;
        }
        return make_photo(from, make, mw, mh);
    }
    if (threads < 1 || runs < 1 || (strcmp(precision, "fp32") && strcmp(precision, "bf16"))) {
        usage(stderr);
        return 2;
    }
    mo.n_threads = threads;
    mo.precision = strcmp(precision, "bf16") ? SEER_PRECISION_FP32 : SEER_PRECISION_BF16;
    /* Loaded as serving loads it (with the warm-up run), so load_ms is what a server
     * start or a hot swap costs. */
    double t_load = now_ms();
    rc = seer__repo_load_one(models, model, &mo, &m, &err);
    t_load = now_ms() - t_load;
    if (rc) {
        fprintf(stderr, "seer bench: %s: %s\n", model, err.msg);
        rc = 1;
        goto out;
    }
    rc = 1;
    if (photo) {
        rc = e2e(m, photo, runs, json, precision, threads, t_load);
        goto out;
    }
    if (seer_model_acquire_plan(m, &p, &err)) {
        fprintf(stderr, "seer bench: %s: %s\n", model, err.msg);
        goto out;
    }
    /* A fixed pseudo-random input, as bench/peers.mjs makes for the peers (the time of
     * these dense models does not depend on the values). */
    for (int i = 0; i < seer_plan_n_inputs(p); i++) {
        struct seer_tensor *t = seer_plan_input(p, i);
        int64_t n = seer_tensor_numel(t);
        uint32_t s = 12345;
        for (int64_t j = 0; j < n; j++) {
            s = s * 1103515245u + 12345u;
            unsigned v = (s >> 16) & 255;
            if (t->dtype == SEER_DTYPE_F32)
                ((float *)t->data)[j] = (float)v;
            else if (t->dtype == SEER_DTYPE_U8)
                ((uint8_t *)t->data)[j] = (uint8_t)v;
        }
    }
    times = seer_calloc((size_t)runs, sizeof(*times));
    cpu = seer_calloc((size_t)runs, sizeof(*cpu));
    if (!times || !cpu)
        goto out;
    for (int w = 0; w < 3; w++)
        if (seer_plan_run(p, &err))
            goto run_failed;
    if (profile && seer_plan_profile(p, true))
        goto out;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms(), c0 = cpu_ms();
        if (seer_plan_run(p, &err))
            goto run_failed;
        times[r] = now_ms() - t0;
        cpu[r] = cpu_ms() - c0;
    }
    qsort(times, (size_t)runs, sizeof(*times), cmp_double);
    qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_double);
    if (json)
        printf("{\"model\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"runs\": %d, "
               "\"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
               "\"median_cpu_ms\": %.3f, \"load_ms\": %.1f}\n",
               seer_model_name(m), precision, threads, runs, times[runs / 2], times[0],
               times[runs - 1], cpu[runs / 2], t_load);
    else
        printf("%s %s, %d thread%s, %d runs: median %.2f ms, min %.2f ms, max %.2f ms "
               "(cpu %.2f ms); load %.0f ms\n",
               seer_model_name(m), precision, threads, threads == 1 ? "" : "s", runs,
               times[runs / 2], times[0], times[runs - 1], cpu[runs / 2], t_load);
    if (profile)
        seer_plan_profile_print(p, runs, stdout);
    rc = 0;
    goto out;
run_failed:
    fprintf(stderr, "seer bench: run failed: %s\n", err.msg);
out:
    seer_free(times);
    seer_free(cpu);
    if (p)
        seer_model_release_plan(m, p);
    seer_model_unref(m);
    return rc;
}
