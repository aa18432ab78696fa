/* test_queue.c: the queue's keyset pages in every order and under every filter, its counts, and
 * search. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "when.h"
#include "workflow.h"

/* The fixture's demands, by letter:
 *   A  received 10 days ago, still received: 8 days late
 *   B  received now: due in 2 days; an order in force
 *   C  received a day ago: due in a day; assigned to atty; identifier suspect@evil.example
 *   D  received 3 days ago, closed as withdrawn: no deadline
 *   E  received now, for zenith-us, moved to redirecting: due in 14 days */
struct qfx {
	struct fx *fx;
	struct queue *q;
	int64_t a, b, c, d, e;
};

static int64_t add_at(struct fx *fx, const char *ref, int64_t ago, const char *customer, const char *ident)
{
	struct demand_input in;
	char when[32];
	fx_demand_defaults(&in, ref);
	in.received = fx_when(-ago, when);
	if (customer)
		in.customer = customer;
	const char *ids[] = {ident};
	if (ident) {
		in.identifiers = ids;
		in.n_identifiers = 1;
	}
	return fx_add(fx, &in);
}

static int setup(void **state)
{
	struct qfx *t = calloc(1, sizeof *t);
	if (!t || fx_setup((void **)&t->fx))
		return -1;
	struct fx *fx = t->fx;
	t->a = add_at(fx, "GJ-2026-001", 10 * WHEN_DAY, NULL, NULL);
	t->b = add_at(fx, "GJ-2026-002", 0, NULL, NULL);
	t->c = add_at(fx, "MLAT-77", WHEN_DAY, NULL, "suspect@evil.example");
	t->d = add_at(fx, "gj-lower-9", 3 * WHEN_DAY, NULL, NULL);
	t->e = add_at(fx, "X-5", 0, "zenith-us", NULL);
	FX_OK(fx, fx_move(fx, &fx->intake, t->d, "closed", "withdrawn", NULL));
	FX_OK(fx, fx_move(fx, &fx->intake, t->e, "redirecting", NULL, NULL));
	FX_OK(fx, workflow_assign(fx->db, &fx->admin, t->c, "atty", 0, &fx->err));
	char exp[32];
	struct order_input o = {.reference = "NDO-1", .expires = fx_when(30 * WHEN_DAY, exp)};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, t->b, &o, NULL, 0, &fx->err));
	FX_OK(fx, workflow_note(fx->db, &fx->intake, t->a, "Called the Bureau about the scope", &fx->err));
	FX_OK(fx, queue_open(fx->db, &t->q, &fx->err));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct qfx *t = *state;
	queue_free(&t->q);
	assert_null(t->q);
	fx_teardown((void **)&t->fx);
	free(t);
	return 0;
}

/* What a read returned: ids in the order they came, and the last key. */
struct got {
	int64_t ids[16];
	int n;
	struct queue_key last, keys[16];
	int stop_after; /* 0: never stop */
};

static int collect(const struct demand_row *r, const struct queue_key *k, void *ctx)
{
	struct got *g = ctx;
	assert_non_null(r->reference);
	assert_non_null(r->customer);
	if (g->n < 16) {
		g->keys[g->n] = *k;
		g->ids[g->n++] = r->id;
	}
	g->last = *k;
	return g->stop_after && g->n >= g->stop_after;
}

static struct got rd(struct qfx *t, const struct queue_filter *f, enum queue_order o, enum queue_dir dir,
		     const struct queue_key *from, bool incl, int limit)
{
	struct got g = {0};
	FX_OK(t->fx, queue_read(t->q, f, o, dir, from, incl, limit, collect, &g, &t->fx->err));
	return g;
}

#define ASSERT_IDS(g, ...)                                                                                             \
	do {                                                                                                           \
		int64_t want_[] = {__VA_ARGS__};                                                                       \
		int n_ = (int)(sizeof want_ / sizeof want_[0]);                                                        \
		assert_int_equal((g).n, n_);                                                                           \
		for (int i_ = 0; i_ < n_; i_++)                                                                        \
			assert_int_equal((g).ids[i_], want_[i_]);                                                      \
	} while (0)

