/*
 * Tests for src/tune/: the spec parser and its errors (each naming its field), the YAML
 * subset, the search space (grid order, scale types), Cholesky against a hand-worked 3x3,
 * the GP posterior and likelihood on a two-point case worked by hand, the likelihood
 * gradient against finite differences, expected improvement, metric reports, the median
 * stopping rule, and shell quoting for executors.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "t.h"
#include "tune/gp.h"
#include "tune/linalg.h"
#include "tune/metric.h"
#include "tune/runner.h"
#include "tune/search.h"
#include "tune/space.h"
#include "tune/spec.h"

static const char good_yaml[] =
    "# a config as given to gcloud ai-platform jobs submit training --config\n"
    "---\n"
    "jobId: my_job\n"
    "trainingInput:\n"
    "  scaleTier: BASIC   # ignored by Seer\n"
    "  args: [\"--epochs\", '5']\n"
    "  hyperparameters:\n"
    "    goal: MAXIMIZE\n"
    "    hyperparameterMetricTag: accuracy\n"
    "    maxTrials: 40\n"
    "    maxParallelTrials: 2\n"
    "    maxFailedTrials: 3\n"
    "    enableTrialEarlyStopping: True\n"
    "    params:\n"
    "    - parameterName: learning_rate\n"
    "      type: DOUBLE\n"
    "      minValue: 0.0001\n"
    "      maxValue: 1e-1\n"
    "      scaleType: UNIT_LOG_SCALE\n"
    "    - parameterName: layers\n"
    "      type: INTEGER\n"
    "      minValue: 1\n"
    "      maxValue: 8\n"
    "      scaleType: UNIT_LINEAR_SCALE\n"
    "    - parameterName: activation\n"
    "      type: CATEGORICAL\n"
    "      categoricalValues: [relu, 'tanh', \"elu\", 1]\n"
    "    - parameterName: batch\n"
    "      type: DISCRETE\n"
    "      discreteValues:\n"
    "      - 16\n"
    "      - 32\n"
    "      - 128\n";

TEST(spec_good_yaml)
{
    struct seer_tune_spec *s = NULL;
    struct seer_err e = {{0}};
    int64_t live = seer_alloc_live();

    ASSERT_OK(seer__tune_spec_parse(good_yaml, strlen(good_yaml), &s, &e));
    ASSERT_EQ(s->goal, SEER_TUNE_GOAL_MAXIMIZE);
    ASSERT_EQ(s->algo, SEER_TUNE_ALGO_BAYES);
    ASSERT_STR(s->metric_tag, "accuracy");
    ASSERT_EQ(s->max_trials, 40);
    ASSERT_EQ(s->max_parallel, 2);
    ASSERT_EQ(s->max_failed, 3);
    ASSERT(s->early_stopping);
    ASSERT_EQ(s->n_params, 4);
    ASSERT_STR(s->params[0].name, "learning_rate");
    ASSERT_EQ(s->params[0].scale, SEER_TUNE_SCALE_LOG);
    ASSERT_NEAR(s->params[0].min, 1e-4, 0);
    ASSERT_NEAR(s->params[0].max, 0.1, 0);
    ASSERT_EQ(s->params[1].type, SEER_TUNE_PTYPE_INTEGER);
    ASSERT_EQ(s->params[2].n_values, 4);
    ASSERT_STR(s->params[2].categories[1], "tanh");
    ASSERT_STR(s->params[2].categories[3], "1"); /* a plain YAML scalar, taken as written */
    ASSERT_EQ(s->params[3].n_values, 3);
    ASSERT_NEAR(s->params[3].discrete[2], 128, 0);
    ASSERT(strstr(s->input_json, "\"scaleTier\":\"BASIC\""));
    seer__tune_spec_free(s);
    ASSERT_EQ(seer_alloc_live(), live);
}

