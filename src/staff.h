/* staff.h: who may act, and as whom.
 *
 * The actor of every change is the OS login. An admin may act for another staff member (--actor);
 * the event then records both. A login that is not active staff may read but not write. */
#ifndef DOCKET_STAFF_H
#define DOCKET_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "status.h"

#define STAFF_LOGIN_MAX 64

enum staff_role { STAFF_NONE = 0, STAFF_INTAKE, STAFF_ATTORNEY, STAFF_ADMIN };

/* Who is asking: the OS login, and the staff member an admin acts for (NULL for themselves). */
struct actor {
	const char *login;
	const char *as;
};

/* Who is acting, once checked. */
struct acting {
	char login[STAFF_LOGIN_MAX + 1]; /* the OS login that ran the command */
	char actor[STAFF_LOGIN_MAX + 1]; /* the staff member the change is made as */
	enum staff_role role;            /* the actor's role */
};

struct staff {
	char *login;
	char *name;
	const char *role; /* static string */
	int active;
	int64_t created_at;
};

/* The OS login of this process, from the password database (never from the environment). */
const char *staff_os_login(void);

const char *staff_role_name(enum staff_role r);
enum staff_role staff_role_parse(const char *s);

/* Checks that who may write: login active staff, and with `as`, login an admin and `as` active
 * staff. DK_REFUSED with a one-line reason otherwise. */
enum dk_status staff_resolve(struct db *db, const struct actor *who, struct acting *out, struct dk_error *err);

/* by as it is now: who acts is read again for every action, so that a login deactivated or given
 * another role while a session (the UI) stays open has only what it has now. */
enum dk_status staff_current(struct db *db, const struct acting *by, struct acting *now, struct dk_error *err);

/* Whether role may do action: a row of the permission table (schema/0007). *ok says; roles, when
 * not NULL, receives who may, for a refusal ("an attorney", "intake, attorney or admin staff"). */
enum dk_status staff_permits(struct db *db, enum staff_role role, const char *action, bool *ok, char *roles, size_t n,
			     struct dk_error *err);

/* DK_OK when by may do action; else DK_REFUSED with "SUBJECT: LABEL is for ROLES (ACTOR is ROLE)",
 * subject naming what it is about ("demand 7"; NULL for nothing). */
enum dk_status staff_may(struct db *db, const struct acting *by, const char *action, const char *subject,
			 struct dk_error *err);

/* One action of the permission table, for `docket staff roles`. Strings are borrowed. */
struct staff_action {
	const char *action;
	const char *label;
	const char *roles; /* space-separated, in the order intake, attorney, admin */
};
enum dk_status staff_actions(struct db *db, int (*fn)(const struct staff_action *, void *), void *ctx,
			     struct dk_error *err);

/* Adds a staff member (admins only). */
enum dk_status staff_add(struct db *db, const struct acting *by, const char *login, const char *name, const char *role,
			 struct dk_error *err);

/* Changes a staff member's role (role non-NULL) and whether they are active (active 0 or 1; -1
 * leaves it), with an event; admins only. The last active admin cannot be demoted or deactivated;
 * a change that changes nothing is refused. reason, required, is the event's note. */
enum dk_status staff_change(struct db *db, const struct acting *by, const char *login, const char *role, int active,
			    const char *reason, struct dk_error *err);

/* For `docket init`: makes login an admin when the database has no staff yet. *made says whether
 * it did. */
enum dk_status staff_bootstrap(struct db *db, const char *login, int *made, struct dk_error *err);

/* Calls fn for each staff member, by login. fn returns non-zero to stop. */
enum dk_status staff_list(struct db *db, int (*fn)(const struct staff *, void *), void *ctx, struct dk_error *err);

#endif
