/* helpers.c: the database fixture shared by the unit tests (see helpers.h). */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "when.h"
#include "workflow.h"

static const char *const default_identifiers[] = {"jdoe@acme.example"};
static const char *const default_categories[] = {"subscriber"};

int fx_setup_dir(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/docket-unit-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(fx->dir)) {
		print_error("mkdtemp %s: %s\n", fx->dir, strerror(errno));
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/docket.db", fx->dir);
	*state = fx;
	return 0;
}

static void set_acting(struct acting *a, const char *login, enum staff_role role)
{
	memset(a, 0, sizeof *a);
	snprintf(a->login, sizeof a->login, "%s", login);
	snprintf(a->actor, sizeof a->actor, "%s", login);
	a->role = role;
}

void fx_populate(struct fx *fx)
{
	FX_OK(fx, db_open(fx->path, DB_CREATE, &fx->db, &fx->err));
	int made = 0;
	FX_OK(fx, staff_bootstrap(fx->db, "boss", &made, &fx->err));
	assert_int_equal(made, 1);
	set_acting(&fx->admin, "boss", STAFF_ADMIN);
	set_acting(&fx->attorney, "atty", STAFF_ATTORNEY);
	set_acting(&fx->intake, "clerk", STAFF_INTAKE);
	set_acting(&fx->nobody, "mallory", STAFF_NONE);
	FX_OK(fx, staff_add(fx->db, &fx->admin, "atty", "Ada Attorney", "attorney", &fx->err));
	FX_OK(fx, staff_add(fx->db, &fx->admin, "clerk", "Cal Clerk", "intake", &fx->err));
	struct customer eu = {
		.tenant = "acme-eu",
		.name = "Acme Europe Ltd",
		.contact_name = "Erin Counsel",
		.contact_email = "legal@acme.example",
		.contact_phone = "+353 1 555 0100",
		.region = "eu-west",
	};
	FX_OK(fx, customer_add(fx->db, &fx->admin, &eu, &fx->cust_eu, &fx->err));
	struct customer us = {
		.tenant = "zenith-us",
		.name = "Zenith Corp",
		.contact_email = "counsel@zenith.example",
		.region = "us-east",
	};
	FX_OK(fx, customer_add(fx->db, &fx->admin, &us, &fx->cust_us, &fx->err));
}

int fx_setup(void **state)
{
	if (fx_setup_dir(state))
		return -1;
	fx_populate(*state);
	return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	if (remove(path) != 0)
		print_error("remove %s: %s\n", path, strerror(errno));
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;
	if (!fx)
		return 0;
	db_close(&fx->db);
	if (fx->dir[0])
		nftw(fx->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	*state = NULL;
	return 0;
}

const char *fx_file(const struct fx *fx, const char *name, char *out)
{
	snprintf(out, FX_PATH_MAX, "%s/%s", fx->dir, name);
	return out;
}

void fx_demand_defaults(struct demand_input *in, const char *reference)
{
	memset(in, 0, sizeof *in);
	in->reference = reference;
	in->channel = "email";
	in->instrument = "subpoena";
	in->customer = "acme-eu";
	in->requester.name = "Det. Sgt. Niamh Byrne";
	in->requester.kind = "law_enforcement";
	in->requester.agency = "An Garda Siochana";
	in->requester.jurisdiction = "IE";
	in->requester.email = "nbyrne@garda.example";
	in->identifiers = default_identifiers;
	in->n_identifiers = sizeof default_identifiers / sizeof default_identifiers[0];
	in->categories = default_categories;
	in->n_categories = sizeof default_categories / sizeof default_categories[0];
}

int64_t fx_add(struct fx *fx, const struct demand_input *in)
{
	int64_t id = 0;
	FX_OK(fx, demand_add(fx->db, &fx->intake, in, &id, &fx->err));
	assert_true(id > 0);
	return id;
}

int64_t fx_add_ref(struct fx *fx, const char *reference)
{
	struct demand_input in;
	fx_demand_defaults(&in, reference);
	return fx_add(fx, &in);
}

enum dk_status fx_move(struct fx *fx, const struct acting *by, int64_t id, const char *to, const char *outcome,
		       const char *note)
{
	struct move_request req = {.id = id, .to = to, .outcome = outcome, .note = note};
	dk_clear(&fx->err);
	return workflow_move(fx->db, by, &req, &fx->err);
}

void fx_status(struct fx *fx, int64_t id, char *out, size_t n)
{
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	snprintf(out, n, "%s", d->status);
	demand_free(&d);
}

int64_t fx_version(struct fx *fx, int64_t id)
{
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	int64_t v = d->version;
	demand_free(&d);
	return v;
}

const char *fx_when(int64_t delta, char *out)
{
	when_format(when_now() + delta, out, 32);
	return out;
}

sqlite3 *fx_raw_open(const struct fx *fx)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(fx->path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		print_error("sqlite3_open %s: %s\n", fx->path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		fail();
	}
	sqlite3_busy_timeout(h, 10000);
	/* A write behind docket's back, by a shell that has docket's SQL function (schema/0008). */
	if (address_register(h) != SQLITE_OK) {
		print_error("address_register: %s\n", sqlite3_errmsg(h));
		fail();
	}
	return h;
}

int fx_raw_exec(sqlite3 *h, const char *sql)
{
	return sqlite3_exec(h, sql, NULL, NULL, NULL) & 0xff;
}

int64_t fx_raw_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		print_error("%s: %s\n", sql, sqlite3_errmsg(h));
		fail();
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t fx_count(const struct fx *fx, const char *table)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	sqlite3 *h = fx_raw_open(fx);
	int64_t n = fx_raw_int(h, sql);
	sqlite3_close(h);
	return n;
}

void fx_policy(const struct fx *fx, const char *key, int64_t value)
{
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE policy SET value = %lld WHERE key = '%s'", (long long)value, key);
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
}

unsigned char *fx_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("%s: %s\n", path, strerror(errno));
		fail();
	}
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	*n = len;
	return buf;
}

void fx_ok_at(struct fx *fx, enum dk_status s, const char *expr, const char *file, int line)
{
	if (s == DK_OK)
		return;
	print_error("%s returned %d: %s\n", expr, (int)s, fx->err.msg);
	_fail(file, line);
}

void fx_refused_at(struct fx *fx, enum dk_status s, int64_t id, const char *needle, const char *file, int line)
{
	char name[48];
	snprintf(name, sizeof name, "demand %lld", (long long)id);
	if (s != DK_REFUSED) {
		print_error("expected DK_REFUSED, got %d: %s\n", (int)s, fx->err.msg);
		_fail(file, line);
	}
	fx_contains_at(fx->err.msg, name, file, line);
	if (needle)
		fx_contains_at(fx->err.msg, needle, file, line);
}

void fx_contains_at(const char *haystack, const char *needle, const char *file, int line)
{
	if (haystack && strstr(haystack, needle))
		return;
	print_error("\"%s\" does not contain \"%s\"\n", haystack ? haystack : "(null)", needle);
	_fail(file, line);
}
