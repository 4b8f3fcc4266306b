#!/usr/bin/env bats
# The slow cases of the HTTP attack catalogue (tests/attack/http-cases,
# modes drip and stall), against a real lighttpd and hd-fcgi workers
# from $HD_BIN: a body dripped a byte a second past the workers' 10 s
# read deadline, and a body that stops arriving.  About 20 s, so in
# make soak rather than make test (tests/attack/http.bats runs the rest).

load ../test_helper
load ../attack/attack_helper
bats_require_minimum_version 1.5.0

setup_file() {
	attack_start drip
}

teardown_file() {
	attack_stop
}

@test "the slow cases: a dripped body is served, a stalled one closed, no worker lost" {
	cd "$BATS_TEST_TMPDIR" || exit
	cases=$REPO/tests/attack/http-cases
	slow=$(grep -cE ' \| (drip:[0-9]+|stall) \| ' "$cases")
	[ "$slow" -ge 2 ]
	SECONDS=0
	run "$PY" "$REPO/tests/attack/http_attack.py" --slow --results results \
		"$cases" "$PORT" "$LPID"
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[-1]}" = "$slow cases, $slow passed" ]
	# The drip really took longer than the workers' read deadline.
	[ "$SECONDS" -ge 12 ]
	grep -qx $'body-drip\tbodies\tok' results
	grep -qx $'body-stalled\tbodies\tok' results
}
