#!/bin/sh
# pipelines/train.sh - the whole training pipeline as one shell script,
# without make: each step is one hd tool reading the last one's output.
# See usage() below, or run it with --help.
set -eu
prog=train.sh
REPO=$(cd "$(dirname "$0")/.." && pwd -P)

usage() {
	cat <<EOF
usage: pipelines/train.sh [-o DIR] [MIRROR]

Fetch, clean, explore, split, fit both models, evaluate and select, one
hd tool per step, with no make; print hd-select's comparison table.

  MIRROR          where the four UCI files are: a folder (relative to
                  the current folder) or a file://, http:// or https://
                  base URL (default: \$HD_DATA_MIRROR, else the UCI
                  archive)
  -o, --out DIR   write everything into DIR, created if needed:
                  raw/ (the four files), heart.csv, summary.json,
                  report.txt, train.csv, test.csv, lr.model.json,
                  rf.model.json, lr.metrics.json, rf.metrics.json and
                  model.json (the selected model).  Default: work/ in
                  the current folder, or in the checkout's top folder
                  when run from inside the checkout (git ignores it)
  -h, --help      show this help

Environment: SEED [42] for the split and the models; HD_BIN, a folder
of hd tools put first on PATH (default: the hd tools on PATH, else the
checkout's build/bin).  Exit status: 0 ok, 1 a step failed, 2 usage.

Example, from the checkout:
  pipelines/train.sh ../shared/data/uci-heart-disease
  hd-predict work/model.json patients.csv
EOF
}

bad_usage() {
	echo "$prog: $*" >&2
	usage >&2
	exit 2
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

out='' mirror='' have_mirror=''
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-o | --out)
		[ $# -ge 2 ] || bad_usage "$1 needs a folder"
		out=$2
		shift 2
		;;
	--out=*) out=${1#--out=}; shift ;;
	--) shift; break ;;
	-?*) bad_usage "unknown option: $1" ;;
	*)
		[ -z "$have_mirror" ] || bad_usage "one MIRROR at most"
		mirror=$1 have_mirror=1
		shift
		;;
	esac
done
if [ $# -gt 0 ]; then
	if [ -n "$have_mirror" ] || [ $# -gt 1 ]; then
		bad_usage "one MIRROR at most"
	fi
	mirror=$1 have_mirror=1
fi
[ -n "$have_mirror" ] || mirror=${HD_DATA_MIRROR:-}
seed=${SEED:-42}
case $seed in '' | *[!0-9]*) bad_usage "SEED: not a whole number: '$seed'" ;; esac

# Every path given relative to the current folder is resolved here,
# before the script moves into DIR.
case $mirror in
'' | *://*) ;;
*)
	[ -d "$mirror" ] || die "$mirror: no such folder"
	mirror=$(cd "$mirror" && pwd)
	;;
esac
if [ -n "${HD_BIN:-}" ]; then
	case $HD_BIN in /*) ;; *) HD_BIN=$PWD/$HD_BIN ;; esac
	PATH=$HD_BIN:$PATH
elif ! command -v hd-select >/dev/null 2>&1; then
	PATH=$REPO/build/bin:$PATH
fi
command -v hd-select >/dev/null 2>&1 || die "no hd tools on PATH nor in $REPO/build/bin: run make, or set HD_BIN"
# By default ./work, but never a new untracked folder inside the
# checkout: there, the checkout's own (ignored) work/.
if [ -z "$out" ]; then
	here=$(pwd -P)
	case $here/ in
	"$REPO"/*) out=$REPO/work ;;
	*) out=$here/work ;;
	esac
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

cd "$out"
hd-fetch ${mirror:+--mirror "$mirror"} -d raw
hd-clean -o heart.csv raw/processed.*.data
hd-eda -o summary.json -r report.txt heart.csv
hd-split --seed "$seed" --train train.csv --test test.csv heart.csv
hd-fit-lr --seed "$seed" -o lr.model.json train.csv &
lr=$!
hd-fit-rf --seed "$seed" -o rf.model.json train.csv
wait "$lr"
hd-eval -o lr.metrics.json lr.model.json test.csv
hd-eval -o rf.metrics.json rf.model.json test.csv
hd-select -o model.json lr.metrics.json rf.metrics.json
echo "$prog: the selected model is $out/model.json"
