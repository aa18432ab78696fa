/* demand_internal.h: what demand.c and demand_load.c share. */
#ifndef DOCKET_DEMAND_INTERNAL_H
#define DOCKET_DEMAND_INTERNAL_H

#include "db_internal.h"
#include "demand.h"

/* Whether the requester's country answers for the customer's data region. */
enum dk_status demand_region_covers(struct db *db, int64_t customer_id, const char *country, bool *covers,
				    struct dk_error *err);

/* The lookups insert_demand makes, through the cache when there is one (cache may be NULL). */
enum dk_status demand_cache_requester(struct db *db, struct demand_cache *cache, const struct requester_input *in,
				      int64_t *id, struct dk_error *err);
enum dk_status demand_cache_covers(struct db *db, struct demand_cache *cache, int64_t customer_id, const char *country,
				   bool *covers, struct dk_error *err);

#endif
