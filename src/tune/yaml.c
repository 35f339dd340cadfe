/*
 * A bounded reader for the YAML subset that hyperparameter configs use, producing cJSON.
 *
 * Supported: block mappings and sequences (including "- key: value" items), flow
 * sequences and mappings that close on their line, plain, 'single' and "double" quoted
 * scalars, comments, a leading "---". Anchors, aliases, tags, block scalars and
 * multi-line plain scalars are refused with a message naming the line, never guessed at.
 * Plain scalars are typed by YAML 1.2's core schema (null, true/false, numbers).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "tune/spec.h"

#define YAML_MAX_BYTES (1u << 20)
#define YAML_MAX_LINES 20000
#define YAML_MAX_DEPTH 32

struct line {
    int no;     /* 1-based line number in the text */
    int indent; /* columns before the text */
    char *text; /* trimmed, comment stripped; points into the parser's copy */
};

struct yp {
    struct line *ln;
    size_t n, i;
    int depth;
    struct seer_err *err;
};

static int parse_node(struct yp *p, int indent, cJSON **out);

static bool is_dash(const char *t)
{
    return t[0] == '-' && (t[1] == '\0' || t[1] == ' ');
}

/* A quote opens a quoted scalar only where a scalar may start. */
static bool scalar_start(const char *line, const char *q)
{
    while (q > line && q[-1] == ' ')
        q--;
    return q == line || strchr(":-[{,", q[-1]) != NULL;
}

/* Strips a comment (a '#' at the start or after a blank, outside quotes) and trailing
 * blanks, in place. */
static int strip_comment(char *t, int no, struct seer_err *err)
{
    char quote = 0;

    for (char *c = t; *c; c++) {
        if (quote) {
            if (*c == quote) {
                /* '' inside single quotes is an escaped quote, not the end. */
                if (quote == '\'' && c[1] == '\'')
                    c++;
                else
                    quote = 0;
            } else if (quote == '"' && *c == '\\' && c[1]) {
                c++;
            }
            continue;
        }
        if ((*c == '\'' || *c == '"') && scalar_start(t, c))
            quote = *c;
        else if (*c == '#' && (c == t || c[-1] == ' ' || c[-1] == '\t')) {
            *c = '\0';
            break;
        } else if (*c == '\t')
            *c = ' ';
    }
    if (quote)
        return seer_errf(err, SEER_EFORMAT, "line %d: unterminated quoted string", no);
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        t[--n] = '\0';
    return 0;
}

/* Open flow brackets left at the end of t (outside quotes); quotes are balanced here,
 * strip_comment has checked. */
static int flow_depth(const char *t)
{
    char quote = 0;
    int depth = 0;

    for (const char *c = t; *c; c++) {
        if (quote) {
            if (*c == quote && quote == '\'' && c[1] == '\'')
                c++; /* '' is a quote inside single quotes */
            else if (*c == quote)
                quote = 0;
            else if (quote == '"' && *c == '\\' && c[1])
                c++;
        } else if ((*c == '\'' || *c == '"') && scalar_start(t, c)) {
            quote = *c;
        } else if (*c == '[' || *c == '{') {
            depth++;
        } else if (*c == ']' || *c == '}') {
            depth--;
        }
    }
    return depth;
}

