/*
 * forest.c - a fitted random forest (struct hd_rf, model.h) as the
 * server uses it: its trees packed into one array in preorder for
 * scoring, the probability of one encoded vector, the narrow form in
 * which a block of rows walks the trees (batch scoring), and freeing.
 * Core regime: errors are returned, nothing prints or exits.  rf.c
 * fits the trees; model.c reads them from a model file.
 *
 * A packed node is a leaf when its feature is dim; then v is its
 * fraction of class 1 and right names the leaf itself (so a walk that
 * goes on past a leaf stays there).  Otherwise v is its threshold, its
 * left child is the next node and right names its right child.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int hd_rf_pack(struct hd_rf *m)
{
	size_t total = 0, at = 0;
	int *stack = NULL, cap = 0;

	for (int t = 0; t < m->n_trees; t++)
		total += (size_t)m->trees[t].n_nodes;
	free(m->nodes);
	free(m->roots);
	m->nodes = malloc((total ? total : 1) * sizeof *m->nodes);
	m->roots = malloc((size_t)(m->n_trees ? m->n_trees : 1) *
	                  sizeof *m->roots);
	if (m->nodes == NULL || m->roots == NULL)
		goto oom;
	for (int t = 0; t < m->n_trees; t++) {
		const struct hd_tree *tr = &m->trees[t];
		int sp = 0;

		if (tr->n_nodes > cap) {
			int *bigger = realloc(stack, 2 * (size_t)tr->n_nodes *
			                                     sizeof *stack);

			if (bigger == NULL)
				goto oom;
			stack = bigger;
			cap = tr->n_nodes;
		}
		m->roots[t] = (int)at;
		/*
		 * Preorder: a node, its left subtree, then its right one.  The
		 * stack holds (old node, packed slot of the parent whose right
		 * child it is, or -1).
		 */
		/* A false positive: every tree has a node (fitted, or
		 * parse_tree refuses it), so the stack was allocated above. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		stack[sp++] = 0;
		stack[sp++] = -1;
		while (sp > 0) {
			int parent = stack[--sp], k = stack[--sp];

			for (;;) {
				struct hd_rf_node *nd = &m->nodes[at];

				/* parse_tree guarantees a tree; this guards
				 * against a graph from anywhere else. */
				if (at >= total || sp + 2 > 2 * cap)
					goto oom;
				if (parent >= 0)
					m->nodes[parent].right = (int32_t)at;
				parent = -1;
				at++;
				if (tr->feature[k] < 0) {
					nd->v = tr->value[k];
					nd->feature = m->dim;
					nd->right = (int32_t)(nd - m->nodes);
					break;
				}
				nd->v = tr->threshold[k];
				nd->feature = tr->feature[k];
				stack[sp++] = tr->right[k];
				stack[sp++] = (int)(nd - m->nodes);
				k = tr->left[k];
			}
		}
	}
	free(stack);
	m->n_nodes = total;
	if (hd_rf_narrow(m) != 0)
		goto oom_packed;
	return 0;
oom:
	free(stack);
oom_packed:
	free(m->nodes);
	free(m->roots);
	m->nodes = NULL;
	m->roots = NULL;
	return -1;
}

/* Called per request by the server: no allocation, no locks. */
double hd_rf_prob(const struct hd_rf *m, const double *z)
{
	double sum = 0;

	if (m == NULL || m->n_trees <= 0)
		return NAN;
	for (int t = 0; t < m->n_trees; t++) {
		const struct hd_rf_node *nd = m->nodes + m->roots[t];

		while (nd->feature < m->dim)
			nd = z[nd->feature] <= nd->v ? nd + 1
			                             : m->nodes + nd->right;
		sum += nd->v;
	}
	return sum / m->n_trees;
}

/* ---------------------------------------------------------------------
 * The narrow form: what a block of rows walks
 *
 * A split compares z[slot] with one of the thresholds the forest uses
 * on that slot, so it can compare ranks instead: with t[0] < ... <
 * t[c-1] the slot's thresholds and q(z) the number of them below z,
 * z <= t[j] exactly when q(z) <= j.  A row's 28 doubles become 28
 * bytes once per block, and a node one 32-bit word,
 *   bits 0-7 the slot, 8-15 j, 16-31 how far on the right child is,
 * so a node is 4 bytes instead of 16 and a step a few integer
 * operations.  A leaf is the word RF_QLEAF: slot 31, whose rank is
 * always 255 > j = 0, so it goes "right" by 0 and stays put; its
 * probability is in qleaf[], at the same index.  A forest with more
 * than 31 slots, 255 thresholds on one slot or a subtree of 65536
 * nodes has no narrow form and is walked as doubles.
 * ------------------------------------------------------------------- */

