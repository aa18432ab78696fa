# tui.sh: driving the terminal UI in a real terminal, for the end-to-end tests that source it after
# lib.sh: tmux on a private socket in the test's directory, a fixed size, keys sent with
# send-keys, the screen read with capture-pane. Every wait polls the screen until what it waits
# for appears, with a time limit, rather than sleeping a fixed time.

# Each start gets a server on a socket of its own, so that one shutting down never meets the next.
TUI_N=0
TUI_SOCK=$T/tmux0.sock
# Seconds to wait for the screen; a sanitizer build is slower.
TUI_TIMEOUT=${TUI_TIMEOUT:-20}
unset TMUX TMUX_PANE 2>/dev/null || true

tui_cleanup() {
	for sock in "$T"/tmux*.sock; do
		[ -S "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
	done
	e2e_cleanup
}
trap tui_cleanup EXIT

# tui_start COLSxROWS [VAR=value...] [-- docket args...]: starts docket in a new tmux server (under
# $TUI_WRAP when set, e.g. valgrind). The pane runs a script that records the terminal's settings
# before and after docket, docket's stderr and its exit status, so that tests can check that the
# terminal was given back.
tui_start() {
	size=$1
	shift
	envs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $1"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	tui_stop
	TUI_N=$((TUI_N + 1))
	TUI_SOCK=$T/tmux$TUI_N.sock
	rm -f "$T/tui.rc" "$T/tui.err" "$T/stty.before" "$T/stty.after" "$T/tui.pid"
	{
		echo '#!/bin/sh'
		echo "cd '$T'"
		echo "stty -g >'$T/stty.before'"
		echo "echo \$\$ >'$T/tui.pid'"
		printf 'env%s %s' "$envs" "${TUI_WRAP:-}"
		printf " '%s'" "$DOCKET" "$@"
		echo " 2>'$T/tui.err'"
		echo "echo \$? >'$T/tui.rc.tmp'"
		echo "stty -g >'$T/stty.after'"
		echo "mv '$T/tui.rc.tmp' '$T/tui.rc'"
		echo 'echo "docket exited"'
		echo 'exec sleep 600'
	} >"$T/tui-run.sh"
	tmux -S "$TUI_SOCK" -f /dev/null new-session -d -x "${size%x*}" -y "${size#*x}" -s tui \
		"sh '$T/tui-run.sh'" || fail "tmux did not start"
	# The server goes when the test does, even if its socket went first.
	E2E_PIDS="$E2E_PIDS $(tmux -S "$TUI_SOCK" display -p '#{pid}')"
	tmux -S "$TUI_SOCK" set-option -g remain-on-exit on >/dev/null
}

# Stops the server of the last start, and whatever still runs in it.
tui_stop() {
	[ -S "$TUI_SOCK" ] && tmux -S "$TUI_SOCK" kill-server 2>/dev/null
	return 0
}

tui_capture() {
	tmux -S "$TUI_SOCK" capture-pane -p -t tui >"$T/screen.txt" 2>/dev/null || true
}

tui_fail() {
	tui_capture
	echo "--- screen:" >&2
	cat "$T/screen.txt" >&2
	echo "--- docket's stderr:" >&2
	cat "$T/tui.err" >&2 2>/dev/null || true
	fail "$@"
}

# tui_wait ERE: waits until the screen shows a match.
tui_wait() {
	end=$(($(date +%s) + TUI_TIMEOUT))
	while :; do
		tui_capture
		grep -Eq -- "$1" "$T/screen.txt" && return 0
		[ "$(date +%s)" -lt "$end" ] || tui_fail "the screen never showed /$1/"
		sleep 0.05
	done
}

# tui_wait_gone ERE: waits until the screen no longer shows it.
tui_wait_gone() {
	end=$(($(date +%s) + TUI_TIMEOUT))
	while :; do
		tui_capture
		grep -Eq -- "$1" "$T/screen.txt" || return 0
		[ "$(date +%s)" -lt "$end" ] || tui_fail "the screen still shows /$1/"
		sleep 0.05
	done
}

# The screen, as last captured, lacks an ERE.
tui_lacks() {
	tui_capture
	! grep -Eq -- "$1" "$T/screen.txt" || tui_fail "the screen shows /$1/"
}

# Keys by tmux's names (Enter, Escape, Down, C-s...) or text typed as it is.
tui_keys() { tmux -S "$TUI_SOCK" send-keys -t tui "$@"; }
tui_type() { tmux -S "$TUI_SOCK" send-keys -t tui -l "$1"; }

# The number the moves bar gives a move ("redirecting", "closed (redirected)").
tui_move_number() {
	tui_capture
	n=$(/usr/bin/python3 - "$T/screen.txt" "$1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
i = next((k for k, l in enumerate(lines) if "Moves:" in l), None)
text = " ".join(lines[i:i + 3]) if i is not None else ""
m = re.search(r"(?:^|\s)([1-9]) " + re.escape(sys.argv[2]) + r"(?=\s|$)", text)
print(m.group(1) if m else "")
PY
)
	[ -n "$n" ] || tui_fail "no move to $1 on the screen"
	echo "$n"
}

# Waits for docket to exit; checks its status and that nothing went to its stderr.
tui_exited() {
	want=${1:-0}
	end=$(($(date +%s) + TUI_TIMEOUT))
	while [ ! -f "$T/tui.rc" ]; do
		[ "$(date +%s)" -lt "$end" ] || tui_fail "docket did not exit"
		sleep 0.05
	done
	rc=$(cat "$T/tui.rc")
	[ "$rc" -eq "$want" ] || tui_fail "docket exited $rc, expected $want"
	if [ -s "$T/tui.err" ]; then
		tui_fail "docket wrote to stderr"
	fi
	# The terminal is as it was: the same settings, out of the alternate screen, cursor shown.
	cmp -s "$T/stty.before" "$T/stty.after" || tui_fail "the terminal's settings were not restored"
	[ "$(tmux -S "$TUI_SOCK" display -p -t tui '#{alternate_on}')" = 0 ] || tui_fail "still on the alternate screen"
	[ "$(tmux -S "$TUI_SOCK" display -p -t tui '#{cursor_flag}')" = 1 ] || tui_fail "the cursor is still hidden"
	tui_wait "docket exited"
}

# The process id of the docket running in the pane.
tui_pid() {
	/usr/bin/python3 -c '
import os, sys
parent = open(sys.argv[1]).read().split()[0]
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            f = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        if f.rsplit(")", 1)[1].split()[1] == parent:
            print(p)
            break' "$T/tui.pid"
}
