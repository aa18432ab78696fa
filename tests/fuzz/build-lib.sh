#!/bin/sh
# build-lib.sh OUT JOBS -- SOURCE...: compiles docket's sources for the fuzz harnesses, JOBS at a
# time, into the static library OUT. The compiler and its flags come from $FUZZ_CC and
# $FUZZ_LIB_CFLAGS (coverage for libFuzzer, AddressSanitizer and UBSan); `make fuzz` sets them.
set -eu
out=$1
jobs=$2
shift 3
: "${FUZZ_CC:?}" "${FUZZ_LIB_CFLAGS:?}"
obj=$out.obj
rm -rf "$obj"
mkdir -p "$obj"
export obj
for f in "$@"; do
	case $f in *.c) printf '%s\n' "$f" ;; esac
done | xargs -P "$jobs" -I{} sh -c \
	'f={}; b=$(basename "$f" .c); d=$(basename "$(dirname "$f")"); $FUZZ_CC $FUZZ_LIB_CFLAGS -c "$f" -o "$obj/$d-$b.o"'
rm -f "$out"
ar rcs "$out" "$obj"/*.o
rm -rf "$obj"
