#!/bin/sh
# Every command once under valgrind's memcheck: any invalid access, use of uninitialised memory or
# leak fails the test. scripts/check runs it on the normal build (valgrind cannot run a binary
# built with AddressSanitizer); it is not part of make check.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || fail "valgrind is not installed (scripts/deps installs it)"
DOCKET_WRAP="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 --track-origins=yes"

setup_db
add_demand VG-1 --identifier 198.51.100.7 --note "first"
add_demand VG-2 --received 2026-01-02 --category subscriber,content --jurisdiction US-CA --emergency
v=$ID
expect 0 list
expect 0 list --format json --search VG
expect 0 list --format csv --status all
expect 0 show 1
expect 0 show 1 --format json
expect 1 due
expect 1 due --format json --within 3
expect 0 customer list --format csv
expect 0 staff list --format json
expect 0 requester list
expect 0 move 1 redirecting
expect 1 move 1 disclosing
expect 2 move 1 nowhere
expect 0 move 1 in_review
expect 0 assign 1 atty
expect 0 note 1 "called back"
expect 0 --actor atty order 1 --ref NDO-1 --expires 2099-01-01 --statute "18 U.S.C. 2705(b)"
expect 0 --actor atty authenticate 1 --method callback --note "published number"
expect 0 --actor atty move 1 disclosing --note "order in force"
expect 0 --actor atty move 1 notice_owed
expect 1 --actor atty notice 1 --via email
expect 0 --actor atty order 1 --ref NDO-1 --lifted 2026-01-01 --reason "the court lifted it"
expect 0 --actor atty notice 1 --via email
expect 0 --actor atty move 1 closed --outcome disclosed_non_content
expect 0 --actor atty extend "$v" --due 2099-01-01 --reason "agreed"
expect 0 move "$v" in_review
expect 2 add --ref BAD --channel email --instrument warant --customer acme-eu --requester R --kind other \
	--jurisdiction IE --category subscriber
expect 2 show 999
expect 0 backup "$T/copy.db"
expect 0 verify
expect 0 --db "$T/demo.db" demo --count 60
expect 0 --db "$T/demo.db" verify
for f in text csv json html; do
	expect 0 --db "$T/demo.db" report --from 2024-01-01 --to 2026-12-31 --as-of 2026-12-31 --format "$f"
done
expect 0 --db "$T/demo.db" report --quarter 2026Q3 --by instrument --band-width 100 --output "$T/report.html"
expect 2 --db "$T/demo.db" report --quarter 2026Q5
# The outbox, with a real SMTP server on loopback.
mkdir -p "$T/mail/tmp" "$T/mail/new" "$T/mail/cur" "$XDG_CONFIG_HOME/docket"
port=$(free_port)
bg /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$T/mail"
wait_port "$port"
printf 'smtp_url = smtp://127.0.0.1:%s\nsmtp_tls = none\nmail_from = Légal <legal@provider.example>\n' "$port" \
	>"$XDG_CONFIG_HOME/docket/config"
expect 0 add --ref VG-3 --channel fax --instrument subpoena --customer acme-eu --requester "Amtsgericht Köln" \
	--kind government --jurisdiction DE --category subscriber
expect 0 move "$(cat "$OUT")" redirecting
n=$(sqlite3 "$DOCKET_DB" "SELECT id FROM notice WHERE via = 'letter'")
expect 0 outbox list --format json
expect 0 outbox preview "$n"
EDITOR=true expect 0 --actor atty outbox edit "$n"
add_demand VG-4
expect 0 move "$ID" redirecting
expect 0 outbox send
expect 0 due --mail staff@provider.example
expect 0 --actor atty outbox cancel "$n" --reason "posted instead"
expect 0 --help
expect 0 list --help
expect 3 --db "$T/missing.db" list
expect 0 ui --keys
expect 2 ui

# The terminal UI, in tmux: the queue, a case, search; valgrind's report would land on stderr.
. "$(dirname "$0")/tui.sh"
TUI_WRAP=$DOCKET_WRAP
TUI_TIMEOUT=60
tui_start 100x30
tui_wait 'VG-2'
tui_keys Enter
tui_wait 'Moves:'
tui_keys q
tui_wait 'Queue: open'
tui_keys /
tui_type vg-
tui_wait '[0-9]+ found . reference VG-1'
tui_keys Escape
tui_wait 'Queue: open'
tui_keys q
tui_exited 0

# docket import: files of each format, the rejects, a conflict, and a download (libcurl and TLS)
data=$top_srcdir/tests/data/import
expect 0 import "$data/intake.csv"
expect 0 import "$data/intake.json"
expect 0 import --source nd --dry-run "$data/intake.ndjson"
expect 2 import --skip-invalid --rejects "$T/rejects.csv" "$data/bad.csv"
sed 's/^GJ-2026-0101,2026-03-02T09:15:00Z,email,/GJ-2026-0101,2026-03-02T09:15:00Z,fax,/' "$data/intake.csv" >"$T/c.csv"
expect 1 import "$T/c.csv"
port=$(free_port)
bg /usr/bin/python3 "$top_srcdir/tests/e2e/import-server.py" "$port" "$data" "$T/http.log"
wait_port "$port"
expect 0 import --source web --header 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/auth/intake.ndjson"
expect 3 import --timeout 2 "http://127.0.0.1:$port/data/missing.csv"
exit 0
