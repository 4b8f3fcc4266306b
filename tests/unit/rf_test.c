/*
 * rf_test.c - unit tests and a speed benchmark for the random forest
 * (tools/lib/rf.c, tools/lib/forest.c).  Prints "ok N - ..." or
 * "not ok N - ..." per check, "# ..." notes and a closing "1..N"
 * (TAP); exits 0 when every check passed (tap.h).  It needs only rf.c,
 * forest.c, rng.c, num.c and util.c:
 *
 *   cc -std=c11 -O2 -Wall -Wextra -Werror -pthread -Itools/lib \
 *      tests/unit/rf_test.c tools/lib/rf.c tools/lib/forest.c \
 *      tools/lib/rng.c tools/lib/num.c tools/lib/util.c -lm
 *
 * or link build/libhd.a (-lcsv -lcjson -lnettle -lm) instead of the
 * sources; make builds it as build/tests/rf_test.  --bench adds
 * the timings (make bench runs that; the test suite never times).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tap.h"

/* ---------------------------------------------------------------------
 * Synthetic data
 * ------------------------------------------------------------------- */

static double gauss(struct hd_rng *r)
{
	double u = hd_rng_double(r), v = hd_rng_double(r);

	return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v);
}

/* The one-hot groups of the UCI encoding: sex cp fbs restecg exang slope ca thal. */
static const int groups[] = { 2, 4, 2, 3, 2, 3, 4, 3 };
#define N_GROUPS (int)(sizeof groups / sizeof groups[0])
#define DIM_UCI 28 /* 5 numeric slots + 23 one-hot slots */

/*
 * Data shaped like the encoded UCI set: n x 28, five numeric slots with
 * clinical-looking integer or one-decimal values, standardised, then
 * eight one-hot groups.  The label depends on a noisy latent risk.
 */
static void make_uci_like(size_t n, uint64_t seed, double **Zp, uint8_t **yp)
{
	static const double mean[5] = { 54, 132, 200, 137, 0.9 };
	static const double sd[5] = { 9, 18, 60, 25, 1.1 };
	static const double unit[5] = { 1, 1, 1, 1, 0.1 };
	double *Z = hd_xmalloc(n * DIM_UCI * sizeof *Z);
	uint8_t *y = hd_xmalloc(n);
	struct hd_rng r;

	hd_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double *z = Z + i * DIM_UCI;
		double risk = gauss(&r);
		int s = 5;

		for (int f = 0; f < 5; f++) {
			double x = mean[f] + sd[f] * (0.5 * risk + gauss(&r));

			x = round(x / unit[f]) * unit[f];
			z[f] = (x - mean[f]) / sd[f];
		}
		for (int g = 0; g < N_GROUPS; g++) {
			int k = (int)hd_rng_below(&r, (uint64_t)groups[g]);

			/* Higher risk leans towards the last level. */
			if (risk > 0.5 && hd_rng_double(&r) < 0.4)
				k = groups[g] - 1;
			for (int l = 0; l < groups[g]; l++)
				z[s + l] = l == k;
			s += groups[g];
		}
		y[i] = risk + 0.8 * gauss(&r) > 0;
	}
	*Zp = Z;
	*yp = y;
}

/* Uniform points in [-1, 1]^dim. */
static double *make_uniform(size_t n, int dim, uint64_t seed)
{
	double *Z = hd_xmalloc(n * (size_t)dim * sizeof *Z);
	struct hd_rng r;

	hd_rng_seed(&r, seed);
	for (size_t i = 0; i < n * (size_t)dim; i++)
		Z[i] = 2 * hd_rng_double(&r) - 1;
	return Z;
}

/* The very same double, bit for bit. */
static int same_bits(double a, double b)
{
	uint64_t x, y;

	memcpy(&x, &a, sizeof x);
	memcpy(&y, &b, sizeof y);
	return x == y;
}

/* The library's defaults, on one thread unless a test says otherwise. */
static struct hd_rf_opts defaults(void)
{
	struct hd_rf_opts o = hd_rf_defaults;

	o.jobs = 1;
	return o;
}

/* ---------------------------------------------------------------------
 * Helpers over fitted trees
 * ------------------------------------------------------------------- */

static int same_tree(const struct hd_tree *a, const struct hd_tree *b)
{
	size_t n = (size_t)a->n_nodes;

	return a->n_nodes == b->n_nodes &&
	       memcmp(a->feature, b->feature, n * sizeof *a->feature) == 0 &&
	       memcmp(a->threshold, b->threshold, n * sizeof *a->threshold) ==
	               0 &&
	       memcmp(a->left, b->left, n * sizeof *a->left) == 0 &&
	       memcmp(a->right, b->right, n * sizeof *a->right) == 0 &&
	       memcmp(a->value, b->value, n * sizeof *a->value) == 0;
}

