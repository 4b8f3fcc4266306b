#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# jq's $variables are jq's, in single quotes on purpose.
# shellcheck disable=SC2016
# The Open Inference Protocol (KServe v2 REST, fcgi/oip.c) behind a
# real lighttpd on a free 127.0.0.1 port, its config made by
# pipelines/hd-serve config, two workers from $HD_BIN.
#
# The models come from the real data (lr.json served, rf.json named
# "rf-heart" for the version tests); the request bodies are made by
# tests/oip_body.py from the real test rows, and every score is
# checked against hd-predict's and /predict's on the same rows.

load test_helper
bats_require_minimum_version 1.5.0

FEATURES='["age","sex","cp","trestbps","chol","fbs","restecg","thalach","exang","oldpeak","slope","ca","thal"]'
ROW='{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'

# The lighttpd config for run folder $1, port $2, model $3, counters
# $4; workers' body limit 65536 bytes, lighttpd's 1024 KiB, so the
# workers' 413 is reached.
serve_config() {
	HD_RUN_DIR=$1 HD_SOCKET=$1/s HD_PORT=$2 HD_MODEL=$3 HD_WORKERS=2 \
		HD_METRICS_SHM=$4 HD_REPORT=$BATS_FILE_TMPDIR/report.html HD_MAX_REQUEST_KIB=1024 HD_MAX_BODY=65536 \
		"$REPO/pipelines/hd-serve" config
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 20 --name rf-heart -o rf.json train.csv
	cp lr.json model.json
	# 40 test rows, some with missing values; the bodies stay under the
	# workers' 64 KiB.
	sed -n '1p;60,99p' test.csv > rows.csv
	hd-predict lr.json rows.csv | tail -n +2 | awk -F, '{print $(NF - 1)}' > lr.prob
	hd-predict lr.json rows.csv | tail -n +2 | awk -F, '{print $NF}' > lr.pred
	[ "$(wc -l < lr.prob)" = 40 ]
	# The rows hold missing values (empty fields), imputed by both.
	grep -q ',,' rows.csv
	RUN=$(mktemp -d /tmp/hd-oip-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdtest-oip-$$-$PORT
	serve_config "$RUN" "$PORT" "$BATS_FILE_TMPDIR/model.json" "$SHM" > "$RUN/lighttpd.conf"
	LIGHTTPD_PID=$RUN/lighttpd.pid
	start_lighttpd "$RUN/lighttpd.conf" "$LIGHTTPD_PID" "$PORT"
	LR_VER=$(sha256sum < lr.json | cut -c1-12)
	RF_VER=$(sha256sum < rf.json | cut -c1-12)
	export RUN PORT SHM LIGHTTPD_PID LR_VER RF_VER URL=http://127.0.0.1:$PORT
}

teardown_file() {
	stop_pid "$LIGHTTPD_PID"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	M=$BATS_FILE_TMPDIR
	INFER=/v2/models/heart-disease/infer
}

teardown() {
	if [ -n "${SWAPPED_MODEL:-}" ]; then
		use_model "$M/lr.json"
	fi
	# A test that started a server of its own (in OWN, counters OWN_SHM).
	if [ -n "${OWN:-}" ]; then
		stop_pid "$OWN/lighttpd.pid"
		rm -rf "$OWN"
		rm_counters "$OWN_SHM"
	fi
}

# body FORM [DATATYPE]: an OIP body of the 40 rows (tests/oip_body.py).
body() {
	"$PY" "$REPO/tests/oip_body.py" "$1" "$M/rows.csv" "${2:-FP64}"
}

# infer BODY [CURL ARGS...]: POST BODY (a file) to $INFER.
infer() {
	local data=$1
	shift
	req -H 'Content-Type: application/json' --data-binary "@$data" "$@" "$INFER"
}

# infer_text TEXT [CURL ARGS...]: the same with the body given as text.
infer_text() {
	local data=$1
	shift
	req -H 'Content-Type: application/json' --data-binary "$data" "$@" "$INFER"
}

# The single-patient body of features object $1 (jq), shape [1].
one() {
	jq -c '{inputs: [to_entries[] | {name: .key, shape: [1], datatype: "FP64", data: [.value]}]}' <<<"$1"
}

# An answer is a client error in the protocol's shape: status $1 and
# {"error": "..."} whose message contains $2.
error_is() {
	code_is "$1" || return 1
	body_is --arg m "$2" 'keys == ["error"] and (.error | type == "string") and (.error | contains($m))'
}

# The path of the README's Kubernetes probe $1 (startupProbe, ...).
probe_path() {
	awk -v p="$1:" '$1 == p { want = 1; next } want && /httpGet:/ { sub(/.*path: */, ""); sub(/,.*/, ""); print; exit }' "$REPO/README.md"
}

# ---------------------------------------------------------------------
# Metadata and health
# ---------------------------------------------------------------------

@test "GET /v2 names the server, its version (hd-fcgi --version's) and no extensions" {
	version=$(hd-fcgi --version | awk '{print $NF}')
	req /v2
	code_is 200
	body_is --arg v "$version" '. == {"name": "hd", "version": $v, "extensions": []}'
	grep -qx 'Content-Type: application/json' <<<"$HEADERS"
}

@test "live and ready are 200 while a model is served, without a token" {
	req /v2/health/live
	code_is 200
	body_is '.live == true'
	req /v2/health/ready
	code_is 200
	body_is '.ready == true'
	req /v2/models/heart-disease/ready
	code_is 200
	body_is --arg v "$LR_VER" '. == {"name": "heart-disease", "version": $v, "ready": true}'
	req "/v2/models/heart-disease/versions/$LR_VER/ready"
	code_is 200
}

@test "model metadata: name, the file's SHA-256 as its version, platform, the 13 inputs and 2 outputs" {
	[ ${#LR_VER} = 12 ]
	for path in /v2/models/heart-disease "/v2/models/heart-disease/versions/$LR_VER"; do
		req "$path"
		code_is 200
		body_is --arg v "$LR_VER" '.name == "heart-disease" and .versions == [$v] and .platform == "hd_logistic_regression"'
		body_is --argjson f "$FEATURES" '[.inputs[].name] == $f and all(.inputs[]; .datatype == "FP64" and .shape == [-1])'
		body_is '.outputs == [{"name": "probability", "datatype": "FP64", "shape": [-1]}, {"name": "prediction", "datatype": "INT64", "shape": [-1]}]'
		body_is '.alternative_inputs == [{"name": "patients", "datatype": "FP64", "shape": [-1, 13]}]'
		body_is --arg s "$(sha256sum < "$M/lr.json" | cut -d' ' -f1)" '.parameters.model.sha256 == $s and .parameters.threshold == 0.5'
	done
}

@test "an unknown model name or version is 404 with the protocol's error" {
	req /v2/models/other
	error_is 404 "Unknown model 'other'"
	req /v2/models/other/ready
	error_is 404 "Unknown model"
	req /v2/models/heart-disease/versions/000000000000
	error_is 404 "the version served is $LR_VER"
	req "/v2/models/heart-disease/versions/${LR_VER}0/ready"
	error_is 404 "Unknown version"
	body features > b.json
	infer b.json
	code_is 200
	req -H 'Content-Type: application/json' --data-binary @b.json /v2/models/other/infer
	error_is 404 "Unknown model"
	req -H 'Content-Type: application/json' --data-binary @b.json /v2/models/heart-disease/versions/abc/infer
	error_is 404 "Unknown version 'abc'"
	req -H 'Content-Type: application/json' --data-binary @b.json "/v2/models/heart-disease/versions/$LR_VER/infer"
	code_is 200
	body_is --arg v "$LR_VER" '.model_version == $v'
}

@test "a long unknown name is quoted cut, never inside a UTF-8 letter: the answer stays UTF-8 JSON" {
	a63=$(printf 'a%.0s' $(seq 1 63))
	for name in "$a63%C3%A9" "${a63}a%C3%A9xyz" "%C3%A9%C3%A9"; do
		req "/v2/models/$name"
		code_is 404
		"$PY" -c 'import json, sys; d = json.loads(sys.stdin.buffer.read().decode("utf-8")); assert list(d) == ["error"]' < b ||
			fail "$name: not UTF-8 JSON: $(od -c b | tail -n 3)"
	done
	req "/v2/models/$a63%C3%A9"
	body_is --arg a "$a63" '.error | startswith("Unknown model \u0027" + $a + "\u0027")'
	infer_text "{\"inputs\": [{\"name\": \"$a63\u00e9\"}]}"
	error_is 400 "unknown input '$a63'"
}

@test "unknown paths under /v2 are 404 with the protocol's error" {
	for path in /v2/ /v2/health /v2/health/live/ /v2/models /v2/models/ /v2/models/heart-disease/ \
		/v2/models/heart-disease/versions /v2/models/heart-disease/versions/ /v2/models/heart-disease/predict \
		/v2/repository/index /v2/health/ready/x; do
		req "$path"
		error_is 404 "Not Found" || fail "$path"
	done
}

@test "HEAD answers as GET without a body; other methods are 405 with Allow" {
	for path in /v2 /v2/health/live /v2/health/ready /v2/models/heart-disease /v2/models/heart-disease/ready; do
		req "$path"
		code_is 200
		len=$(grep -i '^content-length:' <<<"$HEADERS")
		CODE=$(curl -s -I -o h -w '%{http_code}' "$URL$path")
		code_is 200
		grep -qi "^$len" h || fail "$path: HEAD is not GET's $len: $(cat h)"
		req -d '' "$path"
		error_is 405 "Method Not Allowed"
		grep -qx 'Allow: GET, HEAD' <<<"$HEADERS" || fail "$path: $HEADERS"
	done
	for m in GET PUT DELETE; do
		req -X "$m" "$INFER"
		error_is 405 "Method Not Allowed"
		grep -qx 'Allow: POST' <<<"$HEADERS" || fail "$m: $HEADERS"
	done
	CODE=$(curl -s -I -o h -w '%{http_code}' "$URL$INFER")
	code_is 405
	grep -qx 'Allow: POST' <(tr -d '\r' < h) || fail "HEAD: $(cat h)"
}

# ---------------------------------------------------------------------
# Inference: the same doubles as hd-predict and /predict
# ---------------------------------------------------------------------

@test "infer, one input per feature: hd-predict's probabilities and classes exactly, on 40 real rows" {
	body features > b.json
	infer b.json
	code_is 200
	body_is --arg v "$LR_VER" '.model_name == "heart-disease" and .model_version == $v and (has("id") | not)'
	body_is '[.outputs[] | {name, datatype, shape}] == [{"name": "probability", "datatype": "FP64", "shape": [40]}, {"name": "prediction", "datatype": "INT64", "shape": [40]}]'
	jq -r '.outputs[0].data[]' b > prob
	jq -r '.outputs[1].data[]' b > pred
	same_double_lines prob "$M/lr.prob"
	diff -u "$M/lr.pred" pred
	# The class is p >= the threshold, as the answer's parameters say.
	body_is '.parameters.threshold == 0.5 and ([.outputs[0].data[] | if . >= 0.5 then 1 else 0 end] == .outputs[1].data)'
}

@test "infer gives /predict's doubles for the same rows" {
	"$PY" "$REPO/tests/oip_body.py" predict "$M/rows.csv" > p.json
	req -H 'Content-Type: application/json' --data-binary @p.json /predict
	code_is 200
	jq -r '.predictions[].probability' b > predict.prob
	jq -r '.predictions[].prediction' b > predict.pred
	body features > b.json
	infer b.json
	code_is 200
	jq -r '.outputs[0].data[]' b > prob
	jq -r '.outputs[1].data[]' b > pred
	same_double_lines prob predict.prob
	diff -u predict.pred pred
}

@test "the other request forms answer the same: [N, 1] columns, patients flat and nested, FP32 and integer types" {
	body features > b.json
	infer b.json
	code_is 200
	jq -c .outputs b > want
	for form in column flat nested; do
		body "$form" > b.json
		infer b.json
		code_is 200
		jq -c .outputs b | diff -u want - || fail "$form"
	done
	body flat FP32 > b.json
	infer b.json
	code_is 200
	jq -c .outputs b | diff -u want - || fail FP32
	# Integer datatypes for the categorical features, whole numbers.
	body features > f.json
	for t in INT8 INT16 INT32 INT64 UINT8 UINT16 UINT32 UINT64; do
		jq --arg t "$t" '.inputs |= map(if .name | IN("sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal") then .datatype = $t else . end)' f.json > b.json
		infer b.json
		code_is 200
		jq -c .outputs b | diff -u want - || fail "$t"
	done
}

@test "null is a missing value, imputed as /predict imputes it" {
	req -H 'Content-Type: application/json' --data-binary "$(jq -c '.chol = null | .ca = null' <<<"$ROW")" /predict
	code_is 200
	want=$(jq -r .probability b)
	jq -c '.chol = null | .ca = null' <<<"$ROW" > row.json
	infer_text "$(one "$(cat row.json)")"
	code_is 200
	same_double "$(jq -r '.outputs[0].data[0]' b)" "$want"
	# And a patients row with nulls.
	infer_text "$(jq -c '{inputs: [{name: "patients", shape: [1, 13], datatype: "FP64", data: [.age, .sex, .cp, .trestbps, .chol, .fbs, .restecg, .thalach, .exang, .oldpeak, .slope, .ca, .thal]}]}' row.json)"
	code_is 200
	same_double "$(jq -r '.outputs[0].data[0]' b)" "$want"
}

@test "the id is echoed; outputs asks for a subset, in its order" {
	infer_text "$(one "$ROW" | jq -c '.id = "req-42 \u00e9"')"
	code_is 200
	body_is '.id == "req-42 é"'
	p=$(jq '.outputs[0].data[0]' b)
	infer_text "$(one "$ROW" | jq -c '.outputs = [{"name": "prediction"}]')"
	code_is 200
	body_is '[.outputs[].name] == ["prediction"] and .outputs[0].datatype == "INT64" and .outputs[0].shape == [1]'
	infer_text "$(one "$ROW" | jq -c '.outputs = [{"name": "prediction"}, {"name": "probability", "parameters": {}}]')"
	code_is 200
	body_is --argjson p "$p" '[.outputs[].name] == ["prediction", "probability"] and .outputs[1].data == [$p]'
	infer_text "$(one "$ROW" | jq -c '.outputs = []')"
	code_is 200
	body_is '[.outputs[].name] == ["probability", "prediction"]'
	# parameters (request's and input's) are accepted and ignored.
	infer_text "$(one "$ROW" | jq -c '.parameters = {"x": 1} | .inputs[0].parameters = {"y": "z"}')"
	code_is 200
	body_is --argjson p "$p" '.outputs[0].data == [$p]'
}

@test "infer is counted in /metrics as /predict is: predictions, positives + negatives, batches" {
	req /metrics
	before=$BODY
	body features > b.json
	infer b.json
	code_is 200
	pos=$(jq '[.outputs[1].data[] | select(. == 1)] | length' b)
	# Both workers' counts are summed: the next /metrics sees them all.
	req /metrics
	jq -n --argjson a "$before" --argjson b "$BODY" --argjson pos "$pos" \
		'($b.total_predictions - $a.total_predictions) == 40 and
		 ($b.positive_predictions - $a.positive_predictions) == $pos and
		 ($b.negative_predictions - $a.negative_predictions) == 40 - $pos' >/dev/null ||
		fail "before $before after $BODY"
}

# ---------------------------------------------------------------------
# Client errors: 4xx in the protocol's shape, never a 5xx
# ---------------------------------------------------------------------

@test "a malformed or mis-shaped body is 400 naming what is wrong" {
	infer_text '{"inputs": ['
	error_is 400 "malformed JSON at byte"
	infer_text ''
	error_is 400 "the body is empty"
	infer_text '[1, 2]'
	error_is 400 'must be an object with "inputs"'
	infer_text '{"inputs": []}'
	error_is 400 '"inputs" must be an array'
	infer_text '{"id": 42, "inputs": [{}]}'
	error_is 400 '"id" must be a string'
	infer_text "$(one "$ROW" | jq -c '.inputs[3].name = "bp"')"
	error_is 400 "unknown input 'bp'"
	infer_text "$(one "$ROW" | jq -c '.inputs[5] = .inputs[4]')"
	error_is 400 "input 'chol' is given twice"
	infer_text "$(one "$ROW" | jq -c 'del(.inputs[12])')"
	error_is 400 "input 'thal' is missing"
	infer_text "$(one "$ROW" | jq -c '.inputs += [{name: "patients", shape: [1, 13], datatype: "FP64", data: [range(13)]}]')"
	error_is 400 "not both"
	infer_text "$(one "$ROW" | jq -c '.inputs[2].shape = [2]')"
	error_is 400 "every input must have the same N"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].data = [63, 64]')"
	error_is 400 '"data" has 2 elements, its shape says 1'
	infer_text "$(one "$ROW" | jq -c '.inputs[0].shape = [1, 2]')"
	error_is 400 "its shape must be [N] or [N, 1]"
	infer_text '{"inputs": [{"name": "patients", "shape": [1, 12], "datatype": "FP64", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}'
	error_is 400 "its shape must be [N, 13]"
	infer_text '{"inputs": [{"name": "patients", "shape": [2, 13], "datatype": "FP64", "data": [[63,1,1,145,233,1,2,150,0,2.3,3,0,6], [63,1,1]]}]}'
	error_is 400 "row 1 of \"data\" must be an array of 13"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].shape = [0] | .inputs[0].data = []')"
	error_is 400 "no patients"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].shape = [1.5]')"
	error_is 400 '"shape" must be an array of 1 or 2 whole numbers'
	infer_text "$(one "$ROW" | jq -c '.outputs = [{"name": "logits"}]')"
	error_is 400 "unknown output 'logits'"
	infer_text "$(one "$ROW" | jq -c '.outputs = [{"name": "prediction"}, {"name": "prediction"}]')"
	error_is 400 "asked twice"
}

