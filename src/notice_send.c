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
			" last_error = 'interrupted while sending; it may have been delivered: sent again with"
			" the same Message-ID'"
			" WHERE status = 'sending'",
			err);
	if (!st)
		s = DK_STORAGE;
	else
		s = db_exec_stmt(db, st, "requeueing interrupted sends", err);
	if (s) {
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
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
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *p = realloc(*ids, cap * sizeof *p);
			if (!p) {
				sqlite3_reset(st);
				return dk_fail(err, DK_STORAGE, "out of memory");
			}
			*ids = p;
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

/* Marks the notice failed, with an event saying why. Inside the caller's transaction. */
static enum dk_status fail_notice(struct run *r, const struct notice *n, const char *action, const char *why,
				  int64_t now, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(r->db,
				   "UPDATE notice SET status = 'failed', last_error = ?2, next_attempt_at = NULL,"
				   " version = version + 1, updated_at = ?3 WHERE id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	enum dk_status s = db_exec_stmt(r->db, st, "recording the failure", err);
	if (s)
		return s;
	struct buf ch;
	buf_init(&ch);
	char what[32];
	snprintf(what, sizeof what, "#%lld %s", (long long)n->id, n->kind);
	audit_change(&ch, "notice", what, "failed");
	if (*n->recipient)
		audit_change(&ch, "to", NULL, n->recipient);
	return notice_log(r->db, r->by, n->demand_id, action, &ch, why, now, err);
}

/* Builds the message, then in one transaction: the order check, and the move to sending that the
 * trigger checks again. Returns DK_OK with *go set when the message may leave now. */
static enum dk_status begin_send(struct run *r, const struct notice *n, bool *go, struct dk_error *err)
{
	*go = false;
	int64_t now = when_now();
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
	char order[TEXT_SHORT_MAX + 1] = "";
	enum dk_status s = DK_OK;
	if (notice_is_customer(n->kind) &&
	    (s = notice_order_in_force(r->db, n->demand_id, now, order, sizeof order, err)))
		return s;
	char why[DK_ERROR_MAX + 100];
	if (*order)
		snprintf(why, sizeof why,
			 "refused: a non-disclosure order (%s) on demand %lld is in force; the customer may not be "
			 "told, "
			 "and nothing was sent",
			 order, (long long)n->demand_id);
	else if (built)
		snprintf(why, sizeof why, "cannot build the message: %s", bad.msg);
	if (r->o->dry_run) {
		if (*order)
			report(r, n, NOTICE_REFUSED, why, 0);
		else if (built)
			report(r, n, NOTICE_FAILED, why, 0);
		else
			report(r, n, NOTICE_WOULD_SEND, "", 0);
		return DK_OK;
	}
	if ((s = db_begin(r->db, err)))
		return s;
	/* Someone may have edited, cancelled or sent it since it was read. */
	sqlite3_stmt *st =
		db_stmt(r->db, "SELECT 1 FROM notice WHERE id = ?1 AND version = ?2 AND status = 'queued'", err);
	if (!st) {
		db_rollback(r->db);
		return DK_STORAGE;
	}
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, n->version);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		db_rollback(r->db);
		return rc == SQLITE_DONE ? DK_OK : db_error(r->db, "reading the notice", err);
	}
	if (*order || built) {
		if ((s = fail_notice(r, n, *order ? "notice_refused" : "notice_failed", why, now, err))) {
			db_rollback(r->db);
			return s;
		}
		if ((s = db_commit(r->db, err)))
			return s;
		report(r, n, *order ? NOTICE_REFUSED : NOTICE_FAILED, why, 0);
		return DK_OK;
	}
	st = db_stmt(r->db,
		     "UPDATE notice SET status = 'sending', attempts = attempts + 1, version = version + 1,"
		     " updated_at = ?2 WHERE id = ?1",
		     err);
	if (!st) {
		db_rollback(r->db);
		return DK_STORAGE;
	}
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, now);
	if ((s = db_exec_stmt(r->db, st, "starting to send", err))) {
		db_rollback(r->db);
		return s;
	}
	if ((s = db_commit(r->db, err)))
		return s;
	*go = true;
	return DK_OK;
}

