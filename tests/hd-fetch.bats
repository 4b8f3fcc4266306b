#!/usr/bin/env bats
# hd-fetch against a real lighttpd on 127.0.0.1, a local folder and file://.
#
# The docroot under $BATS_FILE_TMPDIR/www has three mirrors:
#   good/     the four real files
#   corrupt/  the four files, processed.hungarian.data with one byte changed
#   missing/  three files; processed.switzerland.data is absent (404)
# and /moved/NAME redirects to /good/NAME.

load test_helper
bats_require_minimum_version 1.5.0

NAMES="processed.cleveland.data processed.hungarian.data
processed.switzerland.data processed.va.data"

setup_file() {
	local www=$BATS_FILE_TMPDIR/www
	mkdir -p "$www/good" "$www/corrupt" "$www/missing"
	cp "${RAW[@]}" "$www/good/"
	cp "${RAW[@]}" "$www/corrupt/"
	printf 'X' | dd of="$www/corrupt/processed.hungarian.data" bs=1 \
		seek=100 conv=notrunc status=none
	cp "${RAW[@]}" "$www/missing/"
	rm "$www/missing/processed.switzerland.data"

	PORT=$(free_port)
	LOG=$BATS_FILE_TMPDIR/access.log
	LIGHTTPD_PID=$BATS_FILE_TMPDIR/lighttpd.pid
	cat >"$BATS_FILE_TMPDIR/lighttpd.conf" <<-EOF
		server.document-root = "$www"
		server.port = $PORT
		server.bind = "127.0.0.1"
		server.errorlog = "$BATS_FILE_TMPDIR/error.log"
		server.modules = ( "mod_redirect", "mod_accesslog" )
		accesslog.filename = "$LOG"
		url.redirect = ( "^/moved/(.*)\$" => "/good/\$1" )
	EOF
	start_lighttpd "$BATS_FILE_TMPDIR/lighttpd.conf" "$LIGHTTPD_PID" "$PORT"
	# The tool names a folder mirror by its real path.
	MIRROR_REAL=$(realpath "$MIRROR")
	export PORT LOG LIGHTTPD_PID MIRROR_REAL
	export URL=http://127.0.0.1:$PORT
}

teardown_file() {
	stop_pid "$LIGHTTPD_PID"
}

setup() {
	# The tool reads these; the test decides what it sees.
	unset HD_DATA_MIRROR http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
		all_proxy ALL_PROXY
	OUT=$BATS_TEST_TMPDIR/data/raw
}

teardown() {
	[ -z "${STALL_PID:-}" ] || stop_pid "$STALL_PID"
}

# stderr contains this exact text.
stderr_has() {
	[[ $stderr == *"$1"* ]] && return 0
	printf 'stderr lacks: %s\n-- stderr --\n%s\n' "$1" "$stderr" >&2
	return 1
}

# stderr does not contain this text.  (A bare "! cmd" cannot fail a
# bats test, so negations go through here.)
stderr_lacks() {
	[[ $stderr != *"$1"* ]] && return 0
	printf 'stderr has: %s\n-- stderr --\n%s\n' "$1" "$stderr" >&2
	return 1
}

# The four files in $1 are exactly the mirror's.
same_as_mirror() {
	local n
	for n in $NAMES; do
		[ "$(sha256sum <"$1/$n")" = "$(sha256sum <"$MIRROR/$n")" ] || {
			echo "$1/$n differs from the mirror" >&2
			return 1
		}
	done
}

# lighttpd buffers its access log; request a marker page and flush
# (SIGHUP) until the marker shows, so every earlier request is logged.
# Prints the number of lines before the marker.
log_sync() {
	local mark=/sync-$RANDOM-$RANDOM
	curl -s -o /dev/null "$URL$mark"
	for _ in $(seq 1 100); do
		kill -HUP "$(cat "$LIGHTTPD_PID")"
		if grep -q "GET $mark " "$LOG"; then
			grep -n "GET $mark " "$LOG" | cut -d: -f1 | tail -n1 |
				awk '{ print $1 - 1 }'
			return 0
		fi
		sleep 0.05
	done
	echo "marker $mark never reached $LOG" >&2
	return 1
}

