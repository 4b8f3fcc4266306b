/*
 * metrics.c - GET /metrics as text: the old service's JSON counters
 * (plus more), or the Prometheus text format for scrapers, both from a
 * snapshot of the shared counters.  Pure formatting: the endpoint that
 * takes the snapshot is in status.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fcgi.h"

/*
 * Prometheus when asked: ?format=prometheus, or an Accept header that
 * names text/plain or OpenMetrics (as scrapers send) and not JSON.
 */
int wants_prometheus(const char *query, const char *accept)
{
	for (const char *p = query; p && *p;
	     p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, "format=prometheus", 17) == 0 &&
		    (p[17] == '\0' || p[17] == '&'))
			return 1;
		if (strncmp(p, "format=json", 11) == 0 &&
		    (p[11] == '\0' || p[11] == '&'))
			return 0;
	}
	return accept &&
	       (strstr(accept, "text/plain") ||
	        strstr(accept, "openmetrics")) &&
	       !strstr(accept, "application/json");
}

void metrics_json(struct buf *b, const struct snapshot *s,
                  const struct drift_view *dv)
{
	const uint64_t *t = s->t;
	uint64_t cum = 0;

	buf_printf(b,
	           "{\"total_requests\":%llu,\"total_predictions\":%llu,"
	           "\"positive_predictions\":%llu,\"negative_predictions\":%llu,"
	           "\"batch_requests\":%llu,\"imputed_values\":%llu,"
	           "\"unseen_levels\":%llu,\"model_reloads\":%llu,"
	           "\"model_reloads_refused\":%llu,\"requests_by_status\":{",
	           (unsigned long long)t[C_REQUESTS],
	           (unsigned long long)t[C_PREDICTIONS],
	           (unsigned long long)t[C_POSITIVE],
	           (unsigned long long)t[C_NEGATIVE],
	           (unsigned long long)t[C_BATCHES],
	           (unsigned long long)t[C_IMPUTED],
	           (unsigned long long)t[C_UNSEEN],
	           (unsigned long long)t[C_RELOADS],
	           (unsigned long long)t[C_REFUSED]);
	for (int i = 0; i < NCODES; i++)
		buf_printf(b, "\"%d\":%llu,", status_code[i],
		           (unsigned long long)t[C_STATUS + i]);
	buf_printf(b, "\"other\":%llu},\"errors_by_status\":{",
	           (unsigned long long)t[C_STATUS + NCODES]);
	for (int i = 0; i < NCODES; i++)
		if (status_code[i] >= 400)
			buf_printf(b, "\"%d\":%llu,", status_code[i],
			           (unsigned long long)t[C_STATUS + i]);
	buf_printf(b, "\"other\":%llu},\"latency_seconds\":{\"buckets\":[",
	           (unsigned long long)t[C_STATUS + NCODES]);
	for (int k = 0; k < NBUCKETS; k++) {
		cum += t[C_BUCKET + k];
		buf_puts(b, k ? ",{\"le\":" : "{\"le\":");
		if (k < NBOUNDS)
			buf_json_num(b, bucket_le[k]);
		else
			buf_puts(b, "\"+Inf\"");
		buf_printf(b, ",\"count\":%llu}", (unsigned long long)cum);
	}
	buf_puts(b, "],\"sum\":");
	buf_json_num(b, (double)t[C_LATENCY_NS] / 1e9);
	buf_printf(b, ",\"count\":%llu},\"workers\":[",
	           (unsigned long long)t[C_REQUESTS]);
	for (int w = 0; w < s->nworkers; w++)
		buf_printf(b,
		           "%s{\"slot\":%d,\"group\":\"%s\",\"pid\":%llu,"
		           "\"starts\":%llu,\"requests\":%llu}",
		           w ? "," : "", s->worker[w].slot,
		           s->worker[w].slot >= ERROR_SLOT_BASE ? "errors"
		                                                : "requests",
		           (unsigned long long)s->worker[w].pid,
		           (unsigned long long)s->worker[w].starts,
		           (unsigned long long)s->worker[w].requests);
	buf_puts(b, "],\"shared\":");
	buf_puts(b, s->shared ? "true" : "false");
	buf_puts(b, ",");
	metrics_drift_json(b, dv);
	buf_puts(b, "}");
}

