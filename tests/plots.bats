#!/usr/bin/env bats
# The plots of make pipeline: hd-eda and hd-eval --plot-data write the
# numbers, pipelines/*.gp draw them with gnuplot, pipelines/plots.mk
# ties them in.  tests/plots_check.py reads the images and the tables.

load test_helper

check() {
	"$PY" "$REPO/tests/plots_check.py" "$@"
}

# The plots the Makefile draws, one per line, as it lists them.
plots() {
	# shellcheck disable=SC2016 # $(...) here is make's
	mk -s --eval 'hd-list-plots: ; @printf "%s\n" $(PLOTS_SVG) $(PLOTS_PNG)' hd-list-plots
}

# Every file under art/plots with its modification time.
plot_stamps() {
	(cd "$W/art/plots" && find . -type f -printf '%p %T@\n' | sort)
}

# Work on a copy of the first pipeline's folder, as $W.
copy_w() {
	cp -a "$W" "$BATS_TEST_TMPDIR/w" && W=$BATS_TEST_TMPDIR/w
}

setup_file() {
	command -v gnuplot > /dev/null || skip "no gnuplot (ci/packages: run gnuplot-nox)"
	export W=$BATS_FILE_TMPDIR/w
	mkdir -p "$W"
	mk pipeline > "$BATS_FILE_TMPDIR/first.log" 2>&1
}

setup() {
	command -v gnuplot > /dev/null || skip "no gnuplot (ci/packages: run gnuplot-nox)"
	cd "$BATS_TEST_TMPDIR" || exit
}

@test "the Makefile lists the plots by these names, the data's first, in art/plots" {
	plots > got
	{
		for n in hist-age hist-trestbps hist-chol hist-thalach hist-oldpeak corr \
			class-bar class-pie site lr-confusion rf-confusion lr-roc rf-roc roc \
			lr-calibration rf-calibration lr-decision rf-decision; do
			echo "$W/art/plots/$n.svg"
		done
		for n in roc lr-confusion rf-confusion; do
			echo "$W/art/plots/$n.png"
		done
	} > want
	diff -u want got
}

@test "after a pipeline every plot is a valid 640 x 480 SVG or PNG" {
	run -0 plots
	mapfile -t files <<<"$output"
	run -0 check image "${files[@]}"
	[ "${#lines[@]}" -eq 21 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *" 640 480" ]] || fail "$l"
	done
	# and nothing else but the tables
	[ -z "$(cd "$W/art/plots" && find . -type f ! -name '*.svg' ! -name '*.png' ! -path './data/*')" ]
	[ -z "$(find "$W" -name '*.tmp.*')" ]
}

@test "the SVGs reach nothing outside themselves: no link, no script, no embedded image" {
	run -0 check refs "$W"/art/plots/*.svg
	[ -z "$output" ]
	# the check itself finds what it must
	sed 's|<g id=|<image href="http://example.org/x.png"/><g id=|' "$W/art/plots/roc.svg" > bad.svg
	run -1 check refs bad.svg
	[[ "$output" == *"http:"* ]]
	[[ "$output" == *"has <image>"* ]]
}

@test "the tables hold exactly the numbers of the summary and the metrics files" {
	rows=$(($(wc -l < "$W/data/split/test.csv") - 1))
	[ "$rows" -gt 0 ]
	run -0 check data "$W/art" "$rows"
	[ -z "$output" ]
	# and a table one digit off is caught
	copy_w
	awk 'NR == 3 { $2 = $2 + 1 } 1' "$W/art/plots/data/eda/site.dat" > s && mv s "$W/art/plots/data/eda/site.dat"
	run -1 check data "$W/art" "$rows"
	[[ "$output" == *"site.dat:3 sites rows"* ]]
}

@test "the ROC legends give each model's test ROC-AUC, the confusion cells its counts" {
	for m in lr rf; do
		auc=$(jq .test.roc_auc "$W/art/metrics/$m.metrics.json")
		legend=$(printf '%s (AUC %.3f)' "${m^^}" "$auc")
		check text "$W/art/plots/$m-roc.svg" | grep -qxF "$legend" || fail "$m-roc.svg lacks $legend"
		check text "$W/art/plots/roc.svg" | grep -qxF "$legend" || fail "roc.svg lacks $legend"
		# a cell's name, then its count
		check text "$W/art/plots/$m-confusion.svg" | paste -sd '|' > t
		for cell in tn fp fn tp; do
			n=$(jq ".test.confusion.$cell" "$W/art/metrics/$m.metrics.json")
			grep -qF "|${cell^^}|$n|" t || fail "$m-confusion.svg: no ${cell^^} $n in: $(cat t)"
		done
	done
}

@test "the heatmap names every column and shows every correlation, rounded" {
	check text "$W/art/plots/corr.svg" > t
	for c in $(jq -r '.correlation.columns[]' "$W/art/eda/summary.json"); do
		[ "$(grep -cxF "$c" t)" -eq 2 ] || fail "$c is not named once on each axis"
	done
	# each value printed in its cell (the diagonal is 1.00)
	[ "$(grep -cx -- '-\?[01]\.[0-9][0-9]' t)" -eq 196 ]
	[ "$(grep -cx '1\.00' t)" -ge 14 ]
}

@test "drawing again from the same numbers gives the same bytes, and so do the tables" {
	copy_w
	rm -f "$W"/art/plots/*.svg "$W"/art/plots/*.png
	sleep 1
	run -0 mk pipeline
	for f in "$BATS_FILE_TMPDIR"/w/art/plots/*.svg "$BATS_FILE_TMPDIR"/w/art/plots/*.png; do
		cmp "$f" "$W/art/plots/${f##*/}"
	done
	# deleted tables are made again by the tools, the same bytes
	rm -r "$W/art/plots/data"
	run -0 mk pipeline
	diff -r "$BATS_FILE_TMPDIR/w/art/plots/data" "$W/art/plots/data"
}

