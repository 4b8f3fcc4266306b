#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-select: rank evaluated models, copy the winner with its selection.
#
# The candidates are hand-made: fake model files (hd-select reads a model
# only as an "hd-model" document) and metrics files laid out as hd-eval
# writes them, each naming its model file and that file's SHA-256.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

# A fake model file.  Its numbers are ones cJSON's own printer would
# round (it keeps 15 digits when that looks close enough).
fake_model() {  # file kind
	printf '{"format": "hd-model", "version": 1, "model": "%s", "params": {"coef": [0.1, 0.8774328933136522, -2.5e-300]}, "name": "%s"}\n' \
		"$2" "$1" > "$1"
}

# A metrics file for a model file, as hd-eval writes it.  ACC and BRIER
# in the environment override those two test metrics.
metrics() {     # out kind model test_roc_auc cv_mean (- for none)
	local sha cv=
	sha=$(sha256sum < "$3" | cut -d' ' -f1)
	[ "$5" = - ] || cv=", \"cv\": {\"folds\": 5, \"seed\": 42, \"mean\": $5, \"std\": 0.01}"
	cat > "$1" <<-EOF
	{"format": "hd-metrics", "version": 1,
	 "model": {"kind": "$2", "file": "$3", "sha256": "$sha"$cv},
	 "data": {"file": "test.csv", "sha256": "00", "rows": 100},
	 "test": {"n": 100, "threshold": 0.5, "accuracy": ${ACC:-0.8},
	          "precision": 0.75, "recall": 0.6, "f1": 0.6666666666666666,
	          "roc_auc": $4, "brier": ${BRIER:-0.1}, "log_loss": 0.3}}
	EOF
}

lr() { fake_model lr.json logistic_regression; }
rf() { fake_model rf.json random_forest; }

# The selected document without its selection is the winner's, unchanged.
is_copy_of() {  # selected winner
	[ "$(jq -S -c 'del(.selection)' "$1")" = "$(jq -S -c . "$2")" ] ||
		fail "$1 is not $2 plus a selection"
}

reason() { jq -r .selection.reason model.json; }

@test "the highest test ROC-AUC wins, whatever the CV mean and the order" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.8 0.95
	metrics rf.m.json random_forest rf.json 0.85 0.8
	run -0 --separate-stderr hd-select -o model.json lr.m.json rf.m.json
	[ -z "$stderr" ]
	diff -u - <(printf '%s\n' "$output") <<-'EOF'
	  model                accuracy   precision  recall     F1         ROC-AUC    CV ROC-AUC         file
	* random_forest        0.8000     0.7500     0.6000     0.6667     0.8500     0.8000 ± 0.0100    rf.json
	  logistic_regression  0.8000     0.7500     0.6000     0.6667     0.8000     0.9500 ± 0.0100    lr.json
	selected: random_forest (rf.json) has the highest test roc_auc, 0.85 against 0.8 for logistic_regression (lr.json).
	EOF
	is_copy_of model.json rf.json
	[ "$(jq -c '.selection | [.metric, .direction, .value, .file]' model.json)" = '["roc_auc","higher",0.85,"rf.json"]' ]
	# Candidates in command-line order, ranked.
	[ "$(jq -c '[.selection.candidates[] | [.kind, .file, .metrics_file, .test.roc_auc, .cv_roc_auc.mean, .rank, .selected]]' model.json)" = \
	  '[["logistic_regression","lr.json","lr.m.json",0.8,0.95,2,false],["random_forest","rf.json","rf.m.json",0.85,0.8,1,true]]' ]
	[ "$(jq -r '.selection.candidates[1].sha256' model.json)" = "$(sha256sum < rf.json | cut -d' ' -f1)" ]
	hd-select -o again.json rf.m.json lr.m.json > /dev/null
	[ "$(jq -r .selection.file again.json)" = rf.json ]
}

