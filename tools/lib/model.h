/*
 * model.h - data sets, preprocessing, the two models, metrics and the
 * model file: everything that training, evaluation and serving share.
 *
 * A patient is double[HD_NFEAT] in hd_features order, NaN = missing.
 * Preprocessing turns it into an encoded vector z of prep->dim doubles
 * (standardised numerics, then one-hot categoricals), which both models
 * read.  Library functions here never exit; the ones the server calls
 * (load, predict) never abort on out-of-memory either.
 */
#ifndef HD_MODEL_H
#define HD_MODEL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "hd.h"

/* ---------------------------------------------------------------------
 * Data sets: labelled rows read from clean CSV
 * ------------------------------------------------------------------- */

struct hd_dataset {
	size_t n;
	double *X;              /* n x HD_NFEAT, row-major, NaN = missing */
	uint8_t *y;             /* n labels 0/1; NULL when not labelled */
	char sha256[HD_SHA256_HEX];  /* of the file's bytes */
};

/*
 * Map a header record to column positions: col[f] is the field index
 * of feature f (all 13 required), *target_col that of "target" (-1 when
 * absent).  Other columns are allowed and ignored.  -1 after printing
 * why (file:line).
 */
int hd_header_map(const struct hd_record *rec, const char *file,
                  int col[HD_NFEAT], int *target_col);
/*
 * Parse one record into x[HD_NFEAT] (and *y when target_col >= 0):
 * empty = missing, else a number within the feature's physical range.
 * Returns 0, or -1 with a message "col N: name: why" in err (the
 * caller adds file and line).  When this fails *bad_col is the 1-based
 * field.
 */
int hd_record_patient(const struct hd_record *rec, const int col[HD_NFEAT],
                      int target_col, double x[HD_NFEAT], uint8_t *y,
                      char *err, size_t errlen, long *bad_col);
/* Read a whole clean CSV; need_target makes the target column required. */
int hd_dataset_read(const char *path, int need_target, struct hd_dataset *d);
/* Rows idx[0..m) of src as a new data set (labels copied too). */
void hd_dataset_subset(const struct hd_dataset *src, const size_t *idx,
                       size_t m, struct hd_dataset *dst);
void hd_dataset_free(struct hd_dataset *d);

/* ---------------------------------------------------------------------
 * Preprocessing, fitted on training rows only
 * ------------------------------------------------------------------- */

struct hd_prep_col {
	int feature;            /* index in hd_features */
	enum hd_kind kind;
	/* numeric: x -> ((x missing ? median : x) - mean) / scale */
	double median, mean, scale;
	/* categorical: x -> one-hot over levels[] (sorted); missing -> mode;
	 * a level not in levels[] -> all zeros */
	double mode;
	double *levels;
	int n_levels;
	int offset;             /* first slot of this column in z */
};

struct hd_prep {
	struct hd_prep_col col[HD_NFEAT];   /* numerics first, then categoricals */
	int dim;                            /* width of z */
	/*
	 * Standardise numerics (1, logistic regression) or pass them on
	 * imputed but in their own units (0, random forest: a tree does not
	 * depend on scale, and its thresholds then read as clinical values,
	 * "chol <= 230.5").  Follows from the model kind.
	 */
	int scaled;
};

/*
 * Fit on X (n x HD_NFEAT): medians, then mean and population std of the
 * imputed numerics (a zero std becomes 1, as scikit-learn does); modes
 * (ties to the smallest value) and sorted levels of the categoricals.
 */
int hd_prep_fit(struct hd_prep *p, const double *X, size_t n);
/* z[p->dim] from x; returns how many categorical values were unseen. */
int hd_prep_apply(const struct hd_prep *p, const double x[HD_NFEAT], double *z);
/* Is x[f] (not missing) one of the levels seen in training? */
int hd_prep_level_seen(const struct hd_prep *p, int feature, double v);
/* Names of the encoded slots, e.g. "age", "cp=4"; buf per slot. */
void hd_prep_slot_name(const struct hd_prep *p, int slot, char *buf, size_t len);
cJSON *hd_prep_to_json(const struct hd_prep *p);
int hd_prep_from_json(struct hd_prep *p, const cJSON *j, char *err, size_t errlen);
void hd_prep_free(struct hd_prep *p);

/* Encode every row: Z is n x p->dim, allocated here (hd_xmalloc). */
double *hd_prep_encode(const struct hd_prep *p, const double *X, size_t n);

/* ---------------------------------------------------------------------
 * Logistic regression: L2 on the weights (C), intercept free
 * ------------------------------------------------------------------- */

struct hd_lr_opts {
	double C;               /* inverse penalty strength (1) */
	int max_iter;           /* Newton steps (100) */
	double tol;             /* stop when the largest step < tol (1e-10) */
};

struct hd_lr {
	int dim;
	double intercept;
	double *coef;           /* dim weights, owned */
	int iterations;         /* Newton steps taken */
	int converged;
};

/* Minimise 0.5 |w|^2 + C sum logloss by Newton's method (IRLS). */
int hd_lr_fit(struct hd_lr *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_lr_opts *o);
double hd_lr_prob(const struct hd_lr *m, const double *z);
void hd_lr_free(struct hd_lr *m);

/* ---------------------------------------------------------------------
 * Random forest: bootstrap, Gini, sqrt(features) per split
 * ------------------------------------------------------------------- */

