/* obligation.c: the promises in one place: a demand's obligations from its facts, and the one
 * function every write calls to act on them (see obligation.h, docs/workflow.md). */
#include "obligation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db_internal.h"
#include "notice.h"
#include "when.h"

const char *const ob_notice_names[] = {"not_owed", "given", "held", "waiting", "owed"};
const char *const ob_disclosure_names[] = {"no", "after", "allowed"};
const char *const ob_what_names[] = {"notice_owed", "notice_waiting", "order_review", "told_under_order"};
/* The same, for people. */
static const char *const what_words[] = {
	"the customer notice is owed and no letter is queued: send or record it",
	"the customer notice falls due when the order ends",
	"an order without an end is due for review: challenge or renew it",
	"a customer letter went while an order was in force: review the order (docket order --reviewed)",
};

bool obligation_is_customer_kind(const char *kind)
{
	return strcmp(kind, "advance") == 0 || strcmp(kind, "delayed") == 0;
}

bool obligation_in_force(const struct ob_order *o, int64_t t)
{
	return (!o->issued_at || o->issued_at <= t) && (!o->lifted_at || o->lifted_at > t) &&
	       (o->indefinite || !o->expires_at || o->expires_at > t);
}

int64_t obligation_order_end(const struct ob_order *o)
{
	int64_t expires = o->indefinite ? 0 : o->expires_at;
	if (o->lifted_at && expires)
		return o->lifted_at < expires ? o->lifted_at : expires;
	return o->lifted_at ? o->lifted_at : expires;
}

void obligation_facts_free(struct ob_facts *f)
{
	for (size_t i = 0; i < f->n_letters; i++)
		free(f->letters[i].recipient);
	free(f->letters);
	free(f->orders);
	f->letters = NULL;
	f->orders = NULL;
	f->n_letters = f->n_orders = 0;
}

/* The time of a move into state from the audit trail: the latest (latest true) or the first. The
 * events of any version of docket name it the same way, ["status", from, to] in a moved event. */
static const char move_into_sql[] =
	"SELECT coalesce(max(e.at), 0), coalesce(min(e.at), 0) FROM event AS e, json_each(e.changes) AS j"
	" WHERE e.demand_id = ?1 AND e.action = 'moved' AND j.value ->> 0 = 'status' AND j.value ->> 2 = ?2";

static enum dk_status move_into(struct db *db, int64_t id, const char *state, bool latest, int64_t *at,
				struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, move_into_sql, err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*at = rc == SQLITE_ROW ? sqlite3_column_int64(st, latest ? 0 : 1) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "reading the demand's moves", err);
}

static enum dk_status load_orders(struct db *db, struct ob_facts *f, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT id, reference, coalesce(issued_at, 0), coalesce(expires_at, 0),"
				   " coalesce(lifted_at, 0), created_at, coalesce(reviewed_at, 0), indefinite"
				   " FROM nd_order WHERE demand_id = ?1 ORDER BY id",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!array_reserve(&f->orders, &cap, f->n_orders + 1, sizeof *f->orders, 4)) {
			sqlite3_reset(st);
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		struct ob_order *o = &f->orders[f->n_orders++];
		memset(o, 0, sizeof *o);
		o->id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, o->reference, sizeof o->reference);
		o->issued_at = sqlite3_column_int64(st, 2);
		o->expires_at = sqlite3_column_int64(st, 3);
		o->lifted_at = sqlite3_column_int64(st, 4);
		o->created_at = sqlite3_column_int64(st, 5);
		o->reviewed_at = sqlite3_column_int64(st, 6);
		o->indefinite = sqlite3_column_int(st, 7);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "reading orders", err);
}

