/* test_when.c: UTC times: the ISO-8601 forms when_parse accepts and the impossible dates it refuses,
 * the formats written back, and the relative deadlines the queue shows. Deadlines in this program
 * are legal ones, so a date that silently rolls over (Feb 30 -> Mar 2) would be a wrong deadline. */
#include "helpers.h"

#include <string.h>

#include "when.h"

static int64_t parse_ok(const char *s)
{
	struct dk_error err;
	int64_t t = -1;
	dk_clear(&err);
	enum dk_status st = when_parse("due", s, &t, &err);
	if (st != DK_OK)
		print_error("when_parse(\"%s\"): %s\n", s, err.msg);
	assert_int_equal(st, DK_OK);
	return t;
}

static void parse_bad(const char *s)
{
	struct dk_error err;
	int64_t t = 0;
	dk_clear(&err);
	enum dk_status st = when_parse("due", s, &t, &err);
	if (st != DK_INVALID)
		print_error("when_parse(\"%s\") accepted it as %lld\n", s, (long long)t);
	assert_int_equal(st, DK_INVALID);
	/* The message names the field, so a form with several dates says which one is wrong. */
	assert_true(strncmp(err.msg, "due: ", 5) == 0);
}

static void test_parse_date(void **state)
{
	(void)state;
	assert_true(parse_ok("1970-01-01") == 0);
	assert_true(parse_ok("2024-02-29") == 1709164800);
	assert_true(parse_ok("2026-03-01") == 1772323200);
	assert_true(parse_ok("2000-02-29") == 951782400);
	assert_true(parse_ok("9999-12-31") == 253402300800 - 86400);
}

static void test_parse_date_time(void **state)
{
	(void)state;
	const int64_t want = 1772368496; /* 2026-03-01T12:34:56Z */
	assert_true(parse_ok("2026-03-01T12:34:56Z") == want);
	assert_true(parse_ok("2026-03-01T12:34:56") == want);
	assert_true(parse_ok("2026-03-01 12:34:56") == want);
	assert_true(parse_ok("2026-03-01 12:34:56Z") == want);
	assert_true(parse_ok("2026-03-01T12:34") == want - 56);
	assert_true(parse_ok("2026-03-01T12:34Z") == want - 56);
	/* An offset says where the clock was: 14:34:56 at +02:00 is 12:34:56 UTC. */
	assert_true(parse_ok("2026-03-01T14:34:56+02:00") == want);
	assert_true(parse_ok("2026-03-01T07:04:56-05:30") == want);
	assert_true(parse_ok("2026-03-01T12:34:56+00:00") == want);
	assert_true(parse_ok("2026-03-01T12:34:56-00:00") == want);
	/* Crossing midnight backwards. */
	assert_true(parse_ok("2026-03-01T01:00+02:00") == 1772323200 - 3600);
	assert_true(parse_ok("2026-03-01T00:00:00") == 1772323200);
	assert_true(parse_ok("2026-03-01T23:59:59Z") == 1772323200 + 86399);
}

static void test_parse_impossible_dates(void **state)
{
	(void)state;
	parse_bad("2026-02-30");
	parse_bad("2026-02-29");
	parse_bad("2025-02-29");
	parse_ok("2024-02-29");
	parse_bad("2100-02-29"); /* divisible by 100, not by 400 */
	parse_ok("2000-02-29");
	parse_bad("2026-04-31");
	parse_bad("2026-01-32");
	parse_bad("2026-13-01");
	parse_bad("2026-00-10");
	parse_bad("2026-01-00");
	parse_bad("2026-01-01T24:00");
	parse_bad("2026-01-01T24:00:00Z");
	parse_bad("2026-01-01T23:60");
	parse_bad("2026-01-01T23:59:60");
	parse_bad("2026-01-01T10:00+24:00");
	parse_bad("2026-01-01T10:00+02:60");
}

