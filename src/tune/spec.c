/*
 * Parsing and validating Cloud ML Engine's hyperparameter spec. The checks follow the
 * service: a required goal, known enum values, unique valid names, min < max, log scales
 * above zero, grid search only over discrete parameters. Unknown fields are refused, as the
 * service's JSON decoder refuses them, except the other trainingInput fields, which a
 * config shared with the cloud service legitimately carries and Seer ignores.
 */
#include "tune/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

#define PATH_HP  "trainingInput.hyperparameters"
#define MAX_TEXT 256

static const char *const root_keys[] = {"trainingInput", "jobId", "labels", "etag", NULL};
static const char *const input_keys[] = {"hyperparameters",
                                         "scaleTier",
                                         "masterType",
                                         "workerType",
                                         "parameterServerType",
                                         "evaluatorType",
                                         "workerCount",
                                         "parameterServerCount",
                                         "evaluatorCount",
                                         "packageUris",
                                         "pythonModule",
                                         "args",
                                         "region",
                                         "jobDir",
                                         "runtimeVersion",
                                         "pythonVersion",
                                         "masterConfig",
                                         "workerConfig",
                                         "parameterServerConfig",
                                         "evaluatorConfig",
                                         "scheduling",
                                         "network",
                                         "serviceAccount",
                                         "useChiefInTfConfig",
                                         "encryptionConfig",
                                         "enableWebAccess",
                                         NULL};
static const char *const hp_keys[] = {"goal",
                                      "hyperparameterMetricTag",
                                      "maxTrials",
                                      "maxParallelTrials",
                                      "maxFailedTrials",
                                      "enableTrialEarlyStopping",
                                      "algorithm",
                                      "resumePreviousJobId",
                                      "params",
                                      NULL};
static const char *const param_keys[] = {
    "parameterName",     "type",           "minValue",  "maxValue",
    "categoricalValues", "discreteValues", "scaleType", NULL};

static const char *const goal_names[] = {"MAXIMIZE", "MINIMIZE", NULL};
static const char *const algo_names[] = {"ALGORITHM_UNSPECIFIED", "GRID_SEARCH", "RANDOM_SEARCH",
                                         NULL};
static const char *const type_names[] = {"DOUBLE", "INTEGER", "CATEGORICAL", "DISCRETE", NULL};
static const char *const scale_names[] = {"NONE", "UNIT_LINEAR_SCALE", "UNIT_LOG_SCALE",
                                          "UNIT_REVERSE_LOG_SCALE", NULL};

bool seer__tune_name_is_valid(const char *name, bool is_param)
{
    size_t n = strlen(name);

    if (n == 0 || n > SEER_TUNE_MAX_NAME || !isalpha((unsigned char)name[0]))
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!isalnum(c) && c != '_' && !(is_param && (c == '-' || c == '.')))
            return false;
    }
    return true;
}

static int check_keys(const cJSON *obj, const char *const *allowed, const char *path,
                      struct seer_err *err)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool ok = false;

        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = !strcmp(c->string, allowed[i]);
        if (!ok)
            return seer_errf(err, SEER_EFORMAT, "%s.%.64s: unknown field", path, c->string);
    }
    return 0;
}

/* Numbers may also come as strings, as the service's JSON decoder allows for int64 and
 * double fields. */
static int as_number(const cJSON *v, const char *path, double *out, struct seer_err *err)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
    } else if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;

        *out = strtod(v->valuestring, &end);
        if (*end)
            return seer_errf(err, SEER_EFORMAT, "%s: must be a number", path);
    } else {
        return seer_errf(err, SEER_EFORMAT, "%s: must be a number", path);
    }
    if (!isfinite(*out))
        return seer_errf(err, SEER_EFORMAT, "%s: must be a finite number", path);
    return 0;
}

static int as_int(const cJSON *v, const char *path, int64_t lo, int64_t hi, int64_t *out,
                  struct seer_err *err)
{
    double d;
    int rc = as_number(v, path, &d, err);

    if (rc)
        return rc;
    if (d != floor(d))
        return seer_errf(err, SEER_EFORMAT, "%s: must be an integer", path);
    if (d < (double)lo || d > (double)hi)
        return seer_errf(err, SEER_EFORMAT, "%s: must be between %lld and %lld", path,
                         (long long)lo, (long long)hi);
    *out = (int64_t)d;
    return 0;
}

