#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-eval: test-set metrics, as scikit-learn defines them.
#
# Most tests feed hand-made scores (--scores), whose metrics are worked
# out by hand in the comments; the model form is tested on a model that
# hd-fit-lr fits on the UCI rows.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

# Write a scores CSV from "target probability" lines on stdin.
scores() {      # file
	{
		echo target,probability
		tr ' ' ,
	} > "$1"
}

# A member of the metrics file m.json, compactly.
jm() { jq -c "$1" m.json; }

# |a - b| <= 1e-15 max(1, |b|): for sums whose last bits depend on
# the order of the terms.
near() {        # got want
	awk -v a="$1" -v b="$2" 'BEGIN {
		d = a - b; m = b < 0 ? -b : b; if (m < 1) m = 1
		exit !(d <= 1e-15 * m && -d <= 1e-15 * m) }' ||
		fail "$1 is not within 1e-15 of $2"
}

# hd-eval --scores on a file that must be refused: exit 1, exactly one
# message, nothing on stdout and no output file (not even a temporary,
# nor the plot data or their folder) in the output's folder.
refused() {     # file message
	mkdir -p out
	run --separate-stderr hd-eval --scores -o out/m.json --plot-data out/plots "$1"
	[ "$status" -eq 1 ] || fail "exit $status for $1"
	[ -z "$output" ]
	[ "$stderr" = "$2" ] || fail "stderr: $stderr"
	[ -z "$(ls -A out)" ] || fail "left behind: $(ls -A out)"
}

@test "four untied scores give the hand-computed metrics" {
	# p: 0.1 0.4 0.35 0.8, y: 0 0 1 1.  At 0.5 only 0.8 is positive:
	# tn 2, fp 0, fn 1, tp 1; accuracy 3/4, precision 1/1, recall 1/2,
	# F1 2tp/(2tp+fp+fn) = 2/3.  Of the 4 (positive, negative) pairs
	# only 0.35 < 0.4 is out of order: ROC-AUC 3/4.  Brier
	# (0.01 + 0.16 + 0.4225 + 0.04)/4 = 0.158125.  Log loss
	# -(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8)/4 = 0.472287953809176.
	printf '0 0.1\n0 0.4\n1 0.35\n1 0.8\n' | scores s.csv
	run -0 --separate-stderr hd-eval --scores -o m.json s.csv
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(jm .format)" = '"hd-metrics"' ]
	[ "$(jm .version)" = 1 ]
	[ "$(jm .model)" = null ]
	[ "$(jm .test.n)" = 4 ]
	[ "$(jm .test.threshold)" = 0.5 ]
	[ "$(jm .test.confusion)" = '{"tn":2,"fp":0,"fn":1,"tp":1}' ]
	[ "$(jm .test.accuracy)" = 0.75 ]
	[ "$(jm .test.precision)" = 1 ]
	[ "$(jm .test.recall)" = 0.5 ]
	[ "$(jm .test.f1)" = 0.6666666666666666 ]
	[ "$(jm .test.roc_auc)" = 0.75 ]
	near "$(jm .test.brier)" 0.158125
	near "$(jm .test.log_loss)" 0.472287953809176
	[ "$(jm .test.class_counts)" = '{"0":2,"1":2}' ]
	# One point per distinct score, highest first, after (0, 0).
	[ "$(jm .test.roc.threshold)" = '[null,0.8,0.4,0.35,0.1]' ]
	[ "$(jm .test.roc.fpr)" = '[0,0,0.5,0.5,1]' ]
	[ "$(jm .test.roc.tpr)" = '[0,0.5,0.5,1,1]' ]
}

