#!/usr/bin/env bats
# The CSV attack catalogue: every tool that reads CSV, fed the malformed
# and the odd-but-valid inputs tests/attack/csv_cases.py makes from real
# rows.  One test per tool, its cases in a batch: a failure lists each
# case id that went wrong and how.  Every case checks the exit status
# (exactly 0 or 1: a crash or a sanitizer abort is neither), that a
# failure names the input as FILE:LINE:COLUMN of the planted fault, and
# that a failing run leaves no output and no temporary file behind, and
# leaves a pre-existing output byte for byte as it was.

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load ../test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	uci_split
	hd-fit-lr --cv 5 --oof lr.oof.csv -o lr.model.json train.csv
}

# attack_tool TOOL SOURCE: tests/attack/csv_attack for TOOL; its
# report (a line of counts, then each case that went wrong) is shown.
attack_tool() {
	run --separate-stderr "$REPO/tests/attack/csv_attack" "$1" "$2" "$BATS_FILE_TMPDIR" "$BATS_TEST_TMPDIR"
	printf '%s\n' "$output"
	[ -z "$stderr" ] || printf '%s\n' "$stderr"
	echo "${lines[0]}" >&3
	[ "$status" -eq 0 ]
}

@test "hd-clean: every malformed raw file fails at its line and column, leaving no output" {
	attack_tool hd-clean "${RAW[0]}"
}

@test "hd-eda: every malformed clean CSV fails at its line and column, leaving no output" {
	attack_tool hd-eda "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-split: every malformed clean CSV fails at its line and column, leaving no output" {
	attack_tool hd-split "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-fit-lr: every malformed training CSV fails at its line and column, leaving no model" {
	attack_tool hd-fit-lr "$BATS_FILE_TMPDIR/train.csv"
}

@test "hd-fit-rf: every malformed training CSV fails at its line and column, leaving no model" {
	attack_tool hd-fit-rf "$BATS_FILE_TMPDIR/train.csv"
}

@test "hd-eval: every malformed test CSV fails at its line and column, leaving no metrics" {
	attack_tool hd-eval "$BATS_FILE_TMPDIR/test.csv"
}

@test "hd-eval --oof: every malformed out-of-fold CSV fails at its line and column" {
	attack_tool hd-eval-oof "$BATS_FILE_TMPDIR/lr.oof.csv"
}

@test "hd-eval --scores: every malformed scores CSV fails at its line and column" {
	attack_tool hd-eval-scores "$BATS_FILE_TMPDIR/lr.oof.csv"
}

@test "hd-predict: every malformed patients CSV fails at its line and column, leaving no output" {
	attack_tool hd-predict "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-predict --columns (streaming): every malformed line fails at its line and column, leaving no output" {
	attack_tool hd-predict-stream "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-drift: every malformed patients CSV fails at its line and column, leaving no output" {
	attack_tool hd-drift "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-loso: every malformed clean CSV fails at its line and column, leaving no output" {
	attack_tool hd-loso "$BATS_FILE_TMPDIR/heart.csv"
}

@test "hd-clean: a file name or --source that gives no site name a reader takes (empty, not UTF-8) is refused, leaving no output" {
	local d=$BATS_TEST_TMPDIR n
	for n in processed..data $'processed.cl\xffev.data' processed..csv; do
		cp "${RAW[0]}" "$d/$n"
		run -1 --separate-stderr hd-clean -o "$d/out.csv" "$d/$n"
		[[ $stderr == *"$d/$n: the file name gives no usable site name"*"--source"* ]] || fail "$n: $stderr"
		[ ! -e "$d/out.csv" ] || fail "$n: out.csv written"
		# The same file named with --source is fine.
		run -0 hd-clean --source cleveland -o "$d/out.csv" "$d/$n"
		rm -f "$d/out.csv" "$d/$n"
	done
	for n in '' $'cl\xffev' 'a,b'; do
		run -2 --separate-stderr hd-clean --source "$n" -o "$d/out.csv" "${RAW[0]}"
		[[ $stderr == *"--source: '"*"' is not a usable site name"* ]] || fail "--source '$n': $stderr"
		[ ! -e "$d/out.csv" ] || fail "--source '$n': out.csv written"
	done
}