TEST(spec_out_of_memory_at_every_allocation)
{
    int64_t live = seer_alloc_live();
    int k;

    /* Fail the k-th allocation for k = 1, 2, ... until parsing needs fewer: each failure
     * is ENOMEM with nothing leaked. (cJSON's own allocations are not counted here.) */
    for (k = 1; k < 500; k++) {
        struct seer_tune_spec *s = NULL;
        struct seer_err e = {{0}};
        int rc;

        seer_alloc_fail_at(k);
        rc = seer__tune_spec_parse(good_yaml, strlen(good_yaml), &s, &e);
        bool fired = seer_alloc_failed();
        seer_alloc_fail_at(0);
        if (!fired) {
            ASSERT_OK(rc);
            seer__tune_spec_free(s);
            break;
        }
        if (rc != SEER_ENOMEM || s)
            T_FAILF("allocation %d: rc %d (%s)", k, rc, e.msg);
        ASSERT_EQ(seer_alloc_live(), live);
    }
    ASSERT(k > 3 && k < 500);
    ASSERT_EQ(seer_alloc_live(), live);
}

TEST(spec_good_json_defaults)
{
    const char *cfg = "{\"trainingInput\": {\"hyperparameters\": {\"goal\": \"MINIMIZE\","
                      " \"algorithm\": \"GRID_SEARCH\", \"maxTrials\": \"12\", \"params\": ["
                      "{\"parameterName\": \"a\", \"type\": \"INTEGER\", \"minValue\": -2,"
                      " \"maxValue\": 2}]}}}";
    struct seer_tune_spec *s = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(seer__tune_spec_parse(cfg, strlen(cfg), &s, &e));
    ASSERT_EQ(s->algo, SEER_TUNE_ALGO_GRID);
    ASSERT_STR(s->metric_tag, SEER_TUNE_DEFAULT_TAG);
    ASSERT_EQ(s->max_trials, 12);
    ASSERT_EQ(s->max_parallel, 1);
    ASSERT_EQ(s->max_failed, 0);
    ASSERT(!s->early_stopping);
    ASSERT_EQ(seer__tune_grid_size(s), 5);
    seer__tune_spec_free(s);
}

#define HP "trainingInput:\n  hyperparameters:\n"
#define P0 "    params:\n    - parameterName: x\n"

