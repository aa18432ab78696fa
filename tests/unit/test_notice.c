/* test_notice.c: the outbox in the core: letters queued by the workflow's moves (and nothing
 * written when a template refuses), letters for a person when there is no address, the order
 * check when queueing and again when sending, back-off and giving up, a send interrupted and
 * taken up again with its Message-ID, edits, retries, cancellations and deliveries by hand with
 * their events, the triggers that keep sent letters as they were, the sweep that queues the
 * notice owed once an order expires, and the digest.
 *
 * Sending here goes to a port where nothing listens; the end-to-end tests use real servers. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "notice.h"
#include "obligation.h"
#include "smtp.h"
#include "when.h"
#include "workflow.h"

#define DAY WHEN_DAY

/* Nothing listens on port 1 of loopback: every send is refused a connection at once. */
static struct smtp_config closed_port(void)
{
	static char url[] = "smtp://127.0.0.1:1", from[] = "legal@provider.example", name[] = "Legal";
	struct smtp_config c = {
		.url = url,
		.plain = true,
		.timeout = 5,
		.from_name = name,
		.from_addr = from,
		.max_attempts = 3,
		.retry_first = 60,
		.retry_max = 100,
	};
	return c;
}

struct found {
	int64_t id;
	int n;
	char status[16], via[16], kind[16];
	bool needs_person;
};

static int keep(const struct notice_row *r, void *ctx)
{
	struct found *f = ctx;
	if (!f->n++) {
		f->id = r->id;
		snprintf(f->status, sizeof f->status, "%s", r->status);
		snprintf(f->via, sizeof f->via, "%s", r->via);
		snprintf(f->kind, sizeof f->kind, "%s", r->kind);
		f->needs_person = r->needs_person;
	}
	return 0;
}

/* The newest letter of a demand (in any status), and how many it has. */
static struct found letters(struct fx *fx, int64_t demand)
{
	struct found f = {0};
	struct notice_filter nf = {.status = "all", .demand_id = demand};
	FX_OK(fx, notice_list(fx->db, &nf, keep, &f, &fx->err));
	return f;
}

static struct notice *get(struct fx *fx, int64_t id)
{
	struct notice *n = NULL;
	FX_OK(fx, notice_get(fx->db, id, &n, &fx->err));
	return n;
}

struct last_event {
	char action[32], changes[4096], note[1024];
	int64_t n;
};

static int keep_event(const struct event *e, void *ctx)
{
	struct last_event *l = ctx;
	snprintf(l->action, sizeof l->action, "%s", e->action);
	snprintf(l->changes, sizeof l->changes, "%s", e->changes);
	snprintf(l->note, sizeof l->note, "%s", e->note);
	l->n++;
	return 0;
}

static struct last_event last_event(struct fx *fx, int64_t demand)
{
	struct last_event l = {0};
	FX_OK(fx, audit_list(fx->db, demand, keep_event, &l, &fx->err));
	return l;
}

static void to_review(struct fx *fx, int64_t id)
{
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
}

static void to_notifying(struct fx *fx, int64_t id)
{
	to_review(fx, id);
	FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, id, "callback", "", &fx->err));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notifying", NULL, "valid"));
}

static void raw(struct fx *fx, const char *fmt, long long a)
{
	char sql[600];
	snprintf(sql, sizeof sql, fmt, a);
	sqlite3 *h = fx_raw_open(fx);
	int rc = fx_raw_exec(h, sql);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
	assert_int_equal(rc, SQLITE_OK);
}

/* A statement the triggers must refuse, with their message. */
static void raw_refused(struct fx *fx, const char *fmt, long long a, const char *needle)
{
	char sql[600];
	snprintf(sql, sizeof sql, fmt, a);
	sqlite3 *h = fx_raw_open(fx);
	int rc = fx_raw_exec(h, sql);
	if (rc == SQLITE_OK)
		print_error("accepted: %s\n", sql);
	assert_int_not_equal(rc, SQLITE_OK);
	FX_CONTAINS(sqlite3_errmsg(h), needle);
	sqlite3_close(h);
}

static struct notice_send_report send(struct fx *fx, struct smtp_config *c, int64_t only, bool dry_run)
{
	struct notice_send_options o = {.cfg = c, .only = only, .dry_run = dry_run};
	struct notice_send_report rep;
	FX_OK(fx, notice_send(fx->db, &fx->intake, &o, &rep, &fx->err));
	return rep;
}

