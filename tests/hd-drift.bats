#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-drift: batches of the UCI data against the reference profile of a
# model trained on three of its sites (cleveland, hungarian, va): their
# own held-out rows, and the fourth site, Switzerland, whose chol is 0
# throughout.  tests/drift_reference.py recomputes every figure with
# numpy and scipy.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	hd-clean "$MIRROR"/processed.{cleveland,hungarian,va}.data > three.csv
	hd-split --train train.csv --test test.csv three.csv
	hd-clean "$MIRROR"/processed.switzerland.data > swiss.csv
	# the forest's profile from out-of-fold scores (--cv 5, the default),
	# the regression's from its own (--cv 0)
	hd-fit-rf --trees 60 --oof rf.oof.csv -o rf.json train.csv
	hd-fit-lr --cv 0 -o lr.json train.csv
	for m in rf lr; do
		for s in test swiss; do
			hd-predict "$m.json" "$s.csv" > "$m.$s.scored.csv"
		done
	done
	hd-predict lr.json train.csv > lr.train.scored.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	for f in "$BATS_FILE_TMPDIR"/*; do ln -s "$f" .; done
}

# The figures of a --json report, one feature a line, for the log.
summary() {
	jq -r '.features[] | "\(.name) \(.test) p=\(.p_value) psi=\(.psi) drifted=\(.drifted)"' "$1"
	jq -r '.summary | "drifted \(.drifted) of \(.features) (share \(.share)): \(.drifted_features | join(" "))"' "$1"
}

@test "the profile a fit tool writes is the training rows' own (numpy's deciles, unique values, bins)" {
	"$PY" "$REPO/tests/drift_reference.py" profile rf.json train.csv rf.oof.csv
	"$PY" "$REPO/tests/drift_reference.py" profile lr.json train.csv lr.train.scored.csv
	[ "$(jq -r .reference.prediction.scores rf.json)" = out_of_fold ]
	[ "$(jq -r .reference.prediction.scores lr.json)" = in_sample ]
	jq -e '.reference.rows == .training.rows' rf.json
}

@test "the same rows and seed give a byte-identical model file, profile included" {
	SOURCE_DATE_EPOCH=1700000000 hd-fit-rf --trees 20 -o a.json train.csv
	SOURCE_DATE_EPOCH=1700000000 hd-fit-rf --trees 20 -o b.json train.csv
	cmp a.json b.json
	SOURCE_DATE_EPOCH=1700000000 hd-fit-lr -o c.json train.csv
	SOURCE_DATE_EPOCH=1700000000 hd-fit-lr -o d.json train.csv
	cmp c.json d.json
}

@test "Switzerland against the three other sites: chol and fbs drifted, the batch too: exit 3" {
	for m in rf lr; do
		run -3 --separate-stderr hd-drift --json -o s.json "$m.json" swiss.csv
		summary s.json | sed "s/^/# $m: /" >&3
		[ "$stderr" = "" ]
		jq -e '.summary.dataset_drift and .summary.share >= 0.5' s.json
		# chol is 0 throughout: its values are far from training's
		jq -e '.features[4] | .name == "chol" and .test == "ks" and .drifted
			and .psi >= 0.2 and .p_value < 0.05' s.json
		# fbs is missing in 61 % of the rows (2 % in training): the
		# values present look alike, their missing share does not
		jq -e '.features[5] | .name == "fbs" and .drifted and .p_value >= 0.05
			and .missing.p_value < 0.05 and .missing.current > 0.5' s.json
	done
	# a share above what Switzerland reaches: no data set drift, 0
	share=$(jq '.summary.share + 0.01' s.json)
	run -0 --separate-stderr hd-drift --share "$share" lr.json swiss.csv
	[[ $output == *"dataset drift: no"* ]]
}

@test "the held-out rows of the same three sites: no data set drift, exit 0" {
	for m in rf lr; do
		run -0 --separate-stderr hd-drift --json -o "$m.json.out" "$m.json" test.csv
		jq -e '.summary.dataset_drift == false and .prediction.drifted == false' "$m.json.out"
		echo "# $m: $(jq -r '.summary | "\(.drifted) of \(.features) features flagged \(.drifted_features)"' "$m.json.out")" >&3
	done
}

@test "every figure agrees with numpy and scipy (ks_2samp exact, chi2_contingency)" {
	for m in rf lr; do
		for s in test swiss; do
			hd-drift --json -o d.json "$m.json" "$s.csv" || [ $? -eq 3 ]
			run -0 "$PY" "$REPO/tests/drift_reference.py" drift "$m.json" "$s.csv" \
				"$m.$s.scored.csv" d.json
			echo "# $m $s: largest relative difference $output" >&3
		done
	done
}

@test "--json: the format, 13 features in order with the test their kind calls for, the scores apart" {
	hd-drift --json -o d.json rf.json test.csv
	jq -e '.format == "hd-drift" and .version == 1' d.json
	[ "$(jq -r '[.features[].name] | join(",")' d.json)" = "$(head -1 test.csv | cut -d, -f2-14)" ]
	jq -e '[.features[] | (.kind == "numeric" and .test == "ks" and .method == "exact")
		or (.kind == "categorical" and .test == "chi2" and (.dof | type) == "number")] | all' d.json
	jq -e '[.features[] | (.statistic, .p_value, .psi, .missing.reference, .missing.current,
		.out_of_range) | type == "number"] | all' d.json
	jq -e '.prediction | .kind == "score" and .test == "chi2" and (.psi | type) == "number"' d.json
	jq -e '.summary.features == 13 and .summary.share == .summary.drifted / 13' d.json
	jq -e '.data.rows == 159 and .reference.rows == 636 and .thresholds.psi == 0.2
		and .thresholds.alpha == 0.05 and .thresholds.share == 0.5' d.json
	[ "$(jq -r .model.sha256 d.json)" = "$(sha256sum rf.json | cut -d' ' -f1)" ]
}

@test "the table says what the JSON says" {
	hd-drift --json -o d.json rf.json swiss.csv || [ $? -eq 3 ]
	hd-drift -o t.txt rf.json swiss.csv || [ $? -eq 3 ]
	[ "$(head -1 t.txt | awk '{print $1, $2, $3}')" = "feature kind test" ]
	[ "$(awk 'NR > 1 && NR <= 14 {print $1}' t.txt | paste -sd,)" = "$(jq -r '[.features[].name] | join(",")' d.json)" ]
	[ "$(awk 'NR > 1 && NR <= 15 {print $NF}' t.txt | paste -sd,)" = \
		"$(jq -r '[.features[], .prediction | if .drifted then "yes" else "no" end] | join(",")' d.json)" ]
	grep -q "^drifted features: $(jq .summary.drifted d.json) of 13 (share " t.txt
}

@test "a feature with no value on one side is judged by its PSI alone" {
	# chol blanked: all missing, so no KS test, and the missing bin alone
	awk -F, -v OFS=, 'NR > 1 { $6 = "" } 1' test.csv > nochol.csv
	run -0 --separate-stderr hd-drift --json rf.json nochol.csv
	jq -e '.features[4] | .test == null and .p_value == null and .statistic == null
		and .missing.current == 1 and .psi >= 0.2 and .drifted' <<<"$output"
	jq -e '.summary.drifted_features | index("chol") != null' <<<"$output"
}

@test "data from standard input, as '-' or no operand, gives the same report" {
	hd-drift rf.json test.csv > a.txt
	hd-drift rf.json - < test.csv > b.txt
	hd-drift rf.json < test.csv > c.txt
	sed -i 's/ rows of .*/ rows/' a.txt b.txt c.txt
	diff -u a.txt b.txt
	diff -u a.txt c.txt
	# and the same report twice: deterministic
	hd-drift --json rf.json test.csv > 1.json
	hd-drift --json rf.json test.csv > 2.json
	cmp 1.json 2.json
}

