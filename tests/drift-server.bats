#!/usr/bin/env bats
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# Drift in the server: every patient scored adds to its features' bins
# in the shared counters, and /metrics reports each feature's PSI
# against the model's reference profile.  A real lighttpd with two
# workers from $HD_BIN serves a model trained on three sites; the
# Swiss rows and the held-out rows are replayed through /predict and
# the server's figures compared with hd-drift's on the same file.

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	hd-clean "$MIRROR"/processed.{cleveland,hungarian,va}.data > three.csv
	hd-clean "$MIRROR"/processed.switzerland.data > swiss.csv
	hd-split --train train.csv --test test.csv three.csv
	hd-fit-lr -o lr.json train.csv
	hd-fit-rf --trees 30 -o rf.json train.csv
	cp lr.json model.json
	RUN=$(mktemp -d /tmp/hd-drift-test.XXXXXX)
	PORT=$(free_port)
	SHM=hddrift-$$-$PORT
	HD_RUN_DIR=$RUN HD_SOCKET=$RUN/s HD_PORT=$PORT HD_MODEL=$BATS_FILE_TMPDIR/model.json \
		HD_WORKERS=2 HD_METRICS_SHM=$SHM "$REPO/pipelines/hd-serve" config > "$RUN/lighttpd.conf"
	LIGHTTPD_PID=$RUN/lighttpd.pid
	start_lighttpd "$RUN/lighttpd.conf" "$LIGHTTPD_PID" "$PORT"
	export RUN PORT SHM LIGHTTPD_PID URL=http://127.0.0.1:$PORT
}

teardown_file() {
	stop_pid "$LIGHTTPD_PID"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

setup() {
	cd "$BATS_FILE_TMPDIR" || exit
}

# replay CSV [FORM PATH]: POST its rows in batches of 25 (so that both
# workers count some), as /predict batches or (FORM, PATH) OIP infer
# requests (tests/oip_body.py, empty fields as null); prints how many.
replay() {
	local form=${2:-predict} path=${3:-/predict} c code
	rm -rf chunks
	mkdir chunks
	tail -n +2 "$1" | split -l 25 - chunks/c.
	for c in chunks/c.*; do
		{ head -n 1 "$1"; cat "$c"; } > "$c.csv"
		code=$("$PY" "$REPO/tests/oip_body.py" "$form" "$c.csv" |
			curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
				--data-binary @- "$URL$path")
		[ "$code" = 200 ] || fail "$path: $code"
	done
	tail -n +2 "$1" | wc -l
}

# same_drift DRIFT.json: the server's JSON and Prometheus figures are
# the ones hd-drift wrote in DRIFT.json, number for number.
same_drift() {
	curl -s "$URL/metrics" > m.json
	curl -s "$URL/metrics?format=prometheus" > m.txt
	"$PY" - "$1" m.json m.txt <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))["drift"]
prom = {}
for line in open(sys.argv[3]):
    if line.startswith("hd_drift_psi{"):
        name, value = line.split()
        prom[name[len('hd_drift_psi{feature="'):-2]] = float(value)
    elif line.startswith("hd_prediction_drift_psi "):
        prom["<prediction>"] = float(line.split()[1])
ours = {f["name"]: f["psi"] for f in d["features"]}
bad = [f"{k}: hd-drift {v!r}, /metrics {m['psi'][k]!r}, prometheus {prom.get(k)!r}"
       for k, v in ours.items() if not (m["psi"][k] == v == prom.get(k))]
pv = d["prediction"]["psi"]
if not (m["prediction_psi"] == pv == prom.get("<prediction>")):
    bad.append(f"prediction: hd-drift {pv!r}, /metrics {m['prediction_psi']!r}")
if m["rows"] != d["data"]["rows"]:
    bad.append(f"rows: hd-drift {d['data']['rows']}, /metrics {m['rows']}")
if bad:
    sys.exit("\n".join(bad))
PY
}

# serve FILE ROWS: put model FILE in place by rename and wait until the
# workers count ROWS drift rows for it (-1: no profile), asking three
# times in a row (each worker reloads before its next request).
serve() {
	cp "$1" model.json.new
	mv model.json.new model.json
	for _ in $(seq 1 50); do
		[ "$(drift_rows)" = "$2" ] && [ "$(drift_rows)" = "$2" ] && [ "$(drift_rows)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1: /metrics counts $(drift_rows) drift rows, not $2"
}

# drift_rows: the patients /metrics counts against the served model.
drift_rows() {
	curl -s "$URL/metrics" | "$PY" -c 'import json, sys; d = json.load(sys.stdin)["drift"]; print(-1 if d is None else d["rows"])'
}

@test "the Swiss rows replayed through /predict give hd-drift's PSI for every feature, and flag chol" {
	[ "$(drift_rows)" = 0 ]
	n=$(replay swiss.csv)
	run -3 hd-drift --json -o swiss-drift.json model.json swiss.csv
	[ "$(drift_rows)" = "$n" ]
	same_drift swiss-drift.json
	# What an alert on the gauge would see.
	chol=$(sed -n 's/^hd_drift_psi{feature="chol"} //p' m.txt)
	awk -v p="$chol" 'BEGIN { exit !(p > 1) }' || fail "chol PSI $chol"
}

@test "a new model starts its bins from zero; the same model's survive a worker's respawn" {
	serve rf.json 0
	n=$(replay test.csv)
	run -0 hd-drift --json -o test-drift.json model.json test.csv
	same_drift test-drift.json
	# A worker killed is respawned by lighttpd into its slot: its counts stay.
	kill -9 "$(api_workers "$(cat "$LIGHTTPD_PID")" | head -n1)"
	for _ in $(seq 1 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" = 200 ] && break
		sleep 0.1
	done
	[ "$(drift_rows)" = "$n" ]
	same_drift test-drift.json
	serve lr.json 0
}

@test "patients scored through OIP infer count as /predict's do" {
	# The same model under another name is another file: bins from zero.
	jq -c '.name = "drift-oip"' lr.json > oip.json
	serve oip.json 0
	n=$(replay swiss.csv flat /v2/models/drift-oip/infer)
	[ "$(drift_rows)" = "$n" ]
	run -3 hd-drift --json -o oip-drift.json oip.json swiss.csv
	same_drift oip-drift.json
	serve lr.json 0
}

@test "a model file without a reference profile serves, with no drift figures" {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); del d["reference"]; json.dump(d, open(sys.argv[2], "w"))' \
		lr.json old.json
	serve old.json -1
	replay test.csv
	curl -s "$URL/metrics?format=prometheus" > m.txt
	run ! grep -q '^hd_drift' m.txt
	grep -q '^hd_model_up 1$' m.txt
	run -1 --separate-stderr hd-drift old.json test.csv
	serve lr.json 0
}
