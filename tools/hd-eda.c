/*
 * hd-eda - exploratory summary of the clean heart-disease CSV.
 *
 * The whole table is held in memory (the UCI data is under a thousand
 * rows), because quartiles, duplicates and pairwise correlations need
 * every row at once.  Every number goes into one cJSON document; the
 * human report is printed from that document, so the two cannot
 * disagree.  Where pandas or numpy define a statistic (describe(),
 * corr(), histogram()), the same algorithm is used, so the results can
 * be checked against them to the last few bits.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[-o SUMMARY.json] [-r REPORT.txt] [--bins N] [--plot-data DIR]\n"
	"              [FILE|-]",
	"Summarise the clean CSV made by hd-clean as JSON, and optionally\n"
	"as a plain-text report.\n"
	"\n"
	"  -o, --output FILE   write the JSON summary here (atomically)\n"
	"                      instead of standard output\n"
	"  -r, --report FILE   also write a plain-text report (atomically)\n"
	"  -b, --bins N        histogram bins per numeric column, 1 to 1000\n"
	"                      (default 10)\n"
	"      --plot-data DIR also write the numbers of the plots into DIR\n"
	"                      (created if missing): hist-COLUMN.dat,\n"
	"                      corr.dat, class.dat, site.dat\n"
	"      --help          show this help\n"
	"      --version       show the version\n",
};

#define FORMAT "hd-eda-summary"
#define NCOL (HD_NFEAT + 1) /* per row: the 13 features, then target */
#define TARGET HD_NFEAT     /* column index of target in a row */
#define MAX_BINS 1000

/* Column k of a row: a feature name, or "target". */
static const char *col_name(int k)
{
	return k < HD_NFEAT ? hd_features[k].name : HD_COL_TARGET;
}

static double pct(size_t part, size_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : NAN;
}

static double frac(size_t part, size_t whole)
{
	return whole ? (double)part / (double)whole : NAN;
}

/* ---------------------------------------------------------------------
 * Reading the table
 * ------------------------------------------------------------------- */

/* A source site and its counts, kept up to date as rows are read. */
struct site {
	char *name;             /* owned */
	size_t rows, pos;       /* rows, rows with target 1 */
	size_t miss[NCOL];      /* missing values per column */
	size_t zeros[HD_NFEAT]; /* 0 where the schema says it means "not
	                           measured" (zero_is_missing), per feature */
};

struct table {
	double *v;         /* nrows x NCOL, row-major; NAN = missing */
	const char **src;  /* nrows: its site's name (interned, so equal
	                           sites are equal pointers) */
	struct site *site; /* nsites, sorted by name once read, as
	                           pandas' groupby orders them */
	size_t nrows, cap, nsites;
};

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nsites; i++)
		free(t->site[i].name);
	free(t->site);
	free(t->v);
	free(t->src);
	memset(t, 0, sizeof *t);
}

/*
 * The header, through the same code as every tool that reads clean
 * CSV; hd-eda also needs the target and the source.  Columns it does
 * not know are ignored, so a later hd-clean may add some.
 */
static int read_header(struct hd_csv *in, struct hd_columns *c)
{
	const char *file = hd_csv_name(in);
	struct hd_record rec;
	int rc = hd_csv_next(in, &rec);

	if (rc == 0)
		hd_err_at(file, 1, 0, "empty input: expected a header line");
	if (rc <= 0 || hd_header_map(&rec, file, c) != 0)
		return -1;
	if (c->target < 0 || c->source < 0) {
		hd_err_at(file, rec.line, 0, "no '%s' column in the header",
		          c->target < 0 ? HD_COL_TARGET : HD_COL_SOURCE);
		return -1;
	}
	return 0;
}

static struct site *site_of(struct table *t, const char *name)
{
	struct site *s;

	for (size_t i = 0; i < t->nsites; i++)
		if (strcmp(t->site[i].name, name) == 0)
			return &t->site[i];
	t->site = hd_xrealloc(t->site, (t->nsites + 1) * sizeof *t->site);
	s = memset(&t->site[t->nsites++], 0, sizeof *s);
	s->name = hd_xstrdup(name);
	return s;
}

static int cmp_site(const void *a, const void *b)
{
	return strcmp(((const struct site *)a)->name,
	              ((const struct site *)b)->name);
}