@test "the selected model keeps its format and version and every number exactly" {
	lr
	metrics lr.m.json logistic_regression lr.json 0.8 0.9
	hd-select -o model.json lr.m.json > /dev/null
	[ "$(jq -c '[.format, .version, .model]' model.json)" = '["hd-model",1,"logistic_regression"]' ]
	grep -q '0.8774328933136522' model.json
	grep -q -- '-2.5e-300' model.json
	[ "$(reason)" = "logistic_regression (lr.json) is the only candidate (test roc_auc 0.8)." ]
	# Selecting a selected model replaces its selection.
	metrics again.m.json logistic_regression model.json 0.7 -
	hd-select -o model2.json again.m.json > /dev/null
	[ "$(jq '[.. | objects | select(has("selection"))] | length' model2.json)" = 1 ]
	[ "$(jq -c '[.selection.file, (.selection.candidates | length)]' model2.json)" = '["model.json",1]' ]
	is_copy_of model2.json lr.json
}

@test "on a ROC-AUC tie the higher cross-validated ROC-AUC mean wins" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.85 0.8
	metrics rf.m.json random_forest rf.json 0.85 0.82
	run -0 --separate-stderr hd-select -o model.json lr.m.json rf.m.json
	is_copy_of model.json rf.json
	[ "$(reason)" = "random_forest (rf.json) and logistic_regression (lr.json) tie on test roc_auc (0.85); rf.json has the higher cross-validated ROC-AUC mean, 0.82 against 0.8." ]
	[ "${lines[1]:0:16}" = "* random_forest " ]
}

@test "a model with a cross-validation record beats one without on a tie" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.85 -
	metrics rf.m.json random_forest rf.json 0.85 0.7
	run -0 --separate-stderr hd-select -o model.json lr.m.json rf.m.json
	is_copy_of model.json rf.json
	[ "$(reason)" = "random_forest (rf.json) and logistic_regression (lr.json) tie on test roc_auc (0.85); only rf.json has a cross-validated ROC-AUC mean (0.7)." ]
	[ "$(jq -c '.selection.candidates[0].cv_roc_auc' model.json)" = null ]
	[[ "${lines[2]}" == "  logistic_regression  "*"  -                  lr.json" ]]
}

@test "on a tie in ROC-AUC and CV mean the simpler model wins, in either order" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.85 0.8
	metrics rf.m.json random_forest rf.json 0.85 0.8
	for order in "rf.m.json lr.m.json" "lr.m.json rf.m.json"; do
		read -ra files <<<"$order"
		run -0 --separate-stderr hd-select -o model.json "${files[@]}"
		is_copy_of model.json lr.json
	done
	[ "$(reason)" = "logistic_regression (lr.json) and random_forest (rf.json) tie on test roc_auc (0.85) and on cross-validated ROC-AUC mean (0.8); logistic_regression is the simpler model." ]
	# Without CV records the kinds still decide.
	metrics lr.m.json logistic_regression lr.json 0.85 -
	metrics rf.m.json random_forest rf.json 0.85 -
	hd-select -o model.json rf.m.json lr.m.json > /dev/null
	is_copy_of model.json lr.json
	[ "$(reason)" = "logistic_regression (lr.json) and random_forest (rf.json) tie on test roc_auc (0.85) and neither has a cross-validation record; logistic_regression is the simpler model." ]
}

@test "on a tie in everything the first file on the command line wins" {
	fake_model a.json logistic_regression
	fake_model b.json logistic_regression
	metrics a.m.json logistic_regression a.json 0.85 0.8
	metrics b.m.json logistic_regression b.json 0.85 0.8
	hd-select -o model.json a.m.json b.m.json > /dev/null
	is_copy_of model.json a.json
	[ "$(reason)" = "logistic_regression (a.json) and logistic_regression (b.json) tie on test roc_auc (0.85) and on cross-validated ROC-AUC mean (0.8); neither model is simpler, so a.m.json, first on the command line, wins." ]
	hd-select -o model.json b.m.json a.m.json > /dev/null
	is_copy_of model.json b.json
}