@test "a second make pipeline redraws nothing" {
	plot_stamps > before
	run -0 mk pipeline
	[[ "$output" != *gnuplot* ]] || fail "$output"
	[[ "$output" != *hd-* ]] || fail "$output"
	plot_stamps > after
	diff -u before after
}

@test "a new THRESHOLD redraws the models' plots, not the data's" {
	copy_w
	plot_stamps > before
	sleep 1
	run -0 mk pipeline THRESHOLD=0.3
	plot_stamps > after
	changed=$(join before after | awk '$2 != $3 { print $1 }' | sort | tr '\n' ' ')
	want=$(cd "$W/art/plots" && { ls ./lr-* ./rf-* ./roc.*; find ./data/lr ./data/rf -type f; } | sort | tr '\n' ' ')
	[ "$changed" = "$want" ] || fail "changed: $changed"
	[ "$(tail -n 1 "$W/art/plots/data/lr/summary.dat" | cut -d' ' -f2)" = 0.3 ]
	run -0 check data "$W/art" "$(($(wc -l < "$W/data/split/test.csv") - 1))"
}

@test "one plot is redrawn by naming it, and a script run by hand draws the same file" {
	copy_w
	rm "$W/art/plots/lr-roc.svg"
	run -0 mk "$W/art/plots/lr-roc.svg"
	[ "${#lines[@]}" -eq 1 ] || fail "$output"
	[[ "$output" == "gnuplot -c pipelines/roc.gp $W/art/plots/lr-roc.svg "* ]]
	cmp "$BATS_FILE_TMPDIR/w/art/plots/lr-roc.svg" "$W/art/plots/lr-roc.svg"
	# from another folder, as its man-page-like header says
	mkdir elsewhere && cd elsewhere
	gnuplot -c "$REPO/pipelines/roc.gp" lr-roc.svg "$W/art/plots/data/lr" lr
	cmp "$W/art/plots/lr-roc.svg" lr-roc.svg
	gnuplot -c "$REPO/pipelines/confusion.gp" rf-confusion.png "$W/art/plots/data/rf" rf
	cmp "$W/art/plots/rf-confusion.png" rf-confusion.png
}

@test "a failing gnuplot keeps the last good plot, leaves no temporary, and make stops" {
	copy_w
	cp "$W/art/plots/corr.svg" good.svg
	# shellcheck disable=SC2016 # the fake gnuplot's own script
	printf '#!/bin/sh\nprintf "<svg" > "$3"\necho "gnuplot: broken" >&2\nexit 1\n' > fake-gnuplot
	chmod +x fake-gnuplot
	touch "$W/art/plots/data/eda/corr.dat"
	run ! mk "$W/art/plots/corr.svg" GNUPLOT="$PWD/fake-gnuplot"
	[[ "$output" == *"gnuplot: broken"* ]]
	cmp good.svg "$W/art/plots/corr.svg"
	[ -z "$(find "$W" -name '*.tmp.*')" ]
	run -0 mk "$W/art/plots/corr.svg"
	cmp good.svg "$W/art/plots/corr.svg"
}
