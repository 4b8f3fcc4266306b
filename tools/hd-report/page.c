/*
 * page.c - hd-report's page: its style and head, the sections before
 * the model card (data, figures, metrics, selection, subgroups,
 * leave-one-site-out, the run), and the whole page.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "report.h"

/* ---------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------- */

/*
 * Readable on a phone (fluid images, tables that scroll sideways) and
 * printable (no figure or table row split across pages, no coloured
 * backgrounds, tables that wrap to the paper instead of scrolling); no
 * font, script or style from anywhere else.
 */
static const char style[] =
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0 auto;max-width:62rem;padding:0 1rem 2rem;"
	"font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"sans-serif;color:#1b1b1b;background:#fff;overflow-wrap:break-word}\n"
	"h1{font-size:1.6rem;line-height:1.25}\n"
	"h2{margin-top:2.5rem;border-bottom:1px solid #ccc}\n"
	"img{max-width:100%;height:auto}\n"
	"figure{margin:1.5rem 0;break-inside:avoid;page-break-inside:avoid}\n"
	"figcaption{font-size:.9rem;color:#444}\n"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;"
	"margin:1rem 0}\n"
	"table{border-collapse:collapse;font-variant-numeric:tabular-nums;"
	"font-size:.9rem}\n"
	"caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
	"th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;"
	"text-align:right;vertical-align:top}\n"
	"th:first-child,td:first-child,thead th{text-align:left}\n"
	"td{white-space:nowrap}\ntd.t{text-align:left}\n"
	"tr.selected th{font-weight:700}\n"
	"code{font-size:.85rem;word-break:break-all}\n"
	".note{border-left:4px solid #b35900;background:#fff4e5;"
	"padding:.5rem 1rem}\n"
	"@media print{body{max-width:none;padding:0;color:#000}"
	"nav{display:none}.note{background:none}"
	".scroll{overflow:visible}table{font-size:.75rem}"
	"td{white-space:normal;overflow-wrap:anywhere}"
	"tr,figure,img{break-inside:avoid;page-break-inside:avoid}"
	"h2,h3,h4{break-after:avoid;page-break-after:avoid}}\n";

static const struct {
	const char *id, *title;
} sections[] = {
	{ "data", "Data" },
	{ "figures", "Figures" },
	{ "test-metrics", "Test-set metrics" },
	{ "selection", "The selected model" },
	{ "subgroups", "Subgroups" },
	{ "loso", "Leave-one-site-out" },
	{ "run", "The run" },
	{ "model-card", "Model card" },
};

static void page_head(struct report *r, FILE *h)
{
	struct cand *w = winner(r);
	struct node t = test_of(w);
	const struct hd_figure *auc = figure("roc_auc");
	struct doc d = { h, NULL, 0 };

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<title>hd: heart-disease risk model, report of a run</title>\n"
	      "<style>\n",
	      h);
	fputs(style, h);
	fputs("</style>\n</head>\n<body>\n<header>\n"
	      "<h1>Heart-disease risk model: report of a run</h1>\n",
	      h);
	para(&d,
	     "Selected model: %s (%s), test ROC-AUC %s, chosen by "
	     "hd-select.",
	     w->name, kind_of(w), with_ci(t, auc));
	fputs("<p class=\"note\"><strong>For research and teaching "
	      "only.</strong> This model must not be used for decisions "
	      "about patients; see the <a href=\"#model-card\">model "
	      "card</a>.</p>\n</header>\n<nav aria-label=\"Contents\">\n"
	      "<ul>\n",
	      h);
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		fprintf(h, "<li><a href=\"#%s\">%s</a></li>\n", sections[i].id,
		        sections[i].title);
	fputs("</ul>\n</nav>\n<main>\n", h);
}

static void section_open(struct doc *d, int i)
{
	end_list(d);
	fputs("<section>\n", d->h);
	heading(d, 2, sections[i].id, "%s", sections[i].title);
}

void section_close(struct doc *d)
{
	end_list(d);
	fputs("</section>\n", d->h);
}

