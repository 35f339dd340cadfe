/* Metric reports and the median stopping rule (see metric.h). */
#include "tune/metric.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "tune/spec.h"

#define MAX_LINE 4096

void seer__metrics_clear(struct seer__metrics *m)
{
    seer_free(m->v);
    memset(m, 0, sizeof(*m));
}

int seer__metrics_push(struct seer__metrics *m, int64_t step, double value)
{
    if (m->n == SEER_TUNE_MAX_MEASUREMENTS) {
        /* Keep the final value right even for a trainer that reports without end. */
        m->v[m->n - 1] = (struct seer__meas){step, value};
        return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct seer__meas *v = seer_realloc(m->v, cap * sizeof(*v));

        if (!v)
            return SEER_ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = (struct seer__meas){step, value};
    return 0;
}

/* A whole string that is a finite number. */
static bool read_num(const char *s, double *out)
{
    char *end;

    if (!*s || isspace((unsigned char)*s))
        return false;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out);
}

static bool json_num(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return isfinite(*out);
    }
    return cJSON_IsString(v) && read_num(v->valuestring, out);
}

int seer__metrics_parse_file(struct seer__metrics *m, const char *text, size_t n, const char *tag)
{
    double newest = m->file_ts;
    size_t untimed = 0;
    const char *p = text, *end = text + n;
    int rc = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        cJSON *o;

        /* A line without its newline is still being written; it is read next time. */
        if (!nl)
            break;
        o = (size_t)(nl - p) <= MAX_LINE ? cJSON_ParseWithLength(p, (size_t)(nl - p)) : NULL;
        p = nl + 1;

        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            continue;
        }
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, tag);
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "global_step");
        double v, t, s = 0;
        bool fresh;

        if (json_num(ts, &t)) {
            fresh = t > m->file_ts;
            newest = fmax(newest, t);
        } else {
            fresh = untimed++ >= m->file_lines;
        }
        if (val && fresh) {
            if (!json_num(val, &v)) {
                m->n_garbage++;
            } else {
                if (!json_num(st, &s) || s < 0 || s > 9e18)
                    s = 0;
                rc = seer__metrics_push(m, (int64_t)s, v);
            }
        }
        cJSON_Delete(o);
        if (rc)
            return rc;
    }

    m->file_ts = newest;
    if (untimed > m->file_lines)
        m->file_lines = untimed;
    return 0;
}

int seer__metrics_parse_line(struct seer__metrics *m, const char *line, size_t n, const char *tag)
{
    size_t tl = strlen(tag);
    char tok[128];
    double v = 0, step = -1;
    bool have = false, bad = false;

    for (size_t i = 0; i < n;) {
        size_t j = i, k;

        while (i < n && (isspace((unsigned char)line[i]) || line[i] == ',' || line[i] == ';'))
            i++;
        j = i;
        while (j < n && !isspace((unsigned char)line[j]) && line[j] != ',' && line[j] != ';')
            j++;
        if (j == i)
            break;
        k = j - i;
        if (k < sizeof(tok)) {
            const char *eq;

            memcpy(tok, line + i, k);
            tok[k] = '\0';
            eq = strchr(tok, '=');
            if (eq && (size_t)(eq - tok) == tl && !memcmp(tok, tag, tl)) {
                have = read_num(eq + 1, &v);
                bad = !have;
            } else if (eq && (!strncmp(tok, "global_step=", 12) || !strncmp(tok, "step=", 5))) {
                double s;

                if (read_num(eq + 1, &s) && s >= 0 && s < 9e18)
                    step = s;
            }
        }
        i = j;
    }
    if (bad) {
        m->n_garbage++;
        return 0;
    }
    if (!have)
        return 0;
    m->seq++;
    return seer__metrics_push(m, step >= 0 ? (int64_t)step : m->seq, v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

bool seer__median_should_stop(const struct seer__metrics *trial,
                              const struct seer__metrics *const *done, size_t n_done, bool maximize,
                              size_t min_done)
{
    double best, avgs[256], med;
    int64_t s;
    size_t k = 0;

    if (trial->n == 0)
        return false;
    s = trial->v[trial->n - 1].step;
    best = maximize ? -INFINITY : INFINITY;
    for (size_t i = 0; i < trial->n; i++)
        if (trial->v[i].step <= s)
            best = maximize ? fmax(best, trial->v[i].value) : fmin(best, trial->v[i].value);
    /* The most recent completed trials stand for the population (at most 256). */
    for (size_t j = n_done > 256 ? n_done - 256 : 0; j < n_done; j++) {
        double sum = 0;
        size_t c = 0;

        for (size_t i = 0; i < done[j]->n; i++)
            if (done[j]->v[i].step <= s) {
                sum += done[j]->v[i].value;
                c++;
            }
        if (c)
            avgs[k++] = sum / (double)c;
    }
    if (k == 0 || k < min_done)
        return false;
    qsort(avgs, k, sizeof(avgs[0]), cmp_double);
    med = k % 2 ? avgs[k / 2] : 0.5 * (avgs[k / 2 - 1] + avgs[k / 2]);
    return maximize ? best < med : best > med;
}
