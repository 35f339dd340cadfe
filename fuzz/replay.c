/*
 * Replays a fuzz target over its corpus under the normal compiler, so `make test` runs
 * every input that ever crashed a parser. Usage: replay_X [DIR...]; default
 * fuzz/corpus/X/. Prints "N passed, 0 failed": a crash ends the process, which the test
 * script reports as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_dir(const char *dir, int *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d) {
        printf("    no corpus at %s\n", dir);
        return 0;
    }
    while ((e = readdir(d))) {
        char path[4096];
        uint8_t *buf;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (seer_file_read(path, 0, &buf, &len, NULL))
            continue;
        LLVMFuzzerTestOneInput(buf, len);
        seer_free(buf);
        (*n)++;
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    char dir[4096];
    int n = 0;

    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            run_dir(argv[i], &n);
    } else {
        /* "replay_http_query" -> fuzz/corpus/http_query: target names may hold '_'. */
        const char *name = strstr(argv[0], "replay_");
        snprintf(dir, sizeof(dir), "fuzz/corpus/%s", name ? name + 7 : "none");
        run_dir(dir, &n);
    }
    printf("%d passed, 0 failed\n", n);
    return 0;
}
