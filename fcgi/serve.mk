# fcgi/serve.mk - `make serve`: lighttpd in the foreground on
# http://$(HOST):$(PORT)/ with $(WORKERS) hd-fcgi workers serving
# $(MODEL).  Ctrl-C stops it gracefully.  Included by the Makefile.
#
#   make serve                          the selected model, port 8080
#   make serve PORT=9000 WORKERS=4
#   make serve MODEL=artifacts/models/rf.model.json
#
# For a server in the background use pipelines/hd-serve start|stop|status.

HOST    ?= 127.0.0.1
PORT    ?= 8080
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
MAX_REQUEST_KIB ?= 1024
# Descriptors lighttpd may use (server.max-fds); the process limit is set
# to the same before it starts, see hd-fcgi(1), LIMITS.
MAX_FDS ?= 16384
SERVE_DIR ?= $(BUILD)/serve
LIGHTTPD ?= /usr/sbin/lighttpd

# The model is built by the pipeline first, unless MODEL was given on the
# command line: then it is served as it is, never rewritten by the rule
# that makes $(MODEL).
SERVE_MODEL_DEP := $(if $(filter command line,$(origin MODEL)),,$(MODEL))

.PHONY: serve
serve: $(SERVE_MODEL_DEP) $(BIN)/hd-fcgi | deps-run
	@mkdir -p $(SERVE_DIR)
	HD_HOST='$(HOST)' HD_PORT='$(PORT)' HD_WORKERS='$(WORKERS)' \
	HD_MODEL='$(abspath $(MODEL))' HD_BIN='$(abspath $(BIN))' \
	HD_RUN_DIR='$(abspath $(SERVE_DIR))' HD_MAX_REQUEST_KIB='$(MAX_REQUEST_KIB)' \
	HD_MAX_FDS='$(MAX_FDS)' \
		pipelines/hd-serve config > $(SERVE_DIR)/lighttpd.conf
	@echo "serving $(MODEL) on http://$(HOST):$(PORT)/ with $(WORKERS) workers; logs in $(SERVE_DIR)/; Ctrl-C stops"
	ulimit -n $(MAX_FDS) && exec $(LIGHTTPD) -D -f $(SERVE_DIR)/lighttpd.conf
