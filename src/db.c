/* db.c: opening a docket database, migrations, transactions, backup, integrity. */
#include "db_internal.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "schema.h"
#include "when.h"
#include "xdg.h"

/* "dkt1": marks a file as a docket database in its header. */
#define DOCKET_APPLICATION_ID 0x646b7431

char *db_default_path(const char *path, struct dk_error *err)
{
	if (path && *path)
		return strdup(path);
	const char *env = getenv("DOCKET_DB");
	if (env && *env)
		return strdup(env);
	struct buf b;
	buf_init(&b);
	if (!xdg_base(&b, "XDG_DATA_HOME", "/.local/share")) {
		dk_fail(err, DK_INVALID, "no database path: set --db, DOCKET_DB or HOME");
		return NULL;
	}
	buf_puts(&b, "/docket/docket.db");
	char *s = buf_take(&b);
	if (!s)
		dk_fail(err, DK_STORAGE, "out of memory");
	return s;
}

/* mkdir -p for the database's directory, mode 0700 for what it creates. */
static enum dk_status make_parent_dirs(const char *path, struct dk_error *err)
{
	char *copy = strdup(path);
	if (!copy)
		return dk_fail(err, DK_STORAGE, "out of memory");
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			dk_fail(err, DK_STORAGE, "%s: cannot create directory: %s", copy, strerror(errno));
			free(copy);
			return DK_STORAGE;
		}
		*p = '/';
	}
	free(copy);
	return DK_OK;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct dk_error *err)
{
	for (int i = 0; i < db->ncache; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_stmt *st = db->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		db_error(db, "preparing a query", err);
		return NULL;
	}
	if (db->ncache < DB_STMT_CACHE) {
		db->cache[db->ncache].sql = sql;
		db->cache[db->ncache].st = st;
		db->ncache++;
	} else {
		/* The cache is sized above the number of statements in the program; this is a bug. */
		sqlite3_finalize(st);
		dk_fail(err, DK_STORAGE, "internal error: statement cache full");
		return NULL;
	}
	return st;
}

enum dk_status db_error(struct db *db, const char *what, struct dk_error *err)
{
	int code = sqlite3_extended_errcode(db->h);
	const char *msg = sqlite3_errmsg(db->h);
	if ((code & 0xff) == SQLITE_CONSTRAINT)
		return dk_fail(err, DK_REFUSED, "%s: refused by the database: %s", what, msg);
	if ((code & 0xff) == SQLITE_READONLY)
		return dk_fail(err, DK_STORAGE, "%s: %s is read-only (%s)", what, db->path, msg);
	if ((code & 0xff) == SQLITE_BUSY)
		return dk_fail(err, DK_STORAGE, "%s: the database stayed busy (another docket is writing); try again",
			       what);
	return dk_fail(err, DK_STORAGE, "%s: %s: %s", what, db->path, msg);
}

enum dk_status db_exec_stmt(struct db *db, sqlite3_stmt *st, const char *what, struct dk_error *err)
{
	int rc = sqlite3_step(st);
	enum dk_status s = DK_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = db_error(db, what, err);
	sqlite3_reset(st);
	return s;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

char *db_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

void db_col_copy(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

static enum dk_status exec(struct db *db, const char *sql, const char *what, struct dk_error *err)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, what, err);
	return DK_OK;
}

static int64_t pragma_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_schema_latest(void)
{
	return schema_migrations[schema_migration_count - 1].version;
}

int db_schema_version(struct db *db)
{
	return (int)pragma_int(db, "PRAGMA user_version");
}

/* Whether the file is one this docket may open and migrate; checked before anything is written,
 * so that a refused file is left exactly as it was. */
