/* cli_demand.c: `docket add`, `list`, `show` and `due`. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "demand.h"
#include "notice.h"
#include "obligation.h"
#include "smtp.h"
#include "text.h"
#include "when.h"
#include "workflow.h"

/* A list of strings gathered from repeated options; comma-separated values split when split. */
struct strlist {
	char *items[DEMAND_MAX_IDENTIFIERS + 1];
	size_t n;
	bool overflow;
};

static void strlist_add(struct strlist *l, const char *s, bool split)
{
	char *copy = strdup(s);
	if (!copy) {
		l->overflow = true;
		return;
	}
	char *save = NULL;
	for (char *p = split ? strtok_r(copy, ",", &save) : copy; p; p = split ? strtok_r(NULL, ",", &save) : NULL) {
		if (l->n >= DEMAND_MAX_IDENTIFIERS + 1) {
			l->overflow = true;
			break;
		}
		l->items[l->n] = strdup(p);
		if (!l->items[l->n]) {
			l->overflow = true;
			break;
		}
		l->n++;
	}
	free(copy);
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	l->n = 0;
}

int cli_cmd_add(struct cli *c, int argc, char **argv)
{
	enum {
		O_REF = 1,
		O_SOURCE,
		O_RECEIVED,
		O_CHANNEL,
		O_INSTRUMENT,
		O_CUSTOMER,
		O_REQUESTER,
		O_KIND,
		O_AGENCY,
		O_JURISDICTION,
		O_RCONTACT,
		O_REMAIL,
		O_RPHONE,
		O_IDENT,
		O_CATEGORY,
		O_DUE,
		O_EMERGENCY,
		O_ASSIGNEE,
		O_NOTE
	};
	static const struct option opts[] = {
		{"ref", required_argument, NULL, O_REF},
		{"source", required_argument, NULL, O_SOURCE},
		{"received", required_argument, NULL, O_RECEIVED},
		{"channel", required_argument, NULL, O_CHANNEL},
		{"instrument", required_argument, NULL, O_INSTRUMENT},
		{"customer", required_argument, NULL, O_CUSTOMER},
		{"requester", required_argument, NULL, O_REQUESTER},
		{"kind", required_argument, NULL, O_KIND},
		{"agency", required_argument, NULL, O_AGENCY},
		{"jurisdiction", required_argument, NULL, O_JURISDICTION},
		{"requester-contact", required_argument, NULL, O_RCONTACT},
		{"requester-email", required_argument, NULL, O_REMAIL},
		{"requester-phone", required_argument, NULL, O_RPHONE},
		{"identifier", required_argument, NULL, O_IDENT},
		{"category", required_argument, NULL, O_CATEGORY},
		{"due", required_argument, NULL, O_DUE},
		{"emergency", no_argument, NULL, O_EMERGENCY},
		{"assignee", required_argument, NULL, O_ASSIGNEE},
		{"note", required_argument, NULL, O_NOTE},
		{0, 0, 0, 0},
	};
	struct demand_input in = {0};
	struct strlist ids = {0}, cats = {0};
	int ch, rc = 0;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_REF: in.reference = optarg; break;
		case O_SOURCE: in.source = optarg; break;
		case O_RECEIVED: in.received = optarg; break;
		case O_CHANNEL: in.channel = optarg; break;
		case O_INSTRUMENT: in.instrument = optarg; break;
		case O_CUSTOMER: in.customer = optarg; break;
		case O_REQUESTER: in.requester.name = optarg; break;
		case O_KIND: in.requester.kind = optarg; break;
		case O_AGENCY: in.requester.agency = optarg; break;
		case O_JURISDICTION: in.requester.jurisdiction = optarg; break;
		case O_RCONTACT: in.requester.contact_name = optarg; break;
		case O_REMAIL: in.requester.email = optarg; break;
		case O_RPHONE: in.requester.phone = optarg; break;
		case O_IDENT: strlist_add(&ids, optarg, false); break;
		case O_CATEGORY: strlist_add(&cats, optarg, true); break;
		case O_DUE: in.response_due = optarg; break;
		case O_EMERGENCY: in.emergency = true; break;
		case O_ASSIGNEE: in.assignee = optarg; break;
		case O_NOTE: in.note = optarg; break;
		default: rc = DK_INVALID; goto out;
		}
	}
	if (cli_want_help) {
		rc = cli_help("add");
		goto out;
	}
	if (optind < argc) {
		rc = cli_usage("add", "unexpected argument \"%s\"", argv[optind]);
		goto out;
	}
	static const struct {
		const char *opt;
		size_t off;
	} required[] = {
		{"--ref", offsetof(struct demand_input, reference)},
		{"--channel", offsetof(struct demand_input, channel)},
		{"--instrument", offsetof(struct demand_input, instrument)},
		{"--customer", offsetof(struct demand_input, customer)},
		{"--requester", offsetof(struct demand_input, requester.name)},
		{"--kind", offsetof(struct demand_input, requester.kind)},
		{"--jurisdiction", offsetof(struct demand_input, requester.jurisdiction)},
	};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (!*(const char **)((const char *)&in + required[i].off)) {
			rc = cli_usage("add", "%s is required", required[i].opt);
			goto out;
		}
	}
	if (ids.overflow || cats.overflow) {
		rc = cli_usage("add", "more than %d identifiers or categories", DEMAND_MAX_IDENTIFIERS);
		goto out;
	}
	in.identifiers = (const char *const *)ids.items;
	in.n_identifiers = ids.n;
	in.categories = (const char *const *)cats.items;
	in.n_categories = cats.n;
	struct dk_error err = {0};
	if (demand_check(&in, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if ((rc = cli_open(c, DB_EXISTING)) || (rc = cli_acting(c)))
		goto out;
	int64_t id;
	if (demand_add(c->db, &c->who, &in, &id, &err))
		rc = cli_fail(&err);
	else
		printf("%lld\n", (long long)id);
out:
	strlist_free(&ids);
	strlist_free(&cats);
	return rc;
}

/* Listing output, shared by list and due. */
struct list_out {
	struct listing l;
	int64_t now;
	int64_t late;
	bool due; /* docket due in a machine format: two more keys, why and order */
};

static const char *const list_header[] = {"ID",     "REFERENCE", "RECEIVED", "REQUESTER", "INSTRUMENT", "CUSTOMER",
					  "STATUS", "DUE",       "ASSIGNEE", "FLAGS",     NULL,         NULL,
					  NULL,     NULL,        NULL,       NULL};
static const char *const list_keys[] = {
	"id",      "reference", "received", "requester", "requester_kind", "instrument",   "customer",    "status",
	"outcome", "due",       "assignee", "emergency", "cross_region",   "process_flag", "under_order", "version",
	"why",     "order"};
#define LIST_KEYS    (sizeof list_keys / sizeof list_keys[0] - 2)
#define DUE_KEYS     (sizeof list_keys / sizeof list_keys[0])
#define LIST_COLUMNS 10
/* id, the four flags and version are JSON numbers and booleans. */
#define LIST_RAW (1u << 0 | 1u << 11 | 1u << 12 | 1u << 13 | 1u << 14 | 1u << 15)

static void flags_of(const struct demand_row *r, char *out)
{
	size_t n = 0;
	if (r->emergency)
		out[n++] = 'E';
	if (r->cross_region)
		out[n++] = 'X';
	if (r->process_flag)
		out[n++] = 'P';
	if (r->under_order)
		out[n++] = 'O';
	out[n] = '\0';
}

static int list_row(const struct demand_row *r, void *ctx)
{
	struct list_out *o = ctx;
	if (r->due_at && r->due_at < o->now)
		o->late++;
	char id[24], version[24], received[32], due[32] = "", day[16], rel[32] = "", requester[300], status[64],
						flags[8];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	snprintf(version, sizeof version, "%lld", (long long)r->version);
	when_format(r->received_at, received, sizeof received);
	when_format_date(r->received_at, day, sizeof day);
	if (r->due_at) {
		when_format(r->due_at, due, sizeof due);
		when_relative(r->due_at, o->now, rel, sizeof rel);
	}
	snprintf(requester, sizeof requester, "%s (%s)", r->requester, r->requester_kind);
	snprintf(status, sizeof status, "%s%s%s%s", r->status, r->outcome ? "(" : "", r->outcome ? r->outcome : "",
		 r->outcome ? ")" : "");
	flags_of(r, flags);
	const char *cells[] = {id,        r->reference,  day,
			       requester, r->instrument, r->customer,
			       status,    rel,           r->assignee ? r->assignee : "",
			       flags};
	const char *vals[] = {id,
			      r->reference,
			      received,
			      r->requester,
			      r->requester_kind,
			      r->instrument,
			      r->customer,
			      r->status,
			      r->outcome,
			      r->due_at ? due : NULL,
			      r->assignee,
			      r->emergency ? "true" : "false",
			      r->cross_region ? "true" : "false",
			      r->process_flag ? "true" : "false",
			      r->under_order ? "true" : "false",
			      version,
			      o->due ? (r->due_at && r->due_at < o->now ? "late" : "due_soon") : NULL,
			      NULL};
	listing_row(&o->l, cells, vals);
	return 0;
}

static int run_listing(struct cli *c, const struct demand_filter *f, enum cli_format format, int64_t *late)
{
	struct list_out o = {.now = when_now()};
	/* The table has fewer columns than the data: listing_begin takes the table's count only
	 * for the table format. */
	listing_begin(&o.l, format, format == FORMAT_TABLE ? LIST_COLUMNS : LIST_KEYS, list_keys, list_header,
		      LIST_RAW);
	struct dk_error err = {0};
	int rc = 0;
	if (demand_list(c->db, f, list_row, &o, &err)) {
		listing_end(&o.l, "");
		rc = cli_fail(&err);
	} else {
		rc = listing_end(&o.l, "no demands");
	}
	if (late)
		*late = o.late;
	return rc;
}

int cli_cmd_list(struct cli *c, int argc, char **argv)
{
	enum { O_STATUS = 1, O_ASSIGNEE, O_OVERDUE, O_WITHIN, O_SEARCH, O_LIMIT, O_FORMAT };
	static const struct option opts[] = {
		{"status", required_argument, NULL, O_STATUS}, {"assignee", required_argument, NULL, O_ASSIGNEE},
		{"overdue", no_argument, NULL, O_OVERDUE},     {"due-within", required_argument, NULL, O_WITHIN},
		{"search", required_argument, NULL, O_SEARCH}, {"limit", required_argument, NULL, O_LIMIT},
		{"format", required_argument, NULL, O_FORMAT}, {0, 0, 0, 0},
	};
	struct demand_filter f = {0};
	enum cli_format format = FORMAT_TABLE;
	int64_t within = -1;
	bool overdue = false;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_STATUS: f.status = optarg; break;
		case O_ASSIGNEE: f.assignee = optarg; break;
		case O_OVERDUE: overdue = true; break;
		case O_WITHIN:
			if (!cli_parse_count(optarg, &within) || within > 36500)
				return cli_usage("list", "--due-within: \"%s\" is not a number of days", optarg);
			break;
		case O_SEARCH: f.search = optarg; break;
		case O_LIMIT:
			if (!cli_parse_count(optarg, &f.limit) || f.limit == 0)
				return cli_usage("list", "--limit: \"%s\" is not a positive number", optarg);
			break;
		case O_FORMAT:
			if (!cli_parse_format("list", optarg, 7, &format))
				return DK_INVALID;
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("list");
	if (optind < argc)
		return cli_usage("list", "unexpected argument \"%s\"", argv[optind]);
	int64_t now = when_now();
	if (overdue)
		f.due_before = now;
	if (within >= 0 && (!overdue || now + within * WHEN_DAY < f.due_before))
		f.due_before = now + within * WHEN_DAY;
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	return run_listing(c, &f, format, NULL);
}

/* docket due's obligations: each item, with its demand's row in a machine format, or a line of
 * the table that follows the deadlines. */
struct due_out {
	struct cli *c;
	struct list_out *o;
	struct table *t;
	int64_t now;
	int64_t owing; /* items already past due */
	const struct ob_item *item;
};

static int due_item_row(const struct demand_row *r, void *ctx)
{
	struct due_out *d = ctx;
	const struct ob_item *it = d->item;
	char since[32], rel[32];
	when_format(it->since, since, sizeof since);
	when_relative(it->since, d->now, rel, sizeof rel);
	if (d->t) {
		char id[24], status[64];
		snprintf(id, sizeof id, "%lld", (long long)r->id);
		snprintf(status, sizeof status, "%s%s%s%s", r->status, r->outcome ? "(" : "", r->outcome ? r->outcome : "",
			 r->outcome ? ")" : "");
		const char *cells[] = {id, r->reference, status, ob_what_names[it->what], rel, it->order ? it->order : ""};
		table_row(d->t, cells);
		return 0;
	}
	/* The same keys as the deadlines' rows: due is when the item falls due. */
	char idb[24], version[24], received[32];
	snprintf(idb, sizeof idb, "%lld", (long long)r->id);
	snprintf(version, sizeof version, "%lld", (long long)r->version);
	when_format(r->received_at, received, sizeof received);
	const char *vals[] = {idb,
			      r->reference,
			      received,
			      r->requester,
			      r->requester_kind,
			      r->instrument,
			      r->customer,
			      r->status,
			      r->outcome,
			      since,
			      r->assignee,
			      r->emergency ? "true" : "false",
			      r->cross_region ? "true" : "false",
			      r->process_flag ? "true" : "false",
			      r->under_order ? "true" : "false",
			      version,
			      ob_what_names[it->what],
			      it->order};
	listing_row(&d->o->l, vals, vals);
	return 0;
}

static int due_item(const struct ob_item *it, void *ctx)
{
	struct due_out *d = ctx;
	struct dk_error err = {0};
	d->item = it;
	if (it->since <= d->now)
		d->owing++;
	return demand_list_one(d->c->db, it->demand_id, due_item_row, d, &err) != DK_OK;
}

/* docket due's demands: the deadlines (late or soon), then what the obligations need. */
static int due_listing(struct cli *c, const struct demand_filter *f, enum cli_format format, int64_t now, int64_t *late,
		       int64_t *owing)
{
	struct list_out o = {.now = now, .due = format != FORMAT_TABLE};
	listing_begin(&o.l, format, format == FORMAT_TABLE ? LIST_COLUMNS : DUE_KEYS, list_keys, list_header,
		      LIST_RAW);
	struct dk_error err = {0};
	struct table t;
	static const char *const hdr[] = {"ID", "REFERENCE", "STATUS", "OBLIGATION", "DUE", "ORDER"};
	cli_table_begin(&t, 6, hdr);
	struct due_out d = {.c = c, .o = &o, .t = format == FORMAT_TABLE ? &t : NULL, .now = now};
	int rc = 0;
	if (demand_list(c->db, f, list_row, &o, &err) ||
	    (format != FORMAT_TABLE && obligation_attention(c->db, now, f->due_before, due_item, &d, &err))) {
		listing_end(&o.l, "");
		table_free(&t);
		return cli_fail(&err);
	}
	rc = listing_end(&o.l, "no demands");
	if (!rc && format == FORMAT_TABLE) {
		if (obligation_attention(c->db, now, f->due_before, due_item, &d, &err))
			rc = cli_fail(&err);
		else if (t.n > t.ncols) {
			fputs("\nObligations (docket show ID: what the customer is owed)\n", stdout);
			table_print(&t, stdout);
		}
	}
	table_free(&t);
	*late = o.late;
	*owing = d.owing;
	return rc;
}

/* The letters that need a person, as a second table under the demands. */
static int person_row(const struct notice_row *r, void *ctx)
{
	struct table *t = ctx;
	char id[24], dem[300];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	if (r->demand_id)
		snprintf(dem, sizeof dem, "%lld %s", (long long)r->demand_id, r->reference);
	else
		snprintf(dem, sizeof dem, "-");
	const char *cells[] = {id, dem, r->kind, r->via, r->status, r->recipient, r->last_error};
	table_row(t, cells);
	return 0;
}

/* `due --mail`: the digest, queued and sent through the outbox. */
static int mail_digest(struct cli *c, const char *to, int64_t within)
{
	struct dk_error err = {0};
	struct smtp_config cfg;
	if (smtp_config_load(&cfg, &err))
		return cli_fail(&err);
	int64_t id = 0;
	int rc = cli_acting(c);
	if (!rc && (smtp_config_check(&cfg, &err) || notice_queue_digest(c->db, to, within, &id, &err)))
		rc = cli_fail(&err);
	struct notice_send_options so = {.cfg = &cfg, .only = id};
	struct notice_send_report rep = {0};
	if (!rc && notice_send(c->db, &c->who, &so, &rep, &err))
		rc = cli_fail(&err);
	smtp_config_free(&cfg);
	if (rc)
		return rc;
	if (rep.sent) {
		fputs("digest sent to ", stdout);
		cli_put_safe(stdout, to);
		printf(" (notice %lld)\n", (long long)id);
		return 0;
	}
	/* Left in the outbox: the next `docket outbox send` tries again. */
	struct notice *n = NULL;
	if (notice_get(c->db, id, &n, &err) == DK_OK) {
		dk_fail(&err, DK_STORAGE, "notice %lld: the digest to %s was not sent (%s): %s", (long long)id, to,
			n->status, n->last_error);
		notice_free(&n);
	}
	return cli_fail(&err);
}

int cli_cmd_due(struct cli *c, int argc, char **argv)
{
	enum { O_WITHIN = 1, O_FORMAT, O_MAIL };
	static const struct option opts[] = {
		{"within", required_argument, NULL, O_WITHIN},
		{"format", required_argument, NULL, O_FORMAT},
		{"mail", required_argument, NULL, O_MAIL},
		{0, 0, 0, 0},
	};
	enum cli_format format = FORMAT_TABLE;
	int64_t within = -1;
	const char *mail = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_WITHIN:
			if (!cli_parse_count(optarg, &within) || within > 36500)
				return cli_usage("due", "--within: \"%s\" is not a number of days", optarg);
			break;
		case O_FORMAT:
			if (!cli_parse_format("due", optarg, 7, &format))
				return DK_INVALID;
			break;
		case O_MAIL: mail = optarg; break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("due");
	if (optind < argc)
		return cli_usage("due", "unexpected argument \"%s\"", argv[optind]);
	if (mail && format != FORMAT_TABLE)
		return cli_usage("due", "--mail and --format do not go together");
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	if (within < 0)
		within = db_policy(c->db, "due_soon_days", 7);
	if (mail)
		return mail_digest(c, mail, within);
	int64_t now = when_now(), before = now + within * WHEN_DAY;
	struct demand_filter f = {.due_before = before};
	int64_t late = 0, owing = 0;
	if ((rc = due_listing(c, &f, format, now, &late, &owing)))
		return rc;
	/* Machine formats keep their one array of demands; letters are in `outbox list --format`. */
	struct table t;
	static const char *const hdr[] = {"NOTICE", "DEMAND", "KIND", "VIA", "STATUS", "TO", "WHY"};
	cli_table_begin(&t, 7, hdr);
	struct notice_filter nf = {.needs_person = true};
	struct dk_error err = {0};
	if (notice_list(c->db, &nf, person_row, &t, &err)) {
		table_free(&t);
		return cli_fail(&err);
	}
	size_t people = t.n / t.ncols - 1;
	if (people && format == FORMAT_TABLE) {
		fputs("\nLetters that need a person (docket outbox preview NOTICE)\n", stdout);
		table_print(&t, stdout);
	}
	table_free(&t);
	if (late && format == FORMAT_TABLE)
		fprintf(stderr, "docket: %lld late\n", (long long)late);
	if (owing && format == FORMAT_TABLE)
		fprintf(stderr, "docket: %lld obligation%s past due\n", (long long)owing, owing == 1 ? "" : "s");
	if (people && format == FORMAT_TABLE)
		fprintf(stderr, "docket: %zu letter%s need%s a person\n", people, people == 1 ? "" : "s",
			people == 1 ? "s" : "");
	return late || owing || people ? DK_REFUSED : 0;
}

/* show: human and JSON output of one demand. */
struct show_ctx {
	enum cli_format format;
	struct buf *b;
	struct table *t;
	int n;
};

static void fmt_time(int64_t t, char *out, size_t n)
{
	if (t)
		when_format(t, out, n);
	else
		out[0] = '\0';
}

static int show_event(const struct event *e, void *ctx)
{
	struct show_ctx *s = ctx;
	char at[32];
	when_format(e->at, at, sizeof at);
	if (s->format == FORMAT_JSON) {
		struct buf *b = s->b;
		buf_printf(b, "%s\n    {\"id\": %lld, \"at\": \"%s\", \"actor\": ", s->n++ ? "," : "", (long long)e->id,
			   at);
		buf_json_str(b, e->actor);
		buf_puts(b, ", \"login\": ");
		buf_json_str(b, e->login);
		buf_puts(b, ", \"action\": ");
		buf_json_str(b, e->action);
		buf_printf(b, ", \"changes\": %s, \"note\": ", e->changes);
		buf_json_str(b, e->note);
		buf_putc(b, '}');
		return 0;
	}
	/* Human: "status: a -> b; due: x -> y" from the JSON array the core wrote. */
	struct buf what;
	buf_init(&what);
	const char *p = e->changes;
	char val[3][400];
	bool null[3];
	int k = 0;
	while (*p) {
		if (*p != '"' && strncmp(p, "null", 4) != 0) {
			p++;
			continue;
		}
		size_t n = 0;
		null[k] = *p == 'n';
		if (null[k]) {
			p += 4;
		} else {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (n + 1 < sizeof val[k])
					val[k][n++] = *p;
			}
			if (*p == '"')
				p++;
		}
		val[k][n] = '\0';
		if (++k == 3) {
			buf_printf(&what, "%s%s: ", what.len ? "; " : "", val[0]);
			if (!null[1])
				buf_printf(&what, "%s -> ", val[1]);
			buf_puts(&what, null[2] ? "-" : val[2]);
			k = 0;
		}
	}
	char who[150];
	if (strcmp(e->login, e->actor) == 0)
		snprintf(who, sizeof who, "%s", e->actor);
	else
		snprintf(who, sizeof who, "%s (by %s)", e->actor, e->login);
	const char *cells[] = {at, who, e->action, what.data ? what.data : "", e->note};
	table_row(s->t, cells);
	buf_free(&what);
	return 0;
}