@test "a model file without a reference profile is refused: exit 1, retrain" {
	jq 'del(.reference)' rf.json > old.json
	run -1 --separate-stderr hd-drift old.json test.csv
	[ "$output" = "" ]
	[[ $stderr == "hd-drift: old.json: no reference profile"*"retrain with this version"* ]]
	# and one whose profile does not add up, by the loader
	jq '.reference.rows += 1' rf.json > broken.json
	run -1 --separate-stderr hd-drift broken.json test.csv
	[[ $stderr == "hd-drift: broken.json: reference: "* ]]
}

@test "a bad value is named by file, line and column: exit 1, no output file" {
	awk -F, -v OFS=, 'NR == 3 { $6 = "abc" } 1' test.csv > bad.csv
	run -1 --separate-stderr hd-drift -o out.txt rf.json bad.csv
	[ "$stderr" = "hd-drift: bad.csv:3:6: chol: 'abc' is not a number" ]
	[ ! -e out.txt ]
	[ "$(find . -maxdepth 1 -name '*out.txt*' | wc -l)" -eq 0 ]
	printf 'age,sex\n1,1\n' > short.csv
	run -1 --separate-stderr hd-drift rf.json short.csv
	[[ $stderr == "hd-drift: short.csv:1:"* ]]
	head -1 test.csv > empty.csv
	run -1 --separate-stderr hd-drift rf.json empty.csv
	[[ $stderr == *"no data rows"* ]]
}

@test "-o writes the report whole, drifted or not" {
	run -0 hd-drift --json -o out.json rf.json test.csv
	[ "$output" = "" ]
	jq -e '.format == "hd-drift"' out.json
	run -3 hd-drift --share 0 -o out.txt rf.json test.csv
	[ "$output" = "" ]
	grep -q '^dataset drift: yes' out.txt
	[ "$(find . -maxdepth 1 -name '.*out*' | wc -l)" -eq 0 ]
}

@test "the thresholds decide: --psi 0 --alpha 1 flags whatever a test could reject" {
	hd-drift --json --psi 0 --alpha 1 -o d.json rf.json test.csv || [ $? -eq 3 ]
	jq -e '[.features[] | .drifted == (.p_value < 1)] | all' d.json
	hd-drift --json --psi 1000 -o e.json rf.json swiss.csv
	jq -e '.summary.drifted == 0' e.json
}

@test "usage errors exit 2; --help and --version exit 0" {
	run -0 hd-drift --help
	[[ ${lines[0]} == "usage: hd-drift "* ]]
	run -0 hd-drift --version
	run -2 --separate-stderr hd-drift
	[[ ${stderr_lines[0]} == "hd-drift: no model file named" ]]
	run -2 --separate-stderr hd-drift --psi x rf.json test.csv
	[[ $stderr == *"--psi"* ]]
	run -2 --separate-stderr hd-drift --alpha 2 rf.json test.csv
	run -2 --separate-stderr hd-drift --share -1 rf.json test.csv
	run -2 --separate-stderr hd-drift --nope rf.json test.csv
	run -2 --separate-stderr hd-drift rf.json test.csv extra
}
