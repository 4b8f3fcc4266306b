/*
 * fcgi_test.c - the responder's pure parts, without FastCGI or a
 * server: answer buffers and JSON text (fcgi/text.c), request body
 * validation and every FastAPI error entry it writes (fcgi/validate.c),
 * and the /metrics formats from a counters snapshot (fcgi/counters.c,
 * fcgi/metrics.c), and the bearer-token check (fcgi/auth.c).  Error bodies are read back with cJSON, so what is
 * checked is the JSON a client receives, not our own text.  TAP.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fcgi.h"
#include "tap.h"

/* The validator's output buffers, reused by every case. */
static struct arena arena;
static struct buf errs, out;
static double xs[4 * HD_NFEAT];
static uint16_t imputed[4];
static struct patients pts = { 0, 0, xs, imputed };

#define MAX_BATCH 3

static const char good[] =
	"{\"age\":63,\"sex\":1,\"cp\":1,\"trestbps\":145,\"chol\":233,\"fbs\":1,"
	"\"restecg\":2,\"thalach\":150,\"exang\":0,\"oldpeak\":2.3,\"slope\":3,"
	"\"ca\":0,\"thal\":6}";

static int validate(const char *body)
{
	return validate_body(body, strlen(body), MAX_BATCH, &arena, &errs, &out,
	                     &pts);
}

/* The answer's body as JSON (NUL-terminated copy); caller deletes. */
static cJSON *answer(void)
{
	char *t = malloc(out.len + 1);
	cJSON *j;

	memcpy(t, out.p, out.len);
	t[out.len] = '\0';
	j = cJSON_Parse(t);
	free(t);
	return j;
}

/* loc as text: "body", "body/age", "body/1/age". */
static void loc_text(const cJSON *e, char *buf, size_t len)
{
	const cJSON *p;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach (p, cJSON_GetObjectItem(e, "loc")) {
		if (cJSON_IsString(p))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			                      n ? "/" : "", p->valuestring);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
			                      n ? "/" : "", p->valueint);
	}
}

/*
 * Does the body validate to status, with exactly nerr entries in
 * detail, entry k having this type, loc, msg?  (NULL msg: any.)
 */
