/* cli_admin.c: `docket init`, `demo`, `customer`, `staff`, `requester`, `verify`, `backup`. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "demo.h"
#include "party.h"
#include "staff.h"
#include "when.h"

static int no_options(struct cli *c, int argc, char **argv)
{
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", NULL)) != -1)
		return DK_INVALID;
	return 0;
}

int cli_cmd_init(struct cli *c, int argc, char **argv)
{
	int rc = no_options(c, argc, argv);
	if (rc || cli_want_help)
		return rc ? rc : cli_help("init");
	if (optind < argc)
		return cli_usage("init", "unexpected argument \"%s\"", argv[optind]);
	if ((rc = cli_open(c, DB_CREATE)))
		return rc;
	struct dk_error err = {0};
	int made;
	if (staff_bootstrap(c->db, staff_os_login(), &made, &err))
		return cli_fail(&err);
	/* The path comes from the command line or the environment: shown neutralised, as any text. */
	cli_put_safe(stdout, db_path(c->db));
	printf(": docket database ready (schema %d)", db_schema_version(c->db));
	if (made) {
		fputs("; ", stdout);
		cli_put_safe(stdout, staff_os_login());
		fputs(" is its admin", stdout);
	}
	putchar('\n');
	return 0;
}

/* Progress on a terminal, on one line that the next overwrites. */
static void demo_progress(void *ctx, int64_t done, int64_t total, bool indexing)
{
	*(bool *)ctx = true;
	if (indexing)
		fputs("\rdocket demo: building indexes        ", stderr);
	else
		fprintf(stderr, "\rdocket demo: %lld of %lld", (long long)done, (long long)total);
}

int cli_cmd_demo(struct cli *c, int argc, char **argv)
{
	enum { O_COUNT = 1, O_SEED, O_ASOF };
	static const struct option opts[] = {
		{"count", required_argument, NULL, O_COUNT},
		{"seed", required_argument, NULL, O_SEED},
		{"as-of", required_argument, NULL, O_ASOF},
		{0, 0, 0, 0},
	};
	struct demo_options o = {.count = 200, .seed = 1};
	const char *asof = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_COUNT:
			if (!cli_parse_count(optarg, &o.count) || o.count > 100000000)
				return cli_usage("demo", "--count: \"%s\" is not a number from 0 to 100000000", optarg);
			break;
		case O_SEED:
			if (!cli_parse_count(optarg, &o.seed))
				return cli_usage("demo", "--seed: \"%s\" is not a non-negative number", optarg);
			break;
		case O_ASOF: asof = optarg; break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("demo");
	if (optind < argc)
		return cli_usage("demo", "unexpected argument \"%s\"", argv[optind]);
	struct dk_error err = {0};
	if (asof) {
		if (when_parse("--as-of", asof, &o.as_of, &err))
			return cli_fail(&err);
	} else {
		o.as_of = when_now() / WHEN_DAY * WHEN_DAY;
	}
	int rc = cli_open(c, DB_CREATE);
	if (rc)
		return rc;
	int made;
	if (staff_bootstrap(c->db, staff_os_login(), &made, &err) || (rc = cli_acting(c)))
		return rc ? rc : cli_fail(&err);
	bool shown = false;
	if (isatty(STDERR_FILENO)) {
		o.progress = demo_progress;
		o.progress_ctx = &shown;
	}
	rc = demo_generate(c->db, &c->who, &o, &err) ? DK_STORAGE : 0;
	if (shown)
		fputc('\n', stderr);
	if (rc)
		return cli_fail(&err);
	printf("%lld demands written to ", (long long)o.count);
	cli_put_safe(stdout, db_path(c->db));
	putchar('\n');
	return 0;
}

static int print_customer(const struct customer *k, void *ctx)
{
	const char *vals[] = {k->tenant, k->name, k->region, k->contact_name, k->contact_email, k->contact_phone};
	listing_row(ctx, vals, vals);
	return 0;
}