/* A YAML plain scalar such as 1 or 0.5 arrives as a number carrying its text. */
static int as_string(const cJSON *v, const char *path, const char **out, struct seer_err *err)
{
    if (!(cJSON_IsString(v) || (cJSON_IsNumber(v) && v->valuestring)))
        return seer_errf(err, SEER_EFORMAT, "%s: must be a string", path);
    if (strlen(v->valuestring) > MAX_TEXT)
        return seer_errf(err, SEER_ELIMIT, "%s: longer than %d bytes", path, MAX_TEXT);
    *out = v->valuestring;
    return 0;
}

static int as_enum(const cJSON *v, const char *path, const char *const *names, int *out,
                   struct seer_err *err)
{
    const char *s;
    char list[160] = "";
    int rc = as_string(v, path, &s, err);

    if (rc)
        return rc;
    for (int i = 0; names[i]; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    for (int i = 0; names[i]; i++) {
        size_t k = strlen(list);

        snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", names[i]);
    }
    return seer_errf(err, SEER_EFORMAT, "%s: unknown value '%.40s' (expected one of %s)", path, s,
                     list);
}

static int parse_values(const cJSON *v, struct seer_tune_param *p, const char *path,
                        struct seer_arena *a, struct seer_err *err)
{
    bool cat = p->type == SEER_TUNE_PTYPE_CATEGORICAL;
    char ipath[200];
    int n = cJSON_GetArraySize(v), rc, i = 0;

    if (!cJSON_IsArray(v) || n == 0)
        return seer_errf(err, SEER_EFORMAT, "%s: must be a non-empty list", path);
    if (n > SEER_TUNE_MAX_VALUES)
        return seer_errf(err, SEER_ELIMIT, "%s: more than %d values", path, SEER_TUNE_MAX_VALUES);
    const char **cats = cat ? seer_arena_array(a, (size_t)n, sizeof(*cats)) : NULL;
    double *disc = cat ? NULL : seer_arena_array(a, (size_t)n, sizeof(*disc));

    if (cat ? !cats : !disc)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        snprintf(ipath, sizeof(ipath), "%s[%d]", path, i);
        if (cat) {
            const char *s;

            rc = as_string(c, ipath, &s, err);
            if (rc)
                return rc;
            if (!s[0])
                return seer_errf(err, SEER_EFORMAT, "%s: must not be empty", ipath);
            for (int j = 0; j < i; j++)
                if (!strcmp(cats[j], s))
                    return seer_errf(err, SEER_EFORMAT, "%s: duplicate value '%.40s'", ipath, s);
            cats[i] = seer_arena_strdup(a, s);
            if (!cats[i])
                return seer_errf(err, SEER_ENOMEM, "out of memory");
        } else {
            rc = as_number(c, ipath, &disc[i], err);
            if (rc)
                return rc;
            if (i > 0 && !(disc[i] > disc[i - 1]))
                return seer_errf(err, SEER_EFORMAT, "%s: values must be in increasing order",
                                 ipath);
        }
    }
    p->n_values = (size_t)n;
    p->categories = cats;
    p->discrete = disc;
    if (!cat) {
        p->min = disc[0];
        p->max = disc[n - 1];
    }
    return 0;
}

static int parse_param(const cJSON *o, size_t idx, struct seer_tune_param *p, struct seer_arena *a,
                       struct seer_err *err)
{
    char path[96], fpath[160];
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "parameterName");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
    const cJSON *vmin = cJSON_GetObjectItemCaseSensitive(o, "minValue");
    const cJSON *vmax = cJSON_GetObjectItemCaseSensitive(o, "maxValue");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "categoricalValues");
    const cJSON *disc = cJSON_GetObjectItemCaseSensitive(o, "discreteValues");
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(o, "scaleType");
    const char *s;
    int rc, t, sc = SEER_TUNE_SCALE_NONE;

    snprintf(path, sizeof(path), PATH_HP ".params[%zu]", idx);
    if (!cJSON_IsObject(o))
        return seer_errf(err, SEER_EFORMAT, "%s: must be an object", path);
    rc = check_keys(o, param_keys, path, err);
    if (rc)
        return rc;
