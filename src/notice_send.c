/* notice_send.c: `docket outbox send`: one sender at a time, each letter checked against the
 * non-disclosure orders as its send begins, marked sent only once the server took it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "mail.h"
#include "notice.h"
#include "notice_internal.h"
#include "text.h"
#include "when.h"

/* How long a second sender waits for the first to finish. */
#define LOCK_WAIT_MS 30000

/* The lock that makes this process the only sender: a file beside the database, held with
 * flock() until the process ends (or dies: the kernel lets go of it then). */
static enum dk_status take_lock(struct db *db, int *fd, struct dk_error *err)
{
	struct buf path;
	buf_init(&path);
	buf_printf(&path, "%s-outbox.lock", db_path(db));
	if (path.oom)
		return dk_fail(err, DK_STORAGE, "out of memory");
	*fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		dk_fail(err, DK_STORAGE, "%s: %s", path.data, strerror(errno));
		buf_free(&path);
		return DK_STORAGE;
	}
	for (int waited = 0;; waited += 100) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			dk_fail(err, errno == EWOULDBLOCK ? DK_REFUSED : DK_STORAGE, "%s: %s", path.data,
				errno == EWOULDBLOCK ? "another docket is sending the outbox" : strerror(errno));
			close(*fd);
			*fd = -1;
			buf_free(&path);
			return err ? err->status : DK_STORAGE;
		}
		usleep(100 * 1000);
	}
	buf_free(&path);
	return DK_OK;
}

/* Set by requeue_interrupted() as the letter's last error: the mark of a letter that may already
 * have been delivered, which check() reads when the letter may no longer go. */
#define INTERRUPTED "interrupted while sending; it may have been delivered"

/* With the lock held, a notice still "sending" belongs to a sender that died: its message may or
 * may not have reached the server. It goes back in the queue and is sent again, with its
 * Message-ID, which is what makes the delivery at least once. */
static enum dk_status requeue_interrupted(struct db *db, struct dk_error *err)
{
	enum dk_status s = db_begin(db, err);
	if (s)
		return s;
	sqlite3_stmt *st =
		db_stmt(db,
			"UPDATE notice SET status = 'queued', next_attempt_at = NULL, version = version + 1,"
			" last_error = '" INTERRUPTED ": sent again with the same Message-ID'"
			" WHERE status = 'sending'",
			err);
	if (!st)
		s = DK_STORAGE;
	else
		s = db_exec_stmt(db, st, "requeueing interrupted sends", err);
	return db_end(db, s, err);
}

/* The ids to try, in order: those due (or just the one asked for). */
static enum dk_status due_ids(struct db *db, const struct notice_send_options *o, int64_t now, int64_t **ids, size_t *n,
			      struct dk_error *err)
{
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT id FROM notice WHERE status = 'queued' AND via = 'smtp'"
				   " AND (?1 <> 0 AND id = ?1 OR ?1 = 0 AND coalesce(next_attempt_at, 0) <= ?2)"
				   " ORDER BY coalesce(next_attempt_at, 0), id LIMIT ?3",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, o->only);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, o->limit > 0 ? o->limit : -1);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!array_reserve(ids, &cap, *n + 1, sizeof **ids, 64)) {
			sqlite3_reset(st);
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "reading the outbox", err);
}

struct run {
	struct db *db;
	const struct acting *by;
	const struct notice_send_options *o;
	struct notice_send_report *rep;
	struct smtp *smtp;
	struct buf msg;
};

static void report(struct run *r, const struct notice *n, enum notice_result res, const char *detail, int64_t next)
{
	switch (res) {
	case NOTICE_SENT: r->rep->sent++; break;
	case NOTICE_DEFERRED: r->rep->deferred++; break;
	case NOTICE_FAILED: r->rep->failed++; break;
	case NOTICE_REFUSED: r->rep->refused++; break;
	case NOTICE_WOULD_SEND: r->rep->would_send++; break;
	}
	if (!r->o->each)
		return;
	struct notice_outcome out = {n->id, n->demand_id, n->kind, n->recipient, res, detail, next};
	r->o->each(&out, r->o->ctx);
}

