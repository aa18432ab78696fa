/* cli.h: the `docket` command line: shared context, option helpers and output. */
#ifndef DOCKET_CLI_H
#define DOCKET_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "db.h"
#include "staff.h"
#include "status.h"
#include "table.h"

struct cli {
	const char *db_opt;    /* --db */
	const char *actor_opt; /* --actor */
	struct db *db;
	struct acting who;
	const char *prog;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage;   /* the synopsis after "docket " */
	const char *summary; /* one line */
	const char *help;    /* the options, one per line */
};

extern const struct cli_command cli_commands[];

/* The whole command line: global options, then the command; returns the exit status. It keeps no
 * state from one call to the next (getopt's is reset), so that it can run many times in one
 * process. */
int cli_main(int argc, char **argv);

/* Prints "docket: MESSAGE" on stderr (neutralised) and returns the status as an exit code. */
int cli_fail(const struct dk_error *err);
/* Prints "docket: PATH: strerror(e)" (the path neutralised); returns DK_STORAGE. */
int cli_fail_path(const char *path, int e);
/* For usage errors found by the CLI itself: exit status 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the command's help on stdout; returns 0. */
int cli_help(const char *cmd);

/* Parses the command's options with getopt_long, handling --help, --db and --actor for every
 * command. Returns the option character, -1 at the end, or '?' after printing a usage error. */
struct option;
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts, const struct option *longopts);
/* Set by cli_getopt when --help was given; the command prints its help and returns 0. */
extern bool cli_want_help;

/* Opens the database (creating it when mode is DB_CREATE); prints any warning. */
int cli_open(struct cli *c, enum db_mode mode);
/* Checks that the login (or --actor) may write. */
int cli_acting(struct cli *c);
/* Parses a demand id; 0 (after printing why) when it is not one. */
int64_t cli_demand_id(const char *cmd, const char *s);
/* Parses a positive count. */
bool cli_parse_count(const char *s, int64_t *out);

enum cli_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };
/* Parses --format; allowed is a mask of (1 << enum cli_format). */
bool cli_parse_format(const char *cmd, const char *s, unsigned allowed, enum cli_format *out);

/* Begins a table whose first row is the header (columns left-aligned); table_print writes it to out. */
void cli_table_begin(struct table *t, size_t ncols, const char *const *header);
void table_print(const struct table *t, FILE *out);

/* A listing in any format: an aligned table for people, or JSON (an array of objects) or CSV
 * (a header row, then RFC 4180 rows) for programs. JSON and CSV rows are streamed. */
struct listing {
	enum cli_format format;
	size_t ncols;
	const char *const *keys; /* JSON keys and CSV header */
	unsigned raw;            /* bit i: column i is a JSON number or boolean, written unquoted */
	struct table table;
	struct buf out;
	int64_t rows;
};
void listing_begin(struct listing *l, enum cli_format f, size_t ncols, const char *const *keys,
		   const char *const *header, unsigned raw);
/* cells are what the table shows; vals what JSON and CSV carry (NULL is null, or an empty cell). */
void listing_row(struct listing *l, const char *const *cells, const char *const *vals);
/* Prints what is left (none when there were no rows, for the table); returns an exit status. */
int listing_end(struct listing *l, const char *none);

/* Writes s with control characters neutralised. */
void cli_put_safe(FILE *out, const char *s);

int cli_cmd_init(struct cli *c, int argc, char **argv);
int cli_cmd_demo(struct cli *c, int argc, char **argv);
int cli_cmd_customer(struct cli *c, int argc, char **argv);
int cli_cmd_staff(struct cli *c, int argc, char **argv);
int cli_cmd_requester(struct cli *c, int argc, char **argv);
int cli_cmd_add(struct cli *c, int argc, char **argv);
int cli_cmd_import(struct cli *c, int argc, char **argv);
int cli_cmd_list(struct cli *c, int argc, char **argv);
int cli_cmd_show(struct cli *c, int argc, char **argv);
int cli_cmd_move(struct cli *c, int argc, char **argv);
int cli_cmd_assign(struct cli *c, int argc, char **argv);
int cli_cmd_note(struct cli *c, int argc, char **argv);
int cli_cmd_order(struct cli *c, int argc, char **argv);
int cli_cmd_authenticate(struct cli *c, int argc, char **argv);
int cli_cmd_extend(struct cli *c, int argc, char **argv);
int cli_cmd_notice(struct cli *c, int argc, char **argv);
int cli_cmd_due(struct cli *c, int argc, char **argv);
int cli_cmd_outbox(struct cli *c, int argc, char **argv);
int cli_cmd_report(struct cli *c, int argc, char **argv);
int cli_cmd_verify(struct cli *c, int argc, char **argv);
int cli_cmd_backup(struct cli *c, int argc, char **argv);
int cli_cmd_ui(struct cli *c, int argc, char **argv);

#endif
