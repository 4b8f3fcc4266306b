/*
 * model.c - the model file: preprocessing plus one fitted model, as
 * JSON, and the shared fit and cross-validation steps.
 *
 * Layout ("format": "hd-model", "version": 2; hd-model(5) is the whole
 * of it, and what loading checks):
 *   "model":    "logistic_regression" | "random_forest"
 *   "name":     what the Open Inference Protocol serves it as (optional)
 *   "features": the fitted preprocessing, in encoded order (prep.c)
 *   "encoded":  the name of every slot of z, e.g. "age", "cp=4"
 *   "params":   logistic regression: {"intercept": b, "coef": [dim]}
 *               random forest: {"trees": count, "nodes": count,
 *               "leaves": [...], "splits": [[slot, threshold], ...],
 *               "width": 1 | 2 | 4, "code": base64 of one record per
 *               node} (hd_rf_code, forest.c).  Version 1 wrote
 *               "trees": [{"feature": "", "left": "", "right": "",
 *               "value": ""}, ...], each a string of numbers separated
 *               by single spaces; per node, feature is the slot tested
 *               (-1 for a leaf), left and right the children (0 at a
 *               leaf), value the threshold of a split (z[feature] <=
 *               value goes left) or the probability of class 1 at a
 *               leaf.  Both load; the fit tools write version 2.
 *   "reference": the training rows' profile, for drift (model.h, drift.c)
 *   plus what the fit tools add: "hyperparameters", "training", "cv".
 *
 * Loading is used by the server, so it never exits and never aborts on
 * out-of-memory: every failure comes back as a message (model.h).
 * Writing is for the fit tools (cli.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "cli.h"

const char *hd_model_kind_name(enum hd_model_kind k)
{
	return k == HD_LR ? "logistic_regression" : "random_forest";
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

/*
 * A forest in the compact form (hd_rf_code): the tables as JSON numbers
 * a person can read, the records as one base64 string.  NULL if out of
 * memory.
 */
static cJSON *rf_to_json(const struct hd_rf *rf)
{
	struct hd_rf_code c;
	cJSON *params, *leaves, *splits, *code;
	size_t bytes;
	char *text;

	if (hd_rf_encode(rf, &c) != 0)
		return NULL;
	bytes = c.n_nodes * (size_t)c.width;
	text = malloc(BASE64_ENCODE_RAW_LENGTH(bytes) + 1);
	if (text == NULL) {
		hd_rf_code_free(&c);
		return NULL;
	}
	base64_encode_raw(text, bytes, c.records);
	text[BASE64_ENCODE_RAW_LENGTH(bytes)] = '\0';
	params = cJSON_CreateObject();
	cJSON_AddNumberToObject(params, "trees", c.n_trees);
	cJSON_AddNumberToObject(params, "nodes", (double)c.n_nodes);
	leaves = cJSON_AddArrayToObject(params, "leaves");
	for (int i = 0; i < c.n_leaves; i++)
		cJSON_AddItemToArray(leaves, hd_json_num(c.leaves[i]));
	splits = cJSON_AddArrayToObject(params, "splits");
	for (int s = 0; s < c.n_splits; s++) {
		cJSON *pair = cJSON_CreateArray();

		cJSON_AddItemToArray(pair, cJSON_CreateNumber(c.slot[s]));
		cJSON_AddItemToArray(pair, hd_json_num(c.threshold[s]));
		cJSON_AddItemToArray(splits, pair);
	}
	cJSON_AddNumberToObject(params, "width", c.width);
	code = cJSON_CreateString(text);
	free(text);
	hd_rf_code_free(&c);
	if (code == NULL || !cJSON_AddItemToObject(params, "code", code)) {
		cJSON_Delete(code);
		cJSON_Delete(params);
		return NULL;
	}
	return params;
}

