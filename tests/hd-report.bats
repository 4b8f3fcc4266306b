#!/usr/bin/env bats
# "check text PAGE > text": the first text is a mode of check, not the file.
# shellcheck disable=SC2094
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-report: one self-contained HTML page about a run, and the model card.
#
# The inputs are made once, from the UCI files, by the tools themselves
# (a smaller forest and fewer resamples than make uses, for speed); every
# number a test expects is read from those files with jq, never written
# here.  tests/report_check.py reads the page as a strict reader would.

load test_helper

# A small PNG (4 x 3 pixels, red), whole: signature, IHDR, IDAT, IEND.
make_png() {
	"$PY" - "$1" <<'EOF'
import struct, sys, zlib
def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(3))
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
EOF
}

setup_file() {
	export F=$BATS_FILE_TMPDIR/in
	mkdir -p "$F"
	cd "$F" || exit
	hd-clean -o heart.csv "${RAW[@]}"
	hd-eda -o summary.json heart.csv
	hd-split --train train.csv --test test.csv heart.csv
	hd-fit-lr --oof lr.oof.csv -o lr.model.json train.csv
	hd-fit-rf --trees 30 --oof rf.oof.csv -o rf.model.json train.csv
	for m in lr rf; do
		hd-eval --bootstrap 200 --oof $m.oof.csv -o $m.metrics.json \
			$m.model.json test.csv
		hd-loso --bootstrap 100 -o $m.loso.json $m.model.json heart.csv
	done
	hd-select -o model.json lr.metrics.json rf.metrics.json > /dev/null
	# Two SVGs that use the same element id, as gnuplot's all do.
	for n in 1 2; do
		printf '<?xml version="1.0" encoding="utf-8"?>\n<!-- plot %s -->\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">\n<g id="gnuplot_canvas"><rect width="%s0" height="60" fill="#369"/></g>\n</svg>\n' "$n" "$n" > fig$n.svg
	done
	make_png fig.png
	if command -v gnuplot > /dev/null; then
		gnuplot -e 'set terminal svg size 320,200; set output "gp.svg"; plot sin(x)'
	fi
}

setup() {
	cd "$F" || exit
	T=$BATS_TEST_TMPDIR
	O=$T/out
	mkdir -p "$O"
}

# hd-report on the run's inputs; EDA, SEL, LRM, RFM, LRL, RFL and DATA
# replace one of them, and "$@" adds options.
report() {
	hd-report --eda "${EDA:-summary.json}" --selected "${SEL:-model.json}" \
		--data "${DATA:-heart.csv}" \
		--metrics lr="${LRM:-lr.metrics.json}" \
		--metrics rf="${RFM:-rf.metrics.json}" \
		--loso lr="${LRL:-lr.loso.json}" --loso rf="${RFL:-rf.loso.json}" "$@"
}

check() {
	"$PY" "$REPO/tests/report_check.py" "$@"
}

# A number with 3 decimals, as C's printf rounds the double.
dec3() {
	"$PY" -c 'import sys; print("%.3f" % float(sys.argv[1]))' "$1"
}

# 100 * a / b with 1 decimal.
share() {
	"$PY" -c 'import sys; print("%.1f" % (100 * float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"
}

# hd-report must refuse: exit 1, nothing on stdout, stderr exactly $1,
# and no file (not even a temporary) left in the output folder.
refused() {
	local want=$1
	shift
	run --separate-stderr report -o "$O/r.html" --card "$O/card.md" "$@"
	[ "$status" -eq 1 ] || fail "exit $status; stderr: $stderr"
	[ -z "$output" ] || fail "stdout: $output"
	[ "$stderr" = "$want" ] || fail "stderr: $stderr"
	[ -z "$(ls -A "$O")" ] || fail "left behind: $(ls -A "$O")"
}

# report_check.py must find, in page $1 edited by sed expression $2,
# the problem $3.
caught() {
	sed "$2" "$1" > edited.html
	run -1 check check edited.html
	[[ "$output" == *"$3"* ]] || fail "$2: $output"
}

# A usage error: exit 2, the first line of stderr $1, no output file.
misused() {
	local want=$1
	shift
	run --separate-stderr hd-report "$@"
	[ "$status" -eq 2 ] || fail "exit $status; stderr: $stderr"
	[ -z "$output" ] || fail "stdout: $output"
	[ "${stderr_lines[0]}" = "$want" ] || fail "stderr: $stderr"
	[[ "$stderr" == *"Try 'hd-report --help' for more information."* ]]
	[ -z "$(ls -A "$O")" ] || fail "left behind: $(ls -A "$O")"
}

