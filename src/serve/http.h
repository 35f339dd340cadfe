/*
 * Bounded parsers for what arrives over HTTP: query strings, percent-encoding, cookies,
 * Content-Type parameters, multipart/form-data, base64 and JSON. Every input is untrusted:
 * each function takes explicit lengths, enforces the limits below, and reports problems as
 * SEER_EFORMAT/SEER_ELIMIT with a message naming the place. Results borrow from the arena.
 */
#ifndef SEER_SERVE_HTTP_H
#define SEER_SERVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

struct seer_arena;
struct cJSON;

#define SEER_HTTP_MAX_QUERY      4096 /* bytes of query string */
#define SEER_HTTP_MAX_PARAMS     32   /* key=value pairs in a query or form */
#define SEER_HTTP_MAX_PARTS      16   /* parts of a multipart body */
#define SEER_HTTP_MAX_JSON_DEPTH 32   /* nesting of arrays and objects */

struct seer_kv {
    const char *key, *value; /* decoded, borrowed from the arena */
};

/* Percent-decodes s[0..n) (and '+' as space when plus_space). Rejects bad escapes and
 * NUL bytes. */
int seer__url_decode(const char *s, size_t n, int plus_space, struct seer_arena *a, char **out,
                     struct seer_err *err);

/* Parses "a=1&b=2" (application/x-www-form-urlencoded too) into *out (n pairs). */
int seer__query_parse(const char *s, size_t n, struct seer_arena *a, struct seer_kv **out,
                      int *n_out, struct seer_err *err);
/* The first value for key, or NULL. */
const char *seer__kv_get(const struct seer_kv *kv, int n, const char *key);

/* The value of cookie name in a Cookie header, copied into a; NULL when absent. */
const char *seer__cookie_get(const char *header, const char *name, struct seer_arena *a);

/* The media type of a Content-Type header, lower-cased ("multipart/form-data"), and a
 * parameter's value (quotes removed) or NULL. */
const char *seer__ctype_media(const char *ctype, struct seer_arena *a);
const char *seer__ctype_param(const char *ctype, const char *name, struct seer_arena *a);

/* Finds form field `field` in a multipart/form-data body. *out borrows from body;
 * *filename is the part's filename (arena) or "". ENOTFOUND when the field is absent. */
int seer__multipart_find(const char *ctype, const uint8_t *body, size_t n, const char *field,
                         struct seer_arena *a, const uint8_t **out, size_t *out_n,
                         const char **filename, struct seer_err *err);

/* Decodes standard or URL-safe base64, padded or not, ignoring whitespace. */
int seer__b64_decode(const char *s, size_t n, struct seer_arena *a, uint8_t **out, size_t *out_n,
                     struct seer_err *err);
/* URL-safe base64 without padding of p[0..n), NUL-terminated, in dst (cap bytes). */
int seer__b64url_encode(const uint8_t *p, size_t n, char *dst, size_t cap);

/* Parses JSON with a nesting limit; *out must be freed with cJSON_Delete. The message
 * names the byte offset of a syntax error. */
int seer__http_json(const uint8_t *p, size_t n, struct cJSON **out, struct seer_err *err);

#endif /* SEER_SERVE_HTTP_H */