/* The fitted part of a model as a new document (format stamped). */
cJSON *hd_model_to_json(const struct hd_model *m)
{
	cJSON *doc = cJSON_CreateObject(), *params = cJSON_CreateObject();
	cJSON *names = cJSON_CreateArray();

	hd_json_set_format(doc, HD_MODEL_FORMAT, HD_MODEL_VERSION);
	cJSON_AddStringToObject(doc, "model", hd_model_kind_name(m->kind));
	cJSON_AddItemToObject(doc, "features", hd_prep_to_json(&m->prep));
	for (int s = 0; s < m->prep.dim; s++) {
		char name[64];

		hd_prep_slot_name(&m->prep, s, name, sizeof name);
		cJSON_AddItemToArray(names, cJSON_CreateString(name));
	}
	cJSON_AddItemToObject(doc, "encoded", names);
	if (m->kind == HD_LR) {
		cJSON *coef = cJSON_CreateArray();

		hd_json_add_num(params, "intercept", m->lr.intercept);
		for (int j = 0; j < m->lr.dim; j++)
			cJSON_AddItemToArray(coef, hd_json_num(m->lr.coef[j]));
		cJSON_AddItemToObject(params, "coef", coef);
	} else {
		cJSON_Delete(params);
		if ((params = rf_to_json(&m->rf)) == NULL) {
			hd_err("out of memory");
			abort();
		}
	}
	cJSON_AddItemToObject(doc, "params", params);
	return doc;
}

/* ---------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------- */

static int parse_lr(struct hd_lr *lr, const cJSON *params, int dim, char *err,
                    size_t errlen)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(params, "intercept");
	const cJSON *coef = cJSON_GetObjectItemCaseSensitive(params, "coef");
	const cJSON *e;
	int j = 0;

	if (!cJSON_IsNumber(b) || !cJSON_IsArray(coef) ||
	    cJSON_GetArraySize(coef) != dim) {
		snprintf(err, errlen,
		         "params: logistic regression needs an "
		         "intercept and %d coefficients",
		         dim);
		return -1;
	}
	lr->dim = dim;
	lr->intercept = b->valuedouble;
	lr->coef = malloc((size_t)(dim ? dim : 1) * sizeof *lr->coef);
	if (lr->coef == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!isfinite(b->valuedouble)) {
		snprintf(err, errlen,
		         "params: the intercept is not a finite number");
		return -1;
	}
	cJSON_ArrayForEach (e, coef) {
		if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
			snprintf(err, errlen,
			         "params: coef[%d] is not a finite "
			         "number",
			         j);
			return -1;
		}
		lr->coef[j++] = e->valuedouble;
	}
	return 0;
}

/*
 * Fill out[n] from a string of n numbers separated by single spaces;
 * -1 unless it is exactly that.  Numbers are checked by the same rules
 * as every other number hd reads.
 */
static int num_string(const cJSON *s, int n, double *out)
{
	const char *p;

	if (!cJSON_IsString(s))
		return -1;
	p = s->valuestring;
	for (int i = 0; i < n; i++) {
		if (i > 0 && *p++ != ' ')
			return -1;
		if ((p = hd_parse_number(p, &out[i])) == NULL)
			return -1;
	}
	return *p == '\0' ? 0 : -1;
}

/* Count the numbers in a space-separated string (0 if it is empty). */
static int count_numbers(const cJSON *s)
{
	int n = 1;

	if (!cJSON_IsString(s) || s->valuestring[0] == '\0')
		return 0;
	for (const char *p = s->valuestring; *p; p++)
		n += *p == ' ';
	return n;
}

/*
 * A tree is accepted only if every child index points forward, so
 * walking it always ends at a leaf, every node but the root has exactly
 * one parent, so it is a tree and not a graph that could be walked
 * exponentially often, and every slot is inside z.
 */
