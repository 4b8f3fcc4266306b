#!/usr/bin/env bats
# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154
# hd-clean: raw UCI files to canonical CSV.

load test_helper

HEADER=source,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,target

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
}

@test "the four UCI files give 918 rows: 410 without and 508 with disease" {
	run -0 --separate-stderr hd-clean -v "${RAW[@]}"
	[ "${lines[0]}" = "$HEADER" ]
	[ "${#lines[@]}" -eq 919 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk -F, '$15 == 0' | wc -l)" -eq 410 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk -F, '$15 == 1' | wc -l)" -eq 508 ]
	[ "$stderr" = "hd-clean: 920 rows read, 0 bad, 2 duplicates, 918 written" ]
}

@test "every site keeps its rows and its name in the source column" {
	hd-clean "${RAW[@]}" > heart.csv
	run bash -c "tail -n +2 heart.csv | cut -d, -f1 | sort | uniq -c | awk '{print \$2, \$1}'"
	[ "$output" = "cleveland 303
hungarian 293
switzerland 123
va 199" ]
}

@test "numbers are normalised, question marks become empty, num becomes target" {
	printf '63.0,1.0,1.0,145.0,233.0,1.0,2.0,150.0,0.0,.7,3.0,0.0,6.0,2\n' > processed.x.data
	printf '28,1,2,130,?,0,2,185,0,-.5,?,?,?,0\n' >> processed.x.data
	run -0 --separate-stderr hd-clean processed.x.data
	[ "$output" = "$HEADER
x,63,1,1,145,233,1,2,150,0,0.7,3,0,6,1
x,28,1,2,130,,0,2,185,0,-0.5,,,,0" ]
}

@test "CRLF input gives the same output as LF input" {
	head -n 50 "$MIRROR/processed.va.data" > processed.va.data
	sed 's/$/\r/' processed.va.data > crlf.data
	hd-clean processed.va.data > lf.csv
	hd-clean --source va crlf.data > crlf.csv
	cmp lf.csv crlf.csv
}

@test "exact duplicate rows are written once" {
	printf '40,1,2,140,289,0,0,172,0,0,?,?,?,0\n' > processed.d.data
	printf '40.0,1,2,140,289,0,0,172,0,0,?,?,?,0\n' >> processed.d.data
	printf '40,1,2,140,289,0,0,172,0,0,?,?,?,1\n' >> processed.d.data
	run -0 --separate-stderr hd-clean processed.d.data
	[ "${#lines[@]}" -eq 3 ]
}

@test "standard input works when --source names the site" {
	run -0 --separate-stderr bash -c "hd-clean --source cleveland - < '$MIRROR/processed.cleveland.data'"
	[ "${#lines[@]}" -eq 304 ]
	[[ "${lines[1]}" == cleveland,63,1,1,145,* ]]
}

@test "standard input without --source is a usage error" {
	run -2 --separate-stderr hd-clean - < /dev/null
	[[ "${stderr_lines[0]}" == "hd-clean: reading standard input needs --source NAME to name the site" ]]
}

@test "a row with the wrong number of fields is named by file and line, exit 1" {
	printf '63,1,1,145,233,1,2,150,0,2.3,3,0,6,0\n63,1,1,145,233,1,2,150,0,2.3,3,0,6\n' > processed.b.data
	run -1 --separate-stderr hd-clean processed.b.data
	[ "${stderr_lines[0]}" = "hd-clean: processed.b.data:2: expected 14 fields, found 13" ]
	[ "${stderr_lines[1]}" = "hd-clean: 1 bad row; fix it or use --drop-bad" ]
}

@test "a non-numeric value is named by file, line and column, exit 1" {
	printf '63,1,1,145,abc,1,2,150,0,2.3,3,0,6,0\n' > processed.b.data
	run -1 --separate-stderr hd-clean processed.b.data
	[ "${stderr_lines[0]}" = "hd-clean: processed.b.data:1:5: chol: 'abc' is not a number" ]
}

@test "values outside a column's domain are errors, each with its place" {
	{
		printf '130,1,1,145,233,1,2,150,0,2.3,3,0,6,0\n'
		printf '63,2,1,145,233,1,2,150,0,2.3,3,0,6,0\n'
		printf '63,1,0,145,233,1,2,150,0,2.3,3,0,6,0\n'
		printf '63,1,1,145,233,1,2,150,0,2.3,3,0,5,0\n'
		printf '63,1,1,145,233,1,2,150,0,2.3,3,0,6,7\n'
		printf '63,1,1,145,233,1,2,150,0,2.3,3,0,6,?\n'
		printf '63,1,1.5,145,233,1,2,150,0,2.3,3,0,6,0\n'
	} > processed.b.data
	run -1 --separate-stderr hd-clean processed.b.data
	[ "$stderr" = "hd-clean: processed.b.data:1:1: age: '130' is out of range (0 to 120)
hd-clean: processed.b.data:2:2: sex: '2' is out of range (0, 1)
hd-clean: processed.b.data:3:3: cp: '0' is not a documented level (1, 2, 3, 4)
hd-clean: processed.b.data:4:13: thal: '5' is not a documented level (3, 6, 7)
hd-clean: processed.b.data:5:14: num: '7' is not 0, 1, 2, 3 or 4
hd-clean: processed.b.data:6:14: num: missing; every row needs its diagnosis
hd-clean: processed.b.data:7:3: cp: '1.5' is not a whole number (1, 2, 3, 4)
hd-clean: 7 bad rows; fix them or use --drop-bad" ]
}

@test "--drop-bad drops bad rows, counts them and exits 0" {
	cp "$MIRROR/processed.cleveland.data" processed.c.data
	printf '63,1,1,145,abc,1,2,150,0,2.3,3,0,6,0\n1,2,3\n' >> processed.c.data
	run -0 --separate-stderr hd-clean --drop-bad processed.c.data
	[ "${#lines[@]}" -eq 304 ]
	[ "${stderr_lines[-1]}" = "hd-clean: dropped 2 bad rows" ]
}

@test "zeros in chol and trestbps are kept by default and become missing with --zeros-missing" {
	printf '50,1,4,0,0,0,0,140,0,0,?,?,?,1\n' > processed.z.data
	run hd-clean processed.z.data
	[ "${lines[1]}" = 'z,50,1,4,0,0,0,0,140,0,0,,,,1' ]
	run hd-clean --zeros-missing processed.z.data
	[ "${lines[1]}" = 'z,50,1,4,,,0,0,140,0,0,,,,1' ]
	hd-clean --zeros-missing "${RAW[@]}" > heart.csv
	[ "$(awk -F, 'NR > 1 && $6 == ""' heart.csv | wc -l)" -gt 170 ]
}

@test "-o writes the file whole and leaves nothing behind on failure" {
	hd-clean -o out.csv "$MIRROR/processed.cleveland.data"
	[ "$(wc -l < out.csv)" -eq 304 ]
	printf '1,2,3\n' > processed.b.data
	run -1 hd-clean -o bad.csv processed.b.data
	[ ! -e bad.csv ]
	! compgen -G "*tmp*" >/dev/null || fail "a temporary file is left: $(echo *tmp*)"
	# a failed run keeps the earlier good file untouched
	cp out.csv before.csv
	run -1 hd-clean -o out.csv processed.b.data
	cmp out.csv before.csv
}

@test "a missing input file is an I/O error naming the file" {
	run -1 --separate-stderr hd-clean /no/such/file.data
	[ "$stderr" = "hd-clean: /no/such/file.data: No such file or directory" ]
}

@test "an unclosed quote is a CSV error with its line" {
	printf '63,1,1,145,233,1,2,150,0,2.3,3,0,6,0\n"63,1\n' > processed.q.data
	run -1 --separate-stderr hd-clean processed.q.data
	[ "$stderr" = "hd-clean: processed.q.data:2: quoted field is never closed" ]
}

@test "the same input gives byte-identical output" {
	hd-clean "${RAW[@]}" > a.csv
	hd-clean "${RAW[@]}" > b.csv
	cmp a.csv b.csv
}

@test "-o to a device writes through it and never replaces it" {
	run -0 hd-clean -o /dev/null "$MIRROR/processed.va.data"
	[ -c /dev/null ]
	mkfifo fifo
	cat fifo > got &
	hd-clean -o fifo "$MIRROR/processed.va.data"
	wait
	[ -p fifo ]
	[ "$(wc -l < got)" -eq 200 ]
}

@test "a --source of any length keeps every row" {
	src=$(printf 'x%.0s' $(seq 1 2000))
	run -0 --separate-stderr hd-clean -v --source "$src" < "$MIRROR/processed.va.data"
	[ "${#lines[@]}" -eq 200 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | cut -d, -f1 | sort -u)" = "$src" ]
	[ "$stderr" = "hd-clean: 200 rows read, 0 bad, 1 duplicates, 199 written" ]
}

@test "a value with blanks around it is not a number, in raw files as in clean ones" {
	printf '63 ,1,1,145,233,1,2,150,0,2.3,3,0,6,0\n' > a.data
	run -1 --separate-stderr hd-clean a.data
	[ "${stderr_lines[0]}" = "hd-clean: a.data:1:1: age: '63 ' is not a number" ]
}

@test "a control character or a huge field is shown escaped and cut, never raw" {
	printf '6\0333,1,1,145,233,1,2,150,0,2.3,3,0,6,0\n' > esc.data
	run -1 --separate-stderr hd-clean esc.data
	[ "${stderr_lines[0]}" = "hd-clean: esc.data:1:1: age: '6\\x1b3' is not a number" ]
	{ head -c 1000000 /dev/zero | tr '\0' 'a'; printf ',1,1,145,233,1,2,150,0,2.3,3,0,6,0\n'; } > big.data
	run -1 --separate-stderr hd-clean big.data
	[ "${stderr_lines[0]}" = "hd-clean: big.data:1:1: age: '$(printf 'a%.0s' $(seq 1 40))...(1000000 bytes)' is not a number" ]
}
