/* queue_view.h: the parts of the queue screen (queue_view.c, queue_search.c, queue_filter.c). */
#ifndef DOCKET_QUEUE_VIEW_H
#define DOCKET_QUEUE_VIEW_H

#include "notice.h"
#include "queue.h"
#include "text.h"
#include "ui_internal.h"

enum {
	Q_DOWN = 1,
	Q_UP,
	Q_PGDN,
	Q_PGUP,
	Q_FIRST,
	Q_LAST,
	Q_OPEN,
	Q_SEARCH,
	Q_FILTER,
	Q_SORT,
	Q_REFRESH,
	Q_NEW,
	Q_LETTERS
};

/* A row as shown: strings neutralised once, when read. */
struct qrow {
	int64_t id, received_at, due_at, version;
	char *reference, *requester, *requester_kind, *instrument, *customer, *status, *assignee;
	bool open, emergency, cross_region, process_flag, under_order;
	struct queue_key key;
	/* Search results: what matched. */
	enum queue_match match;
	char *matched;
};

bool qrow_set(struct qrow *r, const struct demand_row *d, const struct queue_key *k);
void qrow_clear(struct qrow *r);

struct qview {
	struct screen base;
	/* The filter as chosen, and as the core reads it. */
	char status_name[24];
	char assignee[STAFF_LOGIN_MAX + 1];
	bool mine;
	struct queue_filter filter;
	enum queue_order order;
	/* The window: only the rows on the screen. */
	struct qrow *rows;
	int nrows;
	int cursor;
	int height;        /* list rows the window was read for */
	bool top_is_start; /* the window starts at the queue's start: new rows before it show */
	struct queue_counts counts;
	bool have_counts;
	struct notice_counts letters; /* the outbox, for the title's letters that need a person */
};

int qview_list_rows(const struct ui *ui);
/* Draws the column headings on row 2 and rows from row 3. */
void qview_draw_list(struct ui *ui, const struct qrow *rows, int n, int cursor, const char *empty);
/* Reads the queue again from its start. */
void qview_restart(struct ui *ui, struct qview *v);
/* Makes the filter the core reads from the choices, and restarts. */
void qview_apply_filter(struct ui *ui, struct qview *v);
/* Opens the filter form. */
void qview_filter_form(struct ui *ui, struct qview *v);

/* Draws the title with the counts, and the letters that need a person when there are any. */
void qview_draw_title(struct ui *ui, const struct qview *v);

/* The search screen (queue_search.c), opened from the queue. */
struct screen *search_screen_new(struct ui *ui, struct qview *queue);

#endif