#define FIELD(f) (snprintf(fpath, sizeof(fpath), "%s.%s", path, f), fpath)
    if (!name)
        return seer_errf(err, SEER_EFORMAT, "%s: required", FIELD("parameterName"));
    rc = as_string(name, FIELD("parameterName"), &s, err);
    if (rc)
        return rc;
    if (!seer__tune_name_is_valid(s, true))
        return seer_errf(err, SEER_EFORMAT,
                         "%s: '%.40s' is not a valid name (a letter, then letters, digits, "
                         "'_', '-' or '.', at most %d)",
                         fpath, s, SEER_TUNE_MAX_NAME);
    p->name = seer_arena_strdup(a, s);
    if (!p->name)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (!type)
        return seer_errf(err, SEER_EFORMAT, "%s: required", FIELD("type"));
    rc = as_enum(type, FIELD("type"), type_names, &t, err);
    if (rc)
        return rc;
    p->type = (enum seer_tune_ptype)t;
    if (scale) {
        if (p->type == SEER_TUNE_PTYPE_CATEGORICAL)
            return seer_errf(err, SEER_EFORMAT, "%s: not allowed for CATEGORICAL",
                             FIELD("scaleType"));
        rc = as_enum(scale, FIELD("scaleType"), scale_names, &sc, err);
        if (rc)
            return rc;
    }
    p->scale = (enum seer_tune_scale)sc;
    if (p->type == SEER_TUNE_PTYPE_DOUBLE || p->type == SEER_TUNE_PTYPE_INTEGER) {
        const char *tn = type_names[t];

        if (cats || disc)
            return seer_errf(err, SEER_EFORMAT, "%s: not allowed for %s",
                             FIELD(cats ? "categoricalValues" : "discreteValues"), tn);
        if (!vmin || !vmax)
            return seer_errf(err, SEER_EFORMAT, "%s: required for %s",
                             FIELD(vmin ? "maxValue" : "minValue"), tn);
        if (p->type == SEER_TUNE_PTYPE_INTEGER) {
            int64_t lo = 0, hi = 0;
            int64_t lim = (int64_t)1 << 52;

            rc = as_int(vmin, FIELD("minValue"), -lim, lim, &lo, err);
            if (!rc)
                rc = as_int(vmax, FIELD("maxValue"), -lim, lim, &hi, err);
            p->min = (double)lo;
            p->max = (double)hi;
        } else {
            rc = as_number(vmin, FIELD("minValue"), &p->min, err);
            if (!rc)
                rc = as_number(vmax, FIELD("maxValue"), &p->max, err);
        }
        if (rc)
            return rc;
        if (!(p->min < p->max))
            return seer_errf(err, SEER_EFORMAT, "%s: must be greater than minValue",
                             FIELD("maxValue"));
        if ((p->scale == SEER_TUNE_SCALE_LOG || p->scale == SEER_TUNE_SCALE_REVERSE_LOG) &&
            !(p->min > 0))
            return seer_errf(err, SEER_EFORMAT, "%s: must be > 0 for %s", FIELD("minValue"),
                             scale_names[sc]);
    } else {
        bool cat = p->type == SEER_TUNE_PTYPE_CATEGORICAL;
        const char *want = cat ? "categoricalValues" : "discreteValues";

        if (vmin || vmax)
            return seer_errf(err, SEER_EFORMAT, "%s: not allowed for %s",
                             FIELD(vmin ? "minValue" : "maxValue"), type_names[t]);
        if (cat ? disc != NULL : cats != NULL)
            return seer_errf(err, SEER_EFORMAT, "%s: not allowed for %s",
                             FIELD(cat ? "discreteValues" : "categoricalValues"), type_names[t]);
        if (!(cat ? cats : disc))
            return seer_errf(err, SEER_EFORMAT, "%s: required for %s", FIELD(want), type_names[t]);
        rc = parse_values(cat ? cats : disc, p, FIELD(want), a, err);
        if (rc)
            return rc;
        if (!cat && (p->scale == SEER_TUNE_SCALE_LOG || p->scale == SEER_TUNE_SCALE_REVERSE_LOG) &&
            !(p->min > 0)) {
            snprintf(fpath, sizeof(fpath), "%s.discreteValues[0]", path);
            return seer_errf(err, SEER_EFORMAT, "%s: must be > 0 for %s", fpath, scale_names[sc]);
        }
    }
