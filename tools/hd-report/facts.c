/*
 * facts.c - what hd-report's page and its model card both say: the
 * selected model and its runner-up, the data's caveats, and the tables
 * of subgroups and of leave-one-site-out.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---------------------------------------------------------------------
 * Facts shared by the page and the card
 * ------------------------------------------------------------------- */

/* A memory stream for text built in pieces; out of memory aborts. */
FILE *memopen(char **buf, size_t *len)
{
	FILE *fp = open_memstream(buf, len);

	if (fp == NULL) {
		hd_err("out of memory: %s", strerror(errno));
		abort();
	}
	return fp;
}

/* A JSON value as text: a number as its file has it, a string as it
 * is, anything else as compact JSON.  The caller frees it. */
char *json_text(const cJSON *j)
{
	char buf[HD_NUMBUF], *s;
	double x;

	if (cJSON_IsString(j))
		return hd_xstrdup(j->valuestring);
	if (hd_json_get_num(j, NULL, &x) == 0)
		return hd_xstrdup(isnan(x) ? "null" : hd_fmt_double(buf, x));
	if ((s = cJSON_PrintUnformatted(j)) == NULL) {
		hd_err("out of memory");
		abort();
	}
	return s;
}

/* The value of --param key, or NULL. */
const char *param(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->param[i].key, key) == 0)
			return r->param[i].value;
	return NULL;
}

/* "logistic regression" or "random forest". */
const char *kind_of(const struct cand *c)
{
	return kind_label(hd_model_kind_name(c->model.kind));
}

struct cand *winner(struct report *r)
{
	return &r->cand[r->winner];
}

struct node test_of(struct cand *c)
{
	return obj(top(&c->metrics), "test");
}

/* The candidate whose evaluated model has this digest, or NULL. */
struct cand *cand_by_sha(struct report *r, const char *sha)
{
	for (size_t i = 0; i < r->ncand; i++)
		if (strcmp(r->cand[i].model.sha256, sha) == 0)
			return &r->cand[i];
	return NULL;
}

struct node selection(struct report *r)
{
	return obj(top(&r->sel), "selection");
}

/* hd-select's candidate of this rank (1 = the winner), or NULL. */
static struct cand *ranked(struct report *r, double rank)
{
	struct node cs = need(selection(r), "candidates", 1);

	for (struct node c = first(cs); c.j; c = next(cs, c))
		if (num(c, "rank") == rank)
			return cand_by_sha(r, str(c, "sha256"));
	return NULL;
}

/*
 * Do the 95 % intervals of the selection metric of the winner and the
 * runner-up overlap?  A sentence, which the caller frees, or NULL when
 * there was no runner-up.
 */
static char *overlap(struct report *r)
{
	const char *name = str(selection(r), "metric");
	const struct hd_figure *f = hd_figure_find(name);
	struct cand *w = ranked(r, 1), *u = ranked(r, 2);
	double lo[2], hi[2];

	if (w == NULL || u == NULL)
		return NULL;
	if (f == NULL || interval(test_of(w), f->interval, &lo[0], &hi[0]) ||
	    interval(test_of(u), f->interval, &lo[1], &hi[1]) || isnan(lo[0]) ||
	    isnan(hi[0]) || isnan(lo[1]) || isnan(hi[1]))
		return hd_xprintf("The metrics hold no 95%% interval of test %s "
		                  "for both models, so whether the margin "
		                  "exceeds the test set's noise is not known.",
		                  name);
	if (lo[0] <= hi[1] && lo[1] <= hi[0])
		return hd_xprintf("The 95%% intervals of test %s overlap (%s "
		                  "%s, %s %s): this test set does not tell the "
		                  "two models apart, so the choice rests on a "
		                  "difference within its noise.",
		                  name, w->name, ci(lo[0], hi[0]), u->name,
		                  ci(lo[1], hi[1]));
	return hd_xprintf("The 95%% intervals of test %s do not overlap (%s "
	                  "%s, %s %s): the difference is larger than this "
	                  "test set's noise.",
	                  name, w->name, ci(lo[0], hi[0]), u->name,
	                  ci(lo[1], hi[1]));
}

/* The overlap sentence as a paragraph, or as an item of a list. */
void say_overlap(struct report *r, struct doc *d, int as_item)
{
	char *ov = overlap(r);

	if (ov != NULL && as_item)
		item(d, "%s", ov);
	else if (ov != NULL)
		para(d, "%s", ov);
	free(ov);
}

/* A cross-validated ROC-AUC, "0.877 \u00b1 0.027", or a dash. */
void cv_cell(struct row *row, struct node cv)
{
	if (cJSON_IsObject(cv.j))
		cell(row, "%s \u00b1 %s", f3(num(cv, "mean")),
		     f3(num(cv, "std")));
	else
		cell(row, DASH);
}

/* Why a subgroup is too small to read much into, or NULL; the caller
 * frees it. */
char *smallness(struct node g)
{
	struct node cc = obj(g, "class_counts");
	double n = num(g, "n"), n0 = num(cc, "0"), n1 = num(cc, "1");

	if (n >= SMALL_ROWS && n0 >= SMALL_CLASS && n1 >= SMALL_CLASS)
		return NULL;
	return hd_xprintf("%s rows, %s without and %s with heart disease",
	                  cnt(n), cnt(n0), cnt(n1));
}

/*
 * The data's problems, computed from the summary, as list items: a 0
 * written for "not measured", by site, and the columns missing in most
 * rows of some site.
 */