@test "the checker finds an open tag, a fetch from elsewhere, inline svg and a broken image" {
	report -o "$O/r.html" --plot fig1.svg
	check check "$O/r.html"
	caught "$O/r.html" '0,/<\/p>/s///' "> but the open element is <p>"
	caught "$O/r.html" 's|data:image/svg+xml;base64,|https://example.org/x.svg?|' "is not a data: URI"
	caught "$O/r.html" 's|data:image/svg+xml;base64,|https://example.org/x.svg?|' "'https:' in the page"
	caught "$O/r.html" 's|<main>|<main><svg></svg>|' "<svg> in the page"
	caught "$O/r.html" 's|;base64,PD94|;base64,AAAA|' "not well-formed XML"
	caught "$O/r.html" 's|<main>|<main><img src="data:image/png;base64,AAAA" alt="x">|' "not a whole PNG"
	caught "$O/r.html" 's|<h2 id="run">|<h2 id="data">|' "id 'data' twice"
}

@test "the page is well-formed, fetches nothing, and embeds every image it is given, in order" {
	plots=(fig1.svg fig.png fig2.svg)
	[ -e gp.svg ] && plots+=(gp.svg)
	args=()
	for p in "${plots[@]}"; do args+=(--plot "$p"); done
	run -0 --separate-stderr report -o "$O/r.html" "${args[@]}"
	[ -z "$output" ] && [ -z "$stderr" ]
	run -0 check check "$O/r.html"
	[ -z "$output" ]
	check images "$O/r.html" > got
	for p in "${plots[@]}"; do
		case $p in *.png) mime=image/png ;; *) mime=image/svg+xml ;; esac
		echo "$mime $(wc -c < "$p") $(sha256sum "$p" | cut -d' ' -f1)"
	done > want
	diff -u want got
	# Phone and print: a viewport, fluid images, tables that scroll.
	grep -qF '<meta name="viewport" content="width=device-width, initial-scale=1">' "$O/r.html"
	grep -qF 'img{max-width:100%;height:auto}' "$O/r.html"
	grep -qF '.scroll{overflow-x:auto' "$O/r.html"
	grep -qF '@media print{' "$O/r.html"
	[ "$(grep -c '<table' "$O/r.html")" -eq "$(grep -c '<div class="scroll"><table' "$O/r.html")" ]
}

@test "each figure has its caption, or its file name when none is given" {
	report -o "$O/r.html" --plot 'fig1.svg=Age of the patients' --plot fig2.svg
	check text "$O/r.html" > text
	grep -qx 'Figure 1. Age of the patients' text
	grep -qx 'Figure 2. fig2.svg' text
	grep -qF 'alt="Age of the patients"' "$O/r.html"
}

@test "the metrics table holds each model's test figures exactly as its metrics file has them" {
	report -o "$O/r.html"
	check metrics "$O/r.html" > cells
	[ "$(cut -d' ' -f1 cells | uniq | tr '\n' ' ')" = "lr rf " ]
	grep -qF '<table id="metrics">' "$O/r.html"
	for m in lr rf; do
		grep -qF "<tr data-model=\"$m\"" "$O/r.html"
		for k in roc_auc accuracy precision recall f1 brier log_loss \
			calibration.ece calibration.brier_skill calibration.slope; do
			want=$(jq -r ".test.$k" $m.metrics.json)
			read -r raw shown < <(awk -v m=$m -v k="${k#calibration.}" '$1 == m && $2 == k { print $3, $4 }' cells)
			[ "$raw" = "$want" ] || fail "$m $k: data-value $raw, the file has $want"
			[ "$shown" = "$(dec3 "$want")" ] || fail "$m $k: shown $shown for $want"
		done
		for k in mean std; do
			want=$(jq -r ".model.cv.$k" $m.metrics.json)
			[ "$(awk -v m=$m -v k=cv_roc_auc_$k '$1 == m && $2 == k { print $3 }' cells)" = "$want" ]
		done
	done
	# The contract's own example, read back by a different route.
	lr_auc=$(jq -r .test.roc_auc lr.metrics.json)
	grep -qF "<td data-metric=\"roc_auc\" data-value=\"$lr_auc\">$(dec3 "$lr_auc")</td>" "$O/r.html"
}

