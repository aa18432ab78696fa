/* cli_outbox.c: `docket outbox list|preview|edit|send|retry|cancel|delivered`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "mail.h"
#include "notice.h"
#include "smtp.h"
#include "text.h"
#include "when.h"
#include "workflow.h"

struct outbox_opts {
	const char *status, *format, *via, *at, *reason;
	bool needs_person, dry_run;
	int64_t limit, demand;
	unsigned given; /* bit per option, to refuse one that does not go with the subcommand */
};

enum { O_STATUS = 1, O_NEEDS, O_DEMAND, O_LIMIT, O_FORMAT, O_DRY, O_VIA, O_AT, O_REASON };

static int64_t notice_id(const char *sub, const char *s)
{
	int64_t id;
	if (!s || !cli_parse_count(s, &id) || id == 0) {
		cli_usage("outbox", "%s: \"%s\" is not a notice id", sub, s ? s : "");
		return 0;
	}
	return id;
}

static void fmt_time(int64_t t, char *out, size_t n)
{
	if (t)
		when_format(t, out, n);
	else
		out[0] = '\0';
}

/* list */
static const char *const list_keys[] = {"id",           "demand",    "reference", "kind",        "via",
					"status",       "recipient", "subject",   "attempts",    "last_error",
					"next_attempt", "created",   "sent",      "needs_person"};
static const char *const list_header[] = {"ID", "DEMAND", "KIND", "VIA", "STATUS", "TO", "TRIES", "WHEN", "NOTE"};
#define LIST_KEYS 14
#define LIST_COLS 9
#define LIST_RAW  (1u << 0 | 1u << 1 | 1u << 8 | 1u << 13)

static int list_row(const struct notice_row *r, void *ctx)
{
	struct listing *l = ctx;
	char id[24], demand[24], tries[24], next[32], created[32], sent[32], when[48], dem[300];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	snprintf(demand, sizeof demand, "%lld", (long long)r->demand_id);
	snprintf(tries, sizeof tries, "%lld", (long long)r->attempts);
	fmt_time(r->next_attempt_at, next, sizeof next);
	fmt_time(r->created_at, created, sizeof created);
	fmt_time(r->sent_at, sent, sizeof sent);
	if (r->sent_at)
		snprintf(when, sizeof when, "sent %s", sent);
	else if (r->next_attempt_at && strcmp(r->status, "queued") == 0)
		snprintf(when, sizeof when, "next %s", next);
	else
		snprintf(when, sizeof when, "queued %s", created);
	if (r->demand_id)
		snprintf(dem, sizeof dem, "%lld %s", (long long)r->demand_id, r->reference);
	else
		snprintf(dem, sizeof dem, "-");
	char status[48];
	snprintf(status, sizeof status, "%s%s", r->status, r->needs_person ? " (person)" : "");
	const char *cells[] = {id, dem, r->kind, r->via, status, r->recipient, tries, when, r->last_error};
	const char *vals[] = {id,
			      r->demand_id ? demand : NULL,
			      r->demand_id ? r->reference : NULL,
			      r->kind,
			      r->via,
			      r->status,
			      r->recipient,
			      r->subject,
			      tries,
			      r->last_error,
			      r->next_attempt_at ? next : NULL,
			      created,
			      r->sent_at ? sent : NULL,
			      r->needs_person ? "true" : "false"};
	listing_row(l, cells, vals);
	return 0;
}

static int sub_list(struct cli *c, const struct outbox_opts *o)
{
	enum cli_format format = FORMAT_TABLE;
	if (o->format && !cli_parse_format("outbox", o->format, 7, &format))
		return DK_INVALID;
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	struct notice_filter f = {
		.status = o->status, .needs_person = o->needs_person, .demand_id = o->demand, .limit = o->limit};
	struct listing l;
	listing_begin(&l, format, format == FORMAT_TABLE ? LIST_COLS : LIST_KEYS, list_keys, list_header, LIST_RAW);
	struct dk_error err = {0};
	if (notice_list(c->db, &f, list_row, &l, &err)) {
		listing_end(&l, "");
		return cli_fail(&err);
	}
	return listing_end(&l, "no letters");
}

