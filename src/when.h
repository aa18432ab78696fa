/* when.h: UTC times as integer seconds, read from and written as ISO-8601. */
#ifndef DOCKET_WHEN_H
#define DOCKET_WHEN_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#define WHEN_DAY 86400

/* The current time, seconds since the epoch (UTC). */
int64_t when_now(void);

#if defined(DOCKET_TEST_CLOCK) && !defined(DOCKET_TEST_CLOCK_CONFIGURED)
/* Only configure's --enable-test-clock may make a test build: its make install refuses the result. */
#error "DOCKET_TEST_CLOCK is set by configure --enable-test-clock, not by CPPFLAGS"
#endif
#ifdef DOCKET_TEST_CLOCK
/* A test build's clock (configure --enable-test-clock): when_now() returns t from now on; 0 goes
 * back to the real clock. Never compiled into a docket that can be installed. */
void when_set_test_now(int64_t t);
#endif

/* Parses "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]" (a space may stand
 * for the T; no zone means UTC). Impossible dates such as 2026-02-30 are refused. */
enum dk_status when_parse(const char *field, const char *s, int64_t *out, struct dk_error *err);

/* Midnight UTC starting day d of month m (1-12) of year y, proleptic Gregorian, any year; the day
 * is not checked against the month. */
int64_t when_from_date(int64_t y, int m, int d);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void when_format(int64_t t, char *out, size_t n);

/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void when_format_date(int64_t t, char *out, size_t n);

/* A deadline relative to now, as the queue shows it: "in 2d", "in 5h", "in 40m", "3d late". */
void when_relative(int64_t t, int64_t now, char *out, size_t n);

#endif
