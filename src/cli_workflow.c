/* cli_workflow.c: `docket move`, `assign`, `note`, `order`, `authenticate`, `extend`, `notice`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demand.h"
#include "workflow.h"

/* Opens the database, checks who acts, and parses the demand id in argv[optind]. */
static int prepare(struct cli *c, const char *cmd, int argc, char **argv, int nargs, int64_t *id)
{
	if (argc - optind != nargs)
		return cli_usage(cmd, nargs == 1 ? "give one demand id" : "give a demand id and %d more argument%s",
				 nargs - 1, nargs > 2 ? "s" : "");
	if (!(*id = cli_demand_id(cmd, argv[optind])))
		return DK_INVALID;
	int rc = cli_open(c, DB_EXISTING);
	return rc ? rc : cli_acting(c);
}

static int done(enum dk_status s, const struct dk_error *err)
{
	return s ? cli_fail(err) : 0;
}

int cli_cmd_move(struct cli *c, int argc, char **argv)
{
	enum { O_OUTCOME = 1, O_NOTE, O_DISCLOSED, O_EXPECT };
	static const struct option opts[] = {
		{"outcome", required_argument, NULL, O_OUTCOME},
		{"note", required_argument, NULL, O_NOTE},
		{"disclosed", required_argument, NULL, O_DISCLOSED},
		{"expect-version", required_argument, NULL, O_EXPECT},
		{0, 0, 0, 0},
	};
	struct move_request req = {0};
	const char *disclosed[8];
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_OUTCOME: req.outcome = optarg; break;
		case O_NOTE: req.note = optarg; break;
		case O_DISCLOSED:
			if (req.n_disclosed == 8)
				return cli_usage("move", "too many --disclosed");
			disclosed[req.n_disclosed++] = optarg;
			break;
		case O_EXPECT:
			if (!cli_parse_count(optarg, &req.expect_version) || !req.expect_version)
				return cli_usage("move", "--expect-version: \"%s\" is not a version", optarg);
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("move");
	int rc = prepare(c, "move", argc, argv, 2, &req.id);
	if (rc)
		return rc;
	req.to = argv[optind + 1];
	req.disclosed = disclosed;
	struct dk_error err = {0};
	return done(workflow_move(c->db, &c->who, &req, &err), &err);
}

int cli_cmd_assign(struct cli *c, int argc, char **argv)
{
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return DK_INVALID;
	if (cli_want_help)
		return cli_help("assign");
	int64_t id;
	int rc = prepare(c, "assign", argc, argv, 2, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	return done(workflow_assign(c->db, &c->who, id, argv[optind + 1], 0, &err), &err);
}

int cli_cmd_note(struct cli *c, int argc, char **argv)
{
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return DK_INVALID;
	if (cli_want_help)
		return cli_help("note");
	int64_t id;
	int rc = prepare(c, "note", argc, argv, 2, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	return done(workflow_note(c->db, &c->who, id, argv[optind + 1], &err), &err);
}

int cli_cmd_order(struct cli *c, int argc, char **argv)
{
	enum { O_REF = 1, O_STATUTE, O_ISSUED, O_EXPIRES, O_INDEF, O_LIFTED, O_CHAL, O_REVIEWED, O_REASON };
	static const struct option opts[] = {
		{"ref", required_argument, NULL, O_REF},       {"statute", required_argument, NULL, O_STATUTE},
		{"issued", required_argument, NULL, O_ISSUED}, {"expires", required_argument, NULL, O_EXPIRES},
		{"indefinite", no_argument, NULL, O_INDEF},    {"lifted", required_argument, NULL, O_LIFTED},
		{"challenged", no_argument, NULL, O_CHAL},     {"reviewed", no_argument, NULL, O_REVIEWED},
		{"reason", required_argument, NULL, O_REASON}, {0, 0, 0, 0},
	};
	struct order_input in = {0};
	int ch, ends = 0;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_REF: in.reference = optarg; break;
		case O_STATUTE: in.statute = optarg; break;
		case O_ISSUED: in.issued = optarg; break;
		case O_EXPIRES: in.expires = optarg, ends++; break;
		case O_INDEF: in.indefinite = true, ends++; break;
		case O_LIFTED: in.lifted = optarg, ends++; break;
		case O_CHAL: in.challenged = true; break;
		case O_REVIEWED: in.reviewed = true; break;
		case O_REASON: in.reason = optarg; break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("order");
	if (!in.reference)
		return cli_usage("order", "--ref is required");
	if (ends > 1)
		return cli_usage("order", "give one of --expires, --indefinite, --lifted");
	if (ends == 0 && !in.challenged && !in.statute && !in.issued && !in.reviewed)
		return cli_usage("order", "give --expires, --indefinite or --lifted");
	int64_t id;
	int rc = prepare(c, "order", argc, argv, 1, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	char warning[400];
	if (workflow_order(c->db, &c->who, id, &in, warning, sizeof warning, &err))
		return cli_fail(&err);
	if (*warning) {
		fputs("docket: warning: ", stderr);
		cli_put_safe(stderr, warning);
		fputc('\n', stderr);
	}
	return 0;
}

int cli_cmd_authenticate(struct cli *c, int argc, char **argv)
{
	enum { O_METHOD = 1, O_NOTE };
	static const struct option opts[] = {
		{"method", required_argument, NULL, O_METHOD},
		{"note", required_argument, NULL, O_NOTE},
		{0, 0, 0, 0},
	};
	const char *method = NULL, *note = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == O_METHOD)
			method = optarg;
		else if (ch == O_NOTE)
			note = optarg;
		else
			return DK_INVALID;
	}
	if (cli_want_help)
		return cli_help("authenticate");
	if (!method)
		return cli_usage("authenticate", "--method is required");
	int64_t id;
	int rc = prepare(c, "authenticate", argc, argv, 1, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	return done(workflow_authenticate(c->db, &c->who, id, method, note, &err), &err);
}

int cli_cmd_extend(struct cli *c, int argc, char **argv)
{
	enum { O_DUE = 1, O_REASON };
	static const struct option opts[] = {
		{"due", required_argument, NULL, O_DUE},
		{"reason", required_argument, NULL, O_REASON},
		{0, 0, 0, 0},
	};
	const char *due = NULL, *reason = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == O_DUE)
			due = optarg;
		else if (ch == O_REASON)
			reason = optarg;
		else
			return DK_INVALID;
	}
	if (cli_want_help)
		return cli_help("extend");
	if (!due || !reason)
		return cli_usage("extend", "--due and --reason are required");
	int64_t id;
	int rc = prepare(c, "extend", argc, argv, 1, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	return done(workflow_extend(c->db, &c->who, id, due, reason, &err), &err);
}

int cli_cmd_notice(struct cli *c, int argc, char **argv)
{
	enum { O_VIA = 1, O_AT };
	static const struct option opts[] = {
		{"via", required_argument, NULL, O_VIA},
		{"at", required_argument, NULL, O_AT},
		{0, 0, 0, 0},
	};
	const char *via = NULL, *at = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == O_VIA)
			via = optarg;
		else if (ch == O_AT)
			at = optarg;
		else
			return DK_INVALID;
	}
	if (cli_want_help)
		return cli_help("notice");
	if (!via)
		return cli_usage("notice", "--via is required");
	int64_t id;
	int rc = prepare(c, "notice", argc, argv, 1, &id);
	if (rc)
		return rc;
	struct dk_error err = {0};
	return done(workflow_notice_record(c->db, &c->who, id, via, at, &err), &err);
}
