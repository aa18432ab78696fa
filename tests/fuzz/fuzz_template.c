/* fuzz_template.c: libFuzzer harness for the letters' template language (src/template.c).
 *
 * The input is a template, then (after a NUL byte) the values of the fields the letters use (and
 * two more, a and b), separated by NUL bytes, in the order of names[]; a field with no value is
 * empty. The template is rendered as a body and as a letter:
 *   - a success gives a result, a failure a message naming the template and no result;
 *   - the same input renders the same way twice;
 *   - text without "{{" renders as itself;
 *   - a letter's subject is one line, not empty, with no trailing blank: a field that holds a line
 *     break can never add a header to the message.
 * Build with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "template.h"

static const char *const names[] = {
	"customer.contact_email",
	"customer.contact_name",
	"customer.contact_phone",
	"customer.name",
	"customer.tenant",
	"demand.categories",
	"demand.identifiers",
	"demand.instrument",
	"demand.received",
	"demand.reference",
	"demand.response_due",
	"digest.date",
	"digest.due_soon",
	"digest.due_soon_count",
	"digest.late",
	"digest.late_count",
	"digest.notices",
	"digest.notices_count",
	"digest.orders_ending",
	"digest.within_days",
	"letter.date",
	"letter.disclose_after",
	"order.ended",
	"order.reference",
	"order.statute",
	"policy.share_contact",
	"requester.agency",
	"requester.contact_name",
	"requester.jurisdiction",
	"requester.name",
	"a",
	"b",
};
#define NFIELDS (sizeof names / sizeof names[0])

static void check(const char *text, const struct template_field *f, size_t n)
{
	struct dk_error e1 = {0}, e2 = {0};
	char *out1 = NULL, *out2 = NULL;
	enum dk_status s1 = template_render("fuzz", text, f, n, &out1, &e1);
	enum dk_status s2 = template_render("fuzz", text, f, n, &out2, &e2);
	if (s1 != s2 || (!s1 && (!out1 || !out2 || strcmp(out1, out2) != 0)))
		abort();
	if (s1 && (out1 || !e1.msg[0] || strcmp(e1.msg, e2.msg) != 0 || strncmp(e1.msg, "template fuzz", 13) != 0))
		abort();
	if (!strstr(text, "{{") && (s1 || strcmp(out1, text) != 0))
		abort();
	free(out1);
	free(out2);

	char *subject = NULL, *body = NULL;
	struct dk_error e3 = {0};
	enum dk_status s3 = template_render_letter("fuzz", text, f, n, &subject, &body, &e3);
	if (s3) {
		if (subject || body || !e3.msg[0])
			abort();
		return;
	}
	if (!subject || !body)
		abort();
	size_t len = strlen(subject);
	if (!len || strpbrk(subject, "\r\n") || subject[len - 1] == ' ' || subject[len - 1] == '\t')
		abort();
	free(subject);
	free(body);
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
	struct template_field f[NFIELDS];
	size_t used = strlen(copy) + 1;
	for (size_t i = 0; i < NFIELDS; i++) {
		f[i].name = names[i];
		f[i].value = "";
		if (used <= size) {
			f[i].value = copy + used;
			used += strlen(copy + used) + 1;
		}
	}
	check(copy, f, NFIELDS);
	free(copy);
	return 0;
}
