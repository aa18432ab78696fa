#!/bin/sh
# docket report on the hand-built fixture (tests/data/report/fixture.sql): every format compared
# byte for byte with its expected file, the same output twice and through --output, bad usage, and
# the reconciliation check stopping a report of a database edited behind docket's back.
#
# After a deliberate change to a format, regenerate the expected files with
#   REPORT_REGEN=1 make check TESTS=tests/e2e/report.sh
# and read the diff before committing it.
. "$(dirname "$0")/lib.sh"

data=$top_srcdir/tests/data/report

# docket-report(5), which defines every figure, renders without a warning.
groff -man -Tascii -ww -z "$top_srcdir/docs/docket-report.5" 2>"$ERR" || fail "groff failed on docket-report.5"
[ -s "$ERR" ] && fail "groff warns about docket-report.5"
expect 0 init
/usr/bin/python3 "$top_srcdir/tests/e2e/sqlwrite.py" "$DOCKET_DB" - <"$data/fixture.sql" || fail "fixture.sql did not load"

# compare NAME docket-args...: the report's stdout against $data/NAME.
compare() {
	name=$1
	shift
	expect 0 report "$@"
	if [ -n "${REPORT_REGEN:-}" ]; then
		cp "$OUT" "$data/$name"
		return
	fi
	cmp -s "$OUT" "$data/$name" || {
		diff -u "$data/$name" "$OUT" | head -n 60 >&2
		fail "docket report $* differs from $name"
	}
}

compare q3.txt --quarter 2025Q3
compare q3.csv --quarter 2025Q3 --format csv
compare q3.json --quarter 2025Q3 --format json
compare q3.html --quarter 2025Q3 --format html
# The same quarter seen at the end of the next: the late entry, the outcomes closed in Q4.
compare q3-later.json --quarter 2025Q3 --as-of 2025-12-31T23:59:59Z --format json
compare q3-kind.txt --quarter 2025Q3 --by requester-kind --band-width 100
compare q3-instrument.csv --from 2025-07-01 --to 2025-09-30 --by instrument --format csv
compare q4.json --quarter 2025Q4 --as-of 2026-01-15 --format json

# The same database and the same --as-of: the same bytes, whichever way the report is written.
for f in text csv json html; do
	expect 0 report --quarter 2025Q3 --as-of 2025-11-01 --format "$f"
	cp "$OUT" "$T/first.$f"
	expect 0 report --quarter 2025Q3 --as-of 2025-11-01 --format "$f"
	cmp -s "$OUT" "$T/first.$f" || fail "two $f reports differ"
done
# --output: the format from the extension, the same bytes as on stdout.
for f in csv json html; do
	expect 0 report --quarter 2025Q3 --as-of 2025-11-01 --output "$T/out.$f"
	[ -s "$OUT" ] && fail "--output also wrote to stdout"
	cmp -s "$T/out.$f" "$T/first.$f" || fail "--output $T/out.$f differs from --format $f"
done
expect 0 report --quarter 2025Q3 --as-of 2025-11-01 --output "$T/out.txt"
cmp -s "$T/out.txt" "$T/first.text" || fail "--output out.txt is not the text report"
expect 0 report --quarter 2025Q3 --as-of 2025-11-01 --format json --output "$T/out.html"
cmp -s "$T/out.html" "$T/first.json" || fail "--format does not win over the extension"
ls "$T" | grep -q 'tmp-' && fail "a temporary file was left beside the output"

# The fixture is valid JSON and CSV with the documented shapes.
expect 0 report --quarter 2025Q3 --format json
[ "$(json 'list(d.keys())')" = "['report', 'version', 'period', 'as_of', 'demands', 'by_requester_kind', 'by_instrument', 'by_country', 'outcomes', 'breakdown', 'customer_notice', 'orders', 'emergency', 'cross_border', 'time_to_close', 'national_security', 'preservation', 'trend']" ] ||
	fail "the JSON keys are not the documented ones, in order"
expect 0 report --quarter 2025Q3 --format csv
/usr/bin/python3 - "$OUT" <<'PY' || fail "the CSV is not tables of RFC 4180 records"
import csv, sys
data = open(sys.argv[1], newline="", encoding="utf-8").read()
assert data.endswith("\r\n") and "\n" not in data.replace("\r\n", ""), "lines must end in CRLF"
tables = [t for t in data.split("\r\n\r\n")]
names = []
for t in tables:
    rows = list(csv.reader(t.strip("\r\n").split("\r\n")))
    assert rows[0][0] == "section", rows[0]
    assert all(len(r) == len(rows[0]) for r in rows), t
    names.append(rows[1][0] if len(rows) > 1 else None)
assert names == ["report", "demands", "by_requester_kind", "by_instrument", "by_country", "outcomes",
                 "breakdown", "customer_notice", "orders", "emergency", "cross_border", "time_to_close",
                 "national_security", "preservation", "trend"], names
PY

# Bad usage: exit 2, one line, nothing written.
expect 2 report
err_has "say which period"
expect 2 report --quarter 2025Q5
err_has "not a quarter"
expect 2 report --quarter 2025Q3 --from 2025-07-01 --to 2025-09-30
err_has "exclude each other"
expect 2 report --from 2025-07-01
expect 2 report --from 2025-09-30 --to 2025-07-01
err_has "before --from"
expect 2 report --quarter 2025Q3 --format pdf
err_has "text, csv, json, html"
expect 2 report --quarter 2025Q3 --by customer
expect 2 report --quarter 2025Q3 --band-width 10
err_has "from 100"
expect 2 report --quarter 2025Q3 --as-of yesterday
expect 2 report --quarter 2025Q3 --as-of 2025-06-30
err_has "before the period starts"
expect 3 --db "$T/none.db" report --quarter 2025Q3
[ -e "$T/none.db" ] && fail "report created a database"

# An edit in the sqlite3 shell the workflow would never make: a subpoena (demand 16) closed as
# a superseded preservation request. The outcomes no longer add up: exit 3, the difference named,
# nothing written.
sqlite3 "$DOCKET_DB" "UPDATE demand SET status = 'preserving' WHERE id = 16;
	UPDATE demand SET status = 'closed', outcome = 'superseded', closed_at = unixepoch('2025-09-20') WHERE id = 16;" ||
	fail "could not edit the database"
for f in text csv json html; do
	expect 3 report --quarter 2025Q3 --format "$f" --output "$T/bad.$f"
	err_one_line
	err_has "reconciliation failed: the outcomes add up to 14 but the total of demands received is 15 \(short by 1\)"
	[ -e "$T/bad.$f" ] && fail "a report that does not reconcile was written"
	[ -s "$OUT" ] && fail "a report that does not reconcile reached stdout"
done
# Other quarters are still reported.
expect 0 report --quarter 2025Q2
exit 0