/* preview */
static void put_field(const char *name, const char *value)
{
	printf("%-12s ", name);
	cli_put_safe(stdout, value);
	putchar('\n');
}

static int sub_preview(struct cli *c, const struct outbox_opts *o, int64_t id)
{
	enum cli_format format = FORMAT_TABLE;
	if (o->format && !cli_parse_format("outbox", o->format, 3, &format))
		return DK_INVALID;
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	struct dk_error err = {0};
	struct notice *n = NULL;
	if (notice_get(c->db, id, &n, &err))
		return cli_fail(&err);
	/* The From: line as it will be sent, when the mail settings say. */
	struct smtp_config cfg;
	char from[400] = "(not configured: mail_from)";
	if (smtp_config_load(&cfg, &err) == DK_OK) {
		if (cfg.from_addr && *cfg.from_name)
			snprintf(from, sizeof from, "%s <%s>", cfg.from_name, cfg.from_addr);
		else if (cfg.from_addr)
			snprintf(from, sizeof from, "%s", cfg.from_addr);
		smtp_config_free(&cfg);
	}
	char created[32], sent[32], next[32], date[40];
	fmt_time(n->created_at, created, sizeof created);
	fmt_time(n->sent_at, sent, sizeof sent);
	fmt_time(n->next_attempt_at, next, sizeof next);
	mail_date(n->created_at, date, sizeof date);
	if (format == FORMAT_JSON) {
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "{\n  \"id\": %lld,\n  \"demand\": ", (long long)n->id);
		if (n->demand_id)
			buf_printf(&b, "%lld", (long long)n->demand_id);
		else
			buf_puts(&b, "null");
		const char *keys[] = {"reference",      "kind",    "via",        "status",       "recipient",
				      "recipient_name", "subject", "message_id", "template",     "last_error",
				      "from",           "created", "sent",       "next_attempt", "body"};
		const char *vals[] = {n->demand_id ? n->reference : NULL,
				      n->kind,
				      n->via,
				      n->status,
				      n->recipient,
				      n->recipient_name,
				      n->subject,
				      n->message_id,
				      n->template_source,
				      n->last_error,
				      from,
				      created,
				      n->sent_at ? sent : NULL,
				      n->next_attempt_at ? next : NULL,
				      n->body};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			buf_printf(&b, ",\n  \"%s\": ", keys[i]);
			buf_json_str_or_null(&b, vals[i]);
		}
		buf_printf(&b, ",\n  \"attempts\": %lld,\n  \"version\": %lld\n}\n", (long long)n->attempts,
			   (long long)n->version);
		if (b.oom)
			rc = DK_STORAGE, fputs("docket: out of memory\n", stderr);
		else
			fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		notice_free(&n);
		return rc;
	}
	char line[600];
	snprintf(line, sizeof line, "%lld: %s, %s via %s", (long long)n->id, n->kind, n->status, n->via);
	put_field("Notice", line);
	if (n->demand_id) {
		snprintf(line, sizeof line, "%lld %s", (long long)n->demand_id, n->reference);
		put_field("Demand", line);
	}
	put_field("Template", n->template_source);
	snprintf(line, sizeof line, "%lld%s%s", (long long)n->attempts, *next ? ", next " : "", next);
	put_field("Attempts", line);
	if (*n->last_error)
		put_field("Note", n->last_error);
	if (n->sent_at)
		put_field("Sent", sent);
	putchar('\n');
	put_field("Date:", date);
	put_field("From:", from);
	if (*n->recipient)
		snprintf(line, sizeof line, "%s%s%s%s", n->recipient_name, *n->recipient_name ? " <" : "", n->recipient,
			 *n->recipient_name ? ">" : "");
	else
		snprintf(line, sizeof line, "%s%s(no e-mail address: a person delivers it)", n->recipient_name,
			 *n->recipient_name ? " " : "");
	put_field("To:", line);
	put_field("Subject:", n->subject);
	put_field("Message-ID:", n->message_id);
	putchar('\n');
	char *body = text_neutralise(n->body, true);
	fputs(body ? body : "?", stdout);
	if (body && *body && body[strlen(body) - 1] != '\n')
		putchar('\n');
	free(body);
	notice_free(&n);
	return 0;
}

