/* seer token create --name NAME [--user USER] | revoke NAME | list  [--state DIR] */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli.h"
#include "serve/auth.h"

/* "--state DIR" among the arguments, or ./state. */
static const char *state_dir(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--state"))
            return argv[i + 1];
    return "./state";
}

static void print_token(void *ctx, const char *name, const char *user, int64_t created)
{
    char when[32];
    time_t t = (time_t)created;
    struct tm tm;

    (void)ctx;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%-24s %-16s %s\n", name, user, when);
}

int seer_cli_token(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "", *name = NULL, *user = "admin";
    struct seer_auth *a = NULL;
    struct seer_err err = {{0}};
    char tok[SEER_AUTH_TOKEN_CHARS];
    int rc;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--state") && i + 1 < argc)
            i++;
        else if (!strcmp(argv[i], "--name") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--user") && i + 1 < argc)
            user = argv[++i];
        else if (!name && argv[i][0] != '-' && !strcmp(cmd, "revoke"))
            name = argv[i];
        else
            cmd = "";
    }
    if (!((!strcmp(cmd, "create") && name) || (!strcmp(cmd, "revoke") && name) ||
          !strcmp(cmd, "list"))) {
        fprintf(stderr, "usage: seer token create --name NAME [--user USER] [--state DIR]\n"
                        "       seer token revoke NAME [--state DIR]\n"
                        "       seer token list [--state DIR]\n"
                        "  create prints only the token on standard output\n");
        return 2;
    }
    rc = seer_auth_open(state_dir(argc, argv), &a, &err);
    if (rc)
        goto out;
    if (!strcmp(cmd, "create")) {
        rc = seer_auth_token_create(a, name, user, tok, &err);
        if (!rc) {
            printf("%s\n", tok);
            fflush(stdout);
            sodium_memzero(tok, sizeof(tok));
        }
    } else if (!strcmp(cmd, "revoke")) {
        rc = seer_auth_token_revoke(a, name, &err);
        if (!rc)
            fprintf(stderr, "seer token: revoked %s\n", name);
    } else {
        rc = seer_auth_token_each(a, print_token, NULL, &err);
    }
out:
    seer_auth_free(a);
    if (rc && err.msg[0])
        fprintf(stderr, "seer token: %s\n", err.msg);
    return rc ? 1 : 0;
}
