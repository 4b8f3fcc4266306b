#!/usr/bin/env bash
# The model stage, side by side in one run:
#   1. hd's whole model stage (hd-split, both fits with 5-fold CV, two
#      hd-eval -b 0, hd-select) as processes from the shell, against the
#      old service's training script doing the same work in one Python
#      process (bench/sklearn_equiv.py), both from the clean CSV;
#   2. hd's 200-tree forest against R's ranger on the same encoded rows,
#      at 1 and 2 threads: the fit alone in memory, and whole processes;
#   3. the forest's load time (bench/load, when it is built);
#   4. hd-predict's rows/s for both models at 1 and 2 jobs.
# Figures only: nothing here fails on a number.  About 2.5 minutes.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit
"$BIN/hd-clean" -o heart.csv "${RAW[@]}"
# hf ARGS...: hyperfine -N quietly (its results go to --export-json); its
# messages are shown only when it fails.
hf() {
	hyperfine -N "$@" > /dev/null 2> hf.err || { cat hf.err >&2; return 1; }
}

# --- 1. the model stage ---------------------------------------------
# hd-eval -b 0: the script computes no bootstrap intervals either (hd-eval
# still adds calibration, thresholds, decision curve and subgroups).
cat > hd-stage.sh <<SH
set -e
"$BIN/hd-split" --train train.csv --test test.csv heart.csv
"$BIN/hd-fit-lr" -o lr.json train.csv &
"$BIN/hd-fit-rf" -o rf.json train.csv
wait
"$BIN/hd-eval" -b 0 -o lr.metrics.json lr.json test.csv
"$BIN/hd-eval" -b 0 -o rf.metrics.json rf.json test.csv
"$BIN/hd-select" -o model.json lr.metrics.json rf.metrics.json > /dev/null
SH
SK=("$PY" "$REPO/bench/sklearn_equiv.py" heart.csv best.joblib)
echo "== the model stage from heart.csv: split, 2 fits with 5-fold CV, 2 evaluations, selection =="
# One run each first, for peak RSS and for what each chose.
measure "hd (shell: 7 processes, 2 at a time)" bash hd-stage.sh
# shellcheck disable=SC2016 # sh -c's own arguments
measure "scikit-learn (1 Python process, imports too)" \
	sh -c 'exec "$@" > sk.json' sh "${SK[@]}"
jq -r '"  hd chose            \(.model) (test ROC-AUC \(.selection.value * 1e4 | round / 1e4))"' model.json
jq -r --arg b "$(wc -c < best.joblib)" '"  scikit-learn chose  \(.selected) (test ROC-AUC \(.results[.selected].roc_auc * 1e4 | round / 1e4)), joblib.dump: \($b) bytes"' sk.json
# Each side its own number of runs: the script takes seconds a run.
hf --warmup 2 --runs 10 --export-json hd.hf.json "bash hd-stage.sh"
hf --warmup 0 --runs 3 --export-json sk.hf.json "${SK[*]}"
"$PY" - hd.hf.json sk.hf.json <<'PY'
import json, sys
hd, sk = (json.load(open(f))["results"][0] for f in sys.argv[1:])
for name, r in (("hd (10 runs)", hd), ("scikit-learn (3 runs)", sk)):
    print(f"{name:28s} {r['mean']*1000:9.1f} ms mean  (min {r['min']*1000:.1f}, median {r['median']*1000:.1f})")
print(f"{'ratio (means)':28s} {sk['mean']/hd['mean']:9.1f} x faster  (target >= 50)")
PY
for t in hd-fit-lr hd-fit-rf; do
	hf --warmup 1 --runs 5 --export-json t.json "$BIN/$t -o /dev/null train.csv"
	printf '%-28s %9.1f ms mean\n' "$t --cv 5 alone" "$(jq '.results[0].mean * 1000' t.json)"
done

# --- 2. hd-fit-rf against ranger --------------------------------------
echo "== 200 trees on the 734 training rows, 28 encoded columns: hd against ranger =="
# The rows hd-fit-rf grows its trees on, for ranger to grow its own.
"$BIN/hd-fit-rf" --cv 0 -o rf0.json train.csv
forest_rows rf0.json train.csv rows.csv
# hd's fit in memory, as ranger() is timed in R: rf-fit calls the same
# hd_model_fit that hd-fit-rf does, from this build's library.
RF_FIT=
if "${CC:-cc}" -O2 -std=c11 -pthread -I"$REPO/tools/lib" -o rf-fit "$REPO/bench/rf-fit.c" \
	"$(dirname "$BIN")/libhd.a" -lcsv -lcjson -lnettle -lm -pthread 2> rf-fit.err; then
	RF_FIT=./rf-fit
else
	echo "(bench/rf-fit.c does not build against $(dirname "$BIN")/libhd.a: no in-memory hd figure)"
	sed -e 's/^/  /' rf-fit.err | head -n 5
fi
HAVE_R=
if Rscript -e 'library(ranger)' > /dev/null 2>&1; then HAVE_R=1; else
	echo "(no R ranger: ci/deps bench installs r-cran-ranger; hd's figures only)"
