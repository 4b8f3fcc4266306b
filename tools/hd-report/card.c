/*
 * card.c - hd-report's model card (Mitchell et al. 2019), written into
 * the page and, when asked for, in Markdown too.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---------------------------------------------------------------------
 * The model card (Mitchell et al. 2019), in the page and in Markdown
 * ------------------------------------------------------------------- */

static void card_details(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node tr = obj(top(&w->mfile), "training");
	struct node hp = obj(top(&w->mfile), "hyperparameters");
	struct node sel = selection(r);
	char *list = NULL;
	size_t len = 0;
	FILE *fp = memopen(&list, &len);

	for (struct node h = first(hp); h.j; h = next(hp, h)) {
		char *v = json_text(h.j);

		fprintf(fp, "%s%s = %s", h.j == hp.j->child ? "" : ", ",
		        key_of(h), v);
		free(v);
	}
	fclose(fp);
	heading(d, 3, "card-details", "Model details");
	item(d,
	     "Model: %s, which hd-select chose among %d evaluated "
	     "models by test %s.",
	     kind_of(w), cJSON_GetArraySize(need(sel, "candidates", 1).j),
	     str(sel, "metric"));
	item(d,
	     "Model file: %s, SHA-256 %s; the selected copy that serving "
	     "loads is %s, SHA-256 %s.",
	     w->model_path, w->model.sha256, r->sel.path, r->selected.sha256);
	item(d, "Hyperparameters: %s.", list);
	item(d,
	     "Fitted by %s %s on %s training rows (seed %s); this card "
	     "was written by hd-report %s.",
	     str(tr, "tool"), str(tr, "tool_version"), cnt(num(tr, "rows")),
	     cnt(num(tr, "seed")), HD_VERSION);
	item(d,
	     "Input: the 13 features of the UCI data (age, sex, cp, "
	     "trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, "
	     "ca, thal), any of which may be missing. Output: the probability "
	     "of heart disease (the diagnosis num above 0: more than 50%% "
	     "narrowing of a major coronary vessel at angiography), and a "
	     "class at a threshold.");
	item(d, "Date: not in this card, so that the same run gives the "
	        "same card; the run record has it (hd-runs show).");
	item(d, "Card format: Mitchell et al., Model Cards for Model "
	        "Reporting, FAT* 2019. Data: Janosi, Steinbrunn, Pfisterer and "
	        "Detrano, Heart Disease, UCI Machine Learning Repository "
	        "(1989), licensed CC BY 4.0.");
	free(list);
}

static void card_use(struct report *r, struct doc *d)
{
	struct node age = at(obj(top(&r->eda), "numeric"), "age");

	heading(d, 3, "card-use", "Intended use");
	item(d, "Primary use: research and teaching; how a risk model is "
	        "built, validated, calibrated, compared and served, on public "
	        "data.");
	item(d, "Primary users: students, teachers, researchers and "
	        "engineers.");
	item(d,
	     "Out of scope: any clinical decision about a person: "
	     "diagnosis, screening, triage, treatment or referral. The model "
	     "is not a medical device, has not been validated prospectively, "
	     "and learned from four centres' patients of the 1980s.");
	item(d,
	     "Also out of scope: decisions on insurance, employment or "
	     "credit; populations unlike the four sites'; ages outside %s to "
	     "%s years, the range of the data.",
	     cnt(opt_num(age, "min")), cnt(opt_num(age, "max")));
}

static void card_factors(struct report *r, struct doc *d)
{
	struct node lo, hi;
	double women = level_count(r, "sex", 0);
	double rows = num(top(&r->eda), "rows");

	prevalence_range(r, &lo, &hi);
	heading(d, 3, "card-factors", "Factors");
	if (lo.j != NULL)
		item(d,
		     "Site: four centres that differ in whom they tested and "
		     "how they recorded it; the share with heart disease runs "
		     "from %s at %s to %s at %s.",
		     pct(num(lo, "target_1"), num(lo, "rows")), key_of(lo),
		     pct(num(hi, "target_1"), num(hi, "rows")), key_of(hi));
	item(d,
	     "Sex: %s of the %s patients are women (%s); sex is one of "
	     "the model's inputs.",
	     cnt(women), cnt(rows), pct(women, rows));
	item(d, "Evaluated: by site and by sex on the test split, and each "
	        "site held out in turn (leave-one-site-out), below.");
	item(d, "Not evaluated: age groups; race, ethnicity and "
	        "socio-economic status are not in the data, so how the model "
	        "does across them is unknown.");
}

