/* test_demand.c: recording a demand and reading it back: every field survives the round trip, every
 * kind of bad input is refused naming its field and writes nothing, the flags an attorney relies on
 * (cross-region, process) are set from the facts, the C name lists match the schema, and listings
 * come in deadline order with their filters. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "when.h"
#include "workflow.h"

static void test_add_every_field(void **state)
{
	struct fx *fx = *state;
	static const char *const ids[] = {"+353 1 555 0199", "203.0.113.7", "jdoe@acme.example", "account:tenant-0042"};
	static const char *const cats[] = {"subscriber", "content"};
	struct demand_input in = {
		.source = "intake-mailbox",
		.reference = "GJ-2026-0042",
		.received = "2026-01-15T09:30:00Z",
		.channel = "portal",
		.instrument = "search_warrant",
		.customer = "acme-eu",
		.requester = {
			.name = "Special Agent Dana Scully",
			.kind = "law_enforcement",
			.agency = "FBI Washington Field Office",
			.jurisdiction = "US-DC",
			.contact_name = "Fox Mulder",
			.email = "dscully@fbi.example",
			.phone = "+1 202 555 0100",
		},
		.identifiers = ids,
		.n_identifiers = 4,
		.categories = cats,
		.n_categories = 2,
		.response_due = "2026-02-15",
		.emergency = true,
		.assignee = "atty",
		.note = "served at the front desk;\nthe original is in the safe",
	};
	int64_t id = fx_add(fx, &in);
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	int64_t received = 0, due = 0;
	FX_OK(fx, when_parse("t", "2026-01-15T09:30:00Z", &received, &fx->err));
	FX_OK(fx, when_parse("t", "2026-02-15", &due, &fx->err));
	assert_int_equal(d->id, id);
	assert_string_equal(d->source, "intake-mailbox");
	assert_string_equal(d->reference, "GJ-2026-0042");
	assert_true(d->received_at == received);
	assert_string_equal(d->channel, "portal");
	assert_string_equal(d->instrument, "search_warrant");
	assert_int_equal(d->customer.id, fx->cust_eu);
	assert_string_equal(d->customer.tenant, "acme-eu");
	assert_string_equal(d->customer.name, "Acme Europe Ltd");
	assert_string_equal(d->customer.contact_email, "legal@acme.example");
	assert_string_equal(d->customer.region, "eu-west");
	assert_string_equal(d->requester.name, "Special Agent Dana Scully");
	assert_string_equal(d->requester.kind, "law_enforcement");
	assert_string_equal(d->requester.agency, "FBI Washington Field Office");
	assert_string_equal(d->requester.country, "US");
	assert_string_equal(d->requester.subdivision, "DC");
	assert_string_equal(d->requester.contact_name, "Fox Mulder");
	assert_string_equal(d->requester.email, "dscully@fbi.example");
	assert_string_equal(d->requester.phone, "+1 202 555 0100");
	assert_true(d->response_due == due);
	assert_true(d->emergency);
	assert_true(d->cross_region);  /* a US agency asking for data kept in the EU */
	assert_false(d->process_flag); /* a warrant can compel content */
	assert_string_equal(d->assignee, "atty");
	assert_string_equal(d->status, "received");
	assert_null(d->outcome);
	/* An emergency must be answered within a day, sooner than the redirect letter's two. */
	assert_true(d->due_at == received + 24 * 3600);
	assert_int_equal(d->closed_at, 0);
	assert_int_equal(d->version, 1);
	assert_true(d->created_at >= when_now() - 60 && d->created_at <= when_now());
	assert_true(d->updated_at == d->created_at);
	assert_int_equal(d->n_identifiers, 4);
	/* Sorted by kind, then value; an explicit kind wins over what the value looks like. */
	static const char *const want_kinds[] = {"account", "email", "ip", "phone"};
	static const char *const want_values[] = {"tenant-0042", "jdoe@acme.example", "203.0.113.7", "+353 1 555 0199"};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(d->identifier_kinds[i], want_kinds[i]);
		assert_string_equal(d->identifiers[i], want_values[i]);
	}
	assert_int_equal(d->requested, CAT_SUBSCRIBER | CAT_CONTENT);
	assert_int_equal(d->disclosed, 0);
	assert_int_equal(d->n_orders, 0);
	assert_int_equal(d->n_verifications, 0);
	assert_int_equal(d->n_notices, 0);
	demand_free(&d);
	assert_null(d);
	demand_free(&d);

	/* The note went into the created event. */
	sqlite3 *h = fx_raw_open(fx);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM event WHERE demand_id = %lld AND action = 'created' AND note LIKE 'served at%%'",
		 (long long)id);
	assert_int_equal(fx_raw_int(h, sql), 1);
	sqlite3_close(h);
}

