/*
 * calib.c - what a clinician reads beside ROC-AUC: calibration
 * (reliability bins, calibration-in-the-large, the calibration
 * intercept and slope of Van Calster et al. 2019, the expected
 * calibration error, the Brier skill score), rates at chosen
 * thresholds, the decision curve of Vickers and Elkin (2006), and the
 * uncertainty of the headline figures: a seeded stratified bootstrap
 * and DeLong's interval for ROC-AUC.
 *
 * Definitions are written out where they are computed; the man page
 * of hd-eval repeats them in a line each.  A figure that is undefined
 * on the rows at hand (one class, no predicted positives) is NaN,
 * which the JSON writes as null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Probabilities are clipped to [EPS, 1 - EPS] before logit(p), as
 * before the log in log loss: a probability of exactly 0 or 1 would
 * otherwise be an infinite predictor. */
#define LOGIT_EPS 1e-15

static double logit(double p)
{
	p = fmin(fmax(p, LOGIT_EPS), 1 - LOGIT_EPS);
	return log(p / (1 - p));
}

/* ---------------------------------------------------------------------
 * Logistic recalibration: y ~ a + b logit(p), weighted
 * ------------------------------------------------------------------- */

/* Log-likelihood of (a, b): sum w (y eta - log(1 + e^eta)). */
static double loglik(const double *l, const uint8_t *y, const double *w,
                     size_t n, double a, double b)
{
	double s = 0;

	for (size_t i = 0; i < n; i++) {
		double wi = w ? w[i] : 1, eta = a + b * l[i];

		if (wi != 0)
			s += wi * ((double)y[i] * eta - (eta > 0 ? eta : 0) -
			           log1p(exp(-fabs(eta))));
	}
	return s;
}

/*
 * Maximum likelihood of the logistic model logit P(y = 1) = a + b l[i]
 * with weights w[i] (NULL: all 1), by Newton's method from *a, *b; with
 * fit_slope 0, b stays as given (an offset, as statsmodels' GLM offset).
 * 0 when converged, else -1 (the classes are separated, or only one is
 * present: the estimate runs off).  Converged means the last step moved
 * neither parameter by 1e-8: Newton's error is then about the square of
 * that, far below the 1e-9 the tests hold it to against statsmodels.
 *
 * Each pass over the rows gives the log-likelihood, gradient and Hessian
 * at once (one exp and one log1p a row).  A step that lowers the
 * likelihood is halved and the pass redone: with logits near +-35 (p
 * clipped at 1e-15) a full Newton step can overshoot.
 */
static int recalibrate(const double *l, const uint8_t *y, const double *w,
                       size_t n, int fit_slope, double *a, double *b)
{
	double pa = *a, pb = *b, pf = -INFINITY, d0 = 0, d1 = 0, t = 1;
	double npos = 0, nall = 0, lmax = 0;
	int check = 1; /* does this pass judge the last step? */

	/* With one class the likelihood has no maximum, only a limit. */
	for (size_t i = 0; i < n; i++) {
		npos += (w ? w[i] : 1) * y[i];
		nall += w ? w[i] : 1;
		lmax = fmax(lmax, fabs(l[i]));
	}
	if (!(npos > 0 && npos < nall))
		return -1;
	for (int it = 0; it < 400; it++) {
		double f = 0, g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0, det;

		for (size_t i = 0; i < n; i++) {
			double wi = w ? w[i] : 1, eta, e, mu, v, r;

			if (wi == 0)
				continue;
			eta = *a + *b * l[i];
			/* e = exp(-|eta|): mu and log(1 + e^eta) from it. */
			e = exp(-fabs(eta));
			mu = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
			if (check)
				f += wi * ((double)y[i] * eta -
				           (eta > 0 ? eta : 0) - log1p(e));
			v = wi * mu * (1 - mu);
			r = wi * ((double)y[i] - mu);
			g0 += r;
			g1 += r * l[i];
			h00 += v;
			h01 += v * l[i];
			h11 += v * l[i] * l[i];
		}
		if (check && !(f >= pf - 1e-12 * fabs(pf))) {
			/* Worse than the last point: half the step from there. */
			t /= 2;
			if (t < 1e-10)
				return -1;
			*a = pa + t * d0;
			*b = pb + t * d1;
			continue;
		}
		if (fit_slope) {
			det = h00 * h11 - h01 * h01;
			if (!(det > 0))
				return -1;
			d0 = (h11 * g0 - h01 * g1) / det;
			d1 = (h00 * g1 - h01 * g0) / det;
		} else {
			if (!(h00 > 0))
				return -1;
			d0 = g0 / h00;
			d1 = 0;
		}
		pa = *a;
		pb = *b;
		pf = check ? f : -INFINITY;
		t = 1;
		*a = pa + d0;
		*b = pb + d1;
		if (!isfinite(*a) || !isfinite(*b) || fabs(*a) > 1e6 ||
		    fabs(*b) > 1e6)
			return -1;
		if (fmax(fabs(d0), fabs(d1)) < 1e-8)
			return 0;
		/*
		 * A step that moves no linear predictor by more than 1/2 stays
		 * where the concave likelihood is near its quadratic model: it
		 * is taken without the likelihood's check (and its log1p per
		 * row), which is most steps, since the bootstrap starts every
		 * resample next to its answer.  A larger one is judged.
		 */
		check = fabs(d0) + fabs(d1) * lmax > 0.5;
		if (check && pf == -INFINITY)
			pf = loglik(l, y, w, n, pa, pb);
	}
	return -1;
}

