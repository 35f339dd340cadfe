/* Label maps: COCO's 80 class names with their official category ids, and labels files. */
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"

/* COCO 2017 keeps the 91 category ids of the original paper but annotates only 80 of
 * them (ids 12, 26, 29, 30, 45, 66, 68, 69, 71 and 83 are unused), so the 80-class index
 * a detector outputs is not its category id: results files need the id. */
static const struct {
    const char *name;
    int id;
} coco[SEER__COCO80_N] = {
    {"person", 1},         {"bicycle", 2},       {"car", 3},
    {"motorcycle", 4},     {"airplane", 5},      {"bus", 6},
    {"train", 7},          {"truck", 8},         {"boat", 9},
    {"traffic light", 10}, {"fire hydrant", 11}, {"stop sign", 13},
    {"parking meter", 14}, {"bench", 15},        {"bird", 16},
    {"cat", 17},           {"dog", 18},          {"horse", 19},
    {"sheep", 20},         {"cow", 21},          {"elephant", 22},
    {"bear", 23},          {"zebra", 24},        {"giraffe", 25},
    {"backpack", 27},      {"umbrella", 28},     {"handbag", 31},
    {"tie", 32},           {"suitcase", 33},     {"frisbee", 34},
    {"skis", 35},          {"snowboard", 36},    {"sports ball", 37},
    {"kite", 38},          {"baseball bat", 39}, {"baseball glove", 40},
    {"skateboard", 41},    {"surfboard", 42},    {"tennis racket", 43},
    {"bottle", 44},        {"wine glass", 46},   {"cup", 47},
    {"fork", 48},          {"knife", 49},        {"spoon", 50},
    {"bowl", 51},          {"banana", 52},       {"apple", 53},
    {"sandwich", 54},      {"orange", 55},       {"broccoli", 56},
    {"carrot", 57},        {"hot dog", 58},      {"pizza", 59},
    {"donut", 60},         {"cake", 61},         {"chair", 62},
    {"couch", 63},         {"potted plant", 64}, {"bed", 65},
    {"dining table", 67},  {"toilet", 70},       {"tv", 72},
    {"laptop", 73},        {"mouse", 74},        {"remote", 75},
    {"keyboard", 76},      {"cell phone", 77},   {"microwave", 78},
    {"oven", 79},          {"toaster", 80},      {"sink", 81},
    {"refrigerator", 82},  {"book", 84},         {"clock", 85},
    {"vase", 86},          {"scissors", 87},     {"teddy bear", 88},
    {"hair drier", 89},    {"toothbrush", 90},
};

const char *seer__coco80_name(int i)
{
    return i >= 0 && i < SEER__COCO80_N ? coco[i].name : NULL;
}

int seer__coco91_id(int i)
{
    return i >= 0 && i < SEER__COCO80_N ? coco[i].id : -1;
}

int seer__coco91_id_of_name(const char *name)
{
    for (int i = 0; i < SEER__COCO80_N; i++)
        if (!strcmp(coco[i].name, name))
            return coco[i].id;
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Labels files are small; a cap keeps a wrong file (a weights shard named labels.txt)
 * from turning into a million "labels". */
#define MAX_LABELS 100000

int seer__labels_parse(const char *text, size_t n, const char *what, struct seer_arena *a,
                       const char ***names, int *n_names, struct seer_err *err)
{
    const char **v = NULL;
    int count = 0, last_nonblank = 0;
    size_t pos = 0;

    *names = NULL;
    *n_names = 0;
    /* First pass counts lines so the array is allocated once. */
    for (size_t k = 0; k < n; k++) {
        if (text[k] == '\0')
            return seer_errf(err, SEER_EFORMAT, "%s: NUL byte at offset %zu (not a text file)",
                             what, k);
        if (text[k] == '\n' && ++count >= MAX_LABELS)
            return seer_errf(err, SEER_ELIMIT, "%s: more than %d lines", what, MAX_LABELS);
    }
    v = seer_arena_array(a, (size_t)count + 1, sizeof(*v));
    if (!v)
        return seer_errf(err, SEER_ENOMEM, "%s: out of memory", what);
    count = 0;
    for (;;) {
        size_t b = pos, e = pos, next;

        while (e < n && text[e] != '\n')
            e++;
        next = e;
        while (b < e && is_space(text[b]))
            b++;
        while (e > b && is_space(text[e - 1]))
            e--;
        v[count] = seer_arena_strndup(a, text + b, e - b);
        if (!v[count])
            return seer_errf(err, SEER_ENOMEM, "%s: out of memory", what);
        count++;
        if (e > b)
            last_nonblank = count;
        if (next >= n)
            break;
        pos = next + 1;
    }
    /* Blank lines at the end (a final newline, an editor's extra line) are not classes;
     * a blank line before a name would shift every later id, so it is an error. */
    for (int k = 0; k < last_nonblank; k++)
        if (!v[k][0])
            return seer_errf(err, SEER_EFORMAT, "%s: line %d is blank", what, k + 1);
    *names = v;
    *n_names = last_nonblank;
    return SEER_OK;
}
