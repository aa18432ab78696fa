/* test_ui.c: the terminal UI's screens, headless: ncurses draws on a virtual terminal, the keys
 * come from a script, and each <Dump> in the script hands the screen to the test as text. */
#include "helpers.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "smtp.h"
#include "text.h"
#include "ui.h"
#include "when.h"
#include "workflow.h"

#define MAX_DUMPS 16

struct shot {
	int rows, cols;
	char *text; /* the lines joined by newlines */
	char **lines;
	unsigned char *attrs;
	unsigned char *colors;
};

struct run {
	struct fx *fx;
	struct shot shots[MAX_DUMPS];
	int n;
	/* Called at a dump, before it is kept: lets a test change the database mid-script. */
	void (*at_dump)(struct run *r, int i);
	int rc;
};

static void on_dump(const struct ui_dump *d, void *ctx)
{
	struct run *r = ctx;
	if (r->at_dump)
		r->at_dump(r, r->n);
	if (r->n == MAX_DUMPS)
		return;
	struct shot *s = &r->shots[r->n++];
	s->rows = d->rows;
	s->cols = d->cols;
	size_t len = 1;
	for (int y = 0; y < d->rows; y++)
		len += strlen(d->lines[y]) + 1;
	s->text = calloc(1, len);
	s->lines = calloc((size_t)d->rows, sizeof *s->lines);
	s->attrs = malloc((size_t)(d->rows * d->cols));
	s->colors = malloc((size_t)(d->rows * d->cols));
	assert_non_null(s->text);
	assert_non_null(s->lines);
	assert_non_null(s->attrs);
	assert_non_null(s->colors);
	for (int y = 0; y < d->rows; y++) {
		strcat(s->text, d->lines[y]);
		strcat(s->text, "\n");
		s->lines[y] = strdup(d->lines[y]);
	}
	memcpy(s->attrs, d->attrs, (size_t)(d->rows * d->cols));
	memcpy(s->colors, d->colors, (size_t)(d->rows * d->cols));
}

static void run_free(struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct shot *s = &r->shots[i];
		for (int y = 0; y < s->rows; y++)
			free(s->lines[y]);
		free(s->lines);
		free(s->text);
		free(s->attrs);
		free(s->colors);
	}
	r->n = 0;
}

/* Runs the UI headless on the fixture's database. */
static void run_ui(struct run *r, const struct acting *who, const char *readonly, int rows, int cols, const char *term,
		   const char *script)
{
	struct ui_config cfg = {
		.headless = true,
		.rows = rows,
		.cols = cols,
		.script = script,
		.term = term,
		.dump = on_dump,
		.dump_ctx = r,
	};
	struct dk_error err = {0};
	r->rc = ui_run(r->fx->db, who, readonly, &cfg, &err);
	if (r->rc)
		print_error("ui_run: %d %s\n", r->rc, err.msg);
	assert_int_equal(r->rc, 0);
}

static void print_shot(const struct shot *s)
{
	print_message("---- %dx%d\n", s->cols, s->rows);
	for (int y = 0; y < s->rows; y++)
		print_message("%s\n", s->lines[y]);
	print_message("----\n");
}

#define SHOT_HAS(r, i, needle)                                                                                         \
	do {                                                                                                           \
		assert_true((i) < (r)->n);                                                                             \
		if (!strstr((r)->shots[i].text, needle)) {                                                             \
			print_shot(&(r)->shots[i]);                                                                    \
			fail_msg("screen %d lacks \"%s\"", (i), needle);                                               \
		}                                                                                                      \
	} while (0)
#define SHOT_LACKS(r, i, needle)                                                                                       \
	do {                                                                                                           \
		assert_true((i) < (r)->n);                                                                             \
		if (strstr((r)->shots[i].text, needle)) {                                                              \
			print_shot(&(r)->shots[i]);                                                                    \
			fail_msg("screen %d has \"%s\"", (i), needle);                                                 \
		}                                                                                                      \
	} while (0)

