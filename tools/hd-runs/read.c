/*
 * tools/hd-runs/read.c - reading the index and the runs it lists; list and gc (see runs.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runs.h"

/* ---------------------------------------------------------------------
 * Reading runs
 * ------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_exists(const char *id)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s/tags.json", opt.dir, id);
	return stat(path, &st) == 0;
}

/* The runs the index lists and not removed since, whose folders exist. */
void free_runs(struct runs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->id[i]);
	free(rs->id);
}

int load_index(struct runs *rs)
{
	char path[4096], err[256];
	size_t len;
	char *text;
	long lineno = 0;

	rs->id = NULL;
	rs->n = 0;
	/* Flawfinder: ignore: the format is a literal joined with the literal macro INDEX_NAME */
	snprintf(path, sizeof path, "%s/" INDEX_NAME, opt.dir);
	/* Flawfinder: ignore: not a security check: whether the index exists yet */
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (!(text = hd_read_file(path, MAX_JSON, &len, err, sizeof err))) {
		hd_err("%s: %s", path, err);
		return -1;
	}
	for (char *s = text, *nl; s < text + len; s = nl + 1) {
		long l, c;
		char why[256];
		cJSON *o;
		nl = memchr(s, '\n', (size_t)(text + len - s));
		if (!nl)
			nl = text + len;
		lineno++;
		if (nl == s)
			continue;
		if (!(o = hd_json_parse(s, (size_t)(nl - s), &l, &c))) {
			hd_err_at(path, lineno, c, "not a JSON line");
			free(text);
			free_runs(rs);
			return -1;
		}
		if (hd_json_check_format(o, INDEX_FORMAT, RUN_VERSION, why,
		                         sizeof why) != 0) {
			hd_err_at(path, lineno, 0, "%s", why);
			cJSON_Delete(o);
			free(text);
			free_runs(rs);
			return -1;
		}
		const char *ev = jstr(o, "event"), *id = jstr(o, "run");
		if (ev && id && strcmp(ev, "run") == 0) {
			rs->id = hd_xrealloc(rs->id,
			                     (rs->n + 1) * sizeof *rs->id);
			rs->id[rs->n++] = hd_xstrdup(id);
		} else if (ev && id && strcmp(ev, "removed") == 0) {
			for (size_t i = 0; i < rs->n; i++)
				if (strcmp(rs->id[i], id) == 0) {
					free(rs->id[i]);
					rs->id[i] = rs->id[--rs->n];
					break;
				}
		}
		cJSON_Delete(o);
	}
	free(text);
	/* An index that lists no run leaves rs->id NULL, which qsort must
	 * not be given, even for no elements. */
	if (rs->n > 1)
		qsort(rs->id, rs->n, sizeof *rs->id, cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if ((k > 0 && strcmp(rs->id[k - 1], rs->id[i]) == 0) ||
		    !run_exists(rs->id[i]))
			free(rs->id[i]);
		else
			rs->id[k++] = rs->id[i];
	}
	rs->n = k;
	return 0;
}

/* Which run a name means: -, ~N, an id or a unique prefix of one.
 * Its index, or -1 after saying why. */
