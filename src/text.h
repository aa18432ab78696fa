/* text.h: checking text from outside, and making it safe to show.
 *
 * Every free-text field is checked before it is stored (valid UTF-8, a length cap, no control
 * characters except newline where a field allows it), and neutralised before it is shown. */
#ifndef DOCKET_TEXT_H
#define DOCKET_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define TEXT_SHORT_MAX 200   /* names, references, identifiers: bytes */
#define TEXT_LONG_MAX  10000 /* notes: bytes */

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool text_utf8_valid(const char *s, size_t n);

/* Decodes one code point at s (n bytes left); returns its length, or 0 when malformed. */
size_t text_utf8_decode(const char *s, size_t n, unsigned *cp);

/* Checks a field: valid UTF-8, at most max bytes, no control characters (newline and tab allowed
 * when multiline), not empty when required. On failure fills err naming the field. */
enum dk_status text_check(const char *field, const char *s, size_t max, bool multiline, bool required,
			  struct dk_error *err);

/* A copy of s safe to write to a terminal: C0 controls and DEL as caret notation (ESC is "^["),
 * C1 controls and malformed bytes as "?". Newlines are kept when keep_newline. Caller frees;
 * NULL when out of memory. */
char *text_neutralise(const char *s, bool keep_newline);

/* Columns a neutralised string takes on a terminal (wide characters count 2, combining marks 0). */
size_t text_width(const char *s);

/* Writes s into out (size outsz), cut to at most cols columns without splitting a character;
 * returns the columns used. */
size_t text_fit(const char *s, size_t cols, char *out, size_t outsz);

/* "12,345": a count with thousands separators, for people (truncated to fit n). */
void text_thousands(int64_t v, char *out, size_t n);

/* Input that arrives in pieces, passed on to sink with a UTF-8 byte order mark at its very start
 * left out (the mark may be split across pieces). *bom starts at 0: bytes of a mark matched so far,
 * 3 once decided. */
typedef enum dk_status (*text_sink)(void *ctx, const char *data, size_t n, struct dk_error *err);
enum dk_status text_skip_bom(int *bom, const char *data, size_t n, text_sink sink, void *ctx,
			     struct dk_error *err);
/* At the end of the input: passes on the start of a mark that never completed. */
enum dk_status text_skip_bom_end(int *bom, text_sink sink, void *ctx, struct dk_error *err);

#endif
