#!/bin/sh
# The ten ways the promises were once broken, each on a database of its own and against a real
# SMTP server on loopback (tests/e2e/smtpd.py): a customer never told after an emergency
# disclosure; the waiting period skipped by a backdated notice; a redirect letter sent after the
# demand moved on; tipping off by re-addressing a letter or mailing the digest to the customer;
# an indefinite order lifted after the close; extend postponing the delayed notice; an intake
# clerk deciding on orders, notices and verification; an order recorded while its notice is being
# sent; orders that say one thing and mean another; and the smaller ones (an order from the
# future, the wrong reason on a cancelled letter, national-security process drafted a redirect
# letter, status changed in the sqlite3 shell, text after a NUL outside the hash, an emergency
# preservation request leaving its path).
#
# Every case runs, and the test fails if any did, naming each.
. "$(dirname "$0")/lib.sh"

MB=$T/mail
PORT=$(free_port)
# The server stores every message; while $T/hold exists it holds back its reply to each.
bg /usr/bin/python3 "$top_srcdir/tests/e2e/smtpd.py" --port "$PORT" --maildir "$MB" --hold "$T/hold"
wait_port "$PORT"
mkdir -p "$XDG_CONFIG_HOME/docket"
cat >"$XDG_CONFIG_HOME/docket/config" <<EOF
smtp_url = smtp://127.0.0.1:$PORT
smtp_tls = none
mail_from = Legal Team <legal@provider.example>
retry_first = 0
EOF

ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
today() { date -u +%Y-%m-%d; }
atty() {
	rc=$1
	shift
	expect "$rc" --actor atty "$@"
}
# The messages the server received for an address.
mail_to() {
	if [ -d "$MB/new" ]; then grep -il "^X-Envelope-To: $1" "$MB/new"/* 2>/dev/null | wc -l; else echo 0; fi
}
mail_count() {
	if [ -d "$MB/new" ]; then ls "$MB/new" | wc -l; else echo 0; fi
}
# The letters of a demand, every status, as "kind:status" words.
letters_of() {
	expect 0 outbox list --demand "$1" --status all --format json
	json '" ".join(sorted(n["kind"] + ":" + n["status"] for n in d))'
}
ob() {
	expect 0 show "$1" --format json
	json "d['obligations']$2"
}
# A fresh database for each case, with the demand reviewed and its requester verified.
fresh() {
	rm -f "$MB"/new/*
	export DOCKET_DB="$T/$1.db"
	setup_db
}
reviewed() {
	add_demand "$@" --received "$(ago '3 days')"
	expect 0 move "$ID" redirecting
	expect 0 move "$ID" in_review
	atty 0 authenticate "$ID" --method callback
}

# 1. An emergency disclosure closed before the notice went: the notice stays owed and goes.
case_1() {
	fresh c1
	add_demand EM-1 --emergency
	e=$ID
	expect 0 move "$e" in_review
	atty 0 authenticate "$e" --method callback
	atty 0 move "$e" notifying --note "imminent danger"
	atty 0 move "$e" disclosing
	atty 0 move "$e" closed --outcome disclosed_non_content
	[ "$(letters_of "$e")" = "advance:queued" ] || fail "after the close the notice is $(letters_of "$e")"
	[ "$(ob "$e" '["customer_notice"]')" = owed ] || fail "the closed demand owes nothing: $(ob "$e" '')"
	expect 0 report --quarter "$(date -u +%Y)Q$((($(date -u +%-m) + 2) / 3))" --format json
	[ "$(json '[n["demands"] for n in d["customer_notice"] if n["key"] == "owed"]')" = "[1]" ] ||
		fail "the report does not count the notice as owed: $(json 'd["customer_notice"]')"
	expect 0 outbox send
	[ "$(mail_to legal@acme.example)" = 1 ] || fail "the customer was not told"
	[ "$(ob "$e" '["customer_notice"]')" = given ] || fail "after the send: $(ob "$e" '')"
	# Without a letter (the customer has no address docket can mail) the owed notice is listed.
	expect 0 customer add --tenant faxonly --name "Fax Only" --region eu-west --phone "+353 1 555 0199"
	add_demand EM-2 --emergency --customer faxonly --identifier ops@faxonly.example
	e2=$ID
	expect 0 move "$e2" in_review
	atty 0 authenticate "$e2" --method callback
	atty 0 move "$e2" notifying --note "imminent danger"
	atty 0 move "$e2" disclosing
	atty 0 move "$e2" closed --outcome disclosed_non_content
	expect 1 due
	out_has "Letters that need a person"
	out_has "EM-2"
}

# 2. A notice dated before the decision to notify does not start the waiting period.
case_2() {
	fresh c2
	reviewed WAIT-1
	w=$ID
	atty 0 move "$w" notifying --note "valid"
	before=$(db_dump)
	atty 1 notice "$w" --via phone --at "$(ago '1 hour')"
	err_has "before the notice was owed"
	[ "$(db_dump)" = "$before" ] || fail "the refused notice wrote something"
	atty 0 notice "$w" --via phone
	atty 1 move "$w" disclosing
	err_has "disclosure must wait until"
}

# 3. A redirect letter still queued when the demand moves on is not sent.
case_3() {
	fresh c3
	add_demand RED-1 --received "$(ago '3 days')"
	r=$ID
	expect 0 move "$r" redirecting
	expect 0 move "$r" in_review
	[ "$(letters_of "$r")" = "redirect:cancelled" ] || fail "the redirect letter after the review: $(letters_of "$r")"
	atty 0 authenticate "$r" --method callback
	atty 0 order "$r" --ref NDO-3 --expires 2099-01-01
	atty 0 move "$r" disclosing --note "under the order"
	expect 0 outbox send
	[ "$(mail_count)" = 0 ] || fail "a letter went out: $(mail_count)"
	# The same from redirecting straight to closed as withdrawn, and the letter not resurrected.
	add_demand RED-2
	expect 0 move "$ID" redirecting
	expect 0 move "$ID" closed --outcome withdrawn
	[ "$(letters_of "$ID")" = "redirect:cancelled" ] || fail "after the close: $(letters_of "$ID")"
	atty 1 outbox retry "$(json 'd[0]["id"]')"
}

# 4. While an order is in force nothing reaches any address of the customer: not a re-addressed
# letter, not the digest, not a letter queued in the sqlite3 shell.
case_4() {
	fresh c4
	add_demand TIP-1 --identifier account:Bob.Smith@mail.example --identifier email:carol@gmail.example
	t=$ID
	expect 0 move "$t" redirecting
	atty 0 order "$t" --ref NDO-4 --expires 2099-01-01
	expect 0 outbox list --demand "$t" --format json
	n=$(json 'd[0]["id"]')
	# The customer's addresses however written: case, a subdomain, a +tag, dots,
	# an e-mail given as an account identifier.
	for to in legal@acme.example LEGAL@Acme.Example boss@acme.example user@acme.example it@mail.acme.example \
		ops@EU.Mail.Acme.Example bobsmith+x@mail.example c.a.r.o.l+legal@GMAIL.example; do
		cat >"$T/to.sh" <<EOF
#!/bin/sh
sed -i 's/^To: .*/To: $to/' "\$1"
EOF
		chmod +x "$T/to.sh"
		before=$(db_dump)
		EDITOR=$T/to.sh atty 1 outbox edit "$n"
		err_has "non-disclosure order is in force"
		[ "$(db_dump)" = "$before" ] || fail "the refused edit to $to wrote something"
	done
	sqlite3 "$DOCKET_DB" "UPDATE notice SET recipient = 'legal@acme.example' WHERE id = $n" 2>"$T/sql.err" &&
		fail "the sqlite3 shell re-addressed the letter to the customer"
	grep -q "no such function: docket_address_reaches" "$T/sql.err" || fail "sqlite3: $(cat "$T/sql.err")"
	# With the function, the triggers themselves refuse it, at a subdomain too.
	for to in legal@acme.example it@mail.acme.example; do
		/usr/bin/python3 "$top_srcdir/tests/e2e/sqlwrite.py" "$DOCKET_DB" \
			"UPDATE notice SET recipient = '$to' WHERE id = $n" 2>"$T/sql.err" &&
			fail "a write behind docket's back re-addressed the letter to $to"
		grep -q "non-disclosure order is in force" "$T/sql.err" || fail "trigger: $(cat "$T/sql.err")"
	done
	expect 1 due --mail legal@acme.example
	err_has "customer"
	expect 1 due --mail Boss@ACME.example
	expect 1 due --mail ops@sub.acme.example
	expect 1 due --mail bob.smith+digest@mail.example
	expect 0 due --mail team@notacme.example
	expect 0 outbox send
	[ "$(mail_to legal@acme.example)$(mail_to boss@acme.example)$(mail_to user@acme.example)" = 000 ] ||
		fail "the customer was told"
	[ "$(mail_to bureau@garda.example)" = 1 ] || fail "the redirect letter to the requester did not go"
}

