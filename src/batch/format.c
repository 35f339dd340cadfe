/*
 * Result, error and COCO lines of batch jobs as text, and the small heap text buffer they
 * are built in. The result line is the object `seer detect --json` prints for a photo (same
 * keys, same number formats) plus what names the input, so tools reading one read both.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "batch/batch_int.h"
#include "core/alloc.h"
#include "core/arena.h"

static bool buf_reserve(struct seer__buf *b, size_t more)
{
    size_t need, cap;
    char *p;

    if (b->oom)
        return false;
    if (!seer_add_size(b->len, more, &need) || !seer_add_size(need, 1, &need)) {
        b->oom = true;
        return false;
    }
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = seer_realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void seer__buf_put(struct seer__buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void seer__buf_puts(struct seer__buf *b, const char *s)
{
    seer__buf_put(b, s, strlen(s));
}

void seer__buf_printf(struct seer__buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void seer__buf_json_str(struct seer__buf *b, const char *s)
{
    seer__buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            seer__buf_put(b, e, 2);
        } else if (*p == '\n') {
            seer__buf_puts(b, "\\n");
        } else if (*p == '\t') {
            seer__buf_puts(b, "\\t");
        } else if (*p == '\r') {
            seer__buf_puts(b, "\\r");
        } else if (*p < 0x20 || *p == 0x7f) {
            seer__buf_printf(b, "\\u%04x", *p);
        } else {
            seer__buf_put(b, (const char *)p, 1);
        }
    }
    seer__buf_put(b, "\"", 1);
}

void seer__buf_json_num(struct seer__buf *b, double v, int decimals)
{
    char t[64];
    size_t n;

    if (!isfinite(v)) {
        seer__buf_puts(b, "null");
        return;
    }
    snprintf(t, sizeof(t), "%.*f", decimals, v);
    n = strlen(t);
    if (strchr(t, '.')) {
        while (n > 0 && t[n - 1] == '0')
            t[--n] = '\0';
        if (n > 0 && t[n - 1] == '.')
            t[--n] = '\0';
    }
    if (!strcmp(t, "-0"))
        seer__buf_puts(b, "0");
    else
        seer__buf_put(b, t, n);
}

/* A float exactly as stored (9 significant digits round-trip a float32). */
static void buf_json_exact(struct seer__buf *b, double v)
{
    if (!isfinite(v))
        seer__buf_puts(b, "null");
    else
        seer__buf_printf(b, "%.9g", v);
}

void seer__buf_free(struct seer__buf *b)
{
    seer_free(b->p);
    memset(b, 0, sizeof(*b));
}

/* What names the input, as the first keys of its line. */
static void put_ident(struct seer__buf *b, const struct seer_batch_input *x, bool with_image)
{
    if (x->line > 0) {
        if (with_image) {
            seer__buf_puts(b, "\"image\": ");
            if (x->key)
                seer__buf_json_str(b, x->key);
            else
                seer__buf_printf(b, "\"line %lld\"", (long long)x->line);
            seer__buf_puts(b, ", ");
        }
        if (x->key) {
            seer__buf_puts(b, "\"key\": ");
            seer__buf_json_str(b, x->key);
            seer__buf_puts(b, ", ");
        }
        seer__buf_printf(b, "\"line\": %lld", (long long)x->line);
        return;
    }
    if (with_image) {
        seer__buf_puts(b, "\"image\": ");
        seer__buf_json_str(b, x->path);
        seer__buf_puts(b, ", ");
    }
    seer__buf_puts(b, "\"path\": ");
    seer__buf_json_str(b, x->path);
    if (x->image_id >= 0)
        seer__buf_printf(b, ", \"image_id\": %lld", (long long)x->image_id);
}

/* Moves the buffer's text into the arena. */
static int finish(struct seer__buf *b, struct seer_arena *a, char **out, size_t *len)
{
    char *s = NULL;

    if (!b->oom)
        s = b->len ? seer_arena_strndup(a, b->p, b->len) : seer_arena_strdup(a, "");
    seer__buf_free(b);
    *out = s;
    *len = s ? strlen(s) : 0;
    return s ? SEER_OK : SEER_ENOMEM;
}

int seer_batch_format_result(const struct seer_batch_input *x, const struct seer_model *m,
                             const struct seer_dets *d, struct seer_arena *a, char **out,
                             size_t *len)
{
    struct seer__buf b = {0};

    seer__buf_puts(&b, "{");
    put_ident(&b, x, true);
    seer__buf_printf(&b, ", \"width\": %d, \"height\": %d, \"model\": ", d->width, d->height);
    seer__buf_json_str(&b, seer_model_name(m));
    seer__buf_printf(&b, ", \"version\": %d, \"time_ms\": ", seer_model_version(m));
    seer__buf_json_num(&b, d->time_ms, 1);
    seer__buf_puts(&b, ", \"detections\": [");
    for (int i = 0; i < d->n; i++) {
        const struct seer_det *e = &d->d[i];

        seer__buf_puts(&b, i ? ", {\"label\": " : "{\"label\": ");
        seer__buf_json_str(&b, e->label ? e->label : "");
        seer__buf_printf(&b, ", \"category_id\": %d, \"score\": ", e->category_id);
        seer__buf_json_num(&b, e->score, 4);
        seer__buf_puts(&b, ", \"box\": [");
        for (int k = 0; k < 4; k++) {
            if (k)
                seer__buf_puts(&b, ", ");
            seer__buf_json_num(&b, e->box[k], 2);
        }
        seer__buf_puts(&b, "]}");
    }
    seer__buf_puts(&b, "]}");
    return finish(&b, a, out, len);
}

int seer_batch_format_error(const struct seer_batch_input *x, int rc, const char *msg,
                            struct seer_arena *a, char **out, size_t *len)
{
    struct seer__buf b = {0};

    seer__buf_puts(&b, "{");
    put_ident(&b, x, false);
    seer__buf_puts(&b, ", \"status\": ");
    seer__buf_json_str(&b, seer_status_name(rc));
    seer__buf_puts(&b, ", \"error\": ");
    seer__buf_json_str(&b, msg && *msg ? msg : seer_status_name(rc));
    seer__buf_puts(&b, "}");
    return finish(&b, a, out, len);
}

int seer_batch_format_coco(const struct seer_batch_input *x, const struct seer_dets *d,
                           struct seer_arena *a, char **out, size_t *len)
{
    struct seer__buf b = {0};

    for (int i = 0; i < d->n; i++) {
        const struct seer_det *e = &d->d[i];

        seer__buf_printf(&b, "%s{\"image_id\": %lld, \"category_id\": %d, \"bbox\": [",
                         i ? ", " : "", (long long)x->image_id, e->category_id);
        buf_json_exact(&b, e->box[0]);
        seer__buf_puts(&b, ", ");
        buf_json_exact(&b, e->box[1]);
        seer__buf_puts(&b, ", ");
        buf_json_exact(&b, (double)e->box[2] - e->box[0]);
        seer__buf_puts(&b, ", ");
        buf_json_exact(&b, (double)e->box[3] - e->box[1]);
        seer__buf_puts(&b, "], \"score\": ");
        buf_json_exact(&b, e->score);
        seer__buf_puts(&b, "}");
    }
    return finish(&b, a, out, len);
}
