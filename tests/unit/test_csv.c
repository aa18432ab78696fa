/* test_csv.c: the streaming CSV reader against RFC 4180 and what real exports do: every edge of
 * quoting, CRLF and LF, a byte order mark, line ends inside quotes, empty lines, very long fields,
 * bytes that are not UTF-8, the limits, recovery after a bad record, and the same records whatever
 * the chunks the input arrives in. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

/* Every record as one line of text: "LINE#INDEX[f1|f2|...]" plus " !error" and " raw=<raw>". Bytes
 * outside printable ASCII are written as \xNN. */
struct seen {
	struct buf out;
	int stop_at; /* the callback refuses this record index (0: never) */
};

static void put_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '|' || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
}

static enum dk_status on_record(void *ctx, const struct csv_record *rec, struct dk_error *err)
{
	struct seen *sn = ctx;
	buf_printf(&sn->out, "%lld#%lld[", (long long)rec->line, (long long)rec->index);
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			buf_putc(&sn->out, '|');
		assert_int_equal(rec->fields[i].s[rec->fields[i].len], '\0');
		put_escaped(&sn->out, rec->fields[i].s, rec->fields[i].len);
	}
	buf_putc(&sn->out, ']');
	if (rec->error)
		buf_printf(&sn->out, " !%s", rec->error);
	if (!rec->raw)
		buf_puts(&sn->out, " noraw");
	buf_putc(&sn->out, '\n');
	if (sn->stop_at && rec->index == sn->stop_at)
		return dk_fail(err, DK_INVALID, "stopped at %lld", (long long)rec->index);
	return DK_OK;
}

/* Reads input in chunks of chunk bytes (0: all at once); returns the records as text (caller
 * frees) and the final status in *st, its message in err. */
static char *read_csv(const char *input, size_t n, size_t chunk, const struct csv_limits *lim, enum dk_status *st,
		      struct dk_error *err)
{
	struct seen sn = {0};
	buf_init(&sn.out);
	struct csv_reader *r = csv_new("t.csv", lim, on_record, &sn);
	assert_non_null(r);
	*st = DK_OK;
	dk_clear(err);
	size_t step = chunk ? chunk : (n ? n : 1);
	for (size_t off = 0; off < n && !*st; off += step)
		*st = csv_feed(r, input + off, off + step > n ? n - off : step, err);
	if (!*st)
		*st = csv_finish(r, err);
	csv_free(&r);
	assert_null(r);
	buf_add(&sn.out, "", 0);
	return buf_take(&sn.out);
}

/* The records of input, checked to be the same for every chunk size from 1 to 7 and all at once. */
static char *records(const char *input, size_t n, const struct csv_limits *lim, enum dk_status *st,
		     struct dk_error *err)
{
	char *whole = read_csv(input, n, 0, lim, st, err);
	for (size_t chunk = 1; chunk <= 7; chunk++) {
		enum dk_status st2;
		struct dk_error err2;
		char *part = read_csv(input, n, chunk, lim, &st2, &err2);
		assert_string_equal(part, whole);
		assert_int_equal(st2, *st);
		assert_string_equal(err2.msg, err->msg);
		free(part);
	}
	return whole;
}

static void expect_records(const char *input, const char *want)
{
	enum dk_status st;
	struct dk_error err;
	char *got = records(input, strlen(input), NULL, &st, &err);
	if (st)
		print_error("status %d: %s\n", st, err.msg);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, want);
	free(got);
}

static void test_simple(void **state)
{
	(void)state;
	expect_records("a,b,c\n1,2,3\n", "1#1[a|b|c]\n2#2[1|2|3]\n");
	/* CRLF, as RFC 4180 writes it */
	expect_records("a,b\r\n1,2\r\n", "1#1[a|b]\n2#2[1|2]\n");
	/* no line end after the last record */
	expect_records("a,b\n1,2", "1#1[a|b]\n2#2[1|2]\n");
	expect_records("a,b\r\n1,2\r", "1#1[a|b]\n2#2[1|2]\n");
	/* mixed line ends */
	expect_records("a\r\nb\nc\r\n", "1#1[a]\n2#2[b]\n3#3[c]\n");
	/* nothing at all */
	expect_records("", "");
}

