/* fuzz_when.c: libFuzzer harness for date, time and jurisdiction parsing (src/when.c,
 * src/country.c).
 *
 * The input, as a string, is parsed as a time and as a jurisdiction:
 *   - a time that parses is within the years docket accepts, and formats back to a text that
 *     parses to the same second; a date alone is midnight;
 *   - a time that does not parse gets a message naming the field;
 *   - a jurisdiction that parses is an assigned country code (two capitals) and an optional
 *     subdivision of one to three capitals or digits, and parses again to itself.
 * Build with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "when.h"

static void check_time(const char *s)
{
	int64_t t = 0, back = 0;
	struct dk_error err = {0};
	if (when_parse("due", s, &t, &err)) {
		if (strncmp(err.msg, "due: ", 5) != 0)
			abort();
		return;
	}
	/* 1970-01-01 with a positive offset is a little before the epoch; 9999-12-31 with a negative
	 * one a little after the last day. */
	if (t < -86400 || t >= when_from_date(10000, 1, 2))
		abort();
	char out[32], day[16];
	when_format(t, out, sizeof out);
	when_format_date(t, day, sizeof day);
	if (strncmp(out, day, 10) != 0)
		abort();
	if (t >= 0 && t < when_from_date(10000, 1, 1)) {
		if (when_parse("again", out, &back, &err) || back != t)
			abort();
		if (strlen(s) == 10 && t % WHEN_DAY != 0)
			abort();
	}
	char rel[32];
	when_relative(t, 0, rel, sizeof rel);
	when_relative(0, t, rel, sizeof rel);
}

static void check_jurisdiction(const char *s)
{
	char cc[3] = "", sub[4] = "";
	struct dk_error err = {0};
	if (country_parse_jurisdiction("jurisdiction", s, cc, sub, &err)) {
		if (strncmp(err.msg, "jurisdiction: ", 14) != 0)
			abort();
		return;
	}
	if (strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || !country_name(cc))
		abort();
	size_t n = strlen(sub);
	if (n > 3 || (n == 0 && strlen(s) != 2))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((sub[i] >= 'A' && sub[i] <= 'Z') || (sub[i] >= '0' && sub[i] <= '9')))
			abort();
	char again[8], cc2[3], sub2[4];
	snprintf(again, sizeof again, "%s%s%s", cc, n ? "-" : "", sub);
	if (country_parse_jurisdiction("jurisdiction", again, cc2, sub2, &err) || strcmp(cc, cc2) != 0 ||
	    strcmp(sub, sub2) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	char s[257];
	memcpy(s, data, size);
	s[size] = '\0';
	check_time(s);
	check_jurisdiction(s);
	return 0;
}
