#!/bin/sh
# Crash consistency: docket demo, workflow moves, import and outbox send killed with SIGKILL at
# seeded random points (see crash.py). Set CRASH_SEED to replay a failure.
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$top_srcdir/tests/e2e/crash.py" "$DOCKET" "$T" || fail "crash test failed"
