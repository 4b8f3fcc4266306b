#!/usr/bin/env bats
# Hostile model files (and metrics files, for hd-select) given to every
# tool that reads one: each must exit 1 with a message naming the file,
# within 10 s (a FIFO nobody writes to, /dev/zero), never crash, and
# leave no output behind.  The server's own reloads (a FIFO, /dev/zero,
# a file over 64 MiB behind lighttpd) are tests/hd-fcgi-limits.bats';
# here the server is only its --check.

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load ../test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	uci_split
	hd-fit-lr --cv 0 -o lr.model.json train.csv
	hd-fit-rf --cv 0 --trees 10 --jobs 2 -o rf.model.json train.csv
	hd-eval -b 0 -o lr.metrics.json lr.model.json test.csv
	hd-eval -b 0 -o rf.metrics.json rf.model.json test.csv
	hd-eda -o summary.json heart.csv
	# The hostile models are made from selected ones (hd-select's
	# output: a model file with its "selection"), which every reader
	# takes, hd-report --selected included.
	hd-select -o lr.selected.json lr.metrics.json
	hd-select -o rf.selected.json rf.metrics.json
	# The same forest as version 1 wrote it, for the cases of its trees.
	"$PY" "$REPO/tests/forest_v1.py" rf.selected.json > rf1.selected.json
	mkdir -p hostile
	generic hostile lr.selected.json
	model_cases hostile
	mkdir -p metrics
	generic metrics lr.metrics.json
}

# put DIR ID WHAT: the case's file is DIR/ID.json, made by the caller
# from stdin; its id and what it is go to DIR/cases.tsv.
put() {
	cat > "$1/$2.json"
	printf '%s\t%s\t%s\n' "$2" "$1/$2.json" "$3" >> "$1/cases.tsv"
}
# entry DIR ID PATH WHAT: a case that is not a file made here.
entry() {
	printf '%s\t%s\t%s\n' "$2" "$3" "$4" >> "$1/cases.tsv"
}

# generic DIR GOOD: the cases of any JSON file a tool reads, made from
# the good file GOOD: cut short, garbage, the wrong shape, format or
# version, and what is not a regular file.
generic() {
	local d=$1 good=$2 size cut fmt
	size=$(stat -c %s "$good")
	fmt=$(jq -r .format "$good")
	for cut in 1 $((size / 10)) $((size / 2)) $((size - 2)); do
		head -c "$cut" "$good" | put "$d" "cut-$cut" "cut after $cut of $size bytes"
	done
	: | put "$d" empty "an empty file"
	head -c 65536 "$HD_BIN/hd-predict" | put "$d" binary "64 KiB of an ELF binary"
	printf 'model = lr\n' | put "$d" text "text that is not JSON"
	"$PY" -c 'print("[" * 100000 + "]" * 100000)' | put "$d" deep "arrays nested 100000 deep"
	echo '[]' | put "$d" array "[] (not an object)"
	echo '{}' | put "$d" object-empty "{} (no format)"
	echo '"hd-model"' | put "$d" string "a JSON string"
	jq '.format = "hd-metrics"' "$good" | put "$d" wrong-format "format hd-metrics where $fmt is expected"
	[ "$fmt" != hd-metrics ] || jq '.format = "hd-model"' "$good" | put "$d" wrong-format "format hd-model where hd-metrics is expected"
	jq '.version = 3' "$good" | put "$d" version-3 "version 3 (from a newer hd)"
	jq '.version = "1"' "$good" | put "$d" version-string 'version "1", a string'
	jq '.version = 0' "$good" | put "$d" version-0 "version 0"
	jq '.version = 1.5' "$good" | put "$d" version-1.5 "version 1.5"
	jq 'del(.version)' "$good" | put "$d" no-version "no version"
	sed 's/^{/{"format": "x", /' "$good" | put "$d" format-twice "a second format member before the first"
	mkfifo "$d/fifo.json" && entry "$d" fifo "$d/fifo.json" "a FIFO nobody writes to"
	entry "$d" dev-zero /dev/zero "/dev/zero"
	ln -s /dev/zero "$d/zero.json" && entry "$d" link-zero "$d/zero.json" "a link to /dev/zero"
	truncate -s 100M "$d/big.json" && entry "$d" 100mb "$d/big.json" "a 100 MB file"
	mkdir "$d/dir.json" && entry "$d" directory "$d/dir.json" "a folder"
	entry "$d" missing "$d/missing.json" "a file that is not there"
	ln -s loop.json "$d/loop.json" && entry "$d" link-loop "$d/loop.json" "a link to itself"
	cp "$good" "$d/unreadable.json" && chmod 000 "$d/unreadable.json" &&
		entry "$d" unreadable "$d/unreadable.json" "a file without read permission"
}