static enum dk_status load_letters(struct db *db, struct ob_facts *f, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT id, kind, status, via, coalesce(sent_at, 0), recipient FROM notice"
				   " WHERE demand_id = ?1 ORDER BY id",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!array_reserve(&f->letters, &cap, f->n_letters + 1, sizeof *f->letters, 4)) {
			sqlite3_reset(st);
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		struct ob_letter *l = &f->letters[f->n_letters];
		memset(l, 0, sizeof *l);
		l->id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, l->kind, sizeof l->kind);
		db_col_copy(st, 2, l->status, sizeof l->status);
		db_col_copy(st, 3, l->via, sizeof l->via);
		l->sent_at = sqlite3_column_int64(st, 4);
		if (!(l->recipient = db_col_strdup(st, 5))) {
			sqlite3_reset(st);
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		f->n_letters++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "reading the demand's letters", err);
}

static enum dk_status load(struct db *db, int64_t id, struct ob_facts *f, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT status, coalesce(outcome, ''), instrument, emergency,"
				   " EXISTS (SELECT 1 FROM verification WHERE demand_id = d.id)"
				   " FROM demand AS d WHERE d.id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? dk_fail(err, DK_INVALID, "demand %lld: no such demand", (long long)id)
					 : db_error(db, "reading the demand", err);
	}
	db_col_copy(st, 0, f->status, sizeof f->status);
	db_col_copy(st, 1, f->outcome, sizeof f->outcome);
	db_col_copy(st, 2, f->instrument, sizeof f->instrument);
	f->emergency = sqlite3_column_int(st, 3);
	f->verified = sqlite3_column_int(st, 4);
	sqlite3_reset(st);
	f->wait_days = db_policy(db, "notice_wait_days", 7);
	f->review_days = db_policy(db, "order_review_days", 180);
	enum dk_status s;
	if ((s = move_into(db, id, "notifying", true, &f->notify_at, err)) ||
	    (s = move_into(db, id, "disclosing", false, &f->disclose_at, err)) || (s = load_orders(db, f, err)))
		return s;
	return load_letters(db, f, err);
}

enum dk_status obligation_load(struct db *db, int64_t demand_id, int64_t now, struct ob_facts *f,
			       struct dk_error *err)
{
	memset(f, 0, sizeof *f);
	f->id = demand_id;
	f->now = now;
	/* One read, so that the parts agree with each other. */
	bool own = db->depth == 0;
	if (own)
		sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL);
	enum dk_status s = load(db, demand_id, f, err);
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (s)
		obligation_facts_free(f);
	return s;
}

static void attend(struct obligations *ob, enum ob_what what, int64_t since, const char *order, int64_t notice)
{
	if (ob->n_attention < OB_ATTENTION_MAX)
		ob->attention[ob->n_attention++] = (struct ob_attention){what, since, order, notice};
	if (!ob->watch_at || since < ob->watch_at)
		ob->watch_at = since;
}

static bool letter_pending(const struct ob_letter *l)
{
	return strcmp(l->status, "queued") == 0 || strcmp(l->status, "sending") == 0 ||
	       strcmp(l->status, "failed") == 0;
}

