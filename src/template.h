/* template.h: the letters' templates: where they are found, and filling them in.
 *
 * A template is a Subject: line, a blank line and the body. Placeholders:
 *   {{name}}             the field's value; refused when the field is unknown or empty
 *   {{a|b|c}}            the first of the fields that is not empty; refused when all are
 *   {{#name}}...{{/name}} the part between, only when the field is not empty
 *   {{^name}}...{{/name}} the part between, only when the field is empty
 *   {{! text}}           a comment, left out
 * A section tag alone on its line takes the whole line with it. A field named anywhere in the
 * template must be known, even inside a section that is left out, so that a misspelt name is found
 * the first time the template is used.
 *
 * Lookup of a template called NAME (redirect, advance, delayed, digest): the file
 * $XDG_CONFIG_HOME/docket/templates/NAME.txt (XDG_CONFIG_HOME defaulting to ~/.config), else
 * DOCKET_TEMPLATES_DIR/NAME.txt (the installed copies, $(pkgdatadir)/templates), else the copy
 * compiled into the program, so that an uninstalled docket works too. */
#ifndef DOCKET_TEMPLATE_H
#define DOCKET_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* The largest template file read. */
#define TEMPLATE_MAX (256 * 1024)

struct template_field {
	const char *name;  /* e.g. "customer.name" */
	const char *value; /* "" when empty; never NULL */
};

/* A template's text and where it came from ("built-in" or a path). Caller frees both. */
enum dk_status template_load(const char *name, char **text, char **source, struct dk_error *err);

/* The compiled-in text of a template, or NULL when there is no such template. */
const char *template_builtin(const char *name);

/* Fills in text (a body, or any template without a Subject: line) from fields. *out is the
 * result, which the caller frees. Errors name the template and the line:
 *   template redirect, line 12: "requester.agency" is empty for this demand. */
enum dk_status template_render(const char *name, const char *text, const struct template_field *fields, size_t n,
			       char **out, struct dk_error *err);

/* Fills in a letter: the Subject: line and the body after the blank line. The subject must come
 * out as one line (a field with a line break in it is refused: it would inject a header). */
enum dk_status template_render_letter(const char *name, const char *text, const struct template_field *fields, size_t n,
				      char **subject, char **body, struct dk_error *err);

#endif
