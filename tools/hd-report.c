/*
 * hd-report - one self-contained HTML page about a pipeline run, with
 * the selected model's model card (Mitchell et al. 2019), which it also
 * writes as Markdown.
 *
 * The page holds the data and its quality (hd-eda's summary), the
 * figures, both models' test metrics, the selection and why, subgroups
 * and leave-one-site-out, the run's parameters and digests, and the
 * card.  It needs no network: the style is inline, and every image is
 * an <img> whose src is a data: URI.  Never inline <svg>: gnuplot gives
 * the elements of every file it writes the same ids, which would
 * collide in one page, and an image cannot run a script.
 *
 * Determinism: the page and the card are functions of the inputs'
 * bytes and the options.  No clock, host, user or working directory
 * goes in, so the same inputs give the same bytes; when, where and from
 * which commit a run was made is the run record's business.
 *
 * Every input is read and checked before anything is written; the page
 * and the card are then made in memory, each member looked up by a
 * getter that names the file and the member when it is missing (once
 * per file), and only when every input was whole are the two files
 * written, each atomically.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[-o REPORT.html] [--card CARD.md] --eda SUMMARY.json\n"
	"       --selected MODEL.json --metrics NAME=METRICS.json...\n"
	"       [--loso NAME=LOSO.json]... [--data CLEAN.csv]\n"
	"       [--plot FILE[=CAPTION]]... [--param KEY=VALUE]...",
	"Write one self-contained HTML page about a run (no network: the style\n"
	"is inline, every image embedded) with the selected model's model card,\n"
	"and the card alone in Markdown.  The same inputs give the same bytes.\n"
	"\n"
	"  -o, --output FILE          the page, written atomically (default:\n"
	"                             standard output)\n"
	"  -c, --card FILE            also the model card, in Markdown\n"
	"  -e, --eda FILE             hd-eda's summary of the clean data\n"
	"  -s, --selected FILE        hd-select's model file\n"
	"  -m, --metrics NAME=FILE    hd-eval's metrics of one model; NAME\n"
	"                             (letters, digits, _ and -) names it in\n"
	"                             the page; once per model\n"
	"  -l, --loso NAME=FILE       hd-loso's results for model NAME\n"
	"  -d, --data FILE            the clean CSV, for its SHA-256\n"
	"  -p, --plot FILE[=CAPTION]  embed an SVG or PNG image, in this order\n"
	"  -P, --param KEY=VALUE      a run parameter to show, in this order\n"
	"      --help                 show this help\n"
	"      --version              show the version\n",
};

#define MAX_MODELS 16
#define MAX_PLOTS 256
#define MAX_PARAMS 256
#define MAX_NAME 32
#define MAX_IMAGE (64u << 20)   /* bytes of one image */
#define MAX_COLS 20

/* A subgroup this small gets a caveat: its figures are mostly noise. */
#define SMALL_ROWS 30
#define SMALL_CLASS 10

#define EDA_FORMAT "hd-eda-summary"
#define LOSO_FORMAT "hd-loso"

/* ---------------------------------------------------------------------
 * The inputs
 * ------------------------------------------------------------------- */

/*
 * A JSON input: the document (owned), the digest of its bytes, and
 * whether something was found missing in it (said once per file).
 */
struct input {
	const char *path;       /* NULL when not given */
	cJSON *doc;
	char sha256[HD_SHA256_HEX];
	int bad;
};

/*
 * One evaluated model: --metrics NAME=FILE, the model file those
 * metrics name (checked against the digest they recorded), and
 * --loso NAME=FILE.
 */
struct cand {
	char *name;             /* owned */
	struct input metrics, loso;
	const char *model_path; /* inside metrics.doc */
	struct hd_model model;  /* loaded from model_path */
	struct input mfile;     /* model.doc as an input (not owned) */
};

struct plot {
	char *path, *caption;   /* owned; caption NULL: none given */
	char *data;             /* the file's bytes, owned */
	size_t len;
	const char *mime;
	char sha256[HD_SHA256_HEX];
};

struct param {
	char *key, *value;      /* owned */
};

struct report {
	struct input eda;
	struct hd_model selected;
	struct input sel;       /* selected.doc as an input (not owned) */
	struct cand cand[MAX_MODELS];
	size_t ncand;
	size_t winner;          /* index into cand[] */
	struct plot plot[MAX_PLOTS];
	size_t nplots;
	struct param param[MAX_PARAMS];
	size_t nparams;
	const char *data_path;  /* --data, or NULL */
	char data_sha256[HD_SHA256_HEX];
};

/* ---------------------------------------------------------------------
 * Members of the inputs, found or named as missing
 * ------------------------------------------------------------------- */

/* A place in an input's document, and its path for diagnostics. */
#define PATH_LEN 256
struct node {
	struct input *in;
	const cJSON *j;         /* NULL when absent */
	char path[PATH_LEN];    /* "test.intervals.roc_auc"; "" at the top */
};

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

static struct node top(struct input *in)
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
static struct node at(struct node n, const char *key)
{
	return child(n, cJSON_IsObject(n.j) ?
	             cJSON_GetObjectItemCaseSensitive(n.j, key) : NULL, key, 0);
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
static double num(struct node n, const char *key)
{
	return number(at(n, key));
}

/* Element i of array n, a number. */
static double num_at(struct node n, int i)
{
	return number(child(n, cJSON_IsArray(n.j) ?
	                    cJSON_GetArrayItem(n.j, i) : NULL, NULL, (size_t)i));
}

/* The same, NaN when absent. */
static double opt_num(struct node n, const char *key)
{
	return at(n, key).j == NULL ? NAN : num(n, key);
}

static const char *str(struct node n, const char *key)
{
	struct node c = at(n, key);

	if (!cJSON_IsString(c.j)) {
		bad(c, "no string \"%s\"", c.path);
		return "";
	}
	return c.j->valuestring;
}

/* A member that must be an object (or, with array set, an array). */
static struct node need(struct node n, const char *key, int array)
{
	struct node c = at(n, key);

	if (array ? !cJSON_IsArray(c.j) : !cJSON_IsObject(c.j)) {
		bad(c, "no %s \"%s\"", array ? "array" : "object", c.path);
		c.j = NULL;
	}
	return c;
}

static struct node obj(struct node n, const char *key)
{
	return need(n, key, 0);
}

/* The children of n in order: for (c = first(n); c.j; c = next(n, c)). */
static struct node first(struct node n)
{
	const cJSON *c = n.j && (cJSON_IsObject(n.j) || cJSON_IsArray(n.j)) ?
	                 n.j->child : NULL;