/* The customer notice and what follows from it: contact, R, given, held, waiting or owed. */
static void derive_notice(const struct ob_facts *f, struct obligations *ob)
{
	int64_t held_until = 0;
	bool open_ended = false;
	for (size_t i = 0; i < f->n_orders; i++) {
		const struct ob_order *o = &f->orders[i];
		int64_t end = obligation_order_end(o);
		if (obligation_in_force(o, f->now)) {
			if (!ob->contact_forbidden)
				ob->order_in_force = o->reference;
			ob->contact_forbidden = true;
			if (!end) {
				open_ended = true;
			} else if (end > held_until) {
				held_until = end;
				ob->order_last = o->reference;
			}
		}
		if (end > ob->owed_from)
			ob->owed_from = end;
	}
	if (f->notify_at > ob->owed_from)
		ob->owed_from = f->notify_at;
	ob->wanted = strcmp(f->status, "notifying") == 0 || f->disclose_at;
	ob->kind = f->n_orders && f->disclose_at ? "delayed" : "advance";
	int64_t given = 0;
	for (size_t i = 0; i < f->n_letters; i++) {
		const struct ob_letter *l = &f->letters[i];
		if (!obligation_is_customer_kind(l->kind))
			continue;
		if (letter_pending(l))
			ob->letter_pending = true;
		if (strcmp(l->status, "sent") == 0 && l->sent_at >= ob->owed_from && (!given || l->sent_at < given)) {
			given = l->sent_at;
			ob->given_letter = l->id;
		}
	}
	if (!ob->wanted) {
		ob->notice = OB_NOT_OWED;
	} else if (ob->contact_forbidden) {
		ob->notice = open_ended ? OB_HELD : OB_WAITING;
		ob->notice_from = open_ended ? 0 : held_until;
	} else if (given) {
		ob->notice = OB_GIVEN;
		ob->notice_from = given;
	} else {
		ob->notice = OB_OWED;
		ob->notice_from = ob->owed_from;
	}
	if (ob->notice != OB_GIVEN)
		ob->given_letter = 0;
}

/* A move into disclosing: the guards it would meet from here. */
static void derive_disclosure(const struct ob_facts *f, struct obligations *ob)
{
	int64_t first = 0;
	for (size_t i = 0; f->notify_at && i < f->n_letters; i++) {
		const struct ob_letter *l = &f->letters[i];
		if (obligation_is_customer_kind(l->kind) && strcmp(l->status, "sent") == 0 &&
		    l->sent_at >= f->notify_at && (!first || l->sent_at < first))
			first = l->sent_at;
	}
	ob->notified_since_n = first != 0;
	ob->wait_until = first ? first + f->wait_days * WHEN_DAY : 0;
	ob->wait_over = f->emergency || (first && f->now >= ob->wait_until);
	char *why = ob->disclosure_why;
	size_t n = sizeof ob->disclosure_why;
	ob->disclosure = OB_DISCLOSE_NO;
	bool review = strcmp(f->status, "in_review") == 0, notifying = strcmp(f->status, "notifying") == 0;
	if (!review && !notifying)
		snprintf(why, n, "there is no move into disclosing from %s", f->status);
	else if (!f->verified)
		snprintf(why, n, "the requester's identity is not verified");
	else if (review && !ob->contact_forbidden)
		snprintf(why, n, "no non-disclosure order is in force: the customer must be notified first");
	else if (review || ob->wait_over)
		ob->disclosure = OB_DISCLOSE_ALLOWED;
	else if (!first)
		snprintf(why, n, "the customer has not been notified yet");
	else {
		ob->disclosure = OB_DISCLOSE_AFTER;
		ob->disclose_after = ob->wait_until;
	}
}

static void derive_attention(const struct ob_facts *f, struct obligations *ob)
{
	if (ob->notice == OB_OWED && !ob->letter_pending)
		attend(ob, OB_ATT_NOTICE_OWED, ob->notice_from, NULL, 0);
	if (ob->notice == OB_WAITING)
		attend(ob, OB_ATT_NOTICE_WAITING, ob->notice_from, ob->order_last, 0);
	for (size_t i = 0; i < f->n_orders; i++) {
		const struct ob_order *o = &f->orders[i];
		if (!o->lifted_at && !obligation_order_end(o)) {
			int64_t base = o->reviewed_at ? o->reviewed_at : o->issued_at ? o->issued_at : o->created_at;
			attend(ob, OB_ATT_ORDER_REVIEW, base + f->review_days * WHEN_DAY, o->reference, 0);
		}
		for (size_t j = 0; j < f->n_letters; j++) {
			const struct ob_letter *l = &f->letters[j];
			if (obligation_is_customer_kind(l->kind) && strcmp(l->status, "sent") == 0 &&
			    obligation_in_force(o, l->sent_at) && o->reviewed_at < l->sent_at)
				attend(ob, OB_ATT_TOLD_UNDER_ORDER, l->sent_at, o->reference, l->id);
		}
	}
}

