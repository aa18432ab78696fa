/* address.c: the key of an e-mail address, and whether it is at a domain (see address.h). */
#include "address.h"

#include <sqlite3.h>
#include <string.h>

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The domain of a (after its last '@', without blanks and trailing dots): start and length. */
static bool split(const char *a, const char **local, size_t *nlocal, const char **dom, size_t *ndom)
{
	while (blank(*a))
		a++;
	const char *at = strrchr(a, '@');
	if (!at || at == a)
		return false;
	const char *d = at + 1, *e = d + strlen(d);
	while (e > d && (blank(e[-1]) || e[-1] == '.'))
		e--;
	if (e == d)
		return false;
	*local = a, *nlocal = (size_t)(at - a);
	*dom = d, *ndom = (size_t)(e - d);
	return true;
}

bool address_key(const char *a, char *out, size_t n)
{
	const char *local, *dom;
	size_t nl, nd, k = 0;
	if (!a || !split(a, &local, &nl, &dom, &nd))
		return false;
	for (size_t i = 0; i < nl && local[i] != '+'; i++)
		if (local[i] != '.') {
			if (k + 1 >= n)
				return false;
			out[k++] = lower(local[i]);
		}
	if (k + nd + 2 > n)
		return false;
	out[k++] = '@';
	for (size_t i = 0; i < nd; i++)
		out[k++] = lower(dom[i]);
	out[k] = '\0';
	return true;
}

bool address_at_domain_of(const char *a, const char *b)
{
	const char *la, *da, *lb, *db;
	size_t nla, nda, nlb, ndb;
	if (!a || !b || !split(a, &la, &nla, &da, &nda) || !split(b, &lb, &nlb, &db, &ndb) || nda < ndb)
		return false;
	const char *tail = da + (nda - ndb);
	for (size_t i = 0; i < ndb; i++)
		if (lower(tail[i]) != lower(db[i]))
			return false;
	return nda == ndb || tail[-1] == '.';
}

bool address_reaches(const char *r, const char *a, bool whole_domain)
{
	char kr[512], ka[512];
	if (whole_domain && address_at_domain_of(r, a))
		return true;
	return r && a && address_key(r, kr, sizeof kr) && address_key(a, ka, sizeof ka) && strcmp(kr, ka) == 0;
}

static void sql_reaches(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(cx, address_reaches((const char *)sqlite3_value_text(argv[0]),
					       (const char *)sqlite3_value_text(argv[1]), sqlite3_value_int(argv[2])));
}

int address_register(void *h)
{
	return sqlite3_create_function(h, "docket_address_reaches", 3,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_reaches, NULL,
				       NULL);
}
