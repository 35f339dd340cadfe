/*
 * Logging to standard error: one line per message, with a level and a UTC timestamp.
 * The level comes from SEER_LOG (error, warn, info, debug); the default is info.
 */
#ifndef SEER_LOG_H
#define SEER_LOG_H

enum seer_log_level {
    SEER_LOG_ERROR = 0,
    SEER_LOG_WARN = 1,
    SEER_LOG_INFO = 2,
    SEER_LOG_DEBUG = 3,
};

void seer_log(enum seer_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seer_log_set_level(enum seer_log_level lvl);
enum seer_log_level seer_log_get_level(void);

#define seer_log_error(...) seer_log(SEER_LOG_ERROR, __VA_ARGS__)
#define seer_log_warn(...) seer_log(SEER_LOG_WARN, __VA_ARGS__)
#define seer_log_info(...) seer_log(SEER_LOG_INFO, __VA_ARGS__)
#define seer_log_debug(...) seer_log(SEER_LOG_DEBUG, __VA_ARGS__)

#endif /* SEER_LOG_H */
