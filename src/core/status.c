/* Error messages: formatting and status names. */
#include <seer/status.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int seer_errf(struct seer_err *e, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return rc;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return rc;
}

void seer_err_prefix(struct seer_err *e, const char *fmt, ...)
{
    char head[128], old[sizeof(e->msg)];
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    size_t hn = strlen(head), on;

    memcpy(old, e->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    if (hn >= sizeof(e->msg))
        hn = sizeof(e->msg) - 1;
    on = strlen(old);
    if (on > sizeof(e->msg) - 1 - hn)
        on = sizeof(e->msg) - 1 - hn;
    memcpy(e->msg, head, hn);
    memcpy(e->msg + hn, old, on);
    e->msg[hn + on] = '\0';
}

void seer_err_clear(struct seer_err *e)
{
    if (e)
        e->msg[0] = '\0';
}

const char *seer_status_name(int rc)
{
    switch (rc) {
    case SEER_OK: return "OK";
    case SEER_ENOMEM: return "ENOMEM";
    case SEER_EINVAL: return "EINVAL";
    case SEER_EFORMAT: return "EFORMAT";
    case SEER_EUNSUPPORTED: return "EUNSUPPORTED";
    case SEER_ELIMIT: return "ELIMIT";
    case SEER_EIO: return "EIO";
    case SEER_ENOTFOUND: return "ENOTFOUND";
    case SEER_EBUSY: return "EBUSY";
    }
    return "EUNKNOWN";
}
