/* fuzz_cli.c: libFuzzer harness for the command line: global options, dispatch and every
 * command's option parsing and checks (src/cli_main.c, src/cli*.c), run in-process through
 * cli_main() on a fresh copy of a small database each time.
 *
 * The input is the arguments, separated by NUL bytes; after two NUL bytes in a row, the rest is a
 * file called "f" in the run's directory, which is also standard input (`import -`). Arguments
 * are kept inside the run's directory: a '/' becomes '_', so no path leads out of it and no URL
 * can be formed. Each run starts from a copy of a database with staff, customers, two demands, a
 * queued letter and an order, made once at start-up, in an empty directory.
 *
 * Each run must end with an exit status docket documents (0 to 3), leave no raw escape sequence
 * in what it printed (ESC, BEL or the C1 CSI), leak nothing and trip no sanitizer. Set
 * FUZZ_CLI_VERBOSE=1 to see what each run printed. Build with `make fuzz`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_ARGS 40

static char root[PATH_MAX], run_dir[PATH_MAX + 8], template_db[PATH_MAX + 16], capture[PATH_MAX + 16];
static int real_stderr = -1, devnull = -1, capture_fd = -1, home_dir = -1;
static bool verbose;

void __sanitizer_set_report_fd(void *fd);

static void die(const char *what)
{
	dprintf(real_stderr >= 0 ? real_stderr : 2, "fuzz_cli: %s: %s\n", what, strerror(errno));
	abort();
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/* Empties a directory (it stays). */
static void empty_dir(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_root(void)
{
	if (root[0]) {
		empty_dir(root);
		rmdir(root);
	}
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		die("copying the template database");
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("copying the template database");
	close(in);
	close(out);
}

static void write_file(const char *path, const uint8_t *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n))
		die("writing f");
	close(fd);
}

/* Runs docket in-process with stdin from path (or /dev/null), stdout and stderr caught in the
 * capture file; returns the exit status. */
static int run(int argc, char **argv, const char *in)
{
	int fd = in ? open(in, O_RDONLY | O_CLOEXEC) : -1;
	dup2(fd >= 0 ? fd : devnull, STDIN_FILENO);
	if (fd >= 0)
		close(fd);
	if (ftruncate(capture_fd, 0) != 0 || lseek(capture_fd, 0, SEEK_SET) != 0)
		die("resetting the capture file");
	fflush(stdout);
	dup2(capture_fd, STDOUT_FILENO);
	dup2(capture_fd, STDERR_FILENO);
	int rc = cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	clearerr(stdout);
	clearerr(stdin);
	dup2(devnull, STDIN_FILENO);
	dup2(devnull, STDOUT_FILENO);
	dup2(real_stderr, STDERR_FILENO);
	return rc;
}

/* What the last run printed, checked: no raw escape sequence reaches a terminal. */
static void check_output(int argc, char **argv, int rc)
{
	char buf[1 << 16];
	ssize_t n;
	off_t at = 0;
	bool bad = false;
	unsigned char prev = 0;
	while ((n = pread(capture_fd, buf, sizeof buf, at)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c == 0x1b || c == 0x07 || (prev == 0xc2 && c == 0x9b))
				bad = true;
			prev = c;
		}
		if (verbose && write(real_stderr, buf, (size_t)n) < 0)
			break;
		at += n;
	}
	if (verbose || bad || rc < 0 || rc > 3) {
		dprintf(real_stderr, "fuzz_cli: exit status %d:", rc);
		for (int i = 0; i < argc; i++)
			dprintf(real_stderr, " [%s]", argv[i]);
		dprintf(real_stderr, "\n");
	}
	if (bad) {
		dprintf(real_stderr, "fuzz_cli: a raw escape sequence reached the output\n");
		abort();
	}
	if (rc < 0 || rc > 3) {
		dprintf(real_stderr, "fuzz_cli: an exit status docket does not document\n");
		abort();
	}
}