static bool is_number_text(const char *s)
{
    const char *p = s;
    bool digits = false;

    if (*p == '+' || *p == '-')
        p++;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

static int make_plain(const char *s, size_t n, int no, cJSON **out, struct seer_err *err)
{
    char buf[512];
    cJSON *v = NULL;

    if (n >= sizeof(buf))
        return seer_errf(err, SEER_ELIMIT, "line %d: scalar longer than %zu bytes", no,
                         sizeof(buf) - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (buf[0] == '&' || buf[0] == '*' || buf[0] == '!')
        return seer_errf(err, SEER_EUNSUPPORTED,
                         "line %d: anchors, aliases and tags are not supported", no);
    if ((buf[0] == '|' || buf[0] == '>') && (buf[1] == '\0' || strchr("+-0123456789", buf[1])))
        return seer_errf(err, SEER_EUNSUPPORTED, "line %d: block scalars are not supported", no);
    if (!strcmp(buf, "") || !strcmp(buf, "~") || !strcmp(buf, "null") || !strcmp(buf, "Null") ||
        !strcmp(buf, "NULL"))
        v = cJSON_CreateNull();
    else if (!strcmp(buf, "true") || !strcmp(buf, "True") || !strcmp(buf, "TRUE"))
        v = cJSON_CreateTrue();
    else if (!strcmp(buf, "false") || !strcmp(buf, "False") || !strcmp(buf, "FALSE"))
        v = cJSON_CreateFalse();
    else if (is_number_text(buf)) {
        v = cJSON_CreateNumber(strtod(buf, NULL));
        /* cJSON_Delete frees valuestring for any item type, so the text can ride along. */
        if (v) {
            v->valuestring = cJSON_malloc(n + 1);
            if (!v->valuestring) {
                cJSON_Delete(v);
                v = NULL;
            } else {
                memcpy(v->valuestring, buf, n + 1);
            }
        }
    } else
        v = cJSON_CreateString(buf);
    if (!v)
        return seer_errf(err, SEER_ENOMEM, "line %d: out of memory", no);
    *out = v;
    return 0;
}

/* Reads a quoted scalar starting at *pp (on the quote); leaves *pp after the closing
 * quote. */
static int read_quoted(const char **pp, int no, char *buf, size_t cap, struct seer_err *err)
{
    const char *p = *pp;
    char q = *p++;
    size_t k = 0;

    for (;;) {
        char c = *p++;

        if (c == '\0')
            return seer_errf(err, SEER_EFORMAT, "line %d: unterminated quoted string", no);
        if (c == q) {
            if (q == '\'' && *p == '\'') {
                p++;
            } else {
                break;
            }
        } else if (q == '"' && c == '\\') {
            char e = *p++;

            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '\\': c = '\\'; break;
            case '"': c = '"'; break;
            case '/': c = '/'; break;
            default:
                return seer_errf(err, SEER_EUNSUPPORTED, "line %d: unsupported escape '\\%c'", no,
                                 e ? e : '0');
            }
        }
        if (k + 1 >= cap)
            return seer_errf(err, SEER_ELIMIT, "line %d: quoted string longer than %zu bytes", no,
                             cap - 1);
        buf[k++] = c;
    }
    buf[k] = '\0';
    *pp = p;
    return 0;
}

static const char *skip_sp(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* Parses one value inside or outside a flow collection. In flow context a plain scalar
 * ends at ',', ']' or '}'. */
static int parse_flow(struct yp *p, const char **pp, bool in_flow, int no, cJSON **out)
{
    const char *s = skip_sp(*pp);
    char buf[512];
    cJSON *v = NULL, *item = NULL;
    int rc = 0;

    if (++p->depth > YAML_MAX_DEPTH) {
        rc = seer_errf(p->err, SEER_ELIMIT, "line %d: nested deeper than %d", no, YAML_MAX_DEPTH);
        goto out;
    }
    if (*s == '[' || *s == '{') {
        bool is_map = *s == '{';
        char close = is_map ? '}' : ']';

        v = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
        if (!v) {
            rc = seer_errf(p->err, SEER_ENOMEM, "line %d: out of memory", no);
            goto out;
        }
        s = skip_sp(s + 1);
        while (*s != close) {
            char key[512];

            if (*s == '\0') {
                rc = seer_errf(p->err, SEER_EFORMAT,
                               "line %d: unterminated flow collection (it must close on its "
                               "line)",
                               no);
                goto out;
            }
            if (is_map) {
                if (*s == '"' || *s == '\'') {
                    rc = read_quoted(&s, no, key, sizeof(key), p->err);
                    if (rc)
                        goto out;
                } else {
                    size_t k = 0;

                    while (*s && *s != ':' && *s != ',' && *s != '}' && k + 1 < sizeof(key))
                        key[k++] = *s++;
                    while (k > 0 && key[k - 1] == ' ')
                        k--;
                    key[k] = '\0';
                }
                s = skip_sp(s);
                if (*s != ':' || !key[0]) {
                    rc = seer_errf(p->err, SEER_EFORMAT,
                                   "line %d: expected 'key: value' in "
                                   "flow mapping",
                                   no);
                    goto out;
                }
                s++;
                if (cJSON_GetObjectItemCaseSensitive(v, key)) {
                    rc = seer_errf(p->err, SEER_EFORMAT, "line %d: duplicate key '%s'", no, key);
                    goto out;
                }
            }
            rc = parse_flow(p, &s, true, no, &item);
            if (rc)
                goto out;
            if (is_map ? !cJSON_AddItemToObject(v, key, item) : !cJSON_AddItemToArray(v, item)) {
                cJSON_Delete(item);
                rc = seer_errf(p->err, SEER_ENOMEM, "line %d: out of memory", no);
                goto out;
            }
            item = NULL;
            s = skip_sp(s);
            if (*s == '\0') {
                rc = seer_errf(p->err, SEER_EFORMAT,
                               "line %d: unterminated flow collection (it must close on its "
                               "line)",
                               no);
                goto out;
            }
            if (*s == ',')
                s = skip_sp(s + 1);
            else if (*s != close) {
                rc = seer_errf(p->err, SEER_EFORMAT, "line %d: expected ',' or '%c'", no, close);
                goto out;
            }
        }
        s++;
    } else if (*s == '"' || *s == '\'') {
        rc = read_quoted(&s, no, buf, sizeof(buf), p->err);
        if (rc)
            goto out;
        v = cJSON_CreateString(buf);
        if (!v) {
            rc = seer_errf(p->err, SEER_ENOMEM, "line %d: out of memory", no);
            goto out;
        }
    } else {
        const char *e = s;

        while (*e && !(in_flow && (*e == ',' || *e == ']' || *e == '}')))
            e++;
        while (e > s && e[-1] == ' ')
            e--;
        if (in_flow && (*s == '[' || *s == '{'))
            e = s;
        rc = make_plain(s, (size_t)(e - s), no, &v, p->err);
        if (rc)
            goto out;
        s = e;
    }
    *pp = s;
    *out = v;
    v = NULL;
out:
    p->depth--;
    cJSON_Delete(v);
    return rc;
}

/* A whole inline value: one flow value and nothing after it. */
static int parse_inline(struct yp *p, const char *text, int no, cJSON **out)
{
    const char *s = text;
    cJSON *v = NULL;
    int rc = parse_flow(p, &s, false, no, &v);

    if (rc)
        return rc;
    if (*skip_sp(s)) {
        cJSON_Delete(v);
        return seer_errf(p->err, SEER_EFORMAT, "line %d: unexpected text after value", no);
    }
    *out = v;
    return 0;
}

static int parse_seq(struct yp *p, int indent, cJSON **out)
{
    cJSON *arr = cJSON_CreateArray(), *item = NULL;
    int rc = 0;

    if (!arr)
        return seer_errf(p->err, SEER_ENOMEM, "out of memory");
    while (p->i < p->n && p->ln[p->i].indent == indent && is_dash(p->ln[p->i].text)) {
        struct line *l = &p->ln[p->i];
        const char *rest = skip_sp(l->text + 1);

        if (!*rest) {
            p->i++;
            if (p->i < p->n && p->ln[p->i].indent > indent)
                rc = parse_node(p, p->ln[p->i].indent, &item);
            else
                item = cJSON_CreateNull();
        } else {
            /* The item's text is a node of its own, indented to where it starts. */
            l->indent += (int)(rest - l->text);
            l->text = (char *)rest;
            rc = parse_node(p, l->indent, &item);
        }
        if (rc)
            goto out;
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            rc = seer_errf(p->err, SEER_ENOMEM, "out of memory");
            goto out;
        }
        item = NULL;
    }
    if (p->i < p->n && p->ln[p->i].indent > indent) {
        rc = seer_errf(p->err, SEER_EFORMAT, "line %d: unexpected indentation", p->ln[p->i].no);
        goto out;
    }
    *out = arr;
    arr = NULL;
out:
    cJSON_Delete(arr);
    return rc;
}

static int parse_map(struct yp *p, int indent, cJSON **out)
{
    cJSON *obj = cJSON_CreateObject(), *val = NULL;
    int rc = 0;

    if (!obj)
        return seer_errf(p->err, SEER_ENOMEM, "out of memory");
    while (p->i < p->n && p->ln[p->i].indent == indent) {
        struct line *l = &p->ln[p->i];
        const char *s = l->text;
        char key[512];
        size_t k = 0;

        if (is_dash(s)) {
            rc = seer_errf(p->err, SEER_EFORMAT, "line %d: list item where a key was expected",
                           l->no);
            goto out;
        }
        if (*s == '"' || *s == '\'') {
            rc = read_quoted(&s, l->no, key, sizeof(key), p->err);
            if (rc)
                goto out;
            s = skip_sp(s);
        } else {
            while (*s && !(*s == ':' && (s[1] == ' ' || s[1] == '\0')) && k + 1 < sizeof(key))
                key[k++] = *s++;
            while (k > 0 && key[k - 1] == ' ')
                k--;
            key[k] = '\0';
        }
        if (*s != ':' || !key[0]) {
            rc = seer_errf(p->err, SEER_EFORMAT, "line %d: expected 'key: value'", l->no);
            goto out;
        }
        if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
            rc = seer_errf(p->err, SEER_EFORMAT, "line %d: duplicate key '%s'", l->no, key);
            goto out;
        }
        s = skip_sp(s + 1);
        p->i++;
        if (*s)
            rc = parse_inline(p, s, l->no, &val);
        else if (p->i < p->n && p->ln[p->i].indent > indent)
            rc = parse_node(p, p->ln[p->i].indent, &val);
        else if (p->i < p->n && p->ln[p->i].indent == indent && is_dash(p->ln[p->i].text))
            rc = parse_seq(p, indent, &val); /* "key:" then "- a" at the same indent */
        else
            val = cJSON_CreateNull();
        if (rc)
            goto out;
        if (!val || !cJSON_AddItemToObject(obj, key, val)) {
            cJSON_Delete(val);
            rc = seer_errf(p->err, SEER_ENOMEM, "out of memory");
            goto out;
        }
        val = NULL;
    }
    if (p->i < p->n && p->ln[p->i].indent > indent) {
        rc = seer_errf(p->err, SEER_EFORMAT, "line %d: unexpected indentation", p->ln[p->i].no);
        goto out;
    }
    *out = obj;
    obj = NULL;
out:
    cJSON_Delete(obj);
    return rc;
}

