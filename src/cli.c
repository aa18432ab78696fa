/* cli.c: the command table, option parsing shared by every command, errors and tables. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define COMMON_HELP                                                                                                    \
	"  --db PATH       the database (default: $DOCKET_DB, else $XDG_DATA_HOME/docket/docket.db)\n"                 \
	"  --actor LOGIN   act for another staff member (admins only)\n"                                               \
	"  -h, --help      show this help\n"

const struct cli_command cli_commands[] = {
	{"ui", cli_cmd_ui, "ui [--keys]", "open the terminal UI (what `docket` alone does on a terminal)",
	 "  --keys          print every key of every screen and exit\n"},
	{"init", cli_cmd_init, "init", "create the database and make the current login its admin", ""},
	{"demo", cli_cmd_demo, "demo [--count N] [--seed S] [--as-of DATE]",
	 "fill a new database with realistic demands",
	 "  --count N       how many demands (default 200)\n"
	 "  --seed S        the random seed (default 1): the same seed and date give the same data\n"
	 "  --as-of DATE    the day the data ends (default today)\n"},
	{"customer", cli_cmd_customer,
	 "customer add --tenant ID --name NAME --region REGION [--contact NAME] [--email ADDR] [--phone TEL]\n"
	 "       docket customer list [--search TEXT] [--format table|json|csv]",
	 "add or list customers",
	 "  --tenant ID       the customer's tenant id (unique)\n"
	 "  --name NAME       the customer's name\n"
	 "  --region REGION   the data region it chose: us-east, us-west, eu-west, eu-central, uk-south,\n"
	 "                    ca-central, ap-southeast, ap-northeast, au-east, br-south, in-central\n"
	 "  --contact NAME    the contact person for notices\n"
	 "  --email ADDR      the contact's e-mail address\n"
	 "  --phone TEL       the contact's phone number\n"
	 "  --search TEXT     with list: only tenant ids or names containing TEXT\n"
	 "  --format F        with list: table (default), json or csv\n"},
	{"staff", cli_cmd_staff,
	 "staff add LOGIN --name NAME --role intake|attorney|admin\n"
	 "       docket staff deactivate|reactivate LOGIN --reason TEXT\n"
	 "       docket staff role LOGIN intake|attorney|admin --reason TEXT\n"
	 "       docket staff list [--format table|json|csv]\n"
	 "       docket staff roles [--format table|json|csv]",
	 "add, deactivate or change staff, list them, and who may do what",
	 "  --name NAME     the staff member's name\n"
	 "  --role ROLE     intake, attorney or admin\n"
	 "  --reason TEXT   why a staff member is deactivated, reactivated or changes role\n"
	 "  --format F      with list and roles: table (default), json or csv\n"},
	{"requester", cli_cmd_requester, "requester list [--format table|json|csv]", "list requesters",
	 "  --format F      table (default), json or csv\n"},
	{"add", cli_cmd_add,
	 "add --ref REF --channel CH --instrument INST --customer TENANT --requester NAME --kind KIND\n"
	 "       --jurisdiction CC[-SUB] --category CAT... [--identifier ID...] [--source NAME] [--received TIME]\n"
	 "       [--due DATE] [--emergency] [--agency NAME] [--requester-contact NAME] [--requester-email ADDR]\n"
	 "       [--requester-phone TEL] [--assignee LOGIN] [--note TEXT]",
	 "record a new demand; prints its id",
	 "  --ref REF                the requester's reference (unique per source)\n"
	 "  --source NAME            the intake source (default manual)\n"
	 "  --received TIME          when it arrived, ISO-8601 (default now)\n"
	 "  --channel CH             email, portal, mail, fax, in_person\n"
	 "  --instrument INST        subpoena, court_order, search_warrant, emergency, preservation, mlat,\n"
	 "                           national_security, civil_subpoena, other\n"
	 "  --customer TENANT        the customer's tenant id\n"
	 "  --requester NAME         who sent it\n"
	 "  --kind KIND              law_enforcement, government, civil_litigant, other\n"
	 "  --agency NAME            the requester's agency or firm\n"
	 "  --jurisdiction CC[-SUB]  ISO 3166 country code, optional subdivision (US-CA)\n"
	 "  --requester-contact, --requester-email, --requester-phone   how to reach the requester\n"
	 "  --identifier ID          an account, e-mail, IP or phone the demand names (repeat; kind:value to\n"
	 "                           say the kind: account, email, ip, phone)\n"
	 "  --category CAT           subscriber, non_content, content (repeat, or comma-separated)\n"
	 "  --due DATE               the response date the demand names\n"
	 "  --emergency              an emergency request (may skip redirecting)\n"
	 "  --assignee LOGIN         the staff member who handles it\n"
	 "  --note TEXT              a note for the timeline\n"},
	{"import", cli_cmd_import,
	 "import [--format csv|json|ndjson] [--source NAME] [--dry-run] [--skip-invalid [--rejects FILE]]\n"
	 "       [--create-customers] [--header 'Name: value']... [--cacert FILE] [--connect-timeout S]\n"
	 "       [--timeout S] [--max-size SIZE] (FILE | - | URL)",
	 "record demands from a CSV, JSON or NDJSON file, standard input or an http(s) URL",
	 "  --format F            csv, json (an array of objects) or ndjson (an object a line); default:\n"
	 "                        from the name's extension, else the server's Content-Type\n"
	 "  --source NAME         the intake source the references belong to (default import)\n"
	 "  --dry-run             check and count, write nothing\n"
	 "  --skip-invalid        write the valid records even when some are invalid\n"
	 "  --rejects FILE        with --skip-invalid: write the invalid records to FILE, with the reason\n"
	 "  --create-customers    add customers the database does not know (needs customer_region)\n"
	 "  --header 'N: V'       with a URL: send this header too (repeat), e.g. an Authorization token\n"
	 "  --cacert FILE         with an https URL: also trust the CA certificates in FILE\n"
	 "  --connect-timeout S   with a URL: seconds to connect (default 10)\n"
	 "  --timeout S           with a URL: seconds for the whole download, retries included (default 300)\n"
	 "  --max-size SIZE       with a URL: the largest body accepted, in bytes or with K, M or G\n"
	 "                        (default 256M)\n"},
	{"list", cli_cmd_list,
	 "list [--status S] [--assignee LOGIN] [--overdue] [--due-within DAYS] [--search TEXT] [--limit N]\n"
	 "       [--format table|json|csv]",
	 "list demands, open ones by deadline",
	 "  --status S          open (default), all, or a state: received, redirecting, preserving, in_review,\n"
	 "                      challenged, notifying, disclosing, notice_owed, closed\n"
	 "  --assignee LOGIN    only demands assigned to LOGIN\n"
	 "  --overdue           only demands past their deadline\n"
	 "  --due-within DAYS   only demands due within DAYS days (late ones included)\n"
	 "  --search TEXT       reference or identifier prefix, customer or requester name, notes\n"
	 "  --limit N           at most N rows\n"
	 "  --format F          table (default), json or csv\n"},
	{"show", cli_cmd_show, "show ID [--format table|json]",
	 "show a demand: fields, identifiers, orders, notices, timeline and the moves from here",
	 "  --format F      table (default) or json\n"},
	{"move", cli_cmd_move,
	 "move ID STATE [--outcome OUTCOME] [--note TEXT] [--disclosed CAT...] [--expect-version N]",
	 "move a demand along the workflow",
	 "  STATE               redirecting, preserving, in_review, challenged, notifying, disclosing,\n"
	 "                      notice_owed, closed\n"
	 "  --outcome OUTCOME   with closed: redirected, withdrawn, rejected, no_data, disclosed_content,\n"
	 "                      disclosed_non_content, preservation_expired, superseded\n"
	 "  --note TEXT         why; required on a review of a cross-region or process-flagged demand\n"
	 "  --disclosed CAT     with a disclosed outcome: the categories actually disclosed (repeat)\n"
	 "  --expect-version N  refuse if the demand changed since version N was read\n"},
	{"assign", cli_cmd_assign, "assign ID LOGIN", "assign a demand to a staff member (\"\" unassigns)", ""},
	{"note", cli_cmd_note, "note ID TEXT", "add a note to a demand's timeline", ""},
	{"order", cli_cmd_order,
	 "order ID --ref R [--statute S] [--issued DATE] (--expires DATE | --indefinite | --lifted DATE) "
	 "[--challenged]\n"
	 "       [--reviewed] [--reason TEXT]",
	 "record, update, lift or review a non-disclosure order on a demand (an attorney's)",
	 "  --ref R          the order's reference; an existing order with it is updated\n"
	 "  --statute S      the law it was issued under, e.g. \"18 U.S.C. 2705(b)\"\n"
	 "  --issued DATE    when it was issued (not in the future)\n"
	 "  --expires DATE   when it ends\n"
	 "  --indefinite     it has no end date\n"
	 "  --lifted DATE    it was lifted on DATE; a lifted order is not changed again\n"
	 "  --challenged     it is being challenged\n"
	 "  --reviewed       an attorney reviewed it now\n"
	 "  --reason TEXT    why: required with --lifted, --reviewed and an earlier --expires\n"},
	{"authenticate", cli_cmd_authenticate,
	 "authenticate ID --method callback|email-domain|portal|supervisor [--note TEXT]",
	 "record how the requester's identity was verified",
	 "  --method M      callback, email-domain, portal or supervisor\n"
	 "  --note TEXT     how it was done (the number called, the supervisor's name)\n"},
	{"extend", cli_cmd_extend, "extend ID --due DATE --reason TEXT",
	 "extend the current deadline, with the reason (an attorney's)",
	 "  --due DATE      the new deadline, later than the current one\n"
	 "  --reason TEXT   why (kept in the timeline)\n"},
	{"notice", cli_cmd_notice, "notice ID --via letter|phone|email [--at TIME]",
	 "record a customer notice delivered outside docket, while one is owed (an attorney's)",
	 "  --via V         letter, phone or email\n"
	 "  --at TIME       when it was delivered (default now)\n"},
	{"due", cli_cmd_due, "due [--within DAYS] [--format table|json|csv] [--mail ADDRESS]",
	 "list what is late or due soon, what the obligations need, and letters that need a person; exit status 1 "
	 "when any",
	 "  --within DAYS   how far ahead to look (default: policy due_soon_days, 7)\n"
	 "  --format F      table (default), json or csv\n"
	 "  --mail ADDRESS  send the list as the morning digest to ADDRESS instead of printing it\n"},
	{"outbox", cli_cmd_outbox,
	 "outbox list [--status S] [--needs-person] [--demand ID] [--limit N] [--format table|json|csv]\n"
	 "       docket outbox preview NOTICE [--format table|json]\n"
	 "       docket outbox edit NOTICE\n"
	 "       docket outbox send [--dry-run] [--limit N]\n"
	 "       docket outbox retry NOTICE\n"
	 "       docket outbox cancel NOTICE --reason TEXT\n"
	 "       docket outbox delivered NOTICE --via letter|phone|email [--at TIME]",
	 "list, preview, edit and send the letters docket drafted",
	 "  --status S       with list: all, queued, sending, sent, failed or cancelled (default: the\n"
	 "                   letters still waiting: queued, sending and failed)\n"
	 "  --needs-person   with list: only failed letters and letters a person must deliver\n"
	 "  --demand ID      with list: only the letters of demand ID\n"
	 "  --limit N        with list: at most N rows; with send: at most N letters\n"
	 "  --format F       with list: table (default), json or csv; with preview: table or json\n"
	 "  --dry-run        with send: check and build every letter that is due, send nothing\n"
	 "  --reason TEXT    with cancel: why the letter will not go out\n"
	 "  --via V          with delivered: how a person delivered it: letter, phone or email\n"
	 "  --at TIME        with delivered: when (default now)\n"},
	{"report", cli_cmd_report,
	 "report (--quarter YYYYQN | --from DATE --to DATE) [--as-of TIME] [--format text|csv|json|html]\n"
	 "       [--output FILE] [--by country|requester-kind|instrument] [--band-width N]",
	 "the transparency report for a quarter or a period",
	 "  --quarter YYYYQN   the quarter, e.g. 2026Q3\n"
	 "  --from DATE        the first day of the period (with --to)\n"
	 "  --to DATE          the last day of the period, included\n"
	 "  --as-of TIME       the report as of TIME: what was recorded by then, each demand in its state\n"
	 "                     then (default: the period's end, or now if sooner); the same database and\n"
	 "                     the same --as-of give the same report, byte for byte\n"
	 "  --format F         text, csv, json or html (default: from --output's extension, else text)\n"
	 "  --output FILE      write to FILE (replaced whole, or left untouched on failure); - for stdout\n"
	 "  --by D             the dimension of the outcome breakdown: country (default), requester-kind\n"
	 "                     or instrument\n"
	 "  --band-width N     the width of the national-security bands, at least 100 (default 250)\n"},
	{"verify", cli_cmd_verify, "verify [--head HASH]",
	 "check the audit chain and the database's integrity; prints the chain's head",
	 "  --head HASH   also check that the chain still contains HASH (kept outside the database)\n"},
	{"backup", cli_cmd_backup, "backup PATH", "copy the database to PATH (0600), consistent while others write",
	 ""},
	{NULL, NULL, NULL, NULL, NULL},
};

bool cli_want_help;

void cli_put_safe(FILE *out, const char *s)
{
	char *n = text_neutralise(s ? s : "", false);
	fputs(n ? n : "?", out);
	free(n);
}

int cli_fail(const struct dk_error *err)
{
	fputs("docket: ", stderr);
	cli_put_safe(stderr, err->msg[0] ? err->msg : "failed");
	fputc('\n', stderr);
	return err->status ? (int)err->status : DK_STORAGE;
}

int cli_fail_path(const char *path, int e)
{
	fputs("docket: ", stderr);
	cli_put_safe(stderr, path);
	fprintf(stderr, ": %s\n", strerror(e));
	return DK_STORAGE;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fputs("docket", stderr);
	if (cmd)
		fprintf(stderr, " %s", cmd);
	fputs(": ", stderr);
	cli_put_safe(stderr, msg);
	fprintf(stderr, "\nTry 'docket %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return DK_INVALID;
}

int cli_help(const char *cmd)
{
	for (const struct cli_command *k = cli_commands; k->name; k++) {
		if (strcmp(k->name, cmd) != 0)
			continue;
		printf("Usage: docket %s\n\n%s.\n\nOptions:\n%s%s", k->usage, k->summary, k->help, COMMON_HELP);
		return 0;
	}
	return DK_INVALID;
}

int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	static const struct option common[] = {
		{"db", required_argument, NULL, 1001},
		{"actor", required_argument, NULL, 1002},
		{"help", no_argument, NULL, 'h'},
	};
	/* getopt_long wants one table: the command's options followed by the common ones. */
	struct option all[64];
	size_t n = 0;
	for (; longopts && longopts[n].name && n < 60; n++)
		all[n] = longopts[n];
	for (size_t i = 0; i < 3; i++)
		all[n++] = common[i];
	memset(&all[n], 0, sizeof all[n]);
	char shorts[64];
	snprintf(shorts, sizeof shorts, ":h%s", shortopts ? shortopts : "");
	for (;;) {
		int ch = getopt_long(argc, argv, shorts, all, NULL);
		switch (ch) {
		case 1001: c->db_opt = optarg; continue;
		case 1002: c->actor_opt = optarg; continue;
		case 'h': cli_want_help = true; return -1;
		case ':': cli_usage(argv[0], "%s needs a value", argv[optind - 1]); return '?';
		case '?': cli_usage(argv[0], "unknown option %s", argv[optind - 1]); return '?';
		default: return ch;
		}
	}
}

