/* TensorFlow data types, base64 and attribute lookup (see tfattr.h). */
#include "import/tfattr.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int dt;
} dt_names[] = {
    {"DT_FLOAT", SEER__TF_DT_FLOAT},       {"DT_DOUBLE", SEER__TF_DT_DOUBLE},
    {"DT_INT32", SEER__TF_DT_INT32},       {"DT_UINT8", SEER__TF_DT_UINT8},
    {"DT_INT16", SEER__TF_DT_INT16},       {"DT_INT8", SEER__TF_DT_INT8},
    {"DT_STRING", SEER__TF_DT_STRING},     {"DT_COMPLEX64", SEER__TF_DT_COMPLEX64},
    {"DT_INT64", SEER__TF_DT_INT64},       {"DT_BOOL", SEER__TF_DT_BOOL},
    {"DT_BFLOAT16", SEER__TF_DT_BFLOAT16}, {"DT_UINT16", SEER__TF_DT_UINT16},
    {"DT_HALF", SEER__TF_DT_HALF},         {"DT_UINT32", SEER__TF_DT_UINT32},
    {"DT_UINT64", SEER__TF_DT_UINT64},
};

bool seer__tf_dt_parse(const char *s, int *out)
{
    for (size_t i = 0; i < sizeof(dt_names) / sizeof(dt_names[0]); i++) {
        if (!strcmp(dt_names[i].name, s)) {
            *out = dt_names[i].dt;
            return true;
        }
    }
    return false;
}

const char *seer__tf_dt_name(int dt)
{
    for (size_t i = 0; i < sizeof(dt_names) / sizeof(dt_names[0]); i++)
        if (dt_names[i].dt == dt)
            return dt_names[i].name;
    return dt == SEER__TF_DT_INVALID ? "DT_INVALID" : "DT_(unknown)";
}

bool seer__tf_dt_to_seer(int dt, bool tfjs, enum seer_dtype *out)
{
    switch (dt) {
    case SEER__TF_DT_FLOAT: *out = SEER_DTYPE_F32; return true;
    case SEER__TF_DT_HALF: *out = tfjs ? SEER_DTYPE_F32 : SEER_DTYPE_F16; return true;
    case SEER__TF_DT_DOUBLE:
    case SEER__TF_DT_BFLOAT16:
        if (!tfjs)
            return false;
        *out = SEER_DTYPE_F32;
        return true;
    case SEER__TF_DT_INT32: *out = SEER_DTYPE_I32; return true;
    case SEER__TF_DT_INT64: *out = tfjs ? SEER_DTYPE_I32 : SEER_DTYPE_I64; return true;
    case SEER__TF_DT_UINT8: *out = tfjs ? SEER_DTYPE_I32 : SEER_DTYPE_U8; return true;
    case SEER__TF_DT_INT8: *out = tfjs ? SEER_DTYPE_I32 : SEER_DTYPE_I8; return true;
    case SEER__TF_DT_INT16: *out = tfjs ? SEER_DTYPE_I32 : SEER_DTYPE_I16; return true;
    case SEER__TF_DT_UINT16:
    case SEER__TF_DT_UINT32:
    case SEER__TF_DT_UINT64:
        if (!tfjs)
            return false;
        *out = SEER_DTYPE_I32;
        return true;
    case SEER__TF_DT_BOOL: *out = SEER_DTYPE_BOOL; return true;
    default: return false;
    }
}

/* Value of a base64 digit (both alphabets), or -1. */
static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool seer__base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_n)
{
    uint32_t acc = 0;
    size_t o = 0;
    int bits = 0;

    /* Padding is optional (URL-safe encoders drop it) but only allowed at the end. */
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *out_n = o;
    return true;
}

const struct seer__tf_attr *seer__tf_attr_find(const struct seer__tf_node *nd, const char *name)
{
    for (int i = 0; i < nd->n_attr; i++)
        if (!strcmp(nd->attr[i].name, name))
            return &nd->attr[i];
    return NULL;
}

bool seer__tf_bytes_eq(struct seer__tf_bytes b, const char *s)
{
    size_t n = strlen(s);

    return b.n == n && (n == 0 || !memcmp(b.p, s, n));
}