/* Defaults for an optional field: source "manual", received now, no response date. */
static void test_add_defaults(void **state)
{
	struct fx *fx = *state;
	int64_t before = when_now();
	int64_t id = fx_add_ref(fx, "DEF-1");
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	assert_string_equal(d->source, "manual");
	assert_true(d->received_at >= before && d->received_at <= when_now());
	assert_int_equal(d->response_due, 0);
	assert_null(d->assignee);
	assert_false(d->emergency);
	assert_true(d->due_at == d->received_at + 2 * WHEN_DAY);
	demand_free(&d);
}

static const char *const counted[] = {"demand",         "event",    "requester", "demand_identifier",
				      "demand_category", "customer", "staff",     NULL};

struct counts {
	int64_t n[8];
};

static struct counts count_all(const struct fx *fx)
{
	struct counts c = {{0}};
	for (int i = 0; counted[i]; i++)
		c.n[i] = fx_count(fx, counted[i]);
	return c;
}

static void assert_same_counts(const struct counts *a, const struct counts *b, const char *what)
{
	for (int i = 0; counted[i]; i++) {
		if (a->n[i] != b->n[i])
			print_error("%s: %s went from %lld to %lld rows\n", what, counted[i], (long long)a->n[i],
				    (long long)b->n[i]);
		assert_true(a->n[i] == b->n[i]);
	}
}

enum bad_case {
	BAD_INSTRUMENT,
	BAD_CHANNEL,
	BAD_KIND,
	BAD_COUNTRY,
	BAD_RECEIVED,
	BAD_RECEIVED_FUTURE,
	BAD_DUE,
	NO_REFERENCE,
	EMPTY_REFERENCE,
	CONTROL_NAME,
	TOO_MANY_IDS,
	BAD_IP,
	BAD_EMAIL_ID,
	BAD_CATEGORY,
	NO_CATEGORY,
	CONTROL_NOTE,
	BAD_REQUESTER_EMAIL,
	UNKNOWN_CUSTOMER,
	UNKNOWN_ASSIGNEE,
	N_BAD
};

/* The field each message must start with. */
static const char *const bad_field[N_BAD] = {
	[BAD_INSTRUMENT] = "instrument: ",
	[BAD_CHANNEL] = "channel: ",
	[BAD_KIND] = "requester kind: ",
	[BAD_COUNTRY] = "jurisdiction: ",
	[BAD_RECEIVED] = "received: ",
	[BAD_RECEIVED_FUTURE] = "received: ",
	[BAD_DUE] = "due: ",
	[NO_REFERENCE] = "reference: ",
	[EMPTY_REFERENCE] = "reference: ",
	[CONTROL_NAME] = "requester name: ",
	[TOO_MANY_IDS] = "identifier: ",
	[BAD_IP] = "identifier: ",
	[BAD_EMAIL_ID] = "identifier: ",
	[BAD_CATEGORY] = "category: ",
	[NO_CATEGORY] = "category: ",
	[CONTROL_NOTE] = "note: ",
	[BAD_REQUESTER_EMAIL] = "requester email: ",
	[UNKNOWN_CUSTOMER] = "customer: ",
	[UNKNOWN_ASSIGNEE] = "assignee: ",
};

