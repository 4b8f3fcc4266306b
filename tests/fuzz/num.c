/*
 * tests/fuzz/num.c - libFuzzer harness: numbers read and written back.
 *
 * Properties, each a trap when broken:
 *
 *   - The input bytes as text (a C string: up to a NUL byte, as every
 *     caller has it): when hd_parse_double takes them, the
 *     value is the one strtod gives (its fast path claims so), and
 *     hd_fmt_double of it reads back through hd_parse_double as the
 *     same double, bit for bit.  hd_parse_number on the same text stops
 *     where a whole number ends, and gives the value of that prefix.
 *   - The first 8 bytes as a double (any bits): a finite one formats
 *     into fewer than HD_NUMBUF bytes and reads back bit-equal; the
 *     responder's buf_json_num writes the same text, or null for NaN
 *     and the infinities.
 *
 * -0 is the one documented exception: hd_fmt_double writes it "0".
 *
 * HD_FUZZ_MUTANT builds a copy whose formatter keeps 15 digits only,
 * which loses bits: tests/fuzz.bats runs it to show that the round
 * trip check above can fail.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

#ifdef HD_FUZZ_MUTANT
static char *mutant_fmt(char buf[HD_NUMBUF], double x)
{
	snprintf(buf, HD_NUMBUF, "%.15g", x);
	return buf;
}
#define FMT mutant_fmt
#else
#define FMT hd_fmt_double
#endif

static uint64_t bits(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof u);
	return u;
}

/* x formatted must read back as x (-0 as 0); the text is returned. */
static void round_trip(double x)
{
	char buf[HD_NUMBUF], *s;
	double back;
	struct buf b = { 0 };

	if (!isfinite(x)) {
		buf_json_num(&b, x);
		if (b.oom || b.len != 4 || memcmp(b.p, "null", 4) != 0)
			__builtin_trap();
		buf_free(&b);
		return;
	}
	s = FMT(buf, x);
	if (s != buf || memchr(buf, '\0', HD_NUMBUF) == NULL)
		__builtin_trap();
	if (hd_parse_double(buf, &back) != 0)
		__builtin_trap();
	if (x == 0 ? back != 0 : bits(back) != bits(x))
		__builtin_trap();
	buf_json_num(&b, x);
	if (b.oom || b.len != strlen(buf) || memcmp(b.p, buf, b.len) != 0)
		__builtin_trap();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	double x, y;
	const char *end;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (hd_parse_double(text, &x) == 0) {
		y = strtod(text, NULL);
		if (bits(x) != bits(y))
			__builtin_trap();
		round_trip(x);
	}
	end = hd_parse_number(text, &x);
	if (end != NULL) {
		size_t n = (size_t)(end - text);
		char *prefix = malloc(n + 1);

		if (prefix == NULL)
			__builtin_trap();
		memcpy(prefix, text, n);
		prefix[n] = '\0';
		if (hd_parse_double(prefix, &y) != 0 || bits(x) != bits(y))
			__builtin_trap();
		free(prefix);
		round_trip(x);
	}
	free(text);

	if (size >= sizeof x) {
		memcpy(&x, data, sizeof x);
		round_trip(x);
	}
	return 0;
}