enum { RF_QSLOT = 31, RF_QROW = 32, RF_QMAX = 255, RF_QBLOCK = 64 };
/* Rows that walk a tree side by side. */
enum { RF_LANES = 4 };
#define RF_QLEAF ((uint32_t)RF_QSLOT)

static void narrow_free(struct hd_rf *m)
{
	free(m->qnode);
	free(m->qleaf);
	free(m->qthr);
	free(m->qoff);
	m->qnode = NULL;
	m->qleaf = NULL;
	m->qthr = NULL;
	m->qoff = NULL;
}

/* The index of v in the c sorted a[], which holds it. */
static uint32_t find_threshold(const double *a, int c, double v)
{
	int lo = 0, hi = c - 1;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

int hd_rf_narrow(struct hd_rf *m)
{
	size_t total = m->n_nodes;
	int dim = m->dim, *raw = NULL;

	narrow_free(m);
	if (dim < 1 || dim >= RF_QSLOT || total == 0)
		return 0;
	m->qoff = calloc((size_t)dim + 1, sizeof *m->qoff);
	m->qthr = malloc(total * sizeof *m->qthr);
	m->qnode = malloc(total * sizeof *m->qnode);
	m->qleaf = malloc(total * sizeof *m->qleaf);
	raw = calloc((size_t)dim + 1, sizeof *raw);
	if (!m->qoff || !m->qthr || !m->qnode || !m->qleaf || !raw)
		goto oom;
	/* Every split's threshold, slot by slot (raw[f] on), then sorted
	 * and each kept once (qoff[f] on). */
	for (size_t a = 0; a < total; a++)
		if (m->nodes[a].feature < dim)
			raw[m->nodes[a].feature + 1]++;
	for (int f = 0; f < dim; f++)
		raw[f + 1] += raw[f];
	for (size_t a = 0; a < total; a++) {
		int f = m->nodes[a].feature;

		if (f < dim)
			m->qthr[raw[f] + m->qoff[f]++] = m->nodes[a].v;
	}
	for (int f = 0, at = 0; f < dim; f++) {
		double *t = m->qthr + raw[f];
		int c = raw[f + 1] - raw[f], u = 0;

		qsort(t, (size_t)c, sizeof *t, hd_cmp_double);
		for (int k = 0; k < c; k++)
			if (k == 0 || t[k] != t[k - 1])
				t[u++] = t[k];
		if (u > RF_QMAX)
			goto none;
		memmove(m->qthr + at, t, (size_t)u * sizeof *t);
		m->qoff[f] = at;
		at += u;
		m->qoff[f + 1] = at;
	}
	for (size_t a = 0; a < total; a++) {
		const struct hd_rf_node *nd = &m->nodes[a];
		int f = nd->feature;

		if (f >= dim) {
			m->qnode[a] = RF_QLEAF;
			m->qleaf[a] = nd->v;
			continue;
		}
		uint32_t j = find_threshold(m->qthr + m->qoff[f],
		                            m->qoff[f + 1] - m->qoff[f], nd->v);
		size_t far = (size_t)nd->right - a;

		if (nd->right <= 0 || far == 0 || far > 0xffff)
			goto none;
		m->qnode[a] = (uint32_t)f | j << 8 | (uint32_t)far << 16;
		m->qleaf[a] = 0;
	}
	free(raw);
	return 0;
none:
	free(raw);
	narrow_free(m);
	return 0;
oom:
	free(raw);
	narrow_free(m);
	return -1;
}

/* Row z's ranks: q[f] = how many of slot f's thresholds are below z[f]
 * (255 for NaN, which goes right at every split, as in hd_rf_prob). */
static void narrow_row(const struct hd_rf *m, const double *z, uint8_t *q)
{
	for (int f = 0; f < m->dim; f++) {
		const double *t = m->qthr + m->qoff[f];
		int lo = 0, hi = m->qoff[f + 1] - m->qoff[f];

		if (isnan(z[f])) {
			q[f] = RF_QMAX;
			continue;
		}
		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;

			if (t[mid] < z[f])
				lo = mid + 1;
			else
				hi = mid;
		}
		q[f] = (uint8_t)lo;
	}
	q[RF_QSLOT] = RF_QMAX;
}

