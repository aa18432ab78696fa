#!/bin/sh
# Bad input gets one clear line naming the field, the right exit status, and writes nothing: every
# refusal below is followed by a comparison of the whole database with a dump taken before it.
. "$(dirname "$0")/lib.sh"

setup_db
add_demand OK-1
before=$(db_dump)
unchanged() { [ "$(db_dump)" = "$before" ] || fail "the database changed after: $*"; }

# refuse RC PATTERN docket-args...: the command fails with RC, says PATTERN in one line, writes nothing.
refuse() {
	rc=$1
	pattern=$2
	shift 2
	expect "$rc" "$@"
	err_has "$pattern"
	err_one_line
	unchanged "$*"
}

base="--channel email --customer acme-eu --requester Someone --kind law_enforcement --jurisdiction IE --category subscriber"
# shellcheck disable=SC2086
{
	refuse 2 'instrument: "warant" is not one of subpoena, court_order, search_warrant' add --ref B1 --instrument warant $base
	refuse 2 'channel: "pigeon" is not one of email, portal' add --ref B1 --instrument subpoena $base --channel pigeon
	refuse 2 'jurisdiction: "XX"' add --ref B1 --instrument subpoena $base --jurisdiction XX
	refuse 2 'jurisdiction: ' add --ref B1 --instrument subpoena $base --jurisdiction US-TOOLONG
	refuse 2 'kind: "cop" is not one of law_enforcement' add --ref B1 --instrument subpoena $base --kind cop
	refuse 2 'category: "everything" is not one of subscriber' add --ref B1 --instrument subpoena $base --category everything
	refuse 2 'received: "yesterday"' add --ref B1 --instrument subpoena $base --received yesterday
	refuse 2 'received: "2026-02-30"' add --ref B1 --instrument subpoena $base --received 2026-02-30
	refuse 2 'due: "2026-13-01"' add --ref B1 --instrument subpoena $base --due 2026-13-01
	refuse 2 'customer: no customer with tenant id "nobody-inc"|nobody-inc' add --ref B1 --instrument subpoena $base --customer nobody-inc
	refuse 2 'identifier: "999.1.1.1" is not an IP address' add --ref B1 --instrument subpoena $base --identifier ip:999.1.1.1
	refuse 2 'identifier: ' add --ref B1 --instrument subpoena $base --identifier "a@b"
	refuse 2 'requester email: |email' add --ref B1 --instrument subpoena $base --requester-email "not an address"
	refuse 2 'assignee' add --ref B1 --instrument subpoena $base --assignee ghost
	refuse 1 'OK-1' add --ref OK-1 --instrument subpoena $base
}
# Each required option, missing.
for opt in --ref --channel --instrument --customer --requester --kind --jurisdiction; do
	set -- --ref B2 --channel email --instrument subpoena --customer acme-eu --requester R --kind other --jurisdiction IE --category subscriber
	args=""
	while [ $# -gt 0 ]; do
		[ "$1" = "$opt" ] || args="$args $1 $2"
		shift 2
	done
	# shellcheck disable=SC2086
	refuse 2 "$opt is required" add $args
done
refuse 2 "category: at least one of subscriber, non_content, content is required" add --ref B3 \
	--channel email --instrument subpoena --customer acme-eu --requester R --kind other --jurisdiction IE

# Control characters, escape sequences and invalid UTF-8 in text are refused, not stored.
esc=$(printf '\033]52;c;ZXZpbA==\007')
clear=$(printf '\033[2J')
bad_utf8=$(printf 'caf\303')
# shellcheck disable=SC2086
{
	refuse 2 "requester.*control character" add --ref B4 --instrument subpoena $base --requester "Evil${esc}Corp"
	refuse 2 "reference.*control character" add --ref "B5${clear}" --instrument subpoena $base
	refuse 2 "requester.*UTF-8" add --ref B6 --instrument subpoena $base --requester "$bad_utf8"
	refuse 2 "reference.*(long|bytes)" add --ref "$(head -c 300 /dev/zero | tr '\0' x)" --instrument subpoena $base
}
refuse 2 "note.*control character" note 1 "look${clear}here"
refuse 2 "note.*UTF-8" note 1 "$bad_utf8"
refuse 2 "note.*(long|bytes)" note 1 "$(head -c 20000 /dev/zero | tr '\0' n)"
refuse 2 "note: .*(empty|required)" note 1 ""
# A newline in a note is allowed; the table shows it neutralised.
expect 0 note 1 "line one
line two"
before=$(db_dump)

# Demands that do not exist, ids that are not ids.
refuse 2 "demand 999: no such demand" show 999
refuse 2 "demand 999: no such demand" move 999 redirecting
refuse 2 "demand 999: no such demand" note 999 "hello"
refuse 2 '"abc" is not a demand id' show abc
refuse 2 'unknown option -4' move -4 redirecting
refuse 2 '"0" is not a demand id' show 0
refuse 2 '"12345678901234567890123" is not a demand id' show 12345678901234567890123
refuse 2 'method: "psychic" is not one of callback' authenticate 1 --method psychic
refuse 2 'via: "pigeon" is not one of letter, phone, email' notice 1 --via pigeon
refuse 2 'expires: "soon"' order 1 --ref X --expires soon
refuse 2 "give one of --expires, --indefinite, --lifted" order 1 --ref X --expires 2030-01-01 --indefinite
refuse 2 'role: "boss" is not one of intake, attorney, admin' staff add bob --name Bob --role boss
refuse 2 "login: " staff add "bad login" --name Bob --role intake
refuse 2 "region" customer add --tenant t1 --name T --region mars-north
refuse 2 "--limit" list --limit -3
refuse 2 "--format: \"xml\" is not one of table, json, csv" list --format xml
refuse 2 "--format: \"csv\" is not one of table, json" show 1 --format csv
refuse 2 "--head: a SHA-256 is 64 hex digits" verify --head 1234

# Shown neutralised: a newline in a note becomes visible, never raw terminal control.
expect 0 show 1
out_lacks "$(printf '\033')"

# --- files that are not a docket database: refused, never modified ---------------------------
check_file_refused() {
	f=$1
	pattern=$2
	cp "$f" "$T/orig"
	expect 3 --db "$f" list
	err_has "$pattern"
	err_one_line
	cmp -s "$f" "$T/orig" || fail "$f was modified"
	[ ! -e "$f-wal" ] || [ ! -s "$f-wal" ] || fail "$f got a -wal"
	expect 3 --db "$f" init
	cmp -s "$f" "$T/orig" || fail "$f was modified by init"
}
head -c 10000 /dev/urandom >"$T/random.db"
check_file_refused "$T/random.db" "not a docket database"
printf 'name,reference\nx,y\n' >"$T/text.db"
check_file_refused "$T/text.db" "not a docket database"
sqlite3 "$T/other.db" "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');"
check_file_refused "$T/other.db" "an SQLite database that docket did not create"
cp "$DOCKET_DB" "$T/newer.db"
sqlite3 "$T/newer.db" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA user_version = 999;" >/dev/null
check_file_refused "$T/newer.db" "written by a newer docket \(schema 999"
: >"$T/empty.db"
expect 3 --db "$T/empty.db" list
err_has "an empty file"
expect 3 --db "$T/nothing.db" list
err_has "no database here \(run .docket init. to create one\)"
[ ! -e "$T/nothing.db" ] || fail "reading created a database"
mkdir "$T/dir.db"
expect 3 --db "$T/dir.db" list
err_has "not a regular file"

# A damaged page: verify says so and exits 1.
expect 0 --db "$T/big.db" demo --count 3000
sqlite3 "$T/big.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
size=$(stat -c %s "$T/big.db")
/usr/bin/python3 - "$T/big.db" "$size" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    # Scribble over a page in the middle of the file, leaving the header alone.
    page = (size // 4096) // 2
    f.seek(page * 4096 + 100)
    f.write(b"\xde\xad\xbe\xef" * 200)
PY
dk --db "$T/big.db" verify
[ "$LAST_RC" -eq 1 ] || [ "$LAST_RC" -eq 3 ] || fail "verify of a damaged file exited $LAST_RC"
err_has "integrity check failed|malformed|corrupt|audit chain broken"
err_one_line

# A database readable by others: a warning, and the command still works.
cp "$DOCKET_DB" "$T/open.db"
chmod 644 "$T/open.db"
expect 0 --db "$T/open.db" list
err_has "warning: .*open.db is readable or writable by others \(mode 644\); run chmod 600 on it"

# A database the user may only read: reading works, a write fails with exit 3 and says why.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	# The build tree may sit where nobody cannot reach it: give nobody a copy of the binary.
	mkdir -p "$T/nb" "$T/bin"
	chmod 755 "$T" "$T/bin"
	chown 65534 "$T/nb"
	cp "$DOCKET" "$T/bin/docket"
	chmod 755 "$T/bin/docket"
	as_nobody() {
		cmd=$1
		shift
		[ "$cmd" = "$DOCKET" ] && cmd=$T/bin/docket
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/nb" "$cmd" "$@"
	}
	as_nobody "$DOCKET" --db "$T/nb/ro.db" init >/dev/null || fail "init as nobody"
	as_nobody "$DOCKET" --db "$T/nb/ro.db" customer add --tenant a --name A --region eu-west >/dev/null ||
		fail "customer add as nobody"
	chmod 400 "$T/nb/ro.db"
	as_nobody "$DOCKET" --db "$T/nb/ro.db" customer list >"$OUT" 2>"$ERR" || fail "reading a read-only database failed"
	out_has "^a +A +eu-west"
	LAST_RC=0
	as_nobody "$DOCKET" --db "$T/nb/ro.db" customer add --tenant b --name B --region eu-west >"$OUT" 2>"$ERR" ||
		LAST_RC=$?
	[ "$LAST_RC" -eq 3 ] || fail "a write to a read-only database exited $LAST_RC"
	err_has "ro.db is read-only"
	err_one_line
	# Someone else's database: a clear reason, not "not a database".
	chmod 600 "$T/nb/ro.db"
	chown 0 "$T/nb/ro.db"
	LAST_RC=0
	as_nobody "$DOCKET" --db "$T/nb/ro.db" list >"$OUT" 2>"$ERR" || LAST_RC=$?
	[ "$LAST_RC" -eq 3 ] || fail "reading someone else's database exited $LAST_RC"
	err_has "cannot (read|open)"
	err_lacks "not a docket database"
fi
exit 0
