/* app.c: the terminal UI's life: the terminal set up and given back, the screen stack, the key
 * loop, watching the database for changes by others, the headless mode and the timing hook. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "text.h"
#include "ui_internal.h"
#include "when.h"

/* How long the keyboard may be idle before the database is checked for changes, in ms. */
#define UI_POLL_MS 500
/* How often the screens are read again even when nothing changed, for late and due-soon counts. */
#define UI_AGE_S 60

/* The terminal must be given back on every way out, including a signal and exit(); these are
 * the only process-wide state the UI keeps. */
static volatile sig_atomic_t ui_signal;
static bool ui_curses_on;

static void give_back_terminal(void)
{
	if (ui_curses_on && !isendwin())
		endwin();
	ui_curses_on = false;
}

static void on_signal(int sig)
{
	ui_signal = sig;
}

static void on_crash(int sig)
{
	/* Best effort: the terminal usable again for whoever reads the crash. */
	if (ui_curses_on)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void ui_push(struct ui *ui, struct screen *s)
{
	if (!s)
		return;
	if (ui->depth == UI_MAX_DEPTH) {
		s->ops->free(s);
		ui_say(ui, ST_ERROR, "too many screens open: close one first");
		return;
	}
	ui->stack[ui->depth++] = s;
}

void ui_pop(struct ui *ui)
{
	if (ui->depth == 0)
		return;
	struct screen *s = ui->stack[--ui->depth];
	s->ops->free(s);
	struct screen *top = ui_top(ui);
	/* The screen back on top may have idle work left (a search); its idle says. */
	ui->busy = top && top->ops->idle;
	if (top && top->stale) {
		top->stale = false;
		if (top->ops->reload)
			top->ops->reload(ui, top);
	}
}

void ui_remove(struct ui *ui, struct screen *s)
{
	for (int i = ui->depth - 1; i >= 0; i--) {
		if (ui->stack[i] != s)
			continue;
		if (i == ui->depth - 1) {
			ui_pop(ui);
			return;
		}
		memmove(&ui->stack[i], &ui->stack[i + 1], (size_t)(ui->depth - i - 1) * sizeof ui->stack[0]);
		ui->depth--;
		s->ops->free(s);
		return;
	}
}

void ui_replace(struct ui *ui, struct screen *s)
{
	if (ui->depth > 0) {
		struct screen *old = ui->stack[--ui->depth];
		old->ops->free(old);
	}
	ui_push(ui, s);
}

struct screen *ui_top(struct ui *ui)
{
	return ui->depth ? ui->stack[ui->depth - 1] : NULL;
}

void ui_say(struct ui *ui, enum ui_style st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_style = st;
}

void ui_fail(struct ui *ui, const struct dk_error *err)
{
	ui_say(ui, ST_ERROR, "%s", err->msg[0] ? err->msg : "failed");
}

void ui_reload_all(struct ui *ui)
{
	for (int i = 0; i < ui->depth; i++)
		ui->stack[i]->stale = true;
	struct screen *top = ui_top(ui);
	if (top) {
		top->stale = false;
		if (top->ops->reload)
			top->ops->reload(ui, top);
	}
	ui->data_version = db_data_version(ui->db);
	ui->last_reload = when_now();
}

/* Polls for changes made by other processes (PRAGMA data_version), and ages the screens. */
static bool poll_changes(struct ui *ui)
{
	int64_t v = db_data_version(ui->db);
	if (v != ui->data_version || when_now() - ui->last_reload >= UI_AGE_S) {
		ui_reload_all(ui);
		return true;
	}
	return false;
}

static void set_colors(struct ui *ui)
{
	const char *no = getenv("NO_COLOR");
	ui->color = !(no && *no) && has_colors() && start_color() == OK;
	if (!ui->color)
		return;
	short bg = COLOR_BLACK;
	if (use_default_colors() == OK)
		bg = -1;
	init_pair(1, COLOR_RED, bg);           /* late */
	init_pair(2, COLOR_YELLOW, bg);        /* soon */
	init_pair(3, COLOR_WHITE, COLOR_BLUE); /* bars */
	init_pair(4, COLOR_GREEN, bg);         /* ok */
	init_pair(5, COLOR_CYAN, bg);          /* headings, labels */
	init_pair(6, COLOR_WHITE, COLOR_RED);  /* alerts in the title bar */
}

attr_t ui_attr(const struct ui *ui, enum ui_style st)
{
	/* Without colour, every style still stands out: bold, underline, reverse. */
	switch (st) {
	case ST_BAR: return ui->color ? COLOR_PAIR(3) | A_BOLD : A_REVERSE;
	case ST_HEADING: return ui->color ? COLOR_PAIR(5) | A_BOLD : A_BOLD;
	case ST_CURSOR: return A_REVERSE;
	case ST_LATE: return ui->color ? COLOR_PAIR(1) | A_BOLD : A_BOLD;
	case ST_SOON: return ui->color ? COLOR_PAIR(2) : A_UNDERLINE;
	case ST_DIM: return A_DIM;
	case ST_ERROR: return ui->color ? COLOR_PAIR(1) | A_BOLD : A_BOLD;
	case ST_OK: return ui->color ? COLOR_PAIR(4) : A_NORMAL;
	case ST_LABEL: return ui->color ? COLOR_PAIR(5) : A_NORMAL;
	case ST_INPUT: return A_UNDERLINE;
	case ST_FOCUS: return A_REVERSE;
	case ST_KEY: return A_BOLD;
	/* In the bar (reverse without colour), bold without reverse stands out of it. */
	case ST_ALERT: return ui->color ? COLOR_PAIR(6) | A_BOLD : A_BOLD;
	default: return A_NORMAL;
	}
}

static void draw(struct ui *ui)
{
	ui->cur_y = ui->cur_x = -1;
	erase();
	struct screen *top = ui_top(ui);
	if (ui->cols < 40 || ui->rows < 10) {
		char msg[80];
		snprintf(msg, sizeof msg, "docket needs at least 80x24 (this is %dx%d)", ui->cols, ui->rows);
		ui_put(ui, 0, 0, ui->cols, msg, A_BOLD, true);
	} else if (top) {
		top->ops->draw(ui, top);
		ui_put(ui, ui->rows - 1, 0, ui->cols, ui->status, ui_attr(ui, ui->status_style), false);
	}
	if (ui->cur_y >= 0) {
		curs_set(1);
		move(ui->cur_y, ui->cur_x);
	} else {
		curs_set(0);
		move(ui->rows - 1, ui->cols - 1);
	}
	wnoutrefresh(stdscr);
	doupdate();
	if (!ui->drawn_once && ui->timing) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(ui->timing, "first_draw %lld.%06ld\n", (long long)ts.tv_sec, ts.tv_nsec / 1000);
		fflush(ui->timing);
	}
	ui->drawn_once = true;
}

