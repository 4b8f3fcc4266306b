#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# hd-fcgi behind a real lighttpd on a free 127.0.0.1 port, with the
# config made from fcgi/lighttpd.conf.in (pipelines/hd-serve config) and
# two workers from $HD_BIN, so the ASan build is what serves under it.
#
# Models come from the real data: lr.json (served at first) and rf.json.
# Tests that swap the model put the logistic regression back.

load test_helper
bats_require_minimum_version 1.5.0

EX1='{"age":65,"sex":1,"cp":3,"trestbps":145,"chol":233,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":2.5,"slope":0,"ca":0,"thal":1}'
EX2='{"age":25,"sex":1,"cp":3,"trestbps":90,"chol":120,"fbs":1,"restecg":0,"thalach":90,"exang":0,"oldpeak":1.5,"slope":0,"ca":0,"thal":1}'
HEADER=age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal
ROW1=65,1,3,145,233,1,0,150,0,2.5,0,0,1
ROW2=25,1,3,90,120,1,0,90,0,1.5,0,0,1

# The lighttpd config for run folder $1, port $2, model $3, $4 workers,
# counters $5.  lighttpd's limit 1024 KiB, the workers' 512 KiB, so both
# 413s can be reached.
serve_config() {
	HD_RUN_DIR=$1 HD_SOCKET=$1/s HD_PORT=$2 HD_MODEL=$3 HD_WORKERS=$4 \
		HD_METRICS_SHM=$5 HD_REPORT=$BATS_FILE_TMPDIR/report.html HD_MAX_REQUEST_KIB=1024 HD_MAX_BODY=524288 \
		"$REPO/pipelines/hd-serve" config
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 50 -o rf.json train.csv
	cp lr.json model.json
	# The page served as /report: HTML with UTF-8 and a data: URI, kept
	# as report.good so a test can take report.html away and back.
	printf '<!DOCTYPE html>\n<meta charset="utf-8"><title>r\xc3\xa9port</title>\n<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">\n' > report.good
	cp report.good report.html
	# A unix socket path has room for 107 bytes: keep it short.
	RUN=$(mktemp -d /tmp/hd-fcgi-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdtest-$$-$PORT
	serve_config "$RUN" "$PORT" "$BATS_FILE_TMPDIR/model.json" 2 "$SHM" > "$RUN/lighttpd.conf"
	LIGHTTPD_PID=$RUN/lighttpd.pid
	start_lighttpd "$RUN/lighttpd.conf" "$LIGHTTPD_PID" "$PORT"
	export RUN PORT SHM LIGHTTPD_PID URL=http://127.0.0.1:$PORT
	LR_SHA=$(sha256sum < lr.json | cut -d' ' -f1)
	RF_SHA=$(sha256sum < rf.json | cut -d' ' -f1)
	export LR_SHA RF_SHA
}

teardown_file() {
	stop_pid "$LIGHTTPD_PID"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	M=$BATS_FILE_TMPDIR
}

teardown() {
	# A test that broke the served model file puts the good one back.
	if [ -n "${BROKE_MODEL:-}" ]; then
		use_model "$M/lr.json"
	fi
}

# predict JSON [CURL ARGS...]
predict() {
	local data=$1
	shift
	req -H 'Content-Type: application/json' --data-binary "$data" "$@" /predict
}

# hd-predict's probability for a CSV row (header $HEADER) with model $1.
reference() {
	printf '%s\n%s\n' "$HEADER" "$2" | hd-predict "$1" | tail -n 1 | awk -F, '{print $(NF - 1)}'
}

metric() {
	curl -s "$URL/metrics" | jq -r "$1"
}

# ---------------------------------------------------------------------
# The program itself
# ---------------------------------------------------------------------

@test "hd-fcgi --check prints a model's identity and load time and exits 0" {
	run -0 --separate-stderr hd-fcgi --check "$M/rf.json"
	[[ "${lines[0]}" == "$M/rf.json: random_forest, sha256 $RF_SHA, "* ]]
	[[ "${lines[1]}" =~ loaded\ in\ [0-9.]+\ ms ]]
}

@test "hd-fcgi --check exits 1 and says why for a file that is not a model" {
	echo '{"format": "something-else", "version": 1}' > other.json
	run -1 --separate-stderr hd-fcgi --check other.json
	[ -z "$output" ]
	[[ "$stderr" == "hd-fcgi: other.json: not an hd-model file"* ]]
}

@test "hd-fcgi refuses to run when standard input is not a FastCGI socket" {
	run -2 --separate-stderr hd-fcgi -m "$M/lr.json" < /dev/null
	[[ "$stderr" == *"not a FastCGI listening socket"* ]]
}

@test "hd-fcgi without a model file is a usage error" {
	run -2 --separate-stderr env -u HD_MODEL hd-fcgi < /dev/null
	[[ "$stderr" == *"no model file"* ]]
}

# ---------------------------------------------------------------------
# GET /health, /openapi.json, /docs
# ---------------------------------------------------------------------

@test "GET /health answers 200 with the identity of the model served" {
	req /health
	code_is 200
	body_is '.status == "ok"'
	body_is ".model.kind == \"logistic_regression\" and .model.sha256 == \"$LR_SHA\""
	body_is ".model.path == \"$M/model.json\""
	body_is ".model.created == \"$(jq -r .training.created "$M/lr.json")\""
	body_is '.model.loaded_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")'
	body_is '.worker.pid > 0 and (.worker.slot == 0 or .worker.slot == 1)'
	body_is 'has("refused") | not'
	# shellcheck disable=SC2153 # HEADERS: set by req (test_helper.bash)
	[[ "$HEADERS" == *"Content-Type: application/json"* ]]
	# server.tag = "": no Server header
	[[ "$HEADERS" != *"Server:"* ]]
}

@test "HEAD /health answers the headers alone" {
	CODE=$(curl -s -I -o h -w '%{http_code}' "$URL/health")
	[ "$CODE" = 200 ]
	grep -q '^Content-Type: application/json' h
}

@test "GET /openapi.json serves the OpenAPI 3.1 description of every endpoint" {
	req /openapi.json
	code_is 200
	body_is '.openapi == "3.1.0"'
	body_is '.paths | has("/predict") and has("/health") and has("/metrics")'
	body_is '.components.schemas.Patient.required | length == 13'
	cmp b "$REPO/fcgi/openapi.json"
}

@test "GET / and /docs serve the page that renders openapi.json" {
	for p in / /docs /docs/; do
		req "$p"
		code_is 200
		[[ "$HEADERS" == *"Content-Type: text/html; charset=utf-8"* ]]
		grep -q 'openapi.json' b
	done
}

# The report file is lighttpd's to send: whether it is there now.
report_code() {
	curl -s -o /dev/null -w '%{http_code}' "$URL/report"
}

# Wait (at most 3 s) until GET /report answers $1: lighttpd may keep
# what it knows of a file for a second.
report_becomes() {
	for _ in $(seq 1 60); do
		[ "$(report_code)" = "$1" ] && return 0
		sleep 0.05
	done
	fail "GET /report did not become $1 (is $(report_code))"
}

@test "GET and HEAD /report send the report file as it is, HTML with a strict CSP" {
	req /report
	code_is 200
	cmp b "$M/report.html"
	[[ "$HEADERS" == *"Content-Type: text/html; charset=utf-8"* ]]
	grep -qx "Content-Security-Policy: default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" <<<"$HEADERS"
	grep -qx 'X-Content-Type-Options: nosniff' <<<"$HEADERS"
	grep -qx "Content-Length: $(wc -c < "$M/report.html")" <<<"$HEADERS"
	# HEAD: the same headers and no body.
	[ "$(curl -s -I -o h -w '%{http_code} %{size_download}' "$URL/report")" = "200 0" ]
	grep -qx "Content-Length: $(wc -c < "$M/report.html")" <(tr -d '\r' < h)
	grep -q '^Content-Security-Policy: ' h
	# A query string is the same path.
	req '/report?x=1'
	code_is 200
	cmp b "$M/report.html"
}

@test "/report is a static file: no worker answers it" {
	local before after
	before=$(metric .total_requests)
	for _ in 1 2 3; do
		[ "$(report_code)" = 200 ]
	done
	after=$(metric .total_requests)
	# The two /metrics requests are the workers' only ones.
	[ "$after" -eq $((before + 1)) ] || fail "total_requests $before -> $after"
}

@test "without a report file /report answers 404 with a JSON body, then serves the file again" {
	mv "$M/report.html" "$M/report.gone"
	report_becomes 404
	req /report
	code_is 404
	body_is '.detail == "Not Found"'
	[[ "$HEADERS" == *"Content-Type: application/json"* ]]
	[ "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/report")" = 404 ]
	mv "$M/report.gone" "$M/report.html"
	report_becomes 200
	req /report
	cmp b "$M/report.good"
}

@test "other methods on /report answer 405 with Allow: GET, HEAD, never a 5xx" {
	# lighttpd alone would send the file for POST and answer PUT 501.
	for m in POST PUT DELETE PATCH OPTIONS; do
		req -X "$m" -H 'Content-Type: application/json' --data-binary '{}' /report
		code_is 405
		body_is '.detail == "Method Not Allowed"'
		grep -qx 'Allow: GET, HEAD' <<<"$HEADERS"
	done
}

# ---------------------------------------------------------------------
# POST /predict
# ---------------------------------------------------------------------

@test "the old service's two examples get hd-predict's probabilities exactly" {
	for ex in 1 2; do
		if [ $ex = 1 ]; then body=$EX1 row=$ROW1; else body=$EX2 row=$ROW2; fi
		predict "$body"
		code_is 200
		body_is '.probability > 0 and .probability < 1'
		body_is '.prediction == (if .probability >= 0.5 then 1 else 0 end)'
		body_is ".model == {\"kind\": \"logistic_regression\", \"sha256\": \"$LR_SHA\", \"created\": \"$(jq -r .training.created "$M/lr.json")\"}"
		body_is '.imputed == []'
		same_double "$(jq -r .probability b)" "$(reference "$M/lr.json" "$row")"
	done
}

@test "an unseen categorical level is scored and named in warnings" {
	# The examples send thal 1 and slope 0; training saw neither.
	predict "$EX1"
	code_is 200
	body_is '.warnings | length == 2'
	body_is '.warnings[0] | startswith("slope: level 0 was not seen in training")'
	body_is '.warnings[1] | startswith("thal: level 1 was not seen in training")'
	predict "$(jq -c '.thal = 3 | .slope = 1' <<<"$EX1")"
	code_is 200
	body_is '.warnings == []'
}

@test "decimals are numbers and 1.0 is the categorical level 1" {
	predict "$EX1"
	p=$(jq -r .probability b)
	predict '{"age":65.0,"sex":1.0,"cp":3.0,"trestbps":145,"chol":233.0,"fbs":1,"restecg":0.0,"thalach":150,"exang":0,"oldpeak":2.50,"slope":0,"ca":0.0,"thal":1.0}'
	code_is 200
	same_double "$(jq -r .probability b)" "$p"
}

@test "a null feature is imputed as in training and listed in imputed" {
	predict "$(jq -c '.chol = null | .cp = null' <<<"$EX1")"
	code_is 200
	body_is '.imputed == ["cp", "chol"]'
	same_double "$(jq -r .probability b)" \
		"$(reference "$M/lr.json" 65,1,,145,,1,0,150,0,2.5,0,0,1)"
}

@test "unknown extra fields are ignored" {
	predict "$EX1"
	p=$(jq -r .probability b)
	predict "$(jq -c '.name = "x" | .nested = {"a": [1]}' <<<"$EX1")"
	code_is 200
	same_double "$(jq -r .probability b)" "$p"
}

@test "of a field given twice the last counts, as in the service hd replaces" {
	body=${EX1%\}}
	predict "$body,\"age\":\"x\"}"
	code_is 422
	body_is '[.detail[].loc] == [["body","age"]]'
	predict "{\"age\":\"x\",${EX1#\{}"
	code_is 200
}

