/*
 * The web page's files, embedded in the binary by tools/embed.sh (see the Makefile):
 * a table of {path, content type, bytes, length} ending with a NULL path.
 */
#ifndef SEER_SERVE_ASSETS_H
#define SEER_SERVE_ASSETS_H

#include <stddef.h>

struct seer_asset {
    const char *path, *type;   /* "/index.html", "text/html; charset=utf-8" */
    const unsigned char *data; /* len bytes (a NUL follows) */
    size_t len;
};

extern const struct seer_asset seer_assets[];

#endif /* SEER_SERVE_ASSETS_H */
