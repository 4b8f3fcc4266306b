/*
 * rf.c - random forest of CART classification trees, with the semantics
 * of scikit-learn's RandomForestClassifier: every tree sees a bootstrap
 * sample of the rows (kept as an integer weight per row), splits on Gini
 * impurity with the class counts weighted, looks at a random subset of
 * max_features slots per split, and its leaves hold the weighted
 * fraction of class 1.  The forest's probability is the mean of the
 * leaves one encoded vector reaches.
 *
 * Speed comes from doing the sorting once per fit: every slot's values
 * are replaced by their rank among the slot's distinct training values,
 * and trees then split on ranks.  A node finds the best threshold of a
 * slot either with a histogram of weighted class counts per rank (large
 * nodes, few distinct values) or by sorting its few ranks (small nodes
 * of a slot with many distinct values).  Rows are partitioned in place;
 * each worker thread owns one scratch area for all its trees.
 *
 * Where scikit-learn's rules are not the obvious ones they are kept:
 * min_samples_split and min_samples_leaf count the distinct rows of a
 * node (bootstrap duplicates are one sample with a larger weight), and
 * a slot found constant in a node counts towards max_features, the
 * search going past max_features only until one non-constant slot has
 * been examined.  Checked against scikit-learn 1.2 on the UCI data:
 * the same number of nodes per tree, within noise, in every setting.
 *
 * Tree t draws from its own generator, seeded from (seed, t), so the
 * forest is the same bit for bit whatever the number of threads.
 *
 * A tree is stored depth first, left child first: a node's children
 * come after it, its left child right after it.  Every node carries its
 * fraction of class 1; a leaf has feature -1, threshold 0, left and
 * right -1.
 *
 * Chapters: ranks, splitting one node, growing a tree, threads, the
 * public functions.  The fitted forest's packed form, its scoring and
 * freeing (model.h, which the server links) are in forest.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The scikit-learn defaults: hd-fit-rf, its help and the Makefile's
 * empty parameters all come back here. */
const struct hd_rf_opts hd_rf_defaults = {
	.n_trees = 200,
	.max_depth = 0,
	.min_samples_leaf = 1,
	.min_samples_split = 2,
	.max_features = 0,
	.bootstrap = 1,
	.seed = 42,
	.jobs = 0,
};

/*
 * A node whose slot has more distinct values than
 * RF_SORT_RATIO * m * log2(m) (m = rows in the node) sorts its ranks
 * instead of scanning a histogram over all of them.  On UCI-shaped data
 * any ratio from 1 up gives about the same speed; always sorting is
 * 1.7 times slower.
 */
#define RF_SORT_RATIO 2

/* ---------------------------------------------------------------------
 * Ranks: what every tree shares, computed once per fit
 * ------------------------------------------------------------------- */

struct rf_data {
	size_t n;
	int dim;
	uint32_t *rank;        /* dim x n, slot-major: rank of Z[i][f] among
	                         * the distinct values of slot f, 0-based */
	double *vals;          /* the distinct values of each slot, ascending,
	                         * slot after slot */
	size_t *voff;          /* dim + 1 offsets into vals */
	uint32_t max_distinct; /* the largest count over the slots */
	const uint8_t *y;
	struct hd_rf_opts o; /* validated, max_features resolved */
};

struct rf_pair {
	double v;
	uint32_t i;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct rf_pair *p = a, *q = b;

	return (p->v > q->v) - (p->v < q->v);
}

/*
 * Rank one slot.  One-hot slots hold two values, so a short list found
 * by linear search does them without sorting; other slots are sorted
 * once.  Returns the number of distinct values, written to vals.
 */