static void card_metrics(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node t = test_of(w), iv = at(t, "intervals");
	struct node cv = at(top(&w->mfile), "cv"), y = at(t, "youden");
	struct node sel = selection(r);
	char rb[HD_NUMBUF];

	heading(d, 3, "card-metrics", "Metrics");
	item(d,
	     "ROC-AUC: how well the probabilities rank patients with "
	     "heart disease above those without, over every threshold. "
	     "hd-select chose by test %s (%s is better).",
	     str(sel, "metric"), str(sel, "direction"));
	item(d,
	     "Accuracy, precision, recall (sensitivity) and F1 at the "
	     "threshold %s: a probability at or above it predicts heart "
	     "disease. Recall matters most here: a missed patient is the "
	     "costly error.",
	     raw(t, "threshold", rb));
	item(d, "Brier score, expected calibration error (ECE) and the "
	        "calibration slope: whether the probabilities can be read as "
	        "risks.");
	if (iv.j != NULL)
		item(d,
		     "Uncertainty: 95%% intervals by %s (%s resamples, seed "
		     "%s), and DeLong's interval for ROC-AUC.",
		     str(iv, "method"), cnt(num(iv, "resamples")),
		     cnt(num(iv, "seed")));
	if (cJSON_IsObject(cv.j))
		item(d,
		     "Cross-validation: ROC-AUC mean and standard deviation "
		     "over %s stratified folds of the training split (seed %s).",
		     cnt(num(cv, "folds")), cnt(num(cv, "seed")));
	if (cJSON_IsObject(y.j))
		item(d,
		     "A threshold balancing sensitivity and specificity "
		     "(Youden's J), chosen on the out-of-fold predictions and "
		     "never on the test rows: %s.",
		     f3(num(y, "threshold")));
}

static void card_evaluation(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node t = test_of(w), cc = obj(t, "class_counts");
	struct node td = obj(top(&w->metrics), "data");
	const char *ts = param(r, "test_size"), *seed = param(r, "seed");
	char *how;

	heading(d, 3, "card-evaluation", "Evaluation data");
	item(d,
	     "The test split: %s rows, %s with heart disease and %s "
	     "without; %s, SHA-256 %s.",
	     cnt(num(t, "n")), cnt(num(cc, "1")), cnt(num(cc, "0")),
	     str(td, "file"), str(td, "sha256"));
	how = ts && seed ? hd_xprintf("; test share %s, seed %s", ts, seed)
	      : ts       ? hd_xprintf("; test share %s", ts)
	      : seed     ? hd_xprintf("; seed %s", seed)
	                 : hd_xstrdup("");
	item(d,
	     "hd-split draws it at random within each class (stratified"
	     "%s), so both splits keep the whole data's share of heart "
	     "disease; it mixes the four sites.",
	     how);
	free(how);
	if (w->loso.path != NULL)
		item(d,
		     "Leave-one-site-out: the model's kind and "
		     "hyperparameters refitted on three sites of the whole clean "
		     "data and evaluated on the fourth (%s).",
		     w->loso.path);
}

