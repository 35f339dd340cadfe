/*
 * Loading COCO annotation files and COCO results files.
 *
 * The big arrays ("annotations", the results list) are walked here one element at a time
 * and each element is handed to cJSON on its own: a 5000-image results file has half a
 * million detections, and one cJSON tree of it would take hundreds of megabytes.
 */
#include "eval/coco.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"

/* COCO's instances_val2017.json with segmentations is 25 MB; results files are smaller. */
#define MAX_FILE_BYTES ((size_t)2 << 30)

/* Doubles hold every integer up to 2^53 exactly; COCO ids are far below. */
#define MAX_EXACT_INT 9007199254740992.0

/* A cursor over JSON text. */
struct jrd {
    const char *base; /* start of the text, for offsets */
    const char *p;
    const char *end;
    struct seer_err *err;
};

/* A growable array of fixed-size elements. */
struct vec {
    void *p;
    size_t n, cap;
};

static void *vec_push(struct vec *v, size_t elem_bytes)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64, bytes;
        void *p;

        if (!seer_mul_size(cap, elem_bytes, &bytes))
            return NULL;
        p = seer_realloc(v->p, bytes);
        if (!p)
            return NULL;
        v->p = p;
        v->cap = cap;
    }
    return (char *)v->p + v->n++ * elem_bytes;
}

static void jr_ws(struct jrd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* Fails with a message that starts with the line, column and offset of at. */
static int jr_fail(struct jrd *r, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int jr_fail(struct jrd *r, const char *at, const char *fmt, ...)
{
    char what[192];
    size_t line = 1, col = 1;
    va_list ap;

    for (const char *q = r->base; q < at; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return seer_errf(r->err, SEER_EFORMAT, "line %zu, column %zu (offset %td): %s", line, col,
                     at - r->base, what);
}

/* Parses the one JSON value at the cursor and moves past it. */
static int jr_value(struct jrd *r, cJSON **out)
{
    const char *endp = NULL;
    cJSON *v;

    *out = NULL;
    jr_ws(r);
    if (r->p >= r->end)
        return jr_fail(r, r->p, "unexpected end of input");
    v = cJSON_ParseWithLengthOpts(r->p, (size_t)(r->end - r->p), &endp, 0);
    if (!v)
        return jr_fail(r, endp && endp >= r->p && endp <= r->end ? endp : r->p, "invalid JSON");
    r->p = endp;
    *out = v;
    return SEER_OK;
}

static bool jr_eat(struct jrd *r, char c)
{
    jr_ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return true;
    }
    return false;
}

/* Called for element i of a JSON array; the message names the array and index. */
struct jr_elem_fn {
    int (*fn)(void *ctx, const cJSON *v, size_t i, struct seer_err *err);
    void *ctx;
};

/* Walks the JSON array at the cursor, parsing and handing over one element at a time. */
static int jr_array(struct jrd *r, const char *name, struct jr_elem_fn f)
{
    size_t i = 0;

    jr_ws(r);
    if (!jr_eat(r, '['))
        return jr_fail(r, r->p, "%s: expected an array", name);
    if (jr_eat(r, ']'))
        return SEER_OK;
    for (;;) {
        cJSON *v;
        int rc = jr_value(r, &v);

        if (rc)
            return rc;
        rc = f.fn(f.ctx, v, i, r->err);
        cJSON_Delete(v);
        if (rc)
            return rc;
        i++;
        if (jr_eat(r, ','))
            continue;
        if (jr_eat(r, ']'))
            return SEER_OK;
        return jr_fail(r, r->p, "%s: expected ',' or ']' after element %zu", name, i - 1);
    }
}

static void jr_skip_bom(struct jrd *r)
{
    if (r->end - r->p >= 3 && !memcmp(r->p, "\xef\xbb\xbf", 3))
        r->p += 3;
}

static int jr_finish(struct jrd *r)
{
    jr_ws(r);
    if (r->p != r->end)
        return jr_fail(r, r->p, "unexpected text after the end of the JSON document");
    return SEER_OK;
}

/* Field readers. arr and i name the element in messages ("annotations[3].bbox"). */

static const cJSON *field(const cJSON *o, const char *key, const char *arr, size_t i,
                          struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v)
        seer_errf(err, SEER_EFORMAT, "%s[%zu]: missing \"%s\"", arr, i, key);
    return v;
}

static int get_num(const cJSON *o, const char *key, const char *arr, size_t i, double *out,
                   struct seer_err *err)
{
    const cJSON *v = field(o, key, arr, i, err);

    if (!v)
        return SEER_EFORMAT;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].%s: expected a finite number", arr, i, key);
    *out = v->valuedouble;
    return SEER_OK;
}

