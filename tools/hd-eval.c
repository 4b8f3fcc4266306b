/*
 * hd-eval - score a model on labelled rows and write its metrics.
 *
 * Two inputs give the same metrics file: a model and clean CSV (the
 * model scores every row here), or scores already made, a CSV with
 * "target" and "probability" columns such as hd-predict writes.  The
 * second needs no model, so metrics can be checked on hand-made
 * fixtures and on scores from anywhere.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define COL_PROB "probability"
#define MAX_THRESHOLDS 100

/* A comma-separated list of thresholds in [0, 1]; exits 2 if bad. */
static size_t parse_thresholds(const char *arg, double *t)
{
	const char *s = arg;
	size_t n = 0;

	for (;;) {
		double x;
		const char *end = hd_parse_number(s, &x);

		if (end == NULL || (*end != ',' && *end != '\0') || x < 0 ||
		    x > 1 || n == MAX_THRESHOLDS) {
			hd_err("--thresholds: '%s' is not a list of at most %d "
			       "numbers from 0 to 1, comma-separated",
			       arg, MAX_THRESHOLDS);
			exit(HD_EXIT_USAGE);
		}
		t[n++] = x;
		if (*end == '\0')
			return n;
		s = end + 1;
	}
}

static const struct hd_usage usage = {
	"[-o FILE] [-t T] [--bootstrap N] [--seed N] [--thresholds LIST]\n"
	"               [--oof FILE] [--plot-data DIR] MODEL DATA\n"
	"       hd-eval --scores [-o FILE] [-t T] [--bootstrap N] [--seed N]\n"
	"               [--thresholds LIST] [--oof FILE] [--plot-data DIR] [FILE]",
	"Score MODEL on the labelled clean CSV DATA, or read scores already\n"
	"made (columns target and probability), and write metrics as JSON.\n"
	"\n"
	"  -s, --scores        read target,probability rows instead of a model\n"
	"                      and data\n"
	"  -t, --threshold T   predict 1 when probability >= T (0.5)\n"
	"  -b, --bootstrap N   resamples for the 95% intervals, 0 = none (2000)\n"
	"      --seed N        seed of the resampling (42)\n"
	"      --thresholds LIST  comma-separated thresholds for the table of\n"
	"                      rates (0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9)\n"
	"      --oof FILE      out-of-fold predictions of cross-validation\n"
	"                      (hd-fit-lr/-rf --oof): the Youden threshold is\n"
	"                      chosen on them and reported on the test rows\n"
	"      --plot-data DIR also write the numbers of the plots into DIR\n"
	"                      (created if missing): roc.dat, confusion.dat,\n"
	"                      calibration.dat, decision.dat, summary.dat\n"
	"  -o, --output FILE   write here (atomically) instead of stdout\n"
	"      --help          show this help\n"
	"      --version       show the version\n",
};

/*
 * Scores and labels, n of each, owned; and, where the rows say so,
 * each row's site (an index into sites[], -1 unknown) and sex (0, 1,
 * -1 unknown), for the results by subgroup.
 */
struct scores {
	double *p;
	uint8_t *y;
	int *site, *sex;
	char **sites;
	size_t nsites;
	size_t n, cap;
	char sha256[HD_SHA256_HEX];
};

static void scores_free(struct scores *s)
{
	for (size_t k = 0; k < s->nsites; k++)
		free(s->sites[k]);
	free(s->sites);
	free(s->p);
	free(s->y);
	free(s->site);
	free(s->sex);
	memset(s, 0, sizeof *s);
}

static void scores_push(struct scores *s, double p, uint8_t y, int site,
                        int sex)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->p = hd_xrealloc(s->p, s->cap * sizeof *s->p);
		s->y = hd_xrealloc(s->y, s->cap);
		s->site = hd_xrealloc(s->site, s->cap * sizeof *s->site);
		s->sex = hd_xrealloc(s->sex, s->cap * sizeof *s->sex);
	}
	s->p[s->n] = p;
	s->y[s->n] = y;
	s->site[s->n] = site;
	s->sex[s->n] = sex;
	s->n++;
}

/* Check one data row; 0, or -1 after saying what is wrong where. */
static int scores_row(const char *file, const struct hd_record *rec,
                      size_t ncol, long ycol, long pcol, long scol, long xcol,
                      struct scores *s)
{
	int site = -1, sex = -1;