static void section_data(struct report *r, struct doc *d)
{
	struct node e = top(&r->eda), counts = obj(obj(e, "target"), "counts");
	struct node sites = obj(e, "sites"), miss = obj(e, "missing");
	struct node warns = need(e, "warnings", 1);
	double rows = num(e, "rows"), n0 = num(counts, "0"),
	       n1 = num(counts, "1");
	struct row row = { 0 };

	section_open(d, 0);
	para(d,
	     "The clean data (hd-clean's output, as hd-eda summarised it): "
	     "%s rows and %d columns from %d sites; %s with heart disease "
	     "(target 1, %s) and %s without (%s); %s rows repeat an earlier "
	     "row.",
	     cnt(rows), cJSON_GetArraySize(need(e, "columns", 1).j),
	     cJSON_GetArraySize(sites.j), cnt(n1), pct(n1, rows), cnt(n0),
	     pct(n0, rows), cnt(num(e, "duplicate_rows")));

	cell(&row, "Site");
	cell(&row, "Centre");
	cell(&row, "Rows");
	cell(&row, "Target 1");
	cell(&row, "Share");
	for (int f = 0; f < HD_NFEAT; f++)
		if (hd_features[f].zero_is_missing)
			cell(&row, "%s = 0", hd_features[f].name);
	table_open(d, "sites", "Rows by site", &row);
	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		struct node z = obj(s, "zeros");

		cell(&row, "%s", key_of(s));
		cell(&row, "%s", site_label(key_of(s)));
		cell(&row, "%s", cnt(num(s, "rows")));
		cell(&row, "%s", cnt(num(s, "target_1")));
		cell(&row, "%s", pct(num(s, "target_1"), num(s, "rows")));
		for (int f = 0; f < HD_NFEAT; f++)
			if (hd_features[f].zero_is_missing)
				cell(&row, "%s",
				     cnt(num(z, hd_features[f].name)));
		row_put(d, &row);
	}
	table_close(d);

	cell(&row, "Column");
	cell(&row, "Missing");
	cell(&row, "Share");
	for (struct node s = first(sites); s.j; s = next(sites, s))
		cell(&row, "%s", key_of(s));
	table_open(d, "missing",
	           "Missing values by column, overall and by "
	           "site (share of the site's rows)",
	           &row);
	for (struct node m = first(miss); m.j; m = next(miss, m)) {
		cell(&row, "%s", key_of(m));
		cell(&row, "%s", cnt(num(m, "count")));
		cell(&row, "%s", pct(num(m, "count"), rows));
		for (struct node s = first(sites); s.j; s = next(sites, s)) {
			double k = opt_num(at(s, "missing"), key_of(m));

			/* source is never missing: no row lacks its site */
			if (isnan(k))
				k = 0;
			cell(&row, "%s (%s)", cnt(k), pct(k, num(s, "rows")));
		}
		row_put(d, &row);
	}
	table_close(d);

	heading(d, 3, "data-warnings", "Data-quality warnings");
	data_caveats(r, d);
	para(d, "hd-eda's own warnings%s",
	     warns.j && warns.j->child ? ":" : ": none.");
	for (struct node w = first(warns); w.j; w = next(warns, w))
		item(d, "%s", str(w, "message"));
	section_close(d);
}

/* The bytes as base64, in groups of three so no padding falls inside. */
#define B64_CHUNK ((size_t)3 * 1024)
static void put_base64(FILE *fp, const char *data, size_t len)
{
	char out[BASE64_ENCODE_RAW_LENGTH(B64_CHUNK)];

	for (size_t i = 0; i < len; i += B64_CHUNK) {
		size_t n = len - i < B64_CHUNK ? len - i : B64_CHUNK;

		base64_encode_raw(out, n, (const uint8_t *)data + i);
		fwrite(out, 1, BASE64_ENCODE_RAW_LENGTH(n), fp);
	}
}

static const char *caption_of(const struct plot *p)
{
	const char *slash = strrchr(p->path, '/');

	if (p->caption != NULL)
		return p->caption;
	return slash ? slash + 1 : p->path;
}

