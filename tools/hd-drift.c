/*
 * hd-drift - does a batch of patients still look like the rows the
 * model was trained on?  Each feature of the batch against the model
 * file's reference profile (model.h): a two-sample test (KS for a
 * numeric feature, chi-squared for a categorical one) and the PSI over
 * the profile's bins; the model's scores the same way.  Exit 3 when
 * enough features drifted to call the whole batch drifted, so that a
 * cron job or a CI step can act on the status alone.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FORMAT "hd-drift"
#define VERSION 1
/* The status of a drifted batch: neither success nor failure. */
#define EXIT_DRIFT 3

static const struct hd_usage usage = {
	"[--json] [--psi T] [--alpha A] [--share S] [-o FILE] MODEL "
	"[DATA.csv]",
	"Compare a clean CSV of patients (the 13 feature columns by name) with\n"
	"the reference profile in MODEL: per feature a KS (numeric) or\n"
	"chi-squared (categorical) test and the PSI; the same for the scores.\n"
	"A feature drifted when PSI >= T and p < A, for its test or for the\n"
	"chi-squared test of its missing share (PSI alone when no test is\n"
	"possible); the data set drifted when the share of drifted features\n"
	"is at least S.  Exit 0 no drift, 3 drift, 1 bad data, 2 usage.\n"
	"\n"
	"  -j, --json         write a JSON document instead of a table\n"
	"  -p, --psi T        PSI at which a feature may drift (0.2)\n"
	"  -a, --alpha A      significance level of the tests (0.05)\n"
	"  -S, --share S      share of drifted features for data set drift "
	"(0.5)\n"
	"  -o, --output FILE  write here, atomically (stdout)\n"
	"      --help         show this help\n"
	"      --version      show the version\n",
};

struct opts {
	double psi, alpha, share;
};

/* One feature's (or the scores') comparison. */
struct result {
	const char *name;
	const char *kind; /* "numeric", "categorical", "score" */
	const char *test; /* "ks", "chi2" or NULL: none possible */
	struct hd_test t;
	/* chi-squared on (missing, present), reference vs batch: a shift
	 * in how often a value is missing is drift too (PSI sees it in the
	 * missing bin; the tests above see only the values present). */
	struct hd_test miss;
	double psi;
	double missing_ref, missing_cur; /* shares of the rows */
	double out_of_range;             /* share of the present values */
	uint64_t present_ref, present_cur;
	int drifted;
};

/*
 * The distinct values of v[0..n) (sorted here) into v[0..*nd) and
 * their counts into c: a sample as the tests take it.
 */
static void distinct(double *v, size_t n, uint64_t *c, size_t *nd)
{
	qsort(v, n, sizeof *v, hd_cmp_double);
	*nd = 0;
	for (size_t i = 0; i < n; i++) {
		if (*nd > 0 && v[i] == v[*nd - 1]) {
			c[*nd - 1]++;
		} else {
			v[*nd] = v[i];
			c[(*nd)++] = 1;
		}
	}
}

/*
 * The chi-squared test over the levels present on either side: the
 * profile's levels (their training counts) merged with the batch's
 * distinct values v[0..nd), counts c.
 */
static void chi2_levels(const struct hd_drift_col *col, const double *v,
                        const uint64_t *c, size_t nd, struct hd_test *t)
{
	size_t cap = (size_t)col->nlevels + nd, k = 0, i = 0, j = 0;
	uint64_t *a = hd_xcalloc(cap ? cap : 1, sizeof *a);
	uint64_t *b = hd_xcalloc(cap ? cap : 1, sizeof *b);

	while (i < (size_t)col->nlevels || j < nd) {
		if (j >= nd ||
		    (i < (size_t)col->nlevels && col->levels[i] < v[j])) {
			a[k++] = col->ref[i++];
		} else if (i >= (size_t)col->nlevels || v[j] < col->levels[i]) {
			b[k++] = c[j++];
		} else {
			a[k] = col->ref[i++];
			b[k++] = c[j++];
		}
	}
	hd_chi2_2xk(a, b, (int)k, t);
	free(a);
	free(b);
}