static void test_validation_names_field_writes_nothing(void **state)
{
	struct fx *fx = *state;
	const char **many_ids = calloc(DEMAND_MAX_IDENTIFIERS + 1, sizeof *many_ids);
	assert_non_null(many_ids);
	for (int i = 0; i <= DEMAND_MAX_IDENTIFIERS; i++)
		many_ids[i] = "tenant-0042";
	static const char *const bad_ip[] = {"ip:999.1.1.1"};
	static const char *const bad_email[] = {"email:jdoe.acme.example"};
	static const char *const bad_cat[] = {"everything"};
	char future[32];
	fx_when(3 * WHEN_DAY, future);
	struct counts before = count_all(fx);
	for (int c = 0; c < N_BAD; c++) {
		struct demand_input in;
		fx_demand_defaults(&in, "VAL-1");
		/* A requester not seen before, so that a stray insert would show. */
		in.requester.name = "Inspector Unseen";
		switch ((enum bad_case)c) {
		case BAD_INSTRUMENT: in.instrument = "writ_of_assistance"; break;
		case BAD_CHANNEL: in.channel = "carrier_pigeon"; break;
		case BAD_KIND: in.requester.kind = "vigilante"; break;
		case BAD_COUNTRY: in.requester.jurisdiction = "XX"; break;
		case BAD_RECEIVED: in.received = "2026-02-30"; break;
		case BAD_RECEIVED_FUTURE: in.received = future; break;
		case BAD_DUE: in.response_due = "next week"; break;
		case NO_REFERENCE: in.reference = NULL; break;
		case EMPTY_REFERENCE: in.reference = ""; break;
		case CONTROL_NAME: in.requester.name = "Det. Bob\x1b[2J\x1b[H"; break;
		case TOO_MANY_IDS:
			in.identifiers = many_ids;
			in.n_identifiers = DEMAND_MAX_IDENTIFIERS + 1;
			break;
		case BAD_IP: in.identifiers = bad_ip, in.n_identifiers = 1; break;
		case BAD_EMAIL_ID: in.identifiers = bad_email, in.n_identifiers = 1; break;
		case BAD_CATEGORY: in.categories = bad_cat, in.n_categories = 1; break;
		case NO_CATEGORY: in.categories = NULL, in.n_categories = 0; break;
		case CONTROL_NOTE: in.note = "see attached\x07\x1b]52;c;eA==\x07"; break;
		case BAD_REQUESTER_EMAIL: in.requester.email = "nbyrne at garda"; break;
		case UNKNOWN_CUSTOMER: in.customer = "no-such-tenant"; break;
		case UNKNOWN_ASSIGNEE: in.assignee = "ghost"; break;
		case N_BAD: break;
		}
		int64_t id = -1;
		dk_clear(&fx->err);
		enum dk_status s = demand_add(fx->db, &fx->intake, &in, &id, &fx->err);
		if (s != DK_INVALID || strncmp(fx->err.msg, bad_field[c], strlen(bad_field[c])) != 0)
			print_error("case %d: status %d, \"%s\" (want \"%s...\")\n", c, (int)s, fx->err.msg,
				    bad_field[c]);
		assert_int_equal(s, DK_INVALID);
		assert_true(strncmp(fx->err.msg, bad_field[c], strlen(bad_field[c])) == 0);
		struct counts after = count_all(fx);
		assert_same_counts(&before, &after, bad_field[c]);
	}
	free(many_ids);
	/* Exactly at the limit is fine. */
	struct demand_input in;
	fx_demand_defaults(&in, "VAL-MAX");
	const char **ids = calloc(DEMAND_MAX_IDENTIFIERS, sizeof *ids);
	char(*vals)[16] = calloc(DEMAND_MAX_IDENTIFIERS, sizeof *vals);
	assert_non_null(ids);
	assert_non_null(vals);
	for (int i = 0; i < DEMAND_MAX_IDENTIFIERS; i++) {
		snprintf(vals[i], sizeof vals[i], "acct-%04d", i);
		ids[i] = vals[i];
	}
	in.identifiers = ids;
	in.n_identifiers = DEMAND_MAX_IDENTIFIERS;
	int64_t id = fx_add(fx, &in);
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	assert_int_equal(d->n_identifiers, DEMAND_MAX_IDENTIFIERS);
	demand_free(&d);
	free(ids);
	free(vals);
}

static void test_not_staff_refused(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "NS-1");
	int64_t id = 0, before = fx_count(fx, "demand");
	dk_clear(&fx->err);
	assert_int_equal(demand_add(fx->db, &fx->nobody, &in, &id, &fx->err), DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "mallory");
	assert_int_equal(fx_count(fx, "demand"), before);
}

