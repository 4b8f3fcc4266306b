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

/* Sums over the routes of the route-major counters at base (n per route). */
static uint64_t over_routes(const uint64_t *t, int base, int n, int i)
{
	uint64_t sum = 0;

	for (int r = 0; r < NROUTES; r++)
		sum += t[base + r * n + i];
	return sum;
}

/* {"buckets":[{"le":..,"count":cumulative}..],"sum":s,"count":n} of
 * the NBUCKETS non-cumulative counts in bucket. */
static void json_histogram(struct buf *b, const uint64_t bucket[NBUCKETS],
                           uint64_t ns)
{
	uint64_t cum = 0;

	buf_puts(b, "{\"buckets\":[");
	for (int k = 0; k < NBUCKETS; k++) {
		cum += bucket[k];
		buf_puts(b, k ? ",{\"le\":" : "{\"le\":");
		if (k < NBOUNDS)
			buf_json_num(b, bucket_le[k]);
		else
			buf_puts(b, "\"+Inf\"");
		buf_printf(b, ",\"count\":%llu}", (unsigned long long)cum);
	}
	buf_puts(b, "],\"sum\":");
	buf_json_num(b, (double)ns / 1e9);
	buf_printf(b, ",\"count\":%llu}", (unsigned long long)cum);
}

/* "requests_by_route": per route its requests, the status codes it
 * answered (those counted only) and its latency histogram. */
static void json_routes(struct buf *b, const uint64_t *t,
                        const char *const *routes)
{
	buf_puts(b, "\"requests_by_route\":{");
	for (int r = 0; r < NROUTES; r++) {
		const uint64_t *st = t + C_STATUS + (size_t)r * NSTATUS;
		uint64_t n = 0;
		int first = 1;

		for (int i = 0; i < NSTATUS; i++)
			n += st[i];
		buf_printf(b, "%s\"%s\":{\"requests\":%llu,\"by_status\":{",
		           r ? "," : "", routes[r], (unsigned long long)n);
		for (int i = 0; i < NSTATUS; i++) {
			if (st[i] == 0)
				continue;
			if (i < NCODES)
				buf_printf(b, "%s\"%d\":%llu", first ? "" : ",",
				           status_code[i],
				           (unsigned long long)st[i]);
			else
				buf_printf(b, "%s\"other\":%llu",
				           first ? "" : ",",
				           (unsigned long long)st[i]);
			first = 0;
		}
		buf_puts(b, "},\"latency_seconds\":");
		json_histogram(b, t + C_BUCKET + (size_t)r * NBUCKETS,
		               t[C_ROUTE_NS + r]);
		buf_puts(b, "}");
	}
	buf_puts(b, "}");
}

void metrics_json(struct buf *b, const struct snapshot *s,
                  const struct metrics_info *mi, const struct drift_view *dv)
{
	const uint64_t *t = s->t;
	uint64_t bucket[NBUCKETS], ns = 0;

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
		           (unsigned long long)over_routes(t, C_STATUS, NSTATUS,
		                                           i));
	buf_printf(b, "\"other\":%llu},\"errors_by_status\":{",
	           (unsigned long long)over_routes(t, C_STATUS, NSTATUS,
	                                           NCODES));
	for (int i = 0; i < NCODES; i++)
		if (status_code[i] >= 400)
			buf_printf(b, "\"%d\":%llu,", status_code[i],
			           (unsigned long long)over_routes(t, C_STATUS,
			                                           NSTATUS, i));
	buf_printf(b, "\"other\":%llu},\"latency_seconds\":",
	           (unsigned long long)over_routes(t, C_STATUS, NSTATUS,
	                                           NCODES));
	for (int k = 0; k < NBUCKETS; k++)
		bucket[k] = over_routes(t, C_BUCKET, NBUCKETS, k);
	for (int r = 0; r < NROUTES; r++)
		ns += t[C_ROUTE_NS + r];
	json_histogram(b, bucket, ns);
	buf_puts(b, ",");
	json_routes(b, t, mi->routes);
	buf_puts(b, ",\"workers\":[");
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

/* A label value as the text format escapes it: \\, \" and \n. */
static void prom_label(struct buf *b, const char *v)
{
	buf_puts(b, "\"");
	for (const char *p = v ? v : ""; *p; p++)
		if (*p == '\\' || *p == '"')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_put(b, p, 1);
	buf_puts(b, "\"");
}

/* One unlabelled counter, with its help. */
static void prom_counter(struct buf *b, const char *name, const char *help,
                         uint64_t n)
{
	prom_head(b, name, "counter", help);
	buf_printf(b, "%s %llu\n", name, (unsigned long long)n);
}

