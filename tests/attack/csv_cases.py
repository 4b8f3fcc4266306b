#!/usr/bin/env python3
"""csv_cases.py TOOL SOURCE OUTDIR - the malformed (and the odd but
valid) CSV inputs of one CSV-reading hd tool, made from real rows.

SOURCE is real data in the form TOOL reads: a UCI processed.*.data
file for hd-clean, clean CSV (hd-clean's output) for hd-eda, hd-split,
hd-fit-lr, hd-fit-rf, hd-eval, hd-predict, hd-predict-stream (hd-predict
--columns, streaming mode), hd-drift and hd-loso, and a
target,probability CSV (hd-fit-lr --oof) for hd-eval-oof (hd-eval's
--oof FILE) and hd-eval-scores (hd-eval --scores FILE).

Each case is one file OUTDIR/ID.csv, and one line of OUTDIR/cases.tsv:

    ID  KIND  FILE  EXIT  LINE  COLUMN  WHAT

KIND is how the input reaches the tool: file (FILE as an operand),
stdin (FILE's bytes on standard input, operand "-"), fifo (FILE's bytes
written into a named pipe given as the operand), dir (FILE is a folder),
null (/dev/null).  EXIT is the expected status, 0 or 1.  On exit 1 the
diagnostic must name the input as NAME:LINE:COLUMN (NAME:LINE when
COLUMN is "-"; just NAME when LINE is "-"), LINE and COLUMN being where
the planted fault is.  Prints the number of cases.
"""

import os
import sys

BOM = b"\xef\xbb\xbf"
MB = 1 << 20

# Columns of clean CSV, 1-based, as hd-clean writes them.
CLEAN = ("source,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,"
         "oldpeak,slope,ca,thal,target").split(",")
FEATURES = CLEAN[1:14]


class Table:
    """A header (None for raw UCI rows) and rows of fields, as bytes."""

    def __init__(self, header, rows):
        self.header = list(header) if header is not None else None
        self.rows = [list(r) for r in rows]

    def copy(self):
        return Table(self.header, self.rows)

    def col(self, name):
        """0-based index of a column by name (raw: by CLEAN's order)."""
        if self.header is None:
            return (FEATURES + ["num"]).index(name)
        return self.header.index(name.encode())

    def line_of(self, r):
        """1-based line of data row r when each record is one line."""
        return r + (2 if self.header is not None else 1)

    def lines(self):
        out = [] if self.header is None else [self.header]
        return out + self.rows

    def bytes(self, eol=b"\n", last_eol=True):
        text = eol.join(b",".join(f for f in rec) for rec in self.lines())
        return text + (eol if last_eol else b"")

    def add_column(self, name, value, at_row=None, special=None):
        self.header.append(name)
        for i, r in enumerate(self.rows):
            r.append(special if i == at_row and special is not None
                     else value)


def read_source(path, tool):
    data = open(path, "rb").read().splitlines()
    if tool == "hd-clean":
        rows = [ln.split(b",") for ln in data[:60]]
        return Table(None, rows)
    header = data[0].split(b",")
    body = [ln.split(b",") for ln in data[1:]]
    if tool.startswith("hd-eval-"):
        body = body[:200]
    else:
        # Every fourth row: all four sites, both classes, and a file
        # small enough for the sanitizer build.
        body = body[::4]
    return Table(header, body)