static void test_deadline_order_pages(void **state)
{
	struct qfx *t = *state;
	struct queue_filter open = {0}, all = {.status = "all"};
	struct got g = rd(t, &open, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->a, t->c, t->b, t->e);
	/* All: the closed one comes after every open demand with a deadline. */
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->a, t->c, t->b, t->e, t->d);
	assert_true(g.keys[4].rest);
	assert_false(g.keys[3].rest);

	/* Two at a time, each page from the last key of the one before. */
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 2);
	ASSERT_IDS(g, t->a, t->c);
	struct queue_key k = g.last;
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, &k, false, 2);
	ASSERT_IDS(g, t->b, t->e);
	k = g.last;
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, &k, false, 2);
	ASSERT_IDS(g, t->d);
	k = g.last;
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, &k, false, 2);
	assert_int_equal(g.n, 0);

	/* Backwards from the end, nearest first, across both parts. */
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_PREV, NULL, false, 3);
	ASSERT_IDS(g, t->d, t->e, t->b);
	k = g.last;
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_PREV, &k, false, 3);
	ASSERT_IDS(g, t->c, t->a);
	/* Inclusive takes the key's own row. */
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_PREV, &k, true, 2);
	ASSERT_IDS(g, t->b, t->c);
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, &k, true, 2);
	ASSERT_IDS(g, t->b, t->e);
	/* From a key in the second part, backwards reaches into the first. */
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 5);
	k = g.keys[4];
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_PREV, &k, false, 2);
	ASSERT_IDS(g, t->e, t->b);
	g = rd(t, &all, QUEUE_BY_DEADLINE, QUEUE_NEXT, &k, true, 2);
	ASSERT_IDS(g, t->d);
}

static void test_stop_and_limit(void **state)
{
	struct qfx *t = *state;
	struct queue_filter open = {0};
	struct got g = {.stop_after = 2};
	FX_OK(t->fx, queue_read(t->q, &open, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10, collect, &g, &t->fx->err));
	ASSERT_IDS(g, t->a, t->c);
	g = rd(t, &open, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 0);
	assert_int_equal(g.n, 0);
}

static void test_other_orders(void **state)
{
	struct qfx *t = *state;
	struct queue_filter open = {0}, all = {.status = "all"}, closed = {.status = "closed"};
	/* Received, newest first; B and E share a second, the later id first. */
	struct got g = rd(t, &open, QUEUE_BY_RECEIVED, QUEUE_NEXT, NULL, false, 10);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.ids[2], t->c);
	assert_int_equal(g.ids[3], t->a);
	g = rd(t, &all, QUEUE_BY_RECEIVED, QUEUE_NEXT, NULL, false, 10);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.ids[3], t->d);
	struct queue_key k = g.keys[2];
	g = rd(t, &all, QUEUE_BY_RECEIVED, QUEUE_NEXT, &k, false, 10);
	ASSERT_IDS(g, t->d, t->a);
	g = rd(t, &all, QUEUE_BY_RECEIVED, QUEUE_PREV, &k, true, 10);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ids[0], t->c);
	g = rd(t, &open, QUEUE_BY_ID, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->e, t->c, t->b, t->a);
	g = rd(t, &open, QUEUE_BY_ID, QUEUE_PREV, NULL, false, 2);
	ASSERT_IDS(g, t->a, t->b);
	k = g.last;
	g = rd(t, &open, QUEUE_BY_ID, QUEUE_NEXT, &k, false, 10);
	ASSERT_IDS(g, t->a);
	g = rd(t, &closed, QUEUE_BY_ID, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->d);
	g = rd(t, &closed, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->d);
	g = rd(t, &closed, QUEUE_BY_DEADLINE, QUEUE_PREV, NULL, false, 10);
	ASSERT_IDS(g, t->d);
}

