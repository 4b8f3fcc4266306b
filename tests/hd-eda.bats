#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-eda: summary JSON and text report of the clean CSV.

load test_helper

HEADER=source,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,target

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

# Print, as JSON, the value of a Python expression over the document d
# loaded from file $1, e.g.  jv s.json 'd["rows"]'
jv() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps(eval(sys.argv[2])))' "$1" "$2"
}

# A four-row table with known statistics: age 40 50 60 70; chol 200,
# missing, 250, 300; two sites.
small_fixture() {
	{
		echo "$HEADER"
		echo "a,40,1,4,120,200,0,0,150,0,1,2,0,3,0"
		echo "a,50,0,3,130,,0,1,160,1,2,1,1,7,1"
		echo "b,60,1,4,140,250,1,0,170,0,0,2,,6,1"
		echo "b,70,1,2,150,300,0,2,180,1,3,3,,3,1"
	} > "$1"
}

@test "every number in the summary of the UCI data agrees with pandas" {
	hd-clean "${RAW[@]}" > heart.csv
	run -0 --separate-stderr bash -c 'hd-clean "$@" | hd-eda -o summary.json' _ "${RAW[@]}"
	[ -z "$stderr" ]
	run -0 --separate-stderr "$PY" "$REPO/tests/eda_pandas.py" heart.csv summary.json
	[[ "$output" == *", 0 mismatches" ]]
}

@test "with zeros as missing and 7 bins the summary still agrees with pandas" {
	hd-clean --zeros-missing "${RAW[@]}" > heart.csv
	hd-eda --bins 7 -o summary.json heart.csv
	run -0 --separate-stderr "$PY" "$REPO/tests/eda_pandas.py" heart.csv summary.json
	[ "$(jv summary.json '[len(d["numeric"]["age"]["histogram"]["counts"]), d["bins"]]')" = "[7, 7]" ]
}

@test "the UCI summary has the headline counts and data-quality warnings" {
	hd-clean "${RAW[@]}" | hd-eda -o s.json
	[ "$(jv s.json '[d["format"], d["version"], d["rows"], len(d["columns"])]')" = '["hd-eda-summary", 1, 918, 15]' ]
	[ "$(jv s.json 'd["target"]["counts"]')" = '{"0": 410, "1": 508}' ]
	[ "$(jv s.json '[w["code"] + ":" + w["column"] + ":" + str(w["count"]) for w in d["warnings"]]')" = \
		'["zero_values:trestbps:1", "zero_values:chol:172", "mostly_missing:ca:609", "mostly_missing:thal:484"]' ]
	[ "$(jv s.json 'list(d["sites"])')" = '["cleveland", "hungarian", "switzerland", "va"]' ]
}

@test "a site that never records a column is warned about" {
	hd-clean --zeros-missing "${RAW[@]}" | hd-eda -o s.json
	[ "$(jv s.json '[w["message"] for w in d["warnings"] if w["code"] == "site_column_missing"]')" = \
		'["chol: every one of the 123 rows from switzerland lacks it"]' ]
}

@test "a small table gives the known mean, std, quartiles and missing counts" {
	small_fixture t.csv
	run -0 --separate-stderr hd-eda t.csv
	echo "$output" > s.json
	# age 40 50 60 70: std = sqrt(500/3); quartiles by linear interpolation
	[ "$(jv s.json '[d["numeric"]["age"][k] for k in ("count", "mean", "min", "25%", "50%", "75%", "max")]')" = \
		'[4, 55, 40, 47.5, 55, 62.5, 70]' ]
	same_double "$(jv s.json 'd["numeric"]["age"]["std"]')" "$("$PY" -c 'import math; print(math.sqrt(500 / 3))')"
	[ "$(jv s.json '[d["numeric"]["chol"][k] for k in ("count", "mean", "std", "25%", "50%", "75%")]')" = \
		'[3, 250, 50, 225, 250, 275]' ]
	[ "$(jv s.json 'd["missing"]["chol"]')" = '{"count": 1, "percent": 25}' ]
	[ "$(jv s.json 'd["categorical"]["ca"]')" = \
		'{"levels": [{"value": 0, "count": 1}, {"value": 1, "count": 1}], "missing": 2}' ]
	[ "$(jv s.json 'd["target"]')" = '{"counts": {"0": 1, "1": 3}, "percent": {"0": 25, "1": 75}, "fraction": {"0": 0.25, "1": 0.75}}' ]
	[ "$(jv s.json '[d["sites"]["b"][k] for k in ("rows", "target_0", "target_1", "target_1_rate")] + [d["sites"]["b"]["missing"]["ca"]]')" = '[2, 0, 2, 1, 2]' ]
	[ "$(jv s.json '[w["message"] for w in d["warnings"]]')" = '["ca: every one of the 2 rows from b lacks it"]' ]
}

