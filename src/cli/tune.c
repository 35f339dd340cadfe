/*
 * seer tune: hyperparameter search with Cloud ML Engine's spec, for any trainer command.
 *
 *   seer tune --config hptuning.yaml [options] -- COMMAND [ARGS...]
 *   seer tune --resume JOB_ID
 *   seer tune --list | --show JOB_ID [--json]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/file.h"
#include "tune/tune.h"

#define MAX_CONFIG_BYTES (1u << 20)

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: seer tune --config FILE [options] -- COMMAND [ARGS...]\n"
               "       seer tune --resume JOB_ID [--state DIR]\n"
               "       seer tune --list [--json] [--state DIR]\n"
               "       seer tune --show JOB_ID [--json] [--state DIR]\n"
               "\n"
               "Runs COMMAND once per trial with --name=value appended for each parameter of\n"
               "trainingInput.hyperparameters (Cloud ML Engine's spec, YAML or JSON). A trial\n"
               "reports its metric through the cloudml-hypertune file ($CLOUD_ML_HP_METRIC_FILE)\n"
               "or as 'TAG=VALUE' lines on standard output (optionally with global_step=N).\n"
               "\n"
               "options:\n"
               "  --config FILE        the tuning config\n"
               "  --state DIR          where studies are kept (default ./state)\n"
               "  --job-id ID          name the study (default: the config's jobId or a time)\n"
               "  --parallel N         trials at once (default: maxParallelTrials)\n"
               "  --executor TEMPLATE  run trials through a command, e.g. 'srun -N1 {cmd}';\n"
               "                       also {env} (NAME=value list), {trial}, {dir}\n"
               "  --trial-timeout SEC  kill a trial running longer, and count it failed\n"
               "  --seed N             seed of the search (default: from the clock)\n"
               "  --chdir              run each trial inside its own directory\n"
               "  --json               print Cloud ML Engine's Job JSON (with --show, --list,\n"
               "                       or after a run)\n"
               "  --quiet              no line per finished trial\n");
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return !*s || *end || errno || !(*out >= lo && *out <= hi) ? -1 : 0;
}

static int print_result(struct seer_tune_db *db, const char *job_id, bool json)
{
    struct seer_err err = {{0}};
    char *txt = NULL;
    int rc;

    if (json) {
        rc = seer_tune_show_json(db, job_id, &txt, &err);
        if (!rc)
            printf("%s\n", txt);
        seer_free(txt);
    } else {
        rc = seer_tune_show_table(db, job_id, stdout, &err);
    }
    if (rc)
        fprintf(stderr, "seer tune: %s\n", err.msg);
    return rc;
}

int seer_cli_tune(int argc, char **argv)
{
    const char *config = NULL, *state = "state", *resume = NULL, *show = NULL;
    bool list = false, json = false, quiet = false;
    struct seer_tune_opts o = {0};
    struct seer_tune_db *db = NULL;
    struct seer_err err = {{0}};
    char job_id[SEER_TUNE_JOB_ID_MAX], final[16];
    uint8_t *text = NULL;
    size_t n_text = 0;
    int i, ret = 1, rc;
    double v;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--list")) {
            list = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "--chdir")) {
            o.chdir_trial = true;
        } else if (!val) {
            fprintf(stderr, "seer tune: %s needs a value (or unknown option)\n", a);
            usage(stderr);
            return 2;
        } else if (!strcmp(a, "--config")) {
            config = argv[++i];
        } else if (!strcmp(a, "--state")) {
            state = argv[++i];
        } else if (!strcmp(a, "--resume")) {
            resume = argv[++i];
        } else if (!strcmp(a, "--show")) {
            show = argv[++i];
        } else if (!strcmp(a, "--job-id")) {
            o.job_id = argv[++i];
        } else if (!strcmp(a, "--executor")) {
            o.executor = argv[++i];
        } else if (!strcmp(a, "--parallel")) {
            if (parse_num(argv[++i], 1, 256, &v) || v != (int64_t)v) {
                fprintf(stderr, "seer tune: --parallel: expected an integer 1..256\n");
                return 2;
            }
            o.parallel = (int64_t)v;
        } else if (!strcmp(a, "--trial-timeout")) {
            if (parse_num(argv[++i], 0.001, 1e9, &v)) {
                fprintf(stderr, "seer tune: --trial-timeout: expected seconds > 0\n");
                return 2;
            }
            o.trial_timeout_s = v;
        } else if (!strcmp(a, "--seed")) {
            if (parse_num(argv[++i], 1, 9e15, &v) || v != (int64_t)v) {
                fprintf(stderr, "seer tune: --seed: expected a positive integer\n");
                return 2;
            }
            o.seed = (uint64_t)v;
        } else {
            fprintf(stderr, "seer tune: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if ((config != NULL) + (resume != NULL) + (show != NULL) + list != 1) {
        fprintf(stderr, "seer tune: give exactly one of --config, --resume, --show, --list\n");
        usage(stderr);
        return 2;
    }
    if (config && i >= argc) {
        fprintf(stderr, "seer tune: no trainer command (put it after --)\n");
        return 2;
    }
    if (!config && i < argc) {
        fprintf(stderr, "seer tune: a command is only taken with --config\n");
        return 2;
    }
    rc = seer_tune_open(state, &db, &err);
    if (rc) {
        fprintf(stderr, "seer tune: %s\n", err.msg);
        return 1;
    }
    if (list || show) {
        char *txt = NULL;

        if (list && json)
            rc = seer_tune_list_json(db, &txt, &err);
        else if (list)
            rc = seer_tune_list_table(db, stdout, &err);
        else if (json)
            rc = seer_tune_show_json(db, show, &txt, &err);
        else
            rc = seer_tune_show_table(db, show, stdout, &err);
        if (!rc && txt)
            printf("%s\n", txt);
        seer_free(txt);
        if (rc)
            fprintf(stderr, "seer tune: %s\n", err.msg);
        ret = rc ? 1 : 0;
        goto out;
    }
    if (config) {
        rc = seer_file_read(config, MAX_CONFIG_BYTES, &text, &n_text, &err);
        if (!rc) {
            o.argv = (const char *const *)(argv + i);
            rc = seer_tune_create(db, (const char *)text, n_text, &o, job_id, &err);
            if (rc)
                seer_err_prefix(&err, "%s: ", config);
        }
        if (rc) {
            fprintf(stderr, "seer tune: %s\n", err.msg);
            goto out;
        }
        fprintf(stderr, "seer tune: study %s (resume with: seer tune --resume %s%s%s)\n", job_id,
                job_id, strcmp(state, "state") ? " --state " : "",
                strcmp(state, "state") ? state : "");
    } else {
        snprintf(job_id, sizeof(job_id), "%s", resume);
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct seer_tune_ctl ctl = {.stop = &stop_flag, .progress = quiet ? NULL : stderr};
    rc = seer_tune_run(db, job_id, &ctl, final, &err);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (rc) {
        fprintf(stderr, "seer tune: %s\n", err.msg);
        goto out;
    }
    if (print_result(db, job_id, json))
        goto out;
    if (!strcmp(final, "CANCELLED"))
        fprintf(stderr, "seer tune: stopped; resume with: seer tune --resume %s\n", job_id);
    ret = strcmp(final, "SUCCEEDED") ? 1 : 0;
out:
    seer_free(text);
    seer_tune_close(db);
    return ret;
}
