#!/bin/sh
# docket import from URLs, against real servers on loopback (tests/e2e/import-server.py): HTTP and
# HTTPS with a CA made for the test (trusted with --cacert, refused without), the format from the
# Content-Type, credentials from the URL, ~/.netrc or --header and never shown or stored, a 500
# then a 200, a connection dropped halfway (the retry starts the import over), a server that
# stalls, one that sends more than the maximum, redirects (never down to http), HTTP errors.
. "$(dirname "$0")/lib.sh"

data=$top_srcdir/tests/data/import
server=$top_srcdir/tests/e2e/import-server.py
setup_db

# A CA and a server certificate for 127.0.0.1, made now.
tls=$T/tls
mkdir -p "$tls"
(
	cd "$tls" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
			-days 2 -subj /CN=docket-test-ca -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr \
			-subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >ext.cnf &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
			-extfile ext.cnf
) >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log" >&2; fail "openssl could not make the test certificates"; }

port=$(free_port)
bg /usr/bin/python3 "$server" "$port" "$data" "$T/http.log"
sport=$(free_port)
HTTP_PORT=$port bg /usr/bin/python3 "$server" "$sport" "$data" "$T/https.log" "$tls/srv.pem" "$tls/srv.key"
wait_port "$port"
wait_port "$sport"
base=http://127.0.0.1:$port

# --- plain HTTP, the format from the name
expect 0 import "$base/data/intake.csv"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "HTTP import"
[ "$(sqlite3 "$DOCKET_DB" "SELECT input, sha256 FROM import_batch")" = \
	"$base/data/intake.csv|$(sha256sum <"$data/intake.csv" | cut -d' ' -f1)" ] || fail "the batch of a URL"
expect 0 import "$base/redirect/intake.json"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 4, rejected 0" ] || fail "a redirect"

# --- the format from the Content-Type when the name does not say
expect 0 import "$base/as/ndjson/feed?f=intake.ndjson"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 4, rejected 0" ] || fail "format from Content-Type"
expect 2 import "$base/as/plain/feed?f=intake.csv"
err_has 'cannot tell the format from the name or the Content-Type \(text/plain\)'
expect 0 import --format csv "$base/as/plain/feed?f=intake.csv"

# --- HTTP errors: exit 3, the status and the URL
expect 3 import "$base/data/missing.csv"
err_has "^docket: $base/data/missing\\.csv: HTTP 404\$"
[ "$(tail -n 1 "$ERR")" = "imported 0, already present 0, rejected 0" ] || fail "no summary after a failure"

# --- credentials: in the URL, from ~/.netrc, in a header; never shown, never stored
expect 3 import --source auth "$base/auth/intake.csv"
err_has 'HTTP 401'
expect 0 import --source url-cred "http://u:p@127.0.0.1:$port/auth/intake.csv?token=t0ps3cret"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "credentials in the URL"
printf 'machine 127.0.0.1 login u password p\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
expect 0 import --source netrc "$base/auth/intake.json"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "credentials from ~/.netrc"
rm "$HOME/.netrc"
expect 0 import --source header --header 'Authorization: Bearer s3cret' "$base/auth/intake.ndjson"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "credentials in a header"
[ "$(sqlite3 "$DOCKET_DB" "SELECT input FROM import_batch WHERE source = 'url-cred'")" = \
	"http://...@127.0.0.1:$port/auth/intake.csv?..." ] || fail "the URL's credentials were stored"
db_dump >"$T/dump.sql"
! grep -q -e 't0ps3cret' -e 's3cret' -e 'u:p@' "$T/dump.sql" || fail "a credential reached the database"
grep -q 'Basic dTpw' "$T/http.log" || fail "~/.netrc or the URL's user was not used"
grep -q 'Bearer s3cret' "$T/http.log" || fail "--header was not sent"
expect 3 import --source bad --header 'Authorization: Bearer wrong-s3cret' "http://u:x@127.0.0.1:$port/auth/intake.csv?token=t0ps3cret"
! grep -q -e 's3cret' -e 'u:x' "$ERR" || fail "a credential was shown"
expect 2 import --header 'Authorization' "$base/data/intake.csv"
expect 2 import --header "$(printf 'X-A: b\r\nX-B: c')" "$base/data/intake.csv"

# --- a 500, then a 200: retried after a pause
expect 0 import --source flaky "$base/flaky/intake.csv"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "500 then 200"
[ "$(grep -c '^GET /flaky/intake.csv ' "$T/http.log")" -eq 2 ] || fail "the 500 was not retried once"

# --- the connection dropped halfway: the retry starts the import over, nothing counted twice
expect 0 import --source dropped "$base/droponce/intake.csv"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "a dropped connection"
[ "$(grep -c '^GET /droponce/intake.csv ' "$T/http.log")" -eq 2 ] || fail "the dropped download was not retried"
[ "$(sqlite3 "$DOCKET_DB" "SELECT records FROM import_batch WHERE source = 'dropped'")" -eq 4 ] || fail "records counted twice"

# --- a server that stalls: a time-out within the time allowed, nothing written
db_dump >"$T/before.sql"
t0=$(date +%s)
expect 3 import --timeout 2 "$base/stall"
t1=$(date +%s)
err_has "^docket: $base/stall: timed out"
[ $((t1 - t0)) -le 8 ] || fail "the stalled download took $((t1 - t0)) s with --timeout 2"
# nothing listens: retried with pauses, within the time allowed
dead=$(free_port)
t0=$(date +%s)
expect 3 import --timeout 3 --connect-timeout 1 "http://127.0.0.1:$dead/x.csv"
t1=$(date +%s)
err_has "http://127.0.0.1:$dead/x\\.csv: .*(gave up after [0-9]+ attempts|onnect)"
[ $((t1 - t0)) -le 8 ] || fail "retries went past --timeout"

# --- more than the maximum: refused, streamed or announced
expect 3 import --max-size 1M "$base/big?n=3000000"
err_has "$base/big\\?\\.\\.\\.: larger than the limit of 1048576 bytes \\(--max-size\\)"
expect 3 import --max-size 1M "$base/bigcl?n=3000000"
err_has 'larger than the limit of 1048576 bytes'
db_dump >"$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a failed download changed the database"

# --- HTTPS: refused without the test CA, accepted with it; never redirected down to http
sbase=https://127.0.0.1:$sport
expect 3 import --source tls "$sbase/data/intake.csv"
err_has "^docket: $sbase/data/intake\\.csv: .*certificate"
expect 0 import --source tls --cacert "$tls/ca.pem" "$sbase/data/intake.csv"
[ "$(tail -n 1 "$ERR")" = "imported 4, already present 0, rejected 0" ] || fail "HTTPS with --cacert"
expect 3 import --source tls2 --cacert "$tls/ca.pem" "$sbase/tohttp/intake.csv"
err_has "$sbase/tohttp/intake\\.csv: a redirect away from https was refused"
[ "$(sqlite3 "$DOCKET_DB" "SELECT count(*) FROM import_batch WHERE source = 'tls2'")" -eq 0 ] || fail "downgraded to http"
expect 0 verify
exit 0