@test "N up to the batch limit (1000) is scored, one over it is 400" {
	jq -nc '{inputs: [{name: "patients", shape: [1000, 13], datatype: "FP64", data: [range(1000) | [63,1,1,145,233,1,2,150,0,2.3,3,0,6][]]}]}' > b.json
	[ "$(wc -c < b.json)" -lt 65536 ]
	infer b.json
	code_is 200
	body_is '.outputs[0].shape == [1000] and (.outputs[0].data | length) == 1000 and (.outputs[0].data | unique | length) == 1'
	infer_text '{"inputs": [{"name": "patients", "shape": [1001, 13], "datatype": "FP64", "data": []}]}'
	error_is 400 "1001 patients; the limit is 1000"
}

@test "values are checked as /predict checks them, naming the input, the index and the value" {
	infer_text "$(one "$ROW" | jq -c '.inputs[4].data = [9999]')"
	error_is 400 "input 'chol' [0]: 9999 is out of range"
	infer_text "$(one "$ROW" | jq -c '.inputs[2].data = [1.5]')"
	error_is 400 "input 'cp' [0]: 1.5 is not a whole number: cp is a category"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].data = ["63"]')"
	error_is 400 "input 'age' [0]: a string is not a number"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].data = [true]')"
	error_is 400 "a boolean is not a number"
	infer_text "$(one "$ROW" | jq -c '.inputs[0].datatype = "INT64" | .inputs[9].datatype = "INT32"')"
	error_is 400 "input 'oldpeak' [0]: 2.3 is not a whole number that INT32 can hold"
	infer_text "$(one "$ROW" | jq -c '.inputs[1].datatype = "UINT8" | .inputs[1].data = [-1]')"
	error_is 400 "input 'sex' [0]: -1 is not a whole number that UINT8 can hold"
	for t in BOOL BYTES FP16 BF16 float64; do
		infer_text "$(one "$ROW" | jq -c --arg t "$t" '.inputs[0].datatype = $t')"
		error_is 400 "datatype '$t' is not accepted" || fail "$t"
	done
	# In the patients form the index is [row, column] and the feature named.
	body flat > f.json
	jq -c '.inputs[0].data[13 * 7 + 3] = 500' f.json > b.json
	infer b.json
	error_is 400 "input 'patients' [7, 3] (trestbps): 500 is out of range"
	# /predict refuses the same value.
	req -H 'Content-Type: application/json' --data-binary "$(jq -c '.trestbps = 500' <<<"$ROW")" /predict
	code_is 422
}

