/*
 * fit.c - training: fitting a model with its preprocessing, scoring
 * many rows on all cores, cross-validation, and what hd-fit-lr and
 * hd-fit-rf share: options, help, reading the training rows,
 * cross-validating, fitting on all of them, and writing the model with
 * a record of how it was made.  The command-line regime (cli.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct prob_slice {
	const struct hd_model *m;
	const double *X;
	double *p;
	size_t n;
};

/* Rows a forest scores at a time: their encoded vectors (28 doubles
 * each) fit in the first-level cache beside one tree. */
enum { PROB_BLOCK = 64 };

static void *prob_slice(void *arg)
{
	struct prob_slice *s = arg;
	/* A false positive: the caller sets every slice it passes (jobs is
	 * at least 1, and s[0 .. jobs) are set before any is scored). */
	/* cppcheck-suppress uninitvar */
	const struct hd_model *m = s->m;
	size_t dim = (size_t)(m->prep.dim ? m->prep.dim : 1);

	if (m->kind == HD_RF) {
		double *Z = hd_xmalloc(PROB_BLOCK * (dim + 1) * sizeof *Z);

		for (size_t lo = 0; lo < s->n; lo += PROB_BLOCK) {
			size_t b = s->n - lo < PROB_BLOCK ? s->n - lo
			                                  : PROB_BLOCK;

			for (size_t i = 0; i < b; i++)
				hd_prep_apply(&m->prep,
				              s->X + (lo + i) * HD_NFEAT,
				              Z + i * (dim + 1));
			hd_rf_prob_rows(&m->rf, Z, b, s->p + lo);
		}
		free(Z);
		return NULL;
	}
	double *z = hd_xmalloc(dim * sizeof *z);

	for (size_t i = 0; i < s->n; i++)
		s->p[i] = hd_model_prob(m, s->X + i * HD_NFEAT, z, NULL);
	free(z);
	return NULL;
}

/* p is written through the slices: clang-tidy does not follow it into
 * struct prob_slice. */
void hd_model_prob_many(const struct hd_model *m, const double *X, size_t n,
                        /* NOLINTNEXTLINE(readability-non-const-parameter) */
                        double *p, int jobs)
{
	struct prob_slice s[16];
	pthread_t tid[16];
	int started[16] = { 0 };

	if (jobs <= 0)
		jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	/* A thread is worth starting for some hundreds of rows at least. */
	if (jobs > 16)
		jobs = 16;
	if ((size_t)jobs > n / 256)
		jobs = (int)(n / 256);
	if (jobs < 1)
		jobs = 1;
	for (int j = 0; j < jobs; j++) {
		size_t lo = n * (size_t)j / (size_t)jobs;
		size_t hi = n * (size_t)(j + 1) / (size_t)jobs;

		s[j] = (struct prob_slice){ m, X + lo * HD_NFEAT, p + lo,
			                    hi - lo };
		if (j > 0)
			started[j] = pthread_create(&tid[j], NULL, prob_slice,
			                            &s[j]) == 0;
	}
	prob_slice(&s[0]);
	/* A slice whose thread could not start is scored here instead. */
	for (int j = 1; j < jobs; j++) {
		if (started[j])
			pthread_join(tid[j], NULL);
		else
			prob_slice(&s[j]);
	}
}

int hd_models_fit(struct hd_model *m, int count, enum hd_model_kind kind,
                  const void *params, const struct hd_dataset *d)
{
	double **Z = hd_xcalloc((size_t)count, sizeof *Z);
	struct hd_rf_job *jobs = hd_xcalloc((size_t)count, sizeof *jobs);
	int rc = 0;

	for (int f = 0; f < count; f++) {
		memset(&m[f], 0, sizeof m[f]);
		m[f].kind = kind;
		hd_prep_fit(&m[f].prep, d[f].X, d[f].n);
		m[f].prep.scaled = kind == HD_LR;
		Z[f] = hd_prep_encode(&m[f].prep, d[f].X, d[f].n);
		jobs[f] = (struct hd_rf_job){ Z[f], d[f].y, d[f].n,
			                      m[f].prep.dim };
		if (kind == HD_RF && rc == 0 &&
		    ((const struct hd_rf_opts *)params)->max_features >
		            m[f].prep.dim) {
			hd_err("--max-features %d is more than the %d encoded "
			       "columns",
			       ((const struct hd_rf_opts *)params)->max_features,
			       m[f].prep.dim);
			rc = -1;
		}
	}
	if (kind == HD_LR) {
		for (int f = 0; f < count && rc == 0; f++)
			rc = hd_lr_fit(&m[f].lr, Z[f], d[f].y, d[f].n,
			               m[f].prep.dim, params);
	} else if (rc == 0) {
		struct hd_rf *rf = hd_xcalloc((size_t)count, sizeof *rf);

		rc = hd_rf_fit_many(rf, jobs, count, params);
		for (int f = 0; f < count; f++)
			m[f].rf = rf[f];
		free(rf);
	}
	for (int f = 0; f < count; f++)
		free(Z[f]);
	free(Z);
	free(jobs);
	return rc;
}

