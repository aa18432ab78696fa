/* staff.c: staff members, roles, and checking who may write. */
#include "staff.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "db_internal.h"
#include "text.h"
#include "when.h"

static const char *const role_names[] = {"", "intake", "attorney", "admin"};

const char *staff_os_login(void)
{
	static char login[STAFF_LOGIN_MAX + 1];
	if (!login[0]) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_name)
			snprintf(login, sizeof login, "%s", pw->pw_name);
		else
			snprintf(login, sizeof login, "uid%ld", (long)getuid());
	}
	return login;
}

const char *staff_role_name(enum staff_role r)
{
	return r >= STAFF_INTAKE && r <= STAFF_ADMIN ? role_names[r] : "none";
}

enum staff_role staff_role_parse(const char *s)
{
	for (int r = STAFF_INTAKE; r <= STAFF_ADMIN; r++)
		if (s && strcmp(s, role_names[r]) == 0)
			return (enum staff_role)r;
	return STAFF_NONE;
}

/* The role of an active staff member, STAFF_NONE when not staff or inactive. */
static enum dk_status role_of(struct db *db, const char *login, enum staff_role *role, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT role FROM staff WHERE login = ?1 AND active = 1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*role = rc == SQLITE_ROW ? staff_role_parse((const char *)sqlite3_column_text(st, 0)) : STAFF_NONE;
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "reading staff", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status staff_resolve(struct db *db, const struct actor *who, struct acting *out, struct dk_error *err)
{
	memset(out, 0, sizeof *out);
	if (!who->login || !*who->login || strlen(who->login) > STAFF_LOGIN_MAX)
		return dk_fail(err, DK_REFUSED, "no usable login to act as");
	enum staff_role role;
	enum dk_status s = role_of(db, who->login, &role, err);
	if (s)
		return s;
	if (role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED,
			       "%s is not active staff in this database: reading only (an admin can run `docket staff "
			       "add %s`)",
			       who->login, who->login);
	snprintf(out->login, sizeof out->login, "%s", who->login);
	if (!who->as || !*who->as || strcmp(who->as, who->login) == 0) {
		snprintf(out->actor, sizeof out->actor, "%s", who->login);
		out->role = role;
		return DK_OK;
	}
	bool may;
	if ((s = staff_permits(db, role, "act_for", &may, NULL, 0, err)))
		return s;
	if (!may)
		return dk_fail(err, DK_REFUSED, "%s may not act for %s: only an admin may use --actor", who->login,
			       who->as);
	if (strlen(who->as) > STAFF_LOGIN_MAX)
		return dk_fail(err, DK_INVALID, "--actor: login too long");
	enum staff_role as_role;
	if ((s = role_of(db, who->as, &as_role, err)))
		return s;
	if (as_role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "--actor %s: not active staff", who->as);
	snprintf(out->actor, sizeof out->actor, "%s", who->as);
	out->role = as_role;
	return DK_OK;
}

/* Roles in the order they are listed. */
#define ROLE_ORDER "CASE role WHEN 'intake' THEN 1 WHEN 'attorney' THEN 2 ELSE 3 END"

enum dk_status staff_permits(struct db *db, enum staff_role role, const char *action, bool *ok, char *roles, size_t n,
			     struct dk_error *err)
{
	*ok = false;
	sqlite3_stmt *st = db_stmt(db, "SELECT role FROM permission WHERE action = ?1 ORDER BY " ROLE_ORDER, err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	const char *names[3];
	char store[3][16];
	int k = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (role != STAFF_NONE && r && strcmp(r, staff_role_name(role)) == 0)
			*ok = true;
		if (k < 3) {
			snprintf(store[k], sizeof store[k], "%s", r ? r : "");
			names[k] = store[k];
			k++;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "reading who may do what", err);
	if (roles && n) {
		if (k == 0)
			snprintf(roles, n, "nobody");
		else if (k == 1)
			snprintf(roles, n, "%s %s", strcmp(names[0], "intake") == 0 ? "intake" : names[0][0] == 'a' ? "an" : "a",
				 strcmp(names[0], "intake") == 0 ? "staff" : names[0]);
		else if (k == 2)
			snprintf(roles, n, "%s or %s staff", names[0], names[1]);
		else
			snprintf(roles, n, "%s, %s or %s staff", names[0], names[1], names[2]);
	}
	return DK_OK;
}

enum dk_status staff_current(struct db *db, const struct acting *by, struct acting *now, struct dk_error *err)
{
	return staff_resolve(db, &(struct actor){.login = by->login, .as = by->actor}, now, err);
}

enum dk_status staff_may(struct db *db, const struct acting *by, const char *action, const char *subject,
			 struct dk_error *err)
{
	if (by->role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "%s%s%s is not active staff: reading only", subject ? subject : "",
			       subject ? ": " : "", by->actor);
	struct acting now;
	enum dk_status s = staff_current(db, by, &now, err);
	if (s)
		return s;
	bool ok;
	char roles[64];
	s = staff_permits(db, now.role, action, &ok, roles, sizeof roles, err);
	if (s || ok)
		return s;
	char label[80] = "";
	sqlite3_stmt *st = db_stmt(db, "SELECT label FROM action WHERE name = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(label, sizeof label, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return dk_fail(err, DK_REFUSED, "%s%s%s is for %s (%s is %s)", subject ? subject : "", subject ? ": " : "",
		       *label ? label : action, roles, by->actor, staff_role_name(now.role));
}

enum dk_status staff_actions(struct db *db, int (*fn)(const struct staff_action *, void *), void *ctx,
			     struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT a.name, a.label, coalesce((SELECT group_concat(role, ' ') FROM (SELECT role"
				   " FROM permission AS p WHERE p.action = a.name ORDER BY " ROLE_ORDER ")), '')"
				   " FROM action AS a ORDER BY a.rowid",
				   err);
	if (!st)
		return DK_STORAGE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct staff_action a = {
			.action = (const char *)sqlite3_column_text(st, 0),
			.label = (const char *)sqlite3_column_text(st, 1),
			.roles = (const char *)sqlite3_column_text(st, 2),
		};
		if (fn(&a, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "reading who may do what", err);
	sqlite3_reset(st);
	return s;
}

static enum dk_status check_login(const char *login, struct dk_error *err)
{
	enum dk_status s = text_check("login", login, STAFF_LOGIN_MAX, false, true, err);
	if (s)
		return s;
	for (const char *p = login; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return dk_fail(err, DK_INVALID, "login: \"%s\" may hold only letters, digits, '.', '-' and '_'",
				       login);
	return DK_OK;
}

static enum dk_status insert_staff(struct db *db, const struct acting *by, const char *login, const char *name,
				   enum staff_role role, struct dk_error *err)
{
	int64_t now = when_now();
	sqlite3_stmt *st =
		db_stmt(db, "INSERT INTO staff (login, name, role, created_at) VALUES (?1, ?2, ?3, ?4)", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	enum dk_status s = db_exec_stmt(db, st, "adding staff", err);
	if (s == DK_REFUSED)
		return dk_fail(err, DK_REFUSED, "staff %s already exists", login);
	if (s)
		return s;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "login", NULL, login);
	audit_change(&ch, "name", NULL, name);
	audit_change(&ch, "role", NULL, staff_role_name(role));
	audit_changes_end(&ch);
	s = ch.oom ? dk_fail(err, DK_STORAGE, "out of memory")
		   : audit_append(db, 0, by, "staff_added", ch.data, "", now, err);
	buf_free(&ch);
	return s;
}

enum dk_status staff_add(struct db *db, const struct acting *by, const char *login, const char *name, const char *role,
			 struct dk_error *err)
{
	enum dk_status s;
	if ((s = check_login(login, err)) || (s = text_check("name", name, TEXT_SHORT_MAX, false, true, err)))
		return s;
	enum staff_role r = staff_role_parse(role);
	if (r == STAFF_NONE)
		return dk_fail(err, DK_INVALID, "role: \"%s\" is not one of intake, attorney, admin", role ? role : "");
	if ((s = staff_may(db, by, "staff", NULL, err)))
		return s;
	if ((s = db_begin(db, err)))
		return s;
	s = insert_staff(db, by, login, name, r, err);
	return db_end(db, s, err);
}

/* The row of login, for a change: its role and whether it is active. */
static enum dk_status staff_row(struct db *db, const char *login, enum staff_role *role, int *active,
				struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT role, active FROM staff WHERE login = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*role = staff_role_parse((const char *)sqlite3_column_text(st, 0));
		*active = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return dk_fail(err, DK_INVALID, "staff %s: no such staff member", login);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "reading staff", err);
}

static enum dk_status do_change(struct db *db, const struct acting *by, const char *login, enum staff_role to_role,
				int to_active, const char *reason, struct dk_error *err)
{
	enum staff_role role = STAFF_NONE;
	int active = 0;
	enum dk_status s = staff_row(db, login, &role, &active, err);
	if (s)
		return s;
	if (to_role == STAFF_NONE)
		to_role = role;
	if (to_active < 0)
		to_active = active;
	if (to_role == role && to_active == active)
		return dk_fail(err, DK_INVALID, "staff %s: already %s%s", login, active ? "an active " : "an inactive ",
			       staff_role_name(role));
	/* Someone must be left who can add staff and change roles. */
	if (role == STAFF_ADMIN && active && (to_role != STAFF_ADMIN || !to_active)) {
		sqlite3_stmt *st =
			db_stmt(db, "SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1 AND login <> ?1", err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
		int64_t others = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
		sqlite3_reset(st);
		if (others < 0)
			return db_error(db, "reading staff", err);
		if (others == 0)
			return dk_fail(err, DK_REFUSED, "staff %s is the last active admin: make another admin first",
				       login);
	}
	sqlite3_stmt *st = db_stmt(db, "UPDATE staff SET role = ?2, active = ?3 WHERE login = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, staff_role_name(to_role), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, to_active);
	if ((s = db_exec_stmt(db, st, "changing staff", err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "login", NULL, login);
	if (to_role != role)
		audit_change(&ch, "role", staff_role_name(role), staff_role_name(to_role));
	if (to_active != active)
		audit_change(&ch, "active", active ? "yes" : "no", to_active ? "yes" : "no");
	audit_changes_end(&ch);
	s = ch.oom ? dk_fail(err, DK_STORAGE, "out of memory")
		   : audit_append(db, 0, by, "staff_changed", ch.data, reason, when_now(), err);
	buf_free(&ch);
	return s;
}

enum dk_status staff_change(struct db *db, const struct acting *by, const char *login, const char *role, int active,
			    const char *reason, struct dk_error *err)
{
	enum dk_status s;
	if ((s = check_login(login, err)))
		return s;
	enum staff_role r = STAFF_NONE;
	if (role && (r = staff_role_parse(role)) == STAFF_NONE)
		return dk_fail(err, DK_INVALID, "role: \"%s\" is not one of intake, attorney, admin", role);
	if ((s = text_check("reason", reason, TEXT_LONG_MAX, true, true, err)))
		return s;
	if ((s = staff_may(db, by, "staff", NULL, err)))
		return s;
	if ((s = db_begin(db, err)))
		return s;
	s = do_change(db, by, login, r, active, reason, err);
	return db_end(db, s, err);
}

enum dk_status staff_bootstrap(struct db *db, const char *login, int *made, struct dk_error *err)
{
	*made = 0;
	enum dk_status s = check_login(login, err);
	if (s || (s = db_begin(db, err)))
		return s;
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM staff", err);
	if (!st) {
		db_rollback(db);
		return DK_STORAGE;
	}
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (n == 0) {
		struct acting self = {.role = STAFF_ADMIN};
		snprintf(self.login, sizeof self.login, "%s", login);
		snprintf(self.actor, sizeof self.actor, "%s", login);
		s = insert_staff(db, &self, login, login, STAFF_ADMIN, err);
		*made = s == DK_OK;
	} else if (n < 0) {
		s = db_error(db, "reading staff", err);
	}
	return db_end(db, s, err);
}

enum dk_status staff_list(struct db *db, int (*fn)(const struct staff *, void *), void *ctx, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT login, name, role, active, created_at FROM staff ORDER BY login", err);
	if (!st)
		return DK_STORAGE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct staff m = {
			.login = (char *)sqlite3_column_text(st, 0),
			.name = (char *)sqlite3_column_text(st, 1),
			.role = staff_role_name(staff_role_parse((const char *)sqlite3_column_text(st, 2))),
			.active = sqlite3_column_int(st, 3),
			.created_at = sqlite3_column_int64(st, 4),
		};
		if (fn(&m, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing staff", err);
	sqlite3_reset(st);
	return s;
}