static enum dk_status check_ownership(struct db *db, struct dk_error *err)
{
	int latest = db_schema_latest();
	int64_t have = pragma_int(db, "PRAGMA user_version");
	if (have < 0)
		return db_error(db, "reading the schema version", err);
	if (have > latest)
		return dk_fail(err, DK_STORAGE,
			       "%s: written by a newer docket (schema %lld; this docket knows up to %d); not modified",
			       db->path, (long long)have, latest);
	if (have > 0 && pragma_int(db, "PRAGMA application_id") != DOCKET_APPLICATION_ID)
		return dk_fail(err, DK_STORAGE, "%s: not a docket database; not modified", db->path);
	if (have == 0 && pragma_int(db, "SELECT count(*) FROM sqlite_schema") > 0)
		return dk_fail(err, DK_STORAGE, "%s: an SQLite database that docket did not create; not modified",
			       db->path);
	return DK_OK;
}

static enum dk_status migrate(struct db *db, struct dk_error *err)
{
	int latest = db_schema_latest();
	int64_t have = pragma_int(db, "PRAGMA user_version");
	if (have == latest)
		return DK_OK;
	enum dk_status s = db_begin(db, err);
	if (s)
		return s;
	/* Another process may have migrated while we waited for the lock. */
	have = pragma_int(db, "PRAGMA user_version");
	for (int i = 0; i < schema_migration_count && !s; i++) {
		if (schema_migrations[i].version <= have)
			continue;
		if (sqlite3_exec(db->h, schema_migrations[i].sql, NULL, NULL, NULL) != SQLITE_OK)
			s = dk_fail(err, DK_STORAGE, "%s: applying %s: %s", db->path, schema_migrations[i].name,
				    sqlite3_errmsg(db->h));
	}
	if (!s) {
		char sql[96];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d", latest,
			 DOCKET_APPLICATION_ID);
		s = exec(db, sql, "recording the schema version", err);
	}
	return db_end(db, s, err);
}

/* How long a command waits for another one's write to end before it gives up. */
#define DB_BUSY_MS 10000

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's own busy handler sleeps up to 100 ms between tries. With several writers that each
 * hold the lock for a few milliseconds, such a waiter can miss every gap between them until it
 * gives up. Trying again every millisecond or two takes the first gap; the sleep stays short
 * enough to cost nothing. */
static int busy_wait(void *ctx, int count)
{
	struct db *db = ctx;
	int64_t now = monotonic_ms();
	if (count == 0)
		db->busy_since_ms = now;
	if (now - db->busy_since_ms >= DB_BUSY_MS)
		return 0;
	struct timespec pause = {0, (count < 20 ? 1 : 2) * 1000000L};
	nanosleep(&pause, NULL);
	return 1;
}

#ifdef DOCKET_TEST_CLOCK
/* A test build's unixepoch() with no argument is docket's clock, so that the triggers that ask
 * "is an order in force now?" see the time the test set. With an argument it is SQLite's own. */
static void test_unixepoch(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc, (void)argv;
	sqlite3_result_int64(ctx, when_now());
}
#endif

