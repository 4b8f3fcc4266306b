#!/usr/bin/env bats
# tests/delivery/image.bats - the container image: ci/image for real,
# then the image's properties, and ci/push (skip path and a push to a
# local docker-registry).  Not part of `make test`; the CI runs it:
#
#   bats tests/delivery/image.bats
#
# Every test skips (and only then) when no container engine can run
# here: ci/image's verdict is SKIP.

load ../test_helper

export CONTAINERS_CONF=${CONTAINERS_CONF:-$REPO/ci/containers.conf}

setup_file() {
	cd "$REPO" || return 1
	local out=$BATS_FILE_TMPDIR/ci-image
	# ci/image installs what it needs (group image) and makes the model
	# when it is missing.
	set +e
	CI_OUT=$BATS_FILE_TMPDIR/ci ci/image > "$out.stdout" 2> "$out.stderr"
	echo $? > "$out.status"
	set -e
	sed -n 's/^image: PASS: \([^ ]*\) .*/\1/p' "$out.stdout" > "$BATS_FILE_TMPDIR/image"
}

setup() {
	cd "$REPO" || return 1
	OUT=$BATS_FILE_TMPDIR/ci-image
	STATUS=$(cat "$OUT.status")
	[ "$STATUS" != 3 ] || skip "no container engine here: $(cat "$OUT.stdout")"
	IMAGE=$(cat "$BATS_FILE_TMPDIR/image")
	CIDS=()
	REGISTRY_PID=
}

teardown() {
	local c
	for c in "${CIDS[@]}"; do
		podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
	if [ -n "$REGISTRY_PID" ]; then
		kill "$REGISTRY_PID" 2>/dev/null || true
		wait "$REGISTRY_PID" 2>/dev/null || true
	fi
}

# Start the image with podman-run arguments $@ on 127.0.0.1:$PORT and
# wait for /health 200 (at most 10 s): sets CID, PORT, URL.  With CA
# set (a CA's certificate), over https with that CA.
start() {
	local code tls=()
	[ -n "$IMAGE" ] || fail "ci/image built no image: $(cat "$OUT.stdout")"
	PORT=$(free_port)
	CID=$(podman run -d -p "127.0.0.1:$PORT:8080" -e HD_WORKERS=2 "$@" "$IMAGE" 2>/dev/null)
	CIDS+=("$CID")
	URL=http://127.0.0.1:$PORT
	if [ -n "${CA:-}" ]; then
		URL=https://127.0.0.1:$PORT
		tls=(--cacert "$CA")
	fi
	for _ in $(seq 1 200); do
		code=$(curl -s "${tls[@]}" -o /dev/null -w '%{http_code}' --max-time 1 "$URL/health" || true)
		[ "$code" != 200 ] || return 0
		sleep 0.05
	done
	podman logs "$CID" >&2 || true
	fail "/health did not answer 200 within 10 s (last: $code)"
}

label() {
	podman image inspect -f "{{index .Labels \"$1\"}}" "$IMAGE"
}

sha_of() {
	sha256sum < "$1" | cut -d' ' -f1
}

# Seconds since $1 (date +%s.%N).
since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

@test "ci/image: exit 0 and one PASS verdict naming the image, its size and timings" {
	[ "$STATUS" = 0 ] || fail "exit $STATUS: $(cat "$OUT.stdout") $(tail -n 20 "$OUT.stderr")"
	[ "$(wc -l < "$OUT.stdout")" = 1 ] || fail "not one line on stdout: $(cat "$OUT.stdout")"
	grep -Eq '^image: PASS: hd:[0-9.]+-[0-9a-f]{12}(-dirty)? \([0-9]+\.[0-9] MB\): built in [0-9.]+ s, /health 200 in [0-9.]+ s, .*podman stop exit 0 in [0-9.]+ s$' "$OUT.stdout" ||
		fail "verdict: $(cat "$OUT.stdout")"
	podman image exists "$IMAGE"
	podman image exists hd:latest
	[ "$(podman image inspect -f '{{.Id}}' hd:latest)" = "$(podman image inspect -f '{{.Id}}' "$IMAGE")" ]
	# The size printed is the image's.
	mb=$(sed -n 's/.*(\([0-9.]*\) MB).*/\1/p' "$OUT.stdout")
	want=$(awk -v b="$(podman image inspect -f '{{.Size}}' "$IMAGE")" 'BEGIN { printf "%.1f", b / 1e6 }')
	[ "$mb" = "$want" ] || fail "printed $mb MB, the image has $want MB"
}