int hd_model_fit(struct hd_model *m, enum hd_model_kind kind,
                 const void *params, const struct hd_dataset *d)
{
	return hd_models_fit(m, 1, kind, params, d);
}

int hd_cross_validate(enum hd_model_kind kind, const void *params,
                      const struct hd_dataset *d, int k, uint64_t seed,
                      double *auc, double *oof, struct hd_model *full)
{
	int *fold = hd_xmalloc(d->n * sizeof *fold);
	size_t *tr = hd_xmalloc(d->n * sizeof *tr);
	size_t *te = hd_xmalloc(d->n * sizeof *te);
	int count = k + (full != NULL);
	struct hd_dataset *train = hd_xcalloc((size_t)k, sizeof *train);
	struct hd_dataset *test = hd_xcalloc((size_t)k, sizeof *test);
	/* The data sets to fit on, shallow copies: train[f] and d. */
	struct hd_dataset *on = hd_xcalloc((size_t)count, sizeof *on);
	struct hd_model *m = hd_xcalloc((size_t)count, sizeof *m);
	size_t *at = hd_xcalloc((size_t)k, sizeof *at);
	int rc;

	hd_stratified_folds(d->y, d->n, k, seed, fold);
	for (int f = 0; f < k; f++) {
		size_t ntr = 0, nte = 0;

		for (size_t i = 0; i < d->n; i++) {
			if (fold[i] == f)
				te[nte++] = i;
			else
				tr[ntr++] = i;
		}
		hd_dataset_subset(d, tr, ntr, &train[f]);
		hd_dataset_subset(d, te, nte, &test[f]);
		on[f] = train[f];
	}
	if (full != NULL)
		on[k] = *d;
	/* The k refits and the final fit, all on one pool of threads. */
	rc = hd_models_fit(m, count, kind, params, on);
	for (int f = 0; f < k && rc == 0; f++) {
		double *p = hd_xmalloc((test[f].n ? test[f].n : 1) * sizeof *p);

		hd_model_prob_many(&m[f], test[f].X, test[f].n, p, 1);
		auc[f] = hd_roc_auc(p, test[f].y, test[f].n);
		/* The held-out rows of fold f, in the order of d. */
		for (size_t i = 0; oof != NULL && i < d->n; i++)
			if (fold[i] == f)
				oof[i] = p[at[f]++];
		free(p);
	}
	for (int f = 0; f < k; f++) {
		hd_model_free(&m[f]);
		hd_dataset_free(&train[f]);
		hd_dataset_free(&test[f]);
	}
	if (full != NULL) {
		if (rc == 0)
			*full = m[k];
		else
			hd_model_free(&m[k]);
	}
	free(m);
	free(on);
	free(train);
	free(test);
	free(at);
	free(fold);
	free(tr);
	free(te);
	return rc;
}

/* ---------------------------------------------------------------------
 * The fit tools
 * ------------------------------------------------------------------- */

const struct hd_fit_job hd_fit_defaults = {
	.input = "-",
	.output = "-",
	.cv_folds = 5,
	.seed = 42,
	.name = HD_MODEL_NAME,
};

const char *hd_fit_usage(const char *intro, const char *opts,
                         const char *seed_what)
{
	static char text[4096];

	snprintf(text, sizeof text,
	         "%s\n%s"
	         "  -o, --output FILE        write the model here, atomically "
	         "(stdout)\n"
	         "  -k, --cv K               stratified K-fold cross-validation, "
	         "0 = none (%d)\n"
	         "  -s, --seed N             seed of the folds%s (%llu)\n"
	         "  -O, --oof FILE           write each training row's out-of-fold\n"
	         "                           probability here, as target,probability\n"
	         "      --name NAME          the model's name, as the server's Open\n"
	         "                           Inference Protocol serves it (%s)\n"
	         "      --help               show this help\n"
	         "      --version            show the version\n",
	         intro, opts, hd_fit_defaults.cv_folds, seed_what,
	         (unsigned long long)hd_fit_defaults.seed,
	         hd_fit_defaults.name);
	return text;
}

