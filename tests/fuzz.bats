#!/usr/bin/env bats
# The libFuzzer harnesses (tests/fuzz/, make fuzz): they build, every
# seed and every input that once crashed a harness runs clean, a
# harness's check can fail, and tests/fuzz/run (what make fuzz runs)
# reports a finding as one.  The harnesses are clang builds of their
# own (build/fuzz), the same for both passes of the suite.

load test_helper

# The harnesses, one per tests/fuzz/NAME.c; fails when there is none.
harnesses() {
	local f found=
	for f in "$REPO"/tests/fuzz/*.c; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.c}"
		found=1
	done
	[ -n "$found" ]
}

setup_file() {
	# tests/run runs both passes at once: one build of build/fuzz at a
	# time, the second then finds it done.
	mkdir -p "$REPO/build"
	flock "$REPO/build/.fuzz-build.lock" \
		make --no-print-directory -s -C "$REPO" fuzz-build
}

@test "there is a harness for each parser the fuzzing covers" {
	run -0 harnesses
	for h in csv json model num predict runs; do
		[[ " ${lines[*]} " == *" $h "* ]] || fail "no tests/fuzz/$h.c"
		[ -x "$REPO/build/fuzz/$h" ] || fail "make fuzz-build made no build/fuzz/$h"
	done
}

@test "every harness has a small seed corpus in the repo" {
	local h n bytes
	for h in $(harnesses); do
		n=$(find "$REPO/tests/fuzz/corpus/$h" -type f | wc -l)
		[ "$n" -ge 3 ] || fail "tests/fuzz/corpus/$h has $n seeds"
		bytes=$(cat "$REPO/tests/fuzz/corpus/$h"/* | wc -c)
		[ "$bytes" -le 32768 ] || fail "tests/fuzz/corpus/$h holds $bytes bytes"
	done
}

@test "every harness runs each of its seeds and regression inputs once, without a finding" {
	local h f n files
	for h in $(harnesses); do
		files=()
		for f in "$REPO/tests/fuzz/corpus/$h"/* "$REPO/tests/fuzz/regress/$h"/*; do
			[ -f "$f" ] && files+=("$f")
		done
		# Files as arguments: libFuzzer runs each once and stops.
		run "$REPO/build/fuzz/$h" -close_fd_mask=3 "${files[@]}"
		[ "$status" -eq 0 ] || fail "$h exited $status: $output"
		n=$(grep -c '^Executed ' <<< "$output")
		[ "$n" -eq "${#files[@]}" ] ||
			fail "$h executed $n of ${#files[@]} inputs: $output"
	done
}

@test "a subnormal double reads back, as it did not before the num harness found it" {
	local f=$REPO/tests/fuzz/regress/num/subnormal-min
	[ "$(od -An -tx1 "$f" | tr -d ' ')" = 0100000000000000 ]
	run -0 "$REPO/build/fuzz/num" -close_fd_mask=3 "$f"
}

@test "the num harness's round trip check catches a formatter that loses bits" {
	local f seeds=$REPO/tests/fuzz/corpus/num
	# num-mutant is the num harness with a 15-digit formatter: a number
	# that needs 17 digits, as text or as raw bytes, must trap it.
	for f in "$seeds/seventeen" "$seeds/raw-third"; do
		run -0 "$REPO/build/fuzz/num" -close_fd_mask=3 "$f"
		run "$REPO/build/fuzz/num-mutant" -close_fd_mask=3 "$f"
		[ "$status" -ne 0 ] || fail "the mutant took ${f##*/}: $output"
		[[ $output == *"deadly signal"* ]] || fail "no trap for ${f##*/}: $output"
	done
	# 63 needs no more than 15 digits: the mutant is wrong only there.
	run -0 "$REPO/build/fuzz/num-mutant" -close_fd_mask=3 "$seeds/int"
}

@test "tests/fuzz/run fuzzes for the time asked, grows a corpus of its own and leaves the repo's alone" {
	local out=$BATS_TEST_TMPDIR/fuzz before after name verdict execs rate secs corp cov
	before=$(cd "$REPO/tests/fuzz" && find corpus regress -type f | sort | xargs sha256sum)
	HD_FUZZ_OUT=$out run -0 "$REPO/tests/fuzz/run" num 3
	[[ $output == *"fuzz: num: ok, "* ]] || fail "$output"
	IFS=$'\t' read -r name verdict execs rate secs corp cov < "$out/num.result"
	[ "$name" = num ] && [ "$verdict" = ok ]
	[ "$execs" -gt 1000 ] || fail "only $execs executions"
	[ "$rate" -gt 0 ] && [ "$cov" -gt 0 ]
	if [ "$secs" -lt 3 ] || [ "$secs" -gt 30 ]; then
		fail "ran ${secs}s for 3"
	fi
	[ "$corp" -gt 0 ] && [ "$corp" -eq "$(find "$out/corpus/num" -type f | wc -l)" ]
	grep -q '^Done [0-9]* runs in [0-9]* second' "$out/num.log"
	after=$(cd "$REPO/tests/fuzz" && find corpus regress -type f | sort | xargs sha256sum)
	[ "$before" = "$after" ] || fail "the run changed tests/fuzz/corpus or regress"
	HD_FUZZ_OUT=$out run -0 "$REPO/tests/fuzz/run" --summary num
	[[ ${lines[1]} == "num "*" ok "* ]] || fail "$output"
}

@test "tests/fuzz/run reports a finding, keeps its input, and the summary fails" {
	local out=$BATS_TEST_TMPDIR/fuzz crash
	HD_FUZZ_OUT=$out run -0 "$REPO/tests/fuzz/run" num-mutant 30
	[[ $output == *"fuzz: num-mutant: crash, "* ]] || fail "$output"
	run -0 find "$out/crashes/num-mutant" -name 'crash-*' -type f
	[ "${#lines[@]}" -ge 1 ] || fail "no crash input kept"
	crash=${lines[0]}
	# The kept input is one the mutant traps on, and the harness takes.
	run "$REPO/build/fuzz/num-mutant" -close_fd_mask=3 "$crash"
	[ "$status" -ne 0 ]
	run -0 "$REPO/build/fuzz/num" -close_fd_mask=3 "$crash"
	HD_FUZZ_OUT=$out run -1 "$REPO/tests/fuzz/run" --summary num num-mutant
	[[ ${lines[1]} == "num "*"not run"* ]] || fail "$output"
	[[ ${lines[2]} == "num-mutant crash "* ]] || fail "$output"
	[[ $output == *"a harness found something"* ]]
}
