/* seer serve: the web app and prediction API (flags, or the same keys in a config file). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "serve/serve.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: seer serve [options]\n"
               "  --port N            TCP port (8080; 0 picks a free one and logs it)\n"
               "  --bind ADDR         numeric IPv4/IPv6 address to listen on (all)\n"
               "  --models DIR        model repository, models/<name>/<version>/ (./models)\n"
               "  --state DIR         users, tokens and sessions (./state)\n"
               "  --threads N         inference workers (one per 4 cores, at least 1)\n"
               "  --model-threads N   threads per inference (cores / workers)\n"
               "  --queue N           inference requests that may wait (4 per worker)\n"
               "  --max-body BYTES    request body limit (20971520)\n"
               "  --max-pixels N      decoded pixels per photo (image module default)\n"
               "  --scan-ms N         model folder rescan period, 0 = only on SIGHUP (2000)\n"
               "  --tls-cert FILE     PEM certificate: serve HTTPS (with --tls-key)\n"
               "  --tls-key FILE      PEM private key\n"
               "  --job-root DIR      batch jobs may read and write only here (repeatable;\n"
               "                      default: STATE/jobs)\n"
               "  --tune-trainer NAME=COMMAND\n"
               "                      a trainer tuning jobs may run (repeatable): a request\n"
               "                      names it as trainingInput.pythonModule; COMMAND is run\n"
               "                      by /bin/sh with the trial's --name=value arguments\n"
               "  --config FILE       the same settings as 'key = value' lines\n");
}

static int parse_int(const char *key, const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long x;

    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || !*v || *end || x < lo || x > hi) {
        fprintf(stderr, "seer serve: %s: '%s' is not a number in [%lld, %lld]\n", key, v, lo, hi);
        return 2;
    }
    *out = x;
    return 0;
}

/* Applies one setting; strings are kept (they point into argv or the config copy). */
static int set(struct seer_serve_opts *o, const char *key, const char *v)
{
    long long x;
    int rc;

    if (!strcmp(key, "bind"))
        o->bind = v;
    else if (!strcmp(key, "models"))
        o->models_dir = v;
    else if (!strcmp(key, "state"))
        o->state_dir = v;
    else if (!strcmp(key, "tls-cert"))
        o->tls_cert = v;
    else if (!strcmp(key, "tls-key"))
        o->tls_key = v;
    else if (!strcmp(key, "job-root")) {
        if (o->n_job_roots >= (int)(sizeof(o->job_roots) / sizeof(o->job_roots[0]))) {
            fprintf(stderr, "seer serve: too many job roots\n");
            return 2;
        }
        o->job_roots[o->n_job_roots++] = v;
    } else if (!strcmp(key, "tune-trainer")) {
        if (o->n_tune_trainers >= (int)(sizeof(o->tune_trainers) / sizeof(o->tune_trainers[0]))) {
            fprintf(stderr, "seer serve: too many tuning trainers\n");
            return 2;
        }
        o->tune_trainers[o->n_tune_trainers++] = v;
    } else if (!strcmp(key, "port"))
        return (rc = parse_int(key, v, 0, 65535, &x)) ? rc : (o->port = (int)x, 0);
    else if (!strcmp(key, "threads"))
        return (rc = parse_int(key, v, 0, 256, &x)) ? rc : (o->n_workers = (int)x, 0);
    else if (!strcmp(key, "model-threads"))
        return (rc = parse_int(key, v, 0, 256, &x)) ? rc : (o->model_threads = (int)x, 0);
    else if (!strcmp(key, "queue"))
        return (rc = parse_int(key, v, 0, 100000, &x)) ? rc : (o->queue_len = (int)x, 0);
    else if (!strcmp(key, "max-body"))
        return (rc = parse_int(key, v, 1024, 1LL << 32, &x)) ? rc
                                                             : (o->max_body_bytes = (size_t)x, 0);
    else if (!strcmp(key, "max-pixels"))
        return (rc = parse_int(key, v, 0, 1LL << 34, &x)) ? rc : (o->max_pixels = x, 0);
    else if (!strcmp(key, "scan-ms"))
        return (rc = parse_int(key, v, 0, 3600000, &x)) ? rc : (o->scan_interval_ms = (int)x, 0);
    else {
        fprintf(stderr, "seer serve: unknown setting '%s'\n", key);
        return 2;
    }
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

/* Reads 'key = value' lines (# comments). Lines are kept for the life of the command. */
static int load_config(struct seer_serve_opts *o, const char *path, char ***keep, int *n_keep)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    int ln = 0, rc = 0;

    if (!f) {
        fprintf(stderr, "seer serve: --config %s: %s\n", path, strerror(errno));
        return 1;
    }
    while (!rc && fgets(line, sizeof(line), f)) {
        char *s = trim(line), *eq, *copy;
        ln++;
        if (!*s || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "seer serve: %s:%d: expected 'key = value'\n", path, ln);
            rc = 2;
            break;
        }
        copy = seer_strdup(s);
        char **nk = copy ? seer_realloc(*keep, (size_t)(*n_keep + 1) * sizeof(char *)) : NULL;
        if (!nk) {
            seer_free(copy);
            rc = 1;
            break;
        }
        *keep = nk;
        (*keep)[(*n_keep)++] = copy;
        copy[eq - s] = 0;
        rc = set(o, trim(copy), trim(copy + (eq - s) + 1));
        if (rc)
            fprintf(stderr, "seer serve: (in %s line %d)\n", path, ln);
    }
    fclose(f);
    return rc;
}

int seer_cli_serve(int argc, char **argv)
{
    struct seer_serve_opts o;
    struct seer_err err = {{0}};
    char **keep = NULL;
    int n_keep = 0, rc = 0;

    seer__serve_opts_init(&o);
    /* The config file first, so flags on the command line override it. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            rc = load_config(&o, argv[i + 1], &keep, &n_keep);
            if (rc)
                goto out;
        }
    }
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            goto out;
        }
        if (strncmp(a, "--", 2) || i + 1 >= argc) {
            fprintf(stderr, "seer serve: unexpected '%s'\n", a);
            usage(stderr);
            rc = 2;
            goto out;
        }
        if (strcmp(a, "--config"))
            rc = set(&o, a + 2, argv[i + 1]);
        i++;
    }
    if (rc)
        goto out;
    if (seer_serve_run(&o, &err) != 0) {
        fprintf(stderr, "seer serve: %s\n", err.msg);
        rc = 1;
    }
out:
    for (int i = 0; i < n_keep; i++)
        seer_free(keep[i]);
    seer_free(keep);
    return rc;
}
