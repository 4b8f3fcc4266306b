/*
 * drift.c - the reference profile of a model file (layout in model.h):
 * reading it, the bin a value falls in, and the population stability
 * index.  The core regime: the server links it into its request path.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* A whole count in [0, 2^53] at key in o (o itself when key is NULL). */
static int get_count(const cJSON *o, const char *key, uint64_t *out)
{
	double v;

	if (hd_json_get_num(o, key, &v) != 0 ||
	    !(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* A strictly ascending array of at most max finite numbers into out. */
static int ascending(const cJSON *a, int max, double *out, int *n)
{
	const cJSON *e;

	*n = 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > max)
		return -1;
	cJSON_ArrayForEach (e, a) {
		if (hd_json_get_num(e, NULL, &out[*n]) != 0 ||
		    !isfinite(out[*n]) || (*n > 0 && out[*n] <= out[*n - 1]))
			return -1;
		(*n)++;
	}
	return 0;
}

/* counts[0..n) into out; their sum added to *sum. */
static int counts(const cJSON *a, int n, uint64_t *out, uint64_t *sum)
{
	const cJSON *e;
	int i = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
		return -1;
	cJSON_ArrayForEach (e, a) {
		if (get_count(e, NULL, &out[i]) != 0)
			return -1;
		*sum += out[i++];
	}
	return 0;
}

/* The distinct training values and their counts: the sample itself. */
static int sample(struct hd_drift_col *c, const cJSON *o, uint64_t present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "values");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "value_counts");
	const cJSON *e;
	int n = cJSON_GetArraySize(v);
	uint64_t sum = 0;
	size_t i = 0;

	if (!cJSON_IsArray(v) || !cJSON_IsArray(k) ||
	    cJSON_GetArraySize(k) != n)
		return -1;
	c->values = malloc((size_t)(n ? n : 1) * sizeof *c->values);
	c->value_counts = malloc((size_t)(n ? n : 1) * sizeof *c->value_counts);
	if (c->values == NULL || c->value_counts == NULL)
		return -1;
	cJSON_ArrayForEach (e, v) {
		if (hd_json_get_num(e, NULL, &c->values[i]) != 0 ||
		    !isfinite(c->values[i]) ||
		    (i > 0 && c->values[i] <= c->values[i - 1]))
			return -1;
		i++;
	}
	i = 0;
	cJSON_ArrayForEach (e, k) {
		if (get_count(e, NULL, &c->value_counts[i]) != 0 ||
		    c->value_counts[i] == 0)
			return -1;
		sum += c->value_counts[i++];
	}
	c->nvalues = (size_t)n;
	if (sum != present)
		return -1;
	c->min = n ? c->values[0] : NAN;
	c->max = n ? c->values[n - 1] : NAN;
	/* The bins must hold what the sample says they hold. */
	{
		uint64_t in[HD_DRIFT_MAXBINS] = { 0 };

		for (i = 0; i < c->nvalues; i++)
			in[hd_drift_bin(c, c->values[i])] += c->value_counts[i];
		for (int b = 0; b <= c->nedges; b++)
			if (in[b] != c->ref[b])
				return -1;
	}
	return 0;
}

static int column(struct hd_drift_col *c, const cJSON *o, int f, uint64_t rows)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	const char *want = hd_features[f].kind == HD_NUMERIC ? "numeric"
	                                                     : "categorical";
	uint64_t missing, sum = 0;
	int nv;

	c->feature = f;
	c->kind = hd_features[f].kind;
	if (!cJSON_IsString(name) ||
	    strcmp(name->valuestring, hd_features[f].name) != 0 ||
	    !cJSON_IsString(kind) || strcmp(kind->valuestring, want) != 0 ||
	    get_count(o, "missing", &missing) != 0)
		return -1;
	if (c->kind == HD_NUMERIC) {
		if (ascending(cJSON_GetObjectItemCaseSensitive(o, "edges"),
		              HD_DRIFT_MAXBINS - 2, c->edges, &c->nedges) != 0)
			return -1;
		nv = c->nedges + 1;
		c->nbins = nv + 1;
	} else {
		if (ascending(cJSON_GetObjectItemCaseSensitive(o, "levels"),
		              HD_DRIFT_MAXBINS - 2, c->levels,
		              &c->nlevels) != 0)
			return -1;
		nv = c->nlevels;
		c->nbins = nv + 2; /* other, missing */
	}
	if (counts(cJSON_GetObjectItemCaseSensitive(o, "counts"), nv, c->ref,
	           &sum) != 0 ||
	    sum + missing != rows)
		return -1;
	c->ref[c->nbins - 1] = missing;
	return c->kind == HD_NUMERIC ? sample(c, o, rows - missing) : 0;
}

