#!/bin/sh
# Crash consistency: docket demo, workflow moves, import and outbox send killed with SIGKILL at
# seeded random points (see crash.py). Set CRASH_SEED to replay a failure.
. "$(dirname "$0")/lib.sh"
if [ -n "${DOCKET_CHECK_AGAIN:-}" ]; then
	echo "crash.sh: run in full in the builds before this one (DOCKET_CHECK_AGAIN); not again"
	exit 77
fi
/usr/bin/python3 "$top_srcdir/tests/e2e/crash.py" "$DOCKET" "$T" || fail "crash test failed"