static void test_moves_queue_letters(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "Q-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	struct found f = letters(fx, id);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.kind, "redirect");
	assert_string_equal(f.via, "smtp");
	assert_string_equal(f.status, "queued");
	assert_false(f.needs_person);
	struct notice *n = get(fx, f.id);
	assert_string_equal(n->recipient, "nbyrne@garda.example");
	assert_string_equal(n->recipient_name, "Det. Sgt. Niamh Byrne");
	assert_string_equal(n->template_source, "built-in");
	FX_CONTAINS(n->subject, "Q-1");
	FX_CONTAINS(n->body, "Dear Det. Sgt. Niamh Byrne,");
	FX_CONTAINS(n->body, "criminal subpoena");
	/* Policy lets the letter give the customer's contact details. */
	FX_CONTAINS(n->body, "Erin Counsel, Acme Europe Ltd");
	FX_CONTAINS(n->body, "legal@acme.example");
	assert_int_equal(n->message_id[0], '<');
	assert_non_null(strchr(n->message_id, '@'));
	/* The move's own event names the letter. */
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "moved");
	char want[200];
	snprintf(want, sizeof want, "[\"notice\",null,\"#%lld redirect queued to nbyrne@garda.example\"]",
		 (long long)f.id);
	FX_CONTAINS(e.changes, want);
	notice_free(&n);

	/* Asking again queues nothing: one is pending. */
	struct notice_queued q;
	FX_OK(fx, db_begin(fx->db, &fx->err));
	FX_OK(fx, notice_queue(fx->db, id, "redirect", 0, when_now(), &q, &fx->err));
	FX_OK(fx, db_commit(fx->db, &fx->err));
	assert_int_equal(q.id, 0);
	assert_int_equal(letters(fx, id).n, 1);

	/* The attorney's decision to notify queues the customer's advance notice. */
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
	FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, id, "callback", "", &fx->err));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notifying", NULL, "valid"));
	f = letters(fx, id);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.kind, "advance");
	n = get(fx, f.id);
	assert_string_equal(n->recipient, "legal@acme.example");
	assert_string_equal(n->recipient_name, "Erin Counsel");
	FX_CONTAINS(n->body, "Dear Erin Counsel,");
	FX_CONTAINS(n->body, "email: jdoe@acme.example");
	FX_CONTAINS(n->body, "subscriber information");
	FX_CONTAINS(n->body, "We will not disclose anything before");
	notice_free(&n);

	/* Redirect letters stay with the requester's address only when policy says so. */
	raw(fx, "UPDATE policy SET value = %lld WHERE key = 'redirect_share_contact'", 0);
	int64_t other = fx_add_ref(fx, "Q-2");
	FX_OK(fx, fx_move(fx, &fx->intake, other, "redirecting", NULL, NULL));
	n = get(fx, letters(fx, other).id);
	assert_null(strstr(n->body, "legal@acme.example"));
	assert_null(strstr(n->body, "Erin Counsel"));
	notice_free(&n);
}

static void test_no_address_is_a_letter_for_a_person(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "POST-1");
	in.requester.email = NULL;
	in.requester.name = "Bezirksamt Köln";
	int64_t id = fx_add(fx, &in);
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	struct found f = letters(fx, id);
	assert_string_equal(f.via, "letter");
	assert_string_equal(f.status, "queued");
	assert_true(f.needs_person);
	struct notice *n = get(fx, f.id);
	FX_CONTAINS(n->last_error, "no e-mail address for the requester");
	FX_CONTAINS(n->body, "Dear Bezirksamt Köln,");
	notice_free(&n);
	FX_CONTAINS(last_event(fx, id).changes, "queued for a person");

	/* The sender leaves it alone. */
	struct smtp_config c = closed_port();
	struct notice_send_report rep = send(fx, &c, 0, true);
	assert_int_equal(rep.would_send + rep.failed + rep.refused, 0);

	/* A person posts it and says so. */
	FX_OK(fx, notice_delivered(fx->db, &fx->intake, f.id, "letter", NULL, &fx->err));
	f = letters(fx, id);
	assert_string_equal(f.status, "sent");
	assert_false(f.needs_person);
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "letter_sent");
	FX_CONTAINS(e.changes, "[\"via\",null,\"letter\"]");
	/* Not twice. */
	dk_clear(&fx->err);
	assert_int_equal(notice_delivered(fx->db, &fx->intake, f.id, "letter", NULL, &fx->err), DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "only a queued or failed notice");
}

