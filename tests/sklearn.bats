#!/usr/bin/env bats
# Agreement with scikit-learn (Debian's python3-sklearn) on hd's own split.

load test_helper

setup_file() {
	"$PY" -c 'import sklearn' 2>/dev/null || return 0
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-split --folds 5 --seed 42 -o folds.csv train.csv
	hd-fit-lr --cv 5 --seed 42 -o lr.json train.csv
	hd-fit-rf --cv 0 -o rf.json train.csv
	hd-predict lr.json test.csv > lr.csv
	hd-predict rf.json test.csv > rf.csv
	"$PY" "$REPO/tests/sklearn_agreement.py" train.csv test.csv folds.csv \
		lr.csv rf.csv > agreement.json
}

setup() {
	"$PY" -c 'import sklearn' 2>/dev/null || skip "python3-sklearn is not installed"
	cd "$BATS_FILE_TMPDIR" || exit
}

@test "logistic regression matches scikit-learn's newton-cg to 1e-6 on every test row" {
	d=$(jq .lr_max_abs_diff_newton_cg agreement.json)
	echo "# max |p_hd - p_newton-cg| = $d, |p_hd - p_lbfgs(default)| = $(jq .lr_max_abs_diff_lbfgs agreement.json)" >&3
	run jq '.lr_max_abs_diff_newton_cg < 1e-6' agreement.json
	[ "$output" = true ]
}

@test "cross-validation folds give scikit-learn's ROC-AUC fold by fold (no leakage)" {
	run jq -r --slurpfile m lr.json \
		'[.lr_cv_roc_auc, $m[0].cv.roc_auc] | transpose | map(.[0] - .[1] | fabs < 1e-9) | all' agreement.json
	[ "$output" = true ]
}

@test "the random forest's test ROC-AUC is within 0.02 of scikit-learn's" {
	echo "# ROC-AUC hd $(jq .rf_test_roc_auc_ours agreement.json), scikit-learn $(jq .rf_test_roc_auc_sklearn agreement.json)" >&3
	run jq '(.rf_test_roc_auc_ours - .rf_test_roc_auc_sklearn | fabs) <= 0.02' agreement.json
	[ "$output" = true ]
}

@test "both models clear the quality floor: test ROC-AUC >= 0.88, CV ROC-AUC >= 0.85" {
	run jq '.lr_test_roc_auc_ours >= 0.88 and .rf_test_roc_auc_ours >= 0.88' agreement.json
	[ "$output" = true ]
	hd-fit-rf --cv 5 -o rfcv.json train.csv
	run jq '.cv.mean >= 0.85' lr.json rfcv.json
	[ "$output" = "true
true" ]
}