static int show_move(const struct allowed_move *m, void *ctx)
{
	struct show_ctx *s = ctx;
	char target[80];
	snprintf(target, sizeof target, "%s%s%s%s", m->to, *m->outcome ? "(" : "", m->outcome, *m->outcome ? ")" : "");
	if (s->format == FORMAT_JSON) {
		buf_printf(s->b, "%s\n    {\"to\": \"%s\", \"outcome\": ", s->n++ ? "," : "", m->to);
		buf_json_str_or_null(s->b, *m->outcome ? m->outcome : NULL);
		buf_printf(s->b, ", \"action\": \"%s\", \"roles\": ", m->action);
		buf_json_str(s->b, m->roles);
		buf_printf(s->b, ", \"needs_attorney\": %s, \"possible\": %s, \"reason\": ",
			   m->needs_attorney ? "true" : "false", m->possible ? "true" : "false");
		buf_json_str_or_null(s->b, m->possible ? NULL : m->reason);
		buf_putc(s->b, '}');
		return 0;
	}
	const char *cells[] = {target, m->needs_attorney ? "attorney" : strcmp(m->action, "move") != 0 ? m->roles : "",
			       m->possible ? "" : m->reason};
	table_row(s->t, cells);
	return 0;
}

static void json_kv(struct buf *b, const char *key, const char *val, bool first)
{
	buf_printf(b, "%s\n  \"%s\": ", first ? "" : ",", key);
	buf_json_str_or_null(b, val);
}

