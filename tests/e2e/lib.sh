# lib.sh: what the end-to-end tests share. Each test sources it, runs the real docket binary in a
# private temporary directory (its own HOME, XDG directories and database) and exits non-zero at
# the first expectation that does not hold, printing what it saw.
#
# The Makefile passes $DOCKET (the binary under test) and $top_srcdir.

set -u

: "${DOCKET:?the docket binary to test (make check sets it)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/docket-e2e.XXXXXX")
OUT=$T/stdout
ERR=$T/stderr
LAST_RC=0
# Processes a test started (servers, second dockets), stopped when it ends.
E2E_PIDS=""

e2e_cleanup() {
	for p in $E2E_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $E2E_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	chmod -R u+w "$T" 2>/dev/null || true
	rm -rf "$T"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

export HOME="$T/home"
export XDG_DATA_HOME="$T/home/.local/share"
export XDG_CONFIG_HOME="$T/home/.config"
export DOCKET_DB="$T/docket.db"
export LC_ALL=C.UTF-8
export TZ=UTC
unset DOCKET_ACTOR NO_COLOR 2>/dev/null || true
mkdir -p "$HOME"

# The login docket sees (from the password database, as docket reads it).
ME=$(id -un)

fail() {
	echo "FAIL: $*" >&2
	echo "--- last command's exit status: $LAST_RC" >&2
	echo "--- stdout:" >&2
	head -c 4000 "$OUT" >&2 2>/dev/null || true
	echo "--- stderr:" >&2
	head -c 4000 "$ERR" >&2 2>/dev/null || true
	exit 1
}

# Runs docket with the arguments; stdout to $OUT, stderr to $ERR, status in $LAST_RC. With
# DOCKET_WRAP set (scripts/check sets it to valgrind for some tests), docket runs under it.
dk() {
	LAST_RC=0
	${DOCKET_WRAP:-} "$DOCKET" "$@" >"$OUT" 2>"$ERR" </dev/null || LAST_RC=$?
}

# expect RC docket-args...: runs docket and checks the exit status.
expect() {
	want=$1
	shift
	dk "$@"
	[ "$LAST_RC" -eq "$want" ] || fail "docket $* exited $LAST_RC, expected $want"
}

# Checks the last command's stdout or stderr for an extended regular expression (or its absence).
out_has() { grep -Eq -- "$1" "$OUT" || fail "stdout lacks /$1/"; }
out_lacks() { ! grep -Eq -- "$1" "$OUT" || fail "stdout has /$1/"; }
err_has() { grep -Eq -- "$1" "$ERR" || fail "stderr lacks /$1/"; }
err_lacks() { ! grep -Eq -- "$1" "$ERR" || fail "stderr has /$1/"; }
# The last command's stderr is one line (a usage error may add the line pointing at --help).
err_one_line() {
	[ "$(grep -cv "^Try 'docket" "$ERR")" -eq 1 ] || fail "stderr is not one line"
}

# Reads a JSON value from the last stdout with a Python expression over `d`.
json() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}

# A full logical dump of a database (schema and rows), to prove a refused command wrote nothing.
db_dump() {
	sqlite3 "${1:-$DOCKET_DB}" .dump
}

# A database with its admin ($ME), an attorney (atty), an intake clerk (clerk) and two customers.
setup_db() {
	expect 0 init
	expect 0 staff add atty --name "Ada Attorney" --role attorney
	expect 0 staff add clerk --name "Carl Clerk" --role intake
	expect 0 customer add --tenant acme-eu --name "Acme Europe" --region eu-west \
		--contact "Eva Legal" --email legal@acme.example --phone "+353 1 555 0100"
	expect 0 customer add --tenant zenith-us --name "Zenith US" --region us-east \
		--email counsel@zenith.example
}

# add_demand REF [extra add options...]: a subpoena from Irish police for acme-eu's subscriber
# data; sets ID to the new demand's id.
add_demand() {
	ref=$1
	shift
	expect 0 add --ref "$ref" --channel email --instrument subpoena --customer acme-eu \
		--requester "Garda Bureau" --kind law_enforcement --jurisdiction IE \
		--requester-email bureau@garda.example --category subscriber --identifier user@acme.example "$@"
	ID=$(cat "$OUT")
	case $ID in '' | *[!0-9]*) fail "add printed \"$ID\", not an id" ;; esac
}

# Starts a command in the background and remembers it for the cleanup.
bg() {
	"$@" &
	E2E_PIDS="$E2E_PIDS $!"
}

# A free TCP port on loopback.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until a TCP port on loopback accepts connections (at most about 10 s).
wait_port() {
	i=0
	while ! /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "nothing listens on port $1"
		sleep 0.1
	done
}