@test "the labels: version, revision = HEAD, created = the commit's time, source, model sha256 = the model file's" {
	[ "$(label org.opencontainers.image.revision)" = "$(git rev-parse HEAD)" ]
	[ "$(label org.opencontainers.image.version)" = "$(sed -n 's/^#define HD_VERSION "\(.*\)"$/\1/p' tools/lib/hd.h)" ]
	[ "$(label org.opencontainers.image.created)" = "$(TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd HEAD)" ]
	[ -n "$(label org.opencontainers.image.source)" ]
	[ "$(label io.hd.model.sha256)" = "$(sha_of artifacts/model.json)" ]
	case $IMAGE in *"-$(git rev-parse --short=12 HEAD)"*) ;; *) fail "$IMAGE does not name HEAD" ;; esac
}

@test "the config: port 8080, a fixed non-root user, a HEALTHCHECK, STOPSIGNAL SIGINT" {
	[ "$(podman image inspect -f '{{.Config.User}}' "$IMAGE")" = 10001:10001 ]
	podman image inspect -f '{{json .Config.ExposedPorts}}' "$IMAGE" | grep -qF '"8080/tcp"'
	podman image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE" | grep -qF 'hd-serve'
	[ "$(podman image inspect -f '{{.Config.StopSignal}}' "$IMAGE")" = SIGINT ]
}

@test "the baked-in model is served, as uid 10001, and the HEALTHCHECK makes it healthy" {
	start
	run curl -s "$URL/health"
	[[ $output == *"\"sha256\":\"$(sha_of artifacts/model.json)\""* ]] || fail "$output"
	[[ $output == *'"path":"/opt/hd/model/model.json"'* ]] || fail "$output"
	# lighttpd is PID 1; it and every worker run as 10001.
	[ "$(podman exec "$CID" awk '/^Uid:/ { print $2 }' /proc/1/status)" = 10001 ]
	run podman top "$CID" huser args
	[ "${#lines[@]}" -ge 4 ] || fail "$output"   # header, lighttpd, 2 + 1 workers
	for l in "${lines[@]:1}"; do
		[[ $l == "10001 "* ]] || fail "not uid 10001: $l"
	done
	podman healthcheck run "$CID" 2>/dev/null
	[ "$(podman inspect -f '{{.State.Health.Status}}' "$CID")" = healthy ]
}

@test "the Open Inference Protocol answers for the baked-in model, and the image's hd-drift reports as ours does" {
	start
	run curl -s -o /dev/null -w '%{http_code}' "$URL/v2/health/ready"
	[ "$output" = 200 ] || fail "ready: $output"
	name=$(jq -r '.name // "heart-disease"' artifacts/model.json)
	run curl -s "$URL/v2/models/$name"
	jq -e --arg n "$name" --arg v "$(sha_of artifacts/model.json | cut -c1-12)" \
		'.name == $n and .versions == [$v]' <<<"$output" || fail "$output"
	# hd-drift in the image, a batch on its standard input
	t=$BATS_TEST_TMPDIR
	status=0
	podman run --rm -i "$IMAGE" hd-drift --json /opt/hd/model/model.json - \
		< data/split/test.csv > "$t/image.json" || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "hd-drift in the image: exit $status"
	status=0
	hd-drift --json artifacts/model.json data/split/test.csv > "$t/here.json" || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "hd-drift: exit $status"
	[ "$(jq -c '[.features, .prediction, .summary]' "$t/image.json")" = \
		"$(jq -c '[.features, .prediction, .summary]' "$t/here.json")" ]
}

