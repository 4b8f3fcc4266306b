"""Independent reimplementation of hd-split's documented algorithm.

Reads clean CSV on stdin and prints the test rows (or, with --folds K,
every row with its fold) exactly as hd-split's man page says it chooses
them, so the test suite can check the C code against the documentation.
usage: split_reference.py SEED TEST_SIZE | split_reference.py SEED --folds K
"""
import csv
import math
import sys

M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro:
    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed, v = splitmix64(seed)
            self.s.append(v)

    def next(self):
        s = self.s
        out = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return out

    def below(self, n):
        limit = M - (M % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n


def shuffle(rng, idx):
    for i in range(len(idx), 1, -1):
        j = rng.below(i)
        idx[i - 1], idx[j] = idx[j], idx[i - 1]


def main():
    rows = list(csv.reader(sys.stdin))
    header, rows = rows[0], rows[1:]
    y = [int(r[header.index("target")]) for r in rows]
    seed = int(sys.argv[1])
    rng = Xoshiro(seed)
    by_class = [[i for i in range(len(rows)) if y[i] == c] for c in (0, 1)]
    out = csv.writer(sys.stdout, lineterminator="\n")
    if sys.argv[2] == "--folds":
        k = int(sys.argv[3])
        fold = [0] * len(rows)
        deal = 0
        for idx in by_class:
            shuffle(rng, idx)
            for i in idx:
                fold[i] = deal % k
                deal += 1
        for r, f in zip(rows, fold):
            out.writerow(r + [f])
        return
    frac = float(sys.argv[2])
    n = len(rows)
    n_test = math.ceil(frac * n - 1e-9)
    want = [n_test * len(c) / n for c in by_class]
    take = [math.floor(w) for w in want]
    if sum(take) < n_test:
        f0, f1 = want[0] - take[0], want[1] - take[1]
        c = 1 if (f1 > f0 or (f1 == f0 and len(by_class[1]) > len(by_class[0]))) else 0
        take[c] += 1
    test = set()
    for c, idx in enumerate(by_class):
        shuffle(rng, idx)
        test.update(idx[: take[c]])
    for i, r in enumerate(rows):
        if i in test:
            out.writerow(r)


if __name__ == "__main__":
    main()
