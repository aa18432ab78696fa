/* test_import.c: the importer through its API: every rule a record is checked against, each
 * message naming input:line (or record), field and value; atomic runs that write nothing;
 * --skip-invalid with the rejects in the input's format; idempotence whatever the format or the
 * spelling of lists; conflicts left alone; the batch, its items and events; a restart; the
 * formats by name and type; and the lower-level demand functions the importer uses. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "import.h"
#include "text.h"

#define HEADER "reference,channel,instrument,customer,requester,requester_kind,jurisdiction,categories"

struct run {
	enum dk_status status;
	struct dk_error err;
	struct import_result res;
	struct buf rejects;
	int restarts;
};

static int sink(void *ctx, const char *data, size_t n)
{
	struct run *r = ctx;
	buf_add(&r->rejects, data, n);
	return 0;
}

static int broken_sink(void *ctx, const char *data, size_t n)
{
	(void)ctx, (void)data, (void)n;
	return -1;
}

static int sink_restart(void *ctx)
{
	struct run *r = ctx;
	buf_reset(&r->rejects);
	r->restarts++;
	return 0;
}

/* Imports text as the clerk; o (may be NULL) gives the options, "t.csv" is the input's name. */
static void run_import(struct fx *fx, enum import_format f, const char *text, const struct import_options *o,
		       struct run *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->rejects);
	struct import_options io = o ? *o : (struct import_options){0};
	io.format = f;
	if (!io.input)
		io.input = f == IMPORT_CSV ? "t.csv" : f == IMPORT_JSON ? "t.json" : "t.ndjson";
	if (io.skip_invalid) {
		io.reject = sink;
		io.reject_restart = sink_restart;
		io.reject_ctx = r;
	}
	struct import *im = NULL;
	FX_OK(fx, import_begin(fx->db, &fx->intake, &io, &im, &fx->err));
	/* in pieces of 7 bytes, as a network would */
	size_t n = strlen(text);
	r->status = DK_OK;
	for (size_t off = 0; off < n && !r->status; off += 7)
		r->status = import_feed(im, text + off, n - off < 7 ? n - off : 7, &r->err);
	struct dk_error ferr = {0};
	enum dk_status fs = import_finish(im, &r->res, &ferr);
	if (!r->status) {
		r->status = fs;
		r->err = ferr;
	}
	import_free(&im);
	assert_null(im);
	buf_add(&r->rejects, "", 0);
}

static void run_free(struct run *r)
{
	import_result_free(&r->res);
	buf_free(&r->rejects);
}

/* One CSV record under HEADER plus extra columns: its first problem. */
static void expect_problem(struct fx *fx, const char *header_extra, const char *row, const char *want)
{
	struct buf in;
	buf_init(&in);
	buf_printf(&in, "%s%s\n%s\n", HEADER, header_extra, row);
	int64_t before = fx_count(fx, "demand");
	struct run r;
	run_import(fx, IMPORT_CSV, in.data, NULL, &r);
	if (r.res.n_errors != 1 || strcmp(r.res.errors[0], want) != 0)
		print_error("for %s\n got: %s\nwant: %s\n", row, r.res.n_errors ? r.res.errors[0] : "(none)", want);
	assert_int_equal(r.res.n_errors, 1);
	assert_string_equal(r.res.errors[0], want);
	assert_int_equal(r.status, DK_INVALID);
	assert_int_equal(r.res.n.rejected, 1);
	assert_false(r.res.written);
	assert_int_equal(fx_count(fx, "demand"), before);
	run_free(&r);
	buf_free(&in);
}

#define GOOD "R-1,email,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber"

