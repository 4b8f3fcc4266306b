/*
 * model.h - the model as serving sees it: preprocessing, the two
 * models' scoring, and the model file.
 *
 * A patient is double[HD_NFEAT] in hd_features order, NaN = missing.
 * Preprocessing turns it into an encoded vector z of prep->dim doubles
 * (standardised numerics, then one-hot categoricals), which both models
 * read.
 *
 * Regime: the core (see hd.h).  The server links all of this into its
 * request path, so nothing here prints, exits or aborts, out of memory
 * included; errors come back as -1 with a message in err.  Training,
 * which may abort, is in cli.h.
 */
#ifndef HD_MODEL_H
#define HD_MODEL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "hd.h"

/* ---------------------------------------------------------------------
 * Preprocessing (prep.c), fitted on training rows only
 * ------------------------------------------------------------------- */

struct hd_prep_col {
	int feature; /* index in hd_features */
	enum hd_kind kind;
	/* numeric: x -> ((x missing ? median : x) - mean) / scale */
	double median, mean, scale;
	/* categorical: x -> one-hot over levels[] (sorted); missing -> mode;
	 * a level not in levels[] -> all zeros */
	double mode;
	double *levels;
	int n_levels;
	int offset; /* first slot of this column in z */
};

struct hd_prep {
	struct hd_prep_col col[HD_NFEAT]; /* numerics first, then categoricals */
	int dim;                          /* width of z */
	/*
	 * Standardise numerics (1, logistic regression) or pass them on
	 * imputed but in their own units (0, random forest: a tree does not
	 * depend on scale, and its thresholds then read as clinical values,
	 * "chol <= 230.5").  Follows from the model kind.
	 */
	int scaled;
};

/* z[p->dim] from x; returns how many categorical values were unseen. */
int hd_prep_apply(const struct hd_prep *p, const double x[HD_NFEAT], double *z);
/* Is x[f] (not missing) one of the levels seen in training? */
int hd_prep_level_seen(const struct hd_prep *p, int feature, double v);
/* Names of the encoded slots, e.g. "age", "cp=4"; buf per slot. */
void hd_prep_slot_name(const struct hd_prep *p, int slot, char *buf,
                       size_t len);
int hd_prep_from_json(struct hd_prep *p, const cJSON *j, char *err,
                      size_t errlen);
void hd_prep_free(struct hd_prep *p);

/* ---------------------------------------------------------------------
 * Logistic regression (lr.c): L2 on the weights (C), intercept free
 * ------------------------------------------------------------------- */

struct hd_lr {
	int dim;
	double intercept;
	double *coef;   /* dim weights, owned */
	int iterations; /* Newton steps taken */
	int converged;
};

double hd_lr_prob(const struct hd_lr *m, const double *z);
void hd_lr_free(struct hd_lr *m);

/* ---------------------------------------------------------------------
 * Random forest (forest.c; fitted by rf.c): bootstrap, Gini,
 * sqrt(features) per split
 * ------------------------------------------------------------------- */

/*
 * One tree as parallel arrays.  A leaf has feature == -1 (and left ==
 * right == -1), whether it was fitted or loaded.
 */
struct hd_tree {
	int n_nodes;
	int *feature; /* slot of z tested: z[feature] <= threshold goes left */
	double *threshold;
	int *left, *right;
	double *value; /* leaf: fraction of class 1 */
};

/*
 * The forest as scoring walks it: every tree's nodes in preorder in one
 * array, 16 bytes a node, the left child next to its parent, so a walk
 * touches one cache line per level instead of five arrays.
 */
struct hd_rf_node {
	double v;        /* split: threshold; leaf: probability */
	int32_t feature; /* slot tested; dim at a leaf */
	int32_t right;   /* index of the right child in nodes[] */
};