@test "usage errors exit 2 and name the problem" {
	run -2 --separate-stderr hd-fetch --no-such-option
	[ -z "$output" ]
	stderr_has "usage: hd-fetch"

	run -2 --separate-stderr hd-fetch --retries many
	stderr_has "--retries: 'many' is not a whole number"

	run -2 --separate-stderr hd-fetch --retries -1
	stderr_has "--retries: '-1'"

	run -2 --separate-stderr hd-fetch --timeout 1s
	stderr_has "--timeout: '1s' is not a number"

	run -2 --separate-stderr hd-fetch --connect-timeout 0
	stderr_has "--connect-timeout: '0'"

	run -2 --separate-stderr hd-fetch -m ftp://example.org/ -d "$OUT"
	stderr_has "only http://, https:// and file://"

	run -2 --separate-stderr hd-fetch stray-argument
	stderr_has "unexpected argument 'stray-argument'"
	[ ! -e "$OUT" ]
}

@test "--help prints the synopsis on stdout and exits 0" {
	run -0 --separate-stderr hd-fetch --help
	[[ "${lines[0]}" == *"usage: hd-fetch [-q] [-m SRC] [-d DIR]"* ]]
	[[ "$output" == *"--connect-timeout SEC"* ]]
	[ -z "$stderr" ]
}

@test "downloads the four files over http and they match the mirror" {
	run -0 --separate-stderr hd-fetch --mirror "$URL/good" -d "$OUT"
	[ -z "$output" ]
	same_as_mirror "$OUT"
	stderr_has "processed.va.data: downloaded from $URL/good/processed.va.data"
	[ "$(grep -c ': downloaded from ' <<<"$stderr")" -eq 4 ]
	# Nothing temporary is left behind.
	[ -z "$(find "$OUT" -name '.*.part')" ]
}

