/*
 * seer detect: objects in photos, as a readable table or JSON Lines (one object per
 * photo, the schema other tools rely on), optionally drawn onto a copy of the photo.
 * seer models: what the model repository holds.
 *
 * A photo that cannot be read or decoded is reported ("seer: a.jpg: ...") and skipped;
 * the exit status is 1 at the end if any photo failed.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seer/detect.h>
#include <seer/image.h>
#include <seer/model.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "repo/repo_int.h"

/* Photos bigger than this are refused before decoding (the pixel limit guards decoding). */
#define MAX_PHOTO_BYTES ((size_t)256 << 20)

struct detect_cli {
    bool json;
    const char *model, *models, *draw;
    float threshold;
    int max, threads;
};

static void detect_usage(FILE *f)
{
    fprintf(f, "usage: seer detect [--json] [--model NAME|PATH] [--models DIR] [--threshold T]\n"
               "                   [--max N] [--threads N] [--draw OUT.png] FILE...\n"
               "\n"
               "  --json            one JSON object per photo (JSON Lines):\n"
               "                    {\"image\", \"width\", \"height\", \"model\", \"version\", "
               "\"time_ms\",\n"
               "                     \"detections\": [{\"label\", \"category_id\", \"score\", "
               "\"box\": [x_min, y_min, x_max, y_max]}]}\n"
               "  --model NAME|PATH a model in the repository (default centernet), or a model "
               "folder\n"
               "  --models DIR      the model repository (default ./models)\n"
               "  --threshold T     keep scores above T (default: the model's manifest)\n"
               "  --max N           at most N detections per photo (default: the manifest)\n"
               "  --threads N       threads per inference (default: every CPU)\n"
               "  --draw OUT.png    write the photo with labelled boxes; with several photos,\n"
               "                    photo i (from 1) goes to OUT-i.png\n");
}

/* Parses options; files start at *first. Returns 0, or 2 for a usage error (printed). */
static int parse_args(int argc, char **argv, struct detect_cli *o, int *first)
{
    int i;

    o->model = "centernet";
    o->models = "models";
    o->threshold = -1.0f;
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i], *v = NULL;

        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            detect_usage(stdout);
            return 1;
        } else if (seer__cli_opt(argc, argv, &i, "--model", &v)) {
            o->model = v;
        } else if (seer__cli_opt(argc, argv, &i, "--models", &v)) {
            o->models = v;
        } else if (seer__cli_opt(argc, argv, &i, "--draw", &v)) {
            o->draw = v;
        } else if (seer__cli_opt(argc, argv, &i, "--threshold", &v)) {
            char *end = NULL;
            double t = v ? strtod(v, &end) : NAN;

            if (!v || *end || !(t >= 0.0 && t <= 1.0)) {
                fprintf(stderr, "seer detect: --threshold needs a number from 0 to 1\n");
                return 2;
            }
            o->threshold = (float)t;
            continue;
        } else if (seer__cli_opt(argc, argv, &i, "--max", &v)) {
            if (!seer__cli_int(v, 1, 10000, &o->max)) {
                fprintf(stderr, "seer detect: --max needs an integer from 1 to 10000\n");
                return 2;
            }
            continue;
        } else if (seer__cli_opt(argc, argv, &i, "--threads", &v)) {
            if (!seer__cli_int(v, 1, 1024, &o->threads)) {
                fprintf(stderr, "seer detect: --threads needs an integer from 1 to 1024\n");
                return 2;
            }
            continue;
        } else {
            fprintf(stderr, "seer detect: unknown option '%s'\n", a);
            detect_usage(stderr);
            return 2;
        }
        if (!strncmp(a, "--", 2) && strcmp(a, "--json") && !v) {
            fprintf(stderr, "seer detect: %s needs a value\n", a);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "seer detect: no photos given\n");
        detect_usage(stderr);
        return 2;
    }
    *first = i;
    return 0;
}