struct hd_rf {
	int dim;
	int n_trees;
	struct hd_tree *trees;    /* owned; NULL when loaded from version 2 */
	struct hd_rf_node *nodes; /* owned; built by hd_rf_pack; NULL when
	                           * loaded into the narrow form alone */
	int *roots;               /* owned; n_trees indices into the nodes */
	size_t n_nodes;
	/* The narrow form (forest.c), all owned: qnode NULL until
	 * hd_rf_narrow or hd_rf_decode builds it, or when the forest has
	 * none.  Scoring walks it when it is there. */
	uint32_t *qnode; /* n_nodes words */
	double *qthr;    /* every slot's thresholds, sorted, slot by slot */
	int *qoff;       /* dim + 1 offsets into qthr */
	double *qleaf;   /* n_qleaf leaf probabilities */
	size_t n_qleaf;
};

/* Build nodes[], roots[] and n_nodes from trees[]; 0, or -1 if out of
 * memory. */
int hd_rf_pack(struct hd_rf *m);
/*
 * Build the narrow form from nodes[], for a tool about to score many
 * rows (about 2 ms for a 200-tree forest held as nodes, a version 1
 * file's; a version 2 file loads into the narrow form directly).  Not
 * every forest has one: 0 either way, -1 if out of memory, which only
 * leaves the scoring slower.
 */
int hd_rf_narrow(struct hd_rf *m);
double hd_rf_prob(const struct hd_rf *m, const double *z);
/* hd_rf_prob of n rows into p[0 .. n): the same doubles, several times
 * faster for a block of rows with the narrow form.  Row i is
 * Z[i * (dim + 1) ...]: dim slots and one the function uses (it writes
 * NaN there). */
void hd_rf_prob_rows(const struct hd_rf *m, double *Z, size_t n, double *p);
void hd_rf_free(struct hd_rf *m);

/*
 * The compact form of a forest, as model file version 2 stores it
 * (hd-model(5)): the distinct leaf probabilities (ascending), the
 * distinct splits (by slot, then threshold), and one little-endian
 * record of width bytes per node, every tree in preorder, the code c of
 * a leaf of leaves[c] or of the split (slot, threshold)[c - n_leaves].
 */
#define HD_RF_MAX_NODES (1 << 28) /* so node indices stay in int32_t */
struct hd_rf_code {
	int n_trees;
	size_t n_nodes;
	int width;      /* bytes per record: 1, 2 or 4 */
	double *leaves; /* n_leaves, owned */
	int n_leaves;
	int *slot;         /* n_splits, owned */
	double *threshold; /* n_splits, owned */
	int n_splits;
	uint8_t *records; /* n_nodes * width bytes, owned */
};
/* The compact form of a packed forest (nodes[], roots[]: a fitted one);
 * -1 if out of memory or the forest has no nodes[].  c owns what it
 * holds: hd_rf_code_free. */
int hd_rf_encode(const struct hd_rf *m, struct hd_rf_code *c);
/*
 * The forest of dim slots from its compact form, checked as hd-model(5)
 * says: the tables sorted, without duplicates and in range, every code
 * below the tables' size and used, exactly n_trees whole trees in
 * exactly n_nodes records.  It is held in the narrow form alone when it
 * has one (nodes NULL), else as nodes[]; trees NULL.  0, or -1 with the
 * reason in err (and *m empty).
 */
int hd_rf_decode(struct hd_rf *m, int dim, const struct hd_rf_code *c,
                 char *err, size_t errlen);
void hd_rf_code_free(struct hd_rf_code *c);
/* The tables and records of a version 2 forest's params into c (which
 * owns them: hd_rf_code_free), checked for their JSON types and sizes,
 * the base64 decoded; hd_rf_decode checks what they say.  0, or -1 with
 * the reason in err. */
int hd_rf_code_from_json(struct hd_rf_code *c, const cJSON *params, char *err,
                         size_t errlen);

