#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# The model file's compact forest (version 2, hd-model(5)): its size, its
# tables, that it scores bit for bit as the same forest in version 1,
# that version 1 files still load and serve, and that every check the
# page lists refuses a damaged file with its message.
#
# tests/forest_v1.py rewrites a version 2 file as version 1 from the
# page alone (a second reading of the layout); tests/forest_cases.py
# makes the damaged files.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	# The defaults: 200 trees grown to purity, 5-fold cross-validation.
	hd-fit-rf -o rf.json train.csv
	"$PY" "$REPO/tests/forest_v1.py" rf.json > rf1.json
	hd-fit-rf --cv 0 --trees 10 -o rf10.json train.csv
	mkdir cases
	"$PY" "$REPO/tests/forest_cases.py" rf10.json cases > cases.tsv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	M=$BATS_FILE_TMPDIR
}

@test "a default forest's model file is version 2 and under 300 KB" {
	local size
	size=$(stat -c %s "$M/rf.json")
	echo "# rf.json: $size bytes, as version 1: $(stat -c %s "$M/rf1.json")" >&3
	[ "$size" -lt 300000 ] || fail "$size bytes"
	[ "$(jq -c '[.version, .params.trees, .params.width]' "$M/rf.json")" = '[2,200,2]' ]
	# Every node one record: the base64 length follows from nodes and width.
	jq -e '(.params.code | length) == ((.params.nodes * .params.width + 2) / 3 | floor) * 4' "$M/rf.json"
	# ... and the version 1 rewrite has those nodes in its 200 trees.
	[ "$(jq '.params.trees | length' "$M/rf1.json")" = 200 ]
	[ "$(jq '[.params.trees[].feature | split(" ") | length] | add' "$M/rf1.json")" = "$(jq .params.nodes "$M/rf.json")" ]
}

@test "the tables hold each leaf value and split once, sorted, the splits' thresholds exact" {
	# Grown to purity, every leaf is 0 or 1.
	[ "$(jq -c .params.leaves "$M/rf.json")" = '[0,1]' ]
	# jq's unique sorts pairs by slot, then threshold, and drops repeats.
	jq -e '.params.splits == (.params.splits | unique) and (.params.splits | length) > 100' "$M/rf.json"
	jq -e --argjson dim "$(jq '.encoded | length' "$M/rf.json")" \
		'all(.params.splits[]; .[0] >= 0 and .[0] < $dim and (.[0] | floor) == .[0])' "$M/rf.json"
	# The thresholds are the version 1 file's values, character for
	# character (both written in the shortest form that reads back).
	diff <(jq -r '.params.splits[] | .[1]' "$M/rf.json" | sort -u) \
		<(jq -r '.params.trees[] | [(.feature | split(" ")), (.value | split(" "))] | transpose[] | select(.[0] != "-1") | .[1]' "$M/rf1.json" | sort -u)
}

@test "the writer picks the smallest width: 1 byte for a few stumps" {
	hd-fit-rf --cv 0 --trees 5 --max-depth 1 -o stumps.json "$M/train.csv"
	[ "$(jq -c '[.params.width, .params.nodes, (.params.leaves | length <= 5 * 2)]' stumps.json)" = '[1,15,true]' ]
	"$PY" "$REPO/tests/forest_v1.py" stumps.json > stumps1.json
	hd-predict stumps.json "$M/test.csv" > a.csv
	hd-predict stumps1.json "$M/test.csv" > b.csv
	cmp a.csv b.csv
}

