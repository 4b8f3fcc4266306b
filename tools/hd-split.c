/*
 * hd-split - seeded, stratified train/test split, or k-fold numbers.
 *
 * Which rows go where depends on the class counts of the whole input,
 * known only at its end, and a filter reads its input once; so every
 * row is kept, as its CSV text in one arena (about the input's size)
 * plus an offset and a label a row.  Rows keep their input order in
 * every output.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[--seed N] [--test-size F] [--target NAME] --train FILE\n"
	"                --test FILE [FILE]\n"
	"       hd-split --folds K [--seed N] [--target NAME] [-o FILE] [FILE]",
	"Split clean CSV into stratified train and test parts, or number its\n"
	"rows with stratified folds.\n"
	"\n"
	"      --train FILE      write the training rows here\n"
	"      --test FILE       write the test rows here\n"
	"  -t, --test-size F     fraction of rows for the test part (0.2)\n"
	"  -k, --folds K         instead: append a 'fold' column, 0 to K-1\n"
	"  -o, --output FILE     where --folds writes (stdout)\n"
	"  -s, --seed N          random seed, 0 to 2^64-1 (42)\n"
	"  -y, --target NAME     the class column (target)\n"
	"      --help            show this help\n"
	"      --version         show the version\n",
};

/* Every row of the input, as CSV text. */
struct table {
	char *header; /* header line without newline, owned */
	FILE *arena;  /* memory stream that fills text */
	char *text;   /* rows' text, one after another, owned */
	size_t len;
	size_t *off; /* n + 1 offsets into text */
	uint8_t *y;  /* class of each row */
	size_t n, ncap;
};

/* Re-serialise a record: fields quoted only where they must be. */
static void put_record(FILE *fp, const struct hd_record *rec)
{
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			putc(',', fp);
		hd_csv_put(fp, rec->field[i], rec->len[i]);
	}
}

static int read_table(const char *path, const char *target, struct table *t)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	size_t ncol, ycol, hlen;
	struct hd_columns cols;
	long at;
	FILE *hfp;
	int rc, bad = 0, clean;

	if (in == NULL)
		return -1;
	if ((rc = hd_csv_next(in, &rec)) <= 0) {
		if (rc == 0)
			hd_err_at(hd_csv_name(in), 1, 0,
			          "empty input: "
			          "expected a header line");
		hd_csv_close(&in);
		return -1;
	}
	ncol = rec.n;
	if (hd_header_check(&rec, hd_csv_name(in)) != 0) {
		hd_csv_close(&in);
		return -1;
	}
	if ((at = hd_header_find(&rec, target)) < 0) {
		hd_err_at(hd_csv_name(in), rec.line, 0,
		          "no '%s' column in the header", target);
		hd_csv_close(&in);
		return -1;
	}
	ycol = (size_t)at;
	/* With the 13 feature columns it is clean CSV, and its values are
	 * checked too; any other table only needs its class column. */
	clean = 1;
	for (int f = 0; f < HD_NFEAT; f++)
		clean &= hd_header_find(&rec, hd_features[f].name) >= 0;
	if (clean && hd_header_map(&rec, hd_csv_name(in), &cols) != 0) {
		hd_csv_close(&in);
		return -1;
	}
	hfp = open_memstream(&t->header, &hlen);
	t->arena = open_memstream(&t->text, &t->len);
	if (hfp == NULL || t->arena == NULL) {
		hd_err("out of memory");
		exit(HD_EXIT_DATA);
	}
	put_record(hfp, &rec);
	fclose(hfp);

	while ((rc = hd_csv_next(in, &rec)) > 0) {
		const char *v;
		char ex[HD_EXCERPT], err[256];
		double x[HD_NFEAT];
		long where;
		uint8_t y;

		if (rec.n != ncol) {
			hd_err_at(hd_csv_name(in), rec.line, 0,
			          "expected %zu fields, found %zu", ncol,
			          rec.n);
			bad = 1;
			break;
		}
		/* Clean CSV is held to the rules every tool reads it by. */
		if (clean && hd_record_patient(&rec, &cols, x, NULL, err,
		                               sizeof err, &where) != 0) {
			hd_err_at(hd_csv_name(in), rec.line, where, "%s", err);
			bad = 1;
			break;
		}
		v = rec.field[ycol];
		if (hd_parse_label(v, &y) != 0) {
			hd_err_at(hd_csv_name(in), rec.line, (long)ycol + 1,
			          "%s: '%s' is not 0 or 1", target,
			          hd_excerpt(v, ex));
			bad = 1;
			break;
		}
		if (t->n + 1 >= t->ncap) {
			t->ncap = t->ncap ? 2 * t->ncap : 1024;
			t->off = hd_xrealloc(t->off, t->ncap * sizeof *t->off);
			t->y = hd_xrealloc(t->y, t->ncap);
		}
		t->off[t->n] = (size_t)ftello(t->arena);
		t->y[t->n] = y;
		t->n++;
		put_record(t->arena, &rec);
	}
	if (t->off != NULL)
		t->off[t->n] = (size_t)ftello(t->arena);
	/* Closing the stream settles text and len. */
	if (fclose(t->arena) != 0) {
		hd_err("out of memory");
		exit(HD_EXIT_DATA);
	}
	t->arena = NULL;
	hd_csv_close(&in);
	return rc < 0 || bad ? -1 : 0;
}