static void prom_requests(struct buf *b, const uint64_t *t,
                          const char *const *routes)
{
	prom_head(b, "hd_requests_total", "counter",
	          "HTTP requests answered, by route and status code "
	          "(other: a code not listed).");
	for (int r = 0; r < NROUTES; r++) {
		const uint64_t *st = t + C_STATUS + (size_t)r * NSTATUS;

		for (int i = 0; i < NCODES; i++)
			buf_printf(b,
			           "hd_requests_total{route=\"%s\",code=\"%d\"} "
			           "%llu\n",
			           routes[r], status_code[i],
			           (unsigned long long)st[i]);
		buf_printf(b,
		           "hd_requests_total{route=\"%s\",code=\"other\"} "
		           "%llu\n",
		           routes[r], (unsigned long long)st[NCODES]);
	}
}

static void prom_durations(struct buf *b, const uint64_t *t,
                           const char *const *routes)
{
	char num[HD_NUMBUF];

	prom_head(b, "hd_request_duration_seconds", "histogram",
	          "Time from accepting a request to its answer, by route.");
	for (int r = 0; r < NROUTES; r++) {
		const uint64_t *bk = t + C_BUCKET + (size_t)r * NBUCKETS;
		const char *rn = routes[r];
		uint64_t cum = 0;

		for (int k = 0; k < NBUCKETS; k++) {
			cum += bk[k];
			buf_printf(b,
			           "hd_request_duration_seconds_bucket{route="
			           "\"%s\",le=\"%s\"} %llu\n",
			           rn,
			           k < NBOUNDS
			                   ? hd_fmt_double(num, bucket_le[k])
			                   : "+Inf",
			           (unsigned long long)cum);
		}
		buf_printf(b,
		           "hd_request_duration_seconds_sum{route=\"%s\"} %s\n",
		           rn,
		           hd_fmt_double(num, (double)t[C_ROUTE_NS + r] / 1e9));
		buf_printf(b,
		           "hd_request_duration_seconds_count{route=\"%s\"} "
		           "%llu\n",
		           rn, (unsigned long long)cum);
	}
}

void metrics_prometheus(struct buf *b, const struct snapshot *s,
                        const struct metrics_info *mi,
                        const struct drift_view *dv)
{
	const uint64_t *t = s->t;
	int nerr = 0;

	prom_requests(b, t, mi->routes);
	prom_durations(b, t, mi->routes);
	prom_head(b, "hd_predictions_total", "counter",
	          "Patients scored, by predicted class.");
	buf_printf(b,
	           "hd_predictions_total{class=\"1\"} %llu\n"
	           "hd_predictions_total{class=\"0\"} %llu\n",
	           (unsigned long long)t[C_POSITIVE],
	           (unsigned long long)t[C_NEGATIVE]);
	prom_counter(b, "hd_batch_requests_total",
	             "Successful /predict requests that scored an array.",
	             t[C_BATCHES]);
	prom_counter(b, "hd_imputed_values_total",
	             "Features sent as null and imputed as in training.",
	             t[C_IMPUTED]);
	prom_counter(b, "hd_unseen_levels_total",
	             "Categorical values scored as a level unseen in training.",
	             t[C_UNSEEN]);
	prom_head(b, "hd_model_reloads_total", "counter",
	          "Changed model files loaded, or refused and not served.");
	buf_printf(b,
	           "hd_model_reloads_total{result=\"ok\"} %llu\n"
	           "hd_model_reloads_total{result=\"refused\"} %llu\n",
	           (unsigned long long)t[C_RELOADS],
	           (unsigned long long)t[C_REFUSED]);
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
	buf_printf(b, "hd_model_up %d\n", mi->model_up ? 1 : 0);
	if (mi->model_up) {
		prom_head(b, "hd_model_info", "gauge",
		          "The model the worker that answered serves (version: "
		          "the first 12 hex digits of its SHA-256, as the "
		          "/v2 endpoints name it); always 1.");
		buf_puts(b, "hd_model_info{name=");
		prom_label(b, mi->name);
		buf_puts(b, ",version=");
		prom_label(b, mi->version);
		buf_puts(b, ",kind=");
		prom_label(b, mi->kind);
		buf_puts(b, ",sha256=");
		prom_label(b, mi->sha256);
		buf_puts(b, ",created=");
		prom_label(b, mi->created);
		buf_puts(b, "} 1\n");
	}
	prom_head(b, "hd_build_info", "gauge",
	          "The hd-fcgi build that answered; always 1.");
	buf_puts(b, "hd_build_info{version=");
	prom_label(b, mi->build_version);
	buf_puts(b, ",compiler=");
	prom_label(b, mi->build_compiler);
	buf_puts(b, "} 1\n");
	metrics_drift_prometheus(b, dv);
}
