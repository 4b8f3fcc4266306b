# shellcheck shell=bash
# Shared by the bench scripts: where things are, and a measuring helper.
# The variables are for the scripts that source this file.
# shellcheck disable=SC2034
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${HD_BIN:-$REPO/build/bin}
MIRROR=${HD_DATA_MIRROR:-$REPO/../shared/data/uci-heart-disease}
PY=/usr/bin/python3
# The four raw UCI files in their usual order.
RAW=("$MIRROR"/processed.{cleveland,hungarian,switzerland,va}.data)
WORK=${BENCH_DIR:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

# measure LABEL CMD...: run once, print wall seconds and peak RSS.
measure() {
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$WORK/.time" "$@"
	read -r secs kb < "$WORK/.time"
	printf '%-48s %9.3f s   %8d KB peak RSS\n' "$label" "$secs" "$kb"
}

# best_of N CMD...: the fastest of N runs' wall clock, in seconds (the
# machine is noisy); the command's output is discarded, a failure stops.
best_of() {
	local n=$1 best='' t0 t1 t
	shift
	for _ in $(seq "$n"); do
		t0=$(date +%s%N)
		"$@" > /dev/null || return 1
		t1=$(date +%s%N)
		t=$((t1 - t0))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	awk -v ns="$best" 'BEGIN { printf "%.4f\n", ns / 1e9 }'
}

# baseline_fcgi REV: build git revision REV's responder in a scratch
# folder under $WORK; sets BASE_BIN (its hd-fcgi) and BASE_REV (short).
baseline_fcgi() {
	mkdir -p "$WORK/base"
	git -C "$REPO" archive "$1" | tar -x -C "$WORK/base"
	make -s -C "$WORK/base" -j"$(nproc)" build/bin/hd-fcgi >/dev/null
	BASE_BIN=$WORK/base/build/bin/hd-fcgi
	BASE_REV=$(git -C "$REPO" rev-parse --short "$1")
}

# serve_config BIN MODEL PORT WORKERS DIR: our lighttpd config for a
# server in DIR with BIN as the responder, on stdout.
serve_config() {
	HD_PORT=$3 HD_WORKERS=$4 HD_MODEL=$2 HD_RUN_DIR=$5 \
		HD_METRICS_SHM=bench-$$-$3 "$REPO/pipelines/hd-serve" config |
		sed -e "s|\"bin-path\" => \".*\"|\"bin-path\" => \"$1\"|"
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The old service's own example patient: a /predict body (post.json), the
# same as an OIP infer body, one input per feature (infer.json), and
# wrk scripts that send them (post.lua, infer.lua), in the current folder.
example_requests() {
	cat > post.json <<'JSON'
{"age":65,"sex":1,"cp":3,"trestbps":145,"chol":233,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":2.5,"slope":0,"ca":0,"thal":1}
JSON
	"$PY" -c 'import json, sys
p = json.load(open("post.json"))
print(json.dumps({"inputs": [{"name": k, "shape": [1], "datatype": "FP64", "data": [v]} for k, v in p.items()]}, separators=(",", ":")))' > infer.json
	local f
	for f in post infer; do
		printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
			"$("$PY" -c 'import json, sys; print(json.dumps(open(sys.argv[1]).read().strip()))' "$f.json")" > "$f.lua"
	done
}

# bench_models [MODEL...]: the models to measure, into MODELS: those
# given, else artifacts/model.json if present plus a logistic regression
# and a 200-tree forest fitted here (in the current folder) on the UCI
# data.
bench_models() {
	MODELS=("$@")
	[ ${#MODELS[@]} -eq 0 ] || return 0
	[ -f "$REPO/artifacts/model.json" ] && MODELS+=("$REPO/artifacts/model.json")
	"$BIN/hd-clean" -o heart.csv "${RAW[@]}"
	"$BIN/hd-split" --train train.csv --test test.csv heart.csv
	"$BIN/hd-fit-lr" --cv 0 -o lr.json train.csv
	"$BIN/hd-fit-rf" --cv 0 -o rf.json train.csv
	MODELS+=("$PWD/lr.json" "$PWD/rf.json")
}

# forest_rows MODEL TRAIN OUT: TRAIN's rows encoded as MODEL (a forest's
# file) encodes them, into the CSV OUT: its "encoded" columns, then
# target.  A forest's preprocessing is imputation (the stored median or
# mode) and one-hot over the stored levels, numerics unscaled
# (tools/lib/prep.c): exactly the matrix hd-fit-rf grew its trees on,
# for another forest (bench/ranger.R) to train on.
forest_rows() {
	"$PY" - "$@" <<'PY'
import csv, json, math, sys
model, rows = json.load(open(sys.argv[1])), csv.DictReader(open(sys.argv[2], newline=""))
if model["model"] != "random_forest":
    sys.exit(f"forest_rows: {sys.argv[1]}: not a random forest")
out = csv.writer(open(sys.argv[3], "w", newline=""), lineterminator="\n")
out.writerow(model["encoded"] + ["target"])
for r in rows:
    z = []
    for f in model["features"]:
        v = float(r[f["name"]]) if r[f["name"]] != "" else math.nan
        if f["kind"] == "numeric":
            z.append(f["median"] if math.isnan(v) else v)
        else:
            v = f["mode"] if math.isnan(v) else v
            z.extend(1 if v == level else 0 for level in f["levels"])
    if len(z) != len(model["encoded"]):
        sys.exit(f"forest_rows: {len(z)} columns, the model names {len(model['encoded'])}")
    out.writerow([repr(x) if isinstance(x, float) else x for x in z] + [r["target"]])
PY
}