static void resized(struct ui *ui, int rows, int cols)
{
	if (ui->cfg->headless)
		resizeterm(rows, cols);
	ui->rows = LINES;
	ui->cols = COLS;
}

/* The common keys, and a screen's key table, resolved. */
static void dispatch(struct ui *ui, int key)
{
	struct screen *s = ui_top(ui);
	ui->status[0] = '\0';
	int action = ui_key_action(s->ops->keys, key);
	if (!action)
		action = ui_key_action(ui_common_keys, key);
	if (s->ops->key(ui, s, action, key))
		return;
	switch (action) {
	case UI_A_HELP: ui_push(ui, help_screen_new(ui, s)); break;
	case UI_A_BACK:
		if (s->ops->quit_on_back)
			ui->quit = true;
		else
			ui_pop(ui);
		break;
	case UI_A_QUIT: ui->quit = true; break;
	case UI_A_REDRAW: clearok(curscr, TRUE); break;
	case UI_A_SUSPEND:
		/* The terminal is raw, so Ctrl-Z arrives as a key: give the terminal back, stop, and
		 * take it again when continued. */
		if (!ui->cfg->headless) {
			endwin();
			raise(SIGSTOP);
			clearok(curscr, TRUE);
		}
		break;
	default: {
		char name[32];
		ui_key_name(key, name, sizeof name);
		ui_say(ui, ST_NORMAL, "%s does nothing here; ? lists the keys", name);
	}
	}
}

