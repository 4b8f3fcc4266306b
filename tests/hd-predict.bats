#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# hd-predict: batch scoring.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 25 -o rf.json train.csv
	# The same forest as version 1 wrote it (its trees as strings).
	"$PY" "$REPO/tests/forest_v1.py" rf.json > rf1.json
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	for f in train.csv test.csv lr.json rf.json rf1.json; do
		ln -s "$BATS_FILE_TMPDIR/$f" .
	done
}

@test "every row comes out as it came with probability and prediction appended" {
	run -0 --separate-stderr hd-predict lr.json test.csv
	[ "${lines[0]}" = "$(head -n 1 test.csv),probability,prediction" ]
	[ "${#lines[@]}" -eq "$(wc -l < test.csv)" ]
	printf '%s\n' "${lines[@]}" | cut -d, -f1-15 | cmp - test.csv
	printf '%s\n' "${lines[@]:1}" | awk -F, '($16 >= 0.5) != $17 || $16 < 0 || $16 > 1 { exit 1 }'
}

@test "probabilities are exactly what the model file says (logistic regression)" {
	hd-predict lr.json test.csv | tail -n +2 | cut -d, -f16 > ours
	"$PY" "$REPO/tests/model_reference.py" lr.json < test.csv > theirs
	# the shortest form reads back as the same double
	same_double_lines ours theirs
}

@test "probabilities are what the model file says (random forest)" {
	hd-predict rf.json test.csv | tail -n +2 | cut -d, -f16 > ours
	"$PY" "$REPO/tests/model_reference.py" rf.json < test.csv > theirs
	same_double_lines ours theirs 1e-12
}

@test "columns may come in any order, with or without target" {
	hd-predict lr.json test.csv | tail -n +2 | cut -d, -f16 > a
	"$PY" -c '
import csv, sys
r = list(csv.reader(open("test.csv")))
order = list(reversed(range(len(r[0]) - 1)))
w = csv.writer(sys.stdout, lineterminator="\n")
for row in r:
    w.writerow([row[i] for i in order])' > reordered.csv
	hd-predict lr.json reordered.csv | tail -n +2 | awk -F, '{print $(NF-1)}' > b
	cmp a b
}

@test "a missing value is imputed with the training median or mode" {
	median=$(jq -r '.features[] | select(.name == "chol") | .median' lr.json)
	mode=$(jq -r '.features[] | select(.name == "thal") | .mode' lr.json)
	printf 'age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n' > p.csv
	printf '60,1,4,140,,0,2,130,1,1.5,2,1,\n' >> p.csv
	printf '60,1,4,140,%s,0,2,130,1,1.5,2,1,%s\n' "$median" "$mode" >> p.csv
	run hd-predict lr.json p.csv
	[ "$(echo "${lines[1]}" | cut -d, -f14)" = "$(echo "${lines[2]}" | cut -d, -f14)" ]
}

@test "a level never seen in training is scored as all zeros, not refused" {
	printf 'age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n' > p.csv
	printf '65,1,3,145,233,1,0,150,0,2.5,0,0,1\n' >> p.csv
	run -0 --separate-stderr hd-predict lr.json p.csv
	"$PY" "$REPO/tests/model_reference.py" lr.json < p.csv > theirs
	same_double "$(echo "${lines[1]}" | cut -d, -f14)" "$(cat theirs)"
}

@test "--threshold moves the cut" {
	hd-predict --threshold 0.9 lr.json test.csv | tail -n +2 |
		awk -F, '($16 >= 0.9) != $17 { exit 1 }'
}

@test "a bad row fails with file, line and column; --skip-bad skips and counts it" {
	{ head -n 3 test.csv; echo 'x,63,1,1,145,abc,1,2,150,0,2.3,3,0,6,0'; sed -n 4,5p test.csv; } > bad.csv
	run -1 --separate-stderr hd-predict -o out.csv lr.json bad.csv
	[ "$stderr" = "hd-predict: bad.csv:4:6: chol: 'abc' is not a number" ]
	[ ! -e out.csv ]
	run -0 --separate-stderr hd-predict --skip-bad lr.json bad.csv
	[ "${#lines[@]}" -eq 5 ]
	[ "${stderr_lines[0]}" = "hd-predict: bad.csv:4:6: chol: 'abc' is not a number" ]
	[ "${stderr_lines[1]}" = "hd-predict: skipped 1 bad row" ]
}