static cJSON *entry(const char *body, int status, int nerr, int k,
                    const char *type, const char *loc, const char *msg,
                    const char *what)
{
	int st = validate(body);
	cJSON *j = st ? answer() : NULL;
	const cJSON *d = cJSON_GetObjectItem(j, "detail");
	const cJSON *e = cJSON_GetArrayItem(d, k);
	const cJSON *t = cJSON_GetObjectItem(e, "type");
	const cJSON *m = cJSON_GetObjectItem(e, "msg");
	char l[128];

	loc_text(e, l, sizeof l);
	if (!check(st == status && j && cJSON_GetArraySize(d) == nerr &&
	                   cJSON_IsString(t) &&
	                   strcmp(t->valuestring, type) == 0 &&
	                   (!loc || strcmp(l, loc) == 0) && cJSON_IsString(m) &&
	                   (!msg || strcmp(m->valuestring, msg) == 0),
	           "%s: %d, %s at %s", what, status, type, loc ? loc : "any")) {
		printf("# got %d: %.*s\n", st, (int)out.len, out.p);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static double ctx_num(const cJSON *j, int k, const char *key)
{
	const cJSON *e =
		cJSON_GetArrayItem(cJSON_GetObjectItem(j, "detail"), k);
	const cJSON *v =
		cJSON_GetObjectItem(cJSON_GetObjectItem(e, "ctx"), key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* good with one field's value replaced by v. */
static char *with(const char *field, const char *v)
{
	static char body[512];
	char key[32];
	const char *at, *end;

	snprintf(key, sizeof key, "\"%s\":", field);
	at = strstr(good, key) + strlen(key);
	end = at + strcspn(at, ",}");
	snprintf(body, sizeof body, "%.*s%s%s", (int)(at - good), good, v, end);
	return body;
}

static void test_buffers(void)
{
	struct buf b = { 0 };
	char big[10000];

	buf_puts(&b, "ab");
	buf_put(&b, "cdef", 2);
	check(b.len == 4 && memcmp(b.p, "abcd", 4) == 0 && !b.oom,
	      "buf_puts and buf_put append");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_printf(&b, "[%s]%d", big, 42);
	check(b.len == 4 + 1 + 9999 + 1 + 2 && b.cap >= b.len &&
	              memcmp(b.p + b.len - 3, "]42", 3) == 0 && b.p[4] == '[',
	      "buf_printf grows past its capacity and writes all of it");
	b.len = 0;
	buf_json_str(&b, "a\"b\\c\n\x01\xc3\xa9");
	check(b.len == strlen("\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\"") &&
	              memcmp(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\"",
	                     b.len) == 0,
	      "JSON strings escape quotes, backslashes and control characters, "
	      "and keep UTF-8");
	b.len = 0;
	buf_json_num(&b, 0.1);
	buf_puts(&b, ",");
	buf_json_num(&b, NAN);
	buf_puts(&b, ",");
	buf_json_num(&b, INFINITY);
	buf_puts(&b, ",");
	buf_json_num(&b, -0.0);
	buf_puts(&b, ",");
	buf_json_num(&b, 0.6966934466048826);
	check(b.len == strlen("0.1,null,null,0,0.6966934466048826") &&
	              memcmp(b.p, "0.1,null,null,0,0.6966934466048826",
	                     b.len) == 0,
	      "JSON numbers are exact, and NaN and infinity are null");
	buf_detail(&b, "Not \"found\"");
	check(b.len == strlen("{\"detail\":\"Not \\\"found\\\"\"}") &&
	              memcmp(b.p, "{\"detail\":\"Not \\\"found\\\"\"}",
	                     b.len) == 0,
	      "buf_detail replaces the content with FastAPI's {\"detail\"}");
	buf_reset(&b, 1u << 20);
	check(b.len == 0 && b.p != NULL,
	      "buf_reset keeps a buffer under its limit");
	buf_reset(&b, 16);
	check(b.len == 0 && b.p == NULL && b.cap == 0,
	      "buf_reset gives back a buffer over its limit");
	buf_free(&b);
}

static void test_valid(void)
{
	char batch[2048];
	int st = validate(good);

	check(st == 0 && pts.n == 1 && !pts.is_batch && xs[0] == 63 &&
	              xs[9] == 2.3 && xs[12] == 6 && imputed[0] == 0,
	      "a valid patient: 0, its 13 values in feature order");
	st = validate(with("chol", "null"));
	check(st == 0 && isnan(xs[4]) && imputed[0] == 1u << 4,
	      "null is imputed: NaN and the feature's bit");
	st = validate(
		"{\"age\":1,\"age\":64,\"sex\":1,\"cp\":1,\"trestbps\":145,"
		"\"chol\":233,\"fbs\":1,\"restecg\":2,\"thalach\":150,"
		"\"exang\":0,\"oldpeak\":2.3,\"slope\":3,\"ca\":0,\"thal\":6,"
		"\"extra\":\"ignored\"}");
	check(st == 0 && xs[0] == 64,
	      "of a key given twice the last counts; unknown keys are ignored");
	snprintf(batch, sizeof batch, "[%s,%s]", good, with("age", "40"));
	st = validate(batch);
	check(st == 0 && pts.n == 2 && pts.is_batch && xs[0] == 63 &&
	              xs[HD_NFEAT] == 40,
	      "a batch: every patient, in order");
}

static void test_errors(void)
{
	char body[4096], loc[32];
	cJSON *j;

	j = entry("{\"age\": ", 400, 1, 0, "json_invalid", "body/8",
	          "JSON decode error", "malformed JSON");
	cJSON_Delete(j);
	j = entry("", 400, 1, 0, "json_invalid", "body/0", NULL,
	          "an empty body");
	check(j && strcmp(cJSON_GetObjectItem(
				  cJSON_GetObjectItem(
					  cJSON_GetArrayItem(
						  cJSON_GetObjectItem(j,
	                                                              "detail"),
						  0),
					  "ctx"),
				  "error")
	                          ->valuestring,
	                  "the body is empty") == 0,
	      "an empty body says so in ctx.error");
	cJSON_Delete(j);
	snprintf(body, sizeof body, "%s x", good);
	snprintf(loc, sizeof loc, "body/%zu", strlen(good) + 1);
	cJSON_Delete(entry(body, 400, 1, 0, "json_invalid", loc, NULL,
	                   "text after the document"));
	{
		/* What cJSON alone took and Python's json (FastAPI) refuses. */
		static const struct {
			const char *field, *v, *why;
		} lenient[] = {
			{ "age", "065",
			  "a number may not have a leading zero" },
			{ "age", "65.", "a digit was expected" },
			{ "oldpeak", "-.5", "a digit was expected" },
			{ "thal", "\"a\\u0000b\"", "\\u0000 in a string" },
			{ "thal", "\"a\tb\"",
			  "a control character in a string" },
			{ "thal", "\"\xc3\"", "not UTF-8" },
			{ "thal", "\"\\ud800\"",
			  "a lone surrogate in a string" },
		};

		for (size_t k = 0; k < sizeof lenient / sizeof lenient[0];
		     k++) {
			const char *b = with(lenient[k].field, lenient[k].v);
			const cJSON *e;

			j = entry(b, 400, 1, 0, "json_invalid", NULL,
			          "JSON decode error", lenient[k].v);
			e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "detail"),
			                       0);
			check(j && strcmp(cJSON_GetObjectItem(
						  cJSON_GetObjectItem(e, "ctx"),
						  "error")
			                          ->valuestring,
			                  lenient[k].why) == 0,
			      "%s is malformed JSON: %s", lenient[k].v,
			      lenient[k].why);
			cJSON_Delete(j);
		}
		j = entry("{\"age\\u0000x\":1}", 400, 1, 0, "json_invalid",
		          "body/5", NULL,
		          "a key with \\u0000 is malformed, not 'age'");
		cJSON_Delete(j);
	}
	cJSON_Delete(entry("42", 422, 1, 0, "model_attributes_type", "body",
	                   "Input should be an object of features or an array "
	                   "of such objects",
	                   "a number"));
	cJSON_Delete(entry("[]", 422, 1, 0, "too_short", "body",
	                   "List should have at least 1 item after validation, "
	                   "not 0",
	                   "an empty batch"));
	snprintf(body, sizeof body, "[%s,%s,%s,%s]", good, good, good, good);
	j = entry(body, 422, 1, 0, "too_long", "body",
	          "List should have at "
	          "most 3 items after validation, not 4",
	          "too long a batch");
	check(ctx_num(j, 0, "max_length") == MAX_BATCH,
	      "too_long: ctx.max_length");
	cJSON_Delete(j);
	snprintf(body, sizeof body, "[%s,7]", good);
	cJSON_Delete(entry(body, 422, 1, 0, "model_attributes_type", "body/1",
	                   "Input should be a valid dictionary or object to "
	                   "extract fields from",
	                   "a batch item that is no object"));
	j = entry("{}", 422, HD_NFEAT, 0, "missing", "body/age",
	          "Field required", "an empty object");
	check(j && strcmp(cJSON_GetArrayItem(
				  cJSON_GetObjectItem(
					  cJSON_GetArrayItem(
						  cJSON_GetObjectItem(j,
	                                                              "detail"),
						  12),
					  "loc"),
				  1)
	                          ->valuestring,
	                  "thal") == 0,
	      "an empty object: all 13 missing, in feature order");
	cJSON_Delete(j);
	j = entry(with("cp", "\"1\""), 422, 1, 0, "int_type", "body/cp",
	          "Input should be a valid integer", "a category as a string");
	check(j && strcmp(cJSON_GetObjectItem(
				  cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	                                                                 "detail"),
	                                             0),
				  "input")
	                          ->valuestring,
	                  "1") == 0,
	      "int_type echoes the input");
	cJSON_Delete(j);
	cJSON_Delete(entry(with("chol", "true"), 422, 1, 0, "float_type",
	                   "body/chol", "Input should be a valid number",
	                   "a number as a boolean"));
	cJSON_Delete(entry(with("age", "1e999"), 422, 1, 0, "finite_number",
	                   "body/age", "Input should be a finite number",
	                   "an infinite number"));
	j = entry(with("age", "-1"), 422, 1, 0, "greater_than_equal",
	          "body/age", "Input should be greater than or equal to 0",
	          "age below 0");
	check(ctx_num(j, 0, "ge") == 0, "greater_than_equal: ctx.ge");
	cJSON_Delete(j);
	j = entry(with("chol", "1001"), 422, 1, 0, "less_than_equal",
	          "body/chol", "Input should be less than or equal to 1000",
	          "chol above 1000");
	check(ctx_num(j, 0, "le") == 1000, "less_than_equal: ctx.le");
	cJSON_Delete(j);
	cJSON_Delete(entry(with("sex", "0.5"), 422, 1, 0, "int_from_float",
	                   "body/sex",
	                   "Input should be a valid integer, got a "
	                   "number with a fractional part",
	                   "a fractional category"));
	snprintf(body, sizeof body, "[%s,%s]", good, with("thal", "\"x\""));
	cJSON_Delete(entry(body, 422, 1, 0, "int_type", "body/1/thal", NULL,
	                   "a bad field in a batch is located by index"));
	snprintf(body, sizeof body, "{\"age\":\"old\",\"sex\":2}");
	j = entry(body, 422, HD_NFEAT, 1, "less_than_equal", "body/sex", NULL,
	          "every bad field of a patient is reported");
	cJSON_Delete(j);
}

