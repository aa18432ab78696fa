#!/bin/sh
# docket import from files and standard input: CSV, JSON and NDJSON of the same demands give the
# same result; a re-import is a no-op; a bad record leaves the database exactly as it was; the
# rejects come back in the input's format and import once corrected; conflicts are reported and
# left alone; every error names input:line (or record), field and value; the batch and the
# created events are recorded, and the audit chain holds.
. "$(dirname "$0")/lib.sh"

data=$top_srcdir/tests/data/import
setup_db

# --- a CSV file: BOM, CRLF, quoted commas, quotes and line ends, ';' lists, every kind of field
expect 0 import "$data/intake.csv"
[ ! -s "$OUT" ] || fail "import wrote to stdout"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "wrong summary"
err_one_line
expect 0 list --status all --format json
[ "$(json 'len(d)')" -eq 4 ] || fail "4 demands expected"
[ "$(json '[r["reference"] for r in d if r["instrument"] == "civil_subpoena"][0]')" = "CIV-2026-7, Smith v. Jones" ] ||
	fail "quoted comma lost"
[ "$(json '[r["assignee"] for r in d if r["reference"] == "FBI-77-0042"][0]')" = atty ] || fail "assignee lost"
[ "$(json '[r["emergency"] for r in d if r["reference"] == "FBI-77-0042"][0]')" = True ] || fail "emergency lost"
id=$(json '[r["id"] for r in d if r["reference"] == "GJ-2026-0101"][0]')
expect 0 show "$id" --format json
[ "$(json 'd["source"]')" = import ] || fail "default source is not import"
json 'd["events"][0]["note"]' | grep -q '^the original follows by post$' || fail "a line end inside quotes was lost"
json 'd["events"][0]["changes"]' | grep -q "\['batch', None, '1'\]" || fail "the created event does not name the batch"
[ "$(json 'sorted(i["value"] for i in d["identifiers"])')" = "['203.0.113.7', 'ops@acme.example']" ] ||
	fail "identifiers not split on ;"
[ "$(sqlite3 "$DOCKET_DB" "SELECT source, input, format, records, imported, present, conflicts, rejected, login, actor, length(sha256) FROM import_batch")" = \
	"import|$data/intake.csv|csv|4|4|0|0|0|$ME|$ME|64" ] || fail "import batch not recorded"
[ "$(sqlite3 "$DOCKET_DB" "SELECT sha256 FROM import_batch")" = "$(sha256sum <"$data/intake.csv" | cut -d' ' -f1)" ] ||
	fail "the batch's SHA-256 is not the input's"
[ "$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM event WHERE action = 'imported' AND demand_id IS NULL")" -eq 1 ] ||
	fail "no imported event"
expect 0 verify

# --- a re-import, and the same demands as JSON and NDJSON (stdin too), change nothing at all
db_dump >"$T/before.sql"
expect 0 import "$data/intake.csv"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 4, rejected 0" ] || fail "re-import summary"
expect 0 import "$data/intake.json"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 4, rejected 0" ] || fail "JSON of the same demands"
LAST_RC=0
"$DOCKET" import --format ndjson - <"$data/intake.ndjson" >"$OUT" 2>"$ERR" || LAST_RC=$?
[ "$LAST_RC" -eq 0 ] || fail "import from stdin failed"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 4, rejected 0" ] || fail "NDJSON from stdin"
db_dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a re-import changed the database"

# --- another source: the same references are other demands
LAST_RC=0
"$DOCKET" import --source portal-b --format json - <"$data/intake.json" >"$OUT" 2>"$ERR" || LAST_RC=$?
[ "$LAST_RC" -eq 0 ] || fail "import from stdin as JSON"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "another source"
[ "$(sqlite3 "$DOCKET_DB" "SELECT input FROM import_batch WHERE id = 2")" = stdin ] || fail "stdin not named"