static void write_template(struct fx *fx, const char *kind, const char *text)
{
	char path[FX_PATH_MAX];
	static const char *const dirs[] = {"docket", "docket/templates"};
	for (int i = 0; i < 2; i++) {
		fx_file(fx, dirs[i], path);
		mkdir(path, 0700);
	}
	char name[64];
	snprintf(name, sizeof name, "docket/templates/%s.txt", kind);
	FILE *f = fopen(fx_file(fx, name, path), "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	setenv("XDG_CONFIG_HOME", fx->dir, 1);
}

/* The move is refused, and leaves nothing behind: no letter, no event, the same version. */
static void move_refused_by_template(struct fx *fx, int64_t id, const char *to, const char *needle)
{
	char before[32];
	fx_status(fx, id, before, sizeof before);
	int64_t version = fx_version(fx, id), events = last_event(fx, id).n, notices = fx_count(fx, "notice");
	enum dk_status s = fx_move(fx, to[0] == 'n' ? &fx->attorney : &fx->intake, id, to, NULL, "valid");
	if (s != DK_INVALID)
		print_error("status %d: %s\n", (int)s, fx->err.msg);
	assert_int_equal(s, DK_INVALID);
	char name[40];
	snprintf(name, sizeof name, "demand %lld: cannot queue", (long long)id);
	FX_CONTAINS(fx->err.msg, name);
	FX_CONTAINS(fx->err.msg, needle);
	char after[32];
	fx_status(fx, id, after, sizeof after);
	assert_string_equal(after, before);
	assert_int_equal(fx_version(fx, id), version);
	assert_int_equal(last_event(fx, id).n, events);
	assert_int_equal(fx_count(fx, "notice"), notices);
}

static void test_template_refusals(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "TPL-1");
	write_template(fx, "redirect", "Subject: Re {{demand.reference}}\n\nDear {{requester.nmae}},\n");
	move_refused_by_template(fx, id, "redirecting", "line 3: unknown field \"requester.nmae\"");
	/* The fixture's requester gave no contact name. */
	write_template(fx, "redirect", "Subject: Re {{demand.reference}}\n\nDear {{requester.contact_name}},\n");
	move_refused_by_template(fx, id, "redirecting", "\"requester.contact_name\" is empty for this demand");
	/* Two identifiers in a subject would be two header lines. */
	static const char *const two[] = {"jdoe@acme.example", "198.51.100.7"};
	struct demand_input in;
	fx_demand_defaults(&in, "TPL-2");
	in.identifiers = two;
	in.n_identifiers = 2;
	int64_t id2 = fx_add(fx, &in);
	write_template(fx, "redirect", "Subject: Re {{demand.identifiers}}\n\nHello\n");
	move_refused_by_template(fx, id2, "redirecting", "line break");
	/* A template that works: the move goes through, the letter is what the file says. */
	write_template(fx, "redirect",
		       "Subject: Re {{demand.reference}}\n\nHello {{requester.contact_name|requester.name}}\n");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	struct notice *n = get(fx, letters(fx, id).id);
	assert_string_equal(n->subject, "Re TPL-1");
	assert_string_equal(n->body, "Hello Det. Sgt. Niamh Byrne\n");
	FX_CONTAINS(n->template_source, "/docket/templates/redirect.txt");
	notice_free(&n);
	/* The customer's notice is checked the same way when the attorney decides. */
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
	write_template(fx, "advance", "Subject: Notice\n\n{{order.reference}}\n");
	move_refused_by_template(fx, id, "notifying", "\"order.reference\" is empty");
	unsetenv("XDG_CONFIG_HOME");
}

static void record_order(struct fx *fx, int64_t id, const char *ref, int64_t expires_in)
{
	char when[32];
	struct order_input o = {.reference = ref, .statute = "18 U.S.C. 2705(b)", .expires = fx_when(expires_in, when)};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err));
}

