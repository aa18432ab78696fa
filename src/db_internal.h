/* db_internal.h: for the core modules that own tables only. Not for the CLI or the UI. */
#ifndef DOCKET_DB_INTERNAL_H
#define DOCKET_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"

#define DB_STMT_CACHE 128

struct db {
	sqlite3 *h;
	char *path;
	char warning[512];
	int depth; /* transaction nesting */
	struct {
		const char *sql; /* the literal's address is the key */
		sqlite3_stmt *st;
	} cache[DB_STMT_CACHE];
	int ncache;
	/* The audit chain's head, valid only inside a write transaction. */
	unsigned char head[32];
	int64_t head_id;
	int head_valid;
	/* Policy values read inside the current write transaction (nothing writes policy meanwhile). */
	struct {
		char key[32];
		int64_t value;
	} policy[8];
	int npolicy;
	int64_t busy_since_ms; /* when the current wait for a lock began (see busy_wait in db.c) */
};

/* A prepared statement for a string literal, cached for the life of the connection, reset and
 * with its bindings cleared. NULL (err filled) on failure. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct dk_error *err);

/* Turns the connection's last error into a status and a message: constraint and trigger failures
 * are DK_REFUSED, everything else DK_STORAGE. what says what was being done. */
enum dk_status db_error(struct db *db, const char *what, struct dk_error *err);

/* Steps a statement that returns no rows; fills err on failure. */
enum dk_status db_exec_stmt(struct db *db, sqlite3_stmt *st, const char *what, struct dk_error *err);

/* Binds text, or NULL for NULL or (when empty_null) "". */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);

/* A copy of column i as text ("" for NULL); NULL only when out of memory. */
char *db_col_strdup(sqlite3_stmt *st, int i);
/* Column i as text into out (n bytes, cut short if need be; "" for NULL). */
void db_col_copy(sqlite3_stmt *st, int i, char *out, size_t n);

#endif