static uint32_t rank_slot(const double *Z, size_t n, int dim, int f,
                          uint32_t *rank, double *vals, struct rf_pair *tmp)
{
	enum { FEW = 8 };
	double few[FEW] = { 0 };
	int nfew = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double v = Z[i * (size_t)dim + (size_t)f];
		int k = 0;

		while (k < nfew && few[k] != v)
			k++;
		if (k == nfew) {
			if (nfew == FEW)
				break;
			few[nfew++] = v;
		}
	}
	if (i == n) {
		/* Insertion sort of at most FEW values, then look each row up. */
		for (int a = 1; a < nfew; a++) {
			double v = few[a];
			int b = a;

			for (; b > 0 && few[b - 1] > v; b--)
				few[b] = few[b - 1];
			few[b] = v;
		}
		for (i = 0; i < n; i++) {
			double v = Z[i * (size_t)dim + (size_t)f];
			uint32_t k = 0;

			/* few[0 .. nfew) holds every value of the column (the
			 * loop above put each there), so k stops below nfew. */
			while (few[k] != v)
				k++;
			rank[i] = k;
		}
		memcpy(vals, few, (size_t)nfew * sizeof *vals);
		return (uint32_t)nfew;
	}

	for (i = 0; i < n; i++) {
		tmp[i].v = Z[i * (size_t)dim + (size_t)f];
		tmp[i].i = (uint32_t)i;
	}
	qsort(tmp, n, sizeof *tmp, pair_cmp);
	uint32_t u = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || tmp[i].v != tmp[i - 1].v)
			vals[u++] = tmp[i].v;
		rank[tmp[i].i] = u - 1;
	}
	return u;
}

static void data_build(struct rf_data *d, const double *Z, size_t n, int dim)
{
	struct rf_pair *tmp = hd_xmalloc(n * sizeof *tmp);

	d->n = n;
	d->dim = dim;
	d->rank = hd_xmalloc((size_t)dim * n * sizeof *d->rank);
	d->vals = hd_xmalloc((size_t)dim * n * sizeof *d->vals);
	d->voff = hd_xmalloc(((size_t)dim + 1) * sizeof *d->voff);
	d->max_distinct = 0;
	d->voff[0] = 0;
	for (int f = 0; f < dim; f++) {
		uint32_t u = rank_slot(Z, n, dim, f, d->rank + (size_t)f * n,
		                       d->vals + d->voff[f], tmp);

		d->voff[f + 1] = d->voff[f] + u;
		if (u > d->max_distinct)
			d->max_distinct = u;
	}
	free(tmp);
}

static void data_free(struct rf_data *d)
{
	free(d->rank);
	free(d->vals);
	free(d->voff);
}

/* ---------------------------------------------------------------------
 * Splitting one node
 * ------------------------------------------------------------------- */

/* A row of the tree's sample: its bootstrap count and class-1 weight. */
struct rf_row {
	uint32_t i;
	uint32_t w;  /* times drawn, >= 1 */
	uint32_t w1; /* w if the row is class 1, else 0 */
};

/* The rows of one node and their totals. */
struct rf_node {
	const struct rf_row *rows;
	uint32_t m;     /* distinct rows */
	uint32_t w, w1; /* their weight, and that of class 1 */
};

struct rf_split {
	double g;             /* sum over both children of w0 w1 / w, half
	                         * their weighted Gini: the lower the better */
	int feature;          /* -1: no valid split found yet */
	uint32_t rank;        /* rows whose rank <= this go left */
	uint32_t cl, wl, w1l; /* rows, weight and class-1 weight going left */
};

/* Per-thread scratch, reused by every tree the thread grows. */
struct rf_work {
	struct rf_row *rows;  /* n */
	struct rf_row *spill; /* n: right-hand rows while partitioning */
	uint32_t *cnt;        /* n bootstrap counts */
	uint64_t *hist;       /* max_distinct: rows << 32 | weight per rank */
	uint32_t *hist1;      /* max_distinct: class-1 weight per rank;
	                         * both histograms are all zero between uses */
	uint64_t *keys;       /* n: rank << 32 | position, for sorting */
	int *slots;           /* dim: the slots in drawing order */
	/* The tree being grown; a tree over m rows has at most 2m - 1 nodes. */
	int *feature, *left, *right;
	double *threshold, *value;
	/* Depth-first stack and one constant-slot bitset per entry. */
	struct rf_frame *stack;
	uint64_t *known;
	size_t cap;
	size_t words;    /* 64-bit words per bitset */
	uint64_t *found; /* words: the node's bitset being built */
};

/*
 * Offer "rank <= r goes left" with the given left totals.  Both sides
 * must keep min_samples_leaf distinct rows, as scikit-learn counts them
 * (bootstrap duplicates are one sample with a larger weight).
 *
 * The weights are integers, so numerator and denominator below are
 * exact (below 2^53 for n up to 200000) and their one rounded quotient
 * is equal for equal ratios: exact ties stay ties, and the first
 * candidate found keeps a tie as scikit-learn intends.  The quotient
 * orders splits as scikit-learn's Gini proxy does, with one division
 * instead of two.
 */