static void test_order_checked_when_sending(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "GAG-1");
	to_notifying(fx, id);
	struct found f = letters(fx, id);
	assert_string_equal(f.kind, "advance");
	/* The order arrives after the letter was queued: recording it cancels the letter, with why. */
	record_order(fx, id, "NDO-17", 180 * DAY);
	struct notice *n = get(fx, f.id);
	assert_string_equal(n->status, "cancelled");
	FX_CONTAINS(n->last_error, "NDO-17");
	notice_free(&n);
	FX_CONTAINS(last_event(fx, id).changes, "cancelled");
	dk_clear(&fx->err);
	assert_int_equal(notice_retry(fx->db, &fx->attorney, f.id, &fx->err), DK_REFUSED);

	/* An order that reaches the database some other way (the sqlite3 shell) while a letter waits is
	 * found as the send begins: nothing is sent, the letter is cancelled with the reason. */
	int64_t other = fx_add_ref(fx, "GAG-1B");
	to_notifying(fx, other);
	f = letters(fx, other);
	raw(fx,
	    "INSERT INTO nd_order (demand_id, reference, expires_at, created_at) VALUES (%lld, 'NDO-SH',"
	    " unixepoch() + 86400 * 30, unixepoch())",
	    (long long)other);
	struct smtp_config c = closed_port();
	struct notice_send_report rep = send(fx, &c, f.id, true);
	assert_int_equal(rep.refused, 1);
	assert_string_equal(letters(fx, other).status, "queued"); /* a dry run changes nothing */
	rep = send(fx, &c, f.id, false);
	assert_int_equal(rep.refused, 1);
	assert_int_equal(rep.sent + rep.deferred + rep.failed, 0);
	n = get(fx, f.id);
	assert_string_equal(n->status, "cancelled");
	assert_int_equal(n->attempts, 0);
	FX_CONTAINS(n->last_error, "non-disclosure order is in force: the customer may not be told (NDO-SH)");
	FX_CONTAINS(n->last_error, "nothing was sent");
	notice_free(&n);
	struct last_event e = last_event(fx, other);
	assert_string_equal(e.action, "notice_refused");
	FX_CONTAINS(e.note, "NDO-SH");
	dk_clear(&fx->err);
	assert_int_equal(notice_retry(fx->db, &fx->attorney, f.id, &fx->err), DK_REFUSED);
	/* Nor can the sqlite3 shell start sending it. */
	raw_refused(fx, "UPDATE notice SET status = 'sending' WHERE id = %lld", (long long)f.id,
		    "non-disclosure order is in force");
	raw_refused(fx, "UPDATE notice SET status = 'sent', sent_at = unixepoch() WHERE id = %lld", (long long)f.id,
		    "non-disclosure order is in force");

	/* Nothing is queued for a customer while an order stands, whatever asks. */
	int64_t third = fx_add_ref(fx, "GAG-2");
	to_review(fx, third);
	record_order(fx, third, "NDO-18", 30 * DAY);
	struct notice_queued q;
	FX_OK(fx, db_begin(fx->db, &fx->err));
	dk_clear(&fx->err);
	assert_int_equal(notice_queue(fx->db, third, "advance", 0, when_now(), &q, &fx->err), DK_REFUSED);
	db_rollback(fx->db);
	FX_CONTAINS(fx->err.msg, "demand ");
	FX_CONTAINS(fx->err.msg, "NDO-18");
}

static void test_backoff_and_giving_up(void **state)
{
	struct fx *fx = *state;
	struct smtp_config d = {.retry_first = 300, .retry_max = 21600};
	assert_int_equal(smtp_backoff(&d, 1), 300);
	assert_int_equal(smtp_backoff(&d, 2), 600);
	assert_int_equal(smtp_backoff(&d, 3), 1200);
	assert_int_equal(smtp_backoff(&d, 7), 19200);
	assert_int_equal(smtp_backoff(&d, 8), 21600);
	assert_int_equal(smtp_backoff(&d, 1000), 21600);

	int64_t id = fx_add_ref(fx, "DOWN-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	struct smtp_config c = closed_port();
	int64_t t0 = when_now();
	struct notice_send_report rep = send(fx, &c, 0, false);
	assert_int_equal(rep.deferred, 1);
	struct notice *n = get(fx, nid);
	assert_string_equal(n->status, "queued");
	assert_int_equal(n->attempts, 1);
	assert_true(n->next_attempt_at >= t0 + 60 && n->next_attempt_at <= when_now() + 60);
	assert_true(strlen(n->last_error) > 0);
	char mid[300];
	snprintf(mid, sizeof mid, "%s", n->message_id);
	notice_free(&n);
	int64_t events = last_event(fx, id).n;
	/* Not due yet: the next run leaves it. */
	rep = send(fx, &c, 0, false);
	assert_int_equal(rep.deferred + rep.failed + rep.sent, 0);
	/* Due again: the wait doubles, up to the cap. */
	raw(fx, "UPDATE notice SET next_attempt_at = NULL WHERE id = %lld", (long long)nid);
	rep = send(fx, &c, 0, false);
	assert_int_equal(rep.deferred, 1);
	n = get(fx, nid);
	assert_int_equal(n->attempts, 2);
	assert_true(n->next_attempt_at >= t0 + 100 && n->next_attempt_at <= when_now() + 100);
	notice_free(&n);
	/* A temporary failure writes no event. */
	assert_int_equal(last_event(fx, id).n, events);
	/* The last attempt: failed, a person is needed, and the demand's timeline says so. */
	raw(fx, "UPDATE notice SET next_attempt_at = NULL WHERE id = %lld", (long long)nid);
	rep = send(fx, &c, 0, false);
	assert_int_equal(rep.failed, 1);
	n = get(fx, nid);
	assert_string_equal(n->status, "failed");
	assert_int_equal(n->attempts, 3);
	FX_CONTAINS(n->last_error, "gave up after 3 attempts");
	assert_string_equal(n->message_id, mid);
	notice_free(&n);
	assert_true(letters(fx, id).needs_person);
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "notice_failed");
	/* A person sends it back to the queue: attempts start again. */
	FX_OK(fx, notice_retry(fx->db, &fx->intake, nid, &fx->err));
	n = get(fx, nid);
	assert_string_equal(n->status, "queued");
	assert_int_equal(n->attempts, 0);
	assert_int_equal(n->next_attempt_at, 0);
	notice_free(&n);
	assert_string_equal(last_event(fx, id).action, "notice_retry");
}