int cli_cmd_customer(struct cli *c, int argc, char **argv)
{
	enum { O_TENANT = 1, O_NAME, O_REGION, O_CONTACT, O_EMAIL, O_PHONE, O_SEARCH, O_FORMAT };
	static const struct option opts[] = {
		{"tenant", required_argument, NULL, O_TENANT},
		{"name", required_argument, NULL, O_NAME},
		{"region", required_argument, NULL, O_REGION},
		{"contact", required_argument, NULL, O_CONTACT},
		{"email", required_argument, NULL, O_EMAIL},
		{"phone", required_argument, NULL, O_PHONE},
		{"search", required_argument, NULL, O_SEARCH},
		{"format", required_argument, NULL, O_FORMAT},
		{0, 0, 0, 0},
	};
	struct customer k = {0};
	const char *search = NULL;
	enum cli_format format = FORMAT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_TENANT: k.tenant = optarg; break;
		case O_NAME: k.name = optarg; break;
		case O_REGION: k.region = optarg; break;
		case O_CONTACT: k.contact_name = optarg; break;
		case O_EMAIL: k.contact_email = optarg; break;
		case O_PHONE: k.contact_phone = optarg; break;
		case O_SEARCH: search = optarg; break;
		case O_FORMAT:
			if (!cli_parse_format("customer", optarg, 7, &format))
				return DK_INVALID;
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("customer");
	if (argc - optind != 1 || (strcmp(argv[optind], "add") != 0 && strcmp(argv[optind], "list") != 0))
		return cli_usage("customer", "give add or list");
	struct dk_error err = {0};
	int rc;
	if (strcmp(argv[optind], "add") == 0) {
		if (!k.tenant || !k.name || !k.region)
			return cli_usage("customer", "add needs --tenant, --name and --region");
		if ((rc = cli_open(c, DB_EXISTING)) || (rc = cli_acting(c)))
			return rc;
		int64_t id;
		if (customer_add(c->db, &c->who, &k, &id, &err))
			return cli_fail(&err);
		printf("%lld\n", (long long)id);
		return 0;
	}
	if ((rc = cli_open(c, DB_EXISTING)))
		return rc;
	static const char *const keys[] = {"tenant", "name", "region", "contact", "email", "phone"};
	static const char *const hdr[] = {"TENANT", "NAME", "REGION", "CONTACT", "EMAIL", "PHONE"};
	struct listing l;
	listing_begin(&l, format, 6, keys, hdr, 0);
	if (customer_list(c->db, search, print_customer, &l, &err)) {
		listing_end(&l, "");
		return cli_fail(&err);
	}
	return listing_end(&l, "no customers");
}

static int print_staff(const struct staff *m, void *ctx)
{
	const char *vals[] = {m->login, m->name, m->role, m->active ? "true" : "false"};
	const char *cells[] = {m->login, m->name, m->role, m->active ? "yes" : "no"};
	listing_row(ctx, cells, vals);
	return 0;
}

static int print_action(const struct staff_action *a, void *ctx)
{
	const char *vals[] = {a->action, a->label, a->roles};
	listing_row(ctx, vals, vals);
	return 0;
}

int cli_cmd_staff(struct cli *c, int argc, char **argv)
{
	enum { O_NAME = 1, O_ROLE, O_FORMAT, O_REASON };
	static const struct option opts[] = {
		{"name", required_argument, NULL, O_NAME},
		{"role", required_argument, NULL, O_ROLE},
		{"format", required_argument, NULL, O_FORMAT},
		{"reason", required_argument, NULL, O_REASON},
		{0, 0, 0, 0},
	};
	const char *name = NULL, *role = NULL, *reason = NULL;
	enum cli_format format = FORMAT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case O_NAME: name = optarg; break;
		case O_ROLE: role = optarg; break;
		case O_REASON: reason = optarg; break;
		case O_FORMAT:
			if (!cli_parse_format("staff", optarg, 7, &format))
				return DK_INVALID;
			break;
		default: return DK_INVALID;
		}
	}
	if (cli_want_help)
		return cli_help("staff");
	struct dk_error err = {0};
	int rc;
	if (argc - optind == 2 && strcmp(argv[optind], "add") == 0) {
		if (!name || !role)
			return cli_usage("staff", "add needs --name and --role");
		if ((rc = cli_open(c, DB_EXISTING)) || (rc = cli_acting(c)))
			return rc;
		if (staff_add(c->db, &c->who, argv[optind + 1], name, role, &err))
			return cli_fail(&err);
		return 0;
	}
	const char *sub = argc > optind ? argv[optind] : "";
	bool deact = strcmp(sub, "deactivate") == 0, react = strcmp(sub, "reactivate") == 0,
	     rerole = strcmp(sub, "role") == 0;
	if (deact || react || rerole) {
		if (argc - optind != (rerole ? 3 : 2))
			return cli_usage("staff", rerole ? "role needs LOGIN and ROLE" : "give one LOGIN");
		if (!reason)
			return cli_usage("staff", "a change of staff needs --reason");
		if ((rc = cli_open(c, DB_EXISTING)) || (rc = cli_acting(c)))
			return rc;
		if (staff_change(c->db, &c->who, argv[optind + 1], rerole ? argv[optind + 2] : NULL,
				 rerole ? -1 : react, reason, &err))
			return cli_fail(&err);
		return 0;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "roles") == 0) {
		if ((rc = cli_open(c, DB_EXISTING)))
			return rc;
		static const char *const rkeys[] = {"action", "what", "roles"};
		static const char *const rhdr[] = {"ACTION", "WHAT", "ROLES"};
		struct listing l;
		listing_begin(&l, format, 3, rkeys, rhdr, 0);
		if (staff_actions(c->db, print_action, &l, &err)) {
			listing_end(&l, "");
			return cli_fail(&err);
		}
		return listing_end(&l, "no actions");
	}
	if (argc - optind != 1 || strcmp(argv[optind], "list") != 0)
		return cli_usage("staff", "give add LOGIN, deactivate LOGIN, reactivate LOGIN, role LOGIN ROLE, list or roles");
	if ((rc = cli_open(c, DB_EXISTING)))
		return rc;
	static const char *const keys[] = {"login", "name", "role", "active"};
	static const char *const hdr[] = {"LOGIN", "NAME", "ROLE", "ACTIVE"};
	struct listing l;
	listing_begin(&l, format, 4, keys, hdr, 1u << 3);
	if (staff_list(c->db, print_staff, &l, &err)) {
		listing_end(&l, "");
		return cli_fail(&err);
	}
	return listing_end(&l, "no staff");
}