@test "the selected model, hd-select's reason, and whether the intervals overlap" {
	report -o "$O/r.html"
	check text "$O/r.html" > text
	w=$(jq -r '.selection.candidates[] | select(.selected) | .metrics_file | sub("\\.metrics\\.json$"; "")' model.json)
	grep -qF "$(jq -r .selection.reason model.json)" text
	grep -qF "<tr data-model=\"$w\" class=\"selected\">" "$O/r.html"
	ov=$(jq -s '.[0].test.intervals.roc_auc as $a | .[1].test.intervals.roc_auc as $b | $a.lo <= $b.hi and $b.lo <= $a.hi' lr.metrics.json rf.metrics.json)
	if [ "$ov" = true ]; then
		grep -q '^The 95% intervals of test roc_auc overlap (' text
	else
		grep -q '^The 95% intervals of test roc_auc do not overlap (' text
	fi
	lo=$(jq -r .test.intervals.roc_auc.lo "$w.metrics.json")
	hi=$(jq -r .test.intervals.roc_auc.hi "$w.metrics.json")
	grep -qF "$w [$(dec3 "$lo"), $(dec3 "$hi")]" text
}

@test "subgroups by site and sex and the held-out sites, with their intervals" {
	report -o "$O/r.html"
	check text "$O/r.html" > text
	for m in lr rf; do
		for s in $(jq -r '.subgroups.site | keys[]' $m.metrics.json); do
			v=$(jq -r ".subgroups.site.$s.roc_auc" $m.metrics.json)
			lo=$(jq -r ".subgroups.site.$s.intervals.roc_auc.lo" $m.metrics.json)
			hi=$(jq -r ".subgroups.site.$s.intervals.roc_auc.hi" $m.metrics.json)
			grep -qF "$(dec3 "$v") [$(dec3 "$lo"), $(dec3 "$hi")]" text ||
				fail "$m $s: no ROC-AUC $v [$lo, $hi]"
			v=$(jq -r ".sites.$s.test.roc_auc" $m.loso.json)
			grep -qF "$(dec3 "$v") [" text || fail "$m: held-out $s: no $v"
		done
	done
	grep -qx 'female (sex 0)' text
	grep -qx 'male (sex 1)' text
}

@test "the run's parameters, digests and hyperparameters are shown, and no time, host or user" {
	report -o "$O/r.html" --plot fig.png --param seed=42 --param 'clean_opts=--zeros-missing -d'
	check text "$O/r.html" > text
	grep -A1 -x seed text | tail -n 1 | grep -qx 42
	grep -A1 -x clean_opts text | tail -n 1 | grep -qx -- '--zeros-missing -d'
	for f in summary.json heart.csv lr.metrics.json rf.metrics.json \
		lr.model.json rf.model.json lr.loso.json rf.loso.json model.json fig.png; do
		grep -qx "$(sha256sum "$f" | cut -d' ' -f1)" text || fail "no SHA-256 of $f"
	done
	for k in $(jq -r '.hyperparameters | keys[]' rf.model.json); do
		grep -qx "$k" text || fail "no hyperparameter $k"
	done
	grep -qF "hd-report $(hd-report --version | awk '{ print $3 }') (hd)." text
	grep -qF 'hd-runs show' text
	# The model files record when they were made (today); the page must not.
	day=$(jq -r .training.created lr.model.json | cut -c1-10)
	run ! grep -qF "$day" "$O/r.html"
	run ! grep -qF "$PWD" "$O/r.html"
	run ! grep -qF "$HOME/" "$O/r.html"
	host=$(hostname)
	[ "${#host}" -lt 6 ] || run ! grep -qF "$host" "$O/r.html"
}

@test "the same inputs give the same bytes, page and card" {
	report -o "$O/a.html" --card "$O/a.md" --plot fig1.svg --plot fig.png --param seed=42
	report -o "$O/b.html" --card "$O/b.md" --plot fig1.svg --plot fig.png --param seed=42
	cmp "$O/a.html" "$O/b.html"
	cmp "$O/a.md" "$O/b.md"
	# and a different input gives a different page
	report -o "$O/c.html" --plot fig2.svg --param seed=42
	run ! cmp -s "$O/a.html" "$O/c.html"
}