static void json_time(struct buf *b, const char *key, int64_t t)
{
	char s[32];
	fmt_time(t, s, sizeof s);
	json_kv(b, key, t ? s : NULL, false);
}

/* The obligations, read once for show. */
struct show_ob {
	struct ob_facts f;
	struct obligations ob;
};

static void json_obligations(struct buf *b, const struct obligations *ob)
{
	buf_printf(b, ",\n  \"obligations\": {\"customer_notice\": \"%s\"", ob_notice_names[ob->notice]);
	json_time(b, "notice_from", ob->notice_from);
	buf_printf(b, ",\n    \"contact_forbidden\": %s, \"order_in_force\": ", ob->contact_forbidden ? "true" : "false");
	buf_json_str_or_null(b, ob->order_in_force);
	buf_printf(b, ", \"disclosure\": \"%s\"", ob_disclosure_names[ob->disclosure]);
	json_time(b, "disclose_after", ob->disclosure == OB_DISCLOSE_AFTER ? ob->disclose_after : 0);
	buf_puts(b, ", \"disclosure_reason\": ");
	buf_json_str_or_null(b, ob->disclosure == OB_DISCLOSE_NO ? ob->disclosure_why : NULL);
	buf_printf(b, ",\n    \"redirect_wanted\": %s, \"attention\": [", ob->redirect_wanted ? "true" : "false");
	for (size_t i = 0; i < ob->n_attention; i++) {
		const struct ob_attention *a = &ob->attention[i];
		char t[32];
		when_format(a->since, t, sizeof t);
		buf_printf(b, "%s{\"what\": \"%s\", \"since\": \"%s\", \"order\": ", i ? ", " : "", ob_what_names[a->what], t);
		buf_json_str_or_null(b, a->order);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}");
}

