#!/usr/bin/env bats
# stderr is set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# The contract Hadoop Streaming and Spark's RDD.pipe() rely on: a file
# cut into pieces at line ends, each piece scored by a process of its
# own (hd-predict's streaming mode), the outputs concatenated in order,
# equal byte for byte to one run over the whole file.  A piece may
# begin with the header line (Hadoop's first split does, and a cat of
# files with headers puts one anywhere), may end in CRLF, may be one
# line or none.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit
	uci_split
	hd-fit-lr --cv 0 -o lr.json train.csv
	hd-fit-rf --cv 0 --trees 25 -o rf.json train.csv
	# the test rows ten times over, each with a key of its own
	awk -F, -v OFS=, 'NR == 1 { print "id", $0; next } { r[++n] = $0 }
		END { for (i = 1; i <= 10 * n; i++) print "p" i, r[(i - 1) % n + 1] }' test.csv > keyed.csv
}

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	for f in keyed.csv lr.json rf.json; do
		ln -s "$BATS_FILE_TMPDIR/$f" .
	done
	H=$(head -n 1 keyed.csv)
}

# cut_pieces FILE DIR: FILE (header first) cut at line ends into pieces
# DIR/NNN of random sizes (a fixed seed), 1 to 120 lines, and among them
# a piece of one line and an empty piece; every third piece begins with
# the header, every fourth ends its lines in CRLF, the last has no final
# newline.  Prints the number of pieces.
cut_pieces() {
	"$PY" - "$1" "$2" <<-'EOF'
	import os, random, sys
	src, out = sys.argv[1], sys.argv[2]
	lines = open(src, newline="").read().splitlines()
	header, rows = lines[0], lines[1:]
	rnd = random.Random(14)
	pieces, i = [], 0
	while i < len(rows):
	    k = 1 if len(pieces) == 3 else rnd.randint(1, 120)
	    pieces.append(rows[i:i + k])
	    i += k
	    if len(pieces) == 5:
	        pieces.append([])
	os.makedirs(out, exist_ok=True)
	for n, p in enumerate(pieces):
	    if n % 3 == 0 and p:
	        p = [header] + p
	    end = "\r\n" if n % 4 == 1 else "\n"
	    text = "".join(line + end for line in p)
	    if n == len(pieces) - 1:
	        text = text[:-len(end)]
	    with open(os.path.join(out, "%03d" % n), "w", newline="") as f:
	        f.write(text)
	print(len(pieces))
	EOF
}

# score_pieces MODEL DIR: each piece of DIR by a process of its own, the
# outputs concatenated in the pieces' order.
score_pieces() {
	local p
	for p in "$2"/*; do
		hd-predict --columns "$H" --key id "$1" "$p" || return 1
	done
}

@test "the pieces cover the file: every row once, one piece of one line, an empty one, headers and CRLF among them" {
	n=$(cut_pieces keyed.csv pieces)
	[ "$n" -gt 20 ]
	# every row exactly once, in order, once headers and CRs are taken out
	cat pieces/* | tr -d '\r' | grep -vxF "$H" | cmp - <(tail -n +2 keyed.csv)
	[ "$(find pieces -type f -empty | wc -l)" -eq 1 ]
	[ "$(grep -lxF "$H" pieces/* | wc -l)" -ge 5 ]
	[ "$(grep -l $'\r$' pieces/* | wc -l)" -ge 5 ]
	[ "$(grep -c '' pieces/003)" -eq 2 ] # the header and one row
}

@test "pieces scored by separate processes concatenate to the whole-file run, byte for byte (logistic regression)" {
	cut_pieces keyed.csv pieces > /dev/null
	score_pieces lr.json pieces > parts.out
	hd-predict --columns "$H" --key id lr.json keyed.csv > whole.out
	[ "$(wc -l < whole.out)" -eq "$(($(wc -l < keyed.csv) - 1))" ]
	cmp parts.out whole.out
	# and the same doubles as the header mode writes for those rows
	hd-predict lr.json keyed.csv | tail -n +2 | awk -F, -v OFS=, '{ print $1, $(NF - 1), $NF }' | cmp - whole.out
}

@test "pieces scored by separate processes concatenate to the whole-file run, byte for byte (random forest)" {
	cut_pieces keyed.csv pieces > /dev/null
	score_pieces rf.json pieces > parts.out
	hd-predict --columns "$H" --key id rf.json keyed.csv > whole.out
	cmp parts.out whole.out
	hd-predict rf.json keyed.csv | tail -n +2 | cut -d, -f17,18 > header-mode
	cut -d, -f2,3 whole.out | cmp - header-mode
}

@test "an empty piece and a piece of only the header write nothing and succeed" {
	: > empty
	run -0 --separate-stderr hd-predict --columns "$H" --key id lr.json empty
	[ -z "$output" ] && [ -z "$stderr" ]
	printf '%s\r\n' "$H" > header-only
	run -0 --separate-stderr hd-predict --columns "$H" --key id lr.json header-only
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "GNU split's pieces, scored by a filter each, are the whole-file run too" {
	split -l 97 --filter "hd-predict --columns '$H' --key id lr.json" keyed.csv > split.out
	hd-predict --columns "$H" --key id lr.json keyed.csv | cmp - split.out
}
