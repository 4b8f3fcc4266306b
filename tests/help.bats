#!/usr/bin/env bats
# Every program's --help against its getopt_long table and its man page:
# no printf conversion left in the text, every long option shown and in
# the usage line, every option the help names documented in the man page.
#
# The table comes from the C source (tests/optable.py): tools/hd-X.c for
# hd-X, every fcgi/*.c for hd-fcgi, with the *LONGOPTS macros of
# tools/lib/*.h expanded.  Each test goes through every program and lists
# every problem it finds, "program: problem", before failing.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || exit
	progs=$(programs)
	problems=()
}

# The long options of program $1 from its getopt_long table, one per line:
# NAME, a tab, the short option letter or "-".
longopts() {
	local src
	if [ "$1" = hd-fcgi ]; then
		src=("$REPO"/fcgi/*.c)
	else
		src=("$REPO/tools/$1.c")
	fi
	"$PY" "$REPO/tests/optable.py" "$REPO/tools/lib" "${src[@]}"
}

# The printf conversions in standard input, one per line: a % then flags,
# width, precision and length as printf reads them, then a conversion
# letter, or %%.  A % followed by a space, a digit and a space, or
# punctuation ("50 %", "55.3%)") is text, not a conversion.
conversions() {
	grep -oE '%[-+#0]*([0-9]+|\*)?(\.([0-9]+|\*)?)?(hh|h|ll|l|L|q|j|z|Z|t)?[diouxXeEfFgGaAcCsSpnm%]' || [ $? -eq 1 ]
}

# TEXT names option --$2, or -$3 when $3 is a letter (not "-").
names_option() {
	grep -qE -- "(^|[^-[:alnum:]])--$2([^-[:alnum:]]|\$)" <<<"$1" && return 0
	[ "$3" != - ] && grep -qE -- "(^|[^-[:alnum:]])-$3([^-[:alnum:]]|\$)" <<<"$1"
}

# The lines from "usage:" to the first empty line of a --help text.
usage_of() {
	awk '/^usage:/ { u = 1 } u && /^$/ { exit } u' <<<"$1"
}

# Section $2 (SYNOPSIS, OPTIONS) of man page $1, rendered.
man_section() {
	MANWIDTH=200 LC_ALL=C.UTF-8 man -l "$1" 2>/dev/null |
		awk -v want="$2" '/^[A-Z][A-Z0-9 ]*$/ { sec = $0; next } sec == want' |
		sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g'
}

problem() {
	problems+=("$p: $*")
}

# Fail, listing them, if problems were found.
no_problems() {
	[ "${#problems[@]}" -eq 0 ] && return 0
	printf '%s\n' "${problems[@]}" >&2
	return 1
}

@test "the rule for a printf conversion catches %s, %ld, %zu and %-8.3f, not '50 %' or '55.3%)'" {
	[ "$(printf '%s\n' 'seed of the folds%s (42)' 'n %ld' 'size %zu,' 'x%-8.3f' 'a %d b' '100%%' | conversions | tr '\n' ' ')" = \
		'%s %ld %zu %-8.3f %d %% ' ]
	[ -z "$(printf '%s\n' 'about 50 % of rows' '(55.3%)' '1 = 508 (55.3%), 2' 'at 5% 2' '100%.' | conversions)" ]
}

@test "no --help shows a printf conversion left unformatted" {
	for p in $progs; do
		run -0 --separate-stderr "$p" --help
		while read -r c; do
			problem "--help shows a literal '$c'"
		done < <(conversions <<<"$output" | sort -u)
	done
	no_problems
}

@test "every long option in a program's getopt_long table is in its --help, and no other" {
	for p in $progs; do
		longopts "$p" > opts
		run -0 --separate-stderr "$p" --help
		while IFS=$'\t' read -r name short; do
			names_option "$output" "$name" - || problem "--$name is in the option table but not in --help"
		done < opts
		while read -r o; do
			awk -F'\t' -v n="${o#--}" '$1 == n { f = 1 } END { exit !f }' opts ||
				problem "--help names $o, which the option table lacks"
		done < <(grep -oE -- '--[A-Za-z0-9][A-Za-z0-9-]*' <<<"$output" | sort -u)
	done
	no_problems
}

@test "every option but --help and --version is in the usage line of --help" {
	for p in $progs; do
		longopts "$p" > opts
		run -0 --separate-stderr "$p" --help
		usage=$(usage_of "$output")
		[ -n "$usage" ] || problem "--help has no usage line"
		while IFS=$'\t' read -r name short; do
			case $name in help|version) continue ;; esac
			names_option "$usage" "$name" "$short" || problem "the usage line of --help lacks --$name"
		done < opts
	done
	no_problems
}

@test "every option --help names is in the man page's OPTIONS and, but --help and --version, its SYNOPSIS" {
	for p in $progs; do
		longopts "$p" > opts
		run -0 --separate-stderr "$p" --help
		page=$(man_page "$p")
		synopsis=$(man_section "$page" SYNOPSIS)
		options=$(man_section "$page" OPTIONS)
		[ -n "$synopsis" ] || problem "${page#"$REPO"/}: no SYNOPSIS section"
		[ -n "$options" ] || problem "${page#"$REPO"/}: no OPTIONS section"
		while read -r o; do
			name=${o#--}
			short=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' opts)
			names_option "$options" "$name" - || problem "${page#"$REPO"/}: OPTIONS lacks $o"
			case $name in help|version) continue ;; esac
			names_option "$synopsis" "$name" "${short:--}" || problem "${page#"$REPO"/}: SYNOPSIS lacks $o"
		done < <(grep -oE -- '--[A-Za-z0-9][A-Za-z0-9-]*' <<<"$output" | sort -u)
	done
	no_problems
}