# model_cases DIR: what only a model file can get wrong, in the fitted
# numbers and in the trees.
model_cases() {
	local d=$1 lr=lr.selected.json rf=rf1.selected.json id what
	jq 'del(.params)' $lr | put "$d" no-params "no params"
	jq 'del(.features)' $lr | put "$d" no-features "no features"
	jq '.features |= .[1:]' $lr | put "$d" features-12 "12 features, not 13"
	jq '.model = "svm"' $lr | put "$d" kind-svm 'model "svm"'
	jq '.params.coef |= .[1:]' $lr | put "$d" coef-short "one coefficient short"
	jq '.params.coef = "0.5"' $lr | put "$d" coef-string "coefficients as a string"
	jq '.params.coef[0] = null' $lr | put "$d" coef-null "a null coefficient"
	sed 's/"intercept": *[-0-9.e]*/"intercept": NaN/' $lr | put "$d" intercept-nan "intercept NaN (not JSON)"
	jq -c . $lr | sed 's/"coef":\[[-0-9.e]*/"coef":[1e999/' | put "$d" coef-inf "a coefficient 1e999 (infinite)"
	jq -c . $lr | sed 's/"intercept":[-0-9.e]*/"intercept":-1e999/' | put "$d" intercept-inf "intercept -1e999"
	jq '.features[0].scale = 0' $lr | put "$d" scale-0 "a numeric feature's scale 0"
	jq '.features[0].scale = -1' $lr | put "$d" scale-negative "a negative scale"
	jq -c . $lr | sed 's/"mean":[-0-9.e]*/"mean":1e999/' | put "$d" mean-inf "a feature's mean 1e999"
	jq '.features[0].median = "54"' $lr | put "$d" median-string "a median as a string"
	jq '.features[5].levels = []' $lr | put "$d" levels-empty "a categorical feature without levels"
	jq '.features[0].name = "weight"' $lr | put "$d" feature-unknown "a feature hd does not know"
	# Version 1 trees: four strings of node numbers, in preorder.
	jq '.params.trees[0].left |= (split(" ") | .[0] = "0" | join(" "))' $rf |
		put "$d" tree-self "a node that is its own left child (a cycle)"
	jq '.params.trees[0] |= (.left |= (split(" ") | .[1] = "0" | join(" ")))' $rf |
		put "$d" tree-back "a child pointing back to the root (a cycle)"
	jq '.params.trees[0].right |= (split(" ") | .[0] = "99999" | join(" "))' $rf |
		put "$d" tree-out "a child index out of range"
	jq '.params.trees[0].left |= (split(" ") | .[0] = "-5" | join(" "))' $rf |
		put "$d" tree-negative "a child index -5"
	jq '.params.trees[0].feature |= (split(" ") | .[0] = "1000" | join(" "))' $rf |
		put "$d" tree-feature "a split on feature 1000"
	jq '.params.trees[0].left |= (split(" ") | .[1:] | join(" "))' $rf |
		put "$d" tree-ragged "a tree whose arrays differ in length"
	jq '.params.trees[0].value |= (split(" ") | .[0] = "1e999" | join(" "))' $rf |
		put "$d" tree-value-inf "a node value 1e999"
	jq '.params.trees[0].value |= (split(" ") | .[0] = "x" | join(" "))' $rf |
		put "$d" tree-value-text "a node value x"
	jq '.params.trees = []' $rf | put "$d" trees-none "a forest of no trees"
	jq '.params.trees[0].left = ""' $rf | put "$d" tree-empty "a tree of no nodes"
	# Version 2 trees (hd-model(5)): the compact records and their
	# tables, each check the loader makes (tests/forest_cases.py).
	mkdir -p "$d/v2"
	"$PY" "$REPO/tests/forest_cases.py" rf.selected.json "$d/v2" |
		while IFS=$'\t' read -r id what _; do
			put "$d" "v2-$id" "version 2: $what" < "$d/v2/$id.json"
		done
	# The reference profile (hd-drift's, and the server's drift gauges).
	jq '.reference = "x"' $lr | put "$d" ref-string "a reference that is a string"
	jq '.reference.rows += 1' $lr | put "$d" ref-rows "reference rows one more than its bins hold"
	jq '.reference.rows = 0' $lr | put "$d" ref-rows-0 "a reference of 0 rows"
	jq '.reference.features |= .[1:]' $lr | put "$d" ref-features-12 "a reference of 12 features"
	jq '.reference.features[0].name = "chol"' $lr | put "$d" ref-name "a reference feature out of order"
	jq '.reference.features[0].counts |= .[1:]' $lr | put "$d" ref-counts-short "a feature's bin counts one short"
	jq '.reference.features[0].counts[0] = -1' $lr | put "$d" ref-count-negative "a bin count -1"
	jq '.reference.features[0].counts[0] += 0.5' $lr | put "$d" ref-count-fraction "a bin count 0.5 over a whole number"
	jq '.reference.features[0].edges |= reverse' $lr | put "$d" ref-edges-descending "decile edges descending"
	jq '.reference.features[0].edges = [range(20)]' $lr | put "$d" ref-edges-20 "20 decile edges"
	jq '.reference.features[0].values |= reverse' $lr | put "$d" ref-values-descending "sample values descending"
	jq '.reference.features[0].value_counts[0] += 1' $lr | put "$d" ref-value-counts "a sample that does not add up to the present rows"
	jq '.reference.features[0].value_counts |= .[1:]' $lr | put "$d" ref-value-counts-short "fewer value counts than values"
	jq '.reference.features[1].levels = [range(20)]' $lr | put "$d" ref-levels-20 "20 levels"
	jq '.reference.prediction.scores = "x"' $lr | put "$d" ref-scores "scores neither out_of_fold nor in_sample"
	jq '.reference.prediction.counts |= .[1:]' $lr | put "$d" ref-score-counts "9 score bins"
}