# 5. An indefinite order lifted after the close: the delayed notice is queued at the lift.
case_5() {
	fresh c5
	reviewed IND-1
	i=$ID
	atty 0 order "$i" --ref NSL-5 --indefinite
	atty 0 move "$i" disclosing
	atty 0 move "$i" closed --outcome disclosed_non_content
	[ "$(ob "$i" '["customer_notice"]')" = held ] || fail "under the indefinite order: $(ob "$i" '')"
	atty 0 order "$i" --ref NSL-5 --lifted "$(today)" --reason "the court lifted it"
	[ "$(letters_of "$i")" = "delayed:queued redirect:cancelled" ] || fail "after the lift: $(letters_of "$i")"
	[ "$(ob "$i" '["customer_notice"]')" = owed ] || fail "after the lift: $(ob "$i" '')"
	expect 0 outbox send
	[ "$(mail_to legal@acme.example)" = 1 ] || fail "the customer was not told after the lift"
}

# 6. extend cannot move the date the delayed notice is owed from.
case_6() {
	fresh c6
	reviewed EXT-1
	x=$ID
	atty 0 order "$x" --ref NDO-6 --expires 2099-01-01
	atty 0 move "$x" disclosing
	atty 0 move "$x" notice_owed
	before=$(db_dump)
	atty 1 extend "$x" --due 2099-06-01 --reason "more time"
	err_has "notice"
	[ "$(db_dump)" = "$before" ] || fail "the refused extension wrote something"
}