static int parse_tree(struct hd_tree *t, const cJSON *o, int dim)
{
	const cJSON *fa = cJSON_GetObjectItemCaseSensitive(o, "feature");
	int n = count_numbers(fa);
	char *parents = NULL;
	double *buf;

	if (n < 1)
		return -1;
	t->n_nodes = n;
	t->feature = malloc((size_t)n * sizeof *t->feature);
	t->left = malloc((size_t)n * sizeof *t->left);
	t->right = malloc((size_t)n * sizeof *t->right);
	t->threshold = malloc((size_t)n * sizeof *t->threshold);
	t->value = malloc((size_t)n * sizeof *t->value);
	buf = malloc(3 * (size_t)n * sizeof *buf);
	parents = calloc((size_t)n, 1);
	if (!t->feature || !t->left || !t->right || !t->threshold ||
	    !t->value || !buf || !parents || num_string(fa, n, buf) != 0 ||
	    num_string(cJSON_GetObjectItemCaseSensitive(o, "left"), n,
	               buf + n) != 0 ||
	    num_string(cJSON_GetObjectItemCaseSensitive(o, "right"), n,
	               buf + 2 * (size_t)n) != 0 ||
	    num_string(cJSON_GetObjectItemCaseSensitive(o, "value"), n,
	               t->value) != 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		double f = buf[i], l = buf[n + i], r = buf[2 * n + i];

		if (f == -1) {
			if (!(t->value[i] >= 0 && t->value[i] <= 1))
				goto fail;
			t->feature[i] = -1;
			t->left[i] = t->right[i] = -1;
			t->threshold[i] = 0;
			continue;
		}
		if (!(f >= 0 && f < dim && f == (int)f) ||
		    !(l > i && l < n && l == (int)l) ||
		    !(r > i && r < n && r == (int)r) || l == r ||
		    parents[(int)l]++ || parents[(int)r]++ ||
		    !isfinite(t->value[i]))
			goto fail;
		t->feature[i] = (int)f;
		t->left[i] = (int)l;
		t->right[i] = (int)r;
		t->threshold[i] = t->value[i];
		t->value[i] = 0;
	}
	/* A tree: every node but the root has exactly one parent. */
	for (int i = 1; i < n; i++)
		if (!parents[i])
			goto fail;
	free(parents);
	free(buf);
	return 0;
fail:
	free(parents);
	free(buf);
	return -1;
}

