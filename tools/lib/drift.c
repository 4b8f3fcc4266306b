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
	/* what cJSON counted is what it iterated (for the analyzer) */
	if (i != (size_t)n)
		return -1;
	i = 0;
	cJSON_ArrayForEach (e, k) {
		if (get_count(e, NULL, &c->value_counts[i]) != 0 ||
		    c->value_counts[i] == 0)
			return -1;
		sum += c->value_counts[i++];
	}
	c->nvalues = (size_t)n;
	if (i != (size_t)n || sum != present)
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

/* ---------------------------------------------------------------------
 * Two-sample tests
 * ------------------------------------------------------------------- */

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

uint64_t hd_sample_size(const uint64_t *counts, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += counts[i];
	return s;
}

double hd_ks_exact_p(uint64_t n1, uint64_t n2, uint64_t h)
{
	uint64_t g, a, b, m, n;
	double *col;
	double p;

	if (n1 == 0 || n2 == 0)
		return NAN;
	if (h == 0)
		return 1;
	/*
	 * A merged sample is a lattice path from (0, 0) to (n1, n2): a
	 * step right for each value of the first sample, up for each of
	 * the second, in ascending order.  At (x, y) the ECDFs differ by
	 * x/n1 - y/n2 = (x * n2/g - y * n1/g) / lcm; the path has D >= h/lcm
	 * when it touches a point where |x * n2/g - y * n1/g| >= h.  Every
	 * path is equally likely under the null hypothesis.
	 *
	 * col[y] is the share of the paths from (0, 0) to (x, y) that have
	 * touched such a point: 1 at the point itself, else the mix of its
	 * two predecessors weighted by how many paths come through each,
	 * x / (x + y) from (x - 1, y) and y / (x + y) from (x, y - 1).  A
	 * share, never a count, so nothing overflows.  The column runs
	 * along the smaller sample.
	 */
	g = gcd_u64(n1, n2);
	if (n1 >= n2) {
		m = n1, n = n2, a = n2 / g, b = n1 / g;
	} else {
		m = n2, n = n1, a = n1 / g, b = n2 / g;
	}
	/* now (x, y) walks m and n, and the point's distance is x a - y b */
	col = malloc((size_t)(n + 1) * sizeof *col);
	if (col == NULL)
		return NAN;
	col[0] = 0;
	for (uint64_t y = 1; y <= n; y++)
		col[y] = y * b >= h ? 1 : col[y - 1];
	for (uint64_t x = 1; x <= m; x++) {
		uint64_t xa = x * a;

		for (uint64_t y = 0; y <= n; y++) {
			uint64_t yb = y * b;
			uint64_t dist = xa > yb ? xa - yb : yb - xa;

			if (dist >= h)
				col[y] = 1;
			else if (y == 0)
				; /* col[0]: from (x - 1, 0) alone, unchanged */
			else
				col[y] = ((double)x * col[y] +
				          (double)y * col[y - 1]) /
				         (double)(x + y);
		}
	}
	p = col[n];
	free(col);
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

double hd_kolmogorov_sf(double lambda)
{
	const double pi = 3.14159265358979323846;
	double s = 0;

	if (!(lambda > 0))
		return 1;
	if (lambda < 1) {
		/* P = sqrt(2 pi) / lambda sum exp(-(2k - 1)^2 pi^2 / (8
		 * lambda^2)), which converges fast for small lambda */
		double t = pi * pi / (8 * lambda * lambda);

		for (int k = 1; k <= 20; k++)
			s += exp(-(2.0 * k - 1) * (2.0 * k - 1) * t);
		s = 1 - sqrt(2 * pi) / lambda * s;
		return s < 0 ? 0 : s;
	}
	/* Q = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2) */
	for (int k = 1; k <= 100; k++) {
		double t = exp(-2.0 * k * k * lambda * lambda);

		s += k % 2 ? t : -t;
		if (t < 1e-300)
			break;
	}
	s *= 2;
	return s < 0 ? 0 : s > 1 ? 1 : s;
}

int hd_ks_2samp(const double *x, const uint64_t *cx, size_t nx, const double *y,
                const uint64_t *cy, size_t ny, struct hd_test *t)
{
	uint64_t n1 = hd_sample_size(cx, nx), n2 = hd_sample_size(cy, ny);
	uint64_t c1 = 0, c2 = 0;
	size_t i = 0, j = 0;
	double d = 0;

	memset(t, 0, sizeof *t);
	t->statistic = t->p = NAN;
	if (n1 == 0 || n2 == 0)
		return -1;
	/*
	 * D = max |F1(v) - F2(v)| over the pooled values v, each ECDF
	 * taking every value <= v (searchsorted side='right', as scipy's
	 * ks_2samp): walk the distinct values of both in ascending order.
	 */
	while (i < nx || j < ny) {
		double v = j >= ny || (i < nx && x[i] <= y[j]) ? x[i] : y[j];
		double diff;

		while (i < nx && x[i] == v)
			c1 += cx[i++];
		while (j < ny && y[j] == v)
			c2 += cy[j++];
		diff = fabs((double)c1 / (double)n1 - (double)c2 / (double)n2);
		if (diff > d)
			d = diff;
	}
	if ((double)n1 * (double)n2 <= HD_KS_EXACT_MAX) {
		uint64_t g = gcd_u64(n1, n2), lcm = n1 / g * n2;
		uint64_t h = (uint64_t)llround(d * (double)lcm);

		/* D is a multiple of 1/lcm: the one d approximates. */
		t->statistic = (double)h / (double)lcm;
		t->p = hd_ks_exact_p(n1, n2, h);
		t->exact = 1;
		if (isnan(t->p))
			return -1;
	} else {
		double en = (double)n1 * (double)n2 / ((double)n1 + (double)n2);

		t->statistic = d;
		t->p = hd_kolmogorov_sf(sqrt(en) * d);
	}
	return 0;
}

/* P(a, x) by its series, for x < a + 1. */
static double gamma_p_series(double a, double x)
{
	double sum = 1 / a, term = sum;

	for (int n = 1; n < 10000; n++) {
		term *= x / (a + n);
		sum += term;
		if (fabs(term) < fabs(sum) * 1e-17)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double gamma_q_cf(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;

	for (int i = 1; i < 10000; i++) {
		double an = -i * (i - a), del;

		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double hd_gamma_q(double a, double x)
{
	if (!(a > 0) || isnan(x))
		return NAN;
	if (x <= 0)
		return 1;
	if (isinf(x))
		return 0;
	if (x < a + 1)
		return 1 - gamma_p_series(a, x);
	return gamma_q_cf(a, x);
}

double hd_chi2_sf(double x, double dof)
{
	return hd_gamma_q(dof / 2, x / 2);
}

int hd_chi2_2xk(const uint64_t *a, const uint64_t *b, int k, struct hd_test *t)
{
	double na = 0, nb = 0, n, stat = 0;
	int cols = 0;

	memset(t, 0, sizeof *t);
	t->statistic = t->p = NAN;
	for (int i = 0; i < k; i++) {
		na += (double)a[i];
		nb += (double)b[i];
		cols += a[i] + b[i] > 0;
	}
	if (na == 0 || nb == 0)
		return -1;
	n = na + nb;
	t->dof = cols - 1;
	if (t->dof == 0) {
		/* One level on both sides: observed == expected (scipy's
		 * chi2_contingency answers 0 and 1 here too). */
		t->statistic = 0;
		t->p = 1;
		return 0;
	}
	for (int i = 0; i < k; i++) {
		double col = (double)a[i] + (double)b[i];
		double ea = na * col / n, eb = nb * col / n;

		if (col == 0)
			continue;
		stat += ((double)a[i] - ea) * ((double)a[i] - ea) / ea +
		        ((double)b[i] - eb) * ((double)b[i] - eb) / eb;
	}
	t->statistic = stat;
	t->p = hd_chi2_sf(stat, t->dof);
	return 0;
}
