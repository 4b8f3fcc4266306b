#!/usr/bin/env bats
# ci/deploy and ci/rollback against a real sshd on 127.0.0.1 (its own
# config, throwaway keys, a free port) standing in for the EC2 host.
# The host's root is a folder of the test's (DEPLOY_ROOT), the releases
# are native (lighttpd + hd-fcgi from build/release); the tests run in
# order, each deploy building on the one before, as on a real host.
#
# Not part of make test: .ci/run and ci/all run tests/delivery/.
# DEPLOY_PORT and the other DEPLOY_* come from start_sshd (sshd.bash).
# shellcheck disable=SC2153

load ../test_helper
load sshd
load deploy_helper

setup_file() {
	export D=$BATS_FILE_TMPDIR
	start_sshd "$D/ssh"
	export DEPLOY_ROOT=$D/opt-hd DEPLOY_MODE=native DEPLOY_BIND=127.0.0.1 DEPLOY_WORKERS=2
	DEPLOY_HTTP_PORT=$(free_port)
	DEPLOY_STAGE_PORT=$(free_port)
	export DEPLOY_HTTP_PORT DEPLOY_STAGE_PORT
	# The models: a pipeline of the test's own.
	export W=$D/w
	mk pipeline >/dev/null
	# The selected model (the logistic regression, with its selection
	# record: the test ROC-AUC ci/validate-model compares) and the forest.
	export LR=$W/art/model.json RF=$W/art/models/rf.model.json
	[ "$(jq -r .model "$LR")" = logistic_regression ]
	export DEPLOY_MODEL=$LR
	export CI_OUT=$D/ci
}

teardown_file() {
	stop_pid "$DEPLOY_ROOT/run/lighttpd.pid"
	stop_pid "$DEPLOY_ROOT/stage/lighttpd.pid"
	stop_sshd "$D/ssh"
}

teardown() {
	[ ! -f "$D/poll.pid" ] || stop_poller
}



# A folder of binaries whose hd-fcgi exits at once.
broken_bin() {
	mkdir -p "$D/broken"
	cp "$REPO/build/release/bin/hd-predict" "$D/broken/"
	printf '#!/bin/sh\necho "hd-fcgi: broken on purpose" >&2\nexit 1\n' > "$D/broken/hd-fcgi"
	chmod +x "$D/broken/hd-fcgi"
	printf '%s\n' "$D/broken"
}

@test "deploy: without DEPLOY_HOST the phase skips and says why" {
	run -3 env -u DEPLOY_HOST "$REPO/ci/deploy"
	[ "${lines[-1]}" = "deploy: SKIP: DEPLOY_HOST is not set: nothing deployed" ]
}

@test "deploy: a first release goes live and answers as hd-predict does" {
	run -0 "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: PASS: release 0001 (native, model "* ]] || fail "$output"
	[ "$(current)" = 0001 ]
	[ "$(served_sha)" = "$(sha_of "$LR")" ]
	same_double "$(served_probability)" "$(predicted_probability "$LR")"
	# The release holds what it says, and the hardened binaries.
	[ "$(jq -r .model_sha256 "$DEPLOY_ROOT/releases/0001/release.json")" = "$(sha_of "$LR")" ]
	cmp "$DEPLOY_ROOT/releases/0001/bin/hd-fcgi" "$REPO/build/release/bin/hd-fcgi"
	[ -x "$DEPLOY_ROOT/releases/0001/pipelines/hd-serve" ]
	# ci/deploy keeps the release record for ci/validate-model.
	cmp "$CI_OUT/release.json" "$DEPLOY_ROOT/releases/0001/release.json"
}

@test "post-deploy: /health, /predict and /metrics of the live release, seen as a client sees them" {
	run -0 "$REPO/ci/post-deploy"
	[[ ${lines[-1]} == "post-deploy: PASS: http://127.0.0.1:$DEPLOY_HTTP_PORT: /health 200 (model $(sha_of "$LR" | cut -c1-12)), /predict "*" as hd-predict, /metrics: "*" requests, "*" predictions ("*" positive, "*" negative)" ]] || fail "$output"
	# Another model's record: the served model is not the one deployed.
	mkdir -p "$D/other"
	jq --arg s "$(sha_of "$RF")" '.model_sha256 = $s' "$CI_OUT/release.json" > "$D/other/release.json"
	run -1 env CI_OUT="$D/other" "$REPO/ci/post-deploy"
	[[ ${lines[-1]} == "post-deploy: FAIL: http://127.0.0.1:$DEPLOY_HTTP_PORT serves model $(sha_of "$LR" | cut -c1-12), but the release deployed has $(sha_of "$RF" | cut -c1-12)" ]] || fail "$output"
}

