#!/usr/bin/env bats
# Writes that fail part-way, without root: a file size limit (ulimit -f)
# with SIGXFSZ ignored, so that write(2) fails with EFBIG instead of
# the signal killing the tool.  Each tool that writes a file must exit
# 1 naming the file and the error, leave neither the file nor its
# temporary, and leave a file that was there before as it was.  (A
# full disk and Ctrl-C in the middle of make pipeline are in
# tests/soak/attack-pipeline.bats: they take a dozen pipelines.)

# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
load ../test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	uci_split
	hd-fit-lr --cv 0 -o lr.model.json train.csv
}

# capped KIB CMD...: CMD with files limited to KIB KiB, SIGXFSZ ignored
# (an ignored signal stays ignored across exec).
capped() {
	local kib=$1
	shift
	bash -c 'ulimit -f "$1"; trap "" XFSZ; shift; exec "$@"' capped "$kib" "$@"
}

# efbig OUT KIB CMD...: CMD writes OUT, which is bigger than KIB KiB:
# it fails at the limit, twice (OUT absent, then OUT there before).
efbig() {
	local out=$1 kib=$2 d f
	shift 2
	d=$(dirname "$out")
	rm -rf "$d" && mkdir -p "$d"
	run -1 --separate-stderr capped "$kib" "$@"
	[[ $stderr == *"$out: write failed: File too large"* ]] || fail "$1: $stderr"
	f=$(ls -A "$d")
	[ -z "$f" ] || fail "$1 left in $d: $f"
	echo "there before" > "$out"
	run -1 --separate-stderr capped "$kib" "$@"
	[ "$(cat "$out")" = "there before" ] || fail "$1 changed $out"
	[ "$(ls -A "$d")" = "$(basename "$out")" ] || fail "$1 left in $d: $(ls -A "$d")"
}

@test "each tool's output cut by a file size limit (EFBIG): exit 1 naming it, no file, no temporary, the old one kept" {
	local o=$BATS_TEST_TMPDIR/out f=$BATS_FILE_TMPDIR
	# heart.csv is 40 KiB, a forest of 200 trees 700 KiB, a scored
	# test set 14 KiB, hd-eda's summary 20 KiB.
	efbig "$o/clean.csv" 16 hd-clean -o "$o/clean.csv" "${RAW[@]}"
	efbig "$o/train.csv" 16 hd-split --train "$o/train.csv" --test "$o/test.csv" "$f/heart.csv"
	efbig "$o/rf.json" 64 hd-fit-rf --cv 0 -o "$o/rf.json" "$f/train.csv"
	efbig "$o/scored.csv" 8 hd-predict -o "$o/scored.csv" "$f/lr.model.json" "$f/test.csv"
	efbig "$o/summary.json" 8 hd-eda -o "$o/summary.json" "$f/heart.csv"
	efbig "$o/metrics.json" 8 hd-eval -b 0 -o "$o/metrics.json" "$f/lr.model.json" "$f/test.csv"
}

@test "a size limit a tool's output fits under is no fault: the same bytes as without it" {
	hd-fit-lr --cv 0 -o "$BATS_TEST_TMPDIR/free.json" "$BATS_FILE_TMPDIR/train.csv"
	run -0 capped 1024 hd-fit-lr --cv 0 -o "$BATS_TEST_TMPDIR/capped.json" "$BATS_FILE_TMPDIR/train.csv"
	# The same but for the time it was made.
	diff <(jq 'del(.training.created)' "$BATS_TEST_TMPDIR/free.json") \
		<(jq 'del(.training.created)' "$BATS_TEST_TMPDIR/capped.json")
}

# A tool interrupted at random moments (SIGINT, as Ctrl-C sends it, at
# 0 to 30 ms, 300 times): it must never leave a temporary, whatever it
# was doing (the signal once came between creating one and noting it
# for removal).  Prints how many runs the signal cut short.
@test "SIGINT at random moments of hd-split, hd-fit-lr and hd-clean: never a temporary left" {
	cd "$BATS_TEST_TMPDIR" || exit 1
	cp "$BATS_FILE_TMPDIR"/{heart,train}.csv .
	run -0 "$PY" - "$HD_BIN" "${RAW[@]}" <<'PY'
import os, random, signal, subprocess, sys, time
bin_, raw = sys.argv[1], sys.argv[2:]
cmds = [[bin_ + "/hd-split", "--train", "out/tr.csv", "--test", "out/te.csv", "heart.csv"],
        [bin_ + "/hd-fit-lr", "--cv", "2", "-o", "out/m.json", "--oof", "out/oof.csv", "train.csv"],
        [bin_ + "/hd-clean", "-o", "out/heart.csv"] + raw]
rng = random.Random(12)
os.makedirs("out", exist_ok=True)
cut = 0
for i in range(300):
    cmd = cmds[i % 3]
    p = subprocess.Popen(cmd, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(rng.uniform(0, 0.03))
    p.send_signal(signal.SIGINT)
    if p.wait() == -signal.SIGINT:
        cut += 1
    left = [f for f in os.listdir("out") if ".tmp" in f]
    if left:
        sys.exit("%s, run %d: left %s" % (os.path.basename(cmd[0]), i, left))
print("%d of 300 runs cut short by SIGINT, no temporary left" % cut)
PY
	echo "# $output" >&3
	[[ $output =~ ^([0-9]+)\ of\ 300 ]] || fail "$output"
	[ "${BASH_REMATCH[1]}" -ge 30 ] || fail "too few runs interrupted to mean anything: $output"
}