/* The row of a screen holding needle, or -1. */
static int row_of(const struct shot *s, const char *needle)
{
	for (int y = 0; y < s->rows; y++)
		if (strstr(s->lines[y], needle))
			return y;
	return -1;
}

/* The display column where needle starts on row y. */
static int col_of(const struct shot *s, int y, const char *needle)
{
	const char *p = strstr(s->lines[y], needle);
	assert_non_null(p);
	char *prefix = strndup(s->lines[y], (size_t)(p - s->lines[y]));
	int w = (int)text_width(prefix);
	free(prefix);
	return w;
}

static int64_t add_received(struct fx *fx, const char *ref, int64_t ago, const char *customer)
{
	struct demand_input in;
	char when[32];
	fx_demand_defaults(&in, ref);
	in.received = fx_when(-ago, when);
	if (customer)
		in.customer = customer;
	return fx_add(fx, &in);
}

static int setup(void **state)
{
	if (fx_setup(state))
		return -1;
	struct fx *fx = *state;
	/* Late: received ten days ago, redirect letter overdue. */
	add_received(fx, "LATE-1", 10 * WHEN_DAY, NULL);
	add_received(fx, "SOON-2", 0, NULL);
	add_received(fx, "LATER-3", 0, "zenith-us");
	return 0;
}

static void test_queue_screen(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL, "<Dump>j<Dump>");
	assert_int_equal(r.n, 2);
	const struct shot *s = &r.shots[0];
	assert_int_equal(s->rows, 24);
	assert_int_equal(s->cols, 80);
	SHOT_HAS(&r, 0, "3 open");
	SHOT_HAS(&r, 0, "1 late");
	SHOT_HAS(&r, 0, "2 due within 7d");
	SHOT_HAS(&r, 0, "docket.db");
	SHOT_HAS(&r, 0, "Queue: open");
	SHOT_HAS(&r, 0, "by deadline");
	SHOT_HAS(&r, 0, "REF ");
	SHOT_HAS(&r, 0, "8d late");
	SHOT_HAS(&r, 0, "Enter open");
	SHOT_HAS(&r, 0, "q quit");
	/* Soonest deadline first: the late one on top, in bold (vt100 has no colour) and under the
	 * cursor (reverse). */
	int late = row_of(s, "LATE-1"), soon = row_of(s, "SOON-2");
	assert_int_equal(late, 3);
	assert_true(soon > late);
	assert_true(s->attrs[late * s->cols + 1] & UI_CELL_BOLD);
	assert_true(s->attrs[late * s->cols + 1] & UI_CELL_REVERSE);
	/* Due soon stands out too: underlined. */
	assert_true(s->attrs[soon * s->cols + 1] & UI_CELL_UNDERLINE);
	/* j moves the cursor down a row. */
	const struct shot *t = &r.shots[1];
	assert_false(t->attrs[late * t->cols + 1] & UI_CELL_REVERSE);
	assert_true(t->attrs[(late + 1) * t->cols + 1] & UI_CELL_REVERSE);
	run_free(&r);
}

static void test_paging(void **state)
{
	struct fx *fx = *state;
	char ref[32];
	/* 60 more, received a minute apart: more than two screens. */
	for (int i = 0; i < 60; i++) {
		snprintf(ref, sizeof ref, "PAGE-%02d", i);
		add_received(fx, ref, 3600 + (60 - i) * 60, NULL);
	}
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL, "<PgDn><Dump><PgDn><PgDn><PgDn><Dump>G<Dump>g<Dump><End>k<Dump>");
	SHOT_HAS(&r, 0, "PAGE-");
	SHOT_LACKS(&r, 0, "LATE-1");
	/* The end: the last page is full, and the last demand is the one with the latest deadline. */
	SHOT_HAS(&r, 1, "LATER-3");
	SHOT_HAS(&r, 2, "LATER-3");
	SHOT_HAS(&r, 3, "LATE-1");
	SHOT_LACKS(&r, 3, "LATER-3");
	const struct shot *s = &r.shots[2];
	int last = row_of(s, "LATER-3");
	assert_int_equal(last, 3 + 19 - 1);
	assert_true(s->attrs[last * s->cols + 1] & UI_CELL_REVERSE);
	s = &r.shots[4];
	assert_true(s->attrs[(last - 1) * s->cols + 1] & UI_CELL_REVERSE);
	run_free(&r);
}

