#!/bin/sh
# The man page lists every key of every screen of the terminal UI, with what it does, as
# `docket ui --keys` prints them from the key tables the screens act on.
. "$(dirname "$0")/lib.sh"

man=$top_srcdir/docs/docket.1
groff -man -Tascii -rLL=3000n -rHY=0 "$man" 2>/dev/null | sed 's/.\x08//g' >"$T/page.txt"
expect 0 ui --keys
cp "$OUT" "$T/keys.txt"
[ "$(grep -c '^  ' "$T/keys.txt")" -gt 40 ] || fail "docket ui --keys lists too few keys"
/usr/bin/python3 - "$T/page.txt" "$T/keys.txt" <<'PY' || fail "docket.1 and 'docket ui --keys' disagree"
import re, sys
page = open(sys.argv[1]).read().splitlines()
# The section on `docket ui`, up to the next command's.
start = next(i for i, l in enumerate(page) if re.match(r"^   docket ui\b", l))
end = next(i for i in range(start + 1, len(page)) if re.match(r"^   docket ", page[i]))
section = [re.sub(r"\s+", " ", l.strip()) for l in page[start:end]]
screen, missing = None, []
for line in open(sys.argv[2]).read().splitlines():
    if line.startswith("Keys on"):
        screen = "On every screen" if "every" in line else "The %s screen" % line.split()[3]
        if screen not in section:
            missing.append("the heading '%s'" % screen)
        continue
    if not line.strip():
        continue
    keys, help = line[2:24].strip(), line[25:].strip()
    want = re.sub(r"\s+", " ", "%s %s" % (keys, help))
    if want not in section:
        missing.append("%s: %s" % (screen, want))
if missing:
    sys.exit("docket.1's section on 'docket ui' lacks:\n  " + "\n  ".join(missing))
PY
exit 0