@test "histograms have equal-width bins from min to max, the last one closed, counted by class too" {
	small_fixture t.csv
	hd-eda --bins 3 -o s.json t.csv
	# age 40 (target 0), 50, 60, 70 (target 1)
	[ "$(jv s.json 'd["numeric"]["age"]["histogram"]')" = \
		'{"edges": [40, 50, 60, 70], "counts": [1, 1, 2], "counts_by_target": {"0": [1, 0, 0], "1": [0, 1, 2]}}' ]
	# chol skips its missing value.
	[ "$(jv s.json 'd["numeric"]["chol"]["histogram"]')" = \
		'{"edges": [200, 233.33333333333334, 266.6666666666667, 300], "counts": [1, 1, 1], "counts_by_target": {"0": [1, 0, 0], "1": [0, 1, 1]}}' ]
	# A constant column is widened by 0.5 each way, as numpy does.
	awk -F, -v OFS=, 'NR > 1 { $2 = 50 } 1' t.csv > c.csv
	hd-eda --bins 2 -o c.json c.csv
	[ "$(jv c.json 'd["numeric"]["age"]["histogram"]')" = \
		'{"edges": [49.5, 50, 50.5], "counts": [0, 4], "counts_by_target": {"0": [0, 1], "1": [0, 3]}}' ]
}

@test "correlations use the rows where both columns are present" {
	small_fixture t.csv
	hd-eda -o s.json t.csv
	# chol is present in rows 1, 3, 4, where age is 40, 60, 70.
	want=$("$PY" -c 'import numpy as np; print(repr(float(np.corrcoef([40, 60, 70], [200, 250, 300])[0, 1])))')
	same_double "$(jv s.json 'd["correlation"]["matrix"][0][4]')" "$want" 1e-12
	[ "$(jv s.json 'd["correlation"]["columns"][-1]')" = '"target"' ]
}

@test "the columns are found by name, in any order, and extra ones are ignored" {
	small_fixture t.csv
	hd-eda -o a.json t.csv
	awk -F, -v OFS=, '{ print "x" NR, $15, $3, $2, $1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' t.csv |
		sed '1s/^x1/note/' > shuffled.csv
	hd-eda -o b.json shuffled.csv
	diff -u a.json b.json
}

@test "a duplicate row is counted and warned about" {
	small_fixture t.csv
	last=$(tail -n 1 t.csv)
	printf '%s\n' "$last" >> t.csv
	hd-eda -o s.json t.csv
	[ "$(jv s.json 'd["duplicate_rows"]')" = 1 ]
	[ "$(jv s.json '[w["message"] for w in d["warnings"] if w["code"] == "duplicate_rows"]')" = \
		'["1 row repeats an earlier row exactly"]' ]
}

@test "the report file exists and shows the headline numbers" {
	hd-clean "${RAW[@]}" > heart.csv
	run -0 --separate-stderr hd-eda -o s.json --report report.txt heart.csv
	[ -z "$output" ]
	[ -s report.txt ]
	grep -qx 'Rows: 918    Duplicate rows: 0' report.txt
	grep -qx 'Target: 0 = 410 (44.7%), 1 = 508 (55.3%)' report.txt
	grep -qxE '  age +918 +53\.51 +9\.43 +28\.00 +47\.00 +54\.00 +60\.00 +77\.00' report.txt
	grep -qxE '  ca +609 +66\.3%' report.txt
	grep -qxE '  switzerland +123 +115 +0\.935' report.txt
	grep -qx '  \[zero_values\] chol: 172 rows are 0, not a possible value; probably not measured' report.txt
}

@test "with only --report the summary still goes to standard output" {
	small_fixture t.csv
	run -0 --separate-stderr hd-eda -r r.txt t.csv
	[[ "${lines[1]}" == *'"format":'*'"hd-eda-summary",' ]]
	[ -s r.txt ]
}

@test "two runs give byte-identical summaries and reports" {
	hd-clean "${RAW[@]}" > heart.csv
	hd-eda -o s1.json -r r1.txt heart.csv
	hd-eda -o s2.json -r r2.txt - < heart.csv
	cmp s1.json s2.json
	cmp r1.txt r2.txt
}

@test "a header without a needed column is exit 1, named by file and line" {
	echo "source,age,sex,cp,trestbps,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,target" > bad.csv
	echo "a,40,1,4,120,0,0,150,0,1,2,0,3,0" >> bad.csv
	run -1 --separate-stderr hd-eda bad.csv
	[ "$stderr" = "hd-eda: bad.csv:1: no 'chol' column in the header" ]
	[ -z "$output" ]
}

