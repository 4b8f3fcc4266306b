/*
 * hd-select - pick the best evaluated model and copy it, with the
 * record of why, to the file the server loads.
 *
 * Each metrics file (from hd-eval) names the model file it evaluated
 * and that file's SHA-256.  Candidates are ranked by a test metric,
 * then by the fixed tie-breaks below; the winner's document is copied
 * unchanged but for an added "selection" object, so it stays an
 * hd-model file that every reader of models accepts.
 *
 * The model files are checked against their recorded digests before
 * anything is chosen: a model refitted after its evaluation is not the
 * model the numbers describe, and shipping it would be a silent lie.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


static const struct hd_usage usage = {
	"[-o FILE] [--by METRIC] METRICS...",
	"Choose among evaluated models (hd-eval metrics files) and write the\n"
	"winning model with a \"selection\" record.  Ties on the metric go to\n"
	"the higher cross-validated ROC-AUC mean, then to the simpler model\n"
	"(logistic regression before random forest), then to the earlier\n"
	"file on the command line.\n"
	"\n"
	"  -m, --by NAME       the metric: roc_auc (default), accuracy,\n"
	"                      precision, recall, f1, brier_skill (higher\n"
	"                      wins), brier, log_loss, ece (lower wins)\n"
	"  -o, --output FILE   write the model here (atomically) and the\n"
	"                      comparison table on stdout; without it the\n"
	"                      model goes to stdout and the table to stderr\n"
	"      --help          show this help\n"
	"      --version       show the version\n",
};

/* The columns of the comparison table, from the "test" object. */
static const char *const shown[] = { "accuracy", "precision", "recall", "f1",
	                             "roc_auc" };
static const char *const shown_head[] = { "accuracy", "precision", "recall",
	                                  "F1", "ROC-AUC" };
#define NSHOWN (sizeof shown / sizeof shown[0])

struct cand {
	const char *path; /* the metrics file, from argv */
	cJSON *doc;       /* the metrics document, owned */
	const char *kind; /* strings inside doc */
	const char *file;
	const char *sha256;
	const cJSON *test;
	double value;           /* the selection metric */
	double cv_mean, cv_std; /* NaN when the model has no CV record */
	int simplicity;         /* 0 = simplest kind */
	int order;              /* position on the command line */
};

/* The selection metric: one of hd_figure_list with a direction. */
static const struct hd_figure *metric;

/* Smaller is simpler; a kind we do not know comes after both. */
static int simplicity(const char *kind)
{
	if (strcmp(kind, hd_model_kind_name(HD_LR)) == 0)
		return 0;
	if (strcmp(kind, hd_model_kind_name(HD_RF)) == 0)
		return 1;
	return 2;
}

/* A string member of obj, or NULL after naming the file and key. */
static const char *need_string(const char *path, const cJSON *obj,
                               const char *parent, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(s) || s->valuestring[0] == '\0') {
		hd_err("%s: no \"%s.%s\" string", path, parent, key);
		return NULL;
	}
	return s->valuestring;
}

/*
 * Read one metrics file and check that its model file is the one that
 * was evaluated.  0, or -1 after saying why (the document stays in c
 * for the caller to free either way).
 */
