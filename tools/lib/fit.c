/*
 * fit.c - what hd-fit-lr and hd-fit-rf share: read the training rows,
 * cross-validate, fit on all of them, and write the model with a record
 * of how it was made.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

int hd_fit_common_opt(int c, const char *arg, struct hd_fit_job *j)
{
	switch (c) {
	case 'o': j->output = arg; return 1;
	case 'k':
		j->cv_folds = (int)hd_opt_long("--cv", arg, 0, 100);
		if (j->cv_folds == 1) {
			hd_err("--cv: 1 fold leaves nothing to train on; "
			       "use 0 for none or 2 to 100");
			exit(HD_EXIT_USAGE);
		}
		return 1;
	case 's': j->seed = hd_opt_seed("--seed", arg); return 1;
	default: return 0;
	}
}

/*
 * The time a model was made, in UTC.  SOURCE_DATE_EPOCH (the
 * reproducible-builds convention) replaces the clock, so that a rerun
 * with the same inputs, seed and epoch is byte-identical.
 */
static void utc_now(char buf[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	long v;

	if (sde != NULL && hd_parse_long(sde, 0, 253402300799L, &v) == 0)
		t = (time_t)v;
	hd_utc_time(t, buf);
}

static cJSON *cv_record(const double *auc, int k, uint64_t seed)
{
	cJSON *cv = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	double mean = 0, var = 0;
	char num[HD_NUMBUF];

	for (int f = 0; f < k; f++) {
		cJSON_AddItemToArray(arr, hd_json_num(auc[f]));
		mean += auc[f];
	}
	mean /= k;
	for (int f = 0; f < k; f++)
		var += (auc[f] - mean) * (auc[f] - mean);
	cJSON_AddNumberToObject(cv, "folds", k);
	snprintf(num, sizeof num, "%llu", (unsigned long long)seed);
	cJSON_AddItemToObject(cv, "seed", cJSON_CreateRaw(num));
	cJSON_AddStringToObject(cv, "metric", "roc_auc");
	cJSON_AddItemToObject(cv, "roc_auc", arr);
	hd_json_add_num(cv, "mean", mean);
	/* population std over folds, as numpy's default */
	hd_json_add_num(cv, "std", sqrt(var / k));
	return cv;
}

static cJSON *training_record(const struct hd_fit_job *j,
                              const struct hd_dataset *d,
                              const struct hd_model *m)
{
	cJSON *t = cJSON_CreateObject(), *cc = cJSON_CreateArray();
	size_t pos = 0;
	char when[32], num[HD_NUMBUF];

	for (size_t i = 0; i < d->n; i++)
		pos += d->y[i];
	cJSON_AddStringToObject(t, "file", strcmp(j->input, "-") ? j->input : "-");
	cJSON_AddStringToObject(t, "sha256", d->sha256);
	cJSON_AddNumberToObject(t, "rows", (double)d->n);
	cJSON_AddItemToArray(cc, cJSON_CreateNumber((double)(d->n - pos)));
	cJSON_AddItemToArray(cc, cJSON_CreateNumber((double)pos));
	cJSON_AddItemToObject(t, "class_counts", cc);
	snprintf(num, sizeof num, "%llu", (unsigned long long)j->seed);
	cJSON_AddItemToObject(t, "seed", cJSON_CreateRaw(num));
	if (m->kind == HD_LR) {
		cJSON_AddNumberToObject(t, "iterations", m->lr.iterations);
		cJSON_AddBoolToObject(t, "converged", m->lr.converged);
	}
	cJSON_AddStringToObject(t, "tool", hd_prog);
	cJSON_AddStringToObject(t, "tool_version", HD_VERSION);
	utc_now(when);
	cJSON_AddStringToObject(t, "created", when);
	return t;
}

int hd_fit_run(const struct hd_fit_job *j)
{
	struct hd_dataset d;
	struct hd_model m;
	double auc[100];
	cJSON *doc, *cv = NULL;
	int rc;

	if (hd_dataset_read(j->input, 1, &d) != 0) {
		cJSON_Delete(j->hyper);
		return HD_EXIT_DATA;
	}
	if (j->cv_folds > 1) {
		size_t pos = 0;

		for (size_t i = 0; i < d.n; i++)
			pos += d.y[i];
		if (pos < (size_t)j->cv_folds || d.n - pos < (size_t)j->cv_folds) {
			hd_err("%s: %d-fold cross-validation needs at least %d "
			       "rows of each class", j->input, j->cv_folds,
			       j->cv_folds);
			goto fail;
		}
		if (hd_cross_validate(j->kind, j->params, &d, j->cv_folds,
		                      j->seed, auc) != 0)
			goto fail;
		cv = cv_record(auc, j->cv_folds, j->seed);
	}
	if (hd_model_fit(&m, j->kind, j->params, &d) != 0) {
		hd_model_free(&m);
		cJSON_Delete(cv);
		goto fail;
	}
	if (j->kind == HD_LR && !m.lr.converged)
		hd_err("warning: not converged after %d Newton steps "
		       "(raise --max-iter or --tol)", m.lr.iterations);
	doc = hd_model_to_json(&m);
	cJSON_AddItemToObject(doc, "hyperparameters", j->hyper);
	cJSON_AddItemToObject(doc, "training", training_record(j, &d, &m));
	if (cv != NULL)
		cJSON_AddItemToObject(doc, "cv", cv);
	rc = hd_json_write(j->output, doc);
	cJSON_Delete(doc);
	hd_model_free(&m);
	hd_dataset_free(&d);
	return rc == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
fail:
	cJSON_Delete(j->hyper);
	hd_dataset_free(&d);
	return HD_EXIT_DATA;
}