/* JSON string body with the escapes RFC 8259 requires; other bytes pass through (file
 * names are bytes, and a valid UTF-8 name stays valid). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A number with at most `decimals` decimals and no trailing zeros ("0.91", "131.2",
 * "18"); null for NaN or infinity, which JSON cannot hold. */
static void json_num(FILE *f, double v, int decimals)
{
    char buf[64];
    size_t n;

    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    n = strlen(buf);
    if (strchr(buf, '.')) {
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    if (!strcmp(buf, "-0"))
        snprintf(buf, sizeof(buf), "0");
    fputs(buf, f);
}

static void print_json(const char *path, const struct seer_model *m, const struct seer_dets *d)
{
    printf("{\"image\": ");
    json_str(stdout, path);
    printf(", \"width\": %d, \"height\": %d, \"model\": ", d->width, d->height);
    json_str(stdout, seer_model_name(m));
    printf(", \"version\": %d, \"time_ms\": ", seer_model_version(m));
    json_num(stdout, d->time_ms, 1);
    printf(", \"detections\": [");
    for (int i = 0; i < d->n; i++) {
        const struct seer_det *e = &d->d[i];

        printf("%s{\"label\": ", i ? ", " : "");
        json_str(stdout, e->label);
        printf(", \"category_id\": %d, \"score\": ", e->category_id);
        json_num(stdout, e->score, 4);
        printf(", \"box\": [");
        for (int k = 0; k < 4; k++) {
            printf("%s", k ? ", " : "");
            json_num(stdout, e->box[k], 2);
        }
        printf("]}");
    }
    printf("]}\n");
}

static void print_table(const char *path, const struct seer_model *m, const struct seer_dets *d)
{
    printf("%s: %dx%d, %s v%d, %d object%s, %.1f ms\n", path, d->width, d->height,
           seer_model_name(m), seer_model_version(m), d->n, d->n == 1 ? "" : "s", d->time_ms);
    if (d->n)
        printf("  %-16s %6s  %s\n", "label", "score", "box (x_min, y_min, x_max, y_max)");
    for (int i = 0; i < d->n; i++) {
        const struct seer_det *e = &d->d[i];

        printf("  %-16s %6.4f  %7.1f %7.1f %7.1f %7.1f\n", e->label, e->score, e->box[0], e->box[1],
               e->box[2], e->box[3]);
    }
}

/* A colour per class: hues spaced by the golden angle stay distinct for many classes. */
static uint32_t class_colour(int cls)
{
    double h = fmod(cls * 0.6180339887 + 0.1, 1.0) * 6.0, s = 0.85, v = 0.95;
    int sector = (int)h;
    double fr = h - sector, p = v * (1 - s), q = v * (1 - s * fr), t = v * (1 - s * (1 - fr));
    double r, g, b;

    switch (sector % 6) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
    }
    return (uint32_t)lround(r * 255) << 16 | (uint32_t)lround(g * 255) << 8 |
           (uint32_t)lround(b * 255);
}

/* Boxes on the full-resolution photo: line thickness grows with the photo's size and the
 * detection's confidence; the best detections are drawn last so they stay on top. */
