/*
 * report.h - hd-report's internal API: one struct report holding every
 * input, the getters that find a member of an input or name it as
 * missing, the writer of a text in HTML and Markdown, and the parts
 * that make the page and the card from them.
 *
 *   hd-report.c  usage, options and their checks, writing the outputs,
 *                main
 *   input.c      members of the inputs (struct node and its getters);
 *                reading and checking every input (load), freeing them
 *   text.c       numbers as people read them (a ring of buffers);
 *                escaping for HTML and Markdown; the doc writer:
 *                headings, paragraphs, lists, table rows and tables
 *   facts.c      facts shared by the page and the card: the winner,
 *                the selection and its overlap sentence, the data's
 *                caveats, the subgroup and leave-one-site-out tables
 *   page.c       the page: its style, head and sections (data,
 *                figures, metrics, selection, subgroups, loso, run),
 *                and write_page, which makes the whole of it
 *   card.c       the model card (Mitchell et al. 2019), in the page and
 *                in Markdown
 *
 * Only hd-report.c writes the outputs or exits: the parts make the page
 * and the card in memory (aborting only on a bug or when out of
 * memory), and a member found missing is said once per file and marks
 * that file bad (see any_bad).
 */
#ifndef HD_REPORT_H
#define HD_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

#define MAX_MODELS 16
#define MAX_PLOTS 256
#define MAX_PARAMS 256
#define MAX_NAME 32
#define MAX_IMAGE (64u << 20) /* bytes of one image */
#define MAX_COLS 20

/* A subgroup this small gets a caveat: its figures are mostly noise. */
#define SMALL_ROWS 30
#define SMALL_CLASS 10

#define EDA_FORMAT "hd-eda-summary"
#define LOSO_FORMAT "hd-loso"

#define DASH "\u2013"

/* ---------------------------------------------------------------------
 * The inputs
 * ------------------------------------------------------------------- */

/*
 * A JSON input: the document (owned), the digest of its bytes, and
 * whether something was found missing in it (said once per file).
 */
struct input {
	const char *path; /* NULL when not given */
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
	char *name; /* owned */
	struct input metrics, loso;
	const char *model_path; /* inside metrics.doc */
	struct hd_model model;  /* loaded from model_path */
	struct input mfile;     /* model.doc as an input (not owned) */
};

struct plot {
	char *path, *caption; /* owned; caption NULL: none given */
	char *data;           /* the file's bytes, owned */
	size_t len;
	const char *mime;
	char sha256[HD_SHA256_HEX];
};

struct param {
	char *key, *value; /* owned */
};

struct report {
	struct input eda;
	struct hd_model selected;
	struct input sel; /* selected.doc as an input (not owned) */
	struct cand cand[MAX_MODELS];
	size_t ncand;
	size_t winner; /* index into cand[] */
	struct plot plot[MAX_PLOTS];
	size_t nplots;
	struct param param[MAX_PARAMS];
	size_t nparams;
	const char *data_path; /* --data, or NULL */
	char data_sha256[HD_SHA256_HEX];
};

/* ---------------------------------------------------------------------
 * Members of the inputs, found or named as missing (input.c)
 * ------------------------------------------------------------------- */

/* A place in an input's document, and its path for diagnostics. */
#define PATH_LEN 256
struct node {
	struct input *in;
	const cJSON *j;      /* NULL when absent */
	char path[PATH_LEN]; /* "test.intervals.roc_auc"; "" at the top */
};

struct node top(struct input *in);
/* Member key of n; j is NULL when n is no object or has no such member. */
struct node at(struct node n, const char *key);
/* Member key of n, a number (null reads as NaN); opt_num: NaN when
 * absent; num_at: element i of array n. */
