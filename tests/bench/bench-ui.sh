#!/bin/sh
# Benchmarks of the terminal UI, run by hand (not by make check):
#   tests/bench/bench-ui.sh [BUILD_DIR] [WORK_DIR]
# Runs the real docket in tmux (100x30) on a database of a million demo demands, with
# DOCKET_UI_TIMINGS set so that the UI notes when it first drew and how long each key took from
# being read to the screen being updated, and prints each figure beside its target: the first
# screen after start, a key that moves the cursor or pages, a reference-prefix search, resident
# memory. BUILD_DIR holds the docket binary (default build/main); WORK_DIR holds the database
# (default a temporary directory; give one to keep the database between runs, it is made only
# when missing).
. "$(dirname "$0")/lib.sh"
bench_needs tmux
bench_on_exit='tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true'
db=$work/bench-1m.db
count=${BENCH_COUNT:-1000000}
sock=$work/tmux.sock
times=$work/timings
unset TMUX NO_COLOR 2>/dev/null || true

if [ ! -f "$db" ]; then
	echo "bench: making $count demo demands in $db" >&2
	"$docket" --db "$db" demo --count "$count" --seed 7 >/dev/null
fi
# Opening migrates the database to this docket's schema; not part of what is timed.
"$docket" --db "$db" list --limit 1 >/dev/null

screen() { tmux -S "$sock" capture-pane -p -t bench; }
wait_for() {
	i=0
	until screen | grep -Eq -- "$1"; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || { echo "bench: the screen never showed /$1/" >&2; screen >&2; exit 1; }
		sleep 0.05
	done
}
keys() {
	for k in "$@"; do
		tmux -S "$sock" send-keys -t bench "$k"
		sleep 0.03
	done
}

# Starts docket; the wrapper notes the time just before it execs docket, in microseconds.
start() {
	rm -f "$times"
	cat >"$work/run.sh" <<EOF
#!/bin/sh
date +%s%6N >'$work/start'
exec env DOCKET_UI_TIMINGS='$times' '$docket' --db '$db'
EOF
	tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 -s bench "sh '$work/run.sh'"
	wait_for 'under order'
	wait_for 'DEMO-7-'
}
stop() {
	keys C-c
	i=0
	until grep -q '^VmHWM' "$times" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || { echo "bench: docket did not exit" >&2; exit 1; }
		sleep 0.05
	done
	tmux -S "$sock" kill-server 2>/dev/null || true
}

report() { printf '%-44s %10s ms   (target %s)\n' "$1" "$2" "$3"; }
# The median and the largest of the numbers on stdin.
stats() { sort -n | awk '{a[NR] = $1} END {printf "%.1f median, %.1f max", a[int((NR + 1) / 2)], a[NR]}'; }

# First screen: five runs (the first also warms the page cache); the median of the warm ones.
firsts=""
for run in 1 2 3 4 5 6; do
	start
	s=$(cat "$work/start")
	f=$(awk '/^first_draw/ {split($2, t, "."); printf "%d%06d", t[1], t[2]}' "$times")
	ms=$(awk -v s="$s" -v f="$f" 'BEGIN {printf "%.1f", (f - s) / 1000}')
	[ "$run" -gt 1 ] && firsts="$firsts $ms"
	stop
done
report "first screen drawn after start" "$(echo "$firsts" | tr ' ' '\n' | sed '/^$/d' | stats)" "150 ms"

# Keys: the cursor down and up the screen and past it, pages down and up, the ends.
start
keys j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j
keys k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k k
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do keys PageDown; done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do keys PageUp; done
keys G g
# A reference prefix, a character at a time: each character searches again.
keys /
wait_for 'Search:'
for c in D E M O - 7 - 0 5 4 3 2 1 0; do
	tmux -S "$sock" send-keys -t bench -l "$c"
	sleep 0.03
done
wait_for 'Search: DEMO-7-0543210'
wait_for '1 found'
# Words found in no note: the idle search reads every event of the timeline once.
keys C-u
for c in z q x w; do
	tmux -S "$sock" send-keys -t bench -l "$c"
	sleep 0.03
done
wait_for 'Search: zqxw . 0 found *$'
stop
report "cursor key (j, k) redrawn" "$(awk '$1 == "key" && $2 == "queue" && ($3 == "j" || $3 == "k") {print $4}' "$times" | stats)" "10 ms"
report "page key (PgDn, PgUp) redrawn" "$(awk '$1 == "key" && $2 == "queue" && ($3 == "PgDn" || $3 == "PgUp") {print $4}' "$times" | stats)" "10 ms"
report "first or last demand (g, G) redrawn" "$(awk '$1 == "key" && $2 == "queue" && ($3 == "g" || $3 == "G") {print $4}' "$times" | stats)" "10 ms"
report "reference prefix searched and drawn, per key" "$(awk '$1 == "key" && $2 == "search" && $3 != "/" {print $4}' "$times" | stats)" "100 ms"
report "one idle slice of the note search" "$(awk '$1 == "idle" {print $3}' "$times" | stats)" "-"
printf '%-44s %10s MB   (target 40 MB)\n' "resident memory, largest" "$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "$times")"
