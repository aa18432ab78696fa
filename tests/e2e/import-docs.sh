#!/bin/sh
# docs/docket-import.5 describes every field `docket import` accepts, and no field it does not;
# groff renders it without a warning, and it is for this version.
. "$(dirname "$0")/lib.sh"

man=$top_srcdir/docs/docket-import.5
[ -f "$man" ] || fail "no page at $man"
groff -man -Tascii -ww -z "$man" 2>"$ERR" || fail "groff failed on docket-import.5"
[ -s "$ERR" ] && fail "groff warns about docket-import.5"
groff -man -Tascii -rLL=3000n -rHY=0 "$man" 2>/dev/null | sed 's/.\x08//g' >"$T/page.txt"

# The fields the importer accepts, as it lists them when a CSV header names an unknown column.
setup_db
printf 'reference,no_such_column\n' >"$T/h.csv"
expect 2 import "$T/h.csv"
fields=$(sed -n 's/.*unknown column "no_such_column" (the columns are \(.*\))$/\1/p' "$ERR" | tr -d ',')
[ -n "$fields" ] || fail "the importer did not list its fields"
[ "$(echo "$fields" | wc -w)" -ge 20 ] || fail "too few fields: $fields"

# The tags of the FIELDS section.
documented=$(sed -n '/^FIELDS$/,/^[A-Z]/p' "$T/page.txt" | sed -n 's/^       \([a-z_][a-z_]*\)\( .*\)\{0,1\}$/\1/p')
for f in $fields; do
	echo "$documented" | grep -qx "$f" || fail "docket-import.5 does not describe the field $f"
	# each description says whether the field is required
	sed -n '/^FIELDS$/,/^[A-Z]/p' "$T/page.txt" | awk -v f="$f" '$1 == f && /^       [a-z]/ {on = 1; print; next} /^       [a-z]/ {on = 0} on' |
		grep -Eqi 'required|optional|ignored' ||
		fail "docket-import.5 does not say whether $f is required"
done
for f in $documented; do
	echo " $fields " | grep -q " $f " || fail "docket-import.5 describes $f, which the importer does not accept"
done

expect 0 --version
version=$(awk '{print $2}' "$OUT")
grep -q "^\.TH DOCKET-IMPORT 5 .*\"docket $version\"" "$man" || fail "docket-import.5 is not for version $version"
exit 0