# --- one bad record: nothing written, the database byte-for-byte the same in content
db_dump >"$T/before.sql"
expect 2 import "$data/bad.csv"
err_has '^docket: .*/bad\.csv:4: instrument: "warant" is not one of subpoena, court_order, '
err_has '^docket: nothing imported: 1 of 4 records is invalid'
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 0, rejected 1" ] || fail "atomic summary"
db_dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a refused import changed the database"
expect 2 import --dry-run "$data/bad.csv"
err_has '^dry run: would import 0, already present 0, rejected 1$'

# --- --skip-invalid: the good ones written, the bad one in the rejects, in CSV, with its reason
expect 2 import --dry-run --skip-invalid "$data/bad.csv"
err_has '^dry run: would import 3, already present 0, rejected 1$'
db_dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a dry run changed the database"
expect 2 import --skip-invalid --rejects "$T/rejects.csv" "$data/bad.csv"
err_has '^docket: 1 invalid record was left out$'
[ "$(tail -n 1 "$ERR")" = "imported 3, already present 0, rejected 1" ] || fail "skip-invalid summary"
[ "$(stat -c %a "$T/rejects.csv")" = 600 ] || fail "the rejects file is not 0600"
[ "$(sed -n 1p "$T/rejects.csv" | tr -d '\r')" = "error,$(sed -n 1p "$data/bad.csv")" ] || fail "rejects header"
[ "$(wc -l <"$T/rejects.csv")" -eq 2 ] || fail "one rejected record expected"
grep -q '^"[^"]*/bad\.csv:4: instrument: ""warant"" is not one of [^"]*",BAD-3,2026-03-03,email,warant,' "$T/rejects.csv" ||
	fail "the rejected record is not as it was, with its reason"
# corrected, the rejects file imports as it is (its error column is ignored)
sed 's/,warant,/,court_order,/' "$T/rejects.csv" >"$T/fixed.csv"
expect 0 import "$T/fixed.csv"
[ "$(tail -n 1 "$ERR")" = "imported 1, already present 0, rejected 0" ] || fail "the corrected rejects"

# NDJSON and JSON rejects keep the record, with an "error" member first
printf '%s\n' '{"reference":"N-1","channel":"email","instrument":"subpoena","customer":"acme-eu","requester":"X","requester_kind":"other","jurisdiction":"FR","categories":["subscriber"]}' \
	'{"reference":"N-2","channel":"email","instrument":"subpoena","customer":"acme-eu","requester":"X","requester_kind":"other","jurisdiction":"FR","categories":["subscriber"],"due":"2026-02-30"}' \
	'{"reference": }' >"$T/n.ndjson"
expect 2 import --skip-invalid --rejects "$T/n.rej" "$T/n.ndjson"
err_has '/n\.ndjson:2: due: "2026-02-30" is not a real date'
err_has "/n\\.ndjson:3: unexpected character '}' at byte 15 of the record"
/usr/bin/python3 - "$T/n.rej" <<'PY' || fail "NDJSON rejects"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
a, b = json.loads(lines[0]), json.loads(lines[1])
assert list(a)[0] == "error" and a["reference"] == "N-2" and "not a real date" in a["error"], a
assert b["record"] == '{"reference": }' and "unexpected character" in b["error"], b
PY
printf '[{"reference":"J-1","bogus":1},\n {"reference":"J-2"}]' >"$T/j.json"
expect 2 import --skip-invalid --rejects "$T/j.rej" "$T/j.json"
err_has '/j\.json: record 1: unknown field "bogus"'
err_has '/j\.json: record 2: channel: a value is required'
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r["reference"] for r in d] == ["J-1", "J-2"], d' "$T/j.rej" ||
	fail "JSON rejects are not a JSON array of the records"

# --- a conflict: the same reference with other content is reported, left alone; exit 1
sed -e 's/^GJ-2026-0101,2026-03-02T09:15:00Z,email,/GJ-2026-0101,2026-03-02T09:15:00Z,fax,/' \
	-e 's/^PRES-9,2026-03-04,fax,/PRES-9,2026-03-04,fax,/' "$data/intake.csv" >"$T/changed.csv"