@test "missing and mistyped fields answer 422 naming every bad field" {
	predict "$(jq -c 'del(.age) | .sex = "1" | .cp = true | .chol = [233] | .thal = {}' <<<"$EX1")"
	code_is 422
	body_is '.detail | length == 5'
	body_is '[.detail[].loc] == [["body","age"],["body","sex"],["body","cp"],["body","chol"],["body","thal"]]'
	body_is '[.detail[].type] == ["missing","int_type","int_type","float_type","int_type"]'
	body_is '.detail[0].msg == "Field required"'
	body_is '.detail[1].input == "1" and .detail[2].input == true'
}

@test "values outside the physical range and fractional levels answer 422" {
	predict '{"age":121,"sex":1,"cp":2.5,"trestbps":1e400,"chol":1001,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":-11,"slope":1,"ca":-1,"thal":3}'
	code_is 422
	body_is '[.detail[].loc[1]] == ["age","cp","trestbps","chol","oldpeak","ca"]'
	body_is '.detail[0] == {"type":"less_than_equal","loc":["body","age"],"msg":"Input should be less than or equal to 120","input":121,"ctx":{"le":120}}'
	body_is '.detail[1].type == "int_from_float" and .detail[1].input == 2.5'
	body_is '.detail[2].type == "finite_number"'
	body_is '.detail[3].ctx == {"le": 1000}'
	body_is '.detail[4] | .type == "greater_than_equal" and .ctx == {"ge": -10}'
	body_is '.detail[5].ctx == {"ge": 0}'
}