static void test_sort_and_filter(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	/* Sort by received, then filter late only (the third field), then mine (clerk). */
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL, "s<Dump>f<Tab><Tab><Space><Enter><Dump>f<Tab><Right><C-s><Dump>");
	SHOT_HAS(&r, 0, "newest received first");
	const struct shot *s = &r.shots[0];
	assert_true(row_of(s, "LATE-1") > row_of(s, "LATER-3"));
	SHOT_HAS(&r, 1, "late");
	SHOT_HAS(&r, 1, "LATE-1");
	SHOT_LACKS(&r, 1, "SOON-2");
	SHOT_HAS(&r, 2, "mine (clerk)");
	SHOT_HAS(&r, 2, "No demands here");
	run_free(&r);
}

static void test_search(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_received(fx, "GJ-2026-114", 0, NULL);
	FX_OK(fx, workflow_note(fx->db, &fx->intake, id, "spoke to the Bureau's counsel", &fx->err));
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 100, NULL,
	       "/gj-2026<Dump><Enter><Dump><Esc><BS><BS><BS><BS><BS><BS><BS><BS>counsel<Idle><Dump><Esc><Dump>");
	SHOT_HAS(&r, 0, "Search: gj-2026");
	SHOT_HAS(&r, 0, "1 found");
	SHOT_HAS(&r, 0, "reference GJ-2026-114");
	SHOT_LACKS(&r, 0, "LATE-1");
	SHOT_HAS(&r, 1, "GJ-2026-114 (source manual)");
	SHOT_HAS(&r, 1, "Moves from here");
	/* A note, found by the idle search of the timeline. */
	SHOT_HAS(&r, 2, "Search: counsel");
	SHOT_HAS(&r, 2, "note spoke to the Bureau's counsel");
	SHOT_HAS(&r, 2, "GJ-2026-114");
	SHOT_HAS(&r, 3, "Queue: open");
	run_free(&r);
}

static void test_case_and_moves(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	/* Open the late one (received), move it to redirecting (move 2: moves are closed first? no:
	 * the table lists them; find the number on screen). */
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, "<Enter><Dump>G<Dump>");
	SHOT_HAS(&r, 0, "demand 1");
	SHOT_HAS(&r, 0, "LATE-1 (source manual)");
	SHOT_HAS(&r, 0, "Acme Europe Ltd (acme-eu), data in eu-west");
	SHOT_HAS(&r, 0, "email: jdoe@acme.example");
	SHOT_HAS(&r, 0, "Requested      subscriber");
	SHOT_HAS(&r, 0, "Moves:");
	SHOT_HAS(&r, 0, "redirecting");
	SHOT_HAS(&r, 1, "not now: only an emergency demand may skip");
	SHOT_HAS(&r, 1, "Timeline");
	SHOT_HAS(&r, 1, "created");
	/* The numbers the moves have on this screen. */
	const struct shot *s = &r.shots[0];
	int y = row_of(s, "Moves:");
	assert_true(y > 0);
	const char *line = s->lines[y];
	char redirect_key = 0, review_key = 0;
	for (const char *p = line; *p; p++) {
		if (p[0] >= '1' && p[0] <= '9' && p[1] == ' ') {
			if (strncmp(p + 2, "redirecting", 11) == 0)
				redirect_key = p[0];
			if (strncmp(p + 2, "in_review", 9) == 0)
				review_key = p[0];
		}
	}
	assert_true(redirect_key && review_key);
	run_free(&r);

	/* A move the core refuses: its reason on the status line, nothing written. */
	char script[200];
	snprintf(script, sizeof script, "<Enter>%c<Dump>%cthe letter went out<Enter><Dump>G<Dump>", review_key,
		 redirect_key);
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, script);
	SHOT_HAS(&r, 0, "demand 1: cannot move from received to in_review: only an emergency demand may skip");
	char status[32];
	fx_status(fx, 1, status, sizeof status);
	assert_string_equal(status, "redirecting");
	SHOT_HAS(&r, 1, "demand 1: moved to redirecting");
	SHOT_HAS(&r, 2, "status: received -> redirecting");
	SHOT_HAS(&r, 2, "the letter went out");
	run_free(&r);
}

