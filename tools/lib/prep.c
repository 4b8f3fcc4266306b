/*
 * prep.c - preprocessing learned from training rows and stored in the
 * model file, so that serving applies exactly what training did.
 *
 * Numeric columns: median imputation, then standardisation with the
 * mean and population standard deviation of the imputed training
 * values (scikit-learn's SimpleImputer(strategy="median") followed by
 * StandardScaler).  Categorical columns: imputation with the most
 * frequent value (ties to the smallest), then one-hot over the levels
 * seen in training, sorted; an unseen level encodes as all zeros
 * (OneHotEncoder(handle_unknown="ignore")).  Numerics come first in z,
 * then the categoricals, each in hd_features order.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Non-missing values of feature f, sorted; returns how many. */
static size_t column_sorted(const double *X, size_t n, int f, double *v)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(X[i * HD_NFEAT + f]))
			v[m++] = X[i * HD_NFEAT + f];
	qsort(v, m, sizeof *v, hd_cmp_double);
	return m;
}

static void fit_numeric(struct hd_prep_col *c, const double *X, size_t n,
                        const double *v, size_t m)
{
	double sum = 0, ss = 0;

	if (m == 0) { /* nothing to learn from: a constant 0 */
		c->median = c->mean = 0;
		c->scale = 1;
		return;
	}
	c->median = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
	for (size_t i = 0; i < n; i++) {
		double x = X[i * HD_NFEAT + c->feature];

		sum += isnan(x) ? c->median : x;
	}
	c->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double x = X[i * HD_NFEAT + c->feature];
		double d = (isnan(x) ? c->median : x) - c->mean;

		ss += d * d;
	}
	c->scale = sqrt(ss / (double)n);
	if (c->scale < 10 * DBL_EPSILON) /* constant: as scikit-learn */
		c->scale = 1;
}

static void fit_categorical(struct hd_prep_col *c, const double *v, size_t m)
{
	size_t best = 0;

	c->n_levels = 0;
	c->levels = hd_xmalloc((m ? m : 1) * sizeof *c->levels);
	c->mode = NAN;
	for (size_t i = 0; i < m;) {
		size_t j = i;

		while (j < m && v[j] == v[i])
			j++;
		c->levels[c->n_levels++] = v[i];
		if (j - i > best) { /* strict: ties keep the smaller value */
			best = j - i;
			c->mode = v[i];
		}
		i = j;
	}
}

int hd_prep_fit(struct hd_prep *p, const double *X, size_t n)
{
	double *v = hd_xmalloc((n ? n : 1) * sizeof *v);
	int k = 0, off = 0;

	memset(p, 0, sizeof *p);
	for (int pass = 0; pass < 2; pass++)
		for (int f = 0; f < HD_NFEAT; f++) {
			struct hd_prep_col *c = &p->col[k];
			size_t m;

			if (hd_features[f].kind !=
			    (pass ? HD_CATEGORICAL : HD_NUMERIC))
				continue;
			c->feature = f;
			c->kind = hd_features[f].kind;
			c->offset = off;
			m = column_sorted(X, n, f, v);
			if (c->kind == HD_NUMERIC) {
				fit_numeric(c, X, n, v, m);
				off++;
			} else {
				fit_categorical(c, v, m);
				off += c->n_levels;
			}
			k++;
		}
	p->dim = off;
	p->scaled = 1;
	free(v);
	return 0;
}

