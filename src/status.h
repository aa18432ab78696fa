/* status.h: the status every core function returns, and the error buffer it fills.
 *
 * Core functions never print and never exit: they return a status and, unless it is DK_OK, leave a
 * one-line message in a struct dk_error. The numbers are the program's exit statuses. */
#ifndef DOCKET_STATUS_H
#define DOCKET_STATUS_H

#include <stddef.h>

enum dk_status {
	DK_OK = 0,      /* done */
	DK_REFUSED = 1, /* refused by a rule: an illegal move, a missing guard, no permission */
	DK_INVALID = 2, /* bad usage or bad input */
	DK_STORAGE = 3, /* storage or network failure */
};

#define DK_ERROR_MAX 1024

struct dk_error {
	enum dk_status status;
	char msg[DK_ERROR_MAX];
};

/* Fills err (when not NULL) and returns st, so that callers can write `return dk_fail(...)`. */
enum dk_status dk_fail(struct dk_error *err, enum dk_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err to DK_OK and an empty message. */
void dk_clear(struct dk_error *err);

#endif
