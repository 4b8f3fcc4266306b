#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-fit-lr: logistic regression with preprocessing and cross-validation.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	ln -s "$BATS_FILE_TMPDIR/train.csv" "$BATS_FILE_TMPDIR/test.csv" .
}

jq_() { jq -r "$1" model.json; }

@test "a model file records its format, preprocessing, parameters and training" {
	run -0 --separate-stderr hd-fit-lr -o model.json train.csv
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(jq_ .format)" = hd-model ]
	[ "$(jq_ .version)" = 2 ]
	[ "$(jq_ .model)" = logistic_regression ]
	[ "$(jq_ '.features | length')" = 13 ]
	[ "$(jq_ '.params.coef | length')" = "$(jq_ '.encoded | length')" ]
	[ "$(jq_ .training.rows)" = 734 ]
	[ "$(jq_ '.training.class_counts | join(",")')" = 328,406 ]
	[ "$(jq_ .training.sha256)" = "$(sha256sum < train.csv | cut -d' ' -f1)" ]
	[ "$(jq_ .training.converged)" = true ]
	[ "$(jq_ .hyperparameters.C)" = 1 ]
	[[ "$(jq_ .training.created)" =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$ ]]
}

@test "preprocessing is learned from the training rows only, as pandas computes it" {
	hd-fit-lr --cv 0 -o model.json train.csv
	"$PY" - model.json train.csv heart.csv <<-'PY'
	import json, sys, pandas as pd
	m = json.load(open(sys.argv[1]))
	tr = pd.read_csv(sys.argv[2])
	for f in m["features"]:
	    col = tr[f["name"]]
	    if f["kind"] == "numeric":
	        imp = col.fillna(col.median())
	        assert f["median"] == col.median(), f
	        assert abs(f["mean"] - imp.mean()) < 1e-12, f
	        assert abs(f["scale"] - imp.std(ddof=0)) < 1e-12, f
	    else:
	        counts = col.value_counts()
	        assert f["mode"] == min(counts[counts == counts.max()].index), f
	        assert f["levels"] == sorted(col.dropna().unique().tolist()), f
	PY
}

@test "the same data and seed give a byte-identical model" {
	SOURCE_DATE_EPOCH=1700000000 hd-fit-lr -o a.json train.csv
	SOURCE_DATE_EPOCH=1700000000 hd-fit-lr -o b.json < train.csv
	jq 'del(.training.file)' a.json > a2.json
	jq 'del(.training.file)' b.json > b2.json
	cmp a2.json b2.json
	[ "$(jq -r .training.created a.json)" = 2023-11-14T22:13:20Z ]
}

@test "cross-validation stores one ROC-AUC per fold with their mean and std" {
	hd-fit-lr --cv 4 -o model.json train.csv
	[ "$(jq_ '.cv.folds')" = 4 ]
	[ "$(jq_ '.cv.roc_auc | length')" = 4 ]
	run jq -r '(.cv.roc_auc | add / length) - .cv.mean | fabs < 1e-12' model.json
	[ "$output" = true ]
	run jq -r '.cv.mean >= 0.85' model.json
	[ "$output" = true ]
	hd-fit-lr --cv 0 -o none.json train.csv
	[ "$(jq -r 'has("cv")' none.json)" = false ]
}

@test "a stronger penalty shrinks the weights" {
	hd-fit-lr --cv 0 -o c1.json train.csv
	hd-fit-lr --cv 0 --C 0.01 -o c001.json train.csv
	n1=$(jq '[.params.coef[] | . * .] | add' c1.json)
	n2=$(jq '[.params.coef[] | . * .] | add' c001.json)
	run jq -n "$n2 < $n1 / 4"
	[ "$output" = true ]
}

@test "too few Newton steps warns that the fit has not converged" {
	run -0 --separate-stderr hd-fit-lr --cv 0 --max-iter 1 -o model.json train.csv
	[ "$stderr" = "hd-fit-lr: warning: not converged after 1 Newton steps (raise --max-iter or --tol)" ]
	[ "$(jq_ .training.converged)" = false ]
}

@test "a bad value is named by file, line and column and no model is written" {
	{ head -n 3 train.csv; echo 'x,63,1,1,145,abc,1,2,150,0,2.3,3,0,6,0'; } > bad.csv
	run -1 --separate-stderr hd-fit-lr -o model.json bad.csv
	[ "$stderr" = "hd-fit-lr: bad.csv:4:6: chol: 'abc' is not a number" ]
	[ ! -e model.json ]
	! compgen -G "*tmp*" >/dev/null || fail "a temporary file is left: $(echo *tmp*)"
}

@test "a value outside the physical range is refused" {
	{ head -n 2 train.csv; echo 'x,63,1,1,145,1500,1,2,150,0,2.3,3,0,6,0'; } > bad.csv
	run -1 --separate-stderr hd-fit-lr bad.csv
	[ "$stderr" = "hd-fit-lr: bad.csv:3:6: chol: '1500' is out of range (0 to 1000)" ]
}