static int parse_rf_v1(struct hd_rf *rf, const cJSON *params, int dim,
                       char *err, size_t errlen)
{
	const cJSON *trees = cJSON_GetObjectItemCaseSensitive(params, "trees");
	const cJSON *o;
	int n = cJSON_GetArraySize(trees), t = 0;

	if (!cJSON_IsArray(trees) || n < 1) {
		snprintf(err, errlen, "params: a random forest needs trees");
		return -1;
	}
	rf->dim = dim;
	rf->trees = calloc((size_t)n, sizeof *rf->trees);
	if (rf->trees == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rf->n_trees = n;
	cJSON_ArrayForEach (o, trees) {
		if (parse_tree(&rf->trees[t], o, dim) != 0) {
			snprintf(err, errlen,
			         "params: trees[%d] is malformed "
			         "or out of range",
			         t);
			return -1;
		}
		t++;
	}
	if (hd_rf_pack(rf) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Base64 as hd-model(5) has it: RFC 4648's standard alphabet, a
 * multiple of four characters, no white space or line breaks, "=" only
 * as the last one or two, and the unused bits before it zero, so that a
 * forest has exactly one encoding.  Decodes s[0..n) into out (n / 4 * 3
 * bytes at least); the byte count, or -1 with the reason in err.
 */
static long long b64_decode(const char *s, size_t n, uint8_t *out, char *err,
                            size_t errlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789+/";
	int16_t val[256]; /* -1: not in the alphabet */
	size_t pad = 0, o = 0, i;
	int bad = 0;

	memset(val, -1, sizeof val);
	for (int k = 0; k < 64; k++)
		val[(unsigned char)alphabet[k]] = (int16_t)k;
	if (n % 4 != 0) {
		snprintf(err, errlen,
		         "params: \"code\" is %zu characters, not a multiple "
		         "of 4 (base64)",
		         n);
		return -1;
	}
	if (n > 0 && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	/*
	 * Every group but the last, without a branch per group: a bad
	 * character makes its value negative, which bad collects, and the
	 * place is looked for only then.
	 */
	for (i = 0; i + 4 < n; i += 4) {
		const unsigned char *g = (const unsigned char *)s + i;
		int a = val[g[0]], b = val[g[1]], c = val[g[2]], d = val[g[3]];
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
		             (uint32_t)c << 6 | (uint32_t)d;

		bad |= a | b | c | d;
		out[o] = (uint8_t)(v >> 16);
		out[o + 1] = (uint8_t)(v >> 8);
		out[o + 2] = (uint8_t)v;
		o += 3;
	}
	if (bad >= 0 && n > 0) { /* the last group, which may be padded */
		const unsigned char *g = (const unsigned char *)s + i;
		int a = val[g[0]], b = val[g[1]];
		int c = pad == 2 ? 0 : val[g[2]], d = pad ? 0 : val[g[3]];
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
		             (uint32_t)c << 6 | (uint32_t)d;

		bad |= a | b | c | d;
		if (bad >= 0 && (v & (pad == 2 ? 0xffff : pad ? 0xff : 0)))
			goto noncanonical;
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
	}
	if (bad < 0) {
		/* The first character that is not the alphabet's, but for
		 * the padding at the very end. */
		size_t at = 0;

		while (at < n - pad && val[(unsigned char)s[at]] >= 0)
			at++;
		if (s[at] == '=')
			snprintf(err, errlen,
			         "params: \"code\": \"=\" at character %zu, "
			         "before the end (base64 pads only its last "
			         "group)",
			         at + 1);
		else
			snprintf(err, errlen,
			         "params: \"code\": character %zu (byte "
			         "0x%02x) is not base64",
			         at + 1, (unsigned char)s[at]);
		return -1;
	}
	return (long long)o;
noncanonical:
	snprintf(err, errlen,
	         "params: \"code\": the bits before its padding are not zero "
	         "(not the one base64 form of its bytes)");
	return -1;
}

/* A whole number from lo to hi at key, or -1. */
static int whole(const cJSON *params, const char *key, double lo, double hi,
                 double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);

	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble >= lo && v->valuedouble <= hi &&
	      v->valuedouble == floor(v->valuedouble)))
		return -1;
	*out = v->valuedouble;
	return 0;
}

int hd_rf_code_from_json(struct hd_rf_code *c, const cJSON *params, char *err,
                         size_t errlen)
{
	const cJSON *leaves =
		cJSON_GetObjectItemCaseSensitive(params, "leaves");
	const cJSON *splits =
		cJSON_GetObjectItemCaseSensitive(params, "splits");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(params, "code");
	const cJSON *e;
	double trees, nodes, width;
	size_t len;
	long long bytes;
	int i = 0;

	if (whole(params, "trees", 1, HD_RF_MAX_NODES, &trees) != 0) {
		snprintf(err, errlen,
		         "params: \"trees\" must be a whole number from 1 to %d",
		         HD_RF_MAX_NODES);
		return -1;
	}
	if (whole(params, "nodes", trees, HD_RF_MAX_NODES, &nodes) != 0) {
		snprintf(err, errlen,
		         "params: \"nodes\" must be a whole number from "
		         "\"trees\" (%.0f) to %d",
		         trees, HD_RF_MAX_NODES);
		return -1;
	}
	if (whole(params, "width", 1, 4, &width) != 0 || width == 3) {
		snprintf(err, errlen, "params: \"width\" must be 1, 2 or 4");
		return -1;
	}
	c->n_trees = (int)trees;
	c->n_nodes = (size_t)nodes;
	c->width = (int)width;
	if (!cJSON_IsArray(leaves) || !cJSON_IsArray(splits) ||
	    !cJSON_IsString(code)) {
		snprintf(err, errlen,
		         "params: a version 2 forest needs \"leaves\" and "
		         "\"splits\" arrays and a \"code\" string");
		return -1;
	}
	c->n_leaves = cJSON_GetArraySize(leaves);
	c->n_splits = cJSON_GetArraySize(splits);
	len = strlen(code->valuestring);
	c->leaves = malloc((size_t)(c->n_leaves ? c->n_leaves : 1) *
	                   sizeof *c->leaves);
	c->slot = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
	                 sizeof *c->slot);
	c->threshold = malloc((size_t)(c->n_splits ? c->n_splits : 1) *
	                      sizeof *c->threshold);
	c->records = malloc(len / 4 * 3 + 1);
	if (!c->leaves || !c->slot || !c->threshold || !c->records) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach (e, leaves) {
		if (!cJSON_IsNumber(e)) {
			snprintf(err, errlen,
			         "params: leaves[%d] is not a number", i);
			return -1;
		}
		c->leaves[i++] = e->valuedouble;
	}
	i = 0;
	cJSON_ArrayForEach (e, splits) {
		const cJSON *s = cJSON_GetArrayItem(e, 0);
		const cJSON *t = cJSON_GetArrayItem(e, 1);

		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
		    !cJSON_IsNumber(s) || !cJSON_IsNumber(t)) {
			snprintf(err, errlen,
			         "params: splits[%d] is not [slot, threshold]",
			         i);
			return -1;
		}
		if (!(s->valuedouble >= -1 && s->valuedouble <= INT32_MAX &&
		      s->valuedouble == floor(s->valuedouble))) {
			snprintf(err, errlen,
			         "params: splits[%d]: the slot is not a whole "
			         "number of an encoded slot",
			         i);
			return -1;
		}
		c->slot[i] = (int)s->valuedouble;
		c->threshold[i++] = t->valuedouble;
	}
	if ((bytes = b64_decode(code->valuestring, len, c->records, err,
	                        errlen)) < 0)
		return -1;
	if ((size_t)bytes != c->n_nodes * (size_t)c->width) {
		snprintf(err, errlen,
		         "params: \"code\" holds %lld bytes, not \"nodes\" %zu "
		         "records of \"width\" %d bytes",
		         bytes, c->n_nodes, c->width);
		return -1;
	}
	return 0;
}

