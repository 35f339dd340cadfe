/*
 * The hyperparameter spec: Cloud ML Engine's trainingInput.hyperparameters, parsed and
 * validated as the service validates it. A spec owns its arena; everything it points to
 * lives there and is freed by seer__tune_spec_free.
 *
 * A trial's point is an array of doubles, one per parameter: the value itself for DOUBLE,
 * INTEGER and DISCRETE, the category's index for CATEGORICAL.
 */
#ifndef SEER_TUNE_SPEC_H
#define SEER_TUNE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <seer/status.h>

#define SEER_TUNE_MAX_PARAMS   64
#define SEER_TUNE_MAX_VALUES   1000 /* categorical or discrete values per parameter */
#define SEER_TUNE_MAX_TRIALS   100000
#define SEER_TUNE_MAX_PARALLEL 256
#define SEER_TUNE_MAX_NAME     64
#define SEER_TUNE_DEFAULT_TAG  "training/hptuning/metric"

enum seer_tune_goal { SEER_TUNE_GOAL_MAXIMIZE, SEER_TUNE_GOAL_MINIMIZE };
enum seer_tune_algo { SEER_TUNE_ALGO_BAYES, SEER_TUNE_ALGO_GRID, SEER_TUNE_ALGO_RANDOM };
enum seer_tune_ptype {
    SEER_TUNE_PTYPE_DOUBLE,
    SEER_TUNE_PTYPE_INTEGER,
    SEER_TUNE_PTYPE_CATEGORICAL,
    SEER_TUNE_PTYPE_DISCRETE,
};
enum seer_tune_scale {
    SEER_TUNE_SCALE_NONE, /* unset: treated as linear */
    SEER_TUNE_SCALE_LINEAR,
    SEER_TUNE_SCALE_LOG,
    SEER_TUNE_SCALE_REVERSE_LOG,
};

struct seer_tune_param {
    const char *name;
    enum seer_tune_ptype type;
    enum seer_tune_scale scale;
    double min, max;         /* DOUBLE, INTEGER; for DISCRETE the first and last value */
    size_t n_values;         /* CATEGORICAL and DISCRETE */
    const char **categories; /* CATEGORICAL, n_values strings */
    const double *discrete;  /* DISCRETE, n_values increasing values */
};

struct seer_tune_spec {
    struct seer_arena *arena; /* owns the spec and everything below */
    enum seer_tune_goal goal;
    enum seer_tune_algo algo;
    const char *metric_tag;
    int64_t max_trials;
    int64_t max_parallel;
    int64_t max_failed; /* 0: the study fails only if no trial succeeds */
    bool early_stopping;
    const char *resume_job_id; /* NULL when unset */
    size_t n_params;
    struct seer_tune_param *params;
    const char *input_json; /* the trainingInput object as canonical JSON */
};

/* Parses a whole config document (a Job with trainingInput, as given to gcloud's --config)
 * from YAML or JSON text. Messages name the field path, e.g.
 * "trainingInput.hyperparameters.params[1].minValue: must be > 0 for UNIT_LOG_SCALE". */
int seer__tune_spec_parse(const char *text, size_t n, struct seer_tune_spec **out,
                          struct seer_err *err);

/* Parses a config document (JSON when it starts with '{', else YAML) into a cJSON tree. */
int seer__tune_doc_parse(const char *text, size_t n, cJSON **out, struct seer_err *err);

/* Builds a spec from an already parsed document (the root object). */
int seer__tune_spec_from_json(const cJSON *root, struct seer_tune_spec **out, struct seer_err *err);

void seer__tune_spec_free(struct seer_tune_spec *s); /* NULL ok */

/* Number of points in the grid (product of value counts), saturating at INT64_MAX; 0 when
 * a parameter is not discrete. */
int64_t seer__tune_grid_size(const struct seer_tune_spec *s);

/* Converts YAML text (the subset hptuning configs use: block maps and lists, flow lists
 * and maps on one line, plain and quoted scalars, comments) into a cJSON tree. A plain
 * scalar that reads as a number becomes a number that also keeps its text in valuestring,
 * so string fields can take it as written. Messages name the line. */
int seer__yaml_parse(const char *text, size_t n, cJSON **out, struct seer_err *err);

/* True when name is a valid parameter or job name: a letter, then letters, digits, '_'
 * (and for parameters also '-' and '.'), at most SEER_TUNE_MAX_NAME bytes. */
bool seer__tune_name_is_valid(const char *name, bool is_param);

#endif /* SEER_TUNE_SPEC_H */
