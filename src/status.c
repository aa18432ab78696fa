/* status.c: filling the error buffer. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

enum dk_status dk_fail(struct dk_error *err, enum dk_status st, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->status = st;
	}
	return st;
}

void dk_clear(struct dk_error *err)
{
	if (err) {
		err->status = DK_OK;
		err->msg[0] = '\0';
	}
}
