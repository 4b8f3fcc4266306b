# fcgi/serve.mk - `make serve`: lighttpd in the foreground on
# http://$(HOST):$(PORT)/ with $(WORKERS) hd-fcgi workers serving
# $(MODEL), and lighttpd itself sending $(REPORT) as /report.  Ctrl-C
# stops it gracefully.  Included by the Makefile.
#
#   make serve                          the selected model, port 8080
#   make serve PORT=9000 WORKERS=4
#   make serve MODEL=artifacts/models/rf.model.json
#   make serve REPORT=/tmp/other-report.html
#   make serve TLS_CERT=server.pem TLS_KEY=server.key   TLS 1.2+ only
#   make serve API_TOKENS=tokens    bearer tokens (hd-fcgi(1), ACCESS CONTROL)
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

# The report page, GET /report (404 while the file is missing).  Made
# first too when a pipelines/*.mk makes it (it is in PIPELINE_OUT), but
# not when REPORT or MODEL was given on the command line: the report is
# made from the pipeline's outputs, and MODEL given there must not be
# rewritten on the way.
REPORT ?= $(ART)/report.html
SERVE_REPORT_DEP := $(if $(filter command line,$(origin MODEL) $(origin REPORT)),,$(filter $(REPORT),$(PIPELINE_OUT)))

.PHONY: serve
serve: $(SERVE_MODEL_DEP) $(SERVE_REPORT_DEP) $(BIN)/hd-fcgi | deps-run
	@mkdir -p $(SERVE_DIR)
	HD_HOST='$(HOST)' HD_PORT='$(PORT)' HD_WORKERS='$(WORKERS)' \
	HD_MODEL='$(abspath $(MODEL))' HD_REPORT='$(abspath $(REPORT))' HD_BIN='$(abspath $(BIN))' \
	HD_RUN_DIR='$(abspath $(SERVE_DIR))' HD_MAX_REQUEST_KIB='$(MAX_REQUEST_KIB)' \
	HD_MAX_FDS='$(MAX_FDS)' HD_TLS_CERT='$(TLS_CERT)' HD_TLS_KEY='$(TLS_KEY)' \
	HD_API_TOKENS='$(API_TOKENS)' \
		pipelines/hd-serve config > $(SERVE_DIR)/lighttpd.conf.tmp
	@mv $(SERVE_DIR)/lighttpd.conf.tmp $(SERVE_DIR)/lighttpd.conf
	@echo "serving $(MODEL) on $(if $(TLS_CERT),https,http)://$(HOST):$(PORT)/ with $(WORKERS) workers, $(REPORT) as /report; logs in $(SERVE_DIR)/; Ctrl-C stops"
	ulimit -n $(MAX_FDS) && exec $(LIGHTTPD) -D -f $(SERVE_DIR)/lighttpd.conf