static void draw_dets(struct seer_image *img, const struct seer_dets *d)
{
    int side = img->width < img->height ? img->width : img->height;
    double base = side / 250.0 < 1.0 ? 1.0 : side / 250.0;
    int scale = side >= 900 ? 2 : 1;
    /* Boxes are in orig pixels; the decoded image may differ (it does not here, but the
     * mapping keeps this correct whatever the decoder did). */
    double sx = (double)img->width / d->width, sy = (double)img->height / d->height;

    for (int i = d->n - 1; i >= 0; i--) {
        const struct seer_det *e = &d->d[i];
        uint32_t c = class_colour(e->class_index);
        int th = (int)lround(base * (0.5 + 2.0 * e->score));
        int x0 = (int)lround(e->box[0] * sx), y0 = (int)lround(e->box[1] * sy);
        int x1 = (int)lround(e->box[2] * sx), y1 = (int)lround(e->box[3] * sy);
        int lum = (int)(((c >> 16) & 255) * 299 + ((c >> 8) & 255) * 587 + (c & 255) * 114) / 1000;
        char text[96];
        int ty;

        if (!isfinite(e->box[0]) || !isfinite(e->box[1]) || !isfinite(e->box[2]) ||
            !isfinite(e->box[3]))
            continue;
        seer_image_draw_rect(img, x0, y0, x1, y1, th < 1 ? 1 : th, c);
        snprintf(text, sizeof(text), "%s %.2f", e->label, e->score);
        /* Above the box when there is room, else just inside its top edge. */
        ty = y0 - 13 * scale >= 0 ? y0 - 13 * scale : y0;
        seer_image_draw_label(img, x0 < 0 ? 0 : x0, ty < 0 ? 0 : ty, text, scale,
                              lum > 140 ? 0x000000 : 0xffffff, c);
    }
}

/* OUT.png for a single photo; OUT-<i>.png (i from 1) when there are several. */
static char *draw_path(struct seer_arena *a, const char *out, int i, int n)
{
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');

    if (n == 1)
        return seer_arena_strdup(a, out);
    if (!dot || (slash && dot < slash))
        return seer_arena_printf(a, "%s-%d", out, i);
    return seer_arena_printf(a, "%.*s-%d%s", (int)(dot - out), out, i, dot);
}

/* One photo, start to finish. Errors go to err for the caller to print. */
static int detect_one(struct seer_model *m, const struct detect_cli *o, const char *path, int idx,
                      int n_files, struct seer_arena *a, struct seer_err *err)
{
    struct seer_detect_opts dopt = seer_detect_defaults();
    struct seer_dets d;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    dopt.score_threshold = o->threshold;
    dopt.max_detections = o->max;
    rc = seer_file_read(path, MAX_PHOTO_BYTES, &buf, &n, err);
    if (rc)
        return rc;
    if (o->draw) {
        /* Drawing wants the full-size photo, so decode it here rather than letting the
         * detect path pick a smaller DCT scale. */
        struct seer_image img;
        struct seer_image_opts io = {0};
        uint8_t *png = NULL;
        size_t png_n = 0;
        char *out;

        rc = seer_image_decode(buf, n, &io, a, &img, err);
        if (!rc)
            rc = seer_detect_image(m, &img, &dopt, a, &d, err);
        if (!rc) {
            draw_dets(&img, &d);
            rc = seer_image_encode_png(&img, a, &png, &png_n, err);
        }
        if (!rc) {
            out = draw_path(a, o->draw, idx, n_files);
            rc = out ? seer_file_write_atomic(out, png, png_n, err)
                     : seer_errf(err, SEER_ENOMEM, "out of memory");
        }
    } else {
        rc = seer_detect_bytes(m, buf, n, 0, &dopt, a, &d, err);
    }
    seer_free(buf);
    if (rc)
        return rc;
    if (o->json)
        print_json(path, m, &d);
    else
        print_table(path, m, &d);
    fflush(stdout);
    return SEER_OK;
}

int seer_cli_detect(int argc, char **argv)
{
    struct detect_cli o = {0};
    struct seer_model_opts mo = {0};
    struct seer_model *m = NULL;
    struct seer_arena *a = NULL;
    struct seer_err err = {{0}};
    int first = 0, failed = 0, rc;

    rc = parse_args(argc, argv, &o, &first);
    if (rc)
        return rc == 1 ? 0 : rc;
    mo.n_threads = o.threads;
    /* One run per photo: a warm-up would only add its time to the command's. */
    mo.no_warmup = true;
    rc = seer__repo_load_one(o.models, o.model, &mo, &m, &err);
    if (rc) {
        fprintf(stderr, "seer: %s\n", err.msg);
        return 1;
    }
    a = seer_arena_new((size_t)1 << 20);
    if (!a) {
        fprintf(stderr, "seer: out of memory\n");
        seer_model_unref(m);
        return 1;
    }
    for (int i = first; i < argc; i++) {
        seer_err_clear(&err);
        seer_arena_reset(a);
        rc = detect_one(m, &o, argv[i], i - first + 1, argc - first, a, &err);
        if (rc) {
            /* File errors already start with the path; others do not. */
            size_t pn = strlen(argv[i]);

            if (!strncmp(err.msg, argv[i], pn) && err.msg[pn] == ':')
                fprintf(stderr, "seer: %s\n", err.msg);
            else
                fprintf(stderr, "seer: %s: %s\n", argv[i],
                        err.msg[0] ? err.msg : seer_status_name(rc));
            failed++;
        }
    }
    seer_arena_free(a);
    seer_model_unref(m);
    return failed ? 1 : 0;
}