/* Runs a setup command, which must succeed. */
static void setup(const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)"docket";
	for (; args[argc - 1]; argc++)
		argv[argc] = strdup(args[argc - 1]);
	argv[argc] = NULL;
	int rc = run(argc, argv, NULL);
	if (rc != 0) {
		verbose = true;
		check_output(argc, argv, rc);
		dprintf(real_stderr, "fuzz_cli: a setup command failed\n");
		abort();
	}
	for (int i = 1; i < argc; i++)
		free(argv[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	verbose = getenv("FUZZ_CLI_VERBOSE") && *getenv("FUZZ_CLI_VERBOSE") == '1';
	/* Sanitizer reports go to the real stderr, not to the capture. */
	if ((real_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (home_dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("start-up");
	__sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/docket-fuzz-cli.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(root))
		die("mkdtemp");
	atexit(remove_root);
	char home[PATH_MAX + 16], tmpdir[PATH_MAX + 16], db[PATH_MAX + 32];
	snprintf(home, sizeof home, "%s/home", root);
	snprintf(tmpdir, sizeof tmpdir, "%s/tmp", root);
	snprintf(run_dir, sizeof run_dir, "%s/run", root);
	snprintf(template_db, sizeof template_db, "%s/template.db", root);
	snprintf(capture, sizeof capture, "%s/output", root);
	snprintf(db, sizeof db, "%s/docket.db", run_dir);
	if (mkdir(home, 0700) || mkdir(tmpdir, 0700) || mkdir(run_dir, 0700))
		die("mkdir");
	if ((capture_fd = open(capture, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		die("the capture file");
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("XDG_DATA_HOME", home, 1);
	setenv("TMPDIR", tmpdir, 1);
	setenv("DOCKET_DB", db, 1);
	setenv("TZ", "UTC", 1);
	setenv("EDITOR", "true", 1);
	static const char *const unset[] = {"VISUAL",           "DOCKET_ACTOR",         "DOCKET_SMTP_URL",
					    "DOCKET_SMTP_USER", "DOCKET_SMTP_PASSWORD", "NO_COLOR",
					    "http_proxy",       "https_proxy"};
	for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
		unsetenv(unset[i]);
	setlocale(LC_ALL, "C.UTF-8");
	/* Each run works in run_dir; libFuzzer, between runs, in the directory it was started in. */
	if (chdir(run_dir) != 0)
		die("chdir");

	/* The database every run starts from. */
	static const char *const init[] = {"init", NULL};
	static const char *const atty[] = {"staff",        "add",    "atty",     "--name",
					   "Ada Attorney", "--role", "attorney", NULL};
	static const char *const clerk[] = {"staff", "add", "clerk", "--name", "Carl Clerk", "--role", "intake", NULL};
	static const char *const cust1[] = {"customer",    "add",      "--tenant", "acme-eu", "--name",
					    "Acme Europe", "--region", "eu-west",  "--email", "legal@acme.example",
					    NULL};
	static const char *const cust2[] = {"customer",  "add",      "--tenant", "zenith-us", "--name",
					    "Zenith US", "--region", "us-east",  NULL};
	static const char *const add1[] = {"add",
					   "--ref",
					   "BASE-1",
					   "--channel",
					   "email",
					   "--instrument",
					   "subpoena",
					   "--customer",
					   "acme-eu",
					   "--requester",
					   "Garda",
					   "--kind",
					   "law_enforcement",
					   "--jurisdiction",
					   "IE",
					   "--category",
					   "subscriber",
					   "--identifier",
					   "user@acme.example",
					   "--requester-email",
					   "bureau@garda.example",
					   "--received",
					   "2026-07-01",
					   NULL};
	static const char *const add2[] = {"add",          "--ref",       "BASE-2",     "--channel",      "portal",
					   "--instrument", "court_order", "--customer", "zenith-us",      "--requester",
					   "Court",        "--kind",      "government", "--jurisdiction", "US-CA",
					   "--category",   "content",     "--received", "2026-07-02",     "--due",
					   "2026-09-01",   NULL};
	static const char *const move1[] = {"move", "1", "redirecting", NULL};
	static const char *const move2[] = {"move", "2", "redirecting", NULL};
	static const char *const review2[] = {"move", "2", "in_review", NULL};
	/* Orders are an attorney's (docs/workflow.md, "Who may do what"). */
	static const char *const order2[] = {"--actor", "atty",      "order",     "2",   "--ref",
					     "NDO-1",   "--expires", "2099-01-01", NULL};
	static const char *const note2[] = {"note", "2", "called the clerk", NULL};
	static const char *const backup[] = {"backup", "../template.db", NULL};
	setup(init);
	setup(atty);
	setup(clerk);
	setup(cust1);
	setup(cust2);
	setup(add1);
	setup(add2);
	setup(move1);
	setup(move2);
	setup(review2);
	setup(order2);
	setup(note2);
	setup(backup);
	empty_dir(run_dir);
	if (fchdir(home_dir) != 0)
		die("fchdir");
	return 0;
}

/* Whether the input would have `docket demo` make more than a few demands: that takes seconds,
 * not milliseconds, and finds nothing new. */
static bool slow_demo(int argc, char **argv)
{
	bool demo = false;
	for (int i = 1; i < argc; i++)
		demo = demo || strcmp(argv[i], "demo") == 0;
	if (!demo)
		return false;
	for (int i = 1; i < argc; i++) {
		const char *eq = strrchr(argv[i], '=');
		const char *s = eq ? eq + 1 : argv[i];
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (!errno && end != s && !*end && v > 50)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	/* The arguments, and the file after two NUL bytes. */
	size_t args_len = size;
	const uint8_t *file = NULL;
	size_t file_len = 0;
	for (size_t i = 0; i + 1 < size; i++) {
		if (data[i] == 0 && data[i + 1] == 0) {
			args_len = i;
			file = data + i + 2;
			file_len = size - i - 2;
			break;
		}
	}
	char *text = malloc(args_len + 1);
	if (!text)
		return 0;
	memcpy(text, data, args_len);
	text[args_len] = '\0';
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)"docket";
	for (size_t i = 0, start = 0; i <= args_len && argc <= MAX_ARGS; i++) {
		if (i < args_len && text[i] != '\0')
			continue;
		text[i] = '\0';
		argv[argc++] = text + start;
		start = i + 1;
	}
	if (args_len == 0)
		argc = 1;
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		for (char *p = argv[i]; *p; p++)
			if (*p == '/')
				*p = '_';
	if (slow_demo(argc, argv)) {
		free(text);
		return -1;
	}

	if (chdir(run_dir) != 0)
		die("chdir");
	empty_dir(run_dir);
	copy_file(template_db, "docket.db");
	if (file)
		write_file("f", file, file_len);
	/* getopt permutes argv: keep the pointers to free nothing but text. */
	char *shown[MAX_ARGS + 2];
	memcpy(shown, argv, sizeof shown);
	int rc = run(argc, argv, file ? "f" : NULL);
	if (fchdir(home_dir) != 0)
		die("fchdir");
	check_output(argc, shown, rc);
	free(text);
	return 0;
}