/* ---------------------------------------------------------------------
 * Calibration
 * ------------------------------------------------------------------- */

/*
 * Bin of p among nb bins with interior edges e[0..nb-2]: the first
 * edge >= p (numpy's searchsorted, side "left"), as scikit-learn's
 * calibration_curve bins: bin k holds edge[k] < p <= edge[k + 1], and
 * bin 0 also p = 0.
 */
static int bin_of(const double *e, int nb, double p)
{
	int k = 0;

	while (k < nb - 1 && e[k] < p)
		k++;
	return k;
}

/* Fill bins from interior edges e (nb - 1 of them) and the ends 0, 1. */
static void fill_bins(const double *p, const uint8_t *y, size_t n,
                      const double *e, int nb, struct hd_bin *bin)
{
	double sp[HD_CAL_BINS] = { 0 }, sy[HD_CAL_BINS] = { 0 };

	for (int k = 0; k < nb; k++) {
		bin[k].lo = k ? e[k - 1] : 0;
		bin[k].hi = k < nb - 1 ? e[k] : 1;
		bin[k].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		int k = bin_of(e, nb, p[i]);

		bin[k].n++;
		sp[k] += p[i];
		sy[k] += y[i];
	}
	for (int k = 0; k < nb; k++) {
		bin[k].mean_p = bin[k].n ? sp[k] / (double)bin[k].n : NAN;
		bin[k].observed = bin[k].n ? sy[k] / (double)bin[k].n : NAN;
	}
}

void hd_calibration_compute(const double *p, const uint8_t *y, size_t n,
                            struct hd_calibration *c)
{
	double ew[HD_CAL_BINS - 1], ec[HD_CAL_BINS - 1], sp = 0, sy = 0, sb = 0;
	double *sorted = hd_xmalloc((n ? n : 1) * sizeof *sorted);
	double *l = hd_xmalloc((n ? n : 1) * sizeof *l);

	memset(c, 0, sizeof *c);
	/* Edges as numpy's linspace(0, 1, 11) makes them: k * 0.1. */
	for (int k = 1; k < HD_CAL_BINS; k++)
		ew[k - 1] = k * (1.0 / HD_CAL_BINS);
	/* Equal-count edges: numpy's linear percentiles of p at the same
	 * fractions, as calibration_curve(strategy="quantile"). */
	memcpy(sorted, p, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, hd_cmp_double);
	for (int k = 1; k < HD_CAL_BINS; k++)
		ec[k - 1] = hd_quantile(sorted, n, ew[k - 1]);
	fill_bins(p, y, n, ew, HD_CAL_BINS, c->width);
	fill_bins(p, y, n, ec, HD_CAL_BINS, c->count);
	free(sorted);

	for (size_t i = 0; i < n; i++) {
		sp += p[i];
		sy += y[i];
		sb += (p[i] - y[i]) * (p[i] - y[i]);
		l[i] = logit(p[i]);
	}
	c->n = n;
	c->mean_p = n ? sp / (double)n : NAN;
	c->observed = n ? sy / (double)n : NAN;
	/* ECE over the equal-width bins: sum of n_k / n |observed - mean p|. */
	c->ece = n ? 0 : NAN;
	for (int k = 0; n && k < HD_CAL_BINS; k++)
		if (c->width[k].n)
			c->ece +=
				(double)c->width[k].n / (double)n *
				fabs(c->width[k].observed - c->width[k].mean_p);
	/* Brier skill: 1 - Brier / Brier of the base rate, ybar (1 - ybar). */
	c->brier_skill = n && sy > 0 && sy < (double)n
	                         ? 1 - (sb / (double)n) / (c->observed *
	                                                   (1 - c->observed))
	                         : NAN;
	/* The intercept with the slope fixed at 1, then both together. */
	c->intercept = 0;
	c->slope = 1;
	if (recalibrate(l, y, NULL, n, 0, &c->intercept, &c->slope) != 0)
		c->intercept = NAN;
	c->slope_intercept = 0;
	c->slope = 1;
	if (recalibrate(l, y, NULL, n, 1, &c->slope_intercept, &c->slope) != 0)
		c->slope = c->slope_intercept = NAN;
	free(l);
}

