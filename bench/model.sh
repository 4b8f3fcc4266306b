#!/usr/bin/env bash
# The model stage: hd's fits with 5-fold CV, evaluation and selection as
# processes from the shell, against scikit-learn doing the same work in
# one Python process; then hd-predict's throughput.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit
"$BIN/hd-clean" -o heart.csv "${RAW[@]}"
"$BIN/hd-split" --train train.csv --test test.csv heart.csv

cat > hd-stage.sh <<SH
set -e
"$BIN/hd-fit-lr" -o lr.json train.csv &
"$BIN/hd-fit-rf" -o rf.json train.csv
wait
"$BIN/hd-eval" -b 0 -o lr.metrics.json lr.json test.csv
"$BIN/hd-eval" -b 0 -o rf.metrics.json rf.json test.csv
"$BIN/hd-select" -o model.json lr.metrics.json rf.metrics.json > /dev/null
SH

# hd-eval -b 0: scikit-learn's script computes no bootstrap either.
echo "== fit both models with 5-fold CV, evaluate, select (side by side) =="
hyperfine -N --warmup 2 --runs 10 --export-json hf.json \
	"bash hd-stage.sh" \
	"$PY $REPO/bench/sklearn_equiv.py train.csv test.csv" > /dev/null
"$PY" - hf.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
hd, sk = r[0]["mean"], r[1]["mean"]
print(f"hd (shell, 5 processes)      {hd*1000:8.1f} ms  (min {r[0]['min']*1000:.1f})")
print(f"scikit-learn (one process)   {sk*1000:8.1f} ms  (min {r[1]['min']*1000:.1f})")
print(f"ratio                        {sk/hd:8.1f} x faster")
PY
for t in hd-fit-lr hd-fit-rf; do
	printf '%-28s %8.1f ms\n' "$t alone" "$(hyperfine -N --warmup 2 --runs 10 --export-json t.json "$BIN/$t -o /dev/null train.csv" > /dev/null; jq '.results[0].mean * 1000' t.json)"
done

echo "== hd-eval: what calibration, thresholds, decision curve and 2000 bootstrap resamples add (184 test rows) =="
for m in lr rf; do
	hyperfine -N --warmup 3 --runs 20 --export-json e.json \
		"$BIN/hd-eval -b 0 $m.json test.csv" "$BIN/hd-eval $m.json test.csv" > /dev/null
	jq -r --arg m "$m" '.results | "hd-eval \($m).json  -b 0 \(.[0].mean * 1000 | . * 10 | round / 10) ms, default \(.[1].mean * 1000 | . * 10 | round / 10) ms: +\((.[1].mean - .[0].mean) * 1000 | . * 10 | round / 10) ms"' e.json
done

echo "== hd-predict throughput =="
# Test rows repeated to size: real values, real missing fields.
for n in 1000000 200000; do
	{ head -n 1 test.csv; for _ in $(seq $((n / 184 + 1))); do tail -n +2 test.csv; done | head -n "$n"; } > rows$n.csv
done
for spec in "lr.json 1000000" "rf.json 200000"; do
	read -r model rows <<< "$spec"
	/usr/bin/time -f "%e %M" -o t "$BIN/hd-predict" "$model" "rows$rows.csv" > /dev/null
	read -r secs kb < t
	awk -v m="$model" -v n="$rows" -v s="$secs" -v kb="$kb" 'BEGIN {
		printf "hd-predict %-8s %8d rows  %6.2f s  %10.0f rows/s  %6d KB peak RSS\n", m, n, s, n / s, kb }'
done