# 7. Orders, notices given outside docket and verification are an attorney's.
case_7() {
	fresh c7
	add_demand ROLE-1
	r=$ID
	expect 0 move "$r" redirecting
	expect 0 move "$r" in_review
	before=$(db_dump)
	expect 1 --actor clerk order "$r" --ref NDO-7 --expires 2099-01-01
	err_has "for an attorney \(clerk is intake\)"
	expect 1 --actor clerk authenticate "$r" --method callback
	err_has "for an attorney"
	[ "$(db_dump)" = "$before" ] || fail "a refused command of the clerk wrote something"
	atty 0 authenticate "$r" --method callback
	atty 0 order "$r" --ref NDO-7 --expires 2099-01-01
	before=$(db_dump)
	for change in "--indefinite" "--expires 2098-01-01" "--lifted $(today)"; do
		# shellcheck disable=SC2086
		expect 1 --actor clerk order "$r" --ref NDO-7 $change --reason "told to"
		err_has "for an attorney"
	done
	atty 2 order "$r" --ref NDO-7 --lifted "$(today)"
	err_has "needs --reason"
	atty 2 order "$r" --ref NDO-7 --expires 2098-01-01
	err_has "needs --reason"
	[ "$(db_dump)" = "$before" ] || fail "a refused change of the order wrote something"
	atty 0 order "$r" --ref NDO-7 --lifted "$(today)" --reason "the court lifted it"
	atty 0 move "$r" notifying --note "valid"
	before=$(db_dump)
	expect 1 --actor clerk notice "$r" --via phone
	err_has "for an attorney"
	expect 1 --actor clerk extend "$r" --due 2099-06-01 --reason "asked"
	err_has "for an attorney"
	[ "$(db_dump)" = "$before" ] || fail "a refused command of the clerk wrote something"
	expect 0 staff roles --format json
	json '[p for p in d if p["action"] == "order.lift"]' | grep -q attorney || fail "no role matrix: $(cat "$OUT")"
}