def cases(tool, base):
    """Yield (id, kind, bytes, exit, line, col, what)."""
    scores = tool.startswith("hd-eval-")
    raw = base.header is None
    R = 4  # the data row a fault is planted in
    L = base.line_of(R)
    # The numeric column faults go in, and the label column.
    num = base.col("probability") if scores else base.col("chol")
    lab = base.col("target") if not raw else base.col("num")
    first = 0  # a column every tool reads: age, or target
    if scores:
        first = base.col("target")
    elif not raw:
        first = base.col("age")

    def put(value, c=num, r=R, t=None):
        t = (t or base).copy()
        t.rows[r][c] = value
        return t

    def fault(cid, value, what, c=num):
        return (cid, "file", put(value, c).bytes(), 1, L, c + 1, what)

    yield ("valid", "file", base.bytes(), 0, 0, 0, "the real rows as they are")
    t = base.copy()
    del t.rows[R][-1]
    yield ("short-row", "file", t.bytes(), 1, L, "-", "a row one field short")
    t = base.copy()
    t.rows[R].append(b"1")
    yield ("long-row", "file", t.bytes(), 1, L, "-", "a row one field long")
    t = base.copy()
    t.rows[-1][first] = b'"' + t.rows[-1][first]
    yield ("open-quote-eof", "file", t.bytes(), 1, t.line_of(len(t.rows) - 1),
           "-", "a quote opened on the last line and never closed")
    yield ("quote-in-unquoted", "file", put(b'6"3', first).bytes(), 1, L, "-",
           "a quote inside an unquoted field")
    yield ("text-after-quote", "file", put(b'"63"x', first).bytes(), 1, L,
           "-", "text after a closing quote")
    yield ("nul-byte", "file", put(b"2\x003", num).bytes(), 1, L, "-",
           "a NUL byte in a field")
    yield fault("field-1mb", b"1" * MB, "a 1 MB field of digits")
    yield fault("1e999", b"1e999", "1e999 (overflows to infinity)")
    yield fault("-1e999", b"-1e999", "-1e999")
    yield fault("inf", b"inf", "inf")
    yield fault("-inf", b"-inf", "-inf")
    yield fault("nan", b"nan", "nan")
    yield fault("NaN", b"NaN", "NaN")
    yield fault("hex", b"0x10", "0x10 (hex)")
    yield fault("1e-400", b"1e-400", "1e-400 (underflows below subnormals)")
    yield fault("lead-blank", b" 0.5" if scores else b" 233", "a leading blank")
    yield fault("trail-blank", b"0.5 " if scores else b"233 ", "a trailing blank")
    yield fault("tab", b"\t0.5" if scores else b"\t233", "a leading tab")
    yield fault("non-utf8-number", b"2\xff3", "a byte that is not UTF-8 in a number")
    yield fault("comma-decimal", b"\"0,5\"", "a decimal comma (quoted)")
    yield fault("two-points", b"2.3.4", "two decimal points")
    yield ("plus-sign", "file", put(b"+0.5" if scores else b"+233").bytes(),
           0, 0, 0, "+233: a number with its sign")
    yield ("leading-zero", "file", put(b"00.5" if scores else b"0233").bytes(),
           0, 0, 0, "0233: leading zeros are decimal, not octal")
    yield ("quoted-number", "file", put(b'"0.5"' if scores else b'"233"').bytes(),
           0, 0, 0, "a number in quotes (RFC 4180)")
    yield ("exponent", "file", put(b"5e-1" if scores else b"2.33e2").bytes(),
           0, 0, 0, "a number with an exponent")

    # Line ends and encodings.
    yield ("crlf", "file", base.bytes(b"\r\n"), 0, 0, 0, "CRLF line ends")
    yield ("cr-only", "file", base.bytes(b"\r"), 0, 0, 0, "CR-only line ends")
    t = base.bytes(b"\n").split(b"\n")
    mixed = b"".join(ln + (b"\n", b"\r\n", b"\r")[i % 3]
                     for i, ln in enumerate(t[:-1]))
    yield ("mixed-eol", "file", mixed, 0, 0, 0, "LF, CRLF and CR mixed")
    yield ("crlf-fault", "file", put(b"1e999").bytes(b"\r\n"), 1, L, num + 1,
           "CRLF line ends, a fault on line L")
    yield ("cr-fault", "file", put(b"1e999").bytes(b"\r"), 1, L, num + 1,
           "CR line ends, a fault on line L")
    yield ("no-final-eol", "file", base.bytes(last_eol=False), 0, 0, 0,
           "no line end after the last row")
    t = base.copy()
    t.rows[-1][num] = b"1e999"
    yield ("no-final-eol-fault", "file", t.bytes(last_eol=False), 1,
           t.line_of(len(t.rows) - 1), num + 1,
           "a fault on a last line without its line end")
    yield ("bom", "file", BOM + base.bytes(), 0, 0, 0,
           "a UTF-8 byte order mark before the first line")
    yield ("bom-fault", "file", BOM + put(b"1e999").bytes(), 1, L, num + 1,
           "a byte order mark, then a fault on line L")
    yield ("utf16", "file", b"\xff\xfe" + base.bytes().decode().encode("utf-16-le"),
           1, 1, "-", "UTF-16 text")
    t = base.bytes().split(b"\n")
    blank = b"\n".join(t[:R + 1] + [b""] + t[R + 1:])
    yield ("blank-line", "file", blank, 0, 0, 0, "an empty line among the rows")
    t = put(b"1e999", r=R).bytes().split(b"\n")
    blank = b"\n".join(t[:2] + [b"", b"\r"] + t[2:])
    yield ("blank-line-fault", "file", blank, 1, L + 2, num + 1,
           "two empty lines (LF, CR) before the fault: it is two lines down")

    # Empty input and headers.
    yield ("empty", "file", b"", 1, 1, "-", "an empty file")
    yield ("dev-null", "null", b"", 1, 1, "-", "/dev/null")
    yield ("only-blank-lines", "file", b"\n\r\n\n", 1, 1, "-", "only empty lines")
    if not raw:
        yield ("header-only", "file", Table(base.header, []).bytes(), 1, 2, "-",
               "a header and no rows")
        yield ("header-missing", "file", Table(None, base.rows).bytes(), 1, 1,
               "-", "rows without the header line")
        t = base.copy()
        t.header.append(t.header[first])
        for r in t.rows:
            r.append(r[first])
        yield ("duplicate-column", "file", t.bytes(), 1, 1, len(t.header),
               "a column named twice")
        t = base.copy()
        c = num
        del t.header[c]
        for r in t.rows:
            del r[c]
        yield ("missing-column", "file", t.bytes(), 1, 1, "-",
               "a required column left out")
        t = base.copy()
        t.add_column(b"comment", b"x")
        yield ("unknown-column", "file", t.bytes(), 0, 0, 0,
               "a column no tool knows (ignored)")
        t = base.copy()
        t.add_column(b"comment", b"", at_row=R, special=b"x" * MB)
        yield ("line-1mb", "file", t.bytes(), 0, 0, 0,
               "a 1 MB field in an ignored column: a 1 MB line that is valid")
        t = base.copy()
        t.add_column(b"comment", b"", at_row=R, special=b"\xc3\x28\xff")
        yield ("non-utf8-ignored", "file", t.bytes(), 0, 0, 0,
               "bytes that are not UTF-8 in an ignored column")
        t = base.copy()
        for k in range(3000):
            t.add_column(b"x%d" % k, b"")
        yield ("many-columns", "file", t.bytes(), 0, 0, 0,
               "3000 ignored empty columns")
        t = base.copy()
        t.header[first] = t.header[first].upper()
        yield ("column-case", "file", t.bytes(), 1, 1, "-",
               "a required column in capitals (names are case-sensitive)")
        t = put(b"1e999", r=R)
        t.add_column(b"note", b"", at_row=1, special=b'"two\nlines"')
        yield ("multiline-fault", "file", t.bytes(), 1, L + 1, num + 1,
               "a quoted field over two lines above the fault")
    else:
        t = Table(None, [[b"age", b"sex", b"cp", b"trestbps", b"chol", b"fbs",
                          b"restecg", b"thalach", b"exang", b"oldpeak",
                          b"slope", b"ca", b"thal", b"num"]] + base.rows)
        yield ("header-present", "file", t.bytes(), 1, 1, 1,
               "a header line where raw files have none")
        yield ("missing-feature", "file", put(b"?").bytes(), 0, 0, 0,
               "? for a missing feature")
        yield ("missing-num", "file", put(b"?", lab).bytes(), 1, L, lab + 1,
               "? for the diagnosis, which must be there")
        yield fault("empty-field", b"", "an empty field (raw files say ?)")
    if not raw and not scores:
        src = base.col("source")
        yield ("non-utf8-source", "file", put(b"cl\xffev", src).bytes(), 1, L,
               src + 1, "a site name that is not UTF-8 (JSON carries it)")
    t = base.copy()
    t.rows[R] = t.rows[R] + [b""] * 100000
    yield ("many-fields", "file", t.bytes(), 1, L, "-",
           "a row of 100014 fields")

    # Values out of range.
    if scores:
        yield fault("prob-above-1", b"1.5", "probability 1.5")
        yield fault("prob-below-0", b"-0.1", "probability -0.1")
        yield fault("empty-prob", b"", "an empty probability")
    else:
        age = base.col("age")
        yield fault("age-200", b"200", "age 200", age)
        yield fault("chol-negative", b"-5", "chol -5")
        yield fault("cp-2.5", b"2.5", "cp 2.5: not a level", base.col("cp"))
        yield fault("sex-3", b"3", "sex 3: not a level", base.col("sex"))
        if raw:
            yield fault("thal-4", b"4", "thal 4: not a level", base.col("thal"))
        else:
            # Clean CSV is checked for range, not levels: an unseen level
            # encodes as all zeros (hd-predict.1).
            yield ("thal-4", "file", put(b"4", base.col("thal")).bytes(), 0,
                   0, 0, "thal 4: a level no model has seen")
        yield ("category-1.0", "file", put(b"1.0", base.col("sex")).bytes(), 0,
               0, 0, "sex 1.0: the level 1")
    if raw:
        yield fault("num-5", b"5", "diagnosis 5", lab)
    else:
        yield fault("label-2", b"2", "target 2", lab)
        yield fault("label-1.0", b"1.0", "target 1.0 (labels are 0 or 1)", lab)
        yield fault("empty-label", b"", "an empty target", lab)
    if not scores and not raw:
        t = base.copy()
        for c in range(1, 14):
            t.rows[R][c] = b""
        yield ("all-missing", "file", t.bytes(), 0, 0, 0,
               "a row with every feature empty (missing)")
    t = base.copy()
    for r in t.rows:
        r[lab] = b"0" if not raw else r[lab]
    if not raw:
        yield ("one-class", "file", t.bytes(), 0, 0, 0,
               "every row of class 0")

    # Not a file, or not a regular one.
    yield ("directory", "dir", b"", 1, "-", "-", "a folder")
    yield ("fifo", "fifo", base.bytes(), 0, 0, 0, "the rows through a named pipe")
    yield ("fifo-fault", "fifo", put(b"1e999").bytes(), 1, L, num + 1,
           "a fault through a named pipe")
    yield ("stdin-fault", "stdin", put(b"1e999").bytes(), 1, L, num + 1,
           "a fault on standard input")


