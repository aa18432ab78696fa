#!/bin/sh
# The audit trail: every change leaves an event with who, when and what changed; events cannot be
# updated or deleted through SQLite; and `docket verify` finds an event edited, removed or
# truncated behind the program's back, naming the first bad one.
. "$(dirname "$0")/lib.sh"

setup_db
add_demand AUD-1
a=$ID
expect 0 move "$a" redirecting --note "letter sent"
expect 0 assign "$a" clerk
expect 0 --actor atty note "$a" "spoke to the requester"
expect 0 show "$a" --format json
[ "$(json '[(e["action"], e["actor"]) for e in d["events"]]')" = \
	"[('created', '$ME'), ('moved', '$ME'), ('assigned', '$ME'), ('note', 'atty')]" ] ||
	fail "timeline: $(json 'd["events"]')"
[ "$(json 'd["events"][1]["changes"][0]')" = "['status', 'received', 'redirecting']" ] ||
	fail "the move's changes: $(json 'd["events"][1]["changes"]')"
[ "$(json 'd["events"][1]["note"]')" = "letter sent" ] || fail "the move's note"
[ "$(json 'd["events"][2]["changes"]')" = "[['assignee', None, 'clerk']]" ] || fail "assignment change"
[ "$(json 'd["events"][3]["login"]')" = "$ME" ] || fail "acting for atty hides the login"
# Event times are UTC ISO 8601.
json 'd["events"][0]["at"]' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' ||
	fail "event time format"

expect 0 verify
out_has "^ok: [0-9]+ events, chain head [0-9a-f]{64}$"
head1=$(sed 's/.*chain head //' "$OUT")
events1=$(sed 's/^ok: \([0-9]*\) events.*/\1/' "$OUT")
[ "$events1" -eq "$(sqlite3 "$DOCKET_DB" 'SELECT count(*) FROM event')" ] || fail "verify counted $events1 events"

# The head kept outside stays in the chain as it grows.
add_demand AUD-2
expect 0 --actor atty note "$ID" "called the requester back"
expect 0 verify --head "$head1"
expect 0 verify
head2=$(sed 's/.*chain head //' "$OUT")
[ "$head2" != "$head1" ] || fail "the head did not move"

# Triggers refuse UPDATE and DELETE, even in the sqlite3 shell.
before=$(db_dump)
sqlite3 "$DOCKET_DB" "UPDATE event SET note = 'nothing happened' WHERE id = 2" 2>"$T/e1" && fail "an event was updated"
grep -q "events are append-only" "$T/e1" || fail "update trigger message: $(cat "$T/e1")"
sqlite3 "$DOCKET_DB" "DELETE FROM event WHERE id = 2" 2>"$T/e2" && fail "an event was deleted"
grep -q "events are append-only" "$T/e2" || fail "delete trigger message: $(cat "$T/e2")"
[ "$(db_dump)" = "$before" ] || fail "refused edits changed the database"

# Someone drops the triggers and edits an event: verify names it and exits 1.
cp "$DOCKET_DB" "$T/saved.db"
sqlite3 "$T/saved.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$T/saved.db" "$T/edit.db"
sqlite3 "$T/edit.db" "DROP TRIGGER event_no_update; UPDATE event SET note = 'nothing happened' WHERE id = 7"
expect 1 --db "$T/edit.db" verify
err_has "^docket: audit chain broken at event 7: its content does not match its hash"
err_one_line

# ... or deletes one in the middle.
cp "$T/saved.db" "$T/del.db"
sqlite3 "$T/del.db" "DROP TRIGGER event_no_delete; DELETE FROM event WHERE id = 8"
expect 1 --db "$T/del.db" verify
err_has "audit chain broken at event 9: event 8 is missing"

# ... or forges a hash.
cp "$T/saved.db" "$T/hash.db"
sqlite3 "$T/hash.db" "DROP TRIGGER event_no_update; UPDATE event SET hash = zeroblob(32) WHERE id = 3"
expect 1 --db "$T/hash.db" verify
err_has "audit chain broken at event 3"

# ... or removes the newest events: the chain that is left is whole and, the last one being a note
# that changed no demand's state, agrees with the demands; only the anchored head is gone.
cp "$T/saved.db" "$T/tail.db"
last=$(sqlite3 "$T/tail.db" "SELECT max(id) FROM event")
sqlite3 "$T/tail.db" "DROP TRIGGER event_no_delete; DELETE FROM event WHERE id = $last"
expect 0 --db "$T/tail.db" verify
expect 1 --db "$T/tail.db" verify --head "$head2"
err_has "does not contain the anchored head"
expect 0 --db "$T/saved.db" verify --head "$head2"

# ... or moves a demand in the shell, by a statement every trigger allows (redirecting → in_review):
# its row no longer agrees with the state its last event recorded, and verify names
# the demand even without an anchored head.
cp "$T/saved.db" "$T/status.db"
sqlite3 "$T/status.db" "UPDATE demand SET status = 'in_review' WHERE id = $a"
expect 1 --db "$T/status.db" verify
err_has "^docket: demand $a: its row \\(in_review, version [0-9]+\\) is not what its last event #[0-9]+ recorded \\(redirecting, version [0-9]+\\): changed outside docket$"

# ... and a command of docket's after such a move does not launder it: the new event records the
# shell's state, which the event before it did not leave and which no move of docket's made.
cp "$T/saved.db" "$T/laundered.db"
sqlite3 "$T/laundered.db" "UPDATE demand SET status = 'in_review', version = version + 1 WHERE id = $a"
expect 0 --db "$T/laundered.db" note "$a" "looked at it"
expect 1 --db "$T/laundered.db" verify
err_has "^docket: demand $a: event #[0-9]+ records it in_review, but the event before it \\(#[0-9]+\\) left it redirecting and #[0-9]+ is no move from there: its state was changed outside docket$"
# The same with a move of docket's from the shell's state.
cp "$T/saved.db" "$T/laundered.db"
sqlite3 "$T/laundered.db" "UPDATE demand SET status = 'in_review', version = version + 1 WHERE id = $a"
expect 0 --db "$T/laundered.db" move "$a" closed --outcome withdrawn
expect 1 --db "$T/laundered.db" verify
err_has "^docket: demand $a: event #[0-9]+ records it [a-z_ ()]+, but the event before it \\(#[0-9]+\\) left it redirecting and"

# The untouched database still verifies.
expect 0 verify --head "$head1"
exit 0