double num(struct node n, const char *key);
double num_at(struct node n, int i);
double opt_num(struct node n, const char *key);
const char *str(struct node n, const char *key);
/* A member that must be an object (or, with array set, an array). */
struct node need(struct node n, const char *key, int array);
struct node obj(struct node n, const char *key);
/* The children of n in order: for (c = first(n); c.j; c = next(n, c)). */
struct node first(struct node n);
struct node next(struct node n, struct node c);
/* The key of member c (its name in the parent object). */
const char *key_of(struct node c);
/* The number at key as its file has it, or "null". */
const char *raw(struct node n, const char *key, char buf[HD_NUMBUF]);
/* Figure f of an evaluation's figures object n. */
double fig(struct node n, const struct hd_figure *f);
/* The 95 % interval called name under n's "intervals": 0, or -1. */
int interval(struct node n, const char *name, double *lo, double *hi);
/* The library's figure of this name (it must have it). */
const struct hd_figure *figure(const char *name);

/* ---------------------------------------------------------------------
 * Reading the inputs (input.c)
 * ------------------------------------------------------------------- */

/* Every input, each error said; 0 or -1. */
int load(struct report *r);
/* Was anything missing, in any input, while the page was made? */
int any_bad(const struct report *r);
void report_free(struct report *r);

/* ---------------------------------------------------------------------
 * Numbers as people read them (text.c)
 *
 * Each text lives in a ring of buffers, valid for the next 31 formats.
 * ------------------------------------------------------------------- */

const char *f3(double x);
const char *cnt(double x);
const char *pct(double part, double whole);
const char *ci(double lo, double hi);
const char *with_ci(struct node figs, const struct hd_figure *f);
const char *kind_label(const char *kind);
const char *site_label(const char *site);
const char *sex_label(const char *v);

/* ---------------------------------------------------------------------
 * One text, in HTML and (for the card) in Markdown too (text.c)
 * ------------------------------------------------------------------- */

void put_html(FILE *fp, const char *s);

struct doc {
	FILE *h;  /* HTML */
	FILE *m;  /* Markdown as well, or NULL */
	int list; /* a list is open */
};

/* A table's cells, formatted, until row_put writes and frees them. */
struct row {
	size_t n;
	char *cell[MAX_COLS];
};

void end_list(struct doc *d);
void __attribute__((format(printf, 4, 5)))
heading(struct doc *d, int level, const char *id, const char *fmt, ...);
void __attribute__((format(printf, 2, 3)))
para(struct doc *d, const char *fmt, ...);
void __attribute__((format(printf, 2, 3)))
item(struct doc *d, const char *fmt, ...);
void __attribute__((format(printf, 2, 3)))
cell(struct row *r, const char *fmt, ...);
void row_put(struct doc *d, struct row *r);
void table_open(struct doc *d, const char *id, const char *caption,
                struct row *head);
void table_close(struct doc *d);

/* ---------------------------------------------------------------------
 * Facts shared by the page and the card (facts.c)
 * ------------------------------------------------------------------- */

FILE *memopen(char **buf, size_t *len);
char *json_text(const cJSON *j);
const char *param(const struct report *r, const char *key);
const char *kind_of(const struct cand *c);
struct cand *winner(struct report *r);
struct node test_of(struct cand *c);
struct cand *cand_by_sha(struct report *r, const char *sha);
struct node selection(struct report *r);
void say_overlap(struct report *r, struct doc *d, int as_item);
void cv_cell(struct row *row, struct node cv);
char *smallness(struct node g);
void data_caveats(struct report *r, struct doc *d);
void prevalence_range(struct report *r, struct node *lo, struct node *hi);
double level_count(struct report *r, const char *name, double v);
extern const char *const fig_cols[];
void subgroup_tables(struct doc *d, struct cand *c);
void loso_table(struct doc *d, struct cand *c);
struct node loso_worst(struct cand *c);

/* ---------------------------------------------------------------------
 * The page (page.c) and the model card (card.c)
 * ------------------------------------------------------------------- */

void section_close(struct doc *d);
/* The whole page into h, the card also into m (when not NULL). */
void write_page(struct report *r, FILE *h, FILE *m);
void model_card(struct report *r, struct doc *d);

#endif
