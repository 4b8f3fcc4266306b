#!/usr/bin/env bats
# Each bats test runs in a subshell on purpose: what it sets stays in it.
# shellcheck disable=SC2030,SC2031
# TLS (HD_TLS_CERT, HD_TLS_KEY; make serve TLS_CERT= TLS_KEY=): a real
# lighttpd with mod_openssl started by pipelines/hd-serve on a free
# 127.0.0.1 port, a certificate authority and a server certificate made
# here with openssl, and curl and openssl s_client as the clients.

load test_helper
bats_require_minimum_version 1.5.0

PATIENT='{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	make_certs .
	printf '<!doctype html><title>report</title>\n' > report.html
	export CA=$BATS_FILE_TMPDIR/ca.pem CERT=$BATS_FILE_TMPDIR/server.pem KEY=$BATS_FILE_TMPDIR/server.key
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	RUN=$(mktemp -d /tmp/hd-tls-test.XXXXXX)
	PORT=$(free_port)
	SHM=hdtest-tls-$$-$PORT
	export URL=https://127.0.0.1:$PORT
}

teardown() {
	stop_pid "$RUN/lighttpd.pid"
	# make serve's process group: make, and the lighttpd it runs.
	if [ -f "$BATS_TEST_TMPDIR/make.pid" ]; then
		kill -INT -- "-$(cat "$BATS_TEST_TMPDIR/make.pid")" 2>/dev/null || true
		sleep 1
		kill -KILL -- "-$(cat "$BATS_TEST_TMPDIR/make.pid")" 2>/dev/null || true
	fi
	rm_counters "$SHM"
	rm -rf "$RUN"
}

serve() {
	HD_RUN_DIR=$RUN HD_PORT=$PORT HD_MODEL=$BATS_FILE_TMPDIR/lr.json \
		HD_REPORT=$BATS_FILE_TMPDIR/report.html HD_WORKERS=2 HD_METRICS_SHM=$SHM \
		HD_WAIT=10 HD_TLS_CERT=${HD_TLS_CERT-$CERT} HD_TLS_KEY=${HD_TLS_KEY-$KEY} \
		"$REPO/pipelines/hd-serve" "$@" 3>&-
}

# openssl s_client's handshake with extra options $@: its output in
# ./hs, its status returned.
handshake() {
	openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" "$@" </dev/null >hs 2>&1
}

@test "https with the CA: /health, /predict and /report answer, each with HSTS; start and status speak TLS" {
	run -0 serve start
	[[ $output == "hd-serve: serving on https://127.0.0.1:$PORT/ "* ]] || fail "$output"
	req --cacert "$CA" /health
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	jq -e '.status == "ok"' b >/dev/null
	grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$HEADERS" || fail "$HEADERS"
	req --cacert "$CA" -H 'Content-Type: application/json' -d "$PATIENT" /predict
	[ "$CODE" = 200 ] || fail "$CODE $BODY"
	jq -e '.probability > 0 and .probability < 1' b >/dev/null || fail "$BODY"
	grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$HEADERS"
	# An error answer too.
	req --cacert "$CA" /nowhere
	[ "$CODE" = 404 ] || fail "$CODE $BODY"
	grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$HEADERS" || fail "$HEADERS"
	# The report, a file lighttpd sends with headers of its own.
	req --cacert "$CA" /report
	[ "$CODE" = 200 ] || fail "$CODE"
	grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$HEADERS" || fail "$HEADERS"
	grep -q "^Content-Security-Policy: default-src 'none'" <<<"$HEADERS" || fail "$HEADERS"
	run -0 serve status
	[ "${lines[0]}" = "hd-serve: running (pid $(cat "$RUN/lighttpd.pid")) on https://127.0.0.1:$PORT/, /health 200" ] || fail "$output"
	run -0 serve health
}

@test "the certificate is checked: without the CA, or for another name, curl refuses" {
	run -0 serve start
	run curl -sS -m 10 "$URL/health"
	[ "$status" -eq 60 ] || fail "no CA: curl $status $output"
	run curl -sS -m 10 --cacert "$CA" --resolve "other.example:$PORT:127.0.0.1" "https://other.example:$PORT/health"
	[ "$status" -eq 60 ] || fail "wrong name: curl $status $output"
	run -0 curl -sS -m 10 --cacert "$CA" "https://localhost:$PORT/health"
}

@test "plain HTTP on the TLS port gets no HTTP answer" {
	run -0 serve start
	run --separate-stderr curl -sS -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health"
	[ "$status" -ne 0 ] || fail "plain HTTP answered: $output"
	[ "$output" = 000 ] || fail "an HTTP status over plain HTTP: $output"
	# A plain request to /predict with a patient: no answer either.
	run --separate-stderr curl -sS -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$PATIENT" "http://127.0.0.1:$PORT/predict"
	[ "$output" = 000 ] || fail "$output"
	# The server still serves TLS afterwards.
	req --cacert "$CA" /health
	[ "$CODE" = 200 ]
}

