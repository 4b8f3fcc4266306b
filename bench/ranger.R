# bench/ranger.R - R's ranger on the job hd-fit-rf does: 200 trees on the
# encoded training rows hd-fit-rf trains on (imputed, one-hot, numerics
# unscaled; bench/lib.sh's forest_rows writes them from the model file's
# own preprocessing).
#
# usage: Rscript ranger.R ROWS.csv THREADS REPS [MODEL.rds]
#
# REPS > 0: fit REPS times and print the median and the fastest elapsed
# time of the ranger() call alone, in ms (no R start-up, no library
# load, no CSV read): "ranger THREADS MEDIAN_MS MIN_MS REPS".
# REPS = 0: fit once, as a whole process would, and save the forest to
# MODEL.rds if given (hd-fit-rf writes its model too).
#
# The settings are hd-fit-rf's defaults and scikit-learn's: bootstrap of
# n rows with replacement, Gini, floor(sqrt(28)) = 5 columns tried per
# split, grown to purity (min.node.size = 1).  probability = TRUE grows
# probability trees, whose leaves keep the class fractions and whose
# prediction is their mean over the trees: that is what scikit-learn's
# predict_proba and hd's forest compute.  Plain classification trees
# (probability = FALSE) vote with their leaves' majority class instead.
# oob.error = FALSE: neither hd-fit-rf --cv 0 nor scikit-learn's default
# computes out-of-bag predictions, which ranger does unless told not to.
suppressPackageStartupMessages(library(ranger))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3 || length(args) > 4) {
	message("usage: Rscript ranger.R ROWS.csv THREADS REPS [MODEL.rds]")
	quit(status = 2)
}
rows <- read.csv(args[1], check.names = FALSE)
threads <- as.integer(args[2])
reps <- as.integer(args[3])
x <- as.matrix(rows[, names(rows) != "target"])
y <- factor(rows$target)
if (ncol(x) != 28) {
	message(sprintf("ranger.R: %s: %d encoded columns, not 28", args[1], ncol(x)))
	quit(status = 1)
}

fit <- function() {
	ranger(x = x, y = y, num.trees = 200, mtry = floor(sqrt(ncol(x))),
	       min.node.size = 1, replace = TRUE, sample.fraction = 1,
	       splitrule = "gini", probability = TRUE, oob.error = FALSE,
	       num.threads = threads, seed = 42, verbose = FALSE)
}

if (reps == 0) {
	model <- fit()
	if (length(args) == 4)
		saveRDS(model, args[4])
	quit(status = 0)
}
invisible(fit()) # warm-up: first-call allocations, page faults
ms <- vapply(seq_len(reps), function(i) system.time(fit())[["elapsed"]] * 1000, 0)
cat(sprintf("ranger %d %.1f %.1f %d\n", threads, median(ms), min(ms), reps))
