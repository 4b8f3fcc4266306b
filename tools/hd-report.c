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
 *
 * This file holds the options and main; the rest is in tools/hd-report/
 * (report.h says which part holds what).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hd-report/report.h"

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

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

/* noreturn as an attribute for cppcheck, as in cli.h */
static void __attribute__((noreturn, format(printf, 1, 2)))
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
		            "input)",
		            opt);
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
		            "letters, digits, _ or -",
		            opt, arg, MAX_NAME);
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
			usage_error("--metrics: %s is named twice",
			            r->cand[i].name);
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
			usage_error("--loso: %s is given twice",
			            r->cand[i].name);
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
		            "64 letters, digits, _, . or -",
		            arg);
	}
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->param[i].key, key) == 0) {
			free(key);
			usage_error("--param: %s is given twice",
			            r->param[i].key);
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
