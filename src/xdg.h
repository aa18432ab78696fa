/* xdg.h: where docket's own files live, after the XDG base directory specification. */
#ifndef DOCKET_XDG_H
#define DOCKET_XDG_H

#include <stdbool.h>

#include "buf.h"

/* Appends the base directory to b: $var when it holds an absolute path, else the home directory
 * ($HOME, or the password database's) followed by fallback (e.g. "/.config"). False, with nothing
 * appended, when there is no home directory either. */
bool xdg_base(struct buf *b, const char *var, const char *fallback);

#endif