static inline void offer(struct rf_split *best, const struct rf_node *nd,
                         uint32_t msl, int f, uint32_t r, uint32_t cl,
                         uint32_t wl, uint32_t w1l)
{
	if (cl < msl || nd->m - cl < msl)
		return;
	double l = wl, l1 = w1l, l0 = l - l1;
	double rt = nd->w - wl, r1 = nd->w1 - w1l, r0 = rt - r1;
	double g = (l0 * l1 * rt + r0 * r1 * l) / (l * rt);

	if (g < best->g) {
		best->g = g;
		best->feature = f;
		best->rank = r;
		best->cl = cl;
		best->wl = wl;
		best->w1l = w1l;
	}
}

/*
 * The bins of one slot (the rows sharing a rank), fed in rank order:
 * each bin after the first offers the cut just before it.
 *
 * A cut between two bins that are pure in the same class is skipped
 * when the cuts before and after both bins are allowed: moving rows
 * of one class across the cut changes the weighted Gini strictly
 * concavely (unless the node is pure), so such a cut is worse than one
 * of those two and can never be the best or tie with it.  The result is
 * the same as offering every cut, ties included, with far fewer offers
 * deep in the tree, where most bins hold one row.
 */
struct rf_scan {
	uint32_t cl, wl, w1l; /* rows and weights of the bins fed so far */
	uint32_t prev;        /* rank of the last bin */
	uint32_t pc, pw, pw1; /* its rows and weights */
};

static inline void scan_bin(struct rf_scan *s, struct rf_split *best,
                            const struct rf_node *nd, uint32_t msl, int f,
                            uint32_t r, uint32_t c, uint32_t w, uint32_t w1)
{
	if (s->cl > 0) {
		int same = (s->pw1 == 0 && w1 == 0) ||
		           (s->pw1 == s->pw && w1 == w);

		if (!same || s->cl - s->pc < msl || nd->m - s->cl - c < msl)
			offer(best, nd, msl, f, s->prev, s->cl, s->wl, s->w1l);
	}
	s->cl += c;
	s->wl += w;
	s->w1l += w1;
	s->prev = r;
	s->pc = c;
	s->pw = w;
	s->pw1 = w1;
}

/* A slot with two distinct values: one pass, one candidate. */
static int eval_binary(const struct rf_data *d, const struct rf_node *nd, int f,
                       struct rf_split *best)
{
	const uint32_t *rank = d->rank + (size_t)f * d->n;
	uint64_t acc = 0; /* rows << 32 | weight, of rank 1 */
	uint32_t acc1 = 0;

	for (uint32_t k = 0; k < nd->m; k++) {
		const struct rf_row *row = &nd->rows[k];
		uint64_t on =
			(uint64_t)0 - rank[row->i]; /* all ones if rank 1 */

		acc += on & ((uint64_t)1 << 32 | row->w);
		acc1 += (uint32_t)on & row->w1;
	}
	uint32_t c1 = (uint32_t)(acc >> 32);
	if (c1 == 0 || c1 == nd->m)
		return -1;
	offer(best, nd, (uint32_t)d->o.min_samples_leaf, f, 0, nd->m - c1,
	      nd->w - (uint32_t)acc, nd->w1 - acc1);
	return 0;
}

/* Weighted class counts per rank, then one scan over the ranks present. */
static int eval_hist(const struct rf_data *d, struct rf_work *wk,
                     const struct rf_node *nd, int f, struct rf_split *best)
{
	const uint32_t *rank = d->rank + (size_t)f * d->n;
	uint64_t *h = wk->hist;
	uint32_t *h1 = wk->hist1;
	uint32_t lo = UINT32_MAX, hi = 0;
	uint32_t msl = (uint32_t)d->o.min_samples_leaf;

	for (uint32_t k = 0; k < nd->m; k++) {
		const struct rf_row *row = &nd->rows[k];
		uint32_t b = rank[row->i];

		h[b] += (uint64_t)1 << 32 | row->w;
		h1[b] += row->w1;
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
	}
	if (lo == hi) {
		h[lo] = 0;
		h1[lo] = 0;
		return -1;
	}
	struct rf_scan sc = { 0 };

	for (uint32_t b = lo; b <= hi; b++) {
		if (h[b] == 0)
			continue;
		scan_bin(&sc, best, nd, msl, f, b, (uint32_t)(h[b] >> 32),
		         (uint32_t)h[b], h1[b]);
		h[b] = 0;
		h1[b] = 0;
	}
	return 0;
}