/* The obligations as lines of the case's table, for people. */
struct ob_rows {
	struct table *t;
	bool first;
};

static void ob_row(const char *text, void *ctx)
{
	struct ob_rows *r = ctx;
	const char *cells[] = {r->first ? "Obligations" : "", text};
	r->first = false;
	table_row(r->t, cells);
}

static void table_obligations(struct table *t, const struct obligations *ob, int64_t now)
{
	struct ob_rows r = {t, true};
	obligation_describe(ob, now, ob_row, &r);
}

static int show_json(struct cli *c, const struct demand *d, const struct obligations *ob)
{
	struct buf b;
	buf_init(&b);
	char cats[64];
	buf_printf(&b, "{\n  \"id\": %lld,\n  \"version\": %lld,", (long long)d->id, (long long)d->version);
	json_kv(&b, "source", d->source, true);
	json_kv(&b, "reference", d->reference, false);
	json_time(&b, "received", d->received_at);
	json_kv(&b, "channel", d->channel, false);
	json_kv(&b, "instrument", d->instrument, false);
	json_kv(&b, "status", d->status, false);
	json_kv(&b, "outcome", d->outcome, false);
	json_time(&b, "due", d->due_at);
	json_time(&b, "response_due", d->response_due);
	json_time(&b, "closed", d->closed_at);
	json_kv(&b, "assignee", d->assignee, false);
	buf_printf(&b, ",\n  \"emergency\": %s,\n  \"cross_region\": %s,\n  \"process_flag\": %s",
		   d->emergency ? "true" : "false", d->cross_region ? "true" : "false",
		   d->process_flag ? "true" : "false");
	buf_puts(&b, ",\n  \"customer\": {\"tenant\": ");
	buf_json_str(&b, d->customer.tenant);
	buf_puts(&b, ", \"name\": ");
	buf_json_str(&b, d->customer.name);
	buf_puts(&b, ", \"contact\": ");
	buf_json_str(&b, d->customer.contact_name);
	buf_puts(&b, ", \"email\": ");
	buf_json_str(&b, d->customer.contact_email);
	buf_puts(&b, ", \"phone\": ");
	buf_json_str(&b, d->customer.contact_phone);
	buf_puts(&b, ", \"region\": ");
	buf_json_str(&b, d->customer.region);
	buf_puts(&b, "},\n  \"requester\": {\"name\": ");
	buf_json_str(&b, d->requester.name);
	buf_puts(&b, ", \"kind\": ");
	buf_json_str(&b, d->requester.kind);
	buf_puts(&b, ", \"agency\": ");
	buf_json_str(&b, d->requester.agency);
	buf_puts(&b, ", \"country\": ");
	buf_json_str(&b, d->requester.country);
	buf_puts(&b, ", \"subdivision\": ");
	buf_json_str(&b, d->requester.subdivision);
	buf_puts(&b, ", \"contact\": ");
	buf_json_str(&b, d->requester.contact_name);
	buf_puts(&b, ", \"email\": ");
	buf_json_str(&b, d->requester.email);
	buf_puts(&b, ", \"phone\": ");
	buf_json_str(&b, d->requester.phone);
	buf_puts(&b, "},\n  \"identifiers\": [");
	for (size_t i = 0; i < d->n_identifiers; i++) {
		buf_printf(&b, "%s{\"kind\": \"%s\", \"value\": ", i ? ", " : "", d->identifier_kinds[i]);
		buf_json_str(&b, d->identifiers[i]);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "],\n  \"requested\": [");
	for (int i = 0, n = 0; demand_categories[i]; i++)
		if (d->requested & (1u << i))
			buf_printf(&b, "%s\"%s\"", n++ ? ", " : "", demand_categories[i]);
	buf_puts(&b, "],\n  \"disclosed\": [");
	for (int i = 0, n = 0; demand_categories[i]; i++)
		if (d->disclosed & (1u << i))
			buf_printf(&b, "%s\"%s\"", n++ ? ", " : "", demand_categories[i]);
	(void)cats;
	buf_puts(&b, "],\n  \"orders\": [");
	for (size_t i = 0; i < d->n_orders; i++) {
		const struct nd_order *o = &d->orders[i];
		char t1[32], t2[32], t3[32];
		fmt_time(o->issued_at, t1, sizeof t1);
		fmt_time(o->expires_at, t2, sizeof t2);
		fmt_time(o->lifted_at, t3, sizeof t3);
		buf_puts(&b, i ? ",\n    {\"reference\": " : "\n    {\"reference\": ");
		buf_json_str(&b, o->reference);
		buf_puts(&b, ", \"statute\": ");
		buf_json_str(&b, o->statute);
		buf_puts(&b, ", \"issued\": ");
		buf_json_str_or_null(&b, o->issued_at ? t1 : NULL);
		buf_puts(&b, ", \"expires\": ");
		buf_json_str_or_null(&b, o->expires_at ? t2 : NULL);
		buf_printf(&b,
			   ", \"indefinite\": %s, \"challenged\": %s, \"lifted\": ", o->indefinite ? "true" : "false",
			   o->challenged ? "true" : "false");
		buf_json_str_or_null(&b, o->lifted_at ? t3 : NULL);
		buf_printf(&b, ", \"in_force\": %s}", o->in_force ? "true" : "false");
	}
	buf_puts(&b, d->n_orders ? "\n  ],\n  \"verifications\": [" : "],\n  \"verifications\": [");
	for (size_t i = 0; i < d->n_verifications; i++) {
		const struct verification *v = &d->verifications[i];
		char t[32];
		fmt_time(v->verified_at, t, sizeof t);
		buf_printf(&b, "%s{\"method\": \"%s\", \"by\": ", i ? ", " : "", v->method);
		buf_json_str(&b, v->verified_by);
		buf_printf(&b, ", \"at\": \"%s\", \"note\": ", t);
		buf_json_str(&b, v->note);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "],\n  \"notices\": [");
	for (size_t i = 0; i < d->n_notices; i++) {
		const struct notice_summary *n = &d->notices[i];
		char t1[32], t2[32];
		fmt_time(n->created_at, t1, sizeof t1);
		fmt_time(n->sent_at, t2, sizeof t2);
		buf_printf(&b,
			   "%s{\"id\": %lld, \"kind\": \"%s\", \"via\": \"%s\", \"status\": \"%s\", \"recipient\": ",
			   i ? ", " : "", (long long)n->id, n->kind, n->via, n->status);
		buf_json_str(&b, n->recipient);
		buf_printf(&b, ", \"created\": \"%s\", \"sent\": ", t1);
		buf_json_str_or_null(&b, n->sent_at ? t2 : NULL);
		buf_putc(&b, '}');
	}
	buf_putc(&b, ']');
	json_obligations(&b, ob);
	buf_puts(&b, ",\n  \"events\": [");
	struct dk_error err = {0};
	struct show_ctx s = {.format = FORMAT_JSON, .b = &b};
	enum dk_status st = audit_list(c->db, d->id, show_event, &s, &err);
	buf_puts(&b, "\n  ],\n  \"moves\": [");
	s.n = 0;
	if (!st)
		st = workflow_allowed(c->db, d->id, show_move, &s, &err);
	buf_puts(&b, s.n ? "\n  ]\n}\n" : "]\n}\n");
	int rc = 0;
	if (st)
		rc = cli_fail(&err);
	else if (b.oom)
		rc = DK_STORAGE, fputs("docket: out of memory\n", stderr);
	else
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return rc;
}

