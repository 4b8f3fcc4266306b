/*
 * hd-fit-lr - fit an L2-penalised logistic regression, with stratified
 * cross-validation, and write the model file.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>

#include "cli.h"

static const char intro[] =
	"Fit logistic regression (scikit-learn's L2 objective, intercept\n"
	"unpenalised) on clean training CSV, preprocessing included.\n";

/* The help text, with the defaults from the one place they live. */
static const char *options(void)
{
	static char opts[512];
	char c[HD_NUMBUF], tol[HD_NUMBUF];

	snprintf(opts, sizeof opts,
	         "  -C, --C C                inverse penalty strength (%s)\n"
	         "  -n, --max-iter N         Newton steps at most (%d)\n"
	         "  -t, --tol T              stop when no coefficient moves "
	         "more (%s)\n",
	         hd_fmt_double(c, hd_lr_defaults.C), hd_lr_defaults.max_iter,
	         hd_fmt_double(tol, hd_lr_defaults.tol));
	return hd_fit_usage(intro, opts, "");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "C", required_argument, NULL, 'C' },
		{ "max-iter", required_argument, NULL, 'n' },
		{ "tol", required_argument, NULL, 't' },
		HD_FIT_LONGOPTS,
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct hd_usage usage = {
		"[--C C] [--max-iter N] [--tol T] [--cv K] [--seed N]\n"
		"                 [--oof FILE] [--name NAME] [-o MODEL] [TRAIN.csv]",
		options()
	};
	struct hd_lr_opts o = hd_lr_defaults;
	struct hd_fit_job j = hd_fit_defaults;
	int c;

	hd_set_prog(argv);
	j.kind = HD_LR;
	j.params = &o;
	while ((c = getopt_long(argc, argv, "C:n:t:" HD_FIT_SHORTOPTS, longopts,
	                        NULL)) != -1) {
		switch (c) {
		case 'C':
			o.C = hd_opt_double("--C", optarg, 1e-12, 1e12);
			break;
		case 'n':
			o.max_iter = (int)hd_opt_long("--max-iter", optarg, 1,
			                              100000);
			break;
		case 't': o.tol = hd_opt_double("--tol", optarg, 0, 1); break;
		default: hd_fit_opt(c, optarg, &j, &usage);
		}
	}
	hd_fit_operands(&j, argc, argv, &usage);
	j.hyper = cJSON_CreateObject();
	hd_json_add_num(j.hyper, "C", o.C);
	cJSON_AddNumberToObject(j.hyper, "max_iter", o.max_iter);
	hd_json_add_num(j.hyper, "tol", o.tol);
	cJSON_AddStringToObject(j.hyper, "penalty", "l2");
	cJSON_AddStringToObject(j.hyper, "solver", "newton");
	return hd_fit_run(&j);
}
