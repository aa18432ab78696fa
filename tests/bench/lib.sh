# lib.sh: what the benchmarks share. A benchmark sources it with its own arguments:
#   . "$(dirname "$0")/lib.sh"   (arguments: [BUILD_DIR] [WORK_DIR])
# and gets $docket (BUILD_DIR/docket, default build/main), $work (WORK_DIR, kept; default a
# temporary directory removed at exit) and a fixed time zone and locale. A benchmark that starts
# something which must be stopped at exit puts the command in $bench_on_exit.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/main}
docket=$build/docket
[ -x "$docket" ] || {
	echo "bench: no docket at $docket (build it first)" >&2
	exit 2
}
bench_on_exit=
bench_tmp=
if [ -n "${2:-}" ]; then
	work=$2
	mkdir -p "$work"
else
	work=$(mktemp -d)
	bench_tmp=$work
fi
trap 'eval "$bench_on_exit"; [ -z "$bench_tmp" ] || rm -rf "$bench_tmp"' EXIT
trap 'exit 130' INT TERM
export TZ=UTC LC_ALL=C.UTF-8

# bench_needs COMMAND...: stops with a clear message when a tool the benchmark compares with is missing.
bench_needs() {
	for c in "$@"; do
		command -v "$c" >/dev/null || {
			echo "bench: needs $c" >&2
			exit 2
		}
	done
}