# What one tool says otherwise than the common expectation: decided
# from its man page (tools/TOOL.1), each with its reason.
OVERRIDES = {
    # hd-clean.1: every row must have 14 fields, each a number or
    # missing; it checks ranges and levels.  An empty input is no rows:
    # the header alone.
    "hd-clean": {
        "empty": (0, 0, 0), "dev-null": (0, 0, 0), "only-blank-lines": (0, 0, 0),
        # hd-clean.c: an empty field is missing, as ? is.
        "empty-field": (0, 0, 0),
    },
    # hd-eda.1 and hd-split.1: a header and no rows is an empty table.
    "hd-eda": {"header-only": (0, 0, 0)},
    # hd-split.1: it needs a header and the class column, nothing else;
    # the site name passes through as text.
    "hd-split": {
        "header-only": (0, 0, 0), "missing-column": (0, 0, 0),
        "column-case": (0, 0, 0), "non-utf8-source": (0, 0, 0),
    },
    # Cross-validation needs both classes: no line to name.
    "hd-fit-lr": {"one-class": (1, "-", "-")},
    "hd-fit-rf": {"one-class": (1, "-", "-")},
    # hd-split.1 and hd-predict.1 pass the feature text through; a
    # one-class file is a valid split, scoring needs no label.
    "hd-predict": {
        "label-2": (0, 0, 0), "label-1.0": (0, 0, 0), "empty-label": (0, 0, 0),
        "header-only": (0, 0, 0), "non-utf8-source": (0, 0, 0),
    },
    # hd-predict.1, streaming mode (--columns, the clean CSV's 15): no
    # header needed, one a line to skip; every line is a record on its
    # own, a blank one too (bad: no fields), and a line of another width
    # than --columns says is bad, the header line with a column added or
    # doubled among them; no lines in, no lines out.
    "hd-predict-stream": {
        "label-2": (0, 0, 0), "label-1.0": (0, 0, 0), "empty-label": (0, 0, 0),
        "non-utf8-source": (0, 0, 0),
        "empty": (0, 0, 0), "dev-null": (0, 0, 0), "header-only": (0, 0, 0),
        "header-missing": (0, 0, 0),
        "blank-line": (1, 6, "-"), "blank-line-fault": (1, 3, "-"),
        "duplicate-column": (1, 1, "-"), "unknown-column": (1, 1, "-"),
        "line-1mb": (1, 1, "-"), "non-utf8-ignored": (1, 1, "-"),
        "many-columns": (1, 1, "-"), "multiline-fault": (1, 1, "-"),
    },
}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: csv_cases.py TOOL SOURCE OUTDIR")
    tool, source, out = sys.argv[1:]
    base = read_source(source, tool)
    os.makedirs(out, exist_ok=True)
    over = OVERRIDES.get(tool, {})
    seen = set()
    with open(os.path.join(out, "cases.tsv"), "w") as tsv:
        for cid, kind, data, ex, line, col, what in cases(tool, base):
            if cid in seen:
                sys.exit(f"csv_cases.py: case {cid} twice")
            seen.add(cid)
            if cid in over:
                ex, line, col = over[cid]
            path = os.path.join(out, cid + ".csv")
            if kind == "dir":
                os.makedirs(path, exist_ok=True)
            else:
                with open(path, "wb") as f:
                    f.write(data)
            tsv.write(f"{cid}\t{kind}\t{path}\t{ex}\t{line}\t{col}\t{what}\n")
    print(len(seen))


if __name__ == "__main__":
    main()