static void test_every_rule(void **state)
{
	struct fx *fx = *state;
	/* required fields */
	expect_problem(fx, "", ",email,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: reference: a value is required");
	expect_problem(fx, "", "R,,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: channel: a value is required");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,,law_enforcement,IE,subscriber",
		       "t.csv:2: requester: a value is required");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,,IE,subscriber",
		       "t.csv:2: requester_kind: a value is required");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,law_enforcement,,subscriber",
		       "t.csv:2: jurisdiction: a value is required");
	expect_problem(fx, "", "R,email,subpoena,,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: customer: a value is required");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,law_enforcement,IE,",
		       "t.csv:2: categories: at least one of subscriber, non_content, content is required");
	/* enumerations */
	expect_problem(
		fx, "", "R,email,warant,acme-eu,Garda,law_enforcement,IE,subscriber",
		"t.csv:2: instrument: \"warant\" is not one of subpoena, court_order, search_warrant, emergency, "
		"preservation, mlat, national_security, civil_subpoena, other");
	expect_problem(fx, "", "R,telex,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: channel: \"telex\" is not one of email, portal, mail, fax, in_person");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,police,IE,subscriber",
		       "t.csv:2: requester_kind: \"police\" is not one of law_enforcement, government, civil_litigant, "
		       "other");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber;all",
		       "t.csv:2: categories: \"all\" is not one of subscriber, non_content, content");
	expect_problem(fx, ",emergency", GOOD ",maybe",
		       "t.csv:2: emergency: \"maybe\" is not one of true, false, yes, no, 1, 0");
	/* ISO 3166 */
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,law_enforcement,QQ,subscriber",
		       "t.csv:2: jurisdiction: \"QQ\" is not an ISO 3166 country code (e.g. US, DE, US-CA)");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Garda,law_enforcement,US-CALI,subscriber",
		       "t.csv:2: jurisdiction: \"US-CALI\" is not an ISO 3166 country code (e.g. US, DE, US-CA)");
	/* ISO 8601 */
	expect_problem(fx, ",received", GOOD ",2026-02-30", "t.csv:2: received: \"2026-02-30\" is not a real date");
	expect_problem(fx, ",received", GOOD ",yesterday",
		       "t.csv:2: received: \"yesterday\" is not an ISO-8601 date or time (YYYY-MM-DD or "
		       "YYYY-MM-DDTHH:MM:SSZ)");
	expect_problem(fx, ",due", GOOD ",2026-04-01T25:00",
		       "t.csv:2: due: \"2026-04-01T25:00\" is not a real time of day");
	expect_problem(fx, ",received", GOOD ",2999-01-01", "t.csv:2: received: \"2999-01-01\" is in the future");
	/* the database: customer, assignee */
	expect_problem(fx, "", "R,email,subpoena,ghost-co,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: customer: no customer with tenant id \"ghost-co\" (see `docket customer list`); "
		       "--create-customers adds it");
	expect_problem(fx, ",assignee", GOOD ",mallory", "t.csv:2: assignee: \"mallory\" is not active staff");
	/* identifiers, e-mail */
	expect_problem(fx, ",identifiers", GOOD ",a@b.example;ip:300.1.2.3",
		       "t.csv:2: identifiers: \"300.1.2.3\" is not an IP address");
	expect_problem(fx, ",requester_email", GOOD ",bureau(at)garda",
		       "t.csv:2: requester_email: \"bureau(at)garda\" is not an e-mail address");
	expect_problem(fx, ",customer_email", GOOD ",nope",
		       "t.csv:2: customer_email: \"nope\" is not an e-mail address");
	/* lengths, with the value cut short */
	char row[1024], want[1024];
	char long_ref[202];
	memset(long_ref, 'R', 201);
	long_ref[201] = '\0';
	snprintf(row, sizeof row, "%s,email,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber", long_ref);
	snprintf(want, sizeof want, "t.csv:2: reference: 201 bytes is longer than the limit of 200: \"%.60s...\"",
		 long_ref);
	expect_problem(fx, "", row, want);
	expect_problem(fx, ",requester_phone", GOOD ",+1 202 555 0100 ext 1234567890 1234567890 1",
		       "t.csv:2: requester_phone: 43 bytes is longer than the limit of 40: \"+1 202 555 0100 ext "
		       "1234567890 1234567890 1\"");
	struct buf note;
	buf_init(&note);
	buf_puts(&note, GOOD ",");
	for (int i = 0; i < TEXT_LONG_MAX + 1; i++)
		buf_putc(&note, 'n');
	expect_problem(fx, ",note", note.data,
		       "t.csv:2: note: 10001 bytes is longer than the limit of 10000: "
		       "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\"");
	buf_free(&note);
	/* UTF-8 and control characters; a newline only in a note */
	expect_problem(fx, "", "R,email,subpoena,acme-eu,Gar\xc3\x28,law_enforcement,IE,subscriber",
		       "t.csv:2: requester: not valid UTF-8 (byte 4): \"Gar\xc3(\"");
	expect_problem(fx, "", "R,email,subpoena,acme-eu,\"Gar\nda\",law_enforcement,IE,subscriber",
		       "t.csv:2: requester: control character U+000A at byte 4 is not allowed: \"Gar\nda\"");
	expect_problem(fx, ",note", GOOD ",\"bell\a\"",
		       "t.csv:2: note: control character U+0007 at byte 5 is not allowed: \"bell\a\"");
	expect_problem(fx, ",agency", GOOD ",\xe2\x80\x8e\xc2\x85",
		       "t.csv:2: agency: control character U+0085 at byte 4 is not allowed: \"\xe2\x80\x8e\xc2\x85\"");
	/* the record's shape */
	expect_problem(fx, "", "R,email,subpoena", "t.csv:2: 3 fields, where the header has 8");
	expect_problem(fx, "", "R,em\"ail,subpoena,acme-eu,Garda,law_enforcement,IE,subscriber",
		       "t.csv:2: field 2: a quote inside an unquoted field");
}