@test "a column named twice in the header is exit 1 with its place, and no -o file is written" {
	# test.csv has 15 columns; a second age is the 16th.
	awk -F, -v OFS=, 'NR == 1 { print $0, "age"; next } { print $0, $2 }' test.csv > dup.csv
	mkdir out
	run -1 --separate-stderr hd-predict -o out/scored.csv lr.json dup.csv
	[ "$stderr" = "hd-predict: dup.csv:1:16: column 'age' appears twice" ]
	[ -z "$output" ]
	[ -z "$(ls -A out)" ]
}

@test "a model file that is not JSON is refused with its line" {
	printf '{\n"format": "hd-model",\n"version": 1,,\n}\n' > bad.json
	run -1 --separate-stderr hd-predict bad.json test.csv
	[ "$stderr" = "hd-predict: bad.json: not valid JSON (line 3)" ]
	[ -z "$output" ]
}

@test "a model of another format or version is refused by name" {
	jq '.format = "sklearn-pickle"' lr.json > other.json
	run -1 --separate-stderr hd-predict other.json test.csv
	[ "$stderr" = 'hd-predict: other.json: not an hd-model file (its "format" is "sklearn-pickle")' ]
	jq '.version = 3' lr.json > v3.json
	run -1 --separate-stderr hd-predict v3.json test.csv
	[ "$stderr" = "hd-predict: v3.json: hd-model version 3 is not supported (this build reads versions 1 to 2)" ]
	jq 'del(.format)' lr.json > none.json
	run -1 --separate-stderr hd-predict none.json test.csv
	[ "$stderr" = 'hd-predict: none.json: not an hd-model file (its "format" is missing)' ]
}

# refused BASE FILTER NAME MESSAGE: BASE edited by the jq FILTER into NAME
# must be refused by hd-predict, exit 1, with exactly MESSAGE (a glob).
refused() {
	jq "$2" "$1" > "$3"
	run -1 --separate-stderr hd-predict "$3" test.csv
	[ -z "$output" ]
	# shellcheck disable=SC2053 # $4 is a glob pattern
	[[ "$stderr" == $4 ]] || fail "$3: $stderr"
}

@test "a damaged model is refused, never half-used" {
	malformed='params: trees\[*\] is malformed or out of range'
	refused lr.json '.params.coef |= .[1:]' short.json \
		"hd-predict: short.json: params: logistic regression needs an intercept and * coefficients"
	refused rf1.json '.params.trees[0].left |= (split(" ") | .[0] = "0" | join(" "))' loop.json \
		"hd-predict: loop.json: $malformed"
	refused rf1.json '.params.trees[3].value |= sub(" "; "  ")' space.json \
		"hd-predict: space.json: $malformed"
	refused rf1.json '.params.trees[0].feature |= sub("^[0-9]+"; "999")' slot.json \
		"hd-predict: slot.json: $malformed"
	# two parents share children: a graph, not a tree
	refused rf1.json '.params.trees = [{"feature": "0 0 -1", "left": "1 2 0", "right": "1 2 0", "value": "0.5 0.5 1"}]' dag.json \
		"hd-predict: dag.json: $malformed"
	refused lr.json '.features[2].scale = 0' scale.json \
		"hd-predict: scale.json: features\[2\]: chol needs median, mean and a positive scale"
	refused lr.json '.features[0].scale = 1e-320' tiny.json \
		"hd-predict: tiny.json: features\[0\]: age needs median, mean and a positive scale"
	refused lr.json '.model = "svm"' kind.json \
		'hd-predict: kind.json: unknown model kind "svm"'
	# jq would clamp 1e999 to the largest double, so sed writes it
	sed 's/"intercept":[^,]*/"intercept": 1e999/' lr.json > inf.json
	run -1 --separate-stderr hd-predict inf.json test.csv
	[ "$stderr" = "hd-predict: inf.json: params: the intercept is not a finite number" ]
	{ cat lr.json; echo 'junk {'; } > trailing.json
	run -1 --separate-stderr hd-predict trailing.json test.csv
	[[ "$stderr" == "hd-predict: trailing.json: not valid JSON (line "*")" ]]
	head -c 2000 rf.json > cut.json
	run -1 --separate-stderr hd-predict cut.json test.csv
	[[ "$stderr" == "hd-predict: cut.json: not valid JSON (line "*")" ]]
	run -1 --separate-stderr hd-predict /no/model.json test.csv
	[ "$stderr" = "hd-predict: /no/model.json: No such file or directory" ]
}

