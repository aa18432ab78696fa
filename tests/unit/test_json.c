/* test_json.c: the streaming JSON and NDJSON record reader: RFC 8259's grammar held strictly,
 * escapes and surrogate pairs decoded, bytes that are not UTF-8 passed on, one bad record rejected
 * without losing the others, errors in the array itself ending the reading, the limits, and the
 * same records whatever the chunks the input arrives in. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

static void put_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
}

static const char *type_name(enum json_type t)
{
	static const char *const names[] = {"null", "false", "true", "num", "str", "arr", "obj"};
	return names[t];
}

static void put_value(struct buf *b, const struct json_value *v)
{
	buf_puts(b, type_name(v->type));
	if (v->type == JSON_STRING || v->type == JSON_NUMBER) {
		buf_putc(b, ':');
		assert_int_equal(v->s[v->len], '\0');
		put_escaped(b, v->s, v->len);
	} else {
		assert_int_equal(v->len, 0);
		assert_string_equal(v->s, "");
	}
	if (v->type == JSON_ARRAY_VALUE) {
		buf_putc(b, '(');
		for (size_t i = 0; i < v->n_items; i++) {
			if (i)
				buf_putc(b, ',');
			put_value(b, &v->items[i]);
		}
		buf_putc(b, ')');
	}
	if (v->nested)
		buf_puts(b, "+nested");
}

struct seen {
	struct buf out;
	int stop_at;
};

/* Each record as "LINE#INDEX{key=type:value;...}" plus " !error" and " noraw". */
static enum dk_status on_record(void *ctx, const struct json_record *rec, struct dk_error *err)
{
	struct seen *sn = ctx;
	struct buf *b = &sn->out;
	buf_printf(b, "%lld#%lld{", (long long)rec->line, (long long)rec->index);
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			buf_putc(b, ';');
		put_escaped(b, rec->members[i].key, rec->members[i].key_len);
		buf_putc(b, '=');
		put_value(b, &rec->members[i].value);
	}
	buf_putc(b, '}');
	if (rec->error)
		buf_printf(b, " !%s", rec->error);
	if (!rec->raw)
		buf_puts(b, " noraw");
	buf_putc(b, '\n');
	if (sn->stop_at && rec->index == sn->stop_at)
		return dk_fail(err, DK_INVALID, "stopped at %lld", (long long)rec->index);
	return DK_OK;
}

static char *read_json(enum json_mode mode, const char *input, size_t n, size_t chunk, size_t record_max,
		       enum dk_status *st, struct dk_error *err)
{
	struct seen sn = {0};
	buf_init(&sn.out);
	struct json_reader *r = json_new("t.json", mode, record_max, on_record, &sn);
	assert_non_null(r);
	*st = DK_OK;
	dk_clear(err);
	size_t step = chunk ? chunk : (n ? n : 1);
	for (size_t off = 0; off < n && !*st; off += step)
		*st = json_feed(r, input + off, off + step > n ? n - off : step, err);
	if (!*st)
		*st = json_finish(r, err);
	json_free(&r);
	assert_null(r);
	buf_add(&sn.out, "", 0);
	return buf_take(&sn.out);
}

/* The records, checked to be the same for chunk sizes 1 to 5 and all at once. */
static char *records(enum json_mode mode, const char *input, size_t record_max, enum dk_status *st,
		     struct dk_error *err)
{
	size_t n = strlen(input);
	char *whole = read_json(mode, input, n, 0, record_max, st, err);
	for (size_t chunk = 1; chunk <= 5; chunk++) {
		enum dk_status st2;
		struct dk_error err2;
		char *part = read_json(mode, input, n, chunk, record_max, &st2, &err2);
		assert_string_equal(part, whole);
		assert_int_equal(st2, *st);
		assert_string_equal(err2.msg, err->msg);
		free(part);
	}
	return whole;
}

static void expect(enum json_mode mode, const char *input, const char *want)
{
	enum dk_status st;
	struct dk_error err;
	char *got = records(mode, input, 0, &st, &err);
	if (st)
		print_error("status %d: %s\n", st, err.msg);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, want);
	free(got);
}

