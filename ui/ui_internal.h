/* ui_internal.h: what the terminal UI's files share. Only the files in ui/ include curses.
 *
 * The UI is a stack of screens. Each screen is a table of functions (draw, key, reload, idle,
 * free) and a table of keys; the help screen and the footer are generated from the key tables,
 * so that what the help says is what the keys do. */
#ifndef DOCKET_UI_INTERNAL_H
#define DOCKET_UI_INTERNAL_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "queue.h"
#include "staff.h"
#include "status.h"
#include "text.h"
#include "ui.h"

/* A key: a character's code point, or a function key (KEY_*) moved out of the characters' way. */
#define UI_FN(k)     (0x1000000 + (k))
#define UI_CTRL(c)   ((c)&0x1f)
#define UI_ENTER     '\n'
#define UI_ESC       27
#define UI_TAB       '\t'
#define UI_BACKSPACE 127
#define UI_RESIZE    UI_FN(KEY_RESIZE)

/* Actions every screen shares; a screen's own actions are numbered from 1. */
enum {
	UI_A_HELP = 1000,
	UI_A_BACK,
	UI_A_QUIT,
	UI_A_REDRAW,
	UI_A_SUSPEND,
};

struct ui_key {
	int action;
	int keys[4];        /* the keys that do it; 0 ends the list */
	const char *label;  /* how help shows the keys, when not spelt from keys ("1-9") */
	const char *help;   /* what it does: one line; NULL ends a table */
	const char *footer; /* the word the footer shows beside the first key, or NULL */
};

/* Spells a key the way help shows it: "j", "Down", "Enter", "Ctrl-S". */
void ui_key_name(int key, char *out, size_t n);
/* The keys of an entry as help shows them: "j, Down". */
void ui_key_label(const struct ui_key *k, char *out, size_t n);
/* The action the table gives key, or 0. */
int ui_key_action(const struct ui_key *table, int key);

struct ui;
struct screen;

struct screen_ops {
	const char *name;          /* as the help screen and the man page call it */
	const struct ui_key *keys; /* its own keys; the common ones come after */
	bool quit_on_back;         /* q and Esc quit the program from here (the queue) */
	bool typing;               /* letters are text here: help is F1, and Esc is the screen's */
	void (*draw)(struct ui *ui, struct screen *s);
	/* A key, with the action the key tables give it (0 for none). Returns whether it was used;
	 * the common keys (help, back, quit) apply to an unused one. */
	bool (*key)(struct ui *ui, struct screen *s, int action, int key);
	/* The database changed under the screen: read again what it shows. */
	void (*reload)(struct ui *ui, struct screen *s);
	/* Work to do while the keyboard is idle; returns whether more remains. May be NULL. */
	bool (*idle)(struct ui *ui, struct screen *s);
	void (*free)(struct screen *s);
};

struct screen {
	const struct screen_ops *ops;
	bool stale; /* the database changed while another screen was on top */
};

/* Drawing styles; ui_attr turns them into attributes that work with and without colour. */
enum ui_style {
	ST_NORMAL,
	ST_BAR,     /* the title and footer bars */
	ST_HEADING, /* column headings, section titles */
	ST_CURSOR,  /* the selected row */
	ST_LATE,    /* past its deadline */
	ST_SOON,    /* due soon */
	ST_DIM,     /* not possible now */
	ST_ERROR,   /* the status line after a refusal */
	ST_OK,      /* the status line after a change */
	ST_LABEL,   /* form labels */
	ST_INPUT,   /* a form field */
	ST_FOCUS,   /* the form field being edited */
	ST_KEY,     /* a key named in the footer */
	ST_ALERT,   /* in the title bar: letters that need a person */
	ST_COUNT_
};

#define UI_MAX_DEPTH 8

struct ui {
	struct db *db;
	struct queue *q;
	struct acting who;
	const char *readonly; /* why this login may not write, or NULL */
	const struct ui_config *cfg;
	SCREEN *term;
	int rows, cols;
	bool color, utf8;
	struct screen *stack[UI_MAX_DEPTH];
	int depth;
	char status[DK_ERROR_MAX + 128];
	enum ui_style status_style;
	int64_t data_version;
	int64_t soon; /* seconds ahead that count as due soon (policy due_soon_days) */
	bool quit;
	/* Headless: the script and how far it was read. */
	const char *script;
	/* Timings for the benchmark ($DOCKET_UI_TIMINGS), or NULL. */
	FILE *timing;
	bool drawn_once;
	/* Where the terminal's cursor goes after drawing (a field being edited), or -1: hidden. */
	int cur_y, cur_x;
	/* The top screen has idle work (ops->idle) to do. */
	bool busy;
	int64_t last_reload; /* when the screens were last read again, for ageing counts */
};