	const char *v;
	char ex[HD_EXCERPT];
	double p;
	uint8_t y, y2;

	if (rec->n != ncol) {
		hd_err_at(file, rec->line, 0, "expected %zu fields, found %zu",
		          ncol, rec->n);
		return -1;
	}
	v = rec->field[ycol];
	if (hd_parse_label(v, &y) != 0) {
		hd_err_at(file, rec->line, ycol + 1, "%s: '%s' is not 0 or 1",
		          HD_COL_TARGET, hd_excerpt(v, ex));
		return -1;
	}
	v = rec->field[pcol];
	if (v[0] == '\0') {
		hd_err_at(file, rec->line, pcol + 1, "%s: missing", COL_PROB);
		return -1;
	}
	if (hd_parse_double(v, &p) != 0) {
		hd_err_at(file, rec->line, pcol + 1, "%s: '%s' is not a number",
		          COL_PROB, hd_excerpt(v, ex));
		return -1;
	}
	if (p < 0 || p > 1) {
		hd_err_at(file, rec->line, pcol + 1,
		          "%s: '%s' is not between 0 and 1", COL_PROB,
		          hd_excerpt(v, ex));
		return -1;
	}
	if (scol >= 0 && hd_source_check(rec, scol, file) != 0)
		return -1;
	if (scol >= 0 && rec->field[scol][0] != '\0')
		site = hd_intern(&s->sites, &s->nsites, rec->field[scol]);
	if (xcol >= 0 && hd_parse_label(rec->field[xcol], &y2) == 0)
		sex = y2;
	scores_push(s, p, y, site, sex);
	return 0;
}

static int read_scores(const char *path, struct scores *s)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	const char *file;
	long ycol, pcol, scol, xcol;
	size_t ncol;
	int rc;

	if (in == NULL)
		return -1;
	file = hd_csv_name(in);
	hd_csv_hash(in);
	if ((rc = hd_csv_next(in, &rec)) <= 0) {
		if (rc == 0)
			hd_err_at(file, 1, 0,
			          "empty input: expected a header "
			          "line");
		goto fail;
	}
	ncol = rec.n;
	if (hd_header_check(&rec, file) != 0)
		goto fail;
	ycol = hd_header_find(&rec, HD_COL_TARGET);
	pcol = hd_header_find(&rec, COL_PROB);
	if (ycol < 0 || pcol < 0) {
		hd_err_at(file, rec.line, 0, "no '%s' column in the header",
		          ycol < 0 ? HD_COL_TARGET : COL_PROB);
		goto fail;
	}
	/* Optional: the site and the sex, as hd-predict passes them on. */
	scol = hd_header_find(&rec, HD_COL_SOURCE);
	xcol = hd_header_find(&rec, "sex");
	while ((rc = hd_csv_next(in, &rec)) > 0)
		if (scores_row(file, &rec, ncol, ycol, pcol, scol, xcol, s) !=
		    0)
			goto fail;
	if (rc < 0)
		goto fail;
	if (s->n == 0) {
		hd_err_at(file, hd_csv_lines(in) + 1, 0,
		          "no data rows after the header");
		goto fail;
	}
	hd_csv_sha256(in, s->sha256);
	hd_csv_close(&in);
	return 0;
fail:
	hd_csv_close(&in);
	return -1;
}

/*
 * Score every row of data with the model.  Returns how many rows held a
 * categorical level that training never saw (encoded as all zeros).
 */
static size_t score_model(const struct hd_model *m, const struct hd_dataset *d,
                          struct scores *s)
{
	const int fsex = hd_feature_index("sex");

	double *z = hd_xmalloc((size_t)(m->prep.dim > 0 ? m->prep.dim : 1) *
	                       sizeof *z);
	size_t rows_unseen = 0;

	for (size_t i = 0; i < d->n; i++) {
		int unseen = 0;
		double p = hd_model_prob(m, d->X + i * HD_NFEAT, z, &unseen);

		double sex = d->X[i * HD_NFEAT + fsex];

		rows_unseen += unseen > 0;
		scores_push(s, p, d->y[i], d->site ? d->site[i] : -1,
		            isnan(sex) ? -1 : (int)sex);
	}
	for (size_t k = 0; k < d->nsites; k++)
		hd_intern(&s->sites, &s->nsites, d->sites[k]);
	free(z);
	memcpy(s->sha256, d->sha256, sizeof s->sha256);
	return rows_unseen;
}


