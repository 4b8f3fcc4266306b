#!/usr/bin/env bash
# The server: POST /predict through lighttpd + hd-fcgi, side by side with
# a trivial FastCGI responder (bench/fcgi-fixed.c: a fixed answer, built
# here into build/) behind the same lighttpd config -- the ceiling for
# any responder.  wrk on loopback.  Reports req/s, p50/p99, errors, the
# workers' CPU per request and RSS, and the model load time.
#
#   bench/serve.sh [MODEL...]   default: artifacts/model.json if present,
#                               plus a logistic regression and a 200-tree
#                               forest fitted here on the UCI data
#
# Each model is measured on POST /predict and, when the responder speaks
# the Open Inference Protocol, on POST /v2/models/NAME/infer with the
# same patient (one input per feature).  BASELINE=REV also builds the
# responder of git revision REV (in a scratch folder) and measures it on
# the same models in the same rounds, so that "vs base" compares the two
# side by side on one busy machine.
#
# The servers are started once and measured in turns, ROUNDS times; the
# run with the median req/s is shown, since one run on a busy machine
# says little.  Environment: DURATION [5] seconds a run, ROUNDS [3],
# CONNS [16], THREADS [2], WORKERS [number of CPUs], HD_BIN [build/bin],
# BASELINE [none].
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-$(nproc)}
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
FIXED=$REPO/build/fcgi-fixed
PIDS=()
DIRS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK" "${DIRS[@]}"
	rm -f /dev/shm/hd-fcgi-bench-$$-*-v1 /dev/shm/hd-fcgi-bench-$$-*-v1.model
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "bench/serve.sh: wrk is not installed" >&2; exit 1; }
[ -x "$BIN/hd-fcgi" ] || { echo "bench/serve.sh: $BIN/hd-fcgi: run make first" >&2; exit 1; }
mkdir -p "$REPO/build"
cc -std=c11 -Wall -Wextra -Werror -O2 -o "$FIXED" "$REPO/bench/fcgi-fixed.c" -lfcgi

cd "$WORK" || exit
bench_models "$@"

example_requests

# The baseline responder, built from git revision BASELINE.
BASE_BIN=
[ -z "${BASELINE:-}" ] || baseline_fcgi "$BASELINE"

# start BIN MODEL: a lighttpd from our config with BIN as the responder;
# sets PORT.
start() {
	local bin=$1 model=$2 dir
	PORT=$(free_port)
	dir=$(mktemp -d /tmp/hd-bench.XXXXXX)
	DIRS+=("$dir")
	serve_config "$bin" "$model" "$PORT" "$WORKERS" "$dir" > "$dir/lighttpd.conf"
	"$LIGHTTPD" -D -f "$dir/lighttpd.conf" &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break
		sleep 0.05
	done
	wrk -t"$THREADS" -c"$CONNS" -d1s -s post.lua "http://127.0.0.1:$PORT/predict" >/dev/null
}

# CPU ticks (user + system) of the workers of lighttpd $1.
worker_ticks() {
	local t=0 p
	for p in $(pgrep -P "$1"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}

# One row per measurement: its label, responder, model, request, path,
# and the row it is compared with ("vs base").
labels=("fcgi-fixed (ceiling)")
bins=("$FIXED")
mods=("${MODELS[0]}")
luas=(post.lua)
paths=(/predict)
base=("")
for m in "${MODELS[@]}"; do
	kind=$("$BIN/hd-fcgi" --check "$m" | sed -n '1s/^.*: \([a-z_]*\), sha256.*$/\1/p')
	name=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("name", "heart-disease"))' "$m")
	if [ -n "$BASE_BIN" ]; then
		labels+=("/predict $(basename "$m") ($kind) @$BASE_REV")
		bins+=("$BASE_BIN")
		mods+=("$m")
		luas+=(post.lua)
		paths+=(/predict)
		base+=("")
	fi
	labels+=("/predict $(basename "$m") ($kind)")
	bins+=("$BIN/hd-fcgi")
	mods+=("$m")
	luas+=(post.lua)
	paths+=(/predict)
	base+=("${BASE_BIN:+$((${#labels[@]} - 2))}")
	labels+=("OIP infer $(basename "$m") ($kind)")
	bins+=("$BIN/hd-fcgi")
	mods+=("$m")
	luas+=(infer.lua)
	paths+=("/v2/models/$name/infer")
	base+=("")
