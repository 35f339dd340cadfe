/* Building responses in the request arena (see serve.h). */
#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "serve/serve.h"

int seer__resp_bytes(struct seer_req *rq, struct seer_resp *rs, int status, const char *type,
                     const void *p, size_t n)
{
    uint8_t *b = seer_arena_alloc(rq->arena, n + 1);

    if (!b)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory for the answer");
    if (n)
        memcpy(b, p, n);
    b[n] = 0;
    rs->status = status;
    rs->type = type;
    rs->body = b;
    rs->len = n;
    return 0;
}

int seer__resp_json(struct seer_req *rq, struct seer_resp *rs, int status, const void *cjson)
{
    /* cJSON prints with its own allocator; the text is copied into the arena so the
     * response has the request's lifetime like everything else. */
    char *s = cJSON_PrintUnformatted((const cJSON *)cjson);
    int rc;

    if (!s)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory printing JSON");
    rc = seer__resp_bytes(rq, rs, status, "application/json", s, strlen(s));
    cJSON_free(s);
    return rc;
}

int seer__resp_error(struct seer_req *rq, struct seer_resp *rs, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    int rc;

    if (!o || !cJSON_AddStringToObject(o, "error", msg && *msg ? msg : "error")) {
        cJSON_Delete(o);
        /* Out of memory while reporting an error: a fixed body still answers. */
        static const char oom[] = "{\"error\":\"out of memory\"}";
        rs->status = 503;
        rs->type = "application/json";
        rs->body = (const uint8_t *)oom;
        rs->len = sizeof(oom) - 1;
        return 0;
    }
    rc = seer__resp_json(rq, rs, status, o);
    cJSON_Delete(o);
    return rc;
}

int seer__resp_header(struct seer_req *rq, struct seer_resp *rs, const char *name,
                      const char *value)
{
    char *n, *v;

    if (rs->n_headers == SEER_SERVE_MAX_HEADERS)
        return seer_errf(&rq->err, SEER_ELIMIT, "too many response headers");
    n = seer_arena_strdup(rq->arena, name);
    v = seer_arena_strdup(rq->arena, value);
    if (!n || !v)
        return seer_errf(&rq->err, SEER_ENOMEM, "out of memory");
    rs->headers[rs->n_headers].name = n;
    rs->headers[rs->n_headers].value = v;
    rs->n_headers++;
    return 0;
}

const char *seer__resp_get_header(const struct seer_resp *rs, const char *name)
{
    for (int i = 0; i < rs->n_headers; i++)
        if (!strcasecmp(rs->headers[i].name, name))
            return rs->headers[i].value;
    return NULL;
}
