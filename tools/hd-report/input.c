/*
 * input.c - hd-report's inputs: the members of a JSON input, found or
 * named as missing (once per file), and reading and checking every
 * input before anything is written.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---------------------------------------------------------------------
 * Members of the inputs, found or named as missing
 * ------------------------------------------------------------------- */

/* Append s to path, cut at its end: a path only names a place in a
 * message. */
static void path_add(char path[PATH_LEN], const char *s)
{
	size_t n = strlen(path), k = strlen(s);

	if (k > PATH_LEN - 1 - n)
		k = PATH_LEN - 1 - n;
	memcpy(path + n, s, k);
	path[n + k] = '\0';
}

struct node top(struct input *in)
{
	struct node n = { in, in->doc, "" };

	return n;
}

/* The node of item c (a member of n, or an element when key is NULL). */
static struct node child(struct node n, const cJSON *c, const char *key,
                         size_t index)
{
	struct node k = { n.in, c, "" };
	char ix[32];

	path_add(k.path, n.path);
	if (key != NULL) {
		path_add(k.path, n.path[0] ? "." : "");
		path_add(k.path, key);
	} else {
		snprintf(ix, sizeof ix, "[%zu]", index);
		path_add(k.path, ix);
	}
	return k;
}

/* Member key of n; j is NULL when n is no object or has no such member. */
struct node at(struct node n, const char *key)
{
	return child(n,
	             cJSON_IsObject(n.j)
	                     ? cJSON_GetObjectItemCaseSensitive(n.j, key)
	                     : NULL,
	             key, 0);
}

/* Say what is wrong at n, the first time only for its file; the run
 * then fails. */
static void __attribute__((format(printf, 2, 3)))
bad(struct node n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (n.in->bad++)
		return;
	va_start(ap, fmt);
	msg = hd_xvprintf(fmt, ap);
	va_end(ap);
	hd_err("%s: %s", n.in->path, msg);
	free(msg);
}

/* The number at c, which must be one; null (undefined) reads as NaN. */
static double number(struct node c)
{
	double x;

	if (hd_json_get_num(c.j, NULL, &x) != 0) {
		bad(c, "no number \"%s\"", c.path);
		return NAN;
	}
	return x;
}

/* Member key of n, a number. */
double num(struct node n, const char *key)
{
	return number(at(n, key));
}

/* Element i of array n, a number. */
double num_at(struct node n, int i)
{
	return number(
		child(n, cJSON_IsArray(n.j) ? cJSON_GetArrayItem(n.j, i) : NULL,
	              NULL, (size_t)i));
}

/* The same, NaN when absent. */
double opt_num(struct node n, const char *key)
{
	return at(n, key).j == NULL ? NAN : num(n, key);
}

const char *str(struct node n, const char *key)
{
	struct node c = at(n, key);

	if (!cJSON_IsString(c.j)) {
		bad(c, "no string \"%s\"", c.path);
		return "";
	}
	return c.j->valuestring;
}

/* A member that must be an object (or, with array set, an array). */
struct node need(struct node n, const char *key, int array)
{
	struct node c = at(n, key);

	if (array ? !cJSON_IsArray(c.j) : !cJSON_IsObject(c.j)) {
		bad(c, "no %s \"%s\"", array ? "array" : "object", c.path);
		c.j = NULL;
	}
	return c;
}

struct node obj(struct node n, const char *key)
{
	return need(n, key, 0);
}

/* The children of n in order: for (c = first(n); c.j; c = next(n, c)). */
struct node first(struct node n)
{
	const cJSON *c = n.j && (cJSON_IsObject(n.j) || cJSON_IsArray(n.j))
	                         ? n.j->child
	                         : NULL;

	return child(n, c, c && cJSON_IsObject(n.j) ? c->string : NULL, 0);
}

struct node next(struct node n, struct node c)
{
	size_t i = 0;

	for (const cJSON *p = n.j->child; p != c.j; p = p->next)
		i++;
	return child(n, c.j->next,
	             c.j->next && cJSON_IsObject(n.j) ? c.j->next->string
	                                              : NULL,
	             i + 1);
}

/* The key of member c (its name in the parent object). */
const char *key_of(struct node c)
{
	return c.j && c.j->string ? c.j->string : "";
}

/*
 * The number at key as its file has it, for data-value: the shortest
 * text that reads back as the same double (how every hd tool writes
 * numbers), or "null".
 */
const char *raw(struct node n, const char *key, char buf[HD_NUMBUF])
{
	double x = num(n, key);

	if (isnan(x))
		return memcpy(buf, "null", sizeof "null");
	return hd_fmt_double(buf, x);
}

/* Figure f of an evaluation's figures object n: required when it is a
 * member of n itself, NaN when its group (calibration) lacks it. */
double fig(struct node n, const struct hd_figure *f)
{
	return f->group ? opt_num(at(n, f->group), f->name) : num(n, f->name);
}

/* The 95 % interval called name under n's "intervals": 0 with *lo and
 * *hi (NaN where undefined), or -1 when there is none. */