@test "scores tied across the classes count one half in ROC-AUC" {
	# positives 0.9 0.5 0.5 0.2, negatives 0.7 0.5 0.2: 12 pairs.
	# 0.9 beats all 3; each 0.5 beats 0.2, ties 0.5 (1/2), loses to 0.7:
	# 1.5 twice; the positive 0.2 ties the negative 0.2: 1/2.
	# (3 + 3 + 0.5)/12 = 13/24.  The curve, one point per distinct
	# score: 0.9 (0, 1/4), 0.7 (1/3, 1/4), 0.5 (2/3, 3/4), 0.2 (1, 1);
	# its trapezoids 1/12 + 1/6 + 7/24 = 13/24 too.
	printf '0 0.2\n0 0.5\n1 0.5\n1 0.5\n1 0.9\n1 0.2\n0 0.7\n' | scores s.csv
	hd-eval --scores -o m.json s.csv
	[ "$(jm .test.roc_auc)" = 0.5416666666666666 ]
	[ "$(jm .test.roc.threshold)" = '[null,0.9,0.7,0.5,0.2]' ]
	[ "$(jm .test.roc.fpr)" = '[0,0,0.3333333333333333,0.6666666666666666,1]' ]
	[ "$(jm .test.roc.tpr)" = '[0,0.25,0.25,0.75,1]' ]
	# At 0.5 the three rows at exactly 0.5 are positive: tp 3 (0.5, 0.5,
	# 0.9), fp 2 (0.5, 0.7), fn 1, tn 1.  Accuracy 4/7, precision 3/5,
	# recall 3/4, F1 6/9.
	[ "$(jm .test.confusion)" = '{"tn":1,"fp":2,"fn":1,"tp":3}' ]
	[ "$(jm .test.accuracy)" = 0.5714285714285714 ]
	[ "$(jm .test.precision)" = 0.6 ]
	[ "$(jm .test.recall)" = 0.75 ]
	[ "$(jm .test.f1)" = 0.6666666666666666 ]
}

@test "a probability equal to the threshold counts as positive" {
	printf '0 0.2\n0 0.5\n1 0.5\n1 0.5\n1 0.9\n1 0.2\n0 0.7\n' | scores s.csv
	# At 0.7: 0.9 (y 1) and 0.7 (y 0) are positive.
	hd-eval --scores --threshold 0.7 -o m.json s.csv
	[ "$(jm .test.threshold)" = 0.7 ]
	[ "$(jm .test.confusion)" = '{"tn":2,"fp":1,"fn":3,"tp":1}' ]
	# Just above 0.7, the negative at 0.7 is no longer positive.
	hd-eval --scores -t 0.70000000000000007 -o m.json s.csv
	[ "$(jm .test.confusion)" = '{"tn":3,"fp":0,"fn":3,"tp":1}' ]
	# At 0 everything is positive, at 1 only a probability of 1.
	hd-eval --scores -t 0 -o m.json s.csv
	[ "$(jm .test.confusion)" = '{"tn":0,"fp":3,"fn":0,"tp":4}' ]
	printf '0 1\n1 1\n1 0.99\n' | scores one.csv
	hd-eval --scores -t 1 -o m.json one.csv
	[ "$(jm .test.confusion)" = '{"tn":0,"fp":1,"fn":1,"tp":1}' ]
}

@test "the threshold changes the confusion matrix only, not the ranking metrics" {
	printf '0 0.2\n0 0.5\n1 0.5\n1 0.5\n1 0.9\n1 0.2\n0 0.7\n' | scores s.csv
	hd-eval --scores -o a.json s.csv
	hd-eval --scores -t 0.6 -o b.json s.csv
	for k in roc_auc brier log_loss roc class_counts n; do
		[ "$(jq -c ".test.$k" a.json)" = "$(jq -c ".test.$k" b.json)" ] ||
			fail "$k differs"
	done
	[ "$(jq -c .test.confusion a.json)" != "$(jq -c .test.confusion b.json)" ]
}

@test "with nothing predicted positive, precision is 0 with a warning" {
	# At 0.9 no row is positive: tp 0, fp 0 -> precision 0/0, written
	# as 0 (scikit-learn's zero_division default); recall 0/2 = 0;
	# F1 0/(0 + 0 + 2) = 0, defined.
	printf '0 0.1\n0 0.4\n1 0.35\n1 0.8\n' | scores s.csv
	run -0 --separate-stderr hd-eval --scores -t 0.9 -o m.json s.csv
	[ "$stderr" = "hd-eval: warning: no row has probability >= 0.9: precision is undefined (written as 0)" ]
	[ "$(jm .test.confusion)" = '{"tn":2,"fp":0,"fn":2,"tp":0}' ]
	[ "$(jm '[.test.precision, .test.recall, .test.f1, .test.accuracy]')" = '[0,0,0,0.5]' ]
}