static void expect_fatal(enum json_mode mode, const char *input, const char *want, const char *msg)
{
	enum dk_status st;
	struct dk_error err;
	char *got = records(mode, input, 0, &st, &err);
	assert_int_equal(st, DK_INVALID);
	assert_string_equal(err.msg, msg);
	assert_string_equal(got, want);
	free(got);
}

static void test_lines(void **state)
{
	(void)state;
	expect(JSON_LINES, "{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\"}\n", "1#1{a=str:x;b=num:1}\n2#2{a=str:y}\n");
	/* CRLF, blank lines, no line end at the end, white space around */
	expect(JSON_LINES, "\r\n  \n{\"a\":true} \r\n\n\t{ \"b\" : null }", "3#1{a=true}\n5#2{b=null}\n");
	expect(JSON_LINES, "", "");
	expect(JSON_LINES, "\n\n", "");
	expect(JSON_LINES, "{}\n", "1#1{}\n");
	/* a byte order mark at the start */
	expect(JSON_LINES, "\xef\xbb\xbf{\"a\":false}\n", "1#1{a=false}\n");
}

static void test_values(void **state)
{
	(void)state;
	expect(JSON_LINES, "{\"n\":-0.5e+3,\"z\":0,\"i\":[\"a\",\"b\",2,null],\"e\":[]}\n",
	       "1#1{n=num:-0.5e+3;z=num:0;i=arr(str:a,str:b,num:2,null);e=arr()}\n");
	/* Nested values are flagged and not kept */
	expect(JSON_LINES, "{\"o\":{\"x\":[1,{\"y\":2}]},\"a\":[\"s\",[1]],\"k\":\"v\"}\n",
	       "1#1{o=obj+nested;a=arr(str:s)+nested;k=str:v}\n");
	/* duplicate keys are all handed over, in order */
	expect(JSON_LINES, "{\"a\":\"1\",\"a\":\"2\"}\n", "1#1{a=str:1;a=str:2}\n");
}

static void test_escapes(void **state)
{
	(void)state;
	expect(JSON_LINES, "{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}\n",
	       "1#1{s=str:q\" b\\x5c s/ \\x08\\x0c\\x0a\\x0d\\x09}\n");
	/* \u escapes to UTF-8, a surrogate pair to one four-byte character, \u0000 to a NUL byte */
	expect(JSON_LINES, "{\"s\":\"\\u00e9\\u20AC\\ud83d\\ude00\\u0000!\"}\n",
	       "1#1{s=str:\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\x00!}\n");
	/* keys are decoded too */
	expect(JSON_LINES, "{\"k\\u0065y\":1}\n", "1#1{key=num:1}\n");
	/* raw bytes that are not UTF-8 reach the caller, for it to refuse naming the field */
	expect(JSON_LINES, "{\"s\":\"\xff\xfe\"}\n", "1#1{s=str:\\xff\\xfe}\n");
}