static void test_interrupted_send_is_sent_again(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "CRASH-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	/* A sender died after moving it to sending. */
	raw(fx, "UPDATE notice SET status = 'sending', attempts = 1 WHERE id = %lld", (long long)nid);
	struct notice *n = get(fx, nid);
	char mid[300];
	snprintf(mid, sizeof mid, "%s", n->message_id);
	notice_free(&n);
	struct smtp_config c = closed_port();
	struct notice_send_report rep = send(fx, &c, 0, false);
	assert_int_equal(rep.deferred, 1);
	n = get(fx, nid);
	assert_string_equal(n->status, "queued");
	assert_int_equal(n->attempts, 2);
	assert_string_equal(n->message_id, mid);
	notice_free(&n);
	/* Its Message-ID is for good. */
	raw_refused(fx, "UPDATE notice SET message_id = '<other@x.example>' WHERE id = %lld", (long long)nid,
		    "keeps the Message-ID");
}

/* A letter cut off while sending may have reached the server: when it may not go again, its record
 * says so instead of "nothing was sent". */
static void test_interrupted_send_refused_says_maybe(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "CRASH-2");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	raw(fx, "UPDATE notice SET status = 'sending', attempts = 1 WHERE id = %lld", (long long)nid);
	/* The demand moves on: the redirect letter may no longer go. */
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
	struct smtp_config c = closed_port();
	struct notice_send_report rep = send(fx, &c, 0, false);
	assert_int_equal(rep.refused, 1);
	struct notice *n = get(fx, nid);
	assert_string_equal(n->status, "cancelled");
	FX_CONTAINS(n->last_error, "may have been delivered");
	assert_null(strstr(n->last_error, "nothing was sent"));
	notice_free(&n);
	FX_CONTAINS(last_event(fx, id).note, "may have been delivered");
}

static void test_closing_cancels_letters(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "WD-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	FX_OK(fx, fx_move(fx, &fx->intake, id, "closed", "withdrawn", NULL));
	assert_string_equal(letters(fx, id).status, "cancelled");
	char want[100];
	snprintf(want, sizeof want, "[\"notice\",\"#%lld redirect\",\"cancelled\"]", (long long)nid);
	FX_CONTAINS(last_event(fx, id).changes, want);
	/* The sender never sees it. */
	struct smtp_config c = closed_port();
	struct notice_send_report rep = send(fx, &c, 0, true);
	assert_int_equal(rep.would_send, 0);
}

