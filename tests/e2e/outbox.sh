#!/bin/sh
# The outbox against a real SMTP server on loopback (aiosmtpd writing a Maildir): a redirect
# letter and a customer notice delivered with the right headers and body, non-ASCII names
# included; the waiting period starting from the notice sent; a server that is down (queued,
# error kept, delivered on the next run); the non-disclosure order recorded after a notice was
# queued (the send refuses, an event says why, the server receives nothing); a subject with a line
# break refused, from a template and from an edit; an edit audited; a dry run that changes
# nothing; a letter for a person when there is no address; the digest; settings refused.
. "$(dirname "$0")/lib.sh"

MB=$T/mail
mkdir -p "$MB/tmp" "$MB/new" "$MB/cur"
PORT=$(free_port)
start_smtpd() {
	bg /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$MB"
	SMTPD=$!
	wait_port "$PORT"
}
stop_smtpd() {
	kill "$SMTPD"
	wait "$SMTPD" 2>/dev/null || true
}
# The Maildir as JSON in $OUT, oldest first: each message's headers decoded, and its body.
mailbox() {
	/usr/bin/python3 - "$MB" >"$OUT" <<'PY'
import email, email.policy, json, os, sys
d = os.path.join(sys.argv[1], "new")
out = []
for f in sorted(os.listdir(d), key=lambda f: (os.stat(os.path.join(d, f)).st_mtime_ns, f)):
    raw = open(os.path.join(d, f), "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    out.append({k: str(m[h]) if m[h] is not None else None for k, h in
                [("from", "From"), ("to", "To"), ("subject", "Subject"), ("message_id", "Message-ID"),
                 ("date", "Date"), ("cte", "Content-Transfer-Encoding"), ("rcpt", "X-RcptTo"),
                 ("auto", "Auto-Submitted"), ("mime", "MIME-Version")]}
                | {"ctype": "%s; charset=%s" % (m.get_content_type(), m.get_content_charset()),
                   "body": m.get_content(), "raw": raw.decode("ascii")})
json.dump(out, sys.stdout)
PY
}
count() {
	mailbox
	json 'len(d)'
}
status_of_notice() {
	expect 0 outbox preview "$1" --format json
	json 'd["status"]'
}

setup_db
start_smtpd
mkdir -p "$XDG_CONFIG_HOME/docket"
cat >"$XDG_CONFIG_HOME/docket/config" <<EOF
# the loopback test server speaks plain SMTP
smtp_url = smtp://127.0.0.1:$PORT
smtp_tls = none
mail_from = Équipe juridique <legal@provider.example>
retry_first = 0
EOF
expect 0 customer add --tenant mueller --name "Müller & Søn GmbH" --region eu-central \
	--contact "Jürgen Müller" --email legal@mueller.example --phone "+49 30 555 0100"
expect 0 add --ref GJ-2026-114 --channel email --instrument subpoena --customer mueller \
	--requester "Kriminalhauptkommissarin Kay Öztürk" --kind law_enforcement --jurisdiction DE \
	--requester-email kay@polizei.example --category subscriber --identifier ops@mueller.example
d=$(cat "$OUT")

# --- the redirect letter ----------------------------------------------------------------------
expect 0 outbox list
out_has "no letters"
expect 0 move "$d" redirecting
expect 0 outbox list --format json
[ "$(json 'len(d)')" = 1 ] || fail "one letter expected"
[ "$(json '(d[0]["kind"], d[0]["via"], d[0]["status"], d[0]["recipient"], d[0]["demand"])')" = \
	"('redirect', 'smtp', 'queued', 'kay@polizei.example', $d)" ] || fail "the redirect letter: $(cat "$OUT")"
