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

# Cross-validation folds (both models; at least 2: the out-of-fold
# predictions choose the Youden threshold) and the seed of folds and forest.
CV ?= 5
MODEL_SEED ?= 42

# Model hyperparameters.  Empty means the tool's own default, which
# `hd-fit-lr --help` and `hd-fit-rf --help` print (they live in one
# place, the library); set one to pass it: make pipeline RF_TREES=500.
#
# Logistic regression: inverse penalty strength, Newton steps, tolerance.
LR_C ?=
LR_MAX_ITER ?=
LR_TOL ?=

# Random forest: trees, depth limit (0 = none), fewest rows in a leaf,
# fewest rows to split a node, features tried per split (0 = sqrt),
# threads (0 = one per CPU; the model does not depend on it).
RF_TREES ?=
RF_MAX_DEPTH ?=
RF_MIN_LEAF ?=
RF_MIN_SPLIT ?=
RF_MAX_FEATURES ?=
RF_JOBS ?=

# Classification threshold used by the evaluation.
THRESHOLD ?= 0.5

# The experiment the run records belong to (hd-runs show prints it).
EXPERIMENT ?= heart-disease
