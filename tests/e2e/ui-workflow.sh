#!/bin/sh
# The terminal UI in a real terminal (tmux) takes demands along whole paths of the workflow, and
# the command line sees the result: received -> redirecting -> closed (redirected); an emergency
# received -> in_review -> notifying -> disclosing -> closed (disclosed_non_content), acting as an
# attorney; a move the core refuses shows its reason and writes nothing; the intake form records a
# demand that `docket list` then lists.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

setup_db
add_demand GJ-1
first=$ID
add_demand EM-2 --emergency
second=$ID

# Opens a demand through search by its reference.
open_case() {
	tui_keys /
	tui_wait 'Search:'
	tui_type "$1"
	tui_wait "1 found"
	tui_keys Enter
	tui_wait "demand [0-9]+ . $1"
	tui_wait 'Moves:'
}

# Makes the move named, with a note, and waits for the case to say so.
move() {
	re=$(printf '%s' "$1" | sed 's/[][().*^$+?{}|\\]/\\&/g')
	n=$(tui_move_number "$1")
	tui_keys "$n"
	tui_wait "move from .* to $re"
	tui_type "$2"
	tui_keys Enter
	tui_wait "moved to $re"
}

tui_start 100x30
tui_wait 'GJ-1'
open_case GJ-1
# A refused move: received -> in_review without an emergency. The reason is the core's, on the
# last line; nothing changes.
n=$(tui_move_number in_review)
dk show "$first" --format json
before=$(cat "$OUT")
tui_keys "$n"
tui_wait "demand $first: cannot move from received to in_review: only an emergency demand may skip"
tui_wait 'Status +received \(version 1\)'
expect 0 show "$first" --format json
[ "$(cat "$OUT")" = "$before" ] || tui_fail "a refused move changed the demand"

move redirecting "the letter went out"
tui_wait 'Status +redirecting'
move "closed (redirected)" "the requester went to the customer"
tui_wait 'Moves: none \(closed\)'
tui_keys q
tui_wait 'Search: GJ-1'
tui_keys Escape
tui_wait 'Queue: open'
tui_keys q
tui_exited 0
expect 0 show "$first" --format json
[ "$(json 'd["status"]')" = closed ] || fail "not closed"
[ "$(json 'd["outcome"]')" = redirected ] || fail "not redirected"
[ "$(json '[e["note"] for e in d["events"] if e["action"] == "moved"]')" = \
	"['the letter went out', 'the requester went to the customer']" ] || fail "the notes are not in the timeline"

# An attorney (the admin acting for atty) takes the emergency through review to disclosure.
tui_start 100x30 -- --actor atty
tui_wait 'EM-2'
open_case EM-2
move in_review "emergency: straight to review"
move notifying "valid and in scope"
# Disclosure needs a verified requester: refused first, then verified through its form.
n=$(tui_move_number disclosing)
tui_keys "$n"
tui_wait "cannot move from notifying to disclosing: the requester's identity is not verified"
tui_keys v
tui_wait 'the requester.s identity was verified'
tui_keys Tab
tui_type "called the duty sergeant back"
tui_keys Enter
tui_wait 'verification recorded'
tui_wait 'Verified +callback by atty'
move disclosing "sent the subscriber record"
n=$(tui_move_number "closed (disclosed_non_content)")
tui_keys "$n"
tui_wait 'Disclosed: subscriber'
tui_type "done"
tui_keys Enter
tui_wait 'moved to closed \(disclosed_non_content\)'
tui_keys q
tui_wait 'Search: EM-2'
tui_keys Escape
tui_wait 'Queue: open'
tui_keys q
tui_exited 0
expect 0 show "$second" --format json
[ "$(json 'd["status"] + " " + d["outcome"]')" = "closed disclosed_non_content" ] || fail "not closed as disclosed"
[ "$(json 'd["disclosed"]')" = "['subscriber']" ] || fail "the disclosed categories are wrong"
[ "$(json '[e["actor"] for e in d["events"] if e["action"] == "moved"][-1]')" = atty ] || fail "not moved as atty"
[ "$(json 'd["verifications"][0]["note"]')" = "called the duty sergeant back" ] || fail "no verification"

# An attorney records an order through its form: the case shows the obligations change; lifting it
# without a reason is refused with the core's reason, and with one the notice is owed again.
add_demand GAG-U
gag=$ID
expect 0 move "$gag" redirecting
expect 0 move "$gag" in_review
tui_start 100x40 -- --actor atty
tui_wait 'GAG-U'
open_case GAG-U
tui_wait 'Obligations +customer notice: not owed'
tui_keys o
tui_wait 'non-disclosure order'
tui_type "NDO-U"
tui_keys Tab Tab Tab Tab
tui_type "2099-01-01"
tui_keys C-s
tui_wait "demand $gag: order recorded"
tui_wait 'contact: FORBIDDEN: order NDO-U is in force'
tui_keys o
tui_wait 'Reviewed now'
tui_keys Tab Tab Tab Left Tab C-u
tui_type "$(date -u +%Y-%m-%d)"
tui_keys C-s
tui_wait 'lifting an order needs --reason'
tui_keys Tab Tab Tab
tui_type "the court lifted it"
tui_keys C-s
tui_wait "demand $gag: order recorded"
tui_lacks 'FORBIDDEN'
tui_keys q
tui_wait 'Search: GAG-U'
tui_keys Escape
tui_wait 'Queue: open'
tui_keys q
tui_exited 0
expect 0 show "$gag" --format json
[ "$(json '[(o["reference"], o["in_force"], o["lifted"] is not None) for o in d["orders"]]')" = "[('NDO-U', False, True)]" ] ||
	fail "the order is not lifted: $(json 'd["orders"]')"
[ "$(json 'd["events"][-1]["note"]')" = "the court lifted it" ] || fail "the lift's reason: $(json 'd["events"][-1]')"

# The intake form records a demand.
tui_start 100x30
tui_wait 'Queue: open'
tui_keys n
tui_wait 'New demand'
tui_type "FORM-9"
tui_keys Tab Tab Tab Tab Tab Enter
tui_wait 'Pick: Customer'
tui_type zenith
tui_wait '1 of 2'
tui_keys Enter
tui_wait 'Zenith US \(zenith-us, data in us-east\)'
tui_keys Tab
tui_type "Det. Kay"
tui_keys Tab Tab Tab
tui_type "US-NY"
tui_keys Tab Tab
tui_type "kay@nypd.example"
tui_keys Tab Tab
tui_type "counsel@zenith.example, 203.0.113.7"
tui_keys C-s
tui_wait 'demand [0-9]+ recorded'
tui_wait 'Reference +FORM-9 \(source manual\)'
tui_keys q
tui_wait 'FORM-9'
tui_keys q
tui_exited 0
expect 0 list --format json
[ "$(json '[r["customer"] for r in d if r["reference"] == "FORM-9"]')" = "['Zenith US']" ] ||
	fail "docket list does not show the demand the form recorded"
expect 0 list --search FORM-9 --format json
id=$(json 'd[0]["id"]')
expect 0 show "$id" --format json
[ "$(json '[i["value"] for i in d["identifiers"]]')" = "['counsel@zenith.example', '203.0.113.7']" ] ||
	fail "the identifiers are wrong"
[ "$(json 'd["requester"]["email"]')" = kay@nypd.example ] || fail "the requester's e-mail is wrong"
exit 0