static void prom_head(struct buf *b, const char *name, const char *type,
                      const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_prometheus(struct buf *b, const struct snapshot *s, int model_up,
                        const struct drift_view *dv)
{
	const uint64_t *t = s->t;
	uint64_t cum = 0;
	char num[HD_NUMBUF];

	prom_head(b, "hd_requests_total", "counter",
	          "HTTP requests answered, by status code.");
	for (int i = 0; i < NCODES; i++)
		buf_printf(b, "hd_requests_total{code=\"%d\"} %llu\n",
		           status_code[i], (unsigned long long)t[C_STATUS + i]);
	buf_printf(b, "hd_requests_total{code=\"other\"} %llu\n",
	           (unsigned long long)t[C_STATUS + NCODES]);
	prom_head(b, "hd_predictions_total", "counter",
	          "Patients scored, by predicted class.");
	buf_printf(b,
	           "hd_predictions_total{prediction=\"1\"} %llu\n"
	           "hd_predictions_total{prediction=\"0\"} %llu\n",
	           (unsigned long long)t[C_POSITIVE],
	           (unsigned long long)t[C_NEGATIVE]);
	prom_head(b, "hd_batch_requests_total", "counter",
	          "Successful /predict requests that scored an array.");
	buf_printf(b, "hd_batch_requests_total %llu\n",
	           (unsigned long long)t[C_BATCHES]);
	prom_head(b, "hd_imputed_values_total", "counter",
	          "Features sent as null and imputed as in training.");
	buf_printf(b, "hd_imputed_values_total %llu\n",
	           (unsigned long long)t[C_IMPUTED]);
	prom_head(b, "hd_unseen_levels_total", "counter",
	          "Categorical values scored as a level unseen in training.");
	buf_printf(b, "hd_unseen_levels_total %llu\n",
	           (unsigned long long)t[C_UNSEEN]);
	prom_head(b, "hd_request_duration_seconds", "histogram",
	          "Time from accepting a request to its answer.");
	for (int k = 0; k < NBUCKETS; k++) {
		cum += t[C_BUCKET + k];
		buf_printf(b,
		           "hd_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
		           k < NBOUNDS ? hd_fmt_double(num, bucket_le[k])
		                       : "+Inf",
		           (unsigned long long)cum);
	}
	buf_printf(b, "hd_request_duration_seconds_sum %s\n",
	           hd_fmt_double(num, (double)t[C_LATENCY_NS] / 1e9));
	buf_printf(b, "hd_request_duration_seconds_count %llu\n",
	           (unsigned long long)t[C_REQUESTS]);
	prom_head(b, "hd_model_reloads_total", "counter",
	          "Changed model files loaded, or refused and not served.");
	buf_printf(b,
	           "hd_model_reloads_total{result=\"ok\"} %llu\n"
	           "hd_model_reloads_total{result=\"refused\"} %llu\n",
	           (unsigned long long)t[C_RELOADS],
	           (unsigned long long)t[C_REFUSED]);
	int nerr = 0;

	for (int w = 0; w < s->nworkers; w++)
		nerr += s->worker[w].slot >= ERROR_SLOT_BASE;
	prom_head(b, "hd_workers", "gauge",
	          "Worker slots of this server, by "
	          "group: requests (the API), errors (lighttpd's own errors).");
	buf_printf(b,
	           "hd_workers{group=\"requests\"} %d\n"
	           "hd_workers{group=\"errors\"} %d\n",
	           s->nworkers - nerr, nerr);
	prom_head(b, "hd_model_up", "gauge",
	          "1 when the worker that answered serves a model.");
	buf_printf(b, "hd_model_up %d\n", model_up);
	metrics_drift_prometheus(b, dv);
}
