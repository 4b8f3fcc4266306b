/*
 * forest.c - a fitted random forest (struct hd_rf, model.h) as the
 * server uses it: its trees packed into one array in preorder for
 * scoring, the probability of one encoded vector, and freeing.  Core
 * regime: errors are returned, nothing prints or exits.  rf.c fits
 * the trees; model.c reads them from a model file.
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
	return 0;
oom:
	free(stack);
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
enum { RF_LANES = 8 };

void hd_rf_prob_rows(const struct hd_rf *m, double *Z, size_t n, double *p)
{
	const struct hd_rf_node *base = m->nodes;
	const int32_t dim = m->dim;
	const size_t stride = (size_t)dim + 1;

	for (size_t i = 0; i < n; i++) {
		p[i] = 0;
		Z[i * stride + (size_t)dim] = NAN;
	}
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
#pragma GCC unroll 8
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
	memset(m, 0, sizeof *m);
}
