/* main.c: the docket program: the locale, then the command line (cli_main.c). */
#include <locale.h>

#include "cli.h"

int main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "");
	return cli_main(argc, argv);
}