static void test_filters(void **state)
{
	struct qfx *t = *state;
	struct queue_filter f = {.status = "redirecting"};
	struct got g;
	for (int o = 0; o < QUEUE_ORDERS; o++) {
		g = rd(t, &f, (enum queue_order)o, QUEUE_NEXT, NULL, false, 10);
		ASSERT_IDS(g, t->e);
	}
	f = (struct queue_filter){.assignee = "atty"};
	for (int o = 0; o < QUEUE_ORDERS; o++) {
		g = rd(t, &f, (enum queue_order)o, QUEUE_NEXT, NULL, false, 10);
		ASSERT_IDS(g, t->c);
	}
	f = (struct queue_filter){.late = true};
	for (int o = 0; o < QUEUE_ORDERS; o++) {
		g = rd(t, &f, (enum queue_order)o, QUEUE_NEXT, NULL, false, 10);
		ASSERT_IDS(g, t->a);
		g = rd(t, &f, (enum queue_order)o, QUEUE_PREV, NULL, false, 10);
		ASSERT_IDS(g, t->a);
	}
	/* Judged at another time: in three days C and B are late too. */
	f.now = when_now() + 3 * WHEN_DAY;
	g = rd(t, &f, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->a, t->c, t->b);
	f = (struct queue_filter){.status = "all", .late = true};
	g = rd(t, &f, QUEUE_BY_ID, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->a);
	f = (struct queue_filter){.status = "closed", .late = true};
	g = rd(t, &f, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	assert_int_equal(g.n, 0);
	f = (struct queue_filter){.status = "all", .under_order = true};
	for (int o = 0; o < QUEUE_ORDERS; o++) {
		g = rd(t, &f, (enum queue_order)o, QUEUE_NEXT, NULL, false, 10);
		ASSERT_IDS(g, t->b);
	}
	/* The order ends: in 31 days B is under none. */
	f.now = when_now() + 31 * WHEN_DAY;
	g = rd(t, &f, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	assert_int_equal(g.n, 0);
	f = (struct queue_filter){.assignee = "atty", .status = "received", .late = false};
	g = rd(t, &f, QUEUE_BY_RECEIVED, QUEUE_NEXT, NULL, false, 10);
	ASSERT_IDS(g, t->c);
	f = (struct queue_filter){.assignee = "nobody"};
	g = rd(t, &f, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10);
	assert_int_equal(g.n, 0);

	f = (struct queue_filter){.status = "pending"};
	struct got none = {0};
	assert_int_equal(
		queue_read(t->q, &f, QUEUE_BY_DEADLINE, QUEUE_NEXT, NULL, false, 10, collect, &none, &t->fx->err),
		DK_INVALID);
	FX_CONTAINS(t->fx->err.msg, "status: \"pending\"");
}

/* More combinations than the reader keeps statements for: each still reads right. */
static void test_statement_cache(void **state)
{
	struct qfx *t = *state;
	static const char *const statuses[] = {"open", "all", "closed", "received"};
	for (int round = 0; round < 2; round++)
		for (int s = 0; s < 4; s++)
			for (int o = 0; o < QUEUE_ORDERS; o++)
				for (int d = 0; d < 2; d++)
					for (int a = 0; a < 2; a++) {
						struct queue_filter f = {.status = statuses[s],
									 .assignee = a ? "atty" : NULL};
						struct got g = rd(t, &f, (enum queue_order)o, (enum queue_dir)d, NULL,
								  false, 10);
						int want = a        ? (s == 1 || s == 0 || s == 3)
							   : s == 0 ? 4
							   : s == 1 ? 5
							   : s == 2 ? 1
								    : 3;
						assert_int_equal(g.n, want);
					}
}

static void test_row_and_counts(void **state)
{
	struct qfx *t = *state;
	struct got g = {0};
	FX_OK(t->fx, queue_row(t->q, t->b, 0, collect, &g, &t->fx->err));
	ASSERT_IDS(g, t->b);
	assert_false(g.last.rest);
	g = (struct got){0};
	FX_OK(t->fx, queue_row(t->q, t->d, 0, collect, &g, &t->fx->err));
	assert_true(g.last.rest);
	assert_int_equal(queue_row(t->q, 999, 0, collect, &g, &t->fx->err), DK_INVALID);
	FX_CONTAINS(t->fx->err.msg, "demand 999");

	struct queue_counts c;
	FX_OK(t->fx, queue_count(t->q, when_now(), 7 * WHEN_DAY, &c, &t->fx->err));
	assert_int_equal(c.open, 4);
	assert_int_equal(c.late, 1);
	assert_int_equal(c.due_soon, 2);
	assert_int_equal(c.under_order, 1);
	FX_OK(t->fx, queue_count(t->q, when_now(), 30 * WHEN_DAY, &c, &t->fx->err));
	assert_int_equal(c.due_soon, 3);
}

struct hits {
	int64_t ids[32];
	enum queue_match m[32];
	char what[32][128];
	int n;
};

static int hit(const struct demand_row *r, enum queue_match m, const char *what, void *ctx)
{
	struct hits *h = ctx;
	if (h->n < 32) {
		h->ids[h->n] = r->id;
		h->m[h->n] = m;
		snprintf(h->what[h->n], sizeof h->what[0], "%s", what);
		h->n++;
	}
	return 0;
}

static struct hits search(struct qfx *t, const char *text, int limit)
{
	struct hits h = {0};
	FX_OK(t->fx, queue_search(t->q, text, limit, hit, &h, &t->fx->err));
	return h;
}

static void test_search(void **state)
{
	struct qfx *t = *state;
	/* A reference prefix as typed, then in capitals. */
	struct hits h = search(t, "gj", 10);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.ids[0], t->d);
	assert_int_equal(h.ids[1], t->a);
	assert_int_equal(h.ids[2], t->b);
	assert_int_equal(h.m[0], QUEUE_MATCH_REFERENCE);
	assert_string_equal(h.what[1], "GJ-2026-001");
	h = search(t, "GJ-2026-00", 1);
	assert_int_equal(h.n, 1);
	/* An identifier prefix. */
	h = search(t, "SUSPECT@", 10);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], t->c);
	assert_int_equal(h.m[0], QUEUE_MATCH_IDENTIFIER);
	assert_string_equal(h.what[0], "suspect@evil.example");
	/* A customer's name or tenant, any case, newest first. */
	h = search(t, "zenith", 10);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], t->e);
	assert_int_equal(h.m[0], QUEUE_MATCH_NAME);
	assert_string_equal(h.what[0], "Zenith Corp");
	h = search(t, "ACME-EU", 10);
	assert_int_equal(h.n, 4);
	assert_int_equal(h.ids[0], t->d);
	/* A requester's name. */
	h = search(t, "niamh", 2);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.m[1], QUEUE_MATCH_NAME);
	assert_string_equal(h.what[1], "Det. Sgt. Niamh Byrne");
	/* Each demand once, whatever it matched by. */
	h = search(t, "x", 32);
	for (int i = 0; i < h.n; i++)
		for (int j = i + 1; j < h.n; j++)
			assert_true(h.ids[i] != h.ids[j]);
	h = search(t, "no such thing", 10);
	assert_int_equal(h.n, 0);
	h = search(t, "", 10);
	assert_int_equal(h.n, 0);
	assert_int_equal(queue_search(t->q, "bad\x1b[2J", 10, hit, &h, &t->fx->err), DK_INVALID);
	FX_CONTAINS(t->fx->err.msg, "search");
}

