#!/usr/bin/env bats
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# make pipeline hit by a full disk and by Ctrl-C, at several points:
# it fails saying so, leaves no output that is not whole (each file
# there is byte for byte the reference run's), and a rerun then makes
# exactly the reference's bytes.  Slow (a dozen pipelines): make soak.
#
# Every run, the reference's included, works in the same folder, $W,
# because the outputs name their inputs by path (a model's
# training.file).  SOURCE_DATE_EPOCH fixes the time a model records.
# What is not compared, and why: art/runs/ and art/.run, the run
# records, which hold the run's id, its start and end times and the
# host (hd-runs(1)); a run is a new fact each time.

load ../test_helper

setup_file() {
	export SOURCE_DATE_EPOCH=1700000000
	export W=$BATS_FILE_TMPDIR/w REF=$BATS_FILE_TMPDIR/ref
	mkdir -p "$W"
	mk pipeline > "$BATS_FILE_TMPDIR/ref.log" 2>&1
	mv "$W" "$REF"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
	rm -rf "$W" && mkdir -p "$W"
}

teardown() {
	if mountpoint -q "$W"; then umount "$W"; fi
	rm -rf "$W"
}

# The outputs of a run, one path a line relative to its folder $1, the
# run records left out.
outputs_of() {
	(cd "$1" && find . \( -path ./art/runs -o -path ./art/.run \) -prune -o -type f -print | LC_ALL=C sort)
}

# No file in $W is partial: each is the reference's, byte for byte, and
# no temporary (NAME.tmp*, .tmp-*) is left anywhere, run records included.
only_whole_files() {
	local f bad=()
	while IFS= read -r f; do
		cmp -s "$W/$f" "$REF/$f" || bad+=("$f")
	done < <(outputs_of "$W")
	[ ${#bad[@]} -eq 0 ] || fail "not the reference's bytes: ${bad[*]}"
	f=$(cd "$W" && find . -name '*.tmp*' -o -name '.tmp*')
	[ -z "$f" ] || fail "temporary files left: $f"
}

# $W has every output of the reference, each its bytes, and no other.
same_as_reference() {
	diff <(outputs_of "$REF") <(outputs_of "$W") || fail "not the reference's files"
	only_whole_files
}

# The folder's size in KiB as df counts it (tmpfs: pages).
ref_kib() {
	du -sk "$REF" | cut -f1
}

@test "the reference run made every output, and a second run makes the same bytes" {
	run -0 mk pipeline
	same_as_reference
}

@test "a disk that fills up mid-pipeline: ENOSPC said with the file, no partial output, a rerun with room makes the same bytes" {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	local total pct kib
	total=$(ref_kib)
	# From the split to the report: the share of the reference's size
	# (run records included) at which the disk is full.
	for pct in 8 15 25 33 40 45; do
		kib=$((total * pct / 100))
		mkdir -p "$W"
		mount -t tmpfs -o "size=${kib}k" tmpfs "$W"
		run mk pipeline
		[ "$status" -ne 0 ] || fail "$pct % (${kib} KiB): the pipeline succeeded"
		echo "# disk full at $pct % (${kib} KiB): $(grep -m1 -E 'No space left|cut short' <<<"$output" | sed "s|$W/||g")" >&3
		# A tool names its output and the error; gnuplot, which says
		# nothing, is named by the check after it (pipelines/plots.mk).
		grep -qE "^(hd-[a-z-]+: $W/[^ ]+: write failed: No space left on device|gnuplot: $W/[^ ]+: cut short)" <<<"$output" ||
			fail "$pct %: no message naming a file and ENOSPC: ${output: -600}"
		only_whole_files
		mount -o remount,size=256m "$W"
		run -0 mk pipeline
		same_as_reference
		umount "$W"
		rm -rf "$W"
	done
}

@test "a disk that fills up while the run is recorded leaves no partial stamp" {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	mount -t tmpfs -o "size=$(($(ref_kib) * 65 / 100))k" tmpfs "$W"
	run mk pipeline
	[ "$status" -ne 0 ]
	only_whole_files
}

# interrupt_at FILE...: for each FILE, start make pipeline in $W, send
# Ctrl-C to its process group the moment FILE appears (so the step
# after it is running: make runs one at a time), check that no partial
# output is left, then rerun it to the end: the reference's bytes.
interrupt_at() {
	local at pid st
	for at in "$@"; do
		rm -rf "$W" && mkdir -p "$W"
		# Its own process group, as a terminal's Ctrl-C would reach it,
		# and SIGINT back to its default: bash starts a background job
		# with SIGINT ignored, which no shell can undo.
		"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' bash -c "$(declare -f mk build_mode); mk pipeline" \
			> "$BATS_TEST_TMPDIR/int.log" 2>&1 3>&- &
		pid=$!
		for _ in $(seq 1 6000); do
			if [ -e "$W/$at" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
			sleep 0.01
		done
		kill -INT -- "-$pid" 2>/dev/null || true
		st=0
		wait "$pid" || st=$?
		echo "# Ctrl-C when $at appeared: exit $st" >&3
		# The last step may beat a Ctrl-C sent as it begins.
		[ "$st" -ne 0 ] || [ "$at" = art/report.html ] || fail "$at: not interrupted: $(tail -c 600 "$BATS_TEST_TMPDIR/int.log")"
		only_whole_files
		run -0 mk pipeline
		same_as_reference
	done
}

@test "Ctrl-C at each step of the pipeline: no partial output, and a rerun makes the same bytes" {
	# The clean, the EDA, the fits (the forest's after the regression's
	# model), the evaluation and selection, gnuplot's drawings, the
	# report.
	interrupt_at data/raw/processed.va.data data/heart.csv data/split/train.csv \
		art/models/lr.model.json art/models/rf.model.json art/model.json \
		art/plots/hist-age.svg art/plots/roc.svg art/plots/rf-decision.svg
}

@test "Ctrl-C while the run is recorded leaves no partial stamp" {
	interrupt_at art/report.html
}
