/* test_db.c: the database file: migrations, refusing files docket must not touch (and leaving them
 * exactly as they were), file modes, backup, integrity, transactions, and the triggers that hold
 * the workflow and the gag rule even against someone editing the file in the sqlite3 shell. */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "when.h"
#include "workflow.h"

static mode_t file_mode(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		print_error("stat %s failed\n", path);
		fail();
	}
	return sb.st_mode & 07777;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Opening path must fail with DK_STORAGE, the message must contain why, and the file must be left
 * byte for byte as it was: a refusal that says "not modified" has to mean it. */
static void assert_refused_unchanged(struct fx *fx, const char *path, enum db_mode mode, const char *why)
{
	size_t n0, n1;
	unsigned char *before = fx_slurp(path, &n0);
	struct db *db = (struct db *)1;
	dk_clear(&fx->err);
	enum dk_status s = db_open(path, mode, &db, &fx->err);
	if (s != DK_STORAGE)
		print_error("db_open(%s) gave %d: %s\n", path, (int)s, fx->err.msg);
	assert_int_equal(s, DK_STORAGE);
	assert_null(db);
	FX_CONTAINS(fx->err.msg, path);
	FX_CONTAINS(fx->err.msg, why);
	unsigned char *after = fx_slurp(path, &n1);
	bool same = n0 == n1 && memcmp(before, after, n0) == 0;
	if (!same) {
		size_t i = 0;
		while (i < n0 && i < n1 && before[i] == after[i])
			i++;
		print_error("%s was modified by the refused open: %zu -> %zu bytes, first difference at byte %zu\n",
			    path, n0, n1, i);
	}
	free(before);
	free(after);
	assert_true(same);
}

static void test_migrations_applied(void **state)
{
	struct fx *fx = *state;
	assert_true(db_schema_latest() >= 1);
	assert_int_equal(db_schema_version(fx->db), db_schema_latest());
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_int(h, "PRAGMA application_id"), 0x646b7431);
	assert_int_equal(fx_raw_int(h, "PRAGMA user_version"), db_schema_latest());
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM state"), 9);
	assert_true(fx_raw_int(h, "SELECT count(*) FROM transition") > 0);
	/* The triggers of 0001 by name: later migrations add their own. */
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name IN"
				       " ('demand_starts_received', 'demand_follows_workflow', 'notice_gag_insert',"
				       " 'notice_gag_update', 'event_no_update', 'event_no_delete')"),
			 6);
	sqlite3_close(h);

	/* Opening again migrates nothing and loses nothing. */
	int64_t staff = fx_count(fx, "staff"), events = fx_count(fx, "event");
	db_close(&fx->db);
	assert_null(fx->db);
	FX_OK(fx, db_open(fx->path, DB_EXISTING, &fx->db, &fx->err));
	assert_int_equal(db_schema_version(fx->db), db_schema_latest());
	assert_int_equal(fx_count(fx, "staff"), staff);
	assert_int_equal(fx_count(fx, "event"), events);
	assert_string_equal(db_path(fx->db), fx->path);
}

static void test_newer_schema_refused_unchanged(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "NEWER-1");
	db_close(&fx->db);
	sqlite3 *h = fx_raw_open(fx);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_schema_latest() + 1);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);

	assert_refused_unchanged(fx, fx->path, DB_EXISTING, "newer docket");
	assert_refused_unchanged(fx, fx->path, DB_CREATE, "newer docket");
	h = fx_raw_open(fx);
	assert_int_equal(fx_raw_int(h, "PRAGMA user_version"), db_schema_latest() + 1);
	sqlite3_close(h);
}

