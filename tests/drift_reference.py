#!/usr/bin/python3
"""An independent check of hd-drift and of the reference profile, with
numpy and scipy (Debian's python3-numpy, python3-scipy).

  drift_reference.py profile MODEL.json TRAIN.csv SCORES.csv
      the model's "reference" against the training rows it was made of:
      deciles (numpy.quantile), distinct values and counts (numpy.unique),
      bin counts, levels; SCORES.csv (a probability column) gives the
      score bins.
  drift_reference.py drift MODEL.json DATA.csv SCORED.csv DRIFT.json
      hd-drift --json's figures recomputed from the model's reference and
      the CSV: PSI over the profile's bins, scipy.stats.ks_2samp (exact)
      and scipy.stats.chi2_contingency (no correction), missing and
      out-of-range shares; SCORED.csv is hd-predict's output on DATA.csv
      (its probability column gives the score bins).

Prints one line per disagreement on stderr and exits 1 if any; prints
the largest relative differences seen on stdout.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy import stats

FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
            "thalach", "exang", "oldpeak", "slope", "ca", "thal"]
SCORE_BINS = 10
FLOOR = 1e-4
bad = []
worst = {}


def column(path, name):
    """The column called name of a CSV, as floats (NaN = empty)."""
    with open(path, newline="") as fp:
        rows = list(csv.DictReader(fp))
    return np.array([float(r[name]) if r[name] != "" else math.nan
                     for r in rows])


def close(what, ours, theirs, rel=1e-9, tiny=0.0):
    """ours (hd, may be None for NaN) and theirs agree to rel, or to
    tiny absolute when both are below it."""
    o = math.nan if ours is None else float(ours)
    t = float(theirs)
    if math.isnan(o) and math.isnan(t):
        return
    d = abs(o - t)
    scale = max(abs(o), abs(t))
    ok = d <= rel * scale or d <= 1e-15 or (scale < tiny and d <= tiny)
    key = what.split(" ")[-1]
    if scale > 0 and not math.isnan(d):
        worst[key] = max(worst.get(key, 0.0), d / scale)
    if not ok:
        bad.append(f"{what}: hd {o!r}, reference {t!r}")


def value_bin(f, x):
    """The bin of x in profile feature f, as model.h lays them out."""
    if f["kind"] == "numeric":
        edges = np.array(f["edges"], dtype=float)
        nb = len(edges) + 2
        out = np.searchsorted(edges, x, side="left")
    else:
        levels = list(f["levels"])
        nb = len(levels) + 2
        out = np.array([levels.index(v) if v in levels else len(levels)
                        for v in x], dtype=int)
    out = np.where(np.isnan(x), nb - 1, out)
    return out, nb


def psi(ref, cur):
    r = np.asarray(ref, dtype=float)
    c = np.asarray(cur, dtype=float)
    r, c = r / r.sum(), c / c.sum()
    r = np.where(r == 0, FLOOR, r)
    c = np.where(c == 0, FLOOR, c)
    return float(np.sum((c - r) * np.log(c / r)))


def score_counts(p):
    b = np.clip(np.floor(np.asarray(p) * SCORE_BINS), 0, SCORE_BINS - 1)
    return np.bincount(b.astype(int), minlength=SCORE_BINS)


def ref_bins(f):
    counts = list(f["counts"])
    if f["kind"] == "categorical":
        counts.append(0)  # other
    return np.array(counts + [f["missing"]])


def profile(model_path, train_path, scores_path):
    ref = json.load(open(model_path))["reference"]
    x_all = {name: column(train_path, name) for name in FEATURES}
    n = len(x_all["age"])
    if ref["rows"] != n:
        bad.append(f"rows: {ref['rows']} in the profile, {n} in the CSV")
    for f, name in zip(ref["features"], FEATURES):
        x = x_all[name]
        present = np.sort(x[~np.isnan(x)])
        if f["name"] != name or f["missing"] != int(np.isnan(x).sum()):
            bad.append(f"{name}: name or missing count")
        uniq, cnt = np.unique(present, return_counts=True)
        if f["kind"] == "numeric":
            edges = np.unique(np.quantile(present, np.arange(1, 10) / 10))
            if f["edges"] != edges.tolist():
                bad.append(f"{name} edges: {f['edges']} vs {edges.tolist()}")
            if f["values"] != uniq.tolist() or \
                    f["value_counts"] != cnt.tolist():
                bad.append(f"{name}: values or value_counts")
        elif f["levels"] != uniq.tolist():
            bad.append(f"{name} levels: {f['levels']} vs {uniq.tolist()}")
        b, nb = value_bin(f, x)
        if np.bincount(b, minlength=nb).tolist() != ref_bins(f).tolist():
            bad.append(f"{name} counts: {ref_bins(f).tolist()} vs "
                       f"{np.bincount(b, minlength=nb).tolist()}")
    sc = score_counts(column(scores_path, "probability")).tolist()
    if ref["prediction"]["counts"] != sc:
        bad.append(f"score counts: {ref['prediction']['counts']} vs {sc}")


def drift(model_path, data_path, scored_path, drift_path):
    ref = json.load(open(model_path))["reference"]
    out = json.load(open(drift_path))
    n = None
    for f, got in zip(ref["features"], out["features"]):
        name = f["name"]
        x = column(data_path, name)
        n = len(x)
        b, nb = value_bin(f, x)
        rb = ref_bins(f)
        close(f"{name} psi", got["psi"], psi(rb, np.bincount(b, minlength=nb)))
        close(f"{name} missing_current", got["missing"]["current"],
              np.isnan(x).mean())
        close(f"{name} missing_reference", got["missing"]["reference"],
              f["missing"] / ref["rows"])
        # the missing share's own test: (missing, present) x (ref, batch),
        # a column empty on both sides left out (dof 0: p 1)
        miss = np.array([[f["missing"], ref["rows"] - f["missing"]],
                         [int(np.isnan(x).sum()), int((~np.isnan(x)).sum())]])
        miss = miss[:, miss.sum(axis=0) > 0]
        if miss.shape[1] < 2:
            mchi2, mp = 0.0, 1.0
        else:
            mchi2, mp, _, _ = stats.chi2_contingency(miss, correction=False)
        close(f"{name} missing statistic", got["missing"]["statistic"], mchi2)
        close(f"{name} missing p_value", got["missing"]["p_value"], mp, tiny=1e-6)
        cur = x[~np.isnan(x)]
        if f["kind"] == "numeric":
            sample = np.repeat(np.array(f["values"], dtype=float),
                               f["value_counts"])
            oor = ((cur < sample.min()) | (cur > sample.max())).mean() \
                if len(cur) and len(sample) else math.nan
            if len(cur) and len(sample):
                res = stats.ks_2samp(sample, cur, method="exact")
                close(f"{name} statistic", got["statistic"], res.statistic)
                close(f"{name} p_value", got["p_value"], res.pvalue,
                      tiny=1e-6)
        else:
            levels = sorted(set(f["levels"]) | set(cur.tolist()))
            counts = dict(zip(f["levels"], f["counts"]))
            table = np.array([[counts.get(v, 0) for v in levels],
                              [int((cur == v).sum()) for v in levels]])
            oor = np.mean([v not in f["levels"] for v in cur]) \
                if len(cur) else math.nan
            if len(cur) and sum(f["counts"]):
                chi2, p, dof, _ = stats.chi2_contingency(table,
                                                         correction=False)
                close(f"{name} statistic", got["statistic"], chi2)
                close(f"{name} p_value", got["p_value"], p, tiny=1e-6)
                if got["dof"] != dof:
                    bad.append(f"{name} dof: {got['dof']} vs {dof}")
        close(f"{name} out_of_range", got["out_of_range"], oor)
    # the scores: hd-predict's probabilities in the profile's bins
    cur = score_counts(column(scored_path, "probability"))
    rc = np.array(ref["prediction"]["counts"])
    close("prediction psi", out["prediction"]["psi"], psi(rc, cur))
    keep = (rc + cur) > 0
    table = np.array([rc[keep], cur[keep]])
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    close("prediction statistic", out["prediction"]["statistic"], chi2)
    close("prediction p_value", out["prediction"]["p_value"], p, tiny=1e-6)
    if out["data"]["rows"] != n:
        bad.append(f"rows: {out['data']['rows']} vs {n}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "profile":
        profile(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "drift":
        drift(*sys.argv[2:])
    else:
        sys.exit(__doc__)
    for b in bad:
        print(b, file=sys.stderr)
    print(json.dumps(worst, sort_keys=True))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