static cJSON *bins_json(const struct hd_bin *bin)
{
	cJSON *a = cJSON_CreateArray();

	for (int k = 0; k < HD_CAL_BINS; k++) {
		cJSON *o = cJSON_CreateObject();

		hd_json_add_num(o, "lo", bin[k].lo);
		hd_json_add_num(o, "hi", bin[k].hi);
		hd_json_add_num(o, "n", (double)bin[k].n);
		hd_json_add_num(o, "mean_predicted", bin[k].mean_p);
		hd_json_add_num(o, "observed", bin[k].observed);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *hd_calibration_to_json(const struct hd_calibration *c)
{
	cJSON *o = cJSON_CreateObject(), *b = cJSON_CreateObject();

	hd_json_add_num(o, "mean_predicted", c->mean_p);
	hd_json_add_num(o, "observed", c->observed);
	hd_json_add_num(o, "intercept", c->intercept);
	hd_json_add_num(o, "slope", c->slope);
	hd_json_add_num(o, "slope_intercept", c->slope_intercept);
	hd_json_add_num(o, "ece", c->ece);
	hd_json_add_num(o, "brier_skill", c->brier_skill);
	cJSON_AddItemToObject(b, "equal_width", bins_json(c->width));
	cJSON_AddItemToObject(b, "equal_count", bins_json(c->count));
	cJSON_AddItemToObject(o, "bins", b);
	return o;
}

/* ---------------------------------------------------------------------
 * Thresholds and the decision curve
 * ------------------------------------------------------------------- */

static double ratio_nan(double num, double den)
{
	return den > 0 ? num / den : NAN;
}

void hd_rates_at(const double *p, const uint8_t *y, size_t n, double t,
                 struct hd_rates *r)
{
	memset(r, 0, sizeof *r);
	r->threshold = t;
	for (size_t i = 0; i < n; i++) {
		int pred = p[i] >= t;

		if (y[i])
			pred ? r->tp++ : r->fn++;
		else
			pred ? r->fp++ : r->tn++;
	}
	r->sensitivity = ratio_nan((double)r->tp, (double)(r->tp + r->fn));
	r->specificity = ratio_nan((double)r->tn, (double)(r->tn + r->fp));
	r->ppv = ratio_nan((double)r->tp, (double)(r->tp + r->fp));
	r->npv = ratio_nan((double)r->tn, (double)(r->tn + r->fn));
}

cJSON *hd_rates_json(const struct hd_rates *r)
{
	cJSON *o = cJSON_CreateObject();

	hd_json_add_num(o, "threshold", r->threshold);
	hd_json_add_num(o, "tn", (double)r->tn);
	hd_json_add_num(o, "fp", (double)r->fp);
	hd_json_add_num(o, "fn", (double)r->fn);
	hd_json_add_num(o, "tp", (double)r->tp);
	hd_json_add_num(o, "sensitivity", r->sensitivity);
	hd_json_add_num(o, "specificity", r->specificity);
	hd_json_add_num(o, "ppv", r->ppv);
	hd_json_add_num(o, "npv", r->npv);
	return o;
}

cJSON *hd_thresholds_json(const double *p, const uint8_t *y, size_t n,
                          const double *t, size_t nt)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t k = 0; k < nt; k++) {
		struct hd_rates r;

		hd_rates_at(p, y, n, t[k], &r);
		cJSON_AddItemToArray(a, hd_rates_json(&r));
	}
	return a;
}

/*
 * Net benefit at threshold probability t (Vickers and Elkin 2006):
 * TP/n - FP/n * t / (1 - t) for the model (treat when p >= t), and for
 * treating everyone prevalence - (1 - prevalence) t / (1 - t); treating
 * no one is 0.  Thresholds 0.01 to 0.99 by 0.01.
 */
