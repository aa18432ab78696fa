/* import_record.c: one imported record's fields to a checked demand input: the field table, lists,
 * booleans, the checks (demand_check's, and those of the fields only an import has), messages in
 * the import's field names, and the digest that tells a changed record from the same one. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "country.h"
#include "import_internal.h"
#include "party.h"
#include "text.h"
#include "when.h"

/* docs/docket-import.5 describes each; tests/e2e/import-docs.sh checks that it does. */
const char *const import_fields[] = {
	"reference",
	"received",
	"channel",
	"instrument",
	"customer",
	"customer_name",
	"customer_region",
	"customer_email",
	"requester",
	"requester_kind",
	"agency",
	"jurisdiction",
	"requester_contact",
	"requester_email",
	"requester_phone",
	"identifiers",
	"categories",
	"due",
	"emergency",
	"assignee",
	"note",
	"error",
	NULL,
};

const enum import_kind import_kinds[F_COUNT] = {
	[F_IDENTIFIERS] = K_LIST,
	[F_CATEGORIES] = K_LIST,
	[F_EMERGENCY] = K_BOOL,
};

const bool import_required[F_COUNT] = {
	[F_REFERENCE] = true, [F_CHANNEL] = true,        [F_INSTRUMENT] = true,   [F_CUSTOMER] = true,
	[F_REQUESTER] = true, [F_REQUESTER_KIND] = true, [F_JURISDICTION] = true,
};

int import_field_find(const char *name, size_t n)
{
	if (strlen(name) != n)
		return -1;
	for (int i = 0; import_fields[i]; i++)
		if (strcmp(import_fields[i], name) == 0)
			return i;
	return -1;
}

void import_scratch_free(struct import_scratch *sc)
{
	buf_free(&sc->ids);
	buf_free(&sc->cats);
	buf_free(&sc->note);
}

/* The core's names for fields that the import spells otherwise. */
static const struct {
	const char *core, *field;
} renames[] = {
	{"requester name", "requester"},
	{"requester kind", "requester_kind"},
	{"requester contact", "requester_contact"},
	{"requester email", "requester_email"},
	{"requester phone", "requester_phone"},
	{"identifier", "identifiers"},
	{"category", "categories"},
	{"region", "customer_region"},
};

void import_field_message(const char *core_msg, const struct import_value *v, char *out, size_t n)
{
	const char *colon = strchr(core_msg, ':');
	size_t label = colon ? (size_t)(colon - core_msg) : 0;
	const char *field = NULL;
	for (size_t i = 0; colon && i < sizeof renames / sizeof renames[0]; i++)
		if (strlen(renames[i].core) == label && strncmp(core_msg, renames[i].core, label) == 0)
			field = renames[i].field;
	int used;
	if (field)
		used = snprintf(out, n, "%s%s", field, colon);
	else
		used = snprintf(out, n, "%s", core_msg);
	if (used < 0 || (size_t)used >= n || strchr(core_msg, '"'))
		return;
	/* The value, when the message does not already quote it. */
	char name[40];
	snprintf(name, sizeof name, "%.*s", (int)label, core_msg);
	int f = import_field_find(field ? field : name, strlen(field ? field : name));
	if (f < 0 || f >= F_COUNT || !v[f].present || v[f].array)
		return;
	size_t len = v[f].len > 60 ? 60 : v[f].len;
	snprintf(out + used, n - (size_t)used, ": \"%.*s%s\"", (int)len, v[f].s, v[f].len > 60 ? "..." : "");
}

static const char *text_of(const struct import_value *v, enum import_field f)
{
	return v[f].present ? v[f].s : NULL;
}

/* Splits a list (text with ';' between values, or a JSON array of strings) into ptrs; white space
 * around a value and empty values are dropped. */
