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
	"$PY" "$REPO/tests/attack/load.py" "$PORT" 4 8 > load.json 3>&- &
	load=$!
	sleep 1
	head -n 1 before.pids > victim
	kill -9 "$(cat victim)"
	wait "$load" || echo "load.py exited $?" >> load.json
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
	cat load.json
	jq -e '.sent > 100' load.json
	jq -e '.sent == (."status 200" // 0) + (."status 503" // 0)' load.json
	jq -e '(.not_json // 0) == 0 and (.no_answer // 0) == 0 and (.connect_failed // 0) == 0' load.json
	jq -e '(.retry_after // 0) == (."status 503" // 0)' load.json
	# No answer waited anywhere near the backend timeout (10 s).
	jq -e '.slowest < 5' load.json
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
