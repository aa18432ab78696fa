#!/bin/sh
# Whole paths along the workflow through the command line, and every guard refusing with its
# reason in one line that names the demand: redirect; review, notice, wait, disclosure; disclosure
# under a non-disclosure order and the notice owed after it; emergency; preservation; the
# cross-region and process flags; attorney-only decisions; verification; extensions; and the
# trigger that holds the workflow against an edit in the sqlite3 shell.
. "$(dirname "$0")/lib.sh"

ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
status_of() {
	expect 0 show "$1" --format json
	json 'd["status"] + ("(" + d["outcome"] + ")" if d["outcome"] else "")'
}
is() { [ "$(status_of "$1")" = "$2" ] || fail "demand $1 is $(status_of "$1"), expected $2"; }
# The waiting period, set behind docket's back: a test cannot wait a week, and a notice dated a
# week back is what docket refuses (it would skip the wait).
wait_days() { sqlite3 "$DOCKET_DB" "UPDATE policy SET value = $1 WHERE key = 'notice_wait_days'"; }
atty() {
	rc=$1
	shift
	expect "$rc" --actor atty "$@"
}

setup_db

# --- redirect: received -> redirecting -> closed(redirected) --------------------------------
add_demand RED-1
r=$ID
expect 0 move "$r" redirecting
is "$r" redirecting
expect 0 move "$r" closed --outcome redirected --note "the requester went to the customer"
is "$r" "closed(redirected)"
expect 1 move "$r" in_review
err_has "^docket: demand $r: cannot move from closed to in_review; moves from closed: none \(closed is final\)"
err_one_line

# --- an illegal move names the moves allowed ------------------------------------------------
add_demand ILL-1
expect 1 move "$ID" disclosing
err_has "^docket: demand $ID: cannot move from received to disclosing; moves from received: in_review, preserving, redirecting, closed\(rejected\), closed\(withdrawn\)"
expect 2 move "$ID" closed
err_has "closing needs --outcome"
expect 2 move "$ID" limbo
err_has "state: \"limbo\" is not one of received, redirecting"
expect 2 move "$ID" closed --outcome vanished
err_has "outcome: \"vanished\" is not one of"

# --- review, notice, wait, disclosure: a warrant for content --------------------------------
expect 0 add --ref WAR-1 --channel portal --instrument search_warrant --customer zenith-us \
	--requester "Det. Kay" --kind law_enforcement --jurisdiction US-NY --requester-email kay@nypd.example \
	--category subscriber,content --identifier ops@zenith.example --received "$(ago '20 days')"
w=$(cat "$OUT")
expect 1 move "$w" in_review
err_has "only an emergency demand may skip redirecting"
expect 0 move "$w" redirecting
expect 0 move "$w" in_review
# A legal decision is an attorney's, even for the admin acting as themselves.
expect 1 move "$w" notifying
err_has "^docket: demand $w: moving from in_review to notifying is a legal decision for an attorney \($ME is admin\)"
expect 1 --actor clerk move "$w" notifying
err_has "clerk is intake"
atty 0 move "$w" notifying --note "valid warrant, in scope"
is "$w" notifying
# Not verified, not notified.
atty 1 move "$w" disclosing
err_has "demand $w: cannot move from notifying to disclosing: the requester's identity is not verified"
expect 0 --actor atty authenticate "$w" --method callback --note "called the precinct's published number"
atty 1 move "$w" disclosing
err_has "the customer has not been notified yet"
# A notice dated before the decision to notify would skip the wait: refused, nothing written.
db_dump >"$T/before.sql"
expect 1 --actor atty notice "$w" --via email --at "$(ago '2 days')"
err_has "demand $w: at: .* is before the notice was owed"
db_dump | cmp -s - "$T/before.sql" || fail "a refused backdated notice changed the database"
# Recording it is an attorney's.
expect 1 --actor clerk notice "$w" --via email
err_has "is for an attorney \(clerk is intake\)"
# A notice now: the waiting period (7 days) has not passed.
expect 0 --actor atty notice "$w" --via email
atty 1 move "$w" disclosing
err_has "disclosure must wait until"
expect 0 show "$w" --format json
# The advance letter queued with the move to notifying is the one recorded as delivered by e-mail.
[ "$(json '[(n["kind"], n["via"], n["status"]) for n in d["notices"] if n["kind"] != "redirect"]')" = \
	"[('advance', 'email', 'sent')]" ] || fail "the notice is not recorded as advance"