r=$(json 'd[0]["id"]')
expect 0 outbox preview "$r"
out_has "^Subject: +Your request GJ-2026-114"
out_has "^To: +Kriminalhauptkommissarin Kay Öztürk <kay@polizei.example>"
out_has "^From: +Équipe juridique <legal@provider.example>"
out_has "Jürgen Müller, Müller & Søn GmbH"
expect 0 outbox preview "$r" --format json
rmid=$(json 'd["message_id"]')
[ "$(count)" = 0 ] || fail "something was sent before outbox send"
expect 0 outbox send
out_has "notice $r \(demand $d, redirect\) to kay@polizei.example: sent"
out_has "^1 sent, 0 deferred, 0 failed, 0 refused"
mailbox
[ "$(json 'len(d)')" = 1 ] || fail "the server has $(json 'len(d)') messages"
[ "$(json 'd[0]["to"]')" = "Kriminalhauptkommissarin Kay Öztürk <kay@polizei.example>" ] || fail "To: $(json 'd[0]["to"]')"
[ "$(json 'd[0]["from"]')" = "Équipe juridique <legal@provider.example>" ] || fail "From: $(json 'd[0]["from"]')"
[ "$(json 'd[0]["rcpt"]')" = "kay@polizei.example" ] || fail "envelope recipient"
[ "$(json 'd[0]["message_id"]')" = "$rmid" ] || fail "the Message-ID is not the one queued"
[ "$(json 'd[0]["subject"]')" = "Your request GJ-2026-114: please ask our customer directly" ] || fail "Subject"
json 'd[0]["date"]' | grep -E '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$' >/dev/null || fail "Date"
[ "$(json 'd[0]["ctype"]')" = "text/plain; charset=utf-8" ] || fail "Content-Type"
[ "$(json 'd[0]["mime"]')" = "1.0" ] || fail "MIME-Version"
[ "$(json 'd[0]["cte"]')" = "quoted-printable" ] || fail "Content-Transfer-Encoding"
json 'd[0]["body"]' | grep "^Dear Kriminalhauptkommissarin Kay Öztürk,$" >/dev/null || fail "greeting: $(json 'd[0]["body"]')"
json 'd[0]["body"]' | grep "Jürgen Müller, Müller & Søn GmbH" >/dev/null || fail "the customer's contact is not in the letter"
json 'd[0]["body"]' | grep "E-mail: *legal@mueller.example" >/dev/null || fail "the customer's address is not in the letter"
# Nothing but ASCII on the wire, no line over 998 octets.
json 'max(len(l) for l in d[0]["raw"].split("\n"))' | awk '$1 > 998 {exit 1}' || fail "a line over 998 octets"
expect 0 show "$d" --format json
[ "$(json 'd["events"][-1]["action"]')" = letter_sent ] || fail "no letter_sent event"
[ "$(json '[n["status"] for n in d["notices"]]')" = "['sent']" ] || fail "the letter is not sent"
# Sent once: another run sends nothing.
expect 0 outbox send
out_has "^0 sent"
[ "$(count)" = 1 ] || fail "a second run sent again"

# --- the advance notice, and the waiting period it starts -------------------------------------
expect 0 move "$d" in_review
expect 0 --actor atty authenticate "$d" --method callback
expect 0 --actor atty move "$d" notifying --note "valid, in scope"
expect 0 outbox list --format json
a=$(json 'd[0]["id"]')
[ "$(json '(d[0]["kind"], d[0]["recipient"])')" = "('advance', 'legal@mueller.example')" ] || fail "advance: $(cat "$OUT")"
expect 1 --actor atty move "$d" disclosing
err_has "the customer has not been notified yet"
expect 0 outbox send
mailbox
[ "$(json 'len(d)')" = 2 ] || fail "the notice was not delivered"
[ "$(json 'd[1]["to"]')" = "Jürgen Müller <legal@mueller.example>" ] || fail "notice To: $(json 'd[1]["to"]')"
[ "$(json 'd[1]["subject"]')" = "Notice of a demand for your data (GJ-2026-114)" ] || fail "notice Subject"
json 'd[1]["body"]' | grep "^Dear Jürgen Müller,$" >/dev/null || fail "notice greeting"
json 'd[1]["body"]' | grep "email: ops@mueller.example" >/dev/null || fail "the demand's identifiers are not in the notice"
json 'd[1]["body"]' | grep "From: *Kriminalhauptkommissarin Kay Öztürk$" >/dev/null || fail "the requester is not in the notice"
json 'd[1]["body"]' | grep "We will not disclose anything before" >/dev/null || fail "the notice does not give the date"
expect 0 show "$d" --format json
[ "$(json '[e["action"] for e in d["events"]][-1]')" = notice_sent ] || fail "no notice_sent event"
[ "$(json '[e["changes"] for e in d["events"]][-1][:2]')" = "[['customer_notice', None, 'advance'], ['via', None, 'smtp']]" ] ||
	fail "notice event changes: $(json '[e["changes"] for e in d["events"]][-1]')"
expect 1 --actor atty move "$d" disclosing
err_has "the customer was notified at .*; disclosure must wait until"

