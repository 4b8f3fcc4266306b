#!/usr/bin/python3
"""reference_profile.py SCORED.csv MODEL.json > MODEL-with-reference.json

Add a drift reference profile ("reference", the layout tools/lib/model.h
describes) computed with pandas from the training rows in SCORED.csv
(hd-predict's output: the 13 features and a probability column) to the
model file, and print the result.  The tests use it so that the served
model has drift gauges; it is an independent writer of the format, not
a copy of the C one.
"""
import json
import sys

import numpy as np
import pandas as pd

NUMERIC = ["age", "trestbps", "chol", "thalach", "oldpeak"]
FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
            "thalach", "exang", "oldpeak", "slope", "ca", "thal"]
SCORE_BINS = 10


def column(name, x):
    present = x.dropna().to_numpy(dtype=float)
    col = {"name": name, "missing": int(x.isna().sum())}
    if name in NUMERIC:
        edges = np.unique(np.quantile(present, np.arange(1, 10) / 10))
        # bin i: x <= edges[i] and > edges[i-1]; the last: x > edges[-1]
        idx = np.searchsorted(edges, present, side="left")
        values, value_counts = np.unique(present, return_counts=True)
        col.update(kind="numeric", edges=edges.tolist(),
                   counts=np.bincount(idx, minlength=len(edges) + 1).tolist(),
                   values=values.tolist(),
                   value_counts=value_counts.tolist())
    else:
        levels, counts = np.unique(present, return_counts=True)
        col.update(kind="categorical", levels=levels.tolist(),
                   counts=counts.tolist())
    return col


def main():
    rows = pd.read_csv(sys.argv[1])
    with open(sys.argv[2]) as f:
        model = json.load(f)
    p = rows["probability"].to_numpy(dtype=float)
    bins = np.minimum((p * SCORE_BINS).astype(int), SCORE_BINS - 1)
    model["reference"] = {
        "rows": len(rows),
        "features": [column(n, rows[n]) for n in FEATURES],
        "prediction": {"scores": "in_sample",
                       "counts": np.bincount(bins, minlength=SCORE_BINS)
                       .tolist()},
    }
    json.dump(model, sys.stdout)
    print()


if __name__ == "__main__":
    main()