/*
 * The block's rows, RF_LANES side by side down each tree, without a
 * branch per step (whose outcome no predictor could guess); the lanes
 * stop when all are at leaves.  Q holds RF_QROW bytes a row.
 */
static void narrow_block(const struct hd_rf *m, const uint8_t *Q, size_t n,
                         double *p)
{
	const uint32_t *qn = m->qnode;

	for (int t = 0; t < m->n_trees; t++) {
		const uint32_t root = (uint32_t)m->roots[t];
		size_t i = 0;

		for (; i + RF_LANES <= n; i += RF_LANES) {
			const uint8_t *q = Q + i * RF_QROW;
			uint32_t at[RF_LANES];
			uint32_t inner;

			for (int k = 0; k < RF_LANES; k++)
				at[k] = root;
			do {
				inner = 0;
#pragma GCC unroll 4
				for (int k = 0; k < RF_LANES; k++) {
					uint32_t w = qn[at[k]];
					uint32_t right =
						0u -
						(uint32_t)(q[k * RF_QROW +
					                     (w & 0xff)] >
					                   (w >> 8 & 0xff));

					inner |= w ^ RF_QLEAF;
					at[k] += 1 + (((w >> 16) - 1) & right);
				}
			} while (inner != 0);
			for (int k = 0; k < RF_LANES; k++)
				p[i + (size_t)k] += m->qleaf[at[k]];
		}
		for (; i < n; i++) {
			const uint8_t *q = Q + i * RF_QROW;
			uint32_t at = root, w;

			while ((w = qn[at]) != RF_QLEAF)
				at += q[w & 0xff] > (w >> 8 & 0xff) ? w >> 16
				                                    : 1;
			p[i] += m->qleaf[at];
		}
	}
}

/*
 * The same probabilities as hd_rf_prob for many rows, bit for bit (each
 * row's leaves are summed in tree order, then divided once), with the
 * trees in the outer loop: one tree's nodes, a few kilobytes, stay in
 * the first-level cache while every row of the block walks it, where
 * row after row would pull the whole forest through it each time.
 *
 * RF_LANES rows walk a tree side by side without a branch per step,
 * whose outcome no predictor could guess: a row at a leaf reads the NaN
 * in its slot dim, compares false and goes "right", which for a leaf is
 * the leaf itself, so it stays; the lanes stop when all are at leaves.
 */
void hd_rf_prob_rows(const struct hd_rf *m, double *Z, size_t n, double *p)
{
	const struct hd_rf_node *base = m->nodes;
	const int32_t dim = m->dim;
	const size_t stride = (size_t)dim + 1;

	for (size_t i = 0; i < n; i++)
		p[i] = 0;
	if (m->qnode != NULL) {
		uint8_t Q[RF_QBLOCK * RF_QROW];

		for (size_t lo = 0; lo < n; lo += RF_QBLOCK) {
			size_t b = n - lo < RF_QBLOCK ? n - lo : RF_QBLOCK;

			for (size_t i = 0; i < b; i++)
				narrow_row(m, Z + (lo + i) * stride,
				           Q + i * RF_QROW);
			narrow_block(m, Q, b, p + lo);
		}
		for (size_t i = 0; i < n; i++)
			p[i] /= m->n_trees;
		return;
	}
	for (size_t i = 0; i < n; i++)
		Z[i * stride + (size_t)dim] = NAN;
	for (int t = 0; t < m->n_trees; t++) {
		const int32_t root = m->roots[t];
		size_t i = 0;

		for (; i + RF_LANES <= n; i += RF_LANES) {
			const double *z = Z + i * stride;
			int32_t at[RF_LANES];
			int32_t inner;

			for (int k = 0; k < RF_LANES; k++)
				at[k] = root;
			do {
				inner = 0;
#pragma GCC unroll 4
				for (int k = 0; k < RF_LANES; k++) {
					const struct hd_rf_node *nd =
						base + at[k];
					int32_t left = -(
						int32_t)(z[(size_t)k * stride +
					                   (size_t)nd->feature] <=
					                 nd->v);

					inner |= nd->feature - dim;
					at[k] = ((at[k] + 1) & left) |
					        (nd->right & ~left);
				}
			} while (inner != 0);
			for (int k = 0; k < RF_LANES; k++)
				p[i + (size_t)k] += base[at[k]].v;
		}
		for (; i < n; i++) {
			const double *z = Z + i * stride;
			const struct hd_rf_node *nd = base + root;

			while (nd->feature < dim)
				nd = z[nd->feature] <= nd->v ? nd + 1
				                             : base + nd->right;
			p[i] += nd->v;
		}
	}
	for (size_t i = 0; i < n; i++)
		p[i] /= m->n_trees;
}