static int same_forest(const struct hd_rf *a, const struct hd_rf *b)
{
	if (a->dim != b->dim || a->n_trees != b->n_trees)
		return 0;
	for (int t = 0; t < a->n_trees; t++)
		if (!same_tree(&a->trees[t], &b->trees[t]))
			return 0;
	return 1;
}

/*
 * The shape every tree must have: children numbered after their parent
 * (the left one right after it), slots in range, leaves with no test,
 * values in [0, 1].  Returns 0 and a reason on the first fault.
 */
static int well_formed(const struct hd_rf *m, char *why, size_t len)
{
	for (int t = 0; t < m->n_trees; t++) {
		const struct hd_tree *tr = &m->trees[t];

		if (tr->n_nodes < 1) {
			snprintf(why, len, "tree %d is empty", t);
			return 0;
		}
		for (int k = 0; k < tr->n_nodes; k++) {
			int l = tr->left[k], r = tr->right[k];

			if (!(tr->value[k] >= 0 && tr->value[k] <= 1)) {
				snprintf(why, len, "tree %d node %d value %g",
				         t, k, tr->value[k]);
				return 0;
			}
			if (l < 0 && r < 0)
				continue;
			if (l != k + 1 || r <= l || r >= tr->n_nodes ||
			    tr->feature[k] < 0 || tr->feature[k] >= m->dim ||
			    !isfinite(tr->threshold[k])) {
				snprintf(why, len,
				         "tree %d node %d: f %d l %d r %d", t,
				         k, tr->feature[k], l, r);
				return 0;
			}
		}
	}
	return 1;
}

/* ROC-AUC by pairs, ties half: slow but obviously right. */
static double auc_pairs(const double *p, const uint8_t *y, size_t n)
{
	double num = 0, den = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (y[i] && !y[j]) {
				den++;
				num += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
			}
	return num / den;
}