/* edit */
static int run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	char script[1200];
	/* The editor setting may carry arguments ("emacs -nw"): the shell splits it; the path is
	 * passed as an argument, never pasted into the command. */
	snprintf(script, sizeof script, "exec %s \"$1\"", ed);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, "sh", path, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Reads back "To: ...\nSubject: ...\n\nbody". */
static int parse_edit(const char *text, char **to, char **subject, char **body)
{
	*to = *subject = *body = NULL;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return cli_usage("outbox",
					 "edit: no blank line after the To: and Subject: lines; nothing saved");
		size_t n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = nl + 1;
			break;
		}
		char **slot = NULL;
		size_t skip = 0;
		if (n >= 3 && strncasecmp(p, "To:", 3) == 0)
			slot = to, skip = 3;
		else if (n >= 8 && strncasecmp(p, "Subject:", 8) == 0)
			slot = subject, skip = 8;
		if (!slot)
			return cli_usage("outbox", "edit: only To: and Subject: lines go above the blank line; nothing "
						   "saved");
		const char *v = p + skip;
		while (v < p + n && (*v == ' ' || *v == '\t'))
			v++;
		free(*slot);
		*slot = strndup(v, (size_t)(p + n - v));
		p = nl + 1;
	}
	if (!*to)
		*to = strdup("");
	if (!*subject)
		*subject = strdup("");
	/* Line ends as a Windows editor may leave them. */
	struct buf b;
	buf_init(&b);
	for (const char *q = p; *q; q++)
		if (!(*q == '\r' && q[1] == '\n'))
			buf_putc(&b, *q);
	buf_add(&b, "", 0);
	*body = buf_take(&b);
	return 0;
}

static int sub_edit(struct cli *c, int64_t id)
{
	int rc = cli_open(c, DB_EXISTING);
	if (rc || (rc = cli_acting(c)))
		return rc;
	struct dk_error err = {0};
	struct notice *n = NULL;
	if (notice_get(c->db, id, &n, &err))
		return cli_fail(&err);
	if (strcmp(n->status, "queued") != 0 && strcmp(n->status, "failed") != 0) {
		dk_fail(&err, DK_REFUSED, "notice %lld: %s; only a queued or failed notice can be edited",
			(long long)id, n->status);
		notice_free(&n);
		return cli_fail(&err);
	}
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/docket-notice-%lld-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp", (long long)id);
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd), unlink(path);
		notice_free(&n);
		return cli_fail_path(path, e);
	}
	fprintf(f, "To: %s\nSubject: %s\n\n%s", n->recipient, n->subject, n->body);
	if (fclose(f) != 0) {
		int e = errno;
		unlink(path);
		notice_free(&n);
		return cli_fail_path(path, e);
	}
	int ed = run_editor(path);
	size_t len = 0;
	char *text = NULL;
	FILE *in = ed == 0 ? fopen(path, "r") : NULL;
	if (in) {
		struct buf b;
		buf_init(&b);
		char chunk[8192];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, in)) > 0 && b.len <= MAIL_BODY_MAX + 4096)
			buf_add(&b, chunk, got);
		fclose(in);
		buf_add(&b, "", 0);
		len = b.len;
		text = buf_take(&b);
	}
	unlink(path);
	if (ed != 0) {
		notice_free(&n);
		fprintf(stderr, "docket: notice %lld: the editor exited with status %d; nothing saved\n", (long long)id,
			ed);
		return DK_INVALID;
	}
	if (!text || memchr(text, '\0', len)) {
		fprintf(stderr, "docket: notice %lld: %s; nothing saved\n", (long long)id,
			text ? "the edited letter holds a NUL byte" : "cannot read the edited letter back");
		free(text);
		notice_free(&n);
		return DK_INVALID;
	}
	char *to, *subject, *body;
	rc = parse_edit(text, &to, &subject, &body);
	free(text);
	if (!rc) {
		if (!to || !subject || !body) {
			fputs("docket: out of memory\n", stderr);
			rc = DK_STORAGE;
		} else if (strcmp(to, n->recipient) == 0 && strcmp(subject, n->subject) == 0 &&
			   strcmp(body, n->body) == 0) {
			printf("notice %lld: unchanged\n", (long long)id);
		} else if (notice_edit(c->db, &c->who, id, n->version, to, subject, body, &err)) {
			rc = cli_fail(&err);
		} else {
			printf("notice %lld: saved\n", (long long)id);
		}
	}
	free(to), free(subject), free(body);
	notice_free(&n);
	return rc;
}

