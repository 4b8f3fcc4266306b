/*
 * data.c - labelled patients from clean CSV.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "model.h"

int hd_header_map(const struct hd_record *rec, const char *file,
                  int col[HD_NFEAT], int *target_col)
{
	int missing = 0;

	for (int f = 0; f < HD_NFEAT; f++)
		col[f] = -1;
	*target_col = -1;
	for (size_t i = 0; i < rec->n; i++) {
		int f = hd_feature_index(rec->field[i]);

		if (f >= 0 && col[f] < 0)
			col[f] = (int)i;
		else if (strcmp(rec->field[i], HD_COL_TARGET) == 0 &&
		         *target_col < 0)
			*target_col = (int)i;
	}
	for (int f = 0; f < HD_NFEAT; f++)
		if (col[f] < 0) {
			hd_err_at(file, rec->line, 0,
			          "no '%s' column in the header",
			          hd_features[f].name);
			missing = 1;
		}
	return missing ? -1 : 0;
}

int hd_record_patient(const struct hd_record *rec, const int col[HD_NFEAT],
                      int target_col, double x[HD_NFEAT], uint8_t *y,
                      char *err, size_t errlen, long *bad_col)
{
	for (int f = 0; f < HD_NFEAT; f++) {
		const char *v;
		const char *why;

		if ((size_t)col[f] >= rec->n) {
			snprintf(err, errlen, "expected at least %d fields, "
			         "found %zu", col[f] + 1, rec->n);
			*bad_col = 0;
			return -1;
		}
		v = rec->field[col[f]];
		*bad_col = col[f] + 1;
		if (v[0] == '\0') {
			x[f] = NAN;
			continue;
		}
		if (hd_parse_double(v, &x[f]) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number",
			         hd_features[f].name, v);
			return -1;
		}
		why = hd_feature_check(&hd_features[f], x[f], 0);
		if (why != NULL) {
			char lo[HD_NUMBUF], hi[HD_NUMBUF];

			snprintf(err, errlen, "%s: '%s' is %s (%s to %s)",
			         hd_features[f].name, v, why,
			         hd_fmt_double(lo, hd_features[f].min),
			         hd_fmt_double(hi, hd_features[f].max));
			return -1;
		}
	}
	if (target_col >= 0) {
		const char *v;

		*bad_col = target_col + 1;
		if ((size_t)target_col >= rec->n) {
			snprintf(err, errlen, "no %s field", HD_COL_TARGET);
			*bad_col = 0;
			return -1;
		}
		v = rec->field[target_col];
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			snprintf(err, errlen, "%s: '%s' is not 0 or 1",
			         HD_COL_TARGET, v);
			return -1;
		}
		*y = (uint8_t)(v[0] - '0');
	}
	return 0;
}

int hd_dataset_read(const char *path, int need_target, struct hd_dataset *d)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	int col[HD_NFEAT], ycol, rc;
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
	if (hd_header_map(&rec, hd_csv_name(in), col, &ycol) != 0)
		goto fail;
	if (need_target && ycol < 0) {
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
			if (ycol >= 0)
				d->y = hd_xrealloc(d->y, cap);
		}
		if (hd_record_patient(&rec, col, ycol, d->X + d->n * HD_NFEAT,
		                      &y, err, sizeof err, &bad) != 0) {
			hd_err_at(hd_csv_name(in), rec.line, bad, "%s", err);
			goto fail;
		}
		if (ycol >= 0)
			d->y[d->n] = y;
		d->n++;
	}
	if (rc < 0)
		goto fail;
	if (d->n == 0) {
		hd_err("%s: no data rows", hd_csv_name(in));
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
	for (size_t i = 0; i < m; i++) {
		memcpy(dst->X + i * HD_NFEAT, src->X + idx[i] * HD_NFEAT,
		       HD_NFEAT * sizeof *dst->X);
		if (src->y != NULL)
			dst->y[i] = src->y[idx[i]];
	}
	memcpy(dst->sha256, src->sha256, sizeof dst->sha256);
}

void hd_dataset_free(struct hd_dataset *d)
{
	free(d->X);
	free(d->y);
	memset(d, 0, sizeof *d);
}
