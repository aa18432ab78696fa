/* test_mail.c: building RFC 5322 / MIME messages: the headers and their order, CRLF line ends,
 * 7bit or quoted-printable bodies within the line limits, RFC 2047 encoded words for names and
 * subjects that are not ASCII (decoded back here and compared), header injection refused, and the
 * addresses docket will send to, and when two of them reach the same mailbox (address.c). */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "mail.h"

static struct mail_message base(void)
{
	struct mail_message m = {
		.from_name = "Legal Team",
		.from_addr = "legal@provider.example",
		.to_name = "Det. Kay",
		.to_addr = "kay@nypd.example",
		.subject = "Your request GJ-2026-114",
		.body = "Dear Det. Kay,\n\nPlease ask the customer.\n",
		.message_id = "<0123456789abcdef@docket.example>",
		.date = 1772445600, /* 2026-03-02T10:00:00Z, a Monday */
	};
	return m;
}

static char *build(const struct mail_message *m)
{
	struct buf b;
	buf_init(&b);
	struct dk_error err = {0};
	enum dk_status s = mail_build(m, &b, &err);
	if (s)
		print_error("mail_build: %s\n", err.msg);
	assert_int_equal(s, DK_OK);
	return buf_take(&b);
}

static void refused(const struct mail_message *m, const char *needle)
{
	struct buf b;
	buf_init(&b);
	struct dk_error err = {0};
	assert_int_equal(mail_build(m, &b, &err), DK_INVALID);
	FX_CONTAINS(err.msg, needle);
	buf_free(&b);
}

/* Every line ends in CRLF, no bare CR or LF, none longer than max (without its CRLF). */
static void check_lines(const char *msg, size_t max)
{
	size_t col = 0;
	for (const char *p = msg; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true(col <= max);
			col = 0;
			p++;
			continue;
		}
		assert_int_not_equal(*p, '\n');
		col++;
	}
	assert_int_equal(col, 0);
}

/* The header block unfolded, and the body. */
static void split(const char *msg, char **head, char **body)
{
	const char *sep = strstr(msg, "\r\n\r\n");
	assert_non_null(sep);
	struct buf h;
	buf_init(&h);
	for (const char *p = msg; p < sep + 2; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;
			continue;
		}
		buf_putc(&h, *p);
	}
	*head = buf_take(&h);
	*body = strdup(sep + 4);
}

/* The value of a header in the unfolded block, or NULL. */
static char *header(const char *head, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "%s: ", name);
	for (const char *p = head; p && *p;) {
		if (strncmp(p, key, strlen(key)) == 0) {
			const char *e = strstr(p, "\r\n");
			return strndup(p + strlen(key), (size_t)(e - p) - strlen(key));
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

static int b64val(char c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(tab, c);
	return c && p ? (int)(p - tab) : -1;
}

/* Decodes RFC 2047 B-encoded words (and the blanks between them) as a mail reader would. */
static char *decode_words(const char *s)
{
	struct buf b;
	buf_init(&b);
	const char *p = s;
	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			p += 10;
			unsigned acc = 0;
			int bits = 0;
			while (*p && *p != '?') {
				int v = b64val(*p++);
				if (v < 0)
					continue;
				acc = (acc << 6) | (unsigned)v;
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					buf_putc(&b, (char)((acc >> bits) & 0xff));
				}
			}
			assert_true(strncmp(p, "?=", 2) == 0);
			p += 2;
			/* White space between two encoded words is not part of the text. */
			const char *q = p + strspn(p, " ");
			if (strncmp(q, "=?UTF-8?B?", 10) == 0)
				p = q;
			continue;
		}
		buf_putc(&b, *p++);
	}
	buf_add(&b, "", 0);
	return buf_take(&b);
}

static char *decode_qp(const char *s)
{
	struct buf b;
	buf_init(&b);
	for (const char *p = s; *p;) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			char hex[3] = {p[1], p[2], 0};
			buf_putc(&b, (char)strtol(hex, NULL, 16));
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			buf_putc(&b, '\n');
			p += 2;
		} else {
			buf_putc(&b, *p++);
		}
	}
	buf_add(&b, "", 0);
	return buf_take(&b);
}

