/*
 * cli.h - the command-line layer every hd tool shares: diagnostics,
 * memory, usage and options, output files, CSV input, JSON files, data
 * sets, training, metrics and the fit tools' driver.
 *
 * Regime: the command-line layer (see hd.h).  These functions may print
 * diagnostics on stderr (prefixed with the program's name and naming
 * file, line and column), may exit with HD_EXIT_USAGE on a usage error,
 * and abort on out-of-memory through hd_xmalloc.  The server's request
 * path uses none of them; only its main() parses options here.
 */
#ifndef HD_CLI_H
#define HD_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* ---------------------------------------------------------------------
 * Diagnostics and memory (util.c)
 * ------------------------------------------------------------------- */

/* Set once from main's argv: argv[0] is pointed at its base name, which
 * prefixes every diagnostic, getopt's included. */
extern const char *hd_prog;
void hd_set_prog(char **argv);

/* "prog: message\n" on stderr. */
void hd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: file:line:col: message\n"; line or col 0 leaves that part out. */
void hd_err_at(const char *file, long line, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * A value from the input as a diagnostic shows it: control bytes as
 * \xNN, and past HD_EXCERPT_LEN bytes cut, with the full length said,
 * so that a 1 MB field or a terminal escape is never echoed raw.
 */
#define HD_EXCERPT_LEN 40
#define HD_EXCERPT (4 * HD_EXCERPT_LEN + 40)
const char *hd_excerpt(const char *s, char buf[HD_EXCERPT]);

/* Abort with a message on out-of-memory. */
void *hd_xmalloc(size_t n);
void *hd_xcalloc(size_t n, size_t size);
void *hd_xrealloc(void *p, size_t n);
char *hd_xstrdup(const char *s);
/* printf into a new string, which the caller frees. */
char *hd_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *hd_xvprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* ---------------------------------------------------------------------
 * Usage and options (util.c)
 * ------------------------------------------------------------------- */

/*
 * Every tool describes its usage once; --help prints it on stdout,
 * a usage error prints it on stderr and exits 2.  The text is printed
 * as it is, never through a format.
 */
struct hd_usage {
	const char *synopsis; /* after the program name */
	const char *options;  /* the option list, one per line */
};
/* __attribute__((noreturn)), not _Noreturn: cppcheck 2.10 (ci/lint) only
 * takes the former as "does not return". */
__attribute__((noreturn)) void hd_usage_exit(const struct hd_usage *u,
                                             int status);
__attribute__((noreturn)) void hd_version_exit(void);
/* Options every tool shares, for its getopt_long table. */
enum { HD_OPT_HELP = 0x1000, HD_OPT_VERSION };
#define HD_COMMON_LONGOPTS                                   \
	{ "help", no_argument, NULL, HD_OPT_HELP },          \
	{                                                    \
		"version", no_argument, NULL, HD_OPT_VERSION \
	}
/* Handle the shared cases of a getopt_long switch; returns if c is not one. */
void hd_common_opt(int c, const struct hd_usage *u);
/* Checked option arguments: exit 2 with a message naming the option. */
double hd_opt_double(const char *opt, const char *arg, double min, double max);
long hd_opt_long(const char *opt, const char *arg, long min, long max);
uint64_t hd_opt_seed(const char *opt, const char *arg);
/*
 * The operands MODEL [DATA] of a scoring tool: *model, and *data when
 * given (else it keeps its default); exits with the usage otherwise.
 */
void hd_model_operands(int argc, char **argv, const struct hd_usage *u,
                       const char **model, const char **data);
/* hd_model_load, saying "PATH: why" on failure.  0 or -1. */
int hd_model_open(struct hd_model *m, const char *path);

/* ---------------------------------------------------------------------
 * Output files, written whole or not at all (out.c)
 * ------------------------------------------------------------------- */

/*
 * A file opened for writing under a temporary name in the target's own
 * folder; hd_out_commit() flushes, syncs and renames it into place,
 * hd_out_abort() removes it.  Path "-" or NULL means stdout; a path that
 * is not a regular file (/dev/null, a FIFO) is written in place.  Both
 * report their failures on stderr.
 */
struct hd_out {
	FILE *fp;
	char *path; /* final name, owned; NULL for stdout */
	char *tmp;  /* temporary name, owned */
	int direct; /* a device or pipe, written in place */
};
int hd_out_open(struct hd_out *o, const char *path);
int hd_out_commit(struct hd_out *o);
void hd_out_abort(struct hd_out *o);
/*
 * Do two output paths name one file (the same text, or, where they
 * exist, the same inode)?  "-" is standard output, never a file.
 */
int hd_same_file(const char *a, const char *b);
/* "mkdir -p": dir and its missing parents.  0, or -1 after saying why
 * (an empty name, a part that is not a folder). */
int hd_mkdir_p(const char *dir);
/* Remove temporaries of every open hd_out on a fatal signal. */
void hd_out_cleanup_on_signals(void);

/* Write one CSV field, quoted only when it must be (RFC 4180). */
void hd_csv_put(FILE *fp, const char *s, size_t len);
/* The same into dst (room for 2 * len + 2); returns the end. */
char *hd_csv_field(char *dst, const char *s, size_t len);

/* ---------------------------------------------------------------------
 * Plot data: tables for gnuplot (plotdat.c)
 * ------------------------------------------------------------------- */

/*
 * The .dat files one run writes into a folder (--plot-data DIR): text,
 * one row a line, fields separated by one space, the first line "# "
 * and the column names.  Each is written under a temporary name;
 * hd_plot_commit renames them all into place, hd_plot_abort removes
 * them, so that they appear after the tool's other outputs or not at
 * all.  A tool writes at most HD_PLOT_FILES.
 */
#define HD_PLOT_FILES 10
struct hd_plot {
	char *dir;                        /* owned */
	struct hd_out out[HD_PLOT_FILES]; /* out[0..n) open */
	int n;
};
/* Create dir (and its parents) if missing.  0, or -1 after saying why. */
int hd_plot_begin(struct hd_plot *pl, const char *dir);
/* Open dir/name and write its "# columns" line; NULL after saying why. */
FILE *hd_plot_file(struct hd_plot *pl, const char *name, const char *columns);
/*
 * One field, then end (' ' or '\n'): a number of a JSON document in
 * the very text its file has, NaN for null (gnuplot skips the point);
 * a string in double quotes, any '"' or control byte in it as '_'
 * (gnuplot's data files have no escapes).
 */
void hd_plot_num(FILE *fp, const cJSON *item, int end);
void hd_plot_str(FILE *fp, const char *s, int end);
/* Rename every file into place: 0, or -1 if one failed (said why). */
int hd_plot_commit(struct hd_plot *pl);
void hd_plot_abort(struct hd_plot *pl);

/* ---------------------------------------------------------------------
 * CSV input over libcsv (csvin.c)
 * ------------------------------------------------------------------- */

/* One record: fields are NUL-terminated, owned by the reader. */
struct hd_record {
	char **field;
	size_t *len;
	size_t n;
	long line; /* line the record starts on, 1-based */
};

struct hd_csv; /* opaque */

/* Open a file ("-" = stdin).  Returns NULL after printing why. */
struct hd_csv *hd_csv_open(const char *path);
/*
 * The next record: 1 and *rec valid until the next call, 0 at end of
 * input, -1 on a read or syntax error (already reported with file and
 * line).  Blank lines are skipped; CRLF, LF and CR all end a record; a
 * UTF-8 byte order mark at the very start is skipped.
 */
int hd_csv_next(struct hd_csv *r, struct hd_record *out);
const char *hd_csv_name(const struct hd_csv *r);
/*
 * Line mode, for streaming (call before the first record): every line
 * is one record, a quote never spans lines, a blank line is a record of
 * no fields (not skipped), and a line that is not CSV, has a NUL byte
 * or is longer than HD_CSV_LINE_MAX bytes makes hd_csv_next return
 * HD_CSV_BAD (out->line its line, out->n 0) instead of failing: the
 * next call goes on with the next line.  hd_csv_why says why, and the
 * 1-based field (0: the whole line) in *col.
 */
#define HD_CSV_BAD 2
#define HD_CSV_LINE_MAX (8 << 20)
void hd_csv_line_mode(struct hd_csv *r);
const char *hd_csv_why(const struct hd_csv *r, long *col);
/* Lines read so far: after the last record, the number of the last line. */
long hd_csv_lines(const struct hd_csv *r);
/* Also hash every byte read from now on (call before the first record). */
void hd_csv_hash(struct hd_csv *r);
/* Hex SHA-256 of the bytes read so far (after hd_csv_hash). */
void hd_csv_sha256(struct hd_csv *r, char hex[HD_SHA256_HEX]);
void hd_csv_close(struct hd_csv **r);

/* ---------------------------------------------------------------------
 * JSON files (json.c)
 * ------------------------------------------------------------------- */

/*
 * Write root (pretty, trailing newline) to path atomically; "-" = stdout.
 * Number items in root are turned into exact raw numbers first.
 */
int hd_json_write(const char *path, cJSON *root);
/*
 * Read and parse a JSON file of at most HD_MODEL_MAX_BYTES; check that
 * its "format" is fmt and its "version" is at most max_version.  NULL
 * after printing why.
 */
cJSON *hd_json_read(const char *path, const char *fmt, int max_version);
/* The same, and the SHA-256 of the bytes it parsed, in hex. */
cJSON *hd_json_read_sha256(const char *path, const char *fmt, int max_version,
                           char hex[HD_SHA256_HEX]);

/* ---------------------------------------------------------------------
 * Data sets: labelled rows read from clean CSV (data.c)
 * ------------------------------------------------------------------- */

struct hd_dataset {
	size_t n;
	double *X;    /* n x HD_NFEAT, row-major, NaN = missing */
	uint8_t *y;   /* n labels 0/1; NULL when not labelled */
	int *site;    /* n indices into sites[]; NULL without a
	                           source column */
	char **sites; /* nsites names, in order of appearance */
	size_t nsites;
	char sha256[HD_SHA256_HEX]; /* of the file's bytes */
};
/* Index of name s in (*names)[0..*n), appended (a copy) if new. */
int hd_intern(char ***names, size_t *n, const char *s);

/*
 * The columns of a clean CSV header.  col[f] is the field index of
 * feature f, target and source those of "target" and "source" (-1 when
 * absent); nfields is the header's width, which every row must have.
 */
struct hd_columns {
	int col[HD_NFEAT];
	int target, source;
	size_t nfields;
};

/* No column named twice: 0, or -1 after naming the repeat (file:line:col). */
int hd_header_check(const struct hd_record *rec, const char *file);
/* Field index of the column called name, or -1. */
long hd_header_find(const struct hd_record *rec, const char *name);
/*
 * Map a header record to columns: all 13 features required, other
 * columns allowed and ignored.  A column named twice is an error.  -1
 * after printing why (file:line:column).
 */
int hd_header_map(const struct hd_record *rec, const char *file,
                  struct hd_columns *c);
/*
 * Parse one record into x[HD_NFEAT] (and *y when y is not NULL and
 * c->target >= 0):
 * empty = missing, else a number within the feature's physical range.
 * Returns 0, or -1 with a message "name: why" in err (the caller adds
 * file and line).  When this fails *bad_col is the 1-based field (0
 * for a record of the wrong width).
 */
int hd_record_patient(const struct hd_record *rec, const struct hd_columns *c,
                      double x[HD_NFEAT], uint8_t *y, char *err, size_t errlen,
                      long *bad_col);
/*
 * A source field, the name of a site: JSON files carry it, so it must be
 * UTF-8.  0, or -1 after naming it (file:line:column; col is 0-based).
 */
int hd_source_check(const struct hd_record *rec, long col, const char *file);
/* Read a whole clean CSV; need_target makes the target column required. */
int hd_dataset_read(const char *path, int need_target, struct hd_dataset *d);
/* Rows idx[0..m) of src as a new data set (labels copied too). */
void hd_dataset_subset(const struct hd_dataset *src, const size_t *idx,
                       size_t m, struct hd_dataset *dst);
void hd_dataset_free(struct hd_dataset *d);

/* ---------------------------------------------------------------------
 * Stratification (rng.c)
 * ------------------------------------------------------------------- */

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
 * Training (prep.c, lr.c, rf.c, model.c, fit.c)
 * ------------------------------------------------------------------- */

/*
 * Fit on X (n x HD_NFEAT): medians, then mean and population std of the
 * imputed numerics (a zero std becomes 1, as scikit-learn does); modes
 * (ties to the smallest value) and sorted levels of the categoricals.
 */
int hd_prep_fit(struct hd_prep *p, const double *X, size_t n);
/* Encode every row: Z is n x p->dim, allocated here. */
double *hd_prep_encode(const struct hd_prep *p, const double *X, size_t n);
cJSON *hd_prep_to_json(const struct hd_prep *p);

struct hd_lr_opts {
	double C;     /* inverse penalty strength */
	int max_iter; /* Newton steps */
	double tol;   /* stop when the largest step < tol */
};
/* scikit-learn's defaults, with Newton's tolerances: the only copy. */
extern const struct hd_lr_opts hd_lr_defaults;
/* Minimise 0.5 |w|^2 + C sum logloss by Newton's method (IRLS). */
int hd_lr_fit(struct hd_lr *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_lr_opts *o);

struct hd_rf_opts {
	int n_trees;
	int max_depth; /* 0 = unlimited */
	int min_samples_leaf;
	int min_samples_split;
	int max_features; /* 0 = floor(sqrt(dim)) */
	int bootstrap;
	uint64_t seed;
	int jobs; /* threads; the result never depends on it */
};
/* scikit-learn's defaults (200 trees, grown to purity): the only copy. */
extern const struct hd_rf_opts hd_rf_defaults;
int hd_rf_fit(struct hd_rf *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_rf_opts *o);
/* One forest's rows: Z is n x dim, y[n] in {0, 1}. */
struct hd_rf_job {
	const double *Z;
	const uint8_t *y;
	size_t n;
	int dim;
};
/*
 * count forests at once, out[f] from jobs[f], all their trees on one
 * pool of o->jobs threads; each forest is the one hd_rf_fit would grow.
 * 0, or -1 with errno EINVAL (every out[f] zeroed) on bad arguments.
 */
int hd_rf_fit_many(struct hd_rf *out, const struct hd_rf_job *jobs, int count,
                   const struct hd_rf_opts *o);

/* The fitted part of m as a new JSON document, format stamped. */
cJSON *hd_model_to_json(const struct hd_model *m);
/*
 * Probabilities of n patients (X is n x HD_NFEAT) into p[n], on up to
 * jobs threads (0 = one per CPU); each the double hd_model_prob gives.
 */
void hd_model_prob_many(const struct hd_model *m, const double *X, size_t n,
                        double *p, int jobs);
/*
 * Fit a model on a data set: preprocessing, then the model, both on
 * the same rows.  params is struct hd_lr_opts or struct hd_rf_opts.
 */
int hd_model_fit(struct hd_model *m, enum hd_model_kind kind,
                 const void *params, const struct hd_dataset *d);
/*
 * hd_model_fit of count data sets d[f] into m[f]; forests grow on one
 * pool of threads.  0, or -1 (every m[f] still to be freed).
 */
int hd_models_fit(struct hd_model *m, int count, enum hd_model_kind kind,
                  const void *params, const struct hd_dataset *d);
/*
 * Stratified k-fold cross-validation: for each fold, preprocessing and
 * model refitted on the other folds, ROC-AUC on the held-out one.
 * auc[k] out, and (when oof is not NULL) oof[d->n], each row's
 * probability from the model that did not see it.  With full not NULL,
 * also the model fitted on all of d, in the same pool of threads as
 * the refits (on failure nothing is left to free).  0 or -1.
 */
int hd_cross_validate(enum hd_model_kind kind, const void *params,
                      const struct hd_dataset *d, int k, uint64_t seed,
                      double *auc, double *oof, struct hd_model *full);

/* ---------------------------------------------------------------------
 * Metrics (metrics.c)
 * ------------------------------------------------------------------- */

/* The metrics file hd-eval writes and hd-select reads. */
#define HD_METRICS_FORMAT "hd-metrics"
#define HD_METRICS_VERSION 1

/*
 * The figures of one evaluation (a metrics file's "test" object, a
 * subgroup of it, a held-out site of hd-loso): where each one is, which
 * way is better, and the name of its 95 % interval under "intervals".
 * The one table every reader goes by: hd-select ranks by these,
 * hd-report shows them.
 */
struct hd_figure {
	const char *name;     /* its member, and its name on command lines */
	const char *group;    /* NULL: in the figures object itself; else
	                           in this member object of it */
	const char *interval; /* its interval under "intervals", or NULL */
	int better;           /* 1 higher, -1 lower, 0 neither (a
	                           calibration slope is best at 1) */
	const char *label;    /* for people: "ROC-AUC" */
};
extern const struct hd_figure hd_figure_list[];
extern const size_t hd_nfigures;
/* The figure called name, or NULL. */
const struct hd_figure *hd_figure_find(const char *name);
/* Its value in figures object obj (null reads as NaN): 0, or -1 if absent. */
int hd_figure_get(const cJSON *obj, const struct hd_figure *f, double *v);

/*
 * ROC-AUC of scores p against labels y, ties counted as half (the area
 * under the trapezoidal ROC curve, as scikit-learn's roc_auc_score).
 * NaN when only one class is present.
 */
double hd_roc_auc(const double *p, const uint8_t *y, size_t n);

struct hd_metrics {
	size_t n, tp, fp, tn, fn;
	double threshold;
	double accuracy, precision, recall, f1, roc_auc, brier, log_loss;
};
void hd_metrics_compute(const double *p, const uint8_t *y, size_t n,
                        double threshold, struct hd_metrics *m);
/* The metrics as JSON, with the ROC curve points (fpr, tpr, threshold). */
cJSON *hd_metrics_to_json(const struct hd_metrics *m, const double *p,
                          const uint8_t *y, size_t n);

/* ---------------------------------------------------------------------
 * Calibration, thresholds, decision curve, uncertainty (calib.c)
 * ------------------------------------------------------------------- */

#define HD_CAL_BINS 10

/* A bin of predicted probability: lo < p <= hi (bin 0 from 0). */
struct hd_bin {
	double lo, hi;
	size_t n;
	double mean_p, observed; /* NaN when the bin is empty */
};

struct hd_calibration {
	size_t n;
	struct hd_bin width[HD_CAL_BINS]; /* edges k / 10 */
	struct hd_bin count[HD_CAL_BINS]; /* edges at deciles of p */
	double mean_p, observed;          /* calibration-in-the-large */
	double intercept;                 /* a of y ~ a + logit(p) (slope 1) */
	double slope, slope_intercept;    /* b and a of y ~ a + b logit(p) */
	double ece;                       /* sum n_k / n |observed - mean p| */
	double brier_skill;               /* 1 - Brier / (ybar (1 - ybar)) */
};
void hd_calibration_compute(const double *p, const uint8_t *y, size_t n,
                            struct hd_calibration *c);
cJSON *hd_calibration_to_json(const struct hd_calibration *c);

/* Counts and rates when p >= threshold predicts 1; NaN if undefined. */
struct hd_rates {
	double threshold;
	size_t tp, fp, tn, fn;
	double sensitivity, specificity, ppv, npv;
};
void hd_rates_at(const double *p, const uint8_t *y, size_t n, double t,
                 struct hd_rates *r);
cJSON *hd_thresholds_json(const double *p, const uint8_t *y, size_t n,
                          const double *t, size_t nt);
/*
 * The threshold of largest Youden's J = sensitivity + specificity - 1
 * among the distinct probabilities of p (p >= t predicts 1); of equal
 * J, the highest t, as argmax over scikit-learn's roc_curve finds it.
 * NaN without both classes.
 */
double hd_youden(const double *p, const uint8_t *y, size_t n);
/* The figures of one threshold as JSON (what --thresholds lists). */
cJSON *hd_rates_json(const struct hd_rates *r);
/* Net benefit of the model, treat-all and treat-none, t = 0.01..0.99. */
cJSON *hd_decision_curve_json(const double *p, const uint8_t *y, size_t n);

/* A figure with its 95 % interval (se only for DeLong). */
struct hd_estimate {
	double value, se, lo, hi;
	size_t used; /* bootstrap resamples where it was defined */
};
enum {
	HD_CI_AUC,
	HD_CI_ACCURACY,
	HD_CI_SENSITIVITY,
	HD_CI_SPECIFICITY,
	HD_CI_PPV,
	HD_CI_NPV,
	HD_CI_F1,
	HD_CI_BRIER,
	HD_CI_SLOPE,
	HD_NCI
};
/* DeLong's interval for ROC-AUC: the estimate needs a row of each
 * class, the standard error and interval two of each. */
void hd_delong(const double *p, const uint8_t *y, size_t n,
               struct hd_estimate *e);
/* Seeded bootstrap, stratified by class: percentile 95 % intervals. */
void hd_bootstrap(const double *p, const uint8_t *y, size_t n, double threshold,
                  int resamples, uint64_t seed, struct hd_estimate est[HD_NCI]);
cJSON *hd_intervals_to_json(const struct hd_estimate est[HD_NCI],
                            const struct hd_estimate *delong, int resamples,
                            uint64_t seed);

/* ---------------------------------------------------------------------
 * Evaluation of scored rows (evaluate.c)
 * ------------------------------------------------------------------- */

/* How to measure: the same for the test set, subgroups, held-out sites. */
struct hd_eval_opts {
	double threshold; /* p >= threshold predicts 1 */
	int resamples;    /* bootstrap; 0: no intervals */
	uint64_t seed;
	const double *thresholds; /* the table of rates */
	size_t nthresholds;
};
/*
 * Every figure of n scored rows: the metrics, calibration, intervals,
 * rates at thresholds and the decision curve.  who prefixes each
 * warning about an undefined figure ("" or "site va: ").
 */
cJSON *hd_evaluate(const char *who, const double *p, const uint8_t *y, size_t n,
                   const struct hd_eval_opts *o);

/* ---------------------------------------------------------------------
 * The reference profile of the training rows (profile.c)
 * ------------------------------------------------------------------- */

/*
 * The "reference" object of a model file (layout in model.h) from the
 * training rows d (NaN = missing) and their scores[d->n]: out-of-fold
 * probabilities (out_of_fold 1) or the final model's own (0).  NULL
 * after saying why (a categorical with more levels than a profile
 * holds); train names the data in that message.
 */
cJSON *hd_profile_to_json(const struct hd_dataset *d, const double *scores,
                          int out_of_fold, const char *train);

/* ---------------------------------------------------------------------
 * The fit tools' shared driver (fit.c)
 * ------------------------------------------------------------------- */

struct hd_fit_job {
	enum hd_model_kind kind;
	const void *params; /* struct hd_lr_opts or struct hd_rf_opts */
	cJSON *hyper;       /* hyperparameters for the record; taken */
	const char *input;  /* training CSV, "-" = stdin */
	const char *output; /* model file, "-" = stdout */
	int cv_folds;       /* 0 = no cross-validation */
	uint64_t seed;      /* fold assignment (and the forest) */
	const char *oof;    /* out-of-fold predictions CSV, or NULL */
	const char *name;   /* the model's name, as the OIP serves it */
};
/* -o -, 5 folds, seed 42: what both fit tools start from. */
extern const struct hd_fit_job hd_fit_defaults;

/*
 * The options both fit tools take (-o, --cv, --seed) and every tool's
 * (--help, --version), for the default case of their getopt switch:
 * anything else is a usage error.
 */
void hd_fit_opt(int c, const char *arg, struct hd_fit_job *j,
                const struct hd_usage *u);
/* The operands after the options: [TRAIN.csv]. */
void hd_fit_operands(struct hd_fit_job *j, int argc, char **argv,
                     const struct hd_usage *u);
#define HD_FIT_LONGOPTS                                   \
	{ "output", required_argument, NULL, 'o' },       \
		{ "cv", required_argument, NULL, 'k' },   \
		{ "seed", required_argument, NULL, 's' }, \
		{ "oof", required_argument, NULL, 'O' },  \
	{                                                 \
		"name", required_argument, NULL, 'N'      \
	}
#define HD_FIT_SHORTOPTS "o:k:s:O:"
/*
 * The help text of the fit tools: their own options (opts, one per
 * line), then the shared ones with the defaults filled in.  seed_what
 * says what the seed drives besides the folds (" and the trees").
 * Returns a static buffer.
 */
const char *hd_fit_usage(const char *intro, const char *opts,
                         const char *seed_what);
/*
 * Read the data, cross-validate, fit on all rows, write the model with
 * its record.  Returns the exit status.
 */
int hd_fit_run(const struct hd_fit_job *j);
/*
 * The options a model file was fitted with, from its "hyperparameters"
 * and "training.seed", to fit the same model on other rows: *lr or *rf
 * by the model's kind.  0, or -1 after naming the file and the key.
 */
int hd_fit_params(const struct hd_model *m, const char *path,
                  struct hd_lr_opts *lr, struct hd_rf_opts *rf);

#endif