@test "the card has every section of Mitchell et al., in the page and in Markdown alike" {
	report -o "$O/r.html" --card "$O/card.md"
	sections=("Model details" "Intended use" "Factors" "Metrics" "Evaluation data"
		"Training data" "Quantitative analyses" "Ethical considerations"
		"Caveats and recommendations")
	grep '^## ' "$O/card.md" | sed 's/^## //' > got
	printf '%s\n' "${sections[@]}" > want
	diff -u want got
	kind=$(jq -r .model model.json | tr _ ' ')
	[ "$(head -n 1 "$O/card.md")" = "# Model card: $kind heart-disease risk model" ]
	check text "$O/r.html" > text
	sed -n '/^Model card: /,$p' text > card-text
	for s in "${sections[@]}"; do grep -qx "$s" card-text || fail "the page's card lacks $s"; done
	grep -qF 'research and teaching' "$O/card.md"
	grep -qiF 'not a medical device' "$O/card.md"
	grep -qF 'Out of scope: any clinical decision' "$O/card.md"
	grep -qF "$(jq -r '.selection.candidates[] | select(.selected) | .sha256' model.json)" "$O/card.md"
	run ! grep -qF "$(jq -r .training.created lr.model.json | cut -c1-10)" "$O/card.md"
	for s in $(jq -r '.sites | keys[]' summary.json); do
		grep -qF "| $s | " "$O/card.md" || fail "no row for $s"
	done
}

@test "the caveats are computed from the summary: zeros and missing values by site" {
	report -o "$O/r.html" --card "$O/card.md"
	n=0
	while IFS=$'\t' read -r site col k rows; do
		grep -qF -- "- $col is 0 in $k of the $rows rows from $site ($(share "$k" "$rows")%" "$O/card.md" ||
			fail "no caveat: $col = 0 in $k of $rows at $site"
		n=$((n + 1))
	done < <(jq -r '.sites | to_entries[] | .key as $s | .value.rows as $r | .value.zeros | to_entries[] | select(.value > 0) | [$s, .key, .value, $r] | @tsv' summary.json)
	[ "$n" -ge 2 ] || fail "the UCI data has zeros at two sites; found $n"
	for col in $(jq -r '[.sites[] | .rows as $r | .missing | to_entries[] | select(2 * .value > $r) | .key] | unique[]' summary.json); do
		line=$(grep -F -- "- $col is missing in most rows of some site (" "$O/card.md") ||
			fail "no caveat for $col"
		for s in $(jq -r '.sites | keys[]' summary.json); do
			m=$(jq -r ".sites.$s.missing.$col" summary.json)
			r=$(jq -r ".sites.$s.rows" summary.json)
			[[ "$line" == *"$s $(share "$m" "$r")%"* ]] || fail "$col at $s: $line"
		done
	done
	# The page lists them too, as data-quality warnings.
	check text "$O/r.html" > text
	grep -qF "chol is 0 in $(jq -r .sites.switzerland.zeros.chol summary.json) of the" text
}

@test "a caveat follows the summary: changed counts change the card" {
	jq '.sites.hungarian.zeros.chol = 7 | .sites.va.zeros.chol = 0' summary.json > "$T/s.json"
	EDA=$T/s.json report -o "$O/r.html" --card "$O/card.md"
	rows=$(jq -r .sites.hungarian.rows summary.json)
	grep -qF -- "- chol is 0 in 7 of the $rows rows from hungarian ($(share 7 "$rows")%)" "$O/card.md"
	run ! grep -qF -- "- chol is 0 in $(jq -r .sites.va.zeros.chol summary.json) of the $(jq -r .sites.va.rows summary.json) rows from va" "$O/card.md"
}

@test "small subgroups and the worst held-out site are named in the caveats" {
	report -o "$O/r.html" --card "$O/card.md"
	w=$(jq -r '.selection.candidates[] | select(.selected) | .metrics_file' model.json)
	n=0
	for s in $(jq -r '.subgroups.site | to_entries[] | select(.value.n < 30 or .value.class_counts["0"] < 10 or .value.class_counts["1"] < 10) | .key' "$w"); do
		grep -qF -- "- The test split has few rows of site $s (" "$O/card.md" || fail "$s is small"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
	l=${w%.metrics.json}.loso.json
	worst=$(jq -r '.sites | to_entries | min_by(.value.test.roc_auc) | .key' "$l")
	grep -qF -- "- Held out entirely, $worst gives the lowest ROC-AUC, $(dec3 "$(jq -r ".sites.$worst.test.roc_auc" "$l")")" "$O/card.md"
}

