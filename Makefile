# hd - build the tools, run the pipeline, run the tests.
#
#   make             build every tool into build/bin
#   make pipeline    fetch -> clean -> eda -> split (reruns only what changed)
#   make test        the whole test suite, plain and under ASan+UBSan
#   make bench       the speed benchmarks (bench/)
#   make SANITIZE=1  build with AddressSanitizer and UBSan into build/san

include params.mk

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

# ---------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -pthread
LDLIBS  := -lcsv -lcjson -lnettle -lm -pthread

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
CFLAGS  := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS :=
endif
BIN     := $(BUILD)/bin
OBJ     := $(BUILD)/obj

LIB_SRC := $(wildcard tools/lib/*.c)
LIB_OBJ := $(LIB_SRC:tools/lib/%.c=$(OBJ)/lib/%.o)
LIB_A   := $(BUILD)/libhd.a
TOOLS   := $(patsubst tools/%.c,%,$(wildcard tools/hd-*.c))
FCGI    := $(patsubst fcgi/%.c,%,$(wildcard fcgi/hd-*.c))
PROGS   := $(TOOLS:%=$(BIN)/%) $(FCGI:%=$(BIN)/%)
# C unit tests: tests/unit/NAME.c -> $(BUILD)/tests/NAME, run by tests/run.
UNIT    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))

# Extra libraries, by program.
LDLIBS_hd-fetch := -lcurl
LDLIBS_hd-fcgi  := -lfcgi

.PHONY: all deps-build deps-run deps-test
all: $(PROGS) $(UNIT)

deps-build: ; @ci/deps build
deps-run:   ; @ci/deps build run
deps-test:  ; @ci/deps build run test

$(OBJ)/lib/%.o: tools/lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/%.o: tools/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(OBJ)/fcgi/%.o: fcgi/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) -Itools/lib -MMD -MP -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(OBJ)/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(LIB_A) $(LDLIBS_$*) $(LDLIBS)

$(BIN)/%: $(OBJ)/fcgi/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(LIB_A) $(LDLIBS_$*) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A) | deps-build
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) -Itools/lib -o $@ $< $(LIB_A) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(TOOLS:%=$(OBJ)/%.d) $(FCGI:%=$(OBJ)/fcgi/%.d)

# ---------------------------------------------------------------------
# Pipeline
# ---------------------------------------------------------------------

DATA   ?= data
ART    ?= artifacts
PARAMS ?= .params

# A parameter is a file whose content is its value, rewritten only when
# the value changes, so make reruns exactly the steps that read it.
param = $(shell mkdir -p $(PARAMS) && \
	{ [ -f $(PARAMS)/$(1) ] && [ "$$(cat $(PARAMS)/$(1))" = "$(2)" ]; } || \
	printf '%s\n' "$(2)" > $(PARAMS)/$(1))$(PARAMS)/$(1)

SITES := cleveland hungarian switzerland va
RAW   := $(SITES:%=$(DATA)/raw/processed.%.data)
CLEAN := $(DATA)/heart.csv
EDA   := $(ART)/eda/summary.json $(ART)/eda/report.txt
SPLIT := $(DATA)/split/train.csv $(DATA)/split/test.csv
TRAIN := $(DATA)/split/train.csv
TEST  := $(DATA)/split/test.csv
LR_MODEL := $(ART)/models/lr.model.json
RF_MODEL := $(ART)/models/rf.model.json
LR_METRICS := $(ART)/metrics/lr.metrics.json
RF_METRICS := $(ART)/metrics/rf.metrics.json
MODEL := $(ART)/model.json

.PHONY: pipeline fetch
pipeline: $(MODEL) $(EDA)
fetch: $(RAW)

# The data is pinned by SHA-256, so where it came from does not matter
# to what follows; hd-fetch itself does nothing when the files verify.
$(RAW) &: | $(BIN)/hd-fetch deps-run
	$(BIN)/hd-fetch $(if $(MIRROR),--mirror '$(MIRROR)') -d $(DATA)/raw

$(CLEAN): $(RAW) $(BIN)/hd-clean $(call param,clean_opts,$(CLEAN_OPTS))
	$(BIN)/hd-clean $(CLEAN_OPTS) -o $@ $(RAW)

$(EDA) &: $(CLEAN) $(BIN)/hd-eda $(call param,eda_bins,$(EDA_BINS))
	@mkdir -p $(ART)/eda
	$(BIN)/hd-eda --bins $(EDA_BINS) -o $(ART)/eda/summary.json \
		--report $(ART)/eda/report.txt $(CLEAN)

$(SPLIT) &: $(CLEAN) $(BIN)/hd-split $(call param,seed,$(SEED)) \
		$(call param,test_size,$(TEST_SIZE))
	@mkdir -p $(DATA)/split
	$(BIN)/hd-split --seed $(SEED) --test-size $(TEST_SIZE) \
		--train $(DATA)/split/train.csv --test $(DATA)/split/test.csv $(CLEAN)

CV_PARAMS := $(call param,cv,$(CV)) $(call param,model_seed,$(MODEL_SEED))

$(LR_MODEL): $(TRAIN) $(BIN)/hd-fit-lr $(CV_PARAMS) \
		$(call param,lr,$(LR_C) $(LR_MAX_ITER) $(LR_TOL))
	@mkdir -p $(@D)
	$(BIN)/hd-fit-lr --C $(LR_C) --max-iter $(LR_MAX_ITER) --tol $(LR_TOL) \
		--cv $(CV) --seed $(MODEL_SEED) -o $@ $(TRAIN)

$(RF_MODEL): $(TRAIN) $(BIN)/hd-fit-rf $(CV_PARAMS) \
		$(call param,rf,$(RF_TREES) $(RF_MAX_DEPTH) $(RF_MIN_LEAF) $(RF_MAX_FEATURES))
	@mkdir -p $(@D)
	$(BIN)/hd-fit-rf --trees $(RF_TREES) --max-depth $(RF_MAX_DEPTH) \
		--min-samples-leaf $(RF_MIN_LEAF) --max-features $(RF_MAX_FEATURES) \
		--jobs $(RF_JOBS) --cv $(CV) --seed $(MODEL_SEED) -o $@ $(TRAIN)

$(ART)/metrics/%.metrics.json: $(ART)/models/%.model.json $(TEST) $(BIN)/hd-eval \
		$(call param,threshold,$(THRESHOLD))
	@mkdir -p $(@D)
	$(BIN)/hd-eval --threshold $(THRESHOLD) -o $@ $< $(TEST)

$(MODEL): $(LR_METRICS) $(RF_METRICS) $(BIN)/hd-select
	$(BIN)/hd-select -o $@ $(LR_METRICS) $(RF_METRICS)

# Serving (make serve) lives beside the responder.
include $(wildcard fcgi/*.mk)

# ---------------------------------------------------------------------
# Tests, benchmarks, cleaning
# ---------------------------------------------------------------------

.PHONY: test bench clean distclean
test: deps-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/run build build/san

bench: all deps-test
	@bench/run

clean:
	rm -rf build

distclean: clean
	rm -rf $(PARAMS) $(DATA)/raw $(DATA)/split $(CLEAN) $(ART)/eda \
		$(ART)/models $(ART)/metrics $(MODEL)