cJSON *hd_decision_curve_json(const double *p, const uint8_t *y, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ta = cJSON_AddArrayToObject(o, "threshold");
	cJSON *tm = cJSON_AddArrayToObject(o, "model");
	cJSON *tall = cJSON_AddArrayToObject(o, "treat_all");
	cJSON *tnone = cJSON_AddArrayToObject(o, "treat_none");
	size_t pos = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	for (int k = 1; k <= 99; k++) {
		double t = k / 100.0, odds = t / (1 - t), prev;
		struct hd_rates r;

		hd_rates_at(p, y, n, t, &r);
		prev = n ? (double)pos / (double)n : NAN;
		cJSON_AddItemToArray(ta, hd_json_num(t));
		cJSON_AddItemToArray(tm,
		                     hd_json_num(
					     n ? (double)r.tp / (double)n -
							     (double)r.fp /
								     (double)n *
								     odds
					       : NAN));
		cJSON_AddItemToArray(tall,
		                     hd_json_num(prev - (1 - prev) * odds));
		cJSON_AddItemToArray(tnone, hd_json_num(0));
	}
	return o;
}

/* ---------------------------------------------------------------------
 * Uncertainty: DeLong and the stratified bootstrap
 * ------------------------------------------------------------------- */

/* Two-sided 95 %: the 0.975 quantile of the standard normal. */
#define Z975 1.959963984540054

/* Of sorted v[0..n): how many are < x, and how many == x. */
static void rank_of(const double *v, size_t n, double x, size_t *below,
                    size_t *equal)
{
	size_t lo = 0, hi = n, m;

	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if (v[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	*below = lo;
	hi = n;
	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if (v[m] <= x)
			lo = m + 1;
		else
			hi = m;
	}
	*equal = lo - *below;
}

/*
 * DeLong, DeLong and Clarke-Pearson (1988): AUC is the mean over
 * (positive, negative) pairs of psi = 1 if p_pos > p_neg, 1/2 if equal;
 * V10[i] is positive i's mean psi over the negatives, V01[j] negative
 * j's over the positives; Var = s2(V10) / m + s2(V01) / n with sample
 * variances (denominator m - 1, n - 1); the interval is AUC +- z Var^1/2,
 * cut to [0, 1].
 */
void hd_delong(const double *p, const uint8_t *y, size_t n,
               struct hd_estimate *e)
{
	size_t m = 0, k = 0, below, equal;
	double *pos, *neg, *v10, *v01, auc = 0, s10 = 0, s01 = 0, var;

	for (size_t i = 0; i < n; i++)
		m += y[i] != 0;
	k = n - m;
	e->value = e->se = e->lo = e->hi = NAN;
	if (m < 1 || k < 1)
		return;
	pos = hd_xmalloc(m * sizeof *pos);
	neg = hd_xmalloc(k * sizeof *neg);
	v10 = hd_xmalloc(m * sizeof *v10);
	v01 = hd_xmalloc(k * sizeof *v01);
	m = k = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i])
			pos[m++] = p[i];
		else
			neg[k++] = p[i];
	}
	qsort(pos, m, sizeof *pos, hd_cmp_double);
	qsort(neg, k, sizeof *neg, hd_cmp_double);
	for (size_t i = 0; i < m; i++) {
		rank_of(neg, k, pos[i], &below, &equal);
		v10[i] = ((double)below + 0.5 * (double)equal) / (double)k;
		auc += v10[i];
	}
	auc /= (double)m;
	for (size_t j = 0; j < k; j++) {
		size_t pb, pe;

		rank_of(pos, m, neg[j], &pb, &pe);
		/* positives above neg[j], plus half the ties */
		v01[j] = ((double)(m - pb - pe) + 0.5 * (double)pe) / (double)m;
	}
	for (size_t i = 0; i < m; i++)
		s10 += (v10[i] - auc) * (v10[i] - auc);
	for (size_t j = 0; j < k; j++)
		s01 += (v01[j] - auc) * (v01[j] - auc);
	e->value = auc;
	/* The variance needs two rows of each class. */
	if (m >= 2 && k >= 2) {
		var = s10 / (double)(m - 1) / (double)m +
		      s01 / (double)(k - 1) / (double)k;
		e->se = sqrt(var);
		e->lo = fmax(0, auc - Z975 * e->se);
		e->hi = fmin(1, auc + Z975 * e->se);
	}
	free(pos);
	free(neg);
	free(v10);
	free(v01);
}