@test "text from the inputs is escaped, in the page and in the card" {
	jq '.sites["<i>x</i>"] = .sites.va | del(.sites.va)' summary.json > "$T/s.json"
	EDA=$T/s.json report -o "$O/r.html" --card "$O/card.md" \
		--param 'note=<script>alert("x")</script> & co' \
		--plot 'fig1.svg=<b>bold</b> caption'
	grep -qF '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co' "$O/r.html"
	grep -qF '&lt;b&gt;bold&lt;/b&gt; caption' "$O/r.html"
	grep -qF '&lt;i&gt;x&lt;/i&gt;' "$O/r.html"
	run ! grep -q '<script' "$O/r.html"
	run ! grep -qF '<b>' "$O/r.html"
	run ! grep -qF '<i>' "$O/r.html"
	run -0 check check "$O/r.html"
	grep -qF '\<i\>x\</i\>' "$O/card.md"
	run ! grep -qF '<i>' "$O/card.md"
}

@test "without figures, leave-one-site-out or parameters the page says so" {
	run -0 --separate-stderr hd-report -o "$O/r.html" --eda summary.json \
		--selected model.json --metrics lr=lr.metrics.json --metrics rf=rf.metrics.json
	check check "$O/r.html"
	check text "$O/r.html" > text
	grep -qx 'No figures were given (hd-report --plot).' text
	grep -qx 'Not given (hd-report --loso).' text
	grep -qx 'None were given (hd-report --param).' text
	grep -qx 'clean data, as hd-loso recorded it (lr)' text && fail "no loso was given"
	[ ! -e "$O/card.md" ]
}

@test "the page goes to standard output without -o, and the card may too" {
	report > "$O/p.html"
	check check "$O/p.html"
	report -o "$O/r.html" --card - > "$O/c.md"
	cmp "$O/p.html" "$O/r.html"
	head -n 1 "$O/c.md" | grep -q '^# Model card: '
}

@test "a member missing from a metrics file is exit 1, naming the file and the member" {
	jq 'del(.test.roc_auc)' lr.metrics.json > "$T/m.json"
	LRM=$T/m.json refused "hd-report: $T/m.json: no number \"test.roc_auc\""
	jq 'del(.model.cv.mean)' rf.metrics.json > "$T/m.json"
	RFM=$T/m.json refused "hd-report: $T/m.json: no number \"model.cv.mean\""
	jq '.test.intervals.roc_auc.lo = "low"' lr.metrics.json > "$T/m.json"
	LRM=$T/m.json refused "hd-report: $T/m.json: no number \"test.intervals.roc_auc.lo\""
}

@test "a summary from an older hd-eda, without zeros by site, is exit 1" {
	jq 'del(.sites[].zeros)' summary.json > "$T/s.json"
	site=$(jq -r '.sites | keys[0]' summary.json)
	EDA=$T/s.json refused "hd-report: $T/s.json: no object \"sites.$site.zeros\""
}

@test "a file that is not JSON, not the right format, or not there is exit 1" {
	printf '{"format": ' > "$T/b.json"
	EDA=$T/b.json refused "hd-report: $T/b.json:1:12: not valid JSON"
	EDA=lr.metrics.json refused 'hd-report: lr.metrics.json: not an hd-eda-summary file (its "format" is "hd-metrics")'
	EDA=$T/none.json refused "hd-report: $T/none.json: No such file or directory"
	SEL=lr.metrics.json refused 'hd-report: lr.metrics.json: not an hd-model file (its "format" is "hd-metrics")'
}

@test "a model file changed since its evaluation is exit 1" {
	cp -a "$F" "$T/f" && cd "$T/f"
	jq '.training.rows = 1' lr.model.json > x && mv x lr.model.json
	now=$(sha256sum lr.model.json | cut -d' ' -f1)
	was=$(jq -r .model.sha256 lr.metrics.json)
	refused "hd-report: lr.metrics.json: model file lr.model.json has changed since it was evaluated (its sha256 is $now, the metrics were made with $was); evaluate it again"
}

@test "metrics made from scores alone name no model and are exit 1" {
	hd-predict lr.model.json test.csv | hd-eval --scores --bootstrap 0 -o "$T/s.json"
	LRM=$T/s.json refused "hd-report: $T/s.json: made from scores alone (hd-eval --scores), so it names no model to report on"
}

