#!/bin/sh
# The model-based test (tests/model) for 100,000 steps on 2 workers, with its timing. Unlike
# tests/model/model.sh (a fixed seed, for `make check`), each run takes a fresh seed, printed so
# that a failure can be replayed:  MODEL_SEED=N sh tests/bench/model-long.sh
#   DOCKET, MODEL_KNOWN, MODEL_ARGS as for tests/model/model.sh; MODEL_STEPS (100000);
#   MODEL_SEED (default: the time now, YYYYMMDDHHMMSS in UTC).
here=$(cd "$(dirname "$0")" && pwd)
: "${MODEL_STEPS:=100000}"
: "${MODEL_SEED:=$(date -u +%Y%m%d%H%M%S)}"
export MODEL_STEPS MODEL_SEED
echo "model-long: seed $MODEL_SEED, $MODEL_STEPS steps"
start=$(date +%s)
sh "$here/../model/model.sh"
rc=$?
end=$(date +%s)
secs=$((end - start))
[ "$secs" -gt 0 ] || secs=1
echo "model-long: seed $MODEL_SEED, $MODEL_STEPS steps in $secs s ($((MODEL_STEPS / secs)) steps/s), exit $rc"
exit "$rc"