/* COCO ids are JSON integers; a fraction or a string is a mistake worth naming. */
static int get_id(const cJSON *o, const char *key, const char *arr, size_t i, int64_t *out,
                  struct seer_err *err)
{
    double d;
    int rc = get_num(o, key, arr, i, &d, err);

    if (rc)
        return rc;
    if (d != floor(d) || fabs(d) > MAX_EXACT_INT)
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].%s: expected an integer id, got %.17g", arr, i,
                         key, d);
    *out = (int64_t)d;
    return SEER_OK;
}

static int get_bbox(const cJSON *o, const char *arr, size_t i, double out[4], struct seer_err *err)
{
    const cJSON *v = field(o, "bbox", arr, i, err);
    int n, j = 0;
    const cJSON *e;

    if (!v)
        return SEER_EFORMAT;
    if (!cJSON_IsArray(v))
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].bbox: expected an array [x, y, w, h]", arr, i);
    n = cJSON_GetArraySize(v);
    if (n != 4)
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].bbox: expected 4 numbers [x, y, w, h], got %d",
                         arr, i, n);
    for (e = v->child; e; e = e->next) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
            return seer_errf(err, SEER_EFORMAT, "%s[%zu].bbox[%d]: expected a finite number", arr,
                             i, j);
        out[j++] = e->valuedouble;
    }
    return SEER_OK;
}

static int want_object(const cJSON *v, const char *arr, size_t i, struct seer_err *err)
{
    if (!cJSON_IsObject(v))
        return seer_errf(err, SEER_EFORMAT, "%s[%zu]: expected an object", arr, i);
    if (i >= SEER__COCO_MAX_ITEMS)
        return seer_errf(err, SEER_ELIMIT, "%s: more than %zu elements", arr, SEER__COCO_MAX_ITEMS);
    return SEER_OK;
}

/* Optional string field: absent or null gives NULL; anything else but a string is an error. */
static int get_opt_str(const cJSON *o, const char *key, const char *arr, size_t i,
                       struct seer_arena *a, const char **out, struct seer_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return SEER_OK;
    if (!cJSON_IsString(v))
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].%s: expected a string", arr, i, key);
    *out = seer_arena_strdup(a, v->valuestring);
    return *out ? SEER_OK : seer_errf(err, SEER_ENOMEM, "out of memory");
}

/* Ground truth */

/* An annotation as read, before its ids are resolved to indices. */
struct raw_ann {
    int64_t image_id, category_id;
    double bbox[4];
    double area;
    bool crowd;
};

struct gt_load {
    struct vec images, cats, anns;
    struct seer_arena *strings;
};

static int on_image(void *ctx, const cJSON *v, size_t i, struct seer_err *err)
{
    struct gt_load *g = ctx;
    struct seer_eval_image im = {0};
    double d;
    int rc;

    if ((rc = want_object(v, "images", i, err)) || (rc = get_id(v, "id", "images", i, &im.id, err)))
        return rc;
    rc = get_opt_str(v, "file_name", "images", i, g->strings, &im.file_name, err);
    if (rc)
        return rc;
    if (cJSON_GetObjectItemCaseSensitive(v, "width")) {
        if ((rc = get_num(v, "width", "images", i, &d, err)))
            return rc;
        im.width = d >= 0 && d < MAX_EXACT_INT ? (int64_t)d : 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(v, "height")) {
        if ((rc = get_num(v, "height", "images", i, &d, err)))
            return rc;
        im.height = d >= 0 && d < MAX_EXACT_INT ? (int64_t)d : 0;
    }
    struct seer_eval_image *slot = vec_push(&g->images, sizeof(*slot));
    if (!slot)
        return seer_errf(err, SEER_ENOMEM, "out of memory at images[%zu]", i);
    *slot = im;
    return SEER_OK;
}