void data_caveats(struct report *r, struct doc *d)
{
	struct node sites = obj(top(&r->eda), "sites");

	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		double rows = num(s, "rows");
		struct node z = obj(s, "zeros");

		for (struct node c = first(z); c.j; c = next(z, c)) {
			double k = num(z, key_of(c));

			if (k > 0)
				item(d,
				     "%s is 0 in %s of the %s rows from %s "
				     "(%s%s): not measured there, yet read as a "
				     "value unless hd-clean --zeros-missing makes "
				     "it missing.",
				     key_of(c), cnt(k), cnt(rows), key_of(s),
				     pct(k, rows),
				     k == rows ? ", every row" : "");
		}
	}
	for (int f = 0; f < HD_NFEAT; f++) {
		const char *name = hd_features[f].name;
		char *list = NULL;
		size_t len = 0;
		FILE *fp = memopen(&list, &len);
		int most = 0;

		for (struct node s = first(sites); s.j; s = next(sites, s)) {
			double m = opt_num(at(s, "missing"), name);
			double rows = num(s, "rows");

			most |= 2 * m > rows;
			fprintf(fp, "%s%s %s",
			        s.j == sites.j->child ? "" : ", ", key_of(s),
			        pct(m, rows));
		}
		fclose(fp);
		if (most)
			item(d,
			     "%s is missing in most rows of some site (%s): "
			     "the model fills it in with the training %s, so "
			     "there it tells the model little.",
			     name, list,
			     hd_features[f].kind == HD_NUMERIC ? "median"
			                                       : "mode");
		free(list);
	}
}

/* The sites with the lowest and the highest share of heart disease. */
void prevalence_range(struct report *r, struct node *lo, struct node *hi)
{
	struct node sites = obj(top(&r->eda), "sites");

	lo->j = hi->j = NULL;
	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		double v = num(s, "target_1_rate");

		if (lo->j == NULL || v < num(*lo, "target_1_rate"))
			*lo = s;
		if (hi->j == NULL || v > num(*hi, "target_1_rate"))
			*hi = s;
	}
}

/* The count of level v of categorical column name in the summary. */
double level_count(struct report *r, const char *name, double v)
{
	struct node ls =
		need(at(obj(top(&r->eda), "categorical"), name), "levels", 1);

	for (struct node l = first(ls); l.j; l = next(ls, l))
		if (num(l, "value") == v)
			return num(l, "count");
	return 0;
}

/* The figures of an evaluation as table cells (after its label). */
const char *const fig_cols[] = { "roc_auc",   "accuracy", "recall",
	                         "precision", "brier",    NULL };

static void figure_heads(struct row *h)
{
	cell(h, "Rows");
	cell(h, "Target 0");
	cell(h, "Target 1");
	for (const char *const *f = fig_cols; *f; f++)
		cell(h, "%s [95%% interval]", figure(*f)->label);
}

static void figure_cells(struct row *row, struct node figs)
{
	struct node cc = obj(figs, "class_counts");

	cell(row, "%s", cnt(num(figs, "n")));
	cell(row, "%s", cnt(num(cc, "0")));
	cell(row, "%s", cnt(num(cc, "1")));
	for (const char *const *f = fig_cols; *f; f++)
		cell(row, "%s", with_ci(figs, figure(*f)));
}

/* The test split's subgroups of one model: a table per factor. */
void subgroup_tables(struct doc *d, struct cand *c)
{
	static const struct {
		const char *key, *head;
	} factors[] = {
		{ "site", "Site" },
		{ "sex", "Sex" },
	};
	struct node sg = at(top(&c->metrics), "subgroups");
	struct row row = { 0 };

	if (sg.j == NULL) {
		para(d, "%s holds no subgroups.", c->metrics.path);
		return;
	}
	for (size_t i = 0; i < sizeof factors / sizeof factors[0]; i++) {
		struct node gs = obj(sg, factors[i].key);
		char *cap = hd_xprintf("%s: test-set figures by %s", c->name,
		                       factors[i].key);

		cell(&row, "%s", factors[i].head);
		figure_heads(&row);
		cell(&row, "Note");
		table_open(d, NULL, cap, &row);
		free(cap);
		for (struct node g = first(gs); g.j; g = next(gs, g)) {
			char *small = smallness(g);

			cell(&row, "%s",
			     i == 1 ? sex_label(key_of(g)) : key_of(g));
			figure_cells(&row, g);
			cell(&row, "%s%s", small ? "small: " : "",
			     small ? small : "");
			free(small);
			row_put(d, &row);
		}
		table_close(d);
	}
}

/* One model's leave-one-site-out results as a table. */
void loso_table(struct doc *d, struct cand *c)
{
	struct node sites = obj(top(&c->loso), "sites");
	struct row row = { 0 };
	char *cap = hd_xprintf("%s: each site held out, the model refitted "
	                       "on the others",
	                       c->name);

	cell(&row, "Held-out site");
	cell(&row, "Training rows");
	figure_heads(&row);
	cell(&row, "Note");
	table_open(d, NULL, cap, &row);
	free(cap);
	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		struct node t = obj(s, "test");
		char *small = smallness(t);

		cell(&row, "%s", key_of(s));
		cell(&row, "%s", cnt(num(s, "train_rows")));
		figure_cells(&row, t);
		cell(&row, "%s%s", small ? "small: " : "", small ? small : "");
		free(small);
		row_put(d, &row);
	}
	table_close(d);
}

/* The held-out site where the model did worst (lowest ROC-AUC). */
struct node loso_worst(struct cand *c)
{
	struct node sites = obj(top(&c->loso), "sites"), w = { 0 };

	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		double v = num(obj(s, "test"), "roc_auc");

		if (!isnan(v) &&
		    (w.j == NULL || v < num(obj(w, "test"), "roc_auc")))
			w = s;
	}
	return w;
}