void obligation_derive(const struct ob_facts *f, struct obligations *ob)
{
	memset(ob, 0, sizeof *ob);
	derive_notice(f, ob);
	derive_disclosure(f, ob);
	ob->redirect_wanted = strcmp(f->status, "redirecting") == 0;
	derive_attention(f, ob);
}

static enum dk_status ask_address(struct db *db, const char *sql, int64_t demand_id, const char *address, bool *is,
				  struct dk_error *err)
{
	*is = false;
	if (!address || !*address)
		return DK_OK;
	sqlite3_stmt *st = db_stmt(db, sql, err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*is = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "reading the customers' addresses", err);
}

/* The customer's addresses are the view customer_mailbox, and whether mail reaches one is
 * docket_address_reaches() (schema/0008): the triggers ask the same. */
enum dk_status obligation_customer_address(struct db *db, int64_t demand_id, const char *address, bool *is,
					   struct dk_error *err)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM demand AS d JOIN customer_mailbox AS m ON m.customer_id = d.customer_id"
		" WHERE d.id = ?1 AND docket_address_reaches(?2, m.address, m.whole_domain))";
	return ask_address(db, sql, demand_id, address, is, err);
}

enum dk_status obligation_any_customer_address(struct db *db, const char *address, bool *is, struct dk_error *err)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM customer_mailbox AS m"
				  " WHERE docket_address_reaches(?2, m.address, m.whole_domain))";
	return ask_address(db, sql, 0, address, is, err);
}

enum dk_status obligation_letter_may_go(struct db *db, const struct ob_facts *f, const struct obligations *ob,
					const char *kind, const char *recipient, char *why, size_t n,
					struct dk_error *err)
{
	why[0] = '\0';
	bool customer = obligation_is_customer_kind(kind);
	if (strcmp(kind, "redirect") == 0 && !ob->redirect_wanted) {
		snprintf(why, n, "the demand left redirecting (it is in %s): the requester is no longer redirected",
			 f->status);
		return DK_OK;
	}
	if (customer && ob->contact_forbidden) {
		snprintf(why, n, "a non-disclosure order is in force: the customer may not be told (%s)",
			 ob->order_in_force);
		return DK_OK;
	}
	if (customer && ob->notice == OB_NOT_OWED) {
		snprintf(why, n, "no customer notice is wanted now (the demand is in %s%s%s%s)", f->status,
			 *f->outcome ? ", " : "", f->outcome, "");
		return DK_OK;
	}
	if (customer && ob->notice == OB_GIVEN) {
		snprintf(why, n, "the customer was told already (notice #%lld)", (long long)ob->given_letter);
		return DK_OK;
	}
	if (!ob->contact_forbidden)
		return DK_OK;
	bool is;
	enum dk_status s = obligation_customer_address(db, f->id, recipient, &is, err);
	if (!s && is)
		snprintf(why, n, "a non-disclosure order is in force (%s): nothing may reach the customer, and %s is the customer's address",
			 ob->order_in_force, recipient);
	return s;
}

static enum dk_status cancel(struct db *db, const struct ob_letter *l, const char *why, int64_t now, struct buf *ch,
			     struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "UPDATE notice SET status = 'cancelled', last_error = 'cancelled: ' || ?2,"
				   " next_attempt_at = NULL, version = version + 1, updated_at = ?3"
				   " WHERE id = ?1 AND status IN ('queued', 'failed')",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, l->id);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	enum dk_status s = db_exec_stmt(db, st, "cancelling a letter", err);
	if (!s) {
		char what[64];
		snprintf(what, sizeof what, "#%lld %s", (long long)l->id, l->kind);
		audit_change(ch, "notice", what, "cancelled");
	}
	return s;
}

