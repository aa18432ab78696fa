/* when.c: ISO-8601 parsing and formatting in UTC, without the C library's time zone state. */
#include "config.h"
#include "when.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef DOCKET_TEST_CLOCK
static int64_t test_now;

void when_set_test_now(int64_t t)
{
	test_now = t;
}
#endif

int64_t when_now(void)
{
#ifdef DOCKET_TEST_CLOCK
	if (test_now)
		return test_now;
#endif
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

enum dk_status when_parse(const char *field, const char *s, int64_t *out, struct dk_error *err)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	const char *p = s;
	size_t n = strlen(s);
	if (n < 10 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
	    !digits(p + 8, 2, &d))
		goto bad;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return dk_fail(err, DK_INVALID, "%s: \"%.40s\" is not a real date", field, s);
	p += 10;
	int offset = 0;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi))
			goto bad;
		p += 5;
		if (*p == ':') {
			if (!digits(p + 1, 2, &se))
				goto bad;
			p += 3;
		}
		if (h > 23 || mi > 59 || se > 59)
			return dk_fail(err, DK_INVALID, "%s: \"%.40s\" is not a real time of day", field, s);
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
				goto bad;
			offset = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		}
	}
	if (*p != '\0')
		goto bad;
	*out = days_from_civil(y, mo, d) * WHEN_DAY + h * 3600 + mi * 60 + se - offset;
	return DK_OK;
bad:
	return dk_fail(err, DK_INVALID,
		       "%s: \"%.40s\" is not an ISO-8601 date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", field, s);
}

int64_t when_from_date(int64_t y, int m, int d)
{
	return days_from_civil(y, m, d) * WHEN_DAY;
}

void when_format(int64_t t, char *out, size_t n)
{
	int64_t days = t / WHEN_DAY, rem = t % WHEN_DAY;
	if (rem < 0)
		rem += WHEN_DAY, days--;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
		 (int)(rem % 60));
}

void when_format_date(int64_t t, char *out, size_t n)
{
	int64_t days = t / WHEN_DAY;
	if (t % WHEN_DAY < 0)
		days--;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02d", (int)y, m, d);
}

void when_relative(int64_t t, int64_t now, char *out, size_t n)
{
	int64_t diff = t - now;
	int64_t a = diff < 0 ? -diff : diff;
	char amount[32];
	if (a >= WHEN_DAY)
		snprintf(amount, sizeof amount, "%lldd", (long long)(a / WHEN_DAY));
	else if (a >= 3600)
		snprintf(amount, sizeof amount, "%lldh", (long long)(a / 3600));
	else
		snprintf(amount, sizeof amount, "%lldm", (long long)(a / 60));
	if (diff < 0)
		snprintf(out, n, "%s late", amount);
	else
		snprintf(out, n, "in %s", amount);
}
