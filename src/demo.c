/* demo.c: generating demo data quickly, straight into the tables, through the same triggers. */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "db_internal.h"
#include "demand.h"
#include "obligation.h"
#include "when.h"
#include "workflow.h"

#define DEMO_SPAN  (730 * WHEN_DAY) /* eight quarters */
#define DEMO_BATCH 20000            /* demands per transaction */

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t rnd(uint64_t *s, int64_t n)
{
	return n <= 1 ? 0 : (int64_t)(mix(s) % (uint64_t)n);
}

/* Picks an index by integer weights. */
static int pick(uint64_t *s, const int *w, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	int r = (int)rnd(s, total);
	for (int i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

static const struct {
	const char *login, *name, *role;
} demo_staff[] = {
	{"alice", "Alice Moreau", "attorney"}, {"bruno", "Bruno Alves", "attorney"},
	{"chen", "Chen Wei", "attorney"},      {"dana", "Dana Okafor", "attorney"},
	{"erin", "Erin Walsh", "intake"},      {"farah", "Farah Haddad", "intake"},
	{"goran", "Goran Petrović", "intake"}, {"hana", "Hana Sato", "admin"},
};
#define N_STAFF     (sizeof demo_staff / sizeof demo_staff[0])
#define N_ATTORNEYS 4

static const char *const name_a[] = {"Northwind", "Contoso",     "Fabrikam",  "Tailspin",      "Litware", "Adatum",
				     "Proseware", "Wingtip",     "Woodgrove", "Fourth Coffee", "Lucerne", "Margie's",
				     "Alpine",    "Blue Yonder", "Coho",      "Wide World",    "Trey",    "Humongous",
				     "Relecloud", "Südwind",     "Ōkami",     "Nordlys"};
static const char *const name_b[] = {"Traders", "Labs",  "Health", "Logistics", "Bank",   "Games",     "Media",
				     "Energy",  "Foods", "Retail", "Analytics", "Travel", "Insurance", "Robotics"};
static const char *const regions[] = {"us-east",  "us-west",    "eu-west",      "eu-central",
				      "uk-south", "ca-central", "ap-southeast", "ap-northeast",
				      "au-east",  "br-south",   "in-central"};
static const int region_w[] = {30, 15, 18, 10, 7, 4, 5, 4, 3, 2, 2};
/* The country each region's law belongs to, for the cross-region flag (EU regions: any EU member). */
static const char *const region_country[] = {"US", "US", "EU", "EU", "GB", "CA", "SG", "JP", "AU", "BR", "IN"};

static const char *const countries[] = {"US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "AU", "NL",
					"ES", "IT", "SG", "KR", "MX", "PL", "IE", "CH", "SE", "AR"};
static const int country_w[] = {52, 8, 7, 6, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1};
static const char *const us_states[] = {"CA", "NY", "TX", "WA", "FL", "IL", "VA", "MA"};
static const char *const eu_members[] = {"DE", "FR", "NL", "ES", "IT", "PL", "IE", "SE"};

#define N_CUSTOMERS  300
#define N_REQUESTERS 400

/* Instruments with their weight. */
static const char *const instruments[] = {"subpoena",          "court_order",    "search_warrant",
					  "emergency",         "preservation",   "mlat",
					  "national_security", "civil_subpoena", "other"};
static const int instrument_w[] = {34, 14, 15, 7, 9, 4, 2, 12, 3};

struct demo {
	struct db *db;
	const struct acting *by;
	struct acting attorney[N_ATTORNEYS];
	uint64_t rng;
	int64_t as_of;
	int64_t customer_id[N_CUSTOMERS];
	int customer_region[N_CUSTOMERS];
	int64_t requester_id[N_REQUESTERS];
	char requester_country[N_REQUESTERS][3];
	int requester_kind[N_REQUESTERS]; /* index into party_requester_kinds */
	struct buf ch;
	/* While the indexes are dropped for a fresh load, the demands whose obligations are to be
	 * kept, for after they are rebuilt: reading a demand's events without them scans them all. */
	bool deferred;
	int64_t *watched;
	size_t n_watched, cap_watched;
};

/* Stores the watched demands' obligations (see struct demo). */
static enum dk_status refresh_watched(struct demo *d, struct dk_error *err)
{
	enum dk_status s = DK_OK;
	for (size_t i = 0; i < d->n_watched && !s; i++)
		s = obligation_refresh(d->db, d->watched[i], d->as_of, err);
	d->n_watched = 0;
	return s;
}

static bool is_eu(const char *cc)
{
	for (size_t i = 0; i < sizeof eu_members / sizeof eu_members[0]; i++)
		if (strcmp(cc, eu_members[i]) == 0)
			return true;
	return false;
}

static enum dk_status ensure_staff(struct demo *d, struct dk_error *err)
{
	int64_t now = d->as_of - DEMO_SPAN - WHEN_DAY;
	for (size_t i = 0; i < N_STAFF; i++) {
		sqlite3_stmt *st = db_stmt(d->db,
					   "INSERT INTO staff (login, name, role, created_at) VALUES (?1, ?2, ?3, ?4)"
					   " ON CONFLICT (login) DO NOTHING",
					   err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, demo_staff[i].login, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, demo_staff[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, demo_staff[i].role, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		enum dk_status s = db_exec_stmt(d->db, st, "adding demo staff", err);
		if (s)
			return s;
		if (sqlite3_changes(d->db->h)) {
			buf_reset(&d->ch);
			audit_change(&d->ch, "login", NULL, demo_staff[i].login);
			audit_change(&d->ch, "role", NULL, demo_staff[i].role);
			audit_changes_end(&d->ch);
			if ((s = audit_append(d->db, 0, d->by, "staff_added", d->ch.data, "demo data", now, err)))
				return s;
		}
		if (i < N_ATTORNEYS) {
			snprintf(d->attorney[i].login, sizeof d->attorney[i].login, "%s", d->by->login);
			snprintf(d->attorney[i].actor, sizeof d->attorney[i].actor, "%s", demo_staff[i].login);
			d->attorney[i].role = STAFF_ATTORNEY;
		}
	}
	return DK_OK;
}

static enum dk_status ensure_customers(struct demo *d, struct dk_error *err)
{
	uint64_t s = 0x5eed0000ull;
	int64_t now = d->as_of - DEMO_SPAN - WHEN_DAY;
	for (int i = 0; i < N_CUSTOMERS; i++) {
		char tenant[32], name[96], contact[64], email[96], phone[32];
		const char *a = name_a[rnd(&s, sizeof name_a / sizeof name_a[0])];
		const char *b = name_b[rnd(&s, sizeof name_b / sizeof name_b[0])];
		int region = pick(&s, region_w, (int)(sizeof region_w / sizeof region_w[0]));
		snprintf(tenant, sizeof tenant, "t-%04d", i + 1);
		snprintf(name, sizeof name, "%s %s %d", a, b, i + 1);
		snprintf(contact, sizeof contact, "Legal contact %d", i + 1);
		snprintf(email, sizeof email, "legal@tenant%04d.example", i + 1);
		snprintf(phone, sizeof phone, "+1 555 01%02d %03d", (int)(i % 100), i);
		sqlite3_stmt *st = db_stmt(
			d->db,
			"INSERT INTO customer (tenant, name, contact_name, contact_email, contact_phone, region,"
			" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (tenant) DO NOTHING",
			err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, contact, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, phone, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, regions[region], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, now);
		enum dk_status r = db_exec_stmt(d->db, st, "adding demo customers", err);
		if (r)
			return r;
		if (sqlite3_changes(d->db->h)) {
			buf_reset(&d->ch);
			audit_change(&d->ch, "tenant", NULL, tenant);
			audit_change(&d->ch, "name", NULL, name);
			audit_change(&d->ch, "region", NULL, regions[region]);
			audit_changes_end(&d->ch);
			if ((r = audit_append(d->db, 0, d->by, "customer_added", d->ch.data, "demo data", now, err)))
				return r;
		}
		st = db_stmt(d->db, "SELECT id, region FROM customer WHERE tenant = ?1", err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return db_error(d->db, "reading demo customers", err);
		}
		d->customer_id[i] = sqlite3_column_int64(st, 0);
		const char *have = (const char *)sqlite3_column_text(st, 1);
		d->customer_region[i] = 0;
		for (int k = 0; k < (int)(sizeof regions / sizeof regions[0]); k++)
			if (strcmp(have, regions[k]) == 0)
				d->customer_region[i] = k;
		sqlite3_reset(st);
	}
	return DK_OK;
}

static enum dk_status ensure_requesters(struct demo *d, struct dk_error *err)
{
	uint64_t s = 0x4e9e5700ull;
	for (int i = 0; i < N_REQUESTERS; i++) {
		const char *cc = countries[pick(&s, country_w, (int)(sizeof country_w / sizeof country_w[0]))];
		int kind = pick(&s, (const int[]){70, 15, 12, 3}, 4);
		char name[96], agency[96], email[96], jur[8];
		const char *sub = strcmp(cc, "US") == 0 ? us_states[rnd(&s, 8)] : "";
		static const char *const le[] = {"Police Department", "Federal Bureau",   "Prosecutor's Office",
						 "Cybercrime Unit",   "Sheriff's Office", "National Police"};
		static const char *const gov[] = {"Ministry of Justice", "Tax Authority", "Data Protection Authority",
						  "Securities Regulator"};
		static const char *const firm[] = {"Baker & Partners LLP", "Meyer Schulz Rechtsanwälte", "Okoro Legal",
						   "Lindqvist Advokatbyrå"};
		if (kind == 0)
			snprintf(agency, sizeof agency, "%s %s%s%s", cc, le[rnd(&s, 6)], *sub ? " " : "", sub);
		else if (kind == 1)
			snprintf(agency, sizeof agency, "%s %s", cc, gov[rnd(&s, 4)]);
		else if (kind == 2)
			snprintf(agency, sizeof agency, "%s", firm[rnd(&s, 4)]);
		else
			snprintf(agency, sizeof agency, "%s Other Body", cc);
		/* A name that fits the kind: a detective, an official, counsel, someone; numbered so that
		 * every requester is its own. */
		static const char *const title[] = {"Det.", "", "", ""};
		static const char *const suffix[] = {"", "", ", Esq.", ""};
		static const char *const surname[] = {"Byrne",  "Schmidt", "Okafor", "Tanaka", "Silva", "Novak",
						      "Haddad", "Larsen",  "Moreau", "Kaur",   "Reyes", "Walsh"};
		snprintf(name, sizeof name, "%s%s%c. %s %d%s", title[kind], *title[kind] ? " " : "",
			 'A' + (int)rnd(&s, 26), surname[rnd(&s, 12)], i + 1, suffix[kind]);
		snprintf(email, sizeof email, "requests%d@agency%d.example", i + 1, i % 97);
		snprintf(jur, sizeof jur, "%s%s%s", cc, *sub ? "-" : "", sub);
		struct requester_input in = {name,         party_requester_kinds[kind], agency, jur, name, email,
					     "+1 555 0100"};
		enum dk_status r = requester_find_or_create(d->db, &in, &d->requester_id[i], err);
		if (r)
			return r;
		snprintf(d->requester_country[i], 3, "%s", cc);
		d->requester_kind[i] = kind;
	}
	return DK_OK;
}

/* One demand's story, built step by step. */
struct story {
	int64_t id;
	int64_t t; /* the time of the last step */
	char status[24], outcome[32];
	int64_t version;
	bool stopped; /* the next step would be after as_of */
	bool dirty;   /* the row's version is behind: an event bumped it after the last write */
	bool watch;   /* it has orders or notices: its obligations are kept once the story is written */
	const struct acting *who;
	struct deadline_facts df;
};

static enum dk_status event(struct demo *d, struct story *s, const char *action, const char *note, struct dk_error *err)
{
	audit_changes_end(&d->ch);
	/* The row's version is written once, after the story: the event records the story's. */
	struct audit_state state = {s->version, s->status, *s->outcome ? s->outcome : NULL};
	return audit_append_state(d->db, s->id, s->who, action, d->ch.data, note, s->t, &state, err);
}

/* Advances the clock by a random delay; false (and stopped) when that passes as_of. */
static bool advance(struct demo *d, struct story *s, int64_t min_s, int64_t max_s)
{
	if (s->stopped)
		return false;
	int64_t t = s->t + min_s + rnd(&d->rng, max_s - min_s + 1);
	if (t > d->as_of) {
		s->stopped = true;
		return false;
	}
	s->t = t;
	return true;
}

static enum dk_status move(struct demo *d, struct story *s, const char *to, const char *outcome, const char *note,
			   struct dk_error *err)
{
	/* The move sets the new state's deadline, as the workflow would. */
	s->df.entered_at = s->t;
	int64_t due = workflow_deadline(d->db, to, &s->df);
	sqlite3_stmt *st = db_stmt(d->db,
				   "UPDATE demand SET status = ?2, outcome = ?3, closed_at = ?4, version = ?6,"
				   " updated_at = ?5, due_at = ?7 WHERE id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	if (outcome)
		sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	if (strcmp(to, "closed") == 0)
		sqlite3_bind_int64(st, 4, s->t);
	sqlite3_bind_int64(st, 5, s->t);
	sqlite3_bind_int64(st, 6, s->version + 1);
	if (due)
		sqlite3_bind_int64(st, 7, due);
	enum dk_status r = db_exec_stmt(d->db, st, "moving a demo demand", err);
	if (r)
		return r;
	s->dirty = false;
	buf_reset(&d->ch);
	audit_change(&d->ch, "status", s->status, to);
	if (outcome)
		audit_change(&d->ch, "outcome", NULL, outcome);
	snprintf(s->status, sizeof s->status, "%s", to);
	snprintf(s->outcome, sizeof s->outcome, "%s", outcome ? outcome : "");
	if (strcmp(to, "notifying") == 0 || strcmp(to, "disclosing") == 0 || strcmp(to, "notice_owed") == 0)
		s->watch = true;
	s->version++;
	return event(d, s, "moved", note, err);
}

static enum dk_status verify_requester(struct demo *d, struct story *s, bool emergency, struct dk_error *err)
{
	const char *method =
		emergency ? "supervisor" : (const char *[]){"callback", "email-domain", "portal"}[rnd(&d->rng, 3)];
	sqlite3_stmt *st = db_stmt(d->db,
				   "INSERT INTO verification (demand_id, method, note, verified_by, verified_at)"
				   " VALUES (?1, ?2, '', ?3, ?4)",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->who->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, s->t);
	enum dk_status r = db_exec_stmt(d->db, st, "recording a demo verification", err);
	if (r)
		return r;
	buf_reset(&d->ch);
	audit_change(&d->ch, "verified", NULL, method);
	s->version++;
	s->dirty = true;
	return event(d, s, "verified", "", err);
}

static enum dk_status customer_notice(struct demo *d, struct story *s, const char *kind, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(d->db,
				   "INSERT INTO notice (demand_id, kind, via, recipient, status, created_at, sent_at)"
				   " SELECT ?1, ?2, 'email', c.contact_email, 'sent', ?3, ?3 FROM demand AS d"
				   " JOIN customer AS c ON c.id = d.customer_id WHERE d.id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, s->t);
	enum dk_status r = db_exec_stmt(d->db, st, "recording a demo notice", err);
	if (r)
		return r;
	char when[32];
	when_format(s->t, when, sizeof when);
	buf_reset(&d->ch);
	audit_change(&d->ch, "customer_notice", NULL, kind);
	audit_change(&d->ch, "via", NULL, "email");
	audit_change(&d->ch, "sent", NULL, when);
	s->version++;
	s->dirty = true;
	s->watch = true;
	return event(d, s, "notice_sent", "", err);
}

static enum dk_status record_order(struct demo *d, struct story *s, int64_t expires, bool challenged,
				   struct dk_error *err)
{
	char ref[48];
	snprintf(ref, sizeof ref, "NDO-%lld", (long long)s->id);
	sqlite3_stmt *st =
		db_stmt(d->db,
			"INSERT INTO nd_order (demand_id, reference, statute, issued_at, expires_at, indefinite,"
			" challenged, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?4)",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "18 U.S.C. 2705(b)", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, s->t);
	if (expires)
		sqlite3_bind_int64(st, 5, expires);
	sqlite3_bind_int(st, 6, expires == 0);
	sqlite3_bind_int(st, 7, challenged);
	enum dk_status r = db_exec_stmt(d->db, st, "recording a demo order", err);
	if (r)
		return r;
	char when[32] = "";
	if (expires)
		when_format(expires, when, sizeof when);
	buf_reset(&d->ch);
	audit_change(&d->ch, "order", NULL, ref);
	audit_change(&d->ch, "expires", NULL, expires ? when : NULL);
	audit_change(&d->ch, "indefinite", NULL, expires ? "no" : "yes");
	if (challenged)
		audit_change(&d->ch, "challenged", NULL, "yes");
	s->version++;
	s->dirty = true;
	s->watch = true;
	return event(d, s, "order", "", err);
}

/* A challenged order lifted by the court at time lifted (recorded at the story's time, in
 * notice_owed). */
static enum dk_status lift_order(struct demo *d, struct story *s, int64_t lifted, struct dk_error *err)
{
	char ref[48], when[32];
	snprintf(ref, sizeof ref, "NDO-%lld", (long long)s->id);
	sqlite3_stmt *st =
		db_stmt(d->db, "UPDATE nd_order SET lifted_at = ?3 WHERE demand_id = ?1 AND reference = ?2", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, lifted);
	enum dk_status r = db_exec_stmt(d->db, st, "lifting a demo order", err);
	if (r)
		return r;
	/* In notice_owed the deadline is the order's end: it follows the lift, as the workflow's does. */
	char old_due[32] = "";
	if (!s->df.order_open_ended)
		when_format(s->df.order_end, old_due, sizeof old_due);
	s->df.order_end = lifted;
	s->df.order_open_ended = false;
	st = db_stmt(d->db, "UPDATE demand SET due_at = ?2 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int64(st, 2, lifted);
	if ((r = db_exec_stmt(d->db, st, "moving a demo deadline", err)))
		return r;
	when_format(lifted, when, sizeof when);
	buf_reset(&d->ch);
	audit_change(&d->ch, "order", ref, ref);
	audit_change(&d->ch, "lifted", NULL, when);
	audit_change(&d->ch, "due", *old_due ? old_due : NULL, when);
	s->version++;
	s->dirty = true;
	return event(d, s, "order", "the challenge succeeded: the order was lifted", err);
}

/* Writes demand number n (0-based) of the run with its whole history. */
static enum dk_status one_demand(struct demo *d, int64_t n, int64_t total, uint64_t seed, struct dk_error *err)
{
	d->rng = seed * 0x2545f4914f6cdd1dull + (uint64_t)n * 0x9e3779b97f4a7c15ull + 1;
	uint64_t *r = &d->rng;
	int64_t slot = DEMO_SPAN / (total ? total : 1);
	int64_t received = d->as_of - DEMO_SPAN + n * DEMO_SPAN / (total ? total : 1) + rnd(r, slot > 1 ? slot : 1);
	int inst = pick(r, instrument_w, (int)(sizeof instrument_w / sizeof instrument_w[0]));
	const char *instrument = instruments[inst];
	bool emergency = strcmp(instrument, "emergency") == 0;
	bool preservation = strcmp(instrument, "preservation") == 0;
	int req = (int)rnd(r, N_REQUESTERS);
	/* Civil subpoenas come from litigants, MLATs from governments. */
	if (strcmp(instrument, "civil_subpoena") == 0)
		while (d->requester_kind[req] != 2)
			req = (req + 1) % N_REQUESTERS;
	else
		while (d->requester_kind[req] == 2)
			req = (req + 1) % N_REQUESTERS;
	int cust = (int)rnd(r, N_CUSTOMERS);
	const char *rc = region_country[d->customer_region[cust]];
	const char *qc = d->requester_country[req];
	bool cross = strcmp(rc, "EU") == 0 ? !is_eu(qc) : strcmp(rc, qc) != 0;
	unsigned cats = CAT_SUBSCRIBER;
	if (rnd(r, 2))
		cats |= CAT_NON_CONTENT;
	if (strcmp(instrument, "search_warrant") == 0 || strcmp(instrument, "mlat") == 0 ? rnd(r, 10) < 7
											 : rnd(r, 10) < 1)
		cats |= CAT_CONTENT;
	if (preservation)
		cats = CAT_CONTENT | CAT_SUBSCRIBER;
	bool process = !preservation && (cats & CAT_CONTENT) && !workflow_instrument_compels_content(instrument);
	int64_t response_due = rnd(r, 10) < 7 ? received + (10 + rnd(r, 21)) * WHEN_DAY : 0;
	static const char *const channels[] = {"email", "portal", "mail", "fax", "in_person"};
	const char *channel = channels[pick(r, (const int[]){45, 40, 10, 3, 2}, 5)];
	const char *assignee = demo_staff[rnd(r, N_STAFF - 1)].login;
	char ref[48];
	snprintf(ref, sizeof ref, "DEMO-%lld-%07lld", (long long)seed, (long long)n + 1);

	struct deadline_facts df = {
		.received_at = received, .response_due = response_due, .entered_at = received, .emergency = emergency};
	int64_t due = workflow_deadline(d->db, "received", &df);
	sqlite3_stmt *st = db_stmt(
		d->db,
		"INSERT INTO demand (source, reference, received_at, channel, instrument, customer_id, requester_id,"
		" response_due, emergency, cross_region, process_flag, assignee, due_at, created_at, updated_at)"
		" VALUES ('demo', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?2, ?2)",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, received);
	sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, instrument, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, d->customer_id[cust]);
	sqlite3_bind_int64(st, 6, d->requester_id[req]);
	if (response_due)
		sqlite3_bind_int64(st, 7, response_due);
	sqlite3_bind_int(st, 8, emergency);
	sqlite3_bind_int(st, 9, cross);
	sqlite3_bind_int(st, 10, process);
	sqlite3_bind_text(st, 11, assignee, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, due);
	enum dk_status s = db_exec_stmt(d->db, st, "writing a demo demand", err);
	if (s)
		return s;
	struct story y = {
		.id = sqlite3_last_insert_rowid(d->db->h), .t = received, .version = 1, .who = d->by, .df = df};
	snprintf(y.status, sizeof y.status, "received");

	int nid = 1 + (int)rnd(r, 3);
	for (int i = 0; i < nid; i++) {
		static const char *const kinds[] = {"account", "email", "ip"};
		char value[64];
		int k = (int)rnd(r, 3);
		if (k == 0)
			snprintf(value, sizeof value, "acct-%08llx", (unsigned long long)(mix(r) & 0xffffffffu));
		else if (k == 1)
			snprintf(value, sizeof value, "user%lld@tenant%04d.example", (long long)rnd(r, 100000),
				 cust + 1);
		else
			snprintf(value, sizeof value, "203.0.113.%d", (int)rnd(r, 255));
		st = db_stmt(d->db,
			     "INSERT OR IGNORE INTO demand_identifier (demand_id, kind, value) VALUES (?1, ?2, ?3)",
			     err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_int64(st, 1, y.id);
		sqlite3_bind_text(st, 2, kinds[k], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
		if ((s = db_exec_stmt(d->db, st, "writing demo identifiers", err)))
			return s;
	}
	if ((s = demand_store_categories(d->db, y.id, "requested", cats, err)))
		return s;
	char when[32], cat_names[64];
	when_format(received, when, sizeof when);
	demand_categories_format(cats, ",", cat_names, sizeof cat_names);
	buf_reset(&d->ch);
	audit_change(&d->ch, "reference", NULL, ref);
	audit_change(&d->ch, "instrument", NULL, instrument);
	audit_change(&d->ch, "categories", NULL, cat_names);
	audit_change(&d->ch, "status", NULL, "received");
	if ((s = event(d, &y, "created", "", err)))
		return s;

	const char *review_note = cross || process ? "flag reviewed: scope and jurisdiction confirmed" : "";
	const struct acting *att = &d->attorney[rnd(r, N_ATTORNEYS)];
	int64_t hour = 3600, day = WHEN_DAY;

	if (preservation) {
		/* Three in ten are followed by legal process within the preservation period. */
		bool superseded = rnd(r, 10) >= 7;
		if (advance(d, &y, hour, 2 * day) && !(s = move(d, &y, "preserving", NULL, "", err))) {
			int64_t period = 90 * day;
			if (superseded ? advance(d, &y, 5 * day, 80 * day) : advance(d, &y, period, period))
				s = move(d, &y, "closed", superseded ? "superseded" : "preservation_expired", "", err);
		}
		goto finish;
	}
	/* The plan: how this demand ends if time allows. */
	enum { P_REDIRECTED, P_WITHDRAWN_EARLY, P_WITHDRAWN, P_REJECTED, P_CHALLENGED, P_NO_DATA, P_NOTIFY, P_ORDER };
	int plan;
	if (emergency)
		plan = rnd(r, 10) < 8 ? P_NOTIFY : P_REJECTED;
	else if (strcmp(instrument, "national_security") == 0)
		plan = P_ORDER;
	else
		plan = pick(r, (const int[]){30, 3, 8, 15, 4, 10, 22, 8}, 8);
	bool disclose_content = (cats & CAT_CONTENT) && !process && rnd(r, 3) != 0;
	const char *disclosed = disclose_content ? "disclosed_content" : "disclosed_non_content";

	if (plan == P_WITHDRAWN_EARLY) {
		if (advance(d, &y, day, 5 * day))
			s = move(d, &y, "closed", "withdrawn", "", err);
		goto finish;
	}
	/* National-security process is never redirected to the customer; an emergency need not be. */
	if (emergency || strcmp(instrument, "national_security") == 0) {
		if (!advance(d, &y, 10 * 60, 2 * hour) || (s = move(d, &y, "in_review", NULL, "", err)))
			goto finish;
	} else {
		if (!advance(d, &y, 2 * hour, 2 * day) || (s = move(d, &y, "redirecting", NULL, "", err)))
			goto finish;
		if (plan == P_REDIRECTED || plan == P_WITHDRAWN) {
			if (advance(d, &y, 2 * day, 14 * day))
				s = move(d, &y, "closed", plan == P_REDIRECTED ? "redirected" : "withdrawn", "", err);
			goto finish;
		}
		if (!advance(d, &y, 3 * day, 10 * day) || (s = move(d, &y, "in_review", NULL, "", err)))
			goto finish;
	}
	y.who = att;
	int64_t step_min = emergency ? hour : day, step_max = emergency ? 6 * hour : 10 * day;
	switch (plan) {
	case P_REJECTED:
	case P_NO_DATA:
		if (advance(d, &y, step_min, step_max))
			s = move(d, &y, "closed", plan == P_REJECTED ? "rejected" : "no_data", review_note, err);
		break;
	case P_CHALLENGED:
		if (advance(d, &y, step_min, step_max) && !(s = move(d, &y, "challenged", NULL, review_note, err)) &&
		    advance(d, &y, 14 * day, 60 * day))
			s = move(d, &y, "closed", "rejected", "challenge upheld", err);
		break;
	case P_NOTIFY:
		if (!advance(d, &y, step_min, step_max) || (s = move(d, &y, "notifying", NULL, review_note, err)))
			break;
		if (!advance(d, &y, hour, emergency ? 2 * hour : 2 * day) ||
		    (s = customer_notice(d, &y, "advance", err)) || (s = verify_requester(d, &y, emergency, err)))
			break;
		if (!advance(d, &y, emergency ? hour : 7 * day + hour, emergency ? 4 * hour : 12 * day) ||
		    (s = move(d, &y, "disclosing", NULL, "", err)))
			break;
		if (advance(d, &y, step_min, step_max))
			s = move(d, &y, "closed", rnd(r, 10) == 0 ? "no_data" : disclosed, "", err);
		break;
	case P_ORDER: {
		bool indefinite = rnd(r, 10) < (strcmp(instrument, "national_security") == 0 ? 6 : 3);
		if (!advance(d, &y, hour, 3 * day))
			break;
		/* Orders run from two weeks to a year; one in ten is challenged, and half of those are
		 * lifted some weeks later. */
		int64_t expires = indefinite ? 0 : y.t + (14 + rnd(r, 352)) * day;
		bool challenged = rnd(r, 10) == 0;
		int64_t lifted = challenged && rnd(r, 2) ? y.t + (20 + rnd(r, 41)) * day : 0;
		if (lifted && expires && lifted >= expires)
			lifted = 0;
		if ((s = record_order(d, &y, expires, challenged, err)) || (s = verify_requester(d, &y, false, err)))
			break;
		y.df.order_end = expires;
		y.df.order_open_ended = indefinite;
		int64_t end = lifted ? lifted : expires;
		if (!advance(d, &y, step_min, step_max) || (s = move(d, &y, "disclosing", NULL, review_note, err)))
			break;
		if (!advance(d, &y, step_min, step_max) || (s = move(d, &y, "notice_owed", NULL, "", err)))
			break;
		if (!end) {
			if (advance(d, &y, 30 * day, 90 * day))
				s = move(d, &y, "closed", disclosed, "order is indefinite: no notice owed", err);
			break;
		}
		/* The delayed notice goes out once the order has ended. */
		if (end > y.t)
			y.t = end;
		if (y.t > d->as_of) {
			y.stopped = true;
			break;
		}
		if (lifted && (s = lift_order(d, &y, lifted, err)))
			break;
		if (!advance(d, &y, hour, 5 * day) || (s = customer_notice(d, &y, "delayed", err)))
			break;
		if (advance(d, &y, hour, 3 * day))
			s = move(d, &y, "closed", disclosed, "", err);
		break;
	}
	default: break;
	}
finish:
	if (s)
		return s;
	/* What the obligations will need and when (an order to review, a notice due as one ends). */
	if (y.watch && d->deferred) {
		if (!array_reserve(&d->watched, &d->cap_watched, d->n_watched + 1, sizeof *d->watched, 1024))
			return dk_fail(err, DK_STORAGE, "demo: out of memory");
		d->watched[d->n_watched++] = y.id;
	} else if (y.watch && (s = obligation_refresh(d->db, y.id, d->as_of, err))) {
		return s;
	}
	if (!y.dirty)
		return DK_OK;
	st = db_stmt(d->db, "UPDATE demand SET version = ?2, updated_at = ?3 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, y.id);
	sqlite3_bind_int64(st, 2, y.version);
	sqlite3_bind_int64(st, 3, y.t);
	return db_exec_stmt(d->db, st, "writing a demo version", err);
}

enum dk_status demo_generate(struct db *db, const struct acting *by, const struct demo_options *o, struct dk_error *err)
{
	struct demo *d = calloc(1, sizeof *d);
	if (!d)
		return dk_fail(err, DK_STORAGE, "out of memory");
	d->db = db;
	d->by = by;
	d->as_of = o->as_of;
	buf_init(&d->ch);
	enum dk_status s;
	if ((s = staff_may(db, by, "demo", NULL, err))) {
		free(d);
		return s;
	}
	struct db_saved_indexes ix = {0};
	int64_t done = 0, existing = 0;
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT (SELECT count(*) FROM demand WHERE source = 'demo'),"
				   " (SELECT count(*) FROM demand)",
				   err);
	if (!st) {
		free(d);
		return DK_STORAGE;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		done = sqlite3_column_int64(st, 0);
		existing = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	bool fresh = existing == 0 && o->count > DEMO_BATCH;
	db_load_mode(db, DB_LOAD_DEMO, true, fresh);
	if ((s = db_begin(db, err)))
		goto out;
	if ((s = ensure_staff(d, err)) || (s = ensure_customers(d, err)) || (s = ensure_requesters(d, err)) ||
	    (fresh && (s = db_indexes_drop(db, &ix, err)))) {
		db_rollback(db);
		goto out;
	}
	d->deferred = ix.n > 0;
	for (int64_t n = done; n < o->count; n++) {
		if ((s = one_demand(d, n, o->count, (uint64_t)o->seed, err)))
			break;
		if ((n + 1) % DEMO_BATCH != 0 || n + 1 == o->count)
			continue;
		/* Without its indexes the load is one transaction, so that a crash never leaves them
		 * missing; otherwise commit in batches. */
		if (!ix.n && ((s = db_commit(db, err)) || (s = db_begin(db, err))))
			break;
		if (o->progress)
			o->progress(o->progress_ctx, n + 1, o->count, false);
	}
	if (!s && ix.n && o->progress)
		o->progress(o->progress_ctx, o->count, o->count, true);
	if (!s && !(s = db_indexes_restore(db, &ix, err)))
		s = refresh_watched(d, err);
	else
		db_indexes_forget(&ix); /* a rollback brings dropped indexes back with it */
	s = db_end(db, s, err);
out:
	db_load_mode(db, DB_LOAD_DEMO, false, fresh);
	buf_free(&d->ch);
	free(d->watched);
	free(d);
	return s;
}