# --- the server is down: queued with the error, delivered on the next run ----------------------
stop_smtpd
add_demand DOWN-1
down=$ID
expect 0 move "$down" redirecting
expect 3 outbox send
err_has "to bureau@garda.example: not sent, trying again after"
expect 0 outbox list --format json
[ "$(json '(d[0]["status"], d[0]["attempts"])')" = "('queued', 1)" ] || fail "not queued after a failure: $(cat "$OUT")"
json 'd[0]["last_error"]' | grep -Ei "connect|refused" >/dev/null || fail "the error is not kept: $(json 'd[0]["last_error"]')"
start_smtpd
expect 0 outbox send
out_has "^1 sent"
mailbox
[ "$(json 'd[-1]["rcpt"]')" = bureau@garda.example ] || fail "not delivered after the server came back"

# --- a dry run sends nothing and changes nothing ------------------------------------------------
add_demand DRY-1
expect 0 move "$ID" redirecting
before=$(db_dump)
n=$(count)
expect 0 outbox send --dry-run
out_has "to bureau@garda.example: would be sent"
out_has "^1 would be sent, 0 refused, 0 failed"
[ "$(db_dump)" = "$before" ] || fail "a dry run changed the database"
[ "$(count)" = "$n" ] || fail "a dry run sent mail"
expect 0 outbox send

# --- no address: a letter for a person --------------------------------------------------------
expect 0 add --ref FAX-1 --channel fax --instrument subpoena --customer acme-eu --requester "Amtsgericht Köln" \
	--kind government --jurisdiction DE --category subscriber
fax=$(cat "$OUT")
expect 0 move "$fax" redirecting
expect 0 outbox list --needs-person --format json
p=$(json 'd[0]["id"]')
[ "$(json '(d[0]["via"], d[0]["status"], d[0]["needs_person"])')" = "('letter', 'queued', True)" ] ||
	fail "no letter for a person: $(cat "$OUT")"
expect 1 due
out_has "Letters that need a person"
out_has "FAX-1"
err_has "1 letter needs a person"
expect 0 outbox send
out_has "^0 sent"
expect 0 --actor atty outbox delivered "$p" --via letter
expect 0 outbox list --needs-person --format json
[ "$(json 'len(d)')" = 0 ] || fail "the posted letter still needs a person"
expect 0 show "$fax" --format json
[ "$(json 'd["events"][-1]["action"]')" = letter_sent ] || fail "the delivery by hand is not in the timeline"

# --- an order recorded after the notice was queued: nothing reaches the customer ---------------
add_demand GAG-1
g=$ID
expect 0 move "$g" redirecting
# The redirect letter goes while the demand is being redirected.
expect 0 outbox send
expect 0 move "$g" in_review
expect 0 --actor atty authenticate "$g" --method callback
expect 0 --actor atty move "$g" notifying --note "valid"
expect 0 outbox list --demand "$g" --format json
[ "$(json '[(n["kind"], n["status"]) for n in d]')" = "[('advance', 'queued')]" ] ||
	fail "letters of $g: $(cat "$OUT")"
gn=$(json 'd[0]["id"]')
expect 0 outbox preview "$gn" --format json
gmid=$(json 'd["message_id"]')
n=$(count)
# The court's order arrives before the notice has gone: recording it cancels the notice.
expect 0 --actor atty order "$g" --ref NDO-77 --statute "18 U.S.C. 2705(b)" --expires 2099-01-01
[ "$(status_of_notice "$gn")" = cancelled ] || fail "the notice under the order is not cancelled"
json 'd["last_error"]' | grep "NDO-77" >/dev/null || fail "the reason is not kept"
expect 0 show "$g" --format json
[ "$(json 'd["events"][-1]["action"]')" = order ] || fail "the order is not the last event"
json 'd["events"][-1]["changes"]' | grep "cancelled" >/dev/null || fail "the order's event does not name the cancelled notice"
[ "$(json '(d["obligations"]["contact_forbidden"], d["obligations"]["customer_notice"])')" = "(True, 'waiting')" ] ||
	fail "obligations under the order: $(json 'd["obligations"]')"
expect 0 outbox send
out_has "^0 sent"
expect 1 --actor atty outbox retry "$gn"
err_has "only a queued or failed notice"
[ "$(count)" = "$n" ] || fail "the server received something"
mailbox
[ "$(json "[m for m in d if m['message_id'] == '$gmid' or m['rcpt'] == 'legal@acme.example']")" = "[]" ] ||
	fail "the customer was told"

# An order that reaches the database another way (the sqlite3 shell) while a notice waits: the send
# asks again as it begins, and refuses.
add_demand GAG-2
g2=$ID
expect 0 move "$g2" redirecting
expect 0 outbox send
expect 0 move "$g2" in_review
expect 0 --actor atty move "$g2" notifying --note "valid"
expect 0 outbox list --demand "$g2" --format json
gn2=$(json 'd[0]["id"]')
sqlite3 "$DOCKET_DB" "INSERT INTO nd_order (demand_id, reference, expires_at, created_at)
	VALUES ($g2, 'NDO-78', unixepoch('2099-01-01'), unixepoch())"