@test "leave-one-site-out of another model, or of other data, is exit 1" {
	LRL=rf.loso.json refused "hd-report: rf.loso.json: made from a random_forest with other hyperparameters than lr.model.json, which lr.metrics.json evaluated: they are not one model"
	jq '.model.hyperparameters.C = 2' lr.loso.json > "$T/l.json"
	LRL=$T/l.json refused "hd-report: $T/l.json: made from a logistic_regression with other hyperparameters than lr.model.json, which lr.metrics.json evaluated: they are not one model"
	d=$(sha256sum heart.csv | cut -d' ' -f1)
	t=$(sha256sum test.csv | cut -d' ' -f1)
	DATA=test.csv refused "hd-report: lr.loso.json: made from data with sha256 $d, but --data test.csv has sha256 $t"$'\n'"hd-report: rf.loso.json: made from data with sha256 $d, but --data test.csv has sha256 $t"
}

@test "leave-one-site-out of the same recipe refitted since is shown, with the file it was made from" {
	jq '.model.file = "old.model.json" | .model.sha256 = "0123"' lr.loso.json > "$T/l.json"
	LRL=$T/l.json report -o "$O/r.html"
	check text "$O/r.html" > text
	grep -A2 -x 'its model, refitted since with the same hyperparameters (lr)' text | tail -n 2 > got
	printf '%s\n' old.model.json 0123 > want
	diff -u want got
}

@test "a selected model that is none of the evaluated ones is exit 1" {
	cp -a "$F" "$T/f" && cd "$T/f"
	hd-fit-lr --cv 2 --C 0.5 -o lr2.model.json train.csv
	hd-eval --bootstrap 0 -o lr2.metrics.json lr2.model.json test.csv
	hd-select -o sel.json lr2.metrics.json > /dev/null
	SEL=sel.json refused "hd-report: sel.json: the model it selected, lr2.model.json (sha256 $(sha256sum lr2.model.json | cut -d' ' -f1)), is none of those given with --metrics"
}

@test "an image cut short, or not an image, is exit 1" {
	head -c 150 fig1.svg > "$T/cut.svg"
	refused "hd-report: $T/cut.svg: an SVG image that does not end with </svg>: cut short?" --plot "$T/cut.svg"
	head -c 40 fig.png > "$T/cut.png"
	refused "hd-report: $T/cut.png: a PNG image without its last chunk (IEND): cut short?" --plot "$T/cut.png"
	refused "hd-report: summary.json: neither an SVG image (an XML document whose root is <svg>) nor a PNG image" --plot summary.json
	refused "hd-report: $T/no.svg: No such file or directory" --plot "$T/no.svg"
}

@test "usage errors are exit 2 and write nothing" {
	std=(--eda summary.json --selected model.json --metrics lr=lr.metrics.json)
	misused "hd-report: no --eda SUMMARY.json"
	misused "hd-report: no --selected MODEL.json" --eda summary.json -o "$O/r.html"
	misused "hd-report: no --metrics NAME=METRICS.json" --eda summary.json --selected model.json -o "$O/r.html"
	misused "hd-report: --metrics: 'lr.metrics.json' is not NAME=FILE with a NAME of 1 to 32 letters, digits, _ or -" --metrics lr.metrics.json
	misused "hd-report: --metrics: 'a b=lr.metrics.json' is not NAME=FILE with a NAME of 1 to 32 letters, digits, _ or -" --metrics 'a b=lr.metrics.json'
	misused "hd-report: --metrics: lr is named twice" "${std[@]}" --metrics lr=rf.metrics.json
	misused "hd-report: --loso: 'rf=rf.loso.json' names no model given with --metrics" "${std[@]}" --loso rf=rf.loso.json -o "$O/r.html"
	misused "hd-report: --loso: lr is given twice" "${std[@]}" --loso lr=lr.loso.json --loso lr=lr.loso.json
	misused "hd-report: --param: 'seed' is not KEY=VALUE with a KEY of 1 to 64 letters, digits, _, . or -" "${std[@]}" --param seed
	misused "hd-report: --param: seed is given twice" "${std[@]}" --param seed=1 --param seed=2
	misused "hd-report: --param: not UTF-8 text" "${std[@]}" --param $'x=\xff'
	misused "hd-report: --eda: give a file name (hd-report reads no standard input)" --eda -
	misused "hd-report: no operands are read: 'extra'" "${std[@]}" extra
	misused "hd-report: -o and --card name the same file, $O/x" "${std[@]}" -o "$O/x" --card "$O/x"
	misused "hd-report: --card to standard output needs -o FILE for the page" "${std[@]}" --card -
	misused "hd-report: summary.json is an input; it cannot be an output too" "${std[@]}" -o summary.json
	misused "hd-report: unrecognized option '--nope'" --nope
}