#undef FIELD
    return 0;
}

static int parse_hp(const cJSON *hp, struct seer_tune_spec *s, struct seer_err *err)
{
    const cJSON *v;
    const char *str;
    int rc, e;

    if (!cJSON_IsObject(hp))
        return seer_errf(err, SEER_EFORMAT, PATH_HP ": must be an object");
    rc = check_keys(hp, hp_keys, PATH_HP, err);
    if (rc)
        return rc;
    v = cJSON_GetObjectItemCaseSensitive(hp, "goal");
    if (!v)
        return seer_errf(err, SEER_EFORMAT, PATH_HP ".goal: required (MAXIMIZE or MINIMIZE)");
    rc = as_enum(v, PATH_HP ".goal", goal_names, &e, err);
    if (rc)
        return rc;
    s->goal = (enum seer_tune_goal)e;
    s->algo = SEER_TUNE_ALGO_BAYES;
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "algorithm"))) {
        rc = as_enum(v, PATH_HP ".algorithm", algo_names, &e, err);
        if (rc)
            return rc;
        s->algo = e == 1   ? SEER_TUNE_ALGO_GRID
                  : e == 2 ? SEER_TUNE_ALGO_RANDOM
                           : SEER_TUNE_ALGO_BAYES;
    }
    s->metric_tag = SEER_TUNE_DEFAULT_TAG;
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "hyperparameterMetricTag"))) {
        rc = as_string(v, PATH_HP ".hyperparameterMetricTag", &str, err);
        if (rc)
            return rc;
        /* The tag must survive the "tag=value" stdout form, so no blanks or '='. */
        for (const char *c = str; *c; c++)
            if (*c == '=' || isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
                return seer_errf(err, SEER_EFORMAT,
                                 PATH_HP ".hyperparameterMetricTag: must "
                                         "not contain blanks, control characters or '='");
        if (str[0]) {
            s->metric_tag = seer_arena_strdup(s->arena, str);
            if (!s->metric_tag)
                return seer_errf(err, SEER_ENOMEM, "out of memory");
        }
    }
    s->max_trials = 1;
    s->max_parallel = 1;
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "maxTrials"))) {
        rc = as_int(v, PATH_HP ".maxTrials", 1, SEER_TUNE_MAX_TRIALS, &s->max_trials, err);
        if (rc)
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "maxParallelTrials"))) {
        rc = as_int(v, PATH_HP ".maxParallelTrials", 1, SEER_TUNE_MAX_PARALLEL, &s->max_parallel,
                    err);
        if (rc)
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "maxFailedTrials"))) {
        rc = as_int(v, PATH_HP ".maxFailedTrials", 0, SEER_TUNE_MAX_TRIALS, &s->max_failed, err);
        if (rc)
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "enableTrialEarlyStopping"))) {
        if (!cJSON_IsBool(v))
            return seer_errf(err, SEER_EFORMAT,
                             PATH_HP ".enableTrialEarlyStopping: must be true or false");
        s->early_stopping = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(hp, "resumePreviousJobId"))) {
        rc = as_string(v, PATH_HP ".resumePreviousJobId", &str, err);
        if (rc)
            return rc;
        if (!seer__tune_name_is_valid(str, false))
            return seer_errf(err, SEER_EFORMAT,
                             PATH_HP ".resumePreviousJobId: '%.40s' is not "
                                     "a valid job id",
                             str);
        s->resume_job_id = seer_arena_strdup(s->arena, str);
        if (!s->resume_job_id)
            return seer_errf(err, SEER_ENOMEM, "out of memory");
    }
    v = cJSON_GetObjectItemCaseSensitive(hp, "params");
    if (!v)
        return seer_errf(err, SEER_EFORMAT, PATH_HP ".params: required");
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n == 0)
        return seer_errf(err, SEER_EFORMAT, PATH_HP ".params: must be a non-empty list");
    if (n > SEER_TUNE_MAX_PARAMS)
        return seer_errf(err, SEER_ELIMIT, PATH_HP ".params: more than %d parameters",
                         SEER_TUNE_MAX_PARAMS);
    s->params = seer_arena_array(s->arena, (size_t)n, sizeof(*s->params));
    if (!s->params)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    s->n_params = (size_t)n;
    size_t i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        rc = parse_param(c, i, &s->params[i], s->arena, err);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->params[j].name, s->params[i].name))
                return seer_errf(err, SEER_EFORMAT,
                                 PATH_HP ".params[%zu].parameterName: duplicate name '%s'", i,
                                 s->params[i].name);
        if (s->algo == SEER_TUNE_ALGO_GRID && s->params[i].type == SEER_TUNE_PTYPE_DOUBLE)
            return seer_errf(err, SEER_EFORMAT,
                             PATH_HP ".params[%zu].type: GRID_SEARCH needs INTEGER, CATEGORICAL "
                                     "or DISCRETE parameters, not DOUBLE",
                             i);
    }
    return 0;
}