static const char *state_name(enum seer_model_state s)
{
    return s == SEER_MODEL_AVAILABLE ? "AVAILABLE" : s == SEER_MODEL_FAILED ? "FAILED" : "LOADING";
}

int seer_cli_models(int argc, char **argv)
{
    const char *models = "models";
    bool json = false;
    struct seer_model_opts mo = {0};
    struct seer_repo *r = NULL;
    struct seer_arena *a = NULL;
    struct seer_repo_entry *e = NULL;
    struct seer_err err = {{0}};
    int n = 0, rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;

        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: seer models [--models DIR] [--json]\n");
            return 0;
        } else if (seer__cli_opt(argc, argv, &i, "--models", &v) && v) {
            models = v;
        } else {
            fprintf(stderr,
                    "seer models: unknown or incomplete option '%s'\n"
                    "usage: seer models [--models DIR] [--json]\n",
                    argv[i]);
            return 2;
        }
    }
    mo.no_warmup = true;
    if (seer_repo_open(models, &mo, &r, &err)) {
        fprintf(stderr, "seer: %s\n", err.msg);
        return 1;
    }
    a = seer_arena_new(1 << 16);
    if (!a || seer_repo_list(r, a, &e, &n)) {
        fprintf(stderr, "seer: out of memory\n");
        goto out;
    }
    if (!json && n == 0)
        printf("no models in %s (scripts/setup installs the default ones)\n", models);
    /* The name column fits the longest name (ssd_mobilenet_v1_coco is 21). */
    int w = 16;
    for (int i = 0; i < n; i++)
        if ((int)strlen(e[i].name) > w)
            w = (int)strlen(e[i].name);
    if (!json && n > 0)
        printf("%-*s %7s  %-9s  %-10s %-10s %-9s\n", w, "name", "version", "input", "format",
               "family", "state");
    for (int i = 0; i < n; i++) {
        char size[32] = "-";

        if (e[i].input_width > 0)
            snprintf(size, sizeof(size), "%dx%d", e[i].input_width, e[i].input_height);
        if (json) {
            printf("{\"name\": ");
            json_str(stdout, e[i].name);
            printf(", \"version\": %d, \"state\": \"%s\", \"input_width\": %d, "
                   "\"input_height\": %d, \"format\": ",
                   e[i].version, state_name(e[i].state), e[i].input_width, e[i].input_height);
            json_str(stdout, e[i].format ? e[i].format : "");
            printf(", \"family\": ");
            json_str(stdout, e[i].family ? e[i].family : "");
            printf(", \"error\": ");
            if (e[i].error)
                json_str(stdout, e[i].error);
            else
                printf("null");
            printf("}\n");
            continue;
        }
        printf("%-*s %7d  %-9s  %-10s %-10s %-9s\n", w, e[i].name, e[i].version, size,
               e[i].format ? e[i].format : "-", e[i].family ? e[i].family : "-",
               state_name(e[i].state));
        if (e[i].error)
            printf("  error: %s\n", e[i].error);
    }
    rc = 0;
out:
    seer_arena_free(a);
    seer_repo_free(r);
    return rc;
}
