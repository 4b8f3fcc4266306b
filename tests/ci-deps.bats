#!/usr/bin/env bats
# ci/deps GROUP...: which packages of ci/packages count as missing.  The
# real script runs from a copy of ci/ whose packages list the test
# writes; HD_NO_INSTALL=1, so it only checks and never installs.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	mkdir ci
	cp "$REPO/ci/deps" ci/deps
	# A package dpkg has on any Debian system, and names nobody has.
	HAVE=dpkg
	NONE=hd-no-such-package-$$
	NOCMD=hd-no-such-command-$$
}

# deps GROUP... with the package lines on stdin.
deps() {
	cat > ci/packages
	HD_NO_INSTALL=1 ci/deps "$@"
}

@test "ci/deps is silent and exits 0 when every package of the groups is installed" {
	run -0 --separate-stderr deps test <<<"test $HAVE"
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "ci/deps names a missing package in the apt-get line and exits 1" {
	run -1 --separate-stderr deps build test <<-EOF
	# a comment
	build $HAVE

	test $NONE
	EOF
	[[ "$stderr" == *"apt-get install $NONE"* ]]
}

@test "ci/deps ignores the groups it was not asked for" {
	run -0 --separate-stderr deps build <<<"bench $NONE"
}

@test "a package with a command counts as there when the command is on the PATH" {
	run -0 --separate-stderr deps test <<<"test $NONE sh"
	[ -z "$stderr" ]
	run -1 --separate-stderr deps test <<<"test $NONE $NOCMD"
	[[ "$stderr" == *"apt-get install $NONE"* ]]
	[[ "$stderr" != *"$NOCMD"* ]]
	# An installed package needs no command.
	run -0 --separate-stderr deps test <<<"test $HAVE $NOCMD"
}

@test "every line of ci/packages is GROUP PACKAGE [COMMAND]" {
	# shellcheck disable=SC2016 # an awk program
	run -0 awk '!/^#/ && NF && (NF < 2 || NF > 3) { print FILENAME ":" NR ": " $0; bad = 1 } END { exit bad }' \
		"$REPO/ci/packages"
}