@test "a target other than 0 or 1 is refused" {
	{ head -n 2 train.csv; echo 'x,63,1,1,145,200,1,2,150,0,2.3,3,0,6,2'; } > bad.csv
	run -1 --separate-stderr hd-fit-lr bad.csv
	[ "$stderr" = "hd-fit-lr: bad.csv:3:15: target: '2' is not 0 or 1" ]
}

@test "a missing column is named" {
	cut -d, -f1-4,6- train.csv > bad.csv
	run -1 --separate-stderr hd-fit-lr bad.csv
	[ "$stderr" = "hd-fit-lr: bad.csv:1: no 'trestbps' column in the header" ]
	cut -d, -f1-14 train.csv > notarget.csv
	run -1 --separate-stderr hd-fit-lr notarget.csv
	[ "$stderr" = "hd-fit-lr: notarget.csv:1: no 'target' column in the header" ]
}

@test "too few rows of a class for the folds is an error" {
	{ head -n 1 train.csv; grep ',1$' train.csv | head -n 20; grep ',0$' train.csv | head -n 3; } > few.csv
	run -1 --separate-stderr hd-fit-lr --cv 5 few.csv
	[ "$stderr" = "hd-fit-lr: few.csv: 5-fold cross-validation needs at least 5 rows of each class" ]
	run -0 hd-fit-lr --cv 3 few.csv
}

@test "a column named twice in the header is refused by line and column, and no model is written" {
	# train.csv has 15 columns; a second age is the 16th.
	awk -F, -v OFS=, 'NR == 1 { print $0, "age"; next } { print $0, $2 }' train.csv > dup.csv
	mkdir out
	run -1 --separate-stderr hd-fit-lr -o out/model.json dup.csv
	[ "$stderr" = "hd-fit-lr: dup.csv:1:16: column 'age' appears twice" ]
	[ -z "$output" ]
	[ -z "$(ls -A out)" ]
}

@test "empty input and a header alone are errors" {
	run -1 --separate-stderr hd-fit-lr /dev/null
	[ "$stderr" = "hd-fit-lr: /dev/null:1: empty input: expected a header line" ]
	head -n 1 train.csv > header.csv
	run -1 --separate-stderr hd-fit-lr header.csv
	[ "$stderr" = "hd-fit-lr: header.csv:2: no data rows after the header" ]
}

@test "bad options exit 2" {
	run -2 --separate-stderr hd-fit-lr --C 0 train.csv
	[ "${stderr_lines[0]}" = "hd-fit-lr: --C: '0' is not a number from 1e-12 to 1000000000000" ]
	run -2 --separate-stderr hd-fit-lr --cv 1 train.csv
	[ "${stderr_lines[0]}" = "hd-fit-lr: --cv: 1 fold leaves nothing to train on; use 0 for none or 2 to 100" ]
	run -2 --separate-stderr hd-fit-lr --max-iter x train.csv
	run -2 --separate-stderr hd-fit-lr train.csv extra.csv
}

@test "--oof writes every row's out-of-fold probability; fold by fold its ROC-AUC is the model's CV" {
	run -0 --separate-stderr hd-fit-lr --cv 5 --seed 42 --oof oof.csv -o model.json train.csv
	[ "$(head -n 1 oof.csv)" = "target,probability" ]
	[ "$(wc -l < oof.csv)" -eq 735 ]
	[ "$(tail -n +2 oof.csv | cut -d, -f1)" = "$(tail -n +2 train.csv | cut -d, -f15)" ]
	hd-split --folds 5 --seed 42 -o folds.csv train.csv
	"$PY" - oof.csv folds.csv model.json <<'PY'
import csv, json, sys
from sklearn.metrics import roc_auc_score
oof = list(csv.DictReader(open(sys.argv[1])))
folds = [int(r["fold"]) for r in csv.DictReader(open(sys.argv[2]))]
cv = json.load(open(sys.argv[3]))["cv"]["roc_auc"]
for f in range(5):
    y = [int(r["target"]) for r, k in zip(oof, folds) if k == f]
    p = [float(r["probability"]) for r, k in zip(oof, folds) if k == f]
    assert abs(roc_auc_score(y, p) - cv[f]) < 1e-12, (f, roc_auc_score(y, p), cv[f])
PY
	jq -e '.cv.calibration.slope > 0.5 and .cv.calibration.slope < 1.5' model.json
	run -2 --separate-stderr hd-fit-lr --cv 0 --oof x.csv train.csv
	[ "$stderr" = "hd-fit-lr: --oof needs cross-validation (--cv K, K >= 2)" ]
	[ ! -e x.csv ]
}
