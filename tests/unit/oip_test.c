/*
 * oip_test.c - the Open Inference Protocol's pure parts (fcgi/oipreq.c):
 * which endpoint a path names, and infer bodies into patients, with the
 * error answers.  Linked with text.o, validate.o (the arena) and
 * oipreq.o only: no server, no FastCGI.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"
#include "tap.h"

#define MAX_BATCH 5

static struct arena arena;
static struct buf out, id;
static struct patients p;
static struct oip_want w;

/* One patient, all 13 features, in hd_features order. */
static const char row[] = "63,1,1,145,233,1,2,150,0,2.3,3,0,6";
static const double rowv[HD_NFEAT] = { 63,  1, 1,   145, 233, 1, 2,
	                               150, 0, 2.3, 3,   0,   6 };

static int parse(const char *body)
{
	return oip_parse(body, strlen(body), MAX_BATCH, &arena, &id, &out, &p,
	                 &w);
}

/* The error answer holds msg, and is {"error": "..."} alone. */
static int error_has(const char *msg)
{
	cJSON *doc = cJSON_ParseWithLength(out.p, out.len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	int ok = doc && cJSON_GetArraySize(doc) == 1 && cJSON_IsString(e) &&
	         strstr(e->valuestring, msg) != NULL;

	if (!ok)
		printf("# answer: %.*s\n", (int)out.len, out.p);
	cJSON_Delete(doc);
	return ok;
}

/* A body of the 13 features, shape [1], with feature f's input replaced
 * by input (NULL: the usual one). */
static const char *features_body(int f, const char *input)
{
	static char b[4096];
	size_t n = 0;

	n += (size_t)snprintf(b + n, sizeof b - n, "{\"inputs\":[");
	for (int k = 0; k < HD_NFEAT; k++) {
		char num[HD_NUMBUF];

		if (k == f && input)
			n += (size_t)snprintf(b + n, sizeof b - n, "%s%s",
			                      k ? "," : "", input);
		else
			n += (size_t)
				snprintf(b + n, sizeof b - n,
			                 "%s{\"name\":\"%s\",\"shape\":[1],"
			                 "\"datatype\":\"FP64\",\"data\":[%s]}",
			                 k ? "," : "", hd_features[k].name,
			                 hd_fmt_double(num, rowv[k]));
	}
	snprintf(b + n, sizeof b - n, "]}");
	return b;
}

static void test_paths(void)
{
	static const struct {
		const char *path;
		enum oip_kind kind;
		const char *name, *version;
	} t[] = {
		{ "/v2", OIP_SERVER, NULL, NULL },
		{ "/v2/health/live", OIP_LIVE, NULL, NULL },
		{ "/v2/health/ready", OIP_READY, NULL, NULL },
		{ "/v2/models/m", OIP_MODEL, "m", NULL },
		{ "/v2/models/heart-disease/ready", OIP_MODEL_READY,
		  "heart-disease", NULL },
		{ "/v2/models/a/versions/0123/infer", OIP_INFER, "a", "0123" },
		{ "/v2/models/a/versions/v1", OIP_MODEL, "a", "v1" },
		{ "/v2/models/a/versions/v1/ready", OIP_MODEL_READY, "a",
		  "v1" },
		{ "/v2/", OIP_NONE, NULL, NULL },
		{ "/v2/health", OIP_NONE, NULL, NULL },
		{ "/v2/health/live/", OIP_NONE, NULL, NULL },
		{ "/v2/models", OIP_NONE, NULL, NULL },
		{ "/v2/models/", OIP_NONE, NULL, NULL },
		{ "/v2/models//ready", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/versions", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/versions/", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/versions//infer", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/infer/x", OIP_NONE, NULL, NULL },
		{ "/v2/models/a/predict", OIP_NONE, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct oip_path r;
		int ok;

		oip_path_parse(t[i].path, &r);
		ok = r.kind == t[i].kind;
		if (ok && t[i].name)
			ok = r.name_len == strlen(t[i].name) &&
			     memcmp(r.name, t[i].name, r.name_len) == 0;
		if (ok && t[i].kind != OIP_NONE)
			ok = t[i].version
			             ? r.version &&
			                       r.version_len ==
			                               strlen(t[i].version) &&
			                       memcmp(r.version, t[i].version,
			                              r.version_len) == 0
			             : r.version == NULL;
		check(ok, "path %s is endpoint %d", t[i].path, (int)t[i].kind);
	}
	check(oip_is_v2("/v2") && oip_is_v2("/v2/x") && oip_is_v2("/v2?a=1") &&
	              !oip_is_v2("/v2x") && !oip_is_v2("/v") &&
	              !oip_is_v2("/predict") && !oip_is_v2("/predict?v2"),
	      "oip_is_v2: /v2 and under it only (a query after /v2 too)");
}

static void test_forms(void)
{
	char body[2048];
	int same = 1;

	check(parse(features_body(-1, NULL)) == 0 && p.n == 1,
	      "one input per feature, shape [1]: one patient");
	for (int f = 0; f < HD_NFEAT; f++)
		same &= p.x[f] == rowv[f];
	check(same && p.imputed[0] == 0, "  its values, in hd_features order");
	check(w.nout == 2 && w.out[0] == OIP_PROBABILITY &&
	              w.out[1] == OIP_PREDICTION && !w.has_id,
	      "  both outputs, probability first; no id");

	snprintf(body, sizeof body,
	         "{\"id\":\"a\\\"b\",\"inputs\":[{\"name\":\"patients\","
	         "\"shape\":[2,13],\"datatype\":\"FP32\",\"data\":[%s,%s]}]}",
	         row, row);
	check(parse(body) == 0 && p.n == 2, "patients [2, 13] flat");
	same = 1;
	for (int i = 0; i < 2 * HD_NFEAT; i++)
		same &= p.x[i] == rowv[i % HD_NFEAT];
	check(same, "  row-major, columns in hd_features order");
	check(w.has_id && id.len == 6 && memcmp(id.p, "\"a\\\"b\"", 6) == 0,
	      "  the id kept as a JSON string: %.*s", (int)id.len, id.p);

	snprintf(body, sizeof body,
	         "{\"inputs\":[{\"name\":\"patients\",\"shape\":[2,13],"
	         "\"datatype\":\"INT64\",\"data\":[[%s],[%s]]}]}",
	         "63,1,1,145,233,1,2,150,0,2,3,0,6",
	         "63,1,1,145,233,1,2,150,0,null,3,null,6");
	check(parse(body) == 0 && p.n == 2, "patients nested, INT64");
	check(p.imputed[0] == 0 && isnan(p.x[HD_NFEAT + 9]) &&
	              isnan(p.x[HD_NFEAT + 11]) &&
	              p.imputed[1] == ((1u << 9) | (1u << 11)),
	      "  null is missing: NaN and its imputed bit");

	check(parse(features_body(0,
	                          "{\"name\":\"age\",\"shape\":[1,1],\"datatype\":"
	                          "\"UINT8\",\"data\":[[40]]}")) == 0 &&
	              p.x[0] == 40,
	      "a feature of shape [N, 1], nested, UINT8");
	check(parse(features_body(0, "{\"name\":\"age\",\"shape\":[1],"
	                             "\"datatype\":\"FP64\",\"data\":[40],"
	                             "\"parameters\":{\"k\":1}}")) == 0,
	      "an input's parameters are accepted");
	check(parse("{\"outputs\":[{\"name\":\"prediction\"}],\"inputs\":["
	            "{\"name\":\"patients\",\"shape\":[1,13],\"datatype\":"
	            "\"FP64\",\"data\":[63,1,1,145,233,1,2,150,0,2.3,3,0,6]}"
	            "]}") == 0 &&
	              w.nout == 1 && w.out[0] == OIP_PREDICTION,
	      "outputs: a subset");
	check(parse("{\"outputs\":[{\"name\":\"prediction\"},{\"name\":"
	            "\"probability\"}],\"inputs\":[{\"name\":\"patients\","
	            "\"shape\":[1,13],\"datatype\":\"FP64\",\"data\":[63,1,1,"
	            "145,233,1,2,150,0,2.3,3,0,6]}]}") == 0 &&
	              w.nout == 2 && w.out[0] == OIP_PREDICTION &&
	              w.out[1] == OIP_PROBABILITY,
	      "outputs: in the order asked");
	/* Of a key given twice the last counts, as /predict decides. */
	check(parse("{\"inputs\":1,\"inputs\":[{\"name\":\"patients\","
	            "\"shape\":[1,13],\"datatype\":\"FP64\",\"data\":[63,1,1,"
	            "145,233,1,2,150,0,2.3,3,0,6]}]}") == 0,
	      "a key given twice: the last counts");
}

static void test_errors(void)
{
	static const struct {
		const char *body, *msg;
	} t[] = {
		{ "", "the body is empty" },
		{ "{\"inputs\":[}", "malformed JSON at byte 11" },
		{ "{\"inputs\":[]}\x01", "malformed JSON" },
		{ "[]", "must be an object" },
		{ "{}", "\"inputs\" must be an array" },
		{ "{\"inputs\":[]}", "not empty" },
		{ "{\"inputs\":[1]}", "inputs[0] must be an object" },
		{ "{\"inputs\":[{\"name\":1}]}", "\"name\" must be a string" },
		{ "{\"inputs\":[{\"name\":\"bp\"}]}", "unknown input 'bp'" },
		{ "{\"id\":1,\"inputs\":[]}", "\"id\" must be a string" },
		{ "{\"parameters\":[],\"inputs\":[]}",
		  "\"parameters\" must be an object" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"BOOL\"}]}",
		  "datatype 'BOOL' is not accepted" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"BYTES\"}]}",
		  "datatype 'BYTES' is not accepted" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13,1]}]}",
		  "\"shape\" must be an array of 1 or 2" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[-1,13]}]}",
		  "\"shape\" must be an array" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[13]}]}",
		  "its shape must be [N, 13]" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[0,13],\"data\":[]}]}",
		  "no patients" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[6,13],\"data\":[]}]}",
		  "6 patients; the limit is 5" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[1]}]}",
		  "\"data\" has 1 elements, its shape says 13" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":{}}]}",
		  "\"data\" must be an array" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[2,13],\"data\":[[1]]}]}",
		  "\"data\" has 1 rows, its shape says 2" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[63,1,1,145,233,1,2,150,0,2.3,3,"
		  "0,8]}]}",
		  "input 'patients' [0, 12] (thal): 8 is out of range: thal "
		  "must be between 0 and 7" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[63,1,1.5,145,233,1,2,150,0,2.3,3,"
		  "0,6]}]}",
		  "input 'patients' [0, 2] (cp): 1.5 is not a whole number: "
		  "cp is a category" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"INT8\","
		  "\"shape\":[1,13],\"data\":[63,1,1,145,233,1,2,150,0,2,3,0,"
		  "6]}]}",
		  "input 'patients' [0, 3] (trestbps): 145 is not a whole "
		  "number that INT8 can hold" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[\"63\",1,1,145,233,1,2,150,0,2.3,"
		  "3,0,6]}]}",
		  "a string is not a number" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[1e999,1,1,145,233,1,2,150,0,2.3,"
		  "3,0,6]}]}",
		  "input 'patients' [0, 0] (age): inf is not a finite number" },
		{ "{\"inputs\":[{\"name\":\"patients\",\"datatype\":\"FP64\","
		  "\"shape\":[1,13],\"data\":[63,1,1,145,233,1,2,150,0,2.3,3,"
		  "0,6]},{\"name\":\"age\"}]}",
		  "not both" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1],\"data\":[1]},{\"name\":\"patients\"}]}",
		  "not both" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1],\"data\":[1]},{\"name\":\"age\"}]}",
		  "input 'age' is given twice" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1],\"data\":[1]}]}",
		  "input 'sex' is missing" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1],\"data\":[1]},{\"name\":\"sex\",\"datatype\":"
		  "\"FP64\",\"shape\":[2],\"data\":[1,1]}]}",
		  "every input must have the same N" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1,2],\"data\":[1,1]}]}",
		  "its shape must be [N] or [N, 1]" },
		{ "{\"inputs\":[{\"name\":\"age\",\"datatype\":\"FP64\","
		  "\"shape\":[1],\"data\":[[1]]}]}",
		  "an array (the data nests deeper than its shape)" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int s = oip_parse(t[i].body, strlen(t[i].body), MAX_BATCH,
		                  &arena, &id, &out, &p, &w);

		check(s == 400 && error_has(t[i].msg), "400 \"%s\" for %.40s",
		      t[i].msg, t[i].body);
	}
	check(parse(features_body(12,
	                          "{\"name\":\"thal\",\"shape\":[1],\"datatype\":"
	                          "\"FP64\",\"data\":[6],\"parameters\":[]}")) ==
	                      400 &&
	              error_has("input 'thal': \"parameters\" must be"),
	      "400 for an input's parameters that are not an object");
	check(parse(features_body(4,
	                          "{\"name\":\"chol\",\"shape\":[1],\"datatype\":"
	                          "\"FP64\",\"data\":[9999]}")) == 400 &&
	              error_has("input 'chol' [0]: 9999 is out of range: chol "
	                        "must be between 0 and"),
	      "400 naming the input, the index, the value and the range");
	check(parse("{\"outputs\":[{\"name\":\"logits\"}],\"inputs\":[{"
	            "\"name\":\"patients\",\"shape\":[1,13],\"datatype\":"
	            "\"FP64\",\"data\":[63,1,1,145,233,1,2,150,0,2.3,3,0,6]}"
	            "]}") == 400 &&
	              error_has("unknown output 'logits'"),
	      "400 for an unknown output");
	check(parse("{\"outputs\":[{\"name\":\"prediction\"},{\"name\":"
	            "\"prediction\"}],\"inputs\":[{\"name\":\"patients\","
	            "\"shape\":[1,13],\"datatype\":\"FP64\",\"data\":[63,1,1,"
	            "145,233,1,2,150,0,2.3,3,0,6]}]}") == 400 &&
	              error_has("asked twice"),
	      "400 for an output asked twice");
	/* A long unknown name is cut in the message. */
	{
		char body[400], name[201];

		memset(name, 'x', 200);
		name[200] = '\0';
		snprintf(body, sizeof body, "{\"inputs\":[{\"name\":\"%s\"}]}",
		         name);
		check(parse(body) == 400 && error_has("unknown input 'xxxx") &&
		              out.len < 400,
		      "a long unknown name is cut in the message (%zu bytes)",
		      out.len);
	}
}