/*
 * The Youden threshold, chosen on the out-of-fold predictions in
 * oof_path (never on the test rows), with its figures there and on the
 * test rows s.  NULL after saying why.
 */
static cJSON *youden_json(const char *oof_path, const struct scores *s)
{
	struct scores oof = { 0 };
	struct hd_rates r;
	cJSON *o;
	double t;

	if (read_scores(oof_path, &oof) != 0) {
		scores_free(&oof);
		return NULL;
	}
	t = hd_youden(oof.p, oof.y, oof.n);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "chosen_on", oof_path);
	cJSON_AddStringToObject(o, "oof_sha256", oof.sha256);
	hd_json_add_num(o, "threshold", t);
	if (isnan(t))
		hd_err("warning: %s: one class only: no Youden threshold "
		       "(written as null)",
		       oof_path);
	hd_rates_at(oof.p, oof.y, oof.n, t, &r);
	hd_json_add_num(o, "j_oof", r.sensitivity + r.specificity - 1);
	cJSON_AddItemToObject(o, "oof", hd_rates_json(&r));
	hd_rates_at(s->p, s->y, s->n, t, &r);
	cJSON_AddItemToObject(o, "test", hd_rates_json(&r));
	scores_free(&oof);
	return o;
}

/* The rows of s where key[i] == v, evaluated; NULL when there are none. */
static cJSON *evaluate_where(const char *who, const struct scores *s,
                             const int *key, int v,
                             const struct hd_eval_opts *o)
{
	double *p = hd_xmalloc((s->n ? s->n : 1) * sizeof *p);
	uint8_t *y = hd_xmalloc(s->n ? s->n : 1);
	size_t m = 0;
	cJSON *r = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (key[i] == v) {
			p[m] = s->p[i];
			y[m++] = s->y[i];
		}
	if (m > 0)
		r = hd_evaluate(who, p, y, m, o);
	free(p);
	free(y);
	return r;
}

/*
 * By site ("source") and by sex (0 female, 1 male), where the rows say
 * so: each subgroup with every figure of the test set.
 */
static cJSON *subgroups(const struct scores *s, const struct hd_eval_opts *o)
{
	cJSON *g = cJSON_CreateObject(), *site = NULL, *sex = NULL;
	char who[300];

	for (size_t k = 0; k < s->nsites; k++) {
		cJSON *e;

		snprintf(who, sizeof who, "site %s: ", s->sites[k]);
		if ((e = evaluate_where(who, s, s->site, (int)k, o)) == NULL)
			continue;
		if (site == NULL)
			site = cJSON_AddObjectToObject(g, "site");
		cJSON_AddItemToObject(site, s->sites[k], e);
	}
	for (int v = 0; v <= 1; v++) {
		cJSON *e;

		snprintf(who, sizeof who, "sex %d: ", v);
		if ((e = evaluate_where(who, s, s->sex, v, o)) == NULL)
			continue;
		if (sex == NULL)
			sex = cJSON_AddObjectToObject(g, "sex");
		cJSON_AddItemToObject(sex, v ? "1" : "0", e);
	}
	return g;
}

/* The model's identity, and its cross-validation copied as it stands. */
static cJSON *model_json(const struct hd_model *m, const char *path)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *cv = cJSON_GetObjectItemCaseSensitive(m->doc, "cv");

	cJSON_AddStringToObject(o, "kind", hd_model_kind_name(m->kind));
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddStringToObject(o, "sha256", m->sha256);
	if (cv != NULL) {
		cJSON *copy = cJSON_Duplicate(cv, 1);

		cJSON_AddItemToObject(o, "cv", copy);
	}
	return o;
}

/* ---------------------------------------------------------------------
 * Plot data, printed from the test figures (hd-eval(1) lists the files)
 * ------------------------------------------------------------------- */