@test "a model whose score overflows within the physical ranges is refused, never answers NaN" {
	# Two huge opposite terms (tiny scales, huge coefficients) made
	# inf - inf: a probability of NaN from a model that loaded, found
	# by the model fuzz harness's check (tests/fuzz/regress/model/).
	overflow='hd-predict: *.json: params: the score overflows for patients within the physical ranges'
	refused lr.json '.features[0].scale = 1e-300 | .features[1].scale = 1e-300 |
		.params.coef[0] = 1e300 | .params.coef[1] = -1e300' nan.json "$overflow"
	refused lr.json '.params.coef[0] = 1e306 | .features[0].scale = 1e-3' big.json "$overflow"
	# sex=0 and cp=1: two columns' levels, both 1 for one patient
	refused lr.json '.params.coef[5] = 1.7e308 | .params.coef[7] = 1.7e308' sum.json "$overflow"
	# cp=1 and cp=2 are never both 1: their sum is no patient's
	jq '.params.coef[7] = 1.7e308 | .params.coef[8] = 1.7e308' lr.json > levels.json
	run -0 --separate-stderr hd-predict levels.json test.csv
	# Large but finite everywhere: loaded, and every probability a number.
	jq '.params.coef[0] = 1e300' lr.json > steep.json
	run -0 --separate-stderr hd-predict steep.json test.csv
	[[ $output != *nan* ]] || fail "$output"
}

@test "no model named is a usage error" {
	run -2 --separate-stderr hd-predict
	[ "${stderr_lines[0]}" = "hd-predict: no model file named" ]
}

@test "the output is the same whatever the number of scoring threads" {
	{ head -n 1 test.csv; for _ in $(seq 30); do tail -n +2 test.csv; done; } > many.csv
	hd-predict --jobs 1 rf.json many.csv > one.csv
	hd-predict --jobs 2 rf.json many.csv > two.csv
	hd-predict --jobs 5 rf.json many.csv > five.csv
	cmp one.csv two.csv
	cmp one.csv five.csv
	[ "$(wc -l < one.csv)" -eq "$(wc -l < many.csv)" ]
}

@test "a row with more or fewer fields than the header is refused, not scored ragged" {
	{ head -n 2 test.csv; sed -n 3p test.csv | sed 's/$/,extra/'; } > ragged.csv
	run -1 --separate-stderr hd-predict -o out.csv lr.json ragged.csv
	[ "$stderr" = "hd-predict: ragged.csv:3: expected 15 fields, found 16" ]
	[ ! -e out.csv ]
	{ head -n 2 test.csv; sed -n 3p test.csv | cut -d, -f1-14; } > short.csv
	run -1 --separate-stderr hd-predict lr.json short.csv
	[ "$stderr" = "hd-predict: short.csv:3: expected 15 fields, found 14" ]
}

@test "a number with blanks around it is refused, quoted or not" {
	{ head -n 1 test.csv; sed -n 2p test.csv | sed 's/^\([a-z]*\),\([0-9]*\)/\1, \2/'; } > sp.csv
	run -1 --separate-stderr hd-predict lr.json sp.csv
	[[ "$stderr" == "hd-predict: sp.csv:2:2: age: ' "*"' is not a number" ]]
}

