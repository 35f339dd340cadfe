/* Line-oriented logging to stderr. One fprintf per line keeps lines whole across threads. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int level = -1;

static enum seer_log_level env_level(void)
{
    const char *s = getenv("SEER_LOG");

    if (!s)
        return SEER_LOG_INFO;
    if (!strcmp(s, "error"))
        return SEER_LOG_ERROR;
    if (!strcmp(s, "warn"))
        return SEER_LOG_WARN;
    if (!strcmp(s, "debug"))
        return SEER_LOG_DEBUG;
    return SEER_LOG_INFO;
}

void seer_log_set_level(enum seer_log_level lvl)
{
    level = (int)lvl;
}

enum seer_log_level seer_log_get_level(void)
{
    if (level < 0)
        level = (int)env_level();
    return (enum seer_log_level)level;
}

void seer_log(enum seer_log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    char msg[1024], ts[32];
    struct timespec now;
    struct tm tm;
    va_list ap;

    if ((int)lvl > (int)seer_log_get_level())
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ %s %s\n", ts, now.tv_nsec / 1000000, names[lvl], msg);
}
