/*
 * seer.json, the model manifest: parsed and validated field by field, so a typo or a
 * wrong type is reported with the field's name at load time instead of turning into
 * wrong detections later. The fields are documented in share/models/README.md.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "repo/repo_int.h"

#define MF SEER__MANIFEST_NAME
/* Bigger inputs than this are certainly a typo, and would overflow the tensor sizes
 * downstream code computes in int. */
#define MAX_INPUT_SIDE 16384
#define MAX_DETECTIONS 10000

static const char *const formats[] = {"tfjs", "tflite", "graphdef", "savedmodel", "onnx", NULL};
static const char *const families[] = {"centernet", "nanodet", "ssd", "tf-od-api", "generic", NULL};
static const char *const layouts[] = {"NHWC", "NCHW", NULL};
static const char *const dtypes[] = {"float32", "uint8", NULL};
static const char *const channels[] = {"RGB", "BGR", NULL};
static const char *const resizes[] = {"stretch", NULL};
static const char *const interps[] = {"tf-bilinear", NULL};
static const char *const label_ids[] = {"coco91", "index", NULL};

void seer__manifest_init(struct seer_manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->family = "generic";
    m->input.dtype = "float32";
    m->input.resize = "stretch";
    m->input.interpolation = "tf-bilinear";
    for (int c = 0; c < 3; c++)
        m->input.std[c] = 1.0f;
    m->score_threshold = 0.3f;
    m->iou_threshold = 0.6f;
    m->max_detections = 100;
}

/* "a, b or c" for messages. */
static void join_choices(const char *const *v, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; v[i] && len < n; i++) {
        const char *sep = i == 0 ? "" : v[i + 1] ? ", " : " or ";
        int w = snprintf(buf + len, n - len, "%s'%s'", sep, v[i]);

        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static int get_string(const cJSON *o, const char *key, const char *path, bool required,
                      struct seer_arena *a, const char **out, struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v) {
        if (required)
            return seer_errf(err, SEER_EFORMAT, MF ": %s is required", path);
        return SEER_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return seer_errf(err, SEER_EFORMAT, MF ": %s must be a string", path);
    *out = seer_arena_strdup(a, v->valuestring);
    if (!*out)
        return seer_errf(err, SEER_ENOMEM, MF ": out of memory");
    return SEER_OK;
}

/* A string field whose value must be one of choices. */
static int get_choice(const cJSON *o, const char *key, const char *path, bool required,
                      const char *const *choices, struct seer_arena *a, const char **out,
                      struct seer_err *err)
{
    const char *s = NULL;
    char list[200];
    int rc = get_string(o, key, path, required, a, &s, err);

    if (rc || !s)
        return rc;
    for (int i = 0; choices[i]; i++) {
        if (!strcmp(s, choices[i])) {
            *out = s;
            return SEER_OK;
        }
    }
    join_choices(choices, list, sizeof(list));
    return seer_errf(err, SEER_EFORMAT, MF ": %s must be %s, not '%.40s'", path, list, s);
}

/* A file inside the model folder: relative, no "..", so a manifest cannot point the
 * server at files outside its own folder. */
static int get_file(const cJSON *o, const char *key, bool required, struct seer_arena *a,
                    const char **out, struct seer_err *err)
{
    const char *s = NULL;
    int rc = get_string(o, key, key, required, a, &s, err);

    if (rc || !s)
        return rc;
    if (!s[0] || s[0] == '/' || strlen(s) > 255)
        return seer_errf(err, SEER_EFORMAT,
                         MF ": %s must be a file name relative to the model folder", key);
    for (const char *p = s; *p;) {
        size_t seg = strcspn(p, "/");

        if (seg == 2 && p[0] == '.' && p[1] == '.')
            return seer_errf(err, SEER_EFORMAT, MF ": %s must not contain '..'", key);
        p += seg;
        if (*p == '/')
            p++;
    }
    *out = s;
    return SEER_OK;
}

static int get_int(const cJSON *o, const char *key, const char *path, int lo, int hi, bool required,
                   int *out, struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double d;

    if (!v) {
        if (required)
            return seer_errf(err, SEER_EFORMAT, MF ": %s is required", path);
        return SEER_OK;
    }
    d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d >= lo && d <= hi) || d != floor(d)) {
        if (lo == 1)
            return seer_errf(err, SEER_EFORMAT, MF ": %s must be a positive integer (at most %d)",
                             path, hi);
        return seer_errf(err, SEER_EFORMAT, MF ": %s must be an integer from %d to %d", path, lo,
                         hi);
    }
    *out = (int)d;
    return SEER_OK;
}

