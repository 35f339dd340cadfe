/* Whole-file reads with limits, and atomic writes. */
#define _GNU_SOURCE
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

int seer_file_read(const char *path, size_t max_bytes, uint8_t **out, size_t *n,
                   struct seer_err *err)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0, size;
    int fd, rc = SEER_OK;

    *out = NULL;
    *n = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return seer_errf(err, errno == ENOENT ? SEER_ENOTFOUND : SEER_EIO, "%s: %s", path,
                         strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = seer_errf(err, SEER_EIO, "%s: not a regular file", path);
        goto out;
    }
    size = (size_t)st.st_size;
    if (max_bytes && size > max_bytes) {
        rc = seer_errf(err, SEER_ELIMIT, "%s: %zu bytes is over the limit of %zu", path, size,
                       max_bytes);
        goto out;
    }
    buf = seer_malloc(size + 1);
    if (!buf) {
        rc = seer_errf(err, SEER_ENOMEM, "%s: out of memory for %zu bytes", path, size);
        goto out;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = seer_errf(err, SEER_EIO, "%s: read failed at offset %zu", path, got);
            goto out;
        }
        got += (size_t)r;
    }
    buf[size] = 0;
    *out = buf;
    *n = size;
    buf = NULL;
out:
    seer_free(buf);
    close(fd);
    return rc;
}

int seer_file_write_atomic(const char *path, const void *p, size_t n, struct seer_err *err)
{
    char tmp[4096];
    const uint8_t *b = p;
    size_t done = 0;
    int fd;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
        return seer_errf(err, SEER_EINVAL, "%s: path too long", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return seer_errf(err, SEER_EIO, "%s: %s", tmp, strerror(errno));
    while (done < n) {
        ssize_t w = write(fd, b + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return seer_errf(err, SEER_EIO, "%s: write failed", tmp);
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return seer_errf(err, SEER_EIO, "%s: fsync failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return seer_errf(err, SEER_EIO, "%s: rename failed: %s", path, strerror(errno));
    }
    return SEER_OK;
}
