#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-split: stratified train/test split and stratified folds.

load test_helper

setup_file() {
	hd-clean "${RAW[@]}" > "$BATS_FILE_TMPDIR/heart.csv"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	cp "$BATS_FILE_TMPDIR/heart.csv" .
}

class_count() {    # file class -> rows of that class (header skipped)
	awk -F, -v c="$2" 'NR > 1 && $NF == c' "$1" | wc -l
}

@test "the default split of the UCI rows is 734 train and 184 test, stratified" {
	run -0 --separate-stderr hd-split --train train.csv --test test.csv heart.csv
	[ -z "$output" ]
	[ "$(tail -n +2 train.csv | wc -l)" -eq 734 ]
	[ "$(tail -n +2 test.csv | wc -l)" -eq 184 ]
	[ "$(class_count test.csv 0)" -eq 82 ]
	[ "$(class_count test.csv 1)" -eq 102 ]
	[ "$(class_count train.csv 0)" -eq 328 ]
	[ "$(class_count train.csv 1)" -eq 406 ]
}

@test "train and test are disjoint, cover the input and keep its order" {
	hd-split --train train.csv --test test.csv heart.csv
	[ "$(head -n1 train.csv)" = "$(head -n1 heart.csv)" ]
	[ "$(head -n1 test.csv)" = "$(head -n1 heart.csv)" ]
	cat <(tail -n +2 train.csv) <(tail -n +2 test.csv) | sort > both
	tail -n +2 heart.csv | sort > all
	cmp both all
	# order kept: each part is a subsequence of the input
	run -0 bash -c "tail -n +2 heart.csv | grep -Fxf <(tail -n +2 test.csv) | cmp - <(tail -n +2 test.csv)"
}

@test "the split is exactly the one the documented PRNG and algorithm give" {
	for seed in 42 7 18446744073709551615; do
		hd-split --seed "$seed" --train train.csv --test test.csv heart.csv
		"$PY" "$REPO/tests/split_reference.py" "$seed" 0.2 < heart.csv > expected
		tail -n +2 test.csv | diff -u expected -
	done
	hd-split --test-size 0.35 --train train.csv --test test.csv heart.csv
	"$PY" "$REPO/tests/split_reference.py" 42 0.35 < heart.csv > expected
	tail -n +2 test.csv | diff -u expected -
}

@test "the same seed gives byte-identical files, another seed another split" {
	hd-split --seed 42 --train a1 --test a2 heart.csv
	hd-split --seed 42 --train b1 --test b2 < heart.csv
	cmp a1 b1
	cmp a2 b2
	hd-split --seed 43 --train c1 --test c2 heart.csv
	! cmp -s a2 c2 || fail "seeds 42 and 43 gave the same test set"
}

@test "--test-size sets the test fraction, rounded up" {
	hd-split --test-size 0.3 --train train.csv --test test.csv heart.csv
	[ "$(tail -n +2 test.csv | wc -l)" -eq 276 ]
}