static void test_duplicate_refused(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "DUP-1");
	struct counts before = count_all(fx);
	struct demand_input in;
	fx_demand_defaults(&in, "DUP-1");
	int64_t id = 0;
	dk_clear(&fx->err);
	assert_int_equal(demand_add(fx->db, &fx->intake, &in, &id, &fx->err), DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "DUP-1");
	/* "manual" is what no source means, so naming it is the same demand. */
	in.source = "manual";
	dk_clear(&fx->err);
	assert_int_equal(demand_add(fx->db, &fx->intake, &in, &id, &fx->err), DK_REFUSED);
	struct counts after = count_all(fx);
	assert_same_counts(&before, &after, "duplicate");
	/* The same reference from another intake source is another demand. */
	in.source = "portal-import";
	fx_add(fx, &in);
}

static void parse_is(const char *s, const char *kind, const char *value)
{
	const char *k = NULL, *v = NULL;
	struct dk_error err;
	dk_clear(&err);
	enum dk_status st = demand_identifier_parse(s, &k, &v, &err);
	if (st != DK_OK)
		print_error("\"%s\": %s\n", s, err.msg);
	assert_int_equal(st, DK_OK);
	assert_string_equal(k, kind);
	assert_string_equal(v, value);
}

static void parse_bad(const char *s)
{
	const char *k = NULL, *v = NULL;
	struct dk_error err;
	dk_clear(&err);
	assert_int_equal(demand_identifier_parse(s, &k, &v, &err), DK_INVALID);
	assert_true(strncmp(err.msg, "identifier: ", 12) == 0);
}

static void test_identifier_parse(void **state)
{
	(void)state;
	parse_is("jdoe@acme.example", "email", "jdoe@acme.example");
	parse_is("203.0.113.7", "ip", "203.0.113.7");
	parse_is("2001:db8::1", "ip", "2001:db8::1");
	parse_is("::1", "ip", "::1");
	parse_is("+1 555-0100", "phone", "+1 555-0100");
	parse_is("+447700900123", "phone", "+447700900123");
	parse_is("tenant-0042", "account", "tenant-0042");
	parse_is("999.1.1.1", "account", "999.1.1.1");
	parse_is("urn:acme:user:7", "account", "urn:acme:user:7");
	/* An explicit kind wins over what the value looks like. */
	parse_is("account:jdoe@acme.example", "account", "jdoe@acme.example");
	parse_is("email:jdoe@acme.example", "email", "jdoe@acme.example");
	parse_is("ip:2001:db8::1", "ip", "2001:db8::1");
	parse_is("ip:198.51.100.1", "ip", "198.51.100.1");
	parse_is("phone:+44 20 7946 0000", "phone", "+44 20 7946 0000");
	parse_bad("ip:not-an-address");
	parse_bad("ip:999.1.1.1");
	parse_bad("ip:");
	parse_bad("email:no-at-sign");
	parse_bad("account:");
	parse_bad("");
	parse_bad("tenant\x01");
	parse_bad("\xff\xfe");
}

static bool flag_of(struct fx *fx, int64_t id, bool process)
{
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	bool v = process ? d->process_flag : d->cross_region;
	demand_free(&d);
	return v;
}

static int64_t add_from(struct fx *fx, const char *ref, const char *customer, const char *jurisdiction)
{
	struct demand_input in;
	fx_demand_defaults(&in, ref);
	in.customer = customer;
	in.requester.jurisdiction = jurisdiction;
	return fx_add(fx, &in);
}

static void test_cross_region(void **state)
{
	struct fx *fx = *state;
	assert_true(flag_of(fx, add_from(fx, "CR-1", "acme-eu", "US"), false));
	assert_false(flag_of(fx, add_from(fx, "CR-2", "acme-eu", "DE"), false));
	assert_false(flag_of(fx, add_from(fx, "CR-3", "acme-eu", "IE"), false));
	assert_true(flag_of(fx, add_from(fx, "CR-4", "acme-eu", "GB"), false));
	assert_false(flag_of(fx, add_from(fx, "CR-5", "zenith-us", "US-NY"), false));
	assert_false(flag_of(fx, add_from(fx, "CR-6", "zenith-us", "us-ca"), false));
	assert_true(flag_of(fx, add_from(fx, "CR-7", "zenith-us", "DE"), false));
	/* The flag is in the created event, where the reviewer reads it. */
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM event WHERE action = 'created'"
				       " AND changes LIKE '%[\"cross_region\",null,\"yes\"]%'"),
			 3);
	sqlite3_close(h);
}