static void test_foreign_sqlite_refused_unchanged(void **state)
{
	struct fx *fx = *state;
	char path[FX_PATH_MAX];
	fx_file(fx, "notes.sqlite", path);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(fx_raw_exec(h, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine')"), SQLITE_OK);
	sqlite3_close(h);

	assert_refused_unchanged(fx, path, DB_EXISTING, "did not create");
	assert_refused_unchanged(fx, path, DB_CREATE, "did not create");
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(fx_raw_int(h, "PRAGMA user_version"), 0);
	sqlite3_close(h);
}

/* Another program's database that happens to set user_version: the application id tells it apart. */
static void test_foreign_sqlite_with_version_refused(void **state)
{
	struct fx *fx = *state;
	char path[FX_PATH_MAX];
	fx_file(fx, "other-app.db", path);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(fx_raw_exec(h, "CREATE TABLE t (x); PRAGMA user_version = 1"), SQLITE_OK);
	sqlite3_close(h);
	assert_refused_unchanged(fx, path, DB_EXISTING, "not a docket database");
}

static void test_non_sqlite_refused_unchanged(void **state)
{
	struct fx *fx = *state;
	char path[FX_PATH_MAX];
	fx_file(fx, "notes.txt", path);
	char text[8192];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "Meeting notes: call the customer back.\n"[i % 39];
	write_file(path, text, sizeof text);
	assert_refused_unchanged(fx, path, DB_EXISTING, "not a docket database");
	assert_refused_unchanged(fx, path, DB_CREATE, "not a docket database");
	char side[FX_PATH_MAX + 8];
	snprintf(side, sizeof side, "%s-wal", path);
	assert_false(exists(side));
	snprintf(side, sizeof side, "%s-journal", path);
	assert_false(exists(side));
}

static void test_missing_file_not_created(void **state)
{
	struct fx *fx = *state;
	struct db *db = NULL;
	assert_int_equal(db_open(fx->path, DB_EXISTING, &db, &fx->err), DK_STORAGE);
	assert_null(db);
	FX_CONTAINS(fx->err.msg, "docket init");
	assert_false(exists(fx->path));
}

/* 0600 whatever the umask: the file holds who is being investigated. */
static void test_new_files_private(void **state)
{
	struct fx *fx = *state;
	char path[FX_PATH_MAX], sub[FX_PATH_MAX], side[FX_PATH_MAX + 8];
	fx_file(fx, "sub/deeper/docket.db", path);
	mode_t old = umask(0);
	enum dk_status s = db_open(path, DB_CREATE, &fx->db, &fx->err);
	umask(old);
	FX_OK(fx, s);
	assert_null(db_warning(fx->db));
	assert_int_equal(file_mode(path), 0600);
	/* The migration wrote in WAL mode; the side files exist while the database is open. */
	snprintf(side, sizeof side, "%s-wal", path);
	assert_true(exists(side));
	assert_int_equal(file_mode(side), 0600);
	snprintf(side, sizeof side, "%s-shm", path);
	assert_true(exists(side));
	assert_int_equal(file_mode(side), 0600);
	assert_int_equal(file_mode(fx_file(fx, "sub", sub)), 0700);
	assert_int_equal(file_mode(fx_file(fx, "sub/deeper", sub)), 0700);
}

static void test_readable_file_warns(void **state)
{
	struct fx *fx = *state;
	assert_null(db_warning(fx->db));
	db_close(&fx->db);
	assert_int_equal(chmod(fx->path, 0644), 0);
	FX_OK(fx, db_open(fx->path, DB_EXISTING, &fx->db, &fx->err));
	const char *w = db_warning(fx->db);
	assert_non_null(w);
	FX_CONTAINS(w, fx->path);
	FX_CONTAINS(w, "644");
	FX_CONTAINS(w, "chmod 600");
	/* A warning, not a refusal: the data is still usable. */
	fx_add_ref(fx, "STILL-WORKS");
}

static void assert_same_rows(const char *a, const char *b)
{
	static const char *const tables[] = {"demand",          "event",      "staff",
					     "customer",        "requester",  "demand_identifier",
					     "demand_category", "transition", NULL};
	sqlite3 *ha = NULL, *hb = NULL;
	assert_int_equal(sqlite3_open_v2(a, &ha, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_open_v2(b, &hb, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (int i = 0; tables[i]; i++) {
		char sql[100];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
		int64_t na = fx_raw_int(ha, sql), nb = fx_raw_int(hb, sql);
		if (na != nb || na < 0)
			print_error("%s: %lld rows, the copy %lld\n", tables[i], (long long)na, (long long)nb);
		assert_true(na == nb && na >= 0);
	}
	sqlite3_close(ha);
	sqlite3_close(hb);
}

static bool temp_left_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d)))
		found = found || strstr(e->d_name, ".tmp") != NULL;
	closedir(d);
	return found;
}

static void test_backup(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "BK-1");
	fx_add_ref(fx, "BK-2");
	char dest[FX_PATH_MAX];
	fx_file(fx, "copy.db", dest);
	mode_t old = umask(0);
	enum dk_status s = db_backup(fx->db, dest, &fx->err);
	umask(old);
	FX_OK(fx, s);
	assert_int_equal(file_mode(dest), 0600);
	assert_false(temp_left_in(fx->dir));
	assert_same_rows(fx->path, dest);

	/* The copy is a docket database in its own right, with an intact audit chain. */
	struct db *copy = NULL;
	FX_OK(fx, db_open(dest, DB_EXISTING, &copy, &fx->err));
	assert_int_equal(db_schema_version(copy), db_schema_latest());
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(copy, &rep, &fx->err));
	assert_int_equal(rep.events, fx_count(fx, "event"));
	db_close(&copy);

	/* An existing file is never overwritten. */
	size_t n0, n1;
	unsigned char *before = fx_slurp(dest, &n0);
	fx_add_ref(fx, "BK-3");
	dk_clear(&fx->err);
	s = db_backup(fx->db, dest, &fx->err);
	assert_int_not_equal(s, DK_OK);
	FX_CONTAINS(fx->err.msg, "exists");
	unsigned char *after = fx_slurp(dest, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(before);
	free(after);
	assert_false(temp_left_in(fx->dir));
}

