#!/usr/bin/env bats
# What every hd program promises: --help, --version, a man page, exit 2
# for a usage error.

load test_helper

@test "every program prints its usage on stdout for --help and exits 0" {
	for p in $(programs); do
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ] || fail "$p --help exited $status"
		[[ "$output" == "usage: $p "* ]] || fail "$p --help: $output"
		[ -z "$stderr" ] || fail "$p --help wrote to stderr: $stderr"
	done
}

@test "every program prints its name and version for --version" {
	for p in $(programs); do
		run --separate-stderr "$p" --version
		[ "$status" -eq 0 ] || fail "$p --version exited $status"
		[[ "$output" =~ ^$p\ \(hd\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] ||
			fail "$p --version: $output"
	done
}

@test "every program exits 2 with a usage line on stderr for an unknown option" {
	for p in $(programs); do
		run --separate-stderr "$p" --no-such-option
		[ "$status" -eq 2 ] || fail "$p exited $status"
		[ -z "$output" ] || fail "$p wrote to stdout: $output"
		[[ "$stderr" == *"usage: $p "* ]] || fail "$p: $stderr"
	done
}

@test "every program has a man page that renders without warnings" {
	for p in $(programs); do
		page=$(man_page "$p" 2>/dev/null) || page=
		[ -n "$page" ] || fail "$p has no man page"
		run --separate-stderr env MANWIDTH=80 man --warnings -l "$page"
		[ "$status" -eq 0 ] || fail "$p.1: man exited $status"
		[ -z "$stderr" ] || fail "$p.1: $stderr"
		[[ "$output" == *"NAME"*"$p"*"SYNOPSIS"*"EXIT STATUS"* ]] ||
			fail "$p.1 lacks NAME, SYNOPSIS or EXIT STATUS"
	done
}
