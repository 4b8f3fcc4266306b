/*
 * evaluate.c - every figure of a set of scored rows in one JSON object,
 * as hd-eval writes it for the test rows and each subgroup, and
 * hd-loso for each held-out site: the old service's metrics (metrics.c)
 * and calibration, intervals, rates at thresholds and the decision
 * curve (calib.c), with a warning for each figure undefined on the rows.
 * The command-line regime (cli.h).
 */
#include <math.h>

#include "cli.h"

/* Say which metrics are undefined on these rows, and what we wrote. */
static void warn_undefined(const char *who, const struct hd_metrics *m)
{
	char t[HD_NUMBUF];

	if (m->tp + m->fn == 0 || m->tn + m->fp == 0)
		hd_err("warning: %sonly class %d in the data: ROC-AUC is "
		       "undefined (written as null)",
		       who, m->tp + m->fn ? 1 : 0);
	if (m->tp + m->fn == 0)
		hd_err("warning: %sno positive rows: recall is undefined "
		       "(written as 0)",
		       who);
	if (m->tp + m->fp == 0)
		hd_err("warning: %sno row has probability >= %s: precision is "
		       "undefined (written as 0)",
		       who, hd_fmt_double(t, m->threshold));
	if (2 * m->tp + m->fp + m->fn == 0)
		hd_err("warning: %sno positive rows and none predicted: F1 is "
		       "undefined (written as 0)",
		       who);
}

/*
 * Every figure of n scored rows as one JSON object: the old service's
 * metrics, calibration, intervals, rates at thresholds and the decision
 * curve.  who prefixes the warnings ("" or "site va: ").
 */
cJSON *hd_evaluate(const char *who, const double *p, const uint8_t *y, size_t n,
                   const struct hd_eval_opts *o)
{
	struct hd_metrics met;
	struct hd_calibration cal;
	struct hd_estimate ci[HD_NCI], delong;
	cJSON *test;

	hd_metrics_compute(p, y, n, o->threshold, &met);
	warn_undefined(who, &met);
	test = hd_metrics_to_json(&met, p, y, n);
	hd_calibration_compute(p, y, n, &cal);
	if (isnan(cal.slope) && met.tp + met.fn > 0 && met.tn + met.fp > 0)
		hd_err("warning: %sthe calibration slope did not converge (the "
		       "classes are separated by the scores): written as null",
		       who);
	cJSON_AddItemToObject(test, "calibration",
	                      hd_calibration_to_json(&cal));
	hd_delong(p, y, n, &delong);
	if (o->resamples > 0) {
		hd_bootstrap(p, y, n, o->threshold, o->resamples, o->seed, ci);
		cJSON_AddItemToObject(test, "intervals",
		                      hd_intervals_to_json(ci, &delong,
		                                           o->resamples,
		                                           o->seed));
	}
	cJSON_AddItemToObject(test, "thresholds",
	                      hd_thresholds_json(p, y, n, o->thresholds,
	                                         o->nthresholds));
	cJSON_AddItemToObject(test, "decision_curve",
	                      hd_decision_curve_json(p, y, n));
	return test;
}