static void test_integrity_ok(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "INT-1");
	FX_OK(fx, db_integrity(fx->db, &fx->err));
}

/* A foreign key pointing nowhere, made behind docket's back, is reported. */
static void test_integrity_finds_dangling_reference(void **state)
{
	struct fx *fx = *state;
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "INSERT INTO demand_category (demand_id, scope, category)"
					" VALUES (999, 'requested', 'content')"),
			 SQLITE_OK);
	sqlite3_close(h);
	dk_clear(&fx->err);
	assert_int_equal(db_integrity(fx->db, &fx->err), DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "demand_category");
}

static void test_nested_transactions(void **state)
{
	struct fx *fx = *state;
	int64_t before = fx_count(fx, "demand"), events = fx_count(fx, "event");
	FX_OK(fx, db_begin(fx->db, &fx->err));
	FX_OK(fx, db_begin(fx->db, &fx->err));
	fx_add_ref(fx, "TX-1"); /* demand_add's own begin/commit nest inside ours */
	FX_OK(fx, db_commit(fx->db, &fx->err));
	/* Still inside the outer transaction: rolling it back takes everything with it. */
	db_rollback(fx->db);
	assert_int_equal(fx_count(fx, "demand"), before);
	assert_int_equal(fx_count(fx, "event"), events);
	/* And the chain continues correctly after a rollback. */
	fx_add_ref(fx, "TX-2");
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	assert_int_equal(rep.events, events + 1);
}

static void test_data_version_sees_other_writers(void **state)
{
	struct fx *fx = *state;
	int64_t v1 = db_data_version(fx->db);
	assert_int_equal(db_data_version(fx->db), v1);
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "UPDATE policy SET value = 8 WHERE key = 'due_soon_days'"), SQLITE_OK);
	sqlite3_close(h);
	assert_int_not_equal(db_data_version(fx->db), v1);
	assert_int_equal(db_policy(fx->db, "due_soon_days", 1), 8);
}