static void test_nul_and_limits(void **state)
{
	struct fx *fx = *state;
	/* A NUL byte is refused by name (it would cut the text short unseen) */
	const char text[] = HEADER "\nR,email,subpoena,acme-eu,Ga\0rda,law_enforcement,IE,subscriber\n";
	struct import *im = NULL;
	struct import_options io = {.format = IMPORT_CSV, .input = "t.csv"};
	FX_OK(fx, import_begin(fx->db, &fx->intake, &io, &im, &fx->err));
	FX_OK(fx, import_feed(im, text, sizeof text - 1, &fx->err));
	struct import_result res;
	assert_int_equal(import_finish(im, &res, &fx->err), DK_INVALID);
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0], "t.csv:2: requester: a NUL byte at byte 3");
	import_result_free(&res);
	import_free(&im);
	/* A CSV field past the reader's limit */
	struct buf in;
	buf_init(&in);
	buf_puts(&in, HEADER ",note\n" GOOD ",");
	for (int i = 0; i < 70000; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\n");
	struct run r;
	run_import(fx, IMPORT_CSV, in.data, NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_string_equal(r.res.errors[0], "t.csv:2: field 9 is longer than the limit of 65536 bytes");
	run_free(&r);
	buf_free(&in);
}

static void test_json_rules(void **state)
{
	struct fx *fx = *state;
	struct run r;
	run_import(fx, IMPORT_NDJSON,
		   "{\"reference\":7}\n"
		   "{\"reference\":\"A\",\"identifiers\":{\"x\":1}}\n"
		   "{\"reference\":\"A\",\"categories\":[\"subscriber\",3]}\n"
		   "{\"reference\":\"A\",\"emergency\":1}\n"
		   "{\"reference\":\"A\",\"reference\":\"B\"}\n"
		   "{\"reference\":\"A\",\"colour\":\"red\"}\n"
		   "{\"reference\":\"A\",\"identifiers\":[[\"x\"]]}\n"
		   "{\"reference\":\"A\",\"note\":true}\n",
		   NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_int_equal(r.res.n_errors, 8);
	assert_string_equal(r.res.errors[0], "t.ndjson:1: reference: 7 is a number, where a string is needed");
	assert_string_equal(r.res.errors[1],
			    "t.ndjson:2: identifiers: an object, where a string or an array of strings is needed");
	assert_string_equal(r.res.errors[2], "t.ndjson:3: categories: value 2 is not a string");
	assert_string_equal(r.res.errors[3],
			    "t.ndjson:4: emergency: 1 is a number, where true, false or a string is needed");
	assert_string_equal(r.res.errors[4], "t.ndjson:5: field \"reference\" appears twice");
	assert_string_equal(r.res.errors[5], "t.ndjson:6: unknown field \"colour\"");
	assert_string_equal(r.res.errors[6],
			    "t.ndjson:7: identifiers: an array, where a string or an array of strings is needed");
	assert_string_equal(r.res.errors[7], "t.ndjson:8: note: a boolean, where a string is needed");
	run_free(&r);
	/* In a JSON array, problems name the record's number */
	run_import(fx, IMPORT_JSON,
		   "[{\"reference\":\"J-1\",\"channel\":\"email\",\"instrument\":\"subpoena\",\"customer\":\"acme-eu\","
		   "\"requester\":\"X\",\"requester_kind\":\"other\",\"jurisdiction\":\"FR\",\"categories\":"
		   "\"subscriber\"},"
		   "\n{\"reference\":\"J-2\",\"channel\":\"courier\"}]",
		   NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_int_equal(r.res.n_errors, 1);
	assert_string_equal(r.res.errors[0],
			    "t.json: record 2: channel: \"courier\" is not one of email, portal, mail, "
			    "fax, in_person");
	run_free(&r);
}

static const char intake_csv[] =
	"\xef\xbb\xbfreference,received,channel,instrument,customer,requester,requester_kind,jurisdiction,identifiers,"
	"categories,emergency,due,note\r\n"
	"A-1,2026-01-05T10:00:00Z,email,subpoena,acme-eu,Garda,law_enforcement,ie,"
	"\"a@acme.example; 203.0.113.1\",subscriber,no,2026-02-01,\"line one\r\nline two\"\r\n"
	"A-2,2026-01-06,portal,search_warrant,zenith-us,FBI,law_enforcement,US-DC,acct-9,\"content;subscriber\",yes,,"
	"\r\n";

/* The same two demands: lists in another order and spelling, times with an offset, the case of the
 * jurisdiction, booleans as JSON's. */
static const char intake_json[] =
	"[{\"reference\":\"A-2\",\"received\":\"2026-01-06T01:00:00+01:00\",\"channel\":\"portal\","
	"\"instrument\":\"search_warrant\",\"customer\":\"zenith-us\",\"requester\":\"FBI\","
	"\"requester_kind\":\"law_enforcement\",\"jurisdiction\":\"us-dc\",\"identifiers\":[\"account:acct-9\"],"
	"\"categories\":[\"subscriber\",\"content\",\"subscriber\"],\"emergency\":true,\"due\":null},\n"
	" {\"reference\":\"A-1\",\"received\":\"2026-01-05 10:00\",\"channel\":\"email\",\"instrument\":\"subpoena\","
	"\"customer\":\"acme-eu\",\"requester\":\"Garda\",\"requester_kind\":\"law_enforcement\",\"jurisdiction\":"
	"\"IE\","
	"\"identifiers\":\"ip:203.0.113.1;a@acme.example;a@acme.example\",\"categories\":\"subscriber\","
	"\"emergency\":false,\"due\":\"2026-02-01T00:00:00Z\",\"note\":\"line one\\nline two\",\"error\":\"x\"}]";

static void test_idempotent_across_formats(void **state)
{
	struct fx *fx = *state;
	int64_t events = fx_count(fx, "event");
	struct run r;
	run_import(fx, IMPORT_CSV, intake_csv, NULL, &r);
	FX_OK(fx, r.status);
	assert_true(r.res.written);
	assert_true(r.res.batch > 0);
	assert_int_equal(r.res.n.records, 2);
	assert_int_equal(r.res.n.imported, 2);
	assert_int_equal(r.res.n.present, 0);
	assert_int_equal(r.res.n_errors, 0);
	assert_int_equal(strlen(r.res.sha256), 64);
	int64_t batch = r.res.batch;
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), 2);
	assert_int_equal(fx_count(fx, "import_item"), 2);
	/* two created events and one for the batch */
	assert_int_equal(fx_count(fx, "event"), events + 3);

	/* The demands are what the file says. */
	int64_t id;
	FX_OK(fx, demand_find_ref(fx->db, "import", "A-1", &id, &fx->err));
	assert_true(id > 0);
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	assert_string_equal(d->source, "import");
	assert_string_equal(d->requester.country, "IE");
	assert_int_equal(d->n_identifiers, 2);
	assert_int_equal(d->requested, CAT_SUBSCRIBER);
	assert_false(d->emergency);
	assert_true(d->response_due > 0);
	demand_free(&d);

	/* The same demands, as JSON, change nothing. */
	sqlite3 *h = fx_raw_open(fx);
	int64_t changes = fx_raw_int(h, "PRAGMA data_version");
	run_import(fx, IMPORT_JSON, intake_json, NULL, &r);
	FX_OK(fx, r.status);
	assert_false(r.res.written);
	assert_int_equal(r.res.n.present, 2);
	assert_int_equal(r.res.n.imported, 0);
	run_free(&r);
	assert_int_equal(fx_raw_int(h, "PRAGMA data_version"), changes);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM import_batch"), 1);

	/* The batch and its event */
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM import_batch WHERE id = %lld AND source = 'import' AND input = 't.csv'"
		 " AND format = 'csv' AND records = 2 AND imported = 2 AND login = 'clerk' AND finished_at > 0",
		 (long long)batch);
	assert_int_equal(fx_raw_int(h, sql), 1);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM event WHERE action = 'created'"
				       " AND changes LIKE '%[\"batch\",null,\"1\"]%'"),
			 2);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM event WHERE action = 'imported' AND demand_id IS NULL"),
			 1);
	/* a completed batch cannot change, nor be removed; items cannot change */
	assert_int_equal(fx_raw_exec(h, "UPDATE import_batch SET imported = 9"), SQLITE_CONSTRAINT);
	assert_int_equal(fx_raw_exec(h, "DELETE FROM import_batch"), SQLITE_CONSTRAINT);
	assert_int_equal(fx_raw_exec(h, "UPDATE import_item SET batch_id = 2"), SQLITE_CONSTRAINT);
	sqlite3_close(h);
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
}