static int get_unit(const cJSON *o, const char *key, const char *path, float *out,
                    struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v)
        return SEER_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.0 && v->valuedouble <= 1.0))
        return seer_errf(err, SEER_EFORMAT, MF ": %s must be a number from 0 to 1", path);
    *out = (float)v->valuedouble;
    return SEER_OK;
}

/* mean / std: three numbers (one per channel, in the tensor's channel order) or one
 * number for all three. std must be positive: it divides. */
static int get_triple(const cJSON *o, const char *key, const char *path, bool positive, float *out,
                      struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double d[3];

    if (!v)
        return SEER_OK;
    if (cJSON_IsNumber(v)) {
        d[0] = d[1] = d[2] = v->valuedouble;
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 3) {
        for (int c = 0; c < 3; c++) {
            const cJSON *e = cJSON_GetArrayItem(v, c);

            d[c] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
        }
    } else {
        return seer_errf(err, SEER_EFORMAT, MF ": %s must be an array of 3 numbers", path);
    }
    for (int c = 0; c < 3; c++) {
        if (!isfinite(d[c]) || fabs(d[c]) > 1e6 || (positive && !(d[c] > 0.0)))
            return seer_errf(err, SEER_EFORMAT, MF ": %s[%d] must be a %snumber", path, c,
                             positive ? "positive " : "finite ");
        out[c] = (float)d[c];
    }
    return SEER_OK;
}

/* Unknown keys are errors: a misspelt "treshold" would otherwise be silently ignored. */
static int check_keys(const cJSON *o, const char *prefix, const char *const *known,
                      struct seer_err *err)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, o)
    {
        bool ok = false;

        for (int i = 0; known[i] && !ok; i++)
            ok = it->string && !strcmp(it->string, known[i]);
        if (!ok)
            return seer_errf(err, SEER_EFORMAT, MF ": unknown field %s%.60s", prefix,
                             it->string ? it->string : "?");
    }
    return SEER_OK;
}

static int parse_input(const cJSON *in, struct seer_arena *a, struct seer_manifest *m,
                       struct seer_err *err)
{
    static const char *const keys[] = {"width", "height", "layout", "dtype",         "channels",
                                       "mean",  "std",    "resize", "interpolation", NULL};
    const char *layout = NULL, *chans = NULL;
    int rc;

    if (!cJSON_IsObject(in))
        return seer_errf(err, SEER_EFORMAT, MF ": input must be an object");
    if ((rc = check_keys(in, "input.", keys, err)) ||
        (rc = get_int(in, "width", "input.width", 1, MAX_INPUT_SIDE, true, &m->input.width, err)) ||
        (rc = get_int(in, "height", "input.height", 1, MAX_INPUT_SIDE, true, &m->input.height,
                      err)) ||
        (rc = get_choice(in, "layout", "input.layout", false, layouts, a, &layout, err)) ||
        (rc = get_choice(in, "dtype", "input.dtype", false, dtypes, a, &m->input.dtype, err)) ||
        (rc = get_choice(in, "channels", "input.channels", false, channels, a, &chans, err)) ||
        (rc = get_triple(in, "mean", "input.mean", false, m->input.mean, err)) ||
        (rc = get_triple(in, "std", "input.std", true, m->input.std, err)) ||
        (rc = get_choice(in, "resize", "input.resize", false, resizes, a, &m->input.resize, err)) ||
        (rc = get_choice(in, "interpolation", "input.interpolation", false, interps, a,
                         &m->input.interpolation, err)))
        return rc;
    m->input.nchw = layout && !strcmp(layout, "NCHW");
    /* The image module writes uint8 tensors interleaved only (what TFLite models take). */
    if (m->input.nchw && !strcmp(m->input.dtype, "uint8"))
        return seer_errf(err, SEER_EFORMAT, MF ": input.layout must be 'NHWC' for uint8");
    m->input.bgr = chans && !strcmp(chans, "BGR");
    return SEER_OK;
}

static int parse_defaults(const cJSON *df, struct seer_manifest *m, struct seer_err *err)
{
    static const char *const keys[] = {"score_threshold", "iou_threshold", "max_detections", NULL};
    int rc;

    if (!cJSON_IsObject(df))
        return seer_errf(err, SEER_EFORMAT, MF ": defaults must be an object");
    if ((rc = check_keys(df, "defaults.", keys, err)) ||
        (rc = get_unit(df, "score_threshold", "defaults.score_threshold", &m->score_threshold,
                       err)) ||
        (rc = get_unit(df, "iou_threshold", "defaults.iou_threshold", &m->iou_threshold, err)) ||
        (rc = get_int(df, "max_detections", "defaults.max_detections", 1, MAX_DETECTIONS, false,
                      &m->max_detections, err)))
        return rc;
    return SEER_OK;
}