/* A key line: "key:" or "key: value" outside quotes, or a quoted key. */
static bool is_key_line(const char *t)
{
    if (*t == '"' || *t == '\'') {
        char q = *t++;

        while (*t && *t != q)
            t++;
        return *t && t[1] == ':';
    }
    if (*t == '[' || *t == '{')
        return false;
    for (; *t; t++)
        if (*t == ':' && (t[1] == ' ' || t[1] == '\0'))
            return true;
    return false;
}

static int parse_node(struct yp *p, int indent, cJSON **out)
{
    struct line *l = &p->ln[p->i];
    int rc;

    if (++p->depth > YAML_MAX_DEPTH) {
        p->depth--;
        return seer_errf(p->err, SEER_ELIMIT, "line %d: nested deeper than %d", l->no,
                         YAML_MAX_DEPTH);
    }
    if (is_dash(l->text))
        rc = parse_seq(p, indent, out);
    else if (is_key_line(l->text))
        rc = parse_map(p, indent, out);
    else {
        p->i++;
        rc = parse_inline(p, l->text, l->no, out);
        if (!rc && p->i < p->n && p->ln[p->i].indent > indent) {
            cJSON_Delete(*out);
            *out = NULL;
            rc = seer_errf(p->err, SEER_EUNSUPPORTED,
                           "line %d: multi-line plain scalars are not supported", p->ln[p->i].no);
        }
    }
    p->depth--;
    return rc;
}