static int parse_rf(struct hd_rf *rf, const cJSON *params, int dim, int version,
                    char *err, size_t errlen)
{
	const cJSON *trees = cJSON_GetObjectItemCaseSensitive(params, "trees");
	struct hd_rf_code c = { 0 };
	int rc;

	if (version == 1)
		return parse_rf_v1(rf, params, dim, err, errlen);
	if (cJSON_IsArray(trees)) {
		snprintf(err, errlen,
		         "params: \"trees\" is an array, as in version 1; a "
		         "version 2 forest's trees are its \"code\" "
		         "(hd-model(5))");
		return -1;
	}
	rc = hd_rf_code_from_json(&c, params, err, errlen);
	if (rc == 0)
		rc = hd_rf_decode(rf, dim, &c, err, errlen);
	hd_rf_code_free(&c);
	return rc;
}

/*
 * Every coefficient and scale may be finite and the score still not:
 * (x - mean) / scale overflows for a tiny scale, coef * z for a large
 * coefficient, and two infinite terms of opposite sign make NaN, which
 * the server would answer as a null probability.  Patients lie within
 * the physical ranges (hd_feature_check) or take the median, so the
 * largest |score| is the intercept's plus, per numeric slot, |coef|
 * times the largest |z| at those ends, and per categorical column the
 * largest |coef| of its levels (one z is 1, the others 0).  A model
 * whose bound is not finite is refused.
 */
static int lr_bounded(const struct hd_lr *lr, const struct hd_prep *p,
                      char *err, size_t errlen)
{
	double bound = fabs(lr->intercept);

	for (int k = 0; k < HD_NFEAT; k++) {
		const struct hd_prep_col *c = &p->col[k];
		const struct hd_feature *f = &hd_features[c->feature];

		if (c->kind == HD_NUMERIC) {
			double ends[3] = { f->min, f->max, c->median }, z = 0;

			for (int i = 0; i < 3; i++) {
				double v = p->scaled ? (ends[i] - c->mean) /
				                               c->scale
				                     : ends[i];

				z = fmax(z, fabs(v));
			}
			bound += fabs(lr->coef[c->offset]) * z;
		} else {
			double w = 0; /* one level of a column is 1 */

			for (int i = 0; i < c->n_levels; i++)
				w = fmax(w, fabs(lr->coef[c->offset + i]));
			bound += w;
		}
	}
	if (!isfinite(bound)) {
		snprintf(err, errlen,
		         "params: the score overflows for patients within "
		         "the physical ranges");
		return -1;
	}
	return 0;
}