static const struct {
    const char *cfg, *msg;
} bad[] = {
    {HP "    goal: MAXIMIZE\n" P0 "      type: DOUBLE\n      minValue: 1\n      maxValue: 2\n"
        "    - parameterName: lr\n      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n"
        "      scaleType: UNIT_LOG_SCALE\n",
     "trainingInput.hyperparameters.params[1].minValue: must be > 0 for UNIT_LOG_SCALE"},
    {HP "    goal: MAXIMIZE\n    algorithm: GRID_SEARCH\n" P0
        "      type: DOUBLE\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].type: GRID_SEARCH needs INTEGER, CATEGORICAL"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: DOUBLE\n      minValue: 2\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].maxValue: must be greater than minValue"},
    {HP "    goal: MAXIMIZE\n    maxTrials: 0\n" P0 "      type: INTEGER\n      minValue: 1\n"
        "      maxValue: 2\n",
     "trainingInput.hyperparameters.maxTrials: must be between 1"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n"
        "    - parameterName: x\n      type: INTEGER\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[1].parameterName: duplicate name 'x'"},
    {HP "    goal: MAXIMIZE\n    params:\n    - parameterName: 1x\n      type: INTEGER\n"
        "      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].parameterName: '1x' is not a valid name"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: FLOAT\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].type: unknown value 'FLOAT'"},
    {HP "    goal: BIGGER\n" P0 "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.goal: unknown value 'BIGGER' (expected one of MAXIMIZE"},
    {HP P0 "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.goal: required"},
    {HP "    goal: MAXIMIZE\n    maxTrial: 3\n" P0 "      type: INTEGER\n      minValue: 1\n"
        "      maxValue: 2\n",
     "trainingInput.hyperparameters.maxTrial: unknown field"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: CATEGORICAL\n",
     "trainingInput.hyperparameters.params[0].categoricalValues: required for CATEGORICAL"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: DISCRETE\n      discreteValues: [1, 4, 3]\n",
     "trainingInput.hyperparameters.params[0].discreteValues[2]: values must be in increasing"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: DISCRETE\n      discreteValues: [0, 4]\n"
        "      scaleType: UNIT_REVERSE_LOG_SCALE\n",
     "trainingInput.hyperparameters.params[0].discreteValues[0]: must be > 0 for "
     "UNIT_REVERSE_LOG_SCALE"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: INTEGER\n      minValue: 1.5\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].minValue: must be an integer"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: CATEGORICAL\n      categoricalValues: [a, b]\n"
        "      scaleType: UNIT_LINEAR_SCALE\n",
     "trainingInput.hyperparameters.params[0].scaleType: not allowed for CATEGORICAL"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n"
        "      scaleType: UNIT_LOGARITHMIC\n",
     "trainingInput.hyperparameters.params[0].scaleType: unknown value 'UNIT_LOGARITHMIC'"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: DOUBLE\n      minValue: 1\n",
     "trainingInput.hyperparameters.params[0].maxValue: required for DOUBLE"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: DOUBLE\n      minValue: one\n      maxValue: 2\n",
     "trainingInput.hyperparameters.params[0].minValue: must be a number"},
    {HP "    goal: MAXIMIZE\n    enableTrialEarlyStopping: yes\n" P0
        "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.enableTrialEarlyStopping: must be true or false"},
    {HP "    goal: MAXIMIZE\n    hyperparameterMetricTag: 'my loss'\n" P0
        "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n",
     "trainingInput.hyperparameters.hyperparameterMetricTag: must not contain blanks"},
    {HP "    goal: MAXIMIZE\n    params: []\n", "trainingInput.hyperparameters.params: must be a "
                                                "non-empty list"},
    {HP "    goal: MAXIMIZE\n" P0 "      type: INTEGER\n      minValue: 1\n      maxValue: 2\n"
        "      discreteValues: [1]\n",
     "trainingInput.hyperparameters.params[0].discreteValues: not allowed for INTEGER"},
    {"trainingInput:\n  scaleTier: BASIC\n", "trainingInput.hyperparameters: required"},
    {"hyperparameters:\n  goal: MAXIMIZE\n", "config.hyperparameters: unknown field"},
    {"trainingInput:\n  hyperparameter:\n    goal: MAXIMIZE\n",
     "trainingInput.hyperparameter: unknown field"},
    {"trainingInput:\n\thyperparameters: {}\n", "line 2: tab in indentation"},
    {"trainingInput: &a\n  x: 1\n", "line 1: anchors, aliases and tags are not supported"},
    {"trainingInput:\n  args: [a, b\n", "line 2: unterminated flow collection"},
    {"trainingInput:\n  x: 1\n  x: 2\n", "line 3: duplicate key 'x'"},
    {"trainingInput:\n  x: 1\n    y: 2\n", "line 3: unexpected indentation"},
    {"trainingInput:\n  x: |\n    text\n", "line 2: block scalars are not supported"},
    {"{\"trainingInput\": {\n \"hyperparameters\": {\n \"goal\": MAXIMIZE}}}",
     "line 3: malformed JSON"},
    {"", "config is empty"},
};

TEST(spec_bad_configs_name_their_field)
{
    int64_t live = seer_alloc_live();

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct seer_tune_spec *s = NULL;
        struct seer_err e = {{0}};
        int rc = seer__tune_spec_parse(bad[i].cfg, strlen(bad[i].cfg), &s, &e);

        if (rc == 0 || s != NULL || !strstr(e.msg, bad[i].msg))
            T_FAILF("case %zu: rc %d, got \"%s\", want \"%s\"", i, rc, e.msg, bad[i].msg);
    }
    ASSERT_EQ(seer_alloc_live(), live);
}