done
ports=()
for i in "${!bins[@]}"; do
	start "${bins[$i]}" "${mods[$i]}"
	ports+=("$PORT")
done
# A responder without the OIP answers 404 there: no row for it.
for i in "${!bins[@]}"; do
	if [ "${luas[$i]}" = infer.lua ] &&
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @infer.json \
			"http://127.0.0.1:${ports[$i]}${paths[$i]}")" != 200 ]; then
		unset "labels[$i]"
	fi
done

# Rounds in turns; per server, every run's output kept.
declare -A runs ticks0 reqs
for i in "${!bins[@]}"; do
	ticks0[$i]=$(worker_ticks "${PIDS[$i]}")
	reqs[$i]=0
done
for r in $(seq 1 "$ROUNDS"); do
	for i in "${!labels[@]}"; do
		out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
			-s "${luas[$i]}" "http://127.0.0.1:${ports[$i]}${paths[$i]}")
		runs[$i,$r]=$out
		reqs[$i]=$((reqs[$i] + $(awk '/requests in/ {print $1}' <<<"$out")))
	done
done

# RSS of process $1 in MB, from /proc.
rss_mb() {
	awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}

tps=$(getconf CLK_TCK)
echo "== POST /predict and OIP infer: wrk -t$THREADS -c$CONNS, $ROUNDS x ${DURATION}s each, $WORKERS workers, loopback, $(nproc) CPUs =="
# The responder column is as wide as its longest name.
w=9
for l in "${labels[@]}"; do
	[ "${#l}" -le "$w" ] || w=${#l}
done
fmt="%-${w}s %10s %8s %8s %9s %9s %7s %9s %13s %11s\n"
# shellcheck disable=SC2059
printf "$fmt" "responder" "req/s" "of ceil" "vs base" "p50" "p99" "errors" "CPU/req" "lighttpd RSS" "worker RSS"
ceiling=
declare -A rate
for i in "${!labels[@]}"; do
	# The median run by req/s.
	med=$(for r in $(seq 1 "$ROUNDS"); do
		printf '%s %s\n' "$(awk '/^Requests\/sec/ {print $2}' <<<"${runs[$i,$r]}")" "$r"
	done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $2}')
	out=${runs[$i,$med]}
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errs=0
	for r in $(seq 1 "$ROUNDS"); do
		errs=$((errs + $(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"${runs[$i,$r]}")))
	done
	cpu=$(awk -v t="$(( $(worker_ticks "${PIDS[$i]}") - ticks0[$i] ))" -v n="${reqs[$i]}" -v hz="$tps" \
		'BEGIN {printf "%.1f us", t / hz / n * 1e6}')
	# Worker RSS: the mean over the workers of this lighttpd.
	wrss=$(for p in $(pgrep -P "${PIDS[$i]}"); do rss_mb "$p"; echo; done |
		awk 'NF {s += $1; n++} END {if (n) printf "%.1f MB", s / n; else print "-"}')
	[ -n "$ceiling" ] || ceiling=$rps
	rate[$i]=$rps
	vs=-
	[ -z "${base[$i]}" ] || vs=$(awk "BEGIN {printf \"%+.1f%%\", 100 * ($rps / ${rate[${base[$i]}]} - 1)}")
	# shellcheck disable=SC2059
	printf "$fmt" "${labels[$i]}" "$rps" \
		"$(awk "BEGIN {printf \"%.1f%%\", 100 * $rps / $ceiling}")" "$vs" "$p50" "$p99" "$errs" "$cpu" \
		"$(rss_mb "${PIDS[$i]}") MB" "$wrss"
done
echo "(of ceil: req/s against fcgi-fixed's; vs base: req/s against the row above it, the same model on BASELINE;"
echo " errors: non-2xx answers and socket errors over all runs;"
echo " CPU/req: the workers' user + system time; worker RSS: the mean over the $WORKERS workers, after the runs)"

echo "== model load time (hd-fcgi --check: first load, best of 5) =="
for m in "${MODELS[@]}"; do
	"$BIN/hd-fcgi" --check "$m" | sed -n "2s|^$(dirname "$m")/||p"
done