@test "415 for a Content-Type that is not JSON; none at all is accepted" {
	one "$ROW" > b.json
	req -H 'Content-Type: text/plain' --data-binary @b.json "$INFER"
	error_is 415 "Content-Type must be application/json"
	req -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @b.json "$INFER"
	error_is 415 "application/json"
	req -H 'Content-Type:' --data-binary @b.json "$INFER"
	code_is 200
	req -H 'Content-Type: application/json; charset=utf-8' --data-binary @b.json "$INFER"
	code_is 200
}

@test "a body over the workers' limit is 413 in the protocol's shape" {
	head -c 70000 /dev/zero | tr '\0' ' ' > big
	printf '{"inputs": []}' >> big
	infer big
	error_is 413 "the limit is 65536 bytes"
}

@test "a body over lighttpd's limit is 413 in the protocol's shape too; /predict's stays FastAPI's" {
	head -c 1100000 /dev/zero | tr '\0' ' ' > huge
	infer huge
	error_is 413 "Request body too large"
	req -H 'Content-Type: application/json' --data-binary @huge /predict
	code_is 413
	body_is '. == {"detail": "Request body too large"}'
}

@test "a body that stops arriving is 408 in the protocol's shape, after the worker's read deadline" {
	run -0 "$PY" "$REPO/tests/fcgi_client.py" stall "$HD_BIN/hd-fcgi" \
		"$BATS_TEST_TMPDIR" 10 200 "$INFER" -- --model "$M/lr.json" --shm "$SHM-stall" \
		--read-timeout 1
	rm_counters "$SHM-stall"
	jq -e '.status == 408 and .seconds < 5' <<<"$output"
	jq -e '.body | fromjson | . == {"error": "Request Timeout: the body stopped arriving"}' <<<"$output"
}

