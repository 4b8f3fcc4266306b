/*
 * metrics.c - binary classification metrics, defined as scikit-learn
 * defines them, so a metrics file from hd-eval can be checked against
 * the Python service it replaces.
 *
 * Everything that depends on the order of the scores (ROC-AUC, the ROC
 * curve) works on one sorted copy of (score, label) pairs: O(n log n)
 * for the sort, then a single walk over groups of equal scores.  The
 * counts are kept as integers, so the area is an exact ratio of two
 * integers, rounded once.
 *
 * Scores must not be NaN (hd-eval refuses them); labels are 0 or 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Probabilities are clipped to [EPS, 1 - EPS] before the log in log
 * loss, as scikit-learn did by default before 1.2 and does with
 * log_loss(eps=1e-15); without it one confident mistake is infinite. */
#define LOGLOSS_EPS 1e-15

struct scored {
	double p;
	uint8_t y;
};

/* Decreasing score; equal scores are one group, so their order is moot. */
static int by_score_desc(const void *a, const void *b)
{
	double pa = ((const struct scored *)a)->p;
	double pb = ((const struct scored *)b)->p;

	return (pa < pb) - (pa > pb);
}

/* The pairs sorted by decreasing score, owned by the caller. */
static struct scored *sort_desc(const double *p, const uint8_t *y, size_t n)
{
	struct scored *s = hd_xmalloc((n ? n : 1) * sizeof *s);

	for (size_t i = 0; i < n; i++) {
		s[i].p = p[i];
		s[i].y = y[i] != 0;
	}
	qsort(s, n, sizeof *s, by_score_desc);
	return s;
}

/*
 * Walk the groups of equal scores in s[0..n), highest first: *i is the
 * first row of the group on entry and one past its end on return; the
 * group's positives and negatives land in *pos and *neg.
 */
static void next_group(const struct scored *s, size_t n, size_t *i,
                       uint64_t *pos, uint64_t *neg)
{
	size_t j = *i;

	*pos = *neg = 0;
	while (j < n && s[j].p == s[*i].p) {
		if (s[j].y)
			(*pos)++;
		else
			(*neg)++;
		j++;
	}
	*i = j;
}

static uint64_t count_pos(const uint8_t *y, size_t n)
{
	uint64_t pos = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	return pos;
}

/*
 * The trapezoidal area under the ROC curve, doubled and times P * N:
 * a group holding gp positives and gn negatives below tp positives
 * already passed adds a trapezoid of width gn and heights tp, tp + gp.
 * That is the Mann-Whitney U with ties counted 1/2, and it is what
 * scikit-learn's trapezoid over the curve sums to.
 */
double hd_roc_auc(const double *p, const uint8_t *y, size_t n)
{
	uint64_t npos = count_pos(y, n), nneg = n - npos;
	uint64_t area2 = 0, tp = 0, gp, gn;
	struct scored *s;

	if (npos == 0 || nneg == 0)
		return NAN;
	s = sort_desc(p, y, n);
	for (size_t i = 0; i < n;) {
		next_group(s, n, &i, &gp, &gn);
		area2 += gn * (2 * tp + gp);
		tp += gp;
	}
	free(s);
	/* Both integers are exact doubles below 2^53 (n < ~1.3e8). */
	return (double)area2 / (2.0 * (double)npos * (double)nneg);
}

/* A ratio that is 0 when undefined (scikit-learn's zero_division). */
static double ratio0(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : 0.0;
}

/*
 * Neumaier's compensated sum: a plain running sum of a million terms
 * can lose about n * 2^-53 relative, more than the 1e-12 to which we
 * check ourselves against NumPy's pairwise sums.
 */
struct ksum {
	double s, c;
};

static void ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

void hd_metrics_compute(const double *p, const uint8_t *y, size_t n,
                        double threshold, struct hd_metrics *m)
{
	struct ksum brier = { 0, 0 }, logloss = { 0, 0 };

	m->n = n;
	m->threshold = threshold;
	m->tp = m->fp = m->tn = m->fn = 0;
	for (size_t i = 0; i < n; i++) {
		int pos = y[i] != 0;
		int pred = p[i] >= threshold;
		/* The probability given to the true class, clipped. */
		double q = fmin(fmax(p[i], LOGLOSS_EPS), 1 - LOGLOSS_EPS);

		if (!pos)
			q = 1 - q;
		if (pred && pos)
			m->tp++;
		else if (pred)
			m->fp++;
		else if (pos)
			m->fn++;
		else
			m->tn++;
		ksum_add(&brier, (p[i] - pos) * (p[i] - pos));
		ksum_add(&logloss, -log(q));
	}
	if (n == 0) {
		m->accuracy = m->precision = m->recall = m->f1 = NAN;
		m->roc_auc = m->brier = m->log_loss = NAN;
		return;
	}
	m->accuracy = (double)(m->tp + m->tn) / (double)n;
	m->precision = ratio0(m->tp, m->tp + m->fp);
	m->recall = ratio0(m->tp, m->tp + m->fn);
	/* 2PR / (P + R) in counts: one rounding, and 0 where scikit-learn
	 * gives 0 (no true positive, or nothing to find or flag). */
	m->f1 = ratio0(2 * m->tp, 2 * m->tp + m->fp + m->fn);
	m->roc_auc = hd_roc_auc(p, y, n);
	m->brier = (brier.s + brier.c) / (double)n;
	m->log_loss = (logloss.s + logloss.c) / (double)n;
}

