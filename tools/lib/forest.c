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
	return 0;
oom:
	free(stack);
	free(m->nodes);
	free(m->roots);
	m->nodes = NULL;
	m->roots = NULL;
	return -1;
}

static double narrow_prob(const struct hd_rf *m, const double *z);

/* Called per request by the server: no allocation, no locks. */
double hd_rf_prob(const struct hd_rf *m, const double *z)
{
	double sum = 0;

	if (m == NULL || m->n_trees <= 0)
		return NAN;
	if (m->nodes == NULL)
		return narrow_prob(m, z);
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
 * operations.  A leaf has slot 31, whose rank is always 255 > j, so
 * it goes "right" by 0 and stays put; its j is the index of its
 * probability in qleaf[].  A forest with more than 31 slots, 255
 * thresholds on one slot, 255 leaf probabilities or a subtree of 65536
 * nodes has no narrow form and is walked as doubles.
 *
 * A forest loaded from a version 2 file is held in the narrow form
 * alone when it has one (nodes[] NULL): a quarter of the memory, and
 * hd_rf_prob walks it too.
 * ------------------------------------------------------------------- */

enum { RF_QSLOT = 31, RF_QROW = 32, RF_QMAX = 255, RF_QBLOCK = 64 };
/* Rows that walk a tree side by side. */
enum { RF_LANES = 4 };
/* Is w a leaf's word? */
#define RF_QIS_LEAF(w) (((w)&0xff) == RF_QSLOT)

static void narrow_free(struct hd_rf *m)
{
	free(m->qnode);
	free(m->qthr);
	free(m->qoff);
	free(m->qleaf);
	m->qnode = NULL;
	m->qthr = NULL;
	m->qoff = NULL;
	m->qleaf = NULL;
	m->n_qleaf = 0;
}

/* One distinct split (slot, threshold) of the forest, and its rank j
 * among the slot's thresholds. */
struct rf_qkey {
	double v;
	int32_t slot; /* -1: an empty place of the table */
	int32_t j;
};

static int qkey_cmp(const void *a, const void *b)
{
	const struct rf_qkey *p = a, *q = b;

	if (p->slot != q->slot)
		return p->slot < q->slot ? -1 : 1;
	return (p->v > q->v) - (p->v < q->v);
}

/* Its place in a table of cap (a power of two) places, probing on. */
static struct rf_qkey *qkey_find(struct rf_qkey *tab, size_t cap, int32_t slot,
                                 double v)
{
	uint64_t h;

	memcpy(&h, &v, sizeof h);
	h = (h ^ (uint64_t)(uint32_t)slot * 0x9e3779b97f4a7c15u) *
	    0xbf58476d1ce4e5b9u;
	for (size_t k = (size_t)(h >> 32) & (cap - 1);; k = (k + 1) & (cap - 1))
		if (tab[k].slot < 0 || (tab[k].slot == slot && tab[k].v == v))
			return &tab[k];
}

/*
 * The distinct splits go into a hash table (one pass over the nodes),
 * only they are sorted (a few hundred, where the splits are tens of
 * thousands), and a second pass looks each node's rank up.
 */
int hd_rf_narrow(struct hd_rf *m)
{
	size_t total = m->n_nodes, splits = 0, cap = 16, u = 0;
	int dim = m->dim;
	struct rf_qkey *tab = NULL, *keys = NULL;

	if (m->nodes == NULL) /* held in the narrow form alone */
		return 0;
	narrow_free(m);
	if (dim < 1 || dim >= RF_QSLOT || total == 0)
		return 0;
	for (size_t a = 0; a < total; a++)
		splits += m->nodes[a].feature < dim;
	/* The leaves' probabilities share the table, as slot RF_QSLOT. */
	while (cap < 2 * total)
		cap *= 2;
	tab = malloc(cap * sizeof *tab);
	keys = malloc((splits ? splits : 1) * sizeof *keys);
	m->qoff = calloc((size_t)dim + 1, sizeof *m->qoff);
	m->qnode = malloc(total * sizeof *m->qnode);
	m->qleaf = malloc(RF_QMAX * sizeof *m->qleaf);
	if (!tab || !keys || !m->qoff || !m->qnode || !m->qleaf)
		goto oom;
	for (size_t k = 0; k < cap; k++)
		tab[k].slot = -1;
	for (size_t a = 0; a < total; a++) {
		const struct hd_rf_node *nd = &m->nodes[a];
		struct rf_qkey *e;

		if (nd->feature >= dim)
			continue;
		/* + 0.0 makes -0.0 the 0.0 it compares equal to */
		e = qkey_find(tab, cap, nd->feature, nd->v + 0.0);
		if (e->slot < 0) {
			*e = (struct rf_qkey){ nd->v + 0.0, nd->feature, 0 };
			keys[u++] = *e;
		}
	}
	qsort(keys, u, sizeof *keys, qkey_cmp);
	m->qthr = malloc((u ? u : 1) * sizeof *m->qthr);
	if (m->qthr == NULL)
		goto oom;
	for (size_t k = 0; k < u; k++) {
		int32_t f = keys[k].slot;

		m->qthr[k] = keys[k].v;
		keys[k].j = (int32_t)k - m->qoff[f];
		if (keys[k].j >= RF_QMAX)
			goto none;
		qkey_find(tab, cap, f, keys[k].v)->j = keys[k].j;
		for (int g = f + 1; g <= dim; g++)
			m->qoff[g] = (int)k + 1;
	}
	for (size_t a = 0; a < total; a++) {
		const struct hd_rf_node *nd = &m->nodes[a];
		size_t far = (size_t)nd->right - a;

		if (nd->feature >= dim) {
			struct rf_qkey *e =
				qkey_find(tab, cap, RF_QSLOT, nd->v);

			if (e->slot < 0) {
				if (m->n_qleaf == RF_QMAX)
					goto none;
				*e = (struct rf_qkey){ nd->v, RF_QSLOT,
					               (int32_t)m->n_qleaf };
				m->qleaf[m->n_qleaf++] = nd->v;
			}
			m->qnode[a] = RF_QSLOT | (uint32_t)e->j << 8;
			continue;
		}
		if (far == 0 || far > 0xffff)
			goto none;
		m->qnode[a] =
			(uint32_t)nd->feature |
			(uint32_t)qkey_find(tab, cap, nd->feature, nd->v + 0.0)->j
				<< 8 |
			(uint32_t)far << 16;
	}
	free(tab);
	free(keys);
	return 0;
none:
	free(tab);
	free(keys);
	narrow_free(m);
	return 0;
oom:
	free(tab);
	free(keys);
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

/* One row down the narrow form: hd_rf_prob's double, bit for bit. */
static double narrow_prob(const struct hd_rf *m, const double *z)
{
	const uint32_t *qn = m->qnode;
	uint8_t q[RF_QROW];
	double sum = 0;

	narrow_row(m, z, q);
	for (int t = 0; t < m->n_trees; t++) {
		uint32_t at = (uint32_t)m->roots[t], w;

		while (!RF_QIS_LEAF(w = qn[at]))
			at += q[w & 0xff] > (w >> 8 & 0xff) ? w >> 16 : 1;
		sum += m->qleaf[w >> 8 & 0xff];
	}
	return sum / m->n_trees;
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

					inner |= (w & 0xff) ^ RF_QSLOT;
					at[k] += 1 + (((w >> 16) - 1) & right);
				}
			} while (inner != 0);
			for (int k = 0; k < RF_LANES; k++)
				p[i + (size_t)k] +=
					m->qleaf[qn[at[k]] >> 8 & 0xff];
		}
		for (; i < n; i++) {
			const uint8_t *q = Q + i * RF_QROW;
			uint32_t at = root, w;

			while (!RF_QIS_LEAF(w = qn[at]))
				at += q[w & 0xff] > (w >> 8 & 0xff) ? w >> 16
				                                    : 1;
			p[i] += m->qleaf[w >> 8 & 0xff];
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
	struct rf_qkey *sp =
		NULL; /* the splits, as the narrow form keys them */
	uint32_t n_codes;

	memset(c, 0, sizeof *c);
	if (m->nodes == NULL)
		return -1;
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
				sp[ns++] = (struct rf_qkey){ nd->v, nd->feature,
					                     0 };
			else
				c->leaves[nl++] = nd->v;
		}
	}
	qsort(c->leaves, nl, sizeof *c->leaves, hd_cmp_double);
	qsort(sp, ns, sizeof *sp, qkey_cmp);
	c->n_leaves = 0;
	for (size_t i = 0; i < nl; i++)
		if (i == 0 ||
		    hd_cmp_double(&c->leaves[i], &c->leaves[i - 1]) != 0)
			c->leaves[c->n_leaves++] = c->leaves[i];
	c->n_splits = 0;
	for (size_t i = 0; i < ns; i++)
		if (i == 0 || qkey_cmp(&sp[i], &sp[i - 1]) != 0)
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
		c->threshold[s] = sp[s].v;
	}
	for (int t = 0; t < m->n_trees; t++) {
		size_t size = tree_size(m, m->roots[t]);

		for (size_t i = 0; i < size; i++) {
			const struct hd_rf_node *nd =
				&m->nodes[m->roots[t] + i];
			uint32_t code;

			if (nd->feature < m->dim) {
				struct rf_qkey key = { nd->v, nd->feature, 0 };
				const struct rf_qkey *f =
					bsearch(&key, sp, (size_t)c->n_splits,
				                sizeof *sp, qkey_cmp);

				code = (uint32_t)c->n_leaves +
				       (uint32_t)(f - sp);
			} else {
				const double *f = bsearch(&nd->v, c->leaves,
				                          (size_t)c->n_leaves,
				                          sizeof *c->leaves,
				                          hd_cmp_double);

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
 * Can the forest be held in the narrow form alone?  Its slots, leaf
 * probabilities and thresholds per slot must fit in a byte each (the
 * subtrees' sizes are checked while decoding).
 */
static int code_narrow(const struct hd_rf_code *c, int dim)
{
	int run = 0;

	if (dim >= RF_QSLOT || c->n_leaves > RF_QMAX)
		return 0;
	for (int k = 0; k < c->n_splits; k++) {
		run = k > 0 && c->slot[k] == c->slot[k - 1] ? run + 1 : 1;
		if (run > RF_QMAX)
			return 0;
	}
	return 1;
}

/* One decode into the narrow form (narrow) or nodes[]; 1 when a subtree
 * was too large for the narrow form, else 0 or -1 as hd_rf_decode. */
static int decode(struct hd_rf *m, int dim, const struct hd_rf_code *c,
                  int narrow, char *err, size_t errlen)
{
	uint32_t n_leaves = (uint32_t)c->n_leaves;
	uint32_t n_codes, too_far = 0;
	uint8_t *used = NULL;
	double *val = NULL;
	int32_t *feat = NULL, *stack = NULL;
	uint32_t *word = NULL;   /* the narrow form: a word by code */
	uint32_t *swords = NULL; /* the words of the splits on the stack */
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
	if (narrow) {
		m->qnode = malloc(c->n_nodes * sizeof *m->qnode);
		m->qthr = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
		                 sizeof *m->qthr);
		m->qoff = calloc((size_t)dim + 1, sizeof *m->qoff);
		m->qleaf = malloc((size_t)c->n_leaves * sizeof *m->qleaf);
		word = malloc(n_codes * sizeof *word);
		swords = calloc(c->n_nodes + 1, sizeof *swords);
		if (!m->qnode || !m->qthr || !m->qoff || !m->qleaf || !word ||
		    !swords) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		/* The tables are what the narrow form keeps: the splits are
		 * by slot, then threshold, so a split's rank is its place
		 * among its slot's. */
		for (int k = 0; k < c->n_splits; k++)
			m->qoff[c->slot[k] + 1]++;
		for (int f = 0; f < dim; f++)
			m->qoff[f + 1] += m->qoff[f];
		memcpy(m->qthr, c->threshold,
		       (size_t)c->n_splits * sizeof *m->qthr);
		memcpy(m->qleaf, c->leaves,
		       (size_t)c->n_leaves * sizeof *m->qleaf);
		m->n_qleaf = (size_t)c->n_leaves;
		for (uint32_t k = 0; k < n_codes; k++) {
			int f = k < n_leaves ? 0 : c->slot[k - n_leaves];

			word[k] = k < n_leaves
			                  ? RF_QSLOT | k << 8
			                  : (uint32_t)f | (k - n_leaves -
			                                   (uint32_t)m->qoff[f])
			                                          << 8;
		}
	} else {
		m->nodes = malloc(c->n_nodes * sizeof *m->nodes);
	}
	m->roots = malloc((size_t)c->n_trees * sizeof *m->roots);
	used = calloc(n_codes, 1);
	/* A packed node's v and feature by code: the two tables as one. */
	val = malloc(n_codes * sizeof *val);
	feat = malloc(n_codes * sizeof *feat);
	/* At most one push per node; zeroed, as a step that pops nothing
	 * still reads the slot it would pop. */
	stack = calloc(c->n_nodes + 1, sizeof *stack);
	if ((!narrow && m->nodes == NULL) || m->roots == NULL || used == NULL ||
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
			int32_t me = (int32_t)at, s, pm, to;
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
			/* After a leaf (pm all ones): pop the top split and
			 * make this its right child; otherwise name this node
			 * itself, which changes nothing. */
			pm = -(int32_t)prev_leaf;
			sp -= (size_t)prev_leaf;
			s = stack[sp];
			to = (s & pm) | (me & ~pm);
			if (narrow) {
				/* A split's word is written again, with the
				 * distance to its right child, when its left
				 * subtree ends (its word comes off the stack,
				 * so nothing is read back); a leaf's distance
				 * stays 0. */
				uint32_t far = (uint32_t)(me - to);
				uint32_t w = (uint32_t)pm &
				             (swords[sp] | far << 16);

				m->qnode[me] = word[code];
				too_far |= far >> 16;
				m->qnode[to] = w | (word[code] & ~(uint32_t)pm);
				swords[sp] = word[code];
			} else {
				struct hd_rf_node *nd = &m->nodes[at];

				nd->v = val[code];
				nd->feature = feat[code];
				/* A leaf's right names itself (hd_rf_pack's
				 * form); a split's is set when its left
				 * subtree ends. */
				nd->right = me;
				m->nodes[to].right = me;
			}
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
	free(used);
	free(word);
	free(swords);
	free(val);
	free(feat);
	free(stack);
	if (too_far) {
		hd_rf_free(m);
		return 1;
	}
	return 0;
fail:
	free(used);
	free(word);
	free(swords);
	free(val);
	free(feat);
	free(stack);
	hd_rf_free(m);
	return -1;
}

int hd_rf_decode(struct hd_rf *m, int dim, const struct hd_rf_code *c,
                 char *err, size_t errlen)
{
	int rc = code_narrow(c, dim) ? decode(m, dim, c, 1, err, errlen) : 1;

	/* No narrow form: the nodes as doubles. */
	return rc == 1 ? decode(m, dim, c, 0, err, errlen) : rc;
}
