#!/bin/sh
# The command line as a script uses it: creating a database, where it lives and its mode, adding
# and listing in every output format, showing a demand, due and its exit status, backup, demo data
# that is the same for the same seed, and --help and --version on every command.
. "$(dirname "$0")/lib.sh"

# --- where the database lives -------------------------------------------------------------
unset DOCKET_DB
expect 0 init
out_has "$XDG_DATA_HOME/docket/docket.db: docket database ready"
out_has "$ME is its admin"
[ "$(stat -c %a "$XDG_DATA_HOME/docket/docket.db")" = 600 ] || fail "default database is not 0600"
[ "$(stat -c %a "$XDG_DATA_HOME/docket")" = 700 ] || fail "database directory is not 0700"
expect 0 --db "$T/other.db" init
[ -f "$T/other.db" ] || fail "--db did not create $T/other.db"
DOCKET_DB=$T/env.db expect 0 init
[ -f "$T/env.db" ] || fail "DOCKET_DB did not create $T/env.db"
# -wal and -shm share the database's mode.
for f in "$T/env.db" "$T/env.db-wal" "$T/env.db-shm"; do
	[ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
done
# A second init changes nothing and makes no second admin.
DOCKET_DB=$T/env.db expect 0 init
out_lacks "is its admin"
export DOCKET_DB="$T/docket.db"

# --- a demand from the command line ---------------------------------------------------------
setup_db
add_demand REF-1 --received 2026-01-05T10:00:00Z --due 2026-01-20 --identifier 198.51.100.7 \
	--identifier account:acct-42 --note "arrived by e-mail"
[ "$ID" = 1 ] || fail "first demand got id $ID"
add_demand REF-2 --emergency --jurisdiction US-CA
id2=$ID

expect 0 show "$id2"
out_has "^Status +received"
out_has "cross-region"
expect 0 show 1 --format json
[ "$(json 'd["reference"]')" = REF-1 ] || fail "show json reference"
[ "$(json 'd["received"]')" = 2026-01-05T10:00:00Z ] || fail "show json received"
[ "$(json 'sorted((i["kind"], i["value"]) for i in d["identifiers"])')" = \
	"[('account', 'acct-42'), ('email', 'user@acme.example'), ('ip', '198.51.100.7')]" ] ||
	fail "identifiers: $(json 'd["identifiers"]')"
[ "$(json 'd["requested"]')" = "['subscriber']" ] || fail "requested categories"
[ "$(json 'd["events"][0]["action"]')" = created ] || fail "first event is not created"
[ "$(json '[(m["to"], m["outcome"]) for m in d["moves"] if m["possible"]]')" = \
	"[('redirecting', None), ('closed', 'rejected'), ('closed', 'withdrawn')]" ] ||
	fail "moves possible from received: $(json 'd["moves"]')"
[ "$(json '[m["reason"] for m in d["moves"] if m["to"] == "in_review"]')" = \
	"['only an emergency demand may skip redirecting (or national-security process; move to redirecting first)']" ] ||
	fail "the blocked move to in_review does not say why"
[ "$(json 'd["cross_region"]')" = False ] || fail "IE requester for eu-west data flagged cross-region"

# --- listing in every format ----------------------------------------------------------------
expect 0 list
out_has "^ID +REFERENCE +RECEIVED"
out_has "REF-1"
expect 0 list --format json
[ "$(json 'len(d)')" = 2 ] || fail "list json has $(json 'len(d)') rows"
[ "$(json 'list(d[0].keys())')" = "['id', 'reference', 'received', 'requester', 'requester_kind', 'instrument', 'customer', 'status', 'outcome', 'due', 'assignee', 'emergency', 'cross_region', 'process_flag', 'under_order', 'version']" ] ||
	fail "list json keys changed"
# The emergency is due within hours, REF-1 was due in January: REF-1 comes first.
[ "$(json 'd[0]["reference"]')" = REF-1 ] || fail "list is not by deadline"
[ "$(json 'd[1]["emergency"]')" = True ] || fail "emergency flag"
expect 0 list --format csv
head -n 1 "$OUT" | grep -q '^id,reference,received,requester,requester_kind,instrument,customer,status,outcome,due,assignee,emergency,cross_region,process_flag,under_order,version' ||
	fail "csv header"
[ "$(wc -l <"$OUT")" -eq 3 ] || fail "csv rows"
grep -q "$(printf '\r')\$" "$OUT" || fail "csv lines do not end in CRLF"
expect 0 list --search REF-2
out_has "REF-2"
out_lacks "REF-1"
expect 0 list --search 198.51
out_has "REF-1"
expect 0 list --search "arrived by"
out_has "REF-1"
expect 0 list --limit 1 --format json
[ "$(json 'len(d)')" = 1 ] || fail "--limit 1"
expect 0 list --status closed
out_has "no demands"
expect 0 list --overdue --format json
[ "$(json '[r["reference"] for r in d]')" = "['REF-1']" ] || fail "--overdue"

# --- due: late work makes cron notice -------------------------------------------------------
expect 1 due
out_has "REF-1"
err_has "late"
expect 0 assign 1 atty
expect 0 list --assignee atty --format json
[ "$(json '[r["reference"] for r in d]')" = "['REF-1']" ] || fail "--assignee"
expect 0 --actor atty extend 1 --due 2099-01-01 --reason "requester agreed to a later date"
expect 0 --actor atty extend "$id2" --due 2099-01-01 --reason "the requester confirmed no urgency"
expect 0 due
out_has "no demands"

# --- customers, staff, requesters -----------------------------------------------------------
expect 0 customer list --format json
[ "$(json '[c["tenant"] for c in d]')" = "['acme-eu', 'zenith-us']" ] || fail "customer list"
expect 0 customer list --search zen
out_has "zenith-us"
out_lacks "acme-eu"
expect 0 staff list --format csv
grep -q "^atty,Ada Attorney,attorney,true" "$OUT" || fail "staff list csv"
expect 0 requester list
out_has "Garda Bureau"
expect 0 note 1 "called the requester"
expect 0 show 1
out_has "called the requester"

# --- backup: a consistent copy, 0600, never over an existing file ---------------------------
expect 0 backup "$T/copy.db"
[ "$(stat -c %a "$T/copy.db")" = 600 ] || fail "backup is not 0600"
[ ! -e "$T/copy.db-wal" ] || fail "backup left a -wal beside it"
expect 0 --db "$T/copy.db" show 1 --format json
[ "$(json 'd["reference"]')" = REF-1 ] || fail "backup does not hold REF-1"
expect 0 --db "$T/copy.db" verify
expect 2 backup "$T/copy.db"
err_has "already exists"

# --- demo data: deterministic for a seed ----------------------------------------------------
expect 0 --db "$T/demo1.db" demo --count 2000 --seed 42 --as-of 2026-10-01
out_has "2000 demands written"
expect 0 --db "$T/demo2.db" demo --count 2000 --seed 42 --as-of 2026-10-01
for n in 1 2; do
	sqlite3 "$T/demo$n.db" "SELECT reference, status, coalesce(outcome, ''), received_at, instrument,
		(SELECT count(*) FROM event e WHERE e.demand_id = d.id) FROM demand d ORDER BY id" >"$T/demo$n.txt"
done
cmp -s "$T/demo1.txt" "$T/demo2.txt" || fail "the same seed gave different demo data"
[ "$(wc -l <"$T/demo1.txt")" -eq 2000 ] || fail "demo wrote $(wc -l <"$T/demo1.txt") demands"
# Every state and every outcome appears.
states=$(sqlite3 "$T/demo1.db" "SELECT count(DISTINCT status) FROM demand")
[ "$states" -eq 9 ] || fail "demo covers $states of 9 states"
outcomes=$(sqlite3 "$T/demo1.db" "SELECT count(DISTINCT outcome) FROM demand WHERE outcome IS NOT NULL")
[ "$outcomes" -eq 8 ] || fail "demo covers $outcomes of 8 outcomes"
expect 0 --db "$T/demo1.db" verify
# Another seed gives other data.
expect 0 --db "$T/demo3.db" demo --count 2000 --seed 43 --as-of 2026-10-01
sqlite3 "$T/demo3.db" "SELECT reference, status, coalesce(outcome, ''), received_at, instrument,
	(SELECT count(*) FROM event e WHERE e.demand_id = d.id) FROM demand d ORDER BY id" >"$T/demo3.txt"
! cmp -s "$T/demo1.txt" "$T/demo3.txt" || fail "seeds 42 and 43 gave the same data"

# --- help and version -----------------------------------------------------------------------
expect 0 --version
out_has "^docket [0-9]+\.[0-9]+"
expect 0 --help
out_has "^Usage: docket"
for cmd in $(sed -n '/^Commands:/,/^$/p' "$OUT" | awk 'NF && !/^Commands:/ {print $1}'); do
	expect 0 "$cmd" --help
	out_has "^Usage: docket $cmd"
	out_has "--db PATH"
done
expect 2 frobnicate
err_has "unknown command \"frobnicate\""
expect 2 list --frobnicate
err_has "unknown option --frobnicate"
expect 2 list --limit
err_has "needs a value"
exit 0