static void test_edit(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "ED-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	struct notice *n = get(fx, nid);
	int64_t v = n->version;
	char *body = strdup(n->body);
	notice_free(&n);
	FX_OK(fx, notice_edit(fx->db, &fx->intake, nid, v, "nbyrne@garda.example", "Re: your request",
			      "Dear Niamh,\n\nPlease ask Acme.\n", &fx->err));
	n = get(fx, nid);
	assert_string_equal(n->subject, "Re: your request");
	assert_string_equal(n->body, "Dear Niamh,\n\nPlease ask Acme.\n");
	assert_int_equal(n->version, v + 1);
	notice_free(&n);
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "notice_edited");
	FX_CONTAINS(e.changes, "\"Re: your request\"]");
	FX_CONTAINS(e.changes, "[\"body\",");
	/* The original text is kept in the event. */
	char *first_line = strndup(body, strcspn(body, "\n"));
	FX_CONTAINS(e.changes, first_line);
	free(first_line);
	free(body);

	/* An edit made against the old copy is refused; so is a header injected through the subject,
	 * and an address docket cannot send to. Nothing changes. */
	dk_clear(&fx->err);
	assert_int_equal(notice_edit(fx->db, &fx->intake, nid, v, "nbyrne@garda.example", "x", "y", &fx->err),
			 DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "changed by someone else");
	assert_int_equal(notice_edit(fx->db, &fx->intake, nid, v + 1, "nbyrne@garda.example",
				     "Hello\r\nBcc: all@evil.example", "y", &fx->err),
			 DK_INVALID);
	FX_CONTAINS(fx->err.msg, "line break");
	assert_int_equal(notice_edit(fx->db, &fx->intake, nid, v + 1, "nbyrne@garda.example\nBcc: x@evil.example", "x",
				     "y", &fx->err),
			 DK_INVALID);
	assert_int_equal(notice_edit(fx->db, &fx->nobody, nid, v + 1, "nbyrne@garda.example", "x", "y", &fx->err),
			 DK_REFUSED);
	n = get(fx, nid);
	assert_string_equal(n->subject, "Re: your request");
	assert_int_equal(n->version, v + 1);
	notice_free(&n);

	/* No address: a letter for a person; an address again: e-mail. */
	FX_OK(fx, notice_edit(fx->db, &fx->intake, nid, 0, "", "Re: your request", "By post.\n", &fx->err));
	assert_string_equal(letters(fx, id).via, "letter");
	FX_OK(fx, notice_edit(fx->db, &fx->intake, nid, 0, "desk@garda.example", "Re: your request", "By mail.\n",
			      &fx->err));
	struct found f = letters(fx, id);
	assert_string_equal(f.via, "smtp");
	n = get(fx, nid);
	assert_string_equal(n->recipient, "desk@garda.example");
	notice_free(&n);

	/* A letter that went out is a record. */
	FX_OK(fx, notice_delivered(fx->db, &fx->intake, nid, "email", NULL, &fx->err));
	dk_clear(&fx->err);
	assert_int_equal(notice_edit(fx->db, &fx->intake, nid, 0, "desk@garda.example", "x", "y", &fx->err),
			 DK_REFUSED);
	raw_refused(fx, "UPDATE notice SET body = 'rewritten' WHERE id = %lld", (long long)nid, "cannot be changed");
	raw_refused(fx, "DELETE FROM notice WHERE id = %lld", (long long)nid, "notices are kept");
}

static void test_cancel(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "CAN-1");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	int64_t nid = letters(fx, id).id;
	dk_clear(&fx->err);
	assert_int_equal(notice_cancel(fx->db, &fx->intake, nid, "", &fx->err), DK_INVALID);
	FX_OK(fx, notice_cancel(fx->db, &fx->intake, nid, "the requester phoned: withdrawn", &fx->err));
	assert_string_equal(letters(fx, id).status, "cancelled");
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "notice_cancelled");
	assert_string_equal(e.note, "the requester phoned: withdrawn");
	dk_clear(&fx->err);
	assert_int_equal(notice_retry(fx->db, &fx->intake, nid, &fx->err), DK_REFUSED);
	assert_int_equal(notice_cancel(fx->db, &fx->intake, nid, "again", &fx->err), DK_REFUSED);
	assert_int_equal(notice_get(fx->db, 9999, &(struct notice *){NULL}, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "notice 9999: no such notice");
}

static void count_skipped(int64_t demand_id, const struct dk_error *why, void *ctx)
{
	(void)demand_id;
	FX_CONTAINS(why->msg, "is empty for this demand");
	(*(int64_t *)ctx)++;
}

static void test_expired_order_queues_delayed_notice(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "OWE-1");
	to_review(fx, id);
	FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, id, "callback", "", &fx->err));
	record_order(fx, id, "NDO-9", 30 * DAY);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notice_owed", NULL, NULL));
	/* In force: nothing owed yet. */
	int64_t queued = -1;
	FX_OK(fx, workflow_queue_owed_notices(fx->db, &fx->intake, &queued, NULL, NULL, &fx->err));
	assert_int_equal(queued, 0);
	assert_string_equal(letters(fx, id).kind, "redirect");
	/* Thirty days pass: the order expires without anyone recording anything. */
	raw(fx, "UPDATE nd_order SET expires_at = unixepoch() - 60 WHERE demand_id = %lld", (long long)id);
	raw(fx, "UPDATE demand SET due_at = unixepoch() - 60, watch_at = unixepoch() - 60 WHERE id = %lld",
	    (long long)id);
	int64_t v = fx_version(fx, id);
	FX_OK(fx, workflow_queue_owed_notices(fx->db, &fx->intake, &queued, NULL, NULL, &fx->err));
	assert_int_equal(queued, 1);
	struct found f = letters(fx, id);
	assert_string_equal(f.kind, "delayed");
	assert_string_equal(f.status, "queued");
	assert_int_equal(fx_version(fx, id), v + 1);
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "notice_queued");
	FX_CONTAINS(e.note, "order ended");
	struct notice *n = get(fx, f.id);
	FX_CONTAINS(n->body, "NDO-9, 18 U.S.C. 2705(b)");
	FX_CONTAINS(n->body, "The order ended\non ");
	notice_free(&n);
	/* Once is enough. */
	FX_OK(fx, workflow_queue_owed_notices(fx->db, &fx->intake, &queued, NULL, NULL, &fx->err));
	assert_int_equal(queued, 0);
}

