#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# hd-runs and the run records make pipeline writes.

load test_helper

FIX=$REPO/tests/fixtures/runs
GOLD=$REPO/tests/golden/hd-runs

# mk (test_helper) with every output under $1, a "checkout" of its own
# data, artifacts and parameters.
mk_in() {
	local W=$1
	shift
	mk "$@"
}

runs() { hd-runs --dir "$W/art/runs" "$@"; }

# The value at a jq path of a run file: jqr RUNDIR FILE FILTER
jqr() { jq -r "$3" "$1/$2"; }

setup_file() {
	export W=$BATS_FILE_TMPDIR/w
	mkdir -p "$W"
	mk_in "$W" pipeline > "$W/first.log" 2>&1 || { cat "$W/first.log" >&2; return 1; }
}

# The one run recorded by setup_file's pipeline.
first_run() {
	local ids
	ids=$(cd "$W/art/runs" && ls -d 2*) || return 1
	[ "$(wc -w <<<"$ids")" -eq 1 ] || fail "expected one run, found: $ids"
	echo "$W/art/runs/$ids"
}

@test "a pipeline records one run whose every file has its format, version and run id" {
	r=$(first_run)
	id=${r##*/}
	[[ $id =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{4}$ ]] || fail "id: $id"
	for k in params metrics tags dataset signature manifest; do
		[ "$(jqr "$r" "$k.json" .format)" = "hd-run-$k" ] || fail "$k.json format"
		[ "$(jqr "$r" "$k.json" .version)" = 1 ] || fail "$k.json version"
		[ "$(jqr "$r" "$k.json" .run)" = "$id" ] || fail "$k.json run"
	done
	[ "$(wc -l < "$W/art/runs/index.jsonl")" -eq 1 ]
	[ "$(jq -r 'select(.event == "run") | .run' "$W/art/runs/index.jsonl")" = "$id" ]
	[ "$(jq -r .format "$W/art/runs/index.jsonl")" = hd-runs-index ]
	[ "$(jq -r .version "$W/art/runs/index.jsonl")" = 1 ]
	[ -z "$(find "$W/art/runs" -name '.tmp-*')" ] || fail "a temporary folder is left"
}

@test "params: every option that shaped the result, with each model's hyperparameters as its file has them" {
	r=$(first_run)
	# The pipeline's parameters as make has them (params.mk).
	for kv in seed=42 test_size=0.2 cv=5 model_seed=42 threshold=0.5 eda_bins=10; do
		[ "$(jqr "$r" params.json ".params.${kv%%=*}")" = "${kv#*=}" ] || fail "$kv"
	done
	for k in clean_opts lr_opts rf_opts; do
		[ "$(jqr "$r" params.json ".params.$k")" = "" ] || fail "$k"
	done
	for m in lr rf; do
		while read -r k; do
			[ "$(jqr "$r" params.json ".params[\"$m.$k\"]")" = \
				"$(jq -r ".hyperparameters[\"$k\"]" "$W/art/models/$m.model.json")" ] ||
				fail "$m.$k"
		done < <(jq -r '.hyperparameters | keys[]' "$W/art/models/$m.model.json")
	done
	[ "$(jqr "$r" params.json '.params["rf.n_estimators"]')" = "$(hd-fit-rf --help | sed -n 's/.*--trees N.*(default \([0-9]*\)).*/\1/p')" ] ||
		[ "$(jqr "$r" params.json '.params["rf.n_estimators"]')" -gt 0 ]
}

@test "metrics: each model's test and CV figures and their intervals, equal to the metrics files" {
	r=$(first_run)
	for m in lr rf; do
		f=$W/art/metrics/$m.metrics.json
		for k in accuracy precision recall f1 roc_auc brier log_loss; do
			same_double "$(jqr "$r" metrics.json ".metrics[\"$m.test.$k\"]")" "$(jq -r ".test.$k" "$f")"
		done
		for k in roc_auc accuracy f1 brier; do
			same_double "$(jqr "$r" metrics.json ".metrics[\"$m.test.intervals.$k.lo\"]")" "$(jq -r ".test.intervals.$k.lo" "$f")"
			same_double "$(jqr "$r" metrics.json ".metrics[\"$m.test.intervals.$k.hi\"]")" "$(jq -r ".test.intervals.$k.hi" "$f")"
		done
		same_double "$(jqr "$r" metrics.json ".metrics[\"$m.cv.roc_auc_mean\"]")" "$(jq -r .model.cv.mean "$f")"
		same_double "$(jqr "$r" metrics.json ".metrics[\"$m.cv.roc_auc_std\"]")" "$(jq -r .model.cv.std "$f")"
		same_double "$(jqr "$r" metrics.json ".metrics[\"$m.test.calibration.ece\"]")" "$(jq -r .test.calibration.ece "$f")"
		same_double "$(jqr "$r" metrics.json ".metrics[\"$m.subgroups.site.cleveland.roc_auc\"]")" "$(jq -r .subgroups.site.cleveland.roc_auc "$f")"
		same_double "$(jqr "$r" metrics.json ".metrics[\"$m.loso.va.test.roc_auc\"]")" "$(jq -r .sites.va.test.roc_auc "$W/art/loso/$m.loso.json")"
	done
	[ "$(jqr "$r" metrics.json .selected_kind)" = "$(jq -r .model "$W/art/model.json")" ]
	sel=$(jqr "$r" metrics.json .selected)
	[ "$(jq -r .selection.file "$W/art/model.json")" = "$W/art/models/$sel.model.json" ]
	[ "$(jqr "$r" metrics.json .selected_by)" = roc_auc ]
}

@test "tags: git commit, branch, dirty flag and diff hash, versions, OS, user, host, command, times, status" {
	r=$(first_run)
	[ "$(jqr "$r" tags.json .git_commit)" = "$(git -C "$REPO" rev-parse HEAD)" ]
	branch=$(git -C "$REPO" symbolic-ref --short -q HEAD || echo null)
	[ "$(jqr "$r" tags.json .git_branch)" = "$branch" ]
	if [ -n "$(git -C "$REPO" status --porcelain)" ]; then
		[ "$(jqr "$r" tags.json .git_dirty)" = true ]
		[[ $(jqr "$r" tags.json .git_diff_sha256) =~ ^[0-9a-f]{64}$ ]]
	else
		[ "$(jqr "$r" tags.json .git_dirty)" = false ]
		[ "$(jqr "$r" tags.json .git_diff_sha256)" = null ]
	fi
	[ "$(jqr "$r" tags.json .hd_version)" = "$(hd-runs --version | awk '{print $3}')" ]
	[[ $(jqr "$r" tags.json .compiler) =~ ^(gcc|clang)\ [0-9] ]]
	[[ $(jqr "$r" tags.json .os) == *"$(uname -s) $(uname -r) $(uname -m)"* ]]
	[ "$(jqr "$r" tags.json .user)" = "$(id -un)" ]
	[ "$(jqr "$r" tags.json .host)" = "$(hostname)" ]
	[ "$(jqr "$r" tags.json .status)" = finished ]
	[ "$(jqr "$r" tags.json .step)" = null ]
	[ "$(jqr "$r" tags.json .experiment)" = heart-disease ]
	[[ $(jqr "$r" tags.json .command) == "make pipeline "*"DATA=$W/data"* ]]
	start=$(jqr "$r" tags.json .start) end=$(jqr "$r" tags.json .end)
	[[ $start =~ ^20[0-9-]{8}T[0-9:]{8}\.[0-9]{3}Z$ ]] && [[ $end > $start || $end == "$start" ]]
	d=$(jqr "$r" tags.json .duration_s)
	"$PY" -c "import sys; from datetime import datetime as D
f = lambda s: D.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ')
sys.exit(abs((f('$end') - f('$start')).total_seconds() - $d) > 0.002)"
}

@test "dataset: the source, each raw file's and the clean CSV's SHA-256, rows, columns and class counts" {
	r=$(first_run)
	[ "$(jqr "$r" dataset.json .source)" = "$MIRROR" ]
	[ "$(jqr "$r" dataset.json '.raw | length')" -eq 4 ]
	for i in 0 1 2 3; do
		f=$(jqr "$r" dataset.json ".raw[$i].file")
		[ "$(jqr "$r" dataset.json ".raw[$i].sha256")" = "$(sha256sum < "$f" | cut -d' ' -f1)" ]
		[ "$(jqr "$r" dataset.json ".raw[$i].bytes")" = "$(stat -c %s "$f")" ]
	done
	for part in clean:heart.csv train:split/train.csv test:split/test.csv; do
		k=${part%%:*} f=$W/data/${part#*:}
		[ "$(jqr "$r" dataset.json ".$k.file")" = "$f" ]
		[ "$(jqr "$r" dataset.json ".$k.sha256")" = "$(sha256sum < "$f" | cut -d' ' -f1)" ]
		[ "$(jqr "$r" dataset.json ".$k.rows")" = "$(($(wc -l < "$f") - 1))" ]
		[ "$(jqr "$r" dataset.json ".$k.columns")" = "$(head -n1 "$f" | awk -F, '{print NF}')" ]
		col=$(head -n1 "$f" | tr , '\n' | grep -nx target | cut -d: -f1)
		for y in 0 1; do
			[ "$(jqr "$r" dataset.json ".$k.class_counts[\"$y\"]")" = \
				"$(awk -F, -v c="$col" -v y="$y" 'NR > 1 && $c == y' "$f" | wc -l)" ] || fail "$k class $y"
		done
	done
}

@test "signature: the selected model's features, kinds and levels, and the two output fields" {
	r=$(first_run)
	[ "$(jqr "$r" signature.json '[.inputs[] | {name, kind, levels}]' | jq -c .)" = \
		"$(jq -c '[.features[] | {name, kind, levels}]' "$W/art/model.json")" ]
	[ "$(jqr "$r" signature.json '[.outputs[].name] | join(" ")')" = "prediction probability" ]
	[ "$(jqr "$r" signature.json .kind)" = "$(jq -r .model "$W/art/model.json")" ]
}

@test "manifest: every artifact with its bytes and SHA-256, and a byte-exact copy of the small ones" {
	r=$(first_run)
	n=$(jqr "$r" manifest.json '.files | length')
	[ "$n" -ge 11 ] || fail "$n files"
	for want in model.json models/lr.model.json models/rf.model.json metrics/lr.metrics.json \
			metrics/rf.metrics.json loso/lr.loso.json eda/summary.json eda/report.txt; do
		jq -e --arg p "$W/art/$want" '.files | any(.path == $p)' "$r/manifest.json" >/dev/null ||
			fail "no $want in the manifest"
	done
	max=$(jqr "$r" manifest.json .copy_max)
	for i in $(seq 0 $((n - 1))); do
		p=$(jqr "$r" manifest.json ".files[$i].path")
		[ "$(jqr "$r" manifest.json ".files[$i].sha256")" = "$(sha256sum < "$p" | cut -d' ' -f1)" ] || fail "$p sha256"
		size=$(stat -c %s "$p")
		[ "$(jqr "$r" manifest.json ".files[$i].bytes")" = "$size" ] || fail "$p bytes"
		c=$(jqr "$r" manifest.json ".files[$i].copy")
		if [ "$size" -le "$max" ]; then
			cmp "$p" "$r/$c" || fail "$p: copy $c"
		else
			[ "$c" = null ] || fail "$p is over copy_max but copied"
		fi
	done
}

@test "a pipeline that changes nothing records nothing and says so" {
	before=$(ls "$W/art/runs")
	run -0 mk_in "$W" pipeline
	[[ $output == *"no output changed since run "*": no run recorded"* ]] || fail "$output"
	[ "$(ls "$W/art/runs")" = "$before" ]
	[ "$(wc -l < "$W/art/runs/index.jsonl")" -eq 1 ]
}

@test "a second run with RF_TREES=50 is recorded, and diff ~1 - shows exactly what changed" {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	run -0 mk_in "$W" pipeline RF_TREES=50
	run -0 runs list --json
	[ "$(jq length <<<"$output")" -eq 2 ]
	a=$(jq -r '.[1].run' <<<"$output") b=$(jq -r '.[0].run' <<<"$output")
	[[ $(jq -r '.[0].command' <<<"$output") == *"RF_TREES=50"* ]]
	# What differs, worked out with jq from the two runs' files.
	want=$({ for f in params metrics; do
		jq -n --slurpfile x "$W/art/runs/$a/$f.json" --slurpfile y "$W/art/runs/$b/$f.json" -r \
			--arg k "$f" '($x[0][$k]) as $p | ($y[0][$k]) as $q |
			(($p | keys) + ($q | keys) | unique[]) | select($p[.] != $q[.])'
	done
	[ "$(jq -r .selected "$W/art/runs/$a/metrics.json")" = "$(jq -r .selected "$W/art/runs/$b/metrics.json")" ] ||
		echo selected
	} | sort)
	run -0 runs diff --json ~1 -
	[ "$(jq -r .a <<<"$output")" = "$a" ] && [ "$(jq -r .b <<<"$output")" = "$b" ]
	got=$(jq -r '.changes[] | select(.section != "dataset") | .key' <<<"$output" | sort)
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; fail "hd-runs diff and jq differ"; }
	[ -z "$(jq -r '.changes[] | select(.section == "dataset")' <<<"$output")" ] || fail "the data did not change"
	grep -qx rf.n_estimators <<<"$got"
	! grep -q '^lr\.' <<<"$got" || fail "an lr figure changed: the LR model was not refitted"
	# Each change's delta is B - A.
	jq -e '[.changes[] | select(.delta != null) | (.b - .a - .delta | fabs) < 1e-12] | all' <<<"$output"
	run -0 runs diff ~1 -
	grep -E '^~ rf\.n_estimators +200 +50 +-150$' <<<"$output" || fail "$output"
	grep -E '^~ rf_opts +"" +--trees 50$' <<<"$output"
	grep -qx params <<<"$output" && grep -qx metrics <<<"$output"
	! grep -qx dataset <<<"$output" || fail "diff lists the dataset section: the data did not change"
	# --all lists the unchanged ones too, blank-marked.
	run -0 runs diff --all ~1 -
	grep -E '^  seed +42 +42$' <<<"$output"
	grep -qx dataset <<<"$output"
}

@test "a run that fails is recorded as failed, with the step and the message" {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
	run -2 mk_in "$W" pipeline RF_TREES=-3
	run -0 runs show --json -
	[ "$(jq -r .tags.status <<<"$output")" = failed ]
	[ "$(jq -r .tags.step <<<"$output")" = "$W/art/models/rf.model.json" ]
	[[ $(jq -r .tags.message <<<"$output") == *"hd-fit-rf: --trees: '-3'"* ]] || fail "$(jq -r .tags.message <<<"$output")"
	[[ $(jq -r .tags.command <<<"$output") == *"RF_TREES=-3"* ]]
	[ "$(jq -r '.params.params.rf_opts' <<<"$output")" = "--trees -3" ]
	# No figures that are not its own.
	[ "$(jq -r '.metrics.metrics | length' <<<"$output")" -eq 0 ]
	[ "$(jq -r .metrics.selected <<<"$output")" = null ]
	[ "$(tail -n1 "$W/art/runs/index.jsonl" | jq -r .status)" = failed ]
	run -0 runs show -
	grep -E '^status +failed$' <<<"$output"
	grep -E '^step +.*/rf\.model\.json$' <<<"$output"
	# The next good pipeline records a finished run.
	run -0 mk_in "$W" pipeline
	[ "$(runs list --json | jq -r '.[0].status')" = finished ]
}

@test "two pipelines at once in two checkouts sharing HD_RUNS_DIR both record their run" {
	shared=$BATS_TEST_TMPDIR/shared
	for c in a b; do
		mkdir -p "$BATS_TEST_TMPDIR/$c" && cp -a "$W/data" "$BATS_TEST_TMPDIR/$c/"
	done
	# Different seeds, so each checkout trains and records.
	HD_RUNS_DIR=$shared mk_in "$BATS_TEST_TMPDIR/a" pipeline SEED=3 > "$BATS_TEST_TMPDIR/a.log" 2>&1 & pa=$!
	HD_RUNS_DIR=$shared mk_in "$BATS_TEST_TMPDIR/b" pipeline SEED=4 > "$BATS_TEST_TMPDIR/b.log" 2>&1 & pb=$!
	wait "$pa" || { cat "$BATS_TEST_TMPDIR/a.log" >&2; fail "checkout a failed"; }
	wait "$pb" || { cat "$BATS_TEST_TMPDIR/b.log" >&2; fail "checkout b failed"; }
	[ "$(grep -c '"event":"run"' "$shared/index.jsonl")" -eq 2 ]
	run -0 hd-runs --dir "$shared" list --json
	[ "$(jq length <<<"$output")" -eq 2 ]
	seeds=$(for id in $(jq -r '.[].run' <<<"$output"); do
		jq -r .params.seed "$shared/$id/params.json"
		[ "$(jq -r .status "$shared/$id/tags.json")" = finished ]
		[ "$(jq '.files | length' "$shared/$id/manifest.json")" -ge 11 ]
	done | sort | tr '\n' ' ')
	[ "$seeds" = "3 4 " ] || fail "seeds: $seeds"
	[ ! -e "$W/art/runs/index.jsonl" ] || [ "$(wc -l < "$W/art/runs/index.jsonl")" -eq 1 ]
}

@test "records written by many processes at once: every run whole, every index line whole" {
	d=$BATS_TEST_TMPDIR/many
	for i in $(seq 1 12); do
		hd-runs --dir "$d" record --param i="$i" --start 2026-12-01T10:00:00.000Z \
			--clean "$W/data/heart.csv" --artifact "$W/art/model.json" > "$BATS_TEST_TMPDIR/out.$i" &
	done
	wait
	[ "$(cat "$BATS_TEST_TMPDIR"/out.* | wc -l)" -eq 12 ]
	[ "$(wc -l < "$d/index.jsonl")" -eq 12 ]
	jq -e . "$d/index.jsonl" > /dev/null
	[ "$(jq -r .run "$d/index.jsonl" | sort -u | wc -l)" -eq 12 ]
	[ "$(for r in $(jq -r .run "$d/index.jsonl"); do jq -r '.params.i' "$d/$r/params.json"; done | sort -n | tr '\n' ' ')" = \
		"$(seq 1 12 | tr '\n' ' ')" ]
	[ -z "$(find "$d" -name '.tmp-*')" ]
}

@test "list, show and diff on the fixture runs print the golden files" {
	cd "$REPO"
	R=(hd-runs --dir tests/fixtures/runs)
	"${R[@]}" list | diff -u "$GOLD/list.txt" -
	"${R[@]}" list --sort rf.test.roc_auc --limit 2 | diff -u "$GOLD/list-sort.txt" -
	"${R[@]}" list --json | diff -u "$GOLD/list.json" -
	"${R[@]}" show ~1 | diff -u "$GOLD/show.txt" -
	"${R[@]}" show - | diff -u "$GOLD/show-failed.txt" -
	"${R[@]}" diff ~2 ~1 | diff -u "$GOLD/diff.txt" -
	"${R[@]}" diff --all ~2 ~1 | diff -u "$GOLD/diff-all.txt" -
	"${R[@]}" diff --json ~2 ~1 | diff -u "$GOLD/diff.json" -
}

@test "the golden show says what the old service's report did: experiment, runs, selection, metrics, data, provenance" {
	for want in '^experiment +heart-disease \(3 runs in ' '^selected +lr \(logistic_regression\) by roc_auc' \
			'^  ROC-AUC +0\.[0-9]{4} \[0\.[0-9]{4}, 0\.[0-9]{4}\] +0\.' '^  CV ROC-AUC ' '^dataset$' \
			'^  clean +data/heart.csv: [0-9]+ rows, 15 columns, target 0: [0-9]+, 1: [0-9]+$' \
			'^params$' '^reproducibility$' '^  git +0123456 ' '^signature +13 inputs' \
			'^  LOSO ROC-AUC va ' '^  ROC-AUC site cleveland '; do
		grep -qE "$want" "$GOLD/show.txt" || fail "show.txt lacks /$want/"
	done
	# The figures shown are the fixture's, rounded.
	x=$(jq -r '.metrics["lr.test.roc_auc"]' "$FIX"/20261201T100500.000Z-0b0b/metrics.json)
	grep -qE "^  ROC-AUC +$(printf '%.4f' "$x") " "$GOLD/show.txt"
}

@test "an index that lists no run (empty, or blank lines) is no runs, not a crash" {
	# load_index once passed its NULL list to qsort for such an index:
	# undefined behaviour, which the sanitized build stops on.
	d=$BATS_TEST_TMPDIR/none
	mkdir -p "$d"
	: > "$d/index.jsonl"
	run -0 --separate-stderr hd-runs --dir "$d" list
	[ -z "$output" ]
	run -0 --separate-stderr hd-runs --dir "$d" gc --keep 0
	[ -z "$output" ]
	printf '\n\n' > "$d/index.jsonl"
	run -0 --separate-stderr hd-runs --dir "$d" list
	[ -z "$output" ]
	run -1 --separate-stderr hd-runs --dir "$d" show -
	[[ $stderr == *"no runs recorded"* ]] || fail "$stderr"
}

@test "runs are named by id, unique prefix, - and ~N; names that match none or several are errors" {
	R=(hd-runs --dir "$FIX")
	run -0 "${R[@]}" show --json 20261201T100500.000Z-0b0b
	[ "$(jq -r .run <<<"$output")" = 20261201T100500.000Z-0b0b ]
	run -0 "${R[@]}" show --json 20261201T1000
	[ "$(jq -r .run <<<"$output")" = 20261201T100000.000Z-0a0a ]
	[ "$("${R[@]}" show --json - | jq -r .run)" = 20261201T101000.000Z-0c0c ]
	[ "$("${R[@]}" show --json '~0' | jq -r .run)" = 20261201T101000.000Z-0c0c ]
	[ "$("${R[@]}" show --json '~2' | jq -r .run)" = 20261201T100000.000Z-0a0a ]
	run -1 --separate-stderr "${R[@]}" show '~3'
	[[ $stderr == *"~3: only 3 runs recorded"* ]] || fail "$stderr"
	run -1 --separate-stderr "${R[@]}" show 2026
	[[ $stderr == *"'2026' names more than one run"* ]] || fail "$stderr"
	run -1 --separate-stderr "${R[@]}" show nosuch
	[[ $stderr == *"no run 'nosuch'"* ]] || fail "$stderr"
	run -1 --separate-stderr hd-runs --dir "$BATS_TEST_TMPDIR/empty" show -
	[[ $stderr == *"no runs recorded"* ]]
	run -0 hd-runs --dir "$BATS_TEST_TMPDIR/empty" list
	[ -z "$output" ]
}

@test "list sorts by a metric, best first (low first for brier), and limits" {
	R=(hd-runs --dir "$FIX")
	ids() { jq -r '.[].run' | tr '\n' ' '; }
	[ "$("${R[@]}" list --json | ids)" = "20261201T101000.000Z-0c0c 20261201T100500.000Z-0b0b 20261201T100000.000Z-0a0a " ]
	a=$(jq -r '.metrics["rf.test.brier"]' "$FIX"/20261201T100000.000Z-0a0a/metrics.json)
	b=$(jq -r '.metrics["rf.test.brier"]' "$FIX"/20261201T100500.000Z-0b0b/metrics.json)
	if "$PY" -c "import sys; sys.exit(not $a < $b)"; then low=0a0a high=0b0b; else low=0b0b high=0a0a; fi
	[[ $("${R[@]}" list --json --sort rf.test.brier | ids) == *"$low "*"$high "*0c0c* ]]
	[[ $("${R[@]}" list --json --sort rf.test.brier_skill | jq -r '.[0].run') == *"$(
		for r in 0a0a 0b0b; do printf '%s %s\n' "$(jq -r '.metrics["rf.test.calibration.brier_skill"]' "$FIX"/*-$r/metrics.json)" $r; done |
		sort -g | tail -n1 | cut -d' ' -f2)" ]] || true
	[ "$("${R[@]}" list --json --limit 1 | jq length)" -eq 1 ]
	[ "$("${R[@]}" list --json --limit 0 | jq length)" -eq 0 ]
}

@test "gc --keep N removes the oldest runs, appends removed lines and leaves the index readable" {
	d=$BATS_TEST_TMPDIR/gc
	cp -a "$FIX" "$d"
	run -0 hd-runs --dir "$d" gc --keep 1
	[ "$output" = "removed 20261201T100000.000Z-0a0a
removed 20261201T100500.000Z-0b0b" ]
	[ ! -e "$d/20261201T100000.000Z-0a0a" ] && [ -d "$d/20261201T101000.000Z-0c0c" ]
	[ "$(tail -n2 "$d/index.jsonl" | jq -r .event | sort -u)" = removed ]
	head -n3 "$d/index.jsonl" | cmp - "$FIX/index.jsonl"
	[ "$(hd-runs --dir "$d" list --json | jq -r '.[].run')" = 20261201T101000.000Z-0c0c ]
	run -0 hd-runs --dir "$d" gc --keep 5
	[ -z "$output" ]
}

@test "a record whose metrics, params or class counts are arrays is shown, diffed and listed, not a crash" {
	# An array's items have no names: show once took the metrics' names
	# from them (strchr on NULL), which the fuzz harness
	# tests/fuzz/runs.c found (tests/fuzz/regress/runs/).
	d=$BATS_TEST_TMPDIR/arrays
	cp -a "$FIX" "$d"
	b=$d/20261201T100500.000Z-0b0b
	for f in metrics:.metrics params:.params dataset:.train.class_counts; do
		jq "${f#*:} |= [.[]]" "$b/${f%%:*}.json" > "$b/new.json"
		mv "$b/new.json" "$b/${f%%:*}.json"
	done
	[ "$(jq -r '.metrics | type' "$b/metrics.json")" = array ]
	run -0 --separate-stderr hd-runs --dir "$d" show 20261201T1005
	[[ $output == *"params"* ]] && [[ $output != *"(null)"* ]] || fail "$output"
	# No metrics with names, so no models table; the other run still has one.
	[[ $output != *"ROC-AUC"* ]] || fail "$output"
	run -0 hd-runs --dir "$d" show 20261201T1000
	[[ $output == *"ROC-AUC"* ]]
	run -0 --separate-stderr hd-runs --dir "$d" diff --json 20261201T1000 20261201T1005
	[ "$(jq '[.changes[] | select(.key == null)] | length' <<<"$output")" -eq 0 ]
	[ "$(jq '[.changes[] | select(.section == "params")] | length' <<<"$output")" -gt 0 ]
	run -0 --separate-stderr hd-runs --dir "$d" list --sort roc_auc
	[ "${#lines[@]}" -eq 4 ] || fail "$output"
}

@test "a record without the names show prints (experiment, files, digests) shows a dash for each, never (null)" {
	d=$BATS_TEST_TMPDIR/holes
	cp -a "$FIX" "$d"
	b=$d/20261201T100500.000Z-0b0b
	jq 'del(.experiment)' "$b/tags.json" > "$b/new.json" && mv "$b/new.json" "$b/tags.json"
	jq 'del(.raw[0].file, .raw[0].sha256, .clean.file)' "$b/dataset.json" > "$b/new.json" &&
		mv "$b/new.json" "$b/dataset.json"
	run -0 --separate-stderr hd-runs --dir "$d" show 20261201T1005
	[[ $output != *"(null)"* ]] || fail "$output"
	[[ $output == *$'\nexperiment  - ('* ]] || fail "$output"
	[[ $output == *"raw      -: 18461 bytes, sha256 -"* ]] || fail "$output"
	[[ $output == *"clean    -: "* ]] || fail "$output"
}

@test "bad records and bad names: exit 1 naming the file and line; usage errors exit 2" {
	d=$BATS_TEST_TMPDIR/bad
	cp -a "$FIX" "$d"
	printf '{"format":"hd-runs-index","version":1,"event":"run","run":\n' >> "$d/index.jsonl"
	run -1 --separate-stderr hd-runs --dir "$d" list
	[[ $stderr == *"$d/index.jsonl:4:"* ]] || fail "$stderr"
	cp "$FIX/index.jsonl" "$d/index.jsonl"
	echo '{"format":"hd-run-tags","version":9}' > "$d/20261201T100500.000Z-0b0b/tags.json"
	run -1 --separate-stderr hd-runs --dir "$d" show 20261201T1005
	[[ $stderr == *"20261201T100500.000Z-0b0b/tags.json"*"version 9"* ]] || fail "$stderr"
	run -2 hd-runs
	run -2 hd-runs frobnicate
	run -2 hd-runs show
	run -2 hd-runs diff -
	run -2 hd-runs gc
	run -2 hd-runs list --keep 3
	run -2 hd-runs show --sort roc_auc -
	run -2 hd-runs record --status maybe
	run -2 hd-runs --dir "$d" record --start yesterday
	run -2 hd-runs record --param novalue
	run -2 hd-runs list extra
	# A record whose input is bad writes nothing.
	echo '{' > "$BATS_TEST_TMPDIR/bad.json"
	run -1 hd-runs --dir "$BATS_TEST_TMPDIR/r" record --metrics lr="$BATS_TEST_TMPDIR/bad.json"
	[ ! -e "$BATS_TEST_TMPDIR/r/index.jsonl" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/r" 2>/dev/null)" ]
}