TEST(yaml_subset)
{
    const char *y = "a: {b: 1, 'c d': [x, \"y z\", -2.5e3]}\n"
                    "list:\n"
                    "- - 1\n"
                    "  - 2\n"
                    "- k: v  # comment\n"
                    "  k2: 'it''s'\n"
                    "same:\n"
                    "- q\n"
                    "url: http://x/#frag\n"
                    "empty:\n"
                    "t: true\n"
                    "multi: [1,   # a flow list over three lines\n"
                    "   'x]', {k: v,\n"
                    "   j: w}]\n";
    cJSON *root = NULL;
    struct seer_err e = {{0}};

    ASSERT_OK(seer__yaml_parse(y, strlen(y), &root, &e));
    char *txt = cJSON_PrintUnformatted(root);
    ASSERT_STR(txt, "{\"a\":{\"b\":1,\"c d\":[\"x\",\"y z\",-2500]},\"list\":[[1,2],"
                    "{\"k\":\"v\",\"k2\":\"it's\"}],\"same\":[\"q\"],\"url\":\"http://x/#frag\","
                    "\"empty\":null,\"t\":true,\"multi\":[1,\"x]\",{\"k\":\"v\","
                    "\"j\":\"w\"}]}");
    cJSON_free(txt);
    cJSON_Delete(root);
}

TEST(grid_covers_the_grid_in_order)
{
    const char *cfg = HP "    goal: MAXIMIZE\n    algorithm: GRID_SEARCH\n    maxTrials: 100\n"
                         "    params:\n"
                         "    - {parameterName: a, type: INTEGER, minValue: 1, maxValue: 3}\n"
                         "    - {parameterName: b, type: CATEGORICAL, categoricalValues: [x, y]}\n"
                         "    - {parameterName: c, type: DISCRETE, discreteValues: [0.5, 2]}\n";
    struct seer_tune_spec *s = NULL;
    struct seer_err e = {{0}};
    char got[400] = "", buf[32];

    ASSERT_OK(seer__tune_spec_parse(cfg, strlen(cfg), &s, &e));
    ASSERT_EQ(seer__tune_grid_size(s), 12);
    for (int64_t k = 0; k < 12; k++) {
        double pt[3];
        struct seer__history h = {0};

        ASSERT_OK(seer__search_propose(s, 7, k + 1, &h, pt, &e));
        for (size_t i = 0; i < 3; i++) {
            seer__space_format(&s->params[i], pt[i], buf, sizeof(buf));
            strcat(got, buf);
            strcat(got, i < 2 ? "," : " ");
        }
    }
    ASSERT_STR(got, "1,x,0.5 1,x,2 1,y,0.5 1,y,2 2,x,0.5 2,x,2 2,y,0.5 2,y,2 3,x,0.5 3,x,2 "
                    "3,y,0.5 3,y,2 ");
    seer__tune_spec_free(s);
}

TEST(random_respects_scale_types)
{
    const char *cfg = HP "    goal: MAXIMIZE\n    params:\n"
                         "    - {parameterName: lg, type: DOUBLE, minValue: 1e-4, maxValue: 1,"
                         " scaleType: UNIT_LOG_SCALE}\n"
                         "    - {parameterName: ln, type: DOUBLE, minValue: 1e-4, maxValue: 1}\n"
                         "    - {parameterName: rl, type: DOUBLE, minValue: 1e-4, maxValue: 1,"
                         " scaleType: UNIT_REVERSE_LOG_SCALE}\n"
                         "    - {parameterName: n, type: INTEGER, minValue: 1, maxValue: 1000,"
                         " scaleType: UNIT_LOG_SCALE}\n";
    struct seer_tune_spec *s = NULL;
    struct seer_err e = {{0}};
    struct seer__rng r;
    int lg_small = 0, ln_small = 0, rl_top = 0, n_small = 0, n = 4000;

    ASSERT_OK(seer__tune_spec_parse(cfg, strlen(cfg), &s, &e));
    seer__rng_seed(&r, 42, 1);
    for (int k = 0; k < n; k++) {
        double pt[4];

        seer__space_random(s, &r, pt);
        ASSERT(pt[0] >= 1e-4 && pt[0] <= 1 && pt[1] >= 1e-4 && pt[1] <= 1);
        ASSERT(pt[3] >= 1 && pt[3] <= 1000 && pt[3] == floor(pt[3]));
        lg_small += pt[0] < 1e-2;
        ln_small += pt[1] < 1e-2;
        rl_top += pt[2] > 1 - 1e-2 + 1e-4;
        n_small += pt[3] <= 31;
    }
    /* Log-uniform on [1e-4, 1]: half below 1e-2. Uniform: about 1%. Reverse log: half in
     * the top 1%. Integers log-uniform on [0.5, 1000.5]: P(n <= 31) = ln(63)/ln(2001). */
    ASSERT_NEAR((double)lg_small / n, 0.5, 0.04);
    ASSERT_NEAR((double)ln_small / n, 0.01, 0.01);
    ASSERT_NEAR((double)rl_top / n, 0.5, 0.04);
    ASSERT_NEAR((double)n_small / n, log(63.0) / log(2001.0), 0.04);
    seer__tune_spec_free(s);
}