static void section_figures(struct report *r, struct doc *d)
{
	section_open(d, 1);
	if (r->nplots == 0)
		para(d, "No figures were given (hd-report --plot).");
	for (size_t i = 0; i < r->nplots; i++) {
		const struct plot *p = &r->plot[i];

		fprintf(d->h,
		        "<figure id=\"figure-%zu\">\n<img src=\"data:%s;"
		        "base64,",
		        i + 1, p->mime);
		put_base64(d->h, p->data, p->len);
		fputs("\" alt=\"", d->h);
		put_html(d->h, caption_of(p));
		fprintf(d->h, "\">\n<figcaption>Figure %zu. ", i + 1);
		put_html(d->h, caption_of(p));
		fputs("</figcaption>\n</figure>\n", d->h);
	}
	section_close(d);
}

/* A cell of the metrics table: data-metric and data-value for scripts,
 * the number rounded for people. */
static void metric_cell(FILE *h, const char *name, const char *rawtext,
                        double x)
{
	fprintf(h, "<td data-metric=\"%s\" data-value=\"%s\">%s</td>", name,
	        rawtext, f3(x));
}

/* The table the browser test reads: one row per model. */
static void metrics_table(struct report *r, struct doc *d)
{
	const struct hd_figure *auc = figure("roc_auc");
	char rb[HD_NUMBUF];

	fputs("<div class=\"scroll\"><table id=\"metrics\">\n<caption>Test-set "
	      "metrics (3 decimals; each cell&#39;s data-value is the number "
	      "as its metrics file has it)</caption>\n<thead><tr>"
	      "<th scope=\"col\">Model</th><th scope=\"col\">Kind</th>"
	      "<th scope=\"col\">Test rows</th><th scope=\"col\">Threshold</th>",
	      d->h);
	for (size_t i = 0; i < hd_nfigures; i++) {
		fprintf(d->h, "<th scope=\"col\">%s</th>",
		        hd_figure_list[i].label);
		if (&hd_figure_list[i] == auc)
			fputs("<th scope=\"col\">ROC-AUC 95% interval</th>",
			      d->h);
	}
	fputs("<th scope=\"col\">CV ROC-AUC mean</th><th scope=\"col\">CV "
	      "ROC-AUC std</th></tr></thead>\n<tbody>\n",
	      d->h);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];
		struct node t = test_of(c);
		struct node cv = at(obj(top(&c->metrics), "model"), "cv");
		double lo, hi;

		fputs("<tr data-model=\"", d->h);
		put_html(d->h, c->name);
		fputs(k == r->winner
		              ? "\" class=\"selected\"><th scope=\"row\">"
		              : "\"><th scope=\"row\">",
		      d->h);
		put_html(d->h, c->name);
		if (k == r->winner)
			fputs(" (selected)", d->h);
		fputs("</th><td class=\"t\">", d->h);
		put_html(d->h, kind_of(c));
		fprintf(d->h, "</td><td>%s</td><td>", cnt(num(t, "n")));
		put_html(d->h, raw(t, "threshold", rb));
		fputs("</td>", d->h);
		for (size_t i = 0; i < hd_nfigures; i++) {
			const struct hd_figure *f = &hd_figure_list[i];
			struct node g = f->group ? at(t, f->group) : t;

			metric_cell(d->h, f->name,
			            g.j ? raw(g, f->name, rb) : "null",
			            fig(t, f));
			if (f != auc)
				continue;
			interval(t, f->interval, &lo, &hi);
			fprintf(d->h, "<td data-interval=\"%s\"", f->name);
			fprintf(d->h, " data-lo=\"%s\"",
			        isnan(lo) ? "null" : hd_fmt_double(rb, lo));
			fprintf(d->h, " data-hi=\"%s\">",
			        isnan(hi) ? "null" : hd_fmt_double(rb, hi));
			fprintf(d->h, "%s</td>", ci(lo, hi));
		}
		if (cv.j == NULL || cJSON_IsNull(cv.j)) {
			metric_cell(d->h, "cv_roc_auc_mean", "null", NAN);
			metric_cell(d->h, "cv_roc_auc_std", "null", NAN);
		} else {
			metric_cell(d->h, "cv_roc_auc_mean",
			            raw(cv, "mean", rb), num(cv, "mean"));
			metric_cell(d->h, "cv_roc_auc_std", raw(cv, "std", rb),
			            num(cv, "std"));
		}
		fputs("</tr>\n", d->h);
	}
	fputs("</tbody>\n</table></div>\n", d->h);
}

