/*
 * drift.c - the patients arriving against the model's reference
 * profile: each scored patient adds one to the bin of every feature's
 * value and of its score in this worker's slot of the shared counters,
 * and /metrics turns the sums into population stability indices, the
 * same hd_psi that hd-drift computes from a file.  Pure: it works on
 * the counters and the model it is given.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>

#include "fcgi.h"

uint64_t drift_model_id(const struct hd_model *m)
{
	uint64_t id = 0;

	for (int i = 0; i < 16 && m->sha256[i]; i++) {
		char h = m->sha256[i];

		id = id << 4 |
		     (uint64_t)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
	}
	return id ? id : 1; /* 0 means none */
}

void drift_reset(struct counters *c, const struct hd_model *m)
{
	uint64_t id = m->ref.ok ? drift_model_id(m) : 0;

	if (atomic_load(&c->me->drift_model) == id)
		return;
	/* No bins while they are zeroed: a snapshot in between sums none. */
	atomic_store(&c->me->drift_model, 0);
	for (int f = 0; f < NDRIFT; f++)
		for (int b = 0; b < HD_DRIFT_MAXBINS; b++)
			atomic_store_explicit(&c->me->bins[f][b], 0,
			                      memory_order_relaxed);
	atomic_store(&c->me->drift_model, id);
}

void drift_observe(struct counters *c, const struct hd_model *m,
                   const double x[HD_NFEAT], double p)
{
	if (!m->ref.ok)
		return;
	for (int f = 0; f < HD_NFEAT; f++)
		atomic_fetch_add_explicit(
			&c->me->bins[f][hd_drift_bin(&m->ref.col[f], x[f])], 1,
			memory_order_relaxed);
	atomic_fetch_add_explicit(&c->me->bins[HD_NFEAT][hd_score_bin(p)], 1,
	                          memory_order_relaxed);
}

void drift_view(const struct snapshot *s, const struct hd_model *m,
                struct drift_view *v)
{
	const struct hd_profile *ref = &m->ref;

	memset(v, 0, sizeof *v);
	if (!ref->ok || s->drift_model == 0 ||
	    s->drift_model != drift_model_id(m))
		return;
	v->on = 1;
	for (int b = 0; b < HD_SCORE_BINS; b++)
		v->rows += s->bins[HD_NFEAT][b];
	for (int f = 0; f < HD_NFEAT; f++)
		v->psi[f] =
			hd_psi(ref->col[f].ref, s->bins[f], ref->col[f].nbins);
	v->score_psi = hd_psi(ref->score_ref, s->bins[HD_NFEAT], HD_SCORE_BINS);
}

void metrics_drift_json(struct buf *b, const struct drift_view *v)
{
	buf_puts(b, "\"drift\":");
	if (!v->on) {
		buf_puts(b, "null");
		return;
	}
	buf_printf(b, "{\"rows\":%llu,\"psi\":{", (unsigned long long)v->rows);
	for (int f = 0; f < HD_NFEAT; f++) {
		buf_puts(b, f ? ",\"" : "\"");
		buf_puts(b, hd_features[f].name);
		buf_puts(b, "\":");
		buf_json_num(b, v->psi[f]);
	}
	buf_puts(b, "},\"prediction_psi\":");
	buf_json_num(b, v->score_psi);
	buf_puts(b, "}");
}

/* A gauge's value: NaN (no rows yet) as Prometheus writes it. */
static void prom_value(struct buf *b, double x)
{
	char num[HD_NUMBUF];

	buf_puts(b, isnan(x) ? "NaN" : hd_fmt_double(num, x));
	buf_puts(b, "\n");
}

void metrics_drift_prometheus(struct buf *b, const struct drift_view *v)
{
	if (!v->on)
		return;
	buf_puts(b, "# HELP hd_drift_rows_total Patients counted against the "
	            "model's reference profile since it was loaded.\n"
	            "# TYPE hd_drift_rows_total counter\n");
	buf_printf(b, "hd_drift_rows_total %llu\n",
	           (unsigned long long)v->rows);
	buf_puts(b, "# HELP hd_drift_psi Population stability index of each "
	            "feature since the model was loaded, against its training "
	            "rows (hd-drift computes the same).\n"
	            "# TYPE hd_drift_psi gauge\n");
	for (int f = 0; f < HD_NFEAT; f++) {
		buf_printf(b, "hd_drift_psi{feature=\"%s\"} ",
		           hd_features[f].name);
		prom_value(b, v->psi[f]);
	}
	buf_puts(b, "# HELP hd_prediction_drift_psi Population stability index "
	            "of the scores since the model was loaded, against the "
	            "training rows' scores.\n"
	            "# TYPE hd_prediction_drift_psi gauge\n"
	            "hd_prediction_drift_psi ");
	prom_value(b, v->score_psi);
}
