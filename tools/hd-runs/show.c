/*
 * tools/hd-runs/show.c - show and diff (see runs.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runs.h"

/* ---------------------------------------------------------------------
 * show
 * ------------------------------------------------------------------- */

/* The models a run has figures for, in the order of its metrics. */
static size_t model_names(const struct run *r, const char *names[8])
{
	const cJSON *c;
	size_t n = 0;

	cJSON_ArrayForEach (c, metric_map(r)) {
		const char *dot = strchr(c->string, '.');
		if (!dot || strcmp(dot, ".test.roc_auc") != 0 || n == 8)
			continue;
		size_t k = (size_t)(dot - c->string);
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen |= strlen(names[i]) == k &&
			        !strncmp(names[i], c->string, k);
		if (!seen)
			names[n++] =
				c->string; /* a prefix: use with its length */
	}
	return n;
}

static size_t name_len(const char *s)
{
	return strcspn(s, ".");
}

static double mget(const struct run *r, const char *model, size_t mlen,
                   const char *suffix)
{
	char key[512];
	double x;

	snprintf(key, sizeof key, "%.*s.%s", (int)mlen, model, suffix);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(metric_map(r),
	                                                     key),
	                    NULL, &x) == 0)
		return x;
	return NAN;
}

/* One row of the models table: the figure and its interval, or ± std. */
static void model_row(const struct run *r, const char **names, size_t n,
                      const char *label, const char *key, const char *ci,
                      const char *sd)
{
	int any = 0;
	char cell[64];

	for (size_t i = 0; i < n; i++)
		any |= !isnan(mget(r, names[i], name_len(names[i]), key));
	if (!any)
		return;
	emit("  %-24s", label);
	for (size_t i = 0; i < n; i++) {
		size_t k = name_len(names[i]);
		double x = mget(r, names[i], k, key);
		char lo_key[256], hi_key[256];
		if (isnan(x)) {
			emit("  %-26s", "-");
			continue;
		}
		snprintf(lo_key, sizeof lo_key, "%s.lo", ci ? ci : "");
		snprintf(hi_key, sizeof hi_key, "%s.hi", ci ? ci : "");
		double lo = ci ? mget(r, names[i], k, lo_key) : NAN;
		double hi = ci ? mget(r, names[i], k, hi_key) : NAN;
		double s = sd ? mget(r, names[i], k, sd) : NAN;
		if (!isnan(lo) && !isnan(hi))
			snprintf(cell, sizeof cell, "%.4f [%.4f, %.4f]", x, lo,
			         hi);
		else if (!isnan(s))
			snprintf(cell, sizeof cell, "%.4f sd %.4f", x, s);
		else
			snprintf(cell, sizeof cell, "%.4f", x);
		emit("  %-26s", cell);
	}
	endline();
}

static void show_csv_line(const char *label, const cJSON *o)
{
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(o, "class_counts");
	double rows = NAN, cols = NAN, c0 = NAN, c1 = NAN;
	const char *sha = jstr(o, "sha256");

	if (!cJSON_IsObject(o))
		return;
	hd_json_get_num(o, "rows", &rows);
	hd_json_get_num(o, "columns", &cols);
	hd_json_get_num(cc, "0", &c0);
	hd_json_get_num(cc, "1", &c1);
	emit("  %-8s %s: %.0f rows, %.0f columns", label, jtext(o, "file"),
	     rows, cols);
	if (!isnan(c0))
		emit(", target 0: %.0f, 1: %.0f", c0, c1);
	endline();
	emit("  %-8s sha256 %s", "", sha ? sha : "-");
	endline();
}

