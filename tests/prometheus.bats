#!/usr/bin/env bats
# stderr: set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# /metrics checked by the real Prometheus tools: promtool on the text a
# real lighttpd + hd-fcgi serves after mixed traffic, promtool on
# fcgi/alerts.yml, and a real prometheus (its own, on a free 127.0.0.1
# port, its storage in the test's tmpdir) that scrapes a fresh server
# and counts the patients sent.  Never port 9090, never a system
# instance: the prometheus started here is stopped by its PID.
#
# The served model is a logistic regression fitted on the real data;
# its file carries the reference profile, so the drift gauges are in
# the text promtool checks.

load test_helper
bats_require_minimum_version 1.5.0

EX1='{"age":65,"sex":1,"cp":3,"trestbps":145,"chol":233,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":2.5,"slope":0,"ca":0,"thal":1}'

# serve NAME: a lighttpd with two workers serving $M/model.json, its
# counters named $SHM-NAME, run folder $RUN/NAME; sets S_PORT and the
# pid file S_PID.  Stopped by unserve NAME.
serve() {
	local d=$RUN/$1
	mkdir -p "$d"
	S_PORT=$(free_port)
	HD_RUN_DIR=$d HD_SOCKET=$d/s HD_PORT=$S_PORT HD_MODEL=$M/model.json HD_WORKERS=2 \
		HD_METRICS_SHM=$SHM-$1 HD_REPORT=$M/report.html \
		"$REPO/pipelines/hd-serve" config > "$d/lighttpd.conf"
	S_PID=$d/lighttpd.pid
	start_lighttpd "$d/lighttpd.conf" "$S_PID" "$S_PORT"
}

unserve() {
	stop_pid "$RUN/$1/lighttpd.pid"
	rm_counters "$SHM-$1"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o model.json train.csv
	printf '<!DOCTYPE html>\n<title>r</title>\n' > report.html
	# A unix socket path has room for 107 bytes: keep it short.
	RUN=$(mktemp -d /tmp/hd-prom-test.XXXXXX)
	SHM=hdprom-$$
	M=$BATS_FILE_TMPDIR
	export RUN SHM M
	serve main
	export URL=http://127.0.0.1:$S_PORT MAIN_PORT=$S_PORT
}

teardown_file() {
	unserve main
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

teardown() {
	[ -z "${PROM_PID:-}" ] || stop_pid "$PROM_PID"
	[ -z "${FRESH:-}" ] || unserve "$FRESH"
}

# post BODY [URL]: POST /predict; prints the status code.
post() {
	curl -s -m 10 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "$1" "${2:-$URL}/predict"
}

# A batch of n copies of EX1.
batch() {
	jq -cn --argjson p "$EX1" --argjson n "$1" '[range($n) | $p]'
}

# ---------------------------------------------------------------------
# promtool
# ---------------------------------------------------------------------

@test "promtool check metrics finds nothing to say about /metrics after mixed traffic" {
	# 200s, a batch, 422 (bad field), 400 (bad JSON), 415, 404, 405,
	# /health, JSON /metrics: every route and several codes counted.
	[ "$(post "$EX1")" = 200 ]
	[ "$(post "$(batch 3)")" = 200 ]
	[ "$(post "$(jq -c '.age = 500' <<<"$EX1")")" = 422 ]
	[ "$(post '{"age":')" = 400 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary "$EX1" "$URL/predict")" = 415 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/predict")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 200 ]
	curl -s -D h -o m.txt "$URL/metrics?format=prometheus"
	tr -d '\r' < h | grep -qix 'Content-Type: text/plain; version=0.0.4; charset=utf-8' || fail "$(cat h)"
	# The drift gauges (drift.c) are part of what is checked.
	grep -q '^hd_drift_psi{feature="age"} ' m.txt || fail "no drift gauges: $(grep drift m.txt)"
	grep -q '^hd_model_info{' m.txt
	run --separate-stderr promtool check metrics < m.txt
	[ "$status" -eq 0 ] || fail "promtool: $status: $output $stderr"
	[ -z "$output" ] || fail "promtool says: $output"
	[ -z "$stderr" ] || fail "promtool says: $stderr"
}

@test "promtool check metrics does complain about a page that breaks the rules (the check can fail)" {
	curl -s -o m.txt "$URL/metrics?format=prometheus"
	# The old label and the old counter name without _total.
	sed -e 's/^hd_batch_requests_total/hd_batch_requests/' \
		-e 's/^# \(HELP\|TYPE\) hd_batch_requests_total/# \1 hd_batch_requests/' m.txt > bad.txt
	run --separate-stderr promtool check metrics < bad.txt
	[[ "$output$stderr" == *"hd_batch_requests"*"_total"* ]] || fail "promtool: $status: $output $stderr"
}

