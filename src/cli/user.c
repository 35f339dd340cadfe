/* seer user add|passwd|del NAME [--state DIR]: manage the web app's users. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "serve/auth.h"

/* Reads a password: with a prompt and no echo (asked twice) on a terminal, else the first
 * line of standard input, so scripts can pipe one in. */
static int read_password(const char *user, char *pw, size_t cap)
{
    char again[1024];

    if (isatty(STDIN_FILENO)) {
        struct termios old, quiet;
        if (tcgetattr(STDIN_FILENO, &old) != 0)
            return 1;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        fprintf(stderr, "New password for %s: ", user);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        char *ok1 = fgets(pw, (int)cap, stdin);
        fprintf(stderr, "\nAgain: ");
        char *ok2 = fgets(again, sizeof(again), stdin);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
        if (!ok1 || !ok2)
            return 1;
        pw[strcspn(pw, "\r\n")] = 0;
        again[strcspn(again, "\r\n")] = 0;
        int same = !strcmp(pw, again);
        sodium_memzero(again, sizeof(again));
        if (!same) {
            fprintf(stderr, "seer user: the passwords differ\n");
            return 1;
        }
        return 0;
    }
    if (!fgets(pw, (int)cap, stdin)) {
        fprintf(stderr, "seer user: no password on standard input\n");
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = 0;
    return 0;
}

/* "--state DIR" among the arguments, or ./state. */
static const char *state_dir(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--state"))
            return argv[i + 1];
    return "./state";
}

int seer_cli_user(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "", *name = NULL;
    struct seer_auth *a = NULL;
    struct seer_err err = {{0}};
    char pw[1024] = "";
    int rc;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--state")) {
            i++;
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            name = NULL;
            break;
        }
    }
    if (!name || (strcmp(cmd, "add") && strcmp(cmd, "passwd") && strcmp(cmd, "del"))) {
        fprintf(stderr, "usage: seer user add|passwd|del NAME [--state DIR]\n"
                        "  a new password is read from standard input when it is not a "
                        "terminal\n");
        return 2;
    }
    rc = seer_auth_open(state_dir(argc, argv), &a, &err);
    if (rc)
        goto out;
    if (!strcmp(cmd, "del")) {
        rc = seer_auth_user_del(a, name, &err);
        if (!rc)
            fprintf(stderr, "seer user: deleted %s (and their tokens and sessions)\n", name);
        goto out;
    }
    if (read_password(name, pw, sizeof(pw))) {
        rc = 1;
        goto out;
    }
    rc = seer_auth_user_set(a, name, pw, !strcmp(cmd, "passwd"), &err);
    if (!rc)
        fprintf(stderr, "seer user: %s %s\n", !strcmp(cmd, "add") ? "added" : "new password for",
                name);
out:
    sodium_memzero(pw, sizeof(pw));
    seer_auth_free(a);
    if (rc && err.msg[0])
        fprintf(stderr, "seer user: %s\n", err.msg);
    return rc ? 1 : 0;
}