static void test_record_errors(void **state)
{
	(void)state;
	/* Each bad line is its own record with its error; the good ones around it are read. */
	expect(JSON_LINES,
	       "{\"a\":1,}\n"
	       "[1]\n"
	       "\"s\"\n"
	       "{\"a\":1} x\n"
	       "{\"a\":01}\n"
	       "{\"a\":\"\\ud800\"}\n"
	       "{\"a\":\"\\udc00\"}\n"
	       "{\"a\":\"\\x\"}\n"
	       "{\"a\":\"\\u12\"}\n"
	       "{\"a\":\"tab\there\"}\n"
	       "{\"a\" 1}\n"
	       "{a:1}\n"
	       "{\"a\":tru}\n"
	       "{\"a\":'x'}\n"
	       "{\"a\":\"open}\n"
	       "{\"a\":1\n"
	       "{\"ok\":1}\n",
	       "1#1{} !expected a key (a string) at byte 8 of the record\n"
	       "2#2{} !not a JSON object at byte 1 of the record\n"
	       "3#3{} !not a JSON object at byte 1 of the record\n"
	       "4#4{} !text after the object at byte 9 of the record\n"
	       "5#5{} !expected ',' or '}' after a value at byte 7 of the record\n"
	       "6#6{} !a \\u escape is a high surrogate with no low surrogate after it at byte 13 of the record\n"
	       "7#7{} !a \\u escape is a lone low surrogate at byte 13 of the record\n"
	       "8#8{} !unknown escape \\x at byte 8 of the record\n"
	       "9#9{} !a \\u escape needs four hex digits at byte 9 of the record\n"
	       "10#10{} !control character 0x09 inside a string at byte 10 of the record\n"
	       "11#11{} !expected ':' after a key at byte 6 of the record\n"
	       "12#12{} !expected a key (a string) at byte 2 of the record\n"
	       "13#13{} !unexpected character 't' at byte 6 of the record\n"
	       "14#14{} !unexpected character ''' at byte 6 of the record\n"
	       "15#15{} !a string is not closed at byte 12 of the record\n"
	       "16#16{} !expected ',' or '}' after a value at byte 7 of the record\n"
	       "17#17{ok=num:1}\n");
	/* numbers */
	expect(JSON_LINES, "{\"a\":-}\n{\"a\":1.}\n{\"a\":1e}\n{\"a\":.5}\n{\"a\":-0.0E-1}\n",
	       "1#1{} !not a valid number at byte 7 of the record\n"
	       "2#2{} !not a valid number at byte 8 of the record\n"
	       "3#3{} !not a valid number at byte 8 of the record\n"
	       "4#4{} !unexpected character '.' at byte 6 of the record\n"
	       "5#5{a=num:-0.0E-1}\n");
}

static void test_depth(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_puts(&in, "{\"a\":");
	for (int i = 0; i < 40; i++)
		buf_putc(&in, '[');
	for (int i = 0; i < 40; i++)
		buf_putc(&in, ']');
	buf_puts(&in, "}\n{\"b\":[[[1]]]}\n");
	expect(JSON_LINES, in.data, "1#1{} !nested more than 32 deep at byte 37 of the record\n2#2{b=arr()+nested}\n");
	buf_free(&in);
}

static void test_limits(void **state)
{
	(void)state;
	enum dk_status st;
	struct dk_error err;
	char *got = records(JSON_LINES, "{\"a\":\"0123456789\"}\n{\"b\":1}\n", 12, &st, &err);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, "1#1{} !the record is longer than the limit of 12 bytes noraw\n2#2{b=num:1}\n");
	free(got);
	got = records(JSON_ARRAY, "[{\"a\":\"0123456789\"},{\"b\":1}]", 12, &st, &err);
	assert_int_equal(st, DK_OK);
	assert_string_equal(got, "1#1{} !the record is longer than the limit of 12 bytes noraw\n1#2{b=num:1}\n");
	free(got);
	/* A long string within the limit, in every chunking */
	struct buf in, want;
	buf_init(&in);
	buf_init(&want);
	buf_puts(&in, "[{\"note\":\"");
	buf_puts(&want, "1#1{note=str:");
	for (int i = 0; i < 50000; i++) {
		buf_putc(&in, "ab]}{[,"[i % 7]);
		buf_putc(&want, "ab]}{[,"[i % 7]);
	}
	buf_puts(&in, "\"}]");
	buf_puts(&want, "}\n");
	expect(JSON_ARRAY, in.data, want.data);
	buf_free(&in);
	buf_free(&want);
}

