/*
 * status.c - the answers about the service rather than a patient:
 * GET /health (the model served, or why none is), GET /metrics (from a
 * snapshot of the shared counters, formatted by metrics.c), the
 * OpenAPI document and docs page, and the JSON bodies of the errors
 * lighttpd finds itself.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fcgi.h"

/* hd_build_info's compiler: clang's __VERSION__ names it, gcc's not. */
#ifdef __clang__
#define BUILD_COMPILER __VERSION__
#else
#define BUILD_COMPILER "gcc " __VERSION__
#endif

void ep_health(struct req *q)
{
	struct buf *out = &server.out;

	q->ctype = "application/json";
	out->len = 0;
	if (server.model.ok) {
		q->status = 200;
		buf_puts(out, "{\"status\":\"ok\",\"model\":");
		buf_puts(out, server.model.detail);
	} else {
		q->status = 503;
		buf_puts(out, "{\"status\":\"unavailable\",\"reason\":");
		buf_json_str(out, server.model.why);
		buf_puts(out, ",\"path\":");
		buf_json_str(out, server.cfg.model);
	}
	if (server.model.refused) {
		buf_puts(out, ",\"refused\":");
		buf_puts(out, server.model.refused);
	}
	buf_printf(out, ",\"worker\":{\"pid\":%ld,\"slot\":%d}}",
	           (long)getpid(), server.counters.slot);
}

void ep_metrics(struct req *q)
{
	const struct hd_model *m = &server.model.m;
	struct snapshot s;
	struct drift_view dv;
	char version[13];
	struct metrics_info mi = {
		.routes = route_name,
		.model_up = server.model.ok,
		.build_version = HD_VERSION,
		.build_compiler = BUILD_COMPILER,
	};

	if (mi.model_up) {
		/* What the /v2 endpoints call the model's version. */
		snprintf(version, sizeof version, "%.12s", m->sha256);
		mi.name = hd_model_name(m);
		mi.version = version;
		mi.kind = hd_model_kind_name(m->kind);
		mi.sha256 = m->sha256;
		mi.created = hd_model_created(m);
	}
	counters_snapshot(&server.counters, &s);
	drift_view(&s, m, &dv);
	q->status = 200;
	server.out.len = 0;
	if (wants_prometheus(q->pm.query, q->pm.accept)) {
		q->ctype = "text/plain; version=0.0.4; charset=utf-8";
		metrics_prometheus(&server.out, &s, &mi, &dv);
	} else {
		q->ctype = "application/json";
		metrics_json(&server.out, &s, &mi, &dv);
	}
}

void ep_static(struct req *q, const char *text, size_t len, const char *ctype,
               const char *what)
{
	if (text == NULL) {
		char msg[80];

		snprintf(msg, sizeof msg, "Not Found: no %s is configured",
		         what);
		fail(q, 404, msg);
		return;
	}
	q->status = 200;
	q->ctype = ctype;
	server.out.len = 0;
	buf_put(&server.out, text, len);
}

/*
 * An error lighttpd found itself (a body over server.max-request-size,
 * a malformed request, an unknown method, a backend gone) comes here
 * through server.error-handler, so that it too gets a JSON body.
 * Two of lighttpd's answers to what a client sent are 5xx, which we
 * promise never to give for that: 501 for a method it does not know
 * (the request line did not parse, so REQUEST_URI is empty: to this
 * API it is a method not allowed, 405) or for a Transfer-Encoding it
 * does not support, and 505 for an HTTP version; both become 400.
 */
int ep_lighttpd_error(struct req *q)
{
	const char *uri = q->pm.redirect_uri;
	const char *st = q->pm.redirect_status;
	const char *orig = q->pm.request_uri;
	/* Under /v2 the answer is the Open Inference Protocol's shape. */
	fail_fn *err = orig && oip_is_v2(orig) ? oip_fail : fail;
	long status;

	if (uri == NULL || st == NULL ||
	    hd_parse_long(st, 400, 599, &status) != 0)
		return 0;
	switch (status) {
	case 413: err(q, 413, "Request body too large"); break;
	case 405:
		/* lighttpd's own 405 (CONNECT: this is no proxy) must name
		 * the methods too (RFC 9110 15.5.6): the server's, as for
		 * OPTIONS *, since the target is no path of ours. */
		method_not_allowed(q, "GET, HEAD, POST");
		break;
	case 501:
		if (orig == NULL || *orig == '\0')
			method_not_allowed(q, "GET, HEAD, POST");
		else
			err(q, 400,
			    "Bad Request: unsupported Transfer-Encoding");
		break;
	case 505: err(q, 400, "Bad Request: unsupported HTTP version"); break;
	case 400: err(q, 400, "Bad Request: malformed HTTP request"); break;
	case 500:
	case 502:
	case 503:
	case 504:
		/*
		 * A worker died mid-request, none answered in time, or all
		 * are busy: to the client that is "try again shortly", with
		 * Retry-After, whatever lighttpd's own code for it was.
		 */
		err(q, 503,
		    "Service Unavailable: the server is overloaded or "
		    "restarting; retry shortly");
		break;
	default: err(q, (int)status, reason_phrase((int)status));
	}
	return 1;
}
