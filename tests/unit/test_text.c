/* test_text.c: text from outside: the checks before storing it (text_check, text_utf8_valid), and
 * what makes it safe on a terminal (text_neutralise) and lines it up (text_width, text_fit).
 * Every escape sequence below is one an attacker could put in a requester's name or a note. */
#include "helpers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "table.h"
#include "text.h"

static void check_ok(const char *s, size_t max, bool multiline, bool required)
{
	struct dk_error err;
	dk_clear(&err);
	enum dk_status st = text_check("name", s, max, multiline, required, &err);
	if (st != DK_OK)
		print_error("text_check(\"%s\"): %s\n", s ? s : "(null)", err.msg);
	assert_int_equal(st, DK_OK);
}

/* Refused as bad input, with the field named first so that the user knows which one to fix. */
static void check_bad(const char *s, size_t max, bool multiline, bool required, const char *why)
{
	struct dk_error err;
	dk_clear(&err);
	assert_int_equal(text_check("requester name", s, max, multiline, required, &err), DK_INVALID);
	assert_int_equal(err.status, DK_INVALID);
	assert_true(strncmp(err.msg, "requester name: ", 16) == 0);
	if (!strstr(err.msg, why)) {
		print_error("\"%s\" does not say \"%s\"\n", err.msg, why);
		fail();
	}
}

static void test_check_required(void **state)
{
	(void)state;
	check_bad("", 10, false, true, "required");
	check_bad(NULL, 10, false, true, "required");
	check_ok("", 10, false, false);
	check_ok(NULL, 10, false, false);
	check_ok("x", 10, false, true);
}