n=$(count)
expect 1 outbox send
err_has "notice $gn2 \(demand $g2, advance\) to legal@acme.example: refused, nothing was sent: a non-disclosure order is in force: the customer may not be told \(NDO-78\)"
out_has "^0 sent, 0 deferred, 0 failed, 1 refused"
[ "$(count)" = "$n" ] || fail "the server received something"
[ "$(status_of_notice "$gn2")" = cancelled ] || fail "the refused notice is not cancelled"
expect 0 show "$g2" --format json
[ "$(json 'd["events"][-1]["action"]')" = notice_refused ] || fail "no event says why"
json 'd["events"][-1]["note"]' | grep "NDO-78" >/dev/null || fail "the event does not say why"
# Nothing queues a customer notice while the order stands either: the sqlite3 shell included.
sqlite3 "$DOCKET_DB" "UPDATE notice SET status = 'sending' WHERE id = $gn2" 2>"$T/raw.err" &&
	fail "the sqlite3 shell started sending a gagged notice"
grep -Eq "non-disclosure order is in force|no such function: docket_address_reaches" "$T/raw.err" ||
	fail "trigger: $(cat "$T/raw.err")"

# --- a subject with a line break is refused -------------------------------------------------
add_demand NL-1 --identifier 198.51.100.7
nl=$ID
expect 0 move "$nl" redirecting
expect 0 move "$nl" in_review
expect 0 --actor atty authenticate "$nl" --method callback
mkdir -p "$XDG_CONFIG_HOME/docket/templates"
printf 'Subject: Re {{demand.identifiers}}\n\nHello\n' >"$XDG_CONFIG_HOME/docket/templates/advance.txt"
before=$(db_dump)
expect 2 --actor atty move "$nl" notifying --note "valid"
err_has "demand $nl: cannot queue the advance letter: template advance, line 1: the subject would contain a line break"
err_one_line
[ "$(db_dump)" = "$before" ] || fail "the refused move wrote something"
printf 'Subject: Re {{demand.reference}}\n\nDear {{requester.agnecy}}\n' >"$XDG_CONFIG_HOME/docket/templates/advance.txt"
expect 2 --actor atty move "$nl" notifying --note "valid"
err_has "template advance, line 3: unknown field \"requester.agnecy\""
rm "$XDG_CONFIG_HOME/docket/templates/advance.txt"
expect 0 --actor atty move "$nl" notifying --note "valid"
expect 0 outbox list --demand "$nl" --format json
e=$(json 'd[0]["id"]')
# An editor that slips a header in through the subject.
cat >"$T/inject.sh" <<'EOF'
#!/bin/sh
sed -i 's/^Subject: .*/Subject: hello\rBcc: everyone@evil.example/' "$1"
EOF
chmod +x "$T/inject.sh"
before=$(db_dump)
EDITOR=$T/inject.sh expect 2 --actor atty outbox edit "$e"
err_has "Subject: contains a line break"
[ "$(db_dump)" = "$before" ] || fail "the refused edit wrote something"

# --- an edit is an audited event, and what is sent ---------------------------------------------
cat >"$T/edit.sh" <<'EOF'
#!/bin/sh
sed -i -e 's/^Subject: .*/Subject: Ihre Daten: Mitteilung/' -e 's/^Dear .*/Sehr geehrte Damen und Herren,/' "$1"
EOF
chmod +x "$T/edit.sh"
EDITOR=$T/edit.sh expect 0 --actor atty outbox edit "$e"
out_has "notice $e: saved"
EDITOR=true expect 0 --actor atty outbox edit "$e"
out_has "notice $e: unchanged"
EDITOR=false expect 2 --actor atty outbox edit "$e"
err_has "the editor exited with status 1; nothing saved"
expect 0 show "$nl" --format json
[ "$(json 'd["events"][-1]["action"]')" = notice_edited ] || fail "the edit is not an event"
[ "$(json '[c for c in d["events"][-1]["changes"] if c[0] == "subject"][0][2]')" = "Ihre Daten: Mitteilung" ] ||
	fail "the event does not hold the new subject"
expect 0 outbox send
mailbox
[ "$(json 'd[-1]["subject"]')" = "Ihre Daten: Mitteilung" ] || fail "the edit was not what was sent"
json 'd[-1]["body"]' | grep "^Sehr geehrte Damen und Herren,$" >/dev/null || fail "the edited body was not sent"

