/* ui.h: the terminal UI, as the command line and the tests start it. Does not include curses.
 *
 * The UI reads and writes through the core API only (queue.h for the queue, demand.h and
 * workflow.h for a case, notice.h for the letters); it has no rules of its own. */
#ifndef DOCKET_UI_H
#define DOCKET_UI_H

#include <stdbool.h>
#include <stdio.h>

#include "db.h"
#include "staff.h"
#include "status.h"

/* A copy of the screen, for tests: what each cell shows and how. */
enum { UI_CELL_BOLD = 1, UI_CELL_REVERSE = 2, UI_CELL_UNDERLINE = 4, UI_CELL_DIM = 8 };

struct ui_dump {
	int rows, cols;
	char **lines;          /* rows lines of UTF-8 text, each padded to the screen's width */
	unsigned char *attrs;  /* rows * cols: UI_CELL_* bits */
	unsigned char *colors; /* rows * cols: the colour pair number, 0 for none */
};

/* How to run. Zeroed: on the terminal the process has. */
struct ui_config {
	/* Headless: draw on a virtual terminal of rows x cols (writing to /dev/null) and take the
	 * keys from a script instead of the keyboard. The script is text in which <Name> stands for
	 * a key (<Enter> <Esc> <Tab> <BTab> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End>
	 * <BS> <Del> <Space> <Lt> <C-x> <F2>) or an event (<Dump>: hand the screen to dump;
	 * <Idle>: what happens while the keyboard is idle: background search, checking the database
	 * for changes by others; <Resize RxC>). The UI ends when the script does. */
	bool headless;
	int rows, cols;
	const char *script;
	const char *term; /* the terminal type to draw for; default vt100 in headless mode */
	void (*dump)(const struct ui_dump *d, void *ctx);
	void *dump_ctx;
};

/* Runs the UI on db until the user quits. who acts; when readonly is not NULL it says why this
 * login may not write, and every change is refused with that reason. Returns an exit status. */
int ui_run(struct db *db, const struct acting *who, const char *readonly, const struct ui_config *cfg,
	   struct dk_error *err);

/* Every screen's keys, for the help screen, the man page and its test: calls fn once per key with
 * the screen's name, the keys as help shows them and what they do. */
void ui_each_key(void (*fn)(const char *screen, const char *keys, const char *help, void *ctx), void *ctx);

#endif