void hd_rf_free(struct hd_rf *m)
{
	if (m == NULL)
		return;
	for (int t = 0; m->trees != NULL && t < m->n_trees; t++) {
		struct hd_tree *tr = &m->trees[t];

		free(tr->feature);
		free(tr->threshold);
		free(tr->left);
		free(tr->right);
		free(tr->value);
	}
	free(m->trees);
	free(m->nodes);
	free(m->roots);
	narrow_free(m);
	memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------------
 * The compact form: model file version 2 (hd-model(5))
 *
 * A forest is two tables and one record per node: the distinct leaf
 * probabilities, ascending, then the distinct splits (slot, threshold)
 * by slot then threshold, and every tree's nodes in preorder as codes,
 * code c < n_leaves a leaf of leaves[c], otherwise the split
 * splits[c - n_leaves].  A grown-to-purity forest on this data has two
 * leaf values and a few hundred splits, so a node takes 2 bytes
 * instead of the 16 of a packed node or the ~12 of its text.
 * ------------------------------------------------------------------- */

void hd_rf_code_free(struct hd_rf_code *c)
{
	if (c == NULL)
		return;
	free(c->leaves);
	free(c->slot);
	free(c->threshold);
	free(c->records);
	memset(c, 0, sizeof *c);
}

static int cmp_leaf(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct split {
	int slot;
	double threshold;
};

static int cmp_split(const void *a, const void *b)
{
	const struct split *x = a, *y = b;

	if (x->slot != y->slot)
		return (x->slot > y->slot) - (x->slot < y->slot);
	return (x->threshold > y->threshold) - (x->threshold < y->threshold);
}

/* Count the nodes of the tree at nodes[root], walking its links. */
static size_t tree_size(const struct hd_rf *m, int root)
{
	size_t n = 0;
	int open = 1;

	/* Preorder: a split's left child is the next node, and its right
	 * child follows the left subtree, so the nodes of one tree are
	 * contiguous and a count of open children finds its end. */
	for (int i = root; open > 0; i++, n++)
		open += m->nodes[i].feature < m->dim ? 1 : -1;
	return n;
}

int hd_rf_encode(const struct hd_rf *m, struct hd_rf_code *c)
{
	size_t n = 0, nl = 0, ns = 0, at = 0;
	struct split *sp = NULL;
	uint32_t n_codes;

	memset(c, 0, sizeof *c);
	for (int t = 0; t < m->n_trees; t++)
		n += tree_size(m, m->roots[t]);
	c->n_trees = m->n_trees;
	c->n_nodes = n;
	c->leaves = malloc((n ? n : 1) * sizeof *c->leaves);
	sp = malloc((n ? n : 1) * sizeof *sp);
	if (c->leaves == NULL || sp == NULL)
		goto oom;
	for (int t = 0; t < m->n_trees; t++) {
		size_t size = tree_size(m, m->roots[t]);

		for (size_t i = 0; i < size; i++) {
			const struct hd_rf_node *nd =
				&m->nodes[m->roots[t] + i];

			if (nd->feature < m->dim)
				sp[ns++] = (struct split){ nd->feature, nd->v };
			else
				c->leaves[nl++] = nd->v;
		}
	}
	qsort(c->leaves, nl, sizeof *c->leaves, cmp_leaf);
	qsort(sp, ns, sizeof *sp, cmp_split);
	c->n_leaves = 0;
	for (size_t i = 0; i < nl; i++)
		if (i == 0 || cmp_leaf(&c->leaves[i], &c->leaves[i - 1]) != 0)
			c->leaves[c->n_leaves++] = c->leaves[i];
	c->n_splits = 0;
	for (size_t i = 0; i < ns; i++)
		if (i == 0 || cmp_split(&sp[i], &sp[i - 1]) != 0)
			sp[c->n_splits++] = sp[i];
	n_codes = (uint32_t)c->n_leaves + (uint32_t)c->n_splits;
	c->width = n_codes <= 256 ? 1 : n_codes <= 65536 ? 2 : 4;
	c->slot = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
	                 sizeof *c->slot);
	c->threshold = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
	                      sizeof *c->threshold);
	c->records = malloc((n ? n : 1) * (size_t)c->width);
	if (c->slot == NULL || c->threshold == NULL || c->records == NULL)
		goto oom;
	for (int s = 0; s < c->n_splits; s++) {
		c->slot[s] = sp[s].slot;
		c->threshold[s] = sp[s].threshold;
	}
	for (int t = 0; t < m->n_trees; t++) {
		size_t size = tree_size(m, m->roots[t]);

		for (size_t i = 0; i < size; i++) {
			const struct hd_rf_node *nd =
				&m->nodes[m->roots[t] + i];
			uint32_t code;

			if (nd->feature < m->dim) {
				struct split key = { nd->feature, nd->v };
				const struct split *f =
					bsearch(&key, sp, (size_t)c->n_splits,
				                sizeof *sp, cmp_split);

				code = (uint32_t)c->n_leaves +
				       (uint32_t)(f - sp);
			} else {
				const double *f = bsearch(&nd->v, c->leaves,
				                          (size_t)c->n_leaves,
				                          sizeof *c->leaves,
				                          cmp_leaf);

				code = (uint32_t)(f - c->leaves);
			}
			for (int b = 0; b < c->width; b++)
				c->records[at++] = (uint8_t)(code >> (8 * b));
		}
	}
	free(sp);
	return 0;
oom:
	free(sp);
	hd_rf_code_free(c);
	return -1;
}