static int read_row(struct table *t, const struct hd_record *rec,
                    const struct hd_columns *c, const char *file)
{
	const char *src;
	struct site *s;
	double *row;
	char err[256];
	long bad;
	uint8_t y;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->v = hd_xrealloc(t->v, t->cap * NCOL * sizeof *t->v);
		t->src = hd_xrealloc(t->src, t->cap * sizeof *t->src);
	}
	row = t->v + t->nrows * NCOL;
	if (hd_record_patient(rec, c, row, &y, err, sizeof err, &bad) != 0) {
		hd_err_at(file, rec->line, bad, "%s", err);
		return -1;
	}
	row[TARGET] = y;
	src = rec->field[c->source];
	if (src[0] == '\0') {
		hd_err_at(file, rec->line, c->source + 1,
		          "source: missing; every row needs its site");
		return -1;
	}
	if (hd_source_check(rec, c->source, file) != 0)
		return -1;
	s = site_of(t, src);
	s->rows++;
	s->pos += y;
	for (int k = 0; k < NCOL; k++)
		s->miss[k] += isnan(row[k]) != 0;
	for (int k = 0; k < HD_NFEAT; k++)
		s->zeros[k] += hd_features[k].zero_is_missing && row[k] == 0;
	t->src[t->nrows++] = s->name;
	return 0;
}

static int read_table(const char *path, struct table *t)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	struct hd_columns cols;
	int rc;

	if (in == NULL)
		return -1;
	rc = read_header(in, &cols);
	while (rc == 0 && (rc = hd_csv_next(in, &rec)) > 0)
		rc = read_row(t, &rec, &cols, hd_csv_name(in));
	hd_csv_close(&in);
	if (rc < 0)
		return -1;
	if (t->nsites > 0) /* qsort wants a real array even for none */
		qsort(t->site, t->nsites, sizeof *t->site, cmp_site);
	return 0;
}

/* ---------------------------------------------------------------------
 * Statistics of one column
 * ------------------------------------------------------------------- */

/* The present values of column k, sorted; caller frees. */
static double *present_sorted(const struct table *t, int k, size_t *m)
{
	double *x = hd_xmalloc(t->nrows * sizeof *x);

	*m = 0;
	for (size_t i = 0; i < t->nrows; i++)
		if (!isnan(t->v[i * NCOL + k]))
			x[(*m)++] = t->v[i * NCOL + k];
	qsort(x, *m, sizeof *x, hd_cmp_double);
	return x;
}


/*
 * Neumaier's compensated sum of (x[i] - shift), squared if asked: its
 * error does not grow with n, unlike a plain running sum, which over
 * sorted values drifts by many units in the last place.
 */
static double csum(const double *x, size_t n, double shift, int square)
{
	double s = 0, c = 0;

	for (size_t i = 0; i < n; i++) {
		double d = x[i] - shift, y = square ? d * d : d, t = s + y;

		c += fabs(s) >= fabs(y) ? (s - t) + y : (y - t) + s;
		s = t;
	}
	return s + c;
}

/*
 * Mean and sample standard deviation (n - 1, as pandas reports it), in
 * two passes: squared deviations from the mean, never the cancelling
 * difference of sum of squares and squared sum.
 */
static void moments(const double *x, size_t n, double *mean, double *sd)
{
	*mean = n > 0 ? csum(x, n, 0, 0) / (double)n : NAN;
	*sd = n > 1 ? sqrt(csum(x, n, *mean, 1) / (double)(n - 1)) : NAN;
}

/*
 * numpy.histogram of column k: bins equal-width bins from min to max of
 * its n present values x (sorted; widened by 0.5 each way when they
 * coincide), the last bin closed.  The edges are computed as
 * numpy.linspace does, and a value is placed by the scaled offset and
 * then corrected against the edges, as numpy does.  The rows of each
 * class are counted apart too, so the histogram can be stacked; a bin's
 * count is their sum.
 */
