/* test_template.c: filling in templates: fields, alternatives, sections, the lines section tags
 * take with them, refusals that name the template, line and field, letters whose subject would
 * break into a second header line, non-ASCII values, and where a template is found. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "template.h"

static const struct template_field fields[] = {
	{"customer.name", "Müller & Søn Ltd"},
	{"customer.contact_name", ""},
	{"customer.contact_email", "legal@mueller.example"},
	{"requester.agency", ""},
	{"requester.name", "Det. Niamh Ó Briain"},
	{"demand.reference", "GJ-2026-114"},
	{"demand.identifiers", "        email: a@b.example\n        ip: 198.51.100.7"},
	{"order.ended", ""},
	{"letter.city", "東京"},
};
#define NF (sizeof fields / sizeof fields[0])

/* Renders and returns the text (freed by the caller), failing the test when refused. */
static char *ok(const char *text)
{
	char *out = NULL;
	struct dk_error err = {0};
	enum dk_status s = template_render("redirect", text, fields, NF, &out, &err);
	if (s)
		print_error("refused: %s\n", err.msg);
	assert_int_equal(s, DK_OK);
	assert_non_null(out);
	return out;
}

static void expect(const char *text, const char *want)
{
	char *out = ok(text);
	if (strcmp(out, want) != 0)
		print_error("template:\n%s\ngave:\n%s\nwanted:\n%s\n", text, out, want);
	assert_string_equal(out, want);
	free(out);
}

/* A refusal: DK_INVALID and a message holding each needle. */
static void refused(const char *text, const char *needle1, const char *needle2)
{
	char *out = NULL;
	struct dk_error err = {0};
	assert_int_equal(template_render("redirect", text, fields, NF, &out, &err), DK_INVALID);
	assert_null(out);
	FX_CONTAINS(err.msg, "template redirect");
	FX_CONTAINS(err.msg, needle1);
	if (needle2)
		FX_CONTAINS(err.msg, needle2);
}

static void test_fields(void **state)
{
	(void)state;
	expect("Ref {{demand.reference}}.", "Ref GJ-2026-114.");
	expect("{{ demand.reference }}", "GJ-2026-114");
	expect("no placeholders\n", "no placeholders\n");
	expect("", "");
	/* Non-ASCII values go through byte for byte. */
	expect("Dear {{customer.name}} in {{letter.city}}", "Dear Müller & Søn Ltd in 東京");
	/* Alternatives: the first that is not empty. */
	expect("Dear {{customer.contact_name|customer.name}},", "Dear Müller & Søn Ltd,");
	expect("{{requester.agency|requester.name}}", "Det. Niamh Ó Briain");
	/* Multi-line values keep their lines. */
	expect("Named:\n{{demand.identifiers}}\n", "Named:\n        email: a@b.example\n        ip: 198.51.100.7\n");
	/* Comments disappear, with their line when alone on it. */
	expect("a\n{{! a note for whoever edits this }}\nb", "a\nb");
	expect("a {{! inline }}b", "a b");
}

static void test_refusals(void **state)
{
	(void)state;
	/* Unknown and empty fields are refused with the line they are on. */
	refused("line one\n\nDear {{requester.agnecy}},", "line 3", "unknown field \"requester.agnecy\"");
	refused("From {{requester.agency}}", "line 1", "\"requester.agency\" is empty for this demand");
	refused("{{customer.contact_name|requester.agency}}", "customer.contact_name|requester.agency", "empty");
	refused("{{customer.contact_name|nope.nope}}", "unknown field \"nope.nope\"", NULL);
	/* An unknown name is refused even where the section around it is left out. */
	refused("{{#order.ended}}ended {{order.endde}}{{/order.ended}}", "unknown field \"order.endde\"", NULL);
	refused("{{#order.edned}}x{{/order.edned}}", "unknown field \"order.edned\"", NULL);
	/* Broken syntax. */
	refused("Dear {{customer.name", "line 1", "without \"}}\"");
	refused("Dear {{customer.name\n}}", "without \"}}\"", NULL);
	refused("{{#order.ended}}never closed", "never closed", NULL);
	refused("{{/order.ended}}", "closes no open section", NULL);
	refused("{{#order.ended}}{{/customer.name}}", "closes no open section", NULL);
	refused("{{Customer.Name}}", "is not a field name", NULL);
	refused("{{}}", "is not a field name", NULL);
	refused("{{customer.name|}}", "is not a field name", NULL);
}

static void test_sections(void **state)
{
	(void)state;
	expect("a{{#customer.name}} b{{/customer.name}} c", "a b c");
	expect("a{{#order.ended}} b{{/order.ended}} c", "a c");
	expect("a{{^order.ended}} b{{/order.ended}} c", "a b c");
	expect("a{{^customer.name}} b{{/customer.name}} c", "a c");
	/* An empty field inside a section left out is not a refusal: that is what sections are for. */
	expect("{{#order.ended}}Ended {{order.ended}}.{{/order.ended}}", "");
	/* Section tags alone on their lines take the lines with them, indented or not. */
	expect("Dear X,\n{{#customer.contact_email}}\nE-mail: {{customer.contact_email}}\n{{/customer.contact_email}}\n"
	       "Bye\n",
	       "Dear X,\nE-mail: legal@mueller.example\nBye\n");
	expect("Dear X,\n  {{#order.ended}}\nEnded.\n  {{/order.ended}}\nBye\n", "Dear X,\nBye\n");
	expect("{{^order.ended}}\nin force\n{{/order.ended}}", "in force\n");
	/* Nested. */
	expect("{{#customer.name}}[{{#order.ended}}x{{/order.ended}}{{^order.ended}}y{{/order.ended}}]{{/"
	       "customer.name}}",
	       "[y]");
	expect("{{^customer.name}}{{#customer.name}}z{{/customer.name}}{{/customer.name}}ok", "ok");
}