static int on_category(void *ctx, const cJSON *v, size_t i, struct seer_err *err)
{
    struct gt_load *g = ctx;
    struct seer_eval_category c = {0};
    int rc;

    if ((rc = want_object(v, "categories", i, err)) ||
        (rc = get_id(v, "id", "categories", i, &c.id, err)) ||
        (rc = get_opt_str(v, "name", "categories", i, g->strings, &c.name, err)))
        return rc;
    struct seer_eval_category *slot = vec_push(&g->cats, sizeof(*slot));
    if (!slot)
        return seer_errf(err, SEER_ENOMEM, "out of memory at categories[%zu]", i);
    *slot = c;
    return SEER_OK;
}

static int on_annotation(void *ctx, const cJSON *v, size_t i, struct seer_err *err)
{
    static const char arr[] = "annotations";
    struct gt_load *g = ctx;
    struct raw_ann a = {0};
    const cJSON *crowd;
    int rc;

    if ((rc = want_object(v, arr, i, err)) ||
        (rc = get_id(v, "image_id", arr, i, &a.image_id, err)) ||
        (rc = get_id(v, "category_id", arr, i, &a.category_id, err)) ||
        (rc = get_bbox(v, arr, i, a.bbox, err)) || (rc = get_num(v, "area", arr, i, &a.area, err)))
        return rc;
    /* pycocotools reads iscrowd with int() and treats any non-zero value as a crowd. */
    crowd = field(v, "iscrowd", arr, i, err);
    if (!crowd)
        return SEER_EFORMAT;
    if (cJSON_IsBool(crowd))
        a.crowd = cJSON_IsTrue(crowd);
    else if (cJSON_IsNumber(crowd) && isfinite(crowd->valuedouble))
        a.crowd = (int64_t)crowd->valuedouble != 0;
    else
        return seer_errf(err, SEER_EFORMAT, "%s[%zu].iscrowd: expected 0 or 1", arr, i);
    struct raw_ann *slot = vec_push(&g->anns, sizeof(*slot));
    if (!slot)
        return seer_errf(err, SEER_ENOMEM, "out of memory at annotations[%zu]", i);
    *slot = a;
    return SEER_OK;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static int cmp_image(const void *a, const void *b)
{
    return cmp_i64(((const struct seer_eval_image *)a)->id,
                   ((const struct seer_eval_image *)b)->id);
}

static int cmp_category(const void *a, const void *b)
{
    return cmp_i64(((const struct seer_eval_category *)a)->id,
                   ((const struct seer_eval_category *)b)->id);
}

static int cmp_box(const void *pa, const void *pb)
{
    const struct seer__coco_box *a = pa, *b = pb;

    if (a->cat != b->cat)
        return a->cat < b->cat ? -1 : 1;
    return a->img < b->img ? -1 : a->img > b->img;
}

int64_t seer__coco_find_image(const struct seer_eval_gt *gt, int64_t id)
{
    size_t lo = 0, hi = gt->n_images;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gt->images[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < gt->n_images && gt->images[lo].id == id ? (int64_t)lo : -1;
}

int64_t seer__coco_find_category(const struct seer_eval_gt *gt, int64_t id)
{
    size_t lo = 0, hi = gt->n_cats;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gt->cats[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < gt->n_cats && gt->cats[lo].id == id ? (int64_t)lo : -1;
}

/* Sorts by id and drops repeated ids, as pycocotools' id-keyed dicts do. Which duplicate's
 * name survives is unspecified; only ids take part in evaluation. */
static size_t sort_unique(void *p, size_t n, size_t elem, int (*cmp)(const void *, const void *))
{
    size_t out = 0;

    if (n > 1)
        qsort(p, n, elem, cmp);
    for (size_t i = 0; i < n; i++) {
        char *e = (char *)p + i * elem;
        if (out && !cmp((char *)p + (out - 1) * elem, e))
            continue;
        if (out != i)
            memcpy((char *)p + out * elem, e, elem);
        out++;
    }
    return out;
}

/* Resolves ids to indices, drops boxes of unlisted images or categories, and sorts the rest
 * by (category, image) keeping file order inside each cell. */
static int build_boxes(struct seer_eval_gt *gt, const struct raw_ann *raw, size_t n,
                       struct seer_err *err)
{
    gt->boxes = seer_calloc(n ? n : 1, sizeof(*gt->boxes));
    if (!gt->boxes)
        return seer_errf(err, SEER_ENOMEM, "out of memory for %zu annotations", n);
    for (size_t i = 0; i < n; i++) {
        int64_t img = seer__coco_find_image(gt, raw[i].image_id);
        int64_t cat = seer__coco_find_category(gt, raw[i].category_id);
        struct seer__coco_box *b = &gt->boxes[gt->n_boxes];

        if (img < 0 || cat < 0)
            continue;
        b->img = (uint32_t)img;
        b->cat = (uint32_t)cat;
        memcpy(b->bbox, raw[i].bbox, sizeof(b->bbox));
        b->area = raw[i].area;
        b->crowd = raw[i].crowd;
        gt->n_boxes++;
    }
    /* Boxes are still in file order here; a stable sort keeps that order in each cell.
     * qsort is not stable, so sort (key, position) pairs by hand via a merge sort. */
    struct seer__coco_box *tmp = seer_calloc(gt->n_boxes ? gt->n_boxes : 1, sizeof(*tmp));
    if (!tmp)
        return seer_errf(err, SEER_ENOMEM, "out of memory sorting annotations");
    for (size_t w = 1; w < gt->n_boxes; w *= 2) {
        for (size_t lo = 0; lo < gt->n_boxes; lo += 2 * w) {
            size_t mid = lo + w < gt->n_boxes ? lo + w : gt->n_boxes;
            size_t hi = mid + w < gt->n_boxes ? mid + w : gt->n_boxes;
            size_t a = lo, b = mid, k = lo;

            while (a < mid && b < hi)
                tmp[k++] =
                    cmp_box(&gt->boxes[b], &gt->boxes[a]) < 0 ? gt->boxes[b++] : gt->boxes[a++];
            while (a < mid)
                tmp[k++] = gt->boxes[a++];
            while (b < hi)
                tmp[k++] = gt->boxes[b++];
        }
        memcpy(gt->boxes, tmp, gt->n_boxes * sizeof(*tmp));
    }
    seer_free(tmp);
    return SEER_OK;
}

static int gt_parse_top(struct jrd *r, struct gt_load *g)
{
    bool seen[3] = {false, false, false};
    static const char *const keys[3] = {"images", "annotations", "categories"};
    struct jr_elem_fn fns[3] = {{on_image, g}, {on_annotation, g}, {on_category, g}};
    int rc;

    jr_skip_bom(r);
    jr_ws(r);
    if (!jr_eat(r, '{'))
        return jr_fail(r, r->p, "expected a JSON object (a COCO annotation file)");
    if (!jr_eat(r, '}')) {
        for (;;) {
            cJSON *key, *skip;
            int which = -1;

            jr_ws(r);
            const char *at = r->p;
            if ((rc = jr_value(r, &key)))
                return rc;
            if (!cJSON_IsString(key)) {
                cJSON_Delete(key);
                return jr_fail(r, at, "expected a key string");
            }
            for (int k = 0; k < 3; k++)
                if (!strcmp(key->valuestring, keys[k]))
                    which = k;
            cJSON_Delete(key);
            if (!jr_eat(r, ':'))
                return jr_fail(r, r->p, "expected ':' after a key");
            if (which >= 0) {
                if (seen[which])
                    return jr_fail(r, at, "\"%s\" appears twice", keys[which]);
                seen[which] = true;
                if ((rc = jr_array(r, keys[which], fns[which])))
                    return rc;
            } else {
                /* "info", "licenses" and extensions take no part in evaluation. */
                if ((rc = jr_value(r, &skip)))
                    return rc;
                cJSON_Delete(skip);
            }
            if (jr_eat(r, ','))
                continue;
            if (jr_eat(r, '}'))
                break;
            return jr_fail(r, r->p, "expected ',' or '}' in the top-level object");
        }
    }
    if ((rc = jr_finish(r)))
        return rc;
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return seer_errf(r->err, SEER_EFORMAT, "missing \"%s\" (not a COCO annotation file)",
                             keys[k]);
    return SEER_OK;
}

int seer_eval_gt_parse(const char *text, size_t n_bytes, struct seer_eval_gt **out,
                       struct seer_err *err)
{
    struct jrd r = {text, text, text + n_bytes, err};
    struct gt_load g = {0};
    struct seer_eval_gt *gt = NULL;
    int rc;

    *out = NULL;
    g.strings = seer_arena_new(16384);
    gt = seer_calloc(1, sizeof(*gt));
    if (!g.strings || !gt) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = gt_parse_top(&r, &g)))
        goto out;
    gt->strings = g.strings;
    g.strings = NULL;
    gt->images = g.images.p;
    gt->n_images = sort_unique(g.images.p, g.images.n, sizeof(*gt->images), cmp_image);
    g.images.p = NULL;
    gt->cats = g.cats.p;
    gt->n_cats = sort_unique(g.cats.p, g.cats.n, sizeof(*gt->cats), cmp_category);
    g.cats.p = NULL;
    if ((rc = build_boxes(gt, g.anns.p, g.anns.n, err)))
        goto out;
    *out = gt;
    gt = NULL;
out:
    seer_eval_gt_free(gt);
    seer_arena_free(g.strings);
    seer_free(g.images.p);
    seer_free(g.cats.p);
    seer_free(g.anns.p);
    return rc;
}

int seer_eval_gt_load(const char *path, struct seer_eval_gt **out, struct seer_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    rc = seer_file_read(path, MAX_FILE_BYTES, &buf, &n, err);
    if (rc)
        return rc;
    rc = seer_eval_gt_parse((const char *)buf, n, out, err);
    if (rc)
        seer_err_prefix(err, "%s: ", path);
    seer_free(buf);
    return rc;
}

void seer_eval_gt_free(struct seer_eval_gt *gt)
{
    if (!gt)
        return;
    seer_free(gt->images);
    seer_free(gt->cats);
    seer_free(gt->boxes);
    seer_arena_free(gt->strings);
    seer_free(gt);
}

const struct seer_eval_image *seer_eval_gt_images(const struct seer_eval_gt *gt, size_t *n)
{
    *n = gt->n_images;
    return gt->images;
}

const struct seer_eval_category *seer_eval_gt_categories(const struct seer_eval_gt *gt, size_t *n)
{
    *n = gt->n_cats;
    return gt->cats;
}

/* Detections */

static int on_det(void *ctx, const cJSON *v, size_t i, struct seer_err *err)
{
    static const char arr[] = "detections";
    struct vec *dets = ctx;
    struct seer_eval_det d;
    int rc;

    if ((rc = want_object(v, arr, i, err)) ||
        (rc = get_id(v, "image_id", arr, i, &d.image_id, err)) ||
        (rc = get_id(v, "category_id", arr, i, &d.category_id, err)) ||
        (rc = get_bbox(v, arr, i, d.bbox, err)) ||
        (rc = get_num(v, "score", arr, i, &d.score, err)))
        return rc;
    struct seer_eval_det *slot = vec_push(dets, sizeof(*slot));
    if (!slot)
        return seer_errf(err, SEER_ENOMEM, "out of memory at detections[%zu]", i);
    *slot = d;
    return SEER_OK;
}

int seer_eval_dets_parse(const char *text, size_t n_bytes, struct seer_eval_det **out,
                         size_t *n_dets, struct seer_err *err)
{
    struct jrd r = {text, text, text + n_bytes, err};
    struct vec dets = {0};
    int rc;

    *out = NULL;
    *n_dets = 0;
    jr_skip_bom(&r);
    jr_ws(&r);
    if (r.p < r.end && *r.p != '[')
        return jr_fail(&r, r.p,
                       "expected a JSON array of detections "
                       "[{\"image_id\", \"category_id\", \"bbox\", \"score\"}, ...]");
    rc = jr_array(&r, "detections", (struct jr_elem_fn){on_det, &dets});
    if (!rc)
        rc = jr_finish(&r);
    if (rc) {
        seer_free(dets.p);
        return rc;
    }
    *out = dets.p;
    *n_dets = dets.n;
    return SEER_OK;
}

int seer_eval_dets_load(const char *path, struct seer_eval_det **out, size_t *n_dets,
                        struct seer_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    *n_dets = 0;
    rc = seer_file_read(path, MAX_FILE_BYTES, &buf, &n, err);
    if (rc)
        return rc;
    rc = seer_eval_dets_parse((const char *)buf, n, out, n_dets, err);
    if (rc)
        seer_err_prefix(err, "%s: ", path);
    seer_free(buf);
    return rc;
}
