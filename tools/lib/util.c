/*
 * util.c - diagnostics, memory and options: the command-line layer
 * (cli.h) that every tool shares.  These may print and exit.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *hd_prog = "hd";

/*
 * getopt prints its own messages with argv[0], so argv[0] is pointed
 * at the base name and every diagnostic carries the same "hd-x:"
 * prefix.  The string itself is left alone: it is what ps and
 * /proc/PID/cmdline show, and moving bytes in it garbled them.
 */
void hd_set_prog(char **argv)
{
	char *slash;

	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return;
	slash = strrchr(argv[0], '/');
	if (slash != NULL && slash[1] != '\0')
		argv[0] = slash + 1;
	hd_prog = argv[0];
}

void hd_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", hd_prog);
	va_start(ap, fmt);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hd_err_at(const char *file, long line, long col, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s", hd_prog, file ? file : "-");
	if (line > 0)
		fprintf(stderr, ":%ld", line);
	if (line > 0 && col > 0)
		fprintf(stderr, ":%ld", col);
	fputs(": ", stderr);
	va_start(ap, fmt);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *hd_excerpt(const char *s, char buf[HD_EXCERPT])
{
	size_t n = strlen(s), k = 0;

	for (size_t i = 0; i < n && i < HD_EXCERPT_LEN; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(buf + k, HD_EXCERPT - k,
			                      "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	buf[k] = '\0';
	if (n > HD_EXCERPT_LEN)
		snprintf(buf + k, HD_EXCERPT - k, "...(%zu bytes)", n);
	return buf;
}

static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "%s: out of memory (%zu bytes)\n", hd_prog, n);
	abort();
}

void *hd_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *hd_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *hd_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *hd_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(hd_xmalloc(n), s, n);
}

char *hd_xvprintf(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		hd_err("vsnprintf: %s", strerror(errno));
		abort();
	}
	s = hd_xmalloc((size_t)n + 1);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *hd_xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = hd_xvprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

_Noreturn void hd_usage_exit(const struct hd_usage *u, int status)
{
	FILE *fp = status == HD_EXIT_OK ? stdout : stderr;

	fprintf(fp, "usage: %s %s\n", hd_prog, u->synopsis);
	if (status == HD_EXIT_OK && u->options)
		fprintf(fp, "\n%s", u->options);
	else if (status != HD_EXIT_OK)
		fprintf(fp, "Try '%s --help' for more information.\n", hd_prog);
	exit(status);
}

_Noreturn void hd_version_exit(void)
{
	printf("%s (hd) %s\n", hd_prog, HD_VERSION);
	exit(HD_EXIT_OK);
}

void hd_common_opt(int c, const struct hd_usage *u)
{
	switch (c) {
	case HD_OPT_HELP: hd_usage_exit(u, HD_EXIT_OK);
	case HD_OPT_VERSION: hd_version_exit();
	case '?':
	case ':':
		/* getopt already said what was wrong */
		hd_usage_exit(u, HD_EXIT_USAGE);
	default: return;
	}
}

double hd_opt_double(const char *opt, const char *arg, double min, double max)
{
	double x;

	if (hd_parse_double(arg, &x) != 0 || x < min || x > max) {
		char a[HD_NUMBUF], b[HD_NUMBUF];

		hd_err("%s: '%s' is not a number from %s to %s", opt, arg,
		       hd_fmt_double(a, min), hd_fmt_double(b, max));
		exit(HD_EXIT_USAGE);
	}
	return x;
}

long hd_opt_long(const char *opt, const char *arg, long min, long max)
{
	long v;

	if (hd_parse_long(arg, min, max, &v) != 0) {
		hd_err("%s: '%s' is not a whole number from %ld to %ld", opt,
		       arg, min, max);
		exit(HD_EXIT_USAGE);
	}
	return v;
}

uint64_t hd_opt_seed(const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (*end == '\0' && errno != ERANGE)
			return (uint64_t)v;
	}
	hd_err("%s: '%s' is not a whole number from 0 to 2^64-1", opt, arg);
	exit(HD_EXIT_USAGE);
}

void hd_model_operands(int argc, char **argv, const struct hd_usage *u,
                       const char **model, const char **data)
{
	if (optind >= argc) {
		hd_err("no model file named");
		hd_usage_exit(u, HD_EXIT_USAGE);
	}
	*model = argv[optind++];
	if (optind < argc)
		*data = argv[optind++];
	if (optind < argc)
		hd_usage_exit(u, HD_EXIT_USAGE);
}

int hd_model_open(struct hd_model *m, const char *path)
{
	char err[512];

	if (hd_model_load(m, path, 0, err, sizeof err) == 0)
		return 0;
	hd_err("%s: %s", path, err);
	return -1;
}
