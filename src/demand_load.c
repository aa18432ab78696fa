/* demand_load.c: what loading many demands in one transaction needs beside demand_insert (in
 * demand.c): a cache of the lookups each demand repeats, whether the database has demands yet,
 * finding a demand by its reference, and telling how an input differs from the demand recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "demand_internal.h"
#include "when.h"

/* A string-keyed map of integers with a fixed number of slots: once it is three-quarters full it
 * stops learning, and lookups that miss go to the database as they would without it. */
#define MAP_SLOTS 4096

struct map {
	char *keys[MAP_SLOTS];
	int64_t vals[MAP_SLOTS];
	size_t used;
};

struct demand_cache {
	struct map customers;  /* tenant -> id */
	struct map requesters; /* name, kind, agency, country, subdivision, email -> id */
	struct map covers;     /* customer id, country -> 0 or 1 */
	char key[2048];
};

static size_t map_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001b3ull;
	return (size_t)(h & (MAP_SLOTS - 1));
}

static bool map_get(const struct map *m, const char *k, int64_t *v)
{
	for (size_t i = map_hash(k);; i = (i + 1) & (MAP_SLOTS - 1)) {
		if (!m->keys[i])
			return false;
		if (strcmp(m->keys[i], k) == 0) {
			*v = m->vals[i];
			return true;
		}
	}
}

static void map_put(struct map *m, const char *k, int64_t v)
{
	if (m->used >= MAP_SLOTS * 3 / 4)
		return;
	size_t i = map_hash(k);
	while (m->keys[i])
		i = (i + 1) & (MAP_SLOTS - 1);
	if ((m->keys[i] = strdup(k))) {
		m->vals[i] = v;
		m->used++;
	}
}

static void map_free(struct map *m)
{
	for (size_t i = 0; i < MAP_SLOTS; i++)
		free(m->keys[i]);
}

struct demand_cache *demand_cache_new(void)
{
	return calloc(1, sizeof(struct demand_cache));
}

void demand_cache_free(struct demand_cache **pc)
{
	struct demand_cache *c = *pc;
	if (!c)
		return;
	map_free(&c->customers);
	map_free(&c->requesters);
	map_free(&c->covers);
	free(c);
	*pc = NULL;
}

enum dk_status demand_cache_customer(struct db *db, struct demand_cache *c, const char *tenant, int64_t *id,
				     struct dk_error *err)
{
	if (c && map_get(&c->customers, tenant, id))
		return DK_OK;
	enum dk_status s = customer_find(db, tenant, id, err);
	if (!s && c)
		map_put(&c->customers, tenant, *id);
	return s;
}

/* Fields joined by a separator that text_check lets no field hold; NULL when they do not fit. */
static const char *join_key(struct demand_cache *c, const char *const *parts, size_t n)
{
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i] ? parts[i] : "";
		size_t len = strlen(p);
		if (used + len + 2 > sizeof c->key)
			return NULL;
		memcpy(c->key + used, p, len);
		used += len;
		c->key[used++] = '\x1f';
	}
	c->key[used] = '\0';
	return c->key;
}

enum dk_status demand_cache_requester(struct db *db, struct demand_cache *c, const struct requester_input *in,
				      int64_t *id, struct dk_error *err)
{
	const char *key = NULL;
	if (c) {
		char cc[3] = "", sub[4] = "";
		country_parse_jurisdiction("jurisdiction", in->jurisdiction, cc, sub, NULL);
		const char *parts[] = {in->name, in->kind, in->agency, cc, sub, in->email};
		key = join_key(c, parts, sizeof parts / sizeof parts[0]);
		if (key && map_get(&c->requesters, key, id))
			return DK_OK;
	}
	enum dk_status s = requester_find_or_create(db, in, id, err);
	if (!s && key)
		map_put(&c->requesters, key, *id);
	return s;
}