/* Check the document and build the model from it; takes doc. */
static int from_doc(struct hd_model *m, cJSON *doc, char *err, size_t errlen)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "model");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "params");

	m->doc = doc;
	if (hd_json_check_format(doc, HD_MODEL_FORMAT, HD_MODEL_VERSION, err,
	                         errlen) != 0)
		return -1;
	if (!cJSON_IsString(kind)) {
		snprintf(err, errlen, "no \"model\" kind");
		return -1;
	}
	if (strcmp(kind->valuestring, hd_model_kind_name(HD_LR)) == 0) {
		m->kind = HD_LR;
	} else if (strcmp(kind->valuestring, hd_model_kind_name(HD_RF)) == 0) {
		m->kind = HD_RF;
	} else {
		snprintf(err, errlen, "unknown model kind \"%s\"",
		         kind->valuestring);
		return -1;
	}
	if (hd_prep_from_json(&m->prep,
	                      cJSON_GetObjectItemCaseSensitive(doc, "features"),
	                      err, errlen) != 0)
		return -1;
	m->prep.scaled = m->kind == HD_LR;
	if (!cJSON_IsObject(params)) {
		snprintf(err, errlen, "no \"params\" object");
		return -1;
	}
	{
		const cJSON *name =
			cJSON_GetObjectItemCaseSensitive(doc, "name");

		if (name != NULL && (!cJSON_IsString(name) ||
		                     !hd_model_name_valid(name->valuestring))) {
			snprintf(err, errlen,
			         "\"name\" must be 1 to 64 of A-Z a-z 0-9 . _ -");
			return -1;
		}
	}
	if (hd_profile_from_json(&m->ref,
	                         cJSON_GetObjectItemCaseSensitive(doc,
	                                                          "reference"),
	                         err, errlen) != 0)
		return -1;
	if (m->kind == HD_RF)
		return parse_rf(&m->rf, params, m->prep.dim,
		                (int)cJSON_GetObjectItemCaseSensitive(doc,
		                                                      "version")
		                        ->valuedouble,
		                err, errlen);
	if (parse_lr(&m->lr, params, m->prep.dim, err, errlen) != 0)
		return -1;
	return lr_bounded(&m->lr, &m->prep, err, errlen);
}

int hd_model_parse(struct hd_model *m, const char *text, size_t len, char *err,
                   size_t errlen)
{
	cJSON *doc;
	long line, col;

	memset(m, 0, sizeof *m);
	if ((doc = hd_json_parse(text, len, &line, &col)) == NULL) {
		snprintf(err, errlen, "not valid JSON (line %ld)", line);
		return -1;
	}
	if (from_doc(m, doc, err, errlen) != 0) {
		hd_model_free(m);
		return -1;
	}
	hd_sha256_hex(text, len, m->sha256);
	return 0;
}

int hd_model_load(struct hd_model *m, const char *path, size_t max, char *err,
                  size_t errlen)
{
	size_t len;
	char *text = hd_read_file(path, max ? max : HD_MODEL_MAX_BYTES, &len,
	                          err, errlen);
	int rc;

	memset(m, 0, sizeof *m);
	if (text == NULL)
		return -1;
	rc = hd_model_parse(m, text, len, err, errlen);
	free(text);
	return rc;
}

int hd_model_name_valid(const char *s)
{
	return hd_name_safe(s, 64);
}

const char *hd_model_name(const struct hd_model *m)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m->doc, "name");

	return cJSON_IsString(n) ? n->valuestring : HD_MODEL_NAME;
}

const char *hd_model_created(const struct hd_model *m)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m->doc, "training");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(t, "created");

	return cJSON_IsString(c) ? c->valuestring : NULL;
}

double hd_model_prob(const struct hd_model *m, const double x[HD_NFEAT],
                     double *z, int *unseen)
{
	int u = hd_prep_apply(&m->prep, x, z);

	if (unseen)
		*unseen = u;
	return m->kind == HD_LR ? hd_lr_prob(&m->lr, z) : hd_rf_prob(&m->rf, z);
}

void hd_model_free(struct hd_model *m)
{
	hd_prep_free(&m->prep);
	hd_profile_free(&m->ref);
	hd_lr_free(&m->lr);
	hd_rf_free(&m->rf);
	cJSON_Delete(m->doc);
	memset(m, 0, sizeof *m);
}