static int64_t add_asking(struct fx *fx, const char *ref, const char *instrument, const char *category)
{
	const char *cats[] = {"subscriber", category};
	struct demand_input in;
	fx_demand_defaults(&in, ref);
	in.instrument = instrument;
	in.categories = cats;
	in.n_categories = 2;
	return fx_add(fx, &in);
}

static void test_process_flag(void **state)
{
	struct fx *fx = *state;
	assert_true(flag_of(fx, add_asking(fx, "PF-1", "subpoena", "content"), true));
	assert_true(flag_of(fx, add_asking(fx, "PF-2", "civil_subpoena", "content"), true));
	assert_true(flag_of(fx, add_asking(fx, "PF-3", "court_order", "content"), true));
	assert_false(flag_of(fx, add_asking(fx, "PF-4", "search_warrant", "content"), true));
	assert_false(flag_of(fx, add_asking(fx, "PF-5", "mlat", "content"), true));
	assert_false(flag_of(fx, add_asking(fx, "PF-6", "subpoena", "non_content"), true));
	/* A preservation request discloses nothing, so there is nothing to flag. */
	assert_false(flag_of(fx, add_asking(fx, "PF-7", "preservation", "content"), true));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The C list, sorted, joined by commas, against the table's names in the same shape. */
static void assert_list_matches(struct fx *fx, const char *const *list, const char *table)
{
	const char *sorted[64];
	size_t n = 0;
	while (list[n]) {
		assert_true(n < 64);
		sorted[n] = list[n];
		n++;
	}
	qsort(sorted, n, sizeof sorted[0], cmp_str);
	char mine[1024] = "";
	for (size_t i = 0; i < n; i++) {
		strcat(mine, i ? "," : "");
		strcat(mine, sorted[i]);
	}
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT group_concat(name, ',') FROM (SELECT name FROM %s ORDER BY name)", table);
	sqlite3 *h = fx_raw_open(fx);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *theirs = (const char *)sqlite3_column_text(st, 0);
	if (strcmp(mine, theirs) != 0)
		print_error("%s: C has %s, the schema %s\n", table, mine, theirs);
	assert_string_equal(mine, theirs);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void test_name_lists_match_schema(void **state)
{
	struct fx *fx = *state;
	assert_list_matches(fx, demand_states, "state");
	assert_list_matches(fx, demand_outcomes, "outcome");
	assert_list_matches(fx, demand_instruments, "instrument");

	/* Channels and identifier kinds are CHECK constraints: every name in the list must pass. */
	int64_t id = fx_add_ref(fx, "NAMES-1");
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "BEGIN"), SQLITE_OK);
	char sql[300];
	for (int i = 0; demand_channels[i]; i++) {
		snprintf(sql, sizeof sql, "UPDATE demand SET channel = '%s' WHERE id = %lld", demand_channels[i],
			 (long long)id);
		assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	}
	for (int i = 0; demand_identifier_kinds[i]; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO demand_identifier VALUES (%lld, '%s', 'v')", (long long)id,
			 demand_identifier_kinds[i]);
		assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	}
	for (int i = 0; demand_categories[i]; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO demand_category VALUES (%lld, 'disclosed', '%s')", (long long)id,
			 demand_categories[i]);
		assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	}
	snprintf(sql, sizeof sql, "UPDATE demand SET channel = 'telegram' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_CONSTRAINT);
	assert_int_equal(fx_raw_exec(h, "ROLLBACK"), SQLITE_OK);
	sqlite3_close(h);

	assert_true(demand_name_known(demand_states, "notice_owed"));
	assert_false(demand_name_known(demand_states, "Closed"));
	assert_false(demand_name_known(demand_states, NULL));
	assert_int_equal(demand_category_parse("content"), CAT_CONTENT);
	assert_int_equal(demand_category_parse("Content"), 0);
	char out[64];
	demand_categories_format(CAT_SUBSCRIBER | CAT_CONTENT, ", ", out, sizeof out);
	assert_string_equal(out, "subscriber, content");
}

struct listed {
	int n;
	int64_t ids[32];
	int64_t due[32];
	char status[32][24];
};