static void field(struct table *t, const char *name, const char *value)
{
	const char *cells[] = {name, value ? value : ""};
	table_row(t, cells);
}

static int show_table(struct cli *c, const struct demand *d, const struct obligations *ob)
{
	int64_t now = when_now();
	char buf1[400], buf2[64], buf3[64];
	struct table t;
	const char *hdr[] = {"", ""};
	cli_table_begin(&t, 2, hdr);
	snprintf(buf1, sizeof buf1, "%lld (version %lld)", (long long)d->id, (long long)d->version);
	field(&t, "Demand", buf1);
	snprintf(buf1, sizeof buf1, "%s (source %s)", d->reference, d->source);
	field(&t, "Reference", buf1);
	when_format(d->received_at, buf2, sizeof buf2);
	snprintf(buf1, sizeof buf1, "%s by %s", buf2, d->channel);
	field(&t, "Received", buf1);
	snprintf(buf1, sizeof buf1, "%s%s", d->instrument, d->emergency ? " (emergency)" : "");
	field(&t, "Instrument", buf1);
	snprintf(buf1, sizeof buf1, "%s%s%s%s", d->status, d->outcome ? " (" : "", d->outcome ? d->outcome : "",
		 d->outcome ? ")" : "");
	field(&t, "Status", buf1);
	if (d->due_at) {
		when_format(d->due_at, buf2, sizeof buf2);
		when_relative(d->due_at, now, buf3, sizeof buf3);
		snprintf(buf1, sizeof buf1, "%s (%s)", buf2, buf3);
		field(&t, "Due", buf1);
	}
	if (d->response_due) {
		when_format(d->response_due, buf2, sizeof buf2);
		field(&t, "Response date", buf2);
	}
	field(&t, "Assignee", d->assignee ? d->assignee : "(none)");
	snprintf(buf1, sizeof buf1, "%s (%s), data in %s", d->customer.name, d->customer.tenant, d->customer.region);
	field(&t, "Customer", buf1);
	snprintf(buf1, sizeof buf1, "%s %s %s", d->customer.contact_name, d->customer.contact_email,
		 d->customer.contact_phone);
	field(&t, "  contact", buf1);
	snprintf(buf1, sizeof buf1, "%s (%s)%s%s, %s%s%s", d->requester.name, d->requester.kind,
		 *d->requester.agency ? ", " : "", d->requester.agency, d->requester.country,
		 *d->requester.subdivision ? "-" : "", d->requester.subdivision);
	field(&t, "Requester", buf1);
	snprintf(buf1, sizeof buf1, "%s %s %s", d->requester.contact_name, d->requester.email, d->requester.phone);
	field(&t, "  contact", buf1);
	for (size_t i = 0; i < d->n_identifiers; i++) {
		snprintf(buf1, sizeof buf1, "%s:%s", d->identifier_kinds[i], d->identifiers[i]);
		field(&t, i ? "" : "Identifiers", buf1);
	}
	demand_categories_format(d->requested, ", ", buf1, sizeof buf1);
	field(&t, "Requested", buf1);
	if (d->disclosed) {
		demand_categories_format(d->disclosed, ", ", buf1, sizeof buf1);
		field(&t, "Disclosed", buf1);
	}
	if (d->cross_region || d->process_flag) {
		snprintf(buf1, sizeof buf1, "%s%s%s", d->cross_region ? "cross-region" : "",
			 d->cross_region && d->process_flag ? ", " : "",
			 d->process_flag ? "process: content under an instrument that cannot compel it" : "");
		field(&t, "Flags", buf1);
	}
	for (size_t i = 0; i < d->n_orders; i++) {
		demand_order_format(&d->orders[i], buf1, sizeof buf1);
		field(&t, i ? "" : "Orders", buf1);
	}
	for (size_t i = 0; i < d->n_verifications; i++) {
		const struct verification *v = &d->verifications[i];
		when_format(v->verified_at, buf2, sizeof buf2);
		snprintf(buf1, sizeof buf1, "%s by %s at %s%s%s", v->method, v->verified_by, buf2, *v->note ? ": " : "",
			 v->note);
		field(&t, i ? "" : "Verified", buf1);
	}
	if (!d->n_verifications)
		field(&t, "Verified", "no");
	for (size_t i = 0; i < d->n_notices; i++) {
		const struct notice_summary *n = &d->notices[i];
		if (n->sent_at)
			when_format(n->sent_at, buf2, sizeof buf2);
		snprintf(buf1, sizeof buf1, "#%lld %s via %s: %s%s%s", (long long)n->id, n->kind, n->via, n->status,
			 n->sent_at ? " " : "", n->sent_at ? buf2 : "");
		field(&t, i ? "" : "Notices", buf1);
	}
	table_obligations(&t, ob, now);
	/* Skip the empty header row. */
	free(t.cells[0]), free(t.cells[1]);
	t.cells[0] = strdup("Field"), t.cells[1] = strdup("Value");
	table_print(&t, stdout);
	table_free(&t);

	struct dk_error err = {0};
	const char *ehdr[] = {"WHEN", "WHO", "ACTION", "CHANGES", "NOTE"};
	cli_table_begin(&t, 5, ehdr);
	struct show_ctx s = {.format = FORMAT_TABLE, .t = &t};
	enum dk_status st = audit_list(c->db, d->id, show_event, &s, &err);
	fputs("\nTimeline\n", stdout);
	table_print(&t, stdout);
	table_free(&t);
	if (!st) {
		const char *mhdr[] = {"MOVE", "NEEDS", "BLOCKED BECAUSE"};
		cli_table_begin(&t, 3, mhdr);
		s.t = &t;
		st = workflow_allowed(c->db, d->id, show_move, &s, &err);
		fputs("\nMoves from here\n", stdout);
		if (st)
			;
		else if (t.n > t.ncols)
			table_print(&t, stdout);
		else
			fputs("none: the demand is closed\n", stdout);
		table_free(&t);
	}
	return st ? cli_fail(&err) : 0;
}

int cli_cmd_show(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 1 };
	static const struct option opts[] = {{"format", required_argument, NULL, O_FORMAT}, {0, 0, 0, 0}};
	enum cli_format format = FORMAT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch != O_FORMAT)
			return DK_INVALID;
		if (!cli_parse_format("show", optarg, 3, &format))
			return DK_INVALID;
	}
	if (cli_want_help)
		return cli_help("show");
	if (argc - optind != 1)
		return cli_usage("show", "give one demand id");
	int64_t id = cli_demand_id("show", argv[optind]);
	if (!id)
		return DK_INVALID;
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	struct demand *d = NULL;
	struct dk_error err = {0};
	if (demand_get(c->db, id, &d, &err))
		return cli_fail(&err);
	struct show_ob o;
	if (obligation_load(c->db, id, when_now(), &o.f, &err)) {
		demand_free(&d);
		return cli_fail(&err);
	}
	obligation_derive(&o.f, &o.ob);
	rc = format == FORMAT_JSON ? show_json(c, d, &o.ob) : show_table(c, d, &o.ob);
	obligation_facts_free(&o.f);
	demand_free(&d);
	return rc;
}
