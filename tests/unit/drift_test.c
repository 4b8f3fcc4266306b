/*
 * drift_test.c - the two-sample tests of drift.c at their edges: the
 * exact KS p-value against an enumeration of every merged order, ties,
 * empty and identical samples, the asymptotic fallback, the chi-squared
 * survival function against closed forms, and the 2 x k table.  TAP.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tap.h"

static int near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) || a == b;
}

/*
 * P(D >= h / lcm) by brute force: every placement of the m first-sample
 * values among m + n positions, its largest |x n - y m| over the path.
 */
static double ks_brute(int m, int n, long h, long g)
{
	long hit = 0, all = 0;

	for (unsigned long mask = 0; mask < 1UL << (m + n); mask++) {
		long x = 0, y = 0, dmax = 0;

		if (__builtin_popcountl(mask) != m)
			continue;
		for (int i = 0; i < m + n; i++) {
			long d;

			if (mask >> i & 1)
				x++;
			else
				y++;
			d = labs(x * n - y * m) / g; /* in units of 1/lcm */
			if (d > dmax)
				dmax = d;
		}
		all++;
		hit += dmax >= h;
	}
	return (double)hit / (double)all;
}

static long gcd(long a, long b)
{
	return b ? gcd(b, a % b) : a;
}

static void exact_against_enumeration(void)
{
	static const int sizes[][2] = { { 1, 5 }, { 2, 2 }, { 3, 4 }, { 5, 7 },
		                        { 6, 6 }, { 4, 8 }, { 9, 4 }, { 8, 8 } };

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		int m = sizes[s][0], n = sizes[s][1], bad = 0;
		long g = gcd(m, n), lcm = (long)m / g * n;

		for (long h = 1; h <= lcm; h++) {
			double want = ks_brute(m, n, h, g);
			double got = hd_ks_exact_p((uint64_t)m, (uint64_t)n,
			                           (uint64_t)h);

			bad += !near(got, want, 1e-12);
		}
		check(bad == 0,
		      "exact KS p-value of %d x %d = enumeration at every D "
		      "(%d off)",
		      m, n, bad);
	}
}

static void ks_cases(void)
{
	static const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6, 7 };
	static const uint64_t one[] = { 1, 1, 1, 1 };
	static const double t1[] = { 1, 2 }, t2[] = { 1, 2 };
	static const uint64_t c1[] = { 2, 1 }, c2[] = { 1, 2 };
	static const uint64_t big1[] = { 10000, 10000 },
			      big2[] = { 15000, 5000 };
	struct hd_test t;
	int rc;

	rc = hd_ks_2samp(a, one, 3, b, one, 4, &t);
	check(rc == 0 && t.statistic == 1 && near(t.p, 2.0 / 35, 1e-14) &&
	              t.exact,
	      "disjoint samples of 3 and 4: D 1, p 2 / C(7, 3) (%.17g)", t.p);
	check(hd_ks_2samp(a, one, 3, a, one, 3, &t) == 0 && t.statistic == 0 &&
	              t.p == 1,
	      "identical samples: D 0, p 1");
	/* ties: {1, 1, 2} against {1, 2, 2}; at 1 the ECDFs are 2/3 and 1/3 */
	rc = hd_ks_2samp(t1, c1, 2, t2, c2, 2, &t);
	check(rc == 0 && near(t.statistic, 1.0 / 3, 1e-15) &&
	              near(t.p, ks_brute(3, 3, 1, 3), 1e-12),
	      "ties counted as searchsorted side='right': D 1/3 (%.17g), "
	      "p %.17g",
	      t.statistic, t.p);
	check(hd_ks_2samp(a, one, 0, b, one, 4, &t) == -1 && isnan(t.p) &&
	              isnan(t.statistic),
	      "an empty sample: no test");
	/* 20000 x 20000 = 4e8 > HD_KS_EXACT_MAX: the asymptotic
	 * distribution at sqrt(10000) * 0.25 = 25, p tiny */
	rc = hd_ks_2samp(t1, big1, 2, t2, big2, 2, &t);
	check(rc == 0 && !t.exact && t.statistic == 0.25 && t.p < 1e-300,
	      "past the cut-off, asymptotic (D %g, p %g)", t.statistic, t.p);
	check(hd_ks_2samp(t1, big1, 2, t2, big1, 2, &t) == 0 && !t.exact &&
	              t.statistic == 0 && t.p == 1,
	      "past the cut-off, equal samples: p 1");
}

