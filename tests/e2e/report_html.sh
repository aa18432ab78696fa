#!/bin/sh
# The HTML report rendered by a real browser: headless Chromium (Debian's chromium package)
# draws it to a PNG and prints it to a PDF. Checks: both succeed, the charts' colours are on
# the screen, the PDF is A4, the browser parsed three SVG charts and logged no console message
# (the page's Content-Security-Policy forbids any fetch or script, so an attempt would log a
# violation; a doctored copy proves that such a message is seen).
. "$(dirname "$0")/lib.sh"

browser=/usr/bin/chromium
[ -x "$browser" ] || fail "no $browser (scripts/deps installs chromium)"

# chromium NAME ARGS...: a fresh profile each time; its stderr is kept in $T/NAME.log.
chromium() {
	name=$1
	shift
	LAST_RC=0
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/profile-$name" --enable-logging=stderr --v=0 "$@" \
		>"$T/$name.out" 2>"$T/$name.log" </dev/null || LAST_RC=$?
	[ "$LAST_RC" -eq 0 ] || { cat "$T/$name.log" >&2; fail "chromium $name exited $LAST_RC"; }
}
no_console() {
	if grep -E ':CONSOLE|Content Security Policy|Refused to' "$T/$1.log" >&2; then
		fail "the browser logged a console message rendering the report ($1)"
	fi
}

expect 0 demo --count 2000 --seed 11 --as-of 2026-10-01
expect 0 report --quarter 2026Q3 --output "$T/report.html"
page="file://$T/report.html"

chromium dom --dump-dom "$page"
no_console dom
[ "$(grep -o '<svg' "$T/dom.out" | wc -l)" -eq 3 ] || fail "the browser did not find three SVG charts"
grep -q '<h1>Transparency report: 2026Q3</h1>' "$T/dom.out" || fail "the title did not render"

chromium png --hide-scrollbars --window-size=900,2600 --screenshot="$T/report.png" "$page"
no_console png
/usr/bin/python3 - "$T/report.png" <<'PY' || fail "the screenshot does not show the report's charts"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, chunks = 8, {}
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunks.setdefault(kind, []).append(data[pos + 8:pos + 8 + n])
    pos += 12 + n
w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
assert (w, h, depth) == (900, 2600, 8) and ctype in (2, 6), (w, h, depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, colours = zlib.decompress(b"".join(chunks[b"IDAT"])), w * bpp, bytearray(w * bpp), set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
    prev = line
# The bars of the outcome chart, the country chart and the trend, in their own colours.
for hexcolour in ("b03a2e", "7f8c8d", "2e86c1", "a6acaf", "d68910", "873600", "5d6d7e", "2c3e50"):
    assert bytes.fromhex(hexcolour) in colours, "no %s on the screen" % hexcolour
PY

chromium pdf --no-pdf-header-footer --print-to-pdf="$T/report.pdf" "$page"
no_console pdf
head -c 5 "$T/report.pdf" | grep -q '%PDF-' || fail "the PDF is not one"
pages=$(grep -a -c '/Type /Page\b' "$T/report.pdf")
[ "$pages" -ge 2 ] && [ "$pages" -le 8 ] || fail "the report printed on $pages pages"
# A4 is 595 x 842 points; every page must be that size.
sizes=$(grep -a -o '/MediaBox \[[^]]*\]' "$T/report.pdf" | sort -u)
[ "$(echo "$sizes" | wc -l)" -eq 1 ] && echo "$sizes" | grep -Eq '^/MediaBox \[0 0 59[45]\.[0-9]* 84[12]\.[0-9]*\]$' ||
	fail "the report did not print on A4: $sizes"

# The console check sees a page that tries to fetch something.
sed 's|</body>|<img src="http://192.0.2.1/x.png" alt=""></body>|' "$T/report.html" >"$T/doctored.html"
chromium doctored --dump-dom "file://$T/doctored.html"
grep -q 'Content Security Policy' "$T/doctored.log" || fail "a blocked fetch went unseen: the console check proves nothing"
exit 0