@test "TLS and bearer tokens mounted: https with the CA and HSTS, plain HTTP refused, 401 without a token, healthy" {
	local d=$BATS_TEST_TMPDIR/tls tok=image-test-token-$RANDOM
	mkdir -p "$d"
	make_certs "$d"
	printf '%s test\n' "$(printf '%s' "$tok" | sha256sum | cut -c1-64)" > "$d/tokens"
	# The key stays private, to the image's user.
	chown 10001 "$d/server.key"
	chmod 600 "$d/server.key"
	CA=$d/ca.pem start -v "$d:/certs:ro" -e HD_TLS_CERT=/certs/server.pem \
		-e HD_TLS_KEY=/certs/server.key -e HD_API_TOKENS=/certs/tokens
	run -0 curl -sS -D - -o /dev/null --cacert "$d/ca.pem" "$URL/health"
	[[ $output == *"Strict-Transport-Security: max-age=31536000"* ]] || fail "$output"
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/health"
	[ "$output" = 000 ] || fail "plain HTTP: $output"
	row='{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,"ca":0,"thal":6}'
	run -0 curl -s -o /dev/null -w '%{http_code}' --cacert "$d/ca.pem" -H 'Content-Type: application/json' -d "$row" "$URL/predict"
	[ "$output" = 401 ] || fail "no token: $output"
	run -0 curl -s --cacert "$d/ca.pem" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d "$row" "$URL/predict"
	[[ $output == *'"probability":'* ]] || fail "$output"
	# The HEALTHCHECK speaks TLS too.
	podman healthcheck run "$CID" 2>/dev/null
	[ "$(podman inspect -f '{{.State.Health.Status}}' "$CID")" = healthy ]
}

@test "a model mounted over the image's model path at run time is the one served" {
	other=artifacts/models/rf.model.json
	[ -f "$other" ] || fail "no $other (make pipeline)"
	[ "$(sha_of "$other")" != "$(sha_of artifacts/model.json)" ] || fail "$other is the baked-in model"
	start -v "$REPO/$other:/opt/hd/model/model.json:ro"
	run curl -s "$URL/health"
	[[ $output == *"\"sha256\":\"$(sha_of "$other")\""* ]] || fail "$output"
	# And scored as hd-predict scores it.
	row=65,1,3,145,233,1,0,150,0,2.5,0,0,1
	header=age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal
	body=$(curl -s -H 'Content-Type: application/json' "$URL/predict" -d \
		'{"age":65,"sex":1,"cp":3,"trestbps":145,"chol":233,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":2.5,"slope":0,"ca":0,"thal":1}')
	re='"probability":([-+0-9.eE]+)'
	[[ $body =~ $re ]] || fail "$body"
	[ -x build/release/bin/hd-predict ] || fail "no build/release/bin/hd-predict (ci/image makes it)"
	want=$(printf '%s\n%s\n' "$header" "$row" | build/release/bin/hd-predict "$other" | tail -n 1 | awk -F, '{ print $(NF - 1) }')
	same_double "${BASH_REMATCH[1]}" "$want"
}

@test "read-only root, a model folder mounted: a model renamed into it is served without a restart" {
	d=$BATS_TEST_TMPDIR/model
	mkdir -p "$d"
	chmod 755 "$d"
	cp artifacts/model.json "$d/model.json"
	start --read-only -v "$d:/opt/hd/model:ro"
	cp artifacts/models/rf.model.json "$d/.m.tmp"
	mv "$d/.m.tmp" "$d/model.json"
	want=$(sha_of artifacts/models/rf.model.json)
	for _ in $(seq 1 30); do
		curl -s "$URL/health" | grep -qF "\"sha256\":\"$want\"" && return 0
		sleep 0.1
	done
	fail "not served within 3 s: $(curl -s "$URL/health")"
}

@test "HD_WORKERS sets the number of workers" {
	start -e HD_WORKERS=3
	# lighttpd and 3 + 1 (the error group) workers.
	n=$(podman top "$CID" args | grep -c 'hd-fcgi' || true)
	[ "$n" = 4 ] || fail "$n hd-fcgi processes: $(podman top "$CID" args)"
}

@test "the logs: access log, lighttpd's errors and the workers' stderr all reach podman logs" {
	start
	curl -s -o /dev/null -H 'Content-Type: application/json' "$URL/predict" -d '{}'
	for _ in $(seq 1 50); do
		podman logs "$CID" 2>&1 | grep -q '"POST /predict HTTP/1.1" 422' && break
		sleep 0.1
	done
	run podman logs "$CID"
	[[ $output == *'"POST /predict HTTP/1.1" 422'* ]] || fail "no access log line: $output"
	[[ $output == *'(server.c.'*') server started'* ]] || fail "no lighttpd start-up line: $output"
	[[ $output == *'hd-fcgi['*']: /opt/hd/model/model.json: serving'* ]] || fail "no worker line: $output"
}