/*
 * The ROC curve as roc_curve(drop_intermediate=False) gives it: one
 * point per distinct score, highest first, after the (0, 0) point.
 * scikit-learn gives that first point the threshold max + 1 ("nothing
 * is predicted positive"); we write null, which says the same without
 * inventing a probability above 1.  A rate whose class is absent is
 * NaN there and null here.
 */
static cJSON *roc_curve_json(const double *p, const uint8_t *y, size_t n)
{
	uint64_t npos = count_pos(y, n), nneg = n - npos;
	uint64_t tp = 0, fp = 0, gp, gn;
	struct scored *s = sort_desc(p, y, n);
	cJSON *roc = cJSON_CreateObject();
	cJSON *fpr = cJSON_AddArrayToObject(roc, "fpr");
	cJSON *tpr = cJSON_AddArrayToObject(roc, "tpr");
	cJSON *thr = cJSON_AddArrayToObject(roc, "threshold");

	cJSON_AddItemToArray(fpr, hd_json_num(nneg ? 0.0 : NAN));
	cJSON_AddItemToArray(tpr, hd_json_num(npos ? 0.0 : NAN));
	cJSON_AddItemToArray(thr, cJSON_CreateNull());
	for (size_t i = 0; i < n;) {
		double score = s[i].p;

		next_group(s, n, &i, &gp, &gn);
		tp += gp;
		fp += gn;
		cJSON_AddItemToArray(fpr,
		                     hd_json_num(nneg ? (double)fp /
		                                                 (double)nneg
		                                      : NAN));
		cJSON_AddItemToArray(tpr,
		                     hd_json_num(npos ? (double)tp /
		                                                 (double)npos
		                                      : NAN));
		cJSON_AddItemToArray(thr, hd_json_num(score));
	}
	free(s);
	return roc;
}

static void add_count(cJSON *obj, const char *key, size_t v)
{
	/* Counts are exact as doubles up to 2^53. */
	hd_json_add_num(obj, key, (double)v);
}

cJSON *hd_metrics_to_json(const struct hd_metrics *m, const double *p,
                          const uint8_t *y, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *conf, *counts;
	uint64_t npos = count_pos(y, n);

	add_count(o, "n", m->n);
	hd_json_add_num(o, "threshold", m->threshold);
	hd_json_add_num(o, "accuracy", m->accuracy);
	hd_json_add_num(o, "precision", m->precision);
	hd_json_add_num(o, "recall", m->recall);
	hd_json_add_num(o, "f1", m->f1);
	hd_json_add_num(o, "roc_auc", m->roc_auc);
	hd_json_add_num(o, "brier", m->brier);
	hd_json_add_num(o, "log_loss", m->log_loss);
	conf = cJSON_AddObjectToObject(o, "confusion");
	add_count(conf, "tn", m->tn);
	add_count(conf, "fp", m->fp);
	add_count(conf, "fn", m->fn);
	add_count(conf, "tp", m->tp);
	cJSON_AddItemToObject(o, "roc", roc_curve_json(p, y, n));
	counts = cJSON_AddObjectToObject(o, "class_counts");
	add_count(counts, "0", n - npos);
	add_count(counts, "1", npos);
	return o;
}

/* ---------------------------------------------------------------------
 * Where the figures are in an evaluation's JSON
 * ------------------------------------------------------------------- */

const struct hd_figure hd_figure_list[] = {
	{ "roc_auc", NULL, "roc_auc", 1, "ROC-AUC" },
	{ "accuracy", NULL, "accuracy", 1, "Accuracy" },
	{ "precision", NULL, "ppv", 1, "Precision" },
	{ "recall", NULL, "sensitivity", 1, "Recall" },
	{ "f1", NULL, "f1", 1, "F1" },
	{ "brier", NULL, "brier", -1, "Brier score" },
	{ "log_loss", NULL, NULL, -1, "Log loss" },
	{ "ece", "calibration", NULL, -1, "ECE" },
	{ "brier_skill", "calibration", NULL, 1, "Brier skill" },
	{ "slope", "calibration", "calibration_slope", 0, "Calibration slope" },
};
const size_t hd_nfigures = sizeof hd_figure_list / sizeof hd_figure_list[0];

const struct hd_figure *hd_figure_find(const char *name)
{
	for (size_t i = 0; i < hd_nfigures; i++)
		if (strcmp(hd_figure_list[i].name, name) == 0)
			return &hd_figure_list[i];
	return NULL;
}

int hd_figure_get(const cJSON *obj, const struct hd_figure *f, double *v)
{
	if (f->group != NULL)
		obj = cJSON_GetObjectItemCaseSensitive(obj, f->group);
	return cJSON_IsObject(obj) ? hd_json_get_num(obj, f->name, v) : -1;
}