/* Someone else changes the demand while the case is on the screen. */
static void change_elsewhere(struct run *r, int i)
{
	if (i != 0)
		return;
	struct db *other = NULL;
	struct dk_error err = {0};
	assert_int_equal(db_open(r->fx->path, DB_EXISTING, &other, &err), DK_OK);
	assert_int_equal(workflow_assign(other, &r->fx->admin, 2, "atty", 0, &err), DK_OK);
	db_close(&other);
}

static void test_version_conflict(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx, .at_dump = change_elsewhere};
	/* SOON-2 is the second row; its move 3 is to redirecting. The note from elsewhere lands
	 * between drawing the case and making the move. */
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, "j<Enter><Dump>3<Enter><Dump>");
	SHOT_HAS(&r, 0, "3 redirecting");
	SHOT_HAS(&r, 1, "changed by someone else");
	SHOT_HAS(&r, 1, "read it again");
	SHOT_HAS(&r, 1, "Assignee       atty");
	char status[32];
	fx_status(fx, 2, status, sizeof status);
	assert_string_equal(status, "received");
	run_free(&r);
}

static void add_elsewhere(struct run *r, int i)
{
	if (i != 0)
		return;
	struct demand_input in;
	fx_demand_defaults(&in, "ARRIVED-LATER");
	struct db *other = NULL;
	struct dk_error err = {0};
	int64_t id;
	assert_int_equal(db_open(r->fx->path, DB_EXISTING, &other, &err), DK_OK);
	assert_int_equal(demand_add(other, &r->fx->intake, &in, &id, &err), DK_OK);
	db_close(&other);
}

static void test_poll_sees_others(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx, .at_dump = add_elsewhere};
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL, "<Dump><Dump><Idle><Dump>");
	SHOT_LACKS(&r, 1, "ARRIVED-LATER");
	SHOT_HAS(&r, 2, "ARRIVED-LATER");
	SHOT_HAS(&r, 2, "4 open");
	run_free(&r);
}

static void test_intake_form(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	/* The reference, then the customer picked from its list by name, the requester and a bad
	 * jurisdiction, caught as the field is left; mended, then saved with Ctrl-S. */
	const char *script = "n<Dump>NEW-77<Tab><Tab><Tab><Tab><Tab><Enter>zenith<Enter>"
			     "<Tab>Officer Ünal<Tab><Tab><Tab>XX<Tab><Dump>"
			     "<BTab><C-u>DE-BY<Tab><Tab>ops@zenith.example<Tab><Tab>10.1.2.3, account:z-1<C-s><Dump>";
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, script);
	SHOT_HAS(&r, 0, "New demand");
	SHOT_HAS(&r, 0, "Reference*");
	SHOT_HAS(&r, 0, "< email >");
	SHOT_HAS(&r, 1, "jurisdiction: \"XX\" is not an ISO 3166 country code");
	SHOT_HAS(&r, 1, "Zenith Corp (zenith-us, data in us-east)");
	SHOT_HAS(&r, 2, "demand 4 recorded");
	SHOT_HAS(&r, 2, "NEW-77 (source manual)");
	SHOT_HAS(&r, 2, "Officer Ünal (law_enforcement), DE-BY");
	SHOT_HAS(&r, 2, "ip: 10.1.2.3");
	SHOT_HAS(&r, 2, "account: z-1");
	SHOT_HAS(&r, 2, "cross-region");
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, 4, &d, &fx->err));
	assert_string_equal(d->reference, "NEW-77");
	assert_string_equal(d->customer.tenant, "zenith-us");
	assert_string_equal(d->requester.email, "ops@zenith.example");
	assert_int_equal(d->n_identifiers, 2);
	assert_int_equal(d->requested, CAT_SUBSCRIBER);
	demand_free(&d);
	run_free(&r);
}