static enum dk_status store_watch(struct db *db, int64_t id, int64_t watch_at, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE demand SET watch_at = ?2 WHERE id = ?1 AND watch_at IS NOT ?2", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	if (watch_at)
		sqlite3_bind_int64(st, 2, watch_at);
	return db_exec_stmt(db, st, "keeping the demand's obligations", err);
}

static enum dk_status reconcile(struct db *db, struct ob_facts *f, const char *entered, bool queue, struct buf *ch,
				int64_t *queued, struct dk_error *err)
{
	struct obligations ob;
	obligation_derive(f, &ob);
	enum dk_status s = DK_OK;
	bool pending = false;
	for (size_t i = 0; !s && i < f->n_letters; i++) {
		struct ob_letter *l = &f->letters[i];
		if (strcmp(l->status, "queued") != 0 && strcmp(l->status, "failed") != 0) {
			pending |= obligation_is_customer_kind(l->kind) && strcmp(l->status, "sending") == 0;
			continue;
		}
		char why[300];
		if ((s = obligation_letter_may_go(db, f, &ob, l->kind, l->recipient, why, sizeof why, err)))
			break;
		if (*why)
			s = cancel(db, l, why, f->now, ch, err);
		else
			pending |= obligation_is_customer_kind(l->kind);
	}
	if (!s && queue && ob.notice == OB_OWED && !pending) {
		struct notice_queued q;
		if (!(s = notice_queue(db, f->id, ob.kind, ob.owed_from, f->now, &q, err)) && q.id) {
			audit_change(ch, "notice", NULL, q.summary);
			if (queued)
				*queued = q.id;
			/* The letter is pending now: nothing is owed without one. */
			ob.watch_at = 0;
			struct ob_facts again;
			if (!(s = obligation_load(db, f->id, f->now, &again, err))) {
				obligation_entered(&again, entered);
				obligation_derive(&again, &ob);
				obligation_facts_free(&again);
			}
		}
	}
	return s ? s : store_watch(db, f->id, ob.watch_at, err);
}

void obligation_entered(struct ob_facts *f, const char *entered)
{
	if (!entered)
		return;
	if (strcmp(entered, "notifying") == 0)
		f->notify_at = f->now;
	if (strcmp(entered, "disclosing") == 0 && !f->disclose_at)
		f->disclose_at = f->now;
}

enum dk_status obligation_reconcile(struct db *db, int64_t demand_id, int64_t now, const char *entered, bool queue,
				    struct buf *ch, int64_t *queued, struct dk_error *err)
{
	if (queued)
		*queued = 0;
	struct ob_facts f;
	enum dk_status s = obligation_load(db, demand_id, now, &f, err);
	if (s)
		return s;
	obligation_entered(&f, entered);
	s = reconcile(db, &f, entered, queue, ch, queued, err);
	obligation_facts_free(&f);
	return s;
}

enum dk_status obligation_refresh(struct db *db, int64_t demand_id, int64_t now, struct dk_error *err)
{
	struct ob_facts f;
	enum dk_status s = obligation_load(db, demand_id, now, &f, err);
	if (s)
		return s;
	struct obligations ob;
	obligation_derive(&f, &ob);
	obligation_facts_free(&f);
	return store_watch(db, demand_id, ob.watch_at, err);
}

struct held_item {
	struct ob_item it;
	char order[TEXT_SHORT_MAX + 1];
};

static int item_cmp(const void *a, const void *b)
{
	const struct ob_item *x = &((const struct held_item *)a)->it, *y = &((const struct held_item *)b)->it;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	if (x->demand_id != y->demand_id)
		return x->demand_id < y->demand_id ? -1 : 1;
	return (int)x->what - (int)y->what;
}

enum dk_status obligation_watched(struct db *db, int64_t upto, int64_t **ids, size_t *n, struct dk_error *err)
{
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(
		db, "SELECT id FROM demand WHERE watch_at IS NOT NULL AND watch_at <= ?1 ORDER BY watch_at, id", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, upto);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!array_reserve(ids, &cap, *n + 1, sizeof **ids, 16)) {
			sqlite3_reset(st);
			free(*ids);
			*ids = NULL;
			*n = 0;
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "reading demands", err);
}