/* An import into a database without demands sets the indexes aside; they are all back after it,
 * whether it was written or rolled back. */
static void test_fresh_load_keeps_indexes(void **state)
{
	struct fx *fx = *state;
	static const char q[] = "SELECT group_concat(name || ':' || sql, '|') FROM (SELECT name, sql FROM sqlite_schema"
				" WHERE type = 'index' ORDER BY name)";
	sqlite3 *h = fx_raw_open(fx);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *before = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_non_null(strstr(before, "identifier_value"));
	struct run r;
	run_import(fx, IMPORT_CSV, HEADER "\nX,email,subpoena,acme-eu,X,other,FR,nothing\n", NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	run_free(&r);
	run_import(fx, IMPORT_CSV, intake_csv, NULL, &r);
	FX_OK(fx, r.status);
	run_free(&r);
	assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), before);
	sqlite3_finalize(st);
	/* and the rebuilt indexes answer */
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM demand_identifier INDEXED BY identifier_value"
				       " WHERE value = 'a@acme.example'"),
			 1);
	sqlite3_close(h);
	free(before);
	char mode[16] = "";
	h = fx_raw_open(fx);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(mode, sizeof mode, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_string_equal(mode, "wal");
}

static void test_conflicts(void **state)
{
	struct fx *fx = *state;
	struct run r;
	run_import(fx, IMPORT_CSV, intake_csv, NULL, &r);
	FX_OK(fx, r.status);
	run_free(&r);
	/* A-1 now says fax and a later date, A-3 is new: A-3 is written, A-1 left as it was */
	run_import(
		fx, IMPORT_NDJSON,
		"{\"reference\":\"A-1\",\"received\":\"2026-01-05T10:00:00Z\",\"channel\":\"fax\","
		"\"instrument\":\"subpoena\",\"customer\":\"acme-eu\",\"requester\":\"Garda\","
		"\"requester_kind\":\"law_enforcement\",\"jurisdiction\":\"IE\",\"identifiers\":[\"a@acme.example\","
		"\"203.0.113.1\"],\"categories\":\"subscriber\",\"due\":\"2026-02-02\",\"note\":\"line one\\nline "
		"two\"}\n"
		"{\"reference\":\"A-3\",\"channel\":\"mail\",\"instrument\":\"court_order\",\"customer\":\"acme-eu\","
		"\"requester\":\"Garda\",\"requester_kind\":\"law_enforcement\",\"jurisdiction\":\"IE\","
		"\"categories\":\"subscriber\"}\n"
		/* only the note differs: still a conflict */
		"{\"reference\":\"A-2\",\"received\":\"2026-01-06\",\"channel\":\"portal\",\"instrument\":\"search_"
		"warrant\","
		"\"customer\":\"zenith-us\",\"requester\":\"FBI\",\"requester_kind\":\"law_enforcement\","
		"\"jurisdiction\":\"US-DC\",\"identifiers\":\"acct-9\",\"categories\":\"subscriber;content\","
		"\"emergency\":\"yes\",\"note\":\"another\"}\n",
		NULL, &r);
	assert_int_equal(r.status, DK_REFUSED);
	assert_string_equal(r.err.msg, "2 records conflict with demands already recorded and left alone");
	assert_true(r.res.written);
	assert_int_equal(r.res.n.imported, 1);
	assert_int_equal(r.res.n.conflicts, 2);
	assert_int_equal(r.res.n_errors, 2);
	FX_CONTAINS(r.res.errors[0], "t.ndjson:1: reference: \"A-1\" is already recorded (demand ");
	FX_CONTAINS(r.res.errors[0], ") with other content (channel, due); left unchanged");
	FX_CONTAINS(r.res.errors[1], "t.ndjson:3: reference: \"A-2\" is already recorded");
	FX_CONTAINS(r.res.errors[1], "(the assignee, the note or a customer_ field differs)");
	run_free(&r);
	int64_t id;
	FX_OK(fx, demand_find_ref(fx->db, "import", "A-1", &id, &fx->err));
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	assert_string_equal(d->channel, "email");
	demand_free(&d);

	/* A demand recorded by hand with the same facts is present; with others, a conflict. */
	struct demand_input in;
	fx_demand_defaults(&in, "H-1");
	in.source = "import";
	fx_add(fx, &in);
	run_import(fx, IMPORT_CSV,
		   HEADER ",identifiers,agency,requester_email\n"
			  "H-1,email,subpoena,acme-eu,Det. Sgt. Niamh Byrne,law_enforcement,IE,subscriber,"
			  "jdoe@acme.example,An Garda Siochana,nbyrne@garda.example\n"
			  "H-1,email,subpoena,acme-eu,Det. Sgt. Niamh Byrne,law_enforcement,IE,subscriber,,"
			  "An Garda Siochana,nbyrne@garda.example\n",
		   NULL, &r);
	assert_int_equal(r.status, DK_REFUSED);
	assert_int_equal(r.res.n.present, 1);
	assert_int_equal(r.res.n.conflicts, 1);
	FX_CONTAINS(r.res.errors[0], "t.csv:3: reference: \"H-1\" is already recorded");
	FX_CONTAINS(r.res.errors[0], "(identifiers)");
	run_free(&r);
}