@test "a version 2 forest scores bit for bit as the same forest in version 1" {
	hd-predict "$M/rf.json" "$M/test.csv" > v2.csv
	hd-predict "$M/rf1.json" "$M/test.csv" > v1.csv
	cmp v1.csv v2.csv
	hd-predict "$M/rf.json" "$M/train.csv" > v2.csv
	hd-predict "$M/rf1.json" "$M/train.csv" > v1.csv
	cmp v1.csv v2.csv
	# And as the reference, which decodes the records itself.
	tail -n +2 v2.csv | awk -F, '{print $(NF - 1)}' > ours
	"$PY" "$REPO/tests/model_reference.py" "$M/rf.json" < "$M/train.csv" > theirs
	same_double_lines ours theirs 1e-12
	# hd-eval's figures from either file are the same.
	hd-eval -b 0 -o e2.json "$M/rf.json" "$M/test.csv"
	hd-eval -b 0 -o e1.json "$M/rf1.json" "$M/test.csv"
	[ "$(jq -c .test e1.json)" = "$(jq -c .test e2.json)" ]
}

@test "a version 1 file and its version 2 twin load as the same model in hd-fcgi --check" {
	run -0 --separate-stderr hd-fcgi --check "$M/rf1.json"
	run -0 --separate-stderr hd-fcgi --check "$M/rf.json"
}

# A server of this test's own (a folder for its socket, a port, shared
# counters), stopped in teardown by its PID.
teardown() {
	if [ -n "${SERVER_RUN:-}" ]; then
		stop_pid "$SERVER_RUN/lighttpd.pid"
		rm_counters "$SERVER_SHM"
		rm -rf "$SERVER_RUN"
	fi
}

@test "a version 1 forest still serves behind lighttpd, and a damaged version 2 one is refused while it keeps serving" {
	local port ex p1 p2
	SERVER_RUN=$(mktemp -d /tmp/hd-model-format.XXXXXX)
	port=$(free_port)
	SERVER_SHM=hdfmt-$$-$port
	cp "$M/rf1.json" "$M/model.json"
	HD_RUN_DIR=$SERVER_RUN HD_SOCKET=$SERVER_RUN/s HD_PORT=$port HD_MODEL=$M/model.json HD_WORKERS=2 \
		HD_METRICS_SHM=$SERVER_SHM HD_REPORT=$M/none.html \
		"$REPO/pipelines/hd-serve" config > "$SERVER_RUN/lighttpd.conf"
	start_lighttpd "$SERVER_RUN/lighttpd.conf" "$SERVER_RUN/lighttpd.pid" "$port"
	export URL=http://127.0.0.1:$port
	ex='{"age":65,"sex":1,"cp":3,"trestbps":145,"chol":233,"fbs":1,"restecg":0,"thalach":150,"exang":0,"oldpeak":2.5,"slope":0,"ca":0,"thal":1}'
	printf 'age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n65,1,3,145,233,1,0,150,0,2.5,0,0,1\n' > p.csv
	p1=$(hd-predict "$M/rf1.json" p.csv | tail -n 1 | awk -F, '{print $(NF - 1)}')
	p2=$(hd-predict "$M/rf.json" p.csv | tail -n 1 | awk -F, '{print $(NF - 1)}')
	[ "$p1" = "$p2" ]
	# The version 1 file serves.
	req /health
	code_is 200
	body_is ".model.sha256 == \"$(sha256sum < "$M/rf1.json" | cut -d' ' -f1)\""
	req -H 'Content-Type: application/json' --data-binary "$ex" /predict
	code_is 200
	same_double "$(jq -r .probability b)" "$p1"
	# Its version 2 twin replaces it and answers the same.
	use_model "$M/rf.json"
	req -H 'Content-Type: application/json' --data-binary "$ex" /predict
	code_is 200
	same_double "$(jq -r .probability b)" "$p2"
	# A damaged one is refused with its reason; the good one serves on.
	cp "$M/cases/code-range.json" "$M/.model.tmp"
	mv "$M/.model.tmp" "$M/model.json"
	for _ in $(seq 1 40); do
		req /health
		jq -e 'has("refused")' b > /dev/null && break
		sleep 0.05
	done
	body_is '.status == "ok" and (.refused.reason | startswith("params: record 0 (tree 0) is code"))'
	req -H 'Content-Type: application/json' --data-binary "$ex" /predict
	code_is 200
	same_double "$(jq -r .probability b)" "$p2"
}