@test "validate-model: the candidate against the floor and against the model live on the host" {
	# A candidate selected by accuracy: the forest, whose test ROC-AUC is
	# below the live logistic regression's.
	hd-select --by accuracy -o "$D/by-accuracy.json" "$W/art/metrics/lr.metrics.json" "$W/art/metrics/rf.metrics.json" >/dev/null
	live=$(jq -r .test_roc_auc "$DEPLOY_ROOT/current/release.json")
	cand=$(jq -r '.selection.candidates[] | select(.selected) | .test.roc_auc' "$D/by-accuracy.json")
	"$PY" -c "import sys; sys.exit(not (float('$cand') < float('$live')))"
	run -0 env VALIDATE_MODEL="$D/by-accuracy.json" "$REPO/ci/validate-model"
	[[ ${lines[-1]} == "validate-model: PASS: "*"within 0.01 of the release live on 127.0.0.1 (model $(sha_of "$LR" | cut -c1-12))"* ]] || fail "$output"
	run -1 env VALIDATE_MODEL="$D/by-accuracy.json" VALIDATE_MAX_DROP=0.0001 "$REPO/ci/validate-model"
	[[ ${lines[-1]} == "validate-model: FAIL: test ROC-AUC "*" is worse than the release live on 127.0.0.1"*"by more than 0.0001 (VALIDATE_MAX_DROP)" ]] || fail "$output"
	run -1 env VALIDATE_MODEL="$D/by-accuracy.json" VALIDATE_MIN_AUC=0.99 "$REPO/ci/validate-model"
	[[ ${lines[-1]} == "validate-model: FAIL: test ROC-AUC "*" is under the floor 0.99 (VALIDATE_MIN_AUC)" ]] || fail "$output"
	# A model file that is no selection's output cannot be gated.
	run -1 env VALIDATE_MODEL="$RF" "$REPO/ci/validate-model"
	[[ ${lines[-1]} == *"has no selection record with a test ROC-AUC"* ]] || fail "$output"
}

@test "deploy: the same release again is a no-op" {
	pid=$(cat "$DEPLOY_ROOT/run/lighttpd.pid")
	run -0 "$REPO/ci/deploy"
	[[ ${lines[-1]} == *"was already live on 127.0.0.1:$DEPLOY_HTTP_PORT: nothing to do" ]] || fail "$output"
	[ "$(current)" = 0001 ]
	[ ! -e "$DEPLOY_ROOT/releases/0002" ]
	# Not even restarted.
	[ "$(cat "$DEPLOY_ROOT/run/lighttpd.pid")" = "$pid" ]
}

@test "deploy: the key and the known_hosts line given as text (CI secrets) work as the files do; a wrong host key is refused" {
	mkdir -p "$D/tmp"
	run -0 env TMPDIR="$D/tmp" DEPLOY_KEY="$(cat "$DEPLOY_KEY")" DEPLOY_KNOWN_HOSTS="$(cat "$DEPLOY_KNOWN_HOSTS")" "$REPO/ci/deploy"
	[[ ${lines[-1]} == *": nothing to do" ]] || fail "$output"
	# The key text never lands anywhere that outlives the phase.
	run -0 ls -A "$D/tmp"
	[ -z "$output" ] || fail "left behind: $output"
	# Another host key pinned: ssh refuses, nothing is deployed.
	ssh-keygen -q -t ed25519 -N '' -f "$D/other_host_key"
	printf '[127.0.0.1]:%s %s\n' "$DEPLOY_PORT" "$(cut -d' ' -f1,2 "$D/other_host_key.pub")" > "$D/wrong_known_hosts"
	run -1 env DEPLOY_KNOWN_HOSTS="$D/wrong_known_hosts" "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: FAIL: cannot reach $DEPLOY_USER@127.0.0.1:$DEPLOY_PORT or write $DEPLOY_ROOT there" ]] || fail "$output"
}