/* Headless: the next key of the script, or an event. Returns 0 at the end. */
enum script_event { EV_KEY, EV_DUMP, EV_IDLE, EV_RESIZE, EV_END };

static enum script_event script_next(struct ui *ui, int *key, int *rows, int *cols)
{
	const char *p = ui->script;
	if (!p || !*p)
		return EV_END;
	if (*p != '<') {
		unsigned cp = (unsigned char)*p;
		size_t len = text_utf8_decode(p, strlen(p), &cp);
		ui->script = p + (len ? len : 1);
		*key = (int)cp;
		return EV_KEY;
	}
	const char *end = strchr(p, '>');
	if (!end) {
		ui->script = p + 1;
		*key = '<';
		return EV_KEY;
	}
	char name[32];
	snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
	ui->script = end + 1;
	static const struct {
		const char *name;
		int key;
	} names[] = {
		{"Enter", UI_ENTER},
		{"Esc", UI_ESC},
		{"Tab", UI_TAB},
		{"BTab", UI_FN(KEY_BTAB)},
		{"Up", UI_FN(KEY_UP)},
		{"Down", UI_FN(KEY_DOWN)},
		{"Left", UI_FN(KEY_LEFT)},
		{"Right", UI_FN(KEY_RIGHT)},
		{"PgUp", UI_FN(KEY_PPAGE)},
		{"PgDn", UI_FN(KEY_NPAGE)},
		{"Home", UI_FN(KEY_HOME)},
		{"End", UI_FN(KEY_END)},
		{"BS", UI_BACKSPACE},
		{"Del", UI_FN(KEY_DC)},
		{"Space", ' '},
		{"Lt", '<'},
		{"F2", UI_FN(KEY_F(2))},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*key = names[i].key;
			return EV_KEY;
		}
	}
	if (strncmp(name, "C-", 2) == 0 && name[2] && !name[3]) {
		*key = UI_CTRL(name[2]);
		return EV_KEY;
	}
	if (strcmp(name, "Dump") == 0)
		return EV_DUMP;
	if (strcmp(name, "Idle") == 0)
		return EV_IDLE;
	if (sscanf(name, "Resize %dx%d", rows, cols) == 2)
		return EV_RESIZE;
	*key = '?';
	return EV_KEY;
}

/* Copies the virtual screen for the headless mode's caller. */
static void dump_screen(struct ui *ui)
{
	if (!ui->cfg->dump)
		return;
	struct ui_dump d = {.rows = ui->rows, .cols = ui->cols};
	d.lines = calloc((size_t)d.rows, sizeof *d.lines);
	d.attrs = calloc((size_t)(d.rows * d.cols), 1);
	d.colors = calloc((size_t)(d.rows * d.cols), 1);
	if (!d.lines || !d.attrs || !d.colors)
		goto out;
	for (int y = 0; y < d.rows; y++) {
		size_t cap = (size_t)d.cols * MB_LEN_MAX + 1, n = 0;
		char *line = malloc(cap);
		if (!line)
			goto out;
		for (int x = 0; x < d.cols;) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1] = {0};
			attr_t a = 0;
			short pair = 0;
			int w = 1;
			if (mvwin_wch(stdscr, y, x, &cc) == OK && getcchar(&cc, wc, &a, &pair, NULL) == OK && wc[0]) {
				mbstate_t ms;
				memset(&ms, 0, sizeof ms);
				for (int i = 0; wc[i] && n + MB_LEN_MAX < cap; i++) {
					size_t k = wcrtomb(line + n, wc[i], &ms);
					if (k != (size_t)-1)
						n += k;
				}
				int cw = wcwidth(wc[0]);
				w = cw > 1 ? cw : 1;
			} else {
				line[n++] = ' ';
			}
			for (int i = 0; i < w && x + i < d.cols; i++) {
				unsigned char bits = 0;
				if (a & A_BOLD)
					bits |= UI_CELL_BOLD;
				if (a & A_REVERSE)
					bits |= UI_CELL_REVERSE;
				if (a & A_UNDERLINE)
					bits |= UI_CELL_UNDERLINE;
				if (a & A_DIM)
					bits |= UI_CELL_DIM;
				d.attrs[y * d.cols + x + i] = bits;
				d.colors[y * d.cols + x + i] = (unsigned char)pair;
			}
			x += w;
		}
		line[n] = '\0';
		d.lines[y] = line;
	}
	ui->cfg->dump(&d, ui->cfg->dump_ctx);