/* The tables: sorted, without duplicates, in range, and not too many
 * codes for the width (which must be the smallest that holds them). */
static int check_tables(const struct hd_rf_code *c, int dim, char *err,
                        size_t errlen)
{
	uint64_t n_codes = (uint64_t)c->n_leaves + (uint64_t)c->n_splits;
	int smallest = n_codes <= 256 ? 1 : n_codes <= 65536 ? 2 : 4;

	if (c->n_leaves < 1) {
		snprintf(err, errlen, "params: \"leaves\" is empty");
		return -1;
	}
	for (int i = 0; i < c->n_leaves; i++) {
		if (!(c->leaves[i] >= 0 && c->leaves[i] <= 1)) {
			snprintf(err, errlen,
			         "params: leaves[%d] is not a probability "
			         "in [0, 1]",
			         i);
			return -1;
		}
		if (i > 0 && !(c->leaves[i] > c->leaves[i - 1])) {
			snprintf(err, errlen,
			         "params: leaves[%d] is not above leaves[%d] "
			         "(the table is ascending, without duplicates)",
			         i, i - 1);
			return -1;
		}
	}
	for (int s = 0; s < c->n_splits; s++) {
		if (!(c->slot[s] >= 0 && c->slot[s] < dim)) {
			snprintf(err, errlen,
			         "params: splits[%d]: slot %d is not one of "
			         "the %d encoded slots",
			         s, c->slot[s], dim);
			return -1;
		}
		if (!isfinite(c->threshold[s])) {
			snprintf(err, errlen,
			         "params: splits[%d]: the threshold is not a "
			         "finite number",
			         s);
			return -1;
		}
		if (s > 0 && !(c->slot[s] > c->slot[s - 1] ||
		               (c->slot[s] == c->slot[s - 1] &&
		                c->threshold[s] > c->threshold[s - 1]))) {
			snprintf(err, errlen,
			         "params: splits[%d] does not come after "
			         "splits[%d] (the table is by slot, then "
			         "threshold, without duplicates)",
			         s, s - 1);
			return -1;
		}
	}
	if (c->width != smallest) {
		snprintf(err, errlen,
		         "params: \"width\" is %d; the %llu codes take %d "
		         "(1, 2 or 4 bytes, the smallest that holds them)",
		         c->width, (unsigned long long)n_codes, smallest);
		return -1;
	}
	return 0;
}

