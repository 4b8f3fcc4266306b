/*
 * hd-loso - leave-one-site-out validation: for each site of the data,
 * fit the model again (its kind, preprocessing and hyperparameters, as
 * recorded in its file) on the other sites' rows, and evaluate it on
 * the held-out site, with every figure hd-eval gives.  How a model
 * carries from one hospital to another is the question a clinician
 * asks first of the UCI data, which comes from four.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FORMAT "hd-loso"
#define VERSION 1

static const struct hd_usage usage = {
	"[-o FILE] [-t T] [--bootstrap N] [--seed N] MODEL DATA",
	"For each site (the source column) of the clean CSV DATA, fit MODEL's\n"
	"kind with MODEL's hyperparameters on the other sites' rows and\n"
	"evaluate it on that site's rows; write the results as JSON.\n"
	"\n"
	"  -t, --threshold T   predict 1 when probability >= T (0.5)\n"
	"  -b, --bootstrap N   resamples for the 95% intervals, 0 = none (2000)\n"
	"      --seed N        seed of the resampling (42)\n"
	"  -o, --output FILE   write here (atomically) instead of stdout\n"
	"      --help          show this help\n"
	"      --version       show the version\n",
};

/* The rows of d at site k (held == 1) or at every other site. */
static size_t rows_of(const struct hd_dataset *d, int k, int held, size_t *idx)
{
	size_t m = 0;

	for (size_t i = 0; i < d->n; i++)
		if ((d->site[i] == k) == held)
			idx[m++] = i;
	return m;
}

/*
 * Fit on the other sites for every site at once (the forests on one
 * pool of threads), score each held-out site: the "sites" object, or
 * NULL after saying why.
 */
static cJSON *hold_out_each(const struct hd_dataset *d, enum hd_model_kind kind,
                            const void *params, const struct hd_eval_opts *o)
{
	size_t k, ns = d->nsites;
	size_t *idx = hd_xmalloc(d->n * sizeof *idx);
	struct hd_dataset *train = hd_xcalloc(ns, sizeof *train);
	struct hd_dataset *test = hd_xcalloc(ns, sizeof *test);
	struct hd_model *m = hd_xcalloc(ns, sizeof *m);
	cJSON *sites = NULL;

	for (k = 0; k < ns; k++) {
		hd_dataset_subset(d, idx, rows_of(d, (int)k, 0, idx),
		                  &train[k]);
		hd_dataset_subset(d, idx, rows_of(d, (int)k, 1, idx), &test[k]);
	}
	if (hd_models_fit(m, (int)ns, kind, params, train) != 0) {
		hd_err("the model cannot be fitted with each site left out");
		goto done;
	}
	sites = cJSON_CreateObject();
	for (k = 0; k < ns; k++) {
		double *p = hd_xmalloc((test[k].n ? test[k].n : 1) * sizeof *p);
		char who[300];
		cJSON *r, *e;

		hd_model_prob_many(&m[k], test[k].X, test[k].n, p, 0);
		snprintf(who, sizeof who, "site %s: ", d->sites[k]);
		e = hd_evaluate(who, p, test[k].y, test[k].n, o);
		free(p);
		r = cJSON_AddObjectToObject(sites, d->sites[k]);
		hd_json_add_num(r, "train_rows", (double)train[k].n);
		hd_json_add_num(r, "test_rows", (double)test[k].n);
		cJSON_AddItemToObject(r, "test", e);
	}
done:
	for (k = 0; k < ns; k++) {
		hd_model_free(&m[k]);
		hd_dataset_free(&train[k]);
		hd_dataset_free(&test[k]);
	}
	free(m);
	free(train);
	free(test);
	free(idx);
	return sites;
}

int main(int argc, char **argv)
{
	enum { OPT_SEED = 0x100 };
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "output", required_argument, NULL, 'o' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const double thresholds[] = { 0.1, 0.2, 0.3, 0.4, 0.5,
		                             0.6, 0.7, 0.8, 0.9 };
	struct hd_eval_opts o = { 0.5, 2000, 42, thresholds,
		                  sizeof thresholds / sizeof thresholds[0] };
	const char *output = "-", *model_path, *data_path;
	struct hd_lr_opts lr;
	struct hd_rf_opts rf;
	struct hd_model m;
	struct hd_dataset d;
	cJSON *root, *sites, *x;
	int c, rc = HD_EXIT_DATA;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "t:b:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.threshold =
				hd_opt_double("--threshold", optarg, 0, 1);
			break;
		case 'b':
			o.resamples = (int)hd_opt_long("--bootstrap", optarg, 0,
			                               1000000);
			break;
		case OPT_SEED: o.seed = hd_opt_seed("--seed", optarg); break;
		case 'o': output = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (argc - optind != 2) {
		hd_err("a model and a data file are needed");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	model_path = argv[optind];
	data_path = argv[optind + 1];

	hd_out_cleanup_on_signals();
	if (hd_model_open(&m, model_path) != 0) {
		return HD_EXIT_DATA;
	}
	if (hd_fit_params(&m, model_path, &lr, &rf) != 0) {
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	if (hd_dataset_read(data_path, 1, &d) != 0) {
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	if (d.site == NULL || d.nsites < 2) {
		hd_err("%s: leaving one site out needs a '%s' column with two "
		       "sites or more",
		       data_path, HD_COL_SOURCE);
		goto done;
	}

	root = cJSON_CreateObject();
	hd_json_set_format(root, FORMAT, VERSION);
	x = cJSON_AddObjectToObject(root, "model");
	cJSON_AddStringToObject(x, "kind", hd_model_kind_name(m.kind));
	cJSON_AddStringToObject(x, "file", model_path);
	cJSON_AddStringToObject(x, "sha256", m.sha256);
	cJSON_AddItemToObject(x, "hyperparameters",
	                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
						      m.doc, "hyperparameters"),
	                                      1));
	x = cJSON_AddObjectToObject(root, "data");
	cJSON_AddStringToObject(x, "file", data_path);
	cJSON_AddStringToObject(x, "sha256", d.sha256);
	hd_json_add_num(x, "rows", (double)d.n);
	sites = hold_out_each(&d, m.kind,
	                      m.kind == HD_LR ? (const void *)&lr
	                                      : (const void *)&rf,
	                      &o);
	if (sites == NULL) {
		cJSON_Delete(root);
		goto done;
	}
	cJSON_AddItemToObject(root, "sites", sites);
	rc = hd_json_write(output, root) == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
	cJSON_Delete(root);
done:
	hd_dataset_free(&d);
	hd_model_free(&m);
	return rc;
}