static void test_parse_garbage(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("garbage");
	parse_bad("tomorrow");
	parse_bad("2026");
	parse_bad("2026-01");
	parse_bad("2026-1-01");
	parse_bad("2026-01-1");
	parse_bad("26-01-01");
	parse_bad("2026/01/01");
	parse_bad("01-01-2026");
	parse_bad(" 2026-01-01");
	parse_bad("2026-01-01 ");
	parse_bad("2026-01-01x");
	parse_bad("2026-01-01T");
	parse_bad("2026-01-01T10");
	parse_bad("2026-01-01T10:");
	parse_bad("2026-01-01T10:0");
	parse_bad("2026-01-01T10:00:");
	parse_bad("2026-01-01T10:00:0");
	parse_bad("2026-01-01T10:00Zx");
	parse_bad("2026-01-01T10:00:00ZZ");
	parse_bad("2026-01-01T10:00+02");
	parse_bad("2026-01-01T10:00+0200");
	parse_bad("2026-01-01T10:00+02:00:00");
	parse_bad("2026-01-01t10:00");
	parse_bad("2026-01-01T1a:00");
	parse_bad("2026-0a-01");
	parse_bad("+2026-01-01");
	parse_bad("1969-12-31");
}

static void test_format_round_trip(void **state)
{
	(void)state;
	char out[32];
	when_format(0, out, sizeof out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	when_format(1772368496, out, sizeof out);
	assert_string_equal(out, "2026-03-01T12:34:56Z");
	when_format(4102444799, out, sizeof out);
	assert_string_equal(out, "2099-12-31T23:59:59Z");
	when_format(253402300799, out, sizeof out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");

	const int64_t samples[] = {0,          1,          59,         86399,      86400,     951782400,
				   951868799,  1709164800, 1709251199, 1772368496, 4102444799, 253402300799};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		when_format(samples[i], out, sizeof out);
		assert_int_equal(strlen(out), 20);
		assert_true(parse_ok(out) == samples[i]);
	}
	/* Every day of a leap year and the one after it comes back as itself. */
	for (int64_t t = 1704067200; t < 1704067200 + 731 * 86400; t += 86400 + 3599) {
		when_format(t, out, sizeof out);
		assert_true(parse_ok(out) == t);
	}
}

static void test_format_date(void **state)
{
	(void)state;
	char out[16];
	when_format_date(1709164800, out, sizeof out);
	assert_string_equal(out, "2024-02-29");
	when_format_date(1709164800 + 86399, out, sizeof out);
	assert_string_equal(out, "2024-02-29");
	when_format_date(1709164800 + 86400, out, sizeof out);
	assert_string_equal(out, "2024-03-01");
	when_format_date(0, out, sizeof out);
	assert_string_equal(out, "1970-01-01");
	assert_true(parse_ok("2024-02-29") == 1709164800);
}

static void test_relative(void **state)
{
	(void)state;
	const int64_t now = 1772368496;
	char out[32];
	when_relative(now + 2 * 86400 + 3600, now, out, sizeof out);
	assert_string_equal(out, "in 2d");
	when_relative(now + 2 * 86400, now, out, sizeof out);
	assert_string_equal(out, "in 2d");
	when_relative(now - 3 * 86400 - 5 * 3600, now, out, sizeof out);
	assert_string_equal(out, "3d late");
	when_relative(now + 5 * 3600 + 59, now, out, sizeof out);
	assert_string_equal(out, "in 5h");
	when_relative(now - 2 * 3600, now, out, sizeof out);
	assert_string_equal(out, "2h late");
	when_relative(now - 30 * 60, now, out, sizeof out);
	assert_string_equal(out, "30m late");
	when_relative(now + 45 * 60, now, out, sizeof out);
	assert_string_equal(out, "in 45m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_parse_date_time),
		cmocka_unit_test(test_parse_impossible_dates),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_date),
		cmocka_unit_test(test_relative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