@test "a second run downloads nothing and touches no file" {
	run -0 hd-fetch -q -m "$URL/good/" -d "$OUT"
	touch -d '2001-01-01 00:00:00' "$OUT"/*
	before=$(stat -c '%n %Y %s' "$OUT"/*)
	n=$(log_sync)

	run -0 --separate-stderr hd-fetch -m "$URL/good/" -d "$OUT"
	[ "$(grep -c ': verified in ' <<<"$stderr")" -eq 4 ]
	stderr_lacks downloaded
	[ "$(stat -c '%n %Y %s' "$OUT"/*)" = "$before" ]
	# The only request since the first sync is the second marker.
	m=$(log_sync)
	[ "$m" -eq $((n + 1)) ]
}

@test "a folder given as a relative path works as a mirror" {
	cp -r "$MIRROR" "$BATS_TEST_TMPDIR/my mirror"
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr hd-fetch -m "my mirror" -d data/raw
	same_as_mirror "$OUT"
	stderr_has "downloaded from file://$(realpath .)/my%20mirror/processed.cleveland.data"
}

@test "a file:// URL works as a mirror" {
	run -0 --separate-stderr hd-fetch -m "file://$MIRROR" -d "$OUT"
	same_as_mirror "$OUT"
	stderr_has "downloaded from file://$MIRROR/processed.va.data"
}

@test "HD_DATA_MIRROR names the source; --mirror overrides it" {
	HD_DATA_MIRROR=$URL/good run -0 --separate-stderr hd-fetch -d "$OUT"
	same_as_mirror "$OUT"
	stderr_has "downloaded from $URL/good/processed.cleveland.data"

	rm "$OUT/processed.va.data"
	HD_DATA_MIRROR=http://127.0.0.1:1/nowhere \
		run -0 --separate-stderr hd-fetch -m "$MIRROR" -d "$OUT"
	stderr_has "processed.va.data: downloaded from file://$MIRROR_REAL/"
}

@test "redirects are followed" {
	run -0 --separate-stderr hd-fetch -m "$URL/moved" -d "$OUT"
	same_as_mirror "$OUT"
}

@test "a file the mirror lacks (404) fails, names it, leaves nothing" {
	run -1 --separate-stderr hd-fetch -m "$URL/missing" -d "$OUT"
	stderr_has "processed.switzerland.data: cannot download $URL/missing/processed.switzerland.data: The requested URL returned error: 404"
	stderr_has "1 of 4 files not fetched into $OUT"
	stderr_has "set HD_DATA_MIRROR or use --mirror DIR|URL"
	# 404 is permanent: asked once, never retried.
	stderr_lacks retry
	# The other three files are still fetched.
	[ "$(grep -c ': downloaded from ' <<<"$stderr")" -eq 3 ]
	[ ! -e "$OUT/processed.switzerland.data" ]
	[ ! -e "$OUT/.processed.switzerland.data.part" ]
}

@test "a file not found under a folder mirror fails at once" {
	mkdir "$BATS_TEST_TMPDIR/partial"
	cp "$MIRROR/processed.cleveland.data" "$BATS_TEST_TMPDIR/partial/"
	run -1 --separate-stderr hd-fetch -m "$BATS_TEST_TMPDIR/partial" -d "$OUT"
	stderr_has "processed.va.data: cannot download file://$BATS_TEST_TMPDIR/partial/processed.va.data"
	stderr_has "3 of 4 files not fetched"
	stderr_lacks retry
	[ "$(ls -A "$OUT")" = processed.cleveland.data ]
}

@test "a download with the wrong checksum fails and leaves no file" {
	run -1 --separate-stderr hd-fetch -m "$URL/corrupt" -d "$OUT"
	stderr_has "processed.hungarian.data: checksum mismatch for $URL/corrupt/processed.hungarian.data: expected SHA-256 d1ad108f785768cd3d7e82dc522e6f5a61eea93cccfb3a46ee8076f73fc3d796, got $(sha256sum <"$BATS_FILE_TMPDIR/www/corrupt/processed.hungarian.data" | cut -d' ' -f1)"
	[ ! -e "$OUT/processed.hungarian.data" ]
	[ ! -e "$OUT/.processed.hungarian.data.part" ]
	[ -e "$OUT/processed.va.data" ]
}

@test "a server that never answers fails within --timeout" {
	port=$(free_port)
	STALL_PID=$BATS_TEST_TMPDIR/stall.pid
	"$PY" -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])' "$port" >/dev/null 2>&1 3>&- &
	echo $! >"$STALL_PID"
	wait_port "$port"

	start=$SECONDS
	run -1 --separate-stderr hd-fetch -m "http://127.0.0.1:$port/" \
		--timeout 1 --retries 1 -d "$OUT"
	[ $((SECONDS - start)) -le 4 ]
	stderr_has "processed.cleveland.data: cannot reach http://127.0.0.1:$port/processed.cleveland.data: Operation timed out"
	stderr_has "3 more files not tried"
	[ -z "$(ls -A "$OUT")" ]
}

@test "an unreachable source is retried, then named with a mirror hint" {
	port=$(free_port)
	run -1 --separate-stderr hd-fetch -m "http://127.0.0.1:$port" \
		--retries 1 -d "$OUT"
	stderr_has "retry 1 of 1 in 0.5 s"
	stderr_has "cannot reach http://127.0.0.1:$port/processed.cleveland.data: Failed to connect"
	stderr_has "set HD_DATA_MIRROR or use --mirror DIR|URL"
	[ "$(grep -c retry <<<"$stderr")" -eq 1 ]
	[ -z "$(ls -A "$OUT")" ]
}

@test "a .part left by an interrupted run is resumed with a range request" {
	run -0 hd-fetch -q -m "$URL/good" -d "$OUT"
	rm "$OUT/processed.va.data"
	head -c 1000 "$MIRROR/processed.va.data" >"$OUT/.processed.va.data.part"
	n=$(log_sync)

	run -0 --separate-stderr hd-fetch -m "$URL/good" -d "$OUT"
	stderr_has "processed.va.data: resumed at byte 1000 from $URL/good/processed.va.data"
	same_as_mirror "$OUT"
	[ ! -e "$OUT/.processed.va.data.part" ]
	log_sync >/dev/null
	tail -n +$((n + 1)) "$LOG" | grep -q '"GET /good/processed.va.data HTTP/1.1" 206 5737 '
}

@test "a .part that does not verify after resuming is fetched again" {
	mkdir -p "$OUT"
	head -c 1000 "$MIRROR/processed.cleveland.data" >"$OUT/.processed.va.data.part"
	run -0 --separate-stderr hd-fetch -m "$URL/good" -d "$OUT"
	stderr_has "processed.va.data: resumed download does not verify; starting again"
	stderr_has "processed.va.data: downloaded from $URL/good/processed.va.data"
	same_as_mirror "$OUT"
}

@test "a .part longer than the file is discarded and fetched again" {
	mkdir -p "$OUT"
	cp "$MIRROR/processed.cleveland.data" "$OUT/.processed.va.data.part"
	run -0 --separate-stderr hd-fetch -m "$MIRROR" -d "$OUT"
	stderr_has "processed.va.data: cannot resume at byte 18461"
	stderr_has "processed.va.data: downloaded from"
	same_as_mirror "$OUT"
}

@test "a local file that does not verify is downloaded again" {
	run -0 hd-fetch -q -m "$URL/good" -d "$OUT"
	printf '63,1,1\n' >>"$OUT/processed.cleveland.data"
	run -0 --separate-stderr hd-fetch -m "$URL/good" -d "$OUT"
	stderr_has "processed.cleveland.data: local copy does not match its SHA-256; downloading again"
	stderr_has "processed.cleveland.data: downloaded from"
	[ "$(grep -c ': verified in ' <<<"$stderr")" -eq 3 ]
	same_as_mirror "$OUT"
}

@test "-q prints nothing on success" {
	run -0 --separate-stderr hd-fetch -q -m "$URL/good" -d "$OUT"
	[ -z "$output" ]
	[ -z "$stderr" ]
	same_as_mirror "$OUT"
}

@test "a mirror folder that does not exist fails with exit 1" {
	run -1 --separate-stderr hd-fetch -m "$BATS_TEST_TMPDIR/nowhere" -d "$OUT"
	stderr_has "--mirror: cannot use folder '$BATS_TEST_TMPDIR/nowhere': No such file or directory"
	HD_DATA_MIRROR=$BATS_TEST_TMPDIR/nowhere run -1 --separate-stderr hd-fetch -d "$OUT"
	stderr_has "HD_DATA_MIRROR: cannot use folder"
}

# A source on a free port that answers every GET with 200 and then
# bytes without end ($1 = "stream"), or declares a length of 1 GB
# ($1 = "declared").  Bounded: it stops by itself after 20 s.
endless_source() {
	local port=$1 mode=$2
	STALL_PID=$BATS_TEST_TMPDIR/endless.pid
	"$PY" -c 'import socket, sys, threading, time
mode = sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
end = time.time() + 20
def serve(c):
    try:
        c.recv(65536)
        head = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
        if mode == "declared":
            head += "Content-Length: 1000000000\r\n"
        c.sendall(head.encode() + b"\r\n")
        while time.time() < end:
            c.sendall(b"0" * 65536)
    except OSError:
        pass
    c.close()
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()' "$port" "$mode" >/dev/null 2>&1 3>&- &
	echo $! >"$STALL_PID"
	wait_port "$port"
}

@test "a source that sends without end is cut off at the pinned size" {
	port=$(free_port)
	endless_source "$port" stream
	SECONDS=0
	run -1 --separate-stderr hd-fetch -m "http://127.0.0.1:$port/" --retries 0 -d "$OUT"
	[ "$SECONDS" -le 10 ]
	stderr_has "processed.cleveland.data: cannot download http://127.0.0.1:$port/processed.cleveland.data: the source sends more than the 18461 bytes of the pinned file; stopped there"
	stderr_has "processed.va.data: cannot download"
	[ -z "$(find "$OUT" -type f -size +20k)" ]
	[ -z "$(ls -A "$OUT")" ]
}

@test "a source that declares more than the pinned size is refused before any byte" {
	port=$(free_port)
	endless_source "$port" declared
	run -1 --separate-stderr hd-fetch -m "http://127.0.0.1:$port/" --retries 0 -d "$OUT"
	stderr_has "the source sends more than the 18461 bytes of the pinned file"
	[ -z "$(ls -A "$OUT")" ]
}

@test "a failure to write on this machine points at the disk, not at the mirror" {
	# shellcheck disable=SC2016 # $1 and $2 are bash -c's arguments
	run -1 --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 4; exec hd-fetch -m "$1" -d "$2"' _ "$URL/good/" "$OUT"
	stderr_has "processed.cleveland.data: cannot write"
	stderr_has "File too large"
	stderr_has "the fault is on this machine: check the free space and permissions of the folder, or use --dir"
	stderr_lacks "HD_DATA_MIRROR"
}

@test "an interrupted download from a source that ignores ranges is fetched whole again" {
	port=$(free_port)
	STALL_PID=$BATS_TEST_TMPDIR/plain.pid
	"$PY" -m http.server -b 127.0.0.1 -d "$MIRROR" "$port" >/dev/null 2>&1 3>&- &
	echo $! >"$STALL_PID"
	wait_port "$port"
	mkdir -p "$OUT"
	head -c 5000 "$MIRROR/processed.cleveland.data" > "$OUT/.processed.cleveland.data.part"
	run -0 --separate-stderr hd-fetch -m "http://127.0.0.1:$port/" -d "$OUT"
	same_as_mirror "$OUT"
	[ ! -e "$OUT/.processed.cleveland.data.part" ]
}
