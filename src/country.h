/* country.h: ISO 3166-1 alpha-2 country codes, and jurisdictions ("US", "US-CA"). */
#ifndef DOCKET_COUNTRY_H
#define DOCKET_COUNTRY_H

#include <stdbool.h>

#include "status.h"

/* The country's English short name, or NULL when code is not an assigned alpha-2 code. */
const char *country_name(const char *code);

/* Splits "CC" or "CC-SUB" (ISO 3166-2 subdivision, 1 to 3 letters or digits) into a checked
 * country code (out 3 bytes) and subdivision (out 4 bytes, "" when absent). */
enum dk_status country_parse_jurisdiction(const char *field, const char *s, char country[3], char sub[4],
					  struct dk_error *err);

#endif