/* Names that came in behind the program's back: an escape sequence, and wide characters. */
static void test_hostile_and_wide_text(void **state)
{
	struct fx *fx = *state;
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "UPDATE customer SET name = 'Evil' || char(27) || '[2J' || char(27) ||"
					" ']0;pwned' || char(7) || ' Corp' WHERE tenant = 'acme-eu';"
					" UPDATE customer SET name = '山田商事株式会社' WHERE tenant = 'zenith-us'"),
			 SQLITE_OK);
	sqlite3_close(h);
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 120, NULL, "<Dump><Enter><Dump>");
	for (int i = 0; i < r.n; i++)
		assert_null(strchr(r.shots[i].text, 27));
	SHOT_HAS(&r, 0, "Evil^[[2J^[]0;pwned^G Corp");
	SHOT_HAS(&r, 0, "山田商事株式会社");
	SHOT_HAS(&r, 1, "Evil^[[2J^[]0;pwned^G Corp (acme-eu)");
	/* Columns line up by display width: the status starts in the same column on every row. */
	const struct shot *s = &r.shots[0];
	int a = row_of(s, "LATE-1"), b = row_of(s, "LATER-3");
	assert_true(a > 0 && b > 0);
	assert_int_equal(col_of(s, a, "received"), col_of(s, b, "received"));
	assert_int_equal(col_of(s, a, "Det. Sgt."), col_of(s, b, "Det. Sgt."));
	run_free(&r);
}

static void test_resize_and_help(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL, "<Resize 30x132><Dump>?<Dump><Esc><Resize 24x80><Dump>");
	assert_int_equal(r.shots[0].rows, 30);
	assert_int_equal(r.shots[0].cols, 132);
	/* Wide enough for the whole dates and names. */
	SHOT_HAS(&r, 0, "2026-");
	SHOT_HAS(&r, 0, "(law_enforcement)");
	SHOT_HAS(&r, 1, "Keys on the queue screen");
	SHOT_HAS(&r, 1, "record a new demand (the intake form)");
	SHOT_HAS(&r, 1, "On every screen");
	assert_int_equal(r.shots[2].cols, 80);
	SHOT_LACKS(&r, 2, "(law_enforcement)");
	SHOT_HAS(&r, 2, "LATE-1");
	run_free(&r);
}

static void test_read_only(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	run_ui(&r, &fx->nobody, "mallory is not docket staff", 24, 80, NULL, "<Dump>n<Dump><Enter>1<Dump>");
	SHOT_HAS(&r, 0, "read-only: mallory is not docket staff");
	SHOT_HAS(&r, 1, "read-only: mallory is not docket staff");
	SHOT_LACKS(&r, 1, "New demand");
	/* A move the workflow does not allow now goes to the core, which refuses it for mallory. */
	SHOT_HAS(&r, 2, "demand 1: mallory is not active staff: reading only");
	run_free(&r);
}

/* On a colour terminal late rows are red and rows due soon yellow; NO_COLOR turns colour off and
 * the rows still stand out. */