/* The cap counts bytes, not characters: é is two. */
static void test_check_too_long(void **state)
{
	(void)state;
	check_ok("0123456789", 10, false, true);
	check_bad("01234567890", 10, false, true, "longer than the limit of 10");
	check_ok("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10, false, true);
	check_bad("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10, false, true, "longer");
}

static const char *const bad_utf8[] = {
	"\xff",                     /* never valid */
	"\x80",                     /* a lone continuation byte */
	"abc\xc3",                  /* truncated two-byte sequence */
	"\xe6\xbc",                 /* truncated three-byte sequence */
	"\xc0\xaf",                 /* overlong '/' */
	"\xc1\x9b",                 /* overlong ESC-ish byte: would smuggle a control past a naive check */
	"\xe0\x80\xaf",             /* overlong '/' in three bytes */
	"\xe0\x9f\xbf",             /* overlong U+07FF */
	"\xf0\x80\x80\xaf",         /* overlong '/' in four bytes */
	"\xf0\x8f\xbf\xbf",         /* overlong U+FFFF */
	"\xed\xa0\x80",             /* surrogate U+D800 */
	"\xed\xbf\xbf",             /* surrogate U+DFFF */
	"\xed\xa0\xbd\xed\xb8\x80", /* a CESU-8 surrogate pair */
	"\xf4\x90\x80\x80",         /* above U+10FFFF */
	"\xf8\x88\x80\x80\x80",     /* five-byte form */
	"\xc3\x28",                 /* bad continuation */
	NULL,
};

static const char *const good_utf8[] = {
	"plain ascii",
	"Zo\xc3\xab",               /* Zoë */
	"\xe6\xbc\xa2\xe5\xad\x97", /* 漢字 */
	"\xf0\x9f\x98\x80",         /* U+1F600 */
	"\xed\x9f\xbf",             /* U+D7FF, just below the surrogates */
	"\xee\x80\x80",             /* U+E000, just above */
	"\xef\xbf\xbf",             /* U+FFFF */
	"\xf4\x8f\xbf\xbf",         /* U+10FFFF, the last code point */
	"\xc2\xa0",                 /* U+00A0, the first after the C1 block */
	NULL,
};

static void test_check_invalid_utf8(void **state)
{
	(void)state;
	for (int i = 0; bad_utf8[i]; i++)
		check_bad(bad_utf8[i], 100, true, true, "not valid UTF-8");
	for (int i = 0; good_utf8[i]; i++)
		check_ok(good_utf8[i], 100, false, true);
}

static void test_check_control_characters(void **state)
{
	(void)state;
	check_bad("a\x01z", 100, false, true, "control character U+0001");
	check_bad("\x1b[2J", 100, true, true, "U+001B");
	check_bad("a\x7fz", 100, true, true, "U+007F");
	check_bad("a\xc2\x85z", 100, true, true, "U+0085"); /* NEL */
	check_bad("a\xc2\x9b"
		  "31m",
		  100, true, true, "U+009B");         /* CSI as a C1 character */
	check_bad("a\rz", 100, true, true, "U+000D"); /* CR is not a newline here */
}

static void test_check_newline_only_when_multiline(void **state)
{
	(void)state;
	check_bad("line one\nline two", 100, false, true, "U+000A");
	check_ok("line one\nline two", 100, true, true);
	check_bad("a\tb", 100, false, true, "U+0009");
	check_ok("a\tb", 100, true, true);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	for (int i = 0; bad_utf8[i]; i++)
		assert_false(text_utf8_valid(bad_utf8[i], strlen(bad_utf8[i])));
	for (int i = 0; good_utf8[i]; i++)
		assert_true(text_utf8_valid(good_utf8[i], strlen(good_utf8[i])));
	assert_true(text_utf8_valid("", 0));
	/* The length bounds the check: a character cut by it is malformed. */
	assert_false(text_utf8_valid("\xe6\xbc\xa2", 2));
	assert_true(text_utf8_valid("ab\xe6\xbc\xa2", 2));
	/* NUL is a valid character inside a counted string. */
	assert_true(text_utf8_valid("a\0b", 3));

	unsigned cp = 0;
	assert_int_equal(text_utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(text_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(text_utf8_decode("\xf0\x9f\x98\x80", 3, &cp), 0);
	assert_int_equal(text_utf8_decode("x", 0, &cp), 0);
}

/* Nothing a terminal would act on may survive: no C0 byte (but a kept newline), no DEL, no C1
 * character, and valid UTF-8 throughout so that a terminal cannot resynchronise into a control. */
static void assert_terminal_safe(const char *s, bool keep_newline)
{
	size_t n = strlen(s);
	assert_true(text_utf8_valid(s, n));
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		assert_true(len > 0);
		if (cp == '\n' && keep_newline) {
			i += len;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			print_error("control U+%04X left at byte %zu of \"%s\"\n", cp, i, s);
			fail();
		}
		i += len;
	}
}

static void neutralise_is(const char *in, bool keep_newline, const char *want)
{
	char *out = text_neutralise(in, keep_newline);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_terminal_safe(out, keep_newline);
	free(out);
}

static void test_neutralise_escape_sequences(void **state)
{
	(void)state;
	/* Clearing the screen. */
	neutralise_is("\x1b[2J", false, "^[[2J");
	/* OSC 52 writes the victim's clipboard. */
	neutralise_is("Bob\x1b]52;c;cm0gLXJmIH4K\x07", false, "Bob^[]52;c;cm0gLXJmIH4K^G");
	/* The same with the ST terminator. */
	neutralise_is("\x1b]52;c;eA==\x1b\\", false, "^[]52;c;eA==^[\\");
	/* A title change that some terminals echo back as input. */
	neutralise_is("\x1b]0;pwned\x07", true, "^[]0;pwned^G");
}

static void test_neutralise_c1_del_malformed(void **state)
{
	(void)state;
	/* C1 CSI, encoded as a character, then as a raw 8-bit byte. */
	neutralise_is("a\xc2\x9b"
		      "31mb",
		      false, "a?31mb");
	neutralise_is("a\x9b"
		      "31mb",
		      false, "a?31mb");
	neutralise_is("\xc2\x85\xc2\x9d", false, "??");
	neutralise_is("x\x7fy", false, "x^?y");
	neutralise_is("\xff\xfe", false, "??");
	neutralise_is("\xc0\x9b", false, "??");      /* overlong: each byte on its own */
	neutralise_is("\xed\xa0\x80", false, "???"); /* surrogate */
	neutralise_is("ok\xe6\xbc", false, "ok??");  /* truncated at the end */
	neutralise_is("\x01\x1f", false, "^A^_");
	/* Every byte value, one at a time and all together. */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	char *out = text_neutralise(all, true);
	assert_non_null(out);
	assert_terminal_safe(out, true);
	free(out);
	for (int i = 1; i < 256; i++) {
		char one[2] = {(char)i, 0};
		out = text_neutralise(one, false);
		assert_non_null(out);
		assert_terminal_safe(out, false);
		free(out);
	}
}

static void test_neutralise_keeps_text(void **state)
{
	(void)state;
	neutralise_is("", false, "");
	neutralise_is("Zo\xc3\xab \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80", false,
		      "Zo\xc3\xab \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80");
	neutralise_is("one\ntwo", true, "one\ntwo");
	neutralise_is("one\ntwo", false, "one^Jtwo");
	neutralise_is("a\tb", true, "a^Ib");
	neutralise_is("a\r\nb", true, "a^M\nb");
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("\xe6\xbc\xa2\xe5\xad\x97"), 4); /* 漢字 */
	assert_int_equal(text_width("\xed\x95\x9c\xea\xb5\xad"), 4); /* 한국 */
	assert_int_equal(text_width("a\xe6\xbc\xa2"
				    "b"),
			 4);
	assert_int_equal(text_width("\xef\xbc\xa1"), 2);     /* fullwidth A */
	assert_int_equal(text_width("\xf0\x9f\x98\x80"), 2); /* emoji */
	assert_int_equal(text_width("e\xcc\x81"), 1);        /* e + combining acute */
	assert_int_equal(text_width("a\xcc\x81\xcc\x88"
				    "b"),
			 2); /* two marks on one base */
	assert_int_equal(text_width("Zo\xc3\xab"), 3);
}

static void test_fit(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(text_fit("abcdef", 4, out, sizeof out), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(text_fit("abc", 10, out, sizeof out), 3);
	assert_string_equal(out, "abc");
	/* A wide character that would straddle the edge is left out, never split. */
	assert_int_equal(text_fit("\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2", 3, out, sizeof out), 2);
	assert_string_equal(out, "\xe6\xbc\xa2");
	assert_int_equal(text_fit("\xe6\xbc\xa2\xe5\xad\x97", 4, out, sizeof out), 4);
	assert_string_equal(out, "\xe6\xbc\xa2\xe5\xad\x97");
	/* A combining mark stays with its base. */
	assert_int_equal(text_fit("e\xcc\x81x", 1, out, sizeof out), 1);
	assert_string_equal(out, "e\xcc\x81");
	/* The buffer size cuts too, on a character boundary, leaving room for the NUL. */
	assert_int_equal(text_fit("\xe6\xbc\xa2\xe5\xad\x97", 10, out, 4), 2);
	assert_string_equal(out, "\xe6\xbc\xa2");
	assert_int_equal(text_fit("\xe6\xbc\xa2", 10, out, 3), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_fit("abc", 0, out, sizeof out), 0);
	assert_string_equal(out, "");
	/* What comes out is always valid UTF-8. */
	assert_int_equal(text_fit("Zo\xc3\xab", 3, out, sizeof out), 3);
	assert_true(text_utf8_valid(out, strlen(out)));
	assert_int_equal(text_fit("Zo\xc3\xab", 10, out, 4), 2);
	assert_string_equal(out, "Zo");
}

/* Machine output meant for programs is printed on terminals too: JSON escapes every control
 * character, the C1 ones included, and CSV escapes cells a spreadsheet would run. */
static void expect_json(const char *in, const char *want)
{
	struct buf b;
	buf_init(&b);
	buf_json_str(&b, in);
	buf_add(&b, "", 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void expect_csv(const char *in, const char *want)
{
	struct buf b;
	buf_init(&b);
	buf_csv_cell(&b, in);
	buf_add(&b, "", 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_json_and_csv_cells(void **state)
{
	(void)state;
	expect_json("plain", "\"plain\"");
	expect_json("q\"b\\n\nt\tr\r", "\"q\\\"b\\\\n\\nt\\tr\\r\"");
	expect_json("\033]52;c;eA==\007\177", "\"\\u001b]52;c;eA==\\u0007\\u007f\"");
	expect_json("a\302\233"
		    "2J\302\205z",
		    "\"a\\u009b2J\\u0085z\"");
	expect_json("K\303\266ln \346\235\261 \302\240", "\"K\303\266ln \346\235\261 \302\240\"");
	expect_json("bad \377 \300\257 \342\202", "\"bad \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\"");
	expect_csv("Acme", "Acme");
	expect_csv("a,b", "\"a,b\"");
	expect_csv("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	expect_csv("+1 555", "\"'+1 555\"");
	expect_csv("-2+3", "\"'-2+3\"");
	expect_csv("@SUM(1)", "\"'@SUM(1)\"");
	expect_csv("\tx", "\"'\tx\"");
	expect_csv("", "");
	expect_csv("Evil\033]52;c;eA==\007 Kay\177", "Evil^[]52;c;eA==^G Kay^?");
	expect_csv("a\302\233"
		   "2J \377 K\303\266ln",
		   "a?2J ? K\303\266ln");
	expect_csv("line\r\nnext", "\"line\r\nnext\"");
}

/* Arrays grow by doubling from the first capacity; a size that would overflow is refused with the
 * array left as it was. */
static void test_array_reserve(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	assert_true(array_reserve(&v, &cap, 1, sizeof *v, 4));
	assert_int_equal(cap, 4);
	v[0] = 7;
	assert_true(array_reserve(&v, &cap, 4, sizeof *v, 4));
	assert_int_equal(cap, 4);
	assert_true(array_reserve(&v, &cap, 9, sizeof *v, 4));
	assert_int_equal(cap, 16);
	assert_int_equal(v[0], 7);
	int *before = v;
	assert_false(array_reserve(&v, &cap, SIZE_MAX / 2, sizeof *v, 4));
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 16);
	free(v);
}

/* A table pads columns to their widest cell by display width, right-aligns the columns asked for,
 * neutralises every cell and leaves no trailing spaces. */
static void test_table(void **state)
{
	(void)state;
	struct table t;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "x ");
	table_init(&t, 3, 2);
	table_row(&t, (const char *[]){"Name", "N", ""});
	table_row(&t, (const char *[]){"K\303\266ln\033]52;c;AA\a", "1234", "z"});
	table_put(&t, &b, 2);
	table_free(&t);
	assert_string_equal(b.data, "x   Name                 N\n"
				    "  K\303\266ln^[]52;c;AA^G  1234  z\n");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_required),
		cmocka_unit_test(test_check_too_long),
		cmocka_unit_test(test_check_invalid_utf8),
		cmocka_unit_test(test_check_control_characters),
		cmocka_unit_test(test_check_newline_only_when_multiline),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_neutralise_escape_sequences),
		cmocka_unit_test(test_neutralise_c1_del_malformed),
		cmocka_unit_test(test_neutralise_keeps_text),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_json_and_csv_cells),
		cmocka_unit_test(test_array_reserve),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
