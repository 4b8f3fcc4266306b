#!/usr/bin/env bats
# kill -9 of a hd-fcgi worker under load.  A real lighttpd with two API
# workers from $HD_BIN (pipelines/hd-serve, a free 127.0.0.1 port);
# setup_file runs 4 s of concurrent POST /predict (tests/attack/load.py,
# 8 clients) and, one second in, SIGKILLs one API worker, a child of the
# lighttpd it started, by its pid.  The tests then assert on what the
# clients got, on lighttpd's respawn and on the counters.

load ../test_helper
load attack_helper
bats_require_minimum_version 1.5.0

setup_file() {
	attack_start kill
	api_workers "$LPID" > before.pids
	curl -s "$URL/metrics" > before.json
	head -n 1 before.pids > victim
	load_and_kill load.json "$(cat victim)"
}

# load_and_kill OUT PID...: 4 s of POST /predict from 8 clients
# (load.py's tally in OUT), with kill -9 of each PID one second in.
load_and_kill() {
	local out=$1 load
	shift
	"$PY" "$REPO/tests/attack/load.py" "$PORT" 4 8 > "$out" 3>&- &
	load=$!
	sleep 1
	kill -9 "$@"
	wait "$load" || echo "load.py exited $?" >> "$out"
}

# answers_ok TALLY: every answer load.py got was a 200 or a 503 JSON
# with Retry-After, none was missing, none waited long.
answers_ok() {
	cat "$1"
	jq -e '.sent > 100' "$1"
	jq -e '.sent == (."status 200" // 0) + (."status 503" // 0)' "$1"
	jq -e '(.not_json // 0) == 0 and (.no_answer // 0) == 0 and (.connect_failed // 0) == 0' "$1"
	jq -e '(.retry_after // 0) == (."status 503" // 0)' "$1"
	# No answer waited anywhere near the backend timeout (10 s).
	jq -e '.slowest < 5' "$1"
}

# wait_workers N: until lighttpd has N API workers and one error worker
# again (at most 5 s); prints the API workers.
wait_workers() {
	for _ in $(seq 1 50); do
		[ "$(api_workers "$LPID" | wc -l)" = "$1" ] &&
			[ -n "$(error_worker "$LPID")" ] && break
		sleep 0.1
	done
	api_workers "$LPID"
}

teardown_file() {
	attack_stop
}

setup() {
	cd "$BATS_FILE_TMPDIR" || exit
}

# The API workers once lighttpd has started the one that died again (at
# most 5 s): two, and not the victim.
respawned() {
	local n
	for _ in $(seq 1 50); do
		n=$(api_workers "$LPID" | grep -vcxf victim || true)
		[ "$n" = 2 ] && break
		sleep 0.1
	done
	api_workers "$LPID" | grep -vxf victim
}

@test "every answer under the kill is a 200 or a 503 JSON with Retry-After: no 500, no HTML, no hang" {
	answers_ok load.json
}

@test "the killed worker is gone and lighttpd, the same process, starts another" {
	victim=$(cat victim)
	run ! kill -0 "$victim"
	kill -0 "$LPID"
	[ "$(cat "$RUN/lighttpd.pid")" = "$LPID" ]
	run -0 respawned
	[ "${#lines[@]}" = 2 ]
	# One of them is new.
	run -0 grep -vxcf before.pids <<<"$output"
	[ "$output" = 1 ]
	grep -q 'child signalled: 9' "$RUN/error.log"
}

@test "service continues: /health 200 from the new worker's pid, and /predict scores" {
	new=$(respawned | grep -vxf before.pids)
	[ -n "$new" ]
	# lighttpd hands a request to the least busy worker: two at a time
	# reach both, so the new one answers within a few rounds.
	for _ in $(seq 1 50); do
		curl -s "$URL/health" > h1 & curl -s "$URL/health" > h2
		wait
		jq -e '.status == "ok"' h1 h2 >/dev/null
		if jq -se --argjson p "$new" 'map(.worker.pid) | index($p) != null' h1 h2 >/dev/null; then
			seen=1
			break
		fi
	done
	[ -n "${seen:-}" ] || fail "worker $new never answered /health"
	run -0 curl -s -H 'Content-Type: application/json' \
		--data-binary '{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}' \
		-w '\n%{http_code}' "$URL/predict"
	[ "${lines[1]}" = 200 ]
	jq -e '.prediction == 1' <<<"${lines[0]}"
}

