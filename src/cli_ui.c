/* cli_ui.c: `docket ui`, and `docket` without a command: the terminal UI on the database. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ui.h"

/* --keys: every key of every screen, grouped by screen, as the help screen shows them. */
static void print_key(const char *screen, const char *keys, const char *help, void *ctx)
{
	const char **last = ctx;
	if (!*last || strcmp(*last, screen) != 0) {
		if (strcmp(screen, "every") == 0)
			printf("%sKeys on every screen\n", *last ? "\n" : "");
		else
			printf("%sKeys on the %s screen\n", *last ? "\n" : "", screen);
		*last = screen;
	}
	printf("  %-22s %s\n", keys, help);
}

int cli_cmd_ui(struct cli *c, int argc, char **argv)
{
	enum { O_KEYS = 1 };
	static const struct option opts[] = {{"keys", no_argument, NULL, O_KEYS}, {0, 0, 0, 0}};
	bool keys = false;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch != O_KEYS)
			return DK_INVALID;
		keys = true;
	}
	if (cli_want_help)
		return cli_help("ui");
	if (keys) {
		const char *last = NULL;
		ui_each_key(print_key, &last);
		return 0;
	}
	if (optind < argc)
		return cli_usage("ui", "unexpected argument \"%s\"", argv[optind]);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_usage("ui", "the terminal UI needs a terminal; `docket list` prints the queue");
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	/* A login that is not staff may still read: the UI says why it cannot write. An --actor
	 * that is refused is an error, since it was asked for. */
	struct dk_error err = {0}, why = {0};
	struct actor who = {staff_os_login(), c->actor_opt};
	const char *readonly = NULL;
	if (staff_resolve(c->db, &who, &c->who, &why)) {
		if (c->actor_opt)
			return cli_fail(&why);
		snprintf(c->who.login, sizeof c->who.login, "%s", who.login ? who.login : "?");
		snprintf(c->who.actor, sizeof c->who.actor, "%s", c->who.login);
		c->who.role = STAFF_NONE;
		readonly = why.msg;
	}
	rc = ui_run(c->db, &c->who, readonly, NULL, &err);
	if (rc && err.msg[0])
		return cli_fail(&err);
	return rc;
}
