# pipelines/plots.mk - the plots of `make pipeline`: the tools write the
# numbers (hd-eda and hd-eval --plot-data, tables described in their
# man pages), gnuplot draws them (pipelines/*.gp), make ties them in.
# Included by the Makefile.
#
#   make pipeline                         every plot, with the rest
#   make artifacts/plots/roc.svg          one plot (and what it needs)
#
# A plot is redrawn when its tables or its script change: a new
# THRESHOLD redraws the models' plots, not the data's.

PLOT_DIR  := $(ART)/plots
PLOT_DATA := $(ART)/plots/data
GNUPLOT   ?= gnuplot

PLOT_HISTS  := age trestbps chol thalach oldpeak
PLOT_MODELS := lr rf
PLOT_STYLE  := pipelines/style.gp

# In the order a report shows them: the data first, then the models.
PLOTS_SVG := $(PLOT_HISTS:%=$(PLOT_DIR)/hist-%.svg) \
	$(addprefix $(PLOT_DIR)/,corr.svg class-bar.svg class-pie.svg site.svg \
		lr-confusion.svg rf-confusion.svg lr-roc.svg rf-roc.svg roc.svg \
		lr-calibration.svg rf-calibration.svg lr-decision.svg \
		rf-decision.svg)
PLOTS_PNG := $(addprefix $(PLOT_DIR)/,roc.png lr-confusion.png rf-confusion.png)
# The plots of the data alone (make eda, ci/eda).
PLOTS_EDA := $(PLOT_HISTS:%=$(PLOT_DIR)/hist-%.svg) \
	$(addprefix $(PLOT_DIR)/,corr.svg class-bar.svg class-pie.svg site.svg)

# ---------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------

# The tools' own runs, with the same inputs and options as the summary's
# and the metrics' rules, so the same numbers; the JSON is not kept
# (those rules write it), nor, for hd-eval, is the bootstrap run, which
# no plot shows.
PLOT_EDA_DATA := $(PLOT_HISTS:%=$(PLOT_DATA)/eda/hist-%.dat) \
	$(addprefix $(PLOT_DATA)/eda/,corr.dat class.dat site.dat)
PLOT_EVAL_TABLES := roc confusion calibration decision summary
# The tables are outputs too, for anyone's use.  Under the Makefile's
# .SECONDARY every file counts as intermediate, so a table that only
# the plots named would not be made again once deleted; as a goal it
# is (and the plots drawn from it are redrawn by the next run).
PIPELINE_OUT += $(PLOT_EDA_DATA) $(foreach m,$(PLOT_MODELS),\
	$(PLOT_EVAL_TABLES:%=$(PLOT_DATA)/$(m)/%.dat)) $(PLOTS_SVG) $(PLOTS_PNG)

$(PLOT_EDA_DATA) &: $(CLEAN) $(BIN)/hd-eda $(call param,eda_bins,$(EDA_BINS))
	$(BIN)/hd-eda --bins $(EDA_BINS) -o /dev/null \
		--plot-data $(PLOT_DATA)/eda $(CLEAN)

# A pattern rule with several targets makes them all in one run.
$(foreach t,$(PLOT_EVAL_TABLES),$(PLOT_DATA)/%/$(t).dat): $(ART)/models/%.model.json $(TEST) \
		$(BIN)/hd-eval $(call param,threshold,$(THRESHOLD))
	$(BIN)/hd-eval --threshold $(THRESHOLD) --bootstrap 0 -o /dev/null \
		--plot-data $(PLOT_DATA)/$* $< $(TEST)

# ---------------------------------------------------------------------
# The drawings
# ---------------------------------------------------------------------

# $(call draw,SCRIPT,ARGS): gnuplot -c SCRIPT OUT ARGS, where OUT is a
# temporary name with $@'s extension (by which the script picks SVG or
# PNG), renamed to $@ once gnuplot has succeeded.
# gnuplot runs in a UTF-8 locale whatever the caller's (the scripts say
# "set encoding utf8"; in the C locale gnuplot warns that iconv cannot
# convert its degree sign): C.UTF-8, which every Debian libc has.
#
# gnuplot exits 0 when its writes fail (a full disk: ENOSPC), leaving a
# cut file; so a drawing is renamed into place only when it ends as its
# format ends: an SVG with </svg>, a PNG with its IEND chunk.  On
# Ctrl-C (or a kill) the temporary goes too: make removes $@ only.
draw = @mkdir -p $(@D); tmp='$(basename $@).tmp$(suffix $@)'; \
	trap 'rm -f "$$tmp"; exit 130' HUP INT TERM; \
	echo "$(GNUPLOT) -c $(1) $@ $(2)"; \
	LC_ALL=C.UTF-8 $(GNUPLOT) -c $(1) "$$tmp" $(2) && $(plot_whole) && \
		mv -f "$$tmp" '$@' || { rm -f "$$tmp"; exit 1; }
plot_whole = { case "$$tmp" in \
	*.svg) tail -c 16 "$$tmp" | grep -q '</svg>' ;; \
	*.png) [ "$$(tail -c 8 "$$tmp" | od -An -tx1 | tr -d ' \n')" = 49454e44ae426082 ] ;; \
	esac || { echo "$(GNUPLOT): $$tmp: cut short, not renamed to $@ (is the disk full?)" >&2; false; }; }

# The data: hist-COLUMN, and NAME.svg drawn by NAME.gp from TABLE.dat.
$(PLOT_DIR)/hist-%.svg: $(PLOT_DATA)/eda/hist-%.dat pipelines/hist.gp \
		$(PLOT_STYLE) | deps-run
	$(call draw,pipelines/hist.gp,$(PLOT_DATA)/eda $*)

define plot_eda    # NAME TABLE
$$(PLOT_DIR)/$(1).svg: $$(PLOT_DATA)/eda/$(2).dat pipelines/$(1).gp \
		$$(PLOT_STYLE) | deps-run
	$$(call draw,pipelines/$(1).gp,$$(PLOT_DATA)/eda)
endef
$(eval $(call plot_eda,corr,corr))
$(eval $(call plot_eda,class-bar,class))
$(eval $(call plot_eda,class-pie,class))
$(eval $(call plot_eda,site,site))

# A model's: MODEL-KIND.EXT drawn by KIND.gp from its KIND.dat and
# summary.dat, for either extension.
define plot_model  # KIND EXT
$$(PLOT_DIR)/%-$(1).$(2): $$(PLOT_DATA)/%/$(1).dat $$(PLOT_DATA)/%/summary.dat \
		pipelines/$(1).gp $$(PLOT_STYLE) | deps-run
	$$(call draw,pipelines/$(1).gp,$$(PLOT_DATA)/$$* $$*)
endef
$(foreach k,confusion roc calibration decision,$(foreach e,svg png,\
	$(eval $(call plot_model,$(k),$(e)))))

# Both models' ROC curves on one plot.
$(PLOT_DIR)/roc.svg $(PLOT_DIR)/roc.png: pipelines/roc.gp $(PLOT_STYLE) \
		$(foreach m,$(PLOT_MODELS),$(PLOT_DATA)/$(m)/roc.dat \
			$(PLOT_DATA)/$(m)/summary.dat) | deps-run
	$(call draw,pipelines/roc.gp,$(foreach m,$(PLOT_MODELS),$(PLOT_DATA)/$(m) $(m)))