static int load_cand(struct cand *c)
{
	const cJSON *model, *cv;
	char hex[HD_SHA256_HEX];

	c->cv_mean = c->cv_std = NAN;
	c->doc = hd_json_read(c->path, HD_METRICS_FORMAT, HD_METRICS_VERSION);
	if (c->doc == NULL)
		return -1;
	model = cJSON_GetObjectItemCaseSensitive(c->doc, "model");
	if (cJSON_IsNull(model)) {
		hd_err("%s: made from scores alone (hd-eval --scores), so it "
		       "names no model to select",
		       c->path);
		return -1;
	}
	if (!cJSON_IsObject(model)) {
		hd_err("%s: no \"model\" object", c->path);
		return -1;
	}
	if ((c->kind = need_string(c->path, model, "model", "kind")) == NULL ||
	    (c->file = need_string(c->path, model, "model", "file")) == NULL ||
	    (c->sha256 = need_string(c->path, model, "model", "sha256")) ==
	            NULL)
		return -1;
	c->simplicity = simplicity(c->kind);
	c->test = cJSON_GetObjectItemCaseSensitive(c->doc, "test");
	if (!cJSON_IsObject(c->test)) {
		hd_err("%s: no \"test\" object", c->path);
		return -1;
	}
	if (hd_figure_get(c->test, metric, &c->value) != 0) {
		hd_err("%s: no number \"test.%s%s%s\"", c->path,
		       metric->group ? metric->group : "",
		       metric->group ? "." : "", metric->name);
		return -1;
	}
	if (isnan(c->value)) {
		hd_err("%s: test %s is null (undefined on this test set), so "
		       "it cannot be compared",
		       c->path, metric->name);
		return -1;
	}
	cv = cJSON_GetObjectItemCaseSensitive(model, "cv");
	if (cv != NULL && !cJSON_IsNull(cv) &&
	    (!cJSON_IsObject(cv) ||
	     hd_json_get_num(cv, "mean", &c->cv_mean) != 0 ||
	     hd_json_get_num(cv, "std", &c->cv_std) != 0)) {
		hd_err("%s: \"model.cv\" has no number \"mean\" and \"std\"",
		       c->path);
		return -1;
	}
	if (hd_sha256_file(c->file, hex) != 0) {
		hd_err("%s: model file %s: %s", c->path, c->file,
		       strerror(errno));
		return -1;
	}
	if (strcmp(hex, c->sha256) != 0) {
		hd_err("%s: model file %s has changed since it was evaluated "
		       "(its sha256 is %s, the metrics were made with %s); "
		       "evaluate it again",
		       c->path, c->file, hex, c->sha256);
		return -1;
	}
	return 0;
}

/* -1 if a ranks before b: the order the tie-breaks define. */
static int rank_cmp(const void *pa, const void *pb)
{
	const struct cand *a = *(const struct cand *const *)pa;
	const struct cand *b = *(const struct cand *const *)pb;
	int a_cv = !isnan(a->cv_mean), b_cv = !isnan(b->cv_mean);

	if (a->value != b->value)
		return (a->value < b->value) == (metric->better < 0) ? -1 : 1;
	/* A model with a CV record beats one without: it has evidence. */
	if (a_cv != b_cv)
		return b_cv - a_cv;
	if (a_cv && a->cv_mean != b->cv_mean)
		return a->cv_mean > b->cv_mean ? -1 : 1;
	if (a->simplicity != b->simplicity)
		return a->simplicity - b->simplicity;
	return a->order - b->order;
}

/* "logistic_regression (artifacts/lr.model.json)" */
static char *name_of(const struct cand *c)
{
	size_t n = strlen(c->kind) + strlen(c->file) + 4;
	char *s = hd_xmalloc(n);

	snprintf(s, n, "%s (%s)", c->kind, c->file);
	return s;
}

/* One sentence on why w beat r, the runner-up (NULL if w stood alone). */
static char *reason(const struct cand *w, const struct cand *r)
{
	char v1[HD_NUMBUF], v2[HD_NUMBUF], c1[HD_NUMBUF], c2[HD_NUMBUF];
	char *wn = name_of(w), *rn = r ? name_of(r) : NULL, *s = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&s, &len);
	int w_cv = !isnan(w->cv_mean);

	if (fp == NULL) {
		hd_err("out of memory");
		exit(HD_EXIT_DATA);
	}
	hd_fmt_double(v1, w->value);
	if (w_cv)
		hd_fmt_double(c1, w->cv_mean);
	if (r == NULL) {
		fprintf(fp, "%s is the only candidate (test %s %s).", wn,
		        metric->name, v1);
	} else if (w->value != r->value) {
		fprintf(fp, "%s has the %s test %s, %s against %s for %s.", wn,
		        metric->better < 0 ? "lowest" : "highest", metric->name,
		        v1, hd_fmt_double(v2, r->value), rn);
	} else {
		fprintf(fp, "%s and %s tie on test %s (%s)", wn, rn,
		        metric->name, v1);
		if (w_cv && isnan(r->cv_mean)) {
			fprintf(fp,
			        "; only %s has a cross-validated ROC-AUC "
			        "mean (%s).",
			        w->file, c1);
		} else if (w_cv && w->cv_mean != r->cv_mean) {
			fprintf(fp,
			        "; %s has the higher cross-validated "
			        "ROC-AUC mean, %s against %s.",
			        w->file, c1, hd_fmt_double(c2, r->cv_mean));
		} else {
			if (w_cv)
				fprintf(fp,
				        " and on cross-validated ROC-AUC "
				        "mean (%s)",
				        c1);
			else
				fprintf(fp, " and neither has a "
				            "cross-validation record");
			if (w->simplicity != r->simplicity)
				fprintf(fp, "; %s is the simpler model.",
				        w->kind);
			else
				fprintf(fp,
				        "; neither model is simpler, so "
				        "%s, first on the command line, wins.",
				        w->path);
		}
	}
	fclose(fp);
	free(wn);
	free(rn);
	return s;
}

