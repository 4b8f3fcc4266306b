/*
 * oip.c - the Open Inference Protocol (KServe v2 REST): GET /v2, GET
 * /v2/health/live and /v2/health/ready, GET /v2/models/{name}[/versions
 * /{v}] and its /ready, POST .../infer.  oipreq.c reads the paths and
 * the bodies; route() (hd-fcgi.c) checks the methods and the token.
 *
 * The model's name is hd_model_name() (the fit tools' --name), its
 * version the first 12 hex digits of the model file's SHA-256: the
 * version is the content, so a new file is a new version and a request
 * for the old one is a 404 once the new one is served.
 *
 * Live is 200 whenever a worker answers.  Ready is 200 only while a
 * verified model is served; otherwise 503 with the reason.  The
 * protocol says only "a 4xx indicates false" (Triton answers 400);
 * KServe's own server answers 503, and so do we: not being ready is
 * not the client's mistake, every 4xx of ours says it is, and 503 is
 * what /health answers for the same state (with Retry-After).  A
 * Kubernetes probe fails on any status of 400 or more, so both work
 * as probes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "fcgi.h"

/* The version of the served model: 12 hex digits of its SHA-256. */
#define VERSION_LEN 12

void oip_fail(struct req *q, int status, const char *msg)
{
	q->status = status;
	q->ctype = "application/json";
	oip_error(&server.out, msg);
}

/*
 * 503 with the reason no model can be served: {"error": why}, or with
 * ready, {"ready": false, "error": why} (the health endpoints).
 */
static void no_model(struct req *q, int ready)
{
	char msg[sizeof server.model.why + 40];

	snprintf(msg, sizeof msg, "No model can be served: %s",
	         server.model.why);
	oip_fail(q, 503, msg);
	if (ready) {
		server.out.len = 0;
		buf_puts(&server.out, "{\"ready\":false,\"error\":");
		buf_json_str(&server.out, msg);
		buf_puts(&server.out, "}");
	}
}

/*
 * Is the model of path t the one served?  1, or 0 after the answer:
 * 503 when none is served, 404 for another name or version.
 */
static int served_model(struct req *q, const struct oip_path *t)
{
	const char *name;
	char msg[200];

	if (!server.model.ok) {
		no_model(q, 0);
		return 0;
	}
	name = hd_model_name(&server.model.m);
	if (t->name_len != strlen(name) ||
	    memcmp(t->name, name, t->name_len) != 0) {
		snprintf(msg, sizeof msg,
		         "Unknown model '%.*s': this server serves '%s'",
		         (int)oip_cut(t->name, t->name_len), t->name, name);
		oip_fail(q, 404, msg);
		return 0;
	}
	if (t->version &&
	    (t->version_len != VERSION_LEN ||
	     memcmp(t->version, server.model.m.sha256, VERSION_LEN) != 0)) {
		snprintf(msg, sizeof msg,
		         "Unknown version '%.*s' of model '%s': the version "
		         "served is %.*s",
		         (int)oip_cut(t->version, t->version_len), t->version,
		         name, VERSION_LEN, server.model.m.sha256);
		oip_fail(q, 404, msg);
		return 0;
	}
	return 1;
}

static void ok_json(struct req *q)
{
	q->status = 200;
	q->ctype = "application/json";
	server.out.len = 0;
}

void ep_v2_server(struct req *q)
{
	ok_json(q);
	buf_puts(&server.out, "{\"name\":\"hd\",\"version\":\"" HD_VERSION
	                      "\",\"extensions\":[]}");
}

void ep_v2_live(struct req *q)
{
	ok_json(q);
	buf_puts(&server.out, "{\"live\":true}");
}

void ep_v2_ready(struct req *q)
{
	if (!server.model.ok) {
		no_model(q, 1);
		return;
	}
	ok_json(q);
	buf_puts(&server.out, "{\"ready\":true}");
}

/* "name" and "versions" (list: metadata) or "version" (ready). */
static void put_name(struct buf *out, int list)
{
	buf_puts(out, "\"name\":");
	buf_json_str(out, hd_model_name(&server.model.m));
	buf_printf(out,
	           list ? ",\"versions\":[\"%.*s\"]" : ",\"version\":\"%.*s\"",
	           VERSION_LEN, server.model.m.sha256);
}