static void test_colour(void **state)
{
	struct fx *fx = *state;
	struct run r = {.fx = fx};
	unsetenv("NO_COLOR");
	run_ui(&r, &fx->intake, NULL, 24, 80, "xterm-256color", "j<Dump>");
	const struct shot *s = &r.shots[0];
	int late = row_of(s, "LATE-1"), soon = row_of(s, "SOON-2");
	assert_int_equal(s->colors[late * s->cols + 1], 1);
	assert_int_equal(s->colors[soon * s->cols + 1], 2);
	assert_true(s->attrs[late * s->cols + 1] & UI_CELL_BOLD);
	/* The title bar is coloured too. */
	assert_int_equal(s->colors[1], 3);
	run_free(&r);
	setenv("NO_COLOR", "1", 1);
	run_ui(&r, &fx->intake, NULL, 24, 80, "xterm-256color", "j<Dump>");
	unsetenv("NO_COLOR");
	s = &r.shots[0];
	assert_int_equal(s->colors[late * s->cols + 1], 0);
	assert_int_equal(s->colors[1], 0);
	assert_true(s->attrs[late * s->cols + 1] & UI_CELL_BOLD);
	assert_true(s->attrs[soon * s->cols + 1] & UI_CELL_UNDERLINE);
	assert_true(s->attrs[1] & UI_CELL_REVERSE);
	run_free(&r);
}

/* Letters for the outbox tests: #1 for a person to post (no e-mail address), #2 failed (its one attempt went to a
 * closed port), #3 queued to be e-mailed. Their demands are 4, 5 and 6. */
static void add_letters(struct fx *fx)
{
	struct demand_input in;
	fx_demand_defaults(&in, "POST-4");
	in.requester.email = NULL;
	in.requester.name = "Amt Rot";
	int64_t post = fx_add(fx, &in);
	FX_OK(fx, fx_move(fx, &fx->intake, post, "redirecting", NULL, NULL));
	int64_t down = add_received(fx, "DOWN-5", 0, NULL);
	FX_OK(fx, fx_move(fx, &fx->intake, down, "redirecting", NULL, NULL));
	char url[] = "smtp://127.0.0.1:1", from[] = "legal@provider.example", name[] = "Legal";
	struct smtp_config c = {.url = url,
				.plain = true,
				.timeout = 5,
				.from_name = name,
				.from_addr = from,
				.max_attempts = 1,
				.retry_first = 60,
				.retry_max = 60};
	struct notice_send_options o = {.cfg = &c, .only = 2};
	struct notice_send_report rep;
	FX_OK(fx, notice_send(fx->db, &fx->intake, &o, &rep, &fx->err));
	assert_int_equal(rep.failed, 1);
	int64_t wait = add_received(fx, "WAIT-6", 0, NULL);
	FX_OK(fx, fx_move(fx, &fx->intake, wait, "redirecting", NULL, NULL));
}

static void notice_is(struct fx *fx, int64_t id, const char *status, const char *via)
{
	struct notice *n = NULL;
	FX_OK(fx, notice_get(fx->db, id, &n, &fx->err));
	assert_string_equal(n->status, status);
	assert_string_equal(n->via, via);
	notice_free(&n);
}

/* The queue's title counts the letters that need a person, standing out; the outbox lists them
 * first; a letter reads as it goes out, neutralised; retry, cancel and delivered go through the
 * core, whose refusals show on the status line. */
