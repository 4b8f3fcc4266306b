/*
 * hd.h - the core of the library every hd program shares: numbers,
 * the data schema, hashing, random numbers, JSON documents and whole
 * files.  model.h builds the model on it.
 *
 * Error regime.  hd has two, and each header says which it is:
 *
 *   - The core (hd.h, model.h) is what the server links into its
 *     request path: loading, parsing, validating, predicting.  Its
 *     functions return an error (-1 or NULL, with a message in a
 *     caller's buffer `char *err, size_t errlen` where there is more to
 *     say than "no"), and never print, exit or abort, out of memory
 *     included.
 *   - The command-line layer (cli.h) is for tools: diagnostics on
 *     stderr naming file, line and column, usage and option parsing,
 *     output files, CSV input, training.  Its functions may print, and
 *     may exit (usage errors) or abort (out of memory, through
 *     hd_xmalloc).
 *
 * Chapters: numbers, the data schema, hashing, random numbers, JSON
 * documents and files.
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
 * Numbers (num.c)
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

/*
 * The q-quantile (0 <= q <= 1) of x[0..n), sorted ascending, as numpy's
 * default ("linear") method computes it, to the bit; NaN when n is 0.
 */
double hd_quantile(const double *x, size_t n, double q);
/* qsort comparator for doubles, ascending. */
int hd_cmp_double(const void *a, const void *b);
/* t as "2026-11-28T08:00:00Z" in buf[32]; returns buf. */
char *hd_utc_time(time_t t, char buf[32]);

/* ---------------------------------------------------------------------
 * The data schema (schema.c)
 * ------------------------------------------------------------------- */

enum hd_kind { HD_NUMERIC, HD_CATEGORICAL };

struct hd_feature {
	const char *name;
	enum hd_kind kind;
	double min, max; /* the physical range a value must lie in */
	unsigned levels; /* categorical: bit v set = UCI documents level v */
	/*
	 * 0 lies in the range only because some sites wrote it for "not
	 * measured": no living patient has a resting blood pressure or a
	 * cholesterol of zero.  hd-clean --zeros-missing reads it as
	 * missing, and hd-eda warns about it.
	 */
	int zero_is_missing;
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

/*
 * Is s 1 to max characters of A-Z a-z 0-9 . _ -: a name that is safe
 * as it is in a file name and as one URL path segment?  1 or 0.
 */
int hd_name_safe(const char *s, size_t max);

/*
 * The class label of clean CSV: exactly "0" or "1", as hd-clean writes
 * it, in every tool that reads it.  0 and *y set, or -1.
 */
int hd_parse_label(const char *s, uint8_t *y);

/* Canonical clean CSV: source, the 13 features, target. */
#define HD_COL_SOURCE "source"
#define HD_COL_TARGET "target"

/* ---------------------------------------------------------------------
 * Hashing (SHA-256, Nettle; sha256.c)
 * ------------------------------------------------------------------- */

/* Hex digest of a regular file's bytes; -1 on I/O error (errno set),
 * or when path is not a regular file (EISDIR, or EINVAL). */
int hd_sha256_file(const char *path, char hex[HD_SHA256_HEX]);
void hd_sha256_hex(const void *data, size_t len, char hex[HD_SHA256_HEX]);
void hd_sha256(const void *data, size_t len, uint8_t digest[32]);
/* n bytes as 2n lower-case hex digits and a NUL. */
void hd_hex(const uint8_t *d, size_t n, char *hex);

/* ---------------------------------------------------------------------
 * Random numbers (rng.c)
 * ------------------------------------------------------------------- */

/*
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * stream on every machine and compiler.
 */
struct hd_rng {
	uint64_t s[4];
};
void hd_rng_seed(struct hd_rng *r, uint64_t seed);
uint64_t hd_rng_next(struct hd_rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t hd_rng_below(struct hd_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double hd_rng_double(struct hd_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void hd_shuffle(struct hd_rng *r, size_t *idx, size_t n);
/* splitmix64 (Steele, Lea and Flood): advances *x, returns the next
 * output.  Seeds the generator, and derives the forest's per-tree seeds. */
uint64_t hd_splitmix64(uint64_t *x);

/* ---------------------------------------------------------------------
 * JSON documents and files (json.c)
 * ------------------------------------------------------------------- */

/* A number written with hd_fmt_double, so it reads back exactly; NULL
 * when out of memory. */
cJSON *hd_json_num(double x);
cJSON *hd_json_add_num(cJSON *obj, const char *key, double x);
/*
 * The number at key in obj (obj itself when key is NULL), written by
 * cJSON or as a raw hd_json_num item; null reads as NaN.  0, or -1 if
 * there is no number there.
 */
int hd_json_get_num(const cJSON *obj, const char *key, double *out);
/* Stamp a document with its format name and version. */
void hd_json_set_format(cJSON *root, const char *fmt, int version);

/*
 * Is text[0..len) one JSON document as RFC 8259 writes it, and nothing
 * but white space after it?  Stricter than cJSON, which also takes
 * "065", "65." and "-.5", raw control characters in strings and bytes
 * that are not UTF-8.  A string may not hold \u0000 either: C strings
 * would cut it there ("age\u0000x" read as "age").  0, or -1 with the
 * byte offset of the fault in *at and what it is in *why.
 */
int hd_json_strict(const char *text, size_t len, size_t *at, const char **why);
/*
 * Is text[0..len) UTF-8 (RFC 3629: shortest forms, no surrogates, at
 * most U+10FFFF), as hd_json_strict requires of a string?  1 or 0.
 */
int hd_utf8_valid(const char *text, size_t len);
/*
 * Parse text[0..len) as one JSON document followed by nothing but white
 * space, checked by hd_json_strict first.  NULL when it is not, with *line and *col (1-based) where the
 * parse stopped.  cJSON gives NULL for no memory too; cJSON's hooks
 * are where a caller can tell the two apart.
 */
cJSON *hd_json_parse(const char *text, size_t len, long *line, long *col);
/*
 * Does the document say it is format fmt, version 1 to max_version?
 * 0, or -1 with the reason in err ("not an hd-model file (its "format"
 * is "x")", "hd-model version 2 is not supported ...").
 */
int hd_json_check_format(const cJSON *root, const char *fmt, int max_version,
                         char *err, size_t errlen);

/*
 * Read a whole file ("-" = standard input) into a NUL-terminated
 * buffer of *len bytes, which the caller frees.  A file larger than
 * max bytes (0 = no limit) is refused, a regular file by its size
 * before reading; a FIFO without a writer reads as empty instead of
 * blocking.  NULL with the reason in err.
 */
char *hd_read_file(const char *path, size_t max, size_t *len, char *err,
                   size_t errlen);
/* The same from an open descriptor; hint is the size expected (st_size). */
char *hd_read_fd(int fd, size_t hint, size_t max, size_t *len, char *err,
                 size_t errlen);

#endif
