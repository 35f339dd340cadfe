/*
 * Showing studies: Cloud ML Engine's Job JSON (trainingOutput with trials best first) and
 * plain tables for the terminal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "tune/study.h"

struct view {
    struct seer_arena *a;
    struct seer__study_row row;
    struct seer_tune_spec *spec;
    struct seer__trial_row *t;
    size_t n;
};

static void view_clear(struct view *v)
{
    seer__tune_spec_free(v->spec);
    seer_arena_free(v->a);
}

static int view_load(struct seer_tune_db *db, const char *job_id, struct view *v,
                     struct seer_err *err)
{
    cJSON *root;
    int rc;

    memset(v, 0, sizeof(*v));
    if (!(v->a = seer_arena_new(16384)))
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer__store_study_get(db->st, job_id, v->a, &v->row, err);
    if (rc)
        return rc;
    root = cJSON_Parse(v->row.config);
    rc = root ? seer__tune_spec_from_json(root, &v->spec, err)
              : seer_errf(err, SEER_EFORMAT, "stored config is not JSON");
    cJSON_Delete(root);
    if (!rc)
        rc = seer__store_trials(db->st, job_id, v->a, &v->t, &v->n, err);
    return rc;
}

static void rfc3339(double t, char *buf, size_t cap)
{
    time_t s = (time_t)t;
    struct tm tm;

    gmtime_r(&s, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool better(const struct seer_tune_spec *s, double a, double b)
{
    return s->goal == SEER_TUNE_GOAL_MAXIMIZE ? a > b : a < b;
}

/* Sort keys, so that the comparison needs no spec (and no global): trials with an
 * objective first, best first (smaller key is better), then by id. */
struct order {
    bool has;
    double key;
    int64_t id;
    size_t idx;
};

static int cmp_order(const void *pa, const void *pb)
{
    const struct order *a = pa, *b = pb;

    if (a->has != b->has)
        return a->has ? -1 : 1;
    if (a->has && a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static const struct seer__trial_row *best_trial(const struct view *v)
{
    const struct seer__trial_row *b = NULL;

    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].has_objective && (!b || better(v->spec, v->t[i].objective, b->objective)))
            b = &v->t[i];
    return b;
}

static size_t count_state(const struct view *v, const char *state)
{
    size_t k = 0;

    for (size_t i = 0; i < v->n; i++)
        k += !strcmp(v->t[i].state, state);
    return k;
}