/* Record i of width bytes, little-endian. */
static inline uint32_t record(const uint8_t *r, size_t i, int width)
{
	r += i * (size_t)width;
	if (width == 2)
		return (uint32_t)r[0] | (uint32_t)r[1] << 8;
	if (width == 1)
		return r[0];
	return (uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 |
	       (uint32_t)r[3] << 24;
}

/*
 * The narrow form (see above) of a forest decoded from its compact
 * form, which holds what hd_rf_narrow sorts for: the splits table is
 * every slot's thresholds, sorted and each once, so a split code is its
 * slot and rank already.  The same arrays hd_rf_narrow builds, without
 * its sort of every split's threshold (4 ms of a 200-tree load); none
 * where hd_rf_narrow makes none.  0, or -1 if out of memory.
 */
static int narrow_from_code(struct hd_rf *m, const struct hd_rf_code *c)
{
	int dim = m->dim;
	uint32_t *word = NULL; /* per split: slot | rank << 8 */

	narrow_free(m);
	if (dim < 1 || dim >= RF_QSLOT || m->n_nodes == 0)
		return 0;
	m->qoff = calloc((size_t)dim + 1, sizeof *m->qoff);
	m->qthr = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
	                 sizeof *m->qthr);
	m->qnode = malloc(m->n_nodes * sizeof *m->qnode);
	m->qleaf = malloc(m->n_nodes * sizeof *m->qleaf);
	word = malloc((size_t)(c->n_splits ? c->n_splits : 1) * sizeof *word);
	if (!m->qoff || !m->qthr || !m->qnode || !m->qleaf || !word) {
		free(word);
		narrow_free(m);
		return -1;
	}
	for (int k = 0; k < c->n_splits; k++)
		m->qoff[c->slot[k] + 1]++;
	for (int f = 0; f < dim; f++) {
		if (m->qoff[f + 1] > RF_QMAX)
			goto none;
		m->qoff[f + 1] += m->qoff[f];
	}
	for (int k = 0; k < c->n_splits; k++) {
		m->qthr[k] = c->threshold[k];
		word[k] = (uint32_t)c->slot[k] |
		          (uint32_t)(k - m->qoff[c->slot[k]]) << 8;
	}
	for (size_t a = 0, k = 0; a < m->n_nodes; a++) {
		const struct hd_rf_node *nd = &m->nodes[a];
		size_t far = (size_t)nd->right - a;

		if (nd->feature >= dim) {
			m->qnode[a] = RF_QLEAF;
			m->qleaf[a] = nd->v;
			continue;
		}
		/* The split's code, by its place among the records. */
		k = record(c->records, a, c->width) - (uint32_t)c->n_leaves;
		if (far == 0 || far > 0xffff)
			goto none;
		m->qnode[a] = word[k] | (uint32_t)far << 16;
		m->qleaf[a] = 0;
	}
	free(word);
	return 0;
none:
	free(word);
	narrow_free(m);
	return 0;
}