static void test_array(void **state)
{
	(void)state;
	expect(JSON_ARRAY, "[{\"a\":\"x\"},{\"a\":\"y\"}]", "1#1{a=str:x}\n1#2{a=str:y}\n");
	expect(JSON_ARRAY, "\xef\xbb\xbf [\n  {\"a\": 1},\n  {\"b\": [\"]\", \"}\"]}\n]\n",
	       "2#1{a=num:1}\n3#2{b=arr(str:],str:})}\n");
	expect(JSON_ARRAY, "[]", "");
	expect(JSON_ARRAY, " [ ] \n", "");
	/* brackets and escaped quotes inside strings do not end a record */
	expect(JSON_ARRAY, "[{\"a\":\"}\\\"]\"},{\"b\":\"\\\\\"}]", "1#1{a=str:}\"]}\n1#2{b=str:\\x5c}\n");
	/* elements that are not objects are records in error; the array goes on */
	expect(JSON_ARRAY, "[1, \"s\", true, [1,2], {\"ok\":1}, null]",
	       "1#1{} !not a JSON object at byte 1 of the record\n"
	       "1#2{} !not a JSON object at byte 1 of the record\n"
	       "1#3{} !not a JSON object at byte 1 of the record\n"
	       "1#4{} !not a JSON object at byte 1 of the record\n"
	       "1#5{ok=num:1}\n"
	       "1#6{} !not a JSON object at byte 1 of the record\n");
	/* an element with a syntax error inside is one record in error */
	expect(JSON_ARRAY, "[{\"a\":1,},\n{\"b\":2}]",
	       "1#1{} !expected a key (a string) at byte 8 of the record\n2#2{b=num:2}\n");
}

static void test_array_errors(void **state)
{
	(void)state;
	expect_fatal(JSON_ARRAY, "", "", "t.json:1: expected a JSON array of objects, and the input is empty");
	expect_fatal(JSON_ARRAY, "{\"a\":1}\n", "", "t.json:1: expected a JSON array of objects, starting with '['");
	expect_fatal(JSON_ARRAY, "[{\"a\":1} {\"b\":2}]", "1#1{a=num:1}\n",
		     "t.json:1: expected ',' or ']' after a record");
	expect_fatal(JSON_ARRAY, "[{\"a\":1},]", "1#1{a=num:1}\n", "t.json:1: a comma before the closing ']'");
	expect_fatal(JSON_ARRAY, "[,{}]", "", "t.json:1: expected a record before ','");
	expect_fatal(JSON_ARRAY, "[{\"a\":1}]\n]", "1#1{a=num:1}\n", "t.json:2: text after the end of the array");
	expect_fatal(JSON_ARRAY, "[{\"a\":1}", "1#1{a=num:1}\n", "t.json:1: the array is not closed");
	expect_fatal(JSON_ARRAY, "[{\"a\":1},\n{\"b\":\n", "1#1{a=num:1}\n",
		     "t.json:2: record 2, which starts on this line, is not closed");
	expect_fatal(JSON_ARRAY, "[{\"a\":\"}]", "", "t.json:1: record 1, which starts on this line, is not closed");
	expect_fatal(JSON_ARRAY, "[12", "", "t.json:1: the array is not closed");
}

struct raw_seen {
	char raws[4][64];
	int n;
};

static enum dk_status on_raw(void *ctx, const struct json_record *rec, struct dk_error *err)
{
	(void)err;
	struct raw_seen *rs = ctx;
	assert_true(rs->n < 4 && rec->raw_len < 64);
	memcpy(rs->raws[rs->n], rec->raw, rec->raw_len);
	rs->raws[rs->n][rec->raw_len] = '\0';
	rs->n++;
	return DK_OK;
}

static void test_raw_and_reset(void **state)
{
	(void)state;
	struct raw_seen rs = {0};
	struct json_reader *r = json_new("t.json", JSON_ARRAY, 0, on_raw, &rs);
	struct dk_error err;
	const char *in = "[ {\"a\" : 1} ,\n{\"b\":[2]}]";
	assert_int_equal(json_feed(r, in, strlen(in), &err), DK_OK);
	assert_int_equal(json_finish(r, &err), DK_OK);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.raws[0], "{\"a\" : 1}");
	assert_string_equal(rs.raws[1], "{\"b\":[2]}");
	json_reset(r);
	rs.n = 0;
	assert_int_equal(json_feed(r, "[{}]", 4, &err), DK_OK);
	assert_int_equal(json_finish(r, &err), DK_OK);
	assert_int_equal(rs.n, 1);
	json_free(&r);

	r = json_new("t.ndjson", JSON_LINES, 0, on_raw, &rs);
	rs.n = 0;
	const char *lines = "{\"a\":1}\r\n {\"b\":2} \n";
	assert_int_equal(json_feed(r, lines, strlen(lines), &err), DK_OK);
	assert_int_equal(json_finish(r, &err), DK_OK);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.raws[0], "{\"a\":1}");
	assert_string_equal(rs.raws[1], " {\"b\":2} ");
	json_free(&r);
}