# The same on a second warrant whose customer was told ten days ago.
expect 0 add --ref WAR-2 --channel portal --instrument search_warrant --customer zenith-us \
	--requester "Det. Kay" --kind law_enforcement --jurisdiction US-NY --requester-email kay@nypd.example \
	--category subscriber,content --received "$(ago '20 days')"
w2=$(cat "$OUT")
expect 0 move "$w2" redirecting
expect 0 move "$w2" in_review
atty 0 move "$w2" notifying --note "valid"
expect 0 --actor atty authenticate "$w2" --method email-domain
expect 0 --actor atty notice "$w2" --via letter
wait_days 0
atty 0 move "$w2" disclosing
wait_days 7
is "$w2" disclosing
atty 0 move "$w2" closed --outcome disclosed_content
is "$w2" "closed(disclosed_content)"
expect 0 show "$w2" --format json
[ "$(json 'd["disclosed"]')" = "['subscriber', 'content']" ] || fail "disclosed scope: $(json 'd["disclosed"]')"
[ "$(json '[e["action"] for e in d["events"]]')" = \
	"['created', 'moved', 'moved', 'moved', 'verified', 'notice_sent', 'moved', 'moved']" ] ||
	fail "timeline: $(json '[e["action"] for e in d["events"]]')"
[ "$(json '[e["actor"] for e in d["events"] if e["action"] == "moved"][-1]')" = atty ] || fail "actor"
[ "$(json '[e["login"] for e in d["events"] if e["action"] == "moved"][-1]')" = "$ME" ] || fail "login"

# --- content under a subpoena: flagged for process, never disclosed --------------------------
add_demand SUB-C --category subscriber,content --received "$(ago '20 days')"
s=$ID
expect 0 show "$s" --format json
[ "$(json 'd["process_flag"]')" = True ] || fail "content under a subpoena is not flagged"
expect 0 move "$s" redirecting
expect 0 move "$s" in_review
atty 1 move "$s" notifying
err_has "flagged for process .*record how the review handled it with --note"
atty 0 move "$s" notifying --note "subscriber data only; content needs a warrant"
expect 0 --actor atty authenticate "$s" --method portal
expect 0 --actor atty notice "$s" --via email
wait_days 0
atty 0 move "$s" disclosing
wait_days 7
atty 1 move "$s" closed --outcome disclosed_content
err_has "demand $s: a subpoena cannot compel content"
atty 1 move "$s" closed --outcome disclosed_non_content --disclosed content
err_has "cannot compel content|does not match"
atty 0 move "$s" closed --outcome disclosed_non_content
expect 0 show "$s" --format json
[ "$(json 'd["disclosed"]')" = "['subscriber']" ] || fail "non-content disclosure covered $(json 'd["disclosed"]')"

# --- cross-region: a US requester for data kept in the EU ------------------------------------
add_demand XR-1 --jurisdiction US-CA
x=$ID
expect 0 show "$x" --format json
[ "$(json 'd["cross_region"]')" = True ] || fail "US requester for eu-west data is not cross-region"
expect 0 move "$x" redirecting
expect 0 move "$x" in_review
atty 1 move "$x" closed --outcome rejected
err_has "flagged cross-region"
atty 0 move "$x" closed --outcome rejected --note "no jurisdiction over data held in Ireland; MLAT needed"
is "$x" "closed(rejected)"