void hd_fit_opt(int c, const char *arg, struct hd_fit_job *j,
                const struct hd_usage *u)
{
	switch (c) {
	case 'o': j->output = arg; return;
	case 'k':
		j->cv_folds = (int)hd_opt_long("--cv", arg, 0, 100);
		if (j->cv_folds == 1) {
			hd_err("--cv: 1 fold leaves nothing to train on; "
			       "use 0 for none or 2 to 100");
			exit(HD_EXIT_USAGE);
		}
		return;
	case 's': j->seed = hd_opt_seed("--seed", arg); return;
	case 'O': j->oof = arg; return;
	case 'N':
		if (!hd_model_name_valid(arg)) {
			hd_err("--name: '%s' must be 1 to 64 of A-Z a-z 0-9 . _ -",
			       arg);
			exit(HD_EXIT_USAGE);
		}
		j->name = arg;
		return;
	default:
		hd_common_opt(c, u);
		/* an option in the table that the tool forgot to handle */
		hd_usage_exit(u, HD_EXIT_USAGE);
	}
}

void hd_fit_operands(struct hd_fit_job *j, int argc, char **argv,
                     const struct hd_usage *u)
{
	if (optind < argc)
		j->input = argv[optind++];
	if (optind < argc)
		hd_usage_exit(u, HD_EXIT_USAGE);
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

/* Each training row's out-of-fold probability, as hd-eval --oof reads
 * it; written whole or not at all.  0 or -1. */
static int write_oof(const char *path, const struct hd_dataset *d,
                     const double *oof)
{
	struct hd_out o;
	char num[HD_NUMBUF];

	if (hd_out_open(&o, path) != 0)
		return -1;
	fputs("target,probability\n", o.fp);
	for (size_t i = 0; i < d->n; i++)
		fprintf(o.fp, "%d,%s\n", d->y[i], hd_fmt_double(num, oof[i]));
	return hd_out_commit(&o);
}

static cJSON *cv_record(const double *auc, int k, uint64_t seed,
                        const double *oof, const uint8_t *y, size_t n)
{
	struct hd_calibration cal;
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
	/* Calibration of the out-of-fold probabilities: what the refits
	 * predicted for rows they had not seen. */
	hd_calibration_compute(oof, y, n, &cal);
	cJSON_AddItemToObject(cv, "calibration", hd_calibration_to_json(&cal));
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
	cJSON_AddStringToObject(t, "file",
	                        strcmp(j->input, "-") ? j->input : "-");
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

/* A whole number in [lo, hi] at key in o, or -1 after saying so. */
static int hyper_int(const cJSON *o, const char *path, const char *key, long lo,
                     long hi, int *out)
{
	double v;

	if (hd_json_get_num(o, key, &v) != 0 ||
	    !(v >= (double)lo && v <= (double)hi) || v != floor(v)) {
		hd_err("%s: no whole number %ld to %ld \"hyperparameters.%s\"",
		       path, lo, hi, key);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int hd_fit_params(const struct hd_model *m, const char *path,
                  struct hd_lr_opts *lr, struct hd_rf_opts *rf)
{
	const cJSON *h =
		cJSON_GetObjectItemCaseSensitive(m->doc, "hyperparameters");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m->doc, "training");
	const cJSON *mf;
	double v;

	if (!cJSON_IsObject(h)) {
		hd_err("%s: no \"hyperparameters\" object", path);
		return -1;
	}
	if (m->kind == HD_LR) {
		*lr = hd_lr_defaults;
		if (hd_json_get_num(h, "C", &lr->C) != 0 || !(lr->C > 0) ||
		    hyper_int(h, path, "max_iter", 1, 100000, &lr->max_iter) !=
		            0 ||
		    hd_json_get_num(h, "tol", &lr->tol) != 0 ||
		    !(lr->tol >= 0)) {
			hd_err("%s: the logistic regression's hyperparameters "
			       "(C, max_iter, tol) are not usable",
			       path);
			return -1;
		}
		return 0;
	}
	*rf = hd_rf_defaults;
	if (hyper_int(h, path, "n_estimators", 1, 100000, &rf->n_trees) != 0 ||
	    hyper_int(h, path, "max_depth", 0, 1000, &rf->max_depth) != 0 ||
	    hyper_int(h, path, "min_samples_leaf", 1, 1000000,
	              &rf->min_samples_leaf) != 0 ||
	    hyper_int(h, path, "min_samples_split", 2, 1000000,
	              &rf->min_samples_split) != 0)
		return -1;
	mf = cJSON_GetObjectItemCaseSensitive(h, "max_features");
	if (cJSON_IsString(mf) && strcmp(mf->valuestring, "sqrt") == 0)
		rf->max_features = 0;
	else if (hyper_int(h, path, "max_features", 1, 100000,
	                   &rf->max_features) != 0)
		return -1;
	rf->bootstrap = !cJSON_IsFalse(
		cJSON_GetObjectItemCaseSensitive(h, "bootstrap"));
	/*
	 * The seed is written with all its digits, but read back through
	 * cJSON as a double: one above 2^53 may not be the seed the forest
	 * was grown with, and is refused rather than guessed.
	 */
	if (hd_json_get_num(t, "seed", &v) != 0 ||
	    !(v >= 0 && v <= 9007199254740992.0) || v != floor(v)) {
		hd_err("%s: no \"training.seed\" from 0 to 2^53", path);
		return -1;
	}
	rf->seed = (uint64_t)v;
	rf->jobs = 0;
	return 0;
}

int hd_fit_run(const struct hd_fit_job *j)
{
	struct hd_dataset d;
	struct hd_model m;
	double auc[100], *oof = NULL, *scores = NULL;
	cJSON *doc, *cv = NULL, *ref;
	int rc;

	if (j->oof != NULL && j->cv_folds < 2) {
		hd_err("--oof needs cross-validation (--cv K, K >= 2)");
		cJSON_Delete(j->hyper);
		return HD_EXIT_USAGE;
	}
	hd_out_cleanup_on_signals();
	if (hd_dataset_read(j->input, 1, &d) != 0) {
		cJSON_Delete(j->hyper);
		return HD_EXIT_DATA;
	}
	if (j->cv_folds > 1) {
		size_t pos = 0;

		for (size_t i = 0; i < d.n; i++)
			pos += d.y[i];
		if (pos < (size_t)j->cv_folds ||
		    d.n - pos < (size_t)j->cv_folds) {
			hd_err("%s: %d-fold cross-validation needs at least %d "
			       "rows of each class",
			       j->input, j->cv_folds, j->cv_folds);
			goto fail;
		}
		oof = hd_xmalloc(d.n * sizeof *oof);
		if (hd_cross_validate(j->kind, j->params, &d, j->cv_folds,
		                      j->seed, auc, oof, &m) != 0)
			goto fail;
		cv = cv_record(auc, j->cv_folds, j->seed, oof, d.y, d.n);
		if (j->oof != NULL && write_oof(j->oof, &d, oof) != 0) {
			cJSON_Delete(cv);
			hd_model_free(&m);
			goto fail;
		}
	}
	if (j->cv_folds < 2 && hd_model_fit(&m, j->kind, j->params, &d) != 0) {
		hd_model_free(&m);
		goto fail;
	}
	if (j->kind == HD_LR && !m.lr.converged)
		hd_err("warning: not converged after %d Newton steps "
		       "(raise --max-iter or --tol)",
		       m.lr.iterations);
	/*
	 * The reference profile's scores: out of fold when there are any,
	 * since a forest's in-sample scores are near 0 or 1 and would make
	 * every new batch look drifted.
	 */
	if (oof == NULL) {
		scores = hd_xmalloc(d.n * sizeof *scores);
		/* As many threads as the fit was given: -j 1 means one. */
		hd_model_prob_many(&m, d.X, d.n, scores,
		                   j->kind == HD_RF
		                           ? ((const struct hd_rf_opts *)
		                                      j->params)
		                                     ->jobs
		                           : 0);
	}
	ref = hd_profile_to_json(&d, oof ? oof : scores, oof != NULL, j->input);
	free(scores);
	if (ref == NULL) {
		hd_model_free(&m);
		cJSON_Delete(cv);
		goto fail;
	}
	doc = hd_model_to_json(&m);
	cJSON_AddStringToObject(doc, "name", j->name);
	cJSON_AddItemToObject(doc, "hyperparameters", j->hyper);
	cJSON_AddItemToObject(doc, "training", training_record(j, &d, &m));
	if (cv != NULL)
		cJSON_AddItemToObject(doc, "cv", cv);
	cJSON_AddItemToObject(doc, "reference", ref);
	rc = hd_json_write(j->output, doc);
	cJSON_Delete(doc);
	hd_model_free(&m);
	hd_dataset_free(&d);
	free(oof);
	return rc == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
fail:
	cJSON_Delete(j->hyper);
	hd_dataset_free(&d);
	free(oof);
	return HD_EXIT_DATA;
}
