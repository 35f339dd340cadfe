/* Users, tokens, sessions and login throttling (see auth.h). */
#include "serve/auth.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "serve/db.h"
#include "serve/http.h"

#define CACHE_N            32
#define CACHE_TTL_MS       (5 * 60 * 1000)
#define THROTTLE_N         256
#define THROTTLE_FREE      3                /* failures before any wait */
#define THROTTLE_MAX_MS    (15 * 60 * 1000) /* longest wait */
#define THROTTLE_FORGET_MS (60 * 60 * 1000)

struct cache_entry {
    uint8_t key[crypto_generichash_BYTES];
    int64_t expires_ms;
};

struct throttle {
    char ip[48];
    int fails;
    int64_t until_ms, last_ms;
};

struct seer_auth {
    sqlite3 *db;
    pthread_mutex_t mu; /* guards cache, throttle, dummy */
    uint8_t cache_secret[crypto_generichash_KEYBYTES];
    struct cache_entry cache[CACHE_N];
    int cache_next;
    struct throttle th[THROTTLE_N];
    char dummy[crypto_pwhash_STRBYTES]; /* verified against for unknown users */
};

static const char *const schema[] = {
    "CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE tokens (name TEXT PRIMARY KEY,"
    " user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    " hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL);"
    "CREATE TABLE sessions (hash BLOB PRIMARY KEY,"
    " user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    " csrf TEXT NOT NULL, expires INTEGER NOT NULL);",
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void hash_secret(const char *s, uint8_t out[crypto_generichash_BYTES])
{
    crypto_generichash(out, crypto_generichash_BYTES, (const uint8_t *)s, strlen(s), NULL, 0);
}

/* A 256-bit random value as URL-safe base64 (43 characters) after an optional prefix. */
static void random_token(const char *prefix, char out[SEER_AUTH_TOKEN_CHARS])
{
    uint8_t r[32];
    size_t pl = strlen(prefix);

    randombytes_buf(r, sizeof(r));
    memcpy(out, prefix, pl);
    seer__b64url_encode(r, sizeof(r), out + pl, SEER_AUTH_TOKEN_CHARS - pl);
    sodium_memzero(r, sizeof(r));
}

