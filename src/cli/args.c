/* Option parsing shared by the subcommands (see args.h). */
#include "cli/args.h"

#include <stdlib.h>
#include <string.h>

bool seer__cli_opt(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);

    if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return true;
    }
    if (strcmp(argv[*i], name))
        return false;
    *out = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

bool seer__cli_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return false;
    v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}
