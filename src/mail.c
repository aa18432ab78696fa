/* mail.c: checking addresses and building RFC 5322 / MIME messages (see mail.h). */
#include "mail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

/* Header lines are folded to stay near this length; encoded words never make one longer. */
#define LINE_SOFT 78
/* Bytes of UTF-8 per encoded word: 39 bytes are 52 base64 characters, so that "Subject: " and
 * one word fit within 78. */
#define WORD_BYTES 39

static bool has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

enum dk_status mail_check_address(const char *field, const char *addr, struct dk_error *err)
{
	if (!addr || !*addr)
		return dk_fail(err, DK_INVALID, "%s: no e-mail address", field);
	if (has_line_break(addr))
		return dk_fail(err, DK_INVALID, "%s: the address contains a line break; refused (it would add headers)",
			       field);
	size_t n = strlen(addr);
	if (n > MAIL_ADDRESS_MAX)
		return dk_fail(err, DK_INVALID, "%s: the address is longer than %d bytes", field, MAIL_ADDRESS_MAX);
	const char *at = strchr(addr, '@');
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return dk_fail(err, DK_INVALID, "%s: \"%.80s\" has a space or a character that is not ASCII",
				       field, addr);
		if (strchr("\"(),:;<>[\\]", *p))
			return dk_fail(err, DK_INVALID, "%s: \"%.80s\" has a character not allowed here (%c)", field,
				       addr, *p);
	}
	if (!at || strchr(at + 1, '@'))
		return dk_fail(err, DK_INVALID, "%s: \"%.80s\" is not local@domain", field, addr);
	size_t local = (size_t)(at - addr);
	const char *dom = at + 1;
	if (local == 0 || local > 64 || addr[0] == '.' || at[-1] == '.')
		return dk_fail(err, DK_INVALID, "%s: \"%.80s\" has no valid part before the @", field, addr);
	if (!*dom || !strchr(dom, '.') || *dom == '.' || dom[strlen(dom) - 1] == '.' || strstr(addr, ".."))
		return dk_fail(err, DK_INVALID, "%s: \"%.80s\" has no valid domain", field, addr);
	for (const char *p = dom; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return dk_fail(err, DK_INVALID, "%s: \"%.80s\" has no valid domain", field, addr);
	return DK_OK;
}

static char *trimmed(const char *a, const char *b)
{
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	return strndup(a, (size_t)(b - a));
}

enum dk_status mail_parse_mailbox(const char *field, const char *s, char **name, char **addr, struct dk_error *err)
{
	*name = *addr = NULL;
	if (!s)
		s = "";
	if (has_line_break(s))
		return dk_fail(err, DK_INVALID, "%s: contains a line break; refused (it would add headers)", field);
	const char *lt = strchr(s, '<');
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt || !text_utf8_valid(gt + 1, strlen(gt + 1)) || *(gt + 1 + strspn(gt + 1, " \t")))
			return dk_fail(err, DK_INVALID, "%s: \"%.80s\" is not Name <address>", field, s);
		*name = trimmed(s, lt);
		*addr = trimmed(lt + 1, gt);
	} else {
		*name = strdup("");
		*addr = trimmed(s, s + strlen(s));
	}
	if (!*name || !*addr) {
		free(*name), free(*addr);
		*name = *addr = NULL;
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	/* A quoted display name: drop the quotes (escapes are not worth supporting here). */
	size_t nl = strlen(*name);
	if (nl >= 2 && (*name)[0] == '"' && (*name)[nl - 1] == '"') {
		memmove(*name, *name + 1, nl - 2);
		(*name)[nl - 2] = '\0';
	}
	enum dk_status st = text_check(field, *name, MAIL_NAME_MAX, false, false, err);
	if (!st && strpbrk(*name, "\"\\"))
		st = dk_fail(err, DK_INVALID, "%s: the name may not contain quotes or backslashes", field);
	if (!st)
		st = mail_check_address(field, *addr, err);
	if (st) {
		free(*name), free(*addr);
		*name = *addr = NULL;
	}
	return st;
}

