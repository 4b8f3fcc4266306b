/*
 * hd-predict - batch scoring: model + CSV of patients in, the same rows
 * with probability and prediction appended out.
 *
 * A filter in the strict sense: one row in, one row out, constant
 * memory.  Its streaming mode (--no-header, --columns) is the mapper
 * that Hadoop Streaming, Spark's pipe() and GNU parallel --pipe run on
 * pieces of a file cut at line ends: no header needed, a header line
 * skipped wherever it appears, exactly one line out per line in,
 * [key,]probability,prediction.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[--threshold T] [--on-error fail|skip|null] [--skip-bad]\n"
	"       [--no-header] [--columns A,B,...] [--key NAME] [--batch N]\n"
	"       [--jobs N] [-o FILE] MODEL.json [FILE]",
	"Append probability and prediction to every row of a CSV of patients\n"
	"(the 13 feature columns by name; other columns pass through).\n"
	"Streaming mode (--no-header or --columns): no header, a header line\n"
	"skipped wherever it appears, one line out per line in: the key (if\n"
	"--key), probability and prediction.\n"
	"\n"
	"  -t, --threshold T  predict 1 when probability >= T (0.5)\n"
	"  -e, --on-error M   a bad row: fail (exit 1), skip it, or null:\n"
	"                     write it with empty probability and prediction\n"
	"                     (fail)\n"
	"  -s, --skip-bad     the same as --on-error skip\n"
	"  -H, --no-header    streaming: no header, the 13 features in the\n"
	"                     UCI order (age,sex,cp,...,thal)\n"
	"  -c, --columns A,B  streaming: the input's columns, by name\n"
	"  -k, --key NAME     streaming: pass column NAME through, first\n"
	"  -b, --batch N      rows scored and written at a time, 1 to 4096\n"
	"                     (4096); streaming output is flushed after each\n"
	"  -o, --output FILE  write here, atomically (stdout)\n"
	"  -j, --jobs N       scoring threads, 0 = one per CPU (0)\n"
	"      --help         show this help\n"
	"      --version      show the version\n",
};

#define MAX_SHOWN 20

enum on_error { ON_ERROR_FAIL, ON_ERROR_SKIP, ON_ERROR_NULL };

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
	unsigned char bad[BLOCK]; /* written with empty probability */
	size_t off[BLOCK + 1];    /* row i's text is text[off[i]..off[i+1]) */
	char *text;               /* the rows' fields as they will be written */
	size_t cap;
	size_t n;
};

/* Append fields [0, nf) of f (lengths len), as CSV, to the block's text. */
static void block_text(struct block *b, char *const *f, const size_t *len,
                       size_t nf)
{
	size_t need = b->off[b->n] + nf; /* commas */
	char *p;

	for (size_t i = 0; i < nf; i++)
		need += 2 * len[i] + 2;
	if (need > b->cap) {
		b->cap = 2 * need;
		b->text = hd_xrealloc(b->text, b->cap);
	}
	p = b->text + b->off[b->n];
	for (size_t i = 0; i < nf; i++) {
		if (i)
			*p++ = ',';
		p = hd_csv_field(p, f[i], len[i]);
	}
	b->off[++b->n] = (size_t)(p - b->text);
}

/*
 * Score the block and write it: each row's text, then (after a comma
 * when lead) the probability and the prediction, or two empty fields
 * for a bad row.
 */
static void block_flush(struct block *b, const struct hd_model *m,
                        double threshold, int jobs, int lead, FILE *out)
{
	char tail[HD_NUMBUF + 8];

	if (b->n == 0)
		return;
	hd_model_prob_many(m, b->X, b->n, b->p, jobs);
	for (size_t i = 0; i < b->n; i++) {
		size_t len = 0;

		if (lead)
			tail[len++] = ',';
		if (b->bad[i]) {
			tail[len++] = ',';
		} else {
			hd_fmt_double(tail + len, b->p[i]);
			len += strlen(tail + len);
			tail[len++] = ',';
			tail[len++] = b->p[i] >= threshold ? '1' : '0';
		}
		tail[len++] = '\n';
		fwrite(b->text + b->off[i], 1, b->off[i + 1] - b->off[i], out);
		fwrite(tail, 1, len, out);
	}
	b->n = 0;
}

/*
 * A full block is scored and written by a thread of its own while the
 * next one is read: reading is about a sixth of the work for a forest,
 * and would otherwise leave the scoring threads idle.  One block is in
 * flight at a time, so the output keeps the input's order.
 */
struct flusher {
	struct block *b;
	const struct hd_model *m;
	double threshold;
	int jobs, lead, streaming;
	FILE *out;
	int err; /* the streaming fflush failed */
	pthread_t tid;
	int running;
};

static void *flush_run(void *arg)
{
	struct flusher *f = arg;

	block_flush(f->b, f->m, f->threshold, f->jobs, f->lead, f->out);
	/* A pipe's reader gets each batch as it is scored. */
	f->err = f->streaming && fflush(f->out) != 0;
	return NULL;
}