/* The JSON number at path a.b.c (dots) in j, or NAN. */
static double num_at(const cJSON *j, const char *path)
{
	char key[64];

	while (j && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof key, "%.*s", (int)n, path);
		j = cJSON_GetObjectItem(j, key);
		path += n + (path[n] == '.');
	}
	return j != NULL && cJSON_IsNumber(j) ? j->valuedouble : NAN;
}

/*
 * Every sample of the Prometheus text t belongs to a family that has
 * its # HELP and # TYPE before it, and every counter's name ends in
 * _total: 1, or 0 with the offending line in why.
 */
static int prom_families_ok(const char *t, char *why, size_t len)
{
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		char fam[128], head[160];
		size_t n = strcspn(l, "{ \n");
		const char *type;

		if (strchr(l, '\n') == NULL)
			return snprintf(why, len, "no newline at the end"), 0;
		if (*l == '#') {
			if (strncmp(l, "# TYPE ", 7) == 0 &&
			    strncmp(l + 7 + strcspn(l + 7, " "), " counter\n",
			            9) == 0 &&
			    strncmp(l + 7 + strcspn(l + 7, " ") - 6, "_total",
			            6) != 0)
				return snprintf(why, len, "%.60s", l), 0;
			continue;
		}
		snprintf(fam, sizeof fam, "%.*s", (int)n, l);
		snprintf(head, sizeof head, "# TYPE %s ", fam);
		type = strstr(t, head);
		if (type == NULL || type > l) {
			/* A histogram's samples: _bucket, _sum, _count. */
			for (const char *sfx = "_bucket\0_sum\0_count\0"; *sfx;
			     sfx += strlen(sfx) + 1) {
				size_t k = strlen(sfx), f = strlen(fam);

				if (f > k && strcmp(fam + f - k, sfx) == 0) {
					fam[f - k] = '\0';
					break;
				}
			}
			snprintf(head, sizeof head, "# TYPE %s histogram\n",
			         fam);
			type = strstr(t, head);
		}
		snprintf(head, sizeof head, "# HELP %s ", fam);
		if (type == NULL || type > l || strstr(t, head) == NULL ||
		    strstr(t, head) > type)
			return snprintf(why, len, "%.60s", l), 0;
	}
	return 1;
}