enum dk_status mail_new_message_id(char *out, size_t n, struct dk_error *err)
{
	/* The kernel's generator directly: a workflow move pays for this, and a user-space one
	 * would be seeded first in every short-lived process. */
	unsigned char r[16];
	ssize_t got;
	while ((got = getrandom(r, sizeof r, 0)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof r)
		return dk_fail(err, DK_STORAGE, "no random bytes for a Message-ID");
	char host[256] = "";
	bool ok = gethostname(host, sizeof host - 1) == 0 && strchr(host, '.') && host[0] != '.' &&
		  host[strlen(host) - 1] != '.' && !strstr(host, "..") && strlen(host) < 200;
	for (const char *p = host; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		     *p == '.';
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(out, n, "<%s@%s>", hex, ok ? host : "docket.invalid");
	return DK_OK;
}

void mail_date(int64_t t, char *out, size_t n)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Printable ASCII with no "=?" that a decoder could take for an encoded word. */
static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return !strstr(s, "=?");
}

static void base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
			     i + 2 < n ? tab[v & 63] : '='};
		buf_add(b, q, 4);
	}
}

/* RFC 2047 encoded words, each whole characters of UTF-8, separated by folding white space. */
static void encoded_words(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;
	bool first = true;
	while (i < n) {
		size_t j = i;
		while (j < n) {
			unsigned cp;
			size_t len = text_utf8_decode(s + j, n - j, &cp);
			if (len == 0)
				len = 1;
			if (j + len - i > WORD_BYTES)
				break;
			j += len;
		}
		if (j == i)
			j = i + 1;
		if (!first)
			buf_puts(b, "\r\n ");
		buf_puts(b, "=?UTF-8?B?");
		base64(b, (const unsigned char *)s + i, j - i);
		buf_puts(b, "?=");
		first = false;
		i = j;
	}
}

/* An unstructured header value (the subject): as is when plain, folded at spaces; else encoded. */
static void unstructured(struct buf *b, const char *s, size_t used)
{
	if (!plain_ascii(s)) {
		encoded_words(b, s);
		return;
	}
	size_t col = used;
	const char *p = s;
	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t word = sp ? (size_t)(sp - p) : strlen(p);
		/* A word starting at a space may move to a continuation line: the space folds. */
		if (*p == ' ' && col + word > LINE_SOFT && col > used) {
			buf_puts(b, "\r\n");
			col = 0;
		}
		buf_add(b, p, word);
		col += word;
		p += word;
	}
}

/* A display name: a quoted string when plain, encoded words otherwise. */
static void phrase(struct buf *b, const char *s)
{
	if (!plain_ascii(s)) {
		encoded_words(b, s);
		return;
	}
	buf_putc(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void mailbox(struct buf *b, const char *header, const char *name, const char *addr)
{
	buf_printf(b, "%s: ", header);
	if (name && *name) {
		phrase(b, name);
		/* Keep the address off an encoded line that is already long. */
		buf_puts(b, plain_ascii(name) ? " <" : "\r\n <");
		buf_puts(b, addr);
		buf_puts(b, ">\r\n");
	} else {
		buf_puts(b, addr);
		buf_puts(b, "\r\n");
	}
}

static enum dk_status check_name(const char *field, const char *s, struct dk_error *err)
{
	if (!s || !*s)
		return DK_OK;
	if (has_line_break(s))
		return dk_fail(err, DK_INVALID, "%s: contains a line break; refused (it would add headers)", field);
	return text_check(field, s, MAIL_NAME_MAX, false, false, err);
}

/* Whether the body can go as 7bit: ASCII, no control characters but tab, lines within 998. */
static bool body_7bit(const char *s)
{
	size_t line = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			line = 0;
			continue;
		}
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p >= 0x80 || (*p < 0x20 && *p != '\t') || *p == 0x7f || ++line > 998)
			return false;
	}
	return true;
}