out:
	if (d.lines)
		for (int y = 0; y < d.rows; y++)
			free(d.lines[y]);
	free(d.lines);
	free(d.attrs);
	free(d.colors);
}

/* Reads a key from the terminal, waiting at most ms (-1: forever). ERR when none came. */
static int read_key(int ms)
{
	wint_t wc;
	timeout(ms);
	int r = get_wch(&wc);
	if (r == ERR)
		return ERR;
	if (r == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return UI_ENTER;
		if (wc == KEY_BACKSPACE)
			return UI_BACKSPACE;
		return UI_FN((int)wc);
	}
	if (wc == '\r')
		return UI_ENTER;
	if (wc == 8)
		return UI_BACKSPACE;
	return (int)wc;
}

static void note_key_time(struct ui *ui, int key, double t0)
{
	if (!ui->timing)
		return;
	char name[32];
	ui_key_name(key, name, sizeof name);
	struct screen *top = ui_top(ui);
	fprintf(ui->timing, "key %s %s %.3f\n", top ? top->ops->name : "-", name, mono_ms() - t0);
	fflush(ui->timing);
}

static void loop(struct ui *ui)
{
	draw(ui);
	while (!ui->quit && ui->depth > 0) {
		int key = 0;
		if (ui->cfg->headless) {
			int rows = 0, cols = 0;
			enum script_event ev = script_next(ui, &key, &rows, &cols);
			if (ev == EV_END)
				break;
			if (ev == EV_DUMP) {
				dump_screen(ui);
				continue;
			}
			if (ev == EV_IDLE) {
				struct screen *top;
				while (ui->busy && (top = ui_top(ui)) && top->ops->idle)
					ui->busy = top->ops->idle(ui, top);
				poll_changes(ui);
				draw(ui);
				continue;
			}
			if (ev == EV_RESIZE) {
				resized(ui, rows, cols);
				draw(ui);
				continue;
			}
		} else {
			struct screen *top = ui_top(ui);
			bool busy = ui->busy && top->ops->idle;
			key = read_key(busy ? 0 : UI_POLL_MS);
			if (ui_signal)
				break;
			if (key == ERR) {
				if (busy) {
					double t0 = mono_ms();
					ui->busy = top->ops->idle(ui, top);
					if (ui->timing)
						fprintf(ui->timing, "idle %s %.3f\n", top->ops->name, mono_ms() - t0);
				} else if (!poll_changes(ui))
					continue;
				draw(ui);
				continue;
			}
		}
		double t0 = mono_ms();
		if (key == UI_RESIZE)
			resized(ui, LINES, COLS);
		else
			dispatch(ui, key);
		if (!ui->quit && ui->depth > 0)
			draw(ui);
		note_key_time(ui, key, t0);
	}
}