@test "malformed JSON answers 400 naming where it breaks" {
	for bad in '{"age":' '{"age": 65} trailing' '{"age": 65}}' "{'age': 65}" ' '; do
		predict "$bad"
		code_is 400
		body_is '.detail[0].type == "json_invalid" and .detail[0].loc[0] == "body"'
	done
	predict '{"age":'
	body_is '.detail[0].loc == ["body", 7]'
	predict ''
	code_is 400
	body_is '.detail[0].ctx.error == "the body is empty"'
}

@test "errors lighttpd finds itself get a JSON body too" {
	# No Content-Length on a POST: lighttpd's 411, through the error handler.
	req -X POST -H 'Content-Type: application/json' /predict
	code_is 411
	body_is '.detail == "Length Required"'
	[[ "$HEADERS" == *"Content-Type: application/json"* ]]
	# lighttpd's 505 and 501 for what a client sent become 400s.
	raw() {
		exec 3<>"/dev/tcp/127.0.0.1/$PORT"
		# shellcheck disable=SC2059 # $1 is the raw request, written in printf escapes
		printf "$1" >&3
		cat <&3 > raw
		exec 3<&-
		head -n 1 raw | tr -d '\r'
	}
	[ "$(raw 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n')" = "HTTP/1.0 400 Bad Request" ]
	tail -n 1 raw | jq -e '.detail == "Bad Request: unsupported HTTP version"'
	[ "$(raw 'POST /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: gzip\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
	tail -n 1 raw | jq -e '.detail == "Bad Request: unsupported Transfer-Encoding"'
	[ "$(raw 'GARBAGE\r\n\r\n')" = "HTTP/1.0 400 Bad Request" ]
	tail -n 1 raw | jq -e '.detail | startswith("Bad Request")'
}

@test "JSON that is neither an object nor an array of objects answers 422" {
	for bad in 42 '"patient"' null true; do
		predict "$bad"
		code_is 422
		body_is '.detail == [{"type":"model_attributes_type","loc":["body"],"msg":"Input should be an object of features or an array of such objects"}]'
	done
	predict '[1, "two"]'
	code_is 422
	body_is '[.detail[].loc] == [["body",0],["body",1]]'
	predict '[]'
	code_is 422
	body_is '.detail[0].type == "too_short"'
}

@test "a batch answers one prediction per object, in order" {
	predict "$EX2"
	p2=$(jq -r .probability b)
	predict "$EX1"
	p1=$(jq -r .probability b)
	predict "[$EX1, $EX2, $(jq -c '.chol = null' <<<"$EX1")]"
	code_is 200
	body_is '.count == 3 and (.predictions | length) == 3'
	body_is ".model.sha256 == \"$LR_SHA\""
	body_is '.predictions[2].imputed == ["chol"] and .predictions[0].imputed == []'
	same_double "$(jq -r '.predictions[0].probability' b)" "$p1"
	same_double "$(jq -r '.predictions[1].probability' b)" "$p2"
}

@test "a batch with bad elements answers 422 locating each by index" {
	predict "[$EX1, $(jq -c '.age = 200' <<<"$EX1"), $EX2, $(jq -c 'del(.thal)' <<<"$EX2")]"
	code_is 422
	body_is '[.detail[].loc] == [["body",1,"age"],["body",3,"thal"]]'
}

@test "a batch of 1000 is scored and one of 1001 answers 422" {
	"$PY" -c "import sys; print('[' + ','.join([sys.argv[1]] * 1000) + ']')" "$EX1" > b1000
	req -H 'Content-Type: application/json' --data-binary @b1000 /predict
	code_is 200
	body_is '.count == 1000 and (.predictions | length) == 1000'
	"$PY" -c "import sys; print('[' + ','.join([sys.argv[1]] * 1001) + ']')" "$EX1" > b1001
	req -H 'Content-Type: application/json' --data-binary @b1001 /predict
	code_is 422
	body_is '.detail == [{"type":"too_long","loc":["body"],"msg":"List should have at most 1000 items after validation, not 1001","ctx":{"max_length":1000}}]'
}

@test "a Content-Type other than application/json answers 415; charset is fine" {
	req -H 'Content-Type: text/plain' --data-binary "$EX1" /predict
	code_is 415
	body_is '.detail == "Content-Type must be application/json"'
	req -H 'Content-Type:' --data-binary "$EX1" /predict
	code_is 415
	req --data-binary "$EX1" /predict
	code_is 415
	req -H 'Content-Type: application/jsonx' --data-binary "$EX1" /predict
	code_is 415
	for ct in 'application/json; charset=utf-8' 'Application/JSON'; do
		req -H "Content-Type: $ct" --data-binary "$EX1" /predict
		code_is 200
	done
}

@test "a body over the workers' cap answers 413 with a JSON body" {
	head -c 600000 /dev/zero | tr '\0' ' ' > big
	req -H 'Content-Type: application/json' --data-binary @big /predict
	code_is 413
	body_is '.detail == "Request body too large: the limit is 524288 bytes"'
	# The worker read the body away: the next request is fine.
	predict "$EX1"
	code_is 200
}

@test "a body over lighttpd's max-request-size answers 413 with a JSON body" {
	head -c 1100000 /dev/zero | tr '\0' ' ' > huge
	req -H 'Content-Type: application/json' --data-binary @huge /predict
	code_is 413
	body_is '.detail == "Request body too large"'
}

@test "a wrong method answers 405 with an Allow header" {
	req /predict
	code_is 405
	body_is '.detail == "Method Not Allowed"'
	[[ "$HEADERS" == *"Allow: POST"* ]]
	for p in /health /metrics /openapi.json /docs; do
		req -X POST -H 'Content-Type: application/json' --data-binary '{}' "$p"
		code_is 405
		[[ "$HEADERS" == *"Allow: GET, HEAD"* ]]
	done
	req -X DELETE /metrics
	code_is 405
	req -X PUT -H 'Content-Type: application/json' --data-binary "$EX1" /predict
	code_is 405
	# lighttpd answers a method it does not know 501; not a 5xx to us.
	req -X BREW /predict
	code_is 405
	body_is '.detail == "Method Not Allowed"'
	[[ "$HEADERS" == *"Allow: "* ]]
}

@test "an unknown path answers 404 with a JSON body" {
	for p in /nope /predict/ /predictx /health/x /_error /report/ /reports /report/x; do
		req "$p"
		code_is 404
		body_is '.detail == "Not Found"'
	done
}

# ---------------------------------------------------------------------
# GET /metrics
# ---------------------------------------------------------------------

@test "GET /metrics has the counters, a latency histogram and the reloads" {
	predict "$EX1"
	code_is 200
	predict '{}'
	code_is 422
	req /metrics
	code_is 200
	body_is '(.total_requests, .total_predictions, .positive_predictions, .negative_predictions, .model_reloads, .model_reloads_refused) | type == "number"'
	body_is '.total_predictions == .positive_predictions + .negative_predictions'
	body_is '.total_requests == ([.requests_by_status[]] | add)'
	body_is '.errors_by_status | has("404") and has("422") and (has("200") | not)'
	body_is '.latency_seconds.buckets[0].le == 0.000025 and .latency_seconds.buckets[-2].le == 5 and .latency_seconds.buckets[-1].le == "+Inf"'
	body_is '.latency_seconds.buckets[-1].count == .total_requests and .latency_seconds.count == .total_requests'
	body_is '[.latency_seconds.buckets[].count] | . == sort'
	# By route: the routes add up to the totals, each its own histogram.
	body_is '([.requests_by_route[].requests] | add) == .total_requests'
	body_is '([.requests_by_route[].latency_seconds.count] | add) == .total_requests'
	body_is '.requests_by_route.predict.by_status | has("200") and has("422")'
	body_is '[.requests_by_route[] | .requests == ([.by_status[]] | add // 0)] | all'
	body_is '.shared == true and (.workers | length) >= 1'
}

@test "GET /metrics speaks the Prometheus text format when asked" {
	predict "$EX1"
	code_is 200
	for how in '?format=prometheus' 'Accept'; do
		if [ "$how" = Accept ]; then
			req -H 'Accept: text/plain;version=0.0.4;q=0.5,*/*;q=0.1' /metrics
		else
			req "/metrics$how"
		fi
		code_is 200
		[[ "$HEADERS" == *"Content-Type: text/plain; version=0.0.4"* ]]
		grep -q '^# TYPE hd_requests_total counter$' b
		grep -q '^hd_requests_total{route="predict",code="200"} [1-9][0-9]*$' b
		grep -q '^hd_predictions_total{class="1"} [0-9][0-9]*$' b
		grep -q '^hd_request_duration_seconds_bucket{route="predict",le="+Inf"} [1-9][0-9]*$' b
		grep -q '^hd_request_duration_seconds_bucket{route="metrics",le="2.5e-05"} [0-9][0-9]*$' b
		# The model as /health describes it; version: 12 hex digits.
		info=$(curl -s "$URL/health" | jq -r --arg v "${LR_SHA:0:12}" '"hd_model_info{name=\"heart-disease\",version=\"\($v)\",kind=\"\(.model.kind)\",sha256=\"\(.model.sha256)\",created=\"\(.model.created // "")\"} 1"')
		[[ "$info" == *"sha256=\"$LR_SHA\""* ]]
		grep -qxF "$info" b || fail "want $info, got $(grep hd_model_info b)"
		grep -q '^hd_build_info{version="[0-9.]*",' b
		grep -q '^hd_model_reloads_total{result="refused"} [0-9][0-9]*$' b
	done
	req -H 'Accept: application/json' /metrics
	body_is '.total_requests > 0'
}

@test "metrics count every request exactly across the two workers" {
	p1=$(reference "$M/lr.json" "$ROW1")
	p2=$(reference "$M/lr.json" "$ROW2")
	y1=$(awk "BEGIN {print ($p1 >= 0.5)}")
	y2=$(awk "BEGIN {print ($p2 >= 0.5)}")
	printf '%s' "$EX1" > ex1.json
	printf '%s' "$EX2" > ex2.json
	printf '%s' "$(jq -c '.age = 500' <<<"$EX1")" > bad.json
	# 200 requests: 120 + 40 predictions, 20 bad (422), 20 unknown paths.
	{
		for i in $(seq 1 200); do
			if [ "$i" -le 120 ]; then f=ex1.json
			elif [ "$i" -le 160 ]; then f=ex2.json
			elif [ "$i" -le 180 ]; then f=bad.json
			else f=
			fi
			if [ -n "$f" ]; then
				printf 'url = "%s/predict"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\n' "$URL" "$f"
			else
				printf 'url = "%s/nope"\n' "$URL"
			fi
			printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
			[ "$i" -eq 200 ] || printf 'next\n'
		done
	} > many.curl
	curl -s "$URL/metrics" > before
	curl -s --parallel --parallel-max 8 -K many.curl > codes
	curl -s "$URL/metrics" > after
	[ "$(grep -c '^200$' codes)" -eq 160 ]
	[ "$(grep -c '^422$' codes)" -eq 20 ]
	[ "$(grep -c '^404$' codes)" -eq 20 ]
	# Deltas; the first /metrics counts itself once it has answered.
	d() { echo $(( $(jq -r "$1" after) - $(jq -r "$1" before) )); }
	[ "$(d .total_requests)" -eq 201 ]
	[ "$(d '.requests_by_status."200"')" -eq 161 ]
	[ "$(d '.requests_by_status."422"')" -eq 20 ]
	[ "$(d '.requests_by_status."404"')" -eq 20 ]
	[ "$(d '.errors_by_status."404"')" -eq 20 ]
	[ "$(d .total_predictions)" -eq 160 ]
	[ "$(d .positive_predictions)" -eq $((120 * y1 + 40 * y2)) ]
	[ "$(d .negative_predictions)" -eq $((120 * (1 - y1) + 40 * (1 - y2))) ]
	[ "$(d .unseen_levels)" -eq 320 ]
	[ "$(d '.latency_seconds.count')" -eq 201 ]
	[ "$(d '.latency_seconds.buckets[-1].count')" -eq 201 ]
	# By route: 180 /predict (160 answered, 20 refused), 20 others, and
	# the first /metrics.
	[ "$(d '.requests_by_route.predict.requests')" -eq 180 ]
	[ "$(d '.requests_by_route.predict.by_status."200" // 0')" -eq 160 ]
	[ "$(d '.requests_by_route.predict.by_status."422" // 0')" -eq 20 ]
	[ "$(d '.requests_by_route.predict.latency_seconds.count')" -eq 180 ]
	[ "$(d '.requests_by_route.other.by_status."404" // 0')" -eq 20 ]
	[ "$(d '.requests_by_route.metrics.requests')" -eq 1 ]
	# Both workers took part, and their slots add up to the total.
	jq -e '[.workers[] | select(.group == "requests" and .requests > 0)] | length == 2' after
	jq -e '([.workers[].requests] | add) == .total_requests' after
}

# ---------------------------------------------------------------------
# Model reloads
# ---------------------------------------------------------------------

@test "a new model moved into place is served within a second, no request failing" {
	reloads=$(metric .model_reloads)
	predict "$EX1"
	p_lr=$(jq -r .probability b)
	# Requests all along the swap.
	( end=$((SECONDS + 2)); while [ $SECONDS -lt $end ]; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
			--data-binary "$EX1" "$URL/predict"
	done ) > during &
	loop=$!
	sleep 0.3
	cp "$M/rf.json" "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	start=$(date +%s%N)
	until [ "$(curl -s "$URL/health" | jq -r .model.sha256)" = "$RF_SHA" ]; do
		[ $(( $(date +%s%N) - start )) -lt 1000000000 ] || fail "not served after 1 s"
		sleep 0.02
	done
	# Every worker serves it from its first request after the reload
	# interval (100 ms).
	sleep 0.15
	for _ in 1 2 3 4; do
		req /health
		body_is ".model.kind == \"random_forest\" and .model.sha256 == \"$RF_SHA\""
	done
	predict "$EX1"
	body_is ".model.sha256 == \"$RF_SHA\""
	p_rf=$(jq -r .probability b)
	[ "$p_rf" != "$p_lr" ]
	same_double "$p_rf" "$(reference "$M/rf.json" "$ROW1")"
	wait "$loop"
	[ "$(wc -l < during)" -gt 10 ]
	[ "$(grep -vc '^200$' during)" -eq 0 ]
	[ "$(metric .model_reloads)" -gt "$reloads" ]
	use_model "$M/lr.json"
}

@test "a broken model file is refused and the old model keeps serving" {
	refused=$(metric .model_reloads_refused)
	predict "$EX1"
	p=$(jq -r .probability b)
	echo 'this is not a model' > "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	sleep 0.3
	for _ in 1 2 3 4; do
		req /health
		code_is 200
		body_is ".status == \"ok\" and .model.sha256 == \"$LR_SHA\""
		body_is ".refused.path == \"$M/model.json\" and .refused.reason == \"not valid JSON (line 1)\""
		body_is '.refused.at | test("^[0-9-]{10}T[0-9:]{8}Z$")'
		body_is ".refused.sha256 == \"$(sha256sum < "$M/model.json" | cut -d' ' -f1)\""
	done
	predict "$EX1"
	code_is 200
	same_double "$(jq -r .probability b)" "$p"
	[ "$(metric .model_reloads_refused)" -gt "$refused" ]
	# Another format: refused too, with its reason.
	jq '.format = "hd-metrics"' "$M/lr.json" > "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	sleep 0.3
	req /health
	body_is '.status == "ok" and (.refused.reason | startswith("not an hd-model file"))'
	# A good file clears the refusal.
	use_model "$M/lr.json"
	req /health
	body_is 'has("refused") | not'
	grep -q 'refused (not valid JSON (line 1)); still serving' "$RUN/hd-fcgi.log"
}

@test "with no loadable model at start, /health and /predict answer 503 until one appears" {
	local run port pidfile
	run=$(mktemp -d /tmp/hd-fcgi-test.XXXXXX)
	port=$(free_port)
	serve_config "$run" "$port" "$run/model.json" 1 "$SHM-b" > "$run/lighttpd.conf"
	pidfile=$run/lighttpd.pid
	start_lighttpd "$run/lighttpd.conf" "$pidfile" "$port"
	URL=http://127.0.0.1:$port
	req /health
	code_is 503
	body_is ".status == \"unavailable\" and .path == \"$run/model.json\""
	body_is '.reason | endswith("model.json: No such file or directory")'
	predict "$EX1"
	code_is 503
	body_is '.detail | startswith("No model can be served")'
	# Client errors are still client errors.
	predict '{"age":'
	code_is 400
	echo garbage > "$run/model.json"
	sleep 0.2
	req /health
	code_is 503
	body_is '.refused.reason == "not valid JSON (line 1)"'
	cp "$M/lr.json" "$run/.m.tmp"
	mv "$run/.m.tmp" "$run/model.json"
	sleep 0.2
	req /health
	code_is 200
	body_is ".model.sha256 == \"$LR_SHA\""
	predict "$EX1"
	code_is 200
	stop_pid "$pidfile"
	rm -rf "$run"
	rm_counters "$SHM-b"
}

# ---------------------------------------------------------------------
# lighttpd's supervision
# ---------------------------------------------------------------------

# Requests for $1 seconds from $2 parallel loops; codes to file $3.
traffic() {
	local i
	for i in $(seq 1 "$2"); do
		( end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do
			curl -s -m 5 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
				--data-binary "$EX1" "$URL/predict"
		done ) > "$3.$i" &
	done
}

@test "SIGUSR1 to lighttpd under traffic drops no request" {
	lpid=$(cat "$LIGHTTPD_PID")
	before=$(api_workers "$lpid" | sort)
	total=$(metric .total_requests)
	traffic 2 2 codes
	sleep 0.5
	kill -USR1 "$lpid"
	wait
	cat codes.* > codes
	[ "$(wc -l < codes)" -gt 10 ]
	[ "$(grep -vc '^200$' codes)" -eq 0 ]
	# The same lighttpd, new workers, and the counts go on.
	kill -0 "$lpid"
	after=$(api_workers "$lpid" | sort)
	[ -n "$after" ]
	[ "$after" != "$before" ]
	[ "$(metric .total_requests)" -eq $((total + 1 + $(wc -l < codes))) ]
	req /health
	code_is 200
}

# True once lighttpd ($1) has two workers and none of the PIDs in $2.
new_workers() {
	local now
	now=$(api_workers "$1" | sort)
	[ "$(wc -l <<<"$now")" -eq 2 ] || return 1
	[ -z "$(comm -12 <(echo "$now") <(echo "$2"))" ]
}

@test "after SIGUSR1 with a broken model file in place the new workers serve the last verified model" {
	lpid=$(cat "$LIGHTTPD_PID")
	predict "$EX1"
	code_is 200
	body_is ".model.sha256 == \"$LR_SHA\""
	p=$(jq -r .probability b)
	# teardown puts the good file back, even if this test fails.
	BROKE_MODEL=1
	echo 'this is not a model' > "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	sleep 0.3
	req /health
	body_is ".model.sha256 == \"$LR_SHA\" and .refused.path == \"$M/model.json\""
	before=$(api_workers "$lpid" | sort)
	kill -USR1 "$lpid"
	for i in $(seq 1 100); do
		new_workers "$lpid" "$before" && break
		[ "$i" -lt 100 ] || fail "no new workers 5 s after SIGUSR1"
		sleep 0.05
	done
	after=$(api_workers "$lpid" | sort)
	wait_port "$PORT"
	# New workers only, each with the model it was serving before.
	for _ in 1 2 3 4; do
		req /health
		code_is 200
		body_is ".status == \"ok\" and .model.sha256 == \"$LR_SHA\""
		body_is ".refused.path == \"$M/model.json\" and .refused.reason == \"not valid JSON (line 1)\""
		grep -qx "$(jq -r .worker.pid b)" <<<"$after"
	done
	for _ in 1 2 3 4; do
		predict "$EX1"
		code_is 200
		body_is ".model.sha256 == \"$LR_SHA\""
		same_double "$(jq -r .probability b)" "$p"
	done
}

@test "kill -9 of a worker under traffic: lighttpd respawns it and counts stay consistent" {
	lpid=$(cat "$LIGHTTPD_PID")
	curl -s "$URL/metrics" > before
	w0='[.workers[] | select(.group == "requests")][0]'
	victim=$(jq -r "$w0.pid" before)
	slot=$(jq -r "$w0.slot" before)
	kept=$(jq -r "$w0.requests" before)
	starts=$(jq -r "$w0.starts" before)
	kill -0 "$victim"
	traffic 2 2 codes
	sleep 0.3
	kill -9 "$victim"
	wait
	sleep 1.5
	# Everything answers again, and a new worker holds the slot.
	for _ in $(seq 1 20); do
		predict "$EX1"
		code_is 200
	done
	[ "$(api_workers "$lpid" | wc -l)" -eq 2 ]
	if kill -0 "$victim" 2>/dev/null; then fail "worker $victim still runs"; fi
	curl -s "$URL/metrics" > after
	jq -e ".workers[] | select(.slot == $slot) | .pid != $victim and .starts == $((starts + 1)) and .requests >= $kept" after
	jq -e '.total_requests == ([.requests_by_status[]] | add)' after
	jq -e '.total_predictions == .positive_predictions + .negative_predictions' after
	jq -e '.total_requests == ([.workers[].requests] | add)' after
	[ "$(jq .total_requests after)" -gt "$(jq .total_requests before)" ]
}

# ---------------------------------------------------------------------
# pipelines/hd-serve
# ---------------------------------------------------------------------

@test "pipelines/hd-serve starts, reports and stops a server in the background" {
	local run port
	run=$(mktemp -d /tmp/hd-fcgi-test.XXXXXX)
	port=$(free_port)
	export HD_RUN_DIR=$run HD_SOCKET=$run/s HD_PORT=$port HD_MODEL=$M/lr.json \
		HD_WORKERS=1 HD_METRICS_SHM=$SHM-c
	run -0 "$REPO/pipelines/hd-serve" start
	[[ "$output" == *"serving on http://127.0.0.1:$port/"* ]]
	run -0 "$REPO/pipelines/hd-serve" status
	[[ "${lines[0]}" == *"running"*"/health 200" ]]
	jq -e ".model.sha256 == \"$LR_SHA\"" <<<"${lines[1]}"
	run -0 "$REPO/pipelines/hd-serve" stop
	[[ "$output" == *"stopped"* ]]
	[ ! -e "/dev/shm/hd-fcgi-$SHM-c-v1" ]
	[ ! -e "/dev/shm/hd-fcgi-$SHM-c-v1.model" ]
	run -3 "$REPO/pipelines/hd-serve" status
	rm -rf "$run"
}