	return child(n, c, c && cJSON_IsObject(n.j) ? c->string : NULL, 0);
}

static struct node next(struct node n, struct node c)
{
	size_t i = 0;

	for (const cJSON *p = n.j->child; p != c.j; p = p->next)
		i++;
	return child(n, c.j->next, c.j->next && cJSON_IsObject(n.j) ?
	             c.j->next->string : NULL, i + 1);
}

/* The key of member c (its name in the parent object). */
static const char *key_of(struct node c)
{
	return c.j && c.j->string ? c.j->string : "";
}

/*
 * The number at key as its file has it, for data-value: the shortest
 * text that reads back as the same double (how every hd tool writes
 * numbers), or "null".
 */
static const char *raw(struct node n, const char *key, char buf[HD_NUMBUF])
{
	double x = num(n, key);

	if (isnan(x))
		return strcpy(buf, "null");
	return hd_fmt_double(buf, x);
}

/* Figure f of an evaluation's figures object n: required when it is a
 * member of n itself, NaN when its group (calibration) lacks it. */
static double fig(struct node n, const struct hd_figure *f)
{
	return f->group ? opt_num(at(n, f->group), f->name) : num(n, f->name);
}

/* The 95 % interval called name under n's "intervals": 0 with *lo and
 * *hi (NaN where undefined), or -1 when there is none. */
static int interval(struct node n, const char *name, double *lo, double *hi)
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

static const struct hd_figure *figure(const char *name)
{
	const struct hd_figure *f = hd_figure_find(name);

	if (f == NULL) {        /* the table in metrics.c lost a row */
		hd_err("no figure '%s' in the library", name);
		abort();
	}
	return f;
}

/* ---------------------------------------------------------------------
 * Numbers as people read them
 * ------------------------------------------------------------------- */

#define TXT 64
#define DASH "\u2013"

/*
 * The text of a number lives in a ring of buffers, so that a sentence
 * may format a dozen numbers in one call; each stays valid for the next
 * RING - 1 formats.
 */
#define RING 32
static char *ring(void)
{
	static char buf[RING][TXT];
	static unsigned next;

	return buf[next++ % RING];
}

/* x with 3 decimals ("-0.000" never; 4 digits when huge), or a dash
 * when undefined. */
static const char *f3(double x)
{
	char *b = ring();

	if (isnan(x))
		return DASH;
	snprintf(b, TXT, fabs(x) < 1e9 ? "%.3f" : "%.4g",
	         fabs(x) < 0.0005 ? 0.0 : x);
	return b;
}

/* A count: a whole number, or a dash. */
static const char *cnt(double x)
{
	char *b = ring();

	if (isnan(x))
		return DASH;
	snprintf(b, TXT, fabs(x) < 1e15 ? "%.0f" : "%.4g", x);
	return b;
}

/* part of whole as "12.3%", or a dash. */
static const char *pct(double part, double whole)
{
	char *b = ring();

	if (isnan(part) || isnan(whole) || whole <= 0)
		return DASH;
	snprintf(b, TXT, "%.1f%%", fabs(part) < 1e9 * whole ?
	         100 * part / whole : NAN);
	return b;
}

/* "[0.866, 0.947]", or a dash. */
static const char *ci(double lo, double hi)
{
	char *b = ring();
	int n;

	if (isnan(lo) || isnan(hi))
		return DASH;
	n = snprintf(b, TXT, "[%s, %s]", f3(lo), f3(hi));
	return n > 0 && n < TXT ? b : DASH;    /* f3's are short */
}

/* A figure with its interval, "0.910 [0.866, 0.947]". */
static const char *with_ci(struct node figs, const struct hd_figure *f)
{
	char *b = ring();
	double lo, hi;
	int n;

	if (interval(figs, f->interval, &lo, &hi) != 0)
		return f3(fig(figs, f));
	n = snprintf(b, TXT, "%s %s", f3(fig(figs, f)), ci(lo, hi));
	return n > 0 && n < TXT ? b : DASH;
}

/* "logistic_regression" -> "logistic regression". */
static const char *kind_label(const char *kind)
{
	if (strcmp(kind, "logistic_regression") == 0)
		return "logistic regression";
	if (strcmp(kind, "random_forest") == 0)
		return "random forest";
	return kind;
}

/* The centres behind the UCI file names (the data set's documentation). */
static const char *site_label(const char *site)
{
	static const struct { const char *key, *name; } sites[] = {
		{ "cleveland", "Cleveland Clinic Foundation, Cleveland, Ohio" },
		{ "hungarian", "Hungarian Institute of Cardiology, Budapest" },
		{ "switzerland", "University Hospitals of Zurich and Basel" },
		{ "va", "V.A. Medical Center, Long Beach, California" },
	};

	for (size_t i = 0; i < sizeof sites / sizeof sites[0]; i++)
		if (strcmp(sites[i].key, site) == 0)
			return sites[i].name;
	return "";
}

/* UCI's coding of sex. */
static const char *sex_label(const char *v)
{
	return strcmp(v, "0") == 0 ? "female (sex 0)" :
	       strcmp(v, "1") == 0 ? "male (sex 1)" : v;
}

/* ---------------------------------------------------------------------
 * One text, in HTML and (for the card) in Markdown too
 * ------------------------------------------------------------------- */

/*
 * Everything taken from an input is text: escaped for the format, and
 * a control byte (JSON may carry one as \u0001) shown as \xNN.  Both
 * outputs are UTF-8, as the inputs are (JSON is checked to be; so is
 * every option argument the page shows).
 */
static int put_control(FILE *fp, unsigned char c)
{
	if (c >= 0x20 && c != 0x7f)
		return 0;
	fprintf(fp, "\\x%02x", c);
	return 1;
}

static void put_html(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default:
			if (!put_control(fp, (unsigned char)*s))
				fputc(*s, fp);
		}
	}
}

/* Markdown: a backslash before every character that could start
 * markup (CommonMark lets any ASCII punctuation be escaped so); with
 * '[' escaped, no ']' or '!' can make a link or an image. */
static void put_md(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[<>|#~&", *s) != NULL)
			fputc('\\', fp);
		if (!put_control(fp, (unsigned char)*s))
			fputc(*s, fp);
	}
}