/* Records what the server said, in one transaction. */
static enum dk_status finish_send(struct run *r, const struct notice *n, enum smtp_result res, const char *reply,
				  struct dk_error *err)
{
	int64_t now = when_now();
	int64_t attempts = n->attempts + 1;
	const struct smtp_config *c = r->o->cfg;
	enum dk_status s = db_begin(r->db, err);
	if (s)
		return s;
	enum notice_result out;
	int64_t next = 0;
	char why[700];
	if (res == SMTP_SENT) {
		out = NOTICE_SENT;
		sqlite3_stmt *st =
			db_stmt(r->db,
				"UPDATE notice SET status = 'sent', sent_at = ?2, last_error = '',"
				" next_attempt_at = NULL, version = version + 1, updated_at = ?2 WHERE id = ?1",
				err);
		if (!st)
			s = DK_STORAGE;
		else {
			sqlite3_bind_int64(st, 1, n->id);
			sqlite3_bind_int64(st, 2, now);
			s = db_exec_stmt(r->db, st, "recording the delivery", err);
		}
		if (!s) {
			char when[32], what[32];
			when_format(now, when, sizeof when);
			snprintf(what, sizeof what, "#%lld", (long long)n->id);
			struct buf ch;
			buf_init(&ch);
			bool customer = notice_is_customer(n->kind);
			audit_change(&ch, customer ? "customer_notice" : "letter", NULL, n->kind);
			audit_change(&ch, "via", NULL, "smtp");
			audit_change(&ch, "sent", NULL, when);
			audit_change(&ch, "notice", NULL, what);
			audit_change(&ch, "to", NULL, n->recipient);
			audit_change(&ch, "message_id", NULL, n->message_id);
			s = notice_log(r->db, r->by, n->demand_id,
				       customer                           ? "notice_sent"
				       : strcmp(n->kind, "redirect") == 0 ? "letter_sent"
									  : "digest_sent",
				       &ch, reply, now, err);
		}
	} else if (res == SMTP_PERMANENT || attempts >= c->max_attempts) {
		out = NOTICE_FAILED;
		if (res == SMTP_PERMANENT)
			snprintf(why, sizeof why, "%s", reply);
		else
			snprintf(why, sizeof why, "gave up after %lld attempts: %s", (long long)attempts, reply);
		s = fail_notice(r, n, "notice_failed", why, now, err);
	} else {
		out = NOTICE_DEFERRED;
		next = now + smtp_backoff(c, attempts);
		sqlite3_stmt *st = db_stmt(r->db,
					   "UPDATE notice SET status = 'queued', last_error = ?2, next_attempt_at = ?3,"
					   " version = version + 1, updated_at = ?4 WHERE id = ?1",
					   err);
		if (!st)
			s = DK_STORAGE;
		else {
			sqlite3_bind_int64(st, 1, n->id);
			sqlite3_bind_text(st, 2, reply, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, next);
			sqlite3_bind_int64(st, 4, now);
			s = db_exec_stmt(r->db, st, "recording the failure", err);
		}
	}
	if (s) {
		db_rollback(r->db);
		return s;
	}
	if ((s = db_commit(r->db, err)))
		return s;
	report(r, n, out, out == NOTICE_FAILED ? why : reply, next);
	return DK_OK;
}

static enum dk_status send_one(struct run *r, int64_t id, struct dk_error *err)
{
	struct notice *n = NULL;
	enum dk_status s = notice_get(r->db, id, &n, err);
	if (s)
		return s;
	bool go = false;
	if (strcmp(n->status, "queued") == 0)
		s = begin_send(r, n, &go, err);
	if (!s && go && !r->smtp)
		s = smtp_open(r->o->cfg, &r->smtp, err);
	if (!s && go) {
		char reply[600];
		enum smtp_result res = smtp_send(r->smtp, n->recipient, r->msg.data, r->msg.len, reply, sizeof reply);
		s = finish_send(r, n, res, reply, err);
	}
	notice_free(&n);
	return s;
}

enum dk_status notice_send(struct db *db, const struct acting *by, const struct notice_send_options *o,
			   struct notice_send_report *rep, struct dk_error *err)
{
	memset(rep, 0, sizeof *rep);
	enum dk_status s;
	if (by->role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "%s may not send letters", by->actor);
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
	for (size_t i = 0; !s && i < n; i++)
		s = send_one(&r, ids[i], err);
	free(ids);
	buf_free(&r.msg);
	smtp_close(&r.smtp);
	if (lock >= 0)
		close(lock);
	return s;
}