static bool split_list(const struct import_value *v, enum import_field f, struct buf *b, const char **ptrs, size_t max,
		       size_t *count, char *msg, size_t n)
{
	*count = 0;
	if (!v[f].present)
		return true;
	if (v[f].array) {
		for (size_t i = 0; i < v[f].n_items; i++) {
			const struct json_value *it = &v[f].items[i];
			if (it->type != JSON_STRING) {
				snprintf(msg, n, "%s: value %zu is not a string", import_fields[f], i + 1);
				return false;
			}
			if (strlen(it->s) != it->len) {
				snprintf(msg, n, "%s: value %zu holds a NUL byte", import_fields[f], i + 1);
				return false;
			}
			if (it->len == 0)
				continue;
			if (*count == max)
				goto too_many;
			ptrs[(*count)++] = it->s;
		}
		return true;
	}
	buf_reset(b);
	buf_add(b, v[f].s, v[f].len);
	if (b->oom) {
		snprintf(msg, n, "out of memory");
		return false;
	}
	char *p = b->data, *end = b->data + b->len;
	while (p <= end) {
		char *semi = memchr(p, ';', (size_t)(end - p));
		char *stop = semi ? semi : end;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		char *q = stop;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		*q = '\0';
		if (q > p) {
			if (*count == max)
				goto too_many;
			ptrs[(*count)++] = p;
		}
		p = stop + 1;
	}
	return true;
too_many:
	snprintf(msg, n, "%s: more than %zu values is more than the limit", import_fields[f], max);
	return false;
}

static bool parse_bool(const struct import_value *v, enum import_field f, bool *out, char *msg, size_t n)
{
	*out = false;
	if (!v[f].present)
		return true;
	static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(v[f].s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v[f].s, no[i]) == 0)
			return true;
	}
	snprintf(msg, n, "%s: \"%.40s\" is not one of true, false, yes, no, 1, 0", import_fields[f], v[f].s);
	return false;
}

