/*
 * Users, API tokens, browser sessions and login throttling, kept in the state directory's
 * SQLite database (state/seer.db).
 *
 * Passwords are stored only as argon2id hashes (libsodium crypto_pwhash_str). Tokens and
 * session ids are 256-bit random values shown once; the database keeps only their BLAKE2b
 * hashes. struct seer_auth owns its database connection and is safe to use from many
 * threads. Functions that take `now` use it as the clock, so tests can move time.
 */
#ifndef SEER_SERVE_AUTH_H
#define SEER_SERVE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seer/status.h>

struct seer_arena;
struct seer_auth; /* opaque */

#define SEER_AUTH_TOKEN_CHARS  64 /* room for a token or session id, NUL included */
#define SEER_AUTH_SESSION_S    (12 * 3600)
#define SEER_AUTH_MIN_PASSWORD 8

/* Opens (creating) state_dir/seer.db and migrates its tables. */
int seer_auth_open(const char *state_dir, struct seer_auth **out, struct seer_err *err);
void seer_auth_free(struct seer_auth *a); /* NULL ok */

/* ---- users ---- */

/* When no user exists, creates "admin" with a random password written to pw (cap >= 32)
 * and sets *created; otherwise leaves pw empty. */
int seer_auth_bootstrap(struct seer_auth *a, char *pw, size_t cap, bool *created,
                        struct seer_err *err);
/* Adds a user (EINVAL if it exists) or, with replace, sets an existing user's password
 * (ENOTFOUND if it does not exist). Names: 1-64 of [A-Za-z0-9._-]. */
int seer_auth_user_set(struct seer_auth *a, const char *name, const char *password, bool replace,
                       struct seer_err *err);
int seer_auth_user_del(struct seer_auth *a, const char *name, struct seer_err *err);
int seer_auth_user_count(struct seer_auth *a, int *n, struct seer_err *err);
/* Verifies a password (argon2id, with a short-lived cache of recent successes so HTTP
 * Basic auth does not pay the hash on every request). *ok false on mismatch or no user. */
int seer_auth_password_check(struct seer_auth *a, const char *name, const char *password, bool *ok,
                             struct seer_err *err);

/* ---- API tokens ---- */

/* Creates token `name` for user (ENOTFOUND if no such user, EINVAL if the name is taken)
 * and writes the token (shown only this once) into tok. */
int seer_auth_token_create(struct seer_auth *a, const char *name, const char *user,
                           char tok[SEER_AUTH_TOKEN_CHARS], struct seer_err *err);
int seer_auth_token_revoke(struct seer_auth *a, const char *name, struct seer_err *err);
/* Calls fn for every token (name, user, created unix time). */
int seer_auth_token_each(struct seer_auth *a,
                         void (*fn)(void *ctx, const char *name, const char *user, int64_t created),
                         void *ctx, struct seer_err *err);
/* The user a token belongs to (in the arena), or ENOTFOUND. */
int seer_auth_token_check(struct seer_auth *a, const char *token, struct seer_arena *ar,
                          const char **user);

/* ---- sessions (the web page) ---- */

/* Starts a session for user: writes the session id (for the cookie) and its CSRF token. */
int seer_auth_session_new(struct seer_auth *a, const char *user, int64_t now,
                          char sid[SEER_AUTH_TOKEN_CHARS], char csrf[SEER_AUTH_TOKEN_CHARS],
                          struct seer_err *err);
/* The user and CSRF token of a live session (in the arena), or ENOTFOUND. */
int seer_auth_session_get(struct seer_auth *a, const char *sid, int64_t now, struct seer_arena *ar,
                          const char **user, const char **csrf);
void seer_auth_session_end(struct seer_auth *a, const char *sid);
/* Constant-time string equality (lengths are compared first; they are not secret). */
bool seer_auth_str_eq(const char *x, const char *y);

/* ---- throttling failed logins per client address ---- */

/* Milliseconds the client must still wait before its next attempt (0: go ahead). */
int64_t seer_auth_throttle_wait_ms(struct seer_auth *a, const char *ip, int64_t now_ms);
/* A failed attempt: after 3 failures each further one doubles the wait (1 s ... 15 min). */
void seer_auth_throttle_fail(struct seer_auth *a, const char *ip, int64_t now_ms);
void seer_auth_throttle_ok(struct seer_auth *a, const char *ip);

#endif /* SEER_SERVE_AUTH_H */