enum dk_status obligation_attention(struct db *db, int64_t now, int64_t before, int (*fn)(const struct ob_item *, void *),
				    void *ctx, struct dk_error *err)
{
	int64_t *ids;
	size_t n;
	enum dk_status s = obligation_watched(db, before - 1, &ids, &n, err);
	struct held_item *items = NULL;
	size_t ni = 0, capi = 0;
	for (size_t i = 0; !s && i < n; i++) {
		struct ob_facts f;
		if ((s = obligation_load(db, ids[i], now, &f, err)))
			break;
		struct obligations ob;
		obligation_derive(&f, &ob);
		for (size_t k = 0; !s && k < ob.n_attention; k++) {
			const struct ob_attention *a = &ob.attention[k];
			if (a->since >= before)
				continue;
			if (!array_reserve(&items, &capi, ni + 1, sizeof *items, 16)) {
				s = dk_fail(err, DK_STORAGE, "out of memory");
				break;
			}
			struct held_item *h = &items[ni++];
			snprintf(h->order, sizeof h->order, "%s", a->order ? a->order : "");
			h->it = (struct ob_item){ids[i], a->what, a->since, NULL};
		}
		obligation_facts_free(&f);
	}
	free(ids);
	if (!s && ni)
		qsort(items, ni, sizeof *items, item_cmp);
	for (size_t i = 0; !s && i < ni; i++) {
		items[i].it.order = items[i].order[0] ? items[i].order : NULL;
		if (fn(&items[i].it, ctx))
			break;
	}
	free(items);
	return s;
}

void obligation_describe(const struct obligations *ob, int64_t now, void (*line)(const char *text, void *ctx),
			 void *ctx)
{
	char text[600], a[32];
	when_format(ob->notice_from, a, sizeof a);
	switch (ob->notice) {
	case OB_NOT_OWED: snprintf(text, sizeof text, "customer notice: not owed"); break;
	case OB_GIVEN: snprintf(text, sizeof text, "customer notice: given %s", a); break;
	case OB_HELD:
		snprintf(text, sizeof text, "customer notice: held while order %s is in force (it has no end)",
			 ob->order_in_force);
		break;
	case OB_WAITING: snprintf(text, sizeof text, "customer notice: waiting: owed from %s, as the orders end", a); break;
	case OB_OWED:
		snprintf(text, sizeof text, "customer notice: OWED since %s%s", a,
			 ob->letter_pending ? " (a letter is in the outbox)" : "");
		break;
	}
	line(text, ctx);
	if (ob->contact_forbidden) {
		snprintf(text, sizeof text, "contact: FORBIDDEN: order %s is in force: nothing may reach the customer",
			 ob->order_in_force);
		line(text, ctx);
	}
	if (ob->disclosure == OB_DISCLOSE_ALLOWED) {
		snprintf(text, sizeof text, "disclosure: allowed (an attorney's decision)");
	} else if (ob->disclosure == OB_DISCLOSE_AFTER) {
		when_format(ob->disclose_after, a, sizeof a);
		snprintf(text, sizeof text, "disclosure: not before %s", a);
	} else {
		snprintf(text, sizeof text, "disclosure: no: %s", ob->disclosure_why);
	}
	line(text, ctx);
	for (size_t i = 0; i < ob->n_attention; i++) {
		const struct ob_attention *at = &ob->attention[i];
		char rel[32];
		when_relative(at->since, now, rel, sizeof rel);
		snprintf(text, sizeof text, "needs attention %s%s%s%s: %s", rel, at->order ? " (order " : "",
			 at->order ? at->order : "", at->order ? ")" : "", what_words[at->what]);
		line(text, ctx);
	}
}