/* send */
static void print_outcome(const struct notice_outcome *o, void *ctx)
{
	(void)ctx;
	char who[400], next[32];
	if (o->demand_id)
		snprintf(who, sizeof who, "notice %lld (demand %lld, %s)", (long long)o->id, (long long)o->demand_id,
			 o->kind);
	else
		snprintf(who, sizeof who, "notice %lld (%s)", (long long)o->id, o->kind);
	FILE *out = o->result == NOTICE_SENT || o->result == NOTICE_WOULD_SEND ? stdout : stderr;
	fputs(out == stderr ? "docket: " : "", out);
	cli_put_safe(out, who);
	fputs(" to ", out);
	cli_put_safe(out, o->recipient);
	switch (o->result) {
	case NOTICE_SENT: fputs(": sent", out); break;
	case NOTICE_WOULD_SEND: fputs(": would be sent", out); break;
	case NOTICE_DEFERRED:
		when_format(o->next_attempt_at, next, sizeof next);
		fprintf(out, ": not sent, trying again after %s", next);
		break;
	case NOTICE_FAILED: fputs(": failed, needs a person", out); break;
	case NOTICE_REFUSED: break; /* the reason says "refused: ..." */
	}
	if (o->detail && *o->detail) {
		fputs(": ", out);
		cli_put_safe(out, o->detail);
	}
	fputc('\n', out);
}

/* A demand whose owed notice could not be drafted: said, and the rest go on. */
static void owed_skipped(int64_t demand_id, const struct dk_error *why, void *ctx)
{
	(*(int64_t *)ctx)++;
	(void)demand_id; /* the message names it */
	fputs("docket: ", stderr);
	cli_put_safe(stderr, why->msg);
	fputs("; the customer notice stays owed, and docket due lists it\n", stderr);
}

static int sub_send(struct cli *c, const struct outbox_opts *o)
{
	struct dk_error err = {0};
	struct smtp_config cfg;
	if (smtp_config_load(&cfg, &err))
		return cli_fail(&err);
	int rc = cli_open(c, DB_EXISTING);
	if (rc || (rc = cli_acting(c))) {
		smtp_config_free(&cfg);
		return rc;
	}
	/* Orders that ended by expiring leave a delayed notice owed: queue it before sending. */
	int64_t owed = 0, skipped = 0;
	if (!o->dry_run && workflow_queue_owed_notices(c->db, &c->who, &owed, owed_skipped, &skipped, &err)) {
		smtp_config_free(&cfg);
		return cli_fail(&err);
	}
	if (owed)
		printf("queued %lld delayed customer notice%s: the orders that held them back have ended\n",
		       (long long)owed, owed == 1 ? "" : "s");
	struct notice_send_options so = {.cfg = &cfg, .dry_run = o->dry_run, .limit = o->limit, .each = print_outcome};
	struct notice_send_report rep;
	enum dk_status s = notice_send(c->db, &c->who, &so, &rep, &err);
	smtp_config_free(&cfg);
	if (s)
		return cli_fail(&err);
	if (o->dry_run)
		printf("%lld would be sent, %lld refused, %lld failed\n", (long long)rep.would_send,
		       (long long)rep.refused, (long long)rep.failed);
	else
		printf("%lld sent, %lld deferred, %lld failed, %lld refused\n", (long long)rep.sent,
		       (long long)rep.deferred, (long long)rep.failed, (long long)rep.refused);
	if (rep.deferred || rep.failed || skipped)
		return DK_STORAGE;
	return rep.refused ? DK_REFUSED : 0;
}

static int sub_person(struct cli *c, const char *sub, const struct outbox_opts *o, int64_t id)
{
	int rc = cli_open(c, DB_EXISTING);
	if (rc || (rc = cli_acting(c)))
		return rc;
	struct dk_error err = {0};
	enum dk_status s;
	if (strcmp(sub, "retry") == 0)
		s = notice_retry(c->db, &c->who, id, &err);
	else if (strcmp(sub, "cancel") == 0)
		s = notice_cancel(c->db, &c->who, id, o->reason, &err);
	else
		s = notice_delivered(c->db, &c->who, id, o->via, o->at, &err);
	return s ? cli_fail(&err) : 0;
}