static void test_empty_fields_and_lines(void **state)
{
	(void)state;
	expect_records(",,\n", "1#1[||]\n");
	expect_records("a,\n", "1#1[a|]\n");
	expect_records(",a\n", "1#1[|a]\n");
	expect_records("\"\",\"\"\n", "1#1[|]\n");
	/* empty lines, anywhere, are skipped; the line numbers still count them */
	expect_records("\n\r\na\n\n\r\nb\n\n", "3#1[a]\n6#2[b]\n");
	/* white space is data */
	expect_records(" a , b \n", "1#1[ a | b ]\n");
	expect_records(" \n", "1#1[ ]\n");
}

static void test_quoting(void **state)
{
	(void)state;
	expect_records("\"a,b\",c\n", "1#1[a,b|c]\n");
	expect_records("\"say \"\"hi\"\"\",x\n", "1#1[say \"hi\"|x]\n");
	expect_records("\"\"\"\"\n", "1#1[\"]\n");
	/* line ends inside quotes are data and count as lines */
	expect_records("\"l1\nl2\",x\nnext\n", "1#1[l1\\x0al2|x]\n3#2[next]\n");
	expect_records("\"l1\r\nl2\"\r\nnext\r\n", "1#1[l1\\x0d\\x0al2]\n3#2[next]\n");
	expect_records("\"a\nb\nc\nd\"\nz", "1#1[a\\x0ab\\x0ac\\x0ad]\n5#2[z]\n");
	/* a quoted field at the end with no line end */
	expect_records("x,\"y\"", "1#1[x|y]\n");
	/* a comma and CR inside quotes */
	expect_records("\"a\rb\"\n", "1#1[a\\x0db]\n");
}

static void test_bom(void **state)
{
	(void)state;
	expect_records("\xef\xbb\xbf"
		       "a,b\n1,2\n",
		       "1#1[a|b]\n2#2[1|2]\n");
	/* Only at the very start */
	expect_records("a\n\xef\xbb\xbf"
		       "b\n",
		       "1#1[a]\n2#2[\\xef\\xbb\\xbfb]\n");
	/* The start of one, then something else: the bytes are data. */
	expect_records("\xef\xbbx\n", "1#1[\\xef\\xbbx]\n");
	expect_records("\xef\n", "1#1[\\xef]\n");
	expect_records("\xef", "1#1[\\xef]\n");
	/* A byte order mark and nothing else */
	expect_records("\xef\xbb\xbf", "");
}

static void test_utf8_and_nul_pass_through(void **state)
{
	(void)state;
	/* The reader does not judge text: invalid UTF-8 and NUL bytes reach the caller as they are. */
	expect_records("\xc3\xa9t\xc3\xa9,\xff\xfe\n", "1#1[\\xc3\\xa9t\\xc3\\xa9|\\xff\\xfe]\n");
	enum dk_status st;
	struct dk_error err;
	char *got = records("a\0b,c\n", 6, NULL, &st, &err);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, "1#1[a\\x00b|c]\n");
	free(got);
}

