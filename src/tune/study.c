/* Opening the tuning store and creating studies (see tune.h). */
#include "tune/study.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "tune/runner.h"
#include "tune/space.h"

static int mkdir_p(const char *path, struct seer_err *err)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return seer_errf(err, SEER_EINVAL, "bad directory '%.100s'", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) && errno != EEXIST)
            return seer_errf(err, SEER_EIO, "%.200s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) && errno != EEXIST)
        return seer_errf(err, SEER_EIO, "%.200s: %s", buf, strerror(errno));
    return 0;
}

int seer_tune_open(const char *state_dir, struct seer_tune_db **out, struct seer_err *err)
{
    struct seer_tune_db *db = NULL;
    char abs[PATH_MAX], path[PATH_MAX + 16];
    int rc;

    *out = NULL;
    rc = mkdir_p(state_dir, err);
    if (rc)
        return rc;
    if (!realpath(state_dir, abs))
        return seer_errf(err, SEER_EIO, "%.200s: %s", state_dir, strerror(errno));
    db = seer_calloc(1, sizeof(*db));
    if (!db || !(db->state_dir = seer_strdup(abs))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/tune.db", abs);
    rc = seer__store_open(path, &db->st, err);
    if (rc)
        goto out;
    *out = db;
    db = NULL;
out:
    seer_tune_close(db);
    return rc;
}

void seer_tune_close(struct seer_tune_db *db)
{
    if (!db)
        return;
    seer__store_close(db->st);
    seer_free(db->state_dir);
    seer_free(db);
}

bool seer__study_parse_point(const struct seer_tune_spec *s, const char *params_json, double *point)
{
    cJSON *o = cJSON_Parse(params_json);
    bool ok = cJSON_IsObject(o);

    for (size_t i = 0; ok && i < s->n_params; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, s->params[i].name);

        ok = cJSON_IsString(v) && seer__space_parse(&s->params[i], v->valuestring, &point[i]);
    }
    cJSON_Delete(o);
    return ok;
}

char *seer__study_point_json(const struct seer_tune_spec *s, const double *point)
{
    cJSON *o = cJSON_CreateObject();
    char buf[600], *txt, *out = NULL;
    bool ok = o != NULL;

    for (size_t i = 0; ok && i < s->n_params; i++)
        ok = seer__space_format(&s->params[i], point[i], buf, sizeof(buf)) >= 0 &&
             cJSON_AddStringToObject(o, s->params[i].name, buf);
    txt = ok ? cJSON_PrintUnformatted(o) : NULL;
    if (txt)
        out = seer_strdup(txt);
    cJSON_free(txt);
    cJSON_Delete(o);
    return out;
}

