/* test_cli.c: the command line run in-process through cli_main(), as the fuzz harness runs it:
 * many commands in one process must not see each other's state (getopt's, the lists options
 * gather), every exit status is one docket documents, and what it prints holds no raw escape
 * sequence. Inputs the fuzzer (tests/fuzz/fuzz_cli.c) found problems with are kept here. */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_ARGS 2100

struct out {
	int rc;
	char *text; /* stdout and stderr together */
};

/* Runs `docket --db FIXTURE args...` in-process; what it printed goes to out->text. */
static void cli_run(struct fx *fx, struct out *o, const char *const *args)
{
	static char *argv[MAX_ARGS + 4];
	int argc = 0;
	argv[argc++] = (char *)"docket";
	argv[argc++] = (char *)"--db";
	argv[argc++] = fx->path;
	for (; args[argc - 3]; argc++) {
		assert_true(argc < MAX_ARGS);
		argv[argc] = (char *)args[argc - 3];
	}
	argv[argc] = NULL;
	char path[FX_PATH_MAX];
	fx_file(fx, "output", path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	o->rc = cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(fd);
	size_t n;
	free(o->text);
	o->text = (char *)fx_slurp(path, &n);
	assert_non_null(o->text);
	assert_null(memchr(o->text, 0x1b, n));
	assert_true(o->rc >= 0 && o->rc <= 3);
}

#define RUN(fx, o, ...)                                                                                                \
	do {                                                                                                           \
		static const char *const args_[] = {__VA_ARGS__, NULL};                                                \
		cli_run((fx), (o), args_);                                                                             \
	} while (0)

static void expect(const struct out *o, int rc, const char *needle)
{
	if (o->rc != rc || (needle && !strstr(o->text, needle)))
		fail_msg("exit status %d (expected %d), output:\n%s\n(expected \"%s\")", o->rc, rc, o->text,
			 needle ? needle : "");
}

static int setup(void **state)
{
	if (fx_setup_dir(state))
		return -1;
	struct fx *fx = *state;
	struct out o = {0};
	RUN(fx, &o, "init");
	expect(&o, 0, "docket database ready");
	RUN(fx, &o, "customer", "add", "--tenant", "acme-eu", "--name", "Acme Europe", "--region", "eu-west");
	expect(&o, 0, NULL);
	free(o.text);
	return 0;
}

static const char *const add_args[] = {
	"add",        "--ref",      "R-1",         "--channel", "email",  "--instrument",    "subpoena",
	"--customer", "acme-eu",    "--requester", "Garda",     "--kind", "law_enforcement", "--jurisdiction",
	"IE",         "--category", "subscriber"};
#define ADD_N (sizeof add_args / sizeof add_args[0])

/* `add` gathers --identifier and --category into lists: a run that overflowed them must not leave
 * the next run refused (they were static, and the overflow flag stayed set). */
static void test_lists_start_empty(void **state)
{
	struct fx *fx = *state;
	struct out o = {0};
	static const char *args[ADD_N + 2 * 1002 + 1];
	size_t n = 0;
	for (size_t i = 0; i < ADD_N; i++)
		args[n++] = add_args[i];
	for (int i = 0; i < 1002; i++) {
		args[n++] = "--identifier";
		args[n++] = "user@acme.example";
	}
	args[n] = NULL;
	cli_run(fx, &o, args);
	expect(&o, 2, "more than 1000 identifiers");
	args[ADD_N] = NULL;
	args[2] = "R-2";
	cli_run(fx, &o, args);
	expect(&o, 0, "1\n");
	free(o.text);
}

/* getopt keeps its place between calls unless told: a run that stopped mid-way through its options
 * must not make the next one skip or misread its own. */
static void test_getopt_starts_afresh(void **state)
{
	struct fx *fx = *state;
	struct out o = {0};
	RUN(fx, &o, "list", "--status", "all", "--bogus", "--format", "csv");
	expect(&o, 2, "unknown option --bogus");
	RUN(fx, &o, "list", "--format", "csv");
	expect(&o, 0, "id,reference,");
	RUN(fx, &o, "show", "1", "--format");
	expect(&o, 2, "--format needs a value");
	RUN(fx, &o, "list", "--help");
	expect(&o, 0, "Usage: docket list");
	/* --help on one command must not leak into the next. */
	RUN(fx, &o, "list", "--format", "json");
	expect(&o, 0, "[]");
	RUN(fx, &o, "--bogus");
	expect(&o, 2, "unknown option --bogus");
	RUN(fx, &o, "-V");
	expect(&o, 0, "docket ");
	RUN(fx, &o, "verify");
	expect(&o, 0, NULL);
	free(o.text);
}

/* Escape sequences in arguments are refused, and the refusal shows them neutralised. */
static void test_escapes_neutralised(void **state)
{
	struct fx *fx = *state;
	struct out o = {0};
	RUN(fx, &o, "customer", "add", "--tenant", "t-2", "--name", "Evil\033]52;c;ZXZpbA==\007 Corp", "--region",
	    "eu-west");
	expect(&o, 2, "control character U+001B");
	RUN(fx, &o, "show", "\033[2J");
	expect(&o, 2, "\"^[[2J\" is not a demand id");
	RUN(fx, &o, "\033[2J");
	expect(&o, 2, "unknown command \"^[[2J\"");
	free(o.text);
}

/* Paths from the command line are shown neutralised too: the fuzzer found `docket backup` echoing a
 * file name with an escape sequence in it raw (tests/fuzz/corpus/cli/regress-backup-path-escape). */
static void test_paths_neutralised(void **state)
{
	struct fx *fx = *state;
	struct out o = {0};
	char copy[FX_PATH_MAX], fresh[FX_PATH_MAX];
	fx_file(fx, "copy\033[2J\033]0;pwned\007.db", copy);
	fx_file(fx, "new\033[2J.db", fresh);
	const char *backup[] = {"backup", copy, NULL};
	cli_run(fx, &o, backup);
	expect(&o, 0, "copy^[[2J^[]0;pwned^G.db: backup written");
	const char *init[] = {"--db", fresh, "init", NULL};
	cli_run(fx, &o, init);
	expect(&o, 0, "new^[[2J.db: docket database ready");
	const char *demo[] = {"--db", fresh, "demo", "--count", "3", NULL};
	cli_run(fx, &o, demo);
	expect(&o, 0, "3 demands written to ");
	FX_CONTAINS(o.text, "new^[[2J.db");
	free(o.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists_start_empty, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_getopt_starts_afresh, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_escapes_neutralised, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_paths_neutralised, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
