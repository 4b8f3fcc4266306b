#!/usr/bin/env python3
"""calibration_reference.py - hd-eval's calibration, thresholds, decision
curve and intervals, computed independently with scikit-learn,
statsmodels, SciPy and NumPy from the definitions in hd-eval(1).

  calibration_reference.py SCORES.csv METRICS.json RESAMPLES SEED

SCORES.csv has target,probability columns (what hd-eval --scores
reads); METRICS.json is what hd-eval wrote for it.  Prints one JSON
object of the largest absolute differences, figure by figure; the
bats test decides what is close enough.  The bootstrap is re-derived
from the documented resampling (xoshiro256** as in split_reference.py,
class 0's rows then class 1's, uniform with replacement), and every
resample's figures come from scikit-learn and statsmodels, not from a
weighted shortcut as in the C code.
"""
import csv
import json
import math
import sys
import warnings

import numpy as np
import scipy.stats
import statsmodels.api as sm
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, roc_auc_score

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from split_reference import Xoshiro  # noqa: E402

EPS = 1e-15


def logit(p):
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def slope_fit(y, p):
    """(intercept, slope) of y ~ a + b logit(p), statsmodels GLM."""
    x = sm.add_constant(logit(p), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-13,
                                                             maxiter=200)
    return r.params[0], r.params[1]


def intercept_fit(y, p):
    """a of y ~ a + offset(logit(p)), statsmodels GLM."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(),
                   offset=logit(p)).fit(tol=1e-13, maxiter=200)
    return r.params[0]


def delong(y, p):
    """DeLong's AUC variance by Sun and Xu's midrank algorithm (2014),
    another route than hd's pairwise counts."""
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    tx = scipy.stats.rankdata(pos)
    ty = scipy.stats.rankdata(neg)
    tz = scipy.stats.rankdata(np.concatenate([pos, neg]))
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v01 = (tz[:m] - tx) / n
    v10 = 1 - (tz[m:] - ty) / m
    if m < 2 or n < 2:
        nan = float("nan")
        return auc, nan, nan, nan
    var = np.var(v01, ddof=1) / m + np.var(v10, ddof=1) / n
    se = math.sqrt(var)
    z = scipy.stats.norm.ppf(0.975)
    return auc, se, max(0.0, auc - z * se), min(1.0, auc + z * se)


def rates(y, p, t):
    tn, fp, fn, tp = confusion_matrix(y, (p >= t).astype(int),
                                      labels=[0, 1]).ravel()
    div = lambda a, b: a / b if b else float("nan")  # noqa: E731
    return dict(tn=tn, fp=fp, fn=fn, tp=tp, sensitivity=div(tp, tp + fn),
                specificity=div(tn, tn + fp), ppv=div(tp, tp + fp),
                npv=div(tn, tn + fn))


def figures(y, p, threshold):
    r = rates(y, p, threshold)
    f1d = 2 * r["tp"] + r["fp"] + r["fn"]
    try:
        slope = slope_fit(y, p)[1]
    except Exception:  # separation: statsmodels may raise
        slope = float("nan")
    return {
        "roc_auc": roc_auc_score(y, p),
        "accuracy": (r["tp"] + r["tn"]) / len(y),
        "sensitivity": r["sensitivity"], "specificity": r["specificity"],
        "ppv": r["ppv"], "npv": r["npv"],
        "f1": 2 * r["tp"] / f1d if f1d else float("nan"),
        "brier": float(np.mean((p - y) ** 2)),
        "calibration_slope": slope,
    }


def diff(a, b):
    """|a - b|, with null/NaN equal only to null/NaN."""
    a = float("nan") if a is None else float(a)
    b = float("nan") if b is None else float(b)
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else float("inf")
    return abs(a - b)


def main(argv):
    rows = list(csv.DictReader(open(argv[1])))
    y = np.array([int(r["target"]) for r in rows])
    p = np.array([float(r["probability"]) for r in rows])
    got = json.load(open(argv[2]))["test"]
    resamples, seed = int(argv[3]), int(argv[4])
    threshold = got["threshold"]
    out = {}

    cal = got["calibration"]
    worst = 0.0
    for strategy, key in (("uniform", "equal_width"),
                          ("quantile", "equal_count")):
        pt, pp = calibration_curve(y, p, n_bins=10, strategy=strategy)
        bins = [b for b in cal["bins"][key] if b["n"] > 0]
        if len(bins) != len(pt):
            worst = float("inf")
            continue
        for b, t, q in zip(bins, pt, pp):
            worst = max(worst, diff(b["observed"], t),
                        diff(b["mean_predicted"], q))
    out["reliability_bins"] = worst
    a, b = slope_fit(y, p)
    out["calibration_slope"] = diff(cal["slope"], b)
    out["calibration_slope_intercept"] = diff(cal["slope_intercept"], a)
    out["calibration_intercept"] = diff(cal["intercept"], intercept_fit(y, p))
    out["calibration_in_the_large"] = max(diff(cal["mean_predicted"], p.mean()),
                                          diff(cal["observed"], y.mean()))
    edges = np.linspace(0, 1, 11)
    ids = np.searchsorted(edges[1:-1], p)
    ece = sum(abs(y[ids == k].mean() - p[ids == k].mean()) * (ids == k).sum()
              for k in range(10) if (ids == k).any()) / len(y)
    out["ece"] = diff(cal["ece"], ece)
    base = y.mean()
    out["brier_skill"] = diff(cal["brier_skill"],
                              1 - np.mean((p - y) ** 2) / (base * (1 - base)))

    worst = 0.0
    for row in got["thresholds"]:
        r = rates(y, p, row["threshold"])
        for k, v in r.items():
            worst = max(worst, diff(row[k], v))
    out["thresholds"] = worst

    dc = got["decision_curve"]
    worst = 0.0
    for k, t in enumerate(dc["threshold"]):
        if abs(t - (k + 1) / 100) > 1e-15:
            worst = float("inf")
        r = rates(y, p, t)
        n = len(y)
        worst = max(worst,
                    diff(dc["model"][k], r["tp"] / n - r["fp"] / n * t / (1 - t)),
                    diff(dc["treat_all"][k], base - (1 - base) * t / (1 - t)),
                    diff(dc["treat_none"][k], 0))
    out["decision_curve"] = worst

    iv = got.get("intervals")
    if iv is not None:
        auc, se, lo, hi = delong(y, p)
        d = iv["roc_auc_delong"]
        out["delong"] = max(diff(d["estimate"], auc), diff(d["se"], se),
                            diff(d["lo"], lo), diff(d["hi"], hi))
        rng = Xoshiro(seed)
        cls = [np.flatnonzero(y == 0), np.flatnonzero(y == 1)]
        per = {k: [] for k in iv if isinstance(iv[k], dict) and "lo" in iv[k]
               and k != "roc_auc_delong"}
        for _ in range(resamples):
            idx = [c[rng.below(len(c))] for c in cls for _ in range(len(c))]
            f = figures(y[idx], p[idx], threshold)
            for k in per:
                per[k].append(f[k])
        full = figures(y, p, threshold)
        worst = 0.0
        for k, vals in per.items():
            v = np.array([x for x in vals if not math.isnan(x)])
            lo, hi = np.percentile(v, [2.5, 97.5]) if len(v) else (None, None)
            worst = max(worst, diff(iv[k]["lo"], lo), diff(iv[k]["hi"], hi),
                        diff(iv[k]["estimate"], full[k]))
            if iv[k]["resamples_used"] != len(v):
                worst = float("inf")
        out["bootstrap"] = worst
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