/* Wait for the block in flight, if any; -1 if its write failed. */
static int flush_wait(struct flusher *f)
{
	if (f->running) {
		pthread_join(f->tid, NULL);
		f->running = 0;
	}
	return f->err ? -1 : 0;
}

/* Score and write b in the background (here, if no thread starts). */
static int flush_start(struct flusher *f, struct block *b)
{
	if (flush_wait(f) != 0)
		return -1;
	f->b = b;
	if (pthread_create(&f->tid, NULL, flush_run, f) == 0) {
		f->running = 1;
		return 0;
	}
	flush_run(f);
	return f->err ? -1 : 0;
}

/*
 * The columns of streaming mode as a header record: --columns split at
 * commas, or the model's features in order.  The record's fields point
 * into *buf, which the caller frees, as it frees rec->field and rec->len.
 */
static void stream_header(const char *list, char **buf, struct hd_record *rec)
{
	size_t n = 1;
	char *s;

	if (list == NULL) {
		size_t total = 0;

		for (int f = 0; f < HD_NFEAT; f++)
			total += strlen(hd_features[f].name) + 1;
		*buf = hd_xmalloc(total);
		s = *buf;
		for (int f = 0; f < HD_NFEAT; f++) {
			size_t l = strlen(hd_features[f].name);

			memcpy(s, hd_features[f].name, l);
			s[l] = f + 1 < HD_NFEAT ? ',' : '\0';
			s += l + 1;
		}
	} else {
		*buf = hd_xstrdup(list);
	}
	for (s = *buf; *s; s++)
		n += *s == ',';
	rec->field = hd_xmalloc(n * sizeof *rec->field);
	rec->len = hd_xmalloc(n * sizeof *rec->len);
	rec->n = 0;
	rec->line = 0;
	for (s = *buf;; s++) {
		char *end = strchr(s, ',');

		if (end != NULL)
			*end = '\0';
		rec->field[rec->n] = s;
		rec->len[rec->n++] = strlen(s);
		if (end == NULL)
			break;
		s = end;
	}
}