struct doc {
	FILE *h;                /* HTML */
	FILE *m;                /* Markdown as well, or NULL */
	int list;               /* a list is open */
};

static void end_list(struct doc *d)
{
	if (!d->list)
		return;
	fputs("</ul>\n", d->h);
	if (d->m)
		fputc('\n', d->m);
	d->list = 0;
}

/*
 * One block of text, formatted: in HTML between hopen and hclose, in
 * Markdown after mpre and before msuf.
 */
static void block(struct doc *d, const char *hopen, const char *hclose,
                  const char *mpre, const char *msuf, const char *fmt,
                  va_list ap)
{
	char *s = hd_xvprintf(fmt, ap);

	fputs(hopen, d->h);
	put_html(d->h, s);
	fputs(hclose, d->h);
	if (d->m) {
		fputs(mpre, d->m);
		put_md(d->m, s);
		fputs(msuf, d->m);
	}
	free(s);
}

/* A heading at HTML level 2 to 4 (one '#' less in Markdown); id is a
 * word of the code's or a checked model name. */
static void __attribute__((format(printf, 4, 5)))
heading(struct doc *d, int level, const char *id, const char *fmt, ...)
{
	static const char *const hashes[] = { "", "", "# ", "## ", "### " };
	char open[MAX_NAME + 64], close[8];
	va_list ap;

	end_list(d);
	snprintf(open, sizeof open, "<h%d id=\"%.*s\">", level, MAX_NAME + 32,
	         id);
	snprintf(close, sizeof close, "</h%d>\n", level);
	va_start(ap, fmt);
	block(d, open, close, hashes[level], "\n\n", fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
para(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	end_list(d);
	va_start(ap, fmt);
	block(d, "<p>", "</p>\n", "", "\n\n", fmt, ap);
	va_end(ap);
}

/* An item of the list open, or of a new one. */
static void __attribute__((format(printf, 2, 3)))
item(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->list)
		fputs("<ul>\n", d->h);
	d->list = 1;
	va_start(ap, fmt);
	block(d, "<li>", "</li>\n", "- ", "\n", fmt, ap);
	va_end(ap);
}

/* A table's cells, formatted, until row_put writes and frees them. */
struct row {
	size_t n;
	char *cell[MAX_COLS];
};

static void __attribute__((format(printf, 2, 3)))
cell(struct row *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n == MAX_COLS) { /* a table here has fewer columns */
		hd_err("a table row has more than %d cells", MAX_COLS);
		abort();
	}
	va_start(ap, fmt);
	r->cell[r->n++] = hd_xvprintf(fmt, ap);
	va_end(ap);
}

/*
 * Write a row and free its cells: in HTML, the first cell names the row
 * (a heading cell, th) and the others are data, or all are column
 * headings when head is set; in Markdown, "| a | b |".
 */
static void put_row(struct doc *d, struct row *r, int head)
{
	fputs("<tr>", d->h);
	for (size_t i = 0; i < r->n; i++) {
		/* Words align left, figures right. */
		int word = (r->cell[i][0] | 0x20) >= 'a' &&
		           (r->cell[i][0] | 0x20) <= 'z';

		fputs(head ? "<th scope=\"col\">" : i == 0 ?
		      "<th scope=\"row\">" : word ? "<td class=\"t\">" : "<td>",
		      d->h);
		put_html(d->h, r->cell[i]);
		fputs(head || i == 0 ? "</th>" : "</td>", d->h);
	}
	fputs("</tr>\n", d->h);
	if (d->m) {
		fputc('|', d->m);
		for (size_t i = 0; i < r->n; i++) {
			fputc(' ', d->m);
			put_md(d->m, r->cell[i]);
			fputs(" |", d->m);
		}
		fputc('\n', d->m);
	}
	for (size_t i = 0; i < r->n; i++)
		free(r->cell[i]);
}

static void row_put(struct doc *d, struct row *r)
{
	put_row(d, r, 0);
	r->n = 0;
}

/*
 * A table, wrapped so that it scrolls sideways on a narrow screen, with
 * the column headings in head.  The first column names the row; the
 * others are figures, right-aligned.
 */
static void table_open(struct doc *d, const char *id, const char *caption,
                       struct row *head)
{
	size_t n = head->n;

	end_list(d);
	fputs("<div class=\"scroll\"><table", d->h);
	if (id != NULL) {
		fputs(" id=\"", d->h);
		put_html(d->h, id);
		fputc('"', d->h);
	}
	fputs(">\n<caption>", d->h);
	put_html(d->h, caption);
	fputs("</caption>\n<thead>", d->h);
	if (d->m) {
		put_md(d->m, caption);
		fputs("\n\n", d->m);
	}
	put_row(d, head, 1);
	head->n = 0;
	fputs("</thead>\n<tbody>\n", d->h);
	if (d->m) {
		fputc('|', d->m);
		for (size_t i = 0; i < n; i++)
			fputs(i == 0 ? " :-- |" : " --: |", d->m);
		fputc('\n', d->m);
	}
}

static void table_close(struct doc *d)
{
	fputs("</tbody>\n</table></div>\n", d->h);
	if (d->m)
		fputc('\n', d->m);
}

/* ---------------------------------------------------------------------
 * Facts shared by the page and the card
 * ------------------------------------------------------------------- */

/* A memory stream for text built in pieces; out of memory aborts. */
static FILE *memopen(char **buf, size_t *len)
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
static char *json_text(const cJSON *j)
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
static const char *param(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->param[i].key, key) == 0)
			return r->param[i].value;
	return NULL;
}

/* "logistic regression" or "random forest". */
static const char *kind_of(const struct cand *c)
{
	return kind_label(hd_model_kind_name(c->model.kind));
}

static struct cand *winner(struct report *r)
{
	return &r->cand[r->winner];
}

static struct node test_of(struct cand *c)
{
	return obj(top(&c->metrics), "test");
}

/* The candidate whose evaluated model has this digest, or NULL. */
static struct cand *cand_by_sha(struct report *r, const char *sha)
{
	for (size_t i = 0; i < r->ncand; i++)
		if (strcmp(r->cand[i].model.sha256, sha) == 0)
			return &r->cand[i];
	return NULL;
}

