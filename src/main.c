/* The seer command: dispatches to subcommands in src/cli/. The only caller of exit(). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} cmds[] = {
    {"detect", seer_cli_detect, "detect objects in photos"},
    {"models", seer_cli_models, "list installed models"},
    {"bench", seer_cli_bench, "time a model alone (median/min/max ms)"},
    {"eval", seer_cli_eval, "COCO detection metrics (mAP)"},
    {"batch", seer_cli_batch, "batch prediction over many photos (resumable, sharded)"},
    {"serve", seer_cli_serve, "web app and prediction API (HTTP)"},
    {"user", seer_cli_user, "add, delete users or set passwords"},
    {"token", seer_cli_token, "create, revoke, list API tokens"},
    {"tune", seer_cli_tune, "hyperparameter search (Cloud ML Engine spec)"},
    {"import", seer_cli_import, "add a TF frozen graph or SavedModel to the models"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: seer COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\n'seer COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "seer: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
