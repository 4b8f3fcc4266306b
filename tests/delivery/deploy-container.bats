#!/usr/bin/env bats
# ci/deploy of container releases (the image ci/image builds) to a real
# sshd on 127.0.0.1 standing in for a host with podman: the image goes
# over ssh (podman save | podman load), the model of the release is
# mounted over the image's.  The tests run in order.  Every test skips,
# and only then, when no container engine can run here.
#
# Not part of make test: .ci/run and ci/all run tests/delivery/.

load ../test_helper
load sshd
load deploy_helper

setup_file() {
	export D=$BATS_FILE_TMPDIR
	export CONTAINERS_CONF=${CONTAINERS_CONF:-$REPO/ci/containers.conf}
	# The image: ci/image's (built now unless there is one).
	if ! podman image exists hd:latest 2>/dev/null; then
		(cd "$REPO" && CI_OUT=$D/ci ci/image) > "$D/image.out" 2>&1 || true
	fi
	if ! podman image exists hd:latest 2>/dev/null ||
		! podman run --rm --network none hd:latest true >/dev/null 2>&1; then
		echo "no container engine can run here: $(tail -n 1 "$D/image.out" 2>/dev/null)" > "$D/skip"
		return 0
	fi
	start_sshd "$D/ssh"
	export DEPLOY_ROOT=$D/opt-hd DEPLOY_MODE=container DEPLOY_BIND=127.0.0.1 DEPLOY_WORKERS=2
	export DEPLOY_NAME=hd-test-$$ DEPLOY_IMAGE=hd:latest
	DEPLOY_HTTP_PORT=$(free_port)
	DEPLOY_STAGE_PORT=$(free_port)
	export DEPLOY_HTTP_PORT DEPLOY_STAGE_PORT
	# The host's podman needs this machine's limits (ci/containers.conf).
	mkdir -p "$DEPLOY_ROOT"
	printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF" > "$DEPLOY_ROOT/host.env"
	export W=$D/w
	mk pipeline >/dev/null
	export LR=$W/art/models/lr.model.json RF=$W/art/models/rf.model.json
	export DEPLOY_MODEL=$LR CI_OUT=$D/ci
}

