/*
 * data.c - labelled patients from clean CSV: the one header and row
 * reader of every tool that reads it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Header fields by name, then position, to find a name given twice. */
struct named {
	const char *name;
	size_t at;
};

static int by_name(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}

int hd_header_check(const struct hd_record *rec, const char *file)
{
	struct named *v = hd_xmalloc((rec->n ? rec->n : 1) * sizeof *v);
	size_t dup = rec->n;
	char ex[HD_EXCERPT];

	for (size_t i = 0; i < rec->n; i++)
		v[i] = (struct named){ rec->field[i], i };
	qsort(v, rec->n, sizeof *v, by_name);
	/* Of all the names given twice, report the earliest repeat. */
	for (size_t i = 1; i < rec->n; i++)
		if (strcmp(v[i].name, v[i - 1].name) == 0 && v[i].at < dup)
			dup = v[i].at;
	free(v);
	if (dup == rec->n)
		return 0;

	hd_err_at(file, rec->line, (long)dup + 1, "column '%s' appears twice",
	          hd_excerpt(rec->field[dup], ex));
	return -1;
}

long hd_header_find(const struct hd_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->field[i], name) == 0)
			return (long)i;
	return -1;
}

int hd_header_map(const struct hd_record *rec, const char *file,
                  struct hd_columns *c)
{
	int missing = 0;

	if (hd_header_check(rec, file) != 0)
		return -1;
	for (int f = 0; f < HD_NFEAT; f++)
		c->col[f] = -1;
	c->target = (int)hd_header_find(rec, HD_COL_TARGET);
	c->source = (int)hd_header_find(rec, HD_COL_SOURCE);
	c->nfields = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		int f = hd_feature_index(rec->field[i]);

		if (f >= 0)
			c->col[f] = (int)i;
	}
	for (int f = 0; f < HD_NFEAT; f++)
		if (c->col[f] < 0) {
			hd_err_at(file, rec->line, 0,
			          "no '%s' column in the header",
			          hd_features[f].name);
			missing = 1;
		}
	return missing ? -1 : 0;
}

int hd_record_patient(const struct hd_record *rec, const struct hd_columns *c,
                      double x[HD_NFEAT], uint8_t *y, char *err, size_t errlen,
                      long *bad_col)
{
	char ex[HD_EXCERPT];

	if (rec->n != c->nfields) {
		snprintf(err, errlen, "expected %zu fields, found %zu",
		         c->nfields, rec->n);
		*bad_col = 0;
		return -1;
	}
	for (int f = 0; f < HD_NFEAT; f++) {
		const char *v = rec->field[c->col[f]];
		const char *why;

		*bad_col = c->col[f] + 1;
		if (v[0] == '\0') {
			x[f] = NAN;
			continue;
		}
		if (hd_parse_double(v, &x[f]) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number",
			         hd_features[f].name, hd_excerpt(v, ex));
			return -1;
		}
		why = hd_feature_check(&hd_features[f], x[f], 0);
		if (why != NULL) {
			char lo[HD_NUMBUF], hi[HD_NUMBUF];

			snprintf(err, errlen, "%s: '%s' is %s (%s to %s)",
			         hd_features[f].name, hd_excerpt(v, ex), why,
			         hd_fmt_double(lo, hd_features[f].min),
			         hd_fmt_double(hi, hd_features[f].max));
			return -1;
		}
	}
	if (c->target >= 0 && y != NULL) {
		const char *v = rec->field[c->target];

		*bad_col = c->target + 1;
		if (hd_parse_label(v, y) != 0) {
			snprintf(err, errlen, "%s: '%s' is not 0 or 1",
			         HD_COL_TARGET, hd_excerpt(v, ex));
			return -1;
		}
	}
	return 0;
}

int hd_source_check(const struct hd_record *rec, long col, const char *file)
{
	char ex[HD_EXCERPT];

	if (hd_utf8_valid(rec->field[col], rec->len[col]))
		return 0;
	hd_err_at(file, rec->line, col + 1, "%s: '%s' is not UTF-8 text",
	          HD_COL_SOURCE, hd_excerpt(rec->field[col], ex));
	return -1;
}

