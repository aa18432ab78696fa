#!/bin/sh
# Four writers and a reader on one database for 30 s (see load.py): two importers, two movers
# colliding on the same demands, a reader polling as the UI does. No write lost, no "database is
# locked", every refusal clear, the audit chain intact. Set LOAD_SEED to replay, LOAD_SECONDS to
# run longer.
. "$(dirname "$0")/lib.sh"
if [ -n "${DOCKET_CHECK_AGAIN:-}" ]; then
	echo "load.sh: run in full in the builds before this one (DOCKET_CHECK_AGAIN); not again"
	exit 77
fi
/usr/bin/python3 "$top_srcdir/tests/e2e/load.py" "$DOCKET" "$T" || fail "the load test failed"