@test "the counters stay consistent: every 200 a prediction, every request in one status and one worker" {
	curl -s "$URL/metrics" > after.json
	n200=$(jq '."status 200" // 0' load.json)
	n503=$(jq '."status 503" // 0' load.json)
	p0=$(jq .total_predictions before.json)
	# A worker killed after it counted a prediction but before the
	# answer left it would count one that the client got as a 503.
	jq -e --argjson p0 "$p0" --argjson a "$n200" --argjson b "$n503" \
		'.total_predictions >= $p0 + $a and .total_predictions <= $p0 + $a + $b + 1' after.json ||
		fail "predictions $(jq .total_predictions after.json), expected $p0 + $n200 (+ at most $n503 + 1)"
	jq -e '.total_predictions == .positive_predictions + .negative_predictions' after.json
	jq -e '.total_requests == ([.requests_by_status[]] | add)' after.json
	jq -e '.total_requests == ([.workers[].requests] | add)' after.json
	# The victim's counts were not lost with it: its slot keeps them.
	jq -e --argjson r0 "$(jq .total_requests before.json)" --argjson n "$(jq .sent load.json)" \
		'.total_requests >= $r0 + $n' after.json
}

@test "a worker killed while it holds a request: that client gets a 503 JSON with Retry-After, then service" {
	mapfile -t held < <(api_workers "$LPID")
	[ "${#held[@]}" = 2 ]
	# Both stopped, the request waits in one of them; then both die
	# with it (lighttpd 1.4.69: "response not received", its 502,
	# which the error group answers 503).
	kill -STOP "${held[@]}"
	curl -s -m 10 -D h -o b -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"age":63}' "$URL/predict" > code 3>&- &
	client=$!
	sleep 0.5
	kill -9 "${held[@]}"
	wait "$client"
	[ "$(cat code)" = 503 ]
	jq -e '.detail | startswith("Service Unavailable")' b
	grep -qi '^Content-Type: application/json' h
	grep -qi '^Retry-After: 1' h
	for _ in $(seq 1 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" = 200 ] && break
		sleep 0.1
	done
	run -0 curl -s "$URL/health"
	jq -e --argjson a "${held[0]}" --argjson b "${held[1]}" \
		'.status == "ok" and .worker.pid != $a and .worker.pid != $b' <<<"$output"
}

@test "both API workers killed at once under load: 200s and 503 JSON with Retry-After, then two new ones" {
	cd "$BATS_TEST_TMPDIR" || exit
	mapfile -t both < <(wait_workers 2)
	[ "${#both[@]}" = 2 ]
	load_and_kill both.json "${both[@]}"
	answers_ok both.json
	run -0 wait_workers 2
	[ "${#lines[@]}" = 2 ]
	for p in "${both[@]}"; do
		! grep -qx "$p" <<<"$output" || fail "worker $p still listed"
	done
	run -0 curl -s -o /dev/null -w '%{http_code}' "$URL/health"
	[ "$output" = 200 ]
}

@test "the error worker killed under load: /predict unaffected, the error group back and answering in JSON" {
	cd "$BATS_TEST_TMPDIR" || exit
	wait_workers 2 >/dev/null
	e=$(error_worker "$LPID")
	[ -n "$e" ]
	load_and_kill error.json "$e"
	answers_ok error.json
	jq -e '(."status 503" // 0) == 0' error.json
	wait_workers 2 >/dev/null
	e2=$(error_worker "$LPID")
	[ -n "$e2" ] && [ "$e2" != "$e" ]
	# An error only lighttpd finds (an unknown method) is the error
	# group's to answer: 405 in JSON, with Allow.
	req -X FOO /health
	[ "$CODE" = 405 ]
	jq -e '.detail == "Method Not Allowed"' <<<"$BODY"
	grep -q '^Allow: GET, HEAD, POST$' <<<"$HEADERS"
}
