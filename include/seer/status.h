/*
 * Status codes and error messages shared by every Seer module.
 *
 * Every action returns 0 (SEER_OK) or a negative status. Code that consumes untrusted
 * bytes also takes a struct seer_err, which receives a human-readable message naming the
 * location of the problem (file offset, node, field). The caller owns the struct.
 */
#ifndef SEER_STATUS_H
#define SEER_STATUS_H

enum seer_status {
    SEER_OK = 0,
    SEER_ENOMEM = -1,       /* out of memory */
    SEER_EINVAL = -2,       /* caller bug or bad argument */
    SEER_EFORMAT = -3,      /* malformed untrusted input */
    SEER_EUNSUPPORTED = -4, /* well-formed but not supported (op, format, dtype) */
    SEER_ELIMIT = -5,       /* over a configured limit (pixels, bytes, dims) */
    SEER_EIO = -6,          /* file or socket error */
    SEER_ENOTFOUND = -7,    /* named thing (model, file, user) does not exist */
    SEER_EBUSY = -8,        /* queue full, try later */
};

struct seer_err {
    char msg[256]; /* human detail; empty string when none */
};

/* Formats a message into e (if e is not NULL) and returns rc unchanged. */
int seer_errf(struct seer_err *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with a context string ("model.json: "), keeping the old text. */
void seer_err_prefix(struct seer_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears e->msg. */
void seer_err_clear(struct seer_err *e);

/* Short name of a status ("EFORMAT"). Never NULL. */
const char *seer_status_name(int rc);

#endif /* SEER_STATUS_H */