/* A write waits while another process holds the write lock, and goes ahead once it is released. */
static void test_write_waits_for_another_writer(void **state)
{
	struct fx *fx = *state;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *h = NULL;
		int ok = sqlite3_open_v2(fx->path, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
			 sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
		if (write(ready[1], ok ? "y" : "n", 1) != 1)
			ok = 0;
		usleep(400 * 1000);
		ok = ok && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_close(h);
		_exit(ok ? 0 : 1);
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	close(ready[0]), close(ready[1]);
	int64_t before = fx_count(fx, "demand");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fx_add_ref(fx, "WAIT-1");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(waited_ms >= 300); /* it did wait for the other writer */
	assert_int_equal(fx_count(fx, "demand"), before + 1);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A big WAL is copied back and truncated when the connection closes: left behind, the next process
 * would read every frame of it on open and copy it all back again at its first commit. */
static void test_close_truncates_big_wal(void **state)
{
	struct fx *fx = *state;
	char wal[FX_PATH_MAX + 8];
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	sqlite3 *h = fx_raw_open(fx);
	/* The raw connection must not checkpoint on its own close, the way docket's do not. */
	sqlite3_db_config(h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	assert_int_equal(fx_raw_exec(h, "PRAGMA wal_autocheckpoint = 0; CREATE TABLE filler (b BLOB);"
					"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)"
					" INSERT INTO filler SELECT randomblob(4000) FROM n"),
			 SQLITE_OK);
	sqlite3_close(h);
	struct stat sb;
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 2 * 1024 * 1024);
	db_close(&fx->db);
	assert_null(fx->db);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* Nothing was lost on the way. */
	h = fx_raw_open(fx);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM filler"), 600);
	sqlite3_close(h);
}

static void test_policy(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(db_policy(fx->db, "notice_wait_days", 0), 7);
	assert_int_equal(db_policy(fx->db, "preservation_days", 0), 90);
	assert_int_equal(db_policy(fx->db, "no_such_key", 42), 42);
	/* Read once inside a transaction; a change made between transactions is seen. */
	FX_OK(fx, db_begin(fx->db, &fx->err));
	assert_int_equal(db_policy(fx->db, "review_days", 0), 14);
	assert_int_equal(db_policy(fx->db, "review_days", 0), 14);
	assert_int_equal(db_policy(fx->db, "no_such_key", 5), 5);
	FX_OK(fx, db_commit(fx->db, &fx->err));
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "UPDATE policy SET value = 21 WHERE key = 'review_days'"), SQLITE_OK);
	sqlite3_close(h);
	FX_OK(fx, db_begin(fx->db, &fx->err));
	assert_int_equal(db_policy(fx->db, "review_days", 0), 21);
	db_rollback(fx->db);
}

static void test_default_path(void **state)
{
	struct fx *fx = *state;
	const char *home = getenv("HOME");
	char *saved_home = home ? strdup(home) : NULL;
	char *p = db_default_path("/x/given.db", &fx->err);
	assert_string_equal(p, "/x/given.db");
	free(p);
	setenv("DOCKET_DB", "/x/env.db", 1);
	p = db_default_path(NULL, &fx->err);
	assert_string_equal(p, "/x/env.db");
	free(p);
	unsetenv("DOCKET_DB");
	setenv("XDG_DATA_HOME", "/x/data", 1);
	p = db_default_path("", &fx->err);
	assert_string_equal(p, "/x/data/docket/docket.db");
	free(p);
	/* A relative XDG_DATA_HOME is invalid by the spec and ignored. */
	setenv("XDG_DATA_HOME", "relative", 1);
	setenv("HOME", "/home/someone", 1);
	p = db_default_path(NULL, &fx->err);
	assert_string_equal(p, "/home/someone/.local/share/docket/docket.db");
	free(p);
	unsetenv("XDG_DATA_HOME");
	if (saved_home)
		setenv("HOME", saved_home, 1);
	free(saved_home);
}