teardown_file() {
	local c id r
	[ ! -e "$D/skip" ] || return 0
	# The containers this suite's deploys started (their names are the
	# suite's own), by ID.
	for c in "$DEPLOY_NAME-live" "$DEPLOY_NAME-stage"; do
		id=$(podman container inspect --format '{{.Id}}' "$c" 2>/dev/null) || continue
		podman rm -f -t 2 "$id" >/dev/null 2>&1 || true
	done
	podman rmi -f "localhost/$DEPLOY_NAME-broken" "localhost/$DEPLOY_NAME-other" >/dev/null 2>&1 || true
	# The names the deploys gave the images they sent: an image that
	# another name (hd:latest) has only loses the name.
	for r in "$DEPLOY_ROOT"/releases/*/release.json; do
		[ -f "$r" ] || continue
		podman rmi "$(jq -r .image "$r")" >/dev/null 2>&1 || true
	done
	stop_sshd "$D/ssh"
}

setup() {
	[ ! -e "$D/skip" ] || skip "$(cat "$D/skip")"
}

teardown() {
	[ ! -f "$D/poll.pid" ] || stop_poller
}

# The live container's ID.
live_id() { podman container inspect --format '{{.Id}}' "$DEPLOY_NAME-live"; }

@test "deploy (container): a first release goes live from the image sent over ssh" {
	run -0 "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: PASS: release 0001 (container, model "* ]] || fail "$output"
	[ "$(current)" = 0001 ]
	[ "$(served_sha)" = "$(sha_of "$LR")" ]
	got=$(curl -s -H 'Content-Type: application/json' --data-binary "@$DEPLOY_ROOT/current/check-row.json" \
		"$(url /predict)" | jq -r .probability)
	same_double "$got" "$(cat "$DEPLOY_ROOT/current/check-probability")"
	[ "$(jq -r .image "$DEPLOY_ROOT/current/release.json")" = \
		"localhost/hd-release:$(podman image inspect --format '{{.Id}}' hd:latest | cut -c1-12)" ]
	# Not root inside.
	[ "$(podman exec "$DEPLOY_NAME-live" id -u)" != 0 ]
}

@test "deploy (container): the same release again is a no-op" {
	started=$(podman container inspect --format '{{.State.StartedAt}}' "$DEPLOY_NAME-live")
	run -0 "$REPO/ci/deploy"
	[[ ${lines[-1]} == *"was already live on 127.0.0.1:$DEPLOY_HTTP_PORT: nothing to do" ]] || fail "$output"
	[ ! -e "$DEPLOY_ROOT/releases/0002" ]
	[ "$(podman container inspect --format '{{.State.StartedAt}}' "$DEPLOY_NAME-live")" = "$started" ]
}

@test "deploy (container): a new model in the same image goes live in the running container, no request failing" {
	id=$(live_id)
	start_poller
	run -0 env DEPLOY_MODEL="$RF" "$REPO/ci/deploy"
	stop_poller
	[[ ${lines[-1]} == "deploy: PASS: release 0002 (container, model "* ]] || fail "$output"
	[[ $output == *"same image: the live container gets release 0002's model in place"* ]] || fail "$output"
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
	[ "$(live_id)" = "$id" ]
}

@test "deploy (container): an image whose server exits at once is refused on the staging port; the live one keeps answering" {
	printf 'FROM hd:latest\nENTRYPOINT ["/bin/false"]\n' > "$D/Containerfile.broken"
	podman build -q --format docker --isolation chroot -t "localhost/$DEPLOY_NAME-broken" -f "$D/Containerfile.broken" "$D" >/dev/null
	start_poller
	run -1 env DEPLOY_IMAGE="localhost/$DEPLOY_NAME-broken" DEPLOY_WAIT=4 "$REPO/ci/deploy"
	stop_poller
	[[ $output == *"release 0003 failed its check before going live"* ]] || fail "$output"
	[[ ${lines[-1]} == "deploy: FAIL: release 0003 failed its checks and is not live;"* ]] || fail "$output"
	[ "$(current)" = 0002 ]
	[ "$(served_sha)" = "$(sha_of "$RF")" ]
}

@test "rollback (container): back to release 0001, the same image, its model in place and checked" {
	id=$(live_id)
	start_poller
	run -0 "$REPO/ci/rollback"
	stop_poller
	[[ ${lines[-1]} == "rollback: PASS: release 0001 is current and answers on 127.0.0.1:$DEPLOY_HTTP_PORT (was 0002)" ]] || fail "$output"
	[ "$(served_sha)" = "$(sha_of "$LR")" ]
	[ "$(live_id)" = "$id" ]
}

@test "deploy (container): a new image replaces the live container and is checked live" {
	# The same programs in an image of another ID (one more label).
	printf 'FROM hd:latest\nLABEL io.hd.test.rebuilt="%s"\n' "$$" > "$D/Containerfile.other"
	podman build -q --format docker --isolation chroot -t "localhost/$DEPLOY_NAME-other" -f "$D/Containerfile.other" "$D" >/dev/null
	id=$(live_id)
	run -0 env DEPLOY_IMAGE="localhost/$DEPLOY_NAME-other" "$REPO/ci/deploy"
	[[ ${lines[-1]} == "deploy: PASS: release 0004 (container, model "* ]] || fail "$output"
	[ "$(live_id)" != "$id" ]
	[ "$(podman container inspect --format '{{.Config.Image}}' "$DEPLOY_NAME-live")" = "$(jq -r .image "$DEPLOY_ROOT/current/release.json")" ]
	[ "$(served_sha)" = "$(sha_of "$LR")" ]
}