long resolve(const struct runs *rs, const char *ref)
{
	long found = -1;
	size_t n = strlen(ref);

	if (rs->n == 0) {
		hd_err("%s: no runs recorded", opt.dir);
		return -1;
	}
	if (strcmp(ref, "-") == 0)
		return (long)rs->n - 1;
	if (ref[0] == '~') {
		long back;
		if (hd_parse_long(ref + 1, 0, 1L << 30, &back) != 0) {
			hd_err("'%s' is not ~N", ref);
			return -1;
		}
		if ((size_t)back >= rs->n) {
			hd_err("%s: only %zu run%s recorded", ref, rs->n,
			       rs->n == 1 ? "" : "s");
			return -1;
		}
		return (long)rs->n - 1 - back;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (strncmp(rs->id[i], ref, n) == 0) {
			if (strcmp(rs->id[i], ref) == 0)
				return (long)i;
			if (found >= 0) {
				hd_err("'%s' names more than one run (%s, %s)",
				       ref, rs->id[found], rs->id[i]);
				return -1;
			}
			found = (long)i;
		}
	if (found < 0)
		hd_err("%s: no run '%s'", opt.dir, ref);
	return found;
}

static cJSON *read_part(const char *id, const char *kind)
{
	char path[4096], fmt[64];

	snprintf(path, sizeof path, "%s/%s/%s.json", opt.dir, id, kind);
	snprintf(fmt, sizeof fmt, "hd-run-%s", kind);
	return hd_json_read(path, fmt, RUN_VERSION);
}

void free_run(struct run *r)
{
	cJSON_Delete(r->params);
	cJSON_Delete(r->metrics);
	cJSON_Delete(r->tags);
	cJSON_Delete(r->dataset);
	cJSON_Delete(r->sig);
	cJSON_Delete(r->manifest);
	memset(r, 0, sizeof *r);
}

int load_run(const char *id, struct run *r)
{
	memset(r, 0, sizeof *r);
	r->id = (char *)id;
	if (!(r->params = read_part(id, "params")) ||
	    !(r->metrics = read_part(id, "metrics")) ||
	    !(r->tags = read_part(id, "tags")) ||
	    !(r->dataset = read_part(id, "dataset")) ||
	    !(r->sig = read_part(id, "signature")) ||
	    !(r->manifest = read_part(id, "manifest"))) {
		free_run(r);
		return -1;
	}
	return 0;
}

const cJSON *metric_map(const struct run *r)
{
	return jobj(r->metrics, "metrics");
}

/* A metric of a run by the name --sort takes; NaN when it has none. */
double run_metric(const struct run *r, const char *name)
{
	const cJSON *m = metric_map(r);
	const char *sel = jstr(r->metrics, "selected");
	char key[512];
	double x;

	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, name), NULL,
	                    &x) == 0)
		return x;
	if (!sel)
		return NAN;
	snprintf(key, sizeof key, "%s.test.%s", sel, name);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key), NULL,
	                    &x) == 0)
		return x;
	snprintf(key, sizeof key, "%s.%s", sel, name);
	if (hd_json_get_num(cJSON_GetObjectItemCaseSensitive(m, key), NULL,
	                    &x) == 0)
		return x;
	return NAN;
}

/* Which way --sort orders a metric: the figure's own direction
 * (hd_figure_list) by its last name, and a spread (roc_auc_std) low. */
static int lower_is_better(const char *name)
{
	const char *last = strrchr(name, '.');
	const struct hd_figure *f;

	last = last ? last + 1 : name;
	if ((f = hd_figure_find(last)))
		return f->better < 0;
	return strstr(last, "std") != NULL;
}

/* ---------------------------------------------------------------------
 * list
 * ------------------------------------------------------------------- */

struct row {
	struct run r;
	double key;
	size_t order;
};

static int sort_low;

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (isnan(x->key) != isnan(y->key))
		return isnan(x->key) ? 1 : -1;
	if (!isnan(x->key) && x->key != y->key)
		return (x->key < y->key) == sort_low ? -1 : 1;
	return x->order < y->order ? 1 : -1; /* newer first */
}

static void num_cell(double x, int width)
{
	if (isnan(x))
		emit("  %-*s", width, "-");
	else
		emit("  %-*.4f", width, x);
}