/* One demand whose delayed notice cannot be drafted does not hold back another's. */
static void test_sweep_goes_past_a_demand(void **state)
{
	struct fx *fx = *state;
	int64_t ids[2] = {fx_add_ref(fx, "OWE-A"), fx_add_ref(fx, "OWE-B")};
	for (int i = 0; i < 2; i++) {
		char when[32];
		to_review(fx, ids[i]);
		FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, ids[i], "callback", "", &fx->err));
		/* The first order names no statute, which the template below needs. */
		struct order_input o = {.reference = i ? "NDO-B" : "NDO-A",
					.statute = i ? "18 U.S.C. 2705(b)" : NULL,
					.expires = fx_when(30 * DAY, when)};
		FX_OK(fx, workflow_order(fx->db, &fx->attorney, ids[i], &o, NULL, 0, &fx->err));
		FX_OK(fx, fx_move(fx, &fx->attorney, ids[i], "disclosing", NULL, NULL));
		FX_OK(fx, fx_move(fx, &fx->attorney, ids[i], "notice_owed", NULL, NULL));
		raw(fx, "UPDATE nd_order SET expires_at = unixepoch() - 60 WHERE demand_id = %lld", (long long)ids[i]);
		raw(fx, "UPDATE demand SET due_at = unixepoch() - 60, watch_at = unixepoch() - 60 WHERE id = %lld",
		    (long long)ids[i]);
	}
	write_template(fx, "delayed", "Subject: Notice {{demand.reference}}\n\nUnder {{order.statute}}.\n");
	int64_t queued = -1, skipped = 0;
	FX_OK(fx, workflow_queue_owed_notices(fx->db, &fx->intake, &queued, count_skipped, &skipped, &fx->err));
	assert_int_equal(queued, 1);
	assert_int_equal(skipped, 1);
	assert_string_equal(letters(fx, ids[1]).kind, "delayed");
	/* The first keeps only its redirect letter, and its notice stays owed. */
	assert_string_equal(letters(fx, ids[0]).kind, "redirect");
	struct ob_facts f;
	struct obligations ob;
	FX_OK(fx, obligation_load(fx->db, ids[0], when_now(), &f, &fx->err));
	obligation_derive(&f, &ob);
	assert_int_equal(ob.notice, OB_OWED);
	obligation_facts_free(&f);
	unsetenv("XDG_CONFIG_HOME");
}

static void test_digest(void **state)
{
	struct fx *fx = *state;
	char when[32];
	struct demand_input in;
	fx_demand_defaults(&in, "LATE-1");
	in.received = fx_when(-10 * DAY, when);
	int64_t late = fx_add(fx, &in);
	fx_demand_defaults(&in, "POST-2");
	in.requester.email = NULL;
	int64_t post = fx_add(fx, &in);
	FX_OK(fx, fx_move(fx, &fx->intake, post, "redirecting", NULL, NULL));
	int64_t id = 0;
	dk_clear(&fx->err);
	assert_int_equal(notice_queue_digest(fx->db, "legal team@provider.example", 7, &id, &fx->err), DK_INVALID);
	FX_OK(fx, notice_queue_digest(fx->db, "legal-team@provider.example", 7, &id, &fx->err));
	struct notice *n = get(fx, id);
	assert_string_equal(n->kind, "digest");
	assert_int_equal(n->demand_id, 0);
	assert_string_equal(n->recipient, "legal-team@provider.example");
	FX_CONTAINS(n->subject, "late 1,");
	FX_CONTAINS(n->subject, "letters for a person 1");
	char line[64];
	snprintf(line, sizeof line, "Late:\n  #%lld LATE-1  received", (long long)late);
	FX_CONTAINS(n->body, line);
	FX_CONTAINS(n->body, "Letters that need a person");
	FX_CONTAINS(n->body, "POST-2");
	FX_CONTAINS(n->body, "No non-disclosure order ends within 7 days.");
	notice_free(&n);
}

