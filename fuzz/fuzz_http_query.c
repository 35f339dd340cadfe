/* Fuzz target: the server's bounded HTTP parsers (query strings, cookies, Content-Type
 * parameters, multipart bodies, base64) on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "serve/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seer_arena *a = seer_arena_new(1 << 16);
    struct seer_err e = {{0}};
    struct seer_kv *kv;
    const uint8_t *part;
    const char *fname;
    uint8_t *bin;
    size_t n;
    int nkv;
    char *s;

    if (!a)
        return 0;
    /* A NUL-terminated copy for the header parsers, which take C strings. */
    s = seer_arena_strndup(a, (const char *)data, size);
    if (s) {
        if (seer__query_parse(s, strlen(s), a, &kv, &nkv, &e) == 0)
            (void)seer__kv_get(kv, nkv, "model");
        (void)seer__cookie_get(s, "seer_session", a);
        (void)seer__ctype_media(s, a);
        (void)seer__ctype_param(s, "boundary", a);
        /* The input as a Content-Type header over a fixed body, then as a body. */
        (void)seer__multipart_find(s, (const uint8_t *)"--b\r\n\r\nx\r\n--b--", 16, "file", a,
                                   &part, &n, &fname, &e);
    }
    (void)seer__multipart_find("multipart/form-data; boundary=XyZ", data, size, "file", a, &part,
                               &n, &fname, &e);
    (void)seer__b64_decode((const char *)data, size, a, &bin, &n, &e);
    seer_arena_free(a);
    return 0;
}