@test "deploy: a new model goes live while a client polling /predict sees no failed request" {
	start_poller
	run -0 env DEPLOY_MODEL="$RF" "$REPO/ci/deploy"
	stop_poller
	[[ ${lines[-1]} == "deploy: PASS: release 0002 "* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
	same_double "$(served_probability)" "$(predicted_probability "$RF")"
}

@test "deploy: a binary that exits at once fails on the staging port, is never live, and the host keeps answering" {
	bin=$(broken_bin)
	start_poller
	run -1 env DEPLOY_BIN="$bin" DEPLOY_WAIT=4 "$REPO/ci/deploy"
	stop_poller
	[[ ${lines[-1]} == "deploy: FAIL: release 0003 failed its checks and is not live;"* ]] || fail "$output"
	[[ $output == *"release 0003 failed its check before going live"* ]] || fail "$output"
	[[ $output == *"release 0002 stays current"* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ -s "$DEPLOY_ROOT/releases/0003/FAILED" ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
}

@test "deploy: a model that fails the server's validation is refused before it is live" {
	# A release made by hand (as an older or foreign deployer might),
	# whose model the server refuses: the host itself must catch it.
	rel=$D/badrel
	rm -rf "$rel"
	cp -r "$DEPLOY_ROOT/releases/0002" "$rel"
	rm -f "$rel/FAILED"
	printf '{"format":"hd-model","version":1,"model":"logistic_regression","features":[' > "$rel/model.json"
	sha=$(sha_of "$rel/model.json")
	jq --arg s "$sha" '.model_sha256 = $s | .digest = "00ff"' "$rel/release.json" > "$rel/r" && mv "$rel/r" "$rel/release.json"
	start_poller
	id=$(tar -C "$rel" -cf - . | on_host HD_ROOT="$DEPLOY_ROOT" "$DEPLOY_ROOT/hd-host" receive 00ff)
	[ "$id" = 0004 ]
	run -1 on_host HD_ROOT="$DEPLOY_ROOT" HD_PORT="$DEPLOY_HTTP_PORT" HD_STAGE_PORT="$DEPLOY_STAGE_PORT" HD_BIND=127.0.0.1 \
		HD_WORKERS=2 HD_WAIT=3 "$DEPLOY_ROOT/hd-host" activate 0004
	stop_poller
	[[ $output == *"release 0004 failed its check before going live: GET /health on port $DEPLOY_STAGE_PORT: 503"* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
}

@test "deploy: a model the deployer's hd-predict refuses is never sent" {
	printf 'not a model\n' > "$D/garbage.json"
	run -1 env DEPLOY_MODEL="$D/garbage.json" "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: FAIL: the model does not load, nothing sent: hd-predict: $D/garbage.json: not valid JSON (line 1)" ]] || fail "$output"
	[ ! -e "$DEPLOY_ROOT/releases/0005" ]
	[ "$(current)" = 0002 ]
}

@test "deploy: without staging a broken release goes live, fails its live check and is rolled back automatically" {
	bin=$(broken_bin)
	run -1 env DEPLOY_BIN="$bin" DEPLOY_STAGE_PORT=0 DEPLOY_WAIT=4 "$REPO/ci/deploy"
	[[ $output == *"release 0003 failed live"* ]] || fail "$output"
	[[ $output == *"switching back to release 0002"* ]] || fail "$output"
	[[ $output == *"rolled back: release 0002 is current and answers"* ]] || fail "$output"
	[[ ${lines[-1]} == "deploy: FAIL: release 0003 failed its checks and is not live;"* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
	same_double "$(served_probability)" "$(predicted_probability "$RF")"
	grep -q ' rolled-back 0002 from 0003' "$DEPLOY_ROOT/history"
}

@test "rollback: on demand, back to the previous good release, which is restarted and checked" {
	start_poller
	run -0 "$REPO/ci/rollback"
	stop_poller
	[[ ${lines[-1]} == "rollback: PASS: release 0001 is current and answers on 127.0.0.1:$DEPLOY_HTTP_PORT (was 0002)" ]] || fail "$output"
	[ "$(current)" = 0001 ]
	[ "$(served_sha)" = "$(sha_of "$LR")" ]
	# Nothing older to go back to: a clear refusal, nothing changed.
	run -1 "$REPO/ci/rollback"
	[[ ${lines[-1]} == "rollback: FAIL: "*"release 0001 is the oldest good release: nothing to roll back to"* ]] || fail "$output"
	[ "$(current)" = 0001 ]
}

@test "deploy: a release rolled back from is deployed again by reusing its folder" {
	run -0 env DEPLOY_MODEL="$RF" "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: PASS: release 0002 "* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
}

@test "deploy: DEPLOY_KEEP old releases are kept besides current and previous, the rest pruned" {
	# Two more good releases (each model once more, as new digests: the
	# release holds the report when there is one).
	cp "$LR" "$D/lr2.model.json"
	printf ' ' >> "$D/lr2.model.json"
	run -0 env DEPLOY_MODEL="$D/lr2.model.json" DEPLOY_KEEP=1 "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: PASS: release 0005 "* ]] || fail "$output"
	# Current 0005, previous 0002, one more kept (0004, the newest
	# other); 0001 and 0003 pruned.
	run ls "$DEPLOY_ROOT/releases"
	[ "$(echo "$output" | tr '\n' ' ')" = "0002 0004 0005 " ] || fail "kept: $output"
	grep -q ' pruned 0001' "$DEPLOY_ROOT/history"
}

@test "deploy: the release's systemd unit is one systemd accepts" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze here"
	u=$D/hd.service
	on_host HD_ROOT="$DEPLOY_ROOT" HD_PORT=8080 "$DEPLOY_ROOT/hd-host" unit > "$u"
	run -0 systemd-analyze verify "$u"
	grep -qx "ExecStart=$DEPLOY_ROOT/current/pipelines/hd-serve run" "$u"
	grep -qx "User=$(id -un)" "$u"
	if left=$(grep -v '^#' "$u" | grep '@[A-Z]\+@'); then
		fail "words left unfilled: $left"
	fi
}

@test "deploy: status on the host lists the releases and which is current" {
	run -0 on_host HD_ROOT="$DEPLOY_ROOT" "$DEPLOY_ROOT/hd-host" status
	[[ $output == *"0005 native model $(sha_of "$D/lr2.model.json" | cut -c1-12)"*" current"* ]] || fail "$output"
	[[ $output == *"0002 native"*" previous"* ]] || fail "$output"
}