static int pick_job_id(struct seer_tune_db *db, const char *want, char *job_id,
                       struct seer_err *err)
{
    struct seer_arena *a = seer_arena_new(4096);
    struct seer__study_row row;
    struct seer_err e2 = {{0}};
    char base[32];
    int rc = 0;

    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    if (want) {
        if (!seer__tune_name_is_valid(want, false)) {
            rc = seer_errf(err, SEER_EINVAL,
                           "job id '%.80s' is not valid (a letter, then "
                           "letters, digits or '_', at most %d)",
                           want, SEER_TUNE_MAX_NAME);
            goto out;
        }
        snprintf(job_id, SEER_TUNE_JOB_ID_MAX, "%s", want);
        goto out; /* an existing id is refused by the insert */
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(base, sizeof(base), "tune_%Y%m%d_%H%M%S", &tm);
    snprintf(job_id, SEER_TUNE_JOB_ID_MAX, "%s", base);
    for (int k = 2; k < 1000; k++) {
        rc = seer__store_study_get(db->st, job_id, a, &row, &e2);
        if (rc == SEER_ENOTFOUND) {
            rc = 0;
            goto out;
        }
        if (rc) {
            *err = e2;
            goto out;
        }
        snprintf(job_id, SEER_TUNE_JOB_ID_MAX, "%s_%d", base, k);
    }
    rc = seer_errf(err, SEER_EBUSY, "no free job id");
out:
    seer_arena_free(a);
    return rc;
}

int seer_tune_create(struct seer_tune_db *db, const char *config, size_t n,
                     const struct seer_tune_opts *o, char *job_id, struct seer_err *err)
{
    struct seer_tune_spec *s = NULL;
    struct seer_arena *a = NULL;
    cJSON *root = NULL, *cmd = NULL;
    char *config_json = NULL, *cmd_json = NULL, cwd[PATH_MAX], exe[PATH_MAX];
    const cJSON *jid;
    struct seer__study_row row = {0}, prev;
    int rc;

    job_id[0] = '\0';
    rc = seer__tune_doc_parse(config, n, &root, err);
    if (rc)
        return rc;
    rc = seer__tune_spec_from_json(root, &s, err);
    if (rc)
        goto out;
    if (!o->argv || !o->argv[0]) {
        rc = seer_errf(err, SEER_EINVAL, "no trainer command given");
        goto out;
    }
    if (!o->executor && seer__which(o->argv[0], exe, sizeof(exe))) {
        rc = seer_errf(err, SEER_ENOTFOUND, "cannot find executable '%.200s'", o->argv[0]);
        goto out;
    }
    if (o->executor && !strstr(o->executor, "{cmd}")) {
        rc = seer_errf(err, SEER_EINVAL, "--executor: the template needs {cmd}");
        goto out;
    }
    if (o->trial_timeout_s < 0 || o->parallel < 0 || o->parallel > SEER_TUNE_MAX_PARALLEL) {
        rc = seer_errf(err, SEER_EINVAL, "bad timeout or parallelism");
        goto out;
    }
    if (!(a = seer_arena_new(4096))) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if (s->resume_job_id) {
        rc = seer__store_study_get(db->st, s->resume_job_id, a, &prev, err);
        if (rc == SEER_ENOTFOUND)
            seer_errf(err, SEER_EFORMAT,
                      "trainingInput.hyperparameters.resumePreviousJobId: "
                      "no tuning job '%s'",
                      s->resume_job_id);
        if (rc)
            goto out;
    }
    jid = cJSON_GetObjectItemCaseSensitive(root, "jobId");
    rc = pick_job_id(db,
                     o->job_id             ? o->job_id
                     : cJSON_IsString(jid) ? jid->valuestring
                                           : NULL,
                     job_id, err);
    if (rc)
        goto out;
    if (!(cmd = cJSON_CreateArray())) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; o->argv[i]; i++)
        if (!cJSON_AddItemToArray(cmd, cJSON_CreateString(o->argv[i]))) {
            rc = seer_errf(err, SEER_ENOMEM, "out of memory");
            goto out;
        }
    cJSON_DeleteItemFromObjectCaseSensitive(root, "jobId");
    config_json = cJSON_PrintUnformatted(root);
    cmd_json = cJSON_PrintUnformatted(cmd);
    if (!config_json || !cmd_json) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    if (!o->cwd && !getcwd(cwd, sizeof(cwd))) {
        rc = seer_errf(err, SEER_EIO, "getcwd: %s", strerror(errno));
        goto out;
    }
    row.job_id = job_id;
    row.config = config_json;
    row.command = cmd_json;
    row.executor = o->executor;
    row.cwd = o->cwd ? o->cwd : cwd;
    row.parallel = o->parallel ? o->parallel : s->max_parallel;
    row.timeout_s = o->trial_timeout_s;
    row.chdir_trial = o->chdir_trial;
    row.seed = o->seed ? o->seed : (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
    row.seed &= INT64_MAX; /* SQLite integers are signed */
    row.state = "QUEUED";
    row.create_time = seer__now();
    rc = seer__store_study_insert(db->st, &row, err);
out:
    if (rc)
        job_id[0] = '\0';
    cJSON_free(config_json);
    cJSON_free(cmd_json);
    cJSON_Delete(cmd);
    cJSON_Delete(root);
    seer__tune_spec_free(s);
    seer_arena_free(a);
    return rc;
}