static void test_search_notes(void **state)
{
	struct qfx *t = *state;
	struct queue_note_scan scan = {0};
	struct hits h = {0};
	int calls = 0;
	while (!scan.done) {
		FX_OK(t->fx, queue_search_notes(t->q, "BUREAU", &scan, 2, 0, hit, &h, &t->fx->err));
		calls++;
		assert_true(calls < 100);
	}
	assert_true(calls > 2);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], t->a);
	assert_int_equal(h.m[0], QUEUE_MATCH_NOTE);
	assert_string_equal(h.what[0], "Called the Bureau about the scope");
	assert_int_equal(scan.scanned, scan.total);
	/* The notes of moves count too; nothing found is done all the same. */
	scan = (struct queue_note_scan){0};
	h = (struct hits){0};
	FX_OK(t->fx, queue_search_notes(t->q, "nothing like it", &scan, 1000, 0, hit, &h, &t->fx->err));
	assert_true(scan.done);
	assert_int_equal(h.n, 0);
	scan = (struct queue_note_scan){0};
	FX_OK(t->fx, queue_search_notes(t->q, "", &scan, 1000, 0, hit, &h, &t->fx->err));
	assert_true(scan.done);

	/* A limit cuts a slice short; the next one goes on below the last note reported. */
	FX_OK(t->fx, workflow_note(t->fx->db, &t->fx->intake, t->b, "bureau called back", &t->fx->err));
	scan = (struct queue_note_scan){0};
	h = (struct hits){0};
	FX_OK(t->fx, queue_search_notes(t->q, "bureau", &scan, 1000, 1, hit, &h, &t->fx->err));
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], t->b);
	assert_false(scan.done);
	while (!scan.done)
		FX_OK(t->fx, queue_search_notes(t->q, "bureau", &scan, 1000, 1, hit, &h, &t->fx->err));
	assert_int_equal(h.n, 2);
	assert_int_equal(h.ids[1], t->a);
	assert_int_equal(scan.scanned, scan.total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deadline_order_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_notes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
