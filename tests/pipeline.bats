#!/usr/bin/env bats
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# make pipeline: the DAG from download to the selected model.

load test_helper

# The build folder make uses for the build under test, as mk picks it.
build_dir() {
	case $(build_mode) in
	SANITIZE=1) echo build/san ;;
	COVERAGE=1) echo build/cov ;;
	RELEASE=1) echo build/release ;;
	*) echo build ;;
	esac
}

# Every program and man page make install put under $1 (a PREFIX) is
# there, and each program runs.
installed_under() {
	local p
	for p in $(programs); do
		[[ -f "$1/bin/$p" && -x "$1/bin/$p" ]] || fail "$1/bin/$p is not an installed program"
		run -0 --separate-stderr "$1/bin/$p" --version
		[[ "$output" =~ ^$p\ \(hd\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$p --version: $output"
		[ -f "$1/share/man/man1/$p.1" ] || fail "no $1/share/man/man1/$p.1"
		cmp "$(man_page "$p")" "$1/share/man/man1/$p.1"
	done
}

# Every output file with its modification time, for before/after checks;
# but the plots, whose reruns tests/plots.bats checks, and the run
# records, which grow with every run that changes something
# (tests/hd-runs.bats).
stamps() {
	(cd "$W" && find data art \( -path art/plots -o -path art/runs \) -prune -o \
		-type f ! -path art/.run -printf '%p %T@\n' | LC_ALL=C sort)
}

# Rerun the pipeline on a copy of the first run with make arguments $@;
# $changed lists the outputs it rewrote.
rerun_changed() {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	stamps > before
	sleep 1
	run -0 mk pipeline "$@"
	stamps > after
	changed=$(LC_ALL=C join before after | awk '$2 != $3 {print $1}' | tr '\n' ' ')
}

setup_file() {
	export W=$BATS_FILE_TMPDIR/w
	mkdir -p "$W"
	mk pipeline > "$BATS_FILE_TMPDIR/first.log" 2>&1
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

@test "make pipeline goes from the raw files to a selected model" {
	(cd "$W/data/raw" && sha256sum -c "$MIRROR/SHA256SUMS")
	[ "$(wc -l < "$W/data/heart.csv")" -eq 919 ]
	[ -s "$W/art/eda/summary.json" ]
	[ -s "$W/art/eda/report.txt" ]
	[ "$(tail -n +2 "$W/data/split/train.csv" | wc -l)" -eq 734 ]
	[ "$(tail -n +2 "$W/data/split/test.csv" | wc -l)" -eq 184 ]
	for m in lr rf; do
		[ "$(jq -r .format "$W/art/models/$m.model.json")" = hd-model ]
		[ "$(jq -r .format "$W/art/metrics/$m.metrics.json")" = hd-metrics ]
		# The new figures, for both models.
		jq -e '.test.calibration.slope != null and .test.intervals.roc_auc.lo != null and .test.youden.threshold != null' "$W/art/metrics/$m.metrics.json"
		jq -e '(.subgroups.site | keys) == ["cleveland","hungarian","switzerland","va"]' "$W/art/metrics/$m.metrics.json"
		[ "$(wc -l < "$W/art/models/$m.oof.csv")" -eq 735 ]
		[ "$(jq -r .format "$W/art/loso/$m.loso.json")" = hd-loso ]
		jq -e '(.sites | keys | length) == 4' "$W/art/loso/$m.loso.json"
	done
	[ "$(jq -r .format "$W/art/model.json")" = hd-model ]
	jq -e .selection "$W/art/model.json" > /dev/null
	"$PY" "$REPO/tests/report_check.py" check "$W/art/report.html"
	head -n 1 "$W/art/MODEL_CARD.md" | grep -q '^# Model card: '
}

@test "both models meet the quality floor and the selected one has the best test ROC-AUC" {
	for m in lr rf; do
		run jq '.test.roc_auc >= 0.88 and .model.cv.mean >= 0.85' "$W/art/metrics/$m.metrics.json"
		[ "$output" = true ] || fail "$m: $output"
	done
	best=$(jq -s -r 'max_by(.test.roc_auc) | .model.kind' "$W/art/metrics/lr.metrics.json" "$W/art/metrics/rf.metrics.json")
	[ "$(jq -r .model "$W/art/model.json")" = "$best" ]
}

@test "the selected model scores the test set the way its evaluation says" {
	hd-predict "$W/art/model.json" "$W/data/split/test.csv" | hd-eval --scores > m.json
	kind=$(jq -r .model "$W/art/model.json")
	m=$([ "$kind" = logistic_regression ] && echo lr || echo rf)
	[ "$(jq .test.roc_auc m.json)" = "$(jq .test.roc_auc "$W/art/metrics/$m.metrics.json")" ]
}

@test "every model the pipeline makes carries the reference profile of its training rows" {
	for f in models/lr.model.json models/rf.model.json model.json; do
		jq -e '.reference.rows == 734 and .reference.prediction.scores == "out_of_fold"' "$W/art/$f"
		# hd-drift loads it (exit 1 would be a model without a profile)
		run -0 --separate-stderr hd-drift "$W/art/$f" "$W/data/split/test.csv"
	done
	m=$W/art/models
	"$PY" "$REPO/tests/drift_reference.py" profile "$m/lr.model.json" "$W/data/split/train.csv" "$m/lr.oof.csv"
	"$PY" "$REPO/tests/drift_reference.py" profile "$m/rf.model.json" "$W/data/split/train.csv" "$m/rf.oof.csv"
}

@test "a second make pipeline does nothing" {
	stamps > before
	run -0 mk pipeline
	[[ "$output" != *hd-* ]]
	stamps > after
	diff -u before after
}

@test "changing the split seed reruns the split and what follows, not fetch, clean or eda" {
	rerun_changed SEED=7
	[ "$changed" = "art/MODEL_CARD.md art/loso/lr.loso.json art/loso/rf.loso.json art/metrics/lr.metrics.json art/metrics/rf.metrics.json art/model.json art/models/lr.model.json art/models/lr.oof.csv art/models/rf.model.json art/models/rf.oof.csv art/report.html data/split/test.csv data/split/train.csv " ] ||
		fail "changed: $changed"
}

@test "changing a forest parameter reruns only the forest, its evaluation, its leave-one-site-out, the selection and the report" {
	rerun_changed RF_TREES=50
	[ "$changed" = "art/MODEL_CARD.md art/loso/rf.loso.json art/metrics/rf.metrics.json art/model.json art/models/rf.model.json art/models/rf.oof.csv art/report.html " ] ||
		fail "changed: $changed"
	[ "$(jq .hyperparameters.n_estimators "$W/art/models/rf.model.json")" = 50 ]
}

@test "an output deleted by hand is made again, and every step after it reruns" {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	stamps > before
	rm "$W/art/models/rf.model.json"
	sleep 1
	run -0 mk pipeline
	stamps > after
	changed=$(join before after | awk '$2 != $3 {print $1}' | tr '\n' ' ')
	[ "$changed" = "art/MODEL_CARD.md art/loso/rf.loso.json art/metrics/rf.metrics.json art/model.json art/models/rf.model.json art/models/rf.oof.csv art/report.html " ] ||
		fail "changed: $changed"
}

@test "a failing step keeps the last good output, writes nothing half, and make stops" {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	cp "$W/data/heart.csv" good.csv
	run ! mk pipeline CLEAN_OPTS=--no-such-option
	cmp good.csv "$W/data/heart.csv"
	[ -z "$(find "$W" -name '*.tmp.*')" ]
	rm "$W/data/heart.csv"
	run ! mk pipeline CLEAN_OPTS=--no-such-option
	[ ! -e "$W/data/heart.csv" ]
	[ -z "$(find "$W" -name '*.tmp.*')" ]
	# and the next good run rebuilds it
	run -0 mk pipeline
	cmp good.csv "$W/data/heart.csv"
}

@test "the two fits run in parallel under make -j2 and give the same models" {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	rm -rf "$W/art/models" "$W/art/metrics" "$W/art/model.json"
	run -0 mk -j2 pipeline
	for m in lr rf; do
		diff <(jq 'del(.training.created, .training.file)' "$BATS_FILE_TMPDIR/w/art/models/$m.model.json") \
		     <(jq 'del(.training.created, .training.file)' "$W/art/models/$m.model.json")
	done
}

@test "pipelines/train.sh composes the same tools to the same models as make" {
	run -0 "$REPO/pipelines/train.sh" "$MIRROR"
	for m in lr rf; do
		diff <(jq 'del(.training.created, .training.file)' "$W/art/models/$m.model.json") \
		     <(jq 'del(.training.created, .training.file)' "work/$m.model.json")
	done
	[ "$(jq -r .model work/model.json)" = "$(jq -r .model "$W/art/model.json")" ]
}

@test "make pipeline in a fresh checkout builds every program into build/bin" {
	# The sources alone, with no build: everything make pipeline leaves
	# in build/bin it has built itself.
	mkdir src
	tar -C "$REPO" --exclude=./.git --exclude=./build --exclude=./.params \
		--exclude='./data/*' --exclude='./artifacts/*' -cf - . | tar -C src -xf -
	[ ! -e src/build ]
	local mode
	mode=$(build_mode)
	# Few trees and folds: this is about what gets built, not the models.
	run -0 make --no-print-directory -C src ${mode:+"$mode"} MIRROR="$MIRROR" \
		RF_TREES=10 CV=2 pipeline
	[ "$(jq -r .format src/artifacts/model.json)" = hd-model ]
	missing=
	for p in $(programs); do
		[ -x "src/$(build_dir)/bin/$p" ] || missing+=" $p"
	done
	[ -z "$missing" ] || fail "make pipeline did not build into $(build_dir)/bin:$missing"
}

@test "make install DESTDIR=... PREFIX=/usr/local installs every program and man page under DESTDIR" {
	# The hd- files in the real /usr/local.
	installed() { find /usr/local/bin /usr/local/share/man/man1 -maxdepth 1 -name 'hd-*' -printf '%f\n' 2>/dev/null | sort || true; }
	real=$(installed)
	run -0 mk install DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/usr/local
	installed_under "$BATS_TEST_TMPDIR/dest/usr/local"
	# and nothing in the real /usr/local
	[ "$(installed)" = "$real" ]
}

@test "make install PREFIX=... without DESTDIR installs under PREFIX" {
	unset DESTDIR
	run -0 mk install PREFIX="$BATS_TEST_TMPDIR/p"
	installed_under "$BATS_TEST_TMPDIR/p"
}

@test "make uninstall removes what make install put there, and nothing else" {
	unset DESTDIR
	p=$BATS_TEST_TMPDIR/u
	run -0 mk install PREFIX="$p"
	: > "$BATS_TEST_TMPDIR/hd-clean.1"
	run -0 mk uninstall PREFIX="$p"
	[ -z "$(find "$p" -type f)" ]
	[ -e "$BATS_TEST_TMPDIR/hd-clean.1" ]
}
