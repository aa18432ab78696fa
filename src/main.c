/* main.c: the docket program: the locale, then the command line (cli_main.c). */
#include <locale.h>
#include <stdlib.h>

#include "config.h"

#include "cli.h"
#include "when.h"

int main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "");
#ifdef DOCKET_TEST_CLOCK
	/* Only in a test build (configure --enable-test-clock): the time the test chose. */
	const char *now = getenv("DOCKET_TEST_NOW");
	if (now && *now)
		when_set_test_now(strtoll(now, NULL, 10));
#endif
	return cli_main(argc, argv);
}
