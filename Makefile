# hd - build the tools, run the pipeline, run the tests.
#
#   make             build every tool into build/bin
#   make pipeline    fetch -> clean -> eda -> split -> fit -> eval -> select,
#                    plots, report, run record (reruns only what changed)
#   make data        fetch, clean, split;  make eda: the summary and its plots
#   make test        the whole test suite, plain and under ASan+UBSan
#   make test COVERAGE=1  the same with its plain pass on build/cov (ci/test)
#   make deps-browser  the browser tests' node packages (make test does it)
#   make bench       the speed benchmarks (bench/)
#   make fuzz        the libFuzzer harnesses, FUZZ_SECONDS (600) each,
#                    under ASan+UBSan (tests/fuzz/fuzz.mk)
#   make valgrind    every program under valgrind; make soak: the server
#                    under wrk and a slowloris (tests/soak/soak.mk)
#   make SANITIZE=1  build with AddressSanitizer and UBSan into build/san
#   make RELEASE=1   the hardened release build into build/release
#   make COVERAGE=1  the gcov-instrumented build into build/cov

include params.mk

.DELETE_ON_ERROR:
.SUFFIXES:

# ---------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -pthread
LDLIBS  := -lcsv -lcjson -lnettle -lm -pthread

LDFLAGS ?=

# Build modes, each into a folder of its own:
#   SANITIZE=1  AddressSanitizer + UBSan (build/san), the suite's 2nd pass
#   RELEASE=1   the hardened release build (build/release): what the
#               image and a deploy ship; ci/security checks its binaries
#   COVERAGE=1  gcov instrumentation (build/cov), for ci/test
ifeq ($(SANITIZE),1)
BUILD   ?= build/san
CFLAGS  := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
else ifeq ($(RELEASE),1)
BUILD   ?= build/release
CFLAGS  := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
SANFLAGS :=
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
else ifeq ($(COVERAGE),1)
BUILD   ?= build/cov
CFLAGS  := -Og -g --coverage
SANFLAGS :=
LDFLAGS += --coverage
else
BUILD   ?= build
SANFLAGS :=
endif
BIN     := $(BUILD)/bin
OBJ     := $(BUILD)/obj