/* The screen stack. ui_push takes ownership; ui_pop frees the top; ui_replace frees the top and
 * puts s in its place. */
void ui_push(struct ui *ui, struct screen *s);
void ui_pop(struct ui *ui);
void ui_replace(struct ui *ui, struct screen *s);
struct screen *ui_top(struct ui *ui);
/* Takes s out of the stack wherever it is, and frees it. */
void ui_remove(struct ui *ui, struct screen *s);

/* The status line: a message until the next key. */
void ui_say(struct ui *ui, enum ui_style st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_fail(struct ui *ui, const struct dk_error *err);

/* Marks every screen stale, reloads the top one, and notes the database's version. */
void ui_reload_all(struct ui *ui);

/* Drawing. Text from the database is neutralised before it reaches the terminal. */
attr_t ui_attr(const struct ui *ui, enum ui_style st);
/* Writes s at (y, x) cut to width columns (with an ellipsis when cut) and padded with spaces.
 * s is neutralised first unless safe says it already was. Returns the columns written. */
int ui_put(struct ui *ui, int y, int x, int width, const char *s, attr_t a, bool safe);
/* Like ui_put, aligned to the right of the width. */
void ui_put_right(struct ui *ui, int y, int x, int width, const char *s, attr_t a);
void ui_fill(int y, int x, int width, attr_t a);
/* The ellipsis and separators for this terminal: "…" and "·" in UTF-8, "~" and "|" otherwise. */
const char *ui_ellipsis(const struct ui *ui);
const char *ui_dot(const struct ui *ui);
/* The footer bar of the top screen's keys on row y. */
void ui_draw_footer(struct ui *ui, int y, const struct ui_key *keys);
/* The title bar: left text and, right-aligned, the database path. */
void ui_draw_title(struct ui *ui, const char *left);
/* The number of rows between the title and the footer; first is the first of them. */
int ui_body_rows(const struct ui *ui, int *first);

/* Lines of text, wrapped to the screen, for a screen that scrolls through them. */
struct ui_line {
	char *text; /* neutralised */
	enum ui_style style;
};

struct ui_lines {
	struct ui_line *v;
	int n;
	size_t cap;
};

void ui_lines_add(struct ui_lines *l, enum ui_style st, const char *text);
/* Adds text (already neutralised, one line) after a first-line prefix, wrapped to width by
 * display columns at a space where there is one; continuation lines are indented to the
 * prefix's width. */
void ui_lines_wrap(struct ui_lines *l, enum ui_style st, const char *prefix, const char *text, int width);
/* Empties the list and keeps its array; ui_lines_free frees both. */
void ui_lines_clear(struct ui_lines *l);
void ui_lines_free(struct ui_lines *l);

/* Screens. */
struct screen *queue_screen_new(struct ui *ui);
struct screen *case_screen_new(struct ui *ui, int64_t id);
struct screen *intake_screen_new(struct ui *ui);
struct screen *help_screen_new(struct ui *ui, const struct screen *of);
/* The outbox: every waiting letter (demand_id 0), or every letter of one demand. */
struct screen *outbox_screen_new(struct ui *ui, int64_t demand_id);
/* One letter, as it goes out. */
struct screen *letter_screen_new(struct ui *ui, int64_t id);
/* Whether s is the case screen of demand id. */
bool case_screen_shows(const struct screen *s, int64_t id);
/* Every screen's ops, for ui_each_key. */
extern const struct screen_ops queue_screen_ops, search_screen_ops, case_screen_ops, outbox_screen_ops,
	letter_screen_ops, form_screen_ops, picker_screen_ops, help_screen_ops;
extern const struct ui_key ui_common_keys[];

/* Forms: a list of fields edited in place, checked one by one, submitted together. */
enum field_type {
	F_TEXT,   /* free text on one line */
	F_CHOICE, /* one of a list of names */
	F_CHECK,  /* yes or no */
};

struct form;

struct field {
	const char *name;  /* the core's name for it, matched against error messages ("reference") */
	const char *label; /* as the form shows it */
	enum field_type type;
	bool required;
	size_t max; /* text: bytes */
	char value[TEXT_LONG_MAX + 1];
	size_t cursor; /* text: byte offset of the cursor */
	size_t scroll; /* text: first byte shown */
	/* Choices: the names, and how the form shows each (NULL: as named). */
	const char *const *choices;
	const char *const *choice_labels;
	int nchoices;
	int choice;
	bool picker; /* Enter opens a list to pick from, with search (customers, staff) */
	bool checked;
	const char *hint; /* shown on the status line while the field has the focus */
	/* Checks the value as typed; NULL when there is nothing to check but required. */
	enum dk_status (*check)(struct ui *ui, const struct field *f, struct dk_error *err);
	char error[DK_ERROR_MAX]; /* the last check's message, shown beside the field */
	/* Choices read from the database when the form opens (customers, staff): owned here. */
	char **owned;
	char **owned_labels;
};

/* Called with the form's values when it is submitted: DK_OK closes the form. A message that
 * starts with a field's name puts the focus on that field. */
typedef enum dk_status (*form_submit_fn)(struct ui *ui, struct form *f, void *ctx, struct dk_error *err);

struct form {
	struct screen base;
	char title[256];
	struct field *fields;
	int nfields;
	int focus;
	int top;
	form_submit_fn submit;
	void *ctx;
	void (*ctx_free)(void *ctx);
	const char *intro; /* a line under the title, or NULL */
	/* Set by the submit function: close the form even though it failed (it said why on the
	 * status line); after success, open this demand's case. */
	bool close;
	int64_t then_open;
	bool enter_submits; /* Enter saves from any field but a list (short forms of choices) */
};

/* A form with n fields (zeroed), to be filled in and pushed. */
struct form *form_new(const char *title, int n, form_submit_fn submit, void *ctx, void (*ctx_free)(void *));
struct field *form_field(struct form *f, const char *name);
/* Field set-ups. */
void field_text(struct field *f, const char *name, const char *label, bool required, size_t max, const char *value);
void field_choice(struct field *f, const char *name, const char *label, const char *const *choices, const char *value);
void field_check(struct field *f, const char *name, const char *label, bool checked);
/* Takes the names and labels (both malloc'd, NULL-terminated, owned by the field from now on). */
void field_choice_owned(struct field *f, const char *name, const char *label, char **choices, char **labels,
			const char *value);
const char *field_value(const struct field *f);
/* Common checks. */
enum dk_status field_check_date(struct ui *ui, const struct field *f, struct dk_error *err);
enum dk_status field_check_text(struct ui *ui, const struct field *f, struct dk_error *err);

/* The staff to pick from (active ones, by login), after one or two choices of the caller's (second
 * may be NULL). Both lists are malloc'd and NULL-terminated, for field_choice_owned. */
bool ui_staff_choices(struct ui *ui, const char *first, const char *first_label, const char *second,
		      const char *second_label, char ***names, char ***labels);

/* A list to pick one of, with search as you type; calls done with the index picked. */
struct screen *picker_new(struct ui *ui, const char *title, const char *const *labels, int n, int current,
			  void (*done)(struct ui *ui, int picked, void *ctx), void *ctx);

/* What a person does to a letter, with the same keys on the outbox and letter screens
 * (letter_forms.c): the entries go into each screen's key table. */
enum { L_RETRY = 100, L_CANCEL, L_DELIVERED, L_EDIT, L_DEMAND };
/* clang-format off */
#define LETTER_KEYS \
	{L_DELIVERED, {'d'}, NULL, "record that a person delivered it (letter, phone, e-mail) and when", "delivered"}, \
	{L_RETRY, {'t'}, NULL, "try again: a failed e-mail back in the queue for the next send", "retry"}, \
	{L_CANCEL, {'c'}, NULL, "cancel it, with the reason (it is kept, marked cancelled)", "cancel"}, \
	{L_EDIT, {'e'}, NULL, "change its e-mail address or subject (the text: docket outbox edit)", "edit"}, \
	{L_DEMAND, {'o'}, NULL, "open its demand", "demand"}
/* clang-format on */
bool letter_key_action(int action);
/* Does action to letter id (of demand demand_id, 0 for none): a form, or the core at once. */
void letter_key(struct ui *ui, int action, int64_t id, int64_t demand_id);

/* The case screen's forms (case_forms.c). */
struct demand;
struct allowed_move;
void case_form_move(struct ui *ui, const struct demand *d, const char *to, const char *outcome);
void case_form_note(struct ui *ui, const struct demand *d);
void case_form_assign(struct ui *ui, const struct demand *d);
void case_form_order(struct ui *ui, const struct demand *d);
void case_form_verify(struct ui *ui, const struct demand *d);
void case_form_extend(struct ui *ui, const struct demand *d);
void case_form_notice(struct ui *ui, const struct demand *d);
/* After a change refused by the core: the refusal on the status line, and the case read again
 * when someone else changed it meanwhile. */
void case_refused(struct ui *ui, int64_t id, int64_t version, const struct dk_error *err);
/* After a change: the message, and every screen read again. */
void case_changed(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