static void qp_line(struct buf *b, const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char enc[4];
		size_t w;
		bool last = i + 1 == n;
		bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
		/* A dot or "From " at the start of a line is encoded: some relays mangle them. */
		if (i == 0 && (c == '.' || (c == 'F' && n >= 5 && memcmp(s, "From ", 5) == 0)))
			literal = false;
		if (literal) {
			enc[0] = (char)c;
			w = 1;
		} else {
			snprintf(enc, sizeof enc, "=%02X", c);
			w = 3;
		}
		/* Soft line break: an output line holds at most 76 characters, "=" included. */
		if (col + w > 75 && !(last && col + w <= 76)) {
			buf_puts(b, "=\r\n");
			col = 0;
		}
		buf_add(b, enc, w);
		col += w;
	}
	buf_puts(b, "\r\n");
}

/* Splits the body into lines (LF or CRLF), calling per line; a lone CR is an error. */
static bool body_lines(const char *s, struct buf *b, bool qp)
{
	const char *p = s;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t len = n && p[n - 1] == '\r' ? n - 1 : n;
		if (memchr(p, '\r', len))
			return false;
		if (qp) {
			qp_line(b, p, len);
		} else {
			buf_add(b, p, len);
			buf_puts(b, "\r\n");
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return true;
}

enum dk_status mail_build(const struct mail_message *m, struct buf *out, struct dk_error *err)
{
	enum dk_status s;
	if ((s = mail_check_address("From", m->from_addr, err)) || (s = mail_check_address("To", m->to_addr, err)) ||
	    (s = check_name("From name", m->from_name, err)) || (s = check_name("To name", m->to_name, err)))
		return s;
	if (!m->subject || !*m->subject)
		return dk_fail(err, DK_INVALID, "subject: empty");
	if (has_line_break(m->subject))
		return dk_fail(err, DK_INVALID, "subject: contains a line break; refused (it would add headers)");
	if ((s = text_check("subject", m->subject, MAIL_SUBJECT_MAX, false, true, err)))
		return s;
	const char *id = m->message_id ? m->message_id : "";
	size_t idn = strlen(id);
	if (idn < 5 || idn > MAIL_MESSAGE_ID_MAX || id[0] != '<' || id[idn - 1] != '>' || !strchr(id, '@') ||
	    strpbrk(id + 1, "<") != NULL || strchr(id, '>') != id + idn - 1 || !plain_ascii(id) || strchr(id, ' '))
		return dk_fail(err, DK_INVALID, "Message-ID: \"%.80s\" is not <unique@domain>", id);
	const char *body = m->body ? m->body : "";
	if (strlen(body) > MAIL_BODY_MAX)
		return dk_fail(err, DK_INVALID, "body: longer than %d bytes", MAIL_BODY_MAX);
	if (!text_utf8_valid(body, strlen(body)))
		return dk_fail(err, DK_INVALID, "body: not valid UTF-8");

	char date[40];
	mail_date(m->date, date, sizeof date);
	bool seven = body_7bit(body);
	buf_printf(out, "Date: %s\r\n", date);
	mailbox(out, "From", m->from_name, m->from_addr);
	mailbox(out, "To", m->to_name, m->to_addr);
	buf_puts(out, "Subject: ");
	unstructured(out, m->subject, strlen("Subject: "));
	buf_puts(out, "\r\n");
	buf_printf(out, "Message-ID: %s\r\n", id);
	buf_puts(out, "MIME-Version: 1.0\r\n");
	buf_puts(out, "Content-Type: text/plain; charset=utf-8\r\n");
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n", seven ? "7bit" : "quoted-printable");
	if (m->auto_generated)
		buf_puts(out, "Auto-Submitted: auto-generated\r\n");
	buf_puts(out, "\r\n");
	if (!body_lines(body, out, !seven))
		return dk_fail(err, DK_INVALID, "body: a carriage return that does not end a line");
	return out->oom ? dk_fail(err, DK_STORAGE, "out of memory") : DK_OK;
}
