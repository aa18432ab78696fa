#!/bin/sh
# run.sh SECONDS JOBS SRCDIR NAME...: runs each fuzz harness tests/fuzz/fuzz_NAME (built by `make
# fuzz`) for SECONDS on its seed corpus SRCDIR/corpus/NAME (and its dictionary SRCDIR/NAME.dict,
# if any), JOBS at a time. New inputs go to tests/fuzz/run-NAME, never to the repository's corpus;
# a crash, leak, timeout or sanitizer report leaves its input in tests/fuzz/crash-NAME-* and fails
# the run. Prints each harness's runs and coverage, and the CPU time spent in all.
set -u
seconds=$1
jobs=$2
src=$(cd "$3" && pwd)
shift 3
# Absolute paths: the command-line harness works in a directory of its own.
here=$(pwd)
failed=0
start=$(date +%s)
# The harnesses in batches of JOBS (each runs for the same time); the status of each in a file.
running=0
for name in "$@"; do
	run=$here/tests/fuzz/run-$name
	rm -rf "$run" tests/fuzz/crash-"$name"-*
	mkdir -p "$run" tests/fuzz/tmp-"$name"
	dict=""
	[ -f "$src/$name.dict" ] && dict="-dict=$src/$name.dict"
	(
		TMPDIR=$here/tests/fuzz/tmp-$name
		export TMPDIR
		# shellcheck disable=SC2086
		tests/fuzz/fuzz_"$name" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=8192 \
			-print_final_stats=1 -artifact_prefix="$here/tests/fuzz/crash-$name-" $dict \
			"$run" "$src/corpus/$name" >tests/fuzz/"$name".log 2>&1
		echo $? >tests/fuzz/"$name".status
	) &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
cpu=0
for name in "$@"; do
	st=$(cat tests/fuzz/"$name".status 2>/dev/null || echo 1)
	log=tests/fuzz/$name.log
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	cpu=$((cpu + ${secs:-$seconds}))
	if [ "$st" -eq 0 ]; then
		echo "fuzz_$name: ${runs:-?} runs, ${cov:-cov: ?}, ${secs:-?} s, no crash"
	else
		failed=1
		echo "fuzz_$name: FAILED (exit status $st); the input is in tests/fuzz/crash-$name-*:"
		grep -E 'ERROR|SUMMARY|fuzz_cli:|Test unit written|^    #[0-9]+ ' "$log" | head -n 40
	fi
	rm -rf tests/fuzz/tmp-"$name"
done
echo "fuzzing: $# harnesses, $cpu CPU-seconds in $(($(date +%s) - start)) s of wall time"
exit "$failed"