/* A tensor's metadata: {"name","datatype","shape"}. */
static void put_tensor(struct buf *out, const char *name, const char *dt,
                       const char *shape)
{
	buf_puts(out, "{\"name\":");
	buf_json_str(out, name);
	buf_printf(out, ",\"datatype\":\"%s\",\"shape\":%s}", dt, shape);
}

void ep_v2_model(struct req *q, const struct oip_path *t)
{
	struct buf *out = &server.out;

	if (!served_model(q, t))
		return;
	ok_json(q);
	buf_puts(out, "{");
	put_name(out, 1);
	buf_puts(out, ",\"platform\":\"hd_");
	buf_puts(out, hd_model_kind_name(server.model.m.kind));
	buf_puts(out, "\",\"inputs\":[");
	for (int f = 0; f < HD_NFEAT; f++) {
		if (f)
			buf_puts(out, ",");
		put_tensor(out, hd_features[f].name, "FP64", "[-1]");
	}
	buf_puts(out, "],\"outputs\":[");
	put_tensor(out, "probability", "FP64", "[-1]");
	buf_puts(out, ",");
	put_tensor(out, "prediction", "INT64", "[-1]");
	/* Not in the protocol's metadata, which has one set of inputs:
	 * the other request form, and what the answers depend on. */
	buf_puts(out, "],\"alternative_inputs\":[");
	put_tensor(out, "patients", "FP64", "[-1,13]");
	buf_puts(out, "],\"parameters\":{\"threshold\":");
	buf_json_num(out, server.cfg.threshold);
	buf_puts(out, ",\"model\":");
	buf_puts(out, server.model.identity);
	buf_puts(out, "}}");
}

void ep_v2_model_ready(struct req *q, const struct oip_path *t)
{
	if (!server.model.ok) {
		no_model(q, 1);
		return;
	}
	if (!served_model(q, t))
		return;
	ok_json(q);
	buf_puts(&server.out, "{");
	put_name(&server.out, 0);
	buf_puts(&server.out, ",\"ready\":true}");
}

void ep_v2_infer(struct req *q, const struct oip_path *t)
{
	struct tally tally = { 0, 0, 0, 0, 0 };
	struct oip_want w;
	struct buf *out = &server.out;
	double *prob = server.prob;
	long n, i;
	int status;

	if (!served_model(q, t) || read_body(q, 0, oip_fail) != 0)
		return;
	status = oip_parse(server.body, (size_t)q->clen, server.cfg.max_batch,
	                   &server.arena, &server.id, out, &server.batch, &w);
	if (status != 0) {
		q->status = status;
		q->ctype = "application/json";
		return;
	}
	n = server.batch.n;
	/* The probabilities first: the outputs are tensors, one after the
	 * other, and each patient is scored (and counted) once. */
	for (i = 0; i < n; i++) {
		int unseen;

		score_patient(server.batch.x + i * HD_NFEAT,
		              server.batch.imputed[i], &prob[i], &unseen,
		              &tally);
	}
	ok_json(q);
	buf_puts(out, "{\"model_name\":");
	buf_json_str(out, hd_model_name(&server.model.m));
	buf_printf(out, ",\"model_version\":\"%.*s\"", VERSION_LEN,
	           server.model.m.sha256);
	if (w.has_id) {
		buf_puts(out, ",\"id\":");
		buf_put(out, server.id.p, server.id.len);
	}
	buf_puts(out, ",\"parameters\":{\"threshold\":");
	buf_json_num(out, server.cfg.threshold);
	buf_puts(out, "},\"outputs\":[");
	for (int k = 0; k < w.nout; k++) {
		int pred = w.out[k] == OIP_PREDICTION;

		buf_printf(out,
		           "%s{\"name\":\"%s\",\"datatype\":\"%s\","
		           "\"shape\":[%ld],\"data\":[",
		           k ? "," : "", oip_output_name[w.out[k]],
		           pred ? "INT64" : "FP64", n);
		for (i = 0; i < n; i++) {
			if (i)
				buf_puts(out, ",");
			if (pred)
				buf_puts(out, predicted(prob[i]) ? "1" : "0");
			else
				buf_json_num(out, prob[i]);
		}
		buf_puts(out, "]}");
	}
	buf_puts(out, "]}");
	if (out->oom)
		return;
	tally_commit(&tally, n > 1);
}
