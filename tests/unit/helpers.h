/* helpers.h: what the unit tests share: cmocka's headers in the order it needs them, and a fixture
 * with a fresh database in its own temporary directory, staff of every role, two customers, and
 * short-hands for the assertions that recur (a call must succeed, a refusal must name the demand).
 *
 * test_text and test_when include this for cmocka only; the fixture lives in helpers.c, which the
 * database tests link. */
#ifndef DOCKET_TEST_HELPERS_H
#define DOCKET_TEST_HELPERS_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>

#include "db.h"
#include "demand.h"
#include "party.h"
#include "staff.h"
#include "status.h"

#define FX_PATH_MAX 4096

struct fx {
	char dir[1024];         /* a mkdtemp() directory, removed with everything in it */
	char path[FX_PATH_MAX]; /* the database in dir */
	struct db *db;          /* NULL until fx_open */
	struct acting admin;    /* "boss", bootstrapped */
	struct acting attorney; /* "atty" */
	struct acting intake;   /* "clerk" */
	struct acting nobody;   /* "mallory": not staff at all */
	int64_t cust_eu;        /* tenant "acme-eu", region eu-west */
	int64_t cust_us;        /* tenant "zenith-us", region us-east */
	struct dk_error err;    /* the last call's error, for messages */
};

/* A directory only: for tests that make their own files. */
int fx_setup_dir(void **state);
/* A directory and a database with the staff and customers above. */
int fx_setup(void **state);
/* Closes the database (when open) and removes the directory and everything in it. */
int fx_teardown(void **state);

/* A path inside the fixture's directory; out must hold FX_PATH_MAX bytes. */
const char *fx_file(const struct fx *fx, const char *name, char *out);

/* Opens (creating) the fixture's database and adds the staff and customers. */
void fx_populate(struct fx *fx);

/* Defaults for a demand that every guard lets through the first steps: received now by e-mail, a
 * subpoena from Irish law enforcement (no cross-region flag) for acme-eu's subscriber data, one
 * e-mail identifier. Tests override any field after the call. */
void fx_demand_defaults(struct demand_input *in, const char *reference);

/* Adds the demand as the intake clerk; fails the test (with the message) when refused. */
int64_t fx_add(struct fx *fx, const struct demand_input *in);
/* fx_demand_defaults and fx_add in one. */
int64_t fx_add_ref(struct fx *fx, const char *reference);

/* One move; the status is returned and fx->err holds the message. */
enum dk_status fx_move(struct fx *fx, const struct acting *by, int64_t id, const char *to, const char *outcome,
		       const char *note);

/* The demand's current status and version, read through the core. */
void fx_status(struct fx *fx, int64_t id, char *out, size_t n);
int64_t fx_version(struct fx *fx, int64_t id);

/* "YYYY-MM-DDTHH:MM:SSZ" for now plus delta seconds; out holds 32 bytes. */
const char *fx_when(int64_t delta, char *out);

/* A second connection to the database file, the way someone in the sqlite3 shell would reach it. */
sqlite3 *fx_raw_open(const struct fx *fx);
/* Runs SQL on a raw connection; returns SQLite's result code (primary code only). */
int fx_raw_exec(sqlite3 *h, const char *sql);
/* The first column of the first row as an integer, -1 when there is none. */
int64_t fx_raw_int(sqlite3 *h, const char *sql);
/* Rows in a table, through a raw connection of its own. */
int64_t fx_count(const struct fx *fx, const char *table);
/* Sets a policy value behind the program's back (a test's waiting period of 0 days, say). */
void fx_policy(const struct fx *fx, const char *key, int64_t value);

/* Reads a whole file into a malloc'd buffer; *n receives its size. */
unsigned char *fx_slurp(const char *path, size_t *n);

/* Asserts that expr returned DK_OK, printing the error message when it did not. */
#define FX_OK(fx, expr) fx_ok_at((fx), (expr), #expr, __FILE__, __LINE__)
void fx_ok_at(struct fx *fx, enum dk_status s, const char *expr, const char *file, int line);

/* Asserts a refusal: status DK_REFUSED, a message naming "demand <id>", and (unless NULL) holding
 * needle. */
#define FX_REFUSED(fx, expr, id, needle) fx_refused_at((fx), (expr), (id), (needle), __FILE__, __LINE__)
void fx_refused_at(struct fx *fx, enum dk_status s, int64_t id, const char *needle, const char *file, int line);

/* Asserts that haystack contains needle, printing both when it does not. */
#define FX_CONTAINS(haystack, needle) fx_contains_at((haystack), (needle), __FILE__, __LINE__)
void fx_contains_at(const char *haystack, const char *needle, const char *file, int line);

#endif
