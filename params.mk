# Pipeline parameters: the one place to change them.  Each may also be
# given on the command line (make pipeline SEED=7).  Changing one reruns
# only the steps that depend on it.

# Where hd-fetch gets the four UCI files: a folder, a file:// or http(s)://
# base URL.  Empty means the UCI archive.  A mirror folder sitting beside
# the checkout (../shared/data/uci-heart-disease) is found by itself.
HD_DATA_MIRROR ?= $(firstword $(wildcard ../shared/data/uci-heart-disease))
MIRROR ?= $(HD_DATA_MIRROR)

# hd-clean options, e.g. --zeros-missing or --drop-bad.
CLEAN_OPTS ?=

# hd-eda histogram bins.
EDA_BINS ?= 10

# hd-split: random seed and test fraction.
SEED ?= 42
TEST_SIZE ?= 0.2

# Cross-validation folds (both models) and the seed of folds and forest.
CV ?= 5
MODEL_SEED ?= 42

# Logistic regression: inverse penalty strength, Newton steps, tolerance.
LR_C ?= 1
LR_MAX_ITER ?= 100
LR_TOL ?= 1e-10

# Random forest: trees, depth limit (0 = none), fewest rows in a leaf,
# features tried per split (0 = sqrt), threads (0 = one per CPU; the
# model does not depend on it).
RF_TREES ?= 200
RF_MAX_DEPTH ?= 0
RF_MIN_LEAF ?= 1
RF_MAX_FEATURES ?= 0
RF_JOBS ?= 0

# Classification threshold used by the evaluation.
THRESHOLD ?= 0.5