static const char *const ci_name[HD_NCI] = {
	"roc_auc", "accuracy", "sensitivity", "specificity",      "ppv",
	"npv",     "f1",       "brier",       "calibration_slope"
};

/*
 * The figures of one weighted sample: w[i] copies of row i.  order[]
 * is the rows by increasing p, group[] where each run of equal p ends.
 */
static void figures(const double *p, const uint8_t *y, const double *l,
                    const double *w, size_t n, const size_t *order,
                    const size_t *gend, size_t ngroups, double threshold,
                    double a0, double b0, double out[HD_NCI])
{
	double tp = 0, fp = 0, tn = 0, fn = 0, sb = 0, tot = 0, npos = 0;
	double negbelow = 0, area2 = 0, a = a0, b = b0;
	size_t g = 0;

	for (size_t i = 0; i < n; i++) {
		if (w[i] == 0)
			continue;
		tot += w[i];
		if (y[i]) {
			npos += w[i];
			if (p[i] >= threshold)
				tp += w[i];
			else
				fn += w[i];
		} else {
			if (p[i] >= threshold)
				fp += w[i];
			else
				tn += w[i];
		}
		sb += w[i] * (p[i] - y[i]) * (p[i] - y[i]);
	}
	for (size_t s = 0; g < ngroups; g++) {
		double gp = 0, gn = 0;

		for (; s < gend[g]; s++) {
			size_t i = order[s];

			if (y[i])
				gp += w[i];
			else
				gn += w[i];
		}
		area2 += gp * (2 * negbelow + gn);
		negbelow += gn;
	}
	out[HD_CI_AUC] = npos > 0 && tot > npos
	                         ? area2 / (2 * npos * (tot - npos))
	                         : NAN;
	out[HD_CI_ACCURACY] = tot > 0 ? (tp + tn) / tot : NAN;
	out[HD_CI_SENSITIVITY] = ratio_nan(tp, tp + fn);
	out[HD_CI_SPECIFICITY] = ratio_nan(tn, tn + fp);
	out[HD_CI_PPV] = ratio_nan(tp, tp + fp);
	out[HD_CI_NPV] = ratio_nan(tn, tn + fn);
	out[HD_CI_F1] = ratio_nan(2 * tp, 2 * tp + fp + fn);
	out[HD_CI_BRIER] = tot > 0 ? sb / tot : NAN;
	out[HD_CI_SLOPE] = isfinite(a0) && isfinite(b0) &&
	                                   recalibrate(l, y, w, n, 1, &a, &b) ==
	                                           0
	                           ? b
	                           : NAN;
}

/* Rows by increasing p, ties by index: sorted once, walked per resample. */
struct pi {
	double p;
	size_t i;
};

static int by_pi(const void *x, const void *y)
{
	const struct pi *a = x, *b = y;

	if (a->p != b->p)
		return (a->p > b->p) - (a->p < b->p);
	return (a->i > b->i) - (a->i < b->i);
}

double hd_youden(const double *p, const uint8_t *y, size_t n)
{
	struct pi *v = hd_xmalloc((n ? n : 1) * sizeof *v);
	double best = NAN, bj = -INFINITY;
	size_t pos = 0, tp = 0, fp = 0;

	for (size_t i = 0; i < n; i++) {
		v[i] = (struct pi){ p[i], i };
		pos += y[i] != 0;
	}
	if (pos == 0 || pos == n) {
		free(v);
		return NAN;
	}
	/* From the highest probability down, one group of equal ones at a
	 * time, counting the rows at or above it: the first largest J wins. */
	qsort(v, n, sizeof *v, by_pi);
	for (size_t k = n; k > 0;) {
		double t = v[k - 1].p, j;

		while (k > 0 && v[k - 1].p == t) {
			k--;
			y[v[k].i] ? tp++ : fp++;
		}
		j = (double)tp / (double)pos - (double)fp / (double)(n - pos);
		if (j > bj) {
			bj = j;
			best = t;
		}
	}
	free(v);
	return best;
}

