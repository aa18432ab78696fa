#!/bin/sh
# Benchmark of docket report, run by hand (not by make check):
#   tests/bench/bench-report.sh [BUILD_DIR] [WORK_DIR]
# On a database of a million demo demands, times a quarter's report in each format against the
# sqlite3 shell running the same aggregate statements on the same file, side by side in one run
# (best of five each, interleaved), and the report's peak memory. The shell's statements are
# docket's own: they are taken from src/report.c through the C preprocessor, so that the two
# sides cannot drift apart. BUILD_DIR holds the docket binary (default build/main); WORK_DIR
# holds the database (default a temporary directory, removed afterwards; give one to keep it, and
# a later run reuses it).
. "$(dirname "$0")/lib.sh"
bench_needs sqlite3
db=$work/bench-report-1m.db
count=${BENCH_COUNT:-1000000}
quarter=2026Q3
as_of=2026-10-01

if [ ! -s "$db" ]; then
	start=$(date +%s.%N)
	"$docket" --db "$db" demo --count "$count" --seed 7 --as-of "$as_of" >/dev/null
	printf '%-40s %8.0f ms   (target 60000 ms)\n' "demo --count $count" \
		"$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print (b - a) * 1000}')"
fi

# The report's statements, with the period's parameters, and the trend's statement again for
# the three quarters before.
cc=${CC:-cc}
$cc -E -P -I"$top/src" -I"$build" -I"$build/src" "$top/src/report.c" >"$work/report.i"
/usr/bin/python3 - "$work/report.i" "$quarter" "$as_of" >"$work/report.sql" <<'PY'
import datetime, re, sys
src = open(sys.argv[1]).read()
year, q = int(sys.argv[2][:4]), int(sys.argv[2][5])
as_of = int(datetime.datetime.fromisoformat(sys.argv[3]).replace(tzinfo=datetime.timezone.utc).timestamp())
def quarter(y, q):
    start = datetime.datetime(y, 3 * q - 2, 1, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=datetime.timezone.utc)
    return int(start.timestamp()), int(end.timestamp())
stmts = []
for m in re.finditer(r'db_stmt\(\s*db\s*,((?:\s*"(?:[^"\\]|\\.)*")+)\s*,\s*err\s*\)', src):
    stmts.append("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
assert len(stmts) == 7, "expected the report's 7 statements, found %d" % len(stmts)
trend = [s for s in stmts if s.startswith("SELECT count(*), count(*) FILTER (WHERE d.closed_at")]
assert len(trend) == 1, trend
start, end = quarter(year, q)
out = [".parameter init"]
def params(a, b):
    out.extend([".parameter set ?1 %d" % a, ".parameter set ?2 %d" % b, ".parameter set ?3 %d" % min(as_of, end - 1)])
params(start, end)
out += [s + ";" for s in stmts]
for k in range(3):
    q -= 1
    if q == 0:
        year, q = year - 1, 4
    params(*quarter(year, q))
    out.append(trend[0] + ";")
print("\n".join(out))
PY

# Runs the commands given as one argument each, interleaved, five rounds; prints for each the best
# wall time (ms) and the peak resident memory (KB), one line each.
/usr/bin/python3 - "$db" "$work/report.sql" "$docket" "$quarter" "$as_of" <<'PY'
import os, subprocess, sys, time
db, sql, docket, quarter, as_of = sys.argv[1:]
runs = {"sqlite3 shell, the same statements": ["sqlite3", "-bail", db]}
for f in ("text", "csv", "json", "html"):
    runs["report --format " + f] = [docket, "--db", db, "report", "--quarter", quarter, "--as-of", as_of, "--format", f]
# One run first, not measured: it applies any migration a database from an older docket needs.
subprocess.run(runs["report --format text"], stdout=subprocess.DEVNULL, check=True)
best, peak = {}, {}
for _ in range(5):
    for name, cmd in runs.items():
        t = time.perf_counter()
        with open(sql) if name.startswith("sqlite3") else open(os.devnull) as stdin:
            p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(p.pid, 0)
        dt = (time.perf_counter() - t) * 1000
        if status != 0:
            sys.exit("bench: %s failed: %s" % (" ".join(cmd), p.stderr.read().decode()))
        best[name] = min(best.get(name, dt), dt)
        peak[name] = max(peak.get(name, 0), usage.ru_maxrss)
base = best["sqlite3 shell, the same statements"]
print("%-40s %8.0f ms   peak %4.0f MB" % ("sqlite3 shell, the same statements", base,
                                           peak["sqlite3 shell, the same statements"] / 1024))
for name in runs:
    if name.startswith("report"):
        print("%-40s %8.0f ms   %.2fx the shell (target 1.5x), under 2000 ms: %s   peak %4.0f MB (target 64 MB)"
              % (name, best[name], best[name] / base, "yes" if best[name] < 2000 else "NO", peak[name] / 1024))
PY