int cmd_list(void)
{
	struct runs rs;
	struct row *rows;
	size_t n = 0;
	int rc = 0;

	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	rows = hd_xcalloc(rs.n ? rs.n : 1, sizeof *rows);
	for (size_t i = 0; i < rs.n; i++) {
		if (load_run(rs.id[i], &rows[n].r) != 0) {
			rc = HD_EXIT_DATA;
			continue;
		}
		rows[n].order = i;
		rows[n].key = opt.sort ? run_metric(&rows[n].r, opt.sort)
		                       : (double)i;
		n++;
	}
	sort_low = opt.sort ? lower_is_better(opt.sort) : 0;
	qsort(rows, n, sizeof *rows, cmp_rows);
	if (opt.limit >= 0 && (size_t)opt.limit < n) {
		for (size_t i = (size_t)opt.limit; i < n; i++)
			free_run(&rows[i].r);
		n = (size_t)opt.limit;
	}
	if (opt.json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			struct run *r = &rows[i].r;
			cJSON *o = cJSON_CreateObject();
			const char *keys[] = { "status",  "experiment",
				               "start",   "end",
				               "command", "git_commit",
				               "step",    "message" };
			cJSON_AddStringToObject(o, "run", r->id);
			for (size_t k = 0; k < sizeof keys / sizeof keys[0];
			     k++)
				cJSON_AddItemToObject(
					o, keys[k],
					cJSON_Duplicate(
						cJSON_GetObjectItemCaseSensitive(
							r->tags, keys[k]),
						1));
			cJSON_AddItemToObject(
				o, "selected",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
							r->metrics, "selected"),
			                        1));
			double x = run_metric(r, "roc_auc");
			cJSON_AddItemToObject(o, "roc_auc",
			                      isnan(x) ? cJSON_CreateNull()
			                               : hd_json_num(x));
			if (opt.sort) {
				x = rows[i].key;
				cJSON_AddItemToObject(o, opt.sort,
				                      isnan(x)
				                              ? cJSON_CreateNull()
				                              : hd_json_num(x));
			}
			cJSON_AddItemToArray(a, o);
		}
		if (hd_json_write("-", a) != 0)
			rc = HD_EXIT_DATA;
		cJSON_Delete(a);
	} else if (n > 0) {
		int extra = opt.sort && strcmp(opt.sort, "roc_auc") != 0 &&
		            strcmp(opt.sort, "accuracy") != 0 &&
		            strcmp(opt.sort, "cv.roc_auc_mean") != 0;
		emit("%-26s  %-8s  %-8s  %-7s  %-8s  %-7s  %-8s  %-8s", "RUN",
		     "STATUS", "SELECTED", "ROC-AUC", "ACCURACY", "CV-AUC",
		     "COMMIT", "SECONDS");
		if (extra)
			emit("  %s", opt.sort);
		endline();
		for (size_t i = 0; i < n; i++) {
			struct run *r = &rows[i].r;
			const char *st = jstr(r->tags, "status"),
				   *sel = jstr(r->metrics, "selected");
			char cbuf[16];
			double d = NAN;
			hd_json_get_num(cJSON_GetObjectItemCaseSensitive(
						r->tags, "duration_s"),
			                NULL, &d);
			emit("%-26s  %-8s  %-8s", r->id, st ? st : "-",
			     sel ? sel : "-");
			num_cell(run_metric(r, "roc_auc"), 7);
			num_cell(run_metric(r, "accuracy"), 8);
			num_cell(run_metric(r, "cv.roc_auc_mean"), 7);
			emit("  %-8s", short_commit(r->tags, cbuf));
			if (isnan(d))
				emit("  %-8s", "-");
			else
				emit("  %-8.1f", d);
			if (extra)
				num_cell(rows[i].key, 0);
			endline();
		}
	}
	for (size_t i = 0; i < n; i++)
		free_run(&rows[i].r);
	free(rows);
	free_runs(&rs);
	return rc;
}

/* ---------------------------------------------------------------------
 * gc
 * ------------------------------------------------------------------- */

int cmd_gc(void)
{
	struct runs rs;
	int rc = 0;

	if (opt.keep < 0) {
		hd_err("gc needs --keep N");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (load_index(&rs) != 0)
		return HD_EXIT_DATA;
	for (size_t i = 0; i + (size_t)opt.keep < rs.n; i++) {
		char path[4096], now[40];
		struct timespec ts;
		cJSON *line = cJSON_CreateObject();
		/* A false positive: load_index frees only the ids it drops;
		 * rs.id[0 .. rs.n) are the kept ones. */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		snprintf(path, sizeof path, "%s/%s", opt.dir, rs.id[i]);
		rm_tree(path);
		clock_gettime(CLOCK_REALTIME, &ts);
		fmt_utc(ts.tv_sec, (int)(ts.tv_nsec / 1000000), now);
		hd_json_set_format(line, INDEX_FORMAT, RUN_VERSION);
		cJSON_AddStringToObject(line, "event", "removed");
		cJSON_AddStringToObject(line, "run", rs.id[i]);
		cJSON_AddStringToObject(line, "time", now);
		if (index_append(opt.dir, line) != 0)
			rc = HD_EXIT_DATA;
		else
			printf("removed %s\n", rs.id[i]);
		cJSON_Delete(line);
	}
	free_runs(&rs);
	return rc;
}
