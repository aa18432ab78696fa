#!/bin/sh
# Benchmarks of docket import, run by hand (not by make check):
#   tests/bench/bench-import.sh [BUILD_DIR] [WORK_DIR]
# 1. 100,000 demands from CSV into an empty database, side by side with the sqlite3 shell's
#    `.mode csv` / `.import` of the same file into a bare table (target: at most 3 times as long);
#    best of three runs each, alternating. A third figure, for scale: the sqlite3 shell storing the
#    same rows as docket does (the demand, its identifiers and categories, its created event and its
#    import item, in docket's schema with its indexes rebuilt, foreign keys on), by set-based SQL
#    alone: no record checks, no digests (random bytes stand in for them), no audit chain.
# 2. 1,000,000 demands from CSV and from NDJSON, each into an empty database: the resident memory
#    at its peak (target: under 64 MB).
# The inputs are generated here. BUILD_DIR holds the docket binary (default build/main); WORK_DIR
# holds the files (default a temporary directory, removed afterwards). BENCH_SMALL and BENCH_LARGE
# change the counts.
. "$(dirname "$0")/lib.sh"
bench_needs sqlite3
small=${BENCH_SMALL:-100000}
large=${BENCH_LARGE:-1000000}

# gen.py COUNT csv|ndjson > FILE: realistic demands for 20 customers, about 210 bytes a CSV row.
cat >"$work/gen.py" <<'PY'
import json, random, sys
n, fmt = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
instruments = ["subpoena"] * 5 + ["court_order"] * 2 + ["search_warrant", "emergency", "mlat", "civil_subpoena", "preservation"]
requesters = [("Garda National Bureau", "law_enforcement", "IE"), ("FBI Field Office", "law_enforcement", "US-DC"),
              ("Bundeskriminalamt", "government", "DE"), ("Kim & Park LLP", "civil_litigant", "US-CA"),
              ("Metropolitan Police", "law_enforcement", "GB"), ("Policia Federal", "law_enforcement", "BR")]
cols = ["reference", "received", "channel", "instrument", "customer", "requester", "requester_kind", "agency",
        "jurisdiction", "requester_email", "identifiers", "categories", "due", "emergency", "note"]
out = sys.stdout
if fmt == "csv":
    out.write(",".join(cols) + "\n")
for i in range(n):
    name, kind, jur = requesters[rnd.randrange(len(requesters))]
    inst = instruments[rnd.randrange(len(instruments))]
    day = 1 + i % 28
    rec = {
        "reference": "INTAKE-2026-%07d" % i,
        "received": "2026-%02d-%02dT%02d:%02d:00Z" % (1 + i % 9, day, i % 24, i % 60),
        "channel": ["email", "portal", "mail", "fax"][i % 4],
        "instrument": inst,
        "customer": "tenant-%02d" % (i % 20),
        "requester": name,
        "requester_kind": kind,
        "agency": "Unit %d" % (i % 7),
        "jurisdiction": jur,
        "requester_email": "officer%d@agency.example" % (i % 50),
        "identifiers": ["user%d@tenant%02d.example" % (rnd.randrange(100000), i % 20), "203.0.113.%d" % (i % 250)],
        "categories": ["subscriber"] + (["content"] if inst in ("search_warrant", "mlat") else []) if inst != "preservation" else [],
        "due": "2026-%02d-%02d" % (2 + i % 9, day),
        "emergency": inst == "emergency",
        "note": "Received through the intake channel; reference checked against the register, no duplicates found",
    }
    if fmt == "csv":
        row = []
        for c in cols:
            v = rec[c]
            if isinstance(v, list):
                v = ";".join(v)
            elif isinstance(v, bool):
                v = "yes" if v else "no"
            if "," in v or '"' in v:
                v = '"' + v.replace('"', '""') + '"'
            row.append(v)
        out.write(",".join(row) + "\n")
    else:
        out.write(json.dumps(rec) + "\n")
PY