static void test_atomic_and_dry_run(void **state)
{
	struct fx *fx = *state;
	int64_t demands = fx_count(fx, "demand"), events = fx_count(fx, "event"), req = fx_count(fx, "requester");
	struct run r;
	const char *text = HEADER "\nOK-1,email,subpoena,acme-eu,New Requester,other,FR,subscriber\n"
				  "BAD,email,subpoena,acme-eu,Y,other,FR,subscriber;x\n"
				  "OK-2,email,subpoena,acme-eu,Z,other,FR,content\n";
	run_import(fx, IMPORT_CSV, text, NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_string_equal(r.err.msg,
			    "nothing imported: 1 of 3 records is invalid (--skip-invalid imports the others)");
	assert_false(r.res.written);
	assert_true(r.res.complete);
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), demands);
	assert_int_equal(fx_count(fx, "event"), events);
	assert_int_equal(fx_count(fx, "requester"), req);
	assert_int_equal(fx_count(fx, "import_batch"), 0);

	struct import_options o = {.dry_run = true, .skip_invalid = true};
	run_import(fx, IMPORT_CSV, text, &o, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_string_equal(r.err.msg, "dry run: 1 invalid record was left out");
	assert_int_equal(r.res.n.imported, 2);
	assert_false(r.res.written);
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), demands);
	assert_int_equal(fx_count(fx, "event"), events);

	o.dry_run = false;
	run_import(fx, IMPORT_CSV, text, &o, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_true(r.res.written);
	assert_int_equal(r.res.n.imported, 2);
	assert_int_equal(r.res.n.rejected, 1);
	assert_string_equal(r.rejects.data, "error," HEADER "\r\n"
					    "\"t.csv:3: categories: \"\"x\"\" is not one of subscriber, non_content, "
					    "content\",BAD,email,subpoena,acme-eu,Y,other,FR,subscriber;x\r\n");
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), demands + 2);
}

