/*
 * model.c - the model file: preprocessing plus one fitted model, as
 * JSON, and the shared fit and cross-validation steps.
 *
 * Layout ("format": "hd-model", "version": 1):
 *   "model":    "logistic_regression" | "random_forest"
 *   "features": the fitted preprocessing, in encoded order (prep.c)
 *   "encoded":  the name of every slot of z, e.g. "age", "cp=4"
 *   "params":   logistic regression: {"intercept": b, "coef": [dim]}
 *               random forest: {"trees": [{"feature": [], "left": [],
 *               "right": [], "value": []}, ...]}; per node, feature is
 *               the slot tested (-1 for a leaf), left and right the
 *               children (0 at a leaf), value the threshold of a split
 *               (z[feature] <= value goes left) or the probability of
 *               class 1 at a leaf
 *   plus what the fit tools add: "hyperparameters", "training", "cv".
 *
 * Loading is used by the server, so it never exits and never aborts on
 * out-of-memory: every failure comes back as a message.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

const char *hd_model_kind_name(enum hd_model_kind k)
{
	return k == HD_LR ? "logistic_regression" : "random_forest";
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

static cJSON *tree_to_json(const struct hd_tree *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *feature = cJSON_CreateArray(), *left = cJSON_CreateArray();
	cJSON *right = cJSON_CreateArray(), *value = cJSON_CreateArray();

	for (int i = 0; i < t->n_nodes; i++) {
		int leaf = t->left[i] < 0;

		cJSON_AddItemToArray(feature, cJSON_CreateNumber(leaf ? -1 : t->feature[i]));
		cJSON_AddItemToArray(left, cJSON_CreateNumber(leaf ? 0 : t->left[i]));
		cJSON_AddItemToArray(right, cJSON_CreateNumber(leaf ? 0 : t->right[i]));
		cJSON_AddItemToArray(value, hd_json_num(leaf ? t->value[i]
		                                             : t->threshold[i]));
	}
	cJSON_AddItemToObject(o, "feature", feature);
	cJSON_AddItemToObject(o, "left", left);
	cJSON_AddItemToObject(o, "right", right);
	cJSON_AddItemToObject(o, "value", value);
	return o;
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
		cJSON *trees = cJSON_CreateArray();

		for (int t = 0; t < m->rf.n_trees; t++)
			cJSON_AddItemToArray(trees, tree_to_json(&m->rf.trees[t]));
		cJSON_AddItemToObject(params, "trees", trees);
	}
	cJSON_AddItemToObject(doc, "params", params);
	return doc;
}

/* ---------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------- */

static int parse_lr(struct hd_lr *lr, const cJSON *params, int dim,
                    char *err, size_t errlen)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(params, "intercept");
	const cJSON *coef = cJSON_GetObjectItemCaseSensitive(params, "coef");
	const cJSON *e;
	int j = 0;

	if (!cJSON_IsNumber(b) || !cJSON_IsArray(coef) ||
	    cJSON_GetArraySize(coef) != dim) {
		snprintf(err, errlen, "params: logistic regression needs an "
		         "intercept and %d coefficients", dim);
		return -1;
	}
	lr->dim = dim;
	lr->intercept = b->valuedouble;
	lr->coef = malloc((size_t)(dim ? dim : 1) * sizeof *lr->coef);
	if (lr->coef == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(e, coef) {
		if (!cJSON_IsNumber(e)) {
			snprintf(err, errlen, "params: coef[%d] is not a number", j);
			return -1;
		}
		lr->coef[j++] = e->valuedouble;
	}
	return 0;
}

/* Fill out[n] from a JSON array of n numbers; -1 if it is not one. */
static int num_array(const cJSON *a, int n, double *out)
{
	const cJSON *e;
	int i = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
		return -1;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsNumber(e))
			return -1;
		out[i++] = e->valuedouble;
	}
	return 0;
}

/*
 * A tree is accepted only if every child index points forward, so
 * walking it always ends at a leaf, and every slot is inside z.
 */
