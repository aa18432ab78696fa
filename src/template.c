/* template.c: finding a letter's template and filling in its placeholders (see template.h). */
#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"
#include "xdg.h"

#ifndef DOCKET_TEMPLATES_DIR
#define DOCKET_TEMPLATES_DIR "/usr/local/share/docket/templates"
#endif

/* The defaults in templates/, compiled in by scripts/embed.sh. */
struct template_default {
	const char *name;
	const char *text;
};
extern const struct template_default template_defaults[];
extern const int template_default_count;

const char *template_builtin(const char *name)
{
	for (int i = 0; i < template_default_count; i++)
		if (strcmp(template_defaults[i].name, name) == 0)
			return template_defaults[i].text;
	return NULL;
}

/* Reads a regular file of at most TEMPLATE_MAX bytes. ENOENT is "not there" (DK_OK, *out NULL);
 * anything else is an error naming the path. */
static enum dk_status read_file(const char *path, char **out, struct dk_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DK_OK;
		return dk_fail(err, DK_INVALID, "%s: %s", path, strerror(errno));
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > TEMPLATE_MAX) {
		close(fd);
		return dk_fail(err, DK_INVALID, "%s: not a regular file of at most %d bytes", path, TEMPLATE_MAX);
	}
	char *text = malloc((size_t)sb.st_size + 1);
	if (!text) {
		close(fd);
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	size_t got = 0;
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, text + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	text[got] = '\0';
	/* A template saved with CRLF line ends reads as one saved with LF. */
	size_t w = 0;
	for (size_t i = 0; i < got; i++)
		if (!(text[i] == '\r' && text[i + 1] == '\n'))
			text[w++] = text[i];
	got = w;
	text[got] = '\0';
	if (!text_utf8_valid(text, got) || memchr(text, '\0', got)) {
		free(text);
		return dk_fail(err, DK_INVALID, "%s: not UTF-8 text", path);
	}
	*out = text;
	return DK_OK;
}

static bool name_ok(const char *name)
{
	if (!*name || strlen(name) > 40)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	return true;
}