static void feature(const struct hd_profile *ref, int f,
                    const struct hd_dataset *d, const struct opts *o,
                    struct result *r)
{
	const struct hd_drift_col *col = &ref->col[f];
	uint64_t cur[HD_DRIFT_MAXBINS] = { 0 }, out = 0;
	double *v = hd_xmalloc((d->n ? d->n : 1) * sizeof *v);
	uint64_t *c = hd_xmalloc((d->n ? d->n : 1) * sizeof *c);
	size_t n = 0, nd;

	memset(r, 0, sizeof *r);
	r->name = hd_features[f].name;
	r->kind = col->kind == HD_NUMERIC ? "numeric" : "categorical";
	for (size_t i = 0; i < d->n; i++) {
		double x = d->X[i * HD_NFEAT + f];
		int bin = hd_drift_bin(col, x);

		cur[bin]++;
		if (isnan(x))
			continue;
		v[n++] = x;
		if (col->kind == HD_NUMERIC
		            ? col->nvalues == 0 || x < col->min || x > col->max
		            : bin == col->nlevels)
			out++;
	}
	r->psi = hd_psi(col->ref, cur, col->nbins);
	r->missing_ref = (double)col->ref[col->nbins - 1] / (double)ref->rows;
	r->missing_cur = (double)cur[col->nbins - 1] / (double)d->n;
	r->present_ref = ref->rows - col->ref[col->nbins - 1];
	r->present_cur = n;
	r->out_of_range = n ? (double)out / (double)n : NAN;
	r->t.statistic = r->t.p = NAN;
	{
		uint64_t a[2] = { col->ref[col->nbins - 1], r->present_ref };
		uint64_t b[2] = { cur[col->nbins - 1], n };

		r->miss.statistic = r->miss.p = NAN;
		hd_chi2_2xk(a, b, 2, &r->miss);
	}
	distinct(v, n, c, &nd);
	if (r->present_ref > 0 && n > 0) {
		if (col->kind == HD_NUMERIC) {
			r->test = "ks";
			hd_ks_2samp(col->values, col->value_counts,
			            col->nvalues, v, c, nd, &r->t);
		} else {
			r->test = "chi2";
			chi2_levels(col, v, c, nd, &r->t);
		}
	}
	r->drifted =
		r->psi >= o->psi &&
		(r->test == NULL || r->t.p < o->alpha || r->miss.p < o->alpha);
	free(v);
	free(c);
}

/* The scores: PSI and chi-squared over the score bins.  Not counted
 * in the share: a shift of the scores follows from the features'. */
static void scores(const struct hd_model *m, const struct hd_dataset *d,
                   const struct opts *o, struct result *r)
{
	uint64_t cur[HD_SCORE_BINS] = { 0 };
	double *p = hd_xmalloc(d->n * sizeof *p);

	hd_model_prob_many(m, d->X, d->n, p, 0);
	for (size_t i = 0; i < d->n; i++)
		cur[hd_score_bin(p[i])]++;
	free(p);
	memset(r, 0, sizeof *r);
	r->name = "prediction";
	r->kind = "score";
	r->test = "chi2";
	r->psi = hd_psi(m->ref.score_ref, cur, HD_SCORE_BINS);
	r->missing_ref = r->missing_cur = r->out_of_range = NAN;
	r->present_ref = m->ref.rows;
	r->present_cur = d->n;
	hd_chi2_2xk(m->ref.score_ref, cur, HD_SCORE_BINS, &r->t);
	r->drifted = r->psi >= o->psi && r->t.p < o->alpha;
}