/* Index of v in the sorted levels, or -1. */
static int level_index(const struct hd_prep_col *c, double v)
{
	int lo = 0, hi = c->n_levels - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (c->levels[mid] == v)
			return mid;
		if (c->levels[mid] < v)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int hd_prep_apply(const struct hd_prep *p, const double x[HD_NFEAT], double *z)
{
	int unseen = 0;

	for (int k = 0; k < HD_NFEAT; k++) {
		const struct hd_prep_col *c = &p->col[k];
		double v = x[c->feature];

		if (c->kind == HD_NUMERIC) {
			v = isnan(v) ? c->median : v;
			z[c->offset] = p->scaled ? (v - c->mean) / c->scale : v;
			continue;
		}
		memset(z + c->offset, 0, (size_t)c->n_levels * sizeof *z);
		if (isnan(v))
			v = c->mode;
		if (!isnan(v)) {
			int i = level_index(c, v);

			if (i >= 0)
				z[c->offset + i] = 1;
			else
				unseen++;
		}
	}
	return unseen;
}

int hd_prep_level_seen(const struct hd_prep *p, int feature, double v)
{
	for (int k = 0; k < HD_NFEAT; k++)
		if (p->col[k].feature == feature)
			return p->col[k].kind == HD_NUMERIC ||
			       level_index(&p->col[k], v) >= 0;
	return 0;
}

void hd_prep_slot_name(const struct hd_prep *p, int slot, char *buf, size_t len)
{
	for (int k = HD_NFEAT - 1; k >= 0; k--) {
		const struct hd_prep_col *c = &p->col[k];
		char num[HD_NUMBUF];

		if (slot < c->offset)
			continue;
		if (c->kind == HD_NUMERIC)
			snprintf(buf, len, "%s", hd_features[c->feature].name);
		else
			snprintf(buf, len, "%s=%s",
			         hd_features[c->feature].name,
			         hd_fmt_double(num,
			                       c->levels[slot - c->offset]));
		return;
	}
	snprintf(buf, len, "?");
}

double *hd_prep_encode(const struct hd_prep *p, const double *X, size_t n)
{
	double *Z = hd_xmalloc((n ? n : 1) * (size_t)p->dim * sizeof *Z);

	for (size_t i = 0; i < n; i++)
		hd_prep_apply(p, X + i * HD_NFEAT, Z + i * (size_t)p->dim);
	return Z;
}

void hd_prep_free(struct hd_prep *p)
{
	for (int k = 0; k < HD_NFEAT; k++)
		free(p->col[k].levels);
	memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------------
 * JSON: [{"name": "age", "kind": "numeric", "median": .., "mean": ..,
 *         "scale": ..}, {"name": "cp", "kind": "categorical",
 *         "mode": 4, "levels": [1, 2, 3, 4]}, ...] in z order
 * ------------------------------------------------------------------- */

cJSON *hd_prep_to_json(const struct hd_prep *p)
{
	cJSON *arr = cJSON_CreateArray();

	for (int k = 0; k < HD_NFEAT; k++) {
		const struct hd_prep_col *c = &p->col[k];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name",
		                        hd_features[c->feature].name);
		if (c->kind == HD_NUMERIC) {
			cJSON_AddStringToObject(o, "kind", "numeric");
			hd_json_add_num(o, "median", c->median);
			hd_json_add_num(o, "mean", c->mean);
			hd_json_add_num(o, "scale", c->scale);
		} else {
			cJSON *lv = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "kind", "categorical");
			hd_json_add_num(o, "mode", c->mode);
			for (int i = 0; i < c->n_levels; i++)
				cJSON_AddItemToArray(lv,
				                     hd_json_num(c->levels[i]));
			cJSON_AddItemToObject(o, "levels", lv);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static int get_num(const cJSON *o, const char *key, double *v)
{
	return hd_json_get_num(o, key, v) == 0 && isfinite(*v) ? 0 : -1;
}

int hd_prep_from_json(struct hd_prep *p, const cJSON *j, char *err,
                      size_t errlen)
{
	const cJSON *o;
	int k = 0, off = 0, seen[HD_NFEAT] = { 0 };

	memset(p, 0, sizeof *p);
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) != HD_NFEAT) {
		snprintf(err, errlen, "\"features\" must list the %d features",
		         HD_NFEAT);
		return -1;
	}
	cJSON_ArrayForEach (o, j) {
		struct hd_prep_col *c = &p->col[k];
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
		int f = cJSON_IsString(name)
		                ? hd_feature_index(name->valuestring)
		                : -1;

		if (f < 0 || seen[f]++ || !cJSON_IsString(kind)) {
			snprintf(err, errlen,
			         "features[%d]: unknown or repeated "
			         "feature, or no kind",
			         k);
			goto fail;
		}
		c->feature = f;
		c->offset = off;
		c->kind = hd_features[f].kind;
		if (strcmp(kind->valuestring,
		           c->kind == HD_NUMERIC ? "numeric" : "categorical") !=
		    0) {
			snprintf(err, errlen, "features[%d]: %s must be %s", k,
			         hd_features[f].name,
			         c->kind == HD_NUMERIC ? "numeric"
			                               : "categorical");
			goto fail;
		}
		if (c->kind == HD_NUMERIC) {
			if (get_num(o, "median", &c->median) ||
			    get_num(o, "mean", &c->mean) ||
			    get_num(o, "scale", &c->scale) || c->scale <= 0 ||
			    !isfinite(1 / c->scale)) {
				snprintf(err, errlen,
				         "features[%d]: %s needs "
				         "median, mean and a positive scale",
				         k, hd_features[f].name);
				goto fail;
			}
			off++;
		} else {
			const cJSON *lv =
				cJSON_GetObjectItemCaseSensitive(o, "levels");
			const cJSON *m =
				cJSON_GetObjectItemCaseSensitive(o, "mode");
			const cJSON *e;
			int n = cJSON_GetArraySize(lv), i = 0;

			if (!cJSON_IsArray(lv) ||
			    (!cJSON_IsNumber(m) &&
			     !(cJSON_IsNull(m) && n == 0))) {
				snprintf(err, errlen,
				         "features[%d]: %s needs "
				         "levels and a mode",
				         k, hd_features[f].name);
				goto fail;
			}
			c->mode = cJSON_IsNumber(m) ? m->valuedouble : NAN;
			if (cJSON_IsNumber(m) && !isfinite(c->mode)) {
				snprintf(err, errlen,
				         "features[%d]: %s mode is "
				         "not a finite number",
				         k, hd_features[f].name);
				goto fail;
			}
			c->levels =
				malloc((size_t)(n ? n : 1) * sizeof *c->levels);
			if (c->levels == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			cJSON_ArrayForEach (e, lv) {
				if (!cJSON_IsNumber(e) ||
				    !isfinite(e->valuedouble) ||
				    (i > 0 &&
				     !(e->valuedouble > c->levels[i - 1]))) {
					snprintf(err, errlen,
					         "features[%d]: %s "
					         "levels must be increasing "
					         "numbers",
					         k, hd_features[f].name);
					goto fail;
				}
				c->levels[i++] = e->valuedouble;
			}
			c->n_levels = n;
			off += n;
		}
		k++;
	}
	p->dim = off;
	p->scaled = 1;
	return 0;
fail:
	hd_prep_free(p);
	return -1;
}
