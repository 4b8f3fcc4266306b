#!/usr/bin/python3
"""eda_pandas.py CSV SUMMARY.json - check an hd-eda summary against pandas.

Loads the clean CSV with pandas, recomputes every number the summary
holds (describe(), isna().sum(), value_counts(), corr(), numpy.histogram,
target and per-site counts and zeros, duplicates, warnings) and compares.
Prints each mismatch and exits 1 if there is any.
"""
import json
import math
import sys

import numpy as np
import pandas as pd

REL = 1e-9
NUMERIC = ["age", "trestbps", "chol", "thalach", "oldpeak"]
CATEGORICAL = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal"]
FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
            "thalach", "exang", "oldpeak", "slope", "ca", "thal"]

bad = []
checked = 0


def same(where, got, want):
    """got from the JSON (None = null), want from pandas (NaN = undefined)."""
    global checked
    checked += 1
    want = float(want)
    if got is None:
        ok = math.isnan(want)
    else:
        ok = not math.isnan(want) and math.isclose(
            float(got), want, rel_tol=REL, abs_tol=1e-12)
    if not ok:
        bad.append(f"{where}: summary has {got!r}, pandas {want!r}")


def main():
    csv, summary = sys.argv[1], sys.argv[2]
    df = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    with open(summary) as f:
        s = json.load(f)
    n = len(df)

    if s.get("format") != "hd-eda-summary" or s.get("version") != 1:
        bad.append("format/version stamp")
    same("rows", s["rows"], n)
    if s["columns"] != list(df.columns):
        bad.append(f"columns: {s['columns']} != {list(df.columns)}")

    counts = df["target"].value_counts()
    for v in (0, 1):
        c = counts.get(v, 0)
        same(f"target.counts.{v}", s["target"]["counts"][str(v)], c)
        same(f"target.percent.{v}", s["target"]["percent"][str(v)],
             100.0 * c / n)
        same(f"target.fraction.{v}", s["target"]["fraction"][str(v)], c / n)

    miss = df.isna().sum()
    for col in df.columns:
        same(f"missing.{col}.count", s["missing"][col]["count"], miss[col])
        same(f"missing.{col}.percent", s["missing"][col]["percent"],
             100.0 * miss[col] / n)

    bins = s["bins"]
    for col in NUMERIC:
        d = df[col].describe()
        got = s["numeric"][col]
        for stat in ("count", "mean", "std", "min", "25%", "50%", "75%",
                     "max"):
            same(f"numeric.{col}.{stat}", got[stat], d[stat])
        x = df[col].dropna().to_numpy(dtype=float)
        h = got["histogram"]
        if len(x) == 0:
            if h["edges"] or h["counts"]:
                bad.append(f"numeric.{col}.histogram: not empty")
            continue
        cnt, edges = np.histogram(x, bins=bins)
        if len(h["edges"]) != len(edges) or len(h["counts"]) != len(cnt):
            bad.append(f"numeric.{col}.histogram: wrong length")
            continue
        for i, e in enumerate(edges):
            same(f"numeric.{col}.histogram.edges[{i}]", h["edges"][i], e)
        for i, c in enumerate(cnt):
            same(f"numeric.{col}.histogram.counts[{i}]", h["counts"][i], c)
        # Each class over the same edges, as a stacked histogram needs.
        for v in (0, 1):
            xv = df.loc[df["target"] == v, col].dropna().to_numpy(dtype=float)
            cv, _ = np.histogram(xv, bins=edges)
            got_v = h["counts_by_target"][str(v)]
            if len(got_v) != len(cv):
                bad.append(f"numeric.{col}.histogram.counts_by_target.{v}: "
                           "wrong length")
                continue
            for i, c in enumerate(cv):
                same(f"numeric.{col}.histogram.counts_by_target.{v}[{i}]",
                     got_v[i], c)

    for col in CATEGORICAL:
        vc = df[col].value_counts().sort_index()
        got = s["categorical"][col]
        if [lv["value"] for lv in got["levels"]] != list(vc.index):
            bad.append(f"categorical.{col}: levels {got['levels']} "
                       f"!= {list(vc.index)}")
        else:
            for lv, c in zip(got["levels"], vc):
                same(f"categorical.{col}.{lv['value']}", lv["count"], c)
        same(f"categorical.{col}.missing", got["missing"], miss[col])

    cols = FEATURES + ["target"]
    if s["correlation"]["columns"] != cols:
        bad.append("correlation.columns")
    r = df[cols].astype(float).corr()
    for i, a in enumerate(cols):
        for j, b in enumerate(cols):
            same(f"correlation[{a}][{b}]", s["correlation"]["matrix"][i][j],
                 r.loc[a, b])

    same("duplicate_rows", s["duplicate_rows"], df.duplicated().sum())

    g = df.groupby("source")
    if list(s["sites"]) != list(g.groups):
        bad.append(f"sites: {list(s['sites'])} != {list(g.groups)}")
    for site, part in g:
        got = s["sites"].get(site)
        if got is None:
            continue
        same(f"sites.{site}.rows", got["rows"], len(part))
        same(f"sites.{site}.target_0", got["target_0"],
             (part["target"] == 0).sum())
        same(f"sites.{site}.target_1", got["target_1"],
             (part["target"] == 1).sum())
        same(f"sites.{site}.target_1_rate", got["target_1_rate"],
             part["target"].mean())
        pm = part.isna().sum()
        for col in cols:
            same(f"sites.{site}.missing.{col}", got["missing"][col], pm[col])
        if list(got["zeros"]) != ["trestbps", "chol"]:
            bad.append(f"sites.{site}.zeros: {list(got['zeros'])}")
        for col in ("trestbps", "chol"):
            same(f"sites.{site}.zeros.{col}", got["zeros"][col],
                 (part[col] == 0).sum())

    # The warnings the data calls for, as (code, column, site, count).
    want = set()
    for col in ("trestbps", "chol"):
        z = int((df[col] == 0).sum())
        if z:
            want.add(("zero_values", col, None, z))
    for col in cols:
        if 2 * miss[col] > n:
            want.add(("mostly_missing", col, None, int(miss[col])))
    for site, part in g:
        for col in cols:
            if part[col].isna().all():
                want.add(("site_column_missing", col, site, len(part)))
    if df.duplicated().sum():
        want.add(("duplicate_rows", None, None, int(df.duplicated().sum())))
    have = {(w["code"], w.get("column"), w.get("site"), w["count"])
            for w in s["warnings"]}
    if have != want:
        bad.append(f"warnings: summary {sorted(have, key=str)}, "
                   f"pandas {sorted(want, key=str)}")

    for b in bad:
        print(b)
    print(f"{checked} numbers checked, {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