static void test_callback_stops(void **state)
{
	(void)state;
	struct seen sn = {.stop_at = 1};
	buf_init(&sn.out);
	struct json_reader *r = json_new("t.json", JSON_ARRAY, 0, on_record, &sn);
	struct dk_error err;
	assert_int_equal(json_feed(r, "[{},{}]", 7, &err), DK_INVALID);
	assert_string_equal(err.msg, "stopped at 1");
	json_free(&r);
	r = json_new("t.json", JSON_LINES, 0, on_record, &sn);
	assert_int_equal(json_feed(r, "{}", 2, &err), DK_OK);
	assert_int_equal(json_finish(r, &err), DK_INVALID);
	json_free(&r);
	buf_free(&sn.out);
}

/* A failure ends the reading: whoever reads on, or finishes, is told again (an import committed
 * the records of an array followed by garbage, as json_finish found the array complete). */
static void test_failure_sticks(void **state)
{
	(void)state;
	struct seen sn = {0};
	buf_init(&sn.out);
	struct json_reader *r = json_new("t.json", JSON_ARRAY, 0, on_record, &sn);
	struct dk_error err;
	assert_int_equal(json_feed(r, "[{}] x", 6, &err), DK_INVALID);
	assert_string_equal(err.msg, "t.json:1: text after the end of the array");
	dk_clear(&err);
	assert_int_equal(json_feed(r, " ", 1, &err), DK_INVALID);
	assert_string_equal(err.msg, "t.json:1: text after the end of the array");
	dk_clear(&err);
	assert_int_equal(json_finish(r, &err), DK_INVALID);
	assert_string_equal(err.msg, "t.json:1: text after the end of the array");
	/* json_reset starts afresh */
	json_reset(r);
	assert_int_equal(json_feed(r, "[{}]", 4, &err), DK_OK);
	assert_int_equal(json_finish(r, &err), DK_OK);
	json_free(&r);
	/* a callback's failure too */
	sn.stop_at = 1;
	r = json_new("t.json", JSON_ARRAY, 0, on_record, &sn);
	assert_int_equal(json_feed(r, "[{},{}]", 7, &err), DK_INVALID);
	assert_int_equal(json_finish(r, &err), DK_INVALID);
	assert_string_equal(err.msg, "stopped at 1");
	json_free(&r);
	buf_free(&sn.out);
}

/* A byte order mark at the very start is left out, in whatever pieces it arrives; anywhere else, or
 * cut short, its bytes are input like any other. */
static void test_bom(void **state)
{
	(void)state;
	expect(JSON_ARRAY, "\xef\xbb\xbf[{\"a\":1}]", "1#1{a=num:1}\n");
	expect(JSON_LINES, "\xef\xbb\xbf{\"a\":1}\n", "1#1{a=num:1}\n");
	expect_fatal(JSON_ARRAY, "\xef\xbb[]", "", "t.json:1: expected a JSON array of objects, starting with '['");
	expect_fatal(JSON_ARRAY, "\xef", "", "t.json:1: expected a JSON array of objects, starting with '['");
}

/* Inputs the fuzzer found troublesome once; each must read without a crash or a leak. */
static void test_fuzz_regressions(void **state)
{
	(void)state;
	static const char *const inputs[] = {"[\"", "[\"\\", "[{\"a\":[", "\xef\xbb",
					     "[1 ", "[{}]]", "[{\"\\u",   "[{\"a\":\"\\ud800\\u"};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		for (int m = 0; m < 2; m++) {
			enum dk_status st;
			struct dk_error err;
			free(records(m ? JSON_LINES : JSON_ARRAY, inputs[i], 0, &st, &err));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),          cmocka_unit_test(test_values),
		cmocka_unit_test(test_escapes),        cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_depth),          cmocka_unit_test(test_limits),
		cmocka_unit_test(test_array),          cmocka_unit_test(test_array_errors),
		cmocka_unit_test(test_raw_and_reset),  cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_failure_sticks), cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_bom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