static int64_t requester_of(struct fx *fx, int64_t id)
{
	char sql[100];
	snprintf(sql, sizeof sql, "SELECT requester_id FROM demand WHERE id = %lld", (long long)id);
	sqlite3 *h = fx_raw_open(fx);
	int64_t r = fx_raw_int(h, sql);
	sqlite3_close(h);
	return r;
}

static void assert_raw_refused(sqlite3 *h, const char *sql, const char *why)
{
	int rc = fx_raw_exec(h, sql);
	if (rc != SQLITE_CONSTRAINT)
		print_error("%s: rc %d: %s\n", sql, rc, sqlite3_errmsg(h));
	assert_int_equal(rc, SQLITE_CONSTRAINT);
	FX_CONTAINS(sqlite3_errmsg(h), why);
}

static void test_workflow_trigger_refuses_raw_update(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "RAW-1");
	int64_t events = fx_count(fx, "event");
	sqlite3 *h = fx_raw_open(fx);
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE demand SET status = 'closed', outcome = 'disclosed_content' WHERE id = %lld",
		 (long long)id);
	assert_raw_refused(h, sql, "not allowed by the workflow");
	snprintf(sql, sizeof sql, "UPDATE demand SET status = 'disclosing' WHERE id = %lld", (long long)id);
	assert_raw_refused(h, sql, "not allowed by the workflow");
	snprintf(sql, sizeof sql, "UPDATE demand SET outcome = 'rejected' WHERE id = %lld", (long long)id);
	assert_int_not_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	char status[32];
	fx_status(fx, id, status, sizeof status);
	assert_string_equal(status, "received");
	assert_int_equal(fx_count(fx, "event"), events);

	/* The trigger follows the table: a move that is a row of it goes through. */
	h = fx_raw_open(fx);
	snprintf(sql, sizeof sql, "UPDATE demand SET status = 'redirecting' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	fx_status(fx, id, status, sizeof status);
	assert_string_equal(status, "redirecting");
}

static void test_insert_trigger_refuses_later_state(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "RAW-2");
	int64_t req = requester_of(fx, id), before = fx_count(fx, "demand");
	sqlite3 *h = fx_raw_open(fx);
	static const char *const states[] = {"in_review", "disclosing", "notice_owed", NULL};
	char sql[600];
	for (int i = 0; states[i]; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO demand (source, reference, received_at, channel, instrument, customer_id,"
			 " requester_id, status, created_at, updated_at)"
			 " VALUES ('shell', 'RAW-INS-%d', 1, 'email', 'subpoena', %lld, %lld, '%s', 1, 1)",
			 i, (long long)fx->cust_eu, (long long)req, states[i]);
		assert_raw_refused(h, sql, "must start in state received");
	}
	snprintf(sql, sizeof sql,
		 "INSERT INTO demand (source, reference, received_at, channel, instrument, customer_id,"
		 " requester_id, status, outcome, closed_at, created_at, updated_at)"
		 " VALUES ('shell', 'RAW-INS-C', 1, 'email', 'subpoena', %lld, %lld, 'closed', 'disclosed_content',"
		 " 1, 1, 1)",
		 (long long)fx->cust_eu, (long long)req);
	assert_raw_refused(h, sql, "must start in state received");
	sqlite3_close(h);
	assert_int_equal(fx_count(fx, "demand"), before);
}

static void raw_notice(char *sql, size_t n, int64_t id, const char *kind, const char *status)
{
	snprintf(sql, n,
		 "INSERT INTO notice (demand_id, kind, via, recipient, message_id, status, created_at, sent_at)"
		 " VALUES (%lld, '%s', 'smtp', 'legal@acme.example', '<' || hex(randomblob(16)) || '@test.invalid>',"
		 " '%s', unixepoch(), %s)",
		 (long long)id, kind, status, strcmp(status, "sent") == 0 ? "unixepoch()" : "NULL");
}

