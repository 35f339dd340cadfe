/*
 * Small helpers over cJSON for importers: allocator hooks and strict getters that turn
 * JSON values from untrusted files into C values without undefined behaviour.
 *
 * cJSON trees borrow nothing: a tree owns its strings (cJSON_Delete frees them).
 */
#ifndef SEER_IMPORT_JSON_H
#define SEER_IMPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <seer/status.h>

/* Routes cJSON's allocations through seer_malloc/seer_free (so leak checks and the
 * allocation torture cover JSON parsing). Idempotent and thread-safe. It also runs before
 * main() in any program that links json.o, so every cJSON tree of such a program is
 * counted alike. The hooks are process-wide: memory cJSON hands out (cJSON_Print) must be
 * released with cJSON_free, never free(). Under the hooks cJSON reports out of memory as a
 * parse failure; seer__json_parse tells the two apart. */
void seer__json_init(void);

/* Parses json[0..n) into *out (cJSON_Delete it). On bad JSON: EFORMAT with the byte
 * offset and line of the error, prefixed by what ("model.json"). */
int seer__json_parse(const uint8_t *json, size_t n, const char *what, cJSON **out,
                     struct seer_err *err);

/* An integer given as a JSON number or as a decimal string (protobuf's JSON form of
 * int64, e.g. "123"). False when v is neither, is not integral or is out of range. */
bool seer__json_int64(const cJSON *v, int64_t *out);
/* A number, or protobuf's "NaN" / "Infinity" / "-Infinity" strings. */
bool seer__json_double(const cJSON *v, double *out);
/* obj[key] when it is a string, else NULL. */
const char *seer__json_str(const cJSON *obj, const char *key);

#endif /* SEER_IMPORT_JSON_H */