static cJSON *result_json(const struct result *r)
{
	cJSON *j = cJSON_CreateObject(), *t;

	cJSON_AddStringToObject(j, "name", r->name);
	cJSON_AddStringToObject(j, "kind", r->kind);
	if (r->test != NULL)
		cJSON_AddStringToObject(j, "test", r->test);
	else
		cJSON_AddNullToObject(j, "test");
	hd_json_add_num(j, "statistic", r->t.statistic);
	hd_json_add_num(j, "p_value", r->t.p);
	if (r->test != NULL && strcmp(r->test, "chi2") == 0)
		cJSON_AddNumberToObject(j, "dof", r->t.dof);
	if (r->test != NULL && strcmp(r->test, "ks") == 0)
		cJSON_AddStringToObject(j, "method",
		                        r->t.exact ? "exact" : "asymptotic");
	hd_json_add_num(j, "psi", r->psi);
	t = cJSON_AddObjectToObject(j, "present");
	hd_json_add_num(t, "reference", (double)r->present_ref);
	hd_json_add_num(t, "current", (double)r->present_cur);
	if (strcmp(r->kind, "score") != 0) {
		t = cJSON_AddObjectToObject(j, "missing");
		hd_json_add_num(t, "reference", r->missing_ref);
		hd_json_add_num(t, "current", r->missing_cur);
		hd_json_add_num(t, "statistic", r->miss.statistic);
		hd_json_add_num(t, "p_value", r->miss.p);
		hd_json_add_num(j, "out_of_range", r->out_of_range);
	}
	cJSON_AddBoolToObject(j, "drifted", r->drifted);
	return j;
}

static cJSON *report_json(const char *model_path, const struct hd_model *m,
                          const char *data_path, const struct hd_dataset *d,
                          const struct opts *o, const struct result *r,
                          const struct result *pred, int k, int drift)
{
	cJSON *root = cJSON_CreateObject(), *t, *a;

	hd_json_set_format(root, FORMAT, VERSION);
	t = cJSON_AddObjectToObject(root, "model");
	cJSON_AddStringToObject(t, "file", model_path);
	cJSON_AddStringToObject(t, "sha256", m->sha256);
	cJSON_AddStringToObject(t, "name", hd_model_name(m));
	cJSON_AddStringToObject(t, "kind", hd_model_kind_name(m->kind));
	t = cJSON_AddObjectToObject(root, "reference");
	hd_json_add_num(t, "rows", (double)m->ref.rows);
	cJSON_AddStringToObject(t, "scores", m->ref.scores);
	t = cJSON_AddObjectToObject(root, "data");
	cJSON_AddStringToObject(t, "file", data_path);
	cJSON_AddStringToObject(t, "sha256", d->sha256);
	hd_json_add_num(t, "rows", (double)d->n);
	t = cJSON_AddObjectToObject(root, "thresholds");
	hd_json_add_num(t, "psi", o->psi);
	hd_json_add_num(t, "alpha", o->alpha);
	hd_json_add_num(t, "share", o->share);
	a = cJSON_AddArrayToObject(root, "features");
	for (int f = 0; f < HD_NFEAT; f++)
		cJSON_AddItemToArray(a, result_json(&r[f]));
	cJSON_AddItemToObject(root, "prediction", result_json(pred));
	t = cJSON_AddObjectToObject(root, "summary");
	hd_json_add_num(t, "drifted", k);
	hd_json_add_num(t, "features", HD_NFEAT);
	hd_json_add_num(t, "share", (double)k / HD_NFEAT);
	a = cJSON_AddArrayToObject(t, "drifted_features");
	for (int f = 0; f < HD_NFEAT; f++)
		if (r[f].drifted)
			cJSON_AddItemToArray(a, cJSON_CreateString(r[f].name));
	cJSON_AddBoolToObject(t, "dataset_drift", drift);
	return root;
}

/* A number for the table: "-" when there is none. */
static void cell(FILE *fp, const char *fmt, double x, int width)
{
	if (isnan(x))
		fprintf(fp, "%*s", width, "-");
	else
		fprintf(fp, fmt, width, x);
}

