#!/usr/bin/env bats
# The GitHub Actions workflow runs the phases ci/all runs, with the same
# needs, each job calling its own ci/ script (ci/lint validates the file
# against the workflow schema); and the phases' own --help.

load test_helper

setup() {
	WF=$REPO/.github/workflows/ci.yml
}

# The workflow's jobs as "JOB: NEEDS..." in file order, and the ci/
# scripts each job's steps run.
jobs_of() {
	"$PY" - "$WF" "$1" <<-'EOF'
	import re, sys, yaml
	doc = yaml.safe_load(open(sys.argv[1]))
	for name, job in doc["jobs"].items():
	    if sys.argv[2] == "needs":
	        needs = job.get("needs", [])
	        needs = [needs] if isinstance(needs, str) else needs
	        print(f"{name}: {' '.join(needs)}".rstrip())
	    else:
	        runs = " ".join(str(s.get("run", "")) for s in job["steps"])
	        print(name, *re.findall(r"\bci/[a-z-]+", runs))
	EOF
}

@test "ci.yml: the jobs are ci/all's phases, in its order, with its needs" {
	run -0 jobs_of needs
	diff <(echo "$output") <("$REPO/ci/all" --graph | sed 's/ *$//')
}

@test "ci.yml: each job runs its own phase's script, which exists and is executable" {
	run -0 jobs_of scripts
	while read -r job scripts; do
		[[ " $scripts " == *" ci/$job "* ]] || fail "job $job does not run ci/$job: $scripts"
		for s in $scripts; do
			[ -x "$REPO/$s" ] || fail "job $job runs $s, which is not an executable file"
		done
	done <<<"$output"
}

@test "ci/all: an unknown phase is a usage error that lists the phases" {
	phases=$("$REPO/ci/all" --graph | cut -d: -f1 | paste -sd' ')
	[[ $phases == "lint security data eda train test "*" image push deploy post-deploy" ]] || fail "$phases"
	run -2 "$REPO/ci/all" nosuch
	[[ $output == *"no phase 'nosuch' (phases: $phases)"* ]] || fail "$output"
}

@test "every phase answers --help with its opening comment, exit 0, doing nothing else" {
	for p in $("$REPO/ci/all" --graph | cut -d: -f1) rollback all; do
		run -0 "$REPO/ci/$p" --help
		[[ ${lines[0]} == "ci/$p"* ]] || fail "ci/$p --help begins: ${lines[0]}"
		[ "${#lines[@]}" -ge 2 ] || fail "ci/$p --help: one line only"
		[[ $output != *": PASS: "* && $output != *": FAIL: "* ]] || fail "ci/$p --help ran the phase: $output"
	done
}