# --- the morning digest ------------------------------------------------------------------------
# A letter that needs a person, for the digest to list. (GAG-1's notice, cancelled by its order,
# waits for the order's end: no person can send it, so it is not listed.)
expect 0 add --ref FAX-2 --channel fax --instrument subpoena --customer acme-eu --requester "Amtsgericht Köln" \
	--kind government --jurisdiction DE --category subscriber
fax2=$(cat "$OUT")
expect 0 move "$fax2" redirecting
expect 0 outbox list --needs-person --format json
p2=$(json 'd[0]["id"]')
expect 0 due --mail legal-team@provider.example
out_has "digest sent to legal-team@provider.example"
mailbox
[ "$(json 'd[-1]["rcpt"]')" = legal-team@provider.example ] || fail "the digest was not delivered"
[ "$(json 'd[-1]["auto"]')" = auto-generated ] || fail "the digest is not marked automatic"
json 'd[-1]["subject"]' | grep -E "^docket [0-9-]{10}: late 0, due soon [0-9]+, letters for a person 1$" >/dev/null ||
	fail "digest subject: $(json 'd[-1]["subject"]')"
json 'd[-1]["body"]' | grep "notice #$p2 redirect for FAX-2" >/dev/null || fail "the digest does not list the letter: $(json 'd[-1]["body"]')"
json 'd[-1]["body"]' | grep "GAG-1" >/dev/null && fail "the digest lists the notice that waits for the order: $(json 'd[-1]["body"]')"
json 'd[-1]["body"]' | grep "^Nothing is late.$" >/dev/null || fail "the digest's late section"
expect 2 due --mail "not an address"
err_has "--mail"
stop_smtpd
expect 3 due --mail legal-team@provider.example
err_has "the digest to legal-team@provider.example was not sent"

# --- settings that are refused before anything is sent -----------------------------------------
cfg=$XDG_CONFIG_HOME/docket/config
cp "$cfg" "$T/config.good"
printf 'smtp_url = smtp://mail.provider.example:25\nsmtp_tls = none\nmail_from = legal@provider.example\n' >"$cfg"
expect 2 outbox send
err_has "smtp_tls = none is allowed only for smtp:// to a loopback address"
printf 'smtp_url = smtp://127.0.0.1:%s\nmail_from = legal@provider.example\nsmtp_password = hunter2\n' "$PORT" >"$cfg"
expect 2 outbox send
err_has "line 3: smtp_password: credentials do not belong in the config file"
err_lacks hunter2
printf 'smtp_url = smtps://u:hunter2@127.0.0.1:%s\nmail_from = legal@provider.example\n' "$PORT" >"$cfg"
expect 2 outbox send
err_has "credentials do not belong in the URL"
err_lacks hunter2
printf 'smtp_url = smtp://127.0.0.1:%s\nmail_from = legal@provider.example\nsmtp_colour = blue\n' "$PORT" >"$cfg"
expect 2 outbox send
err_has "line 3: unknown key \"smtp_colour\""
rm "$cfg"
expect 2 outbox send
err_has "no SMTP server"
DOCKET_SMTP_URL=ftp://127.0.0.1 DOCKET_MAIL_FROM=legal@provider.example expect 2 outbox send
err_has "is not smtps:// or smtp://"
# The environment alone is enough.
start_smtpd
DOCKET_SMTP_URL=smtp://127.0.0.1:$PORT DOCKET_SMTP_TLS=none DOCKET_MAIL_FROM=legal@provider.example \
	expect 0 --actor atty outbox retry "$(sqlite3 "$DOCKET_DB" "SELECT id FROM notice WHERE kind = 'digest' AND status <> 'sent'")"
DOCKET_SMTP_URL=smtp://127.0.0.1:$PORT DOCKET_SMTP_TLS=none DOCKET_MAIL_FROM=legal@provider.example \
	expect 0 outbox send
out_has "\(digest\) to legal-team@provider.example: sent"

# --- usage ------------------------------------------------------------------------------------
expect 2 outbox
expect 2 outbox frobnicate
expect 2 outbox preview
expect 2 outbox preview x
expect 2 outbox send --reason x
err_has "--reason does not go with send"
expect 2 --actor atty outbox cancel "$e"
err_has "cancel needs --reason"
expect 2 outbox preview 9999
err_has "notice 9999: no such notice"
expect 1 --actor atty outbox cancel "$r" --reason "too late"
err_has "notice $r: sent; only a queued or failed notice can be cancelled"
expect 0 verify
exit 0
