#!/bin/sh
# The bad-input corpus: each directory under tests/data/bad/ is one hostile input with the error it
# must get. Every case must fail with its exit status and a one-line message matching its pattern,
# and leave the database exactly as it was (a full dump compared before and after).
#
# A case directory holds:
#   args    docket's arguments, one per line; @NAME is replaced by the path of file NAME in the
#           case directory (after `make` ran), @T by a scratch directory of the case's own
#   expect  line 1: the exit status; line 2: an extended regular expression for stderr
#   make    optional: a shell script run in the case directory to build large inputs (it
#           writes into $CASE_OUT, which @NAME also searches)
#   db      optional (in the case directory, or written by make): a database used instead of
#           the shared one, compared byte for byte before and after
#   mode    optional: the mode to give that database (default 600)
#   stdin   optional: fed to docket on standard input
. "$(dirname "$0")/lib.sh"

corpus=$top_srcdir/tests/data/bad
setup_db
add_demand BASE-1
expect 0 order 1 --ref NDO-1 --expires 2099-01-01
shared_before=$(db_dump)
n=0
for dir in "$corpus"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/args" ] || fail "$name: no args file"
	[ -f "$dir/expect" ] || fail "$name: no expect file"
	work=$T/case-$name
	mkdir -p "$work"
	if [ -f "$dir/make" ]; then
		(cd "$dir" && CASE_OUT=$work sh ./make) || fail "$name: its make script failed"
	fi
	# The arguments, one per line, with @NAME expanded.
	set --
	while IFS= read -r a || [ -n "$a" ]; do
		case $a in
		@T) a=$work ;;
		@T/*) a=$work/${a#@T/} ;;
		@*)
			f=${a#@}
			if [ -e "$work/$f" ] || [ -L "$work/$f" ]; then a=$work/$f; else a=$dir$f; fi
			;;
		esac
		set -- "$@" "$a"
	done <"$dir/args"
	want_rc=$(sed -n 1p "$dir/expect")
	want_err=$(sed -n 2p "$dir/expect")
	db=$DOCKET_DB
	own_db=
	[ -f "$dir/db" ] && own_db=$dir/db
	[ -f "$work/db" ] && own_db=$work/db
	if [ -n "$own_db" ]; then
		db=$work/case.db
		cp "$own_db" "$db"
		chmod "$(cat "$dir/mode" 2>/dev/null || echo 600)" "$db"
		cp "$db" "$work/orig.db"
	else
		before=$shared_before
	fi
	stdin=/dev/null
	[ -f "$dir/stdin" ] && stdin=$dir/stdin
	LAST_RC=0
	DOCKET_DB=$db ${DOCKET_WRAP:-} "$DOCKET" "$@" >"$OUT" 2>"$ERR" <"$stdin" || LAST_RC=$?
	[ "$LAST_RC" -eq "$want_rc" ] || fail "$name: exit status $LAST_RC, expected $want_rc"
	grep -Eq -- "$want_err" "$ERR" || fail "$name: stderr does not match /$want_err/"
	err_one_line
	# Nothing raw reaches the terminal: no escape byte in anything docket printed.
	if grep -q "$(printf '\033')" "$OUT" "$ERR"; then fail "$name: an escape character reached the output"; fi
	if [ -n "$own_db" ]; then
		cmp -s "$db" "$work/orig.db" || fail "$name: the database file changed"
	else
		[ "$(db_dump)" = "$before" ] || fail "$name: the database changed"
	fi
	rm -rf "$work"
	n=$((n + 1))
done
echo "bad_corpus: $n hostile inputs refused cleanly"
[ "$n" -ge 1 ] || fail "the corpus is empty"
exit 0
