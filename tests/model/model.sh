#!/bin/sh
# The model-based randomized test (tests/model/run.py) as a `make check` style test: exits 0 when
# docket agreed with the reference model on every step, 1 on a disagreement, 77 (skipped) when the
# binary is not a test-clock build or python3 / aiosmtpd is missing.
#
#   DOCKET       the binary (default: build/model/docket, built with configure --enable-test-clock)
#   MODEL_SEED   the seed (default 20261205, fixed so that `make check` is reproducible; for a
#                fresh one each run use tests/bench/model-long.sh or MODEL_SEED=$(date +%s))
#   MODEL_STEPS  total steps, shared by 2 workers (default 10000)
#   MODEL_KNOWN  open findings to step around (FINDINGS.md; none is open, so leave it empty:
#                every disagreement fails)
#   MODEL_ARGS   more arguments for run.py
set -u
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${DOCKET:=$top/build/model/docket}"
: "${MODEL_SEED:=20261205}"
: "${MODEL_STEPS:=10000}"
: "${MODEL_KNOWN:=}"
: "${MODEL_ARGS:=}"

if [ ! -x "$DOCKET" ]; then
	echo "SKIP: no docket binary at $DOCKET (configure --enable-test-clock && make)"
	exit 77
fi
case $("$DOCKET" --version 2>/dev/null) in
*"test clock"*) ;;
*)
	echo "SKIP: $DOCKET is not a test-clock build (configure --enable-test-clock)"
	exit 77
	;;
esac
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import aiosmtpd' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: no python3 with aiosmtpd (apt-get install python3-aiosmtpd)"
	exit 77
fi

known=""
[ -n "$MODEL_KNOWN" ] && known="--known $MODEL_KNOWN"
echo "model test: seed $MODEL_SEED, $MODEL_STEPS steps, 2 workers${MODEL_KNOWN:+, known $MODEL_KNOWN}"
echo "replay: DOCKET=$DOCKET $py $here/run.py --seed $MODEL_SEED --steps $MODEL_STEPS --workers 2 $known"
# shellcheck disable=SC2086
"$py" "$here/run.py" --seed "$MODEL_SEED" --steps "$MODEL_STEPS" --workers 2 --docket "$DOCKET" \
	--python "$py" $known $MODEL_ARGS
rc=$?
echo "model test: seed $MODEL_SEED: exit $rc"
[ "$rc" -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit "$rc"