/* Which options each subcommand takes. */
static const struct {
	const char *name;
	bool takes_id;
	unsigned opts;
} subs[] = {
	{"list", false, 1u << O_STATUS | 1u << O_NEEDS | 1u << O_DEMAND | 1u << O_LIMIT | 1u << O_FORMAT},
	{"preview", true, 1u << O_FORMAT},
	{"edit", true, 0},
	{"send", false, 1u << O_DRY | 1u << O_LIMIT},
	{"retry", true, 0},
	{"cancel", true, 1u << O_REASON},
	{"delivered", true, 1u << O_VIA | 1u << O_AT},
};

int cli_cmd_outbox(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, O_STATUS}, {"needs-person", no_argument, NULL, O_NEEDS},
		{"demand", required_argument, NULL, O_DEMAND}, {"limit", required_argument, NULL, O_LIMIT},
		{"format", required_argument, NULL, O_FORMAT}, {"dry-run", no_argument, NULL, O_DRY},
		{"via", required_argument, NULL, O_VIA},       {"at", required_argument, NULL, O_AT},
		{"reason", required_argument, NULL, O_REASON}, {0, 0, 0, 0},
	};
	static const char *const names[] = {"",         "--status",  "--needs-person", "--demand", "--limit",
					    "--format", "--dry-run", "--via",          "--at",     "--reason"};
	struct outbox_opts o = {0};
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_STATUS: o.status = optarg; break;
		case O_NEEDS: o.needs_person = true; break;
		case O_DEMAND:
			if (!cli_parse_count(optarg, &o.demand) || !o.demand)
				return cli_usage("outbox", "--demand: \"%s\" is not a demand id", optarg);
			break;
		case O_LIMIT:
			if (!cli_parse_count(optarg, &o.limit) || !o.limit)
				return cli_usage("outbox", "--limit: \"%s\" is not a positive number", optarg);
			break;
		case O_FORMAT: o.format = optarg; break;
		case O_DRY: o.dry_run = true; break;
		case O_VIA: o.via = optarg; break;
		case O_AT: o.at = optarg; break;
		case O_REASON: o.reason = optarg; break;
		default: return DK_INVALID;
		}
		o.given |= 1u << ch;
	}
	if (cli_want_help)
		return cli_help("outbox");
	if (optind >= argc)
		return cli_usage("outbox", "give list, preview, edit, send, retry, cancel or delivered");
	const char *sub = argv[optind];
	size_t k = 0;
	while (k < sizeof subs / sizeof subs[0] && strcmp(subs[k].name, sub) != 0)
		k++;
	if (k == sizeof subs / sizeof subs[0])
		return cli_usage("outbox",
				 "unknown subcommand \"%s\"; give list, preview, edit, send, retry, cancel or "
				 "delivered",
				 sub);
	for (int i = 1; i <= O_REASON; i++)
		if ((o.given & (1u << i)) && !(subs[k].opts & (1u << i)))
			return cli_usage("outbox", "%s does not go with %s", names[i], sub);
	int want = subs[k].takes_id ? 2 : 1;
	if (argc - optind != want)
		return cli_usage("outbox", want == 2 ? "%s: give one notice id" : "%s takes no arguments", sub);
	int64_t id = 0;
	if (want == 2 && !(id = notice_id(sub, argv[optind + 1])))
		return DK_INVALID;
	if (strcmp(sub, "cancel") == 0 && !o.reason)
		return cli_usage("outbox", "cancel needs --reason");
	if (strcmp(sub, "delivered") == 0 && !o.via)
		return cli_usage("outbox", "delivered needs --via letter, phone or email");
	if (strcmp(sub, "list") == 0)
		return sub_list(c, &o);
	if (strcmp(sub, "preview") == 0)
		return sub_preview(c, &o, id);
	if (strcmp(sub, "edit") == 0)
		return sub_edit(c, id);
	if (strcmp(sub, "send") == 0)
		return sub_send(c, &o);
	return sub_person(c, sub, &o, id);
}