enum dk_status db_open(const char *path, enum db_mode mode, struct db **out, struct dk_error *err)
{
	*out = NULL;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return dk_fail(err, DK_STORAGE, "%s: %s", path, strerror(errno));
		if (mode != DB_CREATE)
			return dk_fail(err, DK_STORAGE, "%s: no database here (run `docket init` to create one)", path);
		if (make_parent_dirs(path, err))
			return DK_STORAGE;
		/* Create the file ourselves so that it is 0600 from the first byte; SQLite gives the
		 * -wal and -shm files the same mode. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return dk_fail(err, DK_STORAGE, "%s: cannot create: %s", path, strerror(errno));
		close(fd);
		if (stat(path, &sb) != 0)
			return dk_fail(err, DK_STORAGE, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return dk_fail(err, DK_STORAGE, "%s: not a regular file", path);
	if (sb.st_size == 0 && mode != DB_CREATE)
		return dk_fail(err, DK_STORAGE, "%s: an empty file, not a docket database (run `docket init` on it)",
			       path);

	struct db *db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	if (sb.st_mode & 0077)
		snprintf(db->warning, sizeof db->warning,
			 "%s is readable or writable by others (mode %03o); run chmod 600 on it", path,
			 (unsigned)(sb.st_mode & 0777));

	enum dk_status s = DK_OK;
	/* Each connection is used by one thread: SQLite's per-connection mutexes only cost time.
	 * This must come before SQLite initialises and fails harmlessly after. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		s = dk_fail(err, DK_STORAGE, "%s: cannot open: %s", path,
			    db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(db->h, busy_wait, db);
	/* The triggers ask whose address a letter goes to (schema/0008). */
	if (address_register(db->h) != SQLITE_OK) {
		s = dk_fail(err, DK_STORAGE, "%s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
#ifdef DOCKET_TEST_CLOCK
	sqlite3_create_function(db->h, "unixepoch", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL, test_unixepoch, NULL,
				NULL);
#endif
	/* Each command is a short process: checkpointing and deleting the WAL on every exit would
	 * cost more fsyncs than the command's own write. SQLite checkpoints as the WAL grows. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_extended_result_codes(db->h, 1);
	/* Reading the header tells a non-SQLite file apart before anything is written. */
	if (pragma_int(db, "PRAGMA schema_version") < 0) {
		if ((sqlite3_errcode(db->h) & 0xff) == SQLITE_NOTADB)
			s = dk_fail(err, DK_STORAGE, "%s: not a docket database (%s); not modified", path,
				    sqlite3_errmsg(db->h));
		else
			s = dk_fail(err, DK_STORAGE,
				    "%s: cannot read it (%s): check who may read and write it, its -wal and -shm files "
				    "and its directory",
				    path, sqlite3_errmsg(db->h));
		goto fail;
	}
	/* Reads through a memory map: a command touches a hundred pages, a pread each otherwise. */
	if ((s = exec(db,
		      "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF;"
		      " PRAGMA mmap_size = 268435456",
		      "configuring the connection", err)))
		goto fail;
	if ((s = check_ownership(db, err)) ||
	    (s = exec(db, "PRAGMA journal_mode = WAL", "switching to WAL mode", err)) || (s = migrate(db, err)))
		goto fail;
	*out = db;
	return DK_OK;
fail:
	db_close(&db);
	return s;
}

/* The WAL size above which closing truncates it. */
#define DB_WAL_TRUNCATE_BYTES (1 << 20)

/* Connections close without the checkpoint SQLite would make (see db_open), so the WAL outlives
 * them; but the next process to open the file rebuilds its index by reading every frame of it,
 * and, not knowing what was already copied back, checkpoints all of it again at its first commit.
 * Past a size, copy it back and truncate it now, without waiting for readers. */
static void truncate_big_wal(struct db *db)
{
	struct buf wal;
	struct stat sb;
	buf_init(&wal);
	buf_printf(&wal, "%s-wal", db->path);
	if (!wal.oom && stat(wal.data, &sb) == 0 && sb.st_size > DB_WAL_TRUNCATE_BYTES) {
		sqlite3_busy_timeout(db->h, 0);
		sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	buf_free(&wal);
}

void db_close(struct db **pdb)
{
	struct db *db = *pdb;
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].st);
	if (db->h && db->depth == 0)
		truncate_big_wal(db);
	if (db->h)
		sqlite3_close(db->h);
	free(db->path);
	free(db);
	*pdb = NULL;
}

const char *db_path(const struct db *db)
{
	return db->path;
}

const char *db_warning(const struct db *db)
{
	return db->warning[0] ? db->warning : NULL;
}

enum dk_status db_begin(struct db *db, struct dk_error *err)
{
	if (db->depth++ > 0)
		return DK_OK;
	db->head_valid = 0;
	db->npolicy = 0;
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		db->depth = 0;
		return db_error(db, "starting a transaction", err);
	}
	return DK_OK;
}

enum dk_status db_commit(struct db *db, struct dk_error *err)
{
	if (db->depth == 0)
		return DK_OK;
	if (--db->depth > 0)
		return DK_OK;
	db->head_valid = 0;
	db->npolicy = 0;
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		enum dk_status s = db_error(db, "committing", err);
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return s;
	}
	return DK_OK;
}