int seer__manifest_parse(const char *text, size_t n, struct seer_arena *a, struct seer_manifest *m,
                         struct seer_err *err)
{
    static const char *const keys[] = {"format",    "model",    "family", "input", "labels",
                                       "label_ids", "defaults", "source", NULL};
    struct seer_manifest tmp;
    const char *end = NULL;
    const cJSON *in, *df;
    cJSON *root;
    int rc;

    seer__manifest_init(&tmp);
    root = cJSON_ParseWithLengthOpts(text, n, &end, false);
    if (!root) {
        /* cJSON reports where it gave up but not why; the offset is what helps. */
        size_t off = end && end >= text && end <= text + n ? (size_t)(end - text) : 0;
        const char *e = cJSON_GetErrorPtr();

        if (e && e >= text && e <= text + n)
            off = (size_t)(e - text);
        return seer_errf(err, SEER_EFORMAT, MF ": not valid JSON (at offset %zu)", off);
    }
    if (!cJSON_IsObject(root)) {
        rc = seer_errf(err, SEER_EFORMAT, MF ": must be a JSON object");
        goto out;
    }
    if ((rc = check_keys(root, "", keys, err)) ||
        (rc = get_choice(root, "format", "format", true, formats, a, &tmp.format, err)) ||
        (rc = get_file(root, "model", true, a, &tmp.model, err)) ||
        (rc = get_choice(root, "family", "family", false, families, a, &tmp.family, err)) ||
        (rc = get_file(root, "labels", false, a, &tmp.labels, err)) ||
        (rc = get_choice(root, "label_ids", "label_ids", false, label_ids, a, &tmp.label_ids,
                         err)) ||
        (rc = get_string(root, "source", "source", false, a, &tmp.source, err)))
        goto out;
    in = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (in) {
        rc = parse_input(in, a, &tmp, err);
        if (rc)
            goto out;
    } else if (strcmp(tmp.family, "generic")) {
        rc = seer_errf(err, SEER_EFORMAT, MF ": input is required for family '%s'", tmp.family);
        goto out;
    }
    df = cJSON_GetObjectItemCaseSensitive(root, "defaults");
    if (df) {
        rc = parse_defaults(df, &tmp, err);
        if (rc)
            goto out;
    }
    *m = tmp;
out:
    cJSON_Delete(root);
    return rc;
}

/* Model files a folder without a manifest may hold, in the order they are looked for,
 * with the format each one implies. A pattern starting with '*' matches a suffix. */
static const struct {
    const char *pattern, *format;
} known_files[] = {
    {"model.json", "tfjs"},
    {"saved_model.pb", "savedmodel"},
    {"frozen_inference_graph.pb", "graphdef"},
    {"*.tflite", "tflite"},
    {"*.onnx", "onnx"},
    {"*.pb", "graphdef"},
};

static bool matches(const char *name, const char *pattern)
{
    size_t n = strlen(name), p = strlen(pattern);

    if (pattern[0] != '*')
        return !strcmp(name, pattern);
    return n > p - 1 && !strcmp(name + n - (p - 1), pattern + 1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int seer__manifest_default(const char *dir, struct seer_arena *a, struct seer_manifest *m,
                           struct seer_err *err)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = SEER_ENOTFOUND;

    seer__manifest_init(m);
    if (!d)
        return seer_errf(err, SEER_ENOTFOUND, "%s: cannot open the model folder", dir);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = nc <= 65536 ? seer_realloc(names, nc * sizeof(*names)) : NULL;

            if (!nn) {
                rc = seer_errf(err, nc <= 65536 ? SEER_ENOMEM : SEER_ELIMIT, "%s: too many files",
                               dir);
                goto out;
            }
            names = nn;
            cap = nc;
        }
        names[n] = seer_strdup(e->d_name);
        if (!names[n]) {
            rc = seer_errf(err, SEER_ENOMEM, "%s: out of memory", dir);
            goto out;
        }
        n++;
    }
    /* Sorted, so "two .pb files" always picks the same one. */
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t k = 0; k < sizeof(known_files) / sizeof(known_files[0]); k++) {
        for (size_t i = 0; i < n; i++) {
            if (!matches(names[i], known_files[k].pattern))
                continue;
            m->format = known_files[k].format;
            m->model = seer_arena_strdup(a, names[i]);
            rc = m->model ? SEER_OK : seer_errf(err, SEER_ENOMEM, "%s: out of memory", dir);
            goto out;
        }
    }
    rc = seer_errf(err, SEER_ENOTFOUND,
                   "%s: no " MF " and no model file (model.json, saved_model.pb, *.pb, "
                   "*.tflite, *.onnx)",
                   dir);
out:
    for (size_t i = 0; i < n; i++)
        seer_free(names[i]);
    seer_free(names);
    closedir(d);
    return rc;
}
