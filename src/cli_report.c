/* cli_report.c: `docket report`: the transparency report in text, CSV, JSON or HTML. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "when.h"

static const char *const format_names[] = {"text", "csv", "json", "html"};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Without --format: the output file's extension says, else text. */
static enum report_format format_for(const char *output)
{
	if (output && ends_with(output, ".csv"))
		return REPORT_CSV;
	if (output && ends_with(output, ".json"))
		return REPORT_JSON;
	if (output && (ends_with(output, ".html") || ends_with(output, ".htm")))
		return REPORT_HTML;
	return REPORT_TEXT;
}

/* Writes the whole report to path under a temporary name, then renames it into place, so that
 * the file is either the complete new report or untouched. A new file is readable by its owner
 * only, like the database (a report may be published, but not before someone decides to); a file
 * replaced keeps the permissions it had. */
static int write_file(const char *path, const struct buf *b)
{
	struct stat old;
	bool replacing = stat(path, &old) == 0 && S_ISREG(old.st_mode);
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp) {
		fputs("docket: out of memory\n", stderr);
		return DK_STORAGE;
	}
	snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "docket: report: cannot create a file beside ");
		cli_put_safe(stderr, path);
		fprintf(stderr, ": %s\n", strerror(errno));
		free(tmp);
		return DK_STORAGE;
	}
	int ok = !replacing || fchmod(fd, old.st_mode & 07777) == 0;
	for (size_t done = 0; ok && done < b->len;) {
		ssize_t w = write(fd, b->data + done, b->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		done += ok ? (size_t)w : 0;
	}
	ok = ok && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		int e = errno;
		unlink(tmp);
		fprintf(stderr, "docket: report: cannot write ");
		cli_put_safe(stderr, path);
		fprintf(stderr, ": %s\n", strerror(e));
	}
	free(tmp);
	return ok ? 0 : DK_STORAGE;
}

int cli_cmd_report(struct cli *c, int argc, char **argv)
{
	enum { O_QUARTER = 1, O_FROM, O_TO, O_ASOF, O_FORMAT, O_OUTPUT, O_BY, O_BAND };
	static const struct option opts[] = {
		{"quarter", required_argument, NULL, O_QUARTER},
		{"from", required_argument, NULL, O_FROM},
		{"to", required_argument, NULL, O_TO},
		{"as-of", required_argument, NULL, O_ASOF},
		{"format", required_argument, NULL, O_FORMAT},
		{"output", required_argument, NULL, O_OUTPUT},
		{"by", required_argument, NULL, O_BY},
		{"band-width", required_argument, NULL, O_BAND},
		{0, 0, 0, 0},
	};
	const char *quarter = NULL, *from = NULL, *to = NULL, *asof = NULL, *output = NULL;
	int format = -1;
	struct report_options o = {.by = REPORT_BY_COUNTRY, .band_width = REPORT_BAND_DEFAULT};
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_QUARTER: quarter = optarg; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_ASOF: asof = optarg; break;
		case O_OUTPUT: output = optarg; break;
		case O_FORMAT:
			format = -1;
			for (int i = 0; i < 4; i++)
				if (strcmp(optarg, format_names[i]) == 0)
					format = i;
			if (format < 0)
				return cli_usage("report", "--format: \"%s\" is not one of text, csv, json, html",
						 optarg);
			break;
		case O_BY: {
			int by = -1;
			for (int i = 0; i < 3; i++)
				if (strcmp(optarg, report_by_keys[i]) == 0)
					by = i;
			if (by < 0)
				return cli_usage("report",
						 "--by: \"%s\" is not one of country, requester-kind, instrument",
						 optarg);
			o.by = (enum report_by)by;
			break;
		}
		case O_BAND:
			if (!cli_parse_count(optarg, &o.band_width) || o.band_width < REPORT_BAND_MIN ||
			    o.band_width > REPORT_BAND_MAX)
				return cli_usage("report", "--band-width: \"%s\" is not a number from %d to %d", optarg,
						 REPORT_BAND_MIN, REPORT_BAND_MAX);
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("report");
	if (optind < argc)
		return cli_usage("report", "unexpected argument \"%s\"", argv[optind]);
	if (quarter && (from || to))
		return cli_usage("report", "--quarter and --from/--to exclude each other");
	if (!quarter && !(from && to))
		return cli_usage("report", "say which period: --quarter 2026Q3, or --from DATE and --to DATE");
	if (output && !*output)
		return cli_usage("report", "--output: an empty file name");
	/* The report replaces the file; replacing a symbolic link would surprise whoever made it (and
	 * one planted in a shared directory is how a file elsewhere gets overwritten). */
	struct stat sb;
	if (output && strcmp(output, "-") != 0 && lstat(output, &sb) == 0 && S_ISLNK(sb.st_mode))
		return cli_usage("report", "--output: %s is a symbolic link; not replaced (give the file it points to)",
				 output);

	struct dk_error err = {0};
	if ((quarter && report_period_quarter(quarter, &o.period, &err)) ||
	    (!quarter && report_period_dates(from, to, &o.period, &err)))
		return cli_usage("report", "%s", err.msg);
	o.as_of = report_default_as_of(&o.period, when_now());
	if (asof && when_parse("--as-of", asof, &o.as_of, &err))
		return cli_usage("report", "%s", err.msg);
	enum report_format f = format >= 0 ? (enum report_format)format : format_for(output);

	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	struct report *r = NULL;
	if (report_compute(c->db, &o, &r, &err))
		return cli_fail(&err);
	struct buf b;
	buf_init(&b);
	if (report_write(r, f, &b, &err)) {
		report_free(&r);
		buf_free(&b);
		return cli_fail(&err);
	}
	report_free(&r);
	if (output && strcmp(output, "-") != 0)
		rc = write_file(output, &b);
	else
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return rc;
}
