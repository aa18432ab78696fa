#!/bin/sh
# The bad-input corpus: each directory under tests/data/bad/ is one hostile input with the error it
# must get. Every case must fail with its exit status and a one-line message matching its pattern
# (an import may add its usual last lines: "nothing imported: ..." and the counts), print no raw
# escape character, and leave the database exactly as it was (a full dump compared before and
# after). The shared database has a demand under an order (1) and one whose redirect letter is
# queued (2, letter 1).
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
#   env     optional: NAME=VALUE lines set for docket, VALUE expanded as in args (e.g. an EDITOR
#           script, or XDG_CONFIG_HOME=@T/cfg for a config file that make wrote)
. "$(dirname "$0")/lib.sh"

corpus=$top_srcdir/tests/data/bad
setup_db
add_demand BASE-1
expect 0 --actor atty order 1 --ref NDO-1 --expires 2099-01-01
add_demand BASE-2
expect 0 move 2 redirecting
shared_before=$(db_dump)
n=0

# An argument of a case: @T is its scratch directory, @NAME a file the make script wrote (in
# $work) or one in the case directory.
expand() {
	case $1 in
	@T) printf '%s' "$work" ;;
	@T/*) printf '%s' "$work/${1#@T/}" ;;
	@*)
		f=${1#@}
		if [ -e "$work/$f" ] || [ -L "$work/$f" ]; then printf '%s' "$work/$f"; else printf '%s' "$dir$f"; fi
		;;
	*) printf '%s' "$1" ;;
	esac
}

# The last command's stderr holds one line, beside the lines a usage error and an import add.
err_one_problem() {
	[ "$(grep -cvE "^Try 'docket|^docket: nothing imported: |^imported [0-9]+, " "$ERR")" -eq 1 ] ||
		fail "$name: stderr is not one line"
}
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
		set -- "$@" "$(expand "$a")"
	done <"$dir/args"
	# The environment, as env(1) arguments.
	envs=""
	if [ -f "$dir/env" ]; then
		while IFS= read -r a || [ -n "$a" ]; do
			[ -n "$a" ] && envs="$envs ${a%%=*}=$(expand "${a#*=}")"
		done <"$dir/env"
	fi
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
	# shellcheck disable=SC2086
	env DOCKET_DB="$db" $envs ${DOCKET_WRAP:-} "$DOCKET" "$@" >"$OUT" 2>"$ERR" <"$stdin" || LAST_RC=$?
	[ "$LAST_RC" -eq "$want_rc" ] || fail "$name: exit status $LAST_RC, expected $want_rc"
	grep -Eq -- "$want_err" "$ERR" || fail "$name: stderr does not match /$want_err/"
	err_one_problem
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
[ "$n" -ge 100 ] || fail "the corpus has only $n cases"
exit 0