static struct node selection(struct report *r)
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
	    interval(test_of(u), f->interval, &lo[1], &hi[1]) ||
	    isnan(lo[0]) || isnan(hi[0]) || isnan(lo[1]) || isnan(hi[1]))
		return hd_xprintf("The metrics hold no 95%% interval of test %s "
		                  "for both models, so whether the margin "
		                  "exceeds the test set's noise is not known.",
		                  name);
	if (lo[0] <= hi[1] && lo[1] <= hi[0])
		return hd_xprintf("The 95%% intervals of test %s overlap (%s "
		                  "%s, %s %s): this test set does not tell the "
		                  "two models apart, so the choice rests on a "
		                  "difference within its noise.", name, w->name,
		                  ci(lo[0], hi[0]), u->name,
		                  ci(lo[1], hi[1]));
	return hd_xprintf("The 95%% intervals of test %s do not overlap (%s "
	                  "%s, %s %s): the difference is larger than this "
	                  "test set's noise.", name, w->name,
	                  ci(lo[0], hi[0]), u->name, ci(lo[1], hi[1]));
}

/* The overlap sentence as a paragraph, or as an item of a list. */
static void say_overlap(struct report *r, struct doc *d, int as_item)
{
	char *ov = overlap(r);

	if (ov != NULL && as_item)
		item(d, "%s", ov);
	else if (ov != NULL)
		para(d, "%s", ov);
	free(ov);
}

/* A cross-validated ROC-AUC, "0.877 \u00b1 0.027", or a dash. */
static void cv_cell(struct row *row, struct node cv)
{
	if (cJSON_IsObject(cv.j))
		cell(row, "%s \u00b1 %s", f3(num(cv, "mean")),
		     f3(num(cv, "std")));
	else
		cell(row, DASH);
}

/* Why a subgroup is too small to read much into, or NULL; the caller
 * frees it. */
static char *smallness(struct node g)
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
static void data_caveats(struct report *r, struct doc *d)
{
	struct node sites = obj(top(&r->eda), "sites");

	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		double rows = num(s, "rows");
		struct node z = obj(s, "zeros");

		for (struct node c = first(z); c.j; c = next(z, c)) {
			double k = num(z, key_of(c));

			if (k > 0)
				item(d, "%s is 0 in %s of the %s rows from %s "
				     "(%s%s): not measured there, yet read as a "
				     "value unless hd-clean --zeros-missing makes "
				     "it missing.", key_of(c), cnt(k),
				     cnt(rows), key_of(s), pct(k, rows),
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
			fprintf(fp, "%s%s %s", s.j == sites.j->child ? "" : ", ",
			        key_of(s), pct(m, rows));
		}
		fclose(fp);
		if (most)
			item(d, "%s is missing in most rows of some site (%s): "
			     "the model fills it in with the training %s, so "
			     "there it tells the model little.", name, list,
			     hd_features[f].kind == HD_NUMERIC ? "median" :
			     "mode");
		free(list);
	}
}

/* The sites with the lowest and the highest share of heart disease. */
static void prevalence_range(struct report *r, struct node *lo,
                             struct node *hi)
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
static double level_count(struct report *r, const char *name, double v)
{
	struct node ls = need(at(obj(top(&r->eda), "categorical"), name),
	                      "levels", 1);

	for (struct node l = first(ls); l.j; l = next(ls, l))
		if (num(l, "value") == v)
			return num(l, "count");
	return 0;
}

