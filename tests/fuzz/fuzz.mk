# tests/fuzz/fuzz.mk - libFuzzer harnesses for hd's parsers (clang,
# AddressSanitizer + UBSan).  The Makefile includes this file.
#
#   make fuzz                  every harness for FUZZ_SECONDS (600) each,
#                              then one summary table; fails on a finding
#   make -j2 fuzz FUZZ_SECONDS=60   two at a time, a minute each
#   make -j6 fuzz FUZZ_SECONDS=60   all six at once for a minute (ci/fuzz:
#                              on 2 cores each gets a third of one)
#   make fuzz-NAME             one harness (csv, json, model, num, predict,
#                              runs)
#   make fuzz-build            build them all into build/fuzz/NAME
#
# A harness is tests/fuzz/NAME.c (its comment says what it checks), its
# seeds are tests/fuzz/corpus/NAME/, the inputs that once crashed it are
# tests/fuzz/regress/NAME/, and tests/fuzz/NAME.dict is its dictionary
# when there is one.  A run grows build/fuzz/corpus/NAME (the repo's
# corpus is read, never written), puts a crash, leak or timeout in
# build/fuzz/crashes/NAME/ and libFuzzer's output in build/fuzz/NAME.log
# (tests/fuzz/run does it).  A finding is fixed in the product, and its
# input goes to tests/fuzz/regress/NAME/, which tests/fuzz.bats runs in
# make test.
#
# Everything is compiled from the sources with clang into
# build/fuzz/obj, with coverage instrumentation (-fsanitize=fuzzer-no-link)
# for libFuzzer: nothing of the gcc builds is linked in.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ         := build/fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -Wall -Wextra -Werror -pthread -O1 -g \
	-fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_INC     := -Itools/lib -Ifcgi -Itools

# The library, the responder's pure parts, and hd-runs without its main
# (libFuzzer has the main; the tool's is renamed away).
FUZZ_LIB     := $(FUZZ)/libhd.a
FUZZ_LIB_OBJ := $(LIB_SRC:tools/lib/%.c=$(FUZZ)/obj/lib/%.o)
FUZZ_FCGI    := $(FUZZ)/obj/fcgi/text.o $(FUZZ)/obj/fcgi/validate.o \
	$(FUZZ)/obj/fcgi/oipreq.o
FUZZ_RUNS    := $(FUZZ)/obj/hd-runs.o \
	$(patsubst tools/%.c,$(FUZZ)/obj/%.o,$(wildcard tools/hd-runs/*.c))

# What each harness links besides the library.
FUZZ_OBJS_num     := $(FUZZ)/obj/fcgi/text.o
FUZZ_OBJS_predict := $(FUZZ_FCGI)
FUZZ_OBJS_runs    := $(FUZZ_RUNS)
# The predict and model harnesses score with these models (absolute
# paths, so a harness runs from any folder).
FUZZ_DEFS := -DHD_FUZZ_LR='"$(abspath tests/fuzz/corpus/model/lr.model.json)"' \
	-DHD_FUZZ_RF='"$(abspath tests/fuzz/corpus/model/rf.model.json)"'

.PHONY: fuzz fuzz-build deps-fuzz
deps-fuzz: ; @ci/deps build fuzz

fuzz-build: $(FUZZ_NAMES:%=$(FUZZ)/%) $(FUZZ)/num-mutant

$(FUZZ)/obj/lib/%.o: tools/lib/%.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ)/obj/fcgi/%.o: fcgi/%.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) -MMD -MP -c -o $@ $<

$(FUZZ)/obj/hd-runs.o: tools/hd-runs.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) -Dmain=hd_runs_main -MMD -MP -c -o $@ $<

$(FUZZ)/obj/hd-runs/%.o: tools/hd-runs/%.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define fuzz_harness
$$(FUZZ)/$(1): tests/fuzz/$(1).c $$(FUZZ_OBJS_$(1)) $$(FUZZ_LIB) | deps-fuzz
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer $$(FUZZ_INC) $$(FUZZ_DEFS) -MMD -MP -o $$@ $$< $$(FUZZ_OBJS_$(1)) $$(FUZZ_LIB) $$(LDLIBS)

# One harness's run: its verdict in $$(FUZZ)/$(1).result; fails on a finding.
.PHONY: fuzz-run-$(1) fuzz-$(1)
fuzz-run-$(1): $$(FUZZ)/$(1)
	@tests/fuzz/run $(1) '$$(FUZZ_SECONDS)'
fuzz-$(1): fuzz-run-$(1)
	@tests/fuzz/run --summary $(1)
endef
$(foreach h,$(FUZZ_NAMES),$(eval $(call fuzz_harness,$(h))))

# The num harness with a formatter that loses bits (tests/fuzz.bats).
$(FUZZ)/num-mutant: tests/fuzz/num.c $(FUZZ_OBJS_num) $(FUZZ_LIB) | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_INC) -DHD_FUZZ_MUTANT -o $@ $< $(FUZZ_OBJS_num) $(FUZZ_LIB) $(LDLIBS)

# Each run goes on after another's finding (tests/fuzz/run records it
# and exits 0), so the summary always covers every harness, and fails.
fuzz: $(FUZZ_NAMES:%=fuzz-run-%)
	@tests/fuzz/run --summary $(FUZZ_NAMES)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_FCGI:.o=.d) $(FUZZ_RUNS:.o=.d) \
	$(FUZZ_NAMES:%=$(FUZZ)/%.d)