@test "a file whose lines end in CR alone is read line by line" {
	{ head -n 3 test.csv; sed -n 4p test.csv | sed 's/,1\.\?[0-9]*,\([0-9]\),\([0-9]\),\([0-9]\),\([01]\)$/,x,\1,\2,\3,\4/'; } > lf.csv
	head -n 3 test.csv | tr '\n' '\r' > cr.csv
	sed -n 4p test.csv | awk -F, -v OFS=, '{ $11 = "x"; print }' | tr '\n' '\r' >> cr.csv
	run -1 --separate-stderr hd-predict lr.json cr.csv
	[ "$stderr" = "hd-predict: cr.csv:4:11: oldpeak: 'x' is not a number" ]
}

# --- streaming mode (--no-header, --columns): Hadoop Streaming, Spark's
# pipe(), GNU parallel --pipe -------------------------------------------

# The rows of test.csv without its header, and the header: $H.
rows() { tail -n +2 test.csv; }

@test "streaming: one line out per line in, key then the header mode's very probability and prediction" {
	H=$(head -n 1 test.csv)
	rows > rows.csv
	run -0 --separate-stderr hd-predict --columns "$H" --key source lr.json rows.csv
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq "$(wc -l < rows.csv)" ]
	hd-predict lr.json test.csv | tail -n +2 | awk -F, -v OFS=, '{ print $1, $16, $17 }' > want
	printf '%s\n' "${lines[@]}" | cmp - want
}

@test "streaming: --no-header reads the 13 features in the order of a patient in the model, hd-clean's" {
	# hd-clean writes source, the 13 features, target
	[ "$(head -n 1 test.csv | cut -d, -f2-14)" = age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal ]
	rows | cut -d, -f2-14 > feats.csv
	hd-predict --no-header rf.json feats.csv > got
	hd-predict rf.json test.csv | tail -n +2 | cut -d, -f16,17 > want
	cmp got want
	# a key may be a feature too
	hd-predict -H -k age rf.json feats.csv | cut -d, -f1 | cmp - <(cut -d, -f1 feats.csv)
}

@test "streaming: a header line is skipped wherever it appears, CRLF or not, and writes nothing" {
	H=$(head -n 1 test.csv)
	{ echo "$H"; sed -n 2,4p test.csv; printf '%s\r\n' "$H"; sed -n 5,6p test.csv | sed 's/$/\r/'; echo "$H"; } > mixed.csv
	run -0 --separate-stderr hd-predict -c "$H" -k source lr.json mixed.csv
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 5 ]
	hd-predict lr.json test.csv | sed -n 2,6p | awk -F, -v OFS=, '{ print $1, $16, $17 }' > want
	printf '%s\n' "${lines[@]}" | cmp - want
	# a header with one column changed is a bad line, not a header
	{ echo "S${H#s}"; sed -n 2p test.csv; } > near.csv
	run -1 --separate-stderr hd-predict -c "$H" lr.json near.csv
	[ "$stderr" = "hd-predict: near.csv:1:2: age: 'age' is not a number" ]
}

@test "streaming: --on-error null keeps one line per line, skip drops the bad ones, both count them" {
	H=$(head -n 1 test.csv)
	{
		sed -n 2p test.csv
		sed -n 3p test.csv | awk -F, -v OFS=, '{ $6 = "abc"; print }'   # chol
		echo                                                          # blank
		echo 'va,"63,1'                                               # not CSV
		echo 'hungarian,1,2'                                          # short
		sed -n 4p test.csv
	} > bad.csv
	run -0 --separate-stderr hd-predict -c "$H" -k source --on-error null lr.json bad.csv
	[ "${#lines[@]}" -eq 6 ]
	good2=$(hd-predict lr.json test.csv | sed -n 2p | cut -d, -f1,16,17)
	good4=$(hd-predict lr.json test.csv | sed -n 4p | cut -d, -f1,16,17)
	[ "${lines[0]}" = "$good2" ]
	[ "${lines[1]}" = "$(sed -n 3p test.csv | cut -d, -f1),," ]
	[ "${lines[2]}" = ",," ]
	[ "${lines[3]}" = ",," ]
	[ "${lines[4]}" = "hungarian,," ]
	[ "${lines[5]}" = "$good4" ]
	[ "${stderr_lines[0]}" = "hd-predict: bad.csv:2:6: chol: 'abc' is not a number" ]
	[ "${stderr_lines[1]}" = "hd-predict: bad.csv:3: expected 15 fields, found 0" ]
	[ "${stderr_lines[2]}" = "hd-predict: bad.csv:4:2: quoted field is never closed" ]
	[ "${stderr_lines[3]}" = "hd-predict: bad.csv:5: expected 15 fields, found 3" ]
	[ "${stderr_lines[4]}" = "hd-predict: bad.csv: 4 of 6 lines refused (written with empty probability and prediction)" ]
	[ "${#stderr_lines[@]}" -eq 5 ]
	run -0 --separate-stderr hd-predict -c "$H" -k source --on-error skip lr.json bad.csv
	[ "$output" = "$(printf '%s\n%s' "$good2" "$good4")" ]
	[ "${stderr_lines[4]}" = "hd-predict: bad.csv: 4 of 6 lines refused (skipped)" ]
	# fail: the first bad line, by file, line and column; no -o file
	run -1 --separate-stderr hd-predict -c "$H" -k source -o out.csv lr.json bad.csv
	[ "$stderr" = "hd-predict: bad.csv:2:6: chol: 'abc' is not a number" ]
	[ ! -e out.csv ]
}