static cJSON *histogram(const struct table *t, int k, const double *x, size_t n,
                        int bins)
{
	cJSON *h = cJSON_CreateObject();
	cJSON *je = cJSON_AddArrayToObject(h, "edges");
	cJSON *jc = cJSON_AddArrayToObject(h, "counts");
	cJSON *jt = cJSON_AddObjectToObject(h, "counts_by_target");
	cJSON *jt0 = cJSON_AddArrayToObject(jt, "0");
	cJSON *jt1 = cJSON_AddArrayToObject(jt, "1");
	double lo, hi, norm, step, *edge;
	size_t *count; /* 2 x bins: target 0, then target 1 */

	if (n == 0)
		return h;
	lo = x[0];
	hi = x[n - 1];
	if (lo == hi)
		lo -= 0.5, hi += 0.5;
	norm = bins / (hi - lo);
	step = (hi - lo) / bins;
	edge = hd_xmalloc(((size_t)bins + 1) * sizeof *edge);
	count = hd_xcalloc(2 * (size_t)bins, sizeof *count);
	for (int i = 0; i < bins; i++)
		edge[i] = i * step + lo;
	edge[bins] = hi;
	for (size_t i = 0; i < t->nrows; i++) {
		double v = t->v[i * NCOL + k];
		long b;

		if (isnan(v))
			continue;
		b = (long)((v - lo) * norm);
		if (b == bins)
			b--;
		if (v < edge[b])
			b--;
		if (b != bins - 1 && v >= edge[b + 1])
			b++;
		count[(t->v[i * NCOL + TARGET] == 1 ? bins : 0) + b]++;
	}
	for (int i = 0; i <= bins; i++)
		cJSON_AddItemToArray(je, hd_json_num(edge[i]));
	for (int i = 0; i < bins; i++) {
		cJSON_AddItemToArray(jc,
		                     hd_json_num((double)(count[i] +
		                                          count[bins + i])));
		cJSON_AddItemToArray(jt0, hd_json_num((double)count[i]));
		cJSON_AddItemToArray(jt1, hd_json_num((double)count[bins + i]));
	}
	free(edge);
	free(count);
	return h;
}

static cJSON *describe(const struct table *t, int k, const double *x, size_t n,
                       int bins)
{
	cJSON *o = cJSON_CreateObject();
	double mean, sd;

	moments(x, n, &mean, &sd);
	hd_json_add_num(o, "count", (double)n);
	hd_json_add_num(o, "mean", mean);
	hd_json_add_num(o, "std", sd);
	hd_json_add_num(o, "min", n ? x[0] : NAN);
	hd_json_add_num(o, "25%", hd_quantile(x, n, 0.25));
	hd_json_add_num(o, "50%", hd_quantile(x, n, 0.5));
	hd_json_add_num(o, "75%", hd_quantile(x, n, 0.75));
	hd_json_add_num(o, "max", n ? x[n - 1] : NAN);
	cJSON_AddItemToObject(o, "histogram", histogram(t, k, x, n, bins));
	return o;
}

/* Counts of each level of sorted x (so in numeric order). */
static cJSON *value_counts(const double *x, size_t n, size_t missing)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *levels = cJSON_AddArrayToObject(o, "levels");

	for (size_t i = 0, j; i < n; i = j) {
		cJSON *l = cJSON_CreateObject();

		for (j = i; j < n && x[j] == x[i]; j++)
			;
		hd_json_add_num(l, "value", x[i]);
		hd_json_add_num(l, "count", (double)(j - i));
		cJSON_AddItemToArray(levels, l);
	}
	hd_json_add_num(o, "missing", (double)missing);
	return o;
}

static void add_columns(cJSON *root, const struct table *t, int bins)
{
	cJSON *num = cJSON_AddObjectToObject(root, "numeric");
	cJSON *cat = cJSON_AddObjectToObject(root, "categorical");

	for (int k = 0; k < HD_NFEAT; k++) {
		size_t m;
		double *x = present_sorted(t, k, &m);

		if (hd_features[k].kind == HD_NUMERIC)
			cJSON_AddItemToObject(num, col_name(k),
			                      describe(t, k, x, m, bins));
		else
			cJSON_AddItemToObject(cat, col_name(k),
			                      value_counts(x, m, t->nrows - m));
		free(x);
	}
}

/* ---------------------------------------------------------------------
 * Whole-table summaries
 * ------------------------------------------------------------------- */

static size_t count_missing(const struct table *t, int k)
{
	size_t c = 0;

	for (size_t i = 0; i < t->nrows; i++)
		c += isnan(t->v[i * NCOL + k]) != 0;
	return c;
}