int hd_rf_decode(struct hd_rf *m, int dim, const struct hd_rf_code *c,
                 char *err, size_t errlen)
{
	uint32_t n_leaves = (uint32_t)c->n_leaves;
	uint32_t n_codes;
	uint8_t *used = NULL;
	double *val = NULL;
	int32_t *feat = NULL, *stack = NULL;
	size_t at = 0;
	int t;

	memset(m, 0, sizeof *m);
	if (c->n_trees < 1 || c->n_nodes < (size_t)c->n_trees ||
	    c->n_nodes > HD_RF_MAX_NODES) {
		snprintf(err, errlen,
		         "params: %d trees of %zu nodes: a forest needs a tree "
		         "or more, a node a tree or more, and at most %d "
		         "nodes",
		         c->n_trees, c->n_nodes, HD_RF_MAX_NODES);
		return -1;
	}
	if (check_tables(c, dim, err, errlen) != 0)
		return -1;
	n_codes = n_leaves + (uint32_t)c->n_splits;
	m->dim = dim;
	m->nodes = malloc(c->n_nodes * sizeof *m->nodes);
	m->roots = malloc((size_t)c->n_trees * sizeof *m->roots);
	used = calloc(n_codes, 1);
	/* A packed node's v and feature by code: the two tables as one. */
	val = malloc(n_codes * sizeof *val);
	feat = malloc(n_codes * sizeof *feat);
	/* At most one push per node; zeroed, as a step that pops nothing
	 * still reads the slot it would pop. */
	stack = calloc(c->n_nodes + 1, sizeof *stack);
	if (m->nodes == NULL || m->roots == NULL || used == NULL ||
	    val == NULL || feat == NULL || stack == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (uint32_t k = 0; k < n_codes; k++) {
		val[k] = k < n_leaves ? c->leaves[k]
		                      : c->threshold[k - n_leaves];
		feat[k] = k < n_leaves ? dim : c->slot[k - n_leaves];
	}
	for (t = 0; t < c->n_trees && at < c->n_nodes; t++) {
		/*
		 * The splits whose left subtree is being read are on a stack,
		 * stack[0..sp).  A node right after a split is its left
		 * child; one right after a leaf ends the left subtree of the
		 * top split and is that split's right child.  The tree ends
		 * at a leaf that leaves the stack empty.  Whether a node is a
		 * leaf is as good as random, so the steps are masks, not
		 * branches (which compilers make of ?: here), and the stack
		 * pointer, not a load, carries from node to node.
		 */
		size_t sp = 0;
		int prev_leaf = 0;

		m->roots[t] = (int)at;
		for (;;) {
			struct hd_rf_node *nd = &m->nodes[at];
			int32_t me = (int32_t)at, s, pm;
			uint32_t code;
			int leaf;

			if (at == c->n_nodes) {
				snprintf(err, errlen,
				         "params: the records end inside tree "
				         "%d (an incomplete tree)",
				         t);
				goto fail;
			}
			code = record(c->records, at, c->width);
			if (code >= n_codes) {
				snprintf(err, errlen,
				         "params: record %zu (tree %d) is code "
				         "%lu, not below the %lu codes of the "
				         "tables",
				         at, t, (unsigned long)code,
				         (unsigned long)n_codes);
				goto fail;
			}
			used[code] = 1;
			nd->v = val[code];
			nd->feature = feat[code];
			/* A leaf's right names itself (hd_rf_pack's form); a
			 * split's is set when its left subtree ends. */
			nd->right = me;
			/* After a leaf (pm all ones): pop the top split and
			 * make this its right child; otherwise write this
			 * node's own index again. */
			pm = -(int32_t)prev_leaf;
			sp -= (size_t)prev_leaf;
			s = stack[sp];
			m->nodes[(s & pm) | (me & ~pm)].right = me;
			/* A split: push it. */
			leaf = code < n_leaves;
			stack[sp] = me;
			sp += (size_t)!leaf;
			prev_leaf = leaf;
			at++;
			if (leaf & (sp == 0))
				break;
		}
	}
	if (t < c->n_trees) {
		snprintf(err, errlen,
		         "params: the records end after %d of the %d trees", t,
		         c->n_trees);
		goto fail;
	}
	if (at < c->n_nodes) {
		snprintf(err, errlen,
		         "params: %zu record(s) left over after the %d trees",
		         c->n_nodes - at, c->n_trees);
		goto fail;
	}
	for (uint32_t k = 0; k < n_codes; k++)
		if (!used[k]) {
			if (k < n_leaves)
				snprintf(err, errlen,
				         "params: leaves[%lu] is the value of no "
				         "leaf",
				         (unsigned long)k);
			else
				snprintf(err, errlen,
				         "params: splits[%lu] is the split of no "
				         "node",
				         (unsigned long)(k - n_leaves));
			goto fail;
		}
	m->n_trees = c->n_trees;
	m->n_nodes = c->n_nodes;
	if (narrow_from_code(m, c) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	free(used);
	free(val);
	free(feat);
	free(stack);
	return 0;
fail:
	free(used);
	free(val);
	free(feat);
	free(stack);
	hd_rf_free(m);
	return -1;
}