@test "the Prometheus text and the JSON count the same requests, by route and code" {
	curl -s "$URL/metrics?format=prometheus" > m.txt
	curl -s "$URL/metrics" > m.json
	# The JSON came second and counts the text's request too.
	total=$(awk '/^hd_requests_total\{/ {n += $2} END {print n}' m.txt)
	[ "$(jq .total_requests m.json)" -eq $((total + 1)) ]
	awk -F'[{}",= ]+' '/^hd_requests_total\{/ && $NF > 0 {print $3, $5, $NF}' m.txt | sort > text.by
	jq -r '.requests_by_route | to_entries[] | .key as $r | .value.by_status | to_entries[] | "\($r) \(.key) \(.value)"' m.json |
		awk '$1 == "metrics" && $2 == 200 {$3--} $3 > 0' | sort > json.by
	diff -u text.by json.by
	# Predictions by class: the JSON's old fields.
	grep -qx "hd_predictions_total{class=\"1\"} $(jq .positive_predictions m.json)" m.txt
	grep -qx "hd_predictions_total{class=\"0\"} $(jq .negative_predictions m.json)" m.txt
	run -1 grep -q 'prediction=' m.txt
	# The model's identity as /health gives it; version = 12 hex digits.
	curl -s "$URL/health" > health.json
	sha=$(sha256sum < "$M/model.json" | cut -d' ' -f1)
	jq -e --arg s "$sha" '.model.sha256 == $s' health.json
	want=$(jq -r --arg v "${sha:0:12}" '"hd_model_info{name=\"heart-disease\",version=\"\($v)\",kind=\"\(.model.kind)\",sha256=\"\(.model.sha256)\",created=\"\(.model.created // "")\"} 1"' health.json)
	grep -qxF "$want" m.txt || fail "want $want, got $(grep hd_model_info m.txt)"
}

@test "promtool accepts fcgi/alerts.yml, and its unit tests fire each alert when they should" {
	run --separate-stderr promtool check rules "$REPO/fcgi/alerts.yml"
	[ "$status" -eq 0 ] || fail "$output $stderr"
	[[ "$output" == *"SUCCESS: 5 rules found"* ]]
	run --separate-stderr promtool test rules "$REPO/tests/prometheus/alerts_test.yml"
	[ "$status" -eq 0 ] || fail "$output $stderr"
	[[ "$output" == *SUCCESS* ]]
}

# ---------------------------------------------------------------------
# A real prometheus
# ---------------------------------------------------------------------

# prom_query QUERY: the instant query's result (JSON) on stdout.
prom_query() {
	curl -s -m 5 -G --data-urlencode "query=$1" "$PROM/api/v1/query"
}

@test "a real prometheus scrapes /metrics and sum(hd_predictions_total) is the patients sent" {
	FRESH=fresh
	serve "$FRESH"
	target=127.0.0.1:$S_PORT
	# free_port draws from 10000 up: never 9090, a system prometheus's.
	PPORT=$(free_port)
	cat > prometheus.yml <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		scrape_configs:
		  - job_name: hd
		    static_configs:
		      - targets: ['$target']
	EOF
	run -0 promtool check config prometheus.yml
	PROM_PID=$BATS_TEST_TMPDIR/prometheus.pid
	prometheus --config.file=prometheus.yml --storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" \
		--web.listen-address="127.0.0.1:$PPORT" > prometheus.log 2>&1 3>&- &
	echo $! > "$PROM_PID"
	PROM=http://127.0.0.1:$PPORT
	for _ in $(seq 1 150); do
		curl -sf -m 1 "$PROM/-/ready" > /dev/null && break
		sleep 0.2
	done
	curl -sf -m 1 "$PROM/-/ready" > /dev/null || fail "prometheus not ready: $(tail -5 prometheus.log)"
	# 7 patients one by one, 3 batches of 4, and refused ones that
	# score nobody: 19 patients.
	for _ in $(seq 1 7); do
		[ "$(post "$EX1" "http://$target")" = 200 ]
	done
	for _ in 1 2 3; do
		[ "$(post "$(batch 4)" "http://$target")" = 200 ]
	done
	[ "$(post "$(jq -c '.age = 500' <<<"$EX1")" "http://$target")" = 422 ]
	[ "$(post "[$EX1,{}]" "http://$target")" = 422 ]
	sent=$(date +%s.%N)
	# A scrape that began after the last answer has them all.
	ok=
	for _ in $(seq 1 100); do
		t=$(prom_query 'timestamp(hd_model_up{job="hd"})' | jq -r '.data.result[0].value[1] // 0')
		if awk -v t="$t" -v s="$sent" 'BEGIN {exit !(t > s)}'; then ok=1; break; fi
		sleep 0.2
	done
	[ -n "$ok" ] || fail "no scrape after $sent: $(curl -s "$PROM/api/v1/targets")"
	curl -s "$PROM/api/v1/targets" > targets.json
	jq -e --arg t "$target" '.data.activeTargets[] | select(.labels.instance == $t) | .health == "up" and .lastError == ""' targets.json ||
		fail "$(jq -c .data.activeTargets targets.json)"
	prom_query 'sum(hd_predictions_total)' > sum.json
	jq -e '.status == "success"' sum.json
	[ "$(jq -r '.data.result[0].value[1]' sum.json)" = 19 ] || fail "$(cat sum.json)"
	# The server agrees, and so do the routes' series.
	[ "$(curl -s "http://$target/metrics" | jq .total_predictions)" = 19 ]
	prom_query 'sum(hd_requests_total{route="predict",code="200"})' > ok.json
	[ "$(jq -r '.data.result[0].value[1]' ok.json)" = 10 ] || fail "$(cat ok.json)"
	prom_query 'sum(hd_requests_total{route="predict",code="422"})' > bad.json
	[ "$(jq -r '.data.result[0].value[1]' bad.json)" = 2 ] || fail "$(cat bad.json)"
	prom_query 'hd_request_duration_seconds_count{route="predict"}' > n.json
	[ "$(jq -r '.data.result[0].value[1]' n.json)" = 12 ] || fail "$(cat n.json)"
	sha=$(sha256sum < "$M/model.json" | cut -d' ' -f1)
	prom_query 'hd_model_info' > info.json
	jq -e --arg v "${sha:0:12}" '.data.result[0].metric.version == $v and .data.result[0].value[1] == "1"' info.json ||
		fail "$(cat info.json)"
}
