/*
 * Whole-model golden tests: the two default detectors, fed the exact pixels TF.js was fed
 * (../shared/golden/tfjs/inputs), must reproduce every output TF.js computed to a
 * relative error of 1e-4 (|ours - tfjs| <= 1e-4 * max(1, |tfjs|)). CenterNet's
 * detections come out of a TopK whose near-tied rows may swap, so they are compared as
 * a set. Runs with the reference kernels and with the default (fast) kernels.
 */
#include <math.h>

#include <seer/graph.h>
#include <seer/plan.h>

#include "core/alloc.h"
#include "import/import.h"
#include "npy.h"
#include "shared.h"
#include "t.h"

static const char *photos[] = {"dog", "horses", "person"};

static const char *model_json(const char *name)
{
    static char buf[512];
    const char *dir = getenv("SEER_MODELS");

    snprintf(buf, sizeof(buf), "%s/%s/1/%s.json", dir && *dir ? dir : "models", name, name);
    return buf;
}

/* Largest |a-b| / (|b| + rms(b)) over n floats. */
static double max_rel_err(const float *a, const float *b, int64_t n, int64_t *where)
{
    double worst = 0, ss = 0, rms;

    for (int64_t i = 0; i < n; i++)
        ss += (double)b[i] * b[i];
    rms = sqrt(ss / (double)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (fabs((double)b[i]) + rms);
        if (!(d <= worst)) { /* also catches NaN */
            worst = isnan(d) ? INFINITY : d;
            *where = i;
        }
    }
    return worst;
}

/* Every golden detection row [x1,y1,x2,y2,score,class] has a partner among ours. */
static int match_detections(const float *ours, const float *gold, int rows, char *why,
                            size_t why_n)
{
    float min_gold = INFINITY;
    int unmatched = 0;

    for (int r = 0; r < rows; r++)
        min_gold = fminf(min_gold, gold[r * 6 + 4]);
    for (int r = 0; r < rows; r++) {
        const float *g = gold + r * 6;
        bool found = false;
        for (int s = 0; s < rows && !found; s++) {
            const float *o = ours + s * 6;
            bool ok = o[5] == g[5];
            for (int c = 0; c < 5 && ok; c++)
                ok = fabsf(o[c] - g[c]) <= 1e-4f * fmaxf(1.0f, fabsf(g[c]));
            found = ok;
        }
        /* A row tied with the smallest kept score may lose its place to an equal one. */
        if (!found && fabsf(g[4] - min_gold) > 1e-6f) {
            snprintf(why, why_n, "row %d (score %.6f class %.0f) has no partner", r, g[4], g[5]);
            unmatched++;
        }
    }
    return unmatched;
}

static void run_model(const char *name, bool reference)
{
    const char *path = model_json(name);
    struct seer_err err = {{0}};
    struct seer_graph *g = NULL;
    struct seer_plan *p = NULL;
    char rel[256];

    if (!file_exists(path))
        T_SKIP("needs %s (run scripts/setup)", path);
    snprintf(rel, sizeof(rel), "golden/tfjs/inputs/dog_%d.npy", strcmp(name, "nanodet") ? 512 : 416);
    if (!file_exists(shared_path(rel)))
        T_SKIP("needs %s", shared_path(rel));
    ASSERT_OK(seer_tfjs_import_file(path, NULL, &g, &err));
    ASSERT_OK(seer_graph_prepare(g, &err));
    ASSERT_OK(seer_plan_new(g, &(struct seer_plan_opts){2, SEER_PRECISION_FP32, reference}, &p,
                            &err));
    bool nanodet = !strcmp(name, "nanodet");
    for (size_t ph = 0; ph < sizeof(photos) / sizeof(photos[0]); ph++) {
        struct npy in;
        snprintf(rel, sizeof(rel), "golden/tfjs/inputs/%s_%d.npy", photos[ph], nanodet ? 416 : 512);
        ASSERT_OK(npy_load(shared_path(rel), &in));
        struct seer_tensor *x = seer_plan_input(p, 0);
        const uint8_t *u8 = in.data;
        int64_t hw = nanodet ? 416 * 416 : 512 * 512;
        ASSERT_EQ(in.numel, hw * 3);
        ASSERT_EQ(seer_tensor_numel(x), hw * 3);
        float *xf = x->data;
        for (int64_t i = 0; i < hw; i++)
            for (int c = 0; c < 3; c++) {
                float v = (float)u8[i * 3 + c];
                if (nanodet)
                    xf[c * hw + i] = v / 255.0f; /* as the golden run fed it: RGB/255, NCHW */
                else
                    xf[i * 3 + c] = v;
            }
        npy_free(&in);
        ASSERT_OK(seer_plan_run(p, &err));

        static const char *cn_out[] = {"tower_0/keypoints", "tower_0/wh", "tower_0/detections"};
        static const char *nd_out[] = {"Identity",   "Identity_1", "Identity_2",
                                       "Identity_3", "Identity_4", "Identity_5"};
        const char **outs = nanodet ? nd_out : cn_out;
        int n_outs = nanodet ? 6 : 3;
        for (int o = 0; o < n_outs; o++) {
            struct npy gold;
            char file[128];
            snprintf(file, sizeof(file), "%s", outs[o]);
            for (char *c = file; *c; c++)
                if (*c == '/')
                    *c = '_';
            snprintf(rel, sizeof(rel), "golden/tfjs/%s/%s/%s.npy", name, photos[ph], file);
            ASSERT_OK(npy_load(shared_path(rel), &gold));
            int idx = seer_plan_find_output(p, outs[o]);
            if (idx < 0) {
                npy_free(&gold);
                T_FAILF("%s: no output %s", name, outs[o]);
            }
            const struct seer_tensor *t = seer_plan_output(p, idx);
            if (seer_tensor_numel(t) != gold.numel) {
                npy_free(&gold);
                T_FAILF("%s %s %s: %lld elements, golden has %lld", name, photos[ph], outs[o],
                        (long long)seer_tensor_numel(t), (long long)gold.numel);
            }
            if (!nanodet && o == 2) {
                char why[200] = "";
                int bad = match_detections(t->data, gold.data, (int)(gold.numel / 6), why,
                                           sizeof(why));
                npy_free(&gold);
                if (bad)
                    T_FAILF("%s %s detections: %d unmatched; %s", name, photos[ph], bad, why);
                continue;
            }
            int64_t where = -1;
            double e = max_rel_err(t->data, gold.data, gold.numel, &where);
            float ov = where >= 0 ? ((float *)t->data)[where] : 0;
            float gv = where >= 0 ? ((float *)gold.data)[where] : 0;
            npy_free(&gold);
            if (!(e <= 1e-4))
                T_FAILF("%s %s %s: relative error %.3g at %lld (ours %.7g, tfjs %.7g)", name,
                        photos[ph], outs[o], e, (long long)where, ov, gv);
        }
    }
    seer_plan_free(p);
    seer_graph_free(g);
}

TEST(centernet_matches_tfjs_reference_kernels) { run_model("centernet", true); }
TEST(nanodet_matches_tfjs_reference_kernels) { run_model("nanodet", true); }
TEST(centernet_matches_tfjs_default_kernels) { run_model("centernet", false); }
TEST(nanodet_matches_tfjs_default_kernels) { run_model("nanodet", false); }

T_MAIN(T_CASE(centernet_matches_tfjs_reference_kernels),
       T_CASE(nanodet_matches_tfjs_reference_kernels),
       T_CASE(centernet_matches_tfjs_default_kernels),
       T_CASE(nanodet_matches_tfjs_default_kernels))
