#!/bin/sh
# The man page matches the program: every command `docket --help` lists has a section in
# docs/docket.1, every option a command's --help names is described in that section, the version
# agrees, and groff renders the page without a warning.
. "$(dirname "$0")/lib.sh"

man=$top_srcdir/docs/docket.1
[ -f "$man" ] || fail "no man page at $man"

groff -man -Tascii -ww -z "$man" 2>"$ERR" || fail "groff failed on docket.1"
[ -s "$ERR" ] && fail "groff warns about docket.1"

# Rendered wide and without hyphenation, so that every option is found on one line.
groff -man -Tascii -rLL=3000n -rHY=0 "$man" 2>/dev/null | sed 's/.\x08//g' >"$T/page.txt"

expect 0 --help
cp "$OUT" "$T/help.txt"
commands=$(sed -n '/^Commands:/,/^$/p' "$T/help.txt" | awk 'NF && !/^Commands:/ {print $1}')
[ -n "$commands" ] || fail "docket --help lists no commands"

for cmd in $commands; do
	expect 0 "$cmd" --help
	out_has "^Usage: docket $cmd"
	cp "$OUT" "$T/cmd.txt"
	/usr/bin/python3 - "$T/page.txt" "$T/cmd.txt" "$cmd" <<'PY' || fail "docket.1 and 'docket $cmd --help' disagree"
import re, sys
page, helptext, cmd = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
# The text of every subsection whose heading starts "docket CMD".
sections, current = [], None
for line in page.splitlines():
    if re.match(r"^   \S", line):
        current = [] if re.match(r"^   docket %s\b" % re.escape(cmd), line) else None
        if current is not None:
            sections.append(current)
        continue  # the heading is the synopsis: an option must be described below it
    elif re.match(r"^\S", line):
        current = None
    if current is not None:
        current.append(line)
text = "\n".join("\n".join(s) for s in sections)
if not text:
    sys.exit("docket.1 has no section for 'docket %s'" % cmd)
global_opts = {"--db", "--actor", "--help"}
missing = sorted(o for o in set(re.findall(r"--[a-z][a-z-]*", helptext)) - global_opts
                 if not re.search(re.escape(o) + r"\b", text))
if missing:
    sys.exit("docket.1's section on '%s' lacks %s" % (cmd, ", ".join(missing)))
PY
done

# Every command the page describes exists.
for cmd in $(grep -E '^   docket [a-z]' "$T/page.txt" | awk '{print $2}' | sort -u); do
	echo "$commands" | grep -qx "$cmd" || fail "docket.1 describes 'docket $cmd', which --help does not list"
done

expect 0 --version
version=$(awk '{print $2}' "$OUT")
grep -q "^\.TH DOCKET 1 .*\"docket $version\"" "$man" || fail "docket.1 is not for version $version"

# Every global option is described.
for opt in --db --actor --help --version; do
	grep -q -- "^$opt\b\|^ *$opt\b\|, $opt\b" "$T/page.txt" || fail "docket.1 lacks $opt"
done
exit 0
