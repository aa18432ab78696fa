#!/bin/sh
# The outbox's delivery against SMTP servers that behave as real ones do (tests/e2e/smtpd.py, on
# loopback): STARTTLS required and certificates verified; smtps; a login from ~/.netrc or the
# environment, never stored or printed; a recipient refused with 550 (failed, the reply kept);
# and a crash between the send and its record (the process killed: the next run does not lose
# the letter, and the duplicate carries the same Message-ID).
. "$(dirname "$0")/lib.sh"

MB=$T/mail
SRV=""
start() {
	PORT=$(free_port)
	bg /usr/bin/python3 "$top_srcdir/tests/e2e/smtpd.py" --port "$PORT" --maildir "$MB" "$@"
	SRV=$!
	wait_port "$PORT"
}
stop() {
	kill "$SRV"
	wait "$SRV" 2>/dev/null || true
}
delivered() {
	if [ -d "$MB/new" ]; then ls "$MB/new" | wc -l; else echo 0; fi
}
# The Message-IDs in the Maildir, oldest first.
message_ids() {
	for f in $(ls -tr "$MB/new"); do
		sed -n 's/^Message-ID: //p' "$MB/new/$f" | tr -d '\r'
	done
}
config() {
	mkdir -p "$XDG_CONFIG_HOME/docket"
	{
		echo "mail_from = Legal Team <legal@provider.example>"
		echo "retry_first = 0"
		for line in "$@"; do echo "$line"; done
	} >"$XDG_CONFIG_HOME/docket/config"
}
# A demand moved to redirecting, its letter's id in N.
letter() {
	add_demand "$@"
	expect 0 move "$ID" redirecting
	expect 0 outbox list --demand "$ID" --format json
	N=$(json 'd[0]["id"]')
}
last_error() {
	expect 0 outbox preview "$1" --format json
	json 'd["status"] + ": " + d["last_error"]'
}

setup_db
# A certificate for 127.0.0.1, and the CA file that trusts it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$T/key.pem" -out "$T/cert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make a certificate"

# --- STARTTLS, required; a login from ~/.netrc -------------------------------------------------
start --cert "$T/cert.pem" --key "$T/key.pem" --starttls --auth "clerk:s3cret-Pa55" --refuse nobody@
config "smtp_url = smtp://127.0.0.1:$PORT" "smtp_ca_file = $T/cert.pem"
letter TLS-1
tls=$N
# No login: the server refuses MAIL; the letter waits, the reason kept.
expect 3 outbox send
err_has "530"
last_error "$tls" | grep "^queued: 530" >/dev/null || fail "not queued with the server's reply: $(last_error "$tls")"
printf 'machine 127.0.0.1\nlogin clerk\npassword s3cret-Pa55\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
expect 0 outbox send
out_has "notice $tls .*: sent: 250"
[ "$(delivered)" = 1 ] || fail "not delivered over STARTTLS with the login from ~/.netrc"
# A wrong password from the environment: refused, retried later, never written anywhere.
letter TLS-2
DOCKET_SMTP_USER=clerk DOCKET_SMTP_PASSWORD=wrong-Pa55word expect 3 outbox send
err_has "535"
err_lacks "wrong-Pa55word"
out_lacks "wrong-Pa55word"
DOCKET_SMTP_USER=clerk DOCKET_SMTP_PASSWORD=s3cret-Pa55 expect 0 outbox send
[ "$(delivered)" = 2 ] || fail "not delivered with the login from the environment"
for secret in s3cret-Pa55 wrong-Pa55word; do
	db_dump | grep -q "$secret" && fail "a password is in the database"
	grep -rq "$secret" "$XDG_CONFIG_HOME" && fail "a password is in the config"
done

# --- a recipient refused with 550: failed, the server's reply kept ------------------------------
add_demand REF-550 --requester-email nobody@garda.example
expect 0 move "$ID" redirecting
r550=$ID
expect 0 outbox list --demand "$r550" --format json
n550=$(json 'd[0]["id"]')
expect 3 outbox send
err_has "notice $n550 .*: failed, needs a person: 550 5.1.1 <nobody@garda.example>: Recipient address rejected"
[ "$(last_error "$n550")" = "failed: 550 5.1.1 <nobody@garda.example>: Recipient address rejected: no such mailbox" ] ||
	fail "the 550 is not kept: $(last_error "$n550")"
