#!/bin/sh
# Benchmarks of the foundation, run by hand (not by make check):
#   tests/bench/bench-foundation.sh [BUILD_DIR] [WORK_DIR]
# Builds a database of a million demo demands and times the everyday commands on it, printing
# each figure beside its target. BUILD_DIR holds the docket binary (default build/main); WORK_DIR
# holds the database (default a temporary directory, removed afterwards; give one to keep it).
. "$(dirname "$0")/lib.sh"
db=$work/bench-1m.db
count=${BENCH_COUNT:-1000000}

# Wall-clock seconds of a command, best of N runs (the first warms the page cache).
best_of() {
	n=$1
	shift
	/usr/bin/python3 - "$n" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(n):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if r.returncode not in (0, 1):
        sys.exit("bench: %s exited %d" % (" ".join(cmd), r.returncode))
    best = dt if best is None or dt < best else best
print("%.1f" % (best * 1000))
PY
}

report() { printf '%-34s %10s ms   (target %s)\n' "$1" "$2" "$3"; }

rm -f "$db" "$db-wal" "$db-shm"
report "demo --count $count" "$(best_of 1 "$docket" --db "$db" demo --count "$count" --seed 7)" "60000 ms"
printf '%-34s %10d MB   (target 1536 MB)\n' "database size" "$(($(stat -c %s "$db") / 1048576))"

mid=$((count / 2))
report "list --limit 50" "$(best_of 5 "$docket" --db "$db" list --limit 50)" "30 ms"
report "list --status closed --limit 50" "$(best_of 5 "$docket" --db "$db" list --status closed --limit 50)" "30 ms"
report "list --status in_review --limit 50" "$(best_of 5 "$docket" --db "$db" list --status in_review --limit 50)" "30 ms"
report "show $mid" "$(best_of 5 "$docket" --db "$db" show "$mid")" "30 ms"
report "due" "$(best_of 5 "$docket" --db "$db" due)" "300 ms"

# A move on a demand that allows one: received -> redirecting (no attorney, no guard but
# not_preservation). Each run takes the next such demand.
ids=$("$docket" --db "$db" list --status received --limit 40 --format csv | awk -F, 'NR > 1 && $6 != "preservation" {print $1}' | head -n 20)
times=
for id in $ids; do
	times="$times $(best_of 1 "$docket" --db "$db" --actor hana move "$id" redirecting)"
done
report "move (median of $(echo "$ids" | wc -w))" "$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')" "20 ms"
report "verify" "$(best_of 1 "$docket" --db "$db" verify)" "20000 ms"