@test "--on-error null in the header mode writes the row with two empty fields" {
	{ head -n 2 test.csv; sed -n 3p test.csv | awk -F, -v OFS=, '{ $6 = "abc"; print }'; } > bad.csv
	run -0 --separate-stderr hd-predict --on-error null lr.json bad.csv
	[ "${lines[2]}" = "$(sed -n 3p bad.csv),," ]
	[ "$stderr" = "$(printf '%s\n%s' "hd-predict: bad.csv:3:6: chol: 'abc' is not a number" "hd-predict: no probability for 1 bad row")" ]
}

@test "streaming: a line longer than 8 MiB is refused alone and the next one is scored" {
	H=$(head -n 1 test.csv)
	{ head -c 8400000 /dev/zero | tr '\0' 9; echo; sed -n 2p test.csv; } > long.csv
	run -0 --separate-stderr hd-predict -c "$H" -k source -e null lr.json long.csv
	[ "${lines[0]}" = ",," ]
	[ "${lines[1]}" = "$(hd-predict lr.json test.csv | sed -n 2p | cut -d, -f1,16,17)" ]
	[ "${stderr_lines[0]}" = "hd-predict: long.csv:1: line longer than 8388608 bytes" ]
}

@test "streaming: bad --columns, --key or --on-error are usage errors" {
	H=$(head -n 1 test.csv)
	run -2 --separate-stderr hd-predict --key source lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --key needs --no-header or --columns (with a header, every column passes through)" ]
	run -2 --separate-stderr hd-predict -c "$H" --key id lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --key: 'id' is not one of the columns" ]
	run -2 --separate-stderr hd-predict -c "${H/,chol/}" lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --columns: no 'chol' column in the header" ]
	run -2 --separate-stderr hd-predict -c "$H,age" lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --columns: column 'age' appears twice" ]
	run -2 --separate-stderr hd-predict -c "$H" --on-error ignore lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --on-error: 'ignore' is not fail, skip or null" ]
	run -2 --separate-stderr hd-predict -c "$H" --batch 0 lr.json test.csv
	[ "${stderr_lines[0]}" = "hd-predict: --batch: '0' is not a whole number from 1 to 4096" ]
}

@test "streaming: each batch is written and flushed while the input is still open" {
	H=$(head -n 1 test.csv)
	mkfifo in
	hd-predict -c "$H" -k source --batch 2 lr.json in > out 2> err 3>&- &
	pid=$!
	exec 4> in
	sed -n 2,3p test.csv >&4
	# the first batch comes out with the input still open
	for _ in $(seq 100); do
		[ "$(wc -l < out)" -eq 2 ] && break
		sleep 0.05
	done
	[ "$(wc -l < out)" -eq 2 ] || { exec 4>&-; wait "$pid"; fail "no output before EOF: $(cat err)"; }
	kill -0 "$pid"
	sed -n 4p test.csv >&4
	exec 4>&-
	wait "$pid"
	hd-predict lr.json test.csv | sed -n 2,4p | cut -d, -f1,16,17 | cmp - out
}
