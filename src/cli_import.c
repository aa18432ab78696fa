/* cli_import.c: `docket import`: a file, standard input or an http(s) URL into demands, with the
 * problems and a one-line summary on standard error and a progress line on a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"
#include "import.h"

struct progress {
	bool tty;
	double start, last;
	struct import_counts n;
	int64_t bytes;
	bool shown;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The progress line, on a terminal only, once the run has taken a second. */
static void progress_show(struct progress *p)
{
	if (!p->tty)
		return;
	double t = now_seconds();
	if (t - p->start < 1 || t - p->last < 0.2)
		return;
	p->last = t;
	p->shown = true;
	fprintf(stderr, "\rdocket import: %lld records, %.1f MB read", (long long)p->n.records,
		(double)p->bytes / 1048576.0);
	fflush(stderr);
}

static void progress_clear(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

static void on_progress(void *ctx, const struct import_counts *n)
{
	struct progress *p = ctx;
	p->n = *n;
	progress_show(p);
}

/* The rejects file: written as records are rejected, thrown away when a download starts over. */
static int on_reject(void *ctx, const char *data, size_t n)
{
	return fwrite(data, 1, n, ctx) == n ? 0 : -1;
}

static int on_reject_restart(void *ctx)
{
	FILE *f = ctx;
	if (fflush(f) != 0)
		return -1;
	rewind(f);
	return ftruncate(fileno(f), 0);
}

struct run {
	struct import *im;
	struct progress *p;
	bool format_known;
	bool begun;
	const char *shown; /* the input's name in messages */
};

static enum dk_status on_begin(void *ctx, const char *type, int attempt, struct dk_error *err)
{
	struct run *r = ctx;
	(void)attempt;
	if (r->begun) {
		enum dk_status s = import_restart(r->im, err);
		if (s)
			return s;
		r->p->bytes = 0;
	}
	r->begun = true;
	if (r->format_known)
		return DK_OK;
	enum import_format f = import_format_from_type(type);
	if (!f)
		return dk_fail(
			err, DK_INVALID,
			"%s: cannot tell the format from the name or the Content-Type (%.60s): give --format csv, "
			"json or ndjson",
			r->shown, type ? type : "none");
	r->format_known = true;
	return import_set_format(r->im, f, err);
}

static enum dk_status on_data(void *ctx, const char *data, size_t n, struct dk_error *err)
{
	struct run *r = ctx;
	r->p->bytes += (int64_t)n;
	progress_show(r->p);
	return import_feed(r->im, data, n, err);
}

/* Feeds a file or standard input. */
static enum dk_status feed_fd(struct run *r, int fd, struct dk_error *err)
{
	static char chunk[1 << 16];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return dk_fail(err, DK_STORAGE, "%s: %s", r->shown, strerror(errno));
		if (got == 0)
			return DK_OK;
		enum dk_status s = on_data(r, chunk, (size_t)got, err);
		if (s)
			return s;
	}
}

static bool parse_seconds(const char *s, long *out)
{
	int64_t v;
	if (!cli_parse_count(s, &v) || v == 0 || v > 86400)
		return false;
	*out = (long)v;
	return true;
}

static bool parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v <= 0)
		return false;
	int shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end || v > (INT64_MAX >> shift))
		return false;
	*out = (int64_t)v << shift;
	return true;
}

static void print_report(const struct import_result *res, const struct dk_error *err, enum dk_status s,
			 const struct import_options *io)
{
	for (size_t i = 0; i < res->n_errors; i++) {
		fputs("docket: ", stderr);
		cli_put_safe(stderr, res->errors[i]);
		fputc('\n', stderr);
	}
	if (res->more_errors)
		fprintf(stderr, "docket: ... and %lld more problems (the first %d are shown)\n",
			(long long)res->more_errors, IMPORT_ERRORS_MAX);
	if (s)
		cli_fail(err);
	/* The summary, last. A run that failed writes nothing, nor does an atomic one with an invalid
	 * record. */
	bool would = io->dry_run && res->complete && (res->n.rejected == 0 || io->skip_invalid);
	int64_t imported = res->written || would ? res->n.imported : 0;
	fprintf(stderr, "%s %lld, already present %lld, rejected %lld",
		io->dry_run ? "dry run: would import" : "imported", (long long)imported, (long long)res->n.present,
		(long long)res->n.rejected);
	if (res->n.conflicts)
		fprintf(stderr, ", conflicts %lld", (long long)res->n.conflicts);
	fputc('\n', stderr);
}

