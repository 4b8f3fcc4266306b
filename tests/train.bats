#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# pipelines/train.sh: its options, its usage example run from the
# checkout, a run from elsewhere, and nothing new left in the checkout.

load test_helper
bats_require_minimum_version 1.5.0

TRAIN=pipelines/train.sh
USAGE="usage: pipelines/train.sh [-o DIR] [MIRROR]"

flunk() {
	printf '%s\n' "$@" >&2
	return 1
}

# Each test runs in an empty folder of its own (bats keeps files of its
# own in BATS_TEST_TMPDIR).  The checkout's work/ (train.sh's default
# there) is removed after a test if it was not there before.  Other
# runs of this file on the same checkout (tests/run's other passes) use
# that work/ too: each test holds a lock on train.sh, so that only one
# at a time does (bats closes the lock's descriptor when the test ends).
setup() {
	exec {TRAIN_LOCK}<"$REPO/$TRAIN"
	flock -w 600 "$TRAIN_LOCK" || flunk "$REPO/$TRAIN stayed locked for 10 minutes"
	mkdir "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd" || exit
	had_work=
	[ ! -e "$REPO/work" ] || had_work=1
}

teardown() {
	[ -n "$had_work" ] || rm -rf "$REPO/work"
}

# What git sees in the checkout, untracked files one by one, and the
# top-level names git does not ignore (it does not show an empty new
# folder).
git_status() {
	local f
	git -C "$REPO" status --porcelain --untracked-files=all
	for f in "$REPO"/* "$REPO"/.[!.]*; do
		[ -e "$f" ] || continue
		git -C "$REPO" check-ignore -q "$f" || echo "${f##*/}"
	done
}

# The checkout is a git work tree (a tarball is not).
need_git() {
	git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		skip "$REPO is not a git work tree"
}

# Model $1 scores patients file $2: a probability and a prediction per row.
scores() {
	local n
	hd-predict "$1" "$2" > scored.csv
	[ "$(head -n1 scored.csv)" = "$(head -n1 "$2"),probability,prediction" ] ||
		flunk "header: $(head -n1 scored.csv)"
	n=$(($(wc -l < "$2") - 1))
	[ "$n" -gt 0 ]
	[ "$(awk -F, 'NR > 1 && $(NF - 1) >= 0 && $(NF - 1) <= 1 && ($NF == 0 || $NF == 1)' scored.csv | wc -l)" -eq "$n" ] ||
		flunk "not $n scored rows" "$(head -n3 scored.csv)"
}

@test "--help and -h: usage on stdout, exit 0" {
	run --separate-stderr -0 "$REPO/$TRAIN" --help
	[ "${lines[0]}" = "$USAGE" ]
	[[ $output == *"-o, --out DIR"*"Default: work/ in"*"checkout's top folder"* ]] || flunk "$output"
	[ -z "$stderr" ]
	help=$output
	run --separate-stderr -0 "$REPO/$TRAIN" -h
	[ "$output" = "$help" ]
	[ -z "$(ls -A)" ]
}

@test "an unknown option, a missing -o argument, two mirrors: usage on stderr, exit 2" {
	run --separate-stderr -2 "$REPO/$TRAIN" --bogus
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "train.sh: unknown option: --bogus" ]
	[ "${stderr_lines[1]}" = "$USAGE" ]
	run --separate-stderr -2 "$REPO/$TRAIN" -o
	[ "${stderr_lines[0]}" = "train.sh: -o needs a folder" ]
	run --separate-stderr -2 "$REPO/$TRAIN" "$MIRROR" "$MIRROR"
	[ "${stderr_lines[0]}" = "train.sh: one MIRROR at most" ]
	[ -z "$(ls -A)" ]
}

@test "a mirror folder that does not exist: exit 1, nothing written" {
	run --separate-stderr -1 "$REPO/$TRAIN" -o out no/such/folder
	[ "$stderr" = "train.sh: no/such/folder: no such folder" ]
	[ ! -e out ]
}

@test "its usage example, from the checkout with a relative mirror: work/, a model, nothing new in git status" {
	need_git
	before=$(git_status)
	cd "$REPO"
	rel=$(realpath --relative-to=. "$MIRROR")
	[[ $rel != /* ]]
	run --separate-stderr -0 "$TRAIN" "$rel"
	[ "${lines[-1]}" = "train.sh: the selected model is $REPO/work/model.json" ] || flunk "$output" "$stderr"
	[ "$(git_status)" = "$before" ] || flunk "git status changed:" "$(diff <(echo "$before") <(git_status))"
	cd "$BATS_TEST_TMPDIR/cwd"
	scores "$REPO/work/model.json" "$REPO/work/test.csv"
}

@test "from a folder inside the checkout: the checkout's work/, nothing new in git status" {
	need_git
	before=$(git_status)
	cd "$REPO/tests"
	run --separate-stderr -0 "../$TRAIN" "$(realpath --relative-to=. "$MIRROR")"
	[ "${lines[-1]}" = "train.sh: the selected model is $REPO/work/model.json" ] || flunk "$output" "$stderr"
	[ ! -e "$REPO/tests/work" ]
	[ "$(git_status)" = "$before" ] || flunk "git status changed:" "$(diff <(echo "$before") <(git_status))"
}

@test "from a folder outside the checkout, no -o: work/ in that folder" {
	run --separate-stderr -0 "$REPO/$TRAIN" "$MIRROR"
	[ "${lines[-1]}" = "train.sh: the selected model is $BATS_TEST_TMPDIR/cwd/work/model.json" ] || flunk "$output" "$stderr"
	scores work/model.json work/test.csv
}

@test "from another folder: relative mirror and relative -o, nothing new in git status" {
	need_git
	before=$(git_status)
	mkdir -p elsewhere/deeper
	cd elsewhere/deeper
	rel=$(realpath --relative-to=. "$MIRROR")
	run --separate-stderr -0 "$REPO/$TRAIN" -o ../out "$rel"
	[ "${lines[-1]}" = "train.sh: the selected model is $BATS_TEST_TMPDIR/cwd/elsewhere/out/model.json" ] ||
		flunk "$output" "$stderr"
	[[ ${lines[0]} == *"model"*"ROC-AUC"* ]] || flunk "$output"
	[ -z "$(ls -A)" ]
	for f in raw/processed.va.data heart.csv summary.json report.txt train.csv test.csv \
		lr.model.json rf.model.json lr.metrics.json rf.metrics.json model.json; do
		[ -s "../out/$f" ] || flunk "no ../out/$f"
	done
	scores ../out/model.json ../out/test.csv
	[ "$(git_status)" = "$before" ] || flunk "git status changed:" "$(diff <(echo "$before") <(git_status))"
}