static void letter(const char *text, enum dk_status want, const char *subject, const char *body, const char *needle)
{
	char *s = NULL, *b = NULL;
	struct dk_error err = {0};
	enum dk_status got = template_render_letter("advance", text, fields, NF, &s, &b, &err);
	if (got != want)
		print_error("status %d, wanted %d: %s\n", (int)got, (int)want, err.msg);
	assert_int_equal(got, want);
	if (want == DK_OK) {
		assert_string_equal(s, subject);
		assert_string_equal(b, body);
	} else {
		assert_null(s);
		assert_null(b);
		FX_CONTAINS(err.msg, "template advance");
		FX_CONTAINS(err.msg, needle);
	}
	free(s);
	free(b);
}

static void test_letters(void **state)
{
	(void)state;
	letter("Subject: Notice {{demand.reference}}\n\nDear {{customer.name}}\n", DK_OK, "Notice GJ-2026-114",
	       "Dear Müller & Søn Ltd\n", NULL);
	letter("Subject:   Für {{customer.name}}  \n\nx", DK_OK, "Für Müller & Søn Ltd", "x", NULL);
	/* The body's lines are counted from the top of the file. */
	letter("Subject: x\n\nok\n{{nope.nope}}", DK_INVALID, NULL, NULL, "line 4");
	letter("Dear {{customer.name}}\n", DK_INVALID, NULL, NULL, "starts with a \"Subject:\" line");
	letter("Subject: x\nDear\n", DK_INVALID, NULL, NULL, "followed by a blank line");
	letter("Subject: x", DK_INVALID, NULL, NULL, "followed by a blank line");
	letter("Subject: {{order.ended}}\n\nx", DK_INVALID, NULL, NULL, "\"order.ended\" is empty");
	letter("Subject: {{^order.ended}}{{/order.ended}}\n\nx", DK_INVALID, NULL, NULL, "subject is empty");
	/* A field with two lines in the subject would write a second header: refused. */
	letter("Subject: Re {{demand.identifiers}}\n\nx", DK_INVALID, NULL, NULL, "line break");
	/* A section cannot open in the subject and close in the body. */
	letter("Subject: {{#customer.name}}x\n\n{{/customer.name}}", DK_INVALID, NULL, NULL, "never closed");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_lookup(void **state)
{
	struct fx *fx = *state;
	char path[FX_PATH_MAX], dir[FX_PATH_MAX];
	setenv("XDG_CONFIG_HOME", fx->dir, 1);
	char *text = NULL, *source = NULL;
	struct dk_error err = {0};
	/* Every kind has a default compiled in, used when no file overrides it. */
	static const char *const kinds[] = {"redirect", "advance", "delayed", "digest"};
	for (size_t i = 0; i < 4; i++) {
		assert_non_null(template_builtin(kinds[i]));
		assert_int_equal(template_load(kinds[i], &text, &source, &err), DK_OK);
		assert_string_equal(text, template_builtin(kinds[i]));
		assert_true(strncmp(text, "Subject: ", 9) == 0);
		free(text), free(source);
	}
	assert_null(template_builtin("ransom"));
	assert_int_equal(template_load("ransom", &text, &source, &err), DK_INVALID);
	FX_CONTAINS(err.msg, "no such template");
	assert_int_equal(template_load("../../etc/passwd", &text, &source, &err), DK_INVALID);
	FX_CONTAINS(err.msg, "not a template name");

	/* A file in the user's config overrides the default, and says where it came from. */
	fx_file(fx, "docket", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	fx_file(fx, "docket/templates", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	fx_file(fx, "docket/templates/redirect.txt", path);
	write_file(path, "Subject: ours\n\nOur own letter.\n");
	assert_int_equal(template_load("redirect", &text, &source, &err), DK_OK);
	assert_string_equal(text, "Subject: ours\n\nOur own letter.\n");
	assert_string_equal(source, path);
	free(text), free(source);
	/* Others still come from the defaults. */
	assert_int_equal(template_load("advance", &text, &source, &err), DK_OK);
	assert_string_equal(source, "built-in");
	free(text), free(source);
	/* CRLF line ends, as a Windows editor saves them, read as LF. */
	write_file(path, "Subject: ours\r\n\r\nLine one.\r\nLine two.\r\n");
	assert_int_equal(template_load("redirect", &text, &source, &err), DK_OK);
	assert_string_equal(text, "Subject: ours\n\nLine one.\nLine two.\n");
	free(text), free(source);
	/* A file that is not UTF-8 text is refused, naming it. */
	write_file(path, "Subject: \xff\n\nx");
	assert_int_equal(template_load("redirect", &text, &source, &err), DK_INVALID);
	FX_CONTAINS(err.msg, path);
	FX_CONTAINS(err.msg, "not UTF-8");
	unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_letters),
		cmocka_unit_test_setup_teardown(test_lookup, fx_setup_dir, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