int seer__yaml_parse(const char *text, size_t n, cJSON **out, struct seer_err *err)
{
    struct yp p = {.err = err};
    char *copy = NULL, *pool = NULL;
    size_t pool_n = 0;
    cJSON *root = NULL;
    int rc = 0, no = 0;

    *out = NULL;
    if (n > YAML_MAX_BYTES)
        return seer_errf(err, SEER_ELIMIT, "config larger than %u bytes", YAML_MAX_BYTES);
    size_t n_lines = 1;

    for (size_t k = 0; k < n; k++)
        n_lines += text[k] == '\n';
    if (n_lines > YAML_MAX_LINES)
        n_lines = YAML_MAX_LINES;
    copy = seer_malloc(n + 1);
    /* Joined lines gain at most one blank per line they absorb. */
    pool = seer_malloc(2 * n + 2);
    p.ln = seer_calloc(n_lines, sizeof(*p.ln));
    if (!copy || !p.ln || !pool) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(copy, text, n);
    copy[n] = '\0';
    if (memchr(copy, '\0', n)) {
        rc = seer_errf(err, SEER_EFORMAT, "config contains a NUL byte");
        goto out;
    }
    for (char *s = copy; s && *s;) {
        char *nl = strchr(s, '\n');
        int ind = 0;

        if (nl)
            *nl = '\0';
        no++;
        if (nl && nl > s && nl[-1] == '\r')
            nl[-1] = '\0';
        while (s[ind] == ' ')
            ind++;
        if (s[ind] == '\t') {
            rc = seer_errf(err, SEER_EFORMAT, "line %d: tab in indentation", no);
            goto out;
        }
        rc = strip_comment(s + ind, no, err);
        if (rc)
            goto out;
        if (s[ind] && strcmp(s + ind, "---") && strcmp(s + ind, "...")) {
            if (p.n == n_lines) {
                rc = seer_errf(err, SEER_ELIMIT, "config has more than %d lines", YAML_MAX_LINES);
                goto out;
            }
            if (!strncmp(s + ind, "--- ", 4) || !strncmp(s + ind, "%", 1)) {
                rc = seer_errf(err, SEER_EUNSUPPORTED,
                               "line %d: directives and inline documents are not supported", no);
                goto out;
            }
            char *lt = s + ind;
            int first = no;

            /* A flow collection may span lines: join them, as YAML folds them. */
            if (flow_depth(lt) > 0) {
                size_t k = strlen(lt);

                memcpy(pool + pool_n, lt, k);
                lt = pool + pool_n;
                lt[k] = '\0';
                while (flow_depth(lt) > 0 && nl) {
                    char *t2 = nl + 1;

                    nl = strchr(t2, '\n');
                    if (nl)
                        *nl = '\0';
                    no++;
                    if (nl && nl > t2 && nl[-1] == '\r')
                        nl[-1] = '\0';
                    while (*t2 == ' ' || *t2 == '\t')
                        t2++;
                    rc = strip_comment(t2, no, err);
                    if (rc)
                        goto out;
                    lt[k] = '\0';
                    if (*t2) {
                        size_t k2 = strlen(t2);

                        lt[k++] = ' ';
                        memcpy(lt + k, t2, k2);
                        k += k2;
                        lt[k] = '\0';
                    }
                }
                lt[k] = '\0';
                pool_n += k + 1;
                if (flow_depth(lt) > 0) {
                    rc = seer_errf(err, SEER_EFORMAT, "line %d: unterminated flow collection",
                                   first);
                    goto out;
                }
            }
            p.ln[p.n++] = (struct line){.no = first, .indent = ind, .text = lt};
        } else if (!strcmp(s + ind, "---") && p.n > 0) {
            rc = seer_errf(err, SEER_EUNSUPPORTED, "line %d: only one document is supported", no);
            goto out;
        }
        s = nl ? nl + 1 : NULL;
    }
    if (p.n == 0) {
        rc = seer_errf(err, SEER_EFORMAT, "config is empty");
        goto out;
    }
    rc = parse_node(&p, p.ln[0].indent, &root);
    if (rc)
        goto out;
    if (p.i < p.n) {
        rc = seer_errf(err, SEER_EFORMAT, "line %d: unexpected indentation", p.ln[p.i].no);
        goto out;
    }
    *out = root;
    root = NULL;
out:
    cJSON_Delete(root);
    seer_free(p.ln);
    seer_free(copy);
    seer_free(pool);
    return rc;
}
