#!/usr/bin/python3
"""metrics_reference.py SCORES.csv METRICS.json

Check a metrics file written by `hd-eval --scores SCORES.csv` against
scikit-learn on the same scores: every number must agree to 1e-12.
Prints each disagreement and exits 1 if there is any, else exits 0.

Deliberate differences, which the comparison allows for:
  - log loss clips p to [1e-15, 1 - 1e-15]; scikit-learn 1.2 defaults to
    machine epsilon, so eps=1e-15 is passed explicitly;
  - the first ROC point's threshold is null, not max(score) + 1;
  - ROC-AUC is null (not an exception) when only one class is present.
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as skm

TOL = 1e-12


def main():
    scores_path, metrics_path = sys.argv[1], sys.argv[2]
    df = pd.read_csv(scores_path, dtype={"target": "int64",
                                         "probability": "float64"})
    y = df["target"].to_numpy()
    p = df["probability"].to_numpy()
    with open(metrics_path) as f:
        doc = json.load(f)
    t = doc["test"]
    thr = t["threshold"]
    pred = (p >= thr).astype(int)
    bad = []

    def same(name, got, want):
        if want is None or (isinstance(want, float) and math.isnan(want)):
            if got is not None:
                bad.append(f"{name}: {got!r}, scikit-learn says undefined")
        elif got is None or abs(got - want) > TOL:
            bad.append(f"{name}: {got!r}, scikit-learn says {want!r}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        same("n", t["n"], len(y))
        same("accuracy", t["accuracy"], skm.accuracy_score(y, pred))
        same("precision", t["precision"],
             skm.precision_score(y, pred, zero_division=0))
        same("recall", t["recall"], skm.recall_score(y, pred, zero_division=0))
        same("f1", t["f1"], skm.f1_score(y, pred, zero_division=0))
        same("brier", t["brier"], skm.brier_score_loss(y, p))
        same("log_loss", t["log_loss"],
             skm.log_loss(y, p, eps=1e-15, labels=[0, 1]))
        two = len(set(y.tolist())) == 2
        same("roc_auc", t["roc_auc"],
             skm.roc_auc_score(y, p) if two else None)
        fpr, tpr, th = skm.roc_curve(y, p, drop_intermediate=False)
    for key, want in (("tn", tn), ("fp", fp), ("fn", fn), ("tp", tp)):
        same("confusion." + key, t["confusion"][key], int(want))
    same("class_counts.0", t["class_counts"]["0"], int((y == 0).sum()))
    same("class_counts.1", t["class_counts"]["1"], int((y == 1).sum()))
    roc = t["roc"]
    if not (len(roc["fpr"]) == len(roc["tpr"]) == len(roc["threshold"])
            == len(th)):
        bad.append(f"roc: {len(roc['threshold'])} points, "
                   f"scikit-learn has {len(th)}")
    else:
        if roc["threshold"][0] is not None:
            bad.append("roc.threshold[0] is not null")
        for i in range(len(th)):
            same(f"roc.fpr[{i}]", roc["fpr"][i], float(fpr[i]))
            same(f"roc.tpr[{i}]", roc["tpr"][i], float(tpr[i]))
            if i > 0:
                same(f"roc.threshold[{i}]", roc["threshold"][i], float(th[i]))
    for line in bad[:50]:
        print(line)
    if len(bad) > 50:
        print(f"... and {len(bad) - 50} more")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