static void show_text(const struct run *r, size_t nruns)
{
	const char *names[8];
	size_t n = model_names(r, names);
	char buf[512];
	const cJSON *c, *t = r->tags;
	double d = NAN;
	static const char *const tag_lines[][2] = {
		{ "status", "status" },   { "step", "step" },
		{ "message", "message" }, { "command", "command" },
		{ "start", "started" },   { "end", "ended" },
	};

	emit("%-12s%s", "run", r->id);
	endline();
	emit("%-12s%s (%zu run%s in %s)", "experiment", jtext(t, "experiment"),
	     nruns, nruns == 1 ? "" : "s", opt.dir);
	endline();
	for (size_t i = 0; i < sizeof tag_lines / sizeof tag_lines[0]; i++) {
		const char *v = jstr(t, tag_lines[i][0]);
		if (!v)
			continue;
		emit("%-12s%s", tag_lines[i][1], v);
		if (!strcmp(tag_lines[i][0], "end") &&
		    hd_json_get_num(t, "duration_s", &d) == 0)
			emit(" (%.1f s)", d);
		endline();
	}
	const char *sel = jstr(r->metrics, "selected");
	if (sel) {
		emit("%-12s%s (%s) by %s", "selected", sel,
		     jtext(r->metrics, "selected_kind"),
		     jstr(r->metrics, "selected_by")
		             ? jstr(r->metrics, "selected_by")
		             : "?");
		endline();
		if (jstr(r->metrics, "reason")) {
			emit("%-12s%s", "", jstr(r->metrics, "reason"));
			endline();
		}
	}
	if (n > 0) {
		endline();
		emit("%-26s", "models");
		for (size_t i = 0; i < n; i++)
			emit("  %-26.*s", (int)name_len(names[i]), names[i]);
		endline();
		/* The test figures every hd tool shows, in their order. */
		for (size_t i = 0; i < hd_nfigures; i++) {
			const struct hd_figure *f = &hd_figure_list[i];
			char key[128], ci[128];
			snprintf(key, sizeof key, "test.%s%s%s",
			         f->group ? f->group : "", f->group ? "." : "",
			         f->name);
			snprintf(ci, sizeof ci, "test.intervals.%s",
			         f->interval ? f->interval : "");
			model_row(r, names, n, f->label, key,
			          f->interval ? ci : NULL, NULL);
		}
		model_row(r, names, n, "CV ROC-AUC", "cv.roc_auc_mean", NULL,
		          "cv.roc_auc_std");
		model_row(r, names, n, "Youden threshold",
		          "test.youden.threshold", NULL, NULL);
		/* Subgroups and left-out sites, named as the first model has them. */
		size_t k0 = name_len(names[0]);
		cJSON_ArrayForEach (c, metric_map(r)) {
			const char *key = c->string + k0 + 1;
			char label[128], sub[256], ci[256];
			if (strncmp(c->string, names[0], k0) != 0 ||
			    c->string[k0] != '.')
				continue;
			size_t kl = strlen(key);
			if (!strncmp(key, "subgroups.", 10) && kl > 18 &&
			    !strcmp(key + kl - 8, ".roc_auc")) {
				snprintf(label, sizeof label, "ROC-AUC %.*s",
				         (int)(kl - 18), key + 10);
				for (char *p = label; *p; p++)
					if (*p == '.')
						*p = ' ';
				snprintf(sub, sizeof sub, "%s", key);
				snprintf(ci, sizeof ci,
				         "%.*s.intervals.roc_auc",
				         (int)(kl - 8), key);
				model_row(r, names, n, label, sub, ci, NULL);
			} else if (!strncmp(key, "loso.", 5) && kl > 18 &&
			           !strcmp(key + kl - 13, ".test.roc_auc")) {
				snprintf(label, sizeof label,
				         "LOSO ROC-AUC %.*s", (int)(kl - 18),
				         key + 5);
				snprintf(sub, sizeof sub, "%s", key);
				snprintf(ci, sizeof ci,
				         "%.*s.intervals.roc_auc",
				         (int)(kl - 8), key);
				model_row(r, names, n, label, sub, ci, NULL);
			}
		}
	}
	endline();
	emit("dataset");
	endline();
	emit("  %-8s %s", "source", jtext(r->dataset, "source"));
	endline();
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(r->dataset,
	                                                        "raw")) {
		double b = NAN;
		hd_json_get_num(c, "bytes", &b);
		emit("  %-8s %s: %.0f bytes, sha256 %s", "raw",
		     jtext(c, "file"), b, jtext(c, "sha256"));
		endline();
	}
	show_csv_line("clean",
	              cJSON_GetObjectItemCaseSensitive(r->dataset, "clean"));
	show_csv_line("train",
	              cJSON_GetObjectItemCaseSensitive(r->dataset, "train"));
	show_csv_line("test",
	              cJSON_GetObjectItemCaseSensitive(r->dataset, "test"));
	endline();
	emit("params");
	endline();
	cJSON_ArrayForEach (c, jobj(r->params, "params")) {
		show_value(c, buf, sizeof buf);
		emit("  %-24s %s", c->string, buf);
		endline();
	}
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(r->sig, "inputs");
	if (cJSON_GetArraySize(in) > 0) {
		endline();
		emit("signature   %d inputs -> prediction (0 or 1), probability",
		     cJSON_GetArraySize(in));
		endline();
		cJSON_ArrayForEach (c, in) {
			const cJSON *lv =
				cJSON_GetObjectItemCaseSensitive(c, "levels");
			emit("  %-24s %s", jtext(c, "name"), jtext(c, "kind"));
			if (lv) {
				char *s = cJSON_PrintUnformatted(lv);
				emit(" %s", s);
				free(s);
			}
			endline();
		}
	}
	endline();
	emit("reproducibility");
	endline();
	{
		char cbuf[16];
		const char *br = jstr(t, "git_branch"),
			   *dh = jstr(t, "git_diff_sha256");
		emit("  %-10s %s", "git", short_commit(t, cbuf));
		if (jstr(t, "git_commit"))
			emit(" %s (%s, %s)", jstr(t, "git_commit"),
			     br ? br : "detached",
			     cJSON_IsTrue(
				     cJSON_GetObjectItemCaseSensitive(t,
			                                              "git_dirty"))
			             ? "dirty"
			             : "clean");
		endline();
		if (dh) {
			emit("  %-10s sha256 %s", "diff", dh);
			endline();
		}
		static const char *const keys[] = { "hd_version", "compiler",
			                            "os", "user", "host" };
		static const char *const labels[] = { "hd", "compiler", "os",
			                              "user", "host" };
		for (size_t i = 0; i < 5; i++) {
			emit("  %-10s %s", labels[i], jtext(t, keys[i]));
			endline();
		}
	}
	const cJSON *files =
		cJSON_GetObjectItemCaseSensitive(r->manifest, "files");
	int copied = 0;
	cJSON_ArrayForEach (c, files)
		copied += jstr(c, "copy") != NULL;
	endline();
	emit("artifacts   %d files, %d copied into %s/%s/files",
	     cJSON_GetArraySize(files), copied, opt.dir, r->id);
	endline();
	cJSON_ArrayForEach (c, files) {
		double b = NAN;
		hd_json_get_num(c, "bytes", &b);
		emit("  %-46s %9.0f  %.12s", jtext(c, "path"), b,
		     jtext(c, "sha256"));
		endline();
	}
}