# --- a non-disclosure order: disclose without notice, the notice owed after it ---------------
add_demand GAG-1 --received "$(ago '30 days')"
g=$ID
expect 0 move "$g" redirecting
expect 0 move "$g" in_review
atty 1 move "$g" disclosing
err_has "not verified"
expect 0 --actor atty authenticate "$g" --method callback
atty 1 move "$g" disclosing
err_has "no non-disclosure order is in force: the customer must be notified first"
expect 0 --actor atty order "$g" --ref "NDO-77" --statute "18 U.S.C. 2705(b)" --expires 2099-01-01
atty 1 move "$g" notifying
err_has "a non-disclosure order is in force: the customer may not be told"
atty 0 move "$g" disclosing --note "order in force; notice deferred"
# No notice may be recorded while the order is in force.
expect 1 --actor atty notice "$g" --via email
err_has "demand $g: a non-disclosure order is in force: the customer may not be told"
atty 0 move "$g" notice_owed
is "$g" notice_owed
expect 0 show "$g" --format json
[ "$(json 'd["due"]')" = 2099-01-01T00:00:00Z ] || fail "notice_owed deadline is not the order's end"
atty 1 move "$g" closed --outcome disclosed_non_content
err_has "the non-disclosure order is in force until 2099-01-01T00:00:00Z: the customer notice is owed after it"
# The order is lifted: the notice is owed now, and closing waits for it.
expect 2 --actor atty order "$g" --ref "NDO-77" --lifted "$(date -u +%Y-%m-%d)"
err_has "lifting an order needs --reason"
expect 1 --actor clerk order "$g" --ref "NDO-77" --lifted "$(date -u +%Y-%m-%d)" --reason "the court lifted it"
err_has "lifting an order is for an attorney \(clerk is intake\)"
expect 0 --actor atty order "$g" --ref "NDO-77" --lifted "$(date -u +%Y-%m-%d)" --reason "the court lifted it"
atty 1 move "$g" closed --outcome disclosed_non_content
err_has "the customer notice owed since the order ended .* has not been given"
# A notice dated inside the order's term is refused.
expect 1 --actor atty notice "$g" --via email --at "$(ago '2 days')"
err_has "is before the notice was owed"
expect 0 --actor atty notice "$g" --via email
atty 0 move "$g" closed --outcome disclosed_non_content
is "$g" "closed(disclosed_non_content)"
expect 0 show "$g" --format json
[ "$(json '[(n["kind"], n["status"]) for n in d["notices"] if n["kind"] != "redirect"]')" = "[('delayed', 'sent')]" ] ||
	fail "the notice after the order is not delayed"

# An indefinite order: closing needs no notice.
add_demand GAG-2 --received "$(ago '30 days')"
g2=$ID
expect 0 move "$g2" redirecting
expect 0 move "$g2" in_review
expect 0 --actor atty order "$g2" --ref NSL-1 --indefinite
expect 0 --actor atty authenticate "$g2" --method callback
atty 0 move "$g2" disclosing
atty 0 move "$g2" closed --outcome disclosed_non_content
is "$g2" "closed(disclosed_non_content)"

# --- emergency: straight to review, no notice wait -------------------------------------------
add_demand EM-1 --emergency --category subscriber,content
e=$ID
expect 0 move "$e" in_review
atty 0 move "$e" notifying --note "imminent danger confirmed by the duty sergeant"
expect 0 --actor atty authenticate "$e" --method supervisor --note "duty sergeant confirmed"
atty 0 move "$e" disclosing
atty 0 move "$e" closed --outcome disclosed_content
is "$e" "closed(disclosed_content)"

# --- preservation: its own short path --------------------------------------------------------
expect 0 add --ref PRES-1 --channel email --instrument preservation --customer acme-eu \
	--requester "Garda Bureau" --kind law_enforcement --jurisdiction IE
p=$(cat "$OUT")
expect 1 move "$p" redirecting
err_has "a preservation request follows its own path"
expect 0 move "$p" preserving
expect 0 show "$p" --format json
due=$(json 'd["due"][:10]')
[ "$due" = "$(date -u -d '+90 days' +%Y-%m-%d)" ] || fail "preservation deadline $due is not 90 days out"
expect 0 move "$p" closed --outcome superseded --note "a warrant followed"
is "$p" "closed(superseded)"
add_demand NOTPRES
expect 1 move "$ID" preserving
err_has "only a preservation request moves to preserving"