int interval(struct node n, const char *name, double *lo, double *hi)
{
	struct node c;

	*lo = *hi = NAN;
	if (name == NULL)
		return -1;
	c = at(at(n, "intervals"), name);
	if (c.j == NULL)
		return -1;
	*lo = num(c, "lo");
	*hi = num(c, "hi");
	return 0;
}

const struct hd_figure *figure(const char *name)
{
	const struct hd_figure *f = hd_figure_find(name);

	if (f == NULL) { /* the table in metrics.c lost a row */
		hd_err("no figure '%s' in the library", name);
		abort();
	}
	return f;
}


/* ---------------------------------------------------------------------
 * Reading the inputs
 * ------------------------------------------------------------------- */

static int read_json(struct input *in, const char *fmt, int version)
{
	in->doc = hd_json_read_sha256(in->path, fmt, version, in->sha256);
	return in->doc != NULL ? 0 : -1;
}

static int starts(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) >= n && memcmp(s, word, n) == 0;
}

/* Just past the first occurrence of word at or after s, or NULL. */
static const char *past(const char *s, const char *end, const char *word)
{
	for (; s < end; s++)
		if (starts(s, end, word))
			return s + strlen(word);
	return NULL;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The MIME type of an image given to --plot: a PNG file (by its
 * signature, and whole: its last chunk is IEND), or an SVG document (an
 * XML document whose root element is svg, and whole: it ends with
 * </svg>).  NULL, with why, for anything else: a plot that gnuplot cut
 * short must not be shown as if it were the figure.
 */
static const char *image_type(const char *p, size_t len, const char **why)
{
	static const char png[] = "\x89PNG\r\n\x1a\n";
	static const char iend[] = "IEND\xae\x42\x60\x82";
	const char *s = p, *end = p + len;

	if (starts(s, end, png)) {
		if (len < 8 + 12 || memcmp(end - 8, iend, 8) != 0) {
			*why = "a PNG image without its last chunk (IEND): cut "
			       "short?";
			return NULL;
		}
		return "image/png";
	}
	if (starts(s, end, "\xef\xbb\xbf"))
		s += 3;
	/* Before the root: white space, the XML declaration, processing
	 * instructions, comments and a DOCTYPE (with no internal subset). */
	for (;;) {
		while (s < end && blank(*s))
			s++;
		if (starts(s, end, "<?"))
			s = past(s, end, "?>");
		else if (starts(s, end, "<!--"))
			s = past(s, end, "-->");
		else if (starts(s, end, "<!DOCTYPE"))
			s = past(s, end, ">");
		else
			break;
		if (s == NULL) {
			*why = "not an SVG image: a declaration or comment is "
			       "never closed";
			return NULL;
		}
	}
	if (!starts(s, end, "<svg") || end - s < 5 ||
	    !(blank(s[4]) || s[4] == '>' || s[4] == '/')) {
		*why = "neither an SVG image (an XML document whose root is "
		       "<svg>) nor a PNG image";
		return NULL;
	}
	while (end > s && blank(end[-1]))
		end--;
	if (end - s < 6 || memcmp(end - 6, "</svg>", 6) != 0) {
		*why = "an SVG image that does not end with </svg>: cut short?";
		return NULL;
	}
	return "image/svg+xml";
}

static int read_plot(struct plot *p)
{
	const char *why;
	char err[300];

	p->data = hd_read_file(p->path, MAX_IMAGE, &p->len, err, sizeof err);
	if (p->data == NULL) {
		hd_err("%s: %s", p->path, err);
		return -1;
	}
	if ((p->mime = image_type(p->data, p->len, &why)) == NULL) {
		hd_err("%s: %s", p->path, why);
		return -1;
	}
	hd_sha256_hex(p->data, p->len, p->sha256);
	return 0;
}

/*
 * A model's metrics, the model file they name (which must be the one
 * they evaluated) and its leave-one-site-out results, which must be of
 * the same kind and hyperparameters, and of the data given with --data.
 * Not of the same file: hd-loso refits the model's recipe and uses none
 * of what it learned, and a refit of the same recipe is another file
 * (it records when it was made), which make need not rerun hd-loso for.
 */
static int load_cand(struct report *r, struct cand *c)
{
	struct node m, lm, ld;
	const char *sha, *lkind;
	char err[300];

	if (read_json(&c->metrics, HD_METRICS_FORMAT, HD_METRICS_VERSION) != 0)
		return -1;
	if (cJSON_IsNull(at(top(&c->metrics), "model").j)) {
		hd_err("%s: made from scores alone (hd-eval --scores), so it "
		       "names no model to report on",
		       c->metrics.path);
		return -1;
	}
	m = obj(top(&c->metrics), "model");
	c->model_path = str(m, "file");
	sha = str(m, "sha256");
	obj(top(&c->metrics), "test");
	if (c->metrics.bad)
		return -1;
	if (hd_model_load(&c->model, c->model_path, 0, err, sizeof err) != 0) {
		hd_err("%s: its model file %s: %s", c->metrics.path,
		       c->model_path, err);
		return -1;
	}
	c->mfile.path = c->model_path;
	c->mfile.doc = c->model.doc;
	memcpy(c->mfile.sha256, c->model.sha256, HD_SHA256_HEX);
	if (strcmp(c->model.sha256, sha) != 0) {
		hd_err("%s: model file %s has changed since it was evaluated "
		       "(its sha256 is %s, the metrics were made with %s); "
		       "evaluate it again",
		       c->metrics.path, c->model_path, c->model.sha256, sha);
		return -1;
	}
	if (c->loso.path == NULL)
		return 0;
	if (read_json(&c->loso, LOSO_FORMAT, 1) != 0)
		return -1;
	lm = obj(top(&c->loso), "model");
	ld = obj(top(&c->loso), "data");
	lkind = str(lm, "kind");
	obj(top(&c->loso), "sites");
	if (c->loso.bad)
		return -1;
	if (strcmp(lkind, hd_model_kind_name(c->model.kind)) != 0 ||
	    !cJSON_Compare(at(lm, "hyperparameters").j,
	                   at(top(&c->mfile), "hyperparameters").j, 1)) {
		hd_err("%s: made from a %s with other hyperparameters than %s, "
		       "which %s evaluated: they are not one model",
		       c->loso.path, lkind, c->model_path, c->metrics.path);
		return -1;
	}
	if (r->data_path != NULL &&
	    strcmp(str(ld, "sha256"), r->data_sha256) != 0) {
		hd_err("%s: made from data with sha256 %s, but --data %s has "
		       "sha256 %s",
		       c->loso.path, str(ld, "sha256"), r->data_path,
		       r->data_sha256);
		return -1;
	}
	return c->loso.bad ? -1 : 0;
}

/* The selected model, and which candidate it is. */
static int load_selected(struct report *r)
{
	struct node sel, cs, w = { 0 };
	char err[300];

	if (hd_model_load(&r->selected, r->sel.path, 0, err, sizeof err) != 0) {
		hd_err("%s: %s", r->sel.path, err);
		return -1;
	}
	r->sel.doc = r->selected.doc;
	memcpy(r->sel.sha256, r->selected.sha256, HD_SHA256_HEX);
	sel = obj(top(&r->sel), "selection");
	str(sel, "metric");
	cs = need(sel, "candidates", 1);
	for (struct node c = first(cs); c.j; c = next(cs, c))
		if (cJSON_IsTrue(at(c, "selected").j))
			w = c;
	if (r->sel.bad)
		return -1;
	if (w.j == NULL) {
		hd_err("%s: no candidate of \"selection.candidates\" has "
		       "\"selected\": true",
		       r->sel.path);
		return -1;
	}
	for (size_t i = 0; i < r->ncand; i++)
		if (strcmp(r->cand[i].model.sha256, str(w, "sha256")) == 0) {
			r->winner = i;
			return r->sel.bad ? -1 : 0;
		}
	hd_err("%s: the model it selected, %s (sha256 %s), is none of those "
	       "given with --metrics",
	       r->sel.path, str(w, "file"), str(w, "sha256"));
	return -1;
}

/* Every input, each error said; 0 or -1. */
int load(struct report *r)
{
	int rc = 0;

	if (r->data_path != NULL &&
	    hd_sha256_file(r->data_path, r->data_sha256) != 0) {
		hd_err("%s: %s", r->data_path, strerror(errno));
		rc = -1;
	}
	if (read_json(&r->eda, EDA_FORMAT, 1) != 0)
		rc = -1;
	for (size_t i = 0; i < r->ncand; i++)
		if (load_cand(r, &r->cand[i]) != 0)
			rc = -1;
	for (size_t i = 0; i < r->nplots; i++)
		if (read_plot(&r->plot[i]) != 0)
			rc = -1;
	if (rc == 0 && load_selected(r) != 0)
		rc = -1;
	return rc;
}

/* Was anything missing, in any input, while the page was made? */
int any_bad(const struct report *r)
{
	int bad = r->eda.bad || r->sel.bad;

	for (size_t i = 0; i < r->ncand; i++)
		bad |= r->cand[i].metrics.bad || r->cand[i].loso.bad ||
		       r->cand[i].mfile.bad;
	return bad;
}

void report_free(struct report *r)
{
	cJSON_Delete(r->eda.doc);
	hd_model_free(&r->selected);
	for (size_t i = 0; i < r->ncand; i++) {
		free(r->cand[i].name);
		cJSON_Delete(r->cand[i].metrics.doc);
		cJSON_Delete(r->cand[i].loso.doc);
		hd_model_free(&r->cand[i].model);
	}
	for (size_t i = 0; i < r->nplots; i++) {
		free(r->plot[i].path);
		free(r->plot[i].caption);
		free(r->plot[i].data);
	}
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->param[i].key);
		free(r->param[i].value);
	}
}