@test "--folds numbers every row with balanced stratified folds" {
	run -0 --separate-stderr hd-split --folds 5 heart.csv
	[ "${lines[0]}" = "$(head -n1 heart.csv),fold" ]
	[ "${#lines[@]}" -eq 919 ]
	printf '%s\n' "${lines[@]:1}" > folded
	"$PY" "$REPO/tests/split_reference.py" 42 --folds 5 < heart.csv | diff -u - folded
	# each fold holds 183 or 184 rows, 82 of class 0 and 101 or 102 of class 1
	run bash -c "awk -F, '{n[\$NF]++; c[\$NF\",\"\$(NF-1)]++} END {for (f = 0; f < 5; f++) print n[f], c[f\",0\"], c[f\",1\"]}' folded | sort -u"
	[ "$output" = "183 82 101
184 82 102" ]
}

@test "--folds -o writes the file atomically" {
	hd-split --folds 3 --seed 1 -o folds.csv heart.csv
	[ "$(wc -l < folds.csv)" -eq 919 ]
	[ "$(cut -d, -f16 folds.csv | tail -n +2 | sort -u | tr '\n' ' ')" = "0 1 2 " ]
}

@test "a file without a target column is refused" {
	printf 'a,b\n1,2\n' > x.csv
	run -1 --separate-stderr hd-split --train t1 --test t2 x.csv
	[ "$stderr" = "hd-split: x.csv:1: no 'target' column in the header" ]
	[ ! -e t1 ] && [ ! -e t2 ]
}

@test "a class value other than 0 or 1 is named by line and column" {
	printf 'a,target\n1,0\n2,1\n3,2\n' > x.csv
	run -1 --separate-stderr hd-split --train t1 --test t2 x.csv
	[ "$stderr" = "hd-split: x.csv:4:2: target: '2' is not 0 or 1" ]
	[ ! -e t1 ] && [ ! -e t2 ]
}

@test "a row with a different number of fields is refused" {
	printf 'a,target\n1,0\n2\n' > x.csv
	run -1 --separate-stderr hd-split --folds 2 x.csv
	[ "$stderr" = "hd-split: x.csv:3: expected 2 fields, found 1" ]
}

@test "empty input is refused" {
	run -1 --separate-stderr hd-split --train t1 --test t2 /dev/null
	[ "$stderr" = "hd-split: /dev/null:1: empty input: expected a header line" ]
}

@test "usage errors exit 2" {
	run -2 --separate-stderr hd-split --train t1 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --train and --test are both needed (or --folds)" ]
	run -2 --separate-stderr hd-split --test-size 1.5 --train t1 --test t2 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --test-size: '1.5' is not a number from 0 to 1" ]
	run -2 --separate-stderr hd-split --test-size 0 --train t1 --test t2 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --test-size: '0' must lie strictly between 0 and 1" ]
	run -2 --separate-stderr hd-split --seed -1 --train t1 --test t2 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --seed: '-1' is not a whole number from 0 to 2^64-1" ]
	run -2 --separate-stderr hd-split --folds 1 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --folds: '1' is not a whole number from 2 to 1000" ]
	run -2 --separate-stderr hd-split --folds 5 --train t1 heart.csv
	run -2 --separate-stderr hd-split --train t1 --test t1 heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --train and --test name the same file" ]
	[ ! -e t1 ]
}

@test "values that are not numbers as hd reads them are refused in clean CSV" {
	for v in 1e999 0x10 inf nan; do
		awk -F, -v OFS=, -v v="$v" 'NR == 5 { $2 = v } { print }' heart.csv > bad.csv
		run -1 --separate-stderr hd-split --train a.csv --test b.csv bad.csv
		[[ "$stderr" == "hd-split: bad.csv:5:2: age: '$v' is "* ]] || fail "$v: $stderr"
		[ ! -e a.csv ] && [ ! -e b.csv ]
	done
}

@test "the class is 0 or 1 as written, the same rule in every tool: 1.0 is refused" {
	awk -F, -v OFS=, 'NR == 3 { $15 = "1.0" } { print }' heart.csv > t.csv
	run -1 --separate-stderr hd-split --train a.csv --test b.csv t.csv
	[ "$stderr" = "hd-split: t.csv:3:15: target: '1.0' is not 0 or 1" ]
	run -1 --separate-stderr hd-fit-lr --cv 0 -o m.json t.csv
	[ "$stderr" = "hd-fit-lr: t.csv:3:15: target: '1.0' is not 0 or 1" ]
	printf 'target,probability\n1.0,0.5\n0,0.1\n' > s.csv
	run -1 --separate-stderr hd-eval --scores s.csv
	[ "$stderr" = "hd-eval: s.csv:2:1: target: '1.0' is not 0 or 1" ]
}

@test "--train and --test naming one file by two paths is a usage error" {
	ln -s a.csv same.csv
	: > a.csv
	run -2 --separate-stderr hd-split --train a.csv --test same.csv heart.csv
	[ "${stderr_lines[0]}" = "hd-split: --train and --test name the same file" ]
}