# --- extensions: later only, with a reason, in the timeline ----------------------------------
add_demand EXT-1 --due 2099-06-01
x=$ID
expect 0 show "$x" --format json
old=$(json 'd["due"]')
expect 1 --actor atty extend "$x" --due 2000-01-01 --reason "typo"
err_has "demand $x: a deadline can only be extended"
expect 2 --actor atty extend "$x" --due 2099-13-01 --reason "bad date"
err_has "due: "
expect 0 --actor atty extend "$x" --due 2099-07-01 --reason "court granted more time"
expect 0 show "$x" --format json
[ "$(json 'd["due"]')" = 2099-07-01T00:00:00Z ] || fail "extension not applied"
[ "$(json '[e["note"] for e in d["events"] if e["action"] == "extended"]')" = "['court granted more time']" ] ||
	fail "the reason is not in the timeline"
[ "$(json '[e["changes"] for e in d["events"] if e["action"] == "extended"][0][0][1]')" = "$old" ] ||
	fail "the old deadline is not in the timeline"

# --- optimistic version ----------------------------------------------------------------------
add_demand VER-1
expect 0 show "$ID" --format json
v=$(json 'd["version"]')
expect 0 assign "$ID" clerk
expect 1 move "$ID" redirecting --expect-version "$v"
err_has "demand $ID: changed by someone else since it was read \(version $v, now $((v + 1))\)"
expect 0 move "$ID" redirecting --expect-version $((v + 1))

# --- acting for others ------------------------------------------------------------------------
expect 1 --actor nobody move "$ID" closed --outcome withdrawn
err_has "--actor nobody: not active staff"
expect 1 --actor clerk staff add eve --name Eve --role admin
err_has "adding or changing staff is for an admin \(clerk is intake\)"

# --- staff who leave or change role ------------------------------------------------------------
expect 0 staff add gil --name "Gil Clerk" --role intake
expect 2 staff deactivate gil
err_has "needs --reason"
expect 1 --actor clerk staff deactivate gil --reason "not mine to do"
err_has "is for an admin \(clerk is intake\)"
expect 1 --actor gil --actor atty staff role gil attorney --reason x
expect 0 staff role gil attorney --reason "qualified in 2027"
expect 0 --actor gil order "$ID" --ref NDO-GIL --expires 2099-01-01
expect 0 staff deactivate gil --reason "left the team"
expect 1 --actor gil note "$ID" "still here?"
err_has "--actor gil: not active staff"
expect 2 staff deactivate gil --reason again
err_has "already an inactive attorney"
expect 1 staff role "$ME" intake --reason "by mistake"
err_has "is the last active admin"
expect 1 staff deactivate "$ME" --reason "by mistake"
err_has "is the last active admin"
expect 2 staff deactivate nobody --reason x
err_has "staff nobody: no such staff member"
expect 0 staff list --format json
[ "$(json '[(m["role"], m["active"]) for m in d if m["login"] == "gil"]')" = "[('attorney', False)]" ] ||
	fail "gil's row: $(cat "$OUT")"
expect 0 verify
[ "$(sqlite3 "$DOCKET_DB" "SELECT group_concat(note, '|') FROM event WHERE action = 'staff_changed'")" = \
	"qualified in 2027|left the team" ] || fail "the staff events"

# --- the trigger holds the workflow in the sqlite3 shell --------------------------------------
add_demand RAW-1
before=$(db_dump)
sqlite3 "$DOCKET_DB" "UPDATE demand SET status = 'disclosing' WHERE id = $ID" 2>"$T/raw.err" &&
	fail "the sqlite3 shell moved a demand past the workflow"
grep -q "status change not allowed by the workflow" "$T/raw.err" || fail "trigger message: $(cat "$T/raw.err")"
[ "$(db_dump)" = "$before" ] || fail "the refused update changed the database"
expect 0 verify
exit 0
