/* Bounded parsers for HTTP inputs (see http.h). */
#include "serve/http.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/arena.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int seer__url_decode(const char *s, size_t n, int plus_space, struct seer_arena *a, char **out,
                     struct seer_err *err)
{
    char *d = seer_arena_alloc(a, n + 1);
    size_t j = 0;

    *out = NULL;
    if (!d)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi = -1, lo = -1;
            if (i + 2 < n) {
                hi = hexval((unsigned char)s[i + 1]);
                lo = hexval((unsigned char)s[i + 2]);
            }
            if (hi < 0 || lo < 0)
                return seer_errf(err, SEER_EFORMAT, "offset %zu: bad percent escape", i);
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == 0)
            return seer_errf(err, SEER_EFORMAT, "offset %zu: NUL byte", i);
        d[j++] = (char)c;
    }
    d[j] = 0;
    *out = d;
    return 0;
}

int seer__query_parse(const char *s, size_t n, struct seer_arena *a, struct seer_kv **out,
                      int *n_out, struct seer_err *err)
{
    struct seer_kv *kv;
    int count = 0, rc;
    size_t i = 0;

    *out = NULL;
    *n_out = 0;
    if (n > SEER_HTTP_MAX_QUERY)
        return seer_errf(err, SEER_ELIMIT, "query string of %zu bytes (limit %d)", n,
                         SEER_HTTP_MAX_QUERY);
    kv = seer_arena_array(a, SEER_HTTP_MAX_PARAMS, sizeof(*kv));
    if (!kv)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    while (i < n) {
        size_t start = i, eq = SIZE_MAX;
        while (i < n && s[i] != '&') {
            if (s[i] == '=' && eq == SIZE_MAX)
                eq = i;
            i++;
        }
        if (i > start) {
            char *k, *v;
            size_t klen = (eq == SIZE_MAX ? i : eq) - start;
            if (count == SEER_HTTP_MAX_PARAMS)
                return seer_errf(err, SEER_ELIMIT, "more than %d query parameters",
                                 SEER_HTTP_MAX_PARAMS);
            rc = seer__url_decode(s + start, klen, 1, a, &k, err);
            if (rc == 0 && eq != SIZE_MAX)
                rc = seer__url_decode(s + eq + 1, i - eq - 1, 1, a, &v, err);
            else if (rc == 0)
                v = seer_arena_strdup(a, ""), rc = v ? 0 : SEER_ENOMEM;
            if (rc) {
                seer_err_prefix(err, "query parameter %d: ", count + 1);
                return rc;
            }
            kv[count].key = k;
            kv[count].value = v;
            count++;
        }
        i++; /* skip '&' */
    }
    *out = kv;
    *n_out = count;
    return 0;
}

const char *seer__kv_get(const struct seer_kv *kv, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return kv[i].value;
    return NULL;
}

const char *seer__cookie_get(const char *h, const char *name, struct seer_arena *a)
{
    size_t nl = strlen(name);

    if (!h)
        return NULL;
    while (*h) {
        while (*h == ' ' || *h == ';' || *h == '\t')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nl && !strncmp(h, name, nl) && h[nl] == '=')
            return seer_arena_strndup(a, h + nl + 1, len - nl - 1);
        h += len;
    }
    return NULL;
}

const char *seer__ctype_media(const char *ct, struct seer_arena *a)
{
    size_t n = 0;
    char *m;

    if (!ct)
        return "";
    while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
        n++;
    m = seer_arena_strndup(a, ct, n);
    if (!m)
        return "";
    for (size_t i = 0; i < n; i++)
        if (m[i] >= 'A' && m[i] <= 'Z')
            m[i] = (char)(m[i] - 'A' + 'a');
    return m;
}