static void add_counts(cJSON *root, const struct table *t)
{
	cJSON *cols = cJSON_AddArrayToObject(root, "columns");
	cJSON *tg = cJSON_AddObjectToObject(root, "target");
	cJSON *tc = cJSON_AddObjectToObject(tg, "counts");
	cJSON *tp = cJSON_AddObjectToObject(tg, "percent");
	cJSON *tf = cJSON_AddObjectToObject(tg, "fraction");
	cJSON *miss = cJSON_AddObjectToObject(root, "missing");
	cJSON *m;
	size_t pos = 0;

	for (size_t i = 0; i < t->nrows; i++)
		pos += t->v[i * NCOL + TARGET] == 1;
	hd_json_add_num(tc, "0", (double)(t->nrows - pos));
	hd_json_add_num(tc, "1", (double)pos);
	hd_json_add_num(tp, "0", pct(t->nrows - pos, t->nrows));
	hd_json_add_num(tp, "1", pct(pos, t->nrows));
	hd_json_add_num(tf, "0", frac(t->nrows - pos, t->nrows));
	hd_json_add_num(tf, "1", frac(pos, t->nrows));

	/* source is never missing: read_row refuses such a row. */
	cJSON_AddItemToArray(cols, cJSON_CreateString(HD_COL_SOURCE));
	m = cJSON_AddObjectToObject(miss, HD_COL_SOURCE);
	hd_json_add_num(m, "count", 0);
	hd_json_add_num(m, "percent", pct(0, t->nrows));
	for (int k = 0; k < NCOL; k++) {
		size_t c = count_missing(t, k);

		cJSON_AddItemToArray(cols, cJSON_CreateString(col_name(k)));
		m = cJSON_AddObjectToObject(miss, col_name(k));
		hd_json_add_num(m, "count", (double)c);
		hd_json_add_num(m, "percent", pct(c, t->nrows));
	}
}

/*
 * Pearson correlation of columns a and b over the rows where both are
 * present, by the same Welford recurrence as pandas' DataFrame.corr().
 * NAN (JSON null) when either side has no variance.
 */
static double corr(const struct table *t, int a, int b)
{
	double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, d;
	size_t n = 0;

	for (size_t i = 0; i < t->nrows; i++) {
		double x = t->v[i * NCOL + a], y = t->v[i * NCOL + b], dx, dy;

		if (isnan(x) || isnan(y))
			continue;
		n++;
		dx = x - mx;
		dy = y - my;
		mx += 1.0 / (double)n * dx;
		my += 1.0 / (double)n * dy;
		sxx += (x - mx) * dx;
		syy += (y - my) * dy;
		sxy += (x - mx) * dy;
	}
	d = sqrt(sxx * syy);
	return n > 0 && d != 0 ? sxy / d : NAN;
}

static void add_correlation(cJSON *root, const struct table *t)
{
	cJSON *c = cJSON_AddObjectToObject(root, "correlation");
	cJSON *cols = cJSON_AddArrayToObject(c, "columns");
	cJSON *mat = cJSON_AddArrayToObject(c, "matrix");
	double r[NCOL][NCOL];

	for (int a = 0; a < NCOL; a++)
		for (int b = 0; b <= a; b++)
			r[a][b] = r[b][a] = corr(t, a, b);
	for (int a = 0; a < NCOL; a++) {
		cJSON *row = cJSON_CreateArray();

		cJSON_AddItemToArray(cols, cJSON_CreateString(col_name(a)));
		for (int b = 0; b < NCOL; b++)
			cJSON_AddItemToArray(row, hd_json_num(r[a][b]));
		cJSON_AddItemToArray(mat, row);
	}
}

/* One row, for sorting to find duplicates. */
struct rowref {
	const double *v;
	const char *src;
};

/* Missing sorts first and equals missing, as in pandas' duplicated(). */
static int cmp_cell(double a, double b)
{
	int na = isnan(a) != 0, nb = isnan(b) != 0;

	if (na || nb)
		return nb - na;
	return (a > b) - (a < b);
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct rowref *a = pa, *b = pb;

	if (a->src != b->src) /* interned: the names differ */
		return strcmp(a->src, b->src);
	for (int k = 0; k < NCOL; k++) {
		int c = cmp_cell(a->v[k], b->v[k]);

		if (c != 0)
			return c;
	}
	return 0;
}