static cJSON *candidate_json(const struct cand *c, int rank)
{
	cJSON *o = cJSON_CreateObject(), *t, *cv;

	cJSON_AddStringToObject(o, "kind", c->kind);
	cJSON_AddStringToObject(o, "file", c->file);
	cJSON_AddStringToObject(o, "sha256", c->sha256);
	cJSON_AddStringToObject(o, "metrics_file", c->path);
	t = cJSON_AddObjectToObject(o, "test");
	/* The figures of "test" itself, not those inside "calibration". */
	for (size_t i = 0; i < hd_nfigures; i++) {
		const struct hd_figure *f = &hd_figure_list[i];
		double v;

		if (f->group == NULL && hd_figure_get(c->test, f, &v) == 0)
			hd_json_add_num(t, f->name, v);
	}
	if (isnan(c->cv_mean)) {
		cJSON_AddNullToObject(o, "cv_roc_auc");
	} else {
		cv = cJSON_AddObjectToObject(o, "cv_roc_auc");
		hd_json_add_num(cv, "mean", c->cv_mean);
		hd_json_add_num(cv, "std", c->cv_std);
	}
	hd_json_add_num(o, "rank", rank);
	cJSON_AddBoolToObject(o, "selected", rank == 1);
	return o;
}

static cJSON *selection_json(struct cand *cands, size_t n, struct cand **ranked,
                             const char *why)
{
	cJSON *sel = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(sel, "metric", metric->name);
	cJSON_AddStringToObject(sel, "direction",
	                        metric->better < 0 ? "lower" : "higher");
	hd_json_add_num(sel, "value", ranked[0]->value);
	cJSON_AddStringToObject(sel, "file", ranked[0]->file);
	cJSON_AddStringToObject(sel, "tie_break",
	                        "higher cross-validated "
	                        "ROC-AUC mean, then the simpler model "
	                        "(logistic regression before random forest), "
	                        "then command-line order");
	arr = cJSON_AddArrayToObject(sel, "candidates");
	/* In command-line order; "rank" gives the outcome. */
	for (size_t i = 0; i < n; i++) {
		int rank = 1;

		while (ranked[rank - 1] != &cands[i])
			rank++;
		cJSON_AddItemToArray(arr, candidate_json(&cands[i], rank));
	}
	cJSON_AddStringToObject(sel, "reason", why);
	return sel;
}

static void put_value(FILE *fp, int width, double v)
{
	if (!isnan(v))
		fprintf(fp, "  %-*.4f", width, v);
	else
		fprintf(fp, "  %-*s", width, "-");
}

static void put_num(FILE *fp, int width, const cJSON *test, const char *key)
{
	double v;

	put_value(fp, width, hd_json_get_num(test, key, &v) == 0 ? v : NAN);
}

/* The interval of the selection metric in c's metrics, or -1. */
static int interval_of(const struct cand *c, double *lo, double *hi)
{
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c->test, "intervals"),
		metric->interval ? metric->interval : "");

	if (!cJSON_IsObject(iv) || hd_json_get_num(iv, "lo", lo) != 0 ||
	    hd_json_get_num(iv, "hi", hi) != 0 || isnan(*lo) || isnan(*hi))
		return -1;
	return 0;
}

/*
 * After the table, when the metrics files carry them, the 95 %
 * intervals of the selection metric, and whether the winner's overlaps
 * the runner-up's: a winner by a margin the test set cannot resolve is
 * said to be one.
 */
static void print_intervals(FILE *fp, struct cand **ranked, size_t n, int kw)
{
	double lo[2], hi[2];

	for (size_t i = 0; i < n; i++)
		if (interval_of(ranked[i], &lo[0], &hi[0]) != 0)
			return;
	fprintf(fp, "95%% intervals of test %s (bootstrap):\n", metric->name);
	for (size_t i = 0; i < n; i++) {
		interval_of(ranked[i], &lo[0], &hi[0]);
		fprintf(fp, "%c %-*s  %.4f  [%.4f, %.4f]\n", i == 0 ? '*' : ' ',
		        kw, ranked[i]->kind, ranked[i]->value, lo[0], hi[0]);
	}
	if (n < 2)
		return;
	interval_of(ranked[0], &lo[0], &hi[0]);
	interval_of(ranked[1], &lo[1], &hi[1]);
	if (lo[0] <= hi[1] && lo[1] <= hi[0])
		fprintf(fp, "the intervals of the first two overlap: this test "
		            "set does not tell them apart at 95%%\n");
	else
		fprintf(fp, "the intervals of the first two do not overlap\n");
}