TEST(values_format_and_read_back)
{
    struct seer_tune_param d = {.type = SEER_TUNE_PTYPE_DOUBLE, .min = -1e9, .max = 1e9};
    static const double v[] = {0.1, 10, 1e-7, 123.456, -3, 1.0 / 3};
    static const char *const want[] = {"0.1", "10", "1e-07", "123.456", "-3", "0.3333333333333333"};
    char buf[64];

    for (size_t i = 0; i < 6; i++) {
        double back;

        ASSERT(seer__space_format(&d, v[i], buf, sizeof(buf)) > 0);
        ASSERT_STR(buf, want[i]);
        ASSERT(seer__space_parse(&d, buf, &back));
        ASSERT(back == v[i]);
    }
    double back;

    ASSERT(!seer__space_parse(&d, "1e10", &back)); /* out of range */
    ASSERT(!seer__space_parse(&d, "abc", &back));
    ASSERT(!seer__space_parse(&d, "", &back));
}

TEST(halton_points)
{
    double u[2];

    seer__halton(1, 2, NULL, u);
    ASSERT_NEAR(u[0], 0.5, 1e-15);
    ASSERT_NEAR(u[1], 1.0 / 3, 1e-15);
    seer__halton(2, 2, NULL, u);
    ASSERT_NEAR(u[0], 0.25, 1e-15);
    ASSERT_NEAR(u[1], 2.0 / 3, 1e-15);
    seer__halton(3, 2, NULL, u);
    ASSERT_NEAR(u[0], 0.75, 1e-15);
    ASSERT_NEAR(u[1], 1.0 / 9, 1e-15);
}

TEST(cholesky_hand_worked_3x3)
{
    /* A = L L^T with L = [2 0 0; 6 1 0; -8 5 3], worked by hand. */
    double a[9] = {4, 12, -16, 12, 37, -43, -16, -43, 98};
    static const double l[9] = {2, 0, 0, 6, 1, 0, -8, 5, 3};
    double b[3] = {-20, -43, 192}; /* A (1, 2, 3)^T */
    double inv[9], work[3];
    static const double a0[9] = {4, 12, -16, 12, 37, -43, -16, -43, 98};

    ASSERT_OK(seer__chol(a, 3));
    for (int i = 0; i < 9; i++)
        ASSERT_NEAR(a[i], l[i], 1e-12);
    seer__chol_solve(a, 3, b);
    ASSERT_NEAR(b[0], 1, 1e-10);
    ASSERT_NEAR(b[1], 2, 1e-10);
    ASSERT_NEAR(b[2], 3, 1e-10);
    seer__chol_inverse(a, 3, inv, work);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;

            for (int k = 0; k < 3; k++)
                s += a0[i * 3 + k] * inv[k * 3 + j];
            ASSERT_NEAR(s, i == j, 1e-10);
        }
    double notpd[4] = {1, 2, 2, 1};
    ASSERT(seer__chol(notpd, 2) != 0);
}