printf 'NEW-1,2026-03-06,email,subpoena,acme-eu,Garda,law_enforcement,,IE,,,,,subscriber,,,,\r\n' >>"$T/changed.csv"
expect 1 import "$T/changed.csv"
err_has '/changed\.csv:2: reference: "GJ-2026-0101" is already recorded \(demand [0-9]+\) with other content \(channel\); left unchanged'
err_has '^docket: 1 record conflicts with demands already recorded and left alone$'
[ "$(tail -n 1 "$ERR")" = "imported 1, already present 3, rejected 0, conflicts 1" ] || fail "conflict summary"
expect 0 show "$id" --format json
[ "$(json 'd["channel"]')" = email ] || fail "a conflict overwrote the demand"

# --- --create-customers
cat >"$T/cust.csv" <<'EOF'
reference,channel,instrument,customer,customer_name,customer_region,customer_email,requester,requester_kind,jurisdiction,categories
C-1,email,subpoena,newco-jp,NewCo KK,ap-northeast,legal@newco.example,Tokyo Police,law_enforcement,JP,subscriber
C-2,email,subpoena,newco-jp,,,,Tokyo Police,law_enforcement,JP,subscriber
C-3,email,subpoena,other-co,,,,Tokyo Police,law_enforcement,JP,subscriber
EOF
expect 2 import "$T/cust.csv"
err_has '/cust\.csv:2: customer: no customer with tenant id "newco-jp" .*--create-customers adds it'
expect 2 import --create-customers "$T/cust.csv"
err_has '/cust\.csv:4: customer_region: a value is required to create customer "other-co"'
sed -i 's/^C-3,email,subpoena,other-co,,,/C-3,email,subpoena,other-co,,mars-north,/' "$T/cust.csv"
expect 2 import --create-customers "$T/cust.csv"
err_has '/cust\.csv:4: customer_region: "mars-north" is not one of '
sed -i '$d' "$T/cust.csv"
expect 0 import --create-customers "$T/cust.csv"
[ "$(tail -n 1 "$ERR")" = "imported 2, already present 0, rejected 0" ] || fail "create-customers summary"
expect 0 customer list --format csv
out_has '^newco-jp,NewCo KK,ap-northeast,,legal@newco.example,.?$'

# --- the header: unknown, repeated and missing columns are refused by name
printf 'reference,channel,instrument,customer,requester,requester_kind,jurisdiction,colour\n' >"$T/h.csv"
expect 2 import "$T/h.csv"
err_has '/h\.csv:1: unknown column "colour" \(the columns are reference, received, '
printf 'reference,channel,channel\n' >"$T/h.csv"
expect 2 import "$T/h.csv"
err_has 'column "channel" appears twice'
printf 'reference,channel\n' >"$T/h.csv"
expect 2 import "$T/h.csv"
err_has 'the header has no column "instrument", which is required'
: >"$T/empty.csv"
expect 2 import "$T/empty.csv"
err_has 'empty.csv: no header row'
printf 'reference,channel,instrument,customer,requester,requester_kind,jurisdiction,categories\nQ-1,email,subpoena,acme-eu,"X,law_enforcement,IE,subscriber\n' >"$T/q.csv"
expect 2 import "$T/q.csv"
err_has '/q\.csv:2: the quoted field opened on this line is not closed at the end'