enum dk_status demand_cache_covers(struct db *db, struct demand_cache *c, int64_t customer_id, const char *country,
				   bool *covers, struct dk_error *err)
{
	char key[40];
	int64_t v;
	snprintf(key, sizeof key, "%lld:%s", (long long)customer_id, country);
	if (c && map_get(&c->covers, key, &v)) {
		*covers = v != 0;
		return DK_OK;
	}
	enum dk_status s = demand_region_covers(db, customer_id, country, covers, err);
	if (!s && c)
		map_put(&c->covers, key, *covers);
	return s;
}

enum dk_status demand_any(struct db *db, bool *any, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM demand)", err);
	if (!st)
		return DK_STORAGE;
	int rc = sqlite3_step(st);
	*any = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "counting demands", err);
}

enum dk_status demand_find_ref(struct db *db, const char *source, const char *reference, int64_t *id,
			       struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM demand WHERE source = ?1 AND reference = ?2", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, source && *source ? source : "manual", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reference, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DK_OK : db_error(db, "finding the demand", err);
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_time(const char *given, int64_t stored)
{
	int64_t t = 0;
	if (given && *given && when_parse("time", given, &t, NULL))
		return false;
	return t == stored;
}

static bool same_identifiers(const struct demand_input *in, const struct demand *d)
{
	/* As sets: every one given is recorded, and as many distinct ones were given as recorded. */
	size_t distinct = 0;
	for (size_t i = 0; i < in->n_identifiers; i++) {
		const char *kind, *value, *k2, *v2;
		if (demand_identifier_parse(in->identifiers[i], &kind, &value, NULL))
			return false;
		bool found = false;
		for (size_t j = 0; j < d->n_identifiers && !found; j++)
			found = strcmp(d->identifier_kinds[j], kind) == 0 && strcmp(d->identifiers[j], value) == 0;
		if (!found)
			return false;
		bool repeat = false;
		for (size_t j = 0; j < i && !repeat; j++)
			repeat = demand_identifier_parse(in->identifiers[j], &k2, &v2, NULL) == DK_OK &&
				 strcmp(k2, kind) == 0 && strcmp(v2, value) == 0;
		distinct += !repeat;
	}
	return distinct == d->n_identifiers;
}

enum dk_status demand_differs(struct db *db, int64_t id, const struct demand_input *in, char *out, size_t n,
			      struct dk_error *err)
{
	struct demand *d = NULL;
	enum dk_status s = demand_get(db, id, &d, err);
	if (s)
		return s;
	char cc[3] = "", sub[4] = "";
	country_parse_jurisdiction("jurisdiction", in->requester.jurisdiction ? in->requester.jurisdiction : "", cc,
				   sub, NULL);
	unsigned requested = 0;
	for (size_t i = 0; i < in->n_categories; i++)
		requested |= demand_category_parse(in->categories[i]);
	struct {
		const char *name;
		bool same;
	} facts[] = {
		{"received", !in->received || !*in->received || same_time(in->received, d->received_at)},
		{"channel", same_text(in->channel, d->channel)},
		{"instrument", same_text(in->instrument, d->instrument)},
		{"customer", same_text(in->customer, d->customer.tenant)},
		{"requester", same_text(in->requester.name, d->requester.name)},
		{"requester_kind", same_text(in->requester.kind, d->requester.kind)},
		{"agency", same_text(in->requester.agency, d->requester.agency)},
		{"jurisdiction", same_text(cc, d->requester.country) && same_text(sub, d->requester.subdivision)},
		{"requester_contact", same_text(in->requester.contact_name, d->requester.contact_name)},
		{"requester_email", same_text(in->requester.email, d->requester.email)},
		{"requester_phone", same_text(in->requester.phone, d->requester.phone)},
		{"identifiers", same_identifiers(in, d)},
		{"categories", requested == d->requested},
		{"due", same_time(in->response_due, d->response_due)},
		{"emergency", in->emergency == d->emergency},
	};
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
		if (!facts[i].same && used < n)
			used += (size_t)snprintf(out + used, n - used, "%s%s", used ? ", " : "", facts[i].name);
	demand_free(&d);
	return DK_OK;
}