static void section_metrics(struct report *r, struct doc *d)
{
	static const struct {
		const char *key, *label;
	} ivs[] = {
		{ "roc_auc", "ROC-AUC (bootstrap)" },
		{ "roc_auc_delong", "ROC-AUC (DeLong)" },
		{ "accuracy", "Accuracy" },
		{ "sensitivity", "Sensitivity (recall)" },
		{ "specificity", "Specificity" },
		{ "ppv", "PPV (precision)" },
		{ "npv", "NPV" },
		{ "f1", "F1" },
		{ "brier", "Brier score" },
		{ "calibration_slope", "Calibration slope" },
	};
	struct node wi = at(test_of(winner(r)), "intervals");
	struct row row = { 0 };
	char rb[HD_NUMBUF];

	section_open(d, 2);
	para(d,
	     "Each model scored on the held-out test split by hd-eval. "
	     "Accuracy, precision, recall and F1 are at the threshold shown "
	     "(a probability at or above it predicts heart disease); ROC-AUC, "
	     "the Brier score, log loss and the calibration figures use the "
	     "probabilities themselves. The CV columns are the mean and "
	     "standard deviation of ROC-AUC over the cross-validation folds "
	     "of the training split.");
	metrics_table(r, d);
	if (wi.j != NULL)
		para(d, "Intervals: %s; level %s, %s resamples, seed %s.",
		     str(wi, "method"), raw(wi, "level", rb),
		     cnt(num(wi, "resamples")), cnt(num(wi, "seed")));
	cell(&row, "Figure");
	for (size_t k = 0; k < r->ncand; k++)
		cell(&row, "%s", r->cand[k].name);
	table_open(d, "intervals",
	           "Estimates and 95% intervals on the test "
	           "split",
	           &row);
	for (size_t i = 0; i < sizeof ivs / sizeof ivs[0]; i++) {
		cell(&row, "%s", ivs[i].label);
		for (size_t k = 0; k < r->ncand; k++) {
			struct node t = test_of(&r->cand[k]);
			struct node iv = at(at(t, "intervals"), ivs[i].key);
			double lo, hi;

			if (iv.j == NULL) {
				cell(&row, DASH);
				continue;
			}
			interval(t, ivs[i].key, &lo, &hi);
			cell(&row, "%s %s", f3(num(iv, "estimate")),
			     ci(lo, hi));
		}
		row_put(d, &row);
	}
	table_close(d);
	for (size_t k = 0; k < r->ncand; k++) {
		struct node y = at(test_of(&r->cand[k]), "youden");
		struct node yt = at(y, "test");

		if (y.j == NULL || cJSON_IsNull(y.j))
			continue;
		item(d,
		     "%s: the Youden threshold, chosen on the cross-"
		     "validation's out-of-fold predictions (never the test "
		     "rows), is %s; at it the test sensitivity is %s and the "
		     "specificity %s.",
		     r->cand[k].name, f3(num(y, "threshold")),
		     f3(num(yt, "sensitivity")), f3(num(yt, "specificity")));
	}
	section_close(d);
}