static void row(FILE *fp, const struct result *r)
{
	fprintf(fp, "%-10s %-11s %-4s", r->name, r->kind,
	        r->test ? r->test : "-");
	cell(fp, " %*.4f", r->t.statistic, 10);
	cell(fp, " %*.3g", r->t.p, 10);
	cell(fp, " %*.4f", r->psi, 8);
	cell(fp, " %*.3f", r->missing_ref, 11);
	cell(fp, " %*.3f", r->missing_cur, 11);
	cell(fp, " %*.3g", r->kind[0] == 's' ? NAN : r->miss.p, 10);
	cell(fp, " %*.3f", r->out_of_range, 12);
	fprintf(fp, "  %s\n", r->drifted ? "yes" : "no");
}

static void report_text(FILE *fp, const char *data_path,
                        const struct hd_model *m, const struct hd_dataset *d,
                        const struct opts *o, const struct result *r,
                        const struct result *pred, int k, int drift)
{
	fprintf(fp, "%-10s %-11s %-4s %10s %10s %8s %11s %11s %10s %12s  %s\n",
	        "feature", "kind", "test", "statistic", "p-value", "PSI",
	        "missing ref", "missing cur", "missing p", "out-of-range",
	        "drifted");
	for (int f = 0; f < HD_NFEAT; f++)
		row(fp, &r[f]);
	row(fp, pred);
	fprintf(fp,
	        "\nreference: %llu training rows (scores %s); current: %zu "
	        "rows of %s\n",
	        (unsigned long long)m->ref.rows, m->ref.scores, d->n,
	        data_path);
	fprintf(fp, "drifted features: %d of %d (share %.3f)", k, HD_NFEAT,
	        (double)k / HD_NFEAT);
	for (int f = 0, first = 1; f < HD_NFEAT; f++)
		if (r[f].drifted) {
			fprintf(fp, "%s%s", first ? ": " : ", ", r[f].name);
			first = 0;
		}
	fprintf(fp,
	        "\ndataset drift: %s (share %s %g; a feature drifts when PSI "
	        ">= %g and the p-value of its test or of its missing share "
	        "< %g)\n",
	        drift ? "yes" : "no", drift ? ">=" : "<", o->share, o->psi,
	        o->alpha);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "psi", required_argument, NULL, 'p' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "share", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0.2, 0.05, 0.5 };
	const char *output = NULL, *model_path, *input = "-";
	struct result r[HD_NFEAT], pred;
	struct hd_dataset d;
	struct hd_model m;
	struct hd_out out;
	int c, json = 0, k = 0, drift, rc;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "jp:a:S:o:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'p': o.psi = hd_opt_double("--psi", optarg, 0, 1e6); break;
		case 'a':
			o.alpha = hd_opt_double("--alpha", optarg, 0, 1);
			break;
		case 'S':
			o.share = hd_opt_double("--share", optarg, 0, 1);
			break;
		case 'o': output = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	hd_model_operands(argc, argv, &usage, &model_path, &input);

	if (hd_model_open(&m, model_path) != 0) {
		return HD_EXIT_DATA;
	}
	if (!m.ref.ok) {
		hd_err("%s: no reference profile (\"reference\"): the model "
		       "was fitted by an hd without drift monitoring; retrain "
		       "with this version (%s)",
		       model_path, HD_VERSION);
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	hd_out_cleanup_on_signals();
	if (hd_dataset_read(input, 0, &d) != 0) {
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	for (int f = 0; f < HD_NFEAT; f++) {
		feature(&m.ref, f, &d, &o, &r[f]);
		k += r[f].drifted;
	}
	scores(&m, &d, &o, &pred);
	drift = (double)k / HD_NFEAT >= o.share;

	if (json) {
		cJSON *doc = report_json(model_path, &m, input, &d, &o, r,
		                         &pred, k, drift);

		rc = hd_json_write(output ? output : "-", doc);
		cJSON_Delete(doc);
	} else if ((rc = hd_out_open(&out, output)) == 0) {
		report_text(out.fp, input, &m, &d, &o, r, &pred, k, drift);
		rc = hd_out_commit(&out);
	}
	hd_dataset_free(&d);
	hd_model_free(&m);
	if (rc != 0)
		return HD_EXIT_DATA;
	return drift ? EXIT_DRIFT : HD_EXIT_OK;
}