@test "no client mistake gets a 5xx: a sweep of broken bodies" {
	one "$ROW" > good.json
	for mut in '.inputs[0] = 1' '.inputs = {}' '.inputs[0].name = 7' '.inputs[0].data = {}' \
		'.inputs[0].data = 5' '.inputs[0].shape = "1"' '.inputs[0].shape = []' '.inputs[0].shape = [1, 1, 1]' \
		'.inputs[0].shape = [-1]' '.inputs[0].datatype = null' '.outputs = {}' '.outputs = [1]' \
		'.parameters = []' '.inputs[0].parameters = 1' '.inputs[0].data = [[63]]' '.inputs[0].data = [1e400]'; do
		infer_text "$(jq -c "$mut" good.json 2>/dev/null || echo '{"inputs": 1e999}')"
		[ "$CODE" -ge 400 ] && [ "$CODE" -lt 500 ] || fail "$mut: $CODE $BODY"
		body_is 'keys == ["error"]' || fail "$mut"
	done
}

# ---------------------------------------------------------------------
# The documentation
# ---------------------------------------------------------------------

@test "openapi.json describes every OIP endpoint, and /docs renders them in Chromium" {
	req /openapi.json
	code_is 200
	cp b spec.json
	jq -r '.paths | keys[] | select(startswith("/v2"))' spec.json > want
	[ "$(wc -l < want)" = 9 ] || fail "$(cat want)"
	body_is '.paths["/v2/models/{name}/infer"].post.requestBody.content["application/json"].schema["$ref"] == "#/components/schemas/OipInferRequest"'
	# Every example infer body of the document is answered 200 here.
	for ex in features patients; do
		jq -c --arg e "$ex" '.paths["/v2/models/{name}/infer"].post.requestBody.content["application/json"].examples[$e].value' spec.json > ex.json
		infer ex.json
		code_is 200 || fail "example $ex"
	done
	# The page reads /openapi.json and builds one operation per path.
	timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
		--dump-dom "$URL/docs" 2>/dev/null > dom.html
	run ! grep -qE 'id="ops">(Could not read|Loading)' dom.html
	while read -r path; do
		grep -qF "<code>$path</code>" dom.html || fail "/docs does not show $path"
	done < want
	grep -q 'id="schema-OipInferRequest"' dom.html
}

