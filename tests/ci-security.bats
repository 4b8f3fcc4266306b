#!/usr/bin/env bats
# ci/security's own checks on planted cases: the secret scan over a
# temporary git repository, the hardening check over programs built
# here with and without the release flags.  The real script runs from
# a copy of ci/ in that repository; it installs nothing
# (HD_NO_INSTALL=1: the packages are there, or the test is skipped).

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	HD_NO_INSTALL=1 "$REPO/ci/deps" security 2>/dev/null ||
		skip "ci/security's packages are not installed"
	cd "$BATS_TEST_TMPDIR" || return
	mkdir -p repo/ci
	cp "$REPO/ci/security" "$REPO/ci/lib.sh" "$REPO/ci/deps" "$REPO/ci/packages" repo/ci/
	printf 'int main(void) { return 0; }\n' > repo/main.c
	git -C repo init -q
	export CI_OUT=$BATS_TEST_TMPDIR/out HD_NO_INSTALL=1
}

commit() { git -C repo add -A && git -C repo -c user.name=t -c user.email=t@t commit -qm t; }

@test "a clean tree passes the secret scan" {
	commit
	run --separate-stderr -0 env SECURITY_ONLY=secrets repo/ci/security
	[ "$output" = "security: PASS: secrets 0 (5 files)" ]
}

@test "a planted private key, AWS key id and password are caught, by file and line" {
	# Built from parts so that this file itself holds no key.
	{
		echo "-----BEGIN RSA PRIV""ATE KEY-----"
		echo "MIIEowIBAAKCAQEA7v1lTvEzkLh0zQ8="
		echo "-----END RSA PRIV""ATE KEY-----"
	} > repo/id_rsa
	printf 'aws_key = AKIA%s\n' ABCDEFGHIJKLMNOP > repo/conf.ini
	printf 'db_password = "%s"\n' hunter2hunter > repo/app.env
	commit
	run --separate-stderr -1 env SECURITY_ONLY=secrets repo/ci/security
	[ "$output" = "security: FAIL: secrets 3 (8 files) (logs in out/security)" ] ||
		[[ "$output" == "security: FAIL: secrets 3 (8 files)"* ]]
	[[ "$stderr" == *"id_rsa:1: private key"* ]]
	[[ "$stderr" == *"conf.ini:1: AWS access key id"* ]]
	[[ "$stderr" == *"app.env:1: password/secret assignment"* ]]
}

@test "an untracked key is not scanned, and the allowlist lets a fixture through" {
	commit
	echo "-----BEGIN OPENSSH PRIV""ATE KEY-----" > repo/untracked.key
	run --separate-stderr -0 env SECURITY_ONLY=secrets repo/ci/security
	git -C repo add untracked.key
	run --separate-stderr -1 env SECURITY_ONLY=secrets repo/ci/security
	echo '^untracked\.key:1: private key$' > repo/ci/secrets-allow
	run --separate-stderr -0 env SECURITY_ONLY=secrets repo/ci/security
	[[ "$output" == "security: PASS: secrets 0 "* ]]
}

@test "the hardening check passes a release-flagged program and flags one linked without -z now" {
	mkdir good bad
	cc -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -pie \
		-Wl,-z,relro,-z,now -o good/prog "$REPO/tests/fixtures/harden.c"
	run --separate-stderr -0 env SECURITY_ONLY=hardening HARDEN_BIN="$BATS_TEST_TMPDIR/good" repo/ci/security
	[ "$output" = "security: PASS: hardening 0 of 1 programs" ]
	cc -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -pie \
		-Wl,-z,relro,-z,lazy -o bad/prog "$REPO/tests/fixtures/harden.c"
	run --separate-stderr -1 env SECURITY_ONLY=hardening HARDEN_BIN="$BATS_TEST_TMPDIR/bad" repo/ci/security
	[[ "$output" == "security: FAIL: hardening 1 of 1 programs"* ]]
	[[ "$stderr" == *"bad/prog: lacks: bind-now"* ]]
}

@test "the hardening check names each missing protection" {
	mkdir bare
	cc -O0 -fno-stack-protector -no-pie -Wl,-z,norelro,-z,lazy,-z,execstack \
		-o bare/prog "$REPO/tests/fixtures/harden.c"
	run --separate-stderr -1 env SECURITY_ONLY=hardening HARDEN_BIN="$BATS_TEST_TMPDIR/bare" repo/ci/security
	[[ "$stderr" == *"bare/prog: lacks: pie relro bind-now stack-protector fortify nx-stack"* ]]
}
