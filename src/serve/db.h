/*
 * The state database (state/seer.db, SQLite) and its schema migrations.
 *
 * Several modules keep tables in the same database (users and tokens here, batch jobs
 * later). Each names itself as a component and hands seer_db_migrate its ordered list of
 * SQL steps; the table schema_version remembers how many of each component's steps have
 * run, so adding a step later upgrades old databases in place. Steps are append-only:
 * never edit one that has shipped.
 */
#ifndef SEER_SERVE_DB_H
#define SEER_SERVE_DB_H

#include <seer/status.h>

struct sqlite3;

/* Opens (creating) the database at path: WAL journal, a 5 s busy timeout (the CLI and
 * the server share the file), serialized threading. Caller owns *out (sqlite3_close). */
int seer_db_open(const char *path, struct sqlite3 **out, struct seer_err *err);

/* Runs steps[k] for every k not yet applied for component, each in its own transaction. */
int seer_db_migrate(struct sqlite3 *db, const char *component, const char *const *steps,
                    int n_steps, struct seer_err *err);

#endif /* SEER_SERVE_DB_H */