static void test_gag_trigger_refuses_raw_notice(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "GAG-1");
	char sql[400], expires[32];
	/* A notice queued before the order arrived must not go out after it. */
	sqlite3 *h = fx_raw_open(fx);
	raw_notice(sql, sizeof sql, id, "advance", "queued");
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	int64_t queued = sqlite3_last_insert_rowid(h);
	sqlite3_close(h);

	struct order_input o = {
		.reference = "2705(b)-17", .statute = "18 U.S.C. 2705(b)", .expires = fx_when(180 * WHEN_DAY, expires)};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err));

	int64_t notices = fx_count(fx, "notice");
	h = fx_raw_open(fx);
	raw_notice(sql, sizeof sql, id, "advance", "queued");
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	raw_notice(sql, sizeof sql, id, "delayed", "sent");
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	snprintf(sql, sizeof sql, "UPDATE notice SET status = 'sent', sent_at = unixepoch() WHERE id = %lld",
		 (long long)queued);
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	snprintf(sql, sizeof sql, "UPDATE notice SET status = 'sending' WHERE id = %lld", (long long)queued);
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	/* The gag is about the recipient: no letter of any kind to the customer's address, its domain,
	 * or an e-mail its demands name... */
	raw_notice(sql, sizeof sql, id, "redirect", "queued");
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	snprintf(sql, sizeof sql,
		 "INSERT INTO notice (demand_id, kind, via, recipient, message_id, status, created_at)"
		 " VALUES (%lld, 'redirect', 'smtp', 'CEO@Acme.Example', '<r2@test.invalid>', 'queued', unixepoch())",
		 (long long)id);
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	/* ...while the requester may still be written to. */
	snprintf(sql, sizeof sql,
		 "INSERT INTO notice (demand_id, kind, via, recipient, message_id, status, created_at)"
		 " VALUES (%lld, 'redirect', 'smtp', 'bureau@garda.example', '<r3@test.invalid>', 'queued', unixepoch())",
		 (long long)id);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	int64_t redirect = sqlite3_last_insert_rowid(h);
	/* Re-addressed to the customer, it is refused too; and it goes only while its demand is in
	 * redirecting (this one is still received). */
	snprintf(sql, sizeof sql, "UPDATE notice SET recipient = 'legal@acme.example' WHERE id = %lld", (long long)redirect);
	assert_raw_refused(h, sql, "non-disclosure order is in force");
	snprintf(sql, sizeof sql, "UPDATE notice SET status = 'sending' WHERE id = %lld", (long long)redirect);
	assert_raw_refused(h, sql, "only while its demand is in redirecting");
	/* The digest is for staff, order or no order. */
	snprintf(sql, sizeof sql,
		 "INSERT INTO notice (kind, via, recipient, message_id, status, created_at)"
		 " VALUES ('digest', 'smtp', 'counsel@zenith.example', '<d1@test.invalid>', 'queued', unixepoch())");
	assert_raw_refused(h, sql, "the digest is for staff");
	sqlite3_close(h);
	assert_int_equal(fx_count(fx, "notice"), notices + 1);

	/* Once the order is lifted, the customer may be told. */
	char lifted[32];
	struct order_input l = {.reference = "2705(b)-17", .lifted = fx_when(-60, lifted), .reason = "the court lifted it"};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &l, NULL, 0, &fx->err));
	h = fx_raw_open(fx);
	raw_notice(sql, sizeof sql, id, "delayed", "queued");
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations_applied, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused_unchanged, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_refused_unchanged, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_with_version_refused, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_non_sqlite_refused_unchanged, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_not_created, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_new_files_private, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_readable_file_warns, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backup, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_integrity_ok, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_integrity_finds_dangling_reference, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nested_transactions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_data_version_sees_other_writers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_write_waits_for_another_writer, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_policy, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_truncates_big_wal, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_default_path, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_workflow_trigger_refuses_raw_update, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_insert_trigger_refuses_later_state, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_gag_trigger_refuses_raw_notice, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