@test "TLS 1.0 and 1.1 are refused by the server (protocol version alert); 1.2 and 1.3 accepted" {
	run -0 serve start
	# The client allows the old versions (SECLEVEL=0), so a refusal is
	# the server's.
	for v in -tls1 -tls1_1; do
		if handshake "$v" -cipher 'DEFAULT@SECLEVEL=0'; then
			fail "$v accepted: $(cat hs)"
		fi
		grep -q 'alert protocol version' hs || fail "$v: $(cat hs)"
	done
	run ! curl -sS -m 10 --cacert "$CA" --tlsv1.1 --tls-max 1.1 "$URL/health"
	handshake -tls1_2 || fail "$(cat hs)"
	grep -q '^New, TLSv1.2, Cipher is ECDHE-' hs || fail "$(cat hs)"
	grep -q 'Verify return code: 0 (ok)' hs || fail "$(cat hs)"
	handshake -tls1_3 || fail "$(cat hs)"
	grep -q '^New, TLSv1.3, Cipher is TLS_' hs || fail "$(cat hs)"
	run -0 curl -sS -m 10 --cacert "$CA" --tlsv1.3 "$URL/health"
}

@test "TLS 1.2 offers forward-secret AEAD ciphers only: CBC, RSA key exchange and SHA-1 MACs are refused" {
	run -0 serve start
	for c in AES128-SHA AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384 DHE-RSA-AES128-GCM-SHA256; do
		if handshake -tls1_2 -cipher "$c"; then
			fail "$c accepted: $(grep -i cipher hs)"
		fi
	done
	for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
		handshake -tls1_2 -cipher "$c" || fail "$c refused: $(cat hs)"
		grep -q "Cipher is $c" hs || fail "$c: $(grep -i cipher hs)"
	done
}

@test "HD_TLS_CERT without HD_TLS_KEY, or an unreadable file, is refused before lighttpd starts" {
	HD_TLS_KEY='' run -1 serve config
	[[ $output == *"HD_TLS_CERT and HD_TLS_KEY go together"* ]] || fail "$output"
	HD_TLS_KEY=/nonexistent/key run -1 serve start
	[[ $output == *"/nonexistent/key: cannot read it"* ]] || fail "$output"
	[ ! -f "$RUN/lighttpd.pid" ]
	# A file that is not a key: lighttpd rejects the config at start.
	HD_TLS_KEY=$BATS_FILE_TMPDIR/report.html run -1 serve start
	[ ! -f "$RUN/lighttpd.pid" ]
}

@test "without TLS the config has no trace of it, and plain HTTP is served as before" {
	HD_TLS_CERT='' HD_TLS_KEY='' run -0 serve config
	conf=$(grep -v '^[[:space:]]*#' <<<"$output")
	[[ $conf != *ssl.* && $conf != *Strict-Transport* && $conf != *@TLS* ]] || fail "$conf"
	run ! grep -q '^#@TLS@' <<<"$output"
	run -0 serve config
	[[ $output == *'ssl.engine = "enable"'* && $output == *"ssl.pemfile = \"$CERT\""* ]] || fail "$output"
	[[ $output == *'"MinProtocol" => "TLSv1.2"'* ]] || fail "$output"
}

@test "make serve TLS_CERT= TLS_KEY= serves https in the foreground" {
	# make in the build mode under test, in a process group of its own
	# (setsid) that teardown stops; serve has its own run folder.
	mode=$(build_mode)
	setsid make --no-print-directory -C "$REPO" ${mode:+"$mode"} serve MODEL="$BATS_FILE_TMPDIR/lr.json" REPORT="$BATS_FILE_TMPDIR/report.html" \
		PORT="$PORT" WORKERS=1 SERVE_DIR="$RUN" TLS_CERT="$CERT" TLS_KEY="$KEY" \
		>"$BATS_TEST_TMPDIR/make.out" 2>&1 3>&- &
	echo $! > "$BATS_TEST_TMPDIR/make.pid"
	wait_port "$PORT"
	for _ in $(seq 1 50); do
		req --cacert "$CA" /health
		[ "$CODE" = 200 ] && break
		sleep 0.1
	done
	[ "$CODE" = 200 ] || fail "$CODE $(cat "$BATS_TEST_TMPDIR/make.out")"
	grep -q "on https://127.0.0.1:$PORT/" "$BATS_TEST_TMPDIR/make.out"
	grep -qx 'Strict-Transport-Security: max-age=31536000' <<<"$HEADERS"
}