@test "SIGTERM stops the container at once: exit 0, no process left" {
	start
	t0=$(date +%s.%N)
	podman kill -s TERM "$CID" >/dev/null
	rc=$(timeout 10 podman wait "$CID")
	t=$(since "$t0")
	[ "$rc" = 0 ] || fail "exit status $rc"
	awk -v t="$t" 'BEGIN { exit !(t < 3) }' || fail "took $t s"
	[ "$(podman inspect -f '{{.State.Status}}' "$CID")" = exited ]
	# An exited container has no process; and the pid namespace's
	# processes are gone with it.
	run podman top "$CID"
	[ "$status" != 0 ]
}

@test "podman stop (SIGINT, graceful) ends it with exit 0 within 5 s" {
	start
	t0=$(date +%s.%N)
	podman stop -t 10 "$CID" >/dev/null
	t=$(since "$t0")
	[ "$(podman inspect -f '{{.State.ExitCode}}' "$CID")" = 0 ]
	awk -v t="$t" 'BEGIN { exit !(t < 5) }' || fail "took $t s"
	podman logs "$CID" 2>&1 | grep -qF 'graceful shutdown started'
}

@test "ci/push without HD_REGISTRY: SKIP, exit 3, nothing pushed" {
	run env -u HD_REGISTRY ci/push
	[ "$status" = 3 ] || fail "exit $status: $output"
	[ "$output" = "push: SKIP: HD_REGISTRY is not set: nothing pushed" ]
}

@test "ci/push to a local registry: refused without login, pushed with it, both tags there" {
	command -v docker-registry >/dev/null || fail "docker-registry is not installed (ci/deps delivery installs it; .ci/run does)"
	d=$BATS_TEST_TMPDIR/registry
	mkdir -p "$d"
	"$PY" -W ignore -c 'import crypt; print("ci:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' > "$d/htpasswd"
	rport=$(free_port)
	cat > "$d/config.yml" <<-EOF
	version: 0.1
	storage:
	  filesystem:
	    rootdirectory: $d/data
	http:
	  addr: 127.0.0.1:$rport
	auth:
	  htpasswd:
	    realm: hd-test
	    path: $d/htpasswd
	EOF
	docker-registry serve "$d/config.yml" > "$d/log" 2>&1 &
	REGISTRY_PID=$!
	wait_port "$rport"
	export HD_REGISTRY=127.0.0.1:$rport/team HD_REGISTRY_TLS_VERIFY=false
	export CI_OUT=$BATS_FILE_TMPDIR/ci
	run env -u HD_REGISTRY_USER -u HD_REGISTRY_PASSWORD REGISTRY_AUTH_FILE="$d/none.json" ci/push
	[ "$status" = 1 ] || fail "exit $status: $output"
	run env HD_REGISTRY_USER=ci HD_REGISTRY_PASSWORD=wrong ci/push
	[ "$status" = 1 ] || fail "exit $status: $output"
	[[ ${lines[-1]} == "push: FAIL: podman login "* ]] || fail "$output"
	run env HD_REGISTRY_USER=ci HD_REGISTRY_PASSWORD=s3cret ci/push
	[ "$status" = 0 ] || fail "exit $status: $output"
	[[ ${lines[-1]} == "push: PASS: pushed $HD_REGISTRY/$IMAGE and :latest (sha256:"* ]] || fail "$output"
	tags=$(curl -s -u ci:s3cret "http://127.0.0.1:$rport/v2/team/hd/tags/list")
	[[ $tags == *"\"${IMAGE#hd:}\""* && $tags == *'"latest"'* ]] || fail "$tags"
}

@test "ci/image skips (exit 3, SKIP) where podman cannot run a container" {
	sed 's|^runtime = .*|runtime = "/nonexistent/runc"|' ci/containers.conf > "$BATS_TEST_TMPDIR/containers.conf"
	run env CONTAINERS_CONF="$BATS_TEST_TMPDIR/containers.conf" CI_OUT="$BATS_TEST_TMPDIR/ci" ci/image
	[ "$status" = 3 ] || fail "exit $status: $output"
	[[ ${lines[-1]} == "image: SKIP: podman cannot run"* ]] || fail "$output"
}