void hd_bootstrap(const double *p, const uint8_t *y, size_t n, double threshold,
                  int resamples, uint64_t seed, struct hd_estimate est[HD_NCI])
{
	size_t *order = hd_xmalloc((n ? n : 1) * sizeof *order);
	size_t *gend = hd_xmalloc((n ? n : 1) * sizeof *gend);
	size_t *rows[2], nrows[2] = { 0, 0 }, ngroups = 0;
	double *w = hd_xmalloc((n ? n : 1) * sizeof *w);
	double *l = hd_xmalloc((n ? n : 1) * sizeof *l);
	double *vals = hd_xmalloc((size_t)(resamples > 0 ? resamples : 1) *
	                          HD_NCI * sizeof *vals);
	struct pi *pairs = hd_xmalloc((n ? n : 1) * sizeof *pairs);
	double full[HD_NCI], a = 0, b = 1;
	struct hd_rng r;

	rows[0] = hd_xmalloc((n ? n : 1) * sizeof *rows[0]);
	rows[1] = hd_xmalloc((n ? n : 1) * sizeof *rows[1]);
	for (size_t i = 0; i < n; i++) {
		pairs[i] = (struct pi){ p[i], i };
		l[i] = logit(p[i]);
		w[i] = 1;
		rows[y[i] != 0][nrows[y[i] != 0]++] = i;
	}
	qsort(pairs, n, sizeof *pairs, by_pi);
	for (size_t s = 0; s < n; s++) {
		order[s] = pairs[s].i;
		if (s + 1 == n || pairs[s + 1].p != pairs[s].p)
			gend[ngroups++] = s + 1;
	}
	free(pairs);
	/* The full sample's figures, and its recalibration as the start of
	 * every resample's (it is near, so Newton takes few steps). */
	if (recalibrate(l, y, NULL, n, 1, &a, &b) != 0)
		a = b = NAN;
	figures(p, y, l, w, n, order, gend, ngroups, threshold, 0, 1, full);

	/*
	 * Resample r (0 to resamples - 1) draws, class 0 first, then class
	 * 1, as many rows of the class as it has, each uniformly with
	 * replacement (hd_rng_below over the class's rows in input order),
	 * from one xoshiro256** stream seeded with seed: tests/ re-derives
	 * the intervals from this in Python.
	 */
	hd_rng_seed(&r, seed);
	for (int k = 0; k < resamples; k++) {
		memset(w, 0, n * sizeof *w);
		for (int c = 0; c < 2; c++)
			for (size_t j = 0; j < nrows[c]; j++)
				w[rows[c][hd_rng_below(&r, nrows[c])]] += 1;
		figures(p, y, l, w, n, order, gend, ngroups, threshold, a, b,
		        vals + (size_t)k * HD_NCI);
	}
	/* Percentile intervals over the resamples where a figure is defined. */
	for (int f = 0; f < HD_NCI; f++) {
		double *v = hd_xmalloc((size_t)(resamples > 0 ? resamples : 1) *
		                       sizeof *v);
		size_t used = 0;

		for (int k = 0; k < resamples; k++)
			if (!isnan(vals[(size_t)k * HD_NCI + f]))
				v[used++] = vals[(size_t)k * HD_NCI + f];
		qsort(v, used, sizeof *v, hd_cmp_double);
		est[f].value = full[f];
		est[f].se = NAN;
		est[f].lo = hd_quantile(v, used, 0.025);
		est[f].hi = hd_quantile(v, used, 0.975);
		est[f].used = used;
		free(v);
	}
	free(order);
	free(gend);
	free(w);
	free(l);
	free(vals);
	free(rows[0]);
	free(rows[1]);
}

cJSON *hd_intervals_to_json(const struct hd_estimate est[HD_NCI],
                            const struct hd_estimate *delong, int resamples,
                            uint64_t seed)
{
	cJSON *o = cJSON_CreateObject(), *d;
	char num[32];

	cJSON_AddStringToObject(o, "method",
	                        "bootstrap, stratified by class, "
	                        "percentile");
	hd_json_add_num(o, "level", 0.95);
	hd_json_add_num(o, "resamples", resamples);
	snprintf(num, sizeof num, "%llu", (unsigned long long)seed);
	cJSON_AddItemToObject(o, "seed", cJSON_CreateRaw(num));
	for (int f = 0; f < HD_NCI; f++) {
		cJSON *e = cJSON_CreateObject();

		hd_json_add_num(e, "estimate", est[f].value);
		hd_json_add_num(e, "lo", est[f].lo);
		hd_json_add_num(e, "hi", est[f].hi);
		hd_json_add_num(e, "resamples_used", (double)est[f].used);
		cJSON_AddItemToObject(o, ci_name[f], e);
	}
	d = cJSON_AddObjectToObject(o, "roc_auc_delong");
	hd_json_add_num(d, "estimate", delong->value);
	hd_json_add_num(d, "se", delong->se);
	hd_json_add_num(d, "lo", delong->lo);
	hd_json_add_num(d, "hi", delong->hi);
	return o;
}
