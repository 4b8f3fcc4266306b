#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-fit-rf: random forest with preprocessing and cross-validation.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	ln -s "$BATS_FILE_TMPDIR/train.csv" "$BATS_FILE_TMPDIR/test.csv" .
}

# Number of nodes of every tree, one per line (from the trees as
# version 1 wrote them: tests/forest_v1.py decodes the compact records).
nodes() { "$PY" "$REPO/tests/forest_v1.py" "$1" | jq -r '.params.trees[].feature | split(" ") | length'; }

@test "a forest model records 200 trees, its hyperparameters and cross-validation" {
	run -0 --separate-stderr hd-fit-rf -o model.json train.csv
	[ -z "$stderr" ]
	[ "$(jq -r .model model.json)" = random_forest ]
	[ "$(jq '.params.trees' model.json)" = 200 ]
	[ "$(nodes model.json | wc -l)" = 200 ]
	[ "$(jq -r '.hyperparameters | "\(.n_estimators) \(.criterion) \(.max_features) \(.bootstrap)"' model.json)" = "200 gini sqrt true" ]
	[ "$(jq '.cv.roc_auc | length' model.json)" = 5 ]
	run jq '.cv.mean >= 0.85' model.json
	[ "$output" = true ]
	[ "$(jq -r .training.sha256 model.json)" = "$(sha256sum < train.csv | cut -d' ' -f1)" ]
}

@test "the model is byte-identical whatever --jobs is" {
	export SOURCE_DATE_EPOCH=1700000000
	hd-fit-rf --trees 60 --jobs 1 -o j1.json train.csv
	hd-fit-rf --trees 60 --jobs 2 -o j2.json train.csv
	hd-fit-rf --trees 60 --jobs 7 -o j7.json train.csv
	cmp j1.json j2.json
	cmp j1.json j7.json
}

@test "another seed grows another forest" {
	hd-fit-rf --trees 20 --cv 0 --seed 1 -o a.json train.csv
	hd-fit-rf --trees 20 --cv 0 --seed 2 -o b.json train.csv
	[ "$(jq -c .params a.json)" != "$(jq -c .params b.json)" ]
	[ "$(jq .training.seed a.json)" = 1 ]
}

@test "thresholds of numeric columns are in clinical units" {
	hd-fit-rf --trees 5 --cv 0 -o m.json train.csv
	# slot 2 is chol (0 to 603 in training): its thresholds are in mg/dl
	run jq -r '[.params.splits[] | select(.[0] == 2) | .[1]] | (length > 0 and min > 0 and max < 603)' m.json
	[ "$output" = true ]
}

@test "--max-depth 1 grows stumps and --trees sets the count" {
	hd-fit-rf --trees 7 --max-depth 1 --cv 0 -o m.json train.csv
	[ "$(jq '.params.trees' m.json)" = 7 ]
	[ "$(nodes m.json | sort -u)" = 3 ]
}

@test "--min-samples-leaf and --max-features shrink the trees" {
	hd-fit-rf --trees 10 --cv 0 -o full.json train.csv
	hd-fit-rf --trees 10 --cv 0 --min-samples-leaf 20 -o leaf.json train.csv
	full=$(nodes full.json | awk '{s += $1} END {print s}')
	leaf=$(nodes leaf.json | awk '{s += $1} END {print s}')
	[ "$leaf" -lt "$((full / 3))" ]
	hd-fit-rf --trees 3 --cv 0 --max-features 28 -o all.json train.csv
	run -1 --separate-stderr hd-fit-rf --trees 3 --cv 0 --max-features 29 train.csv
	[ "$stderr" = "hd-fit-rf: --max-features 29 is more than the 28 encoded columns" ]
}

@test "every leaf is pure by default: the forest fits its training rows" {
	hd-fit-rf --trees 50 --cv 0 -o m.json train.csv
	hd-predict m.json train.csv | tail -n +2 |
		awk -F, '($15 == 1 && $16 < 0.5) || ($15 == 0 && $16 >= 0.5) { bad++ } END { exit bad > 5 }'
}

@test "bad data and bad options are refused" {
	{ head -n 2 train.csv; echo 'x,63,1,1,145,233,1,2,150,0,2.3,3,0,6,9'; } > bad.csv
	run -1 --separate-stderr hd-fit-rf -o m.json bad.csv
	[ "$stderr" = "hd-fit-rf: bad.csv:3:15: target: '9' is not 0 or 1" ]
	[ ! -e m.json ]
	run -2 --separate-stderr hd-fit-rf --trees 0 train.csv
	[ "${stderr_lines[0]}" = "hd-fit-rf: --trees: '0' is not a whole number from 1 to 100000" ]
	run -2 --separate-stderr hd-fit-rf --min-samples-split 1 train.csv
	run -2 --separate-stderr hd-fit-rf --jobs -1 train.csv
	run -2 --separate-stderr hd-fit-rf --seed x train.csv
	[ "${stderr_lines[0]}" = "hd-fit-rf: --seed: 'x' is not a whole number from 0 to 2^64-1" ]
}

@test "a hangup the caller ignores (nohup) does not stop a fit; one it does not ignore leaves no file" {
	bash -c 'trap "" HUP; exec hd-fit-rf --trees 5000 --jobs 1 --cv 0 -o m.json train.csv' &
	pid=$!
	sleep 0.3
	kill -HUP "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	jq -e '.params.trees == 5000' m.json
	hd-fit-rf --trees 5000 --jobs 1 --cv 0 -o n.json train.csv &
	pid=$!
	sleep 0.3
	kill -HUP "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq $((128 + 1)) ]
	[ ! -e n.json ]
	[ -z "$(find . -mindepth 1 -maxdepth 1 ! -name train.csv ! -name test.csv ! -name m.json)" ]
}
