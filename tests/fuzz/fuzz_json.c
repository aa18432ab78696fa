/* fuzz_json.c: libFuzzer harness for the streaming JSON and NDJSON reader (src/json.c).
 *
 * The first byte chooses the mode (array or lines) and the size of the pieces; the rest is read
 * whole and in pieces, with a small record limit, and both readings must hand over the same records
 * (a hash of them). Every value must hold together: strings NUL-terminated, other types empty,
 * array items only for arrays. Build with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define RECORD_MAX 512

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ s[i]) * 0x100000001b3ull;
}

static void check_value(uint64_t *h, const struct json_value *v, bool item)
{
	if (v->s[v->len] != '\0')
		abort();
	if (v->type != JSON_STRING && v->type != JSON_NUMBER && v->len != 0)
		abort();
	if (v->type != JSON_ARRAY_VALUE && (v->items || v->n_items))
		abort();
	if (item && (v->type == JSON_ARRAY_VALUE || v->type == JSON_OBJECT_VALUE))
		abort(); /* items are scalars */
	mix(h, &v->type, sizeof v->type);
	mix(h, v->s, v->len);
	mix(h, &v->nested, sizeof v->nested);
	for (size_t i = 0; i < v->n_items; i++)
		check_value(h, &v->items[i], true);
}

static enum dk_status on_record(void *ctx, const struct json_record *rec, struct dk_error *err)
{
	(void)err;
	uint64_t *h = ctx;
	if (rec->error && rec->n)
		abort();
	if (!rec->raw && !rec->error)
		abort();
	if (rec->raw && rec->raw_len > RECORD_MAX)
		abort();
	for (size_t i = 0; i < rec->n; i++) {
		if (rec->members[i].key[rec->members[i].key_len] != '\0')
			abort();
		mix(h, rec->members[i].key, rec->members[i].key_len);
		check_value(h, &rec->members[i].value, false);
	}
	if (rec->raw)
		mix(h, rec->raw, rec->raw_len);
	if (rec->error)
		mix(h, rec->error, strlen(rec->error));
	mix(h, &rec->index, sizeof rec->index);
	mix(h, &rec->line, sizeof rec->line);
	return rec->index == 1000 ? DK_INVALID : DK_OK;
}

static uint64_t read_all(enum json_mode mode, const uint8_t *data, size_t size, size_t step, struct dk_error *err,
			 enum dk_status *st)
{
	uint64_t h = 0xcbf29ce484222325ull;
	struct json_reader *r = json_new("fuzz", mode, RECORD_MAX, on_record, &h);
	if (!r)
		abort();
	*st = DK_OK;
	for (size_t off = 0; off < size && !*st; off += step)
		*st = json_feed(r, (const char *)data + off, size - off < step ? size - off : step, err);
	if (!*st)
		*st = json_finish(r, err);
	json_free(&r);
	mix(&h, st, sizeof *st);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum json_mode mode = data[0] & 1 ? JSON_LINES : JSON_ARRAY;
	size_t step = (size_t)(data[0] >> 1) % 13 + 1;
	data++, size--;
	struct dk_error e1 = {0}, e2 = {0};
	enum dk_status s1, s2;
	uint64_t whole = read_all(mode, data, size, size ? size : 1, &e1, &s1);
	uint64_t parts = read_all(mode, data, size, step, &e2, &s2);
	if (whole != parts || s1 != s2 || strcmp(e1.msg, e2.msg) != 0)
		abort();
	return 0;
}