@test "--by ranks by another test metric; brier and log loss go lowest first" {
	lr; rf
	ACC=0.9 BRIER=0.2 metrics lr.m.json logistic_regression lr.json 0.8 0.9
	ACC=0.7 BRIER=0.1 metrics rf.m.json random_forest rf.json 0.9 0.8
	hd-select --by accuracy -o model.json lr.m.json rf.m.json > /dev/null
	is_copy_of model.json lr.json
	run -0 --separate-stderr hd-select -m brier -o model.json lr.m.json rf.m.json
	is_copy_of model.json rf.json
	[ "$(reason)" = "random_forest (rf.json) has the lowest test brier, 0.1 against 0.2 for logistic_regression (lr.json)." ]
	[ "$(jq -c '.selection | [.metric, .direction, .value]' model.json)" = '["brier","lower",0.1]' ]
	# The table gains a column for a metric it does not show anyway.
	[[ "${lines[0]}" == *"  ROC-AUC    brier      CV ROC-AUC         file" ]]
	[[ "${lines[1]}" == *"  0.9000     0.1000     0.8000 ± 0.0100    rf.json" ]]
}

@test "without -o the model goes to stdout and the table to stderr" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.8 0.9
	metrics rf.m.json random_forest rf.json 0.7 0.9
	run -0 --separate-stderr hd-select lr.m.json rf.m.json
	printf '%s\n' "$output" > out.json
	is_copy_of out.json lr.json
	[ "${stderr_lines[1]:0:22}" = "* logistic_regression " ]
	[ "${#stderr_lines[@]}" -eq 4 ]
}

@test "a model file changed since its evaluation is refused and nothing is written" {
	lr; rf
	metrics lr.m.json logistic_regression lr.json 0.8 0.9
	metrics rf.m.json random_forest rf.json 0.85 0.9
	old=$(sha256sum < rf.json | cut -d' ' -f1)
	echo ' ' >> rf.json
	new=$(sha256sum < rf.json | cut -d' ' -f1)
	mkdir out
	echo previous > out/model.json
	run -1 --separate-stderr hd-select -o out/model.json lr.m.json rf.m.json
	[ -z "$output" ]
	[ "$stderr" = "hd-select: rf.m.json: model file rf.json has changed since it was evaluated (its sha256 is $new, the metrics were made with $old); evaluate it again" ]
	[ "$(cat out/model.json)" = previous ]
	[ "$(ls -A out)" = model.json ]
	# The loser changing is refused too: the comparison is stale.
	rf
	metrics rf.m.json random_forest rf.json 0.85 0.9
	echo ' ' >> lr.json
	run -1 --separate-stderr hd-select -o out/model.json lr.m.json rf.m.json
	[[ "$stderr" == "hd-select: lr.m.json: model file lr.json has changed since it was evaluated "* ]]
}

@test "every bad metrics file is reported before giving up" {
	lr
	metrics good.m.json logistic_regression lr.json 0.8 0.9
	jq '.model.file = "gone.json"' good.m.json > gone.m.json
	jq '.model = null' good.m.json > scores.m.json
	jq '.test.roc_auc = null' good.m.json > null.m.json
	jq 'del(.model.sha256)' good.m.json > nosha.m.json
	jq '.test.roc_auc = "high"' good.m.json > str.m.json
	jq '.model.cv = {"folds": 5}' good.m.json > cv.m.json
	printf '{"format": "hd-metrics",\n "version": 1,\n oops}\n' > broken.m.json
	mkdir out
	run -1 --separate-stderr hd-select -o out/model.json good.m.json gone.m.json \
		scores.m.json null.m.json nosha.m.json str.m.json cv.m.json \
		broken.m.json lr.json nothere.m.json
	[ -z "$output" ]
	diff -u - <(printf '%s\n' "$stderr") <<-'EOF'
	hd-select: gone.m.json: model file gone.json: No such file or directory
	hd-select: scores.m.json: made from scores alone (hd-eval --scores), so it names no model to select
	hd-select: null.m.json: test roc_auc is null (undefined on this test set), so it cannot be compared
	hd-select: nosha.m.json: no "model.sha256" string
	hd-select: str.m.json: no number "test.roc_auc"
	hd-select: cv.m.json: "model.cv" has no number "mean" and "std"
	hd-select: broken.m.json:3:2: not valid JSON
	hd-select: lr.json: not an hd-metrics file (its "format" is "hd-model")
	hd-select: nothere.m.json: No such file or directory
	EOF
	[ -z "$(ls -A out)" ]
}

