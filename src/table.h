/* table.h: a table for a terminal. Every cell is neutralised as it is added (text from outside never
 * reaches the terminal raw); columns are padded to their widest cell, counted in display columns. */
#ifndef DOCKET_TABLE_H
#define DOCKET_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct table {
	size_t ncols;
	unsigned right; /* bit i: column i is right-aligned (numbers) */
	char **cells;   /* row after row, ncols each */
	size_t n, cap;
	bool oom; /* set once an allocation failed; table_put then marks its buffer */
};

void table_init(struct table *t, size_t ncols, unsigned right);
void table_row(struct table *t, const char *const *cells);
/* Appends the rows to b: each line starts with indent spaces, columns are two spaces apart, and no
 * line ends in a space. */
void table_put(const struct table *t, struct buf *b, size_t indent);
void table_free(struct table *t);

#endif
