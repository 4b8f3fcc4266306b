#!/usr/bin/env bats
# stderr is set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# pipelines/hd-parallel: GNU parallel cuts a file at line ends and sends
# the pieces over ssh to hd-predict's streaming mode on two "machines",
# two sshds of the suite's own on 127.0.0.1 (free ports, throwaway keys,
# tests/delivery/sshd.bash), each reached by a Host entry of an
# ssh_config.  The model goes to them with parallel --basefile.
#
# The big run is 1M rows against build/bin, 200k under ASan+UBSan
# (build/san/bin, tests/run's second pass), where hd-predict is several
# times slower and both passes share the machine.

load test_helper
load delivery/sshd

setup_file() {
	D=$BATS_FILE_TMPDIR
	cd "$D" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 25 -o rf.json train.csv
	# One connection a host, shared by parallel's many ssh commands (it
	# runs about nine a host for a run of two jobs), as a cluster's
	# ssh_config would have it; teardown_file closes them.
	printf 'Host *\n    ControlMaster auto\n    ControlPath %s/cm-%%h\n    ControlPersist 120\n' "$D" > ssh_config
	for h in host1 host2; do
		start_sshd "$D/$h"
		cat >> ssh_config <<-CONF
			Host $h
			    HostName 127.0.0.1
			    Port $DEPLOY_PORT
			    User $DEPLOY_USER
			    IdentityFile $DEPLOY_KEY
			    IdentitiesOnly yes
			    UserKnownHostsFile $DEPLOY_KNOWN_HOSTS
			    StrictHostKeyChecking yes
			    BatchMode yes
		CONF
	done
	# parallel's own state (will-cite, tmp) stays in the suite's folder
	export PARALLEL_HOME=$D/parallel-home PARALLEL_SSH="ssh -F $D/ssh_config"
	rows=1000000
	[ "$(build_mode)" != SANITIZE=1 ] || rows=200000
	# the test rows over and over, each with a key of its own
	awk -F, -v OFS=, -v n="$rows" 'NR == 1 { print "id", $0; next } { r[++m] = $0 }
		END { for (i = 1; i <= n; i++) print i, r[(i - 1) % m + 1] }' test.csv > big.csv
	export ROWS=$rows
}

teardown_file() {
	local h
	for h in host1 host2; do
		ssh -F "$BATS_FILE_TMPDIR/ssh_config" -O exit "$h" 2>/dev/null || true
	done
	stop_sshd "$BATS_FILE_TMPDIR/host1"
	stop_sshd "$BATS_FILE_TMPDIR/host2"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	D=$BATS_FILE_TMPDIR
	H=$(head -n 1 "$D/big.csv")
	mkdir local
	cp "$D/lr.json" "$D/rf.json" local/
}

# hdp ARGS...: hd-parallel over both hosts, hd-predict by its absolute
# path there (the same machine; a cluster has it on its PATH).
hdp() {
	"$REPO/pipelines/hd-parallel" -S host1,host2 --predict "$HD_BIN/hd-predict" "$@"
}

@test "rows scored across two hosts are, sorted by key, byte for byte the single-machine run, and both hosts did work" {
	hd-predict --columns "$H" --key id local/lr.json "$D/big.csv" > one.csv
	[ "$(wc -l < one.csv)" -eq "$ROWS" ]
	# several pieces a host, so that both get some whatever the timing
	hdp --block -2 --key id --wd "$BATS_TEST_TMPDIR/wd" --joblog jobs -o two.csv \
		local/lr.json "$D/big.csv"
	# in the input's order (parallel -k), so sorted by key as well
	cmp two.csv one.csv
	# the job log: every job ran on host1 or host2 and exited 0, both did
	awk -F'\t' 'NR > 1 && ($2 !~ /^host[12]$/ || $7 != 0) { exit 1 }' jobs
	[ "$(awk -F'\t' 'NR > 1 { print $2 }' jobs | sort -u | tr '\n' ' ')" = "host1 host2 " ]
	# each sshd took logins with the suite's keys
	grep -q 'Accepted publickey' "$D/host1/sshd.log"
	grep -q 'Accepted publickey' "$D/host2/sshd.log"
}

@test "the hosts score with the model --basefile sent them, not the stale one already there" {
	mkdir wd
	# a forest under the logistic regression's name, older than it
	cp local/rf.json wd/lr.json
	touch -d '2020-01-01' wd/lr.json
	head -n 2001 "$D/big.csv" > small.csv
	hdp --block -2 --key id --wd "$BATS_TEST_TMPDIR/wd" local/lr.json small.csv > two.csv
	cmp wd/lr.json local/lr.json
	hd-predict --columns "$H" --key id local/lr.json small.csv | cmp - two.csv
	hd-predict --columns "$H" --key id local/rf.json small.csv | { ! cmp -s - two.csv; }
}

@test "from standard input, in pieces of --block bytes, the result is the same" {
	head -n 3001 "$D/big.csv" > small.csv
	hdp --block 40k --key id --wd "$BATS_TEST_TMPDIR/wd" --joblog jobs local/lr.json < small.csv > two.csv
	hd-predict --columns "$H" --key id local/lr.json small.csv | cmp - two.csv
	[ "$(tail -n +2 jobs | wc -l)" -ge 3 ]
}

@test "a bad row fails the run (exit 1, no -o file); with --on-error null it is one empty line" {
	{ head -n 1001 "$D/big.csv"; echo '1001,va,63,1,1,145,abc,1,2,150,0,2.3,3,0,6,0'; sed -n 1002,2001p "$D/big.csv"; } > bad.csv
	run -1 --separate-stderr hdp --key id --wd "$BATS_TEST_TMPDIR/wd" -o out.csv local/lr.json bad.csv
	[[ $stderr == *"chol: 'abc' is not a number"* ]] || fail "$stderr"
	[[ $stderr == *"hd-parallel: a job failed: see above; out.csv not written"* ]] || fail "$stderr"
	[ ! -e out.csv ]
	[ -z "$(find . -maxdepth 1 -name '.out.csv.tmp*')" ]
	run -0 --separate-stderr hdp --key id --on-error null --wd "$BATS_TEST_TMPDIR/wd" local/lr.json bad.csv
	[ "${#lines[@]}" -eq 2001 ]
	[ "${lines[1000]}" = "1001,," ]
	hd-predict --columns "$H" --key id --on-error null local/lr.json bad.csv 2>/dev/null |
		cmp - <(printf '%s\n' "${lines[@]}")
}

@test "hd-parallel: usage errors are exit 2" {
	run -2 --separate-stderr "$REPO/pipelines/hd-parallel"
	[ "${stderr_lines[0]}" = "hd-parallel: name a model and at most one file" ]
	run -2 --separate-stderr "$REPO/pipelines/hd-parallel" --on-error maybe local/lr.json
	[ "${stderr_lines[0]}" = "hd-parallel: --on-error: 'maybe' is not fail, skip or null" ]
	run -2 --separate-stderr "$REPO/pipelines/hd-parallel" --key
	[ "${stderr_lines[0]}" = "hd-parallel: --key needs a value" ]
	run -1 --separate-stderr "$REPO/pipelines/hd-parallel" nothere.json
	[ "$stderr" = "hd-parallel: nothere.json: no such model file" ]
	run -0 "$REPO/pipelines/hd-parallel" --help
	[[ ${lines[0]} == "hd-parallel - score a CSV of patients across machines"* ]]
}
