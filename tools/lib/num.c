/*
 * num.c - numbers as hd reads and writes them: one checked parser for
 * decimal text (no hex, inf, nan or blanks) and the shortest exact
 * formatting of a double, and UTC times.  Pure functions: nothing here
 * prints, exits or allocates.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hd.h"

/*
 * strtod alone would take "0x1p3", "inf", "nan" and leading blanks, none
 * of which belongs in a data file, so the shape is checked first.
 */
const char *hd_parse_number(const char *s, double *out)
{
	static const double pow10[] = { 1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
		                        1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
		                        1e12, 1e13, 1e14, 1e15 };
	const char *p = s;
	int digits = 0, frac = 0, neg = 0;
	uint64_t m = 0;
	char *end;
	double x;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++, frac++)
			m = m * 10 + (uint64_t)(*p - '0');
	if (digits == 0)
		return NULL;
	/*
	 * Up to 15 digits and no exponent: m and 10^frac are exact doubles,
	 * so m / 10^frac is the double nearest the decimal, which is what
	 * strtod returns, at a fraction of its cost.
	 */
	if (*p != 'e' && *p != 'E' && digits <= 15) {
		x = (double)m / pow10[frac];
		*out = neg ? -x : x;
		return p;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	/*
	 * ERANGE is an overflow (refused: no infinities), an underflow to
	 * zero (refused: the text is no double), or a subnormal result,
	 * which is the double nearest the text, as hd_fmt_double writes
	 * it: 5e-324 reads back as DBL_TRUE_MIN.
	 */
	errno = 0;
	x = strtod(s, &end);
	if (end != p || !isfinite(x) ||
	    (errno == ERANGE && !(x != 0 && fabs(x) < DBL_MIN)))
		return NULL;
	*out = x;
	return p;
}

int hd_parse_double(const char *s, double *out)
{
	double x;
	const char *end = hd_parse_number(s, &x);

	if (end == NULL || *end != '\0')
		return -1;
	*out = x;
	return 0;
}

int hd_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Decimal digits of v (< 10^15) with k of them after the point. */
static char *fmt_fixed(char *buf, int neg, long long v, int k)
{
	char tmp[24];
	int n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || n <= k); /* at least one digit before the point */
	if (neg)
		buf[i++] = '-';
	while (n > 0) {
		if (n == k)
			buf[i++] = '.';
		buf[i++] = tmp[--n];
	}
	buf[i] = '\0';
	return buf;
}

/*
 * The shortest of 15, 16 or 17 significant digits that reads back as x,
 * for 1e-4 <= x < 1e15, in exact 128-bit integer arithmetic: x = m 2^e,
 * and a candidate N 10^-s reads back as x when it lies within half an
 * ulp, |N 2^-e - m 10^s| < 10^s / 2.  Returns NULL (use printf) when x
 * is outside that range or sits next to a power of two, where the gaps
 * below and above differ.
 */
static char *fmt_exact(char buf[HD_NUMBUF], double x)
{
	typedef unsigned __int128 u128;
	int ex, e, e10;
	double f = frexp(x, &ex);
	uint64_t m = (uint64_t)ldexp(f, 53);
	u128 p10[23];

	e = ex - 53;
	if (e >= 0 || e < -70 || m == (uint64_t)1 << 52)
		return NULL;
	p10[0] = 1;
	for (int i = 1; i < 23; i++)
		p10[i] = p10[i - 1] * 10;
	e10 = (int)floor(log10(x));
	for (int digits = 15; digits <= 17; digits++) {
		for (int tries = 0; tries < 2; tries++) {
			int s = digits - 1 - e10;
			u128 num, n, rem, half, back, diff;

			if (s < 0 || s > 22)
				return NULL;
			num = (u128)m * p10[s];
			/* nearest, ties to even, as printf rounds */
			n = num >> -e;
			rem = num - (n << -e);
			half = (u128)1 << (-e - 1);
			if (rem > half || (rem == half && (n & 1)))
				n++;
			if (n >= p10[digits]) { /* e10 was one too low */
				e10++;
				continue;
			}
			if (n < p10[digits - 1]) { /* one too high */
				e10--;
				continue;
			}
			back = n << -e;
			diff = back > num ? back - num : num - back;
			if (2 * diff >= p10[s])
				break; /* needs more digits */
			while (s > 0 && n % 10 == 0) {
				n /= 10;
				s--;
			}
			return fmt_fixed(buf, 0, (long long)n, s);
		}
	}
	return NULL;
}

char *hd_fmt_double(char buf[HD_NUMBUF], double x)
{
	static const double pow10[] = { 1, 10, 100, 1000, 10000 };
	double a = fabs(x);
	int prec;

	if (x == 0) { /* also folds -0 into 0 */
		memcpy(buf, "0", 2);
		return buf;
	}
	/*
	 * Fast path for data as people write it (63, 2.3, 0.25): if x is
	 * m / 10^k for a whole m below 10^15 and k <= 4, the division gives
	 * the double nearest m / 10^k, which is exactly what reading the
	 * decimal back gives, and it is what "%.15g" would print.
	 */
	if (a >= 1e-4 && a < 1e15) {
		for (int k = 0; k <= 4; k++) {
			double m = nearbyint(a * pow10[k]);

			if (m < 1e15 && m / pow10[k] == a)
				return fmt_fixed(buf, x < 0, (long long)m, k);
		}
		if (x > 0 && fmt_exact(buf, x) != NULL)
			return buf;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, HD_NUMBUF, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

/*
 * numpy's default ("linear") quantile of sorted x, including its way
 * of interpolating from the nearer end, so pandas' describe() agrees
 * bit for bit.
 */
double hd_quantile(const double *x, size_t n, double q)
{
	double pos = q * (double)(n - 1), t, a, b;
	size_t lo;

	if (n == 0)
		return NAN;
	lo = (size_t)floor(pos);
	t = pos - (double)lo;
	a = x[lo];
	b = x[lo + 1 < n ? lo + 1 : n - 1];
	return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

int hd_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

char *hd_utc_time(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long)t);
	return buf;
}