static int collect(const struct demand_row *r, void *ctx)
{
	struct listed *l = ctx;
	if (l->n >= 32)
		return 1;
	l->ids[l->n] = r->id;
	l->due[l->n] = r->due_at;
	snprintf(l->status[l->n], sizeof l->status[0], "%s", r->status);
	l->n++;
	return 0;
}

static struct listed list(struct fx *fx, const struct demand_filter *f)
{
	struct listed l;
	memset(&l, 0, sizeof l);
	FX_OK(fx, demand_list(fx->db, f, collect, &l, &fx->err));
	return l;
}

static void assert_ids(const struct listed *l, int n, const int64_t *want)
{
	bool same = l->n == n;
	for (int i = 0; same && i < n; i++)
		same = l->ids[i] == want[i];
	if (!same) {
		print_error("listed %d:", l->n);
		for (int i = 0; i < l->n; i++)
			print_error(" %lld", (long long)l->ids[i]);
		print_error("; wanted %d:", n);
		for (int i = 0; i < n; i++)
			print_error(" %lld", (long long)want[i]);
		print_error("\n");
	}
	assert_true(same);
}

static int64_t add_received(struct fx *fx, const char *ref, int64_t ago, bool emergency, const char *ident)
{
	char when[32];
	const char *ids[] = {ident};
	struct demand_input in;
	fx_demand_defaults(&in, ref);
	in.received = fx_when(-ago, when);
	in.emergency = emergency;
	if (ident) {
		in.identifiers = ids;
		in.n_identifiers = 1;
	}
	return fx_add(fx, &in);
}

static void test_list(void **state)
{
	struct fx *fx = *state;
	const int64_t H = 3600, D = WHEN_DAY;
	/* Deadlines in received: two days after receipt, or one for an emergency. */
	int64_t a = add_received(fx, "LST-A", 1 * D, false, NULL);           /* due in 1 day */
	int64_t b = add_received(fx, "LST-B", 3 * D, false, NULL);           /* 1 day late */
	int64_t c = add_received(fx, "LST-C", 0, false, "zz-unique-9981@acme.example"); /* due in 2 days */
	int64_t d = add_received(fx, "LST-D", 2 * D + 2 * H, true, NULL);    /* 1 day 2 hours late */
	int64_t e = add_received(fx, "OLD-E", 5 * D, false, NULL);           /* closed below */
	FX_OK(fx, fx_move(fx, &fx->intake, e, "closed", "withdrawn", "requester withdrew by phone"));

	struct demand_filter f = {0};
	struct listed l = list(fx, &f);
	assert_ids(&l, 4, (int64_t[]){d, b, a, c});
	for (int i = 1; i < l.n; i++)
		assert_true(l.due[i - 1] <= l.due[i]);

	f.limit = 2;
	l = list(fx, &f);
	assert_ids(&l, 2, (int64_t[]){d, b});
	f.limit = 0;

	/* Redirecting gets the review deadline, fourteen days after receipt: last now. */
	FX_OK(fx, fx_move(fx, &fx->intake, a, "redirecting", NULL, NULL));
	l = list(fx, &f);
	assert_ids(&l, 4, (int64_t[]){d, b, c, a});
	f.status = "redirecting";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){a});
	assert_string_equal(l.status[0], "redirecting");
	f.status = "received";
	l = list(fx, &f);
	assert_ids(&l, 3, (int64_t[]){d, b, c});
	f.status = "closed";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){e});
	f.status = "all";
	l = list(fx, &f);
	assert_ids(&l, 5, (int64_t[]){e, d, c, b, a});
	f.status = "open";
	l = list(fx, &f);
	assert_ids(&l, 4, (int64_t[]){d, b, c, a});
	f.status = "pending";
	dk_clear(&fx->err);
	assert_int_equal(demand_list(fx->db, &f, collect, &l, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "status: ");
	f.status = NULL;

	FX_OK(fx, workflow_assign(fx->db, &fx->intake, b, "atty", 0, &fx->err));
	f.assignee = "atty";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){b});
	f.assignee = "clerk";
	l = list(fx, &f);
	assert_ids(&l, 0, NULL);
	f.assignee = NULL;

	f.due_before = when_now();
	l = list(fx, &f);
	assert_ids(&l, 2, (int64_t[]){d, b});
	f.due_before = 0;

	f.search = "LST-";
	l = list(fx, &f);
	assert_ids(&l, 4, (int64_t[]){d, b, c, a});
	f.search = "LST-B";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){b});
	/* A reference matches from its start, not in the middle. */
	f.search = "ST-B";
	l = list(fx, &f);
	assert_ids(&l, 0, NULL);
	f.search = "zz-unique";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){c});
	f.search = "zz-unique-9981@acme.example";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){c});
	/* Closed demands are found by the notes on their timeline, when asked for. */
	f.search = "withdrew by phone";
	f.status = "all";
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){e});
	f.search = "\x1b[2J";
	dk_clear(&fx->err);
	assert_int_equal(demand_list(fx->db, &f, collect, &l, &fx->err), DK_INVALID);

	/* Filters combine. */
	f.search = "LST-";
	f.status = NULL;
	f.due_before = when_now();
	f.limit = 1;
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){d});
	f = (struct demand_filter){0};

	/* Closed demands come newest first, a limit takes the newest; one that kept a deadline (none
	 * does through the workflow, but the order must not depend on it) is in its place by id. */
	FX_OK(fx, fx_move(fx, &fx->intake, b, "closed", "withdrawn", NULL));
	FX_OK(fx, fx_move(fx, &fx->intake, c, "closed", "withdrawn", NULL));
	sqlite3 *h = fx_raw_open(fx);
	char sql[80];
	snprintf(sql, sizeof sql, "UPDATE demand SET due_at = 1 WHERE id = %lld", (long long)c);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	f.status = "closed";
	l = list(fx, &f);
	assert_ids(&l, 3, (int64_t[]){e, c, b});
	f.limit = 2;
	l = list(fx, &f);
	assert_ids(&l, 2, (int64_t[]){e, c});
	f.limit = 1;
	l = list(fx, &f);
	assert_ids(&l, 1, (int64_t[]){e});

	/* One state: those with a deadline by it, then those without one by id. */
	int64_t g = add_received(fx, "LST-G", 0, false, NULL);
	int64_t k = add_received(fx, "LST-K", 0, false, NULL);
	snprintf(sql, sizeof sql, "UPDATE demand SET due_at = NULL WHERE id IN (%lld, %lld)", (long long)d,
		 (long long)k);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	f.status = "received";
	f.limit = 0;
	l = list(fx, &f);
	assert_ids(&l, 3, (int64_t[]){g, d, k});
	f.limit = 2;
	l = list(fx, &f);
	assert_ids(&l, 2, (int64_t[]){g, d});
}