/* The candidates best first, the winner marked with '*'. */
static void print_table(FILE *fp, struct cand **ranked, size_t n,
                        const char *why)
{
	int kw = 5, extra = 1;

	for (size_t i = 0; i < NSHOWN; i++)
		if (strcmp(shown[i], metric->name) == 0)
			extra = 0;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(ranked[i]->kind) > kw)
			kw = (int)strlen(ranked[i]->kind);
	fprintf(fp, "  %-*s", kw, "model");
	for (size_t i = 0; i < NSHOWN; i++)
		fprintf(fp, "  %-9s", shown_head[i]);
	if (extra)
		fprintf(fp, "  %-9s", metric->name);
	fprintf(fp, "  %-17s  %s\n", "CV ROC-AUC", "file");
	for (size_t i = 0; i < n; i++) {
		const struct cand *c = ranked[i];
		char cv[64];

		fprintf(fp, "%c %-*s", i == 0 ? '*' : ' ', kw, c->kind);
		for (size_t k = 0; k < NSHOWN; k++)
			put_num(fp, 9, c->test, shown[k]);
		if (extra)
			put_value(fp, 9, c->value); /* calibration's too */
		if (isnan(c->cv_mean))
			snprintf(cv, sizeof cv, "-");
		else
			snprintf(cv, sizeof cv, "%.4f \u00b1 %.4f", c->cv_mean,
			         c->cv_std);
		/* The ± is two bytes but one column. */
		fprintf(fp, "  %-*s  %s\n", isnan(c->cv_mean) ? 17 : 18, cv,
		        c->file);
	}
	fprintf(fp, "selected: %s\n", why);
	print_intervals(fp, ranked, n, kw);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL;
	struct cand *cands, **ranked;
	size_t n, bad = 0;
	cJSON *doc = NULL;
	char *why = NULL, hex[HD_SHA256_HEX];
	int c, rc = HD_EXIT_DATA;

	hd_set_prog(argv);
	metric = hd_figure_find("roc_auc");
	while ((c = getopt_long(argc, argv, "m:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			metric = hd_figure_find(optarg);
			if (metric == NULL || metric->better == 0) {
				hd_err("--by: '%s' is not one of roc_auc, "
				       "accuracy, precision, recall, f1, brier, "
				       "log_loss, ece, brier_skill",
				       optarg);
				return HD_EXIT_USAGE;
			}
			break;
		case 'o': output = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind == argc) {
		hd_err("no metrics files");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}

	hd_out_cleanup_on_signals();
	n = (size_t)(argc - optind);
	cands = hd_xcalloc(n, sizeof *cands);
	/* ranked is an array of pointers into cands (sorted instead of
	 * the candidates): sizeof *ranked is meant. */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	ranked = hd_xcalloc(n, sizeof *ranked);
	/* Check every file before choosing, and report every bad one. */
	for (size_t i = 0; i < n; i++) {
		cands[i].path = argv[optind + (int)i];
		cands[i].order = (int)i;
		ranked[i] = &cands[i];
		if (load_cand(&cands[i]) != 0)
			bad++;
	}
	if (bad > 0)
		goto done;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	qsort(ranked, n, sizeof *ranked, rank_cmp);
	why = reason(ranked[0], n > 1 ? ranked[1] : NULL);

	doc = hd_json_read(ranked[0]->file, HD_MODEL_FORMAT, HD_MODEL_VERSION);
	if (doc == NULL)
		goto done;
	/* The digest was checked before the read; check the read too. */
	if (hd_sha256_file(ranked[0]->file, hex) != 0 ||
	    strcmp(hex, ranked[0]->sha256) != 0) {
		hd_err("%s: changed while it was being read", ranked[0]->file);
		goto done;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "selection");
	cJSON_AddItemToObject(doc, "selection",
	                      selection_json(cands, n, ranked, why));
	if (hd_json_write(output ? output : "-", doc) != 0)
		goto done;
	print_table(output ? stdout : stderr, ranked, n, why);
	rc = HD_EXIT_OK;
done:
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(cands[i].doc);
	cJSON_Delete(doc);
	free(cands);
	free(ranked);
	free(why);
	return rc;
}