static void test_ascii_message(void **state)
{
	(void)state;
	struct mail_message m = base();
	char *msg = build(&m);
	check_lines(msg, 78);
	/* The headers, in this order. */
	const char *want = "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
			   "From: \"Legal Team\" <legal@provider.example>\r\n"
			   "To: \"Det. Kay\" <kay@nypd.example>\r\n"
			   "Subject: Your request GJ-2026-114\r\n"
			   "Message-ID: <0123456789abcdef@docket.example>\r\n"
			   "MIME-Version: 1.0\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Transfer-Encoding: 7bit\r\n"
			   "\r\n"
			   "Dear Det. Kay,\r\n\r\nPlease ask the customer.\r\n";
	assert_string_equal(msg, want);
	free(msg);

	/* No display name: the bare address. A digest says it is automatic. */
	m.to_name = "";
	m.auto_generated = true;
	msg = build(&m);
	FX_CONTAINS(msg, "\r\nTo: kay@nypd.example\r\n");
	FX_CONTAINS(msg, "\r\nAuto-Submitted: auto-generated\r\n");
	free(msg);

	/* A quote in a name is escaped inside the quoted string. */
	m.to_name = "Kay \"The Det\" Smith";
	msg = build(&m);
	FX_CONTAINS(msg, "\r\nTo: \"Kay \\\"The Det\\\" Smith\" <kay@nypd.example>\r\n");
	free(msg);
}

static void test_non_ascii(void **state)
{
	(void)state;
	struct mail_message m = base();
	m.from_name = "Équipe juridique";
	m.to_name = "Jürgen Müller-Lüdenscheidt, Geschäftsführer der Großhandel GmbH";
	m.subject = "Mitteilung über eine Anfrage zu Ihren Daten — 東京 — Aktenzeichen GJ-2026-114";
	m.body = "Sehr geehrter Herr Müller,\n\nwir haben eine Anfrage erhalten. 東京.\n";
	char *msg = build(&m);
	check_lines(msg, 78);
	/* Nothing but ASCII on the wire. */
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		assert_true(*p < 0x80);
	char *head, *body;
	split(msg, &head, &body);
	char *subject = header(head, "Subject"), *to = header(head, "To"), *from = header(head, "From");
	assert_non_null(subject);
	FX_CONTAINS(subject, "=?UTF-8?B?");
	char *s = decode_words(subject);
	assert_string_equal(s, m.subject);
	free(s);
	s = decode_words(to);
	assert_string_equal(s, "Jürgen Müller-Lüdenscheidt, Geschäftsführer der Großhandel GmbH <kay@nypd.example>");
	free(s);
	s = decode_words(from);
	assert_string_equal(s, "Équipe juridique <legal@provider.example>");
	free(s);
	FX_CONTAINS(head, "Content-Transfer-Encoding: quoted-printable\r\n");
	s = decode_qp(body);
	assert_string_equal(s, m.body);
	free(s);
	free(subject), free(to), free(from), free(head), free(body), free(msg);

	/* ASCII that looks like an encoded word is encoded itself, so that it reads back as typed. */
	m = base();
	m.subject = "=?UTF-8?B?SGk=?= is not a greeting";
	msg = build(&m);
	split(msg, &head, &body);
	subject = header(head, "Subject");
	s = decode_words(subject);
	assert_string_equal(s, m.subject);
	free(s), free(subject), free(head), free(body), free(msg);
}

