/* schema.h: the migrations in schema/, compiled into the program (see scripts/embed.sh). */
#ifndef DOCKET_SCHEMA_H
#define DOCKET_SCHEMA_H

struct schema_migration {
	int version;      /* the number the file name starts with */
	const char *name; /* the file name */
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

#endif