static void test_rejects_formats(void **state)
{
	struct fx *fx = *state;
	struct import_options o = {.skip_invalid = true};
	struct run r;
	/* CSV: the reason first, quoted where it must be, the record as written */
	run_import(fx, IMPORT_CSV, HEADER "\r\n\"B,1\",email,warant,acme-eu,\"Say \"\"hi\"\"\",other,FR,subscriber\r\n",
		   &o, &r);
	assert_string_equal(
		r.rejects.data,
		"error," HEADER "\r\n"
		"\"t.csv:2: instrument: \"\"warant\"\" is not one of subpoena, court_order, search_warrant, "
		"emergency, preservation, mlat, national_security, civil_subpoena, other\","
		"\"B,1\",email,warant,acme-eu,\"Say \"\"hi\"\"\",other,FR,subscriber\r\n");
	run_free(&r);
	/* A rejects file read back: its error column is replaced, not added to */
	run_import(fx, IMPORT_CSV, "error," HEADER "\nold reason,B2,email,subpoena,nobody,X,other,FR,subscriber\n", &o,
		   &r);
	assert_string_equal(r.rejects.data,
			    "error," HEADER "\r\n"
			    "\"t.csv:2: customer: no customer with tenant id \"\"nobody\"\" (see `docket "
			    "customer list`); --create-customers adds it\",B2,email,subpoena,nobody,X,other,"
			    "FR,subscriber\r\n");
	run_free(&r);
	/* NDJSON: an "error" member first; a line that is not an object kept as a string */
	run_import(fx, IMPORT_NDJSON, "{ }\n  {\"reference\": \"N\"}  \nnope\n", &o, &r);
	assert_string_equal(r.rejects.data, "{\"error\": \"t.ndjson:1: reference: a value is required\" }\n"
					    "{\"error\": \"t.ndjson:2: channel: a value is required\", \"reference\": "
					    "\"N\"}  \n"
					    "{\"error\": \"t.ndjson:3: not a JSON object at byte 1 of the record\", "
					    "\"record\": \"nope\"}\n");
	run_free(&r);
	/* JSON: an array, empty when nothing was rejected */
	run_import(fx, IMPORT_JSON, "[{\"reference\":\"J\"}, 5]", &o, &r);
	assert_string_equal(r.rejects.data,
			    "[\n{\"error\": \"t.json: record 1: channel: a value is required\", "
			    "\"reference\":\"J\"},\n"
			    "{\"error\": \"t.json: record 2: not a JSON object at byte 1 of the record\", "
			    "\"record\": \"5\"}\n]\n");
	run_free(&r);
	run_import(fx, IMPORT_JSON, "[]", &o, &r);
	FX_OK(fx, r.status);
	assert_string_equal(r.rejects.data, "[]\n");
	run_free(&r);
}

static void test_restart(void **state)
{
	struct fx *fx = *state;
	struct import_options io = {.format = IMPORT_CSV, .input = "u.csv", .skip_invalid = true};
	struct run r = {0};
	buf_init(&r.rejects);
	io.reject = sink;
	io.reject_restart = sink_restart;
	io.reject_ctx = &r;
	struct import *im = NULL;
	FX_OK(fx, import_begin(fx->db, &fx->intake, &io, &im, &fx->err));
	/* half an input, as a download cut short, then all of it again */
	size_t n = strlen(intake_csv);
	FX_OK(fx, import_feed(im, intake_csv, n - 20, &fx->err));
	FX_OK(fx, import_feed(im, "bad,,,,,,,\n", 11, &fx->err)); /* what a broken download might hold */
	FX_OK(fx, import_restart(im, &fx->err));
	assert_int_equal(r.restarts, 1);
	FX_OK(fx, import_feed(im, intake_csv, n, &fx->err));
	FX_OK(fx, import_finish(im, &r.res, &fx->err));
	import_free(&im);
	assert_true(r.res.written);
	assert_int_equal(r.res.n.records, 2);
	assert_int_equal(r.res.n.imported, 2);
	assert_int_equal(r.res.n.rejected, 0);
	assert_int_equal(r.res.n.bytes, (int64_t)n);
	buf_add(&r.rejects, "", 0);
	assert_string_equal(r.rejects.data,
			    "error,reference,received,channel,instrument,customer,requester,"
			    "requester_kind,jurisdiction,identifiers,categories,emergency,due,note\r\n");
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), 2);
	assert_int_equal(fx_count(fx, "import_batch"), 1);
}

