#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# The report page in a real browser: lighttpd started by pipelines/hd-serve
# on a free 127.0.0.1 port (its own run folder, stopped by its pid in
# teardown) sends the report as GET /report, and Debian's Chromium, driven
# by tests/browser/check-page.mjs (playwright-core, installed by
# `make deps-browser`, which `make test` runs), opens it under the
# server's Content-Security-Policy.  A missing node, Chromium or
# playwright-core fails these tests: ci/deps installs the first two.
#
# The artifacts come from make, with every output under the test's temp
# folder as in pipeline.bats.  The screenshot and what the browser saw
# are kept in $HD_BROWSER_ARTIFACTS [artifacts/browser] as report.png
# and report.json, for a person to look at.

load test_helper
bats_require_minimum_version 1.5.0

CHECK=$REPO/tests/browser/check-page.mjs

setup_file() {
	export W=$BATS_FILE_TMPDIR/w
	export ART=$W/art
	export KEEP=${HD_BROWSER_ARTIFACTS:-$REPO/artifacts/browser}
	mkdir -p "$W"
	# What a browser check needs; missing, every test fails (never skips).
	command -v node >/dev/null || fail "no node on the PATH: ci/deps test installs nodejs"
	[ -x "${HD_CHROMIUM:-/usr/bin/chromium}" ] ||
		fail "no ${HD_CHROMIUM:-/usr/bin/chromium}: ci/deps test installs chromium"
	[ -f "$REPO/tests/browser/node_modules/playwright-core/package.json" ] ||
		fail "playwright-core is not installed: make deps-browser"

	# The model served, the metrics files and the report the pipeline
	# makes of them (hd-report, with every plot).
	mk "$ART/model.json" "$ART/report.html" > "$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ tail -n 20 "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }

	# A unix socket path has room for 107 bytes: keep the run folder short.
	RUN=$(mktemp -d /tmp/hd-browser-test.XXXXXX)
	PORT=$(free_port)
	export RUN PORT
	export SHM=hdtest-browser-$$-$PORT
	# fd 3 is bats's: the background lighttpd must not hold it.
	HD_RUN_DIR=$RUN HD_PORT=$PORT HD_MODEL=$ART/model.json \
		HD_REPORT=$ART/report.html HD_WORKERS=1 HD_METRICS_SHM=$SHM \
		"$REPO/pipelines/hd-serve" start > "$BATS_FILE_TMPDIR/serve.log" 2>&1 3>&- ||
		{ cat "$BATS_FILE_TMPDIR/serve.log" >&2; return 1; }

	# One browser check for the whole file: it takes seconds.
	local t0=$SECONDS
	node "$CHECK" "http://127.0.0.1:$PORT/report" "$ART/report.png" \
		> "$BATS_FILE_TMPDIR/check.json" 2> "$BATS_FILE_TMPDIR/check.err" ||
		{ cat "$BATS_FILE_TMPDIR/check.err" >&2; fail "check-page.mjs failed"; return 1; }
	echo "# browser check: $((SECONDS - t0)) s" >&3
	# Whole files only: another pass of the suite may keep its own at the
	# same time (the last one renamed stays).
	mkdir -p "$KEEP"
	cp "$ART/report.png" "$KEEP/.report.png.$$" && mv "$KEEP/.report.png.$$" "$KEEP/report.png"
	cp "$BATS_FILE_TMPDIR/check.json" "$KEEP/.report.json.$$" && mv "$KEEP/.report.json.$$" "$KEEP/report.json"
}

teardown_file() {
	# The lighttpd hd-serve started, by the pid in its pid file.
	stop_pid "$RUN/lighttpd.pid"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	J=$BATS_FILE_TMPDIR/check.json
}

# What the browser saw satisfies a jq expression.
saw() {
	jq -e "$1" "$J" >/dev/null && return 0
	fail "the browser's report fails $1: $(jq -c . "$J")"
}

@test "the browser gets the report from lighttpd: status 200 and a title" {
	saw '.status == 200'
	saw '.title | length > 0'
}

@test "the report runs into no console error and no page error" {
	saw '.console_errors == []'
	saw '.page_errors == []'
}

