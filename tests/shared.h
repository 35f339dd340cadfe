/* Where tests find ../shared and the installed models. */
#ifndef SEER_TESTS_SHARED_H
#define SEER_TESTS_SHARED_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Path of a file under the shared test material: $SEER_SHARED/rel or ../shared/rel. */
static inline const char *shared_path(const char *rel)
{
    static char buf[8][4096];
    static int k;
    const char *root = getenv("SEER_SHARED");
    char *b = buf[k++ & 7];

    snprintf(b, sizeof(buf[0]), "%s/%s", root && *root ? root : "../shared", rel);
    return b;
}

static inline int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

#endif /* SEER_TESTS_SHARED_H */
