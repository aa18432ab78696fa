/* buf.h: a growable byte buffer, growable arrays, and the JSON and CSV writers built on it. */
#ifndef DOCKET_BUF_H
#define DOCKET_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool oom; /* set once an allocation failed; later appends do nothing */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (who frees it) and leaves b empty; NULL after a failed allocation. */
char *buf_take(struct buf *b);

/* Makes room for need elements of size bytes in the array *items (a pointer to the array's pointer)
 * whose capacity is *cap, doubling it, from first, as needed. False when out of memory; the array is
 * then as it was. */
bool array_reserve(void *items, size_t *cap, size_t need, size_t size, size_t first);

/* JSON: a string value with quotes and escapes (control characters as \u00XX, the C1 ones too, so
 * that the output is safe on a terminal; a byte that is not UTF-8 as \ufffd). */
void buf_json_str(struct buf *b, const char *s);
/* A string, or null when s is NULL. */
void buf_json_str_or_null(struct buf *b, const char *s);

/* CSV (RFC 4180): a cell, quoted when needed. Cells a spreadsheet would run as a formula (starting
 * with = + - @ tab or CR) get a leading apostrophe. Control characters other than tab and line
 * ends are written in caret notation (ESC as ^[), C1 controls and bytes that are not UTF-8 as ?,
 * so that an export shown on a terminal is as safe as a table. */
void buf_csv_cell(struct buf *b, const char *s);

#endif