@test "every damaged compact forest is refused with what is wrong, and nothing is written" {
	local id what msg n=0 bad=()
	while IFS=$'\t' read -r id what msg; do
		n=$((n + 1))
		run -1 --separate-stderr hd-predict -o out.csv "$M/cases/$id.json" "$M/test.csv"
		[ "$stderr" = "hd-predict: $M/cases/$id.json: $msg" ] || bad+=("$id ($what): $stderr")
		[ ! -e out.csv ] || bad+=("$id: wrote out.csv")
	done < "$M/cases.tsv"
	echo "# $n cases" >&3
	[ "$n" -ge 20 ] || fail "only $n cases"
	[ ${#bad[@]} -eq 0 ] || fail "$(printf '%s\n' "${bad[@]}")"
	# The server's check gives the same reasons.
	run -1 --separate-stderr hd-fcgi --check "$M/cases/tree-incomplete.json"
	[[ $stderr == *"params: the records end inside tree 9 (an incomplete tree)"* ]] || fail "$stderr"
}

@test "a hand-made forest of the page's rules loads: single-leaf trees appended" {
	local extra
	extra=$(jq '.params.trees - 10' "$M/cases/good-leaf-trees.json")
	[ "$extra" -ge 1 ]
	hd-predict "$M/cases/good-leaf-trees.json" "$M/test.csv" | tail -n +2 | awk -F, '{print $(NF - 1)}' > ours
	"$PY" "$REPO/tests/model_reference.py" "$M/cases/good-leaf-trees.json" < "$M/test.csv" > theirs
	same_double_lines ours theirs 1e-12
	# The leaves of code 0 (probability 0) only dilute the mean.
	hd-predict "$M/rf10.json" "$M/test.csv" | tail -n +2 | awk -F, '{print $(NF - 1)}' > ten
	paste ten ours | awk -v k="$extra" '{ d = $1 * 10 / (10 + k) - $2; if (d > 1e-12 || d < -1e-12) bad++ } END { exit bad > 0 }'
}

@test "another version is refused naming the versions this build reads" {
	jq '.version = 3' "$M/rf.json" > v3.json
	run -1 --separate-stderr hd-predict v3.json "$M/test.csv"
	[ "$stderr" = "hd-predict: v3.json: hd-model version 3 is not supported (this build reads versions 1 to 2)" ]
	# A version 2 forest is not read by the version 1 rules, nor one by the other's.
	jq '.version = 1' "$M/rf.json" > mixed.json
	run -1 --separate-stderr hd-predict mixed.json "$M/test.csv"
	[ "$stderr" = "hd-predict: mixed.json: params: a random forest needs trees" ]
}

@test "hd-model(5) renders without warnings and the tools' pages point to it" {
	local page=$REPO/tools/hd-model.5 p
	run --separate-stderr env MANWIDTH=80 man --warnings -l "$page"
	[ "$status" -eq 0 ] || fail "man exited $status"
	[ -z "$stderr" ] || fail "$stderr"
	[[ $output == *"NAME"*"hd-model"*"RANDOM FOREST, VERSION 2"*"What a reader checks"*"RANDOM FOREST, VERSION 1"* ]] || fail "$output"
	for p in hd-fit-rf hd-fit-lr hd-predict; do
		MANWIDTH=200 man -l "$REPO/tools/$p.1" 2>/dev/null | sed -n '/^SEE ALSO/,$p' | grep -q 'hd-model(5)' ||
			fail "$p.1 does not refer to hd-model(5)"
	done
	# make install puts it in man5.
	make --no-print-directory -s -C "$REPO" -n install DESTDIR="$BATS_TEST_TMPDIR/d" |
		grep -q "install -m 644 tools/hd-model.5 .*/man5'" || fail "make install does not install hd-model.5"
}