@test "a winner whose file is not an hd-model document is refused" {
	printf '{"format": "hd-metrics", "version": 1}\n' > notmodel.json
	metrics m.json logistic_regression notmodel.json 0.8 0.9
	run -1 --separate-stderr hd-select -o model.json m.json
	[ "$stderr" = 'hd-select: notmodel.json: not an hd-model file (its "format" is "hd-metrics")' ]
	[ ! -e model.json ]
}

@test "usage errors exit 2" {
	run -2 --separate-stderr hd-select
	[ "${stderr_lines[0]}" = "hd-select: no metrics files" ]
	[ "${stderr_lines[1]}" = "usage: hd-select [-o FILE] [--by METRIC] METRICS..." ]
	run -2 --separate-stderr hd-select --by auc a.json
	[ "$stderr" = "hd-select: --by: 'auc' is not one of roc_auc, accuracy, precision, recall, f1, brier, log_loss, ece, brier_skill" ]
	[ -z "$output" ]
}

@test "fit, evaluate and select real models: the selected file predicts as the winner" {
	for t in hd-fit-lr hd-fit-rf hd-predict; do
		[ -x "$HD_BIN/$t" ] || skip "$t not built yet"
	done
	uci_split
	hd-fit-lr -o lr.json train.csv
	hd-fit-rf --trees 50 -o rf.json train.csv
	hd-eval -o lr.m.json lr.json test.csv
	hd-eval -o rf.m.json rf.json test.csv
	run -0 --separate-stderr hd-select -o model.json lr.m.json rf.m.json
	[ -z "$stderr" ]
	winner=$(jq -r .selection.file model.json)
	# The winner has the larger test ROC-AUC of the two.
	best=$(jq -s -r 'max_by(.test.roc_auc) | .model.file' lr.m.json rf.m.json)
	[ "$winner" = "$best" ]
	is_copy_of model.json "$winner"
	hd-predict model.json test.csv > a.csv
	hd-predict "$winner" test.csv > b.csv
	cmp a.csv b.csv
}

@test "with intervals in the metrics, the table says whether the first two overlap; --by reads calibration too" {
	for t in hd-fit-lr hd-fit-rf; do
		[ -x "$HD_BIN/$t" ] || skip "$t not built yet"
	done
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 50 -o rf.json train.csv
	hd-eval -o lr.m.json lr.json test.csv
	hd-eval -o rf.m.json rf.json test.csv
	run -0 --separate-stderr hd-select -o model.json lr.m.json rf.m.json
	n=${#lines[@]}
	[ "${lines[$((n - 4))]}" = "95% intervals of test roc_auc (bootstrap):" ]
	w=$(jq -r .selection.file model.json)
	lo=$(jq -r '.test.intervals.roc_auc.lo' "${w%.json}.m.json")
	[[ "${lines[$((n - 3))]}" == "* "*"[$(printf '%.4f' "$lo"), "* ]]
	# The ROC-AUC intervals of these two models overlap: said, not hidden.
	ov=$(jq -s '.[0].test.intervals.roc_auc as $a | .[1].test.intervals.roc_auc as $b | ($a.lo <= $b.hi and $b.lo <= $a.hi)' lr.m.json rf.m.json)
	if [ "$ov" = true ]; then
		[ "${lines[$((n - 1))]}" = "the intervals of the first two overlap: this test set does not tell them apart at 95%" ]
	else
		[ "${lines[$((n - 1))]}" = "the intervals of the first two do not overlap" ]
	fi
	run -0 --separate-stderr hd-select --by ece -o m2.json lr.m.json rf.m.json
	best=$(jq -s -r 'min_by(.test.calibration.ece) | .model.file' lr.m.json rf.m.json)
	[ "$(jq -r .selection.file m2.json)" = "$best" ]
	# The table's ece column shows the values, not "-".
	ece=$(jq -r '.test.calibration.ece' "${best%.json}.m.json")
	[[ "${lines[1]}" == "* "*" $(printf '%.4f' "$ece") "* ]] || fail "table: ${lines[1]}"
	run -0 --separate-stderr hd-select --by brier_skill -o m3.json lr.m.json rf.m.json
	best=$(jq -s -r 'max_by(.test.calibration.brier_skill) | .model.file' lr.m.json rf.m.json)
	[ "$(jq -r .selection.file m3.json)" = "$best" ]
}
