/* xdg.c: the base directories of the XDG specification, as docket uses them. */
#include "xdg.h"

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

bool xdg_base(struct buf *b, const char *var, const char *fallback)
{
	const char *dir = getenv(var);
	if (dir && *dir == '/') {
		buf_puts(b, dir);
		return true;
	}
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return false;
	buf_puts(b, home);
	buf_puts(b, fallback);
	return true;
}