fi
: > fit.txt
for j in 1 2; do
	[ -z "$RF_FIT" ] || "$RF_FIT" train.csv "$j" 20 >> fit.txt
	[ -z "$HAVE_R" ] || Rscript "$REPO/bench/ranger.R" rows.csv "$j" 20 >> fit.txt
done
fitcmds=(-n "hd-fit-rf -j 1" "$BIN/hd-fit-rf --cv 0 -j 1 -o m1.json train.csv"
	-n "hd-fit-rf -j 2" "$BIN/hd-fit-rf --cv 0 -j 2 -o m2.json train.csv")
hf --warmup 2 --runs 10 --export-json fit-hd.hf.json "${fitcmds[@]}"
echo '{"results": []}' > fit-r.hf.json
if [ -n "$HAVE_R" ]; then
	hf --warmup 1 --runs 5 --export-json fit-r.hf.json \
		-n "Rscript ranger.R, 1 thread" "Rscript $REPO/bench/ranger.R rows.csv 1 0 r1.rds" \
		-n "Rscript ranger.R, 2 threads" "Rscript $REPO/bench/ranger.R rows.csv 2 0 r2.rds"
fi
"$PY" - fit.txt fit-hd.hf.json fit-r.hf.json <<'PY'
import json, sys
mem = {}
for line in open(sys.argv[1]):
    who, j, med, lo, reps = line.split()
    mem[who, int(j)] = (float(med), float(lo), int(reps))
proc = {}
for f, who in ((sys.argv[2], "hd"), (sys.argv[3], "ranger")):
    for j, r in enumerate(json.load(open(f))["results"], 1):
        proc[who, j] = r
def ratio(a, b):
    return f"{a / b:5.2f} x" if a and b else "    -  "
print("the fit alone, in memory (median of 20, after a warm-up fit):")
print("  hd: preprocessing + hd_rf_fit (bench/rf-fit.c); ranger: the ranger() call (system.time)")
for j in (1, 2):
    h, r = mem.get(("hd", j)), mem.get(("ranger", j))
    cells = [f"{w} {m[0]:7.1f} ms (min {m[1]:.1f})" if m else f"{w}       -   " for w, m in (("hd", h), ("ranger", r))]
    print(f"  {j} thread{'s' if j > 1 else ' '}  {cells[0]}   {cells[1]}   ranger/hd {ratio(r and r[0], h and h[0])}")
for w in ("hd", "ranger"):
    a, b = mem.get((w, 1)), mem.get((w, 2))
    print(f"  {w:6s} from the 2nd thread: {ratio(a and a[0], b and b[0])}")
print("whole processes (hyperfine, mean):")
print("  hd-fit-rf --cv 0: start, read the CSV, fit, score the training rows for the")
print("  drift profile, write the 200-tree model file; Rscript: start R, load ranger,")
print("  read the encoded CSV, fit, saveRDS the forest")
for j in (1, 2):
    h, r = proc.get(("hd", j)), proc.get(("ranger", j))
    hm, rm = h and h["mean"] * 1000, r and r["mean"] * 1000
    cells = [f"{w} {m:7.1f} ms" if m else f"{w}       -   " for w, m in (("hd", hm), ("Rscript", rm))]
    print(f"  {j} thread{'s' if j > 1 else ' '}  {cells[0]}   {cells[1]}   Rscript/hd {ratio(rm, hm)}")
print("targets: hd >= 3 x faster than ranger at 1 thread, >= 1.8 x from the 2nd thread")
PY

# --- 3. forest load time ----------------------------------------------
echo "== forest load: hd_model_parse of the 200-tree model file in memory =="
LOAD=${HD_BENCH_LOAD:-$(dirname "$BIN")/bench/load}
if [ -x "$LOAD" ]; then
	printf 'model file: %d bytes\n' "$(wc -c < rf0.json)"
	"$LOAD" rf0.json
	echo "target: < 1 ms"
else
	echo "(no $LOAD: bench/load.c is not built; skipped)"
fi

# --- 4. hd-predict -----------------------------------------------------
echo "== hd-predict throughput, best of 3 (wall clock) =="
# Test rows repeated to size: real values, real missing fields.
make_rows() {
	{ head -n 1 test.csv; for _ in $(seq $(($1 / 184 + 1))); do tail -n +2 test.csv; done | head -n "$1"; } > "rows$1.csv"
}
make_rows 1000000
make_rows 200000
printf '%-24s %9s %10s %10s %8s\n' model rows "-j 1" "-j 2" "2 jobs/1"
for spec in "lr.json logistic 1000000" "rf0.json forest 200000"; do
	read -r model name rows <<< "$spec"
	s1=$(best_of 3 "$BIN/hd-predict" -j 1 "$model" "rows$rows.csv")
	s2=$(best_of 3 "$BIN/hd-predict" -j 2 "$model" "rows$rows.csv")
	awk -v m="$name" -v n="$rows" -v a="$s1" -v b="$s2" 'BEGIN {
		printf "%-24s %9d %10.0f %10.0f %7.2fx  rows/s\n", m, n, n / a, n / b, a / b }'
done
echo "target: the forest >= 250000 rows/s at -j 2"
