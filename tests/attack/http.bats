#!/usr/bin/env bats
# The HTTP attack catalogue (tests/attack/http-cases) against a real
# lighttpd and hd-fcgi workers from $HD_BIN, started by
# pipelines/hd-serve on a free 127.0.0.1 port and stopped by its pid.
# setup_file sends every fast case once (tests/attack/http_attack.py:
# raw sockets, byte for byte); each test below asserts on one kind of
# case, so that a failure names the cases of its kind that failed.  The
# slow case (a body dripped a byte a second) is in
# tests/soak/attack-drip.bats.

load ../test_helper
load attack_helper
bats_require_minimum_version 1.5.0

CASES=$REPO/tests/attack/http-cases

setup_file() {
	attack_start attack
	# Exit 1 when a case fails: the tests below say which.
	"$PY" "$REPO/tests/attack/http_attack.py" --results results \
		"$CASES" "$PORT" "$LPID" > driver.out 2>&1 || true
}

teardown_file() {
	attack_stop
}

# kind_passed KIND: the driver ran at least one case of KIND and every
# one passed; prints the driver's lines of those that did not.
kind_passed() {
	local n bad
	n=$(awk -F'\t' -v k="$1" '$2 == k' "$BATS_FILE_TMPDIR/results" | wc -l)
	[ "$n" -gt 0 ] || fail "no case of kind $1 ran: $(tail -n 3 "$BATS_FILE_TMPDIR/driver.out")"
	bad=$(awk -F'\t' -v k="$1" '$2 == k && $3 != "ok" { print $1 }' "$BATS_FILE_TMPDIR/results")
	[ -z "$bad" ] || fail "$(grep -wF "$bad" "$BATS_FILE_TMPDIR/driver.out")"
}

@test "the catalogue: at least 60 cases, every fast one run and passed" {
	total=$(grep -cv -e '^#' -e '^$' "$CASES")
	slow=$(grep -cE ' \| (drip:[0-9]+|stall) \| ' "$CASES")
	[ "$total" -ge 60 ]
	run -0 tail -n 1 "$BATS_FILE_TMPDIR/driver.out"
	[ "$output" = "$((total - slow)) cases, $((total - slow)) passed" ] ||
		fail "$output; $(grep FAIL "$BATS_FILE_TMPDIR/driver.out")"
	# Every kind the table names has a test below.
	while read -r k; do
		grep -q "kind_passed $k\$" "$BATS_TEST_FILENAME" || fail "no test for kind $k"
	done < <(cut -f2 "$BATS_FILE_TMPDIR/results" | sort -u)
}

@test "no 5xx for any of it: the counters of every worker, the error group's too" {
	run -0 curl -s "$URL/metrics"
	jq -e '.total_requests > 100' <<<"$output"
	jq -e '[.requests_by_status | to_entries[] | select(.key | test("^5|other")) | .value] | add == 0' <<<"$output" ||
		fail "$(jq -c .requests_by_status <<<"$output")"
	jq -e '.total_requests == ([.requests_by_status[]] | add)' <<<"$output"
}

@test "truncated and malformed JSON: 400 json_invalid" {
	kind_passed json
}

@test "types: strings, booleans, arrays, objects, missing fields: 422" {
	kind_passed types
}

@test "non-finite numbers: NaN and Infinity are 400, 1e400 is 422" {
	kind_passed nonfinite
}

@test "absurd values: out of the physical range, 422" {
	kind_passed range
}

@test "duplicate keys: the last counts" {
	kind_passed dupkeys
}

@test "invalid UTF-8: 400" {
	kind_passed utf8
}

@test "bodies: empty, short, 10 MB, chunked 10 MB, too long a batch" {
	kind_passed bodies
}

@test "Content-Type: none or another is 415" {
	kind_passed ctype
}

@test "methods: 405 with Allow, never 501; OPTIONS *, TRACE, CONNECT" {
	kind_passed methods
}

@test "HTTP versions and pipelining" {
	kind_passed versions
}

@test "paths: traversal, encoded NUL, //predict, a long URL" {
	kind_passed paths
}

@test "the other endpoints: /health, /metrics, /openapi.json, /docs, /report" {
	kind_passed endpoints
}

@test "headers: huge, many, Content-Length, chunked, Expect, Range" {
	kind_passed headers
}

@test "the Open Inference Protocol: hostile infer bodies, shapes, ids, methods and paths" {
	kind_passed oip
}

@test "the driver fails a wrong status and a connection that is not answered, naming the case" {
	cd "$BATS_TEST_TMPDIR" || exit
	cat > cases <<-'END'
		want-404 | paths | send | 404 | GET /health HTTP/1.1\r\n@C@\r\n | a wrong expectation
		want-answer | versions | close | 200 | GET /health\r\n | no answer comes
	END
	run -1 "$PY" "$REPO/tests/attack/http_attack.py" cases "$PORT" "$LPID"
	grep -q '^want-404 .*FAIL: status 200, expected 404$' <<<"$output"
	grep -q '^want-answer .*FAIL: status none, expected 200$' <<<"$output"
	[ "${lines[-1]}" = "2 cases, 0 passed" ]
}

@test "the driver fails a case after which a worker is not the same process" {
	cd "$BATS_TEST_TMPDIR" || exit
	cat > cases <<-'END'
		slow-health | endpoints | drip:1 | 200 | GET /health HTTP/1.1\r\n@C@\r\n | a second to act
	END
	"$PY" "$REPO/tests/attack/http_attack.py" --slow cases "$PORT" "$LPID" > out &
	driver=$!
	sleep 0.5
	victim=$(api_workers "$LPID" | head -n 1)
	kill -9 "$victim"
	rc=0
	wait "$driver" || rc=$?
	cat out
	[ "$rc" = 1 ]
	grep -q "^slow-health .*FAIL: then the workers were .*(one died)$" out
	# lighttpd has started another: the service is whole again.
	for _ in $(seq 1 40); do
		[ "$(api_workers "$LPID" | wc -l)" = 2 ] && break
		sleep 0.1
	done
	[ "$(api_workers "$LPID" | wc -l)" = 2 ]
}