TEST(gp_posterior_two_points_by_hand)
{
    /* x = 0 and 1, y = 1 and 0, unit length scale and signal, no noise. With k12 = m(1)
     * and a = m(0.5) for Matern 5/2 m(r) = (1 + sqrt5 r + 5r^2/3) e^(-sqrt5 r):
     * mu(0.5) = a (1 - k12)/(1 - k12^2) = a / (1 + k12) and
     * var(0.5) = 1 - 2 a^2 / (1 + k12), by symmetry of k* = (a, a). */
    const double x[2] = {0, 1}, y[2] = {1, 0}, k12 = 0.5239941088318203, a = 0.8286491424181253;
    struct seer__gp gp;
    double mu, var, work[2], xs = 0.5;

    ASSERT_NEAR(seer__matern52(1.0), k12, 1e-15);
    ASSERT_NEAR(seer__matern52(0.5), a, 1e-15);
    ASSERT_OK(seer__gp_init(&gp, 2, 1, x, y));
    gp.ls[0] = 1;
    gp.sf2 = 1;
    gp.sn2 = 1e-12;
    ASSERT_OK(seer__gp_factor(&gp));
    seer__gp_predict(&gp, &xs, &mu, &var, work);
    ASSERT_NEAR(mu, 0.5437351349430777, 1e-9);
    ASSERT_NEAR(var, 0.09886869345363003, 1e-9);
    /* At a training point the posterior is the observation, with no variance left. */
    xs = 0;
    seer__gp_predict(&gp, &xs, &mu, &var, work);
    ASSERT_NEAR(mu, 1, 1e-9);
    ASSERT(var < 1e-9);
    /* lml = -1/2 y^T K^-1 y - 1/2 log det K - log 2 pi with det K = 1 - k12^2 and
     * y^T K^-1 y = 1 / (1 - k12^2). */
    ASSERT_NEAR(seer__gp_lml(&gp), -2.366628050803282, 1e-9);
    seer__gp_clear(&gp);
}

TEST(gp_gradient_matches_finite_differences)
{
    double x[12], y[6], th[5] = {-1.0, 0.3, 0.2, -3.0}, g[5], gp1[5], f0, fp, fm;
    struct seer__gp gp;
    struct seer__rng r;

    seer__rng_seed(&r, 3, 3);
    for (int i = 0; i < 6; i++) {
        x[2 * i] = seer__rng_unif(&r);
        x[2 * i + 1] = seer__rng_unif(&r);
        y[i] = sin(6 * x[2 * i]) + x[2 * i + 1];
    }
    ASSERT_OK(seer__gp_init(&gp, 6, 2, x, y));
    th[0] = -1.0;
    th[1] = -0.5;
    th[2] = 0.3;
    th[3] = -3.0;
    f0 = seer__gp_objective(&gp, th, g);
    ASSERT(isfinite(f0));
    for (int j = 0; j < 4; j++) {
        double h = 1e-5, t = th[j];

        th[j] = t + h;
        fp = seer__gp_objective(&gp, th, gp1);
        th[j] = t - h;
        fm = seer__gp_objective(&gp, th, gp1);
        th[j] = t;
        ASSERT_NEAR(g[j], (fp - fm) / (2 * h), 1e-5 * (1 + fabs(g[j])));
    }
    /* Fitting never ends worse than where it started. */
    struct seer__rng r2;
    seer__rng_seed(&r2, 1, 1);
    double start = seer__gp_objective(&gp, (double[4]){-1.2, -1.2, 0, -6.9}, g);
    ASSERT_OK(seer__gp_fit(&gp, 1, &r2));
    double fitted[4] = {log(gp.ls[0]), log(gp.ls[1]), log(gp.sf2), log(gp.sn2)};
    ASSERT(seer__gp_objective(&gp, fitted, g) <= start + 1e-9);
    seer__gp_clear(&gp);
}

