/* The state database and its migration helper (see db.h). */
#include "serve/db.h"

#include <sqlite3.h>
#include <stddef.h>

int seer_db_open(const char *path, struct sqlite3 **out, struct seer_err *err)
{
    sqlite3 *db = NULL;
    int rc;

    *out = NULL;
    rc = sqlite3_open_v2(path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = seer_errf(err, SEER_EIO, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    /* WAL lets the server read while `seer user add` writes; ignore failure on file
     * systems without shared memory, where the default journal still works. */
    sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    *out = db;
    return 0;
}

int seer_db_migrate(struct sqlite3 *db, const char *component, const char *const *steps,
                    int n_steps, struct seer_err *err)
{
    sqlite3_stmt *st = NULL;
    char *msg = NULL;
    int have = 0, rc = 0;

    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_version ("
                     " component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK) {
        rc = seer_errf(err, SEER_EIO, "schema_version: %s", msg ? msg : "?");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE component = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = seer_errf(err, SEER_EIO, "schema_version: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        have = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (have > n_steps) {
        rc = seer_errf(err, SEER_EUNSUPPORTED,
                       "%s: database schema version %d is newer than this program's %d", component,
                       have, n_steps);
        goto out;
    }
    for (int k = have; k < n_steps; k++) {
        /* BEGIN IMMEDIATE takes the write lock first, so two processes starting at once
         * cannot both apply the same step. The version is re-read under the lock. */
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
            rc = seer_errf(err, SEER_EIO, "%s: %s", component, msg ? msg : "?");
            goto out;
        }
        int now = 0;
        sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE component = ?", -1, &st,
                           NULL);
        sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            now = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (now > k) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            k = now - 1;
            continue;
        }
        if (sqlite3_exec(db, steps[k], NULL, NULL, &msg) != SQLITE_OK) {
            rc = seer_errf(err, SEER_EIO, "%s migration step %d: %s", component, k + 1,
                           msg ? msg : "?");
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        sqlite3_prepare_v2(db,
                           "INSERT INTO schema_version(component, version) VALUES(?, ?)"
                           " ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, k + 1);
        int src = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (src != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            rc = seer_errf(err, SEER_EIO, "%s migration step %d: %s", component, k + 1,
                           msg ? msg : sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
    }
out:
    sqlite3_finalize(st);
    sqlite3_free(msg);
    return rc;
}