static void test_outbox(void **state)
{
	struct fx *fx = *state;
	add_letters(fx);
	/* Text from outside, changed behind docket's back: escape sequences in a letter and a note. */
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "UPDATE notice SET body = 'Dear Amt ' || char(27) || '[31mRot,' || char(10) ||"
					" char(10) || 'Line two' WHERE id = 1;"
					" UPDATE notice SET last_error = '550 no ' || char(27) || ']0;x' WHERE id = 2"),
			 SQLITE_OK);
	sqlite3_close(h);
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL,
	       "<Dump>l<Dump>j<Enter><Dump>t<Dump>d<Dump><Enter><Enter><Dump>q<Dump>gt<Dump>c<Dump>"
	       "no longer needed<Enter><Dump>q<Dump>");
	/* 0: the queue's title, the count first, bold out of the reverse bar. */
	SHOT_HAS(&r, 0, "docket  2 letters need a person (l) · 6 open");
	const struct shot *s = &r.shots[0];
	int x = col_of(s, 0, "2 letters");
	assert_true(s->attrs[x] & UI_CELL_BOLD);
	assert_false(s->attrs[x] & UI_CELL_REVERSE);
	assert_true(s->attrs[x - 2] & UI_CELL_REVERSE);
	/* 1: the outbox, those that need a person first, marked and standing out. */
	SHOT_HAS(&r, 1, "outbox · 3 waiting · 2 need a person");
	SHOT_HAS(&r, 1, "KIND");
	s = &r.shots[1];
	int failed = row_of(s, "DOWN-5"), post = row_of(s, "POST-4"), wait = row_of(s, "WAIT-6");
	assert_int_equal(failed, 3);
	assert_int_equal(post, 4);
	assert_int_equal(wait, 5);
	assert_int_equal(s->lines[failed][0], '!');
	assert_int_equal(s->lines[post][0], '!');
	assert_int_equal(s->lines[wait][0], ' ');
	FX_CONTAINS(s->lines[post], "(no address)");
	FX_CONTAINS(s->lines[post], "queued (letter)");
	FX_CONTAINS(s->lines[failed], "failed");
	FX_CONTAINS(s->lines[wait], "nbyrne@");
	assert_true(s->attrs[post * s->cols + 2] & UI_CELL_BOLD);
	assert_false(s->attrs[wait * s->cols + 2] & UI_CELL_BOLD);
	/* The selected letter's note in full, above the footer. */
	SHOT_HAS(&r, 1, "#2: 550 no ^[]0;x");
	SHOT_HAS(&r, 1, "Enter read");
	SHOT_HAS(&r, 1, "d delivered");
	SHOT_HAS(&r, 1, "q back");
	/* 2: the letter, its escape sequence shown as text. */
	SHOT_HAS(&r, 2, "notice 1 · redirect · queued via letter for POST-4");
	SHOT_HAS(&r, 2, "it needs a person");
	SHOT_HAS(&r, 2, "(no e-mail address: a person delivers it)");
	SHOT_HAS(&r, 2, "Dear Amt ^[[31mRot,");
	SHOT_HAS(&r, 2, "To:          Amt Rot (no e-mail address: a person delivers it)");
	assert_int_equal(row_of(&r.shots[2], "Line two"), row_of(&r.shots[2], "Dear Amt") + 2);
	for (int i = 0; i < r.n; i++)
		assert_null(strchr(r.shots[i].text, 27));
	/* 3: retry is for e-mail; the core says so, and nothing changed. */
	SHOT_HAS(&r, 3, "notice 1: no e-mail address; add one with docket outbox edit 1");
	/* 4, 5: recorded as delivered by letter, now. */
	SHOT_HAS(&r, 4, "delivered by a person");
	SHOT_HAS(&r, 4, "letter (posted or handed over)");
	SHOT_HAS(&r, 5, "notice 1: recorded as delivered by letter");
	SHOT_HAS(&r, 5, "sent via letter");
	notice_is(fx, 1, "sent", "letter");
	/* 6: gone from the waiting letters. */
	SHOT_HAS(&r, 6, "2 waiting · 1 needs a person");
	SHOT_LACKS(&r, 6, "POST-4");
	/* 7: the failed e-mail tried again: queued, no longer needing anyone. */
	SHOT_HAS(&r, 7, "notice 2: back in the queue");
	SHOT_HAS(&r, 7, "2 waiting · 0 need a person");
	/* 8, 9: cancelled with a reason; the cursor stayed on notice 2. (The database is read once
	 * the script has run: its last state.) */
	SHOT_HAS(&r, 8, "Notice 2, redirect for DOWN-5: cancel");
	SHOT_HAS(&r, 9, "notice 2: cancelled");
	notice_is(fx, 2, "cancelled", "smtp");
	notice_is(fx, 3, "queued", "smtp");
	/* 10: the queue's title without the count. */
	SHOT_HAS(&r, 10, "docket  6 open");
	SHOT_LACKS(&r, 10, "need a person");
	run_free(&r);

	/* A login that is not staff may read, not act. */
	run_ui(&r, &fx->nobody, "mallory is not docket staff", 24, 80, NULL, "l<Enter><Dump>c<Dump>");
	SHOT_HAS(&r, 0, "notice 3");
	SHOT_HAS(&r, 1, "read-only: mallory is not docket staff");
	SHOT_LACKS(&r, 1, "cancel it");
	run_free(&r);
}

