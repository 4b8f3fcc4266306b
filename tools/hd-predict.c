/*
 * hd-predict - batch scoring: model + CSV of patients in, the same rows
 * with probability and prediction appended out.
 *
 * A filter in the strict sense: one row in, one row out, constant
 * memory, so it also runs as a Hadoop Streaming or Spark pipe() mapper.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[--threshold T] [--skip-bad] [--jobs N] [-o FILE] MODEL.json "
	"[FILE]",
	"Append probability and prediction to every row of a CSV of patients\n"
	"(the 13 feature columns by name; other columns pass through).\n"
	"\n"
	"  -t, --threshold T  predict 1 when probability >= T (0.5)\n"
	"  -s, --skip-bad     skip bad rows (counted on stderr) instead of\n"
	"                     failing\n"
	"  -o, --output FILE  write here, atomically (stdout)\n"
	"  -j, --jobs N       scoring threads, 0 = one per CPU (0)\n"
	"      --help         show this help\n"
	"      --version      show the version\n",
};

#define MAX_SHOWN 20

static void put_fields(FILE *fp, const struct hd_record *rec)
{
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			putc(',', fp);
		hd_csv_put(fp, rec->field[i], rec->len[i]);
	}
}

/*
 * Rows are scored a block at a time, so the scoring of a block can be
 * shared between threads; memory stays constant: one block of parsed
 * patients and of the text to write back.
 */
#define BLOCK 4096

struct block {
	double X[BLOCK * HD_NFEAT];
	double p[BLOCK];
	size_t off[BLOCK + 1]; /* row i's text is text[off[i]..off[i+1]) */
	char *text;            /* the rows' fields as they will be written */
	size_t cap;
	size_t n;
};

/* Append a record's fields, as CSV, to the block's text. */
static void block_text(struct block *b, const struct hd_record *rec)
{
	size_t need = b->off[b->n] + rec->n; /* commas */
	char *p;

	for (size_t i = 0; i < rec->n; i++)
		need += 2 * rec->len[i] + 2;
	if (need > b->cap) {
		b->cap = 2 * need;
		b->text = hd_xrealloc(b->text, b->cap);
	}
	p = b->text + b->off[b->n];
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			*p++ = ',';
		p = hd_csv_field(p, rec->field[i], rec->len[i]);
	}
	b->off[++b->n] = (size_t)(p - b->text);
}

static void block_flush(struct block *b, const struct hd_model *m,
                        double threshold, int jobs, FILE *out)
{
	char tail[HD_NUMBUF + 8];

	if (b->n == 0)
		return;
	hd_model_prob_many(m, b->X, b->n, b->p, jobs);
	for (size_t i = 0; i < b->n; i++) {
		size_t len;

		tail[0] = ',';
		hd_fmt_double(tail + 1, b->p[i]);
		len = strlen(tail);
		tail[len++] = ',';
		tail[len++] = b->p[i] >= threshold ? '1' : '0';
		tail[len++] = '\n';
		fwrite(b->text + b->off[i], 1, b->off[i + 1] - b->off[i], out);
		fwrite(tail, 1, len, out);
	}
	b->n = 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *model_path, *input = "-";
	double threshold = 0.5;
	int c, skip_bad = 0, jobs = 0, rc;
	struct hd_columns cols;
	long bad = 0;
	struct hd_model m;
	struct hd_csv *in;
	struct hd_record rec;
	struct hd_out out;
	struct block *b;
	char err[256];

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "t:so:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			threshold = hd_opt_double("--threshold", optarg, 0, 1);
			break;
		case 's': skip_bad = 1; break;
		case 'o': output = optarg; break;
		case 'j':
			jobs = (int)hd_opt_long("--jobs", optarg, 0, 16);
			break;
		default: hd_common_opt(c, &usage);
		}
	}
	hd_model_operands(argc, argv, &usage, &model_path, &input);

	if (hd_model_open(&m, model_path) != 0) {
		return HD_EXIT_DATA;
	}
	if ((in = hd_csv_open(input)) == NULL) {
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	hd_out_cleanup_on_signals();
	if (hd_out_open(&out, output) != 0) {
		hd_csv_close(&in);
		hd_model_free(&m);
		return HD_EXIT_DATA;
	}
	b = hd_xcalloc(1, sizeof *b);
	rc = hd_csv_next(in, &rec);
	if (rc == 0)
		hd_err_at(hd_csv_name(in), 1, 0,
		          "empty input: expected a header line");
	if (rc <= 0 || hd_header_map(&rec, hd_csv_name(in), &cols) != 0)
		goto fail;
	put_fields(out.fp, &rec);
	fputs(",probability,prediction\n", out.fp);

	while ((rc = hd_csv_next(in, &rec)) > 0) {
		long where;

		/* The target, if any, passes through unchecked: not needed. */
		if (hd_record_patient(&rec, &cols, b->X + b->n * HD_NFEAT, NULL,
		                      err, sizeof err, &where) != 0) {
			if (!skip_bad || bad < MAX_SHOWN)
				hd_err_at(hd_csv_name(in), rec.line, where,
				          "%s", err);
			bad++;
			if (!skip_bad)
				goto fail;
			continue;
		}
		block_text(b, &rec);
		if (b->n == BLOCK)
			block_flush(b, &m, threshold, jobs, out.fp);
	}
	if (rc < 0)
		goto fail;
	block_flush(b, &m, threshold, jobs, out.fp);
	if (bad > 0)
		hd_err("skipped %ld bad row%s", bad, bad == 1 ? "" : "s");
	rc = hd_out_commit(&out) == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
	goto done;
fail:
	hd_out_abort(&out);
	rc = HD_EXIT_DATA;
done:
	free(b->text);
	free(b);
	hd_csv_close(&in);
	hd_model_free(&m);
	return rc;
}
