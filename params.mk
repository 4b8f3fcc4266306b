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