int cli_open(struct cli *c, enum db_mode mode)
{
	struct dk_error err = {0};
	char *path = db_default_path(c->db_opt, &err);
	if (!path)
		return cli_fail(&err);
	enum dk_status s = db_open(path, mode, &c->db, &err);
	free(path);
	if (s)
		return cli_fail(&err);
	if (db_warning(c->db)) {
		fputs("docket: warning: ", stderr);
		cli_put_safe(stderr, db_warning(c->db));
		fputc('\n', stderr);
	}
	return 0;
}

int cli_acting(struct cli *c)
{
	struct dk_error err = {0};
	struct actor who = {staff_os_login(), c->actor_opt};
	if (staff_resolve(c->db, &who, &c->who, &err))
		return cli_fail(&err);
	return 0;
}

bool cli_parse_count(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return false;
	*out = v;
	return true;
}

int64_t cli_demand_id(const char *cmd, const char *s)
{
	int64_t id;
	if (!s || !cli_parse_count(s, &id) || id == 0) {
		cli_usage(cmd, "\"%s\" is not a demand id", s ? s : "");
		return 0;
	}
	return id;
}

bool cli_parse_format(const char *cmd, const char *s, unsigned allowed, enum cli_format *out)
{
	static const char *const names[] = {"table", "json", "csv"};
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0 && (allowed & (1u << i))) {
			*out = (enum cli_format)i;
			return true;
		}
	}
	cli_usage(cmd, "--format: \"%s\" is not one of %s", s,
		  allowed & (1u << FORMAT_CSV) ? "table, json, csv" : "table, json");
	return false;
}