void db_rollback(struct db *db)
{
	if (db->depth == 0)
		return;
	db->depth = 0;
	db->head_valid = 0;
	db->npolicy = 0;
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

enum dk_status db_end(struct db *db, enum dk_status s, struct dk_error *err)
{
	if (!s)
		return db_commit(db, err);
	db_rollback(db);
	return s;
}

int64_t db_data_version(struct db *db)
{
	return pragma_int(db, "PRAGMA data_version");
}

enum dk_status db_backup(struct db *db, const char *dest, struct dk_error *err)
{
	/* lstat: a symbolic link, even one pointing nowhere, is never written through or replaced. */
	struct stat sb;
	if (lstat(dest, &sb) == 0 || errno != ENOENT)
		return dk_fail(err, DK_INVALID, "%s: already exists; not overwritten", dest);
	struct buf tmp;
	buf_init(&tmp);
	buf_printf(&tmp, "%s.tmp-%ld", dest, (long)getpid());
	if (tmp.oom)
		return dk_fail(err, DK_STORAGE, "out of memory");
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		dk_fail(err, DK_STORAGE, "%s: cannot create: %s", dest, strerror(errno));
		buf_free(&tmp);
		return DK_STORAGE;
	}
	close(fd);

	enum dk_status s = DK_OK;
	sqlite3 *to = NULL;
	if (sqlite3_open_v2(tmp.data, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		s = dk_fail(err, DK_STORAGE, "%s: cannot open: %s", dest, to ? sqlite3_errmsg(to) : "out of memory");
		goto done;
	}
	sqlite3_backup *bk = sqlite3_backup_init(to, "main", db->h, "main");
	if (!bk) {
		s = dk_fail(err, DK_STORAGE, "%s: backup: %s", dest, sqlite3_errmsg(to));
		goto done;
	}
	/* One step copies everything under one read transaction: a consistent snapshot while
	 * writers carry on in the WAL. */
	int rc;
	while ((rc = sqlite3_backup_step(bk, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		s = dk_fail(err, DK_STORAGE, "%s: backup: %s", dest, sqlite3_errstr(rc));
		goto done;
	}
	/* A single file: the copy should not depend on a -wal beside it. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
		s = dk_fail(err, DK_STORAGE, "%s: backup: %s", dest, sqlite3_errmsg(to));
done:
	if (to)
		sqlite3_close(to);
	if (!s && rename(tmp.data, dest) != 0)
		s = dk_fail(err, DK_STORAGE, "%s: %s", dest, strerror(errno));
	if (s)
		unlink(tmp.data);
	buf_free(&tmp);
	return s;
}

enum dk_status db_integrity(struct db *db, struct dk_error *err)
{
	sqlite3_stmt *st = NULL;
	enum dk_status s = DK_OK;
	/* The check reads every page: map the whole file (up to SQLite's 2 GB cap) rather than pay a
	 * pread for each; it halves the time on a large database. */
	sqlite3_exec(db->h, "PRAGMA mmap_size = 2147418112", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check(1)", -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "integrity check", err);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (!r || strcmp(r, "ok") != 0)
			s = dk_fail(err, DK_REFUSED, "%s: integrity check failed: %s", db->path, r ? r : "?");
	} else {
		s = db_error(db, "integrity check", err);
	}
	sqlite3_finalize(st);
	if (s)
		return s;
	if (sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "foreign key check", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = dk_fail(err, DK_REFUSED, "%s: foreign key check failed: a row of %s points at a missing %s",
			    db->path, sqlite3_column_text(st, 0), sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return s;
}

int64_t db_policy(struct db *db, const char *key, int64_t def)
{
	/* Inside a transaction a value read once holds till its end: a bulk load asks for the same
	 * few on every demand. */
	for (int i = 0; db->depth > 0 && i < db->npolicy; i++)
		if (strcmp(db->policy[i].key, key) == 0)
			return db->policy[i].value;
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM policy WHERE key = ?1", NULL);
	if (!st)
		return def;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int64_t v = def;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (db->depth > 0 && (rc == SQLITE_ROW || rc == SQLITE_DONE) && db->npolicy < 8 &&
	    strlen(key) < sizeof db->policy[0].key) {
		snprintf(db->policy[db->npolicy].key, sizeof db->policy[0].key, "%s", key);
		db->policy[db->npolicy++].value = v;
	}
	return v;
}

void db_load_mode(struct db *db, enum db_load load, bool on, bool fresh)
{
	static const struct {
		size_t trim; /* bytes of free heap kept before it is given back */
		const char *on, *off;
	} how[] = {
		[DB_LOAD_DEMO] = {512 * 1024 * 1024, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144",
				  "PRAGMA synchronous = FULL; PRAGMA cache_size = -2000"},
		[DB_LOAD_IMPORT] = {4 * 1024 * 1024, "PRAGMA mmap_size = 0; PRAGMA cache_size = -16384",
				    "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -2000"},
	};
	/* This can fail harmlessly (another connection holds the WAL open): the load then goes
	 * through the WAL, slower but the same. */
	if (fresh)
		sqlite3_exec(db->h, on ? "PRAGMA journal_mode = DELETE" : "PRAGMA journal_mode = WAL", NULL, NULL,
			     NULL);
#ifdef __GLIBC__
	/* SQLite's page cache grows and shrinks the heap's top by small steps; with glibc's default
	 * trim threshold every step is a brk call and fresh page faults, which triples the time of a
	 * bulk load. Keep that much memory until the load is over. */
	mallopt(M_TRIM_THRESHOLD, on ? (int)how[load].trim : 128 * 1024);
#endif
	sqlite3_exec(db->h, on ? how[load].on : how[load].off, NULL, NULL, NULL);
}

enum dk_status db_indexes_drop(struct db *db, struct db_saved_indexes *saved, struct dk_error *err)
{
	sqlite3_stmt *st = NULL;
	saved->n = 0;
	if (sqlite3_prepare_v2(db->h,
			       "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
			       " AND tbl_name IN ('demand', 'demand_identifier', 'event', 'notice', 'verification')",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "reading indexes", err);
	while (saved->n < DB_SAVED_INDEXES_MAX && sqlite3_step(st) == SQLITE_ROW) {
		saved->name[saved->n] = db_col_strdup(st, 0);
		saved->sql[saved->n] = db_col_strdup(st, 1);
		saved->n++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < saved->n; i++) {
		struct buf q;
		buf_init(&q);
		buf_puts(&q, "DROP INDEX ");
		buf_json_str(&q, saved->name[i] ? saved->name[i] : ""); /* a quoted identifier */
		int rc = q.oom || !saved->sql[i] ? SQLITE_NOMEM : sqlite3_exec(db->h, q.data, NULL, NULL, NULL);
		buf_free(&q);
		if (rc != SQLITE_OK)
			return db_error(db, "dropping an index for the bulk load", err);
	}
	return DK_OK;
}

enum dk_status db_indexes_restore(struct db *db, struct db_saved_indexes *saved, struct dk_error *err)
{
	enum dk_status s = DK_OK;
	for (int i = 0; i < saved->n && !s; i++)
		if (sqlite3_exec(db->h, saved->sql[i], NULL, NULL, NULL) != SQLITE_OK)
			s = db_error(db, "rebuilding an index", err);
	db_indexes_forget(saved);
	return s;
}

void db_indexes_forget(struct db_saved_indexes *saved)
{
	for (int i = 0; i < saved->n; i++)
		free(saved->name[i]), free(saved->sql[i]);
	saved->n = 0;
}

void db_long_lived(struct db *db)
{
	/* A command maps the file to read it (see db_open) and exits: what it touched goes with
	 * it. A process that stays open all day and searches the whole timeline would keep every
	 * page it ever touched resident; reading through SQLite's page cache bounds it instead. */
	sqlite3_exec(db->h, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
}