static bool add_time(cJSON *o, const char *key, double t)
{
    char buf[40];

    if (t <= 0)
        return true;
    rfc3339(t, buf, sizeof(buf));
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

static cJSON *trial_json(const struct seer__trial_row *t)
{
    cJSON *o = cJSON_CreateObject(), *hp = cJSON_Parse(t->params), *fm;
    char buf[32];
    bool ok = o && hp;

    snprintf(buf, sizeof(buf), "%lld", (long long)t->trial_id);
    ok = ok && cJSON_AddStringToObject(o, "trialId", buf);
    if (ok) {
        cJSON_AddItemToObject(o, "hyperparameters", hp);
        hp = NULL;
    }
    if (ok && t->has_objective) {
        ok = (fm = cJSON_AddObjectToObject(o, "finalMetric")) != NULL;
        snprintf(buf, sizeof(buf), "%lld", (long long)t->step);
        ok = ok && cJSON_AddStringToObject(fm, "trainingStep", buf) &&
             cJSON_AddNumberToObject(fm, "objectiveValue", t->objective);
    }
    ok = ok && add_time(o, "startTime", t->start_time) && add_time(o, "endTime", t->end_time) &&
         cJSON_AddStringToObject(o, "state", t->state) &&
         cJSON_AddBoolToObject(o, "isTrialStoppedEarly", t->stopped_early);
    if (ok && t->message)
        ok = cJSON_AddStringToObject(o, "errorMessage", t->message) != NULL;
    cJSON_Delete(hp);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *job_json(const struct view *v, bool with_trials)
{
    cJSON *o = cJSON_CreateObject(), *root = cJSON_Parse(v->row.config), *out, *arr;
    char buf[32];
    bool ok = o && root;

    ok = ok && cJSON_AddStringToObject(o, "jobId", v->row.job_id);
    if (ok && with_trials) {
        cJSON *in = cJSON_DetachItemFromObjectCaseSensitive(root, "trainingInput");

        ok = in && cJSON_AddItemToObject(o, "trainingInput", in);
    }
    ok = ok && add_time(o, "createTime", v->row.create_time) &&
         add_time(o, "startTime", v->row.start_time) && add_time(o, "endTime", v->row.end_time) &&
         cJSON_AddStringToObject(o, "state", v->row.state);
    if (ok && v->row.message)
        ok = cJSON_AddStringToObject(o, "errorMessage", v->row.message) != NULL;
    ok = ok && (out = cJSON_AddObjectToObject(o, "trainingOutput")) != NULL;
    snprintf(buf, sizeof(buf), "%zu", count_state(v, "SUCCEEDED"));
    ok = ok && cJSON_AddStringToObject(out, "completedTrialCount", buf);
    if (ok && with_trials) {
        ok = (arr = cJSON_AddArrayToObject(out, "trials")) != NULL;
        struct order *ord = seer_arena_array(v->a, v->n + 1, sizeof(*ord));

        ok = ok && ord;
        for (size_t i = 0; ok && i < v->n; i++)
            ord[i] = (struct order){v->t[i].has_objective,
                                    v->spec->goal == SEER_TUNE_GOAL_MAXIMIZE ? -v->t[i].objective
                                                                             : v->t[i].objective,
                                    v->t[i].trial_id, i};
        if (ok)
            qsort(ord, v->n, sizeof(*ord), cmp_order);
        for (size_t i = 0; ok && i < v->n; i++) {
            cJSON *t = trial_json(&v->t[ord[i].idx]);

            ok = t && cJSON_AddItemToArray(arr, t);
        }
    } else if (ok) {
        const struct seer__trial_row *b = best_trial(v);

        if (b) {
            cJSON *t = trial_json(b);

            ok = t && cJSON_AddItemToObject(out, "bestTrial", t);
        }
    }
    ok = ok && cJSON_AddBoolToObject(out, "isHyperparameterTuningJob", true) &&
         cJSON_AddStringToObject(out, "hyperparameterMetricTag", v->spec->metric_tag);
    cJSON_Delete(root);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int emit(cJSON *o, char **out, struct seer_err *err)
{
    char *txt = o ? cJSON_Print(o) : NULL;

    *out = txt ? seer_strdup(txt) : NULL;
    cJSON_free(txt);
    cJSON_Delete(o);
    return *out ? 0 : seer_errf(err, SEER_ENOMEM, "out of memory");
}

int seer_tune_show_json(struct seer_tune_db *db, const char *job_id, char **out,
                        struct seer_err *err)
{
    struct view v;
    int rc = view_load(db, job_id, &v, err);

    *out = NULL;
    if (!rc)
        rc = emit(job_json(&v, true), out, err);
    view_clear(&v);
    return rc;
}

int seer_tune_list_json(struct seer_tune_db *db, char **out, struct seer_err *err)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer__study_row *rows;
    size_t n;
    cJSON *o = cJSON_CreateObject(), *arr = o ? cJSON_AddArrayToObject(o, "jobs") : NULL;
    int rc;

    *out = NULL;
    if (!a || !arr) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    rc = seer__store_study_list(db->st, a, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        struct view v;

        rc = view_load(db, rows[i].job_id, &v, err);
        cJSON *j = rc ? NULL : job_json(&v, false);
        view_clear(&v);
        if (!rc && (!j || !cJSON_AddItemToArray(arr, j))) {
            cJSON_Delete(j);
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        }
    }
    if (!rc) {
        rc = emit(o, out, err);
        o = NULL;
    }
out:
    cJSON_Delete(o);
    seer_arena_free(a);
    return rc;
}

static void print_values(FILE *f, const char *params)
{
    cJSON *o = cJSON_Parse(params);

    for (const cJSON *c = o ? o->child : NULL; c; c = c->next)
        fprintf(f, "%s%s=%s", c == o->child ? "" : " ", c->string,
                cJSON_IsString(c) ? c->valuestring : "?");
    cJSON_Delete(o);
}

int seer_tune_show_table(struct seer_tune_db *db, const char *job_id, FILE *f, struct seer_err *err)
{
    static const char *const algos[] = {"BAYESIAN", "GRID_SEARCH", "RANDOM_SEARCH"};
    struct view v;
    const struct seer__trial_row *b;
    int rc = view_load(db, job_id, &v, err);

    if (rc)
        goto out;
    fprintf(f, "job %s  state %s  goal %s  metric %s  algorithm %s\n", v.row.job_id, v.row.state,
            v.spec->goal == SEER_TUNE_GOAL_MAXIMIZE ? "MAXIMIZE" : "MINIMIZE", v.spec->metric_tag,
            algos[v.spec->algo]);
    if (v.row.message)
        fprintf(f, "error: %s\n", v.row.message);
    size_t early = 0;
    for (size_t i = 0; i < v.n; i++)
        early += v.t[i].stopped_early;
    fprintf(f, "trials %zu of %lld: %zu succeeded (%zu stopped early), %zu failed\n", v.n,
            (long long)v.spec->max_trials, count_state(&v, "SUCCEEDED"), early,
            count_state(&v, "FAILED"));
    fprintf(f, "%-6s %-10s %-16s %-10s %-8s %s\n", "trial", "state", "objective", "step", "secs",
            "values");
    for (size_t i = 0; i < v.n; i++) {
        const struct seer__trial_row *t = &v.t[i];
        char obj[32] = "-", step[24] = "-", secs[24] = "-";

        if (t->has_objective) {
            snprintf(obj, sizeof(obj), "%.10g", t->objective);
            snprintf(step, sizeof(step), "%lld%s", (long long)t->step, t->stopped_early ? "*" : "");
        }
        if (t->end_time > 0 && t->start_time > 0)
            snprintf(secs, sizeof(secs), "%.1f", t->end_time - t->start_time);
        fprintf(f, "%-6lld %-10s %-16s %-10s %-8s ", (long long)t->trial_id, t->state, obj, step,
                secs);
        print_values(f, t->params);
        if (t->message)
            fprintf(f, "  (%s)", t->message);
        fputc('\n', f);
    }
    if (early)
        fprintf(f, "* stopped early by the median rule\n");
    b = best_trial(&v);
    if (b) {
        fprintf(f, "best: trial %lld objective %.10g  ", (long long)b->trial_id, b->objective);
        print_values(f, b->params);
        fputc('\n', f);
    }
out:
    view_clear(&v);
    return rc;
}

int seer_tune_list_table(struct seer_tune_db *db, FILE *f, struct seer_err *err)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer__study_row *rows;
    size_t n;
    int rc;

    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    rc = seer__store_study_list(db->st, a, &rows, &n, err);
    if (!rc)
        fprintf(f, "%-32s %-10s %-8s %-16s %s\n", "job", "state", "trials", "best", "created");
    for (size_t i = 0; !rc && i < n; i++) {
        struct view v;
        char created[40], best[32] = "-";

        rc = view_load(db, rows[i].job_id, &v, err);
        if (!rc) {
            const struct seer__trial_row *b = best_trial(&v);

            if (b)
                snprintf(best, sizeof(best), "%.8g", b->objective);
            rfc3339(v.row.create_time, created, sizeof(created));
            fprintf(f, "%-32s %-10s %-8zu %-16s %s\n", v.row.job_id, v.row.state, v.n, best,
                    created);
        }
        view_clear(&v);
    }
    seer_arena_free(a);
    return rc;
}