void cli_table_begin(struct table *t, size_t ncols, const char *const *header)
{
	table_init(t, ncols, 0);
	table_row(t, header);
}

void table_print(const struct table *t, FILE *out)
{
	struct buf b;
	buf_init(&b);
	table_put(t, &b, 0);
	if (b.oom)
		fputs("docket: out of memory\n", stderr);
	else
		fwrite(b.data, 1, b.len, out);
	buf_free(&b);
}

void listing_begin(struct listing *l, enum cli_format f, size_t ncols, const char *const *keys,
		   const char *const *header, unsigned raw)
{
	memset(l, 0, sizeof *l);
	l->format = f;
	l->ncols = ncols;
	l->keys = keys;
	l->raw = raw;
	buf_init(&l->out);
	if (f == FORMAT_TABLE)
		cli_table_begin(&l->table, ncols, header);
	if (f == FORMAT_CSV) {
		for (size_t i = 0; i < ncols; i++)
			buf_printf(&l->out, "%s%s", i ? "," : "", keys[i]);
		buf_puts(&l->out, "\r\n");
	}
}

void listing_row(struct listing *l, const char *const *cells, const char *const *vals)
{
	struct buf *b = &l->out;
	l->rows++;
	if (l->format == FORMAT_TABLE) {
		table_row(&l->table, cells);
		return;
	}
	if (l->format == FORMAT_JSON) {
		buf_puts(b, l->rows == 1 ? "[\n  {" : ",\n  {");
		for (size_t i = 0; i < l->ncols; i++) {
			buf_printf(b, "%s\"%s\": ", i ? ", " : "", l->keys[i]);
			if (vals[i] && (l->raw & (1u << i)))
				buf_puts(b, vals[i]);
			else
				buf_json_str_or_null(b, vals[i]);
		}
		buf_putc(b, '}');
	} else {
		for (size_t i = 0; i < l->ncols; i++) {
			if (i)
				buf_putc(b, ',');
			buf_csv_cell(b, vals[i] ? vals[i] : "");
		}
		buf_puts(b, "\r\n");
	}
	/* Stream large listings rather than hold them. */
	if (b->len > 1 << 16 && !b->oom) {
		fwrite(b->data, 1, b->len, stdout);
		buf_reset(b);
	}
}

int listing_end(struct listing *l, const char *none)
{
	int rc = 0;
	if (l->format == FORMAT_TABLE) {
		if (l->rows)
			table_print(&l->table, stdout);
		else
			puts(none);
		table_free(&l->table);
	} else {
		if (l->format == FORMAT_JSON)
			buf_puts(&l->out, l->rows ? "\n]\n" : "[]\n");
		if (l->out.oom) {
			fputs("docket: out of memory\n", stderr);
			rc = DK_STORAGE;
		} else {
			fwrite(l->out.data, 1, l->out.len, stdout);
		}
	}
	buf_free(&l->out);
	return rc;
}
