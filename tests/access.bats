#!/usr/bin/env bats
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# Bearer tokens (HD_API_TOKENS, hd-fcgi(1) "Access control"): a real
# lighttpd started by pipelines/hd-serve on a free 127.0.0.1 port, and,
# for a client that is not on the loopback, one worker spoken to over
# FastCGI as lighttpd does (tests/fcgi_client.py) with another
# REMOTE_ADDR.  Digests are made with Python's hashlib, not hd's SHA-256.

load test_helper
bats_require_minimum_version 1.5.0

PATIENT='{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'

# The SHA-256 of $1, hex, by Python.
digest() {
	"$PY" -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$1"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	RUN=$(mktemp -d /tmp/hd-access-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdtest-access-$$-$PORT
	export URL=http://127.0.0.1:$PORT
	TOKENS=$BATS_TEST_TMPDIR/tokens
	ALICE=alice-$RANDOM-$RANDOM-token
	BOB=bob-$RANDOM-$RANDOM-token
	printf '# who may predict\n%s alice\n\n%s bob\n' "$(digest "$ALICE")" "$(digest "$BOB")" > "$TOKENS"
}

teardown() {
	stop_pid "$RUN/lighttpd.pid"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

serve() {
	HD_RUN_DIR=$RUN HD_PORT=$PORT HD_MODEL=$BATS_FILE_TMPDIR/lr.json \
		HD_WORKERS=2 HD_METRICS_SHM=$SHM HD_WAIT=10 \
		"$REPO/pipelines/hd-serve" "$@" 3>&-
}

predict() {
	req -H 'Content-Type: application/json' -d "$PATIENT" "$@" /predict
}

@test "off by default: /predict and /metrics answer without a token" {
	run -0 serve start
	predict
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	req /metrics
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	run ! grep -qi '^www-authenticate' <<<"$HEADERS"
}

@test "on: no token is 401 Not authenticated with the Bearer challenge; a wrong one 401 invalid_token" {
	HD_API_TOKENS=$TOKENS run -0 serve start
	predict
	[ "$CODE" = 401 ] || fail "$CODE $BODY"
	jq -e '. == {"detail": "Not authenticated"}' b >/dev/null || fail "$BODY"
	grep -qx 'Content-Type: application/json' <<<"$HEADERS"
	grep -qx 'WWW-Authenticate: Bearer realm="hd"' <<<"$HEADERS" || fail "$HEADERS"

	for h in "Authorization: Basic YWxpY2U6eA==" "Authorization: Bearer" "Authorization: Bearer   "; do
		predict -H "$h"
		[ "$CODE" = 401 ] || fail "$h: $CODE $BODY"
		jq -e '.detail == "Not authenticated"' b >/dev/null || fail "$h: $BODY"
	done
	for t in "${ALICE}x" "${ALICE:1}" "$(digest "$ALICE")" "$BOB$ALICE"; do
		predict -H "Authorization: Bearer $t"
		[ "$CODE" = 401 ] || fail "$t: $CODE $BODY"
		jq -e '. == {"detail": "Invalid token"}' b >/dev/null || fail "$BODY"
		grep -qx 'WWW-Authenticate: Bearer realm="hd", error="invalid_token"' <<<"$HEADERS" || fail "$HEADERS"
	done
}

@test "on: each listed token is accepted and scores as without access control" {
	run -0 serve start
	predict
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	open=$BODY
	run -0 serve stop
	HD_API_TOKENS=$TOKENS run -0 serve start
	for t in "$ALICE" "$BOB"; do
		predict -H "Authorization: Bearer $t"
		[ "$CODE" = 200 ] || fail "$CODE $BODY"
		[ "$BODY" = "$open" ] || fail "with a token: $BODY, without access control: $open"
	done
	# The scheme is case-insensitive; blanks around the token do not count.
	predict -H "Authorization: bearer   $ALICE  "
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	# Any method on /predict needs the token: without, 401, not 405.
	req /predict
	[ "$CODE" = 401 ] || fail "GET without a token: $CODE"
	req -H "Authorization: Bearer $ALICE" /predict
	[ "$CODE" = 405 ] || fail "GET with a token: $CODE"
}

@test "on: /health, /openapi.json and /docs stay open; /metrics is open on the loopback and counts the 401s" {
	HD_API_TOKENS=$TOKENS run -0 serve start
	for p in /health /openapi.json /docs /; do
		req "$p"
		[ "$CODE" = 200 ] || fail "$p: $CODE $BODY"
	done
	predict
	predict -H "Authorization: Bearer nope"
	predict -H "Authorization: Bearer $ALICE"
	req /metrics
	[ "$CODE" = 200 ] || fail "/metrics from 127.0.0.1: $CODE $BODY"
	jq -e '.requests_by_status."401" == 2 and .errors_by_status."401" == 2 and .total_predictions == 1' b >/dev/null || fail "$BODY"
	req '/metrics?format=prometheus'
	grep -qx 'hd_requests_total{route="predict",code="401"} 2' b || fail "$(grep 'code="401"' b)"
}

@test "on: /metrics from another address needs a token (one worker over FastCGI, REMOTE_ADDR 203.0.113.7)" {
	ask() {
		printf '' | "$PY" "$REPO/tests/fcgi_client.py" request "$HD_BIN/hd-fcgi" "$RUN" GET /metrics \
			REMOTE_ADDR=203.0.113.7 "$@" -- -m "$BATS_FILE_TMPDIR/lr.json" --shm "$SHM" --api-tokens "$TOKENS"
		rm -f "$RUN/w-0"
	}
	run -0 ask
	jq -e '.status == 401 and .headers["WWW-Authenticate"] == "Bearer realm=\"hd\"" and (.body | fromjson | .detail == "Not authenticated")' <<<"$output" >/dev/null || fail "$output"
	run -0 ask "HTTP_AUTHORIZATION=Bearer $BOB"
	jq -e '.status == 200 and (.body | fromjson | has("total_requests"))' <<<"$output" >/dev/null || fail "$output"
	run -0 ask "HTTP_AUTHORIZATION=Bearer ${BOB}0"
	jq -e '.status == 401' <<<"$output" >/dev/null || fail "$output"
	# The same worker without REMOTE_ADDR's help: the loopback is open.
	printf '' | "$PY" "$REPO/tests/fcgi_client.py" request "$HD_BIN/hd-fcgi" "$RUN" GET /metrics \
		REMOTE_ADDR=::1 -- -m "$BATS_FILE_TMPDIR/lr.json" --shm "$SHM" --api-tokens "$TOKENS" > out
	jq -e '.status == 200' out >/dev/null || fail "$(cat out)"
}

@test "no token, nor the header, ever reaches a log" {
	HD_API_TOKENS=$TOKENS run -0 serve start
	predict -H "Authorization: Bearer $ALICE"
	[ "$CODE" = 200 ]
	predict -H "Authorization: Bearer wrong-$BOB"
	[ "$CODE" = 401 ]
	req -H "Authorization: Bearer $BOB" /metrics
	run -0 serve stop
	ls "$RUN"/access.log "$RUN"/error.log "$RUN"/hd-fcgi.log >/dev/null
	# The access log has the requests, but neither token nor header.
	[ "$(grep -c 'POST /predict' "$RUN/access.log")" -eq 2 ] || fail "$(cat "$RUN/access.log")"
	! grep -e "$ALICE" -e "$BOB" -e 'Bearer' "$RUN"/*.log "$RUN"/lighttpd.out || fail "a token is in a log"
}

@test "a token file that is not digests stops the start with FILE:LINE:COLUMN; a missing one too" {
	# A token in clear instead of its digest, on line 2.
	printf '%s\n%s\n' "$(digest "$ALICE")" "secret-$BOB" > bad
	HD_API_TOKENS=bad run -1 serve start
	[[ $output == *"$BATS_TEST_TMPDIR/bad:2:1: not a SHA-256 digest"* ]] || fail "$output"
	[ ! -f "$RUN/lighttpd.pid" ]
	HD_API_TOKENS=/nonexistent/tokens run -1 serve start
	[[ $output == *"/nonexistent/tokens: "* ]] || fail "$output"
	[ ! -f "$RUN/lighttpd.pid" ]
	run -1 "$HD_BIN/hd-fcgi" --check-tokens bad
	[[ $output == *"bad:2:1: "* ]] || fail "$output"
	run -0 "$HD_BIN/hd-fcgi" --check-tokens "$TOKENS"
	[ "$output" = "$TOKENS: 2 token digests" ]
}

@test "hd-serve token: a new token printed once, its digest in the file (mode 600), accepted after reload" {
	rm -f "$TOKENS"
	export HD_API_TOKENS=$TOKENS
	run --separate-stderr -0 serve token ci
	tok=$output
	[[ $tok =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token: $tok"
	[ "$(cat "$TOKENS")" = "$(digest "$tok") ci" ]
	[ "$(stat -c %a "$TOKENS")" = 600 ]
	run -0 serve start
	predict -H "Authorization: Bearer $tok"
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	run --separate-stderr -0 serve token second
	tok2=$output
	[ "$tok2" != "$tok" ]
	predict -H "Authorization: Bearer $tok2"
	[ "$CODE" = 401 ] || fail "before the reload: $CODE"
	run -0 serve reload
	predict -H "Authorization: Bearer $tok2"
	[ "$CODE" = 200 ] || fail "after the reload: $CODE $BODY"
	run -1 serve token 'a b'
	run -1 serve token 'a/b'
}