@test "a column named twice in the header is exit 1" {
	echo "$HEADER,age" > bad.csv
	run -1 --separate-stderr hd-eda bad.csv
	[ "$stderr" = "hd-eda: bad.csv:1:16: column 'age' appears twice" ]
}

@test "a column named twice in the header leaves no output file" {
	small_fixture t.csv
	awk -F, -v OFS=, 'NR == 1 { print $0, "age"; next } { print $0, $2 }' t.csv > dup.csv
	mkdir out
	run -1 --separate-stderr hd-eda -o out/s.json -r out/r.txt dup.csv
	[ "$stderr" = "hd-eda: dup.csv:1:16: column 'age' appears twice" ]
	[ -z "$output" ]
	[ -z "$(ls -A out)" ]
}

@test "empty input is exit 1" {
	: > empty.csv
	run -1 --separate-stderr hd-eda empty.csv
	[ "$stderr" = "hd-eda: empty.csv:1: empty input: expected a header line" ]
}

@test "a non-numeric value is named by file, line and column, exit 1" {
	small_fixture t.csv
	sed -i '3s/,,/,abc,/' t.csv
	run -1 --separate-stderr hd-eda t.csv
	[ "$stderr" = "hd-eda: t.csv:3:6: chol: 'abc' is not a number" ]
}

@test "a target other than 0 or 1 is exit 1" {
	small_fixture t.csv
	sed -i '4s/,1$/,2/' t.csv
	run -1 --separate-stderr hd-eda t.csv
	[ "$stderr" = "hd-eda: t.csv:4:15: target: '2' is not 0 or 1" ]
}

@test "a row with the wrong number of fields is exit 1" {
	small_fixture t.csv
	echo "a,40,1" >> t.csv
	run -1 --separate-stderr hd-eda t.csv
	[ "$stderr" = "hd-eda: t.csv:6: expected 15 fields, found 3" ]
}

@test "an unreadable input file is exit 1" {
	run -1 --separate-stderr hd-eda no-such.csv
	[ "$stderr" = "hd-eda: no-such.csv: No such file or directory" ]
}

@test "a bad --bins value is a usage error, exit 2" {
	run -2 --separate-stderr hd-eda --bins 0 /dev/null
	[ "$stderr" = "hd-eda: --bins: '0' is not a whole number from 1 to 1000" ]
	run -2 --separate-stderr hd-eda --bins ten /dev/null
	[ "$stderr" = "hd-eda: --bins: 'ten' is not a whole number from 1 to 1000" ]
}

@test "two input files or an unknown option are usage errors, exit 2" {
	run -2 --separate-stderr hd-eda a.csv b.csv
	[ "${stderr_lines[0]}" = "hd-eda: one input file at most" ]
	[ "${stderr_lines[1]}" = "usage: hd-eda [-o SUMMARY.json] [-r REPORT.txt] [--bins N] [--plot-data DIR]" ]
	run -2 --separate-stderr hd-eda --frobnicate
	[[ "${stderr_lines[0]}" == *"unrecognized option '--frobnicate'" ]]
}

@test "--help prints the synopsis on standard output, exit 0" {
	run -0 --separate-stderr hd-eda --help
	[ "${lines[0]}" = "usage: hd-eda [-o SUMMARY.json] [-r REPORT.txt] [--bins N] [--plot-data DIR]" ]
	[ "${lines[1]}" = "              [FILE|-]" ]
	[ -z "$stderr" ]
}

@test "no output file is left behind when the input is bad" {
	small_fixture t.csv
	sed -i '3s/,,/,abc,/' t.csv
	mkdir out
	run -1 --separate-stderr hd-eda -o out/s.json -r out/r.txt --plot-data out/plots t.csv
	[ ! -e out/s.json ]
	[ ! -e out/r.txt ]
	[ -z "$(ls -A out)" ]
}

@test "an unwritable summary path is exit 1 and leaves no report behind" {
	small_fixture t.csv
	mkdir out
	run -1 --separate-stderr hd-eda -o out/no-dir/s.json -r out/r.txt t.csv
	[ "$stderr" = "hd-eda: out/no-dir/s.json: cannot create: No such file or directory" ]
	[ -z "$(ls -A out)" ]
	# nor plot data (their folder is made, but stays empty)
	run -1 --separate-stderr hd-eda -o out/no-dir/s.json --plot-data out/plots t.csv
	[ "$stderr" = "hd-eda: out/no-dir/s.json: cannot create: No such file or directory" ]
	[ -z "$(find out -type f)" ]
}