static void test_metrics(void)
{
	struct counters c;
	struct snapshot s;
	struct buf b = { 0 };
	cJSON *j, *w;
	char *text, why[80] = "", names[NROUTES][16];
	const char *routes[NROUTES];
	struct metrics_info mi = {
		.routes = routes,
		.model_up = 1,
		.name = "heart-disease",
		.version = "0123456789ab",
		.kind = "lr",
		.sha256 = "0123456789abcdef",
		.created = "a\"b\\c\nd",
		.build_version = "9.9.9",
		.build_compiler = "cc 1",
	};

	/* The server's names are route_name (hd-fcgi.c); any will do. */
	for (int r = 0; r < NROUTES; r++) {
		snprintf(names[r], sizeof names[r], "r%d", r);
		routes[r] = names[r];
	}
	routes[R_PREDICT] = "predict";
	routes[R_OTHER] = "other";
	routes[R_METRICS] = "metrics";
	routes[R_DOCS] = "docs";
	check(counters_open_private(&c, 4242) == 0, "private counters open");
	counters_request(&c, R_PREDICT, 200, 0.0003);   /* le 500us */
	counters_request(&c, R_PREDICT, 200, 0.00002);  /* le 25us */
	counters_request(&c, R_PREDICT, 422, 0.02);     /* le 25ms */
	counters_request(&c, R_HEALTH, 200, 0.002);     /* le 2.5ms */
	counters_request(&c, R_METRICS, 200, 0.0001);   /* le 100us */
	counters_request(&c, (enum route)99, 418, 7.0); /* other, +Inf */
	counters_add(&c, C_PREDICTIONS, 5);
	counters_add(&c, C_POSITIVE, 2);
	counters_add(&c, C_NEGATIVE, 3);
	counters_snapshot(&c, &s);
	check(s.nworkers == 1 && s.worker[0].requests == 6 &&
	              s.t[C_REQUESTS] == 6,
	      "a snapshot sums the worker's slot");

	metrics_json(&b, &s, &mi, &(struct drift_view){ 0 });
	text = strndup(b.p, b.len);
	j = cJSON_Parse(text);
	free(text);
	check(j && num_at(j, "total_requests") == 6 &&
	              num_at(j, "total_predictions") == 5 &&
	              num_at(j, "positive_predictions") == 2 &&
	              num_at(j, "negative_predictions") == 3 &&
	              num_at(j, "requests_by_status.200") == 4 &&
	              num_at(j, "requests_by_status.422") == 1 &&
	              num_at(j, "requests_by_status.404") == 0 &&
	              num_at(j, "requests_by_status.other") == 1 &&
	              isnan(num_at(j, "errors_by_status.200")),
	      "JSON metrics: the old service's totals and requests by status");
	w = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency_seconds"),
	                        "buckets");
	check(cJSON_GetArraySize(w) == NBUCKETS && NBUCKETS == 18 &&
	              num_at(cJSON_GetArrayItem(w, 0), "le") == 25e-6 &&
	              num_at(cJSON_GetArrayItem(w, 0), "count") == 1 &&
	              num_at(cJSON_GetArrayItem(w, 2), "count") == 2 &&
	              num_at(cJSON_GetArrayItem(w, 4), "count") == 3 &&
	              num_at(cJSON_GetArrayItem(w, 6), "count") == 4 &&
	              num_at(cJSON_GetArrayItem(w, 9), "count") == 5 &&
	              num_at(cJSON_GetArrayItem(w, NBOUNDS - 1), "le") == 5 &&
	              num_at(cJSON_GetArrayItem(w, NBOUNDS - 1), "count") ==
	                      5 &&
	              num_at(cJSON_GetArrayItem(w, NBOUNDS), "count") == 6 &&
	              strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(w, NBOUNDS),
	                                         "le")
	                             ->valuestring,
	                     "+Inf") == 0,
	      "JSON metrics: latency buckets from 25us to 5s, cumulative, "
	      "ending at +Inf");
	check(fabs(num_at(j, "latency_seconds.sum") - 7.02242) < 1e-8 &&
	              num_at(j, "latency_seconds.count") == 6 &&
	              cJSON_GetArraySize(cJSON_GetObjectItem(j, "workers")) ==
	                      1 &&
	              cJSON_IsFalse(cJSON_GetObjectItem(j, "shared")),
	      "JSON metrics: latency sum, workers and sharing");
	check(num_at(j, "requests_by_route.predict.requests") == 3 &&
	              num_at(j, "requests_by_route.predict.by_status.200") ==
	                      2 &&
	              num_at(j, "requests_by_route.predict.by_status.422") ==
	                      1 &&
	              isnan(num_at(j,
	                           "requests_by_route.predict.by_status.404")) &&
	              num_at(j, "requests_by_route.predict.latency_seconds."
	                        "count") == 3 &&
	              num_at(j, "requests_by_route.other.by_status.other") ==
	                      1 &&
	              num_at(j,
	                     "requests_by_route.other.latency_seconds.sum") ==
	                      7 &&
	              num_at(j, "requests_by_route.docs.requests") == 0 &&
	              cJSON_GetArraySize(cJSON_GetObjectItem(
			      cJSON_GetObjectItem(
				      cJSON_GetObjectItem(j,
	                                                  "requests_by_route"),
				      "docs"),
			      "by_status")) == 0 &&
	              cJSON_GetArraySize(
			      cJSON_GetObjectItem(j, "requests_by_route")) ==
	                      NROUTES,
	      "JSON metrics: by route, the codes answered and the latencies");
	cJSON_Delete(j);

	b.len = 0;
	metrics_prometheus(&b, &s, &mi, &(struct drift_view){ 0 });
	buf_put(&b, "", 1);
	check(prom_families_ok(b.p, why, sizeof why), "%s",
	      "Prometheus: every sample under its HELP and TYPE, counters "
	      "in _total");
	if (why[0])
		printf("# %s\n", why);
	check(strstr(b.p,
	             "\nhd_requests_total{route=\"predict\",code=\"200\"} 2\n") &&
	              strstr(b.p, "\nhd_requests_total{route=\"predict\","
	                          "code=\"422\"} 1\n") &&
	              strstr(b.p, "\nhd_requests_total{route=\"other\","
	                          "code=\"other\"} 1\n") &&
	              strstr(b.p, "\nhd_requests_total{route=\"docs\","
	                          "code=\"200\"} 0\n") &&
	              strstr(b.p, "\nhd_predictions_total{class=\"1\"} 2\n") &&
	              strstr(b.p, "\nhd_predictions_total{class=\"0\"} 3\n") &&
	              !strstr(b.p, "prediction=") &&
	              !strstr(b.p, "\nhd_requests_total{code="),
	      "Prometheus: requests by route and code, zeros too; "
	      "predictions by class");
	check(strstr(b.p, "# TYPE hd_request_duration_seconds histogram\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"predict\",le=\"2.5e-05\"} 1\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"predict\",le=\"0.0001\"} 1\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"predict\",le=\"0.0005\"} 2\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"predict\",le=\"5\"} 3\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"predict\",le=\"+Inf\"} 3\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_count{route="
	                          "\"predict\"} 3\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"metrics\",le=\"0.0001\"} 1\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"other\",le=\"5\"} 0\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_bucket{route="
	                          "\"other\",le=\"+Inf\"} 1\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_sum{route="
	                          "\"other\"} 7\n") &&
	              strstr(b.p, "\nhd_request_duration_seconds_count{route="
	                          "\"docs\"} 0\n"),
	      "Prometheus: a histogram per route whose +Inf bucket is the "
	      "count");
	check(strstr(b.p, "\nhd_workers{group=\"requests\"} 1\nhd_workers{"
	                  "group=\"errors\"} 0\n") &&
	              strstr(b.p, "\nhd_model_up 1\n") &&
	              strstr(b.p, "\nhd_model_info{name=\"heart-disease\","
	                          "version=\"0123456789ab\",kind=\"lr\","
	                          "sha256=\"0123456789abcdef\","
	                          "created=\"a\\\"b\\\\c\\nd\"} 1\n") &&
	              strstr(b.p, "\nhd_build_info{version=\"9.9.9\","
	                          "compiler=\"cc 1\"} 1\n") &&
	              b.p[b.len - 2] == '\n',
	      "Prometheus: gauges, model and build info, label values "
	      "escaped");
	b.len = 0;
	mi.model_up = 0;
	metrics_prometheus(&b, &s, &mi, &(struct drift_view){ 0 });
	buf_put(&b, "", 1);
	check(strstr(b.p, "\nhd_model_up 0\n") &&
	              !strstr(b.p, "hd_model_info") &&
	              strstr(b.p, "\nhd_build_info{"),
	      "Prometheus: no model, no hd_model_info");
	buf_free(&b);
	counters_close(&c);

	check(wants_prometheus("format=prometheus", NULL) &&
	              wants_prometheus("a=1&format=prometheus",
	                               "application/json") &&
	              !wants_prometheus("format=json", "text/plain") &&
	              !wants_prometheus("format=prometheusx", NULL) &&
	              wants_prometheus(NULL, "text/plain;version=0.0.4") &&
	              wants_prometheus("", "application/openmetrics-text") &&
	              !wants_prometheus(NULL, "application/json, text/plain") &&
	              !wants_prometheus(NULL, NULL),
	      "Prometheus when ?format=prometheus or Accept asks for it, not JSON");
}