/* Rows equal (source included) to an earlier row. */
static size_t count_duplicates(const struct table *t)
{
	struct rowref *r = hd_xmalloc(t->nrows * sizeof *r);
	size_t dups = 0;

	for (size_t i = 0; i < t->nrows; i++)
		r[i] = (struct rowref){ t->v + i * NCOL, t->src[i] };
	qsort(r, t->nrows, sizeof *r, cmp_row);
	for (size_t i = 1; i < t->nrows; i++)
		dups += cmp_row(&r[i - 1], &r[i]) == 0;
	free(r);
	return dups;
}

/* ---------------------------------------------------------------------
 * Sites and warnings
 * ------------------------------------------------------------------- */

static void add_sites(cJSON *root, const struct table *t)
{
	cJSON *all = cJSON_AddObjectToObject(root, "sites");

	for (size_t i = 0; i < t->nsites; i++) {
		const struct site *s = &t->site[i];
		cJSON *o = cJSON_AddObjectToObject(all, s->name);
		cJSON *m;

		hd_json_add_num(o, "rows", (double)s->rows);
		hd_json_add_num(o, "target_0", (double)(s->rows - s->pos));
		hd_json_add_num(o, "target_1", (double)s->pos);
		hd_json_add_num(o, "target_1_rate", frac(s->pos, s->rows));
		m = cJSON_AddObjectToObject(o, "missing");
		for (int k = 0; k < NCOL; k++)
			hd_json_add_num(m, col_name(k), (double)s->miss[k]);
		m = cJSON_AddObjectToObject(o, "zeros");
		for (int k = 0; k < HD_NFEAT; k++)
			if (hd_features[k].zero_is_missing)
				hd_json_add_num(m, col_name(k),
				                (double)s->zeros[k]);
	}
}

/* Append {code, message, column?, site?, count} to the warnings list. */
static void __attribute__((format(printf, 6, 7)))
warn(cJSON *list, const char *code, const char *column, const char *site,
     size_t count, const char *fmt, ...)
{
	cJSON *w = cJSON_CreateObject();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(w, "code", code);
	cJSON_AddStringToObject(w, "message", msg);
	if (column)
		cJSON_AddStringToObject(w, "column", column);
	if (site)
		cJSON_AddStringToObject(w, "site", site);
	hd_json_add_num(w, "count", (double)count);
	cJSON_AddItemToArray(list, w);
}

static void add_warnings(cJSON *root, const struct table *t, size_t dups)
{
	cJSON *list = cJSON_AddArrayToObject(root, "warnings");

	/* 0 where the schema says it means "not measured" (hd-clean -z). */
	for (int k = 0; k < HD_NFEAT; k++) {
		size_t c = 0;

		for (size_t i = 0; i < t->nsites; i++)
			c += t->site[i].zeros[k];
		if (c > 0)
			warn(list, "zero_values", col_name(k), NULL, c,
			     "%s: %zu row%s 0, not a possible value; probably "
			     "not measured",
			     col_name(k), c, c == 1 ? " is" : "s are");
	}
	for (int k = 0; k < NCOL; k++) {
		size_t c = count_missing(t, k);

		if (2 * c > t->nrows)
			warn(list, "mostly_missing", col_name(k), NULL, c,
			     "%s: %zu of %zu values (%.1f%%) are missing",
			     col_name(k), c, t->nrows, pct(c, t->nrows));
	}
	for (const struct site *s = t->site; s < t->site + t->nsites; s++)
		for (int k = 0; k < NCOL; k++)
			if (s->miss[k] == s->rows)
				warn(list, "site_column_missing", col_name(k),
				     s->name, s->rows,
				     "%s: every one of the "
				     "%zu rows from %s lacks it",
				     col_name(k), s->rows, s->name);
	if (dups > 0)
		warn(list, "duplicate_rows", NULL, NULL, dups,
		     "%zu row%s repeat%s an earlier row exactly", dups,
		     dups == 1 ? "" : "s", dups == 1 ? "s" : "");
}