int hd_intern(char ***names, size_t *n, const char *s)
{
	for (size_t k = 0; k < *n; k++)
		if (strcmp((*names)[k], s) == 0)
			return (int)k;
	*names = hd_xrealloc(*names, (*n + 1) * sizeof **names);
	(*names)[*n] = hd_xstrdup(s);
	return (int)(*n)++;
}

int hd_dataset_read(const char *path, int need_target, struct hd_dataset *d)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	struct hd_columns cols;
	int rc;
	size_t cap = 0;

	memset(d, 0, sizeof *d);
	if (in == NULL)
		return -1;
	hd_csv_hash(in);
	if ((rc = hd_csv_next(in, &rec)) <= 0) {
		if (rc == 0)
			hd_err_at(hd_csv_name(in), 1, 0,
			          "empty input: expected a header line");
		goto fail;
	}
	if (hd_header_map(&rec, hd_csv_name(in), &cols) != 0)
		goto fail;
	if (need_target && cols.target < 0) {
		hd_err_at(hd_csv_name(in), rec.line, 0,
		          "no '%s' column in the header", HD_COL_TARGET);
		goto fail;
	}
	while ((rc = hd_csv_next(in, &rec)) > 0) {
		char err[256];
		long bad;
		uint8_t y = 0;

		if (d->n == cap) {
			cap = cap ? 2 * cap : 1024;
			d->X = hd_xrealloc(d->X, cap * HD_NFEAT * sizeof *d->X);
			if (cols.target >= 0)
				d->y = hd_xrealloc(d->y, cap);
			if (cols.source >= 0)
				d->site = hd_xrealloc(d->site,
				                      cap * sizeof *d->site);
		}
		if (hd_record_patient(&rec, &cols, d->X + d->n * HD_NFEAT, &y,
		                      err, sizeof err, &bad) != 0) {
			hd_err_at(hd_csv_name(in), rec.line, bad, "%s", err);
			goto fail;
		}
		if (cols.target >= 0)
			d->y[d->n] = y;
		if (cols.source >= 0 &&
		    hd_source_check(&rec, cols.source, hd_csv_name(in)) != 0)
			goto fail;
		if (cols.source >= 0)
			d->site[d->n] = hd_intern(&d->sites, &d->nsites,
			                          rec.field[cols.source]);
		d->n++;
	}
	if (rc < 0)
		goto fail;
	if (d->n == 0) {
		hd_err_at(hd_csv_name(in), hd_csv_lines(in) + 1, 0,
		          "no data rows after the header");
		goto fail;
	}
	hd_csv_sha256(in, d->sha256);
	hd_csv_close(&in);
	return 0;
fail:
	hd_csv_close(&in);
	hd_dataset_free(d);
	return -1;
}

void hd_dataset_subset(const struct hd_dataset *src, const size_t *idx,
                       size_t m, struct hd_dataset *dst)
{
	memset(dst, 0, sizeof *dst);
	dst->n = m;
	dst->X = hd_xmalloc((m ? m : 1) * HD_NFEAT * sizeof *dst->X);
	if (src->y != NULL)
		dst->y = hd_xmalloc(m ? m : 1);
	if (src->site != NULL) {
		dst->site = hd_xmalloc((m ? m : 1) * sizeof *dst->site);
		dst->sites = hd_xmalloc((src->nsites ? src->nsites : 1) *
		                        sizeof *dst->sites);
		for (size_t k = 0; k < src->nsites; k++)
			dst->sites[k] = hd_xstrdup(src->sites[k]);
		dst->nsites = src->nsites;
	}
	for (size_t i = 0; i < m; i++) {
		memcpy(dst->X + i * HD_NFEAT, src->X + idx[i] * HD_NFEAT,
		       HD_NFEAT * sizeof *dst->X);
		if (src->y != NULL)
			dst->y[i] = src->y[idx[i]];
		if (src->site != NULL)
			dst->site[i] = src->site[idx[i]];
	}
	memcpy(dst->sha256, src->sha256, sizeof dst->sha256);
}

void hd_dataset_free(struct hd_dataset *d)
{
	for (size_t k = 0; k < d->nsites; k++)
		free(d->sites[k]);
	free(d->sites);
	free(d->site);
	free(d->X);
	free(d->y);
	memset(d, 0, sizeof *d);
}