# 8. An order recorded while the customer's notice is on the wire: a warning, and due lists it.
case_8() {
	fresh c8
	reviewed FLY-1
	f=$ID
	atty 0 move "$f" notifying --note "valid"
	n0=$(mail_count)
	t0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1
	touch "$T/hold"
	"$DOCKET" outbox send >"$T/send.out" 2>&1 &
	sender=$!
	i=0
	while [ "$(mail_count)" = "$n0" ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "the server never received the notice"
		sleep 0.1
	done
	atty 0 order "$f" --ref NDO-8 --expires 2099-01-01
	err_has "is being sent right now"
	rm -f "$T/hold"
	wait "$sender" || fail "the send failed: $(cat "$T/send.out")"
	ob "$f" '["attention"]' | grep -q told_under_order || fail "not flagged: $(ob "$f" '')"
	expect 1 due --format json
	[ "$(json '[(r["id"], r["why"], r["order"]) for r in d if r["why"]]')" = "[($f, 'told_under_order', 'NDO-8')]" ] ||
		fail "due does not list the notice told under the order: $(cat "$OUT")"
	# A second order, found later to have been issued before the letter, covers it too: the
	# record under NDO-8 is still NDO-8's, and the letter staying flagged under NDO-9 does not
	# make erasing it harmless.
	atty 0 order "$f" --ref NDO-9 --issued "$t0" --expires 2099-01-01
	ob "$f" '["attention"]' | grep -q "NDO-9" || fail "not flagged under NDO-9: $(ob "$f" '')"
	# Only a review settles it: not an issue date moved after the letter, not a lift before it.
	sleep 1
	before=$(db_dump)
	atty 1 order "$f" --ref NDO-8 --issued "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	err_has "erase the record"
	atty 1 order "$f" --ref NDO-8 --lifted 2000-01-01 --reason "mistyped"
	err_has "erase the record"
	[ "$(db_dump)" = "$before" ] || fail "a refused change of the order wrote something"
	atty 2 order "$f" --ref NDO-8 --issued "$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)"
	err_has "in the future"
	atty 2 order "$f" --ref NDO-8 --reviewed
	err_has "needs --reason"
	atty 0 order "$f" --ref NDO-8 --reviewed --reason "the court was told; it sent after the order"
	atty 0 order "$f" --ref NDO-9 --reviewed --reason "the court was told"
	ob "$f" '["attention"]' | grep -q told_under_order && fail "still flagged after the review: $(ob "$f" '')"
	expect 0 due
}

# 9. A lifted order cannot be given a new term; a notice refused under an order is not for a person.
case_9() {
	fresh c9
	reviewed LIFT-1
	l=$ID
	atty 0 order "$l" --ref NDO-9 --expires 2099-01-01
	atty 0 order "$l" --ref NDO-9 --lifted "$(today)" --reason "the court lifted it"
	before=$(db_dump)
	atty 1 order "$l" --ref NDO-9 --expires 2028-01-01 --reason "re-imposed"
	err_has "lifted"
	atty 1 order "$l" --ref NDO-9 --indefinite --reason "re-imposed"
	err_has "lifted"
	[ "$(db_dump)" = "$before" ] || fail "the refused change of a lifted order wrote something"
	reviewed EMPTY-1
	g=$ID
	atty 0 move "$g" notifying --note "valid"
	expect 0 outbox list --demand "$g" --format json
	n=$(json 'd[0]["id"]')
	sqlite3 "$DOCKET_DB" "INSERT INTO nd_order (demand_id, reference, expires_at, created_at)
		VALUES ($g, 'NDO-9B', unixepoch('2099-01-01'), unixepoch())"
	expect 1 outbox send
	err_has "refused, nothing was sent"
	printf '#!/bin/sh\nsed -i "s/^To: .*/To:/" "$1"\n' >"$T/empty.sh"
	chmod +x "$T/empty.sh"
	EDITOR=$T/empty.sh atty 1 outbox edit "$n"
	expect 0 outbox preview "$n"
	out_lacks "by hand"
	expect 0 due
	out_lacks "by hand"
	out_lacks "need a person"
	[ "$(mail_to legal@acme.example)" = 0 ] || fail "the customer was told"
}

# 10. The smaller ones.
case_10() {
	fresh c10
	reviewed FUT-1
	u=$ID
	before=$(db_dump)
	atty 2 order "$u" --ref NDO-10 --issued "$(date -u -d tomorrow +%Y-%m-%d)" --expires 2099-01-01
	err_has "future"
	[ "$(db_dump)" = "$before" ] || fail "the order from the future wrote something"
	# Back to review from notifying: the letter is cancelled for what happened, not a close.
	atty 0 move "$u" notifying --note "valid"
	atty 0 move "$u" in_review --note "the requester sent more"
	expect 0 outbox list --demand "$u" --status all --format json
	json '[n["last_error"] for n in d if n["kind"] == "advance"][0]' | grep -q "closed" &&
		fail "the letter's reason: $(json '[n["last_error"] for n in d]')"
	# National-security process goes to review without a letter to the agency.
	expect 0 add --ref NSL-10 --channel email --instrument national_security --customer acme-eu \
		--requester "Federal Bureau" --kind law_enforcement --jurisdiction US \
		--requester-email agent@fbi.example --category subscriber --identifier user@acme.example
	nsl=$(cat "$OUT")
	expect 0 move "$nsl" in_review
	[ "$(letters_of "$nsl")" = "" ] || fail "letters drafted for national-security process: $(letters_of "$nsl")"
	# An emergency preservation request keeps to its own path.
	expect 0 add --ref PRES-10 --channel email --instrument preservation --customer acme-eu --emergency \
		--requester "Garda Bureau" --kind law_enforcement --jurisdiction IE --identifier user@acme.example
	p=$(cat "$OUT")
	expect 1 move "$p" in_review
	err_has "preservation request follows its own path"
	expect 0 verify
	# Two status changes every trigger allows, in the sqlite3 shell: verify names the demand.
	sqlite3 "$DOCKET_DB" ".backup '$T/c10-shell.db'"
	sqlite3 "$T/c10-shell.db" "UPDATE demand SET status = 'disclosing' WHERE id = $u;
		UPDATE demand SET status = 'closed', outcome = 'disclosed_content', closed_at = unixepoch() WHERE id = $u" 2>/dev/null ||
		sqlite3 "$T/c10-shell.db" "UPDATE demand SET status = 'notifying' WHERE id = $u"
	expect 1 --db "$T/c10-shell.db" verify
	err_has "demand $u: .*changed outside docket"
	# Text after a NUL in an event is covered by its hash.
	sqlite3 "$DOCKET_DB" ".backup '$T/c10-nul.db'"
	ev=$(sqlite3 "$T/c10-nul.db" "SELECT min(id) FROM event WHERE note <> ''")
	sqlite3 "$T/c10-nul.db" "DROP TRIGGER event_no_update;
		UPDATE event SET note = note || char(0) || ' and then told the customer' WHERE id = $ev"
	[ "$(sqlite3 "$T/c10-nul.db" "SELECT length(CAST(note AS BLOB)) > length(note) FROM event WHERE id = $ev")" = 1 ] ||
		fail "the note does not hold a NUL"
	expect 1 --db "$T/c10-nul.db" verify
	err_has "event $ev"
}

failed=""
for c in 1 2 3 4 5 6 7 8 9 10; do
	# Each case's database still verifies at its end.
	if (case_$c && expect 0 verify); then
		echo "case $c: ok"
	else
		echo "case $c: FAILED"
		failed="$failed $c"
	fi
	rm -f "$T/hold"
done
[ -z "$failed" ] || { echo "FAIL: promises broken in case(s)$failed" >&2; exit 1; }
exit 0