int cmd_show(char **refs, int nrefs)
{
	struct runs rs;
	struct run r;
	long i;
	int rc = 0;

	if (nrefs != 1) {
		hd_err("show takes one RUN");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	if ((i = resolve(&rs, refs[0])) < 0 || load_run(rs.id[i], &r) != 0) {
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	if (opt.json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "run", r.id);
		cJSON_AddItemReferenceToObject(o, "tags", r.tags);
		cJSON_AddItemReferenceToObject(o, "params", r.params);
		cJSON_AddItemReferenceToObject(o, "metrics", r.metrics);
		cJSON_AddItemReferenceToObject(o, "dataset", r.dataset);
		cJSON_AddItemReferenceToObject(o, "signature", r.sig);
		cJSON_AddItemReferenceToObject(o, "manifest", r.manifest);
		rc = hd_json_write("-", o) == 0 ? 0 : HD_EXIT_DATA;
		cJSON_Delete(o);
	} else {
		show_text(&r, rs.n);
	}
	free_run(&r);
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * diff
 * ------------------------------------------------------------------- */

/* What diff compares of the data: its origin and each file's facts,
 * raw files by name, as one flat object. */
static cJSON *flat_dataset(const cJSON *ds)
{
	cJSON *f = cJSON_CreateObject();
	const cJSON *c;
	static const char *const parts[] = { "clean", "train", "test" };

	cJSON_AddItemToObject(
		f, "source",
		cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ds, "source"),
	                        1));
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(ds, "raw")) {
		const char *file = jstr(c, "file"), *base;
		char key[512];
		if (!file)
			continue;
		base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		snprintf(key, sizeof key, "raw.%s.sha256", base);
		cJSON_AddItemToObject(
			f, key,
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c,
		                                                         "sha256"),
		                        1));
		snprintf(key, sizeof key, "raw.%s.bytes", base);
		cJSON_AddItemToObject(
			f, key,
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c,
		                                                         "bytes"),
		                        1));
	}
	for (size_t i = 0; i < 3; i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ds, parts[i]);
		static const char *const keys[] = { "sha256", "rows",
			                            "columns" };
		char key[256];
		if (!cJSON_IsObject(o))
			continue;
		for (size_t k = 0; k < 3; k++) {
			snprintf(key, sizeof key, "%s.%s", parts[i], keys[k]);
			cJSON_AddItemToObject(
				f, key,
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
							o, keys[k]),
			                        1));
		}
		cJSON_ArrayForEach (c, jobj(o, "class_counts")) {
			snprintf(key, sizeof key, "%s.class_counts.%s",
			         parts[i], c->string);
			cJSON_AddItemToObject(f, key, cJSON_Duplicate(c, 1));
		}
	}
	return f;
}