/* Is rec the header line hdr again (every field the same)? */
static int is_header(const struct hd_record *rec, const struct hd_record *hdr)
{
	if (rec->n != hdr->n)
		return 0;
	for (size_t i = 0; i < rec->n; i++)
		if (rec->len[i] != hdr->len[i] ||
		    memcmp(rec->field[i], hdr->field[i], rec->len[i]) != 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "on-error", required_argument, NULL, 'e' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "columns", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *model_path, *input = "-";
	const char *columns = NULL, *key_name = NULL;
	double threshold = 0.5;
	int c, jobs = 0, rc, streaming = 0, lead = 1;
	enum on_error on_error = ON_ERROR_FAIL;
	size_t batch = BLOCK;
	long key = -1; /* streaming: the key's field index */
	struct hd_columns cols;
	long bad = 0, lines = 0;
	struct hd_model m;
	struct hd_csv *in;
	struct hd_record rec, hdr = { 0 };
	char *hdr_buf = NULL;
	struct hd_out out;
	struct block *b, *blocks = NULL;
	struct flusher fl = { 0 };
	char err[256];
	char empty[1] = "", *no_key[1] = { empty };
	size_t zero = 0;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "t:e:sHc:k:b:o:j:", longopts,
	                        NULL)) != -1) {
		switch (c) {
		case 't':
			threshold = hd_opt_double("--threshold", optarg, 0, 1);
			break;
		case 'e':
			if (strcmp(optarg, "fail") == 0)
				on_error = ON_ERROR_FAIL;
			else if (strcmp(optarg, "skip") == 0)
				on_error = ON_ERROR_SKIP;
			else if (strcmp(optarg, "null") == 0)
				on_error = ON_ERROR_NULL;
			else {
				hd_err("--on-error: '%s' is not fail, skip or "
				       "null",
				       optarg);
				hd_usage_exit(&usage, HD_EXIT_USAGE);
			}
			break;
		case 's': on_error = ON_ERROR_SKIP; break;
		case 'H': streaming = 1; break;
		case 'c':
			columns = optarg;
			streaming = 1;
			break;
		case 'k': key_name = optarg; break;
		case 'b':
			batch = (size_t)hd_opt_long("--batch", optarg, 1,
			                            BLOCK);
			break;
		case 'o': output = optarg; break;
		case 'j':
			jobs = (int)hd_opt_long("--jobs", optarg, 0, 16);
			break;
		default: hd_common_opt(c, &usage);
		}
	}
	hd_model_operands(argc, argv, &usage, &model_path, &input);
	if (key_name != NULL && !streaming) {
		hd_err("--key needs --no-header or --columns (with a header, "
		       "every column passes through)");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (streaming) {
		stream_header(columns, &hdr_buf, &hdr);
		if (hd_header_map(&hdr, "--columns", &cols) != 0) {
			rc = HD_EXIT_USAGE;
			goto early;
		}
		if (key_name != NULL &&
		    (key = hd_header_find(&hdr, key_name)) < 0) {
			char ex[HD_EXCERPT];

			hd_err("--key: '%s' is not one of the columns",
			       hd_excerpt(key_name, ex));
			rc = HD_EXIT_USAGE;
			goto early;
		}
		lead = key >= 0;
	}

	if (hd_model_open(&m, model_path) != 0) {
		rc = HD_EXIT_DATA;
		goto early;
	}
	/* A batch of rows walks a forest's narrow form (without memory for
	 * it, the same doubles, only slower). */
	if (m.kind == HD_RF)
		(void)hd_rf_narrow(&m.rf);
	if ((in = hd_csv_open(input)) == NULL) {
		hd_model_free(&m);
		rc = HD_EXIT_DATA;
		goto early;
	}
	if (streaming)
		hd_csv_line_mode(in);
	hd_out_cleanup_on_signals();
	if (hd_out_open(&out, output) != 0) {
		hd_csv_close(&in);
		hd_model_free(&m);
		rc = HD_EXIT_DATA;
		goto early;
	}
	blocks = hd_xcalloc(2, sizeof *blocks);
	for (int k = 0; k < 2; k++) {
		/* Never NULL, even for rows of no text (streaming without a
		 * key). */
		blocks[k].cap = 4096;
		blocks[k].text = hd_xmalloc(blocks[k].cap);
	}
	b = &blocks[0];
	fl = (struct flusher){ .m = &m,
		               .threshold = threshold,
		               .jobs = jobs,
		               .lead = lead,
		               .streaming = streaming,
		               .out = out.fp };
	if (!streaming) {
		rc = hd_csv_next(in, &rec);
		if (rc == 0)
			hd_err_at(hd_csv_name(in), 1, 0,
			          "empty input: expected a header line");
		if (rc <= 0 || hd_header_map(&rec, hd_csv_name(in), &cols) != 0)
			goto fail;
		put_fields(out.fp, &rec);
		fputs(",probability,prediction\n", out.fp);
	}

	while ((rc = hd_csv_next(in, &rec)) > 0) {
		double *x = b->X + b->n * HD_NFEAT;
		long where;
		int ok;

		if (rc == HD_CSV_BAD) {
			snprintf(err, sizeof err, "%s", hd_csv_why(in, &where));
			ok = 0;
		} else if (streaming && is_header(&rec, &hdr)) {
			continue; /* a header line: not a record */
		} else {
			/* The target, if any, passes through unchecked. */
			ok = hd_record_patient(&rec, &cols, x, NULL, err,
			                       sizeof err, &where) == 0;
		}
		lines++;
		if (!ok) {
			if (on_error == ON_ERROR_FAIL || bad < MAX_SHOWN)
				hd_err_at(hd_csv_name(in), rec.line, where,
				          "%s", err);
			bad++;
			if (on_error == ON_ERROR_FAIL)
				goto fail;
			if (on_error == ON_ERROR_SKIP)
				continue;
			/* null: scored as all missing, written empty */
			for (int f = 0; f < HD_NFEAT; f++)
				x[f] = NAN;
		}
		b->bad[b->n] = !ok;
		if (!streaming)
			block_text(b, rec.field, rec.len, rec.n);
		else if (key < 0)
			block_text(b, NULL, NULL, 0);
		else if ((size_t)key < rec.n)
			block_text(b, rec.field + key, rec.len + key, 1);
		else /* a short line: its key is empty */
			block_text(b, no_key, &zero, 1);
		if (b->n == batch) {
			if (flush_start(&fl, b) != 0)
				goto fail;
			b = b == &blocks[0] ? &blocks[1] : &blocks[0];
		}
	}
	if (rc < 0 || flush_wait(&fl) != 0)
		goto fail;
	block_flush(b, &m, threshold, jobs, lead, out.fp);
	if (bad > 0 && !streaming)
		hd_err("%s %ld bad row%s",
		       on_error == ON_ERROR_SKIP ? "skipped"
		                                 : "no probability for",
		       bad, bad == 1 ? "" : "s");
	else if (bad > 0)
		hd_err("%s: %ld of %ld line%s refused (%s)", hd_csv_name(in),
		       bad, lines, lines == 1 ? "" : "s",
		       on_error == ON_ERROR_SKIP
		               ? "skipped"
		               : "written with empty probability and "
		                 "prediction");
	rc = hd_out_commit(&out) == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
	goto done;
fail:
	flush_wait(&fl);
	hd_out_abort(&out);
	rc = HD_EXIT_DATA;
done:
	for (int k = 0; blocks != NULL && k < 2; k++)
		free(blocks[k].text);
	free(blocks);
	hd_csv_close(&in);
	hd_model_free(&m);
early:
	free(hdr.field);
	free(hdr.len);
	free(hdr_buf);
	return rc;
}