static void test_syntax_errors_recover(void **state)
{
	(void)state;
	/* A quote inside an unquoted field: the record is flagged, the next one is read. */
	expect_records("ab\"c,d\nok\n", "1#1[ab\"c|d] !field 1: a quote inside an unquoted field\n2#2[ok]\n");
	/* Text after the closing quote */
	expect_records("\"ab\"c,d\nok\n", "1#1[abc|d] !field 1: text after the closing quote\n2#2[ok]\n");
	/* A carriage return that is not a line end */
	expect_records("a\rb,c\nok\n", "1#1[a\\x0db|c] !a carriage return not followed by a line feed\n2#2[ok]\n");
	expect_records("\rb\nok\n", "1#1[\\x0db] !a carriage return not followed by a line feed\n2#2[ok]\n");
	expect_records("\"a\"\rb\nok\n", "1#1[a\\x0db] !a carriage return not followed by a line feed\n2#2[ok]\n");
	/* the first error in a record is the one reported */
	expect_records("a\"b,\"c\"d\n", "1#1[a\"b|cd] !field 1: a quote inside an unquoted field\n");
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	enum dk_status st;
	struct dk_error err;
	char *got = records("a,b\n1,\"open\n\nstill open", 24, NULL, &st, &err);
	assert_int_equal(st, DK_INVALID);
	assert_string_equal(err.msg, "t.csv:2: the quoted field opened on this line is not closed at the end");
	assert_string_equal(got, "1#1[a|b]\n");
	free(got);
	/* opened on a later line of a multi-line record */
	got = records("x,\"a\nb\",\"c\nd", 12, NULL, &st, &err);
	assert_int_equal(st, DK_INVALID);
	assert_string_equal(err.msg, "t.csv:2: the quoted field opened on this line is not closed at the end");
	free(got);
}

static void test_long_fields(void **state)
{
	(void)state;
	/* 60,000 bytes in one field, quoted, with commas and doubled quotes, in every chunking */
	size_t len = 60000;
	struct buf in, want;
	buf_init(&in);
	buf_init(&want);
	buf_puts(&in, "short,\"");
	buf_puts(&want, "1#1[short|");
	for (size_t i = 0; i < len; i++) {
		char c = "abc,\"xyz"[i % 8];
		if (c == '"')
			buf_putc(&in, '"');
		buf_putc(&in, c);
		buf_putc(&want, c);
	}
	buf_puts(&in, "\"\nnext\n");
	buf_puts(&want, "]\n2#2[next]\n");
	expect_records(in.data, want.data);
	buf_free(&in);
	buf_free(&want);
}

static void test_limits(void **state)
{
	(void)state;
	struct csv_limits lim = {.field_max = 4, .fields_max = 3, .record_max = 20};
	enum dk_status st;
	struct dk_error err;
	const char *in = "abcd,x\nabcde,y\nok\na,b,c,d\n\"0123456789\",\"0123456789\"\nend\n";
	char *got = records(in, strlen(in), &lim, &st, &err);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, "1#1[abcd|x]\n"
				 "2#2[abcd|y] !field 1 is longer than the limit of 4 bytes\n"
				 "3#3[ok]\n"
				 "4#4[a|b|c] !the record has more than 3 fields\n"
				 "5#5[0123|0123] !field 1 is longer than the limit of 4 bytes noraw\n"
				 "6#6[end]\n");
	free(got);
	/* The record limit: the raw text is not kept */
	struct csv_limits lim2 = {.field_max = 100, .fields_max = 10, .record_max = 8};
	in = "0123456789\nok\n";
	got = records(in, strlen(in), &lim2, &st, &err);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, "1#1[0123456789] !the record is longer than the limit of 8 bytes noraw\n2#2[ok]\n");
	free(got);
	/* When a run of bytes passes both the field's limit and the record's, the one passed first is
	 * reported, whatever the pieces (a run read at once once reported the record's). */
	struct csv_limits lim3 = {.field_max = 4, .fields_max = 10, .record_max = 10};
	in = "abcdefghijklmnop\nok\n";
	got = records(in, strlen(in), &lim3, &st, &err);
	assert_string_equal(got, "1#1[abcd] !field 1 is longer than the limit of 4 bytes noraw\n2#2[ok]\n");
	free(got);
	in = "x,\"abcdefghijklmnop\"\n";
	struct csv_limits lim4 = {.field_max = 20, .fields_max = 10, .record_max = 8};
	got = records(in, strlen(in), &lim4, &st, &err);
	assert_string_equal(got, "1#1[x|abcdefghijklmnop] !the record is longer than the limit of 8 bytes noraw\n");
	free(got);
	/* The defaults */
	struct buf big;
	buf_init(&big);
	for (size_t i = 0; i < CSV_FIELD_MAX + 1; i++)
		buf_putc(&big, 'x');
	buf_puts(&big, "\nok\n");
	got = read_csv(big.data, big.len, 4096, NULL, &st, &err);
	assert_int_equal(st, DK_OK);
	FX_CONTAINS(got, "!field 1 is longer than the limit of 65536 bytes\n2#2[ok]\n");
	free(got);
	buf_free(&big);
}