LIB_SRC := $(wildcard tools/lib/*.c)
LIB_OBJ := $(LIB_SRC:tools/lib/%.c=$(OBJ)/lib/%.o)
LIB_A   := $(BUILD)/libhd.a

# Programs and their objects: a tool is tools/NAME.c (its options and
# main) and, when it is large, the sources in tools/NAME/ (a header
# there says which part is where); the responder is every source in
# fcgi/ (fcgi/fcgi.h says which is which).  Each program gets a link
# rule over its own object list.
TOOLS    := $(patsubst tools/%.c,%,$(wildcard tools/hd-*.c))
PROGRAMS := $(TOOLS) hd-fcgi
$(foreach t,$(TOOLS),$(eval OBJS_$(t) := $(OBJ)/$(t).o \
	$(patsubst tools/%.c,$(OBJ)/%.o,$(wildcard tools/$(t)/*.c))))
TOOL_OBJ := $(foreach t,$(TOOLS),$(OBJS_$(t)))
FCGI_OBJ := $(patsubst fcgi/%.c,$(OBJ)/fcgi/%.o,$(wildcard fcgi/*.c))
OBJS_hd-fcgi := $(FCGI_OBJ)
PROGS    := $(PROGRAMS:%=$(BIN)/%)
MANPAGES := $(wildcard tools/hd-*.1 fcgi/hd-*.1)
MANPAGES5 := $(wildcard tools/hd-*.5)

# Extra libraries, by program.
LDLIBS_hd-fetch := -lcurl
LDLIBS_hd-fcgi  := -lfcgi

# C unit tests: tests/unit/NAME.c -> $(BUILD)/tests/NAME, run by
# tests/run; UNIT_OBJS_NAME are the program objects one links besides
# the library (the responder's pure parts, for fcgi_test and oip_test).
UNIT    := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/*.c))
UNIT_OBJS_fcgi_test := $(addprefix $(OBJ)/fcgi/,text.o counters.o metrics.o validate.o auth.o drift.o)
LDLIBS_fcgi_test := -lfcgi
UNIT_OBJS_oip_test := $(addprefix $(OBJ)/fcgi/,text.o validate.o oipreq.o)

.PHONY: all programs deps-build deps-run deps-test
all: $(PROGS) $(UNIT:%=$(BUILD)/tests/%)
# The programs alone (the image's builder: no unit tests there).
programs: $(PROGS)

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

define program
$$(BIN)/$(1): $$(OBJS_$(1)) $$(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$(OBJS_$(1)) $$(LIB_A) $$(LDLIBS_$(1)) $$(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program,$(p))))

define unit
$$(BUILD)/tests/$(1): tests/unit/$(1).c $$(UNIT_OBJS_$(1)) $$(LIB_A) | deps-build
	@mkdir -p $$(@D)
	$$(CC) $$(WARN) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -Itools/lib -Ifcgi -o $$@ $$< $$(UNIT_OBJS_$(1)) $$(LIB_A) $$(LDLIBS_$(1)) $$(LDLIBS)
endef
$(foreach u,$(UNIT),$(eval $(call unit,$(u))))

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(FCGI_OBJ:.o=.d)

# ---------------------------------------------------------------------
# Install: make install [PREFIX=/usr/local] [DESTDIR=/staging]
# ---------------------------------------------------------------------

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

.PHONY: install uninstall
install: $(PROGS)
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(MANDIR)/man5'
	install -m 755 $(PROGS) '$(DESTDIR)$(BINDIR)'
	install -m 644 $(MANPAGES) '$(DESTDIR)$(MANDIR)/man1'
	install -m 644 $(MANPAGES5) '$(DESTDIR)$(MANDIR)/man5'

uninstall:
	rm -f $(addprefix '$(DESTDIR)$(BINDIR)'/,$(PROGRAMS)) \
		$(addprefix '$(DESTDIR)$(MANDIR)/man1'/,$(notdir $(MANPAGES))) \
		$(addprefix '$(DESTDIR)$(MANDIR)/man5'/,$(notdir $(MANPAGES5)))

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
LOSO  := $(ART)/loso/lr.loso.json $(ART)/loso/rf.loso.json

.PHONY: fetch
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

# An option only when its parameter is set: the defaults live in the
# tools (hd-fit-lr --help, hd-fit-rf --help), nowhere else.
opt = $(if $(strip $(2)),$(1) $(2))
LR_OPTS = $(call opt,--C,$(LR_C)) $(call opt,--max-iter,$(LR_MAX_ITER)) \
	$(call opt,--tol,$(LR_TOL))
RF_OPTS = $(call opt,--trees,$(RF_TREES)) $(call opt,--max-depth,$(RF_MAX_DEPTH)) \
	$(call opt,--min-samples-leaf,$(RF_MIN_LEAF)) \
	$(call opt,--min-samples-split,$(RF_MIN_SPLIT)) \
	$(call opt,--max-features,$(RF_MAX_FEATURES))

# Each fit also writes its cross-validation's out-of-fold predictions,
# on which hd-eval chooses the Youden threshold (never on the test rows).
LR_OOF := $(ART)/models/lr.oof.csv
RF_OOF := $(ART)/models/rf.oof.csv

$(LR_MODEL) $(LR_OOF) &: $(TRAIN) $(BIN)/hd-fit-lr $(CV_PARAMS) $(call param,lr,$(strip $(LR_OPTS)))
	@mkdir -p $(@D)
	$(BIN)/hd-fit-lr $(strip $(LR_OPTS)) --cv $(CV) --seed $(MODEL_SEED) \
		--oof $(LR_OOF) -o $(LR_MODEL) $(TRAIN)

$(RF_MODEL) $(RF_OOF) &: $(TRAIN) $(BIN)/hd-fit-rf $(CV_PARAMS) $(call param,rf,$(strip $(RF_OPTS)))
	@mkdir -p $(@D)
	$(BIN)/hd-fit-rf $(strip $(RF_OPTS)) $(call opt,--jobs,$(RF_JOBS)) \
		--cv $(CV) --seed $(MODEL_SEED) --oof $(RF_OOF) -o $(RF_MODEL) $(TRAIN)

$(ART)/metrics/%.metrics.json: $(ART)/models/%.model.json $(ART)/models/%.oof.csv \
		$(TEST) $(BIN)/hd-eval $(call param,threshold,$(THRESHOLD))
	@mkdir -p $(@D)
	$(BIN)/hd-eval --threshold $(THRESHOLD) --oof $(ART)/models/$*.oof.csv \
		-o $@ $< $(TEST)

# Leave-one-site-out: each model's kind and hyperparameters refitted on
# three sites of the whole clean data and evaluated on the fourth.
$(ART)/loso/%.loso.json: $(ART)/models/%.model.json $(CLEAN) $(BIN)/hd-loso \
		$(call param,threshold,$(THRESHOLD))
	@mkdir -p $(@D)
	$(BIN)/hd-loso --threshold $(THRESHOLD) -o $@ $< $(CLEAN)

$(MODEL): $(LR_METRICS) $(RF_METRICS) $(BIN)/hd-select
	$(BIN)/hd-select -o $@ $(LR_METRICS) $(RF_METRICS)

# The steps around the model (plots, report) live in pipelines/*.mk;
# each adds what it makes to PIPELINE_OUT.
PIPELINE_OUT :=
include $(sort $(wildcard pipelines/*.mk))

# ---------------------------------------------------------------------
# Run records (hd-runs(1))
# ---------------------------------------------------------------------

# make pipeline runs the DAG (pipeline-steps) under pipelines/track,
# which records the run as failed when a step fails.  The DAG's last
# step, $(RUN_STAMP), records a finished run when any output is newer
# than the last record, so a pipeline that changes nothing records
# nothing.  Runs go to $(RUNS): HD_RUNS_DIR, which checkouts may share.
RUNS      ?= $(or $(HD_RUNS_DIR),$(ART)/runs)
RUN_STAMP := $(ART)/.run
RUN_OUT   := $(MODEL) $(LR_MODEL) $(RF_MODEL) $(LR_OOF) $(RF_OOF) \
	$(LR_METRICS) $(RF_METRICS) $(LOSO) $(EDA) $(PIPELINE_OUT)
FETCH_URL := https://archive.ics.uci.edu/ml/machine-learning-databases/heart-disease/

# A value quoted for the shell.
shq = '$(subst ','\'',$(1))'
# What was typed: the goals and the variables set on the command line.
RUN_COMMAND = make $(MAKECMDGOALS) $(foreach v,$(sort $(.VARIABLES)),$(if \
	$(filter command line,$(origin $(v))),$(v)=$(value $(v))))

RECORD = $(BIN)/hd-runs --dir $(call shq,$(RUNS)) record \
	--experiment $(call shq,$(EXPERIMENT)) --command "$$HD_RUN_COMMAND" \
	$(if $(HD_RUN_START),--start $(call shq,$(HD_RUN_START))) \
	--param seed=$(SEED) --param test_size=$(TEST_SIZE) --param cv=$(CV) \
	--param model_seed=$(MODEL_SEED) --param threshold=$(THRESHOLD) \
	--param eda_bins=$(EDA_BINS) --param $(call shq,clean_opts=$(CLEAN_OPTS)) \
	--param $(call shq,lr_opts=$(strip $(LR_OPTS))) \
	--param $(call shq,rf_opts=$(strip $(RF_OPTS))) \
	--model lr=$(LR_MODEL) --model rf=$(RF_MODEL) \
	--metrics lr=$(LR_METRICS) --metrics rf=$(RF_METRICS) \
	--loso lr=$(ART)/loso/lr.loso.json --loso rf=$(ART)/loso/rf.loso.json \
	--selected $(MODEL) --source $(call shq,$(or $(MIRROR),$(FETCH_URL))) \
	$(RAW:%=--raw %) --clean $(CLEAN) --train $(TRAIN) --test $(TEST) \
	$(RUN_OUT:%=--artifact %)

.PHONY: pipeline pipeline-steps record-failed
pipeline: $(BIN)/hd-runs | deps-run
	@HD_RUN_COMMAND=$(call shq,$(strip $(RUN_COMMAND))) HD_RUN_STAMP=$(call shq,$(RUN_STAMP)) \
		pipelines/track $(MAKE) --no-print-directory pipeline-steps

# Every program, not only those the DAG runs: the README's examples use
# hd-predict and hd-fcgi right after a pipeline.
pipeline-steps: $(MODEL) $(EDA) $(LOSO) $(PROGS) $(PIPELINE_OUT) $(RUN_STAMP)

# The record's command line is long and says nothing new: make prints
# the run it wrote instead ("hd-runs list" shows them all).
$(RUN_STAMP): $(RUN_OUT) | $(BIN)/hd-runs
	@trap 'rm -f $@.tmp; exit 130' HUP INT TERM; \
	$(RECORD) > $@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }; \
	echo "run recorded: $$(cat $@)"

# pipelines/track runs this after a failed step.
record-failed:
	@$(RECORD) --status failed --step "$$HD_RUN_STEP" --message "$$HD_RUN_MESSAGE"

# The delivery phases' steps (ci/data, ci/eda, ci/train): the DAG up to
# a point.  make pipeline does them all, and records the run.
.PHONY: data eda
data: $(CLEAN) $(SPLIT)
eda: $(EDA) $(PLOTS_EDA)

# Serving (make serve) lives beside the responder.
include $(wildcard fcgi/*.mk)

# Hardening beside its tests: make fuzz (tests/fuzz), make valgrind and
# make soak (tests/soak).
include $(sort $(wildcard tests/*/*.mk))

