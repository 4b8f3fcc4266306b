/*
 * text.c - hd-report's text: numbers as people read them, escaping for
 * HTML and Markdown, and the doc writer that puts one text in both
 * (headings, paragraphs, lists, table rows and tables).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---------------------------------------------------------------------
 * Numbers as people read them
 * ------------------------------------------------------------------- */

#define TXT 64

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
const char *f3(double x)
{
	char *b = ring();

	if (isnan(x))
		return DASH;
	/* Flawfinder: ignore: both formats are literals, chosen by a condition */
	snprintf(b, TXT, fabs(x) < 1e9 ? "%.3f" : "%.4g",
	         fabs(x) < 0.0005 ? 0.0 : x);
	return b;
}

/* A count: a whole number, or a dash. */
const char *cnt(double x)
{
	char *b = ring();

	if (isnan(x))
		return DASH;
	/* Flawfinder: ignore: both formats are literals, chosen by a condition */
	snprintf(b, TXT, fabs(x) < 1e15 ? "%.0f" : "%.4g", x);
	return b;
}

/* part of whole as "12.3%", or a dash. */
const char *pct(double part, double whole)
{
	char *b = ring();

	if (isnan(part) || isnan(whole) || whole <= 0)
		return DASH;
	snprintf(b, TXT, "%.1f%%",
	         fabs(part) < 1e9 * whole ? 100 * part / whole : NAN);
	return b;
}

/* "[0.866, 0.947]", or a dash. */
const char *ci(double lo, double hi)
{
	char *b = ring();
	int n;

	if (isnan(lo) || isnan(hi))
		return DASH;
	n = snprintf(b, TXT, "[%s, %s]", f3(lo), f3(hi));
	return n > 0 && n < TXT ? b : DASH; /* f3's are short */
}

/* A figure with its interval, "0.910 [0.866, 0.947]". */
const char *with_ci(struct node figs, const struct hd_figure *f)
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
const char *kind_label(const char *kind)
{
	if (strcmp(kind, "logistic_regression") == 0)
		return "logistic regression";
	if (strcmp(kind, "random_forest") == 0)
		return "random forest";
	return kind;
}

/* The centres behind the UCI file names (the data set's documentation). */
const char *site_label(const char *site)
{
	static const struct {
		const char *key, *name;
	} sites[] = {
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
const char *sex_label(const char *v)
{
	return strcmp(v, "0") == 0   ? "female (sex 0)"
	       : strcmp(v, "1") == 0 ? "male (sex 1)"
	                             : v;
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

void put_html(FILE *fp, const char *s)
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

void end_list(struct doc *d)
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
void __attribute__((format(printf, 4, 5)))
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

void __attribute__((format(printf, 2, 3)))
para(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	end_list(d);
	va_start(ap, fmt);
	block(d, "<p>", "</p>\n", "", "\n\n", fmt, ap);
	va_end(ap);
}

/* An item of the list open, or of a new one. */
void __attribute__((format(printf, 2, 3)))
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

void __attribute__((format(printf, 2, 3)))
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

		fputs(head     ? "<th scope=\"col\">"
		      : i == 0 ? "<th scope=\"row\">"
		      : word   ? "<td class=\"t\">"
		               : "<td>",
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

void row_put(struct doc *d, struct row *r)
{
	put_row(d, r, 0);
	r->n = 0;
}

/*
 * A table, wrapped so that it scrolls sideways on a narrow screen, with
 * the column headings in head.  The first column names the row; the
 * others are figures, right-aligned.
 */
void table_open(struct doc *d, const char *id, const char *caption,
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

void table_close(struct doc *d)
{
	fputs("</tbody>\n</table></div>\n", d->h);
	if (d->m)
		fputc('\n', d->m);
}