@test "one class only: ROC-AUC is null with a warning, and the exit status is 0" {
	# Only negatives: tp + fn = 0, so recall is 0/0 (written 0) and
	# there is no positive to rank.  0.6 is a false positive, so
	# precision 0/1 = 0 and F1 0/1 = 0 are defined.
	printf '0 0.2\n0 0.6\n' | scores s.csv
	run -0 --separate-stderr hd-eval --scores -o m.json s.csv
	[ "$stderr" = "hd-eval: warning: only class 0 in the data: ROC-AUC is undefined (written as null)
hd-eval: warning: no positive rows: recall is undefined (written as 0)" ]
	[ "$(jm .test.roc_auc)" = null ]
	[ "$(jm .test.confusion)" = '{"tn":1,"fp":1,"fn":0,"tp":0}' ]
	[ "$(jm '[.test.precision, .test.recall, .test.f1]')" = '[0,0,0]' ]
	# The true positive rate has no denominator: null, as scikit-learn's NaN.
	[ "$(jm .test.roc)" = '{"fpr":[0,0.5,1],"tpr":[null,null,null],"threshold":[null,0.6,0.2]}' ]
	# Brier (0.04 + 0.36)/2 = 0.2; log loss -(ln 0.8 + ln 0.4)/2.
	near "$(jm .test.brier)" 0.2
	near "$(jm .test.log_loss)" 0.5697171415941824

	# Only positives, all below the threshold: precision 0/0.
	printf '1 0.2\n1 0.3\n' | scores p.csv
	run -0 --separate-stderr hd-eval --scores -o m.json p.csv
	[ "$stderr" = "hd-eval: warning: only class 1 in the data: ROC-AUC is undefined (written as null)
hd-eval: warning: no row has probability >= 0.5: precision is undefined (written as 0)" ]
	[ "$(jm .test.roc.fpr)" = '[null,null,null]' ]
	[ "$(jm .test.roc.tpr)" = '[0,0.5,1]' ]
}

@test "no positives and none predicted: precision, recall and F1 are 0 with warnings" {
	printf '0 0.1\n0 0.2\n0 0.2\n' | scores s.csv
	run -0 --separate-stderr hd-eval --scores -o m.json s.csv
	[ "$stderr" = "hd-eval: warning: only class 0 in the data: ROC-AUC is undefined (written as null)
hd-eval: warning: no positive rows: recall is undefined (written as 0)
hd-eval: warning: no row has probability >= 0.5: precision is undefined (written as 0)
hd-eval: warning: no positive rows and none predicted: F1 is undefined (written as 0)" ]
	[ "$(jm '[.test.accuracy, .test.precision, .test.recall, .test.f1, .test.roc_auc]')" = '[1,0,0,0,null]' ]
	[ "$(jm .test.class_counts)" = '{"0":3,"1":0}' ]
}

@test "log loss clips probabilities 0 and 1 to [1e-15, 1 - 1e-15]" {
	# y 1 at p 0: -ln(1e-15) = 34.538776394910684.
	# y 0 at p 1: p clips to the double nearest 1 - 1e-15, which is
	#   1 - 9.992007221626409e-16, so -ln(9.992007221626409e-16)
	#   = 34.53957599234088.
	# y 1 at p 1 and y 0 at p 0: -ln(1 - 9.992e-16), about 1e-15 each.
	# Mean: 17.26958809681289.  Brier: (1 + 1 + 0 + 0)/4 = 0.5.
	printf '1 0\n0 1\n1 1\n0 0\n' | scores s.csv
	hd-eval --scores -o m.json s.csv
	near "$(jm .test.log_loss)" 17.26958809681289
	[ "$(jm .test.brier)" = 0.5 ]
	# Exactly what scikit-learn gives with eps=1e-15.
	run "$PY" "$REPO/tests/metrics_reference.py" s.csv m.json
	[ "$status" -eq 0 ] || fail "$output"
	# One confident mistake alone: -ln(1e-15).
	printf '1 0\n0 0.5\n' | scores one.csv
	hd-eval --scores -o m.json one.csv
	near "$(jm .test.log_loss)" "$(awk 'BEGIN { printf "%.17g", (-log(1e-15) - log(0.5)) / 2 }')"
}

@test "every number agrees with scikit-learn to 1e-12 on 1000 scores with many ties" {
	# Scores rounded to 2 decimals (101 levels, 0 and 1 included) so
	# that most of them tie, within and across the classes.
	"$PY" - > s.csv <<-'PY'
	import random
	r = random.Random(20261128)
	print("id,target,probability")
	for i in range(1000):
	    y = r.random() < 0.45
	    p = min(1.0, max(0.0, round(r.gauss(0.62 if y else 0.38, 0.25), 2)))
	    print(f"{i},{int(y)},{p:g}")
	PY
	[ "$(cut -d, -f3 s.csv | sort | uniq -d | wc -l)" -gt 90 ]
	grep -q ',0$' s.csv
	grep -q ',1$' s.csv
	for t in 0.5 0.37 0 1; do
		hd-eval --scores -t "$t" -o m.json s.csv
		run "$PY" "$REPO/tests/metrics_reference.py" s.csv m.json
		[ "$status" -eq 0 ] || fail "threshold $t: $output"
	done
	# And with one class only (ROC-AUC null where scikit-learn raises).
	awk -F, 'NR == 1 || $2 == 1' s.csv > pos.csv
	hd-eval --scores -o m.json pos.csv 2>/dev/null
	run "$PY" "$REPO/tests/metrics_reference.py" pos.csv m.json
	[ "$status" -eq 0 ] || fail "one class: $output"
}

@test "ROC-AUC of 200000 tied scores agrees with scikit-learn" {
	"$PY" - > s.csv <<-'PY'
	import random
	r = random.Random(7)
	print("target,probability")
	for i in range(200000):
	    y = r.random() < 0.3
	    print(f"{int(y)},{round(min(1, max(0, r.gauss(0.55 if y else 0.45, 0.2))), 3):g}")
	PY
	# The ties at scale are the point here; the intervals (2000 resamples
	# of 200000 rows: a minute, longer under ASan) are checked elsewhere.
	hd-eval --scores --bootstrap 0 -o m.json s.csv
	want=$("$PY" -c 'import sys, pandas as pd
from sklearn.metrics import roc_auc_score
d = pd.read_csv(sys.argv[1])
print(repr(roc_auc_score(d.target, d.probability)))' s.csv)
	same_double "$(jm .test.roc_auc)" "$want" 1e-12
}

@test "reads stdin and CRLF, finds the columns by name and ignores the others" {
	printf 'id,probability,x,target\r\n1,0.1,a,0\r\n2,0.4,b,0\r\n3,0.35,"c,d",1\r\n4,0.8,e,1\r\n' > s.csv
	run -0 --separate-stderr hd-eval --scores < s.csv
	[ -z "$stderr" ]
	printf '%s\n' "$output" > m.json
	[ "$(jm .test.roc_auc)" = 0.75 ]
	[ "$(jm .test.confusion)" = '{"tn":2,"fp":0,"fn":1,"tp":1}' ]
	[ "$(jm .data.file)" = '"-"' ]
	[ "$(jm .data.rows)" = 4 ]
	[ "$(jm .data.sha256)" = "\"$(sha256sum < s.csv | cut -d' ' -f1)\"" ]
	# "-" names stdin too, and a named file records its name.
	hd-eval --scores - < s.csv | cmp - m.json
	hd-eval --scores s.csv > named.json
	[ "$(jq -r .data.file named.json)" = s.csv ]
	[ "$(jq -r .data.sha256 named.json)" = "$(sha256sum < s.csv | cut -d' ' -f1)" ]
}

@test "the output is the same bytes every time, and -o replaces a file whole" {
	printf '0 0.1\n0 0.4\n1 0.35\n1 0.8\n' | scores s.csv
	hd-eval --scores s.csv > a.json
	mkdir out
	echo old > out/m.json
	run -0 --separate-stderr hd-eval --scores -o out/m.json s.csv
	[ -z "$output" ]
	cmp a.json out/m.json
	[ "$(ls -A out)" = m.json ]
}

@test "--plot-data writes the ROC points, the confusion cells, the calibration bins, the decision curve and a summary" {
	# The scores of the first test: at 0.5, tn 2, fp 0, fn 1, tp 1.
	printf '0 0.1\n0 0.4\n1 0.35\n1 0.8\n' | scores s.csv
	run -0 --separate-stderr hd-eval --scores -o m.json --plot-data p s.csv
	[ -z "$stderr" ]
	[ "$(cd p && printf '%s ' *)" = "calibration.dat confusion.dat decision.dat roc.dat summary.dat " ]
	diff -u - p/roc.dat <<-'EOF'
	# fpr tpr threshold
	0 0 NaN
	0 0.5 0.8
	0.5 0.5 0.4
	0.5 1 0.35
	1 1 0.1
	EOF
	diff -u - p/confusion.dat <<-'EOF'
	# actual predicted count
	0 0 2
	0 1 0
	1 0 1
	1 1 1
	EOF
	diff -u - p/summary.dat <<-'EOF'
	# n threshold roc_auc
	4 0.5 0.75
	EOF
	# The bins and the curve, row for row the metrics file's numbers
	# in its very text (null as NaN).
	"$PY" - m.json p <<-'EOF'
	import json, sys
	t = json.load(open(sys.argv[1]))["test"]
	def table(name):
	    lines = open(f"{sys.argv[2]}/{name}").read().splitlines()
	    return lines[0], [l.split(" ") for l in lines[1:]]
	def text(x):
	    return "NaN" if x is None else json.dumps(x)
	head, rows = table("calibration.dat")
	assert head == "# mean_predicted observed n lo hi", head
	want = [[text(b[k]) for k in head[2:].split()]
	        for b in t["calibration"]["bins"]["equal_width"]]
	assert rows == want, (rows, want)
	assert sum(int(r[2]) for r in rows) == 4
	assert sum(r[0] == "NaN" for r in rows) == 7    # 3 bins hold the 4
	head, rows = table("decision.dat")
	assert head == "# threshold model treat_all treat_none", head
	dc = t["decision_curve"]
	want = [[text(dc[k][i]) for k in head[2:].split()] for i in range(99)]
	assert rows == want, (rows, want)
	EOF
}

@test "--plot-data is written only with the metrics: an empty name is a usage error, an unwritable metrics file leaves no table" {
	printf '0 0.1\n0 0.4\n1 0.35\n1 0.8\n' | scores s.csv
	run -2 --separate-stderr hd-eval --scores --plot-data '' -o m.json s.csv
	[ "${stderr_lines[0]}" = "hd-eval: --plot-data: empty folder name" ]
	[ ! -e m.json ]
	run -1 --separate-stderr hd-eval --scores --plot-data p -o no/m.json s.csv
	[ "$stderr" = "hd-eval: no/m.json: cannot create: No such file or directory" ]
	[ -z "$(find p -type f)" ]
	touch f
	run -1 --separate-stderr hd-eval --scores --plot-data f -o m.json s.csv
	[ "$stderr" = "hd-eval: f: not a folder" ]
	[ ! -e m.json ]
	# and to standard output, with the tables beside
	run -0 --separate-stderr hd-eval --scores --plot-data p s.csv
	[ "$(jq -r .format <<<"$output")" = hd-metrics ]
	[ "$(tail -n 1 p/summary.dat)" = "4 0.5 0.75" ]
}

@test "a probability that is missing, not a number or outside [0, 1] is refused by line and column" {
	printf 'target,probability\n0,0.1\n1,abc\n' > s.csv
	refused s.csv "hd-eval: s.csv:3:2: probability: 'abc' is not a number"
	printf 'target,probability\n0,0.1\n1,1.5\n' > s.csv
	refused s.csv "hd-eval: s.csv:3:2: probability: '1.5' is not between 0 and 1"
	printf 'target,probability\n0,-0.01\n' > s.csv
	refused s.csv "hd-eval: s.csv:2:2: probability: '-0.01' is not between 0 and 1"
	printf 'target,probability\n0,0.1\n1,\n' > s.csv
	refused s.csv "hd-eval: s.csv:3:2: probability: missing"
	for v in nan inf 0x1p-1 1e400 0.5% '"0,5"'; do
		printf 'target,probability\n1,%s\n' "$v" > s.csv
		refused s.csv "hd-eval: s.csv:2:2: probability: '${v//\"/}' is not a number"
	done
}

@test "a target other than 0 or 1 is refused by line and column" {
	printf 'x,target,probability\na,0,0.1\nb,2,0.5\n' > s.csv
	refused s.csv "hd-eval: s.csv:3:2: target: '2' is not 0 or 1"
	printf 'x,target,probability\na,,0.1\n' > s.csv
	refused s.csv "hd-eval: s.csv:2:2: target: '' is not 0 or 1"
	printf 'x,target,probability\na,yes,0.1\n' > s.csv
	refused s.csv "hd-eval: s.csv:2:2: target: 'yes' is not 0 or 1"
}

@test "a missing or doubled column, a short row or no rows is refused" {
	printf 'target,score\n0,0.1\n' > s.csv
	refused s.csv "hd-eval: s.csv:1: no 'probability' column in the header"
	printf 'probability\n0.1\n' > s.csv
	refused s.csv "hd-eval: s.csv:1: no 'target' column in the header"
	printf 'target,probability,target\n0,0.1,0\n' > s.csv
	refused s.csv "hd-eval: s.csv:1:3: column 'target' appears twice"
	printf 'target,probability\n0,0.1\n1,0.2,x\n' > s.csv
	refused s.csv "hd-eval: s.csv:3: expected 2 fields, found 3"
	printf 'target,probability\n\n' > s.csv
	refused s.csv "hd-eval: s.csv:3: no data rows after the header"
	: > s.csv
	refused s.csv "hd-eval: s.csv:1: empty input: expected a header line"
	printf 'target,probability\n0,"0.1\n' > s.csv
	refused s.csv "hd-eval: s.csv:2: quoted field is never closed"
	refused nope.csv "hd-eval: nope.csv: No such file or directory"
}

@test "usage errors exit 2" {
	run -2 --separate-stderr hd-eval --scores --threshold 1.5 s.csv
	[ "$stderr" = "hd-eval: --threshold: '1.5' is not a number from 0 to 1" ]
	run -2 --separate-stderr hd-eval --scores -t x s.csv
	[ "$stderr" = "hd-eval: --threshold: 'x' is not a number from 0 to 1" ]
	run -2 --separate-stderr hd-eval --scores a.csv b.csv
	[ "${stderr_lines[0]}" = "hd-eval: --scores reads one file at most" ]
	[ "${stderr_lines[1]}" = "usage: hd-eval [-o FILE] [-t T] [--bootstrap N] [--seed N] [--thresholds LIST]" ]
	run -2 --separate-stderr hd-eval model.json
	[ "${stderr_lines[0]}" = "hd-eval: a model and a data file are needed (or --scores)" ]
	run -2 --separate-stderr hd-eval - data.csv
	[ "$stderr" = "hd-eval: the model must be a file, not stdin" ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------------
# The model form, on a model fitted to the UCI rows
# ---------------------------------------------------------------------

fit_model() {
	[ -x "$HD_BIN/hd-fit-lr" ] || skip "hd-fit-lr not built yet"
	uci_split
	hd-fit-lr -o lr.json train.csv
}

@test "a model scored on clean data gives its identity, its CV and the test metrics" {
	fit_model
	run -0 --separate-stderr hd-eval -o m.json lr.json test.csv
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(jm .model.kind)" = '"logistic_regression"' ]
	[ "$(jm .model.file)" = '"lr.json"' ]
	[ "$(jm .model.sha256)" = "\"$(sha256sum < lr.json | cut -d' ' -f1)\"" ]
	[ "$(jm .model.cv)" = "$(jq -c .cv lr.json)" ]
	[ "$(jm .data)" = "{\"file\":\"test.csv\",\"sha256\":\"$(sha256sum < test.csv | cut -d' ' -f1)\",\"rows\":184}" ]
	[ "$(jm .test.n)" = 184 ]
	[ "$(jm .test.class_counts)" = '{"0":82,"1":102}' ]
}

@test "the model form agrees with hd-predict piped into --scores, and with scikit-learn" {
	fit_model
	[ -x "$HD_BIN/hd-predict" ] || skip "hd-predict not built yet"
	hd-eval -t 0.4 -o m.json lr.json test.csv
	hd-predict lr.json test.csv > pred.csv
	hd-eval --scores -t 0.4 -o s.json pred.csv
	[ "$(jq -c .test m.json)" = "$(jq -c .test s.json)" ]
	run "$PY" "$REPO/tests/metrics_reference.py" pred.csv m.json
	[ "$status" -eq 0 ] || fail "$output"
}

@test "a column named twice in the data's header is refused by line and column, no -o file written" {
	fit_model
	# test.csv has 15 columns; a second age is the 16th.
	awk -F, -v OFS=, 'NR == 1 { print $0, "age"; next } { print $0, $2 }' test.csv > dup.csv
	mkdir out
	run -1 --separate-stderr hd-eval -o out/m.json lr.json dup.csv
	[ "$stderr" = "hd-eval: dup.csv:1:16: column 'age' appears twice" ]
	[ -z "$output" ]
	[ -z "$(ls -A out)" ]
}

@test "a model that cannot be loaded, or data without a feature column, is refused" {
	fit_model
	run -1 --separate-stderr hd-eval -o m.json gone.json test.csv
	[ "$stderr" = "hd-eval: gone.json: No such file or directory" ]
	printf 'target,probability\n0,0.1\n1,0.8\n' > s.csv
	hd-eval --scores -o metrics.json s.csv
	run -1 --separate-stderr hd-eval -o m.json metrics.json test.csv
	[ "$stderr" = "hd-eval: metrics.json: not an hd-model file (its \"format\" is \"hd-metrics\")" ]
	cut -d, -f1,3- test.csv > noage.csv
	run -1 --separate-stderr hd-eval -o m.json lr.json noage.csv
	[ "$stderr" = "hd-eval: noage.csv:1: no 'age' column in the header" ]
	sed '5s/^\([^,]*\),[^,]*,/\1,999,/' test.csv > old.csv
	run -1 --separate-stderr hd-eval -o m.json lr.json old.csv
	[ "$stderr" = "hd-eval: old.csv:5:2: age: '999' is out of range (0 to 120)" ]
	[ ! -e m.json ]
}

# ---------------------------------------------------------------------
# Calibration, thresholds, decision curve, intervals
# ---------------------------------------------------------------------

# Each largest difference in calibration_reference.py's output is below
# 1e-9 (the figures are deterministic, the bootstrap re-derived).
agrees() {
	jq -e 'to_entries | map(select(.value > 1e-9)) | if length == 0 then true else error(tostring) end' "$1"
}

@test "calibration, thresholds, decision curve, DeLong and the bootstrap agree with scikit-learn, statsmodels and SciPy" {
	"$PY" -c 'import statsmodels, scipy' 2>/dev/null || skip "python3-statsmodels or python3-scipy missing"
	fit_model
	hd-fit-rf --cv 0 --trees 25 -o rf.json train.csv
	for m in lr rf; do
		hd-predict "$m.json" test.csv | cut -d, -f15,16 > "$m.scores.csv"
		hd-eval --scores -b 200 --seed 11 -o "$m.m.json" "$m.scores.csv"
		"$PY" "$REPO/tests/calibration_reference.py" "$m.scores.csv" "$m.m.json" 200 11 > "$m.diff.json"
		cat "$m.diff.json"
		agrees "$m.diff.json"
	done
}

@test "the same seed gives the same intervals; another seed others; --bootstrap 0 writes none" {
	fit_model
	hd-eval --seed 5 -o a.json lr.json test.csv
	hd-eval --seed 5 -o b.json lr.json test.csv
	hd-eval --seed 6 -o c.json lr.json test.csv
	cmp a.json b.json
	[ "$(jq -c .test.intervals.roc_auc a.json)" != "$(jq -c .test.intervals.roc_auc c.json)" ]
	jq -e '.test.intervals.resamples == 2000 and .test.intervals.seed == 5' a.json
	jq -e '.test.intervals.roc_auc | .lo < .estimate and .estimate < .hi' a.json
	jq -e '.test.intervals.roc_auc_delong | .lo < .estimate and .estimate < .hi' a.json
	hd-eval -b 0 -o d.json lr.json test.csv
	jq -e '.test.intervals == null and .test.calibration.slope != null' d.json
}

@test "figures undefined on the rows are null, with a warning, never a crash" {
	printf 'target,probability\n1,0.2\n1,0.9\n1,0.6\n' > one.csv
	run -0 --separate-stderr hd-eval --scores -b 50 -o one.json one.csv
	jq -e '.test.intervals.roc_auc.lo == null and .test.intervals.roc_auc_delong.estimate == null' one.json
	jq -e '.test.calibration.brier_skill == null and .test.calibration.slope == null' one.json
	jq -e '.test.thresholds[0].specificity == null and .test.thresholds[0].npv == null' one.json
	[[ "$stderr" == *"only class 1 in the data"* ]]
	printf 'target,probability\n0,0.1\n0,0.2\n1,0.8\n1,0.9\n' > sep.csv
	run -0 --separate-stderr hd-eval --scores -b 50 -o sep.json sep.csv
	jq -e '.test.calibration.slope == null' sep.json
	[[ "$stderr" == *"the calibration slope did not converge"* ]]
}

@test "--thresholds sets the table of rates; a bad list is a usage error" {
	fit_model
	hd-eval -b 0 --thresholds 0.25,0.5 -o t.json lr.json test.csv
	jq -e '[.test.thresholds[].threshold] == [0.25, 0.5]' t.json
	jq -e '.test.thresholds[1] | .tp + .fn == 102 and .tn + .fp == 82' t.json
	jq -e '.test.decision_curve | (.threshold | length) == 99 and .threshold[0] == 0.01 and .threshold[98] == 0.99' t.json
	for bad in 0.5,x 1.5 '' 0.1,,0.2; do
		run -2 --separate-stderr hd-eval --thresholds "$bad" lr.json test.csv
		[[ "$stderr" == "hd-eval: --thresholds: '$bad' is not a list"* ]] || fail "$bad: $stderr"
	done
}

@test "results by site and by sex agree with the reference on each subgroup's rows" {
	"$PY" -c 'import statsmodels, scipy' 2>/dev/null || skip "python3-statsmodels or python3-scipy missing"
	fit_model
	hd-predict lr.json test.csv > scored.csv
	hd-eval -b 100 --seed 3 -o m.json lr.json test.csv
	hd-eval --scores -b 100 --seed 3 -o s.json scored.csv
	# Model and scores forms give the same subgroups.
	[ "$(jq -c .subgroups m.json)" = "$(jq -c .subgroups s.json)" ]
	[ "$(jq -r '.subgroups.site | keys | join(" ")' m.json)" = "cleveland hungarian switzerland va" ]
	[ "$(jq '[.subgroups.site[].n] | add' m.json)" -eq 184 ]
	[ "$(jq '[.subgroups.sex[].n] | add' m.json)" -eq 184 ]
	for g in site:cleveland site:hungarian site:switzerland site:va sex:0 sex:1; do
		k=${g%%:*} v=${g#*:}
		col=$([ "$k" = site ] && echo 1 || echo 3)
		awk -F, -v c="$col" -v v="$v" 'NR == 1 || $c == v' scored.csv | cut -d, -f15,16 > g.csv
		jq "{test: .subgroups.$k.\"$v\"}" m.json > g.json
		"$PY" "$REPO/tests/calibration_reference.py" g.csv g.json 100 3 > d.json
		agrees d.json || fail "$g: $(cat d.json)"
	done
}

@test "a subgroup with one class gets nulls and a warning naming it" {
	printf 'source,sex,target,probability\na,1,1,0.9\na,1,1,0.7\nb,0,0,0.2\nb,1,1,0.6\nb,0,0,0.4\n' > t.csv
	run -0 --separate-stderr hd-eval --scores -b 50 -o t.json t.csv
	jq -e '.subgroups.site.a.roc_auc == null and .subgroups.site.a.intervals.roc_auc.lo == null' t.json
	jq -e '.subgroups.site.a.calibration.slope == null and .subgroups.site.b.roc_auc == 1' t.json
	jq -e '.subgroups.sex."0".class_counts == {"0": 2, "1": 0}' t.json
	[[ "$stderr" == *"warning: site a: only class 1 in the data"* ]]
	[[ "$stderr" == *"warning: sex 0: only class 0 in the data"* ]]
}

@test "--oof: the Youden threshold is chosen on the out-of-fold rows, as scikit-learn's roc_curve finds it, and shown on the test rows" {
	fit_model
	hd-fit-lr --oof oof.csv -o lro.json train.csv
	hd-eval -b 0 --oof oof.csv -o y.json lro.json test.csv
	hd-predict lro.json test.csv | cut -d, -f15,16 > scored.csv
	"$PY" - oof.csv scored.csv y.json <<'PY'
import csv, json, sys
import numpy as np
from sklearn.metrics import roc_curve, confusion_matrix
def load(f):
    r = list(csv.DictReader(open(f)))
    return np.array([int(x["target"]) for x in r]), np.array([float(x["probability"]) for x in r])
y, p = load(sys.argv[1])
yt, pt = load(sys.argv[2])
got = json.load(open(sys.argv[3]))["test"]["youden"]
fpr, tpr, thr = roc_curve(y, p, drop_intermediate=False)
t = thr[np.argmax(tpr - fpr)]
assert got["threshold"] == t, (got["threshold"], t)
tn, fp, fn, tp = confusion_matrix(yt, (pt >= t).astype(int), labels=[0, 1]).ravel()
g = got["test"]
assert (g["tn"], g["fp"], g["fn"], g["tp"]) == (tn, fp, fn, tp)
assert abs(got["j_oof"] - np.max(tpr - fpr)) < 1e-12
PY
	[ "$(jq -r .test.youden.chosen_on y.json)" = oof.csv ]
}
