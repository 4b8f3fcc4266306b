#!/usr/bin/python3
"""plots_check.py - checks of the plots and their tables, for plots.bats.

  plots_check.py image FILE...    each an SVG (root <svg>, width and
                                  height > 0) or a PNG (signature, IHDR
                                  width and height > 0); prints
                                  "FILE WIDTH HEIGHT" for each
  plots_check.py refs FILE...     SVGs that reach nothing outside them:
                                  no http:, https:, file: or // but the
                                  XML namespace names, every href a
                                  fragment (#id), no <script>, <image>,
                                  <foreignObject>, DOCTYPE or stylesheet
  plots_check.py text FILE        the text a person reads in an SVG, one
                                  <text> element a line
  plots_check.py data ART ROWS    the tables under ART/plots/data against
                                  ART/eda/summary.json and
                                  ART/metrics/{lr,rf}.metrics.json; ROWS
                                  is the number of test rows

Prints each problem and exits 1 if there is any.
"""
import json
import math
import re
import shlex
import struct
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
problems = []


def problem(msg):
    problems.append(msg)


def finish():
    for p in problems:
        print(p)
    return 1 if problems else 0


# ---------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------

def image(path):
    with open(path, "rb") as f:
        head = f.read(64)
    if path.endswith(".png"):
        if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
            return problem(f"{path}: not a PNG (signature, IHDR)")
        w, h = struct.unpack(">II", head[16:24])
    elif path.endswith(".svg"):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            return problem(f"{path}: not XML: {e}")
        if root.tag != SVG + "svg":
            return problem(f"{path}: root is {root.tag}, not svg")
        try:
            w, h = (float(root.get(k, "0")) for k in ("width", "height"))
        except ValueError:
            return problem(f"{path}: width or height is not a number")
    else:
        return problem(f"{path}: neither .svg nor .png")
    if not (w > 0 and h > 0):
        return problem(f"{path}: size {w} x {h}")
    print(f"{path} {w:g} {h:g}")


NAMESPACES = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def refs(path):
    text = open(path, encoding="utf-8").read()
    bare = NAMESPACES.sub("", text)
    for m in re.finditer(r"https?:|file:|ftp:|data:|//", bare):
        problem(f"{path}: '{bare[max(0, m.start() - 30):m.end() + 30]}'")
    for word in ("<!DOCTYPE", "<?xml-stylesheet", "@import"):
        if word in bare:
            problem(f"{path}: has {word}")
    for el in ET.parse(path).getroot().iter():
        tag = el.tag.replace(SVG, "")
        if tag in ("script", "image", "foreignObject", "iframe"):
            problem(f"{path}: has <{tag}>")
        for k, v in el.attrib.items():
            if k.endswith("href") and not v.startswith("#"):
                problem(f"{path}: <{tag} {k}='{v}'>")


def text(path):
    for el in ET.parse(path).getroot().iter(SVG + "text"):
        print("".join(el.itertext()))


# ---------------------------------------------------------------------
# Tables against the JSON
# ---------------------------------------------------------------------

def table(path):
    """The header's names and the rows (fields as text) of a .dat file."""
    lines = open(path, encoding="utf-8").read().splitlines()
    if not lines or not lines[0].startswith("# "):
        problem(f"{path}: no '# ' header line")
        return [], []
    return lines[0][2:].split(" "), [shlex.split(l) for l in lines[1:]]


def num(s):
    return math.nan if s == "NaN" else float(s)


def same(where, got, want):
    """A field of a table against a JSON value (None = null = NaN)."""
    g = num(got) if isinstance(got, str) else got
    if want is None:
        ok = math.isnan(g)
    else:
        ok = g == want      # the very same double, not a near one
    if not ok:
        problem(f"{where}: table has {got!r}, JSON {want!r}")


def columns_of(path, want_header, rows_want, where):
    """Rows of path against rows_want (lists of JSON values)."""
    header, rows = table(path)
    if header != want_header:
        problem(f"{path}: header {header}, expected {want_header}")
    if len(rows) != len(rows_want):
        problem(f"{path}: {len(rows)} rows, JSON has {len(rows_want)}")
    for i, (r, w) in enumerate(zip(rows, rows_want)):
        if len(r) != len(w):
            problem(f"{path}:{i + 2}: {len(r)} fields, expected {len(w)}")
            continue
        for j, (g, v) in enumerate(zip(r, w)):
            if isinstance(v, str):
                if g != v:
                    problem(f"{path}:{i + 2}: field {j + 1} is {g!r}, "
                            f"expected {v!r}")
            else:
                same(f"{path}:{i + 2} {where} {header[j]}", g, v)
    return rows


