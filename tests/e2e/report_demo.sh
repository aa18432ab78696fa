#!/bin/sh
# Properties of docket report on demo data of several seeds (report_check.py does the checking):
# the figures match a second implementation of their definitions, the outcomes and every
# breakdown reconcile with the total, every format carries the JSON's figures, and the
# national-security count appears only as its band.
. "$(dirname "$0")/lib.sh"

check="$top_srcdir/tests/e2e/report_check.py"

# report_all DB ARGS...: the report in every format, then the checks.
report_all() {
	db=$1
	shift
	for f in json text csv html; do
		expect 0 --db "$db" report "$@" --format "$f"
		cp "$OUT" "$T/report.$f"
	done
	/usr/bin/python3 "$check" "$db" "$T/report.json" "$T/report.text" "$T/report.csv" "$T/report.html" ||
		fail "docket report $* on $db"
}

for seed in 1 2 3; do
	db=$T/demo-$seed.db
	expect 0 --db "$db" demo --count 3000 --seed "$seed" --as-of 2026-10-01
	report_all "$db" --quarter 2026Q3
	report_all "$db" --quarter 2026Q1 --as-of 2026-08-15T12:00:00Z --by instrument
	report_all "$db" --from 2025-11-01 --to 2026-03-31 --by requester-kind --band-width 100
done

# Enough national-security process for a band above the first.
db=$T/demo-big.db
expect 0 --db "$db" demo --count 20000 --seed 4 --as-of 2026-10-01
report_all "$db" --from 2026-01-01 --to 2026-06-30 --band-width 100
cp "$T/report.json" "$OUT"
[ "$(json 'd["national_security"]["demands"]["low"] > 0')" = True ] || fail "no national-security band above 0"
report_all "$db" --quarter 2026Q2 --by instrument
exit 0