# --- every rule names input:line, field and value
{
	echo 'reference,received,channel,instrument,customer,requester,requester_kind,jurisdiction,identifiers,categories,due,emergency,assignee,note,requester_email'
	echo 'V-1,2026-13-01,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,,,'
	echo 'V-2,,pigeon,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,,,'
	echo 'V-3,,email,subpoena,acme-eu,X,spy,IE,,subscriber,,,,,'
	echo 'V-4,,email,subpoena,acme-eu,X,law_enforcement,XX-1,,subscriber,,,,,'
	echo 'V-5,,email,subpoena,acme-eu,X,law_enforcement,IE,ip:999.1.1.1,subscriber,,,,,'
	echo 'V-6,,email,subpoena,acme-eu,X,law_enforcement,IE,,everything,,,,,'
	echo 'V-7,,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,perhaps,,,'
	echo 'V-8,,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,nobody,,'
	echo 'V-9,2099-01-01,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,,,'
	echo 'V-10,,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,,,not-an-address'
	printf 'V-11,,email,subpoena,acme-eu,X\033[31m,law_enforcement,IE,,subscriber,,,,,\n'
	printf 'V-12,,email,subpoena,acme-eu,\377\376,law_enforcement,IE,,subscriber,,,,,\n'
	echo "V-13,,email,subpoena,acme-eu,$(head -c 201 /dev/zero | tr '\0' x),law_enforcement,IE,,subscriber,,,,,"
	echo 'V-14,,email,subpoena,acme-eu,X,law_enforcement,IE,,,,,,,'
	echo ',,email,subpoena,acme-eu,X,law_enforcement,IE,,subscriber,,,,,'
} >"$T/v.csv"
expect 2 import "$T/v.csv"
err_has '/v\.csv:2: received: "2026-13-01" is not a real date'
err_has '/v\.csv:3: channel: "pigeon" is not one of email, portal, mail, fax, in_person'
err_has '/v\.csv:4: requester_kind: "spy" is not one of law_enforcement, government, civil_litigant, other'
err_has '/v\.csv:5: jurisdiction: "XX-1" is not an ISO 3166 country code'
err_has '/v\.csv:6: identifiers: "999\.1\.1\.1" is not an IP address'
err_has '/v\.csv:7: categories: "everything" is not one of subscriber, non_content, content'
err_has '/v\.csv:8: emergency: "perhaps" is not one of true, false, yes, no, 1, 0'
err_has '/v\.csv:9: assignee: "nobody" is not active staff'
err_has '/v\.csv:10: received: "2099-01-01" is in the future'
err_has '/v\.csv:11: requester_email: "not-an-address" is not an e-mail address'
err_has '/v\.csv:12: requester: control character U\+001B at byte 2 is not allowed: "X\^\[\[31m"'
err_has '/v\.csv:13: requester: not valid UTF-8 \(byte 1\): "\?\?"'
err_has '/v\.csv:14: requester: 201 bytes is longer than the limit of 200: "x{60}\.\.\."'
err_has '/v\.csv:15: categories: at least one of subscriber, non_content, content is required'
err_has '/v\.csv:16: reference: a value is required'
err_has 'nothing imported: 15 of 15 records are invalid'
[ "$(grep -c '^docket: ' "$ERR")" -eq 16 ] || fail "one line per invalid record, and one more"
# no raw escape character reaches the terminal
! grep -q "$(printf '\033')" "$ERR" || fail "an escape character was printed"

# --- at most 100 problems are listed
{
	echo 'reference,channel,instrument,customer,requester,requester_kind,jurisdiction,categories'
	i=0
	while [ $i -lt 150 ]; do
		echo "M-$i,owl,subpoena,acme-eu,X,law_enforcement,IE,subscriber"
		i=$((i + 1))
	done
} >"$T/many.csv"
expect 2 import "$T/many.csv"
[ "$(grep -c 'channel: "owl"' "$ERR")" -eq 100 ] || fail "not 100 problems listed"
err_has '^docket: \.\.\. and 50 more problems'

# --- usage
expect 2 import
expect 2 import "$T/nothing.csv"
err_has 'nothing\.csv: No such file'
cp "$data/intake.csv" "$T/intake.txt"
expect 2 import "$T/intake.txt"
err_has 'cannot tell the format of .*intake\.txt from its name: give --format csv, json or ndjson'
expect 0 import --format csv "$T/intake.txt"
expect 2 import -
err_has 'cannot tell the format of stdin'
expect 2 import --format xml "$data/intake.csv"
expect 2 import --rejects "$T/r" "$data/intake.csv"
err_has -- '--rejects goes with --skip-invalid'
expect 2 import --cacert /dev/null "$data/intake.csv"
expect 2 import ftp://example.invalid/x.csv
err_has 'only http:// and https:// URLs'

# --- staff only
sqlite3 "$DOCKET_DB" "UPDATE staff SET active = 0 WHERE login = 'clerk'"
expect 1 --actor clerk import "$data/intake.csv"
expect 0 verify
exit 0
