/* cli_main.c: `docket [--db PATH] [--actor LOGIN] COMMAND ...`: global options and dispatch.
 *
 * main() only sets the locale and calls cli_main; the fuzz harness and the unit tests call it
 * in-process, many times over, so it keeps no state between calls: getopt's is reset on entry. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: docket [--db PATH] [--actor LOGIN] COMMAND [ARGS]\n\n"
		     "Tracks third-party demands for customer data through redirect, review, notice and\n"
		     "disclosure. Without a command, opens the terminal UI (on a terminal; otherwise lists the\n"
		     "open demands by deadline).\n\nCommands:\n");
	for (const struct cli_command *k = cli_commands; k->name; k++)
		fprintf(out, "  %-13s %s\n", k->name, k->summary);
	fprintf(out, "\nOptions:\n"
		     "  --db PATH       the database (default: $DOCKET_DB, else $XDG_DATA_HOME/docket/docket.db)\n"
		     "  --actor LOGIN   act for another staff member (admins only)\n"
		     "  -h, --help      show this help; `docket COMMAND --help` for a command\n"
		     "  -V, --version   show the version\n\n"
		     "Exit status: 0 done; 1 refused by a rule; 2 bad usage or input; 3 storage or network failure.\n"
		     "See docket(1).\n");
}

int cli_main(int argc, char **argv)
{
	struct cli c = {.prog = "docket"};
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"actor", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	int ch;
	/* optind 0 makes glibc's getopt start afresh, forgetting a scan a previous call left. */
	optind = 0;
	opterr = 0;
	cli_want_help = false;
	if (argc < 1)
		return cli_usage(NULL, "no program name");
	while ((ch = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db_opt = optarg; break;
		case 'a': c.actor_opt = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V':
#ifdef DOCKET_TEST_CLOCK
			printf("docket %s (test clock: reads the time from DOCKET_TEST_NOW; not for use)\n",
			       PACKAGE_VERSION);
#else
			printf("docket %s\n", PACKAGE_VERSION);
#endif
			return 0;
		case ':': return cli_usage(NULL, "%s needs a value", argv[optind - 1]);
		default: return cli_usage(NULL, "unknown option %s", argv[optind - 1]);
		}
	}
	int rest = argc - optind;
	char **args = argv + optind;
	/* `docket` alone opens the terminal UI; without a terminal (a pipe, a script) it prints the
	 * queue instead, as scripts that ran it before the UI existed expect. */
	char ui_name[] = "ui", list_name[] = "list";
	char *ui_argv[] = {ui_name, NULL}, *list_argv[] = {list_name, NULL};
	if (rest == 0) {
		rest = 1;
		args = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? ui_argv : list_argv;
	}
	for (const struct cli_command *k = cli_commands; k->name; k++) {
		if (strcmp(k->name, args[0]) != 0)
			continue;
		optind = 0;
		cli_want_help = false;
		int rc = k->run(&c, rest, args);
		db_close(&c.db);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("docket: writing output");
			clearerr(stdout);
			return 3;
		}
		return rc;
	}
	return cli_usage(NULL, "unknown command \"%s\"", args[0]);
}
