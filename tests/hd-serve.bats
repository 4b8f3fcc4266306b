#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# pipelines/hd-serve start|status|stop on free 127.0.0.1 ports, with the
# workers from $HD_BIN.  Each test has its own run folder and port; the
# lighttpd it starts is stopped in teardown by the pid in its pid file,
# a listener the test starts itself by its own pid.

load test_helper
bats_require_minimum_version 1.5.0

# An HTTP server that answers every GET with 200 and a body shaped like
# hd-fcgi's /health, naming itself as the worker: the worst case of
# another server on the port.  Port in argv[1].
OCCUPIER='import http.server, json, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = json.dumps({"status": "ok", "worker": {"pid": os.getpid(), "slot": 0}},
                       separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()'

flunk() {
	printf '%s\n' "$@" >&2
	return 1
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	# A unix socket path has room for 107 bytes: keep the run folder short.
	RUN=$(mktemp -d /tmp/hd-serve-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdtest-serve-$$-$PORT
	OCC_PID=$BATS_TEST_TMPDIR/occupier.pid
}

teardown() {
	# The lighttpd hd-serve started, if a test left it running.
	stop_pid "$RUN/lighttpd.pid"
	stop_pid "$OCC_PID"
	rm_counters "$SHM"
	rm -rf "$RUN"
}

# hd-serve with this test's settings.  fd 3 is bats's: the background
# lighttpd must not hold it.
serve() {
	HD_RUN_DIR=$RUN HD_PORT=$PORT HD_MODEL=${HD_MODEL:-$BATS_FILE_TMPDIR/lr.json} \
		HD_WORKERS=2 HD_METRICS_SHM=$SHM HD_WAIT=10 \
		"$REPO/pipelines/hd-serve" "$@" 3>&-
}

# Start the occupier on $PORT; its pid goes to $OCC_PID.
occupy() {
	"$PY" -c "$OCCUPIER" "$PORT" >/dev/null 2>&1 3>&- &
	echo $! > "$OCC_PID"
	wait_port "$PORT"
}

# GET $1 on $PORT: sets CODE and BODY.
get() {
	CODE=$(curl -s -m 10 -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' "http://127.0.0.1:$PORT$1")
	BODY=$(cat "$BATS_TEST_TMPDIR/body")
}

# The parent pid of process $1.
ppid_of() {
	ps -o ppid= -p "$1" | tr -d ' '
}

# No process runs lighttpd with this test's config.
no_lighttpd_left() {
	local p
	p=$(pgrep -f -x ".*lighttpd -D -f $RUN/lighttpd.conf" || true)
	[ -z "$p" ] || flunk "a lighttpd of this test still runs: $p"
}

@test "start, /health from its own worker, status, stop" {
	run --separate-stderr -0 serve start
	[[ $output == "hd-serve: serving on http://127.0.0.1:$PORT/ (pid "* ]] || flunk "$output"
	[ -f "$RUN/lighttpd.pid" ]
	pid=$(cat "$RUN/lighttpd.pid")
	[[ $output == *"(pid $pid, 2 workers, "* ]] || flunk "$output"

	get /health
	[ "$CODE" = 200 ] || flunk "/health: $CODE $BODY"
	jq -e '.status == "ok" and .model.kind == "logistic_regression"' <<<"$BODY" >/dev/null
	worker=$(jq -r .worker.pid <<<"$BODY")
	[ "$(ppid_of "$worker")" = "$pid" ]

	run -0 serve status
	[ "${lines[0]}" = "hd-serve: running (pid $pid) on http://127.0.0.1:$PORT/, /health 200" ]
	jq -e '.status == "ok"' <<<"${lines[1]}" >/dev/null

	run -0 serve start
	[ "$output" = "hd-serve: already running (pid $pid)" ]

	run -0 serve stop
	[ "$output" = "hd-serve: stopped (pid $pid)" ]
	[ ! -e "$RUN/lighttpd.pid" ]
	# Gone, or a zombie its parent (this shell, which started it in the
	# background) has not reaped yet: hd-serve stop counts that as stopped.
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
	[ -z "$state" ] || [ "$state" = Z ] || fail "pid $pid still runs after stop (state $state)"
	[ ! -e "/dev/shm/hd-fcgi-$SHM-v1" ]
	[ ! -e "/dev/shm/hd-fcgi-$SHM-v1.model" ]

	run -3 serve status
	[ "$output" = "hd-serve: not running" ]
	run -0 serve stop
	[ "$output" = "hd-serve: not running" ]
}

@test "start on a port another server answers: exit 1, the bind error, no pid file, the other server unharmed" {
	occupy
	occ=$(cat "$OCC_PID")

	run --separate-stderr -1 serve start
	[ -z "$output" ] || flunk "stdout: $output"
	[[ $stderr == *"can't bind to socket: 127.0.0.1:$PORT: Address already in use"* ]] || flunk "stderr: $stderr"
	[[ $stderr == *"answered by another server"*"worker pid $occ"* ]] || flunk "stderr: $stderr"
	[ ! -e "$RUN/lighttpd.pid" ]
	no_lighttpd_left

	kill -0 "$occ"
	get /health
	[ "$CODE" = 200 ]
	[ "$(jq -r .worker.pid <<<"$BODY")" = "$occ" ]

	run -3 serve status
	[ "${lines[0]}" = "hd-serve: not running" ]
	[[ ${lines[1]} == "hd-serve: but http://127.0.0.1:$PORT/ is answered by another server "* ]] || flunk "$output"
}

@test "start on a port held by a listener that never answers: exit 1, the bind error, no pid file" {
	"$PY" -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(3600)' "$PORT" >/dev/null 2>&1 3>&- &
	echo $! > "$OCC_PID"
	wait_port "$PORT"
	occ=$(cat "$OCC_PID")

	run --separate-stderr -1 serve start
	[[ $stderr == *"can't bind to socket: 127.0.0.1:$PORT: Address already in use"* ]] || flunk "stderr: $stderr"
	[ ! -e "$RUN/lighttpd.pid" ]
	no_lighttpd_left
	kill -0 "$occ"
}

@test "a stale pid file naming another live process: status says not running, stop leaves that process alone" {
	occupy
	occ=$(cat "$OCC_PID")
	echo "$occ" > "$RUN/lighttpd.pid"

	run -3 serve status
	[[ ${lines[0]} == "hd-serve: not running (stale pid file "* ]] || flunk "$output"

	run -0 serve stop
	[ "$output" = "hd-serve: not running (stale pid file removed)" ]
	[ ! -e "$RUN/lighttpd.pid" ]
	sleep 0.2
	kill -0 "$occ"
	get /health
	[ "$CODE" = 200 ]
}

@test "status with lighttpd up but the port answered by another server: exit 1" {
	run -0 serve start
	pid=$(cat "$RUN/lighttpd.pid")
	# The same run folder's lighttpd, seen through another port that a
	# foreign server answers.
	port0=$PORT
	PORT=$(free_port)
	occupy
	occ=$(cat "$OCC_PID")
	run -1 serve status
	[ "$output" = "hd-serve: running (pid $pid) but http://127.0.0.1:$PORT/ is answered by another server (its /health answer names worker pid $occ, whose parent is $(ppid_of "$occ"))" ] ||
		flunk "$output"
	PORT=$port0
	run -0 serve stop
}

@test "config: log files by default; HD_LOGS=stderr: no error or breakage log file, access log on /dev/stderr; another value refused" {
	run serve config
	[ "$status" = 0 ]
	[[ $output == *"server.errorlog = \"$RUN/error.log\""* ]] || flunk "$output"
	[[ $output == *"server.breakagelog = \"$RUN/hd-fcgi.log\""* ]] || flunk "$output"
	[[ $output == *"accesslog.filename = \"$RUN/access.log\""* ]] || flunk "$output"
	HD_LOGS=stderr run serve config
	[ "$status" = 0 ]
	[[ $output != *server.errorlog\ =* && $output != *server.breakagelog\ =* ]] || flunk "$output"
	[[ $output == *'accesslog.filename = "/dev/stderr"'* ]] || flunk "$output"
	HD_LOGS=stderr HD_RUN_DIR=$RUN HD_PORT=$PORT "$REPO/pipelines/hd-serve" config > "$RUN/x.conf"
	/usr/sbin/lighttpd -tt -f "$RUN/x.conf"
	HD_LOGS=syslog run serve config
	[ "$status" = 1 ]
	[[ $output == *"HD_LOGS: 'syslog' is neither files nor stderr"* ]] || flunk "$output"
}

@test "run: lighttpd in the script's place in the foreground, health 0 once up, logs on stderr, SIGINT exits 0" {
	run serve health
	[ "$status" = 1 ]
	# A simple command, so that $! is hd-serve itself (serve() would
	# add a subshell).
	HD_LOGS=stderr HD_RUN_DIR=$RUN HD_PORT=$PORT HD_MODEL=$BATS_FILE_TMPDIR/lr.json \
		HD_WORKERS=2 HD_METRICS_SHM=$SHM \
		"$REPO/pipelines/hd-serve" run 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	echo "$pid" > "$RUN/lighttpd.pid"
	up=
	for _ in $(seq 1 100); do
		if serve health; then up=1; break; fi
		sleep 0.1
	done
	[ -n "$up" ] || flunk "health never 0: $(cat "$BATS_TEST_TMPDIR/err")"
	# The very process started: the shell became lighttpd.
	tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qx /usr/sbin/lighttpd
	curl -s -o /dev/null "http://127.0.0.1:$PORT/health"
	for _ in $(seq 1 50); do
		grep -q '"GET /health HTTP/1.1" 200' "$BATS_TEST_TMPDIR/err" && break
		sleep 0.1
	done
	run cat "$BATS_TEST_TMPDIR/err"
	[[ $output == *'"GET /health HTTP/1.1" 200'* ]] || flunk "no access log line: $output"
	[[ $output == *'server started'* ]] || flunk "no lighttpd line: $output"
	[[ $output == *'hd-fcgi['*'] '*'serving'* || $output == *'hd-fcgi['*']: '*'serving'* ]] || flunk "no worker line: $output"
	[ ! -e "$RUN/error.log" ] && [ ! -e "$RUN/access.log" ] && [ ! -e "$RUN/hd-fcgi.log" ]
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || flunk "exit $rc"
	rm -f "$RUN/lighttpd.pid"
}

@test "reload: the same lighttpd, new workers serving a new model, no failed request meanwhile; not running: exit 1" {
	run -1 serve reload
	[[ $output == *"not running: nothing to reload"* ]] || flunk "$output"
	run --separate-stderr -0 serve start
	pid=$(cat "$RUN/lighttpd.pid")
	get /health
	old=$(jq -r .worker.pid <<<"$BODY")
	# The forest, under the same path the config names.
	hd-fit-rf --cv 0 --trees 20 -o "$BATS_TEST_TMPDIR/rf.json" "$BATS_FILE_TMPDIR/train.csv"
	(
		while [ ! -e stop ]; do
			curl -s -o /dev/null -m 10 -w '%{http_code}\n' "http://127.0.0.1:$PORT/health" >> codes
		done
	) 3>&- &
	poller=$!
	sleep 0.3
	run -0 env HD_RUN_DIR="$RUN" HD_PORT="$PORT" HD_MODEL="$BATS_TEST_TMPDIR/rf.json" \
		HD_WORKERS=2 HD_METRICS_SHM="$SHM" HD_WAIT=10 "$REPO/pipelines/hd-serve" reload 3>&-
	touch stop
	wait "$poller"
	[[ $output == "hd-serve: reloaded (pid $pid, /health 200 from new worker "* ]] || flunk "$output"
	[ "$(cat "$RUN/lighttpd.pid")" = "$pid" ]
	get /health
	jq -e '.model.kind == "random_forest"' <<<"$BODY" >/dev/null || flunk "$BODY"
	[ "$(jq -r .worker.pid <<<"$BODY")" != "$old" ]
	[ "$(ppid_of "$(jq -r .worker.pid <<<"$BODY")")" = "$pid" ]
	bad=$(grep -vcx 200 codes || true)
	[ "$bad" -eq 0 ] || flunk "$bad of $(wc -l < codes) requests failed during the reload"
	[ "$(wc -l < codes)" -ge 3 ]
}

@test "as root with HD_USER: lighttpd and every worker run as that user, the run folder is theirs, the logs not world-readable" {
	[ "$(id -u)" = 0 ] || skip "needs root to switch users"
	# The model where the user can read it: the run folder becomes theirs.
	cp "$BATS_FILE_TMPDIR/lr.json" "$RUN/model.json"
	chmod 644 "$RUN/model.json"
	HD_USER=nobody HD_MODEL=$RUN/model.json run -0 serve start
	pid=$(cat "$RUN/lighttpd.pid")
	get /health
	[ "$CODE" = 200 ] || flunk "$CODE $BODY"
	[ "$(ps -o user= -p "$pid")" = nobody ]
	n=0
	for w in $(pgrep -P "$pid"); do
		[ "$(ps -o user= -p "$w")" = nobody ] || flunk "worker $w runs as $(ps -o user= -p "$w")"
		n=$((n + 1))
	done
	[ "$n" -eq 3 ] || flunk "$n workers"
	[ "$(stat -c %U "$RUN")" = nobody ]
	for f in "$RUN"/*.log "$RUN/lighttpd.conf"; do
		[ "$(( 0$(stat -c %a "$f") & 7 ))" -eq 0 ] || flunk "$f: mode $(stat -c %a "$f")"
	done
	run -0 serve stop
	run -1 env HD_USER=no-such-user-here "$REPO/pipelines/hd-serve" config
	[[ $output == *"HD_USER: no user 'no-such-user-here'"* ]] || flunk "$output"
}

