/*
 * TensorFlow Object Detection API label maps: a StringIntLabelMap in protobuf text
 * format (label_map.pbtxt), e.g.
 *
 *     item { name: "/m/01g317" id: 1 display_name: "person" }
 *     item { id: 2 name: 'cat' }
 *
 * A small bounded parser written for this: comments (#), both quote styles with C
 * escapes, optional ':' before a message, '{' or '<' around it, ';' or ',' between
 * fields; fields other than item, id, name and display_name (and anything inside them)
 * are skipped. Names are by id: names[id] is display_name, or name without one; ids
 * between are "???" placeholders, and so is index 0, the background the OD API never
 * names (its models number classes from 1), so a class number indexes the list directly.
 * Errors name the line and column.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"

#define MAX_ID    100000
#define MAX_DEPTH 32
#define MAX_NAME  1024

struct lex {
    const char *p, *end, *start;
    const char *what;
    struct seer_err *err;
};

enum tok { T_END, T_IDENT, T_NUM, T_STR, T_PUNCT, T_BAD };

struct token {
    enum tok kind;
    const char *s; /* T_IDENT, T_NUM, T_PUNCT: the text; T_STR: the quoted text */
    size_t n;
};

static int where(const struct lex *x, const char *at, int *col)
{
    int line = 1;
    const char *ls = x->start;

    for (const char *q = x->start; q < at; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    *col = (int)(at - ls) + 1;
    return line;
}

static int bad(const struct lex *x, const char *at, const char *msg)
{
    int col, line = where(x, at, &col);

    return seer_errf(x->err, SEER_EFORMAT, "%s: line %d, column %d: %s", x->what, line, col, msg);
}

static void skip_space(struct lex *x)
{
    while (x->p < x->end) {
        if (*x->p == '#') {
            while (x->p < x->end && *x->p != '\n')
                x->p++;
        } else if (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n') {
            x->p++;
        } else {
            break;
        }
    }
}

static bool ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

static int next(struct lex *x, struct token *t)
{
    skip_space(x);
    t->s = x->p;
    t->n = 0;
    if (x->p >= x->end) {
        t->kind = T_END;
        return SEER_OK;
    }
    char c = *x->p;
    if (ident_char(c, true)) {
        while (x->p < x->end && ident_char(*x->p, false))
            x->p++;
        t->kind = T_IDENT;
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
        x->p++;
        while (x->p < x->end && (ident_char(*x->p, false) || *x->p == '-' || *x->p == '+'))
            x->p++;
        t->kind = T_NUM;
    } else if (c == '"' || c == '\'') {
        x->p++;
        while (x->p < x->end && *x->p != c && *x->p != '\n') {
            if (*x->p == '\\' && x->p + 1 < x->end)
                x->p++;
            x->p++;
        }
        if (x->p >= x->end || *x->p != c)
            return bad(x, t->s, "a string is not closed on its line");
        x->p++;
        t->kind = T_STR;
    } else if (c && strchr("{}<>:;,[]", c)) {
        x->p++;
        t->kind = T_PUNCT;
    } else {
        return bad(x, t->s, "unexpected character");
    }
    t->n = (size_t)(x->p - t->s);
    return SEER_OK;
}

static bool is(const struct token *t, enum tok kind, const char *s)
{
    return t->kind == kind && t->n == strlen(s) && !memcmp(t->s, s, t->n);
}

/* The text of a quoted string token, unescaped, into a (NUL-terminated). */
static int unquote(const struct lex *x, const struct token *t, struct seer_arena *a, char **out)
{
    char *o = seer_arena_alloc(a, t->n + 1);
    size_t k = 0;

    if (!o)
        return seer_errf(x->err, SEER_ENOMEM, "out of memory");
    for (size_t i = 1; i + 1 < t->n; i++) {
        char c = t->s[i];
        if (c == '\\') {
            c = t->s[++i];
            if (c >= '0' && c <= '7') {
                int v = 0;
                for (int d = 0; d < 3 && i + 1 < t->n && t->s[i] >= '0' && t->s[i] <= '7'; d++)
                    v = v * 8 + (t->s[i++] - '0');
                i--;
                c = (char)v;
            } else {
                c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
            }
        }
        if (c == '\0')
            return bad(x, t->s, "a name contains a NUL byte");
        o[k++] = c;
    }
    o[k] = '\0';
    if (k > MAX_NAME)
        return bad(x, t->s, "a name is too long");
    *out = o;
    return SEER_OK;
}

/* Skips one field value after its name (and optional ':'): a message, a list or a
 * scalar, nested to any depth up to MAX_DEPTH. */
static int skip_value(struct lex *x, struct token *t)
{
    int depth = 0, rc;

    do {
        if (t->kind == T_END)
            return bad(x, t->s, "the file ends inside a field");
        if (is(t, T_PUNCT, "{") || is(t, T_PUNCT, "<") || is(t, T_PUNCT, "[")) {
            if (++depth > MAX_DEPTH)
                return bad(x, t->s, "nested too deep");
        } else if (is(t, T_PUNCT, "}") || is(t, T_PUNCT, ">") || is(t, T_PUNCT, "]")) {
            if (--depth < 0)
                return bad(x, t->s, "unbalanced brackets");
        }
        if (depth == 0)
            return SEER_OK;
        if ((rc = next(x, t)))
            return rc;
    } while (1);
}

/* After a field name: an optional ':' and the value's first token in *t. */
static int value_start(struct lex *x, struct token *t)
{
    int rc = next(x, t);

    if (!rc && is(t, T_PUNCT, ":"))
        rc = next(x, t);
    return rc;
}

static int parse_item(struct lex *x, struct seer_arena *a, int64_t *id, char **name, char **display)
{
    struct token t, v;
    bool angle;
    int rc = value_start(x, &t);

    if (rc)
        return rc;
    if (!is(&t, T_PUNCT, "{") && !is(&t, T_PUNCT, "<"))
        return bad(x, t.s, "item must be a message { ... }");
    angle = is(&t, T_PUNCT, "<");
    *id = -1;
    for (;;) {
        if ((rc = next(x, &t)))
            return rc;
        if (is(&t, T_PUNCT, angle ? ">" : "}"))
            return SEER_OK;
        if (is(&t, T_PUNCT, ";") || is(&t, T_PUNCT, ","))
            continue;
        if (t.kind != T_IDENT)
            return bad(x, t.s,
                       t.kind == T_END ? "the file ends inside an item" : "expected a field name");
        if ((rc = value_start(x, &v)))
            return rc;
        if (is(&t, T_IDENT, "id")) {
            char num[32];
            long long val;
            int used = 0;
            if (v.kind != T_NUM || v.n >= sizeof(num))
                return bad(x, v.s, "id must be a number");
            memcpy(num, v.s, v.n);
            num[v.n] = '\0';
            if (sscanf(num, "%lld%n", &val, &used) != 1 || (size_t)used != v.n)
                return bad(x, v.s, "id must be a whole number");
            *id = val;
        } else if (is(&t, T_IDENT, "name") || is(&t, T_IDENT, "display_name")) {
            if (v.kind != T_STR)
                return bad(x, v.s, "a name must be a quoted string");
            rc = unquote(x, &v, a, is(&t, T_IDENT, "name") ? name : display);
        } else {
            rc = skip_value(x, &v);
        }
        if (rc)
            return rc;
    }
}

int seer__labelmap_parse(const char *text, size_t n, const char *what, struct seer_arena *a,
                         const char ***names, int *n_names, struct seer_err *err)
{
    struct lex x = {text, text + n, text, what, err};
    const char **out = NULL;
    int64_t max_id = 0;
    struct token t;
    int rc, pass;

    *names = NULL;
    *n_names = 0;
    /* Two passes: the first finds the largest id, the second fills the list. */
    for (pass = 0; pass < 2; pass++) {
        x.p = text;
        for (;;) {
            int64_t id = -1;
            char *name = NULL, *display = NULL;
            const char *at;
            if ((rc = next(&x, &t)))
                return rc;
            if (t.kind == T_END)
                break;
            if (is(&t, T_PUNCT, ";") || is(&t, T_PUNCT, ","))
                continue;
            if (t.kind != T_IDENT)
                return bad(&x, t.s, "expected a field name");
            if (!is(&t, T_IDENT, "item")) {
                struct token v;
                if ((rc = value_start(&x, &v)) || (rc = skip_value(&x, &v)))
                    return rc;
                continue;
            }
            at = t.s;
            if ((rc = parse_item(&x, a, &id, &name, &display)))
                return rc;
            if (id < 0 || id > MAX_ID)
                return bad(&x, at, id < 0 ? "an item has no id" : "an id is over 100000");
            if (!name && !display)
                return bad(&x, at, "an item has neither name nor display_name");
            if (id == 0)
                continue; /* the background: never a detection */
            if (pass == 0) {
                max_id = id > max_id ? id : max_id;
            } else {
                if (out[id])
                    return bad(&x, at, "two items have this id");
                out[id] = display ? display : name;
            }
        }
        if (pass == 0) {
            if (max_id == 0)
                return seer_errf(err, SEER_EFORMAT, "%s: no items with an id above 0", what);
            out = seer_arena_array(a, (size_t)max_id + 1, sizeof(*out));
            if (!out)
                return seer_errf(err, SEER_ENOMEM, "out of memory");
        }
    }
    for (int64_t i = 0; i <= max_id; i++)
        if (!out[i])
            out[i] = "???";
    *names = out;
    *n_names = (int)max_id + 1;
    return SEER_OK;
}