static void table_free(struct table *t)
{
	free(t->header);
	free(t->text);
	free(t->off);
	free(t->y);
	memset(t, 0, sizeof *t);
}

static void put_row(FILE *fp, const struct table *t, size_t i)
{
	fwrite(t->text + t->off[i], 1, t->off[i + 1] - t->off[i], fp);
}

/* Rows with part[i] == want go to path; header first. */
static int write_part(const char *path, const struct table *t,
                      const uint8_t *part, int want)
{
	struct hd_out o;

	if (hd_out_open(&o, path) != 0)
		return -1;
	fprintf(o.fp, "%s\n", t->header);
	for (size_t i = 0; i < t->n; i++)
		if (part[i] == want) {
			put_row(o.fp, t, i);
			putc('\n', o.fp);
		}
	return hd_out_commit(&o);
}

static int write_folds(const char *path, const struct table *t, int k,
                       uint64_t seed)
{
	int *fold = hd_xmalloc((t->n ? t->n : 1) * sizeof *fold);
	struct hd_out o;

	hd_stratified_folds(t->y, t->n, k, seed, fold);
	if (hd_out_open(&o, path) != 0) {
		free(fold);
		return -1;
	}
	fprintf(o.fp, "%s,fold\n", t->header);
	for (size_t i = 0; i < t->n; i++) {
		put_row(o.fp, t, i);
		fprintf(o.fp, ",%d\n", fold[i]);
	}
	free(fold);
	return hd_out_commit(&o);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "train", required_argument, NULL, 'r' },
		{ "test", required_argument, NULL, 'e' },
		{ "test-size", required_argument, NULL, 't' },
		{ "folds", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 'y' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *train = NULL, *test = NULL, *output = NULL;
	const char *target = HD_COL_TARGET, *input = "-";
	double test_size = 0.2;
	uint64_t seed = 42;
	long folds = 0;
	struct table t = { 0 };
	int c, rc;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "t:k:o:s:y:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r': train = optarg; break;
		case 'e': test = optarg; break;
		case 't':
			test_size = hd_opt_double("--test-size", optarg, 0, 1);
			if (test_size <= 0 || test_size >= 1) {
				hd_err("--test-size: '%s' must lie strictly "
				       "between 0 and 1",
				       optarg);
				return HD_EXIT_USAGE;
			}
			break;
		case 'k':
			folds = hd_opt_long("--folds", optarg, 2, 1000);
			break;
		case 'o': output = optarg; break;
		case 's': seed = hd_opt_seed("--seed", optarg); break;
		case 'y': target = optarg; break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc) {
		hd_err("one input file at most");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (folds == 0 && (train == NULL || test == NULL)) {
		hd_err("--train and --test are both needed (or --folds)");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (folds != 0 && (train != NULL || test != NULL)) {
		hd_err("--folds does not go with --train or --test");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (folds == 0 && hd_same_file(train, test)) {
		hd_err("--train and --test name the same file");
		return HD_EXIT_USAGE;
	}

	hd_out_cleanup_on_signals();
	if (read_table(input, target, &t) != 0) {
		table_free(&t);
		return HD_EXIT_DATA;
	}
	if (folds != 0) {
		rc = write_folds(output, &t, (int)folds, seed);
	} else {
		uint8_t *is_test = hd_xmalloc(t.n ? t.n : 1);

		hd_stratified_split(t.y, t.n, test_size, seed, is_test);
		/* Each file appears whole; make's .DELETE_ON_ERROR drops
		 * the first if the second fails. */
		rc = write_part(train, &t, is_test, 0);
		if (rc == 0)
			rc = write_part(test, &t, is_test, 1);
		free(is_test);
	}
	table_free(&t);
	return rc == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
}