static int print_requester(const struct requester *r, void *ctx)
{
	char id[24], jur[16];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	snprintf(jur, sizeof jur, "%s%s%s", r->country, *r->subdivision ? "-" : "", r->subdivision);
	const char *vals[] = {id, r->name, r->kind, r->agency, jur, r->email, r->phone};
	listing_row(ctx, vals, vals);
	return 0;
}

int cli_cmd_requester(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 1 };
	static const struct option opts[] = {{"format", required_argument, NULL, O_FORMAT}, {0, 0, 0, 0}};
	enum cli_format format = FORMAT_TABLE;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch != O_FORMAT || !cli_parse_format("requester", optarg, 7, &format))
			return DK_INVALID;
	}
	if (cli_want_help)
		return cli_help("requester");
	if (argc - optind != 1 || strcmp(argv[optind], "list") != 0)
		return cli_usage("requester", "give list");
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	static const char *const keys[] = {"id", "name", "kind", "agency", "jurisdiction", "email", "phone"};
	static const char *const hdr[] = {"ID", "NAME", "KIND", "AGENCY", "JURISDICTION", "EMAIL", "PHONE"};
	struct listing l;
	listing_begin(&l, format, 7, keys, hdr, 1u << 0);
	struct dk_error err = {0};
	if (requester_list(c->db, print_requester, &l, &err)) {
		listing_end(&l, "");
		return cli_fail(&err);
	}
	return listing_end(&l, "no requesters");
}

int cli_cmd_verify(struct cli *c, int argc, char **argv)
{
	enum { O_HEAD = 1 };
	static const struct option opts[] = {{"head", required_argument, NULL, O_HEAD}, {0, 0, 0, 0}};
	const char *head = NULL;
	int ch;
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch != O_HEAD)
			return DK_INVALID;
		head = optarg;
	}
	if (cli_want_help)
		return cli_help("verify");
	if (optind < argc)
		return cli_usage("verify", "unexpected argument \"%s\"", argv[optind]);
	unsigned char anchor[AUDIT_HASH_LEN];
	if (head && !audit_unhex(head, anchor))
		return cli_usage("verify", "--head: a SHA-256 is 64 hex digits");
	int rc = cli_open(c, DB_EXISTING);
	if (rc)
		return rc;
	struct dk_error err = {0};
	struct audit_report rep = {.anchor = head ? anchor : NULL};
	if (db_integrity(c->db, &err) || audit_verify(c->db, &rep, &err))
		return cli_fail(&err);
	char hex[2 * AUDIT_HASH_LEN + 1];
	audit_hex(rep.head, hex);
	printf("ok: %lld events, chain head %s\n", (long long)rep.events, hex);
	return 0;
}

int cli_cmd_backup(struct cli *c, int argc, char **argv)
{
	int rc = no_options(c, argc, argv);
	if (rc || cli_want_help)
		return rc ? rc : cli_help("backup");
	if (argc - optind != 1)
		return cli_usage("backup", "give the path of the copy");
	if ((rc = cli_open(c, DB_EXISTING)))
		return rc;
	struct dk_error err = {0};
	if (db_backup(c->db, argv[optind], &err))
		return cli_fail(&err);
	cli_put_safe(stdout, argv[optind]);
	puts(": backup written");
	return 0;
}
