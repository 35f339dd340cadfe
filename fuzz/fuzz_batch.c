/*
 * Fuzz target for the batch module's readers of untrusted files: the first byte picks
 * which. Even: the rest is a JSON Lines file of Cloud ML Engine instances, listed and each
 * instance loaded (base64 decoded). Odd: the rest is a chunk file found in a job's work
 * folder, read when the store opens (its done-index header) and, when it claims every
 * input, merged into the final files. Besides "no crash", it checks the contracts: every
 * failure carries a message, counts stay in range, and nothing leaks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seer/batch.h>

#include "core/alloc.h"

#define N_INPUTS 64

static char dir[64];

static void cleanup(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static bool put(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;

    if (f)
        fclose(f);
    return ok;
}

static void jsonl(const uint8_t *p, size_t n)
{
    struct seer_batch_inputs in;
    struct seer_err err = {{0}};
    char path[128];
    int rc;

    snprintf(path, sizeof(path), "%s/in.jsonl", dir);
    if (!put(path, p, n))
        return;
    seer_batch_inputs_init(&in);
    rc = seer_batch_inputs_jsonl(&in, path, &err);
    if (rc && !err.msg[0])
        abort();
    for (size_t i = 0; !rc && i < in.n && i < 64; i++) {
        uint8_t *b = NULL;
        size_t got = 0;
        int lrc;

        if (in.v[i].line < 1 || in.v[i].offset + in.v[i].len > n)
            abort();
        err.msg[0] = '\0';
        lrc = seer_batch_input_load(&in.v[i], 1 << 20, &b, &got, &err);
        if ((lrc && (!err.msg[0] || b)) || (!lrc && (!b || got > (1 << 20))))
            abort();
        seer_free(b);
    }
    seer_batch_inputs_clear(&in);
    unlink(path);
}

static void chunk(const uint8_t *p, size_t n)
{
    struct seer_batch_store_opts o = {0};
    struct seer_batch_store *s = NULL;
    struct seer_err err = {{0}};
    char path[256], cmd[128];
    int rc;

    o.dir = dir;
    o.n_shards = 1;
    o.fingerprint = 1;
    o.n_inputs = N_INPUTS;
    /* A clean job folder with the job file, then the fuzzed chunk in it. */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/.seer-batch-00000-of-00001'", dir);
    if (system(cmd) != 0 || seer_batch_store_open(&o, &s, &err))
        return;
    seer_batch_store_free(s);
    s = NULL;
    snprintf(path, sizeof(path), "%s/.seer-batch-00000-of-00001/chunk-00000001", dir);
    if (!put(path, p, n))
        return;
    rc = seer_batch_store_open(&o, &s, &err);
    if (rc && (!err.msg[0] || s))
        abort();
    if (!rc) {
        const uint8_t *done = seer_batch_store_done(s);
        size_t k = 0;

        for (size_t i = 0; i < N_INPUTS; i++)
            k += done[i] != 0;
        if (k != seer_batch_store_n_done(s) || seer_batch_store_n_failed(s) > k)
            abort();
        if (k == N_INPUTS) {
            err.msg[0] = '\0';
            if (seer_batch_store_finish(s, &err) && !err.msg[0])
                abort();
        }
    }
    seer_batch_store_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t live = seer_alloc_live();

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/seer-fuzz-batch-%d", (int)getpid());
        mkdir(dir, 0755);
        atexit(cleanup);
    }
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0)
        jsonl(data + 1, size - 1);
    else
        chunk(data + 1, size - 1);
    if (seer_alloc_live() != live)
        abort();
    return 0;
}
