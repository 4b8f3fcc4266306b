# ci/lib.sh - sourced by every ci/<phase> script (ci/lint, ci/test ...).
#
# A phase runs from a clean clone on its own, installs what it needs
# (ci/deps GROUP) and ends with exactly one verdict line on stdout:
#
#   PHASE: PASS: what was checked
#   PHASE: FAIL: what went wrong
#   PHASE: SKIP: why it could not run here
#
# Exit status: 0 passed, 1 failed, 2 usage, 3 skipped.  ci/all reads
# the status, not the text.  Progress and tool output go to stderr.
# Every phase answers --help with its opening comment.
# shellcheck shell=bash
set -euo pipefail
PHASE=${PHASE:-${0##*/}}
# PHASE --help: the script's own opening comment, which says what it does
# and which settings it reads.
if [ "${1:-}" = --help ]; then
	sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$0" | sed '/^shellcheck /d'
	exit 0
fi
HD_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$HD_REPO"
# The UCI files come from the mirror beside the checkout when there is one.
if [ -z "${HD_DATA_MIRROR:-}" ] && [ -d ../shared/data/uci-heart-disease ]; then
	HD_DATA_MIRROR=$(cd ../shared/data/uci-heart-disease && pwd)
	export HD_DATA_MIRROR
fi
# What the phases leave for people to read (coverage HTML, logs).
CI_OUT=${CI_OUT:-$HD_REPO/artifacts/ci}

pass() { trap - ERR; echo "$PHASE: PASS: $*"; exit 0; }
fail() { trap - ERR; echo "$PHASE: FAIL: $*"; exit 1; }
skip() { trap - ERR; echo "$PHASE: SKIP: $*"; exit 3; }
say()  { echo "$PHASE: $*" >&2; }
# A command that fails without its phase saying why still ends in a verdict.
trap 'fail "line $LINENO: $BASH_COMMAND exited $?"' ERR

# row_json HEADER ROW: a CSV row of numbers (ci/check-row.csv, the
# README's examples) as the JSON object /predict takes.
row_json() {
	local IFS=, names vals i out=
	read -r -a names <<<"$1"
	read -r -a vals <<<"$2"
	for i in "${!names[@]}"; do
		out+="${out:+,}\"${names[i]}\":${vals[i]}"
	done
	printf '{%s}\n' "$out"
}

# predicted HEADER ROW MODEL: the probability the release build's
# hd-predict writes for that row (its diagnostics on stderr; fails when
# it does).
predicted() {
	printf '%s\n%s\n' "$1" "$2" | build/release/bin/hd-predict "$3" |
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "probability") c = i; next }
			{ print $c }'
}

# Whether decimals $1 and $2 are the same double: tests/same_double.py
# when python3 is there, else awk (strtod, correctly rounded in glibc).
same_double() {
	if command -v python3 >/dev/null 2>&1; then
		python3 tests/same_double.py "$1" "$2"
	else
		awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'
	fi
}

# test_auc MODEL: the test ROC-AUC of the selected model, from the
# selection record hd-select writes into it (nothing when it has none).
test_auc() {
	jq -r '[.selection.candidates[]? | select(.selected) | .test.roc_auc][0] // empty' "$1" 2>/dev/null || true
}

# need GROUP...: the Debian packages of ci/packages' groups (installed
# as root, else the apt-get line is printed and the phase fails).
need() {
	ci/deps "$@" || fail "missing Debian packages (groups: $*)"
}
