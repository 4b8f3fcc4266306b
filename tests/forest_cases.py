"""Damaged copies of a good version 2 random forest model file, one for
each check hd-model(5) says a loader makes of the compact trees.

usage: forest_cases.py GOOD.json DIR

Writes DIR/ID.json for every case and prints one line per case on
stdout: ID, what is wrong, and the message hd gives (after "FILE: "),
separated by tabs.  Used by tests/model-format.bats (the exact messages)
and tests/attack/model-files.bats (the attack catalogue).
"""
import base64
import copy
import json
import os
import sys

from forest_v1 import records


def encode(codes, width):
    return base64.b64encode(b"".join(c.to_bytes(width, "little") for c in codes)).decode()


def main():
    good_path, out = sys.argv[1], sys.argv[2]
    with open(good_path) as fp:
        good = json.load(fp)
    p = good["params"]
    codes = records(p)
    nl, ns = len(p["leaves"]), len(p["splits"])
    n_codes, width, dim = nl + ns, p["width"], len(good["encoded"])
    # One more code (a code past the tables, a split no node uses) must
    # still fit the width.
    if nl < 2 or ns < 2 or p["trees"] < 2 or n_codes + 1 > 256 ** width:
        sys.exit("forest_cases.py: the good forest needs 2 leaf values, 2 splits, 2 trees"
                 " and room for one more code in its width")

    def case(cid, what, message, params=None, text=None):
        if text is None:
            m = copy.deepcopy(good)
            m["params"].update(params)
            text = json.dumps(m, indent="\t")
        with open(os.path.join(out, cid + ".json"), "w") as fp:
            fp.write(text + "\n")
        print(f"{cid}\t{what}\t{message}")

    code = p["code"]
    case("code-space", "a space in the base64",
         'params: "code": character 10 (byte 0x20) is not base64',
         {"code": code[:9] + " " + code[10:]})
    case("code-newline", "the base64 broken into lines (76 a line)",
         'params: "code": character 77 (byte 0x0a) is not base64',
         {"code": code[:76] + "\n" + code[77:]})
    case("code-length", "base64 one character short",
         f'params: "code" is {len(code) - 1} characters, not a multiple of 4 (base64)',
         {"code": code[:-1]})
    case("code-pad-inside", "base64 padding in its first group",
         'params: "code": "=" at character 3, before the end (base64 pads only its last group)',
         {"code": "AA==" + code[4:]})
    # Padding needs a byte count that is not a multiple of 3: add single-
    # leaf trees (code 0, a valid tree), one at least, until it is.
    extra = 1
    while (len(codes) + extra) * width % 3 == 0:
        extra += 1
    padded = encode(codes + [0] * extra, width)
    grown = {"trees": p["trees"] + extra, "nodes": p["nodes"] + extra, "code": padded}
    # Not a case: a good file, which must load (model-format.bats).
    m = copy.deepcopy(good)
    m["params"].update(grown)
    with open(os.path.join(out, "good-leaf-trees.json"), "w") as fp:
        json.dump(m, fp, indent="\t")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    k = padded.index("=") - 1
    flipped = padded[:k] + alphabet[alphabet.index(padded[k]) ^ 1] + padded[k + 1:]
    case("code-noncanonical", "base64 whose bits before the padding are not zero",
         'params: "code": the bits before its padding are not zero (not the one base64 form of its bytes)',
         dict(grown, code=flipped))
    case("nodes-more", '"nodes" one more than the records',
         f'params: "code" holds {len(codes) * width} bytes, not "nodes" {len(codes) + 1} records of "width" {width} bytes',
         {"nodes": p["nodes"] + 1})
    case("code-range", "a record whose code is past the tables",
         f"params: record 0 (tree 0) is code {n_codes}, not below the {n_codes} codes of the tables",
         {"code": encode([n_codes] + codes[1:], width)})
    case("record-leftover", "a record after the last tree",
         f"params: 1 record(s) left over after the {p['trees']} trees",
         {"nodes": p["nodes"] + 1, "code": encode(codes + [0], width)})
    last_tree = p["trees"] - 1
    case("tree-incomplete", "the last tree cut one record short",
         f"params: the records end inside tree {last_tree} (an incomplete tree)",
         {"nodes": p["nodes"] - 1, "code": encode(codes[:-1], width)})
    case("trees-more", '"trees" one more than the records hold',
         f"params: the records end after {p['trees']} of the {p['trees'] + 1} trees",
         {"trees": p["trees"] + 1})
    case("leaves-unsorted", "the leaf table descending",
         "params: leaves[1] is not above leaves[0] (the table is ascending, without duplicates)",
         {"leaves": p["leaves"][::-1]})
    case("leaf-range", "a leaf probability 1.5",
         f"params: leaves[{nl - 1}] is not a probability in [0, 1]",
         {"leaves": p["leaves"][:-1] + [1.5]})
    case("splits-unsorted", "two splits out of order",
         "params: splits[1] does not come after splits[0] (the table is by slot, then threshold, without duplicates)",
         {"splits": [p["splits"][1], p["splits"][0]] + p["splits"][2:]})
    case("splits-duplicate", "a split twice in the table",
         "params: splits[1] does not come after splits[0] (the table is by slot, then threshold, without duplicates)",
         {"splits": [p["splits"][0]] + p["splits"][:-1]})
    case("split-slot", "a split on a slot past the encoding",
         f"params: splits[{ns - 1}]: slot {dim} is not one of the {dim} encoded slots",
         {"splits": p["splits"][:-1] + [[dim, 0.5]]})
    case("split-shape", "a split that is not a pair",
         "params: splits[0] is not [slot, threshold]",
         {"splits": [[p["splits"][0][0]]] + p["splits"][1:]})
    # JSON has no infinity; 1e999 reads as one.
    m = copy.deepcopy(good)
    m["params"]["splits"][-1] = [dim - 1, "INF"]
    case("split-inf", "a threshold 1e999 (infinite)",
         f"params: splits[{ns - 1}]: the threshold is not a finite number",
         text=json.dumps(m, indent="\t").replace('"INF"', "1e999"))
    case("split-unused", "a split no node uses",
         f"params: splits[{ns}] is the split of no node",
         {"splits": p["splits"] + [[dim - 1, 1e300]]})
    case("width-3", "width 3",
         'params: "width" must be 1, 2 or 4', {"width": 3})
    if width == 4:
        sys.exit("forest_cases.py: the good forest needs codes of width 1 or 2")
    case("width-wide", f"records of width 4 where {width} holds the codes",
         f'params: "width" is 4; the {n_codes} codes take {width} (1, 2 or 4 bytes, the smallest that holds them)',
         {"width": 4, "code": encode(codes, 4)})
    case("trees-0", "a forest of 0 trees",
         'params: "trees" must be a whole number from 1 to 268435456', {"trees": 0})
    case("trees-array", "version 2 with its trees as version 1 wrote them",
         'params: "trees" is an array, as in version 1; a version 2 forest\'s trees are its "code" (hd-model(5))',
         {"trees": [{"feature": "-1", "left": "0", "right": "0", "value": "1"}]})
    case("nodes-huge", '"nodes" 10^12',
         f'params: "nodes" must be a whole number from "trees" ({p["trees"]}) to 268435456',
         {"nodes": 1e12})
    case("code-missing", "no code",
         'params: a version 2 forest needs "leaves" and "splits" arrays and a "code" string',
         {"code": None})


main()
