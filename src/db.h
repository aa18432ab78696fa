/* db.h: opening the database, transactions, backup and integrity checks.
 *
 * One struct db per open database. The rest of the program sees it as opaque; the core modules
 * that own tables reach the SQLite handle through db_internal.h. */
#ifndef DOCKET_DB_H
#define DOCKET_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct db;

enum db_mode {
	DB_EXISTING, /* the file must exist and hold a docket database */
	DB_CREATE,   /* create the file (mode 0600, and its directory) when it does not exist */
};

/* The database path: path when given, else $DOCKET_DB, else $XDG_DATA_HOME/docket/docket.db
 * (XDG_DATA_HOME defaulting to ~/.local/share). Returns a string the caller frees. */
char *db_default_path(const char *path, struct dk_error *err);

/* Opens (and, with DB_CREATE, creates) the database, applies missing migrations in one
 * transaction, and refuses a database written by a newer docket without modifying it. */
enum dk_status db_open(const char *path, enum db_mode mode, struct db **out, struct dk_error *err);

/* Closes the database and sets *db to NULL. */
void db_close(struct db **db);

const char *db_path(const struct db *db);

/* A warning about the file found while opening it (readable by others), or NULL. */
const char *db_warning(const struct db *db);

/* The schema version this program writes, and the one the file has. */
int db_schema_latest(void);
int db_schema_version(struct db *db);

/* Transactions. Writes take the lock at once (BEGIN IMMEDIATE) so that a read-then-write cannot
 * be overtaken. Calls nest; only the outermost begin/commit reach SQLite. */
enum dk_status db_begin(struct db *db, struct dk_error *err);
enum dk_status db_commit(struct db *db, struct dk_error *err);
void db_rollback(struct db *db);
/* Ends what db_begin began: commits when s is DK_OK, else rolls back and returns s. */
enum dk_status db_end(struct db *db, enum dk_status s, struct dk_error *err);

/* A counter that changes whenever another connection commits (PRAGMA data_version). */
int64_t db_data_version(struct db *db);

/* Copies the database to dest (created 0600; refused when it exists) with SQLite's online backup,
 * consistent while others write. The copy appears under its name only once it is complete. */
enum dk_status db_backup(struct db *db, const char *dest, struct dk_error *err);

/* PRAGMA integrity_check and foreign_key_check; DK_REFUSED with the first problem. */
enum dk_status db_integrity(struct db *db, struct dk_error *err);

/* A policy value (days, hours), or def when the key is missing. */
int64_t db_policy(struct db *db, const char *key, int64_t def);

/* How a load of many rows in one transaction sets the connection up:
 *   DB_LOAD_DEMO    (docket demo) a large page cache and no fsync: speed over durability, for data
 *                   that can be made again;
 *   DB_LOAD_IMPORT  (docket import) a page cache of a fixed size and no memory map, so that memory
 *                   stays bounded (every page read through the map counts as resident); durability
 *                   unchanged.
 * With fresh set (a database with no demands yet, no other connection) either also leaves WAL for
 * a rollback journal, so that the new pages are written once instead of to the WAL and again at
 * the checkpoint; a crash still rolls back to the last commit. Off restores the defaults. */
enum db_load { DB_LOAD_DEMO, DB_LOAD_IMPORT };
void db_load_mode(struct db *db, enum db_load load, bool on, bool fresh);

/* Indexes set aside for a bulk load into empty tables: building them once at the end, sorted, is
 * several times faster than keeping them up to date row by row. */
#define DB_SAVED_INDEXES_MAX 32
struct db_saved_indexes {
	int n;
	char *name[DB_SAVED_INDEXES_MAX];
	char *sql[DB_SAVED_INDEXES_MAX];
};

/* Drops the indexes of the demand tables (not those behind UNIQUE or PRIMARY KEY constraints,
 * which lookups need) inside the caller's transaction, keeping their SQL in saved. */
enum dk_status db_indexes_drop(struct db *db, struct db_saved_indexes *saved, struct dk_error *err);
/* Builds them again, inside the same transaction, and frees saved. */
enum dk_status db_indexes_restore(struct db *db, struct db_saved_indexes *saved, struct dk_error *err);
/* Frees saved without building: after a rollback, which brings the indexes back by itself. */
void db_indexes_forget(struct db_saved_indexes *saved);

/* For a process that stays open (the terminal UI): reads go through SQLite's bounded page cache
 * instead of a memory map of the file, so that resident memory does not grow with what was read. */
void db_long_lived(struct db *db);

#endif