static void test_cut(void)
{
	char s[80];

	memset(s, 'a', sizeof s);
	check(oip_cut(s, 10) == 10 && oip_cut(s, 80) == 64 &&
	              oip_cut(s, 0) == 0,
	      "oip_cut: at most 64 bytes");
	/* A two-byte letter across the cut: left out whole. */
	memcpy(s + 63, "\xc3\xa9", 2);
	check(oip_cut(s, 80) == 63, "oip_cut: never half a UTF-8 sequence");
	memcpy(s + 62, "\xc3\xa9", 2);
	check(oip_cut(s, 80) == 64, "oip_cut: a whole one up to the cut stays");
	check(oip_cut("ab\xff", 3) == 2 && oip_cut("\xff", 1) == 0,
	      "oip_cut: bytes that are not UTF-8 are left out");
}

int main(void)
{
	if (arena_init(&arena, 256u << 10) != 0)
		return 1;
	arena_install(&arena);
	p.x = malloc((size_t)MAX_BATCH * HD_NFEAT * sizeof *p.x);
	p.imputed = malloc((size_t)MAX_BATCH * sizeof *p.imputed);
	if (p.x == NULL || p.imputed == NULL)
		return 1;
	test_paths();
	test_cut();
	test_forms();
	test_errors();
	free(p.x);
	free(p.imputed);
	buf_free(&out);
	buf_free(&id);
	arena_free(&arena);
	return tap_done();
}
