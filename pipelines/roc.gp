# roc.gp OUT DIR MODEL [DIR MODEL]... - the ROC curve of each model MODEL
# (lr, rf) on the test rows, from DIR/roc.dat and DIR/summary.dat
# (hd-eval --plot-data), its ROC-AUC in the legend.
#   gnuplot -c pipelines/roc.gp artifacts/plots/lr-roc.svg artifacts/plots/data/lr lr
#   gnuplot -c pipelines/roc.gp artifacts/plots/roc.svg artifacts/plots/data/lr lr artifacts/plots/data/rf rf
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"

k = (ARGC - 1) / 2
array dir[k]
array model[k]
array auc[k]
do for [i = 1:k] {
	dir[i] = ARGV[2 * i]
	model[i] = ARGV[2 * i + 1]
	stats dir[i] . "/summary.dat" using (n = $1, auc[i] = $3) nooutput
}
if (k == 1) {
	set title sprintf("%s: ROC curve (%d test patients)", model_name(model[1]), n)
} else {
	set title sprintf("ROC curves (%d test patients)", n)
}

set size ratio -1
set xrange [0:1]
set yrange [0:1]
set xtics 0.2
set ytics 0.2
set xlabel "False positive rate (1 − specificity)"
set ylabel "True positive rate (sensitivity)"
set key bottom right
plot x with lines dt 2 lw 1 lc rgb c_ref title "chance", \
     for [i = 1:k] dir[i] . "/roc.dat" using 1:2 with lines lw 2 lc rgb model_color(model[i]) \
         title sprintf("%s (AUC %.3f)", model_label(model[i]), auc[i])
