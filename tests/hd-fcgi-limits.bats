#!/usr/bin/env bats
# hd-fcgi and its lighttpd under hostile clients and hostile files: the
# limits hd-fcgi(1) documents under LIMITS, each tested against a real
# lighttpd started by pipelines/hd-serve (so with the descriptor limit
# it sets, from the one this machine gives by default) on a free
# 127.0.0.1 port, and stopped by its pid.

load test_helper
bats_require_minimum_version 1.5.0

EX='{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'

serve() {
	HD_RUN_DIR=$RUN HD_SOCKET=$RUN/s HD_PORT=$PORT HD_MODEL=$M/model.json \
		HD_WORKERS=2 HD_METRICS_SHM=$SHM HD_BACKEND_TIMEOUT=2 HD_WAIT=20 \
		"$REPO/pipelines/hd-serve" "$@"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	cp lr.json model.json
	RUN=$(mktemp -d /tmp/hd-limits-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdlimits-$$-$PORT
	M=$BATS_FILE_TMPDIR
	export RUN PORT SHM M URL=http://127.0.0.1:$PORT
	serve start >/dev/null
	LPID=$(cat "$RUN/lighttpd.pid")
	LR_SHA=$(sha256sum < lr.json | cut -d' ' -f1)
	export LPID LR_SHA
}

teardown_file() {
	serve stop >/dev/null || true
	rm_counters "$SHM"
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	# shellcheck disable=SC2034 # read by req (test_helper.bash)
	REQ_TIMEOUT=30
}

teardown() {
	# A test that stopped workers lets them go on, whatever happened.
	local p
	for p in ${STOPPED[@]+"${STOPPED[@]}"}; do kill -CONT "$p" 2>/dev/null || true; done
	if [ -n "${BROKE_MODEL:-}" ]; then
		cp "$M/lr.json" "$M/.m" && mv -f "$M/.m" "$M/model.json"
		sleep 0.3
	fi
}

is_json() {
	jq -e . <<<"$BODY" >/dev/null && return 0
	printf 'not JSON (%s): %s\n' "$CODE" "$BODY" >&2
	return 1
}

# lighttpd's children: its API workers and the error group's one.
children() { pgrep -P "$LPID"; }

@test "lighttpd runs with the descriptor limit it sizes its tables by" {
	[ "$(ulimit -n)" -gt 4096 ] || skip "this machine's limit is too low to show it"
	grep -q '^server.max-fds = 16384$' "$RUN/lighttpd.conf"
	# shellcheck disable=SC2016 # an awk program
	run -0 awk '/^Max open files/ { print $4 }' "/proc/$LPID/limits"
	[ "$output" = 16384 ]
}

@test "1000 concurrent 1 MB POSTs: every answer JSON, the same lighttpd, /health within a second, exact counters (a timed-out request counted by both workers)" {
	before=$(curl -s "$URL/metrics" | jq .total_requests)
	run -0 "$PY" "$REPO/tests/burst.py" post "$PORT" 1000 1000000 60
	echo "$output"
	burst=$output
	jq -e '(.not_json // 0) == 0 and (.connect_failed // 0) == 0 and (.no_answer // 0) == 0' <<<"$output"
	jq -e '(."status 200" // 0) + (."status 503" // 0) == 1000' <<<"$output"
	jq -e '((."status 503" // 0) == 0) or (.retry_after == ."status 503")' <<<"$output"
	kill -0 "$LPID"
	[ "$(cat "$RUN/lighttpd.pid")" = "$LPID" ]
	run -0 curl -s -m 1 -o /dev/null -w '%{http_code}' "$URL/health"
	[ "$output" = 200 ]
	# Each 503 here is a backend timeout: the error worker counts its
	# answer, and the worker that was too slow still counts the request
	# once it finishes (hd-fcgi(1), GET /metrics).  Wait for those.
	n503=$(jq '."status 503" // 0' <<<"$burst")
	for _ in $(seq 1 40); do
		curl -s "$URL/metrics" > m
		jq -e ".total_requests == $before + 1 + 1000 + 1 + $n503" m >/dev/null && break
		sleep 0.25
	done
	jq -e ".total_requests == $before + 1 + 1000 + 1 + $n503" m
	jq -e '.total_requests == ([.requests_by_status[]] | add)' m
	jq -e '.total_requests == ([.workers[].requests] | add)' m
}

@test "workers that stop answering: 503 with a JSON body and Retry-After, then service again" {
	mapfile -t STOPPED < <(api_workers "$LPID")
	[ "${#STOPPED[@]}" -gt 0 ]
	kill -STOP "${STOPPED[@]}"
	req -H 'Content-Type: application/json' --data-binary "$EX" /predict
	[ "$CODE" = 503 ]
	is_json
	jq -e '.detail | startswith("Service Unavailable")' <<<"$BODY"
	grep -qi '^Content-Type: application/json' <<<"$HEADERS"
	grep -qi '^Retry-After: 1$' <<<"$HEADERS"
	kill -CONT "${STOPPED[@]}"
	STOPPED=()
	req /health
	[ "$CODE" = 200 ]
}

@test "the error workers stopped too: lighttpd's last word is still JSON, not HTML" {
	mapfile -t STOPPED < <(children)
	kill -STOP "${STOPPED[@]}"
	req -H 'Content-Type: application/json' --data-binary "$EX" /predict
	[ "${CODE:0:1}" = 5 ]
	is_json
	grep -qi '^Content-Type: application/json' <<<"$HEADERS"
	kill -CONT "${STOPPED[@]}"
	STOPPED=()
	req /health
	[ "$CODE" = 200 ]
}

@test "a model file replaced by a FIFO is refused without blocking a worker" {
	BROKE_MODEL=1
	mkfifo "$M/.fifo"
	mv -f "$M/.fifo" "$M/model.json"
	sleep 0.3
	for _ in 1 2 3 4; do
		req -H 'Content-Type: application/json' --data-binary "$EX" /predict
		[ "$CODE" = 200 ]
		jq -e ".model.sha256 == \"$LR_SHA\"" <<<"$BODY"
	done
	req /health
	jq -e '.status == "ok" and .refused.reason == "not a regular file"' <<<"$BODY"
	# The good file back is served again.
	cp "$M/lr.json" "$M/.m" && mv -f "$M/.m" "$M/model.json"
	sleep 0.3
	req /health
	jq -e '.refused == null and .model.sha256 == $s' --arg s "$LR_SHA" <<<"$BODY"
}

@test "a link to /dev/zero or a model over 64 MiB is refused at once, and nothing grows" {
	BROKE_MODEL=1
	ln -sf /dev/zero "$M/.z"
	mv -f "$M/.z" "$M/model.json"
	sleep 0.3
	req /health
	jq -e '.status == "ok" and .refused.reason == "not a regular file"' <<<"$BODY"
	truncate -s 65M "$M/.big"
	mv -f "$M/.big" "$M/model.json"
	sleep 0.3
	SECONDS=0
	req /health
	[ "$SECONDS" -le 2 ]
	jq -e '.status == "ok" and .refused.reason == "larger than the limit of 67108864 bytes"' <<<"$BODY"
	for p in $(api_workers "$LPID"); do
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")
		[ "$rss" -lt 200000 ] || fail "worker $p has $rss kB"
	done
}

@test "a client that trickles header lines over 1366 connections does not take the service down" {
	"$PY" "$REPO/tests/burst.py" slow "$PORT" 1366 8 2 > slow.out &
	slow=$!
	sleep 3
	SECONDS=0
	run curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL/health"
	took=$SECONDS
	wait "$slow"
	cat slow.out
	[ "$output" = 200 ]
	[ "$took" -le 2 ]
	# The trickling connections were still open: they were the load.
	jq -e '.still_open == 1366' slow.out
}

@test "a connection that falls silent while sending its request is closed after 5 s" {
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /health HTTP/1.1\r\nHost: x\r\n' >&5
	SECONDS=0
	run timeout 20 cat <&5
	exec 5<&- 5>&-
	[ "$SECONDS" -ge 4 ] && [ "$SECONDS" -le 12 ]
}

@test "a body that stops arriving is answered 408 after the worker's read deadline" {
	run -0 "$PY" "$REPO/tests/fcgi_client.py" stall "$HD_BIN/hd-fcgi" \
		"$BATS_TEST_TMPDIR" 10 200 -- --model "$M/lr.json" --shm "$SHM-stall" \
		--read-timeout 1
	rm_counters "$SHM-stall"
	jq -e '.status == 408 and .seconds < 5' <<<"$output"
	jq -e '.body | fromjson | .detail | startswith("Request Timeout")' <<<"$output"
}

@test "a Range header gets the whole JSON answer, never a fragment or an HTML 416" {
	req -H 'Range: bytes=0-5' /health
	[ "$CODE" = 200 ]
	is_json
	req -H 'Range: bytes=99999-' /health
	[ "$CODE" = 200 ]
	is_json
}

@test "OPTIONS * and GET /predict with a body are answered in JSON by the workers" {
	req -X OPTIONS --request-target '*' /
	[ "$CODE" = 200 ]
	jq -e '.allow == ["GET","HEAD","POST"]' <<<"$BODY"
	grep -q '^Allow: GET, HEAD, POST$' <<<"$HEADERS"
	req -X GET -H 'Content-Type: application/json' --data-binary "$EX" /predict
	[ "$CODE" = 405 ]
	is_json
	grep -q '^Allow: POST$' <<<"$HEADERS"
}

@test "JSON that Python's json refuses is 400 here too: 065, 65., -.5 and NUL in keys or strings" {
	for v in 065 65. -.5; do
		req -H 'Content-Type: application/json' \
			--data-binary "${EX/'"age":63'/"\"age\":$v"}" /predict
		[ "$CODE" = 400 ] || fail "age $v: $CODE $BODY"
		jq -e '.detail[0].type == "json_invalid"' <<<"$BODY"
	done
	req -H 'Content-Type: application/json' \
		--data-binary "${EX/'"age":63'/'"age\u0000x":63,"age":63'}" /predict
	[ "$CODE" = 400 ]
	jq -e '.detail[0].ctx.error == "\\u0000 in a string"' <<<"$BODY"
	req -H 'Content-Type: application/json' \
		--data-binary "${EX/'"thal":6'/'"thal":"a\u0000b"'}" /predict
	[ "$CODE" = 400 ]
}

@test "ps shows the worker's command line as it was started, not a mangled one" {
	p=$(api_workers "$LPID" | head -n 1)
	run -0 tr '\0' ' ' < "/proc/$p/cmdline"
	[ "$output" = "$HD_BIN/hd-fcgi " ]
}

@test "the error group answers only lighttpd's errors: a client's /_error/... is 404" {
	for p in /_error /_error/predict /_error/health; do
		req "$p"
		[ "$CODE" = 404 ] || fail "$p: $CODE $BODY"
		is_json
	done
}