struct hd_rf_opts {
	int n_trees;            /* 200 */
	int max_depth;          /* 0 = unlimited */
	int min_samples_leaf;   /* 1 */
	int min_samples_split;  /* 2 */
	int max_features;       /* 0 = floor(sqrt(dim)) */
	int bootstrap;          /* 1 */
	uint64_t seed;          /* 42 */
	int jobs;               /* threads; the result never depends on it */
};

/* One tree as parallel arrays; a leaf has left == -1. */
struct hd_tree {
	int n_nodes;
	int *feature;           /* slot of z tested: z[feature] <= threshold goes left */
	double *threshold;
	int *left, *right;
	double *value;          /* leaf: fraction of class 1 */
};

/*
 * The forest as scoring walks it: every tree's nodes in preorder in one
 * array, 16 bytes a node, the left child next to its parent, so a walk
 * touches one cache line per level instead of five arrays.
 */
struct hd_rf_node {
	double v;               /* split: threshold; leaf: probability */
	int32_t feature;        /* slot tested; dim at a leaf */
	int32_t right;          /* index of the right child in nodes[] */
};

struct hd_rf {
	int dim;
	int n_trees;
	struct hd_tree *trees;  /* owned */
	struct hd_rf_node *nodes;   /* owned; built by hd_rf_pack */
	int *roots;             /* owned; n_trees indices into nodes[] */
};

/* Build nodes[] and roots[] from trees[]; 0, or -1 if out of memory. */
int hd_rf_pack(struct hd_rf *m);

int hd_rf_fit(struct hd_rf *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_rf_opts *o);
double hd_rf_prob(const struct hd_rf *m, const double *z);

void hd_rf_free(struct hd_rf *m);

/* ---------------------------------------------------------------------
 * Metrics
 * ------------------------------------------------------------------- */

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
 * The model file
 * ------------------------------------------------------------------- */

#define HD_MODEL_FORMAT "hd-model"
#define HD_MODEL_VERSION 1

enum hd_model_kind { HD_LR, HD_RF };

struct hd_model {
	enum hd_model_kind kind;
	struct hd_prep prep;
	struct hd_lr lr;
	struct hd_rf rf;
	cJSON *doc;             /* the whole file as read or built, owned */
	char sha256[HD_SHA256_HEX];   /* of the file's bytes, when loaded */
};

const char *hd_model_kind_name(enum hd_model_kind k);
/* The fitted part of m as a new JSON document, format stamped. */
cJSON *hd_model_to_json(const struct hd_model *m);
/*
 * Load and check a model file.  0, or -1 with the reason in err.  Never
 * exits or aborts: the server calls it.
 */
int hd_model_load(struct hd_model *m, const char *path, char *err, size_t errlen);
/* The same from text already in memory (for the server's reloads). */
int hd_model_parse(struct hd_model *m, const char *text, size_t len,
                   char *err, size_t errlen);
/*
 * Probability of disease for one patient; z is scratch of prep.dim
 * doubles.  *unseen (may be NULL) counts unseen categorical levels.
 */
double hd_model_prob(const struct hd_model *m, const double x[HD_NFEAT],
                     double *z, int *unseen);
/*
 * Probabilities of n patients (X is n x HD_NFEAT) into p[n], on up to
 * jobs threads (0 = one per CPU); each the double hd_model_prob gives.
 * For command-line tools: aborts on out-of-memory.
 */
void hd_model_prob_many(const struct hd_model *m, const double *X, size_t n,
                        double *p, int jobs);
void hd_model_free(struct hd_model *m);

/* ---------------------------------------------------------------------
 * Training driver shared by hd-fit-lr and hd-fit-rf
 * ------------------------------------------------------------------- */

/*
 * Fit a model on a data set: preprocessing, then the model, both on
 * the same rows.  params is struct hd_lr_opts or struct hd_rf_opts.
 */
int hd_model_fit(struct hd_model *m, enum hd_model_kind kind,
                 const void *params, const struct hd_dataset *d);
/*
 * Stratified k-fold cross-validation: for each fold, preprocessing and
 * model refitted on the other folds, ROC-AUC on the held-out one.
 * auc[k] out; returns 0 or -1.
 */
int hd_cross_validate(enum hd_model_kind kind, const void *params,
                      const struct hd_dataset *d, int k, uint64_t seed,
                      double *auc);

/* ---------------------------------------------------------------------
 * The fit tools' shared driver
 * ------------------------------------------------------------------- */

struct hd_fit_job {
	enum hd_model_kind kind;
	const void *params;     /* struct hd_lr_opts or struct hd_rf_opts */
	cJSON *hyper;           /* hyperparameters for the record; taken */
	const char *input;      /* training CSV, "-" = stdin */
	const char *output;     /* model file, "-" = stdout */
	int cv_folds;           /* 0 = no cross-validation */
	uint64_t seed;          /* fold assignment (and the forest) */
};

/* Options both fit tools take: -o, --cv, --seed.  1 if c was one. */
int hd_fit_common_opt(int c, const char *arg, struct hd_fit_job *j);
#define HD_FIT_LONGOPTS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "cv", required_argument, NULL, 'k' }, \
	{ "seed", required_argument, NULL, 's' }
#define HD_FIT_SHORTOPTS "o:k:s:"
#define HD_FIT_USAGE \
	"  -o, --output FILE     write the model here, atomically (stdout)\n" \
	"  -k, --cv K            stratified K-fold cross-validation, 0 = none (5)\n" \
	"  -s, --seed N          seed of the folds%s (42)\n"
/*
 * Read the data, cross-validate, fit on all rows, write the model with
 * its record.  Returns the exit status.
 */
int hd_fit_run(const struct hd_fit_job *j);

#endif