/* The figures of an evaluation as table cells (after its label). */
static const char *const fig_cols[] = {
	"roc_auc", "accuracy", "recall", "precision", "brier", NULL
};

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
static void subgroup_tables(struct doc *d, struct cand *c)
{
	static const struct { const char *key, *head; } factors[] = {
		{ "site", "Site" }, { "sex", "Sex" },
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

			cell(&row, "%s", i == 1 ? sex_label(key_of(g)) : key_of(g));
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
static void loso_table(struct doc *d, struct cand *c)
{
	struct node sites = obj(top(&c->loso), "sites");
	struct row row = { 0 };
	char *cap = hd_xprintf("%s: each site held out, the model refitted "
	                       "on the others", c->name);

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
static struct node loso_worst(struct cand *c)
{
	struct node sites = obj(top(&c->loso), "sites"), w = { 0 };

	for (struct node s = first(sites); s.j; s = next(sites, s)) {
		double v = num(obj(s, "test"), "roc_auc");

		if (!isnan(v) && (w.j == NULL ||
		                  v < num(obj(w, "test"), "roc_auc")))
			w = s;
	}
	return w;
}

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

static const struct { const char *id, *title; } sections[] = {
	{ "data", "Data" }, { "figures", "Figures" },
	{ "test-metrics", "Test-set metrics" },
	{ "selection", "The selected model" },
	{ "subgroups", "Subgroups" },
	{ "loso", "Leave-one-site-out" }, { "run", "The run" },
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
	      "<style>\n", h);
	fputs(style, h);
	fputs("</style>\n</head>\n<body>\n<header>\n"
	      "<h1>Heart-disease risk model: report of a run</h1>\n", h);
	para(&d, "Selected model: %s (%s), test ROC-AUC %s, chosen by "
	     "hd-select.", w->name, kind_of(w), with_ci(t, auc));
	fputs("<p class=\"note\"><strong>For research and teaching "
	      "only.</strong> This model must not be used for decisions "
	      "about patients; see the <a href=\"#model-card\">model "
	      "card</a>.</p>\n</header>\n<nav aria-label=\"Contents\">\n"
	      "<ul>\n", h);
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

static void section_close(struct doc *d)
{
	end_list(d);
	fputs("</section>\n", d->h);
}

static void section_data(struct report *r, struct doc *d)
{
	struct node e = top(&r->eda), counts = obj(obj(e, "target"), "counts");
	struct node sites = obj(e, "sites"), miss = obj(e, "missing");
	struct node warns = need(e, "warnings", 1);
	double rows = num(e, "rows"), n0 = num(counts, "0"), n1 = num(counts, "1");
	struct row row = { 0 };

	section_open(d, 0);
	para(d, "The clean data (hd-clean's output, as hd-eda summarised it): "
	     "%s rows and %d columns from %d sites; %s with heart disease "
	     "(target 1, %s) and %s without (%s); %s rows repeat an earlier "
	     "row.", cnt(rows), cJSON_GetArraySize(need(e, "columns", 1).j),
	     cJSON_GetArraySize(sites.j), cnt(n1), pct(n1, rows),
	     cnt(n0), pct(n0, rows), cnt(num(e, "duplicate_rows")));

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
				cell(&row, "%s", cnt(num(z,
				     hd_features[f].name)));
		row_put(d, &row);
	}
	table_close(d);

	cell(&row, "Column");
	cell(&row, "Missing");
	cell(&row, "Share");
	for (struct node s = first(sites); s.j; s = next(sites, s))
		cell(&row, "%s", key_of(s));
	table_open(d, "missing", "Missing values by column, overall and by "
	           "site (share of the site's rows)", &row);
	for (struct node m = first(miss); m.j; m = next(miss, m)) {
		cell(&row, "%s", key_of(m));
		cell(&row, "%s", cnt(num(m, "count")));
		cell(&row, "%s", pct(num(m, "count"), rows));
		for (struct node s = first(sites); s.j; s = next(sites, s)) {
			double k = opt_num(at(s, "missing"), key_of(m));

			/* source is never missing: no row lacks its site */
			if (isnan(k))
				k = 0;
			cell(&row, "%s (%s)", cnt(k), pct(k,
			     num(s, "rows")));
		}
		row_put(d, &row);
	}
	table_close(d);

	heading(d, 3, "data-warnings", "Data-quality warnings");
	data_caveats(r, d);
	para(d, "hd-eda's own warnings%s", warns.j && warns.j->child ? ":" :
	     ": none.");
	for (struct node w = first(warns); w.j; w = next(warns, w))
		item(d, "%s", str(w, "message"));
	section_close(d);
}

/* The bytes as base64, in groups of three so no padding falls inside. */
static void put_base64(FILE *fp, const char *data, size_t len)
{
	char out[BASE64_ENCODE_RAW_LENGTH(3 * 1024)];

	for (size_t i = 0; i < len; i += 3 * 1024) {
		size_t n = len - i < 3 * 1024 ? len - i : 3 * 1024;

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

		fprintf(d->h, "<figure id=\"figure-%zu\">\n<img src=\"data:%s;"
		        "base64,", i + 1, p->mime);
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
		fprintf(d->h, "<th scope=\"col\">%s</th>", hd_figure_list[i].label);
		if (&hd_figure_list[i] == auc)
			fputs("<th scope=\"col\">ROC-AUC 95% interval</th>", d->h);
	}
	fputs("<th scope=\"col\">CV ROC-AUC mean</th><th scope=\"col\">CV "
	      "ROC-AUC std</th></tr></thead>\n<tbody>\n", d->h);
	for (size_t k = 0; k < r->ncand; k++) {
		struct cand *c = &r->cand[k];
		struct node t = test_of(c);
		struct node cv = at(obj(top(&c->metrics), "model"), "cv");
		double lo, hi;

		fputs("<tr data-model=\"", d->h);
		put_html(d->h, c->name);
		fputs(k == r->winner ? "\" class=\"selected\"><th scope=\"row\">"
		      : "\"><th scope=\"row\">", d->h);
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

			metric_cell(d->h, f->name, g.j ? raw(g, f->name, rb) :
			            "null", fig(t, f));
			if (f != auc)
				continue;
			interval(t, f->interval, &lo, &hi);
			fprintf(d->h, "<td data-interval=\"%s\"", f->name);
			fprintf(d->h, " data-lo=\"%s\"", isnan(lo) ? "null" :
			        hd_fmt_double(rb, lo));
			fprintf(d->h, " data-hi=\"%s\">", isnan(hi) ? "null" :
			        hd_fmt_double(rb, hi));
			fprintf(d->h, "%s</td>", ci(lo, hi));
		}
		if (cv.j == NULL || cJSON_IsNull(cv.j)) {
			metric_cell(d->h, "cv_roc_auc_mean", "null", NAN);
			metric_cell(d->h, "cv_roc_auc_std", "null", NAN);
		} else {
			metric_cell(d->h, "cv_roc_auc_mean", raw(cv, "mean", rb),
			            num(cv, "mean"));
			metric_cell(d->h, "cv_roc_auc_std", raw(cv, "std", rb),
			            num(cv, "std"));
		}
		fputs("</tr>\n", d->h);
	}
	fputs("</tbody>\n</table></div>\n", d->h);
}

static void section_metrics(struct report *r, struct doc *d)
{
	static const struct { const char *key, *label; } ivs[] = {
		{ "roc_auc", "ROC-AUC (bootstrap)" },
		{ "roc_auc_delong", "ROC-AUC (DeLong)" },
		{ "accuracy", "Accuracy" },
		{ "sensitivity", "Sensitivity (recall)" },
		{ "specificity", "Specificity" },
		{ "ppv", "PPV (precision)" }, { "npv", "NPV" }, { "f1", "F1" },
		{ "brier", "Brier score" },
		{ "calibration_slope", "Calibration slope" },
	};
	struct node wi = at(test_of(winner(r)), "intervals");
	struct row row = { 0 };
	char rb[HD_NUMBUF];

	section_open(d, 2);
	para(d, "Each model scored on the held-out test split by hd-eval. "
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
	table_open(d, "intervals", "Estimates and 95% intervals on the test "
	           "split", &row);
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
		item(d, "%s: the Youden threshold, chosen on the cross-"
		     "validation's out-of-fold predictions (never the test "
		     "rows), is %s; at it the test sensitivity is %s and the "
		     "specificity %s.", r->cand[k].name,
		     f3(num(y, "threshold")), f3(num(yt, "sensitivity")),
		     f3(num(yt, "specificity")));
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
	para(d, "hd-select chose %s, the %s in %s (written to %s): %s",
	     w->name, kind_of(w),
	     w->model_path, r->sel.path, str(sel, "reason"));
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
	para(d, "The test split by site and by sex, for each model; the "
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
	char *cap = hd_xprintf("%s (%s): hyperparameters and training",
	                       c->name, kind_of(c));

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

		item(d, "%s: fitted by %s %s.", r->cand[k].name, str(tr, "tool"),
		     str(tr, "tool_version"));
	}

	heading(d, 3, "run-inputs", "Inputs and their SHA-256");
	cell(&row, "Input");
	cell(&row, "File");
	cell(&row, "SHA-256");
	table_open(d, "inputs", "Every input of this page, and the data "
	           "behind it", &row);
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

			input_row(d, "leave-one-site-out", c->name, c->loso.path,
			          c->loso.sha256);
			if (strcmp(str(lm, "sha256"), c->model.sha256) != 0)
				input_row(d, "its model, refitted since with the "
				          "same hyperparameters", c->name,
				          str(lm, "file"), str(lm, "sha256"));
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
	item(d, "Model: %s, which hd-select chose among %d evaluated "
	     "models by test %s.",
	     kind_of(w),
	     cJSON_GetArraySize(need(sel, "candidates", 1).j),
	     str(sel, "metric"));
	item(d, "Model file: %s, SHA-256 %s; the selected copy that serving "
	     "loads is %s, SHA-256 %s.", w->model_path, w->model.sha256,
	     r->sel.path, r->selected.sha256);
	item(d, "Hyperparameters: %s.", list);
	item(d, "Fitted by %s %s on %s training rows (seed %s); this card "
	     "was written by hd-report %s.", str(tr, "tool"),
	     str(tr, "tool_version"), cnt(num(tr, "rows")),
	     cnt(num(tr, "seed")), HD_VERSION);
	item(d, "Input: the 13 features of the UCI data (age, sex, cp, "
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
	item(d, "Out of scope: any clinical decision about a person: "
	     "diagnosis, screening, triage, treatment or referral. The model "
	     "is not a medical device, has not been validated prospectively, "
	     "and learned from four centres' patients of the 1980s.");
	item(d, "Also out of scope: decisions on insurance, employment or "
	     "credit; populations unlike the four sites'; ages outside %s to "
	     "%s years, the range of the data.", cnt(opt_num(age, "min")),
	     cnt(opt_num(age, "max")));
}

static void card_factors(struct report *r, struct doc *d)
{
	struct node lo, hi;
	double women = level_count(r, "sex", 0);
	double rows = num(top(&r->eda), "rows");

	prevalence_range(r, &lo, &hi);
	heading(d, 3, "card-factors", "Factors");
	if (lo.j != NULL)
		item(d, "Site: four centres that differ in whom they tested and "
		     "how they recorded it; the share with heart disease runs "
		     "from %s at %s to %s at %s.",
		     pct(num(lo, "target_1"), num(lo, "rows")), key_of(lo),
		     pct(num(hi, "target_1"), num(hi, "rows")), key_of(hi));
	item(d, "Sex: %s of the %s patients are women (%s); sex is one of "
	     "the model's inputs.", cnt(women), cnt(rows),
	     pct(women, rows));
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
	item(d, "ROC-AUC: how well the probabilities rank patients with "
	     "heart disease above those without, over every threshold. "
	     "hd-select chose by test %s (%s is better).", str(sel, "metric"),
	     str(sel, "direction"));
	item(d, "Accuracy, precision, recall (sensitivity) and F1 at the "
	     "threshold %s: a probability at or above it predicts heart "
	     "disease. Recall matters most here: a missed patient is the "
	     "costly error.", raw(t, "threshold", rb));
	item(d, "Brier score, expected calibration error (ECE) and the "
	     "calibration slope: whether the probabilities can be read as "
	     "risks.");
	if (iv.j != NULL)
		item(d, "Uncertainty: 95%% intervals by %s (%s resamples, seed "
		     "%s), and DeLong's interval for ROC-AUC.", str(iv, "method"),
		     cnt(num(iv, "resamples")), cnt(num(iv, "seed")));
	if (cJSON_IsObject(cv.j))
		item(d, "Cross-validation: ROC-AUC mean and standard deviation "
		     "over %s stratified folds of the training split (seed %s).",
		     cnt(num(cv, "folds")), cnt(num(cv, "seed")));
	if (cJSON_IsObject(y.j))
		item(d, "A threshold balancing sensitivity and specificity "
		     "(Youden's J), chosen on the out-of-fold predictions and "
		     "never on the test rows: %s.", f3(num(y, "threshold")));
}

static void card_evaluation(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);
	struct node t = test_of(w), cc = obj(t, "class_counts");
	struct node td = obj(top(&w->metrics), "data");
	const char *ts = param(r, "test_size"), *seed = param(r, "seed");
	char *how;

	heading(d, 3, "card-evaluation", "Evaluation data");
	item(d, "The test split: %s rows, %s with heart disease and %s "
	     "without; %s, SHA-256 %s.", cnt(num(t, "n")),
	     cnt(num(cc, "1")), cnt(num(cc, "0")), str(td, "file"),
	     str(td, "sha256"));
	how = ts && seed ? hd_xprintf("; test share %s, seed %s", ts, seed) :
	      ts ? hd_xprintf("; test share %s", ts) :
	      seed ? hd_xprintf("; seed %s", seed) : hd_xstrdup("");
	item(d, "hd-split draws it at random within each class (stratified"
	     "%s), so both splits keep the whole data's share of heart "
	     "disease; it mixes the four sites.", how);
	free(how);
	if (w->loso.path != NULL)
		item(d, "Leave-one-site-out: the model's kind and "
		     "hyperparameters refitted on three sites of the whole clean "
		     "data and evaluated on the fourth (%s).", w->loso.path);
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
	item(d, "The training split: %s rows, %s with heart disease and %s "
	     "without; %s, SHA-256 %s.", cnt(num(tr, "rows")),
	     cnt(num_at(cc, 1)), cnt(num_at(cc, 0)),
	     str(tr, "file"), str(tr, "sha256"));

	heading(d, 4, "card-preprocessing", "Preprocessing");
	item(d, "hd-clean reads the four processed.*.data files, checks "
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
				fprintf(fp, "%s%s row%s with %s = 0", n++ ? " and " :
				        "", cnt(zeros[f]), zeros[f] == 1 ? "" : "s",
				        hd_features[f].name);
		fclose(fp);
		item(d, "A 0 that some sites wrote for \u201cnot measured\u201d "
		     "is kept as a value: %s (hd-clean --zeros-missing would "
		     "make them missing).", list);
		free(list);
	} else {
		item(d, "No trestbps or chol of 0 is left in the clean data.");
	}
	item(d, "Learned on the training rows only and stored in the model "
	     "file: numeric columns are filled in with the training median "
	     "%s; categorical columns are filled in with the training mode "
	     "and one-hot encoded over the levels seen in training (a level "
	     "never seen encodes as all zeros).", p->scaled ?
	     "and standardised (training mean and population standard "
	     "deviation)" : "and kept in their own units (a tree does not "
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
	struct node women = at(at(at(top(&w->metrics), "subgroups"), "sex"), "0");
	double men = level_count(r, "sex", 1), rows = num(top(&r->eda), "rows");
	char rb[HD_NUMBUF];

	heading(d, 3, "card-ethics", "Ethical considerations");
	item(d, "The records are public and de-identified (the patients' "
	     "names and social security numbers were removed before "
	     "publication), but they are health data about real people.");
	item(d, "Men are %s of the patients (%s of %s)%s%s%s; the figures "
	     "for women rest on far fewer rows.", pct(men, rows),
	     cnt(men), cnt(rows), women.j ? "; the test split has " : "",
	     women.j ? cnt(num(women, "n")) : "",
	     women.j ? " women" : "");
	item(d, "At the threshold %s the selected model missed %s of the %s "
	     "test patients with heart disease: a risk score must never give "
	     "false reassurance.", raw(t, "threshold", rb),
	     cnt(num(cf, "fn")), cnt(num(cf, "fn") + num(cf, "tp")));
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
		item(d, "The share with heart disease differs by site, from %s "
		     "(%s) to %s (%s): a probability is only as good as the "
		     "match between a new hospital's patients and these.",
		     pct(num(lo, "target_1"), num(lo, "rows")), key_of(lo),
		     pct(num(hi, "target_1"), num(hi, "rows")), key_of(hi));
	for (struct node f = first(sg); f.j; f = next(sg, f))
		for (struct node g = first(f); g.j; g = next(f, g)) {
			char *small = smallness(g);

			if (small != NULL)
				item(d, "The test split has few rows of %s "
				     "%s (%s); its ROC-AUC, %s, says little.",
				     key_of(f), strcmp(key_of(f), "sex") == 0 ?
				     sex_label(key_of(g)) : key_of(g), small,
				     with_ci(g, figure("roc_auc")));
			free(small);
		}
	if (w->loso.path != NULL)
		worst = loso_worst(w);
	if (worst.j != NULL)
		item(d, "Held out entirely, %s gives the lowest ROC-AUC, %s "
		     "(against %s on the random test split): the model carries "
		     "to an unseen hospital worse than the test split suggests.",
		     key_of(worst), with_ci(obj(worst, "test"),
		                            figure("roc_auc")),
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

static void model_card(struct report *r, struct doc *d)
{
	struct cand *w = winner(r);

	fputs("<section>\n", d->h);
	heading(d, 2, "model-card", "Model card: %s heart-disease risk model",
	        kind_of(w));
	para(d, "In the form of Mitchell et al. (2019). Every figure is read "
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

/* The whole page into h, the card also into m (when not NULL). */
static void write_page(struct report *r, FILE *h, FILE *m)
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
	fprintf(h, "</main>\n<footer>\n<p>Written by hd-report %s from the "
	        "inputs listed under <a href=\"#run-inputs\">The run</a>."
	        "</p>\n</footer>\n</body>\n</html>\n", HD_VERSION);
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
		       "names no model to report on", c->metrics.path);
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
		       "evaluate it again", c->metrics.path, c->model_path,
		       c->model.sha256, sha);
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
	if (r->data_path != NULL && strcmp(str(ld, "sha256"),
	                                   r->data_sha256) != 0) {
		hd_err("%s: made from data with sha256 %s, but --data %s has "
		       "sha256 %s", c->loso.path, str(ld, "sha256"),
		       r->data_path, r->data_sha256);
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
		       "\"selected\": true", r->sel.path);
		return -1;
	}
	for (size_t i = 0; i < r->ncand; i++)
		if (strcmp(r->cand[i].model.sha256, str(w, "sha256")) == 0) {
			r->winner = i;
			return r->sel.bad ? -1 : 0;
		}
	hd_err("%s: the model it selected, %s (sha256 %s), is none of those "
	       "given with --metrics", r->sel.path, str(w, "file"),
	       str(w, "sha256"));
	return -1;
}

/* Every input, each error said; 0 or -1. */
static int load(struct report *r)
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
static int any_bad(const struct report *r)
{
	int bad = r->eda.bad || r->sel.bad;

	for (size_t i = 0; i < r->ncand; i++)
		bad |= r->cand[i].metrics.bad || r->cand[i].loso.bad ||
		       r->cand[i].mfile.bad;
	return bad;
}

static void report_free(struct report *r)
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

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

static _Noreturn void __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = hd_xvprintf(fmt, ap);
	va_end(ap);
	hd_err("%s", msg);
	free(msg);
	hd_usage_exit(&usage, HD_EXIT_USAGE);
}

/* Text the page shows must be UTF-8, as the page is. */
static void need_text(const char *opt, const char *s)
{
	if (!hd_utf8_valid(s, strlen(s)))
		usage_error("%s: not UTF-8 text", opt);
}

/* A file to read: named, since many are read (never "-"). */
static const char *file_arg(const char *opt, const char *path)
{
	if (path[0] == '\0' || strcmp(path, "-") == 0)
		usage_error("%s: give a file name (hd-report reads no standard "
		            "input)", opt);
	need_text(opt, path);
	return path;
}

/* Split "NAME=REST" at its first '=': a new NAME, and *rest; NULL if
 * there is no '='. */
static char *split_eq(const char *arg, const char **rest)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (eq == NULL)
		return NULL;
	name = hd_xmalloc((size_t)(eq - arg) + 1);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	*rest = eq + 1;
	return name;
}

/* Only these characters, 1 to max of them. */
static int is_word(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

/* --metrics NAME=FILE and --loso NAME=FILE: the name and the file. */
static char *model_arg(const char *opt, const char *arg, const char **file)
{
	char *name = split_eq(arg, file);

	if (name == NULL || !is_word(name, MAX_NAME, "_-")) {
		free(name);
		usage_error("%s: '%s' is not NAME=FILE with a NAME of 1 to %d "
		            "letters, digits, _ or -", opt, arg, MAX_NAME);
	}
	file_arg(opt, *file);
	return name;
}

static void add_cand(struct report *r, const char *arg)
{
	const char *file;
	char *name = model_arg("--metrics", arg, &file);

	for (size_t i = 0; i < r->ncand; i++)
		if (strcmp(r->cand[i].name, name) == 0) {
			free(name);
			usage_error("--metrics: %s is named twice", r->cand[i].name);
		}
	if (r->ncand == MAX_MODELS) {
		free(name);
		usage_error("--metrics: at most %d models", MAX_MODELS);
	}
	r->cand[r->ncand].name = name;
	r->cand[r->ncand++].metrics.path = file;
}

/* --loso NAME=FILE, after every --metrics is known. */
static void add_loso(struct report *r, const char *arg)
{
	const char *file;
	char *name = model_arg("--loso", arg, &file);

	for (size_t i = 0; i < r->ncand; i++) {
		if (strcmp(r->cand[i].name, name) != 0)
			continue;
		free(name);
		if (r->cand[i].loso.path != NULL)
			usage_error("--loso: %s is given twice", r->cand[i].name);
		r->cand[i].loso.path = file;
		return;
	}
	free(name);
	usage_error("--loso: '%s' names no model given with --metrics", arg);
}

static void add_plot(struct report *r, const char *arg)
{
	const char *caption = NULL;
	char *path = split_eq(arg, &caption);
	struct plot *p;

	if (r->nplots == MAX_PLOTS) {
		free(path);
		usage_error("--plot: at most %d images", MAX_PLOTS);
	}
	/* Owned by the report from here, so an exit frees nothing twice. */
	p = &r->plot[r->nplots++];
	p->path = path ? path : hd_xstrdup(arg);
	file_arg("--plot", p->path);
	if (caption != NULL)
		need_text("--plot", caption);
	p->caption = caption && caption[0] ? hd_xstrdup(caption) : NULL;
}

static void add_param(struct report *r, const char *arg)
{
	const char *value;
	char *key = split_eq(arg, &value);

	if (key == NULL || !is_word(key, 64, "_.-")) {
		free(key);
		usage_error("--param: '%s' is not KEY=VALUE with a KEY of 1 to "
		            "64 letters, digits, _, . or -", arg);
	}
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->param[i].key, key) == 0) {
			free(key);
			usage_error("--param: %s is given twice", r->param[i].key);
		}
	if (r->nparams == MAX_PARAMS) {
		free(key);
		usage_error("--param: at most %d parameters", MAX_PARAMS);
	}
	need_text("--param", value);
	r->param[r->nparams].key = key;
	r->param[r->nparams++].value = hd_xstrdup(value);
}

