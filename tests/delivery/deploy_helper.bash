# deploy_helper.bash - what the deploy suites share: the live server's
# answers, a client polling /predict through a deploy, the host over the
# test's sshd.  Sourced after test_helper.bash and sshd.bash; D is the
# suite's folder, DEPLOY_* come from start_sshd and the suite.
# shellcheck shell=bash disable=SC2153

url() { printf 'http://127.0.0.1:%s%s\n' "$DEPLOY_HTTP_PORT" "$1"; }

# The SHA-256 of the model /health names.
served_sha() {
	curl -s "$(url /health)" | jq -r .model.sha256
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# The probability the live server gives ci/check-row.csv's patient, and
# the one hd-predict gives with model $1.
served_probability() {
	curl -s -H 'Content-Type: application/json' --data-binary "@$DEPLOY_ROOT/current/check-row.json" \
		"$(url /predict)" | jq -r .probability
}
predicted_probability() {
	hd-predict "$1" "$REPO/ci/check-row.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "probability") c = i; next } { print $c }'
}

# A client polling /predict on the live port until stop_poller, one
# status code per line in $D/poll.codes.
start_poller() {
	rm -f "$D/poll.codes" "$D/poll.stop"
	cp "$DEPLOY_ROOT/current/check-row.json" "$D/poll.json"
	(
		while [ ! -e "$D/poll.stop" ]; do
			curl -s -o /dev/null -m 10 -w '%{http_code}\n' -H 'Content-Type: application/json' \
				--data-binary "@$D/poll.json" "$(url /predict)" >> "$D/poll.codes"
		done
	) 3>&- &
	echo $! > "$D/poll.pid"
	# Running before the deploy starts.
	for _ in $(seq 1 50); do
		[ -s "$D/poll.codes" ] && return 0
		sleep 0.1
	done
	fail "the poller got no answer"
}

# Stop the poller; fail unless every one of its requests got 200.
stop_poller() {
	local n bad
	touch "$D/poll.stop"
	wait "$(cat "$D/poll.pid")" 2>/dev/null || true
	rm -f "$D/poll.pid"
	n=$(wc -l < "$D/poll.codes")
	bad=$(grep -vcx 200 "$D/poll.codes" || true)
	echo "# poller: $n requests, $bad not 200" >&3
	[ "$bad" -eq 0 ] || fail "the poller saw $bad failed requests of $n: $(sort "$D/poll.codes" | uniq -c | tr '\n' ' ')"
	[ "$n" -ge 5 ] || fail "the poller sent only $n requests"
}

current() { basename "$(readlink "$DEPLOY_ROOT/current")"; }

# A command on the host over the test's sshd.
on_host() {
	ssh -p "$DEPLOY_PORT" -i "$DEPLOY_KEY" -o UserKnownHostsFile="$DEPLOY_KNOWN_HOSTS" "$DEPLOY_USER@127.0.0.1" "$@"
}