expect 0 outbox list --needs-person --format json
[ "$(json '[n["id"] for n in d]')" = "[$n550]" ] || fail "the refused letter does not need a person"
expect 1 due
out_has "REF-550"
expect 0 show "$r550" --format json
[ "$(json 'd["events"][-1]["action"]')" = notice_failed ] || fail "no notice_failed event"
json 'd["events"][-1]["note"]' | grep "^550 " >/dev/null || fail "the event does not keep the reply"
# Only one attempt: a 5xx is not retried.
expect 0 outbox send
out_has "^0 sent, 0 deferred, 0 failed"
[ "$(delivered)" = 2 ] || fail "the refused letter was delivered"
# A person corrects the address and tries again.
cat >"$T/fix.sh" <<'EOF'
#!/bin/sh
sed -i 's/^To: .*/To: desk@garda.example/' "$1"
EOF
chmod +x "$T/fix.sh"
EDITOR=$T/fix.sh expect 0 --actor atty outbox edit "$n550"
expect 0 --actor atty outbox retry "$n550"
expect 0 outbox send
[ "$(delivered)" = 3 ] || fail "the corrected letter was not delivered"

# --- certificates are verified; STARTTLS is not optional ----------------------------------------
letter CA-1
config "smtp_url = smtp://127.0.0.1:$PORT"
expect 3 outbox send
last_error "$N" | grep -Ei "certificate|SSL" >/dev/null || fail "an untrusted certificate was not refused: $(last_error "$N")"
[ "$(delivered)" = 3 ] || fail "delivered over TLS that was not verified"
stop
start
config "smtp_url = smtp://127.0.0.1:$PORT"
expect 3 outbox send
last_error "$N" | grep -i "STARTTLS" >/dev/null || fail "sent without TLS: $(last_error "$N")"
[ "$(delivered)" = 3 ] || fail "delivered in plain text without smtp_tls = none"
stop

# --- smtps: TLS from the first byte ---------------------------------------------------------
start --cert "$T/cert.pem" --key "$T/key.pem" --implicit
config "smtp_url = smtps://127.0.0.1:$PORT" "smtp_ca_file = $T/cert.pem"
expect 0 outbox send
out_has "notice $N .*: sent"
[ "$(delivered)" = 4 ] || fail "not delivered over smtps"
stop

# --- killed between the send and its record -------------------------------------------------
# The server stores the message but holds its reply while $T/hold exists; docket is killed then.
touch "$T/hold"
start --hold "$T/hold"
config "smtp_url = smtp://127.0.0.1:$PORT" "smtp_tls = none"
letter CRASH-1
c=$N
expect 0 outbox preview "$c" --format json
cmid=$(json 'd["message_id"]')
"$DOCKET" outbox send >"$T/crash.out" 2>&1 &
sender=$!
E2E_PIDS="$E2E_PIDS $sender"
i=0
while [ "$(delivered)" -lt 5 ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "the server never received the message"
	sleep 0.1
done
kill -9 "$sender"
wait "$sender" 2>/dev/null || true
# Not lost: still there, marked as being sent.
[ "$(last_error "$c" | cut -d: -f1)" = sending ] || fail "after the crash the letter is $(last_error "$c")"
rm "$T/hold"
expect 0 outbox send
out_has "notice $c .*: sent"
[ "$(last_error "$c" | cut -d: -f1)" = sent ] || fail "the letter was not sent again"
[ "$(delivered)" = 6 ] || fail "expected the message twice, the server has $(delivered)"
[ "$(message_ids | tail -n 2 | sort -u)" = "$cmid" ] || fail "the duplicate's Message-ID differs: $(message_ids | tail -n 2)"
expect 0 outbox preview "$c" --format json
[ "$(json 'd["attempts"]')" = 2 ] || fail "attempts: $(json 'd["attempts"]')"
expect 0 show "$ID" --format json
[ "$(json '[e["action"] for e in d["events"]].count("letter_sent")')" = 1 ] || fail "sent recorded more than once"
stop
expect 0 verify
exit 0
