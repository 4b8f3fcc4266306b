# tests/soak/soak.mk - the programs under valgrind and the server under
# load: make valgrind, make soak.  Included by the Makefile; both run on
# $(BIN) (build/bin: the -O2 -g build) and say every figure they measure.
#
#   make valgrind   every program's happy path on the real data under
#                   valgrind's memcheck (tests/soak/valgrind): the
#                   pipeline's tools in order, --help and --version of
#                   each, and hd-fcgi behind a real lighttpd across
#                   1,000 mixed requests and three model reloads; 0
#                   errors and 0 bytes lost, or it fails (~2-4 min)
#   make soak       wrk for SOAK_SECONDS (60) at 64 connections on POST
#                   /predict: no error, no non-2xx, exact counters,
#                   worker RSS growth under 1 MB; then a slowloris at the
#                   connection limit while a second client is served;
#                   then bats tests/soak/*.bats (tests/soak/soak; its
#                   opening comment lists the SOAK_* settings)
#   make soak SOAK_SECONDS=10    a short one
#
# CI runs `tests/soak/valgrind` after `make`, as make valgrind does.

.PHONY: valgrind soak deps-valgrind deps-soak
deps-valgrind: ; @ci/deps build run valgrind
deps-soak:     ; @ci/deps build run soak

# The data mirror, when it is a folder (the checks need the four files).
SOAK_MIRROR = $(if $(wildcard $(MIRROR)/processed.va.data),HD_DATA_MIRROR='$(abspath $(MIRROR))')

valgrind: $(PROGS) | deps-valgrind
	@$(SOAK_MIRROR) HD_BIN='$(abspath $(BIN))' tests/soak/valgrind

# The soak serves the pipeline's model (made first when it is missing).
soak: $(MODEL) $(PROGS) | deps-soak
	@$(SOAK_MIRROR) HD_BIN='$(abspath $(BIN))' SOAK_MODEL='$(abspath $(MODEL))' \
		$(if $(SOAK_SECONDS),SOAK_SECONDS='$(SOAK_SECONDS)') tests/soak/soak