/* The outputs may not overwrite each other or an input. */
static void check_outputs(const struct report *r, const char *output,
                          const char *card)
{
	const char *in[2 * MAX_MODELS + MAX_PLOTS + 3];
	size_t n = 0;

	if (card != NULL && strcmp(card, "-") == 0 &&
	    (output == NULL || strcmp(output, "-") == 0))
		usage_error("--card to standard output needs -o FILE for the "
		            "page");
	if (hd_same_file(output, card))
		usage_error("-o and --card name the same file, %s", card);
	in[n++] = r->eda.path;
	in[n++] = r->sel.path;
	if (r->data_path != NULL)
		in[n++] = r->data_path;
	for (size_t i = 0; i < r->ncand; i++) {
		in[n++] = r->cand[i].metrics.path;
		if (r->cand[i].loso.path != NULL)
			in[n++] = r->cand[i].loso.path;
	}
	for (size_t i = 0; i < r->nplots; i++)
		in[n++] = r->plot[i].path;
	for (size_t i = 0; i < n; i++)
		if (hd_same_file(output, in[i]) || hd_same_file(card, in[i]))
			usage_error("%s is an input; it cannot be an output too",
			            in[i]);
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

/*
 * The card is written first but renamed into place only after the
 * page, so that a failure to write either leaves neither behind.
 */
static int write_outputs(const char *output, const char *page, size_t plen,
                         const char *card, const char *text, size_t tlen)
{
	struct hd_out c, o;

	if (card != NULL) {
		if (hd_out_open(&c, card) != 0)
			return -1;
		fwrite(text, 1, tlen, c.fp);
	}
	if (hd_out_open(&o, output) != 0) {
		if (card != NULL)
			hd_out_abort(&c);
		return -1;
	}
	fwrite(page, 1, plen, o.fp);
	if (hd_out_commit(&o) != 0) {
		if (card != NULL)
			hd_out_abort(&c);
		return -1;
	}
	return card != NULL ? hd_out_commit(&c) : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "card", required_argument, NULL, 'c' },
		{ "eda", required_argument, NULL, 'e' },
		{ "selected", required_argument, NULL, 's' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "loso", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "plot", required_argument, NULL, 'p' },
		{ "param", required_argument, NULL, 'P' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static struct report r;
	const char *output = NULL, *card = NULL, *loso[MAX_MODELS];
	char *page = NULL, *text = NULL;
	size_t nloso = 0, plen = 0, tlen = 0;
	FILE *h, *m = NULL;
	int c, rc = HD_EXIT_DATA;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "o:c:e:s:m:l:d:p:P:", longopts,
	                        NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'c': card = optarg; break;
		case 'e': r.eda.path = file_arg("--eda", optarg); break;
		case 's': r.sel.path = file_arg("--selected", optarg); break;
		case 'm': add_cand(&r, optarg); break;
		case 'l':
			if (nloso == MAX_MODELS)
				usage_error("--loso: at most %d", MAX_MODELS);
			loso[nloso++] = optarg;
			break;
		case 'd': r.data_path = file_arg("--data", optarg); break;
		case 'p': add_plot(&r, optarg); break;
		case 'P': add_param(&r, optarg); break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind < argc)
		usage_error("no operands are read: '%s'", argv[optind]);
	if (r.eda.path == NULL)
		usage_error("no --eda SUMMARY.json");
	if (r.sel.path == NULL)
		usage_error("no --selected MODEL.json");
	if (r.ncand == 0)
		usage_error("no --metrics NAME=METRICS.json");
	for (size_t i = 0; i < nloso; i++)
		add_loso(&r, loso[i]);
	check_outputs(&r, output, card);

	hd_out_cleanup_on_signals();
	if (load(&r) != 0)
		goto done;
	h = memopen(&page, &plen);
	if (card != NULL)
		m = memopen(&text, &tlen);
	write_page(&r, h, m);
	fclose(h);
	if (m != NULL)
		fclose(m);
	if (any_bad(&r))
		goto done;
	if (write_outputs(output, page, plen, card, text, tlen) == 0)
		rc = HD_EXIT_OK;
done:
	free(page);
	free(text);
	report_free(&r);
	return rc;
}
