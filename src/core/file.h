/*
 * Reading whole files with a size limit. The returned buffer is owned by the caller
 * (seer_free) and has one extra NUL byte after n_bytes, so text parsers can rely on it.
 */
#ifndef SEER_FILE_H
#define SEER_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

/* Reads path into *out (n_bytes in *n). max_bytes 0 means no limit. ELIMIT when bigger,
 * EIO/ENOTFOUND when unreadable; err names the path. */
int seer_file_read(const char *path, size_t max_bytes, uint8_t **out, size_t *n,
                   struct seer_err *err);

/* Writes bytes to path atomically (temp file + fsync + rename). */
int seer_file_write_atomic(const char *path, const void *p, size_t n, struct seer_err *err);

#endif /* SEER_FILE_H */