static cJSON *flat_metrics(const cJSON *m)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddItemToObject(
		f, "selected",
		cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "selected"),
	                        1));
	const cJSON *c;
	cJSON_ArrayForEach (c, jobj(m, "metrics"))
		cJSON_AddItemToObject(f, c->string, cJSON_Duplicate(c, 1));
	return f;
}

static int same_value(const cJSON *a, const cJSON *b)
{
	double x, y;

	if (!a || !b)
		return !a && !b;
	if (hd_json_get_num(a, NULL, &x) == 0 &&
	    hd_json_get_num(b, NULL, &y) == 0 && !cJSON_IsNull(a) &&
	    !cJSON_IsNull(b))
		return x == y;
	return cJSON_Compare(a, b, 1);
}

/* Compare two flat objects: every entry that differs (all with --all)
 * appended to changes as {section, key, change, a, b, delta}. */
static void diff_section(const char *section, const cJSON *a, const cJSON *b,
                         cJSON *changes)
{
	const cJSON *c;

	for (int pass = 0; pass < 2; pass++) {
		cJSON_ArrayForEach (c, (cJSON *)(pass == 0 ? a : b)) {
			const cJSON *va =
				cJSON_GetObjectItemCaseSensitive(a, c->string);
			const cJSON *vb =
				cJSON_GetObjectItemCaseSensitive(b, c->string);
			const char *change;
			double x, y, delta = NAN;
			if (pass == 1 && va)
				continue; /* seen in the first pass */
			if (!va)
				change = "added";
			else if (!vb)
				change = "removed";
			else if (same_value(va, vb))
				change = "same";
			else
				change = "changed";
			if (!strcmp(change, "same") && !opt.all)
				continue;
			if (!strcmp(change, "changed") && !cJSON_IsNull(va) &&
			    !cJSON_IsNull(vb) && !cJSON_IsString(va) &&
			    !cJSON_IsString(vb) &&
			    hd_json_get_num(va, NULL, &x) == 0 &&
			    hd_json_get_num(vb, NULL, &y) == 0)
				delta = y - x;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "section", section);
			cJSON_AddStringToObject(o, "key", c->string);
			cJSON_AddStringToObject(o, "change", change);
			cJSON_AddItemToObject(o, "a",
			                      va ? cJSON_Duplicate(va, 1)
			                         : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "b",
			                      vb ? cJSON_Duplicate(vb, 1)
			                         : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "delta",
			                      isnan(delta)
			                              ? cJSON_CreateNull()
			                              : hd_json_num(delta));
			cJSON_AddItemToArray(changes, o);
		}
	}
}

/* The changes as a table: a mark (~ changed, + only in B, - only in A,
 * blank the same), the name, A, B and B - A for numbers. */