/* Ends the notice's attempts, with an event saying why, inside the caller's transaction: failed
 * (a person looks at it), or cancelled when it may no longer go (the obligations then act: a
 * notice owed later, when an order ends, is queued then). */
static enum dk_status end_notice(struct run *r, const struct notice *n, bool cancel, const char *why, int64_t now,
				 struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(r->db,
				   "UPDATE notice SET status = ?4, last_error = CASE ?4 WHEN 'cancelled' THEN 'cancelled: '"
				   " ELSE '' END || ?2, next_attempt_at = NULL, version = version + 1, updated_at = ?3"
				   " WHERE id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	const char *status = cancel ? "cancelled" : "failed";
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
	enum dk_status s = db_exec_stmt(r->db, st, cancel ? "cancelling the letter" : "recording the failure", err);
	if (s)
		return s;
	struct buf ch;
	buf_init(&ch);
	char what[32];
	snprintf(what, sizeof what, "#%lld %s", (long long)n->id, n->kind);
	audit_change(&ch, "notice", what, status);
	if (*n->recipient)
		audit_change(&ch, "to", NULL, n->recipient);
	if (cancel && n->demand_id &&
	    (s = obligation_reconcile(r->db, n->demand_id, now, NULL, false, &ch, NULL, err))) {
		buf_free(&ch);
		return s;
	}
	return notice_log(r->db, r->by, n->demand_id, cancel ? "notice_refused" : "notice_failed", &ch, why, now,
			  err);
}

/* What a claim decided, to be reported once its transaction is committed. */
struct decision {
	enum { SKIP, GO, STOPPED } what;
	enum notice_result result; /* when STOPPED: refused or failed */
	char why[DK_ERROR_MAX + 200];
};

/* The letter's message into r->msg, and whether it may leave: the demand's obligations let it
 * (obligation.h: nothing to the customer under an order, a redirect letter only in redirecting, a
 * customer letter only while owed; a digest to no customer) and a message that could be built.
 * Reads only. */
static enum dk_status check(struct run *r, const struct notice *n, int64_t now, struct decision *d,
			    struct dk_error *err)
{
	const struct smtp_config *c = r->o->cfg;
	struct mail_message m = {
		.from_name = c && c->from_name ? c->from_name : "",
		.from_addr = c && c->from_addr ? c->from_addr : "docket@docket.invalid",
		.to_name = n->recipient_name,
		.to_addr = n->recipient,
		.subject = n->subject,
		.body = n->body,
		.message_id = n->message_id,
		.date = n->created_at,
		.auto_generated = strcmp(n->kind, "digest") == 0,
	};
	struct dk_error bad = {0};
	buf_reset(&r->msg);
	enum dk_status built = mail_build(&m, &r->msg, &bad);
	char why[300];
	struct notice_judged j;
	enum dk_status s = notice_judge(r->db, n, now, &j, err);
	if (!s)
		s = notice_why_not(r->db, n, &j, n->recipient, why, sizeof why, err);
	notice_judged_free(&j);
	if (s)
		return s;
	d->what = GO;
	if (*why) {
		d->what = STOPPED;
		d->result = NOTICE_REFUSED;
		/* An earlier attempt may have reached the server before it was cut off: the record
		 * must not say that nothing was sent. */
		bool maybe = n->last_error && strncmp(n->last_error, INTERRUPTED, strlen(INTERRUPTED)) == 0;
		snprintf(d->why, sizeof d->why, "%s: %s",
			 maybe ? "refused, not sent again (an earlier attempt was interrupted and may have been"
				 " delivered: see the mail server's log)"
			       : "refused, nothing was sent",
			 why);
	} else if (built) {
		d->what = STOPPED;
		d->result = NOTICE_FAILED;
		snprintf(d->why, sizeof d->why, "cannot build the message: %s", bad.msg);
	}
	return DK_OK;
}

/* Inside the caller's transaction, immediately before the message leaves: the order check again
 * (an order may have been recorded since the letter was queued), then the move to sending, which
 * the trigger checks once more. A letter someone changed meanwhile is skipped. */
static enum dk_status claim(struct run *r, const struct notice *n, struct decision *d, struct dk_error *err)
{
	int64_t now = when_now();
	sqlite3_stmt *st =
		db_stmt(r->db, "SELECT 1 FROM notice WHERE id = ?1 AND version = ?2 AND status = 'queued'", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, n->version);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	d->what = SKIP;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? DK_OK : db_error(r->db, "reading the notice", err);
	enum dk_status s = check(r, n, now, d, err);
	if (s)
		return s;
	if (d->what == STOPPED)
		return end_notice(r, n, d->result == NOTICE_REFUSED, d->why, now, err);
	st = db_stmt(r->db,
		     "UPDATE notice SET status = 'sending', attempts = attempts + 1, version = version + 1,"
		     " updated_at = ?2 WHERE id = ?1",
		     err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, now);
	return db_exec_stmt(r->db, st, "starting to send", err);
}

/* A letter the server has answered for, waiting to be recorded. */
struct answered {
	struct notice *n;
	enum smtp_result res;
	char reply[600];
	/* Filled when recorded, for the report. */
	enum notice_result out;
	char why[700];
	int64_t next;
};

/* Records what the server said, inside the caller's transaction. */
static enum dk_status record(struct run *r, struct answered *a, struct dk_error *err)
{
	const struct notice *n = a->n;
	int64_t now = when_now();
	int64_t attempts = n->attempts + 1;
	const struct smtp_config *c = r->o->cfg;
	enum dk_status s;
	a->next = 0;
	snprintf(a->why, sizeof a->why, "%s", a->reply);
	if (a->res == SMTP_SENT) {
		a->out = NOTICE_SENT;
		sqlite3_stmt *st =
			db_stmt(r->db,
				"UPDATE notice SET status = 'sent', sent_at = ?2, last_error = '',"
				" next_attempt_at = NULL, version = version + 1, updated_at = ?2 WHERE id = ?1",
				err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_int64(st, 1, n->id);
		sqlite3_bind_int64(st, 2, now);
		if ((s = db_exec_stmt(r->db, st, "recording the delivery", err)))
			return s;
		char when[32], what[32];
		when_format(now, when, sizeof when);
		snprintf(what, sizeof what, "#%lld", (long long)n->id);
		struct buf ch;
		buf_init(&ch);
		bool customer = obligation_is_customer_kind(n->kind);
		audit_change(&ch, customer ? "customer_notice" : "letter", NULL, n->kind);
		audit_change(&ch, "via", NULL, "smtp");
		audit_change(&ch, "sent", NULL, when);
		audit_change(&ch, "notice", NULL, what);
		audit_change(&ch, "to", NULL, n->recipient);
		audit_change(&ch, "message_id", NULL, n->message_id);
		/* The customer is told: any other customer letter waiting goes; and a notice recorded as
		 * sent inside an order's term (recorded while it was on its way) is listed for a person. */
		if (n->demand_id && (s = obligation_reconcile(r->db, n->demand_id, now, NULL, false, &ch, NULL, err))) {
			buf_free(&ch);
			return s;
		}
		return notice_log(r->db, r->by, n->demand_id,
				  customer                           ? "notice_sent"
				  : strcmp(n->kind, "redirect") == 0 ? "letter_sent"
								     : "digest_sent",
				  &ch, a->reply, now, err);
	}
	if (a->res == SMTP_PERMANENT || attempts >= c->max_attempts) {
		a->out = NOTICE_FAILED;
		if (a->res != SMTP_PERMANENT)
			snprintf(a->why, sizeof a->why, "gave up after %lld attempt%s: %s", (long long)attempts,
				 attempts == 1 ? "" : "s", a->reply);
		return end_notice(r, n, false, a->why, now, err);
	}
	a->out = NOTICE_DEFERRED;
	a->next = now + smtp_backoff(c, attempts);
	sqlite3_stmt *st = db_stmt(r->db,
				   "UPDATE notice SET status = 'queued', last_error = ?2, next_attempt_at = ?3,"
				   " version = version + 1, updated_at = ?4 WHERE id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_text(st, 2, a->reply, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->next);
	sqlite3_bind_int64(st, 4, now);
	return db_exec_stmt(r->db, st, "recording the failure", err);
}

/* One transaction that records the last letter's answer (when there is one) and claims the next
 * (when there is one): a commit, so a sync to disk, per letter rather than two. Every state is
 * still committed before the network is touched again, so a crash loses nothing. */
static enum dk_status step(struct run *r, struct answered *prev, const struct notice *next, struct decision *d,
			   struct dk_error *err)
{
	enum dk_status s = db_begin(r->db, err);
	if (s)
		return s;
	if (prev->n)
		s = record(r, prev, err);
	if (!s && next)
		s = claim(r, next, d, err);
	if (s) {
		db_rollback(r->db);
		return s;
	}
	if ((s = db_commit(r->db, err)))
		return s;
	if (prev->n) {
		report(r, prev->n, prev->out, prev->why, prev->next);
		notice_free(&prev->n);
	}
	if (next && d->what == STOPPED)
		report(r, next, d->result, d->why, 0);
	return DK_OK;
}

static enum dk_status send_all(struct run *r, const int64_t *ids, size_t n, struct dk_error *err)
{
	struct answered prev = {0};
	enum dk_status s = DK_OK;
	for (size_t i = 0; !s && i < n; i++) {
		struct notice *cur = NULL;
		if ((s = notice_get(r->db, ids[i], &cur, err)))
			break;
		struct decision d = {0};
		if (strcmp(cur->status, "queued") != 0) {
			notice_free(&cur);
			continue;
		}
		if (r->o->dry_run) {
			s = check(r, cur, when_now(), &d, err);
			if (!s)
				report(r, cur, d.what == STOPPED ? d.result : NOTICE_WOULD_SEND,
				       d.what == STOPPED ? d.why : "", 0);
			notice_free(&cur);
			continue;
		}
		if (!(s = step(r, &prev, cur, &d, err)) && d.what == GO && !r->smtp)
			s = smtp_open(r->o->cfg, &r->smtp, err);
		if (!s && d.what == GO) {
			prev.res = smtp_send(r->smtp, cur->recipient, r->msg.data, r->msg.len, prev.reply,
					     sizeof prev.reply);
			prev.n = cur;
			cur = NULL;
		}
		notice_free(&cur);
	}
	if (prev.n) {
		/* Record the last answer even when the run stops on an error. */
		struct dk_error e2 = {0};
		enum dk_status s2 = step(r, &prev, NULL, NULL, s ? &e2 : err);
		if (!s)
			s = s2;
		notice_free(&prev.n);
	}
	return s;
}

enum dk_status notice_send(struct db *db, const struct acting *by, const struct notice_send_options *o,
			   struct notice_send_report *rep, struct dk_error *err)
{
	memset(rep, 0, sizeof *rep);
	enum dk_status s;
	if ((s = staff_may(db, by, "send", NULL, err)))
		return s;
	if (!o->dry_run && (s = smtp_config_check(o->cfg, err)))
		return s;
	int lock = -1;
	if (!o->dry_run && ((s = take_lock(db, &lock, err)) || (s = requeue_interrupted(db, err)))) {
		if (lock >= 0)
			close(lock);
		return s;
	}
	int64_t *ids = NULL;
	size_t n = 0;
	struct run r = {.db = db, .by = by, .o = o, .rep = rep};
	buf_init(&r.msg);
	s = due_ids(db, o, when_now(), &ids, &n, err);
	if (!s)
		s = send_all(&r, ids, n, err);
	free(ids);
	buf_free(&r.msg);
	smtp_close(&r.smtp);
	if (lock >= 0)
		close(lock);
	return s;
}