static cJSON *summarise(const struct table *t, int bins)
{
	cJSON *root = cJSON_CreateObject();
	size_t dups = count_duplicates(t);

	hd_json_set_format(root, FORMAT, 1);
	hd_json_add_num(root, "rows", (double)t->nrows);
	hd_json_add_num(root, "bins", bins);
	add_counts(root, t);
	add_columns(root, t, bins);
	add_correlation(root, t);
	hd_json_add_num(root, "duplicate_rows", (double)dups);
	add_sites(root, t);
	add_warnings(root, t, dups);
	return root;
}

/* ---------------------------------------------------------------------
 * The report, printed from the summary
 * ------------------------------------------------------------------- */

/* A number of the summary (written raw by hd_json_num); NAN if null. */
static double jnum(const cJSON *obj, const char *key)
{
	double x;

	return hd_json_get_num(obj, key, &x) == 0 ? x : NAN;
}

static const cJSON *jget(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* x in a field of width w with prec decimals; "-" when undefined. */
static void put_num(FILE *fp, int w, int prec, double x)
{
	if (fabs(x) < 0.5 * pow(10, -prec))
		x = 0; /* print no "-0.00" */
	if (isnan(x))
		fprintf(fp, " %*s", w, "-");
	else
		fprintf(fp, " %*.*f", w, prec, x);
}

static void report_head(FILE *fp, const cJSON *root)
{
	const cJSON *tg = jget(root, "target");

	fprintf(fp, "hd-eda report\n=============\n\n");
	fprintf(fp, "Rows: %.0f    Duplicate rows: %.0f\n", jnum(root, "rows"),
	        jnum(root, "duplicate_rows"));
	fprintf(fp, "Target: 0 = %.0f (%.1f%%), 1 = %.0f (%.1f%%)\n\n",
	        jnum(jget(tg, "counts"), "0"), jnum(jget(tg, "percent"), "0"),
	        jnum(jget(tg, "counts"), "1"), jnum(jget(tg, "percent"), "1"));
	fprintf(fp, "Missing values\n  %-10s %7s %8s\n", "column", "missing",
	        "percent");
	for (const cJSON *m = jget(root, "missing")->child; m; m = m->next) {
		fprintf(fp, "  %-10s %7.0f", m->string, jnum(m, "count"));
		put_num(fp, 7, 1, jnum(m, "percent"));
		fputs("%\n", fp);
	}
}

static void report_columns(FILE *fp, const cJSON *root)
{
	static const char *const stat[] = { "count", "mean", "std", "min",
		                            "25%",   "50%",  "75%", "max" };

	fprintf(fp, "\nNumeric columns\n  %-10s", "column");
	for (int i = 0; i < 8; i++)
		fprintf(fp, " %8s", stat[i]);
	fputc('\n', fp);
	for (const cJSON *c = jget(root, "numeric")->child; c; c = c->next) {
		fprintf(fp, "  %-10s", c->string);
		for (int i = 0; i < 8; i++)
			put_num(fp, 8, i == 0 ? 0 : 2, jnum(c, stat[i]));
		fputc('\n', fp);
	}
	fprintf(fp, "\nCategorical columns (level: count)\n");
	for (const cJSON *c = jget(root, "categorical")->child; c;
	     c = c->next) {
		fprintf(fp, "  %-10s", c->string);
		for (const cJSON *l = jget(c, "levels")->child; l; l = l->next)
			fprintf(fp, " %g: %-5.0f", jnum(l, "value"),
			        jnum(l, "count"));
		fprintf(fp, " missing: %.0f\n", jnum(c, "missing"));
	}
}

static void report_corr(FILE *fp, const cJSON *root)
{
	const cJSON *c = jget(root, "correlation");
	const cJSON *row = jget(c, "matrix")->child;

	fprintf(fp, "\nCorrelation (Pearson, pairwise complete)\n  %-8s", "");
	for (const cJSON *n = jget(c, "columns")->child; n; n = n->next)
		fprintf(fp, " %8.8s", n->valuestring);
	fputc('\n', fp);
	for (const cJSON *n = jget(c, "columns")->child; n && row;
	     n = n->next, row = row->next) {
		fprintf(fp, "  %-8s", n->valuestring);
		for (const cJSON *x = row->child; x; x = x->next)
			put_num(fp, 8, 2, jnum(x, NULL));
		fputc('\n', fp);
	}
}

static void report_sites(FILE *fp, const cJSON *root)
{
	const cJSON *sites = jget(root, "sites");

	fprintf(fp, "\nSites\n  %-12s %6s %8s %6s\n", "site", "rows",
	        "target=1", "rate");
	for (const cJSON *s = sites->child; s; s = s->next) {
		fprintf(fp, "  %-12s %6.0f %8.0f", s->string, jnum(s, "rows"),
		        jnum(s, "target_1"));
		put_num(fp, 6, 3, jnum(s, "target_1_rate"));
		fputc('\n', fp);
	}
	fprintf(fp, "\nMissing values by site\n  %-12s", "site");
	if (sites->child)
		for (const cJSON *m = jget(sites->child, "missing")->child; m;
		     m = m->next)
			fprintf(fp, " %8.8s", m->string);
	fputc('\n', fp);
	for (const cJSON *s = sites->child; s; s = s->next) {
		fprintf(fp, "  %-12s", s->string);
		for (const cJSON *m = jget(s, "missing")->child; m; m = m->next)
			fprintf(fp, " %8.0f", jnum(m, NULL));
		fputc('\n', fp);
	}
}

static void write_report(FILE *fp, const cJSON *root)
{
	const cJSON *w = jget(root, "warnings")->child;

	report_head(fp, root);
	report_columns(fp, root);
	report_corr(fp, root);
	report_sites(fp, root);
	fprintf(fp, "\nWarnings\n");
	if (w == NULL)
		fprintf(fp, "  none\n");
	for (; w; w = w->next)
		fprintf(fp, "  [%s] %s\n", jget(w, "code")->valuestring,
		        jget(w, "message")->valuestring);
}

/* ---------------------------------------------------------------------
 * Plot data, printed from the summary (hd-eda(1) lists the files)
 * ------------------------------------------------------------------- */

/* hist-COLUMN.dat for each numeric column: a row a bin. */
static int plot_histograms(struct hd_plot *pl, const cJSON *root)
{
	for (const cJSON *c = jget(root, "numeric")->child; c; c = c->next) {
		const cJSON *h = jget(c, "histogram");
		const cJSON *by = jget(h, "counts_by_target");
		const cJSON *e = jget(h, "edges")->child;
		const cJSON *n = jget(h, "counts")->child;
		const cJSON *n0 = jget(by, "0")->child,
			    *n1 = jget(by, "1")->child;
		char name[64];
		FILE *fp;

		snprintf(name, sizeof name, "hist-%s.dat", c->string);
		fp = hd_plot_file(pl, name, "lo hi count target_0 target_1");
		if (fp == NULL)
			return -1;
		for (; e && e->next && n && n0 && n1;
		     e = e->next, n = n->next, n0 = n0->next, n1 = n1->next) {
			hd_plot_num(fp, e, ' ');
			hd_plot_num(fp, e->next, ' ');
			hd_plot_num(fp, n, ' ');
			hd_plot_num(fp, n0, ' ');
			hd_plot_num(fp, n1, '\n');
		}
	}
	return 0;
}

/*
 * corr.dat: the matrix as gnuplot's "matrix columnheaders rowheaders"
 * reads it, a row of the column names and then each row led by its
 * name (the first field of the names' row is a placeholder).
 */
static int plot_correlation(struct hd_plot *pl, const cJSON *root)
{
	const cJSON *c = jget(root, "correlation");
	const cJSON *names = jget(c, "columns")->child;
	const cJSON *row = jget(c, "matrix")->child;
	FILE *fp = hd_plot_file(pl, "corr.dat",
	                        "a matrix: the names of its "
	                        "columns, then a row each, its name first");

	if (fp == NULL)
		return -1;
	hd_plot_str(fp, "r", names ? ' ' : '\n');
	for (const cJSON *n = names; n; n = n->next)
		hd_plot_str(fp, n->valuestring, n->next ? ' ' : '\n');
	for (const cJSON *n = names; n && row; n = n->next, row = row->next) {
		hd_plot_str(fp, n->valuestring, ' ');
		for (const cJSON *x = row->child; x; x = x->next)
			hd_plot_num(fp, x, x->next ? ' ' : '\n');
	}
	return 0;
}

/* class.dat: a row a class; site.dat: a row a site. */
static int plot_counts(struct hd_plot *pl, const cJSON *root)
{
	static const char *const label[2] = { "no disease", "disease" };
	const cJSON *tg = jget(root, "target");
	FILE *fp = hd_plot_file(pl, "class.dat",
	                        "target label count fraction percent");

	if (fp == NULL)
		return -1;
	for (int y = 0; y <= 1; y++) {
		const char *k = y ? "1" : "0";

		fprintf(fp, "%d ", y);
		hd_plot_str(fp, label[y], ' ');
		hd_plot_num(fp, jget(jget(tg, "counts"), k), ' ');
		hd_plot_num(fp, jget(jget(tg, "fraction"), k), ' ');
		hd_plot_num(fp, jget(jget(tg, "percent"), k), '\n');
	}
	fp = hd_plot_file(pl, "site.dat",
	                  "site rows target_0 target_1 target_1_rate");
	if (fp == NULL)
		return -1;
	for (const cJSON *s = jget(root, "sites")->child; s; s = s->next) {
		hd_plot_str(fp, s->string, ' ');
		hd_plot_num(fp, jget(s, "rows"), ' ');
		hd_plot_num(fp, jget(s, "target_0"), ' ');
		hd_plot_num(fp, jget(s, "target_1"), ' ');
		hd_plot_num(fp, jget(s, "target_1_rate"), '\n');
	}
	return 0;
}

/* Every .dat file into dir, not yet renamed into place. */
static int write_plot_data(struct hd_plot *pl, const char *dir,
                           const cJSON *root)
{
	if (hd_plot_begin(pl, dir) != 0)
		return -1;
	if (plot_histograms(pl, root) != 0 || plot_correlation(pl, root) != 0 ||
	    plot_counts(pl, root) != 0) {
		hd_plot_abort(pl);
		return -1;
	}
	return 0;
}

/*
 * The report and the plot data are written first but renamed into
 * place only once the summary is, so a failure before then leaves none
 * of the files behind.
 */
static int write_outputs(cJSON *root, const char *json_path,
                         const char *report_path, const char *plot_dir)
{
	struct hd_out rep;
	struct hd_plot pl = { 0 };

	if (report_path != NULL) {
		if (hd_out_open(&rep, report_path) != 0)
			return HD_EXIT_DATA;
		write_report(rep.fp, root);
	}
	if ((plot_dir != NULL && write_plot_data(&pl, plot_dir, root) != 0) ||
	    hd_json_write(json_path ? json_path : "-", root) != 0 ||
	    (report_path != NULL && hd_out_commit(&rep) != 0)) {
		if (report_path != NULL)
			hd_out_abort(&rep); /* nothing if committed */
		hd_plot_abort(&pl);
		return HD_EXIT_DATA;
	}
	if (hd_plot_commit(&pl) != 0)
		return HD_EXIT_DATA;
	return HD_EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_PLOT_DATA = 0x100 };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "bins", required_argument, NULL, 'b' },
		{ "plot-data", required_argument, NULL, OPT_PLOT_DATA },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *report = NULL, *input = "-";
	const char *plot_dir = NULL;
	struct table t = { 0 };
	cJSON *root;
	int c, bins = 10, rc;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "o:r:b:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'r': report = optarg; break;
		case OPT_PLOT_DATA: plot_dir = optarg; break;
		case 'b':
			bins = (int)hd_opt_long("--bins", optarg, 1, MAX_BINS);
			break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (argc - optind > 1) {
		hd_err("one input file at most");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (optind < argc)
		input = argv[optind];
	if (report != NULL && strcmp(report, "-") == 0 &&
	    (output == NULL || strcmp(output, "-") == 0)) {
		hd_err("--report to standard output needs -o FILE for the "
		       "summary");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}

	if (plot_dir != NULL && plot_dir[0] == '\0') {
		hd_err("--plot-data: empty folder name");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (hd_same_file(output, report)) {
		hd_err("-o and --report name the same file, %s", report);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}

	hd_out_cleanup_on_signals();
	if (read_table(input, &t) != 0) {
		table_free(&t);
		return HD_EXIT_DATA;
	}
	root = summarise(&t, bins);
	table_free(&t);
	rc = write_outputs(root, output, report, plot_dir);
	cJSON_Delete(root);
	return rc;
}