const char *seer__ctype_param(const char *ct, const char *name, struct seer_arena *a)
{
    size_t nl = strlen(name);
    const char *p = ct ? strchr(ct, ';') : NULL;

    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncasecmp(p, name, nl) && p[nl] == '=') {
            const char *v = p + nl + 1, *e;
            if (*v == '"') {
                v++;
                e = strchr(v, '"');
                if (!e)
                    return NULL;
            } else {
                e = v;
                while (*e && *e != ';' && *e != ' ' && *e != '\t')
                    e++;
            }
            return seer_arena_strndup(a, v, (size_t)(e - v));
        }
        p = strchr(p, ';');
    }
    return NULL;
}

/* memmem with explicit bounds (glibc has it, but only under _GNU_SOURCE). */
static const uint8_t *find(const uint8_t *h, size_t hn, const uint8_t *needle, size_t nn)
{
    if (nn == 0 || hn < nn)
        return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == needle[0] && !memcmp(h + i, needle, nn))
            return h + i;
    return NULL;
}

/* The value of attribute attr ("name", "filename") in a Content-Disposition header
 * line [p, e), into the arena; NULL when absent. */
static const char *disposition_attr(const char *p, const char *e, const char *attr,
                                    struct seer_arena *a)
{
    size_t al = strlen(attr);

    for (const char *q = p; q + al + 1 < e; q++) {
        if ((q == p || q[-1] == ';' || q[-1] == ' ') && !strncasecmp(q, attr, al) && q[al] == '=') {
            const char *v = q + al + 1, *ve;
            if (v < e && *v == '"') {
                v++;
                ve = v;
                while (ve < e && *ve != '"')
                    ve++;
            } else {
                ve = v;
                while (ve < e && *ve != ';' && *ve != ' ')
                    ve++;
            }
            return seer_arena_strndup(a, v, (size_t)(ve - v));
        }
    }
    return NULL;
}

int seer__multipart_find(const char *ctype, const uint8_t *body, size_t n, const char *field,
                         struct seer_arena *a, const uint8_t **out, size_t *out_n,
                         const char **filename, struct seer_err *err)
{
    const char *bnd = seer__ctype_param(ctype, "boundary", a);
    char delim[80];
    size_t dl;
    const uint8_t *p, *end = body + n;

    *out = NULL;
    *out_n = 0;
    *filename = "";
    if (!bnd || !*bnd)
        return seer_errf(err, SEER_EFORMAT, "multipart body without a boundary");
    if (strlen(bnd) > 70) /* RFC 2046 caps boundaries at 70 characters */
        return seer_errf(err, SEER_EFORMAT, "multipart boundary longer than 70 bytes");
    dl = (size_t)snprintf(delim, sizeof(delim), "--%s", bnd);
    p = find(body, n, (const uint8_t *)delim, dl);
    if (!p)
        return seer_errf(err, SEER_EFORMAT, "multipart body without its first boundary");
    for (int part = 0; part < SEER_HTTP_MAX_PARTS; part++) {
        const uint8_t *hdr, *hdr_end, *data, *next;
        const char *name = NULL, *fname = NULL;

        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break; /* the closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return seer_errf(err, SEER_EFORMAT, "offset %td: no CRLF after boundary", p - body);
        hdr = p + 2;
        hdr_end = find(hdr, (size_t)(end - hdr), (const uint8_t *)"\r\n\r\n", 4);
        if (!hdr_end)
            return seer_errf(err, SEER_EFORMAT, "offset %td: part %d headers never end", hdr - body,
                             part + 1);
        if (hdr_end - hdr > 8192)
            return seer_errf(err, SEER_ELIMIT, "part %d: headers over 8 KB", part + 1);
        /* Header lines: only Content-Disposition matters here. */
        for (const uint8_t *l = hdr; l < hdr_end;) {
            const uint8_t *le = find(l, (size_t)(hdr_end + 2 - l), (const uint8_t *)"\r\n", 2);
            if (!le)
                le = hdr_end;
            if (le - l > 20 && !strncasecmp((const char *)l, "content-disposition:", 20)) {
                name = disposition_attr((const char *)l + 20, (const char *)le, "name", a);
                fname = disposition_attr((const char *)l + 20, (const char *)le, "filename", a);
            }
            l = le + 2;
        }
        data = hdr_end + 4;
        {
            char d2[84];
            size_t d2l = (size_t)snprintf(d2, sizeof(d2), "\r\n%s", delim);
            next = find(data, (size_t)(end - data), (const uint8_t *)d2, d2l);
            if (!next)
                return seer_errf(err, SEER_EFORMAT, "part %d: no closing boundary", part + 1);
        }
        if (name && !strcmp(name, field)) {
            *out = data;
            *out_n = (size_t)(next - data);
            *filename = fname ? fname : "";
            return 0;
        }
        p = next + 2;
    }
    return seer_errf(err, SEER_ENOTFOUND, "multipart body has no field \"%s\"", field);
}

