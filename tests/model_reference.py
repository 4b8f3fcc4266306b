"""Score patients from an hd model file, written from the file's
documented layout alone (hd-model(5)), to check that hd-predict and the
server apply exactly what the file says.  A version 2 forest's compact
records are decoded by forest_v1.py's trees(), written from hd-model(5)
too.

usage: model_reference.py MODEL.json < patients.csv > probabilities
"""
import csv
import json
import math
import sys

from forest_v1 import trees


def encode(features, row, scaled):
    z = []
    for f in features:
        v = row.get(f["name"], "")
        x = float(v) if v != "" else None
        if f["kind"] == "numeric":
            x = f["median"] if x is None else x
            z.append((x - f["mean"]) / f["scale"] if scaled else x)
        else:
            x = f["mode"] if x is None else x
            z.extend(1.0 if x == lv else 0.0 for lv in f["levels"])
    return z


def prob(model, z):
    p = model["params"]
    if model["model"] == "logistic_regression":
        s = p["intercept"]
        for w, v in zip(p["coef"], z):
            s += w * v
        return 1 / (1 + math.exp(-s)) if s >= 0 else math.exp(s) / (1 + math.exp(s))
    forest = model.get("_forest")
    if forest is not None:
        pass
    elif model["version"] == 1:
        forest = []
        for t in p["trees"]:
            t = {k: [float(v) for v in t[k].split(" ")] for k in t}
            t["feature"] = [int(v) for v in t["feature"]]
            t["left"] = [int(v) for v in t["left"]]
            t["right"] = [int(v) for v in t["right"]]
            forest.append(t)
    else:
        forest = trees(p)
    model["_forest"] = forest  # read once, not once a patient
    total = 0.0
    for t in forest:
        i = 0
        while t["feature"][i] != -1:
            i = t["left"][i] if z[t["feature"][i]] <= t["value"][i] else t["right"][i]
        total += t["value"][i]
    return total / len(forest)


def main():
    with open(sys.argv[1]) as fp:
        model = json.load(fp)
    for row in csv.DictReader(sys.stdin):
        print(repr(prob(model, encode(model["features"], row,
                                        model["model"] == "logistic_regression"))))


main()