static void section_selection(struct report *r, struct doc *d)
{
	struct node sel = selection(r), cs = need(sel, "candidates", 1);
	const char *metric = str(sel, "metric");
	const struct hd_figure *f = hd_figure_find(metric);
	struct cand *w = winner(r);
	struct row row = { 0 };

	section_open(d, 3);
	para(d, "hd-select chose %s, the %s in %s (written to %s): %s", w->name,
	     kind_of(w), w->model_path, r->sel.path, str(sel, "reason"));
	para(d, "Criterion: the test %s, %s is better; on a tie, the %s.",
	     metric, str(sel, "direction"), str(sel, "tie_break"));
	cell(&row, "Rank");
	cell(&row, "Model");
	cell(&row, "Kind");
	cell(&row, "Test %s", metric);
	cell(&row, "95%% interval");
	cell(&row, "CV ROC-AUC");
	table_open(d, "candidates", "hd-select's candidates", &row);
	for (struct node k = first(cs); k.j; k = next(cs, k)) {
		struct cand *m = cand_by_sha(r, str(k, "sha256"));
		struct node cv = at(k, "cv_roc_auc");
		double lo = NAN, hi = NAN;

		if (m != NULL && f != NULL)
			interval(test_of(m), f->interval, &lo, &hi);
		cell(&row, "%s", cnt(num(k, "rank")));
		cell(&row, "%s", m ? m->name : DASH);
		cell(&row, "%s", kind_label(str(k, "kind")));
		cell(&row, "%s", f3(m && f ? fig(test_of(m), f) : NAN));
		cell(&row, "%s", ci(lo, hi));
		cv_cell(&row, cv);
		row_put(d, &row);
	}
	table_close(d);
	say_overlap(r, d, 0);
	section_close(d);
}

static void section_subgroups(struct report *r, struct doc *d)
{
	section_open(d, 4);
	para(d,
	     "The test split by site and by sex, for each model; the "
	     "intervals are bootstrap 95%% intervals within each subgroup. "
	     "A subgroup of fewer than %d rows, or of fewer than %d of a "
	     "class, is marked small: its figures are mostly noise.",
	     SMALL_ROWS, SMALL_CLASS);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];
		char *id = hd_xprintf("subgroups-%s", c->name);

		heading(d, 3, id, "%s (%s)", c->name, kind_of(c));
		free(id);
		subgroup_tables(d, c);
	}
	section_close(d);
}

static void section_loso(struct report *r, struct doc *d)
{
	size_t given = 0;

	section_open(d, 5);
	for (size_t k = 0; k < r->ncand; k++)
		given += r->cand[k].loso.path != NULL;
	if (given == 0) {
		para(d, "Not given (hd-report --loso).");
		section_close(d);
		return;
	}
	para(d, "hd-loso refitted each model's kind and hyperparameters on "
	        "three sites of the whole clean data and evaluated it on the "
	        "fourth: how the model carries to a hospital it has not seen.");
	for (size_t k = 0; k < r->ncand; k++)
		if (r->cand[k].loso.path != NULL)
			loso_table(d, &r->cand[k]);
	section_close(d);
}

/* One row of the inputs table. */
static void input_row(struct doc *d, const char *what, const char *name,
                      const char *file, const char *sha)
{
	struct row row = { 0 };

	cell(&row, "%s%s%s%s", what, name ? " (" : "", name ? name : "",
	     name ? ")" : "");
	cell(&row, "%s", file);
	cell(&row, "%s", sha);
	row_put(d, &row);
}

/* A model's hyperparameters and training record, as "key = value". */
static void hyper_rows(struct doc *d, struct cand *c)
{
	struct node hp = obj(top(&c->mfile), "hyperparameters");
	struct node tr = obj(top(&c->mfile), "training");
	struct node cv = at(top(&c->mfile), "cv");
	struct row row = { 0 };
	char *cap = hd_xprintf("%s (%s): hyperparameters and training", c->name,
	                       kind_of(c));

	cell(&row, "Setting");
	cell(&row, "Value");
	table_open(d, NULL, cap, &row);
	free(cap);
	for (struct node h = first(hp); h.j; h = next(hp, h)) {
		char *v = json_text(h.j);

		cell(&row, "%s", key_of(h));
		cell(&row, "%s", v);
		free(v);
		row_put(d, &row);
	}
	cell(&row, "training rows");
	cell(&row, "%s", cnt(num(tr, "rows")));
	row_put(d, &row);
	cell(&row, "seed");
	cell(&row, "%s", cnt(num(tr, "seed")));
	row_put(d, &row);
	if (cJSON_IsObject(cv.j)) {
		cell(&row, "cross-validation folds");
		cell(&row, "%s", cnt(num(cv, "folds")));
		row_put(d, &row);
	}
	table_close(d);
}

