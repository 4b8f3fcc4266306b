/*
 * hd.h - the library every hd-* program shares.
 *
 * Chapters: diagnostics and memory, numbers, options, output files,
 * CSV input, JSON, hashing, random numbers and stratification, the
 * data schema.  Library functions report errors by return value and a
 * message; only a program's main() exits.
 */
#ifndef HD_H
#define HD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#define HD_VERSION "0.1.0"

/* Exit codes, the same in every tool and man page. */
enum { HD_EXIT_OK = 0, HD_EXIT_DATA = 1, HD_EXIT_USAGE = 2 };

/* A SHA-256 digest in hex, with its NUL. */
#define HD_SHA256_HEX 65

/* ---------------------------------------------------------------------
 * Diagnostics and memory
 * ------------------------------------------------------------------- */

/* Set once from argv[0] (trimmed to its base name); prefixes every
 * diagnostic, getopt's included. */
extern const char *hd_prog;
void hd_set_prog(char *argv0);

/* "prog: message\n" on stderr. */
void hd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: file:line:col: message\n"; line or col 0 leaves that part out. */
void hd_err_at(const char *file, long line, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Command-line tools abort on out-of-memory through these. */
void *hd_xmalloc(size_t n);
void *hd_xcalloc(size_t n, size_t size);
void *hd_xrealloc(void *p, size_t n);
char *hd_xstrdup(const char *s);

/* ---------------------------------------------------------------------
 * Numbers
 * ------------------------------------------------------------------- */

/*
 * Parse a whole decimal number: optional sign, digits with an optional
 * point ("63", "63.0", ".7", "-2.6"), optional exponent.  No hex, no
 * inf/nan, no surrounding blanks.  Returns 0 and sets *out, or -1.
 */
int hd_parse_double(const char *s, double *out);
/* The same for a number at the start of s; returns its end, or NULL. */
const char *hd_parse_number(const char *s, double *out);
/* Parse a whole decimal integer in [min, max].  Returns 0 or -1. */
int hd_parse_long(const char *s, long min, long max, long *out);

/*
 * Shortest text that reads back as exactly x (C locale): "63", "0.7",
 * "0.10000000000000001" only when needed.  buf must hold HD_NUMBUF.
 */
#define HD_NUMBUF 32
char *hd_fmt_double(char buf[HD_NUMBUF], double x);

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

/*
 * Every tool describes its usage once; --help prints it on stdout,
 * a usage error prints it on stderr and exits 2.
 */
struct hd_usage {
	const char *synopsis;   /* after the program name */
	const char *options;    /* the option list, one per line */
};
_Noreturn void hd_usage_exit(const struct hd_usage *u, int status);
_Noreturn void hd_version_exit(void);
/* Options every tool shares, for its getopt_long table. */
enum { HD_OPT_HELP = 0x1000, HD_OPT_VERSION };
#define HD_COMMON_LONGOPTS \
	{ "help", no_argument, NULL, HD_OPT_HELP }, \
	{ "version", no_argument, NULL, HD_OPT_VERSION }
/* Handle the shared cases of a getopt_long switch; returns if c is not one. */
void hd_common_opt(int c, const struct hd_usage *u);
/* Checked option arguments: exit 2 with a message naming the option. */
double hd_opt_double(const char *opt, const char *arg, double min, double max);
long hd_opt_long(const char *opt, const char *arg, long min, long max);
uint64_t hd_opt_seed(const char *opt, const char *arg);

/* qsort comparator for doubles, ascending. */
int hd_cmp_double(const void *a, const void *b);
/* t as "2026-11-28T08:00:00Z" in buf[32]; returns buf. */
char *hd_utc_time(time_t t, char buf[32]);

/* ---------------------------------------------------------------------
 * Output files: written whole or not at all
 * ------------------------------------------------------------------- */

/*
 * A file opened for writing under a temporary name in the target's own
 * folder; hd_out_commit() flushes, syncs and renames it into place,
 * hd_out_abort() removes it.  Path "-" or NULL means stdout; a path that
 * is not a regular file (/dev/null, a FIFO) is written in place.
 */
struct hd_out {
	FILE *fp;
	char *path;     /* final name, owned; NULL for stdout */
	char *tmp;      /* temporary name, owned */
	int direct;     /* a device or pipe, written in place */
};
int hd_out_open(struct hd_out *o, const char *path);
int hd_out_commit(struct hd_out *o);
void hd_out_abort(struct hd_out *o);
/* Remove temporaries of every open hd_out on a fatal signal. */
void hd_out_cleanup_on_signals(void);

/* Write one CSV field, quoted only when it must be (RFC 4180). */
void hd_csv_put(FILE *fp, const char *s, size_t len);
/* The same into dst (room for 2 * len + 2); returns the end. */
char *hd_csv_field(char *dst, const char *s, size_t len);

/* ---------------------------------------------------------------------
 * CSV input (libcsv)
 * ------------------------------------------------------------------- */

/* One record: fields are NUL-terminated, owned by the reader. */
struct hd_record {
	char **field;
	size_t *len;
	size_t n;
	long line;      /* line the record starts on, 1-based */
};

struct hd_csv;   /* opaque */

/* Open a file ("-" = stdin).  Returns NULL after printing why. */
struct hd_csv *hd_csv_open(const char *path);
/*
 * The next record: 1 and *rec valid until the next call, 0 at end of
 * input, -1 on a read or syntax error (already reported with file and
 * line).  Blank lines are skipped; CRLF, LF and CR all end a record.
 */
int hd_csv_next(struct hd_csv *r, struct hd_record *rec);
const char *hd_csv_name(const struct hd_csv *r);
/* Also hash every byte read from now on (call before the first record). */
void hd_csv_hash(struct hd_csv *r);
/* Hex SHA-256 of the bytes read so far (after hd_csv_hash). */
void hd_csv_sha256(struct hd_csv *r, char hex[HD_SHA256_HEX]);
void hd_csv_close(struct hd_csv **r);

/* ---------------------------------------------------------------------
 * JSON (cJSON)
 * ------------------------------------------------------------------- */

/* A number written with hd_fmt_double, so it reads back exactly. */
cJSON *hd_json_num(double x);
cJSON *hd_json_add_num(cJSON *obj, const char *key, double x);
/*
 * Write root (pretty, trailing newline) to path atomically; "-" = stdout.
 * Number items in root are turned into exact raw numbers first.
 */
int hd_json_write(const char *path, cJSON *root);
/*
 * Read and parse a JSON file; check that its "format" is fmt and its
 * "version" is at most max_version.  NULL after printing why.
 */
cJSON *hd_json_read(const char *path, const char *fmt, int max_version);
/*
 * The number at key in obj (obj itself when key is NULL), written by
 * cJSON or as a raw hd_json_num item; null reads as NaN.  0, or -1 if
 * there is no number there.
 */
int hd_json_get_num(const cJSON *obj, const char *key, double *out);
/* Stamp a document with its format name and version. */
void hd_json_set_format(cJSON *root, const char *fmt, int version);

/* Read a whole file into a NUL-terminated buffer; NULL and errno on failure. */
char *hd_read_file(const char *path, size_t *len);

/* ---------------------------------------------------------------------
 * Hashing (SHA-256, Nettle)
 * ------------------------------------------------------------------- */

/* Hex digest of a file's bytes; -1 on I/O error (errno set). */
int hd_sha256_file(const char *path, char hex[HD_SHA256_HEX]);
void hd_sha256_hex(const void *data, size_t len, char hex[HD_SHA256_HEX]);
void hd_sha256(const void *data, size_t len, uint8_t digest[32]);
/* n bytes as 2n lower-case hex digits and a NUL. */
void hd_hex(const uint8_t *d, size_t n, char *hex);

/* ---------------------------------------------------------------------
 * Random numbers and stratification
 * ------------------------------------------------------------------- */

/*
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * stream on every machine and compiler.
 */
struct hd_rng { uint64_t s[4]; };
void hd_rng_seed(struct hd_rng *r, uint64_t seed);
uint64_t hd_rng_next(struct hd_rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t hd_rng_below(struct hd_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double hd_rng_double(struct hd_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void hd_shuffle(struct hd_rng *r, size_t *idx, size_t n);

/*
 * Stratified test selection: y[i] in {0, 1}; marks is_test[i] = 1 for
 * ceil(test_frac * n) rows, spread over the classes in proportion
 * (largest remainder), chosen at random within each class.
 */
void hd_stratified_split(const uint8_t *y, size_t n, double test_frac,
                         uint64_t seed, uint8_t *is_test);
/*
 * Stratified k folds: fold[i] in [0, k); within each class the rows are
 * shuffled and dealt round-robin, continuing the deal across classes,
 * so every fold gets floor or ceil of n/k rows and of each class.
 */
void hd_stratified_folds(const uint8_t *y, size_t n, int k, uint64_t seed,
                         int *fold);

/* ---------------------------------------------------------------------
 * The data schema
 * ------------------------------------------------------------------- */

enum hd_kind { HD_NUMERIC, HD_CATEGORICAL };

struct hd_feature {
	const char *name;
	enum hd_kind kind;
	double min, max;        /* the physical range a value must lie in */
	unsigned levels;        /* categorical: bit v set = UCI documents level v */
	const char *doc;
};

/* The 13 features, in the UCI order. */
#define HD_NFEAT 13
extern const struct hd_feature hd_features[HD_NFEAT];
/* Index of a feature by name, or -1. */
int hd_feature_index(const char *name);
/*
 * Is x a possible value of feature f?  NULL if so, else why not.  The
 * physical range always applies; strict also requires a categorical
 * value to be one of the levels the UCI documentation lists.
 */
const char *hd_feature_check(const struct hd_feature *f, double x, int strict);

/* Canonical clean CSV: source, the 13 features, target. */
#define HD_COL_SOURCE "source"
#define HD_COL_TARGET "target"

#endif