/* On a colour terminal the count is white on red. */
static void test_outbox_colour(void **state)
{
	struct fx *fx = *state;
	add_letters(fx);
	unsetenv("NO_COLOR");
	struct run r = {.fx = fx};
	run_ui(&r, &fx->intake, NULL, 24, 80, "xterm-256color", "<Dump>");
	const struct shot *s = &r.shots[0];
	int x = col_of(s, 0, "2 letters");
	assert_int_equal(s->colors[x], 6);
	assert_true(s->attrs[x] & UI_CELL_BOLD);
	assert_int_equal(s->colors[x - 2], 3);
	run_free(&r);
}

/* From a case, l lists the demand's letters, sent ones too; o from there goes back to the case
 * rather than opening it again; the edit form gives a letter an address. */
static void test_case_letters(void **state)
{
	struct fx *fx = *state;
	add_letters(fx);
	FX_OK(fx, notice_delivered(fx->db, &fx->intake, 1, "phone", NULL, &fx->err));
	struct run r = {.fx = fx};
	/* Through the outbox to demand 6's case, its letters, and back. */
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, "lG<Dump>o<Dump>l<Dump>o<Dump>q<Dump>q<Dump>");
	SHOT_HAS(&r, 0, "WAIT-6");
	SHOT_HAS(&r, 1, "demand 6");
	SHOT_HAS(&r, 1, "(l: read them, retry, cancel, record a delivery)");
	SHOT_HAS(&r, 2, "letters of demand 6 · WAIT-6");
	SHOT_HAS(&r, 2, "Every letter of the demand");
	SHOT_HAS(&r, 3, "demand 6");
	SHOT_HAS(&r, 4, "outbox · 2 waiting");
	SHOT_HAS(&r, 5, "Queue: open");
	run_free(&r);

	/* Demand 4's letter was delivered by phone: listed with the demand's letters, not waiting. */
	run_ui(&r, &fx->intake, NULL, 30, 100, NULL, "/POST-4<Enter><Dump>l<Dump><Enter><Dump>");
	SHOT_HAS(&r, 0, "#1 redirect via phone");
	SHOT_HAS(&r, 1, "sent (phone)");
	SHOT_HAS(&r, 2, "sent via phone");
	run_free(&r);

	/* The failed e-mail's address replaced (a bad one first: the core's check names the field). */
	run_ui(&r, &fx->intake, NULL, 24, 80, NULL,
	       "le<Dump><C-u>not an address<C-s><Dump><C-u>bureau@garda.example<C-s><Dump>");
	SHOT_HAS(&r, 0, "Notice 2, redirect for DOWN-5: address and subject");
	SHOT_HAS(&r, 1, "To: \"not an address\" has a space");
	SHOT_HAS(&r, 2, "notice 2: saved; docket e-mails it on the next send");
	struct notice *n = NULL;
	FX_OK(fx, notice_get(fx->db, 2, &n, &fx->err));
	assert_string_equal(n->recipient, "bureau@garda.example");
	assert_string_equal(n->status, "failed");
	notice_free(&n);
	run_free(&r);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_screen, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_paging, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sort_and_filter, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_case_and_moves, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_version_conflict, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_poll_sees_others, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_intake_form, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_and_wide_text, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resize_and_help, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_colour, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_colour, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_case_letters, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