static void card_training(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node tr = obj(top(&w->mfile), "training");
	struct node cc = need(tr, "class_counts", 1);
	struct node sites = obj(top(&r->eda), "sites");
	struct node e = top(&r->eda);
	const struct hd_prep *p = &w->model.prep;
	const char *opts = param(r, "clean_opts");
	struct row row = { 0 };
	double zeros[HD_NFEAT] = { 0 }, nz = 0;
	char buf[HD_NUMBUF];

	heading(d, 3, "card-training", "Training data");
	para(d, "The UCI Heart Disease data: the processed files of four "
	        "sites, donated in 1988.");
	cell(&row, "Site");
	cell(&row, "Centre");
	cell(&row, "Rows");
	cell(&row, "With heart disease");
	table_open(d, NULL, "Rows by site (the whole clean data)", &row);
	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		cell(&row, "%s", key_of(s));
		cell(&row, "%s", site_label(key_of(s)));
		cell(&row, "%s", cnt(num(s, "rows")));
		cell(&row, "%s", pct(num(s, "target_1"), num(s, "rows")));
		row_put(d, &row);
		for (int f = 0; f < HD_NFEAT; f++)
			if (hd_features[f].zero_is_missing) {
				double z = num(obj(s, "zeros"),
				               hd_features[f].name);

				zeros[f] += z;
				nz += z;
			}
	}
	table_close(d);
	item(d,
	     "The training split: %s rows, %s with heart disease and %s "
	     "without; %s, SHA-256 %s.",
	     cnt(num(tr, "rows")), cnt(num_at(cc, 1)), cnt(num_at(cc, 0)),
	     str(tr, "file"), str(tr, "sha256"));

	heading(d, 4, "card-preprocessing", "Preprocessing");
	item(d,
	     "hd-clean reads the four processed.*.data files, checks "
	     "every value against its column's physical range and the levels "
	     "UCI documents, turns '?' into a missing value, sets target to 1 "
	     "when the diagnosis num is above 0, and drops rows that repeat "
	     "an earlier one exactly (%s repeats remain).",
	     cnt(num(e, "duplicate_rows")));
	if (opts != NULL)
		item(d, "hd-clean options of this run: %s.",
		     opts[0] ? opts : "none");
	if (nz > 0) {
		char *list = NULL;
		size_t len = 0;
		FILE *fp = memopen(&list, &len);
		int n = 0;

		for (int f = 0; f < HD_NFEAT; f++)
			if (zeros[f] > 0)
				fprintf(fp, "%s%s row%s with %s = 0",
				        n++ ? " and " : "", cnt(zeros[f]),
				        zeros[f] == 1 ? "" : "s",
				        hd_features[f].name);
		fclose(fp);
		item(d,
		     "A 0 that some sites wrote for \u201cnot measured\u201d "
		     "is kept as a value: %s (hd-clean --zeros-missing would "
		     "make them missing).",
		     list);
		free(list);
	} else {
		item(d, "No trestbps or chol of 0 is left in the clean data.");
	}
	item(d,
	     "Learned on the training rows only and stored in the model "
	     "file: numeric columns are filled in with the training median "
	     "%s; categorical columns are filled in with the training mode "
	     "and one-hot encoded over the levels seen in training (a level "
	     "never seen encodes as all zeros).",
	     p->scaled
	             ? "and standardised (training mean and population standard "
	               "deviation)"
	             : "and kept in their own units (a tree does not "
	               "depend on scale)");
	cell(&row, "Feature");
	cell(&row, "Kind");
	cell(&row, "Missing becomes");
	cell(&row, "Mean");
	cell(&row, "Scale");
	cell(&row, "Levels");
	table_open(d, NULL, "The preprocessing in the model file", &row);
	for (int i = 0; i < HD_NFEAT; i++) {
		const struct hd_prep_col *col = &p->col[i];
		char *levels = NULL;
		size_t len = 0;
		FILE *fp;

		cell(&row, "%s", hd_features[col->feature].name);
		if (col->kind == HD_NUMERIC) {
			cell(&row, "numeric");
			cell(&row, "%s", hd_fmt_double(buf, col->median));
			cell(&row, "%.4g", col->mean);
			cell(&row, "%.4g", col->scale);
			cell(&row, DASH);
			row_put(d, &row);
			continue;
		}
		fp = memopen(&levels, &len);
		for (int k = 0; k < col->n_levels; k++)
			fprintf(fp, "%s%s", k ? ", " : "",
			        hd_fmt_double(buf, col->levels[k]));
		fclose(fp);
		cell(&row, "categorical");
		cell(&row, "%s", hd_fmt_double(buf, col->mode));
		cell(&row, DASH);
		cell(&row, DASH);
		cell(&row, "%s", levels);
		free(levels);
		row_put(d, &row);
	}
	table_close(d);
}

static void card_analyses(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct row row = { 0 };

	heading(d, 3, "card-analyses", "Quantitative analyses");
	cell(&row, "Model");
	for (const char *const *f = fig_cols; *f; f++)
		cell(&row, "%s [95%% interval]", figure(*f)->label);
	cell(&row, "CV ROC-AUC");
	table_open(d, NULL, "Every evaluated model on the test split", &row);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];
		struct node t = test_of(c);
		struct node cv = at(obj(top(&c->metrics), "model"), "cv");

		cell(&row, "%s%s", c->name, c == w ? " (selected)" : "");
		for (const char *const *f = fig_cols; *f; f++)
			cell(&row, "%s", with_ci(t, figure(*f)));
		cv_cell(&row, cv);
		row_put(d, &row);
	}
	table_close(d);
	say_overlap(r, d, 0);
	heading(d, 4, "card-subgroups", "%s by subgroup", w->name);
	subgroup_tables(d, w);
	if (w->loso.path != NULL) {
		heading(d, 4, "card-loso", "%s, each site held out", w->name);
		loso_table(d, w);
	}
}

