# The report of a run: one self-contained HTML page (artifacts/report.html)
# and the selected model's model card in Markdown (artifacts/MODEL_CARD.md),
# made by hd-report from what the pipeline wrote.  Included by the Makefile
# after pipelines/plots.mk, whose PLOTS_SVG (the figures, in report order)
# may be empty or undefined: the page then says it has no figures.

REPORT := $(ART)/report.html
CARD   := $(ART)/MODEL_CARD.md

# The caption of each figure, by file name; a figure without one is shown
# under its file name.  No single quotes: they go into the shell quoted.
caption_hist-age.svg        := Age of the patients, all sites
caption_hist-trestbps.svg   := Resting blood pressure (trestbps, mm Hg); a 0 means not measured
caption_hist-chol.svg       := Serum cholesterol (chol, mg/dl); a 0 means not measured
caption_hist-thalach.svg    := Maximum heart rate reached (thalach)
caption_hist-oldpeak.svg    := ST depression induced by exercise (oldpeak)
caption_corr.svg            := Pearson correlation of the features and the target
caption_class-bar.svg       := Patients with and without heart disease
caption_class-pie.svg       := Share of patients with heart disease
caption_site.svg            := Patients and heart disease by site
caption_lr-confusion.svg    := Logistic regression: confusion matrix on the test split
caption_rf-confusion.svg    := Random forest: confusion matrix on the test split
caption_lr-roc.svg          := Logistic regression: ROC curve on the test split
caption_rf-roc.svg          := Random forest: ROC curve on the test split
caption_roc.svg             := ROC curves of both models on the test split
caption_lr-calibration.svg  := Logistic regression: calibration (reliability) on the test split
caption_rf-calibration.svg  := Random forest: calibration (reliability) on the test split
caption_lr-decision.svg     := Logistic regression: decision curve (net benefit) on the test split
caption_rf-decision.svg     := Random forest: decision curve (net benefit) on the test split

# The run's parameters, shown in the page: the files that hold them (see
# param in the Makefile), so that changing one remakes the page, and the
# page shows each as its file has it.
REPORT_PARAMS := $(call param,seed,$(SEED)) $(call param,test_size,$(TEST_SIZE)) \
	$(call param,cv,$(CV)) $(call param,model_seed,$(MODEL_SEED)) \
	$(call param,threshold,$(THRESHOLD)) \
	$(call param,clean_opts,$(CLEAN_OPTS)) $(call param,eda_bins,$(EDA_BINS))

# The list of figures is a parameter too, so that a figure taken out of
# PLOTS_SVG leaves the page; the captions above are in this file, which
# the page depends on for them.
$(REPORT) $(CARD) &: $(ART)/eda/summary.json $(CLEAN) $(LR_METRICS) \
		$(RF_METRICS) $(LOSO) $(MODEL) $(LR_MODEL) $(RF_MODEL) \
		$(PLOTS_SVG) $(call param,report_plots,$(strip $(PLOTS_SVG))) \
		pipelines/report.mk $(BIN)/hd-report $(REPORT_PARAMS)
	$(BIN)/hd-report -o $(REPORT) --card $(CARD) \
		--eda $(ART)/eda/summary.json --data $(CLEAN) --selected $(MODEL) \
		--metrics lr=$(LR_METRICS) --metrics rf=$(RF_METRICS) \
		--loso lr=$(ART)/loso/lr.loso.json --loso rf=$(ART)/loso/rf.loso.json \
		$(foreach f,$(PLOTS_SVG),--plot '$(f)=$(caption_$(notdir $(f)))') \
		$(foreach f,$(REPORT_PARAMS),--param "$(notdir $(f))=$$(cat $(f))")

PIPELINE_OUT += $(REPORT) $(CARD)

.PHONY: distclean-report
distclean: distclean-report
distclean-report:
	rm -f $(REPORT) $(CARD)