# hostile READER DIR: give each case of DIR to READER (a function run
# as READER FILE OUTDIR); each must exit 1 within 10 s, name the file
# on stderr, and leave OUTDIR empty.  Fails naming every case that
# went wrong.
hostile() {
	local reader=$1 id file what o st err bad=() n=0 left
	while IFS=$'\t' read -r id file what; do
		# Root reads a file of mode 000: its own test skips it.
		[ "$id" != unreadable ] || [ "$(id -u)" != 0 ] || continue
		n=$((n + 1))
		o=$BATS_TEST_TMPDIR/out.$id
		mkdir -p "$o"
		st=0
		"$reader" "$file" "$o" > "$o.stdout" 2> "$o.stderr" < /dev/null || st=$?
		err=$(head -c 300 "$o.stderr" | tr '\n' ' ')
		left=$(ls -A "$o")
		if [ "$st" != 1 ]; then
			bad+=("$id ($what): exit $st, not 1: $err")
		elif ! grep -qF -- "$file" "$o.stderr"; then
			bad+=("$id ($what): the message does not name $file: $err")
		elif [ -n "$left" ]; then
			bad+=("$id ($what): left behind: $left")
		fi
	done < "$BATS_FILE_TMPDIR/$2/cases.tsv"
	echo "# $reader: $n cases, ${#bad[@]} wrong" >&3
	[ "$n" -ge 20 ] || fail "only $n cases"
	[ ${#bad[@]} -eq 0 ] || fail "$(printf '%s\n' "${bad[@]}")"
}

T="timeout 10"
predict() { $T hd-predict -o "$2/out.csv" "$1" "$BATS_FILE_TMPDIR/test.csv"; }
evaluate() { $T hd-eval -b 0 -o "$2/metrics.json" "$1" "$BATS_FILE_TMPDIR/test.csv"; }
loso() { $T hd-loso -b 0 -o "$2/loso.json" "$1" "$BATS_FILE_TMPDIR/heart.csv"; }
check() { $T hd-fcgi --check "$1"; }
report() {
	$T hd-report -o "$2/report.html" --eda "$BATS_FILE_TMPDIR/summary.json" \
		--selected "$1" --metrics lr="$BATS_FILE_TMPDIR/lr.metrics.json" \
		--metrics rf="$BATS_FILE_TMPDIR/rf.metrics.json"
}
select_() { $T hd-select -o "$2/model.json" "$1"; }
drift() { $T hd-drift -o "$2/drift.txt" "$1" "$BATS_FILE_TMPDIR/test.csv"; }

@test "the good files pass, so that each hostile one fails for its own fault" {
	cd "$BATS_FILE_TMPDIR" || exit 1
	for m in lr.selected.json rf.selected.json; do
		run -0 predict "$m" "$BATS_TEST_TMPDIR"
		run -0 evaluate "$m" "$BATS_TEST_TMPDIR"
		run -0 check "$m"
		run -0 report "$m" "$BATS_TEST_TMPDIR"
		run drift "$m" "$BATS_TEST_TMPDIR"
		[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "hd-drift $m: exit $status"
	done
	run -0 loso lr.selected.json "$BATS_TEST_TMPDIR"
	# hd-select needs the model where the metrics file says it is.
	run -0 select_ lr.metrics.json "$BATS_TEST_TMPDIR"
}

@test "hd-predict refuses every hostile model file" {
	hostile predict hostile
}

@test "hd-drift refuses every hostile model file" {
	hostile drift hostile
}

@test "hd-eval refuses every hostile model file" {
	hostile evaluate hostile
}

@test "hd-loso refuses every hostile model file" {
	hostile loso hostile
}

@test "hd-fcgi --check refuses every hostile model file" {
	hostile check hostile
}

@test "hd-report --selected refuses every hostile model file" {
	hostile report hostile
}

@test "hd-select refuses every hostile metrics file" {
	cd "$BATS_FILE_TMPDIR" || exit 1
	hostile select_ metrics
}

@test "a 100 MB model is refused by its size, before a byte of it is read" {
	local big=$BATS_FILE_TMPDIR/hostile/big.json
	# -y: each descriptor with the path it is open on.  LeakSanitizer
	# cannot run under ptrace: no leak check in this one.
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 \
		run -1 --separate-stderr timeout 10 strace -f -y -e trace=read -o "$BATS_TEST_TMPDIR/trace" \
		hd-predict "$big" "$BATS_FILE_TMPDIR/test.csv"
	[[ $stderr == *"$big: larger than the limit of 67108864 bytes"* ]] || fail "$stderr"
	grep -q 'read(' "$BATS_TEST_TMPDIR/trace" || fail "strace saw no read at all"
	! grep -F "<$big>" "$BATS_TEST_TMPDIR/trace" || fail "it read the file"
}

@test "a model file without read permission is refused, naming it" {
	[ "$(id -u)" != 0 ] || skip "run as root, which reads a file of mode 000"
	for r in predict evaluate loso check report; do
		run -1 --separate-stderr "$r" "$BATS_FILE_TMPDIR/hostile/unreadable.json" "$BATS_TEST_TMPDIR"
		[[ $stderr == *"unreadable.json: Permission denied"* ]] || fail "$r: $stderr"
	done
}

@test "files read only for their digest (hd-select's model, hd-report --data): a FIFO or /dev/zero is refused at once" {
	local d=$BATS_TEST_TMPDIR f
	mkfifo "$d/fifo"
	for f in /dev/zero "$d/fifo" "$d"; do
		jq --arg f "$f" '.model.file = $f' "$BATS_FILE_TMPDIR/lr.metrics.json" > "$d/m.json"
		run -1 --separate-stderr select_ "$d/m.json" "$d"
		[[ $stderr == *"m.json: model file $f: "* ]] || fail "hd-select, model $f: $stderr"
		[ ! -e "$d/model.json" ] || fail "hd-select wrote a model"
		run -1 --separate-stderr timeout 10 hd-report -o "$d/r.html" --eda "$BATS_FILE_TMPDIR/summary.json" \
			--selected "$BATS_FILE_TMPDIR/lr.selected.json" --metrics lr="$BATS_FILE_TMPDIR/lr.metrics.json" \
			--data "$f"
		[[ $stderr == *"$f: "* ]] || fail "hd-report --data $f: $stderr"
		[ ! -e "$d/r.html" ] || fail "hd-report wrote its page"
	done
}