int hd_profile_from_json(struct hd_profile *p, const cJSON *j, char *err,
                         size_t errlen)
{
	const cJSON *feats = cJSON_GetObjectItemCaseSensitive(j, "features");
	const cJSON *pred = cJSON_GetObjectItemCaseSensitive(j, "prediction");
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(pred, "scores");
	const cJSON *o;
	uint64_t sum = 0;
	int f = 0;

	memset(p, 0, sizeof *p);
	if (j == NULL)
		return 0;
	if (!cJSON_IsObject(j) || get_count(j, "rows", &p->rows) != 0 ||
	    p->rows == 0) {
		snprintf(err, errlen, "reference: no \"rows\" count");
		return -1;
	}
	if (!cJSON_IsArray(feats) || cJSON_GetArraySize(feats) != HD_NFEAT) {
		snprintf(err, errlen,
		         "reference: \"features\" must list the %d features",
		         HD_NFEAT);
		return -1;
	}
	cJSON_ArrayForEach (o, feats) {
		if (column(&p->col[f], o, f, p->rows) != 0) {
			snprintf(err, errlen,
			         "reference: features[%d] (%s) is malformed or "
			         "does not add up to %llu rows",
			         f, hd_features[f].name,
			         (unsigned long long)p->rows);
			hd_profile_free(p);
			return -1;
		}
		f++;
	}
	if (!cJSON_IsString(src) ||
	    (strcmp(src->valuestring, "out_of_fold") != 0 &&
	     strcmp(src->valuestring, "in_sample") != 0) ||
	    counts(cJSON_GetObjectItemCaseSensitive(pred, "counts"),
	           HD_SCORE_BINS, p->score_ref, &sum) != 0 ||
	    sum != p->rows) {
		snprintf(err, errlen,
		         "reference: \"prediction\" needs \"scores\" and %d "
		         "counts adding up to %llu rows",
		         HD_SCORE_BINS, (unsigned long long)p->rows);
		hd_profile_free(p);
		return -1;
	}
	snprintf(p->scores, sizeof p->scores, "%s", src->valuestring);
	p->ok = 1;
	return 0;
}

void hd_profile_free(struct hd_profile *p)
{
	for (int f = 0; f < HD_NFEAT; f++) {
		free(p->col[f].values);
		free(p->col[f].value_counts);
	}
	memset(p, 0, sizeof *p);
}

int hd_drift_bin(const struct hd_drift_col *c, double x)
{
	int lo = 0, hi;

	if (isnan(x))
		return c->nbins - 1;
	if (c->kind == HD_NUMERIC) {
		/* The first edge at or above x; nedges if none. */
		hi = c->nedges;
		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (x <= c->edges[mid])
				hi = mid;
			else
				lo = mid + 1;
		}
		return lo;
	}
	hi = c->nlevels - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (c->levels[mid] == x)
			return mid;
		if (c->levels[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return c->nlevels; /* other */
}

int hd_score_bin(double p)
{
	int b = (int)(p * HD_SCORE_BINS);

	if (!(p >= 0) || b < 0)
		return 0;
	return b >= HD_SCORE_BINS ? HD_SCORE_BINS - 1 : b;
}

double hd_psi(const uint64_t *ref, const uint64_t *cur, int n)
{
	double nr = 0, nc = 0, psi = 0;

	for (int i = 0; i < n; i++) {
		nr += (double)ref[i];
		nc += (double)cur[i];
	}
	if (nr == 0 || nc == 0)
		return NAN;
	for (int i = 0; i < n; i++) {
		double r = (double)ref[i] / nr, c = (double)cur[i] / nc;

		if (r == 0)
			r = HD_PSI_FLOOR;
		if (c == 0)
			c = HD_PSI_FLOOR;
		psi += (c - r) * log(c / r);
	}
	return psi;
}