/* sum_c w_c^2 / w of a set of rows, the splitter's measure of purity. */
static double purity(double w0, double w1)
{
	return (w0 * w0 + w1 * w1) / (w0 + w1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Brute force: the best purity any slot and midpoint can reach on rows
 * idx[0..m) with every row weighing 1 and min_samples_leaf msl.
 */
static double best_purity(const double *Z, const uint8_t *y, int dim,
                          const size_t *idx, size_t m, int msl)
{
	double best = -HUGE_VAL;
	double *v = hd_xmalloc(m * sizeof *v);

	for (int f = 0; f < dim; f++) {
		for (size_t k = 0; k < m; k++)
			v[k] = Z[idx[k] * (size_t)dim + (size_t)f];
		qsort(v, m, sizeof *v, cmp_double);
		for (size_t k = 1; k < m; k++) {
			double thr = v[k - 1] / 2 + v[k] / 2;
			double l[2] = { 0, 0 }, r[2] = { 0, 0 };

			if (v[k] == v[k - 1])
				continue;
			for (size_t q = 0; q < m; q++) {
				const double *z = Z + idx[q] * (size_t)dim;

				if (z[f] <= thr)
					l[y[idx[q]]]++;
				else
					r[y[idx[q]]]++;
			}
			if (l[0] + l[1] < msl || r[0] + r[1] < msl)
				continue;
			double p = purity(l[0], l[1]) + purity(r[0], r[1]);
			if (p > best)
				best = p;
		}
	}
	free(v);
	return best;
}

/* ---------------------------------------------------------------------
 * The checks
 * ------------------------------------------------------------------- */

static void test_separable(void)
{
	size_t n = 200;
	int dim = 4;
	double *Z = make_uniform(n, dim, 1);
	uint8_t *y = hd_xmalloc(n);
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	int exact = 1;

	for (size_t i = 0; i < n; i++)
		y[i] = Z[i * dim] + Z[i * dim + 1] > 0;

	o.n_trees = 50;
	o.bootstrap = 0;
	check(hd_rf_fit(&m, Z, y, n, dim, &o) == 0, "fit on separable data");
	for (size_t i = 0; i < n; i++)
		exact &= hd_rf_prob(&m, Z + i * dim) == (y[i] ? 1.0 : 0.0);
	check(exact,
	      "without bootstrap, separable training points get exactly 1 or 0");
	hd_rf_free(&m);

	/*
	 * One slot separating the classes, with bootstrap: a row left out
	 * of a tree may fall on the wrong side of that tree's cut, which
	 * lies somewhere between the drawn rows either side of the gap, so
	 * only rows away from the gap are certain; all are on their side
	 * of 1/2.
	 */
	double *z1 = hd_xmalloc(n * sizeof *z1);
	for (size_t i = 0; i < n; i++)
		z1[i] = Z[i * dim];
	uint8_t *y1 = hd_xmalloc(n);
	for (size_t i = 0; i < n; i++)
		y1[i] = z1[i] > 0.1;
	o.bootstrap = 1;
	exact = hd_rf_fit(&m, z1, y1, n, 1, &o) == 0;
	int side = exact;
	for (size_t i = 0; i < n; i++) {
		double p = hd_rf_prob(&m, z1 + i);

		side &= y1[i] ? p > 0.5 : p < 0.5;
		if (fabs(z1[i] - 0.1) > 0.1)
			exact &= p == (y1[i] ? 1.0 : 0.0);
	}
	check(side,
	      "with bootstrap, separable training points fall on their side of 1/2");
	check(exact,
	      "with bootstrap, those away from the gap get exactly 1 or 0");
	hd_rf_free(&m);
	free(z1);
	free(y1);
	free(Z);
	free(y);
}

static void test_constant_label(void)
{
	size_t n = 100;
	int dim = 6;
	double *Z = make_uniform(n, dim, 2);
	uint8_t *y = hd_xmalloc(n);
	struct hd_rf_opts o = defaults();
	struct hd_rf m;

	o.n_trees = 20;
	for (int c = 0; c < 2; c++) {
		int ok = 1;

		memset(y, c, n);
		ok &= hd_rf_fit(&m, Z, y, n, dim, &o) == 0;
		for (int t = 0; ok && t < m.n_trees; t++)
			ok &= m.trees[t].n_nodes == 1 &&
			      m.trees[t].left[0] == -1 &&
			      m.trees[t].value[0] == c;
		ok &= hd_rf_prob(&m, Z) == c;
		check(ok, "every label %d: each tree is one leaf of value %d",
		      c, c);
		hd_rf_free(&m);
	}
	free(Z);
	free(y);
}

static void test_stumps(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	int ok, three = 0;

	o.max_depth = 1;
	ok = hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == 0;
	for (int t = 0; ok && t < m.n_trees; t++) {
		const struct hd_tree *tr = &m.trees[t];

		ok &= tr->n_nodes == 1 ||
		      (tr->n_nodes == 3 && tr->left[1] == -1 &&
		       tr->left[2] == -1);
		three += tr->n_nodes == 3;
	}
	check(ok && three == m.n_trees, "max_depth 1 gives stumps of 3 nodes");
	hd_rf_free(&m);
}

static void test_threads(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf one, two, three, many;

	o.n_trees = 60;
	o.jobs = 1;
	hd_rf_fit(&one, Z, y, n, DIM_UCI, &o);
	o.jobs = 2;
	hd_rf_fit(&two, Z, y, n, DIM_UCI, &o);
	o.jobs = 3;
	hd_rf_fit(&three, Z, y, n, DIM_UCI, &o);
	o.jobs = 0;
	hd_rf_fit(&many, Z, y, n, DIM_UCI, &o);
	check(same_forest(&one, &two), "jobs 1 and 2 grow identical trees");
	check(same_forest(&one, &three), "jobs 1 and 3 grow identical trees");
	check(same_forest(&one, &many),
	      "jobs 0 (every CPU) grows identical trees");
	hd_rf_free(&one);
	hd_rf_free(&two);
	hd_rf_free(&three);
	hd_rf_free(&many);
}

/*
 * Forests fitted together on one pool (cross-validation's way) are the
 * forests fitted one by one, whatever the threads, even when their rows
 * and widths differ.
 */
static void test_many(const double *Z, const uint8_t *y, size_t n)
{
	enum { DIM_U = 7 };
	double *U = make_uniform(300, DIM_U, 5);
	uint8_t *yu = hd_xmalloc(300);
	struct hd_rf_opts o = defaults();
	struct hd_rf alone[3], pool[3];
	int same = 1;

	for (size_t i = 0; i < 300; i++)
		yu[i] = U[i * DIM_U] + U[i * DIM_U + 1] > 0;
	const struct hd_rf_job jobs[3] = {
		{ Z, y, n, DIM_UCI },
		{ Z + (n / 3) * DIM_UCI, y + n / 3, n - n / 3, DIM_UCI },
		{ U, yu, 300, DIM_U },
	};
	o.n_trees = 25;
	for (int f = 0; f < 3; f++)
		hd_rf_fit(&alone[f], jobs[f].Z, jobs[f].y, jobs[f].n,
		          jobs[f].dim, &o);
	for (int threads = 1; threads <= 3; threads++) {
		o.jobs = threads;
		check(hd_rf_fit_many(pool, jobs, 3, &o) == 0,
		      "three forests on one pool of %d thread%s", threads,
		      threads > 1 ? "s" : "");
		for (int f = 0; f < 3; f++) {
			same &= same_forest(&alone[f], &pool[f]);
			hd_rf_free(&pool[f]);
		}
	}
	check(same, "each forest of the pool is the forest fitted alone");
	struct hd_rf_job bad[2] = { jobs[0], { Z, y, 0, DIM_UCI } };
	errno = 0;
	check(hd_rf_fit_many(pool, bad, 2, &o) == -1 && errno == EINVAL &&
	              pool[0].n_trees == 0 && pool[1].trees == NULL,
	      "a pool with one empty job is refused, nothing fitted");
	for (int f = 0; f < 3; f++)
		hd_rf_free(&alone[f]);
	free(U);
	free(yu);
}

/* Scoring a block of rows gives hd_rf_prob's doubles, bit for bit, for
 * every count of rows around the lanes' width. */
static void test_prob_rows(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	size_t rows = 37;
	double *B = hd_xmalloc(rows * (DIM_UCI + 1) * sizeof *B);
	double p[37];
	int same = 1;

	o.n_trees = 40;
	hd_rf_fit(&m, Z, y, n, DIM_UCI, &o);
	/* As fitted, then with the narrow form a batch scorer builds. */
	for (int narrow = 0; narrow <= 1; narrow++) {
		if (narrow)
			check(hd_rf_narrow(&m) == 0 && m.qnode != NULL,
			      "a UCI-like forest has a narrow form");
		else
			check(m.qnode == NULL, "a fit builds no narrow form");
		same = 1;
		for (size_t count = 0; count <= rows; count++) {
			for (size_t i = 0; i < count; i++)
				memcpy(B + i * (DIM_UCI + 1),
				       Z + (i * 13 % n) * DIM_UCI,
				       DIM_UCI * sizeof *B);
			hd_rf_prob_rows(&m, B, count, p);
			for (size_t i = 0; i < count; i++) {
				double q = hd_rf_prob(&m, Z + (i * 13 %
				                               n) * DIM_UCI);

				same &= same_bits(p[i], q);
			}
		}
		check(same,
		      "hd_rf_prob_rows gives hd_rf_prob's doubles for 0 to 37 "
		      "rows, %s the narrow form",
		      narrow ? "with" : "without");
	}

	/* Through the compact form, as a version 2 file loads: the narrow
	 * form alone, walked one row at a time too. */
	{
		struct hd_rf_code code;
		struct hd_rf back;
		char why[200];
		int ok = hd_rf_encode(&m, &code) == 0 &&
		         hd_rf_decode(&back, DIM_UCI, &code, why, sizeof why) ==
		                 0;

		check(ok && back.nodes == NULL && back.qnode != NULL,
		      "a decoded UCI-like forest is held in the narrow form "
		      "alone");
		same = ok;
		for (size_t i = 0; ok && i < rows; i++) {
			double q = hd_rf_prob(&m, Z + (i * 13 % n) * DIM_UCI);
			double r =
				hd_rf_prob(&back, Z + (i * 13 % n) * DIM_UCI);

			memcpy(B + i * (DIM_UCI + 1),
			       Z + (i * 13 % n) * DIM_UCI, DIM_UCI * sizeof *B);
			same &= same_bits(q, r);
		}
		if (ok)
			hd_rf_prob_rows(&back, B, rows, p);
		for (size_t i = 0; ok && i < rows; i++) {
			double q = hd_rf_prob(&m, Z + (i * 13 % n) * DIM_UCI);

			same &= same_bits(p[i], q);
		}
		check(same, "it scores the doubles of the fitted forest, one "
		            "row and a block at a time");
		hd_rf_code_free(&code);
		check(ok && hd_rf_encode(&back, &code) == -1,
		      "a forest without nodes[] is not encoded again");
		hd_rf_code_free(&code);
		hd_rf_free(&back);
	}
	free(B);
	hd_rf_free(&m);

	/* 40 slots: no narrow form, the rows walk the doubles. */
	enum { WIDE = 40 };
	double *U = make_uniform(200, WIDE, 9);
	uint8_t yu[200];

	for (size_t i = 0; i < 200; i++)
		yu[i] = U[i * WIDE + 3] > 0.1;
	hd_rf_fit(&m, U, yu, 200, WIDE, &o);
	check(hd_rf_narrow(&m) == 0,
	      "hd_rf_narrow of a 40-slot forest is not an error");
	B = hd_xmalloc(rows * (WIDE + 1) * sizeof *B);
	for (size_t i = 0; i < rows; i++)
		memcpy(B + i * (WIDE + 1), U + i * 5 * WIDE, WIDE * sizeof *B);
	hd_rf_prob_rows(&m, B, rows, p);
	same = m.qnode == NULL;
	for (size_t i = 0; i < rows; i++) {
		double q = hd_rf_prob(&m, U + i * 5 * WIDE);

		same &= same_bits(p[i], q);
	}
	check(same,
	      "a 40-slot forest has no narrow form and gives the same doubles");
	free(B);
	free(U);
	hd_rf_free(&m);
}

static void test_seeds(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf a, b, c;
	int differ = 0;

	o.n_trees = 30;
	hd_rf_fit(&a, Z, y, n, DIM_UCI, &o);
	hd_rf_fit(&b, Z, y, n, DIM_UCI, &o);
	o.seed = 43;
	hd_rf_fit(&c, Z, y, n, DIM_UCI, &o);
	check(same_forest(&a, &b), "the same seed grows identical forests");
	for (int t = 0; t < a.n_trees; t++)
		differ += !same_tree(&a.trees[t], &c.trees[t]);
	check(differ == a.n_trees, "another seed changes every tree (%d of %d)",
	      differ, a.n_trees);
	/* Trees of one forest must not repeat each other either. */
	int repeats = 0;
	for (int t = 1; t < a.n_trees; t++)
		repeats += same_tree(&a.trees[t], &a.trees[t - 1]);
	check(repeats == 0, "the trees of one forest all differ");
	hd_rf_free(&a);
	hd_rf_free(&b);
	hd_rf_free(&c);
}

/*
 * Without bootstrap every row weighs 1, so routing the training rows
 * recovers each node's sample: leaves hold min_samples_leaf rows or
 * more, split nodes min_samples_split, and a leaf's value is its
 * fraction of class 1.
 */
static void test_node_sizes(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	int leaf_ok = 1, split_ok = 1, value_ok = 1, smallest = INT32_MAX;

	o.n_trees = 40;
	o.bootstrap = 0;
	o.min_samples_leaf = 5;
	o.min_samples_split = 20;
	hd_rf_fit(&m, Z, y, n, DIM_UCI, &o);
	for (int t = 0; t < m.n_trees; t++) {
		const struct hd_tree *tr = &m.trees[t];
		int *cnt = hd_xcalloc((size_t)tr->n_nodes, sizeof *cnt);
		int *pos = hd_xcalloc((size_t)tr->n_nodes, sizeof *pos);

		for (size_t i = 0; i < n; i++) {
			int k = 0;

			for (;;) {
				cnt[k]++;
				pos[k] += y[i];
				if (tr->left[k] < 0)
					break;
				k = Z[i * DIM_UCI + tr->feature[k]] <=
				                    tr->threshold[k]
				            ? tr->left[k]
				            : tr->right[k];
			}
		}
		for (int k = 0; k < tr->n_nodes; k++) {
			if (tr->left[k] < 0) {
				leaf_ok &= cnt[k] >= 5;
				smallest = cnt[k] < smallest ? cnt[k]
				                             : smallest;
				value_ok &= tr->value[k] ==
				            (double)pos[k] / cnt[k];
			} else {
				split_ok &= cnt[k] >= 20;
			}
		}
		free(cnt);
		free(pos);
	}
	check(leaf_ok,
	      "min_samples_leaf 5: every leaf holds >= 5 rows (smallest %d)",
	      smallest);
	check(split_ok,
	      "min_samples_split 20: every split node holds >= 20 rows");
	check(value_ok, "a leaf's value is its fraction of class 1");
	hd_rf_free(&m);
}

/*
 * With every slot examined and no bootstrap, each split must be one of
 * the best by Gini: compare with a brute-force search over every slot
 * and midpoint, on continuous data (sort and histogram paths) and on
 * the UCI-like mix.
 */
static void test_best_split(const double *Zu, const uint8_t *yu, size_t nu)
{
	size_t n = 300;
	int dim = 3;
	double *Zc = make_uniform(n, dim, 3);
	uint8_t *yc = hd_xmalloc(n);
	struct hd_rng r;

	hd_rng_seed(&r, 9);
	for (size_t i = 0; i < n; i++) {
		Zc[i * dim + 2] = round(Zc[i * dim + 2] * 20); /* 41 values */
		yc[i] = Zc[i * dim] * Zc[i * dim + 1] + 0.3 * gauss(&r) > 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		const double *Z = pass ? Zu : Zc;
		const uint8_t *y = pass ? yu : yc;
		size_t rows = pass ? nu : n;
		int d = pass ? DIM_UCI : dim;
		struct hd_rf_opts o = defaults();
		struct hd_rf m;
		int ok = 1, splits = 0;

		o.n_trees = 3;
		o.bootstrap = 0;
		o.max_features = d;
		o.min_samples_leaf = pass ? 3 : 1;
		o.seed = 5;
		hd_rf_fit(&m, Z, y, rows, d, &o);
		size_t *idx = hd_xmalloc(rows * sizeof *idx);
		for (int t = 0; ok && t < m.n_trees; t++) {
			const struct hd_tree *tr = &m.trees[t];

			for (int k = 0; ok && k < tr->n_nodes; k++) {
				size_t cnt = 0;
				double l[2] = { 0, 0 }, rr[2] = { 0, 0 };

				if (tr->left[k] < 0)
					continue;
				/* The node's rows: those whose path passes k. */
				for (size_t i = 0; i < rows; i++) {
					int q = 0;

					while (q != k && q < k &&
					       tr->left[q] >= 0)
						q = Z[i * d + tr->feature[q]] <=
						                    tr->threshold
						                            [q]
						            ? tr->left[q]
						            : tr->right[q];
					if (q == k)
						idx[cnt++] = i;
				}
				for (size_t q = 0; q < cnt; q++) {
					const double *z = Z + idx[q] * d;

					if (z[tr->feature[k]] <=
					    tr->threshold[k])
						l[y[idx[q]]]++;
					else
						rr[y[idx[q]]]++;
				}
				double got = purity(l[0], l[1]) +
				             purity(rr[0], rr[1]);
				double want = best_purity(Z, y, d, idx, cnt,
				                          o.min_samples_leaf);
				ok &= fabs(got - want) <= 1e-9 * want;
				if (!ok)
					printf("# tree %d node %d: purity %.17g, best %.17g\n",
					       t, k, got, want);
				splits++;
			}
		}
		check(ok, "every split is a best Gini split (%s, %d splits)",
		      pass ? "UCI-like" : "continuous", splits);
		free(idx);
		hd_rf_free(&m);
	}
	free(Zc);
	free(yc);
}

static void test_threshold(void)
{
	double Z[] = { 3, 0, 2, 1, 10 };
	uint8_t y[] = { 1, 0, 1, 0, 1 };
	struct hd_rf_opts o = defaults();
	struct hd_rf m;

	o.n_trees = 1;
	o.bootstrap = 0;
	hd_rf_fit(&m, Z, y, 5, 1, &o);
	check(m.trees[0].n_nodes == 3 && m.trees[0].feature[0] == 0 &&
	              m.trees[0].threshold[0] == 1.5 &&
	              m.trees[0].value[1] == 0 && m.trees[0].value[2] == 1,
	      "the threshold is the midpoint between the values either side");
	hd_rf_free(&m);

	/* Midpoint of neighbouring doubles rounds up: the lower one is used. */
	double a = 1.0, b = nextafter(1.0, 2.0);
	double Z2[] = { a, b, a, b };
	uint8_t y2[] = { 0, 1, 0, 1 };
	hd_rf_fit(&m, Z2, y2, 4, 1, &o);
	check(m.trees[0].n_nodes == 3 && hd_rf_prob(&m, &a) == 0 &&
	              hd_rf_prob(&m, &b) == 1,
	      "adjacent doubles are still split apart");
	hd_rf_free(&m);
}

/*
 * scikit-learn's rules where they differ from the obvious ones: a slot
 * found constant counts towards max_features, and min_samples_leaf
 * counts distinct rows, not bootstrap draws.
 */
static void test_sklearn_rules(void)
{
	/* Slot 0 is constant, slot 1 splits the classes badly, slot 2 well. */
	enum { N = 8 };
	double Z[N * 3];
	uint8_t y[N] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	int weak = 0, strong = 0;

	for (int i = 0; i < N; i++) {
		Z[(size_t)i * 3] = 7;
		Z[(size_t)i * 3 + 1] = i % 2;
		Z[(size_t)i * 3 + 2] = i;
	}
	o.bootstrap = 0;
	o.max_depth = 1;
	o.max_features = 2;
	hd_rf_fit(&m, Z, y, N, 3, &o);
	for (int t = 0; t < m.n_trees; t++) {
		weak += m.trees[t].feature[0] == 1;
		strong += m.trees[t].feature[0] == 2;
	}
	/*
	 * The constant slot drawn among the first two uses up one of the two
	 * looks (chance 2/3), and then the weak slot is the one examined half
	 * the time: 1/3 of the roots, where counting only non-constant slots
	 * would always examine both and never pick the weak one.
	 */
	check(weak + strong == m.n_trees && weak >= 40 && weak <= 95,
	      "a constant slot counts towards max_features (%d of %d roots weak)",
	      weak, m.n_trees);
	hd_rf_free(&m);

	/* Rows 0..3: with min_samples_leaf 2 only the cut at 1.5 leaves two
	 * distinct rows a side, and only a sample holding all four rows can
	 * split.  Counting draws instead would allow 0.5 and 2.5 too. */
	double z4[4] = { 0, 1, 2, 3 };
	uint8_t y4[4] = { 0, 1, 0, 1 };
	int ok = 1, splits = 0;
	o = defaults();
	o.min_samples_leaf = 2;
	hd_rf_fit(&m, z4, y4, 4, 1, &o);
	for (int t = 0; t < m.n_trees; t++) {
		const struct hd_tree *tr = &m.trees[t];

		if (tr->n_nodes == 1)
			continue;
		splits++;
		ok &= tr->n_nodes == 3 && tr->threshold[0] == 1.5;
	}
	check(ok && splits > 0 && splits < m.n_trees,
	      "min_samples_leaf counts distinct rows of the bootstrap (%d splits)",
	      splits);
	hd_rf_free(&m);
}

static void test_quality(void)
{
	size_t n = 600, nt = 2000;
	int dim = DIM_UCI;
	double *Z = make_uniform(n, dim, 11), *Zt = make_uniform(nt, dim, 12);
	uint8_t *y = hd_xmalloc(n), *yt = hd_xmalloc(nt);
	double *p = hd_xmalloc(nt * sizeof *p);
	struct hd_rng r;
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	int in_range = 1;

	hd_rng_seed(&r, 13);
	/* Slots 5.. are one-hot-like noise, as in the UCI encoding. */
	for (size_t i = 0; i < n + nt; i++) {
		double *z = i < n ? Z + i * dim : Zt + (i - n) * dim;
		uint8_t *lab = i < n ? &y[i] : &yt[i - n];

		for (int f = 5; f < dim; f++)
			z[f] = z[f] > 0;
		*lab = z[0] + 0.5 * z[1] + 0.2 * gauss(&r) > 0;
	}
	hd_rf_fit(&m, Z, y, n, dim, &o);
	for (size_t i = 0; i < nt; i++) {
		p[i] = hd_rf_prob(&m, Zt + i * dim);
		in_range &= p[i] >= 0 && p[i] <= 1;
	}
	double auc = auc_pairs(p, yt, nt);
	check(in_range, "probabilities on fresh points lie in [0, 1]");
	check(auc > 0.9,
	      "ROC-AUC on fresh points of a noisy linear problem > 0.9 (%.4f)",
	      auc);
	hd_rf_free(&m);
	free(Z);
	free(Zt);
	free(y);
	free(yt);
	free(p);
}

static void test_args(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m, zero;
	uint8_t bad_y[3] = { 0, 2, 1 };
	double nan_z[3] = { 0, NAN, 1 };
	int ok = 1;

	memset(&zero, 0, sizeof zero);
	o.n_trees = 0;
	ok &= hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == -1;
	ok &= memcmp(&m, &zero, sizeof m) == 0;
	o = defaults();
	o.min_samples_split = 1;
	ok &= hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == -1;
	o = defaults();
	o.min_samples_leaf = 0;
	ok &= hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == -1;
	o = defaults();
	o.max_features = DIM_UCI + 1;
	ok &= hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == -1;
	o = defaults();
	o.max_depth = -1;
	ok &= hd_rf_fit(&m, Z, y, n, DIM_UCI, &o) == -1;
	o = defaults();
	ok &= hd_rf_fit(&m, Z, y, 0, DIM_UCI, &o) == -1;
	ok &= hd_rf_fit(&m, Z, y, n, 0, &o) == -1;
	ok &= hd_rf_fit(&m, nan_z, y, 3, 1, &o) == -1;
	ok &= hd_rf_fit(&m, Z, bad_y, 3, 1, &o) == -1;
	check(ok, "bad options, NaN and labels other than 0/1 are refused");

	ok = hd_rf_fit(&m, Z, y, 1, DIM_UCI, &o) == 0 &&
	     m.trees[0].n_nodes == 1;
	check(ok, "one row fits a forest of single leaves");
	hd_rf_free(&m);

	o.n_trees = 5;
	ok = hd_rf_fit(&m, Z, y, n, DIM_UCI, NULL) == 0 && m.n_trees == 200;
	check(ok, "no options means the scikit-learn defaults");
	hd_rf_free(&m);

	memset(&m, 0, sizeof m);
	hd_rf_free(&m);
	hd_rf_free(&m);
	check(memcmp(&m, &zero, sizeof m) == 0 && isnan(hd_rf_prob(&m, Z)),
	      "freeing a zeroed forest twice leaves it zeroed; it predicts NaN");
}

static void test_shape(const double *Z, const uint8_t *y, size_t n)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	char why[128] = "";
	long nodes = 0;
	int deepest = 0;

	hd_rf_fit(&m, Z, y, n, DIM_UCI, &o);
	check(well_formed(&m, why, sizeof why),
	      "trees are well formed: children after parents, slots in range %s",
	      why);
	for (int t = 0; t < m.n_trees; t++) {
		const struct hd_tree *tr = &m.trees[t];
		int *depth = hd_xcalloc((size_t)tr->n_nodes, sizeof *depth);

		nodes += tr->n_nodes;
		for (int k = 0; k < tr->n_nodes; k++) {
			if (tr->left[k] >= 0)
				depth[tr->left[k]] = depth[tr->right[k]] =
					depth[k] + 1;
			deepest = depth[k] > deepest ? depth[k] : deepest;
		}
		free(depth);
	}
	printf("# UCI-like %zu x %d: %.1f nodes per tree, deepest leaf %d\n", n,
	       DIM_UCI, (double)nodes / m.n_trees, deepest);

	/* Bootstrap trees still fit the training set closely. */
	double *p = hd_xmalloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = hd_rf_prob(&m, Z + i * DIM_UCI);
	double auc = auc_pairs(p, y, n);
	check(auc > 0.95,
	      "training-set ROC-AUC of the UCI-like forest > 0.95 (%.4f)", auc);
	free(p);
	hd_rf_free(&m);
}

/* ---------------------------------------------------------------------
 * Benchmark
 * ------------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The best of several runs of one forest (ms). */
static double time_fit(const double *Z, const uint8_t *y, size_t n, int jobs)
{
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	double best = HUGE_VAL;

	o.jobs = jobs;
	for (int rep = 0; rep < 7; rep++) {
		double t0 = now_ms();

		hd_rf_fit(&m, Z, y, n, DIM_UCI, &o);
		double dt = now_ms() - t0;
		best = dt < best ? dt : best;
		hd_rf_free(&m);
	}
	return best;
}

static void bench(const double *Z, const uint8_t *y, size_t n)
{
	for (int jobs = 1; jobs <= 2; jobs++) {
		double ms = time_fit(Z, y, n, jobs);

		printf("# bench: 200 trees on %zu x %d, jobs %d: %.2f ms "
		       "(%.3f ms per tree)\n",
		       n, DIM_UCI, jobs, ms, ms / 200);
	}

	/* What training does: 5 folds of 4/5 of the rows, then all rows. */
	for (int jobs = 1; jobs <= 2; jobs++) {
		double best = HUGE_VAL;
		size_t k = n * 4 / 5;

		for (int rep = 0; rep < 5; rep++) {
			double t0 = now_ms();
			struct hd_rf_opts o = defaults();
			struct hd_rf m;

			o.jobs = jobs;
			for (int fold = 0; fold < 6; fold++) {
				size_t rows = fold < 5 ? k : n;
				size_t off =
					fold < 5 ? (size_t)fold * (n - k) / 4
						 : 0;

				hd_rf_fit(&m, Z + off * DIM_UCI, y + off, rows,
				          DIM_UCI, &o);
				hd_rf_free(&m);
			}
			double dt = now_ms() - t0;
			best = dt < best ? dt : best;
		}
		printf("# bench: 6 forests (5 folds of %zu rows + %zu), jobs %d: %.2f ms\n",
		       k, n, jobs, best);
		best = HUGE_VAL;
		for (int rep = 0; rep < 5; rep++) {
			struct hd_rf_opts o = defaults();
			struct hd_rf_job jobs6[6];
			struct hd_rf m6[6];

			o.jobs = jobs;
			for (int fold = 0; fold < 6; fold++) {
				size_t off =
					fold < 5 ? (size_t)fold * (n - k) / 4
						 : 0;

				jobs6[fold] = (struct hd_rf_job){
					Z + off * DIM_UCI, y + off,
					fold < 5 ? k : n, DIM_UCI
				};
			}
			double t0 = now_ms();
			hd_rf_fit_many(m6, jobs6, 6, &o);
			double dt = now_ms() - t0;
			best = dt < best ? dt : best;
			for (int fold = 0; fold < 6; fold++)
				hd_rf_free(&m6[fold]);
		}
		printf("# bench: the same 6 forests on one pool, jobs %d: %.2f ms\n",
		       jobs, best);
	}

	/* Serving: one probability from a 200-tree forest. */
	struct hd_rf_opts o = defaults();
	struct hd_rf m;
	volatile double sink = 0;
	int calls = 20000;

	hd_rf_fit(&m, Z, y, n, DIM_UCI, &o);
	double t0 = now_ms();
	for (int c = 0; c < calls; c++)
		sink += hd_rf_prob(&m, Z + (size_t)(c % (int)n) * DIM_UCI);
	printf("# bench: hd_rf_prob with 200 trees: %.2f us per call\n",
	       (now_ms() - t0) * 1e3 / calls);
	(void)sink;
	hd_rf_free(&m);
}

int main(int argc, char **argv)
{
	size_t n = 734;
	double *Z;
	uint8_t *y;
	int do_bench = argc > 1 && strcmp(argv[1], "--bench") == 0;

	make_uci_like(n, 2024, &Z, &y);
	test_separable();
	test_constant_label();
	test_threshold();
	test_stumps(Z, y, n);
	test_threads(Z, y, n);
	test_many(Z, y, n);
	test_prob_rows(Z, y, n);
	test_seeds(Z, y, n);
	test_node_sizes(Z, y, n);
	test_best_split(Z, y, n);
	test_shape(Z, y, n);
	test_sklearn_rules();
	test_quality();
	test_args(Z, y, n);
	if (do_bench)
		bench(Z, y, n);
	free(Z);
	free(y);
	return tap_done();
}
