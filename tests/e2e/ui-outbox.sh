#!/bin/sh
# The terminal UI's outbox in a real terminal (tmux): two letters that need a person — a redirect
# letter to a requester with no e-mail address, and an e-mail that failed on its one attempt (the
# SMTP port is closed) — are counted in the queue's title, standing out, and handled from the
# outbox: the letter read, a retry the core refuses (no address) with its reason shown, the letter
# recorded as delivered by hand with its date, the e-mail tried again and then cancelled. The
# command line sees the result.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

setup_db
expect 0 add --ref POST-1 --channel mail --instrument subpoena --customer acme-eu \
	--requester "Bezirksamt Köln" --kind government --jurisdiction DE \
	--category subscriber --identifier user@acme.example
post=$(cat "$OUT")
expect 0 move "$post" redirecting
add_demand DOWN-2
down=$ID
expect 0 move "$down" redirecting

# Nothing listens on the port: the connection is refused at once, and one attempt is all there is.
mkdir -p "$XDG_CONFIG_HOME/docket"
cat >"$XDG_CONFIG_HOME/docket/config" <<EOF
smtp_url = smtp://127.0.0.1:$(free_port)
smtp_tls = none
mail_from = legal@provider.example
max_attempts = 1
EOF
expect 3 outbox send
expect 0 outbox list --needs-person --format json
[ "$(json '[(n["id"], n["status"], n["via"]) for n in d]')" = "[(2, 'failed', 'smtp'), (1, 'queued', 'letter')]" ] ||
	fail "the two letters do not need a person"
today=$(date -u +%F)

tui_start 100x30
tui_wait '2 letters need a person \(l\)'
# The count stands out of the title bar: on a colour terminal, on red.
tmux -S "$TUI_SOCK" capture-pane -e -p -t tui | head -n 1 | grep -q '41m2 letters need a person' ||
	tui_fail "the count of letters does not stand out"

tui_keys l
tui_wait 'outbox . 2 waiting . 2 need a person'
tui_wait '^! +2 DOWN-2 .*failed'
tui_wait '^! +1 POST-1 .*\(no address\) +queued \(letter\)'

# The letter for a person, read as it goes out.
tui_keys j Enter
tui_wait 'notice 1 . redirect . queued via letter for POST-1'
tui_wait 'Dear Bezirksamt Köln'
tui_wait 'To: +Bezirksamt Köln \(no e-mail address: a person delivers it\)'
# Only an e-mail can be tried again: the core's reason, and nothing changes.
dk outbox list --status all --format json
before=$(cat "$OUT")
tui_keys t
tui_wait 'notice 1: no e-mail address; add one with docket outbox edit 1'
expect 0 outbox list --status all --format json
[ "$(cat "$OUT")" = "$before" ] || tui_fail "a refused retry changed the outbox"
# Posted today.
tui_keys d
tui_wait 'Notice 1, redirect for POST-1: delivered by a person'
tui_keys Tab
tui_type "$today"
tui_keys Enter
tui_wait 'notice 1: recorded as delivered by letter'
tui_wait 'sent via letter'

# Back in the outbox: only the failed e-mail is left; tried again, then cancelled.
tui_keys q
tui_wait 'outbox . 1 waiting . 1 needs a person'
tui_lacks 'POST-1'
tui_keys t
tui_wait 'notice 2: back in the queue'
tui_wait 'outbox . 1 waiting . 0 need a person'
tui_keys c
tui_wait 'Notice 2, redirect for DOWN-2: cancel'
tui_type "the bureau withdrew the request"
tui_keys Enter
tui_wait 'notice 2: cancelled'
tui_wait 'No letters waiting'
tui_keys q
tui_wait 'Queue: open'
tui_lacks 'need a person'
tui_keys q
tui_exited 0

expect 0 outbox list --status all --format json
[ "$(json '[(n["id"], n["status"], n["via"]) for n in d]')" = "[(2, 'cancelled', 'smtp'), (1, 'sent', 'letter')]" ] ||
	fail "the outbox is not as the UI left it"
[ "$(json 'd[1]["sent"][:10]')" = "$today" ] || fail "the letter's delivery date is not the one typed"
[ "$(json 'd[0]["last_error"]')" = "cancelled: the bureau withdrew the request" ] || fail "the reason is not kept"
[ "$(json '[n["needs_person"] for n in d]')" = "[False, False]" ] || fail "a letter still needs a person"
expect 0 show "$down" --format json
[ "$(json '[e["action"] for e in d["events"] if e["action"].startswith("notice")]')" = \
	"['notice_failed', 'notice_retry', 'notice_cancelled']" ] || fail "the timeline lacks the retry or the cancellation"
expect 0 show "$post" --format json
[ "$(json '[e["action"] for e in d["events"]][-1]')" = letter_sent ] || fail "the delivery is not in the timeline"
exit 0