static void diff_text(const cJSON *changes)
{
	const cJSON *c;
	int wk = 0, wa = 1, wb = 1;
	const char *section = NULL;
	char sa[256], sb[256];

	cJSON_ArrayForEach (c, changes) {
		int k = (int)strlen(jstr(c, "key"));
		show_value(cJSON_GetObjectItemCaseSensitive(c, "a"), sa,
		           sizeof sa);
		show_value(cJSON_GetObjectItemCaseSensitive(c, "b"), sb,
		           sizeof sb);
		wk = k > wk ? k : wk;
		wa = (int)strlen(sa) > wa ? (int)strlen(sa) : wa;
		wb = (int)strlen(sb) > wb ? (int)strlen(sb) : wb;
	}
	if (wa < 6)
		wa = 6;
	if (wb < 6)
		wb = 6;
	if (!cJSON_GetArraySize(changes)) {
		emit("no differences in params, metrics or dataset");
		endline();
		return;
	}
	emit("  %-*s  %-*s  %-*s  %s", wk, "", wa, "A", wb, "B", "B - A");
	endline();
	cJSON_ArrayForEach (c, changes) {
		const char *ch = jstr(c, "change");
		const cJSON *va = cJSON_GetObjectItemCaseSensitive(c, "a");
		const cJSON *vb = cJSON_GetObjectItemCaseSensitive(c, "b");
		double d;
		if (!section || strcmp(section, jstr(c, "section")) != 0) {
			section = jstr(c, "section");
			emit("%s", section);
			endline();
		}
		show_value(va, sa, sizeof sa);
		show_value(vb, sb, sizeof sb);
		if (!strcmp(ch, "added"))
			strcpy(sa, "(none)");
		if (!strcmp(ch, "removed"))
			strcpy(sb, "(none)");
		emit("%c %-*s  %-*s  %-*s",
		     !strcmp(ch, "same")      ? ' '
		     : !strcmp(ch, "changed") ? '~'
		     : !strcmp(ch, "added")   ? '+'
		                              : '-',
		     wk, jstr(c, "key"), wa, sa, wb, sb);
		if (hd_json_get_num(c, "delta", &d) == 0 && !isnan(d))
			emit("  %+.6g", d);
		endline();
	}
}

int cmd_diff(char **refs, int nrefs)
{
	struct runs rs;
	struct run ra, rb;
	long ia, ib;
	int rc = 0;

	if (nrefs != 2) {
		hd_err("diff takes two RUNs");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	if ((ia = resolve(&rs, refs[0])) < 0 ||
	    (ib = resolve(&rs, refs[1])) < 0 || load_run(rs.id[ia], &ra) != 0) {
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	if (load_run(rs.id[ib], &rb) != 0) {
		free_run(&ra);
		free_runs(&rs);
		return HD_EXIT_DATA;
	}
	const char *sections[3] = { "params", "metrics", "dataset" };
	cJSON *fa[3], *fb[3];
	fa[0] = cJSON_Duplicate(jobj(ra.params, "params"), 1);
	fb[0] = cJSON_Duplicate(jobj(rb.params, "params"), 1);
	fa[1] = flat_metrics(ra.metrics);
	fb[1] = flat_metrics(rb.metrics);
	fa[2] = flat_dataset(ra.dataset);
	fb[2] = flat_dataset(rb.dataset);
	cJSON *o = cJSON_CreateObject(), *ch;
	cJSON_AddStringToObject(o, "a", ra.id);
	cJSON_AddStringToObject(o, "b", rb.id);
	ch = cJSON_AddArrayToObject(o, "changes");
	for (int s = 0; s < 3; s++)
		diff_section(sections[s], fa[s], fb[s], ch);
	if (opt.json) {
		rc = hd_json_write("-", o) == 0 ? 0 : HD_EXIT_DATA;
	} else {
		const struct run *both[2] = { &ra, &rb };
		for (int k = 0; k < 2; k++) {
			char cbuf[16];
			const char *cmd = jstr(both[k]->tags, "command");
			emit("%c %s  %s  %s  %s", k ? 'B' : 'A', both[k]->id,
			     jstr(both[k]->tags, "status"),
			     short_commit(both[k]->tags, cbuf), cmd ? cmd : "");
			endline();
		}
		diff_text(ch);
	}
	cJSON_Delete(o);
	for (int s = 0; s < 3; s++) {
		cJSON_Delete(fa[s]);
		cJSON_Delete(fb[s]);
	}
	free_run(&ra);
	free_run(&rb);
	free_runs(&rs);
	return rc;
}