/* Keys are distinct (they hold a position), so no equal-key care needed. */
static void sort_keys(uint64_t *a, size_t n)
{
	while (n > 16) {
		uint64_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint64_t p = x < y ? (y < z   ? y
		                      : x < z ? z
		                              : x)
		                   : (x < z   ? x
		                      : y < z ? z
		                              : y);
		size_t i = 0, j = n - 1;

		/* Hoare partition: a[0..j] <= p <= a[j+1..n), both non-empty. */
		for (;;) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i >= j)
				break;
			uint64_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* Recurse on the smaller part, loop on the larger. */
		if (j + 1 < n - j - 1) {
			sort_keys(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			sort_keys(a + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t k = i;

		for (; k > 0 && a[k - 1] > v; k--)
			a[k] = a[k - 1];
		a[k] = v;
	}
}

/* Sort the node's ranks, then scan the runs of equal rank. */
static int eval_sort(const struct rf_data *d, struct rf_work *wk,
                     const struct rf_node *nd, int f, struct rf_split *best)
{
	const uint32_t *rank = d->rank + (size_t)f * d->n;
	uint64_t *key = wk->keys;
	uint32_t m = nd->m, msl = (uint32_t)d->o.min_samples_leaf;

	for (uint32_t k = 0; k < m; k++)
		key[k] = (uint64_t)rank[nd->rows[k].i] << 32 | k;
	sort_keys(key, m);
	if (key[0] >> 32 == key[m - 1] >> 32)
		return -1;

	/* Gather each run of equal rank into one bin. */
	struct rf_scan sc = { 0 };
	uint32_t k = 0;
	while (k < m) {
		uint32_t r = (uint32_t)(key[k] >> 32), c = 0, w = 0, w1 = 0;

		for (; k < m && (uint32_t)(key[k] >> 32) == r; k++, c++) {
			const struct rf_row *row = &nd->rows[(uint32_t)key[k]];

			w += row->w;
			w1 += row->w1;
		}
		scan_bin(&sc, best, nd, msl, f, r, c, w, w1);
	}
	return 0;
}

static inline int ilog2_ceil(uint32_t m)
{
	int l = 0;

	while (l < 31 && ((uint32_t)1 << l) < m)
		l++;
	return l;
}

/*
 * Examine one slot at a node: -1 if it is constant there, else 0 after
 * offering its best threshold to *best.
 */
static int eval_slot(const struct rf_data *d, struct rf_work *wk,
                     const struct rf_node *nd, int f, struct rf_split *best)
{
	size_t u = d->voff[f + 1] - d->voff[f];

	if (u <= 1)
		return -1;
	if (u == 2)
		return eval_binary(d, nd, f, best);
	if (u > (size_t)RF_SORT_RATIO * nd->m * (size_t)ilog2_ceil(nd->m))
		return eval_sort(d, wk, nd, f, best);
	return eval_hist(d, wk, nd, f, best);
}

/*
 * Uniform integer in [0, n) for n < 2^32, without modulo bias: the top
 * 32 bits of a draw times n, redrawn in the rare case the product's low
 * half falls below 2^32 mod n (Lemire's method).  It avoids the two
 * 64-bit divisions of hd_rng_below on every call; a tree makes about
 * 2,000 of them.
 */
static inline uint32_t rng_below32(struct hd_rng *r, uint32_t n)
{
	uint64_t m = (hd_rng_next(r) >> 32) * (uint64_t)n;
	uint32_t low = (uint32_t)m;

	if (low < n) {
		uint32_t t = (0u - n) % n;

		while (low < t) {
			m = (hd_rng_next(r) >> 32) * (uint64_t)n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

static inline int bit_get(const uint64_t *b, int f)
{
	return (int)(b[f >> 6] >> (f & 63) & 1);
}

static inline void bit_set(uint64_t *b, int f)
{
	b[f >> 6] |= (uint64_t)1 << (f & 63);
}

/*
 * Draw slots at random without replacement, as scikit-learn's best
 * splitter does: every draw counts towards max_features, constant slots
 * included (those known from an ancestor cost nothing, newly found ones
 * are added to *found for the children), but the search goes on past
 * max_features until one non-constant slot has been examined, and stops
 * when every slot not known to be constant has been drawn.  Returns 1
 * with *best set, or 0 when the node has no valid split; *n_found is
 * the number of slots newly found constant.
 */
static int find_split(const struct rf_data *d, struct rf_work *wk,
                      struct hd_rng *rng, const struct rf_node *nd,
                      const uint64_t *known, int n_known, uint64_t *found,
                      int *n_found, struct rf_split *best)
{
	int dim = d->dim, mf = d->o.max_features;
	int undrawn = dim, unknown_left = dim - n_known;
	int visited = 0, constant = 0;
	int *slots = wk->slots;

	best->g = HUGE_VAL;
	best->feature = -1;
	*n_found = 0;
	while (unknown_left > 0 && (visited < mf || visited <= constant)) {
		int k = dim - undrawn;
		int j = k + (int)rng_below32(rng, (uint32_t)undrawn);
		int f = slots[j];

		slots[j] = slots[k];
		slots[k] = f;
		undrawn--;
		visited++;
		if (bit_get(known, f)) {
			constant++;
			continue;
		}
		unknown_left--;
		if (eval_slot(d, wk, nd, f, best) < 0) {
			bit_set(found, f);
			(*n_found)++;
			constant++;
		}
	}
	return best->feature >= 0;
}

/* ---------------------------------------------------------------------
 * Growing a tree
 * ------------------------------------------------------------------- */

/* A node waiting on the stack: its rows are rows[lo..lo+m). */
struct rf_frame {
	size_t lo;
	uint32_t m, w, w1;
	int depth;
	int parent; /* -1 for the root */
	int is_left;
	int n_known; /* bits set in its constant-slot bitset */
};

/* Scratch for trees of up to n rows and max_distinct ranks per slot. */
static void work_init(struct rf_work *wk, size_t n, uint32_t max_distinct,
                      int dim)
{
	size_t nodes = 2 * n - 1;

	wk->rows = hd_xmalloc(n * sizeof *wk->rows);
	wk->spill = hd_xmalloc(n * sizeof *wk->spill);
	wk->cnt = hd_xmalloc(n * sizeof *wk->cnt);
	wk->hist = hd_xcalloc(max_distinct, sizeof *wk->hist);
	wk->hist1 = hd_xcalloc(max_distinct, sizeof *wk->hist1);
	wk->keys = hd_xmalloc(n * sizeof *wk->keys);
	wk->slots = hd_xmalloc((size_t)dim * sizeof *wk->slots);
	wk->feature = hd_xmalloc(nodes * sizeof *wk->feature);
	wk->left = hd_xmalloc(nodes * sizeof *wk->left);
	wk->right = hd_xmalloc(nodes * sizeof *wk->right);
	wk->threshold = hd_xmalloc(nodes * sizeof *wk->threshold);
	wk->value = hd_xmalloc(nodes * sizeof *wk->value);
	wk->words = ((size_t)dim + 63) / 64;
	wk->cap = 64;
	wk->stack = hd_xmalloc(wk->cap * sizeof *wk->stack);
	wk->known = hd_xmalloc(wk->cap * wk->words * sizeof *wk->known);
	wk->found = hd_xmalloc(wk->words * sizeof *wk->found);
}

static void work_free(struct rf_work *wk)
{
	free(wk->rows);
	free(wk->spill);
	free(wk->cnt);
	free(wk->hist);
	free(wk->hist1);
	free(wk->keys);
	free(wk->slots);
	free(wk->feature);
	free(wk->left);
	free(wk->right);
	free(wk->threshold);
	free(wk->value);
	free(wk->stack);
	free(wk->known);
	free(wk->found);
}

static void push(struct rf_work *wk, size_t *sp, const struct rf_frame *fr,
                 const uint64_t *bits)
{
	if (*sp == wk->cap) {
		wk->cap *= 2;
		wk->stack = hd_xrealloc(wk->stack, wk->cap * sizeof *wk->stack);
		wk->known = hd_xrealloc(wk->known, wk->cap * wk->words *
		                                           sizeof *wk->known);
	}
	wk->stack[*sp] = *fr;
	memcpy(wk->known + *sp * wk->words, bits, wk->words * sizeof *bits);
	(*sp)++;
}

/* The generator of tree t: the seed and t mixed, so streams differ. */
static void tree_rng(struct hd_rng *r, uint64_t seed, int t)
{
	uint64_t x = (uint64_t)t;

	hd_rng_seed(r, seed ^ hd_splitmix64(&x));
}

/* The midpoint between two consecutive distinct values, as scikit-learn. */
static double midpoint(double a, double b)
{
	double t = a / 2 + b / 2;

	/* Rounding may land on b, which must go right; then a will do. */
	if (t == b || isinf(t))
		t = a;
	return t;
}

static void grow_tree(const struct rf_data *d, struct rf_work *wk, int t,
                      struct hd_tree *out)
{
	const struct hd_rf_opts *o = &d->o;
	size_t n = d->n, words = wk->words;
	struct rf_row *rows = wk->rows;
	struct hd_rng rng;
	struct rf_frame fr;
	size_t sp = 0;
	uint32_t m = 0, w = 0, w1 = 0;
	int nodes = 0;

	tree_rng(&rng, o->seed, t);
	/* The drawing order starts afresh, or the tree would depend on
	 * which trees this thread grew before. */
	for (int f = 0; f < d->dim; f++)
		wk->slots[f] = f;

	/* The sample: one entry per distinct row drawn, with its count. */
	if (o->bootstrap) {
		memset(wk->cnt, 0, n * sizeof *wk->cnt);
		for (size_t k = 0; k < n; k++)
			wk->cnt[rng_below32(&rng, (uint32_t)n)]++;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t c = o->bootstrap ? wk->cnt[i] : 1;

		if (c == 0)
			continue;
		rows[m].i = (uint32_t)i;
		rows[m].w = c;
		rows[m].w1 = d->y[i] ? c : 0;
		w += c;
		w1 += rows[m].w1;
		m++;
	}

	/* Slots with one value in the whole training set are known constant. */
	memset(wk->found, 0, words * sizeof *wk->found);
	fr = (struct rf_frame){ .lo = 0,
		                .m = m,
		                .w = w,
		                .w1 = w1,
		                .depth = 0,
		                .parent = -1,
		                .is_left = 0,
		                .n_known = 0 };
	for (int f = 0; f < d->dim; f++)
		if (d->voff[f + 1] - d->voff[f] <= 1) {
			bit_set(wk->found, f);
			fr.n_known++;
		}
	push(wk, &sp, &fr, wk->found);

	/*
	 * Depth first, left child first, so a node's children always come
	 * after it and the left child right after it.
	 */
	while (sp > 0) {
		struct rf_node nd;
		struct rf_split best;
		int id = nodes++;
		int leaf, n_found;

		fr = wk->stack[--sp];
		memcpy(wk->found, wk->known + sp * words,
		       words * sizeof *wk->found);
		if (fr.parent >= 0) {
			if (fr.is_left)
				wk->left[fr.parent] = id;
			else
				wk->right[fr.parent] = id;
		}
		wk->value[id] = (double)fr.w1 / fr.w;
		wk->feature[id] = -1;
		wk->threshold[id] = 0;
		wk->left[id] = -1;
		wk->right[id] = -1;

		/* Counts in distinct rows, as scikit-learn's n_node_samples. */
		leaf = fr.w1 == 0 || fr.w1 == fr.w ||
		       fr.m < (uint32_t)o->min_samples_split ||
		       fr.m < 2 * (uint32_t)o->min_samples_leaf ||
		       (o->max_depth > 0 && fr.depth >= o->max_depth);
		if (leaf)
			continue;
		nd = (struct rf_node){ rows + fr.lo, fr.m, fr.w, fr.w1 };
		/* found starts as the known set and gains this node's finds. */
		if (!find_split(d, wk, &rng, &nd, wk->known + sp * words,
		                fr.n_known, wk->found, &n_found, &best))
			continue;

		/*
		 * Rows with rank <= best.rank to the front, stably and without
		 * branches (their outcome is unpredictable): every row is
		 * written to both sides, and only its own side's end advances.
		 */
		const uint32_t *rank = d->rank + (size_t)best.feature * n;
		struct rf_row *src = rows + fr.lo;
		uint32_t nl = 0, nr = 0;
		for (uint32_t k = 0; k < fr.m; k++) {
			struct rf_row row = src[k];
			uint32_t go = rank[row.i] <= best.rank;

			src[nl] = row;
			wk->spill[nr] = row;
			nl += go;
			nr += go ^ 1;
		}
		memcpy(src + nl, wk->spill, nr * sizeof *src);
		const double *v = d->vals + d->voff[best.feature];
		wk->feature[id] = best.feature;
		wk->threshold[id] = midpoint(v[best.rank], v[best.rank + 1]);

		int n_known = fr.n_known + n_found;
		struct rf_frame right = {
			.lo = fr.lo + best.cl,
			.m = fr.m - best.cl,
			.w = fr.w - best.wl,
			.w1 = fr.w1 - best.w1l,
			.depth = fr.depth + 1,
			.parent = id,
			.is_left = 0,
			.n_known = n_known,
		};
		struct rf_frame left = {
			.lo = fr.lo,
			.m = best.cl,
			.w = best.wl,
			.w1 = best.w1l,
			.depth = fr.depth + 1,
			.parent = id,
			.is_left = 1,
			.n_known = n_known,
		};
		push(wk, &sp, &right, wk->found);
		push(wk, &sp, &left, wk->found);
	}

	/* The tree keeps exactly what it uses. */
	size_t nn = (size_t)nodes;
	out->n_nodes = nodes;
	out->feature = hd_xmalloc(nn * sizeof *out->feature);
	out->threshold = hd_xmalloc(nn * sizeof *out->threshold);
	out->left = hd_xmalloc(nn * sizeof *out->left);
	out->right = hd_xmalloc(nn * sizeof *out->right);
	out->value = hd_xmalloc(nn * sizeof *out->value);
	memcpy(out->feature, wk->feature, nn * sizeof *out->feature);
	memcpy(out->threshold, wk->threshold, nn * sizeof *out->threshold);
	memcpy(out->left, wk->left, nn * sizeof *out->left);
	memcpy(out->right, wk->right, nn * sizeof *out->right);
	memcpy(out->value, wk->value, nn * sizeof *out->value);
}

/* ---------------------------------------------------------------------
 * Threads: one pool for every tree of every forest being fitted
 * ------------------------------------------------------------------- */

/*
 * The tasks are numbered forest after forest, tree after tree, and
 * workers take the next number from one counter, so two threads stay
 * busy until the last tree of the last forest: cross-validation's
 * refits and the final fit make one queue, not one queue each.
 */
struct rf_team {
	const struct rf_data *d; /* count forests' data */
	struct hd_rf *out;
	int count, n_trees;
	size_t n_max;          /* the most rows of any forest */
	uint32_t distinct_max; /* the most distinct values of any slot */
	int dim_max;           /* the most slots of any forest */
	atomic_int next;
};

static void *rf_worker(void *arg)
{
	struct rf_team *team = arg;
	int total = team->count * team->n_trees, t;
	struct rf_work wk;

	work_init(&wk, team->n_max, team->distinct_max, team->dim_max);
	while ((t = atomic_fetch_add(&team->next, 1)) < total) {
		int f = t / team->n_trees, k = t % team->n_trees;

		grow_tree(&team->d[f], &wk, k, &team->out[f].trees[k]);
	}
	work_free(&wk);
	return NULL;
}

static int rf_jobs(int jobs, int tasks)
{
	if (jobs <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = cpus > 0 && cpus < INT_MAX ? (int)cpus : 1;
	}
	return jobs < tasks ? jobs : tasks;
}

/* ---------------------------------------------------------------------
 * The public functions
 * ------------------------------------------------------------------- */

/* The options as a fit uses them (max_features resolved), or -1. */
static int resolve_opts(const struct hd_rf_opts *o, int dim,
                        struct hd_rf_opts *out)
{
	if (o->n_trees <= 0 || o->max_depth < 0 || o->min_samples_leaf < 1 ||
	    o->min_samples_split < 2 || o->max_features < 0 ||
	    o->max_features > dim)
		return -1;
	*out = *o;
	out->bootstrap = o->bootstrap != 0;
	if (out->max_features == 0) {
		/* floor(sqrt(dim)), exact for every int dim */
		int k = (int)sqrt((double)dim);

		while ((long long)k * k > dim)
			k--;
		while ((long long)(k + 1) * (k + 1) <= dim)
			k++;
		out->max_features = k > 1 ? k : 1;
	}
	return 0;
}

static int job_valid(const struct hd_rf_job *j)
{
	int dim = j->dim;

	/* Rows and nodes are counted in 32 and 31 bits. */
	if (j->Z == NULL || j->y == NULL || j->n == 0 || j->n > INT_MAX / 2 ||
	    dim <= 0 || (size_t)dim > SIZE_MAX / sizeof(double) / j->n)
		return 0;
	for (size_t i = 0; i < j->n; i++) {
		if (j->y[i] > 1)
			return 0;
		for (int f = 0; f < dim; f++)
			if (!isfinite(j->Z[i * (size_t)dim + (size_t)f]))
				return 0;
	}
	return 1;
}

int hd_rf_fit_many(struct hd_rf *out, const struct hd_rf_job *jobs, int count,
                   const struct hd_rf_opts *o)
{
	struct rf_data *d;
	struct rf_team team;
	pthread_t *tid;
	int threads, started = 0, rc = 0;

	if (out == NULL || count <= 0)
		return errno = EINVAL, -1;
	memset(out, 0, (size_t)count * sizeof *out);
	if (o == NULL)
		o = &hd_rf_defaults;
	/* Every tree of every forest is numbered in an int. */
	if (jobs == NULL || (long long)count * o->n_trees > INT_MAX)
		return errno = EINVAL, -1;
	d = hd_xcalloc((size_t)count, sizeof *d);
	for (int f = 0; f < count; f++)
		if (!job_valid(&jobs[f]) ||
		    resolve_opts(o, jobs[f].dim, &d[f].o) != 0) {
			free(d);
			return errno = EINVAL, -1;
		}

	team = (struct rf_team){
		.d = d, .out = out, .count = count, .n_trees = o->n_trees
	};
	for (int f = 0; f < count; f++) {
		d[f].y = jobs[f].y;
		data_build(&d[f], jobs[f].Z, jobs[f].n, jobs[f].dim);
		if (jobs[f].n > team.n_max)
			team.n_max = jobs[f].n;
		if (d[f].max_distinct > team.distinct_max)
			team.distinct_max = d[f].max_distinct;
		if (jobs[f].dim > team.dim_max)
			team.dim_max = jobs[f].dim;
		out[f].dim = jobs[f].dim;
		out[f].n_trees = o->n_trees;
		out[f].trees =
			hd_xcalloc((size_t)o->n_trees, sizeof *out[f].trees);
	}
	atomic_init(&team.next, 0);
	threads = rf_jobs(o->jobs, count * o->n_trees);
	/* The calling thread is one of the workers; a thread that cannot be
	 * started only makes the fit slower, never different. */
	tid = hd_xmalloc((size_t)threads * sizeof *tid);
	for (int j = 1; j < threads; j++)
		if (pthread_create(&tid[started], NULL, rf_worker, &team) == 0)
			started++;
	rf_worker(&team);
	for (int j = 0; j < started; j++)
		pthread_join(tid[j], NULL);
	free(tid);
	for (int f = 0; f < count; f++) {
		data_free(&d[f]);
		if (rc == 0 && hd_rf_pack(&out[f]) != 0)
			rc = -1;
	}
	free(d);
	if (rc != 0) {
		for (int f = 0; f < count; f++)
			hd_rf_free(&out[f]);
		return errno = ENOMEM, -1;
	}
	return 0;
}

/*
 * Z is n x dim, row-major, finite; y[i] in {0, 1}; o NULL means the
 * defaults.  *m is overwritten (not freed) and owns the trees.  -1 and
 * errno EINVAL, *m zeroed, on bad arguments; nothing is printed.
 */
int hd_rf_fit(struct hd_rf *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_rf_opts *o)
{
	struct hd_rf_job j = { Z, y, n, dim };

	if (m == NULL)
		return errno = EINVAL, -1;
	return hd_rf_fit_many(m, &j, 1, o);
}