# ---------------------------------------------------------------------
# Versions follow the file
# ---------------------------------------------------------------------

@test "a new model file is a new version: its name and SHA-256, the old version 404" {
	SWAPPED_MODEL=1
	use_model "$M/rf.json"
	req /v2/models/rf-heart
	code_is 200
	body_is --arg v "$RF_VER" '.versions == [$v] and .platform == "hd_random_forest"'
	req /v2/models/heart-disease
	error_is 404 "this server serves 'rf-heart'"
	req "/v2/models/rf-heart/versions/$LR_VER/ready"
	error_is 404 "Unknown version"
	body features > b.json
	req -H 'Content-Type: application/json' --data-binary @b.json /v2/models/rf-heart/infer
	code_is 200
	jq -r '.outputs[0].data[]' b > prob
	hd-predict "$M/rf.json" "$M/rows.csv" | tail -n +2 | awk -F, '{print $(NF - 1)}' > want
	same_double_lines prob want
}

# ---------------------------------------------------------------------
# Live vs ready, and tokens: servers of their own
# ---------------------------------------------------------------------

@test "with no model: live 200, ready and model ready 503 with the reason, infer 503" {
	local run port
	OWN=$(mktemp -d /tmp/hd-oip-test.XXXXXX) OWN_SHM=$SHM-n
	run=$OWN
	port=$(free_port)
	serve_config "$run" "$port" "$run/model.json" "$OWN_SHM" > "$run/lighttpd.conf"
	start_lighttpd "$run/lighttpd.conf" "$run/lighttpd.pid" "$port"
	URL=http://127.0.0.1:$port
	req /v2/health/live
	code_is 200
	body_is '.live == true'
	req /v2
	code_is 200
	req /v2/health/ready
	code_is 503
	body_is 'keys == ["error", "ready"] and .ready == false and (.error | startswith("No model can be served")) and (.error | endswith("model.json: No such file or directory"))'
	grep -qx 'Retry-After: 1' <<<"$HEADERS" || fail "$HEADERS"
	req /v2/models/heart-disease/ready
	code_is 503
	body_is '.ready == false'
	req /v2/models/heart-disease
	error_is 503 "No model can be served"
	infer_text "$(one "$ROW")"
	error_is 503 "No model can be served"
	# The README's probes say the same: live for startup and liveness,
	# not ready.
	for probe in startupProbe livenessProbe readinessProbe; do
		path=$(probe_path "$probe")
		[[ $path == /v2/health/* ]] || fail "README: $probe has no path: '$path'"
		req "$path"
		if [ "$probe" = readinessProbe ]; then
			code_is 503
		else
			code_is 200
		fi
	done
	# Once a model appears, ready follows.
	cp "$M/lr.json" "$run/.m.tmp"
	mv "$run/.m.tmp" "$run/model.json"
	sleep 0.2
	req /v2/health/ready
	code_is 200
	req /v2/health/ready
	code_is 200
}

@test "with HD_API_TOKENS, infer needs a bearer token as /predict does; health and metadata do not" {
	local run port tokens good
	OWN=$(mktemp -d /tmp/hd-oip-test.XXXXXX) OWN_SHM=$SHM-t
	run=$OWN
	port=$(free_port)
	good=oip-$RANDOM-$RANDOM-token
	tokens=$BATS_TEST_TMPDIR/tokens
	"$PY" -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest(), "oip")' "$good" > "$tokens"
	HD_RUN_DIR=$run HD_PORT=$port HD_MODEL=$M/lr.json HD_WORKERS=1 HD_METRICS_SHM=$OWN_SHM HD_WAIT=10 \
		HD_API_TOKENS=$tokens run -0 "$REPO/pipelines/hd-serve" start 3>&-
	URL=http://127.0.0.1:$port
	one "$ROW" > b.json
	infer b.json
	error_is 401 "Not authenticated"
	grep -qx 'WWW-Authenticate: Bearer realm="hd"' <<<"$HEADERS" || fail "$HEADERS"
	infer b.json -H "Authorization: Bearer ${good}x"
	error_is 401 "Invalid token"
	grep -qx 'WWW-Authenticate: Bearer realm="hd", error="invalid_token"' <<<"$HEADERS" || fail "$HEADERS"
	infer b.json -H "Authorization: Bearer $good"
	code_is 200
	for path in /v2 /v2/health/live /v2/health/ready /v2/models/heart-disease /v2/models/heart-disease/ready; do
		req "$path"
		code_is 200 || fail "$path"
	done
}
