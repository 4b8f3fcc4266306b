/*
 * hd-fit-rf - fit a random forest, with stratified cross-validation,
 * and write the model file.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>

#include "cli.h"

static const char intro[] =
	"Fit a random forest (bootstrap, Gini, sqrt(features) per split,\n"
	"grown to purity) on clean training CSV, preprocessing included.\n";

/* The help text, with the defaults from the one place they live. */
static const char *options(void)
{
	static char opts[1024];
	const struct hd_rf_opts *d = &hd_rf_defaults;

	snprintf(opts, sizeof opts,
	         "  -n, --trees N            trees (%d)\n"
	         "  -d, --max-depth D        depth limit, 0 = none (%d)\n"
	         "  -l, --min-samples-leaf N fewest rows in a leaf (%d)\n"
	         "  -S, --min-samples-split N\n"
	         "                           fewest rows in a node to split it (%d)\n"
	         "  -f, --max-features N     features tried per split, 0 = sqrt (%d)\n"
	         "  -j, --jobs N             threads, 0 = one per CPU; the model is\n"
	         "                           the same whatever N is (%d)\n",
	         d->n_trees, d->max_depth, d->min_samples_leaf,
	         d->min_samples_split, d->max_features, d->jobs);
	return hd_fit_usage(intro, opts, " and of the trees");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trees", required_argument, NULL, 'n' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "min-samples-leaf", required_argument, NULL, 'l' },
		{ "min-samples-split", required_argument, NULL, 'S' },
		{ "max-features", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		HD_FIT_LONGOPTS,
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct hd_usage usage = {
		"[--trees N] [--max-depth D] [--min-samples-leaf N]\n"
		"                 [--min-samples-split N] [--max-features N] "
		"[--jobs N]\n"
		"                 [--cv K] [--seed N] [--oof FILE] [--name NAME]\n"
		"                 [-o MODEL] [TRAIN.csv]",
		options()
	};
	struct hd_rf_opts o = hd_rf_defaults;
	struct hd_fit_job j = hd_fit_defaults;
	int c;

	hd_set_prog(argv);
	j.kind = HD_RF;
	j.params = &o;
	while ((c = getopt_long(argc, argv, "n:d:l:S:f:j:" HD_FIT_SHORTOPTS,
	                        longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.n_trees =
				(int)hd_opt_long("--trees", optarg, 1, 100000);
			break;
		case 'd':
			o.max_depth = (int)hd_opt_long("--max-depth", optarg, 0,
			                               1000);
			break;
		case 'l':
			o.min_samples_leaf =
				(int)hd_opt_long("--min-samples-leaf", optarg,
			                         1, 1000000);
			break;
		case 'S':
			o.min_samples_split =
				(int)hd_opt_long("--min-samples-split", optarg,
			                         2, 1000000);
			break;
		case 'f':
			o.max_features = (int)hd_opt_long("--max-features",
			                                  optarg, 0, 100000);
			break;
		case 'j':
			o.jobs = (int)hd_opt_long("--jobs", optarg, 0, 256);
			break;
		default: hd_fit_opt(c, optarg, &j, &usage);
		}
	}
	hd_fit_operands(&j, argc, argv, &usage);
	o.seed = j.seed;
	j.hyper = cJSON_CreateObject();
	cJSON_AddNumberToObject(j.hyper, "n_estimators", o.n_trees);
	cJSON_AddStringToObject(j.hyper, "criterion", "gini");
	cJSON_AddNumberToObject(j.hyper, "max_depth", o.max_depth);
	cJSON_AddNumberToObject(j.hyper, "min_samples_leaf",
	                        o.min_samples_leaf);
	cJSON_AddNumberToObject(j.hyper, "min_samples_split",
	                        o.min_samples_split);
	if (o.max_features)
		cJSON_AddNumberToObject(j.hyper, "max_features",
		                        o.max_features);
	else
		cJSON_AddStringToObject(j.hyper, "max_features", "sqrt");
	cJSON_AddBoolToObject(j.hyper, "bootstrap", o.bootstrap);
	return hd_fit_run(&j);
}