int seer_auth_open(const char *state_dir, struct seer_auth **out, struct seer_err *err)
{
    struct seer_auth *a = NULL;
    char path[4096];
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return seer_errf(err, SEER_EIO, "libsodium failed to initialise");
    if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        return seer_errf(err, SEER_EIO, "%s: cannot create: %s", state_dir, strerror(errno));
    if ((size_t)snprintf(path, sizeof(path), "%s/seer.db", state_dir) >= sizeof(path))
        return seer_errf(err, SEER_EINVAL, "state directory path too long");
    a = seer_calloc(1, sizeof(*a));
    if (!a)
        return seer_errf(err, SEER_ENOMEM, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    randombytes_buf(a->cache_secret, sizeof(a->cache_secret));
    rc = seer_db_open(path, &a->db, err);
    if (rc)
        goto out;
    /* The database holds password hashes: readable by the service user only. */
    chmod(path, 0600);
    rc = seer_db_migrate(a->db, "auth", schema, (int)(sizeof(schema) / sizeof(schema[0])), err);
    if (rc)
        goto out;
    *out = a;
    a = NULL;
out:
    seer_auth_free(a);
    return rc;
}

void seer_auth_free(struct seer_auth *a)
{
    if (!a)
        return;
    sqlite3_close(a->db);
    pthread_mutex_destroy(&a->mu);
    sodium_memzero(a, sizeof(*a));
    seer_free(a);
}

static int db_fail(struct seer_auth *a, struct seer_err *err, const char *what)
{
    return seer_errf(err, SEER_EIO, "%s: %s", what, sqlite3_errmsg(a->db));
}

int seer_auth_user_count(struct seer_auth *a, int *n, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;

    *n = 0;
    if (sqlite3_prepare_v2(a->db, "SELECT count(*) FROM users", -1, &st, NULL) != SQLITE_OK)
        return db_fail(a, err, "users");
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

int seer_auth_user_set(struct seer_auth *a, const char *name, const char *password, bool replace,
                       struct seer_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (!name_ok(name))
        return seer_errf(err, SEER_EINVAL,
                         "user name must be 1-64 letters, digits, '.', '_' or '-'");
    if (!password || strlen(password) < SEER_AUTH_MIN_PASSWORD)
        return seer_errf(err, SEER_EINVAL, "password must have at least %d characters",
                         SEER_AUTH_MIN_PASSWORD);
    if (strlen(password) > 1024)
        return seer_errf(err, SEER_EINVAL, "password longer than 1024 characters");
    /* Interactive limits (64 MiB, 2 passes): about a tenth of a second per login. */
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return seer_errf(err, SEER_ENOMEM, "argon2id needs more memory than is available");
    if (replace)
        rc = sqlite3_prepare_v2(a->db, "UPDATE users SET hash = ?1 WHERE name = ?2", -1, &st, NULL);
    else
        rc = sqlite3_prepare_v2(a->db,
                                "INSERT INTO users(hash, name, created) VALUES(?1, ?2, ?3)"
                                " ON CONFLICT(name) DO NOTHING",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = db_fail(a, err, "users");
        goto out;
    }
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (!replace)
        sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(a, err, "users");
        goto out;
    }
    rc = 0;
    if (sqlite3_changes(a->db) == 0) {
        rc = replace ? seer_errf(err, SEER_ENOTFOUND, "no user \"%s\"", name)
                     : seer_errf(err, SEER_EINVAL, "user \"%s\" already exists", name);
        goto out;
    }
    if (replace) {
        /* A new password ends the user's browser sessions (tokens stay: they are
         * separate credentials with their own revoke command). */
        sqlite3_finalize(st);
        st = NULL;
        sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE user = ?", -1, &st, NULL);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
out:
    sqlite3_finalize(st);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int seer_auth_bootstrap(struct seer_auth *a, char *pw, size_t cap, bool *created,
                        struct seer_err *err)
{
    uint8_t r[18];
    int n, rc;

    *created = false;
    if (cap)
        pw[0] = 0;
    if (cap < 32)
        return seer_errf(err, SEER_EINVAL, "password buffer too small");
    rc = seer_auth_user_count(a, &n, err);
    if (rc || n > 0)
        return rc;
    randombytes_buf(r, sizeof(r));
    seer__b64url_encode(r, sizeof(r), pw, cap);
    sodium_memzero(r, sizeof(r));
    rc = seer_auth_user_set(a, "admin", pw, false, err);
    if (rc) {
        sodium_memzero(pw, cap);
        return rc;
    }
    *created = true;
    return 0;
}

int seer_auth_user_del(struct seer_auth *a, const char *name, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(a->db, "DELETE FROM users WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(a, err, "users");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(a, err, "users");
    else if (sqlite3_changes(a->db) == 0)
        rc = seer_errf(err, SEER_ENOTFOUND, "no user \"%s\"", name);
    sqlite3_finalize(st);
    return rc;
}

/* The stored argon2id string for name into out; false when there is no such user. */
static bool user_hash(struct seer_auth *a, const char *name, char out[crypto_pwhash_STRBYTES])
{
    sqlite3_stmt *st = NULL;
    bool found = false;

    if (sqlite3_prepare_v2(a->db, "SELECT hash FROM users WHERE name = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        if (h && strlen(h) < crypto_pwhash_STRBYTES) {
            memcpy(out, h, strlen(h) + 1);
            found = true;
        }
    }
    sqlite3_finalize(st);
    return found;
}

int seer_auth_password_check(struct seer_auth *a, const char *name, const char *password, bool *ok,
                             struct seer_err *err)
{
    char stored[crypto_pwhash_STRBYTES];
    uint8_t key[crypto_generichash_BYTES];
    crypto_generichash_state hs;
    int64_t now = mono_ms();
    bool hit = false;

    *ok = false;
    if (!password || strlen(password) > 1024)
        return 0;
    if (!name_ok(name) || !user_hash(a, name, stored)) {
        /* Spend the same time as a real check so a wrong name is not told apart. */
        pthread_mutex_lock(&a->mu);
        if (!a->dummy[0] && crypto_pwhash_str(a->dummy, "seer-dummy-password", 19,
                                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            a->dummy[0] = 0; /* out of memory: try again next time */
        memcpy(stored, a->dummy, sizeof(stored));
        pthread_mutex_unlock(&a->mu);
        /* The result is ignored on purpose: *ok stays false whatever the password. */
        if (stored[0] && crypto_pwhash_str_verify(stored, password, strlen(password)) == 0)
            *ok = false;
        return 0;
    }
    /* The cache key covers the stored hash, so a password change invalidates it. */
    crypto_generichash_init(&hs, a->cache_secret, sizeof(a->cache_secret), sizeof(key));
    crypto_generichash_update(&hs, (const uint8_t *)name, strlen(name) + 1);
    crypto_generichash_update(&hs, (const uint8_t *)password, strlen(password) + 1);
    crypto_generichash_update(&hs, (const uint8_t *)stored, strlen(stored));
    crypto_generichash_final(&hs, key, sizeof(key));
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < CACHE_N; i++)
        if (a->cache[i].expires_ms > now && sodium_memcmp(a->cache[i].key, key, sizeof(key)) == 0)
            hit = true;
    pthread_mutex_unlock(&a->mu);
    if (hit) {
        *ok = true;
        return 0;
    }
    if (crypto_pwhash_str_verify(stored, password, strlen(password)) == 0) {
        *ok = true;
        pthread_mutex_lock(&a->mu);
        memcpy(a->cache[a->cache_next].key, key, sizeof(key));
        a->cache[a->cache_next].expires_ms = now + CACHE_TTL_MS;
        a->cache_next = (a->cache_next + 1) % CACHE_N;
        pthread_mutex_unlock(&a->mu);
    }
    (void)err;
    return 0;
}

int seer_auth_token_create(struct seer_auth *a, const char *name, const char *user,
                           char tok[SEER_AUTH_TOKEN_CHARS], struct seer_err *err)
{
    char stored[crypto_pwhash_STRBYTES];
    uint8_t h[crypto_generichash_BYTES];
    sqlite3_stmt *st = NULL;
    int rc = 0;

    tok[0] = 0;
    if (!name_ok(name))
        return seer_errf(err, SEER_EINVAL,
                         "token name must be 1-64 letters, digits, '.', '_' or '-'");
    if (!user_hash(a, user, stored))
        return seer_errf(err, SEER_ENOTFOUND, "no user \"%s\"", user);
    random_token("seer_", tok);
    hash_secret(tok, h);
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO tokens(name, user, hash, created) VALUES(?, ?, ?, ?)"
                           " ON CONFLICT(name) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(a, err, "tokens");
        goto out;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, h, sizeof(h), SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(a, err, "tokens");
    else if (sqlite3_changes(a->db) == 0)
        rc = seer_errf(err, SEER_EINVAL, "a token named \"%s\" exists (revoke it first)", name);
out:
    if (rc)
        sodium_memzero(tok, SEER_AUTH_TOKEN_CHARS);
    sqlite3_finalize(st);
    return rc;
}

int seer_auth_token_revoke(struct seer_auth *a, const char *name, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(a->db, "DELETE FROM tokens WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(a, err, "tokens");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(a, err, "tokens");
    else if (sqlite3_changes(a->db) == 0)
        rc = seer_errf(err, SEER_ENOTFOUND, "no token \"%s\"", name);
    sqlite3_finalize(st);
    return rc;
}

int seer_auth_token_each(struct seer_auth *a,
                         void (*fn)(void *ctx, const char *name, const char *user, int64_t created),
                         void *ctx, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(a->db, "SELECT name, user, created FROM tokens ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(a, err, "tokens");
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return 0;
}

/* Looks a secret up by its hash. Comparing hashes through the index is safe against
 * timing attacks: an attacker who learns how many leading bytes of a BLAKE2b digest
 * matched learns nothing about a 256-bit preimage. The row's hash is still compared with
 * sodium_memcmp so the match itself never rests on a short-circuiting compare. */
static int by_hash(struct seer_auth *a, const char *sql, const char *secret, int64_t now,
                   struct seer_arena *ar, const char **c1, const char **c2)
{
    uint8_t h[crypto_generichash_BYTES];
    sqlite3_stmt *st = NULL;
    int rc = SEER_ENOTFOUND;

    if (!secret || strlen(secret) >= SEER_AUTH_TOKEN_CHARS)
        return SEER_ENOTFOUND;
    hash_secret(secret, h);
    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
        return SEER_EIO;
    sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)sizeof(h) &&
        sodium_memcmp(sqlite3_column_blob(st, 0), h, sizeof(h)) == 0) {
        *c1 = seer_arena_strdup(ar, (const char *)sqlite3_column_text(st, 1));
        if (c2)
            *c2 = seer_arena_strdup(ar, (const char *)sqlite3_column_text(st, 2));
        rc = *c1 && (!c2 || *c2) ? 0 : SEER_ENOMEM;
    }
    sqlite3_finalize(st);
    return rc;
}

int seer_auth_token_check(struct seer_auth *a, const char *token, struct seer_arena *ar,
                          const char **user)
{
    *user = NULL;
    /* ?2 is unused here; binding it is harmless and keeps by_hash one function. */
    return by_hash(a, "SELECT hash, user FROM tokens WHERE hash = ?1 AND ?2 = ?2", token, 0, ar,
                   user, NULL);
}

int seer_auth_session_new(struct seer_auth *a, const char *user, int64_t now,
                          char sid[SEER_AUTH_TOKEN_CHARS], char csrf[SEER_AUTH_TOKEN_CHARS],
                          struct seer_err *err)
{
    uint8_t h[crypto_generichash_BYTES];
    sqlite3_stmt *st = NULL;
    int rc = 0;

    random_token("", sid);
    random_token("", csrf);
    hash_secret(sid, h);
    sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE expires <= ?", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO sessions(hash, user, csrf, expires) VALUES(?, ?, ?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return db_fail(a, err, "sessions");
    sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now + SEER_AUTH_SESSION_S);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(a, err, "sessions");
    sqlite3_finalize(st);
    return rc;
}

int seer_auth_session_get(struct seer_auth *a, const char *sid, int64_t now, struct seer_arena *ar,
                          const char **user, const char **csrf)
{
    *user = NULL;
    *csrf = NULL;
    return by_hash(a, "SELECT hash, user, csrf FROM sessions WHERE hash = ?1 AND expires > ?2", sid,
                   now, ar, user, csrf);
}

void seer_auth_session_end(struct seer_auth *a, const char *sid)
{
    uint8_t h[crypto_generichash_BYTES];
    sqlite3_stmt *st = NULL;

    if (!sid || strlen(sid) >= SEER_AUTH_TOKEN_CHARS)
        return;
    hash_secret(sid, h);
    if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE hash = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

bool seer_auth_str_eq(const char *x, const char *y)
{
    size_t n;

    if (!x || !y)
        return false;
    n = strlen(x);
    return n == strlen(y) && n > 0 && sodium_memcmp(x, y, n) == 0;
}

/* The throttle slot for ip: an existing one, else the least recently used. Called with
 * a->mu held. */
static struct throttle *slot(struct seer_auth *a, const char *ip, bool create)
{
    struct throttle *lru = &a->th[0];

    for (int i = 0; i < THROTTLE_N; i++) {
        if (a->th[i].ip[0] && !strcmp(a->th[i].ip, ip))
            return &a->th[i];
        if (a->th[i].last_ms < lru->last_ms)
            lru = &a->th[i];
    }
    if (!create)
        return NULL;
    memset(lru, 0, sizeof(*lru));
    snprintf(lru->ip, sizeof(lru->ip), "%s", ip);
    return lru;
}

int64_t seer_auth_throttle_wait_ms(struct seer_auth *a, const char *ip, int64_t now_ms)
{
    struct throttle *t;
    int64_t wait = 0;

    pthread_mutex_lock(&a->mu);
    t = slot(a, ip ? ip : "", false);
    if (t && now_ms - t->last_ms > THROTTLE_FORGET_MS)
        memset(t, 0, sizeof(*t));
    else if (t && t->until_ms > now_ms)
        wait = t->until_ms - now_ms;
    pthread_mutex_unlock(&a->mu);
    return wait;
}

void seer_auth_throttle_fail(struct seer_auth *a, const char *ip, int64_t now_ms)
{
    struct throttle *t;

    pthread_mutex_lock(&a->mu);
    t = slot(a, ip ? ip : "", true);
    if (now_ms - t->last_ms > THROTTLE_FORGET_MS)
        t->fails = 0;
    t->fails++;
    t->last_ms = now_ms;
    if (t->fails > THROTTLE_FREE) {
        int shift = t->fails - THROTTLE_FREE - 1;
        int64_t wait = shift >= 20 ? THROTTLE_MAX_MS : (int64_t)1000 << shift;
        t->until_ms = now_ms + (wait > THROTTLE_MAX_MS ? THROTTLE_MAX_MS : wait);
    }
    pthread_mutex_unlock(&a->mu);
}

void seer_auth_throttle_ok(struct seer_auth *a, const char *ip)
{
    struct throttle *t;

    pthread_mutex_lock(&a->mu);
    t = slot(a, ip ? ip : "", false);
    if (t)
        memset(t, 0, sizeof(*t));
    pthread_mutex_unlock(&a->mu);
}
