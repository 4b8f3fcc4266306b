#!/usr/bin/python3
"""Compare decimal numbers as the doubles they parse to.

    same_double.py A B [TOL]
        exit 0 if A and B parse to the same double, or to doubles at most
        TOL apart (TOL defaults to 0: exact equality); otherwise print
        both values on standard error and exit 1.

    same_double.py --lines FILE1 FILE2 [TOL]
        the same for every line of FILE1 against the same line of FILE2;
        the files must have as many lines.  The first mismatch is printed
        with its line number.

Anything that is not a number is an error (exit 1), never a match.
test_helper.bash wraps both forms as same_double and same_double_lines.
"""

import math
import sys


def number(text, what):
    try:
        return float(text)
    except ValueError:
        raise SystemExit(f"same_double: {what} {text!r} is not a number")


def differ(a, b, tol):
    """None when a and b agree within tol, else a description."""
    x, y = number(a, "A"), number(b, "B")
    if x == y or abs(x - y) <= tol:
        return None
    if math.isnan(x) or math.isnan(y):
        return f"{a} != {b} (NaN)"
    if tol == 0:
        return f"{a} != {b} (they differ by {abs(x - y)!r})"
    return f"{a} != {b} within {tol!r} (they differ by {abs(x - y)!r})"


def tolerance(args):
    if not args:
        return 0.0
    tol = number(args[0], "TOL")
    if not tol >= 0:
        raise SystemExit(f"same_double: TOL {args[0]!r} must be >= 0")
    return tol


def main(argv):
    if len(argv) >= 3 and argv[0] == "--lines" and len(argv) <= 4:
        with open(argv[1]) as f1, open(argv[2]) as f2:
            left, right = f1.read().splitlines(), f2.read().splitlines()
        tol = tolerance(argv[3:])
        if len(left) != len(right):
            print(f"same_double: {argv[1]} has {len(left)} lines, "
                  f"{argv[2]} {len(right)}", file=sys.stderr)
            return 1
        for i, (a, b) in enumerate(zip(left, right), 1):
            why = differ(a.strip(), b.strip(), tol)
            if why:
                print(f"same_double: line {i}: {why}", file=sys.stderr)
                return 1
        return 0
    if 2 <= len(argv) <= 3 and argv[0] != "--lines":
        why = differ(argv[0], argv[1], tolerance(argv[2:]))
        if why:
            print(f"same_double: {why}", file=sys.stderr)
            return 1
        return 0
    print("usage: same_double.py A B [TOL] | --lines FILE1 FILE2 [TOL]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
