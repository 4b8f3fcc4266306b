/*
 * hd-clean - raw UCI heart-disease files to one canonical CSV.
 *
 * Streams: each row is checked, normalised and written as soon as it is
 * read.  The only state that grows with the input is the set of rows
 * already written, kept as 128-bit digests (16 bytes a row) to drop
 * exact duplicates.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[-o FILE] [--source NAME] [--drop-bad] [--zeros-missing] [-v] "
	"[FILE...]",
	"Read the UCI processed.*.data files (or stdin) and write clean CSV.\n"
	"\n"
	"  -o, --output FILE   write here (atomically) instead of stdout\n"
	"  -s, --source NAME   site name for every row (needed for stdin);\n"
	"                      otherwise taken from processed.NAME.data\n"
	"  -d, --drop-bad      drop bad rows (counted on stderr) instead of\n"
	"                      failing\n"
	"  -z, --zeros-missing treat chol = 0 and trestbps = 0 as missing\n"
	"  -v, --verbose       print row counts on stderr\n"
	"      --help          show this help\n"
	"      --version       show the version\n",
};

#define NRAW (HD_NFEAT + 1) /* 13 features and num */
#define MAX_SHOWN 20        /* bad rows described before going quiet */

/* ---------------------------------------------------------------------
 * A set of 128-bit row digests (open addressing, linear probing)
 * ------------------------------------------------------------------- */

struct digest {
	uint64_t a, b;
}; /* a == 0 && b == 0: empty slot */

struct set {
	struct digest *slot;
	size_t cap, n; /* cap is a power of two */
};

static int set_add(struct set *s, struct digest d);

static void set_grow(struct set *s)
{
	struct set bigger = { NULL, s->cap ? 2 * s->cap : 1024, 0 };

	bigger.slot = hd_xcalloc(bigger.cap, sizeof *bigger.slot);
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i].a || s->slot[i].b)
			set_add(&bigger, s->slot[i]);
	free(s->slot);
	*s = bigger;
}

/* 1 if d was new, 0 if already there. */
static int set_add(struct set *s, struct digest d)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap)
		set_grow(s);
	if (d.a == 0 && d.b == 0)
		d.b = 1; /* the empty marker; one digest in 2^128 */
	for (i = d.a & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i].a == d.a && s->slot[i].b == d.b)
			return 0;
		if (s->slot[i].a == 0 && s->slot[i].b == 0)
			break;
	}
	s->slot[i] = d;
	s->n++;
	return 1;
}

/* ---------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------- */

struct opts {
	const char *source;
	int drop_bad, zeros_missing, verbose;
};

struct stats {
	long read, written, dups, bad;
};

/* "processed.cleveland.data" -> "cleveland"; else the name up to a dot. */
static char *site_of(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *end;
	char *s;

	base = base ? base + 1 : path;
	if (strncmp(base, "processed.", 10) == 0)
		base += 10;
	end = strchr(base, '.');
	if (end == NULL)
		end = base + strlen(base);
	s = hd_xmalloc((size_t)(end - base) + 1);
	memcpy(s, base, (size_t)(end - base));
	s[end - base] = '\0';
	return s;
}

/* The values a feature may take, for a message: "0 to 120", "1, 2, 3, 4". */
static const char *allowed(const struct hd_feature *f, char buf[HD_NUMBUF])
{
	char lo[HD_NUMBUF], hi[HD_NUMBUF];
	size_t len = 0;

	if (f->kind == HD_NUMERIC) {
		snprintf(buf, HD_NUMBUF, "%s to %s", hd_fmt_double(lo, f->min),
		         hd_fmt_double(hi, f->max));
		return buf;
	}
	for (unsigned v = 0; v < 8 * sizeof f->levels; v++)
		if (f->levels & (1u << v))
			len += (size_t)snprintf(buf + len, HD_NUMBUF - len,
			                        "%s%u", len ? ", " : "", v);
	return buf;
}

static int is_missing(const char *s)
{
	return s[0] == '\0' || strcmp(s, "?") == 0;
}

/*
 * Check one raw record and build its clean line in line[] (without the
 * newline).  Returns 0, or -1 after describing the first bad field
 * (when show is set).
 */
static int clean_row(const struct hd_record *rec, const char *file,
                     const char *site, const struct opts *o, int show,
                     char *line, size_t cap)
{
	char num[HD_NUMBUF], ex[HD_EXCERPT];
	size_t len = 0;
	double x;

	if (rec->n != NRAW) {
		if (show)
			hd_err_at(file, rec->line, 0,
			          "expected %d fields, found %zu", NRAW,
			          rec->n);
		return -1;
	}
	len += (size_t)snprintf(line, cap, "%s", site);
	for (size_t i = 0; i < NRAW; i++) {
		const char *v = rec->field[i];
		const char *name = i < HD_NFEAT ? hd_features[i].name : "num";
		const char *text = "";

		if (is_missing(v)) {
			if (i == HD_NFEAT) {
				if (show)
					hd_err_at(file, rec->line, (long)i + 1,
					          "num: missing; every row needs "
					          "its diagnosis");
				return -1;
			}
		} else if (hd_parse_double(v, &x) != 0) {
			if (show)
				hd_err_at(file, rec->line, (long)i + 1,
				          "%s: '%s' is not a number", name,
				          hd_excerpt(v, ex));
			return -1;
		} else if (i == HD_NFEAT) {
			if (x != 0 && x != 1 && x != 2 && x != 3 && x != 4) {
				if (show)
					hd_err_at(file, rec->line, (long)i + 1,
					          "num: '%s' is not 0, 1, 2, 3 "
					          "or 4",
					          hd_excerpt(v, ex));
				return -1;
			}
			text = x > 0 ? "1" : "0";
		} else {
			const struct hd_feature *f = &hd_features[i];
			const char *why = hd_feature_check(f, x, 1);

			if (why != NULL) {
				if (show)
					hd_err_at(file, rec->line, (long)i + 1,
					          "%s: '%s' is %s (%s)", name,
					          hd_excerpt(v, ex), why,
					          allowed(f, num));
				return -1;
			}
			if (!(o->zeros_missing && x == 0 && f->zero_is_missing))
				text = hd_fmt_double(num, x);
		}
		size_t tl = strlen(text);

		/* the caller sized line for this */
		if (len + tl + 2 > cap)
			abort();
		line[len++] = ',';
		memcpy(line + len, text, tl + 1);
		len += tl;
	}
	return 0;
}

