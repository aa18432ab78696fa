/* fuzz_csv.c: libFuzzer harness for the streaming CSV reader (src/csv.c).
 *
 * The input is read twice, whole and in pieces whose sizes come from its first byte, with small
 * limits so that they are reached; both readings must hand over the same records (a hash of them),
 * and every record must hold together: each field NUL-terminated within the limits, the raw text
 * present unless the record was too long. Build with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct seen {
	uint64_t hash;
	size_t records;
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ s[i]) * 0x100000001b3ull;
}

static const struct csv_limits lim = {.field_max = 64, .fields_max = 8, .record_max = 256};

static enum dk_status on_record(void *ctx, const struct csv_record *rec, struct dk_error *err)
{
	(void)err;
	struct seen *sn = ctx;
	if (rec->n < 1 || rec->n > lim.fields_max)
		abort();
	for (size_t i = 0; i < rec->n; i++) {
		if (rec->fields[i].len > lim.field_max || rec->fields[i].s[rec->fields[i].len] != '\0')
			abort();
		mix(&sn->hash, rec->fields[i].s, rec->fields[i].len);
		mix(&sn->hash, "|", 1);
	}
	if (rec->raw) {
		if (rec->raw_len > lim.record_max)
			abort();
		mix(&sn->hash, rec->raw, rec->raw_len);
	} else if (!rec->error) {
		abort(); /* the raw text is only dropped for a record in error */
	}
	if (rec->error)
		mix(&sn->hash, rec->error, strlen(rec->error));
	mix(&sn->hash, &rec->line, sizeof rec->line);
	mix(&sn->hash, &rec->index, sizeof rec->index);
	sn->records++;
	/* a callback may stop the reading */
	return rec->index == 1000 ? DK_INVALID : DK_OK;
}

static uint64_t read_all(const uint8_t *data, size_t size, size_t step, struct dk_error *err, enum dk_status *st)
{
	struct seen sn = {.hash = 0xcbf29ce484222325ull};
	struct csv_reader *r = csv_new("fuzz", &lim, on_record, &sn);
	if (!r)
		abort();
	*st = DK_OK;
	for (size_t off = 0; off < size && !*st; off += step)
		*st = csv_feed(r, (const char *)data + off, size - off < step ? size - off : step, err);
	if (!*st)
		*st = csv_finish(r, err);
	csv_free(&r);
	mix(&sn.hash, st, sizeof *st);
	return sn.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	data++, size--;
	struct dk_error e1 = {0}, e2 = {0};
	enum dk_status s1, s2;
	uint64_t whole = read_all(data, size, size ? size : 1, &e1, &s1);
	uint64_t parts = read_all(data, size, step, &e2, &s2);
	if (whole != parts || s1 != s2 || strcmp(e1.msg, e2.msg) != 0)
		abort();
	return 0;
}
