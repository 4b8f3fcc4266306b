#!/usr/bin/python3
"""Request bodies for the Open Inference Protocol tests (tests/oip.bats).

    oip_body.py FORM CSV [DATATYPE]

Reads clean CSV (hd-clean's: a header row, an empty field is missing)
and prints one JSON body on standard output, the rows as patients:

    features    an OIP infer body, one input per feature, shape [N]
    column      the same with shape [N, 1] and nested data [[v], ...]
    flat        one input "patients" [N, 13], data flat, row-major
    nested      one input "patients" [N, 13], data as N rows of 13
    predict     a POST /predict batch: an array of feature objects

DATATYPE (default FP64) goes in every OIP input.  Numbers are written
as Python reads them from the CSV (the shortest repr of the double), a
missing value as null.  Written in Python on purpose, so that the
bodies do not come from the code under test.
"""

import csv
import json
import sys

FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
            "thalach", "exang", "oldpeak", "slope", "ca", "thal"]


def value(text):
    return None if text == "" else float(text)


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    form, path = sys.argv[1], sys.argv[2]
    dtype = sys.argv[3] if len(sys.argv) == 4 else "FP64"
    with open(path, newline="") as f:
        rows = [[value(r[c]) for c in FEATURES] for r in csv.DictReader(f)]
    n = len(rows)
    if dtype.startswith(("INT", "UINT")):
        rows = [[None if v is None else (int(v) if v == int(v) else v)
                 for v in r] for r in rows]
    if form == "predict":
        body = [dict(zip(FEATURES, r)) for r in rows]
    elif form in ("features", "column"):
        body = {"inputs": [{
            "name": c,
            "shape": [n] if form == "features" else [n, 1],
            "datatype": dtype,
            "data": [r[j] if form == "features" else [r[j]] for r in rows],
        } for j, c in enumerate(FEATURES)]}
    elif form in ("flat", "nested"):
        data = rows if form == "nested" else [v for r in rows for v in r]
        body = {"inputs": [{"name": "patients", "shape": [n, 13],
                            "datatype": dtype, "data": data}]}
    else:
        raise SystemExit(f"oip_body.py: unknown form {form!r}")
    json.dump(body, sys.stdout)
    print()


main()
