#!/usr/bin/env bash
# The responder's instructions per request, counted by valgrind's
# callgrind in one API worker behind our lighttpd config: unlike req/s,
# the count does not depend on what else the machine is doing, so a
# change of a percent is a change of the code.  Each model on POST
# /predict and on OIP infer with the old service's example patient;
# with BASELINE=REV, REV's responder on /predict too, and "vs base"
# compares the two.  What lighttpd and the kernel spend per request is
# not in these counts (bench/serve.sh measures the whole).
#
#   bench/instructions.sh [MODEL...]   default: artifacts/model.json if
#                                      present, plus a logistic regression
#                                      and a 200-tree forest fitted here
#
# Environment: REQUESTS [1000] counted after 300 not counted (start-up,
# first touches), BASELINE [none], HD_BIN [build/bin].
. "$(dirname "$0")/lib.sh"

REQUESTS=${REQUESTS:-1000}
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
LPID=

cleanup() {
	[ -z "$LPID" ] || { kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; }
	rm -rf "$WORK"
	rm -f /dev/shm/hd-fcgi-bench-$$-*-v1 /dev/shm/hd-fcgi-bench-$$-*-v1.model
}
trap cleanup EXIT

command -v valgrind >/dev/null || { echo "bench/instructions.sh: valgrind is not installed" >&2; exit 1; }
[ -x "$BIN/hd-fcgi" ] || { echo "bench/instructions.sh: $BIN/hd-fcgi: run make first" >&2; exit 1; }

cd "$WORK" || exit
bench_models "$@"
example_requests
[ -z "${BASELINE:-}" ] || baseline_fcgi "$BASELINE"

# The requests a keep-alive client sends: send.py PORT N PATH BODY.
cat > send.py <<'PY'
import http.client, sys
port, n, path, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], open(sys.argv[4], "rb").read()
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("POST", path, body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path}: {r.status}")
PY

# count BIN MODEL PATH BODY: instructions per request of BIN's API
# worker, on stdout.
count() {
	local bin=$1 model=$2 path=$3 body=$4 dir port w p
	dir=$(mktemp -d "$WORK/run.XXXXXX")
	printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/cg.%%p %s "$@"\n' \
		"$dir" "$bin" > "$dir/worker"
	chmod +x "$dir/worker"
	port=$(free_port)
	serve_config "$dir/worker" "$model" "$port" 1 "$dir" > "$dir/lighttpd.conf"
	"$LIGHTTPD" -D -f "$dir/lighttpd.conf" 2>/dev/null &
	LPID=$!
	for _ in $(seq 1 300); do
		curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
		sleep 0.1
	done
	# The API worker: the child without the error group's slot base.
	w=
	for p in $(pgrep -P "$LPID"); do
		tr '\0' '\n' < "/proc/$p/environ" | grep -qx HD_SLOT_BASE=64 || w=$p
	done
	"$PY" send.py "$port" 300 "$path" "$body"
	callgrind_control -z "$w" >/dev/null 2>&1
	"$PY" send.py "$port" "$REQUESTS" "$path" "$body"
	callgrind_control -d "$w" >/dev/null 2>&1
	kill "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
	awk -v n="$REQUESTS" '/^summary:/ { printf "%d\n", $2 / n }' "$dir/cg.$w.1"
}

echo "== instructions per request in the worker (callgrind, $REQUESTS requests after 300) =="
printf '%-48s %12s %9s\n' "request" "instructions" "vs base"
for m in "${MODELS[@]}"; do
	kind=$("$BIN/hd-fcgi" --check "$m" | sed -n '1s/^.*: \([a-z_]*\), sha256.*$/\1/p')
	name=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("name", "heart-disease"))' "$m")
	label="$(basename "$m") ($kind)"
	base=
	if [ -n "${BASE_BIN:-}" ]; then
		base=$(count "$BASE_BIN" "$m" /predict post.json)
		printf '%-48s %12s %9s\n' "/predict $label @$BASE_REV" "$base" -
	fi
	n=$(count "$BIN/hd-fcgi" "$m" /predict post.json)
	vs=-
	[ -z "$base" ] || vs=$(awk -v a="$n" -v b="$base" 'BEGIN { printf "%+.1f%%", 100 * (a / b - 1) }')
	printf '%-48s %12s %9s\n' "/predict $label" "$n" "$vs"
	n=$(count "$BIN/hd-fcgi" "$m" "/v2/models/$name/infer" infer.json)
	printf '%-48s %12s %9s\n' "OIP infer $label" "$n" -
done