static void card_ethics(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node t = test_of(w), cf = obj(t, "confusion");
	struct node women =
		at(at(at(top(&w->metrics), "subgroups"), "sex"), "0");
	double men = level_count(r, "sex", 1), rows = num(top(&r->eda), "rows");
	char rb[HD_NUMBUF];

	heading(d, 3, "card-ethics", "Ethical considerations");
	item(d, "The records are public and de-identified (the patients' "
	        "names and social security numbers were removed before "
	        "publication), but they are health data about real people.");
	item(d,
	     "Men are %s of the patients (%s of %s)%s%s%s; the figures "
	     "for women rest on far fewer rows.",
	     pct(men, rows), cnt(men), cnt(rows),
	     women.j ? "; the test split has " : "",
	     women.j ? cnt(num(women, "n")) : "", women.j ? " women" : "");
	item(d,
	     "At the threshold %s the selected model missed %s of the %s "
	     "test patients with heart disease: a risk score must never give "
	     "false reassurance.",
	     raw(t, "threshold", rb), cnt(num(cf, "fn")),
	     cnt(num(cf, "fn") + num(cf, "tp")));
	item(d, "Race, ethnicity and socio-economic status are not "
	        "recorded, so fairness across them cannot be assessed.");
}

static void card_caveats(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node lo, hi, worst = { 0 };
	struct node sg = at(top(&w->metrics), "subgroups");

	heading(d, 3, "card-caveats", "Caveats and recommendations");
	data_caveats(r, d);
	prevalence_range(r, &lo, &hi);
	if (lo.j != NULL)
		item(d,
		     "The share with heart disease differs by site, from %s "
		     "(%s) to %s (%s): a probability is only as good as the "
		     "match between a new hospital's patients and these.",
		     pct(num(lo, "target_1"), num(lo, "rows")), key_of(lo),
		     pct(num(hi, "target_1"), num(hi, "rows")), key_of(hi));
	for (struct node f = first(sg); f.j; f = next(sg, f))
		for (struct node g = first(f); g.j; g = next(f, g)) {
			char *small = smallness(g);

			if (small != NULL)
				item(d,
				     "The test split has few rows of %s "
				     "%s (%s); its ROC-AUC, %s, says little.",
				     key_of(f),
				     strcmp(key_of(f), "sex") == 0
				             ? sex_label(key_of(g))
				             : key_of(g),
				     small, with_ci(g, figure("roc_auc")));
			free(small);
		}
	if (w->loso.path != NULL)
		worst = loso_worst(w);
	if (worst.j != NULL)
		item(d,
		     "Held out entirely, %s gives the lowest ROC-AUC, %s "
		     "(against %s on the random test split): the model carries "
		     "to an unseen hospital worse than the test split suggests.",
		     key_of(worst),
		     with_ci(obj(worst, "test"), figure("roc_auc")),
		     f3(num(test_of(w), "roc_auc")));
	say_overlap(r, d, 1);
	item(d, "The data are from the 1980s (donated in 1988): diagnosis, "
	        "treatment and populations have changed since.");
	item(d, "Recommendations: use it for research and teaching only; "
	        "before any other use, validate it at the new site and "
	        "recalibrate it; report intervals, not bare figures; and read "
	        "a 0 for trestbps or chol as missing (hd-clean "
	        "--zeros-missing).");
}

void model_card(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);

	fputs("<section>\n", d->h);
	heading(d, 2, "model-card", "Model card: %s heart-disease risk model",
	        kind_of(w));
	para(d,
	     "In the form of Mitchell et al. (2019). Every figure is read "
	     "from this run's files, and the card holds no date, so the same "
	     "run gives the same card.");
	card_details(r, d);
	card_use(r, d);
	card_factors(r, d);
	card_metrics(r, d);
	card_evaluation(r, d);
	card_training(r, d);
	card_analyses(r, d);
	card_ethics(r, d);
	card_caveats(r, d);
	section_close(d);
}