/* ---------------------------------------------------------------------
 * The reference profile (drift.c): what the training rows looked like,
 * stored in the model file under "reference", so that hd-drift and the
 * server can tell whether the patients arriving still look like them.
 *
 * Every feature is cut into bins, and a value (NaN = missing) falls in
 * exactly one:
 *   numeric      the unique decile edges e[0] < ... < e[n-1] of the
 *                training values (hd_quantile at 0.1 ... 0.9): bin i
 *                holds x <= e[i] (and > e[i-1]); bin n holds x > e[n-1];
 *                bin n + 1 the missing values
 *   categorical  bin i holds levels[i] (the levels seen in training,
 *                sorted); bin n_levels any other value; bin n_levels + 1
 *                the missing values
 * The scores: HD_SCORE_BINS bins of equal width on [0, 1], the last
 * closed (p = 1 is in it).
 *
 * JSON ("reference" in the model file):
 *   {"rows": N,
 *    "features": [{"name", "kind", "missing": count, "counts": [per
 *        value bin, missing excluded],
 *        numeric: "edges": [...], "values": [the distinct training
 *        values, ascending], "value_counts": [how often each],
 *        categorical: "levels": [...]}, ... 13, in hd_features order],
 *    "prediction": {"scores": "out_of_fold" | "in_sample",
 *        "counts": [HD_SCORE_BINS]}}
 * ------------------------------------------------------------------- */

/* Bins of one feature at most, the missing (and other) bins included. */
#define HD_DRIFT_MAXBINS 16
#define HD_SCORE_BINS 10

struct hd_drift_col {
	int feature; /* index in hd_features (== its index in col[]) */
	enum hd_kind kind;
	int nbins;  /* value bins + (categorical: other) + missing */
	int nedges; /* numeric: edges[0..nedges) */
	double edges[HD_DRIFT_MAXBINS];
	int nlevels; /* categorical: levels[0..nlevels) */
	double levels[HD_DRIFT_MAXBINS];
	uint64_t ref[HD_DRIFT_MAXBINS]; /* training rows per bin */
	double min, max; /* numeric: of the training values present */
	/* numeric: the training values present, distinct and ascending,
	 * and their counts (the two-sample tests need the sample itself) */
	double *values;
	uint64_t *value_counts;
	size_t nvalues;
};

struct hd_profile {
	int ok; /* the model file has a reference profile */
	uint64_t rows;
	struct hd_drift_col col[HD_NFEAT]; /* in hd_features order */
	uint64_t score_ref[HD_SCORE_BINS];
	char scores[16]; /* "out_of_fold" or "in_sample" */
};

/* From the "reference" object (j NULL: no profile, p->ok = 0, 0). */
int hd_profile_from_json(struct hd_profile *p, const cJSON *j, char *err,
                         size_t errlen);
void hd_profile_free(struct hd_profile *p);
/* The bin of x (NaN = missing) in column c. */
int hd_drift_bin(const struct hd_drift_col *c, double x);
/* The bin of a score p in [0, 1]. */
int hd_score_bin(double p);
/*
 * Population stability index of cur[] against ref[] over n bins:
 * sum (c - r) ln(c / r) over the bins' shares, a share of 0 taken as
 * HD_PSI_FLOOR (as Evidently does).  NaN when either side holds no
 * rows.
 */
#define HD_PSI_FLOOR 1e-4
double hd_psi(const uint64_t *ref, const uint64_t *cur, int n);

/*
 * Two-sample tests (drift.c).  A sample is its distinct values,
 * ascending, and how often each occurs (a profile's values and
 * value_counts, or a batch's), so no raw rows are needed.
 */
struct hd_test {
	double statistic; /* KS: D; chi-squared: X^2 */
	double p;         /* the p-value */
	int dof;          /* chi-squared: degrees of freedom */
	int exact;        /* KS: 1 exact, 0 asymptotic */
};
/* The sum of counts[0..n): a sample's size. */
uint64_t hd_sample_size(const uint64_t *counts, size_t n);
/*
 * Two-sided two-sample Kolmogorov-Smirnov test, as scipy's ks_2samp:
 * D from the two ECDFs over the pooled values (ties as searchsorted
 * side='right' takes them).  The p-value is exact (scipy's
 * method='exact': the share of the merged orders with a D at least as
 * large, D rounded to its multiple of 1/lcm(n1, n2) as scipy rounds
 * it) while n1 * n2 <= HD_KS_EXACT_MAX: that many steps of a column of
 * min(n1, n2) <= 10^4 doubles, about 0.2 s, and all of scipy's 'auto'
 * region (exact up to 10000 a side).  Above it, the asymptotic
 * Kolmogorov distribution at sqrt(n1 n2 / (n1 + n2)) D (where scipy's
 * 'asymp' uses kstwo instead).  0, or -1 when a sample is empty (or,
 * exact, out of memory): statistic and p NaN.
 */
