#!/usr/bin/env bash
# The data stage: tool time on the 920 UCI rows, and hd-clean / hd-split
# on 1,000,000 synthetic rows with their peak RSS.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit

echo "== data stage on the UCI data (hyperfine, mean of 20 runs) =="
"$BIN/hd-fetch" -q --mirror "$MIRROR" -d raw
"$BIN/hd-clean" -o heart.csv "${RAW[@]}"
# Named runs: the table shows what each one does, not its last argument.
hyperfine -N --warmup 3 --runs 20 --export-json small.json \
	-n "hd-fetch: verify the 4 files already in raw/" \
	"$BIN/hd-fetch -q --mirror $MIRROR -d raw" \
	-n "hd-clean: the 4 raw files -> heart.csv" \
	"$BIN/hd-clean -o c.csv ${RAW[*]}" \
	-n "hd-eda: heart.csv -> summary.json, report" \
	"$BIN/hd-eda -o e.json -r e.txt heart.csv" \
	-n "hd-split: heart.csv -> train.csv, test.csv" \
	"$BIN/hd-split --train tr.csv --test te.csv heart.csv" > /dev/null
row() { printf '%-48s %9s %s\n' "$@"; }
row "step (the UCI data, 920 raw rows)" "mean" ""
jq -r '.results[] | [.command, (.mean * 1000)] | @tsv' small.json |
	while IFS=$'\t' read -r name ms; do row "$name" "$(printf '%.2f' "$ms")" ms; done
row "data stage total (verify, clean, eda, split)" \
	"$(jq '[.results[].mean] | add * 1000' small.json | xargs printf '%.2f')" ms
rm -rf fresh
t0=$(date +%s%N)
"$BIN/hd-fetch" -q --mirror "$MIRROR" -d fresh
t1=$(date +%s%N)
row "hd-fetch: copy the 4 files into an empty folder" "$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e6}')" "ms (one run)"
echo "(hd-fetch reads the mirror folder $MIRROR)"

echo "== 1,000,000 synthetic rows =="
# Valid raw rows with values drawn across each column's domain; few
# exact duplicates, so de-duplication does real work.
awk 'BEGIN {
	srand(1);
	for (i = 0; i < 1000000; i++) {
		printf "%d,%d,%d,%d,%d,%d,%d,%d,%d,%.1f,%d,%d,%d,%d\n",
			29 + int(rand() * 49), int(rand() * 2), 1 + int(rand() * 4),
			94 + int(rand() * 107), 126 + int(rand() * 438), int(rand() * 2),
			int(rand() * 3), 71 + int(rand() * 132), int(rand() * 2),
			rand() * 6.2, 1 + int(rand() * 3), int(rand() * 4),
			(rand() < 0.5 ? 3 : 7), int(rand() * 5)
	}
}' > processed.synth.data
awk -v b="$(stat -c %s processed.synth.data)" 'BEGIN { printf "input: %.1f MB\n", b / 1e6 }'
measure "hd-clean (1M rows)" "$BIN/hd-clean" -o big.csv processed.synth.data
measure "hd-split (1M rows)" "$BIN/hd-split" --train btr.csv --test bte.csv big.csv
measure "hd-split --folds 5 (1M rows)" "$BIN/hd-split" --folds 5 -o bfolds.csv big.csv
measure "hd-eda (1M rows)" "$BIN/hd-eda" -o be.json big.csv
