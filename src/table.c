/* table.c: aligned tables for the command line's listings and the text report. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

void table_init(struct table *t, size_t ncols, unsigned right)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->right = right;
}

void table_row(struct table *t, const char *const *cells)
{
	if (t->oom)
		return;
	if (!array_reserve(&t->cells, &t->cap, t->n + t->ncols, sizeof *t->cells, t->ncols * 16)) {
		t->oom = true;
		return;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = text_neutralise(cells[i] ? cells[i] : "", false);
		if (!s)
			t->oom = true;
		t->cells[t->n++] = s;
	}
}

static void pad(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_putc(b, ' ');
}

void table_put(const struct table *t, struct buf *b, size_t indent)
{
	size_t *w = t->ncols ? calloc(t->ncols, sizeof *w) : NULL;
	if (t->oom || !w) {
		b->oom = true;
		free(w);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t cw = text_width(t->cells[i]);
		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	size_t line = b->len;
	for (size_t i = 0; i < t->n && !b->oom; i++) {
		size_t c = i % t->ncols, cw = text_width(t->cells[i]);
		if (c == 0)
			line = b->len;
		pad(b, c ? 2 : indent);
		if (t->right & (1u << c))
			pad(b, w[c] - cw);
		buf_puts(b, t->cells[i]);
		if (!(t->right & (1u << c)))
			pad(b, w[c] - cw);
		if (c + 1 == t->ncols) {
			while (b->len > line && b->data[b->len - 1] == ' ')
				b->data[--b->len] = '\0';
			buf_putc(b, '\n');
		}
	}
	free(w);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}
