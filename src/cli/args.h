/* Option parsing shared by the subcommands. */
#ifndef SEER_CLI_ARGS_H
#define SEER_CLI_ARGS_H

#include <stdbool.h>

/* Matches argv[*i] against "--name value" or "--name=value". On a match returns true
 * and sets *out to the value (NULL when it is missing), advancing *i past a separate
 * value. */
bool seer__cli_opt(int argc, char **argv, int *i, const char *name, const char **out);

/* Parses a whole decimal integer in [lo, hi]; false for anything else (or NULL). */
bool seer__cli_int(const char *s, int lo, int hi, int *out);

#endif /* SEER_CLI_ARGS_H */
