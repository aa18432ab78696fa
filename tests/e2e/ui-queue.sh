#!/bin/sh
# The terminal UI in a real terminal (tmux): the queue on a demo database, moving about, search
# by reference, the late filter, a case, changes made by another process, a resize, a name that
# holds an escape sequence, TERM=vt100 without colour, and the terminal given back on Ctrl-C and
# on a signal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

expect 0 init
expect 0 demo --count 3000 --seed 3 --as-of 2026-11-20
# A name that came in behind docket's back, with an escape sequence that would clear the screen
# and set the terminal's title.
sqlite3 "$DOCKET_DB" "UPDATE customer SET name = 'Evil' || char(27) || '[2J' || char(27) || ']2;pwned' ||
	char(7) || ' Corp' WHERE id = (SELECT customer_id FROM demand WHERE reference = 'DEMO-3-0002999')" ||
	fail "sqlite3 could not change the name"

tui_start 100x30
tui_wait '[0-9,]+ open . [0-9,]+ late'
tui_wait 'Queue: open'
tui_wait 'DEMO-3-000'
tui_lacks 'No demands here'
# The cursor moves; the last demand and back to the first.
tui_capture
first=$(grep -Eo 'DEMO-3-[0-9]+' "$T/screen.txt" | head -n 1)
tui_keys j j j
tui_keys G
tui_wait_gone "$first"
tui_capture
last=$(grep -Eo 'DEMO-3-[0-9]+' "$T/screen.txt" | tail -n 1)
tui_keys g
tui_wait "$first"
tui_wait_gone "$last"
tui_keys PageDown
tui_wait_gone "$first"
tui_keys PageUp
tui_wait "$first"

# Search by reference, as you type; open the result.
tui_keys /
tui_wait 'Search:'
tui_type 'demo-3-000299'
tui_wait 'Search: demo-3-000299'
tui_wait '10 found'
tui_wait 'DEMO-3-0002999'
tui_type 9
tui_wait '1 found'
tui_keys Enter
tui_wait 'demand 2999 . DEMO-3-0002999'
tui_wait 'Reference +DEMO-3-0002999 \(source demo\)'
# The escape sequence is shown, not obeyed: the title is not set, the screen not cleared.
tui_wait 'Evil\^\[\[2J\^\[\]2;pwned\^G Corp'
[ "$(tmux -S "$TUI_SOCK" display -p -t tui '#{pane_title}')" != pwned ] || tui_fail "the title was set"
tui_wait 'Moves:'
tui_keys Escape
tui_wait 'Search: demo-3-0002999'
tui_keys Escape
tui_wait 'Queue: open'

# Late only, through the filter form.
tui_keys f
tui_wait 'Filter the queue'
tui_keys Tab Tab Space Enter
tui_wait 'Queue: open . anyone.s . by deadline . late'
tui_wait ' late '
tui_lacks ' in [0-9]+[dhm] '

# Another process records a demand: it appears without a restart.
expect 0 customer add --tenant t-new --name "Newcomer" --region us-east
expect 0 add --ref ARRIVED-1 --channel email --instrument subpoena --customer t-new --requester "Det. Kay" \
	--kind law_enforcement --jurisdiction US-NY --category subscriber --received 2026-01-01
tui_wait 'ARRIVED-1'

# A resize redraws, with the columns a wider terminal has room for.
tmux -S "$TUI_SOCK" resize-window -t tui -x 140 -y 40
tui_wait '\(law_enforcement\)'
tmux -S "$TUI_SOCK" resize-window -t tui -x 80 -y 24
tui_wait_gone '\(law_enforcement\)'
tui_wait 'ARRIVED-1'

# Help, from the same table as the keys.
tui_keys '?'
tui_wait 'Keys on the queue screen'
tui_wait 'record a new demand'
tui_keys q
tui_wait 'Queue: open'

# Ctrl-C quits at once and gives the terminal back.
tui_keys C-c
tui_exited 0

# TERM=vt100 without colour, and a signal: the terminal is given back all the same.
tui_start 80x24 TERM=vt100 NO_COLOR=1
tui_wait '[0-9,]+ open'
tui_wait 'DEMO-3-000'
tui_keys Enter
tui_wait 'Moves:'
pid=$(tui_pid)
[ -n "$pid" ] || tui_fail "no docket process"
kill -TERM "$pid"
tui_exited 143
exit 0