int seer__tune_spec_from_json(const cJSON *root, struct seer_tune_spec **out, struct seer_err *err)
{
    struct seer_tune_spec *s = NULL;
    struct seer_arena *a = NULL;
    const cJSON *input, *hp;
    char *json = NULL;
    int rc;

    *out = NULL;
    if (!cJSON_IsObject(root))
        return seer_errf(err, SEER_EFORMAT, "config: must be a mapping with trainingInput");
    rc = check_keys(root, root_keys, "config", err);
    if (rc)
        return rc;
    input = cJSON_GetObjectItemCaseSensitive(root, "trainingInput");
    if (!input)
        return seer_errf(err, SEER_EFORMAT, "trainingInput: required");
    if (!cJSON_IsObject(input))
        return seer_errf(err, SEER_EFORMAT, "trainingInput: must be an object");
    rc = check_keys(input, input_keys, "trainingInput", err);
    if (rc)
        return rc;
    hp = cJSON_GetObjectItemCaseSensitive(input, "hyperparameters");
    if (!hp)
        return seer_errf(err, SEER_EFORMAT, PATH_HP ": required for a tuning study");
    a = seer_arena_new(4096);
    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    s = seer_arena_array(a, 1, sizeof(*s));
    if (!s) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    s->arena = a;
    rc = parse_hp(hp, s, err);
    if (rc)
        goto out;
    json = cJSON_PrintUnformatted(input);
    s->input_json = json ? seer_arena_strdup(a, json) : NULL;
    if (!s->input_json) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    *out = s;
    a = NULL;
out:
    cJSON_free(json);
    seer_arena_free(a);
    return rc;
}

int seer__tune_doc_parse(const char *text, size_t n, cJSON **out, struct seer_err *err)
{
    size_t k = 0;

    *out = NULL;
    while (k < n && isspace((unsigned char)text[k]))
        k++;
    if (k < n && text[k] == '{') {
        const char *end = NULL;
        cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, false);

        if (!root) {
            int line = 1;

            for (const char *c = text; end && c < end && c < text + n; c++)
                line += *c == '\n';
            return seer_errf(err, SEER_EFORMAT, "line %d: malformed JSON", line);
        }
        *out = root;
        return 0;
    }
    return seer__yaml_parse(text, n, out, err);
}

int seer__tune_spec_parse(const char *text, size_t n, struct seer_tune_spec **out,
                          struct seer_err *err)
{
    cJSON *root = NULL;
    int rc;

    *out = NULL;
    rc = seer__tune_doc_parse(text, n, &root, err);
    if (rc)
        return rc;
    rc = seer__tune_spec_from_json(root, out, err);
    cJSON_Delete(root);
    return rc;
}

void seer__tune_spec_free(struct seer_tune_spec *s)
{
    if (s)
        seer_arena_free(s->arena);
}

int64_t seer__tune_grid_size(const struct seer_tune_spec *s)
{
    int64_t total = 1;

    for (size_t i = 0; i < s->n_params; i++) {
        const struct seer_tune_param *p = &s->params[i];
        int64_t k;

        if (p->type == SEER_TUNE_PTYPE_DOUBLE)
            return 0;
        k = p->type == SEER_TUNE_PTYPE_INTEGER ? (int64_t)(p->max - p->min) + 1
                                               : (int64_t)p->n_values;
        if (__builtin_mul_overflow(total, k, &total))
            return INT64_MAX;
    }
    return total;
}
