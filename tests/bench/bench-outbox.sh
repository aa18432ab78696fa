#!/bin/sh
# bench-outbox.sh BUILD_DIR: what the outbox costs.
#
#  1. The time drafting and queueing a letter adds to a workflow move (target: under 5 ms): the
#     same demands are moved received -> redirecting (which drafts the redirect letter from its
#     template and queues it) and then redirecting -> in_review (which queues nothing); the
#     difference of the mean times per move is the letter's share. Each move is one `docket move`
#     process, as a person or the UI makes it. Done on a database that already holds 20,000 demo
#     demands.
#  2. `docket outbox send` delivering 1,000 queued letters to aiosmtpd on loopback (target: under
#     10 s).
#
# Run by hand, once; it takes a minute or so (setting up 1,200 demands one command at a time).
set -eu
[ $# -eq 1 ] || {
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
}
D=$(cd "$1" && pwd)/docket
[ -x "$D" ] || {
	echo "$0: no docket in $1" >&2
	exit 2
}
MOVES=${MOVES:-200}
LETTERS=${LETTERS:-1000}

T=$(mktemp -d "${TMPDIR:-/tmp}/docket-bench-outbox.XXXXXX")
SMTPD=""
cleanup() {
	[ -n "$SMTPD" ] && kill "$SMTPD" 2>/dev/null && wait "$SMTPD" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export HOME=$T XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data DOCKET_DB=$T/bench.db LC_ALL=C.UTF-8
unset DOCKET_ACTOR DOCKET_SMTP_USER DOCKET_SMTP_PASSWORD 2>/dev/null || true

now_ms() { date +%s%3N; }

echo "setting up: 20,000 demo demands, then $((MOVES + LETTERS)) demands added one by one..."
"$D" demo --count 20000 >/dev/null
"$D" customer add --tenant bench --name "Bench Kunde GmbH" --region eu-central --contact "Jürgen Müller" \
	--email legal@bench.example >/dev/null
add() {
	"$D" add --ref "$1" --channel email --instrument subpoena --customer bench --requester "Det. Kay" \
		--kind law_enforcement --jurisdiction DE --requester-email kay@polizei.example --category subscriber \
		--identifier "user$2@bench.example"
}
first=""
i=0
while [ "$i" -lt $((MOVES + LETTERS)) ]; do
	id=$(add "BENCH-$i" "$i")
	[ -n "$first" ] || first=$id
	i=$((i + 1))
done
last=$((first + MOVES + LETTERS - 1))

# --- 1. a move with a letter, and without -------------------------------------------------
sync
t0=$(now_ms)
id=$first
while [ "$id" -lt $((first + MOVES)) ]; do
	"$D" move "$id" redirecting
	id=$((id + 1))
done
t1=$(now_ms)
id=$first
while [ "$id" -lt $((first + MOVES)) ]; do
	"$D" move "$id" in_review
	id=$((id + 1))
done
t2=$(now_ms)
queued=$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM notice WHERE status = 'queued' AND via = 'smtp'")
[ "$queued" -eq "$MOVES" ] || {
	echo "$0: $queued letters queued by $MOVES moves" >&2
	exit 1
}
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$MOVES" 'BEGIN {
	with = (b - a) / n; without = (c - b) / n; extra = with - without
	printf "move with a letter     %8.3f ms per move (%d moves)\n", with, n
	printf "move without a letter  %8.3f ms per move\n", without
	printf "drafting + queueing    %8.3f ms per move           target < 5 ms   %s\n", extra, extra < 5 ? "ok" : "MISSED"
}'

# Those letters are not part of the second figure.
sqlite3 "$DOCKET_DB" "UPDATE notice SET status = 'cancelled' WHERE status = 'queued'"

# --- 2. 1,000 letters to a loopback server --------------------------------------------------
id=$((first + MOVES))
while [ "$id" -le "$last" ]; do
	"$D" move "$id" redirecting
	id=$((id + 1))
done
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/mail/tmp" "$T/mail/new" "$T/mail/cur" "$XDG_CONFIG_HOME/docket"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$T/mail" &
SMTPD=$!
i=0
until /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
	"$PORT" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || {
		echo "$0: the SMTP server did not start" >&2
		exit 1
	}
	sleep 0.1
done
printf 'smtp_url = smtp://127.0.0.1:%s\nsmtp_tls = none\nmail_from = Legal <legal@provider.example>\n' "$PORT" \
	>"$XDG_CONFIG_HOME/docket/config"
sync
t0=$(now_ms)
"$D" outbox send >"$T/send.out"
t1=$(now_ms)
# The run also sends the delayed notices its sweep finds owed in the demo data (a few).
sent=$(ls "$T/mail/new" | wc -l)
said=$(sed -n 's/^\([0-9]*\) sent, 0 deferred, 0 failed, 0 refused$/\1/p' "$T/send.out")
[ "$sent" -ge "$LETTERS" ] && [ "$sent" = "$said" ] || {
	echo "$0: the server received $sent letters of $LETTERS" >&2
	tail -n 3 "$T/send.out" >&2
	exit 1
}
awk -v a="$t0" -v b="$t1" -v n="$sent" 'BEGIN {
	s = (b - a) / 1000
	printf "outbox send            %8.3f s for %d letters         target < 10 s   %s\n", s, n, s < 10 ? "ok" : "MISSED"
	printf "                       %8.3f ms per letter\n", (b - a) / n
}'