static void test_long_lines(void **state)
{
	(void)state;
	/* A 3000-byte line of ASCII: quoted-printable, soft line breaks, read back whole. */
	char *line = malloc(3002);
	assert_non_null(line);
	for (int i = 0; i < 3000; i++)
		line[i] = (char)('a' + i % 26);
	line[3000] = '\n';
	line[3001] = '\0';
	struct mail_message m = base();
	m.body = line;
	char *msg = build(&m);
	check_lines(msg, 78);
	char *head, *body;
	split(msg, &head, &body);
	FX_CONTAINS(head, "Content-Transfer-Encoding: quoted-printable");
	check_lines(body, 76);
	char *s = decode_qp(body);
	assert_string_equal(s, line);
	free(s), free(head), free(body), free(msg);

	/* In quoted-printable, lines that some relays mangle, trailing blanks, '=', tabs: all come
	 * back as written. (A 7bit body leaves a leading dot to SMTP's own dot-stuffing.) */
	m.body = ".\n.hidden\nFrom the start\nends in a space \nends in a tab\t\na=b\n\tindented\nGrüße\n";
	msg = build(&m);
	split(msg, &head, &body);
	assert_null(strstr(body, "\r\n.")), assert_true(body[0] != '.');
	assert_null(strstr(body, "\r\nFrom "));
	s = decode_qp(body);
	assert_string_equal(s, m.body);
	free(s), free(head), free(body), free(msg);

	/* A long ASCII subject folds at spaces and unfolds to itself. */
	m = base();
	m.subject = "Notice of a demand for your data under reference GJ-2026-114, received on 2 March 2026 from "
		    "the New York Police Department, Special Victims Division";
	msg = build(&m);
	check_lines(msg, 78);
	split(msg, &head, &body);
	char *subject = header(head, "Subject");
	assert_string_equal(subject, m.subject);
	free(subject), free(head), free(body), free(msg);
	free(line);

	/* CRLF in the body is taken as a line end; a lone CR is not. */
	m = base();
	m.body = "one\r\ntwo\n";
	msg = build(&m);
	FX_CONTAINS(msg, "\r\n\r\none\r\ntwo\r\n");
	free(msg);
	m.body = "one\rtwo\n";
	refused(&m, "carriage return");
}

static void test_header_injection(void **state)
{
	(void)state;
	struct mail_message m = base();
	m.subject = "Your request\r\nBcc: everyone@evil.example";
	refused(&m, "subject: contains a line break");
	m.subject = "Your request\nBcc: everyone@evil.example";
	refused(&m, "line break");
	m.subject = "Your request\rBcc: everyone@evil.example";
	refused(&m, "line break");
	m = base();
	m.to_name = "Kay\r\nBcc: everyone@evil.example";
	refused(&m, "To name: contains a line break");
	m = base();
	m.from_name = "Legal\nX-Evil: 1";
	refused(&m, "line break");
	m = base();
	m.to_addr = "kay@nypd.example\r\nBcc: everyone@evil.example";
	refused(&m, "To: the address contains a line break");
	m = base();
	m.to_addr = "kay@nypd.example>, <everyone@evil.example";
	refused(&m, "To:");
	m = base();
	m.message_id = "<a@b>\r\nBcc: x@evil.example";
	refused(&m, "Message-ID");
	m = base();
	m.subject = "";
	refused(&m, "subject: empty");
	m = base();
	m.subject = "tab\tand bell\a";
	refused(&m, "control character");
}

static void address(const char *addr, bool good)
{
	struct dk_error err = {0};
	enum dk_status s = mail_check_address("To", addr, &err);
	if ((s == DK_OK) != good)
		print_error("%s: expected %s, got %d: %s\n", addr, good ? "accepted" : "refused", (int)s, err.msg);
	assert_int_equal(s == DK_OK, good);
	if (!good)
		FX_CONTAINS(err.msg, "To: ");
}

static void test_addresses(void **state)
{
	(void)state;
	address("kay@nypd.example", true);
	address("first.last+tag@sub.example.co.uk", true);
	address("", false);
	address("kay", false);
	address("kay@localhost", false);
	address("kay@@nypd.example", false);
	address("a@b@c.example", false);
	address("kay @nypd.example", false);
	address("\"kay\"@nypd.example", false);
	address("kay@nypd.example.", false);
	address(".kay@nypd.example", false);
	address("k..ay@nypd.example", false);
	address("jürgen@acme.example", false);
	address("kay@nypd.example\n", false);
	address("kay@[127.0.0.1]", false);
	char longer[300];
	memset(longer, 'a', sizeof longer);
	strcpy(longer + 250, "@x.example");
	address(longer, false);

	char *name, *addr;
	struct dk_error err = {0};
	assert_int_equal(mail_parse_mailbox("mail_from", "Legal Team <legal@provider.example>", &name, &addr, &err),
			 DK_OK);
	assert_string_equal(name, "Legal Team");
	assert_string_equal(addr, "legal@provider.example");
	free(name), free(addr);
	assert_int_equal(mail_parse_mailbox("mail_from", "  legal@provider.example ", &name, &addr, &err), DK_OK);
	assert_string_equal(name, "");
	assert_string_equal(addr, "legal@provider.example");
	free(name), free(addr);
	assert_int_equal(mail_parse_mailbox("mail_from", "\"Équipe\" <legal@provider.example>", &name, &addr, &err),
			 DK_OK);
	assert_string_equal(name, "Équipe");
	free(name), free(addr);
	assert_int_equal(mail_parse_mailbox("mail_from", "Legal <legal@provider.example> extra", &name, &addr, &err),
			 DK_INVALID);
	assert_int_equal(
		mail_parse_mailbox("mail_from", "Legal\r\nBcc: x <legal@provider.example>", &name, &addr, &err),
		DK_INVALID);
	FX_CONTAINS(err.msg, "line break");
	assert_int_equal(mail_parse_mailbox("mail_from", "Legal <not an address>", &name, &addr, &err), DK_INVALID);
}

