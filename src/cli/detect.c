/* seer detect: placeholder until the detect path lands (issue #2). */
#include <stdio.h>

#include "cli/cli.h"

int seer_cli_detect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "seer detect: not built yet\n");
    return 1;
}

int seer_cli_models(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "seer models: not built yet\n");
    return 1;
}