struct order_seen {
	int64_t ids[8];
	bool person[8];
	int n;
};

static int keep_order(const struct notice_row *r, void *ctx)
{
	struct order_seen *o = ctx;
	if (o->n < 8) {
		o->ids[o->n] = r->id;
		o->person[o->n] = r->needs_person;
		o->n++;
	}
	return 0;
}

/* The reads the terminal UI's outbox needs: the counts for the queue's title, those that need a
 * person listed first, and whether a single notice needs one. */
static void test_counts_and_person_first(void **state)
{
	struct fx *fx = *state;
	struct notice_counts nc;
	FX_OK(fx, notice_count(fx->db, &nc, &fx->err));
	assert_int_equal(nc.waiting, 0);
	assert_int_equal(nc.needs_person, 0);

	/* Oldest first: one for a person to post, one that will fail, one that waits to be sent. */
	struct demand_input in;
	fx_demand_defaults(&in, "POST-3");
	in.requester.email = NULL;
	in.requester.name = "Bezirksamt Köln";
	int64_t post = fx_add(fx, &in);
	FX_OK(fx, fx_move(fx, &fx->intake, post, "redirecting", NULL, NULL));
	int64_t posted = letters(fx, post).id;
	int64_t down = fx_add_ref(fx, "DOWN-3");
	FX_OK(fx, fx_move(fx, &fx->intake, down, "redirecting", NULL, NULL));
	int64_t failed = letters(fx, down).id;
	struct smtp_config c = closed_port();
	c.max_attempts = 1;
	assert_int_equal(send(fx, &c, failed, false).failed, 1);
	int64_t later = fx_add_ref(fx, "LATER-3");
	FX_OK(fx, fx_move(fx, &fx->intake, later, "redirecting", NULL, NULL));
	int64_t queued = letters(fx, later).id;

	FX_OK(fx, notice_count(fx->db, &nc, &fx->err));
	assert_int_equal(nc.waiting, 3);
	assert_int_equal(nc.needs_person, 2);

	/* Newest first, unless those that need a person come first. */
	struct order_seen o = {0};
	struct notice_filter f = {0};
	FX_OK(fx, notice_list(fx->db, &f, keep_order, &o, &fx->err));
	assert_int_equal(o.n, 3);
	assert_int_equal(o.ids[0], queued);
	assert_int_equal(o.ids[1], failed);
	assert_int_equal(o.ids[2], posted);
	memset(&o, 0, sizeof o);
	f.person_first = true;
	FX_OK(fx, notice_list(fx->db, &f, keep_order, &o, &fx->err));
	assert_int_equal(o.n, 3);
	assert_int_equal(o.ids[0], failed);
	assert_int_equal(o.ids[1], posted);
	assert_int_equal(o.ids[2], queued);
	assert_true(o.person[0] && o.person[1] && !o.person[2]);
	/* With a limit, the limit applies after the order. */
	memset(&o, 0, sizeof o);
	f.limit = 1;
	FX_OK(fx, notice_list(fx->db, &f, keep_order, &o, &fx->err));
	assert_int_equal(o.n, 1);
	assert_int_equal(o.ids[0], failed);

	struct notice *n = get(fx, posted);
	assert_true(n->needs_person);
	notice_free(&n);
	n = get(fx, queued);
	assert_false(n->needs_person);
	notice_free(&n);

	/* Handled: posted by a person, the failed one cancelled; neither counts any more. */
	FX_OK(fx, notice_delivered(fx->db, &fx->intake, posted, "letter", NULL, &fx->err));
	FX_OK(fx, notice_cancel(fx->db, &fx->intake, failed, "the bureau closed", &fx->err));
	FX_OK(fx, notice_count(fx->db, &nc, &fx->err));
	assert_int_equal(nc.waiting, 1);
	assert_int_equal(nc.needs_person, 0);
	n = get(fx, posted);
	assert_false(n->needs_person);
	notice_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_moves_queue_letters, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_address_is_a_letter_for_a_person, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_template_refusals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_order_checked_when_sending, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backoff_and_giving_up, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_send_is_sent_again, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_send_refused_says_maybe, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_closing_cancels_letters, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_edit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expired_order_queues_delayed_notice, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_goes_past_a_demand, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_digest, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_counts_and_person_first, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
