#!/usr/bin/python3
"""optable.py LIBDIR SOURCE... - the long options of a program, from the
getopt_long tables in its C sources.

Prints one line per long option, in table order: its name, a tab, and
its short option letter when the entry's value is a character constant
('o' -> o), else "-".

A table is the initialiser of a `struct option NAME[] = { ... };`.  Its
entries look like { "name", required_argument, NULL, 'x' }, and may be
spread over lines.  A name ending in LONGOPTS (HD_COMMON_LONGOPTS, ...)
is a macro that expands to more entries: its #define is looked for, with
its backslash continuations, in every LIBDIR/*.h and in the sources
themselves; macros may use other such macros.

Exit 1, with a message, when a source has no table, a LONGOPTS macro is
not defined (or defined twice differently), or an entry cannot be read,
so that a test using this never passes on an empty list.
"""

import glob
import os
import re
import sys

# Comments become a space; string and character literals are kept, so
# that "/*" inside a string is not taken for a comment.
TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)
TABLE = re.compile(r'\bstruct\s+option\s+\w+\s*\[[^\]]*\]\s*=\s*\{')
DEFINE = re.compile(r'^[ \t]*#[ \t]*define[ \t]+(\w*LONGOPTS)\b(?!\()(.*)$', re.M)
MACRO = re.compile(r'\b\w*LONGOPTS\b')
ENTRY = re.compile(r'\{\s*"([^"]*)"\s*,\s*([^,{}]+?)\s*,\s*([^,{}]+?)\s*,\s*([^,{}]+?)\s*\}')
SHORT = re.compile(r"^'(.)'$")


def die(msg):
    print(f"optable.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = TOKEN.sub(lambda m: " " if m.group(0)[0] == "/" else m.group(0), text)
    return text.replace("\\\n", " ")


def macros(paths):
    defs = {}
    for path in paths:
        for m in DEFINE.finditer(read(path)):
            name, body = m.group(1), " ".join(m.group(2).split())
            if name in defs and defs[name][0] != body:
                die(f"{name} is defined differently in {defs[name][1]} and {path}")
            defs.setdefault(name, (body, path))
    return {name: body for name, (body, _) in defs.items()}


def initialiser(text, start):
    """The text between the brace that ends at start and its match."""
    depth, i = 1, start
    while depth:
        m = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[{}]').search(text, i)
        if not m:
            return None
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
        i = m.end()
    return text[start:i - 1]


def expand(body, defs, where, depth=0):
    if depth > 10:
        die(f"{where}: LONGOPTS macros nest too deep")

    def one(m):
        if m.group(0) not in defs:
            die(f"{where}: {m.group(0)} is not #defined in any header searched")
        return expand(defs[m.group(0)], defs, where, depth + 1)

    return MACRO.sub(one, body)


def main(argv):
    if len(argv) < 2:
        print("usage: optable.py LIBDIR SOURCE...", file=sys.stderr)
        return 2
    libdir, sources = argv[0], argv[1:]
    headers = sorted(glob.glob(os.path.join(libdir, "*.h")))
    defs = macros(headers + sources)
    seen = {}
    for src in sources:
        text = read(src)
        for t in TABLE.finditer(text):
            body = initialiser(text, t.end())
            if body is None:
                die(f"{src}: a struct option table is never closed")
            body = expand(body, defs, src)
            for e in re.finditer(r'\{[^{}]*\}', body):
                if '"' not in e.group(0):
                    continue        # the terminating { NULL, 0, NULL, 0 }
                m = ENTRY.fullmatch(e.group(0))
                if not m or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", m.group(1)):
                    die(f"{src}: cannot read the entry {' '.join(e.group(0).split())}")
                short = SHORT.match(m.group(4))
                seen.setdefault(m.group(1), short.group(1) if short else "-")
    if not seen:
        die(f"no struct option table with a named entry in {' '.join(sources)}")
    for name, short in seen.items():
        print(f"{name}\t{short}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
