/*
 * The bf16 precision on real photos: both detectors, on the seven photos of
 * ../shared/data/photos, must name the same classes above a score of 0.3 in bf16 as in
 * fp32. The documented tolerance: each class's best score may move by at most 0.05
 * (bf16 keeps 8 bits of mantissa; the worst move measured is printed), so a class whose
 * fp32 score lies within 0.03 of the threshold may land on either side of it. On a CPU
 * without AVX512_BF16 (or with SEER_ISA=avx2) bf16 falls back to fp32 and must give
 * exactly the fp32 scores.
 */
#include <math.h>

#include <seer/detect.h>
#include <seer/model.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "kernels/fast.h"
#include "shared.h"
#include "t.h"

static const char *photos[] = {"dog", "eagle", "giraffe", "horses", "kite", "person", "scream"};

/* Best score per class (index < 100) above 0.2 for one photo (0 for none). */
static int best_scores(struct seer_model *m, const char *photo, float *best, struct seer_err *err)
{
    char rel[128];
    uint8_t *buf = NULL;
    size_t n = 0;
    struct seer_arena *a = seer_arena_new(1 << 16);
    struct seer_dets d;
    struct seer_detect_opts o = seer_detect_defaults();
    int rc;

    o.score_threshold = 0.2f;
    snprintf(rel, sizeof(rel), "data/photos/%s.jpg", photo);
    rc = seer_file_read(shared_path(rel), (size_t)64 << 20, &buf, &n, err);
    if (!rc)
        rc = seer_detect_bytes(m, buf, n, 0, &o, a, &d, err);
    for (int c = 0; c < 100; c++)
        best[c] = 0;
    for (int i = 0; !rc && i < d.n; i++)
        if (d.d[i].class_index >= 0 && d.d[i].class_index < 100 &&
            d.d[i].score > best[d.d[i].class_index])
            best[d.d[i].class_index] = d.d[i].score;
    seer_free(buf);
    seer_arena_free(a);
    return rc;
}

static void compare_model(const char *name)
{
    char dir[256];
    struct seer_model *m[2] = {NULL, NULL};
    struct seer_err err = {{0}};
    const char *mdir = getenv("SEER_MODELS");
    double worst = 0;
    bool bf = seer__cpu_bf16();

    snprintf(dir, sizeof(dir), "%s/%s/1", mdir && *mdir ? mdir : "models", name);
    if (!file_exists(dir))
        T_SKIP("needs %s (run scripts/setup)", dir);
    if (!file_exists(shared_path("data/photos/dog.jpg")))
        T_SKIP("needs %s", shared_path("data/photos/dog.jpg"));
    for (int k = 0; k < 2; k++) {
        struct seer_model_opts o = {0};
        o.n_threads = 2;
        o.precision = k ? SEER_PRECISION_BF16 : SEER_PRECISION_FP32;
        if (seer_model_load(dir, NULL, 0, &o, &m[k], &err)) {
            seer_model_unref(m[0]);
            T_FAILF("%s: %s", name, err.msg);
        }
    }
    for (size_t p = 0; p < sizeof(photos) / sizeof(photos[0]); p++) {
        float s32[100], s16[100];
        if (best_scores(m[0], photos[p], s32, &err) || best_scores(m[1], photos[p], s16, &err)) {
            seer_model_unref(m[0]);
            seer_model_unref(m[1]);
            T_FAILF("%s %s: %s", name, photos[p], err.msg);
        }
        for (int c = 0; c < 100; c++) {
            bool a = s32[c] > 0.3f, b = s16[c] > 0.3f;
            bool borderline = fabsf(s32[c] - 0.3f) <= 0.03f;
            /* A score under 0.2 reads as 0: compare only when one is above 0.25. */
            double dv = s32[c] > 0.25f || s16[c] > 0.25f ? fabs((double)s32[c] - s16[c]) : 0;
            if ((a != b && !borderline) || (!bf && s32[c] != s16[c]) || dv > 0.05) {
                seer_model_unref(m[0]);
                seer_model_unref(m[1]);
                T_FAILF("%s %s class %d: fp32 %.4f, bf16 %.4f", name, photos[p], c, s32[c], s16[c]);
            }
            if (dv > worst)
                worst = dv;
        }
    }
    printf("    %s: bf16 %s; largest change of a class's best score %.4f\n", name,
           bf ? "on" : "falls back to fp32", worst);
    seer_model_unref(m[0]);
    seer_model_unref(m[1]);
}

TEST(centernet_bf16_names_the_same_classes)
{
    compare_model("centernet");
}
TEST(nanodet_bf16_names_the_same_classes)
{
    compare_model("nanodet");
}

T_MAIN(T_CASE(centernet_bf16_names_the_same_classes), T_CASE(nanodet_bf16_names_the_same_classes))
