/*
 * num_test.c - hd_parse_double and hd_fmt_double against the C
 * library: the fast paths must give exactly what strtod and the
 * shortest of printf's "%.15g", "%.16g", "%.17g" give.  TAP output.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd.h"
#include "tap.h"


/* The reference: shortest printf precision that reads back. */
static void slow_fmt(char buf[HD_NUMBUF], double x)
{
	if (x == 0) {
		snprintf(buf, HD_NUMBUF, "0");
		return;
	}
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, HD_NUMBUF, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* Count values of one family whose formatting differs from printf's. */
static long fmt_mismatches(int family, long n, struct hd_rng *r)
{
	char a[HD_NUMBUF], b[HD_NUMBUF];
	long bad = 0;

	for (long i = 0; i < n; i++) {
		double x;
		uint64_t u;

		switch (family) {
		case 0: x = hd_rng_double(r); break; /* probabilities */
		case 1:
			x = (double)(long)hd_rng_below(r, 1000000) /
			    pow(10, (double)hd_rng_below(r, 7));
			break; /* data */
		case 2:
			x = hd_rng_double(r) *
			    pow(10, (double)hd_rng_below(r, 24) - 6);
			break;
		default:
			u = hd_rng_next(r);
			memcpy(&x, &u, sizeof x);
			if (!isfinite(x))
				x = 0.5;
		}
		if (hd_rng_below(r, 2))
			x = -x;
		hd_fmt_double(a, x);
		slow_fmt(b, x);
		if (strcmp(a, b) != 0 || strtod(a, NULL) != x) {
			if (bad++ < 3)
				printf("# %.17g: %s, printf %s\n", x, a, b);
		}
	}
	return bad;
}

/* Random decimals of up to 18 digits: parse must equal strtod bit for bit. */
static long parse_mismatches(long n, struct hd_rng *r)
{
	char buf[64];
	long bad = 0;

	for (long i = 0; i < n; i++) {
		int nd = 1 + (int)hd_rng_below(r, 18);
		int pt = (int)hd_rng_below(r, (uint64_t)nd + 1), k = 0;
		double a, b;

		if (hd_rng_below(r, 2))
			buf[k++] = '-';
		for (int d = 0; d < nd; d++) {
			if (d == pt && d > 0)
				buf[k++] = '.';
			buf[k++] = (char)('0' + hd_rng_below(r, 10));
		}
		buf[k] = '\0';
		b = strtod(buf, NULL);
		/* The very same double, bit for bit (-0 is not 0). */
		if (hd_parse_double(buf, &a) != 0 ||
		    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
		    memcmp(&a, &b, sizeof a) != 0)
			if (bad++ < 3)
				printf("# %s: %.17g, strtod %.17g\n", buf, a,
				       b);
	}
	return bad;
}

int main(void)
{
	static const char *const family[] = { "probabilities in [0,1)",
		                              "decimals with up to 6 places",
		                              "magnitudes 1e-6 to 1e18",
		                              "any finite double" };
	static const char *const refused[] = { "",     "-",     ".",   "1e",
		                               "0x10", "inf",   "nan", " 1",
		                               "1 ",   "1.2.3", "--1", "1e400",
		                               "+" };
	struct hd_rng r;
	char what[128], buf[HD_NUMBUF];
	double x;
	int all_refused = 1;

	hd_rng_seed(&r, 20261128);
	for (int f = 0; f < 4; f++) {
		snprintf(what, sizeof what,
		         "hd_fmt_double is printf's shortest "
		         "round trip for %s",
		         family[f]);
		check(fmt_mismatches(f, 150000, &r) == 0, "%s", what);
	}
	check(parse_mismatches(300000, &r) == 0,
	      "hd_parse_double equals strtod on random decimals");
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (hd_parse_double(refused[i], &x) == 0) {
			printf("# accepted '%s'\n", refused[i]);
			all_refused = 0;
		}
	check(all_refused,
	      "hd_parse_double refuses what is not a decimal number");
	/* Subnormals: written by hd_fmt_double, they must read back (the
	 * fuzz harness tests/fuzz/num.c found that they did not). */
	{
		static const double sub[] = { DBL_TRUE_MIN, -DBL_TRUE_MIN,
			                      DBL_MIN / 3, 1e-310,
			                      DBL_MIN - DBL_TRUE_MIN };
		int back = 1;

		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
			if (hd_parse_double(hd_fmt_double(buf, sub[i]), &x) !=
			            0 ||
			    x != sub[i]) {
				printf("# %.17g: '%s' does not read back\n",
				       sub[i], buf);
				back = 0;
			}
		check(back, "subnormal doubles read back as themselves");
	}
	check(hd_parse_double("1e-400", &x) != 0 &&
	              hd_parse_double("0e-400", &x) == 0 && x == 0,
	      "a decimal that underflows to zero is refused, 0e-400 is 0");
	check(strcmp(hd_fmt_double(buf, 63.0), "63") == 0 &&
	              strcmp(hd_fmt_double(buf, .7), "0.7") == 0 &&
	              strcmp(hd_fmt_double(buf, -0.0), "0") == 0 &&
	              strcmp(hd_fmt_double(buf, 0.1 + 0.2),
	                     "0.30000000000000004") == 0,
	      "hd_fmt_double writes 63, 0.7, 0 and 0.30000000000000004");
	return tap_done();
}
