#!/bin/sh
# pipelines/train.sh [MIRROR] - the whole training pipeline as one shell
# script, without make: each step is one hd tool reading the last one's
# output.  Writes into ./work; prints the comparison table at the end.
#   PATH=$PWD/build/bin:$PATH pipelines/train.sh ../shared/data/uci-heart-disease
set -eu
mirror=${1:-${HD_DATA_MIRROR:-}}
seed=${SEED:-42}
mkdir -p work
cd work
hd-fetch ${mirror:+--mirror "$mirror"} -d raw
hd-clean -o heart.csv raw/processed.*.data
hd-eda -o summary.json -r report.txt heart.csv
hd-split --seed "$seed" --train train.csv --test test.csv heart.csv
hd-fit-lr --seed "$seed" -o lr.model.json train.csv &
hd-fit-rf --seed "$seed" -o rf.model.json train.csv
wait $!
hd-eval -o lr.metrics.json lr.model.json test.csv
hd-eval -o rf.metrics.json rf.model.json test.csv
hd-select -o model.json lr.metrics.json rf.metrics.json
