#!/bin/sh
# Several dockets on one database at once: two moving the same demand (one wins, the other is
# refused by the version check and nothing is lost), many writers queueing on the lock without
# "database is locked" reaching anyone, and a backup taken while they write.
. "$(dirname "$0")/lib.sh"

setup_db
n=12
i=1
while [ "$i" -le "$n" ]; do
	add_demand "RACE-$i"
	i=$((i + 1))
done

# --- two processes, the same demand, the same version -------------------------------------
i=1
while [ "$i" -le "$n" ]; do
	"$DOCKET" move "$i" redirecting --expect-version 1 >"$T/a$i.out" 2>"$T/a$i.err" &
	pa=$!
	"$DOCKET" move "$i" closed --outcome withdrawn --expect-version 1 >"$T/b$i.out" 2>"$T/b$i.err" &
	pb=$!
	ra=0
	rb=0
	wait "$pa" || ra=$?
	wait "$pb" || rb=$?
	case "$ra$rb" in
	01) grep -q "demand $i: changed by someone else since it was read (version 1, now 2)" "$T/b$i.err" ||
		fail "demand $i: the loser said: $(cat "$T/b$i.err")" ;;
	10) grep -q "demand $i: changed by someone else since it was read (version 1, now 2)" "$T/a$i.err" ||
		fail "demand $i: the loser said: $(cat "$T/a$i.err")" ;;
	*) fail "demand $i: exit statuses $ra and $rb; exactly one move must win" ;;
	esac
	i=$((i + 1))
done
# Each demand moved once, with exactly one event for it.
moved=$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM event WHERE action = 'moved'")
[ "$moved" -eq "$n" ] || fail "$moved move events for $n demands"
changed=$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM demand WHERE version = 2 AND status <> 'received'")
[ "$changed" -eq "$n" ] || fail "$changed of $n demands moved exactly once"

# --- many writers at once ----------------------------------------------------------------
writers=6
notes=15
w=1
while [ "$w" -le "$writers" ]; do
	(
		k=1
		while [ "$k" -le "$notes" ]; do
			"$DOCKET" note $(((w + k) % n + 1)) "writer $w note $k" >/dev/null 2>>"$T/w$w.err" || {
				echo "note failed: $?" >>"$T/w$w.err"
				exit 1
			}
			k=$((k + 1))
		done
	) &
	E2E_PIDS="$E2E_PIDS $!"
	w=$((w + 1))
done
# A backup and readers while they write.
sleep 0.2
expect 0 backup "$T/during.db"
expect 0 list --status all --format json
for p in $E2E_PIDS; do
	wait "$p" || fail "a writer failed: $(cat "$T"/w*.err)"
done
E2E_PIDS=""
cat "$T"/w*.err 2>/dev/null | grep -q "locked" && fail "'database is locked' reached a user"
got=$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM event WHERE action = 'note'")
[ "$got" -eq $((writers * notes)) ] || fail "$got notes written of $((writers * notes))"
expect 0 verify
expect 0 --db "$T/during.db" verify
exit 0
