/*
 * profile.c - the reference profile a fit tool writes into the model
 * file (layout in model.h, read back by drift.c): every feature's bins
 * and sample over the training rows, and the bins of their scores.
 * The command-line regime (cli.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The present values of column f of X (n x HD_NFEAT), sorted; their
 * number in *m.  The caller frees the array. */
static double *present_sorted(const double *X, size_t n, int f, size_t *m)
{
	double *v = hd_xmalloc((n ? n : 1) * sizeof *v);

	*m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(X[i * HD_NFEAT + f]))
			v[(*m)++] = X[i * HD_NFEAT + f];
	qsort(v, *m, sizeof *v, hd_cmp_double);
	return v;
}

static cJSON *num_array(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, hd_json_num(v[i]));
	return a;
}

static cJSON *count_array(const uint64_t *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
	return a;
}

static cJSON *feature(const double *X, size_t n, int f, const char *train)
{
	struct hd_drift_col c;
	cJSON *o = cJSON_CreateObject();
	size_t m, nd = 0;
	double *v = present_sorted(X, n, f, &m);
	double *distinct = hd_xmalloc((m ? m : 1) * sizeof *distinct);
	uint64_t *dc = hd_xmalloc((m ? m : 1) * sizeof *dc);

	memset(&c, 0, sizeof c);
	c.feature = f;
	c.kind = hd_features[f].kind;
	for (size_t i = 0; i < m; i++) {
		if (nd > 0 && v[i] == distinct[nd - 1]) {
			dc[nd - 1]++;
		} else {
			distinct[nd] = v[i];
			dc[nd++] = 1;
		}
	}
	if (c.kind == HD_NUMERIC) {
		/* The unique deciles: with many ties (oldpeak is 0 for a third
		 * of the patients) several coincide. */
		for (int k = 1; k <= 9 && m > 0; k++) {
			double e = hd_quantile(v, m, k / 10.0);

			if (c.nedges == 0 || e > c.edges[c.nedges - 1])
				c.edges[c.nedges++] = e;
		}
		c.nbins = c.nedges + 2;
	} else {
		if (nd > HD_DRIFT_MAXBINS - 2) {
			hd_err("%s: %s has %zu levels; a reference profile holds "
			       "%d at most",
			       train, hd_features[f].name, nd,
			       HD_DRIFT_MAXBINS - 2);
			free(v);
			free(distinct);
			free(dc);
			cJSON_Delete(o);
			return NULL;
		}
		memcpy(c.levels, distinct, nd * sizeof *distinct);
		c.nlevels = (int)nd;
		c.nbins = c.nlevels + 2;
	}
	for (size_t i = 0; i < n; i++)
		c.ref[hd_drift_bin(&c, X[i * HD_NFEAT + f])]++;

	cJSON_AddStringToObject(o, "name", hd_features[f].name);
	cJSON_AddStringToObject(o, "kind",
	                        c.kind == HD_NUMERIC ? "numeric"
	                                             : "categorical");
	cJSON_AddNumberToObject(o, "missing", (double)c.ref[c.nbins - 1]);
	/* the value bins: a categorical's "other" is empty in training */
	cJSON_AddItemToObject(o, "counts",
	                      count_array(c.ref,
	                                  (size_t)(c.kind == HD_NUMERIC
	                                                   ? c.nedges + 1
	                                                   : c.nlevels)));
	if (c.kind == HD_NUMERIC) {
		cJSON_AddItemToObject(o, "edges",
		                      num_array(c.edges, (size_t)c.nedges));
		cJSON_AddItemToObject(o, "values", num_array(distinct, nd));
		cJSON_AddItemToObject(o, "value_counts", count_array(dc, nd));
	} else {
		cJSON_AddItemToObject(o, "levels",
		                      num_array(c.levels, (size_t)c.nlevels));
	}
	free(v);
	free(distinct);
	free(dc);
	return o;
}

cJSON *hd_profile_to_json(const struct hd_dataset *d, const double *scores,
                          int out_of_fold, const char *train)
{
	cJSON *r = cJSON_CreateObject(), *feats = cJSON_CreateArray();
	cJSON *pred = cJSON_CreateObject();
	uint64_t sc[HD_SCORE_BINS] = { 0 };

	cJSON_AddNumberToObject(r, "rows", (double)d->n);
	cJSON_AddItemToObject(r, "features", feats);
	for (int f = 0; f < HD_NFEAT; f++) {
		cJSON *o = feature(d->X, d->n, f, train);

		if (o == NULL) {
			cJSON_Delete(r);
			cJSON_Delete(pred);
			return NULL;
		}
		cJSON_AddItemToArray(feats, o);
	}
	for (size_t i = 0; i < d->n; i++)
		sc[hd_score_bin(scores[i])]++;
	cJSON_AddStringToObject(pred, "scores",
	                        out_of_fold ? "out_of_fold" : "in_sample");
	cJSON_AddItemToObject(pred, "counts", count_array(sc, HD_SCORE_BINS));
	cJSON_AddItemToObject(r, "prediction", pred);
	return r;
}