# ---------------------------------------------------------------------
# Tests, benchmarks, cleaning
# ---------------------------------------------------------------------

# The browser tests' node packages (playwright-core, pinned with its
# hash in tests/browser/package-lock.json), installed exactly as locked;
# npm writes node_modules/.package-lock.json last.
BROWSER := tests/browser
BROWSER_DEPS := $(BROWSER)/node_modules/.package-lock.json
.PHONY: deps-browser
deps-browser: $(BROWSER_DEPS)
# Node trusts its own list of certificate authorities, not the
# machine's; a registry reached through a proxy with a local authority
# (in /etc/ssl/certs, as apt and curl use it) needs the machine's too.
SYSTEM_CA := $(wildcard /etc/ssl/certs/ca-certificates.crt)
$(BROWSER_DEPS): $(BROWSER)/package-lock.json $(BROWSER)/package.json | deps-test
	$(if $(SYSTEM_CA),NODE_EXTRA_CA_CERTS="$${NODE_EXTRA_CA_CERTS:-$(SYSTEM_CA)}") \
		npm ci --prefix $(BROWSER) --no-audit --no-fund
	@touch $@

# The suite's first pass is on the build of the mode make test runs in:
# build, or build/cov under COVERAGE=1 (ci/test reads its counters);
# the second on build/san.  tests/run runs the two at the same time.
.PHONY: test bench clean distclean
test: deps-test $(BROWSER_DEPS)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/run $(BUILD) build/san

bench: all deps-test $(BUILD)/bench/load
	@bench/run

# bench/load: the time of loading one model file (default the selected
# one), its steps apart: make bench-load [LOAD_MODEL=FILE].
$(BUILD)/bench/load: bench/load.c $(LIB_A) | deps-build
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -Itools/lib -o $@ $< $(LIB_A) $(LDLIBS)

LOAD_MODEL ?= $(MODEL)
.PHONY: bench-load
bench-load: $(BUILD)/bench/load
	$(BUILD)/bench/load $(LOAD_MODEL) 500

clean:
	rm -rf build

distclean: clean
	rm -rf $(PARAMS) $(DATA)/raw $(DATA)/split $(CLEAN) $(ART)/eda \
		$(ART)/models $(ART)/metrics $(ART)/loso $(ART)/plots $(MODEL) $(RUN_STAMP)
