#!/usr/bin/env bats
# Writes that fail part-way, without root: a file size limit (ulimit -f)
# with SIGXFSZ ignored, so that write(2) fails with EFBIG instead of
# the signal killing the tool.  Each tool that writes a file must exit
# 1 naming the file and the error, leave neither the file nor its
# temporary, and leave a file that was there before as it was.  (A
# full disk and Ctrl-C in the middle of make pipeline are in
# tests/soak/attack-pipeline.bats: they take a dozen pipelines.)

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load ../test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	uci_split
	hd-fit-lr --cv 0 -o lr.model.json train.csv
}

# capped KIB CMD...: CMD with files limited to KIB KiB, SIGXFSZ ignored
# (an ignored signal stays ignored across exec).
capped() {
	local kib=$1
	shift
	bash -c 'ulimit -f "$1"; trap "" XFSZ; shift; exec "$@"' capped "$kib" "$@"
}

# efbig OUT KIB CMD...: CMD writes OUT, which is bigger than KIB KiB:
# it fails at the limit, twice (OUT absent, then OUT there before).
efbig() {
	local out=$1 kib=$2 d f
	shift 2
	d=$(dirname "$out")
	rm -rf "$d" && mkdir -p "$d"
	run -1 --separate-stderr capped "$kib" "$@"
	[[ $stderr == *"$out: write failed: File too large"* ]] || fail "$1: $stderr"
	f=$(ls -A "$d")
	[ -z "$f" ] || fail "$1 left in $d: $f"
	echo "there before" > "$out"
	run -1 --separate-stderr capped "$kib" "$@"
	[ "$(cat "$out")" = "there before" ] || fail "$1 changed $out"
	[ "$(ls -A "$d")" = "$(basename "$out")" ] || fail "$1 left in $d: $(ls -A "$d")"
}

@test "each tool's output cut by a file size limit (EFBIG): exit 1 naming it, no file, no temporary, the old one kept" {
	local o=$BATS_TEST_TMPDIR/out f=$BATS_FILE_TMPDIR
	# heart.csv is 40 KiB, a forest of 200 trees 700 KiB, a scored
	# test set 14 KiB, hd-eda's summary 20 KiB.
	efbig "$o/clean.csv" 16 hd-clean -o "$o/clean.csv" "${RAW[@]}"
	efbig "$o/train.csv" 16 hd-split --train "$o/train.csv" --test "$o/test.csv" "$f/heart.csv"
	efbig "$o/rf.json" 64 hd-fit-rf --cv 0 -o "$o/rf.json" "$f/train.csv"
	efbig "$o/scored.csv" 8 hd-predict -o "$o/scored.csv" "$f/lr.model.json" "$f/test.csv"
	efbig "$o/summary.json" 8 hd-eda -o "$o/summary.json" "$f/heart.csv"
	efbig "$o/metrics.json" 8 hd-eval -b 0 -o "$o/metrics.json" "$f/lr.model.json" "$f/test.csv"
}

@test "a size limit a tool's output fits under is no fault: the same bytes as without it" {
	hd-fit-lr --cv 0 -o "$BATS_TEST_TMPDIR/free.json" "$BATS_FILE_TMPDIR/train.csv"
	run -0 capped 1024 hd-fit-lr --cv 0 -o "$BATS_TEST_TMPDIR/capped.json" "$BATS_FILE_TMPDIR/train.csv"
	# The same but for the time it was made.
	diff <(jq 'del(.training.created)' "$BATS_TEST_TMPDIR/free.json") \
		<(jq 'del(.training.created)' "$BATS_TEST_TMPDIR/capped.json")
}