static void kolmogorov(void)
{
	/* P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2), summed far out */
	static const double xs[] = { 0.3, 0.5, 0.8, 0.99, 1, 1.01, 1.36, 2, 3 };
	int bad = 0;

	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double s = 0;

		for (int k = 1; k <= 2000; k++)
			s += (k % 2 ? 2 : -2) *
			     exp(-2.0 * k * k * xs[i] * xs[i]);
		bad += !near(hd_kolmogorov_sf(xs[i]), s, 1e-12);
	}
	check(bad == 0,
	      "Kolmogorov's survival function on both sides of "
	      "its switch of series (%d off)",
	      bad);
	check(hd_kolmogorov_sf(0) == 1 && hd_kolmogorov_sf(-1) == 1 &&
	              near(hd_kolmogorov_sf(1.3580986393225505), 0.05, 1e-9),
	      "Kolmogorov: 1 at 0, 0.05 at 1.358");
}

static void chi2_sf(void)
{
	int bad = 0;

	/* the closed forms: dof 2 exp(-x/2), dof 1 erfc(sqrt(x/2)), dof 4
	 * exp(-x/2)(1 + x/2), across the series / fraction switch (a + 1) */
	for (int i = 0; i < 40; i++) {
		double x = 0.01 * pow(1.3, i);

		bad += !near(hd_chi2_sf(x, 2), exp(-x / 2), 1e-12);
		bad += !near(hd_chi2_sf(x, 1), erfc(sqrt(x / 2)), 1e-10);
		bad += !near(hd_chi2_sf(x, 4), exp(-x / 2) * (1 + x / 2),
		             1e-12);
	}
	check(bad == 0,
	      "chi-squared survival = closed forms, dof 1, 2, 4 "
	      "(%d off)",
	      bad);
	check(hd_chi2_sf(0, 3) == 1 && hd_chi2_sf(INFINITY, 3) == 0 &&
	              isnan(hd_gamma_q(0, 1)) && isnan(hd_chi2_sf(NAN, 2)),
	      "chi-squared survival: 1 at 0, 0 at infinity, NaN without a "
	      "shape");
	/* a large dof: the median of chi2(100) is about 99.334 */
	check(near(hd_chi2_sf(99.33412923, 100), 0.5, 1e-6),
	      "chi-squared(100) at its median: %.12g",
	      hd_chi2_sf(99.33412923, 100));
}

static void table(void)
{
	static const uint64_t a[] = { 10, 20 }, b[] = { 30, 40 };
	static const uint64_t a0[] = { 10, 0, 20 }, b0[] = { 30, 0, 40 };
	static const uint64_t z[] = { 0, 0 }, one_a[] = { 0, 7 },
			      one_b[] = { 0, 3 };
	struct hd_test t;
	/* expected 12, 18, 28, 42 */
	double want = 4.0 / 12 + 4.0 / 18 + 4.0 / 28 + 4.0 / 42;

	int rc = hd_chi2_2xk(a, b, 2, &t);

	check(rc == 0 && near(t.statistic, want, 1e-14) && t.dof == 1 &&
	              near(t.p, erfc(sqrt(want / 2)), 1e-12),
	      "2 x 2: X^2 %.17g, p %.17g", t.statistic, t.p);
	check(hd_chi2_2xk(a0, b0, 3, &t) == 0 &&
	              near(t.statistic, want, 1e-14) && t.dof == 1,
	      "a column empty on both sides is left out");
	check(hd_chi2_2xk(one_a, one_b, 2, &t) == 0 && t.statistic == 0 &&
	              t.p == 1 && t.dof == 0,
	      "one level on both sides: X^2 0, p 1, dof 0");
	check(hd_chi2_2xk(z, b, 2, &t) == -1 && isnan(t.p),
	      "an empty side: no test");
}

static void psi(void)
{
	static const uint64_t r[] = { 50, 50, 0 }, c[] = { 50, 50, 0 },
			      d[] = { 100, 0, 0 }, e[] = { 0, 0, 0 };
	double want = (1 - 0.5) * log(1 / 0.5) +
	              (HD_PSI_FLOOR - 0.5) * log(HD_PSI_FLOOR / 0.5);

	check(hd_psi(r, c, 3) == 0, "PSI of equal shares: 0");
	check(near(hd_psi(r, d, 3), want, 1e-14),
	      "PSI with an empty bin floored at 1e-4: %.17g", hd_psi(r, d, 3));
	check(isnan(hd_psi(r, e, 3)), "PSI of an empty batch: NaN");
}

int main(void)
{
	exact_against_enumeration();
	ks_cases();
	kolmogorov();
	chi2_sf();
	table();
	psi();
	return tap_done();
}