int seer__b64_decode(const char *s, size_t n, struct seer_arena *a, uint8_t **out, size_t *out_n,
                     struct seer_err *err)
{
    char *clean;
    size_t m = 0, bin_len = 0;
    int variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    const char *b64_end = NULL;
    uint8_t *bin;

    *out = NULL;
    *out_n = 0;
    clean = seer_arena_alloc(a, n + 1);
    if (!clean)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    /* Whitespace goes, and the padding is checked here so both padded and unpadded
     * encodings of either alphabet decode with libsodium's unpadded variants. */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '-' || c == '_')
            variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
        clean[m++] = c;
    }
    for (int pad = 0; pad < 2 && m > 0 && clean[m - 1] == '='; pad++)
        m--;
    if (m % 4 == 1)
        return seer_errf(err, SEER_EFORMAT, "base64 of %zu characters cannot be complete", m);
    bin = seer_arena_alloc(a, m / 4 * 3 + 3);
    if (!bin)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (sodium_base642bin(bin, m / 4 * 3 + 3, clean, m, NULL, &bin_len, &b64_end, variant) ||
        (b64_end && b64_end != clean + m)) {
        size_t at = b64_end ? (size_t)(b64_end - clean) : 0;
        return seer_errf(err, SEER_EFORMAT, "bad base64 at character %zu", at);
    }
    *out = bin;
    *out_n = bin_len;
    return 0;
}

int seer__b64url_encode(const uint8_t *p, size_t n, char *dst, size_t cap)
{
    if (cap < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
        return SEER_EINVAL;
    sodium_bin2base64(dst, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

int seer__http_json(const uint8_t *p, size_t n, struct cJSON **out, struct seer_err *err)
{
    int depth = 0;
    int in_str = 0;
    const char *end = NULL;
    cJSON *j;

    *out = NULL;
    /* A cheap pre-scan bounds the nesting before cJSON recurses into it. */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > SEER_HTTP_MAX_JSON_DEPTH)
                return seer_errf(err, SEER_ELIMIT, "offset %zu: JSON nested deeper than %d", i,
                                 SEER_HTTP_MAX_JSON_DEPTH);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    j = cJSON_ParseWithLengthOpts((const char *)p, n, &end, 0);
    if (!j) {
        size_t at = end && end >= (const char *)p ? (size_t)(end - (const char *)p) : 0;
        if (n == 0)
            return seer_errf(err, SEER_EFORMAT, "empty body where JSON was expected");
        return seer_errf(err, SEER_EFORMAT, "invalid JSON at offset %zu", at);
    }
    /* Anything but whitespace after the value is an error too. */
    if (end) {
        for (const char *q = end; q < (const char *)p + n; q++) {
            if (*q != ' ' && *q != '\n' && *q != '\r' && *q != '\t' && *q != 0) {
                cJSON_Delete(j);
                return seer_errf(err, SEER_EFORMAT, "invalid JSON at offset %td: trailing data",
                                 q - (const char *)p);
            }
        }
    }
    *out = j;
    return 0;
}