static int parse_tree(struct hd_tree *t, const cJSON *o, int dim)
{
	const cJSON *fa = cJSON_GetObjectItemCaseSensitive(o, "feature");
	int n = cJSON_GetArraySize(fa);
	double *buf;

	if (!cJSON_IsArray(fa) || n < 1)
		return -1;
	t->n_nodes = n;
	t->feature = malloc((size_t)n * sizeof *t->feature);
	t->left = malloc((size_t)n * sizeof *t->left);
	t->right = malloc((size_t)n * sizeof *t->right);
	t->threshold = malloc((size_t)n * sizeof *t->threshold);
	t->value = malloc((size_t)n * sizeof *t->value);
	buf = malloc(3 * (size_t)n * sizeof *buf);
	if (!t->feature || !t->left || !t->right || !t->threshold ||
	    !t->value || !buf ||
	    num_array(fa, n, buf) != 0 ||
	    num_array(cJSON_GetObjectItemCaseSensitive(o, "left"), n, buf + n) != 0 ||
	    num_array(cJSON_GetObjectItemCaseSensitive(o, "right"), n, buf + 2 * n) != 0 ||
	    num_array(cJSON_GetObjectItemCaseSensitive(o, "value"), n, t->value) != 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		double f = buf[i], l = buf[n + i], r = buf[2 * n + i];

		if (f == -1) {
			if (!(t->value[i] >= 0 && t->value[i] <= 1))
				goto fail;
			t->feature[i] = 0;
			t->left[i] = t->right[i] = -1;
			t->threshold[i] = 0;
			continue;
		}
		if (!(f >= 0 && f < dim && f == (int)f) ||
		    !(l > i && l < n && l == (int)l) ||
		    !(r > i && r < n && r == (int)r) ||
		    !isfinite(t->value[i]))
			goto fail;
		t->feature[i] = (int)f;
		t->left[i] = (int)l;
		t->right[i] = (int)r;
		t->threshold[i] = t->value[i];
		t->value[i] = 0;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
}

static int parse_rf(struct hd_rf *rf, const cJSON *params, int dim,
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
	cJSON_ArrayForEach(o, trees) {
		if (parse_tree(&rf->trees[t], o, dim) != 0) {
			snprintf(err, errlen, "params: trees[%d] is malformed "
			         "or out of range", t);
			return -1;
		}
		t++;
	}
	return 0;
}

/* Check the document and build the model from it; takes doc. */
static int from_doc(struct hd_model *m, cJSON *doc, char *err, size_t errlen)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "model");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "params");

	m->doc = doc;
	if (!cJSON_IsString(f) || strcmp(f->valuestring, HD_MODEL_FORMAT) != 0) {
		snprintf(err, errlen, "not an %s file (its \"format\" is %s%s%s)",
		         HD_MODEL_FORMAT, cJSON_IsString(f) ? "\"" : "",
		         cJSON_IsString(f) ? f->valuestring : "missing",
		         cJSON_IsString(f) ? "\"" : "");
		return -1;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != HD_MODEL_VERSION) {
		snprintf(err, errlen, "%s version %g is not supported (this "
		         "build reads version %d)", HD_MODEL_FORMAT,
		         cJSON_IsNumber(v) ? v->valuedouble : 0.0,
		         HD_MODEL_VERSION);
		return -1;
	}
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
	if (hd_prep_from_json(&m->prep, cJSON_GetObjectItemCaseSensitive(doc,
	                      "features"), err, errlen) != 0)
		return -1;
	if (!cJSON_IsObject(params)) {
		snprintf(err, errlen, "no \"params\" object");
		return -1;
	}
	return m->kind == HD_LR ? parse_lr(&m->lr, params, m->prep.dim, err, errlen)
	                        : parse_rf(&m->rf, params, m->prep.dim, err, errlen);
}

int hd_model_parse(struct hd_model *m, const char *text, size_t len,
                   char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *doc;
	uint8_t d[32];

	memset(m, 0, sizeof *m);
	doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (doc == NULL) {
		long line = 1;

		for (const char *p = text; end && p < end; p++)
			line += *p == '\n';
		snprintf(err, errlen, "not valid JSON (line %ld)", line);
		return -1;
	}
	if (from_doc(m, doc, err, errlen) != 0) {
		hd_model_free(m);
		return -1;
	}
	hd_sha256(text, len, d);
	hd_hex(d, sizeof d, m->sha256);
	return 0;
}

int hd_model_load(struct hd_model *m, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(m, 0, sizeof *m);
	if (fp == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	do {
		if (len + 65536 > cap) {
			char *bigger = realloc(text, cap = 2 * cap + 65536);

			if (bigger == NULL) {
				snprintf(err, errlen, "out of memory");
				fclose(fp);
				free(text);
				return -1;
			}
			text = bigger;
		}
		n = fread(text + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		fclose(fp);
		free(text);
		return -1;
	}
	fclose(fp);
	rc = hd_model_parse(m, text, len, err, errlen);
	free(text);
	return rc;
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
	hd_lr_free(&m->lr);
	hd_rf_free(&m->rf);
	cJSON_Delete(m->doc);
	memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------------
 * Fitting and cross-validation
 * ------------------------------------------------------------------- */

int hd_model_fit(struct hd_model *m, enum hd_model_kind kind,
                 const void *params, const struct hd_dataset *d)
{
	double *Z;
	int rc;

	memset(m, 0, sizeof *m);
	m->kind = kind;
	hd_prep_fit(&m->prep, d->X, d->n);
	Z = hd_prep_encode(&m->prep, d->X, d->n);
	if (kind == HD_LR)
		rc = hd_lr_fit(&m->lr, Z, d->y, d->n, m->prep.dim, params);
	else
		rc = hd_rf_fit(&m->rf, Z, d->y, d->n, m->prep.dim, params);
	free(Z);
	return rc;
}

int hd_cross_validate(enum hd_model_kind kind, const void *params,
                      const struct hd_dataset *d, int k, uint64_t seed,
                      double *auc)
{
	int *fold = hd_xmalloc(d->n * sizeof *fold);
	size_t *tr = hd_xmalloc(d->n * sizeof *tr);
	size_t *te = hd_xmalloc(d->n * sizeof *te);
	int rc = 0;

	hd_stratified_folds(d->y, d->n, k, seed, fold);
	for (int f = 0; f < k && rc == 0; f++) {
		struct hd_dataset train, test;
		struct hd_model m;
		size_t ntr = 0, nte = 0;
		double *p, *z;

		for (size_t i = 0; i < d->n; i++) {
			if (fold[i] == f)
				te[nte++] = i;
			else
				tr[ntr++] = i;
		}
		hd_dataset_subset(d, tr, ntr, &train);
		hd_dataset_subset(d, te, nte, &test);
		rc = hd_model_fit(&m, kind, params, &train);
		if (rc == 0) {
			p = hd_xmalloc((nte ? nte : 1) * sizeof *p);
			z = hd_xmalloc((size_t)(m.prep.dim ? m.prep.dim : 1) * sizeof *z);
			for (size_t i = 0; i < nte; i++)
				p[i] = hd_model_prob(&m, test.X + i * HD_NFEAT, z, NULL);
			auc[f] = hd_roc_auc(p, test.y, nte);
			free(p);
			free(z);
		}
		hd_model_free(&m);
		hd_dataset_free(&train);
		hd_dataset_free(&test);
	}
	free(fold);
	free(tr);
	free(te);
	return rc;
}
