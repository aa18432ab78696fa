/* fuzz_record.c: libFuzzer harness for the import's record checker (src/import_record.c).
 *
 * The input is one record: its fields in the order of import_fields[], separated by 0xFF bytes (a
 * byte that UTF-8 never uses); an empty field is absent. A list field (identifiers, categories)
 * that starts with 0xFE is a JSON array instead, its items separated by 0xFE, an item starting
 * with '#' a number. Each record is checked, and then:
 *   - a record the checker accepts holds no control character anywhere (a note may hold newlines
 *     and tabs), is valid UTF-8, and gets the same digest whatever the order of its identifiers;
 *   - a record it refuses has a message;
 *   - every field, neutralised for a terminal, holds no control character and is valid UTF-8.
 * Build with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"
#include "text.h"

#define SEP  0xff
#define ISEP 0xfe

static void no_controls(const char *s, size_t n, bool multiline)
{
	if (!text_utf8_valid(s, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
			abort();
		/* C1 controls: U+0080..U+009F, encoded C2 80..C2 9F */
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
			abort();
	}
}

static void check_neutralised(const char *s)
{
	char *n = text_neutralise(s, false);
	if (!n)
		return;
	no_controls(n, strlen(n), false);
	char fit[64];
	size_t w = text_fit(n, 20, fit, sizeof fit);
	if (w > 20 || strlen(fit) >= sizeof fit)
		abort();
	free(n);
	n = text_neutralise(s, true);
	if (n)
		no_controls(n, strlen(n), true);
	free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	struct import_value v[F_COUNT];
	memset(v, 0, sizeof v);
	struct json_value items[2][64];
	size_t f = 0, start = 0;
	for (size_t i = 0; i <= size && f < F_COUNT; i++) {
		if (i < size && (unsigned char)copy[i] != SEP)
			continue;
		copy[i] = '\0';
		char *s = copy + start;
		size_t len = i - start;
		start = i + 1;
		int list = f == F_IDENTIFIERS ? 0 : f == F_CATEGORIES ? 1 : -1;
		if (list >= 0 && len && (unsigned char)s[0] == ISEP) {
			size_t n = 0, a = 1;
			for (size_t j = 1; j <= len && n < 64; j++) {
				if (j < len && (unsigned char)s[j] != ISEP)
					continue;
				s[j] = '\0';
				bool num = j > a && s[a] == '#';
				items[list][n++] = (struct json_value){
					.type = num ? JSON_NUMBER : JSON_STRING, .s = s + a + num, .len = j - a - num};
				a = j + 1;
			}
			v[f] = (struct import_value){
				.present = n > 0, .items = items[list], .n_items = n, .array = true};
		} else if (len) {
			v[f] = (struct import_value){.present = true, .s = s, .len = len};
		}
		f++;
	}

	struct import_scratch sc;
	memset(&sc, 0, sizeof sc);
	struct demand_input in;
	struct import_extra x;
	char msg[DK_ERROR_MAX + 200] = "";
	if (import_record_check(v, "fuzz", &sc, &in, &x, msg, sizeof msg)) {
		const char *texts[] = {in.reference,
				       in.received,
				       in.channel,
				       in.instrument,
				       in.customer,
				       in.requester.name,
				       in.requester.kind,
				       in.requester.agency,
				       in.requester.jurisdiction,
				       in.requester.contact_name,
				       in.requester.email,
				       in.requester.phone,
				       in.response_due,
				       in.assignee,
				       x.customer_name,
				       x.customer_region,
				       x.customer_email};
		for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
			if (texts[i])
				no_controls(texts[i], strlen(texts[i]), false);
		if (in.note)
			no_controls(in.note, strlen(in.note), true);
		for (size_t i = 0; i < in.n_identifiers; i++)
			no_controls(in.identifiers[i], strlen(in.identifiers[i]), false);
		if (!in.reference || !in.channel || !in.customer || !in.requester.name)
			abort();
		unsigned char d1[32], d2[32];
		if (import_record_digest(&in, &x, d1))
			abort();
		/* The identifiers are a set: reversed, the digest is the same. */
		const char *rev[DEMAND_MAX_IDENTIFIERS];
		for (size_t i = 0; i < in.n_identifiers; i++)
			rev[i] = in.identifiers[in.n_identifiers - 1 - i];
		in.identifiers = rev;
		if (import_record_digest(&in, &x, d2) || memcmp(d1, d2, sizeof d1) != 0)
			abort();
	} else {
		if (!msg[0])
			abort();
	}
	for (size_t i = 0; i < F_COUNT; i++)
		if (v[i].present && !v[i].array)
			check_neutralised(v[i].s);
	import_scratch_free(&sc);
	free(copy);
	return 0;
}