@test "--plot-data writes the histograms by class, the correlations, the classes and the sites" {
	small_fixture t.csv
	run -0 --separate-stderr hd-eda --bins 3 -o s.json --plot-data p t.csv
	[ -z "$stderr" ]
	[ "$(cd p && printf '%s ' *)" = "class.dat corr.dat hist-age.dat hist-chol.dat hist-oldpeak.dat hist-thalach.dat hist-trestbps.dat site.dat " ]
	# age 40 (target 0), 50, 60, 70 (target 1); chol without its missing value
	diff -u - p/hist-age.dat <<-'EOF'
	# lo hi count target_0 target_1
	40 50 1 1 0
	50 60 1 0 1
	60 70 2 0 2
	EOF
	diff -u - p/hist-chol.dat <<-'EOF'
	# lo hi count target_0 target_1
	200 233.33333333333334 1 1 0
	233.33333333333334 266.6666666666667 1 0 1
	266.6666666666667 300 1 0 1
	EOF
	diff -u - p/class.dat <<-'EOF'
	# target label count fraction percent
	0 "no disease" 1 0.25 25
	1 "disease" 3 0.75 75
	EOF
	diff -u - p/site.dat <<-'EOF'
	# site rows target_0 target_1 target_1_rate
	"a" 2 1 1 0.5
	"b" 2 0 2 1
	EOF
	# The matrix with its names, each number as the summary writes it,
	# null as NaN (sex and chol are both present only in rows where
	# sex is 1).
	"$PY" - s.json p/corr.dat <<-'EOF'
	import json, re, shlex, sys
	d = json.load(open(sys.argv[1]))["correlation"]
	raw = open(sys.argv[1]).read()
	lines = [l for l in open(sys.argv[2]) if not l.startswith("#")]
	rows = [shlex.split(l) for l in lines]
	assert rows[0] == ["r"] + d["columns"], rows[0]
	assert [r[0] for r in rows[1:]] == d["columns"]
	want = [["NaN" if x is None else x for x in row] for row in d["matrix"]]
	got = [[x if x == "NaN" else json.loads(x) for x in r[1:]] for r in rows[1:]]
	assert got == want, (got, want)
	assert "NaN" in lines[2], "sex x chol should be undefined"
	# the very text: every number of the file is in the summary
	for r in rows[1:]:
	    for x in r[1:]:
	        assert x == "NaN" or re.search(r"[\[ ,]" + re.escape(x) + r"[\],\n]", raw), x
	EOF
}

@test "--plot-data makes its folder with its parents; an empty name is a usage error, a file in the way exit 1" {
	small_fixture t.csv
	run -0 --separate-stderr hd-eda -o s.json --plot-data a/b/c t.csv
	[ -s a/b/c/corr.dat ]
	run -2 --separate-stderr hd-eda -o s2.json --plot-data '' t.csv
	[ "${stderr_lines[0]}" = "hd-eda: --plot-data: empty folder name" ]
	[ ! -e s2.json ]
	touch f
	run -1 --separate-stderr hd-eda -o s2.json --plot-data f/p t.csv
	[ "$stderr" = "hd-eda: cannot create f/p: Not a directory" ]
	[ ! -e s2.json ]
	run -1 --separate-stderr hd-eda -o s2.json --plot-data f t.csv
	[ "$stderr" = "hd-eda: f: not a folder" ]
	[ ! -e s2.json ]
}

@test "a header with no rows gives zero counts and null statistics" {
	echo "$HEADER" > h.csv
	run -0 --separate-stderr hd-eda h.csv
	echo "$output" > s.json
	[ "$(jv s.json '[d["rows"], d["numeric"]["age"]["count"], d["numeric"]["age"]["mean"], d["sites"], d["warnings"]]')" = \
		'[0, 0, null, {}, []]' ]
}

@test "a value outside the column's physical range is exit 1" {
	small_fixture t.csv
	sed -i '2s/^a,40,/a,1e300,/' t.csv
	run -1 --separate-stderr hd-eda t.csv
	[ "$stderr" = "hd-eda: t.csv:2:2: age: '1e300' is out of range (0 to 120)" ]
}

@test "a row without its source site is exit 1" {
	small_fixture t.csv
	sed -i '5s/^b,/,/' t.csv
	run -1 --separate-stderr hd-eda t.csv
	[ "$stderr" = "hd-eda: t.csv:5:1: source: missing; every row needs its site" ]
}

@test "-o and --report naming the same file is a usage error, and nothing is written" {
	hd-clean "${RAW[@]}" > heart.csv
	run -2 --separate-stderr hd-eda -o out.txt -r out.txt heart.csv
	[ "${stderr_lines[0]}" = "hd-eda: -o and --report name the same file, out.txt" ]
	[ ! -e out.txt ]
}
