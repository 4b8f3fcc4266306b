# shellcheck shell=bash
# Shared by the bench scripts: where things are, and a measuring helper.
# The variables are for the scripts that source this file.
# shellcheck disable=SC2034
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${HD_BIN:-$REPO/build/bin}
MIRROR=${HD_DATA_MIRROR:-$REPO/../shared/data/uci-heart-disease}
PY=/usr/bin/python3
# The four raw UCI files in their usual order.
RAW=("$MIRROR"/processed.{cleveland,hungarian,switzerland,va}.data)
WORK=${BENCH_DIR:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

# measure LABEL CMD...: run once, print wall seconds and peak RSS.
measure() {
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$WORK/.time" "$@"
	read -r secs kb < "$WORK/.time"
	printf '%-48s %9.3f s   %8d KB peak RSS\n' "$label" "$secs" "$kb"
}

# best_of N CMD...: the fastest of N runs, in seconds (the machine is noisy).
best_of() {
	local n=$1 best='' t
	shift
	for _ in $(seq "$n"); do
		t=$( { /usr/bin/time -f "%e" "$@" > /dev/null 2>/dev/null; } 2>&1 | tail -n1)
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}