/* The raw text of a record is what was written, without the line end. */
struct raw_seen {
	char raws[8][64];
	int n;
};

static enum dk_status on_raw(void *ctx, const struct csv_record *rec, struct dk_error *err)
{
	(void)err;
	struct raw_seen *rs = ctx;
	assert_true(rs->n < 8 && rec->raw_len < 64);
	memcpy(rs->raws[rs->n], rec->raw, rec->raw_len);
	rs->raws[rs->n][rec->raw_len] = '\0';
	rs->n++;
	return DK_OK;
}

static void test_raw(void **state)
{
	(void)state;
	const char *in = "\xef\xbb\xbf"
			 "a,\"b,\"\"c\"\"\"\r\n\"x\r\ny\",z\n\nlast";
	struct raw_seen rs = {0};
	struct csv_reader *r = csv_new("t.csv", NULL, on_raw, &rs);
	struct dk_error err;
	for (size_t i = 0; in[i]; i++)
		assert_int_equal(csv_feed(r, in + i, 1, &err), DK_OK);
	assert_int_equal(csv_finish(r, &err), DK_OK);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.raws[0], "a,\"b,\"\"c\"\"\"");
	assert_string_equal(rs.raws[1], "\"x\r\ny\",z");
	assert_string_equal(rs.raws[2], "last");
	/* After a reset the reader starts over: line 1, a byte order mark skipped again */
	csv_reset(r);
	rs.n = 0;
	assert_int_equal(csv_feed(r, "\xef\xbb\xbfq\n", 5, &err), DK_OK);
	assert_int_equal(csv_finish(r, &err), DK_OK);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.raws[0], "q");
	csv_free(&r);
}

static void test_callback_stops(void **state)
{
	(void)state;
	struct seen sn = {.stop_at = 2};
	buf_init(&sn.out);
	struct csv_reader *r = csv_new("t.csv", NULL, on_record, &sn);
	struct dk_error err;
	assert_int_equal(csv_feed(r, "a\nb\nc\n", 6, &err), DK_INVALID);
	assert_string_equal(err.msg, "stopped at 2");
	assert_string_equal(sn.out.data, "1#1[a]\n2#2[b]\n");
	/* also from csv_finish, for a last record without a line end */
	csv_reset(r);
	buf_reset(&sn.out);
	assert_int_equal(csv_feed(r, "a\nb", 3, &err), DK_OK);
	assert_int_equal(csv_finish(r, &err), DK_INVALID);
	csv_free(&r);
	buf_free(&sn.out);
}

/* Inputs the fuzzer found troublesome once; each must read without a crash or a leak. */
static void test_fuzz_regressions(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"\xef\xbb", "\r", "\r\r\n", "\"\"\"", "\",\r\n\"", "a,\r", "\xef\xbb\xbf\r\n\r", ",\r\"",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		enum dk_status st;
		struct dk_error err;
		free(records(inputs[i], strlen(inputs[i]), NULL, &st, &err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_empty_fields_and_lines),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_utf8_and_nul_pass_through),
		cmocka_unit_test(test_syntax_errors_recover),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_long_fields),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_fuzz_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
