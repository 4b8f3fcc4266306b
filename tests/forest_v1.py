"""Rewrite an hd model file of version 2 as version 1, the way an older
hd wrote it: a random forest's trees as four strings of numbers per
tree; everything else as it is.  Written from hd-model(5) alone, so it
is also a second reading of the compact layout (model_reference.py
scores with its trees()).

usage: forest_v1.py MODEL.json > MODEL.v1.json
"""
import base64
import json
import sys


def records(p):
    """The node codes of a version 2 forest, one per record."""
    raw = base64.b64decode(p["code"], validate=True)
    w = p["width"]
    if w not in (1, 2, 4) or len(raw) != p["nodes"] * w:
        sys.exit("forest_v1.py: the records do not match nodes and width")
    return [int.from_bytes(raw[i:i + w], "little") for i in range(0, len(raw), w)]


def trees(p):
    """Every tree of a version 2 forest as version 1 holds it: lists
    feature (-1 at a leaf), left and right (0 at a leaf) and value (a
    split's threshold, a leaf's probability), nodes in preorder."""
    leaves, splits = p["leaves"], p["splits"]
    codes = records(p)
    at, out = 0, []
    for _ in range(p["trees"]):
        t = {"feature": [], "left": [], "right": [], "value": []}
        # (node, parent waiting for it as its right child or None)
        todo = [None]
        while todo:
            parent = todo.pop()
            i = len(t["feature"])
            if parent is not None:
                t["right"][parent] = i
            c = codes[at]
            at += 1
            if c < len(leaves):
                t["feature"].append(-1)
                t["left"].append(0)
                t["right"].append(0)
                t["value"].append(leaves[c])
            else:
                slot, threshold = splits[c - len(leaves)]
                t["feature"].append(slot)
                t["left"].append(i + 1)
                t["right"].append(None)
                t["value"].append(threshold)
                todo.append(i)   # its right child, after the left subtree
                todo.append(None)  # its left child, next
        out.append(t)
    if at != len(codes):
        sys.exit("forest_v1.py: records left over after the trees")
    return out


def num(x):
    """A number as hd writes one: the shortest form that reads back."""
    s = repr(x)
    return s[:-2] if s.endswith(".0") else s


def main():
    with open(sys.argv[1]) as fp:
        model = json.load(fp)
    if model.get("version") != 2:
        sys.exit("forest_v1.py: not a version 2 model file")
    if model["model"] == "random_forest":
        model["params"] = {"trees": [
            {k: " ".join(num(v) for v in t[k]) for k in ("feature", "left", "right", "value")}
            for t in trees(model["params"])]}
    model["version"] = 1
    json.dump(model, sys.stdout, indent="\t")
    print()


if __name__ == "__main__":
    main()
