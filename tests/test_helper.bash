# Shared by every .bats file:  load test_helper
#
# HD_BIN     the build to test (default build/bin; make test also runs
#            the suite against build/san/bin, the ASan+UBSan build, and
#            make test COVERAGE=1 against build/cov/bin, not build/bin)
# MIRROR     the local copy of the four UCI files (../shared/...)
# PY         Debian's python3, which has pandas and scikit-learn

bats_require_minimum_version 1.5.0

# The checkout: this file is tests/test_helper.bash, whichever folder
# of tests/ the suite that loads it is in.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HD_BIN=${HD_BIN:-$REPO/build/bin}
case $HD_BIN in /*) ;; *) HD_BIN=$REPO/$HD_BIN ;; esac
PATH="$HD_BIN:$PATH"
MIRROR=${HD_TEST_MIRROR:-${HD_DATA_MIRROR:-$REPO/../shared/data/uci-heart-disease}}
PY=/usr/bin/python3
export HD_BIN MIRROR PY REPO
# Sanitizer reports must fail the test that triggered them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Fail with a message: fail MESSAGE...  Prints the message on stderr
# (bats shows it with the failed test) and returns 1, so that
# `[ ... ] || fail "why"` fails the test wherever a bare `[ ... ]` would.
fail() {
	printf '%s\n' "$*" >&2
	return 1
}

# same_double A B [TOL]: A and B, two decimals, parse to doubles at most
# TOL apart; TOL defaults to 0, the very same double (so 0.5 and 5e-1
# agree, and a probability printed by two programs must be bit-equal).
# Prints both values on stderr when they differ; a non-number differs.
same_double() {
	"$PY" "$REPO/tests/same_double.py" "$@"
}

# same_double_lines FILE1 FILE2 [TOL]: same_double for every line of
# FILE1 against the same line of FILE2, which has as many lines.
same_double_lines() {
	"$PY" "$REPO/tests/same_double.py" --lines "$@"
}

# The programs hd builds, one per line: hd-X for every tools/hd-X.c, and
# hd-fcgi, whose source is every fcgi/*.c.  Fails if it finds none, so
# that `progs=$(programs)` stops a test that would loop over nothing.
programs() {
	local f found=
	for f in "$REPO"/tools/hd-*.c; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.c}"
		found=1
	done
	if compgen -G "$REPO/fcgi/*.c" >/dev/null; then
		echo hd-fcgi
		found=1
	fi
	[ -n "$found" ] || { echo "no tools/hd-*.c or fcgi/*.c in $REPO" >&2; return 1; }
}

# The man page of program $1: tools/$1.1, or fcgi/$1.1 for the responder.
man_page() {
	local d
	for d in tools fcgi; do
		if [ -e "$REPO/$d/$1.1" ]; then
			echo "$REPO/$d/$1.1"
			return 0
		fi
	done
	echo "$1 has no man page in tools/ or fcgi/" >&2
	return 1
}

# The make variable that selects the build under test: SANITIZE=1 for
# build/san, COVERAGE=1 for build/cov, RELEASE=1 for build/release,
# nothing for build.
build_mode() {
	case $HD_BIN in
	"$REPO/build/san/bin") echo SANITIZE=1 ;;
	"$REPO/build/cov/bin") echo COVERAGE=1 ;;
	"$REPO/build/release/bin") echo RELEASE=1 ;;
	esac
}

# Run make on the repository's Makefile for the build under test
# (build_mode) with every output under $W: $W/data, $W/art, $W/params.
mk() {
	local mode
	mode=$(build_mode)
	make --no-print-directory -C "$REPO" ${mode:+"$mode"} MIRROR="$MIRROR" \
		DATA="$W/data" ART="$W/art" PARAMS="$W/params" "$@"
}

# The four raw files in their usual order: "${RAW[@]}".
# shellcheck disable=SC2034 # for the suites that load this file
RAW=("$MIRROR"/processed.{cleveland,hungarian,switzerland,va}.data)

# A TCP port on 127.0.0.1 that nothing listens on right now and that no
# other test running at the same time gets (tests/free_port.py says how).
free_port() {
	"$PY" "$REPO/tests/free_port.py"
}

# Wait until 127.0.0.1:$1 accepts connections (at most ~5 s).
wait_port() {
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

# Start lighttpd in the foreground on config $1, in the background of
# this shell; its PID goes to $2 (a file).  Stop it with stop_pid.
start_lighttpd() {
	local conf=$1 pidfile=$2 port=$3
	/usr/sbin/lighttpd -D -f "$conf" 3>&- &
	echo $! >"$pidfile"
	wait_port "$port"
}

# rm_counters ID: remove the shared counters of a server whose
# HD_METRICS_SHM (hd-fcgi --shm) was ID, and its verified model copy.
rm_counters() {
	rm -f "/dev/shm/hd-fcgi-$1-v1" "/dev/shm/hd-fcgi-$1-v1.model"
}

# Stop the process whose PID is in file $1, if it still runs.
stop_pid() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

# make_certs DIR: a certificate authority (DIR/ca.pem) and a server
# certificate it signs for 127.0.0.1 and localhost (DIR/server.pem,
# key DIR/server.key), EC P-256, valid two days, made with openssl.
make_certs() {
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj /CN=hd-test-ca 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$d/server.key" -out "$d/server.csr" -subj /CN=localhost 2>/dev/null &&
		printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
			'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' > "$d/server.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/server.ext" 2>/dev/null
}

# The UCI data cleaned and split with the defaults, into the current
# folder: heart.csv, train.csv (734 rows), test.csv (184 rows).
uci_split() {
	hd-clean "${RAW[@]}" > heart.csv
	hd-split --train train.csv --test test.csv heart.csv
}

# req [CURL ARGS...] PATH: one request to $URL; sets CODE, BODY and
# HEADERS (CR stripped), leaving the body in ./b and headers in ./h.
# REQ_TIMEOUT seconds at most (10).
# shellcheck disable=SC2034 # CODE, BODY, HEADERS: for the suites that load this file
req() {
	local path=${*: -1}
	CODE=$(curl -s -m "${REQ_TIMEOUT:-10}" -D h -o b -w '%{http_code}' "${@:1:$#-1}" "$URL$path")
	BODY=$(cat b)
	HEADERS=$(tr -d '\r' < h)
}

# body_is [JQ OPTIONS...] FILTER: the body of the last req satisfies
# the jq filter (jq -e); else it says which and shows the answer.
body_is() {
	# shellcheck disable=SC2153 # BODY, CODE: set by req
	jq -e "$@" <<<"$BODY" >/dev/null && return 0
	printf 'body fails %s\n-- code %s, body --\n%s\n' "${*: -1}" "$CODE" "$BODY" >&2
	return 1
}

# code_is STATUS: the last req answered STATUS; else it shows the answer.
code_is() {
	[ "$CODE" = "$1" ] && return 0
	printf 'expected %s, got %s: %s\n' "$1" "$CODE" "$BODY" >&2
	return 1
}

# use_model FILE: put FILE in place as $M/model.json by rename and wait
# until /health at $URL serves it, twice in a row (past the reload
# interval every worker looks before its next answer; two asks reach
# both workers of a test server).
use_model() {
	local sha
	sha=$(sha256sum < "$1" | cut -d' ' -f1)
	cp "$1" "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	sleep 0.15
	for _ in $(seq 1 40); do
		[ "$(curl -s "$URL/health" | jq -r .model.sha256)" = "$sha" ] &&
			[ "$(curl -s "$URL/health" | jq -r .model.sha256)" = "$sha" ] && return 0
		sleep 0.05
	done
	echo "the server did not take $1" >&2
	return 1
}

# The pid of lighttpd $1's error-group worker (HD_SLOT_BASE=64 in its
# environment), and those of its API workers: the other children.
error_worker() {
	local p
	for p in $(pgrep -P "$1"); do
		tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null |
			grep -qx 'HD_SLOT_BASE=64' && echo "$p"
	done
	return 0
}
api_workers() {
	local p e
	e=$(error_worker "$1")
	for p in $(pgrep -P "$1"); do
		[ "$p" = "$e" ] || echo "$p"
	done
}