static void test_get_missing(void **state)
{
	struct fx *fx = *state;
	struct demand *d = (struct demand *)1;
	dk_clear(&fx->err);
	assert_int_equal(demand_get(fx->db, 4242, &d, &fx->err), DK_INVALID);
	assert_null(d);
	FX_CONTAINS(fx->err.msg, "demand 4242");
}

/* An order on one line, as docket show and the case screen print it. */
static void test_order_format(void **state)
{
	(void)state;
	char out[200];
	int64_t t;
	struct dk_error err;
	assert_int_equal(when_parse("expires", "2027-01-31", &t, &err), DK_OK);
	struct nd_order o = {.reference = "NDO-7", .statute = "18 U.S.C. 2705(b)", .expires_at = t, .in_force = true};
	demand_order_format(&o, out, sizeof out);
	assert_string_equal(out, "NDO-7 18 U.S.C. 2705(b): IN FORCE, expires 2027-01-31");
	struct nd_order ended = {.reference = "NDO-8", .statute = "", .indefinite = true, .lifted_at = t, .challenged = true};
	demand_order_format(&ended, out, sizeof out);
	assert_string_equal(out, "NDO-8: ended, indefinite, lifted 2027-01-31, challenged");
	demand_order_format(&o, out, 12);
	assert_string_equal(out, "NDO-7 18 U.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_every_field, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_add_defaults, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_validation_names_field_writes_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_staff_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_refused, fx_setup, fx_teardown),
		cmocka_unit_test(test_identifier_parse),
		cmocka_unit_test_setup_teardown(test_cross_region, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_flag, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_name_lists_match_schema, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_get_missing, fx_setup, fx_teardown),
		cmocka_unit_test(test_order_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