TEST(expected_improvement_by_hand)
{
    /* EI = (mu - best) Phi(z) + sigma phi(z), z = (mu - best) / sigma. */
    ASSERT_NEAR(seer__ei(1, 1, 0, 0), 0.8413447460685429 + 0.24197072451914337, 1e-12);
    ASSERT_NEAR(seer__ei(0.5, 2, 1, 0), 0.5726893964471604, 1e-12);
    ASSERT_NEAR(seer__ei(2, 0, 1, 0), 1, 0); /* no uncertainty: the plain improvement */
    ASSERT_NEAR(seer__ei(0, 0, 1, 0), 0, 0);
}

static double branin(const double *p)
{
    double x1 = p[0], x2 = p[1], b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI;

    return pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - 1 / (8 * M_PI)) * cos(x1) + 10;
}

/* Best Branin value after n trials of the spec's algorithm, run in-process. */
static double run_branin(const char *algo, uint64_t seed, int n, int *hit)
{
    char cfg[600];
    struct seer_tune_spec *s = NULL;
    struct seer_err e = {{0}};
    double done[200], y[100], best = INFINITY;

    snprintf(cfg, sizeof(cfg),
             HP "    goal: MINIMIZE\n    algorithm: %s\n    params:\n"
                "    - {parameterName: x1, type: DOUBLE, minValue: -5, maxValue: 10}\n"
                "    - {parameterName: x2, type: DOUBLE, minValue: 0, maxValue: 15}\n",
             algo);
    if (seer__tune_spec_parse(cfg, strlen(cfg), &s, &e))
        return NAN;
    *hit = -1;
    for (int t = 0; t < n && t < 100; t++) {
        struct seer__history h = {.n_done = (size_t)t, .done = done, .y = y};

        if (seer__search_propose(s, seed, t + 1, &h, done + 2 * t, &e))
            break;
        y[t] = -branin(done + 2 * t);
        best = fmin(best, -y[t]);
        if (*hit < 0 && best <= 0.397887 * 1.01)
            *hit = t + 1;
    }
    seer__tune_spec_free(s);
    return best;
}

TEST(bayes_finds_branin_optimum_in_process)
{
    int hit_bo, hit_rand;
    int64_t live = seer_alloc_live();
    double bo = run_branin("ALGORITHM_UNSPECIFIED", 1, 40, &hit_bo);
    double rnd = run_branin("RANDOM_SEARCH", 1, 40, &hit_rand);

    ASSERT(bo <= 0.397887 * 1.01);
    ASSERT(bo < rnd);
    ASSERT_EQ(seer_alloc_live(), live);
}

TEST(hypertune_file_and_stdout_reports)
{
    struct seer__metrics m = {0};
    const char *f1 = "{\"global_step\": \"100\", \"loss\": \"0.5\", \"timestamp\": 10.5, "
                     "\"trial\": \"1\"}\n";
    const char *f2 = "{\"global_step\": \"100\", \"loss\": \"0.5\", \"timestamp\": 10.5, "
                     "\"trial\": \"1\"}\n"
                     "{\"global_step\": \"200\", \"loss\": \"nan-ish\", \"timestamp\": 11}\n"
                     "{\"global_step\": 300, \"loss\": 0.25, \"timestamp\": 12}\n"
                     "{\"global_step\": \"400\", \"accuracy\": \"0.9\", \"timestamp\": 13}\n"
                     "not json\n"
                     "{\"global_step\": \"500\", \"loss\": \"0.1\", \"timest";

    ASSERT_OK(seer__metrics_parse_file(&m, f1, strlen(f1), "loss"));
    ASSERT_EQ(m.n, 1);
    /* The library rewrites the whole file: the old entry is not taken twice, and the
     * unfinished last line waits for its newline. */
    ASSERT_OK(seer__metrics_parse_file(&m, f2, strlen(f2), "loss"));
    ASSERT_EQ(m.n, 2);
    ASSERT_EQ(m.v[1].step, 300);
    ASSERT_NEAR(m.v[1].value, 0.25, 0);
    ASSERT_EQ(m.n_garbage, 1);
    seer__metrics_clear(&m);

    static const char *const lines[] = {"epoch 1 loss=0.75",  "global_step=20 loss=0.5",
                                        "loss=0.25, step=30", "lossy=1",
                                        "loss=abc",           "loss=1e999",
                                        "val_loss=3",         "loss="};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ASSERT_OK(seer__metrics_parse_line(&m, lines[i], strlen(lines[i]), "loss"));
    ASSERT_EQ(m.n, 3);
    ASSERT_EQ(m.v[0].step, 1);
    ASSERT_NEAR(m.v[0].value, 0.75, 0);
    ASSERT_EQ(m.v[1].step, 20);
    ASSERT_EQ(m.v[2].step, 30);
    ASSERT_EQ(m.n_garbage, 3);
    seer__metrics_clear(&m);
}

