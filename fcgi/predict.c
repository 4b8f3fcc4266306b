/*
 * predict.c - POST /predict: read the body, validate it (validate.c),
 * score every patient with the served model, answer one object or a
 * batch.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fcgi.h"

/*
 * Is the Content-Type application/json?  Parameters (charset=utf-8)
 * are allowed; the media type is case-insensitive.
 */
static int is_json_type(const char *ct)
{
	static const char want[] = "application/json";

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof want - 1) != 0)
		return 0;
	ct += sizeof want - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The names of a bit set of features as a JSON array. */
static void put_imputed(struct buf *out, uint16_t set)
{
	int first = 1;

	buf_puts(out, "\"imputed\":[");
	for (int f = 0; f < HD_NFEAT; f++)
		if (set & (1u << f)) {
			buf_puts(out, first ? "\"" : ",\"");
			buf_puts(out, hd_features[f].name);
			buf_puts(out, "\"");
			first = 0;
		}
	buf_puts(out, "]");
}

/* Score one patient into out; adds to the caller's tallies. */
static void score(struct buf *out, const double *x, uint16_t imputed,
                  uint64_t tally[4])
{
	int unseen, first = 1;
	double p = hd_model_prob(&server.model.m, x, server.model.z, &unseen);
	int yes = p >= server.cfg.threshold;

	drift_observe(&server.counters, &server.model.m, x, p);
	buf_puts(out, yes ? "{\"prediction\":1,\"probability\":"
	                  : "{\"prediction\":0,\"probability\":");
	buf_json_num(out, p);
	buf_puts(out, ",");
	put_imputed(out, imputed);
	buf_puts(out, ",\"warnings\":[");
	for (int f = 0; unseen > 0 && f < HD_NFEAT; f++) {
		char num[HD_NUMBUF];

		if (hd_features[f].kind != HD_CATEGORICAL || isnan(x[f]) ||
		    hd_prep_level_seen(&server.model.m.prep, f, x[f]))
			continue;
		buf_puts(out, first ? "\"" : ",\"");
		buf_puts(out, hd_features[f].name);
		buf_puts(out, ": level ");
		buf_puts(out, hd_fmt_double(num, x[f]));
		buf_puts(out,
		         " was not seen in training; scored as an unseen level\"");
		first = 0;
	}
	buf_puts(out, "]}");
	tally[yes ? 0 : 1]++;
	for (int f = 0; f < HD_NFEAT; f++)
		tally[2] += (imputed >> f) & 1u;
	tally[3] += (uint64_t)unseen;
}

void ep_predict(struct req *q)
{
	/* positive, negative, imputed, unseen */
	uint64_t tally[4] = { 0, 0, 0, 0 };
	long n, i;
	int status, is_batch;
	char *body = server.body;
	struct buf *out = &server.out;

	if (!is_json_type(q->pm.content_type)) {
		fail(q, 415, "Content-Type must be application/json");
		return;
	}
	if (q->clen > server.cfg.max_body) {
		char msg[96];

		snprintf(msg, sizeof msg,
		         "Request body too large: the limit "
		         "is %ld bytes",
		         server.cfg.max_body);
		fail(q, 413, msg);
		return;
	}
	while (q->consumed < q->clen) {
		int k = FCGX_GetStr(body + q->consumed,
		                    (int)(q->clen - q->consumed), q->fr->in);

		if (k <= 0)
			break;
		q->consumed += k;
	}
	if (q->consumed < q->clen) {
		int e = FCGX_GetError(q->fr->in);

		if (e == EAGAIN || e == EWOULDBLOCK)
			fail(q, 408,
			     "Request Timeout: the body stopped arriving");
		else
			fail(q, 400,
			     "The request body is shorter than its Content-Length");
		return;
	}
	/* A NUL in the body is malformed JSON like any other byte out of
	 * place: validate_body's grammar check (length-bounded) refuses it
	 * with json_invalid and its offset, before cJSON reads anything. */
	body[q->clen] = '\0';

	status = validate_body(body, (size_t)q->clen, server.cfg.max_batch,
	                       &server.arena, &server.errs, out, &server.batch);
	if (status != 0) {
		q->status = status;
		q->ctype = "application/json";
		return;
	}
	if (!server.model.ok) {
		char msg[sizeof server.model.why + 40];

		snprintf(msg, sizeof msg, "No model can be served: %s",
		         server.model.why);
		fail(q, 503, msg);
		return;
	}

	n = server.batch.n;
	is_batch = server.batch.is_batch;
	q->status = 200;
	q->ctype = "application/json";
	out->len = 0;
	if (is_batch)
		buf_puts(out, "{\"predictions\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(out, ",");
		score(out, server.batch.x + i * HD_NFEAT,
		      server.batch.imputed[i], tally);
	}
	if (is_batch) {
		buf_printf(out, "],\"count\":%ld", n);
	} else if (!out->oom) {
		/* The single answer is the object itself: reopen it. */
		out->len--;
	}
	buf_puts(out, ",\"threshold\":");
	buf_json_num(out, server.cfg.threshold);
	buf_puts(out, ",\"model\":");
	buf_puts(out, server.model.identity);
	buf_puts(out, "}");
	if (out->oom)
		return;
	counters_add(&server.counters, C_PREDICTIONS, (uint64_t)n);
	counters_add(&server.counters, C_POSITIVE, tally[0]);
	counters_add(&server.counters, C_NEGATIVE, tally[1]);
	counters_add(&server.counters, C_IMPUTED, tally[2]);
	counters_add(&server.counters, C_UNSEEN, tally[3]);
	if (is_batch)
		counters_add(&server.counters, C_BATCHES, 1);
}