#define HD_KS_EXACT_MAX 1e8
int hd_ks_2samp(const double *x, const uint64_t *cx, size_t nx, const double *y,
                const uint64_t *cy, size_t ny, struct hd_test *t);
/* P(D >= h / lcm(n1, n2)), exact; NaN if out of memory. */
double hd_ks_exact_p(uint64_t n1, uint64_t n2, uint64_t h);
/* The limiting Kolmogorov distribution's survival function, P(K > lambda). */
double hd_kolmogorov_sf(double lambda);
/*
 * Pearson's chi-squared test of homogeneity on the 2 x k table a[k]
 * (reference) over b[k] (current), without continuity correction; a
 * column empty on both sides is left out, so dof = the columns that
 * remain - 1 (0: statistic 0, p 1, as scipy's chi2_contingency).  0,
 * or -1 when a side holds nothing.
 */
int hd_chi2_2xk(const uint64_t *a, const uint64_t *b, int k, struct hd_test *t);
/* The chi-squared distribution's survival function. */
double hd_chi2_sf(double x, double dof);
/* The regularized upper incomplete gamma function Q(a, x), a > 0. */
double hd_gamma_q(double a, double x);

/* ---------------------------------------------------------------------
 * The model file (model.c)
 * ------------------------------------------------------------------- */

#define HD_MODEL_FORMAT "hd-model"
/* 2: a forest's trees in the compact form (hd_rf_code); 1, the trees as
 * strings of numbers, still loads.  A logistic regression is the same in
 * both. */
#define HD_MODEL_VERSION 2
/*
 * The largest model (or other JSON) file a tool reads: a fitted forest
 * is a few MB, and without a bound /dev/zero would be read until memory
 * runs out.
 */
#define HD_MODEL_MAX_BYTES ((size_t)64 << 20)

enum hd_model_kind { HD_LR, HD_RF };

struct hd_model {
	enum hd_model_kind kind;
	struct hd_prep prep;
	struct hd_lr lr;
	struct hd_rf rf;
	struct hd_profile ref;      /* from "reference"; ref.ok = 0 if none */
	cJSON *doc;                 /* the whole file as read or built, owned */
	char sha256[HD_SHA256_HEX]; /* of the file's bytes, when loaded */
};

const char *hd_model_kind_name(enum hd_model_kind k);
/*
 * Load and check a model file ("-" = standard input) of at most max
 * bytes (0 = HD_MODEL_MAX_BYTES).  0, or -1 with the reason in err.
 */
int hd_model_load(struct hd_model *m, const char *path, size_t max, char *err,
                  size_t errlen);
/* The same from text already in memory (for the server's reloads). */
int hd_model_parse(struct hd_model *m, const char *text, size_t len, char *err,
                   size_t errlen);
/*
 * The model's name (what the Open Inference Protocol serves it as): the
 * file's "name", which the fit tools write (--name), or HD_MODEL_NAME
 * for a file without one.  A name is 1 to 64 of A-Z a-z 0-9 . _ -, so
 * that it is one URL path segment as it is.
 */
#define HD_MODEL_NAME "heart-disease"
const char *hd_model_name(const struct hd_model *m);
int hd_model_name_valid(const char *s);
/* The "created" time the fit tool recorded in the file, or NULL. */
const char *hd_model_created(const struct hd_model *m);
/*
 * Probability of disease for one patient; z is scratch of prep.dim
 * doubles.  *unseen (may be NULL) counts unseen categorical levels.
 */
double hd_model_prob(const struct hd_model *m, const double x[HD_NFEAT],
                     double *z, int *unseen);
void hd_model_free(struct hd_model *m);

#endif
