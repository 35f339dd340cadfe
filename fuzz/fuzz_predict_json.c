/* Fuzz target: a :predict request body through the JSON parser (with its depth limit) and
 * the instance extraction (row and columnar shapes, base64). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "serve/http.h"
#include "serve/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct seer_server srv;
    struct seer_req rq;
    struct seer_instance *in;
    cJSON *j = NULL;
    bool columnar;
    int n;

    memset(&rq, 0, sizeof(rq));
    srv.opts.max_instances = 64;
    rq.srv = &srv;
    rq.arena = seer_arena_new(1 << 16);
    if (!rq.arena)
        return 0;
    if (seer__http_json(data, size, &j, &rq.err) == 0)
        (void)seer__predict_parse(&rq, j, &columnar, &in, &n);
    cJSON_Delete(j);
    seer_arena_free(rq.arena);
    return 0;
}