static void section_run(struct report *r, struct doc *d)
{
	struct row row = { 0 };

	section_open(d, 6);
	para(d, "This page holds no time, host, user or commit, so the same "
	        "inputs give the same bytes. When and where the run was made, "
	        "and from which commit, are in its run record (hd-runs show).");
	heading(d, 3, "run-params", "Parameters");
	if (r->nparams == 0)
		para(d, "None were given (hd-report --param).");
	cell(&row, "Parameter");
	cell(&row, "Value");
	if (r->nparams > 0)
		table_open(d, "params", "The run's parameters", &row);
	for (size_t i = 0; i < r->nparams; i++) {
		cell(&row, "%s", r->param[i].key);
		cell(&row, "%s", r->param[i].value);
		row_put(d, &row);
	}
	if (r->nparams > 0)
		table_close(d);
	for (size_t i = 0; i < row.n; i++)
		free(row.cell[i]);
	row.n = 0;

	heading(d, 3, "run-software", "Software");
	item(d, "hd-report %s (hd).", HD_VERSION);
	for (size_t k = 0; k < r->ncand; k++) {
		struct node tr = obj(top(&r->cand[k].mfile), "training");

		item(d, "%s: fitted by %s %s.", r->cand[k].name,
		     str(tr, "tool"), str(tr, "tool_version"));
	}

	heading(d, 3, "run-inputs", "Inputs and their SHA-256");
	cell(&row, "Input");
	cell(&row, "File");
	cell(&row, "SHA-256");
	table_open(d, "inputs",
	           "Every input of this page, and the data "
	           "behind it",
	           &row);
	if (r->data_path != NULL)
		input_row(d, "clean data", NULL, r->data_path, r->data_sha256);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];
		struct node tr = obj(top(&c->mfile), "training");
		struct node td = obj(top(&c->metrics), "data");

		if (r->data_path == NULL && c->loso.path != NULL) {
			struct node ld = obj(top(&c->loso), "data");

			input_row(d, "clean data, as hd-loso recorded it",
			          c->name, str(ld, "file"), str(ld, "sha256"));
		}
		input_row(d, "training split, as the fit recorded it", c->name,
		          str(tr, "file"), str(tr, "sha256"));
		input_row(d, "test split, as hd-eval recorded it", c->name,
		          str(td, "file"), str(td, "sha256"));
	}
	input_row(d, "EDA summary", NULL, r->eda.path, r->eda.sha256);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];

		input_row(d, "metrics", c->name, c->metrics.path,
		          c->metrics.sha256);
		input_row(d, "model file", c->name, c->model_path,
		          c->model.sha256);
		if (c->loso.path != NULL) {
			struct node lm = obj(top(&c->loso), "model");

			input_row(d, "leave-one-site-out", c->name,
			          c->loso.path, c->loso.sha256);
			if (strcmp(str(lm, "sha256"), c->model.sha256) != 0)
				input_row(d,
				          "its model, refitted since with the "
				          "same hyperparameters",
				          c->name, str(lm, "file"),
				          str(lm, "sha256"));
		}
	}
	input_row(d, "selected model", NULL, r->sel.path, r->selected.sha256);
	for (size_t i = 0; i < r->nplots; i++) {
		char *what = hd_xprintf("figure %zu", i + 1);

		input_row(d, what, NULL, r->plot[i].path, r->plot[i].sha256);
		free(what);
	}
	table_close(d);

	heading(d, 3, "run-hyperparameters", "Hyperparameters");
	for (size_t k = 0; k < r->ncand; k++)
		hyper_rows(d, &r->cand[k]);
	section_close(d);
}

/* The whole page into h, the card also into m (when not NULL). */
void write_page(struct report *r, FILE *h, FILE *m)
{
	struct doc d = { h, NULL, 0 }, card = { h, m, 0 };

	page_head(r, h);
	section_data(r, &d);
	section_figures(r, &d);
	section_metrics(r, &d);
	section_selection(r, &d);
	section_subgroups(r, &d);
	section_loso(r, &d);
	section_run(r, &d);
	model_card(r, &card);
	fprintf(h,
	        "</main>\n<footer>\n<p>Written by hd-report %s from the "
	        "inputs listed under <a href=\"#run-inputs\">The run</a>."
	        "</p>\n</footer>\n</body>\n</html>\n",
	        HD_VERSION);
}