/* Clean one input; returns 0, or -1 on an I/O or CSV syntax error. */
static int clean_file(const char *path, const struct opts *o, struct set *seen,
                      struct stats *st, FILE *out)
{
	struct hd_csv *in = hd_csv_open(path);
	struct hd_record rec;
	char *site, *line;
	size_t cap;
	int rc;

	if (in == NULL)
		return -1;
	site = o->source ? hd_xstrdup(o->source) : site_of(path);
	/* What every reader of clean CSV requires of a source (hd-eda(1)):
	 * text, UTF-8 since JSON files carry it. */
	if (site[0] == '\0' || !hd_utf8_valid(site, strlen(site))) {
		char ex[HD_EXCERPT];

		hd_err("%s: the file name gives no usable site name ('%s'); "
		       "name it with --source",
		       path, hd_excerpt(site, ex));
		free(site);
		hd_csv_close(&in);
		return -1;
	}
	/* Room for the site and every field at its longest, whatever the
	 * site's name: a row never fails for want of space. */
	cap = strlen(site) + (size_t)NRAW * (HD_NUMBUF + 1) + 1;
	line = hd_xmalloc(cap);
	while ((rc = hd_csv_next(in, &rec)) > 0) {
		struct digest d;
		uint8_t h[32];

		st->read++;
		if (clean_row(&rec, hd_csv_name(in), site, o,
		              st->bad < MAX_SHOWN, line, cap) != 0) {
			if (++st->bad == MAX_SHOWN + 1)
				hd_err("more bad rows follow; not showing them");
			continue;
		}
		hd_sha256(line, strlen(line), h);
		memcpy(&d.a, h, 8);
		memcpy(&d.b, h + 8, 8);
		if (!set_add(seen, d)) {
			st->dups++;
			continue;
		}
		hd_csv_put(out, site, strlen(site));
		fputs(line + strlen(site), out);
		putc('\n', out);
		st->written++;
	}
	free(line);
	free(site);
	hd_csv_close(&in);
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "source", required_argument, NULL, 's' },
		{ "drop-bad", no_argument, NULL, 'd' },
		{ "zeros-missing", no_argument, NULL, 'z' },
		{ "verbose", no_argument, NULL, 'v' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0 };
	struct stats st = { 0 };
	struct set seen = { 0 };
	const char *output = NULL;
	char *stdin_only[] = { "-", NULL };
	char **files;
	struct hd_out out;
	int c, failed = 0;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "o:s:dzv", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 's': o.source = optarg; break;
		case 'd': o.drop_bad = 1; break;
		case 'z': o.zeros_missing = 1; break;
		case 'v': o.verbose = 1; break;
		default: hd_common_opt(c, &usage);
		}
	}
	files = optind < argc ? argv + optind : stdin_only;
	if (o.source == NULL)
		for (char **f = files; *f; f++)
			if (strcmp(*f, "-") == 0) {
				hd_err("reading standard input needs --source "
				       "NAME to name the site");
				hd_usage_exit(&usage, HD_EXIT_USAGE);
			}
	if (o.source != NULL &&
	    (o.source[0] == '\0' || strpbrk(o.source, ",\"\r\n") != NULL ||
	     !hd_utf8_valid(o.source, strlen(o.source)))) {
		char ex[HD_EXCERPT];

		hd_err("--source: '%s' is not a usable site name",
		       hd_excerpt(o.source, ex));
		return HD_EXIT_USAGE;
	}

	hd_out_cleanup_on_signals();
	if (hd_out_open(&out, output) != 0)
		return HD_EXIT_DATA;
	fputs(HD_COL_SOURCE, out.fp);
	for (int i = 0; i < HD_NFEAT; i++)
		fprintf(out.fp, ",%s", hd_features[i].name);
	fputs("," HD_COL_TARGET "\n", out.fp);

	for (char **f = files; *f && !failed; f++)
		if (clean_file(*f, &o, &seen, &st, out.fp) != 0)
			failed = 1;
	free(seen.slot);

	if (!failed && st.bad > 0 && !o.drop_bad) {
		hd_err("%ld bad row%s; fix %s or use --drop-bad", st.bad,
		       st.bad == 1 ? "" : "s", st.bad == 1 ? "it" : "them");
		failed = 1;
	}
	if (failed) {
		hd_out_abort(&out);
		return HD_EXIT_DATA;
	}
	if (st.bad > 0)
		hd_err("dropped %ld bad row%s", st.bad, st.bad == 1 ? "" : "s");
	if (o.verbose)
		hd_err("%ld rows read, %ld bad, %ld duplicates, %ld written",
		       st.read, st.bad, st.dups, st.written);
	return hd_out_commit(&out) == 0 ? HD_EXIT_OK : HD_EXIT_DATA;
}