def eda(art):
    s = json.load(open(f"{art}/eda/summary.json"))
    d = f"{art}/plots/data/eda"
    for col, c in s["numeric"].items():
        h = c["histogram"]
        by = h["counts_by_target"]
        want = [[h["edges"][i], h["edges"][i + 1], h["counts"][i],
                 by["0"][i], by["1"][i]] for i in range(len(h["counts"]))]
        rows = columns_of(f"{d}/hist-{col}.dat",
                          ["lo", "hi", "count", "target_0", "target_1"],
                          want, f"numeric.{col}.histogram")
        # Every row with a value is in one bin, of one class.
        if sum(int(r[2]) for r in rows) != c["count"]:
            problem(f"hist-{col}.dat: counts sum to "
                    f"{sum(int(r[2]) for r in rows)}, not {c['count']}")
        for r in rows:
            if int(r[3]) + int(r[4]) != int(r[2]):
                problem(f"hist-{col}.dat: {r}: classes do not add up")

    corr = s["correlation"]
    header, rows = table(f"{d}/corr.dat")
    if not rows or rows[0] != ["r"] + corr["columns"]:
        problem(f"corr.dat: names row {rows[:1]}")
    else:
        columns_of_rows = [[n] + m for n, m in
                           zip(corr["columns"], corr["matrix"])]
        for i, (r, w) in enumerate(zip(rows[1:], columns_of_rows)):
            if r[0] != w[0] or len(r) != len(w):
                problem(f"corr.dat: row {i + 1} is {r[:1]}, {len(r)} fields")
                continue
            for g, v in zip(r[1:], w[1:]):
                same(f"corr.dat {w[0]}", g, v)
        if len(rows) - 1 != len(corr["matrix"]):
            problem(f"corr.dat: {len(rows) - 1} rows")

    t = s["target"]
    columns_of(f"{d}/class.dat",
               ["target", "label", "count", "fraction", "percent"],
               [[y, lab, t["counts"][k], t["fraction"][k], t["percent"][k]]
                for y, k, lab in ((0, "0", "no disease"), (1, "1", "disease"))],
               "target")
    columns_of(f"{d}/site.dat",
               ["site", "rows", "target_0", "target_1", "target_1_rate"],
               [[name, o["rows"], o["target_0"], o["target_1"],
                 o["target_1_rate"]] for name, o in s["sites"].items()],
               "sites")


def model(art, m, test_rows):
    t = json.load(open(f"{art}/metrics/{m}.metrics.json"))["test"]
    d = f"{art}/plots/data/{m}"
    roc = t["roc"]
    columns_of(f"{d}/roc.dat", ["fpr", "tpr", "threshold"],
               [list(p) for p in zip(roc["fpr"], roc["tpr"],
                                     roc["threshold"])], f"{m} roc")
    c = t["confusion"]
    rows = columns_of(f"{d}/confusion.dat", ["actual", "predicted", "count"],
                      [[0, 0, c["tn"]], [0, 1, c["fp"]], [1, 0, c["fn"]],
                       [1, 1, c["tp"]]], f"{m} confusion")
    if sum(int(r[2]) for r in rows) != test_rows:
        problem(f"{m} confusion.dat: counts sum to "
                f"{sum(int(r[2]) for r in rows)}, not the {test_rows} test rows")
    keys = ["mean_predicted", "observed", "n", "lo", "hi"]
    columns_of(f"{d}/calibration.dat", keys,
               [[b[k] for k in keys]
                for b in t["calibration"]["bins"]["equal_width"]],
               f"{m} calibration")
    dc = t["decision_curve"]
    keys = ["threshold", "model", "treat_all", "treat_none"]
    columns_of(f"{d}/decision.dat", keys,
               [list(p) for p in zip(*(dc[k] for k in keys))],
               f"{m} decision_curve")
    columns_of(f"{d}/summary.dat", ["n", "threshold", "roc_auc"],
               [[t["n"], t["threshold"], t["roc_auc"]]], f"{m} test")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "image":
        for a in args:
            image(a)
    elif cmd == "refs":
        for a in args:
            refs(a)
    elif cmd == "text":
        text(args[0])
    elif cmd == "data":
        eda(args[0])
        for m in ("lr", "rf"):
            model(args[0], m, int(args[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return finish()


if __name__ == "__main__":
    sys.exit(main())