static const cJSON *jget(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Open dir/name with the n column names key[] as its header line. */
static FILE *open_table(struct hd_plot *pl, const char *name,
                        const char *const *key, int n)
{
	char header[256] = "";

	for (int k = 0; k < n; k++) {
		strncat(header, key[k], sizeof header - strlen(header) - 2);
		if (k + 1 < n)
			strncat(header, " ",
			        sizeof header - strlen(header) - 1);
	}
	return hd_plot_file(pl, name, header);
}

/*
 * A row for each element of the parallel arrays obj[key[0..n)], n <=
 * 8, a column each; the shortest array ends the table.
 */
static int plot_columns(struct hd_plot *pl, const char *name, const cJSON *obj,
                        const char *const *key, int n)
{
	const cJSON *item[8];
	FILE *fp = open_table(pl, name, key, n);

	if (fp == NULL)
		return -1;
	for (int k = 0; k < n; k++)
		item[k] = jget(obj, key[k]) ? jget(obj, key[k])->child : NULL;
	for (;;) {
		for (int k = 0; k < n; k++)
			if (item[k] == NULL)
				return 0;
		for (int k = 0; k < n; k++) {
			hd_plot_num(fp, item[k], k + 1 < n ? ' ' : '\n');
			item[k] = item[k]->next;
		}
	}
}

/* One row: the members key[0..n) of o. */
static void plot_row(FILE *fp, const cJSON *o, const char *const *key, int n)
{
	for (int k = 0; k < n; k++)
		hd_plot_num(fp, jget(o, key[k]), k + 1 < n ? ' ' : '\n');
}

static int plot_confusion(struct hd_plot *pl, const cJSON *test)
{
	/* actual, predicted and the count's key, row by row */
	static const char *const cell[4][3] = {
		{ "0", "0", "tn" },
		{ "0", "1", "fp" },
		{ "1", "0", "fn" },
		{ "1", "1", "tp" },
	};
	const cJSON *conf = jget(test, "confusion");
	FILE *fp = hd_plot_file(pl, "confusion.dat", "actual predicted count");

	if (fp == NULL)
		return -1;
	for (int i = 0; i < 4; i++) {
		fprintf(fp, "%s %s ", cell[i][0], cell[i][1]);
		hd_plot_num(fp, jget(conf, cell[i][2]), '\n');
	}
	return 0;
}

/*
 * Every .dat file into dir, not yet renamed into place; the columns are
 * named as the members of test they hold.
 */
static int write_plot_data(struct hd_plot *pl, const char *dir,
                           const cJSON *test)
{
	static const char *const roc[] = { "fpr", "tpr", "threshold" };
	static const char *const cal[] = { "mean_predicted", "observed", "n",
		                           "lo", "hi" };
	static const char *const dec[] = { "threshold", "model", "treat_all",
		                           "treat_none" };
	static const char *const sum[] = { "n", "threshold", "roc_auc" };
	const cJSON *bins =
		jget(jget(jget(test, "calibration"), "bins"), "equal_width");
	FILE *fp;

	if (hd_plot_begin(pl, dir) != 0)
		return -1;
	if (plot_columns(pl, "roc.dat", jget(test, "roc"), roc, 3) != 0 ||
	    plot_confusion(pl, test) != 0 ||
	    (fp = open_table(pl, "calibration.dat", cal, 5)) == NULL)
		goto fail;
	for (const cJSON *b = bins ? bins->child : NULL; b; b = b->next)
		plot_row(fp, b, cal, 5);
	if (plot_columns(pl, "decision.dat", jget(test, "decision_curve"), dec,
	                 4) != 0 ||
	    (fp = open_table(pl, "summary.dat", sum, 3)) == NULL)
		goto fail;
	plot_row(fp, test, sum, 3);
	return 0;
fail:
	hd_plot_abort(pl);
	return -1;
}

int main(int argc, char **argv)
{
	enum { OPT_SEED = 0x100, OPT_THRESHOLDS, OPT_OOF, OPT_PLOT_DATA };
	static const struct option longopts[] = {
		{ "scores", no_argument, NULL, 's' },
		{ "threshold", required_argument, NULL, 't' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "thresholds", required_argument, NULL, OPT_THRESHOLDS },
		{ "oof", required_argument, NULL, OPT_OOF },
		{ "plot-data", required_argument, NULL, OPT_PLOT_DATA },
		{ "output", required_argument, NULL, 'o' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *output = "-", *model_path = NULL, *data_path = "-";
	double threshold = 0.5, thresholds[MAX_THRESHOLDS];
	size_t nthresholds =
		parse_thresholds("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
	                         thresholds);
	int c, by_scores = 0, rc, resamples = 2000;
	uint64_t seed = 42;
	const char *oof_path = NULL, *plot_dir = NULL;
	struct hd_plot pl = { 0 };
	cJSON *test;
	struct scores s = { 0 };
	struct hd_model m;
	struct hd_eval_opts opts;
	cJSON *root, *data;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "st:o:b:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': by_scores = 1; break;
		case 'b':
			resamples = (int)hd_opt_long("--bootstrap", optarg, 0,
			                             1000000);
			break;
		case OPT_SEED: seed = hd_opt_seed("--seed", optarg); break;
		case OPT_THRESHOLDS:
			nthresholds = parse_thresholds(optarg, thresholds);
			break;
		case OPT_OOF: oof_path = optarg; break;
		case OPT_PLOT_DATA: plot_dir = optarg; break;
		case 't':
			threshold = hd_opt_double("--threshold", optarg, 0, 1);
			break;
		case 'o': output = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (plot_dir != NULL && plot_dir[0] == '\0') {
		hd_err("--plot-data: empty folder name");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (by_scores) {
		if (optind < argc)
			data_path = argv[optind++];
		if (optind < argc) {
			hd_err("--scores reads one file at most");
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
	} else {
		if (argc - optind != 2) {
			hd_err("a model and a data file are needed (or "
			       "--scores)");
			hd_usage_exit(&usage, HD_EXIT_USAGE);
		}
		model_path = argv[optind];
		data_path = argv[optind + 1];
		if (strcmp(model_path, "-") == 0) {
			hd_err("the model must be a file, not stdin");
			return HD_EXIT_USAGE;
		}
	}

	hd_out_cleanup_on_signals();
	memset(&m, 0, sizeof m);
	if (by_scores) {
		if (read_scores(data_path, &s) != 0) {
			scores_free(&s);
			return HD_EXIT_DATA;
		}
	} else {
		struct hd_dataset d;
		size_t unseen;

		if (hd_model_open(&m, model_path) != 0) {
			return HD_EXIT_DATA;
		}
		if (hd_dataset_read(data_path, 1, &d) != 0) {
			hd_model_free(&m);
			return HD_EXIT_DATA;
		}
		unseen = score_model(&m, &d, &s);
		hd_dataset_free(&d);
		if (unseen > 0)
			hd_err("warning: %zu of %zu rows hold a categorical "
			       "level the model never saw in training "
			       "(encoded as all zeros)",
			       unseen, s.n);
	}

	opts = (struct hd_eval_opts){ threshold, resamples, seed, thresholds,
		                      nthresholds };
	test = hd_evaluate("", s.p, s.y, s.n, &opts);

	root = cJSON_CreateObject();
	hd_json_set_format(root, HD_METRICS_FORMAT, HD_METRICS_VERSION);
	if (by_scores)
		cJSON_AddNullToObject(root, "model");
	else
		cJSON_AddItemToObject(root, "model",
		                      model_json(&m, model_path));
	data = cJSON_AddObjectToObject(root, "data");
	cJSON_AddStringToObject(data, "file", data_path);
	cJSON_AddStringToObject(data, "sha256", s.sha256);
	hd_json_add_num(data, "rows", (double)s.n);
	cJSON_AddItemToObject(root, "test", test);
	if (oof_path != NULL) {
		cJSON *yo = youden_json(oof_path, &s);

		if (yo == NULL) {
			cJSON_Delete(root);
			scores_free(&s);
			hd_model_free(&m);
			return HD_EXIT_DATA;
		}
		cJSON_AddItemToObject(test, "youden", yo);
	}
	cJSON_AddItemToObject(root, "subgroups", subgroups(&s, &opts));

	/* The plot data appear once the metrics are in place, or not at all. */
	if (plot_dir != NULL && write_plot_data(&pl, plot_dir, test) != 0)
		rc = -1;
	else if ((rc = hd_json_write(output, root)) != 0)
		hd_plot_abort(&pl);
	else
		rc = hd_plot_commit(&pl);
	cJSON_Delete(root);
	scores_free(&s);
	if (!by_scores)
		hd_model_free(&m);
	return rc == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
}