@test "the report makes no network request: none seen, none aborted" {
	saw '.requests == []'
	saw '.aborted == 0'
}

@test "every image of the report is a loaded data: URI with a size" {
	saw '.images | length > 0'
	saw 'all(.images[]; .complete and .naturalWidth > 0 and .naturalHeight > 0)'
	saw 'all(.images[]; .src | startswith("data:"))'
}

@test "the ROC-AUC the report shows is the metrics files' value, for lr and rf" {
	local m shown
	saw '[.metrics[] | select(.metric == "roc_auc")] | length == 2'
	for m in lr rf; do
		shown=$(jq -r --arg m "$m" '.metrics[] | select(.model == $m and .metric == "roc_auc") | .value' "$J")
		[ -n "$shown" ] || fail "no roc_auc cell for $m"
		same_double "$shown" "$(jq .test.roc_auc "$ART/metrics/$m.metrics.json")"
		# What a person reads is that value to three decimals.
		[ "$(jq -r --arg m "$m" '.metrics[] | select(.model == $m and .metric == "roc_auc") | .text' "$J")" = \
			"$(printf '%.3f' "$(jq .test.roc_auc "$ART/metrics/$m.metrics.json")")" ] || fail "$m: the cell's text"
	done
}

@test "the report fits a 375 px phone screen without sideways scrolling" {
	saw '.viewport_overflow == false'
}

@test "the screenshot is a whole PNG, kept under the artifacts folder" {
	"$PY" - "$ART/report.png" <<-'EOF'
	import struct, sys, zlib
	b = open(sys.argv[1], "rb").read()
	assert b[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
	i, kinds = 8, []
	while i < len(b):
	    n, kind = struct.unpack(">I4s", b[i:i + 8])
	    data, crc = b[i + 8:i + 8 + n], b[i + 8 + n:i + 12 + n]
	    assert len(crc) == 4 and zlib.crc32(kind + data) == struct.unpack(">I", crc)[0], "bad chunk " + str(kind)
	    kinds.append(kind)
	    i += 12 + n
	w, h = struct.unpack(">II", b[16:24])
	assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds, kinds
	assert w >= 1280 and h >= 800, (w, h)
	EOF
	cmp "$ART/report.png" "$KEEP/report.png"
	jq -e '.status == 200' "$KEEP/report.json" >/dev/null
}

# ---------------------------------------------------------------------
# The harness itself: what it reports must be able to fail
# ---------------------------------------------------------------------

@test "check-page.mjs counts and aborts what a page asks for: /docs fetches /openapi.json" {
	run -0 --separate-stderr node "$CHECK" "http://127.0.0.1:$PORT/docs" docs.png
	jq -e --arg u "http://127.0.0.1:$PORT/openapi.json" \
		'.status == 200 and (.requests | index($u)) != null and .aborted >= 1' <<<"$output" >/dev/null ||
		fail "the page's fetch was not seen and aborted: $output"
	[ -s docs.png ]
}

@test "check-page.mjs exits 1 with a reason when the browser does not start or the page does not load" {
	run -1 --separate-stderr env HD_CHROMIUM=/bin/false node "$CHECK" "http://127.0.0.1:$PORT/report" a.png
	[ -z "$output" ]
	[[ "$stderr" == "check-page.mjs: cannot start /bin/false: "* ]]
	[ ! -e a.png ]
	run -1 --separate-stderr env HD_CHROMIUM="$BATS_TEST_TMPDIR/none" node "$CHECK" "http://127.0.0.1:$PORT/report" a.png
	[[ "$stderr" == *"no browser there"* ]]
	# A port nothing listens on any more.
	local dead
	dead=$(free_port)
	run -1 --separate-stderr node "$CHECK" "http://127.0.0.1:$dead/report" a.png
	[[ "$stderr" == "check-page.mjs: cannot load http://127.0.0.1:$dead/report: "* ]]
	[ ! -e a.png ]
	run -2 --separate-stderr node "$CHECK" "http://127.0.0.1:$PORT/report"
	[[ "$stderr" == *"usage: check-page.mjs URL SCREENSHOT.png"* ]]
}