int cli_cmd_import(struct cli *c, int argc, char **argv)
{
	enum {
		O_FORMAT = 1,
		O_SOURCE,
		O_DRY_RUN,
		O_SKIP_INVALID,
		O_REJECTS,
		O_CREATE_CUSTOMERS,
		O_HEADER,
		O_CACERT,
		O_CONNECT_TIMEOUT,
		O_TIMEOUT,
		O_MAX_SIZE
	};
	static const struct option opts[] = {
		{"format", required_argument, NULL, O_FORMAT},
		{"source", required_argument, NULL, O_SOURCE},
		{"dry-run", no_argument, NULL, O_DRY_RUN},
		{"skip-invalid", no_argument, NULL, O_SKIP_INVALID},
		{"rejects", required_argument, NULL, O_REJECTS},
		{"create-customers", no_argument, NULL, O_CREATE_CUSTOMERS},
		{"header", required_argument, NULL, O_HEADER},
		{"cacert", required_argument, NULL, O_CACERT},
		{"connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"max-size", required_argument, NULL, O_MAX_SIZE},
		{0, 0, 0, 0},
	};
	struct import_options io = {0};
	struct fetch_options fo = {0};
	const char *headers[FETCH_HEADERS_MAX];
	const char *rejects = NULL;
	bool url_only = false;
	int ch;
	struct dk_error err = {0};
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_FORMAT:
			if (!(io.format = import_format_parse(optarg)))
				return cli_usage("import", "--format: \"%s\" is not one of csv, json, ndjson", optarg);
			break;
		case O_SOURCE: io.source = optarg; break;
		case O_DRY_RUN: io.dry_run = true; break;
		case O_SKIP_INVALID: io.skip_invalid = true; break;
		case O_REJECTS: rejects = optarg; break;
		case O_CREATE_CUSTOMERS: io.create_customers = true; break;
		case O_HEADER:
			if (fo.n_headers == FETCH_HEADERS_MAX)
				return cli_usage("import", "at most %d --header options", FETCH_HEADERS_MAX);
			if (fetch_check_header(optarg, &err))
				return cli_usage("import", "%s", err.msg);
			headers[fo.n_headers++] = optarg;
			url_only = true;
			break;
		case O_CACERT: fo.cacert = optarg, url_only = true; break;
		case O_CONNECT_TIMEOUT:
			if (!parse_seconds(optarg, &fo.connect_timeout))
				return cli_usage("import", "--connect-timeout: \"%s\" is not a number of seconds",
						 optarg);
			url_only = true;
			break;
		case O_TIMEOUT:
			if (!parse_seconds(optarg, &fo.timeout))
				return cli_usage("import", "--timeout: \"%s\" is not a number of seconds", optarg);
			url_only = true;
			break;
		case O_MAX_SIZE:
			if (!parse_size(optarg, &fo.max_size))
				return cli_usage("import",
						 "--max-size: \"%s\" is not a size (bytes, or with K, M or G)", optarg);
			url_only = true;
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("import");
	if (optind + 1 != argc)
		return cli_usage("import",
				 optind < argc ? "one input at a time" : "needs an input: a file, - or a URL");
	const char *arg = argv[optind];
	bool url = fetch_is_url(arg), is_stdin = strcmp(arg, "-") == 0;
	if (!url && strstr(arg, "://"))
		return cli_usage("import", "only http:// and https:// URLs can be read");
	if (!url && url_only)
		return cli_usage("import",
				 "--header, --cacert, --connect-timeout, --timeout and --max-size go with a URL");
	if (rejects && !io.skip_invalid)
		return cli_usage("import", "--rejects goes with --skip-invalid");
	char shown[512];
	if (url)
		fetch_redact(arg, shown, sizeof shown);
	else
		snprintf(shown, sizeof shown, "%s", is_stdin ? "stdin" : arg);
	io.input = shown;
	if (!io.format && !is_stdin)
		io.format = import_format_from_name(url ? shown : arg);
	if (!io.format && !url)
		return cli_usage("import",
				 "cannot tell the format of %s from its name: give --format csv, json or ndjson",
				 shown);

	int fd = -1, rc = 0;
	FILE *rej = NULL;
	struct import *im = NULL;
	if (!url && !is_stdin && (fd = open(arg, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_usage("import", "%s: %s", arg, strerror(errno));
	if ((rc = cli_open(c, DB_EXISTING)) || (rc = cli_acting(c)))
		goto out;
	if (rejects) {
		/* It holds demands, like the database: readable by its owner only. */
		int rfd = open(rejects, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (rfd < 0 || !(rej = fdopen(rfd, "w"))) {
			int e = errno;
			if (rfd >= 0)
				close(rfd);
			/* O_NOFOLLOW: a link planted where the rejects go must not redirect them. */
			rc = e == ELOOP ? cli_usage("import", "--rejects: %s: a symbolic link; not followed", rejects)
					: cli_usage("import", "--rejects: %s: %s", rejects, strerror(e));
			goto out;
		}
		io.reject = on_reject;
		io.reject_restart = on_reject_restart;
		io.reject_ctx = rej;
	}
	struct progress p = {.tty = isatty(STDERR_FILENO), .start = now_seconds()};
	io.progress = on_progress;
	io.progress_ctx = &p;
	if (import_begin(c->db, &c->who, &io, &im, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	struct run r = {.im = im, .p = &p, .format_known = io.format != IMPORT_FORMAT_NONE, .shown = shown};
	enum dk_status s;
	if (url) {
		fo.headers = headers;
		fo.begin = on_begin;
		fo.write = on_data;
		fo.ctx = &r;
		s = fetch_url(arg, &fo, &err);
	} else {
		s = feed_fd(&r, is_stdin ? STDIN_FILENO : fd, &err);
	}
	struct import_result res;
	struct dk_error ferr = {0};
	enum dk_status fs = import_finish(im, &res, &ferr);
	if (!s) {
		s = fs;
		err = ferr;
	}
	progress_clear(&p);
	print_report(&res, &err, s, &io);
	import_result_free(&res);
	rc = (int)s;
out:
	import_free(&im);
	if (rej && fclose(rej) != 0 && !rc) {
		int e = errno;
		fputs("docket: --rejects: ", stderr);
		cli_put_safe(stderr, rejects);
		fprintf(stderr, ": %s\n", strerror(e));
		rc = DK_STORAGE;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
