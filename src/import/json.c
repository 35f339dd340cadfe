/* cJSON hooks and strict getters (see json.h). */
#include "import/json.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;
/* Set when an allocation made for cJSON fails on this thread: cJSON reports running out
 * of memory exactly like a syntax error, and callers must be told which it was. */
static _Thread_local bool json_oom;

static void *json_malloc(size_t n)
{
    void *p = seer_malloc(n);

    if (!p)
        json_oom = true;
    return p;
}

static void install_hooks(void)
{
    cJSON_Hooks h = {.malloc_fn = json_malloc, .free_fn = seer_free};

    cJSON_InitHooks(&h);
}

void seer__json_init(void)
{
    pthread_once(&hooks_once, install_hooks);
}

/* Also installed before main() in every program that links this file: if the hooks
 * arrived only with the first import, a cJSON tree made earlier with malloc and deleted
 * afterwards would go through seer_free and skew the live count that leak checks read. */
__attribute__((constructor)) static void install_at_start(void)
{
    seer__json_init();
}

int seer__json_parse(const uint8_t *json, size_t n, const char *what, cJSON **out,
                     struct seer_err *err)
{
    const char *end = NULL;
    cJSON *root;

    seer__json_init();
    *out = NULL;
    json_oom = false;
    root = cJSON_ParseWithLengthOpts((const char *)json, n, &end, false);
    if (!root && json_oom)
        return seer_errf(err, SEER_ENOMEM, "%s: out of memory while parsing JSON", what);
    if (!root) {
        size_t off = n, line = 1;

        if (end && end >= (const char *)json && end <= (const char *)json + n)
            off = (size_t)(end - (const char *)json);
        for (size_t i = 0; i < off && i < n; i++)
            line += json[i] == '\n';
        return seer_errf(err, SEER_EFORMAT, "%s: invalid JSON at byte %zu (line %zu)", what, off,
                         line);
    }
    *out = root;
    return SEER_OK;
}

bool seer__json_int64(const cJSON *v, int64_t *out)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* Integers above 2^53 are not exact as doubles: protobuf writes int64 as a
         * string for that reason, so a number out of that range is refused. */
        if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != floor(d))
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (cJSON_IsString(v) && v->valuestring) {
        const char *s = v->valuestring;
        char *end;
        long long x;
        if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
            return false;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (errno || *end)
            return false;
        *out = x;
        return true;
    }
    return false;
}

bool seer__json_double(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v) && v->valuestring) {
        if (!strcmp(v->valuestring, "NaN"))
            *out = NAN;
        else if (!strcmp(v->valuestring, "Infinity"))
            *out = INFINITY;
        else if (!strcmp(v->valuestring, "-Infinity"))
            *out = -INFINITY;
        else
            return false;
        return true;
    }
    return false;
}

const char *seer__json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}