/* tokens_load on text written to a temporary file. */
static int load_text(struct tokens *t, const char *text, char *err,
                     size_t errlen)
{
	char path[] = "/tmp/hd-fcgi-test-tokens-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return -2;
	fputs(text, f);
	fclose(f);
	rc = tokens_load(t, path, err, errlen);
	/* The message names the file: keep the part after it. */
	if (rc != 0 && strncmp(err, path, strlen(path)) == 0)
		memmove(err, err + strlen(path),
		        strlen(err + strlen(path)) + 1);
	unlink(path);
	return rc;
}

static void test_tokens(void)
{
	/* SHA-256("abc") and SHA-256(""), FIPS 180-2's test vectors. */
	static const char abc[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char abc_upper[] =
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	char text[600], err[400];
	struct tokens t;

	snprintf(text, sizeof text,
	         "# hd tokens\n\n%s alice\r\n  \t\n%s\tbob\n", abc,
	         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check(load_text(&t, text, err, sizeof err) == 0 && t.on && t.n == 2,
	      "a token file: comments, blank lines, CRLF, a name after the digest");
	check(tokens_check(&t, "Bearer abc") == AUTH_OK &&
	              tokens_check(&t, "bearer   abc ") == AUTH_OK &&
	              tokens_check(&t, "BEARER\tabc") == AUTH_OK,
	      "the token whose digest is listed is accepted, the scheme in any case");
	check(tokens_check(&t, "Bearer abd") == AUTH_INVALID &&
	              tokens_check(&t, "Bearer abcd") == AUTH_INVALID &&
	              tokens_check(&t, "Bearer ab") == AUTH_INVALID &&
	              tokens_check(&t,
	                           "Bearer ba7816bf8f01cfea414140de5dae2223b"
	                           "00361a396177a9cb410ff61f20015ad") ==
	                      AUTH_INVALID,
	      "another token is invalid, the digest itself too");
	check(tokens_check(&t, NULL) == AUTH_MISSING &&
	              tokens_check(&t, "") == AUTH_MISSING &&
	              tokens_check(&t, "Bearer") == AUTH_MISSING &&
	              tokens_check(&t, "Bearer   ") == AUTH_MISSING &&
	              tokens_check(&t, "Basic YWJjOmFiYw==") == AUTH_MISSING &&
	              tokens_check(&t, "Bearerabc") == AUTH_MISSING,
	      "no header, another scheme or no token: no credentials at all");
	tokens_free(&t);

	snprintf(text, sizeof text, "%s\n", abc_upper);
	check(load_text(&t, text, err, sizeof err) == 0 &&
	              tokens_check(&t, "Bearer abc") == AUTH_OK,
	      "upper-case hex digits");
	tokens_free(&t);

	check(load_text(&t, "# nobody\n", err, sizeof err) == 0 && t.on &&
	              t.n == 0 &&
	              tokens_check(&t, "Bearer abc") == AUTH_INVALID,
	      "a file with no digest: access control on, every token invalid");
	tokens_free(&t);

	snprintf(text, sizeof text, "%s\nabc\n", abc);
	check(load_text(&t, text, err, sizeof err) == -1 &&
	              strncmp(err, ":2:4: not a SHA-256 digest", 26) == 0 &&
	              !t.on && t.n == 0,
	      "a token in clear is refused at line:column (%s)", err);
	snprintf(text, sizeof text, "%.63s\n", abc);
	check(load_text(&t, text, err, sizeof err) == -1 &&
	              strncmp(err, ":1:64: ", 7) == 0,
	      "63 hex digits (%s)", err);
	snprintf(text, sizeof text, "%.40sxyz%s\n", abc, abc + 43);
	check(load_text(&t, text, err, sizeof err) == -1 &&
	              strncmp(err, ":1:41: ", 7) == 0,
	      "a non-hex digit is named (%s)", err);
	snprintf(text, sizeof text, "%sff\n", abc);
	check(load_text(&t, text, err, sizeof err) == -1 &&
	              strncmp(err, ":1:65: a digest is 64 hex digits", 32) == 0,
	      "66 hex digits (%s)", err);
	check(tokens_load(&t, "/nonexistent/tokens", err, sizeof err) == -1 &&
	              strstr(err, "/nonexistent/tokens") != NULL && !t.on,
	      "a missing file is an error naming it (%s)", err);

	check(remote_is_loopback("127.0.0.1") &&
	              remote_is_loopback("127.8.9.1") &&
	              remote_is_loopback("::1") &&
	              remote_is_loopback("::ffff:127.0.0.1") &&
	              !remote_is_loopback("10.0.0.1") &&
	              !remote_is_loopback("::ffff:10.0.0.1") &&
	              !remote_is_loopback("1.127.0.0") &&
	              !remote_is_loopback("::12") && !remote_is_loopback(NULL),
	      "the loopback is 127.0.0.0/8 and ::1, nothing else");
}

int main(void)
{
	hd_set_prog((char *[]){ "fcgi_test", NULL });
	if (arena_init(&arena, 256u << 10) != 0)
		return 1;
	arena_install(&arena);
	validate_init();
	test_buffers();
	test_valid();
	test_errors();
	test_metrics();
	test_tokens();
	buf_free(&errs);
	buf_free(&out);
	arena_free(&arena);
	return tap_done();
}