static enum dk_status start_terminal(struct ui *ui, FILE **devnull_out, FILE **devnull_in, struct dk_error *err)
{
	const struct ui_config *cfg = ui->cfg;
	if (cfg->headless) {
		*devnull_out = fopen("/dev/null", "w");
		*devnull_in = fopen("/dev/null", "r");
		if (!*devnull_out || !*devnull_in)
			return dk_fail(err, DK_STORAGE, "/dev/null: %s", strerror(errno));
		ui->term = newterm(cfg->term ? cfg->term : "vt100", *devnull_out, *devnull_in);
	} else {
		const char *term = getenv("TERM");
		if (!term || !*term)
			return dk_fail(err, DK_INVALID, "TERM is not set: the terminal UI needs to know the terminal");
		ui->term = newterm(NULL, stdout, stdin);
	}
	if (!ui->term)
		return dk_fail(err, DK_INVALID, "cannot use the terminal \"%s\" (unknown to terminfo?)",
			       cfg->headless ? (cfg->term ? cfg->term : "vt100") : getenv("TERM"));
	set_term(ui->term);
	ui_curses_on = true;
	if (cfg->headless && cfg->rows > 0 && cfg->cols > 0)
		resizeterm(cfg->rows, cfg->cols);
	/* Raw: Ctrl-C and Ctrl-S come as keys (quit, save) rather than as signals and flow control. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	set_escdelay(25);
	set_colors(ui);
	ui->rows = LINES;
	ui->cols = COLS;
	return DK_OK;
}

int ui_run(struct db *db, const struct acting *who, const char *readonly, const struct ui_config *cfg,
	   struct dk_error *err)
{
	static const struct ui_config defaults = {0};
	struct ui ui = {.db = db, .who = *who, .readonly = readonly, .cfg = cfg ? cfg : &defaults};
	ui.script = ui.cfg->script;
	ui.soon = db_policy(db, "due_soon_days", 7) * WHEN_DAY;
	const char *codeset = setlocale(LC_CTYPE, NULL);
	ui.utf8 = codeset && (strstr(codeset, "UTF-8") || strstr(codeset, "utf8") || strstr(codeset, "UTF8"));
	const char *tpath = getenv("DOCKET_UI_TIMINGS");
	if (tpath && *tpath && !ui.cfg->headless)
		ui.timing = fopen(tpath, "a");
	db_long_lived(db);
	enum dk_status s = queue_open(db, &ui.q, err);
	if (s)
		return s;

	FILE *null_out = NULL, *null_in = NULL;
	struct sigaction old[8];
	static const int quit_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
	if (!ui.cfg->headless) {
		ui_signal = 0;
		for (int i = 0; i < 4; i++) {
			struct sigaction sa = {0};
			sa.sa_handler = on_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(quit_sigs[i], &sa, &old[i]);
			sa.sa_handler = on_crash;
			sa.sa_flags = SA_RESETHAND;
			sigaction(crash_sigs[i], &sa, &old[4 + i]);
		}
		atexit(give_back_terminal);
	}
	s = start_terminal(&ui, &null_out, &null_in, err);
	if (!s) {
		ui.data_version = db_data_version(db);
		ui.last_reload = when_now();
		ui_push(&ui, queue_screen_new(&ui));
		if (readonly && ui.status[0] == '\0')
			ui_say(&ui, ST_ERROR, "read-only: %s", readonly);
		loop(&ui);
	}
	while (ui.depth)
		ui_pop(&ui);
	if (ui.term) {
		give_back_terminal();
		delscreen(ui.term);
	}
	if (null_out)
		fclose(null_out);
	if (null_in)
		fclose(null_in);
	if (!ui.cfg->headless)
		for (int i = 0; i < 4; i++) {
			sigaction(quit_sigs[i], &old[i], NULL);
			sigaction(crash_sigs[i], &old[4 + i], NULL);
		}
	queue_free(&ui.q);
	if (ui.timing) {
		FILE *f = fopen("/proc/self/status", "r");
		char line[256];
		while (f && fgets(line, sizeof line, f))
			if (strncmp(line, "VmHWM:", 6) == 0 || strncmp(line, "VmRSS:", 6) == 0)
				fputs(line, ui.timing);
		if (f)
			fclose(f);
		fclose(ui.timing);
	}
	if (s)
		return s;
	/* Ended by a signal: the shell's usual status for it. */
	return ui_signal ? 128 + ui_signal : 0;
}