enum dk_status template_load(const char *name, char **text, char **source, struct dk_error *err)
{
	*text = *source = NULL;
	if (!name_ok(name))
		return dk_fail(err, DK_INVALID, "template \"%.40s\": not a template name", name);
	struct buf path;
	buf_init(&path);
	enum dk_status s = DK_OK;
	if (xdg_base(&path, "XDG_CONFIG_HOME", "/.config")) {
		buf_printf(&path, "/docket/templates/%s.txt", name);
		if (path.oom)
			return dk_fail(err, DK_STORAGE, "out of memory");
		if ((s = read_file(path.data, text, err)) || *text)
			goto found;
	}
	buf_reset(&path);
	buf_printf(&path, "%s/%s.txt", DOCKET_TEMPLATES_DIR, name);
	if (path.oom)
		return dk_fail(err, DK_STORAGE, "out of memory");
	if ((s = read_file(path.data, text, err)) || *text)
		goto found;
	buf_free(&path);
	const char *builtin = template_builtin(name);
	if (!builtin)
		return dk_fail(err, DK_INVALID, "template \"%s\": no such template", name);
	*text = strdup(builtin);
	*source = strdup("built-in");
	if (!*text || !*source) {
		free(*text), free(*source);
		*text = *source = NULL;
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	return DK_OK;
found:
	if (s) {
		buf_free(&path);
		return s;
	}
	*source = buf_take(&path);
	if (!*source) {
		free(*text);
		*text = NULL;
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	return DK_OK;
}

/* Parsing: the template becomes a list of tokens, then the tokens are rendered. */
enum tok_type { TOK_TEXT, TOK_VAR, TOK_OPEN, TOK_INVERT, TOK_CLOSE };

struct tok {
	enum tok_type type;
	const char *s; /* text, or the tag's content (names) */
	size_t n;
	int line;
};

struct parse {
	const char *tname;
	int line_base;
	struct tok *v;
	size_t n, cap;
	struct dk_error *err;
};

static bool push(struct parse *p, enum tok_type type, const char *s, size_t n, int line)
{
	if (!array_reserve(&p->v, &p->cap, p->n + 1, sizeof *p->v, 32))
		return false;
	p->v[p->n++] = (struct tok){type, s, n, line};
	return true;
}

static int line_of(const char *start, const char *at, int base)
{
	int line = base + 1;
	for (const char *q = start; q < at; q++)
		if (*q == '\n')
			line++;
	return line;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Checks the names in a tag ("a" or "a|b|c"); on failure fills err. */
static enum dk_status check_names(struct parse *p, const char *s, size_t n, bool alternatives, int line)
{
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && s[j] != '|')
			j++;
		bool ok = j > i && j - i <= 40;
		for (size_t k = i; ok && k < j; k++)
			ok = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_' || s[k] == '.';
		if (!ok || (!alternatives && j < n))
			return dk_fail(p->err, DK_INVALID, "template %s, line %d: \"{{%.*s}}\" is not a field name",
				       p->tname, line, (int)(n > 60 ? 60 : n), s);
		i = j + 1;
	}
	return DK_OK;
}

static enum dk_status parse(struct parse *p, const char *text)
{
	const char *q = text;
	while (*q) {
		const char *open = strstr(q, "{{");
		if (!open) {
			if (!push(p, TOK_TEXT, q, strlen(q), 0))
				goto oom;
			break;
		}
		int line = line_of(text, open, p->line_base);
		const char *close = strstr(open + 2, "}}");
		const char *nl = strchr(open + 2, '\n');
		if (!close || (nl && nl < close))
			return dk_fail(p->err, DK_INVALID,
				       "template %s, line %d: \"{{\" without \"}}\" on the same line", p->tname, line);
		const char *a = open + 2, *b = close;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		char sigil = a < b ? *a : '\0';
		enum tok_type type = TOK_VAR;
		if (sigil == '#')
			type = TOK_OPEN;
		else if (sigil == '^')
			type = TOK_INVERT;
		else if (sigil == '/')
			type = TOK_CLOSE;
		bool comment = sigil == '!';
		if (type != TOK_VAR || comment) {
			a++;
			while (a < b && *a == ' ')
				a++;
		}
		const char *after = close + 2;
		/* A section tag or a comment alone on its line takes the line with it. */
		if (type != TOK_VAR || comment) {
			const char *ls = open;
			while (ls > text && ls[-1] != '\n')
				ls--;
			const char *le = after;
			while (*le == ' ' || *le == '\t')
				le++;
			if (ls >= q && blank(ls, (size_t)(open - ls)) && (*le == '\n' || !*le)) {
				/* The text up to this line is kept; the line's indent and end are not. */
				if (ls > q && !push(p, TOK_TEXT, q, (size_t)(ls - q), 0))
					goto oom;
				q = *le ? le + 1 : le;
				goto tag;
			}
		}
		if (open > q && !push(p, TOK_TEXT, q, (size_t)(open - q), 0))
			goto oom;
		q = after;
	tag:
		if (comment)
			continue;
		enum dk_status s = check_names(p, a, (size_t)(b - a), type == TOK_VAR, line);
		if (s)
			return s;
		if (!push(p, type, a, (size_t)(b - a), line))
			goto oom;
	}
	return DK_OK;
oom:
	return dk_fail(p->err, DK_STORAGE, "out of memory");
}

static const char *lookup(const struct template_field *f, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
			return f[i].value ? f[i].value : "";
	return NULL;
}

#define MAX_DEPTH 16

static enum dk_status render_tokens(struct parse *p, const struct template_field *f, size_t nf, struct buf *out)
{
	struct {
		const char *name;
		size_t n;
		bool active;
	} stack[MAX_DEPTH];
	int depth = 0;
	bool active = true;
	for (size_t i = 0; i < p->n; i++) {
		const struct tok *t = &p->v[i];
		if (t->type == TOK_TEXT) {
			if (active)
				buf_add(out, t->s, t->n);
			continue;
		}
		if (t->type == TOK_CLOSE) {
			if (depth == 0 || stack[depth - 1].n != t->n || memcmp(stack[depth - 1].name, t->s, t->n) != 0)
				return dk_fail(p->err, DK_INVALID,
					       "template %s, line %d: \"{{/%.*s}}\" closes no open section", p->tname,
					       t->line, (int)t->n, t->s);
			active = stack[--depth].active;
			continue;
		}
		/* Every name must be known, taken or not. */
		const char *first = NULL;
		size_t a = 0;
		while (a <= t->n) {
			size_t b = a;
			while (b < t->n && t->s[b] != '|')
				b++;
			const char *v = lookup(f, nf, t->s + a, b - a);
			if (!v)
				return dk_fail(p->err, DK_INVALID, "template %s, line %d: unknown field \"%.*s\"",
					       p->tname, t->line, (int)(b - a), t->s + a);
			if (!first && *v)
				first = v;
			a = b + 1;
		}
		if (t->type == TOK_VAR) {
			if (!active)
				continue;
			if (!first)
				return dk_fail(p->err, DK_INVALID,
					       "template %s, line %d: \"%.*s\" is empty for this %s", p->tname, t->line,
					       (int)t->n, t->s, strcmp(p->tname, "digest") == 0 ? "digest" : "demand");
			buf_puts(out, first);
			continue;
		}
		if (depth == MAX_DEPTH)
			return dk_fail(p->err, DK_INVALID, "template %s, line %d: sections nested too deep", p->tname,
				       t->line);
		stack[depth].name = t->s;
		stack[depth].n = t->n;
		stack[depth].active = active;
		depth++;
		active = active && ((first != NULL) == (t->type == TOK_OPEN));
	}
	if (depth)
		return dk_fail(p->err, DK_INVALID, "template %s: section \"{{#%.*s}}\" is never closed", p->tname,
			       (int)stack[depth - 1].n, stack[depth - 1].name);
	return out->oom ? dk_fail(p->err, DK_STORAGE, "out of memory") : DK_OK;
}

static enum dk_status render_at(const char *name, const char *text, int line_base, const struct template_field *f,
				size_t n, char **out, struct dk_error *err)
{
	*out = NULL;
	struct parse p = {.tname = name, .line_base = line_base, .err = err};
	struct buf b;
	buf_init(&b);
	enum dk_status s = parse(&p, text);
	if (!s)
		s = render_tokens(&p, f, n, &b);
	free(p.v);
	if (!s) {
		buf_add(&b, "", 0); /* an empty result is "" rather than NULL */
		if (!(*out = buf_take(&b)))
			s = dk_fail(err, DK_STORAGE, "out of memory");
	}
	buf_free(&b);
	return s;
}

enum dk_status template_render(const char *name, const char *text, const struct template_field *fields, size_t n,
			       char **out, struct dk_error *err)
{
	return render_at(name, text, 0, fields, n, out, err);
}

enum dk_status template_render_letter(const char *name, const char *text, const struct template_field *fields, size_t n,
				      char **subject, char **body, struct dk_error *err)
{
	*subject = *body = NULL;
	static const char tag[] = "Subject:";
	if (strncmp(text, tag, sizeof tag - 1) != 0)
		return dk_fail(err, DK_INVALID, "template %s, line 1: a letter starts with a \"Subject:\" line", name);
	const char *eol = strchr(text, '\n');
	if (!eol || eol[1] != '\n')
		return dk_fail(err, DK_INVALID, "template %s, line 2: the Subject: line is followed by a blank line",
			       name);
	const char *a = text + sizeof tag - 1;
	while (*a == ' ' || *a == '\t')
		a++;
	char *line = strndup(a, (size_t)(eol - a));
	if (!line)
		return dk_fail(err, DK_STORAGE, "out of memory");
	enum dk_status s = render_at(name, line, 0, fields, n, subject, err);
	free(line);
	if (s)
		return s;
	/* Trailing blanks, and a subject that a multi-line field split: one line or nothing. */
	size_t len = strlen(*subject);
	while (len && ((*subject)[len - 1] == ' ' || (*subject)[len - 1] == '\t'))
		(*subject)[--len] = '\0';
	if (strpbrk(*subject, "\r\n")) {
		free(*subject);
		*subject = NULL;
		return dk_fail(err, DK_INVALID,
			       "template %s, line 1: the subject would contain a line break (a field with several "
			       "lines?); refused, as it would add headers to the message",
			       name);
	}
	if (!len) {
		free(*subject);
		*subject = NULL;
		return dk_fail(err, DK_INVALID, "template %s, line 1: the subject is empty", name);
	}
	if ((s = render_at(name, eol + 2, 2, fields, n, body, err))) {
		free(*subject);
		*subject = NULL;
	}
	return s;
}