static void curve(struct seer__metrics *m, double q, int steps)
{
    for (int s = 1; s <= steps; s++)
        seer__metrics_push(m, s, q * s / 10.0);
}

TEST(median_stopping_rule)
{
    struct seer__metrics d[3] = {{0}}, worse = {0}, good = {0};
    const struct seer__metrics *done[3] = {&d[0], &d[1], &d[2]};

    curve(&d[0], 5, 10);
    curve(&d[1], 6, 10);
    curve(&d[2], 4, 10);
    /* At step 2 the running averages are q * 0.15: median 0.75. A trial at 1 * 0.2 is
     * worse; one at 9 * 0.2 = 1.8 is not; minimising flips the verdicts. */
    curve(&worse, 1, 2);
    curve(&good, 9, 2);
    ASSERT(seer__median_should_stop(&worse, done, 3, true, 3));
    ASSERT(!seer__median_should_stop(&good, done, 3, true, 3));
    ASSERT(!seer__median_should_stop(&worse, done, 3, false, 3));
    ASSERT(seer__median_should_stop(&good, done, 3, false, 3));
    /* Too few completed trials: no verdict. */
    ASSERT(!seer__median_should_stop(&worse, done, 2, true, 3));
    for (int i = 0; i < 3; i++)
        seer__metrics_clear(&d[i]);
    seer__metrics_clear(&worse);
    seer__metrics_clear(&good);
}

TEST(executor_template_quotes_the_command)
{
    const char *argv[] = {"python3", "train.py", "--name=it's", NULL};
    const char *env[] = {"CLOUD_ML_TRIAL_ID=3", NULL};
    struct seer__spawn sp = {.argv = argv,
                             .env = env,
                             .trial_id = "3",
                             .trial_dir = "/s/trial 3",
                             .executor = "srun -N1 {cmd} # {trial} {dir} env {env}"};
    char *c = seer__executor_expand(&sp);

    ASSERT(c);
    ASSERT_STR(c, "srun -N1 'python3' 'train.py' '--name=it'\\''s' # '3' '/s/trial 3' env "
                  "'CLOUD_ML_TRIAL_ID=3'");
    seer_free(c);
}

T_MAIN(T_CASE(spec_good_yaml), T_CASE(spec_out_of_memory_at_every_allocation),
       T_CASE(spec_good_json_defaults), T_CASE(spec_bad_configs_name_their_field),
       T_CASE(yaml_subset), T_CASE(grid_covers_the_grid_in_order),
       T_CASE(random_respects_scale_types), T_CASE(values_format_and_read_back),
       T_CASE(halton_points), T_CASE(cholesky_hand_worked_3x3),
       T_CASE(gp_posterior_two_points_by_hand), T_CASE(gp_gradient_matches_finite_differences),
       T_CASE(expected_improvement_by_hand), T_CASE(bayes_finds_branin_optimum_in_process),
       T_CASE(hypertune_file_and_stdout_reports), T_CASE(median_stopping_rule),
       T_CASE(executor_template_quotes_the_command))
