/*
 * predict.c - POST /predict: read the body, validate it (validate.c),
 * score every patient with the served model, answer one object or a
 * batch.  The body reading and the scoring of one patient, with its
 * counting, are infer's too (oip.c): both endpoints give the same
 * doubles and count them alike.
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

int predicted(double p)
{
	return p >= server.cfg.threshold;
}

int score_patient(const double *x, uint16_t imputed, double *p, int *unseen,
                  struct tally *t)
{
	int yes;

	*p = hd_model_prob(&server.model.m, x, server.model.z, unseen);
	yes = predicted(*p);
	drift_observe(&server.counters, &server.model.m, x, *p);
	t->n++;
	if (yes)
		t->positive++;
	else
		t->negative++;
	for (int f = 0; f < HD_NFEAT; f++)
		t->imputed += (imputed >> f) & 1u;
	t->unseen += (uint64_t)*unseen;
	return yes;
}

void tally_commit(const struct tally *t, int batch)
{
	counters_add(&server.counters, C_PREDICTIONS, t->n);
	counters_add(&server.counters, C_POSITIVE, t->positive);
	counters_add(&server.counters, C_NEGATIVE, t->negative);
	counters_add(&server.counters, C_IMPUTED, t->imputed);
	counters_add(&server.counters, C_UNSEEN, t->unseen);
	if (batch)
		counters_add(&server.counters, C_BATCHES, 1);
}

int read_body(struct req *q, int need_type, fail_fn *err)
{
	char *body = server.body;

	if (need_type ? !is_json_type(q->pm.content_type)
	              : q->pm.content_type && *q->pm.content_type &&
	                        !is_json_type(q->pm.content_type)) {
		err(q, 415, "Content-Type must be application/json");
		return -1;
	}
	if (q->clen > server.cfg.max_body) {
		char msg[96];

		snprintf(msg, sizeof msg,
		         "Request body too large: the limit "
		         "is %ld bytes",
		         server.cfg.max_body);
		err(q, 413, msg);
		return -1;
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
			err(q, 408,
			    "Request Timeout: the body stopped arriving");
		else
			err(q, 400,
			    "The request body is shorter than its Content-Length");
		return -1;
	}
	/* A NUL in the body is malformed JSON like any other byte out of
	 * place: the grammar check (length-bounded) refuses it with its
	 * offset, before cJSON reads anything. */
	body[q->clen] = '\0';
	return 0;
}

/* Score one patient into out, as /predict answers it. */
static void score(struct buf *out, const double *x, uint16_t imputed,
                  struct tally *t)
{
	int unseen, first = 1;
	double p;
	int yes = score_patient(x, imputed, &p, &unseen, t);

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
}

void ep_predict(struct req *q)
{
	struct tally tally = { 0, 0, 0, 0, 0 };
	long n, i;
	int status, is_batch;
	struct buf *out = &server.out;

	if (read_body(q, 1, fail) != 0)
		return;
	status = validate_body(server.body, (size_t)q->clen,
	                       server.cfg.max_batch, &server.arena,
	                       &server.errs, out, &server.batch);
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
		      server.batch.imputed[i], &tally);
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
	tally_commit(&tally, is_batch);
}