static void test_ids_and_dates(void **state)
{
	(void)state;
	char a[MAIL_MESSAGE_ID_MAX + 1], b[MAIL_MESSAGE_ID_MAX + 1];
	struct dk_error err = {0};
	assert_int_equal(mail_new_message_id(a, sizeof a, &err), DK_OK);
	assert_int_equal(mail_new_message_id(b, sizeof b, &err), DK_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(a[0], '<');
	assert_int_equal(a[strlen(a) - 1], '>');
	assert_non_null(strchr(a, '@'));
	assert_int_equal(strspn(a + 1, "0123456789abcdef"), 32);
	/* It is accepted by the builder. */
	struct mail_message m = base();
	m.message_id = a;
	free(build(&m));

	char d[40];
	mail_date(0, d, sizeof d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mail_date(1772445600, d, sizeof d);
	assert_string_equal(d, "Mon, 02 Mar 2026 10:00:00 +0000");
	mail_date(951782400, d, sizeof d); /* a leap day */
	assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

/* The gag holds however the customer's address is written: a variant that reached the same
 * mailbox but compared unequal would let a letter through. */
static void test_same_mailbox(void **state)
{
	(void)state;
	char k[64];
	assert_true(address_key(" A.Smith+legal@Example.COM. ", k, sizeof k));
	assert_string_equal(k, "asmith@example.com");
	assert_true(address_key("o'neil@x.example", k, sizeof k));
	assert_string_equal(k, "o'neil@x.example");
	assert_false(address_key("no-at-sign", k, sizeof k));
	assert_false(address_key("@example.com", k, sizeof k));
	assert_false(address_key("bob@", k, sizeof k));
	assert_false(address_key("bob@...", k, sizeof k));
	assert_false(address_key("averyveryverylongname@example.com", k, 10));

	assert_true(address_reaches("Bob.Smith+x@Mail.Example", "bobsmith@mail.example", false));
	assert_true(address_reaches("bobsmith@mail.example.", "bob.smith@MAIL.example", false));
	assert_false(address_reaches("bob@mail.example", "bobsmith@mail.example", false));
	assert_false(address_reaches("x@sub.mail.example", "bobsmith@mail.example", false));
	assert_false(address_reaches(NULL, "bobsmith@mail.example", true));
	assert_false(address_reaches("bob@mail.example", NULL, true));

	/* The contact's domain, and below it; not a domain that merely ends the same way. */
	assert_true(address_reaches("it@acme.example", "legal@acme.example", true));
	assert_true(address_reaches("it@mail.ACME.example", "legal@acme.example", true));
	assert_true(address_reaches("it@a.b.acme.example.", "legal@acme.example", true));
	assert_false(address_reaches("it@notacme.example", "legal@acme.example", true));
	assert_false(address_reaches("it@acme.example.org", "legal@acme.example", true));
	assert_false(address_reaches("it@mail.acme.example", "legal@acme.example", false));
	assert_false(address_at_domain_of("acme.example", "legal@acme.example"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_message), cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_long_lines),    cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_addresses),     cmocka_unit_test(test_ids_and_dates),
		cmocka_unit_test(test_same_mailbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