/* A note's CRLF line ends as LF: exports from some systems write them so inside a field. */
static const char *note_text(const struct import_value *v, struct buf *b)
{
	const char *s = text_of(v, F_NOTE);
	if (!s || !strchr(s, '\r'))
		return s;
	buf_reset(b);
	for (const char *p = s; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_putc(b, *p);
	buf_add(b, "", 0);
	return b->oom ? s : b->data;
}

bool import_record_check(const struct import_value *v, const char *source, struct import_scratch *sc,
			 struct demand_input *in, struct import_extra *x, char *msg, size_t n)
{
	memset(in, 0, sizeof *in);
	memset(x, 0, sizeof *x);
	for (int f = 0; f < F_COUNT; f++) {
		if (v[f].present && !v[f].array && strlen(v[f].s) != v[f].len) {
			snprintf(msg, n, "%s: a NUL byte at byte %zu", import_fields[f], strlen(v[f].s) + 1);
			return false;
		}
	}
	in->source = source;
	in->reference = text_of(v, F_REFERENCE);
	in->received = text_of(v, F_RECEIVED);
	in->channel = text_of(v, F_CHANNEL);
	in->instrument = text_of(v, F_INSTRUMENT);
	in->customer = text_of(v, F_CUSTOMER);
	in->requester.name = text_of(v, F_REQUESTER);
	in->requester.kind = text_of(v, F_REQUESTER_KIND);
	in->requester.agency = text_of(v, F_AGENCY);
	in->requester.jurisdiction = text_of(v, F_JURISDICTION);
	in->requester.contact_name = text_of(v, F_REQUESTER_CONTACT);
	in->requester.email = text_of(v, F_REQUESTER_EMAIL);
	in->requester.phone = text_of(v, F_REQUESTER_PHONE);
	in->response_due = text_of(v, F_DUE);
	in->assignee = text_of(v, F_ASSIGNEE);
	in->note = note_text(v, &sc->note);
	x->customer_name = text_of(v, F_CUSTOMER_NAME);
	x->customer_region = text_of(v, F_CUSTOMER_REGION);
	x->customer_email = text_of(v, F_CUSTOMER_EMAIL);
	size_t nid, ncat;
	if (!parse_bool(v, F_EMERGENCY, &in->emergency, msg, n) ||
	    !split_list(v, F_IDENTIFIERS, &sc->ids, sc->id_ptrs, DEMAND_MAX_IDENTIFIERS, &nid, msg, n) ||
	    !split_list(v, F_CATEGORIES, &sc->cats, sc->cat_ptrs, sizeof sc->cat_ptrs / sizeof sc->cat_ptrs[0], &ncat,
			msg, n))
		return false;
	in->identifiers = sc->id_ptrs;
	in->n_identifiers = nid;
	in->categories = sc->cat_ptrs;
	in->n_categories = ncat;

	struct dk_error e;
	if (demand_check(in, &e) || text_check("customer_name", x->customer_name, TEXT_SHORT_MAX, false, false, &e) ||
	    party_check_email("customer_email", x->customer_email, &e) ||
	    text_check("customer_region", x->customer_region, 40, false, false, &e)) {
		import_field_message(e.msg, v, msg, n);
		return false;
	}
	return true;
}

/* ---- the digest ---- */

/* The content is gathered in one buffer and hashed at once: each field as its length (8 bytes, big
 * endian) and its bytes. */
static void put_str(struct buf *c, const char *s)
{
	uint64_t len = s ? strlen(s) : 0;
	char l[8];
	for (int i = 0; i < 8; i++)
		l[i] = (char)(len >> (56 - 8 * i));
	buf_add(c, l, 8);
	buf_add(c, s ? s : "", len);
}

static void put_time(struct buf *c, const char *s)
{
	int64_t t = 0;
	char num[24] = "";
	if (s && *s && when_parse("time", s, &t, NULL) == DK_OK)
		snprintf(num, sizeof num, "%lld", (long long)t);
	put_str(c, num);
}

struct id_pair {
	const char *kind, *value;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct id_pair *x = a, *y = b;
	int k = strcmp(x->kind, y->kind);
	return k ? k : strcmp(x->value, y->value);
}

int import_record_digest(const struct demand_input *in, const struct import_extra *x, unsigned char out[32])
{
	static EVP_MD *sha256;
	static EVP_MD_CTX *ctx;
	static struct id_pair pairs[DEMAND_MAX_IDENTIFIERS];
	if (!sha256 && !(sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -1;
	if (!ctx && !(ctx = EVP_MD_CTX_new()))
		return -1;
	static struct buf content; /* reused: its size settles after the first records */
	struct buf *c = &content;
	buf_reset(c);
	char cc[3] = "", sub[4] = "", jur[8];
	country_parse_jurisdiction("jurisdiction", in->requester.jurisdiction, cc, sub, NULL);
	snprintf(jur, sizeof jur, "%s%s%s", cc, *sub ? "-" : "", sub);
	unsigned cats = 0;
	for (size_t i = 0; i < in->n_categories; i++)
		cats |= demand_category_parse(in->categories[i]);
	char catbuf[8], emergency[2] = {in->emergency ? '1' : '0', '\0'};
	snprintf(catbuf, sizeof catbuf, "%u", cats);
	put_str(c, in->reference);
	put_time(c, in->received);
	put_str(c, in->channel);
	put_str(c, in->instrument);
	put_str(c, in->customer);
	put_str(c, x->customer_name);
	put_str(c, x->customer_region);
	put_str(c, x->customer_email);
	put_str(c, in->requester.name);
	put_str(c, in->requester.kind);
	put_str(c, in->requester.agency);
	put_str(c, jur);
	put_str(c, in->requester.contact_name);
	put_str(c, in->requester.email);
	put_str(c, in->requester.phone);
	/* Identifiers as a set: sorted, each once. */
	size_t np = 0;
	for (size_t i = 0; i < in->n_identifiers; i++)
		if (demand_identifier_parse(in->identifiers[i], &pairs[np].kind, &pairs[np].value, NULL) == DK_OK)
			np++;
	qsort(pairs, np, sizeof pairs[0], cmp_pair);
	for (size_t i = 0; i < np; i++) {
		if (i && cmp_pair(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		put_str(c, pairs[i].kind);
		put_str(c, pairs[i].value);
	}
	put_str(c, "");
	put_str(c, catbuf);
	put_time(c, in->response_due);
	put_str(c, emergency);
	put_str(c, in->assignee);
	put_str(c, in->note);
	unsigned len = 0;
	int ok = !c->oom && EVP_DigestInit_ex(ctx, sha256, NULL) == 1 && EVP_DigestUpdate(ctx, c->data, c->len) == 1 &&
		 EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
	if (c->oom)
		buf_free(c);
	return ok ? 0 : -1;
}