# run.py: runs a command and prints its wall-clock seconds and peak resident memory (MB).
cat >"$work/run.py" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
if r.returncode != 0:
    sys.exit("bench: %s exited %d: %s" % (" ".join(sys.argv[1:]), r.returncode, r.stderr.decode()[-500:]))
print("%.3f %.1f" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
PY

# A database with its admin and the 20 customers the demands name.
fresh_db() {
	rm -f "$1" "$1-wal" "$1-shm"
	"$docket" --db "$1" init >/dev/null
	i=0
	while [ $i -lt 20 ]; do
		"$docket" --db "$1" customer add --tenant "$(printf 'tenant-%02d' $i)" --name "Tenant $i" \
			--region "$(echo us-east eu-west uk-south ap-northeast | cut -d' ' -f$((i % 4 + 1)))" >/dev/null
		i=$((i + 1))
	done
	# everything in the main file, so that a copy of it is the whole database
	sqlite3 "$1" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
}

echo "generating $small and $large demands as CSV and NDJSON in $work ..."
/usr/bin/python3 "$work/gen.py" "$small" csv >"$work/small.csv"
/usr/bin/python3 "$work/gen.py" "$large" csv >"$work/large.csv"
/usr/bin/python3 "$work/gen.py" "$large" ndjson >"$work/large.ndjson"
printf '%-44s %10d MB\n' "CSV of $small demands" "$(($(stat -c %s "$work/small.csv") / 1048576))"

fresh_db "$work/template.db"

# floor.sql: the rows docket stores for small.csv, written by the shell in one transaction. The
# indexes docket sets aside for a load into an empty database are dropped first and rebuilt last.
{
	echo "PRAGMA journal_mode = DELETE; PRAGMA cache_size = -16384; PRAGMA foreign_keys = ON;"
	echo "CREATE TEMP TABLE raw (reference, received, channel, instrument, customer, requester, requester_kind,"
	echo " agency, jurisdiction, requester_email, identifiers, categories, due, emergency, note);"
	echo ".mode csv"
	echo ".import --skip 1 $work/small.csv raw"
	echo "BEGIN;"
	sqlite3 "$work/template.db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_schema WHERE type = 'index'
		AND sql IS NOT NULL AND tbl_name IN ('demand', 'demand_identifier', 'event')"
	cat <<'SQL'
INSERT INTO import_batch (id, source, input, format, login, actor, started_at)
 VALUES (1000, 'import', 'small.csv', 'csv', 'root', 'root', unixepoch());
INSERT OR IGNORE INTO requester (name, kind, agency, country, subdivision, email)
 SELECT DISTINCT requester, requester_kind, agency, substr(jurisdiction, 1, 2), substr(jurisdiction, 4),
  requester_email FROM raw;
INSERT INTO demand (id, source, reference, received_at, channel, instrument, customer_id, requester_id,
  response_due, emergency, cross_region, process_flag, due_at, created_at, updated_at)
 SELECT r.rowid, 'import', r.reference, unixepoch(r.received), r.channel, r.instrument, c.id, q.id,
  unixepoch(r.due), r.emergency = 'yes', 0, 0, unixepoch(r.due), unixepoch(), unixepoch()
 FROM raw AS r JOIN customer AS c ON c.tenant = r.customer
  JOIN requester AS q ON q.name = r.requester AND q.kind = r.requester_kind AND q.agency = r.agency
   AND q.country = substr(r.jurisdiction, 1, 2) AND q.subdivision = substr(r.jurisdiction, 4)
   AND q.email = r.requester_email;
INSERT INTO demand_identifier SELECT rowid, 'email', substr(identifiers, 1, instr(identifiers, ';') - 1) FROM raw;
INSERT INTO demand_identifier SELECT rowid, 'ip', substr(identifiers, instr(identifiers, ';') + 1) FROM raw;
INSERT INTO demand_category SELECT rowid, 'requested', 'subscriber' FROM raw WHERE categories <> '';
INSERT INTO demand_category SELECT rowid, 'requested', 'content' FROM raw WHERE instr(categories, 'content');
INSERT INTO event (demand_id, at, login, actor, action, changes, note, hash)
 SELECT rowid, unixepoch(), 'root', 'root', 'created', json_array(json_array('source', NULL, 'import'),
  json_array('reference', NULL, reference), json_array('received', NULL, received),
  json_array('instrument', NULL, instrument), json_array('customer', NULL, customer),
  json_array('requester', NULL, requester), json_array('categories', NULL, replace(categories, ';', ',')),
  json_array('status', NULL, 'received'), json_array('due', NULL, due), json_array('batch', NULL, '1000')),
  note, randomblob(32) FROM raw;
INSERT INTO import_item SELECT rowid, 1000, randomblob(32) FROM raw;
SQL
	sqlite3 "$work/template.db" "SELECT sql || ';' FROM sqlite_schema WHERE type = 'index'
		AND sql IS NOT NULL AND tbl_name IN ('demand', 'demand_identifier', 'event')"
	echo "COMMIT;"
} >"$work/floor.sql"

best_sqlite=""
best_docket=""
best_floor=""
for round in 1 2 3; do
	rm -f "$work/bare.db"
	t=$(/usr/bin/python3 "$work/run.py" sqlite3 "$work/bare.db" ".mode csv" ".import $work/small.csv demand" | cut -d' ' -f1)
	[ "$(sqlite3 "$work/bare.db" 'SELECT count(*) FROM demand')" -eq "$small" ] || { echo "bench: .import lost rows" >&2; exit 1; }
	best_sqlite=$(echo "$best_sqlite $t" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
	rm -f "$work/d.db" "$work/d.db-wal" "$work/d.db-shm"
	cp "$work/template.db" "$work/d.db"
	t=$(/usr/bin/python3 "$work/run.py" "$docket" --db "$work/d.db" import "$work/small.csv" | cut -d' ' -f1)
	[ "$(sqlite3 "$work/d.db" 'SELECT count(*) FROM demand')" -eq "$small" ] || { echo "bench: the import lost demands" >&2; exit 1; }
	best_docket=$(echo "$best_docket $t" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
	rm -f "$work/f.db" "$work/f.db-journal"
	cp "$work/template.db" "$work/f.db"
	t=$(/usr/bin/python3 "$work/run.py" sqlite3 -bail "$work/f.db" <"$work/floor.sql" | cut -d' ' -f1)
	[ "$(sqlite3 "$work/f.db" 'SELECT count(*) FROM demand')" -eq "$small" ] || { echo "bench: the SQL load lost demands" >&2; exit 1; }
	best_floor=$(echo "$best_floor $t" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
done
awk -v s="$best_sqlite" -v d="$best_docket" -v f="$best_floor" -v n="$small" 'BEGIN {
	printf "%-44s %10.0f ms\n", "sqlite3 .import of " n " rows (best of 3)", s * 1000
	printf "%-44s %10.0f ms   (target %.0f ms: 3x)\n", "docket import of " n " (best of 3)", d * 1000, s * 3000
	printf "%-44s %10.2f x    (target 3.00 x)\n", "ratio", d / s
	printf "%-44s %10.0f ms   (%.2f x .import)\n", "sqlite3 storing what docket stores, by SQL", f * 1000, f / s
	printf "%-44s %10.2f x\n", "docket import against that", d / f
}'

for fmt in csv ndjson; do
	fresh_db "$work/l.db"
	set -- $(/usr/bin/python3 "$work/run.py" "$docket" --db "$work/l.db" import "$work/large.$fmt")
	[ "$(sqlite3 "$work/l.db" 'SELECT count(*) FROM demand')" -eq "$large" ] || { echo "bench: the import lost demands" >&2; exit 1; }
	awk -v t="$1" -v m="$2" -v what="docket import of $large from $fmt" 'BEGIN {
		printf "%-44s %10.0f ms\n", what, t * 1000
		printf "%-44s %10.1f MB   (target < 64 MB)\n", "  peak resident memory", m
	}'
	rm -f "$work/l.db" "$work/l.db-wal" "$work/l.db-shm"
done
