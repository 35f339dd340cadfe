/* Compiler helpers and the always-on assertion. */
#ifndef SEER_COMPILER_H
#define SEER_COMPILER_H

#include <stdio.h>
#include <stdlib.h>

#define SEER_UNUSED(x) ((void)(x))
#define SEER_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SEER_LIKELY(x) __builtin_expect(!!(x), 1)
#define SEER_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Always on. Only for programmer error: bad input is a status, never an assertion. */
#define SEER_ASSERT(x)                                                                   \
    do {                                                                                 \
        if (SEER_UNLIKELY(!(x))) {                                                       \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#endif /* SEER_COMPILER_H */