static void test_create_customers(void **state)
{
	struct fx *fx = *state;
	const char *text =
		HEADER ",customer_name,customer_region,customer_email\n"
		       "C-1,email,subpoena,newco,Garda,other,IE,subscriber,NewCo Ltd,eu-west,legal@newco.example\n"
		       "C-2,email,subpoena,newco,Garda,other,IE,subscriber,,,\n";
	struct run r;
	run_import(fx, IMPORT_CSV, text, NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_int_equal(r.res.n.rejected, 2);
	run_free(&r);
	struct import_options o = {.create_customers = true};
	run_import(fx, IMPORT_CSV, text, &o, &r);
	FX_OK(fx, r.status);
	assert_int_equal(r.res.n.imported, 2);
	run_free(&r);
	int64_t id;
	FX_OK(fx, customer_find(fx->db, "newco", &id, &fx->err));
	/* region required, and known */
	run_import(fx, IMPORT_CSV, HEADER ",customer_region\nC-3,email,subpoena,otherco,G,other,IE,subscriber,\n", &o,
		   &r);
	assert_string_equal(r.res.errors[0],
			    "t.csv:2: customer_region: a value is required to create customer \"otherco\"");
	run_free(&r);
	run_import(fx, IMPORT_CSV, HEADER ",customer_region\nC-3,email,subpoena,otherco,G,other,IE,subscriber,moon\n",
		   &o, &r);
	FX_CONTAINS(r.res.errors[0], "t.csv:2: customer_region: \"moon\" is not one of ");
	run_free(&r);
}

static void test_header_and_fatal(void **state)
{
	struct fx *fx = *state;
	struct run r;
	run_import(fx, IMPORT_CSV, "reference,channel,instrument,customer,requester,requester_kind,jurisdiction,Note\n",
		   NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	FX_CONTAINS(r.err.msg, "t.csv:1: unknown column \"Note\" (the columns are reference, received,");
	run_free(&r);
	run_import(fx, IMPORT_CSV, "reference,channel\n", NULL, &r);
	assert_string_equal(r.err.msg, "t.csv:1: the header has no column \"instrument\", which is required");
	run_free(&r);
	run_import(fx, IMPORT_CSV, HEADER ",note,note\n", NULL, &r);
	assert_string_equal(r.err.msg, "t.csv:1: column \"note\" appears twice");
	run_free(&r);
	run_import(fx, IMPORT_CSV, "", NULL, &r);
	assert_string_equal(r.err.msg, "t.csv: no header row: the input is empty");
	run_free(&r);
	/* an error that loses the records' boundaries ends the run, after good records, writing nothing */
	int64_t before = fx_count(fx, "demand");
	run_import(
		fx, IMPORT_JSON,
		"[{\"reference\":\"Z\",\"channel\":\"email\",\"instrument\":\"subpoena\",\"customer\":\"acme-eu\","
		"\"requester\":\"X\",\"requester_kind\":\"other\",\"jurisdiction\":\"FR\",\"categories\":\"content\"}"
		" {}]",
		NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_string_equal(r.err.msg, "t.json:1: expected ',' or ']' after a record");
	assert_false(r.res.written);
	assert_false(r.res.complete);
	run_free(&r);
	assert_int_equal(fx_count(fx, "demand"), before);
	/* Text after a complete array: the array's records were good, but the input is not, and
	 * nothing is written (import_finish once committed them: the reader had reached its end). */
	run_import(
		fx, IMPORT_JSON,
		"[{\"reference\":\"Z\",\"channel\":\"email\",\"instrument\":\"subpoena\",\"customer\":\"acme-eu\","
		"\"requester\":\"X\",\"requester_kind\":\"other\",\"jurisdiction\":\"FR\",\"categories\":\"content\"}"
		"] ; DROP TABLE demand",
		NULL, &r);
	assert_int_equal(r.status, DK_INVALID);
	assert_string_equal(r.err.msg, "t.json:1: text after the end of the array");
	assert_false(r.res.written);
	assert_false(r.res.complete);
	assert_int_equal(fx_count(fx, "demand"), before);
	assert_int_equal(fx_count(fx, "import_batch"), 0);
	run_free(&r);
	/* Whatever failed in import_feed (here the rejects file, after a good record), import_finish
	 * writes nothing and says why; a later import_feed fails too. */
	struct import *im = NULL;
	struct import_options io = {
		.format = IMPORT_CSV, .input = "t.csv", .skip_invalid = true, .reject = broken_sink};
	FX_OK(fx, import_begin(fx->db, &fx->intake, &io, &im, &fx->err));
	const char *text = HEADER "\n" GOOD "\nR-2,email,subpoena,acme-eu,Garda,law_enforcement,XX,subscriber\n";
	assert_int_equal(import_feed(im, text, strlen(text), &fx->err), DK_STORAGE);
	assert_string_equal(fx->err.msg, "writing the rejected records failed");
	assert_int_equal(import_feed(im, "\n", 1, &fx->err), DK_STORAGE);
	struct import_result res;
	assert_int_equal(import_finish(im, &res, &fx->err), DK_STORAGE);
	assert_string_equal(fx->err.msg, "t.csv: the input could not be read to its end; nothing imported");
	assert_false(res.written);
	assert_false(res.complete);
	import_result_free(&res);
	import_free(&im);
	assert_int_equal(fx_count(fx, "demand"), before);
	io = (struct import_options){.format = IMPORT_CSV};
	/* who may import */
	assert_int_equal(import_begin(fx->db, &fx->nobody, &io, &im, &fx->err), DK_REFUSED);
	assert_null(im);
	io.source = "";
	assert_int_equal(import_begin(fx->db, &fx->intake, &io, &im, &fx->err), DK_INVALID);
	assert_string_equal(fx->err.msg, "source: a value is required");
	/* no format yet */
	io.source = NULL;
	io.format = IMPORT_FORMAT_NONE;
	io.input = "x";
	FX_OK(fx, import_begin(fx->db, &fx->intake, &io, &im, &fx->err));
	assert_int_equal(import_feed(im, "a", 1, &fx->err), DK_INVALID);
	assert_string_equal(fx->err.msg, "x: the format is not known: give --format csv, json or ndjson");
	import_free(&im);
}

static void test_errors_capped(void **state)
{
	struct fx *fx = *state;
	struct buf in;
	buf_init(&in);
	buf_puts(&in, HEADER "\n");
	for (int i = 0; i < 130; i++)
		buf_printf(&in, "E-%d,email,subpoena,acme-eu,X,other,FR,nothing\n", i);
	struct run r;
	run_import(fx, IMPORT_CSV, in.data, NULL, &r);
	assert_int_equal(r.res.n_errors, IMPORT_ERRORS_MAX);
	assert_int_equal(r.res.more_errors, 30);
	assert_int_equal(r.res.n.rejected, 130);
	assert_string_equal(r.res.errors[99],
			    "t.csv:101: categories: \"nothing\" is not one of subscriber, non_content, content");
	run_free(&r);
	buf_free(&in);
}

static void test_formats(void **state)
{
	(void)state;
	assert_int_equal(import_format_from_name("intake.CSV"), IMPORT_CSV);
	assert_int_equal(import_format_from_name("/a/b.json"), IMPORT_JSON);
	assert_int_equal(import_format_from_name("x.ndjson"), IMPORT_NDJSON);
	assert_int_equal(import_format_from_name("x.jsonl"), IMPORT_NDJSON);
	assert_int_equal(import_format_from_name("https://h/feed.csv?x=1.json"), IMPORT_CSV);
	assert_int_equal(import_format_from_name("https://h/feed?f=a.csv"), IMPORT_FORMAT_NONE);
	assert_int_equal(import_format_from_name("csv"), IMPORT_FORMAT_NONE);
	assert_int_equal(import_format_from_name(".csv"), IMPORT_FORMAT_NONE);
	assert_int_equal(import_format_from_type("text/csv; charset=utf-8"), IMPORT_CSV);
	assert_int_equal(import_format_from_type("Application/JSON"), IMPORT_JSON);
	assert_int_equal(import_format_from_type("application/x-ndjson"), IMPORT_NDJSON);
	assert_int_equal(import_format_from_type("text/plain"), IMPORT_FORMAT_NONE);
	assert_int_equal(import_format_from_type(NULL), IMPORT_FORMAT_NONE);
	assert_int_equal(import_format_parse("ndjson"), IMPORT_NDJSON);
	assert_int_equal(import_format_parse("xml"), IMPORT_FORMAT_NONE);
	assert_string_equal(import_format_name(IMPORT_JSON), "json");
	/* every field has a name, and error is last */
	int n = 0;
	while (import_fields[n])
		n++;
	assert_int_equal(n, 22);
	assert_string_equal(import_fields[n - 1], "error");
}

static void test_demand_helpers(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "D-1");
	/* demand_check_refs: the future, the assignee */
	char t[32];
	in.received = fx_when(3600, t);
	assert_int_equal(demand_check_refs(fx->db, &in, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "received: \"");
	FX_CONTAINS(fx->err.msg, "\" is in the future");
	in.received = NULL;
	in.assignee = "mallory";
	assert_int_equal(demand_check_refs(fx->db, &in, &fx->err), DK_INVALID);
	assert_string_equal(fx->err.msg, "assignee: \"mallory\" is not active staff");
	in.assignee = "atty";
	FX_OK(fx, demand_check_refs(fx->db, &in, &fx->err));
	/* demand_insert needs a transaction of the caller's and names the batch */
	in.batch = 77;
	int64_t id;
	assert_int_equal(demand_insert(fx->db, &fx->nobody, &in, NULL, &id, &fx->err), DK_REFUSED);
	FX_OK(fx, db_begin(fx->db, &fx->err));
	struct demand_cache *cache = demand_cache_new();
	assert_non_null(cache);
	FX_OK(fx, demand_insert(fx->db, &fx->intake, &in, cache, &id, &fx->err));
	/* the same requester and customer again, through the cache */
	struct demand_input again = in;
	again.reference = "D-1b";
	int64_t id2;
	FX_OK(fx, demand_insert(fx->db, &fx->intake, &again, cache, &id2, &fx->err));
	/* an unknown customer is refused before anything is written */
	struct demand_input bad = in;
	bad.reference = "D-2";
	bad.customer = "nobody";
	bad.requester.name = "A requester never seen";
	assert_int_equal(demand_insert(fx->db, &fx->intake, &bad, cache, &id, &fx->err), DK_INVALID);
	demand_cache_free(&cache);
	assert_null(cache);
	FX_OK(fx, db_commit(fx->db, &fx->err));
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM requester WHERE name = 'A requester never seen'"), 0);
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM event WHERE action = 'created'"
				       " AND changes LIKE '%[\"batch\",null,\"77\"]%'"),
			 2);
	assert_int_equal(fx_raw_int(h, "SELECT count(DISTINCT requester_id) FROM demand"), 1);
	sqlite3_close(h);
	/* demand_find_ref and demand_differs */
	int64_t found;
	FX_OK(fx, demand_find_ref(fx->db, "manual", "D-1", &found, &fx->err));
	assert_true(found > 0);
	FX_OK(fx, demand_find_ref(fx->db, NULL, "D-1", &found, &fx->err));
	assert_true(found > 0);
	FX_OK(fx, demand_find_ref(fx->db, "other", "D-1", &found, &fx->err));
	assert_int_equal(found, 0);
	FX_OK(fx, demand_find_ref(fx->db, "manual", "D-1", &found, &fx->err));
	char diff[300];
	FX_OK(fx, demand_differs(fx->db, found, &in, diff, sizeof diff, &fx->err));
	assert_string_equal(diff, "");
	struct demand_input other = in;
	static const char *const cats[] = {"content"};
	other.categories = cats;
	other.instrument = "court_order";
	other.requester.jurisdiction = "ie-d";
	other.emergency = true;
	other.n_identifiers = 0;
	other.assignee = NULL;
	other.note = "different";
	FX_OK(fx, demand_differs(fx->db, found, &other, diff, sizeof diff, &fx->err));
	assert_string_equal(diff, "instrument, jurisdiction, identifiers, categories, emergency");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_rule, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nul_and_limits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_json_rules, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_across_formats, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fresh_load_keeps_indexes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_and_dry_run, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rejects_formats, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_create_customers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_header_and_fatal, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_errors_capped, fx_setup, fx_teardown),
		cmocka_unit_test(test_formats),
		cmocka_unit_test_setup_teardown(test_demand_helpers, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
